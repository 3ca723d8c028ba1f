/* tcp_endpoint.c - RFC 9293 state inference for both sockets of a connection,
 * from the segments seen at the tap. The order inside one segment follows the
 * receiver's processing: first what its ACK field tells (the peer's SYN or FIN
 * acknowledged), then the sender's own SYN/FIN, then the receiver's reaction. */
#include "tcp_endpoint.h"

#include <string.h>

#include "hints.h"
#include "tcp_kind.h"

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* Inlining of the per-segment path is chosen (hints.h), not left to the
 * compiler: see tcp_endpoint_on_segment(). */

void conn_set_state(struct conn *c, int side, enum tcp_state to, uint64_t ts_ns)
{
    struct conn_dir *d = &c->dir[side];
    if (d->existed && d->state == to)
        return;
    d->existed = true;
    uint8_t from = d->state;
    d->state = (uint8_t)to;
    if (c->n_transitions >= CONN_MAX_TRANSITIONS) {
        c->flags |= CONN_F_TRANSITIONS_FULL;
        return;
    }
    uint64_t dt = ts_ns >= c->first_ts ? ts_ns - c->first_ts : 0;
    /* one store of the whole entry rather than four bit-field updates */
    c->transitions[c->n_transitions++] = (struct conn_transition){
        .dt_ns = (dt < CONN_TRANSITION_MAX_DT_NS ? dt : CONN_TRANSITION_MAX_DT_NS) &
                 CONN_TRANSITION_MAX_DT_NS,
        .side = (unsigned)side & 1u,
        .from = from & 0xFu,
        .to = (unsigned)to & 0xFu,
    };
}

void conn_swap_sides(struct conn *c)
{
    /* the addresses are the flow key's: orig_is_lo says which is whose */
    uint16_t p = c->orig_port;
    c->orig_port = c->resp_port;
    c->resp_port = p;
    c->orig_is_lo = !c->orig_is_lo || c->is_self;
    struct conn_dir d = c->dir[0];
    c->dir[0] = c->dir[1];
    c->dir[1] = d;
    if (c->cold != NULL) {
        struct conn_tcp_counts n = c->cold->tcp_counts[0];
        c->cold->tcp_counts[0] = c->cold->tcp_counts[1];
        c->cold->tcp_counts[1] = n;
    }
    for (unsigned i = 0; i < c->n_transitions; i++)
        c->transitions[i].side = c->transitions[i].side == 0 ? 1u : 0u;
    c->flags |= CONN_F_FLIPPED;
}

static bool has_existed(const struct conn *c, int side)
{
    return c->dir[side].existed;
}

/* RFC 9293 3.10.7.4 / RFC 5961: a RST is believed when its sequence number lies
 * in the receiver's window. Without enough history, it is believed. */
static bool rst_acceptable(const struct conn *c, const struct packet *pkt, uint16_t fl, int side)
{
    const struct conn_dir *snd = &c->dir[side], *rcv = &c->dir[side ^ 1];
    uint32_t seq = pkt->tcp.seq;
    if (rcv->state == TCP_ST_SYN_SENT && !rcv->has_ack) {
        /* reply to our SYN: acceptable iff it acknowledges the SYN */
        if (fl & TCP_ACK)
            return pkt->tcp.ack == rcv->isn + 1;
        return false;
    }
    uint32_t rcv_nxt;
    if (rcv->has_ack)
        rcv_nxt = rcv->last_ack;
    else if (snd->has_seq)
        rcv_nxt = snd->next_seq;
    else
        return true;
    uint64_t wnd = rcv->last_window;
    if (rcv->wscale >= 0 && snd->wscale >= 0)
        wnd <<= rcv->wscale;
    if (wnd == 0)
        wnd = 1;
    if (wnd > 0x7fffffffu)
        wnd = 0x7fffffffu;
    /* also take the sender's own idea of its next sequence number */
    if (seq == rcv_nxt || (snd->has_seq && seq == snd->next_seq))
        return true;
    return SEQ_GEQ(seq, rcv_nxt) && SEQ_LT(seq, rcv_nxt + (uint32_t)wnd);
}

