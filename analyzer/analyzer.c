/* analyzer.c - frames -> packets -> connections. Owns the dissector context, the
 * fragment reassembly table, the flow table and the statistics; no globals. */
#include "analyzer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "closed_tuples.h"
#include "dpi.h"
#include "encap.h"
#include "flow_table.h"
#include "frame.h"
#include "hints.h"
#include "ip_reasm.h"
#include "prefault.h"
#include "services.h"
#include "siphash.h"
#include "tcp_endpoint.h"
#include "zeek_conn.h"


/* analyzer_feed_ahead's ring: ANALYZER_AHEAD frames held plus the newest, in
 * a power of two of slots so that positions wrap with a mask, not a division */
#define AHEAD_SLOTS 8u
#define AHEAD_MASK  (AHEAD_SLOTS - 1u)
_Static_assert(AHEAD_SLOTS > ANALYZER_AHEAD && (AHEAD_SLOTS & AHEAD_MASK) == 0,
               "the look-ahead ring holds ANALYZER_AHEAD + 1 frames in a power of two");

struct analyzer {
    struct analyzer_config cfg;
    struct frame_ctx fctx;
    struct ip_reasm *reasm;
    struct flow_table *flows;
    struct closed_tuples *closed; /* TCP 5-tuples whose record was written, for 2*MSL */
    struct prefault prefault;     /* memory the tables will write, for another thread to
                                     fault in (served by the reader thread) */
    struct dpi *dpi; /* NULL when DPI is off */
    bool dpi_owned;  /* false when it is cfg.dpi_shared */
    struct capture_stats stats;
    uint64_t now_ns;   /* highest timestamp seen: the clock for expiry */
    bool flushing;     /* analyzer_flush: records are written, nothing is remembered */
    struct conn rec;   /* the record being handed to a sink (conn_materialize) */
    /* analyzer_feed_ahead: frames held back (copies), oldest first, so that
     * the memory of the flows they belong to is fetched while earlier frames
     * are processed */
    struct analyzer_frame ahead[AHEAD_SLOTS];
    struct analyzer_prep prep; /* how the look-ahead dissects, and the flow-key hasher */
    struct packet brief_pkt;   /* a brief's packet, unpacked (brief_unpack) */
    unsigned ahead_first, ahead_n;
    uint64_t conn_seq; /* counter behind uids */
    const struct conn *next_due[FLOW_CLASS_COUNT]; /* oldest of each class when last fetched
                                                      (a hint only: compared, never read) */
    /* The oldest connection of no class is due before this time, so a packet
     * earlier than it skips the idle-timeout pass (which only ever looks at
     * each class's oldest). Never later than the true first deadline:
     * expire_flows computes it, and whatever makes a connection the oldest of
     * its class outside that pass (touching or removing the oldest, adding to
     * an empty class) lowers it; a removal that makes it early only costs a
     * needless pass. */
    uint64_t next_due_ns;
    /* The same per class (next_due_ns is their minimum): a pass reads the
     * oldest of the classes that may be due only, not of all four (the
     * others' entries are rarely in the cache by then). */
    uint64_t class_due_ns[FLOW_CLASS_COUNT];
    /* The same for the remembered 5-tuples: before this time closed_tuples_expire
     * would drop nothing. Set from closed_tuples_next_expiry after each pass,
     * and to 0 (pass at the next packet) by an add that may change what the
     * pass does (a first live entry, one over the cap, or one that replaced
     * an entry for its key) and by every remove (its dead entry may be the
     * head: dropped at once, as when the pass ran every packet). Any other add
     * goes behind the head, which alone decides the next pass: a pass after
     * it (the benchmark's 840,000 closes) read a head long out of the cache to
     * drop nothing. */
    uint64_t closed_due_ns;
    /* The reassembly table's expiry pass runs at this time or later: once a
     * second of capture time while datagrams are pending (UINT64_MAX: none). */
    uint64_t reasm_due_ns;
    /* ip_reasm's timeouts not flagged on a packet, as counted in frag_timeout */
    uint64_t reasm_timeouts_counted;
    /* a step back of the capture's clock longer than this, the longest idle
     * timeout, is a clock step (clock_step_back), not reordering */
    uint64_t step_back_ns;
    size_t peak_flow_memory; /* flow_memory() sampled every 65,536 frames */
    uint64_t frames_fed;     /* frames processed (stats.frames may be counted elsewhere) */
    uint64_t first_frame_ns; /* the first frame's time (analyzer_first_frame_ts) */
    /* interned tunnel chains: index + 1 is the flow-key context of their inner flows */
    struct tunnel_desc **tunnels;
    size_t n_tunnels, cap_tunnels;
    uint32_t *tunnel_map; /* open addressing over tunnels, index + 1, 0 = empty */
    uint32_t *sibling_map; /* the same size, over the chain keys without ids: the
                              first tunnel of each ring of siblings */
    size_t tunnel_map_size;
};

/* Where a packet sits in a tunnel chain, for keying and for tunnel_parents. */
struct tunnel_path {
    uint32_t ctx;                    /* 0 = not inside a tunnel */
    const struct tunnel_desc *desc;
    uint8_t n_parents;
    uint64_t parents[CONN_MAX_TUNNEL_PARENTS];
    bool is_carrier;                 /* the packet is a carrier built from an encap layer */
    uint8_t carrier_type;            /* then: its enum encap_type */
};

#define ANALYZER_MAX_TUNNELS 65536

void analyzer_config_defaults(struct analyzer_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->tcp_timeout_ns = ANALYZER_DEFAULT_TCP_TIMEOUT_NS;
    cfg->udp_timeout_ns = ANALYZER_DEFAULT_UDP_TIMEOUT_NS;
    cfg->icmp_timeout_ns = ANALYZER_DEFAULT_ICMP_TIMEOUT_NS;
    cfg->other_timeout_ns = ANALYZER_DEFAULT_OTHER_TIMEOUT_NS;
    cfg->msl_ns = ANALYZER_DEFAULT_MSL_NS;
    cfg->close_delay_ns = ANALYZER_DEFAULT_CLOSE_DELAY_NS;
    cfg->max_flows = ANALYZER_DEFAULT_MAX_FLOWS;
    cfg->verify_checksums = false; /* as tshark; --verify-checksums for Zeek's behaviour */
    cfg->decap = true;
    cfg->dpi = true;
    cfg->dpi_max_packets = 0;
}

struct analyzer *analyzer_create(const struct analyzer_config *cfg, struct ss_err *err)
{
    struct analyzer *an = analyzer_alloc_aligned(sizeof(*an));
    if (an == NULL) {
        ss_err_set(err, "out of memory");
        return NULL;
    }
    an->cfg = *cfg;
    an->step_back_ns = 1000000000u; /* at least a second, whatever the timeouts */
    an->reasm_due_ns = UINT64_MAX;
    const uint64_t timeouts[] = {cfg->tcp_timeout_ns, cfg->udp_timeout_ns, cfg->icmp_timeout_ns,
                                 cfg->other_timeout_ns};
    for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++)
        if (timeouts[i] > an->step_back_ns)
            an->step_back_ns = timeouts[i];
    if (!cfg->have_seed) {
        if (getrandom(an->cfg.seed, sizeof(an->cfg.seed), 0) != (ssize_t)sizeof(an->cfg.seed)) {
            ss_err_set(err, "getrandom failed");
            free(an);
            return NULL;
        }
    }
    /* one hasher (function chosen here, once) for the table, the closed
     * 5-tuples and the look-ahead: a hash one of them made is valid in all */
    flow_hasher_init(&an->prep.hasher, an->cfg.seed);
    an->brief_pkt.layer = LAYER_L4; /* what every brief stands for (brief_unpack) */
    an->reasm = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    an->flows = flow_table_create(&an->prep.hasher);
    an->closed = closed_tuples_create(&an->prep.hasher);
    if (an->reasm == NULL || an->flows == NULL || an->closed == NULL) {
        ss_err_set(err, "out of memory");
        analyzer_destroy(an);
        return NULL;
    }
    prefault_init(&an->prefault);
    flow_table_set_prefault(an->flows, &an->prefault);
    closed_tuples_set_prefault(an->closed, &an->prefault);
    if (cfg->dpi && cfg->dpi_shared != NULL) {
        an->dpi = cfg->dpi_shared;
    } else if (cfg->dpi && (an->dpi = dpi_create(cfg->dpi_max_packets, err)) != NULL) {
        an->dpi_owned = true;
    } else if (cfg->dpi) {
        analyzer_destroy(an);
        return NULL;
    }
    an->fctx.reasm = an->reasm;
    an->fctx.verify_checksums = cfg->verify_checksums;
    an->fctx.decap = cfg->decap;
    an->prep.fctx = an->fctx;
    an->prep.fctx.reasm = NULL; /* dissection without side effects */
    an->prep.bytes_read = an->dpi != NULL;
    return an;
}

/* analyzer_destroy: frees what an open connection holds besides its entry. */
static void discard_open(void *user, struct conn *c)
{
    if (user != NULL)
        dpi_discard(user, c);
    conn_cold_free(c);
}

void analyzer_destroy(struct analyzer *an)
{
    if (an == NULL)
        return;
    if (an->flows != NULL)
        flow_table_foreach(an->flows, discard_open, an->dpi);
    ip_reasm_destroy(an->reasm);
    flow_table_destroy(an->flows);
    closed_tuples_destroy(an->closed);
    if (an->dpi_owned)
        dpi_destroy(an->dpi);
    for (size_t i = 0; i < an->n_tunnels; i++)
        free(an->tunnels[i]);
    for (size_t i = 0; i < AHEAD_SLOTS; i++)
        analyzer_frame_free(&an->ahead[i]);
    free(an->tunnels);
    free(an->tunnel_map);
    free(an->sibling_map);
    free(an);
}

struct capture_stats *analyzer_stats(struct analyzer *an)
{
    return &an->stats;
}

size_t analyzer_open_flows(const struct analyzer *an)
{
    return flow_table_count(an->flows);
}

static size_t flow_memory(const struct analyzer *an)
{
    return flow_table_memory(an->flows) + closed_tuples_memory(an->closed);
}

struct prefault *analyzer_prefault(struct analyzer *an)
{
    return &an->prefault;
}

size_t analyzer_peak_flow_memory(const struct analyzer *an)
{
    size_t now = flow_memory(an);
    return now > an->peak_flow_memory ? now : an->peak_flow_memory;
}

size_t analyzer_closed_tuples(const struct analyzer *an)
{
    return closed_tuples_count(an->closed);
}

uint64_t analyzer_first_frame_ts(const struct analyzer *an)
{
    return an->first_frame_ns;
}

uint64_t analyzer_now(const struct analyzer *an)
{
    return an->now_ns;
}

/* ICMP "ports" as Zeek and Community ID see them: the type, and the counterpart
 * type for request/reply pairs or the code for one-way messages. */
