/*
 * scenario_fields: what a scenario may say (SPEC.md section 6). See
 * scenario_int.h for how the scenario modules share the work.
 *
 * Each part of a scenario (a user, a group, a role, a token, the site,
 * the clock, the top document, an included fixture) has a table of the
 * keys it takes: for each, the v_* check of its value on the merged
 * document and, for what merging needs, on each file's first look. A
 * part's post check looks across its keys. References (a group's
 * members, a role's holders) are looked up in the indexes that
 * scenario_check.c builds from the merged document.
 *
 * The rules and events are checked by scenario_script.c, rateLimit and
 * expect by scenario_expect.c, with the value checks they share from
 * here (scn_v_*).
 *
 * Beyond the keys SPEC.md lists, a token may give its "id", "createdBy",
 * "lastUsedAt" and "expiresAt" (default: createdAt plus expiry), and the
 * site "initializedAt" and "initializedBy", so that the state a tenant
 * reached loads back unchanged (ms_scenario_from_state).
 *
 * The tables are constant and the checks only read the document: nothing
 * here owns memory past a call. Walking the document, the key path and
 * placing errors in the text are scenario_check.c's job.
 */
#include "scenario_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT_ID_MAX 128
#define WORKSPACE_ID_MAX 64
#define ROLE_KEY_MAX 64


/* ---- Checking: single values -------------------------------------------- */

/*
 * Each v_* checks the value v at the current path and returns 0, or -1
 * with the error reported (value_fn).
 */

/* Any string. */
static int v_string(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return scn_fail(ck, "expected a string%s", scn_found(v));
	return 0;
}


/* A string that is not empty. */
int scn_v_text(struct check *ck, const cJSON *v)
{
	if (v_string(ck, v))
		return -1;
	if (!v->valuestring[0])
		return scn_fail(ck, "expected a non-empty string");
	return 0;
}


/* true or false, never 0 or "yes". */
int scn_v_bool(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsBool(v))
		return scn_fail(ck, "expected true or false%s", scn_found(v));
	return 0;
}


/* Any array (its items are checked elsewhere, if at all). */
static int v_array(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsArray(v))
		return scn_fail(ck, "expected an array%s", scn_found(v));
	return 0;
}


/* Any object (its members are checked elsewhere, if at all). */
static int v_object(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsObject(v))
		return scn_fail(ck, "expected an object%s", scn_found(v));
	return 0;
}


/* An object that gives no key twice: merging goes key by key. */
static int v_keyed(struct check *ck, const cJSON *v)
{
	return v_object(ck, v) || scn_check_dup_keys(ck, v) ? -1 : 0;
}


/* An instant that ms_time_parse takes. */
int scn_v_time(struct check *ck, const cJSON *v)
{
	ms_time_t t;

	if (!cJSON_IsString(v) || ms_time_parse(v->valuestring, &t))
		return scn_fail(ck, "expected an ISO-8601 UTC time like "
				"2026-01-15T09:00:00.000Z");
	return 0;
}


/* The clock's start: "now" or an instant. */
static int v_start(struct check *ck, const cJSON *v)
{
	ms_time_t t;

	if (!cJSON_IsString(v) || (strcmp(v->valuestring, "now") != 0 &&
				   ms_time_parse(v->valuestring, &t)))
		return scn_fail(ck, "expected \"now\" or an ISO-8601 UTC time "
				"like 2026-01-15T09:00:00.000Z");
	return 0;
}


/* A period that ms_period_parse takes (zero allowed). */
int scn_v_period(struct check *ck, const cJSON *v)
{
	struct ms_period p;

	if (!cJSON_IsString(v) || ms_period_parse(v->valuestring, &p))
		return scn_fail(ck, "expected an ISO-8601 period like P3M, P1Y "
				"or P90D");
	return 0;
}


/* An expiry a user may choose: a period longer than zero. */
static int v_option(struct check *ck, const cJSON *v)
{
	struct ms_period p;

	if (scn_v_period(ck, v))
		return -1;
	ms_period_parse(v->valuestring, &p);
	if (p.months <= 0 && p.ms <= 0)
		return scn_fail(ck, "expected a period longer than zero");
	return 0;
}


/* An account id being defined: not empty, not too long. */
static int v_account(struct check *ck, const cJSON *v)
{
	if (scn_v_text(ck, v))
		return -1;
	if (strlen(v->valuestring) > ACCOUNT_ID_MAX)
		return scn_fail(ck, "expected an account id of at most %d "
				"characters", ACCOUNT_ID_MAX);
	return 0;
}


