/* frame.h - walks one captured frame: link -> IP (with reassembly) -> transport. */
#ifndef SOCKSCOPE_FRAME_H
#define SOCKSCOPE_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

struct ip_reasm;

/* One captured frame as the capture front end hands it over. Borrowed. */
struct frame_in {
    const uint8_t *data;
    uint32_t cap_len, wire_len;
    uint32_t linktype;
    uint64_t ts_ns;
};

struct frame_ctx {
    struct ip_reasm *reasm;  /* NULL: fragments are counted but not reassembled */
    bool verify_checksums;   /* compute IP/TCP/UDP/ICMP checksums when fully captured */
    bool decap;              /* look through tunnels (encap.h); false (a zeroed ctx) keeps
                                the outermost packet, as --no-decap */
};

/* Zeroes pkt (all but the tunnel layers beyond n_encap) and decodes f into
 * it. Returns the status of the deepest layer attempted; pkt->layer says how far decoding got. A fragment that does not
 * complete a datagram returns DISSECT_OK with pkt->is_fragment set and
 * layer LAYER_L3.
 *
 * Tunnels (ctx->decap): when a level's packet is a recognised encapsulation
 * (encap.h), a layer describing that level's carrier is appended to
 * pkt->encap[] (outermost first) and decoding goes on with the inner packet in
 * the same pkt. What the caller can rely on:
 *  - encap[0 .. n_encap) are complete: a layer is recorded only after its carrier
 *    (link, IP, UDP) and its encapsulation header were decoded without error.
 *    Each layer with ip_version != 0 is a carrier connection (UDP: proto 17 and
 *    ports; GRE/ERSPAN: 47; IP-in-IP: 4/41, ports 0) whose ip_len and
 *    l4_payload_len are those of the carrier datagram; the frame's wire_len counts
 *    for every carrier and for the inner packet. Layers with ip_version 0 (MPLS or
 *    PPPoE over a link) have no carrier connection.
 *  - Everything else in pkt (addresses, ports, lengths, VLANs, ethertype, l3,
 *    status, layer, truncated_at) describes the innermost packet only, decoded
 *    under the same rules as an outermost one; layer starts at LAYER_LINK below
 *    each encapsulation header. So with n_encap > 0: the carriers always count;
 *    the inner packet makes a connection when its layer is high enough (L3, or L4
 *    for TCP/UDP/SCTP/ICMP), exactly as without tunnels. An inner packet that is
 *    truncated or malformed returns that status (e.g. ANOM_IPV4_TRUNCATED) with
 *    the carriers intact; one that is not IP returns DISSECT_UNSUPPORTED with
 *    truncated_at ANOM_L3_UNKNOWN_ETHERTYPE (inner Ethernet) or
 *    ANOM_ENCAP_UNKNOWN_INNER (other payloads), with no anomaly bit.
 *  - A tunnel header that is itself cut or impossible records nothing: pkt
 *    describes the carrier (layer L3 for GRE, L4 for UDP) with ANOM_ENCAP_TRUNCATED
 *    or ANOM_ENCAP_MALFORMED and that status. A UDP datagram on a tunnel port that
 *    does not parse as the tunnel is ordinary UDP (no anomaly).
 *  - Past PACKET_MAX_ENCAP layers decapsulation stops with ANOM_ENCAP_DEPTH (status
 *    unchanged): the innermost recorded level's tunnel packet (e.g. IP protocol 4,
 *    or the UDP 4789 datagram) is the packet; MPLS/PPPoE there ends as unsupported.
 *  - Fragments of a carrier are reassembled as before and decapsulated when the
 *    datagram completes; only one datagram is reassembled per frame, so an inner
 *    fragment below a reassembled carrier is counted (is_fragment), not reassembled.
 *    Inner fragments are reassembled on the inner addresses and id only. */
enum dissect_status frame_dissect(struct frame_ctx *ctx, const struct frame_in *f,
                                  struct packet *pkt);

#endif
