/* test_tunnels.c - the analyzer and the views on samples/tunnels.pcap: inner
 * connections keyed by tunnel context, tunnel_parents, tunnel descriptions,
 * carried connections and sockets, per-connection totals with and without
 * decapsulation (the capture is described in samples/README.md). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "conn_fixture.h"
#include "cunit_main.h"
#include "frame_fixture.h"
#include "views.h"
#include "zeek_conn.h"

#define MAX_CONNS 128

/* The generator's script, restated: what each packet must weigh. */
#define VXLAN_OUTER_IP  (20 + 8 + 8 + 14) /* outer IPv4 + UDP + VXLAN + inner Ethernet */
#define GRE_OUTER_IP    (20 + 8)          /* outer IPv4 + GRE with key */
#define IPIP_OUTER_IP   20
#define ETH_HDR         14
#define TCP_SYN_IP4     (20 + 20 + 20) /* MSS, SACK-permitted, timestamps, NOP, window scale */
#define TCP_EST_IP4     (20 + 20 + 12) /* NOP, NOP, timestamps */
#define VXLAN_PORT      4789
#define VTEP_PORT       49813

/* the payloads gen_samples puts in tenant A's HTTP connection (only lengths are used) */
#define HTTP_GET_A  "GET / HTTP/1.1\r\nHost: web.tenant-a.example\r\n" \
                    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
#define HTTP_BODY_A "<html><body>tenant A</body></html>\n"

/* Connection records as emitted, with their tunnel descriptions copied (the
 * analyzer owns those and frees them in analyzer_destroy). */
struct collected {
    struct conn c[MAX_CONNS];
    struct tunnel_desc t[MAX_CONNS], sibling[MAX_CONNS];
    size_t n;
};

static void on_conn(void *user, const struct conn *c)
{
    struct collected *col = user;
    if (col->n >= MAX_CONNS)
        return;
    col->c[col->n] = *c;
    if (c->tunnel != NULL) {
        col->t[col->n] = *c->tunnel;
        col->c[col->n].tunnel = &col->t[col->n];
    }
    if (c->sibling_tunnel != NULL) {
        col->sibling[col->n] = *c->sibling_tunnel;
        col->c[col->n].sibling_tunnel = &col->sibling[col->n];
    }
    col->n++;
}

/* DPI off by default here (speed); the carrier-naming test turns it on */
static bool with_dpi;

static int run_tunnels(struct collected *col, bool decap)
{
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/samples/tunnels.pcap", src ? src : ".");
    struct analyzer_config cfg;
    analyzer_config_defaults(&cfg);
    cfg.have_seed = true;
    cfg.decap = decap;
    cfg.dpi = with_dpi;
    cfg.on_conn = on_conn;
    cfg.user = col;
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
    while (capture_next(cap, &f, &err) == 1)
        analyzer_feed(an, &f);
    capture_close(cap);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    return 0;
}

static bool addr_is(const struct ip_addr *a, struct ip_addr want)
{
    return memcmp(a->b, want.b, sizeof(want.b)) == 0;
}

/* The n-th (0-based, in emission order) record with this originator and
 * responder endpoint and protocol, or NULL. */
static const struct conn *find(const struct collected *col, uint8_t proto, struct ip_addr oa,
                               uint16_t op, struct ip_addr ra, uint16_t rp, unsigned nth)
{
    for (size_t i = 0; i < col->n; i++) {
        const struct conn *c = &col->c[i];
        if (c->proto == proto && c->orig_port == op && c->resp_port == rp &&
            addr_is(&c->orig_addr, oa) && addr_is(&c->resp_addr, ra) && nth-- == 0)
            return c;
    }
    return NULL;
}

static bool has_parent(const struct conn *c, uint64_t id)
{
    for (unsigned i = 0; i < c->n_tunnel_parents; i++)
        if (c->tunnel_parents[i] == id)
            return true;
    return false;
}

/* The inner TCP connection 192.168.50.10:40000 -> 192.168.50.20:80 of the
 * tenant with this VNI. */
static const struct conn *inner_http(const struct collected *col, uint32_t vni)
{
    for (unsigned k = 0; k < 2; k++) {
        const struct conn *c = find(col, IPPROTO_NUM_TCP, ip4("192.168.50.10"), 40000,
                                    ip4("192.168.50.20"), 80, k);
        if (c != NULL && c->tunnel != NULL && c->tunnel->n_levels == 1 &&
            c->tunnel->level[0].id == vni)
            return c;
    }
    return NULL;
}

static const struct conn *vxlan_carrier(const struct collected *col)
{
    return find(col, IPPROTO_NUM_UDP, ip4("10.99.0.1"), VTEP_PORT, ip4("10.99.0.2"), VXLAN_PORT,
                0);
}

