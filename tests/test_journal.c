/*
 * Unit tests of journal: sequence numbers, the bounded ring and its
 * eviction count, paging with since and limit, clearing, and a journal
 * of limit 0 that keeps nothing. The warning logged on the first
 * eviction is silenced by raising the log threshold.
 */
#include "testutil.h"

#include <stdlib.h>

#include "journal.h"
#include "log.h"


/* A journal entry as dispatch would append it, marked with n. */
static cJSON *entry(int n)
{
	cJSON *e = cJSON_CreateObject();

	assert_non_null(e);
	assert_non_null(cJSON_AddStringToObject(e, "method", "GET"));
	assert_non_null(cJSON_AddNumberToObject(e, "n", n));
	return e;
}


/* Entries are kept as text: parse entry i for a look. The last few are
 * kept here (not leaked) and freed by the group teardown. */
static cJSON *parsed[8];
static int parsed_next;

static const cJSON *at(const struct ms_journal *j, size_t i)
{
	const char *text = ms_journal_text(j, i);
	cJSON *e = text ? cJSON_Parse(text) : NULL;

	cJSON_Delete(parsed[parsed_next]);
	parsed[parsed_next] = e;
	parsed_next = (parsed_next + 1) % 8;
	return e;
}


static int free_parsed(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		cJSON_Delete(parsed[i]);
		parsed[i] = NULL;
	}
	return 0;
}


static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}


/* Append entries marked from..to, each getting the next seq. */
static void append_range(struct ms_journal *j, int from, int to)
{
	for (int n = from; n <= to; n++) {
		uint64_t want = j->next_seq;

		assert_int_equal(ms_journal_append(j, entry(n)), want);
	}
}


/* Assert the array holds entries with seq first, first + 1, ... */
static void assert_seqs(const cJSON *a, int count, uint64_t first)
{
	assert_true(cJSON_IsArray(a));
	assert_int_equal(cJSON_GetArraySize(a), count);
	for (int i = 0; i < count; i++)
		assert_int_equal(num(cJSON_GetArrayItem(a, i), "seq"),
				 first + (uint64_t)i);
}


static void test_journal_seq_increases(void **state)
{
	struct ms_journal j;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 10), 0);
	assert_int_equal(ms_journal_append(&j, entry(1)), 1);
	assert_int_equal(ms_journal_append(&j, entry(2)), 2);
	assert_int_equal(ms_journal_append(&j, entry(3)), 3);
	assert_int_equal(j.count, 3);
	assert_int_equal(j.evicted, 0);

	/* Each entry is stamped and kept in order, oldest first. */
	for (size_t i = 0; i < 3; i++) {
		const cJSON *e = at(&j, i);
		assert_non_null(e);
		assert_int_equal(num(e, "seq"), i + 1);
		assert_int_equal(num(e, "n"), i + 1);
		assert_string_equal(cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(e, "method")), "GET");
	}
	assert_null(at(&j, 3));
	ms_journal_release(&j);
	assert_null(j.ring);
}


static void test_journal_ring_evicts_oldest(void **state)
{
	struct ms_journal j;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 3), 0);
	assert_int_equal(ms_journal_append(&j, entry(1)), 1);
	assert_int_equal(ms_journal_append(&j, entry(2)), 2);
	assert_int_equal(ms_journal_append(&j, entry(3)), 3);
	assert_int_equal(j.evicted, 0);
	assert_int_equal(ms_journal_append(&j, entry(4)), 4);
	assert_int_equal(ms_journal_append(&j, entry(5)), 5);
	assert_int_equal(j.count, 3);
	assert_int_equal(j.evicted, 2);
	assert_int_equal(num(at(&j, 0), "seq"), 3);
	assert_int_equal(num(at(&j, 1), "seq"), 4);
	assert_int_equal(num(at(&j, 2), "seq"), 5);
	assert_int_equal(num(at(&j, 2), "n"), 5);
	assert_null(at(&j, 3));
	ms_journal_release(&j);
}


static void test_journal_ring_wraps_many_times(void **state)
{
	struct ms_journal j;
	cJSON *a;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 4), 0);
	append_range(&j, 1, 1000);
	assert_int_equal(j.count, 4);
	assert_int_equal(j.evicted, 996);
	assert_int_equal(j.next_seq, 1001);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(num(at(&j, i), "n"), 997 + i);
	a = ms_journal_query(&j, 0, 100);
	assert_seqs(a, 4, 997);
	cJSON_Delete(a);
	ms_journal_release(&j);
}


