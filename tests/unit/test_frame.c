/* test_frame.c - frame_dissect end to end: whole frames, every truncation of them
 * (each prefix in an exact-size heap buffer so ASan sees overreads), QinQ, BSD NULL,
 * fragments with and without reassembly. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"
#include "frame.h"
#include "ip_reasm.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

#define MACS 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
#define IP4_A 0x0a, 0x00, 0x00, 0x01 /* 10.0.0.1 */
#define IP4_B 0x0a, 0x00, 0x00, 0x02 /* 10.0.0.2 */
#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02

/* A: Ethernet + IPv4 + TCP with options + "hello", all checksums correct */
static const uint8_t frame_tcp[] = {
    MACS, 0x08, 0x00,                               /* Ethernet, IPv4 */
    0x45, 0x00, 0x00, 0x41, 0x12, 0x34, 0x40, 0x00, /* total 65, id 0x1234, DF */
    0x40, 0x06, 0x14, 0x81, IP4_A, IP4_B,           /* TTL 64, TCP, checksum */
    0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, /* 40000 -> 80, seq */
    0x00, 0x00, 0x00, 0x01, 0xa0, 0x18, 0xfa, 0xf0, /* ack 1, offset 10, PSH|ACK, window */
    0x54, 0x87, 0x00, 0x00,                         /* checksum, urgent */
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,             /* MSS 1460, SACK permitted */
    0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0x01,       /* timestamps, NOP */
    0x03, 0x03, 0x07,                               /* window scale 7 */
    'h', 'e', 'l', 'l', 'o',
};
/* the TCP header is complete at its fixed 20 bytes: options cut by the capture are
 * noted (ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN) but the segment still counts */
static const size_t ends_tcp[] = { 14, 34, 54 };
static const enum anomaly cuts_tcp[] = { ANOM_LINK_TRUNCATED, ANOM_IPV4_TRUNCATED,
                                         ANOM_TCP_TRUNCATED };

/* B: Ethernet + 802.1Q VLAN 42 + IPv6 + hop-by-hop + destination options + UDP "abcd" */
static const uint8_t frame_udp6[] = {
    MACS, 0x81, 0x00, 0x00, 0x2a, 0x86, 0xdd,       /* VLAN 42, IPv6 */
    0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x40, /* payload 28, hop-by-hop, hop limit */
    SRC6, DST6,
    60, 0, 0x01, 0x04, 0, 0, 0, 0,                  /* hop-by-hop -> dst opts, PadN */
    17, 0, 0x01, 0x04, 0, 0, 0, 0,                  /* destination options -> UDP */
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x0c, 0x43, 0x25, /* 40000 -> 53, length 12 */
    'a', 'b', 'c', 'd',
};
static const size_t ends_udp6[] = { 14, 18, 58, 74, 82 };
static const enum anomaly cuts_udp6[] = { ANOM_LINK_TRUNCATED, ANOM_VLAN_TRUNCATED,
                                          ANOM_IPV6_TRUNCATED, ANOM_IPV6_EXT_TRUNCATED,
                                          ANOM_UDP_TRUNCATED };

/* C: Ethernet + IPv4 + ICMP port unreachable quoting UDP 10.0.0.1:40000 -> 10.0.0.2:53 */
static const uint8_t frame_icmp[] = {
    MACS, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x38, 0x00, 0x02, 0x00, 0x00, /* total 56 */
    0x40, 0x01, 0x66, 0xc1, IP4_B, IP4_A,           /* ICMP, 10.0.0.2 -> 10.0.0.1 */
    0x03, 0x03, 0xbb, 0xb9, 0x00, 0x00, 0x00, 0x00, /* port unreachable */
    0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, IP4_A, IP4_B,
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x0d, 0x0b, 0x8a, /* quoted UDP header */
};
static const size_t ends_icmp[] = { 14, 34, 42 };
static const enum anomaly cuts_icmp[] = { ANOM_LINK_TRUNCATED, ANOM_IPV4_TRUNCATED,
                                          ANOM_ICMP_TRUNCATED };

