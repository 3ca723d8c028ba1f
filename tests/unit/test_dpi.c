/* test_dpi.c - application protocol detection (nDPI): results on the samples,
 * hand-built exchanges (SSH on 443, HTTP on 8080, long Host), the life of the
 * per-connection nDPI state, --no-dpi, and the name tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "cunit_main.h"
#include "dissect.h"
#include "dpi.h"
#include "services.h"

#include <ndpi/ndpi_api.h>

#define MAX_CONNS 64

struct collected {
    struct conn c[MAX_CONNS];
    size_t n;
    size_t live_state_at_emit; /* records handed out with nDPI state still attached */
};

static void on_conn(void *user, const struct conn *c)
{
    struct collected *col = user;
    if (c->dpi_state != NULL)
        col->live_state_at_emit++;
    if (col->n < MAX_CONNS)
        col->c[col->n++] = *c;
}

static struct analyzer *new_analyzer(struct collected *col, bool dpi, unsigned max_packets)
{
    struct analyzer_config cfg;
    analyzer_config_defaults(&cfg);
    cfg.have_seed = true;
    cfg.on_conn = on_conn;
    cfg.user = col;
    cfg.dpi = dpi;
    cfg.dpi_max_packets = max_packets;
    memset(col, 0, sizeof(*col));
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    if (an == NULL)
        fprintf(stderr, "analyzer_create: %s\n", err.msg);
    return an;
}

/* Feeds every frame of samples/name; returns 0 or -1. Does not flush. */
static int feed_sample(struct analyzer *an, const char *name)
{
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/samples/%s", src ? src : ".", name);
    struct ss_err err;
    struct capture *cap = NULL;
    if (capture_open_file(&cap, path, NULL, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    struct capture_frame f;
    while (capture_next(cap, &f, &err) == 1)
        analyzer_feed(an, &f);
    capture_close(cap);
    return 0;
}

static int run_sample(const char *name, struct collected *col, bool dpi, unsigned max_packets,
                      uint64_t *peak)
{
    struct analyzer *an = new_analyzer(col, dpi, max_packets);
    if (an == NULL)
        return -1;
    int rc = feed_sample(an, name);
    analyzer_flush(an, END_END_OF_CAPTURE);
    if (peak != NULL)
        *peak = analyzer_stats(an)->dpi_peak_inspecting;
    analyzer_destroy(an);
    return rc;
}

static const struct conn *find(const struct collected *col, uint16_t orig_port, uint16_t resp_port)
{
    for (size_t i = 0; i < col->n; i++)
        if (col->c[i].orig_port == orig_port && col->c[i].resp_port == resp_port)
            return &col->c[i];
    return NULL;
}

static void test_http_client_sample(void)
{
    static struct collected col;
    uint64_t peak = 0;
    CU_ASSERT_EQUAL_FATAL(run_sample("port-vs-socket-client.pcap", &col, true, 0, &peak), 0);
    CU_ASSERT_EQUAL(col.live_state_at_emit, 0);
    for (uint16_t p = 49152; p <= 49153; p++) { /* GET / with Host www.example.com */
        const struct conn *c = find(&col, p, 80);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_TRUE(c->dpi_done);
        CU_ASSERT_STRING_EQUAL(c->app_name, "HTTP");
        CU_ASSERT_STRING_EQUAL(c->service, "http");
        CU_ASSERT_STRING_EQUAL(c->app_category, "Web");
        CU_ASSERT_STRING_EQUAL(c->app_host, "www.example.com");
        CU_ASSERT_STRING_EQUAL(dpi_confidence_name(c->app_confidence), "DPI");
        CU_ASSERT_FALSE(c->app_port_mismatch);
        CU_ASSERT_FALSE(c->app_host_truncated);
        /* final at the request, long before the connection ended */
        CU_ASSERT(c->dpi_packets < c->dir[0].pkts + c->dir[1].pkts);
    }
    /* unanswered SYNs: nothing to inspect, nDPI guesses from the port at the
     * end (as ndpiReader prints it); Zeek would not name a service */
    const struct conn *syn = find(&col, 49154, 80);
    CU_ASSERT_PTR_NOT_NULL_FATAL(syn);
    CU_ASSERT_STRING_EQUAL(syn->app_name, "HTTP");
    CU_ASSERT_STRING_EQUAL(dpi_confidence_name(syn->app_confidence), "Match by port");
    CU_ASSERT_STRING_EQUAL(syn->service, "");
    CU_ASSERT_STRING_EQUAL(syn->app_host, "");
    CU_ASSERT_FALSE(syn->app_port_mismatch);
    CU_ASSERT(peak >= 1 && peak <= 4);
}

static void test_udp_services_sample(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_sample("udp-services.pcap", &col, true, 0, NULL), 0);
    static const struct {
        uint16_t orig_port;
        const char *host;
    } dns[] = {{51001, "www.example.com"}, {51002, "mail.example.org"},
               {51003, "www.example.net"}, {51004, "ntp.example.com"}};
    for (size_t i = 0; i < sizeof(dns) / sizeof(dns[0]); i++) {
        const struct conn *c = find(&col, dns[i].orig_port, 53);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_STRING_EQUAL(c->app_name, "DNS");
        CU_ASSERT_STRING_EQUAL(c->service, "dns");
        CU_ASSERT_STRING_EQUAL(c->app_category, "Network");
        CU_ASSERT_STRING_EQUAL(c->app_host, dns[i].host);
        CU_ASSERT_FALSE(c->app_port_mismatch); /* DNS on "domain" */
    }
    const struct conn *ntp = find(&col, 123, 123);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ntp);
    CU_ASSERT_STRING_EQUAL(ntp->app_name, "NTP");
    CU_ASSERT_STRING_EQUAL(ntp->service, "ntp");
    const struct conn *probe = find(&col, 52000, 5300);
    CU_ASSERT_PTR_NOT_NULL_FATAL(probe);
    CU_ASSERT_TRUE(probe->dpi_done);
    CU_ASSERT_STRING_EQUAL(probe->app_name, "Unknown");
    CU_ASSERT_STRING_EQUAL(probe->service, "");
    /* ICMP connections are never inspected */
    for (size_t i = 0; i < col.n; i++)
        if (col.c[i].proto == IPPROTO_NUM_ICMP)
            CU_ASSERT_FALSE(col.c[i].dpi_done);
}

