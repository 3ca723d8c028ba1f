/* cache_evict.h - data written now and read again only much later, sent to
 * memory at once rather than left in the caches.
 *
 * The tracker reads its flow table at random on every packet and waits for
 * every line that is not in the shared last-level cache (bench/RESULTS.md,
 * session 10). Data it writes and will not read for seconds (a remembered
 * 5-tuple, a closed connection waiting for its close delay) would otherwise
 * sit in that cache and push the flow table's lines out. CLFLUSHOPT writes a
 * line back and drops it from every cache, without waiting and without
 * ordering against other flushes. A hint: contents never change, and where
 * the CPU does not have it nothing happens. */
#ifndef SOCKSCOPE_CACHE_EVICT_H
#define SOCKSCOPE_CACHE_EVICT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether this CPU can (x86 CLFLUSHOPT, CPUID leaf 7 EBX bit 23). */
bool cache_evict_supported(void);

/* Evicts the cache lines wholly inside [p, p + len); only call when
 * cache_evict_supported(). */
void cache_evict_whole_lines(const void *p, size_t len);

#endif
