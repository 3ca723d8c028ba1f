/* sha1.h - SHA-1 message digest (FIPS 180-4 section 6.1). Used for Community
 * ID hashing only; SHA-1 is not collision resistant and is not used for
 * anything security related here. */
#ifndef SOCKSCOPE_SHA1_H
#define SOCKSCOPE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20
#define SHA1_BLOCK_LEN  64

struct sha1_ctx {
    uint32_t h[5];                 /* intermediate hash value H0..H4 */
    uint64_t n_bytes;              /* message length so far, in bytes */
    uint8_t block[SHA1_BLOCK_LEN]; /* partial block not yet compressed */
    size_t block_len;              /* bytes used in block */
};

/* Resets ctx to the initial hash value. Never fails. */
void sha1_init(struct sha1_ctx *ctx);

/* Appends len bytes at data to the message (data may be NULL when len is 0).
 * May be called any number of times between sha1_init and sha1_final. */
void sha1_update(struct sha1_ctx *ctx, const void *data, size_t len);

/* Pads the message, writes the 20-byte digest to out and leaves ctx in an
 * unspecified state (call sha1_init before reusing it). */
void sha1_final(struct sha1_ctx *ctx, uint8_t out[SHA1_DIGEST_LEN]);

#endif
