/* timefmt.c - timestamps: user input (epoch, ISO 8601 / RFC 3339, +offset) and output
 * (ISO 8601, Zeek-style epoch, durations), with own civil-date arithmetic. */
#include "timefmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S  1000000000ull
#define NS_PER_MS 1000000ull
#define NS_PER_US 1000ull
#define S_PER_DAY 86400ull

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, for
 * y >= 1. Counts in 400-year eras of 146097 days, with the year starting in
 * March so that the leap day falls at its end. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    if (m <= 2)
        y -= 1;
    int64_t era = y / 400; /* y >= 0 here */
    unsigned yoe = (unsigned)(y - era * 400);          /* [0, 399] */
    unsigned mp = m > 2 ? m - 3 : m + 9;                /* March = 0 */
    unsigned doy = (153 * mp + 2) / 5 + d - 1;          /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468; /* 719468 = days 0000-03-01..1970-01-01 */
}

/* Inverse of days_from_civil for days >= 0 (dates from 1970 on). */
static void civil_from_days(uint64_t days, uint64_t *y, unsigned *m, unsigned *d)
{
    uint64_t z = days + 719468;
    uint64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (uint64_t)yoe + era * 400 + (*m <= 2 ? 1u : 0u);
}

static bool is_leap(uint64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(uint64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : dim[m - 1];
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at *p into *v and advances; false if fewer. */
static bool take_digits(const char **p, unsigned n, unsigned *v)
{
    unsigned acc = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return false;
        acc = acc * 10 + (unsigned)((*p)[i] - '0');
    }
    *v = acc;
    *p += n;
    return true;
}

/* Reads 1+ digits as an unsigned integer; false on none or overflow. */
static bool take_uint(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t acc = 0;
    if (!is_digit(*s))
        return false;
    for (; is_digit(*s); s++) {
        unsigned dgt = (unsigned)(*s - '0');
        if (acc > (UINT64_MAX - dgt) / 10)
            return false;
        acc = acc * 10 + dgt;
    }
    *v = acc;
    *p = s;
    return true;
}

/* After a '.', reads 1+ digits as a fraction in units of 1e-9 (extra digits
 * dropped); false if no digit follows. */
static bool take_fraction_ns(const char **p, uint64_t *frac_ns)
{
    const char *s = *p;
    uint64_t acc = 0;
    unsigned n = 0;
    if (!is_digit(*s))
        return false;
    for (; is_digit(*s); s++) {
        if (n < 9) {
            acc = acc * 10 + (uint64_t)(*s - '0');
            n++;
        }
    }
    for (; n < 9; n++)
        acc *= 10;
    *frac_ns = acc;
    *p = s;
    return true;
}

/* Reads "<digits>[.<digits>]": the whole part and the fraction in 1e-9 units.
 * Returns 0; 1 when the whole part is missing or overflows; 2 when the '.' is
 * not followed by a digit. */
static int take_decimal(const char **p, uint64_t *whole, uint64_t *frac_ns)
{
    *frac_ns = 0;
    if (!take_uint(p, whole))
        return 1;
    if (**p == '.') {
        (*p)++;
        if (!take_fraction_ns(p, frac_ns))
            return 2;
    }
    return 0;
}

/* An amount of time at num, within s (named in messages as what): a number
 * with optional fraction, then a unit ns, us, ms, s (the default), m or h. */
static int parse_amount(const char *s, const char *num, const char *what, uint64_t *out_ns,
                        struct ss_err *err)
{
    const char *p = num;
    uint64_t whole, frac;
    int bad = take_decimal(&p, &whole, &frac);
    if (bad == 1) {
        ss_err_set(err, "bad %s \"%s\": expected a number, e.g. %s12.5s", what, s,
                   num > s ? "+" : "");
        return -1;
    }
    if (bad == 2) {
        ss_err_set(err, "bad %s \"%s\": expected digits after '.'", what, s);
        return -1;
    }
    uint64_t unit_ns;
    if (*p == '\0' || strcmp(p, "s") == 0)
        unit_ns = NS_PER_S;
    else if (strcmp(p, "ms") == 0)
        unit_ns = NS_PER_MS;
    else if (strcmp(p, "us") == 0)
        unit_ns = NS_PER_US;
    else if (strcmp(p, "ns") == 0)
        unit_ns = 1;
    else if (strcmp(p, "m") == 0)
        unit_ns = 60 * NS_PER_S;
    else if (strcmp(p, "h") == 0)
        unit_ns = 3600 * NS_PER_S;
    else {
        ss_err_set(err, "bad %s \"%s\": unknown unit \"%s\" (use ns, us, ms, s, m or h)", what,
                   s, p);
        return -1;
    }
    /* frac is in 1e-9 units of unit_ns; every unit is a multiple or divisor of 1 s */
    uint64_t frac_ns =
        unit_ns >= NS_PER_S ? frac * (unit_ns / NS_PER_S) : frac / (NS_PER_S / unit_ns);
    if (whole > (UINT64_MAX - frac_ns) / unit_ns) {
        ss_err_set(err, "bad %s \"%s\": too large", what, s);
        return -1;
    }
    *out_ns = whole * unit_ns + frac_ns;
    return 0;
}

/* "+<number>[unit]": an offset from first_ts_ns */
static int parse_offset(const char *s, uint64_t first_ts_ns, uint64_t *out_ns,
                        struct ss_err *err)
{
    uint64_t d;
    if (parse_amount(s, s + 1, "time offset", &d, err) != 0)
        return -1;
    if (d > UINT64_MAX - first_ts_ns) {
        ss_err_set(err, "bad time offset \"%s\": too large", s);
        return -1;
    }
    *out_ns = first_ts_ns + d;
    return 0;
}

int timefmt_parse_duration(const char *s, uint64_t *out_ns, struct ss_err *err)
{
    if (s == NULL || *s == '\0') {
        ss_err_set(err, "empty duration: give seconds, or a number with a unit (500ms, 5m)");
        return -1;
    }
    return parse_amount(s, s, "duration", out_ns, err);
}

/* "YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|(+|-)HH[:MM]|(+|-)HHMM]": UTC without a
 * zone, as sockscope writes every time; with an offset (RFC 3339), the local
 * time it qualifies. "t" and "z" as "T" and "Z" (RFC 3339 section 5.6). */
static int parse_iso(const char *s, uint64_t *out_ns, struct ss_err *err)
{
    const char *p = s;
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    uint64_t frac = 0;
    if (!take_digits(&p, 4, &y) || *p++ != '-' || !take_digits(&p, 2, &mo) || *p++ != '-' ||
        !take_digits(&p, 2, &d)) {
        ss_err_set(err, "bad time \"%s\": expected ISO 8601 date YYYY-MM-DD", s);
        return -1;
    }
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!take_digits(&p, 2, &h) || *p++ != ':' || !take_digits(&p, 2, &mi)) {
            ss_err_set(err, "bad time \"%s\": expected HH:MM[:SS[.frac]] after the date", s);
            return -1;
        }
        if (*p == ':') {
            p++;
            if (!take_digits(&p, 2, &sec)) {
                ss_err_set(err, "bad time \"%s\": expected two digits of seconds", s);
                return -1;
            }
            if (*p == '.') {
                p++;
                if (!take_fraction_ns(&p, &frac)) {
                    ss_err_set(err, "bad time \"%s\": expected digits after '.'", s);
                    return -1;
                }
            }
        }
    }
    int64_t offset_s = 0; /* local time - UTC */
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        unsigned oh = 0, om = 0;
        bool ok = take_digits(&p, 2, &oh);
        if (ok && *p == ':') {
            p++;
            ok = take_digits(&p, 2, &om);
        } else if (ok && *p != '\0') {
            ok = take_digits(&p, 2, &om);
        }
        if (!ok || oh > 23 || om > 59) {
            ss_err_set(err, "bad time \"%s\": expected a zone offset +HH:MM, +HHMM or +HH", s);
            return -1;
        }
        offset_s = sign * (int64_t)(oh * 3600u + om * 60u);
    }
    if (*p != '\0') {
        ss_err_set(err, "bad time \"%s\": unexpected \"%s\" at the end", s, p);
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 59) {
        ss_err_set(err, "bad time \"%s\": date or time field out of range", s);
        return -1;
    }
    if (y < 1970) {
        ss_err_set(err, "bad time \"%s\": before 1970-01-01", s);
        return -1;
    }
    int64_t days = days_from_civil((int64_t)y, mo, d);
    uint64_t local = (uint64_t)days * S_PER_DAY + h * 3600u + mi * 60u + sec;
    if (offset_s > 0 && local < (uint64_t)offset_s) {
        ss_err_set(err, "bad time \"%s\": before 1970-01-01 UTC", s);
        return -1;
    }
    uint64_t secs = offset_s >= 0 ? local - (uint64_t)offset_s : local + (uint64_t)-offset_s;
    if (secs > (UINT64_MAX - frac) / NS_PER_S) {
        ss_err_set(err, "bad time \"%s\": too far in the future", s);
        return -1;
    }
    *out_ns = secs * NS_PER_S + frac;
    return 0;
}

