/* err.c - formatting of the program's own error messages. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

void ss_err_set(struct ss_err *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}
