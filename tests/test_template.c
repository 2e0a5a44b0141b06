/*
 * test_template: a scenario applied once and copied into tenants. A copy
 * must be exactly what applying the document gives (ids, secrets, the
 * random stream after, times, rules, events, expectations), start a
 * "now" clock at its own time, and share no memory with the template.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"
#include "scenario.h"
#include "events.h"

/* Every kind of thing a scenario holds, secrets and ids drawn and
 * given, times given and left to the clock. */
static const char rich_text[] =
	"{\"name\": \"rich\","
	" \"clock\": {\"start\": \"2026-01-15T09:00:00.000Z\","
	"             \"frozen\": true},"
	" \"site\": {\"initialized\": true,"
	"  \"workspaceId\": \"5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c\"},"
	" \"expiryOptions\": [\"P1M\", \"P3M\", \"P1Y\"],"
	" \"users\": [{\"accountId\": \"acc-a\", \"displayName\": \"A\","
	"             \"email\": \"a@example.com\", \"apiToken\": \"a-tok\"},"
	"            {\"accountId\": \"acc-b\", \"email\": \"b@example.com\","
	"             \"apiToken\": \"b-tok\", \"jiraAdmin\": true}],"
	" \"groups\": [{\"name\": \"g\", \"members\": [\"acc-b\"]}],"
	" \"roles\": {\"ADAPTERS_ADMIN\": {\"users\": [\"acc-a\"],"
	"                                  \"groups\": [\"g\"]}},"
	" \"permissions\": {\"jobs.manage\": [\"ADAPTERS_ADMIN\","
	"                                     \"JIRA_ADMIN\"]},"
	" \"tokens\": ["
	"  {\"label\": \"drawn\", \"type\": \"ADAPTERS_CLIENT\"},"
	"  {\"label\": \"given\", \"type\": \"CLEANSE_AND_IMPORT\","
	"   \"secret\": \"dmci_Q2xlYW5zZUFuZEltcG9ydEdpdmVu\","
	"   \"id\": \"0b7f4d1e-2c3a-4b5d-8e6f-7a8b9c0d1e2f\","
	"   \"createdAt\": \"2026-01-01T00:00:00.000Z\", \"expiry\": \"P1M\"},"
	"  {\"label\": \"basic\", \"type\": \"BASIC_AUTH\", \"revoked\": true,"
	"   \"expiresAt\": \"2026-02-01T00:00:00.000Z\"},"
	"  {\"label\": \"yearly\", \"type\": \"ADAPTERS_CLIENT\","
	"   \"expiry\": \"P1Y\"}],"
	" \"rules\": [{\"name\": \"hiccup\", \"match\": {\"path\": \"**/info\","
	"              \"after\": 1, \"times\": 2},"
	"              \"respond\": {\"status\": 503,"
	"                            \"headers\": {\"Retry-After\": \"2\"},"
	"                            \"body\": {\"errorMessages\": [\"x\"],"
	"                                       \"errors\": {}}}}],"
	" \"events\": [{\"name\": \"later\", \"on\": {\"afterRequests\": 2},"
	"               \"do\": [{\"advanceClock\": \"P3M\"}]}],"
	" \"rateLimit\": {\"limit\": 10, \"window\": \"PT1M\"},"
	" \"expect\": [{\"name\": \"few\", \"kind\": \"count\","
	"              \"match\": {\"path\": \"**\"}, \"min\": 1, \"max\": 20}]"
	"}";

/* A clock that starts when the tenant is made, and times that follow. */
static const char now_text[] =
	"{\"site\": {\"initialized\": true},"
	" \"tokens\": ["
	"  {\"label\": \"a\", \"type\": \"ADAPTERS_CLIENT\"},"
	"  {\"label\": \"b\", \"type\": \"ADAPTERS_CLIENT\","
	"   \"expiry\": \"P1M\"},"
	"  {\"label\": \"c\", \"type\": \"ADAPTERS_CLIENT\","
	"   \"createdAt\": \"2026-01-01T00:00:00.000Z\"}]}";


