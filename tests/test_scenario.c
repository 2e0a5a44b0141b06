/*
 * test_scenario: loading, checking, applying and dumping scenarios.
 *
 * The shipped scenarios are loaded from the top of the tree (tests/run.sh
 * runs every test from there). Every other input is written by the test
 * itself into a temporary folder, next to the line and column it expects,
 * so that each expectation can be read against its text. One test runs
 * `dm-mockserver check` and `-s` ($DM_MOCKSERVER_BIN, else
 * build/dm-mockserver) to see the same error reach the command line.
 */
#include "testutil.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario.h"
#include "state.h"

static char tmpdir[64];


static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}


static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_scenario.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}


static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}


/* Write text to name in the temporary folder; its path into path. */
static void put(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}


/* What an error is expected to say. */
struct want {
	const char *file;     /* name in the temporary folder */
	int line, column;
	const char *path;
	const char *message;  /* a fragment of it */
};


static void assert_error(const struct ms_scenario_error *err,
			 const struct want *w)
{
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/%s", tmpdir, w->file);
	assert_string_equal(err->file, file);
	assert_int_equal(err->line, w->line);
	assert_int_equal(err->column, w->column);
	assert_string_equal(err->path, w->path);
	if (!strstr(err->message, w->message))
		fail_msg("message \"%s\" lacks \"%s\"", err->message,
			 w->message);
}


/* Write text as name, load it, and expect it refused as w says. */
static void expect_refused(const char *name, const char *text,
			   const struct want *w)
{
	struct ms_scenario_error err;
	char path[PATH_MAX];
	cJSON *doc;

	put(name, text, path, sizeof(path));
	doc = ms_scenario_load(path, &err);
	assert_null(doc);
	assert_error(&err, w);
}


