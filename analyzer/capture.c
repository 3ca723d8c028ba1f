/* capture.c - capture front end for saved files: format detection by magic,
 * classic pcap through pcap_reader.c (not libpcap's pcap_next_ex: see
 * pcap_reader.h for why), pcapng through pcapng.c, BPF per link type through
 * libpcap.
 *
 * Both readers read through a filebuf.h window: a file named on the command
 * line and stdin by their descriptors (a regular file in large chunks, a pipe
 * or FIFO as its bytes arrive), a caller's stream through stdio. The format is
 * told by the magic, peeked through the same window and left unread there, so
 * the reader that takes the window over starts at the file's first byte:
 * nothing is read twice, nothing needs rewinding. A gzip-, zstd- or
 * lz4-compressed file is told by its own magic and decompressed by the window
 * (filebuf.h). */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "filebuf.h"
#include "hints.h"
#include "interrupt.h"
#include "pcap_reader.h"
#include "pcapng.h"

#define BPF_SNAPLEN         262144
#define NS_PER_SEC          1000000000ull

/* A compiled filter for one DLT, compiled on first use. */
struct bpf_slot {
    int dlt;
    bool ok;
    struct bpf_program prog;
    char msg[PCAP_ERRBUF_SIZE];
};

struct capture {
    struct capture_info info;
    char *path;       /* as given */
    const char *name; /* for messages: path, or "stdin" */
    int own_fd;       /* the file we opened (not stdin's), or -1 */
    struct pcap_reader *pr; /* classic pcap */
    struct pcapng_reader *ng;
    uint32_t pcap_linktype; /* header LinkType, FCS bits masked */
    char *bpf; /* NULL: no filter */
    struct bpf_slot *slots;
    size_t n_slots;
    bool failed;
    struct ss_err fail; /* repeated by capture_next after a failure */
    /* a merge (capture_open_merge): its parts, each one's next frame */
    struct capture **parts;
    struct capture_frame *heads;
    bool *has_head;  /* heads[i] holds part i's next frame (false: part i ended) */
    size_t n_parts;
    size_t handed;   /* the part whose head was handed out last: advanced first */
    bool started;    /* every part's first frame read */
};

/* pcapng and pcap files carry LINKTYPE_* values; pcap_compile wants DLT_*.
 * They differ on Linux only for these (LINKTYPE_RAW is the one that matters). */
static int linktype_to_dlt(uint32_t linktype)
{
    switch (linktype) {
    case 14: /* OpenBSD's DLT_RAW; the dissectors treat it as raw IP */
    case 101:
        return DLT_RAW;
    case 100:
        return DLT_ATM_RFC1483;
    case 102:
        return DLT_SLIP_BSDOS;
    case 103:
        return DLT_PPP_BSDOS;
    case 106:
        return DLT_ATM_CLIP;
    default:
        return linktype > 0x7fffffffu ? -1 : (int)linktype;
    }
}

/* Returns the filter slot for linktype, compiling it on first use; NULL with
 * the slot's message in *msg if libpcap cannot compile it. */
static const struct bpf_slot *filter_for(struct capture *cap, uint32_t linktype, const char **msg)
{
    int dlt = linktype_to_dlt(linktype);
    for (size_t i = 0; i < cap->n_slots; i++) {
        if (cap->slots[i].dlt == dlt) {
            *msg = cap->slots[i].msg;
            return cap->slots[i].ok ? &cap->slots[i] : NULL;
        }
    }
    struct bpf_slot *ns = realloc(cap->slots, (cap->n_slots + 1) * sizeof(*ns));
    if (ns == NULL) {
        *msg = "out of memory";
        return NULL;
    }
    cap->slots = ns;
    struct bpf_slot *s = &ns[cap->n_slots++];
    memset(s, 0, sizeof(*s));
    s->dlt = dlt;
    *msg = s->msg;
    if (dlt < 0) {
        snprintf(s->msg, sizeof(s->msg), "link type %" PRIu32 " out of range", linktype);
        return NULL;
    }
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, BPF_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
    if (dead == NULL) {
        snprintf(s->msg, sizeof(s->msg), "pcap_open_dead failed for link type %" PRIu32, linktype);
        return NULL;
    }
    if (pcap_compile(dead, &s->prog, cap->bpf, 1, PCAP_NETMASK_UNKNOWN) == 0)
        s->ok = true;
    else
        snprintf(s->msg, sizeof(s->msg), "%s", pcap_geterr(dead));
    pcap_close(dead);
    return s->ok ? s : NULL;
}