static void test_same_5tuple_two_tenants(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_tunnels(&col, true), 0);
    const struct conn *a = inner_http(&col, 100), *b = inner_http(&col, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NULL(find(&col, IPPROTO_NUM_TCP, ip4("192.168.50.10"), 40000,
                            ip4("192.168.50.20"), 80, 2)); /* exactly two records */
    CU_ASSERT_NOT_EQUAL(a->id, b->id);
    CU_ASSERT_NOT_EQUAL(a->ctx, 0);
    CU_ASSERT_NOT_EQUAL(b->ctx, 0);
    CU_ASSERT_NOT_EQUAL(a->ctx, b->ctx);
    /* different tenants, not a reuse of one 5-tuple */
    CU_ASSERT_EQUAL(a->incarnation, 1);
    CU_ASSERT_EQUAL(b->incarnation, 1);
    CU_ASSERT_NOT_EQUAL(a->end_reason, END_REUSE);
    for (int k = 0; k < 2; k++) {
        const struct conn *c = k == 0 ? a : b;
        CU_ASSERT_STRING_EQUAL(zeek_conn_history(&c->zeek), "ShADadFf");
        CU_ASSERT_STRING_EQUAL(zeek_conn_state(&c->zeek), "SF");
        CU_ASSERT_EQUAL(c->orientation, ORIENT_HANDSHAKE);
    }
    /* the DNS exchange shares tenant A's context */
    const struct conn *dns =
        find(&col, IPPROTO_NUM_UDP, ip4("192.168.50.10"), 53000, ip4("192.168.50.53"), 53, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dns);
    CU_ASSERT_EQUAL(dns->ctx, a->ctx);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&dns->zeek), "SF");
}

static void test_parents_and_carried(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_tunnels(&col, true), 0);
    const struct conn *vx = vxlan_carrier(&col);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
    CU_ASSERT_EQUAL(vx->ctx, 0);
    CU_ASSERT_PTR_NULL(vx->tunnel);
    CU_ASSERT_EQUAL(vx->n_tunnel_parents, 0);
    CU_ASSERT(vx->carried_conns >= 2);
    CU_ASSERT_EQUAL(vx->carried_conns, 3); /* DNS, HTTP in VNI 100, HTTP in VNI 200 */
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&vx->zeek), "SF");

    const struct conn *a = inner_http(&col, 100), *b = inner_http(&col, 200);
    const struct conn *dns =
        find(&col, IPPROTO_NUM_UDP, ip4("192.168.50.10"), 53000, ip4("192.168.50.53"), 53, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dns);
    CU_ASSERT_TRUE(has_parent(a, vx->id));
    CU_ASSERT_TRUE(has_parent(b, vx->id));
    CU_ASSERT_TRUE(has_parent(dns, vx->id));
    CU_ASSERT_EQUAL(a->n_tunnel_parents, 1);
    CU_ASSERT_EQUAL(a->carried_conns, 0);

    const struct conn *gre = find(&col, 47, ip4("10.99.1.1"), 0, ip4("10.99.1.2"), 0, 0);
    const struct conn *v6 =
        find(&col, IPPROTO_NUM_TCP, ip6("fd99::10"), 51000, ip6("fd99::20"), 443, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gre);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v6);
    CU_ASSERT_EQUAL(gre->carried_conns, 1);
    CU_ASSERT_TRUE(has_parent(v6, gre->id));
    CU_ASSERT_FALSE(has_parent(v6, vx->id));
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&v6->zeek), "ShADadFf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&v6->zeek), "SF");

    const struct conn *ipip = find(&col, 4, ip4("10.99.2.1"), 0, ip4("10.99.2.2"), 0, 0);
    const struct conn *log = find(&col, IPPROTO_NUM_UDP, ip4("192.168.60.10"), 40514,
                                  ip4("192.168.60.20"), 514, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ipip);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    CU_ASSERT_TRUE(has_parent(log, ipip->id));
    CU_ASSERT_EQUAL(ipip->carried_conns, 1);

    /* a wireless station's connection through CAPWAP (802.11 frames) */
    const struct conn *cw = find(&col, IPPROTO_NUM_UDP, ip4("10.99.3.1"), 41264,
                                 ip4("10.99.3.2"), 5247, 0);
    const struct conn *sta = find(&col, IPPROTO_NUM_TCP, ip4("192.168.70.10"), 40700,
                                  ip4("192.168.70.80"), 80, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sta);
    CU_ASSERT_EQUAL(cw->carried_conns, 1);
    CU_ASSERT_TRUE(has_parent(sta, cw->id));
    CU_ASSERT_PTR_NOT_NULL_FATAL(sta->tunnel);
    CU_ASSERT_EQUAL(sta->tunnel->level[0].type, ENCAP_CAPWAP);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&sta->zeek), "ShADadFf");

    /* a mirror's copies, a GRE key per direction: one connection */
    const struct conn *mg = find(&col, 47, ip4("10.99.4.1"), 0, ip4("10.99.4.2"), 0, 0);
    const struct conn *mh = find(&col, IPPROTO_NUM_TCP, ip4("192.168.80.10"), 40800,
                                 ip4("192.168.80.80"), 80, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mh);
    CU_ASSERT_PTR_NULL(find(&col, IPPROTO_NUM_TCP, ip4("192.168.80.10"), 40800,
                            ip4("192.168.80.80"), 80, 1));
    CU_ASSERT_EQUAL(mg->carried_conns, 1);
    CU_ASSERT_EQUAL(mg->dir[1].pkts, 0); /* every copy goes to the collector */
    CU_ASSERT_EQUAL(mh->n_tunnel_parents, 1);
    CU_ASSERT_TRUE(has_parent(mh, mg->id));
    CU_ASSERT_TRUE(mh->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_FALSE(sta->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&mh->zeek), "ShADadFf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&mh->zeek), "SF");
    CU_ASSERT_EQUAL(mh->dir[0].pkts + mh->dir[1].pkts, mg->dir[0].pkts);
    CU_ASSERT_EQUAL(col.n, 12); /* 5 carriers + 7 inner connections */
}

