/* test_tcp_endpoint.c - RFC 9293 state inference of both sockets on scripted
 * segment sequences: every path the connection stage names. */
#include <string.h>

#include "cunit_main.h"
#include "tcp_endpoint.h"

#define MS 1000000ull
#define T0 (1700000000ull * 1000000000ull)

static struct conn c;
static uint64_t now;

static void reset(void)
{
    conn_cold_free(&c);
    memset(&c, 0, sizeof(c));
    c.proto = IPPROTO_NUM_TCP;
    c.first_ts = T0;
    c.dir[0].wscale = c.dir[1].wscale = -1;
    now = T0;
}

/* side 0 = originator (client, ISN 1000), side 1 = responder (server, ISN 5000);
 * each segment 10 ms after the one before */
static void segment(int side, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                    uint16_t window)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.proto = IPPROTO_NUM_TCP;
    p.ts_ns = now;
    p.tcp.flags = flags;
    p.tcp.seq = seq;
    p.tcp.ack = ack;
    p.tcp.window = window;
    p.l4_payload_len = len;
    c.dir[side].pkts++;
    bool closed = tcp_endpoint_on_segment(&c, &p, side);
    CU_ASSERT_EQUAL(closed, tcp_endpoint_conn_closed(&c)); /* its contract, on every segment */
    now += 10 * MS;
}

/* A segment advertising a window of 1000. */
static void seg(int side, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    segment(side, flags, seq, ack, len, 1000);
}

/* A pure ACK advertising its own window. */
static void ack_window(int side, uint32_t seq, uint32_t ack, uint16_t window)
{
    segment(side, TCP_ACK, seq, ack, 0, window);
}

#define ST(side) ((enum tcp_state)c.dir[side].state)
/* an analysis counter of side (kept in the cold part of an open connection) */
#define CNT(side, field) (c.cold != NULL ? c.cold->tcp_counts[side].field : 0u)

static void handshake(void)
{
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    seg(0, TCP_ACK, 1001, 5001, 0);
}

static void test_three_way_handshake(void)
{
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_SYN_SENT);
    bool ex;
    tcp_endpoint_state_at(&c, 1, now, &ex);
    CU_ASSERT_FALSE(ex); /* no server socket until it answers */
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_SYN_RECEIVED);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED);
    CU_ASSERT_EQUAL(c.transitions[1].from, TCP_ST_LISTEN); /* it came from a listener */
    seg(0, TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
    CU_ASSERT_TRUE(c.handshake_validated);
    CU_ASSERT_EQUAL(c.n_transitions, 4);
}

static void test_handshake_not_validated_by_wrong_ack(void)
{
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 777, 0); /* does not acknowledge ISN+1 */
    seg(0, TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_FALSE(c.handshake_validated);
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    seg(0, TCP_ACK, 1001, 9999, 0); /* final ACK for a different ISN */
    CU_ASSERT_FALSE(c.handshake_validated);
}

static void test_orderly_close_client_first(void)
{
    reset();
    handshake();
    seg(0, TCP_ACK | TCP_PSH, 1001, 5001, 100);
    seg(1, TCP_ACK, 5001, 1101, 0);
    seg(0, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_FIN_WAIT_1);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSE_WAIT);
    seg(1, TCP_ACK, 5001, 1102, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_FIN_WAIT_2);
    seg(1, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_LAST_ACK);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_TIME_WAIT);
    seg(0, TCP_ACK, 1102, 5002, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSED);
    CU_ASSERT_TRUE(tcp_endpoint_conn_closed(&c));
    /* TIME_WAIT ends after 2*MSL */
    uint64_t tw = now;
    tcp_endpoint_expire_time_wait(&c, tw + 60000 * MS, 120000 * MS);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_TIME_WAIT);
    tcp_endpoint_expire_time_wait(&c, tw + 120000 * MS, 120000 * MS);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSED);
}

/* ts_ns = UINT64_MAX asks for the side's last transition, even when the other
 * side's come after it */
