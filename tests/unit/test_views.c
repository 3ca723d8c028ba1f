/* test_views.c - ports, sockets and hosts from hand-built connection records:
 * listener inference, port status and its evidence, peak concurrency, roles,
 * diagnostics, hosts' ephemeral ports, hosts per tunnel context, endpoint
 * parsing. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "conn_fixture.h"
#include "cunit_main.h"
#include "analyzer.h"
#include "explain.h"
#include "frame_fixture.h"
#include "output_text.h"
#include "views.h"

#define S (1000000000ull)
#define T0 (1700000000ull * S)

static struct conn mk(uint8_t proto, const char *oa, uint16_t op, const char *ra, uint16_t rp,
                      uint64_t first, uint64_t id)
{
    struct conn c;
    memset(&c, 0, sizeof(c));
    c.proto = proto;
    c.ip_version = 4;
    c.orig_addr = ip4(oa);
    c.resp_addr = ip4(ra);
    c.orig_port = op;
    c.resp_port = rp;
    c.first_ts = c.last_ts = first;
    c.id = id;
    c.incarnation = 1;
    c.end_reason = END_END_OF_CAPTURE;
    c.orientation = ORIENT_HANDSHAKE;
    for (int i = 0; i < 2; i++)
        c.dir[i].wscale = -1;
    return c;
}

/* A completed handshake at first (SYN), +1 ms (SYN-ACK), +2 ms (ACK). */
static struct conn mk_tcp_ok(const char *oa, uint16_t op, const char *ra, uint16_t rp,
                             uint64_t first, uint64_t id)
{
    struct conn c = mk(IPPROTO_NUM_TCP, oa, op, ra, rp, first, id);
    c.syn_ts = first;
    c.synack_ts = first + 1000000;
    c.ack_ts = first + 2000000;
    c.handshake_validated = true;
    tr(&c, 0, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 0);
    tr(&c, 1, TCP_ST_LISTEN, TCP_ST_SYN_RECEIVED, 1000000);
    tr(&c, 0, TCP_ST_SYN_SENT, TCP_ST_ESTABLISHED, 1000000);
    tr(&c, 1, TCP_ST_SYN_RECEIVED, TCP_ST_ESTABLISHED, 2000000);
    c.dir[0].pkts = 3;
    c.dir[1].pkts = 2;
    c.dir[0].payload_bytes = 100;
    c.dir[1].payload_bytes = 1000;
    c.last_ts = first + 2000000;
    return c;
}

static struct conn mk_syn_only(const char *oa, uint16_t op, const char *ra, uint16_t rp,
                               uint64_t first, uint64_t id)
{
    struct conn c = mk(IPPROTO_NUM_TCP, oa, op, ra, rp, first, id);
    c.syn_ts = first;
    tr(&c, 0, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 0);
    c.dir[0].pkts = 1;
    c.flags |= CONN_F_RESP_NOT_SEEN;
    return c;
}

static const struct view_port *port_of(const struct views *v, uint8_t proto, const char *a,
                                       uint16_t port)
{
    struct ip_addr ad = ip4(a);
    long i = views_find_port(v, proto, 4, &ad, port);
    return i < 0 ? NULL : &v->ports[i];
}

static void test_listener_inferred_from_syn_ack(void)
{
    struct conn c[2] = {mk_tcp_ok("10.0.0.1", 50000, "10.0.0.5", 9001, T0, 1),
                        mk_tcp_ok("10.0.0.2", 50000, "10.0.0.5", 9001, T0 + S, 2)};
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 2, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.n_ports, 1);
    const struct view_port *p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.5", 9001);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->status, PORT_OPEN);
    CU_ASSERT_EQUAL(p->evidence, PEV_SYN_ACK);
    CU_ASSERT(p->has_listener);
    CU_ASSERT_EQUAL(p->listener_since_ts, T0);        /* the first answered SYN */
    CU_ASSERT_EQUAL(p->evidence_ts, T0 + 1000000);    /* the first SYN-ACK */
    CU_ASSERT_EQUAL(p->n_conns, 2);
    CU_ASSERT_EQUAL(p->n_completed, 2);
    CU_ASSERT_EQUAL(p->remote_sockets, 2);
    CU_ASSERT_EQUAL(p->remote_hosts, 2);
    CU_ASSERT_EQUAL(p->bytes_in, 200);
    CU_ASSERT_EQUAL(p->bytes_out, 2000);
    /* 4 sockets; the two server sockets grouped first under the port */
    CU_ASSERT_EQUAL(v.n_socks, 4);
    CU_ASSERT_EQUAL(p->first_sock, 0);
    CU_ASSERT_EQUAL(p->n_socks, 2);
    CU_ASSERT_EQUAL(v.socks[0].role, ROLE_SERVER);
    CU_ASSERT_EQUAL(v.socks[0].local_port, 9001);
    CU_ASSERT_EQUAL(v.socks[1].local_port, 9001);
    CU_ASSERT_EQUAL(v.socks[2].role, ROLE_CLIENT);
    CU_ASSERT_EQUAL(v.socks[2].port_index, -1);
    views_free(&v);
}

static void test_simultaneous_open_has_no_listener(void)
{
    struct conn c = mk(IPPROTO_NUM_TCP, "10.0.0.1", 7001, "10.0.0.2", 7002, T0, 1);
    c.flags |= CONN_F_SIMULTANEOUS_OPEN;
    c.syn_ts = T0;
    c.synack_ts = T0 + 100;
    tr(&c, 0, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 0);
    tr(&c, 1, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 10);
    c.dir[0].pkts = c.dir[1].pkts = 2;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, &c, 1, T0 + S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.ports[0].status, PORT_OPEN);
    CU_ASSERT_EQUAL(v.ports[0].evidence, PEV_SIMULTANEOUS);
    CU_ASSERT(!v.ports[0].has_listener);
    CU_ASSERT_EQUAL(v.socks[0].role, ROLE_CLIENT);
    CU_ASSERT_EQUAL(v.socks[1].role, ROLE_CLIENT);
    CU_ASSERT(v.socks[0].diag & SOCK_D_SIMULTANEOUS_OPEN);
    views_free(&v);
}

static void test_port_status_evidence(void)
{
    struct conn c[7];
    /* closed: RST to SYN */
    c[0] = mk_syn_only("10.0.0.1", 50001, "10.0.0.2", 81, T0, 1);
    c[0].refused_by_rst = true;
    c[0].dir[1].pkts = 1;
    c[0].dir[1].last_ts = T0 + 500;
    /* UDP closed: ICMP port unreachable */
    c[1] = mk(IPPROTO_NUM_UDP, "10.0.0.1", 40000, "10.0.0.2", 5300, T0, 2);
    c[1].orientation = ORIENT_FIRST_PACKET;
    c[1].dir[0].pkts = 1;
    c[1].has_icmp = true;
    c[1].icmp = (struct conn_icmp_evidence){.type = 3, .code = 3, .ip_version = 4,
                                            .from = ip4("10.0.0.2"), .ts_ns = T0 + 7};
    /* UDP filtered: admin prohibited */
    c[2] = c[1];
    c[2].resp_port = 6001;
    c[2].id = 3;
    c[2].icmp.code = 13;
    /* filtered: SYNs unanswered */
    c[3] = mk_syn_only("10.0.0.1", 50002, "10.0.0.3", 80, T0, 4);
    /* unknown: mid-stream */
    c[4] = mk(IPPROTO_NUM_TCP, "10.0.0.1", 50123, "10.0.0.2", 22, T0, 5);
    c[4].orientation = ORIENT_SERVER_PORT;
    c[4].dir[0].pkts = c[4].dir[1].pkts = 1;
    tr(&c[4], 0, TCP_ST_CLOSED, TCP_ST_ESTABLISHED, 0);
    tr(&c[4], 1, TCP_ST_CLOSED, TCP_ST_ESTABLISHED, 0);
    /* UDP open: answered */
    c[5] = mk(IPPROTO_NUM_UDP, "10.0.0.1", 40001, "10.0.0.53", 53, T0, 6);
    c[5].orientation = ORIENT_FIRST_PACKET;
    c[5].dir[0].pkts = c[5].dir[1].pkts = 1;
    /* unanswered SYN and a SYN-ACK on the same port: open wins */
    c[6] = mk_tcp_ok("10.0.0.9", 1234, "10.0.0.3", 80, T0 + S, 7);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 7, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    const struct view_port *p;
    p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.2", 81);
    CU_ASSERT(p && p->status == PORT_CLOSED && p->evidence == PEV_RST && p->n_rejected == 1);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.0.0.2", 5300);
    CU_ASSERT(p && p->status == PORT_CLOSED && p->evidence == PEV_ICMP_PORT_UNREACH &&
              p->evidence_ts == T0 + 7 && p->icmp_type == 3 && p->icmp_code == 3);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.0.0.2", 6001);
    CU_ASSERT(p && p->status == PORT_FILTERED && p->evidence == PEV_ICMP_PROHIBITED);
    p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.3", 80);
    CU_ASSERT(p && p->status == PORT_OPEN && p->has_listener && p->n_conns == 2);
    p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.2", 22);
    CU_ASSERT(p && p->status == PORT_UNKNOWN && p->evidence == PEV_MIDSTREAM && !p->has_listener);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.0.0.53", 53);
    CU_ASSERT(p && p->status == PORT_OPEN && p->evidence == PEV_UDP_REPLY && p->service &&
              strcmp(p->service, "domain") == 0);
    /* the refused client socket carries the diagnostic, the server side not */
    for (size_t i = 0; i < v.n_socks; i++) {
        const struct view_socket *s = &v.socks[i];
        if (s->conn == &c[0])
            CU_ASSERT_EQUAL((s->diag & SOCK_D_REFUSED) != 0, s->side == 0);
        if (s->conn == &c[3] && s->side == 1)
            CU_ASSERT(!views_socket_existed(s));
        if (s->conn == &c[4])
            CU_ASSERT_EQUAL(s->role, ROLE_UNKNOWN); /* mid-stream on a port not shown open */
    }
    views_free(&v);
}