static SS_ALWAYS_INLINE void on_peer_ack(struct conn *c, const struct packet *pkt, uint16_t fl, int side,
                                          uint64_t ts)
{
    int peer = side ^ 1;
    struct conn_dir *pd = &c->dir[peer];
    uint32_t ack = pkt->tcp.ack;

    /* the peer's SYN acknowledged: SYN_RECEIVED -> ESTABLISHED at the peer */
    if (pd->has_isn && pd->state == TCP_ST_SYN_RECEIVED && SEQ_GEQ(ack, pd->isn + 1)) {
        conn_set_state(c, peer, TCP_ST_ESTABLISHED, ts);
        if (!(fl & TCP_SYN) && c->ack_ts == 0 && side == 0) {
            c->ack_ts = ts;
            if (c->synack_ts != 0 && ack == pd->isn + 1 && c->handshake_validated == false &&
                c->dir[0].has_isn && (c->flags & CONN_F_SIMULTANEOUS_OPEN) == 0)
                c->handshake_validated = c->syn_ts != 0 && c->synack_acks_syn;
        }
    }
    /* the peer's FIN acknowledged */
    if (pd->fin_sent && !pd->fin_acked && SEQ_GEQ(ack, pd->fin_seq + 1)) {
        pd->fin_acked = true;
        switch (pd->state) {
        case TCP_ST_FIN_WAIT_1: conn_set_state(c, peer, TCP_ST_FIN_WAIT_2, ts); break;
        case TCP_ST_CLOSING: conn_set_state(c, peer, TCP_ST_TIME_WAIT, ts); break;
        case TCP_ST_LAST_ACK: conn_set_state(c, peer, TCP_ST_CLOSED, ts); break;
        default: break;
        }
    }
}

/* RFC 9293 3.10.7.3: a SYN-ACK is acceptable to the SYN's sender pd (its ISN
 * known) when ISS < SEG.ACK =< SND.NXT. In SYN_SENT (or SYN_RECEIVED after a
 * simultaneous open) it has sent only its SYN, with any data the SYN carried:
 * SND.NXT is where that ended, so a capture that missed segments cannot hide a
 * larger one. Otherwise the SYN's sender answers with a RST and stays where it
 * is. */
static bool syn_ack_acceptable(const struct conn_dir *pd, uint32_t ack)
{
    uint32_t snd_nxt = pd->has_seq && SEQ_GT(pd->next_seq, pd->isn) ? pd->next_seq : pd->isn + 1;
    return SEQ_GT(ack, pd->isn) && SEQ_LEQ(ack, snd_nxt);
}

