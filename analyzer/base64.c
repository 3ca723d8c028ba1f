/* base64.c - base64 encoding (RFC 4648 section 4, with padding). */
#include "base64.h"

#include <limits.h>

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size)
{
    /* guard the size computation and the int return against overflow */
    if (len > ((size_t)INT_MAX / 4u) * 3u - 3u)
        return -1;
    size_t need = BASE64_ENCODED_LEN(len);
    if (out == NULL || out_size < need + 1u)
        return -1;

    size_t o = 0, i = 0;
    for (; i + 3u <= len; i += 3u) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = base64_alphabet[(v >> 18) & 0x3f];
        out[o++] = base64_alphabet[(v >> 12) & 0x3f];
        out[o++] = base64_alphabet[(v >> 6) & 0x3f];
        out[o++] = base64_alphabet[v & 0x3f];
    }
    size_t rest = len - i;
    if (rest > 0) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (rest == 2)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = base64_alphabet[(v >> 18) & 0x3f];
        out[o++] = base64_alphabet[(v >> 12) & 0x3f];
        out[o++] = rest == 2 ? base64_alphabet[(v >> 6) & 0x3f] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return (int)o;
}