static cJSON *parsed(const char *text)
{
	struct ms_scenario_error err;
	cJSON *doc = ms_scenario_parse(text, strlen(text), &err);

	if (!doc)
		fail_msg("%s: %s", err.path, err.message);
	return doc;
}


static void template_of(struct ms_template *tpl, const cJSON *doc,
			bool seeded)
{
	struct ms_scenario_opts opts = {seeded, 42, NULL};
	struct ms_scenario_error err;

	assert_int_equal(ms_template_init(tpl, doc, &opts, &err), 0);
}


static void copy_of(const struct ms_template *tpl, struct ms_state *st,
		    bool seeded, const char *tenant)
{
	struct ms_scenario_opts opts = {seeded, 42, tenant};

	assert_int_equal(ms_template_apply(tpl, &opts, st), 0);
}


static void applied(const cJSON *doc, struct ms_state *st, bool seeded,
		    const char *tenant)
{
	struct ms_scenario_opts opts = {seeded, 42, tenant};
	struct ms_scenario_error err;

	ms_state_init(st);
	assert_int_equal(ms_scenario_apply(doc, st, &opts, &err), 0);
}


/* The state's dump, with the counters of its rules and events, which
 * the dump leaves out. */
static cJSON *dump(const struct ms_state *st)
{
	cJSON *d = ms_scenario_from_state(st);
	cJSON *rules = cJSON_AddArrayToObject(d, "ruleCounters");
	cJSON *events = cJSON_AddArrayToObject(d, "eventCounters");

	for (size_t i = 0; i < st->script.nrules; i++)
		cJSON_AddItemToArray(rules, ms_rule_to_json(
					    &st->script.rules[i], true));
	for (size_t i = 0; i < st->script.nevents; i++)
		cJSON_AddItemToArray(events, ms_event_to_json(
					     &st->script.events[i], true));
	return d;
}


static void assert_same_json(const cJSON *a, const cJSON *b)
{
	if (!cJSON_Compare(a, b, true)) {
		char *ta = cJSON_Print(a), *tb = cJSON_Print(b);
		fprintf(stderr, "one:\n%s\nother:\n%s\n", ta, tb);
		free(ta);
		free(tb);
		fail_msg("the states differ");
	}
}


/*
 * a and b are the same state: the same clock start and the same dump
 * (the clocks read at one instant), and seeded, the same bytes next from
 * their random streams. The clocks are frozen on the way.
 */
static void assert_same_state(struct ms_state *a, struct ms_state *b,
			      bool seeded)
{
	unsigned char ra[24], rb[24];
	cJSON *da, *db;

	assert_int_equal(a->clock.base, b->clock.base);
	assert_int_equal(a->clock.frozen, b->clock.frozen);
	vclock_freeze(&a->clock, true);
	b->clock = a->clock;
	da = dump(a);
	db = dump(b);
	assert_same_json(da, db);
	cJSON_Delete(da);
	cJSON_Delete(db);
	assert_int_equal(a->tokens.count, b->tokens.count);
	for (size_t i = 0; i < a->tokens.count; i++)
		assert_int_equal(a->tokens.items[i]->last_used_at,
				 b->tokens.items[i]->last_used_at);
	if (!seeded)
		return;
	ms_rng_bytes(&a->rng, ra, sizeof(ra));
	ms_rng_bytes(&b->rng, rb, sizeof(rb));
	assert_memory_equal(ra, rb, sizeof(ra));
}


/* Seeded, a copy is what applying gives the same tenant, whatever else
 * the template was copied into before. */
