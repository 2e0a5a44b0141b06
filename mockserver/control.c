/*
 * control: the test harness's routes under /__mock (SPEC.md section 5).
 * Dispatch has checked access (loopback, or the admin key). Routes that
 * act on one tenant run under its lock; health and tenant removal act on
 * the registry and take no tenant lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events.h"
#include "handlers.h"
#include "log.h"
#include "text.h"
#include "verify.h"

static void get_health(struct ms_call *call)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", "ready");
	cJSON_AddStringToObject(o, "version", MS_VERSION);
	cJSON_AddStringToObject(o, "scenario", call->srv->scenario_name);
	cJSON_AddNumberToObject(o, "tenants",
				(double)ms_registry_count(
					&call->srv->registry));
	ms_reply(call->resp, 200, o);
}


static void post_reset(struct ms_call *call)
{
	cJSON *o;

	if (ms_tenant_reset(&call->srv->registry, call->tenant) < 0) {
		ms_fail(call->resp, 503, "tenant_limit", NULL,
			"The tenant could not be rebuilt; it is unchanged");
		return;
	}
	call->now = vclock_now(&call->tenant->state.clock);
	call->resp->date = call->now;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "tenant", call->tenant->name);
	cJSON_AddBoolToObject(o, "reset", true);
	ms_reply(call->resp, 200, o);
}


static cJSON *clock_json(const struct vclock *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "now", ms_time_json(vclock_now(c)));
	cJSON_AddBoolToObject(o, "frozen", c->frozen);
	return o;
}


static void get_clock(struct ms_call *call)
{
	ms_reply(call->resp, 200, clock_json(&call->tenant->state.clock));
}


/*
 * Read {"advance"?, "set"?, "freeze"?}: at least one, each well formed,
 * and no other key.
 * Returns 0 with the parsed values, or -1 after answering 400.
 */
static int clock_request(struct ms_call *call, const cJSON *body,
			 struct ms_period *advance, ms_time_t *set,
			 int *freeze)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "advance");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(body, "set");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(body, "freeze");
	const cJSON *item;

	/* A misspelt key ("frezze") must not pass for a request obeyed. */
	cJSON_ArrayForEach(item, body) {
		if (strcmp(item->string, "advance") != 0 &&
		    strcmp(item->string, "set") != 0 &&
		    strcmp(item->string, "freeze") != 0) {
			ms_fail(call->resp, 400, "validation_failed",
				item->string, "Unknown key '%s': the clock "
				"takes advance, set and freeze", item->string);
			return -1;
		}
	}
	if (!a && !s && !f) {
		ms_fail(call->resp, 400, "validation_failed", NULL,
			"Give one of advance (a period such as \"P91D\"), "
			"set (a time) or freeze (true or false)");
		return -1;
	}
	if (a && (!cJSON_IsString(a) ||
		  ms_period_parse(a->valuestring, advance) < 0)) {
		ms_fail(call->resp, 400, "validation_failed", "advance",
			"advance must be an ISO-8601 period such as \"P91D\"");
		return -1;
	}
	if (s && (!cJSON_IsString(s) ||
		  ms_time_parse(s->valuestring, set) < 0)) {
		ms_fail(call->resp, 400, "validation_failed", "set",
			"set must be an ISO-8601 time such as "
			"\"2026-01-15T09:00:00.000Z\"");
		return -1;
	}
	if (f && !cJSON_IsBool(f)) {
		ms_fail(call->resp, 400, "validation_failed", "freeze",
			"freeze must be true or false");
		return -1;
	}
	*freeze = f ? cJSON_IsTrue(f) : -1;
	if (!a)
		memset(advance, 0, sizeof(*advance));
	if (!s)
		*set = MS_NEVER;
	return 0;
}


/* Set first, then advance, then freeze or thaw: one request may do all,
 * and does it at one instant. */
static void post_clock(struct ms_call *call)
{
	struct vclock *c = &call->tenant->state.clock;
	cJSON *body = ms_call_json_object(call);
	struct ms_period advance;
	ms_time_t set;
	int freeze;

	if (!body)
		return;
	if (clock_request(call, body, &advance, &set, &freeze) == 0) {
		vclock_change(c, set != MS_NEVER ? &set : NULL, &advance,
			      freeze);
		ms_events_due(&call->tenant->state);
		call->resp->date = vclock_now(c);
		ms_reply(call->resp, 200, clock_json(c));
	}
	cJSON_Delete(body);
}


