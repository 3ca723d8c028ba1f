/* tcp_kind.h - what a copy of a TCP state machine knows in advance of a
 * segment's control bits. Both machines (tcp_endpoint.c, zeek_conn.c) run
 * copies of one source specialised by that knowledge: with the bits a
 * constant, their tests compile away, and each kind of segment takes a path
 * of its own rather than branching on its flags all along. */
#ifndef SOCKSCOPE_TCP_KIND_H
#define SOCKSCOPE_TCP_KIND_H

#include <stdint.h>

#include "packet.h"

/* The control bits a copy may know. */
#define TCP_KIND_CTL (TCP_SYN | TCP_ACK | TCP_FIN | TCP_RST)
/* kind: TCP_KIND_ANY knows nothing, TCP_KIND_PLAIN that the segment has no
 * SYN, FIN or RST (its ACK bit is read), a value >= 0 all TCP_KIND_CTL bits. */
#define TCP_KIND_ANY   (-1)
#define TCP_KIND_PLAIN (-2)

/* pkt's TCP flags as a copy for kind sees them: the known bits constant,
 * the others from the segment. */
static inline uint16_t tcp_kind_flags(const struct packet *pkt, int kind)
{
    uint16_t f = pkt->tcp.flags;
    if (kind == TCP_KIND_PLAIN)
        return (uint16_t)(f & ~(TCP_SYN | TCP_FIN | TCP_RST));
    if (kind >= 0)
        return (uint16_t)((f & ~TCP_KIND_CTL) | (unsigned)kind);
    return f;
}

#endif
