/*
 * Unit tests of state: the built-in roles and the default permission
 * matrix of SPEC section 3, roles held directly or through a group, Jira
 * admins, replacing a matrix row, the JSON of a user's roles and
 * permissions, expiry options, and minting and regenerating tokens on a
 * frozen clock. People are built by hand, as the scenario loader would
 * leave them; ms_state_release() frees them.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "state.h"

#define NACTIONS 11

enum who { DMA, AA, JIRA, DE, NOBODY, GRP, NWHO };

static const char *const account_ids[NWHO] = {
	"acc-dma", "acc-aa", "acc-jira", "acc-de", "acc-nobody", "acc-grp"
};

/* SPEC section 3, row by row: who of DMA, AA, JIRA, DE may do it. The
 * group member GRP holds ADAPTERS_ADMIN and must match AA. */
static const struct {
	const char *action;
	bool may[4];
} matrix[NACTIONS] = {
	{"datamanager.initialize", {false, true, true, false}},
	{"workspace.view_id", {false, true, false, false}},
	{"tokens.generate", {false, true, false, false}},
	{"tokens.view", {false, true, false, false}},
	{"tokens.revoke", {false, true, false, false}},
	{"jobs.manage", {false, true, false, false}},
	{"roles.view", {true, true, true, false}},
	{"roles.update", {true, false, true, false}},
	{"datasources.manage", {true, false, true, false}},
	{"cleanse.manage", {true, false, true, false}},
	{"dashboards.edit", {true, false, false, true}},
};


/* Parse text, failing the test if it is refused. */
static ms_time_t at(const char *text)
{
	ms_time_t t = 0;

	assert_int_equal(ms_time_parse(text, &t), 0);
	return t;
}


static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}


static void grant(struct ms_state *st, const char *role, const char *acc)
{
	struct ms_role *r = ms_state_role(st, role);

	assert_non_null(r);
	assert_int_equal(ms_strv_push(&r->users, acc), 0);
}


/*
 * A state with the defaults and six people: a holder of each built-in
 * role, a Jira admin with no role, someone with nothing, and a member of
 * the group "adapters-team" that holds ADAPTERS_ADMIN. The secrets come
 * from a seeded stream so that runs repeat.
 */
static int setup(void **state)
{
	struct ms_state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	ms_state_init(st);
	ms_rng_init(&st->rng, true, 1, "test");
	st->users = calloc(NWHO, sizeof(*st->users));
	assert_non_null(st->users);
	st->nusers = NWHO;
	for (int i = 0; i < NWHO; i++) {
		st->users[i].account_id = xstrdup(account_ids[i]);
		st->users[i].display_name = xstrdup(account_ids[i] + 4);
		st->users[i].assets_visible = true;
	}
	st->users[AA].email = xstrdup("aa@example.com");
	st->users[AA].api_token = xstrdup("atlassian-api-token");
	st->users[JIRA].jira_admin = true;

	st->groups = calloc(1, sizeof(*st->groups));
	assert_non_null(st->groups);
	st->ngroups = 1;
	st->groups[0].name = xstrdup("adapters-team");
	assert_int_equal(ms_strv_push(&st->groups[0].members, "acc-grp"), 0);
	assert_int_equal(ms_strv_push(
		&ms_state_role(st, "ADAPTERS_ADMIN")->groups,
		"adapters-team"), 0);

	grant(st, "DATA_MANAGER_ADMIN", "acc-dma");
	grant(st, "ADAPTERS_ADMIN", "acc-aa");
	grant(st, "DASHBOARDS_EDITOR", "acc-de");
	*state = st;
	return 0;
}


static int teardown(void **state)
{
	struct ms_state *st = *state;

	ms_state_release(st);
	free(st);
	return 0;
}


static struct ms_user *user(struct ms_state *st, enum who w)
{
	struct ms_user *u = ms_state_user(st, account_ids[w]);

	assert_non_null(u);
	return u;
}


/* Does the JSON array of strings hold s? */
static bool json_has(const cJSON *a, const char *s)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, a) {
		if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
			return true;
	}
	return false;
}