static SS_ALWAYS_INLINE void on_syn(struct conn *c, const struct packet *pkt, uint16_t fl, int side,
                                    uint64_t ts)
{
    int peer = side ^ 1;
    struct conn_dir *d = &c->dir[side], *pd = &c->dir[peer];
    bool ack = (fl & TCP_ACK) != 0;

    if (!d->has_isn) {
        d->isn = pkt->tcp.seq;
        d->has_isn = true;
    }
    if (pkt->tcp.has_mss)
        d->mss = pkt->tcp.mss;
    if (pkt->tcp.has_wscale)
        d->wscale = (int8_t)(pkt->tcp.wscale > 14 ? 14 : pkt->tcp.wscale);

    if (!ack) {
        /* the SYN the SYN-ACK answers: the last one sent before it (a retry
         * with the same ISN moves it), so that the handshake's RTT leaves out
         * the retries' timeouts, as Wireshark's initial RTT does */
        bool again = d->has_isn && pkt->tcp.seq == d->isn;
        if (side == 0 && (c->syn_ts == 0 || (c->synack_ts == 0 && again)))
            c->syn_ts = ts;
        else if (side == 0 && c->ack_ts == 0 && c->cold != NULL && again)
            c->cold->late_syn_ts = ts; /* counted as sent again: the cold part exists */
        /* the capture put the SYN-ACK first (reordered): it acknowledged this
         * SYN if it acknowledged its ISN + 1, which is still the responder's
         * highest ACK when it has sent nothing since */
        if (side == 0 && c->synack_ts != 0 && !c->synack_acks_syn && again && pd->has_ack &&
            pd->last_ack == pkt->tcp.seq + 1 && pd->pkts <= 1)
            c->synack_acks_syn = true;
        if (!has_existed(c, side) || d->state == TCP_ST_CLOSED)
            conn_set_state(c, side, TCP_ST_SYN_SENT, ts);
        /* a SYN reaching a socket that sent its own SYN: simultaneous open */
        if (pd->state == TCP_ST_SYN_SENT && has_existed(c, peer)) {
            c->flags |= CONN_F_SIMULTANEOUS_OPEN;
            conn_set_state(c, peer, TCP_ST_SYN_RECEIVED, ts);
        }
        return;
    }

    /* SYN-ACK from side */
    if (c->synack_ts == 0) {
        c->synack_ts = ts;
        c->synack_acks_syn = pd->has_isn && pkt->tcp.ack == pd->isn + 1;
    }
    if (!has_existed(c, side)) {
        /* it answered a SYN: a listener was there */
        c->dir[side].state = TCP_ST_LISTEN;
        conn_set_state(c, side, TCP_ST_SYN_RECEIVED, ts);
    } else if (d->state == TCP_ST_SYN_SENT) {
        conn_set_state(c, side, TCP_ST_SYN_RECEIVED, ts); /* simultaneous open */
    }
    /* the SYN's sender: SYN_SENT -> ESTABLISHED on a SYN-ACK that acknowledges it */
    if (!has_existed(c, peer)) {
        /* its SYN was not captured */
        conn_set_state(c, peer, TCP_ST_SYN_SENT, ts);
    }
    if ((pd->state == TCP_ST_SYN_SENT || pd->state == TCP_ST_SYN_RECEIVED) &&
        (!pd->has_isn || syn_ack_acceptable(pd, pkt->tcp.ack)))
        conn_set_state(c, peer, TCP_ST_ESTABLISHED, ts);
}

static void fin_sender_moves(struct conn *c, int side, uint64_t ts);
static void fin_receiver_moves(struct conn *c, int peer, uint64_t ts, bool from_syn_sent);

/* Removes side's most recent transition if it went to state `to`; restores the
 * state it came from. Returns true if it did. */
static bool undo_last_transition(struct conn *c, int side, enum tcp_state to)
{
    for (unsigned i = c->n_transitions; i-- > 0;) {
        if (c->transitions[i].side != side)
            continue;
        if (c->transitions[i].to != to)
            return false;
        c->dir[side].state = c->transitions[i].from;
        memmove(&c->transitions[i], &c->transitions[i + 1],
                (c->n_transitions - i - 1) * sizeof(c->transitions[0]));
        c->n_transitions--;
        return true;
    }
    return false;
}

static SS_ALWAYS_INLINE void on_fin(struct conn *c, const struct packet *pkt, uint16_t fl, int side,
                                    uint64_t ts)
{
    int peer = side ^ 1;
    struct conn_dir *d = &c->dir[side], *pd = &c->dir[peer];
    uint32_t fin_seq = pkt->tcp.seq + pkt->l4_payload_len + ((fl & TCP_SYN) ? 1u : 0u);

    if (d->fin_sent)
        return; /* retransmitted FIN: no new transition */
    /* a FIN sent from SYN_SENT closes that socket: it had no connection, so
     * its peer gets no socket from it */
    bool from_syn_sent = d->state == TCP_ST_SYN_SENT;
    d->fin_sent = true;
    d->fin_seq = fin_seq;
    /* The tap saw the peer's FIN first, but this FIN does not acknowledge it: the
     * FINs crossed on the wire. This side never was in CLOSE_WAIT: it sent its FIN
     * from ESTABLISHED (FIN_WAIT_1) and then received the peer's (CLOSING). */
    bool crossed = d->state == TCP_ST_CLOSE_WAIT && (fl & TCP_ACK) && pd->fin_sent &&
                   SEQ_LT(pkt->tcp.ack, pd->fin_seq + 1);
    if (crossed && undo_last_transition(c, side, TCP_ST_CLOSE_WAIT)) {
        c->flags |= CONN_F_SIMULTANEOUS_CLOSE;
        conn_set_state(c, side, TCP_ST_FIN_WAIT_1, ts);
        conn_set_state(c, side, TCP_ST_CLOSING, ts);
    } else {
        fin_sender_moves(c, side, ts);
    }
    fin_receiver_moves(c, peer, ts, from_syn_sent);
}

