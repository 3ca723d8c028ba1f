/* aeshash.c - keyed 48-byte hash from AES rounds (design and reasoning in
 * aeshash.h). */
#include "aeshash.h"

#include <string.h>

#include "siphash.h"

#ifdef AESHASH_X86
#include <immintrin.h>
#endif

bool aeshash_cpu_supported(void)
{
#ifdef AESHASH_X86
    return __builtin_cpu_supports("aes");
#else
    return false;
#endif
}

void aeshash_key_init(struct aeshash_key *k, const uint8_t seed[AESHASH_SEED_LEN])
{
    /* a message no other SipHash use in sockscope makes (uids hash an 8-byte
     * counter), so no round key is ever equal to a value that is printed */
    static const char tag[] = "sockscope aeshash48 round key ";
    uint8_t msg[sizeof(tag)];
    memcpy(msg, tag, sizeof(tag) - 1);
    for (unsigned i = 0; i < AESHASH_ROUND_KEYS * 2; i++) {
        msg[sizeof(tag) - 1] = (uint8_t)i;
        uint64_t half = siphash24(msg, sizeof(msg), seed);
        for (unsigned b = 0; b < 8; b++)
            k->round_key[i / 2][8 * (i % 2) + b] = (uint8_t)(half >> (8 * b));
    }
}

#ifdef AESHASH_X86
#define RK(i) _mm_load_si128((const __m128i *)(const void *)k->round_key[i])

__attribute__((target("aes"))) uint64_t aeshash48(const void *data, const struct aeshash_key *k)
{
    const __m128i_u *p = data;
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128(p + 0), RK(0));
    __m128i x1 = _mm_xor_si128(_mm_loadu_si128(p + 1), RK(1));
    __m128i x2 = _mm_xor_si128(_mm_loadu_si128(p + 2), RK(2));
    /* three rounds per lane before the fold (aeshash.h: two would leave a
     * key-independent subspace an attacker could aim at) */
    for (int r = 0; r < 3; r++) {
        x0 = _mm_aesenc_si128(x0, RK(3 + r));
        x1 = _mm_aesenc_si128(x1, RK(6 + r));
        x2 = _mm_aesenc_si128(x2, RK(9 + r));
    }
    __m128i s = _mm_xor_si128(_mm_xor_si128(x0, x1), x2);
    s = _mm_aesenc_si128(s, RK(12));
    s = _mm_aesenc_si128(s, RK(13));
    return (uint64_t)_mm_cvtsi128_si64(s);
}
#endif
