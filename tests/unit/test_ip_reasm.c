/* test_ip_reasm.c - unit tests for dissectors/ip_reasm.c: ordering, overlaps,
 * duplicates, limits, timeout, memory cap, snaplen-cut fragments, stress. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "ip_reasm.h"

#define SEC_NS 1000000000ull
#define T0_NS  (1700000000ull * SEC_NS)

/* A fragment's packet record, as the IPv4/IPv6 dissectors would fill it. */
static struct packet mk(uint8_t ver, uint32_t id, uint32_t off, bool mf, uint64_t ts_ns)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.ts_ns = ts_ns;
    p.ip_version = ver;
    p.proto = IPPROTO_NUM_UDP;
    p.is_fragment = true;
    p.frag_id = id;
    p.frag_offset_bytes = (uint16_t)off;
    p.more_frags = mf;
    if (ver == 4) {
        static const uint8_t s4[4] = { 192, 0, 2, 1 }, d4[4] = { 198, 51, 100, 7 };
        memcpy(p.src.b, s4, 4);
        memcpy(p.dst.b, d4, 4);
    } else {
        /* 2001:db8::1 -> 2001:db8::2 */
        p.src.b[0] = 0x20, p.src.b[1] = 0x01, p.src.b[2] = 0x0d, p.src.b[3] = 0xb8;
        p.dst = p.src;
        p.src.b[15] = 1;
        p.dst.b[15] = 2;
    }
    return p;
}

struct result {
    int rc;
    struct view out;
    uint32_t total;
};

/* Offers data[off, off+len) of a datagram, of which only cap bytes were captured. */
static struct result feed_pkt(struct ip_reasm *r, struct packet *p, const uint8_t *data,
                              uint32_t len, uint32_t cap)
{
    struct result res = { 0, { NULL, 0 }, 0 };
    struct view frag = { data + p->frag_offset_bytes, cap };
    res.rc = ip_reasm_add(r, p, frag, len, &res.out, &res.total);
    return res;
}

/* Offers a fully captured fragment; returns the result, *anoms gets its anomalies. */
static struct result feed(struct ip_reasm *r, uint8_t ver, uint32_t id, const uint8_t *data,
                          uint32_t off, uint32_t len, bool mf, uint64_t ts_ns, uint64_t *anoms)
{
    struct packet p = mk(ver, id, off, mf, ts_ns);
    struct result res = feed_pkt(r, &p, data, len, len);
    if (anoms != NULL)
        *anoms = p.anomalies;
    return res;
}

static void fill(uint8_t *buf, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 7u + seed * 13u + i / 251u);
}

/* Deterministic generator for shuffles (state passed in, no globals). */
static uint32_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