static void test_tunnel_descriptions(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_tunnels(&col, true), 0);
    for (uint32_t vni = 100; vni <= 200; vni += 100) {
        const struct conn *c = inner_http(&col, vni);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        const struct tunnel_level *l = &c->tunnel->level[0];
        CU_ASSERT_EQUAL(l->type, ENCAP_VXLAN);
        CU_ASSERT_TRUE(l->has_id);
        CU_ASSERT_EQUAL(l->ip_version, 4);
        CU_ASSERT_EQUAL(l->proto, IPPROTO_NUM_UDP);
        CU_ASSERT_TRUE(addr_is(&l->src, ip4("10.99.0.1"))); /* the SYN's carrier */
        CU_ASSERT_TRUE(addr_is(&l->dst, ip4("10.99.0.2")));
        CU_ASSERT_EQUAL(l->sport, VTEP_PORT);
        CU_ASSERT_EQUAL(l->dport, VXLAN_PORT);
        CU_ASSERT_EQUAL(c->tunnel->ctx, c->ctx);
    }
    const struct conn *v6 =
        find(&col, IPPROTO_NUM_TCP, ip6("fd99::10"), 51000, ip6("fd99::20"), 443, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v6);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v6->tunnel);
    CU_ASSERT_EQUAL(v6->tunnel->n_levels, 1);
    CU_ASSERT_EQUAL(v6->tunnel->level[0].type, ENCAP_GRE);
    CU_ASSERT_TRUE(v6->tunnel->level[0].has_id);
    CU_ASSERT_EQUAL(v6->tunnel->level[0].id, 7);
    CU_ASSERT_EQUAL(v6->tunnel->level[0].proto, 47);
    CU_ASSERT_TRUE(addr_is(&v6->tunnel->level[0].src, ip4("10.99.1.1")));
    CU_ASSERT_TRUE(addr_is(&v6->tunnel->level[0].dst, ip4("10.99.1.2")));
    CU_ASSERT_EQUAL(v6->ip_version, 6);

    const struct conn *log = find(&col, IPPROTO_NUM_UDP, ip4("192.168.60.10"), 40514,
                                  ip4("192.168.60.20"), 514, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log->tunnel);
    CU_ASSERT_EQUAL(log->tunnel->level[0].type, ENCAP_IPIP);
    CU_ASSERT_EQUAL(log->tunnel->level[0].proto, 4);
    CU_ASSERT_FALSE(log->tunnel->level[0].has_id);
    CU_ASSERT_TRUE(addr_is(&log->tunnel->level[0].src, ip4("10.99.2.1")));

    char txt[256];
    views_tunnel_text(inner_http(&col, 200)->tunnel, inner_http(&col, 200)->ctx, txt, sizeof(txt));
    CU_ASSERT_STRING_EQUAL(txt, "vxlan vni 200 via 10.99.0.1->10.99.0.2");
    views_tunnel_text(v6->tunnel, v6->ctx, txt, sizeof(txt));
    CU_ASSERT_STRING_EQUAL(txt, "gre key 7 via 10.99.1.1->10.99.1.2");
    views_tunnel_text(log->tunnel, log->ctx, txt, sizeof(txt));
    CU_ASSERT_STRING_EQUAL(txt, "ipip via 10.99.2.1->10.99.2.2");
    views_tunnel_text(NULL, 0, txt, sizeof(txt));
    CU_ASSERT_STRING_EQUAL(txt, "");
    views_tunnel_text(NULL, 0x80000001u, txt, sizeof(txt));
    CU_ASSERT_STRING_EQUAL(txt, "tunnel context 0x80000001");
    views_tunnel_text(v6->tunnel, v6->ctx, txt, 8); /* truncated, still terminated */
    CU_ASSERT_STRING_EQUAL(txt, "gre key");
}

