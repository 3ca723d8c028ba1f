/* stats.h - per-layer capture statistics (--stats). */
#ifndef SOCKSCOPE_STATS_H
#define SOCKSCOPE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

#define STATS_MAX_LINKTYPES 32

struct linktype_count {
    uint32_t linktype;
    uint64_t frames;
    uint64_t bytes;
};

/* One -r file as it was read (run.c fills it in when the file is closed, and
 * owns error). */
struct capture_input {
    const char *path;        /* as given, "-" for standard input */
    const char *format;      /* "pcap", "pcapng"; NULL: it did not open */
    const char *compression; /* "gzip", "zstd", "lz4"; NULL: none */
    uint32_t snaplen;        /* the file header's, or the first interface's */
    uint64_t frames;         /* frames read from it, after the filter */
    uint64_t frames_filtered_out;
    uint64_t frames_over_snaplen; /* records longer than their snaplen, read whole
                                     (before the filter) */
    uint64_t frames_bad_ts;  /* records whose timestamp could not be read as written
                                (capture_info; before the filter) */
    char *error;             /* what ended reading it early, as stderr said it (NULL:
                                read to its end, or as far as -c asked); owned as path */
};

struct capture_stats {
    uint64_t frames;         /* frames read (after the BPF filter) */
    uint64_t bytes;          /* sum of original (wire) lengths */
    uint64_t captured_bytes; /* sum of captured lengths */
    uint64_t first_ts, last_ts; /* of the frames counted; valid when have_ts */
    bool have_ts;            /* a frame was counted: 0 is a time (1970-01-01), not "none" */
    uint64_t files;
    uint64_t frames_filtered_out;
    unsigned n_linktypes;
    struct linktype_count linktypes[STATS_MAX_LINKTYPES];
    uint64_t linktypes_overflow;
    uint64_t non_ip;         /* link decoded, not IP (ARP, LLDP, ...) */
    uint64_t ipv4, ipv6;
    uint64_t tcp, udp, icmp, icmpv6, sctp, other_l4;
    uint64_t fragments, reassembled;
    uint64_t vlan_tagged;
    uint64_t truncated_frames, malformed_frames, unsupported_frames;
    uint64_t anomalies[ANOM_COUNT];
    /* connection figures */
    uint64_t connections, flows_evicted, flows_timed_out;
    uint64_t icmp_errors_attached, icmp_errors_unmatched;
    uint64_t peak_flows;     /* most open connections at once */
    uint64_t peak_tracked;   /* most open connections + remembered closed 5-tuples at once */
    uint64_t after_close_records; /* records of late packets of an already written connection */
    uint64_t clock_steps_back; /* times the capture's clock stepped back by more than every
                                  idle timeout (analyzer.c, clock_step_back) */
    uint64_t closed_tuples_dropped; /* closed 5-tuples not remembered (out of memory) */
    uint64_t dpi_peak_inspecting; /* most connections with live nDPI state at once */
    /* what ended the input before its end, as stderr said it (a damaged record,
     * compressed data cut short, a later -r file that did not open, a live
     * capture's failure); "" when every input was read to its end */
    char input_error[512];
    /* the -r files in the order they were opened, up to the one that did not
     * open or the last read before -c stopped (borrowed: run.c owns them);
     * none in a live capture */
    const struct capture_input *inputs;
    size_t n_inputs;
};

/* Records msg as what ended the input early (the first such, kept). */
void stats_set_input_error(struct capture_stats *st, const char *msg);

/* Counts one frame as read: its lengths, timestamp and link type. */
void stats_count_frame(struct capture_stats *st, uint32_t linktype, uint32_t wire_len,
                       uint32_t cap_len, uint64_t ts_ns);
/* Counts one dissected packet's layers and anomalies. */
void stats_count_packet(struct capture_stats *st, const struct packet *pkt);
/* The reader thread counts the frames it reads, and the packets it dissects,
 * on a part of its own, so that the tracking thread does not. stats_split
 * starts the part from whole: the frame counters as they stand (their
 * timestamps and link-type order carry on as if counted in one place), the
 * packet counters at zero; stats_join puts it back: frame counters replaced,
 * packet counters added (the tracker counted the packets the reader could not
 * dissect alone, fragments). whole's frame counters must not change between. */
void stats_split(struct capture_stats *part, const struct capture_stats *whole);
void stats_join(struct capture_stats *whole, const struct capture_stats *part);
/* Name of a LINKTYPE value ("EN10MB", "LINUX_SLL2"...) or NULL. */
const char *stats_linktype_name(uint32_t linktype);

#endif
