/* outfile.h - output destination: stdout, or FILE written atomically
 * (a temporary file in the same directory, renamed over FILE on success).
 * A FILE that exists and is not a regular file (a device such as /dev/null,
 * a FIFO) is written in place: renaming over it would replace it. */
#ifndef SOCKSCOPE_OUTFILE_H
#define SOCKSCOPE_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"

struct outfile {
    FILE *fp;
    const char *path; /* NULL = stdout */
    bool in_place;    /* path is written directly (not a regular file) */
    char tmp[4096];
};

/* Opens path (NULL or "-" = stdout). Returns 0 or -1 with err set. */
int outfile_open(struct outfile *o, const char *path, struct ss_err *err);
/* Flushes and, for a file, renames the temporary over path. Returns 0 or -1. */
int outfile_commit(struct outfile *o, struct ss_err *err);
/* Discards a file being written (removes the temporary). */
void outfile_abort(struct outfile *o);

#endif