static void test_no_dpi(void)
{
    static struct collected col;
    uint64_t peak = 99;
    CU_ASSERT_EQUAL_FATAL(run_sample("port-vs-socket-client.pcap", &col, false, 0, &peak), 0);
    CU_ASSERT_EQUAL(peak, 0);
    CU_ASSERT_EQUAL_FATAL(col.n, 4);
    for (size_t i = 0; i < col.n; i++) {
        const struct conn *c = &col.c[i];
        CU_ASSERT_FALSE(c->dpi_done);
        CU_ASSERT_PTR_NULL(c->dpi_state);
        CU_ASSERT_EQUAL(c->dpi_packets, 0);
        CU_ASSERT_STRING_EQUAL(c->app_name, "");
        CU_ASSERT_STRING_EQUAL(c->service, "");
        CU_ASSERT_STRING_EQUAL(c->app_host, "");
    }
}

/* Counts open connections whose nDPI state is still live. */
static void count_live(void *user, struct conn *c)
{
    size_t *n = user;
    if (c->dpi_state != NULL)
        (*n)++;
}

static void test_state_freed_when_final(void)
{
    static struct collected col;
    struct analyzer *an = new_analyzer(&col, true, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    CU_ASSERT_EQUAL_FATAL(feed_sample(an, "port-vs-socket-client.pcap"), 0);
    /* all four connections are still open: the two HTTP ones are detected and
     * hold no state; the two unanswered SYN flows are still under inspection */
    CU_ASSERT_EQUAL(analyzer_open_flows(an), 4);
    size_t live = 0;
    analyzer_foreach_open(an, count_live, &live);
    CU_ASSERT_EQUAL(live, 2);
    analyzer_flush(an, END_END_OF_CAPTURE);
    CU_ASSERT_EQUAL(col.live_state_at_emit, 0);
    analyzer_destroy(an);
}

static void test_destroy_frees_live_state(void)
{
    /* under ASan, LeakSanitizer fails this test if a state is not freed */
    static struct collected col;
    struct analyzer *an = new_analyzer(&col, true, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    CU_ASSERT_EQUAL_FATAL(feed_sample(an, "lifecycle.pcap"), 0);
    size_t live = 0;
    analyzer_foreach_open(an, count_live, &live);
    CU_ASSERT(live > 0);
    analyzer_destroy(an); /* no flush */
}

static void test_packet_limit(void)
{
    static struct collected col;
    uint64_t peak = 0;
    CU_ASSERT_EQUAL_FATAL(run_sample("lifecycle.pcap", &col, true, 2, &peak), 0);
    size_t n_tcp = 0, n_given_up = 0;
    for (size_t i = 0; i < col.n; i++) {
        const struct conn *c = &col.c[i];
        if (c->proto != IPPROTO_NUM_TCP)
            continue;
        n_tcp++;
        /* given up after more than 2 packets, as ndpiReader counts: nDPI saw
         * the third (what README and docs/json.md say) */
        CU_ASSERT(c->dpi_packets <= 3);
        if (c->dpi_packets == 3)
            n_given_up++;
        CU_ASSERT_TRUE(c->dpi_done);
        CU_ASSERT_PTR_NULL(c->dpi_state);
    }
    CU_ASSERT(n_tcp > 5);
    CU_ASSERT(n_given_up > 0);
    /* default limits: the longest flow (21 packets) is inspected to its end */
    CU_ASSERT_EQUAL_FATAL(run_sample("lifecycle.pcap", &col, true, 0, NULL), 0);
    uint16_t most = 0;
    for (size_t i = 0; i < col.n; i++)
        if (col.c[i].dpi_packets > most)
            most = col.c[i].dpi_packets;
    CU_ASSERT(most > 3);
}

/* --- hand-built raw IPv4 exchanges (LINKTYPE_RAW) --- */

struct tcp_conv {
    struct analyzer *an;
    uint8_t cli[4], srv[4];
    uint16_t cport, sport;
    uint32_t cseq, sseq;
    uint64_t ts_ns;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* One TCP segment from the client (from_client) or the server. */
static void seg(struct tcp_conv *cv, bool from_client, uint8_t flags, const char *data)
{
    uint8_t b[1500];
    size_t dlen = data ? strlen(data) : 0;
    size_t len = 20 + 20 + dlen;
    memset(b, 0, 40);
    b[0] = 0x45;
    put16(b + 2, (uint32_t)len);
    b[8] = 64;
    b[9] = IPPROTO_NUM_TCP;
    memcpy(b + 12, from_client ? cv->cli : cv->srv, 4);
    memcpy(b + 16, from_client ? cv->srv : cv->cli, 4);
    uint32_t *seq = from_client ? &cv->cseq : &cv->sseq, ack = from_client ? cv->sseq : cv->cseq;
    put16(b + 20, from_client ? cv->cport : cv->sport);
    put16(b + 22, from_client ? cv->sport : cv->cport);
    put32(b + 24, *seq);
    put32(b + 28, (flags & TCP_ACK) ? ack : 0);
    b[32] = 5 << 4;
    b[33] = flags;
    put16(b + 34, 65535);
    if (dlen)
        memcpy(b + 40, data, dlen);
    *seq += (uint32_t)dlen + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
    cv->ts_ns += 1000000;
    struct capture_frame f = {.data = b, .cap_len = (uint32_t)len, .wire_len = (uint32_t)len,
                              .linktype = LINKTYPE_RAW, .ts_ns = cv->ts_ns};
    analyzer_feed(cv->an, &f);
}

/* One TCP segment from the client carrying data, sent as two IPv4
 * fragments: the first holds the TCP header and 4 bytes of data. */
static void seg_fragmented(struct tcp_conv *cv, const char *data)
{
    uint8_t b[1500];
    size_t dlen = strlen(data), len = 20 + 20 + dlen;
    memset(b, 0, 40);
    b[0] = 0x45;
    put16(b + 4, 0x4242); /* IP id */
    b[8] = 64;
    b[9] = IPPROTO_NUM_TCP;
    memcpy(b + 12, cv->cli, 4);
    memcpy(b + 16, cv->srv, 4);
    put16(b + 20, cv->cport);
    put16(b + 22, cv->sport);
    put32(b + 24, cv->cseq);
    put32(b + 28, cv->sseq);
    b[32] = 5 << 4;
    b[33] = TCP_PSH | TCP_ACK;
    put16(b + 34, 65535);
    memcpy(b + 40, data, dlen);
    cv->cseq += (uint32_t)dlen;
    const size_t split = 24; /* IP payload bytes in the first fragment (3 units of 8) */
    uint8_t f[2][1500];
    size_t flen[2] = {20 + split, len - split};
    memcpy(f[0], b, 20 + split);
    put16(f[0] + 6, 0x2000); /* MF, offset 0 */
    memcpy(f[1], b, 20);
    memcpy(f[1] + 20, b + 20 + split, len - 20 - split);
    put16(f[1] + 6, (uint32_t)(split / 8));
    for (int i = 0; i < 2; i++) {
        put16(f[i] + 2, (uint32_t)flen[i]);
        cv->ts_ns += 1000000;
        struct capture_frame fr = {.data = f[i], .cap_len = (uint32_t)flen[i],
                                   .wire_len = (uint32_t)flen[i], .linktype = LINKTYPE_RAW,
                                   .ts_ns = cv->ts_ns};
        analyzer_feed(cv->an, &fr);
    }
}

static void handshake(struct tcp_conv *cv)
{
    seg(cv, true, TCP_SYN, NULL);
    seg(cv, false, TCP_SYN | TCP_ACK, NULL);
    seg(cv, true, TCP_ACK, NULL);
}

static struct tcp_conv conv(struct analyzer *an, uint8_t last_octet, uint16_t cport, uint16_t sport)
{
    struct tcp_conv cv = {.an = an, .cli = {10, 0, 0, last_octet}, .srv = {192, 0, 2, 1},
                          .cport = cport, .sport = sport, .cseq = 1000, .sseq = 5000,
                          .ts_ns = 1700000000ull * 1000000000ull};
    return cv;
}

static void test_ssh_on_443_and_http_on_8080(void)
{
    static struct collected col;
    struct analyzer *an = new_analyzer(&col, true, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);

    struct tcp_conv ssh = conv(an, 1, 40000, 443);
    handshake(&ssh);
    seg(&ssh, false, TCP_PSH | TCP_ACK, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    seg(&ssh, true, TCP_PSH | TCP_ACK, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");

    struct tcp_conv alt = conv(an, 2, 40001, 8080);
    handshake(&alt);
    seg(&alt, true, TCP_PSH | TCP_ACK,
        "GET /index.html HTTP/1.1\r\nHost: alt.example.org:8080\r\nUser-Agent: t\r\n\r\n");
    seg(&alt, false, TCP_PSH | TCP_ACK,
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");

    struct tcp_conv web = conv(an, 3, 40002, 80);
    handshake(&web);
    seg(&web, true, TCP_PSH | TCP_ACK,
        "GET / HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: t\r\n\r\n");
    seg(&web, false, TCP_PSH | TCP_ACK,
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");

    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);

    const struct conn *c = find(&col, 40000, 443);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->app_name, "SSH");
    CU_ASSERT_STRING_EQUAL(c->service, "ssh");
    CU_ASSERT_TRUE(c->app_port_mismatch); /* SSH on "https" */

    c = find(&col, 40001, 8080);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->app_name, "HTTP");
    CU_ASSERT_STRING_EQUAL(c->service, "http");
    CU_ASSERT_TRUE(c->app_port_mismatch); /* HTTP on "http-alt" */
    CU_ASSERT_PTR_NOT_NULL(strstr(c->app_host, "alt.example.org"));

    c = find(&col, 40002, 80);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->app_name, "HTTP");
    CU_ASSERT_STRING_EQUAL(c->app_host, "www.example.org");
    CU_ASSERT_FALSE(c->app_port_mismatch);
}

static void test_long_host_truncated(void)
{
    static struct collected col;
    struct analyzer *an = new_analyzer(&col, true, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    /* 70 characters: fits nDPI's 80-byte buffer, not our 64 */
    static const char host[] = "a123456789.b123456789.c123456789.d123456789.e123456789.f12345.example";
    char req[256];
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: t\r\n\r\n", host);
    struct tcp_conv web = conv(an, 4, 40003, 80);
    handshake(&web);
    seg(&web, true, TCP_PSH | TCP_ACK, req);
    seg(&web, false, TCP_PSH | TCP_ACK, "HTTP/1.1 204 No Content\r\n\r\n");
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    const struct conn *c = find(&col, 40003, 80);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->app_name, "HTTP");
    CU_ASSERT_TRUE(c->app_host_truncated);
    CU_ASSERT_EQUAL(strlen(c->app_host), sizeof(c->app_host) - 1);
    CU_ASSERT_EQUAL(strncmp(c->app_host, host, sizeof(c->app_host) - 1), 0);
}

static void test_two_analyzers_side_by_side(void)
{
    /* one detection module each: interleaved input must not mix state */
    static struct collected a, b;
    struct analyzer *an1 = new_analyzer(&a, true, 0);
    struct analyzer *an2 = new_analyzer(&b, true, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an2);
    /* same 5-tuple in both; a port without an IANA name, because nDPI 4.2
     * takes a port guess as the master: HTTP on 22 is "SSH.HTTP" */
    struct tcp_conv s1 = conv(an1, 5, 41000, 40022), s2 = conv(an2, 5, 41000, 40022);
    handshake(&s1);
    handshake(&s2);
    seg(&s1, false, TCP_PSH | TCP_ACK, "SSH-2.0-OpenSSH_9.2\r\n");
    seg(&s2, true, TCP_PSH | TCP_ACK, "GET / HTTP/1.1\r\nHost: h.example\r\n\r\n");
    seg(&s1, true, TCP_PSH | TCP_ACK, "SSH-2.0-PuTTY_Release_0.78\r\n");
    seg(&s2, false, TCP_PSH | TCP_ACK, "HTTP/1.1 204 No Content\r\n\r\n");
    analyzer_flush(an1, END_END_OF_CAPTURE);
    analyzer_flush(an2, END_END_OF_CAPTURE);
    analyzer_destroy(an1);
    analyzer_destroy(an2);
    CU_ASSERT_EQUAL_FATAL(a.n, 1);
    CU_ASSERT_EQUAL_FATAL(b.n, 1);
    CU_ASSERT_STRING_EQUAL(a.c[0].app_name, "SSH");
    CU_ASSERT_STRING_EQUAL(b.c[0].app_name, "HTTP");
    CU_ASSERT_STRING_EQUAL(b.c[0].app_host, "h.example");
    CU_ASSERT_FALSE(a.c[0].app_port_mismatch); /* no IANA name to disagree with */
    CU_ASSERT_FALSE(b.c[0].app_port_mismatch);
}

/* --dpi-packets 65535, the largest: a connection that passes 65535 packets
 * undetected is given up at the 65536th as at any other limit (the count
 * used to saturate at 65535 and never pass it, so nDPI kept the state and
 * kept inspecting to the end: here it found the late request). */
static void test_largest_packet_limit(void)
{
    static struct collected col;
    struct analyzer *an = new_analyzer(&col, true, DPI_MAX_PACKETS_LIMIT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    struct tcp_conv cv = conv(an, 6, 41001, 40123); /* a port without a guess */
    handshake(&cv);
    for (unsigned i = 0; i < DPI_MAX_PACKETS_LIMIT; i++)
        seg(&cv, (i & 1) == 0, TCP_ACK, NULL);
    seg(&cv, true, TCP_PSH | TCP_ACK, "GET / HTTP/1.1\r\nHost: late.example\r\n\r\n");
    seg(&cv, false, TCP_PSH | TCP_ACK, "HTTP/1.1 204 No Content\r\n\r\n");
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    const struct conn *c = &col.c[0];
    CU_ASSERT_TRUE(c->dpi_done);
    CU_ASSERT_STRING_EQUAL(c->app_name, "Unknown");
    CU_ASSERT_STRING_EQUAL(c->app_host, "");
    CU_ASSERT_EQUAL(c->dpi_packets, UINT16_MAX); /* 65536 given, the field saturates */
    CU_ASSERT_EQUAL(col.live_state_at_emit, 0);
}

/* One UDP datagram 10.0.0.<src_last>:sport -> 10.0.0.<dst_last>:dport. */
static void udp_dgram(struct analyzer *an, uint8_t src_last, uint16_t sport, uint8_t dst_last,
                      uint16_t dport, const uint8_t *data, size_t dlen, uint64_t ts_ns)
{
    uint8_t b[600];
    size_t len = 20 + 8 + dlen;
    memset(b, 0, 28);
    b[0] = 0x45;
    put16(b + 2, (uint32_t)len);
    b[8] = 64;
    b[9] = IPPROTO_NUM_UDP;
    b[12] = b[16] = 10;
    b[15] = src_last;
    b[19] = dst_last;
    put16(b + 20, sport);
    put16(b + 22, dport);
    put16(b + 24, (uint32_t)(8 + dlen));
    memcpy(b + 28, data, dlen);
    struct capture_frame f = {.data = b, .cap_len = (uint32_t)len, .wire_len = (uint32_t)len,
                              .linktype = LINKTYPE_RAW, .ts_ns = ts_ns};
    analyzer_feed(an, &f);
}

/* A NetBIOS name query to UDP 137: Zeek's DNS analyzer parses the name
 * service there (DNS::ports has 137/udp), so Zeek's service is "dns". */
static void test_nbns_service_is_dns(void)
{
    static struct collected col;
    struct analyzer *an = new_analyzer(&col, true, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    uint8_t q[12 + 34 + 4] = {0x80, 0x01, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 32};
    static const char name[16] = "WORKGROUP      "; /* 15 characters and suffix 0 */
    for (size_t i = 0; i < 16; i++) {
        q[13 + 2 * i] = (uint8_t)('A' + ((uint8_t)name[i] >> 4));
        q[14 + 2 * i] = (uint8_t)('A' + ((uint8_t)name[i] & 15));
    }
    q[45] = 0;                      /* end of name */
    q[46] = 0, q[47] = 0x20;        /* type NB */
    q[48] = 0, q[49] = 1;           /* class IN */
    udp_dgram(an, 6, 51000, 7, 137, q, sizeof(q), 1700000000ull * 1000000000ull);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    CU_ASSERT_STRING_EQUAL(col.c[0].app_name, "NetBIOS");
    CU_ASSERT_STRING_EQUAL(col.c[0].service, "dns");
    CU_ASSERT_FALSE(col.c[0].app_port_mismatch); /* NetBIOS on "netbios-ns" */
}

/* A request in an IP-fragmented TCP segment is given to nDPI rebuilt as one
 * packet (reassembled TCP segments used to be skipped: the connection was
 * never inspected and its record had no application field at all). */
static void test_fragmented_tcp_request(void)
{
    static struct collected col;
    struct analyzer *an = new_analyzer(&col, true, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    struct tcp_conv cv = conv(an, 8, 41002, 40080); /* a port without a guess */
    handshake(&cv);
    seg_fragmented(&cv, "GET / HTTP/1.1\r\nHost: frag.example\r\nUser-Agent: t\r\n\r\n");
    seg(&cv, false, TCP_PSH | TCP_ACK, "HTTP/1.1 204 No Content\r\n\r\n");
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(col.n, 1);
    const struct conn *c = &col.c[0];
    CU_ASSERT_TRUE(c->dpi_done);
    CU_ASSERT_STRING_EQUAL(c->app_name, "HTTP");
    CU_ASSERT_STRING_EQUAL(c->app_host, "frag.example");
    CU_ASSERT_STRING_EQUAL(dpi_confidence_name(c->app_confidence), "DPI");
}

static void test_zeek_names(void)
{
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("TLS", IPPROTO_NUM_TCP), "ssl");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("HTTP", IPPROTO_NUM_TCP), "http");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("DNS", IPPROTO_NUM_UDP), "dns");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("VNC", IPPROTO_NUM_TCP), "rfb");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("Kerberos", IPPROTO_NUM_TCP), "krb_tcp");
    /* Zeek's QUIC analyzer runs its SSL analyzer too: both names */
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("QUIC", IPPROTO_NUM_UDP), "quic,ssl");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("Kerberos", IPPROTO_NUM_UDP), "krb");
    /* one Zeek analyzer per transport: its conn.log says ldap_tcp, ... */
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("LDAP", IPPROTO_NUM_TCP), "ldap_tcp");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("LDAP", IPPROTO_NUM_UDP), "ldap_udp");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("DNP3", IPPROTO_NUM_TCP), "dnp3_tcp");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("DNP3", IPPROTO_NUM_UDP), "dnp3_udp");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("RDP", IPPROTO_NUM_TCP), "rdp");
    CU_ASSERT_STRING_EQUAL(dpi_zeek_name("RDP", IPPROTO_NUM_UDP), "rdpeudp");
    CU_ASSERT_PTR_NULL(dpi_zeek_name("Google", IPPROTO_NUM_TCP));
    CU_ASSERT_PTR_NULL(dpi_zeek_name("tls", IPPROTO_NUM_TCP)); /* nDPI's spelling only */
}

