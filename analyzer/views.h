/* views.h - ports (service endpoints), sockets (one per end of a connection)
 * and hosts, derived from finished connection records. Vocabulary and the
 * port-status evidence ladder: ../shared/DESIGN.md. */
#ifndef SOCKSCOPE_VIEWS_H
#define SOCKSCOPE_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "json_out.h"

#include "conn.h"
#include "err.h"

enum port_status { PORT_OPEN = 0, PORT_CLOSED, PORT_FILTERED, PORT_UNKNOWN };

/* What the status of a port rests on (strongest evidence first). */
enum port_evidence {
    PEV_SYN_ACK = 0,     /* a SYN answered by SYN-ACK: open, listener proven */
    PEV_SIMULTANEOUS,    /* simultaneous open: open, but no listener */
    PEV_UDP_REPLY,       /* a datagram answered: open */
    PEV_RST,             /* a SYN answered by RST: closed */
    PEV_SCTP_ABORT,      /* an SCTP INIT answered by ABORT alone (RFC 9260 8.4): closed */
    PEV_ICMP_PORT_UNREACH, /* ICMP(v6) port unreachable: closed */
    PEV_ICMP_PROHIBITED, /* ICMP(v6) administratively prohibited: filtered */
    PEV_SYN_UNANSWERED,  /* SYNs never answered: filtered */
    PEV_ICMP_OTHER,      /* another ICMP error (host/net unreachable...): unknown */
    PEV_MIDSTREAM,       /* only mid-stream traffic: unknown */
    PEV_UDP_UNANSWERED,  /* datagrams never answered, no ICMP: unknown */
    PEV_GROUP,           /* a multicast group or the broadcast address: each member
                            answers from its own address (another connection), so
                            nothing tells one listener: unknown */
};


enum sock_role { ROLE_CLIENT = 0, ROLE_SERVER, ROLE_UNKNOWN };

/* Socket diagnostics (view_socket.diag). */
#define SOCK_D_REFUSED           0x01u /* refused_by is set (client side) */
#define SOCK_D_CLOSE_WAIT_AT_END 0x02u /* peer closed, this side never did */
#define SOCK_D_FIN_WAIT_2_AT_END 0x04u /* this side closed, the peer never did */
#define SOCK_D_SIMULTANEOUS_OPEN 0x08u
#define SOCK_D_SIMULTANEOUS_CLOSE 0x10u
#define SOCK_D_REUSE_IN_TIME_WAIT 0x20u /* 4-tuple reused before 2*MSL ran out */
#define SOCK_D_AFTER_CLOSE       0x40u /* late packets of a connection already written */
#define SOCK_D_LAST              SOCK_D_AFTER_CLOSE

/* A SYN_RECV peak at least this large on one listener is flagged. */
#define VIEWS_SYN_RECV_PILEUP 3

/* One service endpoint (proto, addr, port) that served as a responder, in one
 * tunnel context: the same addr:port inside two tunnels (two VXLAN tenants) or
 * inside a tunnel and outside it are two ports. */
#define VIEW_PORT_MAX_DETECTED 4

struct view_port {
    uint8_t proto, ip_version;
    struct ip_addr addr;
    uint16_t port;
    uint32_t ctx;                     /* tunnel context of its connections (0 = none) */
    const struct tunnel_desc *tunnel; /* that context's chain (borrowed from the
                                         connections; NULL when ctx is 0 or hashed) */
    uint64_t carried_conns;   /* as a tunnel endpoint: inner connections its connections carried */
    uint64_t carried_sockets; /* sockets of the inner connections that list one of its
                                 connections in tunnel_parents */
    uint8_t status;   /* enum port_status */
    uint8_t evidence; /* enum port_evidence */
    uint8_t group;    /* enum addr_group of addr (ip_addr_group) */
    uint64_t evidence_ts;           /* first time the deciding evidence was seen */
    uint8_t icmp_type, icmp_code;   /* when the evidence is an ICMP error */
    struct ip_addr icmp_from;
    uint8_t icmp_ip_version;
    bool has_listener;              /* a socket in LISTEN is inferred */
    uint64_t listener_since_ts;     /* first SYN the listener answered */
    uint64_t n_conns, n_completed, n_rejected, n_reset;
    uint64_t peak_concurrent, peak_ts;
    uint64_t syn_recv_peak, syn_recv_peak_ts, syn_recv_at_end;
    uint64_t remote_sockets, remote_hosts;
    uint64_t bytes_in, bytes_out; /* transport payload to / from the port */
    const char *service;          /* IANA name or NULL (static) */
    /* application protocols nDPI detected on its connections (distinct, borrowed from
     * the connection records), and whether one of them is not the IANA service */
    unsigned n_detected;
    const char *detected[VIEW_PORT_MAX_DETECTED];
    bool detected_more;           /* more distinct protocols than detected[] holds */
    bool mismatch;
    size_t first_sock, n_socks;   /* its sockets: socks[first_sock .. +n_socks) */
};

