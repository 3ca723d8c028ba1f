/* interrupt.h - SIGINT (Ctrl-C) or SIGTERM while capture files are read.
 *
 * The read stops before the next record and the report covers the records
 * before it, its input error saying so (exit 1, an input not read to its
 * end): a long read stopped early still answers for what it read, where tshark
 * -r -z on SIGINT prints nothing (Debian's 4.0, tried on the benchmark's
 * capture). The handlers are one-shot: a
 * second signal ends the process at once (during a long output, or a read of
 * a pipe that blocks: a read is restarted after the handler, so that no other
 * system call of the run fails with EINTR). A live capture has its own
 * (live.c). */
#ifndef SOCKSCOPE_INTERRUPT_H
#define SOCKSCOPE_INTERRUPT_H

#include <stdint.h>

#include "err.h"

/* Installs the handlers for SIGINT and SIGTERM, each unless it was ignored
 * (a background job's, nohup's: then it stays ignored). */
void interrupt_install(void);

/* The signal received since, or 0 (always 0 without interrupt_install). */
int interrupt_pending(void);

/* "NAME: interrupted by SIGINT before record N; ..." in err. */
void interrupt_describe(struct ss_err *err, const char *name, uint64_t next_record);

#endif
