/* zeek_conn.h - Zeek-compatible per-connection semantics: TCP endpoint state
 * machine, history letters, conn_state, sequence-space sizes and missed bytes
 * (../shared/DESIGN.md sections 2-4; Zeek's TCPSessionAdapter, TCP_Endpoint,
 * UDP/ICMP session adapters and base/protocols/conn/main.zeek).
 *
 * The flow table owns the connection, decides when one is new (using
 * zeek_should_flip_at_creation() and zeek_conn_is_reuse()), and feeds every
 * packet to zeek_conn_update(). Nothing here allocates. */
#ifndef SOCKSCOPE_ZEEK_CONN_H
#define SOCKSCOPE_ZEEK_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

/* Zeek's TCP endpoint states (TCP_Endpoint.h EndpointState), same numbering. */
enum zeek_tcp_state {
    ZEEK_TCP_INACTIVE = 0, /* nothing seen from this side */
    ZEEK_TCP_SYN_SENT,     /* SYN seen, no SYN-ACK yet */
    ZEEK_TCP_SYN_ACK_SENT, /* the originator sent a SYN-ACK (no SYN seen) */
    ZEEK_TCP_PARTIAL,      /* data seen, no SYN */
    ZEEK_TCP_ESTABLISHED,  /* SYN-ACK seen (or implied) */
    ZEEK_TCP_CLOSED,       /* FIN seen */
    ZEEK_TCP_RESET,        /* RST seen */
};

/* Name as Zeek prints it ("TCP_ESTABLISHED"), "?" if out of range. */
const char *zeek_tcp_state_name(uint8_t state);

/* History letters kept; longer histories are cut at this length and
 * zeek_conn.hist_truncated is set. Letters past the cut are dropped, but the
 * once-only masks and counters keep running, so the kept prefix is exactly
 * Zeek's. conn_state's RSTOS0 test runs on the kept prefix. */
#define ZEEK_HISTORY_MAX 20

/* zeek_endpoint.flags */
#define ZEEK_EP_DID_CLOSE 0x01u /* Zeek's did_close: a FIN or RST closed this side */
#define ZEEK_EP_FIN_SEEN  0x02u /* FIN_cnt > 0 */
#define ZEEK_EP_HOLE      0x04u /* hole_start/hole_end hold a content hole */

/* One TCP endpoint (the data it sent). Sequence numbers are absolute 32-bit
 * values; *_wraps count 32-bit wraps so sizes work beyond 4 GiB (up to 2^48
 * bytes per direction). hist_last_* keep the low 32 bits of Zeek's 64-bit
 * relative sequence numbers (only compared for equality). */
struct zeek_endpoint {
    uint32_t start_seq; /* ISN, or first seq - 1 when no SYN was seen */
    uint32_t last_seq;  /* one past the highest sequence number sent */
    uint32_t ack_seq;   /* highest sequence number the peer acknowledged */
    uint16_t seq_wraps, ack_wraps;
    uint32_t hist_last_syn, hist_last_fin, hist_last_rst;
    uint32_t fin_end;    /* seq one past the last FIN's data (where the FIN octet sits) */
    uint32_t seen_end;   /* one past the highest captured content byte */
    uint32_t hole_start; /* first unseen content range below seen_end ... */
    uint32_t hole_end;   /* ... valid when flags & ZEEK_EP_HOLE */
    uint32_t rxmt_cnt;   /* log-scaled counters (letter at 1, 10, 100, ...) */
    uint32_t chk_cnt;
    uint16_t win0_cnt, gap_cnt; /* saturate at 65535: at most 5 W / G letters */
    uint8_t state, prev_state; /* enum zeek_tcp_state */
    uint8_t flags;             /* ZEEK_EP_* */
};

/* UDP and ICMP: payload bytes summed per side (Zeek's request_len/reply_len). */
struct zeek_dgram {
    uint64_t bytes[2];   /* [0] originator, [1] responder */
    uint32_t chk_cnt[2]; /* UDP bad checksums, log-scaled C / c */
    bool active[2];      /* a datagram with a valid (or unchecked) checksum was seen */
};

struct zeek_conn {
    union {
        struct {
            union {
                struct {
                    struct zeek_endpoint orig, resp;
                };
                struct zeek_endpoint ep[2]; /* the same, indexed by side (0 = originator) */
            };
            uint64_t missed_bytes;
        } tcp;
        struct zeek_dgram dgram; /* UDP, ICMP, ICMPv6 */
    } u;
    uint32_t hist_seen; /* once-only letters: originator bits low, responder bits << 16 */
    char history[ZEEK_HISTORY_MAX + 1]; /* NUL-terminated */
    uint8_t hist_len;
    uint8_t proto; /* IP protocol number */
    bool hist_truncated;
    bool flipped; /* roles were flipped at creation or later (history has '^') */
};

