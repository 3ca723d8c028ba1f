/* test_filebuf.c - the readers' byte window, filled every way (a regular
 * file's descriptor in chunks from where it stands, a pipe's descriptor as
 * bytes arrive, a stream exactly as asked): what is asked arrives whole or up
 * to the end, consumed bytes stay put until the next fill, the buffer grows
 * with what arrives and not with what is asked. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* How a window reads the pattern. */
enum way {
    BY_FILE_FD, /* a temporary file's descriptor: pread */
    BY_PIPE_FD, /* a pipe's descriptor, a child writing into it: read(2) */
    BY_STREAM,  /* the temporary file through stdio: fread */
};
#define N_WAYS 3

/* The pattern and a window on it. */
struct window {
    uint8_t *p;
    int fd;
    FILE *fp;
    pid_t writer; /* BY_PIPE_FD's child, or 0 */
    struct filebuf fb;
};

static void window_open(struct window *w, enum way way)
{
    w->p = pattern();
    w->fp = NULL;
    w->writer = 0;
    if (way == BY_PIPE_FD) {
        int pfd[2];
        CU_ASSERT_FATAL(pipe(pfd) == 0);
        w->writer = fork();
        CU_ASSERT_FATAL(w->writer >= 0);
        if (w->writer == 0) { /* in pieces, as a capturing process would */
            close(pfd[0]);
            for (size_t at = 0; at < LEN; at += 10000) {
                size_t n = LEN - at < 10000 ? LEN - at : 10000;
                if (write(pfd[1], w->p + at, n) != (ssize_t)n)
                    _exit(1);
            }
            _exit(0);
        }
        close(pfd[1]);
        w->fd = pfd[0];
        filebuf_init(&w->fb, w->fd, NULL, "t");
        CU_ASSERT(!w->fb.by_offset);
        return;
    }
    char path[] = "/tmp/test_filebuf.XXXXXX";
    w->fd = mkstemp(path);
    CU_ASSERT_FATAL(w->fd >= 0);
    unlink(path);
    CU_ASSERT_FATAL(write(w->fd, w->p, LEN) == (ssize_t)LEN);
    CU_ASSERT_FATAL(lseek(w->fd, 0, SEEK_SET) == 0);
    if (way == BY_STREAM) {
        w->fp = fdopen(w->fd, "rb");
        CU_ASSERT_FATAL(w->fp != NULL);
        filebuf_init(&w->fb, -1, w->fp, "t");
    } else {
        filebuf_init(&w->fb, w->fd, NULL, "t");
        CU_ASSERT(w->fb.by_offset);
    }
}

static void window_close(struct window *w)
{
    filebuf_free(&w->fb);
    if (w->fp != NULL)
        fclose(w->fp); /* closes fd */
    else
        close(w->fd);
    if (w->writer > 0) {
        kill(w->writer, SIGKILL); /* when the test stopped reading early */
        waitpid(w->writer, NULL, 0);
    }
    free(w->p);
}

/* Steps of odd sizes through the whole file: every byte in order, in place. */
static void check_walk(enum way way)
{
    struct window w;
    window_open(&w, way);
    alarm(20); /* a pipe read that waited for more than was asked would hang */
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
    alarm(0);
    CU_ASSERT(fb->cap <= 2 * FILEBUF_CHUNK);
    window_close(&w);
}

static void test_walk(void)
{
    for (int way = 0; way < N_WAYS; way++)
        check_walk((enum way)way);
}

/* Asked for far more than the file holds: all of it arrives, and the buffer
 * grew with it (doubling from a chunk), not to what was asked. */
static void check_claim(enum way way)
{
    struct window w;
    window_open(&w, way);
    struct ss_err err = { "" };
    CU_ASSERT_EQUAL(filebuf_fill(&w.fb, (size_t)100 << 20, &err), 0);
    CU_ASSERT_EQUAL(filebuf_avail(&w.fb), LEN);
    CU_ASSERT_EQUAL(w.fb.cap, 4 * FILEBUF_CHUNK);
    CU_ASSERT(memcmp(filebuf_data(&w.fb), w.p, LEN) == 0);
    window_close(&w);
    /* asked for a size the file holds: doubled, then cut to it */
    window_open(&w, way);
    CU_ASSERT_EQUAL(filebuf_fill(&w.fb, 600u * 1024u, &err), 0);
    CU_ASSERT(filebuf_avail(&w.fb) >= 600u * 1024u);
    CU_ASSERT_EQUAL(w.fb.cap, 600u * 1024u);
    window_close(&w);
}

static void test_claim_not_allocated(void)
{
    for (int way = 0; way < N_WAYS; way++)
        check_claim((enum way)way);
}

/* A regular file's descriptor is read from where it stands (stdin redirected
 * from a file a shell script has read into), not from the file's start. */
