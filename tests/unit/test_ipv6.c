/* test_ipv6.c - ipv6_dissect: fixed header, extension chain, fragments, jumbograms. */
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

/* 2001:db8::1 and 2001:db8::2 */
#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02
/* version 6, traffic class 0, flow label 0; payload length; next header; hop limit 64 */
#define HDR6(plen, nh) 0x60, 0x00, 0x00, 0x00, (plen) >> 8, (plen)&0xff, (nh), 64, SRC6, DST6

static enum dissect_status run(const uint8_t *raw, size_t len, struct view *v, struct packet *pkt)
{
    *v = (struct view){ raw, len };
    memset(pkt, 0, sizeof(*pkt));
    return ipv6_dissect(v, pkt, 0);
}

static void test_ipv6_basic(void)
{
    static const uint8_t raw[] = {
        HDR6(8, 17),
        0x00, 0x35, 0x9c, 0x40, 0x00, 0x08, 0x00, 0x00, /* UDP header */
        0x00, 0x00,                                     /* link padding */
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ip_version, 6);
    CU_ASSERT_EQUAL(pkt.ttl, 64);
    CU_ASSERT_EQUAL(pkt.proto, 17);
    CU_ASSERT_EQUAL(pkt.ip_len, 48);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 40);
    CU_ASSERT_EQUAL(pkt.src.b[15], 1);
    CU_ASSERT_EQUAL(pkt.dst.b[15], 2);
    CU_ASSERT_EQUAL(pkt.src.b[1], 0x01);
    CU_ASSERT_EQUAL(v.len, 8);
    CU_ASSERT_PTR_EQUAL(v.p, raw + 40);
    CU_ASSERT_PTR_EQUAL(pkt.l3.p, raw);
    CU_ASSERT_EQUAL(pkt.l3.len, 48);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_ipv6_ext_chain(void)
{
    static const uint8_t raw[] = {
        HDR6(28, 0),
        43, 0, 0x01, 0x04, 0, 0, 0, 0, /* hop-by-hop: next routing, 8 bytes, PadN */
        60, 0, 0, 0, 0, 0, 0, 0,       /* routing: next dst opts, type 0, segments left 0 */
        6, 0, 0x01, 0x04, 0, 0, 0, 0,  /* destination options: next TCP, PadN */
        0xde, 0xad, 0xbe, 0xef,        /* start of the TCP header */
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.proto, 6);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 64);
    CU_ASSERT_EQUAL(pkt.ip_len, 68);
    CU_ASSERT_EQUAL(v.len, 4);
    CU_ASSERT_EQUAL(v.p[0], 0xde);
    CU_ASSERT_FALSE(pkt.is_fragment);
}

static void test_ipv6_fragment(void)
{
    static const uint8_t raw[] = {
        HDR6(16, 44),
        17, 0, 0x05, 0xc9, 0xde, 0xad, 0xbe, 0xef, /* next UDP, offset 185*8 = 1480, M, id */
        1, 2, 3, 4, 5, 6, 7, 8,                   /* fragment data */
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_OK);
    CU_ASSERT(pkt.is_fragment);
    CU_ASSERT(pkt.more_frags);
    CU_ASSERT_EQUAL(pkt.frag_offset_bytes, 1480);
    CU_ASSERT_EQUAL(pkt.frag_id, 0xdeadbeef);
    CU_ASSERT_EQUAL(pkt.proto, 17);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 48);
    CU_ASSERT_EQUAL(v.len, 8);
    CU_ASSERT_EQUAL(v.p[0], 1);
}

static void test_ipv6_atomic_fragment(void)
{
    static const uint8_t raw[] = {
        HDR6(16, 44),
        17, 0, 0x00, 0x00, 0, 0, 0, 7,                  /* offset 0, M 0: atomic */
        0x00, 0x35, 0x9c, 0x40, 0x00, 0x08, 0x00, 0x00, /* UDP */
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_OK);
    CU_ASSERT_FALSE(pkt.is_fragment);
    CU_ASSERT_EQUAL(pkt.proto, 17);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 48);
    CU_ASSERT_EQUAL(v.len, 8);
}

