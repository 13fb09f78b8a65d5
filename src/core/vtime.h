/*
 * vtime.h — times as int64 microseconds since the Unix epoch, UTC.
 *
 * Feeds carry times as Windows NT ticks (CTIP: 100 ns since 1601-01-01),
 * RFC 3339 / ISO 8601 text (IntelMQ, STIX) or "YYYY-MM-DD HH:MM:SS"
 * (Shadowserver).  Everything becomes one int64 so that a day is
 * floor(us / 86400e6) and nothing depends on the local time zone.
 */
#ifndef VG_VTIME_H
#define VG_VTIME_H

#include <stddef.h>
#include <stdint.h>

#define VT_US_PER_SEC INT64_C(1000000)
#define VT_US_PER_DAY (INT64_C(86400) * VT_US_PER_SEC)

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
int64_t vt_days_from_civil(int64_t y, unsigned m, unsigned d);
void vt_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

/* NT ticks (100 ns units since 1601-01-01 UTC) to Unix microseconds,
 * truncating below the microsecond.  Returns VG_EINVAL outside 1970..9999. */
int vt_from_nt_ticks(int64_t ticks, int64_t *us);

/* Parse "YYYY-MM-DD[T| ]HH:MM[:SS[.frac]][Z|+HH[:]MM|-HH[:]MM| UTC]" or a bare
 * "YYYY-MM-DD" (midnight UTC).  Fractions beyond microseconds are truncated.
 * Returns 0 or VG_EINVAL. */
int vt_parse(const char *s, size_t n, int64_t *us);

/* IntelMQ's DateTime text: "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00"; the fraction
 * appears only when non-zero (Python's isoformat).  out >= 40 bytes. */
size_t vt_format_iso(int64_t us, char *out);

/* RFC 3339 in UTC with a "Z" (STIX 2.1 §3.2): "YYYY-MM-DDTHH:MM:SS[.fff|
 * .ffffff]Z" with digits 0, 3 (milliseconds, truncated) or 6 fractional
 * digits.  out >= 32 bytes. */
size_t vt_format_utc(int64_t us, int digits, char *out);

/* "YYYY-MM-DD" of the UTC day; out >= 11 bytes. */
size_t vt_format_day(int64_t day, char *out);
/* Parse "YYYY-MM-DD" into a day number. */
int vt_parse_day(const char *s, int64_t *day);

static inline int64_t vt_day_of(int64_t us)
{
    return us >= 0 ? us / VT_US_PER_DAY : -((-us + VT_US_PER_DAY - 1) / VT_US_PER_DAY);
}

#endif
