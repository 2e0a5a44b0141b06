/*
 * state: see state.h.
 */
#include <stdlib.h>
#include <string.h>
#include "state.h"

/* The default permission matrix of SPEC.md section 3. */
static const struct {
	const char *action;
	const char *roles[3];
} default_matrix[] = {
	{"datamanager.initialize", {"ADAPTERS_ADMIN", MS_ROLE_JIRA_ADMIN}},
	{"workspace.view_id", {"ADAPTERS_ADMIN"}},
	{"tokens.generate", {"ADAPTERS_ADMIN"}},
	{"tokens.view", {"ADAPTERS_ADMIN"}},
	{"tokens.revoke", {"ADAPTERS_ADMIN"}},
	{"jobs.manage", {"ADAPTERS_ADMIN"}},
	{"roles.view", {"DATA_MANAGER_ADMIN", "ADAPTERS_ADMIN",
			MS_ROLE_JIRA_ADMIN}},
	{"roles.update", {"DATA_MANAGER_ADMIN", MS_ROLE_JIRA_ADMIN}},
	{"datasources.manage", {"DATA_MANAGER_ADMIN", MS_ROLE_JIRA_ADMIN}},
	{"cleanse.manage", {"DATA_MANAGER_ADMIN", MS_ROLE_JIRA_ADMIN}},
	{"dashboards.edit", {"DATA_MANAGER_ADMIN", "DASHBOARDS_EDITOR"}},
};

static const char *const default_roles[][2] = {
	{"DATA_MANAGER_ADMIN", "Data Manager admin"},
	{"ADAPTERS_ADMIN", "Adapters admin"},
	{"DASHBOARDS_EDITOR", "Dashboards editor"},
};

static const char *const default_expiries[] = {"P1M", "P3M", "P6M", "P1Y"};


int ms_strv_push(struct ms_strv *v, const char *s)
{
	char *copy;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		char **grown = realloc(v->v, cap * sizeof(*grown));
		if (!grown)
			return -1;
		v->v = grown;
		v->cap = cap;
	}
	copy = strdup(s);
	if (!copy)
		return -1;
	v->v[v->n++] = copy;
	return 0;
}


bool ms_strv_has(const struct ms_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->v[i], s) == 0)
			return true;
	}
	return false;
}


void ms_strv_clear(struct ms_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}


int ms_strv_copy(struct ms_strv *dst, const struct ms_strv *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return 0;
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return -1;
	dst->cap = src->n;
	for (; dst->n < src->n; dst->n++) {
		dst->v[dst->n] = strdup(src->v[dst->n]);
		if (!dst->v[dst->n]) {
			ms_strv_clear(dst);
			return -1;
		}
	}
	return 0;
}


void ms_state_init(struct ms_state *st)
{
	memset(st, 0, sizeof(*st));
	vclock_init(&st->clock, ms_wall_now(), false);
	st->initialized_at = MS_NEVER;
	ms_token_store_init(&st->tokens);
	ms_rng_init(&st->rng, false, 0, NULL);
	ms_script_init(&st->script);
	ms_rate_limit_init(&st->rate_limit);

	for (size_t i = 0; i < sizeof(default_roles) / sizeof(*default_roles);
	     i++)
		ms_state_role_add(st, default_roles[i][0], default_roles[i][1]);
	for (size_t i = 0; i < sizeof(default_matrix) / sizeof(*default_matrix);
	     i++) {
		struct ms_strv roles = {0};
		for (int r = 0; r < 3 && default_matrix[i].roles[r]; r++)
			ms_strv_push(&roles, default_matrix[i].roles[r]);
		ms_state_permission_set(st, default_matrix[i].action, &roles);
		ms_strv_clear(&roles);
	}
	for (size_t i = 0; i < 4; i++)
		ms_strv_push(&st->expiry_options, default_expiries[i]);
	st->default_expiry = strdup("P3M");
}


