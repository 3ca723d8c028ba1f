/* test_capture.c - capture front end on hand-built pcap and pcapng files:
 * byte orders, time resolutions, pcapng sections and interfaces, damage, BPF,
 * stdin, gzip-compressed files. Each test writes its file into a private
 * mkdtemp directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include "capture.h"
#include "capture_fixture.h"
#include "cunit_main.h"

#define NS 1000000000ull

/* ---- pcapng writer: blocks are built whole, then their lengths patched ---- */

static size_t blk_begin(struct buf *b, uint32_t type)
{
    size_t start = b->len;
    put32(b, type);
    put32(b, 0); /* patched by blk_end */
    return start;
}

static void blk_end(struct buf *b, size_t start)
{
    pad4(b);
    uint32_t len = (uint32_t)(b->len - start + 4);
    put32(b, len);
    poke32(b, start + 4, len);
}

static void ng_shb(struct buf *b)
{
    size_t s = blk_begin(b, 0x0A0D0D0Au);
    put32(b, 0x1A2B3C4Du);
    put16(b, 1);
    put16(b, 0);
    put64(b, UINT64_MAX); /* section length unknown (-1) */
    blk_end(b, s);
}

/* tsresol < 0: no option; tsoffset 0: no option */
static void ng_idb(struct buf *b, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    size_t s = blk_begin(b, 1);
    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    if (tsresol >= 0) {
        put16(b, 9);
        put16(b, 1);
        put8(b, (uint8_t)tsresol);
        pad4(b);
    }
    if (tsoffset != 0) {
        put16(b, 14);
        put16(b, 8);
        put64(b, (uint64_t)tsoffset);
    }
    put16(b, 0); /* opt_endofopt */
    put16(b, 0);
    blk_end(b, s);
}

static void ng_epb(struct buf *b, uint32_t if_id, uint64_t ts, const uint8_t *data, uint32_t caplen,
                   uint32_t origlen)
{
    size_t s = blk_begin(b, 6);
    put32(b, if_id);
    put32(b, (uint32_t)(ts >> 32));
    put32(b, (uint32_t)ts);
    put32(b, caplen);
    put32(b, origlen);
    put(b, data, caplen);
    blk_end(b, s);
}

static void ng_spb(struct buf *b, const uint8_t *data, uint32_t datalen, uint32_t origlen)
{
    size_t s = blk_begin(b, 3);
    put32(b, origlen);
    put(b, data, datalen);
    blk_end(b, s);
}

static void ng_opaque(struct buf *b, uint32_t type, uint32_t body_len)
{
    size_t s = blk_begin(b, type);
    for (uint32_t i = 0; i < body_len; i++)
        put8(b, 0xEE);
    blk_end(b, s);
}

/* ---- packets for the filter tests ---- */

/* IPv4 + TCP/UDP (20 + 20/8 bytes, checksums 0) into out; returns the length. */
static size_t ip_packet(uint8_t *out, uint8_t proto, uint16_t sport, uint16_t dport)
{
    size_t l4 = proto == 6 ? 20 : 8;
    size_t tot = 20 + l4;
    memset(out, 0, tot);
    out[0] = 0x45;
    out[2] = (uint8_t)(tot >> 8);
    out[3] = (uint8_t)tot;
    out[8] = 64;
    out[9] = proto;
    memcpy(out + 12, (const uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
    out[20] = (uint8_t)(sport >> 8);
    out[21] = (uint8_t)sport;
    out[22] = (uint8_t)(dport >> 8);
    out[23] = (uint8_t)dport;
    if (proto == 6)
        out[32] = 0x50; /* data offset 5 */
    else
        out[25] = 8;
    return tot;
}

static size_t eth_packet(uint8_t *out, uint8_t proto, uint16_t sport, uint16_t dport)
{
    static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
    memcpy(out, eth, 14);
    return 14 + ip_packet(out + 14, proto, sport, dport);
}

/* ---- files and reading ---- */

static char tmpdir[64];

static const char *write_file(const char *name, const void *data, size_t len)
{
    static char path[160];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (len > 0)
        CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static const char *write_buf(const char *name, struct buf *b)
{
    const char *p = write_file(name, b->p, b->len);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

#define MAXF 32

struct readout {
    int open_rc;
    int end_rc; /* 0 = clean end, -1 = error */
    int n;
    struct capture_frame f[MAXF];
    uint8_t byte0[MAXF];
    struct ss_err err;
    struct capture_info info;
};

/* Opens path and reads to the end or the first error. */
static void read_all(const char *path, const char *bpf, struct readout *o)
{
    memset(o, 0, sizeof(*o));
    struct capture *cap = NULL;
    o->open_rc = capture_open_file(&cap, path, bpf, &o->err);
    if (o->open_rc != 0) {
        CU_ASSERT_PTR_NULL(cap);
        return;
    }
    struct capture_frame f;
    int rc;
    while ((rc = capture_next(cap, &f, &o->err)) == 1) {
        if (o->n < MAXF) {
            o->f[o->n] = f;
            o->byte0[o->n] = f.cap_len > 0 ? f.data[0] : 0;
        }
        o->n++;
    }
    o->end_rc = rc;
    if (rc < 0) { /* errors are sticky */
        struct ss_err again;
        CU_ASSERT_EQUAL(capture_next(cap, &f, &again), -1);
        CU_ASSERT_STRING_EQUAL(again.msg, o->err.msg);
    }
    o->info = *capture_get_info(cap);
    o->info.path = NULL; /* freed by capture_close */
    capture_close(cap);
}

static bool has(const struct ss_err *err, const char *needle)
{
    if (strstr(err->msg, needle) != NULL)
        return true;
    fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", err->msg, needle);
    return false;
}

/* ---- classic pcap ---- */

static void check_pcap_order(bool be, bool nsec)
{
    struct buf b = { .be = be };
    pcap_header(&b, nsec, 65535, 1);
    pcap_record(&b, 1700000000, nsec ? 123456789u : 123456u, 60, 60, 0x10);
    pcap_record(&b, 1700000001, nsec ? 999999999u : 999999u, 42, 1514, 0x20);
    pcap_record(&b, 0xF0000000u, 1, 14, 14, 0x30); /* seconds beyond 2^31 */
    struct readout o;
    read_all(write_buf("order.pcap", &b), NULL, &o);
    CU_ASSERT_EQUAL_FATAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 3);
    uint64_t mul = nsec ? 1 : 1000; /* ns per file tick */
    CU_ASSERT_EQUAL(o.f[0].ts_ns, 1700000000ull * NS + (nsec ? 123456789ull : 123456000ull));
    CU_ASSERT_EQUAL(o.f[1].ts_ns, 1700000001ull * NS + (nsec ? 999999999ull : 999999000ull));
    CU_ASSERT_EQUAL(o.f[2].ts_ns, 0xF0000000ull * NS + mul);
    CU_ASSERT_EQUAL(o.f[0].cap_len, 60);
    CU_ASSERT_EQUAL(o.f[1].cap_len, 42);
    CU_ASSERT_EQUAL(o.f[1].wire_len, 1514);
    CU_ASSERT_EQUAL(o.byte0[0], 0x10);
    CU_ASSERT_EQUAL(o.byte0[1], 0x20);
    CU_ASSERT_EQUAL(o.f[2].record_no, 3);
    CU_ASSERT_EQUAL(o.f[0].linktype, 1);
    CU_ASSERT_EQUAL(o.info.format, CAPTURE_PCAP);
    CU_ASSERT_EQUAL(o.info.big_endian, be);
    CU_ASSERT_EQUAL(o.info.nanosecond, nsec);
    CU_ASSERT_EQUAL(o.info.snaplen, 65535);
    CU_ASSERT_EQUAL(o.info.frames_read, 3);
}

/* A fraction of a second of a second or more is damage: carried into the
 * seconds (unsigned: 2^31 is not read as a negative), and counted. */
static void test_pcap_fraction_out_of_range(void)
{
    for (int nsec = 0; nsec <= 1; nsec++) {
        struct buf b = { .be = nsec == 1 };
        uint64_t mul = nsec ? 1 : 1000;
        pcap_header(&b, nsec, 65535, 1);
        pcap_record(&b, 1700000000, nsec ? 999999999u : 999999u, 14, 14, 0); /* in range */
        pcap_record(&b, 1700000000, nsec ? 1500000000u : 1500000u, 14, 14, 0);
        pcap_record(&b, 1700000000, 0x80000000u, 14, 14, 0);
        pcap_record(&b, 0, 0xffffffffu, 14, 14, 0);
        struct readout o;
        read_all(write_buf("frac.pcap", &b), NULL, &o);
        CU_ASSERT_EQUAL_FATAL(o.n, 4);
        CU_ASSERT_EQUAL(o.end_rc, 0);
        CU_ASSERT_FALSE(o.f[0].bad_ts);
        CU_ASSERT(o.f[1].bad_ts && o.f[2].bad_ts && o.f[3].bad_ts);
        CU_ASSERT_EQUAL(o.f[1].ts_ns, 1700000000ull * NS + 1500000000ull);
        CU_ASSERT_EQUAL(o.f[2].ts_ns, 1700000000ull * NS + 0x80000000ull * mul);
        CU_ASSERT_EQUAL(o.f[3].ts_ns, 0xffffffffull * mul); /* not 2^64 - mul */
        CU_ASSERT_EQUAL(o.info.frames_bad_ts, 3);
        CU_ASSERT_EQUAL(o.info.first_bad_ts, 2);
    }
}

/* Kuznetzov's modified pcap (0xa1b2cd34) is told by its magic as libpcap
 * tells it (pcap_reader reads it: test_pcap_reader has the details). */
static void test_pcap_kuznetzov(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 1);
    poke32(&b, 0, 0xa1b2cd34u);
    put32(&b, 1700000000);
    put32(&b, 5);
    put32(&b, 14);
    put32(&b, 14);
    put64(&b, 0); /* ifindex, protocol, pkt_type, pad */
    for (int i = 0; i < 14; i++)
        put8(&b, 0x77);
    struct readout o;
    read_all(write_buf("kuz.pcap", &b), NULL, &o);
    CU_ASSERT_EQUAL_FATAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 1);
    CU_ASSERT_EQUAL(o.f[0].ts_ns, 1700000000ull * NS + 5000);
    CU_ASSERT_EQUAL(o.f[0].cap_len, 14);
    CU_ASSERT_EQUAL(o.byte0[0], 0x77);
    CU_ASSERT_EQUAL(o.info.format, CAPTURE_PCAP);
}

static void test_pcap_usec_le(void)
{
    check_pcap_order(false, false);
}

static void test_pcap_usec_be(void)
{
    check_pcap_order(true, false);
}

static void test_pcap_nsec_le(void)
{
    check_pcap_order(false, true);
}

static void test_pcap_nsec_be(void)
{
    check_pcap_order(true, true);
}

static void test_pcap_fcs_bits_masked(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 0x24000001u); /* FCS present, 4 bytes; Ethernet */
    pcap_record(&b, 1, 0, 64, 64, 0);
    struct readout o;
    read_all(write_buf("fcs.pcap", &b), NULL, &o);
    CU_ASSERT_EQUAL_FATAL(o.n, 1);
    CU_ASSERT_EQUAL(o.f[0].linktype, 1);
}

