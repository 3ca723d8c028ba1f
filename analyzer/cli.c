/* cli.c - argument parsing (getopt_long); one-line errors, no exits. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

enum {
    OPT_STATS = 256, OPT_JSON, OPT_NDJSON, OPT_CONN_LOG, OPT_VIEW, OPT_TOP, OPT_SORT,
    OPT_NETSTAT, OPT_AT, OPT_EXPLAIN, OPT_MAX_FLOWS, OPT_TCP_TIMEOUT, OPT_UDP_TIMEOUT,
    OPT_ICMP_TIMEOUT, OPT_MSL, OPT_CLOSE_DELAY, OPT_THREADS, OPT_SEED, OPT_NO_CHECKSUMS, OPT_VERIFY_CHECKSUMS, OPT_NO_DPI, OPT_NO_DECAP,
    OPT_INTERVAL, OPT_INTERIM, OPT_DPI_PACKETS, OPT_MERGE,
    OPT_END, /* above every option's value, short ones included */
};

static const struct option long_opts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"count", required_argument, NULL, 'c'},
    {"snapshot-length", required_argument, NULL, 's'},
    {"no-promiscuous-mode", no_argument, NULL, 'p'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"write", required_argument, NULL, 'w'},
    {"relinquish-privileges", required_argument, NULL, 'Z'},
    {"output", required_argument, NULL, 'o'},
    {"stats", no_argument, NULL, OPT_STATS},
    {"json", no_argument, NULL, OPT_JSON},
    {"ndjson", no_argument, NULL, OPT_NDJSON},
    {"conn-log", no_argument, NULL, OPT_CONN_LOG},
    {"view", required_argument, NULL, OPT_VIEW},
    {"top", required_argument, NULL, OPT_TOP},
    {"sort", required_argument, NULL, OPT_SORT},
    {"netstat", required_argument, NULL, OPT_NETSTAT},
    {"at", required_argument, NULL, OPT_AT},
    {"explain", required_argument, NULL, OPT_EXPLAIN},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"tcp-timeout", required_argument, NULL, OPT_TCP_TIMEOUT},
    {"udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT},
    {"icmp-timeout", required_argument, NULL, OPT_ICMP_TIMEOUT},
    {"msl", required_argument, NULL, OPT_MSL},
    {"close-delay", required_argument, NULL, OPT_CLOSE_DELAY},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"merge", no_argument, NULL, OPT_MERGE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"no-checksums", no_argument, NULL, OPT_NO_CHECKSUMS},
    {"verify-checksums", no_argument, NULL, OPT_VERIFY_CHECKSUMS},
    {"no-dpi", no_argument, NULL, OPT_NO_DPI},
    {"dpi-packets", required_argument, NULL, OPT_DPI_PACKETS},
    {"no-decap", no_argument, NULL, OPT_NO_DECAP},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"interim", required_argument, NULL, OPT_INTERIM},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The option that picks output format f. */
static const char *format_option(enum cli_format f)
{
    switch (f) {
    case FMT_JSON: return "--json";
    case FMT_NDJSON: return "--ndjson";
    case FMT_CONN_LOG: return "--conn-log";
    default: return "text";
    }
}

/* Output format f, unless another format option came first: of two, one
 * would be ignored without a word. */
static int set_format(struct cli_options *opt, enum cli_format f, struct ss_err *err)
{
    if (opt->format != FMT_TEXT && opt->format != f) {
        ss_err_set(err, "%s and %s cannot be combined: pick one output format",
                   format_option(opt->format), format_option(f));
        return -1;
    }
    opt->format = f;
    return 0;
}

/* *slot = value for an option that names something (-i, -w, -Z, -o): an empty
 * name is a command-line error, not a failure to open it later. */
static int set_name(const char **slot, const char *value, char letter, const char *what,
                    const char *hint, struct ss_err *err)
{
    if (value[0] == '\0') {
        ss_err_set(err, "empty %s for -%c%s", what, letter, hint);
        return -1;
    }
    *slot = value;
    return 0;
}

/* Whether option ch takes a value. */
static bool takes_value(int ch)
{
    for (const struct option *o = long_opts; o->name != NULL; o++)
        if (o->val == ch)
            return o->has_arg == required_argument;
    return false;
}

