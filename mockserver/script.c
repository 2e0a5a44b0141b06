/*
 * script: see script.h.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "script.h"

static const char *const fault_names[] = {
	NULL, "reset", "truncate", "stall", "empty",
};


/* Match one segment of pattern (up to '/' or the end) with one of path. */
static bool segment_match(const char *pat, size_t plen, const char *seg,
			  size_t slen)
{
	char p[256], s[256];

	if (plen == slen && memcmp(pat, seg, plen) == 0)
		return true;             /* the common case: a literal */
	if (plen >= sizeof(p) || slen >= sizeof(s))
		return false;
	memcpy(p, pat, plen);
	p[plen] = '\0';
	memcpy(s, seg, slen);
	s[slen] = '\0';
	return fnmatch(p, s, 0) == 0;
}


/* Split text at '/' into at most max segments (there is always one);
 * returns the count, or 0 when there are more. */
static size_t split(const char *text, const char **seg, size_t *len,
		    size_t max)
{
	size_t n = 0;

	for (;;) {
		if (n == max)
			return 0;
		seg[n] = text;
		len[n] = strcspn(text, "/");
		text += len[n];
		n++;
		if (!*text)
			return n;
		text++;
	}
}


static bool is_any(const char *seg, size_t len)
{
	return len == 2 && seg[0] == '*' && seg[1] == '*';
}


/*
 * Segment by segment: "**" takes any number of segments (none included),
 * anything else one segment through fnmatch; a trailing "**" also
 * matches when the path has no segment left for it.
 *
 * Matching the segments one by one and trying every split for each
 * "**" takes time exponential in the number of "**": ten of them against
 * a path of forty segments never finished. Instead, for the pattern's
 * segments from the last to the first, a row says which path suffixes
 * the rest of the pattern matches: time is segments times segments, and
 * memory two rows.
 */
#define GLOB_SEGMENTS_MAX MS_GLOB_SEGMENTS_MAX   /* in a pattern */
#define PATH_SEGMENTS_MAX 8192                   /* in a path */
#define ON_STACK 64                /* path segments matched without malloc */

/* Path segments, and the two rows, for n segments. */
struct glob_work {
	const char **seg;
	size_t *len;
	bool *next, *row;
};

static bool glob_rows(const char **pseg, const size_t *plen, size_t m,
		      struct glob_work *w, size_t n)
{
	bool *next = w->next, *row = w->row, *swap;

	/* next[j]: the pattern past segment i matches path segments j..n-1
	 * (j == n: none left). With the whole pattern used, only none. */
	memset(next, 0, n + 1);
	next[n] = true;
	for (size_t i = m; i-- > 0;) {
		bool any = is_any(pseg[i], plen[i]), later = false;
		/* With no path left, only a trailing "**" still matches. */
		row[n] = any && i == m - 1;
		for (size_t j = n; j-- > 0;) {
			if (any && i == m - 1)
				row[j] = true;
			else if (any)    /* take none, or segment j and on */
				row[j] = (later = later || next[j]);
			else
				row[j] = next[j + 1] &&
					 segment_match(pseg[i], plen[i],
						       w->seg[j], w->len[j]);
		}
		swap = next;
		next = row;
		row = swap;
	}
	return next[0];
}


bool ms_glob_match(const char *pattern, const char *path)
{
	const char *pseg[GLOB_SEGMENTS_MAX], *sseg[ON_STACK];
	size_t plen[GLOB_SEGMENTS_MAX], slen[ON_STACK];
	bool rows[2][ON_STACK + 1], ok;
	struct glob_work w = {sseg, slen, rows[0], rows[1]};
	size_t m, n = 1;
	void *heap = NULL;

	if (*pattern == '/')
		pattern++;
	if (*path == '/')
		path++;
	m = split(pattern, pseg, plen, GLOB_SEGMENTS_MAX);
	for (const char *p = path; (p = strchr(p, '/')) != NULL; p++)
		n++;
	if (m == 0 || n > PATH_SEGMENTS_MAX)
		return false;
	if (n > ON_STACK) {
		heap = malloc(n * (sizeof(*w.seg) + sizeof(*w.len)) +
			      2 * (n + 1));
		if (!heap)
			return false;
		w.seg = heap;
		w.len = (size_t *)(w.seg + n);
		w.next = (bool *)(w.len + n);
		w.row = w.next + n + 1;
	}
	split(path, w.seg, w.len, n);
	ok = glob_rows(pseg, plen, m, &w, n);
	free(heap);
	return ok;
}


