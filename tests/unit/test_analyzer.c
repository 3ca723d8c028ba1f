/* test_analyzer.c - the pipeline on the bundled samples: connection records,
 * incarnations, orientation, handshake validation, ICMP evidence, timeouts,
 * eviction, and the Zeek worked examples of DESIGN.md. */
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer.h"
#include "cunit_main.h"
#include "dissect.h"
#include "frame_fixture.h"
#include "json_out.h"
#include "output_json.h"
#include "prefault.h"
#include "reader_thread.h"
#include "timefmt.h"
#include "views.h"
#include "zeek_conn.h"

#define MAX_CONNS 1024

struct collected {
    struct conn c[MAX_CONNS];
    size_t n;
    struct capture_stats stats; /* the analyzer's, after the flush */
};

/* x's text is jansson's compact dump of tree (freed here). */
static void assert_same_json(json_t *tree, const struct jout *x)
{
    char *want = json_dumps(tree, OUTPUT_JSON_DUMP_FLAGS | JSON_COMPACT);
    const char *got = jout_text_get(x, NULL);
    CU_ASSERT_FATAL(want != NULL && got != NULL);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(want);
    json_decref(tree);
}

/* Every record's NDJSON text (json_out, no tree) is jansson's compact dump of
 * its tree, and so are its sockets'. */
static void assert_text_is_tree(const struct conn *c)
{
    static struct jout x;
    jout_text_line(&x, "connection");
    output_json_conn_members(&x, c);
    jout_end(&x);
    json_t *t = output_json_conn(c);
    json_t *line = json_pack("{s:s}", "type", "connection");
    json_object_update(line, t);
    json_decref(t);
    assert_same_json(line, &x);
    for (int side = 0; side < 2 && views_conn_has_ports(c); side++) {
        struct view_socket s;
        views_socket_of_conn(c, side, &s);
        jout_text(&x);
        jout_object(&x, NULL);
        views_json_socket_members(&x, &s, -1);
        jout_end(&x);
        assert_same_json(views_json_socket(&s), &x);
    }
}

static void on_conn(void *user, const struct conn *c)
{
    struct collected *col = user;
    if (col->n < MAX_CONNS)
        col->c[col->n++] = *c;
    assert_text_is_tree(c);
}

/* When nonzero, frames are cut to this many captured bytes (a headers-only capture). */
static uint32_t cut_to;
/* How run_sample feeds: analyzer_feed frame by frame (the reference), the
 * one-thread file path (analyzer_feed_ahead), or the reader thread. */
enum feed_mode { FEED_EACH, FEED_AHEAD, FEED_THREAD };
static enum feed_mode feed_mode;
/* When nonzero, only this many frames are read (-c); last_rc and last_fed say
 * what the last run_sample read returned and how many frames it fed. */
static uint64_t max_frames;
static int last_rc;
static uint64_t last_fed;

/* Runs a sample through an analyzer; cfg may adjust the defaults. */
static int run_sample(const char *name, struct collected *col, void (*tweak)(struct analyzer_config *))
{
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char path[1024];
    if (name[0] == '/')
        snprintf(path, sizeof(path), "%s", name);
    else
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
    last_fed = 0;
    if (feed_mode == FEED_THREAD) {
        CU_ASSERT_EQUAL(cut_to, 0); /* the reader thread reads the file itself */
        last_rc = reader_thread_run(an, cap, max_frames, &last_fed, &err);
        /* the reader served the tables' requests for memory, and only while it ran */
        const struct prefault *pf = analyzer_prefault(an);
        CU_ASSERT_FALSE(pf->served);
        if (prefault_supported() && analyzer_open_flows(an) > 0)
            CU_ASSERT(pf->posted >= 1);
        CU_ASSERT(pf->done + pf->failed <= pf->posted);
    } else {
        while ((max_frames == 0 || last_fed < max_frames) &&
               (last_rc = capture_next(cap, &f, &err)) == 1) {
            if (cut_to != 0 && f.cap_len > cut_to)
                f.cap_len = cut_to;
            if (feed_mode == FEED_AHEAD)
                analyzer_feed_ahead(an, &f);
            else
                analyzer_feed(an, &f);
            last_fed++;
        }
    }
    capture_close(cap);
    analyzer_flush(an, END_END_OF_CAPTURE);
    col->stats = *analyzer_stats(an);
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

/* The look-ahead path and the reader thread give the very same records as
 * frame-by-frame feeding, on every sample (fragments, tunnels, VLANs, DPI on
 * and off), in the same order. */
static void dpi_off(struct analyzer_config *cfg)
{
    cfg->dpi = false;
}

/* The same capture statistics, byte for byte (both start zeroed: padding too). */
static void assert_same_stats(const struct capture_stats *a, const struct capture_stats *b,
                              const char *what)
{
    const unsigned char *x = (const void *)a, *y = (const void *)b;
    size_t off = 0;
    while (off < sizeof(*a) && x[off] == y[off])
        off++;
    if (off < sizeof(*a))
        fprintf(stderr, "%s: statistics differ at byte %zu\n", what, off);
    CU_ASSERT_EQUAL(off, sizeof(*a));
}

/* Every record of a equals b's, byte for byte (tunnel pointers aside), and so
 * do the statistics. */
static void assert_same_records(struct collected *a, struct collected *b, const char *what)
{
    assert_same_stats(&a->stats, &b->stats, what);
    CU_ASSERT_EQUAL(a->n, b->n);
    for (size_t k = 0; k < a->n && k < b->n; k++) {
        /* tunnel descriptions are each analyzer's own (and freed with it):
         * the context number in the record names them */
        CU_ASSERT_EQUAL(a->c[k].tunnel == NULL, b->c[k].tunnel == NULL);
        CU_ASSERT_EQUAL(a->c[k].sibling_tunnel == NULL, b->c[k].sibling_tunnel == NULL);
        a->c[k].tunnel = b->c[k].tunnel = NULL;
        a->c[k].sibling_tunnel = b->c[k].sibling_tunnel = NULL;
        const unsigned char *x = (const void *)&a->c[k], *y = (const void *)&b->c[k];
        size_t off = 0;
        while (off < sizeof(a->c[k]) && x[off] == y[off])
            off++;
        if (off < sizeof(a->c[k]))
            fprintf(stderr, "%s: record %zu differs at byte %zu\n", what, k, off);
        CU_ASSERT_EQUAL(off, sizeof(a->c[k]));
    }
}

static const char *const all_samples[] = {"port-vs-socket-client.pcap", "port-vs-socket-server.pcap",
                                          "synthetic.pcap", "lifecycle.pcap", "mixed-link.pcapng",
                                          "udp-services.pcap", "tunnels.pcap"};
#define N_SAMPLES (sizeof(all_samples) / sizeof(all_samples[0]))

static void test_feed_paths_same_records(enum feed_mode mode)
{
    static struct collected one, other;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        for (int dpi = 0; dpi < 2; dpi++) {
            char what[128];
            snprintf(what, sizeof(what), "%s dpi=%d mode=%d", all_samples[i], dpi, (int)mode);
            feed_mode = FEED_EACH;
            CU_ASSERT_EQUAL_FATAL(run_sample(all_samples[i], &one, dpi ? NULL : dpi_off), 0);
            uint64_t fed = last_fed;
            feed_mode = mode;
            CU_ASSERT_EQUAL_FATAL(run_sample(all_samples[i], &other, dpi ? NULL : dpi_off), 0);
            feed_mode = FEED_EACH;
            CU_ASSERT_EQUAL(last_rc, 0);
            CU_ASSERT_EQUAL(last_fed, fed);
            CU_ASSERT(one.n > 0);
            assert_same_records(&one, &other, what);
        }
    }
}

static void test_feed_ahead_same_records(void)
{
    test_feed_paths_same_records(FEED_AHEAD);
}

static void test_reader_thread_same_records(void)
{
    test_feed_paths_same_records(FEED_THREAD);
}

/* -c N through the reader thread: exactly the first N frames are fed (the
 * thread reads no further), at every N from 1 to past the end. */
