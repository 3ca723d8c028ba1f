/* capture.h - capture front end: saved pcap/pcapng files (and stdin), plain or
 * gzip-, zstd- or lz4-compressed, with an optional BPF filter. Both formats are read by our own
 * readers (pcap_reader.c, pcapng.c: pcap_reader.h says why not libpcap's);
 * libpcap compiles the filters, per link type, because libpcap 1.10 gives a
 * handle one link type and refuses pcapng sections whose interfaces differ ("an
 * interface has a type ... different from the type of the first interface"). */
#ifndef SOCKSCOPE_CAPTURE_H
#define SOCKSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct capture;

/* One frame; data is borrowed and valid until the next capture_next call. */
struct capture_frame {
    const uint8_t *data;
    uint32_t cap_len, wire_len;
    uint32_t linktype;  /* LINKTYPE_* of this frame's interface (FCS bits masked off) */
    uint64_t ts_ns;     /* nanoseconds since the epoch */
    uint32_t if_index;  /* pcapng interface id within its section; 0 for pcap */
    bool over_snaplen;  /* longer than its snaplen, read whole (capture_info) */
    bool bad_ts;        /* its timestamp could not be read as written (capture_info) */
    uint64_t record_no; /* 1-based packet record number within the file */
};

enum capture_format { CAPTURE_PCAP, CAPTURE_PCAPNG, CAPTURE_LIVE };

struct capture_info {
    enum capture_format format;
    const char *path;     /* as given ("-" for stdin) */
    const char *name;     /* for messages: path, or "stdin" */
    uint32_t snaplen;     /* of the file header / first interface */
    bool nanosecond;      /* file timestamps had nanosecond resolution */
    bool big_endian;      /* file byte order */
    const char *compression; /* "gzip", "zstd" or "lz4" (read decompressed), NULL: none */
    uint64_t frames_read; /* records read so far, before the filter (not one the filter
                             could not be applied to, which ended the file) */
    uint64_t frames_filtered_out;
    /* records longer than their snaplen (the file header's, a pcapng interface's),
     * read whole as Wireshark reads them (libpcap cuts a pcap file's to the
     * snaplen and refuses a pcapng file's), and the first one's number */
    uint64_t frames_over_snaplen, first_over_snaplen;
    /* records whose timestamp could not be read as written, and the first
     * one's number: a pcap fraction of a second of a second or more (carried
     * into the seconds), a pcapng time outside 1970 to 2554 (clamped to it) */
    uint64_t frames_bad_ts, first_bad_ts;
    const char *error;    /* what ended reading early (capture_next's -1), NULL before */
};

/* Opens path ("-" is standard input, named "stdin" in messages; it is read by
 * its descriptor from where it stands, not through stdio, and never closed),
 * detecting the format from the magic number, never the name; a gzip (RFC 1952),
 * zstd (RFC 8878) or lz4 (frame format) compressed file is decompressed as it
 * is read, whatever its name.
 * bpf (may be NULL or "") is compiled per link type and applied to each frame;
 * it is compiled here for the file's (pcapng: first interface's) link type, and
 * for link types of later pcapng interfaces on first use in capture_next.
 * Returns 0, or -1 with *cap NULL and err set to a one-line message: "PATH: No
 * such file or directory", "PATH: truncated file header", "PATH: not a pcap or
 * pcapng capture (magic 0x...)", "bad filter expression: ...", ... */
int capture_open_file(struct capture **cap, const char *path, const char *bpf,
                      struct ss_err *err);

/* Like capture_open_file, but reads the already-open stream fp (a pipe, an
 * fmemopen buffer, ...) from its current position. name (NULL: "stream") is
 * used in messages and as info.path. fp is read but never closed: the caller
 * closes it after capture_close, and must not read it in between. Returns 0,
 * or -1 with *cap NULL and err set ("NAME: truncated file header", ...). */
int capture_open_stream(struct capture **cap, FILE *fp, const char *name, const char *bpf,
                        struct ss_err *err);

/* Reads the next frame that passes the filter. Returns 1 (frame in *f), 0 at the
 * end of the file, -1 on damage (err names the file and the record number, or the
 * block offset for broken pcapng framing; the frames returned before remain valid
 * results). A record whose caplen exceeds the snaplen (pcap header or pcapng
 * interface) is damage, never silently truncated. After -1 every later call
 * returns -1 with the same message. For classic pcap, f->linktype is the
 * header's LinkType with the FCS bits (26-31) masked: a LINKTYPE_* value, not
 * libpcap's DLT_* (LINKTYPE_RAW stays 101). */
