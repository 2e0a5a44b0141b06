/*
 * record: the journal entry of a site or gateway request (see
 * handlers.h). Credentials are described, never copied: Authorization
 * by what it proved, other credential-like headers and query parameters
 * as <redacted>. The entry is made with the tenant's lock let go and
 * appended under it briefly; the journal makes its strings valid UTF-8
 * when it is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <civetweb.h>
#include "handlers.h"
#include "text.h"


/* The word a credential-like header name may hold that starts with the
 * letter c (lower case), or NULL: no two words start alike. */
static const char *credential_word(char c, size_t *len)
{
	static const char *const words[] = {"auth", "key", "token",
					    "secret", "cookie", "password"};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		if (words[i][0] == c) {
			*len = strlen(words[i]);
			return words[i];
		}
	}
	return NULL;
}


/* Header names that may carry a credential: never journaled as sent. */
static bool header_is_credential(const char *name)
{
	/* Names are short: look at each place once, and compare a word
	 * only where its first two letters are, in either case (c | 0x20
	 * is a letter's lower case; of other bytes, none gives these). */
	for (const char *p = name; *p; p++) {
		const char *word;
		size_t len;

		switch (*p | 0x20) {
		case 'a': case 'k': case 't': case 's': case 'c': case 'p':
			break;
		default:
			continue;
		}
		word = credential_word((char)(*p | 0x20), &len);
		if (word && (p[1] | 0x20) == word[1] &&
		    strncasecmp(p, word, len) == 0)
			return true;
	}
	return false;
}


/* Request headers, the Authorization described (see the credential of
 * the response: the first such header is the one judged), every other
 * credential header only named. Fills out (room for
 * MS_JOURNAL_HEADERS_MAX) and returns the count. */
static int journal_headers(const struct ms_call *call,
			   struct ms_journal_header *out)
{
	int n = call->req->nheaders < MS_JOURNAL_HEADERS_MAX
			? call->req->nheaders : MS_JOURNAL_HEADERS_MAX;
	bool described = false;

	for (int i = 0; i < n; i++) {
		const char *name = call->req->headers[i].name;
		const char *value = call->req->headers[i].value;
		if (!described && strcasecmp(name, "Authorization") == 0) {
			value = call->resp->credential[0]
					? call->resp->credential
					: "<redacted>";
			described = true;
		} else if (header_is_credential(name)) {
			value = "<redacted>";
		}
		out[i].name = name;
		out[i].value = value;
	}
	return n;
}


/* The n bytes of a query parameter's name at p as a server reads them,
 * percent-decoded (a %00 as a space, so that the name goes on), into
 * key (room for n + 1). */
static void name_decoded(const char *p, size_t n, char *key)
{
	int k = mg_url_decode(p, (int)n, key, (int)n + 1, 1);

	if (k < 0)      /* never: decoding does not lengthen */
		key[0] = '\0';
	for (int i = 0; i < k; i++)
		key[i] = key[i] ? key[i] : ' ';
}


/*
 * The query as the journal keeps it: a parameter whose name looks like a
 * credential (?access_token=..., and ?%74oken=..., which a server reads
 * as "token") has its value replaced, as headers do; names are kept as
 * sent. A new string; the caller frees it. NULL when there is no query.
 */
static char *journal_query(const char *query)
{
	size_t len = query ? strlen(query) : 0;
	char *out = query ? malloc(len * 7 + 16) : NULL;  /* "k=" grows */
	char *key = query ? malloc(len + 1) : NULL;
	size_t o = 0;

	if (!out || !key) {
		free(out);
		free(key);
		return NULL;
	}
	for (const char *p = query; *p;) {
		size_t pair = strcspn(p, "&"), name = strcspn(p, "=&");
		name_decoded(p, name, key);
		if (name < pair && header_is_credential(key)) {
			memcpy(out + o, p, name);
			o += name;
			memcpy(out + o, MS_LIT("=<redacted>"));
			o += sizeof("=<redacted>") - 1;
		} else {
			memcpy(out + o, p, pair);
			o += pair;
		}
		p += pair;
		if (*p == '&')
			out[o++] = *p++;
	}
	out[o] = '\0';
	free(key);
	return out;
}


/* A short fingerprint of the credentials presented (h, the Authorization
 * header, may be NULL), so that checks can tell callers apart without
 * the journal holding a secret. */
static void credential_id(const char *h, char *buf, size_t len)
{
	uint64_t x;

	buf[0] = '\0';
	if (!h || len < 9)
		return;
	x = ms_text_hash(h);
	for (int i = 7; i >= 0; i--, x >>= 4)
		buf[i] = "0123456789abcdef"[x & 0xf];
	buf[8] = '\0';
}


/* The seconds of a Retry-After the answer carries, or -1. */
static int64_t retry_after(const struct ms_response *resp)
{
	const char *retry = NULL;

	for (int i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->headers[i].name, "Retry-After") == 0)
			retry = resp->headers[i].value;
	}
	if (retry && *retry && strlen(retry) < 16 &&
	    strspn(retry, "0123456789") == strlen(retry))
		return strtoll(retry, NULL, 10);
	return -1;
}


/*
 * Journal a site or gateway request: the entry is made with no lock
 * held, and only put in place under the journal's lock.
 */
static void journal_record(struct ms_call *call, enum ms_plane plane,
			  const struct ms_subject *subj,
			  const struct ms_route *r, int64_t micros)
{
	const struct ms_request *req = call->req;
	struct ms_journal_header headers[MS_JOURNAL_HEADERS_MAX];
	struct ms_journal_fields f = {
		.tenant = call->tenant->name,
		.time = call->now,
		.wall_time = call->arrived,
		.plane = plane == MS_PLANE_SITE ? "site" : "gateway",
		.method = req->method,
		.path = call->path,
		.headers = headers,
		.nheaders = journal_headers(call, headers),
		.body = req->body_len ? req->body : NULL,
		.body_len = req->body_len,
		.status = call->resp->status,
		.fault = call->resp->fault ? ms_fault_name(call->resp->fault)
					   : NULL,
		.reason = call->resp->reason,
		.rule = call->rule,
		.duration_us = micros,
		.token = subj->token_label,
		.token_id = subj->token_id,
		.user = subj->user,
		.route = r ? r->pattern : NULL,
		.retry_after = retry_after(call->resp),
	};
	struct ms_journal_entry *e, *evicted;
	char id[16];
	char *query;

	credential_id(call->authorization, id, sizeof(id));
	f.credential_id = id;
	f.query = query = journal_query(req->query);
	e = ms_journal_entry_new(&f);
	free(query);
	pthread_mutex_lock(&call->tenant->journal_lock);
	ms_journal_append(&call->tenant->journal, e, &evicted);
	pthread_mutex_unlock(&call->tenant->journal_lock);
	ms_journal_entry_free(evicted);
}


static const char *keep(char *buf, size_t len, const char *s)
{
	return s ? ms_copy(buf, len, s) : NULL;
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

	if (t->journal.limit == 0) {      /* set at start, never changed */
		pthread_mutex_lock(&t->journal_lock);
		t->journal.next_seq++;
		pthread_mutex_unlock(&t->journal_lock);
		return;
	}
	journal_record(call, plane, &subj->s, r, ms_mono_us() - started);
}