static void test_filtered_only_when_nothing_better(void)
{
    struct conn c[1] = {mk_syn_only("10.0.0.1", 50002, "10.0.0.3", 80, T0, 4)};
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 1, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.ports[0].status, PORT_FILTERED);
    CU_ASSERT_EQUAL(v.ports[0].evidence, PEV_SYN_UNANSWERED);
    CU_ASSERT(!v.ports[0].has_listener);
    views_free(&v);
}

static void test_peak_concurrency(void)
{
    /* [0,10], [5,15], [10,20] (closed at close_ts) and one open to the end (30) from 12 */
    struct conn c[4];
    for (int i = 0; i < 3; i++) {
        c[i] = mk_tcp_ok("10.0.0.1", (uint16_t)(50000 + i), "10.0.0.2", 80, T0 + (uint64_t)i * 5 * S,
                         (uint64_t)i + 1);
        c[i].close_ts = c[i].first_ts + 10 * S;
        c[i].end_reason = END_CLOSED;
    }
    c[3] = mk_tcp_ok("10.0.0.1", 50010, "10.0.0.2", 80, T0 + 12 * S, 9);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 4, T0 + 30 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    /* at 12: [5,15], [10,20], [12,end] -> 3; the end at 10 comes before the start at 10 */
    CU_ASSERT_EQUAL(v.ports[0].peak_concurrent, 3);
    CU_ASSERT_EQUAL(v.ports[0].peak_ts, T0 + 12 * S);
    views_free(&v);
    /* exactly touching intervals never overlap */
    CU_ASSERT_FATAL(views_build(&v, c, 1, T0 + 30 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.ports[0].peak_concurrent, 1);
    views_free(&v);
    /* a one-packet connection at the very end of the capture still counts */
    struct conn one = mk(IPPROTO_NUM_UDP, "10.0.0.1", 40100, "10.0.0.2", 7777, T0 + 30 * S, 7);
    one.dir[0].pkts = 1;
    CU_ASSERT_FATAL(views_build(&v, &one, 1, T0 + 30 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.ports[0].peak_concurrent, 1);
    CU_ASSERT_EQUAL(v.ports[0].peak_ts, T0 + 30 * S);
    views_free(&v);
    c[1].first_ts = c[0].close_ts;
    c[1].close_ts = c[1].first_ts + S;
    CU_ASSERT_FATAL(views_build(&v, c, 2, T0 + 30 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.ports[0].peak_concurrent, 1);
    views_free(&v);
}

static void test_syn_recv_pileup(void)
{
    struct conn c[4];
    for (int i = 0; i < 4; i++) {
        char a[32];
        snprintf(a, sizeof(a), "198.51.100.%d", 10 + i);
        c[i] = mk(IPPROTO_NUM_TCP, a, 1025, "10.0.0.2", 8765, T0 + (uint64_t)i * 1000, (uint64_t)i + 1);
        c[i].syn_ts = c[i].first_ts;
        c[i].synack_ts = c[i].first_ts + 100;
        tr(&c[i], 0, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 0);
        tr(&c[i], 1, TCP_ST_LISTEN, TCP_ST_SYN_RECEIVED, 100);
        c[i].dir[0].pkts = c[i].dir[1].pkts = 1;
    }
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 4, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.ports[0].syn_recv_peak, 4);
    CU_ASSERT_EQUAL(v.ports[0].syn_recv_at_end, 4);
    CU_ASSERT_EQUAL(v.ports[0].syn_recv_peak_ts, T0 + 3100);
    CU_ASSERT_EQUAL(v.ports[0].n_completed, 0);
    views_free(&v);
}

static void test_roles_from_port_status(void)
{
    /* mid-stream traffic to a port another connection proves open: client/server */
    struct conn c[2];
    c[0] = mk_tcp_ok("10.0.0.1", 50000, "10.0.0.2", 22, T0, 1);
    c[1] = mk(IPPROTO_NUM_TCP, "10.0.0.7", 50123, "10.0.0.2", 22, T0 + S, 2);
    c[1].orientation = ORIENT_SERVER_PORT;
    c[1].dir[0].pkts = c[1].dir[1].pkts = 1;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 2, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    for (size_t i = 0; i < v.n_socks; i++)
        CU_ASSERT_EQUAL(v.socks[i].role, v.socks[i].side == 0 ? ROLE_CLIENT : ROLE_SERVER);
    views_free(&v);
}

static void test_socket_diagnostics(void)
{
    struct conn c = mk_tcp_ok("10.0.0.3", 50020, "10.0.0.2", 7777, T0, 1);
    tr(&c, 1, TCP_ST_ESTABLISHED, TCP_ST_FIN_WAIT_1, 3000000);
    tr(&c, 0, TCP_ST_ESTABLISHED, TCP_ST_CLOSE_WAIT, 3000000);
    tr(&c, 1, TCP_ST_FIN_WAIT_1, TCP_ST_FIN_WAIT_2, 4000000);
    struct view_socket s0, s1;
    views_socket_of_conn(&c, 0, &s0);
    views_socket_of_conn(&c, 1, &s1);
    CU_ASSERT(s0.diag & SOCK_D_CLOSE_WAIT_AT_END);
    CU_ASSERT(!(s0.diag & SOCK_D_FIN_WAIT_2_AT_END));
    CU_ASSERT(s1.diag & SOCK_D_FIN_WAIT_2_AT_END);
    CU_ASSERT_EQUAL(s0.bytes_sent, 100);
    CU_ASSERT_EQUAL(s0.bytes_recv, 1000);
    CU_ASSERT_EQUAL(s1.pkts_sent, 2);
    CU_ASSERT_STRING_EQUAL(views_diag_name(SOCK_D_CLOSE_WAIT_AT_END), "close_wait_at_end");
}

static void test_hosts_ephemeral_and_reuse(void)
{
    struct conn c[3];
    c[0] = mk_tcp_ok("10.0.0.1", 50040, "10.0.0.2", 7777, T0, 1);
    c[1] = mk_tcp_ok("10.0.0.1", 50040, "10.0.0.2", 7777, T0 + 10 * S, 2);
    c[1].incarnation = 2;
    c[1].flags |= CONN_F_REUSE_IN_TIME_WAIT;
    c[2] = mk_tcp_ok("10.0.0.1", 49152, "10.0.0.2", 7777, T0 + 20 * S, 3);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 3, T0 + 30 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.n_hosts, 2);
    struct ip_addr a = ip4("10.0.0.1");
    long hi = views_find_host(&v, 4, &a);
    CU_ASSERT_FATAL(hi >= 0);
    const struct view_host *h = &v.hosts[hi];
    CU_ASSERT(h->has_ephemeral);
    CU_ASSERT_EQUAL(h->eph_min, 49152);
    CU_ASSERT_EQUAL(h->eph_max, 50040);
    CU_ASSERT_EQUAL(h->eph_distinct, 2);
    CU_ASSERT_EQUAL(h->tuple_reuses, 1);
    CU_ASSERT_EQUAL(h->reuse_in_time_wait, 1);
    CU_ASSERT_EQUAL(h->n_client, 3);
    a = ip4("10.0.0.2");
    hi = views_find_host(&v, 4, &a);
    CU_ASSERT_FATAL(hi >= 0);
    CU_ASSERT_EQUAL(v.hosts[hi].n_server, 3);
    CU_ASSERT_EQUAL(v.hosts[hi].n_listening, 1);
    CU_ASSERT(!v.hosts[hi].has_ephemeral);
    /* the first incarnation's sockets end where the second starts */
    for (size_t i = 0; i < v.n_socks; i++) {
        if (v.socks[i].conn == &c[0])
            CU_ASSERT_EQUAL(v.socks[i].superseded_ts, T0 + 10 * S);
        if (v.socks[i].conn == &c[1] || v.socks[i].conn == &c[2])
            CU_ASSERT_EQUAL(v.socks[i].superseded_ts, 0);
    }
    views_free(&v);
}

/* A one-level VXLAN chain with VNI vni between 10.99.0.1 and 10.99.0.2. */
static void vxlan_desc(struct tunnel_desc *t, uint32_t ctx, uint32_t vni)
{
    memset(t, 0, sizeof(*t));
    t->n_levels = 1;
    t->ctx = ctx;
    t->level[0].type = ENCAP_VXLAN;
    t->level[0].ip_version = 4;
    t->level[0].proto = IPPROTO_NUM_UDP;
    t->level[0].src = ip4("10.99.0.1");
    t->level[0].dst = ip4("10.99.0.2");
    t->level[0].sport = 49813;
    t->level[0].dport = 4789;
    t->level[0].has_id = true;
    t->level[0].id = vni;
}

static void test_hosts_split_by_tunnel_context(void)
{
    /* the same client and server addresses in two VXLAN tenants and outside
     * any tunnel: three hosts per address */
    struct tunnel_desc t100, t200;
    vxlan_desc(&t100, 1, 100);
    vxlan_desc(&t200, 2, 200);
    struct conn c[4];
    c[0] = mk_tcp_ok("192.168.50.10", 40000, "192.168.50.20", 80, T0, 1);
    c[0].ctx = 1;
    c[0].tunnel = &t100;
    c[1] = mk_tcp_ok("192.168.50.10", 53000, "192.168.50.20", 80, T0 + S, 2);
    c[1].ctx = 1;
    c[1].tunnel = &t100;
    c[2] = mk_tcp_ok("192.168.50.10", 40000, "192.168.50.20", 80, T0 + 2 * S, 3);
    c[2].ctx = 2;
    c[2].tunnel = &t200;
    c[3] = mk_syn_only("192.168.50.10", 41000, "192.168.50.20", 22, T0 + 3 * S, 4);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 4, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL_FATAL(v.n_hosts, 6);
    struct ip_addr cl = ip4("192.168.50.10"), sv = ip4("192.168.50.20");
    /* address order, then context: 0 first, then 1, 2 */
    long h0 = views_find_host(&v, 4, &sv);
    long h1 = views_find_host_ctx(&v, 1, 4, &sv);
    long h2 = views_find_host_ctx(&v, 2, 4, &sv);
    CU_ASSERT_FATAL(h0 >= 0 && h1 >= 0 && h2 >= 0);
    CU_ASSERT_EQUAL(views_find_host_ctx(&v, 0, 4, &sv), h0);
    CU_ASSERT_EQUAL(h1, h0 + 1);
    CU_ASSERT_EQUAL(h2, h0 + 2);
    CU_ASSERT_EQUAL(views_find_host_ctx(&v, 3, 4, &sv), -1);
    CU_ASSERT_EQUAL(v.hosts[h0].ctx, 0);
    CU_ASSERT(v.hosts[h0].tunnel == NULL);
    CU_ASSERT_EQUAL(v.hosts[h1].ctx, 1);
    CU_ASSERT(v.hosts[h1].tunnel == &t100);
    CU_ASSERT(v.hosts[h2].tunnel == &t200);
    /* tenant 100's server: two accepted sockets on its own port 80 */
    CU_ASSERT_EQUAL(v.hosts[h1].n_server, 2);
    CU_ASSERT_EQUAL(v.hosts[h1].n_ports, 1);
    CU_ASSERT_EQUAL(v.hosts[h1].n_listening, 1);
    CU_ASSERT_EQUAL(v.hosts[h2].n_server, 1);
    CU_ASSERT_EQUAL(v.hosts[h2].n_listening, 1);
    /* outside tunnels: port 22, filtered, not open */
    CU_ASSERT_EQUAL(v.hosts[h0].n_ports, 1);
    CU_ASSERT_EQUAL(v.hosts[h0].n_listening, 0);
    /* clients: ephemeral ranges per context */
    long c1 = views_find_host_ctx(&v, 1, 4, &cl), c2 = views_find_host_ctx(&v, 2, 4, &cl);
    CU_ASSERT_FATAL(c1 >= 0 && c2 >= 0);
    CU_ASSERT_EQUAL(v.hosts[c1].n_client, 2);
    CU_ASSERT_EQUAL(v.hosts[c1].eph_min, 40000);
    CU_ASSERT_EQUAL(v.hosts[c1].eph_max, 53000);
    CU_ASSERT_EQUAL(v.hosts[c1].eph_distinct, 2);
    CU_ASSERT_EQUAL(v.hosts[c2].n_client, 1);
    CU_ASSERT_EQUAL(v.hosts[c2].eph_max, 40000);
    /* JSON: tunnel only inside a tunnel; listening ports of its own context */
    json_t *j = views_json_host(&v, &v.hosts[h1]);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "tunnel")),
                           "vxlan vni 100 via 10.99.0.1->10.99.0.2");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "listening_ports")), 1);
    json_decref(j);
    j = views_json_host(&v, &v.hosts[h0]);
    CU_ASSERT(json_object_get(j, "tunnel") == NULL);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "listening_ports")), 0);
    json_decref(j);
    views_free(&v);
}

