/* encap.h - tunnel and encapsulation headers that frame_dissect looks through:
 * MPLS, PPPoE session, GRE (with ERSPAN I/II/III and PPTP), IP-in-IP, and the
 * UDP ones (VXLAN, VXLAN-GPE, Geneve, GTP-U, Teredo, AYIYA, MPLS over UDP). */
#ifndef SOCKSCOPE_ENCAP_H
#define SOCKSCOPE_ENCAP_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* Well-known UDP ports of the UDP encapsulations. */
#define ENCAP_PORT_TEREDO    3544
#define ENCAP_PORT_VXLAN     4789
#define ENCAP_PORT_VXLAN_GPE 4790
#define ENCAP_PORT_AYIYA     5072
#define ENCAP_PORT_CAPWAP_DATA 5247
#define ENCAP_PORT_GENEVE    6081
#define ENCAP_PORT_GTPU      2152
#define ENCAP_PORT_MPLS_UDP  6635

#define ETHERTYPE_MPLS_UC 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE_S 0x8864

#define ENCAP_MAX_MPLS_LABELS 16 /* a longer stack is ANOM_ENCAP_MALFORMED */

/* What follows an encapsulation header. */
enum encap_next {
    ENCAP_NEXT_NONE = 0, /* nothing (used by frame.c for "done") */
    ENCAP_NEXT_OTHER,    /* a payload sockscope does not decode: PPP control, 802.11, ... */
    ENCAP_NEXT_IPV4,
    ENCAP_NEXT_IPV6,
    ENCAP_NEXT_ETHERNET, /* an Ethernet frame without FCS (TEB, VXLAN, ERSPAN, ...) */
    ENCAP_NEXT_MPLS,     /* an MPLS label stack */
    ENCAP_NEXT_PPPOE,    /* a PPPoE session header (link.c saw ethertype 0x8864) */
};

/* One decoded encapsulation header, before it is recorded on the packet. */
struct encap_hdr {
    enum encap_type type;
    enum encap_next next;
    uint32_t hdr_len; /* bytes consumed, options and sub-headers included */
    uint32_t id;      /* see struct encap_layer */
    bool has_id;
    bool id_symmetric;
};

/* Header parsers. v starts at the encapsulation header and is already clamped to
 * the length the carrier claims (IP payload, UDP payload, Ethernet payload);
 * pkt is only written through anomalies. On DISSECT_OK, *h is filled and v is
 * left at the inner packet (clamped to the length the header claims, if any).
 * On any other status v may have moved and *h is unspecified:
 *   DISSECT_TRUNCATED  the capture ended inside the header (ANOM_ENCAP_TRUNCATED);
 *   DISSECT_MALFORMED  an impossible field (ANOM_ENCAP_MALFORMED);
 *   DISSECT_UNSUPPORTED (encap_udp_dissect only) the payload is not a recognised
 *                      encapsulation: the UDP datagram is ordinary traffic, no anomaly.
 * A recognised header whose payload is of a type sockscope does not decode is
 * DISSECT_OK with h->next = ENCAP_NEXT_OTHER. */

/* MPLS label stack (RFC 3032) up to bottom-of-stack, then IPv4/IPv6 by the version
 * nibble, or a pseudowire control word (first nibble 0, RFC 4385) followed by an
 * Ethernet frame; records the top label. The nibble byte must be captured. */
enum dissect_status encap_mpls_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h);

/* PPPoE session stage (RFC 2516, ver/type 0x11, code 0) and the PPP protocol field
 * (0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS; a 1-byte compressed protocol is accepted).
 * Clamps v to the PPPoE length. */
enum dissect_status encap_pppoe_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h);

/* GRE (IP protocol 47): version 0 (RFC 2784/2890, with RFC 1701 checksum, key,
 * sequence and source routes) and version 1 enhanced GRE (RFC 2637, PPP payload).
 * Protocol types: 0x0800, 0x86dd, 0x6558 (Ethernet), 0x8847/0x8848 (MPLS), 0x880b
 * (PPP), 0x88be (ERSPAN type II with the sequence bit, type I without), 0x22eb
 * (ERSPAN type III, with its optional platform sub-header); others are
 * ENCAP_NEXT_OTHER. h->type is ENCAP_ERSPAN for the ERSPAN protocol types. */
