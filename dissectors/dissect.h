/* dissect.h - per-layer dissectors. Each reads through a view, copies values into
 * struct packet, records anomalies there, and returns a dissect_status. None of
 * them prints, allocates or aborts. */
#ifndef SOCKSCOPE_DISSECT_H
#define SOCKSCOPE_DISSECT_H

#include "packet.h"

/* LINKTYPE_* values (tcpdump.org/linktypes.html) that sockscope decodes. */
#define LINKTYPE_NULL       0
#define LINKTYPE_ETHERNET   1
#define LINKTYPE_RAW_BSD12  12  /* DLT_RAW on most BSD-derived platforms */
#define LINKTYPE_RAW_BSD14  14  /* DLT_RAW on OpenBSD */
#define LINKTYPE_RAW        101
#define LINKTYPE_LOOP       108
#define LINKTYPE_LINUX_SLL  113
#define LINKTYPE_IPV4       228
#define LINKTYPE_IPV6       229
#define LINKTYPE_LINUX_SLL2 276

/* What the link layer says comes next. */
enum l3_kind { L3_NONE = 0, L3_IPV4, L3_IPV6, L3_OTHER };

/* Decodes the link header (and VLAN tags) of linktype; leaves v at the L3 header.
 * *l3 says what follows (L3_OTHER for an ethertype we do not decode). */
enum dissect_status link_dissect(struct view *v, uint32_t linktype, struct packet *pkt,
                                 enum l3_kind *l3);

/* Flags for ipv4_dissect/ipv6_dissect. */
#define IP_DISSECT_QUOTED 0x1 /* header quoted in an ICMP error: no length clamp checks,
                                 no checksum, never reassembled */

/* Decodes an IPv4 header and options; clamps v to the total length and leaves it
 * at the IP payload. Fills src/dst/proto/ttl/ip_len/ip_hdr_len and fragment fields. */
enum dissect_status ipv4_dissect(struct view *v, struct packet *pkt, unsigned flags);

/* Decodes the IPv6 header and walks the extension-header chain (hop-by-hop,
 * routing, fragment, destination options, AH; ESP and No Next Header end it).
 * Leaves v at the upper-layer header; pkt->proto is the final next header. */
enum dissect_status ipv6_dissect(struct view *v, struct packet *pkt, unsigned flags);

/* Transport dissectors: v starts at the transport header and is already clamped
 * to the IP payload length. They set ports, l4_payload_len and payload. */
enum dissect_status tcp_dissect(struct view *v, struct packet *pkt);
enum dissect_status udp_dissect(struct view *v, struct packet *pkt);
enum dissect_status icmp4_dissect(struct view *v, struct packet *pkt);
enum dissect_status icmp6_dissect(struct view *v, struct packet *pkt);
enum dissect_status sctp_dissect(struct view *v, struct packet *pkt);

/* Internet checksum helpers (RFC 1071); the pseudo-header variant covers
 * TCP/UDP/ICMPv6 over IPv4 or IPv6. Return the folded one's-complement sum. */
uint32_t inet_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t inet_csum_fold(uint32_t sum);
uint16_t inet_csum_pseudo(const struct packet *pkt, uint8_t proto, const uint8_t *l4, size_t l4_len);

#endif