static void test_iana_agreement(void)
{
    CU_ASSERT_TRUE(dpi_iana_agrees("DNS", "domain"));
    CU_ASSERT_TRUE(dpi_iana_agrees("TLS", "https"));
    CU_ASSERT_TRUE(dpi_iana_agrees("TLS", "imaps"));
    CU_ASSERT_TRUE(dpi_iana_agrees("SSH", "ssh"));   /* lower-cased name */
    CU_ASSERT_TRUE(dpi_iana_agrees("NTP", "ntp"));
    CU_ASSERT_TRUE(dpi_iana_agrees("DHCP", "bootps"));
    CU_ASSERT_FALSE(dpi_iana_agrees("SSH", "https"));
    CU_ASSERT_FALSE(dpi_iana_agrees("HTTP", "http-alt"));
    CU_ASSERT_FALSE(dpi_iana_agrees("DNS", "dns"));   /* the table decides for DNS */
    CU_ASSERT_FALSE(dpi_iana_agrees("TLS", "tls"));
}

/* Every TCP/UDP port of services.c that nDPI itself assigns to a protocol
 * (its default ports, what it guesses from): that protocol, found there by
 * inspection, must not be a port mismatch. Modbus on 502 ("mbap"), DNP3 on
 * 20000 ("dnp"), s7comm on 102 ("iso-tsap"), DCE_RPC on 135 ("epmap") were. */
