/* test_capture_corpus.c - the capture front end over the public corpus
 * ($SOCKSCOPE_CORPUS_DIR, see its README.md): every good/ file reads to the end
 * with the MANIFEST's packet count; every malformed/ file ends cleanly (a frame
 * count or a one-line error), which ASan/UBSan check for memory safety; every
 * file libpcap opens gives libpcap's records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "capture.h"
#include "libpcap_compare.h"

#define MANIFEST_COL_FILE    0
#define MANIFEST_COL_PACKETS 5

static const char *corpus_dir(void)
{
    const char *d = getenv("SOCKSCOPE_CORPUS_DIR");
    return d != NULL && d[0] != '\0' ? d : NULL;
}

struct outcome {
    int open_rc;
    int end_rc;
    unsigned long frames;
    unsigned linktypes[16];
    int n_linktypes; /* distinct link types, up to 16 */
    struct ss_err err;
};

static void read_capture(const char *path, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    struct capture *cap;
    o->open_rc = capture_open_file(&cap, path, NULL, &o->err);
    if (o->open_rc != 0)
        return;
    struct capture_frame f;
    int rc;
    while ((rc = capture_next(cap, &f, &o->err)) == 1) {
        o->frames++;
        if (f.record_no != o->frames) /* no filter: records and frames agree */
            CU_FAIL("record_no out of step");
        int i = 0;
        while (i < o->n_linktypes && o->linktypes[i] != f.linktype)
            i++;
        if (i == o->n_linktypes && i < 16)
            o->linktypes[o->n_linktypes++] = f.linktype;
    }
    o->end_rc = rc;
    capture_close(cap);
}

/* Calls fn(relative file, packets column, path) for each MANIFEST row whose
 * file starts with prefix; returns the number of rows, -1 if unreadable. */
static int for_each_row(const char *prefix, void (*fn)(const char *, unsigned long, const char *))
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/MANIFEST.tsv", corpus_dir());
    FILE *m = fopen(path, "r");
    if (m == NULL)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    int rows = 0;
    bool header = true;
    while (getline(&line, &cap, m) > 0) {
        if (header) {
            header = false;
            continue;
        }
        char *cols[8] = { 0 };
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, "\t\n", &save); t != NULL && n < 8;
             t = strtok_r(NULL, "\t\n", &save))
            cols[n++] = t;
        if (n <= MANIFEST_COL_PACKETS || strncmp(cols[MANIFEST_COL_FILE], prefix, strlen(prefix)) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", corpus_dir(), cols[MANIFEST_COL_FILE]);
        fn(cols[MANIFEST_COL_FILE], strtoul(cols[MANIFEST_COL_PACKETS], NULL, 10), path);
        rows++;
    }
    free(line);
    fclose(m);
    return rows;
}

static void check_good(const char *file, unsigned long packets, const char *path)
{
    struct outcome o;
    read_capture(path, &o);
    bool ok = o.open_rc == 0 && o.end_rc == 0 && o.frames == packets;
    if (!ok)
        fprintf(stderr, "\n  %s: %lu of %lu frames, %s", file, o.frames, packets,
                o.open_rc != 0 || o.end_rc != 0 ? o.err.msg : "no error");
    CU_ASSERT(ok);
}

static struct {
    int open_errors, read_errors, clean;
    unsigned long frames;
} malformed_summary;

static void check_malformed(const char *file, unsigned long packets, const char *path)
{
    (void)packets; /* pcapscan counts a partial last record; we need not agree */
    struct outcome o;
    read_capture(path, &o);
    bool errored = o.open_rc != 0 || o.end_rc != 0;
    if (errored) {
        /* a one-line message that names the file */
        CU_ASSERT(strchr(o.err.msg, '\n') == NULL);
        const char *base = strrchr(path, '/') + 1;
        if (strstr(o.err.msg, base) == NULL) {
            fprintf(stderr, "\n  %s: message does not name the file: %s", file, o.err.msg);
            CU_FAIL("error message without the file name");
        }
    }
    if (!errored && o.frames == 0) {
        fprintf(stderr, "\n  %s: neither an error nor frames", file);
        CU_FAIL("malformed file gave neither an error nor frames");
    }
    if (o.open_rc != 0)
        malformed_summary.open_errors++;
    else if (o.end_rc != 0)
        malformed_summary.read_errors++;
    else
        malformed_summary.clean++;
    malformed_summary.frames += o.frames;
}

