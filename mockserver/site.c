/*
 * site: the routes a signed-in user's browser calls (SPEC.md section 3).
 * Dispatch has authenticated the user, checked the permission and, where
 * the route needs it, that Data Manager is initialized.
 */
#include <stdlib.h>
#include <string.h>
#include "handlers.h"

#define DM "/rest/datamanager/1.0"

static cJSON *workspace_list(const struct ms_state *st)
{
	cJSON *all = cJSON_CreateArray();
	cJSON *ws = cJSON_CreateObject();

	cJSON_AddStringToObject(ws, "workspaceId", st->workspace_id);
	cJSON_AddItemToArray(all, ws);
	return all;
}


static void get_workspaces(struct ms_call *call)
{
	size_t start, limit;

	if (ms_call_paging(call, &start, &limit) < 0)
		return;
	ms_reply(call->resp, 200,
		 ms_page(workspace_list(&call->tenant->state), start, limit));
}


/* The state document: what the Data Manager page learns on opening. */
static cJSON *state_json(const struct ms_state *st, const struct ms_user *u)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "initialized", st->initialized);
	cJSON_AddItemToObject(o, "initializedAt",
			      ms_time_json(st->initialized_at));
	if (st->initialized_by)
		cJSON_AddStringToObject(o, "initializedBy",
					st->initialized_by);
	else
		cJSON_AddNullToObject(o, "initializedBy");
	if (ms_state_user_may(st, u, "workspace.view_id"))
		cJSON_AddStringToObject(o, "workspaceId", st->workspace_id);
	else
		cJSON_AddNullToObject(o, "workspaceId");
	cJSON_AddItemToObject(o, "myRoles", ms_state_user_roles_json(st, u));
	cJSON_AddItemToObject(o, "myPermissions",
			      ms_state_user_permissions_json(st, u));
	return o;
}


static void post_initialize(struct ms_call *call)
{
	struct ms_state *st = &call->tenant->state;

	if (!st->initialized) {
		st->initialized = true;
		st->initialized_at = call->now;
		free(st->initialized_by);
		st->initialized_by = strdup(call->user->account_id);
	}
	ms_reply(call->resp, 200, state_json(st, call->user));
}


static void get_state(struct ms_call *call)
{
	ms_reply(call->resp, 200, state_json(&call->tenant->state,
					     call->user));
}


static void get_token_types(struct ms_call *call)
{
	const struct ms_state *st = &call->tenant->state;
	cJSON *all = cJSON_CreateArray();

	for (int i = 0; i < MS_TOKEN_TYPE_COUNT; i++) {
		cJSON *t = cJSON_CreateObject();
		enum ms_token_type type = (enum ms_token_type)i;
		cJSON_AddStringToObject(t, "key", ms_token_type_key(type));
		cJSON_AddStringToObject(t, "label", ms_token_type_label(type));
		cJSON_AddItemToObject(t, "expiryOptions",
				      ms_strv_json(&st->expiry_options));
		cJSON_AddStringToObject(t, "defaultExpiry",
					st->default_expiry);
		cJSON_AddItemToArray(all, t);
	}
	ms_reply(call->resp, 200, all);
}


static void fail_type(struct ms_call *call)
{
	ms_fail(call->resp, 400, "validation_failed", "type",
		"type must be one of ADAPTERS_CLIENT, CLEANSE_AND_IMPORT, "
		"BASIC_AUTH");
}


/* Read and check {"label","type","expiry"?}. Returns 0, or -1 after
 * answering 400. *label, once set, is the caller's to free either way. */
static int token_request(struct ms_call *call, const cJSON *body,
			 char **label, enum ms_token_type *type,
			 const char **expiry)
{
	const struct ms_state *st = &call->tenant->state;
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(body, "label");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "type");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "expiry");
	const char *why;

	if (!cJSON_IsString(l) ||
	    ms_token_label_check(l->valuestring, label, &why) < 0) {
		ms_fail(call->resp, 400, "validation_failed", "label",
			"label %s", cJSON_IsString(l) ? why
			: "is required and must be a string");
		return -1;
	}
	if (!cJSON_IsString(t) ||
	    ms_token_type_parse(t->valuestring, type) < 0) {
		fail_type(call);
		return -1;
	}
	*expiry = st->default_expiry;
	if (e && !cJSON_IsNull(e)) {
		if (!cJSON_IsString(e) ||
		    !ms_state_expiry_allowed(st, e->valuestring)) {
			ms_fail(call->resp, 400, "validation_failed", "expiry",
				"expiry must be one of the expiry options "
				"(see GET " DM "/token-types)");
			return -1;
		}
		*expiry = e->valuestring;
	}
	return 0;
}