/* D: Linux SLL2 + IPv4 + SCTP with DATA and SACK chunks */
static const uint8_t frame_sctp[] = {
    0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, /* IPv4, ifindex 2 */
    0x00, 0x01, 0x00, 0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00, /* ARPHRD_ETHER */
    0x45, 0x00, 0x00, 0x44, 0x00, 0x03, 0x00, 0x00, /* total 68 */
    0x40, 0x84, 0x66, 0x31, IP4_A, IP4_B,           /* SCTP */
    0x13, 0x88, 0x8e, 0x3c, 0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x03, 0x00, 0x13, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 0x00,
    0x03, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0x10, 0x00, 0, 0, 0, 0,
};
static const size_t ends_sctp[] = { 20, 40, 52 };
static const enum anomaly cuts_sctp[] = { ANOM_LINK_TRUNCATED, ANOM_IPV4_TRUNCATED,
                                          ANOM_SCTP_TRUNCATED };

/* the layer left decoded when the header ending at segment i is cut */
static enum layer layer_before(const enum anomaly a)
{
    switch (a) {
    case ANOM_LINK_TRUNCATED:
    case ANOM_VLAN_TRUNCATED:
        return LAYER_NONE;
    case ANOM_IPV4_TRUNCATED:
    case ANOM_IPV6_TRUNCATED:
    case ANOM_IPV6_EXT_TRUNCATED:
        return LAYER_LINK;
    default:
        return LAYER_L3;
    }
}

static enum dissect_status dissect_copy(struct frame_ctx *ctx, const uint8_t *raw, size_t n,
                                        uint32_t wire_len, uint32_t linktype, struct packet *pkt)
{
    uint8_t *copy = malloc(n > 0 ? n : 1); /* exact size: ASan catches any overread */
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    if (n > 0)
        memcpy(copy, raw, n);
    struct frame_in f = { copy, (uint32_t)n, wire_len, linktype, 1000000000ull };
    enum dissect_status st = frame_dissect(ctx, &f, pkt);
    free(copy);
    return st;
}

/* Cuts raw at every length; status must be non-OK exactly when a header is cut, and
 * truncated_at must name that header. */
static void sweep(const uint8_t *raw, size_t len, uint32_t linktype, const size_t *ends,
                  const enum anomaly *cuts, size_t n_hdrs, uint32_t payload_len)
{
    struct frame_ctx ctx = { NULL, true, true };
    for (size_t n = 0; n <= len; n++) {
        struct packet pkt;
        enum dissect_status st = dissect_copy(&ctx, raw, n, (uint32_t)len, linktype, &pkt);
        size_t i = 0;
        while (i < n_hdrs && n >= ends[i])
            i++;
        if (i < n_hdrs) {
            CU_ASSERT_EQUAL(st, DISSECT_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.status, DISSECT_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.truncated_at, cuts[i]);
            CU_ASSERT(HAS_ANOM(pkt, cuts[i]));
            CU_ASSERT_EQUAL(pkt.layer, layer_before(cuts[i]));
        } else {
            CU_ASSERT_EQUAL(st, DISSECT_OK);
            CU_ASSERT_EQUAL(pkt.status, DISSECT_OK);
            CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
            /* lengths come from the headers, whatever was captured */
            CU_ASSERT_EQUAL(pkt.l4_payload_len, payload_len);
            CU_ASSERT_EQUAL(pkt.payload.len, len - n >= payload_len ? 0 : payload_len - (len - n));
            if (n < len) {
                CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_UNKNOWN);
            }
        }
        CU_ASSERT_EQUAL(pkt.cap_len, n);
        CU_ASSERT_EQUAL(pkt.wire_len, len);
        CU_ASSERT_EQUAL(pkt.linktype, linktype);
    }
}

/* frame_dissect gives the same record, padding and all, whatever the memory held
 * before (the reader thread reuses its slots): a record in memory full of 0xa5
 * equals one in zeroed memory, for every prefix of each frame, with and without
 * checksums and tunnels. */
