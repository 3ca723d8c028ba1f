/* filebuf.c - see filebuf.h. */
#include "filebuf.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

void filebuf_init(struct filebuf *fb, int fd, FILE *fp, const char *name)
{
    memset(fb, 0, sizeof(*fb));
    fb->name = name;
    fb->fd = fd;
    fb->fp = fp;
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        fb->by_offset = true;
        fb->off = at > 0 ? (uint64_t)at : 0;
    }
}

/* Reads up to room bytes of the source into dst (a stream: up to want, exactly
 * what is asked). Returns how many (0 at the source's end), or -1 with err set. */
static ssize_t source_read(struct filebuf *fb, uint8_t *dst, size_t room, size_t want,
                           struct ss_err *err)
{
    if (fb->fd < 0) {
        size_t n = fread(dst, 1, want < room ? want : room, fb->fp);
        if (n == 0 && ferror(fb->fp)) {
            ss_err_set(err, "%s: read error: %s", fb->name, strerror(errno != 0 ? errno : EIO));
            return -1;
        }
        return (ssize_t)n;
    }
    for (;;) {
        /* a pipe's read returns what has arrived, waiting only while
         * nothing has: it never holds back a record for the next one */
        ssize_t got = fb->by_offset ? pread(fb->fd, dst, room, (off_t)fb->off)
                                    : read(fb->fd, dst, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !fb->by_offset) {
            /* a pipe left non-blocking by whoever shares it: wait for
             * bytes (or the writer's end) rather than fail */
            struct pollfd pfd = { .fd = fb->fd, .events = POLLIN };
            if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
                continue;
        }
        if (got < 0) {
            ss_err_set(err, "%s: read error: %s", fb->name, strerror(errno));
            return -1;
        }
        fb->off += (uint64_t)got;
        return got;
    }
}

/* ---- compressed sources: gzip (RFC 1952) by zlib, zstd (RFC 8878) by libzstd,
 * lz4 (the LZ4 frame format) by liblz4 */

struct filebuf_dec {
    enum filebuf_codec codec;
    uint8_t *in;      /* compressed bytes read: the decoder's input points into it */
    size_t in_cap;
    uint64_t in_read; /* compressed bytes taken from the source in all */
    bool src_eof;     /* the source has no more */
    bool done;        /* nothing more will come out: the end, or damage */
    char damage[128]; /* why it ended early; "" at a clean end */
    /* gzip */
    z_stream zs;
    bool between;     /* a member has ended: another, NULs or the end may follow */
    bool padding;     /* NULs have followed one: only more NULs may */
    /* zstd */
    ZSTD_DStream *zd;
    ZSTD_inBuffer zin;
    size_t zret;      /* ZSTD_decompressStream's last hint: 0 once a frame is whole */
    /* lz4 */
    LZ4F_dctx *lz;
    const uint8_t *lz_next; /* the compressed bytes not yet taken: lz_avail of them */
    size_t lz_avail;
    size_t lzret;           /* LZ4F_decompress's last hint: 0 once a frame is whole */
};

const char *filebuf_codec_name(enum filebuf_codec codec)
{
    switch (codec) {
    case FILEBUF_GZIP: return "gzip";
    case FILEBUF_ZSTD: return "zstd";
    case FILEBUF_LZ4: return "lz4";
    case FILEBUF_PLAIN: break;
    }
    return "none";
}

/* The compressed bytes read and not yet taken by the decoder. */
static size_t dec_pending(const struct filebuf_dec *d)
{
    switch (d->codec) {
    case FILEBUF_GZIP: return d->zs.avail_in;
    case FILEBUF_ZSTD: return d->zin.size - d->zin.pos;
    case FILEBUF_LZ4: return d->lz_avail;
    case FILEBUF_PLAIN: break;
    }
    return 0;
}

/* The offset in the compressed data of the next byte the decoder would take. */
static uint64_t dec_offset(const struct filebuf_dec *d)
{
    return d->in_read - dec_pending(d);
}

