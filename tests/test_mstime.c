/*
 * Unit tests of mstime: instants and periods, both sides of each
 * calendar boundary, the refusals, and round trips through the text.
 */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mstime.h"

#define DAY_MS 86400000LL
#define JAN_15_2026_9H 1768467600000LL


/* Parse text, failing the test if it is refused. */
static ms_time_t at(const char *text)
{
	ms_time_t t = 0;

	assert_int_equal(ms_time_parse(text, &t), 0);
	return t;
}


/* Assert that start plus the period text reads want. */
static void check_add(const char *start, const char *period,
		      const char *want)
{
	struct ms_period p;
	char buf[MS_TIME_BUFSZ];

	assert_int_equal(ms_period_parse(period, &p), 0);
	assert_string_equal(ms_time_format(ms_time_add(at(start), &p), buf),
			    want);
}


/* Assert that text parses to the period {months, ms}. */
static void check_period(const char *text, int32_t months, int64_t ms)
{
	struct ms_period p = { -1, -1 };

	assert_int_equal(ms_period_parse(text, &p), 0);
	assert_int_equal(p.months, months);
	assert_int_equal(p.ms, ms);
}


/* Assert that the period {months, ms} is written as want. */
static void check_format(int32_t months, int64_t ms, const char *want)
{
	struct ms_period p = { months, ms };
	char buf[MS_PERIOD_BUFSZ];

	assert_string_equal(ms_period_format(&p, buf), want);
}


