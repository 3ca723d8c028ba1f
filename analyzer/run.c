/* run.c - offline run: every -r input through one analyzer, then the output. */
#include "run.h"

#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "conn_log.h"
#include "explain.h"
#include "interrupt.h"
#include "json_out.h"
#include "monotime.h"
#include "netstat.h"
#include "outfile.h"
#include "output_json.h"
#include "output_text.h"
#include "reader_thread.h"
#include "timefmt.h"
#include "views.h"

struct run_ctx {
    const struct cli_options *opt;
    struct conn_vec store;
    bool keep; /* store records: the output needs them (not statistics only,
                  not a conn.log, which is written as they come) */
    struct view_port_facts facts;
    bool keep_facts; /* store port facts instead: the output needs the ports
                        alone (run_ports_only) */
    struct outfile *out;
    struct conn_log_stream clog; /* --conn-log */
    const struct analyzer *an;
};

static bool view_is(const struct cli_options *opt, const char *name)
{
    return opt->view != NULL && strcmp(opt->view, name) == 0;
}

/* True when opt's output is the capture statistics alone: --stats or --view
 * stats (cli_parse refuses them with --explain, --netstat, a table view or
 * --conn-log). Then no connection record is kept and no view is built. */
bool run_stats_only(const struct cli_options *opt)
{
    return opt->stats || view_is(opt, "stats");
}

void run_ndjson_conn(FILE *fp, const struct conn *c)
{
    /* written as text, no jansson tree: millions of lines on a large capture
     * (json_out.h); one buffer for the run */
    static struct jout o;
    jout_text_line(&o, "connection");
    output_json_conn_members(&o, c);
    jout_end(&o);
    output_json_ndjson_text_line(fp, &o);
    if (views_conn_has_ports(c)) {
        for (int side = 0; side < 2; side++) {
            struct view_socket s;
            views_socket_of_conn(c, side, &s);
            jout_text_line(&o, "socket");
            /* every responder endpoint is a port (views.h) */
            views_json_socket_members(&o, &s, side == 1);
            jout_end(&o);
            output_json_ndjson_text_line(fp, &o);
        }
    }
    fflush(fp);
}

void run_conn_log_record(struct conn_log_stream *s, const struct analyzer *an,
                         const struct conn *c)
{
    conn_log_stream_record(s, c, analyzer_first_frame_ts(an)); /* #open: see below */
}

void run_conn_log_finish(struct conn_log_stream *s, const struct analyzer *an,
                         const struct capture_stats *st)
{
    /* #open and #close: the first and last packet times, so that one
     * capture always gives the same bytes (Zeek writes the wall-clock
     * times it opened and closed the file); a capture without packets
     * has neither: the time of the run, as Zeek's */
    uint64_t open_ts = analyzer_first_frame_ts(an), close_ts = st->last_ts;
    if (st->frames == 0)
        open_ts = close_ts = clock_ns(CLOCK_REALTIME);
    conn_log_stream_finish(s, open_ts, close_ts);
}

/* True when --ndjson streams: each connection and its sockets written as
 * it comes (then the port lines, with --netstat the netstat lines, and the
 * capture line at the end). */
static bool run_ndjson_streams(const struct cli_options *opt)
{
    return opt->format == FMT_NDJSON && !run_stats_only(opt) && opt->explain == NULL;
}

/* True when the records are needed at the end for the port lines alone
 * (with --netstat the records are needed whole). */
static bool run_ports_only(const struct cli_options *opt)
{
    return run_ndjson_streams(opt) && opt->netstat_host == NULL;
}

static void on_conn(void *user, const struct conn *c)
{
    struct run_ctx *rc = user;
    if (rc->opt->format == FMT_CONN_LOG)
        run_conn_log_record(&rc->clog, rc->an, c);
    if (run_ndjson_streams(rc->opt)) /* connections and sockets as they come */
        run_ndjson_conn(rc->out->fp, c);
    if (rc->keep_facts && views_conn_has_ports(c))
        views_port_facts_push(&rc->facts, c);
    else if (rc->keep)
        conn_vec_push(&rc->store, c);
}

