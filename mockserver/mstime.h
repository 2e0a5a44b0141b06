/*
 * mstime: ISO-8601 instants and periods for the virtual clock.
 *
 * An instant is a count of milliseconds since 1970-01-01T00:00:00Z in a
 * signed 64-bit integer (ms_time_t). A period is kept in two parts, whole
 * calendar months and a fixed number of milliseconds, because a month has
 * no fixed length: "P1Y2M3DT4H" is 14 months plus 3 days 4 hours.
 *
 * Adding a period adds the months first, clamping the day to the last day
 * of the month reached (Jan 31 + P1M = Feb 28, or Feb 29 in a leap year),
 * then the fixed part. Everything is UTC and uses libc's timegm/gmtime_r;
 * nothing here keeps state, so every function is thread-safe.
 */
#ifndef MS_MSTIME_H
#define MS_MSTIME_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t ms_time_t;

/* "2026-01-15T09:00:00.000Z" plus the terminating NUL. */
#define MS_TIME_BUFSZ 25
/* "Thu, 15 Jan 2026 09:00:00 GMT" plus the terminating NUL. */
#define MS_HTTP_DATE_BUFSZ 30
/* The longest period text we print. */
#define MS_PERIOD_BUFSZ 48

/* Years 0001 to 9999 only: the range ISO-8601 text can carry. */
#define MS_TIME_MIN ((ms_time_t)-62135596800000LL)
#define MS_TIME_MAX ((ms_time_t)253402300799999LL)

struct ms_period {
	int32_t months; /* years count 12 each */
	int64_t ms;     /* weeks, days, hours, minutes, seconds */
};

/*
 * Parse an ISO-8601 UTC instant: "YYYY-MM-DDTHH:MM:SS[.fff]Z"; an offset
 * "+hh:mm" / "-hh:mm" instead of Z is accepted and folded into UTC; one to
 * nine fraction digits are accepted and cut to milliseconds. Returns 0 and
 * stores *out, or -1 for anything else (bad field ranges like Feb 30
 * included).
 */
int ms_time_parse(const char *text, ms_time_t *out);

/* Write t as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (MS_TIME_BUFSZ bytes).
 * Returns buf. t is clamped to [MS_TIME_MIN, MS_TIME_MAX]. */
char *ms_time_format(ms_time_t t, char *buf);

/* Write t as an RFC 7231 HTTP date into buf (MS_HTTP_DATE_BUFSZ bytes),
 * English names whatever the locale. Returns buf. t is clamped as above. */
char *ms_time_http_date(ms_time_t t, char *buf);

/*
 * Parse an ISO-8601 duration "PnYnMnWnDTnHnMnS": fields in that order,
 * each at most once, at least one in all and at least one after a "T";
 * only non-negative integers except the seconds, which may carry one to
 * three fraction digits after a '.' ("PT0.25S"). Returns 0 and stores
 * *out, or -1. Periods longer than 10000 years in all (a month counted
 * at its average, 30.436875 days) are refused. A day is 24 hours: the
 * clock is UTC, so there are no daylight-saving days.
 */
int ms_period_parse(const char *text, struct ms_period *out);

/*
 * Write p into buf (MS_PERIOD_BUFSZ bytes) as canonical ISO-8601 and
 * return buf. Canonical means: months as years and months ("P14M" is
 * "P1Y2M"), the fixed part as days, hours, minutes and seconds, each
 * carried into the next larger unit (never weeks: "P2W" is "P14D", and
 * "PT36H" is "P1DT12H"), zero fields left out, seconds with the fewest
 * fraction digits ("PT0.2S"), and "PT0S" for an empty period. So
 * ms_period_parse(ms_period_format(p)) gives p back for every p it can
 * produce, though not always the original text. A negative field (which
 * ms_period_parse never produces) is written with a minus on each of its
 * fields, "P-1D", and does not parse back.
 */
char *ms_period_format(const struct ms_period *p, char *buf);

/*
 * t plus p: calendar months first, clamped to the month's last day, then
 * the fixed milliseconds. t is clamped to [MS_TIME_MIN, MS_TIME_MAX]
 * first and the result saturates there; the time of day is kept.
 */
ms_time_t ms_time_add(ms_time_t t, const struct ms_period *p);

/* Milliseconds of wall time since the epoch, and of a monotonic clock. */
ms_time_t ms_wall_now(void);
int64_t ms_mono_now(void);
/* Microseconds of the monotonic clock, for measuring durations. */
int64_t ms_mono_us(void);
/* Sleep ms milliseconds by the monotonic clock, looking every 50 ms
 * whether *cut (may be NULL) is set, and returning then. */
void ms_sleep_ms(int64_t ms, const atomic_bool *cut);

#endif /* MS_MSTIME_H */
