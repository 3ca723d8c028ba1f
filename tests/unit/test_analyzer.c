/* test_analyzer.c - the pipeline on the bundled samples: connection records,
 * incarnations, orientation, handshake validation, ICMP evidence, timeouts,
 * eviction, and the Zeek worked examples of DESIGN.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "cunit_main.h"
#include "zeek_conn.h"

#define MAX_CONNS 64

struct collected {
    struct conn c[MAX_CONNS];
    size_t n;
};

static void on_conn(void *user, const struct conn *c)
{
    struct collected *col = user;
    if (col->n < MAX_CONNS)
        col->c[col->n++] = *c;
}

/* When nonzero, frames are cut to this many captured bytes (a headers-only capture). */
static uint32_t cut_to;
/* Feed through analyzer_feed_ahead (the file reader's path) instead of analyzer_feed. */
static bool feed_ahead;

/* Runs a sample through an analyzer; cfg may adjust the defaults. */
static int run_sample(const char *name, struct collected *col, void (*tweak)(struct analyzer_config *))
{
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/samples/%s", src ? src : ".", name);
    struct analyzer_config cfg;
    analyzer_config_defaults(&cfg);
    cfg.have_seed = true;
    cfg.on_conn = on_conn;
    cfg.user = col;
    if (tweak != NULL)
        tweak(&cfg);
    memset(col, 0, sizeof(*col));
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    struct capture *cap = NULL;
    if (an == NULL || capture_open_file(&cap, path, NULL, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        analyzer_destroy(an);
        return -1;
    }
    struct capture_frame f;
    while (capture_next(cap, &f, &err) == 1) {
        if (cut_to != 0 && f.cap_len > cut_to)
            f.cap_len = cut_to;
        if (feed_ahead)
            analyzer_feed_ahead(an, &f);
        else
            analyzer_feed(an, &f);
    }
    capture_close(cap);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    return 0;
}

static const struct conn *find(const struct collected *col, uint16_t resp_port, uint16_t orig_port,
                               uint32_t incarnation)
{
    for (size_t i = 0; i < col->n; i++)
        if (col->c[i].resp_port == resp_port && col->c[i].orig_port == orig_port &&
            col->c[i].incarnation == incarnation)
            return &col->c[i];
    return NULL;
}

static void test_synthetic_worked_examples(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_sample("synthetic.pcap", &col, NULL), 0);
    const struct conn *http = find(&col, 80, 50000, 1), *again = find(&col, 80, 50000, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(http);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&http->zeek), "ShADdtFf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&http->zeek), "SF");
    CU_ASSERT_TRUE(http->handshake_validated);
    CU_ASSERT_EQUAL(http->orientation, ORIENT_HANDSHAKE);
    /* written 5 s (the close delay) after its last packet, before the reuse */
    CU_ASSERT_EQUAL(http->end_reason, END_CLOSED);
    CU_ASSERT_EQUAL(http->tcp_counts[1].retransmissions, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(again);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&again->zeek), "ShAR");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&again->zeek), "RSTO");
    CU_ASSERT_NOT_EQUAL(again->id, http->id);
    CU_ASSERT(again->prev_close_gap_ns > 0);

    const struct conn *rej = find(&col, 81, 50001, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rej);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&rej->zeek), "Sr");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&rej->zeek), "REJ");
    CU_ASSERT_TRUE(rej->refused_by_rst);

    const struct conn *udp = NULL, *icmp = NULL, *ssh = find(&col, 22, 50123, 1);
    for (size_t i = 0; i < col.n; i++) {
        if (col.c[i].proto == IPPROTO_NUM_UDP)
            udp = &col.c[i];
        if (col.c[i].proto == IPPROTO_NUM_ICMP)
            icmp = &col.c[i];
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(udp);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&udp->zeek), "D");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&udp->zeek), "S0");
    CU_ASSERT_TRUE(udp->has_icmp); /* the port unreachable is attached as evidence */
    CU_ASSERT_EQUAL(udp->icmp.type, 3);
    CU_ASSERT_EQUAL(udp->icmp.code, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(icmp);
    CU_ASSERT_EQUAL(icmp->orig_port, 3);
    CU_ASSERT_EQUAL(icmp->resp_port, 3);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&icmp->zeek), "OTH");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ssh);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&ssh->zeek), "^dA");
    CU_ASSERT_EQUAL(ssh->orientation, ORIENT_SERVER_PORT);
    CU_ASSERT_TRUE(ssh->direction_inferred);
    /* exactly six records: quoted headers never make flows of their own */
    CU_ASSERT_EQUAL(col.n, 6);
}

