/* test_conn_log.c - the conn.log writer: header lines, Zeek's ASCII conventions
 * (unset "-", empty "(empty)", T/F, escaping) and the columns a record has for
 * TCP and for other protocols. Columns are found by their #fields name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_fixture.h"
#include "conn_log.h"
#include "cunit_main.h"

#define S 1000000000ull

/* The text conn_log_header (with_header) and/or conn_log_record write. Not
 * inlined: GCC 12 then takes the returned text for the local `buf` whose
 * address open_memstream kept, and -Wdangling-pointer fails the build. */
__attribute__((noinline)) static char *render(const struct conn *c, bool with_header)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (with_header)
        conn_log_header(f, 1700000000 * S);
    if (c != NULL)
        conn_log_record(f, c);
    fclose(f);
    return buf;
}

/* Field n (0 = the first) of a tab-separated line, into out. */
static void nth_field(const char *line, int n, char *out, size_t len)
{
    const char *p = line;
    for (int i = 0; i < n && p != NULL; i++) {
        p = strchr(p, '\t');
        if (p != NULL)
            p++;
    }
    out[0] = '\0';
    if (p == NULL)
        return;
    size_t k = strcspn(p, "\t\n");
    if (k >= len)
        k = len - 1;
    memcpy(out, p, k);
    out[k] = '\0';
}

/* The index of column name in the #fields line (0 = ts), or -1. */
static int column_index(const char *name)
{
    char *hdr = render(NULL, true);
    const char *fields = strstr(hdr, "#fields\t");
    int idx = -1;
    if (fields != NULL) {
        char f[64];
        for (int i = 0;; i++) {
            nth_field(fields, i + 1, f, sizeof(f));
            if (f[0] == '\0')
                break;
            if (strcmp(f, name) == 0) {
                idx = i;
                break;
            }
        }
    }
    free(hdr);
    return idx;
}

/* The value of column name in c's record line. */
static void column(const struct conn *c, const char *name, char *out, size_t len)
{
    int idx = column_index(name);
    CU_ASSERT_FATAL(idx >= 0);
    char *line = render(c, false);
    nth_field(line, idx, out, len);
    free(line);
}

#define ASSERT_COLUMN(c, name, want)                                                  \
    do {                                                                              \
        char got_[512];                                                               \
        column((c), (name), got_, sizeof(got_));                                      \
        CU_ASSERT_STRING_EQUAL(got_, (want));                                         \
        if (strcmp(got_, (want)) != 0)                                                \
            fprintf(stderr, "column %s: got \"%s\", want \"%s\"\n", (name), got_, (want)); \
    } while (0)

static void tcp_conn(struct conn *c)
{
    memset(c, 0, sizeof(*c));
    c->proto = IPPROTO_NUM_TCP;
    c->ip_version = 4;
    c->orig_addr = ip4("10.0.0.1");
    c->resp_addr = ip4("10.0.0.2");
    c->orig_port = 50000;
    c->resp_port = 80;
    c->first_ts = 1700000000 * S;
    c->last_ts = c->zeek_last_ts = c->first_ts + 2 * S;
    c->incarnation = 1;
    c->id = 42;
    c->dir[0].pkts = 3;
    c->dir[0].wscale = -1;
    c->dir[1].wscale = -1;
}

static void test_header(void)
{
    char *hdr = render(NULL, true);
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                                       "#unset_field\t-\n#path\tconn\n#open\t2023-11-14-22-13-20\n"));
    /* Zeek's columns first, in conn.log's order */
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr, "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\t"
                                       "proto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\t"
                                       "local_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\t"
                                       "orig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\t"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hdr, "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\t"));
    /* as many types as fields */
    const char *fl = strstr(hdr, "#fields"), *ty = strstr(hdr, "#types");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ty);
    size_t nf = 0, nt = 0;
    for (const char *p = fl; *p != '\n'; p++)
        nf += *p == '\t';
    for (const char *p = ty; *p != '\n'; p++)
        nt += *p == '\t';
    CU_ASSERT_EQUAL(nf, nt);
    free(hdr);

    struct conn c;
    tcp_conn(&c);
    char *line = render(&c, false);
    size_t nr = 0;
    for (const char *p = line; *p != '\0'; p++)
        nr += *p == '\t';
    CU_ASSERT_EQUAL(nr + 1, nf); /* a record has one column per field */
    free(line);
}