static void test_totals(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_tunnels(&col, true), 0);
    const struct conn *a = inner_http(&col, 100), *b = inner_http(&col, 200);
    const struct conn *dns =
        find(&col, IPPROTO_NUM_UDP, ip4("192.168.50.10"), 53000, ip4("192.168.50.53"), 53, 0);
    const struct conn *vx = vxlan_carrier(&col);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dns);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vx);

    /* inner HTTP, client side: SYN, ACK, GET, ACK, FIN, ACK; server side:
     * SYN-ACK, ACK, 200 OK, FIN (inner IP lengths) */
    size_t get = strlen(HTTP_GET_A);
    size_t rsp = strlen("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
                        "Content-Length: 35\r\n\r\n") +
                 strlen(HTTP_BODY_A);
    CU_ASSERT_EQUAL(strlen(HTTP_BODY_A), 35);
    CU_ASSERT_EQUAL(a->dir[0].pkts, 6);
    CU_ASSERT_EQUAL(a->dir[1].pkts, 4);
    CU_ASSERT_EQUAL(a->dir[0].ip_bytes, TCP_SYN_IP4 + 5 * TCP_EST_IP4 + get);
    CU_ASSERT_EQUAL(a->dir[1].ip_bytes, TCP_SYN_IP4 + 3 * TCP_EST_IP4 + rsp);
    CU_ASSERT_EQUAL(a->dir[0].payload_bytes, get);
    CU_ASSERT_EQUAL(a->dir[1].payload_bytes, rsp);
    /* inner connections count whole frames as wire bytes */
    const struct conn *inner[3] = {a, b, dns};
    for (int k = 0; k < 3; k++)
        for (int d = 0; d < 2; d++)
            CU_ASSERT_EQUAL(inner[k]->dir[d].wire_bytes,
                            inner[k]->dir[d].ip_bytes +
                                (uint64_t)inner[k]->dir[d].pkts * (ETH_HDR + VXLAN_OUTER_IP));
    /* the carrier counts the same frames, with its own (outer) IP lengths */
    for (int d = 0; d < 2; d++) {
        uint64_t pkts = 0, ip = 0, wire = 0;
        for (int k = 0; k < 3; k++) {
            pkts += inner[k]->dir[d].pkts;
            ip += inner[k]->dir[d].ip_bytes;
            wire += inner[k]->dir[d].wire_bytes;
        }
        CU_ASSERT_EQUAL(vx->dir[d].pkts, pkts);
        CU_ASSERT_EQUAL(vx->dir[d].ip_bytes, ip + pkts * VXLAN_OUTER_IP);
        CU_ASSERT_EQUAL(vx->dir[d].wire_bytes, wire);
        CU_ASSERT_EQUAL(vx->dir[d].payload_bytes, ip + pkts * (VXLAN_OUTER_IP - 20 - 8));
    }
    CU_ASSERT_EQUAL(vx->dir[0].pkts, 13);
    CU_ASSERT_EQUAL(vx->dir[1].pkts, 9);

    const struct conn *gre = find(&col, 47, ip4("10.99.1.1"), 0, ip4("10.99.1.2"), 0, 0);
    const struct conn *v6 =
        find(&col, IPPROTO_NUM_TCP, ip6("fd99::10"), 51000, ip6("fd99::20"), 443, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gre);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v6);
    CU_ASSERT_EQUAL(v6->dir[0].ip_bytes, (40 + 40) + 5 * (40 + 32) + 5 + 40);
    for (int d = 0; d < 2; d++) {
        CU_ASSERT_EQUAL(gre->dir[d].pkts, v6->dir[d].pkts);
        CU_ASSERT_EQUAL(gre->dir[d].ip_bytes, v6->dir[d].ip_bytes + v6->dir[d].pkts * GRE_OUTER_IP);
        CU_ASSERT_EQUAL(gre->dir[d].wire_bytes, v6->dir[d].wire_bytes);
        CU_ASSERT_EQUAL(v6->dir[d].wire_bytes,
                        v6->dir[d].ip_bytes + v6->dir[d].pkts * (ETH_HDR + GRE_OUTER_IP));
    }
    const struct conn *ipip = find(&col, 4, ip4("10.99.2.1"), 0, ip4("10.99.2.2"), 0, 0);
    const struct conn *log = find(&col, IPPROTO_NUM_UDP, ip4("192.168.60.10"), 40514,
                                  ip4("192.168.60.20"), 514, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ipip);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    CU_ASSERT_EQUAL(ipip->dir[0].ip_bytes, log->dir[0].ip_bytes + IPIP_OUTER_IP);
    CU_ASSERT_EQUAL(ipip->dir[0].wire_bytes, log->dir[0].wire_bytes);
    CU_ASSERT_EQUAL(log->dir[0].wire_bytes, log->dir[0].ip_bytes + ETH_HDR + IPIP_OUTER_IP);
}

static void test_no_decap_only_carriers(void)
{
    static struct collected with, without;
    CU_ASSERT_EQUAL_FATAL(run_tunnels(&with, true), 0);
    CU_ASSERT_EQUAL_FATAL(run_tunnels(&without, false), 0);
    struct ip_addr inner_net = ip4("192.168.50.0");
    for (size_t i = 0; i < without.n; i++) {
        const struct conn *c = &without.c[i];
        CU_ASSERT_FALSE(memcmp(c->orig_addr.b, inner_net.b, 3) == 0 ||
                        memcmp(c->resp_addr.b, inner_net.b, 3) == 0);
        CU_ASSERT_EQUAL(c->ip_version, 4);
        CU_ASSERT_EQUAL(c->ctx, 0);
        CU_ASSERT_PTR_NULL(c->tunnel);
        CU_ASSERT_EQUAL(c->n_tunnel_parents, 0);
        CU_ASSERT_EQUAL(c->carried_conns, 0);
    }
    CU_ASSERT_EQUAL(without.n, 5);
    const struct conn *vx0 = vxlan_carrier(&without), *vx1 = vxlan_carrier(&with);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vx0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vx1);
    CU_ASSERT_PTR_NOT_NULL(find(&without, 47, ip4("10.99.1.1"), 0, ip4("10.99.1.2"), 0, 0));
    CU_ASSERT_PTR_NOT_NULL(find(&without, 4, ip4("10.99.2.1"), 0, ip4("10.99.2.2"), 0, 0));
    /* the carrier is the same connection either way */
    for (int d = 0; d < 2; d++) {
        CU_ASSERT_EQUAL(vx0->dir[d].pkts, vx1->dir[d].pkts);
        CU_ASSERT_EQUAL(vx0->dir[d].ip_bytes, vx1->dir[d].ip_bytes);
        CU_ASSERT_EQUAL(vx0->dir[d].wire_bytes, vx1->dir[d].wire_bytes);
    }
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&vx0->zeek), zeek_conn_history(&vx1->zeek));
}