bool ms_match_fits(const struct ms_match *m, const struct ms_subject *subj)
{
	if (m->method && strcmp(m->method, subj->method) != 0)
		return false;
	if (m->path && !ms_glob_match(m->path, subj->path))
		return false;
	if (m->token && (!subj->token_label ||
			 strcmp(m->token, subj->token_label) != 0))
		return false;
	if (m->user && (!subj->user || strcmp(m->user, subj->user) != 0))
		return false;
	return true;
}


void ms_script_init(struct ms_script *s)
{
	memset(s, 0, sizeof(*s));
}


void ms_match_release(struct ms_match *m)
{
	free(m->method);
	free(m->path);
	free(m->token);
	free(m->user);
	memset(m, 0, sizeof(*m));
}


/* Copy the string member key of j into *dst (NULL when absent).
 * Returns 0, or -1 when out of memory. */
static int copy_member(const cJSON *j, const char *key, char **dst)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(j, key));

	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -1;
}


int ms_match_from_json(const cJSON *j, struct ms_match *m)
{
	memset(m, 0, sizeof(*m));
	if (!j)
		return 0;
	if (copy_member(j, "method", &m->method) < 0 ||
	    copy_member(j, "path", &m->path) < 0 ||
	    copy_member(j, "token", &m->token) < 0 ||
	    copy_member(j, "user", &m->user) < 0) {
		ms_match_release(m);
		return -1;
	}
	return 0;
}


/* *dst = a copy of src (NULL stays NULL). 0, or -1 out of memory. */
static int copy_string(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}


int ms_match_copy(struct ms_match *dst, const struct ms_match *src)
{
	memset(dst, 0, sizeof(*dst));
	if (copy_string(&dst->method, src->method) < 0 ||
	    copy_string(&dst->path, src->path) < 0 ||
	    copy_string(&dst->token, src->token) < 0 ||
	    copy_string(&dst->user, src->user) < 0) {
		ms_match_release(dst);
		return -1;
	}
	return 0;
}


int ms_match_to_json(cJSON *o, const struct ms_match *m)
{
	const char *const keys[] = { "method", "path", "token", "user" };
	const char *const vals[] = { m->method, m->path, m->token, m->user };
	int rc = 0;

	/* Go on past a failure: the rule and event dumps ignore it and keep
	 * what they can. */
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (vals[i] && !cJSON_AddStringToObject(o, keys[i], vals[i]))
			rc = -1;
	return rc;
}


static uint64_t count_member(const cJSON *j, const char *key, uint64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0
		       ? (uint64_t)v->valuedouble : dflt;
}


/* The "respond" part: status, headers, body. */
static int respond_from_json(const cJSON *j, struct ms_rule *r)
{
	const cJSON *status = cJSON_GetObjectItem(j, "status");
	const cJSON *headers = cJSON_GetObjectItem(j, "headers");
	const cJSON *body = cJSON_GetObjectItem(j, "body");

	if (!cJSON_IsNumber(status))
		return -1;
	r->responds = true;
	r->status = status->valueint;
	if (headers && !(r->headers = cJSON_Duplicate(headers, true)))
		return -1;
	if (body && !(r->body = cJSON_Duplicate(body, true)))
		return -1;
	return 0;
}


static enum ms_fault fault_parse(const char *s)
{
	for (int i = 1; s && i <= MS_FAULT_EMPTY; i++) {
		if (strcmp(s, fault_names[i]) == 0)
			return (enum ms_fault)i;
	}
	return MS_FAULT_NONE;
}


int ms_rule_from_json(const cJSON *j, struct ms_rule *out)
{
	const cJSON *match = cJSON_GetObjectItem(j, "match");
	const cJSON *respond = cJSON_GetObjectItem(j, "respond");
	const char *delay = cJSON_GetStringValue(cJSON_GetObjectItem(j,
								     "delay"));
	const cJSON *prob = cJSON_GetObjectItem(match, "probability");
	struct ms_period p;

	memset(out, 0, sizeof(*out));
	out->probability = cJSON_IsNumber(prob) ? prob->valuedouble : 1.0;
	out->after = count_member(match, "after", 0);
	out->times = count_member(match, "times", 0);
	out->fault = fault_parse(cJSON_GetStringValue(
		cJSON_GetObjectItem(j, "fault")));
	if (delay && ms_period_parse(delay, &p) == 0)
		out->delay_ms = p.ms;
	if (copy_member(j, "name", &out->name) < 0 || !out->name ||
	    ms_match_from_json(match, &out->match) < 0 ||
	    (respond && respond_from_json(respond, out) < 0)) {
		ms_rule_release(out);
		return -1;
	}
	return 0;
}


