/* tcp.c - TCP header and options (RFC 9293 section 3.1, RFC 7323, RFC 2018, RFC 3540 NS). */
#include "dissect.h"

#define TCP_MIN_HDR_LEN 20

#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2
#define TCPOPT_WSCALE    3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK      5
#define TCPOPT_TS        8

/* Parses the option area into t; returns false on a malformed option (what was
 * parsed before it is kept). */
static SS_NOINLINE bool parse_options(const uint8_t *o, size_t len, struct tcp_info_copy *t)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = o[i];
        if (kind == TCPOPT_EOL)
            return true;
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return false;
        size_t olen = o[i + 1];
        if (olen < 2 || olen > len - i)
            return false;
        const uint8_t *d = o + i + 2;
        switch (kind) {
        case TCPOPT_MSS:
            if (olen != 4)
                return false;
            t->has_mss = true;
            t->mss = rd_be16(d);
            break;
        case TCPOPT_WSCALE:
            if (olen != 3)
                return false;
            t->has_wscale = true;
            t->wscale = d[0];
            break;
        case TCPOPT_SACK_PERM:
            if (olen != 2)
                return false;
            t->sack_permitted = true;
            break;
        case TCPOPT_SACK:
            if (olen < 10 || (olen - 2) % 8 != 0)
                return false;
            for (size_t b = 0; b < (olen - 2) / 8 && t->n_sack < PACKET_MAX_SACK; b++) {
                t->sack[t->n_sack][0] = rd_be32(d + b * 8);
                t->sack[t->n_sack][1] = rd_be32(d + b * 8 + 4);
                t->n_sack++;
            }
            break;
        case TCPOPT_TS:
            if (olen != 10)
                return false;
            t->has_ts = true;
            t->ts_val = rd_be32(d);
            t->ts_ecr = rd_be32(d + 4);
            break;
        default: /* unknown options are skipped by their length */
            break;
        }
        i += olen;
    }
    return true;
}

/* Fewer than the fixed header's 20 bytes captured: the ports if they were. */
static enum dissect_status tcp_truncated(const struct view *v, struct packet *pkt)
{
    if (view_has(v, 4)) { /* ports as soon as they are readable, even if the rest is cut */
        pkt->sport = rd_be16(v->p);
        pkt->dport = rd_be16(v->p + 2);
    }
    return packet_anomaly(pkt, ANOM_TCP_TRUNCATED, DISSECT_TRUNCATED);
}

enum dissect_status tcp_dissect(struct view *v, struct packet *pkt)
{
    const uint8_t *start = v->p;
    size_t captured = v->len;
    uint32_t seg_len = dissect_ip_payload_len(pkt, captured);

    if (SS_UNLIKELY(!view_has(v, TCP_MIN_HDR_LEN)))
        return tcp_truncated(v, pkt);
    const uint8_t *h = v->p;
    pkt->sport = rd_be16(h);
    pkt->dport = rd_be16(h + 2);

    size_t hdr_len = (size_t)(h[12] >> 4) * 4;
    if (SS_UNLIKELY(hdr_len < TCP_MIN_HDR_LEN || hdr_len > seg_len))
        return packet_anomaly(pkt, ANOM_TCP_BAD_DATA_OFFSET, DISSECT_MALFORMED);
    /* Options cut by the snaplen (a SYN's 20 option bytes in a 54-byte headers-only
     * capture): every field the connection needs is in the fixed header, so decode
     * it, keep the options that were captured whole, and note the cut. */
    size_t hdr_captured = hdr_len;
    if (SS_UNLIKELY(!view_has(v, hdr_len))) {
        hdr_captured = captured;
        pkt->anomalies |= ANOM_BIT(ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN);
    }
    view_pull(v, hdr_captured);

    struct tcp_info_copy *t = &pkt->tcp;
    t->seq = rd_be32(h + 4);
    t->ack = rd_be32(h + 8);
    t->flags = (uint16_t)(h[13] | (h[12] & 0x01) << 8);
    t->window = rd_be16(h + 14);
    t->data_off_bytes = (uint8_t)hdr_len;
    /* a cut option is not a bad one */
    if (hdr_captured > TCP_MIN_HDR_LEN &&
        !parse_options(h + TCP_MIN_HDR_LEN, hdr_captured - TCP_MIN_HDR_LEN, t) &&
        hdr_captured == hdr_len)
        pkt->anomalies |= ANOM_BIT(ANOM_TCP_BAD_OPTIONS);

    if (pkt->verify_checksums && pkt->ip_version != 0 && captured >= seg_len) {
        bool ok = inet_csum_pseudo(pkt, IPPROTO_NUM_TCP, start, seg_len) == 0;
        pkt->l4_csum = ok ? CSUM_GOOD : CSUM_BAD;
        if (!ok)
            pkt->anomalies |= ANOM_BIT(ANOM_TCP_BAD_CHECKSUM);
    }

    pkt->l4_payload_len = seg_len - (uint32_t)hdr_len;
    pkt->payload = *v;
    pkt->layer = LAYER_L4;
    return DISSECT_OK;
}
