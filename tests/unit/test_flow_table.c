/* test_flow_table.c - flow table: canonical keys, growth, backward-shift
 * deletion against a reference model, LRU order per class. */
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "flow_table.h"

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* A table hashing as the analyzer's would (the fastest function here). */
static struct flow_table *table_create(void)
{
    struct flow_hasher h;
    flow_hasher_init(&h, seed);
    return flow_table_create(&h);
}

static struct ip_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct ip_addr x;
    memset(&x, 0, sizeof(x));
    x.b[0] = a, x.b[1] = b, x.b[2] = c, x.b[3] = d;
    return x;
}

static void key_for(struct flow_key *k, uint32_t i)
{
    struct ip_addr a = v4(10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i);
    struct ip_addr b = v4(192, 0, 2, 1);
    flow_key_make(k, 4, 6, &a, (uint16_t)(1024 + i % 50000), &b, 80, 0, 0, 0);
}

static void test_key_is_canonical(void)
{
    struct ip_addr a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2);
    struct flow_key k1, k2;
    bool lo1 = flow_key_make(&k1, 4, 6, &a, 5000, &b, 80, 7, 0, 0);
    bool lo2 = flow_key_make(&k2, 4, 6, &b, 80, &a, 5000, 7, 0, 0);
    CU_ASSERT_EQUAL(memcmp(&k1, &k2, sizeof(k1)), 0);
    CU_ASSERT(lo1 != lo2);
    /* same address: the port decides */
    flow_key_make(&k1, 4, 6, &a, 5000, &a, 80, 0, 0, 0);
    flow_key_make(&k2, 4, 6, &a, 80, &a, 5000, 0, 0, 0);
    CU_ASSERT_EQUAL(memcmp(&k1, &k2, sizeof(k1)), 0);
    /* a different VLAN is a different key */
    flow_key_make(&k1, 4, 6, &a, 5000, &b, 80, 7, 0, 0);
    flow_key_make(&k2, 4, 6, &a, 5000, &b, 80, 8, 0, 0);
    CU_ASSERT_NOT_EQUAL(memcmp(&k1, &k2, sizeof(k1)), 0);
}

static void test_key_bytes_whatever_the_memory(void)
{
    /* keys are hashed and compared as bytes: a key made over memory full of
     * 0xff is byte for byte the one made over zeroes (so it hashes the same),
     * its pad bytes zero */
    struct ip_addr a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2);
    struct ip_addr a6, b6;
    memset(&a6, 0x20, sizeof(a6));
    memset(&b6, 0x30, sizeof(b6));
    const struct ip_addr *as[] = { &a, &a6 }, *bs[] = { &b, &b6 };
    for (int k = 0; k < 2; k++) {
        struct flow_key dirty, clean;
        memset(&dirty, 0xff, sizeof(dirty));
        memset(&clean, 0, sizeof(clean));
        bool lo_d = flow_key_make(&dirty, k ? 6 : 4, 17, as[k], 5353, bs[k], 53, 7, 9, 0x12345);
        bool lo_c = flow_key_make(&clean, k ? 6 : 4, 17, as[k], 5353, bs[k], 53, 7, 9, 0x12345);
        CU_ASSERT_EQUAL(lo_d, lo_c);
        CU_ASSERT_EQUAL(memcmp(&dirty, &clean, sizeof(dirty)), 0);
        CU_ASSERT_EQUAL(dirty.pad[0], 0);
        CU_ASSERT_EQUAL(dirty.pad[1], 0);
        CU_ASSERT_EQUAL(memcmp(dirty.lo_addr, as[k]->b, 16), 0);
        CU_ASSERT_EQUAL(memcmp(dirty.hi_addr, bs[k]->b, 16), 0);
        CU_ASSERT_EQUAL(dirty.lo_port, 5353);
        CU_ASSERT_EQUAL(dirty.hi_port, 53);
        CU_ASSERT_EQUAL(dirty.vlan, 7);
        CU_ASSERT_EQUAL(dirty.vlan_inner, 9);
        CU_ASSERT_EQUAL(dirty.ctx, 0x12345);
        CU_ASSERT_EQUAL(dirty.proto, 17);
        CU_ASSERT_EQUAL(dirty.ip_version, k ? 6 : 4);
        CU_ASSERT(lo_d);
    }
}