static void test_reader_thread_count(void)
{
    static struct collected one, other;
    uint64_t total = 0;
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL_FATAL(run_sample("lifecycle.pcap", &one, dpi_off), 0);
    total = last_fed;
    CU_ASSERT_FATAL(total > 100);
    for (uint64_t n = 1; n <= total + 1; n++) {
        char what[64];
        snprintf(what, sizeof(what), "lifecycle.pcap -c %llu", (unsigned long long)n);
        max_frames = n;
        feed_mode = FEED_EACH;
        CU_ASSERT_EQUAL_FATAL(run_sample("lifecycle.pcap", &one, dpi_off), 0);
        int rc_each = last_rc;
        feed_mode = FEED_THREAD;
        CU_ASSERT_EQUAL_FATAL(run_sample("lifecycle.pcap", &other, dpi_off), 0);
        CU_ASSERT_EQUAL(last_fed, n <= total ? n : total);
        CU_ASSERT_EQUAL(last_rc, rc_each);
        CU_ASSERT_EQUAL(last_rc, n <= total ? 1 : 0);
        assert_same_records(&one, &other, what);
    }
    max_frames = 0;
    feed_mode = FEED_EACH;
}

/* A seeded analyzer without DPI whose records go through cb into col (emptied
 * first); udp_timeout_ns and max_flows replace the defaults when nonzero. */
static struct analyzer *open_analyzer(struct collected *col, analyzer_conn_cb cb,
                                      uint64_t udp_timeout_ns, size_t max_flows)
{
    memset(col, 0, sizeof(*col));
    struct analyzer_config cfg;
    fixture_config(&cfg, cb, col);
    if (udp_timeout_ns != 0)
        cfg.udp_timeout_ns = udp_timeout_ns;
    if (max_flows != 0)
        cfg.max_flows = max_flows;
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    return an;
}

/* col holds n records so far, the last from orig_port (0: any) with reason. */
static void assert_written(const struct collected *col, size_t n, uint16_t orig_port,
                           enum end_reason reason)
{
    CU_ASSERT_EQUAL_FATAL(col->n, n);
    if (orig_port != 0)
        CU_ASSERT_EQUAL(col->c[n - 1].orig_port, orig_port);
    CU_ASSERT_EQUAL(col->c[n - 1].end_reason, reason);
}

/* One Ethernet/IPv4/UDP datagram 10.99.0.1:sport -> 10.99.0.2:53 at ts. */
static void udp_dgram(struct analyzer *an, uint64_t ts, uint16_t sport)
{
    uint8_t f[14 + 20 + 8 + 4];
    fixture_ip4_frame(f, sizeof(f), 17, fixture_client, sport, fixture_server, 53, 0, 0, 0);
    fixture_feed(an, f, sizeof(f), ts);
}

/* Idle timeouts look at each class's oldest connection only, and a packet
 * skips that pass when no oldest is due yet. With timestamps that go back in
 * time the list is out of time order: when the oldest is touched, its
 * successor may be due long before the deadline computed earlier. Here B
 * (last seen at 5 s) sits behind A (10 s); A's packet at 10.2 s makes B the
 * oldest, due since 6 s: the packet at 10.3 s writes it (timeout), and B's
 * datagram at 10.4 s starts a new connection instead of joining the old. */
static void test_timeout_after_time_goes_back(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, NS_PER_SEC, 0);
    const uint64_t MS = 1000000;
    udp_dgram(an, 10000 * MS, 1000); /* A */
    udp_dgram(an, 5000 * MS, 2000);  /* B, earlier */
    udp_dgram(an, 10200 * MS, 1000); /* A again: B becomes the oldest */
    udp_dgram(an, 10300 * MS, 3000); /* C: B is written before it */
    assert_written(&col, 1, 2000, END_TIMEOUT);
    udp_dgram(an, 10400 * MS, 2000); /* B's 5-tuple again: a new connection */
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    size_t b = 0;
    for (size_t i = 0; i < col.n; i++)
        b += col.c[i].orig_port == 2000;
    CU_ASSERT_EQUAL(b, 2);
    CU_ASSERT_EQUAL(col.n, 4);
}

/* The capture's clock stepping back by more than every idle timeout (300 s,
 * TCP's, here) is a clock step: what was open is written (clock_step), the
 * closed 5-tuples are forgotten, and the clock follows back, so the packets
 * after the step make connections as they would alone. A step of 200 s is
 * reordering: nothing is written. */
static void test_clock_step_back(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    const uint64_t S = NS_PER_SEC;
    /* a TCP connection closed at 900 s, written 5 s later and remembered for
     * its TIME_WAIT (2*MSL, 120 s); UDP A at 1000 s */
    fixture_tcp(an, 900 * S, 40000, 80, true, 0x02, 100, 0);
    fixture_tcp(an, 900 * S + 1, 40000, 80, false, 0x12, 900, 101);
    fixture_tcp(an, 900 * S + 2, 40000, 80, true, 0x10, 101, 901);
    fixture_tcp(an, 900 * S + 3, 40000, 80, true, 0x11, 101, 901);
    fixture_tcp(an, 900 * S + 4, 40000, 80, false, 0x11, 901, 102);
    fixture_tcp(an, 900 * S + 5, 40000, 80, true, 0x10, 102, 902);
    udp_dgram(an, 1000 * S, 1000);
    assert_written(&col, 1, 40000, END_CLOSED);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 1);
    udp_dgram(an, 800 * S, 2000); /* 200 s back: reordering */
    CU_ASSERT_EQUAL(col.n, 1);
    CU_ASSERT_EQUAL(analyzer_stats(an)->clock_steps_back, 0);
    udp_dgram(an, 100 * S, 3000); /* 900 s back: a step */
    CU_ASSERT_EQUAL(analyzer_stats(an)->clock_steps_back, 1);
    CU_ASSERT_EQUAL_FATAL(col.n, 3); /* A and the datagram of 800 s */
    CU_ASSERT_EQUAL(col.c[1].end_reason, END_CLOCK_STEP);
    CU_ASSERT_EQUAL(col.c[2].end_reason, END_CLOCK_STEP);
    CU_ASSERT_EQUAL(analyzer_closed_tuples(an), 0);
    /* after the step: one connection per 5-tuple, the TCP one incarnation 1 */
    udp_dgram(an, 100 * S + 500000000u, 3000);
    udp_dgram(an, 101 * S, 3000);
    fixture_tcp(an, 102 * S, 40000, 80, true, 0x02, 5000, 0);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 5);
    for (size_t i = 3; i < 5; i++) {
        const struct conn *c = &col.c[i];
        CU_ASSERT_EQUAL(c->end_reason, END_END_OF_CAPTURE);
        if (c->proto == IPPROTO_NUM_UDP) {
            CU_ASSERT_EQUAL(c->dir[0].pkts, 3);
        } else {
            CU_ASSERT(c->incarnation == 1 && !(c->flags & CONN_F_REUSE_IN_TIME_WAIT));
        }
    }
    CU_ASSERT_STRING_EQUAL(end_reason_name(END_CLOCK_STEP), "clock_step");
}

/* One of the two fragments of a UDP datagram 10.99.0.1:sport -> 10.99.0.2:53
 * (IP id, 8 bytes of data after the UDP header, then 16 more), at ts. */
static void udp_fragment(struct analyzer *an, uint64_t ts, uint16_t sport, uint16_t id,
                         bool first)
{
    uint8_t f[14 + 20 + 16];
    fixture_ip4_frame(f, sizeof(f), 17, fixture_client, sport, fixture_server, 53, 0, 0, 0);
    uint8_t *ip = f + 14;
    ip[4] = (uint8_t)(id >> 8);
    ip[5] = (uint8_t)id;
    if (first) {
        ip[6] = 0x20; /* MF, offset 0 */
        ip[20 + 5] = 8 + 8 + 16; /* the UDP length covers both fragments */
    } else {
        memset(ip + 20, 0, 16);
        ip[7] = 2; /* offset 16 bytes, no MF */
    }
    fixture_feed(an, f, sizeof(f), ts);
}

/* A clock step back forgets the fragments stamped after it: the second half
 * of a datagram whose first half came 900 s "later" completes nothing (it
 * did, before the step, when the two came in turn). */
static void test_clock_step_back_fragments(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    const uint64_t S = NS_PER_SEC;
    udp_fragment(an, 999 * S, 7000, 76, true);
    udp_fragment(an, 999 * S + 1, 7000, 76, false);
    udp_fragment(an, 1000 * S, 7001, 77, true);
    udp_dgram(an, 100 * S, 3000); /* 900 s back: a step */
    CU_ASSERT_EQUAL(analyzer_stats(an)->clock_steps_back, 1);
    udp_fragment(an, 101 * S, 7001, 77, false);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    bool whole = false, from_future = false;
    for (size_t i = 0; i < col.n; i++) {
        whole = whole || col.c[i].orig_port == 7000;
        from_future = from_future || col.c[i].orig_port == 7001;
    }
    CU_ASSERT_TRUE(whole);
    CU_ASSERT_FALSE(from_future);
}