/* Each host's port range (views_host_port_range) holds exactly the ports on
 * its address, found here by a scan of them all: servers with several ports
 * whose address bytes sort differently as numbers and as bytes, one in a
 * tunnel context, an IPv6 one, and a client without ports. */
static void test_host_port_range(void)
{
    static const char *const servers[] = {"10.0.0.9", "10.0.0.10", "9.255.0.1", "192.168.1.1"};
    static const uint16_t ports[] = {443, 80, 8080};
    struct conn c[16];
    size_t n = 0;
    uint64_t id = 1;
    for (size_t s_i = 0; s_i < 4; s_i++)
        for (size_t p_i = 0; p_i < 3; p_i++, n++)
            c[n] = mk_tcp_ok("172.16.0.1", (uint16_t)(40000 + n), servers[s_i], ports[p_i],
                             T0 + n * S, id++);
    struct tunnel_desc t100;
    vxlan_desc(&t100, 1, 100);
    c[n] = mk_tcp_ok("172.16.0.1", 50000, "10.0.0.10", 22, T0 + 20 * S, id++);
    c[n].ctx = 1;
    c[n++].tunnel = &t100;
    c[n] = mk_tcp_ok("172.16.0.2", 50001, "10.0.0.10", 25, T0 + 21 * S, id++);
    n++;
    struct conn six = mk_tcp_ok("172.16.0.1", 50002, "10.0.0.1", 80, T0 + 22 * S, id++);
    six.ip_version = 6;
    CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, "fd99::1", six.orig_addr.b), 1);
    CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, "fd99::2", six.resp_addr.b), 1);
    c[n++] = six;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, n, T0 + 30 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_FATAL(v.n_hosts > 6);
    size_t with_ports = 0;
    for (size_t h = 0; h < v.n_hosts; h++) {
        const struct view_host *host = &v.hosts[h];
        size_t first, end, expect = 0;
        views_host_port_range(&v, host, &first, &end);
        CU_ASSERT(first <= end && end <= v.n_ports);
        for (size_t i = 0; i < v.n_ports; i++) {
            const struct view_port *p = &v.ports[i];
            bool same = p->ip_version == host->ip_version &&
                        memcmp(p->addr.b, host->addr.b, 16) == 0;
            CU_ASSERT_EQUAL(same, i >= first && i < end);
            expect += same;
        }
        CU_ASSERT_EQUAL(end - first, expect);
        with_ports += expect > 0;
    }
    CU_ASSERT(with_ports >= 6); /* four servers, the tunnelled one, the IPv6 one */
    views_free(&v);
}

static void test_parse_endpoint(void)
{
    uint8_t ver;
    struct ip_addr a;
    uint16_t port;
    bool has;
    struct ss_err err;
    CU_ASSERT(views_parse_endpoint("10.0.0.5:9001", &ver, &a, &port, &has, &err) == 0);
    CU_ASSERT(ver == 4 && has && port == 9001 && a.b[0] == 10 && a.b[3] == 5);
    CU_ASSERT(views_parse_endpoint("10.0.0.5", &ver, &a, &port, &has, &err) == 0);
    CU_ASSERT(ver == 4 && !has);
    CU_ASSERT(views_parse_endpoint("[fd99::2]:443", &ver, &a, &port, &has, &err) == 0);
    CU_ASSERT(ver == 6 && has && port == 443 && a.b[0] == 0xfd && a.b[15] == 2);
    CU_ASSERT(views_parse_endpoint("fd99::2", &ver, &a, &port, &has, &err) == 0);
    CU_ASSERT(ver == 6 && !has);
    CU_ASSERT(views_parse_endpoint("10.0.0.5:65536", &ver, &a, &port, &has, &err) == -1);
    CU_ASSERT(views_parse_endpoint("10.0.0.5:", &ver, &a, &port, &has, &err) == -1);
    CU_ASSERT(views_parse_endpoint("10.0.0.5: 80", &ver, &a, &port, &has, &err) == -1);
    CU_ASSERT(views_parse_endpoint("10.0.0.5:+80", &ver, &a, &port, &has, &err) == -1);
    CU_ASSERT(views_parse_endpoint("host.example:80", &ver, &a, &port, &has, &err) == -1);
    CU_ASSERT(views_parse_endpoint("[fd99::2", &ver, &a, &port, &has, &err) == -1);
    CU_ASSERT(views_parse_endpoint("", &ver, &a, &port, &has, &err) == -1);
}

