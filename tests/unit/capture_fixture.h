/* capture_fixture.h - classic pcap files built in memory for the capture and
 * pcap_reader tests: a growing byte buffer with endian-aware writers, file
 * headers and records. */
#ifndef SOCKSCOPE_CAPTURE_FIXTURE_H
#define SOCKSCOPE_CAPTURE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growing byte buffer with endian-aware writers ---- */

struct buf {
    uint8_t *p;
    size_t len, cap;
    bool be;
};

static inline void put(struct buf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (np == NULL)
            abort();
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static inline void put8(struct buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static inline void put16(struct buf *b, uint16_t v)
{
    uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    if (!b->be) {
        x[0] = (uint8_t)v;
        x[1] = (uint8_t)(v >> 8);
    }
    put(b, x, 2);
}

static inline void put32(struct buf *b, uint32_t v)
{
    if (b->be) {
        put16(b, (uint16_t)(v >> 16));
        put16(b, (uint16_t)v);
    } else {
        put16(b, (uint16_t)v);
        put16(b, (uint16_t)(v >> 16));
    }
}

static inline void put64(struct buf *b, uint64_t v)
{
    if (b->be) {
        put32(b, (uint32_t)(v >> 32));
        put32(b, (uint32_t)v);
    } else {
        put32(b, (uint32_t)v);
        put32(b, (uint32_t)(v >> 32));
    }
}

static inline void pad4(struct buf *b)
{
    while (b->len % 4 != 0)
        put8(b, 0);
}

/* Overwrites a 32-bit value at off in the buffer's byte order. */
static inline void poke32(struct buf *b, size_t off, uint32_t v)
{
    struct buf t = { 0 };
    t.be = b->be;
    put32(&t, v);
    memcpy(b->p + off, t.p, 4);
    free(t.p);
}

/* ---- classic pcap writer ---- */

/* A file header of format version major.minor, in b's byte order. */
static inline void pcap_header_full(struct buf *b, bool nsec, uint16_t major, uint16_t minor,
                                    uint32_t snaplen, uint32_t linktype)
{
    put32(b, nsec ? 0xa1b23c4du : 0xa1b2c3d4u); /* written in b's order */
    put16(b, major);
    put16(b, minor);
    put32(b, 0);
    put32(b, 0);
    put32(b, snaplen);
    put32(b, linktype);
}

static inline void pcap_header(struct buf *b, bool nsec, uint32_t snaplen, uint32_t linktype)
{
    pcap_header_full(b, nsec, 2, 4, snaplen, linktype);
}

static inline void pcap_record(struct buf *b, uint32_t sec, uint32_t frac, uint32_t caplen,
                        uint32_t origlen, uint8_t fill)
{
    put32(b, sec);
    put32(b, frac);
    put32(b, caplen);
    put32(b, origlen);
    for (uint32_t i = 0; i < caplen; i++)
        put8(b, (uint8_t)(fill + i));
}

/* A classic pcap header of format version 2.minor (little-endian, microseconds). */
static inline void pcap_header_version(struct buf *b, uint16_t minor, uint32_t snaplen)
{
    pcap_header_full(b, false, 2, minor, snaplen, 1);
}

/* A record whose header fields are given as stored: field3 at offset 8, field4
 * at 12; n bytes of data follow. */
static inline void pcap_record_fields(struct buf *b, uint32_t sec, uint32_t field3, uint32_t field4,
                               uint32_t n)
{
    put32(b, sec);
    put32(b, 0);
    put32(b, field3);
    put32(b, field4);
    for (uint32_t i = 0; i < n; i++)
        put8(b, (uint8_t)i);
}

#endif