/* Basic auth sends "email:apiToken", so an email cannot hold a colon. */
static int v_email(struct check *ck, const cJSON *v)
{
	const char *s;

	if (v_string(ck, v))
		return -1;
	s = v->valuestring;
	if (!strchr(s, '@') || s[0] == '@' || !strchr(s, '@')[1] ||
	    strpbrk(s, ": \t\r\n"))
		return scn_fail(ck, "expected an email address like "
				"ada@example.com, without ':' or spaces");
	return 0;
}


/* A token label, as the site plane would take it. */
static int v_label(struct check *ck, const cJSON *v)
{
	const char *why = NULL;
	char *trimmed = NULL;

	if (v_string(ck, v))
		return -1;
	if (ms_token_label_check(v->valuestring, &trimmed, &why))
		return scn_fail(ck, "bad label: %s",
				why ? why : "expected 1 to 255 characters");
	free(trimmed);
	return 0;
}


/* "ADAPTERS_CLIENT, CLEANSE_AND_IMPORT, BASIC_AUTH" */
static void type_keys(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int t = 0; t < MS_TOKEN_TYPE_COUNT && used < len; t++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 t ? ", " : "",
				 ms_token_type_key((enum ms_token_type)t));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


/* One of the token type keys. */
static int v_type(struct check *ck, const cJSON *v)
{
	enum ms_token_type t;
	char keys[128];

	if (cJSON_IsString(v) && !ms_token_type_parse(v->valuestring, &t))
		return 0;
	type_keys(keys, sizeof(keys));
	return scn_fail(ck, "expected a token type, one of %s", keys);
}


/* A fixture secret must pass for a real one, or the server would call
 * every use of it malformed rather than look it up. */
static int v_secret(struct check *ck, const cJSON *v)
{
	if (v_string(ck, v))
		return -1;
	if (!ms_token_secret_wellformed(v->valuestring))
		return scn_fail(ck, "expected a well-formed token secret: a "
				"token type's prefix then 16 to 512 base64url "
				"characters (A-Z a-z 0-9 - _); the server "
				"would answer any other secret as malformed");
	return 0;
}


/* Lower-case 8-4-4-4-12 hexadecimal, as ids are minted. */
static int v_uuid(struct check *ck, const cJSON *v)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";
	bool ok = strlen(s) == MS_UUID_BUFSZ - 1;

	for (size_t i = 0; ok && s[i]; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		ok = dash ? s[i] == '-'
			  : (s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f');
	}
	if (!ok)
		return scn_fail(ck, "expected a lower-case UUID like "
				"3f2b8c1e-9d4a-4e6f-8b7c-2a1d0e9f8c7b");
	return 0;
}


/* A workspace id goes into gateway paths: keep it path-safe. */
static int v_workspace(struct check *ck, const cJSON *v)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";
	size_t n = strlen(s);

	if (n == 0 || n > WORKSPACE_ID_MAX ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789._-") != n)
		return scn_fail(ck, "expected a workspace id: 1 to %d "
				"characters of A-Z a-z 0-9 . _ -",
				WORKSPACE_ID_MAX);
	/* A gateway path could not name it: dot segments are refused. */
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return scn_fail(ck, "expected a workspace id, not . or .., "
				"which a gateway path cannot hold");
	return 0;
}


/* ---- Checking: references between parts --------------------------------- */

/* The accountId of a user defined in users. */
int scn_v_user_ref(struct check *ck, const cJSON *v)
{
	if (scn_v_text(ck, v))
		return -1;
	if (!scn_index_has(&ck->users, v->valuestring))
		return scn_fail(ck, "no user has accountId '%s'; expected the "
				"accountId of a user in users", v->valuestring);
	return 0;
}


/* The name of a group defined in groups. */
int scn_v_group_ref(struct check *ck, const cJSON *v)
{
	if (scn_v_text(ck, v))
		return -1;
	if (!scn_index_has(&ck->groups, v->valuestring))
		return scn_fail(ck, "no group is named '%s'; expected the name "
				"of a group in groups", v->valuestring);
	return 0;
}


