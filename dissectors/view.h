/* view.h - read-only window on captured bytes, with checked pulls (STYLE.md). */
#ifndef SOCKSCOPE_VIEW_H
#define SOCKSCOPE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Borrowed: valid only inside the capture callback that produced it. */
struct view {
    const uint8_t *p; /* next unread byte */
    size_t len;       /* captured bytes left from p */
};

/* Returns n readable bytes at the front of v and advances past them,
 * or NULL (v unchanged) if fewer than n bytes were captured. */
static inline const uint8_t *view_pull(struct view *v, size_t n)
{
    if (n > v->len)
        return NULL;
    const uint8_t *hdr = v->p;
    v->p += n;
    v->len -= n;
    return hdr;
}

/* True when the first n bytes of v were captured: v->p[0 .. n) may then be read.
 * One comparison, where testing what view_pull()/view_peek() returned also tests
 * v->p for NULL. For views on captured bytes, as the dissectors get them (a view
 * with p NULL has len 0 there; frame_dissect makes sure of it). */
static inline bool view_has(const struct view *v, size_t n)
{
    return n <= v->len;
}

/* Returns a pointer to n bytes at the front of v without advancing, or NULL. */
static inline const uint8_t *view_peek(const struct view *v, size_t n)
{
    return n > v->len ? NULL : v->p;
}

/* Shrinks v to at most n bytes (never grows it): honours a length field
 * that is shorter than what was captured, e.g. Ethernet padding. */
static inline void view_clamp(struct view *v, size_t n)
{
    if (n < v->len)
        v->len = n;
}

/* Splits the first n bytes of v into *head and advances v past them.
 * Returns 0, or -1 (nothing changed) if fewer than n bytes remain. */
static inline int view_split(struct view *v, size_t n, struct view *head)
{
    if (n > v->len)
        return -1;
    head->p = v->p;
    head->len = n;
    v->p += n;
    v->len -= n;
    return 0;
}

/* Unchecked big-endian loads: use only on bytes view_pull()/view_peek() returned. */
static inline uint16_t rd_be16(const uint8_t *b)
{
    return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t rd_be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint16_t rd_le16(const uint8_t *b)
{
    return (uint16_t)((unsigned)b[1] << 8 | b[0]);
}

static inline uint32_t rd_le32(const uint8_t *b)
{
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

#endif
