/* siphash.c - SipHash-c-d (Aumasson and Bernstein 2012, sections 2 and 3): the
 * paper's SipHash-2-4 and the SipHash-1-3 variant (Python, Rust). */
#include "siphash.h"

#include <string.h>

static uint64_t rotl64(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64u - n));
}

/* One load (GCC 12 does not merge a loop of byte loads into one). */
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl64(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl64(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl64(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl64(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl64(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl64(s->v2, 32);
}

/* One message word m through c compression rounds. */
static inline void sip_compress(struct sip_state *s, uint64_t m, unsigned c)
{
    s->v3 ^= m;
    for (unsigned r = 0; r < c; r++)
        sip_round(s);
    s->v0 ^= m;
}

/* SipHash-c-d of len bytes at data: c rounds per message word, d to finish.
 * Inlined with constant c and d into each variant below. */
static inline uint64_t siphash_cd(const void *data, size_t len, const uint8_t key[SIPHASH_KEY_LEN],
                                  unsigned c, unsigned d)
{
    const uint8_t *p = data;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    /* initialisation constants: "somepseudorandomlygeneratedbytes" */
    struct sip_state s = {
        .v0 = k0 ^ 0x736f6d6570736575ull,
        .v1 = k1 ^ 0x646f72616e646f6dull,
        .v2 = k0 ^ 0x6c7967656e657261ull,
        .v3 = k1 ^ 0x7465646279746573ull,
    };

    size_t n_full = len / 8u;
    for (size_t i = 0; i < n_full; i++)
        sip_compress(&s, load_le64(p + 8u * i), c);

    /* last block: remaining bytes, zero padded, length mod 256 in the top byte */
    uint64_t last = (uint64_t)(len & 0xffu) << 56;
    size_t n_tail = len & 7u;
    for (size_t i = 0; i < n_tail; i++) /* never reached with data == NULL */
        last |= (uint64_t)p[8u * n_full + i] << (8u * i);
    sip_compress(&s, last, c);

    s.v2 ^= 0xff;
    for (unsigned r = 0; r < d; r++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t siphash24(const void *data, size_t len, const uint8_t key[SIPHASH_KEY_LEN])
{
    return siphash_cd(data, len, key, 2, 4);
}

uint64_t siphash13(const void *data, size_t len, const uint8_t key[SIPHASH_KEY_LEN])
{
    return siphash_cd(data, len, key, 1, 3);
}
