/* json_out.c - JSON as a jansson tree or as the text jansson would dump for
 * it, compact or indented (json_out.h).
 *
 * The text follows jansson 2.14's dump: members as they were added; compact,
 * no spaces; indented (JSON_INDENT(n)), each member on a line of its own, ": "
 * after keys, empty containers as {} and []; strings with \" \\ \b \f \n \r \t and \u00XX (upper-case hex) for
 * the other control characters, everything else as it is (no
 * JSON_ENSURE_ASCII, no JSON_ESCAPE_SLASH); integers in decimal; reals as
 * "%.16g" (JSON_REAL_PRECISION(16)) with ".0" added when neither a point nor
 * an exponent shows and the exponent's sign "+" and leading zeros dropped.
 * test_json_out compares the two sides on every kind of value. */
#include "json_out.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jout_tree(struct jout *o)
{
    json_decref(o->root); /* a tree built before and not taken */
    char *buf = o->buf;
    size_t cap = o->cap;
    memset(o, 0, sizeof(*o));
    o->buf = buf; /* kept for a later text */
    o->cap = cap;
}

void jout_text(struct jout *o)
{
    jout_tree(o);
    o->text = true;
    if (o->buf != NULL)
        o->buf[0] = '\0';
}

void jout_text_indented(struct jout *o, int indent)
{
    jout_text(o);
    o->indent = indent > 0 ? indent : 0;
}

int jout_flush(struct jout *o, FILE *fp)
{
    if (!o->text || o->failed)
        return -1;
    if (o->len > 0 && fwrite(o->buf, 1, o->len, fp) != o->len)
        return -1;
    o->len = 0;
    if (o->buf != NULL)
        o->buf[0] = '\0';
    return ferror(fp) ? -1 : 0;
}

json_t *jout_take_tree(struct jout *o)
{
    json_t *t = o->root;
    o->root = NULL;
    return t;
}

const char *jout_text_get(const struct jout *o, size_t *len)
{
    if (o->failed || o->buf == NULL)
        return NULL;
    if (len != NULL)
        *len = o->len;
    return o->buf;
}

void jout_free(struct jout *o)
{
    json_decref(o->root); /* open containers are held by it */
    free(o->buf);
    memset(o, 0, sizeof(*o));
}

void jout_tree_object(struct jout *o)
{
    memset(o, 0, sizeof(*o));
    jout_tree(o);
    jout_object(o, NULL);
}

json_t *jout_tree_done(struct jout *o)
{
    jout_end(o);
    json_t *t = jout_take_tree(o);
    jout_free(o);
    return t;
}

void jout_text_line(struct jout *o, const char *type)
{
    jout_text(o);
    jout_object(o, NULL);
    jout_str(o, "type", type);
}

/* ---- text ---- */

/* Room for n more bytes and the terminating NUL at the end of the text: where
 * they go, or NULL (failed set) when memory ran out. */
static char *reserve(struct jout *o, size_t n)
{
    if (o->failed)
        return NULL;
    if (o->len + n + 1 > o->cap) {
        size_t ncap = o->cap ? o->cap : 1024;
        while (o->len + n + 1 > ncap)
            ncap *= 2;
        char *nb = realloc(o->buf, ncap);
        if (nb == NULL) {
            o->failed = true;
            return NULL;
        }
        o->buf = nb;
        o->cap = ncap;
    }
    return o->buf + o->len;
}

static void put(struct jout *o, const char *s, size_t n)
{
    char *d = reserve(o, n);
    if (d == NULL)
        return;
    memcpy(d, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void put_c(struct jout *o, char c)
{
    put(o, &c, 1);
}

/* The length of the run of printable ASCII at the start of s that a JSON
 * string holds as it is (no quote, no backslash): the whole of s for nearly
 * every key and value written (s[len] is then the NUL). */
static size_t plain_ascii_len(const char *s)
{
    size_t n = 0;
    for (;; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return n;
    }
}

/* s (n bytes of plain ASCII) in quotes, then the n_after bytes of after. */
static void put_plain_quoted(struct jout *o, const char *s, size_t n, const char *after,
                             size_t n_after)
{
    char *d = reserve(o, n + 2 + n_after);
    if (d == NULL)
        return;
    d[0] = '"';
    memcpy(d + 1, s, n);
    d[n + 1] = '"';
    memcpy(d + n + 2, after, n_after);
    o->len += n + 2 + n_after;
    o->buf[o->len] = '\0';
}

/* The length of the UTF-8 character at s as jansson accepts it
 * (utf8_check_string): no stray continuation byte, no overlong form, no
 * surrogate, nothing above U+10FFFF; 0 when s does not start one (or at the
 * terminating NUL). */
static size_t utf8_char_len(const unsigned char *s)
{
    unsigned char c = *s;
    size_t n;
    uint32_t v, min;
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, v = c & 0x1Fu, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, v = c & 0x0Fu, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, v = c & 0x07u, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0; /* also stops at the terminating NUL */
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return n;
}

/* Whether s is UTF-8 as jansson accepts it. */
static bool utf8_valid(const unsigned char *s)
{
    while (*s != 0) {
        size_t n = utf8_char_len(s);
        if (n == 0)
            return false;
        s += n;
    }
    return true;
}

void jout_utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p != 0) {
        size_t n = utf8_char_len(p);
        if (n == 0) {
            *p = '?';
            n = 1;
        }
        p += n;
    }
}