/* The sender of a FIN, at the moment it sends it. */
static void fin_sender_moves(struct conn *c, int side, uint64_t ts)
{
    switch (c->dir[side].state) {
    case TCP_ST_ESTABLISHED:
    case TCP_ST_SYN_RECEIVED:
        conn_set_state(c, side, TCP_ST_FIN_WAIT_1, ts);
        break;
    case TCP_ST_CLOSE_WAIT:
        conn_set_state(c, side, TCP_ST_LAST_ACK, ts);
        break;
    case TCP_ST_SYN_SENT:
        conn_set_state(c, side, TCP_ST_CLOSED, ts); /* RFC 9293: close in SYN-SENT */
        break;
    default:
        if (!has_existed(c, side)) /* picked up mid-stream */
            conn_set_state(c, side, TCP_ST_FIN_WAIT_1, ts);
        break;
    }
}

/* The receiver of a FIN, when it arrives. A receiver never seen is one the
 * capture picked up mid-stream, in CLOSE_WAIT from now on; unless the FIN's
 * sender was in SYN_SENT (from_syn_sent), which had no peer socket to close. */
static void fin_receiver_moves(struct conn *c, int peer, uint64_t ts, bool from_syn_sent)
{
    switch (c->dir[peer].state) {
    case TCP_ST_ESTABLISHED:
    case TCP_ST_SYN_RECEIVED:
        conn_set_state(c, peer, TCP_ST_CLOSE_WAIT, ts);
        break;
    case TCP_ST_FIN_WAIT_1: /* its own FIN not yet acknowledged: FINs crossed */
        c->flags |= CONN_F_SIMULTANEOUS_CLOSE;
        conn_set_state(c, peer, TCP_ST_CLOSING, ts);
        break;
    case TCP_ST_FIN_WAIT_2:
        conn_set_state(c, peer, TCP_ST_TIME_WAIT, ts);
        break;
    default:
        if (!has_existed(c, peer) && !from_syn_sent)
            conn_set_state(c, peer, TCP_ST_CLOSE_WAIT, ts);
        break;
    }
}

static void on_rst(struct conn *c, const struct packet *pkt, uint16_t fl, int side, uint64_t ts)
{
    int peer = side ^ 1;
    struct conn_dir *d = &c->dir[side], *pd = &c->dir[peer];
    if (!rst_acceptable(c, pkt, fl, side)) {
        struct conn_cold *k = conn_cold_get(c); /* rare: counted in the cold part */
        if (k != NULL)
            k->out_of_window_rsts++;
        return;
    }
    d->rst_sent = true;
    if (pd->state == TCP_ST_SYN_SENT && !has_existed(c, side))
        c->refused_by_rst = true;
    if (has_existed(c, side) && d->state != TCP_ST_CLOSED)
        conn_set_state(c, side, TCP_ST_CLOSED, ts);
    if (has_existed(c, peer) && pd->state != TCP_ST_CLOSED)
        conn_set_state(c, peer, TCP_ST_CLOSED, ts);
    if (c->close_ts == 0)
        c->close_ts = ts;
}

/* Analysis events of one segment (struct conn_tcp_counts fields). */
enum {
    EV_KEEPALIVE = 1u << 0,
    EV_OUT_OF_ORDER = 1u << 1,
    EV_RETRANSMISSION = 1u << 2,
    EV_ZERO_WINDOW = 1u << 3,
    EV_DUP_ACK = 1u << 4,
};