/* zeek_conn_update() result bits. */
#define ZEEK_UPD_FLIPPED    0x1 /* roles swapped by this packet: the caller swaps its
                                 * own orig/resp bookkeeping (this packet's sender
                                 * is then on the other side) */
#define ZEEK_UPD_TOUCH_TIME 0x2 /* Zeek updates the connection's last_time for this
                                 * packet (not after both sides closed, not for a
                                 * packet dropped for a bad checksum) */
#define ZEEK_UPD_MISSED     0x4 /* missed_bytes grew with this packet: it acknowledged
                                 * data of the other side the capture never had */

/* Zeroes z for a new connection of IP protocol ipproto. */
void zeek_conn_init(struct zeek_conn *z, uint8_t ipproto);
/* The same for z already all zero bytes (a new flow-table entry): only the
 * protocol is set. Zeroing it again costs a string store (rep stosq) whose
 * bytes the first packet's loads cannot take from the store buffer. */
void zeek_conn_init_zeroed(struct zeek_conn *z, uint8_t ipproto);

/* Records that the caller flipped the roles when creating the connection (the
 * first packet's sender became the responder): appends '^' to the history.
 * Call right after zeek_conn_init(), before the first zeek_conn_update(). */
void zeek_conn_mark_flipped(struct zeek_conn *z);

/* Whether Zeek would make the first packet's sender the responder (NewConn).
 * TCP: only when the first packet is not a bare SYN (no SYN, or SYN+ACK); then
 * flip if the source port is a likely server port and the destination is not;
 * if both are, flip iff the packet has no SYN and sport < dport. UDP: flip iff
 * the source is a likely server port and the destination is not. Other
 * protocols (ICMP included) never flip. Never flips towards a broadcast
 * destination. src_likely_server / dst_likely_server come from the caller's
 * likely-server-port table for pkt->sport / pkt->dport. */
bool zeek_should_flip_at_creation(uint8_t ipproto, const struct packet *first,
                                  bool src_likely_server, bool dst_likely_server,
                                  bool dst_is_broadcast);

/* Feeds one packet of the connection; from_orig says which side sent it (in
 * the roles as they are before this call). Uses pkt->proto-independent fields
 * chosen by z->proto: TCP flags/seq/ack/window, l4_payload_len (the length per
 * the IP header, so headers-only captures give the same sizes), payload.len
 * (how much content was captured, for missed_bytes) and l4_csum (CSUM_BAD: the
 * packet only adds a C/c letter, as Zeek drops it). Returns ZEEK_UPD_* bits.
 * Never fails. */
int zeek_conn_update(struct zeek_conn *z, const struct packet *pkt, bool from_orig);

/* Zeek's conn_state: "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR",
 * "RSTOS0", "RSTRH", "SH", "SHR" or "OTH". Static string. */
const char *zeek_conn_state(const struct zeek_conn *z);

/* History string (NUL-terminated, owned by z). */
const char *zeek_conn_history(const struct zeek_conn *z);

/* orig_bytes / resp_bytes. TCP: sequence-space size (TCP_Endpoint::Size):
 * max(last_seq, ack_seq) - start_seq, minus 1 for the SYN and 1 more once a FIN
 * was sent; 0 for a SYN-then-RST side whose peer never answered. UDP: sum of
 * UDP payload lengths; ICMP: sum of bytes after the 8-byte ICMP header. Zeek
 * logs these only when duration > 0: that choice is the caller's. */
uint64_t zeek_conn_orig_bytes(const struct zeek_conn *z);
uint64_t zeek_conn_resp_bytes(const struct zeek_conn *z);

/* missed_bytes: content bytes the peer acknowledged that were never captured
 * (Zeek's content_gap total), counted while both sides are established or
 * cleanly closing. Estimate: one hole per direction is remembered (a second
 * hole opened before the first is filled or acknowledged is not counted), and
 * a segment whose payload was not fully captured counts as unseen, as in Zeek. */
uint64_t zeek_conn_missed_bytes(const struct zeek_conn *z);

/* True once both TCP sides closed (FIN or RST; Zeek's BothClosed). From then
 * on Zeek stops updating last_time. Always false for other protocols. */
bool zeek_conn_is_closed(const struct zeek_conn *z);

/* True once either TCP side closed (Zeek's IsClosed). */
bool zeek_conn_any_closed(const struct zeek_conn *z);

/* Whether pkt, arriving on this existing TCP connection, starts a new
 * incarnation (TCPSessionAdapter::IsReuse): only a SYN can, or a SYN-ACK while
 * the originator is INACTIVE (a half connection). On an open connection a SYN
 * with the ISN already seen is not reuse, nor is the SYN of a SYN/SYN-ACK
 * reversal; any other SYN is. On a connection where a side closed, any SYN is.
 * Always false for non-TCP. from_orig is accepted for symmetry; Zeek's test
 * does not depend on it. */
bool zeek_conn_is_reuse(const struct zeek_conn *z, const struct packet *pkt, bool from_orig);

#endif