static void test_time_wait_since_last_transition(void)
{
    reset();
    handshake();
    seg(0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    seg(1, TCP_ACK, 5001, 1002, 0);
    uint64_t t_tw = now;
    seg(1, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_TIME_WAIT);
    seg(0, TCP_ACK, 1002, 5002, 0); /* the server's CLOSED is the last transition */
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSED);
    CU_ASSERT_EQUAL(tcp_endpoint_time_wait_since(&c, 0, UINT64_MAX), t_tw);
    CU_ASSERT_EQUAL(tcp_endpoint_time_wait_end(&c, 0, 120000 * MS), t_tw + 120000 * MS);
    CU_ASSERT_EQUAL(tcp_endpoint_time_wait_since(&c, 1, UINT64_MAX), 0);
    CU_ASSERT_EQUAL(tcp_endpoint_time_wait_end(&c, 1, 120000 * MS), 0);
    tcp_endpoint_expire_time_wait(&c, t_tw + 120000 * MS, 120000 * MS);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSED);
    /* TIME_WAIT is over at its last transition, not at a moment inside it */
    CU_ASSERT_EQUAL(tcp_endpoint_time_wait_since(&c, 0, UINT64_MAX), 0);
    CU_ASSERT_EQUAL(tcp_endpoint_time_wait_since(&c, 0, t_tw + 1000 * MS), t_tw);
    CU_ASSERT_EQUAL(tcp_endpoint_time_wait_end(&c, 0, 120000 * MS), 0);
}

/* A connection that lives for days (an SSH or BGP session) closes at its own
 * time: its transitions keep their times well past 78 hours (2^48 ns), up to
 * CONN_TRANSITION_MAX_DT_NS, where they saturate. */
static void test_transitions_days_later(void)
{
    reset();
    handshake();
    const uint64_t H = 3600000 * MS;
    now = T0 + 100 * H; /* the client closes 100 hours on */
    seg(0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_FIN_WAIT_1);
    const struct conn_transition *t = &c.transitions[c.n_transitions - 1];
    CU_ASSERT_EQUAL(t->to, TCP_ST_CLOSE_WAIT);
    CU_ASSERT_EQUAL(t->side, 1);
    CU_ASSERT_EQUAL(c.first_ts + t->dt_ns, T0 + 100 * H);
    CU_ASSERT_EQUAL(tcp_endpoint_state_at(&c, 0, T0 + 99 * H, &(bool){false}),
                    TCP_ST_ESTABLISHED);
    now = T0 + CONN_TRANSITION_MAX_DT_NS + 1000 * H; /* past the most a transition holds */
    seg(1, TCP_ACK, 5001, 1002, 0);
    t = &c.transitions[c.n_transitions - 1];
    CU_ASSERT_EQUAL(t->to, TCP_ST_FIN_WAIT_2);
    CU_ASSERT_EQUAL(t->dt_ns, CONN_TRANSITION_MAX_DT_NS);
    CU_ASSERT(CONN_TRANSITION_MAX_DT_NS / H >= 24 * 365); /* a year at least */
}

static void test_fin_ack_combined(void)
{
    reset();
    handshake();
    seg(0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    /* the server's FIN also acknowledges the client's FIN */
    seg(1, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_TIME_WAIT);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_LAST_ACK);
    seg(0, TCP_ACK, 1002, 5002, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSED);
}

static void test_simultaneous_close(void)
{
    reset();
    handshake();
    seg(0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    seg(1, TCP_FIN | TCP_ACK, 5001, 1001, 0); /* crossed: does not ack the client's FIN */
    CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSING);
    CU_ASSERT(c.flags & CONN_F_SIMULTANEOUS_CLOSE);
    seg(1, TCP_ACK, 5002, 1002, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_TIME_WAIT);
    seg(0, TCP_ACK, 1002, 5002, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_TIME_WAIT);
}

