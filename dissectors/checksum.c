/* checksum.c - Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo header
 * (RFC 9293 section 3.1, RFC 768, RFC 8200 section 8.1); SCTP's CRC32c (RFC 9260
 * appendix A). */
#include "dissect.h"

uint32_t inet_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < len) /* odd trailing byte: padded with a zero byte */
        acc += (uint32_t)p[i] << 8;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t inet_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t inet_csum_pseudo(const struct packet *pkt, uint8_t proto, const uint8_t *l4, size_t l4_len)
{
    uint32_t sum = 0;
    uint8_t tail[8];
    if (pkt->ip_version == 6) {
        sum = inet_csum_add(sum, pkt->src.b, 16);
        sum = inet_csum_add(sum, pkt->dst.b, 16);
        tail[0] = (uint8_t)(l4_len >> 24);
        tail[1] = (uint8_t)(l4_len >> 16);
        tail[2] = (uint8_t)(l4_len >> 8);
        tail[3] = (uint8_t)l4_len;
        tail[4] = tail[5] = tail[6] = 0;
        tail[7] = proto;
        sum = inet_csum_add(sum, tail, 8);
    } else {
        sum = inet_csum_add(sum, pkt->src.b, 4);
        sum = inet_csum_add(sum, pkt->dst.b, 4);
        tail[0] = 0;
        tail[1] = proto;
        tail[2] = (uint8_t)(l4_len >> 8);
        tail[3] = (uint8_t)l4_len;
        sum = inet_csum_add(sum, tail, 4);
    }
    sum = inet_csum_add(sum, l4, l4_len);
    return inet_csum_fold(sum);
}

uint32_t crc32c_update(uint32_t crc, const uint8_t *p, size_t len)
{
    /* bit by bit: only SCTP with --verify-checksums comes here */
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return crc;
}