static void test_state_init_defaults(void **state)
{
	struct ms_state st;

	(void)state;
	ms_state_init(&st);
	assert_int_equal(st.nroles, 3);
	assert_string_equal(st.roles[0].key, "DATA_MANAGER_ADMIN");
	assert_string_equal(st.roles[1].key, "ADAPTERS_ADMIN");
	assert_string_equal(st.roles[2].key, "DASHBOARDS_EDITOR");
	for (size_t i = 0; i < st.nroles; i++) {
		assert_non_null(st.roles[i].name);
		assert_int_equal(st.roles[i].users.n, 0);
		assert_int_equal(st.roles[i].groups.n, 0);
	}
	assert_int_equal(st.nperms, NACTIONS);
	assert_false(st.initialized);
	assert_int_equal(st.initialized_at, MS_NEVER);
	assert_null(st.initialized_by);
	assert_int_equal(st.nusers, 0);
	assert_int_equal(st.tokens.count, 0);
	assert_false(st.clock.frozen);
	ms_state_release(&st);
}


static void test_state_default_matrix_rows(void **state)
{
	struct ms_state *st = *state;
	const struct ms_permission *p;

	/* The rows themselves, with the Jira admin pseudo role. */
	p = ms_state_permission(st, "datamanager.initialize");
	assert_non_null(p);
	assert_int_equal(p->roles.n, 2);
	assert_true(ms_strv_has(&p->roles, "ADAPTERS_ADMIN"));
	assert_true(ms_strv_has(&p->roles, MS_ROLE_JIRA_ADMIN));
	p = ms_state_permission(st, "roles.view");
	assert_int_equal(p->roles.n, 3);
	p = ms_state_permission(st, "dashboards.edit");
	assert_int_equal(p->roles.n, 2);
	assert_true(ms_strv_has(&p->roles, "DASHBOARDS_EDITOR"));
	assert_false(ms_strv_has(&p->roles, MS_ROLE_JIRA_ADMIN));
	assert_null(ms_state_permission(st, "tokens.delete"));
}


static void test_state_default_matrix_grants(void **state)
{
	struct ms_state *st = *state;

	for (int i = 0; i < NACTIONS; i++) {
		const char *a = matrix[i].action;

		assert_non_null(ms_state_permission(st, a));
		for (int w = DMA; w <= DE; w++) {
			bool may = ms_state_user_may(st, user(st, w), a);
			if (may != matrix[i].may[w])
				fail_msg("%s may %s: got %d, want %d",
					 account_ids[w], a, may,
					 matrix[i].may[w]);
		}
		assert_false(ms_state_user_may(st, user(st, NOBODY), a));
		assert_int_equal(ms_state_user_may(st, user(st, GRP), a),
				 matrix[i].may[AA]);
	}
	assert_false(ms_state_user_may(st, user(st, AA), "no.such.action"));
	assert_false(ms_state_user_may(st, NULL, "roles.view"));
}


static void test_state_default_matrix_spot_checks(void **state)
{
	struct ms_state *st = *state;
	struct ms_user *dma = user(st, DMA), *aa = user(st, AA);
	struct ms_user *jira = user(st, JIRA), *de = user(st, DE);

	assert_true(ms_state_user_may(st, dma, "roles.update"));
	assert_false(ms_state_user_may(st, dma, "tokens.generate"));
	assert_false(ms_state_user_may(st, dma, "workspace.view_id"));
	assert_true(ms_state_user_may(st, aa, "tokens.generate"));
	assert_true(ms_state_user_may(st, aa, "datamanager.initialize"));
	assert_false(ms_state_user_may(st, aa, "roles.update"));
	assert_false(ms_state_user_may(st, aa, "cleanse.manage"));
	assert_true(ms_state_user_may(st, jira, "datamanager.initialize"));
	assert_true(ms_state_user_may(st, jira, "roles.view"));
	assert_true(ms_state_user_may(st, jira, "roles.update"));
	assert_false(ms_state_user_may(st, jira, "tokens.generate"));
	assert_true(ms_state_user_may(st, de, "dashboards.edit"));
	assert_false(ms_state_user_may(st, de, "roles.view"));
}