/* "A, B, C": the keys of the built-in roles, or of the actions. */
static void scratch_keys(const struct check *ck, bool actions, char *buf,
			 size_t len)
{
	size_t n = actions ? ck->scratch.nperms : ck->scratch.nroles;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *k = actions ? ck->scratch.perms[i].action
					: ck->scratch.roles[i].key;
		int w = snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", k);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


/* A role that can be given holders: built in, or defined in roles. */
int scn_v_role_key(struct check *ck, const cJSON *v)
{
	char keys[256];

	if (scn_v_text(ck, v))
		return -1;
	if (scn_index_has(&ck->roles, v->valuestring))
		return 0;
	scratch_keys(ck, false, keys, sizeof(keys));
	if (strcmp(v->valuestring, MS_ROLE_JIRA_ADMIN) == 0)
		return scn_fail(ck, "%s is held by every Jira admin and has no "
				"holders to set; expected %s or a role "
				"defined in roles", MS_ROLE_JIRA_ADMIN, keys);
	return scn_fail(ck, "no role '%s'; expected %s or a role defined in "
			"roles", v->valuestring, keys);
}


/* A built-in or defined role key, or the Jira admins' pseudo role. */
static int v_role_ref(struct check *ck, const cJSON *v)
{
	char keys[256];

	if (scn_v_text(ck, v))
		return -1;
	if (strcmp(v->valuestring, MS_ROLE_JIRA_ADMIN) == 0 ||
	    scn_index_has(&ck->roles, v->valuestring))
		return 0;
	scratch_keys(ck, false, keys, sizeof(keys));
	return scn_fail(ck, "no role '%s'; expected %s, a role defined in "
			"roles, or %s", v->valuestring, keys,
			MS_ROLE_JIRA_ADMIN);
}


/* Arrays of references: users, groups, roles. */
static int v_user_refs(struct check *ck, const cJSON *v)
{
	return scn_each_element(ck, v, scn_v_user_ref);
}


static int v_group_refs(struct check *ck, const cJSON *v)
{
	return scn_each_element(ck, v, scn_v_group_ref);
}


static int v_role_refs(struct check *ck, const cJSON *v)
{
	return scn_each_element(ck, v, v_role_ref);
}


/* ---- Checking: the parts of a scenario ---------------------------------- */

/* A user with an API token signs in as email:apiToken, so needs both. */
static int user_post(struct check *ck, const cJSON *u)
{
	if (cJSON_GetObjectItemCaseSensitive(u, "apiToken") &&
	    !cJSON_GetObjectItemCaseSensitive(u, "email"))
		return scn_fail_key(ck, "email", "missing 'email': a user with "
				    "an apiToken signs in with email:apiToken");
	return 0;
}

static const struct field user_fields[] = {
	{ "accountId", v_account, NULL, true },
	{ "displayName", v_string, NULL, false },
	{ "email", v_email, NULL, false },
	{ "apiToken", scn_v_text, NULL, false },
	{ "jiraAdmin", scn_v_bool, NULL, false },
	{ "assetsVisible", scn_v_bool, NULL, false },
};
static const struct shape user_shape = SHAPE(user_fields, user_post);


/* One item of users. */
static int v_user(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &user_shape);
}


/* users: each item, then one accountId and one email a user. */
static int v_users(struct check *ck, const cJSON *v)
{
	if (scn_each_element(ck, v, v_user) ||
	    scn_check_unique(ck, v, "accountId", 0))
		return -1;
	return scn_check_unique(ck, v, "email", UNIQUE_NOCASE);
}


static const struct field group_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "members", v_user_refs, NULL, false },
	{ "assetsVisible", scn_v_bool, NULL, false },
};
static const struct shape group_shape = SHAPE(group_fields, NULL);


/* One item of groups. */
static int v_group(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &group_shape);
}


/* groups: each item, then one name a group. */
static int v_groups(struct check *ck, const cJSON *v)
{
	if (scn_each_element(ck, v, v_group))
		return -1;
	return scn_check_unique(ck, v, "name", 0);
}


static const struct field role_fields[] = {
	{ "name", scn_v_text, NULL, false },
	{ "users", v_user_refs, NULL, false },
	{ "groups", v_group_refs, NULL, false },
};
static const struct shape role_shape = SHAPE(role_fields, NULL);


/* [A-Z][A-Z0-9_]*, at most ROLE_KEY_MAX characters. */
static bool role_key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > ROLE_KEY_MAX || k[0] < 'A' || k[0] > 'Z')
		return false;
	return strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}


