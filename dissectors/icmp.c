/* icmp.c - ICMP (RFC 792, RFC 1191 next-hop MTU) and ICMPv6 (RFC 4443), with the
 * quoted header of error messages decoded into pkt->icmp.quote. */
#include "dissect.h"

#include <string.h>

#define ICMP_HDR_LEN   8
#define QUOTE_L4_BYTES 8 /* RFC 792: the first 64 bits of the original data */

static bool icmp4_is_error(uint8_t type)
{
    /* unreachable, source quench, redirect, time exceeded, parameter problem */
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Decodes the IP header and first transport bytes an error message quotes.
 * Problems are anomalies on pkt, never a failure of the outer packet. */
static void decode_quote(struct view q, struct packet *pkt, bool is_v6)
{
    struct packet inner;
    memset(&inner, 0, sizeof(inner));
    enum dissect_status st = is_v6 ? ipv6_dissect(&q, &inner, IP_DISSECT_QUOTED)
                                   : ipv4_dissect(&q, &inner, IP_DISSECT_QUOTED);
    if (st == DISSECT_TRUNCATED) {
        pkt->anomalies |= ANOM_BIT(ANOM_ICMP_QUOTE_TRUNCATED);
        return;
    }
    if (st != DISSECT_OK) {
        pkt->anomalies |= ANOM_BIT(ANOM_ICMP_QUOTE_MALFORMED);
        return;
    }
    struct icmp_quote *qt = &pkt->icmp.quote;
    qt->valid = true;
    qt->ip_version = inner.ip_version;
    qt->proto = inner.proto;
    qt->src = inner.src;
    qt->dst = inner.dst;

    /* a quoted non-first fragment carries no transport header */
    if (inner.frag_offset_bytes != 0)
        return;
    uint32_t inner_payload = dissect_ip_payload_len(&inner, q.len);
    size_t want = inner_payload < QUOTE_L4_BYTES ? inner_payload : QUOTE_L4_BYTES;
    if (q.len < want)
        pkt->anomalies |= ANOM_BIT(ANOM_ICMP_QUOTE_TRUNCATED);
    const uint8_t *l4 = view_peek(&q, 4);
    if (l4 == NULL)
        return;
    if (inner.proto == IPPROTO_NUM_TCP || inner.proto == IPPROTO_NUM_UDP ||
        inner.proto == IPPROTO_NUM_SCTP) {
        qt->has_ports = true;
        qt->sport = rd_be16(l4);
        qt->dport = rd_be16(l4 + 2);
    } else if ((inner.proto == IPPROTO_NUM_ICMP && !is_v6 && !icmp4_is_error(l4[0])) ||
               (inner.proto == IPPROTO_NUM_ICMPV6 && is_v6 && l4[0] >= 128)) {
        /* a quoted query (an echo request, say; never an error, which no error
         * may quote): its type and code, which key its flow as ports do */
        qt->has_ports = true;
        qt->sport = l4[0];
        qt->dport = l4[1];
    }
    l4 = view_peek(&q, 8);
    if (l4 != NULL && inner.proto == IPPROTO_NUM_TCP)
        qt->tcp_seq = rd_be32(l4 + 4);
}

static enum dissect_status icmp_dissect(struct view *v, struct packet *pkt, bool is_v6)
{
    const uint8_t *start = v->p;
    size_t captured = v->len;
    uint32_t ip_payload = dissect_ip_payload_len(pkt, captured);

    const uint8_t *h = view_pull(v, ICMP_HDR_LEN);
    if (h == NULL)
        return packet_anomaly(pkt, ANOM_ICMP_TRUNCATED, DISSECT_TRUNCATED);

    struct icmp_info_copy *ic = &pkt->icmp;
    ic->type = h[0];
    ic->code = h[1];
    ic->is_v6 = is_v6;
    if (is_v6) {
        ic->is_error = ic->type >= 1 && ic->type <= 4;
        if (ic->type == 128 || ic->type == 129) {
            ic->echo_id = rd_be16(h + 4);
            ic->echo_seq = rd_be16(h + 6);
        }
        if (ic->type == 2) /* packet too big */
            ic->mtu = rd_be32(h + 4);
    } else {
        ic->is_error = icmp4_is_error(ic->type);
        if (ic->type == 0 || ic->type == 8) {
            ic->echo_id = rd_be16(h + 4);
            ic->echo_seq = rd_be16(h + 6);
        }
        if (ic->type == 3 && ic->code == 4) /* fragmentation needed: next-hop MTU */
            ic->mtu = rd_be16(h + 6);
    }

    if (pkt->verify_checksums && pkt->ip_version != 0 && captured >= ip_payload) {
        uint16_t c = is_v6 ? inet_csum_pseudo(pkt, IPPROTO_NUM_ICMPV6, start, ip_payload)
                           : inet_csum_fold(inet_csum_add(0, start, ip_payload));
        pkt->l4_csum = c == 0 ? CSUM_GOOD : CSUM_BAD;
        if (c != 0)
            pkt->anomalies |= ANOM_BIT(ANOM_ICMP_BAD_CHECKSUM);
    }

    pkt->l4_payload_len = ip_payload > ICMP_HDR_LEN ? ip_payload - ICMP_HDR_LEN : 0;
    pkt->payload = *v;
    if (ic->is_error)
        decode_quote(*v, pkt, is_v6);
    pkt->layer = LAYER_L4;
    return DISSECT_OK;
}

enum dissect_status icmp4_dissect(struct view *v, struct packet *pkt)
{
    return icmp_dissect(v, pkt, false);
}

enum dissect_status icmp6_dissect(struct view *v, struct packet *pkt)
{
    return icmp_dissect(v, pkt, true);
}