static void post_token(struct ms_call *call)
{
	struct ms_state *st = &call->tenant->state;
	cJSON *body = ms_call_json_object(call);
	enum ms_token_type type;
	const char *expiry;
	struct ms_token *tok;
	char *label = NULL;

	if (!body)
		return;
	if (token_request(call, body, &label, &type, &expiry) == 0) {
		tok = ms_state_token_create(st, label, type, expiry,
					    call->user->account_id);
		if (tok)
			ms_reply(call->resp, 201,
				 ms_token_to_json(tok, call->now, true));
		else
			ms_fail(call->resp, 503, "tenant_limit", NULL,
				"The tenant cannot hold another token");
	}
	free(label);
	cJSON_Delete(body);
}


/* Read the optional filters; -1 after answering 400. has_* tell which
 * were given. */
static int token_filters(struct ms_call *call, bool *has_type,
			 enum ms_token_type *type, bool *has_status,
			 enum ms_token_status *status)
{
	char buf[64];

	*has_type = ms_query_param(call->req, "type", buf, sizeof(buf));
	if (*has_type && ms_token_type_parse(buf, type) < 0) {
		fail_type(call);
		return -1;
	}
	*has_status = ms_query_param(call->req, "status", buf, sizeof(buf));
	if (*has_status && ms_token_status_parse(buf, status) < 0) {
		ms_fail(call->resp, 400, "validation_failed", "status",
			"status must be one of ACTIVE, EXPIRED, REVOKED");
		return -1;
	}
	return 0;
}


static void get_tokens(struct ms_call *call)
{
	const struct ms_token_store *ts = &call->tenant->state.tokens;
	enum ms_token_status status = MS_TOKEN_ACTIVE;
	enum ms_token_type type = MS_TOKEN_ADAPTERS_CLIENT;
	bool has_type, has_status;
	size_t start, limit;
	cJSON *all;

	if (ms_call_paging(call, &start, &limit) < 0 ||
	    token_filters(call, &has_type, &type, &has_status, &status) < 0)
		return;
	all = cJSON_CreateArray();
	for (size_t i = 0; i < ts->count; i++) {
		const struct ms_token *t = ts->items[i];
		if ((has_type && t->type != type) ||
		    (has_status && ms_token_status(t, call->now) != status))
			continue;
		cJSON_AddItemToArray(all, ms_token_to_json(t, call->now,
							   false));
	}
	ms_reply(call->resp, 200, ms_page(all, start, limit));
}


/* The token named by the path, or NULL after answering 404. */
static struct ms_token *path_token(struct ms_call *call)
{
	struct ms_token *t = ms_token_store_by_id(&call->tenant->state.tokens,
						  call->params[0]);

	if (!t)
		ms_fail(call->resp, 404, "not_found", NULL,
			"No token with id '%s'", call->params[0]);
	return t;
}


static void get_token(struct ms_call *call)
{
	struct ms_token *t = path_token(call);

	if (t)
		ms_reply(call->resp, 200, ms_token_to_json(t, call->now,
							   false));
}


static void delete_token(struct ms_call *call)
{
	struct ms_token *t = path_token(call);

	if (!t)
		return;
	if (t->revoked) {
		ms_fail(call->resp, 404, "not_found", NULL,
			"Token '%s' is already revoked", t->id);
		return;
	}
	t->revoked = true;
	ms_reply(call->resp, 204, NULL);
}


static void regenerate_token(struct ms_call *call)
{
	struct ms_token *t = path_token(call);

	if (!t)
		return;
	if (t->revoked) {
		ms_fail(call->resp, 404, "not_found", NULL,
			"Token '%s' is revoked; generate a new one", t->id);
		return;
	}
	if (ms_state_token_regenerate(&call->tenant->state, t) < 0) {
		ms_fail(call->resp, 503, "tenant_limit", NULL,
			"The tenant cannot hold another secret");
		return;
	}
	ms_reply(call->resp, 200, ms_token_to_json(t, call->now, true));
}


static void get_roles(struct ms_call *call)
{
	const struct ms_state *st = &call->tenant->state;
	cJSON *all = cJSON_CreateArray();

	for (size_t i = 0; i < st->nroles; i++)
		cJSON_AddItemToArray(all, ms_state_role_json(&st->roles[i]));
	ms_reply(call->resp, 200, all);
}


/*
 * Check one list of a role update: an array of strings, each naming a
 * user (or group) that exists and is visible in Assets. Fills out.
 * Returns 0, or -1 after answering 400 with the offender named.
 */
