/* test_community_id.c - Community ID v1 (DESIGN.md "Community ID v1, exact
 * algorithm") and the base64 encoder it uses (RFC 4648 section 10 vectors).
 *
 * Where a value below is not quoted from DESIGN.md or the spec repository's
 * baseline/baseline_deflt.json, it was computed at test-writing time with an
 * independent 30-line python3 script (hashlib.sha1 + base64.b64encode over
 * struct.pack('!H', seed) + saddr + daddr + struct.pack('BB', proto, 0) +
 * struct.pack('!HH', sport, dport), endpoints ordered as the spec says); that
 * script also reproduces every DESIGN.md and baseline value. */
#include <arpa/inet.h>
#include <string.h>

#include "base64.h"
#include "community_id.h"
#include "cunit_main.h"

/* ---- base64 ---- */

static void check_b64(const char *in, const char *expect)
{
    char out[64];
    int n = base64_encode((const uint8_t *)in, strlen(in), out, sizeof(out));
    CU_ASSERT_EQUAL(n, (int)strlen(expect));
    CU_ASSERT_STRING_EQUAL(out, expect);
}

static void test_base64_rfc4648_vectors(void)
{
    check_b64("", "");
    check_b64("f", "Zg==");
    check_b64("fo", "Zm8=");
    check_b64("foo", "Zm9v");
    check_b64("foob", "Zm9vYg==");
    check_b64("fooba", "Zm9vYmE=");
    check_b64("foobar", "Zm9vYmFy");
}

static void test_base64_all_alphabet(void)
{
    /* bytes 0xfb 0xff 0xbf hit '+' and '/', the last two alphabet entries */
    static const uint8_t in[] = {0x00, 0x10, 0x83, 0xfb, 0xff, 0xbf};
    char out[16];
    CU_ASSERT_EQUAL(base64_encode(in, sizeof(in), out, sizeof(out)), 8);
    CU_ASSERT_STRING_EQUAL(out, "ABCD+/+/");
}

