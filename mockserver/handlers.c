/*
 * handlers: the helpers every plane's handlers share (see handlers.h).
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "handlers.h"
#include "text.h"

#define PAGE_LIMIT_DEFAULT 50
#define PAGE_LIMIT_MAX 1000


void ms_reply(struct ms_response *resp, int status, cJSON *body)
{
	ms_response_release(resp);
	resp->status = status;
	resp->body = body;
}


void ms_reply_members(struct ms_response *resp, int status,
		      const struct ms_member *m, size_t n)
{
	size_t value_len[MS_MEMBERS_MAX], cap = 3, len = 0;
	char *text;

	assert(n <= MS_MEMBERS_MAX);
	for (size_t i = 0; i < n; i++) {
		value_len[i] = m[i].value ? strlen(m[i].value) : 0;
		cap += m[i].key_len + 4 +
		       (!m[i].value ? 5
			: m[i].plain ? value_len[i] + 3
				     : MS_JSON_QUOTED_MAX(value_len[i]));
	}
	ms_reply(resp, status, NULL);
	text = cap <= sizeof(resp->room) ? resp->room : malloc(cap);
	if (!text) {
		ms_fail(resp, 503, "tenant_limit", NULL, "Out of memory");
		return;
	}
	text[len++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			text[len++] = ',';
		text[len++] = '"';
		memcpy(text + len, m[i].key, m[i].key_len);
		len += m[i].key_len;
		text[len++] = '"';
		text[len++] = ':';
		if (m[i].value && m[i].plain) {
			text[len++] = '"';
			memcpy(text + len, m[i].value, value_len[i]);
			len += value_len[i];
			text[len++] = '"';
		} else if (m[i].value) {
			len += ms_json_quote(text + len, m[i].value,
					     value_len[i]);
		} else {
			memcpy(text + len, "null", 4);
			len += 4;
		}
	}
	text[len++] = '}';
	text[len] = '\0';
	resp->text = text;
	resp->text_len = len;
}


void ms_reply_header(struct ms_response *resp, const char *name,
		     const char *value)
{
	int i = resp->nheaders;

	if (i >= MS_RESP_HEADERS_MAX)
		return;
	snprintf(resp->headers[i].name, sizeof(resp->headers[i].name), "%s",
		 name);
	snprintf(resp->headers[i].value, sizeof(resp->headers[i].value),
		 "%s", value);
	/* Checked where they come from (scenario_script.c); here too, as a
	 * line break would let a value write headers of its own. */
	for (char *p = resp->headers[i].value; *p; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = '?';
	}
	resp->nheaders++;
}


void ms_fail(struct ms_response *resp, int status, const char *reason,
	     const char *field, const char *fmt, ...)
{
	cJSON *body = cJSON_CreateObject();
	cJSON *messages = cJSON_AddArrayToObject(body, "errorMessages");
	cJSON *errors = cJSON_AddObjectToObject(body, "errors");
	char msg[512], *clean;
	bool cut;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages may quote the request: keep them valid UTF-8. */
	clean = ms_text_clean(msg, strlen(msg), sizeof(msg), false, &cut);
	if (field)
		cJSON_AddStringToObject(errors, field, clean ? clean : msg);
	else
		cJSON_AddItemToArray(messages,
				     cJSON_CreateString(clean ? clean : msg));
	free(clean);
	resp->reason = reason;
	ms_reply(resp, status, body);
}


void ms_fail_gateway_401(struct ms_response *resp, const char *reason)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddNumberToObject(body, "code", 401);
	cJSON_AddStringToObject(body, "message", "Unauthorized");
	resp->reason = reason;
	ms_reply(resp, 401, body);
}


static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}


/* The first key that an object in the tree j gives twice, or NULL.
 * Sorting each object's names keeps it O(n log n) for large bodies. */
