/* zeek_conn.c - Zeek-compatible connection semantics (../shared/DESIGN.md
 * sections 2-4): the TCP endpoint state machine of Zeek's TCPSessionAdapter,
 * history letters, conn_state, TCP_Endpoint::Size and content gaps; UDP and
 * ICMP byte counts. Written from Zeek's documented behaviour and source
 * reading; no Zeek code is copied. */
#include "zeek_conn.h"

#include <stddef.h>
#include <string.h>

#include "hints.h"
#include "tcp_kind.h"

/* Inlining of the per-packet path is chosen (hints.h), not left to the
 * compiler: see tcp_segment(). */

/* Zeek ignores SYN/RST sequence numbers that jump further than this. */
#define TOO_LARGE_SEQ_DELTA 1048576

/* Once-only history masks, originator side; the responder's are << 16. */
#define HIST_SYN     0x01u
#define HIST_FIN     0x02u
#define HIST_RST     0x04u
#define HIST_FIN_RST 0x08u
#define HIST_DATA    0x10u
#define HIST_ACK     0x20u
#define HIST_MULTI   0x40u
/* Responder letters are the originator's in lower case (side_letter). */
#define LOWER_CASE_BIT 0x20
/* UDP masks (UDP.cc uses its own, direction-specific ones). */
#define HIST_UDP_ORIG_DATA 0x1u
#define HIST_UDP_RESP_DATA 0x2u

static const char *const state_names[] = {
    "TCP_INACTIVE", "TCP_SYN_SENT", "TCP_SYN_ACK_SENT", "TCP_PARTIAL",
    "TCP_ESTABLISHED", "TCP_CLOSED", "TCP_RESET",
};

const char *zeek_tcp_state_name(uint8_t state)
{
    if (state >= sizeof(state_names) / sizeof(state_names[0]))
        return "?";
    return state_names[state];
}

/* ---- small helpers ---------------------------------------------------- */

static int32_t seq_delta(uint32_t a, uint32_t b)
{
    /* two's-complement difference, as Zeek's seq_delta */
    uint32_t d = a - b;
    return d <= INT32_MAX ? (int32_t)d : -(int32_t)(UINT32_MAX - d) - 1;
}

static uint64_t full_seq(uint32_t seq, uint32_t wraps)
{
    return ((uint64_t)wraps << 32) | seq;
}

static bool is_tcp(const struct zeek_conn *z)
{
    return z->proto == IPPROTO_NUM_TCP;
}

static bool is_dgram(const struct zeek_conn *z)
{
    return z->proto == IPPROTO_NUM_UDP || z->proto == IPPROTO_NUM_ICMP ||
           z->proto == IPPROTO_NUM_ICMPV6;
}

