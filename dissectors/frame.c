/* frame.c - walks one captured frame: link -> IPv4/IPv6 (with reassembly) -> transport. */
#include "frame.h"

#include <string.h>

#include "dissect.h"
#include "ip_reasm.h"

/* Records the final status of the frame on pkt (keeping the first failure). */
static enum dissect_status finish(struct packet *pkt, enum dissect_status st)
{
    if (pkt->status == DISSECT_OK)
        pkt->status = st;
    return st;
}

static bool is_ipv6_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

enum dissect_status frame_dissect(struct frame_ctx *ctx, const struct frame_in *f,
                                  struct packet *pkt)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->ts_ns = f->ts_ns;
    pkt->wire_len = f->wire_len;
    pkt->cap_len = f->cap_len;
    pkt->linktype = f->linktype;
    pkt->verify_checksums = ctx != NULL && ctx->verify_checksums;

    struct view v = { f->data, f->data != NULL ? f->cap_len : 0 };
    enum l3_kind l3;
    enum dissect_status st = link_dissect(&v, f->linktype, pkt, &l3);
    if (st != DISSECT_OK)
        return finish(pkt, st);

    st = l3 == L3_IPV4 ? ipv4_dissect(&v, pkt, 0) : ipv6_dissect(&v, pkt, 0);
    if (st != DISSECT_OK)
        return finish(pkt, st);

    if (pkt->is_fragment) {
        struct ip_reasm *r = ctx != NULL ? ctx->reasm : NULL;
        if (r == NULL) /* counted by the caller through is_fragment; no transport */
            return finish(pkt, DISSECT_OK);
        struct view whole;
        uint32_t total_len = 0;
        uint32_t frag_len = dissect_ip_payload_len(pkt, v.len);
        if (ip_reasm_add(r, pkt, v, frag_len, &whole, &total_len) != 1)
            return finish(pkt, DISSECT_OK);
        /* this frame completed the datagram: decode the transport from it */
        pkt->is_fragment = false;
        pkt->reassembled = true;
        pkt->ip_len = pkt->ip_hdr_len + total_len;
        v = whole;
        view_clamp(&v, total_len);
        if (pkt->ip_version == 6 && is_ipv6_ext(pkt->proto)) {
            st = ipv6_dissect_ext(&v, pkt, pkt->proto, 0);
            if (st != DISSECT_OK)
                return finish(pkt, st);
        }
    }

    switch (pkt->proto) {
    case IPPROTO_NUM_TCP:
        st = tcp_dissect(&v, pkt);
        break;
    case IPPROTO_NUM_UDP:
        st = udp_dissect(&v, pkt);
        break;
    case IPPROTO_NUM_ICMP:
        st = pkt->ip_version == 4 ? icmp4_dissect(&v, pkt) : DISSECT_OK;
        break;
    case IPPROTO_NUM_ICMPV6:
        st = pkt->ip_version == 6 ? icmp6_dissect(&v, pkt) : DISSECT_OK;
        break;
    case IPPROTO_NUM_SCTP:
        st = sctp_dissect(&v, pkt);
        break;
    default: /* other IP protocols: addressed, but nothing more to decode */
        st = DISSECT_OK;
        break;
    }
    return finish(pkt, st);
}
