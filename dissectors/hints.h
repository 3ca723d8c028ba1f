/* hints.h - branch and inlining hints for the per-packet path (GCC and clang),
 * shared by the dissectors and the analyzer. Where inlining is chosen rather
 * than left to the compiler, the functions say why. */
#ifndef SOCKSCOPE_HINTS_H
#define SOCKSCOPE_HINTS_H

/* the common case, and the rare one that moves out of its way */
#define SS_LIKELY(x)   __builtin_expect(!!(x), 1)
#define SS_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* kept out of its callers (a rare branch, or a loop the common case skips),
 * so that they stay small enough to be inlined in turn */
#define SS_NOINLINE __attribute__((noinline))
/* inlined whatever the compiler's estimate */
#define SS_ALWAYS_INLINE inline __attribute__((always_inline))
/* not inlined, and nothing about its callers' arguments assumed inside (GCC's
 * noipa; clang: noinline) */
#if defined(__GNUC__) && !defined(__clang__)
#define SS_NOIPA __attribute__((noipa))
#else
#define SS_NOIPA SS_NOINLINE
#endif

#endif