static void test_views_keep_contexts_apart(void)
{
    static struct collected col;
    CU_ASSERT_EQUAL_FATAL(run_tunnels(&col, true), 0);
    const struct conn *a = inner_http(&col, 100), *b = inner_http(&col, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, col.c, col.n, col.c[col.n - 1].last_ts, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    struct ip_addr web = ip4("192.168.50.20"), cli = ip4("192.168.50.10");

    long pa = views_find_port_ctx(&v, a->ctx, IPPROTO_NUM_TCP, 4, &web, 80);
    long pb = views_find_port_ctx(&v, b->ctx, IPPROTO_NUM_TCP, 4, &web, 80);
    CU_ASSERT_FATAL(pa >= 0 && pb >= 0);
    CU_ASSERT_NOT_EQUAL(pa, pb);
    CU_ASSERT_EQUAL(views_find_port_ctx(&v, 0, IPPROTO_NUM_TCP, 4, &web, 80), -1);
    long first = views_find_port(&v, IPPROTO_NUM_TCP, 4, &web, 80);
    CU_ASSERT(first == (pa < pb ? pa : pb));
    for (int k = 0; k < 2; k++) {
        const struct view_port *p = &v.ports[k == 0 ? pa : pb];
        CU_ASSERT_EQUAL(p->n_conns, 1);
        CU_ASSERT_EQUAL(p->n_socks, 1); /* the server end; the client end is not on it */
        CU_ASSERT_TRUE(p->has_listener);
        CU_ASSERT_EQUAL(p->ctx, k == 0 ? a->ctx : b->ctx);
        CU_ASSERT_EQUAL(p->carried_sockets, 0);
    }

    /* the VXLAN endpoint is a port carrying the inner sockets */
    struct ip_addr vtep2 = ip4("10.99.0.2");
    long pv = views_find_port_ctx(&v, 0, IPPROTO_NUM_UDP, 4, &vtep2, VXLAN_PORT);
    CU_ASSERT_FATAL(pv >= 0);
    CU_ASSERT_EQUAL(v.ports[pv].carried_conns, 3);
    CU_ASSERT_EQUAL(v.ports[pv].carried_sockets, 6);
    json_t *jp = views_json_port(&v, &v.ports[pv]);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(jp, "carried_sockets")), 6);
    CU_ASSERT_PTR_NULL(json_object_get(jp, "tunnel"));
    json_decref(jp);
    jp = views_json_port(&v, &v.ports[pb]);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(jp, "tunnel")),
                           "vxlan vni 200 via 10.99.0.1->10.99.0.2");
    CU_ASSERT_PTR_NULL(json_object_get(jp, "carried_sockets"));
    json_decref(jp);

    /* the two client sockets with the same 4-tuple: neither supersedes the other */
    size_t n_client = 0;
    for (size_t i = 0; i < v.n_socks; i++) {
        const struct view_socket *s = &v.socks[i];
        if (s->proto != IPPROTO_NUM_TCP || s->local_port != 40000 || !addr_is(&s->local_addr, cli))
            continue;
        n_client++;
        CU_ASSERT_EQUAL(s->superseded_ts, 0);
        CU_ASSERT_EQUAL(s->role, ROLE_CLIENT);
        json_t *js = views_json_socket(s);
        char want[64];
        snprintf(want, sizeof(want), "vxlan vni %u via 10.99.0.1->10.99.0.2",
                 s->conn->ctx == a->ctx ? 100u : 200u);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(js, "tunnel")), want);
        json_decref(js);
    }
    CU_ASSERT_EQUAL(n_client, 2);
    /* a carrier socket has no tunnel field */
    for (size_t i = 0; i < v.n_socks; i++) {
        if (v.socks[i].conn->proto != IPPROTO_NUM_UDP || v.socks[i].conn->resp_port != VXLAN_PORT)
            continue;
        json_t *js = views_json_socket(&v.socks[i]);
        CU_ASSERT_PTR_NULL(json_object_get(js, "tunnel"));
        json_decref(js);
    }
    views_free(&v);
}

/* The carrier's application is the tunnel, named as Zeek's analyzer, never an nDPI
 * guess from the encapsulated bytes (nDPI calls this VXLAN carrier "RX"). */
static void test_carrier_named_as_tunnel(void)
{
    static struct collected col;
    with_dpi = true;
    int rc = run_tunnels(&col, true);
    with_dpi = false;
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    const struct conn *vx = vxlan_carrier(&col);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
    CU_ASSERT_STRING_EQUAL(vx->service, "vxlan");
    CU_ASSERT_STRING_EQUAL(vx->app_name, "VXLAN");
    CU_ASSERT_FALSE(vx->app_port_mismatch);
}

/* ---- sibling tunnels: a direction per GRE key ----
 *
 * A mirror (10.99.4.1) sends a collector (10.99.4.2) copies of what the
 * client 10.99.0.1 sent under GRE key 1 and of what the server 10.99.0.2 sent
 * under key 2; the two tunnels differ only in their keys. */
#define MIRROR_KEY_C 1u
#define MIRROR_KEY_S 2u
static uint8_t mirror_octet = 1; /* the mirror's address is 10.99.4.<this> */

/* Feeds, at ts, inner (an Ethernet frame from fixture_ip4_frame, inner_len
 * bytes) as the collector receives it: Ethernet, IPv4 10.99.4.1 -> 10.99.4.2,
 * GRE with the key bit and key, then inner's IP packet (the mirror
 * 10.99.4.<mirror_octet>). */
