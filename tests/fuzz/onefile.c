/* onefile.c - replays files through LLVMFuzzerTestOneInput, for builds without
 * libFuzzer (ctest replays the seed directories this way). Usage:
 * onefile PATH... where a directory stands for the regular files in it, in name
 * order. Exits 1 if a path cannot be read or nothing was replayed; a finding
 * aborts (sanitizer builds) or crashes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    size_t len;
    uint8_t *data = input_file_read(path, &len);
    if (data == NULL)
        return -1;
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

/* Replays the regular files in dir in name order; adds to *n the number
 * replayed. Returns 0 or -1 (some file or the directory could not be read). */
static int replay_dir(const char *dir, long *n)
{
    size_t n_names;
    char **names = input_files_list(dir, &n_names);
    if (names == NULL) {
        perror(dir);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n_names; i++) {
        if (replay(names[i]) != 0)
            rc = -1;
        else
            (*n)++;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    long n = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (replay_dir(argv[i], &n) != 0)
                rc = 1;
        } else if (replay(argv[i]) != 0) {
            rc = 1;
        } else {
            n++;
        }
    }
    printf("replayed %ld file(s)\n", n);
    if (n == 0) {
        fprintf(stderr, "nothing replayed\n");
        rc = 1;
    }
    return rc;
}
