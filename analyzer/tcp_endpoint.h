/* tcp_endpoint.h - the two sockets of a TCP connection as a passive observer
 * infers them: RFC 9293 section 3.3.2 states driven by the segments each side
 * sends and receives, plus per-direction sequence analysis (retransmissions,
 * out-of-order, gaps, zero windows, duplicate ACKs, keep-alives). */
#ifndef SOCKSCOPE_TCP_ENDPOINT_H
#define SOCKSCOPE_TCP_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

/* Out-of-order vs retransmission, as Wireshark tells them apart: a segment
 * (data, SYN or FIN) below the highest sequence its side had sent is out of
 * order when it comes within the handshake's RTT (SYN to the ACK that ends
 * the handshake; this long when there was none) of the segment that sent that
 * highest sequence and does not end where it did; else a retransmission, as
 * is one whose bytes the peer had acknowledged already (Wireshark's spurious
 * retransmission), even above the highest sequence seen (the capture missed
 * the original), and one that starts where two or more duplicate ACKs of
 * the peer asked, within TCP_FAST_RXMT_NS of the last (a fast
 * retransmission). */
#define TCP_OOO_THRESHOLD_NS 3000000ull
#define TCP_FAST_RXMT_NS     20000000ull

/* Applies one segment sent by side (0 = originator, 1 = responder) to c.
 * Returns tcp_endpoint_conn_closed(c) after it (known without a look on the
 * path most segments take). */
bool tcp_endpoint_on_segment(struct conn *c, const struct packet *pkt, int side);

/* Ends TIME_WAIT for sockets whose 2*MSL ran out by now_ns (adds the transition). */
void tcp_endpoint_expire_time_wait(struct conn *c, uint64_t now_ns, uint64_t two_msl_ns);

/* When side's socket entered the TIME_WAIT it is in at ts_ns (UINT64_MAX: at
 * its last transition), or 0 when it is not in TIME_WAIT then. */
uint64_t tcp_endpoint_time_wait_since(const struct conn *c, int side, uint64_t ts_ns);
/* When the TIME_WAIT side's socket is in now ends (2*MSL after it began), or 0
 * when it is not in TIME_WAIT. */
uint64_t tcp_endpoint_time_wait_end(const struct conn *c, int side, uint64_t two_msl_ns);

/* State of side's socket at ts_ns; *exists is false before its first transition. */
enum tcp_state tcp_endpoint_state_at(const struct conn *c, int side, uint64_t ts_ns, bool *exists);

/* True when both sockets are CLOSED or TIME_WAIT (or the connection was reset). */
bool tcp_endpoint_conn_closed(const struct conn *c);

/* Records a state change of side's socket at ts_ns (no-op if unchanged). */
void conn_set_state(struct conn *c, int side, enum tcp_state to, uint64_t ts_ns);

/* Swaps originator and responder (after Zeek flips the roles). */
void conn_swap_sides(struct conn *c);

#endif
