/*
 * vtime.c — calendar arithmetic without the C library's time zones.
 *
 * days_from_civil / civil_from_days are Howard Hinnant's public-domain
 * algorithms for the proleptic Gregorian calendar.
 */
#include "core/vtime.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

int64_t vt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void vt_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

#define NT_EPOCH_DIFF_US (INT64_C(11644473600) * VT_US_PER_SEC)
#define MAX_US (INT64_C(253402300799) * VT_US_PER_SEC) /* 9999-12-31T23:59:59 */

int vt_from_nt_ticks(int64_t ticks, int64_t *us)
{
    if (ticks <= 0)
        return VG_EINVAL;
    int64_t v = ticks / 10 - NT_EPOCH_DIFF_US;
    if (v < 0 || v > MAX_US)
        return VG_EINVAL;
    *us = v;
    return 0;
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
    if (at + count > n)
        return -1;
    int v = 0;
    for (size_t i = 0; i < count; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int vt_parse(const char *s, size_t n, int64_t *us)
{
    int Y, M, D, h = 0, mi = 0, sec = 0;
    int64_t frac = 0;
    size_t i;
    if (digits(s, n, 0, 4, &Y) || n < 10 || s[4] != '-' || digits(s, n, 5, 2, &M) ||
        s[7] != '-' || digits(s, n, 8, 2, &D))
        return VG_EINVAL;
    if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M))
        return VG_EINVAL;
    i = 10;
    int64_t offset_s = 0;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return VG_EINVAL;
        i++;
        if (digits(s, n, i, 2, &h) || i + 2 >= n || s[i + 2] != ':' ||
            digits(s, n, i + 3, 2, &mi))
            return VG_EINVAL;
        i += 5;
        if (i < n && s[i] == ':') {
            if (digits(s, n, i + 1, 2, &sec))
                return VG_EINVAL;
            i += 3;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t start = i;
                int64_t scale = 100000;
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    if (scale > 0) {
                        frac += (s[i] - '0') * scale;
                        scale /= 10;
                    }
                    i++;
                }
                if (i == start)
                    return VG_EINVAL;
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return VG_EINVAL;
        if (sec == 60)
            sec = 59; /* leap second: keep it inside its minute */
        if (i < n && s[i] == ' ')
            i++;
        if (i < n) {
            if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
                i++;
            } else if (n - i == 3 && memcmp(s + i, "UTC", 3) == 0) {
                i = n;
            } else if (s[i] == '+' || s[i] == '-') {
                int oh, om = 0;
                int sign = s[i] == '-' ? -1 : 1;
                if (digits(s, n, i + 1, 2, &oh))
                    return VG_EINVAL;
                i += 3;
                if (i < n && s[i] == ':')
                    i++;
                if (i < n) {
                    if (digits(s, n, i, 2, &om))
                        return VG_EINVAL;
                    i += 2;
                }
                if (oh > 23 || om > 59)
                    return VG_EINVAL;
                offset_s = sign * (oh * 3600 + om * 60);
            } else {
                return VG_EINVAL;
            }
        }
        if (i != n)
            return VG_EINVAL;
    }
    int64_t days = vt_days_from_civil(Y, (unsigned)M, (unsigned)D);
    int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    if (t < 0 || t > MAX_US / VT_US_PER_SEC)
        return VG_EINVAL;
    *us = t * VT_US_PER_SEC + frac;
    return 0;
}

static char *put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* Hand-formatted: this runs for every record's time.source, and snprintf
 * showed up in profiles of the ingest path. */
/* The one writer of date-times: digits 0 (seconds), 3 (milliseconds,
 * truncated), 6, or -1 (IntelMQ: six when non-zero, else none); zone "Z"
 * or "+00:00". */
static size_t format_time(int64_t us, int digits, const char *zone, char *out)
{
    int64_t day = vt_day_of(us);
    int64_t rem = us - day * VT_US_PER_DAY;
    int y;
    unsigned m, d;
    vt_civil_from_days(day, &y, &m, &d);
    unsigned secs = (unsigned)(rem / VT_US_PER_SEC);
    unsigned frac = (unsigned)(rem % VT_US_PER_SEC);
    char *o = out;
    if (y < 0 || y > 9999)
        y = 0;
    o = put2(o, (unsigned)y / 100);
    o = put2(o, (unsigned)y % 100);
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    *o++ = 'T';
    o = put2(o, secs / 3600);
    *o++ = ':';
    o = put2(o, secs / 60 % 60);
    *o++ = ':';
    o = put2(o, secs % 60);
    if (digits < 0)
        digits = frac ? 6 : 0;
    if (digits == 3)
        frac /= 1000;
    if (digits == 3 || digits == 6) {
        *o++ = '.';
        for (int k = digits - 1; k >= 0; k--) {
            o[k] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += digits;
    }
    size_t zl = strlen(zone);
    memcpy(o, zone, zl + 1);
    return (size_t)(o - out) + zl;
}

size_t vt_format_iso(int64_t us, char *out)
{
    return format_time(us, -1, "+00:00", out);
}

size_t vt_format_utc(int64_t us, int digits, char *out)
{
    return format_time(us, digits == 3 || digits == 6 ? digits : 0, "Z", out);
}

size_t vt_format_day(int64_t day, char *out)
{
    int y;
    unsigned m, d;
    vt_civil_from_days(day, &y, &m, &d);
    return (size_t)snprintf(out, 11, "%04d-%02u-%02u", y % 10000, m, d);
}

int vt_parse_day(const char *s, int64_t *day)
{
    int64_t us;
    size_t n = strlen(s);
    if (n != 10 || vt_parse(s, n, &us))
        return VG_EINVAL;
    *day = vt_day_of(us);
    return 0;
}
