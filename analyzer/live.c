/* live.c - live capture run: poll the interface, feed the analyzer, stream
 * NDJSON records, print or emit snapshots (--interval) and interim updates
 * (--interim), stop cleanly on SIGINT/SIGTERM, summarize on SIGHUP/SIGUSR1. */
#include "live.h"

#include <errno.h>
#include <inttypes.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "output_json.h"
#include "output_text.h"
#include "monotime.h"
#include "run.h"
#include "timefmt.h"
#include "views.h"

#define LIVE_POLL_MS       100 /* signals and timers are serviced at least this often */
#define LIVE_BATCH_FRAMES  256 /* frames per pcap_dispatch call */
#define LIVE_BATCHES_MAX   64  /* dispatch calls before timers are looked at again */
#define LIVE_HOUSEKEEP_NS  (1ull * NS_PER_SEC) /* drop check and -w flush */

/* The only mutable globals (STYLE.md): set by the signal handlers. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t summary_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void on_summary_signal(int sig)
{
    (void)sig;
    summary_requested = 1;
}

/* Finished records kept for the final output: a ring of the most recent. */
struct keep_ring {
    struct conn *v;
    size_t n, cap, max, head; /* head: oldest slot once the ring is full */
    uint64_t overwritten;
    bool oom;
};

struct live_ctx {
    const struct cli_options *opt;
    FILE *out;
    bool stream;       /* NDJSON records as they are final */
    struct conn_log_stream clog; /* --conn-log: its lines as they are final */
    struct keep_ring keep;
    struct analyzer *an;
    long long remaining; /* -c frames left (opt->count == 0: unlimited) */
};

static void keep_conn(struct keep_ring *k, const struct conn *c)
{
    if (k->n < k->max && k->n == k->cap) {
        size_t ncap = k->cap ? k->cap * 2 : 1024;
        if (ncap > k->max)
            ncap = k->max;
        struct conn *nv = realloc(k->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            k->oom = true;
        } else {
            k->v = nv;
            k->cap = ncap;
        }
    }
    if (k->n < k->cap) {
        k->v[k->n++] = *c;
    } else if (k->n > 0) {
        k->v[k->head] = *c; /* full (or out of memory): replace the oldest */
        k->head = (k->head + 1) % k->n;
        k->overwritten++;
    }
}

static void on_conn(void *user, const struct conn *c)
{
    struct live_ctx *lx = user;
    if (lx->stream)
        run_ndjson_conn(lx->out, c);
    if (lx->opt->format == FMT_CONN_LOG)
        run_conn_log_record(&lx->clog, lx->an, c);
    keep_conn(&lx->keep, c);
}

static void on_frame(void *user, const struct capture_frame *f)
{
    struct live_ctx *lx = user;
    if (lx->opt->count != 0) {
        if (lx->remaining <= 0)
            return;
        lx->remaining--;
    }
    analyzer_feed(lx->an, f);
}

static json_t *live_stats_json(const char *iface, const struct capture_live_stats *ls)
{
    json_t *o = json_object();
    json_object_set_new(o, "interface", json_string(iface));
    json_object_set_new(o, "received", json_integer((json_int_t)ls->received));
    json_object_set_new(o, "dropped_kernel", json_integer((json_int_t)ls->dropped_kernel));
    json_object_set_new(o, "dropped_interface", json_integer((json_int_t)ls->dropped_interface));
    return o;
}

/* ---- snapshots and interim updates ---------------------------------------- */

static void collect_open(void *user, struct conn *c)
{
    conn_vec_push(user, c);
}

/* Writes a summary of the open ports and live sockets at now_ns: an NDJSON
 * "snapshot" record when ndjson, else text. */