static void test_tcp_columns(void)
{
    struct conn c;
    tcp_conn(&c);
    c.first_ts += 1499; /* rounds down to the microsecond */
    ASSERT_COLUMN(&c, "ts", "1700000000.000001");
    c.first_ts += 1; /* 1500 ns: half up */
    ASSERT_COLUMN(&c, "ts", "1700000000.000002");
    c.first_ts = UINT64_MAX; /* the last nanosecond: rounding must not wrap to 0 */
    ASSERT_COLUMN(&c, "ts", "18446744073.709552");
    tcp_conn(&c);
    ASSERT_COLUMN(&c, "local_orig", "-");
    ASSERT_COLUMN(&c, "service", "-");
    ASSERT_COLUMN(&c, "direction_inferred", "F");
    c.direction_inferred = true;
    ASSERT_COLUMN(&c, "direction_inferred", "T");
    ASSERT_COLUMN(&c, "handshake_validated", "F");
    ASSERT_COLUMN(&c, "prev_close_gap", "-"); /* first incarnation */
    ASSERT_COLUMN(&c, "reuse_in_time_wait", "-");
    c.incarnation = 2;
    c.prev_close_gap_ns = 30 * S + 250000;
    c.flags = CONN_F_REUSE_IN_TIME_WAIT;
    ASSERT_COLUMN(&c, "prev_close_gap", "30.000250");
    ASSERT_COLUMN(&c, "reuse_in_time_wait", "T");
    ASSERT_COLUMN(&c, "vlan", "-");
    c.vlan = 100;
    ASSERT_COLUMN(&c, "vlan", "100");
    /* a set of flags, in bit order, and the empty set */
    c.flags = CONN_F_FLIPPED | CONN_F_SEQ_GAP;
    ASSERT_COLUMN(&c, "flags", "seq_gap,flipped");
    c.flags = 0;
    ASSERT_COLUMN(&c, "flags", "(empty)");
    ASSERT_COLUMN(&c, "tunnel_parents", "(empty)");
    /* transitions: none yet, then one element each */
    ASSERT_COLUMN(&c, "transitions", "(empty)");
    tr(&c, 0, TCP_ST_CLOSED, TCP_ST_SYN_SENT, 0);
    tr(&c, 1, TCP_ST_LISTEN, TCP_ST_SYN_RECEIVED, 800000);
    ASSERT_COLUMN(&c, "transitions",
                  "1700000000.000000 orig CLOSED->SYN_SENT,1700000000.000800 resp LISTEN->SYN_RECEIVED");
    ASSERT_COLUMN(&c, "orig_state", "SYN_SENT");
    ASSERT_COLUMN(&c, "resp_state", "SYN_RECEIVED");
    /* per-direction counters, each from its own side */
    c.tcp_counts[0].retransmissions = 1;
    c.tcp_counts[1].retransmissions = 2;
    c.tcp_counts[1].dup_acks = 3;
    ASSERT_COLUMN(&c, "orig_retransmissions", "1");
    ASSERT_COLUMN(&c, "resp_retransmissions", "2");
    ASSERT_COLUMN(&c, "orig_dup_acks", "0");
    ASSERT_COLUMN(&c, "resp_dup_acks", "3");
    ASSERT_COLUMN(&c, "orig_mss", "-");
    c.dir[1].mss = 1460;
    c.dir[1].wscale = 0;
    ASSERT_COLUMN(&c, "resp_mss", "1460");
    ASSERT_COLUMN(&c, "resp_wscale", "0");
    ASSERT_COLUMN(&c, "orig_wscale", "-");
    ASSERT_COLUMN(&c, "rtt_syn_synack", "-");
    c.syn_ts = c.first_ts;
    c.synack_ts = c.first_ts + 1200000;
    ASSERT_COLUMN(&c, "rtt_syn_synack", "0.001200");
    ASSERT_COLUMN(&c, "icmp_error_type", "-");
    c.has_icmp = true;
    c.icmp.type = 3;
    c.icmp.code = 4;
    c.icmp.mtu = 1400;
    c.icmp.ip_version = 4;
    c.icmp.from = ip4("192.0.2.1");
    ASSERT_COLUMN(&c, "icmp_error_code", "4");
    ASSERT_COLUMN(&c, "icmp_error_from", "192.0.2.1");
    ASSERT_COLUMN(&c, "icmp_error_mtu", "1400");
}

