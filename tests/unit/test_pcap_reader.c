/* test_pcap_reader.c - the classic pcap reader on files built in memory, read
 * both ways it reads (a regular file's descriptor in chunks, a stream record
 * by record), which must agree on every record and every error: byte orders
 * and time resolutions, the versions and their length fields, libpcap's
 * limits per link type, records across chunk boundaries, and a file cut at
 * every length. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture_fixture.h"
#include "cunit_main.h"
#include "pcap_reader.h"

#define NS 1000000000ull
#define MAX_RECS 4096

struct rec_summary {
    uint32_t cap_len, wire_len;
    uint64_t ts_ns, record_no;
    uint32_t sum; /* of the data bytes, each weighted by its position */
    bool over_snaplen;
    bool bad_ts;
};

struct readout {
    int open_rc;
    struct pcap_file_info info;
    size_t n;
    struct rec_summary r[MAX_RECS];
    int end_rc;
    char err[512];
    size_t buffer_size; /* pcap_reader_buffer_size at the end */
};

static uint32_t data_sum(const uint8_t *p, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += (uint32_t)p[i] * (i + 1);
    return s;
}

/* data_sum of the n bytes pcap_record writes from fill */
static uint32_t data_sum_of_fill(uint32_t n, uint8_t fill)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += (uint32_t)(uint8_t)(fill + i) * (i + 1);
    return s;
}

/* Reads every record: by a descriptor of a temporary file holding b[0..len)
 * when by_fd, else through fmemopen; the reader is handed a window through
 * which peek bytes were asked for first and left unread (as capture.c peeks
 * at the magic). */
static void read_all(const uint8_t *b, size_t len, bool by_fd, size_t peek, struct readout *o)
{
    memset(o, 0, sizeof(*o));
    int fd = -1;
    FILE *fp = NULL;
    if (by_fd) {
        char path[] = "/tmp/test_pcap_reader.XXXXXX";
        fd = mkstemp(path);
        CU_ASSERT_FATAL(fd >= 0);
        unlink(path);
        CU_ASSERT_FATAL(len == 0 || write(fd, b, len) == (ssize_t)len);
        CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0); /* read from where it stands */
    } else {
        /* fmemopen refuses a size of 0: an empty stream from /dev/null */
        fp = len > 0 ? fmemopen((void *)(uintptr_t)b, len, "rb") : fopen("/dev/null", "rb");
        CU_ASSERT_FATAL(fp != NULL);
    }
    struct pcap_reader *r;
    struct ss_err err = { "" };
    struct filebuf in;
    filebuf_init(&in, fd, fp, "t.pcap");
    CU_ASSERT_FATAL(filebuf_fill(&in, peek, &err) == 0);
    CU_ASSERT_FATAL(filebuf_avail(&in) >= (peek < len ? peek : len));
    o->open_rc = pcap_reader_open(&r, &in, &err);
    CU_ASSERT_PTR_NULL(in.buf); /* taken over */
    if (o->open_rc == 0) {
        o->info = *pcap_reader_info(r);
        struct pcap_record rec;
        while ((o->end_rc = pcap_reader_next(r, &rec, &err)) == 1 && o->n < MAX_RECS) {
            struct rec_summary *s = &o->r[o->n++];
            s->cap_len = rec.cap_len;
            s->wire_len = rec.wire_len;
            s->ts_ns = rec.ts_ns;
            s->record_no = rec.record_no;
            s->sum = data_sum(rec.data, rec.cap_len);
            s->over_snaplen = rec.over_snaplen;
            s->bad_ts = rec.bad_ts;
        }
        if (o->end_rc == -1) { /* stays failed, same message */
            struct ss_err again = { "" };
            CU_ASSERT_EQUAL(pcap_reader_next(r, &rec, &again), -1);
            CU_ASSERT_STRING_EQUAL(again.msg, err.msg);
        }
        o->buffer_size = pcap_reader_buffer_size(r);
        pcap_reader_close(r);
    } else {
        CU_ASSERT_PTR_NULL(r);
    }
    snprintf(o->err, sizeof(o->err), "%s", err.msg);
    if (fd >= 0)
        close(fd);
    if (fp != NULL)
        fclose(fp);
}

static void check_same(const struct readout *o, const struct readout *s)
{
    CU_ASSERT_EQUAL(o->open_rc, s->open_rc);
    CU_ASSERT_EQUAL(o->end_rc, s->end_rc);
    CU_ASSERT_EQUAL(o->n, s->n);
    CU_ASSERT(memcmp(o->r, s->r, o->n * sizeof(o->r[0])) == 0);
    CU_ASSERT_STRING_EQUAL(o->err, s->err);
}