/* layers.fragments counts every frame that carried a fragment, the one that
 * completed its datagram too; reassembled counts the datagram once. */
static void test_fragment_counts(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    const uint64_t S = NS_PER_SEC;
    udp_fragment(an, 10 * S, 7100, 80, true);
    udp_fragment(an, 10 * S + 1, 7100, 80, false);
    CU_ASSERT_EQUAL(analyzer_stats(an)->fragments, 2);
    CU_ASSERT_EQUAL(analyzer_stats(an)->reassembled, 1);
    CU_ASSERT_EQUAL(analyzer_stats(an)->udp, 1);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
}

/* A datagram that never completes is counted once in frag_timeout, whether a
 * later fragment of its own finds it expired or the clock passes its timeout
 * (30 s) with no fragment of it; those still incomplete at the end of the
 * capture in frag_pending_at_end. */
static void test_fragment_timeouts_counted(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    const uint64_t S = NS_PER_SEC;
    const struct capture_stats *st = analyzer_stats(an);
    udp_fragment(an, 10 * S, 7200, 81, true);
    udp_dgram(an, 20 * S, 3000);
    CU_ASSERT_EQUAL(st->anomalies[ANOM_FRAG_TIMEOUT], 0);
    udp_dgram(an, 42 * S, 3000); /* 32 s after the first fragment: given up */
    CU_ASSERT_EQUAL(st->anomalies[ANOM_FRAG_TIMEOUT], 1);
    udp_fragment(an, 50 * S, 7201, 82, true);
    udp_fragment(an, 90 * S, 7201, 82, false); /* its own late fragment: flagged once,
                                                  then pending on its own */
    CU_ASSERT_EQUAL(st->anomalies[ANOM_FRAG_TIMEOUT], 2);
    udp_fragment(an, 100 * S, 7202, 83, true);
    CU_ASSERT_EQUAL(st->anomalies[ANOM_FRAG_PENDING_AT_END], 0);
    analyzer_flush(an, END_END_OF_CAPTURE);
    CU_ASSERT_EQUAL(st->anomalies[ANOM_FRAG_TIMEOUT], 2);
    CU_ASSERT_EQUAL(st->anomalies[ANOM_FRAG_PENDING_AT_END], 2);
    analyzer_destroy(an);
}

/* The same after an eviction: --max-flows 2 evicts A, the oldest of the
 * oldest, and B (due since 6 s) behind it is then written at the next packet,
 * so its datagram at 10.2 s starts a new connection. */
static void test_timeout_after_eviction_when_time_goes_back(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, NS_PER_SEC, 2);
    const uint64_t MS = 1000000;
    udp_dgram(an, 10000 * MS, 1000); /* A */
    udp_dgram(an, 5000 * MS, 2000);  /* B, earlier */
    udp_dgram(an, 10100 * MS, 3000); /* C: the table is full, A is evicted */
    assert_written(&col, 1, 1000, END_EVICTED);
    udp_dgram(an, 10200 * MS, 2000); /* B written first (timeout), then a new B */
    assert_written(&col, 2, 2000, END_TIMEOUT);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL(col.n, 4);
}

/* Each class's oldest is written at exactly its own deadline (idle time
 * equal to the timeout is enough), and a pass that another class's deadline
 * started neither writes nor forgets a class not yet due. UDP times out
 * after 1 s, TCP after 2 s. UDP A at 0 s and B at 0.2 s, a TCP SYN (T) at
 * 0.5 s; C at 1 s writes A (its deadline); D at exactly 1.2 s writes B (the
 * deadline that pass found); D again at 1.9 s writes nothing; E at 2.4 s
 * writes C (due at 2 s) but not T (due at 2.5 s); E again at 2.5 s writes T.
 * No packet here touches a class's oldest or a class's only connection, so
 * no deadline is learnt outside the passes. (A frame at 0, the epoch itself,
 * is tracked at 1 ns, track_ts in analyzer.c: A's deadline is 1 s + 1 ns.) */
static void test_timeouts_per_class_at_their_deadline(void)
{
    static struct collected col;
    memset(&col, 0, sizeof(col));
    struct analyzer_config cfg;
    fixture_config(&cfg, on_conn, &col);
    cfg.udp_timeout_ns = NS_PER_SEC;
    cfg.tcp_timeout_ns = 2 * NS_PER_SEC;
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    const uint64_t MS = 1000000;
    udp_dgram(an, 0, 1000);                                   /* A */
    udp_dgram(an, 200 * MS, 2000);                            /* B */
    fixture_tcp(an, 500 * MS, 40000, 80, true, 0x02, 100, 0); /* T */
    udp_dgram(an, 1000 * MS, 3000);                           /* C */
    CU_ASSERT_EQUAL(col.n, 0); /* A is due 1 ns later */
    udp_dgram(an, 1000 * MS + 1, 3000);
    assert_written(&col, 1, 1000, END_TIMEOUT);
    udp_dgram(an, 1200 * MS, 4000); /* D */
    assert_written(&col, 2, 2000, END_TIMEOUT);
    udp_dgram(an, 1900 * MS, 4000);
    CU_ASSERT_EQUAL(col.n, 2);
    udp_dgram(an, 2400 * MS, 5000); /* E */
    assert_written(&col, 3, 3000, END_TIMEOUT);
    udp_dgram(an, 2500 * MS, 5000);
    assert_written(&col, 4, 0, END_TIMEOUT);
    CU_ASSERT_EQUAL(col.c[3].proto, 6);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 6);
    CU_ASSERT_EQUAL(col.c[4].end_reason, END_END_OF_CAPTURE);
    CU_ASSERT_EQUAL(col.c[5].end_reason, END_END_OF_CAPTURE);
    CU_ASSERT_EQUAL(col.c[4].orig_port + col.c[5].orig_port, 4000 + 5000);
}

/* At the end, open connections are written oldest first, and those that
 * began at the same time in the order of their uid source (a total order:
 * the same records in the same order whatever order the table holds them
 * in). Eight datagrams at 1 s, one at 0.5 s and one at 2 s. */
static void test_flush_order_first_ts_then_id(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    const uint64_t MS = 1000000;
    udp_dgram(an, 2000 * MS, 999);
    for (uint16_t p = 1000; p < 1008; p++)
        udp_dgram(an, 1000 * MS, p);
    udp_dgram(an, 500 * MS, 998);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 10);
    CU_ASSERT_EQUAL(col.c[0].orig_port, 998);
    CU_ASSERT_EQUAL(col.c[9].orig_port, 999);
    for (size_t i = 1; i + 1 < col.n; i++) {
        CU_ASSERT_EQUAL(col.c[i].first_ts, 1000 * MS);
        if (i > 1)
            CU_ASSERT(col.c[i - 1].id < col.c[i].id);
    }
}

/* One TCP segment without payload between 10.99.0.1:cport (the client) and
 * 10.99.0.2:80, at ts. */
static void tcp_seg(struct analyzer *an, uint64_t ts, uint16_t cport, bool from_client,
                    uint8_t flags, uint32_t seq, uint32_t ack)
{
    fixture_tcp(an, ts, cport, 80, from_client, flags, seq, ack);
}

/* A whole TCP connection from t (ms apart): handshake, then both close. */
static void tcp_conn(struct analyzer *an, uint64_t t, uint16_t cport, uint32_t cisn)
{
    const uint64_t MS = 1000000;
    const uint32_t sisn = 7000;
    tcp_seg(an, t, cport, true, 0x02, cisn, 0);
    tcp_seg(an, t + MS, cport, false, 0x12, sisn, cisn + 1);
    tcp_seg(an, t + 2 * MS, cport, true, 0x10, cisn + 1, sisn + 1);
    tcp_seg(an, t + 3 * MS, cport, true, 0x11, cisn + 1, sisn + 1);
    tcp_seg(an, t + 4 * MS, cport, false, 0x11, sisn + 1, cisn + 2);
    tcp_seg(an, t + 5 * MS, cport, true, 0x10, cisn + 2, sisn + 2);
}

/* An analyzer whose closed connections are written 1 ms after they close
 * (their 5-tuples then remembered for 2*MSL, 120 s) and whose cap on
 * connections, and on remembered 5-tuples, is max_flows (0: none). */
static struct analyzer *open_closing_analyzer(struct collected *col, size_t max_flows)
{
    memset(col, 0, sizeof(*col));
    struct analyzer_config cfg;
    fixture_config(&cfg, on_conn, col);
    cfg.close_delay_ns = 1000000;
    cfg.max_flows = max_flows;
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    return an;
}