static void test_state_role_through_group(void **state)
{
	struct ms_state *st = *state;
	struct ms_user *grp = user(st, GRP);

	assert_true(ms_state_user_has_role(st, grp, "ADAPTERS_ADMIN"));
	assert_false(ms_state_user_has_role(st, grp, "DATA_MANAGER_ADMIN"));
	assert_false(ms_state_user_has_role(st, grp, MS_ROLE_JIRA_ADMIN));
	assert_true(ms_state_user_may(st, grp, "tokens.generate"));

	/* Leaving the group takes the role away. */
	ms_strv_clear(&st->groups[0].members);
	assert_false(ms_state_user_has_role(st, grp, "ADAPTERS_ADMIN"));
	assert_false(ms_state_user_may(st, grp, "tokens.generate"));
	/* A role naming a group that does not exist grants nothing. */
	assert_int_equal(ms_strv_push(
		&ms_state_role(st, "DASHBOARDS_EDITOR")->groups, "ghosts"), 0);
	assert_false(ms_state_user_has_role(st, grp, "DASHBOARDS_EDITOR"));
}


static void test_state_jira_admin_pseudo_role(void **state)
{
	struct ms_state *st = *state;

	assert_true(ms_state_user_has_role(st, user(st, JIRA),
					   MS_ROLE_JIRA_ADMIN));
	assert_false(ms_state_user_has_role(st, user(st, AA),
					    MS_ROLE_JIRA_ADMIN));
	assert_false(ms_state_user_has_role(st, user(st, JIRA),
					    "ADAPTERS_ADMIN"));
	assert_false(ms_state_user_has_role(st, user(st, AA), "NO_ROLE"));
}


static void test_state_permission_set_replaces_row(void **state)
{
	struct ms_state *st = *state;
	struct ms_strv roles = {0};
	size_t n = st->nperms;

	assert_int_equal(ms_strv_push(&roles, "DASHBOARDS_EDITOR"), 0);
	assert_int_equal(ms_state_permission_set(st, "tokens.generate",
						 &roles), 0);
	assert_int_equal(st->nperms, n);
	assert_int_equal(ms_state_permission(st, "tokens.generate")->roles.n,
			 1);
	assert_true(ms_state_user_may(st, user(st, DE), "tokens.generate"));
	assert_false(ms_state_user_may(st, user(st, AA), "tokens.generate"));
	/* Other rows are untouched. */
	assert_true(ms_state_user_may(st, user(st, AA), "tokens.view"));

	/* A new action makes a new row. */
	ms_strv_clear(&roles);
	assert_int_equal(ms_strv_push(&roles, MS_ROLE_JIRA_ADMIN), 0);
	assert_int_equal(ms_state_permission_set(st, "custom.audit", &roles),
			 0);
	assert_int_equal(st->nperms, n + 1);
	assert_true(ms_state_user_may(st, user(st, JIRA), "custom.audit"));
	assert_false(ms_state_user_may(st, user(st, DMA), "custom.audit"));

	/* An empty row grants nobody. */
	ms_strv_clear(&roles);
	assert_int_equal(ms_state_permission_set(st, "roles.view", &roles),
			 0);
	for (int w = 0; w < NWHO; w++)
		assert_false(ms_state_user_may(st, user(st, w),
					       "roles.view"));
}


static void test_state_role_add(void **state)
{
	struct ms_state *st = *state;
	struct ms_role *r = ms_state_role_add(st, "AUDITOR", "Auditor");
	struct ms_strv roles = {0};
	cJSON *o;

	assert_non_null(r);
	assert_int_equal(st->nroles, 4);
	assert_ptr_equal(ms_state_role_add(st, "AUDITOR", "Other"),
			 ms_state_role(st, "AUDITOR"));
	assert_int_equal(st->nroles, 4);
	assert_string_equal(ms_state_role(st, "AUDITOR")->name, "Auditor");
	assert_string_equal(ms_state_role_add(st, "BARE", NULL)->name,
			    "BARE");

	grant(st, "AUDITOR", "acc-nobody");
	assert_int_equal(ms_strv_push(&roles, "AUDITOR"), 0);
	assert_int_equal(ms_state_permission_set(st, "audit.read", &roles),
			 0);
	ms_strv_clear(&roles);
	assert_true(ms_state_user_may(st, user(st, NOBODY), "audit.read"));

	o = ms_state_role_json(ms_state_role(st, "ADAPTERS_ADMIN"));
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "role")),
		"ADAPTERS_ADMIN");
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(o, "name")),
		"Adapters admin");
	assert_int_equal(cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(o, "users")), 1);
	assert_true(json_has(cJSON_GetObjectItemCaseSensitive(o, "users"),
			     "acc-aa"));
	assert_true(json_has(cJSON_GetObjectItemCaseSensitive(o, "groups"),
			     "adapters-team"));
	cJSON_Delete(o);
}


