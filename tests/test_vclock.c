/*
 * Unit tests of vclock: a frozen clock stays put, a running one follows
 * the monotonic clock, and every change keeps the current reading.
 * Running clocks are checked with lower bounds after short sleeps and a
 * generous upper bound, so a slow machine does not fail them.
 */
#include "testutil.h"

#include <time.h>

#include "vclock.h"

#define DAY_MS 86400000LL
/* More than any sleep here can take, even on a loaded machine. */
#define SLACK_MS 5000
/* Long enough that counting it by mistake cannot pass for scheduling
 * delay between two calls. */
#define FROZEN_MS 200


/* Sleep for at least ms milliseconds. */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}


/* Parse text, failing the test if it is refused. */
static ms_time_t at(const char *text)
{
	ms_time_t t = 0;

	assert_int_equal(ms_time_parse(text, &t), 0);
	return t;
}


/* Parse a period text, failing the test if it is refused. */
static struct ms_period period(const char *text)
{
	struct ms_period p = { 0, 0 };

	assert_int_equal(ms_period_parse(text, &p), 0);
	return p;
}


/* Assert lo <= t <= lo + SLACK_MS. */
static void assert_soon_after(ms_time_t t, ms_time_t lo)
{
	assert_in_range(t, lo, lo + SLACK_MS);
}


static void test_vclock_init_reads_start(void **state)
{
	struct vclock c;
	ms_time_t start = at("2026-01-15T09:00:00.000Z");

	(void)state;
	vclock_init(&c, start, true);
	assert_int_equal(vclock_now(&c), start);
	assert_true(c.frozen);

	vclock_init(&c, start, false);
	assert_soon_after(vclock_now(&c), start);
	assert_false(c.frozen);
}


static void test_vclock_init_clamps(void **state)
{
	struct vclock c;

	(void)state;
	vclock_init(&c, INT64_MAX, true);
	assert_int_equal(vclock_now(&c), MS_TIME_MAX);
	vclock_init(&c, INT64_MIN, true);
	assert_int_equal(vclock_now(&c), MS_TIME_MIN);
}


static void test_vclock_frozen_stays_put(void **state)
{
	struct vclock c;
	ms_time_t start = at("2026-01-15T09:00:00.000Z");

	(void)state;
	vclock_init(&c, start, true);
	sleep_ms(20);
	assert_int_equal(vclock_now(&c), start);
	assert_int_equal(vclock_now(&c), start);
}


static void test_vclock_running_advances(void **state)
{
	struct vclock c;
	ms_time_t start = at("2026-01-15T09:00:00.000Z");
	ms_time_t first;

	(void)state;
	vclock_init(&c, start, false);
	sleep_ms(20);
	first = vclock_now(&c);
	assert_soon_after(first, start + 20);
	sleep_ms(5);
	assert_soon_after(vclock_now(&c), first + 5);
}


static void test_vclock_running_saturates(void **state)
{
	struct vclock c;

	(void)state;
	vclock_init(&c, MS_TIME_MAX - 1, false);
	sleep_ms(5);
	assert_int_equal(vclock_now(&c), MS_TIME_MAX);
}


static void test_vclock_set_frozen(void **state)
{
	struct vclock c;
	ms_time_t t = at("2030-06-01T00:00:00.000Z");

	(void)state;
	vclock_init(&c, at("2026-01-15T09:00:00.000Z"), true);
	vclock_set(&c, t);
	assert_int_equal(vclock_now(&c), t);
	assert_true(c.frozen);
	sleep_ms(5);
	assert_int_equal(vclock_now(&c), t);

	/* Back in time is allowed too. */
	vclock_set(&c, 0);
	assert_int_equal(vclock_now(&c), 0);
	vclock_set(&c, INT64_MAX);
	assert_int_equal(vclock_now(&c), MS_TIME_MAX);
}


static void test_vclock_set_running(void **state)
{
	struct vclock c;
	ms_time_t t = at("2020-02-29T12:00:00.000Z");

	(void)state;
	vclock_init(&c, at("2026-01-15T09:00:00.000Z"), false);
	sleep_ms(20);
	vclock_set(&c, t);
	assert_soon_after(vclock_now(&c), t);
	assert_false(c.frozen);
	sleep_ms(10);
	assert_soon_after(vclock_now(&c), t + 10);
}


static void test_vclock_advance_frozen(void **state)
{
	struct vclock c;
	struct ms_period p91d = period("P91D");
	struct ms_period p1m = period("P1M");
	struct ms_period p02s = period("PT0.2S");

	(void)state;
	vclock_init(&c, at("2026-01-31T09:00:00.000Z"), true);
	vclock_advance(&c, &p1m);
	assert_int_equal(vclock_now(&c), at("2026-02-28T09:00:00.000Z"));
	vclock_advance(&c, &p91d);
	assert_int_equal(vclock_now(&c), at("2026-05-30T09:00:00.000Z"));
	vclock_advance(&c, &p02s);
	assert_int_equal(vclock_now(&c), at("2026-05-30T09:00:00.200Z"));
	assert_true(c.frozen);
}


static void test_vclock_advance_running(void **state)
{
	struct vclock c;
	struct ms_period p91d = period("P91D");
	ms_time_t start = at("2026-01-15T09:00:00.000Z");

	(void)state;
	vclock_init(&c, start, false);
	sleep_ms(10);
	vclock_advance(&c, &p91d);
	assert_soon_after(vclock_now(&c), start + 91 * DAY_MS + 10);
	assert_false(c.frozen);
	sleep_ms(10);
	assert_soon_after(vclock_now(&c), start + 91 * DAY_MS + 20);
}


