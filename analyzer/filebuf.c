/* filebuf.c - see filebuf.h. */
#include "filebuf.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        size_t n, room = fb->cap - fb->end;
        if (fb->fd >= 0) {
            /* a pipe's read returns what has arrived, waiting only while
             * nothing has: it never holds back a record for the next one */
            ssize_t got = fb->by_offset ? pread(fb->fd, fb->buf + fb->end, room, (off_t)fb->off)
                                        : read(fb->fd, fb->buf + fb->end, room);
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
            n = (size_t)got;
            fb->off += n;
        } else {
            n = fread(fb->buf + fb->end, 1, need - fb->end < room ? need - fb->end : room, fb->fp);
            if (n == 0 && ferror(fb->fp)) {
                ss_err_set(err, "%s: read error: %s", fb->name,
                           strerror(errno != 0 ? errno : EIO));
                return -1;
            }
        }
        if (n == 0) {
            fb->eof = true;
            break;
        }
        fb->end += n;
    }
    return 0;
}

void filebuf_free(struct filebuf *fb)
{
    free(fb->buf);
    fb->buf = NULL;
    fb->cap = fb->pos = fb->end = 0;
}
