/* cli.h - command line in tcpdump's habits plus sockscope's own options. */
#ifndef SOCKSCOPE_CLI_H
#define SOCKSCOPE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer.h"
#include "err.h"

enum cli_format { FMT_TEXT = 0, FMT_JSON, FMT_NDJSON, FMT_CONN_LOG };

struct cli_options {
    const char **files;     /* -r, in order (room for argc: allocated by cli_parse) */
    size_t n_files;
    const char *iface;      /* -i */
    char *bpf;              /* trailing expression, joined with spaces (owned) */
    long long count;        /* -c, 0 = unlimited */
    int snaplen;            /* -s, 0 = default */
    bool no_promisc;        /* -p */
    int buffer_kib;         /* -B */
    const char *write_file; /* -w */
    const char *drop_user;  /* -Z */
    const char *out_file;   /* -o */
    enum cli_format format;
    bool stats;             /* --stats */
    const char *view;       /* --view */
    long top;               /* --top, 0 = all */
    const char *sort;       /* --sort */
    const char *netstat_host; /* --netstat */
    const char *at;         /* --at */
    const char *explain;    /* --explain */
    bool no_dpi, no_decap;
    double interval_s, interim_s;
    int threads;            /* --threads 1|2 for files, 0 = 2 when the process may use 2+ CPUs */
    bool merge;             /* --merge: the -r files interleaved by timestamp, not one after another */
    struct analyzer_config acfg;
    bool help, version;
};

/* Parses argv into opt (defaults first). Returns 0, or -1 with a one-line
 * message in err. Frees nothing on error: call cli_free. */
int cli_parse(int argc, char **argv, struct cli_options *opt, struct ss_err *err);
void cli_free(struct cli_options *opt);
void cli_usage(FILE *out);

#endif