/* Write text as name and load it, expecting success. */
static cJSON *expect_loaded(const char *name, const char *text)
{
	struct ms_scenario_error err;
	char path[PATH_MAX], msg[2048];
	cJSON *doc;

	put(name, text, path, sizeof(path));
	doc = ms_scenario_load(path, &err);
	if (!doc) {
		ms_scenario_error_format(&err, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	return doc;
}


/* Apply doc to st (fresh from ms_state_init), seeded with tenant. */
static void apply(const cJSON *doc, struct ms_state *st, bool seeded,
		  const char *tenant)
{
	struct ms_scenario_opts opts = { seeded, 42, tenant };
	struct ms_scenario_error err;

	ms_state_init(st);
	assert_int_equal(ms_scenario_apply(doc, st, &opts, &err), 0);
}


static ms_time_t at(const char *text)
{
	ms_time_t t = 0;

	assert_int_equal(ms_time_parse(text, &t), 0);
	return t;
}


static void test_scenario_loads_default(void **state)
{
	struct ms_scenario_error err;
	cJSON *doc = ms_scenario_load("scenarios/default.json", &err);
	struct ms_state st;
	ms_time_t start = at("2026-01-15T09:00:00.000Z");

	(void)state;
	assert_non_null(doc);
	apply(doc, &st, false, "default");
	assert_string_equal(st.scenario_name, "default");
	assert_true(st.initialized);
	assert_string_equal(st.initialized_by, "acc-ada");
	assert_int_equal(st.clock.base, start);
	assert_false(st.clock.frozen);
	assert_int_equal(st.nusers, 7);
	assert_int_equal(st.ngroups, 2);
	assert_int_equal(st.tokens.count, 3);
	for (size_t i = 0; i < st.tokens.count; i++) {
		assert_int_equal(ms_token_status(st.tokens.items[i], start),
				 MS_TOKEN_ACTIVE);
		assert_string_equal(st.tokens.items[i]->workspace_id,
				    st.workspace_id);
	}
	assert_true(ms_state_user_has_role(&st, ms_state_user(&st, "acc-gail"),
					   "DATA_MANAGER_ADMIN"));
	assert_true(ms_state_user_may(&st, ms_state_user(&st, "acc-jira"),
				      "datamanager.initialize"));
	assert_false(ms_state_user_has_role(&st,
					    ms_state_user(&st, "acc-nora"),
					    "ADAPTERS_ADMIN"));
	assert_false(ms_state_user(&st, "acc-ghost")->assets_visible);
	assert_false(ms_state_group(&st, "hidden-group")->assets_visible);
	ms_state_release(&st);
	cJSON_Delete(doc);
}


static void test_scenario_loads_fresh_site(void **state)
{
	struct ms_scenario_error err;
	cJSON *doc = ms_scenario_load("scenarios/fresh-site.json", &err);
	struct ms_state st;

	(void)state;
	assert_non_null(doc);
	apply(doc, &st, false, "default");
	assert_string_equal(st.scenario_name, "fresh-site");
	assert_false(st.initialized);
	assert_int_equal(st.initialized_at, MS_NEVER);
	assert_int_equal(st.tokens.count, 0);
	assert_int_equal(st.nusers, 7);
	assert_true(ms_strv_has(&ms_state_role(&st, "ADAPTERS_ADMIN")->users,
				"acc-ada"));
	ms_state_release(&st);
	cJSON_Delete(doc);
}


static void test_scenario_syntax_error(void **state)
{
	static const struct want w = {
		"syntax.json", 4, 23, "", "expected a key in double quotes"
	};

	(void)state;
	expect_refused("syntax.json",
		       "{\n"
		       "  \"name\": \"x\",\n"
		       "  \"users\": [\n"
		       "    {\"accountId\": \"a\",}\n"
		       "  ]\n"
		       "}\n", &w);
}


/* Nested past 64 levels is refused at the 65th, however deep: past
 * cJSON's own limit of 1000 too, and before a later syntax error. */
static void test_scenario_nested_too_deep(void **state)
{
	static const struct want w = {
		"deep.json", 1, 74, "", "nested more than 64 levels deep"
	};
	char text[2 * 1001 + 16];
	size_t n = 0;

	(void)state;
	for (int depth = 70; depth <= 1001; depth += 931) {
		n = 0;
		memcpy(text + n, "{\"users\": ", 10);
		n += 10;
		for (int i = 0; i < depth; i++)
			text[n++] = '[';
		for (int i = 0; i < depth; i++)
			text[n++] = ']';
		memcpy(text + n, "}\n", 3);
		text[n + 3] = '\0';
		expect_refused("deep.json", text, &w);
	}
	/* A syntax error after the 65th level: the depth comes first. */
	text[n - 1] = ',';
	expect_refused("deep.json", text, &w);
}


static void test_scenario_truncated(void **state)
{
	static const struct want w = {
		"truncated.json", 2, 15, "", "ends too early"
	};

	(void)state;
	expect_refused("truncated.json", "{\n  \"name\": \"x\",", &w);
}


static void test_scenario_wrong_type(void **state)
{
	static const struct want w = {
		"type.json", 3, 37, "users[0].jiraAdmin",
		"expected true or false, found a string"
	};

	(void)state;
	expect_refused("type.json",
		       "{\n"
		       "  \"users\": [\n"
		       "    {\"accountId\": \"a\", \"jiraAdmin\": \"yes\"}\n"
		       "  ]\n"
		       "}\n", &w);
}


static void test_scenario_unknown_key(void **state)
{
	static const struct want w = {
		"unknown.json", 3, 3, "colck",
		"unknown key 'colck'; expected one of name, description"
	};

	(void)state;
	expect_refused("unknown.json",
		       "{\n"
		       "  \"name\": \"x\",\n"
		       "  \"colck\": {\"start\": \"now\"}\n"
		       "}\n", &w);
}


static void test_scenario_missing_account_id(void **state)
{
	static const struct want w = {
		"missing.json", 4, 5, "users[1].accountId",
		"missing required key 'accountId'"
	};

	(void)state;
	expect_refused("missing.json",
		       "{\n"
		       "  \"users\": [\n"
		       "    {\"accountId\": \"a\"},\n"
		       "    {\"displayName\": \"B\"}\n"
		       "  ]\n"
		       "}\n", &w);
}


static void test_scenario_duplicate_account_id(void **state)
{
	static const struct want w = {
		"dup.json", 5, 19, "users[2].accountId",
		"duplicate accountId 'a': users[0]"
	};

	(void)state;
	expect_refused("dup.json",
		       "{\n"
		       "  \"users\": [\n"
		       "    {\"accountId\": \"a\"},\n"
		       "    {\"accountId\": \"b\"},\n"
		       "    {\"accountId\": \"a\"}\n"
		       "  ]\n"
		       "}\n", &w);
}


static void test_scenario_role_names_unknown_user(void **state)
{
	static const struct want w = {
		"role.json", 4, 39, "roles.ADAPTERS_ADMIN.users[1]",
		"no user has accountId 'zed'"
	};

	(void)state;
	expect_refused("role.json",
		       "{\n"
		       "  \"users\": [{\"accountId\": \"a\"}],\n"
		       "  \"roles\": {\n"
		       "    \"ADAPTERS_ADMIN\": {\"users\": [\"a\", \"zed\"]}\n"
		       "  }\n"
		       "}\n", &w);
}


static void test_scenario_bad_period(void **state)
{
	static const struct want bad = {
		"period.json", 2, 35, "expiryOptions[2]",
		"expected an ISO-8601 period"
	};
	static const struct want zero = {
		"zero.json", 2, 35, "expiryOptions[2]",
		"longer than zero"
	};

	(void)state;
	expect_refused("period.json",
		       "{\n"
		       "  \"expiryOptions\": [\"P1M\", \"P3M\", \"3 months\"]\n"
		       "}\n", &bad);
	expect_refused("zero.json",
		       "{\n"
		       "  \"expiryOptions\": [\"P1M\", \"P3M\", \"P0D\"]\n"
		       "}\n", &zero);
}


static void test_scenario_default_expiry_not_an_option(void **state)
{
	static const struct want given = {
		"default.json", 3, 20, "defaultExpiry",
		"expected one of the expiryOptions (P1M, P6M), found 'P3M'"
	};
	static const struct want implied = {
		"implied.json", 2, 20, "expiryOptions",
		"the default expiry P3M is not among the options"
	};

	(void)state;
	expect_refused("default.json",
		       "{\n"
		       "  \"expiryOptions\": [\"P1M\", \"P6M\"],\n"
		       "  \"defaultExpiry\": \"P3M\"\n"
		       "}\n", &given);
	expect_refused("implied.json",
		       "{\n"
		       "  \"expiryOptions\": [\"P1M\", \"P6M\"]\n"
		       "}\n", &implied);
}


/* A scenario with one BASIC_AUTH token labelled n times 'x'. */
static void label_text(size_t n, char *buf, size_t len)
{
	char label[300];

	memset(label, 'x', n);
	label[n] = '\0';
	snprintf(buf, len, "{\"tokens\": [{\"type\": \"BASIC_AUTH\", "
		 "\"label\": \"%s\"}]}", label);
}


static void test_scenario_label_length(void **state)
{
	static const struct want w = {
		"label256.json", 1, 45, "tokens[0].label", "bad label"
	};
	char text[600];

	(void)state;
	label_text(255, text, sizeof(text));
	cJSON_Delete(expect_loaded("label255.json", text));
	label_text(256, text, sizeof(text));
	expect_refused("label256.json", text, &w);
}


static void test_scenario_bad_secret(void **state)
{
	static const struct want malformed = {
		"secret.json", 4, 13, "tokens[0].secret",
		"expected a well-formed token secret"
	};
	static const struct want prefix = {
		"prefix.json", 4, 13, "tokens[0].secret",
		"expected a secret starting with 'dmac_'"
	};

	(void)state;
	expect_refused("secret.json",
		       "{\"tokens\": [{\n"
		       "  \"label\": \"x\",\n"
		       "  \"type\": \"ADAPTERS_CLIENT\",\n"
		       "  \"secret\": \"dmac_not base64\"\n"
		       "}]}\n", &malformed);
	expect_refused("prefix.json",
		       "{\"tokens\": [{\n"
		       "  \"label\": \"x\",\n"
		       "  \"type\": \"ADAPTERS_CLIENT\",\n"
		       "  \"secret\": \"dmci_oNjG1E6fEmyaaUIsdsCLRltf61\"\n"
		       "}]}\n", &prefix);
}


static void test_scenario_include_missing_file(void **state)
{
	static const struct want w = {
		"missinc.json", 2, 37, "include[1]",
		"cannot read '"
	};
	char path[PATH_MAX];

	(void)state;
	put("empty-fixture.json", "{}\n", path, sizeof(path));
	expect_refused("missinc.json",
		       "{\n"
		       "  \"include\": [\"empty-fixture.json\", "
		       "\"nowhere.json\"]\n"
		       "}\n", &w);
}


static void test_scenario_include_cycle(void **state)
{
	static const struct want w = {
		"cycle-b.json", 1, 14, "include[0]",
		"include cycle: "
	};
	char path[PATH_MAX];

	(void)state;
	put("cycle-b.json", "{\"include\": [\"cycle-a.json\"]}\n", path,
	    sizeof(path));
	expect_refused("cycle-a.json", "{\"include\": [\"cycle-b.json\"]}\n",
		       &w);
}


static void test_scenario_error_in_fixture_names_it(void **state)
{
	static const struct want w = {
		"bad-fixture.json", 4, 34, "users[1].email",
		"expected an email address"
	};
	char path[PATH_MAX];

	(void)state;
	put("bad-fixture.json",
	    "{\n"
	    "  \"users\": [\n"
	    "    {\"accountId\": \"f1\"},\n"
	    "    {\"accountId\": \"f2\", \"email\": \"no-at-sign\"}\n"
	    "  ]\n"
	    "}\n", path, sizeof(path));
	expect_refused("with-bad-fixture.json",
		       "{\n"
		       "  \"include\": [\"bad-fixture.json\"],\n"
		       "  \"users\": [{\"accountId\": \"top\"}]\n"
		       "}\n", &w);
}


static void test_scenario_fixture_refuses_scenario_keys(void **state)
{
	static const struct want w = {
		"clock-fixture.json", 1, 2, "clock",
		"unknown key 'clock'"
	};
	char path[PATH_MAX];

	(void)state;
	put("clock-fixture.json", "{\"clock\": {\"start\": \"now\"}}\n", path,
	    sizeof(path));
	expect_refused("with-clock-fixture.json",
		       "{\"include\": [\"clock-fixture.json\"]}\n", &w);
}


/* Duplicates across files name the file of the repeat and the first. */
static void test_scenario_duplicate_across_files(void **state)
{
	static const struct want w = {
		"dup-top.json", 3, 27, "users[0].accountId",
		"users[1] ("
	};
	char path[PATH_MAX];

	(void)state;
	put("dup-fixture.json",
	    "{\"users\": [{\"accountId\": \"x\"}, {\"accountId\": \"a\"}]}\n",
	    path, sizeof(path));
	expect_refused("dup-top.json",
		       "{\n"
		       "  \"include\": [\"dup-fixture.json\"],\n"
		       "  \"users\": [{\"accountId\": \"a\"}]\n"
		       "}\n", &w);
}


static void test_scenario_include_merge_order(void **state)
{
	char path[PATH_MAX];
	struct ms_state st;
	cJSON *doc;

	(void)state;
	put("merge-a.json",
	    "{\"users\": [{\"accountId\": \"a1\"}],"
	    " \"roles\": {\"ADAPTERS_ADMIN\": {\"users\": [\"a1\"]},"
	    " \"AUDITOR\": {\"name\": \"Auditor\", \"users\": [\"a1\"]}}}\n",
	    path, sizeof(path));
	put("merge-b.json", "{\"users\": [{\"accountId\": \"b1\"}]}\n", path,
	    sizeof(path));
	doc = expect_loaded("merge.json",
			    "{\"include\": [\"merge-a.json\","
			    " \"merge-b.json\"],"
			    " \"users\": [{\"accountId\": \"r1\"}],"
			    " \"roles\": {\"ADAPTERS_ADMIN\":"
			    " {\"users\": [\"r1\"]}}}\n");
	assert_null(cJSON_GetObjectItem(doc, "include"));
	assert_string_equal(cJSON_GetObjectItem(doc, "name")->valuestring,
			    "merge");
	apply(doc, &st, false, "default");
	assert_int_equal(st.nusers, 3);
	assert_string_equal(st.users[0].account_id, "a1");
	assert_string_equal(st.users[1].account_id, "b1");
	assert_string_equal(st.users[2].account_id, "r1");
	assert_int_equal(ms_state_role(&st, "ADAPTERS_ADMIN")->users.n, 1);
	assert_string_equal(ms_state_role(&st, "ADAPTERS_ADMIN")->users.v[0],
			    "r1");
	assert_string_equal(ms_state_role(&st, "AUDITOR")->name, "Auditor");
	ms_state_release(&st);
	cJSON_Delete(doc);
}


static void test_scenario_keeps_scripted_keys(void **state)
{
	static const char rules[] =
		"[{\"name\": \"hiccup\", \"match\": {\"path\": \"**\"},"
		" \"respond\": {\"status\": 503}}]";
	char text[512];
	cJSON *doc, *want;

	(void)state;
	snprintf(text, sizeof(text), "{\"rules\": %s, \"events\": [],"
		 " \"expect\": [], \"rateLimit\": {\"limit\": 10, "
		 "\"window\": \"PT1M\"}}", rules);
	doc = expect_loaded("scripted.json", text);
	want = cJSON_Parse(rules);
	assert_true(cJSON_Compare(cJSON_GetObjectItem(doc, "rules"), want,
				  1));
	assert_non_null(cJSON_GetObjectItem(doc, "rateLimit"));
	cJSON_Delete(want);
	cJSON_Delete(doc);
}


static void test_scenario_parse_refuses_include(void **state)
{
	static const char text[] = "{\n  \"include\": [\"a.json\"]\n}";
	struct ms_scenario_error err;

	(void)state;
	assert_null(ms_scenario_parse(text, strlen(text), &err));
	assert_string_equal(err.file, "");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 14);
	assert_string_equal(err.path, "include");
	assert_non_null(strstr(err.message, "not allowed"));
}


static const char seeded_text[] =
	"{\"tokens\": ["
	"{\"label\": \"one\", \"type\": \"ADAPTERS_CLIENT\"},"
	"{\"label\": \"two\", \"type\": \"CLEANSE_AND_IMPORT\"}]}";


static void test_scenario_seeded_secrets(void **state)
{
	struct ms_scenario_error err;
	cJSON *doc = ms_scenario_parse(seeded_text, strlen(seeded_text), &err);
	struct ms_state a, b, c;

	(void)state;
	assert_non_null(doc);
	apply(doc, &a, true, "t1");
	apply(doc, &b, true, "t1");
	apply(doc, &c, true, "t2");
	for (size_t i = 0; i < 2; i++) {
		const struct ms_token *ta = a.tokens.items[i];

		assert_string_equal(ta->secret, b.tokens.items[i]->secret);
		assert_string_equal(ta->id, b.tokens.items[i]->id);
		assert_string_not_equal(ta->secret, c.tokens.items[i]->secret);
		assert_string_not_equal(ta->id, c.tokens.items[i]->id);
		assert_true(ms_token_secret_wellformed(ta->secret));
	}
	assert_int_equal(strncmp(a.tokens.items[1]->secret, "dmci_", 5), 0);
	ms_state_release(&a);
	ms_state_release(&b);
	ms_state_release(&c);
	cJSON_Delete(doc);
}


static void assert_same_token(const struct ms_token *x,
			      const struct ms_token *y)
{
	assert_string_equal(x->id, y->id);
	assert_string_equal(x->label, y->label);
	assert_int_equal(x->type, y->type);
	assert_string_equal(x->secret, y->secret);
	assert_string_equal(x->expiry, y->expiry);
	assert_int_equal(x->created_at, y->created_at);
	assert_int_equal(x->expires_at, y->expires_at);
	assert_int_equal(x->last_used_at, y->last_used_at);
	assert_int_equal(x->revoked, y->revoked);
	assert_string_equal(x->workspace_id, y->workspace_id);
	if (x->created_by || y->created_by)
		assert_string_equal(x->created_by, y->created_by);
}


/* The state after some requests: a new token, one revoked, one used,
 * one moved to expire now, the clock frozen past the start. */
static void make_history(struct ms_state *st)
{
	struct ms_token *t;
	struct ms_period p = { 0, 3600 * 1000 };

	vclock_advance(&st->clock, &p);
	vclock_freeze(&st->clock, true);
	t = ms_state_token_create(st, "made at run time", MS_TOKEN_BASIC_AUTH,
				  "P1M", "acc-ada");
	assert_non_null(t);
	st->tokens.items[0]->revoked = true;
	st->tokens.items[1]->last_used_at = vclock_now(&st->clock);
	st->tokens.items[2]->expires_at = vclock_now(&st->clock);
}


static void test_scenario_round_trip(void **state)
{
	struct ms_scenario_error err;
	cJSON *doc = ms_scenario_load("scenarios/default.json", &err), *back;
	struct ms_state a, b;
	char *text;

	(void)state;
	assert_non_null(doc);
	apply(doc, &a, true, "trip");
	make_history(&a);
	back = ms_scenario_from_state(&a);
	assert_non_null(back);
	text = cJSON_Print(back);
	cJSON_Delete(back);
	back = ms_scenario_parse(text, strlen(text), &err);
	if (!back)
		fail_msg("%s: %s", err.path, err.message);
	apply(back, &b, true, "trip");

	assert_int_equal(b.tokens.count, a.tokens.count);
	for (size_t i = 0; i < a.tokens.count; i++)
		assert_same_token(a.tokens.items[i], b.tokens.items[i]);
	assert_int_equal(b.clock.base, vclock_now(&a.clock));
	assert_true(b.clock.frozen);
	assert_int_equal(b.nusers, a.nusers);
	assert_int_equal(b.nperms, a.nperms);
	assert_int_equal(b.initialized_at, a.initialized_at);
	assert_string_equal(b.workspace_id, a.workspace_id);
	assert_string_equal(b.scenario_name, a.scenario_name);
	assert_true(ms_state_user_has_role(&b, ms_state_user(&b, "acc-gail"),
					   "DATA_MANAGER_ADMIN"));
	free(text);
	ms_state_release(&a);
	ms_state_release(&b);
	cJSON_Delete(back);
	cJSON_Delete(doc);
}


/* ---- Rules and events --------------------------------------------------- */

/* A text to load as a file, and the error it must give. */
struct refusal {
	const char *text;
	struct want w;
};


static void expect_refusals(const struct refusal *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_refused(r[i].w.file, r[i].text, &r[i].w);
}


static void test_scenario_rule_refusals(void **state)
{
	static const struct refusal r[] = {
		{ "{\"rules\": [\n"
		  "  {\"fault\": \"reset\"}\n"
		  "]}\n",
		  { "r-noname.json", 2, 3, "rules[0].name",
		    "missing required key 'name'" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\"},\n"
		  "  {\"name\": \"b\", \"fault\": \"reset\"},\n"
		  "  {\"name\": \"a\", \"fault\": \"empty\"}\n"
		  "]}\n",
		  { "r-dup.json", 4, 12, "rules[2].name",
		    "duplicate name 'a': rules[0] (" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"respond\": {\"status\": 600}}\n"
		  "]}\n",
		  { "r-status.json", 2, 39, "rules[0].respond.status",
		    "expected an HTTP status: a whole number from 200 to "
		    "599, found 600" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"delay\": \"PT61S\"}\n"
		  "]}\n",
		  { "r-delay.json", 2, 26, "rules[0].delay",
		    "at most 60 seconds" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"delay\": \"PT0S\"}\n"
		  "]}\n",
		  { "r-delay0.json", 2, 26, "rules[0].delay",
		    "longer than zero" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"boom\"}\n"
		  "]}\n",
		  { "r-fault.json", 2, 26, "rules[0].fault",
		    "expected a fault, one of reset, truncate, stall, "
		    "empty" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"respond\": {\"status\": 503}, "
		  "\"fault\": \"reset\"}\n"
		  "]}\n",
		  { "r-both.json", 2, 54, "rules[0].fault",
		    "a rule that responds cannot also fault" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"match\": {\"path\": \"**\"}}\n"
		  "]}\n",
		  { "r-idle.json", 2, 3, "rules[0]",
		    "a rule must respond, delay or fault" } },
		/* cJSON would cut the name at the \u0000, and check what is
		 * left: refused as HTTP bodies are, at the escape. */
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\\u0000\\r\\nX: 1\", \"fault\": "
		  "\"reset\"}\n"
		  "]}\n",
		  { "r-nul.json", 2, 14, "",
		    "invalid JSON: strings must not contain \\u0000" } },
		/* A name goes out as X-Mock-Rule: a line break in it would
		 * write headers of the scenario's choosing. */
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\\r\\nX-Injected: 1\", "
		  "\"fault\": \"reset\"}\n"
		  "]}\n",
		  { "r-crlf.json", 2, 12, "rules[0].name",
		    "expected a name without control characters: it is "
		    "sent as X-Mock-Rule" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\\u0085b\", \"fault\": \"reset\"}\n"
		  "]}\n",
		  { "r-nel.json", 2, 12, "rules[0].name",
		    "expected a name without control characters" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"respond\": {\"status\": 503,\n"
		  "   \"headers\": {\"X-A\": \"a\\u0001b\"}}}\n"
		  "]}\n",
		  { "r-hctl.json", 3, 23, "rules[0].respond.headers.X-A",
		    "expected a header value on one line, without control "
		    "characters" } },
	};

	(void)state;
	expect_refusals(r, sizeof(r) / sizeof(r[0]));
}


static void test_scenario_rule_match_refusals(void **state)
{
	static const struct refusal r[] = {
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\", "
		  "\"match\": {\"probability\": 0}}\n"
		  "]}\n",
		  { "m-prob.json", 2, 60, "rules[0].match.probability",
		    "expected a probability: a number greater than 0 and "
		    "at most 1" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\", "
		  "\"match\": {\"times\": 0}}\n"
		  "]}\n",
		  { "m-times.json", 2, 54, "rules[0].match.times",
		    "a whole number from 1 to 1000000000, found 0" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\", "
		  "\"match\": {\"after\": 1.5}}\n"
		  "]}\n",
		  { "m-after.json", 2, 54, "rules[0].match.after",
		    "a whole number from 0 to 1000000000, found 1.5" } },
		{ "{\"users\": [{\"accountId\": \"ada\"}],\n"
		  " \"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\", "
		  "\"match\": {\"user\": \"bob\"}}\n"
		  "]}\n",
		  { "m-user.json", 3, 53, "rules[0].match.user",
		    "no user has accountId 'bob'" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\", "
		  "\"match\": {\"method\": \"get\"}}\n"
		  "]}\n",
		  { "m-method.json", 2, 55, "rules[0].match.method",
		    "expected a method in capitals, one of GET, POST" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\", "
		  "\"match\": {\"path\": \"jsm/x\"}}\n"
		  "]}\n",
		  { "m-path.json", 2, 53, "rules[0].match.path",
		    "expected a path pattern starting with '/' or '*'" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"fault\": \"reset\", "
		  "\"match\": {\"path\": \""
		  "/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**"
		  "/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**"
		  "/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**"
		  "/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**"
		  "\"}}\n"
		  "]}\n",
		  { "m-path-long.json", 2, 53, "rules[0].match.path",
		    "expected a path pattern of at most 64 segments" } },
		{ "{\"rules\": [\n"
		  "  {\"name\": \"a\", \"respond\": {\"status\": 503, "
		  "\"headers\": {\"Retry After\": \"2\"}}}\n"
		  "]}\n",
		  { "m-header.json", 2, 56,
		    "rules[0].respond.headers.Retry After",
		    "bad header name 'Retry After'" } },
	};

	(void)state;
	expect_refusals(r, sizeof(r) / sizeof(r[0]));
}


/* The edges that pass: PT60S, probability 1, after 0. */
static void test_scenario_rule_edges_load(void **state)
{
	(void)state;
	cJSON_Delete(expect_loaded("e-edges.json",
				   "{\"rules\": [{\"name\": \"a\", "
				   "\"delay\": \"PT60S\", \"match\": "
				   "{\"probability\": 1, \"after\": 0, "
				   "\"times\": 1000000000}}]}\n"));
}


static void test_scenario_event_refusals(void **state)
{
	static const struct refusal r[] = {
		{ "{\"events\": [\n"
		  "  {\"name\": \"e\", \"on\": {\"afterRequests\": 1, "
		  "\"at\": \"2026-01-01T00:00:00Z\"},\n"
		  "   \"do\": [{\"setInitialized\": true}]}\n"
		  "]}\n",
		  { "v-both.json", 2, 50, "events[0].on.at",
		    "expected afterRequests or at, not both" } },
		{ "{\"events\": [\n"
		  "  {\"name\": \"e\", \"on\": {\"afterRequests\": 1}, "
		  "\"do\": []}\n"
		  "]}\n",
		  { "v-empty.json", 2, 51, "events[0].do",
		    "expected at least one action" } },
		{ "{\"events\": [\n"
		  "  {\"name\": \"e\", \"on\": {\"afterRequests\": 1},\n"
		  "   \"do\": [{\"advanceClock\": \"P1D\"}, "
		  "{\"explode\": true}]}\n"
		  "]}\n",
		  { "v-unknown.json", 3, 37, "events[0].do[1].explode",
		    "unknown action 'explode'; expected one of "
		    "advanceClock, setClock, revokeToken" } },
		{ "{\"events\": [\n"
		  "  {\"name\": \"e\", \"on\": {\"afterRequests\": 1},\n"
		  "   \"do\": [{\"setRole\": {\"role\": \"NO_SUCH\"}}]}\n"
		  "]}\n",
		  { "v-role.json", 3, 32, "events[0].do[0].setRole.role",
		    "no role 'NO_SUCH'; expected DATA_MANAGER_ADMIN" } },
		{ "{\"events\": [\n"
		  "  {\"name\": \"e\", \"on\": {\"afterRequests\": 1},\n"
		  "   \"do\": [{\"addRule\": {\"name\": \"r\", "
		  "\"respond\": {\"status\": 99}}}]}\n"
		  "]}\n",
		  { "v-addrule.json", 3, 59,
		    "events[0].do[0].addRule.respond.status",
		    "expected an HTTP status" } },
		{ "{\"events\": [\n"
		  "  {\"name\": \"e\", \"on\": {\"afterRequests\": 1},\n"
		  "   \"do\": [{\"revokeToken\": \"a\", "
		  "\"expireToken\": \"a\"}]}\n"
		  "]}\n",
		  { "v-twokeys.json", 3, 32, "events[0].do[0].expireToken",
		    "an action has one key" } },
		{ "{\"events\": [\n"
		  "  {\"name\": \"e\", \"on\": {\"at\": \"soon\"}, "
		  "\"do\": [{\"setInitialized\": true}]}\n"
		  "]}\n",
		  { "v-at.json", 2, 30, "events[0].on.at",
		    "expected an ISO-8601 UTC time" } },
	};

	(void)state;
	expect_refusals(r, sizeof(r) / sizeof(r[0]));
}


/* The example of SPEC.md section 6, with the people it names. */
static const char script_text[] =
	"{\"users\": [{\"accountId\": \"acc-ada\"}],\n"
	" \"rules\": [{\n"
	"  \"name\": \"gateway-hiccup\",\n"
	"  \"match\": {\"method\": \"POST\",\n"
	"    \"path\": \"/jsm/assets/workspace/*/v1/datamanager/**\",\n"
	"    \"token\": \"nightly\", \"user\": \"acc-ada\", \"after\": 1,\n"
	"    \"times\": 2, \"probability\": 0.5},\n"
	"  \"respond\": {\"status\": 503, \"headers\": "
	"{\"Retry-After\": \"2\"},\n"
	"    \"body\": {\"errorMessages\": [\"Service unavailable\"], "
	"\"errors\": {}}},\n"
	"  \"delay\": \"PT0.2S\"\n"
	" }, {\"name\": \"drop-third\", \"match\": {\"path\": "
	"\"**/client/info\",\n"
	"     \"after\": 2, \"times\": 1}, \"fault\": \"reset\"}],\n"
	" \"events\": [{\n"
	"  \"name\": \"expire-after-second-check\",\n"
	"  \"on\": {\"afterRequests\": 2, \"match\": "
	"{\"path\": \"**/client/info\"}},\n"
	"  \"do\": [{\"advanceClock\": \"P3M\"}, "
	"{\"revokeToken\": \"nightly\"}]\n"
	" }, {\"name\": \"demote\", \"on\": "
	"{\"at\": \"2026-12-01T00:00:00.000Z\"},\n"
	"     \"do\": [{\"setRole\": {\"role\": \"ADAPTERS_ADMIN\", "
	"\"users\": [], \"groups\": []}}]}]\n"
	"}\n";


static void test_scenario_script_applies(void **state)
{
	cJSON *doc = expect_loaded("script.json", script_text);
	const struct ms_rule *r;
	const struct ms_event *e;
	struct ms_state st;

	(void)state;
	apply(doc, &st, false, "default");
	assert_int_equal(st.script.nrules, 2);
	assert_int_equal(st.script.nevents, 2);
	r = &st.script.rules[0];
	assert_string_equal(r->name, "gateway-hiccup");
	assert_string_equal(r->match.user, "acc-ada");
	assert_int_equal(r->after, 1);
	assert_int_equal(r->times, 2);
	assert_true(r->responds);
	assert_int_equal(r->status, 503);
	assert_int_equal(r->delay_ms, 200);
	assert_int_equal(st.script.rules[1].fault, MS_FAULT_RESET);
	e = &st.script.events[0];
	assert_int_equal(e->trigger, MS_TRIGGER_REQUESTS);
	assert_int_equal(e->requests, 2);
	assert_int_equal(cJSON_GetArraySize(e->actions), 2);
	e = &st.script.events[1];
	assert_int_equal(e->trigger, MS_TRIGGER_AT);
	assert_int_equal(e->at, at("2026-12-01T00:00:00.000Z"));
	ms_state_release(&st);
	cJSON_Delete(doc);
}


/* Dump a, load the dump back into b; the dump of b into *again. */
static void reload(const struct ms_state *a, struct ms_state *b,
		   cJSON **first, cJSON **again)
{
	struct ms_scenario_error err;
	char *text;
	cJSON *doc;

	*first = ms_scenario_from_state(a);
	assert_non_null(*first);
	text = cJSON_Print(*first);
	doc = ms_scenario_parse(text, strlen(text), &err);
	if (!doc)
		fail_msg("%d:%d: %s: %s", err.line, err.column, err.path,
			 err.message);
	apply(doc, b, false, "default");
	*again = ms_scenario_from_state(b);
	assert_non_null(*again);
	cJSON_Delete(doc);
	free(text);
}


static void test_scenario_script_round_trip(void **state)
{
	cJSON *doc = expect_loaded("script-trip.json", script_text);
	cJSON *first, *again;
	struct ms_state a, b;

	(void)state;
	apply(doc, &a, false, "default");
	reload(&a, &b, &first, &again);
	assert_int_equal(b.script.nrules, 2);
	assert_int_equal(b.script.nevents, 2);
	assert_true(cJSON_Compare(cJSON_GetObjectItem(first, "rules"),
				  cJSON_GetObjectItem(again, "rules"), 1));
	assert_true(cJSON_Compare(cJSON_GetObjectItem(first, "events"),
				  cJSON_GetObjectItem(again, "events"), 1));
	assert_true(cJSON_Compare(cJSON_GetObjectItem(doc, "events"),
				  cJSON_GetObjectItem(again, "events"), 1));
	ms_state_release(&a);
	ms_state_release(&b);
	cJSON_Delete(first);
	cJSON_Delete(again);
	cJSON_Delete(doc);
}


/* No rules and no events: no keys for them. */
static void test_scenario_dump_omits_empty_script(void **state)
{
	cJSON *doc = expect_loaded("no-script.json", "{}\n"), *back;
	struct ms_state st;

	(void)state;
	apply(doc, &st, false, "default");
	back = ms_scenario_from_state(&st);
	assert_null(cJSON_GetObjectItem(back, "rules"));
	assert_null(cJSON_GetObjectItem(back, "events"));
	assert_null(cJSON_GetObjectItem(back, "rateLimit"));
	assert_null(cJSON_GetObjectItem(back, "expect"));
	cJSON_Delete(back);
	ms_state_release(&st);
	cJSON_Delete(doc);
}


/* A state with one user, acc-ada, for the rules posted to it. */
static void rules_state(struct ms_state *st)
{
	static const char text[] =
		"{\"users\": [{\"accountId\": \"acc-ada\"}]}";
	struct ms_scenario_error err;
	cJSON *doc = ms_scenario_parse(text, strlen(text), &err);

	assert_non_null(doc);
	apply(doc, st, false, "default");
	cJSON_Delete(doc);
}


static void test_scenario_parse_rules(void **state)
{
	static const char one[] = "{\"name\": \"x\", \"fault\": \"reset\"}";
	static const char two[] =
		"[{\"name\": \"a\", \"fault\": \"reset\"},\n"
		" {\"name\": \"b\", \"delay\": \"PT1S\", "
		"\"match\": {\"user\": \"acc-ada\"}}]";
	struct ms_scenario_error err;
	struct ms_state st;
	cJSON *rules;

	(void)state;
	rules_state(&st);
	rules = ms_scenario_parse_rules(one, strlen(one), &st, &err);
	assert_non_null(rules);
	assert_int_equal(cJSON_GetArraySize(rules), 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rules, 0),
						"name")->valuestring, "x");
	cJSON_Delete(rules);
	rules = ms_scenario_parse_rules(two, strlen(two), &st, &err);
	assert_non_null(rules);
	assert_int_equal(cJSON_GetArraySize(rules), 2);
	cJSON_Delete(rules);
	assert_null(ms_scenario_parse_rules(two, strlen(two), NULL, &err));
	assert_string_equal(err.path, "[1].match.user");
	ms_state_release(&st);
}


/* Parse text as a rules body; expect line, column, path, message. */
static void expect_rules_refused(const char *text, int line, int column,
				 const char *path, const char *message)
{
	struct ms_scenario_error err;
	struct ms_state st;

	rules_state(&st);
	assert_null(ms_scenario_parse_rules(text, strlen(text), &st, &err));
	assert_string_equal(err.file, "");
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, column);
	assert_string_equal(err.path, path);
	if (!strstr(err.message, message))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, message);
	ms_state_release(&st);
}


static void test_scenario_parse_rules_refused(void **state)
{
	(void)state;
	expect_rules_refused("[\n"
			     "  {\"name\": \"a\", \"fault\": \"reset\"},\n"
			     "  {\"name\": \"b\", \"fault\": \"reset\", "
			     "\"match\": {\"after\": -1}}\n"
			     "]", 3, 54, "[1].match.after",
			     "a whole number from 0 to 1000000000");
	expect_rules_refused("{\"name\": \"a\", \"fault\": \"reset\",\n"
			     " \"match\": {\"user\": \"nobody\"}}", 2, 20,
			     "match.user", "no user has accountId 'nobody'");
	expect_rules_refused("[{\"name\": \"a\", \"fault\": \"reset\"},\n"
			     " {\"name\": \"a\", \"fault\": \"empty\"}]", 2,
			     11, "[1].name",
			     "duplicate name 'a': [0] (line 1) has it too");
	expect_rules_refused("\n  \"reset\"", 2, 3, "",
			     "expected a rule object or an array of rules at "
			     "the top, found a string");
}


/* ---- Text that is not UTF-8 --------------------------------------------- */

#define NOT_UTF8 "invalid UTF-8: expected a UTF-8 character"

/* Every place a byte that is not UTF-8 may hide is refused, at its line
 * and column (counted in characters before it). */
static void test_scenario_refuses_invalid_utf8(void **state)
{
	static const struct refusal r[] = {
		{ "{\n  \"name\": \"caf\xe9\"\n}\n",
		  { "u-latin1.json", 2, 15, "", NOT_UTF8 ", found the byte "
		    "0xE9" } },
		{ "{\n  \"n\xffme\": \"x\"\n}\n",
		  { "u-key.json", 2, 5, "", NOT_UTF8 } },
		{ "{\"name\": \"\xc3\xa9\xe2\x9c\x93\x80\"}\n",
		  { "u-stray.json", 1, 13, "", "the byte 0x80" } },
		{ "{\"name\": \"\xc0\xaf\"}\n",
		  { "u-overlong.json", 1, 11, "", NOT_UTF8 } },
		{ "{\"name\": \"\xed\xa0\x80\"}\n",
		  { "u-surrogate.json", 1, 11, "", NOT_UTF8 } },
		{ "{\"name\": \"\xf4\x90\x80\x80\"}\n",
		  { "u-past-max.json", 1, 11, "", NOT_UTF8 } },
		{ "{\"name\": \"\xe2\x9c\"}\n",
		  { "u-cut.json", 1, 11, "", NOT_UTF8 } },
		{ "{\"name\": \"x\"}\n\xe2\x9c",
		  { "u-cut-at-end.json", 2, 1, "", NOT_UTF8 } },
		{ "{\"users\": [{\"accountId\": \"a\",\n"
		  "  \"displayName\": \"Ada \xff\"}]}\n",
		  { "u-user.json", 2, 23, "", NOT_UTF8 } },
		{ "{\"rules\": [{\"name\": \"r\xfe\", "
		  "\"fault\": \"reset\"}]}\n",
		  { "u-rule.json", 1, 23, "", NOT_UTF8 } },
	};

	(void)state;
	expect_refusals(r, sizeof(r) / sizeof(r[0]));
}


/* A fixture that is not UTF-8 is named, not the scenario including it. */
static void test_scenario_refuses_invalid_utf8_fixture(void **state)
{
	static const struct want w = {
		"u-fixture.json", 3, 35, "", NOT_UTF8
	};
	char path[PATH_MAX];

	(void)state;
	put("u-fixture.json",
	    "{\n"
	    "  \"users\": [\n"
	    "    {\"accountId\": \"f\", \"email\": \"f\xa0@example.com\"}\n"
	    "  ]\n"
	    "}\n", path, sizeof(path));
	expect_refused("with-u-fixture.json",
		       "{\"include\": [\"u-fixture.json\"]}\n", &w);
}


/* Valid UTF-8 of every length loads, byte order mark and all. */
static void test_scenario_loads_utf8(void **state)
{
	cJSON *doc;

	(void)state;
	doc = expect_loaded("u-ok.json",
			    "\xef\xbb\xbf{\"name\": \"caf\xc3\xa9 \xe2\x80\x93 "
			    "\xe2\x9c\x93 \xf0\x9d\x84\x9e\"}\n");
	assert_string_equal(cJSON_GetObjectItem(doc, "name")->valuestring,
			    "caf\xc3\xa9 \xe2\x80\x93 \xe2\x9c\x93 "
			    "\xf0\x9d\x84\x9e");
	cJSON_Delete(doc);
}


/* A body (PUT /__mock/state, POST /__mock/rules) is held to the same:
 * a syntax fault, which the control plane answers invalid_json. */
static void test_scenario_parse_refuses_invalid_utf8(void **state)
{
	static const char doc[] = "{\"name\": \"x\",\n \"description\": "
				  "\"\xff\"}";
	static const char rule[] = "{\"name\": \"\xc3(\", \"fault\": "
				   "\"reset\"}";
	struct ms_scenario_error err;
	struct ms_state st;

	(void)state;
	assert_null(ms_scenario_parse(doc, strlen(doc), &err));
	assert_true(err.syntax);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 18);
	assert_non_null(strstr(err.message, NOT_UTF8));

	rules_state(&st);
	assert_null(ms_scenario_parse_rules(rule, strlen(rule), &st, &err));
	assert_true(err.syntax);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 11);
	ms_state_release(&st);
}


/* The binary from tests/run.sh, or the default build's. */
static const char *server_bin(void)
{
	const char *bin = getenv("DM_MOCKSERVER_BIN");

	return bin ? bin : "build/dm-mockserver";
}


/* Run cmd (a shell line), its stdout and stderr into out; its exit
 * status, or -1 when it did not exit. */
static int run_cmd(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int status;

	assert_non_null(p);
	while (n + 1 < len && !feof(p))
		n += fread(out + n, 1, len - n - 1, p);
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


/* `dm-mockserver check` and `-s` refuse the file as the loader does:
 * file:line:column and what was expected. */
static void test_scenario_check_command_refuses_invalid_utf8(void **state)
{
	char path[PATH_MAX], cmd[PATH_MAX * 2 + 64], out[4096];
	char want[PATH_MAX + 64];

	(void)state;
	put("u-cli.json", "{\n  \"description\": \"\xff\"\n}\n", path,
	    sizeof(path));
	snprintf(want, sizeof(want), "%s:2:19: " NOT_UTF8, path);

	snprintf(cmd, sizeof(cmd), "%s check %s 2>&1", server_bin(), path);
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 1);
	if (!strstr(out, want))
		fail_msg("check said \"%s\", not \"%s\"", out, want);

	snprintf(cmd, sizeof(cmd), "%s -p 0 -s %s 2>&1 </dev/null",
		 server_bin(), path);
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 2);
	if (!strstr(out, want))
		fail_msg("-s said \"%s\", not \"%s\"", out, want);
}


/* An admin key no client could send back (a control character, white
 * space at either end, which a header's value sheds) is refused at
 * start, exit 2, rather than lock the control plane. timeout(1) ends a
 * server that took it. */
static void test_scenario_admin_key_refusals(void **state)
{
	static const char *const bad[] = {"' sp'", "'sp '", "\"$(printf "
					   "'a\\tb')\"", "\"$(printf "
					   "'a\\nb')\""};
	char cmd[PATH_MAX + 128], out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cmd, sizeof(cmd), "timeout 5 %s -p 0 --admin-key %s "
			 "2>&1 </dev/null", server_bin(), bad[i]);
		if (run_cmd(cmd, out, sizeof(out)) != 2)
			fail_msg("--admin-key %s was taken: %s", bad[i], out);
		assert_non_null(strstr(out, "--admin-key"));
	}
}


/* --stop-wait takes 0 to 3600 seconds, and nothing else (exit 2); at
 * both ends the server starts, and stops with 0 on SIGTERM when no
 * request is in flight, even with 3600. */
static void test_scenario_stop_wait_option(void **state)
{
	static const char *const bad[] = {"-1", "3601", "x", "''", "1.5"};
	static const char *const good[] = {"0", "3600"};
	char cmd[PATH_MAX + 128], out[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cmd, sizeof(cmd), "timeout 5 %s -p 0 --stop-wait %s "
			 "2>&1 </dev/null", server_bin(), bad[i]);
		if (run_cmd(cmd, out, sizeof(out)) != 2)
			fail_msg("--stop-wait %s was taken: %s", bad[i], out);
		assert_non_null(strstr(out, "--stop-wait"));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(cmd, sizeof(cmd), "timeout --preserve-status 1 %s "
			 "-p 0 --stop-wait %s 2>&1 </dev/null", server_bin(),
			 good[i]);
		if (run_cmd(cmd, out, sizeof(out)) != 0)
			fail_msg("--stop-wait %s: %s", good[i], out);
		assert_non_null(strstr(out, "listening on"));
	}
}


/* `check --help` explains itself rather than look for a file of that
 * name; `check` alone is misuse. */
static void test_scenario_check_command_help(void **state)
{
	char cmd[PATH_MAX + 64], out[4096];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s check --help 2>&1", server_bin());
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out,
			       "usage: dm-mockserver check [--] SCENARIO"));
	snprintf(cmd, sizeof(cmd), "%s check 2>&1", server_bin());
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 2);
	/* An unknown option is misuse too, wherever it stands; after "--"
	 * it is a file name, here one that does not exist. */
	snprintf(cmd, sizeof(cmd), "%s check --bogus 2>&1", server_bin());
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "unknown option '--bogus'"));
	snprintf(cmd, sizeof(cmd), "%s check scenarios/default.json -x 2>&1",
		 server_bin());
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), "%s check -- --bogus 2>&1", server_bin());
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "cannot read '--bogus'"));
	/* "--" ends the options wherever it stands. */
	snprintf(cmd, sizeof(cmd), "%s check scenarios/default.json -- "
		 "scenarios/default.json 2>&1", server_bin());
	assert_int_equal(run_cmd(cmd, out, sizeof(out)), 0);
}