static void test_iana_agrees_with_ndpi_default_ports(void)
{
    /* nDPI's port default is not what the registry says runs there */
    static const struct {
        uint8_t proto;
        uint16_t port;
    } known[] = {
        {IPPROTO_NUM_TCP, 514},   /* Syslog; IANA: "shell" (rsh) */
        {IPPROTO_NUM_TCP, 1521},  /* Oracle; IANA: "ncube-lm" */
        {IPPROTO_NUM_TCP, 3128},  /* HTTP_Proxy; IANA: "ndl-aas" */
        {IPPROTO_NUM_TCP, 5001},  /* TargusDataspeed; IANA: "commplex-link" */
        {IPPROTO_NUM_TCP, 8008},  /* CiscoVPN; IANA: "http-alt" */
        {IPPROTO_NUM_TCP, 10000}, /* CiscoVPN; IANA: "ndmp" */
        {IPPROTO_NUM_TCP, 8883},  /* MQTT; inspection finds TLS there, which agrees */
        {IPPROTO_NUM_UDP, 5684},  /* COAP; inspection finds DTLS there, which agrees */
    };
    CU_ASSERT_TRUE(dpi_iana_agrees("TLS", "secure-mqtt"));
    CU_ASSERT_TRUE(dpi_iana_agrees("TLS", "pcsync-https"));
    CU_ASSERT_TRUE(dpi_iana_agrees("TLS", "sips"));
    CU_ASSERT_TRUE(dpi_iana_agrees("DTLS", "coaps"));
    CU_ASSERT_FALSE(dpi_iana_agrees("Modbus", "http"));
    struct ndpi_detection_module_struct *m = ndpi_init_detection_module(ndpi_no_prefs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(m, &all);
    ndpi_finalize_initialization(m);
    size_t n = 0, checked = 0;
    const struct services_entry *t = services_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].ipproto != IPPROTO_NUM_TCP && t[i].ipproto != IPPROTO_NUM_UDP)
            continue;
        bool skip = false;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            skip = skip || (known[k].proto == t[i].ipproto && known[k].port == t[i].port);
        ndpi_protocol p = ndpi_guess_undetected_protocol(m, NULL, t[i].ipproto, 0x0a000001u,
                                                         40000, 0x0a000002u, t[i].port);
        if (skip || (p.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
                     p.master_protocol == NDPI_PROTOCOL_UNKNOWN))
            continue;
        checked++;
        const char *app = ndpi_get_proto_name(m, p.app_protocol);
        const char *master = ndpi_get_proto_name(m, p.master_protocol);
        bool agrees = (p.app_protocol != NDPI_PROTOCOL_UNKNOWN && dpi_iana_agrees(app, t[i].name)) ||
                      (p.master_protocol != NDPI_PROTOCOL_UNKNOWN &&
                       dpi_iana_agrees(master, t[i].name));
        if (!agrees)
            fprintf(stderr, "%s %u \"%s\": nDPI's %s.%s does not agree\n",
                    t[i].ipproto == IPPROTO_NUM_TCP ? "tcp" : "udp", t[i].port, t[i].name, master, app);
        CU_ASSERT_TRUE(agrees);
    }
    CU_ASSERT(checked > 50);
    ndpi_exit_detection_module(m);
}

