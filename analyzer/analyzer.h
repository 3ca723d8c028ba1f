/* analyzer.h - the pipeline from captured frames to connection records:
 * dissect, count, track flows, run both sockets' state machines, emit records. */
#ifndef SOCKSCOPE_ANALYZER_H
#define SOCKSCOPE_ANALYZER_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture.h"
#include "conn.h"
#include "err.h"
#include "flow_table.h"
#include "frame.h"
#include "stats.h"

#define NS_PER_SEC 1000000000ull

#define ANALYZER_DEFAULT_TCP_TIMEOUT_NS   (300ull * NS_PER_SEC)
#define ANALYZER_DEFAULT_UDP_TIMEOUT_NS   (60ull * NS_PER_SEC)
#define ANALYZER_DEFAULT_ICMP_TIMEOUT_NS  (60ull * NS_PER_SEC)
#define ANALYZER_DEFAULT_OTHER_TIMEOUT_NS (60ull * NS_PER_SEC)
#define ANALYZER_DEFAULT_MSL_NS           (60ull * NS_PER_SEC)
/* Zeek's tcp_close_delay: a closed TCP connection's record is written this long
 * after its last packet (at most 2*MSL); its 5-tuple is remembered until 2*MSL. */
#define ANALYZER_DEFAULT_CLOSE_DELAY_NS   (5ull * NS_PER_SEC)
#define ANALYZER_DEFAULT_MAX_FLOWS        1000000u

/* Called once per connection record when it is final; c is valid only during the call. */
typedef void (*analyzer_conn_cb)(void *user, const struct conn *c);

struct dpi;

struct analyzer_config {
    uint64_t tcp_timeout_ns, udp_timeout_ns, icmp_timeout_ns, other_timeout_ns;
    uint64_t msl_ns;
    uint64_t close_delay_ns;
    size_t max_flows; /* 0 = unlimited */
    bool verify_checksums;
    bool decap;               /* look through tunnels (issue 7); --no-decap clears */
    struct dpi *dpi_shared;   /* borrowed nDPI module to use instead of creating one (a
                                 fuzzer's, created once); NULL: the analyzer owns its own */
    bool dpi;                 /* application protocol detection with nDPI (--no-dpi clears) */
    unsigned dpi_max_packets; /* per connection; 0 = ndpiReader's 80 TCP / 24 UDP (--dpi-packets) */
    bool have_seed;   /* use seed (deterministic uids and hashing) instead of getrandom() */
    uint8_t seed[16];
    analyzer_conn_cb on_conn;
    void *user;
};

/* Fills cfg with the defaults above. */
void analyzer_config_defaults(struct analyzer_config *cfg);

struct analyzer;

/* Returns a new analyzer, or NULL with err set. */
struct analyzer *analyzer_create(const struct analyzer_config *cfg, struct ss_err *err);
/* Frees everything without emitting records; analyzer_destroy(NULL) is a no-op. */
void analyzer_destroy(struct analyzer *an);

/* A frame's time as the tracker takes it. The tracker's times use 0 for an
 * event not seen (the handshake's SYN, SYN-ACK and ACK, a close, the start
 * of a TIME_WAIT), so a frame stamped at the epoch itself (a capture taken
 * without a clock, a pcapng time before 1970 clamped to it) is tracked 1 ns
 * after it: its handshake is then seen as at any other time. A moment asked
 * of the records (netstat's --at) is taken the same way. */
static inline uint64_t analyzer_track_ts(uint64_t ts_ns)
{
    return ts_ns != 0 ? ts_ns : 1;
}

/* Processes one captured frame. Never fails: problems become anomaly counts. */
void analyzer_feed(struct analyzer *an, const struct capture_frame *f);

/* Frames analyzer_feed_ahead holds back. */
#define ANALYZER_AHEAD 4

/* As analyzer_feed, for reading a file: keeps a copy of f and processes the
 * frame ANALYZER_AHEAD calls back, after fetching the memory of the flows of
 * the frames in between (the flow table does not fit in a cache: this hides
 * the wait for it). The results are the same as with analyzer_feed once
 * analyzer_drain (or flush, tick, note_drops, foreach_open, which drain) has
 * run; until then the held frames are not counted. */
void analyzer_feed_ahead(struct analyzer *an, const struct capture_frame *f);
/* Processes every frame analyzer_feed_ahead holds back. */
void analyzer_drain(struct analyzer *an);