static void test_vclock_advance_reaches_expiry(void **state)
{
	struct vclock c;
	struct ms_period p3m = period("P3M");
	struct ms_period one_ms = period("PT0.001S");
	ms_time_t created = at("2025-11-30T10:00:00.000Z");
	ms_time_t expires = ms_time_add(created, &p3m);

	(void)state;
	/* Advancing by the expiry lands exactly on expiresAt, and the
	 * reading one millisecond earlier is still before it. */
	vclock_init(&c, created - 1, true);
	vclock_advance(&c, &p3m);
	assert_true(vclock_now(&c) < expires);
	vclock_advance(&c, &one_ms);
	assert_int_equal(vclock_now(&c), expires);
	assert_int_equal(expires, at("2026-02-28T10:00:00.000Z"));
}


static void test_vclock_advance_saturates(void **state)
{
	struct vclock c;
	struct ms_period p1y = period("P1Y");

	(void)state;
	vclock_init(&c, at("9999-06-01T00:00:00.000Z"), true);
	vclock_advance(&c, &p1y);
	assert_int_equal(vclock_now(&c), MS_TIME_MAX);
}


static void test_vclock_freeze_keeps_reading(void **state)
{
	struct vclock c;
	ms_time_t start = at("2026-01-15T09:00:00.000Z");
	ms_time_t frozen_at;

	(void)state;
	vclock_init(&c, start, false);
	sleep_ms(20);
	vclock_freeze(&c, true);
	frozen_at = vclock_now(&c);
	assert_soon_after(frozen_at, start + 20);
	assert_true(c.frozen);
	sleep_ms(20);
	assert_int_equal(vclock_now(&c), frozen_at);

	/* Freezing a frozen clock changes nothing. */
	vclock_freeze(&c, true);
	assert_int_equal(vclock_now(&c), frozen_at);
}


static void test_vclock_thaw_continues(void **state)
{
	struct vclock c;
	ms_time_t start = at("2026-01-15T09:00:00.000Z");
	ms_time_t thawed;

	(void)state;
	vclock_init(&c, start, true);
	sleep_ms(FROZEN_MS);
	vclock_freeze(&c, false);
	thawed = vclock_now(&c);

	/* The time spent frozen is not counted: it goes on from start. */
	assert_in_range(thawed, start, start + FROZEN_MS - 1);
	assert_false(c.frozen);
	sleep_ms(20);
	assert_soon_after(vclock_now(&c), start + 20);

	/* Thawing a running clock changes nothing either. */
	vclock_freeze(&c, false);
	assert_soon_after(vclock_now(&c), start + 20);
}


static void test_vclock_freeze_thaw_cycle(void **state)
{
	struct vclock c;
	ms_time_t start = at("2026-01-15T09:00:00.000Z");
	ms_time_t frozen_at;

	(void)state;
	vclock_init(&c, start, false);
	sleep_ms(10);
	vclock_freeze(&c, true);
	frozen_at = vclock_now(&c);
	sleep_ms(FROZEN_MS);
	vclock_freeze(&c, false);
	sleep_ms(10);

	/* 20 ms of running in all; the time frozen is left out. */
	assert_in_range(vclock_now(&c), frozen_at + 10,
			frozen_at + 10 + FROZEN_MS - 1);
	assert_soon_after(vclock_now(&c), start + 20);
}


/* One change at one instant: set, advance, freeze read as one step;
 * without set, the advance starts from the reading; freeze -1 keeps. */
static void test_vclock_change_at_once(void **state)
{
	struct vclock c;
	ms_time_t t = at("2026-01-31T10:00:00.000Z");
	struct ms_period day = period("P1D"), none = period("PT0S");

	(void)state;
	vclock_init(&c, at("2026-01-15T09:00:00.000Z"), false);
	sleep_ms(5);
	vclock_change(&c, &t, &day, 1);
	assert_int_equal(vclock_now(&c), at("2026-02-01T10:00:00.000Z"));
	vclock_change(&c, NULL, &day, -1);
	assert_int_equal(vclock_now(&c), at("2026-02-02T10:00:00.000Z"));
	vclock_change(&c, NULL, &none, 0);
	sleep_ms(10);
	assert_soon_after(vclock_now(&c), at("2026-02-02T10:00:00.010Z"));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vclock_init_reads_start),
		cmocka_unit_test(test_vclock_init_clamps),
		cmocka_unit_test(test_vclock_frozen_stays_put),
		cmocka_unit_test(test_vclock_running_advances),
		cmocka_unit_test(test_vclock_running_saturates),
		cmocka_unit_test(test_vclock_set_frozen),
		cmocka_unit_test(test_vclock_set_running),
		cmocka_unit_test(test_vclock_advance_frozen),
		cmocka_unit_test(test_vclock_advance_running),
		cmocka_unit_test(test_vclock_advance_reaches_expiry),
		cmocka_unit_test(test_vclock_advance_saturates),
		cmocka_unit_test(test_vclock_freeze_keeps_reading),
		cmocka_unit_test(test_vclock_thaw_continues),
		cmocka_unit_test(test_vclock_freeze_thaw_cycle),
		cmocka_unit_test(test_vclock_change_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
