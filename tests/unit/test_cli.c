/* test_cli.c - command-line parsing: tcpdump habits, one-line errors. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cunit_main.h"

static int parse(struct cli_options *o, struct ss_err *e, int argc, const char **argv)
{
    return cli_parse(argc, (char **)argv, o, e);
}

static void test_files_and_bpf(void)
{
    struct cli_options o;
    struct ss_err e = {{0}};
    const char *argv[] = {"sockscope", "-r", "a.pcap", "-r", "-", "--json", "tcp", "port", "80"};
    CU_ASSERT_EQUAL(parse(&o, &e, 9, argv), 0);
    CU_ASSERT_EQUAL(o.n_files, 2);
    CU_ASSERT_STRING_EQUAL(o.files[1], "-");
    CU_ASSERT_EQUAL(o.format, FMT_JSON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o.bpf);
    CU_ASSERT_STRING_EQUAL(o.bpf, "tcp port 80");
    cli_free(&o);
}

/* As many -r files as the command line holds (a week of hourly captures is
 * 168), in order. */
static void test_many_files(void)
{
    enum { N = 300 };
    static const char *argv[1 + 2 * N];
    static char names[N][16];
    argv[0] = "sockscope";
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "h%03d.pcap", i);
        argv[1 + 2 * i] = "-r";
        argv[2 + 2 * i] = names[i];
    }
    struct cli_options o;
    struct ss_err e = {{0}};
    CU_ASSERT_EQUAL(parse(&o, &e, 1 + 2 * N, argv), 0);
    CU_ASSERT_EQUAL(o.n_files, N);
    CU_ASSERT_STRING_EQUAL(o.files[0], "h000.pcap");
    CU_ASSERT_STRING_EQUAL(o.files[N - 1], "h299.pcap");
    CU_ASSERT_PTR_NULL(o.bpf);
    cli_free(&o);
}

static void test_tracking_options(void)
{
    struct cli_options o;
    struct ss_err e = {{0}};
    const char *argv[] = {"sockscope", "-r", "x", "--max-flows", "10", "--tcp-timeout", "2.5",
                          "--msl", "30", "--seed", "7", "--verify-checksums"};
    CU_ASSERT_EQUAL(parse(&o, &e, 12, argv), 0);
    CU_ASSERT_EQUAL(o.acfg.max_flows, 10);
    CU_ASSERT_EQUAL(o.acfg.tcp_timeout_ns, 2500000000ull);
    CU_ASSERT_EQUAL(o.acfg.msl_ns, 30000000000ull);
    CU_ASSERT_TRUE(o.acfg.have_seed);
    CU_ASSERT_EQUAL(o.acfg.seed[0], 7);
    CU_ASSERT_TRUE(o.acfg.verify_checksums);
    cli_free(&o);
    /* durations take the units --at offsets take */
    const char *a2[] = {"sockscope", "-r", "x", "--tcp-timeout", "5m", "--udp-timeout", "1.5h",
                        "--close-delay", "250ms", "--msl", "2"};
    CU_ASSERT_EQUAL(parse(&o, &e, 11, a2), 0);
    CU_ASSERT_EQUAL(o.acfg.tcp_timeout_ns, 300000000000ull);
    CU_ASSERT_EQUAL(o.acfg.udp_timeout_ns, 5400000000000ull);
    CU_ASSERT_EQUAL(o.acfg.close_delay_ns, 250000000ull);
    CU_ASSERT_EQUAL(o.acfg.msl_ns, 2000000000ull);
    cli_free(&o);
    /* a seed is 64 bits, little-endian in the key's first 8 bytes */
    const char *a3[] = {"sockscope", "-r", "x", "--seed", "9223372036854775809"};
    CU_ASSERT_EQUAL(parse(&o, &e, 5, a3), 0);
    CU_ASSERT_EQUAL(o.acfg.seed[0], 1);
    CU_ASSERT_EQUAL(o.acfg.seed[7], 0x80);
    CU_ASSERT_EQUAL(o.acfg.seed[8], 0);
    cli_free(&o);
}

static void expect_error(int argc, const char **argv, const char *fragment)
{
    struct cli_options o;
    struct ss_err e = {{0}};
    CU_ASSERT_EQUAL(parse(&o, &e, argc, argv), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, fragment));
    CU_ASSERT_PTR_NULL(strchr(e.msg, '\n')); /* one line */
    cli_free(&o);
}

static void test_errors(void)
{
    const char *a1[] = {"sockscope"};
    expect_error(1, a1, "no input");
    const char *a2[] = {"sockscope", "-r", "x", "--max-flows", "zero"};
    expect_error(5, a2, "--max-flows");
    const char *a3[] = {"sockscope", "-r", "x", "--view", "everything"};
    expect_error(5, a3, "unknown view");
    const char *a4[] = {"sockscope", "-r"};
    expect_error(2, a4, "needs an argument");
    const char *a5[] = {"sockscope", "-r", "x", "--frobnicate"};
    expect_error(4, a5, "unknown option");
    const char *a6[] = {"sockscope", "-r", "x", "-i", "eth0"};
    expect_error(5, a6, "cannot be combined");
    const char *a7[] = {"sockscope", "-r", "x", "--tcp-timeout", "-1"};
    expect_error(5, a7, "tcp-timeout");
    const char *a8[] = {"sockscope", "-r", "x", "--at", "+1s"};
    expect_error(5, a8, "--netstat");
    const char *a9[] = {"sockscope", "-r", "x", "-c", "0"};
    expect_error(5, a9, "-c");
    const char *a10[] = {"sockscope", "-r", "x", "--tcp-timeout", "5 m"};
    expect_error(5, a10, "invalid duration '5 m' for --tcp-timeout");
    const char *a11[] = {"sockscope", "-r", "x", "--msl", "1e3"};
    expect_error(5, a11, "invalid duration '1e3' for --msl");
    const char *a12[] = {"sockscope", "-r", "x", "--udp-timeout", "1000000001"};
    expect_error(5, a12, "--udp-timeout");
    const char *a13[] = {"sockscope", "-r", "x", "--close-delay", " 5"};
    expect_error(5, a13, "--close-delay");
    const char *a14[] = {"sockscope", "-i", "lo", "--interval", "0ms"};
    expect_error(5, a14, "invalid interval '0ms' for --interval");
}

