/* libpcap_compare.h - a capture read by libpcap 1.10 and by the capture front
 * end side by side, record by record (test_capture_corpus on the corpus,
 * test_capture_libpcap on damaged copies of the samples). */
#ifndef SOCKSCOPE_TEST_LIBPCAP_COMPARE_H
#define SOCKSCOPE_TEST_LIBPCAP_COMPARE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"

/* What a comparison found: why = NULL when the two agree (or libpcap does not
 * open the file: refused, nothing compared), else why not, with the record
 * and both readers' messages in detail. */
struct libpcap_comparison {
    bool refused_by_libpcap;
    unsigned long records; /* records compared */
    bool over_snaplen;     /* one was read whole where libpcap cuts it or stops */
    const char *why;
    char detail[600];
};

/* Why frame f is not libpcap's record h (NULL: it is). A record longer than
 * its snaplen is read whole where libpcap cuts it: the part libpcap hands out
 * must be its first bytes. */
static inline const char *libpcap_frame_differs(const struct capture_frame *f,
                                                const struct pcap_pkthdr *h, const u_char *data,
                                                int snaplen, bool pcapng)
{
    /* libpcap 1.10 reads a pcap record's seconds and fraction signed in a file
     * of the machine's byte order and unsigned in a swapped one; sockscope
     * reads both unsigned (2038, as Wireshark). A fraction outside a second is
     * damage with no right reading: not compared; nor is a time sockscope
     * marked bad_ts (a pcapng time outside uint64 nanoseconds, which it
     * clamps where libpcap wraps).
     * A pcapng simple packet block has no time: libpcap gives it 0, sockscope
     * the time of the packet block before it (pcapng.c) */
    int64_t frac = (int64_t)h->ts.tv_usec;
    bool no_time = pcapng && h->ts.tv_sec == 0 && frac == 0;
    if (frac >= 0 && frac < 1000000000 && !no_time && !f->bad_ts) {
        uint64_t sec = h->ts.tv_sec < 0 ? (uint32_t)h->ts.tv_sec : (uint64_t)h->ts.tv_sec;
        if (f->ts_ns != sec * 1000000000u + (uint64_t)frac)
            return "time";
    }
    if (f->wire_len != h->len)
        return "original length";
    if (f->over_snaplen ? h->caplen != (bpf_u_int32)snaplen || f->cap_len <= h->caplen
                        : f->cap_len != h->caplen)
        return "captured length";
    if (h->caplen > 0 && memcmp(f->data, data, h->caplen) != 0)
        return "bytes";
    return NULL;
}

/* Reads path with both. They part by design where a record is longer than its
 * snaplen (libpcap cuts a pcap file's and fails on a pcapng file's, which
 * sockscope reads whole), where a pcapng file's interfaces have different link
 * types (libpcap fails at the description of the first that differs; sockscope
 * reads each packet with its own), and where a pcapng section header block is
 * damaged in ways libpcap does not check (its length not a multiple of 4, its
 * trailing length), which sockscope refuses. */
static inline void libpcap_compare(const char *path, struct libpcap_comparison *out)
{
    memset(out, 0, sizeof(*out));
    char ebuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (p == NULL) {
        out->refused_by_libpcap = true;
        return;
    }
    struct capture *cap;
    struct ss_err err = { "" };
    if (capture_open_file(&cap, path, NULL, &err) != 0) {
        if (strstr(err.msg, ": block at offset 0: ") == NULL) { /* not the SHB */
            out->why = "libpcap opens it, sockscope does not";
            snprintf(out->detail, sizeof(out->detail), "%s", err.msg);
        }
        pcap_close(p);
        return;
    }
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        struct capture_frame f;
        int r1 = pcap_next_ex(p, &h, &data);
        int r2 = capture_next(cap, &f, &err);
        if (r2 == 1 && f.over_snaplen)
            out->over_snaplen = true;
        if (r1 == PCAP_ERROR_BREAK && r2 == 0)
            break; /* both at the end */
        bool pcapng = capture_get_info(cap)->format == CAPTURE_PCAPNG;
        if (r1 == PCAP_ERROR && pcapng &&
            ((r2 == 1 && f.over_snaplen) ||
             (r2 >= 0 && strstr(pcap_geterr(p), "different from the type of the first interface"))))
            break; /* libpcap stops there: the rest is ours alone */
        if (r1 == PCAP_ERROR && r2 == -1)
            break; /* both fail at the same record */
        if (r1 != 1 || r2 != 1) {
            out->why = r1 == 1 ? "sockscope stopped early"
                       : r2 == 1 ? "sockscope read on"
                                 : "the two ended differently";
            break;
        }
        if ((out->why = libpcap_frame_differs(&f, h, data, pcap_snapshot(p), pcapng)) != NULL)
            break;
        out->records++;
    }
    if (out->why != NULL)
        snprintf(out->detail, sizeof(out->detail), "record %lu (libpcap: %s; sockscope: %s)",
                 out->records + 1, pcap_geterr(p), err.msg);
    capture_close(cap);
    pcap_close(p);
}

#endif
