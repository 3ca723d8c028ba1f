/* test_cache_evict.c - cache_evict: the CPU's answer matches the kernel's
 * cpuinfo flag, and evicting lines never changes what they hold, whatever the
 * range (unaligned, partial lines, empty). The flow table's eviction of a
 * connection leaves it as it was. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "cache_evict.h"
#include "cunit_main.h"
#include "flow_table.h"

/* 1 when /proc/cpuinfo lists flag, 0 when it does not, -1 when it cannot say. */
static int cpuinfo_has(const char *flag)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return -1;
    static char line[8192];
    int has = -1;
    size_t n = strlen(flag);
    while (has < 0 && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        has = 0;
        for (const char *p = strstr(line, flag); p != NULL; p = strstr(p + 1, flag))
            if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n'))
                has = 1;
    }
    fclose(f);
    return has;
}

static void test_supported_as_cpuinfo_says(void)
{
#if defined(__x86_64__) || defined(__i386__)
    int has = cpuinfo_has("clflushopt");
    if (has >= 0)
        CU_ASSERT_EQUAL(cache_evict_supported(), has == 1);
#else
    CU_ASSERT_FALSE(cache_evict_supported());
#endif
}

static void test_contents_unchanged(void)
{
    if (!cache_evict_supported()) {
        fprintf(stderr, "\n  (the CPU has no CLFLUSHOPT: eviction is a no-op here)\n");
    }
    enum { N = 4096 };
    unsigned char *buf = aligned_alloc(64, N);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    for (size_t i = 0; i < N; i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    if (cache_evict_supported()) {
        cache_evict_whole_lines(buf, N);           /* whole lines */
        cache_evict_whole_lines(buf + 1, 200);     /* unaligned: the lines inside */
        cache_evict_whole_lines(buf + 100, 10);    /* within one line: none */
        cache_evict_whole_lines(buf + 64, 0);      /* empty */
        cache_evict_whole_lines(buf + N - 64, 64); /* the last line */
    }
    bool same = true;
    for (size_t i = 0; i < N; i++)
        same = same && buf[i] == (unsigned char)(i * 7 + 3);
    CU_ASSERT_TRUE(same);
    free(buf);
}

static void test_flow_table_evict_keeps_connection(void)
{
    static const uint8_t seed[16] = {9};
    struct flow_hasher h;
    flow_hasher_init(&h, seed);
    struct flow_table *ft = flow_table_create(&h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
    struct flow_key k;
    memset(&k, 0, sizeof(k));
    k.ip_version = 4;
    k.proto = 6;
    k.lo_addr[0] = 10;
    k.hi_addr[0] = 11;
    k.lo_port = 1234;
    k.hi_port = 80;
    struct conn *c = flow_table_insert(ft, &k, FLOW_CLASS_TCP);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(flow_table_class(c), FLOW_CLASS_TCP);
    c->last_ts = 42;
    c->dir[1].pkts = 7;
    flow_table_touch(ft, c, FLOW_CLASS_TCP_CLOSED);
    CU_ASSERT_EQUAL(flow_table_class(c), FLOW_CLASS_TCP_CLOSED);
    flow_table_evict(ft, c);
    struct conn *again = flow_table_find(ft, &k);
    CU_ASSERT_PTR_EQUAL(again, c);
    CU_ASSERT_EQUAL(again->last_ts, 42);
    CU_ASSERT_EQUAL(again->dir[1].pkts, 7);
    CU_ASSERT_EQUAL(flow_table_class(again), FLOW_CLASS_TCP_CLOSED);
    flow_table_destroy(ft);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"supported exactly when cpuinfo lists clflushopt", test_supported_as_cpuinfo_says},
        {"evicting lines leaves their contents", test_contents_unchanged},
        {"a flow table entry evicted is found and unchanged", test_flow_table_evict_keeps_connection},
        {NULL, NULL},
    };
    return add_suite("cache_evict", tests);
}
