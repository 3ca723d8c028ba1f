/* sctp.c - SCTP common header and chunk walk (RFC 9260 sections 3.1 and 3.2),
 * and the CRC32c checksum (appendix A) with --verify-checksums. */
#include "dissect.h"

#define SCTP_HDR_LEN       12
#define SCTP_CHUNK_HDR_LEN 4

enum dissect_status sctp_dissect(struct view *v, struct packet *pkt)
{
    size_t captured = v->len;
    uint32_t ip_payload = dissect_ip_payload_len(pkt, captured);

    const uint8_t *h = view_peek(v, 4);
    if (h != NULL) { /* ports as soon as they are readable */
        pkt->sport = rd_be16(h);
        pkt->dport = rd_be16(h + 2);
    }
    h = view_pull(v, SCTP_HDR_LEN);
    if (h == NULL)
        return packet_anomaly(pkt, ANOM_SCTP_TRUNCATED, DISSECT_TRUNCATED);
    pkt->sctp.vtag = rd_be32(h + 4);
    pkt->l4_payload_len = ip_payload > SCTP_HDR_LEN ? ip_payload - SCTP_HDR_LEN : 0;
    if (pkt->verify_checksums && ip_payload >= SCTP_HDR_LEN && captured >= ip_payload) {
        /* over the whole packet with the checksum field as zeros; the field
         * holds the complemented CRC least significant byte first */
        static const uint8_t zeros[4] = {0};
        uint32_t crc = crc32c_update(0xFFFFFFFFu, h, 8);
        crc = crc32c_update(crc, zeros, 4);
        crc = crc32c_update(crc, h + SCTP_HDR_LEN, ip_payload - SCTP_HDR_LEN);
        uint32_t stored = (uint32_t)h[8] | (uint32_t)h[9] << 8 | (uint32_t)h[10] << 16 |
                          (uint32_t)h[11] << 24;
        bool ok = ~crc == stored;
        pkt->l4_csum = ok ? CSUM_GOOD : CSUM_BAD;
        if (!ok)
            pkt->anomalies |= ANOM_BIT(ANOM_SCTP_BAD_CHECKSUM);
    }
    pkt->payload = *v;

    /* chunks: what the IP length says is left, walked as far as captured */
    struct view c = *v;
    size_t left = pkt->l4_payload_len;
    while (left > 0) {
        if (left < SCTP_CHUNK_HDR_LEN) {
            pkt->anomalies |= ANOM_BIT(ANOM_SCTP_BAD_CHUNK);
            break;
        }
        const uint8_t *ch = view_peek(&c, SCTP_CHUNK_HDR_LEN);
        if (ch == NULL) /* cut by the snaplen: chunks are payload, not an error */
            break;
        size_t clen = rd_be16(ch + 2);
        if (clen < SCTP_CHUNK_HDR_LEN || clen > left) {
            pkt->anomalies |= ANOM_BIT(ANOM_SCTP_BAD_CHUNK);
            break;
        }
        if (ch[0] < 32)
            pkt->sctp.chunk_types |= (uint32_t)1 << ch[0];
        if (pkt->sctp.n_chunks < UINT16_MAX)
            pkt->sctp.n_chunks++;
        size_t padded = (clen + 3) & ~(size_t)3;
        if (padded > left) /* the last chunk's padding is missing: tolerated */
            padded = left;
        left -= padded;
        if (view_pull(&c, padded) == NULL)
            break;
    }

    pkt->layer = LAYER_L4;
    return DISSECT_OK;
}
