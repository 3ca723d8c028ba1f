/* reader_thread.c - a capture file read and dissected on a second thread,
 * tracked on the caller's (see reader_thread.h).
 *
 * One reader, one tracker, a ring of frames between them. Each side owns one
 * position: the reader publishes head (frames ready), the tracker publishes
 * tail (frames it is done with, whose slots the reader may reuse). Positions
 * are published every PUBLISH_EVERY (head) or TAIL_PUBLISH_EVERY (tail) frames,
 * not every frame, so that the two cores do not pass the line holding them
 * back and forth per packet. A side
 * that finds nothing to do spins briefly, then sleeps on a condition variable
 * after writing down the position it waits for; the other side wakes it when
 * it publishes that position or a later one (not at every publication: a full
 * ring waits for half of it to empty). */
#include "reader_thread.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monotime.h"
#include "prefault.h"

/* a power of two; 1024 (3 MB with their buffers) ran the 10 M-packet benchmark
 * 15-25 % faster than 256 (64: slower still), in alternated runs */
#define RING_SLOTS    1024u
#define RING_MASK     (RING_SLOTS - 1u)
#define PUBLISH_EVERY 16u  /* divides RING_SLOTS */
/* The tracker's publications are rarer while the reader is not waiting for
 * room: the reader needs its position only when the ring is full, and each
 * publication is a sequentially consistent store (xchg), which waits for
 * every store before it to reach the cache (at every 16 frames perf put 1.4 %
 * of the tracker's samples right after it). While the reader waits for
 * bytes to be released (bytes_held_back), every PUBLISH_EVERY frames: a ring
 * holding RING_BYTES of large frames may hold fewer than TAIL_PUBLISH_EVERY of
 * them, and the reader would wait for it to empty. */
#define TAIL_PUBLISH_EVERY 128u
/* captured bytes the ring may hold at once: with jumbo frames (a loopback
 * capture's 64 KiB, snaplen's 256 KiB) the reader waits on bytes before it
 * runs out of slots, so that memory stays bounded (buffers above
 * ANALYZER_FRAME_BUF_KEEP are sized to their frame) */
#define RING_BYTES    (16u << 20)
/* How long a side spins (PAUSE) for the other before it sleeps on the
 * condition variable. The reader waits for the tracker to empty half the ring
 * (about 100 us): spinning through that wait spares the tracker a futex wake
 * per wait (the benchmark's tracker spent 12-37 ms of a 2 s run waking a
 * sleeping reader) and the reader a wake-up that a virtual machine may deliver
 * late. The tracker waits for the next frames the reader publishes, usually
 * microseconds. */
#define READER_SPIN_NS  250000u
#define TRACKER_SPIN_NS 10000u
/* The reader's spin after a wait longer than READER_SPIN_NS: a tracker that
 * writes each record as it ends (NDJSON, conn.log) empties half the ring in a
 * millisecond or more, and spinning through the first 250 us of every such
 * wait burnt a quarter of the run's CPU time (5 of 21 s on the benchmark's
 * NDJSON) for no wall time. The next short wait spins in full again. */
#define READER_SPIN_AFTER_LONG_NS 2000u
#define SPIN_CLOCK_EVERY 64u /* PAUSEs between looks at the clock */
/* the reader fetches, for writing, the slot this many frames ahead of the one
 * it fills */
#define REFILL_AHEAD       4u
/* frames between the reader's looks for memory to fault in for the tracker
 * (prefault.h), besides each wait for room */
#define PREFAULT_EVERY     256u

_Static_assert((RING_SLOTS & RING_MASK) == 0, "ring size is a power of two");
_Static_assert(RING_SLOTS % PUBLISH_EVERY == 0, "publication period divides the ring");
_Static_assert(TAIL_PUBLISH_EVERY % PUBLISH_EVERY == 0 && RING_SLOTS % TAIL_PUBLISH_EVERY == 0,
               "the tail's publication periods divide each other and the ring");

/* A position one side publishes and the other may sleep on. */
struct position {
    alignas(64) atomic_uint_fast64_t value;
    atomic_uint_fast64_t wanted; /* the other side sleeps until value >= wanted;
                                    UINT64_MAX when it does not sleep */
};

struct ring {
    struct analyzer_frame slot[RING_SLOTS];
    struct position head; /* frames the reader made ready */
    struct position tail; /* frames the tracker has finished */
    alignas(64) atomic_bool done; /* the reader stopped: head is final */
    atomic_bool bytes_held_back;  /* the reader waits for bytes (RING_BYTES) to be released */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* the reader's, read by the tracker after the join */
    struct capture *cap;
    struct prefault *prefault; /* the tracker's requests, served by the reader */
    struct analyzer_prep prep;
    struct capture_stats stats; /* the frames read and packets dissected (stats_split) */
    uint64_t max_frames;
    int result;
    struct ss_err err;
};