/* The decoder's input: the first n bytes of d->in. */
static void dec_set_input(struct filebuf_dec *d, size_t n)
{
    switch (d->codec) {
    case FILEBUF_GZIP:
        d->zs.next_in = d->in;
        d->zs.avail_in = (uInt)n;
        break;
    case FILEBUF_ZSTD: d->zin = (ZSTD_inBuffer){ .src = d->in, .size = n, .pos = 0 }; break;
    case FILEBUF_LZ4:
        d->lz_next = d->in;
        d->lz_avail = n;
        break;
    case FILEBUF_PLAIN: break;
    }
}

/* Keeps the compressed bytes not yet taken and reads more after them.
 * Returns 0 (src_eof set at the source's end) or -1 with err set. */
static int dec_refill(struct filebuf *fb, struct filebuf_dec *d, struct ss_err *err)
{
    size_t keep = dec_pending(d);
    const uint8_t *from = d->codec == FILEBUF_GZIP   ? d->zs.next_in
                          : d->codec == FILEBUF_LZ4 ? d->lz_next
                                                    : (const uint8_t *)d->zin.src + d->zin.pos;
    if (keep > 0 && from != d->in)
        memmove(d->in, from, keep);
    ssize_t got = source_read(fb, d->in + keep, d->in_cap - keep, d->in_cap - keep, err);
    if (got < 0)
        return -1;
    if (got == 0)
        d->src_eof = true;
    d->in_read += (uint64_t)got;
    dec_set_input(d, keep + (size_t)got);
    return 0;
}

static void dec_damage(struct filebuf_dec *d, const char *why)
{
    snprintf(d->damage, sizeof(d->damage), "%s: %s", filebuf_codec_name(d->codec), why);
    d->done = true;
}

/* Between gzip members: another member, or NUL bytes to the end (tape
 * padding, which gzip(1) ignores too; nothing may follow them), or the end;
 * anything else is damage. Returns true when inflating may go on. */
static bool gz_next_member(struct filebuf_dec *d)
{
    while (d->zs.avail_in > 0 && d->zs.next_in[0] == 0) {
        d->padding = true;
        d->zs.next_in++;
        d->zs.avail_in--;
    }
    if (d->zs.avail_in == 0) {
        if (d->src_eof)
            d->done = true; /* the clean end */
        return false;
    }
    /* two bytes are in unless the source has ended (gz_read refills first) */
    if (d->padding || d->zs.avail_in < 2 || d->zs.next_in[0] != 0x1f || d->zs.next_in[1] != 0x8b) {
        char why[96];
        snprintf(why, sizeof(why), "trailing data after the compressed stream at byte %" PRIu64,
                 dec_offset(d));
        dec_damage(d, why);
        return false;
    }
    d->between = false;
    return true;
}

/* Inflates up to room bytes into dst. Returns how many (0: nothing more, the
 * end or damage), or -1 with err set (a read error of the source). */
static ssize_t gz_read(struct filebuf *fb, struct filebuf_dec *d, uint8_t *dst, size_t room,
                       struct ss_err *err)
{
    if (room > UINT_MAX)
        room = UINT_MAX;
    while (!d->done) {
        if ((d->zs.avail_in == 0 || (d->between && d->zs.avail_in < 2)) && !d->src_eof &&
            dec_refill(fb, d, err) != 0)
            return -1;
        if (d->between && !gz_next_member(d))
            continue;
        d->zs.next_out = dst;
        d->zs.avail_out = (uInt)room;
        int zr = inflate(&d->zs, Z_NO_FLUSH);
        size_t made = room - d->zs.avail_out;
        if (zr == Z_STREAM_END) {
            d->between = true;
            (void)inflateReset(&d->zs);
        } else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT) {
            dec_damage(d, d->zs.msg != NULL ? d->zs.msg : "invalid compressed data");
        } else if (zr == Z_MEM_ERROR) {
            dec_damage(d, "out of memory");
        } else if (d->zs.avail_in == 0 && d->src_eof && made < room) {
            /* Z_OK or Z_BUF_ERROR with every byte taken, room left and no
             * more to come: the member stops short of its end */
            dec_damage(d, "truncated compressed data");
        }
        if (made > 0)
            return (ssize_t)made;
    }
    return 0;
}

