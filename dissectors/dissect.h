/* dissect.h - per-layer dissectors. Each reads through a view, copies values into
 * struct packet, records anomalies there, and returns a dissect_status. None of
 * them prints, allocates or aborts. */
#ifndef SOCKSCOPE_DISSECT_H
#define SOCKSCOPE_DISSECT_H

#include "hints.h"
#include "packet.h"

/* Branch hints (hints.h) on the per-packet path: its common case is Ethernet
 * (no VLAN tag or one), IPv4 without options or IPv6 without extension
 * headers, TCP or UDP, fully captured, no fragment, no tunnel; option walks
 * are SS_NOINLINE. */

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

#define IPV6_HDR_LEN      40
#define IPV6_FRAG_HDR_LEN 8

/* What the link layer says comes next. */
enum l3_kind { L3_NONE = 0, L3_IPV4, L3_IPV6, L3_OTHER };

/* Decodes the link header (and VLAN tags) of linktype; leaves v at the L3 header.
 * *l3 says what follows (L3_OTHER for an ethertype we do not decode).
 * Returns DISSECT_OK for IPv4/IPv6 (pkt->layer = LAYER_LINK); DISSECT_TRUNCATED
 * (ANOM_LINK_TRUNCATED / ANOM_VLAN_TRUNCATED) when the header is cut; and
 * DISSECT_UNSUPPORTED with pkt->layer = LAYER_LINK for a payload we do not decode:
 * an unknown ethertype (ARP, LLDP, 802.3 length field, ...) is normal traffic, so it
 * sets no anomaly bit (pkt->truncated_at = ANOM_L3_UNKNOWN_ETHERTYPE names where it
 * stopped, pkt->ethertype says what it was); an unknown BSD NULL/LOOP family sets
 * ANOM_NULL_UNKNOWN_FAMILY. Raw IP whose version nibble is neither 4 nor 6 is
 * DISSECT_MALFORMED with ANOM_IPV4_BAD_VERSION. An unknown linktype sets
 * ANOM_LINK_UNKNOWN_TYPE and leaves pkt->layer at LAYER_NONE. */
enum dissect_status link_dissect(struct view *v, uint32_t linktype, struct packet *pkt,
                                 enum l3_kind *l3);

/* Flags for ipv4_dissect/ipv6_dissect. */
#define IP_DISSECT_QUOTED 0x1 /* header quoted in an ICMP error: no length clamp checks,
                                 no checksum, never reassembled */

/* Decodes an IPv4 header and options; clamps v to the total length and leaves it
 * at the IP payload. Fills src/dst/proto/ttl/ip_len/ip_hdr_len and fragment fields.
 * Checksum is verified when pkt->verify_checksums is set (bad: anomaly, still OK).
 * Fewer captured bytes than the total length: ANOM_IPV4_CUT_BY_SNAPLEN, still OK.
 * A total length of 0 (segmentation offload on the capturing host) takes the
 * captured length instead and sets ANOM_IP_LEN_ZERO, still OK.
 * Sets pkt->l3 (header onwards, clamped) if it is not set yet (outermost header). */
enum dissect_status ipv4_dissect(struct view *v, struct packet *pkt, unsigned flags);

/* Decodes the IPv6 header and walks the extension-header chain (hop-by-hop,
 * routing, fragment, destination options, AH; ESP, mobility and No Next Header
 * end it). Leaves v at the upper-layer header; pkt->proto is the final next header.
 * A fragment header with offset != 0 or M set ends the walk (is_fragment; the rest
 * is fragment data, v is left at it); an atomic fragment (offset 0, M 0) does not.
 * Payload length 0: a hop-by-hop jumbo option gives the length (jumbogram); with no
 * jumbo option the captured length is used (ANOM_IP_LEN_ZERO, segmentation offload).
 * At most IPV6_MAX_EXT_HDRS extension headers (else ANOM_IPV6_EXT_MALFORMED). */
enum dissect_status ipv6_dissect(struct view *v, struct packet *pkt, unsigned flags);

#define IPV6_MAX_EXT_HDRS 16