int capture_next(struct capture *cap, struct capture_frame *f, struct ss_err *err);

/* A capture that hands out the frames of the open captures parts[0..n) (taken
 * over: closing it closes them) interleaved by timestamp, as mergecap merges
 * files: at each step the part whose next frame is the earliest, the first
 * part on a tie. Each part keeps its own filter, record numbers and messages;
 * a part's failure ends the merge with its message (sticky) where the merge
 * reads it: the frames handed out before are those earlier than that part's
 * last good one and the ones before them. info is the
 * first part's, with frames_read and frames_filtered_out summed over all.
 * Returns 0, or -1 with err set and the parts closed. */
int capture_open_merge(struct capture **out, struct capture **parts, size_t n,
                       struct ss_err *err);

const struct capture_info *capture_get_info(const struct capture *cap);

/* The files cap reads: a merge's parts, else 1; and file i's info (i <
 * capture_n_files) into *info: a merge's part i (frames_read: the frames it
 * handed out), else cap's own. */
size_t capture_n_files(const struct capture *cap);
void capture_file_info(const struct capture *cap, size_t i, struct capture_info *info);

/* Closes and frees; capture_close(NULL) is a no-op. */
void capture_close(struct capture *cap);


/* ---- Live capture (capture_live.c, issue 6) ------------------------------ */

struct capture_live;

/* What to open and how, in tcpdump's terms. */
struct capture_live_options {
    const char *iface; /* "eth0", "any" */
    const char *bpf;   /* NULL or "" = no filter */
    int snaplen;       /* 0 = 262144 */
    bool promisc;      /* false with -p */
    int buffer_kib;    /* 0 = libpcap's default */
    int timeout_ms;    /* packet buffer timeout: the longest a packet waits in
                          the kernel's ring before it is handed over */
};

/* Statistics from pcap_stats. */
struct capture_live_stats {
    uint64_t received;          /* ps_recv: packets that passed the filter */
    uint64_t dropped_kernel;    /* ps_drop: no room in the buffer */
    uint64_t dropped_interface; /* ps_ifdrop: dropped by the interface or driver */
};

/* Opens o->iface for capture (pcap_create, snaplen, promiscuous mode, buffer
 * size, buffer timeout (not immediate mode), nanosecond timestamps when the platform has them,
 * activate, filter, non-blocking). Returns 0, or -1 with *lc NULL and err set
 * to one line: "eth9: no such interface", "eth0: permission denied: capturing
 * needs CAP_NET_RAW (run as root, or: setcap cap_net_raw,cap_net_admin=eip
 * PATH)", "bad filter expression: ...". */
int capture_live_open(struct capture_live **lc, const struct capture_live_options *o,
                      struct ss_err *err);

/* A descriptor to poll() for readability, or -1 if the platform has none
 * (then poll with a timeout and call capture_live_dispatch anyway). */
int capture_live_fd(const struct capture_live *lc);

/* Handler for capture_live_dispatch; f is valid only during the call. */
typedef void (*capture_live_cb)(void *user, const struct capture_frame *f);

/* Hands up to max_frames frames that are ready now to fn (never blocks), and
 * writes each to the -w dump if one is open. f->linktype is a LINKTYPE_*
 * value, f->ts_ns the kernel's timestamp. Returns the number of frames (0 if
 * none was ready), or -1 with err set (the interface went away). */
int capture_live_dispatch(struct capture_live *lc, int max_frames, capture_live_cb fn,
                          void *user, struct ss_err *err);

/* Reads pcap_stats. Returns 0, or -1 with err set. */
int capture_live_stats(struct capture_live *lc, struct capture_live_stats *st,
                       struct ss_err *err);

/* Starts saving every captured frame to path as pcap (nanosecond timestamps
 * when the capture has them), readable with -r. Returns 0, or -1 with err. */
int capture_live_dump_open(struct capture_live *lc, const char *path, struct ss_err *err);
/* Flushes the dump to disk (no-op without one). Returns 0, or -1 with err set. */
int capture_live_dump_flush(struct capture_live *lc, struct ss_err *err);

/* Link type of the capture (LINKTYPE_*). */
uint32_t capture_live_linktype(const struct capture_live *lc);

/* Closes the dump (flushed) and the capture; capture_live_close(NULL) is a no-op. */
void capture_live_close(struct capture_live *lc);

#endif