/* Frames read from an already-open stream (capture_open_stream: the path of
 * stdin and pipes, each record read as its bytes arrive) up to the end or the
 * first error: how many (-1: it did not open), the end code, the message in
 * *err, and in *over how many were marked longer than their snaplen. */
static int read_stream_until_error(FILE *fp, struct ss_err *err, int *end_rc, int *over)
{
    struct capture *cap = NULL;
    *over = 0;
    if (capture_open_stream(&cap, fp, "stream", NULL, err) != 0)
        return -1;
    struct capture_frame f;
    int n = 0;
    for (; (*end_rc = capture_next(cap, &f, err)) == 1; n++)
        *over += f.over_snaplen;
    capture_close(cap);
    return n;
}

/* Reads path as a regular file (read by its descriptor in chunks) and as a
 * stream (its bytes as they arrive): both must give n_before frames, then fail
 * with msg (after the capture's name). The file read's frames are left in *o. */
static void check_cut_on_both_paths(const char *path, int n_before, const char *msg,
                                    struct readout *o)
{
    read_all(path, NULL, o);
    CU_ASSERT_EQUAL(o->open_rc, 0);
    CU_ASSERT_EQUAL(o->n, n_before);
    CU_ASSERT_EQUAL(o->end_rc, -1);
    CU_ASSERT(has(&o->err, path));
    CU_ASSERT(has(&o->err, msg));
    FILE *fp = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    struct ss_err err;
    int end_rc = 0, over;
    CU_ASSERT_EQUAL(read_stream_until_error(fp, &err, &end_rc, &over), n_before);
    CU_ASSERT_EQUAL(end_rc, -1);
    CU_ASSERT(has(&err, "stream: "));
    CU_ASSERT(has(&err, msg));
    fclose(fp);
}

static void test_pcap_truncated_record(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 1);
    pcap_record(&b, 1, 0, 60, 60, 0);
    pcap_record(&b, 2, 0, 60, 60, 0);
    pcap_record(&b, 3, 0, 60, 60, 0);
    b.len -= 30; /* cut the third record's data */
    struct readout o;
    check_cut_on_both_paths(write_buf("trunc.pcap", &b), 2,
                            ": record 3: truncated record (captured length 60, 30 bytes left)", &o);
}

/* Frames read from path as a stream (read_stream_until_error), with *over
 * those marked longer than their snaplen; -1 when it did not open or failed. */
static int read_as_stream(const char *path, int *over)
{
    FILE *fp = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    struct ss_err err;
    int end_rc = 0;
    int n = read_stream_until_error(fp, &err, &end_rc, over);
    fclose(fp);
    return end_rc < 0 ? -1 : n;
}

/* A record longer than the file's snaplen (a wrong snaplen in the header, an
 * edited file): libpcap 1.10 cuts it to the snaplen and reads on, Wireshark
 * reads it whole, and so does sockscope, marking it and counting it per file. */
static void test_pcap_caplen_over_snaplen(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 100, 1);
    pcap_record(&b, 1, 0, 60, 60, 0);
    pcap_record(&b, 2, 0, 100, 100, 0); /* exactly the snaplen */
    pcap_record(&b, 3, 0, 200, 200, 0x33);
    pcap_record(&b, 4, 0, 60, 60, 0x44);
    pcap_record(&b, 5, 0, 101, 101, 0x55); /* the last one, one byte over */
    const char *path = write_buf("oversnap.pcap", &b);
    struct readout o;
    read_all(path, NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 5);
    static const uint32_t len[5] = { 60, 100, 200, 60, 101 };
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(o.f[i].cap_len, len[i]);
        CU_ASSERT_EQUAL(o.f[i].over_snaplen, len[i] > 100);
    }
    CU_ASSERT_EQUAL(o.byte0[2], 0x33); /* whole, and the next record where it lies */
    CU_ASSERT_EQUAL(o.byte0[3], 0x44);
    CU_ASSERT_EQUAL(o.byte0[4], 0x55);
    CU_ASSERT_EQUAL(o.info.frames_over_snaplen, 2);
    CU_ASSERT_EQUAL(o.info.first_over_snaplen, 3);
    int over;
    CU_ASSERT_EQUAL(read_as_stream(path, &over), 5);
    CU_ASSERT_EQUAL(over, 2);

    /* counted before the filter, as frames_read is; a snaplen of 0 (not
     * given) or above libpcap's largest record binds nothing */
    read_all(path, "ether[0] = 0x44", &o);
    CU_ASSERT_EQUAL(o.n, 1);
    CU_ASSERT_EQUAL(o.info.frames_over_snaplen, 2);
    for (int k = 0; k < 2; k++) {
        struct buf c = { 0 };
        pcap_header(&c, false, k == 0 ? 0 : 300000, 1);
        pcap_record(&c, 1, 0, 200, 200, 0);
        read_all(write_buf("nosnap.pcap", &c), NULL, &o);
        CU_ASSERT_EQUAL(o.n, 1);
        CU_ASSERT_EQUAL(o.f[0].over_snaplen, false);
        CU_ASSERT_EQUAL(o.info.frames_over_snaplen, 0);
    }
}

/* Formats before 2.3 store a record's lengths the other way round (2.3 either
 * way: the smaller is the captured one); libpcap reads them so, and so must
 * pcap_reader on both paths, or it reports records that are not too long
 * (found by fuzz_pcap comparing the two paths, when libpcap read one). */
