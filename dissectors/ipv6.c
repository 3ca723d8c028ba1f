/* ipv6.c - IPv6 header and extension-header chain (RFC 8200, RFC 2675 jumbograms,
 * RFC 4302 AH, RFC 6275 mobility). */
#include "dissect.h"

#include <string.h>

#define NH_HOPOPTS  0
#define NH_ROUTING  43
#define NH_FRAGMENT 44
#define NH_ESP      50
#define NH_AH       51
#define NH_NONE     59
#define NH_DSTOPTS  60
#define NH_MOBILITY 135

#define OPT_PAD1  0
#define OPT_JUMBO 0xc2

/* Looks for a jumbo payload option in the hop-by-hop header at the front of v
 * (RFC 2675). Returns the jumbo length, or 0 when absent or unreadable. */
static uint32_t find_jumbo(const struct view *v)
{
    const uint8_t *h = view_peek(v, 2);
    if (h == NULL)
        return 0;
    size_t len = ((size_t)h[1] + 1) * 8;
    h = view_peek(v, len);
    if (h == NULL)
        return 0;
    for (size_t i = 2; i < len;) {
        if (h[i] == OPT_PAD1) {
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + (size_t)h[i + 1] > len)
            return 0;
        if (h[i] == OPT_JUMBO && h[i + 1] == 4)
            return rd_be32(h + i + 2);
        i += 2 + (size_t)h[i + 1];
    }
    return 0;
}

/* The socket a routed packet belongs to is the one at its final destination
 * (as Zeek and tshark see it): a type 0 routing header (RFC 2460, deprecated by
 * RFC 5095 but still in captures) with segments left names it last; a type 2
 * header (RFC 6275) carries the mobile node's home address. h is the whole
 * header of len bytes. */
static void routing_final_dst(struct packet *pkt, const uint8_t *h, size_t len)
{
    uint8_t type = h[2], segleft = h[3];
    if (segleft == 0 || len < 8 + 16)
        return;
    if (type == 0)
        memcpy(pkt->dst.b, h + 8 + ((len - 8) / 16 - 1) * 16, 16);
    else if (type == 2)
        memcpy(pkt->dst.b, h + 8, 16);
}

/* A Home Address destination option (RFC 6275 section 6.3, type 201) makes the
 * home address the packet's source for connection purposes. */
static void home_address_src(struct packet *pkt, const uint8_t *h, size_t len)
{
    for (size_t i = 2; i < len;) {
        if (h[i] == OPT_PAD1) {
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + (size_t)h[i + 1] > len)
            return;
        if (h[i] == 201 && h[i + 1] == 16)
            memcpy(pkt->src.b, h + i + 2, 16);
        i += 2 + (size_t)h[i + 1];
    }
}

/* Pulls an n-byte extension header: MALFORMED if the IP length cannot hold it,
 * TRUNCATED if the capture ended inside it. */
static enum dissect_status pull_ext(struct view *v, struct packet *pkt, size_t n, size_t *ip_left,
                                    const uint8_t **out)
{
    if (n > *ip_left)
        return packet_anomaly(pkt, ANOM_IPV6_EXT_MALFORMED, DISSECT_MALFORMED);
    *out = view_pull(v, n);
    if (*out == NULL)
        return packet_anomaly(pkt, ANOM_IPV6_EXT_TRUNCATED, DISSECT_TRUNCATED);
    *ip_left -= n;
    return DISSECT_OK;
}

static enum dissect_status walk(struct view *v, struct packet *pkt, uint8_t nh, size_t ip_left)
{
    for (unsigned n = 0;; n++) {
        const uint8_t *h;
        size_t len;
        enum dissect_status st;
        if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_DSTOPTS && nh != NH_AH &&
            nh != NH_FRAGMENT) {
            /* upper layer, ESP, mobility, no next header: the walk ends */
            pkt->proto = nh;
            return DISSECT_OK;
        }
        if (n >= IPV6_MAX_EXT_HDRS) /* bound the chain */
            return packet_anomaly(pkt, ANOM_IPV6_EXT_MALFORMED, DISSECT_MALFORMED);