/* Counts the events ev of side's direction. The counters live in the
 * connection's cold part, allocated at its first event (rare in clean traffic);
 * only when memory runs out is an event not counted. Out of line, so that the
 * analysis itself makes no call (and saves no registers for one). */
static SS_NOINLINE void count_events(struct conn *c, int side, unsigned ev)
{
    /* one conn_cold_get() per event, in the order they were found */
#define COUNT_EVENT(bit, field)                          \
    if (ev & (bit)) {                                    \
        struct conn_cold *k_ = conn_cold_get(c);         \
        if (k_ != NULL)                                  \
            k_->tcp_counts[side].field++;                \
    }
    COUNT_EVENT(EV_KEEPALIVE, keepalives)
    COUNT_EVENT(EV_OUT_OF_ORDER, out_of_order)
    COUNT_EVENT(EV_RETRANSMISSION, retransmissions)
    COUNT_EVENT(EV_ZERO_WINDOW, zero_window)
    COUNT_EVENT(EV_DUP_ACK, dup_acks)
#undef COUNT_EVENT
}

/* A segment [seq, end) below the highest sequence its side d had sent
 * (tcp_endpoint.h): EV_OUT_OF_ORDER or EV_RETRANSMISSION. acked: the peer had
 * acknowledged every byte of it. */
static SS_ALWAYS_INLINE unsigned late_or_again(const struct conn *c, const struct conn_dir *d,
                                               const struct conn_dir *pd, uint32_t seq,
                                               bool acked, uint32_t end, uint64_t ts)
{
    if (acked || end == d->next_seq || ts < d->last_ts) /* acked: the peer had all of it */
        return EV_RETRANSMISSION;
    /* from where the peer's duplicate ACKs asked, within 20 ms of the last:
     * Wireshark's fast retransmission, before its out-of-order test */
    if (pd->dup_ack_run >= 2 && pd->last_ack == seq && ts >= pd->last_ts &&
        ts - pd->last_ts < TCP_FAST_RXMT_NS)
        return EV_RETRANSMISSION;
    uint64_t thr = TCP_OOO_THRESHOLD_NS, syn_ts = c->syn_ts;
    if (c->cold != NULL && c->cold->late_syn_ts > syn_ts)
        syn_ts = c->cold->late_syn_ts;
    if (c->ack_ts > syn_ts && syn_ts != 0)
        thr = c->ack_ts - syn_ts;
    /* the top's time is after last_ts's, when it is recent at all */
    if (ts - d->last_ts >= thr)
        return EV_RETRANSMISSION;
    uint64_t since_top_us = (uint32_t)(ts / 1000u) - d->top_us;
    return since_top_us * 1000u < thr ? EV_OUT_OF_ORDER : EV_RETRANSMISSION;
}

/* Sequence analysis of one direction; runs before the state machine. Returns
 * the events found (EV_*), for count_events(). Inlined: a call of its own cost
 * a fifth of it in register saves. fl: the segment's flags as the caller's
 * copy knows them (tcp_kind_flags). */
