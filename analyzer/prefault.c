/* prefault.c - see prefault.h. */
#include "prefault.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef MADV_POPULATE_WRITE
/* The page size's mask, as madvise wants its start aligned. */
static uintptr_t page_mask(void)
{
    long page = sysconf(_SC_PAGESIZE);
    return (uintptr_t)(page > 0 ? page : 4096) - 1;
}
#endif

void prefault_init(struct prefault *pf)
{
    memset(pf, 0, sizeof(*pf));
    atomic_init(&pf->head, 0);
    atomic_init(&pf->tail, 0);
}

bool prefault_supported(void)
{
#ifdef MADV_POPULATE_WRITE
    /* a kernel without it rejects the advice (EINVAL) before it looks at the
     * range; one with it populates nothing here (asked once per run: no state
     * kept) */
    char here;
    return madvise((void *)((uintptr_t)&here & ~page_mask()), 0, MADV_POPULATE_WRITE) == 0;
#else
    return false;
#endif
}

void prefault_post(struct prefault *pf, void *addr, size_t len)
{
    if (!pf->served || addr == NULL || len == 0)
        return;
    uint_fast32_t head = atomic_load_explicit(&pf->head, memory_order_relaxed);
    if (head - atomic_load_explicit(&pf->tail, memory_order_acquire) >= PREFAULT_SLOTS)
        return; /* full: the writer faults this one itself */
    pf->addr[head % PREFAULT_SLOTS] = addr;
    pf->len[head % PREFAULT_SLOTS] = len;
    pf->posted++;
    atomic_store_explicit(&pf->head, head + 1, memory_order_release);
}

void *prefault_take_chunk(struct prefault *pf, void **spare, void *(*alloc)(size_t), size_t len)
{
    void *chunk = *spare != NULL ? *spare : alloc(len);
    *spare = NULL;
    if (chunk != NULL && pf != NULL && pf->served && (*spare = alloc(len)) != NULL)
        prefault_post(pf, *spare, len);
    return chunk;
}

unsigned prefault_serve(struct prefault *pf)
{
    uint_fast32_t tail = atomic_load_explicit(&pf->tail, memory_order_relaxed);
    uint_fast32_t head = atomic_load_explicit(&pf->head, memory_order_acquire);
    unsigned n = 0;
    for (; tail != head; tail++, n++) {
#ifdef MADV_POPULATE_WRITE
        /* page-aligned start, as madvise requires */
        uintptr_t a = (uintptr_t)pf->addr[tail % PREFAULT_SLOTS];
        uintptr_t start = a & ~page_mask();
        size_t len = pf->len[tail % PREFAULT_SLOTS] + (size_t)(a - start);
        if (madvise((void *)start, len, MADV_POPULATE_WRITE) == 0)
            pf->done++;
        else
            pf->failed++; /* ENOMEM (no longer mapped), EINVAL: the writer faults */
#else
        pf->failed++;
#endif
        atomic_store_explicit(&pf->tail, tail + 1, memory_order_release);
    }
    return n;
}
