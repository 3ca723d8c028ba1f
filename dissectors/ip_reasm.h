/* ip_reasm.h - IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200 section 4.5)
 * with a time limit and a memory cap. */
#ifndef SOCKSCOPE_IP_REASM_H
#define SOCKSCOPE_IP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

struct ip_reasm;

struct ip_reasm_stats {
    uint64_t fragments;     /* fragments offered */
    uint64_t reassembled;   /* datagrams completed */
    uint64_t timeouts;      /* incomplete datagrams expired */
    uint64_t overlaps;      /* fragments overlapping earlier data */
    uint64_t memcap_drops;  /* datagrams dropped because the memory cap was hit */
    uint64_t too_large;     /* fragments that would make a datagram > 65535 bytes */
    size_t bytes_in_use, peak_bytes;
};

#define IP_REASM_DEFAULT_MEMCAP     (64u << 20)
#define IP_REASM_DEFAULT_TIMEOUT_NS (30ull * 1000000000ull)

/* Creates a reassembly table. Returns NULL on allocation failure. */
struct ip_reasm *ip_reasm_create(size_t memcap_bytes, uint64_t timeout_ns);
/* Frees everything; ip_reasm_destroy(NULL) is a no-op. */
void ip_reasm_destroy(struct ip_reasm *r);

/* Offers one fragment. pkt carries the key (ip_version, src, dst, proto, frag_id)
 * and frag_offset_bytes / more_frags; frag is the fragment's data (after the IPv4
 * header or the IPv6 fragment header), already clamped to the IP length; frag_len
 * is its length per the IP header (frag.len may be shorter if the capture was cut).
 * Returns 1 when the datagram is complete: *out is the whole reassembled payload
 * (owned by the table, valid until the next call on r) and *total_len its length;
 * 0 when more fragments are needed; anomalies (overlap, memcap, too large,
 * incomplete capture) are recorded on pkt. Expires stale datagrams on the way
 * using pkt->ts_ns as the clock. */
int ip_reasm_add(struct ip_reasm *r, struct packet *pkt, struct view frag, uint32_t frag_len,
                 struct view *out, uint32_t *total_len);

/* Expires datagrams idle for longer than the timeout at now_ns; returns how many. */
size_t ip_reasm_expire(struct ip_reasm *r, uint64_t now_ns);

const struct ip_reasm_stats *ip_reasm_stats(const struct ip_reasm *r);

#endif
