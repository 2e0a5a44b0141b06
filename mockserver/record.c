/*
 * record: the journal entry of a site or gateway request (see
 * handlers.h). Credentials are described, never copied: Authorization
 * by what it proved, other credential-like headers and query parameters
 * as <redacted>; every string is made valid UTF-8. The entry is written
 * with the tenant's lock let go and appended under it briefly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "handlers.h"
#include "text.h"


/* Header names that may carry a credential: never journaled as sent. */
static bool header_is_credential(const char *name)
{
	static const char *const words[] = {"auth", "key", "token",
					    "secret", "cookie", "password"};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		if (strcasestr(name, words[i]))
			return true;
	}
	return false;
}


/* Add s (len bytes, or strlen when len is -1) as valid UTF-8 text of at
 * most max bytes; returns whether it was cut. */
static bool add_clean(cJSON *o, const char *key, const char *s,
		      ptrdiff_t len, size_t max)
{
	bool cut = false;
	char *clean;

	if (!s) {
		cJSON_AddNullToObject(o, key);
		return false;
	}
	clean = ms_text_clean(s, len < 0 ? strlen(s) : (size_t)len, max, true,
			      &cut);
	cJSON_AddStringToObject(o, key, clean ? clean : "");
	free(clean);
	return cut;
}


/* Request headers, the Authorization described (see the credential of
 * the response), every other credential header only named. */
static cJSON *journal_headers(const struct ms_call *call)
{
	cJSON *h = cJSON_CreateObject();

	for (int i = 0; h && i < call->req->nheaders; i++) {
		const char *name = call->req->headers[i].name;
		const char *value = call->req->headers[i].value;
		if (strcasecmp(name, "Authorization") == 0)
			value = call->resp->credential[0]
					? call->resp->credential
					: "<redacted>";
		else if (header_is_credential(name))
			value = "<redacted>";
		add_clean(h, name, value, -1, 1024);
	}
	return h;
}


/*
 * The query as the journal keeps it: a parameter whose name looks like a
 * credential (?access_token=...) has its value replaced, as headers do.
 * A new string; the caller frees it. NULL when there is no query.
 */
static char *journal_query(const char *query)
{
	size_t len = query ? strlen(query) : 0;
	char *out = query ? malloc(len * 7 + 16) : NULL;  /* "k=" grows */
	size_t o = 0;

	if (!out)
		return NULL;
	for (const char *p = query; *p;) {
		size_t pair = strcspn(p, "&"), name = strcspn(p, "=&");
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)name, p);
		if (name < pair && header_is_credential(key))
			o += (size_t)sprintf(out + o, "%s=<redacted>", key);
		else
			o += (size_t)sprintf(out + o, "%.*s", (int)pair, p);
		p += pair;
		if (*p == '&')
			out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}


/* The journal keeps the first MS_JOURNAL_BODY_MAX bytes of a body, as
 * valid UTF-8 text, cut between characters. */
static void journal_body(cJSON *e, const struct ms_request *req)
{
	bool cut = false;

	if (req->body_len)
		cut = add_clean(e, "body", req->body,
				(ptrdiff_t)req->body_len, MS_JOURNAL_BODY_MAX);
	else
		cJSON_AddNullToObject(e, "body");
	cJSON_AddBoolToObject(e, "bodyTruncated", cut);
}


/* A short fingerprint of the credentials presented, so that checks can
 * tell callers apart without the journal holding a secret. */
static void credential_id(const struct ms_request *req, char *buf,
			  size_t len)
{
	const char *h = ms_request_header(req, "Authorization");
	uint32_t x = 2166136261u;

	if (!h) {
		buf[0] = '\0';
		return;
	}
	for (; *h; h++)
		x = (x ^ (unsigned char)*h) * 16777619u;
	snprintf(buf, len, "%08x", x);
}


static void add_string_or_null(cJSON *o, const char *key, const char *s)
{
	if (s && *s)
		add_clean(o, key, s, -1, 1024);
	else
		cJSON_AddNullToObject(o, key);
}


