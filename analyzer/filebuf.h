/* filebuf.h - the bytes of a capture file as its readers (pcap_reader.c,
 * pcapng.c) take them: a window into a buffer of their own, so that a record
 * or block is parsed where it lies instead of being copied out of stdio's.
 *
 * Three ways to fill it. A descriptor of a regular file: in large chunks
 * with pread from where the descriptor stood at the start (its position is not
 * moved). Any other descriptor (a pipe, a FIFO, a terminal): read(2), taking
 * what has arrived up to the room there is, never waiting for more than was
 * asked, so that a record is handed on as soon as it has arrived (and waiting
 * in poll(2) when the descriptor was left non-blocking). A stream
 * (stdio; fmemopen's has no descriptor): exactly the bytes asked for. The
 * buffer grows with the bytes that arrive (a chunk, then doubling, cut to what
 * is asked), not to a length a header claims: a short hostile file cannot make it
 * allocate what a block or record only says it holds.
 *
 * A compressed capture, gzip (RFC 1952; `tcpdump -z gzip`, Zeek's and many
 * public traces, read as Wireshark reads them), zstd (RFC 8878) or lz4 (the
 * LZ4 frame format; both as Wireshark 4.2 reads them), is read the same three
 * ways and decompressed on the way: the window then shows the bytes it
 * decompresses to, the source being read in chunks (a stream's too) and
 * decompressed as far as the window has room, so a record still arrives as
 * soon as its compressed bytes have (zstd's and lz4's: its block's). */
#ifndef SOCKSCOPE_FILEBUF_H
#define SOCKSCOPE_FILEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define FILEBUF_CHUNK (256u * 1024u)

/* A file's 16- and 32-bit fields, stored big-endian (be) or little-endian. */
static inline uint16_t filebuf_rd16(const uint8_t *p, bool be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t filebuf_rd32(const uint8_t *p, bool be)
{
    if (be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

struct filebuf_dec; /* filebuf.c */

enum filebuf_codec { FILEBUF_PLAIN = 0, FILEBUF_GZIP, FILEBUF_ZSTD, FILEBUF_LZ4 };

struct filebuf {
    const char *name; /* prefixes messages (borrowed) */
    int fd;           /* >= 0: read by descriptor ... */
    bool by_offset;   /* ... with pread from off (a regular file), or read(2) */
    FILE *fp;         /* else: through stdio, exactly what is asked */
    uint64_t off;
    uint8_t *buf;
    size_t cap;      /* bytes allocated */
    size_t pos, end; /* unread bytes: buf[pos, end) */
    bool eof;        /* the source has no more bytes */
    struct filebuf_dec *dec; /* non-NULL: the source is compressed, buf what it decompresses to */
};

/* Empty, reading fd from where it stands when fd >= 0, else fp from where it
 * is. Neither is closed by filebuf_free. */
void filebuf_init(struct filebuf *fb, int fd, FILE *fp, const char *name);

/* Hands src over to dst, unread bytes and all (a reader taking the window its
 * caller peeked through); src is left empty, as after filebuf_free. */
static inline void filebuf_move(struct filebuf *dst, struct filebuf *src)
{
    *dst = *src;
    src->buf = NULL;
    src->dec = NULL;
    src->cap = src->pos = src->end = 0;
}

/* The compression the unread bytes begin with: gzip (1f 8b 08: RFC 1952's
 * ID1, ID2 and CM deflate; 3 bytes), zstd (a frame's magic 28 b5 2f fd) or
 * lz4 (a frame's magic 04 22 4d 18); FILEBUF_PLAIN when none, or too few
 * bytes to tell. Skippable frames (5X 2a 4d 18, a length, that many bytes;
 * both formats have them, pzstd starts with one) are looked past to the
 * frame after them when the window holds it, else taken as zstd's. */
enum filebuf_codec filebuf_sniff(const struct filebuf *fb);

/* Makes what filebuf_sniff looks at available, as far as the source has it:
 * 4 bytes, and past skippable frames up to 64 KiB in. Returns 0, or -1 with
 * err set (as filebuf_fill). */
int filebuf_fill_for_sniff(struct filebuf *fb, struct ss_err *err);

/* From here on the unread bytes and the rest of the source are codec's data
 * (not FILEBUF_PLAIN): gzip members concatenated as gzip(1) appends them, NUL
 * bytes to the end after the last ignored as gzip(1) ignores them; zstd or lz4
 * frames one after another, skippable frames skipped, as zstd(1) and lz4(1)
 * read them. The window shows what they decompress to. Returns 0, or -1 with
 * err set ("NAME: out of memory ..."). Damaged compressed data is reported by the
 * filebuf_fill that cannot be met because of it, after every byte
 * decompressed before it: "NAME: gzip: truncated compressed data", "NAME:
 * gzip: incorrect data check" (a CRC that does not match), "NAME: gzip:
 * trailing data after the compressed stream at byte N", "NAME: zstd:
 * truncated compressed data", "NAME: zstd: Restored data doesn't match
 * checksum", "NAME: zstd: Unknown frame descriptor" (bytes after the last
 * frame that are none), "NAME: lz4: truncated compressed data", "NAME: lz4:
 * incorrect data check", "NAME: lz4: trailing data after the compressed
 * stream at byte N", ... */
int filebuf_start_decoding(struct filebuf *fb, enum filebuf_codec codec, struct ss_err *err);

/* The codec filebuf_start_decoding started, or FILEBUF_PLAIN. */
enum filebuf_codec filebuf_decoding(const struct filebuf *fb);

/* "gzip", "zstd", "lz4", "none". */
const char *filebuf_codec_name(enum filebuf_codec codec);

/* Makes at least need unread bytes available unless the source ends first
 * (check filebuf_avail). Moves the unread bytes: pointers into the buffer
 * from before are stale. Returns 0, or -1 with err set ("NAME: read error:
 * ...", "NAME: out of memory ..."). */
int filebuf_fill(struct filebuf *fb, size_t need, struct ss_err *err);

static inline size_t filebuf_avail(const struct filebuf *fb)
{
    return fb->end - fb->pos;
}

/* The unread bytes, filebuf_avail of them. */
static inline const uint8_t *filebuf_data(const struct filebuf *fb)
{
    return fb->buf + fb->pos;
}

/* Marks n (<= filebuf_avail) bytes read; they stay where they are until the
 * next filebuf_fill. */
static inline void filebuf_consume(struct filebuf *fb, size_t n)
{
    fb->pos += n;
}

void filebuf_free(struct filebuf *fb);

#endif