static void test_pcap_swapped_lengths(void)
{
    for (uint16_t minor = 1; minor <= 4; minor++) {
        struct buf b = { 0 };
        pcap_header_version(&b, minor, 100);
        bool swapped = minor < 3, maybe = minor == 3;
        /* captured 60 of 1500: stored (1500, 60) when swapped, else (60, 1500) */
        pcap_record_fields(&b, 1, swapped ? 1500 : 60, swapped ? 60 : 1500, 60);
        /* stored (90, 40): 2.3 takes the smaller (40) as captured */
        uint32_t second = maybe || swapped ? 40 : 90;
        pcap_record_fields(&b, 2, 90, 40, second);
        /* then a record longer than the snaplen (captured 120) */
        pcap_record_fields(&b, 3, swapped ? 200 : 120, swapped ? 120 : 200, 120);
        char name[32];
        snprintf(name, sizeof(name), "version2_%u.pcap", (unsigned)minor);
        const char *path = write_buf(name, &b);
        struct readout o;
        read_all(path, NULL, &o);
        CU_ASSERT_EQUAL(o.end_rc, 0);
        CU_ASSERT_EQUAL_FATAL(o.n, 3);
        CU_ASSERT_EQUAL(o.f[0].cap_len, 60);
        CU_ASSERT_EQUAL(o.f[0].wire_len, 1500);
        CU_ASSERT_EQUAL(o.f[1].cap_len, second);
        CU_ASSERT_EQUAL(o.f[1].over_snaplen, false);
        CU_ASSERT_EQUAL(o.f[2].cap_len, 120);
        CU_ASSERT_EQUAL(o.f[2].wire_len, 200);
        CU_ASSERT_EQUAL(o.f[2].over_snaplen, true);
        int over;
        CU_ASSERT_EQUAL(read_as_stream(path, &over), 3);
        CU_ASSERT_EQUAL(over, 1);
    }
}

static void test_pcap_caplen_over_libpcap_max(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 0, 1); /* snaplen 0: only libpcap's 262144 applies */
    pcap_record(&b, 1, 0, 60, 60, 0);
    pcap_record(&b, 2, 0, 70000, 70000, 0); /* fine: below 262144 */
    pcap_record(&b, 3, 0, 300000, 300000, 0);
    struct readout o;
    read_all(write_buf("huge.pcap", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 2);
    CU_ASSERT_EQUAL(o.f[1].cap_len, 70000);
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, "huge.pcap: record 3: "));
    CU_ASSERT(has(&o.err, "300000"));
}

/* ---- pcapng ---- */

