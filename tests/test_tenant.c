/*
 * test_tenant: the registry of tenants: made from the scenario on first
 * use, isolated, bounded, reset, and dropped safely while still held.
 */
#include <stdio.h>
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

	ms_registry_init(reg, *state, &opts, max, 16);
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


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_name_pattern),
		cmocka_unit_test(test_tenant_created_on_first_use_only),
		cmocka_unit_test(test_tenant_isolated),
		cmocka_unit_test(test_tenant_limit_both_sides),
		cmocka_unit_test(test_tenant_drop_while_held),
		cmocka_unit_test(test_tenant_reset_restores_scenario),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
