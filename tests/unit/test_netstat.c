/* test_netstat.c - netstat -an at moments before, during and after each
 * transition of a TCP connection's two sockets; inferred LISTEN rows; UDP
 * rows; incarnations; net-tools' column layout; one block per tunnel context. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "conn_fixture.h"
#include "cunit_main.h"
#include "netstat.h"

#define MS (1000000ull)
#define T0 (1700000000ull * 1000000000ull)

/* Client 10.0.0.1:50000 -> server 10.0.0.2:80: SYN at 0, SYN-ACK 10 ms, ACK
 * 20 ms, client FIN 100 ms, ACK of it 110 ms, server FIN 120 ms, last ACK
 * 130 ms; the client's TIME_WAIT ends at 130 ms + 2 s. */
static struct conn full_life(uint64_t first, uint64_t id)
{
    struct conn c;
    memset(&c, 0, sizeof(c));
    c.proto = IPPROTO_NUM_TCP;
    c.ip_version = 4;
    c.orig_addr = ip4("10.0.0.1");
    c.resp_addr = ip4("10.0.0.2");
    c.orig_port = 50000;
    c.resp_port = 80;
    c.first_ts = first;
    c.id = id;
    c.incarnation = 1;
    c.orientation = ORIENT_HANDSHAKE;
    c.syn_ts = first;
    c.synack_ts = first + 10 * MS;
    c.ack_ts = first + 20 * MS;
    tr(&c, 0, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 0);
    tr(&c, 1, TCP_ST_LISTEN, TCP_ST_SYN_RECEIVED, 10 * MS);
    tr(&c, 0, TCP_ST_SYN_SENT, TCP_ST_ESTABLISHED, 10 * MS);
    tr(&c, 1, TCP_ST_SYN_RECEIVED, TCP_ST_ESTABLISHED, 20 * MS);
    tr(&c, 0, TCP_ST_ESTABLISHED, TCP_ST_FIN_WAIT_1, 100 * MS);
    tr(&c, 1, TCP_ST_ESTABLISHED, TCP_ST_CLOSE_WAIT, 100 * MS);
    tr(&c, 0, TCP_ST_FIN_WAIT_1, TCP_ST_FIN_WAIT_2, 110 * MS);
    tr(&c, 1, TCP_ST_CLOSE_WAIT, TCP_ST_LAST_ACK, 120 * MS);
    tr(&c, 0, TCP_ST_FIN_WAIT_2, TCP_ST_TIME_WAIT, 120 * MS);
    tr(&c, 1, TCP_ST_LAST_ACK, TCP_ST_CLOSED, 130 * MS);
    tr(&c, 0, TCP_ST_TIME_WAIT, TCP_ST_CLOSED, 2130 * MS);
    c.dir[0].pkts = 5;
    c.dir[1].pkts = 3;
    c.last_ts = first + 130 * MS;
    c.close_ts = first + 130 * MS;
    c.end_reason = END_CLOSED;
    return c;
}

/* The state netstat on host shows for the connection socket (not LISTEN) at
 * t, "" when there is no such row; *listen says whether a LISTEN row was there. */
static const char *state_on(const struct views *v, const char *host, uint64_t t, bool *listen)
{
    struct ip_addr h = ip4(host);
    struct netstat_row *rows;
    size_t n;
    struct ss_err err;
    static char buf[32];
    CU_ASSERT_FATAL(netstat_rows(v, 4, &h, t, &rows, &n, &err) == 0);
    buf[0] = '\0';
    *listen = false;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].sock == NULL) {
            *listen = rows[i].state == TCP_ST_LISTEN;
            continue;
        }
        CU_ASSERT(buf[0] == '\0'); /* at most one connection row */
        snprintf(buf, sizeof(buf), "%s", tcp_state_netstat_name((enum tcp_state)rows[i].state));
    }
    free(rows);
    return buf;
}