/* "<seconds>[.<fraction>]" */
static int parse_epoch(const char *s, uint64_t *out_ns, struct ss_err *err)
{
    const char *p = s;
    uint64_t secs, frac;
    int bad = take_decimal(&p, &secs, &frac);
    if (bad == 1) {
        ss_err_set(err, "bad time \"%s\": seconds out of range", s);
        return -1;
    }
    if (bad == 2) {
        ss_err_set(err, "bad time \"%s\": expected digits after '.'", s);
        return -1;
    }
    if (*p != '\0') {
        ss_err_set(err, "bad time \"%s\": unexpected \"%s\" after the epoch seconds", s, p);
        return -1;
    }
    if (secs > (UINT64_MAX - frac) / NS_PER_S) {
        ss_err_set(err, "bad time \"%s\": seconds out of range", s);
        return -1;
    }
    *out_ns = secs * NS_PER_S + frac;
    return 0;
}

int timefmt_parse_at(const char *s, uint64_t first_ts_ns, uint64_t *out_ns, struct ss_err *err)
{
    if (s == NULL || *s == '\0') {
        ss_err_set(err, "empty time: give epoch seconds, ISO 8601 or +offset");
        return -1;
    }
    if (s[0] == '+')
        return parse_offset(s, first_ts_ns, out_ns, err);
    if (!is_digit(s[0])) {
        ss_err_set(err,
                   "bad time \"%s\": expected epoch seconds (1700000012.5), ISO 8601 "
                   "(2023-11-14T22:13:32Z, 2023-11-14T23:13:32+01:00) or an offset (+12.5s)",
                   s);
        return -1;
    }
    /* a date has a '-' after four digits */
    if (strlen(s) >= 5 && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '-')
        return parse_iso(s, out_ns, err);
    return parse_epoch(s, out_ns, err);
}

