/* outfile.h - output destination: stdout, or FILE written atomically
 * (a temporary file in the same directory, renamed over FILE on success),
 * keeping an existing FILE's permissions (a new one gets 0666 less the
 * umask). A FILE that exists and is not a regular file (a device such as
 * /dev/null, a FIFO) is written in place: renaming over it would replace it.
 * A symbolic link is followed: its target is written, the link stays. A
 * FILE the user may not write is refused (EACCES), as by a redirection. */
#ifndef SOCKSCOPE_OUTFILE_H
#define SOCKSCOPE_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"

struct outfile {
    FILE *fp;
    const char *path;   /* NULL = stdout; a symbolic link's target (in target) */
    bool in_place;      /* path is written directly (not a regular file) */
    bool link_dangling; /* path is a symbolic link to nothing yet: written in place */
    char tmp[4096];
    char target[4096];  /* the resolved target of a symbolic link */
};

/* Opens path (NULL or "-" = stdout). Returns 0 or -1 with err set. */
int outfile_open(struct outfile *o, const char *path, struct ss_err *err);
/* Flushes and, for a file, renames the temporary over path. Returns 0 or -1. */
int outfile_commit(struct outfile *o, struct ss_err *err);
/* Discards a file being written (removes the temporary). */
void outfile_abort(struct outfile *o);

#endif