static void test_simultaneous_open(void)
{
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_SYN, 5000, 0, 0);
    CU_ASSERT(c.flags & CONN_F_SIMULTANEOUS_OPEN);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_SYN_RECEIVED);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_SYN_SENT);
    seg(0, TCP_SYN | TCP_ACK, 1000, 5001, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
    /* each SYN-ACK repeats its side's SYN by design, not as a retransmission
     * (Wireshark flags them); one sent again is one */
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    CU_ASSERT_EQUAL(CNT(1, retransmissions), 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    CU_ASSERT_EQUAL(CNT(1, retransmissions), 1);
}

static void test_half_close_with_data_after_fin(void)
{
    reset();
    handshake();
    seg(0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    seg(1, TCP_ACK, 5001, 1002, 0);
    /* the server keeps sending after the client's FIN: a half-close, no anomaly */
    seg(1, TCP_ACK | TCP_PSH, 5001, 1002, 500);
    seg(0, TCP_ACK, 1002, 5501, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSE_WAIT);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_FIN_WAIT_2);
    CU_ASSERT_FALSE(c.flags & CONN_F_DATA_AFTER_FIN);
    /* new data from the client beyond its own FIN is an anomaly */
    seg(0, TCP_ACK | TCP_PSH, 1002, 5501, 10);
    CU_ASSERT(c.flags & CONN_F_DATA_AFTER_FIN);
}

static void test_rst_closes_both(void)
{
    reset();
    handshake();
    seg(0, TCP_RST | TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSED);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSED);
    CU_ASSERT_TRUE(tcp_endpoint_conn_closed(&c));
}

static void test_out_of_window_rst_ignored(void)
{
    reset();
    handshake();
    seg(1, TCP_RST, 5001 + 900000, 0, 0); /* far outside the client's window */
    /* counted in the cold part while open, in the record once made */
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.cold);
    CU_ASSERT_EQUAL(c.cold->out_of_window_rsts, 1);
    struct conn rec;
    conn_materialize(&c, &rec);
    CU_ASSERT_EQUAL(rec.out_of_window_rsts, 1);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
}

/* A RST's data is tested for being sent before, as Wireshark tests it: below
 * the top, a retransmission (never a keep-alive); at or beyond it, nothing, and
 * the RST moves nothing (no gap, the next sequence number stays). */
static void test_rst_with_data(void)
{
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 100); /* 1001..1101 */
    seg(0, TCP_RST | TCP_ACK, 1200, 5001, 2); /* beyond the top: no gap */
    CU_ASSERT_FALSE(c.flags & CONN_F_SEQ_GAP);
    CU_ASSERT_EQUAL(c.dir[0].next_seq, 1101);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    seg(0, TCP_RST | TCP_ACK, 1101, 5001, 2); /* at the top: new */
    CU_ASSERT_EQUAL(c.dir[0].next_seq, 1101);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    seg(0, TCP_RST | TCP_ACK, 1100, 5001, 1); /* one byte one below: not a keep-alive */
    CU_ASSERT_EQUAL(CNT(0, keepalives), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    seg(0, TCP_RST | TCP_ACK, 1050, 5001, 2);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 2);
    seg(0, TCP_RST | TCP_ACK, 1100, 5001, 0); /* no data: not tested (nor a keep-alive) */
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 2);
    CU_ASSERT_EQUAL(CNT(0, keepalives), 0);
}

static void test_refused_by_rst(void)
{
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_RST | TCP_ACK, 0, 1001, 0);
    CU_ASSERT_TRUE(c.refused_by_rst);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSED);
    bool ex;
    tcp_endpoint_state_at(&c, 1, now, &ex);
    CU_ASSERT_FALSE(ex); /* no listener, no server socket */
    /* a RST that does not acknowledge the SYN is not believed */
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_RST | TCP_ACK, 0, 4242, 0);
    CU_ASSERT_FALSE(c.refused_by_rst);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_SYN_SENT);
}