static void test_empty_and_portless(void)
{
    struct conn c = mk(IPPROTO_NUM_ICMP, "10.0.0.2", 3, "10.0.0.1", 3, T0, 1);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, &c, 1, T0, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.n_ports, 0);
    CU_ASSERT_EQUAL(v.n_socks, 0);
    CU_ASSERT_EQUAL(v.n_hosts, 0);
    CU_ASSERT_EQUAL(v.n_conns, 1);
    views_free(&v);
    CU_ASSERT_FATAL(views_build(&v, NULL, 0, T0, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    CU_ASSERT_EQUAL(v.n_ports, 0);
    views_free(&v);
    views_free(NULL);
}

static void set_app(struct conn *c, const char *service, const char *app, bool mismatch)
{
    c->dpi_done = true;
    snprintf(c->service, sizeof(c->service), "%s", service);
    snprintf(c->app_name, sizeof(c->app_name), "%s", app);
    c->app_port_mismatch = mismatch;
}

static void test_detected_protocols_and_mismatch(void)
{
    /* SSH on 443 next to TLS on 443: both detected, the port flagged */
    struct conn c[4] = {mk_tcp_ok("10.0.0.1", 50000, "10.0.0.5", 443, T0, 1),
                        mk_tcp_ok("10.0.0.2", 50001, "10.0.0.5", 443, T0 + S, 2),
                        mk_tcp_ok("10.0.0.3", 50002, "10.0.0.5", 443, T0 + 2 * S, 3),
                        mk_tcp_ok("10.0.0.4", 50003, "10.0.0.6", 80, T0 + 3 * S, 4)};
    set_app(&c[0], "ssl", "TLS", false);
    set_app(&c[1], "ssh", "SSH", true);
    set_app(&c[2], "ssl", "TLS", false);
    /* a port guess (no service) is not a detection */
    set_app(&c[3], "", "HTTP", false);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 4, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    const struct view_port *p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.5", 443);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->n_detected, 2);
    CU_ASSERT_STRING_EQUAL(p->detected[0], "TLS");
    CU_ASSERT_STRING_EQUAL(p->detected[1], "SSH");
    CU_ASSERT_TRUE(p->mismatch);
    const struct view_port *q = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.6", 80);
    CU_ASSERT_FATAL(q != NULL);
    CU_ASSERT_EQUAL(q->n_detected, 0);
    CU_ASSERT_FALSE(q->mismatch);
    views_free(&v);
}

/* Each row of table (the text between header and the next blank line or
 * end) whose first characters are prefix has a word starting exactly where
 * the header's column name col starts, after a space: the columns line up. */
static void assert_column_aligned(const char *text, const char *header_start, const char *col,
                                  const char *prefix)
{
    const char *h = strstr(text, header_start);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    const char *eol = strchr(h, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(eol);
    const char *c = strstr(h, col);
    CU_ASSERT_FATAL(c != NULL && c < eol);
    size_t at = (size_t)(c - h);
    unsigned rows = 0;
    for (const char *line = eol + 1; *line != '\0' && *line != '\n';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            rows++;
            CU_ASSERT(len > at && line[at - 1] == ' ' && line[at] != ' ');
        }
        if (end == NULL)
            break;
        line = end + 1;
    }
    CU_ASSERT(rows >= 2);
}

/* IPv6 endpoints longer than the columns' usual widths widen them: every
 * row's next column still starts under its name (ports, sockets,
 * connections). */
static void test_text_columns_fit_long_endpoints(void)
{
    struct conn c[3];
    c[0] = mk_tcp_ok("10.99.0.1", 40000, "10.99.0.2", 80, T0, 1);
    c[1] = mk_tcp_ok("10.99.0.1", 40001, "10.99.0.2", 80, T0 + S, 2);
    c[2] = mk_tcp_ok("10.99.0.1", 40002, "10.99.0.2", 80, T0 + 2 * S, 3);
    for (int i = 1; i < 3; i++) {
        c[i].ip_version = 6;
        c[i].orig_addr = ip6("fd99:1111:2222:3333:4444:5555:6666:7777");
        c[i].resp_addr = ip6("fd99:aaaa:bbbb:cccc:dddd:eeee:ffff:1234");
    }
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 3, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    struct text_opts o = {0};
    output_text_ports(out, &v, &o);
    fputc('\n', out);
    output_text_sockets(out, &v, &o);
    fputc('\n', out);
    output_text_conns(out, c, 3, 0);
    fclose(out);
    assert_column_aligned(text, "proto address:port", "service", "tcp ");
    assert_column_aligned(text, "  proto local", "remote", "  tcp ");
    assert_column_aligned(text, "  proto local", "role", "  tcp ");
    assert_column_aligned(text, "uid                proto", "responder", "C");
    assert_column_aligned(text, "uid                proto", "state", "C");
    free(text);

    /* --explain of the server port: one line per socket, the roles aligned
     * after remote endpoints of two lengths */
    c[2].resp_addr = c[1].resp_addr = ip6("fd99::2");
    c[2].orig_addr = ip6("fd99:1111:2222:3333:4444:5555:6666:1"); /* 2 characters shorter */
    views_free(&v);
    CU_ASSERT_FATAL(views_build(&v, c, 3, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(explain_print(out, &v, "[fd99::2]:80", &err), 0);
    fclose(out);
    long role_at = -1;
    unsigned lines = 0;
    for (const char *l = strstr(text, "    -> "); l != NULL; l = strstr(l + 1, "    -> ")) {
        const char *r = strstr(l, " server ");
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        if (role_at < 0)
            role_at = r - l;
        CU_ASSERT_EQUAL(r - l, role_at);
        lines++;
    }
    CU_ASSERT_EQUAL(lines, 2);
    free(text);
    views_free(&v);
}

/* What --explain WHAT prints about connections c[0..n) (malloc'd). */
static char *explain_text(const struct conn *c, size_t n, const char *what)
{
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, n, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(explain_print(out, &v, what, &err), 0);
    fclose(out);
    views_free(&v);
    return text;
}

/* --explain of a port that answered some attempts and not others: the sockets
 * on it are those of the answered ones, and the text says what the others
 * were (122 connections and "99 + 1 sockets" read as a contradiction). */
static void test_explain_unanswered_attempts(void)
{
    struct conn c[3];
    c[0] = mk_tcp_ok("10.99.0.1", 40000, "10.99.0.2", 80, T0, 1);
    c[1] = mk_syn_only("10.99.0.3", 40001, "10.99.0.2", 80, T0 + S, 2);
    c[2] = mk_tcp_ok("10.99.0.4", 40002, "10.99.0.2", 80, T0 + 2 * S, 3);
    char *text = explain_text(c, 3, "10.99.0.2:80");
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  3 connections (2 completed,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  2 sockets share local endpoint 10.99.0.2:80, one per "
                                        "connection it accepted; 1 more attempt got no socket on "
                                        "it (1 unanswered, 0 refused with RST by the host's TCP)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "The remote sockets of all 3:\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ": 2 + 1 sockets on one port (the attempts it never "
                                        "accepted had none on it).\n"));
    free(text);
    /* all answered: the plain wording */
    c[1] = mk_tcp_ok("10.99.0.3", 40001, "10.99.0.2", 80, T0 + S, 2);
    text = explain_text(c, 3, "10.99.0.2:80");
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  3 sockets share local endpoint 10.99.0.2:80, one per "
                                        "connection, with these remote sockets:\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, ": 3 + 1 sockets on one port.\n"));
    free(text);
}

/* Every field views_sort_field names sorts some view, and the fields of each
 * view are among them (the list --sort's messages give). */
static void test_sort_fields(void)
{
    static const char *const views[] = {"ports", "sockets", "conns", "hosts"};
    static const char *const candidates[] = {"conns", "bytes", "pkts", "peak", "remotes",
                                             "sockets", "duration", "port", "time", "ts",
                                             "state", "uid", "hosts", "rst", ""};
    size_t n = 0;
    while (views_sort_field(n) != NULL)
        n++;
    CU_ASSERT_EQUAL(n, 9);
    for (size_t f = 0; f < n; f++) {
        bool some = false;
        for (size_t i = 0; i < 4; i++)
            some = some || views_sort_key(NULL, views[i], views_sort_field(f), 0, NULL);
        CU_ASSERT_TRUE(some);
    }
    for (size_t c = 0; c < sizeof(candidates) / sizeof(candidates[0]); c++) {
        bool listed = false;
        for (size_t f = 0; f < n; f++)
            listed = listed || strcmp(candidates[c], views_sort_field(f)) == 0;
        for (size_t i = 0; i < 4; i++)
            if (views_sort_key(NULL, views[i], candidates[c], 0, NULL))
                CU_ASSERT_TRUE(listed);
    }
    CU_ASSERT_FALSE(views_sort_key(NULL, "hosts", "bytes", 0, NULL));
    CU_ASSERT_FALSE(views_sort_key(NULL, "netstat", "conns", 0, NULL));
}

/* The ports views_build_ports gives from the connections' port facts equal
 * views_build's from the connections, member by member (first_sock aside:
 * no socket list there). Returns the facts' views (free with views_free,
 * then fs->v: the ports borrow the detected names from the facts). */
static struct views ports_both_ways(const struct conn *c, size_t n, uint64_t end_ts,
                                    struct view_port_facts *fs)
{
    struct views full, facts_v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&full, c, n, end_ts, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    *fs = (struct view_port_facts){0};
    for (size_t i = 0; i < n; i++)
        if (views_conn_has_ports(&c[i]))
            views_port_facts_push(fs, &c[i]);
    CU_ASSERT_FATAL(!fs->oom);
    CU_ASSERT_FATAL(views_build_ports(&facts_v, fs->v, fs->n, end_ts, &err) == 0);
    CU_ASSERT_PTR_NULL(facts_v.socks);
    CU_ASSERT_PTR_NULL(facts_v.hosts);
    CU_ASSERT_EQUAL_FATAL(facts_v.n_ports, full.n_ports);
    for (size_t i = 0; i < full.n_ports; i++) {
        const struct view_port *a = &full.ports[i], *b = &facts_v.ports[i];
        CU_ASSERT_EQUAL(a->proto, b->proto);
        CU_ASSERT_EQUAL(a->ip_version, b->ip_version);
        CU_ASSERT_EQUAL(memcmp(&a->addr, &b->addr, sizeof(a->addr)), 0);
        CU_ASSERT_EQUAL(a->port, b->port);
        CU_ASSERT_EQUAL(a->ctx, b->ctx);
        CU_ASSERT_PTR_EQUAL(a->tunnel, b->tunnel);
        CU_ASSERT_EQUAL(a->carried_conns, b->carried_conns);
        CU_ASSERT_EQUAL(a->carried_sockets, b->carried_sockets);
        CU_ASSERT_EQUAL(a->status, b->status);
        CU_ASSERT_EQUAL(a->evidence, b->evidence);
        CU_ASSERT_EQUAL(a->evidence_ts, b->evidence_ts);
        CU_ASSERT_EQUAL(a->icmp_type, b->icmp_type);
        CU_ASSERT_EQUAL(a->icmp_code, b->icmp_code);
        CU_ASSERT_EQUAL(memcmp(&a->icmp_from, &b->icmp_from, sizeof(a->icmp_from)), 0);
        CU_ASSERT_EQUAL(a->icmp_ip_version, b->icmp_ip_version);
        CU_ASSERT_EQUAL(a->has_listener, b->has_listener);
        CU_ASSERT_EQUAL(a->listener_since_ts, b->listener_since_ts);
        CU_ASSERT_EQUAL(a->n_conns, b->n_conns);
        CU_ASSERT_EQUAL(a->n_completed, b->n_completed);
        CU_ASSERT_EQUAL(a->n_rejected, b->n_rejected);
        CU_ASSERT_EQUAL(a->n_reset, b->n_reset);
        CU_ASSERT_EQUAL(a->peak_concurrent, b->peak_concurrent);
        CU_ASSERT_EQUAL(a->peak_ts, b->peak_ts);
        CU_ASSERT_EQUAL(a->syn_recv_peak, b->syn_recv_peak);
        CU_ASSERT_EQUAL(a->syn_recv_peak_ts, b->syn_recv_peak_ts);
        CU_ASSERT_EQUAL(a->syn_recv_at_end, b->syn_recv_at_end);
        CU_ASSERT_EQUAL(a->remote_sockets, b->remote_sockets);
        CU_ASSERT_EQUAL(a->remote_hosts, b->remote_hosts);
        CU_ASSERT_EQUAL(a->bytes_in, b->bytes_in);
        CU_ASSERT_EQUAL(a->bytes_out, b->bytes_out);
        CU_ASSERT_PTR_EQUAL(a->service, b->service);
        CU_ASSERT_EQUAL(a->n_detected, b->n_detected);
        for (unsigned k = 0; k < a->n_detected && k < b->n_detected; k++)
            CU_ASSERT_STRING_EQUAL(a->detected[k], b->detected[k]);
        CU_ASSERT_EQUAL(a->detected_more, b->detected_more);
        CU_ASSERT_EQUAL(a->mismatch, b->mismatch);
        CU_ASSERT_EQUAL(a->n_socks, b->n_socks);
    }
    views_free(&full);
    return facts_v;
}

/* --ndjson keeps port facts instead of the records: every member of a port
 * comes out as from the records, for each thing a port counts. */
static void test_ports_from_facts(void)
{
    struct conn c[20];
    size_t n = 0;
    /* a listener: two clients, one of them with late packets after its
     * record (bytes only), TLS and SSH detected, and a fifth name past the four */
    c[n++] = mk_tcp_ok("10.0.0.1", 50000, "10.0.0.5", 443, T0, 1);
    set_app(&c[n - 1], "ssl", "TLS", false);
    c[n++] = mk_tcp_ok("10.0.0.2", 50001, "10.0.0.5", 443, T0 + S, 2);
    set_app(&c[n - 1], "ssh", "SSH", true);
    c[n] = mk_tcp_ok("10.0.0.2", 50001, "10.0.0.5", 443, T0 + 2 * S, 3);
    c[n].flags |= CONN_F_AFTER_CLOSE;
    c[n++].dir[0].payload_bytes = 7;
    const char *names[] = {"HTTP", "QUIC", "DNS", "IMAPS"};
    for (int k = 0; k < 4; k++) {
        c[n] = mk_tcp_ok("10.0.0.3", (uint16_t)(50010 + k), "10.0.0.5", 443,
                         T0 + (uint64_t)(3 + k) * S, (uint64_t)(10 + k));
        set_app(&c[n++], "x", names[k], false);
    }
    /* a SYN the responder is still answering at the end (SYN_RECV open) */
    c[n] = mk(IPPROTO_NUM_TCP, "10.0.0.4", 40000, "10.0.0.5", 443, T0 + 8 * S, 20);
    tr(&c[n], 0, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 0);
    tr(&c[n], 1, TCP_ST_LISTEN, TCP_ST_SYN_RECEIVED, 1000);
    c[n].synack_ts = c[n].first_ts + 1000;
    c[n].syn_ts = c[n].first_ts;
    c[n].dir[0].pkts = c[n].dir[1].pkts = 1;
    n++;
    /* and another a second later: two half-open at once */
    c[n] = c[n - 1];
    c[n].orig_port = 40003;
    c[n].first_ts += S;
    c[n].syn_ts += S;
    c[n].synack_ts += S;
    c[n++].id = 23;
    /* refused by RST, and reset after the handshake */
    c[n] = mk(IPPROTO_NUM_TCP, "10.0.0.4", 40001, "10.0.0.5", 81, T0 + S, 21);
    c[n].refused_by_rst = true;
    c[n++].dir[1].pkts = 1;
    c[n] = mk_tcp_ok("10.0.0.4", 40002, "10.0.0.5", 82, T0 + S, 22);
    c[n++].dir[1].rst_sent = true;
    /* DNS servers asking each other from port 53: 10.0.0.5:53's originator
     * socket is on a port too */
    c[n] = mk(IPPROTO_NUM_UDP, "10.0.0.9", 53, "10.0.0.5", 53, T0, 30);
    c[n].dir[0].pkts = c[n].dir[1].pkts = 1;
    n++;
    c[n] = mk(IPPROTO_NUM_UDP, "10.0.0.5", 53, "10.0.0.9", 53, T0 + S, 31);
    c[n].dir[0].pkts = c[n].dir[1].pkts = 1;
    n++;
    /* a port unreachable */
    c[n] = mk(IPPROTO_NUM_UDP, "10.0.0.9", 5000, "10.0.0.5", 161, T0, 32);
    c[n].dir[0].pkts = 1;
    c[n].has_icmp = true;
    c[n].icmp = (struct conn_icmp_evidence){.ts_ns = T0 + 5, .type = 3, .code = 3,
                                            .ip_version = 4, .from = ip4("10.0.0.5")};
    n++;
    /* a VXLAN carrier (id 40) and the connection inside it */
    c[n] = mk(IPPROTO_NUM_UDP, "10.99.0.1", 33000, "10.99.0.2", 4789, T0, 40);
    c[n].dir[0].pkts = c[n].dir[1].pkts = 2;
    c[n++].carried_conns = 1;
    c[n] = mk_tcp_ok("192.168.50.10", 41000, "192.168.50.20", 80, T0, 41);
    c[n].ctx = 7;
    c[n].n_tunnel_parents = 1;
    c[n++].tunnel_parents[0] = 40;
    /* ICMP: no ports */
    c[n] = mk(IPPROTO_NUM_ICMP, "10.0.0.9", 8, "10.0.0.5", 0, T0, 50);
    c[n++].dir[0].pkts = 1;
    CU_ASSERT_FATAL(n <= sizeof(c) / sizeof(c[0]));

    struct view_port_facts fs;
    struct views v = ports_both_ways(c, n, T0 + 100 * S, &fs);
    /* and what they count, from the facts */
    const struct view_port *p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.5", 443);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->n_conns, 8);
    CU_ASSERT_EQUAL(p->bytes_in, 6 * 100 + 7);
    CU_ASSERT_EQUAL(p->n_detected, 4);
    CU_ASSERT_TRUE(p->detected_more);
    CU_ASSERT_TRUE(p->mismatch);
    CU_ASSERT_EQUAL(p->syn_recv_at_end, 2);
    CU_ASSERT_EQUAL(p->syn_recv_peak, 2);
    CU_ASSERT_EQUAL(p->syn_recv_peak_ts, T0 + 9 * S + 1000);
    CU_ASSERT_EQUAL(p->remote_sockets, 8);
    CU_ASSERT_EQUAL(p->remote_hosts, 4);
    CU_ASSERT_EQUAL(p->n_socks, 9);
    p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.5", 81);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->n_rejected, 1);
    p = port_of(&v, IPPROTO_NUM_TCP, "10.0.0.5", 82);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->n_reset, 1);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.0.0.5", 53);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->n_socks, 2);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.0.0.5", 161);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->evidence, PEV_ICMP_PORT_UNREACH);
    CU_ASSERT_EQUAL(p->icmp_code, 3);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 4789);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(p->carried_conns, 1);
    CU_ASSERT_EQUAL(p->carried_sockets, 2);
    views_free(&v);
    free(fs.v);

    /* the same connections in another order: the same ports */
    for (size_t i = 0; i < n / 2; i++) {
        struct conn t = c[i];
        c[i] = c[n - 1 - i];
        c[n - 1 - i] = t;
    }
    v = ports_both_ways(c, n, T0 + 100 * S, &fs);
    views_free(&v);
    free(fs.v);
    v = ports_both_ways(c, 0, T0, &fs);
    CU_ASSERT_EQUAL(v.n_ports, 0);
    views_free(&v);
    free(fs.v);
}