/* Classic pcap, read by pcap_reader from in (taken over). */
static int open_pcap(struct capture *cap, struct filebuf *in, struct ss_err *err)
{
    if (pcap_reader_open(&cap->pr, in, err) != 0)
        return -1;
    const struct pcap_file_info *fi = pcap_reader_info(cap->pr);
    cap->info.format = CAPTURE_PCAP;
    cap->info.big_endian = fi->big_endian;
    cap->info.nanosecond = fi->nanosecond;
    cap->info.snaplen = fi->snaplen;
    cap->pcap_linktype = fi->linktype;
    return 0;
}

/* pcapng, read by pcapng.c from in (taken over). */
static int open_pcapng(struct capture *cap, struct filebuf *in, struct ss_err *err)
{
    if (pcapng_open(&cap->ng, in, err) != 0)
        return -1;
    cap->info.format = CAPTURE_PCAPNG;
    cap->info.big_endian = pcapng_big_endian(cap->ng);
    const struct pcapng_interface *ifc = pcapng_first_interface(cap->ng);
    if (ifc != NULL) {
        cap->info.snaplen = ifc->snaplen;
        cap->info.nanosecond = ifc->units_per_sec > 1000000;
    }
    return 0;
}

/* Allocates a capture with copies of path (info.path) and bpf. Messages name
 * it by static_name (a string literal) or, when that is NULL, by its path.
 * Returns NULL with err set when out of memory. */
static struct capture *capture_alloc(const char *path, const char *static_name, const char *bpf,
                                     struct ss_err *err)
{
    struct capture *cap = calloc(1, sizeof(*cap));
    if (cap != NULL)
        cap->own_fd = -1; /* before capture_close may see it */
    if (cap == NULL || (cap->path = strdup(path)) == NULL ||
        (bpf != NULL && bpf[0] != '\0' && (cap->bpf = strdup(bpf)) == NULL)) {
        ss_err_set(err, "%s: out of memory", static_name != NULL ? static_name : path);
        capture_close(cap);
        return NULL;
    }
    cap->name = static_name != NULL ? static_name : cap->path;
    cap->info.path = cap->path;
    cap->info.name = cap->name;
    return cap;
}

/* What compressed a file whose first four bytes (in file order) are magic,
 * for those sockscope does not decompress and that a capture is often kept
 * in: xz, bzip2 and lz4's legacy format (`lz4 -l`; Wireshark reads lz4's
 * frames only, as sockscope does); NULL otherwise. *tool: the command that
 * decompresses it. */
static const char *unread_compression(uint32_t magic, const char **tool)
{
    if (magic == 0x02214c18u) { /* lz4 legacy, 0x184C2102 little-endian */
        *tool = "lz4";
        return "lz4-compressed in the legacy format (lz4 -l)";
    }
    if (magic == 0xfd377a58u) { /* xz: fd 37 7a 58 5a 00 */
        *tool = "xz";
        return "xz-compressed";
    }
    if ((magic & 0xffffff00u) == 0x425a6800u && (magic & 0xffu) >= '1' && (magic & 0xffu) <= '9') {
        *tool = "bzip2"; /* "BZh" and the block size, 1-9 */
        return "bzip2-compressed";
    }
    return NULL;
}

/* Makes the window's first 4 bytes (a magic: of the file, or of what it
 * decompresses to when packed names its compression) available. Returns 0,
 * or -1 with err set ("NAME: truncated file header[ (gzip-compressed)]"). */
static int peek_magic(const struct capture *cap, struct filebuf *in, const char *packed,
                      struct ss_err *err)
{
    if (filebuf_fill(in, 4, err) != 0)
        return -1;
    if (filebuf_avail(in) >= 4)
        return 0;
    if (packed != NULL)
        ss_err_set(err, "%s: truncated file header (%s-compressed)", cap->name, packed);
    else
        ss_err_set(err, "%s: truncated file header", cap->name);
    return -1;
}