static void get_state(struct ms_call *call)
{
	ms_reply(call->resp, 200,
		 ms_scenario_from_state(&call->tenant->state));
}


/* "since" and "limit" of a journal read; 0, or -1 after a 400. */
static int journal_query(struct ms_call *call, uint64_t *since,
			 size_t *limit)
{
	unsigned long long v;
	char buf[32];

	*since = 0;
	*limit = MS_JOURNAL_LIMIT_MAX;
	if (ms_query_param(call->req, "since", buf, sizeof(buf))) {
		if (ms_parse_count(buf, 0, ~0ULL, &v) < 0) {
			ms_fail(call->resp, 400, "validation_failed", "since",
				"since must be a sequence number");
			return -1;
		}
		*since = v;
	}
	if (ms_query_param(call->req, "limit", buf, sizeof(buf))) {
		if (ms_parse_count(buf, 1, MS_JOURNAL_LIMIT_MAX, &v) < 0) {
			ms_fail(call->resp, 400, "validation_failed", "limit",
				"limit must be a whole number from 1 to %d",
				MS_JOURNAL_LIMIT_MAX);
			return -1;
		}
		*limit = (size_t)v;
	}
	return 0;
}


static void get_journal(struct ms_call *call)
{
	const struct ms_journal *j = &call->tenant->journal;
	uint64_t since;
	size_t limit;
	cJSON *o;

	if (journal_query(call, &since, &limit) < 0)
		return;
	pthread_mutex_lock(&call->tenant->journal_lock);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "tenant", call->tenant->name);
	cJSON_AddNumberToObject(o, "capacity", (double)j->limit);
	cJSON_AddNumberToObject(o, "size", (double)j->count);
	cJSON_AddNumberToObject(o, "evicted", (double)j->evicted);
	cJSON_AddNumberToObject(o, "nextSeq", (double)j->next_seq);
	cJSON_AddItemToObject(o, "entries", ms_journal_query(j, since, limit));
	pthread_mutex_unlock(&call->tenant->journal_lock);
	ms_reply(call->resp, 200, o);
}


static void delete_journal(struct ms_call *call)
{
	pthread_mutex_lock(&call->tenant->journal_lock);
	ms_journal_clear(&call->tenant->journal);
	pthread_mutex_unlock(&call->tenant->journal_lock);
	ms_reply(call->resp, 204, NULL);
}


/* A scenario error as a 400: the message, and the key path in errors. */
static void fail_scenario(struct ms_call *call,
			  const struct ms_scenario_error *err)
{
	char msg[1536];

	ms_scenario_error_format(err, msg, sizeof(msg));
	ms_fail(call->resp, 400, err->syntax ? "invalid_json"
					     : "validation_failed",
		err->path[0] ? err->path : NULL, "%s", msg);
}


/* Refuse what would hurt the parser (see text.h): 0, or -1 after 400. */
static int screen_body(struct ms_call *call)
{
	const char *why;

	if (ms_json_screen(call->req->body, call->req->body_len, &why,
			   NULL) == 0)
		return 0;
	ms_fail(call->resp, 400, "invalid_json", NULL,
		"The request body is refused: %s.", why);
	return -1;
}


/* Replace the tenant's state with a scenario document; a bad one
 * changes nothing. Reset still goes back to the loaded scenario. */
static void put_state(struct ms_call *call)
{
	struct ms_registry *reg = &call->srv->registry;
	struct ms_scenario_opts opts = reg->opts;
	struct ms_scenario_error err;
	struct ms_state fresh;
	cJSON *doc;

	if (screen_body(call) < 0)
		return;
	doc = ms_scenario_parse(call->req->body ? call->req->body : "",
				call->req->body_len, &err);
	if (!doc) {
		fail_scenario(call, &err);
		return;
	}
	opts.tenant = call->tenant->name;
	ms_state_init(&fresh);
	if (ms_scenario_apply(doc, &fresh, &opts, &err) < 0) {
		ms_state_release(&fresh);
		fail_scenario(call, &err);
	} else {
		ms_state_release(&call->tenant->state);
		call->tenant->state = fresh;
		call->resp->date = vclock_now(&fresh.clock);
		ms_reply(call->resp, 200, ms_scenario_from_state(&fresh));
	}
	cJSON_Delete(doc);
}