/* Option ch as messages name it: "-c" for one with a letter, else "--msl". */
static const char *option_name(int ch, char *buf, size_t len)
{
    if (ch < 256) {
        snprintf(buf, len, "-%c", ch);
        return buf;
    }
    for (const struct option *o = long_opts; o->name != NULL; o++)
        if (o->val == ch) {
            snprintf(buf, len, "--%s", o->name);
            return buf;
        }
    return "?";
}

/* *slot = value for option ch, which takes one value per run: given again with
 * another value, it is refused, not overridden. "Another" is another text: the
 * same words twice ask for one thing, while --msl 60 --msl 1m is refused
 * rather than judged equal. */
static int set_once(const char **slot, const char *value, int ch, struct ss_err *err)
{
    if (*slot != NULL && strcmp(*slot, value) != 0) {
        char buf[32];
        const char *name = option_name(ch, buf, sizeof(buf));
        ss_err_set(err, "%s %s and %s %s cannot be combined: one at a time", name, *slot, name,
                   value);
        return -1;
    }
    *slot = value;
    return 0;
}

/* Options that ask for two reports of which only one would be written (or for
 * a format the report has not) are refused rather than one of them dropped:
 * --explain writes text; --netstat text, --json or --ndjson; a table view
 * (ports, sockets, conns, hosts) text; --stats (or --view stats) any format
 * but a conn.log, which holds connection records only; --top and --sort order
 * the text tables. */
static int check_reports(struct cli_options *opt, struct ss_err *err)
{
    const char *view = opt->view;
    bool view_stats = view != NULL && strcmp(view, "stats") == 0;
    bool view_table = view != NULL && !view_stats && strcmp(view, "netstat") != 0;
    const char *stats = opt->stats ? "--stats" : view_stats ? "--view stats" : NULL;
    char view_opt[32];
    snprintf(view_opt, sizeof(view_opt), "--view %s", view != NULL ? view : "");
    const char *first = NULL, *second = NULL;
    if (opt->explain != NULL) {
        first = "--explain";
        second = opt->netstat_host != NULL          ? "--netstat"
                 : view != NULL && !view_stats      ? view_opt
                 : stats != NULL                    ? stats
                                                    : NULL;
    } else if (opt->netstat_host != NULL) {
        first = "--netstat";
        second = view_table ? view_opt : stats;
    } else if (view_table && opt->stats) {
        first = view_opt;
        second = "--stats";
    }
    if (second != NULL) {
        ss_err_set(err, "%s and %s cannot be combined: they ask for two reports", first, second);
        return -1;
    }
    const char *text_only = opt->explain != NULL ? "--explain" : view_table ? view_opt : NULL;
    if (text_only != NULL && opt->format != FMT_TEXT) {
        ss_err_set(err, "%s writes text: it cannot be combined with %s", text_only,
                   format_option(opt->format));
        return -1;
    }
    if (opt->format == FMT_CONN_LOG && (opt->netstat_host != NULL || stats != NULL)) {
        ss_err_set(err, "%s cannot be combined with --conn-log, which holds connection records only",
                   opt->netstat_host != NULL ? "--netstat" : stats);
        return -1;
    }
    const char *order = opt->top != 0 ? "--top" : opt->sort != NULL ? "--sort" : NULL;
    if (order != NULL && (opt->format != FMT_TEXT || opt->explain != NULL ||
                          opt->netstat_host != NULL || stats != NULL)) {
        ss_err_set(err, "%s applies to the text tables (ports, sockets, conns, hosts), not to %s",
                   order,
                   opt->format != FMT_TEXT        ? format_option(opt->format)
                   : opt->explain != NULL         ? "--explain"
                   : opt->netstat_host != NULL    ? "--netstat"
                                                  : stats);
        return -1;
    }
    /* --view stats is --stats, in every format (NDJSON's too) */
    if (view_stats)
        opt->stats = true;
    return 0;
}