/* Decompresses up to room bytes of zstd frames (one or several, skippable
 * ones among them, as zstd(1) writes and joins them) into dst. Returns how
 * many (0: nothing more, the end or damage), or -1 with err set. */
static ssize_t zst_read(struct filebuf *fb, struct filebuf_dec *d, uint8_t *dst, size_t room,
                        struct ss_err *err)
{
    while (!d->done) {
        if (d->zin.pos == d->zin.size && !d->src_eof) {
            if (dec_refill(fb, d, err) != 0)
                return -1;
            continue;
        }
        if (d->zin.pos == d->zin.size && d->zret == 0) {
            d->done = true; /* the last frame whole and flushed: the clean end */
            break;
        }
        ZSTD_outBuffer out = { .dst = dst, .size = room, .pos = 0 };
        size_t r = ZSTD_decompressStream(d->zd, &out, &d->zin);
        if (ZSTD_isError(r))
            dec_damage(d, ZSTD_getErrorName(r));
        else
            d->zret = r;
        if (out.pos > 0)
            return (ssize_t)out.pos;
        if (!d->done && d->zin.pos == d->zin.size && d->src_eof && d->zret != 0)
            dec_damage(d, "truncated compressed data"); /* nothing came out, nothing will come in */
    }
    return 0;
}

/* The words of an lz4 frame's and a skippable frame's magic numbers (the
 * latter shared with zstd: 0x184D2A50 to 0x184D2A5F), little-endian. */
#define LZ4_FRAME_MAGIC     0x184D2204u
#define SKIPPABLE_MAGIC     0x184D2A50u
#define SKIPPABLE_MAGIC_MSK 0xFFFFFFF0u

static uint32_t rd32le(const uint8_t *p)
{
    return filebuf_rd32(p, false);
}

/* What liblz4 reports, in the words gzip's and zstd's damage is reported in. */
static const char *lz4_damage_text(size_t code)
{
    static const struct {
        const char *name, *text;
    } known[] = {
        { "ERROR_contentChecksum_invalid", "incorrect data check" },
        { "ERROR_blockChecksum_invalid", "incorrect block check" },
        { "ERROR_headerChecksum_invalid", "incorrect frame header check" },
        { "ERROR_decompressionFailed", "invalid compressed data" },
        { "ERROR_frameSize_wrong", "frame content size does not match its data" },
        { "ERROR_allocation_failed", "out of memory" },
    };
    const char *name = LZ4F_getErrorName(code);
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(name, known[i].name) == 0)
            return known[i].text;
    /* the header's fields (block size, version, reserved bits): liblz4's
     * own name for what is wrong, without its "ERROR_" */
    return strncmp(name, "ERROR_", 6) == 0 ? name + 6 : name;
}

/* Between lz4 frames, with the next frame's first bytes in: another frame (an
 * lz4 frame or a skippable one, as lz4(1) joins and skips them) may follow,
 * anything else is damage. Returns true when decompressing may go on. */
static bool lz4_next_frame(struct filebuf_dec *d)
{
    if (d->lz_avail >= 4) {
        uint32_t magic = rd32le(d->lz_next);
        if (magic == LZ4_FRAME_MAGIC || (magic & SKIPPABLE_MAGIC_MSK) == SKIPPABLE_MAGIC)
            return true;
    }
    char why[96];
    snprintf(why, sizeof(why), "trailing data after the compressed stream at byte %" PRIu64,
             dec_offset(d));
    dec_damage(d, why);
    return false;
}

/* Decompresses up to room bytes of lz4 frames into dst. Returns how many (0:
 * nothing more, the end or damage), or -1 with err set. */