static void test_state_user_roles_json(void **state)
{
	struct ms_state *st = *state;
	cJSON *a;

	a = ms_state_user_roles_json(st, user(st, DMA));
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_true(json_has(a, "DATA_MANAGER_ADMIN"));
	cJSON_Delete(a);

	a = ms_state_user_roles_json(st, user(st, GRP));
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_true(json_has(a, "ADAPTERS_ADMIN"));
	cJSON_Delete(a);

	a = ms_state_user_roles_json(st, user(st, NOBODY));
	assert_true(cJSON_IsArray(a));
	assert_int_equal(cJSON_GetArraySize(a), 0);
	cJSON_Delete(a);

	/* Two roles, one direct and one through the group. */
	grant(st, "DASHBOARDS_EDITOR", "acc-grp");
	a = ms_state_user_roles_json(st, user(st, GRP));
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_true(json_has(a, "ADAPTERS_ADMIN"));
	assert_true(json_has(a, "DASHBOARDS_EDITOR"));
	cJSON_Delete(a);

	/* A Jira admin holds none of the real roles. */
	a = ms_state_user_roles_json(st, user(st, JIRA));
	assert_false(json_has(a, "DATA_MANAGER_ADMIN"));
	assert_false(json_has(a, "ADAPTERS_ADMIN"));
	assert_false(json_has(a, "DASHBOARDS_EDITOR"));
	cJSON_Delete(a);
}


static void test_state_user_permissions_json(void **state)
{
	struct ms_state *st = *state;

	for (int w = DMA; w <= DE; w++) {
		cJSON *a = ms_state_user_permissions_json(st, user(st, w));
		int want = 0;

		assert_true(cJSON_IsArray(a));
		for (int i = 0; i < NACTIONS; i++) {
			assert_int_equal(json_has(a, matrix[i].action),
					 matrix[i].may[w]);
			want += matrix[i].may[w];
		}
		assert_int_equal(cJSON_GetArraySize(a), want);
		cJSON_Delete(a);
	}
	{
		cJSON *a = ms_state_user_permissions_json(st,
							  user(st, NOBODY));
		assert_int_equal(cJSON_GetArraySize(a), 0);
		cJSON_Delete(a);
	}
}


static void test_state_lookups(void **state)
{
	struct ms_state *st = *state;

	assert_ptr_equal(ms_state_user(st, "acc-aa"), &st->users[AA]);
	assert_null(ms_state_user(st, "acc-none"));
	assert_ptr_equal(ms_state_user_by_email(st, "AA@Example.com"),
			 &st->users[AA]);
	assert_null(ms_state_user_by_email(st, "dma@example.com"));
	assert_ptr_equal(ms_state_group(st, "adapters-team"), &st->groups[0]);
	assert_null(ms_state_group(st, "Adapters-Team"));
	assert_null(ms_state_role(st, "adapters_admin"));
}


static void test_state_expiry_options_default(void **state)
{
	struct ms_state *st = *state;
	static const char *const want[] = {"P1M", "P3M", "P6M", "P1Y"};

	assert_int_equal(st->expiry_options.n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(st->expiry_options.v[i], want[i]);
		assert_true(ms_state_expiry_allowed(st, want[i]));
	}
	assert_string_equal(st->default_expiry, "P3M");
	assert_false(ms_state_expiry_allowed(st, "P2M"));
	assert_false(ms_state_expiry_allowed(st, "P12M"));
	assert_false(ms_state_expiry_allowed(st, "p3m"));
	assert_false(ms_state_expiry_allowed(st, ""));
}