static bool icmp_counterpart(bool v6, uint8_t type, uint8_t *other)
{
    static const uint8_t v4[][2] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15},
                                    {10, 9}, {9, 10}, {17, 18}, {18, 17}};
    static const uint8_t v6p[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133},
                                     {135, 136}, {136, 135}, {130, 131}, {131, 130},
                                     {139, 140}, {140, 139}, {144, 145}, {145, 144}};
    const uint8_t(*tab)[2] = v6 ? v6p : v4;
    size_t n = v6 ? sizeof(v6p) / sizeof(v6p[0]) : sizeof(v4) / sizeof(v4[0]);
    for (size_t i = 0; i < n; i++) {
        if (tab[i][0] == type) {
            *other = tab[i][1];
            return true;
        }
    }
    return false;
}

/* How long a closed TCP connection stays whole before its record is written:
 * Zeek's tcp_close_delay, at most its 2*MSL. */
static uint64_t linger_ns(const struct analyzer *an)
{
    uint64_t two_msl = 2 * an->cfg.msl_ns;
    return an->cfg.close_delay_ns < two_msl ? an->cfg.close_delay_ns : two_msl;
}

static uint64_t class_timeout(const struct analyzer *an, enum flow_class cls)
{
    switch (cls) {
    case FLOW_CLASS_TCP: return an->cfg.tcp_timeout_ns;
    case FLOW_CLASS_TCP_CLOSED: return linger_ns(an);
    case FLOW_CLASS_UDP: return an->cfg.udp_timeout_ns;
    default: return an->cfg.icmp_timeout_ns;
    }
}

static enum flow_class conn_class(const struct conn *c)
{
    if (c->proto == IPPROTO_NUM_TCP)
        return tcp_endpoint_conn_closed(c) ? FLOW_CLASS_TCP_CLOSED : FLOW_CLASS_TCP;
    if (c->proto == IPPROTO_NUM_UDP || c->proto == IPPROTO_NUM_SCTP)
        return FLOW_CLASS_UDP;
    return FLOW_CLASS_OTHER;
}

/* Keeps in t how far each side of c has sent in sequence space (a late record
 * starts from t's figures, continue_closed, and can only move them on). */
static void remember_next_seq(struct closed_tuple *t, const struct conn *c)
{
    for (int s = 0; s < 2; s++) {
        if (c->dir[s].has_seq) {
            t->next_seq[s] = c->dir[s].next_seq;
            t->flags |= closed_tuple_seq_flag(s);
        }
    }
}

/* Remembers the 5-tuple of closed connection c, whose record is being written
 * before its 2*MSL ran out. Late packets of c then make an after_close record
 * of the same incarnation; a new SYN makes the next incarnation. */
static void remember_closed(struct analyzer *an, const struct conn *c)
{
    uint64_t two_msl = 2 * an->cfg.msl_ns;
    uint64_t hash = flow_table_hash(c);
    struct closed_tuple t;
    uint64_t tw_end[2];
    /* only a record of late packets can find its 5-tuple still remembered
     * (any other connection consumed the entry when it began) */
    bool late = (c->flags & CONN_F_AFTER_CLOSE) != 0;
    const struct closed_tuple *old = late ? closed_tuples_find_hashed(an->closed, hash) : NULL;
    if (old != NULL && old->incarnation == c->incarnation) {
        t = *old; /* late packets only: the closed connection's facts stand */
        if (c->dir[0].pkts != 0) /* but the originator has now been heard */
            t.flags &= (uint8_t)~CLOSED_TUPLE_ORIG_SILENT;
        for (int s = 0; s < 2; s++)
            tw_end[s] = closed_tuple_tw_end(old, s);
        if (c->last_ts > t.last_ts)
            t.last_ts = c->last_ts;
    } else {
        memset(&t, 0, sizeof(t));
        t.last_ts = c->last_ts;
        t.close_ts = c->close_ts;
        t.incarnation = c->incarnation;
        t.orientation = c->orientation;
        for (int s = 0; s < 2; s++) {
            tw_end[s] = tcp_endpoint_time_wait_end(c, s, two_msl);
            t.final_state[s] = c->dir[s].state;
            if (c->dir[s].has_isn) {
                t.isn[s] = c->dir[s].isn;
                t.flags |= closed_tuple_isn_flag(s);
            }
        }
        if (c->orig_is_lo)
            t.flags |= CLOSED_TUPLE_ORIG_LO;
        if (c->flags & CONN_F_SIBLING_TUNNELS)
            t.flags |= CLOSED_TUPLE_SIBLING;
        if (c->zeek.u.tcp.orig.state == ZEEK_TCP_INACTIVE)
            t.flags |= CLOSED_TUPLE_ORIG_SILENT;
    }
    remember_next_seq(&t, c); /* late packets too: how far each side has sent */
    /* TIME_WAIT ends as microseconds after last_ts, rounded up */
    for (int s = 0; s < 2; s++) {
        uint64_t left_us = tw_end[s] > t.last_ts ? (tw_end[s] - t.last_ts + 999) / 1000 : 0;
        t.tw_left_us[s] = left_us < CLOSED_TUPLE_TW_TO_END ? (uint32_t)left_us
                                                            : CLOSED_TUPLE_TW_TO_END;
    }
    if (closed_tuples_add_hashed(an->closed, hash, &t, late) != 0)
        an->stats.closed_tuples_dropped++;
    size_t n = closed_tuples_count(an->closed);
    if (late || n <= 1 || (an->cfg.max_flows != 0 && n > an->cfg.max_flows))
        an->closed_due_ns = 0;
}

static void name_carrier_record(struct conn *rec);

/* The uid source of the connection with sequence number seq: unpredictable
 * without the run's seed, unique in practice. */
static uint64_t uid_source(const struct analyzer *an, uint64_t seq)
{
    return siphash24(&seq, sizeof(seq), an->cfg.seed);
}

/* The record of open connection c: its fields, its uid source and its tunnel
 * parents' (open connections hold sequence numbers), and the application
 * names derived from what detection kept. */
static void make_record(const struct analyzer *an, const struct conn *c, struct conn *rec)
{
    conn_materialize(c, rec);
    const struct flow_key *key = flow_table_key(c);
    memcpy(rec->orig_addr.b, flow_key_addr(key, c->orig_is_lo), sizeof(rec->orig_addr.b));
    memcpy(rec->resp_addr.b, flow_key_addr(key, !c->orig_is_lo), sizeof(rec->resp_addr.b));
    rec->vlan = key->vlan;
    rec->vlan_inner = key->vlan_inner;
    rec->ctx = key->ctx;
    rec->id = uid_source(an, c->id);
    for (unsigned i = 0; i < rec->n_tunnel_parents && i < CONN_MAX_TUNNEL_PARENTS; i++)
        rec->tunnel_parents[i] = uid_source(an, rec->tunnel_parents[i]);
    if (rec->carrier_type != 0)
        name_carrier_record(rec);
    else if (an->dpi != NULL)
        dpi_name_record(an->dpi, rec);
}

/* Finalizes c with reason at time now and hands it to the sink; removes it. */
static void emit_and_remove(struct analyzer *an, struct conn *c, enum end_reason reason,
                            uint64_t now)
{
    if (c->proto == IPPROTO_NUM_TCP) {
        /* A closed connection's record is written after the close delay, while
         * a socket may still be in TIME_WAIT: as every record, it shows the
         * states as they were when written (the views end TIME_WAIT 2*MSL
         * after it began). Its 5-tuple is remembered for the rest of 2*MSL. */
        if (reason == END_CLOSED && !an->flushing && linger_ns(an) < 2 * an->cfg.msl_ns)
            remember_closed(an, c);
        tcp_endpoint_expire_time_wait(c, now, 2 * an->cfg.msl_ns);
    }
    c->end_reason = (uint8_t)reason;
    if (c->dir[0].pkts == 0)
        c->flags |= CONN_F_ORIG_NOT_SEEN;
    if (c->dir[1].pkts == 0)
        c->flags |= CONN_F_RESP_NOT_SEEN;
    if (reason == END_TIMEOUT)
        an->stats.flows_timed_out++;
    else if (reason == END_EVICTED)
        an->stats.flows_evicted++;
    an->stats.connections++;
    if (an->dpi != NULL)
        dpi_finish(an->dpi, c); /* result complete and nDPI state freed before the sink */
    if (an->cfg.on_conn != NULL) {
        make_record(an, c, &an->rec);
        an->cfg.on_conn(an->cfg.user, &an->rec);
    }
    conn_cold_free(c);
    flow_table_remove(an->flows, c);
}

/* Class cls's idle timeout into *timeout; false when its connections never
 * time out (an idle timeout of 0 is none, as Zeek's "0 secs"; a close delay of
 * 0 writes a closed connection's record at the next packet or tick). */
static bool class_expires(const struct analyzer *an, int cls, uint64_t *timeout)
{
    *timeout = class_timeout(an, (enum flow_class)cls);
    return *timeout != 0 || cls == FLOW_CLASS_TCP_CLOSED;
}

/* The idle-timeout pass over the open connections: each class's oldest are
 * written while due; then next_due_ns is when the next one will be. */
static void expire_flows(struct analyzer *an)
{
    uint64_t due = UINT64_MAX, timeout;
    for (int cls = 0; cls < FLOW_CLASS_COUNT; cls++) {
        if (an->now_ns < an->class_due_ns[cls]) { /* its oldest is not due yet */
            if (an->class_due_ns[cls] < due)
                due = an->class_due_ns[cls];
            continue;
        }
        an->class_due_ns[cls] = UINT64_MAX;
        if (!class_expires(an, cls, &timeout))
            continue;
        struct conn *c;
        while ((c = flow_table_oldest(an->flows, (enum flow_class)cls)) != NULL &&
               c->last_ts + timeout <= an->now_ns) {
            enum end_reason r = cls == FLOW_CLASS_TCP_CLOSED ? END_CLOSED : END_TIMEOUT;
            /* the loop reads the next oldest's last_ts once c is written */
            flow_table_prefetch_next(an->flows, c);
            emit_and_remove(an, c, r, c->last_ts + timeout);
        }
        if (c != NULL) {
            an->class_due_ns[cls] = c->last_ts + timeout;
            if (c->last_ts + timeout < due)
                due = c->last_ts + timeout;
        }
        /* the next one due is written a few packets from now, long after its
         * entry left the cache: fetch it once, when it becomes the oldest */
        if (c != NULL && c != an->next_due[cls]) {
            an->next_due[cls] = c;
            flow_table_prefetch_conn(an->flows, c);
            if (cls == FLOW_CLASS_TCP_CLOSED) /* its 5-tuple is remembered then */
                closed_tuples_prefetch(an->closed, flow_table_hash(c));
        }
    }
    an->next_due_ns = due;
}

/* Outside expire_flows, the oldest of some class changed: its deadline may be
 * earlier than next_due_ns (timestamps that go back in time leave a class's
 * list out of time order). */
static void note_oldest_changed(struct analyzer *an)
{
    uint64_t timeout;
    for (int cls = 0; cls < FLOW_CLASS_COUNT; cls++) {
        const struct conn *c = flow_table_oldest(an->flows, (enum flow_class)cls);
        if (c == NULL || !class_expires(an, cls, &timeout))
            continue;
        if (c->last_ts + timeout < an->class_due_ns[cls])
            an->class_due_ns[cls] = c->last_ts + timeout;
        if (c->last_ts + timeout < an->next_due_ns)
            an->next_due_ns = c->last_ts + timeout;
    }
}

/* Forgets the remembered 5-tuple with this hash; the 5-tuples' expiry pass
 * then runs at the next packet (its dead entry may be the oldest). */
