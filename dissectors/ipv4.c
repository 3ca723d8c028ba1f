/* ipv4.c - IPv4 header and options (RFC 791, RFC 1071 checksum). */
#include "dissect.h"

#include <string.h>

#define IPV4_MIN_HDR_LEN 20
#define IPV4_MF          0x2000
#define IPV4_OFFSET_MASK 0x1fff

#define IPOPT_EOL 0
#define IPOPT_NOP 1

/* Walks the option area; returns false on a malformed option (the walk stops). */
static bool options_ok(const uint8_t *opt, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t type = opt[i];
        if (type == IPOPT_EOL)
            return true;
        if (type == IPOPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len) /* a type byte with no room for its length */
            return false;
        uint8_t olen = opt[i + 1];
        if (olen < 2 || olen > len - i) /* length covers type and length bytes */
            return false;
        i += olen;
    }
    return true;
}

enum dissect_status ipv4_dissect(struct view *v, struct packet *pkt, unsigned flags)
{
    bool quoted = (flags & IP_DISSECT_QUOTED) != 0;
    if (SS_UNLIKELY(!view_has(v, IPV4_MIN_HDR_LEN)))
        return packet_anomaly(pkt, ANOM_IPV4_TRUNCATED, DISSECT_TRUNCATED);
    const uint8_t *h = v->p;
    if (SS_UNLIKELY(h[0] >> 4 != 4))
        return packet_anomaly(pkt, ANOM_IPV4_BAD_VERSION, DISSECT_MALFORMED);
    size_t hdr_len = (size_t)(h[0] & 0x0f) * 4;
    if (SS_UNLIKELY(hdr_len < IPV4_MIN_HDR_LEN))
        return packet_anomaly(pkt, ANOM_IPV4_BAD_HDR_LEN, DISSECT_MALFORMED);
    uint32_t total_len = rd_be16(h + 2);
    if (SS_UNLIKELY(total_len == 0) && !quoted) {
        /* segmentation offload on the capturing host leaves 0: trust the capture */
        pkt->anomalies |= ANOM_BIT(ANOM_IP_LEN_ZERO);
        total_len = v->len > UINT32_MAX ? UINT32_MAX : (uint32_t)v->len;
        if (total_len < hdr_len)
            total_len = (uint32_t)hdr_len; /* cut: the header check below fails */
    }
    if (SS_UNLIKELY(total_len < hdr_len))
        return packet_anomaly(pkt, ANOM_IPV4_BAD_TOTAL_LEN, DISSECT_MALFORMED);

    if (SS_UNLIKELY(!view_has(v, hdr_len))) /* options cut by the snaplen */
        return packet_anomaly(pkt, ANOM_IPV4_TRUNCATED, DISSECT_TRUNCATED);
    const uint8_t *hdr_start = view_pull(v, hdr_len);

    uint16_t frag = rd_be16(h + 6);
    pkt->ip_version = 4;
    pkt->ttl = h[8];
    pkt->proto = h[9];
    memset(&pkt->src, 0, sizeof(pkt->src));
    memset(&pkt->dst, 0, sizeof(pkt->dst));
    memcpy(pkt->src.b, h + 12, 4);
    memcpy(pkt->dst.b, h + 16, 4);
    pkt->ip_len = total_len;
    pkt->ip_hdr_len = (uint16_t)hdr_len;
    pkt->frag_id = rd_be16(h + 4);
    /* from locals, not read back from pkt: GCC reads the two fields just
     * stored as one word, which waits for both stores (a store-forwarding
     * stall on every packet) */
    bool more_frags = (frag & IPV4_MF) != 0;
    uint16_t frag_offset_bytes = (uint16_t)((frag & IPV4_OFFSET_MASK) * 8u);
    pkt->more_frags = more_frags;
    pkt->frag_offset_bytes = frag_offset_bytes;
    pkt->is_fragment = more_frags || frag_offset_bytes != 0;

    if (SS_UNLIKELY(hdr_len > IPV4_MIN_HDR_LEN) &&
        !options_ok(hdr_start + IPV4_MIN_HDR_LEN, hdr_len - IPV4_MIN_HDR_LEN))
        pkt->anomalies |= ANOM_BIT(ANOM_IPV4_BAD_OPTIONS);

    if (!quoted) {
        if (pkt->verify_checksums) {
            uint16_t c = inet_csum_fold(inet_csum_add(0, hdr_start, hdr_len));
            pkt->ip_csum = c == 0 ? CSUM_GOOD : CSUM_BAD;
            if (c != 0)
                pkt->anomalies |= ANOM_BIT(ANOM_IPV4_BAD_CHECKSUM);
        }
        /* honour total_len < caplen: Ethernet pads short frames */
        view_clamp(v, total_len - hdr_len);
        if (SS_UNLIKELY(dissect_ip_len_past_frame(pkt, v->len, total_len - (uint32_t)hdr_len)))
            return packet_anomaly(pkt, ANOM_IPV4_BAD_TOTAL_LEN, DISSECT_MALFORMED);
        /* RFC 791 3.2: every fragment but the last carries a multiple of 8 data
         * octets (the next one's offset counts 8-octet units). The BSD stacks
         * drop one that does not; as RFC 8200 has IPv6 discard it (ipv6.c),
         * it is malformed here, never offered to reassembly */
        if (SS_UNLIKELY(more_frags && (total_len - hdr_len) % 8 != 0))
            return packet_anomaly(pkt, ANOM_FRAG_BAD_LENGTH, DISSECT_MALFORMED);
        if (v->len < total_len - hdr_len) /* headers-only captures are legitimate */
            pkt->anomalies |= ANOM_BIT(ANOM_IPV4_CUT_BY_SNAPLEN);
        if (pkt->l3.p == NULL) {
            pkt->l3.p = hdr_start;
            pkt->l3.len = hdr_len + v->len;
        }
    }
    pkt->layer = LAYER_L3;
    return DISSECT_OK;
}
