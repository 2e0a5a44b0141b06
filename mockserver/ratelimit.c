/*
 * ratelimit: see ratelimit.h.
 *
 * One bucket a key, in a libc search tree (tsearch) ordered by the key:
 * "t:<token id>" or "u:<account id>" as the scope says, or "-" for the
 * requests that name neither (and for the whole tenant). A bucket keeps
 * its window's start and count, and the end of the wait a refused key
 * is serving. The key text is built once a request and becomes the
 * bucket's own when the bucket is new.
 *
 * A limiter that cannot allocate a key lets the request through
 * uncounted: a mock that refuses for its own lack of memory would make
 * a client look wrong.
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ratelimit.h"

#define DEFAULT_REASON "jira-quota-based"
#define WAIT_CAP_WINDOWS 10   /* the longest wait, in windows */

struct bucket {
	char *key;                /* owned; the tree's order */
	ms_time_t start;          /* the window's first request */
	uint64_t count;           /* requests counted in the window */
	bool blocked;             /* refused until blocked_until */
	ms_time_t blocked_until;
};

static const char *const scope_names[] = { "token", "user", "tenant" };


/* tsearch order: by key. */
static int bucket_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bucket *)a)->key,
		      ((const struct bucket *)b)->key);
}


static void bucket_free(void *p)
{
	struct bucket *b = p;

	free(b->key);
	free(b);
}


void ms_rate_limit_init(struct ms_rate_limit *rl)
{
	memset(rl, 0, sizeof(*rl));
	rl->scope = MS_RATE_TOKEN;
}


void ms_rate_limit_release(struct ms_rate_limit *rl)
{
	tdestroy(rl->buckets, bucket_free);
	free(rl->reason);
	ms_match_release(&rl->match);
	ms_rate_limit_init(rl);
}


int ms_rate_limit_copy(struct ms_rate_limit *dst,
		       const struct ms_rate_limit *src)
{
	*dst = *src;
	dst->buckets = NULL;
	dst->reason = NULL;
	if (ms_match_copy(&dst->match, &src->match) < 0)
		goto fail;
	if (src->reason && !(dst->reason = strdup(src->reason)))
		goto fail;
	return 0;
fail:
	ms_rate_limit_release(dst);
	return -1;
}


/* ---- From and to JSON --------------------------------------------------- */

/* Copy the string under key of j into *dst (NULL when absent). 0, or -1
 * out of memory or when the value is not a string. */
static int copy_string(const cJSON *j, const char *key, char **dst)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	*dst = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	*dst = strdup(v->valuestring);
	return *dst ? 0 : -1;
}


/* The scope named s (absent: token); 0, or -1 for an unknown name. */
static int scope_parse(const cJSON *s, enum ms_rate_scope *out)
{
	*out = MS_RATE_TOKEN;
	if (!s)
		return 0;
	for (size_t i = 0; cJSON_IsString(s) && i < 3; i++) {
		if (strcmp(s->valuestring, scope_names[i]) == 0) {
			*out = (enum ms_rate_scope)i;
			return 0;
		}
	}
	return -1;
}


/* limit and window, as the checks allow them. 0, or -1. */
static int budget_from_json(const cJSON *j, struct ms_rate_limit *rl)
{
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(j, "limit");
	const cJSON *window = cJSON_GetObjectItemCaseSensitive(j, "window");
	struct ms_period p;

	if (!cJSON_IsNumber(limit) || !(limit->valuedouble >= 1) ||
	    limit->valuedouble > 1e9 || !cJSON_IsString(window) ||
	    ms_period_parse(window->valuestring, &p) || p.months != 0 ||
	    p.ms <= 0 || p.ms > MS_RATE_WINDOW_MAX_MS)
		return -1;
	rl->limit = (uint64_t)limit->valuedouble;
	rl->window_ms = p.ms;
	return 0;
}


/*
 * rl must have been initialized; what it held (buckets included) is
 * released first, and again on failure, which leaves it disabled.
 */
int ms_rate_limit_from_json(const cJSON *j, struct ms_rate_limit *rl)
{
	ms_rate_limit_release(rl);
	if (!cJSON_IsObject(j) || budget_from_json(j, rl) ||
	    scope_parse(cJSON_GetObjectItemCaseSensitive(j, "scope"),
			&rl->scope) ||
	    copy_string(j, "reason", &rl->reason) ||
	    ms_match_from_json(cJSON_GetObjectItemCaseSensitive(j, "match"),
			       &rl->match))
		goto fail;
	if (!rl->reason && !(rl->reason = strdup(DEFAULT_REASON)))
		goto fail;
	rl->enabled = true;
	return 0;
fail:
	ms_rate_limit_release(rl);
	return -1;
}


/* o[key] = s, unless s is NULL. 0, or -1 out of memory. */
static int add_string(cJSON *o, const char *key, const char *s)
{
	return !s || cJSON_AddStringToObject(o, key, s) ? 0 : -1;
}