static void test_retransmitted_syn_and_fin(void)
{
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_SYN, 1000, 0, 0);
    CU_ASSERT_EQUAL(c.n_transitions, 1);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1); /* the SYN again, as Wireshark counts it */
    CU_ASSERT_EQUAL(CNT(0, keepalives), 0);       /* not a probe one below the next sequence */
    /* the handshake's RTT runs from the SYN the SYN-ACK answers: the retry */
    CU_ASSERT_EQUAL(c.syn_ts, T0 + 10 * MS);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0); /* and the SYN-ACK */
    CU_ASSERT_EQUAL(CNT(1, retransmissions), 1);
    seg(0, TCP_SYN, 1000, 0, 0); /* a late copy after the SYN-ACK moves nothing */
    CU_ASSERT_EQUAL(c.syn_ts, T0 + 10 * MS);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 2);
    seg(0, TCP_ACK, 1001, 5001, 0);
    seg(0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    unsigned n = c.n_transitions;
    seg(0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_EQUAL(c.n_transitions, n);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 3);
    /* a SYN with another ISN is no copy of the first */
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_SYN, 900, 0, 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    CU_ASSERT_EQUAL(c.syn_ts, T0); /* nor does a SYN with another ISN */
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    /* the same SYN 1 ms later: it ends where the first did, so it is sent
     * again, not out of order */
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    now -= 10 * MS - 1 * MS;
    seg(0, TCP_SYN, 1000, 0, 0);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
}

static void test_syn_ack_without_syn(void)
{
    reset();
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_SYN_RECEIVED);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED); /* implied SYN_SENT, then the SYN-ACK */
    seg(0, TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
    CU_ASSERT_FALSE(c.handshake_validated);
}

/* RFC 9293 3.10.7.3: in SYN_SENT a SYN-ACK is acceptable only when ISS <
 * SEG.ACK =< SND.NXT; otherwise the SYN's sender answers with a RST and
 * stays in SYN_SENT (RFC 9293 figure 9's old duplicate SYN). */
static void test_unacceptable_syn_ack(void)
{
    static const uint32_t bad[] = {2000, 1000, 999, 1002};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        reset();
        seg(0, TCP_SYN, 1000, 0, 0);
        seg(1, TCP_SYN | TCP_ACK, 5000, bad[i], 0);
        CU_ASSERT_EQUAL(ST(0), TCP_ST_SYN_SENT);
        CU_ASSERT_EQUAL(ST(1), TCP_ST_SYN_RECEIVED);
        seg(0, TCP_RST, bad[i], 0, 0); /* the reset it answers with */
        CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSED);
        for (unsigned k = 0; k < c.n_transitions; k++)
            CU_ASSERT_NOT_EQUAL(c.transitions[k].to, TCP_ST_ESTABLISHED);
    }
    /* a SYN with data (TCP Fast Open): SND.NXT is past its data, and a SYN-ACK
     * may acknowledge the SYN alone or the data too, but nothing beyond */
    for (uint32_t ack = 1001; ack <= 1007; ack++) {
        reset();
        seg(0, TCP_SYN, 1000, 0, 5);
        seg(1, TCP_SYN | TCP_ACK, 5000, ack, 0);
        CU_ASSERT_EQUAL(ST(0), ack <= 1006 ? TCP_ST_ESTABLISHED : TCP_ST_SYN_SENT);
    }
    /* the same bound across the sequence-number wrap */
    reset();
    seg(0, TCP_SYN, 0xffffffffu, 0, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 0, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED);
    reset();
    seg(0, TCP_SYN, 0xffffffffu, 0, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_SYN_SENT);
}

/* A FIN sent in SYN_SENT closes its sender (RFC 9293: close in SYN-SENT) and
 * reaches no connection: the peer, never heard, has no socket (a SYN nobody
 * answered has no responder socket), let alone one in CLOSE_WAIT. */
