/* huge_pages.c - see huge_pages.h. */
#include "huge_pages.h"

#include <stdlib.h>
#include <sys/mman.h>

size_t huge_pages_round(size_t size)
{
    return (size + HUGE_PAGE_SIZE - 1) / HUGE_PAGE_SIZE * HUGE_PAGE_SIZE;
}

void *huge_pages_alloc(size_t size)
{
    size_t rounded = huge_pages_round(size);
    void *p = aligned_alloc(HUGE_PAGE_SIZE, rounded);
    if (p != NULL)
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* a hint: without it, small pages */
    return p;
}

void *huge_pages_alloc_table(size_t size)
{
    return size < HUGE_PAGE_SIZE ? malloc(size) : huge_pages_alloc(size);
}

size_t huge_pages_table_bytes(size_t size)
{
    return size < HUGE_PAGE_SIZE ? size : huge_pages_round(size);
}