#define EXPLAIN_MS 1000000ull

/* --explain on records the analyzer made from hand-built segments. */
static struct conn_vec records;

static void keep(void *user, const struct conn *c)
{
    (void)user;
    conn_vec_push(&records, c);
}

/* An analyzer whose records go to `records` (emptied first). */
static struct analyzer *recording_analyzer(void)
{
    memset(&records, 0, sizeof(records));
    struct analyzer_config cfg;
    fixture_config(&cfg, keep, NULL);
    struct ss_err err;
    return analyzer_create(&cfg, &err);
}

static int by_first_ts(const void *a, const void *b)
{
    const struct conn *x = a, *y = b;
    return (x->first_ts > y->first_ts) - (x->first_ts < y->first_ts);
}

/* What a client at cport does to server port sport from t: a SYN, then the
 * server's answer (accept: SYN-ACK and the final ACK; refuse: RST-ACK;
 * none: nothing). */
enum answer { ACCEPT, REFUSE, SILENCE };

static void attempt(struct analyzer *an, uint64_t t, uint16_t cport, uint16_t sport, enum answer a)
{
    fixture_tcp(an, t, cport, sport, true, 0x02, 1000, 0);
    if (a == ACCEPT) {
        fixture_tcp(an, t + EXPLAIN_MS, cport, sport, false, 0x12, 5000, 1001);
        fixture_tcp(an, t + 2 * EXPLAIN_MS, cport, sport, true, 0x10, 1001, 5001);
    } else if (a == REFUSE) {
        fixture_tcp(an, t + EXPLAIN_MS, cport, sport, false, 0x14, 0, 1001);
    }
}