/* run_write_output's --ndjson lines at the end, from port facts: the same
 * bytes as from the records they were made from. */
static int write_ndjson_ports(FILE *fp, struct view_port_facts *fs,
                              const struct capture_stats *st)
{
    struct ss_err err = {{0}};
    struct views v;
    if (views_build_ports(&v, fs->v, fs->n, st->last_ts, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    for (size_t i = 0; i < v.n_ports; i++)
        output_json_ndjson_line(fp, "port", views_json_port(&v, &v.ports[i]));
    output_json_ndjson_line(fp, "capture", output_json_capture(st));
    views_free(&v);
    return EXIT_OK;
}

static int by_ts(const void *a, const void *b)
{
    const struct conn *x = a, *y = b;
    if (x->first_ts != y->first_ts)
        return x->first_ts < y->first_ts ? -1 : 1;
    if (x->incarnation != y->incarnation)
        return x->incarnation < y->incarnation ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* path as a name without links: its directory resolved (links, ".."), then
 * its last component; false when the directory does not resolve. */
static bool resolved_name(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX + 1];
    snprintf(dir, sizeof(dir), "%.*s", slash != NULL ? (int)(slash - path) + 1 : 1,
             slash != NULL ? path : ".");
    if (realpath(dir, real) == NULL)
        return false;
    snprintf(out, n, "%s/%s", real, slash != NULL ? slash + 1 : path);
    return true;
}

/* Whether the files at paths a and b, followed through links, are one: the
 * same inode when both exist, else the same name once their directories are
 * resolved (a file -w has yet to create). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char ra[2 * PATH_MAX + 2], rb[2 * PATH_MAX + 2];
    if (!resolved_name(a, ra, sizeof(ra)) || !resolved_name(b, rb, sizeof(rb)))
        return strcmp(a, b) == 0;
    return strcmp(ra, rb) == 0;
}

/* -o naming a capture the run reads, or the -w file (run_check_options). */
static int check_outputs(const struct cli_options *opt, struct ss_err *err)
{
    const char *o = opt->out_file;
    if (o == NULL || strcmp(o, "-") == 0)
        return 0;
    struct stat so, sr;
    if (stat(o, &so) == 0 && S_ISREG(so.st_mode)) {
        for (size_t i = 0; i < opt->n_files; i++) {
            bool is_stdin = strcmp(opt->files[i], "-") == 0;
            if ((is_stdin ? fstat(STDIN_FILENO, &sr) : stat(opt->files[i], &sr)) == 0 &&
                S_ISREG(sr.st_mode) && sr.st_dev == so.st_dev && sr.st_ino == so.st_ino) {
                ss_err_set(err, "-o %s is the capture %s reads: the report would replace it", o,
                           is_stdin ? "standard input (-r -)" : opt->files[i]);
                return -1;
            }
        }
    }
    if (opt->write_file != NULL && same_file(o, opt->write_file)) {
        ss_err_set(err, "-o %s and -w %s name the same file", o, opt->write_file);
        return -1;
    }
    return 0;
}

/* Whether --sort field orders view (NULL: any of the text tables). */
static bool sort_applies(const char *view, const char *field)
{
    static const char *const views[] = {"ports", "sockets", "conns", "hosts"};
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
        if ((view == NULL || strcmp(view, views[i]) == 0) &&
            views_sort_key(NULL, views[i], field, 0, NULL))
            return true;
    return false;
}

int run_check_options(const struct cli_options *opt, struct ss_err *err)
{
    uint8_t ipv;
    struct ip_addr a;
    uint16_t port;
    bool has_port;
    if (opt->netstat_host != NULL) {
        if (views_parse_endpoint(opt->netstat_host, &ipv, &a, &port, &has_port, err) != 0)
            return -1;
        if (has_port) {
            ss_err_set(err, "--netstat takes a host address, not '%s'", opt->netstat_host);
            return -1;
        }
    }
    if (opt->at != NULL) {
        uint64_t ts;
        if (timefmt_parse_at(opt->at, 0, &ts, err) != 0)
            return -1;
    }
    if (opt->explain != NULL &&
        views_parse_endpoint(opt->explain, &ipv, &a, &port, &has_port, err) != 0)
        return -1;
    if (opt->view != NULL && strcmp(opt->view, "netstat") == 0 && opt->netstat_host == NULL) {
        ss_err_set(err, "--view netstat needs --netstat HOST");
        return -1;
    }
    if (opt->sort != NULL && !sort_applies(opt->view, opt->sort)) {
        /* the fields the view sorts by (any table's, without --view) */
        char list[128] = "";
        const char *field;
        for (size_t f = 0; (field = views_sort_field(f)) != NULL; f++)
            if (sort_applies(opt->view, field))
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                         list[0] != '\0' ? ", " : "", field);
        ss_err_set(err, "unknown --sort field '%s' for %s%s (%s)", opt->sort,
                   opt->view != NULL ? "--view " : "the text tables",
                   opt->view != NULL ? opt->view : "", list);
        return -1;
    }
    return check_outputs(opt, err);
}

/* The netstat object: host, at, rows. NULL on allocation failure. */
static json_t *netstat_json(const struct views *v, uint8_t ipv, const struct ip_addr *host,
                            uint64_t at, bool at_known, const struct netstat_row *rows, size_t n)
{
    json_t *o = json_object();
    char h[64];
    ip_addr_format(host, ipv, h, sizeof(h));
    json_object_set_new(o, "host", json_string(h));
    json_object_set_new(o, "at", at_known ? output_json_time(at) : json_null());
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, netstat_row_json(v, &rows[i]));
    json_object_set_new(o, "rows", arr);
    return o;
}

