/* test_tcp.c - tcp_dissect: header, options, lengths from the IP header, checksum. */
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

/* SYN 10.0.0.1:40000 -> 10.0.0.2:80, data offset 10 (40 bytes), checksum 0x9875 */
static const uint8_t syn[] = {
    0x9c, 0x40, 0x00, 0x50, /* sport 40000, dport 80 */
    0x01, 0x02, 0x03, 0x04, /* seq */
    0x00, 0x00, 0x00, 0x00, /* ack */
    0xa0, 0x02, 0xfa, 0xf0, /* data offset 10, SYN, window 64240 */
    0x98, 0x75, 0x00, 0x00, /* checksum, urgent pointer */
    0x02, 0x04, 0x05, 0xb4, /* MSS 1460 */
    0x04, 0x02,             /* SACK permitted */
    0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* TS val 1, ecr 0 */
    0x01,                   /* NOP */
    0x03, 0x03, 0x07,       /* window scale 7 */
};

/* ACK+PSH carrying "hello": seq 0x01020304, ack 5, data offset 5, checksum 0xbc66 */
static const uint8_t data[] = {
    0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x05,
    0x50, 0x18, 0xfa, 0xf0, 0xbc, 0x66, 0x00, 0x00,
    'h', 'e', 'l', 'l', 'o',
};

/* pkt as ipv4_dissect would leave it for 10.0.0.1 -> 10.0.0.2 with l4_len bytes of TCP */
static void ip_ctx(struct packet *pkt, uint32_t l4_len)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->ip_version = 4;
    pkt->proto = IPPROTO_NUM_TCP;
    pkt->src.b[0] = pkt->dst.b[0] = 10;
    pkt->src.b[3] = 1;
    pkt->dst.b[3] = 2;
    pkt->ip_hdr_len = 20;
    pkt->ip_len = 20 + l4_len;
    pkt->layer = LAYER_L3;
}

/* The fixed header of the SYN the tests below dissect (40000 -> 80, ISN
 * 0x01020304, window 64240, data offset 10). */
static void assert_syn_fixed_header(const struct packet *pkt)
{
    CU_ASSERT_EQUAL(pkt->sport, 40000);
    CU_ASSERT_EQUAL(pkt->dport, 80);
    CU_ASSERT_EQUAL(pkt->tcp.seq, 0x01020304);
    CU_ASSERT_EQUAL(pkt->tcp.ack, 0);
    CU_ASSERT_EQUAL(pkt->tcp.flags, TCP_SYN);
    CU_ASSERT_EQUAL(pkt->tcp.window, 64240);
    CU_ASSERT_EQUAL(pkt->tcp.data_off_bytes, 40);
}

static void test_tcp_syn_options(void)
{
    struct view v = { syn, sizeof(syn) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(syn));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    assert_syn_fixed_header(&pkt);
    CU_ASSERT(pkt.tcp.has_mss);
    CU_ASSERT_EQUAL(pkt.tcp.mss, 1460);
    CU_ASSERT(pkt.tcp.sack_permitted);
    CU_ASSERT(pkt.tcp.has_ts);
    CU_ASSERT_EQUAL(pkt.tcp.ts_val, 1);
    CU_ASSERT_EQUAL(pkt.tcp.ts_ecr, 0);
    CU_ASSERT(pkt.tcp.has_wscale);
    CU_ASSERT_EQUAL(pkt.tcp.wscale, 7);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 0);
    CU_ASSERT_EQUAL(pkt.payload.len, 0);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_tcp_payload_and_checksum(void)
{
    uint8_t buf[sizeof(data)];
    memcpy(buf, data, sizeof(buf));
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(buf));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.tcp.flags, TCP_ACK | TCP_PSH);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 5);
    CU_ASSERT_EQUAL(pkt.payload.len, 5);
    CU_ASSERT_EQUAL(memcmp(pkt.payload.p, "hello", 5), 0);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);

    buf[20] = 'j'; /* "jello": checksum fails, still decoded */
    v = (struct view){ buf, sizeof(buf) };
    ip_ctx(&pkt, sizeof(buf));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_BAD);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_TCP_BAD_CHECKSUM));
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
}

static void test_tcp_headers_only_capture(void)
{
    /* the IP header says 20 + 1000 bytes of payload; only the TCP header was captured */
    struct view v = { data, 20 };
    struct packet pkt;
    ip_ctx(&pkt, 1020);
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 1000);
    CU_ASSERT_EQUAL(pkt.payload.len, 0);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_UNKNOWN); /* not fully captured: not checked */
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_tcp_ns_flag(void)
{
    uint8_t buf[20];
    memcpy(buf, data, sizeof(buf));
    buf[12] = 0x51; /* data offset 5, NS */
    buf[13] = 0xc2; /* CWR, ECE, SYN */
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    ip_ctx(&pkt, 20);
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.tcp.flags, 0x100 | TCP_CWR | TCP_ECE | TCP_SYN);
}

