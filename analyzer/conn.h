/* conn.h - one connection (one incarnation of a 5-tuple) and the two sockets at
 * its ends, as reconstructed from a capture. Vocabulary: ../shared/DESIGN.md. */
#ifndef SOCKSCOPE_CONN_H
#define SOCKSCOPE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "zeek_conn.h"

struct ndpi_flow_struct; /* nDPI per-flow state (dpi.c) */

/* RFC 9293 section 3.3.2 states, as one endpoint's state inferred from the capture. */
enum tcp_state {
    TCP_ST_CLOSED = 0,
    TCP_ST_LISTEN,
    TCP_ST_SYN_SENT,
    TCP_ST_SYN_RECEIVED,
    TCP_ST_ESTABLISHED,
    TCP_ST_FIN_WAIT_1,
    TCP_ST_FIN_WAIT_2,
    TCP_ST_CLOSE_WAIT,
    TCP_ST_CLOSING,
    TCP_ST_LAST_ACK,
    TCP_ST_TIME_WAIT,
    TCP_ST_COUNT
};

/* "ESTABLISHED", "SYN_SENT", ... (RFC 9293 names with underscores). */
const char *tcp_state_name(enum tcp_state s);
/* netstat's names: "ESTABLISHED", "SYN_RECV", "FIN_WAIT1", "CLOSE", ... */
const char *tcp_state_netstat_name(enum tcp_state s);

/* Why a connection record was emitted. */
enum end_reason {
    END_NONE = 0,       /* still open */
    END_TIMEOUT,        /* idle timeout */
    END_EVICTED,        /* pushed out by --max-flows */
    END_END_OF_CAPTURE, /* still open when the input ended */
    END_REUSE,          /* closed by a new incarnation of its 5-tuple */
    END_CLOSED,         /* closed (FIN exchange or RST) and lingered out */
    END_SHUTDOWN,       /* live capture stopped by a signal */
    END_CLOCK_STEP,     /* the capture's clock stepped back by more than every idle timeout */
};
const char *end_reason_name(enum end_reason r);

/* How originator and responder were decided. */
enum orientation {
    ORIENT_HANDSHAKE = 0, /* the SYN sender originates */
    ORIENT_SYN_ACK,       /* first seen a SYN-ACK: its receiver originated */
    ORIENT_SERVER_PORT,   /* no handshake: the likely server port decided */
    ORIENT_FIRST_PACKET,  /* no better evidence: sender of the first packet */
};
const char *orientation_name(enum orientation o);

/* Uncertainty and diagnostic flags (conn.flags). */
#define CONN_F_ORIG_NOT_SEEN     0x0001u /* no packet from the originator */
#define CONN_F_RESP_NOT_SEEN     0x0002u /* no packet from the responder */
#define CONN_F_HEADERS_TRUNCATED 0x0004u /* a header was cut by the snaplen */
#define CONN_F_SEQ_GAP           0x0008u /* sequence space skipped (missed segments) */
#define CONN_F_CAPTURE_DROPS     0x0010u /* the capture dropped packets during its life */
#define CONN_F_SIMULTANEOUS_OPEN 0x0020u
#define CONN_F_SIMULTANEOUS_CLOSE 0x0040u
#define CONN_F_DATA_AFTER_FIN    0x0080u
#define CONN_F_PAYLOAD_TRUNCATED 0x0100u /* payload not fully captured (headers-only capture) */
#define CONN_F_TRANSITIONS_FULL  0x0200u /* more state transitions than the record keeps */
#define CONN_F_FLIPPED           0x0400u /* roles were swapped after creation */
#define CONN_F_REUSE_IN_TIME_WAIT 0x0800u /* this incarnation started before 2*MSL after the previous close */
#define CONN_F_BAD_CHECKSUM      0x1000u
#define CONN_F_AFTER_CLOSE        0x2000u /* late packets of a closed connection whose record
                                             was already written (same incarnation) */
#define CONN_F_SIBLING_TUNNELS   0x4000u /* its two directions came through tunnels that
                                             differ only in their ids (a GRE key or VNI
                                             per direction) */

/* Returns the name of flag bit f ("seq_gap"), or NULL. */
const char *conn_flag_name(uint32_t f);

/* One direction of a connection (what one socket sent). Ordered by size so that
 * the struct has no holes; the TCP flags are one-bit fields. */
