/* test_sctp.c - sctp_dissect: common header and chunk walk. */
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

static void ip_ctx(struct packet *pkt, uint32_t l4_len)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->ip_version = 4;
    pkt->proto = IPPROTO_NUM_SCTP;
    pkt->ip_hdr_len = 20;
    pkt->ip_len = 20 + l4_len;
}

/* 5000 -> 36412, vtag 0xcafebabe, DATA chunk (len 19, padded to 20), SACK chunk (len 16) */
static const uint8_t two_chunks[] = {
    0x13, 0x88, 0x8e, 0x3c, /* sport 5000, dport 36412 */
    0xca, 0xfe, 0xba, 0xbe, /* verification tag */
    0x00, 0x00, 0x00, 0x00, /* CRC32c (not checked) */
    0x00, 0x03, 0x00, 0x13, /* DATA, flags B|E, length 19 */
    0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 0x00, /* TSN, stream, PPID, data, pad */
    0x03, 0x00, 0x00, 0x10, /* SACK, length 16 */
    0, 0, 0, 1, 0, 0, 0x10, 0x00, 0, 0, 0, 0, /* cum TSN ack, a_rwnd, no gaps */
};

static void test_sctp_chunks(void)
{
    struct view v = { two_chunks, sizeof(two_chunks) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(two_chunks));
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.sport, 5000);
    CU_ASSERT_EQUAL(pkt.dport, 36412);
    CU_ASSERT_EQUAL(pkt.sctp.vtag, 0xcafebabe);
    CU_ASSERT_EQUAL(pkt.sctp.n_chunks, 2);
    CU_ASSERT_EQUAL(pkt.sctp.chunk_types, (1u << 0) | (1u << 3));
    CU_ASSERT_EQUAL(pkt.l4_payload_len, sizeof(two_chunks) - 12);
    CU_ASSERT_EQUAL(pkt.payload.len, sizeof(two_chunks) - 12);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_sctp_init_last_padding_missing(void)
{
    /* INIT chunk whose length (21) leaves 3 padding bytes the packet does not carry */
    static const uint8_t raw[] = {
        0x13, 0x88, 0x13, 0x88, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x15, /* INIT, length 21 */
        0, 0, 0, 1, 0, 0, 0x10, 0x00, 0, 1, 0, 1, 0, 0, 0, 1, 0x55,
    };
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(raw));
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.sctp.n_chunks, 1);
    CU_ASSERT_EQUAL(pkt.sctp.chunk_types, 1u << 1);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_sctp_bad_chunk(void)
{
    uint8_t buf[sizeof(two_chunks)];
    memcpy(buf, two_chunks, sizeof(buf));
    buf[15] = 0x03; /* DATA chunk length 3 (< 4) */
    struct view v = { buf, sizeof(buf) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(buf));
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_SCTP_BAD_CHUNK));
    CU_ASSERT_EQUAL(pkt.sctp.n_chunks, 0);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);

    memcpy(buf, two_chunks, sizeof(buf));
    buf[34] = 0x01; /* SACK length 272: beyond the packet */
    v = (struct view){ buf, sizeof(buf) };
    ip_ctx(&pkt, sizeof(buf));
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_SCTP_BAD_CHUNK));
    CU_ASSERT_EQUAL(pkt.sctp.n_chunks, 1); /* DATA was fine */
}

static void test_sctp_chunks_cut_by_snaplen(void)
{
    /* 20 of 48 bytes: the walk stops at the capture, without an anomaly */
    struct view v = { two_chunks, 20 };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(two_chunks));
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.sctp.n_chunks, 1);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, sizeof(two_chunks) - 12);
    CU_ASSERT_EQUAL(pkt.payload.len, 8);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_sctp_truncated(void)
{
    struct view v = { two_chunks, 11 };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(two_chunks));
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_SCTP_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_SCTP_TRUNCATED);
    CU_ASSERT_EQUAL(pkt.sport, 5000);
    CU_ASSERT_NOT_EQUAL(pkt.layer, LAYER_L4);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "DATA and SACK chunks", test_sctp_chunks },
        { "INIT without final padding", test_sctp_init_last_padding_missing },
        { "bad chunk lengths", test_sctp_bad_chunk },
        { "chunks cut by the snaplen", test_sctp_chunks_cut_by_snaplen },
        { "truncated common header", test_sctp_truncated },
        { NULL, NULL },
    };
    return add_suite("sctp", tests);
}