/* The common part of both openers: reads from fd when fd >= 0, else from fp; detects the format and compiles the filter. Returns 0 with
 * *out set, or -1 with cap closed (with what it owns). */
static int capture_start(struct capture **out, struct capture *cap, int fd, FILE *fp,
                         struct ss_err *err)
{
    struct filebuf in;
    filebuf_init(&in, fd, fp, cap->name);
    if (peek_magic(cap, &in, NULL, err) != 0) {
        filebuf_free(&in);
        goto fail;
    }
    /* a compressed capture: the same formats inside (the magic again, on the
     * bytes decompressed). Skippable frames first say nothing of the format
     * until the frame after them is in. */
    if (filebuf_fill_for_sniff(&in, err) != 0) {
        filebuf_free(&in);
        goto fail;
    }
    enum filebuf_codec codec = filebuf_sniff(&in);
    const char *packed = codec != FILEBUF_PLAIN ? filebuf_codec_name(codec) : NULL;
    if (packed != NULL &&
        (filebuf_start_decoding(&in, codec, err) != 0 || peek_magic(cap, &in, packed, err) != 0)) {
        filebuf_free(&in);
        goto fail;
    }
    cap->info.compression = packed;
    /* the bytes in file order, left unread for the reader */
    uint32_t magic = filebuf_rd32(filebuf_data(&in), true);
    int rc;
    switch (magic) {
    case 0xa1b2c3d4u: /* microseconds, big-endian */
    case 0xd4c3b2a1u: /* microseconds, little-endian */
    case 0xa1b23c4du: /* nanoseconds, big-endian */
    case 0x4d3cb2a1u: /* nanoseconds, little-endian */
    case 0xa1b2cd34u: /* Kuznetzov's modified pcap, big-endian */
    case 0x34cdb2a1u: /* Kuznetzov's modified pcap, little-endian */
        rc = open_pcap(cap, &in, err);
        break;
    case PCAPNG_MAGIC: rc = open_pcapng(cap, &in, err); break;
    default: {
        const char *tool = NULL;
        const char *other = packed == NULL ? unread_compression(magic, &tool) : NULL;
        if (other != NULL)
            ss_err_set(err, "%s: %s, which sockscope does not decompress: "
                            "decompress it first, as in %s -dc FILE | sockscope -r -",
                       cap->name, other, tool);
        else
            ss_err_set(err, "%s: not a pcap or pcapng capture (%s%smagic 0x%08" PRIx32 ")",
                       cap->name, packed != NULL ? packed : "",
                       packed != NULL ? "-compressed, " : "", magic);
        filebuf_free(&in);
        rc = -1;
    }
    }
    if (rc != 0)
        goto fail;

    /* compile eagerly for the first link type so a bad expression fails here */
    if (cap->bpf != NULL) {
        uint32_t lt = cap->pcap_linktype;
        bool known = true;
        if (cap->ng != NULL) {
            const struct pcapng_interface *ifc = pcapng_first_interface(cap->ng);
            known = ifc != NULL;
            lt = known ? ifc->linktype : 0;
        }
        const char *msg;
        if (known && filter_for(cap, lt, &msg) == NULL) {
            ss_err_set(err, "bad filter expression: %s", msg);
            goto fail;
        }
    }
    *out = cap;
    return 0;
fail:
    capture_close(cap);
    return -1;
}

int capture_open_file(struct capture **out, const char *path, const char *bpf, struct ss_err *err)
{
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    struct capture *cap = capture_alloc(path, is_stdin ? "stdin" : NULL, bpf, err);
    if (cap == NULL)
        return -1;
    /* stdin by its descriptor too: nothing has read it through stdio */
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ss_err_set(err, "%s: %s", cap->name, strerror(errno));
        capture_close(cap);
        return -1;
    }
    if (!is_stdin)
        cap->own_fd = fd;
    return capture_start(out, cap, fd, NULL, err);
}

