/* json_out.h - a JSON value described once, then either built as a jansson
 * tree or written straight to text, byte for byte as jansson's dump (json_dumps
 * with OUTPUT_JSON_DUMP_FLAGS and JSON_COMPACT or JSON_INDENT(n)) would print
 * that tree. The NDJSON lines of connections and sockets, millions on a large
 * capture, and the --json document are written as text: no tree, no
 * allocation per member (jansson took 85 % of an NDJSON run's time, and the
 * document's tree gigabytes).
 *
 * What jansson refuses is left out the same way on both sides: a string
 * that is NULL or not valid UTF-8, a real that is not finite (json_string
 * and json_real return NULL, and setting a NULL member sets nothing). */
#ifndef SOCKSCOPE_JSON_OUT_H
#define SOCKSCOPE_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define JOUT_MAX_DEPTH 8
/* The jansson dump flags every sockscope JSON writer uses (output_json.h). */
#define JOUT_JANSSON_FLAGS (JSON_REAL_PRECISION(16) | JSON_PRESERVE_ORDER)

/* Replaces, in place, each byte of s that does not start a UTF-8 character
 * jansson accepts with '?': text from outside (a file name in a message) that
 * must not be left out. */
void jout_utf8_scrub(char *s);

struct jout {
    bool text;
    int indent;                       /* text: JSON_INDENT(indent) layout; 0 = compact */
    int depth;                        /* containers open */
    bool is_array[JOUT_MAX_DEPTH];
    bool has_member[JOUT_MAX_DEPTH];  /* text: a member was written at this depth */
    json_t *open[JOUT_MAX_DEPTH];     /* tree: the containers open, outermost first */
    json_t *root;                     /* tree: the value built */
    char *buf;                        /* text: what was written (NUL-terminated) */
    size_t len, cap;
    bool failed;                      /* text: out of memory or too deep; buf is not whole */
};

/* o is zeroed before its first use (or from jout_tree_object); it may then
 * serve one value after another, trees and texts. */

/* Starts a tree (jout_take_tree hands it over). */
void jout_tree(struct jout *o);
/* Starts text in o's buffer, kept from earlier texts (jout_free frees it):
 * compact, or laid out as jansson's JSON_INDENT(indent) (jout_text_indented). */
void jout_text(struct jout *o);
void jout_text_indented(struct jout *o, int indent);
/* Text: writes what o holds to fp and empties the buffer, so that a large
 * document goes out piece by piece. -1 when o failed (out of memory, too
 * deep) or fp reported an error. */
int jout_flush(struct jout *o, FILE *fp);
/* The tree built (the caller owns it), or NULL. */
json_t *jout_take_tree(struct jout *o);
/* The text written, NUL-terminated, or NULL when it failed. */
const char *jout_text_get(const struct jout *o, size_t *len);
void jout_free(struct jout *o);

/* Shorthands. jout_tree_object starts a tree whose top value is an object
 * and jout_tree_done closes it and hands it over (o is freed); jout_text_line
 * starts text whose top value is an object with "type": type first, for one
 * NDJSON line (close it with jout_end). */
void jout_tree_object(struct jout *o);
json_t *jout_tree_done(struct jout *o);
void jout_text_line(struct jout *o, const char *type);

/* Members: key names the member inside an object and is NULL inside an
 * array or for the top value. */
void jout_object(struct jout *o, const char *key);
void jout_array(struct jout *o, const char *key);
void jout_end(struct jout *o); /* closes the innermost object or array */
void jout_int(struct jout *o, const char *key, json_int_t v);
void jout_real(struct jout *o, const char *key, double v);
/* The real us / 1e6 (epoch seconds with microseconds, as sec + frac / 1e6
 * in double), as jout_real would write it; text between 2001 and 2096 is
 * written from the integers, without printf (see json_out.c). */
void jout_epoch_us(struct jout *o, const char *key, uint64_t us);
void jout_str(struct jout *o, const char *key, const char *s);
void jout_bool(struct jout *o, const char *key, bool v);
void jout_null(struct jout *o, const char *key);
/* A value built as a jansson tree (stolen; NULL: nothing written), for the
 * parts not described with jout calls: the tree itself, or its dump laid out
 * at this depth. */
void jout_json(struct jout *o, const char *key, json_t *v);

#endif