static ssize_t lz4_read(struct filebuf *fb, struct filebuf_dec *d, uint8_t *dst, size_t room,
                        struct ss_err *err)
{
    while (!d->done) {
        /* at a frame's end, 4 bytes tell whether another follows */
        size_t want = d->lzret == 0 ? 4 : 1;
        if (d->lz_avail < want && !d->src_eof) {
            if (dec_refill(fb, d, err) != 0)
                return -1;
            continue;
        }
        if (d->lzret == 0) {
            if (d->lz_avail == 0) {
                d->done = true; /* the last frame whole and flushed: the clean end */
                break;
            }
            if (!lz4_next_frame(d))
                break;
        }
        size_t made = room, took = d->lz_avail;
        size_t r = LZ4F_decompress(d->lz, dst, &made, d->lz_next, &took, NULL);
        d->lz_next += took;
        d->lz_avail -= took;
        if (LZ4F_isError(r))
            dec_damage(d, lz4_damage_text(r));
        else
            d->lzret = r;
        if (made > 0)
            return (ssize_t)made;
        if (!d->done && d->lz_avail == 0 && d->src_eof && d->lzret != 0)
            dec_damage(d, "truncated compressed data"); /* nothing came out, nothing will come in */
    }
    return 0;
}

/* How far past skippable frames the sniff looks for the frame after them. */
#define SNIFF_MAX (64u * 1024u)

enum filebuf_codec filebuf_sniff(const struct filebuf *fb)
{
    const uint8_t *p = filebuf_data(fb);
    size_t n = filebuf_avail(fb);
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
        return FILEBUF_GZIP;
    /* skippable frames first (pzstd writes one) belong to whichever format's
     * frame follows them: zstd when that is not in the window */
    size_t at = 0;
    while (n - at >= 8 && (rd32le(p + at) & SKIPPABLE_MAGIC_MSK) == SKIPPABLE_MAGIC &&
           rd32le(p + at + 4) <= n - at - 8)
        at += 8 + (size_t)rd32le(p + at + 4);
    if (n - at >= 4 && rd32le(p + at) == LZ4_FRAME_MAGIC)
        return FILEBUF_LZ4;
    if (n >= 4 && (rd32le(p) == ZSTD_MAGICNUMBER || (rd32le(p) & SKIPPABLE_MAGIC_MSK) == SKIPPABLE_MAGIC))
        return FILEBUF_ZSTD;
    return FILEBUF_PLAIN;
}

/* How many unread bytes filebuf_sniff needs to see past the skippable frames
 * the window begins with (their headers, contents and the next magic), or 0
 * when it has them, or there are none, or they reach beyond SNIFF_MAX bytes. */
static size_t sniff_needs(const struct filebuf *fb)
{
    const uint8_t *p = filebuf_data(fb);
    size_t n = filebuf_avail(fb);
    size_t at = 0;
    while (n - at >= 4 && (rd32le(p + at) & SKIPPABLE_MAGIC_MSK) == SKIPPABLE_MAGIC) {
        if (n - at < 8)
            return at + 8;
        uint32_t len = rd32le(p + at + 4);
        if (len > SNIFF_MAX || at + 8 + len + 4 > SNIFF_MAX)
            return 0; /* too far to look: taken as zstd's */
        if (n - at - 8 < (size_t)len + 4)
            return at + 8 + len + 4;
        at += 8 + len;
    }
    return 0;
}

int filebuf_fill_for_sniff(struct filebuf *fb, struct ss_err *err)
{
    if (filebuf_fill(fb, 4, err) != 0)
        return -1;
    for (size_t need; (need = sniff_needs(fb)) > filebuf_avail(fb);) {
        size_t had = filebuf_avail(fb);
        if (filebuf_fill(fb, need, err) != 0)
            return -1;
        if (filebuf_avail(fb) == had)
            break; /* the source has ended: sniffed as it is */
    }
    return 0;
}

static void dec_free(struct filebuf_dec *d)
{
    if (d == NULL)
        return;
    switch (d->codec) {
    case FILEBUF_GZIP: (void)inflateEnd(&d->zs); break;
    case FILEBUF_ZSTD: ZSTD_freeDStream(d->zd); break;
    case FILEBUF_LZ4: (void)LZ4F_freeDecompressionContext(d->lz); break;
    case FILEBUF_PLAIN: break;
    }
    free(d->in);
    free(d);
}

