/*
 * gateway: the routes the Adapters client and the Cleanse and Import
 * client call with their token (SPEC.md section 4). Dispatch has found
 * the token, matched its workspace, checked initialization and the
 * token's type; call->token is the caller.
 */
#include <string.h>
#include "handlers.h"
#include "text.h"

#define GW "/jsm/assets/workspace/{}/v1/datamanager"

/* The gateway's hottest answer, printed while the tenant's lock is
 * held, so the token's strings are read in place. */
static void get_client_info(struct ms_call *call)
{
	const struct ms_token *t = call->token;
	char expires[MS_TIME_BUFSZ];
	/* The label is the only text a user chose freely: the workspace
	 * id is [A-Za-z0-9._-] (scenario checks), ids are UUIDs (made
	 * here, or checked), types are our keys, times our format. */
	const struct ms_member m[] = {
		{MS_LIT("workspaceId"), t->workspace_id, true},
		{MS_LIT("tokenId"), t->id, true},
		{MS_LIT("label"), t->label, false},
		{MS_LIT("type"), ms_token_type_key(t->type), true},
		{MS_LIT("expiresAt"),
		 t->expires_at == MS_NEVER
			 ? NULL
			 : ms_time_format(t->expires_at, expires),
		 true},
	};

	/* Every Adapters run starts here: printed straight, no tree. */
	ms_reply_members(call->resp, 200, m, sizeof(m) / sizeof(m[0]));
}


/* A required, non-blank string member; NULL after answering 400. */
static const char *required_string(struct ms_call *call, const cJSON *body,
				   const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
	const char *s = cJSON_GetStringValue(v);

	if (!s || !s[strspn(s, " \t\r\n")]) {
		ms_fail(call->resp, 400, "validation_failed", key,
			"%s is required and must be a non-blank string", key);
		return NULL;
	}
	if (!ms_utf8_valid(s, strlen(s))) {   /* it is echoed back */
		ms_fail(call->resp, 400, "validation_failed", key,
			"%s must be valid UTF-8", key);
		return NULL;
	}
	return s;
}


/* Curly quotes pasted around a job name make it unfindable (DOMAIN.md). */
static bool has_curly_quotes(const char *s)
{
	return strstr(s, "\xe2\x80\x9c") || strstr(s, "\xe2\x80\x9d") ||
	       strstr(s, "\xe2\x80\x98") || strstr(s, "\xe2\x80\x99");
}


static void post_adapters_run(struct ms_call *call)
{
	cJSON *body = ms_call_json_object(call);
	const char *job;
	char id[MS_UUID_BUFSZ];
	cJSON *o;

	if (!body)
		return;
	job = required_string(call, body, "job");
	if (job && has_curly_quotes(job)) {
		ms_fail(call->resp, 404, "not_found", "job",
			"No job named '%s': it contains curly quotes; type "
			"the name in straight double quotes", job);
	} else if (job) {
		ms_rng_uuid(&call->tenant->state.rng, id);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "runId", id);
		cJSON_AddStringToObject(o, "job", job);
		cJSON_AddStringToObject(o, "status", "RUNNING");
		cJSON_AddItemToObject(o, "startedAt", ms_time_json(call->now));
		ms_reply(call->resp, 201, o);
	}
	cJSON_Delete(body);
}


/* Optional string members of an operation; 0, or -1 after a 400. */
static int optional_strings(struct ms_call *call, const cJSON *body)
{
	static const char *const keys[] = {"objectClass", "dataSource",
					   "dataSourceType"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(body,
								  keys[i]);
		if (v && !cJSON_IsNull(v) && (!cJSON_IsString(v) ||
		    !ms_utf8_valid(v->valuestring, strlen(v->valuestring)))) {
			ms_fail(call->resp, 400, "validation_failed", keys[i],
				"%s must be a string of valid UTF-8", keys[i]);
			return -1;
		}
	}
	return 0;
}


static void post_cleanse_operation(struct ms_call *call)
{
	cJSON *body = ms_call_json_object(call);
	const char *run;
	char id[MS_UUID_BUFSZ];
	cJSON *o;

	if (!body)
		return;
	run = required_string(call, body, "run");
	if (run && strcmp(run, "full") != 0 && strcmp(run, "cleanse") != 0 &&
	    strcmp(run, "import") != 0) {
		ms_fail(call->resp, 400, "validation_failed", "run",
			"run must be one of full, cleanse, import");
	} else if (run && optional_strings(call, body) == 0) {
		ms_rng_uuid(&call->tenant->state.rng, id);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "operationId", id);
		cJSON_AddStringToObject(o, "run", run);
		cJSON_AddStringToObject(o, "status", "QUEUED");
		ms_reply(call->resp, 202, o);
	}
	cJSON_Delete(body);
}


const struct ms_route ms_gateway_routes[] = {
	{MS_PLANE_GATEWAY, "GET", GW "/client/info", "client.info",
	 MS_ROUTE_NEEDS_INIT | MS_ROUTE_BASIC_OK | MS_ROUTE_READ_ONLY,
	 MS_TYPE_BIT(MS_TOKEN_ADAPTERS_CLIENT) |
		 MS_TYPE_BIT(MS_TOKEN_CLEANSE_AND_IMPORT),
	 get_client_info},
	{MS_PLANE_GATEWAY, "POST", GW "/adapters/runs", "adapters.run",
	 MS_ROUTE_NEEDS_INIT, MS_TYPE_BIT(MS_TOKEN_ADAPTERS_CLIENT),
	 post_adapters_run},
	{MS_PLANE_GATEWAY, "POST", GW "/cleanse-import/operations",
	 "cleanse.run", MS_ROUTE_NEEDS_INIT,
	 MS_TYPE_BIT(MS_TOKEN_CLEANSE_AND_IMPORT), post_cleanse_operation},
	{0},
};