static void shuffle(uint32_t *v, size_t n, uint64_t seed)
{
    uint64_t st = seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = lcg(&st) % i;
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static bool out_equals(const struct result *res, const uint8_t *want, size_t len)
{
    return res->out.len == len && (len == 0 || memcmp(res->out.p, want, len) == 0);
}

/* ---- ordering: a maximum-size datagram in 45 fragments (44 x 1480 + 415) ---- */

#define BIG_LEN   65535u
#define BIG_FRAG  1480u
#define BIG_COUNT 45u

/* Feeds the fragments of a BIG_LEN datagram in the given order; checks that only
 * the last call completes it and that the output is exact. */
static void run_big(const uint32_t *order)
{
    uint8_t *data = malloc(BIG_LEN);
    CU_ASSERT_FATAL(data != NULL);
    fill(data, BIG_LEN, 3);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    int completions = 0;
    for (uint32_t k = 0; k < BIG_COUNT; k++) {
        uint32_t i = order[k];
        uint32_t off = i * BIG_FRAG;
        uint32_t len = i + 1 == BIG_COUNT ? BIG_LEN - off : BIG_FRAG;
        uint64_t anoms = 0;
        struct result res = feed(r, 4, 0x1234, data, off, len, i + 1 < BIG_COUNT,
                                 T0_NS + k * 1000u, &anoms);
        CU_ASSERT_EQUAL(anoms, 0);
        if (res.rc == 1) {
            completions++;
            CU_ASSERT_EQUAL(k, BIG_COUNT - 1);
            CU_ASSERT_EQUAL(res.total, BIG_LEN);
            CU_ASSERT(out_equals(&res, data, BIG_LEN));
        } else {
            CU_ASSERT_EQUAL(res.rc, 0);
        }
    }
    CU_ASSERT_EQUAL(completions, 1);
    const struct ip_reasm_stats *st = ip_reasm_stats(r);
    CU_ASSERT_EQUAL(st->fragments, BIG_COUNT);
    CU_ASSERT_EQUAL(st->reassembled, 1);
    CU_ASSERT_EQUAL(st->overlaps, 0);
    CU_ASSERT_EQUAL(st->bytes_in_use, 0);
    CU_ASSERT(st->peak_bytes >= BIG_LEN);
    ip_reasm_destroy(r);
    free(data);
}

static void test_in_order(void)
{
    uint32_t order[BIG_COUNT];
    for (uint32_t i = 0; i < BIG_COUNT; i++)
        order[i] = i;
    run_big(order);
}

static void test_reverse_order(void)
{
    uint32_t order[BIG_COUNT];
    for (uint32_t i = 0; i < BIG_COUNT; i++)
        order[i] = BIG_COUNT - 1 - i;
    run_big(order); /* the first fragment arrives last */
}

static void test_shuffled_order(void)
{
    uint32_t order[BIG_COUNT];
    for (uint64_t seed = 1; seed <= 5; seed++) {
        for (uint32_t i = 0; i < BIG_COUNT; i++)
            order[i] = i;
        shuffle(order, BIG_COUNT, seed);
        run_big(order);
    }
}

static void test_tiny_fragments(void)
{
    /* 100 fragments of 8 bytes, shuffled */
    uint8_t data[800];
    fill(data, sizeof(data), 9);
    uint32_t order[100];
    for (uint32_t i = 0; i < 100; i++)
        order[i] = i;
    shuffle(order, 100, 42);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    struct result res = { 0, { NULL, 0 }, 0 };
    for (uint32_t k = 0; k < 100; k++) {
        res = feed(r, 6, 77, data, order[k] * 8, 8, order[k] != 99, T0_NS, NULL);
        CU_ASSERT_EQUAL(res.rc, k == 99 ? 1 : 0);
    }
    CU_ASSERT_EQUAL(res.total, sizeof(data));
    CU_ASSERT(out_equals(&res, data, sizeof(data)));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    ip_reasm_destroy(r);
}

/* ---- overlaps and duplicates ---- */

static void test_overlap_v4_first_wins(void)
{
    uint8_t a[32], b[32], c[32];
    memset(a, 'A', sizeof(a));
    memset(b, 'B', sizeof(b));
    memset(c, 'C', sizeof(c));
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    CU_ASSERT_EQUAL(feed(r, 4, 1, a, 0, 16, true, T0_NS, &an).rc, 0);
    CU_ASSERT_EQUAL(an, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 1, b, 8, 16, true, T0_NS, &an).rc, 0); /* [8,24) over [0,16) */
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_OVERLAP));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 1);
    struct result res = feed(r, 4, 1, c, 24, 8, false, T0_NS, &an);
    CU_ASSERT_EQUAL(an, 0);
    CU_ASSERT_EQUAL_FATAL(res.rc, 1);
    CU_ASSERT_EQUAL(res.total, 32);
    static const char want[] = "AAAAAAAAAAAAAAAABBBBBBBBCCCCCCCC";
    CU_ASSERT(out_equals(&res, (const uint8_t *)want, 32));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 1);
    ip_reasm_destroy(r);
}

static void test_overlap_v4_fills_gaps(void)
{
    /* [8,16) and the last [24,32) first, then [0,32) covering both: only the
     * two holes take the new bytes */
    uint8_t x[32], y[32];
    memset(x, 'x', sizeof(x));
    memset(y, 'y', sizeof(y));
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(feed(r, 4, 2, x, 8, 8, true, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 2, x, 24, 8, false, T0_NS, NULL).rc, 0);
    uint64_t an = 0;
    struct result res = feed(r, 4, 2, y, 0, 32, true, T0_NS, &an);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_OVERLAP));
    CU_ASSERT_EQUAL_FATAL(res.rc, 1);
    static const char want[] = "yyyyyyyyxxxxxxxxyyyyyyyyxxxxxxxx";
    CU_ASSERT(out_equals(&res, (const uint8_t *)want, 32));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 1);
    ip_reasm_destroy(r);
}

