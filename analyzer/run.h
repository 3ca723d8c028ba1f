/* run.h - one sockscope run: read the inputs, analyze, write the chosen output. */
#ifndef SOCKSCOPE_RUN_H
#define SOCKSCOPE_RUN_H

#include "cli.h"

/* Exit codes (documented in README.md). */
#define EXIT_OK         0
#define EXIT_INPUT_FAIL 1 /* an input could not be read to its end; results so far reported */
#define EXIT_USAGE      2 /* bad command line */
#define EXIT_OUTPUT     3 /* output could not be written */

/* Runs with parsed options; returns an exit code. */
int run_offline(const struct cli_options *opt);

#endif