void ms_state_release(struct ms_state *st)
{
	for (size_t i = 0; i < st->nusers; i++) {
		free(st->users[i].account_id);
		free(st->users[i].display_name);
		free(st->users[i].email);
		free(st->users[i].api_token);
	}
	for (size_t i = 0; i < st->ngroups; i++) {
		free(st->groups[i].name);
		ms_strv_clear(&st->groups[i].members);
	}
	for (size_t i = 0; i < st->nroles; i++) {
		free(st->roles[i].key);
		free(st->roles[i].name);
		ms_strv_clear(&st->roles[i].users);
		ms_strv_clear(&st->roles[i].groups);
	}
	for (size_t i = 0; i < st->nperms; i++) {
		free(st->perms[i].action);
		ms_strv_clear(&st->perms[i].roles);
	}
	free(st->users);
	free(st->groups);
	free(st->roles);
	free(st->perms);
	ms_strv_clear(&st->expiry_options);
	free(st->default_expiry);
	free(st->scenario_name);
	free(st->initialized_by);
	free(st->workspace_id);
	ms_token_store_release(&st->tokens);
	ms_script_release(&st->script);
	ms_rate_limit_release(&st->rate_limit);
	cJSON_Delete(st->expect);
	memset(st, 0, sizeof(*st));
}


/* ---- Copying ------------------------------------------------------------ */

/*
 * Each step fills part of a zeroed dst and counts an array's items as
 * soon as the array exists: a step that fails leaves dst for
 * ms_state_release to free.
 */

/* *dst = a copy of src (NULL stays NULL). 0, or -1 out of memory. */
static int copy_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}


/* A zeroed array of n items of size bytes; NULL when n is 0 or out of
 * memory (told apart by n). */
static void *zeroed(size_t n, size_t size)
{
	return n ? calloc(n, size) : NULL;
}


static int copy_users(struct ms_state *dst, const struct ms_state *src)
{
	dst->users = zeroed(src->nusers, sizeof(*dst->users));
	if (src->nusers && !dst->users)
		return -1;
	dst->nusers = src->nusers;
	for (size_t i = 0; i < src->nusers; i++) {
		const struct ms_user *from = &src->users[i];
		struct ms_user *u = &dst->users[i];

		u->jira_admin = from->jira_admin;
		u->assets_visible = from->assets_visible;
		if (copy_str(&u->account_id, from->account_id) ||
		    copy_str(&u->display_name, from->display_name) ||
		    copy_str(&u->email, from->email) ||
		    copy_str(&u->api_token, from->api_token))
			return -1;
	}
	return 0;
}


static int copy_groups(struct ms_state *dst, const struct ms_state *src)
{
	dst->groups = zeroed(src->ngroups, sizeof(*dst->groups));
	if (src->ngroups && !dst->groups)
		return -1;
	dst->ngroups = src->ngroups;
	for (size_t i = 0; i < src->ngroups; i++) {
		const struct ms_group *from = &src->groups[i];
		struct ms_group *g = &dst->groups[i];

		g->assets_visible = from->assets_visible;
		if (copy_str(&g->name, from->name) ||
		    ms_strv_copy(&g->members, &from->members))
			return -1;
	}
	return 0;
}


/* The roles and the permission matrix. */
static int copy_roles(struct ms_state *dst, const struct ms_state *src)
{
	dst->roles = zeroed(src->nroles, sizeof(*dst->roles));
	dst->perms = zeroed(src->nperms, sizeof(*dst->perms));
	if ((src->nroles && !dst->roles) || (src->nperms && !dst->perms))
		return -1;
	dst->nroles = src->nroles;
	dst->nperms = src->nperms;
	for (size_t i = 0; i < src->nroles; i++) {
		const struct ms_role *from = &src->roles[i];
		struct ms_role *r = &dst->roles[i];

		if (copy_str(&r->key, from->key) ||
		    copy_str(&r->name, from->name) ||
		    ms_strv_copy(&r->users, &from->users) ||
		    ms_strv_copy(&r->groups, &from->groups))
			return -1;
	}
	for (size_t i = 0; i < src->nperms; i++) {
		if (copy_str(&dst->perms[i].action, src->perms[i].action) ||
		    ms_strv_copy(&dst->perms[i].roles, &src->perms[i].roles))
			return -1;
	}
	return 0;
}


/* The site, the clock, the random stream and the expiry settings. */
static int copy_head(struct ms_state *dst, const struct ms_state *src)
{
	dst->clock = src->clock;
	dst->initialized = src->initialized;
	dst->initialized_at = src->initialized_at;
	ms_rng_copy(&dst->rng, &src->rng);
	if (copy_str(&dst->scenario_name, src->scenario_name) ||
	    copy_str(&dst->initialized_by, src->initialized_by) ||
	    copy_str(&dst->workspace_id, src->workspace_id) ||
	    copy_str(&dst->default_expiry, src->default_expiry))
		return -1;
	return ms_strv_copy(&dst->expiry_options, &src->expiry_options);
}