static void write_snapshot(FILE *fp, bool ndjson, const struct live_ctx *lx, uint64_t now_ns,
                           const struct capture_live_stats *ls)
{
    struct conn_vec cv = {0};
    analyzer_foreach_open(lx->an, collect_open, &cv);
    struct views v;
    struct ss_err err = {{0}};
    if (views_build(&v, cv.v, cv.n, now_ns, 2 * lx->opt->acfg.msl_ns, &err) != 0) {
        fprintf(stderr, "sockscope: snapshot: %s\n", err.msg);
        free(cv.v);
        return;
    }
    const struct capture_stats *st = analyzer_stats(lx->an);
    if (ndjson) {
        json_t *o = json_object();
        json_object_set_new(o, "ts", output_json_time(now_ns));
        json_object_set_new(o, "open_connections", json_integer((json_int_t)cv.n));
        json_object_set_new(o, "frames", json_integer((json_int_t)st->frames));
        json_object_set_new(o, "connections", json_integer((json_int_t)st->connections));
        json_object_set_new(o, "evicted", json_integer((json_int_t)st->flows_evicted));
        json_object_set_new(o, "live", live_stats_json(lx->opt->iface, ls));
        json_t *a = json_array();
        for (size_t i = 0; i < v.n_ports; i++)
            json_array_append_new(a, views_json_port(&v, &v.ports[i]));
        json_object_set_new(o, "ports", a);
        a = json_array();
        for (size_t i = 0; i < v.n_socks; i++)
            json_array_append_new(a, views_json_socket(&v.socks[i]));
        json_object_set_new(o, "sockets", a);
        output_json_ndjson_line(fp, "snapshot", o);
    } else {
        char when[64];
        timefmt_iso(now_ns, when, sizeof(when));
        fprintf(fp,
                "--- snapshot %s on %s: %zu open connections, %" PRIu64 " frames, %" PRIu64
                " connections finished (%" PRIu64 " evicted), %" PRIu64 " received, %" PRIu64
                " dropped by kernel, %" PRIu64 " dropped by interface\n",
                when, lx->opt->iface, cv.n, st->frames, st->connections, st->flows_evicted,
                ls->received, ls->dropped_kernel, ls->dropped_interface);
        struct text_opts to = {.top = (size_t)lx->opt->top, .sort = lx->opt->sort, .color = false};
        output_text_ports(fp, &v, &to);
        fputc('\n', fp);
        output_text_sockets(fp, &v, &to);
        fputc('\n', fp);
    }
    fflush(fp);
    views_free(&v);
    free(cv.v);
}

static void put_update(void *user, struct conn *c)
{
    output_json_ndjson_line(user, "update", output_json_conn(c));
}

/* ---- privileges ------------------------------------------------------------ */

/* Drops to user's uid, gid and groups (-Z). Returns 0 or -1 with err set. */
static int drop_privileges(const char *user, struct ss_err *err)
{
    if (geteuid() != 0) {
        ss_err_set(err, "-Z %s: dropping privileges needs root (running as uid %u)", user,
                   (unsigned)geteuid());
        return -1;
    }
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        ss_err_set(err, "-Z %s: no such user", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        ss_err_set(err, "-Z %s: cannot switch user: %s", user, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        ss_err_set(err, "-Z %s: privileges could be regained", user);
        return -1;
    }
    return 0;
}

/* ---- final output ---------------------------------------------------------- */

/* Adds the "live" object (pcap_stats) to the capture object of one JSON text
 * and writes it to fp; writes text unchanged if it has no capture object. */
static void write_patched(FILE *fp, const char *text, size_t len, bool ndjson, json_t *live)
{
    json_t *root = json_loadb(text, len, 0, NULL);
    json_t *cap = NULL;
    if (root != NULL) {
        if (ndjson) {
            const char *type = json_string_value(json_object_get(root, "type"));
            if (type != NULL && strcmp(type, "capture") == 0)
                cap = root;
        } else {
            cap = json_object_get(root, "capture");
        }
    }
    if (cap == NULL || !json_is_object(cap)) {
        fwrite(text, 1, len, fp);
        if (ndjson)
            fputc('\n', fp);
    } else {
        json_object_set(cap, "live", live);
        json_dumpf(root, fp, OUTPUT_JSON_DUMP_FLAGS | (ndjson ? JSON_COMPACT : JSON_INDENT(2)));
        fputc('\n', fp);
    }
    json_decref(root);
}

/* run_write_output, with the capture statistics of the interface added to the
 * capture object of --json and the NDJSON "capture" record. */
static int write_final(FILE *fp, const struct cli_options *opt, struct keep_ring *k,
                       const struct capture_stats *st, uint64_t end_ns,
                       const struct capture_live_stats *ls)
{
    bool json = (opt->format == FMT_JSON || opt->format == FMT_NDJSON) && opt->explain == NULL;
    if (!json)
        return run_write_output(fp, opt, k->v, k->n, st, end_ns, false);
    char *buf = NULL;
    size_t len = 0;
    FILE *ms = open_memstream(&buf, &len);
    if (ms == NULL)
        return run_write_output(fp, opt, k->v, k->n, st, end_ns, false);
    int code = run_write_output(ms, opt, k->v, k->n, st, end_ns, false);
    if (fclose(ms) != 0 || buf == NULL) {
        free(buf);
        return EXIT_OUTPUT;
    }
    json_t *live = live_stats_json(opt->iface, ls);
    if (opt->format == FMT_JSON) {
        write_patched(fp, buf, len, false, live);
    } else {
        const char *p = buf, *end = buf + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
            if (ll > 0)
                write_patched(fp, p, ll, true, live);
            p += ll + 1;
        }
    }
    json_decref(live);
    free(buf);
    return code;
}

