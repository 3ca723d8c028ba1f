/* test_filebuf.c - the readers' byte window, filled every way (a regular
 * file's descriptor in chunks from where it stands, a pipe's descriptor as
 * bytes arrive, a stream exactly as asked): what is asked arrives whole or up
 * to the end, consumed bytes stay put until the next fill, the buffer grows
 * with what arrives and not with what is asked. The same for gzip-, zstd- and
 * lz4-compressed bytes decompressed on the way (gzip members concatenated, NUL
 * padding; zstd and lz4 frames and skippable frames), and damaged compressed
 * data (cut short, a wrong CRC or checksum, trailing bytes) reported after
 * every byte decompressed before it. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

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
    const uint8_t *src; /* the bytes the source holds: the pattern, or its gzip */
    size_t src_len;
    int fd;
    FILE *fp;
    pid_t writer; /* BY_PIPE_FD's child, or 0 */
    struct filebuf fb;
};

/* Opens a window on src (src_len bytes; NULL: the pattern itself). */
static void window_open_src(struct window *w, enum way way, const uint8_t *src, size_t src_len)
{
    w->p = pattern();
    w->src = src != NULL ? src : w->p;
    w->src_len = src != NULL ? src_len : LEN;
    w->fp = NULL;
    w->writer = 0;
    if (way == BY_PIPE_FD) {
        int pfd[2];
        CU_ASSERT_FATAL(pipe(pfd) == 0);
        w->writer = fork();
        CU_ASSERT_FATAL(w->writer >= 0);
        if (w->writer == 0) { /* in pieces, as a capturing process would */
            close(pfd[0]);
            for (size_t at = 0; at < w->src_len; at += 10000) {
                size_t n = w->src_len - at < 10000 ? w->src_len - at : 10000;
                if (write(pfd[1], w->src + at, n) != (ssize_t)n)
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
    CU_ASSERT_FATAL(write(w->fd, w->src, w->src_len) == (ssize_t)w->src_len);
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

static void window_open(struct window *w, enum way way)
{
    window_open_src(w, way, NULL, 0);
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

/* gzip of p[0..len) in n_members members (RFC 1952, as gzip(1) writes them
 * and `cat a.gz b.gz` joins them), then tail_len bytes of tail; *out_len set.
 * Level 1 keeps it quick; the pattern compresses to about a third. */
static uint8_t *gzip_of(const uint8_t *p, size_t len, unsigned n_members, const uint8_t *tail,
                        size_t tail_len, size_t *out_len)
{
    size_t cap = len + 1024 * (n_members + 1) + tail_len, at = 0;
    uint8_t *out = malloc(cap);
    CU_ASSERT_FATAL(out != NULL);
    for (unsigned m = 0; m < n_members; m++) {
        size_t from = len * m / n_members, to = len * (m + 1) / n_members;
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        CU_ASSERT_FATAL(deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
        zs.next_in = (Bytef *)(uintptr_t)(p + from);
        zs.avail_in = (uInt)(to - from);
        zs.next_out = out + at;
        zs.avail_out = (uInt)(cap - at);
        CU_ASSERT_FATAL(deflate(&zs, Z_FINISH) == Z_STREAM_END);
        at = cap - zs.avail_out;
        deflateEnd(&zs);
    }
    if (tail_len > 0)
        memcpy(out + at, tail, tail_len);
    *out_len = at + tail_len;
    return out;
}

/* Steps of odd sizes through the whole file (src: its bytes, NULL: the
 * pattern; else codec's data that decompresses to the pattern): every byte
 * in order, in place. */
static void check_walk(enum way way, const uint8_t *src, size_t src_len, enum filebuf_codec codec)
{
    struct window w;
    window_open_src(&w, way, src, src_len);
    alarm(20); /* a pipe read that waited for more than was asked would hang */
    struct filebuf *fb = &w.fb;
    const uint8_t *p = w.p;
    struct ss_err err = { "" };
    if (src != NULL) {
        CU_ASSERT_EQUAL_FATAL(filebuf_fill_for_sniff(fb, &err), 0);
        CU_ASSERT_FATAL(filebuf_sniff(fb) == codec);
        CU_ASSERT_EQUAL_FATAL(filebuf_start_decoding(fb, codec, &err), 0);
        CU_ASSERT(filebuf_decoding(fb) == codec);
    }
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
        check_walk((enum way)way, NULL, 0, FILEBUF_PLAIN);
}

/* The pattern gzip-compressed, read every way: one member, three members
 * joined, an empty member first, NUL padding after the last. */
static void test_gzip_walk(void)
{
    uint8_t *p = pattern();
    static const uint8_t nuls[700] = {0};
    for (int way = 0; way < N_WAYS; way++) {
        size_t n;
        uint8_t *gz = gzip_of(p, LEN, 1, NULL, 0, &n);
        CU_ASSERT(n < LEN / 2);
        check_walk((enum way)way, gz, n, FILEBUF_GZIP);
        free(gz);
        gz = gzip_of(p, LEN, 3, nuls, sizeof(nuls), &n);
        check_walk((enum way)way, gz, n, FILEBUF_GZIP);
        free(gz);
        /* an empty member (gzip of nothing), then the pattern */
        size_t n0, n1;
        uint8_t *empty = gzip_of(p, 0, 1, NULL, 0, &n0);
        uint8_t *whole = gzip_of(p, LEN, 1, NULL, 0, &n1);
        uint8_t *both = malloc(n0 + n1);
        CU_ASSERT_FATAL(both != NULL);
        memcpy(both, empty, n0);
        memcpy(both + n0, whole, n1);
        check_walk((enum way)way, both, n0 + n1, FILEBUF_GZIP);
        free(empty);
        free(whole);
        free(both);
    }
    free(p);
}

/* A member that ends one byte before the end of the second chunk read: the
 * next member's magic straddles two reads (its first byte is kept while the
 * second is read). The first member is padded to that length with a comment
 * in its header (FLG.FCOMMENT, RFC 1952 2.3.1). */
static void test_gzip_member_across_reads(void)
{
    uint8_t *p = pattern();
    size_t n1, n2;
    uint8_t *m1 = gzip_of(p, LEN / 2, 1, NULL, 0, &n1);
    uint8_t *m2 = gzip_of(p + LEN / 2, LEN - LEN / 2, 1, NULL, 0, &n2);
    CU_ASSERT_FATAL(n1 + 2 < FILEBUF_CHUNK);
    CU_ASSERT_FATAL((m1[3] & 0x1e) == 0); /* no FEXTRA, FNAME, FCOMMENT: the header is 10 bytes */
    size_t at = 2 * FILEBUF_CHUNK - 1;
    size_t pad = at - n1; /* the comment and its NUL */
    size_t len = at + n2;
    uint8_t *src = malloc(len);
    CU_ASSERT_FATAL(src != NULL);
    memcpy(src, m1, 10);
    src[3] |= 0x10;
    memset(src + 10, 'c', pad - 1);
    src[10 + pad - 1] = 0;
    memcpy(src + 10 + pad, m1 + 10, n1 - 10);
    memcpy(src + at, m2, n2);
    check_walk(BY_FILE_FD, src, len, FILEBUF_GZIP);
    free(src);
    free(m1);
    free(m2);
    free(p);
}

/* Reads a gzip window (its source: src) to the end, asking for 1,000 bytes at
 * a time. Returns the last fill's result; *got: the bytes inflated, which
 * must be the pattern's first ones. */
static int drain_codec(const uint8_t *src, size_t len, enum filebuf_codec codec, size_t *got,
                       struct ss_err *err)
{
    struct window w;
    window_open_src(&w, BY_FILE_FD, src, len);
    struct filebuf *fb = &w.fb;
    CU_ASSERT_EQUAL_FATAL(filebuf_fill(fb, 4, err), 0);
    CU_ASSERT_EQUAL_FATAL(filebuf_start_decoding(fb, codec, err), 0);
    int rc;
    *got = 0;
    while ((rc = filebuf_fill(fb, 1000, err)) == 0) {
        size_t n = filebuf_avail(fb);
        CU_ASSERT_FATAL(*got + n <= LEN);
        if (memcmp(filebuf_data(fb), w.p + *got, n) != 0)
            CU_FAIL("inflated bytes differ from the pattern");
        filebuf_consume(fb, n);
        *got += n;
        if (n < 1000)
            break; /* the end */
    }
    if (rc == 0) /* once at the end, the end again */
        CU_ASSERT_EQUAL(filebuf_fill(fb, 1, err), 0);
    window_close(&w);
    return rc;
}

/* Damage: everything inflated before it arrives, then the fill that cannot be
 * met names it. Cut short (inside the data, inside the trailer), a CRC that
 * does not match, bytes after the stream that are not a member. */
static void test_gzip_damage(void)
{
    uint8_t *p = pattern();
    size_t n, got;
    uint8_t *gz = gzip_of(p, LEN, 1, NULL, 0, &n);
    struct ss_err err = { "" };
    /* the whole stream: clean */
    CU_ASSERT_EQUAL(drain_codec(gz, n, FILEBUF_GZIP, &got, &err), 0);
    CU_ASSERT_EQUAL(got, LEN);
    /* cut in the middle: what the first half inflates to, then the error */
    CU_ASSERT_EQUAL(drain_codec(gz, n / 2, FILEBUF_GZIP, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: gzip: truncated compressed data");
    CU_ASSERT(got > LEN / 4 && got < LEN);
    /* cut in the trailer (CRC and length, 8 bytes): every byte, then the error */
    CU_ASSERT_EQUAL(drain_codec(gz, n - 3, FILEBUF_GZIP, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: gzip: truncated compressed data");
    CU_ASSERT_EQUAL(got, LEN);
    /* the CRC-32 (the trailer's first 4 bytes) altered */
    gz[n - 8] ^= 0x01;
    CU_ASSERT_EQUAL(drain_codec(gz, n, FILEBUF_GZIP, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: gzip: incorrect data check");
    CU_ASSERT_EQUAL(got, LEN);
    gz[n - 8] ^= 0x01;
    free(gz);
    /* trailing bytes that are no member: every byte, then the error with where */
    static const uint8_t junk[] = "not gzip";
    gz = gzip_of(p, LEN, 2, junk, sizeof(junk) - 1, &n);
    CU_ASSERT_EQUAL(drain_codec(gz, n, FILEBUF_GZIP, &got, &err), -1);
    char want[128];
    snprintf(want, sizeof(want), "t: gzip: trailing data after the compressed stream at byte %zu",
             n - (sizeof(junk) - 1));
    CU_ASSERT_STRING_EQUAL(err.msg, want);
    CU_ASSERT_EQUAL(got, LEN);
    free(gz);
    /* a first byte of gzip's magic, not the second: trailing data too */
    static const uint8_t not_magic[] = {0x1f, 0x00, 'x', 'y'};
    gz = gzip_of(p, LEN, 1, not_magic, sizeof(not_magic), &n);
    CU_ASSERT_EQUAL(drain_codec(gz, n, FILEBUF_GZIP, &got, &err), -1);
    CU_ASSERT(strstr(err.msg, "trailing data") != NULL);
    CU_ASSERT_EQUAL(got, LEN);
    free(gz);
    /* NUL padding, then a member: nothing may follow the padding (gzip(1)
     * stops at it too) */
    size_t ne;
    uint8_t *empty = gzip_of(p, 0, 1, NULL, 0, &ne);
    uint8_t tail[64] = {0};
    CU_ASSERT_FATAL(ne + 3 <= sizeof(tail));
    memcpy(tail + 3, empty, ne);
    free(empty);
    gz = gzip_of(p, LEN, 1, tail, ne + 3, &n);
    CU_ASSERT_EQUAL(drain_codec(gz, n, FILEBUF_GZIP, &got, &err), -1);
    snprintf(want, sizeof(want), "t: gzip: trailing data after the compressed stream at byte %zu",
             n - ne);
    CU_ASSERT_STRING_EQUAL(err.msg, want);
    CU_ASSERT_EQUAL(got, LEN);
    free(gz);
    /* one byte of a next member's magic, then the end */
    static const uint8_t half_magic[] = {0x1f};
    gz = gzip_of(p, LEN, 1, half_magic, 1, &n);
    CU_ASSERT_EQUAL(drain_codec(gz, n, FILEBUF_GZIP, &got, &err), -1);
    CU_ASSERT(strstr(err.msg, "trailing data") != NULL);
    free(gz);
    free(p);
}

/* gzip's magic: 1f 8b and method 8 (deflate), three bytes to say yes. */
static void test_gzip_magic(void)
{
    struct filebuf fb;
    struct ss_err err = { "" };
    static const uint8_t cases[][4] = {
        {0x1f, 0x8b, 0x08, 0x00}, /* yes */
        {0x1f, 0x8b, 0x07, 0x00}, /* another method */
        {0x1f, 0x9d, 0x90, 0x00}, /* compress(1) */
        {0xd4, 0xc3, 0xb2, 0xa1}, /* pcap */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FILE *fp = fmemopen((void *)(uintptr_t)cases[i], 4, "rb");
        CU_ASSERT_FATAL(fp != NULL);
        filebuf_init(&fb, -1, fp, "m");
        CU_ASSERT_EQUAL(filebuf_fill(&fb, 4, &err), 0);
        CU_ASSERT_EQUAL(filebuf_sniff(&fb) == FILEBUF_GZIP, i == 0);
        filebuf_consume(&fb, 2); /* two bytes left: too few to tell */
        CU_ASSERT(filebuf_sniff(&fb) == FILEBUF_PLAIN);
        filebuf_free(&fb);
        fclose(fp);
    }
}

/* Compressed bytes are inflated as they arrive: a writer that flushed the
 * first 100 bytes of a member (Z_SYNC_FLUSH, as a compressing capture pipe
 * would at a packet) and keeps the pipe open; a fill of 40 returns them all
 * without waiting for the rest (the alarm turns a wait into a failure). */
static void test_gzip_pipe_takes_what_arrived(void)
{
    uint8_t raw[100], out[1024];
    memset(raw, 0xa5, sizeof(raw));
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    CU_ASSERT_FATAL(deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    zs.next_in = raw;
    zs.avail_in = sizeof(raw);
    zs.next_out = out;
    zs.avail_out = sizeof(out);
    CU_ASSERT_FATAL(deflate(&zs, Z_SYNC_FLUSH) == Z_OK);
    size_t n = sizeof(out) - zs.avail_out;
    deflateEnd(&zs);
    int pfd[2];
    CU_ASSERT_FATAL(pipe(pfd) == 0);
    CU_ASSERT_FATAL(write(pfd[1], out, n) == (ssize_t)n);
    struct filebuf fb;
    filebuf_init(&fb, pfd[0], NULL, "pipe");
    struct ss_err err = { "" };
    alarm(20);
    CU_ASSERT_EQUAL_FATAL(filebuf_fill(&fb, 4, &err), 0);
    CU_ASSERT_FATAL(filebuf_sniff(&fb) == FILEBUF_GZIP);
    CU_ASSERT_EQUAL_FATAL(filebuf_start_decoding(&fb, FILEBUF_GZIP, &err), 0);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 40, &err), 0);
    alarm(0);
    CU_ASSERT_EQUAL(filebuf_avail(&fb), 100);
    CU_ASSERT(memcmp(filebuf_data(&fb), raw, 100) == 0);
    close(pfd[1]); /* the writer's end without the member's: cut short */
    filebuf_consume(&fb, 100);
    CU_ASSERT_EQUAL(filebuf_fill(&fb, 1, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "pipe: gzip: truncated compressed data");
    filebuf_free(&fb);
    close(pfd[0]);
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

/* The 17 bytes of a skippable frame (zstd's and lz4's alike: magic
 * 0x184D2A5?, a 4-byte length, that many bytes). */
static const uint8_t skippable_frame[] = {0x53, 0x2a, 0x4d, 0x18, 9, 0, 0, 0,
                                          's', 'k', 'i', 'p', 'p', 'a', 'b', 'l', 'e'};

/* zstd of p[0..len) in n_frames frames (with their checksums, as zstd(1)
 * writes them), a skippable frame of 9 bytes first when skip_first and between
 * the frames (as pzstd writes them), then tail; *out_len set. */
static uint8_t *zstd_of(const uint8_t *p, size_t len, unsigned n_frames, bool skippable,
                        const uint8_t *tail, size_t tail_len, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len) + 64 * (n_frames + 1) + tail_len, at = 0;
    uint8_t *out = malloc(cap);
    CU_ASSERT_FATAL(out != NULL);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    CU_ASSERT_FATAL(cc != NULL);
    CU_ASSERT_FATAL(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
    for (unsigned f = 0; f < n_frames; f++) {
        if (skippable) {
            memcpy(out + at, skippable_frame, sizeof(skippable_frame));
            at += sizeof(skippable_frame);
        }
        size_t from = len * f / n_frames, to = len * (f + 1) / n_frames;
        size_t n = ZSTD_compress2(cc, out + at, cap - at, p + from, to - from);
        CU_ASSERT_FATAL(!ZSTD_isError(n));
        at += n;
    }
    ZSTD_freeCCtx(cc);
    if (tail_len > 0)
        memcpy(out + at, tail, tail_len);
    *out_len = at + tail_len;
    return out;
}

/* The pattern zstd-compressed, read every way: one frame, three frames with
 * skippable frames before each. */
static void test_zstd_walk(void)
{
    uint8_t *p = pattern();
    for (int way = 0; way < N_WAYS; way++) {
        size_t n;
        uint8_t *z = zstd_of(p, LEN, 1, false, NULL, 0, &n);
        CU_ASSERT(n < LEN / 2);
        check_walk((enum way)way, z, n, FILEBUF_ZSTD);
        free(z);
        z = zstd_of(p, LEN, 3, true, NULL, 0, &n);
        check_walk((enum way)way, z, n, FILEBUF_ZSTD);
        free(z);
    }
    free(p);
}

/* zstd damage: cut short, a checksum that does not match, bytes after the
 * last frame that are no frame: every byte decompressed before it, then the
 * error. */
static void test_zstd_damage(void)
{
    uint8_t *p = pattern();
    size_t n, got;
    struct ss_err err = { "" };
    uint8_t *z = zstd_of(p, LEN, 2, false, NULL, 0, &n);
    CU_ASSERT_EQUAL(drain_codec(z, n, FILEBUF_ZSTD, &got, &err), 0);
    CU_ASSERT_EQUAL(got, LEN);
    CU_ASSERT_EQUAL(drain_codec(z, n / 2, FILEBUF_ZSTD, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: zstd: truncated compressed data");
    CU_ASSERT(got > LEN / 8 && got < LEN);
    CU_ASSERT_EQUAL(drain_codec(z, n - 2, FILEBUF_ZSTD, &got, &err), -1); /* in the checksum */
    CU_ASSERT_STRING_EQUAL(err.msg, "t: zstd: truncated compressed data");
    z[n - 1] ^= 0x10; /* the last frame's checksum (its last 4 bytes) */
    CU_ASSERT_EQUAL(drain_codec(z, n, FILEBUF_ZSTD, &got, &err), -1);
    CU_ASSERT(strstr(err.msg, "t: zstd: ") == err.msg && strstr(err.msg, "checksum") != NULL);
    free(z);
    static const uint8_t junk[] = "not zstd";
    z = zstd_of(p, LEN, 1, false, junk, sizeof(junk) - 1, &n);
    CU_ASSERT_EQUAL(drain_codec(z, n, FILEBUF_ZSTD, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: zstd: Unknown frame descriptor");
    CU_ASSERT_EQUAL(got, LEN);
    free(z);
    free(p);
}

/* zstd's magics: a frame's, a skippable frame's; four bytes to say yes. */
static void test_zstd_magic(void)
{
    static const uint8_t cases[][4] = {
        {0x28, 0xb5, 0x2f, 0xfd}, /* a frame */
        {0x50, 0x2a, 0x4d, 0x18}, /* skippable, first and last of the 16 */
        {0x5f, 0x2a, 0x4d, 0x18},
        {0x60, 0x2a, 0x4d, 0x18}, /* no */
        {0x28, 0xb5, 0x2f, 0xfe}, /* no */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct filebuf fb;
        struct ss_err err = { "" };
        FILE *fp = fmemopen((void *)(uintptr_t)cases[i], 4, "rb");
        CU_ASSERT_FATAL(fp != NULL);
        filebuf_init(&fb, -1, fp, "m");
        CU_ASSERT_EQUAL(filebuf_fill(&fb, 4, &err), 0);
        CU_ASSERT_EQUAL(filebuf_sniff(&fb) == FILEBUF_ZSTD, i < 3);
        filebuf_consume(&fb, 1); /* three bytes left: too few to tell */
        CU_ASSERT(filebuf_sniff(&fb) == FILEBUF_PLAIN);
        filebuf_free(&fb);
        fclose(fp);
    }
}

/* lz4 frames of p[0..len) (n_frames of them, with content checksums as lz4(1)
 * writes them; block checksums and the content size when extras; blocks of
 * 64 KiB, linked, or of 4 MiB as lz4(1) makes them when big), a skippable
 * frame before each when skippable, then tail; *out_len set. */
static uint8_t *lz4_of(const uint8_t *p, size_t len, unsigned n_frames, bool skippable, bool extras,
                       bool big, const uint8_t *tail, size_t tail_len, size_t *out_len)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.blockSizeID = big ? LZ4F_max4MB : LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockLinked;
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    if (extras)
        prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
    size_t cap = LZ4F_compressFrameBound(len, &prefs) + 64 * (n_frames + 1) + tail_len, at = 0;
    uint8_t *out = malloc(cap);
    CU_ASSERT_FATAL(out != NULL);
    for (unsigned f = 0; f < n_frames; f++) {
        if (skippable) {
            memcpy(out + at, skippable_frame, sizeof(skippable_frame));
            at += sizeof(skippable_frame);
        }
        size_t from = len * f / n_frames, to = len * (f + 1) / n_frames;
        prefs.frameInfo.contentSize = extras ? to - from : 0;
        size_t n = LZ4F_compressFrame(out + at, cap - at, p + from, to - from, &prefs);
        CU_ASSERT_FATAL(!LZ4F_isError(n));
        at += n;
    }
    if (tail_len > 0)
        memcpy(out + at, tail, tail_len);
    *out_len = at + tail_len;
    return out;
}

/* The pattern lz4-compressed, read every way: one frame in 64 KiB blocks,
 * one in a single 4 MiB block, three frames with block checksums, content
 * sizes and a skippable frame before each (so the first frame's magic is 17
 * bytes in), a skippable frame after the last. */
static void test_lz4_walk(void)
{
    uint8_t *p = pattern();
    for (int way = 0; way < N_WAYS; way++) {
        size_t n;
        uint8_t *z = lz4_of(p, LEN, 1, false, false, false, NULL, 0, &n);
        CU_ASSERT(n < LEN / 2);
        check_walk((enum way)way, z, n, FILEBUF_LZ4);
        free(z);
        z = lz4_of(p, LEN, 1, false, false, true, NULL, 0, &n);
        check_walk((enum way)way, z, n, FILEBUF_LZ4);
        free(z);
        z = lz4_of(p, LEN, 3, true, true, false, skippable_frame, sizeof(skippable_frame), &n);
        check_walk((enum way)way, z, n, FILEBUF_LZ4);
        free(z);
    }
    free(p);
}

/* lz4 damage: cut short (in a block, in the content checksum, in the next
 * frame's header), a content or block checksum that does not match, bytes
 * after the last frame that are no frame (4 or more, or fewer than a magic):
 * every byte decompressed before it, then the error. */
static void test_lz4_damage(void)
{
    uint8_t *p = pattern();
    size_t n, got;
    struct ss_err err = { "" };
    uint8_t *z = lz4_of(p, LEN, 2, false, false, false, NULL, 0, &n);
    CU_ASSERT_EQUAL(drain_codec(z, n, FILEBUF_LZ4, &got, &err), 0);
    CU_ASSERT_EQUAL(got, LEN);
    CU_ASSERT_EQUAL(drain_codec(z, n / 2, FILEBUF_LZ4, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: lz4: truncated compressed data");
    CU_ASSERT(got > LEN / 8 && got < LEN);
    CU_ASSERT_EQUAL(drain_codec(z, n - 2, FILEBUF_LZ4, &got, &err), -1); /* in the checksum */
    CU_ASSERT_STRING_EQUAL(err.msg, "t: lz4: truncated compressed data");
    CU_ASSERT_EQUAL(got, LEN);
    z[n - 1] ^= 0x10; /* the last frame's content checksum (its last 4 bytes) */
    CU_ASSERT_EQUAL(drain_codec(z, n, FILEBUF_LZ4, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: lz4: incorrect data check");
    free(z);
    /* a byte of the first block's data: its block checksum says so before
     * anything of that block comes out */
    z = lz4_of(p, LEN, 1, false, true, false, NULL, 0, &n);
    z[200] ^= 0x01;
    CU_ASSERT_EQUAL(drain_codec(z, n, FILEBUF_LZ4, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: lz4: incorrect block check");
    CU_ASSERT_EQUAL(got, 0);
    free(z);
    static const uint8_t junk[] = "not lz4";
    z = lz4_of(p, LEN, 1, false, false, false, junk, sizeof(junk) - 1, &n);
    char want[96];
    snprintf(want, sizeof(want), "t: lz4: trailing data after the compressed stream at byte %zu",
             n - (sizeof(junk) - 1));
    CU_ASSERT_EQUAL(drain_codec(z, n, FILEBUF_LZ4, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, want);
    CU_ASSERT_EQUAL(got, LEN);
    CU_ASSERT_EQUAL(drain_codec(z, n - (sizeof(junk) - 1) + 2, FILEBUF_LZ4, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, want); /* two bytes: not even a magic */
    CU_ASSERT_EQUAL(got, LEN);
    /* cut inside the next frame's header: truncated, not trailing */
    memcpy(z + n - (sizeof(junk) - 1), (const uint8_t[]){0x04, 0x22, 0x4d, 0x18, 0x64}, 5);
    CU_ASSERT_EQUAL(drain_codec(z, n - (sizeof(junk) - 1) + 5, FILEBUF_LZ4, &got, &err), -1);
    CU_ASSERT_STRING_EQUAL(err.msg, "t: lz4: truncated compressed data");
    free(z);
    free(p);
}

/* A frame that ends two bytes before the end of the second chunk read (a
 * skippable frame pads it to there): the next frame's magic straddles two
 * reads, and what is between frames is judged once all four bytes are in. */
static void test_lz4_frame_across_reads(void)
{
    uint8_t *p = pattern();
    size_t n1, n2;
    uint8_t *f1 = lz4_of(p, LEN / 2, 1, false, false, false, NULL, 0, &n1);
    uint8_t *f2 = lz4_of(p + LEN / 2, LEN - LEN / 2, 1, false, false, false, NULL, 0, &n2);
    size_t at = 2 * FILEBUF_CHUNK - 2;
    CU_ASSERT_FATAL(n1 + 8 < at);
    size_t skip = at - n1 - 8; /* the skippable frame's contents */
    size_t len = at + n2;
    uint8_t *src = calloc(1, len);
    CU_ASSERT_FATAL(src != NULL);
    memcpy(src, f1, n1);
    memcpy(src + n1, (const uint8_t[]){0x5e, 0x2a, 0x4d, 0x18}, 4);
    for (int i = 0; i < 4; i++)
        src[n1 + 4 + (size_t)i] = (uint8_t)(skip >> (8 * i));
    memcpy(src + at, f2, n2);
    check_walk(BY_FILE_FD, src, len, FILEBUF_LZ4);
    free(src);
    free(f1);
    free(f2);
    free(p);
}

/* lz4's magic, and skippable frames looked past to the frame after them;
 * four bytes to say yes. */
static void test_lz4_magic(void)
{
    static const struct {
        uint8_t b[24];
        size_t len;
        enum filebuf_codec want;
    } cases[] = {
        { {0x04, 0x22, 0x4d, 0x18}, 4, FILEBUF_LZ4 },
        { {0x04, 0x22, 0x4d, 0x19}, 4, FILEBUF_PLAIN },
        { {0x02, 0x21, 0x4c, 0x18}, 4, FILEBUF_PLAIN }, /* lz4's legacy format */
        /* a skippable frame of 2 bytes, then an lz4 frame / a zstd frame / nothing known */
        { {0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 'x', 'y', 0x04, 0x22, 0x4d, 0x18}, 14, FILEBUF_LZ4 },
        { {0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 'x', 'y', 0x28, 0xb5, 0x2f, 0xfd}, 14, FILEBUF_ZSTD },
        { {0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 'x', 'y', 0x00, 0x00, 0x00, 0x00}, 14, FILEBUF_ZSTD },
        /* two skippable frames, then an lz4 frame */
        { {0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0, 0x5f, 0x2a, 0x4d, 0x18, 1, 0, 0, 0, 'z', 0x04, 0x22,
           0x4d, 0x18}, 21, FILEBUF_LZ4 },
        /* the skippable frame's length reaching past the end */
        { {0x5a, 0x2a, 0x4d, 0x18, 9, 0, 0, 0, 'x', 'y', 0x04, 0x22, 0x4d, 0x18}, 14, FILEBUF_ZSTD },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int way = 0; way < 2; way++) { /* a stream (exactly what is asked), a pipe */
            struct filebuf fb;
            struct ss_err err = { "" };
            FILE *fp = NULL;
            int pfd[2] = { -1, -1 };
            if (way == 0) {
                fp = fmemopen((void *)(uintptr_t)cases[i].b, cases[i].len, "rb");
                CU_ASSERT_FATAL(fp != NULL);
            } else {
                CU_ASSERT_FATAL(pipe(pfd) == 0);
                for (size_t k = 0; k < cases[i].len; k++) /* a byte per read */
                    CU_ASSERT_FATAL(write(pfd[1], &cases[i].b[k], 1) == 1);
                close(pfd[1]);
            }
            filebuf_init(&fb, pfd[0], fp, "m");
            CU_ASSERT_EQUAL(filebuf_fill_for_sniff(&fb, &err), 0);
            CU_ASSERT_EQUAL(filebuf_sniff(&fb), cases[i].want);
            CU_ASSERT_EQUAL(filebuf_avail(&fb), cases[i].len); /* looked, not consumed */
            filebuf_free(&fb);
            if (fp != NULL)
                fclose(fp);
            else
                close(pfd[0]);
        }
    }
}

/* Decoding started on a source that has nothing (the magic was there, then
 * nothing): cut short, for every codec, not a clean empty end. */
static void test_codec_empty_source(void)
{
    for (int c = FILEBUF_GZIP; c <= FILEBUF_LZ4; c++) {
        int pfd[2];
        CU_ASSERT_FATAL(pipe(pfd) == 0);
        close(pfd[1]);
        struct filebuf fb;
        struct ss_err err = { "" };
        filebuf_init(&fb, pfd[0], NULL, "e");
        CU_ASSERT_EQUAL_FATAL(filebuf_start_decoding(&fb, (enum filebuf_codec)c, &err), 0);
        CU_ASSERT_EQUAL(filebuf_fill(&fb, 1, &err), -1);
        char want[64];
        snprintf(want, sizeof(want), "e: %s: truncated compressed data",
                 filebuf_codec_name((enum filebuf_codec)c));
        CU_ASSERT_STRING_EQUAL(err.msg, want);
        filebuf_free(&fb);
        close(pfd[0]);
    }
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "every byte in order, in place", test_walk },
        { "gzip: every byte inflated, in order, every way", test_gzip_walk },
        { "gzip: damage reported after every byte before it", test_gzip_damage },
        { "gzip: told by its magic", test_gzip_magic },
        { "gzip: a member's magic across two reads", test_gzip_member_across_reads },
        { "zstd: every byte decompressed, in order, every way", test_zstd_walk },
        { "zstd: damage reported after every byte before it", test_zstd_damage },
        { "zstd: told by its magics", test_zstd_magic },
        { "lz4: every byte decompressed, in order, every way", test_lz4_walk },
        { "lz4: damage reported after every byte before it", test_lz4_damage },
        { "lz4: told by its magic, past skippable frames", test_lz4_magic },
        { "lz4: a frame's magic across two reads", test_lz4_frame_across_reads },
        { "gzip, zstd, lz4: an empty source is cut short", test_codec_empty_source },
        { "gzip: a pipe's compressed bytes inflated as they arrive", test_gzip_pipe_takes_what_arrived },
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
