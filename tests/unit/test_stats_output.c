/* test_stats_output.c - what the capture statistics say of the files read,
 * in the JSON capture object (capture.inputs) and in --stats text: each file
 * as given, its format, compression, snaplen and frames, what ended it early;
 * a file that did not open; a name that is not UTF-8; none in a live capture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cunit_main.h"
#include "json_out.h"
#include "output_json.h"
#include "output_text.h"
#include "stats.h"

static char cut[] = "stdin: record 3: truncated record (captured length 60, 2 bytes left)";
static char gone[] = "b?.pcap: No such file or directory";

static const struct capture_input three[] = {
    { "a.pcap", "pcap", NULL, 65535, 20, 0, 0, 2, NULL },
    { "-", "pcapng", "lz4", 262144, 1, 19, 1, 0, cut },
    { "b\377.pcap", NULL, NULL, 0, 0, 0, 0, 0, gone },
};

/* Statistics of nothing read but the three files above. */
static void stats_of_three(struct capture_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->inputs = three;
    st->n_inputs = sizeof(three) / sizeof(three[0]);
}

static void test_inputs_json(void)
{
    struct capture_stats st;
    stats_of_three(&st);
    json_t *c = output_json_capture(&st);
    json_t *in = json_object_get(c, "inputs");
    CU_ASSERT_FATAL(json_is_array(in) && json_array_size(in) == 3);

    json_t *e = json_array_get(in, 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "path")), "a.pcap");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "format")), "pcap");
    CU_ASSERT(json_is_null(json_object_get(e, "compression")));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "snaplen")), 65535);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames")), 20);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames_filtered_out")), 0);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames_over_snaplen")), 0);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames_bad_ts")), 2);
    CU_ASSERT(json_is_null(json_object_get(e, "error")));
    CU_ASSERT_EQUAL(json_object_size(e), 9);

    e = json_array_get(in, 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "path")), "-");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "format")), "pcapng");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "compression")), "lz4");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "snaplen")), 262144);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames_filtered_out")), 19);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames_over_snaplen")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames_bad_ts")), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "error")), cut);

    /* did not open; its name scrubbed to UTF-8, not dropped */
    e = json_array_get(in, 2);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "path")), "b?.pcap");
    CU_ASSERT(json_is_null(json_object_get(e, "format")));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "frames")), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, "error")), gone);
    json_decref(c);

    /* a live capture: none */
    st.inputs = NULL;
    st.n_inputs = 0;
    c = output_json_capture(&st);
    in = json_object_get(c, "inputs");
    CU_ASSERT(json_is_array(in) && json_array_size(in) == 0);
    json_decref(c);
}

static char *stats_text(const struct capture_stats *st)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    output_text_stats(out, st);
    fclose(out);
    return text;
}

static void test_inputs_text(void)
{
    struct capture_stats st;
    stats_of_three(&st);
    char *text = stats_text(&st);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nFiles\n"
                                        "  a.pcap: pcap, snaplen 65535, 20 frames, 2 with a bad timestamp (adjusted)\n"
                                        "  -: pcapng, lz4-compressed, snaplen 262144, 1 frame (19 filtered out), "
                                        "1 longer than the snaplen (read whole), ended early\n"
                                        "  b\377.pcap: did not open\n"
                                        "Link types\n"));
    free(text);
    st.n_inputs = 0;
    text = stats_text(&st);
    CU_ASSERT_PTR_NULL(strstr(text, "Files"));
    free(text);
}

/* A frame stamped at the epoch is a time like any other: the first of a
 * capture whose frames are at 5 s, 0 s and 6 s is 0 s, not 6 s; also when the
 * epoch frame was counted on the reader thread's part (stats_split/join). */
static void test_first_ts_at_epoch(void)
{
    const uint64_t s = 1000000000ull;
    struct capture_stats st;
    memset(&st, 0, sizeof(st));
    stats_count_frame(&st, 1, 60, 60, 5 * s);
    stats_count_frame(&st, 1, 60, 60, 0);
    stats_count_frame(&st, 1, 60, 60, 6 * s);
    CU_ASSERT_EQUAL(st.first_ts, 0);
    CU_ASSERT_EQUAL(st.last_ts, 6 * s);
    json_t *c = output_json_capture(&st);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(c, "first_ts")), 0.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(c, "last_ts")), 6.0, 1e-9);
    json_decref(c);

    /* only frames at 0: first and last both 0, not "none" */
    struct capture_stats whole, part;
    memset(&whole, 0, sizeof(whole));
    stats_split(&part, &whole);
    stats_count_frame(&part, 1, 60, 60, 0);
    stats_join(&whole, &part);
    stats_count_frame(&whole, 1, 60, 60, 1 * s);
    CU_ASSERT_EQUAL(whole.first_ts, 0);
    CU_ASSERT_EQUAL(whole.last_ts, 1 * s);
}

/* The last nanoseconds of the uint64 range (2554-07-21T23:34:33.709551615Z)
 * round to their microsecond, not wrap to the epoch. */
static void test_time_rounding_at_the_top(void)
{
    struct capture_stats st;
    memset(&st, 0, sizeof(st));
    stats_count_frame(&st, 1, 60, 60, UINT64_MAX);
    json_t *c = output_json_capture(&st);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(c, "last_ts")), 18446744073.709552, 1e-6);
    json_decref(c);
    struct jout o = {0};
    jout_text(&o);
    jout_object(&o, NULL);
    output_json_time_member(&o, "ts", UINT64_MAX);       /* (+ 500) / 1000 gave 0 */
    output_json_time_member(&o, "t2", UINT64_MAX - 499); /* the same */
    jout_end(&o);
    const char *text = jout_text_get(&o, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    /* (a double holds 16 digits: both print the same) */
    CU_ASSERT_STRING_EQUAL(text, "{\"ts\":18446744073.70955,\"t2\":18446744073.70955}");
    jout_free(&o);
}

/* The header line: "1 frame", as "1 connection", not "1 frames". */
static void test_summary_one_frame(void)
{
    struct capture_stats st;
    memset(&st, 0, sizeof(st));
    stats_count_frame(&st, 1, 60, 60, 0);
    struct views v;
    memset(&v, 0, sizeof(v));
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    output_text_summary(out, &st, &v);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "sockscope: 1 frame (60 B) from 1970-01-01T00:00:00.000000000Z "));
    free(text);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"capture.inputs: each file, one that did not open, none live", test_inputs_json},
        {"--stats: a Files section, none live", test_inputs_text},
        {"first_ts: a frame at the epoch (time 0) is a first time", test_first_ts_at_epoch},
        {"JSON times: the top of the range rounds without wrapping", test_time_rounding_at_the_top},
        {"header line: 1 frame", test_summary_one_frame},
        {NULL, NULL},
    };
    return add_suite("stats_output", tests);
}
