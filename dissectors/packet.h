/* packet.h - the flat record of copied values that dissectors fill (STYLE.md).
 * Nothing after the dissectors touches raw bytes except through payload. */
#ifndef SOCKSCOPE_PACKET_H
#define SOCKSCOPE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "view.h"

enum dissect_status {
    DISSECT_OK = 0,
    DISSECT_TRUNCATED,   /* captured bytes ended inside a header */
    DISSECT_MALFORMED,   /* a header field is impossible */
    DISSECT_UNSUPPORTED, /* a protocol we do not decode (not an error) */
};

/* Deepest layer fully decoded. */
enum layer {
    LAYER_NONE = 0,
    LAYER_LINK, /* link header (and VLAN tags) decoded */
    LAYER_L3,   /* IP header (and IPv6 extension chain) decoded */
    LAYER_L4,   /* transport header decoded */
};

/* Anomalies, one bit each in packet.anomalies; name is the stable key used in
 * --stats output and JSON. Keep at most 64. */
#define ANOMALY_LIST(X)                                                                            \
    X(LINK_TRUNCATED, "link_truncated")                                                            \
    X(LINK_UNKNOWN_TYPE, "link_unknown_type")                                                      \
    X(VLAN_TRUNCATED, "vlan_truncated")                                                            \
    X(NULL_UNKNOWN_FAMILY, "null_unknown_family")                                                  \
    X(IPV4_TRUNCATED, "ipv4_truncated")                                                            \
    X(IPV4_BAD_VERSION, "ipv4_bad_version")                                                        \
    X(IPV4_BAD_HDR_LEN, "ipv4_bad_header_length")                                                  \
    X(IPV4_BAD_TOTAL_LEN, "ipv4_bad_total_length")                                                 \
    X(IPV4_CUT_BY_SNAPLEN, "ipv4_cut_by_snaplen")                                                  \
    X(IPV4_BAD_CHECKSUM, "ipv4_bad_checksum")                                                      \
    X(IPV4_BAD_OPTIONS, "ipv4_bad_options")                                                        \
    X(IPV6_TRUNCATED, "ipv6_truncated")                                                            \
    X(IPV6_BAD_VERSION, "ipv6_bad_version")                                                        \
    X(IPV6_EXT_TRUNCATED, "ipv6_ext_truncated")                                                    \
    X(IPV6_EXT_MALFORMED, "ipv6_ext_malformed")                                                    \
    X(IPV6_BAD_PAYLOAD_LEN, "ipv6_bad_payload_length")                                             \
    X(IPV6_CUT_BY_SNAPLEN, "ipv6_cut_by_snaplen")                                                  \
    X(FRAG_OVERLAP, "frag_overlap")                                                                \
    X(FRAG_TIMEOUT, "frag_timeout")                                                                \
    X(FRAG_MEMCAP, "frag_memcap")                                                                  \
    X(FRAG_TOO_LARGE, "frag_too_large")                                                            \
    X(FRAG_INCOMPLETE_CAPTURE, "frag_incomplete_capture")                                          \
    X(TCP_TRUNCATED, "tcp_truncated")                                                              \
    X(TCP_BAD_DATA_OFFSET, "tcp_bad_data_offset")                                                  \
    X(TCP_BAD_OPTIONS, "tcp_bad_options")                                                          \
    X(TCP_BAD_CHECKSUM, "tcp_bad_checksum")                                                        \
    X(UDP_TRUNCATED, "udp_truncated")                                                              \
    X(UDP_BAD_LENGTH, "udp_bad_length")                                                            \
    X(UDP_BAD_CHECKSUM, "udp_bad_checksum")                                                        \
    X(ICMP_TRUNCATED, "icmp_truncated")                                                            \
    X(ICMP_BAD_CHECKSUM, "icmp_bad_checksum")                                                      \
    X(ICMP_QUOTE_TRUNCATED, "icmp_quote_truncated")                                                \
    X(ICMP_QUOTE_MALFORMED, "icmp_quote_malformed")                                                \
    X(SCTP_TRUNCATED, "sctp_truncated")                                                            \
    X(SCTP_BAD_CHUNK, "sctp_bad_chunk")                                                            \
    X(SCTP_BAD_CHECKSUM, "sctp_bad_checksum")                                                      \
    X(L3_UNKNOWN_ETHERTYPE, "l3_unknown_ethertype")                                                \
    X(IP_LEN_ZERO, "ip_length_zero")                                                              \
    X(ENCAP_TRUNCATED, "encap_truncated")                                                          \
    X(ENCAP_MALFORMED, "encap_malformed")                                                          \
    X(ENCAP_DEPTH, "encap_depth_limit")                                                            \
    X(ENCAP_UNKNOWN_INNER, "encap_unknown_inner")                                                  \
    X(TCP_OPTIONS_CUT_BY_SNAPLEN, "tcp_options_cut_by_snaplen")                                    \
    X(FRAG_BAD_LENGTH, "frag_bad_length")                                                          \
    X(FRAG_PENDING_AT_END, "frag_pending_at_end")

