/*
 * test_ratelimit: a tenant's request budget, on a clock the test sets.
 *
 * Every limit is built from the JSON a scenario would give, and every
 * request is made at an instant the test names, as milliseconds past T0,
 * so that each expected Retry-After and reset time reads off the text.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include "ratelimit.h"

#define T0 ((ms_time_t)1768467600000LL)  /* 2026-01-15T09:00:00.000Z */
#define MINUTE 60000

/* Requests as the limiter sees them: two tokens made by ada, a user
 * signed in without a token, and nobody at all. */
static const struct ms_subject tok_a = {
	"GET", "/jsm/x", "nightly", "id-a", "acc-ada"
};
static const struct ms_subject tok_b = {
	"GET", "/jsm/x", "weekly", "id-b", "acc-ada"
};
static const struct ms_subject ada = { "GET", "/rest/x", NULL, NULL,
				       "acc-ada" };
static const struct ms_subject bob = { "GET", "/rest/x", NULL, NULL,
				       "acc-bob" };
static const struct ms_subject nobody = { "GET", "/rest/x", NULL, NULL,
					  NULL };


/* Fill rl (initialized here) from the JSON text of a rateLimit. */
static void make(struct ms_rate_limit *rl, const char *text)
{
	cJSON *j = cJSON_Parse(text);

	assert_non_null(j);
	ms_rate_limit_init(rl);
	assert_int_equal(ms_rate_limit_from_json(j, rl), 0);
	cJSON_Delete(j);
}


/* One request of subj at T0 + at; its verdict. */
static struct ms_rate_verdict ask(struct ms_rate_limit *rl,
				  const struct ms_subject *subj,
				  int64_t at)
{
	struct ms_rate_verdict v;

	ms_rate_limit_check(rl, subj, T0 + at, &v);
	return v;
}


/* A request at T0 + at that passes with remaining left. */
static void passes(struct ms_rate_limit *rl, const struct ms_subject *subj,
		   int64_t at, uint64_t remaining)
{
	struct ms_rate_verdict v = ask(rl, subj, at);

	assert_true(v.counted);
	assert_false(v.limited);
	assert_int_equal(v.remaining, remaining);
}


/* A request at T0 + at that is refused until T0 + until. */
static void refused(struct ms_rate_limit *rl, const struct ms_subject *subj,
		    int64_t at, int64_t until, int64_t retry_after)
{
	struct ms_rate_verdict v = ask(rl, subj, at);

	assert_true(v.counted);
	assert_true(v.limited);
	assert_int_equal(v.remaining, 0);
	assert_int_equal(v.reset_at, T0 + until);
	assert_int_equal(v.retry_after_s, retry_after);
	assert_false(v.near_limit);
}


