/* test_explain.c - --explain's account of a port, on connections made by
 * feeding hand-built segments to the analyzer: what it says of the attempts
 * that got no socket on the port (unanswered, or refused by the host's RST). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "cunit_main.h"
#include "explain.h"
#include "frame_fixture.h"
#include "views.h"

#define MS 1000000ull
#define T0 (1700000000ull * 1000000000ull)

static struct conn_vec records;

static void keep(void *user, const struct conn *c)
{
    (void)user;
    conn_vec_push(&records, c);
}

static int by_first_ts(const void *a, const void *b)
{
    const struct conn *x = a, *y = b;
    return (x->first_ts > y->first_ts) - (x->first_ts < y->first_ts);
}

/* What a client at cport does to server port sport from t: a SYN, then the
 * server's answer (accept: SYN-ACK and the final ACK; refuse: RST-ACK;
 * none: nothing). */
enum answer { ACCEPT, REFUSE, SILENCE };

static void attempt(struct analyzer *an, uint64_t t, uint16_t cport, uint16_t sport, enum answer a)
{
    fixture_tcp(an, t, cport, sport, true, 0x02, 1000, 0);
    if (a == ACCEPT) {
        fixture_tcp(an, t + MS, cport, sport, false, 0x12, 5000, 1001);
        fixture_tcp(an, t + 2 * MS, cport, sport, true, 0x10, 1001, 5001);
    } else if (a == REFUSE) {
        fixture_tcp(an, t + MS, cport, sport, false, 0x14, 0, 1001);
    }
}

/* explain_print's text for target over the records, as a malloc'd string. */
static char *explain_text(const char *target)
{
    struct views v;
    struct ss_err err;
    CU_ASSERT_FATAL(views_build(&v, records.v, records.n, T0 + 10000 * MS, 120000 * MS, &err) == 0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(explain_print(out, &v, target, &err), 0);
    fclose(out);
    views_free(&v);
    return text;
}

static void assert_says(const char *target, const char *line)
{
    char *text = explain_text(target);
    if (strstr(text, line) == NULL)
        fprintf(stderr, "\n%s does not say \"%s\":\n%s", target, line, text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
    free(text);
}

static void test_attempts_without_socket(void)
{
    memset(&records, 0, sizeof(records));
    struct analyzer_config cfg;
    fixture_config(&cfg, keep, NULL);
    struct ss_err err;
    struct analyzer *an = analyzer_create(&cfg, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(an);
    attempt(an, T0, 1000, 80, REFUSE); /* port 80: closed */
    attempt(an, T0 + 10 * MS, 1001, 81, ACCEPT); /* port 81: one of each */
    attempt(an, T0 + 20 * MS, 1002, 81, REFUSE);
    attempt(an, T0 + 30 * MS, 1003, 81, SILENCE);
    attempt(an, T0 + 40 * MS, 1004, 82, REFUSE); /* port 82: refused or unanswered */
    attempt(an, T0 + 50 * MS, 1005, 82, REFUSE);
    attempt(an, T0 + 60 * MS, 1006, 82, SILENCE);
    attempt(an, T0 + 70 * MS, 1007, 83, SILENCE); /* port 83: never answered */
    attempt(an, T0 + 80 * MS, 1008, 83, SILENCE);
    analyzer_flush(an, END_END_OF_CAPTURE);
    analyzer_destroy(an);
    CU_ASSERT_EQUAL_FATAL(records.n, 9);
    qsort(records.v, records.n, sizeof(records.v[0]), by_first_ts);

    assert_says("10.99.0.2:80", "No socket on 10.99.0.2:80 existed: the host's TCP refused the 1 "
                                "connection attempt with RST (a closed port has no socket to "
                                "answer); it came from:");
    assert_says("10.99.0.2:81", "1 socket has local endpoint 10.99.0.2:81, one per connection it "
                                "accepted; 2 more attempts got no socket on it (1 unanswered, 1 "
                                "refused with RST by the host's TCP).");
    assert_says("10.99.0.2:82", "No socket on 10.99.0.2:82 existed: the host's TCP refused 2 of "
                                "the 3 connection attempts with RST (a closed port has no socket "
                                "to answer), the others got no answer; they came from:");
    assert_says("10.99.0.2:83", "No socket on 10.99.0.2:83 ever sent a packet; the 2 connection "
                                "attempts came from:");
    free(records.v);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        {"attempts that got no socket on the port", test_attempts_without_socket},
        {NULL, NULL},
    };
    return add_suite("explain", tests);
}