/* ---- Frames prepared ahead (the look-ahead's parts, for a reader thread) ----
 *
 * What can be worked out from a frame alone, before its turn: its dissection
 * (without IP reassembly, so without side effects) and its TCP/UDP flow key
 * and hash. analyzer_frame_take only reads its analyzer_prep (a copy of the
 * analyzer's settings), so another thread may run it while the analyzer
 * works; everything else here runs on the analyzer's thread. */
struct analyzer_flow_hint {
    const struct packet *pkt; /* the packet it was made from (NULL = none) */
    struct flow_key key;      /* its TCP/UDP 5-tuple, as the tracker makes it ... */
    uint64_t hash;            /* ... its flow_key_hash */
    bool src_is_lo;           /* ... and flow_key_make's result */
    uint32_t entry;           /* the flow-table entry the ENTRY stage found (0 = none),
                                 for the LINKS stage: a hint, possibly freed since */
};

/* Everything the tracker reads of a plain TCP or UDP packet (transport decoded,
 * no fragment, no tunnel) when nothing reads the frame's bytes again (no nDPI);
 * the addresses are the hint's key (and so are the VLAN ids, which only keying
 * reads). A reader thread hands this over in the frame's first cache lines, so
 * that the tracker's core does not pull the 744-byte struct packet across (its
 * lines then stay in the reader's cache). Code on the tracking path that reads
 * another packet field must carry it here too (brief_pack and brief_unpack in
 * analyzer.c); test_analyzer feeds damaged frames both ways to check. */
struct analyzer_brief {
    uint64_t ts_ns;
    uint32_t wire_len, ip_len, l4_payload_len, payload_len;
    /* struct tcp_info_copy's first bytes as they lie in the packet (seq, ack,
     * flags, window, the option flags, mss, wscale): one copy each way */
    unsigned char tcp[offsetof(struct tcp_info_copy, wscale) + 1];
    uint8_t csums; /* ip_csum | l4_csum << 2 (enum csum_state), | BRIEF_OPTIONS_CUT */
    /* the ports, protocol and IP version are the hint's key's (with src_is_lo) */
};
#define BRIEF_OPTIONS_CUT 0x10u /* ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN, the anomaly tracking reads */

/* The TCP flags a brief carries. */
static inline uint16_t analyzer_brief_tcp_flags(const struct analyzer_brief *b)
{
    uint16_t flags;
    memcpy(&flags, b->tcp + offsetof(struct tcp_info_copy, flags), sizeof(flags));
    return flags;
}

/* What feeding a frame with a brief reads comes first, in two cache lines: the
 * flags, the brief and the hint (the brief's ts_ns stands for f's). Aligned to
 * a cache line: hold these in memory from analyzer_alloc_aligned. */
struct analyzer_frame {
    alignas(64) bool pkt_ready; /* pkt is the frame dissected as analyzer_feed would
                               have (no fragment met) */
    bool has_brief;         /* brief holds what feeding reads of pkt (analyzer_prep.brief) */
    struct analyzer_brief brief;
    struct analyzer_flow_hint hint;
    struct capture_frame f; /* f.data points into buf, or is NULL when the bytes were
                               not kept (analyzer_frame_take) */
    uint8_t *buf;
    size_t cap;
    struct packet pkt;      /* (views into buf; lengths only when the bytes were not kept) */
};

/* n bytes, zeroed, aligned to a cache line (for structs holding analyzer_frame);
 * NULL when memory ran out. Freed with free(). */
void *analyzer_alloc_aligned(size_t n);

struct analyzer_prep {
    struct frame_ctx fctx; /* no reassembly table */
    struct flow_hasher hasher; /* the flow table's */
    bool bytes_read;       /* feeding reads frames' bytes after their dissection (nDPI) */
    bool brief;            /* fill analyzer_frame.brief where it can stand for the packet
                              (frames fed by another thread; not with bytes_read) */
};

/* A copy of what analyzer_frame_take needs from an (constant for its life), for
 * frames that analyzer_feed_ring feeds: with brief set unless bytes_read. */
