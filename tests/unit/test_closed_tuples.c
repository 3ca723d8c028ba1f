/* test_closed_tuples.c - the store of closed TCP 5-tuples, and what the
 * analyzer does with it: a closed connection's record written after the close
 * delay, the next incarnation numbered and flagged from the remembered tuple,
 * late packets as an after_close record of the same incarnation, forgetting
 * after 2*MSL, and the views ending TIME_WAIT 2*MSL after it began. Frames
 * are built here, segment by segment. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "closed_tuples.h"
#include "conn_fixture.h"
#include "cunit_main.h"
#include "frame_fixture.h"
#include "netstat.h"
#include "views.h"
#include "zeek_conn.h"

#define S  1000000000ull
#define MS 1000000ull
#define T0 (1700000000ull * S)

/* ---- the store ---------------------------------------------------------- */

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static struct flow_hasher hasher_for(const uint8_t s[16])
{
    struct flow_hasher h;
    flow_hasher_init(&h, s);
    return h;
}

/* Entry n and its key (key_n). */
static struct flow_key key_n(uint32_t n)
{
    struct flow_key k;
    struct ip_addr a = {{0}}, b = {{0}};
    a.b[0] = 10;
    a.b[1] = 99;
    a.b[2] = (uint8_t)(n >> 8);
    a.b[3] = (uint8_t)n;
    b.b[0] = 10;
    b.b[1] = 99;
    b.b[2] = 255;
    b.b[3] = 1;
    flow_key_make(&k, 4, 6, &a, (uint16_t)(1024 + (n >> 16)), &b, 80, 0, 0, 0);
    return k;
}

static struct closed_tuple tuple_n(uint32_t n, uint64_t last_ts)
{
    struct closed_tuple t;
    memset(&t, 0, sizeof(t));
    t.last_ts = last_ts;
    t.incarnation = n + 1;
    return t;
}

static void test_store_add_find_remove(void)
{
    struct flow_hasher h = hasher_for(seed);
    struct closed_tuples *ct = closed_tuples_create(&h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    struct closed_tuple a = tuple_n(1, T0), b = tuple_n(2, T0);
    struct flow_key ka = key_n(1), kb = key_n(2);
    CU_ASSERT_PTR_NULL(closed_tuples_find(ct, &ka));
    CU_ASSERT_EQUAL(closed_tuples_add(ct, &ka, &a), 0);
    CU_ASSERT_EQUAL(closed_tuples_add(ct, &kb, &b), 0);
    const struct closed_tuple *f = closed_tuples_find(ct, &ka);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f->incarnation, 2);
    CU_ASSERT_EQUAL(f->fingerprint, flow_key_hash(&ka, &h));
    /* the same 5-tuple the other way round is the same key */
    struct flow_key rev;
    struct ip_addr lo = {{0}}, hi = {{0}};
    memcpy(lo.b, ka.lo_addr, 16);
    memcpy(hi.b, ka.hi_addr, 16);
    flow_key_make(&rev, 4, 6, &hi, ka.hi_port, &lo, ka.lo_port, 0, 0, 0);
    CU_ASSERT_PTR_EQUAL(closed_tuples_find(ct, &rev), f);
    /* another seed does not find it */
    uint8_t other[16] = {0};
    struct flow_hasher h2 = hasher_for(other);
    struct closed_tuples *ct2 = closed_tuples_create(&h2);
    CU_ASSERT_EQUAL(closed_tuples_add(ct2, &ka, &a), 0);
    CU_ASSERT_NOT_EQUAL(closed_tuples_find(ct2, &ka)->fingerprint, f->fingerprint);
    closed_tuples_destroy(ct2);
    /* adding the same key replaces */
    a.incarnation = 7;
    CU_ASSERT_EQUAL(closed_tuples_add(ct, &ka, &a), 0);
    CU_ASSERT_EQUAL(closed_tuples_count(ct), 2);
    CU_ASSERT_EQUAL(closed_tuples_find(ct, &ka)->incarnation, 7);
    closed_tuples_remove(ct, &ka);
    CU_ASSERT_PTR_NULL(closed_tuples_find(ct, &ka));
    CU_ASSERT_PTR_NOT_NULL(closed_tuples_find(ct, &kb));
    CU_ASSERT_EQUAL(closed_tuples_count(ct), 1);
    closed_tuples_remove(ct, &ka); /* absent: no-op */
    /* TIME_WAIT ends as an offset from last_ts */
    struct closed_tuple tw = tuple_n(5, T0);
    tw.tw_left_us[0] = 1500;
    tw.tw_left_us[1] = CLOSED_TUPLE_TW_TO_END;
    CU_ASSERT_EQUAL(closed_tuple_tw_end(&tw, 0), T0 + 1500000);
    CU_ASSERT_EQUAL(closed_tuple_tw_end(&tw, 1), UINT64_MAX);
    CU_ASSERT_EQUAL(closed_tuple_tw_end(&b, 0), 0);
    CU_ASSERT_EQUAL(closed_tuples_count(ct), 1);
    closed_tuples_destroy(ct);
    closed_tuples_destroy(NULL);
}