static void test_same_range_other_bytes_is_overlap(void)
{
    uint8_t a[16], b[16], c[24];
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    memset(c, 'c', sizeof(c));
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    feed(r, 4, 3, a, 0, 16, true, T0_NS, NULL);
    feed(r, 4, 3, b, 0, 16, true, T0_NS, &an);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_OVERLAP));
    struct result res = feed(r, 4, 3, c, 16, 8, false, T0_NS, NULL);
    CU_ASSERT_EQUAL_FATAL(res.rc, 1);
    CU_ASSERT(out_equals(&res, (const uint8_t *)"aaaaaaaaaaaaaaaacccccccc", 24));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 1);
    ip_reasm_destroy(r);
}

static void test_overlap_v6_drops_datagram(void)
{
    uint8_t data[32];
    fill(data, sizeof(data), 5);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    CU_ASSERT_EQUAL(feed(r, 6, 9, data, 0, 16, true, T0_NS, NULL).rc, 0);
    CU_ASSERT(ip_reasm_stats(r)->bytes_in_use > 0);
    CU_ASSERT_EQUAL(feed(r, 6, 9, data, 8, 16, true, T0_NS, &an).rc, 0);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_OVERLAP));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0); /* RFC 5722: all of it gone */
    /* the rest of the train cannot complete the dropped datagram */
    CU_ASSERT_EQUAL(feed(r, 6, 9, data, 16, 16, false, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->reassembled, 0);
    ip_reasm_destroy(r);
}

static void run_duplicate(uint8_t ver)
{
    uint8_t data[40];
    fill(data, sizeof(data), 11);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 1;
    CU_ASSERT_EQUAL(feed(r, ver, 5, data, 0, 24, true, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, ver, 5, data, 0, 24, true, T0_NS + 5, &an).rc, 0);
    CU_ASSERT_EQUAL(an, 0);
    CU_ASSERT_EQUAL(feed(r, ver, 5, data, 24, 16, false, T0_NS + 6, NULL).rc, 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 0);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->reassembled, 1);
    /* a duplicate of the last fragment after completion starts nothing complete */
    CU_ASSERT_EQUAL(feed(r, ver, 5, data, 24, 16, false, T0_NS + 7, &an).rc, 0);
    CU_ASSERT_EQUAL(an, 0);
    ip_reasm_destroy(r);
}

static void test_duplicate_v4(void)
{
    run_duplicate(4);
}

static void test_duplicate_v6(void)
{
    run_duplicate(6); /* exact duplicates are not RFC 5722 overlaps */
}

/* ---- limits ---- */

static void test_too_large(void)
{
    uint8_t *data = calloc(1, 65536 + 16);
    CU_ASSERT_FATAL(data != NULL);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    /* 65528 + 16 > 65535 (ping of death) */
    CU_ASSERT_EQUAL(feed(r, 4, 7, data, 65528, 16, false, T0_NS, &an).rc, 0);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_TOO_LARGE));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->too_large, 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    /* a pending datagram is dropped by its oversize fragment */
    CU_ASSERT_EQUAL(feed(r, 6, 7, data, 0, 1480, true, T0_NS, NULL).rc, 0);
    CU_ASSERT(ip_reasm_stats(r)->bytes_in_use > 0);
    CU_ASSERT_EQUAL(feed(r, 6, 7, data, 65000, 536, true, T0_NS, &an).rc, 0);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_TOO_LARGE));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->too_large, 2);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    /* exactly 65535 is fine */
    CU_ASSERT_EQUAL(feed(r, 4, 8, data, 65000, 535, false, T0_NS, &an).rc, 0);
    CU_ASSERT_EQUAL(an, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 8, data, 0, 65000, true, T0_NS, &an).rc, 1);
    ip_reasm_destroy(r);
    free(data);
}