static void forget_closed(struct analyzer *an, uint64_t hash)
{
    closed_tuples_remove_hashed(an->closed, hash);
    an->closed_due_ns = 0;
}

#define REASM_PASS_NS 1000000000ull /* the reassembly table's expiry pass: once a second */

/* Counts in the anomaly frag_timeout the datagrams the reassembly table gave up
 * for time since the last call, but for those it flagged on a packet (those
 * are counted with that packet's anomalies): each datagram once. */
static void reasm_count_timeouts(struct analyzer *an)
{
    const struct ip_reasm_stats *rs = ip_reasm_stats(an->reasm);
    uint64_t unflagged = rs->timeouts - rs->timeouts_flagged;
    an->stats.anomalies[ANOM_FRAG_TIMEOUT] += unflagged - an->reasm_timeouts_counted;
    an->reasm_timeouts_counted = unflagged;
}

/* When the next expiry pass over the reassembly table runs, from now. */
static void reasm_schedule(struct analyzer *an)
{
    an->reasm_due_ns = ip_reasm_pending(an->reasm) > 0 ? an->now_ns + REASM_PASS_NS : UINT64_MAX;
}

/* A frame met a fragment (the tracker's dissection offered it to the table):
 * count what that gave up, and make sure a pass is due. */
static SS_NOINLINE void reasm_note_fragment(struct analyzer *an)
{
    reasm_count_timeouts(an);
    if (an->reasm_due_ns == UINT64_MAX)
        reasm_schedule(an);
}

/* expire_idle's work, when something is due (out of line: most packets
 * only compare two times) */
static SS_NOINLINE void expire_due(struct analyzer *an)
{
    if (an->now_ns >= an->reasm_due_ns) {
        /* datagrams whose first fragment is older than the timeout, even those
         * no later fragment would look at (a full scan, once a second) */
        ip_reasm_expire(an->reasm, an->now_ns);
        reasm_count_timeouts(an);
        reasm_schedule(an);
    }
    if (an->now_ns >= an->next_due_ns)
        expire_flows(an);
    if (an->now_ns >= an->closed_due_ns) {
        uint64_t lifetime = 2 * an->cfg.msl_ns;
        closed_tuples_expire(an->closed, an->now_ns, lifetime, an->cfg.max_flows);
        /* what the cap leaves over is dropped at the next add's pass */
        an->closed_due_ns = closed_tuples_next_expiry(an->closed, lifetime);
    }
}

/* Idle timeouts (only when a class's oldest is due) and the remembered
 * 5-tuples whose 2*MSL ran out. */
static inline void expire_idle(struct analyzer *an)
{
    if (an->now_ns >= an->next_due_ns || an->now_ns >= an->closed_due_ns ||
        an->now_ns >= an->reasm_due_ns)
        expire_due(an);
}

static void evict_oldest(struct analyzer *an)
{
    struct conn *victim = NULL;
    for (int cls = 0; cls < FLOW_CLASS_COUNT; cls++) {
        struct conn *c = flow_table_oldest(an->flows, (enum flow_class)cls);
        if (c != NULL && (victim == NULL || c->last_ts < victim->last_ts))
            victim = c;
    }
    if (victim != NULL) {
        emit_and_remove(an, victim, END_EVICTED, an->now_ns);
        note_oldest_changed(an);
    }
}