static struct {
    int compared, refused_by_libpcap, over_snaplen_files;
    unsigned long records;
} libpcap_summary;

/* Every corpus file that libpcap 1.10 opens, read by libpcap and by the
 * capture front end side by side (libpcap_compare.h): the same records (times
 * in nanoseconds, lengths, bytes), and an error where libpcap's reading fails. */
static void check_libpcap(const char *file, unsigned long packets, const char *path)
{
    (void)packets;
    struct libpcap_comparison c;
    libpcap_compare(path, &c);
    if (c.refused_by_libpcap) {
        libpcap_summary.refused_by_libpcap++;
        return;
    }
    libpcap_summary.compared++;
    if (c.why != NULL) {
        fprintf(stderr, "\n  %s: %s: %s", file, c.why, c.detail);
        CU_FAIL("a record differs from libpcap's");
    }
    libpcap_summary.records += c.records;
    libpcap_summary.over_snaplen_files += c.over_snaplen;
}

static void test_as_libpcap(void)
{
    memset(&libpcap_summary, 0, sizeof(libpcap_summary));
    CU_ASSERT(for_each_row("good/", check_libpcap) > 0);
    CU_ASSERT(for_each_row("malformed/", check_libpcap) > 0);
    printf("\n  libpcap: %d files compared (%lu records, %d with records longer than the "
           "snaplen), %d refused by libpcap\n  ",
           libpcap_summary.compared, libpcap_summary.records, libpcap_summary.over_snaplen_files,
           libpcap_summary.refused_by_libpcap);
}

static void test_good(void)
{
    int rows = for_each_row("good/", check_good);
    CU_ASSERT(rows > 0);
    printf("\n  good: %d files read\n  ", rows);
}

static void test_malformed(void)
{
    memset(&malformed_summary, 0, sizeof(malformed_summary));
    int rows = for_each_row("malformed/", check_malformed);
    CU_ASSERT(rows > 0);
    printf("\n  malformed: %d files: %d refused at open, %d stopped with an error after "
           "some frames, %d read to the end; %lu frames in all",
           rows, malformed_summary.open_errors, malformed_summary.read_errors,
           malformed_summary.clean, malformed_summary.frames);
    printf("\n  ");
}

static void test_multi_linktype_pcapng(void)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/good/crafted__pcapng-multi-linktype-6-interfaces.pcapng",
             corpus_dir());
    struct outcome o;
    read_capture(path, &o);
    CU_ASSERT_EQUAL(o.open_rc, 0);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL(o.frames, 18);
    CU_ASSERT_EQUAL(o.n_linktypes, 6);
}

static void test_fcs_linktype_bits(void)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/good/crafted__ethernet-with-fcs-linktype-bits.pcap",
             corpus_dir());
    struct outcome o;
    read_capture(path, &o);
    CU_ASSERT_EQUAL(o.end_rc, 0);
    CU_ASSERT_EQUAL(o.frames, 4);
    CU_ASSERT_EQUAL_FATAL(o.n_linktypes, 1);
    CU_ASSERT_EQUAL(o.linktypes[0], 1); /* LinkType field 0x24000001 */
}

int register_tests(void)
{
    char path[4096];
    const char *dir = corpus_dir();
    FILE *m = NULL;
    if (dir != NULL) {
        snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
        m = fopen(path, "r");
    }
    if (m == NULL) {
        printf("test_capture_corpus: skipped, no $SOCKSCOPE_CORPUS_DIR/MANIFEST.tsv (%s)\n",
               dir != NULL ? dir : "SOCKSCOPE_CORPUS_DIR unset");
        tests_skipped = 1;
        return 0;
    }
    fclose(m);
    static const struct test_entry tests[] = {
        { "good files read completely", test_good },
        { "malformed files end cleanly", test_malformed },
        { "pcapng with 6 link types", test_multi_linktype_pcapng },
        { "FCS bits in the LinkType field", test_fcs_linktype_bits },
        { "every file libpcap opens: libpcap's records", test_as_libpcap },
        { NULL, NULL },
    };
    return add_suite("capture corpus", tests);
}
