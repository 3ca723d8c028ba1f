/* test_services.c - built-in IANA service names, protocol names and Zeek's
 * likely_server_ports. */
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "services.h"

static void check_name(uint8_t proto, uint16_t port, const char *expect)
{
    const char *got = services_name(proto, port);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, expect);
}

static void test_services_spot_checks(void)
{
    check_name(6, 20, "ftp-data");
    check_name(6, 21, "ftp");
    check_name(6, 22, "ssh");
    check_name(6, 23, "telnet");
    check_name(6, 25, "smtp");
    check_name(17, 53, "domain");
    check_name(6, 53, "domain");
    check_name(17, 67, "bootps");
    check_name(17, 68, "bootpc");
    check_name(17, 69, "tftp");
    check_name(6, 80, "http");
    check_name(17, 88, "kerberos");
    check_name(6, 110, "pop3");
    check_name(6, 111, "sunrpc");
    check_name(17, 123, "ntp");
    check_name(17, 137, "netbios-ns");
    check_name(17, 138, "netbios-dgm");
    check_name(6, 139, "netbios-ssn");
    check_name(6, 143, "imap");
    check_name(17, 161, "snmp");
    check_name(17, 162, "snmptrap");
    check_name(6, 179, "bgp");
    check_name(6, 389, "ldap");
    check_name(6, 443, "https");
    check_name(17, 443, "https");
    check_name(6, 445, "microsoft-ds");
    check_name(17, 500, "isakmp");
    check_name(17, 514, "syslog");
    check_name(6, 514, "shell"); /* same number, different service per transport */
    check_name(6, 587, "submission");
    check_name(6, 636, "ldaps");
    check_name(6, 993, "imaps");
    check_name(6, 995, "pop3s");
    check_name(17, 1194, "openvpn");
    check_name(6, 1433, "ms-sql-s");
    check_name(17, 1812, "radius");
    check_name(6, 2049, "nfs");
    check_name(6, 3306, "mysql");
    check_name(6, 3389, "ms-wbt-server");
    check_name(17, 4789, "vxlan");
    check_name(17, 5060, "sip");
    check_name(6, 5432, "postgresql");
    check_name(6, 5672, "amqp");
    check_name(6, 6379, "redis");
    check_name(6, 8080, "http-alt");
    check_name(132, 2905, "m3ua");
    check_name(132, 3868, "diameter");
    check_name(132, 36412, "s1-control");
    check_name(132, 38412, "ng-control");
}

static void test_services_unassigned(void)
{
    CU_ASSERT_PTR_NULL(services_name(6, 0));
    CU_ASSERT_PTR_NULL(services_name(6, 81)); /* unassigned in the registry */
    CU_ASSERT_PTR_NULL(services_name(6, 65535));
    CU_ASSERT_PTR_NULL(services_name(6, 49152)); /* dynamic range */
    CU_ASSERT_PTR_NULL(services_name(17, 22));   /* ssh is tcp-only in our table */
    CU_ASSERT_PTR_NULL(services_name(132, 53));
    CU_ASSERT_PTR_NULL(services_name(1, 80)); /* not a port protocol */
    CU_ASSERT_PTR_NULL(services_name(47, 80));
}

static void test_services_table_sorted_and_sane(void)
{
    size_t n = 0;
    const struct services_entry *t = services_table(&n);
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT(n >= 250);
    size_t n_tcp = 0, n_udp = 0, n_sctp = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            bool ordered = t[i - 1].ipproto < t[i].ipproto ||
                           (t[i - 1].ipproto == t[i].ipproto && t[i - 1].port < t[i].port);
            CU_ASSERT(ordered); /* strictly increasing: no duplicates either */
            if (!ordered)
                fprintf(stderr, "unsorted at %zu: %u/%u\n", i, t[i].ipproto, t[i].port);
        }
        CU_ASSERT(t[i].ipproto == 6 || t[i].ipproto == 17 || t[i].ipproto == 132);
        n_tcp += t[i].ipproto == 6;
        n_udp += t[i].ipproto == 17;
        n_sctp += t[i].ipproto == 132;
        /* IANA service names: 1..15 chars of a-z, 0-9 and '-' */
        size_t len = strlen(t[i].name);
        CU_ASSERT(len >= 1 && len <= 15);
        for (size_t k = 0; k < len; k++) {
            char c = t[i].name[k];
            CU_ASSERT((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
        }
        /* every row is reachable through the lookup */
        CU_ASSERT_PTR_EQUAL(services_name(t[i].ipproto, t[i].port), t[i].name);
    }
    CU_ASSERT(n_tcp > 100);
    CU_ASSERT(n_udp > 40);
    CU_ASSERT(n_sctp > 20);
}

