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

#include <zlib.h>

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

/* ---- gzip (RFC 1952), inflated by zlib ---------------------------------- */

struct filebuf_gzip {
    z_stream zs;
    uint8_t *in;      /* compressed bytes read: zs.next_in points into it */
    size_t in_cap;
    uint64_t in_read; /* compressed bytes taken from the source in all */
    bool src_eof;     /* the source has no more */
    bool between;     /* a member has ended: another, NULs or the end may follow */
    bool padding;     /* NULs have followed one: only more NULs may */
    bool done;        /* nothing more will come out: the end, or damage */
    char damage[128]; /* why it ended early; "" at a clean end */
};

/* The offset in the compressed data of the next byte inflate would take. */
static uint64_t gz_offset(const struct filebuf_gzip *gz)
{
    return gz->in_read - gz->zs.avail_in;
}

/* Keeps the compressed bytes not yet taken and reads more after them.
 * Returns 0 (src_eof set at the source's end) or -1 with err set. */
static int gz_refill(struct filebuf *fb, struct filebuf_gzip *gz, struct ss_err *err)
{
    size_t keep = gz->zs.avail_in;
    if (keep > 0 && gz->zs.next_in != gz->in)
        memmove(gz->in, gz->zs.next_in, keep);
    gz->zs.next_in = gz->in;
    ssize_t got = source_read(fb, gz->in + keep, gz->in_cap - keep, gz->in_cap - keep, err);
    if (got < 0)
        return -1;
    if (got == 0)
        gz->src_eof = true;
    gz->in_read += (uint64_t)got;
    gz->zs.avail_in = (uInt)(keep + (size_t)got);
    return 0;
}

static void gz_damage(struct filebuf_gzip *gz, const char *why)
{
    snprintf(gz->damage, sizeof(gz->damage), "gzip: %s", why);
    gz->done = true;
}

/* Between members: another member, or NUL bytes to the end (tape padding,
 * which gzip(1) ignores too; nothing may follow them), or the end; anything
 * else is damage. Returns true when inflating may go on. */
static bool gz_next_member(struct filebuf_gzip *gz)
{
    while (gz->zs.avail_in > 0 && gz->zs.next_in[0] == 0) {
        gz->padding = true;
        gz->zs.next_in++;
        gz->zs.avail_in--;
    }
    if (gz->zs.avail_in == 0) {
        if (gz->src_eof)
            gz->done = true; /* the clean end */
        return false;
    }
    /* two bytes are in unless the source has ended (gz_read refills first) */
    if (gz->padding || gz->zs.avail_in < 2 || gz->zs.next_in[0] != 0x1f ||
        gz->zs.next_in[1] != 0x8b) {
        char why[96];
        snprintf(why, sizeof(why), "trailing data after the compressed stream at byte %" PRIu64,
                 gz_offset(gz));
        gz_damage(gz, why);
        return false;
    }
    gz->between = false;
    return true;
}

/* Inflates up to room bytes into dst. Returns how many (0: nothing more, the
 * end or damage), or -1 with err set (a read error of the source). */
static ssize_t gz_read(struct filebuf *fb, uint8_t *dst, size_t room, struct ss_err *err)
{
    struct filebuf_gzip *gz = fb->gz;
    if (room > UINT_MAX)
        room = UINT_MAX;
    while (!gz->done) {
        if ((gz->zs.avail_in == 0 || (gz->between && gz->zs.avail_in < 2)) && !gz->src_eof &&
            gz_refill(fb, gz, err) != 0)
            return -1;
        if (gz->between && !gz_next_member(gz))
            continue;
        gz->zs.next_out = dst;
        gz->zs.avail_out = (uInt)room;
        int zr = inflate(&gz->zs, Z_NO_FLUSH);
        size_t made = room - gz->zs.avail_out;
        if (zr == Z_STREAM_END) {
            gz->between = true;
            (void)inflateReset(&gz->zs);
        } else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT) {
            gz_damage(gz, gz->zs.msg != NULL ? gz->zs.msg : "invalid compressed data");
        } else if (zr == Z_MEM_ERROR) {
            gz_damage(gz, "out of memory");
        } else if (gz->zs.avail_in == 0 && gz->src_eof && made < room) {
            /* Z_OK or Z_BUF_ERROR with every byte taken, room left and no
             * more to come: the member stops short of its end */
            gz_damage(gz, "truncated compressed data");
        }
        if (made > 0)
            return (ssize_t)made;
    }
    return 0;
}

bool filebuf_at_gzip(const struct filebuf *fb)
{
    const uint8_t *p = filebuf_data(fb);
    return filebuf_avail(fb) >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

int filebuf_start_gzip(struct filebuf *fb, struct ss_err *err)
{
    size_t have = fb->end - fb->pos;
    struct filebuf_gzip *gz = calloc(1, sizeof(*gz));
    if (gz != NULL) {
        gz->in_cap = have > FILEBUF_CHUNK ? have : FILEBUF_CHUNK;
        gz->in = malloc(gz->in_cap);
    }
    /* 16 + the largest window: gzip's wrapper only, not zlib's or raw deflate */
    if (gz == NULL || gz->in == NULL || inflateInit2(&gz->zs, 16 + MAX_WBITS) != Z_OK) {
        if (gz != NULL)
            free(gz->in);
        free(gz);
        ss_err_set(err, "%s: out of memory for gzip decompression", fb->name);
        return -1;
    }
    if (have > 0)
        memcpy(gz->in, fb->buf + fb->pos, have);
    gz->zs.next_in = gz->in;
    gz->zs.avail_in = (uInt)have;
    gz->in_read = have;
    gz->src_eof = fb->eof;
    fb->eof = false;
    fb->pos = fb->end = 0;
    fb->gz = gz;
    return 0;
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
        ssize_t n = fb->gz != NULL
                        ? gz_read(fb, fb->buf + fb->end, room, err)
                        : source_read(fb, fb->buf + fb->end, room, need - fb->end, err);
        if (n < 0)
            return -1;
        if (n == 0) {
            if (fb->gz != NULL && fb->gz->damage[0] != '\0') {
                /* what was inflated before the damage is in the window */
                ss_err_set(err, "%s: %s", fb->name, fb->gz->damage);
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
    if (fb->gz != NULL) {
        (void)inflateEnd(&fb->gz->zs);
        free(fb->gz->in);
        free(fb->gz);
        fb->gz = NULL;
    }
    free(fb->buf);
    fb->buf = NULL;
    fb->cap = fb->pos = fb->end = 0;
}