enum anomaly {
#define ANOMALY_ENUM(id, name) ANOM_##id,
    ANOMALY_LIST(ANOMALY_ENUM)
#undef ANOMALY_ENUM
        ANOM_COUNT
};

#define ANOM_BIT(a) ((uint64_t)1 << (a))

/* Stable name of an anomaly ("tcp_truncated"), or "?" if out of range. */
const char *anomaly_name(enum anomaly a);

/* An IP address: 4 bytes (IPv4, the rest zero) or 16 (IPv6), network order. */
struct ip_addr {
    uint8_t b[16];
};

/* TCP flag bits as in the header's low byte, plus ECE/CWR/NS positions. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define IPPROTO_NUM_ICMP   1
#define IPPROTO_NUM_TCP    6
#define IPPROTO_NUM_UDP    17
#define IPPROTO_NUM_ICMPV6 58
#define IPPROTO_NUM_SCTP   132

enum csum_state { CSUM_UNKNOWN = 0, CSUM_GOOD, CSUM_BAD };

#define PACKET_MAX_SACK 4
#define PACKET_MAX_VLAN 3
#define PACKET_MAX_ENCAP 4 /* tunnel layers recorded; one more sets ANOM_ENCAP_DEPTH */

/* Encapsulations that frame_dissect looks through (encap.h has the names). */
enum encap_type {
    ENCAP_NONE = 0,
    ENCAP_MPLS,      /* MPLS label stack: over Ethernet (ip_version 0) or over UDP 6635 */
    ENCAP_PPPOE,     /* PPPoE session stage (ip_version 0) */
    ENCAP_GRE,       /* GRE v0 (RFC 2784/2890) or v1 enhanced GRE (PPTP, RFC 2637) */
    ENCAP_ERSPAN,    /* ERSPAN type I, II or III over GRE */
    ENCAP_VXLAN,     /* RFC 7348, UDP 4789 */
    ENCAP_VXLAN_GPE, /* VXLAN generic protocol extension, UDP 4790 */
    ENCAP_GENEVE,    /* RFC 8926, UDP 6081 */
    ENCAP_IPIP,      /* IP protocol 4 or 41: 4in4, 6in4, 4in6, 6in6 */
    ENCAP_GTPU,      /* GTPv1-U G-PDU, UDP 2152 */
    ENCAP_TEREDO,    /* RFC 4380, UDP 3544 */
    ENCAP_AYIYA,     /* Anything In Anything, UDP 5072 */
    ENCAP_CAPWAP,    /* CAPWAP data channel (RFC 5415), UDP 5247: 802.3 or 802.11 frames */
    ENCAP_TYPE_COUNT
};

/* One tunnel layer: the identity of the packet that carried the next one, as the
 * dissectors saw it at that level (values, copied before the inner packet was
 * decoded). A layer is recorded only once its carrier headers and its own
 * encapsulation header were decoded completely, so every field here is valid. */