void cli_usage(FILE *out)
{
    fprintf(out,
            "usage: sockscope -r FILE [-r FILE ...] [options] [BPF expression]\n"
            "       sockscope -i IFACE [-c N] [-s SNAPLEN] [-p] [-B KiB] [-w FILE] [-Z USER] [options] [BPF]\n"
            "input:    -r FILE (pcap or pcapng, '-' = stdin, repeatable), -i IFACE, -c COUNT\n"
            "output:   --json | --ndjson | --conn-log (default: text), -o FILE, --stats\n"
            "views:    --view ports|sockets|conns|hosts|netstat|stats, --top N, --sort FIELD,\n"
            "          --netstat HOST [--at TIME], --explain ADDR[:PORT]\n"
            "tracking: --max-flows N, --tcp-timeout S, --udp-timeout S, --icmp-timeout S, --msl S,\n"
            "          --close-delay S, --seed N (deterministic uids), --verify-checksums, --no-dpi, --no-decap\n"
            "          --dpi-packets N (per connection; default 80 TCP / 24 UDP as ndpiReader)\n"
            "files:    --threads 1|2 (2: read and dissect on a second thread; default 2 when 2+ CPUs are usable)\n"
            "          --merge (the -r files interleaved by timestamp, as mergecap; default: one after another)\n"
            "live:     --interval S, --interim S\n"
            "S: seconds, or with a unit (500ms, 5m, 1h); TIME: epoch seconds, ISO 8601\n"
            "          (2023-11-14T22:13:32Z, or with a zone offset +01:00) or +offset (+12.5s)\n");
}

/* A count, size or seed: decimal digits only, within lo..hi (strtoull alone
 * would skip leading blanks and take a '+' or even a '-'). */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    size_t digits = strspn(s, "0123456789");
    if (digits == 0 || s[digits] != '\0')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno != 0 || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* A duration: seconds, or a number with a unit (timefmt_parse_duration), at
 * most 10^9 seconds. Returns 0; -1 when s is not one; -2 when it is more than
 * 0 but less than 1 ns, which would round to 0 (for a timeout: none at all). */
static int parse_seconds(const char *s, uint64_t *ns)
{
    uint64_t v;
    if (timefmt_parse_duration(s, &v, NULL) != 0 || v > 1000000000ull * 1000000000ull)
        return -1;
    if (v == 0 && strpbrk(s, "123456789") != NULL) /* a unit has no digit */
        return -2;
    *ns = v;
    return 0;
}