static void check_pcapng_resolutions(bool be)
{
    static const uint8_t d[4] = { 0xAB, 1, 2, 3 };
    struct buf b = { .be = be };
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);            /* 0: default microseconds */
    ng_idb(&b, 1, 65535, 9, 0);         /* 1: nanoseconds */
    ng_idb(&b, 1, 0, 0x80 | 10, 0);     /* 2: 2^-10 s */
    ng_idb(&b, 1, 0, 6, 100);           /* 3: microseconds, +100 s */
    ng_idb(&b, 1, 0, 3, -1000);         /* 4: milliseconds, -1000 s */
    ng_epb(&b, 0, 1700000000123456ull, d, 4, 4);
    ng_epb(&b, 1, 1700000000123456789ull, d, 4, 60);
    ng_epb(&b, 2, 1700000000ull * 1024 + 512 + 1, d, 3, 4); /* .5 s + 1/1024 s */
    ng_epb(&b, 3, 5000001ull, d, 4, 4);
    ng_epb(&b, 4, 1700000000999ull, d, 4, 4);
    struct readout o;
    read_all(write_buf("res.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL_FATAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 5);
    CU_ASSERT_EQUAL(o.f[0].ts_ns, 1700000000123456000ull);
    CU_ASSERT_EQUAL(o.f[1].ts_ns, 1700000000123456789ull);
    CU_ASSERT_EQUAL(o.f[2].ts_ns, 1700000000ull * NS + 500000000ull + 976562ull);
    CU_ASSERT_EQUAL(o.f[3].ts_ns, 105ull * NS + 1000ull);
    CU_ASSERT_EQUAL(o.f[4].ts_ns, (1700000000ull - 1000ull) * NS + 999000000ull);
    CU_ASSERT_EQUAL(o.f[1].wire_len, 60);
    CU_ASSERT_EQUAL(o.f[2].cap_len, 3);
    CU_ASSERT_EQUAL(o.byte0[2], 0xAB);
    CU_ASSERT_EQUAL(o.f[3].if_index, 3);
    CU_ASSERT_EQUAL(o.f[4].record_no, 5);
    CU_ASSERT_EQUAL(o.info.format, CAPTURE_PCAPNG);
    CU_ASSERT_EQUAL(o.info.big_endian, be);
    CU_ASSERT_EQUAL(o.info.nanosecond, false); /* first interface: microseconds */
}

/* An IDB with two if_tsresol options (10^-9, then 10^-3): the first. */
static void ng_idb_tsresol_twice(struct buf *b)
{
    size_t s = blk_begin(b, 1);
    put16(b, 1);
    put16(b, 0);
    put32(b, 0);
    for (int i = 0; i < 2; i++) {
        put16(b, 9);
        put16(b, 1);
        put8(b, i == 0 ? 9 : 3);
        pad4(b);
    }
    put16(b, 0);
    put16(b, 0);
    blk_end(b, s);
}

/* Times that uint64 nanoseconds cannot hold are clamped and counted, never
 * wrapped: a negative if_tsoffset (signed: a time before 1970), a count of
 * whole seconds (if_tsresol 10^0) past 2554; a second if_tsresol is ignored. */
static void test_pcapng_time_out_of_range(void)
{
    static const uint8_t d[14] = { 0 };
    struct buf b = { 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, -100);        /* interface 0: microseconds, 100 s back */
    ng_idb(&b, 1, 0, 0, 0);            /* interface 1: seconds */
    ng_idb_tsresol_twice(&b);          /* interface 2 */
    ng_epb(&b, 0, 5000000, d, 14, 14);   /* 5 s - 100 s: before 1970 */
    ng_epb(&b, 0, 200000000, d, 14, 14); /* 200 s - 100 s = 100 s */
    ng_epb(&b, 1, 1ull << 62, d, 14, 14); /* 2^62 s */
    ng_epb(&b, 1, 18446744073ull, d, 14, 14); /* the last whole second that fits */
    ng_epb(&b, 2, 1700000000ull * NS, d, 14, 14);
    struct readout o;
    read_all(write_buf("ts_range.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 5);
    CU_ASSERT_EQUAL(o.f[0].ts_ns, 0);
    CU_ASSERT(o.f[0].bad_ts);
    CU_ASSERT_EQUAL(o.f[1].ts_ns, 100 * NS);
    CU_ASSERT_FALSE(o.f[1].bad_ts);
    CU_ASSERT_EQUAL(o.f[2].ts_ns, UINT64_MAX);
    CU_ASSERT(o.f[2].bad_ts);
    CU_ASSERT_EQUAL(o.f[3].ts_ns, 18446744073ull * NS);
    CU_ASSERT_FALSE(o.f[3].bad_ts);
    CU_ASSERT_EQUAL(o.f[4].ts_ns, 1700000000ull * NS); /* 10^-3 would be 2077 */
    CU_ASSERT_FALSE(o.f[4].bad_ts);
    CU_ASSERT_EQUAL(o.info.frames_bad_ts, 2);
    CU_ASSERT_EQUAL(o.info.first_bad_ts, 1);
}

static void test_pcapng_le(void)
{
    check_pcapng_resolutions(false);
}

static void test_pcapng_be(void)
{
    check_pcapng_resolutions(true);
}

static void test_pcapng_two_sections(void)
{
    static const uint8_t d[8] = { 0x45 };
    struct buf b = { .be = false };
    ng_shb(&b);
    ng_idb(&b, 1, 0, 9, 0);   /* section 1, interface 0: Ethernet */
    ng_idb(&b, 101, 0, 6, 0); /* section 1, interface 1: raw IP */
    ng_epb(&b, 1, 7, d, 8, 8);
    ng_epb(&b, 0, 8, d, 8, 8);
    b.be = true; /* the second section is big-endian */
    ng_shb(&b);
    ng_idb(&b, 113, 0, 6, 0); /* section 2 restarts at interface 0 */
    ng_epb(&b, 0, 9, d, 8, 8);
    struct readout o;
    read_all(write_buf("sections.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 3);
    CU_ASSERT_EQUAL(o.f[0].linktype, 101);
    CU_ASSERT_EQUAL(o.f[0].if_index, 1);
    CU_ASSERT_EQUAL(o.f[0].ts_ns, 7000);
    CU_ASSERT_EQUAL(o.f[1].linktype, 1);
    CU_ASSERT_EQUAL(o.f[1].ts_ns, 8);
    CU_ASSERT_EQUAL(o.f[2].linktype, 113);
    CU_ASSERT_EQUAL(o.f[2].if_index, 0);
    CU_ASSERT_EQUAL(o.f[2].ts_ns, 9000);
    CU_ASSERT_EQUAL(o.f[2].record_no, 3);
    CU_ASSERT_EQUAL(o.info.big_endian, false);
    CU_ASSERT_EQUAL(o.info.nanosecond, true);

    /* interface 1 of section 1 is gone in section 2 */
    b.be = false;
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_idb(&b, 101, 0, -1, 0);
    ng_epb(&b, 1, 1, d, 8, 8);
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 1, 2, d, 8, 8);
    read_all(write_buf("renumber.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 1);
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, "renumber.pcapng: record 2: interface id 1"));
}

static void test_pcapng_six_linktypes(void)
{
    static const uint16_t lts[6] = { 1, 101, 113, 276, 0, 228 };
    static const uint8_t d[16] = { 0 };
    struct buf b = { 0 };
    ng_shb(&b);
    for (int i = 0; i < 6; i++)
        ng_idb(&b, lts[i], 262144, -1, 0);
    for (uint32_t i = 0; i < 12; i++)
        ng_epb(&b, (i * 5) % 6, i, d, 16, 16);
    struct readout o;
    read_all(write_buf("six.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 12);
    for (uint32_t i = 0; i < 12; i++) {
        CU_ASSERT_EQUAL(o.f[i].if_index, (i * 5) % 6);
        CU_ASSERT_EQUAL(o.f[i].linktype, lts[(i * 5) % 6]);
    }
    CU_ASSERT_EQUAL(o.info.snaplen, 262144);
}

static void test_pcapng_spb(void)
{
    static const uint8_t d[100] = { 0x66 };
    struct buf b = { 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 64, 9, 0);
    ng_spb(&b, d, 64, 100);     /* before any EPB: timestamp 0 */
    ng_epb(&b, 0, 5000, d, 20, 20);
    ng_spb(&b, d, 64, 100);     /* snaplen 64 bounds it */
    ng_spb(&b, d, 30, 30);
    ng_spb(&b, d, 12, 12);      /* exactly its block's room */
    struct readout o;
    read_all(write_buf("spb.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 5);
    CU_ASSERT_EQUAL(o.f[0].ts_ns, 0);
    CU_ASSERT_EQUAL(o.f[0].cap_len, 64);
    CU_ASSERT_EQUAL(o.f[0].wire_len, 100);
    CU_ASSERT_EQUAL(o.f[2].ts_ns, 5000);
    CU_ASSERT_EQUAL(o.f[2].cap_len, 64);
    CU_ASSERT_EQUAL(o.f[3].cap_len, 30);
    CU_ASSERT_EQUAL(o.byte0[3], 0x66);
    CU_ASSERT_EQUAL(o.f[3].record_no, 4);
    CU_ASSERT_EQUAL(o.f[4].cap_len, 12);

    /* a block too short for its packet (40 bytes, the snaplen allowing 64):
     * 10 bytes and their padding, damage as libpcap and Wireshark judge it,
     * after every frame before it */
    ng_shb(&b);
    ng_idb(&b, 1, 64, -1, 0);
    ng_spb(&b, d, 30, 30);
    ng_spb(&b, d, 10, 40);
    ng_spb(&b, d, 30, 30);
    read_all(write_buf("spb_short.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 1);
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, "spb_short.pcapng: record 2: simple packet block at offset 100 holds 12 "
                          "bytes, fewer than its packet's 40"));

    /* one block each: (interface snaplen, bytes the block holds, original length) */
    static const struct {
        uint32_t snaplen, held, orig;
        const char *err; /* NULL: read, held bytes long */
    } one[] = {
        /* one byte short, no padding to take it from */
        { 64, 12, 13, "record 1: simple packet block at offset 52 holds 12 bytes, fewer than its "
                      "packet's 13" },
        { 0, 30, 30, NULL }, /* an interface without a snaplen: the original length, whole */
    };
    for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
        ng_shb(&b);
        ng_idb(&b, 1, one[i].snaplen, -1, 0);
        ng_spb(&b, d, one[i].held, one[i].orig);
        read_all(write_buf("spb_one.pcapng", &b), NULL, &o);
        CU_ASSERT_EQUAL(o.end_rc, one[i].err != NULL ? -1 : 0);
        CU_ASSERT_EQUAL_FATAL(o.n, one[i].err != NULL ? 0 : 1);
        if (one[i].err != NULL) {
            CU_ASSERT(has(&o.err, one[i].err));
        } else {
            CU_ASSERT_EQUAL(o.f[0].cap_len, one[i].held);
        }
    }
}

static void test_pcapng_skips_other_blocks(void)
{
    static const uint8_t d[8] = { 0x11 };
    struct buf b = { 0 };
    ng_shb(&b);
    ng_opaque(&b, 4, 8);           /* name resolution, before the IDB */
    ng_idb(&b, 1, 0, -1, 0);
    ng_opaque(&b, 0x12345678u, 20); /* unknown */
    ng_epb(&b, 0, 1, d, 8, 8);
    ng_opaque(&b, 0x00000BADu, 0);  /* custom, empty body */
    ng_opaque(&b, 5, 16);           /* interface statistics */
    ng_opaque(&b, 0x0000000Au, 4);  /* decryption secrets */
    ng_epb(&b, 0, 2, d, 8, 8);
    struct readout o;
    read_all(write_buf("skip.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL(o.n, 2);
    CU_ASSERT_EQUAL(o.f[1].record_no, 2);
}

static void test_pcapng_bad_trailing_length(void)
{
    static const uint8_t d[8] = { 0 };
    struct buf b = { 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 1, d, 8, 8);
    size_t off = b.len;
    ng_epb(&b, 0, 2, d, 8, 8);
    b.p[b.len - 4] ^= 0x40; /* trailing length of the second EPB */
    ng_epb(&b, 0, 3, d, 8, 8);
    char want[64];
    snprintf(want, sizeof(want), "trail.pcapng: block at offset %zu: ", off);
    struct readout o;
    read_all(write_buf("trail.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 1);
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, want));
    CU_ASSERT(has(&o.err, "trailing length"));

    /* a total length that is not a multiple of 4 */
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    off = b.len;
    ng_epb(&b, 0, 2, d, 8, 8);
    poke32(&b, off + 4, 46);
    snprintf(want, sizeof(want), "block at offset %zu: bad block total length 46", off);
    read_all(write_buf("len.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 0);
    CU_ASSERT(has(&o.err, want));
}

static void test_pcapng_truncated_record(void)
{
    static const uint8_t d[40] = { 0 };
    struct buf b = { 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 1, d, 40, 40);
    ng_epb(&b, 0, 2, d, 40, 40);
    ng_epb(&b, 0, 3, d, 40, 40);
    b.len -= 20;
    struct readout o;
    read_all(write_buf("cut.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 2);
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, "cut.pcapng: record 3: truncated"));

    /* cut inside a block header */
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 1, d, 40, 40);
    put32(&b, 6);
    put16(&b, 0);
    read_all(write_buf("cuthdr.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 1);
    CU_ASSERT(has(&o.err, "cuthdr.pcapng: record 2: truncated"));

    /* a block claiming 192 MiB in a short file: truncated, not an allocation */
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    put32(&b, 6);
    put32(&b, 192u << 20);
    put(&b, d, 40);
    read_all(write_buf("claim.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 0);
    CU_ASSERT(has(&o.err, "claim.pcapng: record 1: truncated block"));
    CU_ASSERT(has(&o.err, "48 of 201326592 bytes"));

    /* beyond the 256 MiB cap: refused outright */
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    put32(&b, 6);
    put32(&b, 0xFFFFFFF0u);
    put(&b, d, 40);
    read_all(write_buf("cap.pcapng", &b), NULL, &o);
    CU_ASSERT(has(&o.err, "bad block total length 4294967280"));
}

static void test_pcapng_caplen_over_snaplen(void)
{
    static const uint8_t d[200] = { 0 };
    struct buf b = { 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 128, -1, 0);
    ng_epb(&b, 0, 1, d, 128, 128);
    ng_epb(&b, 0, 2, d, 200, 200); /* libpcap 1.10 stops here; Wireshark reads it whole */
    ng_epb(&b, 0, 3, d, 60, 60);
    struct readout o;
    read_all(write_buf("snap.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 3);
    CU_ASSERT_EQUAL(o.f[1].cap_len, 200);
    CU_ASSERT_EQUAL(o.f[0].over_snaplen, false);
    CU_ASSERT_EQUAL(o.f[1].over_snaplen, true);
    CU_ASSERT_EQUAL(o.f[2].over_snaplen, false);
    CU_ASSERT_EQUAL(o.info.frames_over_snaplen, 1);
    CU_ASSERT_EQUAL(o.info.first_over_snaplen, 2);
    /* an interface without a snaplen (0) marks nothing */
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 1, d, 200, 200);
    read_all(write_buf("snap0.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL_FATAL(o.n, 1);
    CU_ASSERT_EQUAL(o.f[0].over_snaplen, false);
    CU_ASSERT_EQUAL(o.info.frames_over_snaplen, 0);
    /* an SPB's captured length is the snaplen at most: never over it */
    ng_shb(&b);
    ng_idb(&b, 1, 64, -1, 0);
    ng_spb(&b, d, 64, 200);
    read_all(write_buf("snap_spb.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL_FATAL(o.n, 1);
    CU_ASSERT_EQUAL(o.f[0].cap_len, 64);
    CU_ASSERT_EQUAL(o.f[0].over_snaplen, false);

    /* an EPB whose caplen claims more than its block holds */
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    size_t off = b.len;
    ng_epb(&b, 0, 1, d, 20, 20);
    poke32(&b, off + 20, 5000);
    read_all(write_buf("room.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.n, 0);
    CU_ASSERT(has(&o.err, "room.pcapng: record 1: captured length 5000"));
}

/* ---- file-level errors ---- */

static void test_not_a_capture(void)
{
    struct readout o;
    read_all(write_file("notes.pcap", "hello world\n", 12), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "notes.pcap: not a pcap or pcapng capture (magic 0x68656c6c)"));
}

/* Compressed with a tool sockscope does not decompress (lz4's legacy format:
 * not its frames): said so, with what to do instead. */
static void test_other_compressors(void)
{
    static const struct {
        const char *name;
        uint8_t head[8];
        const char *what, *tool;
    } cases[] = {
        {"c.pcap.lz4", {0x02, 0x21, 0x4c, 0x18, 0x64, 0x40, 0xa7, 0}, "lz4-compressed in the legacy format (lz4 -l)", "lz4"},
        {"c.pcap.xz", {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04}, "xz-compressed", "xz"},
        {"c.pcap.bz2", {'B', 'Z', 'h', '9', 0x31, 0x41, 0x59, 0x26}, "bzip2-compressed", "bzip2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct readout o;
        read_all(write_file(cases[i].name, cases[i].head, sizeof(cases[i].head)), NULL, &o);
        CU_ASSERT_EQUAL(o.open_rc, -1);
        char want[256];
        snprintf(want, sizeof(want),
                 "%s: %s, which sockscope does not decompress: decompress it first, as in "
                 "%s -dc FILE | sockscope -r -",
                 cases[i].name, cases[i].what, cases[i].tool);
        CU_ASSERT(has(&o.err, want));
    }
    /* "BZh" without a block size digit is not bzip2 */
    struct readout o;
    read_all(write_file("bzh.bin", "BZhx....", 8), NULL, &o);
    CU_ASSERT(has(&o.err, "not a pcap or pcapng capture (magic 0x425a6878)"));
}

static void test_missing_file(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/does-not-exist.pcap", tmpdir);
    struct readout o;
    read_all(path, NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    char want[192];
    snprintf(want, sizeof(want), "%s: No such file or directory", path);
    CU_ASSERT_STRING_EQUAL(o.err.msg, want);
}

static void test_empty_and_short_headers(void)
{
    struct readout o;
    read_all(write_file("empty.pcap", "", 0), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "empty.pcap: truncated file header"));

    read_all(write_file("two.pcap", "\xd4\xc3", 2), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "two.pcap: truncated file header"));

    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 1);
    b.len = 20;
    read_all(write_buf("short.pcap", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "short.pcap: truncated file header"));

    ng_shb(&b);
    b.len = 16;
    read_all(write_buf("short.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "short.pcapng: truncated file header"));

    ng_shb(&b); /* a whole SHB, then nothing */
    read_all(write_buf("shbonly.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "shbonly.pcapng: no interface description block"));

    ng_shb(&b); /* an IDB and no packets: a valid empty capture */
    ng_idb(&b, 1, 0, -1, 0);
    read_all(write_buf("nopackets.pcapng", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL(o.n, 0);
}

/* ---- BPF ---- */

static void test_filter_ethernet_and_raw_ip(void)
{
    uint8_t p[80];
    struct buf b = { 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_idb(&b, 101, 0, -1, 0);
    size_t n = eth_packet(p, 6, 40000, 80);
    ng_epb(&b, 0, 1, p, (uint32_t)n, (uint32_t)n); /* 1 match */
    n = eth_packet(p, 6, 40000, 22);
    ng_epb(&b, 0, 2, p, (uint32_t)n, (uint32_t)n);
    n = ip_packet(p, 6, 80, 40001);
    ng_epb(&b, 1, 3, p, (uint32_t)n, (uint32_t)n); /* 3 match */
    n = ip_packet(p, 17, 40002, 80);
    ng_epb(&b, 1, 4, p, (uint32_t)n, (uint32_t)n);
    n = eth_packet(p, 17, 40003, 80);
    ng_epb(&b, 0, 5, p, (uint32_t)n, (uint32_t)n);
    n = ip_packet(p, 6, 1234, 80);
    ng_epb(&b, 1, 6, p, (uint32_t)n, (uint32_t)n); /* 6 match */
    const char *path = write_buf("bpf.pcapng", &b);

    struct readout o;
    read_all(path, "tcp port 80", &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 3);
    CU_ASSERT_EQUAL(o.f[0].record_no, 1);
    CU_ASSERT_EQUAL(o.f[0].linktype, 1);
    CU_ASSERT_EQUAL(o.f[1].record_no, 3);
    CU_ASSERT_EQUAL(o.f[1].linktype, 101);
    CU_ASSERT_EQUAL(o.f[2].record_no, 6);
    CU_ASSERT_EQUAL(o.info.frames_read, 6);
    CU_ASSERT_EQUAL(o.info.frames_filtered_out, 3);

    read_all(path, "", &o); /* empty expression: no filter */
    CU_ASSERT_EQUAL(o.n, 6);

    read_all(path, "udp", &o);
    CU_ASSERT_EQUAL(o.n, 2);
    CU_ASSERT_EQUAL(o.info.frames_filtered_out, 4);
}

static void test_filter_classic_pcap(void)
{
    uint8_t p[80];
    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 101);
    size_t n = ip_packet(p, 6, 80, 9);
    put32(&b, 1); put32(&b, 0); put32(&b, (uint32_t)n); put32(&b, (uint32_t)n);
    put(&b, p, n);
    n = ip_packet(p, 6, 81, 9);
    put32(&b, 2); put32(&b, 0); put32(&b, (uint32_t)n); put32(&b, (uint32_t)n);
    put(&b, p, n);
    struct readout o;
    read_all(write_buf("bpf.pcap", &b), "tcp src port 81", &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(o.n, 1);
    CU_ASSERT_EQUAL(o.f[0].record_no, 2);
    CU_ASSERT_EQUAL(o.f[0].linktype, 101);
    CU_ASSERT_EQUAL(o.info.frames_filtered_out, 1);
}

static void test_bad_filter(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 1);
    pcap_record(&b, 1, 0, 60, 60, 0);
    struct readout o;
    read_all(write_buf("badbpf.pcap", &b), "tcp port", &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "bad filter expression: "));
    CU_ASSERT(strlen(o.err.msg) > strlen("bad filter expression: "));
}

static void test_filter_unsupported_later_interface(void)
{
    static const uint8_t d[40] = { 0 };
    struct buf b = { 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 1, d, 40, 40);
    ng_idb(&b, 65000, 0, -1, 0); /* no BPF support in libpcap */
    ng_epb(&b, 1, 2, d, 40, 40);
    struct readout o;
    read_all(write_buf("lt65000.pcapng", &b), "ip", &o);
    CU_ASSERT_EQUAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.n, 0); /* record 1 is all zeroes: not IP */
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, "lt65000.pcapng: record 2: "));
    CU_ASSERT(has(&o.err, "65000"));
    /* record 1 was read and filtered out; record 2, which the filter could
     * not judge, is neither: inputs[].frames (read - filtered out) is 0 */
    CU_ASSERT_EQUAL(o.info.frames_read, 1);
    CU_ASSERT_EQUAL(o.info.frames_filtered_out, 1);
}

/* ---- stdin ---- */

/* In a child: fd 0 is replaced by fd, the capture "-" is read; the exit
 * status encodes the frame count (or 100 + reason on failure). */
static int read_stdin_in_child(int fd, const char *expect_err)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(fd, 0) < 0)
            _exit(100);
        struct capture *cap;
        struct ss_err err;
        if (capture_open_file(&cap, "-", NULL, &err) != 0) {
            bool ok = expect_err != NULL && strstr(err.msg, expect_err) != NULL;
            _exit(ok ? 0 : 101);
        }
        if (strcmp(capture_get_info(cap)->path, "-") != 0)
            _exit(102);
        struct capture_frame f;
        int n = 0, rc;
        while ((rc = capture_next(cap, &f, &err)) == 1)
            n++;
        capture_close(cap);
        _exit(rc == 0 && expect_err == NULL ? n : 103);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void test_stdin_file(void)
{
    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 1);
    for (uint32_t i = 0; i < 7; i++)
        pcap_record(&b, i, 0, 60, 60, 0);
    const char *path = write_buf("stdin.pcap", &b);
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(read_stdin_in_child(fileno(f), NULL), 7);
    fclose(f);

    f = fopen(write_file("stdin.txt", "GIF89a..", 8), "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(read_stdin_in_child(fileno(f), "stdin: not a pcap or pcapng capture"), 0);
    fclose(f);
}

/* A pcapng section of one Ethernet interface and 9 frames of 40 bytes
 * (byte 0: first). */
static void ng_nine_frames(struct buf *b, uint8_t first)
{
    uint8_t d[40] = { first };
    ng_shb(b);
    ng_idb(b, 1, 0, -1, 0);
    for (uint32_t i = 0; i < 9; i++)
        ng_epb(b, 0, i, d, 40, 40);
}

/* o read ng_nine_frames's section whole, decompressed by codec. */
static void check_nine_frames(const struct readout *o, const char *codec)
{
    CU_ASSERT_EQUAL(o->open_rc, 0);
    CU_ASSERT_EQUAL(o->end_rc, 0);
    CU_ASSERT_EQUAL(o->n, 9);
    CU_ASSERT_EQUAL(o->info.format, CAPTURE_PCAPNG);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o->info.compression);
    CU_ASSERT_STRING_EQUAL(o->info.compression, codec);
}

static void test_stdin_pipe_pcapng(void)
{
    struct buf b = { 0 };
    ng_nine_frames(&b, 0);
    CU_ASSERT_FATAL(b.len < 4096); /* fits in the pipe: no deadlock */
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    CU_ASSERT_EQUAL(write(fds[1], b.p, b.len), (ssize_t)b.len);
    close(fds[1]);
    CU_ASSERT_EQUAL(read_stdin_in_child(fds[0], NULL), 9);
    close(fds[0]);
    free(b.p);
}

/* ---- gzip-compressed files ---- */

/* Writes out[0..n) (freed) to name and empties b, whose bytes they compress. */
static const char *write_packed(const char *name, struct buf *b, uint8_t *out, size_t n)
{
    const char *path = write_file(name, out, n);
    free(out);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    return path;
}

/* b's bytes gzip-compressed (b is emptied), written to name. */
static const char *write_gzip(const char *name, struct buf *b)
{
    size_t cap = b->len + 1024;
    uint8_t *out = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    CU_ASSERT_FATAL(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    zs.next_in = b->p;
    zs.avail_in = (uInt)b->len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    CU_ASSERT_FATAL(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    size_t n = cap - zs.avail_out;
    deflateEnd(&zs);
    return write_packed(name, b, out, n);
}

/* A gzip-compressed capture reads as the capture itself: classic pcap (with a
 * filter) and pcapng, the format told by the magic inside, whatever the name. */
static void test_gzip_capture(void)
{
    struct buf b = { 0 };
    struct readout plain, gz;
    pcap_header(&b, false, 65535, 1);
    for (uint32_t i = 0; i < 20; i++)
        pcap_record(&b, 1700000000 + i, i, 60, 1514, (uint8_t)i);
    struct buf copy = { .p = malloc(b.len), .len = b.len, .cap = b.len };
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy.p);
    memcpy(copy.p, b.p, b.len);
    read_all(write_buf("plain.pcap", &b), NULL, &plain);
    read_all(write_gzip("capture.bin", &copy), NULL, &gz);
    CU_ASSERT_EQUAL(gz.open_rc, 0);
    CU_ASSERT_EQUAL(gz.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(gz.n, 20);
    CU_ASSERT_PTR_NULL(plain.info.compression);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gz.info.compression);
    CU_ASSERT_STRING_EQUAL(gz.info.compression, "gzip");
    CU_ASSERT_EQUAL(gz.info.format, CAPTURE_PCAP);
    for (int i = 0; i < 20; i++) {
        CU_ASSERT_EQUAL(gz.f[i].ts_ns, plain.f[i].ts_ns);
        CU_ASSERT_EQUAL(gz.f[i].wire_len, 1514);
        CU_ASSERT_EQUAL(gz.f[i].cap_len, 60);
        CU_ASSERT_EQUAL(gz.byte0[i], (uint8_t)i);
    }

    uint8_t p[80];
    b.be = true;
    pcap_header(&b, true, 65535, 101);
    size_t n = ip_packet(p, 6, 80, 9);
    put32(&b, 1); put32(&b, 0); put32(&b, (uint32_t)n); put32(&b, (uint32_t)n);
    put(&b, p, n);
    n = ip_packet(p, 6, 81, 9);
    put32(&b, 2); put32(&b, 0); put32(&b, (uint32_t)n); put32(&b, (uint32_t)n);
    put(&b, p, n);
    read_all(write_gzip("bpf.pcap.gz", &b), "tcp src port 81", &gz);
    CU_ASSERT_EQUAL(gz.end_rc, 0);
    CU_ASSERT_EQUAL_FATAL(gz.n, 1);
    CU_ASSERT_EQUAL(gz.f[0].record_no, 2);
    CU_ASSERT(gz.info.big_endian);
    CU_ASSERT(gz.info.nanosecond);
    CU_ASSERT_EQUAL(gz.info.frames_filtered_out, 1);
    b.be = false;

    ng_nine_frames(&b, 0x45);
    read_all(write_gzip("ng.pcapng.gz", &b), NULL, &gz);
    check_nine_frames(&gz, "gzip");
}

/* b's bytes zstd-compressed (b is emptied), written to name. */
static const char *write_zstd(const char *name, struct buf *b)
{
    size_t cap = ZSTD_compressBound(b->len);
    uint8_t *out = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    size_t n = ZSTD_compress(out, cap, b->p, b->len, 3);
    CU_ASSERT_FATAL(!ZSTD_isError(n));
    return write_packed(name, b, out, n);
}

/* A zstd-compressed capture reads as the capture itself; what is not one
 * inside says so. */
static void test_zstd_capture(void)
{
    struct buf b = { 0 };
    struct readout o;
    ng_nine_frames(&b, 0x45);
    read_all(write_zstd("ng.pcapng.zst", &b), NULL, &o);
    check_nine_frames(&o, "zstd");
    put(&b, "hello world\n", 12);
    read_all(write_zstd("notes.zst", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "notes.zst: not a pcap or pcapng capture (zstd-compressed, magic 0x68656c6c)"));
}

/* b's bytes lz4-compressed (b is emptied) in 64 KiB blocks, after a
 * skippable frame when skip_first, written to name. */
static const char *write_lz4(const char *name, struct buf *b, bool skip_first)
{
    static const uint8_t skip[] = {0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'};
    size_t head = skip_first ? sizeof(skip) : 0;
    size_t cap = head + LZ4F_compressFrameBound(b->len, NULL);
    uint8_t *out = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    memcpy(out, skip, head);
    size_t n = LZ4F_compressFrame(out + head, cap - head, b->p, b->len, NULL);
    CU_ASSERT_FATAL(!LZ4F_isError(n));
    return write_packed(name, b, out, head + n);
}

/* An lz4-compressed capture reads as the capture itself, from a file or from
 * standard input, a skippable frame before it or not; what is not one inside
 * says so; a capture cut in its compressed bytes keeps the frames of its
 * whole blocks. */
static void test_lz4_capture(void)
{
    struct buf b = { 0 };
    struct readout o;
    ng_nine_frames(&b, 0x45);
    read_all(write_lz4("ng.pcapng.lz4", &b, false), NULL, &o);
    check_nine_frames(&o, "lz4");

    pcap_header(&b, false, 65535, 1);
    for (uint32_t i = 0; i < 7; i++)
        pcap_record(&b, i, 0, 60, 60, 0);
    const char *path = write_lz4("skip.pcap.lz4", &b, true);
    read_all(path, NULL, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL(o.n, 7);
    CU_ASSERT_STRING_EQUAL(o.info.compression, "lz4");
    /* through a pipe whose first read has only the skippable frame's magic:
     * the sniff waits for the frame after it */
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t whole[4096];
    size_t whole_len = fread(whole, 1, sizeof(whole), f);
    fclose(f);
    CU_ASSERT_FATAL(whole_len > 16 && whole_len < sizeof(whole));
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    pid_t writer = fork();
    CU_ASSERT_FATAL(writer >= 0);
    if (writer == 0) {
        close(fds[0]);
        bool ok = write(fds[1], whole, 4) == 4;
        usleep(100 * 1000);
        ok = ok && write(fds[1], whole + 4, whole_len - 4) == (ssize_t)(whole_len - 4);
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    CU_ASSERT_EQUAL(read_stdin_in_child(fds[0], NULL), 7);
    close(fds[0]);
    int status = 0;
    CU_ASSERT(waitpid(writer, &status, 0) == writer && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* 300 records of 1,000 bytes, cut in the fourth 64 KiB block's bytes:
     * the frames of the first three blocks, then the damage */
    pcap_header(&b, false, 65535, 1);
    for (uint32_t i = 0; i < 300; i++)
        pcap_record(&b, i, 0, 1000, 1000, (uint8_t)(i * 37));
    size_t raw_len = b.len;
    uint8_t *raw = malloc(raw_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
    memcpy(raw, b.p, raw_len);
    struct buf z = { 0 };
    path = write_lz4("cut.pcap.lz4", &b, false);
    f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t *packed = malloc(raw_len + 4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(packed);
    size_t packed_len = fread(packed, 1, raw_len + 4096, f);
    fclose(f);
    put(&z, packed, packed_len * 7 / 10);
    read_all(write_buf("cut.pcap.lz4", &z), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, "cut.pcap.lz4: lz4: truncated compressed data"));
    CU_ASSERT(o.n >= 3 * 65536 / 1016 - 1 && o.n < 300);
    free(packed);
    free(raw);

    put(&b, "hello world\n", 12);
    read_all(write_lz4("notes.lz4", &b, false), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "notes.lz4: not a pcap or pcapng capture (lz4-compressed, magic 0x68656c6c)"));
}

/* What is not a capture, or is cut short, inside gzip: said so, with what was
 * read before the damage kept. */
static void test_gzip_damage(void)
{
    struct buf b = { 0 };
    struct readout o;
    put(&b, "hello world\n", 12);
    read_all(write_gzip("notes.gz", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "notes.gz: not a pcap or pcapng capture (gzip-compressed, magic 0x68656c6c)"));

    put(&b, "\xd4\xc3", 2);
    read_all(write_gzip("two.gz", &b), NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, -1);
    CU_ASSERT(has(&o.err, "two.gz: truncated file header (gzip-compressed)"));

    /* a gzip file cut in its third record's compressed bytes: two frames,
     * then the gzip damage rather than a truncated record */
    pcap_header(&b, false, 65535, 1);
    for (uint32_t i = 0; i < 3; i++)
        pcap_record(&b, i, 0, 1000, 1000, (uint8_t)i);
    uint8_t *raw = malloc(b.len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
    /* incompressible record data, so that the cut falls inside the third */
    uint32_t x = 12345;
    for (size_t i = 0; i < b.len; i++) {
        x = x * 1103515245u + 12345u;
        raw[i] = (uint8_t)(x >> 24);
    }
    memcpy(raw, b.p, 24);                   /* the file header */
    for (size_t r = 0; r < 3; r++)          /* each record's header and first byte */
        memcpy(raw + 24 + r * 1016, b.p + 24 + r * 1016, 17);
    memcpy(b.p, raw, b.len);
    free(raw);
    const char *path = write_gzip("cut.pcap.gz", &b);
    FILE *f = fopen(path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    fclose(f);
    CU_ASSERT_FATAL(len > 2600);
    CU_ASSERT_EQUAL(truncate(path, len - 500), 0);
    read_all(path, NULL, &o);
    CU_ASSERT_EQUAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.n, 2);
    CU_ASSERT_EQUAL(o.end_rc, -1);
    CU_ASSERT(has(&o.err, "cut.pcap.gz: gzip: truncated compressed data"));
}

/* ---- merges ---- */

/* Opens path (asserting it opens) for a merge. */
static struct capture *open_part(const char *path, const char *bpf)
{
    struct capture *cap = NULL;
    struct ss_err err;
    CU_ASSERT_EQUAL_FATAL(capture_open_file(&cap, path, bpf, &err), 0);
    return cap;
}

/* Three files interleaved by timestamp: the earliest next frame each time, the
 * first file's on a tie, each file's frames in their own order even when one
 * steps back; a pcapng part among pcap ones; every frame's bytes its own. */
static void test_merge_order(void)
{
    struct buf b = { 0 };
    /* (second, first byte): the byte names the file (0x10, 0x20, 0x30) and the frame */
    pcap_header(&b, false, 65535, 1);
    pcap_record(&b, 1, 0, 20, 20, 0x10);
    pcap_record(&b, 3, 0, 20, 20, 0x11);
    pcap_record(&b, 3, 0, 20, 20, 0x12);
    pcap_record(&b, 9, 0, 20, 20, 0x13);
    char a[160], c[160];
    snprintf(a, sizeof(a), "%s", write_buf("m-a.pcap", &b));
    pcap_header(&b, true, 65535, 1); /* nanoseconds */
    pcap_record(&b, 2, 0, 30, 30, 0x20);
    pcap_record(&b, 3, 0, 30, 30, 0x21);  /* ties with a's two: after them */
    pcap_record(&b, 1, 500, 30, 30, 0x22); /* steps back: still after 0x21 */
    pcap_record(&b, 10, 0, 30, 30, 0x23);
    const char *bp = write_buf("m-b.pcap", &b);
    char bpath[160];
    snprintf(bpath, sizeof(bpath), "%s", bp);
    static const uint8_t d[40] = { 0x30 };
    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 4000000, d, 40, 40); /* 4 s (microseconds) */
    snprintf(c, sizeof(c), "%s", write_buf("m-c.pcapng", &b));

    struct capture *parts[3] = { open_part(a, NULL), open_part(bpath, NULL), open_part(c, NULL) };
    struct capture *m;
    struct ss_err err;
    CU_ASSERT_EQUAL_FATAL(capture_open_merge(&m, parts, 3, &err), 0);
    static const uint8_t want[] = { 0x10, 0x20, 0x11, 0x12, 0x21, 0x22, 0x30, 0x13, 0x23 };
    struct capture_frame f;
    size_t n = 0;
    int rc;
    while ((rc = capture_next(m, &f, &err)) == 1) {
        CU_ASSERT_FATAL(n < sizeof(want));
        CU_ASSERT_EQUAL(f.data[0], want[n]);
        uint32_t len = want[n] >> 4 == 1 ? 20 : want[n] >> 4 == 2 ? 30 : 40;
        CU_ASSERT_EQUAL(f.cap_len, len);
        if (want[n] >> 4 != 3)
            CU_ASSERT_EQUAL(f.data[len - 1], (uint8_t)(want[n] + len - 1)); /* its own bytes */
        n++;
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(n, sizeof(want));
    CU_ASSERT_EQUAL(capture_next(m, &f, &err), 0); /* the end, again */
    CU_ASSERT_EQUAL(capture_get_info(m)->frames_read, 9);
    capture_close(m);
}

/* Each part keeps its filter: the merge's filtered-out count is the parts'
 * sum. A part that fails ends the merge with its message where the merge
 * reads it (the frames handed out are those before that part's next one);
 * the failure is sticky. */
static void test_merge_filter_and_damage(void)
{
    uint8_t p[80];
    struct buf b = { 0 };
    pcap_header(&b, false, 65535, 101);
    for (uint32_t i = 0; i < 4; i++) {
        size_t n = ip_packet(p, 6, (uint16_t)(80 + i % 2), 9);
        put32(&b, 2 * i); put32(&b, 0); put32(&b, (uint32_t)n); put32(&b, (uint32_t)n);
        put(&b, p, n);
    }
    char a[160];
    snprintf(a, sizeof(a), "%s", write_buf("mf-a.pcap", &b));
    pcap_header(&b, false, 65535, 101);
    for (uint32_t i = 0; i < 4; i++) {
        size_t n = ip_packet(p, 6, (uint16_t)(80 + i % 2), 9);
        put32(&b, 2 * i + 1); put32(&b, 0); put32(&b, (uint32_t)n); put32(&b, (uint32_t)n);
        put(&b, p, n);
    }
    b.len -= 10; /* the fourth record cut */
    const char *cut = write_buf("mf-b.pcap", &b);
    struct capture *parts[2] = { open_part(a, "tcp src port 81"), open_part(cut, "tcp src port 81") };
    struct capture *m;
    struct ss_err err;
    CU_ASSERT_EQUAL_FATAL(capture_open_merge(&m, parts, 2, &err), 0);
    struct capture_frame f;
    int rc, n = 0;
    uint64_t ts[8];
    while ((rc = capture_next(m, &f, &err)) == 1 && n < 8)
        ts[n++] = f.ts_ns / NS;
    /* a's port-81 frames at 2 and 6 s, b's at 3 s; b's fourth record (7 s) is
     * cut. Which comes after 3 s is known only by reading b on: the damage
     * ends the merge there, before a's 6 s */
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_EQUAL(ts[0], 2);
    CU_ASSERT_EQUAL(ts[1], 3);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT(has(&err, "mf-b.pcap: record 4: "));
    struct ss_err again;
    CU_ASSERT_EQUAL(capture_next(m, &f, &again), -1);
    CU_ASSERT_STRING_EQUAL(again.msg, err.msg);
    CU_ASSERT_EQUAL(capture_get_info(m)->frames_filtered_out, 4); /* 0, 1, 4 and 5 s */
    capture_close(m);
}

/* ---- already-open streams ---- */

/* Reads a whole stream; returns the number of frames, or -1 if opening failed
 * (message in *err). The last frame's first byte goes to *last_byte0. */
static int read_stream(FILE *fp, const char *name, const char *bpf, struct ss_err *err,
                       struct capture_info *info, uint8_t *last_byte0)
{
    struct capture *cap = NULL;
    if (capture_open_stream(&cap, fp, name, bpf, err) != 0) {
        CU_ASSERT_PTR_NULL(cap);
        return -1;
    }
    struct capture_frame f;
    int n = 0, rc;
    while ((rc = capture_next(cap, &f, err)) == 1) {
        *last_byte0 = f.cap_len > 0 ? f.data[0] : 0;
        n++;
    }
    CU_ASSERT_EQUAL(rc, 0);
    *info = *capture_get_info(cap);
    CU_ASSERT_STRING_EQUAL(info->path, name != NULL ? name : "stream");
    info->path = NULL; /* freed by capture_close */
    capture_close(cap);
    return n;
}

static void test_open_stream(void)
{
    struct ss_err err;
    struct capture_info info;
    uint8_t byte0 = 0;

    /* classic pcap (big-endian, nanoseconds) from memory, with a filter */
    uint8_t pkt[64];
    struct buf b = { .be = true };
    pcap_header(&b, true, 65535, 1);
    for (uint16_t i = 0; i < 5; i++) {
        size_t n = eth_packet(pkt, i % 2 ? 17 : 6, 1000, (uint16_t)(80 + i));
        pkt[0] = (uint8_t)(0x40 + i); /* destination MAC byte marks the record */
        put32(&b, i);
        put32(&b, 0);
        put32(&b, (uint32_t)n);
        put32(&b, (uint32_t)n);
        put(&b, pkt, n);
    }
    FILE *fp = fmemopen(b.p, b.len, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(read_stream(fp, "mem.pcap", NULL, &err, &info, &byte0), 5);
    CU_ASSERT_EQUAL(info.format, CAPTURE_PCAP);
    CU_ASSERT(info.big_endian);
    CU_ASSERT(info.nanosecond);
    CU_ASSERT_EQUAL(byte0, 0x44);
    /* the stream stays open and usable: rewind and read again, filtered */
    CU_ASSERT_EQUAL(fseek(fp, 0, SEEK_SET), 0);
    CU_ASSERT_EQUAL(read_stream(fp, "mem.pcap", "udp", &err, &info, &byte0), 2);
    CU_ASSERT_EQUAL(info.frames_read, 5);
    CU_ASSERT_EQUAL(info.frames_filtered_out, 3);
    CU_ASSERT_EQUAL(byte0, 0x43);
    fclose(fp);
    free(b.p);

    /* pcapng from memory, starting at the stream's current position */
    static const uint8_t d[40] = { 0x77 };
    struct buf g = { 0 };
    put(&g, "JUNK", 4);
    ng_shb(&g);
    ng_idb(&g, 1, 0, -1, 0);
    for (uint32_t i = 0; i < 3; i++)
        ng_epb(&g, 0, i, d, 40, 40);
    fp = fmemopen(g.p, g.len, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(fseek(fp, 4, SEEK_SET), 0);
    CU_ASSERT_EQUAL(read_stream(fp, NULL, NULL, &err, &info, &byte0), 3);
    CU_ASSERT_EQUAL(info.format, CAPTURE_PCAPNG);
    CU_ASSERT_EQUAL(byte0, 0x77);
    /* from offset 0 the junk is the magic, and the name shows in the message */
    CU_ASSERT_EQUAL(fseek(fp, 0, SEEK_SET), 0);
    CU_ASSERT_EQUAL(read_stream(fp, "fuzz-input", NULL, &err, &info, &byte0), -1);
    CU_ASSERT(has(&err, "fuzz-input: not a pcap or pcapng capture (magic 0x4a554e4b)"));
    fclose(fp);

    /* an empty stream, and a bad filter on a good one */
    fp = fmemopen(g.p, 3, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(read_stream(fp, "tiny", NULL, &err, &info, &byte0), -1);
    CU_ASSERT(has(&err, "tiny: truncated file header"));
    fclose(fp);
    fp = fmemopen(g.p + 4, g.len - 4, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL(read_stream(fp, "ng", "port port", &err, &info, &byte0), -1);
    CU_ASSERT(has(&err, "bad filter expression"));
    fclose(fp);
    free(g.p);

    struct capture *cap = (struct capture *)&err; /* must be reset to NULL */
    CU_ASSERT_EQUAL(capture_open_stream(&cap, NULL, "none", NULL, &err), -1);
    CU_ASSERT_PTR_NULL(cap);
    CU_ASSERT(has(&err, "none: no stream"));
}

static int make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_capture.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "pcap usec little-endian", test_pcap_usec_le },
        { "pcap usec big-endian", test_pcap_usec_be },
        { "pcap nsec little-endian", test_pcap_nsec_le },
        { "pcap nsec big-endian", test_pcap_nsec_be },
        { "pcap FCS bits in LinkType masked", test_pcap_fcs_bits_masked },
        { "pcap truncated record", test_pcap_truncated_record },
        { "pcap caplen > snaplen", test_pcap_caplen_over_snaplen },
        { "pcap lengths swapped (format 2.0-2.3)", test_pcap_swapped_lengths },
        { "pcap caplen > 262144", test_pcap_caplen_over_libpcap_max },
        { "pcapng LE resolutions and offsets", test_pcapng_le },
        { "pcapng BE resolutions and offsets", test_pcapng_be },
        { "pcapng two sections renumber interfaces", test_pcapng_two_sections },
        { "pcapng six link types", test_pcapng_six_linktypes },
        { "pcapng simple packet blocks", test_pcapng_spb },
        { "pcapng skips other blocks", test_pcapng_skips_other_blocks },
        { "pcapng bad block length", test_pcapng_bad_trailing_length },
        { "pcapng truncated record", test_pcapng_truncated_record },
        { "pcapng caplen > snaplen or block", test_pcapng_caplen_over_snaplen },
        { "pcapng times outside 1970-2554 clamped and counted", test_pcapng_time_out_of_range },
        { "pcap fraction of a second out of range: carried, counted", test_pcap_fraction_out_of_range },
        { "Kuznetzov's modified pcap", test_pcap_kuznetzov },
        { "not a capture", test_not_a_capture },
        { "compressed by a tool not decompressed", test_other_compressors },
        { "missing file", test_missing_file },
        { "empty file and short headers", test_empty_and_short_headers },
        { "BPF on Ethernet and raw IP in one pcapng", test_filter_ethernet_and_raw_ip },
        { "BPF on a classic pcap", test_filter_classic_pcap },
        { "bad filter expression", test_bad_filter },
        { "BPF on a link type libpcap cannot filter", test_filter_unsupported_later_interface },
        { "stdin from a file", test_stdin_file },
        { "stdin from a pipe (pcapng)", test_stdin_pipe_pcapng },
        { "already-open streams (fmemopen)", test_open_stream },
        { "gzip-compressed pcap and pcapng", test_gzip_capture },
        { "gzip-compressed damage", test_gzip_damage },
        { "zstd-compressed pcapng, and not a capture", test_zstd_capture },
        { "lz4-compressed pcap and pcapng, a skippable frame first, cut", test_lz4_capture },
        { "merge: interleaved by timestamp, ties by part", test_merge_order },
        { "merge: each part's filter, a part's damage", test_merge_filter_and_damage },
        { NULL, NULL },
    };
    CU_pSuite s = CU_add_suite("capture", make_tmpdir, remove_tmpdir);
    if (s == NULL)
        return -1;
    for (const struct test_entry *t = tests; t->name != NULL; t++)
        if (CU_add_test(s, t->name, t->fn) == NULL)
            return -1;
    return 0;
}