/* Reads both ways, each with and without the magic peeked first, checks that
 * they agree, and leaves the descriptor's (peeked) in *o. */
static void read_both(const struct buf *b, struct readout *o)
{
    static struct readout s;
    read_all(b->p, b->len, true, 0, &s);
    read_all(b->p, b->len, true, 4, o);
    check_same(o, &s);
    read_all(b->p, b->len, false, 0, &s);
    check_same(o, &s);
    read_all(b->p, b->len, false, 4, &s);
    check_same(o, &s);
}

static bool has(const char *s, const char *part)
{
    if (strstr(s, part) != NULL)
        return true;
    fprintf(stderr, "\n  \"%s\" lacks \"%s\"\n", s, part);
    return false;
}

static void check_orders_and_resolutions(bool be, bool nsec)
{
    struct buf b = { .be = be };
    pcap_header(&b, nsec, 65535, 1 | 0x10000000u); /* FCS bits above the link type */
    pcap_record(&b, 1700000000, nsec ? 123456789u : 123456u, 60, 60, 0x10);
    pcap_record(&b, 0xF0000000u, nsec ? 999999999u : 999999u, 42, 1514, 0x20);
    /* a fraction beyond 2^31 (negative to libpcap), and beyond a second: damage,
     * read unsigned and carried into the seconds, marked */
    pcap_record(&b, 10, 0xFFFFFFFFu, 0, 0, 0);
    struct readout o;
    read_both(&b, &o);
    CU_ASSERT_EQUAL_FATAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.info.big_endian, be);
    CU_ASSERT_EQUAL(o.info.nanosecond, nsec);
    CU_ASSERT_EQUAL(o.info.version_major, 2);
    CU_ASSERT_EQUAL(o.info.version_minor, 4);
    CU_ASSERT_EQUAL(o.info.snaplen, 65535);
    CU_ASSERT_EQUAL(o.info.linktype, 1);
    CU_ASSERT_EQUAL_FATAL(o.n, 3);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL(o.r[0].ts_ns, 1700000000ull * NS + 123456789u - (nsec ? 0 : 789u));
    CU_ASSERT_EQUAL(o.r[1].ts_ns, 0xF0000000ull * NS + (nsec ? 999999999u : 999999000u));
    CU_ASSERT_EQUAL(o.r[2].ts_ns, 10 * NS + 0xFFFFFFFFull * (nsec ? 1 : 1000));
    CU_ASSERT(!o.r[0].bad_ts && !o.r[1].bad_ts && o.r[2].bad_ts);
    CU_ASSERT_EQUAL(o.r[0].cap_len, 60);
    CU_ASSERT_EQUAL(o.r[1].cap_len, 42);
    CU_ASSERT_EQUAL(o.r[1].wire_len, 1514);
    CU_ASSERT_EQUAL(o.r[2].cap_len, 0);
    CU_ASSERT_EQUAL(o.r[2].record_no, 3);
    uint8_t expect[60];
    for (uint32_t i = 0; i < 60; i++)
        expect[i] = (uint8_t)(0x10 + i);
    CU_ASSERT_EQUAL(o.r[0].sum, data_sum(expect, 60));
    free(b.p);
}

static void test_orders_and_resolutions(void)
{
    check_orders_and_resolutions(false, false);
    check_orders_and_resolutions(false, true);
    check_orders_and_resolutions(true, false);
    check_orders_and_resolutions(true, true);
}

/* The versions libpcap 1.10 reads, and which record field is the captured
 * length in each: the second before 2.3 and in 543.0, the smaller in 2.3. */