static void feed_mirrored(struct analyzer *an, uint64_t ts, uint32_t key, const uint8_t *inner,
                          size_t inner_len)
{
    uint8_t f[14 + 20 + 8 + 128];
    size_t ip_len = inner_len - 14;
    CU_ASSERT_FATAL(ip_len <= 128);
    size_t n = 14 + 20 + 8 + ip_len;
    memset(f, 0, 14 + 20 + 8);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)((n - 14) >> 8);
    ip[3] = (uint8_t)(n - 14);
    ip[8] = 64;
    ip[9] = 47; /* GRE */
    const uint8_t mirror[4] = {10, 99, 4, mirror_octet}, collector[4] = {10, 99, 4, 2};
    memcpy(ip + 12, mirror, 4);
    memcpy(ip + 16, collector, 4);
    uint8_t *g = ip + 20;
    g[0] = 0x20; /* K, version 0 */
    g[2] = 0x08; /* IPv4 */
    for (int i = 0; i < 4; i++)
        g[4 + i] = (uint8_t)(key >> (24 - 8 * i));
    memcpy(g + 8, inner + 14, ip_len);
    fixture_feed(an, f, n, ts);
}

/* A TCP segment without payload between 10.99.0.1:cport and 10.99.0.2:80,
 * mirrored under the key of its direction (or key, when not 0). */
static void mirrored_tcp(struct analyzer *an, uint64_t ts, uint16_t cport, bool from_client,
                         uint8_t flags, uint32_t seq, uint32_t ack, uint32_t key)
{
    uint8_t f[54];
    if (from_client)
        fixture_ip4_frame(f, sizeof(f), 6, fixture_client, cport, fixture_server, 80, flags, seq,
                          ack);
    else
        fixture_ip4_frame(f, sizeof(f), 6, fixture_server, 80, fixture_client, cport, flags, seq,
                          ack);
    if (key == 0)
        key = from_client ? MIRROR_KEY_C : MIRROR_KEY_S;
    feed_mirrored(an, ts, key, f, sizeof(f));
}

/* A UDP datagram 10.99.0.1:5353 -> 10.99.0.2:53 (or back), mirrored under key. */
static void mirrored_udp(struct analyzer *an, uint64_t ts, bool from_client, uint32_t key)
{
    uint8_t f[14 + 20 + 8 + 12];
    if (from_client)
        fixture_ip4_frame(f, sizeof(f), 17, fixture_client, 5353, fixture_server, 53, 0, 0, 0);
    else
        fixture_ip4_frame(f, sizeof(f), 17, fixture_server, 53, fixture_client, 5353, 0, 0, 0);
    feed_mirrored(an, ts, key, f, sizeof(f));
}

static struct analyzer *open_mirror(struct collected *col)
{
    memset(col, 0, sizeof(*col));
    struct analyzer_config cfg;
    fixture_config(&cfg, on_conn, col);
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    return an;
}

/* The inner records of 10.99.0.1:cport <-> 10.99.0.2:80 (either way round). */
static size_t inner_records(const struct collected *col, uint8_t proto, uint16_t cport,
                            const struct conn **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < col->n; i++) {
        const struct conn *c = &col->c[i];
        if (c->proto == proto && c->ctx != 0 &&
            ((c->orig_port == cport && addr_is(&c->orig_addr, ip4("10.99.0.1"))) ||
             (c->resp_port == cport && addr_is(&c->resp_addr, ip4("10.99.0.1")))) &&
            n < max)
            out[n++] = c;
    }
    return n;
}

/* Each direction through its own key: one connection, as the hosts had, with
 * both sockets, flagged sibling_tunnels; also when the server's copy of the
 * SYN-ACK comes before the client's SYN (mirrors run each path on its own),
 * and for a UDP exchange. */