static void test_client_retransmitted_syn_does_not_split(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_sample("port-vs-socket-client.pcap", &col, NULL), 0);
    unsigned syn_sent = 0, established = 0;
    for (size_t i = 0; i < col.n; i++) {
        CU_ASSERT_EQUAL(col.c[i].incarnation, 1);
        if (col.c[i].dir[0].state == TCP_ST_SYN_SENT)
            syn_sent++;
        if (col.c[i].dir[0].state == TCP_ST_ESTABLISHED)
            established++;
    }
    CU_ASSERT_EQUAL(col.n, 4);
    CU_ASSERT_EQUAL(syn_sent, 2);
    CU_ASSERT_EQUAL(established, 2);
}

static void test_server_port_many_sockets(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_sample("port-vs-socket-server.pcap", &col, NULL), 0);
    CU_ASSERT_EQUAL(col.n, 6);
    for (size_t i = 0; i < col.n; i++) {
        CU_ASSERT_EQUAL(col.c[i].resp_port, 9001);
        CU_ASSERT_EQUAL(col.c[i].dir[1].state, TCP_ST_ESTABLISHED);
        CU_ASSERT_STRING_EQUAL(zeek_conn_state(&col.c[i].zeek), "S1");
    }
}

static void test_lifecycle_reuse_in_time_wait(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_sample("lifecycle.pcap", &col, NULL), 0);
    const struct conn *first = find(&col, 7777, 50040, 1), *second = find(&col, 7777, 50040, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    CU_ASSERT_PTR_NOT_NULL_FATAL(second);
    CU_ASSERT(second->flags & CONN_F_REUSE_IN_TIME_WAIT);
    CU_ASSERT_FALSE(first->flags & CONN_F_REUSE_IN_TIME_WAIT);
    unsigned simopen = 0, simclose = 0, close_wait = 0, fin_wait_2 = 0;
    for (size_t i = 0; i < col.n; i++) {
        simopen += (col.c[i].flags & CONN_F_SIMULTANEOUS_OPEN) != 0;
        simclose += (col.c[i].flags & CONN_F_SIMULTANEOUS_CLOSE) != 0;
        for (int s = 0; s < 2; s++) {
            close_wait += col.c[i].dir[s].state == TCP_ST_CLOSE_WAIT;
            fin_wait_2 += col.c[i].dir[s].state == TCP_ST_FIN_WAIT_2;
        }
    }
    CU_ASSERT_EQUAL(simopen, 1);
    CU_ASSERT_EQUAL(simclose, 1);
    CU_ASSERT_EQUAL(close_wait, 2);
    CU_ASSERT_EQUAL(fin_wait_2, 2);
}

static void tiny_table(struct analyzer_config *cfg)
{
    cfg->max_flows = 2;
}

static void test_max_flows_evicts_and_reports(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_sample("port-vs-socket-server.pcap", &col, tiny_table), 0);
    size_t evicted = 0;
    for (size_t i = 0; i < col.n; i++)
        evicted += col.c[i].end_reason == END_EVICTED;
    /* six connections, two fit: nothing is lost, four were pushed out */
    CU_ASSERT(col.n >= 6);
    CU_ASSERT(evicted >= 4);
}

static void short_timeouts(struct analyzer_config *cfg)
{
    cfg->udp_timeout_ns = 1;
    cfg->icmp_timeout_ns = 1;
    cfg->tcp_timeout_ns = 1000000; /* 1 ms */
}

static void test_timeouts_emit_with_reason(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_sample("synthetic.pcap", &col, short_timeouts), 0);
    size_t timed_out = 0;
    for (size_t i = 0; i < col.n; i++)
        timed_out += col.c[i].end_reason == END_TIMEOUT;
    CU_ASSERT(timed_out >= 3);
}

/* snaplen 54, 68, 96: the same packets, bytes, socket states and Zeek states as the
 * full capture, from the headers alone */