static void test_client_moments(void)
{
    struct conn c = full_life(T0, 1);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, &c, 1, T0 + 10000 * MS, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    static const struct {
        int64_t dt_ms; /* -1 = before the first packet */
        const char *state;
    } want[] = {
        {-1, ""},          {0, "SYN_SENT"},   {5, "SYN_SENT"},       {10, "ESTABLISHED"},
        {99, "ESTABLISHED"}, {100, "FIN_WAIT1"}, {105, "FIN_WAIT1"}, {110, "FIN_WAIT2"},
        {119, "FIN_WAIT2"}, {120, "TIME_WAIT"}, {2129, "TIME_WAIT"}, {2130, ""}, {9000, ""},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint64_t t = want[i].dt_ms < 0 ? T0 - 1 : T0 + (uint64_t)want[i].dt_ms * MS;
        bool listen;
        const char *got = state_on(&v, "10.0.0.1", t, &listen);
        CU_ASSERT_STRING_EQUAL(got, want[i].state);
        CU_ASSERT(!listen);
        if (strcmp(got, want[i].state) != 0)
            fprintf(stderr, "client at %lld ms: got '%s', want '%s'\n", (long long)want[i].dt_ms,
                    got, want[i].state);
    }
    views_free(&v);
}

static void test_server_moments(void)
{
    struct conn c = full_life(T0, 1);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, &c, 1, T0 + 10000 * MS, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    static const struct {
        int64_t dt_ms;
        const char *state;
        bool listen;
    } want[] = {
        {-1, "", false},          {0, "", true},            {9, "", true},
        {10, "SYN_RECV", true},   {19, "SYN_RECV", true},   {20, "ESTABLISHED", true},
        {100, "CLOSE_WAIT", true}, {119, "CLOSE_WAIT", true}, {120, "LAST_ACK", true},
        {129, "LAST_ACK", true},  {130, "", true},          {9000, "", true},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint64_t t = want[i].dt_ms < 0 ? T0 - 1 : T0 + (uint64_t)want[i].dt_ms * MS;
        bool listen;
        const char *got = state_on(&v, "10.0.0.2", t, &listen);
        CU_ASSERT_STRING_EQUAL(got, want[i].state);
        CU_ASSERT_EQUAL(listen, want[i].listen);
        if (strcmp(got, want[i].state) != 0 || listen != want[i].listen)
            fprintf(stderr, "server at %lld ms: got '%s'/%d, want '%s'/%d\n",
                    (long long)want[i].dt_ms, got, listen, want[i].state, want[i].listen);
    }
    views_free(&v);
}

/* The same 5-tuple in another VLAN is another connection, not a new
 * incarnation (the flow key holds the VLANs): a later one in VLAN 20 does not
 * take the place of one still open in VLAN 10. */
static void test_other_vlan_does_not_replace(void)
{
    struct conn c[2] = {full_life(T0, 1), full_life(T0 + 50 * MS, 2)};
    c[0].vlan = 10;
    c[1].vlan = 20;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 2, T0 + 10000 * MS, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    struct ip_addr h = ip4("10.0.0.1");
    struct netstat_row *rows;
    size_t n;
    CU_ASSERT_FATAL(netstat_rows(&v, 4, &h, T0 + 70 * MS, &rows, &n, &err) == 0);
    CU_ASSERT_EQUAL(n, 2);
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_EQUAL(rows[i].state, TCP_ST_ESTABLISHED);
    free(rows);
    views_free(&v);
}

/* A capture whose frames are all stamped 0 (taken without a clock): they are
 * tracked at 1 ns (analyzer_track_ts), and netstat at 0, the capture's end,
 * shows the sockets as they were then, as at any other moment. */
