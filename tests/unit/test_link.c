/* test_link.c - link_dissect: Ethernet and VLAN tags, SLL/SLL2, raw IP, BSD NULL/LOOP. */
#include <string.h>

#include "cunit_main.h"
#include "dissect.h"

#define HAS_ANOM(p, a) (((p).anomalies & ANOM_BIT(a)) != 0)

#define MACS 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb

static enum dissect_status run(const uint8_t *raw, size_t len, uint32_t linktype,
                               struct view *v, struct packet *pkt, enum l3_kind *l3)
{
    *v = (struct view){ raw, len };
    memset(pkt, 0, sizeof(*pkt));
    return link_dissect(v, linktype, pkt, l3);
}

static void test_link_ethernet(void)
{
    static const uint8_t raw[] = { MACS, 0x08, 0x00, 0x45 };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), LINKTYPE_ETHERNET, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV4);
    CU_ASSERT_EQUAL(pkt.ethertype, 0x0800);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_LINK);
    CU_ASSERT_EQUAL(pkt.n_vlan, 0);
    CU_ASSERT_EQUAL(v.len, 1);
    CU_ASSERT_EQUAL(v.p[0], 0x45);

    static const uint8_t raw6[] = { MACS, 0x86, 0xdd };
    CU_ASSERT_EQUAL(run(raw6, sizeof(raw6), LINKTYPE_ETHERNET, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV6);
    CU_ASSERT_EQUAL(v.len, 0);

    CU_ASSERT_EQUAL(run(raw, 13, LINKTYPE_ETHERNET, &v, &pkt, &l3), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_LINK_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.layer, LAYER_NONE);
}

static void test_link_arp_is_not_an_anomaly(void)
{
    static const uint8_t raw[] = { MACS, 0x08, 0x06, 0x00, 0x01 };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), LINKTYPE_ETHERNET, &v, &pkt, &l3),
                    DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(l3, L3_OTHER);
    CU_ASSERT_EQUAL(pkt.ethertype, 0x0806);
    CU_ASSERT_EQUAL(pkt.layer, LAYER_LINK);
    CU_ASSERT_EQUAL(pkt.anomalies, 0);
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_L3_UNKNOWN_ETHERTYPE);

    /* 802.3 length field (LLC follows) */
    static const uint8_t llc[] = { MACS, 0x00, 0x26, 0x42, 0x42, 0x03 };
    CU_ASSERT_EQUAL(run(llc, sizeof(llc), LINKTYPE_ETHERNET, &v, &pkt, &l3),
                    DISSECT_UNSUPPORTED);
    CU_ASSERT_EQUAL(l3, L3_OTHER);
}

static void test_link_vlan(void)
{
    static const uint8_t raw[] = {
        MACS, 0x81, 0x00, /* 802.1Q */
        0x20, 0x64,       /* PCP 1, VLAN 100 */
        0x86, 0xdd,       /* IPv6 */
        0x60,
    };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), LINKTYPE_ETHERNET, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV6);
    CU_ASSERT_EQUAL(pkt.n_vlan, 1);
    CU_ASSERT_EQUAL(pkt.vlan[0], 100);
    CU_ASSERT_EQUAL(v.len, 1);

    /* tag cut in the middle */
    CU_ASSERT_EQUAL(run(raw, 16, LINKTYPE_ETHERNET, &v, &pkt, &l3), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_VLAN_TRUNCATED));
    CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_VLAN_TRUNCATED);
}