struct conn_dir {
    uint64_t ip_bytes;      /* sum of IP total lengths */
    uint64_t wire_bytes;    /* sum of frames' original lengths (link header included) */
    uint64_t payload_bytes; /* transport payload per the IP/L4 length fields */
    uint64_t last_ts;       /* time of the last packet sent */
    uint32_t pkts;
    /* TCP sequence tracking (0 for other protocols) */
    uint32_t isn;       /* initial sequence number (valid when has_isn) */
    uint32_t next_seq;  /* highest sequence number sent + 1 (32-bit, compared with wrap) */
    uint32_t last_ack;  /* last acknowledgment number sent */
    union {
        uint32_t fin_seq;     /* TCP: sequence number of the FIN (valid when fin_sent) */
        uint32_t sctp_chunks; /* SCTP: the chunk types this side sent, bit t for type
                                 t < 32 (INIT 1, INIT ACK 2, ABORT 6) */
    };
    uint16_t last_window; /* raw */
    uint16_t mss;         /* from the SYN (0 = not seen) */
    int8_t wscale;        /* window-scale shift from the SYN, -1 = not seen */
    uint8_t state;        /* enum tcp_state of this side's socket */
    bool has_isn : 1, has_seq : 1, fin_sent : 1, fin_acked : 1, rst_sent : 1, has_ack : 1;
    /* duplicate ACKs as Wireshark counts them (no data, the same ACK,
     * window and sequence as before) since the ACK number last changed, up
     * to 3: two or more make the peer's segment from that ACK a fast
     * retransmission */
    uint8_t dup_ack_run : 2;
    /* the socket has had a state (a first transition was recorded). A byte of
     * its own, not a bit beside the others: a transition reads it with state,
     * and as a bit the compiler read the two as one 16-bit word, which the CPU
     * cannot take from the store buffer right after a SYN set has_isn (a
     * byte store into that word): the load waited for the older stores to
     * reach the cache (perf put most of the SYN copy's samples on it). */
    bool existed;
    /* when next_seq last moved up: the low 32 bits of the time in microseconds
     * (a wrap every 71 minutes; read only for the few milliseconds after
     * last_ts, which bounds it) */
    uint32_t top_us;
};
_Static_assert(sizeof(struct conn_dir) == 64, "a direction is one cache line");

#define CONN_MAX_TRANSITIONS 14
#define CONN_MAX_TUNNEL_PARENTS 4

/* One encapsulation chain (outermost first) as first seen: type and carrier
 * endpoints of each level (ip_version 0 for MPLS/PPPoE directly on a link). */
struct tunnel_level {
    uint8_t type; /* enum encap_type (encap.h) */
    uint8_t ip_version, proto;
    bool has_id;
    struct ip_addr src, dst;
    uint16_t sport, dport;
    uint32_t id;
};

struct tunnel_desc {
    uint8_t n_levels;
    struct tunnel_level level[PACKET_MAX_ENCAP];
    uint32_t ctx;             /* the context value inner connections carry */
    uint32_t sibling;         /* the next of the tunnels that differ from this one only
                                 in their ids, in a ring (ctx values; its own ctx when
                                 there is none) */
    size_t key_len;
    uint8_t key[48 * PACKET_MAX_ENCAP]; /* encap_chain_key bytes */
};

/* TCP analysis events of one direction (what one socket sent). Rare in clean
 * traffic: an open connection keeps them in its cold part (conn.h: struct
 * conn_cold), allocated at the first one. */
struct conn_tcp_counts {
    uint64_t missed_bytes; /* this side's data the peer acknowledged but the capture
                              never had (its share of Zeek's missed_bytes) */
    uint32_t retransmissions, out_of_order, zero_window, dup_acks, keepalives;
};

/* One state transition of one socket, in 8 bytes. Its time is first_ts + dt_ns;
 * dt_ns saturates at CONN_TRANSITION_MAX_DT_NS (2^55 - 1 ns, 417 days: a
 * connection that lives for days, an SSH or BGP session, closes at its own
 * time). */
#define CONN_TRANSITION_MAX_DT_NS ((UINT64_C(1) << 55) - 1)
struct conn_transition {
    uint64_t dt_ns : 55;
    uint64_t side : 1; /* 0 = originator, 1 = responder */
    uint64_t from : 4, to : 4; /* enum tcp_state */
};
_Static_assert(TCP_ST_COUNT <= 16, "a transition holds a state in 4 bits");

/* What an ICMP error quoting this connection's packets said: one message, the
 * most telling of those that came (conn_icmp_rank). */
struct conn_icmp_evidence {
    uint64_t ts_ns;
    uint32_t mtu;          /* for fragmentation-needed / packet-too-big (0 = other) */
    struct ip_addr from;   /* who sent the ICMP error */
    uint8_t type, code, ip_version;
    bool quoted_src_is_lo; /* the quoted packet's sender sorts first in the flow key
                              (flow_key_make's lo): the originator sent it when this
                              equals the connection's orig_is_lo */
};

/* ICMP error ic says the responder's port or host could not be reached: a
 * destination unreachable (ICMP 3, ICMPv6 1) quoting a packet the originator
 * sent, fragmentation-needed (3/4, path MTU discovery: RFC 1191) aside. An
 * unreachable quoting the responder's packet is about the originator's port. */