static void test_template_copy_is_apply(void **state)
{
	cJSON *doc = parsed(rich_text);
	struct ms_template tpl;
	struct ms_state a, b, other;

	(void)state;
	template_of(&tpl, doc, true);
	copy_of(&tpl, &other, true, "other");
	applied(doc, &a, true, "t1");
	copy_of(&tpl, &b, true, "t1");
	assert_same_state(&a, &b, true);
	/* Drawn where the document is silent, kept where it speaks. */
	assert_string_not_equal(b.tokens.items[0]->secret,
				other.tokens.items[0]->secret);
	assert_string_not_equal(b.tokens.items[0]->id,
				other.tokens.items[0]->id);
	assert_string_equal(b.tokens.items[1]->secret,
			    other.tokens.items[1]->secret);
	assert_string_equal(b.tokens.items[1]->id,
			    "0b7f4d1e-2c3a-4b5d-8e6f-7a8b9c0d1e2f");
	assert_int_equal(b.tokens.items[0]->created_at, b.clock.base);
	ms_state_release(&a);
	ms_state_release(&b);
	ms_state_release(&other);
	ms_template_release(&tpl);
	cJSON_Delete(doc);
}


/* The same for every scenario shipped, and found by secret and id. */
static void test_template_copy_is_apply_for_the_library(void **state)
{
	static const char *const names[] = {
		"default", "fresh-site", "revoked-token",
		"token-from-another-workspace", "rate-limit-quota",
		"rate-limited-retry-after", "role-revoked-mid-session",
		"token-expires-mid-run", "group-granted-role",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct ms_scenario_error err;
		struct ms_template tpl;
		struct ms_state a, b;
		enum ms_secret_match m;
		char path[256];
		cJSON *doc;

		snprintf(path, sizeof(path), "scenarios/%s.json", names[i]);
		doc = ms_scenario_load(path, &err);
		if (!doc)
			fail_msg("%s: %s", path, err.message);
		template_of(&tpl, doc, true);
		applied(doc, &a, true, names[i]);
		copy_of(&tpl, &b, true, names[i]);
		for (size_t k = 0; k < b.tokens.count; k++) {
			struct ms_token *t = b.tokens.items[k];
			assert_ptr_equal(ms_token_store_by_secret(
						 &b.tokens, t->secret, &m), t);
			assert_ptr_equal(ms_token_store_by_id(&b.tokens,
							      t->id), t);
		}
		assert_same_state(&a, &b, true);
		ms_state_release(&a);
		ms_state_release(&b);
		ms_template_release(&tpl);
		cJSON_Delete(doc);
	}
}


/* Without --seed, each copy draws its own secrets and ids. */
static void test_template_unseeded_copies_differ(void **state)
{
	cJSON *doc = parsed(rich_text);
	struct ms_template tpl;
	struct ms_state a, b;

	(void)state;
	template_of(&tpl, doc, false);
	copy_of(&tpl, &a, false, "t");
	copy_of(&tpl, &b, false, "t");
	for (size_t i = 0; i < a.tokens.count; i += 3) {
		const struct ms_token *ta = a.tokens.items[i];
		const struct ms_token *tt = tpl.state.tokens.items[i];

		assert_string_not_equal(ta->secret, b.tokens.items[i]->secret);
		assert_string_not_equal(ta->secret, tt->secret);
		assert_string_not_equal(ta->id, b.tokens.items[i]->id);
		assert_true(ms_token_secret_wellformed(ta->secret));
		assert_int_equal(strlen(ta->secret), MS_SECRET_CHARS);
	}
	ms_state_release(&a);
	ms_state_release(&b);
	ms_template_release(&tpl);
	cJSON_Delete(doc);
}


static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}


/* A clock that starts "now" starts at each copy's time, and with it the
 * times the document leaves to it; given times stay. */
static void test_template_clock_now_is_the_copys(void **state)
{
	cJSON *doc = parsed(now_text);
	struct ms_period p3m = {3, 0}, p1m = {1, 0};
	struct ms_template tpl;
	struct ms_state st;
	ms_time_t before, after, base;

	(void)state;
	template_of(&tpl, doc, true);
	sleep_ms(20);
	before = ms_wall_now();
	copy_of(&tpl, &st, true, "t");
	after = ms_wall_now();
	base = st.clock.base;
	assert_true(base >= before && base <= after);
	assert_true(tpl.state.clock.base < before);
	assert_false(st.clock.frozen);
	assert_int_equal(st.initialized_at, base);
	assert_int_equal(st.tokens.items[0]->created_at, base);
	assert_int_equal(st.tokens.items[0]->expires_at,
			 ms_time_add(base, &p3m));
	assert_int_equal(st.tokens.items[1]->created_at, base);
	assert_int_equal(st.tokens.items[1]->expires_at,
			 ms_time_add(base, &p1m));
	assert_int_equal(st.tokens.items[2]->created_at,
			 tpl.state.tokens.items[2]->created_at);
	assert_int_equal(st.tokens.items[2]->expires_at,
			 tpl.state.tokens.items[2]->expires_at);
	ms_state_release(&st);
	ms_template_release(&tpl);
	cJSON_Delete(doc);
}


