/* base64.h - base64 encoding with the standard alphabet and '=' padding
 * (RFC 4648 section 4). */
#ifndef SOCKSCOPE_BASE64_H
#define SOCKSCOPE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode len bytes, excluding the terminating NUL. */
#define BASE64_ENCODED_LEN(len) ((((len) + 2u) / 3u) * 4u)

/* Encodes len bytes at in (in may be NULL when len is 0) into out, padded
 * with '=', and NUL-terminates. Returns the number of characters written
 * (without the NUL), or -1 if out_size is smaller than
 * BASE64_ENCODED_LEN(len) + 1; out is then left unchanged. */
int base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size);

#endif