struct encap_layer {
    enum encap_type type;
    /* the carrier at this level; ip_version 0 for MPLS/PPPoE directly over a link
     * (no carrier IP, no carrier connection) */
    uint8_t ip_version;       /* 0, 4, 6 */
    uint8_t proto;            /* 17 (UDP tunnels), 47 (GRE, ERSPAN), 4/41 (IP-in-IP), 0 */
    uint8_t inner_ip_version; /* 4/6 once the IP header this layer carries was recognised, else 0 */
    uint8_t ttl;
    struct ip_addr src, dst;
    uint16_t sport, dport;    /* UDP carriers; 0 for GRE and IP-in-IP */
    uint32_t ip_len;          /* carrier IP datagram length per its header (whole, if reassembled) */
    uint16_t ip_hdr_len;
    uint16_t udp_len;         /* carrier UDP length field (0 when not UDP) */
    uint32_t l4_payload_len;  /* carrier UDP payload (UDP) or IP payload (GRE, IP-in-IP) length */
    enum csum_state ip_csum, l4_csum;
    bool reassembled;         /* the carrier was an IP datagram reassembled from fragments */
    uint16_t n_vlan;          /* VLAN tags at this level's link header (outermost first) */
    uint16_t vlan[PACKET_MAX_VLAN];
    uint16_t ethertype;       /* last ethertype read at this level (0: none, e.g. raw IP) */
    struct view l3;           /* the carrier's IP header onwards (what pkt->l3 was), or empty */
    /* the encapsulation header itself */
    uint32_t hdr_len;         /* bytes of it (GRE with options, Geneve with options, ...) */
    uint32_t id;              /* GRE key, VXLAN/Geneve VNI, GTP TEID, MPLS top label, PPPoE
                                 session id, ERSPAN session id; valid when has_id */
    bool has_id;
    bool id_symmetric;        /* id is the same in both directions of a conversation (VNI,
                                 PPPoE session, GRE v0 key): part of the tunnel context.
                                 TEIDs, MPLS labels, PPTP call ids and ERSPAN sessions are not */
};

struct tcp_info_copy {
    uint32_t seq, ack;
    uint16_t flags; /* TCP_* bits (NS in bit 8) */
    uint16_t window; /* raw, unscaled */
    uint8_t data_off_bytes;
    /* options; has_* say which were present */
    bool has_mss, has_wscale, sack_permitted, has_ts;
    uint16_t mss;
    uint8_t wscale;
    uint8_t n_sack;
    uint32_t ts_val, ts_ecr;
    uint32_t sack[PACKET_MAX_SACK][2]; /* left, right edges */
};

/* What an ICMP/ICMPv6 error quotes: the 5-tuple of the packet it refers to. */
struct icmp_quote {
    bool valid;         /* inner IP header decoded */
    bool has_ports;     /* first transport bytes (ports) decoded; for a quoted ICMP
                           query (not an error), sport and dport hold its type and code */
    uint8_t ip_version; /* 4 or 6 */
    uint8_t proto;
    struct ip_addr src, dst;
    uint16_t sport, dport;
    uint32_t tcp_seq;   /* when proto is TCP and quoted */
};

struct icmp_info_copy {
    uint8_t type, code;
    bool is_error;  /* destination unreachable, time exceeded, param problem, too big, ... */
    bool is_v6;
    uint16_t echo_id, echo_seq; /* echo request/reply */
    uint32_t mtu;   /* frag-needed (v4) / packet-too-big (v6), else 0 */
    struct icmp_quote quote;
};

struct sctp_info_copy {
    uint32_t vtag;
    uint16_t n_chunks;
    uint32_t chunk_types; /* bit t set when chunk type t (< 32) was seen */
};

struct packet {
    /* frame */
    uint64_t ts_ns;      /* nanoseconds since the epoch */
    uint32_t wire_len;   /* original length on the wire (pcap orig_len) */
    uint32_t cap_len;    /* captured length */
    uint32_t linktype;   /* LINKTYPE_* value of the frame */
    uint16_t n_vlan;
    uint16_t vlan[PACKET_MAX_VLAN]; /* 12-bit VLAN ids, outermost first */

