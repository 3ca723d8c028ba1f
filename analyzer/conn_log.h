/* conn_log.h - connection records as a Zeek ASCII conn.log (TSV with #fields and
 * #types header lines), readable by zeek-cut and tools built on conn.log. */
#ifndef SOCKSCOPE_CONN_LOG_H
#define SOCKSCOPE_CONN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conn.h"

/* Writes the header lines; open_ts_ns is the #open time. */
void conn_log_header(FILE *out, uint64_t open_ts_ns);
/* Writes one record line. */
void conn_log_record(FILE *out, const struct conn *c);
/* Columns of a record line (fields in #fields). */
size_t conn_log_column_count(void);
/* Writes the #close line. */
void conn_log_footer(FILE *out, uint64_t close_ts_ns);

/* A conn.log written as the connections end, as Zeek writes it: the header
 * lines before the first record, #close after the last. Nothing is kept, so a
 * capture of any size takes no memory for it, and a live capture's log can be
 * followed (tail -f) while it runs. */
struct conn_log_stream {
    FILE *out;
    bool flush_each; /* fflush after every record (live capture) */
    bool started;    /* the header is written */
};
/* Writes c's record, after the header (#open open_ts_ns) if it is the first. */
void conn_log_stream_record(struct conn_log_stream *s, const struct conn *c,
                            uint64_t open_ts_ns);
/* Ends the log: the header first if no record came, then #close. */
void conn_log_stream_finish(struct conn_log_stream *s, uint64_t open_ts_ns,
                            uint64_t close_ts_ns);

#endif