int register_tests(void)
{
    static const struct test_entry samples[] = {
        {"HTTP client sample", test_http_client_sample},
        {"DNS and NTP sample", test_udp_services_sample},
        {"--no-dpi leaves records untouched", test_no_dpi},
        {"state freed when final", test_state_freed_when_final},
        {"destroy frees live state", test_destroy_frees_live_state},
        {"packet limit", test_packet_limit},
        {NULL, NULL},
    };
    static const struct test_entry crafted[] = {
        {"SSH on 443, HTTP on 8080", test_ssh_on_443_and_http_on_8080},
        {"long Host truncated", test_long_host_truncated},
        {"two analyzers side by side", test_two_analyzers_side_by_side},
        {"largest packet limit", test_largest_packet_limit},
        {"NetBIOS name service is Zeek's dns", test_nbns_service_is_dns},
        {"IP-fragmented TCP request", test_fragmented_tcp_request},
        {NULL, NULL},
    };
    static const struct test_entry names[] = {
        {"Zeek service names", test_zeek_names},
        {"IANA agreement", test_iana_agreement},
        {"IANA agreement on nDPI's ports", test_iana_agrees_with_ndpi_default_ports},
        {NULL, NULL},
    };
    if (add_suite("dpi samples", samples) != 0 || add_suite("dpi crafted", crafted) != 0 ||
        add_suite("dpi names", names) != 0)
        return -1;
    return 0;
}