static void test_ipv6_ah_esp_none_mobility(void)
{
    static const uint8_t ah[] = {
        HDR6(28, 51),
        6, 4, 0, 0,             /* AH: next TCP, length 4 -> (4+2)*4 = 24 bytes */
        0, 0, 0, 1, 0, 0, 0, 1, /* SPI, sequence */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ICV */
        0xaa, 0xbb, 0xcc, 0xdd,
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(ah, sizeof(ah), &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.proto, 6);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 64);
    CU_ASSERT_EQUAL(v.p[0], 0xaa);

    static const uint8_t esp[] = { HDR6(8, 50), 0, 0, 0, 1, 0, 0, 0, 1 };
    CU_ASSERT_EQUAL(run(esp, sizeof(esp), &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.proto, 50);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 40);
    CU_ASSERT_EQUAL(v.len, 8);

    static const uint8_t none[] = { HDR6(0, 59) };
    CU_ASSERT_EQUAL(run(none, sizeof(none), &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.proto, 59);
    CU_ASSERT_EQUAL(pkt.ip_len, 40);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    static const uint8_t mob[] = { HDR6(8, 135), 59, 0, 0, 0, 0, 0, 0, 0 };
    CU_ASSERT_EQUAL(run(mob, sizeof(mob), &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.proto, 135);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 40);
}

/* A payload length past the end of a whole frame is a lie, not a headers-only
 * capture (test_ipv4's twin). */
static void test_ipv6_payload_len_past_frame(void)
{
    static const uint8_t raw[] = {
        HDR6(16, 17),
        0x00, 0x35, 0x9c, 0x40, 0x00, 0x10, 0x00, 0x00, /* 8 of 16 payload bytes */
    };
    struct view v = {raw, sizeof(raw)};
    struct packet pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.cap_len = pkt.wire_len = sizeof(raw);
    CU_ASSERT_EQUAL(ipv6_dissect(&v, &pkt, 0), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_BAD_PAYLOAD_LEN));
    v = (struct view){raw, sizeof(raw)};
    memset(&pkt, 0, sizeof(pkt));
    pkt.cap_len = sizeof(raw);
    pkt.wire_len = sizeof(raw) + 8; /* the 8 were cut by the snaplen */
    CU_ASSERT_EQUAL(ipv6_dissect(&v, &pkt, 0), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_CUT_BY_SNAPLEN));
    CU_ASSERT(!HAS_ANOM(pkt, ANOM_IPV6_BAD_PAYLOAD_LEN));
}

static void test_ipv6_ext_truncated(void)
{
    /* hop-by-hop of 16 bytes inside a 16-byte payload, capture ends after 12 */
    static const uint8_t raw[] = {
        HDR6(16, 0),
        17, 1, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, /* 12 of 16 bytes */
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_EXT_TRUNCATED));
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_CUT_BY_SNAPLEN));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_IPV6_EXT_TRUNCATED);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_NONE);

    /* only the next-header byte of the extension was captured */
    CU_ASSERT_EQUAL(run(raw, 41, &v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_EXT_TRUNCATED));
}

static void test_ipv6_ext_malformed(void)
{
    /* hop-by-hop claims 16 bytes but the payload length is 8 */
    static const uint8_t raw[] = {
        HDR6(8, 0),
        17, 1, 0x01, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_EXT_MALFORMED));
}

static void test_ipv6_ext_loop_bounded(void)
{
    /* 17 destination-options headers, each pointing at the next */
    enum { N = IPV6_MAX_EXT_HDRS + 1 };
    static const uint8_t hdr[] = { HDR6(N * 8, 60) };
    size_t len = sizeof(hdr) + N * 8;
    uint8_t *buf = calloc(1, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    memcpy(buf, hdr, sizeof(hdr));
    for (size_t i = 0; i < N; i++) {
        buf[sizeof(hdr) + i * 8] = 60; /* next: destination options again */
        buf[sizeof(hdr) + i * 8 + 2] = 0x01; /* PadN, 4 bytes */
        buf[sizeof(hdr) + i * 8 + 3] = 0x04;
    }
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(buf, len, &v, &pkt), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_EXT_MALFORMED));

    /* exactly IPV6_MAX_EXT_HDRS is fine: make the last one point at No Next Header */
    buf[sizeof(hdr) + (N - 2) * 8] = 59;
    CU_ASSERT_EQUAL(run(buf, len, &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.proto, 59);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 40 + (N - 1) * 8);
    free(buf);
}