static void test_headers_only_captures(void)
{
    static struct collected full, cut;
    CU_ASSERT_EQUAL_FATAL(run_sample("synthetic.pcap", &full, NULL), 0);
    static const uint32_t snaplens[] = {54, 68, 96};
    for (size_t k = 0; k < 3; k++) {
        cut_to = snaplens[k];
        CU_ASSERT_EQUAL_FATAL(run_sample("synthetic.pcap", &cut, NULL), 0);
        cut_to = 0;
        CU_ASSERT_EQUAL_FATAL(cut.n, full.n);
        for (size_t i = 0; i < full.n && i < cut.n; i++) {
            const struct conn *a = &full.c[i], *b = &cut.c[i];
            CU_ASSERT_EQUAL(a->proto, b->proto);
            CU_ASSERT_EQUAL(a->orig_port, b->orig_port);
            for (int s = 0; s < 2; s++) {
                CU_ASSERT_EQUAL(a->dir[s].pkts, b->dir[s].pkts);
                CU_ASSERT_EQUAL(a->dir[s].ip_bytes, b->dir[s].ip_bytes);
                CU_ASSERT_EQUAL(a->dir[s].wire_bytes, b->dir[s].wire_bytes);
                CU_ASSERT_EQUAL(a->dir[s].payload_bytes, b->dir[s].payload_bytes);
                CU_ASSERT_EQUAL(a->dir[s].state, b->dir[s].state);
            }
            CU_ASSERT_STRING_EQUAL(zeek_conn_state(&a->zeek), zeek_conn_state(&b->zeek));
            CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&a->zeek), zeek_conn_orig_bytes(&b->zeek));
            CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&a->zeek), zeek_conn_resp_bytes(&b->zeek));
            CU_ASSERT_EQUAL(a->incarnation, b->incarnation);
        }
    }
}

/* The look-ahead path gives the very same records as frame-by-frame feeding,
 * on every sample (fragments, tunnels, VLANs, DPI on and off). */
static void dpi_off(struct analyzer_config *cfg)
{
    cfg->dpi = false;
}

static void test_feed_ahead_same_records(void)
{
    static struct collected one, ahead;
    static const char *samples[] = {"port-vs-socket-client.pcap", "port-vs-socket-server.pcap",
                                    "synthetic.pcap", "lifecycle.pcap", "mixed-link.pcapng",
                                    "udp-services.pcap", "tunnels.pcap"};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        for (int dpi = 0; dpi < 2; dpi++) {
            feed_ahead = false;
            CU_ASSERT_EQUAL_FATAL(run_sample(samples[i], &one, dpi ? NULL : dpi_off), 0);
            feed_ahead = true;
            CU_ASSERT_EQUAL_FATAL(run_sample(samples[i], &ahead, dpi ? NULL : dpi_off), 0);
            feed_ahead = false;
            CU_ASSERT_EQUAL(one.n, ahead.n);
            CU_ASSERT(one.n > 0);
            for (size_t k = 0; k < one.n && k < ahead.n; k++) {
                /* tunnel descriptions are each analyzer's own (and freed with it):
                 * the context number in the record names them */
                CU_ASSERT_EQUAL(one.c[k].tunnel == NULL, ahead.c[k].tunnel == NULL);
                one.c[k].tunnel = ahead.c[k].tunnel = NULL;
                const unsigned char *x = (const void *)&one.c[k], *y = (const void *)&ahead.c[k];
                size_t off = 0;
                while (off < sizeof(one.c[k]) && x[off] == y[off])
                    off++;
                if (off < sizeof(one.c[k]))
                    fprintf(stderr, "%s dpi=%d record %zu differs at byte %zu\n", samples[i], dpi, k, off);
                CU_ASSERT_EQUAL(off, sizeof(one.c[k]));
            }
        }
    }
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"synthetic.pcap: DESIGN.md worked examples", test_synthetic_worked_examples},
        {"retransmitted SYN never splits", test_client_retransmitted_syn_does_not_split},
        {"one server port, six sockets", test_server_port_many_sockets},
        {"lifecycle: reuse in TIME_WAIT, simultaneous open/close", test_lifecycle_reuse_in_time_wait},
        {"--max-flows evicts and reports", test_max_flows_evicts_and_reports},
        {"timeouts emit records with the reason", test_timeouts_emit_with_reason},
        {"headers-only captures (snaplen 54, 68, 96)", test_headers_only_captures},
        {"analyzer_feed_ahead gives the same records", test_feed_ahead_same_records},
        {NULL, NULL},
    };
    return add_suite("analyzer", tests);
}
