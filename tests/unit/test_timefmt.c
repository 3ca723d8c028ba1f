/* test_timefmt.c - timestamp parsing and formatting. Expected calendar values
 * were cross-checked with python3's datetime.fromtimestamp(s, timezone.utc). */
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "timefmt.h"

#define S 1000000000ull

static uint64_t parse_ok(const char *s, uint64_t first)
{
    struct ss_err err = {{0}};
    uint64_t out = 0xdeadbeefull;
    int rc = timefmt_parse_at(s, first, &out, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "unexpected failure for \"%s\": %s\n", s, err.msg);
    return out;
}

static void parse_fails(const char *s, const char *msg_part)
{
    struct ss_err err = {{0}};
    uint64_t out = 42;
    CU_ASSERT_EQUAL(timefmt_parse_at(s, 1700000000 * S, &out, &err), -1);
    CU_ASSERT_EQUAL(out, 42); /* untouched */
    CU_ASSERT(strlen(err.msg) > 0);
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\n')); /* one line */
    if (msg_part != NULL) {
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg_part));
        if (strstr(err.msg, msg_part) == NULL)
            fprintf(stderr, "message for \"%s\" lacks \"%s\": %s\n", s, msg_part, err.msg);
    }
}

static void test_parse_epoch(void)
{
    CU_ASSERT_EQUAL(parse_ok("1700000012.5", 0), 1700000012 * S + 500000000);
    CU_ASSERT_EQUAL(parse_ok("1700000012", 0), 1700000012 * S);
    CU_ASSERT_EQUAL(parse_ok("0", 5), 0);
    CU_ASSERT_EQUAL(parse_ok("1.000000001", 0), S + 1);
    CU_ASSERT_EQUAL(parse_ok("1.0000000019", 0), S + 1); /* digits past ns dropped */
    CU_ASSERT_EQUAL(parse_ok("18446744073.709551615", 0), UINT64_MAX);
}

static void test_parse_iso(void)
{
    uint64_t t = 1700000012 * S + 500000000;
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T22:13:32.5Z", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T22:13:32.5", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14 22:13:32.5", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14 22:13:32.500000000Z", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T22:13:20Z", 0), 1700000000 * S);
    /* RFC 3339 section 5.6: "t" and "z" may be lower case */
    CU_ASSERT_EQUAL(parse_ok("2023-11-14t22:13:20z", 0), 1700000000 * S);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T22:13", 0), 1699999980 * S);
    CU_ASSERT_EQUAL(parse_ok("1970-01-01", 0), 0);
    CU_ASSERT_EQUAL(parse_ok("2000-02-29T00:00:00Z", 0), 951782400 * S);
    CU_ASSERT_EQUAL(parse_ok("2000-03-01", 0), 951868800 * S);
    CU_ASSERT_EQUAL(parse_ok("2024-02-29T12:00:00Z", 0), 1709208000 * S);
    CU_ASSERT_EQUAL(parse_ok("2100-03-01", 0), 4107542400 * S);
    CU_ASSERT_EQUAL(parse_ok("1999-12-31T23:59:59Z", 0), 946684799 * S);
    CU_ASSERT_EQUAL(parse_ok("2554-07-21T23:34:33.709551615Z", 0), UINT64_MAX);
    /* RFC 3339 zone offsets: the local time they qualify */
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T23:13:32.5+01:00", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T17:13:32.5-05:00", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-15T03:43:32.5+0530", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14 20:13:32.5-02", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T22:13:32.5+00:00", 0), t);
    CU_ASSERT_EQUAL(parse_ok("2023-11-14T22:13:32.5-00:00", 0), t);
    CU_ASSERT_EQUAL(parse_ok("1970-01-01T01:00+01:00", 0), 0);
}