static void test_fin_from_syn_sent(void)
{
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_FIN, 1001, 0, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSED);
    CU_ASSERT_FALSE(c.dir[1].existed);
    bool ex;
    tcp_endpoint_state_at(&c, 1, now, &ex);
    CU_ASSERT_FALSE(ex);
    CU_ASSERT_EQUAL(c.n_transitions, 2); /* the client's two, none for the server */
    /* SYN and FIN in one segment: the same */
    reset();
    seg(0, TCP_SYN | TCP_FIN, 1000, 0, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_CLOSED);
    CU_ASSERT_FALSE(c.dir[1].existed);
    /* a peer that has a state of its own (here established by its ACK, picked
     * up mid-stream) receives the FIN as any FIN */
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_ACK, 5000, 1001, 0);
    seg(0, TCP_FIN, 1001, 0, 0);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSE_WAIT);
}

/* Only the client's direction captured (asymmetric routing): a socket in
 * SYN_SENT that acknowledges without SYN got the SYN-ACK the capture missed
 * (SYN_SENT sends nothing else but a RST): established, and so is the server
 * it talks to; its FIN then half-closes an established connection. */
static void test_syn_sent_acknowledges(void)
{
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
    seg(0, TCP_ACK | TCP_PSH, 1001, 5001, 20);
    seg(0, TCP_FIN | TCP_ACK, 1021, 5001, 0);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_FIN_WAIT_1);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_CLOSE_WAIT);
    /* the same segment with data: the plain segments' own path */
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_ACK | TCP_PSH, 1001, 5001, 20);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
    /* a segment without ACK moves nothing: it proves no SYN-ACK */
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_PSH, 1001, 0, 20);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_SYN_SENT);
    CU_ASSERT_FALSE(c.dir[1].existed);
}

/* A capture that has the SYN-ACK before the SYN (taken where the two paths
 * meet): the three segments still chain, so the handshake is validated; not
 * when the SYN-ACK acknowledged another ISN. */
static void test_reordered_handshake(void)
{
    reset();
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_TRUE(c.handshake_validated);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
    reset();
    seg(1, TCP_SYN | TCP_ACK, 5000, 777, 0);
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_FALSE(c.handshake_validated);
    /* the responder acknowledged the ISN + 1 only later, after another ACK */
    reset();
    seg(1, TCP_SYN | TCP_ACK, 5000, 777, 0);
    seg(1, TCP_ACK, 5001, 1001, 0);
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(0, TCP_ACK, 1001, 5001, 0);
    CU_ASSERT_FALSE(c.handshake_validated);
}

static void test_midstream_pickup(void)
{
    reset();
    seg(1, TCP_ACK | TCP_PSH, 7000, 3000, 100);
    CU_ASSERT_EQUAL(ST(0), TCP_ST_ESTABLISHED);
    CU_ASSERT_EQUAL(ST(1), TCP_ST_ESTABLISHED);
}

static void test_keepalive_zero_window_dupacks(void)
{
    reset();
    handshake();
    seg(0, TCP_ACK | TCP_PSH, 1001, 5001, 100);
    seg(0, TCP_ACK, 1100, 5001, 0); /* keep-alive: seq = next - 1, no data */
    CU_ASSERT_EQUAL(CNT(0, keepalives), 1);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    ack_window(1, 5001, 1101, 0);
    CU_ASSERT_EQUAL(CNT(1, zero_window), 1);
    /* the server sends 200 bytes; the client acks the first 100 three times */
    seg(1, TCP_ACK, 5001, 1101, 200);
    seg(0, TCP_ACK, 1101, 5101, 0);
    seg(0, TCP_ACK, 1101, 5101, 0);
    seg(0, TCP_ACK, 1101, 5101, 0);
    CU_ASSERT_EQUAL(CNT(0, dup_acks), 2);
}

/* Zero-window probes: one byte at the next sequence while the peer's window
 * is shut. They move nothing (as in Wireshark): the next probe is a probe
 * again, not a keep-alive, and the data after them is in order. */
