/*
 * scenario_apply: a checked scenario document into a tenant state, and a
 * state back into a document. See scenario.h for the contract and
 * scenario_int.h for how the scenario modules share the work.
 *
 * Applying (ms_scenario_apply) fills a state fresh from ms_state_init()
 * from a document that loading or parsing accepted: the clock, the site,
 * the expiry settings, the people, the roles and the permission matrix,
 * then the tokens, whose secrets and ids not given come from the
 * tenant's random stream, then the rules and events (script.h), the
 * rate limit (ratelimit.h) and a copy of the expectations, which GET
 * /__mock/verify reads. It touches no file. It runs once at start, into
 * the template tenants are copied from (scenario_template.c), and for
 * every PUT /__mock/state. Whatever it draws from the random stream or
 * takes from the wall clock, a copy of the template must redo: keep
 * the two in step (tests/test_template.c compares them).
 * Dumping (ms_scenario_from_state) writes everything back, secrets and
 * the extra keys of a token and the site included, so that the state a
 * tenant reached loads back unchanged; rules and events go without
 * their counters, the rate limit without its buckets.
 *
 * The state owns every string applying copies into it, even after a
 * failure half-way (ms_state_release frees it); the document stays the
 * caller's. A dumped document belongs to the caller. Nothing here checks
 * a document: applying trusts the checks, and only guards against a
 * document that skipped them.
 */
#include "scenario_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ratelimit.h"
#include "script.h"

/* The workspace of a site whose scenario names none: a well-formed
 * version 4 UUID that is plainly made up. */
#define DEFAULT_WORKSPACE_ID "00000000-0000-4000-8000-000000000001"


/* ---- Applying a checked document ---------------------------------------- */

/*
 * Applying trusts the checks but never crashes on a document that skipped
 * them: a value of the wrong type falls back to its default, or fails.
 */

/* obj[key], or NULL (obj may be NULL). */
static const cJSON *get(const cJSON *obj, const char *key)
{
	return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}


/* The string under key, or dflt when absent or not a string. */
static const char *str_or(const cJSON *obj, const char *key,
			  const char *dflt)
{
	const cJSON *v = get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}


/* The boolean under key, or dflt when absent or not a boolean. */
static bool bool_or(const cJSON *obj, const char *key, bool dflt)
{
	const cJSON *v = get(obj, key);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}


/* The time under key, or dflt when absent. 0, or -1 if it is bad. */
static int time_or(const cJSON *obj, const char *key, ms_time_t dflt,
		   ms_time_t *out)
{
	const cJSON *v = get(obj, key);

	*out = dflt;
	if (!v)
		return 0;
	return cJSON_IsString(v) ? ms_time_parse(v->valuestring, out) : -1;
}