void ms_rule_release(struct ms_rule *r)
{
	free(r->name);
	ms_match_release(&r->match);
	cJSON_Delete(r->headers);
	cJSON_Delete(r->body);
	memset(r, 0, sizeof(*r));
}


const char *ms_fault_name(enum ms_fault f)
{
	return f > MS_FAULT_NONE && f <= MS_FAULT_EMPTY ? fault_names[f]
							: NULL;
}


static void add_count(cJSON *o, const char *key, uint64_t n)
{
	cJSON_AddNumberToObject(o, key, (double)n);
}


cJSON *ms_rule_to_json(const struct ms_rule *r, bool counters)
{
	cJSON *o = cJSON_CreateObject();
	char buf[MS_PERIOD_BUFSZ];
	cJSON *m;

	cJSON_AddStringToObject(o, "name", r->name);
	m = cJSON_AddObjectToObject(o, "match");
	ms_match_to_json(m, &r->match);
	if (r->after)
		add_count(m, "after", r->after);
	if (r->times)
		add_count(m, "times", r->times);
	if (r->probability < 1.0)
		cJSON_AddNumberToObject(m, "probability", r->probability);
	if (r->responds) {
		cJSON *resp = cJSON_AddObjectToObject(o, "respond");
		cJSON_AddNumberToObject(resp, "status", r->status);
		if (r->headers)
			cJSON_AddItemToObject(resp, "headers",
					      cJSON_Duplicate(r->headers, 1));
		if (r->body)
			cJSON_AddItemToObject(resp, "body",
					      cJSON_Duplicate(r->body, 1));
	}
	if (r->delay_ms) {
		struct ms_period p = {0, r->delay_ms};
		cJSON_AddStringToObject(o, "delay", ms_period_format(&p, buf));
	}
	if (r->fault)
		cJSON_AddStringToObject(o, "fault", fault_names[r->fault]);
	if (counters) {
		add_count(o, "matched", r->matched);
		add_count(o, "acted", r->acted);
	}
	return o;
}


int ms_event_from_json(const cJSON *j, struct ms_event *out)
{
	const cJSON *on = cJSON_GetObjectItem(j, "on");
	const cJSON *at = cJSON_GetObjectItem(on, "at");

	memset(out, 0, sizeof(*out));
	if (cJSON_IsString(at)) {
		out->trigger = MS_TRIGGER_AT;
		if (ms_time_parse(at->valuestring, &out->at) < 0)
			return -1;
	} else {
		out->trigger = MS_TRIGGER_REQUESTS;
		out->requests = count_member(on, "afterRequests", 1);
	}
	out->actions = cJSON_Duplicate(cJSON_GetObjectItem(j, "do"), true);
	if (copy_member(j, "name", &out->name) < 0 || !out->name ||
	    !out->actions ||
	    ms_match_from_json(cJSON_GetObjectItem(on, "match"),
			       &out->match) < 0) {
		ms_event_release(out);
		return -1;
	}
	return 0;
}


cJSON *ms_event_to_json(const struct ms_event *e, bool counters)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *on = cJSON_AddObjectToObject(o, "on");
	char buf[MS_TIME_BUFSZ];

	cJSON_AddStringToObject(o, "name", e->name);
	if (e->trigger == MS_TRIGGER_AT) {
		cJSON_AddStringToObject(on, "at", ms_time_format(e->at, buf));
	} else {
		add_count(on, "afterRequests", e->requests);
		if (e->match.method || e->match.path || e->match.token ||
		    e->match.user)
			ms_match_to_json(cJSON_AddObjectToObject(on, "match"),
					 &e->match);
	}
	cJSON_AddItemToObject(o, "do", cJSON_Duplicate(e->actions, true));
	if (counters) {
		add_count(o, "matched", e->matched);
		cJSON_AddBoolToObject(o, "fired", e->fired);
	}
	return o;
}


void ms_event_release(struct ms_event *e)
{
	free(e->name);
	ms_match_release(&e->match);
	cJSON_Delete(e->actions);
	memset(e, 0, sizeof(*e));
}


void ms_script_clear_rules(struct ms_script *s)
{
	for (size_t i = 0; i < s->nrules; i++)
		ms_rule_release(&s->rules[i]);
	s->nrules = 0;
}


void ms_script_release(struct ms_script *s)
{
	ms_script_clear_rules(s);
	for (size_t i = 0; i < s->nevents; i++)
		ms_event_release(&s->events[i]);
	free(s->rules);
	free(s->events);
	ms_script_init(s);
}