static void test_versions(void)
{
    static const struct {
        uint16_t major, minor;
        bool ok;
        char lengths; /* 'a' as is, 's' swapped, 'm' the smaller */
    } v[] = {
        { 2, 0, true, 's' },   { 2, 2, true, 's' },   { 2, 3, true, 'm' },
        { 2, 4, true, 'a' },   { 543, 0, true, 's' }, { 1, 0, false, 0 },
        { 2, 5, false, 0 },    { 3, 0, false, 0 },    { 543, 1, false, 0 },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct buf b = { 0 };
        pcap_header_full(&b, false, v[i].major, v[i].minor, 0, 1);
        pcap_record_fields(&b, 1, 80, 50, v[i].lengths == 'a' ? 80 : 50); /* stored (80, 50) */
        pcap_record_fields(&b, 2, 30, 70, v[i].lengths == 's' ? 70 : 30); /* stored (30, 70) */
        struct readout o;
        read_both(&b, &o);
        if (!v[i].ok) {
            CU_ASSERT_EQUAL(o.open_rc, -1);
            char want[96];
            snprintf(want, sizeof(want), "t.pcap: pcap format version %u.%u is not supported",
                     (unsigned)v[i].major, (unsigned)v[i].minor);
            CU_ASSERT(has(o.err, want));
            free(b.p);
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(o.n, 2);
        CU_ASSERT_EQUAL(o.end_rc, 0);
        CU_ASSERT_EQUAL(o.r[0].cap_len, v[i].lengths == 'a' ? 80u : 50u);
        CU_ASSERT_EQUAL(o.r[0].wire_len, v[i].lengths == 'a' ? 50u : 80u);
        CU_ASSERT_EQUAL(o.r[1].cap_len, v[i].lengths == 's' ? 70u : 30u);
        CU_ASSERT_EQUAL(o.r[1].wire_len, v[i].lengths == 's' ? 30u : 70u);
        free(b.p);
    }
}

/* One record of caplen bytes in a file of snaplen and linktype: read, or the
 * error part expected. */
static void check_limit(uint32_t snaplen, uint32_t linktype, uint32_t caplen, const char *err)
{
    struct buf b = { 0 };
    pcap_header(&b, false, snaplen, linktype);
    pcap_record(&b, 1, 0, 10, 10, 0);
    pcap_record(&b, 2, 0, caplen, caplen, 7);
    struct readout o;
    read_both(&b, &o);
    CU_ASSERT_EQUAL(o.open_rc, 0);
    if (err == NULL) {
        CU_ASSERT_EQUAL(o.n, 2);
        CU_ASSERT_EQUAL(o.end_rc, 0);
        CU_ASSERT_EQUAL(o.r[1].cap_len, caplen);
        CU_ASSERT_EQUAL(o.r[1].sum, data_sum_of_fill(caplen, 7));
        CU_ASSERT_EQUAL(o.r[0].over_snaplen, false);
        /* beyond a snaplen that binds: read whole all the same (Wireshark's
         * way; libpcap cuts it), and marked */
        CU_ASSERT_EQUAL(o.r[1].over_snaplen,
                        snaplen != 0 && snaplen <= pcap_max_caplen(linktype) && caplen > snaplen);
    } else {
        CU_ASSERT_EQUAL(o.n, 1);
        CU_ASSERT_EQUAL(o.end_rc, -1);
        CU_ASSERT(has(o.err, err));
    }
    free(b.p);
}

/* libpcap's largest record per link type (checked against libpcap 1.10.3),
 * and the snaplen, which marks a longer record when it is set and within that
 * limit. */
static void test_limits(void)
{
    CU_ASSERT_EQUAL(pcap_max_caplen(1), 262144);
    CU_ASSERT_EQUAL(pcap_max_caplen(231), 128u << 20);
    CU_ASSERT_EQUAL(pcap_max_caplen(249), 1u << 20);
    CU_ASSERT_EQUAL(pcap_max_caplen(279), 8u << 20);
    CU_ASSERT_EQUAL(pcap_max_caplen(189), 262144);
    check_limit(0, 1, 262144, NULL);
    check_limit(0, 1, 262145,
                "t.pcap: record 2: captured length 262145 exceeds the largest record of link type 1 (262144 bytes)");
    check_limit(0xFFFFFFFFu, 1, 262144, NULL); /* a snaplen above the limit does not bind */
    check_limit(0xFFFFFFFFu, 1, 262145, "record 2: captured length 262145 exceeds the largest");
    check_limit(300000, 1, 300001, "record 2: captured length 300001 exceeds the largest");
    check_limit(100, 1, 100, NULL);
    check_limit(100, 1, 101, NULL);
    check_limit(100, 1, 262144, NULL);
    check_limit(100, 1, 300000, "record 2: captured length 300000 exceeds the largest");
    check_limit(0, 249, 1u << 20, NULL);
    check_limit(0, 249, (1u << 20) + 1, "of link type 249 (1048576 bytes)");
    check_limit(0, 231, 3u << 20, NULL); /* D-Bus: larger than a chunk, the buffer grows */
}

/* Enough records of changing sizes that chunks end inside record headers and
 * inside records, at every offset modulo small numbers. */
static void test_records_across_chunks(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 0, 1);
    size_t n = 3000;
    for (size_t i = 0; i < n; i++)
        pcap_record(&b, (uint32_t)i, 0, (uint32_t)(i * 7 % 1517), 1600, (uint8_t)i);
    struct readout o;
    read_both(&b, &o);
    CU_ASSERT_EQUAL_FATAL(o.n, n);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t len = (uint32_t)(i * 7 % 1517);
        uint8_t d[1517];
        for (uint32_t k = 0; k < len; k++)
            d[k] = (uint8_t)(i + k);
        if (o.r[i].cap_len != len || o.r[i].sum != data_sum(d, len) || o.r[i].record_no != i + 1) {
            CU_FAIL("record content");
            break;
        }
    }
    free(b.p);
}