int cli_parse(int argc, char **argv, struct cli_options *opt, struct ss_err *err)
{
    memset(opt, 0, sizeof(*opt));
    analyzer_config_defaults(&opt->acfg);
    /* each -r takes an argument of its own: argc bounds their number */
    opt->files = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*opt->files));
    if (opt->files == NULL) {
        ss_err_set(err, "out of memory");
        return -1;
    }
    opterr = 0;
    optind = 1;
    int ch;
    uint64_t v, ns;
    int bad;
    const char *given[OPT_END] = {NULL}; /* each option's value, once parsed */
    while ((ch = getopt_long(argc, argv, ":r:i:c:s:pB:w:Z:o:hV", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            opt->files[opt->n_files++] = optarg;
            break;
        case 'i':
            if (set_name(&opt->iface, optarg, 'i', "interface name", " ('any' is every interface)",
                         err) != 0)
                return -1;
            break;
        case 'c':
            if (parse_uint(optarg, 1, INT64_MAX, &v) != 0) {
                ss_err_set(err, "invalid packet count '%s' for -c", optarg);
                return -1;
            }
            opt->count = (long long)v;
            break;
        case 's':
            if (parse_uint(optarg, 0, 262144, &v) != 0) {
                ss_err_set(err, "invalid snaplen '%s' for -s (0..262144)", optarg);
                return -1;
            }
            opt->snaplen = (int)v;
            break;
        case 'p': opt->no_promisc = true; break;
        case 'B':
            if (parse_uint(optarg, 1, 4 * 1024 * 1024, &v) != 0) {
                ss_err_set(err, "invalid buffer size '%s' for -B (KiB)", optarg);
                return -1;
            }
            opt->buffer_kib = (int)v;
            break;
        case 'w':
            if (set_name(&opt->write_file, optarg, 'w', "file name", "", err) != 0)
                return -1;
            break;
        case 'Z':
            if (set_name(&opt->drop_user, optarg, 'Z', "user name", "", err) != 0)
                return -1;
            break;
        case 'o':
            if (set_name(&opt->out_file, optarg, 'o', "file name", " ('-' is standard output)",
                         err) != 0)
                return -1;
            break;
        case OPT_STATS: opt->stats = true; break;
        case OPT_JSON:
        case OPT_NDJSON:
        case OPT_CONN_LOG:
            if (set_format(opt, ch == OPT_JSON ? FMT_JSON : ch == OPT_NDJSON ? FMT_NDJSON
                                                                           : FMT_CONN_LOG,
                           err) != 0)
                return -1;
            break;
        case OPT_VIEW: {
            static const char *const views[] = {"ports", "sockets", "conns", "hosts", "netstat", "stats"};
            bool ok = false;
            for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
                ok = ok || strcmp(optarg, views[i]) == 0;
            if (!ok) {
                ss_err_set(err, "unknown view '%s' (ports, sockets, conns, hosts, netstat, stats)", optarg);
                return -1;
            }
            opt->view = optarg;
            break;
        }
        case OPT_TOP:
            if (parse_uint(optarg, 1, INT32_MAX, &v) != 0) {
                ss_err_set(err, "invalid number '%s' for --top", optarg);
                return -1;
            }
            opt->top = (long)v;
            break;
        case OPT_SORT: opt->sort = optarg; break;
        case OPT_NETSTAT: opt->netstat_host = optarg; break;
        case OPT_AT: opt->at = optarg; break;
        case OPT_EXPLAIN: opt->explain = optarg; break;
        case OPT_MAX_FLOWS:
            if (parse_uint(optarg, 1, 1LL << 32, &v) != 0) {
                ss_err_set(err, "invalid number '%s' for --max-flows", optarg);
                return -1;
            }
            opt->acfg.max_flows = (size_t)v;
            break;
        case OPT_TCP_TIMEOUT:
        case OPT_UDP_TIMEOUT:
        case OPT_ICMP_TIMEOUT:
        case OPT_MSL:
        case OPT_CLOSE_DELAY:
            if ((bad = parse_seconds(optarg, &ns)) != 0) {
                const char *name = ch == OPT_TCP_TIMEOUT    ? "tcp-timeout"
                                   : ch == OPT_UDP_TIMEOUT  ? "udp-timeout"
                                   : ch == OPT_ICMP_TIMEOUT ? "icmp-timeout"
                                   : ch == OPT_MSL          ? "msl"
                                                            : "close-delay";
                if (bad == -2)
                    ss_err_set(err,
                               "invalid duration '%s' for --%s: more than 0 but less than 1 ns",
                               optarg, name);
                else
                    ss_err_set(err, "invalid duration '%s' for --%s (seconds, or with a unit: 500ms, 5m, 1h)",
                               optarg, name);
                return -1;
            }
            if (ch == OPT_TCP_TIMEOUT)
                opt->acfg.tcp_timeout_ns = ns;
            else if (ch == OPT_UDP_TIMEOUT)
                opt->acfg.udp_timeout_ns = ns;
            else if (ch == OPT_ICMP_TIMEOUT)
                opt->acfg.icmp_timeout_ns = opt->acfg.other_timeout_ns = ns;
            else if (ch == OPT_MSL)
                opt->acfg.msl_ns = ns;
            else
                opt->acfg.close_delay_ns = ns;
            break;
        case OPT_MERGE:
            opt->merge = true;
            break;
        case OPT_THREADS:
            if (parse_uint(optarg, 1, 2, &v) != 0) {
                ss_err_set(err, "invalid thread count '%s' for --threads (1 or 2)", optarg);
                return -1;
            }
            opt->threads = (int)v;
            break;
        case OPT_SEED:
            if (parse_uint(optarg, 0, UINT64_MAX, &v) != 0) { /* the key's first 8 bytes */
                ss_err_set(err, "invalid seed '%s'", optarg);
                return -1;
            }
            opt->acfg.have_seed = true;
            memset(opt->acfg.seed, 0, sizeof(opt->acfg.seed));
            for (int i = 0; i < 8; i++)
                opt->acfg.seed[i] = (uint8_t)(v >> (8 * i));
            break;
        case OPT_NO_CHECKSUMS: opt->acfg.verify_checksums = false; break;
        case OPT_VERIFY_CHECKSUMS: opt->acfg.verify_checksums = true; break;
        case OPT_NO_DPI:
            opt->no_dpi = true;
            opt->acfg.dpi = false;
            break;
        case OPT_DPI_PACKETS:
            if (parse_uint(optarg, 1, 65535, &v) != 0) {
                ss_err_set(err, "invalid number '%s' for --dpi-packets (1-65535)", optarg);
                return -1;
            }
            opt->acfg.dpi_max_packets = (unsigned)v;
            break;
        case OPT_NO_DECAP:
            opt->no_decap = true;
            opt->acfg.decap = false;
            break;
        case OPT_INTERVAL:
        case OPT_INTERIM:
            if (parse_seconds(optarg, &ns) != 0 || ns == 0) {
                ss_err_set(err, "invalid interval '%s' for --%s (more than 0: seconds, or with a unit: 500ms, 5m)",
                           optarg, ch == OPT_INTERVAL ? "interval" : "interim");
                return -1;
            }
            if (ch == OPT_INTERVAL)
                opt->interval_s = (double)ns / 1e9;
            else
                opt->interim_s = (double)ns / 1e9;
            break;
        case 'h': opt->help = true; break;
        case 'V': opt->version = true; break;
        case ':':
            ss_err_set(err, "option '%s' needs an argument", argv[optind - 1]);
            return -1;
        default:
            ss_err_set(err, "unknown option '%s' (see --help)", argv[optind - 1]);
            return -1;
        }
        /* every option with a value but -r (repeatable) holds one per run */
        if (ch != 'r' && takes_value(ch) && set_once(&given[ch], optarg, ch, err) != 0)
            return -1;
    }
    /* the rest is a BPF expression, joined with spaces as tcpdump does */
    size_t total = 0;
    for (int i = optind; i < argc; i++)
        total += strlen(argv[i]) + 1;
    if (total > 0) {
        opt->bpf = malloc(total);
        if (opt->bpf == NULL) {
            ss_err_set(err, "out of memory");
            return -1;
        }
        opt->bpf[0] = '\0';
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(opt->bpf, " ");
            strcat(opt->bpf, argv[i]);
        }
    }
    if (opt->help || opt->version)
        return 0;
    if (opt->n_files == 0 && opt->iface == NULL) {
        ss_err_set(err, "no input: give -r FILE or -i IFACE (see --help)");
        return -1;
    }
    if (opt->n_files > 0 && opt->iface != NULL) {
        ss_err_set(err, "-r and -i cannot be combined");
        return -1;
    }
    if (opt->iface == NULL) {
        /* capture options have no meaning for a saved file (-w: tcpdump would
         * rewrite it; sockscope's -w saves what a live capture saw) */
        const char *live_only = opt->write_file != NULL ? "-w"
                                : opt->drop_user != NULL ? "-Z"
                                : opt->no_promisc        ? "-p"
                                : opt->buffer_kib != 0   ? "-B"
                                : opt->snaplen != 0      ? "-s"
                                : opt->interval_s > 0    ? "--interval"
                                : opt->interim_s > 0     ? "--interim"
                                                         : NULL;
        if (live_only != NULL) {
            ss_err_set(err, "%s needs -i IFACE (live capture)", live_only);
            return -1;
        }
    }
    if (opt->no_dpi && given[OPT_DPI_PACKETS] != NULL) {
        ss_err_set(err, "--no-dpi and --dpi-packets cannot be combined: "
                        "--dpi-packets bounds the detection --no-dpi turns off");
        return -1;
    }
    if (opt->iface != NULL && opt->merge) {
        ss_err_set(err, "--merge applies to -r files");
        return -1;
    }
    /* standard input is one stream: read twice, a file there would be counted
     * twice (one after another) or merged with itself */
    size_t n_stdin = 0;
    for (size_t k = 0; k < opt->n_files; k++)
        n_stdin += strcmp(opt->files[k], "-") == 0;
    if (n_stdin > 1) {
        ss_err_set(err, "%s reads standard input ('-') once at most",
                   opt->merge ? "--merge" : "-r");
        return -1;
    }
    if (opt->iface != NULL && opt->threads != 0) {
        ss_err_set(err, "--threads applies to -r files (a live capture is read as it arrives)");
        return -1;
    }
    if (opt->interim_s > 0 && opt->format != FMT_NDJSON) {
        ss_err_set(err, "--interim needs --ndjson (it writes update records)");
        return -1;
    }
    if (opt->interval_s > 0 && opt->format != FMT_NDJSON && opt->format != FMT_TEXT) {
        ss_err_set(err, "--interval needs text or --ndjson output");
        return -1;
    }
    if (opt->at != NULL && opt->netstat_host == NULL) {
        ss_err_set(err, "--at needs --netstat HOST");
        return -1;
    }
    return check_reports(opt, err);
}

void cli_free(struct cli_options *opt)
{
    free(opt->bpf);
    opt->bpf = NULL;
    free(opt->files);
    opt->files = NULL;
}
