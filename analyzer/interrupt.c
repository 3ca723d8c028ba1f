/* interrupt.c - a file read stopped by SIGINT or SIGTERM (see interrupt.h). */
#include "interrupt.h"

#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

/* The only mutable global here (STYLE.md): set by the signal handler, read by
 * both threads of a file read. A lock-free atomic, so that the handler may
 * store it (C11 7.14.1.1) and another thread sees the store. */
static atomic_int pending;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler's flag is lock-free");

static void on_signal(int sig)
{
    atomic_store_explicit(&pending, sig, memory_order_relaxed);
}

void interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sa.sa_handler = on_signal;
    static const int sigs[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        /* ignored when the process began (a shell's background job, nohup):
         * left ignored, so that Ctrl-C at the terminal does not reach it */
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

int interrupt_pending(void)
{
    return atomic_load_explicit(&pending, memory_order_relaxed);
}

void interrupt_describe(struct ss_err *err, const char *name, uint64_t next_record)
{
    ss_err_set(err,
               "%s: interrupted by %s before record %" PRIu64
               "; the report covers the records before it",
               name, interrupt_pending() == SIGTERM ? "SIGTERM" : "SIGINT", next_record);
}