/* The --json document, written element by element (json_out: the sockets and
 * connections as text, the rest as small trees), byte for byte what dumping
 * it as one jansson tree with JSON_INDENT(2) gave, without holding that tree:
 * for a million connections it took gigabytes. -1 when writing failed. */
static int write_json_document(FILE *fp, const struct cli_options *opt,
                               const struct capture_stats *st, const struct views *v,
                               const struct conn *conns, size_t n, uint8_t ipv,
                               const struct ip_addr *host, uint64_t at,
                               const struct netstat_row *rows, size_t n_rows)
{
    struct jout o;
    memset(&o, 0, sizeof(o));
    jout_text_indented(&o, 2);
    jout_object(&o, NULL);
    jout_json(&o, "capture", output_json_capture(st));
    int rc = 0;
    if (!opt->stats) {
        jout_array(&o, "ports");
        for (size_t i = 0; i < v->n_ports && rc == 0; i++) {
            jout_json(&o, NULL, views_json_port(v, &v->ports[i]));
            rc = jout_flush(&o, fp);
        }
        jout_end(&o);
        jout_array(&o, "sockets");
        for (size_t i = 0; i < v->n_socks && rc == 0; i++) {
            jout_object(&o, NULL);
            views_json_socket_members(&o, &v->socks[i], -1);
            jout_end(&o);
            rc = jout_flush(&o, fp);
        }
        jout_end(&o);
        jout_array(&o, "hosts");
        for (size_t i = 0; i < v->n_hosts && rc == 0; i++) {
            jout_json(&o, NULL, views_json_host(v, &v->hosts[i]));
            rc = jout_flush(&o, fp);
        }
        jout_end(&o);
        jout_array(&o, "connections");
        for (size_t i = 0; i < n && rc == 0; i++) {
            jout_object(&o, NULL);
            output_json_conn_members(&o, &conns[i]);
            jout_end(&o);
            rc = jout_flush(&o, fp);
        }
        jout_end(&o);
        if (opt->netstat_host != NULL)
            /* no packet and no --at: no time to name, as capture.last_ts */
            jout_json(&o, "netstat", netstat_json(v, ipv, host, at, st->frames > 0 || opt->at != NULL,
                                                  rows, n_rows));
    }
    jout_end(&o);
    if (rc == 0)
        rc = jout_flush(&o, fp);
    jout_free(&o);
    if (rc == 0 && fputc('\n', fp) == EOF)
        rc = -1;
    return rc;
}