static void test_mstime_parse_basic(void **state)
{
	(void)state;
	assert_int_equal(at("2026-01-15T09:00:00.000Z"), JAN_15_2026_9H);
	assert_int_equal(at("2026-01-15T09:00:00Z"), JAN_15_2026_9H);
	assert_int_equal(at("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(at("1969-12-31T23:59:59.999Z"), -1);
	assert_int_equal(at("0001-01-01T00:00:00.000Z"), MS_TIME_MIN);
	assert_int_equal(at("9999-12-31T23:59:59.999Z"), MS_TIME_MAX);
}


static void test_mstime_parse_fraction(void **state)
{
	(void)state;
	assert_int_equal(at("1970-01-01T00:00:00.5Z"), 500);
	assert_int_equal(at("1970-01-01T00:00:00.05Z"), 50);
	assert_int_equal(at("1970-01-01T00:00:00.123Z"), 123);
	assert_int_equal(at("1970-01-01T00:00:00.123456789Z"), 123);
	assert_int_equal(at("1970-01-01T00:00:00.999999999Z"), 999);
}


static void test_mstime_parse_offsets(void **state)
{
	(void)state;
	assert_int_equal(at("2026-01-15T10:00:00.000+01:00"),
			 JAN_15_2026_9H);
	assert_int_equal(at("2026-01-15T03:30:00-05:30"), JAN_15_2026_9H);
	assert_int_equal(at("2026-01-15T09:00:00+00:00"), JAN_15_2026_9H);
	assert_int_equal(at("2026-01-15T09:00:00-00:00"), JAN_15_2026_9H);

	/* An offset can move the instant across a day and a year. */
	assert_int_equal(at("2026-01-01T00:30:00+01:00"),
			 at("2025-12-31T23:30:00Z"));
	assert_int_equal(at("2025-12-31T23:30:00-23:59"),
			 at("2026-01-01T23:29:00Z"));
}


static void test_mstime_parse_leap_years(void **state)
{
	ms_time_t t;

	(void)state;
	assert_int_equal(ms_time_parse("2000-02-29T00:00:00Z", &t), 0);
	assert_int_equal(ms_time_parse("1900-02-29T00:00:00Z", &t), -1);
	assert_int_equal(ms_time_parse("1900-02-28T00:00:00Z", &t), 0);
	assert_int_equal(ms_time_parse("2028-02-29T00:00:00Z", &t), 0);
	assert_int_equal(ms_time_parse("2026-02-29T00:00:00Z", &t), -1);
	assert_int_equal(ms_time_parse("2026-02-28T00:00:00Z", &t), 0);
	assert_int_equal(ms_time_parse("2100-02-29T00:00:00Z", &t), -1);
	assert_int_equal(ms_time_parse("2400-02-29T00:00:00Z", &t), 0);
	assert_int_equal(at("2000-03-01T00:00:00Z") -
			 at("2000-02-28T00:00:00Z"), 2 * DAY_MS);
	assert_int_equal(at("1900-03-01T00:00:00Z") -
			 at("1900-02-28T00:00:00Z"), DAY_MS);
}


static void test_mstime_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"2026-02-30T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-01-32T00:00:00Z",
		"2026-01-00T00:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-01-15T24:00:00Z",
		"2026-01-15T23:60:00Z",
		"2026-01-15T23:59:60Z",
		"2026-01-15T09:00:00",
		"2026-01-15T09:00:00.000",
		"2026-01-15T09:00:00.000Zjunk",
		"2026-01-15T09:00:00.000Z ",
		" 2026-01-15T09:00:00.000Z",
		"2026-01-15t09:00:00Z",
		"2026-01-15T09:00:00z",
		"2026-01-15 09:00:00Z",
		"2026-1-15T09:00:00Z",
		"26-01-15T09:00:00Z",
		"+2026-01-15T09:00:00Z",
		"2026-01-15T09:00Z",
		"2026-01-15",
		"2026-01-15T09:00:00.Z",
		"2026-01-15T09:00:00.1234567890Z",
		"2026-01-15T09:00:00,5Z",
		"2026-01-15T09:00:00+0100",
		"2026-01-15T09:00:00+01",
		"2026-01-15T09:00:00+24:00",
		"2026-01-15T09:00:00+01:60",
		"2026-01-15T09:00:00+01:00Z",
		"0000-01-01T00:00:00Z",
		"10000-01-01T00:00:00Z",
		"0001-01-01T00:00:00+00:01",
		"9999-12-31T23:59:59.999-00:01",
		"2026-0a-15T09:00:00Z",
	};
	ms_time_t t = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ms_time_parse(bad[i], &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(t, 42);
	assert_int_equal(ms_time_parse(NULL, &t), -1);
}


static void test_mstime_format_ms(void **state)
{
	char buf[MS_TIME_BUFSZ];

	(void)state;
	assert_string_equal(ms_time_format(0, buf),
			    "1970-01-01T00:00:00.000Z");
	assert_string_equal(ms_time_format(JAN_15_2026_9H + 7, buf),
			    "2026-01-15T09:00:00.007Z");
	assert_string_equal(ms_time_format(JAN_15_2026_9H + 120, buf),
			    "2026-01-15T09:00:00.120Z");
	assert_string_equal(ms_time_format(-1, buf),
			    "1969-12-31T23:59:59.999Z");
	assert_string_equal(ms_time_format(MS_TIME_MIN, buf),
			    "0001-01-01T00:00:00.000Z");
	assert_int_equal(strlen(buf), MS_TIME_BUFSZ - 1);
}


/* Times formatted one after another, jumping across days, years and
 * 1970 in both directions, read as gmtime_r and strftime read them:
 * the day each thread remembers is never used for another day. */
static void test_mstime_format_agrees_with_gmtime(void **state)
{
	/* Steps of odd sizes, so that every hour, second and ms shows. */
	static const int64_t steps[] = {1, 999, 59999, 3599999, 86399999,
					86400001, 2678400007LL,
					31622400013LL};
	char got[MS_TIME_BUFSZ], want[MS_TIME_BUFSZ + 8];
	int64_t t = MS_TIME_MIN;
	size_t n = 0;

	(void)state;
	for (int i = 0; t < MS_TIME_MAX - 40000000000000LL; i++) {
		time_t sec = (time_t)(t / 1000 - (t % 1000 < 0));
		int ms = (int)(t - (int64_t)sec * 1000);
		struct tm tm;
		size_t len;

		assert_non_null(gmtime_r(&sec, &tm));
		len = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + len, sizeof(want) - len, ".%03dZ", ms);
		/* %Y does not pad years before 1000. */
		if (tm.tm_year + 1900 >= 1000) {
			assert_string_equal(ms_time_format(t, got), want);
			n++;
		}
		/* Back and forth: the day just left, then on. */
		ms_time_format(t - 86400000, got);
		t += steps[i % 8] * (1 + i % 3) * 7;
	}
	assert_true(n > 1000);
}