/* Who called and what answered, in the fields expectations read. */
static void journal_caller(cJSON *e, const struct ms_call *call,
			   const struct ms_subject *subj,
			   const struct ms_route *r)
{
	const struct ms_response *resp = call->resp;
	const char *retry = NULL;
	char id[16];

	credential_id(call->req, id, sizeof(id));
	add_string_or_null(e, "credentialId", id);
	add_string_or_null(e, "token", subj->token_label);
	add_string_or_null(e, "tokenId", subj->token_id);
	add_string_or_null(e, "user", subj->user);
	add_string_or_null(e, "route", r ? r->pattern : NULL);
	for (int i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->headers[i].name, "Retry-After") == 0)
			retry = resp->headers[i].value;
	}
	if (retry && *retry && strspn(retry, "0123456789") == strlen(retry))
		cJSON_AddNumberToObject(e, "retryAfter", atof(retry));
	else
		cJSON_AddNullToObject(e, "retryAfter");
}


/*
 * The journal entry of a site or gateway request, as JSON text (the
 * caller frees it), or NULL. It reads only the call and copies, so it
 * runs with the tenant's lock let go; the append is then brief.
 */
static char *journal_text(struct ms_call *call, enum ms_plane plane,
			  const struct ms_subject *subj,
			  const struct ms_route *r, long long micros)
{
	const struct ms_request *req = call->req;
	cJSON *e = cJSON_CreateObject();
	char t[MS_TIME_BUFSZ], *text, *query;

	if (!e)
		return NULL;
	cJSON_AddStringToObject(e, "tenant", call->tenant->name);
	cJSON_AddStringToObject(e, "time", ms_time_format(call->now, t));
	cJSON_AddStringToObject(e, "wallTime",
				ms_time_format(call->arrived, t));
	cJSON_AddStringToObject(e, "plane", plane == MS_PLANE_SITE
						    ? "site" : "gateway");
	cJSON_AddStringToObject(e, "method", req->method);
	add_clean(e, "path", call->path, -1, 2048);
	query = journal_query(req->query);
	add_clean(e, "query", query, -1, 2048);
	free(query);
	cJSON_AddItemToObject(e, "headers", journal_headers(call));
	journal_body(e, req);
	cJSON_AddNumberToObject(e, "status", call->resp->status);
	if (call->resp->fault)
		cJSON_AddStringToObject(e, "fault",
					ms_fault_name(call->resp->fault));
	else
		cJSON_AddNullToObject(e, "fault");
	if (call->resp->reason)
		cJSON_AddStringToObject(e, "reason", call->resp->reason);
	else
		cJSON_AddNullToObject(e, "reason");
	if (call->rule[0])
		cJSON_AddStringToObject(e, "rule", call->rule);
	else
		cJSON_AddNullToObject(e, "rule");
	cJSON_AddNumberToObject(e, "durationUs", (double)micros);
	journal_caller(e, call, subj, r);
	text = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	return text;
}


static const char *keep(char *buf, size_t len, const char *s)
{
	if (!s)
		return NULL;
	snprintf(buf, len, "%s", s);
	return buf;
}


void ms_subject_keep(const struct ms_subject *in,
		     struct ms_subject_copy *out)
{
	out->s = *in;
	out->s.token_label = keep(out->token, sizeof(out->token),
				  in->token_label);
	out->s.token_id = keep(out->token_id, sizeof(out->token_id),
			       in->token_id);
	out->s.user = keep(out->user, sizeof(out->user), in->user);
}


void ms_call_record(struct ms_call *call, enum ms_plane plane,
		    const struct ms_subject_copy *subj,
		    const struct ms_route *r, int64_t started)
{
	struct ms_tenant *t = call->tenant;
	char *text;

	if (t->journal.limit == 0) {      /* set at start, never changed */
		pthread_mutex_lock(&t->lock);
		t->journal.next_seq++;
		pthread_mutex_unlock(&t->lock);
		return;
	}
	text = journal_text(call, plane, &subj->s, r, ms_mono_us() - started);
	pthread_mutex_lock(&t->lock);
	if (text)
		ms_journal_append_text(&t->journal, text);
	else
		t->journal.next_seq++;
	pthread_mutex_unlock(&t->lock);
	cJSON_free(text);
}
