/*
 * Unit tests of token: type and status keys, label checks (length in
 * code points, trimming, UTF-8 validity, control characters), secrets,
 * constant-time comparison, the store and its indexes, status over time
 * and the JSON a token is shown as. Tokens are built by hand here; the
 * state module's tests cover minting them.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "token.h"

/* Length of a fresh secret's body: 32 bytes in base64url, no padding. */
#define SECRET_BODY_LEN 43
#define BIG_STORE 100000


/* Parse text, failing the test if it is refused. */
static ms_time_t at(const char *text)
{
	ms_time_t t = 0;

	assert_int_equal(ms_time_parse(text, &t), 0);
	return t;
}


/* A new string holding unit n times, between head and tail. */
static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1);
	char *p = s;

	assert_non_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}


/* Assert label is accepted and trims to want. */
static void label_ok(const char *label, const char *want)
{
	char *out = NULL;
	const char *why = NULL;

	assert_int_equal(ms_token_label_check(label, &out, &why), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}


/* Assert label is refused with a reason. */
static void label_refused(const char *label)
{
	char *out = NULL;
	const char *why = NULL;
	int rc = ms_token_label_check(label, &out, &why);

	/* Free a wrongly accepted copy first, so only the assert reports. */
	free(out);
	assert_int_equal(rc, -1);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
}


/* A token the store does not hold yet, every string owned. */
static struct ms_token *tok_new(const char *id, const char *secret,
				const char *label)
{
	struct ms_token *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_true(strlen(id) < sizeof(t->id));
	strcpy(t->id, id);
	t->label = strdup(label);
	t->type = MS_TOKEN_ADAPTERS_CLIENT;
	t->expiry = strdup("P3M");
	t->created_at = at("2026-01-15T09:00:00.000Z");
	t->expires_at = at("2026-04-15T09:00:00.000Z");
	t->last_used_at = MS_NEVER;
	t->created_by = strdup("acc-alice");
	t->workspace_id = strdup("ws-1");
	t->secret = strdup(secret);
	assert_non_null(t->label);
	assert_non_null(t->secret);
	return t;
}


static void test_token_type_keys_round_trip(void **state)
{
	static const char *const keys[] = {
		"ADAPTERS_CLIENT", "CLEANSE_AND_IMPORT", "BASIC_AUTH"
	};
	enum ms_token_type t;

	(void)state;
	for (int i = 0; i < MS_TOKEN_TYPE_COUNT; i++) {
		assert_string_equal(ms_token_type_key(i), keys[i]);
		t = MS_TOKEN_TYPE_COUNT;
		assert_int_equal(ms_token_type_parse(keys[i], &t), 0);
		assert_int_equal(t, i);
	}
	assert_string_equal(ms_token_type_label(MS_TOKEN_ADAPTERS_CLIENT),
			    "Adapters client token");
	assert_string_equal(ms_token_type_label(MS_TOKEN_CLEANSE_AND_IMPORT),
			    "Cleanse and Import client token");
	assert_string_equal(ms_token_type_label(MS_TOKEN_BASIC_AUTH),
			    "Basic Authentication token");
}


static void test_token_type_parse_refuses_unknown(void **state)
{
	enum ms_token_type t = MS_TOKEN_BASIC_AUTH;

	(void)state;
	assert_int_equal(ms_token_type_parse("adapters_client", &t), -1);
	assert_int_equal(ms_token_type_parse("ADAPTERS", &t), -1);
	assert_int_equal(ms_token_type_parse("ADAPTERS_CLIENT ", &t), -1);
	assert_int_equal(ms_token_type_parse("", &t), -1);
	assert_int_equal(ms_token_type_parse(NULL, &t), -1);
	/* A refusal leaves the output alone. */
	assert_int_equal(t, MS_TOKEN_BASIC_AUTH);
}


static void test_token_status_keys_round_trip(void **state)
{
	static const char *const keys[] = {"ACTIVE", "EXPIRED", "REVOKED"};
	enum ms_token_status s;

	(void)state;
	for (int i = 0; i <= MS_TOKEN_REVOKED; i++) {
		assert_string_equal(ms_token_status_key(i), keys[i]);
		s = MS_TOKEN_REVOKED + 1;
		assert_int_equal(ms_token_status_parse(keys[i], &s), 0);
		assert_int_equal(s, i);
	}
	s = MS_TOKEN_ACTIVE;
	assert_int_equal(ms_token_status_parse("active", &s), -1);
	assert_int_equal(ms_token_status_parse("DELETED", &s), -1);
	assert_int_equal(ms_token_status_parse("", &s), -1);
	assert_int_equal(ms_token_status_parse(NULL, &s), -1);
	assert_int_equal(s, MS_TOKEN_ACTIVE);
}


static void test_token_label_ascii_limit(void **state)
{
	char *max = repeat("", "a", MS_LABEL_MAX, "");
	char *over = repeat("", "a", MS_LABEL_MAX + 1, "");

	(void)state;
	label_ok("a", "a");
	label_ok(max, max);
	label_refused(over);
	free(max);
	free(over);
}


static void test_token_label_counts_code_points(void **state)
{
	/* U+00E9, two bytes each: 510 bytes is still 255 characters. */
	char *max = repeat("", "\xc3\xa9", MS_LABEL_MAX, "");
	char *over = repeat("", "\xc3\xa9", MS_LABEL_MAX + 1, "");
	/* U+1F600, four bytes each. */
	char *emoji = repeat("", "\xf0\x9f\x98\x80", MS_LABEL_MAX, "");
	char *emoji_over = repeat("", "\xf0\x9f\x98\x80", MS_LABEL_MAX + 1,
				  "");

	(void)state;
	assert_int_equal(strlen(max), 2 * MS_LABEL_MAX);
	label_ok(max, max);
	label_refused(over);
	label_ok(emoji, emoji);
	label_refused(emoji_over);
	free(max);
	free(over);
	free(emoji);
	free(emoji_over);
}


static void test_token_label_trims_white_space(void **state)
{
	/* Surrounding space does not count against the limit. */
	char *padded = repeat("  \t", "b", MS_LABEL_MAX, "\r\n ");
	char *want = repeat("", "b", MS_LABEL_MAX, "");

	(void)state;
	label_ok("  prod adapters  ", "prod adapters");
	label_ok("\t\n\v\fx\r", "x");
	label_ok("inner  space kept", "inner  space kept");
	label_ok(" \xc3\xa9t\xc3\xa9 ", "\xc3\xa9t\xc3\xa9");
	label_ok(padded, want);
	free(padded);
	free(want);
}


static void test_token_label_refuses_blank(void **state)
{
	(void)state;
	label_refused("");
	label_refused(" ");
	label_refused("      ");
	label_refused(" \t\r\n\v\f ");
}


static void test_token_label_refuses_bad_utf8(void **state)
{
	(void)state;
	label_refused("ab\x80" "cd");            /* lone continuation */
	label_refused("\xc0\x80");               /* overlong NUL */
	label_refused("a\xc1\xbf");              /* overlong 2-byte */
	label_refused("\xe0\x80\xaf");           /* overlong 3-byte */
	label_refused("\xf0\x80\x80\xaf");       /* overlong 4-byte */
	label_refused("x\xed\xa0\x80y");         /* surrogate U+D800 */
	label_refused("x\xed\xbf\xbf");          /* surrogate U+DFFF */
	label_refused("abc\xc3");                /* truncated at end */
	label_refused("abc\xe2\x82");            /* truncated at end */
	label_refused("abc\xe2\x82 ");           /* truncated, then space */
	label_refused("abc\xf0\x9f\x98");        /* truncated at end */
	label_refused("\xf5\x80\x80\x80");       /* past U+10FFFF */
	label_refused("\xf4\x90\x80\x80");       /* U+110000 */
	label_refused("\xff");
	/* The edges that are valid. */
	label_ok("\xed\x9f\xbf", "\xed\x9f\xbf");              /* U+D7FF */
	label_ok("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");      /* U+10FFFF */
}


static void test_token_label_refuses_control(void **state)
{
	(void)state;
	label_refused("a\tb");
	label_refused("a\nb");
	label_refused("a\x01" "b");
	label_refused("a\x1f" "b");
	label_refused("a\x7f" "b");
	label_refused("\x1b[31mred");
}


/* C1 controls (U+0080 to U+009F) are control characters too. */
static void test_token_label_refuses_c1_control(void **state)
{
	(void)state;
	label_refused("a\xc2\x85" "b");          /* U+0085 NEXT LINE */
	label_refused("a\xc2\x9b" "31m");        /* U+009B CSI */
}


static void test_token_secret_new_shape(void **state)
{
	struct ms_rng r;

	(void)state;
	ms_rng_init(&r, true, 42, "acme");
	for (int i = 0; i < MS_TOKEN_TYPE_COUNT; i++) {
		const char *prefix = ms_token_type_prefix(i);
		char *s = ms_token_secret_new(&r, i);
		size_t plen = strlen(prefix);

		assert_non_null(s);
		assert_true(plen > 0);
		assert_int_equal(strncmp(s, prefix, plen), 0);
		assert_int_equal(strlen(s), plen + SECRET_BODY_LEN);
		assert_int_equal(strspn(s + plen,
					"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"abcdefghijklmnopqrstuvwxyz"
					"0123456789-_"), SECRET_BODY_LEN);
		assert_true(ms_token_secret_wellformed(s));
		free(s);
	}
}


static void test_token_secret_new_distinct_prefixes(void **state)
{
	(void)state;
	assert_string_not_equal(ms_token_type_prefix(0),
				ms_token_type_prefix(1));
	assert_string_not_equal(ms_token_type_prefix(1),
				ms_token_type_prefix(2));
	assert_string_not_equal(ms_token_type_prefix(0),
				ms_token_type_prefix(2));
}


static void test_token_secret_new_deterministic_when_seeded(void **state)
{
	struct ms_rng a, b;
	char *s1, *s2, *s3;

	(void)state;
	ms_rng_init(&a, true, 7, "t1");
	ms_rng_init(&b, true, 7, "t1");
	s1 = ms_token_secret_new(&a, MS_TOKEN_BASIC_AUTH);
	s2 = ms_token_secret_new(&b, MS_TOKEN_BASIC_AUTH);
	s3 = ms_token_secret_new(&a, MS_TOKEN_BASIC_AUTH);
	assert_string_equal(s1, s2);
	assert_string_not_equal(s1, s3);
	free(s1);
	free(s2);
	free(s3);
}


static void test_token_secret_wellformed_refuses(void **state)
{
	char *no_prefix = repeat("", "A", SECRET_BODY_LEN, "");
	char *bad_prefix = repeat("xxxx_", "A", SECRET_BODY_LEN, "");
	char *plus = repeat("dmac_", "A", SECRET_BODY_LEN, "+");
	char *slash = repeat("dmac_", "A", SECRET_BODY_LEN, "/");
	char *pad = repeat("dmac_", "A", SECRET_BODY_LEN, "=");
	char *space = repeat("dmac_", "A", SECRET_BODY_LEN, " ");
	char *utf8 = repeat("dmac_", "A", SECRET_BODY_LEN, "\xc3\xa9");
	char *good = repeat(ms_token_type_prefix(0), "A", SECRET_BODY_LEN, "");

	(void)state;
	assert_true(ms_token_secret_wellformed(good));
	assert_false(ms_token_secret_wellformed(no_prefix));
	assert_false(ms_token_secret_wellformed(bad_prefix));
	assert_false(ms_token_secret_wellformed(plus));
	assert_false(ms_token_secret_wellformed(slash));
	assert_false(ms_token_secret_wellformed(pad));
	assert_false(ms_token_secret_wellformed(space));
	assert_false(ms_token_secret_wellformed(utf8));
	assert_false(ms_token_secret_wellformed(""));
	assert_false(ms_token_secret_wellformed(ms_token_type_prefix(0)));
	assert_false(ms_token_secret_wellformed("dmac_abc"));
	assert_false(ms_token_secret_wellformed("dmac_AAAAAAAAAAAAAAA"));
	free(no_prefix);
	free(bad_prefix);
	free(plus);
	free(slash);
	free(pad);
	free(space);
	free(utf8);
	free(good);
}


static void test_token_secret_equal(void **state)
{
	(void)state;
	assert_true(ms_secret_equal("dmac_abcdef", "dmac_abcdef"));
	assert_false(ms_secret_equal("dmac_abcdef", "dmac_abcdeg"));
	assert_false(ms_secret_equal("dmac_abcdef", "Dmac_abcdef"));
	assert_false(ms_secret_equal("dmac_abc", "dmac_abcdef"));
	assert_false(ms_secret_equal("dmac_abcdef", "dmac_abc"));
	assert_false(ms_secret_equal("", "x"));
	assert_false(ms_secret_equal("x", ""));
	assert_true(ms_secret_equal("", ""));
}


/* Compared a word at a time: a difference at any place of a long
 * secret, in the words or in the tail after them, is seen. */
static void test_token_secret_equal_every_place(void **state)
{
	char a[48], b[48];

	(void)state;
	for (size_t len = 1; len < sizeof(a); len++) {
		memset(a, 'k', len);
		a[len] = '\0';
		memcpy(b, a, len + 1);
		assert_true(ms_secret_equal(a, b));
		for (size_t at = 0; at < len; at++) {
			b[at] = 'j';
			assert_false(ms_secret_equal(a, b));
			b[at] = 'k';
		}
	}
}


static void test_token_store_add_and_find(void **state)
{
	struct ms_token_store s;
	struct ms_token *a = tok_new("id-a", "dmac_secretA", "alpha");
	struct ms_token *b = tok_new("id-b", "dmac_secretB", "beta");
	struct ms_token *c = tok_new("id-c", "dmac_secretC", "alpha");
	enum ms_secret_match m = MS_SECRET_RETIRED;

	(void)state;
	ms_token_store_init(&s);
	assert_int_equal(ms_token_store_add(&s, a), 0);
	assert_int_equal(ms_token_store_add(&s, b), 0);
	assert_int_equal(ms_token_store_add(&s, c), 0);
	assert_int_equal(s.count, 3);
	assert_ptr_equal(s.items[0], a);
	assert_ptr_equal(s.items[2], c);

	assert_ptr_equal(ms_token_store_by_id(&s, "id-b"), b);
	assert_null(ms_token_store_by_id(&s, "id-z"));
	assert_null(ms_token_store_by_id(&s, ""));
	assert_null(ms_token_store_by_id(&s,
		"a-string-much-longer-than-any-uuid-can-ever-be-0123456789"));

	/* The first in creation order wins a shared label. */
	assert_ptr_equal(ms_token_store_by_label(&s, "alpha"), a);
	assert_ptr_equal(ms_token_store_by_label(&s, "beta"), b);
	assert_null(ms_token_store_by_label(&s, "gamma"));

	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_secretC", &m), c);
	assert_int_equal(m, MS_SECRET_CURRENT);
	assert_null(ms_token_store_by_secret(&s, "dmac_secretD", &m));
	assert_int_equal(m, MS_SECRET_NONE);
	assert_null(ms_token_store_by_secret(&s, "dmac_secret", &m));
	assert_int_equal(m, MS_SECRET_NONE);
	ms_token_store_release(&s);
	assert_int_equal(s.count, 0);
}


static void test_token_store_refuses_duplicates(void **state)
{
	struct ms_token_store s;
	struct ms_token *a = tok_new("id-a", "dmac_same", "alpha");
	struct ms_token *same_secret = tok_new("id-b", "dmac_same", "beta");
	struct ms_token *same_id = tok_new("id-a", "dmac_other", "gamma");
	enum ms_secret_match m;

	(void)state;
	ms_token_store_init(&s);
	assert_int_equal(ms_token_store_add(&s, a), 0);
	assert_int_equal(ms_token_store_add(&s, same_secret), -1);
	assert_int_equal(ms_token_store_add(&s, same_id), -1);
	assert_int_equal(s.count, 1);

	/* Nothing of the refused tokens was indexed. */
	assert_ptr_equal(ms_token_store_by_id(&s, "id-a"), a);
	assert_null(ms_token_store_by_id(&s, "id-b"));
	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_same", &m), a);
	assert_null(ms_token_store_by_secret(&s, "dmac_other", &m));
	assert_null(ms_token_store_by_label(&s, "gamma"));

	/* They are still ours to free; ASan tells if the store kept them. */
	ms_token_free(same_secret);
	ms_token_free(same_id);
	ms_token_store_release(&s);
}


static void test_token_store_rekey_retires_old(void **state)
{
	struct ms_token_store s;
	struct ms_token *a = tok_new("id-a", "dmac_old", "alpha");
	struct ms_token *b = tok_new("id-b", "dmac_b", "beta");
	char *dup = strdup("dmac_b");
	enum ms_secret_match m;

	(void)state;
	ms_token_store_init(&s);
	assert_int_equal(ms_token_store_add(&s, a), 0);
	assert_int_equal(ms_token_store_add(&s, b), 0);
	assert_int_equal(ms_token_store_rekey(&s, a, strdup("dmac_new")), 0);
	assert_string_equal(a->secret, "dmac_new");

	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_new", &m), a);
	assert_int_equal(m, MS_SECRET_CURRENT);
	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_old", &m), a);
	assert_int_equal(m, MS_SECRET_RETIRED);

	/* Twice: both earlier secrets are retired. */
	assert_int_equal(ms_token_store_rekey(&s, a, strdup("dmac_3rd")), 0);
	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_new", &m), a);
	assert_int_equal(m, MS_SECRET_RETIRED);
	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_old", &m), a);
	assert_int_equal(m, MS_SECRET_RETIRED);
	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_3rd", &m), a);
	assert_int_equal(m, MS_SECRET_CURRENT);

	/* A known secret is refused and stays the caller's. */
	assert_int_equal(ms_token_store_rekey(&s, a, dup), -1);
	assert_string_equal(a->secret, "dmac_3rd");
	assert_ptr_equal(ms_token_store_by_secret(&s, "dmac_b", &m), b);
	assert_int_equal(m, MS_SECRET_CURRENT);
	free(dup);

	/* A retired secret cannot come back either. */
	dup = strdup("dmac_old");
	assert_int_equal(ms_token_store_rekey(&s, b, dup), -1);
	free(dup);
	ms_token_store_release(&s);
}


/* A fill that gives copy 1 a new id and a secret of the same length
 * (its first 11 characters changed, which it says), and fails on copy
 * fail_at. */
struct fill_arg {
	size_t calls;
	size_t fail_at;
	const char *id_for_1;
};

static int fill_some(struct ms_token *copy, size_t index, void *arg)
{
	struct fill_arg *f = arg;

	f->calls++;
	if (index == f->fail_at)
		return -1;
	if (index == 1) {
		strcpy(copy->id, f->id_for_1);
		memcpy(copy->secret, "dmac_filled", strlen("dmac_filled"));
		return 1;
	}
	return 0;
}


static void test_token_store_copy_shares_nothing(void **state)
{
	struct ms_token_store src, dst;
	struct ms_token *a = tok_new("id-a", "dmac_old", "alpha");
	struct ms_token *b = tok_new("id-b", "dmac_secretB", "beta");
	struct fill_arg f = {0, 99, "id-new"};
	enum ms_secret_match m;

	(void)state;
	free(b->created_by);
	b->created_by = NULL;
	ms_token_store_init(&src);
	assert_int_equal(ms_token_store_add(&src, a), 0);
	assert_int_equal(ms_token_store_add(&src, b), 0);
	assert_int_equal(ms_token_store_rekey(&src, a, strdup("dmac_new")), 0);
	assert_int_equal(ms_token_store_copy(&dst, &src, fill_some, &f), 0);
	assert_int_equal(f.calls, 2);
	assert_int_equal(dst.count, 2);

	/* Equal, but nowhere the same memory. */
	assert_string_equal(dst.items[0]->id, "id-a");
	assert_string_equal(dst.items[0]->secret, "dmac_new");
	assert_ptr_not_equal(dst.items[0], a);
	assert_ptr_not_equal(dst.items[0]->secret, a->secret);
	assert_ptr_not_equal(dst.items[0]->label, a->label);
	assert_null(dst.items[1]->created_by);

	/* The fill's changes are what the copy is found by. */
	assert_string_equal(dst.items[1]->secret, "dmac_filledB");
	assert_ptr_equal(ms_token_store_by_id(&dst, "id-new"), dst.items[1]);
	assert_null(ms_token_store_by_id(&dst, "id-b"));
	assert_ptr_equal(ms_token_store_by_secret(&dst, "dmac_filledB", &m),
			 dst.items[1]);
	assert_null(ms_token_store_by_secret(&dst, "dmac_secretB", &m));
	/* The retired secret is not copied. */
	assert_null(ms_token_store_by_secret(&dst, "dmac_old", &m));

	/* Change the copy: the source does not see it, and the other way. */
	dst.items[0]->revoked = true;
	assert_int_equal(ms_token_store_rekey(&dst, dst.items[0],
					      strdup("dmac_third")), 0);
	assert_false(a->revoked);
	assert_string_equal(a->secret, "dmac_new");
	assert_null(ms_token_store_by_secret(&src, "dmac_third", &m));
	b->revoked = true;
	assert_false(dst.items[1]->revoked);

	/* Freed apart: ASan tells if anything was shared. */
	ms_token_store_release(&src);
	assert_ptr_equal(ms_token_store_by_secret(&dst, "dmac_new", &m),
			 dst.items[0]);
	assert_int_equal(m, MS_SECRET_RETIRED);
	assert_string_equal(dst.items[1]->label, "beta");
	/* A token added after the copy lives beside the block's. */
	assert_int_equal(ms_token_store_add(&dst, tok_new("id-c", "dmac_c",
							  "gamma")), 0);
	assert_ptr_equal(ms_token_store_by_id(&dst, "id-c"), dst.items[2]);
	ms_token_store_release(&dst);
}


/* A copy of a copy is made from its one block: the same tokens, found
 * by id and secret, sharing nothing with either; a rekey or an add
 * makes a copy token by token again. */
static void test_token_store_copy_of_a_copy(void **state)
{
	struct ms_token_store src, mid, dst, again;
	struct fill_arg f = {0, 99, "id-new"};
	enum ms_secret_match m;

	(void)state;
	ms_token_store_init(&src);
	assert_int_equal(ms_token_store_add(
		&src, tok_new("id-a", "dmac_secretA", "alpha")), 0);
	assert_int_equal(ms_token_store_add(
		&src, tok_new("id-b", "dmac_secretB", "beta")), 0);
	assert_false(src.packed);
	assert_int_equal(ms_token_store_copy(&mid, &src, NULL, NULL), 0);
	ms_token_store_release(&src);
	assert_true(mid.packed);

	assert_int_equal(ms_token_store_copy(&dst, &mid, fill_some, &f), 0);
	assert_int_equal(dst.count, 2);
	assert_ptr_not_equal(dst.items[0]->label, mid.items[0]->label);
	assert_ptr_equal(ms_token_store_by_secret(&dst, "dmac_secretA", &m),
			 dst.items[0]);
	assert_ptr_equal(ms_token_store_by_secret(&dst, "dmac_filledB", &m),
			 dst.items[1]);
	assert_null(ms_token_store_by_secret(&dst, "dmac_secretB", &m));
	assert_ptr_equal(ms_token_store_by_id(&dst, "id-new"), dst.items[1]);
	ms_token_store_release(&mid);
	/* Freed apart: ASan tells if the pointers were not all moved. */
	assert_string_equal(dst.items[0]->label, "alpha");
	assert_string_equal(dst.items[1]->workspace_id, "ws-1");
	assert_string_equal(dst.items[0]->created_by, "acc-alice");
	assert_string_equal(dst.items[1]->expiry, "P3M");

	assert_int_equal(ms_token_store_rekey(&dst, dst.items[0],
					      strdup("dmac_rekeyedA")), 0);
	assert_false(dst.packed);
	assert_int_equal(ms_token_store_copy(&again, &dst, NULL, NULL), 0);
	ms_token_store_release(&dst);
	assert_ptr_equal(ms_token_store_by_secret(&again, "dmac_rekeyedA",
						  &m), again.items[0]);
	assert_string_equal(again.items[1]->secret, "dmac_filledB");
	ms_token_store_release(&again);
}


/* A fill that fails, or copies that end up with one id, fail the copy
 * and leave the destination empty. */
static void test_token_store_copy_failures(void **state)
{
	struct ms_token_store src, dst;
	struct fill_arg fails = {0, 1, "id-x"};
	struct fill_arg same_id = {0, 99, "id-a"};

	(void)state;
	ms_token_store_init(&src);
	assert_int_equal(ms_token_store_add(
		&src, tok_new("id-a", "dmac_secretA", "alpha")), 0);
	assert_int_equal(ms_token_store_add(
		&src, tok_new("id-b", "dmac_secretB", "beta")), 0);
	assert_int_equal(ms_token_store_copy(&dst, &src, fill_some, &fails),
			 -1);
	assert_int_equal(dst.count, 0);
	assert_null(dst.block);
	assert_int_equal(ms_token_store_copy(&dst, &src, fill_some,
					     &same_id), -1);
	assert_int_equal(dst.count, 0);
	assert_int_equal(ms_token_store_copy(&dst, &src, NULL, NULL), 0);
	assert_int_equal(dst.count, 2);
	ms_token_store_release(&dst);
	ms_token_store_release(&src);
}


static void test_token_status_over_time(void **state)
{
	struct ms_token *t = tok_new("id-a", "dmac_x", "alpha");
	ms_time_t exp = at("2026-04-15T09:00:00.000Z");

	(void)state;
	t->expires_at = exp;
	assert_int_equal(ms_token_status(t, at("2026-01-15T09:00:00.000Z")),
			 MS_TOKEN_ACTIVE);
	assert_int_equal(ms_token_status(t, exp - 1), MS_TOKEN_ACTIVE);
	assert_int_equal(ms_token_status(t, exp), MS_TOKEN_EXPIRED);
	assert_int_equal(ms_token_status(t, exp + 1), MS_TOKEN_EXPIRED);

	/* Revoked wins over both. */
	t->revoked = true;
	assert_int_equal(ms_token_status(t, exp - 1), MS_TOKEN_REVOKED);
	assert_int_equal(ms_token_status(t, exp), MS_TOKEN_REVOKED);
	assert_int_equal(ms_token_status(t, exp + 1), MS_TOKEN_REVOKED);
	ms_token_free(t);
}


static void test_token_to_json_fields(void **state)
{
	struct ms_token *t = tok_new("id-a", "dmac_x", "alpha");
	ms_time_t now = at("2026-02-01T00:00:00.000Z");
	cJSON *o;

	(void)state;
	o = ms_token_to_json(t, now, false);
	assert_non_null(o);
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "id")), "id-a");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "label")), "alpha");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "type")),
		"ADAPTERS_CLIENT");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "expiry")), "P3M");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "createdAt")),
		"2026-01-15T09:00:00.000Z");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "expiresAt")),
		"2026-04-15T09:00:00.000Z");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "createdBy")),
		"acc-alice");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "status")), "ACTIVE");
	assert_true(cJSON_IsNull(
		cJSON_GetObjectItemCaseSensitive(o, "lastUsedAt")));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "token"));
	cJSON_Delete(o);

	/* Used, expired, and shown at creation: secret and times. */
	t->last_used_at = at("2026-03-01T12:34:56.789Z");
	o = ms_token_to_json(t, t->expires_at, true);
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "token")), "dmac_x");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "lastUsedAt")),
		"2026-03-01T12:34:56.789Z");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "status")), "EXPIRED");
	cJSON_Delete(o);

	/* A fixture token has no creator. */
	free(t->created_by);
	t->created_by = NULL;
	t->revoked = true;
	o = ms_token_to_json(t, now, false);
	assert_true(cJSON_IsNull(
		cJSON_GetObjectItemCaseSensitive(o, "createdBy")));
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "status")), "REVOKED");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "token"));
	cJSON_Delete(o);
	ms_token_free(t);
}