static void put_string(struct jout *o, const char *s)
{
    size_t plain = plain_ascii_len(s);
    if (s[plain] == '\0') {
        put_plain_quoted(o, s, plain, "", 0);
        return;
    }
    put_c(o, '"');
    const char *run = s;
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, run, (size_t)(p - run));
        run = p + 1;
        char esc[8];
        switch (c) {
        case '"': put(o, "\\\"", 2); break;
        case '\\': put(o, "\\\\", 2); break;
        case '\b': put(o, "\\b", 2); break;
        case '\f': put(o, "\\f", 2); break;
        case '\n': put(o, "\\n", 2); break;
        case '\r': put(o, "\\r", 2); break;
        case '\t': put(o, "\\t", 2); break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)c);
            put(o, esc, 6);
            break;
        }
    }
    put(o, run, strlen(run));
    put_c(o, '"');
}

/* A new line and the spaces of nesting level depth (indented text only). */
static void put_indent(struct jout *o, int depth)
{
    static const char spaces[] = "                                ";
    put_c(o, '\n');
    for (size_t n = (size_t)(depth * o->indent); n > 0;) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        put(o, spaces, k);
        n -= k;
    }
}

/* The separator and the key before a member written as text: jansson writes
 * "," between members and, indented, each member on a line of its own. */
static void text_member(struct jout *o, const char *key)
{
    if (o->depth > JOUT_MAX_DEPTH) {
        o->failed = true; /* inside a container too deep to be written */
        return;
    }
    if (o->depth > 0) {
        if (o->has_member[o->depth - 1])
            put_c(o, ',');
        o->has_member[o->depth - 1] = true;
        if (o->indent > 0)
            put_indent(o, o->depth);
        if (!o->is_array[o->depth - 1]) {
            const char *k = key != NULL ? key : "";
            size_t plain = plain_ascii_len(k);
            if (k[plain] == '\0') { /* a key as every key is: in one go */
                put_plain_quoted(o, k, plain, o->indent > 0 ? ": " : ":", o->indent > 0 ? 2 : 1);
                return;
            }
            put_string(o, k);
            if (o->indent > 0)
                put(o, ": ", 2);
            else
                put_c(o, ':');
        }
    }
}

static void put_real(struct jout *o, double v)
{
    char b[64];
    int n = snprintf(b, sizeof(b), "%.16g", v);
    if (n < 0 || (size_t)n >= sizeof(b) - 3) {
        o->failed = true;
        return;
    }
    size_t len = (size_t)n;
    if (strchr(b, '.') == NULL && strchr(b, 'e') == NULL) {
        memcpy(b + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(b, 'e');
    if (e != NULL) { /* "1e+05" -> "1e5", "1e-05" -> "1e-5" */
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - b) + 1);
            len -= (size_t)(end - start);
        }
    }
    put(o, b, len);
}

/* ---- tree ---- */

/* Adds v (NULL: refused, nothing added) to the innermost container, or makes
 * it the root. */
static void tree_add(struct jout *o, const char *key, json_t *v)
{
    if (o->depth > JOUT_MAX_DEPTH) { /* inside a container too deep to be built */
        json_decref(v);
        return;
    }
    if (o->depth == 0) {
        if (o->root == NULL)
            o->root = v;
        else
            json_decref(v);
        return;
    }
    json_t *parent = o->open[o->depth - 1];
    if (o->is_array[o->depth - 1])
        json_array_append_new(parent, v);
    else
        json_object_set_new(parent, key != NULL ? key : "", v);
}

/* ---- both ---- */

static void open_container(struct jout *o, const char *key, bool array)
{
    if (o->depth >= JOUT_MAX_DEPTH) {
        o->failed = true; /* its members are dropped (tree) or the text fails */
        o->depth++;
        return;
    }
    if (o->text) {
        text_member(o, key);
        put_c(o, array ? '[' : '{');
    } else {
        json_t *c = array ? json_array() : json_object();
        /* the parent holds it (and frees it with itself): our pointer is borrowed */
        tree_add(o, key, c);
        o->open[o->depth] = c;
    }
    o->is_array[o->depth] = array;
    o->has_member[o->depth] = false;
    o->depth++;
}

void jout_object(struct jout *o, const char *key)
{
    open_container(o, key, false);
}