int capture_open_stream(struct capture **out, FILE *fp, const char *name, const char *bpf,
                        struct ss_err *err)
{
    *out = NULL;
    if (name == NULL)
        name = "stream";
    if (fp == NULL) {
        ss_err_set(err, "%s: no stream", name);
        return -1;
    }
    struct capture *cap = capture_alloc(name, NULL, bpf, err);
    if (cap == NULL)
        return -1;
    return capture_start(out, cap, -1, fp, err);
}

static int fail(struct capture *cap, struct ss_err *err)
{
    cap->failed = true;
    cap->fail = *err;
    cap->info.error = cap->fail.msg;
    return -1;
}

/* Reads the next record, before the filter. Returns 1, 0 or -1. */
static int read_record(struct capture *cap, struct capture_frame *f, struct ss_err *err)
{
    if (cap->ng != NULL) {
        struct pcapng_packet pkt;
        int rc = pcapng_next(cap->ng, &pkt, err);
        if (rc != 1)
            return rc;
        f->data = pkt.data;
        f->cap_len = pkt.cap_len;
        f->wire_len = pkt.wire_len;
        f->linktype = pkt.linktype;
        f->ts_ns = pkt.ts_ns;
        f->if_index = pkt.if_index;
        f->record_no = pkt.record_no;
        f->over_snaplen = pkt.over_snaplen;
        f->bad_ts = pkt.bad_ts;
        return 1;
    }
    struct pcap_record rec;
    int rc = pcap_reader_next(cap->pr, &rec, err);
    if (rc != 1)
        return rc;
    f->data = rec.data;
    f->cap_len = rec.cap_len;
    f->wire_len = rec.wire_len;
    f->linktype = cap->pcap_linktype;
    f->ts_ns = rec.ts_ns;
    f->if_index = 0;
    f->record_no = rec.record_no;
    f->over_snaplen = rec.over_snaplen;
    f->bad_ts = rec.bad_ts;
    return 1;
}

/* Reads part i's next frame into its head; the merge's counts follow the
 * part's. Returns 0, or -1 (the merge failed with the part's message). */
static int merge_advance(struct capture *cap, size_t i, struct ss_err *err)
{
    struct capture *part = cap->parts[i];
    uint64_t read0 = part->info.frames_read, out0 = part->info.frames_filtered_out;
    int rc = capture_next(part, &cap->heads[i], err);
    cap->info.frames_read += part->info.frames_read - read0;
    cap->info.frames_filtered_out += part->info.frames_filtered_out - out0;
    if (rc < 0)
        return fail(cap, err);
    cap->has_head[i] = rc == 1;
    return 0;
}

/* capture_next of a merge: the earliest of the parts' next frames, the first
 * part's on a tie (so a part's frames keep their order, and equal times keep
 * the order of the command line). A frame's bytes are its part's, valid until
 * that part reads again: at the next call, which advances it first. */
static int merge_next(struct capture *cap, struct capture_frame *f, struct ss_err *err)
{
    if (!cap->started) {
        cap->started = true;
        for (size_t i = 0; i < cap->n_parts; i++)
            if (merge_advance(cap, i, err) != 0)
                return -1;
    } else if (merge_advance(cap, cap->handed, err) != 0) {
        return -1;
    }
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < cap->n_parts; i++)
        if (cap->has_head[i] && (best == SIZE_MAX || cap->heads[i].ts_ns < cap->heads[best].ts_ns))
            best = i;
    if (best == SIZE_MAX) {
        cap->handed = 0; /* every part ended: advancing one reads its end again */
        return 0;
    }
    cap->handed = best;
    *f = cap->heads[best];
    return 1;
}