int filebuf_start_decoding(struct filebuf *fb, enum filebuf_codec codec, struct ss_err *err)
{
    size_t have = fb->end - fb->pos;
    struct filebuf_dec *d = calloc(1, sizeof(*d));
    bool ok = d != NULL;
    if (ok) {
        d->codec = codec;
        d->in_cap = have > FILEBUF_CHUNK ? have : FILEBUF_CHUNK;
        d->in = malloc(d->in_cap);
        ok = d->in != NULL;
    }
    if (ok && codec == FILEBUF_GZIP) {
        /* 16 + the largest window: gzip's wrapper only, not zlib's or raw deflate */
        ok = inflateInit2(&d->zs, 16 + MAX_WBITS) == Z_OK;
        if (!ok)
            d->codec = FILEBUF_PLAIN; /* nothing for dec_free to end */
    } else if (ok && codec == FILEBUF_ZSTD) {
        /* libzstd's default window limit (2^27 bytes) stays: a frame that
         * claims more is refused, not allocated */
        ok = (d->zd = ZSTD_createDStream()) != NULL && !ZSTD_isError(ZSTD_initDStream(d->zd));
    } else if (ok) {
        /* liblz4 allocates what a frame's header claims: at most a 4 MiB
         * block and the 64 KiB history before it */
        ok = !LZ4F_isError(LZ4F_createDecompressionContext(&d->lz, LZ4F_VERSION));
        if (!ok)
            d->codec = FILEBUF_PLAIN; /* nothing for dec_free to end */
    }
    if (!ok) {
        dec_free(d);
        ss_err_set(err, "%s: out of memory for %s decompression", fb->name,
                   filebuf_codec_name(codec));
        return -1;
    }
    if (have > 0)
        memcpy(d->in, fb->buf + fb->pos, have);
    dec_set_input(d, have);
    d->zret = d->lzret = 1; /* a frame begun: the source may not end here */
    d->in_read = have;
    d->src_eof = fb->eof;
    fb->eof = false;
    fb->pos = fb->end = 0;
    fb->dec = d;
    return 0;
}

enum filebuf_codec filebuf_decoding(const struct filebuf *fb)
{
    return fb->dec != NULL ? fb->dec->codec : FILEBUF_PLAIN;
}

int filebuf_fill(struct filebuf *fb, size_t need, struct ss_err *err)
{
    if (fb->end - fb->pos >= need || fb->eof)
        return 0;
    size_t have = fb->end - fb->pos;
    if (fb->pos > 0) {
        memmove(fb->buf, fb->buf + fb->pos, have);
        fb->pos = 0;
        fb->end = have;
    }
    while (fb->end < need) {
        if (fb->end == fb->cap) {
            size_t grown = fb->cap < FILEBUF_CHUNK ? FILEBUF_CHUNK : 2 * fb->cap;
            if (grown > need && need > FILEBUF_CHUNK)
                grown = need;
            uint8_t *nb = realloc(fb->buf, grown);
            if (nb == NULL) {
                ss_err_set(err, "%s: out of memory for %zu bytes", fb->name, need);
                return -1;
            }
            fb->buf = nb;
            fb->cap = grown;
        }
        size_t room = fb->cap - fb->end;
        struct filebuf_dec *d = fb->dec;
        uint8_t *dst = fb->buf + fb->end;
        ssize_t n = d == NULL                   ? source_read(fb, dst, room, need - fb->end, err)
                    : d->codec == FILEBUF_GZIP ? gz_read(fb, d, dst, room, err)
                    : d->codec == FILEBUF_ZSTD ? zst_read(fb, d, dst, room, err)
                                               : lz4_read(fb, d, dst, room, err);
        if (n < 0)
            return -1;
        if (n == 0) {
            if (d != NULL && d->damage[0] != '\0') {
                /* what was decompressed before the damage is in the window */
                ss_err_set(err, "%s: %s", fb->name, d->damage);
                return -1;
            }
            fb->eof = true;
            break;
        }
        fb->end += (size_t)n;
    }
    return 0;
}

void filebuf_free(struct filebuf *fb)
{
    dec_free(fb->dec);
    fb->dec = NULL;
    free(fb->buf);
    fb->buf = NULL;
    fb->cap = fb->pos = fb->end = 0;
}