void jout_array(struct jout *o, const char *key)
{
    open_container(o, key, true);
}

void jout_end(struct jout *o)
{
    if (o->depth == 0)
        return;
    o->depth--;
    if (o->depth >= JOUT_MAX_DEPTH)
        return;
    if (o->text) {
        if (o->indent > 0 && o->has_member[o->depth]) /* "{}" and "[]" stay on one line */
            put_indent(o, o->depth);
        put_c(o, o->is_array[o->depth] ? ']' : '}');
    }
}

void jout_int(struct jout *o, const char *key, json_int_t v)
{
    if (!o->text) {
        tree_add(o, key, json_integer(v));
        return;
    }
    /* decimal digits, without printf (a few dozen integers a line) */
    char b[24];
    size_t i = sizeof(b);
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN too */
    do {
        b[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m != 0);
    if (v < 0)
        b[--i] = '-';
    text_member(o, key);
    put(o, b + i, sizeof(b) - i);
}

void jout_real(struct jout *o, const char *key, double v)
{
    if (!isfinite(v))
        return; /* json_real refuses it */
    if (!o->text) {
        tree_add(o, key, json_real(v));
        return;
    }
    text_member(o, key);
    put_real(o, v);
}

/* Epoch times, the most common reals (about 16 in each TCP connection's
 * lines). For 10-digit seconds "%.16g" prints exactly 6 decimals, and below
 * 4e9 the double sec + frac / 1e6 lies within 2.4e-7 (half an ulp, plus the
 * division's far smaller error) of the decimal sec.frac, closer than the
 * 5e-7 that would round to a neighbour: so printf would print sec.frac, with
 * trailing zeros dropped (and ".0" added by jansson when frac is 0). That is
 * written here from the integers; other times go through printf. */
#define EPOCH_FAST_MIN 1000000000u
#define EPOCH_FAST_END 4000000000u

void jout_epoch_us(struct jout *o, const char *key, uint64_t us)
{
    uint64_t sec = us / 1000000, frac = us % 1000000;
    double v = (double)sec + (double)frac / 1e6;
    if (!o->text || sec < EPOCH_FAST_MIN || sec >= EPOCH_FAST_END) {
        jout_real(o, key, v);
        return;
    }
    char b[24];
    for (int i = 9; i >= 0; i--, sec /= 10) /* 10 digits */
        b[i] = (char)('0' + sec % 10);
    size_t len = 10;
    b[len++] = '.';
    if (frac == 0) {
        b[len++] = '0';
    } else {
        char d[6];
        for (int i = 5; i >= 0; i--, frac /= 10)
            d[i] = (char)('0' + frac % 10);
        size_t keep = 6;
        while (d[keep - 1] == '0')
            keep--;
        memcpy(b + len, d, keep);
        len += keep;
    }
    text_member(o, key);
    put(o, b, len);
}

void jout_str(struct jout *o, const char *key, const char *s)
{
    if (s == NULL)
        return;
    size_t plain = plain_ascii_len(s);
    if (s[plain] == '\0' && o->text) { /* ASCII: valid UTF-8, nothing to escape */
        text_member(o, key);
        put_plain_quoted(o, s, plain, "", 0);
        return;
    }
    if (!utf8_valid((const unsigned char *)s))
        return; /* json_string refuses it */
    if (!o->text) {
        tree_add(o, key, json_string(s));
        return;
    }
    text_member(o, key);
    put_string(o, s);
}

void jout_bool(struct jout *o, const char *key, bool v)
{
    if (!o->text) {
        tree_add(o, key, json_boolean(v));
        return;
    }
    text_member(o, key);
    put(o, v ? "true" : "false", v ? 4 : 5);
}

void jout_null(struct jout *o, const char *key)
{
    if (!o->text) {
        tree_add(o, key, json_null());
        return;
    }
    text_member(o, key);
    put(o, "null", 4);
}

void jout_json(struct jout *o, const char *key, json_t *v)
{
    if (v == NULL)
        return; /* as json_object_set_new and json_array_append_new: nothing */
    if (!o->text) {
        tree_add(o, key, v);
        return;
    }
    size_t flags = JOUT_JANSSON_FLAGS | JSON_ENCODE_ANY | /* a member may be a number */
                   (o->indent > 0 ? JSON_INDENT(o->indent) : JSON_COMPACT);
    char *s = json_dumps(v, flags);
    json_decref(v);
    if (s == NULL) {
        o->failed = true;
        return;
    }
    text_member(o, key);
    /* dumped at depth 0: each of its lines goes o->depth levels further in
     * (a dump has no raw new line but those of its layout) */
    const char *run = s;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p != '\n')
            continue;
        put(o, run, (size_t)(p - run));
        put_indent(o, o->depth);
        run = p + 1;
    }
    put(o, run, strlen(run));
    free(s);
}