static void test_mstime_format_clamps(void **state)
{
	char buf[MS_TIME_BUFSZ];

	(void)state;
	assert_string_equal(ms_time_format(MS_TIME_MAX, buf),
			    "9999-12-31T23:59:59.999Z");
	assert_string_equal(ms_time_format(MS_TIME_MAX + 1, buf),
			    "9999-12-31T23:59:59.999Z");
	assert_string_equal(ms_time_format(INT64_MAX, buf),
			    "9999-12-31T23:59:59.999Z");
	assert_string_equal(ms_time_format(MS_TIME_MIN - 1, buf),
			    "0001-01-01T00:00:00.000Z");
	assert_string_equal(ms_time_format(INT64_MIN, buf),
			    "0001-01-01T00:00:00.000Z");
}


static void test_mstime_time_round_trip(void **state)
{
	static const char *const texts[] = {
		"2026-01-15T09:00:00.000Z", "2028-02-29T23:59:59.999Z",
		"2000-02-29T12:34:56.789Z", "1900-02-28T00:00:00.001Z",
		"1969-12-31T23:59:59.999Z", "0001-01-01T00:00:00.000Z",
		"9999-12-31T23:59:59.999Z", "2026-12-31T00:00:00.500Z",
	};
	char buf[MS_TIME_BUFSZ];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_string_equal(ms_time_format(at(texts[i]), buf),
				    texts[i]);
	for (ms_time_t t = -5 * DAY_MS; t < 5 * DAY_MS; t += 3600007)
		assert_int_equal(at(ms_time_format(t, buf)), t);
}


static void test_mstime_http_date(void **state)
{
	char buf[MS_HTTP_DATE_BUFSZ];

	(void)state;
	assert_string_equal(ms_time_http_date(JAN_15_2026_9H + 999, buf),
			    "Thu, 15 Jan 2026 09:00:00 GMT");
	assert_int_equal(strlen(buf), MS_HTTP_DATE_BUFSZ - 1);
	assert_string_equal(ms_time_http_date(0, buf),
			    "Thu, 01 Jan 1970 00:00:00 GMT");
	assert_string_equal(ms_time_http_date(at("2028-02-29T23:59:59Z"),
					      buf),
			    "Tue, 29 Feb 2028 23:59:59 GMT");
	assert_string_equal(ms_time_http_date(MS_TIME_MIN, buf),
			    "Mon, 01 Jan 0001 00:00:00 GMT");
	assert_string_equal(ms_time_http_date(INT64_MAX, buf),
			    "Fri, 31 Dec 9999 23:59:59 GMT");
}


/* Dates one after another: within a second, across one (before 1970
 * too, where a second's milliseconds count up from a negative time),
 * and back. */
/* ms_sleep_ms sleeps its time by the monotonic clock, and returns at
 * once when its flag is set (rule delays and stalls at a stop). */
static void test_mstime_sleep_ms(void **state)
{
	atomic_bool cut = false;
	int64_t start;

	(void)state;
	start = ms_mono_us();
	ms_sleep_ms(120, NULL);
	assert_true(ms_mono_us() - start >= 120000);
	start = ms_mono_us();
	ms_sleep_ms(80, &cut);
	assert_true(ms_mono_us() - start >= 80000);
	atomic_store(&cut, true);
	start = ms_mono_us();
	ms_sleep_ms(60000, &cut);
	assert_true(ms_mono_us() - start < 1000000);
}