static void test_zero_window_probes(void)
{
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 100);
    ack_window(1, 5001, 1101, 0); /* shut */
    seg(0, TCP_ACK, 1101, 5001, 1); /* probe */
    ack_window(1, 5001, 1101, 0);
    seg(0, TCP_ACK, 1101, 5001, 1); /* probe again */
    ack_window(1, 5001, 1101, 0);
    ack_window(1, 5001, 1101, 400); /* open */
    seg(0, TCP_ACK, 1101, 5001, 300); /* the data, in order */
    CU_ASSERT_EQUAL(CNT(0, keepalives), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(1, dup_acks), 0); /* the probes' answers are no duplicates */
    CU_ASSERT_EQUAL(CNT(1, zero_window), 1);
    /* the same byte while the window is open is data, sent again later */
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 1);
    seg(0, TCP_ACK, 1002, 5001, 100);
    now += 500 * MS;
    seg(0, TCP_ACK, 1001, 5001, 1);
    CU_ASSERT_EQUAL(CNT(0, keepalives), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
}

static void test_retransmission_vs_out_of_order(void)
{
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 100); /* 1001..1101 */
    seg(0, TCP_ACK, 1201, 5001, 100); /* gap: 1101..1201 missing */
    CU_ASSERT(c.flags & CONN_F_SEQ_GAP);
    now -= 9 * MS; /* arrives 1 ms after the previous segment: reordering */
    seg(0, TCP_ACK, 1101, 5001, 100);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 1);
    now += 500 * MS;
    seg(0, TCP_ACK, 1001, 5001, 100); /* long after: a retransmission */
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
}

/* The rest of Wireshark's rule (tcp_endpoint.h). The test handshake takes 20
 * ms from SYN to ACK: that is the out-of-order threshold. */
static void test_out_of_order_as_wireshark(void)
{
    /* 10 ms after the top: out of order within the handshake's 20 ms RTT */
    reset();
    handshake();
    seg(0, TCP_ACK, 1101, 5001, 100); /* 1001..1101 missing */
    seg(0, TCP_ACK, 1001, 5001, 100); /* 10 ms on */
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 1);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    /* picked up mid-stream, no handshake: 3 ms, so 10 ms on is a retransmission */
    reset();
    seg(0, TCP_ACK, 1101, 5001, 100);
    seg(0, TCP_ACK, 1001, 5001, 100);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    /* the top segment again 1 ms later ends where the top does: sent again */
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 100);
    now -= 9 * MS;
    seg(0, TCP_ACK, 1001, 5001, 100);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    /* bytes the peer acknowledged already: a (spurious) retransmission, however soon */
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 100);
    seg(0, TCP_ACK, 1101, 5001, 100);
    seg(1, TCP_ACK, 5001, 1101, 0);
    now -= 9 * MS;
    seg(0, TCP_ACK, 1001, 5001, 100);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    /* above the top, but acknowledged by the peer already: the capture
     * missed the original, this is it sent again */
    reset();
    handshake();
    seg(1, TCP_ACK, 5001, 1101, 0); /* acknowledges 1001..1101, never seen */
    seg(0, TCP_ACK, 1001, 5001, 100);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    seg(0, TCP_ACK, 1101, 5001, 100); /* beyond the ACK: new data */
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    /* the time runs from the top segment, not from the side's last one (a
     * pure ACK 15 ms after the top): 25 ms after the top is a retransmission */
    reset();
    handshake();
    seg(0, TCP_ACK, 1101, 5001, 100); /* the top */
    now += 5 * MS;
    seg(0, TCP_ACK, 1201, 5001, 0); /* 15 ms on */
    seg(0, TCP_ACK, 1001, 5001, 100); /* 25 ms on, 10 ms after the ACK */
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    /* two duplicate ACKs, then the segment they ask for 1 ms later: a fast
     * retransmission, although it comes within the out-of-order window */
    for (int dups = 1; dups <= 2; dups++) {
        reset();
        handshake();
        seg(0, TCP_ACK, 1001, 5001, 100);
        now -= 9 * MS;
        seg(0, TCP_ACK, 1101, 5001, 100);
        now -= 9 * MS;
        seg(0, TCP_ACK, 1201, 5001, 100); /* the top */
        for (int i = 0; i < dups; i++) {
            now -= 9 * MS;
            seg(1, TCP_ACK, 5001, 1001, 0); /* asks for 1001 again */
        }
        now -= 9 * MS;
        seg(0, TCP_ACK, 1001, 5001, 100);
        /* one duplicate is not enough: out of order */
        CU_ASSERT_EQUAL(CNT(0, retransmissions), dups == 2 ? 1 : 0);
        CU_ASSERT_EQUAL(CNT(0, out_of_order), dups == 2 ? 0 : 1);
    }
    /* window updates between the duplicate ACKs do not end the row (a new
     * ACK number does): still a fast retransmission */
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 100);
    now -= 9 * MS;
    seg(0, TCP_ACK, 1101, 5001, 100);
    now -= 9 * MS;
    seg(1, TCP_ACK, 5001, 1001, 0); /* the first duplicate */
    now -= 9 * MS;
    ack_window(1, 5001, 1001, 2000); /* a window update */
    now -= 9 * MS;
    ack_window(1, 5001, 1001, 2000); /* the second */
    now -= 9 * MS;
    seg(0, TCP_ACK, 1001, 5001, 100);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    /* a SYN sent again after the SYN-ACK: the RTT runs from it to the ACK
     * (2 ms), as Wireshark's initial RTT, so 2.5 ms after the top is late */
    reset();
    seg(0, TCP_SYN, 1000, 0, 0);
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    now += 80 * MS;
    seg(0, TCP_SYN, 1000, 0, 0); /* counted as sent again */
    now -= 8 * MS;
    seg(0, TCP_ACK, 1001, 5001, 0); /* 2 ms after it */
    now -= 8 * MS;
    seg(0, TCP_ACK, 1101, 5001, 100); /* the top; 1001..1101 missing */
    now -= 10 * MS - 2500000;
    seg(0, TCP_ACK, 1001, 5001, 100);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 2);
    CU_ASSERT_EQUAL(c.syn_ts, T0); /* the SYN-ACK answered the first SYN */
    /* new data starting one below the top (after a one-byte window probe):
     * neither */
    reset();
    handshake();
    seg(0, TCP_ACK, 1001, 5001, 1); /* the probe: 1001..1002 */
    seg(0, TCP_ACK, 1001, 5001, 300);
    CU_ASSERT_EQUAL(CNT(0, out_of_order), 0);
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
}