static struct conn *new_conn(struct analyzer *an, const struct flow_key *key, uint64_t hash,
                             const struct packet *pkt, uint16_t sport, uint16_t dport,
                             bool src_is_lo)
{
    if (an->cfg.max_flows != 0 && flow_table_count(an->flows) >= an->cfg.max_flows)
        evict_oldest(an);
    struct conn *c = flow_table_insert_hashed(an->flows, key, FLOW_CLASS_OTHER, hash);
    if (c == NULL) {
        /* out of memory: make room by evicting the oldest and retry once */
        evict_oldest(an);
        c = flow_table_insert_hashed(an->flows, key, FLOW_CLASS_OTHER, hash);
        if (c == NULL)
            return NULL;
    }
    /* the addresses, VLANs and tunnel context stay in the key (a brief's
     * packet carries no addresses: brief_unpack); make_record copies them */
    c->orig_port = sport;
    c->resp_port = dport;
    c->orig_is_lo = src_is_lo;
    c->is_self = sport == dport && memcmp(key->lo_addr, key->hi_addr, sizeof(key->lo_addr)) == 0;
    c->proto = pkt->proto;
    c->ip_version = pkt->ip_version;
    c->first_ts = c->last_ts = c->zeek_last_ts = pkt->ts_ns;
    c->incarnation = 1;
    c->dir[0].wscale = c->dir[1].wscale = -1;
    c->id = ++an->conn_seq; /* the uid source when a record is made (uid_source) */
    zeek_conn_init_zeroed(&c->zeek, pkt->proto); /* the entry is new: all zero */

    /* orientation: the SYN sender originates; otherwise Zeek's rules decide */
    bool syn_only = pkt->proto == IPPROTO_NUM_TCP && (pkt->tcp.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    if (syn_only) {
        c->orientation = ORIENT_HANDSHAKE;
    } else {
        bool src_l = services_is_likely_server_port(pkt->proto, sport);
        bool dst_l = services_is_likely_server_port(pkt->proto, dport);
        const uint8_t *dst = flow_key_addr(key, !src_is_lo);
        if (zeek_should_flip_at_creation(pkt->proto, pkt, src_l, dst_l,
                                         ip_addr_group(pkt->ip_version, dst) == GROUP_BROADCAST)) {
            c->orig_port = dport;
            c->resp_port = sport;
            c->orig_is_lo = !src_is_lo || c->is_self; /* (a connection to itself has one
                                                         port: never flipped here) */
            c->orientation = ORIENT_SERVER_PORT;
            zeek_conn_mark_flipped(&c->zeek);
        } else {
            c->orientation = ORIENT_FIRST_PACKET;
        }
        c->direction_inferred = true;
    }
    c->flags &= ~CONN_F_FLIPPED;
    return c;
}

/* True if this TCP segment opens a new incarnation of c's 5-tuple: a SYN, or
 * the responder's SYN-ACK of a half connection, whose originator sent nothing
 * (Zeek's test, zeek_conn_is_reuse: it answers a SYN the capture did not
 * show). A SYN or SYN-ACK with the same ISN as before (retransmitted or
 * reordered) never does; for a responder picked up mid-stream, Zeek's start
 * of its sequence space stands for the ISN (a SYN-ACK reordered behind its
 * first bytes). */
static bool tcp_is_reuse(const struct conn *c, const struct packet *pkt, int side)
{
    uint16_t ctl = pkt->tcp.flags & (TCP_SYN | TCP_ACK | TCP_RST);
    if (ctl == (TCP_SYN | TCP_ACK))
        return side == 1 && zeek_conn_is_reuse(&c->zeek, pkt, false) &&
               pkt->tcp.seq != c->zeek.u.tcp.resp.start_seq;
    if (ctl != TCP_SYN)
        return false;
    const struct conn_dir *d = &c->dir[side];
    if (d->has_isn)
        return pkt->tcp.seq != d->isn;
    /* the responder now sends a SYN: only a new connection if the old one closed */
    return tcp_endpoint_conn_closed(c) && !(c->dir[side ^ 1].state == TCP_ST_SYN_SENT);
}

/* Whether TCP segment pkt, sent by side of a remembered closed connection, opens
 * the next incarnation (as tcp_is_reuse for a closed connection). */
static bool closed_is_reuse(const struct closed_tuple *t, const struct packet *pkt, int side)
{
    uint16_t ctl = pkt->tcp.flags & (TCP_SYN | TCP_ACK | TCP_RST);
    if (ctl == (TCP_SYN | TCP_ACK)) /* a half connection's, with a new ISN */
        return side == 1 && (t->flags & CLOSED_TUPLE_ORIG_SILENT) != 0 &&
               !((t->flags & CLOSED_TUPLE_RESP_ISN) != 0 && pkt->tcp.seq == t->isn[1]);
    if (ctl != TCP_SYN)
        return false;
    if (t->flags & closed_tuple_isn_flag(side))
        return pkt->tcp.seq != t->isn[side];
    return t->final_state[side ^ 1] != TCP_ST_SYN_SENT;
}

/* Makes new connection c (created for a late packet of the remembered closed
 * connection t) continue it: same incarnation and roles, both sockets where t
 * left them (no transition: they do not reopen), flagged after_close. */
static void continue_closed(struct conn *c, const struct closed_tuple *t)
{
    bool orig_lo = (t->flags & CLOSED_TUPLE_ORIG_LO) != 0;
    if (orig_lo != c->orig_is_lo) {
        uint16_t p = c->orig_port;
        c->orig_port = c->resp_port;
        c->resp_port = p;
        c->orig_is_lo = orig_lo;
    }
    zeek_conn_init(&c->zeek, IPPROTO_NUM_TCP); /* no '^': the roles are the closed one's */
    c->orientation = t->orientation;
    c->direction_inferred = t->orientation != ORIENT_HANDSHAKE;
    c->incarnation = t->incarnation;
    c->close_ts = t->close_ts;
    c->flags |= CONN_F_AFTER_CLOSE;
    for (int s = 0; s < 2; s++) {
        c->dir[s].state = t->final_state[s];
        c->dir[s].existed = true;
        if (t->flags & closed_tuple_isn_flag(s)) {
            c->dir[s].isn = t->isn[s];
            c->dir[s].has_isn = true;
        }
        /* where the side's sequence numbers had reached: a late segment at or
         * below it was sent before (Wireshark, reading on, calls it a
         * retransmission) */
        if (t->flags & closed_tuple_seq_flag(s)) {
            c->dir[s].next_seq = t->next_seq[s];
            c->dir[s].has_seq = true;
        }
    }
}

static void attach_icmp_evidence(struct analyzer *an, const struct packet *pkt, uint32_t ctx)
{
    const struct icmp_quote *q = &pkt->icmp.quote;
    if (!q->valid || !q->has_ports) {
        an->stats.icmp_errors_unmatched++; /* nothing to key a connection by */
        return;
    }
    uint16_t sport = q->sport, dport = q->dport;
    if (q->proto == IPPROTO_NUM_ICMP || q->proto == IPPROTO_NUM_ICMPV6) {
        uint8_t other; /* a quoted ICMP query: its flow's key, as track_inline makes it */
        if (icmp_counterpart(q->proto == IPPROTO_NUM_ICMPV6, (uint8_t)sport, &other))
            dport = other;
    }
    struct flow_key key;
    bool quoted_src_is_lo =
        flow_key_make(&key, q->ip_version, q->proto, &q->src, sport, &q->dst, dport,
                      pkt->n_vlan > 0 ? pkt->vlan[0] : 0, pkt->n_vlan > 1 ? pkt->vlan[1] : 0, ctx);
    struct conn *c = flow_table_find(an->flows, &key);
    if (c == NULL) {
        an->stats.icmp_errors_unmatched++;
        return;
    }
    an->stats.icmp_errors_attached++;
    struct conn_cold *k = conn_cold_get(c);
    if (k == NULL)
        return; /* out of memory: counted as attached, the evidence is lost */
    struct conn_icmp_evidence ic = {
        .ts_ns = pkt->ts_ns,
        .mtu = pkt->icmp.mtu,
        .from = pkt->src,
        .type = pkt->icmp.type,
        .code = pkt->icmp.code,
        .ip_version = pkt->ip_version,
        .quoted_src_is_lo = quoted_src_is_lo,
    };
    /* one message, whole (its MTU with its sender): the most telling */
    int rank = conn_icmp_rank(&ic, c->orig_is_lo);
    if (k->has_icmp) {
        int held = conn_icmp_rank(&k->icmp, c->orig_is_lo);
        if (rank < held || (rank == held && rank != 2))
            return;
    }
    k->has_icmp = true;
    k->icmp = ic;
}

/* A carrier's application is the tunnel sockscope opened, not what nDPI would guess
 * from the encapsulated bytes: service as Zeek's tunnel analyzers name it. */
static const struct {
    enum encap_type type;
    const char *zeek, *name;
} carrier_names[] = {
    {ENCAP_VXLAN, "vxlan", "VXLAN"},     {ENCAP_VXLAN_GPE, "", "VXLAN-GPE"},
    {ENCAP_GENEVE, "geneve", "Geneve"},  {ENCAP_GTPU, "gtpv1", "GTP-U"},
    {ENCAP_TEREDO, "teredo", "Teredo"},  {ENCAP_AYIYA, "ayiya", "AYIYA"},
    {ENCAP_CAPWAP, "capwap", "CAPWAP"}, /* no Zeek analyzer: nDPI's name, lower-cased */
};

/* Marks new carrier connection c as named by its tunnel (nDPI is not asked). */
static void name_carrier(struct conn *c, enum encap_type type)
{
    for (size_t i = 0; i < sizeof(carrier_names) / sizeof(carrier_names[0]); i++) {
        if (carrier_names[i].type == type) {
            c->dpi_done = true;
            c->carrier_type = (uint8_t)type;
            return;
        }
    }
}

/* The VXLAN port (IANA 4789), where Zeek's VXLAN analyzer takes any header
 * with the I flag, a VXLAN-GPE one too */
#define VXLAN_PORT 4789

static void name_carrier_record(struct conn *rec)
{
    for (size_t i = 0; i < sizeof(carrier_names) / sizeof(carrier_names[0]); i++) {
        if (carrier_names[i].type != (enum encap_type)rec->carrier_type)
            continue;
        const char *zeek = carrier_names[i].zeek;
        if (rec->carrier_type == ENCAP_VXLAN_GPE && rec->resp_port == VXLAN_PORT)
            zeek = "vxlan"; /* Zeek logs it so (its vxlan-triple-v2 test) */
        snprintf(rec->service, sizeof(rec->service), "%s", zeek);
        snprintf(rec->app_name, sizeof(rec->app_name), "%s", carrier_names[i].name);
        snprintf(rec->app_category, sizeof(rec->app_category), "Network"); /* nDPI's category */
        return;
    }
}

/* Zeek's missed bytes grew with a packet (ZEEK_UPD_MISSED): the data was the
 * other side's, data_side (the packet acknowledged past what the capture had
 * of it). The directions' shares, in the cold part, take what Zeek's count
 * has that they do not: their sum follows it (after a cold part that could
 * not be had, the next growth books the rest). */
static SS_NOINLINE void note_missed(struct conn *c, int data_side)
{
    struct conn_cold *k = conn_cold_get(c);
    if (k != NULL)
        k->tcp_counts[data_side].missed_bytes += zeek_conn_missed_bytes(&c->zeek) -
                                                 k->tcp_counts[0].missed_bytes -
                                                 k->tcp_counts[1].missed_bytes;
}

/* Sibling tunnels (differing only in their ids): how many of a tunnel's
 * siblings a packet without a connection of its own looks in, and how far
 * a joining TCP segment may acknowledge beyond what the other side was seen
 * to send, or start beyond what that side acknowledged (a mirror delivers
 * each direction's copies on its own path, so one may run ahead). */
#define SIBLING_MAX_TRIES 8
#define SIBLING_SEQ_SLACK (1u << 20)

/* Whether pkt, sent by the side of c that src_is_lo names, came through
 * sibling tunnel ctx of c's and belongs to c: c took that tunnel's packets
 * already, or c is one-sided (only the other side was seen) and, for TCP,
 * pkt's sequence numbers fit the other side's (it acknowledges what that
 * side sent, or starts where that side's acknowledgments point). Anything
 * else is a connection of its own in its own tunnel (two tenants). */
static bool sibling_takes(const struct conn *c, const struct packet *pkt, bool src_is_lo,
                          uint32_t ctx)
{
    if (c->cold != NULL && c->cold->sibling_tunnel != NULL)
        return c->cold->sibling_tunnel->ctx == ctx;
    int side = src_is_lo == c->orig_is_lo ? 0 : 1;
    if (c->is_self || c->dir[side].pkts != 0 || c->dir[1 - side].pkts == 0)
        return false;
    if (c->proto != IPPROTO_NUM_TCP)
        return true;
    const struct zeek_endpoint *o = &c->zeek.u.tcp.ep[1 - side];
    const struct conn_dir *od = &c->dir[1 - side];
    if ((pkt->tcp.flags & TCP_ACK) && od->has_seq &&
        (int32_t)(pkt->tcp.ack - o->start_seq) >= 0 &&
        (int32_t)(pkt->tcp.ack - o->last_seq) <= (int32_t)SIBLING_SEQ_SLACK)
        return true;
    if (od->has_ack) {
        int32_t d = (int32_t)(od->last_ack - pkt->tcp.seq);
        return d >= -(int32_t)SIBLING_SEQ_SLACK && d <= (int32_t)SIBLING_SEQ_SLACK;
    }
    return false;
}

/* Walks the siblings of tunnel tp, at most SIBLING_MAX_TRIES of them: *sk
 * (a copy of the packet's key, *ctx and *tries 0 at the start) becomes the
 * key in the next sibling, *sh its hash. False when the walk is over. */
static bool next_sibling_key(const struct analyzer *an, const struct tunnel_path *tp,
                             uint32_t *ctx, unsigned *tries, struct flow_key *sk, uint64_t *sh)
{
    *ctx = *ctx == 0 ? tp->desc->sibling : an->tunnels[*ctx - 1]->sibling;
    if (*ctx == tp->ctx || (*tries)++ == SIBLING_MAX_TRIES)
        return false;
    sk->ctx = *ctx;
    *sh = flow_key_hash(sk, &an->prep.hasher);
    return true;
}

/* The connection of pkt's 5-tuple (key, src_is_lo) in one of the siblings of
 * its tunnel tp that takes it (sibling_takes), with its key in *sk and hash
 * in *sh; NULL when none does. */
static struct conn *sibling_conn(struct analyzer *an, const struct packet *pkt,
                                 const struct tunnel_path *tp, const struct flow_key *key,
                                 bool src_is_lo, struct flow_key *sk, uint64_t *sh)
{
    *sk = *key;
    uint32_t ctx = 0;
    unsigned tries = 0;
    while (next_sibling_key(an, tp, &ctx, &tries, sk, sh)) {
        struct conn *c = flow_table_find_hashed(an->flows, sk, *sh);
        if (c != NULL && sibling_takes(c, pkt, src_is_lo, tp->ctx)) {
            struct conn_cold *k = conn_cold_get(c);
            if (k == NULL) /* out of memory: a connection of its own */
                return NULL;
            k->sibling_tunnel = tp->desc;
            c->flags |= CONN_F_SIBLING_TUNNELS;
            return c;
        }
    }
    return NULL;
}

/* The remembered closed 5-tuple of pkt's 5-tuple (key) in one of the siblings
 * of its tunnel tp whose connection took a sibling's packets, with its key
 * in *sk and hash in *sh; NULL when there is none. */
static const struct closed_tuple *sibling_closed(struct analyzer *an,
                                                 const struct tunnel_path *tp,
                                                 const struct flow_key *key, struct flow_key *sk,
                                                 uint64_t *sh)
{
    *sk = *key;
    uint32_t ctx = 0;
    unsigned tries = 0;
    while (next_sibling_key(an, tp, &ctx, &tries, sk, sh)) {
        const struct closed_tuple *t = closed_tuples_find_hashed(an->closed, *sh);
        if (t != NULL && (t->flags & CLOSED_TUPLE_SIBLING))
            return t;
    }
    return NULL;
}

/* Accounts pkt to its connection (creating it, or a new incarnation, as needed).
 * Returns the connection (valid until the next call that may evict) and sets
 * *key_out (unless NULL) to its key and *is_new when it was created; NULL if none
 * could be made. */
static SS_ALWAYS_INLINE struct conn *
track_inline(struct analyzer *an, struct packet *pkt, const struct tunnel_path *tp,
             const struct analyzer_flow_hint *hint, struct flow_key *key_out, bool *is_new,
             uint8_t proto, bool hinted)
{
    uint16_t sport = pkt->sport, dport = pkt->dport;
    bool is_icmp = proto == IPPROTO_NUM_ICMP || proto == IPPROTO_NUM_ICMPV6;
    if (is_icmp) {
        uint8_t other;
        sport = pkt->icmp.type;
        dport = icmp_counterpart(proto == IPPROTO_NUM_ICMPV6, pkt->icmp.type, &other)
                    ? other
                    : pkt->icmp.code;
        if (pkt->icmp.is_error)
            attach_icmp_evidence(an, pkt, tp->ctx);
    } else if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP &&
               proto != IPPROTO_NUM_SCTP) {
        sport = dport = 0;
    }

    /* one key and hash for the flow table and the closed 5-tuples (same
     * hasher): the look-ahead made them already when this is the packet it
     * dissected (an unencapsulated TCP or UDP one) */
    struct flow_key made;
    const struct flow_key *key = &made;
    bool src_is_lo;
    uint64_t flow_hash;
    uint32_t entry = 0;
    if (hinted || (hint != NULL && hint->pkt == pkt)) {
        key = &hint->key;
        src_is_lo = hint->src_is_lo;
        flow_hash = hint->hash;
        entry = hint->entry;
    } else {
        src_is_lo = flow_key_make(&made, pkt->ip_version, proto, &pkt->src, sport, &pkt->dst,
                                  dport, pkt->n_vlan > 0 ? pkt->vlan[0] : 0,
                                  pkt->n_vlan > 1 ? pkt->vlan[1] : 0, tp->ctx);
        flow_hash = flow_key_hash(&made, &an->prep.hasher);
    }
    *is_new = false;
    struct conn *c = flow_table_find_at(an->flows, key, flow_hash, entry);
    /* a direction that came through a sibling of its tunnel (tunnels only) */
    const struct flow_key *own_key = key;
    uint64_t own_hash = flow_hash;
    struct flow_key sibling_key;
    if (c == NULL && tp->desc != NULL && tp->desc->sibling != tp->ctx) {
        uint64_t h;
        c = sibling_conn(an, pkt, tp, key, src_is_lo, &sibling_key, &h);
        if (c != NULL) {
            key = &sibling_key;
            flow_hash = h;
        }
    }
    uint32_t incarnation = 1;
    uint64_t prev_close = 0;
    bool prev_time_wait = false;
    uint64_t two_msl = 2 * an->cfg.msl_ns;
    if (c != NULL && proto == IPPROTO_NUM_TCP) {
        int side = src_is_lo == c->orig_is_lo ? 0 : 1;
        if (tcp_is_reuse(c, pkt, side)) {
            incarnation = c->incarnation + 1;
            prev_close = c->close_ts;
            for (int s = 0; s < 2; s++) {
                bool ex;
                if (tcp_endpoint_state_at(c, s, pkt->ts_ns, &ex) == TCP_ST_TIME_WAIT && ex &&
                    (c->dir[s].state == TCP_ST_TIME_WAIT || c->dir[s].state == TCP_ST_CLOSED))
                    prev_time_wait = true;
            }
            if (c->flags & CONN_F_AFTER_CLOSE) {
                /* late packets of a closed connection: its TIME_WAIT is remembered */
                const struct closed_tuple *t = closed_tuples_find_hashed(an->closed, flow_hash);
                if (t != NULL)
                    prev_time_wait = closed_tuple_tw_end(t, 0) > pkt->ts_ns ||
                                     closed_tuple_tw_end(t, 1) > pkt->ts_ns;
                forget_closed(an, flow_hash);
            }
            emit_and_remove(an, c, END_REUSE, pkt->ts_ns);
            note_oldest_changed(an);
            c = NULL;
            key = own_key; /* the new incarnation is its own tunnel's */
            flow_hash = own_hash;
        }
    }
    struct closed_tuple closed;
    bool late = false;
    const struct tunnel_desc *late_sibling = NULL; /* late packets through a sibling */
    if (c == NULL && proto == IPPROTO_NUM_TCP && closed_tuples_count(an->closed) > 0) {
        uint64_t closed_hash = flow_hash;
        const struct closed_tuple *t = closed_tuples_find_hashed(an->closed, closed_hash);
        bool in_sibling = false; /* t is a sibling tunnel's */
        if (t == NULL && tp->desc != NULL && tp->desc->sibling != tp->ctx) {
            t = sibling_closed(an, tp, key, &sibling_key, &closed_hash);
            in_sibling = t != NULL;
        }
        if (t != NULL && t->last_ts + two_msl > pkt->ts_ns) {
            closed = *t;
            int side = src_is_lo == ((closed.flags & CLOSED_TUPLE_ORIG_LO) != 0) ? 0 : 1;
            if (closed_is_reuse(&closed, pkt, side)) {
                incarnation = closed.incarnation + 1;
                prev_close = closed.close_ts;
                prev_time_wait = closed_tuple_tw_end(&closed, 0) > pkt->ts_ns ||
                                 closed_tuple_tw_end(&closed, 1) > pkt->ts_ns;
                forget_closed(an, closed_hash); /* (a new incarnation: its own tunnel's) */
            } else {
                late = true; /* kept: the late record then updates it */
                if (in_sibling) { /* keyed as the closed connection was */
                    late_sibling = tp->desc;
                    key = &sibling_key;
                    flow_hash = closed_hash;
                }
            }
        } else if (t != NULL) {
            forget_closed(an, closed_hash); /* 2*MSL ran out */
        }
    }
    if (c == NULL) {
        c = new_conn(an, key, flow_hash, pkt, sport, dport, src_is_lo);
        if (c == NULL)
            return NULL;
        *is_new = true;
        c->incarnation = incarnation;
        if (late) {
            continue_closed(c, &closed);
            an->stats.after_close_records++;
        }
        /* (the tunnel context is the key's) */
        if (tp->desc != NULL) {
            struct conn_cold *k = conn_cold_get(c);
            /* (out of memory: the record names no tunnel) */
            if (k != NULL && late_sibling != NULL) { /* its key's tunnel, and this one */
                k->tunnel = an->tunnels[key->ctx - 1];
                k->sibling_tunnel = late_sibling;
                c->flags |= CONN_F_SIBLING_TUNNELS;
            } else if (k != NULL) {
                k->tunnel = tp->desc;
            }
        }
        if (tp->is_carrier && an->dpi != NULL) /* a detection result: not with --no-dpi */
            name_carrier(c, (enum encap_type)tp->carrier_type);
        if (prev_close != 0) {
            uint64_t gap = pkt->ts_ns > prev_close ? pkt->ts_ns - prev_close : 0;
            struct conn_cold *k = gap != 0 ? conn_cold_get(c) : NULL;
            if (k != NULL) /* out of memory: the record shows no gap */
                k->prev_close_gap_ns = gap;
            if (prev_time_wait || gap < 2 * an->cfg.msl_ns)
                c->flags |= prev_time_wait ? CONN_F_REUSE_IN_TIME_WAIT : 0;
        }
    }

    if (key_out != NULL)
        *key_out = *key;
    /* (a connection to self, same address and port both ways, has one side only) */
    int side = src_is_lo == c->orig_is_lo ? 0 : 1;
    struct conn_dir *d = &c->dir[side];
    d->pkts++;
    d->ip_bytes += pkt->ip_len;
    d->wire_bytes += pkt->wire_len;
    d->payload_bytes += pkt->l4_payload_len;
    if (proto == IPPROTO_NUM_SCTP)
        d->sctp_chunks |= pkt->sctp.chunk_types;
    if (pkt->payload.len < pkt->l4_payload_len && !tp->is_carrier)
        c->flags |= CONN_F_PAYLOAD_TRUNCATED;
    if (pkt->anomalies & ANOM_BIT(ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN))
        c->flags |= CONN_F_HEADERS_TRUNCATED;
    struct conn_cold *k = tp->n_parents > 0 ? conn_cold_get(c) : NULL;
    for (unsigned i = 0; k != NULL && i < tp->n_parents; i++) {
        bool known = false;
        for (unsigned j = 0; j < k->n_tunnel_parents; j++)
            known = known || k->tunnel_parents[j] == tp->parents[i];
        if (!known && k->n_tunnel_parents < CONN_MAX_TUNNEL_PARENTS)
            k->tunnel_parents[k->n_tunnel_parents++] = tp->parents[i];
    }
    if (pkt->l4_csum == CSUM_BAD || pkt->ip_csum == CSUM_BAD)
        c->flags |= CONN_F_BAD_CHECKSUM;
    if (pkt->ts_ns > c->last_ts)
        c->last_ts = pkt->ts_ns;

    bool tcp_closed = false;
    if (proto == IPPROTO_NUM_TCP)
        tcp_closed = tcp_endpoint_on_segment(c, pkt, side);
    int upd = zeek_conn_update(&c->zeek, pkt, side == 0);
    /* (proto is constant in each copy: the UDP one has none of this) */
    if (proto == IPPROTO_NUM_TCP && SS_UNLIKELY(upd & ZEEK_UPD_MISSED))
        note_missed(c, side ^ 1);
    if (upd & ZEEK_UPD_FLIPPED) {
        conn_swap_sides(c);
        const char *h = zeek_conn_history(&c->zeek);
        if (h[0] == '^' && h[1] == 'h')
            c->orientation = ORIENT_SYN_ACK;
        else
            c->orientation = ORIENT_HANDSHAKE;
        c->direction_inferred = c->orientation != ORIENT_HANDSHAKE;
    }
    if ((upd & ZEEK_UPD_TOUCH_TIME) && pkt->ts_ns > c->zeek_last_ts)
        c->zeek_last_ts = pkt->ts_ns;
    if (an->dpi != NULL && !c->dpi_done && !tp->is_carrier) {
        dpi_feed(an->dpi, c, pkt);
        an->stats.dpi_peak_inspecting = dpi_peak_inspecting(an->dpi);
    }
    /* conn_class, with the closed test the segment's own (no state of the
     * sockets moved since: the side swap keeps it, Zeek and nDPI touch none) */
    enum flow_class cls = proto != IPPROTO_NUM_TCP ? conn_class(c)
                          : tcp_closed               ? FLOW_CLASS_TCP_CLOSED
                                                     : FLOW_CLASS_TCP;
    /* A connection that closes now is read again when its record is written,
     * after the close delay, or by a late packet: until then its entry would
     * only take room in the shared cache from those of open connections. */
    bool closes_now = cls == FLOW_CLASS_TCP_CLOSED && flow_table_class(c) != cls;
    if (flow_table_touch(an->flows, c, cls))
        note_oldest_changed(an);
    if (closes_now)
        flow_table_evict(an->flows, c);
    if (*is_new) {
        size_t open = flow_table_count(an->flows);
        if (open > an->stats.peak_flows)
            an->stats.peak_flows = open;
        size_t tracked = open + closed_tuples_count(an->closed);
        if (tracked > an->stats.peak_tracked)
            an->stats.peak_tracked = tracked;
    }
    return c;
}