/* Create a token at start with expiry and check its expiresAt. */
static void check_expiry(struct ms_state *st, const char *start,
			 const char *expiry, const char *want)
{
	struct ms_token *t;
	char buf[MS_TIME_BUFSZ];

	vclock_init(&st->clock, at(start), true);
	t = ms_state_token_create(st, "label", MS_TOKEN_ADAPTERS_CLIENT,
				  expiry, "acc-aa");
	assert_non_null(t);
	assert_string_equal(ms_time_format(t->created_at, buf), start);
	assert_string_equal(ms_time_format(t->expires_at, buf), want);
	assert_int_equal(ms_token_status(t, t->expires_at - 1),
			 MS_TOKEN_ACTIVE);
	assert_int_equal(ms_token_status(t, t->expires_at), MS_TOKEN_EXPIRED);
}


static void test_state_token_create_calendar_months(void **state)
{
	struct ms_state *st = *state;

	check_expiry(st, "2026-01-31T10:00:00.000Z", "P1M",
		     "2026-02-28T10:00:00.000Z");
	check_expiry(st, "2027-11-30T10:00:00.000Z", "P3M",
		     "2028-02-29T10:00:00.000Z");
	check_expiry(st, "2026-11-30T10:00:00.000Z", "P3M",
		     "2027-02-28T10:00:00.000Z");
	check_expiry(st, "2026-08-31T23:59:59.999Z", "P6M",
		     "2027-02-28T23:59:59.999Z");
	check_expiry(st, "2028-02-29T00:00:00.000Z", "P1Y",
		     "2029-02-28T00:00:00.000Z");
	check_expiry(st, "2026-01-15T09:00:00.000Z", "P3M",
		     "2026-04-15T09:00:00.000Z");
	assert_int_equal(st->tokens.count, 6);
}


static void test_state_token_create_fields(void **state)
{
	struct ms_state *st = *state;
	ms_time_t t0 = at("2026-01-31T10:00:00.000Z");
	struct ms_token *t, *u;
	enum ms_secret_match m;

	st->workspace_id = xstrdup("ws-42");
	vclock_init(&st->clock, t0, true);
	t = ms_state_token_create(st, "prod", MS_TOKEN_CLEANSE_AND_IMPORT,
				  "P1M", "acc-aa");
	u = ms_state_token_create(st, "fixture", MS_TOKEN_BASIC_AUTH, "P1Y",
				  NULL);
	assert_non_null(t);
	assert_non_null(u);
	assert_string_equal(t->label, "prod");
	assert_int_equal(t->type, MS_TOKEN_CLEANSE_AND_IMPORT);
	assert_string_equal(t->expiry, "P1M");
	assert_string_equal(t->created_by, "acc-aa");
	assert_string_equal(t->workspace_id, "ws-42");
	assert_int_equal(t->created_at, t0);
	assert_int_equal(t->last_used_at, MS_NEVER);
	assert_false(t->revoked);
	assert_null(u->created_by);
	assert_int_equal(strlen(t->id), MS_UUID_BUFSZ - 1);
	assert_string_not_equal(t->id, u->id);
	assert_true(ms_token_secret_wellformed(t->secret));
	assert_int_equal(strncmp(t->secret,
				 ms_token_type_prefix(
					 MS_TOKEN_CLEANSE_AND_IMPORT),
				 strlen(ms_token_type_prefix(
					 MS_TOKEN_CLEANSE_AND_IMPORT))), 0);
	assert_string_not_equal(t->secret, u->secret);

	assert_int_equal(st->tokens.count, 2);
	assert_ptr_equal(ms_token_store_by_id(&st->tokens, t->id), t);
	assert_ptr_equal(ms_token_store_by_secret(&st->tokens, t->secret,
						  &m), t);
	assert_int_equal(m, MS_SECRET_CURRENT);
	assert_ptr_equal(ms_token_store_by_label(&st->tokens, "fixture"), u);
}