static void test_ipv6_jumbogram(void)
{
    /* payload length 0, hop-by-hop with a jumbo payload option of 65552 bytes;
     * only the start of the datagram was captured */
    static const uint8_t raw[] = {
        HDR6(0, 0),
        17, 0, 0xc2, 0x04, 0x00, 0x01, 0x00, 0x10,     /* next UDP, jumbo 0x00010010 */
        0x00, 0x35, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x00, /* UDP, length 0 (jumbo) */
    };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ip_len, 40 + 65552);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 48);
    CU_ASSERT_EQUAL(pkt.proto, 17);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_CUT_BY_SNAPLEN));
    CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_IP_LEN_ZERO));
}

static void test_ipv6_payload_len_zero(void)
{
    /* payload length 0 without a jumbo option (segmentation offload): use the capture */
    static const uint8_t raw[] = { HDR6(0, 6), 0, 80, 0, 81, 0, 0, 0, 1 };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IP_LEN_ZERO));
    CU_ASSERT_EQUAL(pkt.ip_len, 48);
    CU_ASSERT_EQUAL(v.len, 8);
}

static void test_ipv6_bad(void)
{
    static const uint8_t raw[] = { HDR6(0, 59) };
    uint8_t buf[sizeof(raw)];
    memcpy(buf, raw, sizeof(buf));
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(buf, 39, &v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_TRUNCATED));
    CU_ASSERT_EQUAL(v.len, 39);

    buf[0] = 0x40; /* version 4 */
    CU_ASSERT_EQUAL(run(buf, sizeof(buf), &v, &pkt), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_BAD_VERSION));
    CU_ASSERT_EQUAL(v.len, sizeof(buf)); /* unchanged on failure */
}

static void test_ipv6_cut_by_snaplen(void)
{
    static const uint8_t raw[] = { HDR6(100, 17), 0x00, 0x35, 0x9c, 0x40, 0x00, 0x64, 0, 0 };
    struct view v;
    struct packet pkt;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), &v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_IPV6_CUT_BY_SNAPLEN));
    CU_ASSERT_EQUAL(pkt.ip_len, 140);
    CU_ASSERT_EQUAL(v.len, 8);

    /* quoted: the same short header gives no anomaly */
    v = (struct view){ raw, sizeof(raw) };
    memset(&pkt, 0, sizeof(pkt));
    CU_ASSERT_EQUAL(ipv6_dissect(&v, &pkt, IP_DISSECT_QUOTED), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_PTR_NULL(pkt.l3.p);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "basic header, padding clamped", test_ipv6_basic },
        { "hop-by-hop, routing, destination options", test_ipv6_ext_chain },
        { "fragment header", test_ipv6_fragment },
        { "atomic fragment", test_ipv6_atomic_fragment },
        { "AH, ESP, no next header, mobility", test_ipv6_ah_esp_none_mobility },
        { "payload length past the frame", test_ipv6_payload_len_past_frame },
        { "extension header truncated", test_ipv6_ext_truncated },
        { "extension header beyond payload length", test_ipv6_ext_malformed },
        { "extension chain bounded", test_ipv6_ext_loop_bounded },
        { "jumbogram", test_ipv6_jumbogram },
        { "payload length zero (TSO)", test_ipv6_payload_len_zero },
        { "truncated, bad version", test_ipv6_bad },
        { "cut by snaplen, quoted", test_ipv6_cut_by_snaplen },
        { NULL, NULL },
    };
    return add_suite("ipv6", tests);
}