/* track() for any packet; feed_brief has its own copy, specialised to a plain
 * TCP or UDP packet with a hint (the tunnel and ICMP branches fold away). */
static SS_NOINLINE struct conn *track(struct analyzer *an, struct packet *pkt,
                                   const struct tunnel_path *tp,
                                   const struct analyzer_flow_hint *hint,
                                   struct flow_key *key_out, bool *is_new)
{
    return track_inline(an, pkt, tp, hint, key_out, is_new, pkt->proto, false);
}

/* Where tunnel d's ring of siblings starts in sibling_map (size nsize): the
 * slot of the first tunnel whose chain key without ids is d's, or the empty
 * slot where d would start one. */
static size_t sibling_slot(const struct analyzer *an, const uint32_t *map, size_t nsize,
                           const struct tunnel_desc *d)
{
    uint8_t key[ENCAP_KEY_MAX_LEN], other[ENCAP_KEY_MAX_LEN];
    memcpy(key, d->key, d->key_len);
    encap_chain_key_drop_ids(key, d->key_len);
    size_t j = (size_t)siphash24(key, d->key_len, an->cfg.seed) & (nsize - 1);
    for (; map[j] != 0; j = (j + 1) & (nsize - 1)) {
        const struct tunnel_desc *f = an->tunnels[map[j] - 1];
        if (f->key_len != d->key_len)
            continue;
        memcpy(other, f->key, f->key_len);
        encap_chain_key_drop_ids(other, f->key_len);
        if (memcmp(key, other, d->key_len) == 0)
            break;
    }
    return j;
}

/* The interned description of pkt's tunnel chain encap[0..depth); NULL when the
 * table is full (the context then falls back to a hash of the chain). A new
 * one joins the ring of the tunnels that differ from it only in their ids. */