int ms_script_put_rule(struct ms_script *s, struct ms_rule *r)
{
	for (size_t i = 0; i < s->nrules; i++) {
		if (strcmp(s->rules[i].name, r->name) == 0) {
			ms_rule_release(&s->rules[i]);
			s->rules[i] = *r;
			return 0;
		}
	}
	if (s->nrules == s->rules_cap) {
		size_t cap = s->rules_cap ? s->rules_cap * 2 : 4;
		struct ms_rule *grown = realloc(s->rules,
						cap * sizeof(*grown));
		if (!grown)
			return -1;
		s->rules = grown;
		s->rules_cap = cap;
	}
	s->rules[s->nrules++] = *r;
	return 0;
}


int ms_script_remove_rule(struct ms_script *s, const char *name)
{
	for (size_t i = 0; i < s->nrules; i++) {
		if (strcmp(s->rules[i].name, name) != 0)
			continue;
		ms_rule_release(&s->rules[i]);
		memmove(&s->rules[i], &s->rules[i + 1],
			(s->nrules - i - 1) * sizeof(*s->rules));
		s->nrules--;
		return 0;
	}
	return -1;
}


int ms_script_add_event(struct ms_script *s, struct ms_event *e)
{
	if (s->nevents == s->events_cap) {
		size_t cap = s->events_cap ? s->events_cap * 2 : 4;
		struct ms_event *grown = realloc(s->events,
						 cap * sizeof(*grown));
		if (!grown)
			return -1;
		s->events = grown;
		s->events_cap = cap;
	}
	s->events[s->nevents++] = *e;
	return 0;
}


/* *dst = a copy of the tree src (NULL stays NULL). 0, or -1. */
static int copy_json(cJSON **dst, const cJSON *src)
{
	*dst = src ? cJSON_Duplicate(src, true) : NULL;
	return src && !*dst ? -1 : 0;
}


/* Make dst a copy of src; what it owns is its own even on failure (-1),
 * for ms_rule_release to free. */
static int rule_copy(struct ms_rule *dst, const struct ms_rule *src)
{
	*dst = *src;
	dst->name = NULL;
	dst->headers = dst->body = NULL;
	if (ms_match_copy(&dst->match, &src->match) < 0)
		return -1;
	if (copy_string(&dst->name, src->name) < 0 ||
	    copy_json(&dst->headers, src->headers) < 0)
		return -1;
	return copy_json(&dst->body, src->body);
}


/* The same for an event. */
static int event_copy(struct ms_event *dst, const struct ms_event *src)
{
	*dst = *src;
	dst->name = NULL;
	dst->actions = NULL;
	if (ms_match_copy(&dst->match, &src->match) < 0)
		return -1;
	if (copy_string(&dst->name, src->name) < 0)
		return -1;
	return copy_json(&dst->actions, src->actions);
}


/* Arrays of exactly the source's length, zeroed so that a copy failed
 * half-way releases cleanly. */
int ms_script_copy(struct ms_script *dst, const struct ms_script *src)
{
	ms_script_init(dst);
	if (src->nrules &&
	    !(dst->rules = calloc(src->nrules, sizeof(*dst->rules))))
		return -1;
	dst->nrules = dst->rules_cap = src->nrules;
	if (src->nevents &&
	    !(dst->events = calloc(src->nevents, sizeof(*dst->events))))
		goto fail;
	dst->nevents = dst->events_cap = src->nevents;
	for (size_t i = 0; i < src->nrules; i++) {
		if (rule_copy(&dst->rules[i], &src->rules[i]) < 0)
			goto fail;
	}
	for (size_t i = 0; i < src->nevents; i++) {
		if (event_copy(&dst->events[i], &src->events[i]) < 0)
			goto fail;
	}
	return 0;
fail:
	ms_script_release(dst);
	return -1;
}


/* Count a matching request against r; true when r acts on it. */
static bool rule_acts(struct ms_rule *r, struct ms_rng *rng)
{
	r->matched++;
	if (r->matched <= r->after)
		return false;
	if (r->times && r->acted >= r->times)
		return false;
	if (r->probability < 1.0 && ms_rng_unit(rng) >= r->probability)
		return false;
	r->acted++;
	return true;
}


void ms_script_judge(struct ms_script *s, const struct ms_subject *subj,
		     struct ms_rng *rng, struct ms_verdict *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->nrules; i++) {
		struct ms_rule *r = &s->rules[i];
		if (!ms_match_fits(&r->match, subj) || !rule_acts(r, rng))
			continue;
		out->rule_name = r->name;
		out->delay_ms += r->delay_ms;
		if (r->responds || r->fault) {
			out->answer = r;
			return;
		}
	}
}