static void test_state_token_regenerate(void **state)
{
	struct ms_state *st = *state;
	struct ms_token *t;
	char id[MS_UUID_BUFSZ];
	char *old;
	char buf[MS_TIME_BUFSZ];
	enum ms_secret_match m;

	vclock_init(&st->clock, at("2026-01-31T10:00:00.000Z"), true);
	t = ms_state_token_create(st, "prod", MS_TOKEN_ADAPTERS_CLIENT, "P1M",
				  "acc-aa");
	assert_non_null(t);
	strcpy(id, t->id);
	old = xstrdup(t->secret);

	vclock_set(&st->clock, at("2026-03-31T08:00:00.000Z"));
	assert_int_equal(ms_state_token_regenerate(st, t), 0);
	assert_string_equal(t->id, id);
	assert_string_not_equal(t->secret, old);
	assert_true(ms_token_secret_wellformed(t->secret));
	assert_string_equal(t->expiry, "P1M");
	/* From now, the same expiry: Mar 31 + P1M clamps to Apr 30. */
	assert_string_equal(ms_time_format(t->expires_at, buf),
			    "2026-04-30T08:00:00.000Z");
	assert_int_equal(ms_token_status(t, vclock_now(&st->clock)),
			 MS_TOKEN_ACTIVE);

	assert_ptr_equal(ms_token_store_by_secret(&st->tokens, t->secret,
						  &m), t);
	assert_int_equal(m, MS_SECRET_CURRENT);
	assert_ptr_equal(ms_token_store_by_secret(&st->tokens, old, &m), t);
	assert_int_equal(m, MS_SECRET_RETIRED);
	assert_ptr_equal(ms_token_store_by_id(&st->tokens, id), t);
	assert_int_equal(st->tokens.count, 1);
	free(old);
}


/* Regenerating renews the secret and expiresAt only (SPEC section 3):
 * the token was still created when it was. */
static void test_state_token_regenerate_keeps_created_at(void **state)
{
	struct ms_state *st = *state;
	struct ms_token *t;
	char buf[MS_TIME_BUFSZ];

	vclock_init(&st->clock, at("2026-01-31T10:00:00.000Z"), true);
	t = ms_state_token_create(st, "prod", MS_TOKEN_ADAPTERS_CLIENT, "P1M",
				  "acc-aa");
	assert_non_null(t);
	vclock_set(&st->clock, at("2026-02-10T10:00:00.000Z"));
	assert_int_equal(ms_state_token_regenerate(st, t), 0);
	assert_string_equal(ms_time_format(t->expires_at, buf),
			    "2026-03-10T10:00:00.000Z");
	assert_string_equal(ms_time_format(t->created_at, buf),
			    "2026-01-31T10:00:00.000Z");
}


static void test_state_token_create_deterministic(void **state)
{
	struct ms_state a, b;
	struct ms_token *ta, *tb;

	(void)state;
	ms_state_init(&a);
	ms_state_init(&b);
	ms_rng_init(&a.rng, true, 99, "tenant");
	ms_rng_init(&b.rng, true, 99, "tenant");
	ta = ms_state_token_create(&a, "x", MS_TOKEN_BASIC_AUTH, "P3M", NULL);
	tb = ms_state_token_create(&b, "x", MS_TOKEN_BASIC_AUTH, "P3M", NULL);
	assert_non_null(ta);
	assert_non_null(tb);
	assert_string_equal(ta->id, tb->id);
	assert_string_equal(ta->secret, tb->secret);
	ms_state_release(&a);
	ms_state_release(&b);
}


#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_init_defaults),
		T(test_state_default_matrix_rows),
		T(test_state_default_matrix_grants),
		T(test_state_default_matrix_spot_checks),
		T(test_state_role_through_group),
		T(test_state_jira_admin_pseudo_role),
		T(test_state_permission_set_replaces_row),
		T(test_state_role_add),
		T(test_state_user_roles_json),
		T(test_state_user_permissions_json),
		T(test_state_lookups),
		T(test_state_expiry_options_default),
		T(test_state_token_create_calendar_months),
		T(test_state_token_create_fields),
		T(test_state_token_regenerate),
		T(test_state_token_regenerate_keeps_created_at),
		cmocka_unit_test(test_state_token_create_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