static void test_parse_offset(void)
{
    uint64_t first = 1700000000 * S + 123;
    CU_ASSERT_EQUAL(parse_ok("+12.5s", first), first + 12 * S + S / 2);
    CU_ASSERT_EQUAL(parse_ok("+12.5", first), first + 12 * S + S / 2);
    CU_ASSERT_EQUAL(parse_ok("+500ms", first), first + S / 2);
    CU_ASSERT_EQUAL(parse_ok("+1.5ms", first), first + 1500000);
    CU_ASSERT_EQUAL(parse_ok("+2m", first), first + 120 * S);
    CU_ASSERT_EQUAL(parse_ok("+1h", first), first + 3600 * S);
    CU_ASSERT_EQUAL(parse_ok("+1.25h", first), first + 4500 * S);
    CU_ASSERT_EQUAL(parse_ok("+250us", first), first + 250000);
    CU_ASSERT_EQUAL(parse_ok("+7ns", first), first + 7);
    CU_ASSERT_EQUAL(parse_ok("+0", first), first);
}

static void test_parse_duration(void)
{
    struct ss_err err;
    uint64_t d = 0;
    CU_ASSERT_EQUAL(timefmt_parse_duration("300", &d, &err), 0);
    CU_ASSERT_EQUAL(d, 300 * S);
    CU_ASSERT_EQUAL(timefmt_parse_duration("2.5", &d, &err), 0);
    CU_ASSERT_EQUAL(d, 2 * S + S / 2);
    CU_ASSERT_EQUAL(timefmt_parse_duration("5m", &d, &err), 0);
    CU_ASSERT_EQUAL(d, 300 * S);
    CU_ASSERT_EQUAL(timefmt_parse_duration("0.5h", &d, &err), 0);
    CU_ASSERT_EQUAL(d, 1800 * S);
    CU_ASSERT_EQUAL(timefmt_parse_duration("250ms", &d, &err), 0);
    CU_ASSERT_EQUAL(d, S / 4);
    CU_ASSERT_EQUAL(timefmt_parse_duration("7ns", &d, &err), 0);
    CU_ASSERT_EQUAL(d, 7);
    CU_ASSERT_EQUAL(timefmt_parse_duration("0", &d, &err), 0);
    CU_ASSERT_EQUAL(d, 0);
    static const char *const bad[] = {"", "+5s", "-5s", "5x", "5.s", ".5", " 5", "5 ", "1e3",
                                      "18446744074s", "5124096h"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = 42;
        err.msg[0] = '\0';
        CU_ASSERT_EQUAL(timefmt_parse_duration(bad[i], &d, &err), -1);
        CU_ASSERT_EQUAL(d, 42);
        CU_ASSERT(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
    }
    CU_ASSERT_EQUAL(timefmt_parse_duration(NULL, &d, NULL), -1);
}

static void test_parse_errors(void)
{
    parse_fails("", "empty");
    parse_fails("+", "expected a number");
    parse_fails("abc", "bad time");
    parse_fails("+5x", "unknown unit");
    parse_fails("+5.s", "digits after");
    parse_fails("-5s", NULL);
    parse_fails(" 1700000000", NULL);
    parse_fails("1700000000 ", "unexpected");
    parse_fails("1700000000.", "digits after");
    parse_fails("99999999999999999999", "out of range");
    parse_fails("18446744074", "out of range");
    parse_fails("2023-13-01", "out of range");
    parse_fails("2023-02-29", "out of range"); /* not a leap year */
    parse_fails("2023-11-14T24:00", "out of range");
    parse_fails("2023-11-14T22:60", "out of range");
    parse_fails("2023-11-14T22:13:61", "out of range");
    parse_fails("2023-11-14T", "HH:MM");
    parse_fails("2023-11-14T22:13:32+1", "zone offset");
    parse_fails("2023-11-14T22:13:32+01:", "zone offset");
    parse_fails("2023-11-14T22:13:32+24:00", "zone offset");
    parse_fails("2023-11-14T22:13:32+01:60", "zone offset");
    parse_fails("2023-11-14T22:13:32+01:00:00", "unexpected");
    parse_fails("2023-11-14T22:13:32Z+01:00", "unexpected");
    parse_fails("1970-01-01T00:30+01:00", "1970");
    parse_fails("2023-11-14X", "unexpected");
    parse_fails("2023-1-14", "YYYY-MM-DD");
    parse_fails("1969-12-31T23:59:59Z", "1970");
    parse_fails("2600-01-01", "future");
    parse_fails("+18446744073709551615s", "too large");

    struct ss_err err;
    uint64_t out = 0;
    CU_ASSERT_EQUAL(timefmt_parse_at(NULL, 0, &out, &err), -1);
    /* err may be NULL: the failure is still reported */
    CU_ASSERT_EQUAL(timefmt_parse_at("+", 0, &out, NULL), -1);
    /* the offset must fit next to the first timestamp */
    CU_ASSERT_EQUAL(timefmt_parse_at("+1ns", UINT64_MAX, &out, &err), -1);
}

static void test_format_iso(void)
{
    char buf[TIMEFMT_ISO_SIZE];
    timefmt_iso(1700000000 * S, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2023-11-14T22:13:20.000000000Z");
    timefmt_iso(0, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1970-01-01T00:00:00.000000000Z");
    timefmt_iso(951782400 * S + 1, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2000-02-29T00:00:00.000000001Z");
    timefmt_iso(4107542400 * S - 1, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2100-02-28T23:59:59.999999999Z"); /* 2100 is no leap year */
    timefmt_iso(UINT64_MAX, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2554-07-21T23:34:33.709551615Z");
    char small[11];
    timefmt_iso(1700000000 * S, small, sizeof(small));
    CU_ASSERT_STRING_EQUAL(small, "2023-11-14");
}

static void test_format_zeek_date(void)
{
    char buf[TIMEFMT_ZEEK_DATE_SIZE];
    timefmt_zeek_date(1700000000 * S + 999999999, buf, sizeof(buf)); /* seconds, not rounded */
    CU_ASSERT_STRING_EQUAL(buf, "2023-11-14-22-13-20");
    timefmt_zeek_date(951782400 * S, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2000-02-29-00-00-00");
    timefmt_zeek_date(UINT64_MAX, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2554-07-21-23-34-33");
    char small[5];
    timefmt_zeek_date(1700000000 * S, small, sizeof(small));
    CU_ASSERT_STRING_EQUAL(small, "2023");
}

static void test_iso_round_trip(void)
{
    /* every day boundary over 1970..2110 in 7-day steps, plus odd times */
    char buf[TIMEFMT_ISO_SIZE];
    for (uint64_t day = 0; day < 51500; day += 7) {
        uint64_t t = (day * 86400 + day % 86400) * S + day;
        timefmt_iso(t, buf, sizeof(buf));
        uint64_t back = 0;
        struct ss_err err;
        CU_ASSERT_EQUAL_FATAL(timefmt_parse_at(buf, 0, &back, &err), 0);
        CU_ASSERT_EQUAL_FATAL(back, t);
    }
}

static void test_format_epoch(void)
{
    char buf[TIMEFMT_EPOCH_SIZE];
    timefmt_epoch(1700000000 * S, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1700000000.000000");
    timefmt_epoch(1700000012 * S + 500000000, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1700000012.500000");
    timefmt_epoch(1700000012 * S + 123456499, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1700000012.123456");
    timefmt_epoch(1700000012 * S + 123456500, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1700000012.123457");
    timefmt_epoch(1700000012 * S + 999999600, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1700000013.000000"); /* carry into the seconds */
    timefmt_epoch(UINT64_MAX, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "18446744073.709552");
}

static void test_format_duration(void)
{
    char buf[TIMEFMT_DURATION_SIZE];
    timefmt_duration(1234567890, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1.234s");
    timefmt_duration(0, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "0.000s");
    timefmt_duration(59999999999ull, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "59.999s");
    timefmt_duration(123 * S, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2m03s");
    timefmt_duration(3599 * S, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "59m59s");
    timefmt_duration(3720 * S + 59 * S, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1h02m");
    timefmt_duration((3 * 86400 + 4 * 3600 + 59 * 60) * S, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "3d04h");
    timefmt_duration(UINT64_MAX, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "213503d23h");
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"parse epoch seconds", test_parse_epoch},
        {"parse ISO 8601: UTC and RFC 3339 zone offsets", test_parse_iso},
        {"parse durations with units", test_parse_duration},
        {"parse +offset", test_parse_offset},
        {"parse errors", test_parse_errors},
        {"format ISO", test_format_iso},
        {"ISO round trip", test_iso_round_trip},
        {"Zeek header date", test_format_zeek_date},
        {"format epoch (Zeek ts)", test_format_epoch},
        {"format duration", test_format_duration},
        {NULL, NULL},
    };
    return add_suite("timefmt", tests);
}