static const char *duplicate_key(const cJSON *j)
{
	const char **names, *dup = NULL;
	const cJSON *c;
	int n = cJSON_GetArraySize(j), k = 0;

	if (cJSON_IsObject(j) && n > 1 &&
	    (names = malloc((size_t)n * sizeof(*names))) != NULL) {
		cJSON_ArrayForEach(c, j)
			names[k++] = c->string;
		qsort(names, (size_t)n, sizeof(*names), name_cmp);
		for (int i = 1; i < n && !dup; i++)
			if (strcmp(names[i - 1], names[i]) == 0)
				dup = names[i];
		free(names);
	}
	cJSON_ArrayForEach(c, j) {
		if (!dup)
			dup = duplicate_key(c);
	}
	return dup;
}


cJSON *ms_call_json_object(struct ms_call *call)
{
	const struct ms_request *req = call->req;
	const char *end = NULL, *why, *dup;
	cJSON *doc;

	if (ms_json_screen(req->body, req->body_len, &why, NULL) < 0) {
		ms_fail(call->resp, 400, "invalid_json", NULL,
			"The request body is refused: %s.", why);
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(req->body ? req->body : "",
					req->body_len, &end, false);
	if (doc) {
		/* Only white space may follow the document. */
		const char *stop = req->body + req->body_len;
		while (end < stop && strchr(" \t\r\n", *end) && *end)
			end++;
		if (end != stop) {
			cJSON_Delete(doc);
			doc = NULL;
		}
	}
	if (!doc) {
		ms_fail(call->resp, 400, "invalid_json", NULL,
			"The request body is not valid JSON.");
		return NULL;
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		ms_fail(call->resp, 400, "validation_failed", NULL,
			"The request body must be a JSON object.");
		return NULL;
	}
	if ((dup = duplicate_key(doc)) != NULL) {
		ms_fail(call->resp, 400, "validation_failed", dup,
			"'%s' is given twice", dup);
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}


/* Parse a query number in [min, max]; returns 0, -1 when malformed. */
static int query_size(struct ms_call *call, const char *name, size_t min,
		      size_t max, size_t *out)
{
	unsigned long long v;
	char buf[32];

	if (!ms_query_param(call->req, name, buf, sizeof(buf)))
		return 0;
	if (ms_parse_count(buf, min, max, &v) < 0) {
		ms_fail(call->resp, 400, "validation_failed", name,
			"'%s' must be a whole number from %zu to %zu", name,
			min, max);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}


int ms_call_paging(struct ms_call *call, size_t *start, size_t *limit)
{
	*start = 0;
	*limit = PAGE_LIMIT_DEFAULT;
	if (query_size(call, "start", 0, (size_t)1 << 31, start) < 0 ||
	    query_size(call, "limit", 1, PAGE_LIMIT_MAX, limit) < 0)
		return -1;
	return 0;
}


cJSON *ms_page(cJSON *all, size_t start, size_t limit)
{
	cJSON *page = cJSON_CreateObject();
	cJSON *values = cJSON_CreateArray();
	size_t total = (size_t)cJSON_GetArraySize(all);
	size_t i = 0;
	cJSON *item;

	while ((item = cJSON_DetachItemFromArray(all, 0)) != NULL) {
		if (i >= start && i < start + limit)
			cJSON_AddItemToArray(values, item);
		else
			cJSON_Delete(item);
		i++;
	}
	cJSON_Delete(all);
	cJSON_AddNumberToObject(page, "start", (double)start);
	cJSON_AddNumberToObject(page, "limit", (double)limit);
	cJSON_AddNumberToObject(page, "size",
				(double)cJSON_GetArraySize(values));
	cJSON_AddBoolToObject(page, "isLastPage", start + limit >= total);
	cJSON_AddItemToObject(page, "values", values);
	return page;
}


cJSON *ms_time_json(ms_time_t t)
{
	char buf[MS_TIME_BUFSZ];

	if (t == MS_NEVER)
		return cJSON_CreateNull();
	return cJSON_CreateString(ms_time_format(t, buf));
}