static void test_other_protocols(void)
{
    struct conn c;
    tcp_conn(&c);
    c.proto = IPPROTO_NUM_UDP;
    ASSERT_COLUMN(&c, "proto", "udp");
    /* the TCP-only columns are unset, not zero or empty */
    ASSERT_COLUMN(&c, "orig_state", "-");
    ASSERT_COLUMN(&c, "handshake_validated", "-");
    ASSERT_COLUMN(&c, "transitions", "-");
    ASSERT_COLUMN(&c, "orig_retransmissions", "-");
    ASSERT_COLUMN(&c, "resp_keepalives", "-");
    ASSERT_COLUMN(&c, "out_of_window_rsts", "-");
    ASSERT_COLUMN(&c, "refused_by_rst", "-");
    ASSERT_COLUMN(&c, "ip_proto", "17");
    /* no duration: Zeek leaves it and the byte counts unset */
    c.zeek_last_ts = c.first_ts;
    ASSERT_COLUMN(&c, "duration", "-");
    ASSERT_COLUMN(&c, "orig_bytes", "-");
    ASSERT_COLUMN(&c, "resp_bytes", "-");
    ASSERT_COLUMN(&c, "history", "-"); /* none: unset, as Zeek logs it */
}

static void test_escaping(void)
{
    struct conn c;
    tcp_conn(&c);
    ASSERT_COLUMN(&c, "app_host", "-"); /* no detection */
    ASSERT_COLUMN(&c, "app_protocol", "-");
    c.dpi_done = true;
    snprintf(c.app_host, sizeof(c.app_host), "a\tb,c\\d\xc3\xa9\x7f");
    /* the separator, the backslash and bytes outside printable ASCII as \xNN;
     * a comma is kept in a plain string */
    ASSERT_COLUMN(&c, "app_host", "a\\x09b,c\\x5cd\\xc3\\xa9\\x7f");
    snprintf(c.app_name, sizeof(c.app_name), "-");
    ASSERT_COLUMN(&c, "app_protocol", "\\x2d"); /* not the unset mark */
    c.app_name[0] = '\0';
    ASSERT_COLUMN(&c, "app_protocol", "(empty)");
    /* a name that reads as the empty mark (an HTTP Host "(empty)") is not
     * empty: its first byte escaped, as Zeek's writer does */
    snprintf(c.app_host, sizeof(c.app_host), "(empty)");
    ASSERT_COLUMN(&c, "app_host", "\\x28empty)");
    snprintf(c.app_host, sizeof(c.app_host), "(empty)x");
    ASSERT_COLUMN(&c, "app_host", "(empty)x");
    /* Zeek's service is a string of names joined with commas, written as
     * they are */
    snprintf(c.service, sizeof(c.service), "netbios,smb");
    ASSERT_COLUMN(&c, "service", "netbios,smb");
    c.flags = CONN_F_SEQ_GAP;
    c.tunnel_parents[0] = 1;
    c.n_tunnel_parents = 1;
    char uid[24];
    conn_uid_of_id(1, uid, sizeof(uid));
    ASSERT_COLUMN(&c, "tunnel_parents", uid);
}

/* Occurrences of needle in hay. */
static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_stream(void)
{
    struct conn c;
    tcp_conn(&c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    struct conn_log_stream s = {.out = f};
    conn_log_stream_record(&s, &c, 1700000000 * S);
    c.orig_port = 50001;
    conn_log_stream_record(&s, &c, 1800000000 * S); /* the header is written once */
    conn_log_stream_finish(&s, 1800000000 * S, 1700000009 * S);
    fclose(f);
    CU_ASSERT_EQUAL(count_of(buf, "#fields\t"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "#open\t2023-11-14-22-13-20\n"));
    CU_ASSERT_EQUAL(count_of(buf, "\n1700000000.000000\t"), 2);
    const char *close = strstr(buf, "#close\t2023-11-14-22-13-29\n");
    CU_ASSERT_PTR_NOT_NULL(close);
    CU_ASSERT(close != NULL && close[strlen("#close\t2023-11-14-22-13-29\n")] == '\0'); /* last */
    CU_ASSERT(strstr(buf, "\t50000\t") < strstr(buf, "\t50001\t")); /* in the order given */
    free(buf);

    /* no record: the header, then #close */
    buf = NULL;
    f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    s = (struct conn_log_stream){.out = f};
    conn_log_stream_finish(&s, 1700000000 * S, 1700000000 * S);
    fclose(f);
    CU_ASSERT_EQUAL(count_of(buf, "#fields\t"), 1);
    CU_ASSERT_EQUAL(count_of(buf, "#close\t"), 1);
    CU_ASSERT(strstr(buf, "#types") < strstr(buf, "#close"));
    free(buf);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"header lines, one column per field", test_header},
        {"TCP record columns", test_tcp_columns},
        {"TCP-only columns unset for UDP", test_other_protocols},
        {"Zeek's escaping", test_escaping},
        {"written as records come", test_stream},
        {NULL, NULL},
    };
    return add_suite("conn_log", tests);
}