static void test_sibling_tunnels_one_connection(void)
{
    static struct collected col;
    struct analyzer *an = open_mirror(&col);
    const uint64_t MS = 1000000;
    /* in order */
    mirrored_tcp(an, 1 * MS, 40000, true, 0x02, 1000, 0, 0);
    mirrored_tcp(an, 2 * MS, 40000, false, 0x12, 5000, 1001, 0);
    mirrored_tcp(an, 3 * MS, 40000, true, 0x10, 1001, 5001, 0);
    mirrored_tcp(an, 4 * MS, 40000, true, 0x11, 1001, 5001, 0);
    mirrored_tcp(an, 5 * MS, 40000, false, 0x11, 5001, 1002, 0);
    mirrored_tcp(an, 6 * MS, 40000, true, 0x10, 1002, 5002, 0);
    /* the SYN-ACK's copy first */
    mirrored_tcp(an, 10 * MS, 40001, false, 0x12, 7000, 3001, 0);
    mirrored_tcp(an, 11 * MS, 40001, true, 0x02, 3000, 0, 0);
    mirrored_tcp(an, 12 * MS, 40001, true, 0x10, 3001, 7001, 0);
    /* UDP */
    mirrored_udp(an, 20 * MS, true, MIRROR_KEY_C);
    mirrored_udp(an, 21 * MS, false, MIRROR_KEY_S);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);

    const struct conn *r[4];
    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_TCP, 40000, r, 4), 1);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&r[0]->zeek), "ShAFf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&r[0]->zeek), "SF");
    CU_ASSERT_EQUAL(r[0]->dir[0].pkts, 4);
    CU_ASSERT_EQUAL(r[0]->dir[1].pkts, 2);
    CU_ASSERT_TRUE(r[0]->handshake_validated);
    CU_ASSERT_TRUE(r[0]->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r[0]->tunnel);
    CU_ASSERT_EQUAL(r[0]->tunnel->level[0].id, MIRROR_KEY_C); /* the chain as first seen */
    CU_ASSERT_PTR_NOT_NULL_FATAL(r[0]->sibling_tunnel);
    CU_ASSERT_EQUAL(r[0]->sibling_tunnel->level[0].id, MIRROR_KEY_S);
    CU_ASSERT_EQUAL(r[0]->sibling_tunnel->level[0].type, ENCAP_GRE);
    CU_ASSERT_EQUAL(r[0]->n_tunnel_parents, 1); /* one GRE carrier for both keys */

    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_TCP, 40001, r, 4), 1);
    CU_ASSERT_EQUAL(r[0]->orig_port, 40001);
    CU_ASSERT_EQUAL(r[0]->dir[0].pkts, 2);
    CU_ASSERT_EQUAL(r[0]->dir[1].pkts, 1);
    CU_ASSERT_TRUE(r[0]->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_EQUAL(r[0]->tunnel->level[0].id, MIRROR_KEY_S);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r[0]->sibling_tunnel);
    CU_ASSERT_EQUAL(r[0]->sibling_tunnel->level[0].id, MIRROR_KEY_C);

    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_UDP, 5353, r, 4), 1);
    CU_ASSERT_EQUAL(r[0]->dir[0].pkts, 1);
    CU_ASSERT_EQUAL(r[0]->dir[1].pkts, 1);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&r[0]->zeek), "SF");
    CU_ASSERT_TRUE(r[0]->flags & CONN_F_SIBLING_TUNNELS);
}

/* What does not join: the same direction under both keys (two tenants, or
 * two copies); a segment whose sequence numbers do not fit the other side's
 * (another connection on the same 5-tuple in another tenant); a packet under
 * a third key once a sibling joined; and after a joined connection is
 * reused, the new incarnation is keyed by its own tunnel. */
static void test_sibling_tunnels_kept_apart(void)
{
    static struct collected col;
    struct analyzer *an = open_mirror(&col);
    const uint64_t MS = 1000000;
    mirrored_udp(an, 1 * MS, true, MIRROR_KEY_C);
    mirrored_udp(an, 2 * MS, true, MIRROR_KEY_S);
    /* a SYN in key 1; the server's segment in key 2 acknowledges nothing it sent */
    mirrored_tcp(an, 3 * MS, 40002, true, 0x02, 1000, 0, 0);
    mirrored_tcp(an, 4 * MS, 40002, false, 0x12, 5000, 900000000u, 0);
    /* joined in key 2, then the server again in key 3 */
    mirrored_tcp(an, 5 * MS, 40003, true, 0x02, 2000, 0, 0);
    mirrored_tcp(an, 6 * MS, 40003, false, 0x12, 6000, 2001, 0);
    mirrored_tcp(an, 7 * MS, 40003, false, 0x10, 6001, 2001, 3);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);

    const struct conn *r[4];
    CU_ASSERT_EQUAL(inner_records(&col, IPPROTO_NUM_UDP, 5353, r, 4), 2);
    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_TCP, 40002, r, 4), 2);
    CU_ASSERT_FALSE(r[0]->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_FALSE(r[1]->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_NOT_EQUAL(r[0]->ctx, r[1]->ctx);
    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_TCP, 40003, r, 4), 2);
    const struct conn *joined = (r[0]->flags & CONN_F_SIBLING_TUNNELS) ? r[0] : r[1];
    const struct conn *third = joined == r[0] ? r[1] : r[0];
    CU_ASSERT_EQUAL(joined->dir[0].pkts + joined->dir[1].pkts, 2);
    CU_ASSERT_EQUAL(third->dir[0].pkts + third->dir[1].pkts, 1);
    CU_ASSERT_FALSE(third->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_PTR_NULL(third->sibling_tunnel);
    CU_ASSERT_PTR_NOT_NULL_FATAL(joined->sibling_tunnel);
    CU_ASSERT_EQUAL(joined->sibling_tunnel->level[0].id, MIRROR_KEY_S);
}

/* A new SYN on a joined connection's 5-tuple after a RST: a second
 * incarnation, keyed by the tunnel the SYN's copy came through (the first was
 * keyed by the SYN-ACK's, seen first), which the server's answer joins again. */
static void test_sibling_tunnels_reuse(void)
{
    static struct collected col;
    struct analyzer *an = open_mirror(&col);
    const uint64_t MS = 1000000;
    mirrored_tcp(an, 1 * MS, 40004, false, 0x12, 5000, 1001, 0);
    mirrored_tcp(an, 2 * MS, 40004, true, 0x02, 1000, 0, 0);
    mirrored_tcp(an, 3 * MS, 40004, true, 0x04, 1001, 0, 0); /* RST */
    mirrored_tcp(an, 4 * MS, 40004, true, 0x02, 9000, 0, 0);
    mirrored_tcp(an, 5 * MS, 40004, false, 0x12, 8000, 9001, 0);
    mirrored_tcp(an, 6 * MS, 40004, true, 0x10, 9001, 8001, 0);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);

    const struct conn *r[4];
    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_TCP, 40004, r, 4), 2);
    CU_ASSERT_EQUAL(r[0]->incarnation, 1);
    CU_ASSERT_EQUAL(r[1]->incarnation, 2);
    CU_ASSERT_EQUAL(r[0]->tunnel->level[0].id, MIRROR_KEY_S);
    CU_ASSERT_EQUAL(r[1]->tunnel->level[0].id, MIRROR_KEY_C);
    CU_ASSERT_NOT_EQUAL(r[0]->ctx, r[1]->ctx);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(r[i]->orig_port, 40004);
        CU_ASSERT_TRUE(r[i]->flags & CONN_F_SIBLING_TUNNELS);
        CU_ASSERT_EQUAL(r[i]->dir[0].pkts, 2);
        CU_ASSERT_EQUAL(r[i]->dir[1].pkts, 1);
    }
}

