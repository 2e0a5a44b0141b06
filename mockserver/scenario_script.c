/*
 * scenario_script: what a scenario's rules and events may say (SPEC.md
 * section 6). See scenario_int.h for how the scenario modules share the
 * work, and script.h for the runtime that takes what passes here.
 *
 * A rule matches requests (method, path pattern, token label, user) and
 * skips, limits or draws among them (after, times, probability); it
 * responds, delays, breaks the connection (fault), or delays and then
 * responds or breaks it. An event waits for a number of matching
 * requests or for a virtual time, then runs its actions, each an object
 * of one key. One rule check serves "rules", an event's addRule and the
 * body of POST /__mock/rules (scn_check_rules in scenario_check.c).
 *
 * cJSON reads every number as a double, so a count is checked to be a
 * whole number of at most COUNT_MAX, which a double holds exactly and
 * the runtime's uint64_t takes without a cast that could overflow.
 *
 * Token labels and rule names are not looked up: tokens made at run time
 * have labels too, and rules come and go through POST /__mock/rules. The
 * tables are constant and the checks only read the document.
 *
 * The checks of single values that a match and a count need (scn_v_method,
 * scn_whole_in, ...) are shared with scenario_expect.c through
 * scenario_int.h, so that a match reads the same wherever it is.
 */
#include "scenario_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "script.h"

#define HEADERS_MAX 8         /* headers one rule may set */

static const char *const methods[] = {
	"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"
};

static const char *const faults[] = { "reset", "truncate", "stall", "empty" };


/* ---- Checking: single values, shared with scenario_expect.c ------------- */

bool scn_has(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}


bool scn_listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}


void scn_join(const char *const *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", v[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


int scn_whole_in(struct check *ck, const cJSON *v, double lo, double hi,
		 const char *what)
{
	char found[64];
	double d = v->valuedouble;

	if (cJSON_IsNumber(v) && d >= lo && d <= hi && d == (double)(int64_t)d)
		return 0;
	if (cJSON_IsNumber(v))
		snprintf(found, sizeof(found), ", found %.15g", d);
	else
		snprintf(found, sizeof(found), "%s", scn_found(v));
	return scn_fail(ck, "expected %s: a whole number from %.0f to %.0f%s",
			what, lo, hi, found);
}


int scn_v_status(struct check *ck, const cJSON *v)
{
	return scn_whole_in(ck, v, 100, 599, "an HTTP status");
}


int scn_v_method(struct check *ck, const cJSON *v)
{
	char list[80];

	if (cJSON_IsString(v) &&
	    scn_listed(methods, COUNT_OF(methods), v->valuestring))
		return 0;
	scn_join(methods, COUNT_OF(methods), list, sizeof(list));
	return scn_fail(ck, "expected a method in capitals, one of %s", list);
}


/* The query and the fragment are never matched, so a pattern that
 * names them is a mistake. */
int scn_v_glob(struct check *ck, const cJSON *v)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";
	size_t segments = 1;

	/* Counted as the matcher does, past a leading '/'. */
	for (const char *p = s + (s[0] == '/'); (p = strchr(p, '/')) != NULL;
	     p++)
		segments++;
	if (segments > MS_GLOB_SEGMENTS_MAX)
		return scn_fail(ck, "expected a path pattern of at most %d "
				"segments", MS_GLOB_SEGMENTS_MAX);
	if ((s[0] == '/' || s[0] == '*') && !strpbrk(s, " \t\r\n?#"))
		return 0;
	return scn_fail(ck, "expected a path pattern starting with '/' or "
			"'*', without spaces, '?' or '#', like "
			"/jsm/assets/workspace/*/v1/** (* matches within one "
			"segment, ** any number of segments)");
}


bool scn_header_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789!#$%&'*+-.^_`|~") == n;
}


/* Can s go out as a header's value: no control character but the tab
 * (a CR or LF would end the header and start one of the text's own),
 * C1 controls (U+0080 to U+009F, as UTF-8) included, as for labels? */
bool scn_header_value_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return false;
	}
	return true;
}


/* A non-empty string sent in a header: refused with msg when it holds a
 * control character (see scn_header_value_ok). */