static void test_link_qinq(void)
{
    static const uint8_t raw[] = {
        MACS, 0x88, 0xa8, /* 802.1ad S-tag */
        0x00, 0x0a,       /* VLAN 10 */
        0x81, 0x00,       /* 802.1Q C-tag */
        0x0f, 0xff,       /* VLAN 4095 */
        0x08, 0x00, 0x45,
    };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), LINKTYPE_ETHERNET, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV4);
    CU_ASSERT_EQUAL(pkt.n_vlan, 2);
    CU_ASSERT_EQUAL(pkt.vlan[0], 10);
    CU_ASSERT_EQUAL(pkt.vlan[1], 4095);
    CU_ASSERT_EQUAL(v.p[0], 0x45);

    /* four stacked tags (0x9100 outer): three recorded, all four counted */
    static const uint8_t deep[] = {
        MACS, 0x91, 0x00, 0x00, 0x01, 0x88, 0xa8, 0x00, 0x02, 0x81, 0x00, 0x00, 0x03,
        0x81, 0x00, 0x00, 0x04, 0x08, 0x00,
    };
    CU_ASSERT_EQUAL(run(deep, sizeof(deep), LINKTYPE_ETHERNET, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(pkt.n_vlan, 4);
    CU_ASSERT_EQUAL(pkt.vlan[0], 1);
    CU_ASSERT_EQUAL(pkt.vlan[1], 2);
    CU_ASSERT_EQUAL(pkt.vlan[2], 3);
    CU_ASSERT_EQUAL(l3, L3_IPV4);
}

static void test_link_vlan_cut_at_every_byte(void)
{
    /* S-tag 10 (14-18), C-tag 4095 (18-22), then IPv4: each tag counts only
     * once captured whole; tags ending exactly at the capture's end are fine */
    static const uint8_t raw[] = {
        MACS, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x0f, 0xff, 0x08, 0x00, 0x45,
    };
    for (size_t cap = 0; cap <= sizeof(raw); cap++) {
        struct view v;
        struct packet pkt;
        enum l3_kind l3;
        enum dissect_status st = run(raw, cap, LINKTYPE_ETHERNET, &v, &pkt, &l3);
        size_t tags = cap < 18 ? 0 : cap < 22 ? 1 : 2; /* tags captured whole */
        if (cap < 14) {
            CU_ASSERT_EQUAL(st, DISSECT_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.anomalies, ANOM_BIT(ANOM_LINK_TRUNCATED));
            CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_LINK_TRUNCATED);
            CU_ASSERT_PTR_EQUAL(v.p, raw);
        } else if (cap < 22) {
            CU_ASSERT_EQUAL(st, DISSECT_TRUNCATED);
            CU_ASSERT_EQUAL(pkt.anomalies, ANOM_BIT(ANOM_VLAN_TRUNCATED));
            CU_ASSERT_EQUAL(pkt.truncated_at, ANOM_VLAN_TRUNCATED);
            CU_ASSERT_PTR_EQUAL(v.p, raw + 14 + 4 * tags); /* at the cut tag */
        } else {
            CU_ASSERT_EQUAL(st, DISSECT_OK);
            CU_ASSERT_EQUAL(pkt.anomalies, 0);
            CU_ASSERT_EQUAL(pkt.truncated_at, 0);
            CU_ASSERT_PTR_EQUAL(v.p, raw + 22);
        }
        CU_ASSERT_EQUAL(pkt.status, st);
        CU_ASSERT_EQUAL(v.len, cap - (size_t)(v.p - raw));
        CU_ASSERT_EQUAL(l3, cap < 22 ? L3_NONE : L3_IPV4);
        CU_ASSERT_EQUAL(pkt.layer, cap < 22 ? LAYER_NONE : LAYER_LINK);
        CU_ASSERT_EQUAL(pkt.ethertype, cap < 22 ? 0 : 0x0800);
        CU_ASSERT_EQUAL(pkt.n_vlan, tags);
        CU_ASSERT_EQUAL(pkt.vlan[0], tags >= 1 ? 10 : 0);
        CU_ASSERT_EQUAL(pkt.vlan[1], tags >= 2 ? 4095 : 0);
        CU_ASSERT_EQUAL(pkt.vlan[2], 0);
    }
}