int capture_next(struct capture *cap, struct capture_frame *f, struct ss_err *err)
{
    if (cap->failed) {
        *err = cap->fail;
        return -1;
    }
    if (cap->parts != NULL)
        return merge_next(cap, f, err);
    for (;;) {
        if (SS_UNLIKELY(interrupt_pending() != 0)) { /* a part of a merge stops here too */
            interrupt_describe(err, cap->name, cap->info.frames_read + 1);
            return fail(cap, err);
        }
        int rc = read_record(cap, f, err);
        if (rc < 0)
            return fail(cap, err);
        if (rc == 0)
            return 0;
        const struct bpf_slot *s = NULL;
        if (cap->bpf != NULL) {
            /* before the record is counted: one the filter cannot judge is
             * neither handed on nor filtered out, and inputs[].frames
             * (frames_read - frames_filtered_out) must not count it */
            const char *msg;
            s = filter_for(cap, f->linktype, &msg);
            if (s == NULL) {
                ss_err_set(err, "%s: record %" PRIu64 ": cannot apply the filter to link type %"
                           PRIu32 ": %s", cap->name, f->record_no, f->linktype, msg);
                return fail(cap, err);
            }
        }
        cap->info.frames_read++;
        if (f->over_snaplen && cap->info.frames_over_snaplen++ == 0)
            cap->info.first_over_snaplen = f->record_no;
        if (f->bad_ts && cap->info.frames_bad_ts++ == 0)
            cap->info.first_bad_ts = f->record_no;
        if (s == NULL)
            return 1;
        struct pcap_pkthdr h = { .caplen = f->cap_len, .len = f->wire_len };
        if (pcap_offline_filter(&s->prog, &h, f->data) != 0)
            return 1;
        cap->info.frames_filtered_out++;
    }
}

const struct capture_info *capture_get_info(const struct capture *cap)
{
    return &cap->info;
}

size_t capture_n_files(const struct capture *cap)
{
    return cap->parts != NULL ? cap->n_parts : 1;
}

void capture_file_info(const struct capture *cap, size_t i, struct capture_info *info)
{
    if (cap->parts == NULL) {
        *info = cap->info;
        return;
    }
    *info = cap->parts[i]->info;
    /* another part's next frame, read to compare its time, is not handed
     * out yet (the last one handed out is still its part's head) */
    if (cap->started && cap->has_head[i] && i != cap->handed) {
        info->frames_read--;
        if (cap->heads[i].over_snaplen && --info->frames_over_snaplen == 0)
            info->first_over_snaplen = 0;
        if (cap->heads[i].bad_ts && --info->frames_bad_ts == 0)
            info->first_bad_ts = 0;
    }
}

int capture_open_merge(struct capture **out, struct capture **parts, size_t n, struct ss_err *err)
{
    *out = NULL;
    struct capture *cap = n > 0 ? calloc(1, sizeof(*cap)) : NULL;
    if (cap != NULL) {
        cap->own_fd = -1;
        cap->parts = calloc(n, sizeof(*cap->parts));
        cap->heads = calloc(n, sizeof(*cap->heads));
        cap->has_head = calloc(n, sizeof(*cap->has_head));
    }
    if (cap == NULL || cap->parts == NULL || cap->heads == NULL || cap->has_head == NULL) {
        if (cap != NULL) {
            free(cap->parts);
            free(cap->heads);
            free(cap->has_head);
            free(cap);
        }
        for (size_t i = 0; i < n; i++)
            capture_close(parts[i]);
        ss_err_set(err, n > 0 ? "merge: out of memory" : "merge: no captures");
        return -1;
    }
    memcpy(cap->parts, parts, n * sizeof(*parts));
    cap->n_parts = n;
    cap->info = parts[0]->info; /* the first part's format, for what reads it */
    cap->info.frames_read = cap->info.frames_filtered_out = 0;
    for (size_t i = 0; i < n; i++) {
        cap->info.frames_read += parts[i]->info.frames_read;
        cap->info.frames_filtered_out += parts[i]->info.frames_filtered_out;
    }
    cap->name = parts[0]->name;
    *out = cap;
    return 0;
}

void capture_close(struct capture *cap)
{
    if (cap == NULL)
        return;
    for (size_t i = 0; i < cap->n_parts; i++)
        capture_close(cap->parts[i]);
    free(cap->parts);
    free(cap->heads);
    free(cap->has_head);
    pcap_reader_close(cap->pr); /* the readers first, then what they read */
    pcapng_close(cap->ng);
    if (cap->own_fd >= 0)
        close(cap->own_fd);
    for (size_t i = 0; i < cap->n_slots; i++)
        if (cap->slots[i].ok)
            pcap_freecode(&cap->slots[i].prog);
    free(cap->slots);
    free(cap->bpf);
    free(cap->path);
    free(cap);
}
