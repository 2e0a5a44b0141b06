/*
 * Unit tests of journal: sequence numbers, the bounded ring and its
 * eviction count, paging with since and limit, clearing, and a journal
 * of limit 0 that keeps nothing. The warning logged on the first
 * eviction is silenced by raising the log threshold.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "text.h"


/* A journal entry as dispatch would append it, marked with n (its
 * status). */
static const struct ms_journal_fields *entry(int n)
{
	static struct ms_journal_fields f;

	f = (struct ms_journal_fields){.method = "GET", .status = n,
				       .retry_after = -1};
	return &f;
}


/* Record f as the server does: make the entry, append it, let go of
 * what it evicted. Returns the sequence number given. */
static uint64_t add(struct ms_journal *j, const struct ms_journal_fields *f)
{
	struct ms_journal_entry *evicted;
	uint64_t seq = ms_journal_append(j, ms_journal_entry_new(f),
					 &evicted);

	ms_journal_entry_free(evicted);
	return seq;
}


/* Entry i as JSON. The last few are kept here (not leaked) and freed
 * by the group teardown. */
static cJSON *parsed[8];
static int parsed_next;

static const cJSON *at(const struct ms_journal *j, size_t i)
{
	cJSON *e = ms_journal_json(j, i);

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

		assert_int_equal(add(j, entry(n)), want);
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
	assert_int_equal(add(&j, entry(1)), 1);
	assert_int_equal(add(&j, entry(2)), 2);
	assert_int_equal(add(&j, entry(3)), 3);
	assert_int_equal(j.count, 3);
	assert_int_equal(j.evicted, 0);

	/* Each entry is stamped and kept in order, oldest first. */
	for (size_t i = 0; i < 3; i++) {
		const cJSON *e = at(&j, i);
		assert_non_null(e);
		assert_int_equal(num(e, "seq"), i + 1);
		assert_int_equal(num(e, "status"), i + 1);
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
	assert_int_equal(add(&j, entry(1)), 1);
	assert_int_equal(add(&j, entry(2)), 2);
	assert_int_equal(add(&j, entry(3)), 3);
	assert_int_equal(j.evicted, 0);
	assert_int_equal(add(&j, entry(4)), 4);
	assert_int_equal(add(&j, entry(5)), 5);
	assert_int_equal(j.count, 3);
	assert_int_equal(j.evicted, 2);
	assert_int_equal(num(at(&j, 0), "seq"), 3);
	assert_int_equal(num(at(&j, 1), "seq"), 4);
	assert_int_equal(num(at(&j, 2), "seq"), 5);
	assert_int_equal(num(at(&j, 2), "status"), 5);
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
		assert_int_equal(num(at(&j, i), "status"), 997 + i);
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
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(a, 0),
					       "status",
					       cJSON_CreateNumber(99));
	assert_int_equal(num(at(&j, 0), "status"), 1);
	/* The copy outlives an eviction of its original. */
	append_range(&j, 3, 4);
	assert_int_equal(num(cJSON_GetArrayItem(a, 1), "status"), 2);
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
	assert_int_equal(add(&j, entry(6)), 6);
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
	assert_int_equal(add(&j, entry(1)), 1);
	assert_int_equal(add(&j, entry(2)), 2);
	assert_int_equal(add(&j, entry(3)), 3);
	assert_int_equal(j.next_seq, 4);
	assert_int_equal(j.count, 0);
	assert_null(at(&j, 0));
	a = ms_journal_query(&j, 0, 100);
	assert_seqs(a, 0, 0);
	cJSON_Delete(a);
	ms_journal_clear(&j);
	assert_int_equal(add(&j, entry(4)), 4);
	ms_journal_release(&j);
}


static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}


static bool is_null(const cJSON *o, const char *name)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, name));
}


/* An entry holds copies: the caller's buffers may change or go once it
 * is made. Absent and empty caller fields read as null. */
static void test_journal_entry_copies_fields(void **state)
{
	char path[] = "/rest/x", value[] = "application/json";
	char body[] = "{\"a\":1}";
	struct ms_journal_header h[] = {{"Accept", value}};
	struct ms_journal_fields f = {
		.tenant = "default", .time = 0, .wall_time = 1000,
		.plane = "site", .method = "POST", .path = path,
		.headers = h, .nheaders = 1, .body = body,
		.body_len = strlen(body), .status = 201, .rule = "",
		.duration_us = 42, .token = "nightly", .retry_after = 7,
	};
	struct ms_journal j;
	const cJSON *e;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 2), 0);
	add(&j, &f);
	memset(path, 'z', sizeof(path) - 1);
	memset(value, 'z', sizeof(value) - 1);
	memset(body, 'z', sizeof(body) - 1);
	e = at(&j, 0);
	assert_non_null(e);
	assert_string_equal(str(e, "tenant"), "default");
	assert_string_equal(str(e, "time"), "1970-01-01T00:00:00.000Z");
	assert_string_equal(str(e, "wallTime"), "1970-01-01T00:00:01.000Z");
	assert_string_equal(str(e, "plane"), "site");
	assert_string_equal(str(e, "method"), "POST");
	assert_string_equal(str(e, "path"), "/rest/x");
	assert_true(is_null(e, "query"));
	assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(e,
		"headers"), "Accept"), "application/json");
	assert_string_equal(str(e, "body"), "{\"a\":1}");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(e,
		"bodyTruncated")));
	assert_int_equal(num(e, "status"), 201);
	assert_true(is_null(e, "fault"));
	assert_true(is_null(e, "rule"));          /* empty */
	assert_int_equal(num(e, "durationUs"), 42);
	assert_string_equal(str(e, "token"), "nightly");
	assert_true(is_null(e, "tokenId"));       /* absent */
	assert_int_equal(num(e, "retryAfter"), 7);
	ms_journal_release(&j);
}