/* Many entries over several chunks: everything found, expiry in insertion
 * order frees the old ones, and the chunks the queue left are given back. */
static void test_store_expiry_and_growth(void)
{
    struct flow_hasher h = hasher_for(seed);
    struct closed_tuples *ct = closed_tuples_create(&h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    const uint32_t n = 50000;
    for (uint32_t i = 0; i < n; i++) {
        struct closed_tuple t = tuple_n(i, T0 + i * MS);
        struct flow_key k = key_n(i);
        CU_ASSERT_EQUAL_FATAL(closed_tuples_add(ct, &k, &t), 0);
    }
    CU_ASSERT_EQUAL(closed_tuples_count(ct), n);
    size_t full = closed_tuples_memory(ct);
    uint32_t missing = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct flow_key k = key_n(i);
        const struct closed_tuple *f = closed_tuples_find(ct, &k);
        missing += f == NULL || f->incarnation != i + 1;
    }
    CU_ASSERT_EQUAL(missing, 0);
    /* every odd one consumed (a reuse), then the first 40000 ms expire */
    for (uint32_t i = 1; i < n; i += 2) {
        struct flow_key k = key_n(i);
        closed_tuples_remove(ct, &k);
    }
    CU_ASSERT_EQUAL(closed_tuples_count(ct), n / 2);
    closed_tuples_expire(ct, T0 + 40000 * MS, 1 * MS, 0);
    CU_ASSERT_EQUAL(closed_tuples_count(ct), (n - 40000) / 2);
    CU_ASSERT(closed_tuples_memory(ct) < full);
    for (uint32_t i = 39990; i < n; i++) {
        struct flow_key k = key_n(i);
        bool want = i >= 40000 && i % 2 == 0; /* gone: last_ts + 1 ms <= now, i <= 39999 */
        CU_ASSERT_EQUAL(closed_tuples_find(ct, &k) != NULL, want);
    }
    /* a cap forgets the oldest first */
    closed_tuples_expire(ct, 0, 1 * MS, 10);
    CU_ASSERT_EQUAL(closed_tuples_count(ct), 10);
    struct flow_key last = key_n(n - 2);
    CU_ASSERT_PTR_NOT_NULL(closed_tuples_find(ct, &last));
    /* emptied, then used again */
    closed_tuples_expire(ct, UINT64_MAX / 2, 1, 0);
    CU_ASSERT_EQUAL(closed_tuples_count(ct), 0);
    struct closed_tuple again = tuple_n(3, T0);
    struct flow_key ka = key_n(3);
    CU_ASSERT_EQUAL(closed_tuples_add(ct, &ka, &again), 0);
    CU_ASSERT_PTR_NOT_NULL(closed_tuples_find(ct, &ka));
    closed_tuples_destroy(ct);
}

/* ---- the analyzer --------------------------------------------------------- */

#define MAX_CONNS 16

struct collected {
    struct conn c[MAX_CONNS];
    uint64_t emitted_at[MAX_CONNS]; /* analyzer clock when the record came */
    size_t n;
    struct analyzer *an;
};

static void on_conn(void *user, const struct conn *c)
{
    struct collected *col = user;
    if (col->n < MAX_CONNS) {
        col->emitted_at[col->n] = col->an != NULL ? analyzer_now(col->an) : 0;
        col->c[col->n++] = *c;
    }
}

#define CLIENT "10.99.0.1"
#define SERVER "10.99.0.2"
static uint16_t cport = 40000; /* the client's port */
#define CPORT cport
#define SPORT  80

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_ACK 0x10