static void test_fd_from_where_it_stands(void)
{
    struct window w;
    window_open(&w, BY_FILE_FD);
    filebuf_free(&w.fb);
    CU_ASSERT_FATAL(lseek(w.fd, 1000, SEEK_SET) == 1000);
    filebuf_init(&w.fb, w.fd, NULL, "t");
    struct ss_err err = { "" };
    CU_ASSERT_EQUAL(filebuf_fill(&w.fb, LEN, &err), 0);
    CU_ASSERT_EQUAL(filebuf_avail(&w.fb), LEN - 1000);
    CU_ASSERT(memcmp(filebuf_data(&w.fb), w.p + 1000, LEN - 1000) == 0);
    window_close(&w);
}

/* A pipe's descriptor gives what has arrived, more than asked when more is
 * there, and never waits for more than asked: 100 bytes in the pipe, its
 * writer still open, a fill of 40 returns with all 100 (the alarm turns a wait
 * into a failure). */
static void test_pipe_takes_what_arrived(void)
{
    int pfd[2];
    CU_ASSERT_FATAL(pipe(pfd) == 0);
    uint8_t b[100];
    memset(b, 0x5a, sizeof(b));
    CU_ASSERT_FATAL(write(pfd[1], b, sizeof(b)) == (ssize_t)sizeof(b));
    struct filebuf fb;
    filebuf_init(&fb, pfd[0], NULL, "pipe");
    struct ss_err err = { "" };
    alarm(20);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 40, &err), 0);
    CU_ASSERT_EQUAL(filebuf_avail(&fb), 100);
    filebuf_consume(&fb, 100);
    CU_ASSERT_FATAL(write(pfd[1], b, 30) == 30);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 20, &err), 0);
    alarm(0);
    CU_ASSERT_EQUAL(filebuf_avail(&fb), 30);
    close(pfd[1]);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 31, &err), 0); /* the end */
    CU_ASSERT_EQUAL(filebuf_avail(&fb), 30);
    filebuf_free(&fb);
    close(pfd[0]);
}

/* A pipe left non-blocking (O_NONBLOCK is shared with whoever else holds it)
 * is waited on, not reported as a read error: the writer sends its bytes 100
 * ms after the fill began. */
static void test_nonblocking_pipe_waited_on(void)
{
    int pfd[2];
    CU_ASSERT_FATAL(pipe(pfd) == 0);
    CU_ASSERT_FATAL(fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK) == 0);
    pid_t writer = fork();
    CU_ASSERT_FATAL(writer >= 0);
    if (writer == 0) {
        close(pfd[0]);
        usleep(100000);
        _exit(write(pfd[1], "0123456789", 10) == 10 ? 0 : 1);
    }
    close(pfd[1]);
    struct filebuf fb;
    filebuf_init(&fb, pfd[0], NULL, "pipe");
    struct ss_err err = { "" };
    alarm(20);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 10, &err), 0);
    CU_ASSERT_EQUAL(filebuf_avail(&fb), 10);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 11, &err), 0); /* then the writer's end */
    alarm(0);
    CU_ASSERT_EQUAL(filebuf_avail(&fb), 10);
    CU_ASSERT(memcmp(filebuf_data(&fb), "0123456789", 10) == 0);
    filebuf_free(&fb);
    close(pfd[0]);
    int st = 0;
    CU_ASSERT(waitpid(writer, &st, 0) == writer && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A window handed over keeps its unread bytes and where it reads from; the
 * one it came from is left empty. */
static void test_move(void)
{
    for (int way = 0; way < N_WAYS; way++) {
        struct window w;
        struct ss_err err = { "" };
        window_open(&w, (enum way)way);
        CU_ASSERT_EQUAL(filebuf_fill(&w.fb, 10, &err), 0);
        filebuf_consume(&w.fb, 6);
        struct filebuf taken;
        filebuf_move(&taken, &w.fb);
        CU_ASSERT_PTR_NULL(w.fb.buf);
        CU_ASSERT_EQUAL(filebuf_avail(&w.fb), 0);
        CU_ASSERT(filebuf_avail(&taken) >= 4);
        CU_ASSERT_EQUAL(filebuf_fill(&taken, LEN - 6, &err), 0);
        CU_ASSERT_EQUAL(filebuf_avail(&taken), LEN - 6);
        CU_ASSERT(memcmp(filebuf_data(&taken), w.p + 6, LEN - 6) == 0);
        filebuf_free(&taken);
        window_close(&w);
    }
}

/* A stream is read no further than asked: a pipe's stream holding 100 bytes, its
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
        { "a file's descriptor is read from where it stands", test_fd_from_where_it_stands },
        { "a pipe's descriptor gives what has arrived", test_pipe_takes_what_arrived },
        { "a non-blocking pipe is waited on", test_nonblocking_pipe_waited_on },
        { "a window handed over keeps its bytes", test_move },
        { "a read error names the file", test_read_error },
        { NULL, NULL },
    };
    return add_suite("filebuf", tests);
}