/* PREFETCHW (fetch a line for writing, taking it from the other core's cache
 * at once rather than sharing it first) where the CPU has it: CPUID
 * 0x80000001 ECX bit 8. Elsewhere nothing, not a read prefetch: sharing the
 * line first would cost the same round trip again on the first write. */
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
static bool have_prefetchw(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 8)) != 0;
}
static void slot_prefetch_write(const struct analyzer_frame *af, size_t end)
{
    /* as an instruction of its own: GCC drops __builtin_prefetch(p, 1) when
     * the whole build may not assume the extension */
    const char *p = (const char *)af;
    for (size_t off = 0; off < end; off += 64)
        __asm__ __volatile__("prefetchw %0" : : "m"(p[off]));
}
#else
static bool have_prefetchw(void)
{
    return false;
}
static void slot_prefetch_write(const struct analyzer_frame *af, size_t end)
{
    (void)af;
    (void)end;
}
#endif

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Publishes pos = v and wakes the other side if it sleeps waiting for v or
 * less. Sequentially consistent on both sides (value then wanted here, wanted
 * then value in wait_for), so one of them sees the other's store; the mutex
 * keeps the wake-up from falling between the waiter's check and its sleep. */
static void publish(struct ring *r, struct position *pos, uint64_t v)
{
    atomic_store(&pos->value, v);
    if (v >= atomic_load(&pos->wanted)) {
        pthread_mutex_lock(&r->mu);
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
}

static bool reached(struct ring *r, struct position *pos, uint64_t want, bool or_done)
{
    return atomic_load(&pos->value) >= want || (or_done && atomic_load(&r->done));
}

/* Waits until pos >= want (or, with or_done, the reader has stopped),
 * spinning for up to spin_ns first; returns pos. The timed wait is a second
 * guard against a lost wake-up. */
static uint64_t wait_for(struct ring *r, struct position *pos, uint64_t want, bool or_done,
                         uint64_t spin_ns)
{
    uint64_t deadline = 0;
    for (unsigned i = 1; !reached(r, pos, want, or_done); i++) {
        cpu_relax();
        if (i % SPIN_CLOCK_EVERY == 0) {
            uint64_t now = clock_ns(CLOCK_MONOTONIC);
            if (deadline == 0)
                deadline = now + spin_ns;
            else if (now >= deadline)
                break;
        }
    }
    if (!reached(r, pos, want, or_done)) {
        pthread_mutex_lock(&r->mu);
        atomic_store(&pos->wanted, want);
        while (!reached(r, pos, want, or_done)) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts); /* the condition variable's clock */
            ts.tv_nsec += 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        }
        atomic_store(&pos->wanted, UINT64_MAX);
        pthread_mutex_unlock(&r->mu);
    }
    return atomic_load(&pos->value);
}

