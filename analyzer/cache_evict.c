/* cache_evict.c - see cache_evict.h. */
#include "cache_evict.h"

#include <stdint.h>

#define LINE 64u

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

bool cache_evict_supported(void)
{
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 23)) != 0;
}

void cache_evict_whole_lines(const void *p, size_t len)
{
    uintptr_t start = ((uintptr_t)p + LINE - 1) & ~(uintptr_t)(LINE - 1);
    uintptr_t end = (uintptr_t)p + len;
    /* "memory": after every store to the lines, not before some of them */
    for (uintptr_t a = start; a + LINE <= end; a += LINE)
        __asm__ __volatile__("clflushopt %0" : : "m"(*(const char *)a) : "memory");
}
#else
bool cache_evict_supported(void)
{
    return false;
}

void cache_evict_whole_lines(const void *p, size_t len)
{
    (void)p;
    (void)len;
}
#endif