    /* network layer */
    struct view l3;     /* the innermost IP header onwards, as captured (for nDPI); the
                           outermost one when frame_ctx.decap is off */
    uint8_t ip_version; /* 0 (none), 4, 6 */
    uint8_t ttl;        /* TTL / hop limit */
    uint8_t proto;      /* transport protocol after the IPv6 extension chain */
    bool is_fragment;   /* this frame is a fragment (not yet a whole datagram) */
    bool reassembled;   /* transport decoded from a reassembled datagram */
    bool more_frags;
    uint16_t frag_offset_bytes;
    uint32_t frag_id;   /* IPv4 id or IPv6 fragment header id */
    struct ip_addr src, dst;
    uint32_t ip_len;     /* IP datagram length per its header (v4 total length; v6 40 + payload length) */
    uint16_t ip_hdr_len; /* IPv4 header incl. options, or IPv6 40 + extension headers */
    enum csum_state ip_csum;

    /* transport layer */
    uint16_t sport, dport;
    uint32_t l4_payload_len; /* payload length per the IP/L4 length fields (not what was captured) */
    enum csum_state l4_csum;
    struct tcp_info_copy tcp;
    uint16_t udp_len;

    /* captured payload after the transport header (may be shorter than l4_payload_len) */
    struct view payload;

    enum layer layer;
    enum dissect_status status;
    uint64_t anomalies; /* ANOM_BIT(...) set */
    enum anomaly truncated_at; /* where a DISSECT_TRUNCATED/MALFORMED frame ended; valid when status != OK */

    /* added by the dissectors */
    bool verify_checksums; /* input: dissectors compute checksums when fully captured
                              (frame_dissect copies frame_ctx.verify_checksums) */
    uint16_t ethertype;    /* last ethertype / SLL protocol read, after VLAN tags (0: none) */

    /* the rarer transports last: a TCP or UDP packet is read from the first
     * four cache lines of this struct (the tracker reads it on another core) */
    struct icmp_info_copy icmp;
    struct sctp_info_copy sctp;

    /* Tunnels (frame_ctx.decap): encap[0] is the outermost carrier, encap[n_encap - 1]
     * the innermost one. With n_encap > 0 every field above except the frame fields
     * (ts_ns, wire_len, cap_len, linktype), anomalies and verify_checksums describes
     * the innermost packet only: n_vlan/vlan, ethertype, l3 and the IP/L4 fields
     * start afresh below each encapsulation header; status, layer and truncated_at
     * are those of the innermost packet (see frame.h for the contract).
     * Layers at n_encap and beyond are not initialised (frame_dissect clears
     * only what comes before encap[]; encap_push clears a layer it fills). */
    uint8_t n_encap;
    struct encap_layer encap[PACKET_MAX_ENCAP];
};

/* Whether frame_dissect met an IP fragment at any level of pkt: one still
 * waiting for the rest of its datagram (is_fragment), or one that completed a
 * datagram (reassembled, at the innermost level or in a tunnel layer). */
static inline bool packet_met_fragment(const struct packet *pkt)
{
    if (pkt->is_fragment || pkt->reassembled)
        return true;
    for (unsigned i = 0; i < pkt->n_encap && i < PACKET_MAX_ENCAP; i++)
        if (pkt->encap[i].reassembled)
            return true;
    return false;
}

/* Records an anomaly on pkt and returns status, for one-line error returns. */
static inline enum dissect_status packet_anomaly(struct packet *pkt, enum anomaly a,
                                                 enum dissect_status status)
{
    pkt->anomalies |= ANOM_BIT(a);
    if (status != DISSECT_OK && pkt->status == DISSECT_OK) {
        pkt->status = status;
        pkt->truncated_at = a;
    }
    return status;
}

#endif
