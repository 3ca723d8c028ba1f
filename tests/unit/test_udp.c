/* test_udp.c - udp_dissect: header, length rules, checksum over IPv4 and IPv6. */
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

/* 40000 -> 53, length 13, checksum 0x0b8a for 10.0.0.1 -> 10.0.0.2, "hello" */
static const uint8_t dgram4[] = {
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x0d, 0x0b, 0x8a, 'h', 'e', 'l', 'l', 'o',
};
/* the same datagram between 2001:db8::1 and 2001:db8::2: checksum 0xc417 */
static const uint8_t dgram6[] = {
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x0d, 0xc4, 0x17, 'h', 'e', 'l', 'l', 'o',
};

static void ip_ctx(struct packet *pkt, int version, uint32_t l4_len)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->ip_version = (uint8_t)version;
    pkt->proto = IPPROTO_NUM_UDP;
    if (version == 4) {
        pkt->src.b[0] = pkt->dst.b[0] = 10;
        pkt->src.b[3] = 1;
        pkt->dst.b[3] = 2;
        pkt->ip_hdr_len = 20;
    } else {
        pkt->src.b[0] = pkt->dst.b[0] = 0x20;
        pkt->src.b[1] = pkt->dst.b[1] = 0x01;
        pkt->src.b[2] = pkt->dst.b[2] = 0x0d;
        pkt->src.b[3] = pkt->dst.b[3] = 0xb8;
        pkt->src.b[15] = 1;
        pkt->dst.b[15] = 2;
        pkt->ip_hdr_len = 40;
    }
    pkt->ip_len = pkt->ip_hdr_len + l4_len;
    pkt->verify_checksums = true;
}

static void test_udp_basic(void)
{
    struct view v = { dgram4, sizeof(dgram4) };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(dgram4));
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.sport, 40000);
    CU_ASSERT_EQUAL(pkt.dport, 53);
    CU_ASSERT_EQUAL(pkt.udp_len, 13);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 5);
    CU_ASSERT_EQUAL(pkt.payload.len, 5);
    CU_ASSERT_EQUAL(memcmp(pkt.payload.p, "hello", 5), 0);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_udp_checksum(void)
{
    uint8_t buf[sizeof(dgram4)];
    memcpy(buf, dgram4, sizeof(buf));
    buf[12] = '!';
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(buf));
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_BAD);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_UDP_BAD_CHECKSUM));

    /* checksum 0 over IPv4: none was sent */
    buf[6] = buf[7] = 0;
    v = (struct view){ buf, sizeof(buf) };
    ip_ctx(&pkt, 4, sizeof(buf));
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_UNKNOWN);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_udp_checksum_v6(void)
{
    struct view v = { dgram6, sizeof(dgram6) };
    struct packet pkt;
    ip_ctx(&pkt, 6, sizeof(dgram6));
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);

    /* zero is not allowed over IPv6 */
    uint8_t buf[sizeof(dgram6)];
    memcpy(buf, dgram6, sizeof(buf));
    buf[6] = buf[7] = 0;
    v = (struct view){ buf, sizeof(buf) };
    ip_ctx(&pkt, 6, sizeof(buf));
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_BAD);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_UDP_BAD_CHECKSUM));
}

static void test_udp_length_shorter_than_header(void)
{
    /* sport 53, dport 40000, len 7 (< 8), csum 0 */
    static const uint8_t raw[] = { 0x00, 0x35, 0x9c, 0x40, 0x00, 0x07, 0x00, 0x00 };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt = { 0 };
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_UDP_BAD_LENGTH));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_UDP_BAD_LENGTH);
    CU_ASSERT_NOT_EQUAL(pkt.layer, LAYER_L4);
}

static void test_udp_length_beyond_ip(void)
{
    /* UDP says 13 bytes, the IP payload is 10: the IP length wins */
    struct view v = { dgram4, 10 };
    struct packet pkt;
    ip_ctx(&pkt, 4, 10);
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_UDP_BAD_LENGTH));
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 2);
    CU_ASSERT_EQUAL(pkt.payload.len, 2);
    CU_ASSERT_EQUAL(pkt.udp_len, 13);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
}

static void test_udp_length_shorter_than_ip(void)
{
    /* IP payload 13 but UDP length 10: the 3 extra bytes are not UDP payload */
    uint8_t buf[sizeof(dgram4)];
    memcpy(buf, dgram4, sizeof(buf));
    buf[5] = 10;
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(buf));
    pkt.verify_checksums = false;
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 2);
    CU_ASSERT_EQUAL(pkt.payload.len, 2);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_udp_headers_only(void)
{
    /* 8 of 13 bytes captured: lengths from the header, no checksum check */
    struct view v = { dgram4, 8 };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(dgram4));
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 5);
    CU_ASSERT_EQUAL(pkt.payload.len, 0);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_UNKNOWN);
}

static void test_udp_truncated(void)
{
    struct view v = { dgram4, 7 };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(dgram4));
    CU_ASSERT_EQUAL(udp_dissect(&v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_UDP_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_UDP_TRUNCATED);
    CU_ASSERT_EQUAL(pkt.sport, 40000); /* ports were readable */
    CU_ASSERT_EQUAL(pkt.dport, 53);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "basic datagram", test_udp_basic },
        { "checksum over IPv4, zero checksum", test_udp_checksum },
        { "checksum over IPv6, zero not allowed", test_udp_checksum_v6 },
        { "length shorter than header", test_udp_length_shorter_than_header },
        { "length beyond the IP payload", test_udp_length_beyond_ip },
        { "length shorter than the IP payload", test_udp_length_shorter_than_ip },
        { "headers-only capture", test_udp_headers_only },
        { "truncated", test_udp_truncated },
        { NULL, NULL },
    };
    return add_suite("udp", tests);
}
