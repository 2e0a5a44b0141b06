/*
 * test_tenant: the registry of tenants: made from the scenario on first
 * use, isolated, bounded, reset, and dropped safely while still held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "tenant.h"

static const char doc_text[] =
	"{\"name\":\"t\",\"site\":{\"initialized\":false,"
	"\"workspaceId\":\"ws-1\"},"
	"\"clock\":{\"start\":\"2026-01-15T09:00:00.000Z\",\"frozen\":true},"
	"\"users\":[{\"accountId\":\"acc-a\",\"email\":\"a@example.com\","
	"\"apiToken\":\"a-token\"}]}";

static int setup(void **state)
{
	struct ms_scenario_error err;
	cJSON *doc = ms_scenario_parse(doc_text, strlen(doc_text), &err);

	if (!doc) {
		char msg[1024];
		ms_scenario_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	*state = doc;
	return 0;
}


static int teardown(void **state)
{
	cJSON_Delete(*state);
	return 0;
}


static void registry_open(struct ms_registry *reg, void **state,
			  size_t max)
{
	struct ms_scenario_opts opts = {true, 7, NULL};

	assert_int_equal(ms_registry_init(reg, *state, &opts, max, 16), 0);
}


static void test_tenant_name_pattern(void **state)
{
	char long_name[80];

	(void)state;
	assert_true(ms_tenant_name_valid("a"));
	assert_true(ms_tenant_name_valid("ci-run_42.x"));
	assert_false(ms_tenant_name_valid(""));
	assert_false(ms_tenant_name_valid("a/b"));
	assert_false(ms_tenant_name_valid("a b"));
	assert_false(ms_tenant_name_valid("caf\xc3\xa9"));
	memset(long_name, 'x', 64);
	long_name[64] = '\0';
	assert_true(ms_tenant_name_valid(long_name));
	long_name[64] = 'x';
	long_name[65] = '\0';
	assert_false(ms_tenant_name_valid(long_name));
}


static void test_tenant_created_on_first_use_only(void **state)
{
	struct ms_registry reg;
	struct ms_tenant *t, *again;

	registry_open(&reg, state, 4);
	assert_int_equal(ms_registry_acquire(&reg, "a", false, &t),
			 MS_ACQUIRE_ABSENT);
	assert_int_equal(ms_registry_count(&reg), 0);
	assert_int_equal(ms_registry_acquire(&reg, "a", true, &t),
			 MS_ACQUIRE_OK);
	assert_string_equal(t->state.workspace_id, "ws-1");
	assert_false(t->state.initialized);
	assert_int_equal(ms_registry_acquire(&reg, "a", true, &again),
			 MS_ACQUIRE_OK);
	assert_ptr_equal(t, again);
	assert_int_equal(t->refs, 3);   /* the tree's and two requests' */
	ms_registry_put(&reg, t);
	ms_registry_put(&reg, again);
	assert_int_equal(ms_registry_count(&reg), 1);
	ms_registry_release(&reg);
}


static void test_tenant_isolated(void **state)
{
	struct ms_registry reg;
	struct ms_tenant *a, *b;

	registry_open(&reg, state, 4);
	assert_int_equal(ms_registry_acquire(&reg, "a", true, &a),
			 MS_ACQUIRE_OK);
	assert_int_equal(ms_registry_acquire(&reg, "b", true, &b),
			 MS_ACQUIRE_OK);
	a->state.initialized = true;
	assert_false(b->state.initialized);
	ms_registry_put(&reg, a);
	ms_registry_put(&reg, b);
	ms_registry_release(&reg);
}


/* The limit: max tenants exist, one more is refused, a drop frees a
 * place. */