static void test_services_proto_names(void)
{
    CU_ASSERT_STRING_EQUAL(services_proto_name(6), "tcp");
    CU_ASSERT_STRING_EQUAL(services_proto_name(17), "udp");
    CU_ASSERT_STRING_EQUAL(services_proto_name(1), "icmp");
    CU_ASSERT_STRING_EQUAL(services_proto_name(58), "icmpv6");
    CU_ASSERT_STRING_EQUAL(services_proto_name(132), "sctp");
    CU_ASSERT_STRING_EQUAL(services_proto_name(47), "gre");
    CU_ASSERT_PTR_NULL(services_proto_name(253));

    CU_ASSERT_STRING_EQUAL(services_zeek_proto(6), "tcp");
    CU_ASSERT_STRING_EQUAL(services_zeek_proto(17), "udp");
    CU_ASSERT_STRING_EQUAL(services_zeek_proto(1), "icmp");
    CU_ASSERT_STRING_EQUAL(services_zeek_proto(58), "icmp");
    CU_ASSERT_STRING_EQUAL(services_zeek_proto(132), "unknown_transport");
    CU_ASSERT_STRING_EQUAL(services_zeek_proto(47), "unknown_transport");
}

static void test_services_likely_server_ports(void)
{
    /* every port of our list, so an unsorted array would show up here */
    static const uint16_t tcp[] = {21,   22,   25,   53,   79,   80,   81,   88,   110,  135,
                                   139,  143,  389,  443,  445,  502,  563,  585,  587,  614,
                                   631,  636,  989,  990,  992,  993,  995,  1080, 1434, 1883,
                                   2811, 3128, 3268, 3306, 3389, 5222, 5223, 5269, 5432, 6379,
                                   6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000};
    static const uint16_t udp[] = {53,   67,   68,   88,   123,  137,  161,  162,
                                   389,  443,  514,  784,  853,  1812, 2123, 2152,
                                   3544, 4789, 5060, 5072, 5353, 5355, 6081, 20000};
    for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++)
        CU_ASSERT(services_is_likely_server_port(6, tcp[i]));
    for (size_t i = 0; i < sizeof(udp) / sizeof(udp[0]); i++)
        CU_ASSERT(services_is_likely_server_port(17, udp[i]));

    /* DESIGN.md's midstream SSH example: 22 is likely, 50123 is not */
    CU_ASSERT_FALSE(services_is_likely_server_port(6, 50123));
    CU_ASSERT_FALSE(services_is_likely_server_port(6, 0));
    CU_ASSERT_FALSE(services_is_likely_server_port(6, 65535));
    CU_ASSERT_FALSE(services_is_likely_server_port(6, 23));    /* telnet: DPD only */
    CU_ASSERT_FALSE(services_is_likely_server_port(17, 22));   /* per transport */
    CU_ASSERT_FALSE(services_is_likely_server_port(6, 5353));  /* mdns is udp */
    CU_ASSERT_FALSE(services_is_likely_server_port(132, 80));  /* sctp: never */
    CU_ASSERT_FALSE(services_is_likely_server_port(1, 8));
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"IANA names spot checks", test_services_spot_checks},
        {"unassigned ports give NULL", test_services_unassigned},
        {"table sorted, names well-formed", test_services_table_sorted_and_sane},
        {"protocol names", test_services_proto_names},
        {"likely server ports", test_services_likely_server_ports},
        {NULL, NULL},
    };
    return add_suite("services", tests);
}
