/* timefmt.h - parsing and printing of capture timestamps (nanoseconds since
 * the Unix epoch, UTC). Own proleptic Gregorian date arithmetic: no time zone,
 * locale or libc time functions, so results never depend on the environment.
 * Leap seconds are not counted (POSIX time). */
#ifndef SOCKSCOPE_TIMEFMT_H
#define SOCKSCOPE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Buffer sizes that always hold the whole output, NUL included. */
#define TIMEFMT_ISO_SIZE      32 /* "2023-11-14T22:13:20.000000000Z" */
#define TIMEFMT_EPOCH_SIZE    28 /* "18446744073.709552" */
#define TIMEFMT_DURATION_SIZE 24 /* "213503d23h" */

/* Parses a user-given point in time into *out_ns (ns since the epoch, UTC):
 *   - epoch seconds, optional fraction:     "1700000012", "1700000012.5"
 *   - ISO 8601, 'T' or ' ' between date and time, optional fraction, then
 *     'Z', a zone offset as RFC 3339 writes it (+HH:MM, also +HHMM or +HH:
 *     the local time it qualifies) or nothing (UTC, as sockscope writes
 *     times); seconds, or the whole time, may be left out:
 *     "2023-11-14T22:13:32.5Z", "2023-11-14T23:13:32.5+01:00",
 *     "2023-11-14 22:13", "2023-11-14"
 *   - an offset from first_ts_ns (the first packet's time): '+' then a number
 *     with optional fraction and unit ns, us, ms, s (default), m, h:
 *     "+12.5s", "+500ms", "+2m", "+1h", "+12.5"
 * Fraction digits past nanoseconds are dropped. Leading/trailing blanks are
 * not accepted. Returns 0, or -1 with a one-line message in err (if not NULL)
 * for an empty, malformed or out-of-range (before 1970, past uint64 ns)
 * input; *out_ns is then unchanged. */
int timefmt_parse_at(const char *s, uint64_t first_ts_ns, uint64_t *out_ns, struct ss_err *err);

/* Parses an amount of time into *out_ns: a number with optional fraction, then
 * a unit ns, us, ms, s (the default), m or h: "300", "2.5", "500ms", "5m",
 * "1h". Digits past nanoseconds are dropped. Returns 0, or -1 with a one-line
 * message in err (if not NULL) for an empty, malformed or too large input. */
int timefmt_parse_duration(const char *s, uint64_t *out_ns, struct ss_err *err);

/* Writes ts_ns as ISO 8601 UTC with nanoseconds, "2023-11-14T22:13:20.000000000Z",
 * into buf (truncated to n - 1 chars, always NUL-terminated when n > 0). */
void timefmt_iso(uint64_t ts_ns, char *buf, size_t n);

/* Writes ts_ns (whole seconds, UTC) as a Zeek log header's date,
 * "2023-11-14-22-13-20" (#open, #close). Truncates like timefmt_iso. */
#define TIMEFMT_ZEEK_DATE_SIZE 24 /* up to year 2554, and the NUL */
void timefmt_zeek_date(uint64_t ts_ns, char *buf, size_t n);

/* ns in microseconds, rounded half up, without overflow: (ns + 500) / 1000
 * wraps in the top 500 ns of the range (2554-07-21T23:34:33.709551115Z on). */
uint64_t timefmt_round_us(uint64_t ns);

/* Writes ts_ns as epoch seconds with 6 decimals, Zeek's `ts` style
 * ("1700000000.000000"); the microseconds are rounded half up, as Zeek's
 * "%.6f" does on whole-nanosecond inputs. Truncates like timefmt_iso. */
void timefmt_epoch(uint64_t ts_ns, char *buf, size_t n);

/* Writes a duration compactly, truncating (never rounding up) to the shown
 * precision: under a minute "1.234s" (milliseconds), under an hour "2m03s",
 * under a day "1h02m", else "3d04h". Truncates like timefmt_iso. */
void timefmt_duration(uint64_t ns, char *buf, size_t n);

#endif
