/*
 * journal: see journal.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "journal.h"
#include "log.h"
#include "text.h"

/* Kept beyond a cap: enough for the character that crosses it, so that
 * cleaning the kept bytes cuts where cleaning all of them would. */
#define SLACK 3

struct ms_journal_entry {
	uint64_t seq;
	size_t cap;                      /* bytes allocated for it all */
	bool body_cut;                   /* body bytes were left out */
	struct ms_journal_fields f;      /* strings point past headers */
	struct ms_journal_header headers[];
};


int ms_journal_init(struct ms_journal *j, size_t limit)
{
	j->ring = NULL;
	j->limit = limit;
	j->start = 0;
	j->count = 0;
	j->next_seq = 1;
	j->evicted = 0;
	if (limit == 0)
		return 0;
	j->ring = calloc(limit, sizeof(*j->ring));
	return j->ring ? 0 : -1;
}


void ms_journal_clear(struct ms_journal *j)
{
	for (size_t i = 0; i < j->count; i++)
		free(j->ring[(j->start + i) % j->limit]);
	j->start = 0;
	j->count = 0;
	j->evicted = 0;
}


void ms_journal_release(struct ms_journal *j)
{
	ms_journal_clear(j);
	free(j->ring);
	j->ring = NULL;
}


/* The string fields of an entry other than the headers, each with its
 * cap, in the order they are kept in the block. */
#define FIELD(name, cap) {offsetof(struct ms_journal_fields, name), cap}
static const struct {
	size_t offset;
	size_t cap;
} strings[] = {
	FIELD(tenant, MS_JOURNAL_TEXT_MAX),
	FIELD(plane, MS_JOURNAL_TEXT_MAX),
	FIELD(method, MS_JOURNAL_TEXT_MAX),
	FIELD(path, MS_JOURNAL_PATH_MAX),
	FIELD(query, MS_JOURNAL_PATH_MAX),
	FIELD(fault, MS_JOURNAL_TEXT_MAX),
	FIELD(reason, MS_JOURNAL_TEXT_MAX),
	FIELD(rule, MS_JOURNAL_TEXT_MAX),
	FIELD(credential_id, MS_JOURNAL_TEXT_MAX),
	FIELD(token, MS_JOURNAL_TEXT_MAX),
	FIELD(token_id, MS_JOURNAL_TEXT_MAX),
	FIELD(user, MS_JOURNAL_TEXT_MAX),
	FIELD(route, MS_JOURNAL_TEXT_MAX),
};
#undef FIELD
#define NSTRINGS (sizeof(strings) / sizeof(strings[0]))

/* The bytes each string of an entry takes, measured once: the block's
 * size is their sum, and the copies use them. */
struct lengths {
	size_t string[NSTRINGS];
	size_t name[MS_JOURNAL_HEADERS_MAX];
	size_t value[MS_JOURNAL_HEADERS_MAX];
};


/* The i-th of strings[] in f, and where it is kept in an entry's f. */
static const char *string_of(const struct ms_journal_fields *f, size_t i)
{
	return *(const char *const *)((const char *)f + strings[i].offset);
}

static const char **string_slot(struct ms_journal_fields *f, size_t i)
{
	return (const char **)((char *)f + strings[i].offset);
}


/* The bytes of s kept (at most cap + SLACK), or 0 for NULL. */
static size_t measure(const char *s, size_t cap)
{
	return s ? strnlen(s, cap + SLACK) : 0;
}


/* Copy the n bytes kept of s to *at, NUL-terminated, and move *at past
 * them. Returns the copy, or NULL for NULL. */
static const char *keep(char **at, const char *s, size_t n)
{
	char *copy = *at;

	if (!s)
		return NULL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	*at += n + 1;
	return copy;
}


static size_t body_kept(const struct ms_journal_fields *f)
{
	return f->body_len < MS_JOURNAL_BODY_MAX + SLACK
		       ? f->body_len : MS_JOURNAL_BODY_MAX + SLACK;
}


static int headers_kept(const struct ms_journal_fields *f)
{
	if (f->nheaders <= 0 || !f->headers)
		return 0;
	return f->nheaders < MS_JOURNAL_HEADERS_MAX ? f->nheaders
						    : MS_JOURNAL_HEADERS_MAX;
}