static void test_past_fixed_end(void)
{
    uint8_t data[64];
    fill(data, sizeof(data), 1);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    /* the last fragment fixes 24 bytes; a fragment at [24,32) contradicts it */
    feed(r, 4, 1, data, 16, 8, false, T0_NS, NULL);
    CU_ASSERT_EQUAL(feed(r, 4, 1, data, 24, 8, true, T0_NS, &an).rc, 0);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_TOO_LARGE));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    /* a last fragment ending before data already received */
    feed(r, 4, 2, data, 16, 16, true, T0_NS, NULL);
    CU_ASSERT_EQUAL(feed(r, 4, 2, data, 8, 8, false, T0_NS, &an).rc, 0);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_TOO_LARGE));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->too_large, 2);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    ip_reasm_destroy(r);
}

static void test_timeout(void)
{
    uint8_t data[32];
    fill(data, sizeof(data), 2);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, 30 * SEC_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    CU_ASSERT_EQUAL(feed(r, 4, 1, data, 0, 16, true, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 1, data, 16, 16, false, T0_NS + 31 * SEC_NS, &an).rc, 0);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_TIMEOUT));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->timeouts, 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->reassembled, 0);
    /* the late fragment started a new datagram, which expires in turn */
    CU_ASSERT(ip_reasm_stats(r)->bytes_in_use > 0);
    CU_ASSERT_EQUAL(ip_reasm_expire(r, T0_NS + 61 * SEC_NS), 0);
    CU_ASSERT_EQUAL(ip_reasm_expire(r, T0_NS + 62 * SEC_NS), 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->timeouts, 2);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    /* exactly at the timeout is still in time */
    feed(r, 4, 2, data, 0, 16, true, T0_NS, NULL);
    CU_ASSERT_EQUAL(feed(r, 4, 2, data, 16, 16, false, T0_NS + 30 * SEC_NS, &an).rc, 1);
    CU_ASSERT_EQUAL(an, 0);
    ip_reasm_destroy(r);
}

static void test_timeout_unrelated_packet(void)
{
    /* a later packet of another datagram expires the stale one without
     * flagging itself */
    uint8_t data[32];
    fill(data, sizeof(data), 2);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, 30 * SEC_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 1;
    feed(r, 4, 1, data, 0, 16, true, T0_NS, NULL);
    feed(r, 4, 2, data, 0, 16, true, T0_NS + 40 * SEC_NS, &an);
    CU_ASSERT_EQUAL(an, 0);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->timeouts, 1);
    CU_ASSERT_EQUAL(feed(r, 4, 2, data, 16, 16, false, T0_NS + 41 * SEC_NS, NULL).rc, 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    ip_reasm_destroy(r);
}

/* After a clock step back: datagrams stamped after the new time are dropped
 * (counted as timeouts), older ones kept; the step's late fragment then
 * starts a datagram of its own instead of completing one from the future. */
static void test_drop_newer(void)
{
    uint8_t data[32];
    fill(data, sizeof(data), 2);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, 30 * SEC_NS);
    CU_ASSERT_FATAL(r != NULL);
    feed(r, 4, 1, data, 0, 16, true, T0_NS + 1000 * SEC_NS, NULL);
    feed(r, 4, 2, data, 0, 16, true, T0_NS + 1001 * SEC_NS, NULL);
    feed(r, 4, 3, data, 0, 16, true, T0_NS + 1010 * SEC_NS, NULL);
    CU_ASSERT_EQUAL(ip_reasm_drop_newer(r, T0_NS + 1001 * SEC_NS), 1); /* id 3 */
    CU_ASSERT_EQUAL(ip_reasm_drop_newer(r, T0_NS + 100 * SEC_NS), 2);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->timeouts, 3);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 1, data, 16, 16, false, T0_NS + 101 * SEC_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->reassembled, 0);
    ip_reasm_destroy(r);
}

