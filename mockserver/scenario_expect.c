/*
 * scenario_expect: what a scenario's rateLimit and expect may say
 * (SPEC.md section 6). See scenario_int.h for how the scenario modules
 * share the work, ratelimit.h for the limiter that takes the rateLimit
 * that passes here, and GET /__mock/verify for what evaluates expect.
 *
 * A rate limit gives a number of requests a window (a fixed length of
 * time: no months, at most 31 days), who shares a budget (scope), the
 * RateLimit-Reason it answers with and which requests count (a match as
 * a rule's, without after, times or probability: every matching request
 * counts).
 *
 * An expectation has a name, unique among them, and a kind, which says
 * what else it takes: a count of matching requests between min and max,
 * an order of two kinds of request, a header every matching request
 * sends, a client that waits out Retry-After or stops after a 401, no
 * request to a route the mock does not know, or the client's exit
 * status. Its matches are a rule's (method, path, token, user) plus the
 * status the mock answered with. A key the kind does not take is named,
 * with the keys it does take.
 *
 * The value checks of methods, path patterns, statuses and whole numbers
 * are scenario_script.c's, and a rate limit's match is an event's, so
 * that a match reads the same wherever it is; the longest window is the
 * limiter's own (MS_RATE_WINDOW_MAX_MS). The tables are constant and the
 * checks only read the document.
 */
#include "scenario_int.h"

#include <stdio.h>
#include <string.h>
#include "ratelimit.h"

#define EXIT_MAX 255

static const char *const scopes[] = { "token", "user", "tenant" };


/* ---- Checking: single values -------------------------------------------- */

/* Any string. */
static int v_string(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return scn_fail(ck, "expected a string%s", scn_found(v));
	return 0;
}


/* true, the only value a flag of exitStatus takes. */
static int v_true(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsTrue(v))
		return scn_fail(ck, "expected true; give the other key of "
				"exitStatus instead of false");
	return 0;
}


/* ---- Checking: the rate limit ------------------------------------------- */

static int v_limit(struct check *ck, const cJSON *v)
{
	return scn_whole_in(ck, v, 1, COUNT_MAX, "how many requests a "
			    "window allows");
}


/* A fixed length of time: months have none. */
static int v_window(struct check *ck, const cJSON *v)
{
	struct ms_period p;

	if (!cJSON_IsString(v) || ms_period_parse(v->valuestring, &p))
		return scn_fail(ck, "expected a window: an ISO-8601 period "
				"like PT1M, PT1H or P1D");
	if (p.months != 0)
		return scn_fail(ck, "a window cannot count months or years, "
				"which have no fixed length; give days, like "
				"P30D");
	if (p.ms <= 0 || p.ms > MS_RATE_WINDOW_MAX_MS)
		return scn_fail(ck, "expected a window longer than zero and "
				"at most 31 days (P31D)");
	return 0;
}


static int v_scope(struct check *ck, const cJSON *v)
{
	char list[40];

	if (cJSON_IsString(v) &&
	    scn_listed(scopes, COUNT_OF(scopes), v->valuestring))
		return 0;
	scn_join(scopes, COUNT_OF(scopes), list, sizeof(list));
	return scn_fail(ck, "expected a scope, one of %s: who shares one "
			"budget", list);
}


/* RateLimit-Reason goes into a header: one line. */
static int v_reason(struct check *ck, const cJSON *v)
{
	return scn_v_header_text(ck, v, "expected a reason on one line: it "
				 "is sent as RateLimit-Reason");
}


static const struct field rate_fields[] = {
	{ "limit", v_limit, NULL, true },
	{ "window", v_window, NULL, true },
	{ "scope", v_scope, NULL, false },
	{ "reason", v_reason, NULL, false },
	{ "match", scn_v_count_match, NULL, false },
};
static const struct shape rate_shape = SHAPE(rate_fields, NULL);


/* rateLimit: a budget of requests a window. */
int scn_v_rate_limit(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &rate_shape);
}


/* ---- Checking: the values of expectations ------------------------------- */

/* Which requests an expectation looks at. */
static const struct field exp_match_fields[] = {
	{ "method", scn_v_method, NULL, false },
	{ "path", scn_v_glob, NULL, false },
	{ "token", scn_v_text, NULL, false },
	{ "user", scn_v_user_ref, NULL, false },
	{ "status", scn_v_status, NULL, false },
};
static const struct shape exp_match_shape = SHAPE(exp_match_fields, NULL);


static int v_exp_match(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &exp_match_shape);
}


static int v_bound(struct check *ck, const cJSON *v)
{
	return scn_whole_in(ck, v, 0, COUNT_MAX, "a number of requests");
}


static int v_exit(struct check *ck, const cJSON *v)
{
	return scn_whole_in(ck, v, 0, EXIT_MAX, "an exit status");
}


/* An RFC 9110 token: what a header name may be made of. */
static int v_header_name(struct check *ck, const cJSON *v)
{
	if (scn_header_name_ok(cJSON_IsString(v) ? v->valuestring : ""))
		return 0;
	return scn_fail(ck, "expected a header name: letters, digits and "
			"!#$%%&'*+-.^_`|~, like Accept");
}


/* ---- Checking: expectations, kind by kind ------------------------------- */

