/* test_sha1.c - SHA-1 against the FIPS 180-4 example vectors (NIST "Examples
 * with intermediate values": SHA1.pdf), plus streaming edge cases. */
#include <string.h>

#include "cunit_main.h"
#include "sha1.h"

static void hex_digest(const uint8_t d[SHA1_DIGEST_LEN], char out[2 * SHA1_DIGEST_LEN + 1])
{
    static const char hexd[] = "0123456789abcdef";
    for (size_t i = 0; i < SHA1_DIGEST_LEN; i++) {
        out[2 * i] = hexd[d[i] >> 4];
        out[2 * i + 1] = hexd[d[i] & 0xf];
    }
    out[2 * SHA1_DIGEST_LEN] = '\0';
}

static void digest_of(const void *msg, size_t len, char out[2 * SHA1_DIGEST_LEN + 1])
{
    struct sha1_ctx ctx;
    uint8_t d[SHA1_DIGEST_LEN];
    sha1_init(&ctx);
    sha1_update(&ctx, msg, len);
    sha1_final(&ctx, d);
    hex_digest(d, out);
}

static void test_sha1_abc(void)
{
    char hex[41];
    digest_of("abc", 3, hex);
    CU_ASSERT_STRING_EQUAL(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static void test_sha1_448_bit(void)
{
    /* 56 bytes: the padding needs a second block */
    static const char msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char hex[41];
    digest_of(msg, strlen(msg), hex);
    CU_ASSERT_STRING_EQUAL(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_sha1_million_a(void)
{
    /* fed in uneven chunks so the partial-block path is exercised */
    uint8_t chunk[1000];
    memset(chunk, 'a', sizeof(chunk));
    struct sha1_ctx ctx;
    sha1_init(&ctx);
    size_t fed = 0, step = 1;
    while (fed < 1000000) {
        size_t n = step;
        if (n > 1000000 - fed)
            n = 1000000 - fed;
        sha1_update(&ctx, chunk, n);
        fed += n;
        step = step % 983 + 13; /* 13..995, within chunk */
    }
    uint8_t d[SHA1_DIGEST_LEN];
    char hex[41];
    sha1_final(&ctx, d);
    hex_digest(d, hex);
    CU_ASSERT_STRING_EQUAL(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_sha1_empty(void)
{
    char hex[41];
    digest_of(NULL, 0, hex);
    CU_ASSERT_STRING_EQUAL(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_sha1_896_bit(void)
{
    /* FIPS 180-2 long example, 112 bytes */
    static const char msg[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                              "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    char hex[41];
    digest_of(msg, strlen(msg), hex);
    CU_ASSERT_STRING_EQUAL(hex, "a49b2446a02c645bf419f995b67091253a04a259");
}

static void test_sha1_split_equals_whole(void)
{
    /* every split point of a 130-byte message gives the one-shot digest */
    uint8_t msg[130];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    char whole[41];
    digest_of(msg, sizeof(msg), whole);
    for (size_t cut = 0; cut <= sizeof(msg); cut++) {
        struct sha1_ctx ctx;
        uint8_t d[SHA1_DIGEST_LEN];
        char hex[41];
        sha1_init(&ctx);
        sha1_update(&ctx, msg, cut);
        sha1_update(&ctx, msg + cut, sizeof(msg) - cut);
        sha1_final(&ctx, d);
        hex_digest(d, hex);
        CU_ASSERT_STRING_EQUAL(hex, whole);
    }
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"abc", test_sha1_abc},
        {"448-bit message", test_sha1_448_bit},
        {"896-bit message", test_sha1_896_bit},
        {"one million 'a'", test_sha1_million_a},
        {"empty message", test_sha1_empty},
        {"split updates equal one-shot", test_sha1_split_equals_whole},
        {NULL, NULL},
    };
    return add_suite("sha1", tests);
}
