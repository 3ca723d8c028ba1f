/* test_ipv4.c - ipv4_dissect: header fields, options, checksum, lengths, fragments. */
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

/* 10.0.0.1 -> 10.0.0.2, TCP, total 40, id 0x1234, DF, TTL 64, checksum 0x149a,
 * then 20 payload bytes (the TCP header, opaque here) and 4 bytes of Ethernet padding */
static const uint8_t ip_tcp[] = {
    0x45, 0x00, 0x00, 0x28, /* v4, IHL 5, TOS 0, total length 40 */
    0x12, 0x34, 0x40, 0x00, /* id 0x1234, DF, offset 0 */
    0x40, 0x06, 0x14, 0x9a, /* TTL 64, proto TCP, checksum */
    0x0a, 0x00, 0x00, 0x01, /* src 10.0.0.1 */
    0x0a, 0x00, 0x00, 0x02, /* dst 10.0.0.2 */
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, /* payload */
    0, 0, 0, 0, /* Ethernet padding, not part of the datagram */
};

static void test_ipv4_basic(void)
{
    struct view v = { ip_tcp, sizeof(ip_tcp) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ip_version, 4);
    CU_ASSERT_EQUAL(pkt.ttl, 64);
    CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_TCP);
    CU_ASSERT_EQUAL(pkt.ip_len, 40);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 20);
    CU_ASSERT_EQUAL(pkt.frag_id, 0x1234);
    CU_ASSERT_FALSE(pkt.is_fragment);
    CU_ASSERT_EQUAL(memcmp(pkt.src.b, "\x0a\x00\x00\x01", 4), 0);
    CU_ASSERT_EQUAL(memcmp(pkt.dst.b, "\x0a\x00\x00\x02", 4), 0);
    CU_ASSERT_EQUAL(pkt.dst.b[4], 0);
    /* padding clamped away; v at the payload */
    CU_ASSERT_EQUAL(v.len, 20);
    CU_ASSERT_PTR_EQUAL(v.p, ip_tcp + 20);
    CU_ASSERT_PTR_EQUAL(pkt.l3.p, ip_tcp);
    CU_ASSERT_EQUAL(pkt.l3.len, 40);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_EQUAL(pkt.ip_csum, CSUM_UNKNOWN); /* not asked */
}

static void test_ipv4_checksum(void)
{
    uint8_t buf[sizeof(ip_tcp)];
    memcpy(buf, ip_tcp, sizeof(buf));
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ip_csum, CSUM_GOOD);
    CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_IPV4_BAD_CHECKSUM));

    buf[8] = 0x3f; /* TTL 63: the checksum no longer matches */
    v = (struct view){ buf, sizeof(buf) };
    memset(&pkt, 0, sizeof(pkt));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK); /* not fatal */
    CU_ASSERT_EQUAL(pkt.ip_csum, CSUM_BAD);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_BAD_CHECKSUM));
    CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
}

static void test_ipv4_options(void)
{
    /* IHL 7: NOP, record route (len 7, ptr 4, one empty slot), then 4 payload bytes */
    static const uint8_t raw[] = {
        0x47, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, /* IHL 7, total 32 */
        0x40, 0x11, 0x5c, 0xbf,                         /* TTL 64, UDP, checksum */
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, /* 10.0.0.1 -> 10.0.0.2 */
        0x01, 0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, /* NOP, RR len 7 ptr 4 slot */
        0xaa, 0xbb, 0xcc, 0xdd,                         /* payload */
    };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 28);
    CU_ASSERT_EQUAL(pkt.ip_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_EQUAL(v.len, 4);
    CU_ASSERT_EQUAL(v.p[0], 0xaa);
}

static void test_ipv4_bad_options(void)
{
    /* IHL 6: option type 0x44 (timestamp) with length 9, longer than the 4-byte area */
    static const uint8_t raw[] = {
        0x46, 0x00, 0x00, 0x18, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0x44, 0x09, 0x05, 0x00, /* timestamp, len 9 > 4 left */
    };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_BAD_OPTIONS));
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);

    /* option length 1 (< 2) is also bad */
    static const uint8_t raw2[] = {
        0x46, 0x00, 0x00, 0x18, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0x01, 0x83, 0x01, 0x00, /* NOP, loose source route with len 1 */
    };
    v = (struct view){ raw2, sizeof(raw2) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_BAD_OPTIONS));
}