/* What the journal keeps of a string, cleaned when read, is what
 * cleaning all of it would give: the cut falls between characters, at
 * the cap, wherever an invalid or multibyte character lies near it. */
static void test_journal_entry_cut_as_cleaned(void **state)
{
	static const char *const tails[] = {"", "\xc3\xa9", "\xe2\x82\xac",
					    "\xf0\x9f\x98\x80", "\xff", "\xc3",
					    "\xff\xfe\xfd", "\n\x01"};
	enum { CAP = MS_JOURNAL_BODY_MAX };
	static char body[CAP + 64];
	struct ms_journal j;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 1), 0);
	for (size_t t = 0; t < sizeof(tails) / sizeof(*tails); t++) {
		for (size_t lead = CAP - 6; lead <= CAP + 6; lead++) {
			size_t tl = strlen(tails[t]), len = lead + tl;
			struct ms_journal_fields f = {.retry_after = -1};
			bool cut;
			char *want;
			const cJSON *e;

			memset(body, 'a', lead);
			memcpy(body + lead, tails[t], tl);
			memcpy(body + len, "bbbb", 4);
			for (size_t more = 0; more <= 4; more += 4) {
				f.body = body;
				f.body_len = len + more;
				add(&j, &f);
				want = ms_text_clean(body, len + more, CAP,
						     true, &cut);
				assert_non_null(want);
				e = at(&j, 0);
				assert_string_equal(str(e, "body"), want);
				assert_int_equal(cJSON_IsTrue(
					cJSON_GetObjectItemCaseSensitive(e,
						"bodyTruncated")), cut);
				free(want);
			}
		}
	}
	ms_journal_release(&j);
}


/* A string much longer than its cap is cut to it; a body that is only
 * partly kept says so; a NUL inside a body is shown, not a cut. */
static void test_journal_entry_caps(void **state)
{
	static char path[MS_JOURNAL_PATH_MAX * 4];
	static char body[MS_JOURNAL_BODY_MAX * 4];
	struct ms_journal_fields f = {.retry_after = -1};
	struct ms_journal j;
	const cJSON *e;

	(void)state;
	memset(path, 'p', sizeof(path) - 1);
	memset(body, 'b', sizeof(body));
	body[1] = '\0';
	f.path = path;
	f.body = body;
	f.body_len = sizeof(body);
	assert_int_equal(ms_journal_init(&j, 1), 0);
	add(&j, &f);
	e = at(&j, 0);
	assert_int_equal(strlen(str(e, "path")), MS_JOURNAL_PATH_MAX);
	assert_int_equal(strlen(str(e, "body")), MS_JOURNAL_BODY_MAX);
	assert_memory_equal(str(e, "body"), "b?bb", 4);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
		"bodyTruncated")));
	assert_true(is_null(e, "query"));
	ms_journal_release(&j);
}


/* Blocks are reused as the ring goes round, by entries larger and
 * smaller than the last: each reads back as it was given. */
static void test_journal_slots_reused(void **state)
{
	static const size_t sizes[] = {10, 3000, 5, 4000, 1, 0, 2500, 7};
	static char body[4096];
	struct ms_journal j;

	(void)state;
	assert_int_equal(ms_journal_init(&j, 3), 0);
	for (size_t round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
			struct ms_journal_fields f = {.retry_after = -1};
			char path[32];
			const cJSON *e;

			memset(body, (int)('a' + i), sizes[i]);
			snprintf(path, sizeof(path), "/%zu/%zu", round, i);
			f.path = path;
			f.body = body;
			f.body_len = sizes[i];
			add(&j, &f);
			e = at(&j, j.count - 1);
			assert_string_equal(str(e, "path"), path);
			if (sizes[i]) {
				assert_int_equal(strlen(str(e, "body")),
						 sizes[i]);
				assert_int_equal(str(e, "body")[0],
						 'a' + (int)i);
			} else {
				assert_true(is_null(e, "body"));
			}
		}
		assert_int_equal(j.count, 3);
	}
	ms_journal_clear(&j);
	assert_int_equal(j.count, 0);
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
		cmocka_unit_test(test_journal_entry_copies_fields),
		cmocka_unit_test(test_journal_entry_cut_as_cleaned),
		cmocka_unit_test(test_journal_entry_caps),
		cmocka_unit_test(test_journal_slots_reused),
	};

	ms_log_setup(MS_LOG_ERROR, MS_LOG_TEXT);
	return cmocka_run_group_tests(tests, NULL, free_parsed);
}