static void test_mstime_http_date_in_turn(void **state)
{
	static const struct {
		ms_time_t t;
		const char *want;
	} seq[] = {
		{-1001, "Wed, 31 Dec 1969 23:59:58 GMT"},
		{-1000, "Wed, 31 Dec 1969 23:59:59 GMT"},
		{-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
		{0, "Thu, 01 Jan 1970 00:00:00 GMT"},
		{999, "Thu, 01 Jan 1970 00:00:00 GMT"},
		{1000, "Thu, 01 Jan 1970 00:00:01 GMT"},
		{-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
		{JAN_15_2026_9H + 999, "Thu, 15 Jan 2026 09:00:00 GMT"},
		{JAN_15_2026_9H + DAY_MS, "Fri, 16 Jan 2026 09:00:00 GMT"},
		{INT64_MIN, "Mon, 01 Jan 0001 00:00:00 GMT"},
		{MS_TIME_MIN, "Mon, 01 Jan 0001 00:00:00 GMT"},
	};
	char buf[MS_HTTP_DATE_BUFSZ];

	(void)state;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		assert_string_equal(ms_time_http_date(seq[i].t, buf),
				    seq[i].want);
}


static void test_mstime_add_month_end_common_year(void **state)
{
	(void)state;
	check_add("2026-01-31T00:00:00.000Z", "P1M",
		  "2026-02-28T00:00:00.000Z");
	check_add("2026-01-29T00:00:00.000Z", "P1M",
		  "2026-02-28T00:00:00.000Z");
	check_add("2026-01-28T00:00:00.000Z", "P1M",
		  "2026-02-28T00:00:00.000Z");
	check_add("2026-01-27T00:00:00.000Z", "P1M",
		  "2026-02-27T00:00:00.000Z");
}


static void test_mstime_add_month_end_leap_year(void **state)
{
	(void)state;
	check_add("2028-01-31T00:00:00.000Z", "P1M",
		  "2028-02-29T00:00:00.000Z");
	check_add("2028-01-29T00:00:00.000Z", "P1M",
		  "2028-02-29T00:00:00.000Z");
	check_add("2028-01-28T00:00:00.000Z", "P1M",
		  "2028-02-28T00:00:00.000Z");
	check_add("2000-01-31T00:00:00.000Z", "P1M",
		  "2000-02-29T00:00:00.000Z");
	check_add("1900-01-31T00:00:00.000Z", "P1M",
		  "1900-02-28T00:00:00.000Z");
}


static void test_mstime_add_year_from_leap_day(void **state)
{
	(void)state;
	check_add("2028-02-29T08:00:00.000Z", "P1Y",
		  "2029-02-28T08:00:00.000Z");
	check_add("2028-02-29T08:00:00.000Z", "P12M",
		  "2029-02-28T08:00:00.000Z");
	check_add("2028-02-29T08:00:00.000Z", "P4Y",
		  "2032-02-29T08:00:00.000Z");
	check_add("2027-02-28T08:00:00.000Z", "P1Y",
		  "2028-02-28T08:00:00.000Z");
}


static void test_mstime_add_three_months(void **state)
{
	(void)state;
	check_add("2025-11-30T10:00:00.000Z", "P3M",
		  "2026-02-28T10:00:00.000Z");
	check_add("2027-11-30T10:00:00.000Z", "P3M",
		  "2028-02-29T10:00:00.000Z");
	check_add("2026-01-31T10:00:00.000Z", "P3M",
		  "2026-04-30T10:00:00.000Z");
	check_add("2026-01-31T10:00:00.000Z", "P2M",
		  "2026-03-31T10:00:00.000Z");
	check_add("2026-01-30T10:00:00.000Z", "P3M",
		  "2026-04-30T10:00:00.000Z");
	check_add("2026-01-29T10:00:00.000Z", "P3M",
		  "2026-04-29T10:00:00.000Z");
}


static void test_mstime_add_keeps_time_of_day(void **state)
{
	(void)state;
	check_add("2026-01-31T23:59:59.999Z", "P1M",
		  "2026-02-28T23:59:59.999Z");
	check_add("2026-08-31T00:00:00.001Z", "P6M",
		  "2027-02-28T00:00:00.001Z");
	check_add("2026-12-15T12:00:00.000Z", "P1M",
		  "2027-01-15T12:00:00.000Z");
}


static void test_mstime_add_fixed_part(void **state)
{
	(void)state;
	check_add("2026-01-15T09:00:00.000Z", "P91D",
		  "2026-04-16T09:00:00.000Z");
	check_add("2026-01-15T09:00:00.000Z", "PT0.2S",
		  "2026-01-15T09:00:00.200Z");
	check_add("2026-01-15T09:00:00.000Z", "P2W",
		  "2026-01-29T09:00:00.000Z");
	check_add("2026-12-31T23:59:59.999Z", "PT0.001S",
		  "2027-01-01T00:00:00.000Z");

	/* Months first, then days: Jan 31 + 1M = Feb 28, + 1D = Mar 1. */
	check_add("2026-01-31T00:00:00.000Z", "P1M1D",
		  "2026-03-01T00:00:00.000Z");
	check_add("2028-01-31T00:00:00.000Z", "P1M1D",
		  "2028-03-01T00:00:00.000Z");
}


static void test_mstime_add_negative(void **state)
{
	struct ms_period back_month = { -1, 0 };
	struct ms_period back_day = { 0, -DAY_MS };
	char buf[MS_TIME_BUFSZ];

	(void)state;
	assert_string_equal(ms_time_format(ms_time_add(
		at("2026-03-31T00:00:00Z"), &back_month), buf),
		"2026-02-28T00:00:00.000Z");
	assert_string_equal(ms_time_format(ms_time_add(
		at("2026-01-15T00:00:00Z"), &back_month), buf),
		"2025-12-15T00:00:00.000Z");
	assert_string_equal(ms_time_format(ms_time_add(
		at("2028-03-01T00:00:00Z"), &back_day), buf),
		"2028-02-29T00:00:00.000Z");
}


static void test_mstime_add_saturates(void **state)
{
	struct ms_period month = { 1, 0 };
	struct ms_period back_month = { -1, 0 };
	struct ms_period day = { 0, DAY_MS };
	struct ms_period huge = { INT32_MAX, INT64_MAX };
	struct ms_period tiny = { INT32_MIN, INT64_MIN };

	(void)state;
	assert_int_equal(ms_time_add(MS_TIME_MAX, &day), MS_TIME_MAX);
	assert_int_equal(ms_time_add(MS_TIME_MAX, &month), MS_TIME_MAX);
	assert_int_equal(ms_time_add(at("9999-12-15T00:00:00Z"), &month),
			 MS_TIME_MAX);
	assert_int_equal(ms_time_add(at("9999-11-15T00:00:00Z"), &month),
			 at("9999-12-15T00:00:00Z"));
	assert_int_equal(ms_time_add(MS_TIME_MIN, &back_month), MS_TIME_MIN);
	assert_int_equal(ms_time_add(0, &huge), MS_TIME_MAX);
	assert_int_equal(ms_time_add(0, &tiny), MS_TIME_MIN);
	assert_int_equal(ms_time_add(INT64_MAX, &tiny), MS_TIME_MIN);
	assert_int_equal(ms_time_add(INT64_MIN, &huge), MS_TIME_MAX);
}


static void test_mstime_period_parse_fields(void **state)
{
	(void)state;
	check_period("P1Y", 12, 0);
	check_period("P3M", 3, 0);
	check_period("P2W", 0, 14 * DAY_MS);
	check_period("P91D", 0, 91 * DAY_MS);
	check_period("PT1H", 0, 3600000);
	check_period("PT1M", 0, 60000);
	check_period("PT1S", 0, 1000);
	check_period("PT0.2S", 0, 200);
	check_period("PT1.25S", 0, 1250);
	check_period("PT1.005S", 0, 1005);
	check_period("PT0S", 0, 0);
	check_period("P0D", 0, 0);
	check_period("P1M1D", 1, DAY_MS);
	check_period("P1Y2M3W4DT5H6M7.8S", 14,
		     25 * DAY_MS + 5 * 3600000 + 6 * 60000 + 7800);
	check_period("P0012M", 12, 0);
}


static void test_mstime_period_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "P", "PT", "P1MT", "P1DT", "T1H", "1D", "p1d", "P1d",
		"pT1H", "P-1D", "P+1D", "PT-1S", "P1.5D", "P1.5Y", "PT1.5M",
		"PT1.5H", "PT1.S", "PT.5S", "PT1.2345S", "PT1,5S",
		"P1D1Y", "P1D1M", "P1M1M", "P1Y1Y", "PT1H1H", "PT1S1M",
		"P1H", "P1S", "PT1D", "PT1Y", "PT1W", "P1DX", "P1D ", " P1D",
		"P 1D", "P1 D", "P1", "PT1", "P1DT1", "PP1D", "P1DTT1H",
		"P1DT1HT1M", "PD", "PTS",
		"P99999999999999999999999D",
		"P9223372036854775808D",
		"PT999999999999999999S",
		"P10001Y", "P120001M", "P3652426D", "P10000Y1D",
		"P9999Y12M1D", "PT315569520001S",
	};
	struct ms_period p = { 7, 7 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ms_period_parse(bad[i], &p) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(p.months, 7);
	assert_int_equal(p.ms, 7);
	assert_int_equal(ms_period_parse(NULL, &p), -1);
}


static void test_mstime_period_limit(void **state)
{
	(void)state;
	check_period("P10000Y", 120000, 0);
	check_period("P120000M", 120000, 0);
	check_period("P3652425D", 0, 3652425LL * DAY_MS);
	check_period("PT315569520000S", 0, 315569520000000LL);
	check_period("P9999Y12M", 120000, 0);
}


static void test_mstime_period_format_canonical(void **state)
{
	(void)state;
	check_format(3, 0, "P3M");
	check_format(12, 0, "P1Y");
	check_format(14, 0, "P1Y2M");
	check_format(0, 91 * DAY_MS, "P91D");
	check_format(0, 14 * DAY_MS, "P14D");
	check_format(0, 200, "PT0.2S");
	check_format(0, 250, "PT0.25S");
	check_format(0, 5, "PT0.005S");
	check_format(0, 0, "PT0S");
	check_format(0, 36 * 3600000LL, "P1DT12H");
	check_format(0, 90000, "PT1M30S");
	check_format(0, 3600000 + 1, "PT1H0.001S");
	check_format(12, 1000, "P1YT1S");
	check_format(1, DAY_MS, "P1M1D");
	check_format(14, 25 * DAY_MS + 5 * 3600000 + 6 * 60000 + 7800,
		     "P1Y2M25DT5H6M7.8S");
}


static void test_mstime_period_format_negative(void **state)
{
	char buf[MS_PERIOD_BUFSZ + 8];
	struct ms_period worst = { INT32_MIN, INT64_MIN };

	(void)state;
	check_format(0, -DAY_MS, "P-1D");
	check_format(-14, 0, "P-1Y-2M");
	check_format(0, -1500, "PT-1.5S");

	/* The longest text still fits, with room to spare checked. */
	memset(buf, '#', sizeof(buf));
	ms_period_format(&worst, buf);
	assert_true(strlen(buf) < MS_PERIOD_BUFSZ);
	assert_int_equal(buf[MS_PERIOD_BUFSZ], '#');
}


static void test_mstime_period_round_trip(void **state)
{
	static const char *const texts[] = {
		"P3M", "P91D", "PT0.2S", "P1Y", "P1Y2M", "PT0S", "P1DT12H",
		"PT1M30S", "PT0.005S", "P1Y2M25DT5H6M7.8S", "P10000Y",
		"P3652425D", "P1M1D", "PT23H59M59.999S",
	};
	static const char *const loose[] = {
		"P12M", "P2W", "PT36H", "P0D", "PT90S", "P1Y2M3W4DT5H6M7.8S",
		"PT0.200S", "P120000M", "PT86400S",
	};
	struct ms_period p, q;
	char buf[MS_PERIOD_BUFSZ];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(ms_period_parse(texts[i], &p), 0);
		assert_string_equal(ms_period_format(&p, buf), texts[i]);
	}
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		assert_int_equal(ms_period_parse(loose[i], &p), 0);
		assert_int_equal(ms_period_parse(ms_period_format(&p, buf),
						 &q), 0);
		assert_int_equal(q.months, p.months);
		assert_int_equal(q.ms, p.ms);
	}
}