static void dirty_sweep(const uint8_t *raw, size_t len, uint32_t linktype)
{
    struct frame_ctx ctxs[] = { { NULL, false, true }, { NULL, true, false } };
    static struct packet dirty, clean; /* static: 744 bytes each */
    for (size_t k = 0; k < sizeof(ctxs) / sizeof(ctxs[0]); k++) {
        for (size_t n = 0; n <= len; n++) {
            uint8_t *copy = malloc(n > 0 ? n : 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
            if (n > 0)
                memcpy(copy, raw, n);
            struct frame_in f = { copy, (uint32_t)n, (uint32_t)len, linktype, 1000000000ull };
            memset(&dirty, 0xa5, sizeof(dirty));
            memset(&clean, 0, sizeof(clean));
            enum dissect_status st_dirty = frame_dissect(&ctxs[k], &f, &dirty);
            enum dissect_status st_clean = frame_dissect(&ctxs[k], &f, &clean);
            free(copy);
            CU_ASSERT_EQUAL(st_dirty, st_clean);
            bool same = memcmp(&dirty, &clean, offsetof(struct packet, encap)) == 0 &&
                        dirty.n_encap == clean.n_encap &&
                        memcmp(dirty.encap, clean.encap,
                               clean.n_encap * sizeof(clean.encap[0])) == 0;
            if (!same) {
                for (size_t b = 0; b < offsetof(struct packet, encap); b++)
                    if (((const uint8_t *)&dirty)[b] != ((const uint8_t *)&clean)[b]) {
                        printf("\n  linktype %u, %zu of %zu bytes: byte %zu differs", linktype,
                               n, len, b);
                        break;
                    }
            }
            CU_ASSERT(same);
        }
    }
}

static void test_frame_dirty_record(void)
{
    dirty_sweep(frame_tcp, sizeof(frame_tcp), LINKTYPE_ETHERNET);
    dirty_sweep(frame_udp6, sizeof(frame_udp6), LINKTYPE_ETHERNET);
    dirty_sweep(frame_icmp, sizeof(frame_icmp), LINKTYPE_ETHERNET);
    dirty_sweep(frame_sctp, sizeof(frame_sctp), LINKTYPE_LINUX_SLL2);
}

static void test_frame_tcp_whole(void)
{
    struct frame_ctx ctx = { NULL, true, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, frame_tcp, sizeof(frame_tcp), sizeof(frame_tcp),
                                 LINKTYPE_ETHERNET, &pkt),
                    DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.ts_ns, 1000000000ull);
    CU_ASSERT_EQUAL(pkt.ip_version, 4);
    CU_ASSERT_EQUAL(pkt.ip_len, 65);
    CU_ASSERT_EQUAL(pkt.ip_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.sport, 40000);
    CU_ASSERT_EQUAL(pkt.dport, 80);
    CU_ASSERT_EQUAL(pkt.tcp.flags, TCP_PSH | TCP_ACK);
    CU_ASSERT_EQUAL(pkt.tcp.mss, 1460);
    CU_ASSERT_EQUAL(pkt.tcp.wscale, 7);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 5);
    CU_ASSERT_EQUAL(pkt.l3.len, 65);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_frame_truncations_tcp(void)
{
    sweep(frame_tcp, sizeof(frame_tcp), LINKTYPE_ETHERNET, ends_tcp, cuts_tcp, 3, 5);
    /* between the fixed header and the end of the options: decoded, cut noted */
    struct frame_ctx ctx = { NULL, true, true };
    for (size_t n = 54; n <= sizeof(frame_tcp); n++) {
        struct packet pkt;
        CU_ASSERT_EQUAL(dissect_copy(&ctx, frame_tcp, n, sizeof(frame_tcp), LINKTYPE_ETHERNET,
                                     &pkt), DISSECT_OK);
        CU_ASSERT_EQUAL(HAS_ANOM(pkt, ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN) != 0, n < 74);
        CU_ASSERT_EQUAL(pkt.tcp.flags, TCP_PSH | TCP_ACK);
        CU_ASSERT_EQUAL(pkt.tcp.seq, 0x01020304u);
        CU_ASSERT_EQUAL(pkt.tcp.has_mss, n >= 58); /* MSS option captured whole */
        CU_ASSERT_FALSE(HAS_ANOM(pkt, ANOM_TCP_BAD_OPTIONS));
    }
}