static void test_memcap_eviction(void)
{
    /* two 3000-byte datagrams cannot both hold 2000 bytes under a 4000-byte cap */
    uint8_t a[3000], b[3000];
    fill(a, sizeof(a), 20);
    fill(b, sizeof(b), 21);
    struct ip_reasm *r = ip_reasm_create(4000, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0, seen = 0;
    feed(r, 4, 100, a, 0, 1000, true, T0_NS, &an);
    seen |= an;
    feed(r, 4, 100, a, 1000, 1000, true, T0_NS + 1, &an);
    seen |= an;
    CU_ASSERT_EQUAL(seen, 0);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->memcap_drops, 0);
    feed(r, 4, 200, b, 0, 1000, true, T0_NS + 2, &an);
    seen |= an;
    feed(r, 4, 200, b, 1000, 1000, true, T0_NS + 3, &an);
    seen |= an;
    CU_ASSERT(seen & ANOM_BIT(ANOM_FRAG_MEMCAP));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->memcap_drops, 1); /* the oldest (a) went */
    struct result res = feed(r, 4, 200, b, 2000, 1000, false, T0_NS + 4, NULL);
    CU_ASSERT_EQUAL_FATAL(res.rc, 1);
    CU_ASSERT(out_equals(&res, b, sizeof(b)));
    /* a's last fragment now starts a fresh datagram: no completion */
    CU_ASSERT_EQUAL(feed(r, 4, 100, a, 2000, 1000, false, T0_NS + 5, NULL).rc, 0);
    CU_ASSERT(ip_reasm_stats(r)->peak_bytes <= 4000);
    CU_ASSERT(ip_reasm_stats(r)->bytes_in_use <= 4000);
    ip_reasm_destroy(r);
}

static void test_memcap_fragment_never_fits(void)
{
    uint8_t data[1000];
    fill(data, sizeof(data), 4);
    struct ip_reasm *r = ip_reasm_create(500, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    CU_ASSERT_EQUAL(feed(r, 6, 1, data, 0, 1000, true, T0_NS, &an).rc, 0);
    CU_ASSERT(an & ANOM_BIT(ANOM_FRAG_MEMCAP));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->memcap_drops, 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    ip_reasm_destroy(r);
}

/* ---- keys ---- */

static void test_interleaved_datagrams(void)
{
    uint8_t a[48], b[48];
    fill(a, sizeof(a), 30);
    fill(b, sizeof(b), 31);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(feed(r, 4, 1, a, 0, 16, true, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 2, b, 32, 16, false, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 1, a, 16, 16, true, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 2, b, 0, 16, true, T0_NS, NULL).rc, 0);
    struct result ra = feed(r, 4, 1, a, 32, 16, false, T0_NS, NULL);
    CU_ASSERT_EQUAL(ra.rc, 1);
    CU_ASSERT(out_equals(&ra, a, sizeof(a)));
    struct result rb = feed(r, 4, 2, b, 16, 16, true, T0_NS, NULL);
    CU_ASSERT_EQUAL(rb.rc, 1);
    CU_ASSERT(out_equals(&rb, b, sizeof(b)));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 0);
    ip_reasm_destroy(r);
}

static void test_key_fields_separate(void)
{
    /* same id, but another protocol (v4), source or IP version: separate datagrams,
     * so the overlapping halves below never meet */
    uint8_t data[32];
    fill(data, sizeof(data), 6);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    struct packet p = mk(4, 50, 0, true, T0_NS);
    feed_pkt(r, &p, data, 16, 16);
    p = mk(4, 50, 16, false, T0_NS);
    p.proto = IPPROTO_NUM_TCP;
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 16, 16).rc, 0);
    p = mk(4, 50, 16, false, T0_NS);
    p.src.b[3] = 99;
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 16, 16).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 6, 50, data, 16, 16, false, T0_NS, NULL).rc, 0);
    /* bytes past the 4 of an IPv4 address are not part of the key */
    p = mk(4, 50, 16, false, T0_NS);
    p.dst.b[9] = 0xee;
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 16, 16).rc, 1);
    ip_reasm_destroy(r);
}

/* Offers the two 16-byte halves of a datagram (id 51) to a new table, the
 * first in context a, the second in context b; returns the second's result code. */
static int halves_in(const struct packet *a, const struct packet *b)
{
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint8_t data[32];
    fill(data, sizeof(data), 8);
    struct packet p = *a;
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 16, 16).rc, 0);
    p = *b;
    p.frag_offset_bytes = 16;
    p.more_frags = false;
    int rc = feed_pkt(r, &p, data, 16, 16).rc;
    ip_reasm_destroy(r);
    return rc;
}