static void test_state_at_moments(void)
{
    reset();
    uint64_t t_syn = now;
    seg(0, TCP_SYN, 1000, 0, 0);
    uint64_t t_synack = now;
    seg(1, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    uint64_t t_ack = now;
    seg(0, TCP_ACK, 1001, 5001, 0);
    bool ex;
    tcp_endpoint_state_at(&c, 0, t_syn - 1, &ex);
    CU_ASSERT_FALSE(ex);
    CU_ASSERT_EQUAL(tcp_endpoint_state_at(&c, 0, t_syn, &ex), TCP_ST_SYN_SENT);
    CU_ASSERT_TRUE(ex);
    CU_ASSERT_EQUAL(tcp_endpoint_state_at(&c, 0, t_synack - 1, &ex), TCP_ST_SYN_SENT);
    CU_ASSERT_EQUAL(tcp_endpoint_state_at(&c, 0, t_synack, &ex), TCP_ST_ESTABLISHED);
    CU_ASSERT_EQUAL(tcp_endpoint_state_at(&c, 1, t_synack, &ex), TCP_ST_SYN_RECEIVED);
    CU_ASSERT_EQUAL(tcp_endpoint_state_at(&c, 1, t_ack - 1, &ex), TCP_ST_SYN_RECEIVED);
    CU_ASSERT_EQUAL(tcp_endpoint_state_at(&c, 1, t_ack, &ex), TCP_ST_ESTABLISHED);
}

static void test_swap_sides(void)
{
    reset();
    handshake();
    c.orig_port = 1111;
    c.resp_port = 80;
    seg(0, TCP_ACK, 1001, 5001, 100);
    seg(0, TCP_ACK, 1001, 5001, 100); /* the client retransmits (kept in the cold part) */
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 1);
    uint8_t side0 = c.transitions[0].side;
    c.orig_is_lo = false;
    conn_swap_sides(&c);
    CU_ASSERT_EQUAL(c.orig_port, 80);
    CU_ASSERT_TRUE(c.orig_is_lo); /* the addresses are the key's: the other one now */
    CU_ASSERT_EQUAL(c.transitions[0].side, side0 ^ 1);
    CU_ASSERT(c.flags & CONN_F_FLIPPED);
    CU_ASSERT_EQUAL(CNT(1, retransmissions), 1); /* the counters follow the sides */
    CU_ASSERT_EQUAL(CNT(0, retransmissions), 0);
    conn_swap_sides(&c);
    CU_ASSERT_FALSE(c.orig_is_lo);
    /* a connection to itself has one endpoint, the key's lo: it stays the originator */
    c.is_self = true;
    c.orig_is_lo = true;
    conn_swap_sides(&c);
    CU_ASSERT_TRUE(c.orig_is_lo);
}