static void test_moment_zero(void)
{
    struct conn c = full_life(1, 1);
    /* every transition at the frames' time, 1 ns */
    for (unsigned i = 0; i < c.n_transitions; i++)
        c.transitions[i].dt_ns = 0;
    c.n_transitions--; /* the capture ended before the TIME_WAIT ran out */
    c.syn_ts = c.synack_ts = c.ack_ts = c.last_ts = c.close_ts = 1;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, &c, 1, 0, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    bool listen;
    CU_ASSERT_STRING_EQUAL(state_on(&v, "10.0.0.1", 0, &listen), "TIME_WAIT");
    CU_ASSERT_STRING_EQUAL(state_on(&v, "10.0.0.2", 0, &listen), "");
    CU_ASSERT(listen);
    views_free(&v);
}

static void test_reuse_replaces_time_wait(void)
{
    /* the same 4-tuple again 1 s after close, inside the first TIME_WAIT */
    struct conn c[2] = {full_life(T0, 1), full_life(T0 + 1130 * MS, 2)};
    c[0].n_transitions--; /* no TIME_WAIT expiry: ended by the reuse */
    c[0].dir[0].state = TCP_ST_TIME_WAIT;
    c[0].end_reason = END_REUSE;
    c[1].incarnation = 2;
    c[1].flags |= CONN_F_REUSE_IN_TIME_WAIT;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 2, T0 + 10000 * MS, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    bool listen;
    CU_ASSERT_STRING_EQUAL(state_on(&v, "10.0.0.1", T0 + 1000 * MS, &listen), "TIME_WAIT");
    /* one row only once the new SYN is out */
    CU_ASSERT_STRING_EQUAL(state_on(&v, "10.0.0.1", T0 + 1130 * MS, &listen), "SYN_SENT");
    CU_ASSERT_STRING_EQUAL(state_on(&v, "10.0.0.1", T0 + 1200 * MS, &listen), "ESTABLISHED");
    views_free(&v);
}

static void test_udp_rows_and_layout(void)
{
    struct conn c;
    memset(&c, 0, sizeof(c));
    c.proto = IPPROTO_NUM_UDP;
    c.ip_version = 4;
    c.orig_addr = ip4("10.0.0.11");
    c.resp_addr = ip4("10.0.0.53");
    c.orig_port = 51001;
    c.resp_port = 53;
    c.first_ts = T0;
    c.last_ts = T0 + MS;
    c.id = 1;
    c.incarnation = 1;
    c.orientation = ORIENT_FIRST_PACKET;
    c.end_reason = END_END_OF_CAPTURE;
    c.dir[0].pkts = c.dir[1].pkts = 1;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, &c, 1, T0 + 5 * MS, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    struct ip_addr h = ip4("10.0.0.53");
    struct netstat_row *rows;
    size_t n;
    CU_ASSERT_FATAL(netstat_rows(&v, 4, &h, T0 + 5 * MS, &rows, &n, &err) == 0);
    CU_ASSERT_FATAL(n == 1); /* the server's unconnected socket only */
    CU_ASSERT(rows[0].remote_any && !rows[0].has_state);
    char buf[512];
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    CU_ASSERT_FATAL(f != NULL);
    netstat_print(f, rows, n);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf,
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
        "udp        0      0 10.0.0.53:53            0.0.0.0:*                          \n");
    free(rows);
    h = ip4("10.0.0.11");
    CU_ASSERT_FATAL(netstat_rows(&v, 4, &h, T0 + 5 * MS, &rows, &n, &err) == 0);
    CU_ASSERT_FATAL(n == 1);
    CU_ASSERT(!rows[0].remote_any && rows[0].remote_port == 53 && rows[0].sock != NULL);
    free(rows);
    /* before the first datagram: nothing */
    CU_ASSERT_FATAL(netstat_rows(&v, 4, &h, T0 - 1, &rows, &n, &err) == 0);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT(rows == NULL);
    views_free(&v);
}