/* The bytes an entry of f takes, with each string's length in *len. */
static size_t entry_size(const struct ms_journal_fields *f,
			 struct lengths *len)
{
	const size_t text = MS_JOURNAL_TEXT_MAX;
	int nh = headers_kept(f);
	size_t size = sizeof(struct ms_journal_entry) +
		      (size_t)nh * sizeof(struct ms_journal_header) +
		      (f->body && f->body_len ? body_kept(f) + 1 : 0);

	for (size_t i = 0; i < NSTRINGS; i++) {
		const char *s = string_of(f, i);
		len->string[i] = measure(s, strings[i].cap);
		size += s ? len->string[i] + 1 : 0;
	}
	for (int i = 0; i < nh; i++) {
		const struct ms_journal_header *h = &f->headers[i];
		len->name[i] = measure(h->name, text);
		len->value[i] = measure(h->value, text);
		size += (h->name ? len->name[i] + 1 : 0) +
			(h->value ? len->value[i] + 1 : 0);
	}
	return size;
}


/* Copy f into e, which has room for entry_size(f) bytes. */
static void entry_fill(struct ms_journal_entry *e,
		       const struct ms_journal_fields *f,
		       const struct lengths *len)
{
	size_t body = body_kept(f);
	int nh = headers_kept(f);
	char *at;

	e->f = *f;
	e->f.nheaders = nh;
	e->f.headers = e->headers;
	at = (char *)&e->headers[nh];
	for (int i = 0; i < nh; i++) {
		e->headers[i].name = keep(&at, f->headers[i].name,
					  len->name[i]);
		e->headers[i].value = keep(&at, f->headers[i].value,
					   len->value[i]);
	}
	for (size_t i = 0; i < NSTRINGS; i++)
		*string_slot(&e->f, i) = keep(&at, string_of(f, i),
					      len->string[i]);
	e->f.body = NULL;
	e->f.body_len = 0;
	e->body_cut = false;
	if (f->body && f->body_len) {
		memcpy(at, f->body, body);
		at[body] = '\0';
		e->f.body = at;
		e->f.body_len = body;
		e->body_cut = f->body_len > body;
	}
}


/* An entry's block, kept by the thread that last let one go, for the
 * next entry it makes: in a journal that has gone round, a recorder
 * takes back the block its append evicted, and allocates nothing. A
 * thread-specific key, so that the block is freed when its thread
 * ends. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_ok;

static void spare_key_make(void)
{
	spare_ok = pthread_key_create(&spare_key, free) == 0;
}


static struct ms_journal_entry *spare_take(size_t size)
{
	struct ms_journal_entry *e;

	pthread_once(&spare_once, spare_key_make);
	if (!spare_ok)
		return NULL;
	e = pthread_getspecific(spare_key);
	if (!e || e->cap < size)
		return NULL;
	pthread_setspecific(spare_key, NULL);
	return e;
}


struct ms_journal_entry *ms_journal_entry_new(
	const struct ms_journal_fields *f)
{
	struct lengths len;
	size_t size = entry_size(f, &len);
	struct ms_journal_entry *e = spare_take(size);

	if (!e) {
		e = malloc(size);
		if (!e)
			return NULL;
		e->cap = size;
	}
	e->seq = 0;
	entry_fill(e, f, &len);
	return e;
}


void ms_journal_entry_free(struct ms_journal_entry *e)
{
	struct ms_journal_entry *kept;

	if (!e)
		return;
	pthread_once(&spare_once, spare_key_make);
	kept = spare_ok ? pthread_getspecific(spare_key) : NULL;
	/* Keep the larger block of the two. */
	if (spare_ok && (!kept || kept->cap < e->cap) &&
	    pthread_setspecific(spare_key, e) == 0) {
		free(kept);
		return;
	}
	free(e);
}


uint64_t ms_journal_append(struct ms_journal *j, struct ms_journal_entry *e,
			   struct ms_journal_entry **evicted)
{
	uint64_t seq = j->next_seq++;
	struct ms_journal_entry **slot;

	*evicted = NULL;
	if (!e)                  /* out of memory: lose the entry, not more */
		return seq;
	if (j->limit == 0) {
		*evicted = e;
		return seq;
	}
	e->seq = seq;
	if (j->count == j->limit) {
		if (j->evicted == 0)
			ms_log(MS_LOG_WARN, "journal full (%zu entries): "
			       "evicting the oldest from now on", j->limit);
		slot = &j->ring[j->start];
		*evicted = *slot;
		j->start = (j->start + 1) % j->limit;
		j->evicted++;
	} else {
		slot = &j->ring[(j->start + j->count) % j->limit];
		j->count++;
	}
	*slot = e;
	return seq;
}


