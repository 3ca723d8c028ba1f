/* udp.c - UDP header (RFC 768; RFC 8200 section 8.1 zero checksum; RFC 2675 jumbo). */
#include "dissect.h"

#define UDP_HDR_LEN 8

enum dissect_status udp_dissect(struct view *v, struct packet *pkt)
{
    const uint8_t *start = v->p;
    size_t captured = v->len;
    uint32_t ip_payload = dissect_ip_payload_len(pkt, captured);

    if (SS_UNLIKELY(!view_has(v, UDP_HDR_LEN))) {
        if (view_has(v, 4)) { /* ports as soon as they are readable */
            pkt->sport = rd_be16(v->p);
            pkt->dport = rd_be16(v->p + 2);
        }
        return packet_anomaly(pkt, ANOM_UDP_TRUNCATED, DISSECT_TRUNCATED);
    }
    const uint8_t *h = view_pull(v, UDP_HDR_LEN);
    pkt->sport = rd_be16(h);
    pkt->dport = rd_be16(h + 2);

    uint32_t ulen = rd_be16(h + 4);
    pkt->udp_len = (uint16_t)ulen;
    if (ulen == 0 && pkt->ip_version == 6 && ip_payload > 0xffff)
        ulen = ip_payload; /* jumbogram: the length is the IPv6 one (RFC 2675) */
    if (ulen < UDP_HDR_LEN) /* the length covers the header itself */
        return packet_anomaly(pkt, ANOM_UDP_BAD_LENGTH, DISSECT_MALFORMED);
    if (ulen > ip_payload) { /* claims more than the IP datagram carries: use the IP length */
        pkt->anomalies |= ANOM_BIT(ANOM_UDP_BAD_LENGTH);
        ulen = ip_payload < UDP_HDR_LEN ? UDP_HDR_LEN : ip_payload;
    }

    uint16_t csum = rd_be16(h + 6);
    if (pkt->verify_checksums && pkt->ip_version != 0 && captured >= ulen) {
        if (csum == 0 && pkt->ip_version == 4) {
            pkt->l4_csum = CSUM_UNKNOWN; /* no checksum sent */
        } else {
            /* IPv6 forbids 0 (RFC 8200 section 8.1): it fails the check below */
            bool ok = csum != 0 && inet_csum_pseudo(pkt, IPPROTO_NUM_UDP, start, ulen) == 0;
            pkt->l4_csum = ok ? CSUM_GOOD : CSUM_BAD;
            if (!ok)
                pkt->anomalies |= ANOM_BIT(ANOM_UDP_BAD_CHECKSUM);
        }
    }

    view_clamp(v, ulen - UDP_HDR_LEN); /* drop anything past the UDP length */
    pkt->l4_payload_len = ulen - UDP_HDR_LEN;
    pkt->payload = *v;
    pkt->layer = LAYER_L4;
    return DISSECT_OK;
}