static void test_link_sll(void)
{
    static const uint8_t sll[] = {
        0x00, 0x00, 0x00, 0x01, 0x00, 0x06, /* to us, ARPHRD_ETHER, address length 6 */
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00, /* address */
        0x86, 0xdd,                         /* protocol IPv6 */
        0x60,
    };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    CU_ASSERT_EQUAL(run(sll, sizeof(sll), LINKTYPE_LINUX_SLL, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV6);
    CU_ASSERT_EQUAL(v.len, 1);
    CU_ASSERT_EQUAL(run(sll, 15, LINKTYPE_LINUX_SLL, &v, &pkt, &l3), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_LINK_TRUNCATED));

    static const uint8_t sll2[] = {
        0x08, 0x00, 0x00, 0x00,             /* protocol IPv4, reserved */
        0x00, 0x00, 0x00, 0x02,             /* interface index 2 */
        0x00, 0x01, 0x04, 0x06,             /* ARPHRD_ETHER, outgoing, address length 6 */
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00,
        0x45,
    };
    CU_ASSERT_EQUAL(run(sll2, sizeof(sll2), LINKTYPE_LINUX_SLL2, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV4);
    CU_ASSERT_EQUAL(v.len, 1);
    CU_ASSERT_EQUAL(v.p[0], 0x45);
    CU_ASSERT_EQUAL(run(sll2, 19, LINKTYPE_LINUX_SLL2, &v, &pkt, &l3), DISSECT_TRUNCATED);
}

static void test_link_raw(void)
{
    static const uint8_t v4[] = { 0x45, 0x00 }, v6[] = { 0x60, 0x00 }, v5[] = { 0x50 };
    static const uint32_t types[] = { LINKTYPE_RAW, LINKTYPE_RAW_BSD12, LINKTYPE_RAW_BSD14 };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        CU_ASSERT_EQUAL(run(v4, sizeof(v4), types[i], &v, &pkt, &l3), DISSECT_OK);
        CU_ASSERT_EQUAL(l3, L3_IPV4);
        CU_ASSERT_EQUAL(v.len, 2); /* nothing consumed */
        CU_ASSERT_EQUAL(run(v6, sizeof(v6), types[i], &v, &pkt, &l3), DISSECT_OK);
        CU_ASSERT_EQUAL(l3, L3_IPV6);
    }
    CU_ASSERT_EQUAL(run(v5, sizeof(v5), LINKTYPE_RAW, &v, &pkt, &l3), DISSECT_MALFORMED);
    CU_ASSERT_EQUAL(run(v4, 0, LINKTYPE_RAW, &v, &pkt, &l3), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_LINK_TRUNCATED));

    CU_ASSERT_EQUAL(run(v6, sizeof(v6), LINKTYPE_IPV4, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV4); /* the link type decides, IPv4 will flag the version */
    CU_ASSERT_EQUAL(run(v4, sizeof(v4), LINKTYPE_IPV6, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV6);
}

static void test_link_null_both_byte_orders(void)
{
    static const uint8_t le_inet[] = { 0x02, 0x00, 0x00, 0x00, 0x45 };
    static const uint8_t be_inet[] = { 0x00, 0x00, 0x00, 0x02, 0x45 };
    static const uint8_t le_inet6[] = { 0x1e, 0x00, 0x00, 0x00, 0x60 }; /* 30: macOS */
    static const uint8_t be_inet6[] = { 0x00, 0x00, 0x00, 0x18, 0x60 }; /* 24: NetBSD */
    static const uint8_t le_fbsd6[] = { 0x1c, 0x00, 0x00, 0x00, 0x60 }; /* 28: FreeBSD */
    static const uint8_t le_other[] = { 0x07, 0x00, 0x00, 0x00, 0x00 };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    CU_ASSERT_EQUAL(run(le_inet, sizeof(le_inet), LINKTYPE_NULL, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV4);
    CU_ASSERT_EQUAL(v.len, 1);
    CU_ASSERT_EQUAL(run(be_inet, sizeof(be_inet), LINKTYPE_NULL, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV4);
    CU_ASSERT_EQUAL(run(le_inet6, sizeof(le_inet6), LINKTYPE_NULL, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV6);
    CU_ASSERT_EQUAL(run(be_inet6, sizeof(be_inet6), LINKTYPE_NULL, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV6);
    CU_ASSERT_EQUAL(run(le_fbsd6, sizeof(le_fbsd6), LINKTYPE_NULL, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV6);
    CU_ASSERT_EQUAL(run(le_other, sizeof(le_other), LINKTYPE_NULL, &v, &pkt, &l3),
                    DISSECT_UNSUPPORTED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_NULL_UNKNOWN_FAMILY));
    CU_ASSERT_EQUAL(run(le_inet, 3, LINKTYPE_NULL, &v, &pkt, &l3), DISSECT_TRUNCATED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_LINK_TRUNCATED));

    /* LOOP is always network byte order: a little-endian 2 is not AF_INET there */
    CU_ASSERT_EQUAL(run(be_inet, sizeof(be_inet), LINKTYPE_LOOP, &v, &pkt, &l3), DISSECT_OK);
    CU_ASSERT_EQUAL(l3, L3_IPV4);
    CU_ASSERT_EQUAL(run(le_inet, sizeof(le_inet), LINKTYPE_LOOP, &v, &pkt, &l3),
                    DISSECT_UNSUPPORTED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_NULL_UNKNOWN_FAMILY));
}

static void test_link_unknown_type(void)
{
    static const uint8_t raw[] = { 0x45, 0x00 };
    struct view v;
    struct packet pkt;
    enum l3_kind l3;
    CU_ASSERT_EQUAL(run(raw, sizeof(raw), 147 /* LINKTYPE_USER0 */, &v, &pkt, &l3),
                    DISSECT_UNSUPPORTED);
    CU_ASSERT(HAS_ANOM(pkt, ANOM_LINK_UNKNOWN_TYPE));
    CU_ASSERT_EQUAL(pkt.layer, LAYER_NONE);
    CU_ASSERT_EQUAL(l3, L3_NONE);
}

static void test_anomaly_names(void)
{
    CU_ASSERT_STRING_EQUAL(anomaly_name(ANOM_LINK_TRUNCATED), "link_truncated");
    CU_ASSERT_STRING_EQUAL(anomaly_name(ANOM_TCP_TRUNCATED), "tcp_truncated");
    CU_ASSERT_STRING_EQUAL(anomaly_name(ANOM_IPV4_BAD_HDR_LEN), "ipv4_bad_header_length");
    CU_ASSERT_STRING_EQUAL(anomaly_name(ANOM_IP_LEN_ZERO), "ip_length_zero");
    CU_ASSERT_STRING_EQUAL(anomaly_name(ANOM_COUNT), "?");
    for (int a = 0; a < ANOM_COUNT; a++)
        CU_ASSERT_PTR_NOT_NULL(anomaly_name((enum anomaly)a));
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "Ethernet", test_link_ethernet },
        { "ARP and 802.3: unsupported, no anomaly", test_link_arp_is_not_an_anomaly },
        { "802.1Q tag", test_link_vlan },
        { "QinQ and deep stacks", test_link_qinq },
        { "VLAN tags cut at every byte", test_link_vlan_cut_at_every_byte },
        { "Linux SLL and SLL2", test_link_sll },
        { "raw IP link types", test_link_raw },
        { "BSD NULL both byte orders, LOOP", test_link_null_both_byte_orders },
        { "unknown link type", test_link_unknown_type },
        { "anomaly names", test_anomaly_names },
        { NULL, NULL },
    };
    return add_suite("link", tests);
}