/* Feeds one Ethernet/IPv4/TCP segment with no payload (CLIENT and SERVER are
 * frame_fixture.h's addresses). */
static void seg(struct analyzer *an, uint64_t ts, bool from_client, uint8_t flags, uint32_t seq,
                uint32_t ack)
{
    fixture_tcp(an, ts, CPORT, SPORT, from_client, flags, seq, ack);
}

/* The same with len bytes of payload. */
static void seg_data(struct analyzer *an, uint64_t ts, bool from_client, uint8_t flags,
                     uint32_t seq, uint32_t ack, size_t len)
{
    uint8_t f[54 + 64];
    if (len > 64)
        len = 64;
    if (from_client)
        fixture_ip4_frame(f, 54 + len, 6, fixture_client, CPORT, fixture_server, SPORT, flags,
                          seq, ack);
    else
        fixture_ip4_frame(f, 54 + len, 6, fixture_server, SPORT, fixture_client, CPORT, flags,
                          seq, ack);
    fixture_feed(an, f, 54 + len, ts);
}

/* A whole connection from t: handshake, client closes first, server closes;
 * the client enters TIME_WAIT at t + 3.0005 ms, the connection is closed at
 * t + 4 ms. */
static void connection(struct analyzer *an, uint64_t t, uint32_t cisn, uint32_t sisn)
{
    seg(an, t, true, F_SYN, cisn, 0);
    seg(an, t + 1 * MS, false, F_SYN | F_ACK, sisn, cisn + 1);
    seg(an, t + 2 * MS, true, F_ACK, cisn + 1, sisn + 1);
    seg(an, t + 3 * MS, true, F_FIN | F_ACK, cisn + 1, sisn + 1);
    seg(an, t + 3 * MS + 500, false, F_FIN | F_ACK, sisn + 1, cisn + 2);
    seg(an, t + 4 * MS, true, F_ACK, cisn + 2, sisn + 2);
}

static struct analyzer *start(struct collected *col, uint64_t close_delay_ns)
{
    memset(col, 0, sizeof(*col));
    struct analyzer_config cfg;
    fixture_config(&cfg, on_conn, col);
    cfg.close_delay_ns = close_delay_ns;
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    col->an = an;
    return an;
}

static void finish(struct collected *col)
{
    analyzer_flush(col->an, END_END_OF_CAPTURE);
    analyzer_destroy(col->an);
    col->an = NULL;
}

/* The record of a closed connection comes close_delay after its last packet,
 * with the client socket still in TIME_WAIT; a SYN with a new ISN 10 s later
 * is incarnation 2, flagged as a reuse in TIME_WAIT, from the 56-byte memory. */
static void test_record_after_close_delay_then_reuse(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, ANALYZER_DEFAULT_CLOSE_DELAY_NS);
    connection(an, T0, 1000, 5000);
    seg(an, T0 + 4 * S, true, F_ACK, 1002, 5002); /* a keep-alive-like ACK: within the delay */
    CU_ASSERT_EQUAL(col.n, 0);
    analyzer_tick(an, T0 + 9 * S + 5 * MS); /* 5 s after the last packet */
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    CU_ASSERT_EQUAL(col.c[0].end_reason, END_CLOSED);
    CU_ASSERT_EQUAL(col.c[0].dir[0].state, TCP_ST_TIME_WAIT); /* as when written */
    CU_ASSERT_EQUAL(col.c[0].dir[1].state, TCP_ST_CLOSED);
    CU_ASSERT_EQUAL(col.c[0].dir[0].pkts, 5);
    CU_ASSERT_EQUAL(analyzer_open_flows(an), 0);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 1);

    connection(an, T0 + 10 * S, 900000, 7000);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 0); /* consumed by the new incarnation */
    finish(&col);
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    const struct conn *two = &col.c[1];
    CU_ASSERT_EQUAL(two->incarnation, 2);
    CU_ASSERT(two->flags & CONN_F_REUSE_IN_TIME_WAIT);
    CU_ASSERT_FALSE(two->flags & CONN_F_AFTER_CLOSE);
    CU_ASSERT_EQUAL(two->prev_close_gap_ns, 10 * S - 4 * MS);
    CU_ASSERT_NOT_EQUAL(two->id, col.c[0].id);
    CU_ASSERT_EQUAL(two->end_reason, END_END_OF_CAPTURE); /* within the delay at the end */
}