static void assert_says(const char *target, const char *line)
{
    char *text = explain_text(records.v, records.n, target);
    if (strstr(text, line) == NULL)
        fprintf(stderr, "\n%s does not say \"%s\":\n%s", target, line, text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
    free(text);
}

static void test_attempts_without_socket(void)
{
    struct analyzer *an = recording_analyzer();
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    attempt(an, T0, 1000, 80, REFUSE); /* port 80: closed */
    attempt(an, T0 + 10 * EXPLAIN_MS, 1001, 81, ACCEPT); /* port 81: one of each */
    attempt(an, T0 + 20 * EXPLAIN_MS, 1002, 81, REFUSE);
    attempt(an, T0 + 30 * EXPLAIN_MS, 1003, 81, SILENCE);
    attempt(an, T0 + 40 * EXPLAIN_MS, 1004, 82, REFUSE); /* port 82: refused or unanswered */
    attempt(an, T0 + 50 * EXPLAIN_MS, 1005, 82, REFUSE);
    attempt(an, T0 + 60 * EXPLAIN_MS, 1006, 82, SILENCE);
    attempt(an, T0 + 70 * EXPLAIN_MS, 1007, 83, SILENCE); /* port 83: never answered */
    attempt(an, T0 + 80 * EXPLAIN_MS, 1008, 83, SILENCE);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(records.n, 9);
    qsort(records.v, records.n, sizeof(records.v[0]), by_first_ts);

    assert_says("10.99.0.2:80", "No socket on 10.99.0.2:80 existed: the host's TCP refused the 1 "
                                "connection attempt with RST (a closed port has no socket to "
                                "answer); it came from:");
    assert_says("10.99.0.2:81", "1 socket has local endpoint 10.99.0.2:81, one per connection it "
                                "accepted; 2 more attempts got no socket on it (1 unanswered, 1 "
                                "refused with RST by the host's TCP).");
    assert_says("10.99.0.2:82", "No socket on 10.99.0.2:82 existed: the host's TCP refused 2 of "
                                "the 3 connection attempts with RST (a closed port has no socket "
                                "to answer), the others got no answer; they came from:");
    assert_says("10.99.0.2:83", "No socket on 10.99.0.2:83 ever sent a packet; the 2 connection "
                                "attempts came from:");
    free(records.v);
}

/* ICMP errors and SCTP answers, fed to an analyzer as frames: what each says
 * about the responder's port. */
static const uint8_t router[4] = {10, 99, 0, 254};

/* An Ethernet/IPv4 UDP datagram of 4 payload bytes between the fixture hosts. */
static void udp4(struct analyzer *an, uint64_t ts, uint16_t cport, uint16_t sport, bool from_client)
{
    uint8_t f[46];
    if (from_client)
        fixture_ip4_frame(f, sizeof(f), 17, fixture_client, cport, fixture_server, sport, 0, 0, 0);
    else
        fixture_ip4_frame(f, sizeof(f), 17, fixture_server, sport, fixture_client, cport, 0, 0, 0);
    fixture_feed(an, f, sizeof(f), ts);
}

/* An ICMPv4 error of type/code (mtu in its second word) from src to the sender
 * of the quoted packet: that packet's IPv4 header and first 8 bytes, a datagram
 * (qproto 17) from qsrc:qsport to qdst:qdport, an ICMP query (qproto 1,
 * qsport its type, qdport its code) or another protocol's packet. */
static void icmp4_error(struct analyzer *an, uint64_t ts, const uint8_t src[4], uint8_t type,
                        uint8_t code, uint16_t mtu, uint8_t qproto, const uint8_t qsrc[4],
                        uint16_t qsport, const uint8_t qdst[4], uint16_t qdport)
{
    uint8_t f[14 + 20 + 8 + 28];
    memset(f, 0, sizeof(f));
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[3] = (uint8_t)(sizeof(f) - 14);
    ip[8] = 64;
    ip[9] = 1;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, qsrc, 4); /* back to the quoted packet's sender */
    uint8_t *ic = ip + 20;
    ic[0] = type;
    ic[1] = code;
    ic[6] = (uint8_t)(mtu >> 8);
    ic[7] = (uint8_t)mtu;
    uint8_t *q = ic + 8;
    q[0] = 0x45;
    q[3] = 28 + 4;
    q[8] = 64;
    q[9] = qproto;
    memcpy(q + 12, qsrc, 4);
    memcpy(q + 16, qdst, 4);
    if (qproto == 1) {
        q[20] = (uint8_t)qsport;
        q[21] = (uint8_t)qdport;
    } else {
        q[20] = (uint8_t)(qsport >> 8);
        q[21] = (uint8_t)qsport;
        q[22] = (uint8_t)(qdport >> 8);
        q[23] = (uint8_t)qdport;
        q[25] = 12; /* UDP length */
    }
    fixture_feed(an, f, sizeof(f), ts);
}

/* An SCTP packet with one chunk of type chunk (4 bytes, no value). */
static void sctp4(struct analyzer *an, uint64_t ts, uint16_t cport, uint16_t sport, bool from_client,
                  uint8_t chunk)
{
    uint8_t f[14 + 20 + 12 + 4];
    fixture_ip4_frame(f, sizeof(f), 132, from_client ? fixture_client : fixture_server,
                      from_client ? cport : sport, from_client ? fixture_server : fixture_client,
                      from_client ? sport : cport, 0, 0, 0);
    uint8_t *sc = f + 14 + 20;
    memset(sc + 4, 0, 8 + 4); /* the verification tag and checksum (not verified), the chunk */
    sc[12] = chunk;
    sc[15] = 4;
    fixture_feed(an, f, sizeof(f), ts);
}