int run_write_output(FILE *fp, const struct cli_options *opt, struct conn *conns, size_t n,
                     const struct capture_stats *st, uint64_t end_ns, bool color)
{
    struct ss_err err = {{0}};
    if (run_stats_only(opt)) {
        /* the same bytes as the branches below print for these options */
        if (opt->format == FMT_JSON) {
            json_t *root = json_object();
            json_object_set_new(root, "capture", output_json_capture(st));
            json_dumpf(root, fp, OUTPUT_JSON_DUMP_FLAGS | JSON_INDENT(2));
            fputc('\n', fp);
            json_decref(root);
        } else if (opt->format == FMT_NDJSON) {
            output_json_ndjson_line(fp, "capture", output_json_capture(st));
        } else {
            output_text_stats(fp, st);
        }
        return EXIT_OK;
    }
    if (n > 1)
        qsort(conns, n, sizeof(*conns), by_ts);
    struct views v;
    if (views_build(&v, conns, n, end_ns, 2 * opt->acfg.msl_ns, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    int code = EXIT_OK;
    struct netstat_row *rows = NULL;
    size_t n_rows = 0;
    uint8_t ipv = 0;
    struct ip_addr host;
    uint64_t at = end_ns;
    if (opt->netstat_host != NULL) {
        uint16_t port;
        bool has_port;
        if (opt->at != NULL && opt->at[0] == '+' && st->frames == 0) {
            ss_err_set(&err, "--at %s: the capture has no packet to count from", opt->at);
            fprintf(stderr, "sockscope: %s\n", err.msg);
            views_free(&v);
            return EXIT_USAGE;
        }
        if (views_parse_endpoint(opt->netstat_host, &ipv, &host, &port, &has_port, &err) != 0 ||
            (opt->at != NULL && timefmt_parse_at(opt->at, st->first_ts, &at, &err) != 0) ||
            netstat_rows(&v, ipv, &host, at, &rows, &n_rows, &err) != 0) {
            fprintf(stderr, "sockscope: %s\n", err.msg);
            views_free(&v);
            return EXIT_USAGE;
        }
        const char *group = addr_group_name(ip_addr_group(ipv, host.b));
        if (group != NULL) {
            /* traffic to a group lands on its members' sockets, each on its own host */
            fprintf(stderr,
                    "sockscope: note: %s is a %s address, not a host: the sockets that "
                    "received its datagrams are its members', under their own addresses\n",
                    opt->netstat_host, group);
        } else if (views_find_host(&v, ipv, &host) < 0) {
            /* netstat on an idle host prints the empty table too: say which it is */
            fprintf(stderr,
                    "sockscope: note: %s has no TCP, UDP or SCTP traffic in the capture: "
                    "the table is empty\n",
                    opt->netstat_host);
        } else if (st->frames > 0 && (at < st->first_ts || at > end_ns)) {
            /* the capture says nothing of the sockets outside its span */
            char t_at[TIMEFMT_ISO_SIZE], t_edge[TIMEFMT_ISO_SIZE];
            bool before = at < st->first_ts;
            timefmt_iso(at, t_at, sizeof(t_at));
            timefmt_iso(before ? st->first_ts : end_ns, t_edge, sizeof(t_edge));
            fprintf(stderr, "sockscope: note: --at %s is %s the capture's %s packet (%s): %s\n",
                    t_at, before ? "before" : "after", before ? "first" : "last", t_edge,
                    before ? "no socket was seen yet"
                           : "the states shown are the last it saw (TIME_WAIT ends on its timer)");
        }
    }
    struct text_opts to = {.top = (size_t)opt->top, .sort = opt->sort, .color = color};
    if (opt->explain != NULL) {
        if (explain_print(fp, &v, opt->explain, &err) != 0) {
            fprintf(stderr, "sockscope: %s\n", err.msg);
            code = EXIT_USAGE;
        }
    } else if (opt->format == FMT_JSON) {
        if (write_json_document(fp, opt, st, &v, conns, n, ipv, &host, at, rows, n_rows) != 0) {
            if (!ferror(fp)) /* a write error: the output's own message says it */
                fprintf(stderr, "sockscope: out of memory writing the JSON document\n");
            code = EXIT_OUTPUT;
        }
    } else if (opt->format == FMT_NDJSON) {
        if (!opt->stats)
            for (size_t i = 0; i < v.n_ports; i++)
                output_json_ndjson_line(fp, "port", views_json_port(&v, &v.ports[i]));
        if (opt->netstat_host != NULL && !opt->stats)
            for (size_t i = 0; i < n_rows; i++)
                output_json_ndjson_line(fp, "netstat", netstat_row_json(&v, &rows[i]));
        output_json_ndjson_line(fp, "capture", output_json_capture(st));
    } else if (opt->netstat_host != NULL) {
        netstat_print(fp, rows, n_rows);
    } else if (opt->stats || view_is(opt, "stats")) {
        output_text_stats(fp, st);
    } else if (view_is(opt, "ports")) {
        output_text_ports(fp, &v, &to);
    } else if (view_is(opt, "sockets")) {
        output_text_sockets(fp, &v, &to);
    } else if (view_is(opt, "hosts")) {
        output_text_hosts(fp, &v, &to);
    } else if (view_is(opt, "conns")) {
        output_text_conn_view(fp, &v, &to);
    } else {
        output_text_summary(fp, st, &v);
        fputc('\n', fp);
        output_text_ports(fp, &v, &to);
        fputc('\n', fp);
        output_text_sockets(fp, &v, &to);
        fputc('\n', fp);
        output_text_conn_view(fp, &v, &to);
    }
    free(rows);
    views_free(&v);
    return code;
}

/* A second thread reads and dissects when asked, or by default when this
 * process may run on a second CPU (its affinity mask: under taskset -c 0 the
 * two threads would take turns on one CPU, a few percent slower than one). */
static bool use_reader_thread(const struct cli_options *opt)
{
    if (opt->threads != 0)
        return opt->threads > 1;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return CPU_COUNT(&set) > 1;
    return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

/* What the report says of file path once it has been read (or did not
 * open: info NULL, open_error set). Returns 0, or -1 out of memory. */
static int note_input(struct capture_input *in, const char *path, const struct capture_info *info,
                      const char *open_error)
{
    in->path = path;
    const char *error = info != NULL ? info->error : open_error;
    if (error != NULL && (in->error = strdup(error)) == NULL)
        return -1;
    if (in->error != NULL)
        jout_utf8_scrub(in->error); /* as input_error: JSON carries it whatever the name */
    if (info == NULL)
        return 0;
    in->format = info->format == CAPTURE_PCAPNG ? "pcapng" : "pcap";
    in->compression = info->compression;
    in->snaplen = info->snaplen;
    in->frames = info->frames_read - info->frames_filtered_out;
    in->frames_filtered_out = info->frames_filtered_out;
    in->frames_over_snaplen = info->frames_over_snaplen;
    in->frames_bad_ts = info->frames_bad_ts;
    return 0;
}

static void free_inputs(struct capture_input *inputs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(inputs[i].error);
    free(inputs);
}

/* Opens every -r file and merges them (--merge). Returns 0, or -1 with err
 * set (the first file that did not open) and none left open. */
static int open_merged(const struct cli_options *opt, struct capture **merged, struct ss_err *err)
{
    struct capture **parts = calloc(opt->n_files, sizeof(*parts));
    if (parts == NULL) {
        ss_err_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < opt->n_files; i++) {
        if (capture_open_file(&parts[i], opt->files[i], opt->bpf, err) != 0) {
            while (i > 0)
                capture_close(parts[--i]);
            free(parts);
            return -1;
        }
    }
    int rc = capture_open_merge(merged, parts, opt->n_files, err);
    free(parts);
    return rc;
}

/* A filter that does not compile and names a file: a shell glob after -r
 * gave -r its first file only and made the others the filter's words. Says so
 * in err's one line. */
static void hint_files_in_filter(const struct cli_options *opt, struct ss_err *err)
{
    if (opt->bpf == NULL || strncmp(err->msg, "bad filter expression", 21) != 0)
        return;
    char words[sizeof(err->msg)];
    snprintf(words, sizeof(words), "%s", opt->bpf);
    char *save = NULL;
    for (char *w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        struct stat sb;
        if (stat(w, &sb) == 0 && S_ISREG(sb.st_mode)) {
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof(err->msg) - len,
                     " ('%s' is a file: give each file its own -r, as in -r a.pcap -r b.pcap)", w);
            return;
        }
    }
}

int run_offline(const struct cli_options *opt)
{
    struct ss_err err = {{0}};
    struct outfile out;
    if (run_check_options(opt, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (outfile_open(&out, opt->out_file, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    interrupt_install(); /* Ctrl-C: the report of what was read, not nothing */
    struct run_ctx rc = {.opt = opt,
                         .keep = !run_stats_only(opt) && opt->format != FMT_CONN_LOG &&
                                 !run_ports_only(opt),
                         .keep_facts = run_ports_only(opt),
                         .out = &out,
                         .clog = {.out = out.fp}};
    struct analyzer_config cfg = opt->acfg;
    /* the statistics alone: no record is written or kept, so none is made */
    cfg.on_conn = run_stats_only(opt) ? NULL : on_conn;
    cfg.user = &rc;
    struct analyzer *an = analyzer_create(&cfg, &err);
    if (an == NULL) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        outfile_abort(&out);
        return EXIT_INPUT_FAIL;
    }
    rc.an = an;
    int rc_code = EXIT_OK;
    long long remaining = opt->count;
    struct capture_stats *st = analyzer_stats(an);
    struct capture *merged = NULL;
    if (opt->merge && open_merged(opt, &merged, &err) != 0) {
        /* nothing was read: as when the first file does not open */
        hint_files_in_filter(opt, &err);
        fprintf(stderr, "sockscope: %s\n", err.msg);
        analyzer_destroy(an);
        outfile_abort(&out);
        return EXIT_INPUT_FAIL;
    }
    size_t n_captures = merged != NULL ? 1 : opt->n_files; /* a merge is one capture */
    struct capture_input *inputs = calloc(opt->n_files, sizeof(*inputs));
    if (inputs == NULL) {
        fprintf(stderr, "sockscope: out of memory\n");
        capture_close(merged);
        analyzer_destroy(an);
        outfile_abort(&out);
        return EXIT_INPUT_FAIL;
    }
    st->inputs = inputs;
    bool hinted_merge = false;
    for (size_t i = 0; i < n_captures && rc_code == EXIT_OK; i++) {
        struct capture *cap = merged;
        if (cap == NULL && capture_open_file(&cap, opt->files[i], opt->bpf, &err) != 0) {
            hint_files_in_filter(opt, &err);
            fprintf(stderr, "sockscope: %s\n", err.msg);
            stats_set_input_error(st, err.msg);
            (void)note_input(&inputs[st->n_inputs++], opt->files[i], NULL, err.msg);
            rc_code = EXIT_INPUT_FAIL;
            break;
        }
        st->files += capture_n_files(cap);
        uint64_t steps_before = st->clock_steps_back;
        uint64_t max = opt->count == 0 ? 0 : (uint64_t)remaining, fed = 0;
        int r = use_reader_thread(opt) ? reader_thread_run(an, cap, max, &fed, &err)
                                       : reader_single_run(an, cap, max, &fed, &err);
        if (opt->count != 0)
            remaining -= (long long)fed;
        if (r < 0) {
            fprintf(stderr, "sockscope: %s\n", err.msg);
            stats_set_input_error(st, err.msg);
            rc_code = EXIT_INPUT_FAIL;
        }
        for (size_t k = 0; k < capture_n_files(cap); k++) {
            struct capture_info info;
            capture_file_info(cap, k, &info);
            st->frames_filtered_out += info.frames_filtered_out;
            if (info.frames_over_snaplen > 0) /* libpcap cuts them, or stops there */
                fprintf(stderr, "sockscope: note: %s: %" PRIu64 " record%s longer than the snaplen, "
                                "read whole as Wireshark reads them (the first: record %" PRIu64 ")\n",
                        info.name, info.frames_over_snaplen,
                        info.frames_over_snaplen == 1 ? "" : "s", info.first_over_snaplen);
            if (info.frames_bad_ts > 0) /* never silent: the times shown are not the file's */
                fprintf(stderr, "sockscope: note: %s: %" PRIu64 " record%s with a timestamp that "
                                "cannot be read as written (a fraction of a second of a second "
                                "or more, carried into the seconds; a time before 1970 or after "
                                "2554-07-21T23:34:33.709551615Z, clamped to it) (the first: "
                                "record %" PRIu64 ")\n",
                        info.name, info.frames_bad_ts, info.frames_bad_ts == 1 ? "" : "s",
                        info.first_bad_ts);
            if (note_input(&inputs[st->n_inputs++], opt->files[merged != NULL ? k : i], &info,
                           NULL) != 0 && rc_code == EXIT_OK) {
                fprintf(stderr, "sockscope: out of memory\n");
                rc_code = EXIT_INPUT_FAIL;
            }
        }
        if (merged == NULL && i > 0 && st->clock_steps_back > steps_before && !hinted_merge) {
            /* a later file going back in time: likely captured beside the
             * first, not after it */
            fprintf(stderr, "sockscope: note: the clock stepped back in %s, a later -r file; "
                            "files captured side by side are read as one with --merge\n",
                    opt->files[i]);
            hinted_merge = true;
        }
        capture_close(cap);
        if (opt->count != 0 && remaining == 0)
            break;
    }
    if (st->files == 0 && rc_code != EXIT_OK) {
        /* the first file did not open: nothing was read, so no report (an
         * empty one would pass for a capture without traffic); -o's file
         * is left as it was */
        analyzer_destroy(an);
        free_inputs(inputs, opt->n_files); /* calloc'd: the rest NULL */
        free(rc.store.v);
        free(rc.facts.v);
        outfile_abort(&out);
        return rc_code;
    }
    analyzer_flush(an, END_END_OF_CAPTURE);
    if (rc.store.oom || rc.facts.oom)
        fprintf(stderr, "sockscope: out of memory keeping connection records; output incomplete\n");
    bool color = opt->out_file == NULL && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    int wc = EXIT_OK;
    if (opt->format == FMT_CONN_LOG) /* the records are written */
        run_conn_log_finish(&rc.clog, an, st);
    else if (rc.keep_facts)
        wc = write_ndjson_ports(out.fp, &rc.facts, st);
    else
        wc = run_write_output(out.fp, opt, rc.store.v, rc.store.n, st, st->last_ts, color);
    if (wc != EXIT_OK && rc_code == EXIT_OK)
        rc_code = wc;
    analyzer_destroy(an);
    free_inputs(inputs, opt->n_files);
    free(rc.store.v);
    free(rc.facts.v);
    if (outfile_commit(&out, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    return rc_code;
}