int scn_v_header_text(struct check *ck, const cJSON *v, const char *msg)
{
	if (scn_v_text(ck, v))
		return -1;
	if (!scn_header_value_ok(v->valuestring))
		return scn_fail(ck, "%s", msg);
	return 0;
}


/* ---- Checking: single values of rules and events ------------------------ */

static int v_after(struct check *ck, const cJSON *v)
{
	return scn_whole_in(ck, v, 0, COUNT_MAX, "how many matching requests "
			    "to let by first");
}


static int v_times(struct check *ck, const cJSON *v)
{
	return scn_whole_in(ck, v, 1, COUNT_MAX, "how many times at most the "
			    "rule acts");
}


static int v_requests(struct check *ck, const cJSON *v)
{
	return scn_whole_in(ck, v, 1, COUNT_MAX, "how many matching requests "
			    "fire the event");
}


/* A chance in (0, 1]: a rule that never acts is a mistake. */
static int v_probability(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) ||
	    v->valuedouble > 1)
		return scn_fail(ck, "expected a probability: a number greater "
				"than 0 and at most 1, like 0.5");
	return 0;
}


/* How long a rule holds a request before it goes on. */
static int v_delay(struct check *ck, const cJSON *v)
{
	struct ms_period p;

	/* Zero would read as no delay: a stall would keep its 30 s. */
	if (cJSON_IsString(v) && !ms_period_parse(v->valuestring, &p) &&
	    p.months == 0 && p.ms > 0 && p.ms <= MS_RULE_DELAY_MAX_MS)
		return 0;
	return scn_fail(ck, "expected a delay: an ISO-8601 period longer than "
			"zero and of at most %g seconds, like PT0.2S or PT2S",
			MS_RULE_DELAY_MAX_MS / 1000.0);
}


/* How a rule breaks the connection. */
static int v_fault(struct check *ck, const cJSON *v)
{
	char list[80];

	if (cJSON_IsString(v) &&
	    scn_listed(faults, COUNT_OF(faults), v->valuestring))
		return 0;
	scn_join(faults, COUNT_OF(faults), list, sizeof(list));
	return scn_fail(ck, "expected a fault, one of %s", list);
}


/* Arrays of references, for setRole. */
static int v_user_refs(struct check *ck, const cJSON *v)
{
	return scn_each_element(ck, v, scn_v_user_ref);
}


static int v_group_refs(struct check *ck, const cJSON *v)
{
	return scn_each_element(ck, v, scn_v_group_ref);
}


/* ---- Checking: rules ---------------------------------------------------- */

/* The headers that frame the body, which the server must write. */
static bool header_framing(const char *name)
{
	return strcasecmp(name, "Content-Length") == 0 ||
	       strcasecmp(name, "Transfer-Encoding") == 0;
}


/* Report a bad header name, placed at the name. Returns -1. */
static int header_name_fail(struct check *ck, const char *name)
{
	ck->at_key = true;
	if (header_framing(name))
		scn_fail(ck, "the server sets %s itself; for a broken body "
			 "use \"fault\": \"truncate\"", name);
	else
		scn_fail(ck, "bad header name '%s'; expected letters, digits "
			 "and !#$%%&'*+-.^_`|~", name);
	ck->at_key = false;
	return -1;
}


/*
 * A status a rule may answer with: 200 to 599, but not 204 or 304, which
 * HTTP sends without a body (the mock always frames one); 1xx are not
 * final answers at all.
 */
static int v_answer_status(struct check *ck, const cJSON *v)
{
	if (scn_whole_in(ck, v, 200, 599, "an HTTP status") < 0)
		return -1;
	if (v->valuedouble == 204 || v->valuedouble == 304)
		return scn_fail(ck, "expected a status with a body: 204 and "
				"304 are not answered by rules");
	return 0;
}


/* Retry-After: whole seconds, as expectations read it. */
static bool retry_after_ok(const char *v)
{
	return *v && strlen(v) <= 5 && strspn(v, "0123456789") == strlen(v);
}