/* ---- the run --------------------------------------------------------------- */

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART: a write to a full pipe (a slow reader of the NDJSON) goes
     * on after the signal instead of failing half done, which cut a record
     * and ended the run with "cannot write the output". poll() and
     * nanosleep() are never restarted (signal(7)): the loop still sees the
     * signal at once. */
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_summary_signal;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

static uint64_t seconds_to_ns(double s)
{
    return (uint64_t)(s * 1e9 + 0.5);
}

int live_run(const struct cli_options *opt)
{
    struct ss_err err = {{0}};
    if (run_check_options(opt, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_USAGE;
    }
    struct capture_live_options lo = {
        .iface = opt->iface,
        .bpf = opt->bpf,
        .snaplen = opt->snaplen,
        .promisc = !opt->no_promisc,
        .buffer_kib = opt->buffer_kib,
        .timeout_ms = LIVE_POLL_MS,
    };
    struct capture_live *lc = NULL;
    if (capture_live_open(&lc, &lo, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_INPUT_FAIL;
    }
    /* as tcpdump: files are created after the switch, owned by the -Z user */
    if (opt->drop_user != NULL && drop_privileges(opt->drop_user, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        capture_live_close(lc);
        return EXIT_INPUT_FAIL;
    }
    if (opt->write_file != NULL && capture_live_dump_open(lc, opt->write_file, &err) != 0) {
        fprintf(stderr, "sockscope: -w: %s\n", err.msg);
        capture_live_close(lc);
        return EXIT_OUTPUT;
    }
    /* -o is written in place (not renamed at the end) so that tail -f sees records */
    FILE *out = stdout;
    bool to_stdout = opt->out_file == NULL || strcmp(opt->out_file, "-") == 0;
    if (!to_stdout && (out = fopen(opt->out_file, "w")) == NULL) {
        fprintf(stderr, "sockscope: %s: %s\n", opt->out_file, strerror(errno));
        capture_live_close(lc);
        return EXIT_OUTPUT;
    }

    struct live_ctx lx = {
        .opt = opt,
        .out = out,
        /* as a file read (run_ndjson_streams): with --netstat too, whose
         * netstat lines come at the end with the port lines */
        .stream = opt->format == FMT_NDJSON && !run_stats_only(opt) && opt->explain == NULL,
        .remaining = opt->count,
    };
    lx.keep.max = opt->acfg.max_flows != 0 && opt->acfg.max_flows < LIVE_KEEP_MAX
                      ? opt->acfg.max_flows
                      : LIVE_KEEP_MAX;
    if (run_stats_only(opt) || opt->format == FMT_CONN_LOG)
        lx.keep.max = 0; /* statistics alone, or a conn.log written as it goes:
                            no record is needed at the end */
    lx.clog = (struct conn_log_stream){.out = out, .flush_each = true};
    struct analyzer_config cfg = opt->acfg;
    cfg.on_conn = on_conn;
    cfg.user = &lx;
    lx.an = analyzer_create(&cfg, &err);
    if (lx.an == NULL) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        capture_live_close(lc);
        if (!to_stdout)
            fclose(out);
        return EXIT_INPUT_FAIL;
    }

    stop_requested = 0;
    summary_requested = 0;
    install_handlers();
    {
        uint32_t lt = capture_live_linktype(lc);
        const char *ltn = stats_linktype_name(lt);
        fprintf(stderr, "sockscope: listening on %s, link-type %s (%" PRIu32 "), snapshot length %d bytes\n",
                opt->iface, ltn != NULL ? ltn : "?", lt, opt->snaplen > 0 ? opt->snaplen : 262144);
    }

    bool ndjson = opt->format == FMT_NDJSON;
    /* snapshots go with the output when it is text or NDJSON, else to stderr */
    FILE *snap_fp = opt->format == FMT_TEXT || ndjson ? out : stderr;
    bool snap_ndjson = ndjson;
    uint64_t interval_ns = seconds_to_ns(opt->interval_s);
    uint64_t interim_ns = seconds_to_ns(opt->interim_s);
    uint64_t mono = clock_ns(CLOCK_MONOTONIC);
    uint64_t next_interval = mono + interval_ns, next_interim = mono + interim_ns;
    uint64_t next_housekeep = mono + LIVE_HOUSEKEEP_NS;
    uint64_t drops_seen = 0;
    struct capture_live_stats ls = {0};
    int code = EXIT_OK;
    enum end_reason end = END_SHUTDOWN;
    int fd = capture_live_fd(lc);

    while (!stop_requested) {
        if (fd >= 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            (void)poll(&pfd, 1, LIVE_POLL_MS); /* EINTR: a signal; checked below */
        } else {
            struct timespec nap = {0, 10 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
        for (int b = 0; b < LIVE_BATCHES_MAX && !stop_requested; b++) {
            int max = LIVE_BATCH_FRAMES;
            if (opt->count != 0 && lx.remaining < max)
                max = (int)lx.remaining;
            if (max <= 0)
                break;
            int n = capture_live_dispatch(lc, max, on_frame, &lx, &err);
            if (n < 0) {
                fprintf(stderr, "sockscope: %s\n", err.msg);
                stats_set_input_error(analyzer_stats(lx.an), err.msg);
                code = EXIT_INPUT_FAIL;
                stop_requested = 1;
                break;
            }
            if (n == 0)
                break;
        }
        if (opt->count != 0 && lx.remaining <= 0) {
            end = END_END_OF_CAPTURE;
            break;
        }
        analyzer_tick(lx.an, clock_ns(CLOCK_REALTIME));
        mono = clock_ns(CLOCK_MONOTONIC);
        if (mono >= next_housekeep) {
            next_housekeep = mono + LIVE_HOUSEKEEP_NS;
            if (capture_live_stats(lc, &ls, &err) == 0 &&
                ls.dropped_kernel + ls.dropped_interface > drops_seen) {
                drops_seen = ls.dropped_kernel + ls.dropped_interface;
                analyzer_note_drops(lx.an);
            }
            if (capture_live_dump_flush(lc, &err) != 0) {
                fprintf(stderr, "sockscope: -w: %s\n", err.msg);
                code = EXIT_OUTPUT;
                break;
            }
        }
        if (interim_ns != 0 && mono >= next_interim) {
            next_interim = mono + interim_ns;
            if (ndjson) {
                analyzer_foreach_open(lx.an, put_update, out);
                fflush(out);
            }
        }
        bool snap = summary_requested != 0;
        summary_requested = 0;
        if (interval_ns != 0 && mono >= next_interval) {
            next_interval = mono + interval_ns;
            snap = true;
        }
        if (snap) {
            (void)capture_live_stats(lc, &ls, &err);
            write_snapshot(snap_fp, snap_ndjson, &lx, clock_ns(CLOCK_REALTIME), &ls);
        }
    }

    /* stop: everything still open ends now, nothing is lost; the views show
     * the sockets as they are now (a TIME_WAIT long over has ended), as the
     * snapshots do, not as at the last packet */
    uint64_t stop_ns = clock_ns(CLOCK_REALTIME);
    analyzer_tick(lx.an, stop_ns);
    if (capture_live_stats(lc, &ls, &err) == 0 && ls.dropped_kernel + ls.dropped_interface > drops_seen)
        analyzer_note_drops(lx.an);
    analyzer_flush(lx.an, end);
    const struct capture_stats *st = analyzer_stats(lx.an);
    if (opt->format == FMT_CONN_LOG) {
        run_conn_log_finish(&lx.clog, lx.an, st); /* every record is written */
    } else {
        if (lx.keep.oom || lx.keep.overwritten > 0)
            fprintf(stderr,
                    "sockscope: the final summary covers the last %zu of %" PRIu64
                    " connections (%s)\n",
                    lx.keep.n, st->connections,
                    lx.stream ? "all are in the NDJSON stream"
                              : "--ndjson or --conn-log write every one as it ends");
        int wc = write_final(out, opt, &lx.keep, st,
                             st->frames > 0 && stop_ns > st->last_ts ? stop_ns : st->last_ts, &ls);
        if (wc != EXIT_OK && code == EXIT_OK)
            code = wc;
    }
    fprintf(stderr,
            "sockscope: %s: %" PRIu64 " packets captured, %" PRIu64 " received by filter, %" PRIu64
            " dropped by kernel, %" PRIu64 " dropped by interface\n",
            opt->iface, st->frames, ls.received, ls.dropped_kernel, ls.dropped_interface);
    analyzer_destroy(lx.an);
    free(lx.keep.v);
    capture_live_close(lc);
    if (fflush(out) != 0 || ferror(out) || (!to_stdout && fclose(out) != 0)) {
        fprintf(stderr, "sockscope: cannot write the output\n");
        code = EXIT_OUTPUT;
    }
    return code;
}