static const struct tunnel_desc *intern_tunnel(struct analyzer *an, const struct packet *pkt,
                                               unsigned depth, uint32_t *ctx)
{
    uint8_t key[ENCAP_KEY_MAX_LEN];
    size_t len = encap_chain_key(pkt, depth, key, sizeof(key));
    *ctx = 0;
    if (len == 0)
        return NULL;
    uint64_t h = siphash24(key, len, an->cfg.seed);
    if (an->tunnel_map == NULL || (an->n_tunnels + 1) * 2 > an->tunnel_map_size) {
        if (an->n_tunnels >= ANALYZER_MAX_TUNNELS)
            goto full;
        size_t nsize = an->tunnel_map_size ? an->tunnel_map_size * 2 : 64;
        uint32_t *nmap = calloc(nsize, sizeof(*nmap));
        uint32_t *nsib = calloc(nsize, sizeof(*nsib));
        if (nmap == NULL || nsib == NULL) {
            free(nmap);
            free(nsib);
            goto full;
        }
        for (size_t i = 0; i < an->n_tunnels; i++) {
            const struct tunnel_desc *d = an->tunnels[i];
            size_t j = (size_t)siphash24(d->key, d->key_len, an->cfg.seed) & (nsize - 1);
            while (nmap[j] != 0)
                j = (j + 1) & (nsize - 1);
            nmap[j] = (uint32_t)i + 1;
            j = sibling_slot(an, nsib, nsize, d);
            if (nsib[j] == 0)
                nsib[j] = (uint32_t)i + 1; /* the first of its ring */
        }
        free(an->tunnel_map);
        free(an->sibling_map);
        an->tunnel_map = nmap;
        an->sibling_map = nsib;
        an->tunnel_map_size = nsize;
    }
    size_t mask = an->tunnel_map_size - 1;
    size_t j = (size_t)h & mask;
    for (; an->tunnel_map[j] != 0; j = (j + 1) & mask) {
        struct tunnel_desc *d = an->tunnels[an->tunnel_map[j] - 1];
        if (d->key_len == len && memcmp(d->key, key, len) == 0) {
            *ctx = d->ctx;
            return d;
        }
    }
    if (an->n_tunnels >= ANALYZER_MAX_TUNNELS)
        goto full;
    if (an->n_tunnels == an->cap_tunnels) {
        size_t ncap = an->cap_tunnels ? an->cap_tunnels * 2 : 16;
        struct tunnel_desc **nt = realloc(an->tunnels, ncap * sizeof(*nt));
        if (nt == NULL)
            goto full;
        an->tunnels = nt;
        an->cap_tunnels = ncap;
    }
    struct tunnel_desc *d = calloc(1, sizeof(*d));
    if (d == NULL)
        goto full;
    d->n_levels = (uint8_t)depth;
    for (unsigned i = 0; i < depth; i++) {
        const struct encap_layer *l = &pkt->encap[i];
        struct tunnel_level *tl = &d->level[i];
        tl->type = (uint8_t)l->type;
        tl->ip_version = l->ip_version;
        tl->proto = l->proto;
        tl->src = l->src;
        tl->dst = l->dst;
        tl->sport = l->sport;
        tl->dport = l->dport;
        tl->id = l->id;
        tl->has_id = l->has_id;
    }
    d->key_len = len;
    memcpy(d->key, key, len);
    d->ctx = (uint32_t)an->n_tunnels + 1;
    an->tunnels[an->n_tunnels++] = d;
    an->tunnel_map[j] = d->ctx;
    size_t r = sibling_slot(an, an->sibling_map, an->tunnel_map_size, d);
    if (an->sibling_map[r] == 0) {
        an->sibling_map[r] = d->ctx;
        d->sibling = d->ctx;
    } else {
        struct tunnel_desc *first = an->tunnels[an->sibling_map[r] - 1];
        d->sibling = first->sibling;
        first->sibling = d->ctx;
    }
    *ctx = d->ctx;
    return d;
full:
    *ctx = (uint32_t)h | 0x80000000u; /* beyond the cap: a hashed context, no description */
    return NULL;
}

/* The connection-level view of encapsulation layer l: the carrier packet. */
static void carrier_packet(const struct packet *pkt, const struct encap_layer *l, struct packet *cp)
{
    memset(cp, 0, sizeof(*cp));
    cp->ts_ns = pkt->ts_ns;
    cp->wire_len = pkt->wire_len;
    cp->cap_len = pkt->cap_len;
    cp->linktype = pkt->linktype;
    cp->n_vlan = l->n_vlan;
    memcpy(cp->vlan, l->vlan, sizeof(cp->vlan));
    cp->l3 = l->l3;
    cp->ip_version = l->ip_version;
    cp->ttl = l->ttl;
    cp->proto = l->proto;
    cp->src = l->src;
    cp->dst = l->dst;
    cp->ip_len = l->ip_len;
    cp->ip_hdr_len = l->ip_hdr_len;
    cp->ip_csum = l->ip_csum;
    cp->l4_csum = l->l4_csum;
    cp->reassembled = l->reassembled;
    cp->sport = l->sport;
    cp->dport = l->dport;
    cp->udp_len = l->udp_len;
    cp->l4_payload_len = l->l4_payload_len;
    cp->layer = l->proto == IPPROTO_NUM_UDP ? LAYER_L4 : LAYER_L3;
}

static void feed_now(struct analyzer *an, const struct capture_frame *f,
                     const struct analyzer_flow_hint *hint, struct packet *ready, bool counted);

/* how many frames behind the newest the look-ahead fetches a frame's entry,
 * then its expiry-list neighbours (the newest gets its bucket fetched): the
 * stages spaced as analyzer_feed_ring spaces them */
#define AHEAD_ENTRY_BACK (ANALYZER_RING_BUCKET_AHEAD - ANALYZER_RING_ENTRY_AHEAD)
#define AHEAD_LINKS_BACK (ANALYZER_RING_BUCKET_AHEAD - ANALYZER_RING_LINKS_AHEAD)

static void analyzer_prepare(const struct analyzer_prep *prep, struct analyzer_frame *af,
                             struct packet *pkt);

/* The fields of pkt, a plain TCP or UDP packet, that the tracker reads. */
static void brief_pack(struct analyzer_brief *b, const struct packet *pkt)
{
    b->ts_ns = pkt->ts_ns;
    b->wire_len = pkt->wire_len;
    b->ip_len = pkt->ip_len;
    b->l4_payload_len = pkt->l4_payload_len;
    b->payload_len = (uint32_t)pkt->payload.len; /* at most the frame's cap_len */
    memcpy(b->tcp, &pkt->tcp, sizeof(b->tcp));
    b->csums = (uint8_t)((unsigned)pkt->ip_csum | (unsigned)pkt->l4_csum << 2 |
                         (pkt->anomalies & ANOM_BIT(ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN)
                              ? BRIEF_OPTIONS_CUT : 0u));
}

_Static_assert(CSUM_UNKNOWN == 0 && CSUM_GOOD <= 3 && CSUM_BAD <= 3,
               "a checksum state takes two bits of analyzer_brief.csums");
#define BRIEF_HAS(field)                                                          \
    (offsetof(struct tcp_info_copy, field) + sizeof(((struct tcp_info_copy *)0)->field) <= \
     sizeof(((struct analyzer_brief *)0)->tcp))
_Static_assert(BRIEF_HAS(seq) && BRIEF_HAS(ack) && BRIEF_HAS(flags) && BRIEF_HAS(window) &&
                   BRIEF_HAS(has_mss) && BRIEF_HAS(has_wscale) && BRIEF_HAS(mss) &&
                   BRIEF_HAS(wscale),
               "the brief carries every TCP field tracking reads");

/* af's brief as a packet in an->brief_pkt, whose other fields stay zero (as a
 * plain TCP or UDP packet has them, or unread: the addresses too, which
 * tracking takes from the hint's key; of the TCP fields it also carries the
 * header length and the SACK-permitted and timestamp flags, which tracking
 * does not read). Points the hint at it. */
static struct packet *brief_unpack(struct analyzer *an, struct analyzer_frame *af)
{
    const struct analyzer_brief *b = &af->brief;
    const struct flow_key *k = &af->hint.key;
    struct packet *pkt = &an->brief_pkt;
    pkt->ts_ns = b->ts_ns;
    pkt->wire_len = b->wire_len;
    pkt->ip_len = b->ip_len;
    pkt->l4_payload_len = b->l4_payload_len;
    pkt->payload.len = b->payload_len;
    memcpy(&pkt->tcp, b->tcp, sizeof(b->tcp));
    bool lo = af->hint.src_is_lo; /* flow_key_make: the source is the lo endpoint */
    pkt->sport = lo ? k->lo_port : k->hi_port;
    pkt->dport = lo ? k->hi_port : k->lo_port;
    pkt->ip_version = k->ip_version;
    pkt->proto = k->proto;
    pkt->ip_csum = (enum csum_state)(b->csums & 3u);
    pkt->l4_csum = (enum csum_state)(b->csums >> 2 & 3u);
    pkt->anomalies = (b->csums & BRIEF_OPTIONS_CUT) != 0
                         ? ANOM_BIT(ANOM_TCP_OPTIONS_CUT_BY_SNAPLEN) : 0; /* the one read */
    af->hint.pkt = pkt;
    return pkt;
}

/* Makes af's buffer hold at least cap_len bytes. */
static int frame_buf_fit(struct analyzer_frame *af, uint32_t cap_len)
{
    size_t ncap = cap_len < ANALYZER_FRAME_BUF_MIN ? ANALYZER_FRAME_BUF_MIN : cap_len;
    /* grow as needed; a buffer above ANALYZER_FRAME_BUF_KEEP is sized to each
     * frame, so that a few jumbo frames do not leave every slot of a ring
     * holding a jumbo buffer */
    if (ncap > af->cap || (af->cap > ANALYZER_FRAME_BUF_KEEP && ncap != af->cap)) {
        uint8_t *nb = realloc(af->buf, ncap);
        if (nb == NULL)
            return -1;
        af->buf = nb;
        af->cap = ncap;
    }
    return 0;
}

/* v, a view into the cap_len bytes at from, onto the same bytes at to
 * (NULL: dropped, its length kept). A view elsewhere is left alone. */
static void view_move(struct view *v, const uint8_t *from, uint32_t cap_len, const uint8_t *to)
{
    /* one comparison: below from (NULL included) the difference wraps to more
     * than any cap_len, since from + cap_len cannot wrap */
    uintptr_t off = (uintptr_t)v->p - (uintptr_t)from;
    if (off > cap_len)
        return;
    v->p = to != NULL ? to + off : NULL;
}

static void packet_views_move(struct packet *pkt, const uint8_t *from, uint32_t cap_len,
                              const uint8_t *to)
{
    view_move(&pkt->l3, from, cap_len, to);
    view_move(&pkt->payload, from, cap_len, to);
    for (unsigned i = 0; i < pkt->n_encap && i < PACKET_MAX_ENCAP; i++)
        view_move(&pkt->encap[i].l3, from, cap_len, to);
}

int analyzer_frame_take(const struct analyzer_prep *prep, struct analyzer_frame *af,
                        const struct capture_frame *f, struct packet *scratch)
{
    af->f = *f;
    struct packet *pkt = scratch != NULL ? scratch : &af->pkt;
    analyzer_prepare(prep, af, pkt);
    af->has_brief = prep->brief && af->hint.pkt != NULL;
    if (af->hint.pkt != NULL)
        af->hint.pkt = &af->pkt; /* not scratch, another thread's (a brief replaces it) */
    if (af->has_brief) { /* it stands for the packet: no bytes kept, af's packet unused */
        brief_pack(&af->brief, pkt);
        af->f.data = NULL;
        return 0;
    }
    if (pkt != &af->pkt)
        af->pkt = *pkt;
    const uint8_t *to = NULL;
    if (prep->bytes_read || !af->pkt_ready) {
        if (frame_buf_fit(af, f->cap_len) != 0)
            return -1;
        if (f->cap_len > 0)
            memcpy(af->buf, f->data, f->cap_len);
        to = af->buf;
    }
    af->f.data = to;
    if (f->data != NULL)
        packet_views_move(&af->pkt, f->data, f->cap_len, to);
    return 0;
}

