/* test_json_out.c - the text json_out writes is what jansson's compact dump
 * prints for the tree json_out builds from the same calls: integers, reals
 * (bit patterns across the whole range), strings with every control
 * character, UTF-8 jansson accepts and refuses, booleans, null, nesting,
 * empty containers, and members jansson refuses (left out on both sides). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "json_out.h"
#include "output_json.h"

/* Runs build through both backends and compares the texts, compact and laid
 * out as JSON_INDENT(2). */
static void same_both_ways(void (*build)(struct jout *o, const void *arg), const void *arg,
                           const char *what)
{
    for (int indent = 0; indent <= 2; indent += 2) {
        struct jout t, x;
        memset(&t, 0, sizeof(t));
        memset(&x, 0, sizeof(x));
        jout_tree(&t);
        build(&t, arg);
        json_t *tree = jout_take_tree(&t);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tree);
        char *want = json_dumps(tree, OUTPUT_JSON_DUMP_FLAGS |
                                          (indent ? JSON_INDENT(indent) : JSON_COMPACT));
        CU_ASSERT_PTR_NOT_NULL_FATAL(want);
        jout_text_indented(&x, indent);
        build(&x, arg);
        size_t len = 0;
        const char *got = jout_text_get(&x, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        CU_ASSERT_EQUAL(len, strlen(got));
        if (strcmp(want, got) != 0)
            fprintf(stderr, "%s (indent %d):\n  jansson  %s\n  json_out %s\n", what, indent, want,
                    got);
        CU_ASSERT_STRING_EQUAL(got, want);
        free(want);
        json_decref(tree);
        jout_free(&t);
        jout_free(&x);
    }
}

static void build_ints(struct jout *o, const void *arg)
{
    (void)arg;
    static const json_int_t v[] = {0, 1, -1, 42, 65535, 4294967296LL, INT64_MAX, INT64_MIN};
    jout_object(o, NULL);
    jout_array(o, "ints");
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        jout_int(o, NULL, v[i]);
    jout_end(o);
    jout_int(o, "one", 1);
    jout_end(o);
}

static void test_ints(void)
{
    same_both_ways(build_ints, NULL, "integers");
}

static void build_real(struct jout *o, const void *arg)
{
    jout_array(o, NULL);
    jout_real(o, NULL, *(const double *)arg);
    jout_end(o);
}

static void test_reals(void)
{
    static const double fixed[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e-7, 1e-5, 1e15, 1e16, 1e17, 1e21, 1e22, 1e100, 1e-100,
        123456789012345678.0, 1700000000.123456, 1700000000.000001, 0.000123, 3.0e-300,
        5e-324, DBL_MIN, DBL_MAX, -DBL_MAX, 2.5, 1.0 / 3.0, 4503599627370496.0, 12.25,
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "real %.17g", fixed[i]);
        same_both_ways(build_real, &fixed[i], what);
    }
    /* bit patterns across the whole range, from a fixed-seed generator */
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double d;
        memcpy(&d, &s, sizeof(d));
        if (!isfinite(d))
            continue;
        char what[64];
        snprintf(what, sizeof(what), "real %a", d);
        same_both_ways(build_real, &d, what);
    }
    /* microsecond timestamps as output_json_time makes them */
    for (uint64_t us = 1700000000000000ull; us < 1700000000000000ull + 3000; us += 7) {
        double d = (double)(us / 1000000) + (double)(us % 1000000) / 1e6;
        same_both_ways(build_real, &d, "timestamp");
    }
}

static void build_epoch(struct jout *o, const void *arg)
{
    jout_array(o, NULL);
    jout_epoch_us(o, NULL, *(const uint64_t *)arg);
    jout_end(o);
}

/* Epoch times with microseconds: the integer-only text between 2001 and 2096,
 * printf outside it; both the same as jansson's dump of the real. */
