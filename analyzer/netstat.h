/* netstat.h - what `netstat -an` (net-tools) on one host would have shown at a
 * given moment, for the sockets seen in a capture, plus inferred listeners. */
#ifndef SOCKSCOPE_NETSTAT_H
#define SOCKSCOPE_NETSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "views.h"

struct netstat_row {
    uint8_t proto, ip_version;
    struct ip_addr local_addr, remote_addr;
    uint16_t local_port, remote_port;
    bool remote_any;  /* listener or unconnected UDP socket: foreign "0.0.0.0:*" */
    bool has_state;   /* false for UDP (netstat prints no state) */
    uint8_t state;    /* enum tcp_state when has_state */
    long port_index;  /* listener rows: index into views.ports, else -1 */
    const struct view_socket *sock; /* connected rows, else NULL */
    uint32_t ctx;     /* tunnel context of the socket or listener (0 = none) */
    const struct tunnel_desc *tunnel; /* that context's chain (borrowed from the
                                         connections; NULL when ctx is 0 or hashed) */
};

/* Rows for host at ts_ns in every tunnel context, grouped by context
 * (ascending, 0 = not tunnelled first), and within a context in netstat's order
 * of tables (tcp, tcp6, udp, udp6), listeners first, then sockets by
 * connection start. TCP sockets in CLOSED are
 * left out (the kernel has freed them); TIME_WAIT stays until 2*MSL ran out.
 * A LISTEN row appears from the first SYN its listener answered (for UDP: from
 * the first datagram the port answered); its local address is the address the
 * capture saw it answer on. *rows is malloc'd (NULL when *n is 0); free() it.
 * Returns 0, or -1 with err set (out of memory). */
int netstat_rows(const struct views *v, uint8_t ip_version, const struct ip_addr *host,
                 uint64_t ts_ns, struct netstat_row **rows, size_t *n, struct ss_err *err);

/* "tcp", "tcp6", "udp", "udp6" */
const char *netstat_proto_name(const struct netstat_row *r);

/* Formats the row's addresses as netstat does ("10.0.0.5:9001", "fd99::2:443",
 * "0.0.0.0:*", ":::*"). */
void netstat_format_local(const struct netstat_row *r, char *buf, size_t len);
void netstat_format_remote(const struct netstat_row *r, char *buf, size_t len);

/* New JSON reference for one row: proto ("tcp", "tcp6", "udp", "udp6"),
 * local_addr, local_port, remote_addr ("0.0.0.0" or "::" for a listener),
 * remote_port (null for a listener), state (netstat's name, null for UDP),
 * uid (null for a listener), and tunnel (views_tunnel_text) only when the
 * row is inside a tunnel. */
json_t *netstat_row_json(const struct views *v, const struct netstat_row *r);

/* Prints the header and rows in net-tools' `netstat -an` layout (Recv-Q and
 * Send-Q always 0: a capture cannot tell them at a past moment). rows must be
 * grouped by ctx as netstat_rows leaves them. When every row is outside
 * tunnels this is one plain block; otherwise one block (header and rows) per
 * context, each preceded by "Tunnel: <views_tunnel_text>" or, for ctx 0,
 * "Not tunnelled:", with a blank line between blocks. */
void netstat_print(FILE *out, const struct netstat_row *rows, size_t n);

#endif