/* A fixed-seed generator, so a failing input can be reproduced. Kept
 * to 31 bits so that it never wraps around (UBSan stays quiet). */
static uint32_t next_random(uint32_t *seed)
{
	*seed = (uint32_t)(((uint64_t)*seed * 1103515245u + 12345u) &
			   0x7fffffffu);
	return *seed >> 16;
}


/* Fill buf (n + 1 bytes) with n characters drawn from alphabet. */
static void random_text(char *buf, size_t n, const char *alphabet,
			uint32_t *seed)
{
	size_t k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		buf[i] = alphabet[next_random(seed) % k];
	buf[n] = '\0';
}


/* Whatever either parser accepts must come back from its formatter.
 * Returns whether the text was a period. */
static int check_random_input(const char *text)
{
	ms_time_t t, u;
	struct ms_period p, q;
	char tbuf[MS_TIME_BUFSZ], pbuf[MS_PERIOD_BUFSZ];

	if (ms_time_parse(text, &t) == 0) {
		assert_int_equal(ms_time_parse(ms_time_format(t, tbuf), &u),
				 0);
		assert_int_equal(u, t);
	}
	if (ms_period_parse(text, &p) == 0) {
		assert_int_equal(ms_period_parse(ms_period_format(&p, pbuf),
						 &q), 0);
		assert_int_equal(q.months, p.months);
		assert_int_equal(q.ms, p.ms);
		return 1;
	}
	return 0;
}