static void test_frame_truncations_vlan_ipv6_udp(void)
{
    sweep(frame_udp6, sizeof(frame_udp6), LINKTYPE_ETHERNET, ends_udp6, cuts_udp6, 5, 4);

    struct frame_ctx ctx = { NULL, true, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, frame_udp6, sizeof(frame_udp6), sizeof(frame_udp6),
                                 LINKTYPE_ETHERNET, &pkt),
                    DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_vlan, 1);
    CU_ASSERT_EQUAL(pkt.vlan[0], 42);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 56);
    CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_UDP);
    CU_ASSERT_EQUAL(pkt.dport, 53);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_frame_truncations_icmp(void)
{
    sweep(frame_icmp, sizeof(frame_icmp), LINKTYPE_ETHERNET, ends_icmp, cuts_icmp, 3, 28);

    /* a cut inside the quote is an anomaly on an OK packet */
    struct frame_ctx ctx = { NULL, false, true };
    for (size_t n = 42; n <= sizeof(frame_icmp); n++) {
        struct packet pkt;
        CU_ASSERT_EQUAL(dissect_copy(&ctx, frame_icmp, n, sizeof(frame_icmp),
                                     LINKTYPE_ETHERNET, &pkt),
                        DISSECT_OK);
        CU_ASSERT_EQUAL(HAS_ANOM(pkt, ANOM_ICMP_QUOTE_TRUNCATED), n < sizeof(frame_icmp));
        CU_ASSERT_EQUAL(pkt.icmp.quote.valid, n >= 62);
        CU_ASSERT_EQUAL(pkt.icmp.quote.has_ports, n >= 66);
        if (n == sizeof(frame_icmp)) {
            CU_ASSERT_EQUAL(pkt.icmp.quote.sport, 40000);
            CU_ASSERT_EQUAL(pkt.icmp.quote.dport, 53);
        }
    }
}

static void test_frame_truncations_sll2_sctp(void)
{
    sweep(frame_sctp, sizeof(frame_sctp), LINKTYPE_LINUX_SLL2, ends_sctp, cuts_sctp, 3, 36);

    struct frame_ctx ctx = { NULL, false, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, frame_sctp, sizeof(frame_sctp), sizeof(frame_sctp),
                                 LINKTYPE_LINUX_SLL2, &pkt),
                    DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_SCTP);
    CU_ASSERT_EQUAL(pkt.sctp.n_chunks, 2);
    CU_ASSERT_EQUAL(pkt.sport, 5000);
}

static void test_frame_ethernet_padding(void)
{
    /* frame C is 70 bytes; pad it to 80 like a NIC would: the padding is not payload */
    uint8_t buf[sizeof(frame_icmp) + 10];
    memset(buf, 0, sizeof(buf));
    memcpy(buf, frame_icmp, sizeof(frame_icmp));
    struct frame_ctx ctx = { NULL, true, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, buf, sizeof(buf), sizeof(buf), LINKTYPE_ETHERNET, &pkt),
                    DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 28);
    CU_ASSERT_EQUAL(pkt.payload.len, 28);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
}

static void test_frame_qinq(void)
{
    /* 802.1ad 100 / 802.1Q 200, then frame A's IPv4 + TCP */
    uint8_t buf[sizeof(frame_tcp) + 8];
    static const uint8_t tags[] = { 0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00 };
    memcpy(buf, frame_tcp, 12);
    memcpy(buf + 12, tags, sizeof(tags));
    memcpy(buf + 22, frame_tcp + 14, sizeof(frame_tcp) - 14);
    struct frame_ctx ctx = { NULL, true, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, buf, sizeof(buf), sizeof(buf), LINKTYPE_ETHERNET, &pkt),
                    DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_vlan, 2);
    CU_ASSERT_EQUAL(pkt.vlan[0], 100);
    CU_ASSERT_EQUAL(pkt.vlan[1], 200);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.dport, 80);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
}