static void test_ratelimit_passes_limit_then_refuses(void **state)
{
	struct ms_rate_limit rl;
	struct ms_rate_verdict v;

	(void)state;
	make(&rl, "{\"limit\": 3, \"window\": \"PT1M\"}");
	passes(&rl, &tok_a, 0, 2);
	passes(&rl, &tok_a, 1000, 1);
	v = ask(&rl, &tok_a, 2000);
	assert_false(v.limited);
	assert_int_equal(v.remaining, 0);
	assert_int_equal(v.limit, 3);
	assert_string_equal(v.reason, "jira-quota-based");
	refused(&rl, &tok_a, 3000, MINUTE, 57);
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_retry_after_and_reset(void **state)
{
	struct ms_rate_limit rl;
	struct ms_rate_verdict v;

	(void)state;
	make(&rl, "{\"limit\": 1, \"window\": \"PT1M\", "
	     "\"reason\": \"burst\"}");
	v = ask(&rl, &tok_a, 0);
	assert_int_equal(v.reset_at, T0 + MINUTE);
	assert_int_equal(v.retry_after_s, 0);
	/* 49.5 s left: whole seconds, rounded up. */
	refused(&rl, &tok_a, 10500, MINUTE, 50);
	v = ask(&rl, &tok_b, 59000);
	assert_int_equal(v.reset_at, T0 + 59000 + MINUTE);
	/* Exactly 49 s left. */
	refused(&rl, &tok_b, 70000, 59000 + MINUTE, 49);
	assert_string_equal(ask(&rl, &tok_b, 70000).reason, "burst");
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_window_resets_at_end(void **state)
{
	struct ms_rate_limit rl;

	(void)state;
	make(&rl, "{\"limit\": 2, \"window\": \"PT1M\"}");
	passes(&rl, &tok_a, 0, 1);
	passes(&rl, &tok_a, MINUTE - 1, 0);
	passes(&rl, &tok_a, MINUTE, 1);
	ms_rate_limit_release(&rl);

	make(&rl, "{\"limit\": 1, \"window\": \"PT1M\"}");
	passes(&rl, &tok_a, 0, 0);
	refused(&rl, &tok_a, MINUTE - 1, MINUTE, 1);
	passes(&rl, &tok_a, MINUTE, 0);
	assert_int_equal(ask(&rl, &tok_a, MINUTE + 1).reset_at,
			 T0 + 2 * MINUTE);
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_early_retry_doubles_wait(void **state)
{
	struct ms_rate_limit rl;
	struct ms_rate_verdict v;

	(void)state;
	make(&rl, "{\"limit\": 1, \"window\": \"PT1M\"}");
	passes(&rl, &tok_a, 0, 0);
	refused(&rl, &tok_a, 30000, MINUTE, 30);
	/* 20 s left become 40 s. */
	refused(&rl, &tok_a, 40000, 80000, 40);
	/* 1 ms left becomes 2 ms, still a whole second to say. */
	refused(&rl, &tok_a, 79999, 80001, 1);
	v = ask(&rl, &tok_a, 80001);
	assert_false(v.limited);
	assert_int_equal(v.reset_at, T0 + 80001 + MINUTE);
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_wait_capped_at_ten_windows(void **state)
{
	struct ms_rate_limit rl;

	(void)state;
	make(&rl, "{\"limit\": 1, \"window\": \"PT1S\"}");
	passes(&rl, &tok_a, 0, 0);
	refused(&rl, &tok_a, 1, 1000, 1);
	refused(&rl, &tok_a, 1, 1 + 1998, 2);
	refused(&rl, &tok_a, 1, 1 + 3996, 4);
	refused(&rl, &tok_a, 1, 1 + 7992, 8);
	refused(&rl, &tok_a, 1, 1 + 10000, 10);
	refused(&rl, &tok_a, 1, 1 + 10000, 10);
	refused(&rl, &tok_a, 5001, 5001 + 10000, 10);
	passes(&rl, &tok_a, 15001, 0);
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_near_limit_boundary(void **state)
{
	struct ms_rate_limit rl;
	struct ms_rate_verdict v;

	(void)state;
	make(&rl, "{\"limit\": 10, \"window\": \"PT1M\"}");
	for (int i = 0; i < 8; i++) {
		v = ask(&rl, &tok_a, i);
		assert_int_equal(v.remaining, 9 - i);
		assert_false(v.near_limit);
	}
	v = ask(&rl, &tok_a, 8);
	assert_int_equal(v.remaining, 1);
	assert_true(v.near_limit);
	v = ask(&rl, &tok_a, 9);
	assert_int_equal(v.remaining, 0);
	assert_true(v.near_limit);
	v = ask(&rl, &tok_a, 10);
	assert_true(v.limited);
	assert_false(v.near_limit);
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_scopes_keep_separate_budgets(void **state)
{
	struct ms_rate_limit rl;

	(void)state;
	make(&rl, "{\"limit\": 1, \"window\": \"PT1M\", \"scope\": \"token\"}");
	passes(&rl, &tok_a, 0, 0);
	passes(&rl, &tok_b, 0, 0);
	passes(&rl, &ada, 0, 0);
	passes(&rl, &bob, 0, 0);
	passes(&rl, &nobody, 0, 0);
	refused(&rl, &tok_a, 1, MINUTE, 60);
	refused(&rl, &ada, 1, MINUTE, 60);
	refused(&rl, &nobody, 1, MINUTE, 60);
	ms_rate_limit_release(&rl);

	/* A token counts for its maker. */
	make(&rl, "{\"limit\": 2, \"window\": \"PT1M\", \"scope\": \"user\"}");
	passes(&rl, &tok_a, 0, 1);
	passes(&rl, &tok_b, 0, 0);
	refused(&rl, &ada, 0, MINUTE, 60);
	passes(&rl, &bob, 0, 1);
	passes(&rl, &nobody, 0, 1);
	ms_rate_limit_release(&rl);

	make(&rl, "{\"limit\": 3, \"window\": \"PT1M\", "
	     "\"scope\": \"tenant\"}");
	passes(&rl, &tok_a, 0, 2);
	passes(&rl, &bob, 0, 1);
	passes(&rl, &nobody, 0, 0);
	refused(&rl, &tok_b, 0, MINUTE, 60);
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_match_excludes(void **state)
{
	struct ms_rate_limit rl;
	struct ms_subject post = tok_a;
	struct ms_rate_verdict v;

	(void)state;
	make(&rl, "{\"limit\": 1, \"window\": \"PT1M\", "
	     "\"match\": {\"method\": \"GET\", \"path\": \"/jsm/**\"}}");
	post.method = "POST";
	passes(&rl, &tok_a, 0, 0);
	for (int i = 0; i < 3; i++) {
		v = ask(&rl, &post, 1);
		assert_false(v.counted);
		assert_false(v.limited);
		v = ask(&rl, &ada, 1);
		assert_false(v.counted);
		assert_false(v.limited);
	}
	refused(&rl, &tok_a, 2, MINUTE, 60);
	ms_rate_limit_release(&rl);
}


static void test_ratelimit_off_counts_nothing(void **state)
{
	struct ms_rate_limit rl;
	struct ms_rate_verdict v;
	cJSON *bad = cJSON_Parse("{\"limit\": 1, \"window\": \"P1M\"}");

	(void)state;
	ms_rate_limit_init(&rl);
	v = ask(&rl, &tok_a, 0);
	assert_false(v.counted);
	assert_false(v.limited);
	assert_null(ms_rate_limit_to_json(&rl));
	/* JSON that skipped the checks leaves the limit off. */
	assert_int_equal(ms_rate_limit_from_json(bad, &rl), -1);
	assert_false(rl.enabled);
	assert_false(ask(&rl, &tok_a, 0).counted);
	ms_rate_limit_release(&rl);
	cJSON_Delete(bad);
}


static void test_ratelimit_json_round_trip(void **state)
{
	static const char full[] =
		"{\"limit\":5,\"window\":\"P1DT12H\",\"scope\":\"user\","
		"\"reason\":\"nightly\",\"match\":{\"method\":\"POST\","
		"\"path\":\"/jsm/**\",\"token\":\"nightly\","
		"\"user\":\"acc-ada\"}}";
	struct ms_rate_limit a, b;
	cJSON *ja, *jb, *want;

	(void)state;
	make(&a, "{\"limit\": 10, \"window\": \"PT60S\"}");
	ja = ms_rate_limit_to_json(&a);
	want = cJSON_Parse("{\"limit\": 10, \"window\": \"PT1M\", "
			   "\"scope\": \"token\", "
			   "\"reason\": \"jira-quota-based\"}");
	assert_true(cJSON_Compare(ja, want, 1));
	cJSON_Delete(want);
	cJSON_Delete(ja);
	ms_rate_limit_release(&a);

	make(&a, "{\"limit\": 5, \"window\": \"PT36H\", \"scope\": \"user\", "
	     "\"reason\": \"nightly\", \"match\": {\"method\": \"POST\", "
	     "\"path\": \"/jsm/**\", \"token\": \"nightly\", "
	     "\"user\": \"acc-ada\"}}");
	ja = ms_rate_limit_to_json(&a);
	ms_rate_limit_init(&b);
	assert_int_equal(ms_rate_limit_from_json(ja, &b), 0);
	jb = ms_rate_limit_to_json(&b);
	want = cJSON_Parse(full);
	assert_true(cJSON_Compare(ja, want, 1));
	assert_true(cJSON_Compare(jb, want, 1));
	assert_int_equal(b.limit, 5);
	assert_int_equal(b.window_ms, 36LL * 3600 * 1000);
	assert_int_equal(b.scope, MS_RATE_USER);
	assert_string_equal(b.match.user, "acc-ada");
	cJSON_Delete(want);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	ms_rate_limit_release(&a);
	ms_rate_limit_release(&b);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_passes_limit_then_refuses),
		cmocka_unit_test(test_ratelimit_retry_after_and_reset),
		cmocka_unit_test(test_ratelimit_window_resets_at_end),
		cmocka_unit_test(test_ratelimit_early_retry_doubles_wait),
		cmocka_unit_test(test_ratelimit_wait_capped_at_ten_windows),
		cmocka_unit_test(test_ratelimit_near_limit_boundary),
		cmocka_unit_test(test_ratelimit_scopes_keep_separate_budgets),
		cmocka_unit_test(test_ratelimit_match_excludes),
		cmocka_unit_test(test_ratelimit_off_counts_nothing),
		cmocka_unit_test(test_ratelimit_json_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