static void test_epoch_times(void)
{
    static const uint64_t fixed[] = {
        0, 1, 999999, 1000000, 999999999999999ull, 1000000000000000ull, 1000000000000001ull,
        1000000000999999ull, 1700000000000000ull, 1700000000100000ull, 1700000000120000ull,
        1700000000123456ull, 1700000000999999ull, 3999999999999999ull, 4000000000000000ull,
        4000000000000001ull, 8589934591999999ull, 9999999999999999ull, 17000000000000000ull,
        UINT64_MAX / 1000,
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        same_both_ways(build_epoch, &fixed[i], "epoch fixed");
    uint64_t s = 0x2545f4914f6cdd1dull;
    for (int i = 0; i < 200000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        /* seconds mostly in and around the integer-only range, any microsecond */
        uint64_t sec = 900000000u + s % 3200000000u;
        uint64_t us = sec * 1000000 + (s >> 40) % 1000000;
        if (i % 4 == 0)
            us = sec * 1000000 + (s >> 40) % 10 * 100000; /* trailing zeros */
        same_both_ways(build_epoch, &us, "epoch random");
    }
}

static void build_str(struct jout *o, const void *arg)
{
    jout_object(o, NULL);
    jout_str(o, "s", arg);
    jout_int(o, "after", 1); /* a refused string leaves the member out, not the object */
    jout_end(o);
}

static void test_strings(void)
{
    static const char *const fixed[] = {
        "", "plain", "quote \" backslash \\ slash /", "tab\tnl\ncr\rbs\bff\f", "\x7f del",
        "caf\xc3\xa9", "\xe2\x82\xac euro", "\xf0\x9f\x98\x80 emoji", "\xef\xbf\xbf",
        "\xf4\x8f\xbf\xbf max", /* valid: U+10FFFF */
        "\xc0\x80 overlong NUL", "\xc1\xbf overlong", "\x80 lone continuation",
        "\xe0\x80\x80 overlong 3", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 above max",
        "\xf5\x80\x80\x80", "\xc3 cut", "\xe2\x82 cut", "\xff", "\xfe",
        "\xf0\x80\x80\x80 overlong 4",
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        same_both_ways(build_str, fixed[i], fixed[i]);
    char ctl[2] = {0, 0};
    for (int c = 1; c < 0x20; c++) {
        ctl[0] = (char)c;
        same_both_ways(build_str, ctl, "control character");
    }
    same_both_ways(build_str, NULL, "NULL string");
}

/* Scrubbing: what jansson accepts stays as it is, each byte that does not
 * start a character it accepts becomes '?', and the result is accepted. */
static void test_utf8_scrub(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"plain.pcap: record 3", "plain.pcap: record 3"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"cut\xff.pcap", "cut?.pcap"},
        {"\xc3 cut", "? cut"},           /* a lead byte without its continuation */
        {"\xe2\x82", "??"},              /* cut at the end */
        {"\x80\x80x", "??x"},            /* stray continuations */
        {"\xc0\x80", "??"},              /* overlong NUL */
        {"\xed\xa0\x80", "???"},         /* a surrogate */
        {"\xf4\x90\x80\x80", "????"},    /* above U+10FFFF */
        {"a\xe2\x82\xac" "b\xe2\x82" "c", "a\xe2\x82\xac" "b??c"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", cases[i].in);
        jout_utf8_scrub(buf);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].out);
        json_t *j = json_string(buf);
        CU_ASSERT_PTR_NOT_NULL(j);
        json_decref(j);
    }
}

static void build_mixed(struct jout *o, const void *arg)
{
    (void)arg;
    jout_object(o, NULL);
    jout_str(o, "type", "connection");
    jout_bool(o, "yes", true);
    jout_bool(o, "no", false);
    jout_null(o, "nothing");
    jout_array(o, "empty_array");
    jout_end(o);
    jout_object(o, "empty_object");
    jout_end(o);
    jout_array(o, "refused_only"); /* every element refused: [] */
    jout_str(o, NULL, "\xff");
    jout_real(o, NULL, NAN);
    jout_real(o, NULL, INFINITY);
    jout_end(o);
    jout_array(o, "list");
    for (int i = 0; i < 3; i++) {
        jout_object(o, NULL);
        jout_real(o, "ts", 1700000000.5 + i);
        jout_str(o, "from", "SYN_SENT");
        jout_array(o, "deep");
        jout_array(o, NULL);
        jout_int(o, NULL, i);
        jout_end(o);
        jout_end(o);
        jout_end(o);
    }
    jout_end(o);
    jout_str(o, "key \"quoted\"", "v");
    /* trees made elsewhere, at several depths (json_out lays out their dump) */
    jout_json(o, "tree", json_pack("{s:i, s:[i, {s:s}, []], s:{}}", "a", 1, "b", 2, "c", "d", "e"));
    jout_json(o, "refused_tree", NULL);
    jout_array(o, "trees");
    jout_json(o, NULL, json_pack("{s:{s:[f]}}", "x", "y", 0.5));
    jout_json(o, NULL, json_integer(3));
    jout_object(o, NULL);
    jout_json(o, "deeper", json_pack("[{s:n}]", "z"));
    jout_end(o);
    jout_end(o);
    jout_end(o);
}