/* One end of one connection. */
struct view_socket {
    uint8_t proto, ip_version;
    struct ip_addr local_addr, remote_addr;
    uint16_t local_port, remote_port;
    uint8_t side;  /* 0 = originator, 1 = responder */
    uint8_t role;  /* enum sock_role */
    uint8_t state; /* enum tcp_state, final (TCP only) */
    bool seen;     /* this side sent at least one packet */
    uint32_t diag; /* SOCK_D_* */
    const struct conn *conn; /* borrowed from the store given to views_build */
    uint64_t bytes_sent, bytes_recv; /* transport payload */
    uint32_t pkts_sent, pkts_recv;
    long port_index; /* the port its local endpoint is, or -1 */
    uint64_t time_wait_end_ts; /* its TIME_WAIT ran out (2*MSL) before the capture end, at
                                  this time: state is CLOSED, the record ends in TIME_WAIT
                                  (0 = no such end) */
    uint64_t superseded_ts; /* a later incarnation of its 5-tuple started then (0 = none):
                               the kernel had dropped this socket by that time */
};

/* One IP address in one tunnel context: the same inner address in two
 * tunnels (two VXLAN tenants) or inside a tunnel and outside it are two hosts. */
struct view_host {
    uint8_t ip_version;
    uint8_t group; /* enum addr_group of addr: a group address, not a host's */
    struct ip_addr addr;
    uint32_t ctx;                     /* tunnel context of its sockets (0 = none) */
    const struct tunnel_desc *tunnel; /* that context's chain (borrowed from the
                                         connections; NULL when ctx is 0 or hashed) */
    uint64_t n_listening;   /* open ports on it */
    uint64_t n_ports;       /* ports (any status) on it */
    uint64_t n_client, n_server, n_unknown; /* its sockets by role */
    bool has_ephemeral;
    uint16_t eph_min, eph_max; /* local ports of its client sockets */
    uint64_t eph_distinct;
    uint64_t tuple_reuses;       /* client connections that reused a 4-tuple */
    uint64_t reuse_in_time_wait; /* of those, reused before TIME_WAIT ran out */
};

struct views {
    const struct conn *conns; /* borrowed */
    size_t n_conns;
    uint64_t end_ts; /* capture end: open connections last until then */
    uint64_t two_msl_ns; /* how long TIME_WAIT lasts (2*MSL; 0 = until the record says) */
    struct view_port *ports;
    size_t n_ports;
    struct view_socket *socks; /* grouped by local endpoint, ports first in port order */
    size_t n_socks;
    struct view_host *hosts;
    size_t n_hosts;
};

/* 2*MSL with the analyzer's default MSL (tests, callers without a config). */
#define VIEWS_DEFAULT_TWO_MSL_NS (120ull * 1000000000ull)

/* Builds ports, sockets and hosts from n connection records (borrowed: they
 * must outlive v and stay unmoved). end_ts is the capture's last timestamp.
 * two_msl_ns is how long a TIME_WAIT lasts: a record written during TIME_WAIT
 * (a closed connection's, written after the close delay) ends in that state,
 * and the views end it 2*MSL after it began. Returns 0, or -1 with err set
 * (out of memory; v is then empty). Free with views_free. */
int views_build(struct views *v, const struct conn *conns, size_t n, uint64_t end_ts,
                uint64_t two_msl_ns, struct ss_err *err);
void views_free(struct views *v);

/* What a port's row takes from one connection record with ports: a quarter of
 * the record's bytes. An output that needs the ports and nothing else of the
 * records kept to the end (--ndjson, whose connection and socket lines are
 * written as the records come) keeps these instead of the records. */