static void *reader_main(void *arg)
{
    struct ring *r = arg;
    uint64_t head = 0, tail = 0, released = 0;
    uint64_t held = 0; /* captured bytes of slots [released, head), whether a slot
                          keeps a copy of them or not (analyzer_frame_take): a bound */
    int res = 1;
    bool prefetchw = have_prefetchw();
    uint64_t spin_ns = READER_SPIN_NS;
    struct packet scratch; /* each frame dissected here, in this core's cache */
    /* what filling a slot writes: up to its packet when a brief stands for
     * the packet (nearly always, when there are briefs), else up to the
     * packet's encapsulations (as dissecting a TCP or UDP packet does) */
    size_t slot_written = r->prep.brief
        ? offsetof(struct analyzer_frame, pkt)
        : offsetof(struct analyzer_frame, pkt) + offsetof(struct packet, encap);
    while (r->max_frames == 0 || head < r->max_frames) {
        if (head - tail == RING_SLOTS || held > RING_BYTES) {
            /* full: let the tracker see everything, then wait until it has
             * emptied half of what is held (not one slot at a time) */
            publish(r, &r->head, head);
            prefault_serve(r->prefault); /* time the reader has, the tracker not */
            bool bytes = head - tail < RING_SLOTS; /* not short of slots: of bytes */
            if (bytes)
                atomic_store_explicit(&r->bytes_held_back, true, memory_order_relaxed);
            uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
            tail = wait_for(r, &r->tail, head - (head - tail) / 2, false, spin_ns);
            spin_ns = clock_ns(CLOCK_MONOTONIC) - t0 <= READER_SPIN_NS ? READER_SPIN_NS
                                                                       : READER_SPIN_AFTER_LONG_NS;
            if (bytes)
                atomic_store_explicit(&r->bytes_held_back, false, memory_order_relaxed);
        }
        for (; released < tail; released++) /* the tracker is done with them */
            held -= r->slot[released & RING_MASK].f.cap_len;
        /* a slot a few frames on, for writing: the tracker's core read it last */
        if (prefetchw && head + REFILL_AHEAD - tail < RING_SLOTS)
            slot_prefetch_write(&r->slot[(head + REFILL_AHEAD) & RING_MASK], slot_written);
        struct capture_frame f;
        res = capture_next(r->cap, &f, &r->err);
        if (res != 1)
            break;
        struct analyzer_frame *af = &r->slot[head & RING_MASK];
        if (analyzer_frame_take(&r->prep, af, &f, &scratch) != 0) {
            ss_err_set(&r->err, "out of memory holding a frame of %u bytes", (unsigned)f.cap_len);
            res = -1;
            break;
        }
        analyzer_count_prepared(&r->stats, af, &scratch); /* here, not on the busier tracker */
        held += f.cap_len;
        head++;
        if (head % PUBLISH_EVERY == 0)
            publish(r, &r->head, head);
        if (head % PREFAULT_EVERY == 0)
            prefault_serve(r->prefault);
    }
    r->result = res;
    atomic_store(&r->head.value, head);
    atomic_store(&r->done, true);
    pthread_mutex_lock(&r->mu); /* wake a sleeping tracker, whatever it waits for */
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void ring_destroy(struct ring *r)
{
    for (unsigned i = 0; i < RING_SLOTS; i++)
        analyzer_frame_free(&r->slot[i]);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

int reader_thread_run(struct analyzer *an, struct capture *cap, uint64_t max_frames,
                      uint64_t *n_fed, struct ss_err *err)
{
    struct ring *r = analyzer_alloc_aligned(sizeof(*r));
    if (r == NULL)
        return reader_single_run(an, cap, max_frames, n_fed, err);
    if (pthread_mutex_init(&r->mu, NULL) != 0) {
        free(r);
        return reader_single_run(an, cap, max_frames, n_fed, err);
    }
    /* timed waits on the monotonic clock: a change of the wall clock cannot
     * stretch them */
    pthread_condattr_t ca;
    bool cv_ok = pthread_condattr_init(&ca) == 0;
    if (cv_ok) {
        cv_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
                pthread_cond_init(&r->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (!cv_ok) {
        pthread_mutex_destroy(&r->mu);
        free(r);
        return reader_single_run(an, cap, max_frames, n_fed, err);
    }
    atomic_init(&r->head.value, 0);
    atomic_init(&r->head.wanted, UINT64_MAX);
    atomic_init(&r->tail.value, 0);
    atomic_init(&r->tail.wanted, UINT64_MAX);
    atomic_init(&r->done, false);
    atomic_init(&r->bytes_held_back, false);
    r->cap = cap;
    r->max_frames = max_frames;
    r->prefault = analyzer_prefault(an);
    r->prefault->served = prefault_supported();
    analyzer_prep_get(an, &r->prep);
    /* the analyzer must hold nothing back: frames are fed strictly in order */
    analyzer_drain(an);
    stats_split(&r->stats, analyzer_stats(an));

    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_main, r) != 0) {
        r->prefault->served = false;
        ring_destroy(r);
        return reader_single_run(an, cap, max_frames, n_fed, err);
    }
    uint64_t next = 0, head = 0;
    for (;;) {
        if (next == head) {
            publish(r, &r->tail, next);
            head = wait_for(r, &r->head, next + 1, true, TRACKER_SPIN_NS);
            if (head == next)
                break; /* the reader stopped and everything is fed */
        }
        /* the frames up to the next multiple of PUBLISH_EVERY, where the tail
         * may be published */
        uint64_t end = (next / PUBLISH_EVERY + 1) * PUBLISH_EVERY;
        next = analyzer_feed_ring(an, r->slot, RING_MASK, next, end < head ? end : head, head);
        if (next % PUBLISH_EVERY == 0 &&
            (next % TAIL_PUBLISH_EVERY == 0 ||
             atomic_load_explicit(&r->bytes_held_back, memory_order_relaxed)))
            publish(r, &r->tail, next);
    }
    pthread_join(reader, NULL);
    r->prefault->served = false;
    stats_join(analyzer_stats(an), &r->stats);
    *n_fed = next;
    int res = r->result;
    if (res < 0 && err != NULL)
        *err = r->err;
    ring_destroy(r);
    return res;
}

int reader_single_run(struct analyzer *an, struct capture *cap, uint64_t max_frames,
                      uint64_t *n_fed, struct ss_err *err)
{
    uint64_t n = 0;
    int res = 1;
    struct capture_frame f;
    while ((max_frames == 0 || n < max_frames) && (res = capture_next(cap, &f, err)) == 1) {
        analyzer_feed_ahead(an, &f);
        n++;
    }
    analyzer_drain(an);
    *n_fed = n;
    return res;
}
