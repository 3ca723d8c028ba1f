/* test_filebuf.c - the readers' byte window, filled both ways (a regular
 * file's descriptor in chunks, a stream exactly as asked): what is asked
 * arrives whole or up to the end, consumed bytes stay put until the next fill,
 * the buffer grows with what arrives and not with what is asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "filebuf.h"

#define LEN (700u * 1024u) /* more than two chunks */

static uint8_t *pattern(void)
{
    uint8_t *p = malloc(LEN);
    CU_ASSERT_FATAL(p != NULL);
    for (size_t i = 0; i < LEN; i++)
        p[i] = (uint8_t)(i * 7 + i / 251);
    return p;
}

/* A temporary file holding p[0..n), by descriptor (by_fd) or as a stream. */
static void source(const uint8_t *p, size_t n, bool by_fd, int *fd, FILE **fp)
{
    char path[] = "/tmp/test_filebuf.XXXXXX";
    *fd = mkstemp(path);
    CU_ASSERT_FATAL(*fd >= 0);
    unlink(path);
    CU_ASSERT_FATAL(write(*fd, p, n) == (ssize_t)n);
    *fp = NULL;
    if (!by_fd) {
        CU_ASSERT_FATAL(lseek(*fd, 0, SEEK_SET) == 0);
        *fp = fdopen(*fd, "rb");
        CU_ASSERT_FATAL(*fp != NULL);
    }
}

static void close_source(int fd, FILE *fp)
{
    if (fp != NULL)
        fclose(fp); /* closes fd */
    else
        close(fd);
}

/* The pattern file and a window on it, read either way. */
struct window {
    uint8_t *p;
    int fd;
    FILE *fp;
    struct filebuf fb;
};

static void window_open(struct window *w, bool by_fd)
{
    w->p = pattern();
    source(w->p, LEN, by_fd, &w->fd, &w->fp);
    filebuf_init(&w->fb, by_fd ? w->fd : -1, w->fp, "t");
}

static void window_close(struct window *w)
{
    filebuf_free(&w->fb);
    close_source(w->fd, w->fp);
    free(w->p);
}

/* Steps of odd sizes through the whole file: every byte in order, in place. */
static void check_walk(bool by_fd)
{
    struct window w;
    window_open(&w, by_fd);
    struct filebuf *fb = &w.fb;
    const uint8_t *p = w.p;
    struct ss_err err = { "" };
    size_t at = 0, step = 1;
    while (at < LEN) {
        size_t want = step < LEN - at ? step : LEN - at;
        CU_ASSERT_EQUAL_FATAL(filebuf_fill(fb, want, &err), 0);
        CU_ASSERT_FATAL(filebuf_avail(fb) >= want);
        const uint8_t *d = filebuf_data(fb);
        if (memcmp(d, p + at, want) != 0) {
            CU_FAIL("bytes out of order");
            break;
        }
        filebuf_consume(fb, want);
        CU_ASSERT(memcmp(d, p + at, want) == 0); /* consumed bytes stay until the next fill */
        at += want;
        step = step * 3 % 100003 + 1;
    }
    /* the end: asked for more, nothing comes */
    CU_ASSERT_EQUAL(filebuf_fill(fb, 16, &err), 0);
    CU_ASSERT_EQUAL(filebuf_avail(fb), 0);
    CU_ASSERT(fb->cap <= 2 * FILEBUF_CHUNK);
    window_close(&w);
}

static void test_walk(void)
{
    check_walk(true);
    check_walk(false);
}

/* Asked for far more than the file holds: all of it arrives, and the buffer
 * grew with it (doubling from a chunk), not to what was asked. */
static void check_claim(bool by_fd)
{
    struct window w;
    window_open(&w, by_fd);
    struct ss_err err = { "" };
    CU_ASSERT_EQUAL(filebuf_fill(&w.fb, (size_t)100 << 20, &err), 0);
    CU_ASSERT_EQUAL(filebuf_avail(&w.fb), LEN);
    CU_ASSERT_EQUAL(w.fb.cap, 4 * FILEBUF_CHUNK);
    CU_ASSERT(memcmp(filebuf_data(&w.fb), w.p, LEN) == 0);
    window_close(&w);
    /* asked for a size the file holds: doubled, then cut to it */
    window_open(&w, by_fd);
    CU_ASSERT_EQUAL(filebuf_fill(&w.fb, 600u * 1024u, &err), 0);
    CU_ASSERT(filebuf_avail(&w.fb) >= 600u * 1024u);
    CU_ASSERT_EQUAL(w.fb.cap, 600u * 1024u);
    window_close(&w);
}

static void test_claim_not_allocated(void)
{
    check_claim(true);
    check_claim(false);
}

/* A stream is read no further than asked: a pipe holding 100 bytes, its
 * writer still open, gives 40 at once (reading for a chunk would wait for
 * bytes never written; the alarm turns that into a failure). */
static void test_stream_exact(void)
{
    int pfd[2];
    CU_ASSERT_FATAL(pipe(pfd) == 0);
    uint8_t b[100];
    memset(b, 0x5a, sizeof(b));
    CU_ASSERT_FATAL(write(pfd[1], b, sizeof(b)) == (ssize_t)sizeof(b));
    FILE *fp = fdopen(pfd[0], "rb");
    CU_ASSERT_FATAL(fp != NULL);
    struct filebuf fb;
    filebuf_init(&fb, -1, fp, "pipe");
    struct ss_err err = { "" };
    alarm(20);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 40, &err), 0);
    alarm(0);
    CU_ASSERT_EQUAL(filebuf_avail(&fb), 40);
    filebuf_free(&fb);
    fclose(fp);
    close(pfd[1]);
}

/* A read error is reported with the name: a descriptor that is not open. */
static void test_read_error(void)
{
    struct filebuf fb;
    filebuf_init(&fb, 1000000, NULL, "gone.pcap");
    struct ss_err err = { "" };
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 16, &err), -1);
    CU_ASSERT(strncmp(err.msg, "gone.pcap: read error: ", 23) == 0);
    filebuf_free(&fb);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "every byte in order, in place", test_walk },
        { "grows with what arrives, not with what is asked", test_claim_not_allocated },
        { "a stream is read no further than asked", test_stream_exact },
        { "a read error names the file", test_read_error },
        { NULL, NULL },
    };
    return add_suite("filebuf", tests);
}