/* Change every part of st that a request or an event can change, and
 * some it cannot, in place. */
static void scribble(struct ms_state *st)
{
	struct ms_subject subj = {"GET", "/x", "drawn", "id", "acc-a"};
	struct ms_rate_verdict v;
	struct ms_period p = {1, 0};
	struct ms_token *t = st->tokens.items[0];

	st->users[0].email[0] = 'X';
	st->users[0].api_token[0] = 'X';
	st->groups[0].members.v[0][0] = 'X';
	assert_int_equal(ms_strv_push(&st->roles[0].users, "acc-z"), 0);
	st->perms[0].roles.v[0][0] = 'X';
	st->workspace_id[0] = 'X';
	st->expiry_options.v[0][1] = '9';
	st->default_expiry[1] = '9';
	st->scenario_name[0] = 'X';
	st->initialized = false;
	vclock_advance(&st->clock, &p);
	t->label[0] = 'X';
	t->revoked = true;
	t->expiry[1] = '9';
	t->workspace_id[0] = 'X';
	st->tokens.items[1]->secret[6] = '!';
	assert_int_equal(ms_state_token_regenerate(st, st->tokens.items[3]),
			 0);
	assert_non_null(ms_state_token_create(st, "new", MS_TOKEN_BASIC_AUTH,
					      "P1M", "acc-a"));
	st->script.rules[0].matched = 7;
	st->script.rules[0].name[0] = 'X';
	st->script.rules[0].match.path[0] = 'X';
	cJSON_AddStringToObject(st->script.rules[0].headers, "X-New", "1");
	cJSON_AddStringToObject(st->script.rules[0].body, "more", "1");
	st->script.events[0].fired = true;
	cJSON_AddItemToArray(st->script.events[0].actions,
			     cJSON_CreateObject());
	cJSON_AddItemToArray(st->expect, cJSON_CreateObject());
	st->rate_limit.reason[0] = 'X';
	ms_rate_limit_check(&st->rate_limit, &subj, vclock_now(&st->clock),
			    &v);
	assert_true(v.counted);
}


/* A copy changed leaves the template as it was; the template changed
 * (as no server does) leaves a copy as it was; each freed first leaves
 * the other whole (AddressSanitizer checks under make check). */
static void test_template_copy_shares_nothing(void **state)
{
	cJSON *doc = parsed(rich_text);
	struct ms_template tpl;
	struct ms_state a, b;
	cJSON *before, *after;

	(void)state;
	template_of(&tpl, doc, true);
	before = dump(&tpl.state);
	copy_of(&tpl, &a, true, "a");
	scribble(&a);
	after = dump(&tpl.state);
	assert_same_json(before, after);
	cJSON_Delete(after);
	cJSON_Delete(before);
	ms_state_release(&a);

	copy_of(&tpl, &b, true, "b");
	vclock_freeze(&b.clock, true);
	before = dump(&b);
	scribble(&tpl.state);
	after = dump(&b);
	assert_same_json(before, after);
	ms_template_release(&tpl);
	cJSON_Delete(after);
	after = dump(&b);
	assert_same_json(before, after);
	cJSON_Delete(after);
	cJSON_Delete(before);
	ms_state_release(&b);
	cJSON_Delete(doc);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_copy_is_apply),
		cmocka_unit_test(test_template_copy_is_apply_for_the_library),
		cmocka_unit_test(test_template_unseeded_copies_differ),
		cmocka_unit_test(test_template_clock_now_is_the_copys),
		cmocka_unit_test(test_template_copy_shares_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
