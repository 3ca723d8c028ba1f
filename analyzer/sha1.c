/* sha1.c - SHA-1 message digest (FIPS 180-4 sections 5.1.1, 5.3.1, 6.1.2). */
#include "sha1.h"

#include <string.h>

static uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32u - n));
}

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One application of the compression function (FIPS 180-4 6.1.2 step 1-4). */
static void sha1_compress(uint32_t h[5], const uint8_t block[SHA1_BLOCK_LEN])
{
    uint32_t w[80];
    for (unsigned t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (unsigned t = 16; t < 80; t++)
        w[t] = rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (unsigned t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) ^ (~b & d); /* Ch */
            k = 0x5a827999u;
        } else if (t < 40) {
            f = b ^ c ^ d; /* Parity */
            k = 0x6ed9eba1u;
        } else if (t < 60) {
            f = (b & c) ^ (b & d) ^ (c & d); /* Maj */
            k = 0x8f1bbcdcu;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6u;
        }
        uint32_t tmp = rotl32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void sha1_init(struct sha1_ctx *ctx)
{
    /* FIPS 180-4 5.3.1 */
    ctx->h[0] = 0x67452301u;
    ctx->h[1] = 0xefcdab89u;
    ctx->h[2] = 0x98badcfeu;
    ctx->h[3] = 0x10325476u;
    ctx->h[4] = 0xc3d2e1f0u;
    ctx->n_bytes = 0;
    ctx->block_len = 0;
}

void sha1_update(struct sha1_ctx *ctx, const void *data, size_t len)
{
    if (len == 0) /* data may be NULL: keep it away from memcpy */
        return;
    const uint8_t *p = data;
    ctx->n_bytes += len;
    if (ctx->block_len > 0) {
        size_t take = SHA1_BLOCK_LEN - ctx->block_len;
        if (take > len)
            take = len;
        memcpy(ctx->block + ctx->block_len, p, take);
        ctx->block_len += take;
        p += take;
        len -= take;
        if (ctx->block_len < SHA1_BLOCK_LEN)
            return;
        sha1_compress(ctx->h, ctx->block);
        ctx->block_len = 0;
    }
    while (len >= SHA1_BLOCK_LEN) {
        sha1_compress(ctx->h, p);
        p += SHA1_BLOCK_LEN;
        len -= SHA1_BLOCK_LEN;
    }
    if (len > 0) {
        memcpy(ctx->block, p, len);
        ctx->block_len = len;
    }
}

void sha1_final(struct sha1_ctx *ctx, uint8_t out[SHA1_DIGEST_LEN])
{
    /* FIPS 180-4 5.1.1: a 1 bit, zeros to 56 mod 64 bytes, then the bit length */
    uint64_t n_bits = ctx->n_bytes * 8u;
    ctx->block[ctx->block_len++] = 0x80;
    if (ctx->block_len > SHA1_BLOCK_LEN - 8) {
        memset(ctx->block + ctx->block_len, 0, SHA1_BLOCK_LEN - ctx->block_len);
        sha1_compress(ctx->h, ctx->block);
        ctx->block_len = 0;
    }
    memset(ctx->block + ctx->block_len, 0, SHA1_BLOCK_LEN - 8 - ctx->block_len);
    store_be32(ctx->block + 56, (uint32_t)(n_bits >> 32));
    store_be32(ctx->block + 60, (uint32_t)n_bits);
    sha1_compress(ctx->h, ctx->block);
    for (unsigned i = 0; i < 5; i++)
        store_be32(out + 4 * i, ctx->h[i]);
}