/* The rules and events, the rate limit and the expectations. */
static int copy_checks(struct ms_state *dst, const struct ms_state *src)
{
	if (ms_script_copy(&dst->script, &src->script) ||
	    ms_rate_limit_copy(&dst->rate_limit, &src->rate_limit))
		return -1;
	dst->expect = src->expect ? cJSON_Duplicate(src->expect, true)
				  : NULL;
	return src->expect && !dst->expect ? -1 : 0;
}


int ms_state_copy(struct ms_state *dst, const struct ms_state *src,
		  ms_token_fill_fn *fill, void *arg)
{
	memset(dst, 0, sizeof(*dst));
	ms_token_store_init(&dst->tokens);
	ms_script_init(&dst->script);
	ms_rate_limit_init(&dst->rate_limit);
	if (copy_head(dst, src) || copy_users(dst, src) ||
	    copy_groups(dst, src) || copy_roles(dst, src) ||
	    ms_token_store_copy(&dst->tokens, &src->tokens, fill, arg) ||
	    copy_checks(dst, src)) {
		ms_state_release(dst);
		return -1;
	}
	return 0;
}


/* ---- Lookups ------------------------------------------------------------ */

struct ms_user *ms_state_user(const struct ms_state *st,
			      const char *account_id)
{
	for (size_t i = 0; i < st->nusers; i++) {
		if (strcmp(st->users[i].account_id, account_id) == 0)
			return &st->users[i];
	}
	return NULL;
}


struct ms_user *ms_state_user_by_email(const struct ms_state *st,
				       const char *email)
{
	for (size_t i = 0; i < st->nusers; i++) {
		if (st->users[i].email &&
		    strcasecmp(st->users[i].email, email) == 0)
			return &st->users[i];
	}
	return NULL;
}


struct ms_group *ms_state_group(const struct ms_state *st,
				const char *name)
{
	for (size_t i = 0; i < st->ngroups; i++) {
		if (strcmp(st->groups[i].name, name) == 0)
			return &st->groups[i];
	}
	return NULL;
}


struct ms_role *ms_state_role(const struct ms_state *st, const char *key)
{
	for (size_t i = 0; i < st->nroles; i++) {
		if (strcmp(st->roles[i].key, key) == 0)
			return &st->roles[i];
	}
	return NULL;
}


struct ms_permission *ms_state_permission(const struct ms_state *st,
					  const char *action)
{
	for (size_t i = 0; i < st->nperms; i++) {
		if (strcmp(st->perms[i].action, action) == 0)
			return &st->perms[i];
	}
	return NULL;
}


struct ms_role *ms_state_role_add(struct ms_state *st, const char *key,
				  const char *name)
{
	struct ms_role *r = ms_state_role(st, key);
	struct ms_role *grown;

	if (r)
		return r;
	grown = realloc(st->roles, (st->nroles + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	st->roles = grown;
	r = &st->roles[st->nroles];
	memset(r, 0, sizeof(*r));
	r->key = strdup(key);
	r->name = strdup(name ? name : key);
	if (!r->key || !r->name) {
		free(r->key);
		free(r->name);
		return NULL;
	}
	st->nroles++;
	return r;
}


int ms_state_permission_set(struct ms_state *st, const char *action,
			    const struct ms_strv *roles)
{
	struct ms_permission *p = ms_state_permission(st, action);

	if (!p) {
		struct ms_permission *grown = realloc(
			st->perms, (st->nperms + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		st->perms = grown;
		p = &st->perms[st->nperms];
		memset(p, 0, sizeof(*p));
		p->action = strdup(action);
		if (!p->action)
			return -1;
		st->nperms++;
	}
	ms_strv_clear(&p->roles);
	for (size_t i = 0; i < roles->n; i++) {
		if (ms_strv_push(&p->roles, roles->v[i]) < 0)
			return -1;
	}
	return 0;
}


bool ms_state_user_has_role(const struct ms_state *st,
			    const struct ms_user *u, const char *role)
{
	const struct ms_role *r;

	if (strcmp(role, MS_ROLE_JIRA_ADMIN) == 0)
		return u->jira_admin;
	r = ms_state_role(st, role);
	if (!r)
		return false;
	if (ms_strv_has(&r->users, u->account_id))
		return true;
	for (size_t i = 0; i < r->groups.n; i++) {
		const struct ms_group *g = ms_state_group(st, r->groups.v[i]);
		if (g && ms_strv_has(&g->members, u->account_id))
			return true;
	}
	return false;
}


bool ms_state_user_may(const struct ms_state *st, const struct ms_user *u,
		       const char *action)
{
	const struct ms_permission *p = ms_state_permission(st, action);

	if (!p || !u)
		return false;
	for (size_t i = 0; i < p->roles.n; i++) {
		if (ms_state_user_has_role(st, u, p->roles.v[i]))
			return true;
	}
	return false;
}


cJSON *ms_state_user_roles_json(const struct ms_state *st,
				const struct ms_user *u)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < st->nroles; i++) {
		if (ms_state_user_has_role(st, u, st->roles[i].key))
			cJSON_AddItemToArray(
				a, cJSON_CreateString(st->roles[i].key));
	}
	return a;
}


cJSON *ms_state_user_permissions_json(const struct ms_state *st,
				      const struct ms_user *u)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < st->nperms; i++) {
		if (ms_state_user_may(st, u, st->perms[i].action))
			cJSON_AddItemToArray(
				a, cJSON_CreateString(st->perms[i].action));
	}
	return a;
}


