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
    0x00, 0x00, 0x00, 0x00, /* CRC32c (checked only with verify_checksums) */
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

/* CRC32c check values: the catalogue's "123456789" and iSCSI's (RFC 3720
 * appendix B.4) 32 zero bytes and 32 bytes 0..31. */
static void test_crc32c_check_values(void)
{
    const uint8_t digits[] = "123456789";
    CU_ASSERT_EQUAL(~crc32c_update(0xFFFFFFFFu, digits, 9), 0xE3069283u);
    uint8_t b[32];
    memset(b, 0, sizeof(b));
    CU_ASSERT_EQUAL(~crc32c_update(0xFFFFFFFFu, b, sizeof(b)), 0x8A9136AAu);
    for (unsigned i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)i;
    CU_ASSERT_EQUAL(~crc32c_update(0xFFFFFFFFu, b, sizeof(b)), 0x46DD794Eu);
}

/* --verify-checksums: a zero field is bad; the complemented CRC of the packet
 * (field as zeros), least significant byte first, is good; a packet cut by the
 * snaplen is not judged. */
static void test_sctp_checksum(void)
{
    uint8_t raw[sizeof(two_chunks)];
    memcpy(raw, two_chunks, sizeof(raw));
    struct view v = { raw, sizeof(raw) };
    struct packet pkt;
    ip_ctx(&pkt, sizeof(raw));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_BAD);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_SCTP_BAD_CHECKSUM));

    uint32_t crc = ~crc32c_update(0xFFFFFFFFu, raw, sizeof(raw)); /* field is zero here */
    raw[8] = (uint8_t)crc;
    raw[9] = (uint8_t)(crc >> 8);
    raw[10] = (uint8_t)(crc >> 16);
    raw[11] = (uint8_t)(crc >> 24);
    v = (struct view){ raw, sizeof(raw) };
    ip_ctx(&pkt, sizeof(raw));
    pkt.verify_checksums = true;
    CU_ASSERT_EQUAL(sctp_dissect(&v, &pkt), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    raw[20] ^= 1; /* one bit of data flipped */
    v = (struct view){ raw, sizeof(raw) };
    ip_ctx(&pkt, sizeof(raw));
    pkt.verify_checksums = true;
    sctp_dissect(&v, &pkt);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_BAD);

    v = (struct view){ raw, 20 }; /* cut by the snaplen: not judged */
    ip_ctx(&pkt, sizeof(raw));
    pkt.verify_checksums = true;
    sctp_dissect(&v, &pkt);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_UNKNOWN);
    CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_SCTP_BAD_CHECKSUM));
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
        { "CRC32c check values", test_crc32c_check_values },
        { "CRC32c checksum with verify_checksums", test_sctp_checksum },
        { "chunks cut by the snaplen", test_sctp_chunks_cut_by_snaplen },
        { "truncated common header", test_sctp_truncated },
        { NULL, NULL },
    };
    return add_suite("sctp", tests);
}