static void test_tcp_layout(void)
{
    struct conn c = full_life(T0, 1);
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, &c, 1, T0 + 10000 * MS, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    struct ip_addr h = ip4("10.0.0.2");
    struct netstat_row *rows;
    size_t n;
    CU_ASSERT_FATAL(netstat_rows(&v, 4, &h, T0 + 50 * MS, &rows, &n, &err) == 0);
    char buf[512];
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    CU_ASSERT_FATAL(f != NULL);
    netstat_print(f, rows, n);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf,
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
        "tcp        0      0 10.0.0.2:80             0.0.0.0:*               LISTEN     \n"
        "tcp        0      0 10.0.0.2:80             10.0.0.1:50000          ESTABLISHED\n");
    free(rows);
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
    t->level[0].has_id = true;
    t->level[0].id = vni;
}

static void test_blocks_per_tunnel_context(void)
{
    /* 10.0.0.2:80 in tenant 200, tenant 100 and outside tunnels (given in
     * that order): one block per context, untunnelled first */
    struct tunnel_desc t100, t200;
    vxlan_desc(&t100, 1, 100);
    vxlan_desc(&t200, 2, 200);
    struct conn c[3] = {full_life(T0, 1), full_life(T0 + 5 * MS, 2), full_life(T0 + 10 * MS, 3)};
    c[0].ctx = 2;
    c[0].tunnel = &t200;
    c[1].ctx = 1;
    c[1].tunnel = &t100;
    c[2].orig_port = 50001;
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, c, 3, T0 + 10000 * MS, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0);
    struct ip_addr h = ip4("10.0.0.2");
    struct netstat_row *rows;
    size_t n;
    CU_ASSERT_FATAL(netstat_rows(&v, 4, &h, T0 + 50 * MS, &rows, &n, &err) == 0);
    CU_ASSERT_FATAL(n == 6);
    CU_ASSERT(rows[0].ctx == 0 && rows[1].ctx == 0 && rows[2].ctx == 1 && rows[4].ctx == 2);
    CU_ASSERT(rows[2].sock == NULL && rows[3].sock != NULL && rows[3].sock->conn == &c[1]);
    CU_ASSERT(rows[4].tunnel == &t200);
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    CU_ASSERT_FATAL(f != NULL);
    netstat_print(f, rows, n);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf,
        "Not tunnelled:\n"
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
        "tcp        0      0 10.0.0.2:80             0.0.0.0:*               LISTEN     \n"
        "tcp        0      0 10.0.0.2:80             10.0.0.1:50001          ESTABLISHED\n"
        "\n"
        "Tunnel: vxlan vni 100 via 10.99.0.1->10.99.0.2\n"
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
        "tcp        0      0 10.0.0.2:80             0.0.0.0:*               LISTEN     \n"
        "tcp        0      0 10.0.0.2:80             10.0.0.1:50000          ESTABLISHED\n"
        "\n"
        "Tunnel: vxlan vni 200 via 10.99.0.1->10.99.0.2\n"
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n"
        "tcp        0      0 10.0.0.2:80             0.0.0.0:*               LISTEN     \n"
        "tcp        0      0 10.0.0.2:80             10.0.0.1:50000          ESTABLISHED\n");
    /* JSON: tunnel only on the tunnelled rows */
    json_t *j = netstat_row_json(&v, &rows[0]);
    CU_ASSERT(json_object_get(j, "tunnel") == NULL);
    json_decref(j);
    j = netstat_row_json(&v, &rows[5]);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "tunnel")),
                           "vxlan vni 200 via 10.99.0.1->10.99.0.2");
    json_decref(j);
    free(rows);
    views_free(&v);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"client socket before, during, after each transition", test_client_moments},
        {"server socket and inferred listener over time", test_server_moments},
        {"reused 4-tuple replaces the TIME_WAIT row", test_reuse_replaces_time_wait},
        {"netstat at 0 of a capture stamped 0", test_moment_zero},
        {"another VLAN's 5-tuple does not replace a socket", test_other_vlan_does_not_replace},
        {"UDP rows and layout", test_udp_rows_and_layout},
        {"TCP layout", test_tcp_layout},
        {"one block per tunnel context", test_blocks_per_tunnel_context},
        {NULL, NULL},
    };
    return add_suite("netstat", tests);
}