/* One member of "roles": the key names the role, built in or new. */
static int v_role(struct check *ck, const cJSON *m)
{
	if (!role_key_ok(m->string))
		return scn_fail(ck, "bad role key '%s'; expected capitals, "
				"digits and '_', starting with a capital, "
				"like ADAPTERS_ADMIN", m->string);
	if (strcmp(m->string, MS_ROLE_JIRA_ADMIN) == 0)
		return scn_fail(ck, "%s is the pseudo role of every Jira "
				"admin and cannot be defined; set jiraAdmin "
				"on a user", MS_ROLE_JIRA_ADMIN);
	return scn_check_object(ck, m, &role_shape);
}


/* roles: role key to its name and holders. */
static int v_roles(struct check *ck, const cJSON *v)
{
	return scn_each_member(ck, v, v_role);
}


/* One row of "permissions": a known action and the roles granted it. */
static int v_permission(struct check *ck, const cJSON *m)
{
	char actions[400];

	if (!ms_state_permission(&ck->scratch, m->string)) {
		scratch_keys(ck, true, actions, sizeof(actions));
		return scn_fail(ck, "unknown action '%s'; expected one of %s",
				m->string, actions);
	}
	return v_role_refs(ck, m);
}


/* permissions: action to the role keys granted it. */
static int v_permissions(struct check *ck, const cJSON *v)
{
	return scn_each_member(ck, v, v_permission);
}


/* A fixture secret carries the prefix of its own token type. */
static int token_post(struct check *ck, const cJSON *t)
{
	const cJSON *secret = cJSON_GetObjectItemCaseSensitive(t, "secret");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(t, "type");
	enum ms_token_type ty;
	const char *prefix;

	if (!secret || ms_token_type_parse(type->valuestring, &ty))
		return 0;
	prefix = ms_token_type_prefix(ty);
	if (strncmp(secret->valuestring, prefix, strlen(prefix)) != 0)
		return scn_fail_key(ck, "secret", "expected a secret "
				    "starting with '%s', the prefix of %s "
				    "tokens", prefix, ms_token_type_key(ty));
	return 0;
}

static const struct field token_fields[] = {
	{ "id", v_uuid, NULL, false },
	{ "label", v_label, NULL, true },
	{ "type", v_type, NULL, true },
	{ "secret", v_secret, NULL, false },
	{ "createdAt", scn_v_time, NULL, false },
	{ "expiry", scn_v_period, NULL, false },
	{ "expiresAt", scn_v_time, NULL, false },
	{ "revoked", scn_v_bool, NULL, false },
	{ "workspaceId", v_workspace, NULL, false },
	{ "createdBy", scn_v_user_ref, NULL, false },
	{ "lastUsedAt", scn_v_time, NULL, false },
};
static const struct shape token_shape = SHAPE(token_fields, token_post);


/* One item of tokens. */
static int v_token(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &token_shape);
}


/* tokens: each item, then no secret or id twice. */
static int v_tokens(struct check *ck, const cJSON *v)
{
	if (scn_each_element(ck, v, v_token) ||
	    scn_check_unique(ck, v, "secret", UNIQUE_SECRET))
		return -1;
	return scn_check_unique(ck, v, "id", 0);
}


/* Who initialized the site and when make sense only once it was. */
static int site_post(struct check *ck, const cJSON *site)
{
	static const char *const only[] = { "initializedAt", "initializedBy" };

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(site,
							  "initialized")))
		return 0;
	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(site, only[i]))
			return scn_fail_key(ck, only[i], "'%s' is only "
					    "allowed when initialized is true",
					    only[i]);
	return 0;
}

static const struct field site_fields[] = {
	{ "initialized", scn_v_bool, NULL, false },
	{ "workspaceId", v_workspace, NULL, false },
	{ "initializedAt", scn_v_time, NULL, false },
	{ "initializedBy", scn_v_user_ref, NULL, false },
};
static const struct shape site_shape = SHAPE(site_fields, site_post);


/* site: initialized or not, the workspace id, by whom and when. */
static int v_site(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &site_shape);
}


static const struct field clock_fields[] = {
	{ "start", v_start, NULL, false },
	{ "frozen", scn_v_bool, NULL, false },
};
static const struct shape clock_shape = SHAPE(clock_fields, NULL);


/* clock: where it starts and whether it runs. */
static int v_clock(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &clock_shape);
}


/* The same length of time given twice, whatever its spelling. */
static int options_distinct(struct check *ck, const cJSON *v)
{
	const cJSON *a, *b;
	int i = 0;

	cJSON_ArrayForEach(a, v) {
		struct ms_period pa, pb;
		int j = 0;

		ms_period_parse(a->valuestring, &pa);
		for (b = v->child; b != a; b = b->next, j++) {
			ms_period_parse(b->valuestring, &pb);
			if (pa.months == pb.months && pa.ms == pb.ms) {
				scn_push_index(ck, i);
				scn_fail(ck, "the same period as "
					 "expiryOptions[%d]", j);
				scn_pop(ck);
				return -1;
			}
		}
		i++;
	}
	return 0;
}