/* A joined connection closes and its record is written (the close delay,
 * 5 s, ran out); the server's FIN, sent again through its own key 6 s later,
 * is a late packet of that connection (an after_close record of the same
 * incarnation, keyed and described as the closed one), not a connection of
 * its own. */
static void test_sibling_tunnels_late_packet(void)
{
    static struct collected col;
    struct analyzer *an = open_mirror(&col);
    const uint64_t MS = 1000000;
    mirrored_tcp(an, 1 * MS, 40010, true, 0x02, 1000, 0, 0);
    mirrored_tcp(an, 2 * MS, 40010, false, 0x12, 5000, 1001, 0);
    mirrored_tcp(an, 3 * MS, 40010, true, 0x11, 1001, 5001, 0);
    mirrored_tcp(an, 4 * MS, 40010, false, 0x11, 5001, 1002, 0);
    mirrored_tcp(an, 5 * MS, 40010, true, 0x10, 1002, 5002, 0);
    mirrored_udp(an, 5100 * MS, true, MIRROR_KEY_C); /* the record is written */
    CU_ASSERT_EQUAL(inner_records(&col, IPPROTO_NUM_TCP, 40010, (const struct conn *[1]){0}, 1), 1);
    mirrored_tcp(an, 6000 * MS, 40010, false, 0x11, 5001, 1002, 0); /* the FIN again */
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    const struct conn *r[4];
    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_TCP, 40010, r, 4), 2);
    CU_ASSERT_EQUAL(r[0]->end_reason, END_CLOSED);
    CU_ASSERT_TRUE(r[1]->flags & CONN_F_AFTER_CLOSE);
    CU_ASSERT_TRUE(r[1]->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_EQUAL(r[1]->incarnation, 1);
    CU_ASSERT_EQUAL(r[1]->ctx, r[0]->ctx);
    CU_ASSERT_EQUAL(r[1]->orig_port, 40010);
    CU_ASSERT_EQUAL(r[1]->dir[1].pkts, 1);
    CU_ASSERT_EQUAL(r[1]->tunnel->level[0].id, MIRROR_KEY_C);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r[1]->sibling_tunnel);
    CU_ASSERT_EQUAL(r[1]->sibling_tunnel->level[0].id, MIRROR_KEY_S);
}

/* The siblings are found again after the table of tunnels has grown: key 1's
 * tunnel, then 40 others (other mirrors), then key 2's. */
static void test_sibling_tunnels_after_growth(void)
{
    static struct collected col;
    struct analyzer *an = open_mirror(&col);
    const uint64_t MS = 1000000;
    mirrored_tcp(an, 1 * MS, 40005, true, 0x02, 1000, 0, 0);
    for (uint8_t i = 0; i < 40; i++) {
        mirror_octet = (uint8_t)(10 + i);
        mirrored_udp(an, 2 * MS, true, MIRROR_KEY_C);
    }
    mirror_octet = 1;
    mirrored_tcp(an, 3 * MS, 40005, false, 0x12, 5000, 1001, 0);
    mirrored_tcp(an, 4 * MS, 40005, true, 0x10, 1001, 5001, 0);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    const struct conn *r[4];
    CU_ASSERT_EQUAL_FATAL(inner_records(&col, IPPROTO_NUM_TCP, 40005, r, 4), 1);
    CU_ASSERT_TRUE(r[0]->flags & CONN_F_SIBLING_TUNNELS);
    CU_ASSERT_EQUAL(r[0]->dir[1].pkts, 1);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"same inner 5-tuple in two VNIs: two connections", test_same_5tuple_two_tenants},
        {"tunnel_parents and carried_conns", test_parents_and_carried},
        {"a carrier is named as its tunnel, not by nDPI", test_carrier_named_as_tunnel},
        {"tunnel descriptions: VXLAN, GRE, IP-in-IP", test_tunnel_descriptions},
        {"packet and byte totals of carriers and inner connections", test_totals},
        {"--no-decap: carriers only", test_no_decap_only_carriers},
        {"views: ports per context, carried sockets", test_views_keep_contexts_apart},
        {"sibling tunnels: one connection through a key per direction",
         test_sibling_tunnels_one_connection},
        {"sibling tunnels: same direction, unrelated sequence numbers, a third key",
         test_sibling_tunnels_kept_apart},
        {"sibling tunnels: a reused 5-tuple", test_sibling_tunnels_reuse},
        {"sibling tunnels: a late packet after the record", test_sibling_tunnels_late_packet},
        {"sibling tunnels: found after the tunnel table grew", test_sibling_tunnels_after_growth},
        {NULL, NULL},
    };
    return add_suite("tunnels", tests);
}