static SS_ALWAYS_INLINE unsigned analyse_sequence(struct conn *c, struct conn_dir *d,
                                       const struct conn_dir *pd, const struct packet *pkt,
                                       uint64_t ts, uint16_t fl)
{
    bool syn = fl & TCP_SYN, fin = fl & TCP_FIN, rst = fl & TCP_RST, ack = fl & TCP_ACK;
    uint32_t len = pkt->l4_payload_len;
    uint32_t seq = pkt->tcp.seq, ack_no = pkt->tcp.ack;
    uint16_t window = pkt->tcp.window;
    uint32_t end = seq + len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
    uint32_t next = d->next_seq;
    bool has_seq = d->has_seq;
    unsigned ev = 0;
    /* a zero-window probe: one byte at the next sequence while the peer's
     * window is shut; as in Wireshark it moves nothing, so that the probes
     * after it are probes again and the data that follows is in order */
    bool probe = !syn && !fin && !rst && len == 1 && has_seq && seq == next &&
                 (pd->has_seq || pd->has_ack) && pd->last_window == 0;

    if (!rst && has_seq && syn) {
        /* the same SYN (or SYN-ACK) again, as Wireshark counts it: not the
         * SYN-ACK of a simultaneous open, which follows this side's own SYN
         * (no ACK in it) with the same ISN by design (RFC 9293 figure 8) */
        if (d->has_isn && seq == d->isn && !(ack && !d->has_ack))
            ev |= late_or_again(c, d, pd, seq, false, end, ts);
    } else if (has_seq && !probe && (!rst || len > 0)) {
        /* a RST's data (RFC 9293 3.5.3: diagnostics) is tested as Wireshark
         * tests it, for being sent before; it moves nothing (below) */
        if (len > 0 || fin) {
            bool acked = len > 0 && pd->has_ack && SEQ_LEQ(seq + len, pd->last_ack);
            if (SEQ_LT(seq, next)) {
                if (len <= 1 && !fin && !rst && seq + 1 == next)
                    ev |= EV_KEEPALIVE;
                else if (!(len > 1 && seq + 1 == next)) /* new data after a window probe */
                    ev |= late_or_again(c, d, pd, seq, acked, end, ts);
            } else if (!rst) {
                if (SEQ_GT(seq, next))
                    c->flags |= CONN_F_SEQ_GAP;
                /* bytes the peer acknowledged although the capture never
                 * showed them sent: their original was missed */
                if (acked)
                    ev |= EV_RETRANSMISSION;
            }
            if (d->fin_sent && SEQ_GT(end, d->fin_seq + 1))
                c->flags |= CONN_F_DATA_AFTER_FIN;
        } else if (seq + 1 == next && ack) {
            ev |= EV_KEEPALIVE; /* zero-length keep-alive probe */
        }
    }
    if (!rst) {
        if (!has_seq || (SEQ_GT(end, next) && !probe)) {
            d->next_seq = end;
            d->top_us = (uint32_t)(ts / 1000u);
        }
        d->has_seq = true;
        if (!syn && window == 0 && ack && (d->last_window != 0 || d->pkts <= 1))
            ev |= EV_ZERO_WINDOW;
        /* no data, the ACK and window of this side's previous ACK: a
         * duplicate ACK when the peer has data outstanding (RFC 5681); for
         * Wireshark, with a window open and at the next sequence (its row
         * feeds the fast retransmission test: a new ACK number ends it, a
         * window update does not) */
        bool same_ack = ack && !syn && !fin && len == 0 && d->has_ack && ack_no == d->last_ack &&
                        window == d->last_window;
        if (same_ack && pd->has_seq && SEQ_GT(pd->next_seq, ack_no))
            ev |= EV_DUP_ACK;
        bool ws_dup = same_ack && window != 0 && seq == next;
        if (ws_dup && d->dup_ack_run < 3)
            d->dup_ack_run++;
        else if (ack && d->has_ack && ack_no != d->last_ack)
            d->dup_ack_run = 0;
        d->last_window = window;
    }
    if (ack) {
        if (!d->has_ack || SEQ_GT(ack_no, d->last_ack))
            d->last_ack = ack_no;
        d->has_ack = true;
    }
    return ev;
}

/* The whole machine for one segment. kind: what the caller knows of the
 * segment's flags (tcp_kind.h). */