/* The first 5-tuple remembered is forgotten once its 2*MSL ran out, like any
 * other: A closes at 1 s and is written at 2 s (UDP U1 created then: two
 * tracked); at 200 s, A's 5-tuple long expired, U2 and U3 make two tracked
 * again, not three. */
static void test_first_closed_tuple_expires(void)
{
    static struct collected col;
    struct analyzer *an = open_closing_analyzer(&col, 0);
    const uint64_t MS = 1000000;
    tcp_conn(an, 1000 * MS, 1000, 100); /* A */
    udp_dgram(an, 2000 * MS, 5000);     /* U1 */
    CU_ASSERT_EQUAL(analyzer_stats(an)->peak_tracked, 2);
    udp_dgram(an, 200000 * MS, 5001); /* U2 */
    udp_dgram(an, 200100 * MS, 5002); /* U3 */
    CU_ASSERT_EQUAL(analyzer_stats(an)->peak_tracked, 2);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
}

/* The handshake of a connection at the epoch itself (a capture taken without
 * a clock starts at 0): its SYN at time 0 is seen, as it would be at any
 * other time (the tracker's handshake times use 0 for "not seen"), fed frame
 * by frame and ahead. */
static void test_handshake_at_epoch_zero(void)
{
    static struct collected col;
    const uint64_t MS = 1000000;
    for (int ahead = 0; ahead < 2; ahead++) {
        struct analyzer *an = open_closing_analyzer(&col, 0);
        const uint32_t cisn = 100, sisn = 7000;
        const struct {
            uint64_t ts;
            bool from_client;
            uint8_t flags;
            uint32_t seq, ack;
        } segs[] = {
            {0, true, 0x02, cisn, 0},
            {MS, false, 0x12, sisn, cisn + 1},
            {2 * MS, true, 0x10, cisn + 1, sisn + 1},
        };
        for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
            uint8_t f[54];
            if (segs[i].from_client)
                fixture_ip4_frame(f, sizeof(f), 6, fixture_client, 1000, fixture_server, 80,
                                  segs[i].flags, segs[i].seq, segs[i].ack);
            else
                fixture_ip4_frame(f, sizeof(f), 6, fixture_server, 80, fixture_client, 1000,
                                  segs[i].flags, segs[i].seq, segs[i].ack);
            struct capture_frame fr = {.data = f, .cap_len = sizeof(f), .wire_len = sizeof(f),
                                       .linktype = 1, .ts_ns = segs[i].ts};
            if (ahead)
                analyzer_feed_ahead(an, &fr);
            else
                analyzer_feed(an, &fr);
        }
        analyzer_flush(an, END_END_OF_CAPTURE);
        CU_ASSERT_EQUAL_FATAL(col.n, 1);
        const struct conn *c = &col.c[0];
        CU_ASSERT_TRUE(c->handshake_validated);
        CU_ASSERT_NOT_EQUAL(c->syn_ts, 0); /* seen: the RTTs are written */
        CU_ASSERT(c->synack_ts - c->syn_ts + 1 >= MS && c->synack_ts - c->syn_ts <= MS);
        CU_ASSERT(timefmt_round_us(c->first_ts) == 0); /* written as 0.0 */
        analyzer_destroy(an);
    }
}

/* The records of client port cport, in the order written. */
static size_t records_of(const struct collected *col, uint16_t cport, const struct conn **out,
                         size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < col->n; i++)
        if (col->c[i].orig_port == cport && n < max)
            out[n++] = &col->c[i];
    return n;
}

/* A SYN-ACK starts a new incarnation of a half connection, one whose
 * originator sent nothing (only the server's side captured), when it carries
 * a new ISN (Zeek's TCPSessionAdapter::IsReuse); the same ISN again, a
 * SYN-ACK the capture reordered behind the server's first bytes, or one on a
 * connection whose client was heard, splits nothing. A remembered closed half
 * connection likewise. */
static void test_synack_reuse_half_connection(void)
{
    static struct collected col;
    struct analyzer *an = open_closing_analyzer(&col, 0);
    const uint64_t MS = 1000000;
    /* open half connections */
    tcp_seg(an, 1000 * MS, 1000, false, 0x12, 5000, 101);
    tcp_seg(an, 1001 * MS, 1000, false, 0x10, 5001, 101);
    tcp_seg(an, 2000 * MS, 1000, false, 0x12, 9000, 701); /* new ISN: reuse */
    tcp_seg(an, 1000 * MS + 1, 1001, false, 0x12, 5000, 101);
    tcp_seg(an, 1500 * MS, 1001, false, 0x12, 5000, 101); /* the same again */
    tcp_seg(an, 1000 * MS + 2, 1002, true, 0x02, 100, 0);
    tcp_seg(an, 1001 * MS + 2, 1002, false, 0x12, 5000, 101);
    tcp_seg(an, 2000 * MS + 2, 1002, false, 0x12, 9000, 101); /* the client was heard */
    tcp_seg(an, 1000 * MS + 6, 1006, false, 0x12, 5000, 101);
    tcp_seg(an, 1001 * MS + 6, 1006, true, 0x12, 100, 5001); /* the client's own SYN-ACK */
    tcp_seg(an, 1000 * MS + 3, 1003, false, 0x10, 6001, 101); /* picked up mid-stream */
    tcp_seg(an, 1001 * MS + 3, 1003, false, 0x12, 6000, 101); /* its SYN-ACK, reordered */
    tcp_seg(an, 2000 * MS + 3, 1003, false, 0x12, 8000, 101); /* a new ISN */
    /* closed half connections (a RST; written 1 ms later, 5-tuples remembered) */
    tcp_seg(an, 1000 * MS + 4, 1004, false, 0x12, 5000, 101);
    tcp_seg(an, 1001 * MS + 4, 1004, false, 0x04, 5001, 0);
    tcp_seg(an, 1000 * MS + 5, 1005, false, 0x12, 5000, 101);
    tcp_seg(an, 1001 * MS + 5, 1005, false, 0x04, 5001, 0);
    tcp_seg(an, 1000 * MS + 7, 1007, false, 0x12, 5000, 101);
    tcp_seg(an, 1001 * MS + 7, 1007, false, 0x04, 5001, 0);
    tcp_seg(an, 2000 * MS + 7, 1007, true, 0x10, 101, 5001); /* the client, late: heard */
    tcp_seg(an, 1000 * MS + 8, 1008, false, 0x12, 5000, 101);
    tcp_seg(an, 1001 * MS + 8, 1008, false, 0x11, 5001, 101); /* its FIN: a side closed */
    tcp_seg(an, 1002 * MS + 8, 1008, false, 0x12, 5000, 101); /* the same SYN-ACK again */
    tcp_seg(an, 1000 * MS + 9, 1009, false, 0x12, 5000, 101);
    tcp_seg(an, 1001 * MS + 9, 1009, false, 0x04, 5001, 0);
    tcp_seg(an, 3000 * MS + 4, 1004, false, 0x12, 9000, 701); /* new ISN: reuse */
    tcp_seg(an, 3000 * MS + 5, 1005, false, 0x12, 5000, 101); /* the same: late */
    tcp_seg(an, 3000 * MS + 7, 1007, false, 0x12, 9000, 701); /* no half connection now */
    tcp_seg(an, 3000 * MS + 9, 1009, true, 0x12, 100, 5001); /* the client's: late */
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);

    const struct conn *r[4];
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1000, r, 4), 2);
    CU_ASSERT(r[0]->incarnation == 1 && r[0]->end_reason == END_REUSE && r[0]->dir[1].pkts == 2);
    CU_ASSERT(r[1]->incarnation == 2 && r[1]->dir[1].pkts == 1 && r[1]->dir[1].isn == 9000);
    CU_ASSERT_EQUAL(r[1]->prev_close_gap_ns, 0); /* the first never closed */
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1001, r, 4), 1);
    CU_ASSERT_EQUAL(r[0]->dir[1].pkts, 2);
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1002, r, 4), 1);
    CU_ASSERT_EQUAL(r[0]->dir[1].pkts, 2);
    CU_ASSERT_EQUAL(records_of(&col, 1006, r, 4), 1);
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1003, r, 4), 2);
    CU_ASSERT(r[0]->incarnation == 1 && r[0]->dir[1].pkts == 2 && r[0]->end_reason == END_REUSE);
    CU_ASSERT(r[1]->incarnation == 2 && r[1]->dir[1].isn == 8000);
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1004, r, 4), 2);
    CU_ASSERT(r[0]->incarnation == 1 && r[0]->end_reason == END_CLOSED);
    CU_ASSERT(r[1]->incarnation == 2 && !(r[1]->flags & CONN_F_AFTER_CLOSE));
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1005, r, 4), 2);
    CU_ASSERT(r[1]->incarnation == 1 && (r[1]->flags & CONN_F_AFTER_CLOSE));
    CU_ASSERT_EQUAL(records_of(&col, 1008, r, 4), 1);
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1009, r, 4), 2);
    CU_ASSERT(r[1]->incarnation == 1 && (r[1]->flags & CONN_F_AFTER_CLOSE));
    CU_ASSERT_EQUAL_FATAL(records_of(&col, 1007, r, 4), 3);
    CU_ASSERT(r[1]->incarnation == 1 && (r[1]->flags & CONN_F_AFTER_CLOSE) && r[1]->dir[0].pkts == 1);
    CU_ASSERT(r[2]->incarnation == 1 && (r[2]->flags & CONN_F_AFTER_CLOSE) && r[2]->dir[1].pkts == 1);
}

