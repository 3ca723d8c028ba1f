/* community_id.h - Community ID flow hashing, version 1 (corelight
 * community-id-spec: README.md and community-id.py; see DESIGN.md section
 * "Community ID v1, exact algorithm").
 *
 * Same-address flows (saddr == daddr, e.g. loopback): we follow the spec and
 * Suricata, which order the endpoints by comparing the ports as integers in
 * host order. Zeek (addr_port_canon_lt on htons() ports), nDPI
 * (ndpi_community_id.c) and Wireshark compare the network-order port values as
 * host integers, which on little-endian machines is a byte-swapped comparison,
 * so for such flows their IDs can differ from ours. Example,
 * 1.2.3.4:3344 -> 1.2.3.4:1122 TCP, seed 0:
 *   spec / sockscope          1:CY1T7/6B7r9W3LMnzSws9RXqqbQ=
 *   Zeek / nDPI / Wireshark   1:3seqIXu+5y8sFuE3lLtWR/KnSWo=
 * (community-id-spec issue #32, still open). Flows between different
 * addresses give the same ID everywhere. */
#ifndef SOCKSCOPE_COMMUNITY_ID_H
#define SOCKSCOPE_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* "1:" + 28 base64 characters + NUL */
#define COMMUNITY_ID_V1_SIZE 31

struct community_id_input {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t saddr[16];  /* network order; IPv4 in the first 4 bytes */
    uint8_t daddr[16];
    uint8_t proto;      /* IP protocol number (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6) */
    uint16_t sport;     /* host order; for ICMP/ICMPv6 the message type */
    uint16_t dport;     /* host order; for ICMP/ICMPv6 the message code */
};

/* Writes the version 1 Community ID of the flow described by in, with the
 * given seed (0 is the spec's default), as a NUL-terminated "1:<base64>" string
 * into out. The result is the same for both directions of a flow, except for
 * one-way ICMP/ICMPv6 messages (types without a request/reply counterpart),
 * which the spec hashes in the direction given. For ICMP/ICMPv6 the function
 * maps type and code to the spec's port pair itself. For protocols other than
 * TCP, UDP, SCTP, ICMP and ICMPv6 the hash omits the ports and orders the
 * endpoints by address alone.
 * Returns 0, or -1 if ip_version is neither 4 nor 6 or out_size is smaller
 * than COMMUNITY_ID_V1_SIZE (out then holds an empty string when out_size > 0). */
int community_id_v1(const struct community_id_input *in, uint16_t seed, char *out,
                     size_t out_size);

#endif