static const struct conn *record_to(uint8_t proto, uint16_t resp_port)
{
    for (size_t i = 0; i < records.n; i++)
        if (records.v[i].proto == proto && records.v[i].resp_port == resp_port)
            return &records.v[i];
    return NULL;
}

static void test_icmp_errors_and_sctp_aborts(void)
{
    struct analyzer *an = recording_analyzer();
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    const uint8_t *cl = fixture_client, *sv = fixture_server;
    uint64_t t = T0;
#define NEXT (t += EXPLAIN_MS)
    /* 5000: a router's fragmentation-needed is path MTU discovery, no refusal */
    udp4(an, NEXT, 1000, 5000, true);
    icmp4_error(an, NEXT, router, 3, 4, 1400, 17, cl, 1000, sv, 5000);
    /* 5001: a late answer whose client socket had gone: the unreachable quotes
     * the server's datagram, so it is about the client's port */
    udp4(an, NEXT, 1001, 5001, true);
    udp4(an, NEXT, 1001, 5001, false);
    icmp4_error(an, NEXT, cl, 3, 3, 0, 17, sv, 5001, cl, 1001);
    /* 5002: a time exceeded, then the server's port unreachable: the latter */
    udp4(an, NEXT, 1002, 5002, true);
    icmp4_error(an, NEXT, router, 11, 0, 0, 17, cl, 1002, sv, 5002);
    icmp4_error(an, NEXT, sv, 3, 3, 0, 17, cl, 1002, sv, 5002);
    /* 5003: a port unreachable, then a router's frag-needed: the first, whole
     * (not its sender with the other's MTU) */
    udp4(an, NEXT, 1003, 5003, true);
    icmp4_error(an, NEXT, sv, 3, 3, 0, 17, cl, 1003, sv, 5003);
    icmp4_error(an, NEXT, router, 3, 4, 1300, 17, cl, 1003, sv, 5003);
    /* 5004: refused, then answered (the service came up): open */
    udp4(an, NEXT, 1004, 5004, true);
    icmp4_error(an, NEXT, sv, 3, 3, 0, 17, cl, 1004, sv, 5004);
    udp4(an, NEXT, 1004, 5004, true);
    udp4(an, NEXT, 1004, 5004, false);
    /* 5005: two path MTUs: the latest */
    udp4(an, NEXT, 1005, 5005, true);
    icmp4_error(an, NEXT, router, 3, 4, 1400, 17, cl, 1005, sv, 5005);
    icmp4_error(an, NEXT, router, 3, 4, 1300, 17, cl, 1005, sv, 5005);
    /* 5006: the same unreachable, the server's datagram itself not captured
     * (asymmetric routes): still about the client's port */
    udp4(an, NEXT, 1009, 5006, true);
    icmp4_error(an, NEXT, cl, 3, 3, 0, 17, sv, 5006, cl, 1009);
    /* a timestamp request the router could not deliver: the query's own
     * record (keyed by its type and its counterpart's, 13 and 14) */
    const uint8_t far[4] = {10, 99, 7, 7};
    uint8_t query[14 + 20 + 8];
    fixture_ip4_frame(query, sizeof(query), 1, cl, 0, far, 0, 0, 0, 0);
    memset(query + 34, 0, 8);
    query[34] = 13; /* timestamp request */
    fixture_feed(an, query, sizeof(query), NEXT);
    icmp4_error(an, NEXT, router, 3, 1, 0, 1, cl, 13, far, 0);
    /* a quote without ports (GRE) keys no connection */
    icmp4_error(an, NEXT, router, 3, 1, 0, 47, cl, 0, far, 0);
    /* SCTP 2905: INIT answered by ABORT (RFC 9260 8.4: no endpoint); 2906: INIT
     * ACK, then the client aborts the association */
    sctp4(an, NEXT, 1006, 2905, true, 1);
    sctp4(an, NEXT, 1006, 2905, false, 6);
    sctp4(an, NEXT, 1007, 2906, true, 1);
    sctp4(an, NEXT, 1007, 2906, false, 2);
    sctp4(an, NEXT, 1007, 2906, true, 6);
#undef NEXT
    const struct capture_stats *st = analyzer_stats(an);
    CU_ASSERT_EQUAL(st->icmp_errors_attached, 11);
    CU_ASSERT_EQUAL(st->icmp_errors_unmatched, 1);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);

    const struct conn *c = record_to(IPPROTO_NUM_UDP, 5001);
    CU_ASSERT(c != NULL && c->has_icmp && c->icmp.type == 3 && c->icmp.code == 3);
    c = record_to(IPPROTO_NUM_UDP, 5002);
    CU_ASSERT(c != NULL && c->has_icmp && c->icmp.type == 3 && c->icmp.code == 3);
    c = record_to(IPPROTO_NUM_UDP, 5003);
    CU_ASSERT(c != NULL && c->has_icmp && c->icmp.type == 3 && c->icmp.code == 3 &&
              c->icmp.mtu == 0 && memcmp(c->icmp.from.b, sv, 4) == 0);
    c = record_to(IPPROTO_NUM_UDP, 5005);
    CU_ASSERT(c != NULL && c->has_icmp && c->icmp.code == 4 && c->icmp.mtu == 1300);
    bool query_seen = false;
    for (size_t i = 0; i < records.n; i++) {
        if (records.v[i].proto == IPPROTO_NUM_ICMP && records.v[i].orig_port == 13) {
            query_seen = true;
            CU_ASSERT(records.v[i].has_icmp && records.v[i].icmp.type == 3 &&
                      records.v[i].icmp.code == 1);
        }
    }
    CU_ASSERT(query_seen);

    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, records.v, records.n, t, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    const struct view_port *p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 5000);
    CU_ASSERT(p && p->status == PORT_UNKNOWN && p->evidence == PEV_UDP_UNANSWERED &&
              p->n_rejected == 0);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 5001);
    CU_ASSERT(p && p->status == PORT_OPEN && p->n_rejected == 0 && p->n_completed == 1);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 5002);
    CU_ASSERT(p && p->status == PORT_CLOSED && p->evidence == PEV_ICMP_PORT_UNREACH &&
              p->n_rejected == 1);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 5003);
    CU_ASSERT(p && p->status == PORT_CLOSED && memcmp(p->icmp_from.b, sv, 4) == 0);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 5004);
    CU_ASSERT(p && p->status == PORT_OPEN && p->evidence == PEV_UDP_REPLY && p->n_rejected == 0);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 5005);
    CU_ASSERT(p && p->status == PORT_UNKNOWN && p->n_rejected == 0);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.99.0.2", 5006);
    CU_ASSERT(p && p->status == PORT_UNKNOWN && p->evidence == PEV_UDP_UNANSWERED &&
              p->n_rejected == 0);
    p = port_of(&v, IPPROTO_NUM_SCTP, "10.99.0.2", 2905);
    CU_ASSERT(p && p->status == PORT_CLOSED && p->evidence == PEV_SCTP_ABORT &&
              p->n_rejected == 1 && p->n_completed == 0 && p->n_reset == 0);
    p = port_of(&v, IPPROTO_NUM_SCTP, "10.99.0.2", 2906);
    CU_ASSERT(p && p->status == PORT_OPEN && p->n_rejected == 0 && p->n_completed == 1 &&
              p->n_reset == 1);
    for (size_t i = 0; i < v.n_socks; i++) {
        const struct view_socket *s = &v.socks[i];
        const struct conn *sc = s->conn;
        struct view_refusal r;
        bool refused = (s->diag & SOCK_D_REFUSED) != 0;
        if (sc->proto == IPPROTO_NUM_SCTP && sc->resp_port == 2905) {
            CU_ASSERT_EQUAL(refused, s->side == 0);
            CU_ASSERT(views_conn_refusal(sc, &r) && strcmp(r.kind, "abort") == 0 &&
                      memcmp(r.from.b, sv, 4) == 0);
        } else if (sc->proto == IPPROTO_NUM_UDP &&
                   (sc->resp_port == 5002 || sc->resp_port == 5003)) {
            CU_ASSERT_EQUAL(refused, s->side == 0);
            CU_ASSERT(views_conn_refusal(sc, &r) && strcmp(r.kind, "icmp") == 0 &&
                      r.icmp_type == 3 && r.icmp_code == 3);
        } else {
            CU_ASSERT(!refused);
            CU_ASSERT(!views_conn_refusal(sc, &r));
        }
        if (sc->proto == IPPROTO_NUM_UDP && sc->resp_port == 5004)
            CU_ASSERT_EQUAL(s->role, s->side == 0 ? ROLE_CLIENT : ROLE_SERVER);
    }
    views_free(&v);
    free(records.v);
}

static enum addr_group group4(const char *a)
{
    struct ip_addr ad = ip4(a);
    return ip_addr_group(4, ad.b);
}