cJSON *ms_strv_json(const struct ms_strv *v)
{
	cJSON *a = cJSON_CreateArray();

	/* Not cJSON_CreateStringArray: it gives NULL for an empty list. */
	for (size_t i = 0; a && i < v->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v->v[i]));
	return a;
}


cJSON *ms_state_role_json(const struct ms_role *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "role", r->key);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddItemToObject(o, "users", ms_strv_json(&r->users));
	cJSON_AddItemToObject(o, "groups", ms_strv_json(&r->groups));
	return o;
}


bool ms_state_expiry_allowed(const struct ms_state *st, const char *period)
{
	return ms_strv_has(&st->expiry_options, period);
}


/* A token of type for the user, made now, with no secret yet. */
static struct ms_token *token_new(struct ms_state *st, const char *label,
				  enum ms_token_type type,
				  const char *expiry, const char *created_by)
{
	struct ms_token *t = calloc(1, sizeof(*t));
	struct ms_period p;

	if (!t)
		return NULL;
	ms_rng_uuid(&st->rng, t->id);
	t->type = type;
	t->label = strdup(label);
	t->expiry = strdup(expiry);
	t->created_by = created_by ? strdup(created_by) : NULL;
	t->workspace_id = strdup(st->workspace_id ? st->workspace_id : "");
	t->created_at = vclock_now(&st->clock);
	t->expires_at = t->created_at;
	if (ms_period_parse(expiry, &p) == 0)
		t->expires_at = ms_time_add(t->created_at, &p);
	t->last_used_at = MS_NEVER;
	t->secret = ms_token_secret_new(&st->rng, type);
	if (!t->label || !t->expiry || !t->workspace_id || !t->secret ||
	    (created_by && !t->created_by)) {
		ms_token_free(t);
		return NULL;
	}
	return t;
}


struct ms_token *ms_state_token_create(struct ms_state *st,
				       const char *label,
				       enum ms_token_type type,
				       const char *expiry,
				       const char *created_by)
{
	/* A seeded stream starts again when a state document is put back,
	 * and then draws the ids and secrets of the tokens made since: draw
	 * again past them (the stream moves on with every draw). */
	size_t tries = st->tokens.count + 8;

	while (tries-- > 0) {
		struct ms_token *t = token_new(st, label, type, expiry,
					       created_by);
		if (!t)
			return NULL;
		if (ms_token_store_add(&st->tokens, t) == 0)
			return t;
		ms_token_free(t);
	}
	return NULL;
}


int ms_state_token_regenerate(struct ms_state *st, struct ms_token *tok)
{
	size_t tries = st->tokens.count + 8; /* see ms_state_token_create */
	struct ms_period p;
	char *secret;

	for (;;) {
		secret = ms_token_secret_new(&st->rng, tok->type);
		if (!secret)
			return -1;
		if (ms_token_store_rekey(&st->tokens, tok, secret) == 0)
			break;
		free(secret);
		if (tries-- == 0)
			return -1;
	}
	/* createdAt stays: the token is the same one, with a new life. */
	tok->expires_at = vclock_now(&st->clock);
	if (ms_period_parse(tok->expiry, &p) == 0)
		tok->expires_at = ms_time_add(tok->expires_at, &p);
	return 0;
}