static void test_key_context_separate(void)
{
    /* the same addresses and id in two VLANs, two VXLAN VNIs, two GRE keys
     * (asymmetric ids too), inside a tunnel and outside it: never merged */
    struct packet plain = mk(4, 51, 0, true, T0_NS);
    struct packet vlan10 = plain, vlan20 = plain;
    vlan10.n_vlan = vlan20.n_vlan = 1;
    vlan10.vlan[0] = 10;
    vlan20.vlan[0] = 20;
    CU_ASSERT_EQUAL(halves_in(&vlan10, &vlan20), 0);
    CU_ASSERT_EQUAL(halves_in(&vlan10, &plain), 0);

    struct packet vni100 = plain;
    vni100.n_encap = 1;
    struct encap_layer *l = &vni100.encap[0];
    l->type = ENCAP_VXLAN;
    l->ip_version = 4;
    l->proto = IPPROTO_NUM_UDP;
    l->src.b[0] = 10, l->src.b[3] = 1;
    l->dst.b[0] = 10, l->dst.b[3] = 2;
    l->has_id = true;
    l->id_symmetric = true;
    l->id = 100;
    struct packet vni200 = vni100;
    vni200.encap[0].id = 200;
    CU_ASSERT_EQUAL(halves_in(&vni100, &vni200), 0);
    CU_ASSERT_EQUAL(halves_in(&vni100, &plain), 0);
    CU_ASSERT_EQUAL(halves_in(&plain, &vni200), 0);
    struct packet other_carrier = vni100;
    other_carrier.encap[0].dst.b[3] = 3;
    CU_ASSERT_EQUAL(halves_in(&vni100, &other_carrier), 0);

    struct packet teid1 = vni100; /* an id flows treat as asymmetric still counts here */
    teid1.encap[0].type = ENCAP_GTPU;
    teid1.encap[0].id_symmetric = false;
    teid1.encap[0].id = 1;
    struct packet teid2 = teid1;
    teid2.encap[0].id = 2;
    CU_ASSERT_EQUAL(halves_in(&teid1, &teid2), 0);

    /* the same context twice completes: the key is stable */
    CU_ASSERT_EQUAL(halves_in(&vlan20, &vlan20), 1);
    CU_ASSERT_EQUAL(halves_in(&teid2, &teid2), 1);
    CU_ASSERT_EQUAL(halves_in(&plain, &plain), 1);
}

static void test_v6_proto_from_first_fragment(void)
{
    /* RFC 8200: Next Header may differ between fragments; offset 0's counts */
    uint8_t data[32];
    fill(data, sizeof(data), 7);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    struct packet p = mk(6, 60, 0, true, T0_NS);
    p.proto = IPPROTO_NUM_TCP;
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 16, 16).rc, 0);
    p = mk(6, 60, 16, false, T0_NS);
    p.proto = 60; /* destination options */
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 16, 16).rc, 1);
    CU_ASSERT_EQUAL(p.proto, IPPROTO_NUM_TCP);
    ip_reasm_destroy(r);
}

/* ---- capture cut by the snaplen ---- */