bool conn_icmp_is_refusal(const struct conn_icmp_evidence *ic, bool orig_is_lo);
/* How much ic tells about the connection: 3 a refusal (above), 2 a path MTU
 * (3/4, ICMPv6 packet too big), 1 anything else. A connection keeps the
 * message of the highest rank, the first of equals, but the latest path MTU. */
int conn_icmp_rank(const struct conn_icmp_evidence *ic, bool orig_is_lo);

/* Field order: what every packet reads or updates first (times, flags, ports,
 * both directions, Zeek state: six cache lines of the flow table's entry with
 * its key), then what changes rarely (the handshake times, the transitions);
 * sized so that there are no holes.
 *
 * An open connection lives in the flow table with only its first
 * CONN_OPEN_SIZE bytes (512: with the entry's header, nine cache lines): the
 * fields from `orig_addr` on are derived or rare (the addresses, VLANs and
 * tunnel context are the flow key's; tunnels, ICMP evidence, tunnel parents,
 * application names) and exist only in records. While the connection is open
 * the rare ones wait in `cold` (allocated when first needed), and the rest are
 * derived when the record is made (analyzer.c: make_record). Code that holds an open
 * connection (the flow table's) must not touch them; sanitizer builds poison
 * them in the table. */
struct conn {
    /* what every packet reads or updates: with the flow table's 64-byte entry
     * header (the key), this part, dir and zeek fill six cache lines */
    uint64_t last_ts;
    uint64_t zeek_last_ts; /* Zeek's last_time: stops once both sides closed */
    uint32_t flags;        /* CONN_F_* */
    uint16_t orig_port, resp_port; /* ICMP: type and counterpart type / code */
    uint8_t proto, ip_version;
    bool orig_is_lo;       /* the originator's endpoint sorts first in the flow key
                              (flow_key_make's lo): a packet's sender is the
                              originator when its src_is_lo equals this */
    uint8_t n_transitions; /* entries used in transitions[] */
    uint32_t incarnation;  /* 1, 2, ... per 5-tuple within the run */

    struct conn_dir dir[2]; /* [0] = originator, [1] = responder */
    struct zeek_conn zeek;

    uint64_t id;          /* uid source (random per run). An open connection holds
                             its sequence number in the run instead (and its cold
                             part's tunnel_parents theirs): the analyzer hashes them
                             into the record, most connections never need it */
    uint64_t first_ts;
    uint64_t close_ts;    /* time the connection closed (0 = not closed) */
    /* handshake times (0 = not seen) */
    uint64_t syn_ts, synack_ts, ack_ts;
    uint8_t orientation;  /* enum orientation */
    uint8_t end_reason;   /* enum end_reason */
    uint8_t carrier_type; /* a tunnel carrier named by its encap_type (DPI on), 0 = none */
    uint8_t app_confidence; /* nDPI's ndpi_confidence_t (dpi_confidence_name) */
    bool direction_inferred : 1;
    bool handshake_validated : 1;
    bool refused_by_rst : 1;  /* the responder answered the SYN with RST */
    bool synack_acks_syn : 1; /* the SYN-ACK acknowledged the SYN's ISN + 1 */
    bool dpi_done : 1;        /* detection over: the application fields are final */
    bool is_self : 1;         /* a connection to itself: same address and port both
                                 ways, one side only */
    struct conn_transition transitions[CONN_MAX_TRANSITIONS];

    struct conn_cold *cold;              /* open connections: the rare record-only fields
                                            below, NULL until needed; always NULL in records */

    /* application protocol (dpi.c, issue 5); zero and empty when DPI is off,
     * for non-TCP/UDP connections, and until dpi_done */
    struct ndpi_flow_struct *dpi_state; /* live nDPI state, NULL when not inspecting */
    uint16_t app_master_id, app_id;     /* nDPI protocol ids ("TLS", "Google"; 0 = unknown) */
    uint16_t app_category_id;           /* nDPI category id */
    uint16_t dpi_packets;               /* packets given to nDPI */