static void test_ipv4_truncated(void)
{
    struct view v = { ip_tcp, 19 };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_IPV4_TRUNCATED);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_NONE);
    CU_ASSERT_EQUAL(v.len, 19); /* unchanged */

    /* IHL 6 but only 22 bytes: options cut */
    static const uint8_t raw[] = {
        0x46, 0x00, 0x00, 0x18, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x01, 0x01,
    };
    v = (struct view){ raw, sizeof(raw) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_TRUNCATED));
}

static void test_ipv4_bad_fields(void)
{
    uint8_t buf[40];
    memcpy(buf, ip_tcp, sizeof(buf));
    struct packet pkt;
    struct view v;

    buf[0] = 0x65; /* version 6 */
    v = (struct view){ buf, sizeof(buf) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_BAD_VERSION));

    buf[0] = 0x44; /* IHL 4 */
    v = (struct view){ buf, sizeof(buf) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_BAD_HDR_LEN));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_IPV4_BAD_HDR_LEN);

    buf[0] = 0x45;
    buf[3] = 19; /* total length 19 < 20 */
    v = (struct view){ buf, sizeof(buf) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_BAD_TOTAL_LEN));
}

static void test_ipv4_cut_by_snaplen(void)
{
    /* a headers-only capture: 30 of 40 bytes */
    struct view v = { ip_tcp, 30 };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV4_CUT_BY_SNAPLEN));
    CU_ASSERT_EQUAL(pkt.ip_len, 40);
    CU_ASSERT_EQUAL(v.len, 10);
    CU_ASSERT_EQUAL(pkt.l3.len, 30);
    CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
}

/* A total length past the end of the frame: the snaplen's cut (wire_len -
 * cap_len) may explain missing bytes, nothing else can. */
static void test_ipv4_total_len_past_frame(void)
{
    static const struct {
        uint32_t cap, wire;
        enum dissect_status st;
        enum anomaly anom;
    } cases[] = {
        {30, 30, DISSECT_MALFORMED, ANOM_IPV4_BAD_TOTAL_LEN}, /* a whole frame: a lie */
        {30, 40, DISSECT_OK, ANOM_IPV4_CUT_BY_SNAPLEN},     /* the 10 missing were cut */
        {30, 39, DISSECT_MALFORMED, ANOM_IPV4_BAD_TOTAL_LEN}, /* 9 cut, 10 missing */
        {30, 90, DISSECT_OK, ANOM_IPV4_CUT_BY_SNAPLEN},     /* cut, padding on the wire */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct view v = {ip_tcp, 30};
        struct packet pkt;
        memset(&pkt, 0, sizeof(pkt));
        pkt.cap_len = cases[i].cap;
        pkt.wire_len = cases[i].wire;
        CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), cases[i].st);
        CU_ASSERT(HAS_ANOM(pkt, cases[i].anom));
    }
    /* a reassembled datagram's bytes are not the frame's */
    struct view v = {ip_tcp, 30};
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.cap_len = pkt.wire_len = 30;
    pkt.reassembled = true;
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
}

static void test_ipv4_total_len_zero(void)
{
    /* segmentation offload: total length 0, 40 bytes captured */
    uint8_t buf[40];
    memcpy(buf, ip_tcp, sizeof(buf));
    buf[2] = buf[3] = 0;
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IP_LEN_ZERO));
    CU_ASSERT_EQUAL(pkt.ip_len, 40);
    CU_ASSERT_EQUAL(v.len, 20);
}

static void test_ipv4_fragment(void)
{
    /* first fragment: id 0xbeef, MF, offset 0, UDP, total 28 */
    uint8_t buf[28] = {
        0x45, 0x00, 0x00, 0x1c, 0xbe, 0xef, 0x20, 0x00, 0x40, 0x11, 0x87, 0xdf,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0, 1, 2, 3, 4, 5, 6, 7,
    };
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ip_csum, CSUM_GOOD);
    CU_ASSERT(pkt.is_fragment);
    CU_ASSERT(pkt.more_frags);
    CU_ASSERT_EQUAL(pkt.frag_offset_bytes, 0);
    CU_ASSERT_EQUAL(pkt.frag_id, 0xbeef);

    /* last fragment: MF clear, offset 185 units = 1480 bytes */
    buf[6] = 0x00;
    buf[7] = 0xb9;
    v = (struct view){ buf, sizeof(buf) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT(pkt.is_fragment);
    CU_ASSERT_FALSE(pkt.more_frags);
    CU_ASSERT_EQUAL(pkt.frag_offset_bytes, 1480);
}