static void test_snaplen_short(void)
{
    uint8_t data[200];
    fill(data, sizeof(data), 8);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    /* first fragment: IP says 100 bytes, 40 captured */
    struct packet p = mk(4, 70, 0, true, T0_NS);
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 100, 40).rc, 0);
    p = mk(4, 70, 100, false, T0_NS);
    struct result res = feed_pkt(r, &p, data, 100, 100);
    CU_ASSERT_EQUAL_FATAL(res.rc, 1);
    CU_ASSERT_EQUAL(res.total, 200);
    CU_ASSERT(out_equals(&res, data, 40));
    CU_ASSERT(p.anomalies & ANOM_BIT(ANOM_FRAG_INCOMPLETE_CAPTURE));

    /* second fragment cut: the prefix runs into it */
    p = mk(4, 71, 100, false, T0_NS);
    CU_ASSERT_EQUAL(feed_pkt(r, &p, data, 100, 30).rc, 0);
    p = mk(4, 71, 0, true, T0_NS);
    res = feed_pkt(r, &p, data, 100, 100);
    CU_ASSERT_EQUAL_FATAL(res.rc, 1);
    CU_ASSERT_EQUAL(res.total, 200);
    CU_ASSERT(out_equals(&res, data, 130));
    CU_ASSERT(p.anomalies & ANOM_BIT(ANOM_FRAG_INCOMPLETE_CAPTURE));

    /* nothing captured of a fragment at all (view with no bytes) */
    p = mk(6, 72, 16, false, T0_NS);
    struct view empty = { NULL, 0 };
    struct view out;
    uint32_t total = 0;
    CU_ASSERT_EQUAL(ip_reasm_add(r, &p, empty, 16, &out, &total), 0);
    p = mk(6, 72, 0, true, T0_NS);
    res = feed_pkt(r, &p, data, 16, 16);
    CU_ASSERT_EQUAL(res.rc, 1);
    CU_ASSERT_EQUAL(res.total, 32);
    CU_ASSERT(out_equals(&res, data, 16));
    CU_ASSERT(p.anomalies & ANOM_BIT(ANOM_FRAG_INCOMPLETE_CAPTURE));

    /* fully captured: no flag */
    p = mk(4, 73, 0, true, T0_NS);
    feed_pkt(r, &p, data, 100, 100);
    p = mk(4, 73, 100, false, T0_NS);
    res = feed_pkt(r, &p, data, 100, 100);
    CU_ASSERT_EQUAL(res.rc, 1);
    CU_ASSERT_EQUAL(p.anomalies, 0);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);
    ip_reasm_destroy(r);
}

/* ---- odd shapes ---- */

static void test_zero_length_and_odd_offsets(void)
{
    uint8_t data[33];
    fill(data, sizeof(data), 12);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint64_t an = 0;
    /* [7,20), a zero-length fragment, [0,7), then a zero-length last one at 33
     * fixing the length, then [20,33) completing it */
    CU_ASSERT_EQUAL(feed(r, 4, 90, data, 7, 13, true, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 90, data, 12, 0, true, T0_NS, &an).rc, 0);
    CU_ASSERT_EQUAL(an, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 90, data, 0, 7, true, T0_NS, NULL).rc, 0);
    CU_ASSERT_EQUAL(feed(r, 4, 90, data, 33, 0, false, T0_NS, &an).rc, 0);
    CU_ASSERT_EQUAL(an, 0);
    struct result res = feed(r, 4, 90, data, 20, 13, true, T0_NS, &an);
    CU_ASSERT_EQUAL_FATAL(res.rc, 1);
    CU_ASSERT_EQUAL(an, 0);
    CU_ASSERT_EQUAL(res.total, 33);
    CU_ASSERT(out_equals(&res, data, 33));
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->overlaps, 0);

    /* offset 0 without MF (an atomic fragment) stands alone */
    feed(r, 6, 91, data, 8, 8, false, T0_NS, NULL);
    res = feed(r, 6, 91, data, 0, 5, false, T0_NS, &an);
    CU_ASSERT_EQUAL(res.rc, 1);
    CU_ASSERT_EQUAL(res.total, 5);
    CU_ASSERT(out_equals(&res, data, 5));
    CU_ASSERT(ip_reasm_stats(r)->bytes_in_use > 0); /* the pending one is untouched */
    CU_ASSERT_EQUAL(feed(r, 6, 91, data, 0, 8, true, T0_NS, NULL).rc, 1);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->bytes_in_use, 0);

    /* an empty atomic fragment */
    res = feed(r, 4, 92, data, 0, 0, false, T0_NS, NULL);
    CU_ASSERT_EQUAL(res.rc, 1);
    CU_ASSERT_EQUAL(res.total, 0);
    CU_ASSERT_EQUAL(res.out.len, 0);
    ip_reasm_destroy(r);
}

/* ---- stress and cleanup ---- */

#define STRESS_N 1000u

