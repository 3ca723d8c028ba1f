/* output_text.h - aligned text for people: capture statistics and connections. */
#ifndef SOCKSCOPE_OUTPUT_TEXT_H
#define SOCKSCOPE_OUTPUT_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "conn.h"
#include "stats.h"

void output_text_stats(FILE *out, const struct capture_stats *st);
void output_text_conns(FILE *out, const struct conn *conns, size_t n, size_t top);

#endif
