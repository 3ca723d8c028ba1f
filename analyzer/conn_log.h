/* conn_log.h - connection records as a Zeek ASCII conn.log (TSV with #fields and
 * #types header lines), readable by zeek-cut and tools built on conn.log. */
#ifndef SOCKSCOPE_CONN_LOG_H
#define SOCKSCOPE_CONN_LOG_H

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

#endif
