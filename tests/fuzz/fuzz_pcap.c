/* fuzz_pcap.c - libFuzzer target: the input is a whole capture file (pcap or
 * pcapng), read from memory through capture_open_stream, fed to an analyzer, and
 * every connection record and the capture summary serialized to JSON (each
 * record and socket also as NDJSON text, json_out.h, which must be the same
 * bytes as jansson's dump of its tree; each record also as a conn.log line,
 * which must be one line of printable ASCII with a column per field). So the
 * file readers, the dissectors, the flow table, both sockets' state machines
 * and the JSON output are all fuzzed; nothing may leak.
 *
 * Settings follow from the input length, so both sides of each are reachable
 * and a given input always runs the same way: odd lengths verify checksums,
 * lengths with bit 1 set cap the table at a few flows (so eviction runs), and
 * lengths with bit 2 set turn nDPI detection off; bit 3 clear feeds through the
 * look-ahead, on the reader thread when bit 5 is set too. Creating an nDPI module costs about
 * 100 ms under ASan, 100 times a whole small input, so the target creates one module
 * on its first input and lends it to every analyzer (analyzer_config.dpi_shared); it
 * stays reachable from that static pointer, so LeakSanitizer does not count it.
 * The first FUZZ_VIEW_CONNS records are also kept, and the views (ports, sockets,
 * hosts) and every host's netstat at the capture end and at its start are built
 * and serialized, so the view code meets hostile records too.
 *
 * Inputs fed through the look-ahead or the reader thread with nDPI off are fed
 * again frame by frame, and the two runs must give the same records and
 * statistics (the frames' bytes are not kept then, and the reader thread
 * counts the statistics on its own part).
 *
 * Before that, every input is read twice more, through a stream and as a
 * regular file (a memfd opened by its /proc path), and the two readers must
 * agree frame by frame and on the error: pcap_reader.c reads a regular file
 * by its descriptor in chunks and a stream record by record, pcapng.c a
 * regular file rewound and a stream replayed (capture.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "analyzer.h"
#include "capture.h"
#include "conn_log.h"
#include "dpi.h"
#include "netstat.h"
#include "reader_thread.h"
#include "views.h"
#include "output_json.h"

#define FUZZ_SMALL_MAX_FLOWS 4
#define FUZZ_VIEW_CONNS      256

/* Records kept for the views; the harness owns them for one input. */
struct kept {
    struct conn c[FUZZ_VIEW_CONNS];
    size_t n;
    size_t total;   /* records written, kept or not */
    bool serialize; /* each record also goes through output_json_conn */
};

/* How a run feeds the analyzer: frame by frame (the reference), through the
 * one-thread look-ahead, or on the reader thread. */
enum feed { FEED_EACH, FEED_AHEAD, FEED_THREAD };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Serializes a JSON value and reads every byte of the text, so a bad string
 * (unterminated, freed) is noticed; aborts if jansson could not build it, which
 * means output_json produced a NULL member or an invalid string. */
static void dump_and_free(json_t *o)
{
    if (o == NULL)
        abort();
    char *s = json_dumps(o, OUTPUT_JSON_DUMP_FLAGS | JSON_COMPACT);
    if (s == NULL)
        abort();
    volatile size_t n = strlen(s);
    (void)n;
    free(s);
    json_decref(o);
}

/* json_dumps of tree (compact) and o's text must be the same bytes (the
 * NDJSON lines are written as text, the other outputs through trees). */
static void same_as_text(json_t *tree, const struct jout *o)
{
    char *want = json_dumps(tree, OUTPUT_JSON_DUMP_FLAGS | JSON_COMPACT);
    const char *got = jout_text_get(o, NULL);
    if (want == NULL || got == NULL || strcmp(want, got) != 0)
        abort();
    free(want);
}

/* c's conn.log line: one line, one column per field, nothing outside
 * printable ASCII but the separators, whatever the traffic put in its strings
 * (an SNI or Host name: Zeek's escaping). */
static void check_conn_log_line(const struct conn *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return;
    conn_log_record(f, c);
    if (fclose(f) != 0) {
        free(buf);
        return;
    }
    size_t tabs = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (ch == '\t')
            tabs++;
        else if (ch == '\n' ? i != len - 1 : ch < 0x20 || ch >= 0x7f)
            abort();
    }
    if (len == 0 || buf[len - 1] != '\n' || tabs + 1 != conn_log_column_count())
        abort();
    free(buf);
}