/* Late packets after the record was written: a record of their own, same
 * incarnation and roles, flagged after_close, no socket reopened; the next SYN
 * is still incarnation 2. A SYN with the first ISN is a late packet too. */
static void test_late_packets_after_close(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, ANALYZER_DEFAULT_CLOSE_DELAY_NS);
    connection(an, T0, 1000, 5000);
    /* the server's FIN again, 20 s later (its last ACK lost), from the server side */
    seg(an, T0 + 20 * S, false, F_FIN | F_ACK, 5001, 1002);
    CU_ASSERT_EQUAL_FATAL(col.n, 1); /* the first record came out at T0 + 5 s */
    CU_ASSERT(col.emitted_at[0] >= T0 + 5 * S + 4 * MS);
    seg(an, T0 + 20 * S + 1 * MS, true, F_ACK, 1002, 5002);
    analyzer_tick(an, T0 + 26 * S);
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    const struct conn *late = &col.c[1];
    CU_ASSERT(late->flags & CONN_F_AFTER_CLOSE);
    CU_ASSERT_EQUAL(late->incarnation, 1);
    CU_ASSERT_EQUAL(late->orig_port, CPORT); /* the closed connection's roles */
    CU_ASSERT_EQUAL(late->resp_port, SPORT);
    CU_ASSERT_EQUAL(late->orientation, ORIENT_HANDSHAKE);
    CU_ASSERT_EQUAL(late->dir[0].pkts, 1);
    CU_ASSERT_EQUAL(late->dir[1].pkts, 1);
    CU_ASSERT_EQUAL(late->n_transitions, 0); /* nothing reopened */
    CU_ASSERT_EQUAL(late->dir[0].state, TCP_ST_TIME_WAIT);
    CU_ASSERT_EQUAL(late->end_reason, END_CLOSED);
    /* the FIN again is a retransmission (its sequence number was remembered),
     * the client's ACK at its next sequence number nothing */
    CU_ASSERT_EQUAL(late->tcp_counts[1].retransmissions, 1);
    CU_ASSERT_EQUAL(late->tcp_counts[0].retransmissions, 0);
    CU_ASSERT_EQUAL(late->tcp_counts[0].keepalives, 0);
    CU_ASSERT_FALSE(late->flags & CONN_F_SEQ_GAP);

    seg(an, T0 + 30 * S, true, F_SYN, 1000, 0); /* the first ISN: a late SYN */
    seg(an, T0 + 40 * S, true, F_SYN, 77777, 0); /* a new ISN: the next incarnation */
    finish(&col);
    CU_ASSERT_EQUAL_FATAL(col.n, 4);
    CU_ASSERT(col.c[2].flags & CONN_F_AFTER_CLOSE);
    CU_ASSERT_EQUAL(col.c[2].incarnation, 1);
    CU_ASSERT_EQUAL(col.c[2].tcp_counts[0].retransmissions, 1); /* the SYN, sent before */
    CU_ASSERT_EQUAL(col.c[3].incarnation, 2);
    CU_ASSERT_FALSE(col.c[3].flags & CONN_F_AFTER_CLOSE);
    CU_ASSERT(col.c[3].flags & CONN_F_REUSE_IN_TIME_WAIT);
    CU_ASSERT_EQUAL(col.c[3].prev_close_gap_ns, 40 * S - 4 * MS);

    /* the views: two connections on the port (the late records add bytes, not
     * connections), their sockets marked, one reuse for the client host */
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, col.c, col.n, T0 + 41 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    struct ip_addr server = ip4(SERVER), client = ip4(CLIENT);
    long pi = views_find_port_ctx(&v, 0, 6, 4, &server, SPORT);
    CU_ASSERT_FATAL(pi >= 0);
    CU_ASSERT_EQUAL(v.ports[pi].n_conns, 2);
    size_t marked = 0;
    for (size_t i = 0; i < v.n_socks; i++)
        marked += (v.socks[i].diag & SOCK_D_AFTER_CLOSE) != 0;
    CU_ASSERT_EQUAL(marked, 4);
    long hi = views_find_host_ctx(&v, 0, 4, &client);
    CU_ASSERT_FATAL(hi >= 0);
    CU_ASSERT_EQUAL(v.hosts[hi].n_client, 2);
    CU_ASSERT_EQUAL(v.hosts[hi].tuple_reuses, 1);
    views_free(&v);
}