/* Zeek's missed bytes per direction: after the handshake the server
 * acknowledges 100 bytes of the client's the capture never had, the client
 * 50 of the server's; then the other way round in a second connection whose
 * roles Zeek flips (its first packet is the SYN-ACK): each side's share
 * follows its data. */
static void test_missed_bytes_per_direction(void)
{
    static struct collected col;
    struct analyzer *an = open_closing_analyzer(&col, 0);
    const uint64_t MS = 1000000;
    const uint32_t ci = 100, si = 7000;
    tcp_seg(an, 1 * MS, 1000, true, 0x02, ci, 0);
    tcp_seg(an, 2 * MS, 1000, false, 0x12, si, ci + 1);
    tcp_seg(an, 3 * MS, 1000, true, 0x10, ci + 1, si + 1);
    tcp_seg(an, 4 * MS, 1000, false, 0x10, si + 1, ci + 101); /* past 100 of the client's */
    tcp_seg(an, 5 * MS, 1000, true, 0x10, ci + 101, si + 51); /* past 50 of the server's */
    /* picked up at its SYN-ACK: Zeek flips the roles at creation */
    tcp_seg(an, 6 * MS, 1001, false, 0x12, si, ci + 1);
    tcp_seg(an, 7 * MS, 1001, true, 0x10, ci + 1, si + 31); /* past 30 of the server's */
    analyzer_flush(an, END_END_OF_CAPTURE);
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    for (size_t i = 0; i < col.n; i++) {
        const struct conn *c = &col.c[i];
        CU_ASSERT_EQUAL(c->tcp_counts[0].missed_bytes + c->tcp_counts[1].missed_bytes,
                        zeek_conn_missed_bytes(&c->zeek));
        if (c->orig_port == 1000) { /* the client originates */
            CU_ASSERT_EQUAL(c->tcp_counts[0].missed_bytes, 100);
            CU_ASSERT_EQUAL(c->tcp_counts[1].missed_bytes, 50);
        } else {
            CU_ASSERT_EQUAL(c->orig_port, 1001); /* flipped: the client originates */
            CU_ASSERT_EQUAL(c->tcp_counts[0].missed_bytes, 0);
            CU_ASSERT_EQUAL(c->tcp_counts[1].missed_bytes, 30);
        }
    }
    analyzer_destroy(an);
}

/* Remembered 5-tuples beyond the cap (--max-flows) are forgotten as the
 * third is added, oldest first: with a cap of 2, A, B and C close and are
 * written in turn; A's 5-tuple is then forgotten, so a new SYN on it starts
 * a first incarnation, not A's second. */
static void test_closed_tuples_over_the_cap_forgotten(void)
{
    static struct collected col;
    struct analyzer *an = open_closing_analyzer(&col, 2);
    const uint64_t MS = 1000000;
    tcp_conn(an, 1000 * MS, 1000, 100); /* A */
    tcp_conn(an, 2000 * MS, 1001, 200); /* B: its SYN writes A */
    tcp_conn(an, 3000 * MS, 1002, 300); /* C: its SYN writes B */
    udp_dgram(an, 4000 * MS, 5000);     /* writes C: three remembered, the cap 2 */
    tcp_seg(an, 5000 * MS, 1000, true, 0x02, 900, 0); /* a new SYN on A's 5-tuple */
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_PTR_NOT_NULL(find(&col, 80, 1000, 1)); /* A */
    const struct conn *again = NULL;
    for (size_t i = 0; i < col.n; i++)
        if (col.c[i].orig_port == 1000 && col.c[i].first_ts == 5000 * MS)
            again = &col.c[i];
    CU_ASSERT_PTR_NOT_NULL_FATAL(again);
    CU_ASSERT_EQUAL(again->incarnation, 1);
    CU_ASSERT_EQUAL(again->prev_close_gap_ns, 0);
}

/* Which socket sent a packet follows the roles through every flip (the
 * connection keeps whether its originator sorts first in the flow key):
 * Zeek's flip at creation (first packet from port 80, no SYN), its flip after
 * a SYN-ACK seen first, and a connection to itself, whose packets all come
 * from its one endpoint (also across the SYN-ACK flip, which swaps the
 * directions' counts once). */
static void seg_between(struct analyzer *an, uint64_t ts, const uint8_t src[4], uint16_t sport,
                        const uint8_t dst[4], uint16_t dport, uint8_t flags, uint32_t seq,
                        uint32_t ack)
{
    uint8_t f[54];
    fixture_ip4_frame(f, sizeof(f), 6, src, sport, dst, dport, flags, seq, ack);
    fixture_feed(an, f, sizeof(f), ts);
}

static void test_sender_side_through_flips(void)
{
    static struct collected col;
    const uint64_t MS = 1000000;
    const uint8_t *cl = fixture_client, *sv = fixture_server;
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    /* flip at creation: the server's ACK first */
    seg_between(an, 1 * MS, sv, 80, cl, 40000, 0x10, 900, 100);
    seg_between(an, 2 * MS, cl, 40000, sv, 80, 0x10, 100, 900);
    seg_between(an, 3 * MS, sv, 80, cl, 40000, 0x10, 900, 100);
    /* flip after the SYN-ACK: server, client, server, client */
    seg_between(an, 4 * MS, sv, 4001, cl, 40001, 0x12, 700, 301);
    seg_between(an, 5 * MS, cl, 40001, sv, 4001, 0x10, 301, 701);
    seg_between(an, 6 * MS, sv, 4001, cl, 40001, 0x10, 701, 301);
    seg_between(an, 7 * MS, cl, 40001, sv, 4001, 0x10, 301, 701);
    /* to itself, SYN-ACK first */
    seg_between(an, 8 * MS, cl, 5000, cl, 5000, 0x12, 500, 400);
    seg_between(an, 9 * MS, cl, 5000, cl, 5000, 0x10, 501, 501);
    seg_between(an, 10 * MS, cl, 5000, cl, 5000, 0x10, 501, 501);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 3);
    const struct conn *a = find(&col, 80, 40000, 1), *b = find(&col, 4001, 40001, 1),
                      *self = find(&col, 5000, 5000, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(self);
    CU_ASSERT_EQUAL(a->orientation, ORIENT_SERVER_PORT);
    CU_ASSERT_EQUAL(a->dir[0].pkts, 1); /* the client */
    CU_ASSERT_EQUAL(a->dir[1].pkts, 2);
    CU_ASSERT_EQUAL(a->dir[0].last_ts, 2 * MS);
    CU_ASSERT_EQUAL(b->orientation, ORIENT_SYN_ACK);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&b->zeek), "^hAa");
    CU_ASSERT(self->flags & CONN_F_FLIPPED);
    CU_ASSERT_EQUAL(b->dir[0].pkts, 2); /* the client, after the flip as before */
    CU_ASSERT_EQUAL(b->dir[1].pkts, 2);
    CU_ASSERT_EQUAL(b->dir[0].last_ts, 7 * MS);
    CU_ASSERT_EQUAL(b->dir[1].last_ts, 6 * MS);
    CU_ASSERT_EQUAL(self->dir[0].pkts, 1); /* the one after the flip */
    CU_ASSERT_EQUAL(self->dir[1].pkts, 2); /* the two before it, swapped */
}

/* Zeek never makes a broadcast address the originator: a datagram from a
 * likely server port (53) to 255.255.255.255 keeps its sender as the
 * originator, where one to a unicast address is flipped (the responder is the
 * server). */