static void get_rules(struct ms_call *call)
{
	const struct ms_script *sc = &call->tenant->state.script;
	cJSON *o = cJSON_CreateObject();
	cJSON *rules = cJSON_AddArrayToObject(o, "rules");
	cJSON *events = cJSON_AddArrayToObject(o, "events");

	for (size_t i = 0; i < sc->nrules; i++)
		cJSON_AddItemToArray(rules, ms_rule_to_json(&sc->rules[i],
							    true));
	for (size_t i = 0; i < sc->nevents; i++)
		cJSON_AddItemToArray(events,
				     ms_event_to_json(&sc->events[i], true));
	ms_reply(call->resp, 200, o);
}


/* Add rules (one object or an array), replacing those of the same name;
 * checked like a scenario's; a bad one changes nothing. */
static void post_rules(struct ms_call *call)
{
	struct ms_state *st = &call->tenant->state;
	struct ms_scenario_error err;
	const cJSON *item;
	cJSON *rules;

	if (screen_body(call) < 0)
		return;
	rules = ms_scenario_parse_rules(call->req->body ? call->req->body
							: "",
					call->req->body_len, st, &err);
	if (!rules) {
		fail_scenario(call, &err);
		return;
	}
	cJSON_ArrayForEach(item, rules) {
		struct ms_rule r;
		if (ms_rule_from_json(item, &r) < 0)
			continue;
		if (ms_script_put_rule(&st->script, &r) < 0)
			ms_rule_release(&r);
	}
	cJSON_Delete(rules);
	get_rules(call);
	call->resp->status = 201;
}


/* Remove every rule, or only ?name=X (404 when there is none). */
static void delete_rules(struct ms_call *call)
{
	struct ms_script *sc = &call->tenant->state.script;
	char name[256];

	if (!ms_query_param(call->req, "name", name, sizeof(name))) {
		ms_script_clear_rules(sc);
	} else if (ms_script_remove_rule(sc, name) < 0) {
		ms_fail(call->resp, 404, "not_found", NULL,
			"No rule named '%s'", name);
		return;
	}
	ms_reply(call->resp, 204, NULL);
}


/* The scenario's expectations against this tenant's journal so far. */
static void get_verify(struct ms_call *call)
{
	cJSON *verdict;

	pthread_mutex_lock(&call->tenant->journal_lock);
	verdict = ms_verify(call->tenant->state.expect, &call->tenant->journal,
			    MS_VERIFY_NO_EXIT);
	pthread_mutex_unlock(&call->tenant->journal_lock);
	ms_reply(call->resp, 200, verdict);
}


/* params[0] holds the tenant's name (see ms_dispatch). */
static void delete_tenant(struct ms_call *call)
{
	if (ms_registry_drop(&call->srv->registry, call->params[0]) < 0) {
		ms_fail(call->resp, 404, "not_found", NULL,
			"No tenant named '%s'", call->params[0]);
		return;
	}
	ms_log(MS_LOG_DEBUG, "tenant %s dropped", call->params[0]);
	ms_reply(call->resp, 204, NULL);
}


const struct ms_route ms_control_routes[] = {
	{MS_PLANE_CONTROL, "GET", "/__mock/health", NULL,
	 MS_ROUTE_NO_TENANT, 0, get_health},
	{MS_PLANE_CONTROL, "POST", "/__mock/reset", NULL, 0, 0, post_reset},
	{MS_PLANE_CONTROL, "GET", "/__mock/clock", NULL, 0, 0, get_clock},
	{MS_PLANE_CONTROL, "POST", "/__mock/clock", NULL, 0, 0, post_clock},
	{MS_PLANE_CONTROL, "GET", "/__mock/state", NULL, 0, 0, get_state},
	{MS_PLANE_CONTROL, "PUT", "/__mock/state", NULL, 0, 0, put_state},
	{MS_PLANE_CONTROL, "GET", "/__mock/rules", NULL, 0, 0, get_rules},
	{MS_PLANE_CONTROL, "POST", "/__mock/rules", NULL, 0, 0, post_rules},
	{MS_PLANE_CONTROL, "DELETE", "/__mock/rules", NULL, 0, 0,
	 delete_rules},
	{MS_PLANE_CONTROL, "GET", "/__mock/journal", NULL, 0, 0,
	 get_journal},
	{MS_PLANE_CONTROL, "DELETE", "/__mock/journal", NULL, 0, 0,
	 delete_journal},
	{MS_PLANE_CONTROL, "GET", "/__mock/verify", NULL, 0, 0, get_verify},
	{MS_PLANE_CONTROL, "DELETE", "/__mock/tenant", NULL,
	 MS_ROUTE_NO_TENANT, 0, delete_tenant},
	{0},
};