static void test_frame_bsd_null(void)
{
    /* BSD NULL family 2 in either byte order, then frame A's IPv4 + TCP */
    static const uint8_t fam[2][4] = { { 2, 0, 0, 0 }, { 0, 0, 0, 2 } };
    uint8_t buf[sizeof(frame_tcp) - 14 + 4];
    for (int i = 0; i < 2; i++) {
        memcpy(buf, fam[i], 4);
        memcpy(buf + 4, frame_tcp + 14, sizeof(frame_tcp) - 14);
        struct frame_ctx ctx = { NULL, false, true };
        struct packet pkt;
        CU_ASSERT_EQUAL(dissect_copy(&ctx, buf, sizeof(buf), sizeof(buf), LINKTYPE_NULL, &pkt),
                        DISSECT_OK);
        CU_ASSERT_EQUAL(pkt.ip_version, 4);
        CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
        CU_ASSERT_EQUAL(pkt.sport, 40000);
    }
}

static void test_frame_arp_and_unknown(void)
{
    static const uint8_t arp[] = { MACS, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1 };
    struct frame_ctx ctx = { NULL, false, false }; /* no decap: GRE is just a protocol */
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, arp, sizeof(arp), sizeof(arp), LINKTYPE_ETHERNET, &pkt),
                    DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_LINK);
    CU_ASSERT_EQUAL(pkt.status, DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);

    /* IPv4 carrying GRE (47): OK at L3 */
    uint8_t buf[sizeof(frame_tcp)];
    memcpy(buf, frame_tcp, sizeof(buf));
    buf[23] = 47;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, buf, sizeof(buf), sizeof(buf), LINKTYPE_ETHERNET, &pkt),
                    DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT_EQUAL(pkt.proto, 47);
    CU_ASSERT_EQUAL(pkt.sport, 0);
}

static void test_frame_nothing_after_failure(void)
{
    /* TCP data offset 4 (malformed): MALFORMED, ports set, nothing else from TCP */
    uint8_t buf[sizeof(frame_tcp)];
    memcpy(buf, frame_tcp, sizeof(buf));
    buf[46] = 0x40;
    struct frame_ctx ctx = { NULL, false, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, buf, sizeof(buf), sizeof(buf), LINKTYPE_ETHERNET, &pkt),
                    DISSECT_MALFORMED);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_TCP_BAD_DATA_OFFSET);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT_EQUAL(pkt.tcp.seq, 0);
    CU_ASSERT_EQUAL(pkt.payload.len, 0);
}

/* UDP 40000 -> 53 with 16 payload bytes, split into two IPv4 fragments (id 0x77) */
static const uint8_t frag1[] = {
    MACS, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x24, 0x00, 0x77, 0x20, 0x00, /* total 36, MF, offset 0 */
    0x40, 0x11, 0x00, 0x00, IP4_A, IP4_B,
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x18, 0x0c, 0xfc, /* UDP length 24, checksum */
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
};
static const uint8_t frag2[] = {
    MACS, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x77, 0x00, 0x02, /* total 28, offset 2*8 = 16 */
    0x40, 0x11, 0x00, 0x00, IP4_A, IP4_B,
    'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
};

static void test_frame_fragments_counted(void)
{
    struct frame_ctx ctx = { NULL, false, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, frag1, sizeof(frag1), sizeof(frag1), LINKTYPE_ETHERNET,
                                 &pkt),
                    DISSECT_OK);
    CU_ASSERT(pkt.is_fragment);
    CU_ASSERT_FALSE(pkt.reassembled);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT_EQUAL(pkt.sport, 0); /* not decoded from a fragment */
}