static void count_cb(void *user, struct conn *c)
{
    (void)c;
    (*(size_t *)user)++;
}

static void sum_ids_cb(void *user, struct conn *c)
{
    *(uint64_t *)user += c->id;
}

static void test_insert_find_many(void)
{
    struct flow_table *ft = table_create();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
    enum { N = 20000 };
    for (uint32_t i = 0; i < N; i++) {
        struct flow_key k;
        key_for(&k, i);
        CU_ASSERT_PTR_NULL(flow_table_find(ft, &k));
        struct conn *c = flow_table_insert(ft, &k, FLOW_CLASS_TCP);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        c->id = i;
    }
    CU_ASSERT_EQUAL(flow_table_count(ft), N);
    for (uint32_t i = 0; i < N; i++) {
        struct flow_key k;
        key_for(&k, i);
        struct conn *c = flow_table_find(ft, &k);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_EQUAL(c->id, i);
        CU_ASSERT_EQUAL(memcmp(flow_table_key(c), &k, sizeof(k)), 0);
    }
    /* every entry of every chunk once: ids 0..N-1 sum to N(N-1)/2 */
    uint64_t sum = 0;
    size_t n = 0;
    flow_table_foreach(ft, sum_ids_cb, &sum);
    flow_table_foreach(ft, count_cb, &n);
    CU_ASSERT_EQUAL(n, N);
    CU_ASSERT_EQUAL(sum, (uint64_t)N * (N - 1) / 2);
    flow_table_destroy(ft);
}

/* random inserts and removals checked against a presence array */
static void test_random_ops_against_model(void)
{
    struct flow_table *ft = table_create();
    enum { N = 3000 };
    static bool present[N];
    memset(present, 0, sizeof(present));
    uint32_t rng = 12345;
    for (int step = 0; step < 60000; step++) {
        rng = rng * 1103515245u + 12345u;
        uint32_t i = (rng >> 8) % N;
        struct flow_key k;
        key_for(&k, i);
        struct conn *c = flow_table_find(ft, &k);
        CU_ASSERT_EQUAL(c != NULL, present[i]);
        if (c == NULL) {
            c = flow_table_insert(ft, &k, FLOW_CLASS_UDP);
            CU_ASSERT_PTR_NOT_NULL_FATAL(c);
            c->id = i;
            present[i] = true;
        } else {
            CU_ASSERT_EQUAL(c->id, i);
            flow_table_remove(ft, c);
            present[i] = false;
        }
    }
    size_t n = 0;
    for (int i = 0; i < N; i++) {
        struct flow_key k;
        key_for(&k, (uint32_t)i);
        CU_ASSERT_EQUAL(flow_table_find(ft, &k) != NULL, present[i]);
        n += present[i];
    }
    CU_ASSERT_EQUAL(flow_table_count(ft), n);
    flow_table_destroy(ft);
}