/* ---- Rate limit and expectations ---------------------------------------- */

static void test_scenario_rate_limit_refusals(void **state)
{
	static const struct refusal r[] = {
		{ "{\"rateLimit\": {\"window\": \"PT1M\"}}\n",
		  { "rl-nolimit.json", 1, 15, "rateLimit.limit",
		    "missing required key 'limit'" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 0, \"window\": \"PT1M\"}}\n",
		  { "rl-limit0.json", 2, 12, "rateLimit.limit",
		    "expected how many requests a window allows: a whole "
		    "number from 1 to 1000000000, found 0" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 1000000001,\n"
		  "  \"window\": \"PT1M\"}}\n",
		  { "rl-limitbig.json", 2, 12, "rateLimit.limit",
		    "from 1 to 1000000000, found 1000000001" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 2.5, \"window\": \"PT1M\"}}\n",
		  { "rl-limitfrac.json", 2, 12, "rateLimit.limit",
		    "found 2.5" } },
		{ "{\n"
		  "  \"rateLimit\": {\"limit\": 10}\n"
		  "}\n",
		  { "rl-nowindow.json", 2, 16, "rateLimit.window",
		    "missing required key 'window'" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"P1M\"}}\n",
		  { "rl-months.json", 2, 26, "rateLimit.window",
		    "a window cannot count months or years" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"PT0S\"}}\n",
		  { "rl-zero.json", 2, 26, "rateLimit.window",
		    "expected a window longer than zero and at most 31 "
		    "days" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"P32D\"}}\n",
		  { "rl-long.json", 2, 26, "rateLimit.window",
		    "at most 31 days (P31D)" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"1 min\"}}\n",
		  { "rl-text.json", 2, 26, "rateLimit.window",
		    "expected a window: an ISO-8601 period like PT1M" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"PT1M\",\n"
		  "  \"scope\": \"org\"}}\n",
		  { "rl-scope.json", 3, 12, "rateLimit.scope",
		    "expected a scope, one of token, user, tenant" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"PT1M\",\n"
		  "  \"reason\": \"\"}}\n",
		  { "rl-reason.json", 3, 13, "rateLimit.reason",
		    "expected a non-empty string" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"PT1M\",\n"
		  "  \"reason\": \"a\\nb\"}}\n",
		  { "rl-reason-nl.json", 3, 13, "rateLimit.reason",
		    "expected a reason on one line" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"PT1M\",\n"
		  "  \"match\": {\"path\": \"/**\", \"after\": 1}}}\n",
		  { "rl-after.json", 3, 28, "rateLimit.match.after",
		    "unknown key 'after'; expected one of method, path, token, "
		    "user" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"PT1M\",\n"
		  "  \"match\": {\"user\": \"zed\"}}}\n",
		  { "rl-user.json", 3, 21, "rateLimit.match.user",
		    "no user has accountId 'zed'" } },
		{ "{\n"
		  "  \"rateLimit\": 10\n"
		  "}\n",
		  { "rl-number.json", 2, 16, "rateLimit",
		    "expected an object, found a number" } },
		{ "{\"rateLimit\": {\n"
		  "  \"limit\": 10, \"window\": \"PT1M\",\n"
		  "  \"burst\": 2}}\n",
		  { "rl-unknown.json", 3, 3, "rateLimit.burst",
		    "unknown key 'burst'; expected one of limit, window, "
		    "scope, reason, match" } },
	};

	(void)state;
	expect_refusals(r, sizeof(r) / sizeof(r[0]));
}


static void test_scenario_expect_refusals(void **state)
{
	static const struct refusal r[] = {
		{ "{\n"
		  "  \"expect\": {}\n"
		  "}\n",
		  { "x-object.json", 2, 13, "expect",
		    "expected an array, found an object" } },
		{ "{\"expect\": [\n"
		  "  1\n"
		  "]}\n",
		  { "x-item.json", 2, 3, "expect[0]",
		    "expected an expectation object with a name and a kind, "
		    "found a number" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\"}\n"
		  "]}\n",
		  { "x-nokind.json", 2, 3, "expect[0].kind",
		    "missing required key 'kind'; expected one of count, "
		    "order, header, respectsRetryAfter, stopsAfter401, "
		    "noUnknownRoutes, exitStatus" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"sometimes\"}\n"
		  "]}\n",
		  { "x-kind.json", 2, 25, "expect[0].kind",
		    "expected a kind, one of count, order, header" } },
		{ "{\"expect\": [\n"
		  "  {\"kind\": \"noUnknownRoutes\"}\n"
		  "]}\n",
		  { "x-noname.json", 2, 3, "expect[0].name",
		    "missing required key 'name'" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"\", \"kind\": \"noUnknownRoutes\"}\n"
		  "]}\n",
		  { "x-emptyname.json", 2, 12, "expect[0].name",
		    "expected a non-empty string" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"noUnknownRoutes\"},\n"
		  "  {\"name\": \"b\", \"kind\": \"stopsAfter401\"},\n"
		  "  {\"name\": \"a\", \"kind\": \"stopsAfter401\"}\n"
		  "]}\n",
		  { "x-dupname.json", 4, 12, "expect[2].name",
		    "duplicate name 'a': expect[0] (" } },
	};

	(void)state;
	expect_refusals(r, sizeof(r) / sizeof(r[0]));
}


/* Each kind takes its own keys, and checks them. */
static void test_scenario_expect_kind_refusals(void **state)
{
	static const struct refusal r[] = {
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"count\",\n"
		  "   \"max\": 3, \"first\": {}}\n"
		  "]}\n",
		  { "k-count-key.json", 3, 14, "expect[0].first",
		    "unknown key 'first' for a count expectation; count takes "
		    "name, kind, match, min, max" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"count\",\n"
		  "   \"match\": {\"path\": \"**\"}}\n"
		  "]}\n",
		  { "k-count-bound.json", 2, 3, "expect[0]",
		    "a count expectation needs min, max or both" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"count\",\n"
		  "   \"min\": 5, \"max\": 2}\n"
		  "]}\n",
		  { "k-count-order.json", 3, 21, "expect[0].max",
		    "expected max of at least min (5), found 2" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"count\",\n"
		  "   \"min\": -1}\n"
		  "]}\n",
		  { "k-count-neg.json", 3, 11, "expect[0].min",
		    "expected a number of requests: a whole number from 0 to "
		    "1000000000, found -1" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"count\", \"min\": 1,\n"
		  "   \"match\": {\"status\": 99}}\n"
		  "]}\n",
		  { "k-status.json", 3, 24, "expect[0].match.status",
		    "expected an HTTP status: a whole number from 100 to 599, "
		    "found 99" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"count\", \"min\": 1,\n"
		  "   \"match\": {\"method\": \"get\"}}\n"
		  "]}\n",
		  { "k-method.json", 3, 24, "expect[0].match.method",
		    "expected a method in capitals, one of GET, POST" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"count\", \"min\": 1,\n"
		  "   \"match\": {\"times\": 1}}\n"
		  "]}\n",
		  { "k-times.json", 3, 14, "expect[0].match.times",
		    "unknown key 'times'; expected one of method, path, token, "
		    "user, status" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"order\",\n"
		  "   \"first\": {\"path\": \"/a\"}}\n"
		  "]}\n",
		  { "k-order-then.json", 2, 3, "expect[0].then",
		    "missing required key 'then'" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"order\",\n"
		  "   \"first\": {\"path\": \"a\"},\n"
		  "   \"then\": {\"path\": \"/b\"}}\n"
		  "]}\n",
		  { "k-order-path.json", 3, 22, "expect[0].first.path",
		    "expected a path pattern starting with '/' or '*'" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"header\",\n"
		  "   \"equals\": \"x\"}\n"
		  "]}\n",
		  { "k-header-none.json", 2, 3, "expect[0].header",
		    "missing required key 'header'" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"header\",\n"
		  "   \"header\": \"Accept Language\"}\n"
		  "]}\n",
		  { "k-header-name.json", 3, 14, "expect[0].header",
		    "expected a header name: letters, digits" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"header\",\n"
		  "   \"header\": \"Accept\", \"equals\": 5}\n"
		  "]}\n",
		  { "k-header-equals.json", 3, 34, "expect[0].equals",
		    "expected a string, found a number" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"noUnknownRoutes\",\n"
		  "   \"match\": {\"path\": \"**\"}}\n"
		  "]}\n",
		  { "k-routes.json", 3, 4, "expect[0].match",
		    "unknown key 'match' for a noUnknownRoutes expectation; "
		    "noUnknownRoutes takes name, kind" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"respectsRetryAfter\",\n"
		  "   \"min\": 1}\n"
		  "]}\n",
		  { "k-retry.json", 3, 4, "expect[0].min",
		    "unknown key 'min' for a respectsRetryAfter expectation; "
		    "respectsRetryAfter takes name, kind, match" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"stopsAfter401\",\n"
		  "   \"match\": {\"user\": \"zed\"}}\n"
		  "]}\n",
		  { "k-401.json", 3, 22, "expect[0].match.user",
		    "no user has accountId 'zed'" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"exitStatus\"}\n"
		  "]}\n",
		  { "k-exit-none.json", 2, 3, "expect[0]",
		    "an exitStatus expectation needs one of \"zero\": true" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"exitStatus\",\n"
		  "   \"zero\": true, \"equals\": 0}\n"
		  "]}\n",
		  { "k-exit-two.json", 3, 28, "expect[0].equals",
		    "not both zero and equals" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"exitStatus\",\n"
		  "   \"zero\": false}\n"
		  "]}\n",
		  { "k-exit-false.json", 3, 12, "expect[0].zero",
		    "expected true" } },
		{ "{\"expect\": [\n"
		  "  {\"name\": \"a\", \"kind\": \"exitStatus\",\n"
		  "   \"equals\": 256}\n"
		  "]}\n",
		  { "k-exit-256.json", 3, 14, "expect[0].equals",
		    "expected an exit status: a whole number from 0 to 255, "
		    "found 256" } },
	};

	(void)state;
	expect_refusals(r, sizeof(r) / sizeof(r[0]));
}


/* The edges that pass: the largest limit and window, min equal to max,
 * exit statuses 0 and 255. */
static void test_scenario_checks_edges_load(void **state)
{
	(void)state;
	cJSON_Delete(expect_loaded("c-edges.json",
				   "{\"rateLimit\": {\"limit\": 1000000000, "
				   "\"window\": \"P31D\", "
				   "\"scope\": \"tenant\"},\n"
				   " \"expect\": [{\"name\": \"a\", "
				   "\"kind\": \"count\", \"min\": 3, "
				   "\"max\": 3},\n"
				   "  {\"name\": \"b\", "
				   "\"kind\": \"exitStatus\", "
				   "\"equals\": 255},\n"
				   "  {\"name\": \"c\", "
				   "\"kind\": \"exitStatus\", "
				   "\"equals\": 0}]}\n"));
}


/* The rateLimit and expect of SPEC.md section 6, with a user to name. */
static const char checks_text[] =
	"{\"users\": [{\"accountId\": \"acc-ada\"}],\n"
	" \"rateLimit\": {\"limit\": 10, \"window\": \"PT1M\", "
	"\"scope\": \"token\",\n"
	"   \"reason\": \"jira-quota-based\",\n"
	"   \"match\": {\"path\": \"/jsm/**\", \"user\": \"acc-ada\"}},\n"
	" \"expect\": [\n"
	"  {\"name\": \"validates first\", \"kind\": \"order\",\n"
	"   \"first\": {\"path\": \"**/client/info\"},\n"
	"   \"then\": {\"path\": \"**/adapters/runs\", "
	"\"status\": 202}},\n"
	"  {\"name\": \"few calls\", \"kind\": \"count\", "
	"\"match\": {\"path\": \"**\"},\n"
	"   \"min\": 1, \"max\": 20},\n"
	"  {\"name\": \"asks for JSON\", \"kind\": \"header\", "
	"\"match\": {\"path\": \"**\"},\n"
	"   \"header\": \"Accept\", \"equals\": \"application/json\"},\n"
	"  {\"name\": \"waits\", \"kind\": \"respectsRetryAfter\"},\n"
	"  {\"name\": \"stops on 401\", \"kind\": \"stopsAfter401\",\n"
	"   \"match\": {\"user\": \"acc-ada\", \"method\": \"GET\"}},\n"
	"  {\"name\": \"known routes\", \"kind\": \"noUnknownRoutes\"},\n"
	"  {\"name\": \"fails loudly\", \"kind\": \"exitStatus\", "
	"\"nonZero\": true}\n"
	" ]}\n";


static void test_scenario_checks_apply(void **state)
{
	cJSON *doc = expect_loaded("checks.json", checks_text);
	struct ms_state st;

	(void)state;
	apply(doc, &st, false, "default");
	assert_true(st.rate_limit.enabled);
	assert_int_equal(st.rate_limit.limit, 10);
	assert_int_equal(st.rate_limit.window_ms, 60000);
	assert_int_equal(st.rate_limit.scope, MS_RATE_TOKEN);
	assert_string_equal(st.rate_limit.reason, "jira-quota-based");
	assert_string_equal(st.rate_limit.match.path, "/jsm/**");
	assert_string_equal(st.rate_limit.match.user, "acc-ada");
	assert_null(st.rate_limit.match.method);
	assert_non_null(st.expect);
	assert_true(cJSON_Compare(st.expect, cJSON_GetObjectItem(doc,
								 "expect"),
				  1));
	ms_state_release(&st);
	cJSON_Delete(doc);
}


/* No rateLimit: the limit is off; an empty expect stays given. */
static void test_scenario_checks_absent(void **state)
{
	cJSON *doc = expect_loaded("no-checks.json", "{\"expect\": []}\n");
	cJSON *back;
	struct ms_state st;

	(void)state;
	apply(doc, &st, false, "default");
	assert_false(st.rate_limit.enabled);
	assert_int_equal(cJSON_GetArraySize(st.expect), 0);
	back = ms_scenario_from_state(&st);
	assert_null(cJSON_GetObjectItem(back, "rateLimit"));
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(back, "expect")));
	cJSON_Delete(back);
	ms_state_release(&st);
	cJSON_Delete(doc);
}


static void test_scenario_checks_round_trip(void **state)
{
	cJSON *doc = expect_loaded("checks-trip.json", checks_text);
	cJSON *first, *again;
	struct ms_state a, b;

	(void)state;
	apply(doc, &a, false, "default");
	reload(&a, &b, &first, &again);
	assert_true(b.rate_limit.enabled);
	assert_int_equal(b.rate_limit.limit, a.rate_limit.limit);
	assert_int_equal(b.rate_limit.window_ms, a.rate_limit.window_ms);
	assert_true(cJSON_Compare(cJSON_GetObjectItem(doc, "rateLimit"),
				  cJSON_GetObjectItem(first, "rateLimit"), 1));
	assert_true(cJSON_Compare(cJSON_GetObjectItem(first, "rateLimit"),
				  cJSON_GetObjectItem(again, "rateLimit"), 1));
	assert_true(cJSON_Compare(cJSON_GetObjectItem(doc, "expect"),
				  cJSON_GetObjectItem(again, "expect"), 1));
	ms_state_release(&a);
	ms_state_release(&b);
	cJSON_Delete(first);
	cJSON_Delete(again);
	cJSON_Delete(doc);
}


/* A workspace id of "." or ".." fits the characters, but no gateway
 * path could name it (dot segments are refused): refused here. */
static void test_scenario_workspace_dot_segments(void **state)
{
	static const struct want dot = {
		"ws-dot.json", 1, 26, "site.workspaceId", "not . or .."
	};
	static const struct want dots = {
		"ws-dots.json", 1, 26, "site.workspaceId", "not . or .."
	};
	cJSON *doc;

	(void)state;
	expect_refused("ws-dot.json", "{\"site\": {\"workspaceId\": \".\"}}\n",
		       &dot);
	expect_refused("ws-dots.json",
		       "{\"site\": {\"workspaceId\": \"..\"}}\n", &dots);
	doc = expect_loaded("ws-three.json",
			    "{\"site\": {\"workspaceId\": \"...\"}}\n");
	cJSON_Delete(doc);
}


/* A scenario or an include that is no regular file (a FIFO would block
 * the read until a writer came; a folder never reads) is refused. */
static void test_scenario_not_a_regular_file(void **state)
{
	static const struct want fifo = {
		"fifo-top.json", 1, 14, "include[0]", "not a regular file"
	};
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/a.fifo", tmpdir);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_refused("fifo-top.json", "{\"include\": [\"a.fifo\"]}\n",
		       &fifo);
	unlink(path);
}


static void test_scenario_error_format(void **state)
{
	struct ms_scenario_error err = {
		"s.json", 3, 7, "users[0]", "expected a string", false
	};
	struct ms_scenario_error bare = {
		"", 0, 0, "", "out of memory", false
	};
	char buf[256];

	(void)state;
	ms_scenario_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "s.json:3:7: users[0]: expected a string");
	ms_scenario_error_format(&bare, buf, sizeof(buf));
	assert_string_equal(buf, "out of memory");
}


/* A key or message holding control characters (a header name "X\r\nY"
 * in a rule) is printed on one line, each shown as '?'. */
static void test_scenario_error_format_controls(void **state)
{
	struct ms_scenario_error err = {
		"s\x1b[2J.json", 1, 58, "rules[0].respond.headers.X\r\nY",
		"bad header name 'X\r\nY\t\x7f'", false
	};
	char buf[256];

	(void)state;
	ms_scenario_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "s?[2J.json:1:58: "
			    "rules[0].respond.headers.X??Y: "
			    "bad header name 'X??Y?" "?'");
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario_loads_default),
		cmocka_unit_test(test_scenario_loads_fresh_site),
		cmocka_unit_test(test_scenario_syntax_error),
		cmocka_unit_test(test_scenario_nested_too_deep),
		cmocka_unit_test(test_scenario_truncated),
		cmocka_unit_test(test_scenario_wrong_type),
		cmocka_unit_test(test_scenario_unknown_key),
		cmocka_unit_test(test_scenario_missing_account_id),
		cmocka_unit_test(test_scenario_duplicate_account_id),
		cmocka_unit_test(test_scenario_role_names_unknown_user),
		cmocka_unit_test(test_scenario_bad_period),
		cmocka_unit_test(test_scenario_default_expiry_not_an_option),
		cmocka_unit_test(test_scenario_label_length),
		cmocka_unit_test(test_scenario_bad_secret),
		cmocka_unit_test(test_scenario_include_missing_file),
		cmocka_unit_test(test_scenario_include_cycle),
		cmocka_unit_test(test_scenario_error_in_fixture_names_it),
		cmocka_unit_test(test_scenario_fixture_refuses_scenario_keys),
		cmocka_unit_test(test_scenario_duplicate_across_files),
		cmocka_unit_test(test_scenario_include_merge_order),
		cmocka_unit_test(test_scenario_keeps_scripted_keys),
		cmocka_unit_test(test_scenario_parse_refuses_include),
		cmocka_unit_test(test_scenario_seeded_secrets),
		cmocka_unit_test(test_scenario_round_trip),
		cmocka_unit_test(test_scenario_rule_refusals),
		cmocka_unit_test(test_scenario_rule_match_refusals),
		cmocka_unit_test(test_scenario_rule_edges_load),
		cmocka_unit_test(test_scenario_event_refusals),
		cmocka_unit_test(test_scenario_script_applies),
		cmocka_unit_test(test_scenario_script_round_trip),
		cmocka_unit_test(test_scenario_dump_omits_empty_script),
		cmocka_unit_test(test_scenario_parse_rules),
		cmocka_unit_test(test_scenario_parse_rules_refused),
		cmocka_unit_test(test_scenario_rate_limit_refusals),
		cmocka_unit_test(test_scenario_expect_refusals),
		cmocka_unit_test(test_scenario_expect_kind_refusals),
		cmocka_unit_test(test_scenario_checks_edges_load),
		cmocka_unit_test(test_scenario_checks_apply),
		cmocka_unit_test(test_scenario_checks_absent),
		cmocka_unit_test(test_scenario_checks_round_trip),
		cmocka_unit_test(test_scenario_refuses_invalid_utf8),
		cmocka_unit_test(test_scenario_refuses_invalid_utf8_fixture),
		cmocka_unit_test(test_scenario_loads_utf8),
		cmocka_unit_test(test_scenario_parse_refuses_invalid_utf8),
		cmocka_unit_test(
			test_scenario_check_command_refuses_invalid_utf8),
		cmocka_unit_test(test_scenario_check_command_help),
		cmocka_unit_test(test_scenario_admin_key_refusals),
		cmocka_unit_test(test_scenario_stop_wait_option),
		cmocka_unit_test(test_scenario_workspace_dot_segments),
		cmocka_unit_test(test_scenario_not_a_regular_file),
		cmocka_unit_test(test_scenario_error_format),
		cmocka_unit_test(test_scenario_error_format_controls),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
