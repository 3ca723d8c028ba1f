/* output_text.h - aligned text for people: capture statistics, a summary, and
 * the ports, sockets (grouped by local endpoint), hosts and connections views. */
#ifndef SOCKSCOPE_OUTPUT_TEXT_H
#define SOCKSCOPE_OUTPUT_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include <stdbool.h>

#include "conn.h"
#include "stats.h"
#include "views.h"

/* How tables are cut and ordered. sort NULL keeps each view's natural order
 * (ports by address and port, sockets grouped by local endpoint, connections
 * by start); a sort field the view lacks keeps it too. top 0 = all rows. */
struct text_opts {
    size_t top;
    const char *sort;
    bool color; /* ANSI colors (the caller decides: terminal and NO_COLOR unset) */
};

/* Full capture statistics (--stats, --view stats). */
void output_text_stats(FILE *out, const struct capture_stats *st);
/* The connections table, in array order, at most top rows (0 = all). */
void output_text_conns(FILE *out, const struct conn *conns, size_t n, size_t top);

/* Two-line summary: frames, bytes, time span; connections, ports by status,
 * sockets, hosts. */
void output_text_summary(FILE *out, const struct capture_stats *st, const struct views *v);
void output_text_ports(FILE *out, const struct views *v, const struct text_opts *o);
/* Sockets grouped under their local endpoint (a port's accepted sockets under
 * that port); flat when o->sort is a socket field. */
void output_text_sockets(FILE *out, const struct views *v, const struct text_opts *o);
void output_text_hosts(FILE *out, const struct views *v, const struct text_opts *o);
/* Connections of v (sorted per o). */
void output_text_conn_view(FILE *out, const struct views *v, const struct text_opts *o);

#endif