/* Continues an IPv6 extension-header walk at next header nh (used by frame.c on a
 * reassembled datagram, whose fragmentable part may start with more extension
 * headers). Adds to pkt->ip_hdr_len, sets pkt->proto; same status rules as
 * ipv6_dissect. v must be clamped to the remaining IP payload. */
enum dissect_status ipv6_dissect_ext(struct view *v, struct packet *pkt, uint8_t nh,
                                     unsigned flags);

/* Transport dissectors: v starts at the transport header and is already clamped
 * to the IP payload length. They set ports, l4_payload_len and payload.
 * Lengths come from the IP header (pkt->ip_len - pkt->ip_hdr_len, see
 * dissect_ip_payload_len), never from what was captured, so headers-only captures
 * keep the right payload lengths; payload is what was captured of it.
 * Ports are set as soon as their 4 bytes are captured, even when the rest of the
 * header is cut (DISSECT_TRUNCATED). Checksums are verified when
 * pkt->verify_checksums is set and the whole segment was captured (l4_csum).
 * icmp4/icmp6 decode the quoted header of an error into pkt->icmp.quote; a short
 * or bad quote sets ANOM_ICMP_QUOTE_TRUNCATED / _MALFORMED but stays DISSECT_OK.
 * sctp: chunk problems set ANOM_SCTP_BAD_CHUNK and stay OK; chunks cut by the
 * snaplen simply end the walk. The SCTP CRC32c is not verified. */
enum dissect_status tcp_dissect(struct view *v, struct packet *pkt);
enum dissect_status udp_dissect(struct view *v, struct packet *pkt);
enum dissect_status icmp4_dissect(struct view *v, struct packet *pkt);
enum dissect_status icmp6_dissect(struct view *v, struct packet *pkt);
enum dissect_status sctp_dissect(struct view *v, struct packet *pkt);

/* IP payload length per the IP header: pkt->ip_len - pkt->ip_hdr_len, or captured
 * when no IP header was decoded (a transport dissector called on its own). */
static inline uint32_t dissect_ip_payload_len(const struct packet *pkt, size_t captured)
{
    if (pkt->ip_version == 0)
        return captured > UINT32_MAX ? UINT32_MAX : (uint32_t)captured;
    return pkt->ip_len > pkt->ip_hdr_len ? pkt->ip_len - pkt->ip_hdr_len : 0;
}

/* An IP header that claims `need` bytes after it where the view has `have`:
 * true when the frame cannot hold them, as its missing bytes exceed what the
 * snaplen cut off (wire_len - cap_len). A headers-only capture is legitimate;
 * a length past the end of a whole frame (or of the tunnel packet carrying
 * it) is a lie, which would add up to 64 KiB to a connection's byte counts.
 * A reassembled datagram's payload is not checked: its bytes are not this
 * frame's; nor a header dissected outside a frame (cap_len 0). */
static inline bool dissect_ip_len_past_frame(const struct packet *pkt, size_t have, uint32_t need)
{
    if (have >= need || pkt->reassembled || pkt->cap_len == 0)
        return false;
    uint32_t cut = pkt->wire_len > pkt->cap_len ? pkt->wire_len - pkt->cap_len : 0;
    return need - have > cut;
}

/* Internet checksum helpers (RFC 1071); the pseudo-header variant covers
 * TCP/UDP/ICMPv6 over IPv4 or IPv6 (addresses and version from pkt).
 * inet_csum_add adds len bytes as big-endian 16-bit words to sum (only the last
 * chunk of a sequence may have odd length). inet_csum_fold folds and complements:
 * the result is 0 when verifying data that includes a correct checksum field, and
 * the value to store (big-endian) when computing with the field zeroed.
 * inet_csum_pseudo = inet_csum_fold(pseudo header + l4[0..l4_len)). */
uint32_t inet_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t inet_csum_fold(uint32_t sum);
uint16_t inet_csum_pseudo(const struct packet *pkt, uint8_t proto, const uint8_t *l4, size_t l4_len);

/* CRC32c (Castagnoli, reflected polynomial 0x82F63B78), SCTP's checksum (RFC 9260
 * appendix A): crc32c_update(0xFFFFFFFF, ...) over the data, then complement.
 * crc32c("123456789") = 0xE3069283. */
uint32_t crc32c_update(uint32_t crc, const uint8_t *p, size_t len);

#endif