static void test_base64_out_too_small(void)
{
    char out[8];
    memset(out, 'x', sizeof(out));
    /* "foob" needs 8 chars + NUL */
    CU_ASSERT_EQUAL(base64_encode((const uint8_t *)"foob", 4, out, 8), -1);
    CU_ASSERT_EQUAL(out[0], 'x'); /* untouched on failure */
    CU_ASSERT_EQUAL(base64_encode((const uint8_t *)"foo", 3, out, 5), 4);
    CU_ASSERT_STRING_EQUAL(out, "Zm9v");
    CU_ASSERT_EQUAL(base64_encode((const uint8_t *)"", 0, out, 0), -1);
    CU_ASSERT_EQUAL(base64_encode(NULL, 0, out, 1), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
}

/* ---- community id ---- */

static struct community_id_input make_input(int family, const char *src, const char *dst,
                                            uint8_t proto, uint16_t sport, uint16_t dport)
{
    struct community_id_input in;
    memset(&in, 0, sizeof(in));
    in.ip_version = family == AF_INET ? 4 : 6;
    CU_ASSERT_FATAL(inet_pton(family, src, in.saddr) == 1);
    CU_ASSERT_FATAL(inet_pton(family, dst, in.daddr) == 1);
    in.proto = proto;
    in.sport = sport;
    in.dport = dport;
    return in;
}

static void check_cid(int family, const char *src, const char *dst, uint8_t proto,
                      uint16_t sport, uint16_t dport, uint16_t seed, const char *expect)
{
    struct community_id_input in = make_input(family, src, dst, proto, sport, dport);
    char out[COMMUNITY_ID_V1_SIZE];
    CU_ASSERT_EQUAL_FATAL(community_id_v1(&in, seed, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, expect);
}

static void test_cid_spec_tcp(void)
{
    check_cid(AF_INET, "1.2.3.4", "5.6.7.8", 6, 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
}

static void test_cid_spec_udp_reverse(void)
{
    check_cid(AF_INET, "5.6.7.8", "1.2.3.4", 17, 3344, 1122, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
}

static void test_cid_spec_icmp_echo(void)
{
    /* type 8 (echo request), code 0 */
    check_cid(AF_INET, "1.2.3.4", "5.6.7.8", 1, 8, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
    /* the echo reply from the other side belongs to the same flow */
    check_cid(AF_INET, "5.6.7.8", "1.2.3.4", 1, 0, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
}

static void test_cid_spec_seed1(void)
{
    check_cid(AF_INET, "1.2.3.4", "5.6.7.8", 6, 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
}

static void test_cid_same_ip_spec_order(void)
{
    /* spec (integer port comparison) value; the byte-swapped order that
     * Zeek/nDPI/Wireshark use would give 1:3seqIXu+5y8sFuE3lLtWR/KnSWo= */
    check_cid(AF_INET, "1.2.3.4", "1.2.3.4", 6, 3344, 1122, 0, "1:CY1T7/6B7r9W3LMnzSws9RXqqbQ=");
    check_cid(AF_INET, "1.2.3.4", "1.2.3.4", 6, 1122, 3344, 0, "1:CY1T7/6B7r9W3LMnzSws9RXqqbQ=");

    struct community_id_input in = make_input(AF_INET, "1.2.3.4", "1.2.3.4", 6, 3344, 1122);
    char out[COMMUNITY_ID_V1_SIZE];
    CU_ASSERT_EQUAL(community_id_v1(&in, 0, out, sizeof(out)), 0);
    CU_ASSERT_STRING_NOT_EQUAL(out, "1:3seqIXu+5y8sFuE3lLtWR/KnSWo=");
}

static void test_cid_symmetry(void)
{
    static const struct {
        int family;
        const char *a, *b;
        uint8_t proto;
        uint16_t pa, pb;
    } flows[] = {
        {AF_INET, "10.0.0.1", "192.168.1.1", 6, 40000, 80},
        {AF_INET, "192.168.1.1", "10.0.0.1", 17, 53, 53},
        {AF_INET, "127.0.0.1", "127.0.0.1", 6, 65535, 1},
        {AF_INET, "127.0.0.1", "127.0.0.1", 17, 256, 1}, /* byte-swap-sensitive ports */
        {AF_INET6, "::1", "2001:db8::1", 132, 2905, 2905},
        {AF_INET6, "fe80::1", "fe80::1", 6, 443, 52000},
    };
    for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
        struct community_id_input fwd =
            make_input(flows[i].family, flows[i].a, flows[i].b, flows[i].proto, flows[i].pa,
                       flows[i].pb);
        struct community_id_input rev =
            make_input(flows[i].family, flows[i].b, flows[i].a, flows[i].proto, flows[i].pb,
                       flows[i].pa);
        char o1[COMMUNITY_ID_V1_SIZE], o2[COMMUNITY_ID_V1_SIZE];
        CU_ASSERT_EQUAL(community_id_v1(&fwd, 0, o1, sizeof(o1)), 0);
        CU_ASSERT_EQUAL(community_id_v1(&rev, 0, o2, sizeof(o2)), 0);
        CU_ASSERT_STRING_EQUAL(o1, o2);
        CU_ASSERT_EQUAL(strlen(o1), 30u);
    }
}

static void test_cid_ipv6_tcp(void)
{
    /* computed with the python3 script described at the top */
    check_cid(AF_INET6, "2001:db8::1", "2001:db8::2", 6, 51000, 443, 0,
              "1:TZebe/ybIXr8J9lX26/lqPRYGuk=");
    check_cid(AF_INET6, "2001:db8::2", "2001:db8::1", 6, 443, 51000, 0,
              "1:TZebe/ybIXr8J9lX26/lqPRYGuk=");
    /* computed with the script */
    check_cid(AF_INET6, "2001:db8:1::53", "2001:db8::10", 17, 53, 40000, 0,
              "1:G+4JDDn6l5v89pzQOshGRN/paRs=");
    /* spec baseline_deflt.json (SMTP over IPv6) */
    check_cid(AF_INET6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 6,
              25, 63943, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
}

static void test_cid_icmpv6_echo(void)
{
    /* computed with the script: type 128 request, 129 reply */
    check_cid(AF_INET6, "2001:db8::1", "2001:db8::2", 58, 128, 0, 0,
              "1:u2vMS3HiWth2lIMKHB1fjELshpQ=");
    check_cid(AF_INET6, "2001:db8::2", "2001:db8::1", 58, 129, 0, 0,
              "1:u2vMS3HiWth2lIMKHB1fjELshpQ=");
    /* spec baseline: echo request 3ffe:507:..:80da -> 3ffe:501:0:1001::2 */
    check_cid(AF_INET6, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 58, 128, 0, 0,
              "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=");
    /* spec baseline: neighbor solicitation 135 / advertisement 136 */
    check_cid(AF_INET6, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 0, 0,
              "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
    check_cid(AF_INET6, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 136, 0, 0,
              "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
}

static void test_cid_icmp_one_way(void)
{
    /* destination unreachable (3), port unreachable (3): one-way, so direction
     * matters; values computed with the script */
    check_cid(AF_INET, "10.0.0.2", "10.0.0.1", 1, 3, 3, 0, "1:LhjXG72oBqb/FpYqPl9LboG4/B4=");
    check_cid(AF_INET, "10.0.0.1", "10.0.0.2", 1, 3, 3, 0, "1:sn6MAmXQ6UD1gYE1XbV3XTNewrk=");
    /* spec baseline: time exceeded (11) 10.0.0.1 -> 10.0.0.2, code 0, where the
     * source is the lower address */
    check_cid(AF_INET, "10.0.0.1", "10.0.0.2", 1, 11, 0, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
    /* spec baseline: ICMPv6 destination unreachable (1), code 4 */
    check_cid(AF_INET6, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 58,
              1, 4, 0, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=");
}

static void test_cid_sctp_and_portless(void)
{
    /* spec baseline: SCTP, both directions */
    check_cid(AF_INET, "192.168.170.8", "192.168.170.56", 132, 7, 7, 0,
              "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
    check_cid(AF_INET, "192.168.170.56", "192.168.170.8", 132, 7, 7, 0,
              "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
    /* spec baseline: RSVP (46) has no ports; the port fields are ignored */
    check_cid(AF_INET, "10.1.12.1", "10.1.12.2", 46, 0, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
    check_cid(AF_INET, "10.1.12.2", "10.1.12.1", 46, 999, 5, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
    /* GRE (47), computed with the script */
    check_cid(AF_INET, "10.0.0.2", "10.0.0.1", 47, 0, 0, 0, "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=");
}

static void test_cid_errors(void)
{
    struct community_id_input in = make_input(AF_INET, "1.2.3.4", "5.6.7.8", 6, 1122, 3344);
    char out[COMMUNITY_ID_V1_SIZE];
    CU_ASSERT_EQUAL(community_id_v1(&in, 0, out, sizeof(out) - 1), -1);
    CU_ASSERT_STRING_EQUAL(out, "");
    in.ip_version = 5;
    CU_ASSERT_EQUAL(community_id_v1(&in, 0, out, sizeof(out)), -1);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(community_id_v1(NULL, 0, out, sizeof(out)), -1);
}

int register_tests(void)
{
    static const struct test_entry b64[] = {
        {"RFC 4648 vectors", test_base64_rfc4648_vectors},
        {"whole alphabet incl + and /", test_base64_all_alphabet},
        {"output buffer too small", test_base64_out_too_small},
        {NULL, NULL},
    };
    static const struct test_entry cid[] = {
        {"spec vector TCP", test_cid_spec_tcp},
        {"spec vector UDP reverse", test_cid_spec_udp_reverse},
        {"spec vector ICMP echo", test_cid_spec_icmp_echo},
        {"spec vector TCP seed 1", test_cid_spec_seed1},
        {"same IP: spec port order", test_cid_same_ip_spec_order},
        {"both directions same id", test_cid_symmetry},
        {"IPv6 TCP/UDP", test_cid_ipv6_tcp},
        {"ICMPv6 echo and ND", test_cid_icmpv6_echo},
        {"ICMP one-way messages", test_cid_icmp_one_way},
        {"SCTP and portless protocols", test_cid_sctp_and_portless},
        {"errors", test_cid_errors},
        {NULL, NULL},
    };
    if (add_suite("base64", b64) != 0)
        return -1;
    return add_suite("community_id", cid);
}