void analyzer_frame_free(struct analyzer_frame *af)
{
    free(af->buf);
    af->buf = NULL;
    af->cap = 0;
}

void *analyzer_alloc_aligned(size_t n)
{
    size_t rounded = (n + 63) / 64 * 64; /* aligned_alloc wants a multiple */
    void *p = aligned_alloc(64, rounded);
    if (p != NULL)
        memset(p, 0, rounded);
    return p;
}

/* Fetches into the cache what feeding af reads of it first: its brief and its
 * hint. */
static inline void frame_prefetch(const struct analyzer_frame *af)
{
    const char *p = (const char *)af;
    for (size_t off = 0; off < offsetof(struct analyzer_frame, f); off += 64)
        __builtin_prefetch(p + off);
}

/* Then, once those are in the cache: when af has no brief, the frame and its
 * packet up to its ICMP and SCTP fields (what TCP and UDP need) and, when nDPI
 * will read them, the frame's first bytes. */
static inline void frame_prefetch_packet(const struct analyzer *an, const struct analyzer_frame *af)
{
    if (!af->has_brief) {
        const char *p = (const char *)&af->f;
        size_t end = offsetof(struct analyzer_frame, pkt) + offsetof(struct packet, icmp) -
                     offsetof(struct analyzer_frame, f);
        for (size_t off = 0; off < end; off += 64)
            __builtin_prefetch(p + off);
    }
    /* the frame's bytes: only nDPI reads them once the packet is dissected */
    if (an->dpi != NULL)
        __builtin_prefetch(af->buf);
}

void analyzer_prep_get(const struct analyzer *an, struct analyzer_prep *prep)
{
    *prep = an->prep;
    prep->brief = !prep->bytes_read;
}

/* The frame dissected as feed_now would, but without the reassembly table (no
 * side effects; a frame that meets a fragment is dissected again in order),
 * and the 5-tuple of an unencapsulated TCP or UDP packet made and hashed as
 * track() and the flow table do. */
static void analyzer_prepare(const struct analyzer_prep *prep, struct analyzer_frame *af,
                             struct packet *pkt)
{
    struct frame_in in = {
        .data = af->f.data, .cap_len = af->f.cap_len, .wire_len = af->f.wire_len,
        .linktype = af->f.linktype, .ts_ns = analyzer_track_ts(af->f.ts_ns),
    };
    struct analyzer_flow_hint *hn = &af->hint;
    hn->pkt = NULL;
    hn->entry = 0;
    struct frame_ctx fctx = prep->fctx;
    frame_dissect(&fctx, &in, pkt);
    af->pkt_ready = !pkt->is_fragment;
    if (pkt->layer < LAYER_L4 || pkt->is_fragment || pkt->n_encap > 0 ||
        (pkt->proto != IPPROTO_NUM_TCP && pkt->proto != IPPROTO_NUM_UDP))
        return;
    /* as track() keys it: no tunnel context, the TCP/UDP ports as they are */
    hn->src_is_lo = flow_key_make(&hn->key, pkt->ip_version, pkt->proto, &pkt->src, pkt->sport,
                                  &pkt->dst, pkt->dport, pkt->n_vlan > 0 ? pkt->vlan[0] : 0,
                                  pkt->n_vlan > 1 ? pkt->vlan[1] : 0, 0);
    hn->hash = flow_key_hash(&hn->key, &prep->hasher);
    hn->pkt = pkt; /* feed_now processes this very packet (no fragment met) */
}

void analyzer_count_prepared(struct capture_stats *st, const struct analyzer_frame *af,
                             const struct packet *scratch)
{
    stats_count_frame(st, af->f.linktype, af->f.wire_len, af->f.cap_len, af->f.ts_ns);
    if (af->pkt_ready) /* what the counts read, the copy in af has too */
        stats_count_packet(st, scratch != NULL ? scratch : &af->pkt);
}

/* Look-ahead stages, each a few frames before the frame is fed: the bucket its
 * hash points to, then the entry that bucket names, then the entry's
 * neighbours in the expiry list. Hints only: they change nothing. Always
 * inlined with a constant stage: the switch folds away. */
enum prefetch_stage { FETCH_BUCKET, FETCH_ENTRY, FETCH_LINKS };

static SS_ALWAYS_INLINE void prefetch_stage(const struct analyzer *an, struct analyzer_frame *af,
                                            const enum prefetch_stage stage)
{
    struct analyzer_flow_hint *hn = &af->hint;
    if (hn->pkt == NULL)
        return;
    switch (stage) {
    case FETCH_BUCKET: {
        /* from the brief when there is one: the packet's lines are the reader's */
        bool tcp = (af->has_brief ? hn->key.proto : af->pkt.proto) == IPPROTO_NUM_TCP;
        uint16_t flags =
            tcp ? (af->has_brief ? analyzer_brief_tcp_flags(&af->brief) : af->pkt.tcp.flags) : 0;
        flow_table_prefetch_bucket(an->flows, hn->hash);
        if (flags & TCP_SYN)
            closed_tuples_prefetch(an->closed, hn->hash); /* a new incarnation? */
        break;
    }
    case FETCH_ENTRY:
        /* Every packet reads the connection up to its Zeek state (the times,
         * flags, both directions' counters and socket states, Zeek's
         * endpoints): 6 of the entry's 9 lines, fetched here. */
        hn->entry = flow_table_prefetch_entry_part(an->flows, hn->hash,
                                                   offsetof(struct conn, id));
        break;
    case FETCH_LINKS:
        /* The rest, a frame later (ten fetches at once stalled on the fill
         * buffers: perf put a quarter of the tracker's samples on them), and
         * only for a packet that may move a socket's state, which a TCP data
         * segment without SYN, FIN or RST in ESTABLISHED does not. A pure ACK
         * may end a handshake or acknowledge a FIN. */
        if (!(af->has_brief && hn->key.proto == IPPROTO_NUM_TCP && af->brief.l4_payload_len > 0 &&
              (analyzer_brief_tcp_flags(&af->brief) & (TCP_SYN | TCP_FIN | TCP_RST)) == 0))
            flow_table_prefetch_entry_from(an->flows, hn->entry, offsetof(struct conn, id));
        flow_table_prefetch_links(an->flows, hn->entry);
        break;
    }
}

/* Processes the oldest held-back frame. */
static void ahead_pop(struct analyzer *an)
{
    struct analyzer_frame *s = &an->ahead[an->ahead_first];
    an->ahead_first = (an->ahead_first + 1) & AHEAD_MASK;
    an->ahead_n--;
    feed_now(an, &s->f, &s->hint, s->pkt_ready ? &s->pkt : NULL, false);
}

void analyzer_drain(struct analyzer *an)
{
    while (an->ahead_n > 0)
        ahead_pop(an);
}

void analyzer_feed(struct analyzer *an, const struct capture_frame *f)
{
    analyzer_drain(an);
    feed_now(an, f, NULL, NULL, false);
}

static void clock_step_back(struct analyzer *an, uint64_t ts_ns);

/* note_frame's rare part, at the first frame and every 65,536th. */
static SS_NOINLINE void note_frame_sampled(struct analyzer *an, uint64_t ts_ns)
{
    if (an->frames_fed == 1)
        an->first_frame_ns = ts_ns;
    if ((an->frames_fed & 0xffff) == 0 && flow_memory(an) > an->peak_flow_memory)
        an->peak_flow_memory = flow_memory(an);
}

/* What every frame fed does first: the time of the first frame, the peak of
 * the flows' memory, sampled (the remembered 5-tuples free chunks, so it can
 * fall), and the clock. */
static inline void note_frame(struct analyzer *an, uint64_t ts_ns)
{
    if (SS_UNLIKELY((++an->frames_fed & 0xffff) <= 1))
        note_frame_sampled(an, ts_ns);
    if (ts_ns > an->now_ns)
        an->now_ns = ts_ns;
    else if (SS_UNLIKELY(an->now_ns - ts_ns > an->step_back_ns))
        clock_step_back(an, ts_ns);
}

/* feed_now for a frame with a brief, counted by the reader: a plain TCP or
 * UDP packet (no tunnel, no fragment, transport decoded) goes straight to
 * tracking. */
static void feed_brief(struct analyzer *an, struct analyzer_frame *af)
{
    static const struct tunnel_path no_tunnel;
    note_frame(an, af->brief.ts_ns);
    expire_idle(an);
    bool is_new;
    struct packet *pkt = brief_unpack(an, af);
    /* a copy each for TCP and UDP: the protocol's branches fold away */
    if (pkt->proto == IPPROTO_NUM_TCP)
        (void)track_inline(an, pkt, &no_tunnel, &af->hint, NULL, &is_new, IPPROTO_NUM_TCP, true);
    else
        (void)track_inline(an, pkt, &no_tunnel, &af->hint, NULL, &is_new, IPPROTO_NUM_UDP, true);
}

_Static_assert(ANALYZER_RING_BUCKET_AHEAD > ANALYZER_RING_ENTRY_AHEAD &&
                   ANALYZER_RING_ENTRY_AHEAD > ANALYZER_RING_LINKS_AHEAD,
               "analyzer_feed_ring: the bucket stage's frame is the furthest");

uint64_t analyzer_feed_ring(struct analyzer *an, struct analyzer_frame *ring, uint32_t mask,
                            uint64_t next, uint64_t end, uint64_t head)
{
    analyzer_drain(an); /* frames are fed strictly in order */
    for (; next < end; next++) {
        if (next + ANALYZER_RING_SLOT_AHEAD < head)
            frame_prefetch(&ring[(next + ANALYZER_RING_SLOT_AHEAD) & mask]);
        /* the bucket stage's frame is the furthest: when it is ready (nearly
         * always), so are the others */
        bool all = next + ANALYZER_RING_BUCKET_AHEAD < head;
        if (all) {
            struct analyzer_frame *af = &ring[(next + ANALYZER_RING_BUCKET_AHEAD) & mask];
            frame_prefetch_packet(an, af);
            prefetch_stage(an, af, FETCH_BUCKET);
        }
        if (all || next + ANALYZER_RING_ENTRY_AHEAD < head)
            prefetch_stage(an, &ring[(next + ANALYZER_RING_ENTRY_AHEAD) & mask], FETCH_ENTRY);
        if (all || next + ANALYZER_RING_LINKS_AHEAD < head)
            prefetch_stage(an, &ring[(next + ANALYZER_RING_LINKS_AHEAD) & mask], FETCH_LINKS);
        struct analyzer_frame *af = &ring[next & mask];
        if (af->has_brief)
            feed_brief(an, af);
        else
            feed_now(an, &af->f, &af->hint, af->pkt_ready ? &af->pkt : NULL, true);
    }
    return next;
}

/* The frame `back` slots before slot idx. */
static struct analyzer_frame *ahead_back(struct analyzer *an, unsigned idx, unsigned back)
{
    return &an->ahead[(idx - back) & AHEAD_MASK];
}

