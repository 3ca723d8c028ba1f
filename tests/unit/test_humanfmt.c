/* test_humanfmt.c - human-readable sizes and counts. */
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "humanfmt.h"

#define KI 1024ull
#define MI (KI * KI)
#define GI (MI * KI)

static void check_bytes(uint64_t n, const char *expect)
{
    char buf[HUMANFMT_SIZE];
    humanfmt_bytes(n, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, expect);
    if (strcmp(buf, expect) != 0)
        fprintf(stderr, "bytes %llu: got \"%s\", want \"%s\"\n", (unsigned long long)n, buf,
                expect);
}

static void check_count(uint64_t n, const char *expect)
{
    char buf[HUMANFMT_SIZE];
    humanfmt_count(n, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, expect);
    if (strcmp(buf, expect) != 0)
        fprintf(stderr, "count %llu: got \"%s\", want \"%s\"\n", (unsigned long long)n, buf,
                expect);
}

static void test_bytes(void)
{
    check_bytes(0, "0 B");
    check_bytes(512, "512 B");
    check_bytes(1023, "1023 B");
    check_bytes(1024, "1.0 KiB");
    check_bytes(1536, "1.5 KiB");
    check_bytes(12 * MI, "12 MiB");
    check_bytes(3 * GI + GI / 5, "3.2 GiB"); /* 3.2 GiB exactly */
    check_bytes(3 * GI + 2 * GI / 10 + GI / 100, "3.2 GiB"); /* 3.21 */
    check_bytes(10239, "10 KiB");              /* 9.999 KiB rounds to 10 */
    check_bytes(10188, "9.9 KiB");             /* 9.949 KiB */
    check_bytes(1023 * KI, "1023 KiB");
    check_bytes(1023 * KI + 511, "1023 KiB"); /* 1023.499 */
    check_bytes(1023 * KI + 512, "1.0 MiB");  /* 1023.5 rounds to 1024: next unit */
    check_bytes(MI - 1, "1.0 MiB");
    check_bytes(5 * 1024 * GI, "5.0 TiB");
    check_bytes(UINT64_MAX, "16 EiB");
}

static void test_counts(void)
{
    check_count(0, "0");
    check_count(999, "999");
    check_count(1000, "1.0k");
    check_count(1234, "1.2k");
    check_count(1250, "1.3k"); /* half up */
    check_count(3400000, "3.4M");
    check_count(9949, "9.9k");
    check_count(9950, "10k");
    check_count(12345, "12k");
    check_count(999499, "999k");
    check_count(999500, "1.0M");
    check_count(2500000000ull, "2.5G");
    check_count(UINT64_MAX, "18E");
}

static void test_small_buffers(void)
{
    char buf[4];
    memset(buf, 'x', sizeof(buf));
    humanfmt_bytes(1536, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1.5"); /* truncated, NUL-terminated */
    humanfmt_count(1234, buf, 0);        /* nothing written */
    CU_ASSERT_STRING_EQUAL(buf, "1.5");
    humanfmt_count(1234, buf, 1);
    CU_ASSERT_STRING_EQUAL(buf, "");
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"bytes, IEC units", test_bytes},
        {"counts, SI suffixes", test_counts},
        {"small buffers", test_small_buffers},
        {NULL, NULL},
    };
    return add_suite("humanfmt", tests);
}
