/* test_conn.c - the record helpers every output calls per connection:
 * addresses as text (IPv4 written by sockscope itself, the same text as
 * inet_ntop) and uids (Zeek's shape, cut to the buffer as snprintf cuts). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "cunit_main.h"

static void check_ip4(const uint8_t b[4])
{
    struct ip_addr a;
    memset(&a, 0, sizeof(a));
    memcpy(a.b, b, 4);
    char ours[INET6_ADDRSTRLEN], libc[INET6_ADDRSTRLEN];
    ip_addr_format(&a, 4, ours, sizeof(ours));
    CU_ASSERT_PTR_NOT_NULL_FATAL(inet_ntop(AF_INET, b, libc, sizeof(libc)));
    CU_ASSERT_STRING_EQUAL(ours, libc);
}

/* every octet value in every position, against inet_ntop */
static void test_ipv4_text_as_inet_ntop(void)
{
    for (unsigned v = 0; v < 256; v++) {
        for (int pos = 0; pos < 4; pos++) {
            uint8_t b[4] = {10, 99, 0, 1};
            b[pos] = (uint8_t)v;
            check_ip4(b);
        }
    }
    check_ip4((const uint8_t[4]){0, 0, 0, 0});
    check_ip4((const uint8_t[4]){255, 255, 255, 255});
    check_ip4((const uint8_t[4]){100, 10, 1, 200});
}

/* a buffer too small for the address: "?" as when inet_ntop refuses it,
 * never a cut address */
static void test_ipv4_text_buffer_too_small(void)
{
    struct ip_addr a;
    memset(&a, 0, sizeof(a));
    memcpy(a.b, (const uint8_t[4]){192, 168, 100, 200}, 4);
    char buf[16];
    ip_addr_format(&a, 4, buf, 16); /* 15 characters and the NUL: fits */
    CU_ASSERT_STRING_EQUAL(buf, "192.168.100.200");
    ip_addr_format(&a, 4, buf, 15);
    CU_ASSERT_STRING_EQUAL(buf, "?");
    memcpy(a.b, (const uint8_t[4]){1, 2, 3, 4}, 4);
    ip_addr_format(&a, 4, buf, 8); /* "1.2.3.4" and the NUL */
    CU_ASSERT_STRING_EQUAL(buf, "1.2.3.4");
    ip_addr_format(&a, 4, buf, 7);
    CU_ASSERT_STRING_EQUAL(buf, "?");
    ip_addr_format(&a, 0, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "-");
    memcpy(a.b, (const uint8_t[16]){0xfd, 0x99, [15] = 1}, 16);
    ip_addr_format(&a, 6, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "fd99::1");
}

/* "C" and 17 base62 characters; a shorter buffer gets the start of it */
static void test_uid_shape_and_cut(void)
{
    char uid[32], cut[8];
    conn_uid_of_id(0x0123456789abcdefull, uid, sizeof(uid));
    CU_ASSERT_EQUAL(strlen(uid), 18);
    CU_ASSERT_EQUAL(uid[0], 'C');
    for (size_t i = 1; i < strlen(uid); i++)
        CU_ASSERT_PTR_NOT_NULL(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "abcdefghijklmnopqrstuvwxyz", uid[i]));
    char other[32];
    conn_uid_of_id(0x0123456789abcdeeull, other, sizeof(other));
    CU_ASSERT_STRING_NOT_EQUAL(uid, other);
    conn_uid_of_id(0x0123456789abcdefull, cut, sizeof(cut));
    CU_ASSERT_EQUAL(strlen(cut), 7);
    CU_ASSERT_EQUAL(strncmp(cut, uid, 7), 0);
    char c18[18]; /* one short of the uid and its NUL */
    conn_uid_of_id(0x0123456789abcdefull, c18, sizeof(c18));
    CU_ASSERT_EQUAL(strlen(c18), 17);
    CU_ASSERT_EQUAL(strncmp(c18, uid, 17), 0);
    char one[1] = {'x'};
    conn_uid_of_id(1, one, 1);
    CU_ASSERT_EQUAL(one[0], '\0');
    conn_uid_of_id(1, one, 0); /* no room at all: nothing written */
    CU_ASSERT_EQUAL(one[0], '\0');
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"IPv4 text as inet_ntop writes it", test_ipv4_text_as_inet_ntop},
        {"address text: a buffer too small", test_ipv4_text_buffer_too_small},
        {"uid: Zeek's shape, cut to the buffer", test_uid_shape_and_cut},
        {NULL, NULL},
    };
    return add_suite("conn", tests);
}