static void test_mstime_parse_any_input(void **state)
{
	static const char *const seeds[] = {
		"2026-01-15T09:00:00.123456789+05:30",
		"P1Y2M3W4DT5H6M7.890S",
	};
	char buf[64];
	uint32_t seed = 12345;

	(void)state;
	/* Every prefix of a valid text, and every one-byte change of it. */
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t n = strlen(seeds[s]);

		for (size_t i = 0; i <= n; i++) {
			memcpy(buf, seeds[s], i);
			buf[i] = '\0';
			check_random_input(buf);
			strcpy(buf, seeds[s]);
			buf[i < n ? i : 0] = (char)next_random(&seed);
			check_random_input(buf);
		}
	}
	for (int i = 0; i < 20000; i++) {
		random_text(buf, next_random(&seed) % 40,
			    "0123456789-:.+TZPYMWDHS", &seed);
		check_random_input(buf);
	}
}


/* Append a random field "<n><letter>" to buf half the time, with n of
 * zero to six digits (zero digits makes a malformed field). */
static void random_field(char *buf, char letter, uint32_t *seed)
{
	size_t len = strlen(buf);

	if (next_random(seed) % 2)
		return;
	random_text(buf + len, next_random(seed) % 7, "0123456789", seed);
	len = strlen(buf);
	buf[len] = letter;
	buf[len + 1] = '\0';
}