static void test_ipv4_fragment_odd_length(void)
{
    /* RFC 791 3.2: a fragment with MF set carries a multiple of 8 data octets;
     * one that does not is malformed (as IPv6's, RFC 8200 4.5), and is still
     * read as far as its fragment fields */
    uint8_t buf[29] = {
        0x45, 0x00, 0x00, 0x1d, 0xbe, 0xef, 0x20, 0x00, 0x40, 0x11, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0, 1, 2, 3, 4, 5, 6, 7, 8,
    };
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_FRAG_BAD_LENGTH));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_FRAG_BAD_LENGTH);
    CU_ASSERT(pkt.is_fragment);

    /* the last fragment (MF clear) may have any length */
    buf[6] = 0x00;
    buf[7] = 0x01;
    v = (struct view){ buf, sizeof(buf) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_FRAG_BAD_LENGTH));

    /* 16 data octets with MF: fine; a quote (headers only) is never judged */
    buf[3] = 0x24;
    buf[6] = 0x20;
    uint8_t big[36] = { 0 };
    memcpy(big, buf, sizeof(buf));
    v = (struct view){ big, sizeof(big) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    big[3] = 0x1d;
    v = (struct view){ big, sizeof(big) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, IP_DISSECT_QUOTED), DISSECT_OK);
    CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_FRAG_BAD_LENGTH));
}

static void test_ipv4_quoted(void)
{
    /* a quote of 28 bytes of a 40-byte datagram, with a wrong checksum: no anomalies */
    uint8_t buf[28];
    memcpy(buf, ip_tcp, sizeof(buf));
    buf[10] = 0;
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, IP_DISSECT_QUOTED), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_EQUAL(pkt.ip_csum, CSUM_UNKNOWN);
    CU_ASSERT_EQUAL(pkt.ip_len, 40);
    CU_ASSERT_EQUAL(v.len, 8);
    CU_ASSERT_PTR_NULL(pkt.l3.p);
}

/* Nothing of a header that failed is written, and v is left where it was. */
static void assert_nothing_decoded(const struct packet *pkt, const struct view *v,
                                   const uint8_t *raw, size_t cap)
{
    static const struct ip_addr zero;
    CU_ASSERT_EQUAL(pkt->layer, LAYER_NONE);
    CU_ASSERT_EQUAL(pkt->ip_version, 0);
    CU_ASSERT_EQUAL(pkt->proto, 0);
    CU_ASSERT_EQUAL(pkt->ip_len, 0);
    CU_ASSERT_EQUAL(pkt->ip_hdr_len, 0);
    CU_ASSERT_EQUAL(memcmp(&pkt->src, &zero, sizeof(zero)), 0);
    CU_ASSERT_PTR_NULL(pkt->l3.p);
    CU_ASSERT_PTR_EQUAL(v->p, raw);
    CU_ASSERT_EQUAL(v->len, cap);
}