static void test_frame_fragments_reassembled(void)
{
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct frame_ctx ctx = { r, true, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, frag1, sizeof(frag1), sizeof(frag1), LINKTYPE_ETHERNET,
                                 &pkt),
                    DISSECT_OK);
    CU_ASSERT(pkt.is_fragment);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L3);
    CU_ASSERT_EQUAL(dissect_copy(&ctx, frag2, sizeof(frag2), sizeof(frag2), LINKTYPE_ETHERNET,
                                 &pkt),
                    DISSECT_OK);
    CU_ASSERT(pkt.reassembled);
    CU_ASSERT_FALSE(pkt.is_fragment);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.ip_len, 20 + 24);
    CU_ASSERT_EQUAL(pkt.sport, 40000);
    CU_ASSERT_EQUAL(pkt.dport, 53);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 16);
    CU_ASSERT_EQUAL(pkt.payload.len, 16);
    if (pkt.payload.len == 16)
        CU_ASSERT_EQUAL(memcmp(pkt.payload.p, "ABCDEFGHIJKLMNOP", 16), 0);
    CU_ASSERT_EQUAL(pkt.l4_csum, CSUM_GOOD);
    ip_reasm_destroy(r);
}

/* The same UDP datagram, its first fragment with 4 bytes of IPv4 options (header
 * 24), the last without (header 20). */
static const uint8_t frag1_opts[] = {
    MACS, 0x08, 0x00,
    0x46, 0x00, 0x00, 0x28, 0x00, 0x78, 0x20, 0x00, /* header 24, total 40, MF, offset 0 */
    0x40, 0x11, 0x00, 0x00, IP4_A, IP4_B,
    0x01, 0x01, 0x01, 0x00,                         /* NOP, NOP, NOP, end of options */
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x18, 0x00, 0x00, /* UDP length 24, no checksum */
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
};
static const uint8_t frag2_opts[] = {
    MACS, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x78, 0x00, 0x02, /* total 28, offset 2*8 = 16 */
    0x40, 0x11, 0x00, 0x00, IP4_A, IP4_B,
    'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
};

static void test_frame_reassembled_v4_header_of_first(void)
{
    /* RFC 791: the datagram's header is the offset-0 fragment's, options included,
     * whichever fragment completes it */
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct frame_ctx ctx = { r, false, true };
    struct packet pkt;
    dissect_copy(&ctx, frag1_opts, sizeof(frag1_opts), sizeof(frag1_opts), LINKTYPE_ETHERNET,
                 &pkt);
    CU_ASSERT(pkt.is_fragment);
    dissect_copy(&ctx, frag2_opts, sizeof(frag2_opts), sizeof(frag2_opts), LINKTYPE_ETHERNET,
                 &pkt);
    CU_ASSERT(pkt.reassembled);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 24);
    CU_ASSERT_EQUAL(pkt.ip_len, 24 + 24);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 16);
    /* the other order: the first fragment completes it */
    dissect_copy(&ctx, frag2_opts, sizeof(frag2_opts), sizeof(frag2_opts), LINKTYPE_ETHERNET,
                 &pkt);
    dissect_copy(&ctx, frag1_opts, sizeof(frag1_opts), sizeof(frag1_opts), LINKTYPE_ETHERNET,
                 &pkt);
    CU_ASSERT(pkt.reassembled);
    CU_ASSERT_EQUAL(pkt.ip_len, 24 + 24);
    ip_reasm_destroy(r);
}

/* UDP 40000 -> 53 with 16 payload bytes over IPv6, in two fragments (id 0x99):
 * hop-by-hop options, then the Fragment header */
static const uint8_t frag6_1[] = {
    MACS, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x40, /* payload 32, hop-by-hop */
    SRC6, DST6,
    44, 0, 0x01, 0x04, 0, 0, 0, 0,                  /* hop-by-hop -> fragment, PadN */
    17, 0, 0x00, 0x01, 0, 0, 0, 0x99,               /* -> UDP, offset 0, M, id 0x99 */
    0x9c, 0x40, 0x00, 0x35, 0x00, 0x18, 0x00, 0x00, /* UDP length 24 */
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
};
static const uint8_t frag6_2[] = {
    MACS, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x40, /* payload 24, hop-by-hop */
    SRC6, DST6,
    44, 0, 0x01, 0x04, 0, 0, 0, 0,
    17, 0, 0x00, 0x10, 0, 0, 0, 0x99,               /* offset 2*8 = 16, last */
    'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
};