static void test_no_flip_towards_broadcast(void)
{
    static struct collected col;
    static const uint8_t bcast[4] = {255, 255, 255, 255};
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    uint8_t f[14 + 20 + 8 + 4];
    fixture_ip4_frame(f, sizeof(f), 17, fixture_server, 53, bcast, 40000, 0, 0, 0);
    fixture_feed(an, f, sizeof(f), 1000000);
    fixture_ip4_frame(f, sizeof(f), 17, fixture_server, 53, fixture_client, 40001, 0, 0, 0);
    fixture_feed(an, f, sizeof(f), 2000000);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    const struct conn *b = find(&col, 40000, 53, 1), *u = find(&col, 53, 40001, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_EQUAL(b->orientation, ORIENT_FIRST_PACKET);
    CU_ASSERT_EQUAL(memcmp(b->resp_addr.b, bcast, 4), 0);
    CU_ASSERT_EQUAL(b->dir[0].pkts, 1);
    CU_ASSERT_EQUAL(u->orientation, ORIENT_SERVER_PORT);
    CU_ASSERT_EQUAL(memcmp(u->orig_addr.b, fixture_client, 4), 0);
    CU_ASSERT_EQUAL(u->dir[1].pkts, 1);
}

/* Late packets of a closed connection whose record was written: a new record
 * takes the closed connection's roles (continue_closed), whoever sends first;
 * here the server (port 4001, not a likely server port, so no flip at
 * creation), then the client, each counted on its own side. */
static void test_after_close_roles(void)
{
    static struct collected col;
    const uint64_t MS = 1000000;
    const uint8_t *cl = fixture_client, *sv = fixture_server;
    memset(&col, 0, sizeof(col));
    struct analyzer_config cfg;
    fixture_config(&cfg, on_conn, &col);
    cfg.close_delay_ns = 0;
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    seg_between(an, 1 * MS, cl, 40000, sv, 4001, 0x02, 100, 0);
    seg_between(an, 2 * MS, sv, 4001, cl, 40000, 0x12, 900, 101);
    seg_between(an, 3 * MS, cl, 40000, sv, 4001, 0x10, 101, 901);
    seg_between(an, 4 * MS, cl, 40000, sv, 4001, 0x11, 101, 901);
    seg_between(an, 5 * MS, sv, 4001, cl, 40000, 0x11, 901, 102);
    seg_between(an, 6 * MS, cl, 40000, sv, 4001, 0x10, 102, 902);
    seg_between(an, 7 * MS, sv, 4001, cl, 40000, 0x10, 902, 102); /* late */
    seg_between(an, 8 * MS, cl, 40000, sv, 4001, 0x10, 102, 902);
    seg_between(an, 9 * MS, cl, 40000, sv, 4001, 0x10, 102, 902);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    /* the closed connection, then each late packet a record of its own (a
     * close delay of 0: the after_close connection is closed too) */
    CU_ASSERT_EQUAL_FATAL(col.n, 4);
    for (size_t k = 1; k < 4; k++) {
        const struct conn *late = &col.c[k];
        CU_ASSERT(late->flags & CONN_F_AFTER_CLOSE);
        CU_ASSERT_EQUAL(late->orig_port, 40000);
        CU_ASSERT_EQUAL(late->dir[0].pkts, k == 1 ? 0 : 1); /* the server's, then the client's */
        CU_ASSERT_EQUAL(late->dir[1].pkts, k == 1 ? 1 : 0);
    }
}

/* The same when a reuse removes the oldest closed connection: X closed at
 * 100 s waits out its close delay ahead of Y, which closed at 50 s (time went
 * back); with Z open (so that X's new incarnation is not the oldest of its
 * class), X's reuse at 100.5 s makes Y the oldest, due since 55 s, so the next
 * packet writes Y as closed (and Y's own SYN then starts incarnation 2 from
 * the remembered 5-tuple, not as a reuse of an open entry). */
static void test_close_delay_after_reuse_when_time_goes_back(void)
{
    static struct collected col;
    struct analyzer *an = open_analyzer(&col, on_conn, 0, 0);
    const uint64_t MS = 1000000;
    tcp_conn(an, 100000 * MS, 1000, 100); /* X */
    tcp_conn(an, 50000 * MS, 2000, 200);  /* Y, earlier */
    tcp_seg(an, 100200 * MS, 3000, true, 0x02, 300, 0); /* Z, open: X's reuse joins it */
    CU_ASSERT_EQUAL_FATAL(col.n, 0);
    tcp_seg(an, 100500 * MS, 1000, true, 0x02, 5000, 0); /* X reused */
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    CU_ASSERT_EQUAL(col.c[0].end_reason, END_REUSE);
    tcp_seg(an, 100600 * MS, 2000, true, 0x02, 6000, 0); /* Y written first */
    CU_ASSERT_EQUAL_FATAL(col.n, 2);
    CU_ASSERT_EQUAL(col.c[1].orig_port, 2000);
    CU_ASSERT_EQUAL(col.c[1].end_reason, END_CLOSED);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL(col.n, 5);
}

/* Writes copies of sample name one after another into out, each copy's times
 * shifted 1000 s further (so its connections are new incarnations). Returns
 * the frames written, 0 on failure. */
static uint64_t write_repeated(const char *name, int copies, const char *out)
{
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char in[1024], ebuf[PCAP_ERRBUF_SIZE];
    snprintf(in, sizeof(in), "%s/samples/%s", src ? src : ".", name);
    uint64_t n = 0;
    pcap_dumper_t *d = NULL;
    for (int k = 0; k < copies; k++) {
        pcap_t *p = pcap_open_offline(in, ebuf);
        if (p == NULL)
            break;
        if (d == NULL && (d = pcap_dump_open(p, out)) == NULL) {
            pcap_close(p);
            break;
        }
        struct pcap_pkthdr *h;
        const u_char *data;
        while (pcap_next_ex(p, &h, &data) == 1) {
            struct pcap_pkthdr h2 = *h;
            h2.ts.tv_sec += 1000 * k;
            pcap_dump((u_char *)d, &h2, data);
            n++;
        }
        pcap_close(p);
    }
    if (d != NULL)
        pcap_dump_close(d);
    return d != NULL ? n : 0;
}

/* Creates an empty file from the mkstemp template tmpl (its name left in tmpl). */
static void make_temp_file(char *tmpl)
{
    int fd = mkstemp(tmpl);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
}

/* lifecycle.pcap 40 times over into a new file named from tmpl (more than four
 * times the reader's ring), and its records fed frame by frame into *one.
 * Returns the number of frames. */
static uint64_t repeated_lifecycle(char *tmpl, struct collected *one)
{
    make_temp_file(tmpl);
    uint64_t frames = write_repeated("lifecycle.pcap", 40, tmpl);
    CU_ASSERT_FATAL(frames > 4000);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL_FATAL(run_sample(tmpl, one, dpi_off), 0);
    CU_ASSERT_EQUAL(last_fed, frames);
    return frames;
}

/* Statistics counted on the reader thread carry on from what the analyzer
 * counted before: lifecycle.pcap fed frame by frame, then mixed-link.pcapng
 * (fragments the tracker dissects and counts itself, link types after
 * lifecycle's Ethernet) on the reader thread, give the statistics of both fed
 * frame by frame: frames, bytes, first and last times, link types in order of
 * first appearance, packet counts added. */
static void feed_file(struct analyzer *an, const char *name, bool threaded)
{
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/samples/%s", src ? src : ".", name);
    struct ss_err err;
    struct capture *cap = NULL;
    CU_ASSERT_EQUAL_FATAL(capture_open_file(&cap, path, NULL, &err), 0);
    uint64_t fed = 0;
    struct capture_frame f;
    if (threaded)
        CU_ASSERT_EQUAL(reader_thread_run(an, cap, 0, &fed, &err), 0);
    while (!threaded && capture_next(cap, &f, &err) == 1)
        analyzer_feed(an, &f);
    capture_close(cap);
}

static void test_reader_thread_stats_carry_on(void)
{
    static struct collected one, other;
    for (int threaded = 0; threaded < 2; threaded++) {
        struct collected *col = threaded ? &other : &one;
        struct analyzer *an = open_analyzer(col, on_conn, 0, 0);
        feed_file(an, "lifecycle.pcap", false);
        feed_file(an, "mixed-link.pcapng", threaded);
        analyzer_flush(an, END_END_OF_CAPTURE);
        col->stats = *analyzer_stats(an);
        analyzer_destroy(an);
    }
    CU_ASSERT(one.stats.n_linktypes > 2);
    CU_ASSERT_EQUAL(one.stats.linktypes[0].linktype, LINKTYPE_ETHERNET);
    CU_ASSERT(one.stats.fragments > 0);
    CU_ASSERT(one.stats.tcp > 0 && one.stats.udp > 0);
    assert_same_records(&one, &other, "lifecycle.pcap, then mixed-link.pcapng");
}

/* Four times the ring: the reader wraps around it and waits for room, and
 * the records still match frame-by-frame feeding. */
static void test_reader_thread_wraps_ring(void)
{
    static struct collected one, other;
    char out[] = "/tmp/sockscope-test-rep-XXXXXX";
    uint64_t frames = repeated_lifecycle(out, &one);
    CU_ASSERT(one.n > 40 && one.n < MAX_CONNS);
    feed_mode = FEED_THREAD;
    CU_ASSERT_EQUAL(run_sample(out, &other, dpi_off), 0);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL(last_rc, 0);
    CU_ASSERT_EQUAL(last_fed, frames);
    assert_same_records(&one, &other, "lifecycle.pcap x40");
    remove(out);
}

/* The reader thread's waits, both ways: a slow sink (each record takes 200 us)
 * fills the ring, so the reader sleeps until half of it is free; a capture
 * trickling through a pipe (4 KiB a millisecond) empties it, so the tracker
 * sleeps until frames come. Same records as frame-by-frame feeding. */
static void slow_on_conn(void *user, const struct conn *c)
{
    on_conn(user, c);
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
}

struct trickle {
    int fd;
    const unsigned char *data;
    size_t len;
};

static void *trickle_main(void *arg)
{
    struct trickle *t = arg;
    for (size_t off = 0; off < t->len; off += 4096) {
        size_t n = t->len - off < 4096 ? t->len - off : 4096;
        if (write(t->fd, t->data + off, n) != (ssize_t)n)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    close(t->fd);
    return NULL;
}

/* Feeds cap to an on the reader thread (every one of its frames), closes
 * both, and compares what came out with one. */
static void thread_run_and_compare(struct analyzer *an, struct capture *cap, uint64_t frames,
                                   struct collected *one, struct collected *other,
                                   const char *what)
{
    struct ss_err err;
    uint64_t fed = 0;
    CU_ASSERT_EQUAL(reader_thread_run(an, cap, 0, &fed, &err), 0);
    CU_ASSERT_EQUAL(fed, frames);
    capture_close(cap);
    analyzer_flush(an, END_END_OF_CAPTURE);
    other->stats = *analyzer_stats(an);
    analyzer_destroy(an);
    assert_same_records(one, other, what);
}

static void test_reader_thread_waits(void)
{
    static struct collected one, other;
    char out[] = "/tmp/sockscope-test-slow-XXXXXX";
    uint64_t frames = repeated_lifecycle(out, &one);

    /* slow sink */
    struct ss_err err;
    struct capture *cap = NULL;
    struct analyzer *an = open_analyzer(&other, slow_on_conn, 0, 0);
    CU_ASSERT_EQUAL_FATAL(capture_open_file(&cap, out, NULL, &err), 0);
    thread_run_and_compare(an, cap, frames, &one, &other, "slow sink");

    /* trickling pipe */
    FILE *fi = fopen(out, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fi);
    static unsigned char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), fi);
    fclose(fi);
    CU_ASSERT_FATAL(len > 0 && len < sizeof(buf));
    int pfd[2];
    CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
    struct trickle t = {pfd[1], buf, len};
    pthread_t writer;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&writer, NULL, trickle_main, &t), 0);
    FILE *fp = fdopen(pfd[0], "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    an = open_analyzer(&other, on_conn, 0, 0);
    CU_ASSERT_EQUAL_FATAL(capture_open_stream(&cap, fp, "pipe", NULL, &err), 0);
    thread_run_and_compare(an, cap, frames, &one, &other, "trickling pipe");
    fclose(fp);
    pthread_join(writer, NULL);
    remove(out);
}