static SS_ALWAYS_INLINE bool on_segment(struct conn *c, const struct packet *pkt, int side, int kind)
{
    uint64_t ts = pkt->ts_ns;
    uint16_t fl = tcp_kind_flags(pkt, kind);
    struct conn_dir *d = &c->dir[side];

    unsigned ev = analyse_sequence(c, d, &c->dir[side ^ 1], pkt, ts, fl);
    if (ev != 0)
        count_events(c, side, ev);

    if (fl & TCP_RST) {
        on_rst(c, pkt, fl, side, ts);
    } else {
        if (fl & TCP_ACK)
            on_peer_ack(c, pkt, fl, side, ts);
        if (fl & TCP_SYN) {
            on_syn(c, pkt, fl, side, ts);
        } else if (!has_existed(c, side) || (d->state == TCP_ST_SYN_SENT && (fl & TCP_ACK))) {
            /* picked up mid-stream: a socket that sends without SYN is
             * established. So is a socket in SYN_SENT that acknowledges without
             * SYN: a SYN-ACK the capture did not show reached it (RFC 9293
             * 3.10.7.3: SYN_SENT sends nothing else but a RST) */
            conn_set_state(c, side, TCP_ST_ESTABLISHED, ts);
            if (!has_existed(c, side ^ 1))
                conn_set_state(c, side ^ 1, TCP_ST_ESTABLISHED, ts);
        }
        if (fl & TCP_FIN)
            on_fin(c, pkt, fl, side, ts);
        /* the final ACK of a FIN exchange: its sender enters TIME_WAIT */
        if ((fl & TCP_ACK) && d->state == TCP_ST_FIN_WAIT_2 && c->dir[side ^ 1].fin_sent &&
            SEQ_GEQ(pkt->tcp.ack, c->dir[side ^ 1].fin_seq + 1))
            conn_set_state(c, side, TCP_ST_TIME_WAIT, ts);
    }
    bool closed = tcp_endpoint_conn_closed(c);
    if (closed && c->close_ts == 0) /* close_ts: not in the hot part */
        c->close_ts = ts;
    d->last_ts = ts;
    return closed;
}

/* Whether a segment without SYN, FIN and RST from d's socket to pd's changes
 * no state and leaves the connection open: the sender has a state (no pickup
 * mid-stream), it is not FIN_WAIT_2 (the final ACK's TIME_WAIT), CLOSED or
 * TIME_WAIT (closed), no RST was believed, and the ACK field can move nothing
 * at the receiver (not SYN_RECEIVED, no FIN waiting for its ACK). */
static inline bool plain_keeps_states(const struct conn_dir *d, const struct conn_dir *pd)
{
    uint8_t s = d->state;
    return d->existed && !d->rst_sent && !pd->rst_sent && s != TCP_ST_CLOSED &&
           s != TCP_ST_SYN_SENT && s != TCP_ST_FIN_WAIT_2 && s != TCP_ST_TIME_WAIT &&
           pd->state != TCP_ST_SYN_RECEIVED &&
           (!pd->fin_sent || pd->fin_acked);
}

static SS_NOINLINE bool on_plain_segment_moves(struct conn *c, const struct packet *pkt, int side)
{
    return on_segment(c, pkt, side, TCP_KIND_PLAIN);
}

/* A segment without SYN, FIN and RST from d's socket (c->dir[side]) to pd's.
 * When plain_keeps_states(), only the sequence analysis; else the machine.
 * SS_NOIPA: GCC then keeps d and pd in registers rather than computing
 * c->dir[side] again at each access. */
static SS_NOIPA bool on_plain_segment(struct conn *c, struct conn_dir *d, const struct conn_dir *pd,
                            const struct packet *pkt, int side)
{
    if (!plain_keeps_states(d, pd))
        return on_plain_segment_moves(c, pkt, side);
    unsigned ev = analyse_sequence(c, d, pd, pkt, pkt->ts_ns, tcp_kind_flags(pkt, TCP_KIND_PLAIN));
    d->last_ts = pkt->ts_ns;
    if (ev != 0)
        count_events(c, side, ev);
    return false; /* plain_keeps_states(): open */
}

/* A segment with SYN, FIN or RST: the commonest (SYN, SYN-ACK, FIN-ACK) each
 * run a copy of the machine with their flags known, the others the general
 * one. */