/* One member of respond.headers: a name and a one-line value. */
static int v_header(struct check *ck, const cJSON *m)
{
	if (!scn_header_name_ok(m->string) || header_framing(m->string))
		return header_name_fail(ck, m->string);
	if (!cJSON_IsString(m))
		return scn_fail(ck, "expected a string%s", scn_found(m));
	if (!scn_header_value_ok(m->valuestring))
		return scn_fail(ck, "expected a header value on one line, "
				"without control characters");
	if (strcasecmp(m->string, "Retry-After") == 0 &&
	    !retry_after_ok(m->valuestring))
		return scn_fail(ck, "expected Retry-After in whole seconds, "
				"0 to 99999");
	return 0;
}


/* respond.headers: at most HEADERS_MAX, each name once. */
static int v_headers(struct check *ck, const cJSON *v)
{
	int n;

	if (!cJSON_IsObject(v))
		return scn_fail(ck, "expected an object of header names to "
				"values%s", scn_found(v));
	n = cJSON_GetArraySize(v);
	if (n > HEADERS_MAX)
		return scn_fail(ck, "expected at most %d headers, found %d",
				HEADERS_MAX, n);
	return scn_each_member(ck, v, v_header);
}


static const struct field respond_fields[] = {
	{ "status", v_answer_status, NULL, true },
	{ "headers", v_headers, NULL, false },
	{ "body", NULL, NULL, false },
};
static const struct shape respond_shape = SHAPE(respond_fields, NULL);


/* A rule's answer: a status, headers, any JSON body. */
static int v_respond(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &respond_shape);
}


static const struct field rule_match_fields[] = {
	{ "method", scn_v_method, NULL, false },
	{ "path", scn_v_glob, NULL, false },
	{ "token", scn_v_text, NULL, false },
	{ "user", scn_v_user_ref, NULL, false },
	{ "after", v_after, NULL, false },
	{ "times", v_times, NULL, false },
	{ "probability", v_probability, NULL, false },
};
static const struct shape rule_match_shape = SHAPE(rule_match_fields, NULL);


/* Which requests a rule looks at, and which of them it acts on. */
static int v_rule_match(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &rule_match_shape);
}


/*
 * A rule does something (a delay is never zero, see v_delay), and
 * cannot both answer and break.
 */
static int rule_post(struct check *ck, const cJSON *r)
{
	bool respond = scn_has(r, "respond"), fault = scn_has(r, "fault");

	if (respond && fault)
		return scn_fail_key(ck, "fault", "a rule that responds cannot "
				    "also fault; give respond or fault, not "
				    "both");
	if (!respond && !fault && !scn_has(r, "delay"))
		return scn_fail(ck, "a rule must respond, delay or fault: "
				"expected respond, delay or fault");
	return 0;
}

/* A rule's name goes out as X-Mock-Rule when the rule answers. */
static int v_rule_name(struct check *ck, const cJSON *v)
{
	return scn_v_header_text(ck, v, "expected a name without control "
				 "characters: it is sent as X-Mock-Rule");
}

static const struct field rule_fields[] = {
	{ "name", v_rule_name, NULL, true },
	{ "match", v_rule_match, NULL, false },
	{ "respond", v_respond, NULL, false },
	{ "delay", v_delay, NULL, false },
	{ "fault", v_fault, NULL, false },
};
static const struct shape rule_shape = SHAPE(rule_fields, rule_post);


/* One rule, wherever it is given. */
int scn_v_rule(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &rule_shape);
}


/* rules: each one, then one name a rule. */
int scn_v_rules(struct check *ck, const cJSON *v)
{
	if (scn_each_element(ck, v, scn_v_rule))
		return -1;
	return scn_check_unique(ck, v, "name", 0);
}


/* ---- Checking: events --------------------------------------------------- */

static const struct field set_role_fields[] = {
	{ "role", scn_v_role_key, NULL, true },
	{ "users", v_user_refs, NULL, false },
	{ "groups", v_group_refs, NULL, false },
};
static const struct shape set_role_shape = SHAPE(set_role_fields, NULL);


/* setRole: a role and its new holders. */
static int v_set_role(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &set_role_shape);
}