/* Jumbo frames (loopback captures carry 64 KiB ones): 600 frames alternating
 * 65,000 and 60 bytes, so the reader waits on the ring's byte budget long
 * before it runs out of slots, and slot buffers are resized frame by frame.
 * Same records as frame-by-frame feeding. */
static void test_reader_thread_jumbo_frames(void)
{
    static struct collected one, other;
    char out[] = "/tmp/sockscope-test-jumbo-XXXXXX";
    make_temp_file(out);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dead);
    pcap_dumper_t *d = pcap_dump_open(dead, out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    static uint8_t f[65000];
    for (unsigned i = 0; i < 600; i++) {
        uint32_t len = i % 2 == 0 ? sizeof(f) : 60;
        fixture_ip4_frame(f, len, 17, fixture_client, (uint16_t)(5000 + i % 10), fixture_server,
                          8080, 0, 0, 0);
        struct pcap_pkthdr h = {.caplen = len, .len = len};
        h.ts.tv_sec = 1000 + i / 100;
        h.ts.tv_usec = (int)(i % 100) * 1000;
        pcap_dump((u_char *)d, &h, f);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL(run_sample(out, &one, dpi_off), 0);
    CU_ASSERT_EQUAL(last_fed, 600);
    CU_ASSERT_EQUAL(one.n, 10);
    feed_mode = FEED_THREAD;
    CU_ASSERT_EQUAL(run_sample(out, &other, dpi_off), 0);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL(last_rc, 0);
    CU_ASSERT_EQUAL(last_fed, 600);
    assert_same_records(&one, &other, "jumbo frames");
    remove(out);
}

/* What the reader thread hands over for a plain TCP or UDP packet (its brief)
 * carries every field the tracker reads: lifecycle.pcap rewritten with some
 * frames' IPv4 or TCP checksums broken and some frames cut inside the TCP
 * header's options gives the same records through the reader thread as frame
 * by frame, with checksums verified, and both kinds of damage show in them. */
static void verify_checksums_dpi_off(struct analyzer_config *cfg)
{
    cfg->dpi = false;
    cfg->verify_checksums = true;
}

static void test_reader_thread_damaged_frames(void)
{
    static struct collected one, other;
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char in[1024], out[] = "/tmp/sockscope-test-damaged-XXXXXX", ebuf[PCAP_ERRBUF_SIZE];
    snprintf(in, sizeof(in), "%s/samples/lifecycle.pcap", src ? src : ".");
    make_temp_file(out);
    pcap_t *p = pcap_open_offline(in, ebuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    pcap_dumper_t *d = pcap_dump_open(p, out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct pcap_pkthdr *h;
    const u_char *data;
    static u_char f[65536];
    unsigned i = 0, syn_cut = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        struct pcap_pkthdr h2 = *h;
        memcpy(f, data, h->caplen);
        /* Ethernet, IPv4 with a 20-byte header, then TCP (lifecycle.pcap's frames) */
        bool tcp = h->caplen >= 54 && f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45 && f[23] == 6;
        if (tcp && (f[47] & 0x02) != 0 && (f[46] >> 4) > 5 && syn_cut++ % 2 == 0)
            h2.caplen = 56; /* two bytes into the SYN's options */
        else if (tcp && i % 7 == 3)
            f[24] ^= 0x5a; /* IPv4 header checksum */
        else if (tcp && i % 7 == 5)
            f[50] ^= 0xa5; /* TCP checksum */
        pcap_dump((u_char *)d, &h2, f);
        i++;
    }
    pcap_dump_close(d);
    pcap_close(p);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL_FATAL(run_sample(out, &one, verify_checksums_dpi_off), 0);
    CU_ASSERT_EQUAL(last_fed, i);
    feed_mode = FEED_THREAD;
    CU_ASSERT_EQUAL_FATAL(run_sample(out, &other, verify_checksums_dpi_off), 0);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL(last_fed, i);
    assert_same_records(&one, &other, "lifecycle.pcap damaged");
    uint32_t seen = 0;
    bool tcp_letter = false;
    for (size_t k = 0; k < one.n; k++) {
        seen |= one.c[k].flags;
        tcp_letter = tcp_letter || strchr(zeek_conn_history(&one.c[k].zeek), 'C') != NULL;
    }
    CU_ASSERT(seen & CONN_F_HEADERS_TRUNCATED);
    CU_ASSERT(seen & CONN_F_BAD_CHECKSUM);
    CU_ASSERT(tcp_letter);
    CU_ASSERT(one.stats.anomalies[ANOM_IPV4_BAD_CHECKSUM] > 0);
    remove(out);
}

/* A file cut inside a record: the reader thread reports the read error, after
 * feeding every whole frame before it, as the one-thread path does. */
static void test_reader_thread_read_error(void)
{
    static struct collected one, other;
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char in[1024], out[] = "/tmp/sockscope-test-cut-XXXXXX";
    snprintf(in, sizeof(in), "%s/samples/lifecycle.pcap", src ? src : ".");
    FILE *fi = fopen(in, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fi);
    static unsigned char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), fi);
    fclose(fi);
    CU_ASSERT_FATAL(len > 200 && len < sizeof(buf));
    int fd = mkstemp(out);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *fo = fdopen(fd, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fo);
    CU_ASSERT_EQUAL(fwrite(buf, 1, len * 2 / 3, fo), len * 2 / 3); /* cut mid-record */
    fclose(fo);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL(run_sample(out, &one, dpi_off), 0);
    CU_ASSERT_EQUAL(last_rc, -1);
    uint64_t fed = last_fed;
    CU_ASSERT(fed > 0);
    feed_mode = FEED_THREAD;
    CU_ASSERT_EQUAL(run_sample(out, &other, dpi_off), 0);
    feed_mode = FEED_EACH;
    CU_ASSERT_EQUAL(last_rc, -1);
    CU_ASSERT_EQUAL(last_fed, fed);
    assert_same_records(&one, &other, "lifecycle.pcap cut");
    remove(out);
}