/* ts_ns as a UTC calendar date and time of day (whole seconds). */
struct civil_time {
    uint64_t year;
    unsigned month, day, hour, min, sec;
};

static struct civil_time civil_time_of(uint64_t ts_ns)
{
    struct civil_time t;
    uint64_t secs = ts_ns / NS_PER_S;
    unsigned sod = (unsigned)(secs % S_PER_DAY);
    civil_from_days(secs / S_PER_DAY, &t.year, &t.month, &t.day);
    t.hour = sod / 3600;
    t.min = sod / 60 % 60;
    t.sec = sod % 60;
    return t;
}

void timefmt_iso(uint64_t ts_ns, char *buf, size_t n)
{
    if (buf == NULL || n == 0)
        return;
    struct civil_time t = civil_time_of(ts_ns);
    snprintf(buf, n, "%04llu-%02u-%02uT%02u:%02u:%02u.%09luZ", (unsigned long long)t.year,
             t.month, t.day, t.hour, t.min, t.sec, (unsigned long)(ts_ns % NS_PER_S));
}

void timefmt_zeek_date(uint64_t ts_ns, char *buf, size_t n)
{
    if (buf == NULL || n == 0)
        return;
    struct civil_time t = civil_time_of(ts_ns);
    snprintf(buf, n, "%04llu-%02u-%02u-%02u-%02u-%02u", (unsigned long long)t.year, t.month,
             t.day, t.hour, t.min, t.sec);
}

uint64_t timefmt_round_us(uint64_t ns)
{
    return ns / 1000 + (ns % 1000 >= 500);
}

void timefmt_epoch(uint64_t ts_ns, char *buf, size_t n)
{
    if (buf == NULL || n == 0)
        return;
    uint64_t secs = ts_ns / NS_PER_S;
    uint64_t us = (ts_ns % NS_PER_S + 500) / 1000; /* round half up */
    if (us == 1000000) {
        secs++;
        us = 0;
    }
    snprintf(buf, n, "%llu.%06llu", (unsigned long long)secs, (unsigned long long)us);
}

void timefmt_duration(uint64_t ns, char *buf, size_t n)
{
    if (buf == NULL || n == 0)
        return;
    uint64_t secs = ns / NS_PER_S;
    if (secs < 60)
        snprintf(buf, n, "%llu.%03llus", (unsigned long long)secs,
                 (unsigned long long)(ns % NS_PER_S / NS_PER_MS));
    else if (secs < 3600)
        snprintf(buf, n, "%llum%02llus", (unsigned long long)(secs / 60),
                 (unsigned long long)(secs % 60));
    else if (secs < S_PER_DAY)
        snprintf(buf, n, "%lluh%02llum", (unsigned long long)(secs / 3600),
                 (unsigned long long)(secs / 60 % 60));
    else
        snprintf(buf, n, "%llud%02lluh", (unsigned long long)(secs / S_PER_DAY),
                 (unsigned long long)(secs / 3600 % 24));
}