/* How far each side has sent carries from the closed connection to its late
 * records and from one late record to the next: the server's 10 bytes after
 * its FIN are new in the first late record, sent again in the second. */
static void test_late_records_keep_sequence(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, ANALYZER_DEFAULT_CLOSE_DELAY_NS);
    connection(an, T0, 1000, 5000);
    seg(an, T0 + 20 * S, false, F_FIN | F_ACK, 5001, 1002);
    seg_data(an, T0 + 20 * S + 1 * MS, false, F_ACK, 5002, 1002, 10);
    analyzer_tick(an, T0 + 26 * S);
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    CU_ASSERT_EQUAL(col.c[1].tcp_counts[1].retransmissions, 1); /* the FIN, not the data */
    CU_ASSERT_EQUAL(col.c[1].dir[1].payload_bytes, 10);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 1);
    seg_data(an, T0 + 40 * S, false, F_ACK, 5002, 1002, 10);
    seg_data(an, T0 + 40 * S + 1 * MS, false, F_ACK, 5012, 1002, 10); /* beyond: new */
    finish(&col);
    CU_ASSERT_EQUAL_FATAL(col.n, 3);
    CU_ASSERT(col.c[2].flags & CONN_F_AFTER_CLOSE);
    CU_ASSERT_EQUAL(col.c[2].incarnation, 1);
    CU_ASSERT_EQUAL(col.c[2].tcp_counts[1].retransmissions, 1);
    CU_ASSERT_EQUAL(col.c[2].tcp_counts[1].out_of_order, 0);
    CU_ASSERT_FALSE(col.c[2].flags & CONN_F_SEQ_GAP);
}

/* 2*MSL after the last packet the tuple is forgotten: a SYN is incarnation 1. */
static void test_forgotten_after_two_msl(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, ANALYZER_DEFAULT_CLOSE_DELAY_NS);
    connection(an, T0, 1000, 5000);
    analyzer_tick(an, T0 + 60 * S);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 1);
    analyzer_tick(an, T0 + 120 * S + 4 * MS);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 0);
    connection(an, T0 + 121 * S, 424242, 8000);
    finish(&col);
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    CU_ASSERT_EQUAL(col.c[1].incarnation, 1);
    CU_ASSERT_FALSE(col.c[1].flags & CONN_F_REUSE_IN_TIME_WAIT);
}

/* --close-delay at 2*MSL or more: the connection stays whole for its TIME_WAIT
 * and a reuse closes it (end_reason reuse) with TIME_WAIT still running. */
static void test_close_delay_whole_time_wait(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, 1000 * S);
    connection(an, T0, 1000, 5000);
    analyzer_tick(an, T0 + 60 * S);
    CU_ASSERT_EQUAL(col.n, 0);
    CU_ASSERT_EQUAL(analyzer_open_flows(an), 1);
    connection(an, T0 + 70 * S, 900000, 7000);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 0);
    finish(&col);
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    CU_ASSERT_EQUAL(col.c[0].end_reason, END_REUSE);
    CU_ASSERT_EQUAL(col.c[1].incarnation, 2);
    CU_ASSERT(col.c[1].flags & CONN_F_REUSE_IN_TIME_WAIT);
}

/* --close-delay 0: the record comes at the next packet or tick; --msl 0 too
 * (no TIME_WAIT to wait out), and then nothing is remembered. */
static void test_close_delay_zero(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, 0);
    connection(an, T0, 1000, 5000);
    CU_ASSERT_EQUAL(col.n, 0);
    analyzer_tick(an, T0 + 4 * MS);
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    CU_ASSERT_EQUAL(col.c[0].end_reason, END_CLOSED);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 1);
    finish(&col);

    memset(&col, 0, sizeof(col));
    struct analyzer_config cfg;
    analyzer_config_defaults(&cfg);
    cfg.have_seed = true;
    cfg.dpi = false;
    cfg.on_conn = on_conn;
    cfg.user = &col;
    cfg.msl_ns = 0;
    struct ss_err err;
    col.an = an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    connection(an, T0, 1000, 5000);
    analyzer_tick(an, T0 + 5 * MS);
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    CU_ASSERT_EQUAL(col.c[0].end_reason, END_CLOSED);
    CU_ASSERT_EQUAL(col.c[0].dir[0].state, TCP_ST_CLOSED); /* a TIME_WAIT of 0 ended */
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 0);
    finish(&col);
}