struct view_port_fact {
    uint64_t id, first_ts, last_ts, close_ts;
    uint64_t evidence_ts;       /* when this connection's evidence was seen */
    uint64_t listener_since_ts; /* evidence PEV_SYN_ACK: the SYN's time (else the SYN-ACK's) */
    uint64_t syn_recv_from, syn_recv_to; /* the responder socket's SYN_RECEIVED (has_syn_recv;
                                            syn_recv_open: still in it at the record) */
    uint64_t bytes_in, bytes_out;        /* transport payload to / from the responder */
    uint64_t tunnel_parents[CONN_MAX_TUNNEL_PARENTS];
    const struct tunnel_desc *tunnel;    /* owned by the analyzer, as the record's */
    uint32_t incarnation, ctx, carried_conns;
    struct ip_addr orig_addr, resp_addr, icmp_from;
    uint16_t orig_port, resp_port;
    uint8_t proto, ip_version, end_reason;
    uint8_t evidence; /* enum port_evidence */
    uint8_t icmp_type, icmp_code, icmp_ip_version;
    uint8_t n_tunnel_parents;
    bool after_close, completed, rejected, reset;
    bool has_syn_recv, syn_recv_open, syn_recv_at_end;
    bool app_port_mismatch;
    char detected[sizeof(((struct conn *)0)->app_name)]; /* what nDPI detected ("" = nothing) */
};

/* Fills f from c (views_conn_has_ports(c)). */
void views_port_fact_of_conn(const struct conn *c, struct view_port_fact *f);

/* A growing array of port facts, as --ndjson keeps them. */
struct view_port_facts {
    struct view_port_fact *v;
    size_t n, cap;
    bool oom; /* a push failed for lack of memory (that connection is not counted) */
};
void views_port_facts_push(struct view_port_facts *fs, const struct conn *c);

/* Builds the ports alone (no sockets, no hosts) from n facts, the same rows as
 * views_build gives for the connections they were made from (each port's
 * sockets counted, not listed: first_sock is 0). The ports borrow the facts'
 * detected names: the facts must outlive v. Returns 0, or -1 with err set (out
 * of memory; v is then empty). Free with views_free. */
int views_build_ports(struct views *v, const struct view_port_fact *facts, size_t n,
                      uint64_t end_ts, struct ss_err *err);

/* True if c carries ports (TCP, UDP, SCTP) and so has sockets. */
bool views_conn_has_ports(const struct conn *c);

/* Fills one socket row for side of c without any view (for streaming): role
 * uses only c's own evidence. port_index is -1. */
void views_socket_of_conn(const struct conn *c, int side, struct view_socket *s);

/* What refused a connection (a client socket's refused_by). */
struct view_refusal {
    const char *kind;       /* "rst", "abort" (SCTP) or "icmp" */
    struct ip_addr from;    /* the responder, or the ICMP error's sender */
    uint8_t ip_version;     /* from's */
    uint64_t ts;            /* the RST or ABORT (the responder's last packet), the ICMP error */
    uint8_t icmp_type, icmp_code; /* kind "icmp" */
};
/* Fills r and returns true when c was refused (its evidence is a refusal). */
bool views_conn_refusal(const struct conn *c, struct view_refusal *r);

/* When c's socket of side existed and its state at ts_ns (TCP: from the
 * transitions, a TIME_WAIT ending two_msl_ns after it began (0: never);
 * other protocols: between its first and last packet, or the capture end for
 * records flushed at the end). Returns false if the socket did not exist at
 * ts_ns. end_ts and two_msl_ns as in views_build. */
bool views_socket_state_at(const struct conn *c, int side, uint64_t ts_ns, uint64_t end_ts,
                           uint64_t two_msl_ns, enum tcp_state *st);

/* True if the socket ever existed: TCP, it has a state transition; other
 * protocols, it sent a packet. A SYN never answered has no responder socket. */
bool views_socket_existed(const struct view_socket *s);
/* Final state for text: the TCP state name, "-" for UDP/SCTP, "(none)" for a
 * TCP socket that never existed. */
const char *views_socket_state_text(const struct view_socket *s);