    /* ---- records only (not stored in the flow table) ---- */
    /* identity: the 5-tuple as originator -> responder (ports above). An open
     * connection's are in its flow key (flow_table_key: the addresses in
     * canonical order, orig_is_lo says which is the originator's), copied
     * here when the record is made */
    struct ip_addr orig_addr, resp_addr;
    uint16_t vlan, vlan_inner;
    /* tunnels (issue 7): set on connections that came through encapsulations */
    uint32_t ctx;                        /* tunnel context in the flow key (0 = none) */
    const struct tunnel_desc *tunnel;    /* the encapsulation chain; owned by the analyzer,
                                            valid until analyzer_destroy (NULL = none) */
    const struct tunnel_desc *sibling_tunnel; /* the chain the other side's packets came
                                                 through, when it differs from tunnel only
                                                 in its ids (CONN_F_SIBLING_TUNNELS) */
    uint32_t carried_conns;              /* as a carrier: inner connections it carried */
    uint32_t out_of_window_rsts;
    uint64_t prev_close_gap_ns; /* gap since the previous incarnation closed (0 = first) */
    bool has_icmp;
    uint8_t n_tunnel_parents;           /* entries used in tunnel_parents[] */
    bool app_host_truncated;            /* app_host was cut to fit */
    bool app_port_mismatch;             /* detected protocol is not the IANA service of resp_port */
    struct conn_icmp_evidence icmp;
    uint64_t tunnel_parents[CONN_MAX_TUNNEL_PARENTS]; /* ids of carrier connections */
    struct conn_tcp_counts tcp_counts[2]; /* [0] = originator, [1] = responder */
    char service[24];                   /* Zeek style: "ssl", "dns", "http" ("" = none) */
    char app_name[44];                  /* nDPI's "TLS.Google", "DNS", "Unknown" */
    char app_category[24];              /* nDPI's category name ("Web", "Network") */
    char app_host[64];                  /* TLS SNI / HTTP Host / DNS query name ("" = none) */
};

/* Bytes of an open connection kept in the flow table. */
#define CONN_OPEN_SIZE offsetof(struct conn, orig_addr)
/* A field added before orig_addr costs every open connection a cache line more
 * (bench/RESULTS.md, session 11): put it in the cold part or the records. */
_Static_assert(CONN_OPEN_SIZE <= 512, "an open connection takes at most 8 cache lines");

/* An open connection's rare record-only fields (conn.cold), copied into the
 * record when it is made. */
struct conn_cold {
    const struct tunnel_desc *tunnel; /* inner connections of a tunnel */
    uint64_t prev_close_gap_ns;       /* incarnations after the first */
    uint32_t carried_conns;           /* carriers */
    uint32_t out_of_window_rsts;
    bool has_icmp;
    uint8_t n_tunnel_parents;
    bool app_host_truncated;
    struct conn_icmp_evidence icmp;
    uint64_t tunnel_parents[CONN_MAX_TUNNEL_PARENTS];
    struct conn_tcp_counts tcp_counts[2];
    const struct tunnel_desc *sibling_tunnel; /* the sibling of its tunnel whose packets
                                                 of the other side joined it (NULL = none) */
    uint64_t late_syn_ts; /* a SYN sent again after the SYN-ACK, before the ACK
                             that ends the handshake (0 = none): where
                             Wireshark's initial RTT starts then */
    char app_host[64];
};

/* c's cold part, allocated (zeroed) on first use; NULL when memory ran out. */
struct conn_cold *conn_cold_get(struct conn *c);
/* Frees c's cold part (c->cold becomes NULL). */
void conn_cold_free(struct conn *c);

/* Makes record rec from open connection c: its CONN_OPEN_SIZE bytes, the cold
 * part's fields, the rest zero (the application names are the caller's). */
void conn_materialize(const struct conn *c, struct conn *rec);

/* A growing array of connection records (copies), as the outputs keep them. */
struct conn_vec {
    struct conn *v;
    size_t n, cap;
    bool oom; /* a push failed for lack of memory (that record was not kept) */
};

/* Appends a copy of c; on allocation failure sets v->oom and keeps the rest. */
void conn_vec_push(struct conn_vec *v, const struct conn *c);

/* Zeek-style uid ("C" + 17 base62 chars) from conn->id, into buf (>= 20 bytes). */
void conn_uid(const struct conn *c, char *buf, size_t len);
/* The uid of the connection whose id is id (e.g. a tunnel parent). */
void conn_uid_of_id(uint64_t id, char *buf, size_t len);

/* Community ID v1 of the connection (seed 0) into out; "" when it has none. */
void conn_community_id(const struct conn *c, char *out, size_t len);

/* Formats an IP address (inet_ntop). */
void ip_addr_format(const struct ip_addr *a, uint8_t ip_version, char *buf, size_t len);

/* What kind of destination an address is: a port on a group address is served
 * by a socket on every member host, not by one listener. */
enum addr_group { GROUP_NONE = 0, GROUP_MULTICAST, GROUP_BROADCAST };
/* IPv4 224.0.0.0/4 and IPv6 ff00::/8 are multicast (RFC 5771, RFC 4291 2.7),
 * 255.255.255.255 is the limited broadcast (RFC 919). A directed broadcast
 * (a subnet's last address) cannot be told without the subnet: unicast here.
 * addr: 16 bytes, an IPv4 address in the first 4 (struct ip_addr's b). */
enum addr_group ip_addr_group(uint8_t ip_version, const uint8_t addr[16]);
/* "multicast", "broadcast", or NULL for GROUP_NONE. */
const char *addr_group_name(enum addr_group g);

#endif