static void test_journal_query_since_limit(void **state)
{
	struct ms_journal j;
	cJSON *a;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 10), 0);
	append_range(&j, 1, 6);

	a = ms_journal_query(&j, 0, 100);
	assert_seqs(a, 6, 1);
	cJSON_Delete(a);

	a = ms_journal_query(&j, 3, 100);
	assert_seqs(a, 3, 4);
	cJSON_Delete(a);

	a = ms_journal_query(&j, 3, 2);
	assert_seqs(a, 2, 4);
	cJSON_Delete(a);

	a = ms_journal_query(&j, 0, 1);
	assert_seqs(a, 1, 1);
	cJSON_Delete(a);

	a = ms_journal_query(&j, 6, 100);
	assert_seqs(a, 0, 0);
	cJSON_Delete(a);

	a = ms_journal_query(&j, 1000, 100);
	assert_seqs(a, 0, 0);
	cJSON_Delete(a);

	a = ms_journal_query(&j, 0, 0);
	assert_seqs(a, 0, 0);
	cJSON_Delete(a);
	ms_journal_release(&j);
}


static void test_journal_query_after_eviction(void **state)
{
	struct ms_journal j;
	cJSON *a;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 3), 0);
	append_range(&j, 1, 7);

	/* since older than the oldest kept: what is left, from seq 5. */
	a = ms_journal_query(&j, 2, 100);
	assert_seqs(a, 3, 5);
	cJSON_Delete(a);
	a = ms_journal_query(&j, 5, 1);
	assert_seqs(a, 1, 6);
	cJSON_Delete(a);
	ms_journal_release(&j);
}


static void test_journal_query_copies(void **state)
{
	struct ms_journal j;
	cJSON *a;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 2), 0);
	append_range(&j, 1, 2);
	a = ms_journal_query(&j, 0, 10);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(a, 0), "n",
					       cJSON_CreateNumber(99));
	assert_int_equal(num(at(&j, 0), "n"), 1);
	/* The copy outlives an eviction of its original. */
	append_range(&j, 3, 4);
	assert_int_equal(num(cJSON_GetArrayItem(a, 1), "n"), 2);
	cJSON_Delete(a);
	ms_journal_release(&j);
}


static void test_journal_clear(void **state)
{
	struct ms_journal j;
	cJSON *a;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 3), 0);
	append_range(&j, 1, 5);
	ms_journal_clear(&j);
	assert_int_equal(j.count, 0);
	assert_int_equal(j.evicted, 0);
	assert_null(at(&j, 0));
	a = ms_journal_query(&j, 0, 100);
	assert_seqs(a, 0, 0);
	cJSON_Delete(a);

	/* Numbers go on from where they were, so "since" stays valid. */
	assert_int_equal(ms_journal_append(&j, entry(6)), 6);
	append_range(&j, 7, 9);
	assert_int_equal(j.count, 3);
	assert_int_equal(j.evicted, 1);
	a = ms_journal_query(&j, 0, 100);
	assert_seqs(a, 3, 7);
	cJSON_Delete(a);
	ms_journal_release(&j);
}


static void test_journal_limit_zero(void **state)
{
	struct ms_journal j;
	cJSON *a;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 0), 0);
	assert_int_equal(ms_journal_append(&j, entry(1)), 1);
	assert_int_equal(ms_journal_append(&j, entry(2)), 2);
	assert_int_equal(ms_journal_append(&j, entry(3)), 3);
	assert_int_equal(j.next_seq, 4);
	assert_int_equal(j.count, 0);
	assert_null(at(&j, 0));
	a = ms_journal_query(&j, 0, 100);
	assert_seqs(a, 0, 0);
	cJSON_Delete(a);
	ms_journal_clear(&j);
	assert_int_equal(ms_journal_append(&j, entry(4)), 4);
	ms_journal_release(&j);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_seq_increases),
		cmocka_unit_test(test_journal_ring_evicts_oldest),
		cmocka_unit_test(test_journal_ring_wraps_many_times),
		cmocka_unit_test(test_journal_query_since_limit),
		cmocka_unit_test(test_journal_query_after_eviction),
		cmocka_unit_test(test_journal_query_copies),
		cmocka_unit_test(test_journal_clear),
		cmocka_unit_test(test_journal_limit_zero),
	};

	ms_log_setup(MS_LOG_ERROR, MS_LOG_TEXT);
	return cmocka_run_group_tests(tests, NULL, free_parsed);
}