/* Two reports, or a report and a format it has not: refused, not one of them
 * dropped without a word. */
static void test_conflicts(void)
{
    const char *a1[] = {"sockscope", "-r", "x", "--json", "--conn-log"};
    expect_error(5, a1, "--json and --conn-log cannot be combined");
    const char *a2[] = {"sockscope", "-r", "x", "--ndjson", "--json"};
    expect_error(5, a2, "--ndjson and --json cannot be combined");
    const char *a3[] = {"sockscope", "-r", "x", "--explain", "10.0.0.1", "--netstat", "10.0.0.1"};
    expect_error(7, a3, "--explain and --netstat cannot be combined");
    const char *a4[] = {"sockscope", "-r", "x", "--netstat", "10.0.0.1", "--view", "ports"};
    expect_error(7, a4, "--netstat and --view ports cannot be combined");
    const char *a5[] = {"sockscope", "-r", "x", "--view", "ports", "--view", "hosts"};
    expect_error(7, a5, "--view ports and --view hosts cannot be combined");
    const char *a6[] = {"sockscope", "-r", "x", "--view", "sockets", "--json"};
    expect_error(6, a6, "--view sockets writes text: it cannot be combined with --json");
    const char *a7[] = {"sockscope", "-r", "x", "--explain", "10.0.0.1:80", "--ndjson"};
    expect_error(6, a7, "--explain writes text: it cannot be combined with --ndjson");
    const char *a8[] = {"sockscope", "-r", "x", "--stats", "--conn-log"};
    expect_error(5, a8, "--stats cannot be combined with --conn-log");
    const char *a9[] = {"sockscope", "-r", "x", "--netstat", "10.0.0.1", "--conn-log"};
    expect_error(6, a9, "--netstat cannot be combined with --conn-log");
    const char *a10[] = {"sockscope", "-r", "x", "--view", "ports", "--stats"};
    expect_error(6, a10, "--view ports and --stats cannot be combined");
    const char *a11[] = {"sockscope", "-r", "x", "--netstat", "10.0.0.1", "--view", "stats"};
    expect_error(7, a11, "--netstat and --view stats cannot be combined");
    const char *a12[] = {"sockscope", "-r", "x", "--top", "3", "--json"};
    expect_error(6, a12, "--top applies to the text tables");
    const char *a13[] = {"sockscope", "-r", "x", "--sort", "bytes", "--explain", "10.0.0.1"};
    expect_error(7, a13, "--sort applies to the text tables");
    const char *a14[] = {"sockscope", "-r", "x", "--explain", "10.0.0.1", "--explain", "10.0.0.2"};
    expect_error(7, a14, "--explain 10.0.0.1 and --explain 10.0.0.2 cannot be combined");
    const char *a15[] = {"sockscope", "-r", "x", "--explain", "10.0.0.1", "--view", "netstat"};
    expect_error(7, a15, "--explain and --view netstat cannot be combined");
}

/* What may go together still does; --view stats is --stats in every format. */
static void test_combinations(void)
{
    struct cli_options o;
    struct ss_err e = {{0}};
    const char *a1[] = {"sockscope", "-r", "x", "--json", "--json", "--netstat", "10.0.0.1",
                        "--view", "netstat", "--netstat", "10.0.0.1"};
    CU_ASSERT_EQUAL(parse(&o, &e, 11, a1), 0);
    CU_ASSERT_EQUAL(o.format, FMT_JSON);
    CU_ASSERT_STRING_EQUAL(o.netstat_host, "10.0.0.1");
    CU_ASSERT_FALSE(o.stats);
    cli_free(&o);
    const char *a2[] = {"sockscope", "-r", "x", "--ndjson", "--view", "stats"};
    CU_ASSERT_EQUAL(parse(&o, &e, 6, a2), 0);
    CU_ASSERT_TRUE(o.stats);
    cli_free(&o);
    const char *a3[] = {"sockscope", "-r", "x", "--view", "conns", "--sort", "bytes", "--top", "3"};
    CU_ASSERT_EQUAL(parse(&o, &e, 9, a3), 0);
    CU_ASSERT_EQUAL(o.top, 3);
    CU_ASSERT_FALSE(o.stats);
    cli_free(&o);
    const char *a4[] = {"sockscope", "-r", "x", "--stats", "--view", "stats", "--json"};
    CU_ASSERT_EQUAL(parse(&o, &e, 7, a4), 0);
    CU_ASSERT_TRUE(o.stats);
    cli_free(&o);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"files and trailing BPF expression", test_files_and_bpf},
        {"as many files as the command line holds", test_many_files},
        {"tracking options", test_tracking_options},
        {"errors are one line", test_errors},
        {"two reports or formats are refused", test_conflicts},
        {"options that go together", test_combinations},
        {NULL, NULL},
    };
    return add_suite("cli", tests);
}
