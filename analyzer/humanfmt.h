/* humanfmt.h - short human-readable sizes and counts for text output. */
#ifndef SOCKSCOPE_HUMANFMT_H
#define SOCKSCOPE_HUMANFMT_H

#include <stddef.h>
#include <stdint.h>

/* Buffer size that always holds the whole output, NUL included. */
#define HUMANFMT_SIZE 16

/* Writes a byte count with binary (IEC) units, rounded half up: below 1024
 * "512 B"; then one decimal while the value is under 10 ("1.5 KiB",
 * "3.2 GiB"), else a whole number ("12 MiB", "1023 KiB"), up to EiB. A value
 * that rounds up to 1024 of a unit is shown in the next ("1.0 MiB"). Writes at
 * most len - 1 chars and a NUL (nothing when len is 0). */
void humanfmt_bytes(uint64_t n, char *buf, size_t len);

/* Writes a count with decimal suffixes k, M, G, T, P, E, rounded half up:
 * below 1000 the plain number ("999"); then one decimal under 10 ("1.2k",
 * "3.4M"), else a whole number ("12k", "999k"); 999.5k becomes "1.0M".
 * Truncates like humanfmt_bytes. */
void humanfmt_count(uint64_t n, char *buf, size_t len);

#endif