/* A file cut at every length: the whole records before the cut, then the end
 * (cut on a record boundary) or an error naming the record and the part cut. */
static void test_cut_everywhere(void)
{
    struct buf b = { 0 };
    pcap_header(&b, true, 0, 1);
    pcap_record(&b, 1, 0, 5, 5, 1);
    pcap_record(&b, 2, 0, 0, 60, 0);
    pcap_record(&b, 3, 0, 9, 9, 3);
    size_t ends[] = { 24, 24 + 21, 24 + 21 + 16, 24 + 21 + 16 + 25 }; /* record boundaries */
    for (size_t len = 0; len <= b.len; len++) {
        struct buf c = { .p = b.p, .len = len };
        struct readout o;
        read_both(&c, &o);
        if (len < 24) {
            CU_ASSERT_EQUAL(o.open_rc, -1);
            CU_ASSERT(has(o.err, "t.pcap: truncated file header"));
            continue;
        }
        size_t whole = 0;
        bool boundary = false;
        for (size_t i = 0; i < 4; i++) {
            if (ends[i] <= len)
                whole = i;
            boundary = boundary || ends[i] == len;
        }
        CU_ASSERT_EQUAL(o.n, whole);
        CU_ASSERT_EQUAL(o.end_rc, boundary ? 0 : -1);
        if (boundary)
            continue;
        char want[64];
        snprintf(want, sizeof(want), "t.pcap: record %zu: truncated record", whole + 1);
        CU_ASSERT(has(o.err, want));
        bool in_header = len - ends[whole] < 16;
        CU_ASSERT(has(o.err, in_header ? "truncated record header" : "bytes left)"));
    }
    free(b.p);
}

/* A record that claims 100 MiB (a D-Bus file may hold one) but is cut after
 * 600,000 bytes: an error, and the buffer grew with what arrived (to 1 MiB),
 * not to the claimed length, on both paths. A whole large record grows it to
 * fit. */
static void test_claimed_length_not_allocated(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 0, 231);
    pcap_record(&b, 1, 0, 1000, 1000, 0);
    put32(&b, 2);
    put32(&b, 0);
    put32(&b, 100u << 20);
    put32(&b, 100u << 20);
    for (int i = 0; i < 600000; i++) /* more than a chunk: the buffer grows */
        put8(&b, 0);
    for (int by_fd = 0; by_fd < 2; by_fd++) {
        struct readout o;
        read_all(b.p, b.len, by_fd, 0, &o);
        CU_ASSERT_EQUAL(o.n, 1);
        CU_ASSERT_EQUAL(o.end_rc, -1);
        CU_ASSERT(has(o.err, "record 2: truncated record (captured length 104857600, 600000 bytes left)"));
        CU_ASSERT(o.buffer_size <= 1u << 20);
    }
    free(b.p);
    struct buf c = { 0 };
    pcap_header(&c, false, 0, 231);
    pcap_record(&c, 1, 0, 3u << 20, 3u << 20, 5);
    for (int by_fd = 0; by_fd < 2; by_fd++) {
        struct readout o;
        read_all(c.p, c.len, by_fd, 4, &o);
        CU_ASSERT_EQUAL(o.n, 1);
        CU_ASSERT_EQUAL(o.end_rc, 0);
        CU_ASSERT_EQUAL(o.buffer_size, 16u + (3u << 20)); /* doubled, then cut to the record */
    }
    free(c.p);
}

/* A pipe whose writer waits until the reader has the first record: a stream is
 * read record by record, each as soon as it has arrived, not in chunks (which
 * would wait for bytes not written yet; the alarm turns that into a failure). */