/* The match, when it says anything. 0, or -1 out of memory. */
static int match_to_json(cJSON *o, const struct ms_match *m)
{
	cJSON *j;

	if (!m->method && !m->path && !m->token && !m->user)
		return 0;
	j = cJSON_AddObjectToObject(o, "match");
	return j ? ms_match_to_json(j, m) : -1;
}


/*
 * Every key given, the defaults spelled out: {"limit", "window", "scope",
 * "reason", "match"?}. NULL when rl is disabled or out of memory.
 */
cJSON *ms_rate_limit_to_json(const struct ms_rate_limit *rl)
{
	struct ms_period p = { 0, rl->window_ms };
	char buf[MS_PERIOD_BUFSZ];
	cJSON *o;

	if (!rl->enabled)
		return NULL;
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddNumberToObject(o, "limit", (double)rl->limit) ||
	    add_string(o, "window", ms_period_format(&p, buf)) ||
	    add_string(o, "scope", scope_names[rl->scope]) ||
	    add_string(o, "reason", rl->reason) ||
	    match_to_json(o, &rl->match)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}


/* ---- Counting ----------------------------------------------------------- */

/* The bucket key of subj under rl's scope, allocated; NULL out of
 * memory. */
static char *key_of(const struct ms_rate_limit *rl,
		    const struct ms_subject *subj)
{
	const char *user = rl->scope == MS_RATE_TENANT ? NULL : subj->user;
	char *key = NULL;

	if (rl->scope == MS_RATE_TOKEN && subj->token_id) {
		if (asprintf(&key, "t:%s", subj->token_id) < 0)
			return NULL;
	} else if (user) {
		if (asprintf(&key, "u:%s", user) < 0)
			return NULL;
	} else {
		key = strdup("-");
	}
	return key;
}


/* The bucket of key; a new one (owning key) has its window start now.
 * key is freed when the bucket exists. NULL out of memory (key freed). */
static struct bucket *bucket_of(struct ms_rate_limit *rl, char *key,
				ms_time_t now)
{
	struct bucket probe = { .key = key }, *b, **slot;

	slot = tfind(&probe, &rl->buckets, bucket_cmp);
	if (slot) {
		free(key);
		return *slot;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		goto fail;
	b->key = key;
	b->start = now;
	slot = tsearch(b, &rl->buckets, bucket_cmp);
	if (!slot)
		goto fail;
	return b;
fail:
	free(b);
	free(key);
	return NULL;
}


/* Whole seconds until t, rounded up, at least 1. */
static int64_t seconds_until(ms_time_t t, ms_time_t now)
{
	int64_t s = (t - now + 999) / 1000;

	return s < 1 ? 1 : s;
}


/* Refuse the request: remaining 0, until the wait ends. */
static void refuse(const struct bucket *b, ms_time_t now,
		   struct ms_rate_verdict *out)
{
	out->limited = true;
	out->remaining = 0;
	out->reset_at = b->blocked_until;
	out->retry_after_s = seconds_until(b->blocked_until, now);
}


/* A request while b waits: the time left doubles, up to the cap. */
static void refuse_again(const struct ms_rate_limit *rl, struct bucket *b,
			 ms_time_t now, struct ms_rate_verdict *out)
{
	int64_t left = b->blocked_until - now;
	int64_t cap = WAIT_CAP_WINDOWS * rl->window_ms;

	b->blocked_until = now + (left > cap / 2 ? cap : 2 * left);
	refuse(b, now, out);
}


/* Start a window with the request at now. */
static void window_start(struct bucket *b, ms_time_t now)
{
	b->start = now;
	b->count = 0;
	b->blocked = false;
}


/* Count the request in b's window at now: pass it, or start a wait
 * that lasts until the window ends. */
static void count_in(const struct ms_rate_limit *rl, struct bucket *b,
		     ms_time_t now, struct ms_rate_verdict *out)
{
	ms_time_t end = b->start + rl->window_ms;

	if (b->count < rl->limit) {
		b->count++;
		out->remaining = rl->limit - b->count;
		out->reset_at = end;
		out->near_limit = out->remaining * 5 < rl->limit;
		return;
	}
	b->blocked = true;
	b->blocked_until = end;
	refuse(b, now, out);
}


void ms_rate_limit_check(struct ms_rate_limit *rl,
			 const struct ms_subject *subj, ms_time_t now,
			 struct ms_rate_verdict *out)
{
	struct bucket *b;
	char *key;

	memset(out, 0, sizeof(*out));
	out->limit = rl->limit;
	out->reason = rl->reason;
	if (!rl->enabled || !ms_match_fits(&rl->match, subj))
		return;
	key = key_of(rl, subj);
	b = key ? bucket_of(rl, key, now) : NULL;
	if (!b)
		return;
	out->counted = true;

	if (b->blocked && now < b->blocked_until) {
		refuse_again(rl, b, now, out);
		return;
	}
	if (b->blocked || now >= b->start + rl->window_ms)
		window_start(b, now);
	count_in(rl, b, now, out);
}