static bool is_pow10(uint32_t n)
{
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

_Static_assert(offsetof(struct zeek_conn, u.tcp.resp) ==
                   offsetof(struct zeek_conn, u.tcp.orig) + sizeof(struct zeek_endpoint),
               "u.tcp.ep[] overlays orig and resp");

/* Every history letter is upper case (A-Z); side 1 (the responder) writes it
 * in lower case. */
static char side_letter(char code, unsigned side)
{
    return (char)(code | (char)(side * LOWER_CASE_BIT));
}

static void add_history(struct zeek_conn *z, char code)
{
    if (z->hist_len >= ZEEK_HISTORY_MAX) {
        z->hist_truncated = true;
        return;
    }
    z->history[z->hist_len++] = code;
    z->history[z->hist_len] = '\0';
}

/* Conn::CheckHistory: adds code the first time mask is seen. Returns true if it
 * had been seen before (Zeek's convention). */
static bool check_history(struct zeek_conn *z, uint32_t mask, char code)
{
    if ((z->hist_seen & mask) != 0)
        return true;
    z->hist_seen |= mask;
    add_history(z, code);
    return false;
}

/* TCP_Endpoint::CheckHistory: responder (side 1) letters lower case, masks << 16. */
static bool ep_check_history(struct zeek_conn *z, unsigned side, uint32_t mask, char code)
{
    return check_history(z, mask << (side * 16), side_letter(code, side));
}

static void ep_add_history(struct zeek_conn *z, unsigned side, char code)
{
    add_history(z, side_letter(code, side));
}

/* Conn::ScaledHistoryEntry with base 10: letter at counts 1, 10, 100, ... */
static void scaled32(struct zeek_conn *z, uint32_t *cnt, char code)
{
    if (*cnt == UINT32_MAX)
        return;
    ++*cnt;
    if (is_pow10(*cnt))
        add_history(z, code);
}

static void scaled16(struct zeek_conn *z, uint16_t *cnt, char code)
{
    if (*cnt == UINT16_MAX)
        return;
    ++*cnt;
    if (is_pow10(*cnt))
        add_history(z, code);
}

/* ---- public: creation ------------------------------------------------- */

void zeek_conn_init(struct zeek_conn *z, uint8_t ipproto)
{
    memset(z, 0, sizeof(*z));
    z->proto = ipproto;
}

void zeek_conn_init_zeroed(struct zeek_conn *z, uint8_t ipproto)
{
    z->proto = ipproto;
}

void zeek_conn_mark_flipped(struct zeek_conn *z)
{
    z->flipped = true;
    add_history(z, '^');
}

bool zeek_should_flip_at_creation(uint8_t ipproto, const struct packet *first,
                                  bool src_likely_server, bool dst_likely_server,
                                  bool dst_is_broadcast)
{
    if (dst_is_broadcast)
        return false;
    if (ipproto == IPPROTO_NUM_UDP)
        return src_likely_server && !dst_likely_server;
    if (ipproto != IPPROTO_NUM_TCP)
        return false;

    uint16_t f = first->tcp.flags;
    if ((f & TCP_SYN) != 0 && (f & TCP_ACK) == 0)
        return false; /* a bare SYN: its sender originates */
    if (!src_likely_server)
        return false;
    if (dst_likely_server) /* both plausible: not for SYN-ACKs (stealth scans) */
        return (f & TCP_SYN) == 0 && first->sport < first->dport;
    return true;
}

/* ---- TCP endpoint bookkeeping (TCP_Endpoint) -------------------------- */

static void set_state(struct zeek_endpoint *ep, uint8_t st)
{
    if (st != ep->state) {
        ep->prev_state = ep->state;
        ep->state = st;
    }
}

static void update_last(struct zeek_endpoint *ep, uint32_t seq)
{
    if (seq < ep->last_seq && ep->seq_wraps < UINT16_MAX)
        ep->seq_wraps++;
    ep->last_seq = seq;
}

static void update_ack(struct zeek_endpoint *ep, uint32_t seq)
{
    if (seq < ep->ack_seq && ep->ack_wraps < UINT16_MAX)
        ep->ack_wraps++;
    ep->ack_seq = seq;
}

/* (Re)starts ep's sequence space at start; content is tracked from start + 1. */
static void init_seqs(struct zeek_endpoint *ep, uint32_t start, uint32_t last)
{
    ep->start_seq = start;
    ep->ack_seq = start;
    ep->last_seq = last;
    ep->seen_end = start + 1;
    ep->flags &= (uint8_t)~ZEEK_EP_HOLE;
}

/* Zeek's NoDataAcked: the peer acknowledged at most the SYN octet. */
static bool no_data_acked(const struct zeek_endpoint *ep)
{
    uint64_t ack = full_seq(ep->ack_seq, ep->ack_wraps);
    return ack == ep->start_seq || ack == (uint64_t)ep->start_seq + 1;
}

/* TCP_Endpoint::Size. A sequence space that ends below its start (possible
 * with untrustworthy RST sequence numbers) counts as 0 instead of wrapping. */
static uint64_t ep_size(const struct zeek_endpoint *ep, const struct zeek_endpoint *peer)
{
    if (ep->prev_state == ZEEK_TCP_SYN_SENT && ep->state == ZEEK_TCP_RESET &&
        peer->state == ZEEK_TCP_INACTIVE && !no_data_acked(ep))
        return 0; /* a half-open connection discovered and aborted */

    uint64_t last = full_seq(ep->last_seq, ep->seq_wraps);
    uint64_t ack = full_seq(ep->ack_seq, ep->ack_wraps);
    uint64_t top = last > ack ? last : ack;
    if (top <= ep->start_seq)
        return 0;
    uint64_t size = top - ep->start_seq;
    size--; /* the SYN octet (assumed for partial connections too) */
    if ((ep->flags & ZEEK_EP_FIN_SEEN) != 0 && size != 0)
        size--; /* the FIN octet */
    return size;
}

/* get_relative_seq's underflow: whether cur lies before ep's start, where the
 * wrap count of cur is guessed from last/wraps (delta = seq_delta(cur, last)).
 * Only the underflow is needed: the low 32 bits of the relative sequence number
 * are cur - start_seq whatever the wrap count. */
static bool seq_before_start(const struct zeek_endpoint *ep, uint32_t cur, uint32_t last,
                             uint32_t wraps, int32_t delta)
{
    if (delta < 0) {
        if (wraps != 0 && cur > last)
            wraps--; /* from the previous 32-bit space */
    } else if (delta > 0) {
        if (cur < last)
            wraps++; /* the sequence space wrapped */
    }
    return wraps == 0 && seq_delta(cur, ep->start_seq) < 0;
}

/* init_endpoint: sets up sequence numbers from ep's packet. */
static SS_ALWAYS_INLINE void init_endpoint(struct zeek_endpoint *ep, uint16_t flags, uint32_t seq, uint32_t end)
{
    bool syn = (flags & TCP_SYN) != 0;
    switch (ep->state) {
    case ZEEK_TCP_INACTIVE:
        if (syn)
            init_seqs(ep, seq, end);
        else /* partial: number as though a SYN preceded; first packet not a dup */
            init_seqs(ep, seq - 1, seq);
        break;
    case ZEEK_TCP_SYN_SENT:
    case ZEEK_TCP_SYN_ACK_SENT:
        if (syn && seq != ep->start_seq)
            init_seqs(ep, seq, end); /* SYN_seq_jump */
        break;
    case ZEEK_TCP_ESTABLISHED:
    case ZEEK_TCP_PARTIAL:
        if (syn) /* guess this SYN is the one that really sets it up */
            init_seqs(ep, seq, end);
        break;
    case ZEEK_TCP_RESET:
        /* seqs came from a RST while INACTIVE, maybe spoofed: trust the SYN */
        if (syn && ep->prev_state == ZEEK_TCP_INACTIVE)
            init_seqs(ep, seq, end);
        break;
    default:
        break;
    }
}

/* init_peer: an ACK for a side never seen numbers that side from ack - 1. */
static void init_peer(struct zeek_endpoint *peer, uint32_t ack)
{
    init_seqs(peer, ack - 1, ack - 1);
}

/* d: seq_delta(ack, ep->ack_seq) */
static void update_ack_seq(struct zeek_endpoint *ep, uint32_t ack, int32_t d)
{
    if (ack == 0 && d > TOO_LARGE_SEQ_DELTA)
        return; /* more likely a broken ack than a landing on 0 */
    if (d > 0)
        update_ack(ep, ack);
}

/* update_last_seq: counts T (retransmitted payload). */
static SS_ALWAYS_INLINE void update_last_seq(struct zeek_conn *z, struct zeek_endpoint *ep, unsigned side,
                                   uint32_t end, uint16_t flags, uint32_t len)
{
    int32_t d = seq_delta(end, ep->last_seq);
    if ((flags & (TCP_SYN | TCP_RST)) != 0 &&
        (d > TOO_LARGE_SEQ_DELTA || d < -TOO_LARGE_SEQ_DELTA))
        ; /* outlandish SYN/RST sequence numbers are not trusted */
    else if ((flags & TCP_FIN) != 0 && ep->last_seq == ep->start_seq + 1)
        update_last(ep, end); /* only SYN and FIN seen: > 2 GB connections */
    else if (ep->state == ZEEK_TCP_RESET)
        ; /* nothing after a RST is trusted */
    else if (d > 0)
        update_last(ep, end);
    else if (len > 0)
        scaled32(z, &ep->rxmt_cnt, side_letter('T', side));
}

/* ---- content gaps (a small stand-in for Zeek's reassembler) ------------ */

static bool is_clean(const struct zeek_endpoint *ep)
{
    return ep->state == ZEEK_TCP_ESTABLISHED ||
           (ep->state == ZEEK_TCP_CLOSED && ep->prev_state == ZEEK_TCP_ESTABLISHED);
}

/* ep sent content [s, e), all of it captured (what is not captured is not
 * delivered: it stays unseen, as in Zeek). */
static void gap_data_sent(struct zeek_endpoint *ep, uint32_t s, uint32_t e)
{
    if (seq_delta(s, ep->seen_end) <= 0) {
        if ((ep->flags & ZEEK_EP_HOLE) != 0 && seq_delta(s, ep->hole_start) <= 0 &&
            seq_delta(e, ep->hole_start) > 0) {
            ep->hole_start = e; /* fills the hole from its start */
            if (seq_delta(ep->hole_start, ep->hole_end) >= 0)
                ep->flags &= (uint8_t)~ZEEK_EP_HOLE;
        }
    } else if ((ep->flags & ZEEK_EP_HOLE) == 0) {
        ep->hole_start = ep->seen_end;
        ep->hole_end = s;
        ep->flags |= ZEEK_EP_HOLE;
    }
    if (seq_delta(e, ep->seen_end) > 0)
        ep->seen_end = e;
}

/* The peer acknowledged ep's (side's) sequence space up to ack (absolute):
 * content in that range never seen is a gap, reported while both sides are
 * clean. True when it was reported (missed_bytes grew). */
static SS_NOINLINE bool gap_acked(struct zeek_conn *z, struct zeek_endpoint *ep, unsigned side,
                        const struct zeek_endpoint *peer, uint32_t ack, bool in_hole,
                        bool past_seen)
{
    bool report = is_clean(ep) && is_clean(peer);

    if (in_hole) {
        uint32_t upto = seq_delta(ack, ep->hole_end) < 0 ? ack : ep->hole_end;
        if (report) {
            z->u.tcp.missed_bytes += (uint32_t)(upto - ep->hole_start);
            scaled16(z, &ep->gap_cnt, side_letter('G', side));
        }
        ep->hole_start = upto;
        if (seq_delta(ep->hole_start, ep->hole_end) >= 0)
            ep->flags &= (uint8_t)~ZEEK_EP_HOLE;
    }
    if (past_seen) {
        if (report) {
            z->u.tcp.missed_bytes += (uint32_t)(ack - ep->seen_end);
            scaled16(z, &ep->gap_cnt, side_letter('G', side));
        }
        ep->seen_end = ack;
    }
    return report;
}

/* True when missed_bytes grew (gap_acked). */
static SS_ALWAYS_INLINE bool gap_ack_received(struct zeek_conn *z, struct zeek_endpoint *ep, unsigned side,
                                    const struct zeek_endpoint *peer, uint32_t ack)
{
    if ((ep->flags & ZEEK_EP_FIN_SEEN) != 0 && seq_delta(ack, ep->fin_end) > 0)
        ack = ep->fin_end; /* acking the FIN octet is not a gap */
    bool in_hole = (ep->flags & ZEEK_EP_HOLE) != 0 && seq_delta(ack, ep->hole_start) > 0;
    bool past_seen = seq_delta(ack, ep->seen_end) > 0;
    /* usually not: everything acknowledged was seen */
    return (in_hole || past_seen) && gap_acked(z, ep, side, peer, ack, in_hole, past_seen);
}

/* ---- flips ------------------------------------------------------------ */

static void swap_endpoints(struct zeek_conn *z)
{
    struct zeek_endpoint tmp = z->u.tcp.orig;
    z->u.tcp.orig = z->u.tcp.resp;
    z->u.tcp.resp = tmp;
}

/* The SYN-ACK-first rule: history exactly "H" and an A or D event arrives.
 * Zeek flips and rewrites the history as "^h". The once-only masks are
 * swapped too, so that the 'h' now belongs to the responder. */
static void flip_after_synack(struct zeek_conn *z)
{
    swap_endpoints(z);
    z->hist_seen = (z->hist_seen << 16) | (z->hist_seen >> 16);
    z->hist_len = 0;
    z->history[0] = '\0';
    add_history(z, '^');
    add_history(z, 'h');
    z->flipped = true;
}

/* ---- history (update_history) ----------------------------------------- */

/* The letters of a segment with SYN, FIN or RST (ctl: those of its flags);
 * rel32: the low 32 bits of its relative sequence number. */
static SS_ALWAYS_INLINE void control_history(struct zeek_conn *z, struct zeek_endpoint *ep, unsigned side,
                            uint16_t flags, uint16_t ctl, uint32_t rel32, uint32_t len)
{
    if ((ctl & (ctl - 1)) != 0) { /* more than one of them */
        if ((flags & TCP_FIN) != 0 && (flags & TCP_RST) != 0)
            ep_check_history(z, side, HIST_FIN_RST, 'I');
        else
            ep_check_history(z, side, HIST_MULTI, 'Q');
    } else if ((flags & TCP_SYN) != 0) {
        char code = (flags & TCP_ACK) != 0 ? 'H' : 'S';
        if (ep_check_history(z, side, HIST_SYN, code) && rel32 != ep->hist_last_syn)
            ep_add_history(z, side, code);
        ep->hist_last_syn = rel32;
    } else if ((flags & TCP_FIN) != 0) {
        uint32_t fin_at = rel32 + len; /* a FIN sits after its data */
        if (ep_check_history(z, side, HIST_FIN, 'F') && fin_at != ep->hist_last_fin)
            ep_add_history(z, side, 'F');
        ep->hist_last_fin = fin_at;
    } else {
        if (ep_check_history(z, side, HIST_RST, 'R') && rel32 != ep->hist_last_rst)
            ep_add_history(z, side, 'R');
        ep->hist_last_rst = rel32;
    }
}

/* Whether the history is exactly "H" (the SYN-ACK-first rule). hist_len is 1
 * then, so hist_truncated cannot be set: it only is at ZEEK_HISTORY_MAX. */
static bool history_is_synack_only(const struct zeek_conn *z)
{
    return z->history[0] == 'H' && z->history[1] == '\0';
}

/* ---- the state machine (UpdateStateMachine) --------------------------- */

struct tcp_step {
    struct zeek_endpoint *ep, *peer; /* sender and receiver of this packet */
    bool is_orig;  /* sender's role when the packet arrived (Zeek keeps it, even across a flip) */
    uint16_t flags;
    uint32_t seq, ack, len;
    bool do_close;
    bool flipped;
};

static SS_ALWAYS_INLINE void inactive_state(struct zeek_conn *z, struct tcp_step *st)
{
    uint16_t f = st->flags;

    if ((f & TCP_SYN) != 0) {
        if (st->is_orig) {
            set_state(st->ep, (f & TCP_ACK) != 0 ? ZEEK_TCP_SYN_ACK_SENT : ZEEK_TCP_SYN_SENT);
        } else {
            if ((f & TCP_ACK) == 0 && st->peer->state == ZEEK_TCP_SYN_ACK_SENT &&
                st->seq == st->ep->start_seq) {
                /* SYN/SYN-ACK reversal: flip and establish. Zeek's FlipRoles
                 * appends '^' and leaves the once-only masks alone. */
                swap_endpoints(z);
                struct zeek_endpoint *tmp = st->ep;
                st->ep = st->peer;
                st->peer = tmp;
                add_history(z, '^');
                z->flipped = true;
                st->flipped = true;
                set_state(st->peer, ZEEK_TCP_ESTABLISHED);
            }
            if (st->peer->state == ZEEK_TCP_SYN_SENT)
                set_state(st->peer, ZEEK_TCP_ESTABLISHED);
            set_state(st->ep, ZEEK_TCP_ESTABLISHED);
        }
    }

    if ((f & TCP_FIN) != 0) {
        set_state(st->ep, ZEEK_TCP_CLOSED);
        st->do_close = true;
    }

    if ((f & TCP_RST) != 0) {
        set_state(st->ep, ZEEK_TCP_RESET);
        st->do_close = true;
    }

    if (st->ep->state == ZEEK_TCP_INACTIVE) { /* no control flags moved it */
        if (!st->is_orig && st->len == 0 && z->u.tcp.orig.state == ZEEK_TCP_SYN_SENT)
            ; /* some stacks ACK a SYN before answering it: not a partial side */
        else if ((f & TCP_ACK) != 0 && st->peer->state == ZEEK_TCP_ESTABLISHED)
            set_state(st->ep, ZEEK_TCP_ESTABLISHED); /* only the SYN was missed */
        else
            set_state(st->ep, ZEEK_TCP_PARTIAL);
    }
}

static SS_ALWAYS_INLINE void syn_sent_state(struct tcp_step *st)
{
    if ((st->flags & TCP_FIN) != 0) {
        set_state(st->ep, ZEEK_TCP_CLOSED);
        st->do_close = true;
    }
    if ((st->flags & TCP_RST) != 0) {
        set_state(st->ep, ZEEK_TCP_RESET);
        st->do_close = true;
    }
}

static SS_ALWAYS_INLINE void established_state(struct tcp_step *st)
{
    uint16_t f = st->flags;

    if ((f & TCP_SYN) != 0 && (f & TCP_ACK) == 0 && st->ep->state == ZEEK_TCP_PARTIAL &&
        st->peer->state == ZEEK_TCP_INACTIVE)
        set_state(st->ep, ZEEK_TCP_SYN_SENT); /* SYN_after_partial */

    if ((f & TCP_FIN) != 0 && (f & TCP_RST) == 0) {
        set_state(st->ep, ZEEK_TCP_CLOSED);
        if (st->peer->state == ZEEK_TCP_RESET && st->peer->prev_state == ZEEK_TCP_CLOSED)
            set_state(st->peer, ZEEK_TCP_CLOSED); /* the peer's FIN-then-RST was a normal close */
        st->do_close = true;
    }

    if ((f & TCP_RST) != 0) {
        set_state(st->ep, ZEEK_TCP_RESET);
        st->do_close = true;
    }
}

static SS_ALWAYS_INLINE void closed_state(struct tcp_step *st)
{
    /* after a FIN exchange, a RST changes nothing */
    if ((st->flags & TCP_RST) != 0 && st->peer->state != ZEEK_TCP_CLOSED) {
        set_state(st->ep, ZEEK_TCP_RESET);
        if ((st->ep->flags & ZEEK_EP_DID_CLOSE) == 0)
            st->do_close = true;
    }
}

static SS_ALWAYS_INLINE void state_machine(struct zeek_conn *z, struct tcp_step *st)
{
    switch (st->ep->state) {
    case ZEEK_TCP_INACTIVE:
        inactive_state(z, st);
        break;
    case ZEEK_TCP_SYN_SENT:
    case ZEEK_TCP_SYN_ACK_SENT:
        syn_sent_state(st);
        break;
    case ZEEK_TCP_ESTABLISHED:
    case ZEEK_TCP_PARTIAL:
        established_state(st);
        break;
    case ZEEK_TCP_CLOSED:
        closed_state(st);
        break;
    default: /* RESET is terminal */
        break;
    }
}

/* ---- per-packet processing ------------------------------------------- */

/* One segment from side (not one with a bad checksum). kind (tcp_kind.h):
 * TCP_KIND_PLAIN when the caller checked that it is a plain segment
 * (tcp_is_plain), or what it knows of its flags; the compiler drops every
 * branch that cannot be taken then, so that the common ACK and data segments
 * run straight, and SYN, SYN-ACK and FIN-ACK each take a path of their own. */
static SS_ALWAYS_INLINE int tcp_segment(struct zeek_conn *z, const struct packet *pkt, unsigned side,
                              const int kind)
{
    const bool plain = kind == TCP_KIND_PLAIN;
    bool is_orig = side == 0; /* the sender's role when the packet arrived */
    struct zeek_endpoint *ep = &z->u.tcp.ep[side];
    unsigned f = tcp_kind_flags(pkt, kind);
    uint32_t seq = pkt->tcp.seq, ack = pkt->tcp.ack, len = pkt->l4_payload_len;

    unsigned ctl = plain ? 0 : f & (TCP_SYN | TCP_FIN | TCP_RST);
    /* sequence space the segment uses: SYN and FIN take one octet each, a
     * RST's payload is not part of the stream */
    uint32_t seg_len = ((ctl & TCP_RST) != 0 ? 0 : len) + ((ctl & TCP_SYN) != 0) +
                       ((ctl & TCP_FIN) != 0);
    uint32_t end = seq + seg_len;

    /* init_endpoint changes nothing for other segments */
    if (!plain && ((ctl & TCP_SYN) != 0 || ep->state == ZEEK_TCP_INACTIVE))
        init_endpoint(ep, (uint16_t)f, seq, end);

    /* payload for the content-gap tracker: not a RST's, fully captured and not
     * before the start of the sequence space (get_relative_seq's underflow) */
    bool deliver = len > 0 && (ctl & TCP_RST) == 0 && pkt->payload.len >= len &&
                   !seq_before_start(ep, seq, ep->last_seq, ep->seq_wraps,
                                     seq_delta(seq, ep->last_seq));

    bool flipped = false;
    if (ctl != 0) {
        control_history(z, ep, side, (uint16_t)f, (uint16_t)ctl, seq - ep->start_seq, len);
    } else if (len > 0 || (f & TCP_ACK) != 0) {
        if (!plain && history_is_synack_only(z)) {
            flip_after_synack(z);
            side ^= 1;
            ep = &z->u.tcp.ep[side];
            flipped = true;
        }
        if (len > 0)
            ep_check_history(z, side, HIST_DATA, 'D');
        else
            ep_check_history(z, side, HIST_ACK, 'A');
    }
    struct zeek_endpoint *peer = &z->u.tcp.ep[side ^ 1];

    /* update_window: only the zero-window letter matters here (a scaled window
     * is zero exactly when the raw one is). SYNs count too, as in Zeek. */
    if (pkt->tcp.window == 0 && (ctl & TCP_RST) == 0 && peer->state != ZEEK_TCP_CLOSED &&
        ep->state != ZEEK_TCP_RESET)
        scaled16(z, &ep->win0_cnt, side_letter('W', side));

    int ret = (z->u.tcp.ep[0].flags & z->u.tcp.ep[1].flags & ZEEK_EP_DID_CLOSE) != 0
                  ? 0
                  : ZEEK_UPD_TOUCH_TIME;

    if ((ctl & TCP_FIN) != 0) {
        ep->flags |= ZEEK_EP_FIN_SEEN;
        ep->fin_end = end - 1; /* FIN_seq - 1 in absolute terms: where the FIN octet sits */
    }

    bool ack_valid = false;
    if ((f & TCP_ACK) != 0) {
        if (peer->state == ZEEK_TCP_INACTIVE) {
            init_peer(peer, ack);
        } else {
            int32_t d = seq_delta(ack, peer->ack_seq);
            if (!seq_before_start(peer, ack, peer->ack_seq, peer->ack_wraps, d)) {
                ack_valid = true;
                if ((ctl & TCP_RST) == 0) /* acks in RSTs are not trusted */
                    update_ack_seq(peer, ack, d);
            }
        }
    }

    update_last_seq(z, ep, side, end, (uint16_t)ctl, len);

    /* without SYN, FIN or RST, only an INACTIVE sender changes state */
    if (!plain && (ctl != 0 || ep->state == ZEEK_TCP_INACTIVE)) {
        struct tcp_step st = {
            .ep = ep, .peer = peer, .is_orig = is_orig, .flags = (uint16_t)f,
            .seq = seq, .ack = ack, .len = len,
        };
        state_machine(z, &st);
        if (st.flipped) {
            side ^= 1;
            ep = st.ep;
            peer = st.peer;
            flipped = true;
        }
        if (st.do_close)
            ep->flags |= ZEEK_EP_DID_CLOSE;
    }

    if (ack_valid && gap_ack_received(z, peer, side ^ 1, ep, ack))
        ret |= ZEEK_UPD_MISSED;
    if (deliver) {
        uint32_t data_seq = (ctl & TCP_SYN) != 0 ? seq + 1 : seq;
        gap_data_sent(ep, data_seq, data_seq + len);
    }

    if (flipped)
        ret |= ZEEK_UPD_FLIPPED;
    return ret;
}

/* A segment without SYN, FIN or RST from a side that has a state, while no
 * SYN-ACK-first flip is pending: it can change no state and flip nothing. */
static bool tcp_is_plain(const struct zeek_conn *z, const struct packet *pkt, unsigned side)
{
    return (pkt->tcp.flags & (TCP_SYN | TCP_FIN | TCP_RST)) == 0 &&
           z->u.tcp.ep[side].state != ZEEK_TCP_INACTIVE && !history_is_synack_only(z);
}

/* A segment that is not plain: SYN, SYN-ACK and FIN-ACK each run a copy with
 * their flags known, the others the general one. */
static SS_NOINLINE int tcp_segment_control(struct zeek_conn *z, const struct packet *pkt, unsigned side)
{
    switch (pkt->tcp.flags & TCP_KIND_CTL) {
    case TCP_SYN: return tcp_segment(z, pkt, side, TCP_SYN);
    case TCP_SYN | TCP_ACK: return tcp_segment(z, pkt, side, TCP_SYN | TCP_ACK);
    case TCP_FIN | TCP_ACK: return tcp_segment(z, pkt, side, TCP_FIN | TCP_ACK);
    default: return tcp_segment(z, pkt, side, TCP_KIND_ANY);
    }
}

/* Out of line, so that the plain path gets registers of its own rather than
 * sharing them with the caller's loop. */
static SS_NOINLINE int tcp_update(struct zeek_conn *z, const struct packet *pkt, bool from_orig)
{
    unsigned side = from_orig ? 0 : 1;
    if (pkt->l4_csum == CSUM_BAD) { /* Zeek drops it after counting C */
        scaled32(z, &z->u.tcp.ep[side].chk_cnt, side_letter('C', side));
        return 0;
    }
    if (tcp_is_plain(z, pkt, side))
        return tcp_segment(z, pkt, side, TCP_KIND_PLAIN);
    return tcp_segment_control(z, pkt, side);
}

static int dgram_update(struct zeek_conn *z, const struct packet *pkt, bool from_orig)
{
    struct zeek_dgram *d = &z->u.dgram;
    int side = from_orig ? 0 : 1;

    if (pkt->l4_csum == CSUM_BAD) {
        /* Zeek drops it; UDP records C/c, ICMP only a weird */
        if (z->proto == IPPROTO_NUM_UDP)
            scaled32(z, &d->chk_cnt[side], from_orig ? 'C' : 'c');
        return 0;
    }
    d->bytes[side] += pkt->l4_payload_len;
    d->active[side] = true;
    if (z->proto == IPPROTO_NUM_UDP)
        check_history(z, from_orig ? HIST_UDP_ORIG_DATA : HIST_UDP_RESP_DATA,
                      from_orig ? 'D' : 'd');
    return ZEEK_UPD_TOUCH_TIME;
}

int zeek_conn_update(struct zeek_conn *z, const struct packet *pkt, bool from_orig)
{
    if (is_tcp(z))
        return tcp_update(z, pkt, from_orig);
    if (is_dgram(z))
        return dgram_update(z, pkt, from_orig);
    return ZEEK_UPD_TOUCH_TIME;
}

/* ---- results ---------------------------------------------------------- */

/* /^\^?S[^HAFGIQ]*R.*$/ over the whole history (Zeek patterns are case sensitive). */
static bool history_is_rstos0(const char *h)
{
    if (*h == '^')
        h++;
    if (*h != 'S')
        return false;
    for (h++; *h != '\0'; h++) {
        if (*h == 'R')
            return true;
        if (strchr("HAFGIQ", *h) != NULL)
            return false;
    }
    return false;
}

static bool inactive_like(uint8_t st)
{
    return st == ZEEK_TCP_INACTIVE || st == ZEEK_TCP_PARTIAL;
}

const char *zeek_conn_state(const struct zeek_conn *z)
{
    if (is_dgram(z)) {
        if (z->proto != IPPROTO_NUM_UDP)
            return "OTH";
        bool o = z->u.dgram.active[0], r = z->u.dgram.active[1];
        if (o)
            return r ? "SF" : "S0";
        return r ? "SHR" : "OTH";
    }
    if (!is_tcp(z))
        return "OTH";

    const struct zeek_endpoint *o = &z->u.tcp.orig, *r = &z->u.tcp.resp;
    bool o_inactive = inactive_like(o->state), r_inactive = inactive_like(r->state);

    if (r->state == ZEEK_TCP_RESET) {
        if (o->state == ZEEK_TCP_SYN_SENT || o->state == ZEEK_TCP_SYN_ACK_SENT ||
            (o->state == ZEEK_TCP_RESET && ep_size(o, r) == 0 && ep_size(r, o) == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (o->state == ZEEK_TCP_RESET) {
        if (r_inactive)
            return history_is_rstos0(z->history) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (o->state == ZEEK_TCP_CLOSED && r->state == ZEEK_TCP_CLOSED)
        return "SF";
    if (o->state == ZEEK_TCP_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (r->state == ZEEK_TCP_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (o->state == ZEEK_TCP_SYN_SENT && r->state == ZEEK_TCP_INACTIVE)
        return "S0";
    if (o->state == ZEEK_TCP_ESTABLISHED && r->state == ZEEK_TCP_ESTABLISHED)
        return "S1";
    return "OTH";
}

const char *zeek_conn_history(const struct zeek_conn *z)
{
    return z->history;
}

uint64_t zeek_conn_orig_bytes(const struct zeek_conn *z)
{
    if (is_tcp(z))
        return ep_size(&z->u.tcp.orig, &z->u.tcp.resp);
    if (is_dgram(z))
        return z->u.dgram.bytes[0];
    return 0;
}

uint64_t zeek_conn_resp_bytes(const struct zeek_conn *z)
{
    if (is_tcp(z))
        return ep_size(&z->u.tcp.resp, &z->u.tcp.orig);
    if (is_dgram(z))
        return z->u.dgram.bytes[1];
    return 0;
}

uint64_t zeek_conn_missed_bytes(const struct zeek_conn *z)
{
    return is_tcp(z) ? z->u.tcp.missed_bytes : 0;
}

bool zeek_conn_is_closed(const struct zeek_conn *z)
{
    return is_tcp(z) && (z->u.tcp.orig.flags & ZEEK_EP_DID_CLOSE) != 0 &&
           (z->u.tcp.resp.flags & ZEEK_EP_DID_CLOSE) != 0;
}

bool zeek_conn_any_closed(const struct zeek_conn *z)
{
    return is_tcp(z) && ((z->u.tcp.orig.flags & ZEEK_EP_DID_CLOSE) != 0 ||
                         (z->u.tcp.resp.flags & ZEEK_EP_DID_CLOSE) != 0);
}

bool zeek_conn_is_reuse(const struct zeek_conn *z, const struct packet *pkt, bool from_orig)
{
    (void)from_orig;
    if (!is_tcp(z) || (pkt->tcp.flags & TCP_SYN) == 0)
        return false;

    const struct zeek_endpoint *orig = &z->u.tcp.orig, *resp = &z->u.tcp.resp;
    const struct zeek_endpoint *conn_orig = orig;
    bool ack = (pkt->tcp.flags & TCP_ACK) != 0;
    if (ack) {
        if (orig->state != ZEEK_TCP_INACTIVE)
            return false; /* not a half connection */
        conn_orig = resp;
    }
    if (zeek_conn_any_closed(z))
        return true;
    if (pkt->tcp.seq == conn_orig->start_seq)
        return false; /* a retransmission */
    if (!ack && conn_orig->state == ZEEK_TCP_SYN_ACK_SENT && resp->state == ZEEK_TCP_INACTIVE &&
        pkt->tcp.seq == resp->start_seq)
        return false; /* SYN/SYN-ACK reversal: zeek_conn_update() flips it */
    return true;
}