static void test_lru_order_per_class(void)
{
    struct flow_table *ft = table_create();
    struct conn *c[4];
    for (uint32_t i = 0; i < 4; i++) {
        struct flow_key k;
        key_for(&k, i);
        c[i] = flow_table_insert(ft, &k, i < 3 ? FLOW_CLASS_TCP : FLOW_CLASS_UDP);
    }
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP), c[0]);
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_UDP), c[3]);
    CU_ASSERT_PTR_NULL(flow_table_oldest(ft, FLOW_CLASS_OTHER));
    /* true: the oldest of a class changed, or the touched one is its class's oldest */
    CU_ASSERT_TRUE(flow_table_touch(ft, c[0], FLOW_CLASS_TCP)); /* c[1] became the oldest */
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP), c[1]);
    CU_ASSERT_FALSE(flow_table_touch(ft, c[2], FLOW_CLASS_TCP)); /* from the middle */
    CU_ASSERT_FALSE(flow_table_touch(ft, c[2], FLOW_CLASS_TCP)); /* already the newest */
    CU_ASSERT_TRUE(flow_table_touch(ft, c[3], FLOW_CLASS_UDP));  /* alone: the oldest */
    /* moving to another class takes it off the first list */
    CU_ASSERT_TRUE(flow_table_touch(ft, c[1], FLOW_CLASS_TCP_CLOSED));
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP), c[0]);
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP_CLOSED), c[1]);
    CU_ASSERT_TRUE(flow_table_touch(ft, c[0], FLOW_CLASS_TCP)); /* c[2] became the oldest */
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP), c[2]);
    /* alone in TCP_CLOSED, to the end of TCP's list: no class has a new oldest */
    CU_ASSERT_FALSE(flow_table_touch(ft, c[1], FLOW_CLASS_TCP));
    CU_ASSERT_PTR_NULL(flow_table_oldest(ft, FLOW_CLASS_TCP_CLOSED));
    CU_ASSERT_FALSE(flow_table_touch(ft, c[0], FLOW_CLASS_TCP)); /* from the middle again */
    /* order now c[2], c[1], c[0] */
    CU_ASSERT_TRUE(flow_table_touch(ft, c[2], FLOW_CLASS_TCP));
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP), c[1]);
    CU_ASSERT_TRUE(flow_table_touch(ft, c[1], FLOW_CLASS_TCP_CLOSED));
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP), c[0]);
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP_CLOSED), c[1]);
    /* the newest of TCP into an empty class: the oldest there */
    CU_ASSERT_TRUE(flow_table_touch(ft, c[2], FLOW_CLASS_OTHER));
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_OTHER), c[2]);
    flow_table_remove(ft, c[2]);
    CU_ASSERT_PTR_EQUAL(flow_table_oldest(ft, FLOW_CLASS_TCP), c[0]);
    flow_table_remove(ft, c[0]);
    CU_ASSERT_PTR_NULL(flow_table_oldest(ft, FLOW_CLASS_TCP));
    CU_ASSERT_EQUAL(flow_table_count(ft), 2);
    flow_table_destroy(ft);
}

static void test_foreach_and_reuse_of_slots(void)
{
    struct flow_table *ft = table_create();
    struct conn *first = NULL;
    for (uint32_t i = 0; i < 100; i++) {
        struct flow_key k;
        key_for(&k, i);
        struct conn *c = flow_table_insert(ft, &k, FLOW_CLASS_OTHER);
        if (i == 0)
            first = c;
    }
    size_t mem = flow_table_memory(ft);
    flow_table_remove(ft, first);
    struct flow_key k;
    key_for(&k, 1000);
    struct conn *again = flow_table_insert(ft, &k, FLOW_CLASS_OTHER);
    CU_ASSERT_PTR_EQUAL(again, first); /* the freed entry is recycled */
    CU_ASSERT_EQUAL(flow_table_memory(ft), mem);
    size_t n = 0;
    flow_table_foreach(ft, count_cb, &n);
    CU_ASSERT_EQUAL(n, 100);
    flow_table_destroy(ft);
    flow_table_destroy(NULL);
}

/* A table hashing with hasher that holds keys 0..n-1 in class TCP, each
 * connection's id and last_ts its key's number. */
static struct flow_table *table_of(const struct flow_hasher *hasher, uint32_t n)
{
    struct flow_table *ft = flow_table_create(hasher);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
    for (uint32_t i = 0; i < n; i++) {
        struct flow_key k;
        key_for(&k, i);
        struct conn *c = flow_table_insert(ft, &k, FLOW_CLASS_TCP);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        c->id = i;
        c->last_ts = i;
    }
    return ft;
}

/* The look-ahead's hints: the entry index a key's hash leads to (nearly
 * always found), fetching its links and the next in its expiry list; a hash
 * that leads nowhere gives 0. */