static void test_tenant_limit_both_sides(void **state)
{
	struct ms_registry reg;
	struct ms_tenant *t;
	char name[16];

	registry_open(&reg, state, 3);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		assert_int_equal(ms_registry_acquire(&reg, name, true, &t),
				 MS_ACQUIRE_OK);
		ms_registry_put(&reg, t);
	}
	assert_int_equal(ms_registry_acquire(&reg, "t3", true, &t),
			 MS_ACQUIRE_FULL);
	assert_int_equal(ms_registry_drop(&reg, "t0"), 0);
	assert_int_equal(ms_registry_drop(&reg, "t0"), -1);
	assert_int_equal(ms_registry_acquire(&reg, "t3", true, &t),
			 MS_ACQUIRE_OK);
	ms_registry_put(&reg, t);
	assert_int_equal(ms_registry_count(&reg), 3);
	ms_registry_release(&reg);
}


/* Dropped while a request holds it: it stays usable until put. */
static void test_tenant_drop_while_held(void **state)
{
	struct ms_registry reg;
	struct ms_tenant *t, *fresh;

	registry_open(&reg, state, 4);
	assert_int_equal(ms_registry_acquire(&reg, "x", true, &t),
			 MS_ACQUIRE_OK);
	t->state.initialized = true;
	assert_int_equal(ms_registry_drop(&reg, "x"), 0);
	assert_int_equal(ms_registry_count(&reg), 0);
	assert_true(t->state.initialized);     /* still ours; ASan checks */
	assert_int_equal(ms_registry_acquire(&reg, "x", true, &fresh),
			 MS_ACQUIRE_OK);
	assert_ptr_not_equal(fresh, t);
	assert_false(fresh->state.initialized);
	ms_registry_put(&reg, t);
	ms_registry_put(&reg, fresh);
	ms_registry_release(&reg);
}


static void test_tenant_reset_restores_scenario(void **state)
{
	struct ms_registry reg;
	struct ms_tenant *t;
	struct ms_period p3m = {3, 0};
	struct ms_journal_entry *evicted;
	ms_time_t start;

	registry_open(&reg, state, 4);
	assert_int_equal(ms_registry_acquire(&reg, "r", true, &t),
			 MS_ACQUIRE_OK);
	start = vclock_now(&t->state.clock);
	t->state.initialized = true;
	vclock_advance(&t->state.clock, &p3m);
	ms_journal_append(&t->journal, ms_journal_entry_new(
		&(struct ms_journal_fields){.retry_after = -1}), &evicted);
	assert_non_null(ms_state_token_create(&t->state, "x",
					      MS_TOKEN_BASIC_AUTH, "P1M",
					      NULL));
	assert_int_equal(ms_tenant_reset(&reg, t), 0);
	assert_false(t->state.initialized);
	assert_int_equal(vclock_now(&t->state.clock), start);
	assert_int_equal(t->journal.count, 0);
	assert_int_equal(t->journal.next_seq, 1);
	assert_int_equal(t->state.tokens.count, 0);
	ms_registry_put(&reg, t);
	ms_registry_release(&reg);
}


/* Tokens drawn from the tenant's stream, a rule and an event that
 * count: what a reset must bring back exactly. */
static const char scripted_text[] =
	"{\"name\":\"s\",\"site\":{\"initialized\":true},"
	"\"clock\":{\"start\":\"2026-01-15T09:00:00.000Z\",\"frozen\":true},"
	"\"tokens\":[{\"label\":\"a\",\"type\":\"ADAPTERS_CLIENT\"},"
	"{\"label\":\"b\",\"type\":\"BASIC_AUTH\",\"expiry\":\"P1M\"}],"
	"\"rules\":[{\"name\":\"r\",\"match\":{\"path\":\"**\"},"
	"\"delay\":\"PT0.001S\"}],"
	"\"events\":[{\"name\":\"e\",\"on\":{\"afterRequests\":1},"
	"\"do\":[{\"setInitialized\":false}]}]}";


/* The tenant's state as a document, with what the dump leaves out: the
 * counters, and the next bytes of its random stream (drawn from a copy,
 * the state unchanged). */
