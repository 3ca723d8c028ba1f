/* huge_pages.h - memory that is read at random (hash tables, the flow table's
 * entries) on transparent huge pages: one TLB entry then covers 2 MiB of it
 * instead of 4 KiB, and a TLB miss is costly (in a virtual machine it walks
 * two page tables). The system's THP setting is often "madvise": the memory
 * must ask for them. */
#ifndef SOCKSCOPE_HUGE_PAGES_H
#define SOCKSCOPE_HUGE_PAGES_H

#include <stddef.h>

#define HUGE_PAGE_SIZE ((size_t)2 << 20)

/* size rounded up to whole huge pages. */
size_t huge_pages_round(size_t size);

/* huge_pages_round(size) bytes aligned to a huge page, with huge pages asked
 * for (uninitialised; freed with free()); NULL when memory ran out. */
void *huge_pages_alloc(size_t size);

/* size bytes for a table read at random: huge_pages_alloc from one huge page
 * on, plain malloc below (a smaller table would waste most of the page). */
void *huge_pages_alloc_table(size_t size);
/* The bytes huge_pages_alloc_table(size) takes (for memory accounting). */
size_t huge_pages_table_bytes(size_t size);

#endif