        if (nh == NH_FRAGMENT) {
            st = pull_ext(v, pkt, IPV6_FRAG_HDR_LEN, &ip_left, &h);
            if (st != DISSECT_OK)
                return st;
            pkt->ip_hdr_len = (uint16_t)(pkt->ip_hdr_len + IPV6_FRAG_HDR_LEN);
            uint16_t off = rd_be16(h + 2);
            uint16_t off_bytes = off & 0xfff8; /* 13-bit offset in 8-byte units */
            bool m = (off & 1) != 0;
            if (off_bytes != 0 || m) {
                pkt->frag_offset_bytes = off_bytes;
                pkt->more_frags = m;
                pkt->frag_id = rd_be32(h + 4);
                pkt->is_fragment = true;
                pkt->proto = h[0]; /* what follows is fragment data */
                if (m && ip_left % 8 != 0) /* RFC 8200 4.5: such a fragment must be discarded */
                    return packet_anomaly(pkt, ANOM_FRAG_BAD_LENGTH, DISSECT_MALFORMED);
                return DISSECT_OK;
            }
            nh = h[0]; /* atomic fragment (RFC 6946): a whole datagram */
            continue;
        }

        /* next header, length byte; AH counts 4-byte units minus 2, others 8-byte minus 1 */
        if (ip_left < 2)
            return packet_anomaly(pkt, ANOM_IPV6_EXT_MALFORMED, DISSECT_MALFORMED);
        h = view_peek(v, 2);
        if (h == NULL)
            return packet_anomaly(pkt, ANOM_IPV6_EXT_TRUNCATED, DISSECT_TRUNCATED);
        len = nh == NH_AH ? ((size_t)h[1] + 2) * 4 : ((size_t)h[1] + 1) * 8;
        st = pull_ext(v, pkt, len, &ip_left, &h);
        if (st != DISSECT_OK)
            return st;
        pkt->ip_hdr_len = (uint16_t)(pkt->ip_hdr_len + len);
        if (nh == NH_ROUTING)
            routing_final_dst(pkt, h, len);
        else if (nh == NH_DSTOPTS)
            home_address_src(pkt, h, len);
        nh = h[0];
    }
}

enum dissect_status ipv6_dissect_ext(struct view *v, struct packet *pkt, uint8_t nh,
                                     unsigned flags)
{
    (void)flags;
    return walk(v, pkt, nh, dissect_ip_payload_len(pkt, v->len));
}

enum dissect_status ipv6_dissect(struct view *v, struct packet *pkt, unsigned flags)
{
    bool quoted = (flags & IP_DISSECT_QUOTED) != 0;
    const uint8_t *h = view_peek(v, IPV6_HDR_LEN);
    if (h == NULL)
        return packet_anomaly(pkt, ANOM_IPV6_TRUNCATED, DISSECT_TRUNCATED);
    if (h[0] >> 4 != 6)
        return packet_anomaly(pkt, ANOM_IPV6_BAD_VERSION, DISSECT_MALFORMED);
    view_pull(v, IPV6_HDR_LEN);
    uint8_t nh = h[6];
    pkt->ip_version = 6;
    pkt->ttl = h[7];
    pkt->proto = nh;
    memcpy(pkt->src.b, h + 8, 16);
    memcpy(pkt->dst.b, h + 24, 16);
    pkt->ip_hdr_len = IPV6_HDR_LEN;

    uint32_t plen = rd_be16(h + 4);
    if (plen == 0 && nh != NH_NONE) {
        uint32_t jumbo = nh == NH_HOPOPTS ? find_jumbo(v) : 0;
        if (jumbo != 0) {
            plen = jumbo;
        } else if (!quoted) {
            /* segmentation offload on the capturing host leaves 0: trust the capture */
            pkt->anomalies |= ANOM_BIT(ANOM_IP_LEN_ZERO);
            plen = v->len > UINT32_MAX - IPV6_HDR_LEN ? UINT32_MAX - IPV6_HDR_LEN
                                                       : (uint32_t)v->len;
        }
    }
    pkt->ip_len = IPV6_HDR_LEN + plen;

    if (!quoted) {
        view_clamp(v, plen); /* drop link-layer padding */
        if (SS_UNLIKELY(dissect_ip_len_past_frame(pkt, v->len, plen)))
            return packet_anomaly(pkt, ANOM_IPV6_BAD_PAYLOAD_LEN, DISSECT_MALFORMED);
        if (v->len < plen) /* headers-only captures are legitimate */
            pkt->anomalies |= ANOM_BIT(ANOM_IPV6_CUT_BY_SNAPLEN);
        if (pkt->l3.p == NULL) {
            pkt->l3.p = h;
            pkt->l3.len = IPV6_HDR_LEN + v->len;
        }
    }
    enum dissect_status st = walk(v, pkt, nh, plen);
    if (st == DISSECT_OK)
        pkt->layer = LAYER_L3;
    return st;
}
