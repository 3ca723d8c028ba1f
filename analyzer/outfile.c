/* outfile.c - atomic output files. */
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path, struct ss_err *err)
{
    memset(o, 0, sizeof(*o));
    if (path == NULL || strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    o->path = path;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or a FIFO: a temporary renamed over it would replace it
         * (as root, /dev/null itself) */
        o->fp = fopen(path, "w");
        if (o->fp == NULL) {
            ss_err_set(err, "%s: %s", path, strerror(errno));
            return -1;
        }
        o->in_place = true;
        return 0;
    }
    if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s.tmpXXXXXX", path) >= sizeof(o->tmp)) {
        ss_err_set(err, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        ss_err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    fchmod(fd, 0644);
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