/* A count needs a bound, and its bounds in order. */
static int count_post(struct check *ck, const cJSON *e)
{
	const cJSON *min = cJSON_GetObjectItemCaseSensitive(e, "min");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(e, "max");

	if (!min && !max)
		return scn_fail(ck, "a count expectation needs min, max or "
				"both");
	if (min && max && min->valuedouble > max->valuedouble)
		return scn_fail_key(ck, "max", "expected max of at least min "
				    "(%.0f), found %.0f", min->valuedouble,
				    max->valuedouble);
	return 0;
}


/* An exit status is zero, non-zero or one number: exactly one. */
static int exit_post(struct check *ck, const cJSON *e)
{
	static const char *const keys[] = { "zero", "nonZero", "equals" };
	const char *first = NULL;

	for (size_t i = 0; i < COUNT_OF(keys); i++) {
		if (!scn_has(e, keys[i]))
			continue;
		if (first)
			return scn_fail_key(ck, keys[i], "expected one of "
					    "zero, nonZero or equals, not "
					    "both %s and %s", first, keys[i]);
		first = keys[i];
	}
	if (!first)
		return scn_fail(ck, "an exitStatus expectation needs one of "
				"\"zero\": true, \"nonZero\": true or "
				"\"equals\": a status from 0 to %d", EXIT_MAX);
	return 0;
}

static const struct field count_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "kind", NULL, NULL, true },
	{ "match", v_exp_match, NULL, false },
	{ "min", v_bound, NULL, false },
	{ "max", v_bound, NULL, false },
};

static const struct field order_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "kind", NULL, NULL, true },
	{ "first", v_exp_match, NULL, true },
	{ "then", v_exp_match, NULL, true },
};

static const struct field header_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "kind", NULL, NULL, true },
	{ "match", v_exp_match, NULL, false },
	{ "header", v_header_name, NULL, true },
	{ "equals", v_string, NULL, false },
};

/* respectsRetryAfter and stopsAfter401: which requests to watch. */
static const struct field watch_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "kind", NULL, NULL, true },
	{ "match", v_exp_match, NULL, false },
};

static const struct field routes_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "kind", NULL, NULL, true },
};

static const struct field exit_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "kind", NULL, NULL, true },
	{ "zero", v_true, NULL, false },
	{ "nonZero", v_true, NULL, false },
	{ "equals", v_exit, NULL, false },
};

/* Each kind and the shape of its expectations, in SPEC.md's order. */
static const struct {
	const char *kind;
	struct shape shape;
} kinds[] = {
	{ "count", SHAPE(count_fields, count_post) },
	{ "order", SHAPE(order_fields, NULL) },
	{ "header", SHAPE(header_fields, NULL) },
	{ "respectsRetryAfter", SHAPE(watch_fields, NULL) },
	{ "stopsAfter401", SHAPE(watch_fields, NULL) },
	{ "noUnknownRoutes", SHAPE(routes_fields, NULL) },
	{ "exitStatus", SHAPE(exit_fields, exit_post) },
};


/* "count, order, ...": the kinds, for messages. */
static void kind_names(char *buf, size_t len)
{
	const char *names[COUNT_OF(kinds)];

	for (size_t i = 0; i < COUNT_OF(kinds); i++)
		names[i] = kinds[i].kind;
	scn_join(names, COUNT_OF(kinds), buf, len);
}


/* The shape of the kind e gives, or NULL with the error reported. */
static const struct shape *kind_shape(struct check *ck, const cJSON *e)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(e, "kind");
	char list[160];

	kind_names(list, sizeof(list));
	if (!kind) {
		scn_fail_key(ck, "kind", "missing required key 'kind'; "
			     "expected one of %s", list);
		return NULL;
	}
	for (size_t i = 0; cJSON_IsString(kind) && i < COUNT_OF(kinds); i++)
		if (strcmp(kind->valuestring, kinds[i].kind) == 0)
			return &kinds[i].shape;
	scn_fail_key(ck, "kind", "expected a kind, one of %s", list);
	return NULL;
}


/* Refuse a key the kind (its shape sh) does not take, placed at the
 * key, naming the keys it does take. 0, or -1 with the error. */
static int kind_keys(struct check *ck, const cJSON *e, const char *kind,
		     const struct shape *sh)
{
	const cJSON *m;
	char keys[200];

	cJSON_ArrayForEach(m, e) {
		bool known = false;

		for (size_t i = 0; i < sh->n && !known; i++)
			known = strcmp(sh->f[i].key, m->string) == 0;
		if (known)
			continue;
		scn_shape_keys(sh, keys, sizeof(keys));
		ck->at_key = true;
		scn_fail_key(ck, m->string, "unknown key '%s' for a %s "
			     "expectation; %s takes %s", m->string, kind,
			     kind, keys);
		ck->at_key = false;
		return -1;
	}
	return 0;
}


/* One item of expect: its kind says which keys it takes. */
static int v_expectation(struct check *ck, const cJSON *v)
{
	const struct shape *sh;
	const char *kind;

	if (!cJSON_IsObject(v))
		return scn_fail(ck, "expected an expectation object with a "
				"name and a kind%s", scn_found(v));
	if (scn_check_dup_keys(ck, v))
		return -1;
	sh = kind_shape(ck, v);
	if (!sh)
		return -1;
	kind = cJSON_GetObjectItemCaseSensitive(v, "kind")->valuestring;
	if (kind_keys(ck, v, kind, sh))
		return -1;
	return scn_check_object(ck, v, sh);
}


/* expect: each one, then one name an expectation. */
int scn_v_expect(struct check *ck, const cJSON *v)
{
	if (scn_each_element(ck, v, v_expectation))
		return -1;
	return scn_check_unique(ck, v, "name", 0);
}
