/* live.h - live capture run (-i): capture from an interface until a signal or
 * -c, streaming records, periodic snapshots and interim updates (issue 6). */
#ifndef SOCKSCOPE_LIVE_H
#define SOCKSCOPE_LIVE_H

#include "cli.h"

/* Finished connection records kept for the final summary and --json: the
 * most recent min(--max-flows, LIVE_KEEP_MAX); NDJSON and --conn-log write
 * every one as it ends, and keep none. */
#define LIVE_KEEP_MAX 100000u

/* Runs a live capture with parsed options (opt->iface set). Installs SIGINT
 * and SIGTERM (stop: flush every open connection with end_reason "shutdown",
 * write the final output, exit 0) and SIGHUP/SIGUSR1 (a summary without
 * stopping) handlers. Returns an exit code: EXIT_OK; EXIT_INPUT_FAIL when the
 * interface cannot be opened (one line naming it; missing capability names
 * CAP_NET_RAW), -Z fails, or the capture breaks mid-run (what was seen is
 * still written); EXIT_USAGE for bad view options; EXIT_OUTPUT when -o or -w
 * cannot be written. */
int live_run(const struct cli_options *opt);

#endif
