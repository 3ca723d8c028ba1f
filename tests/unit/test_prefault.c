/* test_prefault.c - prefault: requests are posted only while served, a full
 * ring drops them, serving populates the pages (mincore shows them resident)
 * without changing their contents, and a range no longer mapped is counted
 * as failed, not fatal. The tables post their spare chunks. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "closed_tuples.h"
#include "cunit_main.h"
#include "flow_table.h"
#include "huge_pages.h"
#include "prefault.h"

#define LEN ((size_t)1 << 20) /* 256 pages of 4 KiB */

/* Pages of [p, p + len) resident in memory (mincore), -1 on error. */
static long resident_pages(void *p, size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t n = (len + (size_t)page - 1) / (size_t)page;
    unsigned char *v = malloc(n);
    if (v == NULL || mincore(p, len, v) != 0) {
        free(v);
        return -1;
    }
    long r = 0;
    for (size_t i = 0; i < n; i++)
        r += v[i] & 1;
    free(v);
    return r;
}

/* A fresh anonymous mapping: no page resident until written. */
static unsigned char *fresh(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CU_ASSERT_FATAL(p != MAP_FAILED);
    (void)madvise(p, len, MADV_NOHUGEPAGE); /* page by page, as mincore counts them */
    return p;
}

static void test_not_served_posts_nothing(void)
{
    struct prefault pf;
    prefault_init(&pf);
    unsigned char *p = fresh(LEN);
    prefault_post(&pf, p, LEN);
    CU_ASSERT_EQUAL(pf.posted, 0);
    CU_ASSERT_EQUAL(prefault_serve(&pf), 0);
    CU_ASSERT_EQUAL(resident_pages(p, LEN), 0);
    munmap(p, LEN);
}

static void test_serve_populates_and_keeps_contents(void)
{
    if (!prefault_supported()) {
        fprintf(stderr, "\n  (skipped: the kernel has no MADV_POPULATE_WRITE)\n");
        return;
    }
    struct prefault pf;
    prefault_init(&pf);
    pf.served = true;
    unsigned char *p = fresh(LEN);
    CU_ASSERT_EQUAL(resident_pages(p, LEN), 0);
    memset(p, 0xa5, LEN / 4); /* a quarter written before: it stays as it is */
    /* not page-aligned: the whole range still gets in */
    prefault_post(&pf, p + 100, LEN - 100);
    CU_ASSERT_EQUAL(pf.posted, 1);
    CU_ASSERT_EQUAL(prefault_serve(&pf), 1);
    CU_ASSERT_EQUAL(pf.done, 1);
    CU_ASSERT_EQUAL(pf.failed, 0);
    CU_ASSERT_EQUAL(resident_pages(p, LEN), (long)(LEN / (size_t)sysconf(_SC_PAGESIZE)));
    bool kept = true;
    for (size_t i = 0; i < LEN; i++)
        kept = kept && p[i] == (i < LEN / 4 ? 0xa5 : 0);
    CU_ASSERT_TRUE(kept);
    CU_ASSERT_EQUAL(prefault_serve(&pf), 0); /* nothing left */
    munmap(p, LEN);
}

static void test_full_ring_drops(void)
{
    struct prefault pf;
    prefault_init(&pf);
    pf.served = true;
    static char area[PREFAULT_SLOTS + 1][64];
    for (unsigned i = 0; i <= PREFAULT_SLOTS; i++)
        prefault_post(&pf, area[i], sizeof(area[i]));
    CU_ASSERT_EQUAL(pf.posted, PREFAULT_SLOTS);
    CU_ASSERT_EQUAL(prefault_serve(&pf), PREFAULT_SLOTS);
    prefault_post(&pf, area[0], sizeof(area[0])); /* room again */
    CU_ASSERT_EQUAL(pf.posted, PREFAULT_SLOTS + 1);
    CU_ASSERT_EQUAL(prefault_serve(&pf), 1);
    prefault_post(&pf, NULL, 64); /* nothing to do */
    prefault_post(&pf, area[0], 0);
    CU_ASSERT_EQUAL(pf.posted, PREFAULT_SLOTS + 1);
}