static SS_NOINLINE bool on_control_segment(struct conn *c, const struct packet *pkt, int side)
{
    switch (pkt->tcp.flags & TCP_KIND_CTL) {
    case TCP_SYN: return on_segment(c, pkt, side, TCP_SYN);
    case TCP_SYN | TCP_ACK: return on_segment(c, pkt, side, TCP_SYN | TCP_ACK);
    case TCP_FIN | TCP_ACK: return on_segment(c, pkt, side, TCP_FIN | TCP_ACK);
    default: return on_segment(c, pkt, side, TCP_KIND_ANY);
    }
}

/* Copies of the machine: segments without SYN, FIN and RST (most: ACKs and
 * data) run one with those branches compiled out, or only the sequence
 * analysis when they can move no state; the others on_control_segment(). */
bool tcp_endpoint_on_segment(struct conn *c, const struct packet *pkt, int side)
{
    if ((pkt->tcp.flags & (TCP_SYN | TCP_FIN | TCP_RST)) == 0)
        return on_plain_segment(c, &c->dir[side], &c->dir[side ^ 1], pkt, side);
    return on_control_segment(c, pkt, side);
}

/* When side's socket entered TIME_WAIT by its last recorded transition, or 0
 * if that one went elsewhere (or there is none). The same as the forward walk
 * of tcp_endpoint_time_wait_since() with ts_ns = UINT64_MAX: no time is later
 * than that, so the walk ends at the side's last transition. */
static uint64_t time_wait_since_last(const struct conn *c, int side)
{
    unsigned n = c->n_transitions < CONN_MAX_TRANSITIONS ? c->n_transitions : CONN_MAX_TRANSITIONS;
    for (unsigned i = n; i-- > 0;) {
        const struct conn_transition *t = &c->transitions[i];
        if (t->side == (unsigned)side)
            return t->to == TCP_ST_TIME_WAIT ? c->first_ts + t->dt_ns : 0;
    }
    return 0;
}

uint64_t tcp_endpoint_time_wait_since(const struct conn *c, int side, uint64_t ts_ns)
{
    if (ts_ns == UINT64_MAX)
        return time_wait_since_last(c, side);
    uint64_t since = 0;
    for (unsigned i = 0; i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++) {
        const struct conn_transition *t = &c->transitions[i];
        if (t->side != side)
            continue;
        if (c->first_ts + t->dt_ns > ts_ns)
            break;
        since = t->to == TCP_ST_TIME_WAIT ? c->first_ts + t->dt_ns : 0;
    }
    return since;
}

uint64_t tcp_endpoint_time_wait_end(const struct conn *c, int side, uint64_t two_msl_ns)
{
    if (c->dir[side].state != TCP_ST_TIME_WAIT)
        return 0;
    uint64_t since = time_wait_since_last(c, side);
    return since != 0 ? since + two_msl_ns : 0;
}

void tcp_endpoint_expire_time_wait(struct conn *c, uint64_t now_ns, uint64_t two_msl_ns)
{
    for (int side = 0; side < 2; side++) {
        uint64_t end = tcp_endpoint_time_wait_end(c, side, two_msl_ns);
        if (end != 0 && now_ns >= end)
            conn_set_state(c, side, TCP_ST_CLOSED, end);
    }
}

enum tcp_state tcp_endpoint_state_at(const struct conn *c, int side, uint64_t ts_ns, bool *exists)
{
    enum tcp_state st = TCP_ST_CLOSED;
    bool ex = false;
    for (unsigned i = 0; i < c->n_transitions; i++) {
        const struct conn_transition *t = &c->transitions[i];
        if (t->side != side)
            continue;
        if (c->first_ts + t->dt_ns > ts_ns)
            break;
        st = (enum tcp_state)t->to;
        ex = true;
    }
    if (exists != NULL)
        *exists = ex;
    return st;
}

bool tcp_endpoint_conn_closed(const struct conn *c)
{
    if (c->dir[0].rst_sent || c->dir[1].rst_sent)
        return true;
    for (int side = 0; side < 2; side++) {
        uint8_t s = c->dir[side].state;
        if (s != TCP_ST_CLOSED && s != TCP_ST_TIME_WAIT)
            return false;
        if (!has_existed(c, side))
            return false;
    }
    return true;
}
