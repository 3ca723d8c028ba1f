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
};

/* Zeroes pkt and decodes f into it. Returns the status of the deepest layer
 * attempted; pkt->layer says how far decoding got. A fragment that does not
 * complete a datagram returns DISSECT_OK with pkt->is_fragment set and
 * layer LAYER_L3. */
enum dissect_status frame_dissect(struct frame_ctx *ctx, const struct frame_in *f,
                                  struct packet *pkt);

#endif
