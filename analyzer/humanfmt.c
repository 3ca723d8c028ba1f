/* humanfmt.c - human-readable byte sizes (IEC units) and counts (SI suffixes). */
#include "humanfmt.h"

#include <stdio.h>

/* Shared scaling: units[0] is used below base, units[k] for base^k. Integer
 * arithmetic only, so every uint64_t value formats exactly. */
static void scale_format(uint64_t n, uint64_t base, const char *const units[7], const char *sep,
                         char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return;
    if (n < base) {
        if (units[0][0] != '\0')
            snprintf(buf, len, "%llu%s%s", (unsigned long long)n, sep, units[0]);
        else
            snprintf(buf, len, "%llu", (unsigned long long)n);
        return;
    }
    unsigned k = 1;
    uint64_t d = base;
    while (k < 6 && n / d >= base) {
        d *= base;
        k++;
    }
    for (;;) {
        uint64_t q = n / d, r = n % d; /* r < d <= 2^60, so r * 10 fits */
        uint64_t tenths = q * 10 + (r * 10 + d / 2) / d;
        if (tenths < 100) {
            snprintf(buf, len, "%llu.%llu%s%s", (unsigned long long)(tenths / 10),
                     (unsigned long long)(tenths % 10), sep, units[k]);
            return;
        }
        uint64_t whole = q + (r >= d - r ? 1u : 0u); /* half up: 2r >= d */
        if (whole >= base && k < 6) {
            d *= base; /* rounded up to a whole next unit: show it there */
            k++;
            continue;
        }
        snprintf(buf, len, "%llu%s%s", (unsigned long long)whole, sep, units[k]);
        return;
    }
}

void humanfmt_bytes(uint64_t n, char *buf, size_t len)
{
    static const char *const units[7] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    scale_format(n, 1024, units, " ", buf, len);
}

void humanfmt_count(uint64_t n, char *buf, size_t len)
{
    static const char *const units[7] = {"", "k", "M", "G", "T", "P", "E"};
    scale_format(n, 1000, units, "", buf, len);
}
