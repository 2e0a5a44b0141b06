/*
 * verify: see verify.h. One function per kind of check, each filling a
 * struct outcome; the table at the end maps kinds to them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mstime.h"
#include "script.h"
#include "verify.h"

#define EVIDENCE_MAX 10     /* sequence numbers named a check */

struct outcome {
	bool passed;
	bool skipped;
	char message[512];
	cJSON *requests;    /* array of seq numbers */
};

/* The journal's entries, parsed once, for checks that walk them often. */
struct view {
	const cJSON **e;
	size_t n;
	bool off;               /* no journal (--journal-limit 0) */
};

typedef void check_fn(const cJSON *check, const struct view *j,
		      int exit_status, struct outcome *out);


/* Entry i of the view, or NULL past its end. */
static const cJSON *entry_at(const struct view *v, size_t i)
{
	return i < v->n ? v->e[i] : NULL;
}


static const char *entry_str(const cJSON *e, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(e, key));
}


static double entry_num(const cJSON *e, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(e, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}


/* Does the string member key of the match equal the entry's (or is it
 * absent from the match)? */
static bool same(const cJSON *m, const cJSON *e, const char *key)
{
	const char *want = entry_str(m, key);
	const char *have = entry_str(e, key);

	return !want || (have && strcmp(want, have) == 0);
}


/* Does the journal entry fit an expectation's match (NULL: all)? */
static bool fits(const cJSON *m, const cJSON *e)
{
	const char *path = entry_str(m, "path");
	const char *have = entry_str(e, "path");
	const cJSON *status = cJSON_GetObjectItem(m, "status");

	if (!m)
		return true;
	if (path && !ms_glob_match(path, have ? have : ""))
		return false;
	if (cJSON_IsNumber(status) &&
	    entry_num(e, "status") != status->valuedouble)
		return false;
	return same(m, e, "method") && same(m, e, "token") &&
	       same(m, e, "user");
}


static void say(struct outcome *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct outcome *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
}


/* Name request e as evidence, once however many findings it is in. */
static void cite(struct outcome *out, const cJSON *e)
{
	double seq = entry_num(e, "seq");
	const cJSON *n;

	cJSON_ArrayForEach(n, out->requests) {
		if (n->valuedouble == seq)
			return;
	}
	if (cJSON_GetArraySize(out->requests) < EVIDENCE_MAX)
		cJSON_AddItemToArray(out->requests, cJSON_CreateNumber(seq));
}


static uint64_t seq_of(const cJSON *e)
{
	return (uint64_t)entry_num(e, "seq");
}


static void check_count(const cJSON *c, const struct view *j,
			int exit_status, struct outcome *out)
{
	const cJSON *m = cJSON_GetObjectItem(c, "match");
	const cJSON *min = cJSON_GetObjectItem(c, "min");
	const cJSON *max = cJSON_GetObjectItem(c, "max");
	bool has_min = cJSON_IsNumber(min), has_max = cJSON_IsNumber(max);
	char range[96];
	const cJSON *e;
	double n = 0;

	(void)exit_status;
	for (size_t i = 0; (e = entry_at(j, i)) != NULL; i++) {
		if (fits(m, e)) {
			n++;
			cite(out, e);
		}
	}
	out->passed = (!has_min || n >= min->valuedouble) &&
		      (!has_max || n <= max->valuedouble);
	if (has_min && has_max)
		snprintf(range, sizeof(range), "between %.0f and %.0f",
			 min->valuedouble, max->valuedouble);
	else
		snprintf(range, sizeof(range), "at %s %.0f",
			 has_min ? "least" : "most",
			 has_min ? min->valuedouble : max->valuedouble);
	say(out, "%.0f matching request(s); expected %s", n, range);
}


/* The first entry fitting m, or NULL. */
static const cJSON *first_fit(const struct view *j, const cJSON *m)
{
	const cJSON *e;

	for (size_t i = 0; (e = entry_at(j, i)) != NULL; i++) {
		if (fits(m, e))
			return e;
	}
	return NULL;
}


static void check_order(const cJSON *c, const struct view *j,
			int exit_status, struct outcome *out)
{
	const cJSON *a = first_fit(j, cJSON_GetObjectItem(c, "first"));
	const cJSON *b = first_fit(j, cJSON_GetObjectItem(c, "then"));

	(void)exit_status;
	out->passed = !b || (a && seq_of(a) < seq_of(b));
	if (a)
		cite(out, a);
	if (b)
		cite(out, b);
	if (!b)
		say(out, "no request matched 'then'; nothing to order");
	else if (!a)
		say(out, "request #%llu matched 'then' but no request matched "
		    "'first'", (unsigned long long)seq_of(b));
	else
		say(out, "the first request fitting 'first' is #%llu, the "
		    "first fitting 'then' is #%llu",
		    (unsigned long long)seq_of(a),
		    (unsigned long long)seq_of(b));
}


/* The value of request header name in entry e, case-insensitively. */
static const char *header_of(const cJSON *e, const char *name)
{
	const cJSON *h;

	cJSON_ArrayForEach(h, cJSON_GetObjectItem(e, "headers")) {
		if (strcasecmp(h->string, name) == 0)
			return cJSON_GetStringValue(h);
	}
	return NULL;
}


static void check_header(const cJSON *c, const struct view *j,
			 int exit_status, struct outcome *out)
{
	const cJSON *m = cJSON_GetObjectItem(c, "match");
	const char *name = entry_str(c, "header");
	const char *want = entry_str(c, "equals");
	size_t bad = 0, seen = 0;
	const cJSON *e;

	(void)exit_status;
	for (size_t i = 0; name && (e = entry_at(j, i)) != NULL; i++) {
		const char *have;
		if (!fits(m, e))
			continue;
		seen++;
		have = header_of(e, name);
		if (have && (!want || strcmp(have, want) == 0))
			continue;
		if (bad++ == 0)
			say(out, "request #%llu %s %s: %s%s%s%s",
			    (unsigned long long)seq_of(e),
			    entry_str(e, "method"), entry_str(e, "path"),
			    have ? "has " : "lacks ", name,
			    have ? ": " : "", have ? have : "");
		cite(out, e);
	}
	out->passed = bad == 0;
	if (!bad)
		say(out, "%zu matching request(s) carry %s%s%s", seen, name,
		    want ? ": " : "", want ? want : "");
}


/* When the answer to e went out, in ms of wall time, or -1. */
static ms_time_t answered_at(const cJSON *e)
{
	ms_time_t t;

	if (ms_time_parse(entry_str(e, "wallTime"), &t) < 0)
		return -1;
	return t + (ms_time_t)(entry_num(e, "durationUs") / 1000);
}


static ms_time_t sent_at(const cJSON *e)
{
	ms_time_t t;

	return ms_time_parse(entry_str(e, "wallTime"), &t) < 0 ? -1 : t;
}


/* Is b the same caller as a (the same credentials, or both none)? */
static bool same_caller(const cJSON *a, const cJSON *b)
{
	const char *x = entry_str(a, "credentialId");
	const char *y = entry_str(b, "credentialId");

	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}


/* After each 429 or 503 with Retry-After, the same caller's next
 * request must wait that long, counted from when the answer went out. */
static void check_retry_after(const cJSON *c, const struct view *j,
			      int exit_status, struct outcome *out)
{
	const cJSON *m = cJSON_GetObjectItem(c, "match");
	size_t bad = 0, waits = 0;
	const cJSON *a, *b;

	(void)exit_status;
	for (size_t i = 0; (a = entry_at(j, i)) != NULL; i++) {
		double wait_s = entry_num(a, "retryAfter");
		double status = entry_num(a, "status");
		if (wait_s < 0 || (status != 429 && status != 503) ||
		    !fits(m, a))
			continue;
		waits++;
		for (size_t k = i + 1; (b = entry_at(j, k)) != NULL;
		     k++) {
			ms_time_t early;
			if (!same_caller(a, b))
				continue;
			early = answered_at(a) + (ms_time_t)(wait_s * 1000) -
				sent_at(b);
			if (early > 0 && bad++ == 0)
				say(out, "request #%llu came %.3f s after "
				    "#%llu was answered %.0f with "
				    "Retry-After: %.0f",
				    (unsigned long long)seq_of(b),
				    wait_s - early / 1000.0,
				    (unsigned long long)seq_of(a), status,
				    wait_s);
			if (early > 0) {
				cite(out, a);
				cite(out, b);
			}
			break;
		}
	}
	out->passed = bad == 0;
	if (!bad)
		say(out, "%zu answer(s) with Retry-After, each respected",
		    waits);
}


/* After a 401, the same credentials must not be tried again. */
static void check_stops_after_401(const cJSON *c,
				  const struct view *j,
				  int exit_status, struct outcome *out)
{
	const cJSON *m = cJSON_GetObjectItem(c, "match");
	size_t bad = 0;
	const cJSON *a, *b;

	(void)exit_status;
	for (size_t i = 0; (a = entry_at(j, i)) != NULL; i++) {
		if (entry_num(a, "status") != 401 || !fits(m, a) ||
		    !entry_str(a, "credentialId"))
			continue;
		for (size_t k = i + 1; (b = entry_at(j, k)) != NULL;
		     k++) {
			if (!same_caller(a, b))
				continue;
			if (bad++ == 0)
				say(out, "request #%llu used the credentials "
				    "that #%llu had answered 401 (%s)",
				    (unsigned long long)seq_of(b),
				    (unsigned long long)seq_of(a),
				    entry_str(a, "reason") ? entry_str(a,
				    "reason") : "-");
			cite(out, a);
			cite(out, b);
			break;
		}
	}
	out->passed = bad == 0;
	if (!bad)
		say(out, "no credentials were used again after a 401");
}


static void check_known_routes(const cJSON *c, const struct view *j,
			       int exit_status, struct outcome *out)
{
	size_t bad = 0;
	const cJSON *e;

	(void)c;
	(void)exit_status;
	for (size_t i = 0; (e = entry_at(j, i)) != NULL; i++) {
		if (cJSON_IsString(cJSON_GetObjectItem(e, "route")))
			continue;
		if (bad++ == 0)
			say(out, "request #%llu %s %s went to no route "
			    "the mock knows (answered %.0f)",
			    (unsigned long long)seq_of(e),
			    entry_str(e, "method"), entry_str(e, "path"),
			    entry_num(e, "status"));
		cite(out, e);
	}
	out->passed = bad == 0;
	if (!bad)
		say(out, "every request went to a known route and method");
}


static void check_exit(const cJSON *c, const struct view *j,
		       int exit_status, struct outcome *out)
{
	const cJSON *equals = cJSON_GetObjectItem(c, "equals");

	(void)j;
	if (exit_status == MS_VERIFY_NO_EXIT) {
		out->passed = true;
		out->skipped = true;
		say(out, "no client exit status here");
		return;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItem(c, "zero")))
		out->passed = exit_status == 0;
	else if (cJSON_IsTrue(cJSON_GetObjectItem(c, "nonZero")))
		out->passed = exit_status != 0;
	else
		out->passed = cJSON_IsNumber(equals) &&
			      exit_status == equals->valueint;
	say(out, "the client exited with status %d", exit_status);
}