static void test_frame_reassembled_v6_without_fragment_header(void)
{
    /* RFC 8200 section 4.5 (and Zeek's ip_bytes): the reassembled packet has no
     * Fragment header: 40 + 8 hop-by-hop + 24 UDP */
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct frame_ctx ctx = { r, false, true };
    struct packet pkt;
    dissect_copy(&ctx, frag6_1, sizeof(frag6_1), sizeof(frag6_1), LINKTYPE_ETHERNET, &pkt);
    CU_ASSERT(pkt.is_fragment);
    CU_ASSERT_EQUAL(pkt.ip_len, 40 + 32);
    dissect_copy(&ctx, frag6_2, sizeof(frag6_2), sizeof(frag6_2), LINKTYPE_ETHERNET, &pkt);
    CU_ASSERT(pkt.reassembled);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
    CU_ASSERT_EQUAL(pkt.ip_hdr_len, 48);
    CU_ASSERT_EQUAL(pkt.ip_len, 48 + 24);
    CU_ASSERT_EQUAL(pkt.sport, 40000);
    CU_ASSERT_EQUAL(pkt.l4_payload_len, 16);
    ip_reasm_destroy(r);
}

static void test_frame_v6_fragment_odd_length(void)
{
    /* RFC 8200 section 4.5: a fragment with M = 1 whose length is not a multiple
     * of 8 must be discarded: malformed, never offered to reassembly */
    uint8_t odd[sizeof(frag6_1) - 1];
    memcpy(odd, frag6_1, sizeof(odd));
    odd[14 + 5] = 0x1f; /* payload 31: 8 hop-by-hop + 8 fragment header + 15 */
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct frame_ctx ctx = { r, false, true };
    struct packet pkt;
    CU_ASSERT_EQUAL(dissect_copy(&ctx, odd, sizeof(odd), sizeof(odd), LINKTYPE_ETHERNET, &pkt),
                    DISSECT_MALFORMED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_FRAG_BAD_LENGTH));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_FRAG_BAD_LENGTH);
    CU_ASSERT_EQUAL(ip_reasm_stats(r)->fragments, 0);
    ip_reasm_destroy(r);
}

/* Writes an IPv4 header at b: total length, id, flags and offset word, protocol. */
static void ip4_hdr(uint8_t *b, uint16_t total, uint16_t id, uint16_t frag, uint8_t proto,
                    uint8_t src_last)
{
    static const uint8_t hdr[20] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 10, 0, 0, 0,
                                     10, 0, 0, 9 };
    memcpy(b, hdr, sizeof(hdr));
    b[2] = (uint8_t)(total >> 8), b[3] = (uint8_t)total;
    b[4] = (uint8_t)(id >> 8), b[5] = (uint8_t)id;
    b[6] = (uint8_t)(frag >> 8), b[7] = (uint8_t)frag;
    b[9] = proto;
    b[15] = src_last;
}

/* An inner UDP datagram (8 + 24 bytes, id 0x21) in two fragments, each in GRE
 * over IPv4; the first one's carrier itself in two fragments (id 0x31). Frames:
 * [0] carrier fragment at 0 (GRE + inner header), [1] carrier fragment at 24
 * (the inner fragment's 16 bytes), [2] the second inner fragment in a whole carrier. */