/* Late ACK and data of a connection that closed at time 0 (close_ts 0), both
 * sockets left CLOSED as analyzer.c's continue_closed() restores them: the
 * connection is closed, so the first of them sets close_ts; nothing moves. */
static void test_plain_segments_after_close(void)
{
    reset();
    for (int s = 0; s < 2; s++) {
        c.dir[s].state = TCP_ST_CLOSED;
        c.dir[s].existed = true;
    }
    seg(1, TCP_ACK, 5001, 1002, 0);
    CU_ASSERT_EQUAL(c.close_ts, now - 10 * MS);
    seg(0, TCP_ACK | TCP_PSH, 1002, 5001, 10);
    CU_ASSERT_EQUAL(c.close_ts, now - 20 * MS);
    CU_ASSERT_EQUAL(c.n_transitions, 0);
    CU_ASSERT_TRUE(tcp_endpoint_conn_closed(&c));
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"three-way handshake", test_three_way_handshake},
        {"handshake not validated by wrong ACKs", test_handshake_not_validated_by_wrong_ack},
        {"orderly close, client first, TIME_WAIT expiry", test_orderly_close_client_first},
        {"TIME_WAIT since the last transition", test_time_wait_since_last_transition},
        {"transitions days after the connection began", test_transitions_days_later},
        {"FIN+ACK combined", test_fin_ack_combined},
        {"simultaneous close", test_simultaneous_close},
        {"simultaneous open", test_simultaneous_open},
        {"half-close and data after FIN", test_half_close_with_data_after_fin},
        {"RST closes both sockets", test_rst_closes_both},
        {"out-of-window RST ignored and counted", test_out_of_window_rst_ignored},
        {"a RST's data tested as Wireshark does", test_rst_with_data},
        {"SYN refused by RST", test_refused_by_rst},
        {"retransmitted SYN and FIN", test_retransmitted_syn_and_fin},
        {"SYN-ACK without SYN", test_syn_ack_without_syn},
        {"unacceptable SYN-ACK leaves SYN_SENT", test_unacceptable_syn_ack},
        {"FIN from SYN_SENT reaches no socket", test_fin_from_syn_sent},
        {"SYN_SENT socket that acknowledges", test_syn_sent_acknowledges},
        {"reordered handshake validated", test_reordered_handshake},
        {"mid-stream pickup", test_midstream_pickup},
        {"keep-alive, zero window, duplicate ACKs", test_keepalive_zero_window_dupacks},
        {"retransmission vs out-of-order", test_retransmission_vs_out_of_order},
        {"out of order as Wireshark tells it", test_out_of_order_as_wireshark},
        {"zero-window probes", test_zero_window_probes},
        {"state at moments around transitions", test_state_at_moments},
        {"swap sides", test_swap_sides},
        {"plain segments after the close", test_plain_segments_after_close},
        {NULL, NULL},
    };
    return add_suite("tcp_endpoint", tests);
}