static const struct {
	const char *kind;
	check_fn *fn;
} kinds[] = {
	{"count", check_count},
	{"order", check_order},
	{"header", check_header},
	{"respectsRetryAfter", check_retry_after},
	{"stopsAfter401", check_stops_after_401},
	{"noUnknownRoutes", check_known_routes},
	{"exitStatus", check_exit},
};


static cJSON *run_check(const cJSON *c, const struct view *j,
			int exit_status)
{
	const char *kind = entry_str(c, "kind");
	struct outcome out = {.requests = cJSON_CreateArray()};
	cJSON *o = cJSON_CreateObject();

	say(&out, "unknown kind");
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(*kinds); i++) {
		if (strcmp(kind, kinds[i].kind) == 0)
			kinds[i].fn(c, j, exit_status, &out);
	}
	/* Without a journal there is no evidence: nothing passes on it. */
	if (j->off && kind && strcmp(kind, "exitStatus") != 0) {
		out.passed = false;
		out.skipped = false;
		say(&out, "the journal is off (--journal-limit 0): no "
			  "request to judge this by");
	}
	cJSON_AddStringToObject(o, "name", entry_str(c, "name"));
	cJSON_AddStringToObject(o, "kind", kind ? kind : "");
	cJSON_AddBoolToObject(o, "passed", out.passed);
	cJSON_AddBoolToObject(o, "skipped", out.skipped);
	cJSON_AddStringToObject(o, "message", out.message);
	cJSON_AddItemToObject(o, "requests", out.requests);
	return o;
}


