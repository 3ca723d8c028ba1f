/* input_files.h - reading fuzz inputs from files and directories, shared by the
 * replay programs (onefile.c, dissect_dump.c). Header-only: each program is a
 * single file and links no test library. */
#ifndef SOCKSCOPE_INPUT_FILES_H
#define SOCKSCOPE_INPUT_FILES_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole of file path in an exact-size buffer (so that a target's overreads
 * reach the sanitizer's redzone; at least one byte allocated), its length in
 * *len; NULL with a message on stderr when it cannot be read. Free it. */
static inline uint8_t *input_file_read(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        perror(path);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(fp) || buf == NULL;
    fclose(fp);
    uint8_t *exact = failed ? NULL : malloc(n > 0 ? n : 1);
    if (exact != NULL && n > 0)
        memcpy(exact, buf, n);
    free(buf);
    if (exact == NULL)
        fprintf(stderr, "%s: read error\n", path);
    *len = n;
    return exact;
}

static int input_files_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The paths of the regular files in directory dir, in name order (hidden
 * files left out), their number in *n; NULL (and *n = 0) when dir is not a
 * directory that can be read, or memory ran out. Free each path and the array. */
static inline char **input_files_list(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    char **names = NULL;
    size_t count = 0, cap = 0;
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **bigger = realloc(names, ncap * sizeof(*names));
            if (bigger == NULL) {
                ok = false;
                break;
            }
            names = bigger;
            cap = ncap;
        }
        size_t plen = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(plen);
        if (p == NULL) {
            ok = false;
            break;
        }
        snprintf(p, plen, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            names[count++] = p;
        else
            free(p);
    }
    closedir(d);
    if (!ok) {
        for (size_t i = 0; i < count; i++)
            free(names[i]);
        free(names);
        return NULL;
    }
    if (count > 0)
        qsort(names, count, sizeof(*names), input_files_by_name);
    *n = count;
    return names != NULL ? names : calloc(1, sizeof(*names));
}

#endif