static cJSON *snapshot(struct ms_tenant *t)
{
	cJSON *d = ms_scenario_from_state(&t->state);
	struct ms_rng next = t->state.rng;
	unsigned char bytes[8];
	char hex[17];

	cJSON_AddItemToObject(d, "rule", ms_rule_to_json(
				      &t->state.script.rules[0], true));
	cJSON_AddItemToObject(d, "event", ms_event_to_json(
				      &t->state.script.events[0], true));
	ms_rng_bytes(&next, bytes, sizeof(bytes));
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
	cJSON_AddStringToObject(d, "rng", hex);
	cJSON_AddNumberToObject(d, "journal", (double)t->journal.count);
	cJSON_AddNumberToObject(d, "nextSeq", (double)t->journal.next_seq);
	return d;
}


/* What requests do to a tenant: a token made, one regenerated, the
 * rule and the event counted, the clock moved, the journal fed. */
static void use(struct ms_tenant *t)
{
	struct ms_subject subj = {"GET", "/x", NULL, NULL, NULL};
	struct ms_period p = {0, 60000};
	struct ms_journal_entry *evicted;
	struct ms_verdict v;

	assert_non_null(ms_state_token_create(&t->state, "x",
					      MS_TOKEN_ADAPTERS_CLIENT, "P1M",
					      NULL));
	assert_int_equal(ms_state_token_regenerate(
				 &t->state, t->state.tokens.items[0]), 0);
	ms_script_judge(&t->state.script, &subj, &t->state.rng, &v);
	t->state.script.events[0].matched++;
	t->state.script.events[0].fired = true;
	vclock_advance(&t->state.clock, &p);
	ms_journal_append(&t->journal, ms_journal_entry_new(
		&(struct ms_journal_fields){.retry_after = -1}), &evicted);
}


static void assert_same_snapshot(const cJSON *a, const cJSON *b)
{
	if (!cJSON_Compare(a, b, true)) {
		char *ta = cJSON_Print(a), *tb = cJSON_Print(b);
		fprintf(stderr, "one:\n%s\nother:\n%s\n", ta, tb);
		free(ta);
		free(tb);
		fail_msg("the tenants differ");
	}
}


/* A tenant reset, twice, is each time what a fresh one of the same name
 * is: the same ids, secrets, stream, times, counters and journal. */
static void test_tenant_reset_equals_fresh(void **state)
{
	cJSON *doc = ms_scenario_parse(scripted_text, strlen(scripted_text),
				       NULL);
	struct ms_scenario_opts opts = {true, 7, NULL};
	struct ms_registry reg;
	struct ms_tenant *t, *fresh;
	cJSON *made, *reset;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(ms_registry_init(&reg, doc, &opts, 4, 16), 0);
	assert_int_equal(ms_registry_acquire(&reg, "r", true, &t),
			 MS_ACQUIRE_OK);
	made = snapshot(t);
	for (int round = 0; round < 2; round++) {
		use(t);
		reset = snapshot(t);
		assert_false(cJSON_Compare(made, reset, true));
		cJSON_Delete(reset);
		assert_int_equal(ms_tenant_reset(&reg, t), 0);
		reset = snapshot(t);
		assert_same_snapshot(made, reset);
		cJSON_Delete(reset);
	}
	/* And a tenant of that name made afresh. */
	assert_int_equal(ms_registry_drop(&reg, "r"), 0);
	assert_int_equal(ms_registry_acquire(&reg, "r", true, &fresh),
			 MS_ACQUIRE_OK);
	reset = snapshot(fresh);
	assert_same_snapshot(made, reset);
	cJSON_Delete(reset);
	cJSON_Delete(made);
	ms_registry_put(&reg, fresh);
	ms_registry_put(&reg, t);
	ms_registry_release(&reg);
	cJSON_Delete(doc);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_name_pattern),
		cmocka_unit_test(test_tenant_created_on_first_use_only),
		cmocka_unit_test(test_tenant_isolated),
		cmocka_unit_test(test_tenant_limit_both_sides),
		cmocka_unit_test(test_tenant_drop_while_held),
		cmocka_unit_test(test_tenant_reset_restores_scenario),
		cmocka_unit_test(test_tenant_reset_equals_fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