/* expiryOptions: 1 to MS_EXPIRY_OPTIONS_MAX distinct periods. */
static int v_options(struct check *ck, const cJSON *v)
{
	int n;

	if (v_array(ck, v))
		return -1;
	n = cJSON_GetArraySize(v);
	if (n < 1 || n > MS_EXPIRY_OPTIONS_MAX)
		return scn_fail(ck, "expected 1 to %d expiry periods, found %d",
				MS_EXPIRY_OPTIONS_MAX, n);
	if (scn_each_element(ck, v, v_option))
		return -1;
	return options_distinct(ck, v);
}


/* Is period one of the options (the document's, or the built-in ones)?
 * Fills list with them all, for a message. */
static bool option_listed(const struct check *ck, const cJSON *opts,
			  const char *period, char *list, size_t len)
{
	const struct ms_strv *def = &ck->scratch.expiry_options;
	const cJSON *o;
	size_t n = opts ? (size_t)cJSON_GetArraySize(opts) : def->n;
	size_t used = 0;
	bool hit = false;

	list[0] = '\0';
	o = opts ? opts->child : NULL;
	for (size_t i = 0; i < n && used < len; i++) {
		const char *p = opts ? o->valuestring : def->v[i];
		int w = snprintf(list + used, len - used, "%s%s",
				 i ? ", " : "", p);

		hit = hit || strcmp(p, period) == 0;
		if (w > 0)
			used += (size_t)w;
		o = o ? o->next : NULL;
	}
	return hit;
}


/* The default expiry must be one of the options a user may choose. */
static int root_post(struct check *ck, const cJSON *doc)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(doc,
							     "expiryOptions");
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(doc,
							    "defaultExpiry");
	const char *want = def ? def->valuestring
			       : ck->scratch.default_expiry;
	char list[400];

	if (!want || option_listed(ck, opts, want, list, sizeof(list)))
		return 0;
	if (def)
		return scn_fail_key(ck, "defaultExpiry", "expected one of "
				    "the expiryOptions (%s), found '%s'",
				    list, want);
	return scn_fail_key(ck, "expiryOptions", "the default expiry %s is "
			    "not among the options; add it, or set "
			    "defaultExpiry to one of %s", want, list);
}


/* include: paths of fixtures, only in a document read from a file. */
static int v_include(struct check *ck, const cJSON *v)
{
	if (ck->body)
		return scn_fail(ck, "include is not allowed in a document "
				"that came from no file: there is nothing to "
				"resolve its paths against");
	return scn_each_element(ck, v, scn_v_text);
}

/* Keys of a scenario: checked on the merged document (fn) and, for what
 * merging needs, on each file's first look. */
static const struct field root_fields[] = {
	{ "name", v_string, v_string, false },
	{ "description", v_string, v_string, false },
	{ "include", NULL, v_include, false },
	{ "clock", v_clock, NULL, false },
	{ "site", v_site, NULL, false },
	{ "expiryOptions", v_options, NULL, false },
	{ "defaultExpiry", scn_v_text, NULL, false },
	{ "users", v_users, v_array, false },
	{ "groups", v_groups, v_array, false },
	{ "roles", v_roles, v_keyed, false },
	{ "permissions", v_permissions, v_keyed, false },
	{ "tokens", v_tokens, v_array, false },
	{ "rules", scn_v_rules, NULL, false },
	{ "rateLimit", scn_v_rate_limit, NULL, false },
	{ "events", scn_v_events, NULL, false },
	{ "expect", scn_v_expect, NULL, false },
};
const struct shape scn_root_shape = SHAPE(root_fields, root_post);

/* Keys of an included fixture: the people, tokens and roles only. */
static const struct field fixture_fields[] = {
	{ "name", NULL, v_string, false },
	{ "description", NULL, v_string, false },
	{ "include", NULL, v_include, false },
	{ "users", NULL, v_array, false },
	{ "groups", NULL, v_array, false },
	{ "roles", NULL, v_keyed, false },
	{ "permissions", NULL, v_keyed, false },
	{ "tokens", NULL, v_array, false },
};
const struct shape scn_fixture_shape = SHAPE(fixture_fields, NULL);