static void test_token_store_large(void **state)
{
	struct ms_token_store s;
	struct ms_rng r;
	char **ids = malloc(BIG_STORE / 1000 * sizeof(*ids));
	char **secrets = malloc(BIG_STORE / 1000 * sizeof(*secrets));
	enum ms_secret_match m;

	(void)state;
	assert_non_null(ids);
	assert_non_null(secrets);
	ms_token_store_init(&s);
	ms_rng_init(&r, true, 1, "big");
	for (size_t i = 0; i < BIG_STORE; i++) {
		struct ms_token *t = calloc(1, sizeof(*t));
		assert_non_null(t);
		ms_rng_uuid(&r, t->id);
		t->type = (enum ms_token_type)(i % MS_TOKEN_TYPE_COUNT);
		t->secret = ms_token_secret_new(&r, t->type);
		t->last_used_at = MS_NEVER;
		assert_non_null(t->secret);
		assert_int_equal(ms_token_store_add(&s, t), 0);
		if (i % 1000 == 0) {
			ids[i / 1000] = t->id;
			secrets[i / 1000] = t->secret;
		}
	}
	assert_int_equal(s.count, BIG_STORE);
	for (size_t k = 0; k < BIG_STORE / 1000; k++) {
		struct ms_token *t = s.items[k * 1000];
		assert_ptr_equal(ms_token_store_by_id(&s, ids[k]), t);
		assert_ptr_equal(ms_token_store_by_secret(&s, secrets[k], &m),
				 t);
		assert_int_equal(m, MS_SECRET_CURRENT);
	}
	ms_token_store_release(&s);
	free(ids);
	free(secrets);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_type_keys_round_trip),
		cmocka_unit_test(test_token_type_parse_refuses_unknown),
		cmocka_unit_test(test_token_status_keys_round_trip),
		cmocka_unit_test(test_token_label_ascii_limit),
		cmocka_unit_test(test_token_label_counts_code_points),
		cmocka_unit_test(test_token_label_trims_white_space),
		cmocka_unit_test(test_token_label_refuses_blank),
		cmocka_unit_test(test_token_label_refuses_bad_utf8),
		cmocka_unit_test(test_token_label_refuses_control),
		cmocka_unit_test(test_token_label_refuses_c1_control),
		cmocka_unit_test(test_token_secret_new_shape),
		cmocka_unit_test(test_token_secret_new_distinct_prefixes),
		cmocka_unit_test(
			test_token_secret_new_deterministic_when_seeded),
		cmocka_unit_test(test_token_secret_wellformed_refuses),
		cmocka_unit_test(test_token_secret_equal),
		cmocka_unit_test(test_token_secret_equal_every_place),
		cmocka_unit_test(test_token_store_add_and_find),
		cmocka_unit_test(test_token_store_refuses_duplicates),
		cmocka_unit_test(test_token_store_rekey_retires_old),
		cmocka_unit_test(test_token_store_copy_shares_nothing),
		cmocka_unit_test(test_token_store_copy_of_a_copy),
		cmocka_unit_test(test_token_store_copy_failures),
		cmocka_unit_test(test_token_status_over_time),
		cmocka_unit_test(test_token_to_json_fields),
		cmocka_unit_test(test_token_store_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