static enum addr_group group6(const char *a)
{
    struct ip_addr ad = ip6(a);
    return ip_addr_group(6, ad.b);
}

/* Ports on multicast and broadcast addresses: not one host's, whatever their
 * connections hold (members answer from their own addresses). */
static void test_group_ports(void)
{
    CU_ASSERT_EQUAL(group4("223.255.255.255"), GROUP_NONE);
    CU_ASSERT_EQUAL(group4("224.0.0.0"), GROUP_MULTICAST);
    CU_ASSERT_EQUAL(group4("239.255.255.250"), GROUP_MULTICAST);
    CU_ASSERT_EQUAL(group4("240.0.0.1"), GROUP_NONE);
    CU_ASSERT_EQUAL(group4("255.255.255.255"), GROUP_BROADCAST);
    CU_ASSERT_EQUAL(group4("255.255.255.254"), GROUP_NONE);
    CU_ASSERT_EQUAL(group4("10.0.0.255"), GROUP_NONE); /* directed: needs the mask */
    CU_ASSERT_EQUAL(group6("ff02::fb"), GROUP_MULTICAST);
    CU_ASSERT_EQUAL(group6("fe80::1"), GROUP_NONE);
    CU_ASSERT_EQUAL(group6("::ffff:224.0.0.1"), GROUP_NONE);

    struct conn c[6];
    /* mDNS: unanswered, as group traffic always is */
    c[0] = mk(IPPROTO_NUM_UDP, "10.0.0.7", 5353, "224.0.0.251", 5353, T0, 1);
    c[0].orientation = ORIENT_FIRST_PACKET;
    c[0].dir[0].pkts = 3;
    /* DHCP discover to the limited broadcast */
    c[1] = mk(IPPROTO_NUM_UDP, "0.0.0.0", 68, "255.255.255.255", 67, T0, 2);
    c[1].orientation = ORIENT_SERVER_PORT;
    c[1].dir[0].pkts = 1;
    /* SSDP: an ICMP unreachable quoting the search and a (forged) packet from
     * the group address say nothing of one listener either */
    c[2] = mk(IPPROTO_NUM_UDP, "10.0.0.7", 40000, "239.255.255.250", 1900, T0, 3);
    c[2].orientation = ORIENT_FIRST_PACKET;
    c[2].dir[0].pkts = 1;
    c[2].has_icmp = true;
    c[2].icmp = (struct conn_icmp_evidence){.type = 3, .code = 3, .ip_version = 4,
                                            .from = ip4("10.0.0.9"), .ts_ns = T0 + 7,
                                            .quoted_src_is_lo = c[2].orig_is_lo};
    c[3] = mk(IPPROTO_NUM_UDP, "10.0.0.8", 40001, "239.255.255.250", 1900, T0 + S, 4);
    c[3].orientation = ORIENT_FIRST_PACKET;
    c[3].dir[0].pkts = c[3].dir[1].pkts = 1;
    /* IPv6 mDNS */
    c[4] = mk(IPPROTO_NUM_UDP, "10.0.0.7", 5353, "10.0.0.7", 5353, T0, 5);
    c[4].ip_version = 6;
    c[4].orig_addr = ip6("fd99::7");
    c[4].resp_addr = ip6("ff02::fb");
    c[4].orientation = ORIENT_FIRST_PACKET;
    c[4].dir[0].pkts = 2;
    /* unicast, unanswered: the control */
    c[5] = mk(IPPROTO_NUM_UDP, "10.0.0.7", 40002, "10.0.0.2", 7777, T0, 6);
    c[5].orientation = ORIENT_FIRST_PACKET;
    c[5].dir[0].pkts = 1;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 6, T0 + 10 * S, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    const struct view_port *p = port_of(&v, IPPROTO_NUM_UDP, "224.0.0.251", 5353);
    CU_ASSERT(p && p->group == GROUP_MULTICAST && p->status == PORT_UNKNOWN &&
              p->evidence == PEV_GROUP && p->evidence_ts == T0);
    p = port_of(&v, IPPROTO_NUM_UDP, "255.255.255.255", 67);
    CU_ASSERT(p && p->group == GROUP_BROADCAST && p->status == PORT_UNKNOWN &&
              p->evidence == PEV_GROUP);
    p = port_of(&v, IPPROTO_NUM_UDP, "239.255.255.250", 1900);
    CU_ASSERT(p && p->group == GROUP_MULTICAST && p->status == PORT_UNKNOWN &&
              p->evidence == PEV_GROUP && p->n_conns == 2 && p->n_rejected == 0);
    struct ip_addr a6 = ip6("ff02::fb");
    long i6 = views_find_port(&v, IPPROTO_NUM_UDP, 6, &a6, 5353);
    CU_ASSERT(i6 >= 0 && v.ports[i6].group == GROUP_MULTICAST && v.ports[i6].evidence == PEV_GROUP);
    p = port_of(&v, IPPROTO_NUM_UDP, "10.0.0.2", 7777);
    CU_ASSERT(p && p->group == GROUP_NONE && p->evidence == PEV_UDP_UNANSWERED);
    for (size_t i = 0; i < v.n_socks; i++) { /* no member answered: no role, no refusal */
        CU_ASSERT_EQUAL(v.socks[i].role, ROLE_UNKNOWN);
        CU_ASSERT_EQUAL(v.socks[i].diag & SOCK_D_REFUSED, 0);
    }
    size_t groups = 0;
    for (size_t i = 0; i < v.n_hosts; i++) {
        const struct view_host *h = &v.hosts[i];
        enum addr_group want = ip_addr_group(h->ip_version, h->addr.b);
        CU_ASSERT_EQUAL(h->group, want);
        groups += want != GROUP_NONE;
    }
    CU_ASSERT_EQUAL(groups, 4);

    /* JSON: the group named on the port and the host, null on unicast */
    p = port_of(&v, IPPROTO_NUM_UDP, "255.255.255.255", 67);
    json_t *j = views_json_port(&v, p);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "group")), "broadcast");
    CU_ASSERT_STRING_EQUAL(
        json_string_value(json_object_get(json_object_get(j, "evidence"), "kind")), "group");
    json_decref(j);
    j = views_json_port(&v, port_of(&v, IPPROTO_NUM_UDP, "10.0.0.2", 7777));
    CU_ASSERT(json_is_null(json_object_get(j, "group")));
    json_decref(j);
    for (size_t i = 0; i < v.n_hosts; i++) {
        j = views_json_host(&v, &v.hosts[i]);
        json_t *g = json_object_get(j, "group");
        if (v.hosts[i].group != GROUP_NONE) {
            CU_ASSERT(json_is_string(g) &&
                      strcmp(json_string_value(g),
                             v.hosts[i].group == GROUP_MULTICAST ? "multicast" : "broadcast") == 0);
        } else {
            CU_ASSERT(json_is_null(g));
        }
        json_decref(j);
    }

    /* text: the sockets view's port line and --explain name the group */
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    struct text_opts o = {0};
    output_text_sockets(out, &v, &o);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "udp 224.0.0.251:5353: multicast group port, unknown, 1 socket\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "udp 255.255.255.255:67: broadcast group port, unknown, 1 socket\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "udp 10.0.0.2:7777: port, unknown, 1 socket\n"));
    free(text);
    views_free(&v);
    text = explain_text(c, 6, "239.255.255.250:1900");
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "is a port (service endpoint) of the multicast address "
                                        "239.255.255.250, not of one host"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "Status: unknown: it is on a group address"));
    free(text);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"--sort fields: listed and accepted", test_sort_fields},
        {"--explain: attempts the port never answered", test_explain_unanswered_attempts},
        {"--explain: attempts that got no socket on the port", test_attempts_without_socket},
        {"ICMP errors and SCTP aborts as port evidence", test_icmp_errors_and_sctp_aborts},
        {"listener inferred from SYN-ACK", test_listener_inferred_from_syn_ack},
        {"simultaneous open: open, no listener", test_simultaneous_open_has_no_listener},
        {"port status evidence ladder", test_port_status_evidence},
        {"ports on multicast and broadcast addresses", test_group_ports},
        {"unanswered SYNs: filtered", test_filtered_only_when_nothing_better},
        {"peak concurrency", test_peak_concurrency},
        {"SYN_RECV pile-up", test_syn_recv_pileup},
        {"roles from port status", test_roles_from_port_status},
        {"socket diagnostics", test_socket_diagnostics},
        {"hosts: ephemeral ports and reuse", test_hosts_ephemeral_and_reuse},
        {"hosts: one per address and tunnel context", test_hosts_split_by_tunnel_context},
        {"endpoint parsing", test_parse_endpoint},
        {"empty and portless input", test_empty_and_portless},
        {"detected protocols and IANA mismatch per port", test_detected_protocols_and_mismatch},
        {"a host's port range: exactly the ports on its address", test_host_port_range},
        {"text tables widen for long endpoints", test_text_columns_fit_long_endpoints},
        {"ports from port facts (--ndjson) as from the records", test_ports_from_facts},
        {NULL, NULL},
    };
    return add_suite("views", tests);
}