static void test_mstime_random_round_trip(void **state)
{
	static const char letters[] = "YMWDTHMS";
	char buf[64], tbuf[MS_TIME_BUFSZ];
	uint32_t seed = 777;
	int accepted = 0;
	uint64_t span = (uint64_t)(MS_TIME_MAX - MS_TIME_MIN);

	(void)state;
	for (int i = 0; i < 20000; i++) {
		uint64_t r = (uint64_t)next_random(&seed) << 32 |
			     next_random(&seed) << 16 | next_random(&seed);
		ms_time_t t = MS_TIME_MIN + (ms_time_t)(r % (span + 1));

		assert_int_equal(at(ms_time_format(t, tbuf)), t);
	}
	for (int i = 0; i < 20000; i++) {
		strcpy(buf, "P");
		for (const char *l = letters; *l; l++) {
			if (*l == 'T')
				strcat(buf, next_random(&seed) % 2 ? "T" : "");
			else
				random_field(buf, *l, &seed);
		}
		accepted += check_random_input(buf);
	}
	assert_true(accepted > 1000);
}


static void test_mstime_now(void **state)
{
	int64_t m1, m2;

	(void)state;
	assert_true(ms_wall_now() > at("2020-01-01T00:00:00Z"));
	assert_true(ms_wall_now() < MS_TIME_MAX);
	m1 = ms_mono_now();
	m2 = ms_mono_now();
	assert_true(m2 >= m1);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mstime_parse_basic),
		cmocka_unit_test(test_mstime_parse_fraction),
		cmocka_unit_test(test_mstime_parse_offsets),
		cmocka_unit_test(test_mstime_parse_leap_years),
		cmocka_unit_test(test_mstime_parse_rejects),
		cmocka_unit_test(test_mstime_format_ms),
		cmocka_unit_test(test_mstime_format_agrees_with_gmtime),
		cmocka_unit_test(test_mstime_format_clamps),
		cmocka_unit_test(test_mstime_time_round_trip),
		cmocka_unit_test(test_mstime_http_date),
		cmocka_unit_test(test_mstime_http_date_in_turn),
		cmocka_unit_test(test_mstime_sleep_ms),
		cmocka_unit_test(test_mstime_add_month_end_common_year),
		cmocka_unit_test(test_mstime_add_month_end_leap_year),
		cmocka_unit_test(test_mstime_add_year_from_leap_day),
		cmocka_unit_test(test_mstime_add_three_months),
		cmocka_unit_test(test_mstime_add_keeps_time_of_day),
		cmocka_unit_test(test_mstime_add_fixed_part),
		cmocka_unit_test(test_mstime_add_negative),
		cmocka_unit_test(test_mstime_add_saturates),
		cmocka_unit_test(test_mstime_period_parse_fields),
		cmocka_unit_test(test_mstime_period_parse_rejects),
		cmocka_unit_test(test_mstime_period_limit),
		cmocka_unit_test(test_mstime_period_format_canonical),
		cmocka_unit_test(test_mstime_period_format_negative),
		cmocka_unit_test(test_mstime_period_round_trip),
		cmocka_unit_test(test_mstime_parse_any_input),
		cmocka_unit_test(test_mstime_random_round_trip),
		cmocka_unit_test(test_mstime_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