/* Replace *dst by a copy of s (NULL allowed). 0, or -1 out of memory. */
static int set_str(char **dst, const char *s)
{
	char *copy = s ? strdup(s) : NULL;

	if (s && !copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}


/* Replace v by the strings of arr (absent: none). 0, or -1. */
static int fill_strv(struct ms_strv *v, const cJSON *arr)
{
	const cJSON *s;

	ms_strv_clear(v);
	cJSON_ArrayForEach(s, arr)
		if (!cJSON_IsString(s) || ms_strv_push(v, s->valuestring))
			return -1;
	return 0;
}


/* Applying failed at key[index] (index < 0: at key). Returns -1. */
static int unapplied(struct ms_scenario_error *err, const char *key,
		     int index)
{
	scn_error_start(err, NULL);
	if (index >= 0)
		snprintf(err->path, sizeof(err->path), "%s[%d]", key, index);
	else
		snprintf(err->path, sizeof(err->path), "%s", key);
	snprintf(err->message, sizeof(err->message), "cannot apply: out of "
		 "memory, or a document that skipped the checks");
	return -1;
}


/* Start the clock ("now" when the document says nothing). */
static int apply_clock(const cJSON *doc, struct ms_state *st,
		       struct ms_scenario_error *err)
{
	const cJSON *clock = get(doc, "clock");
	const char *start = str_or(clock, "start", "now");
	ms_time_t t = ms_wall_now();

	if (strcmp(start, "now") != 0 && ms_time_parse(start, &t))
		return unapplied(err, "clock", -1);
	vclock_init(&st->clock, t, bool_or(clock, "frozen", false));
	return 0;
}


/* The name and the site; an initialized site without a date was
 * initialized when the clock starts. */
static int apply_site(const cJSON *doc, struct ms_state *st,
		      struct ms_scenario_error *err)
{
	const cJSON *site = get(doc, "site");
	const char *ws = str_or(site, "workspaceId", DEFAULT_WORKSPACE_ID);

	st->initialized = bool_or(site, "initialized", false);
	st->initialized_at = MS_NEVER;
	if (st->initialized &&
	    time_or(site, "initializedAt", st->clock.base,
		    &st->initialized_at))
		return unapplied(err, "site", -1);
	if (set_str(&st->workspace_id, ws) ||
	    set_str(&st->initialized_by,
		    str_or(site, "initializedBy", NULL)) ||
	    set_str(&st->scenario_name, str_or(doc, "name", NULL)))
		return unapplied(err, "site", -1);
	return 0;
}


/* The expiry options and default; absent, ms_state_init's stay. */
static int apply_expiry(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *opts = get(doc, "expiryOptions");
	const char *def = str_or(doc, "defaultExpiry", NULL);

	if (opts && fill_strv(&st->expiry_options, opts))
		return unapplied(err, "expiryOptions", -1);
	if (def && set_str(&st->default_expiry, def))
		return unapplied(err, "defaultExpiry", -1);
	return 0;
}


/* Fill x (zeroed) from u. 0, or -1 (x keeps what it got, for
 * ms_state_release to free). */
static int fill_user(const cJSON *u, struct ms_user *x)
{
	const char *id = str_or(u, "accountId", NULL);

	x->jira_admin = bool_or(u, "jiraAdmin", false);
	x->assets_visible = bool_or(u, "assetsVisible", true);
	if (!id || set_str(&x->account_id, id) ||
	    set_str(&x->display_name, str_or(u, "displayName", NULL)) ||
	    set_str(&x->email, str_or(u, "email", NULL)))
		return -1;
	return set_str(&x->api_token, str_or(u, "apiToken", NULL));
}


/* Append the users; each counted in st as soon as it exists, so a
 * failure half-way leaves st releasable. */
static int apply_users(const cJSON *doc, struct ms_state *st,
		       struct ms_scenario_error *err)
{
	const cJSON *users = get(doc, "users"), *u;
	size_t n = (size_t)cJSON_GetArraySize(users);
	struct ms_user *grown;
	int i = 0;

	if (n == 0)
		return 0;
	grown = realloc(st->users, (st->nusers + n) * sizeof(*grown));
	if (!grown)
		return unapplied(err, "users", -1);
	st->users = grown;
	cJSON_ArrayForEach(u, users) {
		struct ms_user *x = &st->users[st->nusers++];

		memset(x, 0, sizeof(*x));
		if (fill_user(u, x))
			return unapplied(err, "users", i);
		i++;
	}
	return 0;
}


/* Append the groups, as apply_users does the users. */
static int apply_groups(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *groups = get(doc, "groups"), *g;
	size_t n = (size_t)cJSON_GetArraySize(groups);
	struct ms_group *grown;
	int i = 0;

	if (n == 0)
		return 0;
	grown = realloc(st->groups, (st->ngroups + n) * sizeof(*grown));
	if (!grown)
		return unapplied(err, "groups", -1);
	st->groups = grown;
	cJSON_ArrayForEach(g, groups) {
		struct ms_group *x = &st->groups[st->ngroups++];
		const char *name = str_or(g, "name", NULL);

		memset(x, 0, sizeof(*x));
		x->assets_visible = bool_or(g, "assetsVisible", true);
		if (!name || set_str(&x->name, name) ||
		    fill_strv(&x->members, get(g, "members")))
			return unapplied(err, "groups", i);
		i++;
	}
	return 0;
}


/* Each role named replaces the holders of a built-in role, or adds a
 * role; a role not named keeps what ms_state_init gave it. */
static int apply_roles(const cJSON *doc, struct ms_state *st,
		       struct ms_scenario_error *err)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, get(doc, "roles")) {
		const char *name = str_or(m, "name", NULL);
		struct ms_role *r = m->string ? ms_state_role(st, m->string)
					      : NULL;

		if (!m->string)
			return unapplied(err, "roles", -1);
		if (!r)
			r = ms_state_role_add(st, m->string, name);
		else if (name && set_str(&r->name, name))
			r = NULL;
		if (!r || fill_strv(&r->users, get(m, "users")) ||
		    fill_strv(&r->groups, get(m, "groups")))
			return unapplied(err, "roles", -1);
	}
	return 0;
}