/* The actions; each action object gives exactly one of these keys. */
static const struct field action_fields[] = {
	{ "advanceClock", scn_v_period, NULL, false },
	{ "setClock", scn_v_time, NULL, false },
	{ "revokeToken", scn_v_text, NULL, false },
	{ "expireToken", scn_v_text, NULL, false },
	{ "regenerateToken", scn_v_text, NULL, false },
	{ "setRole", v_set_role, NULL, false },
	{ "setInitialized", scn_v_bool, NULL, false },
	{ "addRule", scn_v_rule, NULL, false },
	{ "removeRule", scn_v_text, NULL, false },
};
static const struct shape action_shape = SHAPE(action_fields, NULL);


/* Is key one of the actions? */
static bool action_known(const char *key)
{
	for (size_t i = 0; i < COUNT_OF(action_fields); i++)
		if (strcmp(action_fields[i].key, key) == 0)
			return true;
	return false;
}


/* Report a bad key of an action, placed at the key. Returns -1. */
static int action_key_fail(struct check *ck, const char *key,
			   const char *keys)
{
	ck->at_key = true;
	if (action_known(key))
		scn_fail_key(ck, key, "an action has one key; put '%s' in an "
			     "action of its own", key);
	else
		scn_fail_key(ck, key, "unknown action '%s'; expected one of "
			     "%s", key, keys);
	ck->at_key = false;
	return -1;
}


/* One item of do: an object of exactly one known key. */
static int v_action(struct check *ck, const cJSON *v)
{
	char keys[200];

	scn_shape_keys(&action_shape, keys, sizeof(keys));
	if (!cJSON_IsObject(v) || !v->child)
		return scn_fail(ck, "expected an action: an object of one key, "
				"one of %s", keys);
	if (scn_check_dup_keys(ck, v))
		return -1;
	if (!action_known(v->child->string))
		return action_key_fail(ck, v->child->string, keys);
	if (v->child->next)
		return action_key_fail(ck, v->child->next->string, keys);
	return scn_check_object(ck, v, &action_shape);
}


/* do: the actions, in the order they run; at least one. */
static int v_do(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsArray(v))
		return scn_fail(ck, "expected an array of actions%s",
				scn_found(v));
	if (!v->child)
		return scn_fail(ck, "expected at least one action, like "
				"{\"advanceClock\": \"P1D\"}");
	return scn_each_element(ck, v, v_action);
}


/* An event counts requests, and so does a rate limit: their match
 * cannot skip or draw them. */
static const struct field count_match_fields[] = {
	{ "method", scn_v_method, NULL, false },
	{ "path", scn_v_glob, NULL, false },
	{ "token", scn_v_text, NULL, false },
	{ "user", scn_v_user_ref, NULL, false },
};
static const struct shape count_match_shape = SHAPE(count_match_fields,
						     NULL);


int scn_v_count_match(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &count_match_shape);
}


/* An event fires on a count of requests or at a time, not both. */
static int on_post(struct check *ck, const cJSON *on)
{
	bool count = scn_has(on, "afterRequests"), at = scn_has(on, "at");

	if (count && at)
		return scn_fail_key(ck, "at", "expected afterRequests or at, "
				    "not both: an event fires on a count of "
				    "requests or at a time");
	if (at && scn_has(on, "match"))
		return scn_fail_key(ck, "match", "match says which requests "
				    "count, so it goes with afterRequests, "
				    "not at");
	if (!count && !at)
		return scn_fail(ck, "expected afterRequests (with an optional "
				"match) or at");
	return 0;
}

static const struct field on_fields[] = {
	{ "afterRequests", v_requests, NULL, false },
	{ "match", scn_v_count_match, NULL, false },
	{ "at", scn_v_time, NULL, false },
};
static const struct shape on_shape = SHAPE(on_fields, on_post);


/* When an event fires. */
static int v_on(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &on_shape);
}


static const struct field event_fields[] = {
	{ "name", scn_v_text, NULL, true },
	{ "on", v_on, NULL, true },
	{ "do", v_do, NULL, true },
};
static const struct shape event_shape = SHAPE(event_fields, NULL);


/* One item of events. */
static int v_event(struct check *ck, const cJSON *v)
{
	return scn_check_object(ck, v, &event_shape);
}


/* events: each one, then one name an event. */
int scn_v_events(struct check *ck, const cJSON *v)
{
	if (scn_each_element(ck, v, v_event))
		return -1;
	return scn_check_unique(ck, v, "name", 0);
}