/* Add s (len bytes) cleaned to at most max bytes, or null for NULL.
 * Returns whether bytes were left out. */
static bool add_text(cJSON *o, const char *key, const char *s, size_t len,
		     size_t max)
{
	bool cut = false;
	char *clean;

	if (!s) {
		cJSON_AddNullToObject(o, key);
		return false;
	}
	clean = ms_text_clean(s, len, max, true, &cut);
	cJSON_AddStringToObject(o, key, clean ? clean : "");
	free(clean);
	return cut;
}


static void add_string(cJSON *o, const char *key, const char *s,
		       size_t max)
{
	add_text(o, key, s, s ? strlen(s) : 0, max);
}


/* A caller field: null when absent or empty. */
static void add_caller(cJSON *o, const char *key, const char *s)
{
	add_string(o, key, s && *s ? s : NULL, MS_JOURNAL_TEXT_MAX);
}


static cJSON *headers_json(const struct ms_journal_fields *f)
{
	cJSON *h = cJSON_CreateObject();

	for (int i = 0; h && i < f->nheaders; i++) {
		const char *name = f->headers[i].name;
		bool cut;
		char *key = ms_text_clean(name ? name : "",
					  name ? strlen(name) : 0,
					  MS_JOURNAL_TEXT_MAX, false, &cut);
		if (key)
			add_string(h, key, f->headers[i].value,
				   MS_JOURNAL_TEXT_MAX);
		free(key);
	}
	return h;
}


static cJSON *entry_json(const struct ms_journal_entry *e)
{
	const struct ms_journal_fields *f = &e->f;
	cJSON *o = cJSON_CreateObject();
	char t[MS_TIME_BUFSZ];
	bool cut;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "seq", (double)e->seq);
	add_string(o, "tenant", f->tenant, MS_JOURNAL_TEXT_MAX);
	cJSON_AddStringToObject(o, "time", ms_time_format(f->time, t));
	cJSON_AddStringToObject(o, "wallTime",
				ms_time_format(f->wall_time, t));
	add_string(o, "plane", f->plane, MS_JOURNAL_TEXT_MAX);
	add_string(o, "method", f->method, MS_JOURNAL_TEXT_MAX);
	add_string(o, "path", f->path, MS_JOURNAL_PATH_MAX);
	add_string(o, "query", f->query, MS_JOURNAL_PATH_MAX);
	cJSON_AddItemToObject(o, "headers", headers_json(f));
	cut = add_text(o, "body", f->body, f->body_len, MS_JOURNAL_BODY_MAX);
	cJSON_AddBoolToObject(o, "bodyTruncated", cut || e->body_cut);
	cJSON_AddNumberToObject(o, "status", f->status);
	add_caller(o, "fault", f->fault);
	add_caller(o, "reason", f->reason);
	add_caller(o, "rule", f->rule);
	cJSON_AddNumberToObject(o, "durationUs", (double)f->duration_us);
	add_caller(o, "credentialId", f->credential_id);
	add_caller(o, "token", f->token);
	add_caller(o, "tokenId", f->token_id);
	add_caller(o, "user", f->user);
	add_caller(o, "route", f->route);
	if (f->retry_after >= 0)
		cJSON_AddNumberToObject(o, "retryAfter",
					(double)f->retry_after);
	else
		cJSON_AddNullToObject(o, "retryAfter");
	return o;
}


cJSON *ms_journal_json(const struct ms_journal *j, size_t i)
{
	if (i >= j->count)
		return NULL;
	return entry_json(j->ring[(j->start + i) % j->limit]);
}


cJSON *ms_journal_query(const struct ms_journal *j, uint64_t since,
			size_t limit)
{
	cJSON *out = cJSON_CreateArray();
	size_t taken = 0;

	for (size_t i = 0; out && i < j->count && taken < limit; i++) {
		const struct ms_journal_entry *e =
			j->ring[(j->start + i) % j->limit];
		cJSON *o;
		if (e->seq <= since)
			continue;
		o = entry_json(e);
		if (o)
			cJSON_AddItemToArray(out, o);
		taken++;
	}
	return out;
}