static void test_tcp_sack_blocks(void)
{
    static const uint8_t raw[] = {
        0x00, 0x50, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 2,
        0xa0, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* data offset 10, ACK */
        0x01, 0x01,                                     /* NOP NOP */
        0x05, 0x12,                                     /* SACK, 2 blocks (18 bytes) */
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00, /* 4096-8192 */
        0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x40, 0x00, /* 12288-16384 */
    };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(raw));
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.tcp.n_sack, 2);
    CU_ASSERT_EQUAL(pkt.tcp.sack[0][0], 0x1000);
    CU_ASSERT_EQUAL(pkt.tcp.sack[0][1], 0x2000);
    CU_ASSERT_EQUAL(pkt.tcp.sack[1][0], 0x3000);
    CU_ASSERT_EQUAL(pkt.tcp.sack[1][1], 0x4000);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

/* A SYN whose data offset is 8: MSS (bytes 20-24), then timestamps with length
 * 0 (24-26), NOPs to 32, then two bytes of payload. */
static const uint8_t syn_bad_ts_option[] = {
    0x00, 0x50, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0,
    0x80, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, /* data offset 8, SYN */
    0x02, 0x04, 0x05, 0xb4,                         /* MSS 1460 */
    0x08, 0x00,                                     /* timestamps, length 0 */
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    'x', 'y',                                       /* payload */
};

static void test_tcp_bad_options(void)
{
    /* MSS parsed, then an option with length 0: the walk stops, MSS is kept */
    struct view v = { syn_bad_ts_option, 32 }; /* no payload */
    struct packet pkt;
    ip_ctx(&pkt, 32);
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_TCP_BAD_OPTIONS));
    CU_ASSERT(pkt.tcp.has_mss);
    CU_ASSERT_EQUAL(pkt.tcp.mss, 1460);
    CU_ASSERT_FALSE(pkt.tcp.has_ts);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);

    /* window scale with length 4 (must be 3) running past the option area */
    static const uint8_t raw2[] = {
        0x00, 0x50, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0,
        0x60, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, /* data offset 6 */
        0x01, 0x01, 0x03, 0x04,                         /* NOP NOP WS len 4 */
    };
    v = (struct view){ raw2, sizeof(raw2) };
    ip_ctx(&pkt, sizeof(raw2));
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_TCP_BAD_OPTIONS));
    CU_ASSERT_FALSE(pkt.tcp.has_wscale);
}

static void test_tcp_bad_data_offset(void)
{
    uint8_t buf[sizeof(data)];
    memcpy(buf, data, sizeof(buf));
    buf[12] = 0x40; /* data offset 4 (16 bytes) */
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(buf));
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_TCP_BAD_DATA_OFFSET));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_TCP_BAD_DATA_OFFSET);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);

    buf[12] = 0x70; /* data offset 7 (28 bytes) > the 25-byte segment */
    v = (struct view){ buf, sizeof(buf) };
    ip_ctx(&pkt, sizeof(buf));
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_TCP_BAD_DATA_OFFSET));
}

static void test_tcp_truncated(void)
{
    /* 6 bytes captured: ports are readable, the rest is not */
    struct view v = { data, 6 };
    struct packet pkt;
    ip_ctx(&pkt, 1020);
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_TCP_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_TCP_TRUNCATED);
    CU_ASSERT_EQUAL(pkt.sport, 40000);
    CU_ASSERT_EQUAL(pkt.dport, 80);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);

    /* 3 bytes: not even the ports */
    v = (struct view){ data, 3 };
    ip_ctx(&pkt, 1020);
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT_EQUAL(pkt.sport, 0);

    /* options cut: 30 of 40 header bytes; the fixed header is all a connection
     * needs, so the segment is decoded and the cut noted */
    v = (struct view){ syn, 30 };
    ip_ctx(&pkt, sizeof(syn));
    CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN));
    CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_TCP_TRUNCATED));
    CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_TCP_BAD_OPTIONS));
    CU_ASSERT_EQUAL(pkt.tcp.flags, TCP_SYN);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.payload.len, 0);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 0);
}

