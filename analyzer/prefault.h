/* prefault.h - memory one thread will soon write for the first time, faulted
 * in by another thread that has time to spare.
 *
 * The first write to a fresh page makes the kernel clear it, in the writer's
 * time: 2 MiB at once for a huge page. The tracker allocates its flow table a
 * chunk ahead and posts the spare chunk here; the reader thread, which waits
 * for the tracker a third of the time, takes the request and has the kernel
 * populate the pages (madvise MADV_POPULATE_WRITE: the write fault without the
 * write, so the contents never change and the tracker may be writing there at
 * the same time). Without a server nothing is posted and the writer faults as
 * before.
 *
 * One producer, one consumer: a ring of requests with a head the producer
 * publishes and a tail the consumer does. A full ring drops the request. */
#ifndef SOCKSCOPE_PREFAULT_H
#define SOCKSCOPE_PREFAULT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREFAULT_SLOTS 8u /* a power of two */

struct prefault {
    bool served; /* a consumer serves the requests (set before it starts) */
    void *addr[PREFAULT_SLOTS];
    size_t len[PREFAULT_SLOTS];
    atomic_uint_fast32_t head; /* requests posted (the producer's) */
    atomic_uint_fast32_t tail; /* requests served (the consumer's) */
    uint64_t posted, done, failed; /* the producer's count; the consumer's two */
};

/* Empty, not served. */
void prefault_init(struct prefault *pf);

/* Whether this system can populate memory ahead (the kernel has
 * MADV_POPULATE_WRITE; Linux 5.14 on). */
bool prefault_supported(void);

/* Producer: asks for len bytes at addr to be populated. Does nothing unless
 * pf is served; drops the request when the ring is full. addr may be freed or
 * reused before the request is served: populating never changes contents. */
void prefault_post(struct prefault *pf, void *addr, size_t len);

/* Producer, for a table that grows by chunks of len bytes: the chunk to use
 * now, its spare when it has one (*spare, then NULL), else alloc(len); then,
 * while pf is served, the next spare, allocated now and posted (not having
 * one is no failure: the next chunk is allocated when it is needed). NULL
 * when memory ran out. */
void *prefault_take_chunk(struct prefault *pf, void **spare, void *(*alloc)(size_t), size_t len);

/* Consumer: populates every posted range; returns how many it served. */
unsigned prefault_serve(struct prefault *pf);

#endif