static void nested_frames(uint8_t f[3][80], size_t len[3])
{
    uint8_t inner1[36], inner2[36], gre[4] = { 0, 0, 0x08, 0x00 };
    ip4_hdr(inner1, 36, 0x21, 0x2000, IPPROTO_NUM_UDP, 1); /* MF, offset 0 */
    static const uint8_t udp[16] = { 0x9c, 0x40, 0x00, 0x35, 0x00, 0x20, 0, 0,
                                     'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
    memcpy(inner1 + 20, udp, 16);
    ip4_hdr(inner2, 36, 0x21, 0x0002, IPPROTO_NUM_UDP, 1); /* offset 16, last */
    memcpy(inner2 + 20, "ijklmnopqrstuvwx", 16);
    static const uint8_t eth[14] = { MACS, 0x08, 0x00 };
    uint8_t carried[40];
    memcpy(carried, gre, 4);
    memcpy(carried + 4, inner1, 36);
    for (int i = 0; i < 3; i++)
        memcpy(f[i], eth, 14);
    ip4_hdr(f[0] + 14, 20 + 24, 0x31, 0x2000, 47, 2); /* MF, offset 0: 24 bytes */
    memcpy(f[0] + 34, carried, 24);
    len[0] = 34 + 24;
    ip4_hdr(f[1] + 14, 20 + 16, 0x31, 0x0003, 47, 2); /* offset 24, last: 16 bytes */
    memcpy(f[1] + 34, carried + 24, 16);
    len[1] = 34 + 16;
    ip4_hdr(f[2] + 14, 20 + 40, 0x32, 0, 47, 2);
    memcpy(f[2] + 34, gre, 4);
    memcpy(f[2] + 38, inner2, 36);
    len[2] = 34 + 40;
}

static void test_frame_fragment_in_reassembled_carrier(void)
{
    /* a fragment carried in a reassembled tunnel is reassembled too, whether
     * the frame that completes the carrier completes the inner datagram (the
     * inner fragment then lies in the table's own output buffer) or not */
    uint8_t f[3][80];
    size_t len[3];
    nested_frames(f, len);
    static const int orders[2][3] = { { 0, 1, 2 }, { 2, 0, 1 } };
    for (int o = 0; o < 2; o++) {
        struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        struct frame_ctx ctx = { r, false, true };
        struct packet pkt;
        for (int k = 0; k < 3; k++) {
            int i = orders[o][k];
            dissect_copy(&ctx, f[i], len[i], (uint32_t)len[i], LINKTYPE_ETHERNET, &pkt);
        }
        CU_ASSERT_EQUAL(pkt.n_encap, 1);
        CU_ASSERT(pkt.reassembled);
        CU_ASSERT_EQUAL(pkt.layer, LAYER_L4);
        CU_ASSERT_EQUAL(pkt.proto, IPPROTO_NUM_UDP);
        CU_ASSERT_EQUAL(pkt.sport, 40000);
        CU_ASSERT_EQUAL(pkt.ip_len, 20 + 32);
        CU_ASSERT_EQUAL(pkt.payload.len, 24);
        if (pkt.payload.len == 24)
            CU_ASSERT_EQUAL(memcmp(pkt.payload.p, "abcdefghijklmnopqrstuvwx", 24), 0);
        CU_ASSERT_EQUAL(ip_reasm_stats(r)->reassembled, 2);
        ip_reasm_destroy(r);
    }
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "Ethernet + IPv4 + TCP", test_frame_tcp_whole },
        { "every truncation: Ethernet + IPv4 + TCP", test_frame_truncations_tcp },
        { "every truncation: VLAN + IPv6 ext + UDP", test_frame_truncations_vlan_ipv6_udp },
        { "every truncation: ICMP unreachable", test_frame_truncations_icmp },
        { "every truncation: SLL2 + IPv4 + SCTP", test_frame_truncations_sll2_sctp },
        { "Ethernet padding", test_frame_ethernet_padding },
        { "QinQ", test_frame_qinq },
        { "BSD NULL both byte orders", test_frame_bsd_null },
        { "ARP, unknown IP protocol", test_frame_arp_and_unknown },
        { "nothing decoded after a failure", test_frame_nothing_after_failure },
        { "fragments without reassembly", test_frame_fragments_counted },
        { "fragments reassembled", test_frame_fragments_reassembled },
        { "reassembled IPv4: the offset-0 fragment's header", test_frame_reassembled_v4_header_of_first },
        { "reassembled IPv6: no Fragment header", test_frame_reassembled_v6_without_fragment_header },
        { "IPv6 fragment with M and an odd length", test_frame_v6_fragment_odd_length },
        { "a fragment inside a reassembled carrier", test_frame_fragment_in_reassembled_carrier },
        { "same record in dirty memory", test_frame_dirty_record },
        { NULL, NULL },
    };
    return add_suite("frame", tests);
}