void analyzer_feed_ahead(struct analyzer *an, const struct capture_frame *f)
{
    /* copy the frame: the capture reuses its buffer on the next read */
    unsigned idx = (an->ahead_first + an->ahead_n) & AHEAD_MASK;
    struct analyzer_frame *s = &an->ahead[idx];
    if (analyzer_frame_take(&an->prep, s, f, NULL) != 0) { /* no room to hold it back: process in order now */
        analyzer_feed(an, f);
        return;
    }
    an->ahead_n++;
    prefetch_stage(an, s, FETCH_BUCKET);
    /* the frames before it, each a stage further: the entry its (now cached)
     * bucket points to, then that entry's neighbours in the expiry list */
    if (an->ahead_n > AHEAD_ENTRY_BACK)
        prefetch_stage(an, ahead_back(an, idx, AHEAD_ENTRY_BACK), FETCH_ENTRY);
    if (an->ahead_n > AHEAD_LINKS_BACK)
        prefetch_stage(an, ahead_back(an, idx, AHEAD_LINKS_BACK), FETCH_LINKS);
    if (an->ahead_n > ANALYZER_AHEAD)
        ahead_pop(an);
}

/* Processes frame f (ready: its dissection, when the look-ahead made it;
 * counted: analyzer_count_prepared counted the frame, and ready if any). */
static void feed_now(struct analyzer *an, const struct capture_frame *f,
                     const struct analyzer_flow_hint *hint, struct packet *ready, bool counted)
{
    note_frame(an, analyzer_track_ts(f->ts_ns));
    if (!counted)
        stats_count_frame(&an->stats, f->linktype, f->wire_len, f->cap_len, f->ts_ns);

    struct packet local, *pkt = ready;
    if (pkt == NULL) {
        struct frame_in in = {
            .data = f->data,
            .cap_len = f->cap_len,
            .wire_len = f->wire_len,
            .linktype = f->linktype,
            .ts_ns = analyzer_track_ts(f->ts_ns),
        };
        pkt = &local;
        frame_dissect(&an->fctx, &in, pkt);
    }
    if (!counted || ready == NULL) { /* a fragment is dissected (and counted) here */
        stats_count_packet(&an->stats, pkt);
        if (SS_UNLIKELY(packet_met_fragment(pkt)))
            reasm_note_fragment(an);
    }

    expire_idle(an);

    /* carriers first, outermost first: each is a connection of its own, and the
     * connections inside it list it in tunnel_parents */
    struct tunnel_path tp;
    memset(&tp, 0, sizeof(tp));
    struct flow_key carrier_key;
    bool have_carrier = false;
    for (unsigned i = 0; i < pkt->n_encap; i++) {
        const struct encap_layer *l = &pkt->encap[i];
        if (l->ip_version == 0)
            continue; /* MPLS or PPPoE on a link: no carrier connection */
        struct packet cp;
        carrier_packet(pkt, l, &cp);
        struct tunnel_path ctp = tp;
        ctp.desc = intern_tunnel(an, pkt, i, &ctp.ctx);
        ctp.is_carrier = true;
        ctp.carrier_type = (uint8_t)l->type;
        bool is_new;
        struct flow_key k;
        struct conn *cc = track(an, &cp, &ctp, hint, &k, &is_new);
        if (cc != NULL && tp.n_parents < CONN_MAX_TUNNEL_PARENTS) {
            tp.parents[tp.n_parents++] = cc->id; /* its sequence number (make_record) */
            carrier_key = k;
            have_carrier = true;
        }
    }
    if (pkt->n_encap > 0)
        tp.desc = intern_tunnel(an, pkt, pkt->n_encap, &tp.ctx);

    if (pkt->ip_version == 0 || pkt->layer < LAYER_L3)
        return;
    if (pkt->is_fragment && !pkt->reassembled)
        return;
    bool ported = pkt->proto == IPPROTO_NUM_TCP || pkt->proto == IPPROTO_NUM_UDP ||
                  pkt->proto == IPPROTO_NUM_SCTP || pkt->proto == IPPROTO_NUM_ICMP ||
                  pkt->proto == IPPROTO_NUM_ICMPV6;
    if (ported && pkt->layer < LAYER_L4)
        return; /* transport header not decoded: counted as an anomaly, no flow */
    bool is_new;
    struct conn *c = track(an, pkt, &tp, hint, NULL, &is_new);
    if (c != NULL && is_new && have_carrier) {
        struct conn *carrier = flow_table_find(an->flows, &carrier_key);
        struct conn_cold *k = carrier != NULL ? conn_cold_get(carrier) : NULL;
        if (k != NULL)
            k->carried_conns++;
    }
}

/* An open connection to write at the end, with its sort key: sorting copies
 * of the keys, rather than pointers whose every comparison reads two entries
 * scattered over the table, keeps the sort in the cache. */
struct flush_item {
    uint64_t first_ts;
    struct conn *c;
};

/* v holds cap items and, after them, room for as many more (the sort's) */
struct flush_vec {
    struct flush_item *v;
    size_t n, cap;
};

static void collect(void *user, struct conn *c)
{
    struct flush_vec *vec = user;
    if (vec->n == vec->cap) {
        size_t ncap = vec->cap ? vec->cap * 2 : 256;
        struct flush_item *nv = realloc(vec->v, 2 * ncap * sizeof(*nv));
        if (nv == NULL)
            return;
        vec->v = nv;
        vec->cap = ncap;
    }
    vec->v[vec->n++] = (struct flush_item){c->first_ts, c};
}

/* Oldest first; the uid source breaks ties (a total order, whatever order
 * the table lists them in). */
static bool flush_before(const struct analyzer *an, const struct flush_item *x,
                         const struct flush_item *y)
{
    if (x->first_ts != y->first_ts)
        return x->first_ts < y->first_ts;
    return uid_source(an, x->c->id) < uid_source(an, y->c->id);
}

/* Sorts v[0..n) by flush_before with tmp (n items): a bottom-up merge sort
 * (qsort moved these 16-byte items through a comparison function, at four
 * times the instructions). Returns the sorted array: v or tmp. */
static struct flush_item *sort_flush_items(const struct analyzer *an, struct flush_item *v,
                                           struct flush_item *tmp, size_t n)
{
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = flush_before(an, &v[j], &v[i]) ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        struct flush_item *t = v;
        v = tmp;
        tmp = t;
    }
    return v;
}

/* how many connections ahead of the one being written at the end the flush
 * fetches an entry, then (its header there by then) its bucket and links */
#define FLUSH_FETCH_ENTRY_AHEAD 8u
#define FLUSH_FETCH_LINKS_AHEAD 4u

/* Writes every open connection with reason (analyzer_flush, without draining
 * the frames held back: they come later). */
static void flush_open(struct analyzer *an, enum end_reason reason)
{
    struct flush_vec vec = {0};
    an->flushing = true;
    flow_table_foreach(an->flows, collect, &vec);
    /* without a sink the order shows nowhere (what a write changes while
     * flushing, counters, does not depend on it): the table's, which walks
     * memory in order */
    const struct flush_item *order = vec.n == 0 || an->cfg.on_conn == NULL
                                         ? vec.v
                                         : sort_flush_items(an, vec.v, vec.v + vec.cap, vec.n);
    for (size_t i = 0; i < vec.n; i++) {
        if (i + FLUSH_FETCH_ENTRY_AHEAD < vec.n)
            flow_table_prefetch_stored(an->flows, order[i + FLUSH_FETCH_ENTRY_AHEAD].c);
        if (i + FLUSH_FETCH_LINKS_AHEAD < vec.n)
            flow_table_prefetch_conn(an->flows, order[i + FLUSH_FETCH_LINKS_AHEAD].c);
        struct conn *c = order[i].c;
        /* connections that had already closed and lingered out end as closed */
        enum end_reason r = reason;
        if (c->proto == IPPROTO_NUM_TCP && tcp_endpoint_conn_closed(c) &&
            c->last_ts + linger_ns(an) <= an->now_ns)
            r = END_CLOSED;
        emit_and_remove(an, c, r, an->now_ns);
    }
    /* anything collect() could not list (allocation failure) */
    if (flow_table_count(an->flows) > 0) {
        struct conn *c;
        for (int cls = 0; cls < FLOW_CLASS_COUNT; cls++)
            while ((c = flow_table_oldest(an->flows, (enum flow_class)cls)) != NULL)
                emit_and_remove(an, c, reason, an->now_ns);
    }
    free(vec.v);
    an->flushing = false;
}

void analyzer_flush(struct analyzer *an, enum end_reason reason)
{
    analyzer_drain(an);
    flush_open(an, reason);
    /* datagrams still incomplete: those past their time are timeouts, the
     * others were cut off by the end of the capture */
    ip_reasm_expire(an->reasm, an->now_ns);
    reasm_count_timeouts(an);
    an->stats.anomalies[ANOM_FRAG_PENDING_AT_END] += ip_reasm_drop_all(an->reasm);
    an->reasm_due_ns = UINT64_MAX;
}

/* The capture's clock stepped back to ts_ns by more than every idle timeout
 * (files merged out of order, a clock reset): what follows is older than any
 * open connection could have lived unseen. Each of them is written
 * (end_reason clock_step), the remembered 5-tuples and the fragments of
 * datagrams stamped after the new time are forgotten, and the clock for
 * expiry follows the capture's back. Kept at the highest time seen,
 * it made every later packet look idle for the length of the step: each one
 * a record of its own. */
static SS_NOINLINE void clock_step_back(struct analyzer *an, uint64_t ts_ns)
{
    an->stats.clock_steps_back++;
    flush_open(an, END_CLOCK_STEP);
    closed_tuples_expire(an->closed, UINT64_MAX, 0, 0); /* every entry is that old */
    ip_reasm_drop_newer(an->reasm, ts_ns); /* fragments from before the step */
    reasm_count_timeouts(an);
    an->now_ns = ts_ns;
    reasm_schedule(an);
    an->next_due_ns = UINT64_MAX;
    for (int cls = 0; cls < FLOW_CLASS_COUNT; cls++) {
        an->class_due_ns[cls] = UINT64_MAX;
        an->next_due[cls] = NULL;
    }
    an->closed_due_ns = UINT64_MAX;
}

static void mark_drops(void *user, struct conn *c)
{
    (void)user;
    c->flags |= CONN_F_CAPTURE_DROPS;
}

void analyzer_note_drops(struct analyzer *an)
{
    analyzer_drain(an);
    flow_table_foreach(an->flows, mark_drops, NULL);
}

struct foreach_open_ctx {
    const struct analyzer *an;
    void (*fn)(void *user, struct conn *c);
    void *user;
};

static void foreach_open_record(void *user, struct conn *c)
{
    const struct foreach_open_ctx *x = user;
    struct conn rec;
    make_record(x->an, c, &rec); /* keeps dpi_state: whether it is still inspected */
    x->fn(x->user, &rec);
}

void analyzer_foreach_open(struct analyzer *an, void (*fn)(void *user, struct conn *c), void *user)
{
    analyzer_drain(an);
    struct foreach_open_ctx x = {an, fn, user};
    flow_table_foreach(an->flows, foreach_open_record, &x);
}

/* ---- Live capture clock (issue 6: added by the live-capture helper) ------ */

void analyzer_tick(struct analyzer *an, uint64_t now_ns)
{
    analyzer_drain(an);
    if (now_ns > an->now_ns)
        an->now_ns = now_ns;
    expire_idle(an);
}