static void test_stress_shuffled(void)
{
    /* 1000 datagrams of 100..1099 bytes, each in 3 fragments (8-byte aligned cuts),
     * all 3000 fragments shuffled together */
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    uint32_t *order = malloc(3 * STRESS_N * sizeof(*order));
    uint8_t *data = malloc(1100);
    uint8_t *want = malloc(1100);
    CU_ASSERT_FATAL(order != NULL && data != NULL && want != NULL);
    for (uint32_t i = 0; i < 3 * STRESS_N; i++)
        order[i] = i;
    shuffle(order, 3 * STRESS_N, 2024);
    uint32_t done = 0, bad = 0;
    for (uint32_t k = 0; k < 3 * STRESS_N; k++) {
        uint32_t dg = order[k] / 3, part = order[k] % 3;
        uint32_t len = 100 + dg;
        uint32_t cut1 = (len / 3) & ~7u, cut2 = (2 * len / 3) & ~7u;
        uint32_t off = part == 0 ? 0 : part == 1 ? cut1 : cut2;
        uint32_t end = part == 0 ? cut1 : part == 1 ? cut2 : len;
        fill(data, len, dg);
        uint64_t an = 0;
        struct packet p = mk(dg % 2 ? 4 : 6, 0x10000 + dg, off, part != 2, T0_NS + k);
        struct result res = feed_pkt(r, &p, data, end - off, end - off);
        an = p.anomalies;
        if (an != 0)
            bad++;
        if (res.rc == 1) {
            done++;
            fill(want, len, dg);
            if (res.total != len || !out_equals(&res, want, len))
                bad++;
        }
    }
    CU_ASSERT_EQUAL(done, STRESS_N);
    CU_ASSERT_EQUAL(bad, 0);
    const struct ip_reasm_stats *st = ip_reasm_stats(r);
    CU_ASSERT_EQUAL(st->reassembled, STRESS_N);
    CU_ASSERT_EQUAL(st->fragments, 3 * STRESS_N);
    CU_ASSERT_EQUAL(st->bytes_in_use, 0);
    CU_ASSERT(st->peak_bytes > 0);
    free(order);
    free(data);
    free(want);
    ip_reasm_destroy(r);
}

static void test_destroy_pending(void)
{
    /* LeakSanitizer checks that destroy frees every pending datagram */
    uint8_t data[4096];
    fill(data, sizeof(data), 13);
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_FATAL(r != NULL);
    for (uint32_t id = 0; id < 200; id++) {
        feed(r, id % 2 ? 4 : 6, id, data, 8 * (id % 7), 1000, true, T0_NS, NULL);
        feed(r, id % 2 ? 4 : 6, id, data, 2048, 64, false, T0_NS, NULL);
    }
    CU_ASSERT(ip_reasm_stats(r)->bytes_in_use > 0);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->reassembled, 0);
    ip_reasm_destroy(r);
    ip_reasm_destroy(NULL);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "in order, 45 fragments to 65535 bytes", test_in_order },
        { "reverse order", test_reverse_order },
        { "shuffled order", test_shuffled_order },
        { "tiny 8-byte fragments", test_tiny_fragments },
        { "v4 overlap: first data wins", test_overlap_v4_first_wins },
        { "v4 overlap: later fragment fills holes only", test_overlap_v4_fills_gaps },
        { "same range, other bytes: overlap", test_same_range_other_bytes_is_overlap },
        { "v6 overlap drops the datagram", test_overlap_v6_drops_datagram },
        { "v4 exact duplicate", test_duplicate_v4 },
        { "v6 exact duplicate", test_duplicate_v6 },
        { "too large", test_too_large },
        { "past the end fixed by the last fragment", test_past_fixed_end },
        { "timeout", test_timeout },
        { "timeout seen by another datagram's packet", test_timeout_unrelated_packet },
        { "fragments stamped after a clock step back are dropped", test_drop_newer },
        { "memcap evicts the oldest", test_memcap_eviction },
        { "memcap: fragment never fits", test_memcap_fragment_never_fits },
        { "interleaved datagrams", test_interleaved_datagrams },
        { "key fields keep datagrams apart", test_key_fields_separate },
        { "VLANs and tunnels keep datagrams apart", test_key_context_separate },
        { "v6 proto from the offset-0 fragment", test_v6_proto_from_first_fragment },
        { "snaplen-short fragments", test_snaplen_short },
        { "zero-length fragments and odd offsets", test_zero_length_and_odd_offsets },
        { "stress: 1000 datagrams shuffled", test_stress_shuffled },
        { "destroy with pending datagrams", test_destroy_pending },
        { NULL, NULL },
    };
    return add_suite("ip_reasm", tests);
}
