/* test_capture_libpcap.c - damaged copies of the samples, read by libpcap
 * 1.10 and by the capture front end side by side (libpcap_compare.h): the
 * same records, the same point of failure, but where they part by design.
 * The copies are made by a fixed pseudo-random sequence (bytes and words set
 * to edge values, files cut short), so every run reads the same files; a
 * copy that differs is written out for replay. A comparison with libpcap over
 * fuzzed inputs found the simple packet block case (session 18); this keeps
 * the readers there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "libpcap_compare.h"

#define COPIES_PER_SAMPLE 400

static const char *const samples[] = {
    "synthetic.pcap", "lifecycle.pcap", "tunnels.pcap", "udp-services.pcap",
    "port-vs-socket-client.pcap", "port-vs-socket-server.pcap", "mixed-link.pcapng",
    NULL, /* simple_blocks() */
};

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A pcapng file of the blocks the samples do not have: simple packet blocks
 * (one cut by the snaplen of 64), between enhanced ones. */
static unsigned char *simple_blocks(size_t *len)
{
    static const uint32_t shb[] = { 0x0A0D0D0Au, 28, 0x1A2B3C4Du, 0x00000001u, 0xFFFFFFFFu,
                                    0xFFFFFFFFu, 28 };
    static const uint32_t idb[] = { 1, 20, 0x00000001u, 64, 20 }; /* Ethernet, snaplen 64 */
    unsigned char *b = calloc(1, 512);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    size_t n = 0;
    for (size_t i = 0; i < 7; i++, n += 4)
        put_le32(b + n, shb[i]);
    for (size_t i = 0; i < 5; i++, n += 4)
        put_le32(b + n, idb[i]);
    static const uint32_t packets[][2] = { { 6, 60 }, { 3, 60 }, { 3, 100 }, { 6, 42 }, { 3, 30 } };
    for (size_t k = 0; k < 5; k++) {
        uint32_t type = packets[k][0], orig = packets[k][1];
        uint32_t cap = orig > 64 ? 64 : orig, data = (cap + 3) / 4 * 4;
        uint32_t head = type == 6 ? 28 : 12, total = head + data + 4;
        put_le32(b + n, type);
        put_le32(b + n + 4, total);
        if (type == 6) {
            put_le32(b + n + 12, (uint32_t)k * 1000); /* timestamp low, microseconds */
            put_le32(b + n + 20, cap);
            put_le32(b + n + 24, orig);
        } else {
            put_le32(b + n + 8, orig);
        }
        for (uint32_t i = 0; i < cap; i++)
            b[n + head + i] = (unsigned char)(0x40 + k + i);
        put_le32(b + n + total - 4, total);
        n += total;
    }
    *len = n;
    return b;
}

static uint64_t rng_state;

static uint32_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static unsigned char *read_sample(const char *name, size_t *len)
{
    const char *src = getenv("SOCKSCOPE_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/samples/%s", src != NULL ? src : ".", name);
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    CU_ASSERT_FATAL(n > 0);
    unsigned char *b = malloc((size_t)n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_FATAL(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* One to three damages to b[0..*len): a byte set, a word set to an edge
 * value (in the first 64 bytes, where the headers are, half the time), or
 * the file cut short. */
static void damage(unsigned char *b, size_t *len)
{
    static const uint32_t edges[] = { 0, 1, 0xFFFFFFFFu, 0x80000000u, 0x7FFFFFFFu, 14, 54, 64,
                                      999999, 1000000, 1000000000, 262144, 262145, 65535 };
    unsigned n = 1 + rng() % 3;
    for (unsigned i = 0; i < n && *len > 8; i++) {
        size_t span = rng() % 2 ? (*len < 64 ? *len : 64) : *len;
        size_t at = rng() % span;
        switch (rng() % 4) {
        case 0:
            b[at] = (uint8_t)rng();
            break;
        case 1:
        case 2:
            if (at + 4 <= *len) {
                uint32_t v = edges[rng() % (sizeof(edges) / sizeof(edges[0]))];
                memcpy(b + at, &v, 4);
            }
            break;
        default:
            *len = at;
            break;
        }
    }
}

static void test_damaged_samples(void)
{
    char dir[] = "/tmp/test_capture_libpcap.XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[4096];
    snprintf(path, sizeof(path), "%s/copy", dir);
    unsigned long compared = 0, refused = 0, records = 0, differ = 0;
    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        size_t orig_len;
        unsigned char *orig = samples[s] != NULL ? read_sample(samples[s], &orig_len)
                                                 : simple_blocks(&orig_len);
        unsigned char *b = malloc(orig_len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        rng_state = UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)(s + 1);
        for (unsigned k = 0; k < COPIES_PER_SAMPLE; k++) {
            size_t len = orig_len;
            memcpy(b, orig, len);
            if (k > 0) /* the first copy is the sample itself */
                damage(b, &len);
            FILE *f = fopen(path, "wb");
            CU_ASSERT_PTR_NOT_NULL_FATAL(f);
            CU_ASSERT_FATAL(len == 0 || fwrite(b, 1, len, f) == len);
            fclose(f);
            struct libpcap_comparison c;
            libpcap_compare(path, &c);
            if (c.refused_by_libpcap) {
                refused++;
                continue;
            }
            compared++;
            records += c.records;
            if (c.why != NULL) {
                char keep[4200];
                snprintf(keep, sizeof(keep), "%s.%zu.%u", path, s, k);
                (void)rename(path, keep);
                fprintf(stderr, "\n  %s, copy %u (%s): %s: %s",
                        samples[s] != NULL ? samples[s] : "simple blocks", k, keep, c.why, c.detail);
                differ++;
            }
        }
        free(b);
        free(orig);
    }
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT(compared > 0);
    printf("\n  %lu damaged copies compared with libpcap (%lu records), %lu refused by it\n  ",
           compared, records, refused);
    if (differ == 0) {
        unlink(path);
        rmdir(dir);
    }
}

int register_tests(void)
{
    static const struct test_entry tests[] = {
        { "damaged samples: libpcap's records", test_damaged_samples },
        { NULL, NULL },
    };
    return add_suite("capture against libpcap", tests);
}