static void test_mixed(void)
{
    same_both_ways(build_mixed, NULL, "mixed");
}

/* A document written out piece by piece (jout_flush) is the same bytes as
 * the whole tree dumped at once. */
static void test_flushed_document(void)
{
    char *mem = NULL;
    size_t mem_len = 0;
    FILE *fp = open_memstream(&mem, &mem_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    struct jout x, t;
    memset(&x, 0, sizeof(x));
    memset(&t, 0, sizeof(t));
    jout_text_indented(&x, 2);
    jout_tree(&t);
    struct jout *both[2] = {&x, &t};
    for (int k = 0; k < 2; k++) {
        struct jout *o = both[k];
        jout_object(o, NULL);
        jout_json(o, "capture", json_pack("{s:i}", "frames", 3));
        jout_array(o, "connections");
        for (int i = 0; i < 5; i++) {
            build_mixed(o, NULL);
            if (o == &x)
                CU_ASSERT_EQUAL(jout_flush(o, fp), 0);
        }
        jout_end(o);
        jout_array(o, "empty");
        jout_end(o);
        jout_end(o);
    }
    CU_ASSERT_EQUAL(jout_flush(&x, fp), 0);
    fclose(fp);
    json_t *tree = jout_take_tree(&t);
    char *want = json_dumps(tree, OUTPUT_JSON_DUMP_FLAGS | JSON_INDENT(2));
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_EQUAL(mem_len, strlen(want));
    CU_ASSERT_STRING_EQUAL(mem, want);
    free(want);
    free(mem);
    json_decref(tree);
    jout_free(&x);
    jout_free(&t);
}

/* One text buffer serves many values: each starts afresh. */
static void test_text_reused(void)
{
    struct jout x;
    memset(&x, 0, sizeof(x));
    for (int i = 0; i < 3; i++) {
        jout_text(&x);
        build_mixed(&x, NULL);
        const char *a = jout_text_get(&x, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_EQUAL(a[0], '{');
        CU_ASSERT_PTR_NULL(strstr(a + 1, "{\"type\""));
    }
    jout_text(&x);
    jout_int(&x, NULL, 7);
    CU_ASSERT_STRING_EQUAL(jout_text_get(&x, NULL), "7");
    jout_free(&x);
}

/* Containers nested deeper than JOUT_MAX_DEPTH: the text fails, the tree
 * drops what is too deep; nothing is written out of bounds. */
static void test_too_deep(void)
{
    struct jout x;
    memset(&x, 0, sizeof(x));
    for (int text = 0; text < 2; text++) {
        if (text)
            jout_text(&x);
        else
            jout_tree(&x);
        for (int i = 0; i < JOUT_MAX_DEPTH + 3; i++)
            jout_array(&x, NULL);
        jout_int(&x, NULL, 1);
        for (int i = 0; i < JOUT_MAX_DEPTH + 3; i++)
            jout_end(&x);
        if (text) {
            CU_ASSERT_PTR_NULL(jout_text_get(&x, NULL));
        } else {
            json_t *t = jout_take_tree(&x);
            CU_ASSERT_PTR_NOT_NULL(t);
            json_decref(t);
        }
    }
    jout_free(&x);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"integers", test_ints},
        {"reals: fixed, 20,000 bit patterns, timestamps", test_reals},
        {"epoch times: integer-only text and printf, 200,000 random", test_epoch_times},
        {"strings: escapes, control characters, UTF-8 accepted and refused", test_strings},
        {"UTF-8 scrubbed for text from outside", test_utf8_scrub},
        {"booleans, null, nesting, empty and refused members", test_mixed},
        {"text buffer reused", test_text_reused},
        {"a document flushed piece by piece", test_flushed_document},
        {"nesting too deep", test_too_deep},
        {NULL, NULL},
    };
    return add_suite("json_out", tests);
}