/* Each action named replaces its row of the default matrix. */
static int apply_permissions(const cJSON *doc, struct ms_state *st,
			     struct ms_scenario_error *err)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, get(doc, "permissions")) {
		struct ms_strv roles = { 0 };
		int rc = !m->string || fill_strv(&roles, m) ||
			 ms_state_permission_set(st, m->string, &roles);

		ms_strv_clear(&roles);
		if (rc)
			return unapplied(err, "permissions", -1);
	}
	return 0;
}


/* A token's times: made at createdAt (default: the clock's start),
 * expiring expiry later unless expiresAt says otherwise. */
static int token_times(const cJSON *item, const struct ms_state *st,
		       struct ms_token *t)
{
	const char *expiry = str_or(item, "expiry", st->default_expiry);
	struct ms_period p;

	if (!expiry || ms_period_parse(expiry, &p) ||
	    time_or(item, "createdAt", st->clock.base, &t->created_at) ||
	    time_or(item, "lastUsedAt", MS_NEVER, &t->last_used_at))
		return -1;
	if (time_or(item, "expiresAt", ms_time_add(t->created_at, &p),
		    &t->expires_at))
		return -1;
	t->expiry = strdup(expiry);
	return t->expiry ? 0 : -1;
}


/*
 * A token's text: a secret and an id drawn from the tenant's random
 * stream when the scenario gives none, the secret first, so that a
 * seeded tenant gets the same ones every time.
 */
static int token_text(const cJSON *item, struct ms_state *st,
		      struct ms_token *t)
{
	const char *secret = str_or(item, "secret", NULL);
	const char *id = str_or(item, "id", NULL);
	const char *by = str_or(item, "createdBy", NULL);
	const char *why = NULL;

	if (ms_token_label_check(str_or(item, "label", ""), &t->label, &why) ||
	    ms_token_type_parse(str_or(item, "type", NULL), &t->type))
		return -1;
	t->revoked = bool_or(item, "revoked", false);
	if (set_str(&t->workspace_id, str_or(item, "workspaceId",
					     st->workspace_id)) ||
	    set_str(&t->created_by, by))
		return -1;
	t->secret = secret ? strdup(secret)
			   : ms_token_secret_new(&st->rng, t->type);
	if (!t->secret || (id && strlen(id) >= sizeof(t->id)))
		return -1;
	if (id)
		memcpy(t->id, id, strlen(id) + 1);
	else
		ms_rng_uuid(&st->rng, t->id);
	return 0;
}


/* Add every token to the store, in document order. */
static int apply_tokens(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *item;
	int i = 0;

	cJSON_ArrayForEach(item, get(doc, "tokens")) {
		struct ms_token *t = calloc(1, sizeof(*t));

		if (!t || token_text(item, st, t) || token_times(item, st, t) ||
		    ms_token_store_add(&st->tokens, t)) {
			ms_token_free(t);
			return unapplied(err, "tokens", i);
		}
		i++;
	}
	return 0;
}


/* Add the rules, in order; a rule is the script's once it is put. */
static int apply_rules(const cJSON *doc, struct ms_state *st,
		       struct ms_scenario_error *err)
{
	const cJSON *item;
	int i = 0;

	cJSON_ArrayForEach(item, get(doc, "rules")) {
		struct ms_rule r;

		if (ms_rule_from_json(item, &r))
			return unapplied(err, "rules", i);
		if (ms_script_put_rule(&st->script, &r)) {
			ms_rule_release(&r);
			return unapplied(err, "rules", i);
		}
		i++;
	}
	return 0;
}


/* Add the events, as apply_rules does the rules. */
static int apply_events(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *item;
	int i = 0;

	cJSON_ArrayForEach(item, get(doc, "events")) {
		struct ms_event e;

		if (ms_event_from_json(item, &e))
			return unapplied(err, "events", i);
		if (ms_script_add_event(&st->script, &e)) {
			ms_event_release(&e);
			return unapplied(err, "events", i);
		}
		i++;
	}
	return 0;
}


/* The rate limit, when the document sets one. */
static int apply_rate_limit(const cJSON *doc, struct ms_state *st,
			    struct ms_scenario_error *err)
{
	const cJSON *rl = get(doc, "rateLimit");

	if (rl && ms_rate_limit_from_json(rl, &st->rate_limit))
		return unapplied(err, "rateLimit", -1);
	return 0;
}


/* A copy of the expectations, when the document gives them. */
static int apply_expect(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *expect = get(doc, "expect");

	if (!expect)
		return 0;
	cJSON_Delete(st->expect);
	st->expect = cJSON_Duplicate(expect, true);
	return st->expect ? 0 : unapplied(err, "expect", -1);
}


int ms_scenario_apply(const cJSON *doc, struct ms_state *st,
		      const struct ms_scenario_opts *opts,
		      struct ms_scenario_error *err)
{
	struct ms_scenario_error spare;