static void test_unmapped_range_fails_quietly(void)
{
    struct prefault pf;
    prefault_init(&pf);
    pf.served = true;
    unsigned char *p = fresh(LEN);
    munmap(p, LEN); /* freed before it was served */
    prefault_post(&pf, p, LEN);
    CU_ASSERT_EQUAL(prefault_serve(&pf), 1);
    CU_ASSERT_EQUAL(pf.done, 0);
    CU_ASSERT_EQUAL(pf.failed, 1);
}

static void key_for(struct flow_key *k, uint32_t i)
{
    memset(k, 0, sizeof(*k));
    k->ip_version = 4;
    k->proto = 6;
    memcpy(k->lo_addr, &i, sizeof(i));
    k->hi_addr[0] = 10;
    k->lo_port = 1000;
    k->hi_port = 80;
}

/* The flow table allocates the chunk after the one it starts and posts it;
 * its memory counts it. The closed 5-tuples' queue does the same. */
static void test_tables_post_spares(void)
{
    static const uint8_t seed[16] = {7};
    struct flow_hasher h;
    flow_hasher_init(&h, seed);
    struct prefault pf;
    prefault_init(&pf);
    pf.served = true;
    struct flow_table *ft = flow_table_create(&h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
    flow_table_set_prefault(ft, &pf);
    struct flow_key k;
    key_for(&k, 1);
    CU_ASSERT_PTR_NOT_NULL(flow_table_insert(ft, &k, FLOW_CLASS_TCP));
    CU_ASSERT_EQUAL(pf.posted, 1); /* the first chunk came with a spare */
    size_t with_spare = flow_table_memory(ft);
    /* past the first chunk (3,276 entries; fewer in sanitizer builds, which
     * store whole records) */
    for (uint32_t i = 2; i < 5000; i++) {
        key_for(&k, i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(flow_table_insert(ft, &k, FLOW_CLASS_TCP));
    }
    /* each next chunk was the spare, and came with a new spare */
    CU_ASSERT(pf.posted >= 2);
    CU_ASSERT(flow_table_memory(ft) >= with_spare + (pf.posted - 1) * HUGE_PAGE_SIZE);
    CU_ASSERT_EQUAL(prefault_serve(&pf), pf.posted);
    flow_table_destroy(ft); /* frees the spare (the leak checker would say) */

    struct closed_tuples *ct = closed_tuples_create(&h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    closed_tuples_set_prefault(ct, &pf);
    struct closed_tuple t;
    memset(&t, 0, sizeof(t));
    t.incarnation = 1;
    key_for(&k, 1);
    uint64_t before = pf.posted;
    CU_ASSERT_EQUAL(closed_tuples_add(ct, &k, &t), 0);
    CU_ASSERT_EQUAL(pf.posted, before + 1);
    /* past two chunks (16,384 entries each), the first left by the head: each
     * chunk the tail enters is the spare, and comes with a new one */
    for (uint32_t i = 2; i <= 40000; i++) {
        key_for(&k, i);
        t.last_ts = i;
        CU_ASSERT_EQUAL_FATAL(closed_tuples_add(ct, &k, &t), 0);
        closed_tuples_expire(ct, i, 20000, 0); /* keep 20,000 */
    }
    CU_ASSERT(closed_tuples_count(ct) <= 20001);
    CU_ASSERT_EQUAL(pf.posted, before + 3);
    CU_ASSERT_EQUAL(prefault_serve(&pf), 3);
    closed_tuples_destroy(ct);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"not served: nothing posted", test_not_served_posts_nothing},
        {"serving populates the pages, contents unchanged", test_serve_populates_and_keeps_contents},
        {"a full ring drops requests", test_full_ring_drops},
        {"a range unmapped since fails quietly", test_unmapped_range_fails_quietly},
        {"the flow table and the closed 5-tuples post their spare chunks", test_tables_post_spares},
        {NULL, NULL},
    };
    return add_suite("prefault", tests);
}