/* Returns the index of the port (proto, addr, port) in v, or -1. Ports are
 * ordered by endpoint, then tunnel context; without a context this finds the
 * first one, which is the untunnelled port when there is one, and the ports
 * of the other contexts follow it at index + 1, ... */
long views_find_port(const struct views *v, uint8_t proto, uint8_t ip_version,
                     const struct ip_addr *addr, uint16_t port);
/* Returns the index of the port (proto, addr, port) in tunnel context ctx, or -1. */
long views_find_port_ctx(const struct views *v, uint32_t ctx, uint8_t proto, uint8_t ip_version,
                         const struct ip_addr *addr, uint16_t port);

/* Writes a one-line account of a tunnel context into buf (always terminated,
 * truncated to len): each level outermost first, as "vxlan vni 100 via
 * 10.99.0.1->10.99.0.2", "gre key 7 via A->B", "ipip via A->B", joined by
 * " / "; the carrier addresses are those of the first packet seen. t NULL
 * with ctx != 0 (a context past the analyzer's table) gives "tunnel context
 * 0x...". ctx 0 gives "". */
void views_tunnel_text(const struct tunnel_desc *t, uint32_t ctx, char *buf, size_t len);
/* Returns the index of host addr in v, or -1. Hosts are ordered by address,
 * then tunnel context; without a context this finds the first one, which is
 * the untunnelled host when there is one, and the same address in the other
 * contexts follows it at index + 1, ... */
long views_find_host(const struct views *v, uint8_t ip_version, const struct ip_addr *addr);
/* Returns the index of host addr in tunnel context ctx, or -1. */
/* The ports on h's address, whatever their number, protocol and tunnel
 * context: indexes [*first, *end) of v->ports (ports are in endpoint order).
 * Per host, not a scan of every port: 65,000 hosts and 75,000 ports made
 * that minutes. */
void views_host_port_range(const struct views *v, const struct view_host *h, size_t *first,
                           size_t *end);
long views_find_host_ctx(const struct views *v, uint32_t ctx, uint8_t ip_version,
                         const struct ip_addr *addr);

/* "open", "closed", "filtered", "unknown" */
const char *views_status_name(enum port_status s);
/* "syn_ack", "rst", "icmp_port_unreachable", ... */
const char *views_evidence_name(enum port_evidence e);
/* "client", "server", "unknown" */
const char *views_role_name(enum sock_role r);
/* Name of diagnostic bit d ("close_wait_at_end"), or NULL. */
const char *views_diag_name(uint32_t d);

/* New JSON references for one row of each view (schema: docs/schema.json,
 * explained in docs/json.md). views_json_socket works on a socket from
 * views_socket_of_conn too. */
json_t *views_json_port(const struct views *v, const struct view_port *p);
json_t *views_json_socket(const struct view_socket *s);
/* The same object's members, written into o's open object (json_out.h);
 * local_is_port: 0 or 1 in place of the socket's own answer, -1 for it. */
void views_json_socket_members(struct jout *o, const struct view_socket *s, int local_is_port);
json_t *views_json_host(const struct views *v, const struct view_host *h);

/* Sort keys for --sort: returns true and *key for row i of view ("ports",
 * "sockets", "conns", "hosts") and field; larger keys sort first. False if
 * the field does not apply to that view. With v NULL, only checks. */
bool views_sort_key(const struct views *v, const char *view, const char *field, size_t i,
                    uint64_t *key);
/* The i-th field --sort knows (some view sorts by it), NULL past the last:
 * for messages. */
const char *views_sort_field(size_t i);

/* Parses "A.B.C.D", "A.B.C.D:PORT", an IPv6 address, or "[V6]:PORT". Sets
 * *has_port. Returns 0, or -1 with err set. */
int views_parse_endpoint(const char *s, uint8_t *ip_version, struct ip_addr *addr,
                         uint16_t *port, bool *has_port, struct ss_err *err);

/* Formats addr:port ("[v6]:port" for IPv6) into buf. */
void views_format_endpoint(uint8_t ip_version, const struct ip_addr *addr, uint16_t port,
                           char *buf, size_t len);
/* The length of that text (what a column of endpoints must fit). */
size_t views_endpoint_len(uint8_t ip_version, const struct ip_addr *addr, uint16_t port);

#endif