cJSON *ms_verify(const cJSON *expect, const struct ms_journal *journal,
		 int exit_status)
{
	cJSON *entries = ms_journal_query(journal, 0, journal->count);
	struct view view = {NULL, 0, journal->limit == 0};
	const struct view *j = &view;
	const cJSON *e;
	cJSON *o = cJSON_CreateObject();
	cJSON *checks = cJSON_CreateArray();
	int total = 0, failed = 0, skipped = 0;
	const cJSON *c;

	view.e = calloc((size_t)cJSON_GetArraySize(entries) + 1,
			sizeof(*view.e));
	cJSON_ArrayForEach(e, entries) {
		if (view.e)
			view.e[view.n++] = e;
	}
	cJSON_ArrayForEach(c, expect) {
		cJSON *r = run_check(c, j, exit_status);
		total++;
		failed += !cJSON_IsTrue(cJSON_GetObjectItem(r, "passed"));
		skipped += cJSON_IsTrue(cJSON_GetObjectItem(r, "skipped"));
		cJSON_AddItemToArray(checks, r);
	}
	cJSON_AddBoolToObject(o, "passed", failed == 0);
	cJSON_AddNumberToObject(o, "total", total);
	cJSON_AddNumberToObject(o, "failed", failed);
	cJSON_AddNumberToObject(o, "skipped", skipped);
	cJSON_AddNumberToObject(o, "evicted", (double)journal->evicted);
	cJSON_AddItemToObject(o, "checks", checks);
	free(view.e);
	cJSON_Delete(entries);
	return o;
}