static int role_members(struct ms_call *call, const cJSON *body,
			const char *key, bool groups, struct ms_strv *out)
{
	const struct ms_state *st = &call->tenant->state;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, key);
	const cJSON *item;

	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list)) {
		ms_fail(call->resp, 400, "validation_failed", key,
			"%s must be an array of strings", key);
		return -1;
	}
	cJSON_ArrayForEach(item, list) {
		const char *name = cJSON_GetStringValue(item);
		const struct ms_group *g = name && groups
			? ms_state_group(st, name) : NULL;
		const struct ms_user *u = name && !groups
			? ms_state_user(st, name) : NULL;
		bool visible = groups ? g && g->assets_visible
				      : u && u->assets_visible;
		if (!name) {
			ms_fail(call->resp, 400, "validation_failed", key,
				"%s must be an array of strings", key);
			return -1;
		}
		if (!visible) {
			ms_fail(call->resp, 400, "validation_failed", key,
				"%s '%s' %s", groups ? "Group" : "User", name,
				(groups ? (const void *)g : (const void *)u)
					? "is not visible in Assets"
					: "does not exist");
			return -1;
		}
		if (!ms_strv_has(out, name))
			ms_strv_push(out, name);
	}
	return 0;
}


/*
 * A role update takes "users" and "groups" and nothing else: a misspelt
 * key would otherwise read as an empty list and take the role from
 * everyone who held it ({} still empties a role, on purpose). Returns
 * false after answering 400.
 */
static bool role_keys_ok(struct ms_call *call, const cJSON *body)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, body) {
		if (strcmp(item->string, "users") != 0 &&
		    strcmp(item->string, "groups") != 0) {
			ms_fail(call->resp, 400, "validation_failed",
				item->string, "Unknown key '%s': a role "
				"update takes users and groups", item->string);
			return false;
		}
	}
	return true;
}


static void put_role(struct ms_call *call)
{
	struct ms_role *r = ms_state_role(&call->tenant->state,
					  call->params[0]);
	struct ms_strv users = {0}, groups = {0};
	cJSON *body;

	if (!r) {
		ms_fail(call->resp, 404, "not_found", NULL,
			"No role '%s'", call->params[0]);
		return;
	}
	body = ms_call_json_object(call);
	if (!body)
		return;
	if (role_keys_ok(call, body) &&
	    role_members(call, body, "users", false, &users) == 0 &&
	    role_members(call, body, "groups", true, &groups) == 0) {
		ms_strv_clear(&r->users);
		ms_strv_clear(&r->groups);
		r->users = users;
		r->groups = groups;
		users = (struct ms_strv){0};
		groups = (struct ms_strv){0};
		ms_reply(call->resp, 200, ms_state_role_json(r));
	}
	ms_strv_clear(&users);
	ms_strv_clear(&groups);
	cJSON_Delete(body);
}


const struct ms_route ms_site_routes[] = {
	{MS_PLANE_SITE, "GET", "/rest/servicedeskapi/assets/workspace",
	 NULL, MS_ROUTE_READ_ONLY, 0, get_workspaces},
	{MS_PLANE_SITE, "POST", DM "/initialize", "datamanager.initialize",
	 0, 0, post_initialize},
	{MS_PLANE_SITE, "GET", DM "/state", NULL, MS_ROUTE_READ_ONLY, 0,
	 get_state},
	{MS_PLANE_SITE, "GET", DM "/token-types", NULL,
	 MS_ROUTE_NEEDS_INIT | MS_ROUTE_READ_ONLY, 0, get_token_types},
	{MS_PLANE_SITE, "POST", DM "/tokens", "tokens.generate",
	 MS_ROUTE_NEEDS_INIT, 0, post_token},
	{MS_PLANE_SITE, "GET", DM "/tokens", "tokens.view",
	 MS_ROUTE_NEEDS_INIT | MS_ROUTE_READ_ONLY, 0, get_tokens},
	{MS_PLANE_SITE, "GET", DM "/tokens/{}", "tokens.view",
	 MS_ROUTE_NEEDS_INIT | MS_ROUTE_READ_ONLY, 0, get_token},
	{MS_PLANE_SITE, "DELETE", DM "/tokens/{}", "tokens.revoke",
	 MS_ROUTE_NEEDS_INIT, 0, delete_token},
	{MS_PLANE_SITE, "POST", DM "/tokens/{}/regenerate", "tokens.generate",
	 MS_ROUTE_NEEDS_INIT, 0, regenerate_token},
	{MS_PLANE_SITE, "GET", DM "/roles", "roles.view",
	 MS_ROUTE_NEEDS_INIT | MS_ROUTE_READ_ONLY, 0, get_roles},
	{MS_PLANE_SITE, "PUT", DM "/roles/{}", "roles.update",
	 MS_ROUTE_NEEDS_INIT, 0, put_role},
	{0},
};