	err = err ? err : &spare;
	scn_error_start(err, NULL);
	ms_rng_init(&st->rng, opts && opts->seeded, opts ? opts->seed : 0,
		    opts ? opts->tenant : NULL);
	if (!cJSON_IsObject(doc))
		return scn_error_file(err, NULL, "expected a scenario "
				      "document");
	if (apply_clock(doc, st, err) || apply_site(doc, st, err) ||
	    apply_expiry(doc, st, err) || apply_users(doc, st, err) ||
	    apply_groups(doc, st, err) || apply_roles(doc, st, err) ||
	    apply_permissions(doc, st, err) || apply_tokens(doc, st, err) ||
	    apply_rules(doc, st, err) || apply_events(doc, st, err) ||
	    apply_rate_limit(doc, st, err) || apply_expect(doc, st, err))
		return -1;
	return 0;
}


/* ---- The state as a scenario -------------------------------------------- */

/* obj[key] = s, unless s is NULL. 0, or -1 out of memory. */
static int add_str(cJSON *obj, const char *key, const char *s)
{
	return !s || cJSON_AddStringToObject(obj, key, s) ? 0 : -1;
}


/* obj[key] = b. 0, or -1 out of memory. */
static int add_bool(cJSON *obj, const char *key, bool b)
{
	return cJSON_AddBoolToObject(obj, key, b) ? 0 : -1;
}


/* obj[key] = t as ISO-8601 text. 0, or -1 out of memory. */
static int add_time(cJSON *obj, const char *key, ms_time_t t)
{
	char buf[MS_TIME_BUFSZ];

	return add_str(obj, key, ms_time_format(t, buf));
}


/* obj[key] = the strings of v. 0, or -1 out of memory. */
static int add_strv(cJSON *obj, const char *key, const struct ms_strv *v)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);

	for (size_t i = 0; a && i < v->n; i++) {
		cJSON *s = cJSON_CreateString(v->v[i]);

		if (!s)
			return -1;
		cJSON_AddItemToArray(a, s);
	}
	return a ? 0 : -1;
}


/* The clock as it reads now, the site and the expiry settings. */
static int from_head(cJSON *doc, const struct ms_state *st)
{
	cJSON *clock = cJSON_AddObjectToObject(doc, "clock");
	cJSON *site = cJSON_AddObjectToObject(doc, "site");

	if (!clock || !site ||
	    add_time(clock, "start", vclock_now(&st->clock)) ||
	    add_bool(clock, "frozen", st->clock.frozen) ||
	    add_bool(site, "initialized", st->initialized) ||
	    add_str(site, "workspaceId", st->workspace_id))
		return -1;
	if (st->initialized && st->initialized_at != MS_NEVER &&
	    add_time(site, "initializedAt", st->initialized_at))
		return -1;
	if (st->initialized && add_str(site, "initializedBy",
				       st->initialized_by))
		return -1;
	if (add_strv(doc, "expiryOptions", &st->expiry_options))
		return -1;
	return add_str(doc, "defaultExpiry", st->default_expiry);
}


/* Every user, API token included. */
static int from_users(cJSON *doc, const struct ms_state *st)
{
	cJSON *users = cJSON_AddArrayToObject(doc, "users");

	for (size_t i = 0; users && i < st->nusers; i++) {
		const struct ms_user *u = &st->users[i];
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return -1;
		cJSON_AddItemToArray(users, o);
		if (add_str(o, "accountId", u->account_id) ||
		    add_str(o, "displayName", u->display_name) ||
		    add_str(o, "email", u->email) ||
		    add_str(o, "apiToken", u->api_token) ||
		    add_bool(o, "jiraAdmin", u->jira_admin) ||
		    add_bool(o, "assetsVisible", u->assets_visible))
			return -1;
	}
	return users ? 0 : -1;
}


/* Every group with its members. */
static int from_groups(cJSON *doc, const struct ms_state *st)
{
	cJSON *groups = cJSON_AddArrayToObject(doc, "groups");

	for (size_t i = 0; groups && i < st->ngroups; i++) {
		const struct ms_group *g = &st->groups[i];
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return -1;
		cJSON_AddItemToArray(groups, o);
		if (add_str(o, "name", g->name) ||
		    add_strv(o, "members", &g->members) ||
		    add_bool(o, "assetsVisible", g->assets_visible))
			return -1;
	}
	return groups ? 0 : -1;
}


