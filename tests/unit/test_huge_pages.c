/* test_huge_pages.c - huge_pages: sizes rounded to whole huge pages, tables
 * from one huge page on aligned to it and marked for transparent huge pages
 * (the mapping's THPeligible in /proc/self/smaps, where the kernel shows it). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "cunit_main.h"
#include "huge_pages.h"

#define MIB ((size_t)1 << 20)

static void test_round(void)
{
    CU_ASSERT_EQUAL(huge_pages_round(0), 0);
    CU_ASSERT_EQUAL(huge_pages_round(1), 2 * MIB);
    CU_ASSERT_EQUAL(huge_pages_round(2 * MIB), 2 * MIB);
    CU_ASSERT_EQUAL(huge_pages_round(2 * MIB + 1), 4 * MIB);
    CU_ASSERT_EQUAL(HUGE_PAGE_SIZE, 2 * MIB);
    /* what a table of that size takes: itself below a huge page, whole pages from one on */
    CU_ASSERT_EQUAL(huge_pages_table_bytes(4096), 4096);
    CU_ASSERT_EQUAL(huge_pages_table_bytes(2 * MIB), 2 * MIB);
    CU_ASSERT_EQUAL(huge_pages_table_bytes(3 * MIB), 4 * MIB);
}

/* The THPeligible value of the mapping holding p: 0 or 1, -1 when the kernel
 * does not say (no smaps, or no such line). */
static int thp_eligible(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL)
        return -1;
    char line[512];
    bool inside = false;
    int eligible = -1;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) { /* a mapping's first line */
            inside = a >= lo && a < hi;
            continue;
        }
        int v;
        if (inside && sscanf(line, "THPeligible: %d", &v) == 1) {
            eligible = v;
            break;
        }
    }
    fclose(f);
    return eligible;
}

/* Whether the system lets a program ask for transparent huge pages. */
static bool thp_available(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f == NULL)
        return false;
    char buf[128] = "";
    bool ok = fgets(buf, sizeof(buf), f) != NULL && strstr(buf, "[never]") == NULL;
    fclose(f);
    return ok;
}

static void test_alloc_aligned_and_marked(void)
{
    unsigned char *p = huge_pages_alloc(3 * MIB);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL((uintptr_t)p % HUGE_PAGE_SIZE, 0);
    memset(p, 0xa5, 4 * MIB); /* the whole rounded size is usable */
    CU_ASSERT_EQUAL(p[4 * MIB - 1], 0xa5);
    int eligible = thp_eligible(p);
    if (thp_available() && eligible >= 0)
        CU_ASSERT_EQUAL(eligible, 1);
    free(p);
}

static void test_table_sizes(void)
{
    unsigned char *small = huge_pages_alloc_table(4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(small);
    memset(small, 1, 4096);
    free(small);
    unsigned char *big = huge_pages_alloc_table(2 * MIB);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    CU_ASSERT_EQUAL((uintptr_t)big % HUGE_PAGE_SIZE, 0);
    memset(big, 2, 2 * MIB);
    int eligible = thp_eligible(big);
    if (thp_available() && eligible >= 0)
        CU_ASSERT_EQUAL(eligible, 1);
    free(big);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"sizes round up to whole huge pages", test_round},
        {"an allocation is aligned, whole and marked", test_alloc_aligned_and_marked},
        {"tables: small ones plain, large ones on huge pages", test_table_sizes},
        {NULL, NULL},
    };
    return add_suite("huge_pages", tests);
}
