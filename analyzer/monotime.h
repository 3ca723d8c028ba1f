/* monotime.h - a clock's reading in nanoseconds (CLOCK_MONOTONIC for
 * intervals and deadlines: a change of the wall clock does not move it). */
#ifndef SOCKSCOPE_MONOTIME_H
#define SOCKSCOPE_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