/* Every role and every row of the matrix, built-in ones included. */
static int from_roles(cJSON *doc, const struct ms_state *st)
{
	cJSON *roles = cJSON_AddObjectToObject(doc, "roles");
	cJSON *perms = cJSON_AddObjectToObject(doc, "permissions");

	for (size_t i = 0; roles && i < st->nroles; i++) {
		const struct ms_role *r = &st->roles[i];
		cJSON *o = cJSON_AddObjectToObject(roles, r->key);

		if (!o || add_str(o, "name", r->name) ||
		    add_strv(o, "users", &r->users) ||
		    add_strv(o, "groups", &r->groups))
			return -1;
	}
	for (size_t i = 0; perms && i < st->nperms; i++)
		if (add_strv(perms, st->perms[i].action, &st->perms[i].roles))
			return -1;
	return roles && perms ? 0 : -1;
}


/* expiresAt only when something (an event, say) moved it off the date
 * createdAt and expiry give. */
static int from_token(cJSON *o, const struct ms_token *t)
{
	struct ms_period p;
	bool moved = ms_period_parse(t->expiry, &p) ||
		     ms_time_add(t->created_at, &p) != t->expires_at;

	if (add_str(o, "id", t->id) || add_str(o, "label", t->label) ||
	    add_str(o, "type", ms_token_type_key(t->type)) ||
	    add_str(o, "secret", t->secret) ||
	    add_time(o, "createdAt", t->created_at) ||
	    add_str(o, "expiry", t->expiry) ||
	    (moved && add_time(o, "expiresAt", t->expires_at)) ||
	    add_bool(o, "revoked", t->revoked))
		return -1;
	if (t->workspace_id && t->workspace_id[0] &&
	    add_str(o, "workspaceId", t->workspace_id))
		return -1;
	if (add_str(o, "createdBy", t->created_by))
		return -1;
	if (t->last_used_at != MS_NEVER &&
	    add_time(o, "lastUsedAt", t->last_used_at))
		return -1;
	return 0;
}


/* Every token, revoked ones included, in creation order. */
static int from_tokens(cJSON *doc, const struct ms_state *st)
{
	cJSON *tokens = cJSON_AddArrayToObject(doc, "tokens");

	for (size_t i = 0; tokens && i < st->tokens.count; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return -1;
		cJSON_AddItemToArray(tokens, o);
		if (from_token(o, st->tokens.items[i]))
			return -1;
	}
	return tokens ? 0 : -1;
}


/* The rules, without counters; no key when there are none. */
static int from_rules(cJSON *doc, const struct ms_script *s)
{
	cJSON *rules;

	if (s->nrules == 0)
		return 0;
	rules = cJSON_AddArrayToObject(doc, "rules");
	for (size_t i = 0; rules && i < s->nrules; i++) {
		cJSON *o = ms_rule_to_json(&s->rules[i], false);

		if (!o)
			return -1;
		cJSON_AddItemToArray(rules, o);
	}
	return rules ? 0 : -1;
}


/* The events, as from_rules does the rules. */
static int from_events(cJSON *doc, const struct ms_script *s)
{
	cJSON *events;

	if (s->nevents == 0)
		return 0;
	events = cJSON_AddArrayToObject(doc, "events");
	for (size_t i = 0; events && i < s->nevents; i++) {
		cJSON *o = ms_event_to_json(&s->events[i], false);

		if (!o)
			return -1;
		cJSON_AddItemToArray(events, o);
	}
	return events ? 0 : -1;
}


/* obj[key] = item, which obj then owns; NULL (out of memory) or a
 * failure frees it. 0, or -1. */
static int add_item(cJSON *obj, const char *key, cJSON *item)
{
	if (item && cJSON_AddItemToObject(obj, key, item))
		return 0;
	cJSON_Delete(item);
	return -1;
}


/* The rate limit, when one is on, and the expectations, when given. */
static int from_checks(cJSON *doc, const struct ms_state *st)
{
	if (st->rate_limit.enabled &&
	    add_item(doc, "rateLimit", ms_rate_limit_to_json(&st->rate_limit)))
		return -1;
	if (st->expect &&
	    add_item(doc, "expect", cJSON_Duplicate(st->expect, true)))
		return -1;
	return 0;
}


cJSON *ms_scenario_from_state(const struct ms_state *st)
{
	cJSON *doc = cJSON_CreateObject();

	if (!doc || add_str(doc, "name", st->scenario_name) ||
	    from_head(doc, st) || from_users(doc, st) ||
	    from_groups(doc, st) || from_roles(doc, st) ||
	    from_tokens(doc, st) || from_rules(doc, &st->script) ||
	    from_events(doc, &st->script) || from_checks(doc, st)) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}