static void test_stream_reads_only_what_it_needs(void)
{
    int data[2], go[2];
    CU_ASSERT_FATAL(pipe(data) == 0 && pipe(go) == 0);
    struct buf b = { 0 };
    pcap_header(&b, false, 0, 1);
    pcap_record(&b, 1, 0, 60, 60, 1);
    size_t first = b.len;
    pcap_record(&b, 2, 0, 70, 70, 2);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(data[0]);
        close(go[1]);
        char c;
        if (write(data[1], b.p, first) != (ssize_t)first || read(go[0], &c, 1) != 1 ||
            write(data[1], b.p + first, b.len - first) != (ssize_t)(b.len - first))
            _exit(1);
        _exit(0);
    }
    close(data[1]);
    close(go[0]);
    FILE *fp = fdopen(data[0], "rb");
    CU_ASSERT_FATAL(fp != NULL);
    alarm(20);
    struct pcap_reader *r;
    struct ss_err err = { "" };
    struct filebuf in;
    filebuf_init(&in, -1, fp, "pipe");
    CU_ASSERT_FATAL(pcap_reader_open(&r, &in, &err) == 0);
    struct pcap_record rec;
    CU_ASSERT_EQUAL(pcap_reader_next(r, &rec, &err), 1); /* the second is not written yet */
    CU_ASSERT_EQUAL(rec.cap_len, 60);
    CU_ASSERT(write(go[1], "x", 1) == 1);
    CU_ASSERT_EQUAL(pcap_reader_next(r, &rec, &err), 1);
    CU_ASSERT_EQUAL(rec.cap_len, 70);
    CU_ASSERT_EQUAL(pcap_reader_next(r, &rec, &err), 0);
    alarm(0);
    pcap_reader_close(r);
    fclose(fp);
    close(go[1]);
    int st = 0;
    CU_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    free(b.p);
}

/* Kuznetzov's modified pcap (libpcap's KUZNETZOV_TCPDUMP_MAGIC, 0xa1b2cd34):
 * record headers of 24 bytes (ifindex 4, protocol 2, pkt_type 1, pad 1 after
 * the usual 16), read in either byte order as libpcap reads them; an Ethernet
 * one's snaplen leaves room for a faked 14-byte header, as libpcap allows. */
static void test_kuznetzov(void)
{
    for (int be = 0; be <= 1; be++) {
        struct buf b = { .be = be == 1 };
        put32(&b, 0xa1b2cd34u);
        put16(&b, 2);
        put16(&b, 4);
        put32(&b, 0);
        put32(&b, 0);
        put32(&b, 60); /* snaplen */
        put32(&b, 1);  /* EN10MB */
        static const uint32_t caplen[3] = { 74, 75, 42 };
        for (int i = 0; i < 3; i++) {
            put32(&b, 1700000000u + (uint32_t)i);
            put32(&b, 250000u);
            put32(&b, caplen[i]);
            put32(&b, 1514);
            put32(&b, 2);      /* ifindex */
            put16(&b, 0x0800); /* protocol */
            put8(&b, 4);       /* pkt_type: outgoing */
            put8(&b, 0);
            for (uint32_t k = 0; k < caplen[i]; k++)
                put8(&b, (uint8_t)(0x40 + k));
        }
        struct readout o;
        read_both(&b, &o);
        CU_ASSERT_EQUAL_FATAL(o.open_rc, 0);
        CU_ASSERT_EQUAL(o.end_rc, 0);
        CU_ASSERT_EQUAL_FATAL(o.n, 3);
        CU_ASSERT_EQUAL(o.info.big_endian, be == 1);
        CU_ASSERT_FALSE(o.info.nanosecond);
        CU_ASSERT(o.info.kuznetzov);
        CU_ASSERT_EQUAL(o.info.snaplen, 60);
        for (int i = 0; i < 3; i++) {
            CU_ASSERT_EQUAL(o.r[i].ts_ns, (1700000000ull + (uint64_t)i) * NS + 250000000u);
            CU_ASSERT_EQUAL(o.r[i].cap_len, caplen[i]);
            CU_ASSERT_EQUAL(o.r[i].wire_len, 1514);
            CU_ASSERT_EQUAL(o.r[i].sum, data_sum_of_fill(caplen[i], 0x40));
        }
        CU_ASSERT_FALSE(o.r[0].over_snaplen); /* 60 + 14 */
        CU_ASSERT(o.r[1].over_snaplen);
        free(b.p);
    }
}

static void test_not_pcap(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 0, 1);
    b.p[0] ^= 0xFF;
    struct readout o;
    read_both(&b, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(o.err, "t.pcap: not a classic pcap file (magic 0x2bc3b2a1)"));
    free(b.p);
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "byte orders and resolutions", test_orders_and_resolutions },
        { "versions and length fields", test_versions },
        { "libpcap's limits and the snaplen", test_limits },
        { "records across chunk boundaries", test_records_across_chunks },
        { "a file cut at every length", test_cut_everywhere },
        { "a cut record's claimed length is not allocated", test_claimed_length_not_allocated },
        { "a stream is read record by record", test_stream_reads_only_what_it_needs },
        { "not a classic pcap file", test_not_pcap },
        { "Kuznetzov's modified pcap (0xa1b2cd34)", test_kuznetzov },
        { NULL, NULL },
    };
    return add_suite("pcap_reader", tests);
}
