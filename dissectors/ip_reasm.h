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
    uint64_t timeouts_flagged; /* of them, those recorded on a packet as ANOM_FRAG_TIMEOUT
                                  (the datagram's own fragment arrived too late) */
    uint64_t overlaps;      /* fragments overlapping earlier data */
    uint64_t memcap_drops;  /* datagrams dropped because the memory cap was hit */
    uint64_t too_large;     /* fragments that would make a datagram > 65535 bytes, or that
                             * contradict the end fixed by its last fragment */
    size_t bytes_in_use, peak_bytes; /* pending datagrams' nodes, buffers and range lists */
};

#define IP_REASM_DEFAULT_MEMCAP     (64u << 20)
#define IP_REASM_DEFAULT_TIMEOUT_NS (30ull * 1000000000ull)

/* Creates a reassembly table. Returns NULL on allocation failure. */
struct ip_reasm *ip_reasm_create(size_t memcap_bytes, uint64_t timeout_ns);
/* Frees everything; ip_reasm_destroy(NULL) is a no-op. */
void ip_reasm_destroy(struct ip_reasm *r);

/* Offers one fragment. pkt carries the key (ip_version, src, dst, frag_id, and
 * proto for IPv4 only: RFC 8200 keys IPv6 on src, dst and id; and for both, the
 * context the fragment was seen in: n_vlan/vlan and the tunnel layers
 * encap[0..n_encap), ids included) and
 * frag_offset_bytes / more_frags; frag is the fragment's data (after the IPv4
 * header or the IPv6 fragment header), already clamped to the IP length; frag_len
 * is its length per the IP header (frag.len may be shorter if the capture was cut).
 * Returns 1 when the datagram is complete: *total_len is its full length and *out
 * its captured bytes contiguous from offset 0 (all of it unless the snaplen cut a
 * fragment: then ANOM_FRAG_INCOMPLETE_CAPTURE); *out is owned by the table and
 * valid until the next call on r, to which frag may be a part of it. pkt->ip_hdr_len is then set to that of the
 * offset-0 fragment, and for IPv6 pkt->proto to its proto. An offset-0 fragment without MF is returned at once
 * on its own (RFC 6946). Returns 0 when more fragments are needed or the fragment
 * was dropped; anomalies (overlap, timeout, memcap, too large) are recorded on pkt.
 * Overlapping IPv4 bytes keep the first data; an IPv6 overlap drops the datagram
 * (RFC 5722); exact duplicates are ignored. Expires stale datagrams on the way
 * using pkt->ts_ns as the clock. */
int ip_reasm_add(struct ip_reasm *r, struct packet *pkt, struct view frag, uint32_t frag_len,
                 struct view *out, uint32_t *total_len);

/* Expires datagrams whose first fragment is older than the timeout at now_ns
 * (full scan, tolerates out-of-order timestamps); returns how many. */
size_t ip_reasm_expire(struct ip_reasm *r, uint64_t now_ns);

/* Drops the datagrams whose first fragment is stamped after now_ns (counted as
 * timeouts): after the capture's clock stepped back, they would otherwise wait
 * for the clock to catch up, or for the memory cap; returns how many. */
size_t ip_reasm_drop_newer(struct ip_reasm *r, uint64_t now_ns);

/* Datagrams pending (incomplete). */
size_t ip_reasm_pending(const struct ip_reasm *r);

/* Drops every pending datagram (not counted as timeouts): at the end of the
 * capture; returns how many. */
size_t ip_reasm_drop_all(struct ip_reasm *r);

const struct ip_reasm_stats *ip_reasm_stats(const struct ip_reasm *r);

#endif
