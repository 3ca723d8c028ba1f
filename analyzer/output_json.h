/* output_json.h - JSON building blocks (jansson): the capture summary and Zeek
 * conn.log-compatible connection records. Schema: docs/schema.json. */
#ifndef SOCKSCOPE_OUTPUT_JSON_H
#define SOCKSCOPE_OUTPUT_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "conn.h"
#include "json_out.h"
#include "stats.h"

#define SOCKSCOPE_SCHEMA_VERSION 1

/* Flags for json_dumps that every sockscope JSON writer uses. */
#define OUTPUT_JSON_DUMP_FLAGS JOUT_JANSSON_FLAGS

/* Epoch seconds with microseconds, as Zeek logs time values. */
json_t *output_json_time(uint64_t ts_ns);
void output_json_time_member(struct jout *o, const char *key, uint64_t ts_ns);
/* An address member in its text form (ip_addr_format). */
void output_json_addr_member(struct jout *o, const char *key, const struct ip_addr *a, uint8_t v);

/* New reference: the "capture" object (schema version, frames, bytes, link types,
 * anomalies, ...). */
json_t *output_json_capture(const struct capture_stats *st);

/* Writes body (a reference it steals) as one NDJSON line {"type": type, ...body}. */
void output_json_ndjson_line(FILE *fp, const char *type, json_t *body);

/* New reference: one connection record with Zeek's conn.log field names plus
 * sockscope's own fields. */
json_t *output_json_conn(const struct conn *c);
/* The same record's members, written into o's open object (json_out.h: as a
 * tree, or as text for an NDJSON line without a jansson tree). */
void output_json_conn_members(struct jout *o, const struct conn *c);

/* Writes o's text (a whole object: jout_text, ..., jout_end) as one NDJSON line. */
void output_json_ndjson_text_line(FILE *fp, struct jout *o);

#endif