enum dissect_status encap_gre_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h);

/* UDP encapsulations, recognised by a well-known port (destination first, then
 * source) AND by the payload parsing as that encapsulation, with its reserved bits
 * and length fields consistent (so a DNS datagram on port 4789 stays DNS):
 * VXLAN (I flag; reserved bits zero, group-policy bits allowed), VXLAN-GPE (version 0,
 * I and P flags; IPv4, IPv6, Ethernet, NSH (skipped) or MPLS), Geneve (version 0,
 * options within the datagram), GTP-U (version 1, PT 1, message 255 G-PDU whose
 * length fits the datagram; E/S/PN fields and the extension-header chain),
 * Teredo (optional authentication and origin indication headers, then an IPv6
 * header whose payload length matches), AYIYA (forward opcode, next header 4/41),
 * MPLS over UDP (RFC 7510), and the CAPWAP data channel (RFC 5415: preamble
 * version 0 and type 0, not DTLS; reserved bits zero; the header length within
 * the datagram) carrying an IEEE 802.3 frame, or an IEEE 802.11 data frame
 * (RFC 5416) in clear, whole, and with an LLC/SNAP header, whose ethertype says
 * what follows (a CAPWAP fragment, keep-alive or other 802.11 frame is the
 * layer with nothing decoded inside). v is the UDP payload (pkt->payload); pkt->sport,
 * dport and l4_payload_len are read. A UDP length that covers the header but a
 * capture that ends inside it is DISSECT_TRUNCATED; a recognised header with
 * impossible lengths inside (Geneve options, GTP extension chain) is
 * DISSECT_MALFORMED. */
enum dissect_status encap_udp_dissect(struct view *v, struct packet *pkt, struct encap_hdr *h);

/* Records h as the next tunnel layer, with the current identity of pkt (IP
 * addresses, protocol, ports, lengths, VLANs, l3, ...) as its carrier, then clears
 * everything in pkt except the frame fields (ts_ns, wire_len, cap_len, linktype),
 * verify_checksums, anomalies and the tunnel stack, and sets pkt->layer to
 * LAYER_LINK, ready for the inner packet. Returns false, recording nothing and
 * setting ANOM_ENCAP_DEPTH, when PACKET_MAX_ENCAP layers are already recorded. */
bool encap_push(struct packet *pkt, const struct encap_hdr *h);

/* Stable lower-case name of an encapsulation ("vxlan", "gre", "ipip", ...), or "?". */
const char *encap_type_name(enum encap_type t);

/* Zeek's Tunnel::Type for t ("Tunnel::VXLAN", "Tunnel::IP", "Tunnel::GTPv1", ERSPAN
 * as "Tunnel::GRE"), or NULL for MPLS and PPPoE, which Zeek does not report as
 * tunnels, and CAPWAP, which it does not open. */
const char *encap_zeek_type(enum encap_type t);

/* Direction-independent identity of the tunnel chain encap[0..depth) (depth is
 * clamped to pkt->n_encap), for keying inner connections: per layer its type, the
 * carrier's IP version, protocol and addresses in canonical order, its VLAN ids,
 * and its id when id_symmetric. Carrier ports are left out on purpose: a VXLAN or
 * Geneve source port is per-flow entropy that differs between the two directions.
 * Writes ENCAP_KEY_LAYER_LEN bytes per layer into buf (zero padded, so the bytes
 * can be hashed directly). Returns the length written, 0 for depth 0, or 0 when
 * cap is too small. */
#define ENCAP_KEY_LAYER_LEN 48
#define ENCAP_KEY_MAX_LEN   (ENCAP_KEY_LAYER_LEN * PACKET_MAX_ENCAP)
size_t encap_chain_key(const struct packet *pkt, unsigned depth, uint8_t *buf, size_t cap);
/* Clears the ids in key (len bytes from encap_chain_key): what is left is the
 * same for chains that differ only in their ids (a GRE key or VNI per
 * direction, as some mirrors and overlays send). */
void encap_chain_key_drop_ids(uint8_t *key, size_t len);

#endif
