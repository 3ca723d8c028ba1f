/* test_icmp.c - icmp4_dissect / icmp6_dissect: echo, errors and their quotes, MTU, checksums. */
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02

/* pkt as the IP dissector leaves it: v4 10.0.0.2 -> 10.0.0.1, v6 2001:db8::2 -> ::1 */
static void ip_ctx(struct packet *pkt, int version, uint32_t l4_len)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->ip_version = (uint8_t)version;
    if (version == 4) {
        pkt->src.b[0] = pkt->dst.b[0] = 10;
        pkt->src.b[3] = 2;
        pkt->dst.b[3] = 1;
        pkt->ip_hdr_len = 20;
    } else {
        static const uint8_t a[16] = { SRC6 }, b[16] = { DST6 };
        memcpy(pkt->src.b, b, 16);
        memcpy(pkt->dst.b, a, 16);
        pkt->ip_hdr_len = 40;
    }
    pkt->ip_len = pkt->ip_hdr_len + l4_len;
    pkt->verify_checksums = true;
}

/* port unreachable for UDP 10.0.0.1:40000 -> 10.0.0.2:53, checksum 0xbbb9 */
static const uint8_t unreach[] = {
    0x03, 0x03, 0xbb, 0xb9, 0x00, 0x00, 0x00, 0x00, /* type 3 code 3, checksum, unused */
    0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, /* quoted IPv4, total 33 */
    0x40, 0x11, 0x00, 0x00,                         /* TTL 64, UDP, checksum (not checked) */
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, /* 10.0.0.1 -> 10.0.0.2 */
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x0d, 0x0b, 0x8a, /* quoted UDP: 40000 -> 53 */
};

static void test_icmp4_echo(void)
{
    /* echo request id 0x1234 seq 1 "ping", checksum 0x06fa */
    uint8_t raw[] = { 0x08, 0x00, 0x06, 0xfa, 0x12, 0x34, 0x00, 0x01, 'p', 'i', 'n', 'g' };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(raw));
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.icmp.type, 8);
    CU_ASSERT_EQUAL(pkt.icmp.code, 0);
    CU_ASSERT_FALSE(pkt.icmp.is_error);
    CU_ASSERT_FALSE(pkt.icmp.is_v6);
    CU_ASSERT_EQUAL(pkt.icmp.echo_id, 0x1234);
    CU_ASSERT_EQUAL(pkt.icmp.echo_seq, 1);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 4);
    CU_ASSERT_EQUAL(pkt.payload.len, 4);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.sport, 0);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    raw[8] = 'P';
    v = (struct view){ raw, sizeof(raw) };
    ip_ctx(&pkt, 4, sizeof(raw));
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_BAD);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ICMP_BAD_CHECKSUM));
}

static void test_icmp4_port_unreachable(void)
{
    struct view v = { unreach, sizeof(unreach) };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(unreach));
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(pkt.icmp.is_error);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    const struct icmp_quote *q = &pkt.icmp.quote;
    CU_ASSERT(q->valid);
    CU_ASSERT(q->has_ports);
    CU_ASSERT_EQUAL(q->ip_version, 4);
    CU_ASSERT_EQUAL(q->proto, IPPROTO_NUM_UDP);
    CU_ASSERT_EQUAL(q->src.b[3], 1);
    CU_ASSERT_EQUAL(q->dst.b[3], 2);
    CU_ASSERT_EQUAL(q->sport, 40000);
    CU_ASSERT_EQUAL(q->dport, 53);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_icmp4_frag_needed(void)
{
    /* type 3 code 4, next-hop MTU 1400, quoting TCP 10.0.0.1:40000 -> 10.0.0.2:443 seq 7 */
    static const uint8_t raw[] = {
        0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0x78,
        0x45, 0x00, 0x05, 0xdc, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x07, /* ports, seq */
    };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(raw));
    pkt.verify_checksums = false;
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.icmp.mtu, 1400);
    CU_ASSERT(pkt.icmp.quote.has_ports);
    CU_ASSERT_EQUAL(pkt.icmp.quote.proto, IPPROTO_NUM_TCP);
    CU_ASSERT_EQUAL(pkt.icmp.quote.dport, 443);
    CU_ASSERT_EQUAL(pkt.icmp.quote.tcp_seq, 7);
    CU_ASSERT_EQUAL(pkt.anomalies, 0); /* the quoted datagram is 1500 bytes: no anomaly */
}

static void test_icmp4_quote_truncated(void)
{
    /* only 4 transport bytes quoted: ports known, quote flagged short */
    struct view v = { unreach, sizeof(unreach) - 4 };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(unreach) - 4);
    pkt.verify_checksums = false;
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ICMP_QUOTE_TRUNCATED));
    CU_ASSERT(pkt.icmp.quote.valid);
    CU_ASSERT(pkt.icmp.quote.has_ports);
    CU_ASSERT_EQUAL(pkt.icmp.quote.dport, 53);
    CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);

    /* the quoted IP header itself is cut */
    v = (struct view){ unreach, 20 };
    ip_ctx(&pkt, 4, 20);
    pkt.verify_checksums = false;
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ICMP_QUOTE_TRUNCATED));
    CU_ASSERT_FALSE(pkt.icmp.quote.valid);
    CU_ASSERT_FALSE(pkt.icmp.quote.has_ports);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
}