static void test_prefetch_hints(void)
{
    struct flow_hasher hasher;
    flow_hasher_init(&hasher, seed);
    enum { N = 5000 }; /* more than one chunk of entries */
    struct flow_table *ft = table_of(&hasher, N);
    uint32_t found = 0;
    for (uint32_t i = 0; i < N; i++) {
        struct flow_key k;
        key_for(&k, i);
        uint64_t h = flow_key_hash(&k, &hasher);
        flow_table_prefetch_bucket(ft, h);
        uint32_t idx = flow_table_prefetch_entry(ft, h);
        /* the part of an entry (a data segment's) or all of it: the same entry */
        CU_ASSERT_EQUAL(flow_table_prefetch_entry_part(ft, h, 64), idx);
        CU_ASSERT_EQUAL(flow_table_prefetch_entry_part(ft, h, SIZE_MAX / 2), idx);
        /* the rest of it, from anywhere (past the end: nothing) */
        flow_table_prefetch_entry_from(ft, idx, 0);
        flow_table_prefetch_entry_from(ft, idx, 300);
        flow_table_prefetch_entry_from(ft, idx, SIZE_MAX / 2);
        flow_table_prefetch_links(ft, idx);
        if (idx == 0)
            continue; /* a hint: the walk gives up after a few buckets */
        found++;
        const struct conn *c = flow_table_find(ft, &k);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        flow_table_prefetch_next(ft, c); /* the newest has none */
        CU_ASSERT_EQUAL(c->last_ts, i);
    }
    CU_ASSERT(found > N * 9 / 10);
    struct flow_key absent;
    key_for(&absent, N + 7);
    CU_ASSERT_EQUAL(flow_table_prefetch_entry(ft, flow_key_hash(&absent, &hasher)), 0);
    flow_table_prefetch_links(ft, 0); /* nothing */
    flow_table_destroy(ft);
}

/* flow_table_find_at: the look-ahead's entry index answers when that entry
 * holds the key; a freed, reused, foreign or absent index falls back to the
 * probe, never to a wrong connection. */
static void test_find_at_candidate(void)
{
    struct flow_hasher hasher;
    flow_hasher_init(&hasher, seed);
    enum { N = 5000 }; /* more than one chunk of entries */
    struct flow_table *ft = table_of(&hasher, N);
    struct flow_key k0, k1, kn;
    key_for(&k0, 0);
    key_for(&k1, 1);
    key_for(&kn, N);
    uint64_t h0 = flow_key_hash(&k0, &hasher), h1 = flow_key_hash(&k1, &hasher);
    uint64_t hn = flow_key_hash(&kn, &hasher);
    for (uint32_t i = 0; i < N; i++) {
        struct flow_key k;
        key_for(&k, i);
        uint64_t h = flow_key_hash(&k, &hasher);
        struct conn *c = flow_table_find_at(ft, &k, h, flow_table_prefetch_entry(ft, h));
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_EQUAL(c->id, i);
        CU_ASSERT_PTR_EQUAL(flow_table_find_at(ft, &k, h, 0), c);
    }
    uint32_t idx0 = flow_table_prefetch_entry(ft, h0), idx1 = flow_table_prefetch_entry(ft, h1);
    CU_ASSERT_FATAL(idx0 != 0 && idx1 != 0 && idx0 != idx1);
    /* another key's entry: the probe finds the right one */
    CU_ASSERT_EQUAL(flow_table_find_at(ft, &k0, h0, idx1)->id, 0);
    /* freed: its entry still holds key 0, but is not in use */
    flow_table_remove(ft, flow_table_find(ft, &k0));
    CU_ASSERT_PTR_NULL(flow_table_find_at(ft, &k0, h0, idx0));
    /* reused by another key (the freed entry is the next one given out) */
    struct conn *cn = flow_table_insert(ft, &kn, FLOW_CLASS_TCP);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cn);
    cn->id = N;
    CU_ASSERT_EQUAL(flow_table_prefetch_entry(ft, hn), idx0);
    CU_ASSERT_PTR_NULL(flow_table_find_at(ft, &k0, h0, idx0));
    CU_ASSERT_PTR_EQUAL(flow_table_find_at(ft, &kn, hn, idx0), cn);
    flow_table_destroy(ft);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"key is canonical for both directions", test_key_is_canonical},
        {"key bytes whatever the memory held", test_key_bytes_whatever_the_memory},
        {"insert and find 20000 flows across growth", test_insert_find_many},
        {"random inserts/removals match a model", test_random_ops_against_model},
        {"LRU order per class", test_lru_order_per_class},
        {"foreach and slot reuse", test_foreach_and_reuse_of_slots},
        {"look-ahead hints: entry index, links, next oldest", test_prefetch_hints},
        {"find_at: the hinted entry, or the probe", test_find_at_candidate},
        {NULL, NULL},
    };
    return add_suite("flow_table", tests);
}
