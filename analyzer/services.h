/* services.h - IANA service names for well-known and registered ports, built
 * into the binary (never /etc/services), plus transport protocol names and
 * Zeek's likely_server_ports idea. */
#ifndef SOCKSCOPE_SERVICES_H
#define SOCKSCOPE_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One row of the built-in table; exposed so tests can check its order. */
struct services_entry {
    uint8_t ipproto; /* 6 TCP, 17 UDP, 132 SCTP */
    uint16_t port;
    const char *name; /* IANA service name, lower case */
};

/* Returns the IANA service name for (ipproto, port), e.g. "http" for TCP 80,
 * "domain" for UDP 53, "s1-control" for SCTP 36412, or NULL when the port is
 * not in the built-in table (the table covers common ports, not the whole
 * registry). The string is static. */
const char *services_name(uint8_t ipproto, uint16_t port);

/* Returns "tcp", "udp", "sctp", "icmp", "icmpv6" (or other well-known IP
 * protocol names such as "gre", "esp"), or NULL for a number without a name
 * here. The string is static. */
const char *services_proto_name(uint8_t ipproto);

/* Returns the transport string of Zeek's conn.log `proto` field: "tcp", "udp",
 * "icmp" (for ICMP and ICMPv6 alike) or "unknown_transport". Never NULL. */
const char *services_zeek_proto(uint8_t ipproto);

/* True if port is in our copy of Zeek's likely_server_ports for that
 * transport (the ports its default analyzers register; see services.c for the
 * list and its sources). Used to choose the responder of a connection whose
 * first packet is not a SYN (DESIGN.md section 4). False for any protocol
 * other than TCP and UDP. */
bool services_is_likely_server_port(uint8_t ipproto, uint16_t port);

/* The built-in table, sorted by (ipproto, port), and its length; for tests. */
const struct services_entry *services_table(size_t *n_entries);

#endif