static void test_icmp4_quote_malformed(void)
{
    uint8_t buf[sizeof(unreach)];
    memcpy(buf, unreach, sizeof(buf));
    buf[8] = 0x43; /* quoted IHL 3 */
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(buf));
    pkt.verify_checksums = false;
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ICMP_QUOTE_MALFORMED));
    CU_ASSERT_FALSE(pkt.icmp.quote.valid);
    CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
}

static void test_icmp_truncated(void)
{
    struct view v = { unreach, 7 };
    struct packet pkt;
    ip_ctx(&pkt, 4, sizeof(unreach));
    CU_ASSERT_EQUAL(icmp4_dissect(&v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ICMP_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_ICMP_TRUNCATED);
    CU_ASSERT_NOT_EQUAL(pkt.layer, LAYER_L4);
}

static void test_icmp6_echo(void)
{
    /* echo request id 0x1234 seq 1 "ping" from 2001:db8::1 to ::2, checksum 0x333e */
    static const uint8_t raw[] = { 0x80, 0x00, 0x33, 0x3e, 0x12, 0x34, 0x00, 0x01,
                                   'p', 'i', 'n', 'g' };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, 6, sizeof(raw));
    /* this one goes ::1 -> ::2 */
    struct ip_addr t = pkt.src;
    pkt.src = pkt.dst;
    pkt.dst = t;
    CU_ASSERT_EQUAL(icmp6_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(pkt.icmp.is_v6);
    CU_ASSERT_EQUAL(pkt.icmp.type, 128);
    CU_ASSERT_EQUAL(pkt.icmp.echo_id, 0x1234);
    CU_ASSERT_EQUAL(pkt.icmp.echo_seq, 1);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_FALSE(pkt.icmp.is_error);

    /* the same bytes from 2001:db8::3 fail the pseudo-header sum */
    v = (struct view){ raw, sizeof(raw) };
    ip_ctx(&pkt, 6, sizeof(raw));
    pkt.src.b[15] = 3;
    CU_ASSERT_EQUAL(icmp6_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_BAD);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ICMP_BAD_CHECKSUM));
}

static void test_icmp6_packet_too_big(void)
{
    /* type 2, MTU 1280, quoting TCP 2001:db8::1:40000 -> [2001:db8::2]:443, seq 0x11223344 */
    static const uint8_t raw[] = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
        0x60, 0x00, 0x00, 0x00, 0x05, 0xb4, 0x06, 0x40, SRC6, DST6, /* payload 1460, TCP */
        0x9c, 0x40, 0x01, 0xbb, 0x11, 0x22, 0x33, 0x44,
    };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, 6, sizeof(raw));
    pkt.verify_checksums = false;
    CU_ASSERT_EQUAL(icmp6_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(pkt.icmp.is_error);
    CU_ASSERT_EQUAL(pkt.icmp.mtu, 1280);
    CU_ASSERT(pkt.icmp.quote.valid);
    CU_ASSERT_EQUAL(pkt.icmp.quote.ip_version, 6);
    CU_ASSERT_EQUAL(pkt.icmp.quote.src.b[15], 1);
    CU_ASSERT_EQUAL(pkt.icmp.quote.sport, 40000);
    CU_ASSERT_EQUAL(pkt.icmp.quote.dport, 443);
    CU_ASSERT_EQUAL(pkt.icmp.quote.tcp_seq, 0x11223344);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_icmp6_unreachable_quote_short(void)
{
    /* type 1 code 4 (port unreachable) with a quote cut inside the IPv6 header */
    static const uint8_t raw[] = {
        0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, SRC6, /* no destination */
    };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, 6, sizeof(raw));
    pkt.verify_checksums = false;
    CU_ASSERT_EQUAL(icmp6_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(pkt.icmp.is_error);
    CU_ASSERT_EQUAL(pkt.icmp.code, 4);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_ICMP_QUOTE_TRUNCATED));
    CU_ASSERT_FALSE(pkt.icmp.quote.valid);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "ICMP echo and checksum", test_icmp4_echo },
        { "ICMP port unreachable quoting UDP", test_icmp4_port_unreachable },
        { "ICMP fragmentation needed quoting TCP", test_icmp4_frag_needed },
        { "ICMP quote truncated", test_icmp4_quote_truncated },
        { "ICMP quote malformed", test_icmp4_quote_malformed },
        { "ICMP truncated", test_icmp_truncated },
        { "ICMPv6 echo and checksum", test_icmp6_echo },
        { "ICMPv6 packet too big quoting TCP", test_icmp6_packet_too_big },
        { "ICMPv6 unreachable with short quote", test_icmp6_unreachable_quote_short },
        { NULL, NULL },
    };
    return add_suite("icmp", tests);
}
