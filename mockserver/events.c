/*
 * events: see events.h. Each action's JSON was checked when the scenario
 * (or rule) was loaded; a token label that names no token is logged and
 * skipped, since tokens made at run time may be the ones meant.
 */
#include <stdlib.h>
#include <string.h>
#include "events.h"
#include "log.h"

typedef void action_fn(struct ms_state *st, const cJSON *arg);


static void do_advance_clock(struct ms_state *st, const cJSON *arg)
{
	struct ms_period p;

	if (ms_period_parse(cJSON_GetStringValue(arg), &p) == 0)
		vclock_advance(&st->clock, &p);
}


static void do_set_clock(struct ms_state *st, const cJSON *arg)
{
	ms_time_t t;

	if (ms_time_parse(cJSON_GetStringValue(arg), &t) == 0)
		vclock_set(&st->clock, t);
}


/* Apply fn to every token labelled as arg says; say so when none is. */
static void each_labelled(struct ms_state *st, const cJSON *arg,
			  void (*fn)(struct ms_state *, struct ms_token *))
{
	const char *label = cJSON_GetStringValue(arg);
	size_t hits = 0;

	for (size_t i = 0; label && i < st->tokens.count; i++) {
		if (strcmp(st->tokens.items[i]->label, label) == 0) {
			fn(st, st->tokens.items[i]);
			hits++;
		}
	}
	if (!hits)
		ms_log(MS_LOG_WARN, "event: no token labelled '%s'",
		       label ? label : "");
}


static void revoke(struct ms_state *st, struct ms_token *t)
{
	(void)st;
	t->revoked = true;
}


static void expire(struct ms_state *st, struct ms_token *t)
{
	t->expires_at = vclock_now(&st->clock);
}


static void regenerate(struct ms_state *st, struct ms_token *t)
{
	if (!t->revoked)
		ms_state_token_regenerate(st, t);
}


static void do_revoke(struct ms_state *st, const cJSON *arg)
{
	each_labelled(st, arg, revoke);
}


static void do_expire(struct ms_state *st, const cJSON *arg)
{
	each_labelled(st, arg, expire);
}


static void do_regenerate(struct ms_state *st, const cJSON *arg)
{
	each_labelled(st, arg, regenerate);
}


/* Replace a list of role holders with the strings of a JSON array. */
static void holders_set(struct ms_strv *v, const cJSON *list)
{
	const cJSON *item;

	ms_strv_clear(v);
	cJSON_ArrayForEach(item, list) {
		if (cJSON_IsString(item))
			ms_strv_push(v, item->valuestring);
	}
}


static void do_set_role(struct ms_state *st, const cJSON *arg)
{
	const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(arg,
								   "role"));
	struct ms_role *r = key ? ms_state_role(st, key) : NULL;

	if (!r)
		return;
	holders_set(&r->users, cJSON_GetObjectItem(arg, "users"));
	holders_set(&r->groups, cJSON_GetObjectItem(arg, "groups"));
}


/* Un-initialized, a site has no initializer and no time of it, as one
 * never initialized (the state document allows them only with
 * initialized true). */
static void do_set_initialized(struct ms_state *st, const cJSON *arg)
{
	st->initialized = cJSON_IsTrue(arg);
	if (st->initialized && st->initialized_at == MS_NEVER)
		st->initialized_at = vclock_now(&st->clock);
	if (!st->initialized) {
		st->initialized_at = MS_NEVER;
		free(st->initialized_by);
		st->initialized_by = NULL;
	}
}


static void do_add_rule(struct ms_state *st, const cJSON *arg)
{
	struct ms_rule r;

	if (ms_rule_from_json(arg, &r) < 0)
		return;
	if (ms_script_put_rule(&st->script, &r) < 0)
		ms_rule_release(&r);
}


static void do_remove_rule(struct ms_state *st, const cJSON *arg)
{
	const char *name = cJSON_GetStringValue(arg);

	if (name && ms_script_remove_rule(&st->script, name) < 0)
		ms_log(MS_LOG_WARN, "event: no rule named '%s'", name);
}


static const struct {
	const char *key;
	action_fn *fn;
} actions[] = {
	{"advanceClock", do_advance_clock},
	{"setClock", do_set_clock},
	{"revokeToken", do_revoke},
	{"expireToken", do_expire},
	{"regenerateToken", do_regenerate},
	{"setRole", do_set_role},
	{"setInitialized", do_set_initialized},
	{"addRule", do_add_rule},
	{"removeRule", do_remove_rule},
};


static void fire(struct ms_state *st, struct ms_event *e)
{
	const cJSON *action;

	e->fired = true;
	ms_log(MS_LOG_DEBUG, "event '%s' fires", e->name);
	cJSON_ArrayForEach(action, e->actions) {
		const cJSON *kv = action->child;   /* one key an action */
		for (size_t i = 0; kv && i < sizeof(actions) / sizeof(*actions);
		     i++) {
			if (strcmp(kv->string, actions[i].key) == 0)
				actions[i].fn(st, kv);
		}
	}
}


void ms_events_due(struct ms_state *st)
{
	bool again = true;

	/* Each pass fires at least one event or ends: at most n passes. */
	while (again) {
		again = false;
		for (size_t i = 0; i < st->script.nevents; i++) {
			struct ms_event *e = &st->script.events[i];
			if (e->fired || e->trigger != MS_TRIGGER_AT ||
			    vclock_now(&st->clock) < e->at)
				continue;
			fire(st, e);
			again = true;
		}
	}
}


void ms_events_after_request(struct ms_state *st,
			     const struct ms_subject *subj)
{
	bool fired = false;

	for (size_t i = 0; i < st->script.nevents; i++) {
		struct ms_event *e = &st->script.events[i];
		if (e->fired || e->trigger != MS_TRIGGER_REQUESTS ||
		    !ms_match_fits(&e->match, subj))
			continue;
		if (++e->matched >= e->requests) {
			fire(st, e);
			fired = true;
		}
	}
	if (fired)
		ms_events_due(st);
}