static void on_conn(void *user, const struct conn *c)
{
    struct kept *k = user;
    k->total++;
    if (k->n < FUZZ_VIEW_CONNS)
        k->c[k->n++] = *c;
    if (k->serialize) {
        static struct jout text; /* one buffer for every record; reachable */
        json_t *t = output_json_conn(c);
        jout_text(&text);
        jout_object(&text, NULL);
        output_json_conn_members(&text, c);
        jout_end(&text);
        same_as_text(t, &text);
        dump_and_free(t);
        check_conn_log_line(c);
    }
}

/* The message after the capture's name ("NAME: record 3: ..."). */
static const char *after_name(const char *msg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(msg, name, n) == 0 ? msg + n : msg;
}

/* Whether the two readers' messages (after the capture's names) say the same.
 * A decompressor's own words may not: libzstd decodes a frame whose bytes are
 * all there at once in one pass and one that arrives piece by piece in
 * steps, and may meet another of its damage first (a content size against a
 * checksum), so messages of the same codec ("zstd: ...") count as the same. */
static bool same_failure(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    static const char *const codecs[] = { ": gzip: ", ": zstd: ", ": lz4: " };
    for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        size_t n = strlen(codecs[i]);
        if (strncmp(a, codecs[i], n) == 0 && strncmp(b, codecs[i], n) == 0)
            return true;
    }
    return false;
}

/* Reads data as a stream and as a regular file; aborts when the two disagree. */
static void compare_readers(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        return; /* no memfd here: nothing to compare */
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return;
        }
        done += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    FILE *fp = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (fp == NULL) {
        close(fd);
        return;
    }
    struct ss_err e1 = { { 0 } }, e2 = { { 0 } };
    struct capture *c1 = NULL, *c2 = NULL;
    int o1 = capture_open_stream(&c1, fp, "fuzz", NULL, &e1);
    int o2 = capture_open_file(&c2, path, NULL, &e2);
    if (o1 != o2 || (o1 != 0 && !same_failure(after_name(e1.msg, "fuzz"), after_name(e2.msg, path))))
        abort();
    if (o1 == 0) {
        struct capture_frame f1, f2;
        int r1, r2;
        do {
            r1 = capture_next(c1, &f1, &e1);
            r2 = capture_next(c2, &f2, &e2);
            if (r1 != r2)
                abort();
            if (r1 == 1 && (f1.cap_len != f2.cap_len || f1.wire_len != f2.wire_len ||
                            f1.ts_ns != f2.ts_ns || f1.linktype != f2.linktype ||
                            f1.record_no != f2.record_no || f1.over_snaplen != f2.over_snaplen ||
                            (f1.cap_len > 0 && memcmp(f1.data, f2.data, f1.cap_len) != 0)))
                abort();
        } while (r1 == 1);
        if (r1 < 0 && !same_failure(after_name(e1.msg, "fuzz"), after_name(e2.msg, path)))
            abort();
        capture_close(c1);
        capture_close(c2);
    }
    fclose(fp);
    close(fd);
}

/* Feeds the capture in data to a fresh analyzer set up from size (see above)
 * along path feed; its records go to k (emptied first), its statistics to
 * *st. Returns the analyzer, which owns the records' tunnel descriptions (the
 * caller destroys it), or NULL when the capture does not open. */
static struct analyzer *run_capture(const uint8_t *data, size_t size, enum feed feed,
                                    struct kept *k, struct capture_stats *st)
{
    /* fmemopen wants a writable pointer even in read mode; it never writes */
    FILE *fp = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (fp == NULL)
        return NULL;
    struct ss_err err = { { 0 } };
    struct capture *cap = NULL;
    if (capture_open_stream(&cap, fp, "fuzz", NULL, &err) != 0) {
        if (err.msg[0] == '\0') /* a failure always says why */
            abort();
        fclose(fp);
        return NULL;
    }

    struct analyzer_config cfg;
    analyzer_config_defaults(&cfg);
    cfg.have_seed = true;
    for (size_t i = 0; i < sizeof(cfg.seed); i++)
        cfg.seed[i] = (uint8_t)(0x5a + i);
    cfg.verify_checksums = (size & 1u) != 0;
    if ((size & 2u) != 0)
        cfg.max_flows = FUZZ_SMALL_MAX_FLOWS;
    if ((size & 16u) != 0)
        cfg.close_delay_ns = 0; /* closed connections written at once: more remembered 5-tuples */
    static struct dpi *shared_dpi; /* the harness's one nDPI module, see above */
    if (shared_dpi == NULL && (shared_dpi = dpi_create(0, &err)) == NULL)
        abort();
    cfg.dpi = (size & 4u) == 0;
    cfg.dpi_shared = shared_dpi;
    cfg.on_conn = on_conn;
    k->n = k->total = 0;
    cfg.user = k;
    struct analyzer *an = analyzer_create(&cfg, &err);
    if (an == NULL)
        abort(); /* only out of memory; not expected here */