void analyzer_prep_get(const struct analyzer *an, struct analyzer_prep *prep);
/* Takes frame f into af: dissects and keys it where it lies, then copies its
 * bytes into af's buffer only when feeding will read them again (nDPI on, or
 * a fragment, which the tracker dissects again with its reassembly table),
 * moving the packet's views onto the copy. Otherwise af keeps no bytes: the
 * views keep their lengths and lose their pointers (f's bytes are the
 * capture's, overwritten by its next read). The buffer is at least
 * ANALYZER_FRAME_BUF_MIN bytes and grows as needed; once above
 * ANALYZER_FRAME_BUF_KEEP it is resized to each frame. Returns 0, or -1 when
 * memory ran out (af is then not to be fed). Thread-safe as above.
 * With scratch (not NULL), the frame is dissected there, a packet the calling
 * thread keeps in its cache, and copied into af's only when af gets no brief:
 * a frame the brief stands for writes 3 of af's 15 cache lines, not 8. */
#define ANALYZER_FRAME_BUF_MIN  2048u
#define ANALYZER_FRAME_BUF_KEEP 16384u
int analyzer_frame_take(const struct analyzer_prep *prep, struct analyzer_frame *af,
                        const struct capture_frame *f, struct packet *scratch);
/* Frees af's buffer. */
void analyzer_frame_free(struct analyzer_frame *af);

/* Counts af (after analyzer_frame_take, with the same scratch) in st, the
 * stats_split part of another thread: the frame, and its packet when
 * pkt_ready. Thread-safe as above. */
void analyzer_count_prepared(struct capture_stats *st, const struct analyzer_frame *af,
                             const struct packet *scratch);

/* How many frames ahead of the one it feeds analyzer_feed_ring fetches a
 * frame's slot (which the reader's core wrote), then, once the slot is in the
 * cache, the bucket its hash points to, then the entry that bucket names,
 * then the entry's neighbours in the expiry list. */
#define ANALYZER_RING_SLOT_AHEAD   8u
#define ANALYZER_RING_BUCKET_AHEAD 4u
#define ANALYZER_RING_ENTRY_AHEAD  2u
#define ANALYZER_RING_LINKS_AHEAD  1u

/* Feeds frames next to end - 1 of a ring of mask + 1 prepared frames (slot
 * i % (mask + 1) holds frame i), which analyzer_count_prepared counted, as
 * analyzer_feed would without counting them again; frames next to head - 1
 * (end <= head) are ready and are fetched ahead. Returns end. One call for a
 * run of frames, the look-ahead and the tracking inlined in its loop: the
 * tracker's core pays no call per stage and per frame. */
uint64_t analyzer_feed_ring(struct analyzer *an, struct analyzer_frame *ring, uint32_t mask,
                            uint64_t next, uint64_t end, uint64_t head);

/* Emits every connection still open with the given reason (end of capture or
 * shutdown), oldest first. */
void analyzer_flush(struct analyzer *an, enum end_reason reason);

/* Notes that the capture lost packets (live drops): open connections get the
 * capture_drops flag. */
void analyzer_note_drops(struct analyzer *an);

struct capture_stats *analyzer_stats(struct analyzer *an);
size_t analyzer_open_flows(const struct analyzer *an);
/* Most bytes the flow table and the remembered closed 5-tuples have held:
 * sampled every 65,536 frames, and now. */
size_t analyzer_peak_flow_memory(const struct analyzer *an);
/* The requests to fault in memory the tracking will write (prefault.h): a
 * thread that serves them sets its served flag for as long as it does. */
struct prefault *analyzer_prefault(struct analyzer *an);
/* Closed TCP 5-tuples remembered for their 2*MSL after their record was written. */
size_t analyzer_closed_tuples(const struct analyzer *an);

/* Calls fn on a record of each open connection, made as when it is written
 * (for interim updates and snapshots); the record lives only during the call. */
void analyzer_foreach_open(struct analyzer *an, void (*fn)(void *user, struct conn *c), void *user);

/* The analyzer's clock: the latest packet time fed (or ticked). */
uint64_t analyzer_now(const struct analyzer *an);
/* The time of the first frame fed (in the order fed), 0 before any. Set on
 * the feeding thread, unlike the capture statistics' first_ts, which a
 * reader thread keeps until the end. */
uint64_t analyzer_first_frame_ts(const struct analyzer *an);

/* Live capture (issue 6): advances the clock to now_ns (never backwards) and
 * emits the connections whose idle timeout or TIME_WAIT has run out, as a
 * frame would, so that expiry also happens when no packet arrives. */
void analyzer_tick(struct analyzer *an, uint64_t now_ns);

#endif