/* analyzer_frame_take with a scratch packet (the reader thread's): a frame
 * the brief stands for leaves af's packet and bytes alone and its hint names
 * af's packet, not the scratch; one without a brief gets the scratch's packet
 * copied in, its views on af's copy of the bytes when feeding reads them. */
static void test_frame_take_scratch(void)
{
    struct analyzer_config cfg;
    fixture_config(&cfg, NULL, NULL);
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    struct analyzer_prep prep;
    analyzer_prep_get(an, &prep);
    CU_ASSERT_TRUE_FATAL(prep.brief);
    struct analyzer_frame *af = analyzer_alloc_aligned(sizeof(*af));
    struct packet *scratch = malloc(sizeof(*scratch));
    CU_ASSERT_FATAL(af != NULL && scratch != NULL);
    af->pkt.proto = 0xee; /* a brief leaves it as it was */

    uint8_t f[64];
    fixture_ip4_frame(f, 60, 6, fixture_client, 40000, fixture_server, 80, 0x18, 1000, 2000);
    struct capture_frame fr = {.data = f, .cap_len = 60, .wire_len = 60, .linktype = 1,
                               .ts_ns = 5};
    CU_ASSERT_EQUAL_FATAL(analyzer_frame_take(&prep, af, &fr, scratch), 0);
    CU_ASSERT_TRUE(af->has_brief);
    CU_ASSERT_PTR_EQUAL(af->hint.pkt, &af->pkt);
    CU_ASSERT_PTR_NULL(af->f.data);
    CU_ASSERT_EQUAL(af->pkt.proto, 0xee);
    CU_ASSERT_EQUAL(scratch->tcp.seq, 1000);
    CU_ASSERT_EQUAL(af->brief.l4_payload_len, 6);
    CU_ASSERT_EQUAL(af->brief.ts_ns, 5);

    /* an IPv4 fragment (more fragments): no brief, the bytes kept for the
     * tracker's reassembly. Its data is 24 bytes: with MF set, a whole number
     * of 8-octet units (RFC 791), else it is malformed (frag_bad_length) */
    fixture_ip4_frame(f, 58, 17, fixture_client, 5353, fixture_server, 53, 0, 0, 0);
    f[14 + 6] = 0x20; /* MF */
    f[58] = f[59] = 0; /* Ethernet padding to the 60 bytes captured */
    CU_ASSERT_EQUAL_FATAL(analyzer_frame_take(&prep, af, &fr, scratch), 0);
    CU_ASSERT_FALSE(af->has_brief);
    CU_ASSERT_FALSE(af->pkt_ready);
    CU_ASSERT_TRUE(af->pkt.is_fragment);
    CU_ASSERT_EQUAL(af->pkt.proto, 17);
    CU_ASSERT_PTR_EQUAL(af->f.data, af->buf);
    CU_ASSERT(af->buf != NULL && memcmp(af->buf, f, 60) == 0);
    CU_ASSERT_PTR_EQUAL(af->pkt.l3.p, af->buf + 14);

    /* ICMP: no brief, the packet copied, no bytes kept */
    fixture_ip4_frame(f, 60, 1, fixture_client, 0x0800, fixture_server, 0, 0, 0, 0);
    CU_ASSERT_EQUAL_FATAL(analyzer_frame_take(&prep, af, &fr, scratch), 0);
    CU_ASSERT_FALSE(af->has_brief);
    CU_ASSERT_TRUE(af->pkt_ready);
    CU_ASSERT_PTR_NULL(af->hint.pkt);
    CU_ASSERT_EQUAL(af->pkt.proto, 1);
    CU_ASSERT_EQUAL(af->pkt.ip_len, 46);
    CU_ASSERT_PTR_NULL(af->f.data);
    struct capture_stats st;
    memset(&st, 0, sizeof(st));
    analyzer_count_prepared(&st, af, scratch);
    CU_ASSERT_EQUAL(st.frames, 1);
    CU_ASSERT_EQUAL(st.icmp, 1);

    analyzer_frame_free(af);
    free(af);
    free(scratch);
    analyzer_destroy(an);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"synthetic.pcap: DESIGN.md worked examples", test_synthetic_worked_examples},
        {"retransmitted SYN never splits", test_client_retransmitted_syn_does_not_split},
        {"one server port, six sockets", test_server_port_many_sockets},
        {"lifecycle: reuse in TIME_WAIT, simultaneous open/close", test_lifecycle_reuse_in_time_wait},
        {"--max-flows evicts and reports", test_max_flows_evicts_and_reports},
        {"reader thread: statistics carry on from frame-by-frame feeding", test_reader_thread_stats_carry_on},
        {"timeouts emit records with the reason", test_timeouts_emit_with_reason},
        {"headers-only captures (snaplen 54, 68, 96)", test_headers_only_captures},
        {"analyzer_feed_ahead gives the same records", test_feed_ahead_same_records},
        {"reader thread gives the same records", test_reader_thread_same_records},
        {"reader thread with -c N feeds exactly N frames", test_reader_thread_count},
        {"reader thread wraps its ring", test_reader_thread_wraps_ring},
        {"reader thread waits for a slow sink and a slow pipe", test_reader_thread_waits},
        {"reader thread holds a bounded number of bytes of jumbo frames",
         test_reader_thread_jumbo_frames},
        {"reader thread: damaged checksums and cut options reach the tracker",
         test_reader_thread_damaged_frames},
        {"the sender's side follows the roles through flips", test_sender_side_through_flips},
        {"late packets after a written record keep its roles", test_after_close_roles},
        {"no flip towards a broadcast address", test_no_flip_towards_broadcast},
        {"idle timeout of an oldest made so when time went back",
         test_timeout_after_time_goes_back},
        {"... and after an eviction", test_timeout_after_eviction_when_time_goes_back},
        {"the clock stepping back: a clock step", test_clock_step_back},
        {"... and after a reuse", test_close_delay_after_reuse_when_time_goes_back},
        {"SYN-ACK reuse of a half connection", test_synack_reuse_half_connection},
        {"a clock step back forgets later-stamped fragments", test_clock_step_back_fragments},
        {"fragment frames and reassembled datagrams counted", test_fragment_counts},
        {"fragment timeouts and datagrams pending at the end counted", test_fragment_timeouts_counted},
        {"each class times out at exactly its own deadline",
         test_timeouts_per_class_at_their_deadline},
        {"open connections are written at the end oldest first, ties by uid source",
         test_flush_order_first_ts_then_id},
        {"the first remembered 5-tuple is forgotten after 2*MSL", test_first_closed_tuple_expires},
        {"a handshake at the epoch itself is seen", test_handshake_at_epoch_zero},
        {"missed bytes per direction", test_missed_bytes_per_direction},
        {"remembered 5-tuples over the cap are forgotten at once",
         test_closed_tuples_over_the_cap_forgotten},
        {"reader thread reports a read error after the frames before it",
         test_reader_thread_read_error},
        {"a frame taken through a scratch packet", test_frame_take_scratch},
        {NULL, NULL},
    };
    return add_suite("analyzer", tests);
}
