/* zero_stores.h - zeroing with plain 16-byte stores, for memory that is read
 * right after it is zeroed.
 *
 * For a block of a few hundred bytes GCC turns memset (and a zeroing loop)
 * into rep stosq. Loads cannot take their bytes from the store buffer after a
 * string store: each load of the block waits for the string store to reach
 * the cache. A new connection's entry is zeroed and then read at once (its
 * fields set, its first packet tracked). Plain vector stores forward to the
 * loads that follow. */
#ifndef SOCKSCOPE_ZERO_STORES_H
#define SOCKSCOPE_ZERO_STORES_H

#include <stddef.h>
#include <stdint.h>

#include "hints.h"

typedef uint8_t ss_zero_v16 __attribute__((vector_size(16), aligned(1), may_alias));

/* Zeroes n bytes at p (n a multiple of 16, known at compile time so that the
 * loop unrolls into stores). */
static SS_ALWAYS_INLINE void zero_stores(void *p, size_t n)
{
    ss_zero_v16 *q = p;
#pragma GCC unroll 64
    for (size_t i = 0; i < n / 16; i++)
        q[i] = (ss_zero_v16){0};
}

#endif