    struct capture_frame f;
    int rc;
    if (feed == FEED_THREAD) {
        uint64_t fed;
        rc = reader_thread_run(an, cap, 0, &fed, &err);
    } else {
        while ((rc = capture_next(cap, &f, &err)) == 1) {
            if (feed == FEED_AHEAD)
                analyzer_feed_ahead(an, &f);
            else
                analyzer_feed(an, &f);
        }
    }
    if (rc < 0 && err.msg[0] == '\0')
        abort();
    analyzer_flush(an, END_END_OF_CAPTURE);
    if (k->serialize)
        dump_and_free(output_json_capture(analyzer_stats(an)));
    *st = *analyzer_stats(an);
    capture_close(cap);
    fclose(fp);
    return an;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses a zero-size buffer */
    compare_readers(data, size);
    enum feed feed = (size & 8u) != 0 ? FEED_EACH : (size & 32u) != 0 ? FEED_THREAD : FEED_AHEAD;
    static struct kept kept, reference; /* large: not on the stack */
    static struct capture_stats st, reference_st;
    kept.serialize = true;
    struct analyzer *an = run_capture(data, size, feed, &kept, &st);
    if (an == NULL)
        return 0;
    if (feed != FEED_EACH && (size & 4u) != 0) {
        /* the look-ahead and the reader thread must give what frame-by-frame
         * feeding gives: the same records in the same order, the same
         * statistics. Without nDPI only: the shared module's caches (nDPI
         * remembers some hosts and ports across flows) carry over from run to
         * run; test_analyzer compares the paths with nDPI on, own modules each. */
        reference.serialize = false;
        struct analyzer *ref = run_capture(data, size, FEED_EACH, &reference, &reference_st);
        if (ref == NULL || reference.total != kept.total || reference.n != kept.n ||
            memcmp(&reference_st, &st, sizeof(st)) != 0)
            abort();
        for (size_t i = 0; i < kept.n; i++) {
            /* tunnel descriptions are each analyzer's own: their context names them */
            if ((kept.c[i].tunnel == NULL) != (reference.c[i].tunnel == NULL) ||
                (kept.c[i].sibling_tunnel == NULL) != (reference.c[i].sibling_tunnel == NULL))
                abort();
            struct conn x = kept.c[i], y = reference.c[i];
            x.tunnel = y.tunnel = NULL;
            x.sibling_tunnel = y.sibling_tunnel = NULL;
            if (memcmp(&x, &y, sizeof(x)) != 0)
                abort();
        }
        analyzer_destroy(ref);
    }

    struct ss_err err = { { 0 } };
    struct views v;
    if (views_build(&v, kept.c, kept.n, st.last_ts, VIEWS_DEFAULT_TWO_MSL_NS, &err) == 0) {
        /* the ports --ndjson builds from port facts: the same rows */
        struct view_port_facts facts = {0};
        for (size_t i = 0; i < kept.n; i++)
            if (views_conn_has_ports(&kept.c[i]))
                views_port_facts_push(&facts, &kept.c[i]);
        struct views fv;
        if (!facts.oom && views_build_ports(&fv, facts.v, facts.n, st.last_ts, &err) == 0) {
            if (fv.n_ports != v.n_ports)
                abort();
            for (size_t i = 0; i < v.n_ports; i++) {
                json_t *a = views_json_port(&v, &v.ports[i]);
                json_t *b = views_json_port(&fv, &fv.ports[i]);
                if (!json_equal(a, b))
                    abort();
                json_decref(b);
                dump_and_free(a);
            }
            views_free(&fv);
        }
        free(facts.v);
        for (size_t i = 0; i < v.n_socks; i++) {
            static struct jout text;
            json_t *t = views_json_socket(&v.socks[i]);
            jout_text(&text);
            jout_object(&text, NULL);
            views_json_socket_members(&text, &v.socks[i], -1);
            jout_end(&text);
            same_as_text(t, &text);
            dump_and_free(t);
        }
        for (size_t i = 0; i < v.n_hosts; i++) {
            dump_and_free(views_json_host(&v, &v.hosts[i]));
            const uint64_t moments[2] = {st.last_ts, st.first_ts};
            for (int m = 0; m < 2; m++) {
                struct netstat_row *rows = NULL;
                size_t n = 0;
                if (netstat_rows(&v, v.hosts[i].ip_version, &v.hosts[i].addr, moments[m], &rows,
                                 &n, &err) == 0) {
                    for (size_t r = 0; r < n; r++)
                        dump_and_free(netstat_row_json(&v, &rows[r]));
                }
                free(rows);
            }
        }
        views_free(&v);
    }
    analyzer_destroy(an); /* after the views: it owns the records' tunnel descriptions */
    return 0;
}
