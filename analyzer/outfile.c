/* outfile.c - atomic output files. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The permissions the written file gets: an existing file's own (replacing it
 * must not widen who may read it), else what the umask leaves of 0666, as a
 * file the shell's redirection creates would have. */
static mode_t output_mode(bool exists, const struct stat *st)
{
    if (exists)
        return st->st_mode & 07777;
    mode_t mask = umask(0); /* read it: umask has no query of its own */
    umask(mask);
    return 0666 & ~mask;
}

int outfile_open(struct outfile *o, const char *path, struct ss_err *err)
{
    memset(o, 0, sizeof(*o));
    if (path == NULL || strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    o->path = path;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* a symbolic link: write what it points to and leave the link, as a
         * shell redirection does (a temporary renamed over the link's own
         * name would replace the link) */
        if (realpath(path, o->target) != NULL)
            o->path = o->target;
        else
            o->link_dangling = true;
    }
    bool exists = stat(o->path, &st) == 0;
    if ((exists && !S_ISREG(st.st_mode)) || o->link_dangling) {
        /* a device or a FIFO: a temporary renamed over it would replace it
         * (as root, /dev/null itself); a link to nothing yet: its target is
         * created where it points */
        o->fp = fopen(o->path, "w");
        if (o->fp == NULL) {
            ss_err_set(err, "%s: %s", path, strerror(errno));
            return -1;
        }
        o->in_place = true;
        return 0;
    }
    /* a file the user may not write is refused, as a shell redirection would
     * refuse it, though its directory would let the temporary replace it
     * (AT_EACCESS: the ids open() judges by) */
    if (exists && faccessat(AT_FDCWD, o->path, W_OK, AT_EACCESS) != 0) {
        ss_err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s.tmpXXXXXX", o->path) >= sizeof(o->tmp)) {
        ss_err_set(err, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        ss_err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    (void)fchmod(fd, output_mode(exists, &st)); /* mkstemp made it 0600 */
    o->fp = fdopen(fd, "w");
    if (o->fp == NULL) {
        ss_err_set(err, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        return -1;
    }
    return 0;
}

int outfile_commit(struct outfile *o, struct ss_err *err)
{
    if (o->fp == NULL)
        return 0;
    if (o->path == NULL) {
        if (fflush(o->fp) != 0 || ferror(o->fp)) {
            ss_err_set(err, "writing output: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    int bad = ferror(o->fp);
    if (fclose(o->fp) != 0)
        bad = 1;
    o->fp = NULL;
    if (bad) {
        ss_err_set(err, "%s: write failed", o->path);
        if (!o->in_place)
            unlink(o->tmp);
        return -1;
    }
    if (o->in_place)
        return 0;
    if (rename(o->tmp, o->path) != 0) {
        ss_err_set(err, "%s: %s", o->path, strerror(errno));
        unlink(o->tmp);
        return -1;
    }
    return 0;
}

void outfile_abort(struct outfile *o)
{
    if (o->fp != NULL && o->path != NULL) {
        fclose(o->fp);
        if (!o->in_place) /* never the device or FIFO itself */
            unlink(o->tmp);
    }
    o->fp = NULL;
}