/* Peak figures: open connections, and open + remembered. */
static void test_peak_tracked(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, ANALYZER_DEFAULT_CLOSE_DELAY_NS);
    connection(an, T0, 1000, 5000);
    analyzer_tick(an, T0 + 6 * S); /* written and remembered */
    cport = 40001;
    seg(an, T0 + 7 * S, true, F_SYN, 1, 0); /* another connection meanwhile */
    cport = 40000;
    seg(an, T0 + 8 * S, true, F_SYN, 2, 0); /* incarnation 2 of the first 5-tuple */
    const struct capture_stats *st = analyzer_stats(an);
    CU_ASSERT_EQUAL(st->peak_flows, 2);
    CU_ASSERT_EQUAL(st->peak_tracked, 2); /* 1 + 1, then 2 + 0 */
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 0);
    finish(&col);
    CU_ASSERT_EQUAL(col.n, 3);
}

/* The views end a TIME_WAIT written into a record 2*MSL after it began. */
static void test_views_end_time_wait(void)
{
    static struct collected col;
    struct analyzer *an = start(&col, ANALYZER_DEFAULT_CLOSE_DELAY_NS);
    connection(an, T0, 1000, 5000);
    analyzer_tick(an, T0 + 200 * S);
    finish(&col);
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    struct views v;
    struct ss_err err;
    uint64_t two_msl = 2 * ANALYZER_DEFAULT_MSL_NS;
    CU_ASSERT_FATAL(views_build(&v, col.c, 1, T0 + 200 * S, two_msl, &err) == 0);
    struct ip_addr host = ip4(CLIENT);
    uint64_t tw = T0 + 3 * MS + 500; /* the server's FIN reached FIN_WAIT_2 */
    uint64_t at[] = {T0 + 60 * S, tw + two_msl - 1, tw + two_msl};
    size_t want[] = {1, 1, 0};
    for (size_t i = 0; i < 3; i++) {
        struct netstat_row *rows = NULL;
        size_t n = 0;
        CU_ASSERT_FATAL(netstat_rows(&v, 4, &host, at[i], &rows, &n, &err) == 0);
        CU_ASSERT_EQUAL(n, want[i]);
        if (n == 1)
            CU_ASSERT_EQUAL(rows[0].state, TCP_ST_TIME_WAIT);
        free(rows);
    }
    /* the socket's final state is the one at the capture end, and when its
     * TIME_WAIT ended is known to the views */
    for (size_t i = 0; i < v.n_socks; i++) {
        if (v.socks[i].side == 0) {
            CU_ASSERT_EQUAL(v.socks[i].state, TCP_ST_CLOSED);
            CU_ASSERT_EQUAL(v.socks[i].time_wait_end_ts, tw + two_msl);
        }
    }
    views_free(&v);
    /* a capture ending within 2*MSL leaves it in TIME_WAIT */
    CU_ASSERT_FATAL(views_build(&v, col.c, 1, T0 + 30 * S, two_msl, &err) == 0);
    for (size_t i = 0; i < v.n_socks; i++) {
        if (v.socks[i].side == 0) {
            CU_ASSERT_EQUAL(v.socks[i].state, TCP_ST_TIME_WAIT);
            CU_ASSERT_EQUAL(v.socks[i].time_wait_end_ts, 0);
        }
    }
    views_free(&v);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"store: add, find, replace, remove", test_store_add_find_remove},
        {"store: growth over chunks, expiry in order, cap", test_store_expiry_and_growth},
        {"record after the close delay, then a reuse in TIME_WAIT", test_record_after_close_delay_then_reuse},
        {"late packets: an after_close record of the same incarnation", test_late_packets_after_close},
        {"late records keep each side's sequence numbers", test_late_records_keep_sequence},
        {"forgotten after 2*MSL", test_forgotten_after_two_msl},
        {"--close-delay >= 2*MSL keeps the whole TIME_WAIT", test_close_delay_whole_time_wait},
        {"--close-delay 0 and --msl 0", test_close_delay_zero},
        {"peak open and peak tracked", test_peak_tracked},
        {"views end TIME_WAIT after 2*MSL", test_views_end_time_wait},
        {NULL, NULL},
    };
    return add_suite("closed_tuples", tests);
}