static void test_tcp_cut_at_every_byte(void)
{
    /* syn: fixed header to 20, MSS to 24, SACK permitted to 26, timestamps to 36,
     * NOP to 37, window scale to 40; the IP header says all 40 bytes were sent */
    for (size_t cap = 0; cap <= sizeof(syn); cap++) {
        struct view v = { syn, cap };
        struct packet pkt;
        ip_ctx(&pkt, sizeof(syn));
        enum dissect_status st = tcp_dissect(&v, &pkt);
        if (cap < 20) {
            CU_ASSERT_EQUAL(st, DISSECT_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.status, DISSECT_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_TCP_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.anomalies, ANOM_BIT(ANOM_TCP_TRUNCATED));
            CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
            CU_ASSERT_EQUAL(pkt.sport, cap >= 4 ? 40000 : 0);
            CU_ASSERT_EQUAL(pkt.dport, cap >= 4 ? 80 : 0);
            CU_ASSERT_EQUAL(pkt.tcp.seq, 0);
            CU_ASSERT_EQUAL(pkt.tcp.flags, 0);
            CU_ASSERT_EQUAL(pkt.tcp.data_off_bytes, 0);
            CU_ASSERT_EQUAL(pkt.l4_payload_len, 0);
            CU_ASSERT_PTR_NULL(pkt.payload.p);
            CU_ASSERT_PTR_EQUAL(v.p, syn); /* v unchanged */
            CU_ASSERT_EQUAL(v.len, cap);
            continue;
        }
        CU_ASSERT_EQUAL(st, DISSECT_OK);
        CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
        CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
        /* cut options are noted, never called bad */
        CU_ASSERT_EQUAL(pkt.anomalies, cap < 40 ? ANOM_BIT(ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN) : 0);
        assert_syn_fixed_header(&pkt);
        /* an option counts once it was captured whole */
        CU_ASSERT_EQUAL(pkt.tcp.has_mss, cap >= 24);
        CU_ASSERT_EQUAL(pkt.tcp.mss, cap >= 24 ? 1460 : 0);
        CU_ASSERT_EQUAL(pkt.tcp.sack_permitted, cap >= 26);
        CU_ASSERT_EQUAL(pkt.tcp.has_ts, cap >= 36);
        CU_ASSERT_EQUAL(pkt.tcp.ts_val, cap >= 36 ? 1 : 0);
        CU_ASSERT_EQUAL(pkt.tcp.ts_ecr, 0);
        CU_ASSERT_EQUAL(pkt.tcp.has_wscale, cap >= 40);
        CU_ASSERT_EQUAL(pkt.tcp.wscale, cap >= 40 ? 7 : 0);
        CU_ASSERT_EQUAL(pkt.tcp.n_sack, 0);
        CU_ASSERT_EQUAL(pkt.l4_payload_len, 0);
        CU_ASSERT_PTR_EQUAL(pkt.payload.p, syn + cap); /* past what was captured */
        CU_ASSERT_EQUAL(pkt.payload.len, 0);
        CU_ASSERT_PTR_EQUAL(v.p, syn + cap);
        CU_ASSERT_EQUAL(v.len, 0);
    }
}

static void test_tcp_bad_option_cut_at_every_byte(void)
{
    /* bad once the whole option area was captured, only cut before that */
    const uint8_t *raw = syn_bad_ts_option;
    for (size_t cap = 20; cap <= sizeof(syn_bad_ts_option); cap++) {
        struct view v = { raw, cap };
        struct packet pkt;
        ip_ctx(&pkt, sizeof(syn_bad_ts_option));
        CU_ASSERT_EQUAL(tcp_dissect(&v, &pkt), DISSECT_OK);
        uint64_t want = cap < 32 ? ANOM_BIT(ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN)
                                 : ANOM_BIT(ANOM_TCP_BAD_OPTIONS);
        CU_ASSERT_EQUAL(pkt.anomalies, want);
        CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
        CU_ASSERT_EQUAL(pkt.tcp.has_mss, cap >= 24);
        CU_ASSERT_FALSE(pkt.tcp.has_ts);
        CU_ASSERT_EQUAL(pkt.tcp.data_off_bytes, 32);
        CU_ASSERT_EQUAL(pkt.l4_payload_len, 2);
        CU_ASSERT_PTR_EQUAL(pkt.payload.p, raw + (cap < 32 ? cap : 32));
        CU_ASSERT_EQUAL(pkt.payload.len, cap < 32 ? 0 : cap - 32);
        CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    }
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "SYN with options", test_tcp_syn_options },
        { "payload and checksum", test_tcp_payload_and_checksum },
        { "headers-only capture", test_tcp_headers_only_capture },
        { "NS, CWR, ECE flags", test_tcp_ns_flag },
        { "SACK blocks", test_tcp_sack_blocks },
        { "bad options", test_tcp_bad_options },
        { "bad data offset", test_tcp_bad_data_offset },
        { "truncated", test_tcp_truncated },
        { "cut at every byte, options included", test_tcp_cut_at_every_byte },
        { "bad option cut at every byte", test_tcp_bad_option_cut_at_every_byte },
        { NULL, NULL },
    };
    return add_suite("tcp", tests);
}