static void test_ipv4_header_length_edges(void)
{
    struct packet pkt;
    struct view v;

    /* IHL 0 to 4: shorter than the fixed header, whatever was captured */
    uint8_t buf[40];
    memcpy(buf, ip_tcp, sizeof(buf));
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        buf[0] = (uint8_t)(0x40 | ihl);
        v = (struct view){ buf, sizeof(buf) };
        memset(&pkt, 0, sizeof(pkt));
        CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_MALFORMED);
        CU_ASSERT_EQUAL(pkt.anomalies, ANOM_BIT(ANOM_IPV4_BAD_HDR_LEN));
        CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_IPV4_BAD_HDR_LEN);
        CU_ASSERT_EQUAL(pkt.status, DISSECT_MALFORMED);
        assert_nothing_decoded(&pkt, &v, buf, sizeof(buf));
    }

    /* IHL 6 (four NOPs), total 28, cut at every byte: the header needs 24 */
    static const uint8_t raw[] = {
        0x46, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0x01, 0x01, 0x01, 0x01, /* NOP x 4 */
        0xaa, 0xbb, 0xcc, 0xdd, /* payload */
    };
    for (size_t cap = 0; cap <= sizeof(raw); cap++) {
        v = (struct view){ raw, cap };
        memset(&pkt, 0, sizeof(pkt));
        enum dissect_status st = ipv4_dissect(&v, &pkt, 0);
        if (cap < 24) {
            CU_ASSERT_EQUAL(st, DISSECT_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.anomalies, ANOM_BIT(ANOM_IPV4_TRUNCATED));
            CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_IPV4_TRUNCATED);
            assert_nothing_decoded(&pkt, &v, raw, cap);
            continue;
        }
        CU_ASSERT_EQUAL(st, DISSECT_OK);
        CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
        CU_ASSERT_EQUAL(pkt.anomalies, cap < 28 ? ANOM_BIT(ANOM_IPV4_CUT_BY_SNAPLEN) : 0);
        CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
        CU_ASSERT_EQUAL(pkt.ip_version, 4);
        CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_UDP);
        CU_ASSERT_EQUAL(pkt.ip_hdr_len, 24);
        CU_ASSERT_EQUAL(pkt.ip_len, 28);
        CU_ASSERT_EQUAL(memcmp(pkt.dst.b, "\x0a\x00\x00\x02", 4), 0);
        CU_ASSERT_PTR_EQUAL(pkt.l3.p, raw);
        CU_ASSERT_EQUAL(pkt.l3.len, cap);
        CU_ASSERT_PTR_EQUAL(v.p, raw + 24);
        CU_ASSERT_EQUAL(v.len, cap - 24);
    }

    /* IHL 15, the longest header: 40 option bytes, NOPs then EOL */
    uint8_t big[64] = { 0x4f, 0x00, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06 };
    memset(big + 20, 0x01, 39);
    big[59] = 0x00;
    v = (struct view){ big, sizeof(big) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 60);
    CU_ASSERT_EQUAL(pkt.ip_len, 64);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_EQUAL(v.len, 4);

    /* total length 23, inside the 24-byte header */
    uint8_t shortlen[sizeof(raw)];
    memcpy(shortlen, raw, sizeof(raw));
    shortlen[3] = 23;
    v = (struct view){ shortlen, sizeof(shortlen) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_MALFORMED);
    CU_ASSERT_EQUAL(pkt.anomalies, ANOM_BIT(ANOM_IPV4_BAD_TOTAL_LEN));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_IPV4_BAD_TOTAL_LEN);
    assert_nothing_decoded(&pkt, &v, shortlen, sizeof(shortlen));

    /* total length 0 (offload) with 22 bytes captured: the header is cut */
    shortlen[3] = 0;
    v = (struct view){ shortlen, 22 };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_TRUNCATED);
    CU_ASSERT_EQUAL(pkt.anomalies, ANOM_BIT(ANOM_IP_LEN_ZERO) | ANOM_BIT(ANOM_IPV4_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_IPV4_TRUNCATED);
    assert_nothing_decoded(&pkt, &v, shortlen, 22);
}

static void test_ipv4_addresses_whole(void)
{
    /* a record that held IPv6 addresses: the IPv4 ones are written with their
     * other 12 bytes zero (flow keys and hashes compare all 16) */
    struct view v = { ip_tcp, sizeof(ip_tcp) };
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    memset(&pkt.src, 0xee, sizeof(pkt.src));
    memset(&pkt.dst, 0xee, sizeof(pkt.dst));
    CU_ASSERT_EQUAL(ipv4_dissect(&v, &pkt, 0), DISSECT_OK);
    static const uint8_t src[16] = { 10, 0, 0, 1 }, dst[16] = { 10, 0, 0, 2 };
    CU_ASSERT_EQUAL(memcmp(pkt.src.b, src, 16), 0);
    CU_ASSERT_EQUAL(memcmp(pkt.dst.b, dst, 16), 0);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "basic header, padding clamped", test_ipv4_basic },
        { "header checksum", test_ipv4_checksum },
        { "options", test_ipv4_options },
        { "bad options", test_ipv4_bad_options },
        { "truncated", test_ipv4_truncated },
        { "bad version, IHL, total length", test_ipv4_bad_fields },
        { "cut by snaplen", test_ipv4_cut_by_snaplen },
        { "total length past the frame", test_ipv4_total_len_past_frame },
        { "total length zero (TSO)", test_ipv4_total_len_zero },
        { "fragments", test_ipv4_fragment },
        { "a fragment with MF and a length not a multiple of 8", test_ipv4_fragment_odd_length },
        { "quoted in ICMP", test_ipv4_quoted },
        { "header length edges, cut at every byte", test_ipv4_header_length_edges },
        { "addresses written whole", test_ipv4_addresses_whole },
        { NULL, NULL },
    };
    return add_suite("ipv4", tests);
}
