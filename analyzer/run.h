/* run.h - one sockscope run: read the inputs, analyze, write the chosen output. */
#ifndef SOCKSCOPE_RUN_H
#define SOCKSCOPE_RUN_H

#include "cli.h"
#include "conn_log.h"

/* Exit codes (documented in README.md). */
#define EXIT_OK         0
#define EXIT_INPUT_FAIL 1 /* an input could not be read to its end; results so far reported */
#define EXIT_USAGE      2 /* bad command line */
#define EXIT_OUTPUT     3 /* output could not be written */

/* True when the output is the capture statistics alone (--stats or --view
 * stats, in any format): then no record is kept. */
bool run_stats_only(const struct cli_options *opt);

/* Runs with parsed options; returns an exit code. */
int run_offline(const struct cli_options *opt);

/* Checks, before any input is read or output opened, --netstat, --at,
 * --explain, --view netstat and --sort, and that -o names neither a capture
 * the run reads (a -r file, or the file standard input is for -r -: the
 * report would replace it) nor the -w file. Returns 0, or -1 with err set
 * (exit EXIT_USAGE). */
int run_check_options(const struct cli_options *opt, struct ss_err *err);

/* Writes one finished connection as NDJSON: its "connection" record, then a
 * "socket" record per end (TCP/UDP/SCTP), and flushes. For streaming. */
void run_ndjson_conn(FILE *fp, const struct conn *c);

/* Writes c's line of a --conn-log written as the records come (conn_log.h),
 * after the header (#open at an's first frame) if it is the first. */
void run_conn_log_record(struct conn_log_stream *s, const struct analyzer *an,
                         const struct conn *c);
/* Ends a --conn-log written as the records came (conn_log.h): #close at the
 * last packet's time, the header first if no record came (#open at an's
 * first frame; both at the time of the run for a capture without packets). */
void run_conn_log_finish(struct conn_log_stream *s, const struct analyzer *an,
                         const struct capture_stats *st);

/* Writes everything that is written once all records are in, for opt's
 * format and view (not --conn-log: run_conn_log_finish; not --ndjson without
 * --netstat, whose port lines run.c builds from port facts): the text views, the --json
 * document, NDJSON's "port" and "netstat" records then the "capture" record
 * (with --netstat), --netstat, --explain. conns[0..n) is sorted by start in
 * place and must stay put during the call. color: ANSI colors in text.
 * end_ns: the time the views show and --netstat's default --at, the end of
 * the capture: its last packet's for files, the time it stopped for a live
 * capture (its TIME_WAITs have run on the clock since). Returns EXIT_OK, EXIT_USAGE (bad --netstat/--explain argument, message on
 * stderr) or EXIT_OUTPUT (out of memory). */
int run_write_output(FILE *fp, const struct cli_options *opt, struct conn *conns, size_t n,
                     const struct capture_stats *st, uint64_t end_ns, bool color);

#endif
