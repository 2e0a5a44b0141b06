/*
 * token: see token.h.
 */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"
#include "token.h"

/* An entry of the secret index: a secret, a hash of it for ordering, and
 * the token it belongs or belonged to. */
struct secret_ref {
	uint64_t hash;
	char *secret;
	struct ms_token *tok;
};

static const struct {
	const char *key;
	const char *label;
	const char *prefix;
} type_info[MS_TOKEN_TYPE_COUNT] = {
	{"ADAPTERS_CLIENT", "Adapters client token", "dmac_"},
	{"CLEANSE_AND_IMPORT", "Cleanse and Import client token", "dmci_"},
	{"BASIC_AUTH", "Basic Authentication token", "dmba_"},
};

static const char *const status_keys[] = {"ACTIVE", "EXPIRED", "REVOKED"};


const char *ms_token_type_key(enum ms_token_type t)
{
	return type_info[t].key;
}


const char *ms_token_type_label(enum ms_token_type t)
{
	return type_info[t].label;
}


const char *ms_token_type_prefix(enum ms_token_type t)
{
	return type_info[t].prefix;
}


int ms_token_type_parse(const char *key, enum ms_token_type *out)
{
	for (int i = 0; i < MS_TOKEN_TYPE_COUNT; i++) {
		if (key && strcmp(key, type_info[i].key) == 0) {
			*out = (enum ms_token_type)i;
			return 0;
		}
	}
	return -1;
}


const char *ms_token_status_key(enum ms_token_status s)
{
	return status_keys[s];
}


int ms_token_status_parse(const char *key, enum ms_token_status *out)
{
	for (int i = 0; i <= MS_TOKEN_REVOKED; i++) {
		if (key && strcmp(key, status_keys[i]) == 0) {
			*out = (enum ms_token_status)i;
			return 0;
		}
	}
	return -1;
}


enum ms_token_status ms_token_status(const struct ms_token *t,
				     ms_time_t now)
{
	if (t->revoked)
		return MS_TOKEN_REVOKED;
	return now >= t->expires_at ? MS_TOKEN_EXPIRED : MS_TOKEN_ACTIVE;
}


static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}


int ms_token_label_check(const char *label, char **out, const char **why)
{
	const unsigned char *p = (const unsigned char *)label;
	const unsigned char *end;
	size_t chars = 0;

	while (is_space(*p))
		p++;
	end = p + strlen((const char *)p);
	while (end > p && is_space(end[-1]))
		end--;
	for (const unsigned char *q = p; q < end;) {
		size_t n = ms_utf8_seq_len(q, (size_t)(end - q));
		if (n == 0) {
			*why = "must be valid UTF-8";
			return -1;
		}
		/* C0 controls, DEL, and C1 controls (U+0080 to U+009F). */
		if ((n == 1 && (*q < 0x20 || *q == 0x7f)) ||
		    (n == 2 && q[0] == 0xc2 && q[1] < 0xa0)) {
			*why = "must not contain control characters";
			return -1;
		}
		q += n;
		chars++;
	}
	if (chars == 0) {
		*why = "is required and must not be blank";
		return -1;
	}
	if (chars > MS_LABEL_MAX) {
		*why = "must be at most 255 characters";
		return -1;
	}
	*out = strndup((const char *)p, (size_t)(end - p));
	if (!*out) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}


/* base64url without padding of len bytes into out (4 * len / 3 + 5),
 * through libc's base64 encoder. Returns 0, or -1 when out is short. */
static int base64url(const unsigned char *in, size_t len, char *out,
		     size_t out_len)
{
	int n = b64_ntop(in, len, out, out_len);

	if (n < 0)
		return -1;
	for (char *p = out; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			*p = '\0';
	}
	return 0;
}


char *ms_token_secret_new(struct ms_rng *r, enum ms_token_type t)
{
	unsigned char raw[MS_SECRET_BYTES];
	char text[MS_SECRET_BYTES * 4 / 3 + 8];
	const char *prefix = type_info[t].prefix;
	size_t plen = strlen(prefix);
	char *s;

	ms_rng_bytes(r, raw, sizeof(raw));
	if (base64url(raw, sizeof(raw), text, sizeof(text)) < 0)
		return NULL;
	s = malloc(plen + strlen(text) + 1);
	if (!s)
		return NULL;
	memcpy(s, prefix, plen);
	strcpy(s + plen, text);
	return s;
}


bool ms_token_secret_wellformed(const char *text)
{
	size_t body = 0;
	bool known = false;

	for (int i = 0; i < MS_TOKEN_TYPE_COUNT && !known; i++) {
		size_t plen = strlen(type_info[i].prefix);
		if (strncmp(text, type_info[i].prefix, plen) == 0) {
			known = true;
			text += plen;
		}
	}
	if (!known)
		return false;
	for (; *text; text++, body++) {
		char c = *text;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return body >= 16 && body <= 512;
}


bool ms_secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);

	/* Walk the longer string whole so the time depends on lengths only. */
	for (size_t i = 0; i < (la > lb ? la : lb); i++) {
		unsigned char ca = i < la ? (unsigned char)a[i] : 0;
		unsigned char cb = i < lb ? (unsigned char)b[i] : 0;
		diff |= ca ^ cb;
	}
	return diff == 0;
}


static uint64_t secret_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}


/* Order the secret index by hash; equal hashes (rare) by the text. */
static int secret_cmp(const void *a, const void *b)
{
	const struct secret_ref *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->secret, y->secret);
}


static int id_cmp(const void *a, const void *b)
{
	const struct ms_token *x = a, *y = b;

	return strcmp(x->id, y->id);
}


void ms_token_store_init(struct ms_token_store *s)
{
	memset(s, 0, sizeof(*s));
}


static void secret_ref_free(void *p)
{
	struct secret_ref *ref = p;

	/* The current secret is the token's own string: freed with it. */
	if (ref->secret != ref->tok->secret)
		free(ref->secret);
	free(ref);
}


static void noop_free(void *p)
{
	(void)p;
}


void ms_token_free(struct ms_token *t)
{
	if (!t)
		return;
	free(t->label);
	free(t->expiry);
	free(t->created_by);
	free(t->workspace_id);
	free(t->secret);
	free(t);
}


void ms_token_store_release(struct ms_token_store *s)
{
	tdestroy(s->by_secret, secret_ref_free);
	tdestroy(s->by_id, noop_free);
	for (size_t i = 0; i < s->count; i++)
		ms_token_free(s->items[i]);
	free(s->items);
	ms_token_store_init(s);
}


/* Index secret for tok. Returns 0, or -1 if already there or no memory. */
static int secret_index(struct ms_token_store *s, struct ms_token *tok,
			char *secret)
{
	struct secret_ref *ref = malloc(sizeof(*ref));
	void *slot;

	if (!ref)
		return -1;
	ref->hash = secret_hash(secret);
	ref->secret = secret;
	ref->tok = tok;
	slot = tsearch(ref, &s->by_secret, secret_cmp);
	if (!slot || *(struct secret_ref **)slot != ref) {
		free(ref);
		return -1;
	}
	return 0;
}


int ms_token_store_add(struct ms_token_store *s, struct ms_token *tok)
{
	void *slot;

	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct ms_token **items = realloc(s->items,
						  cap * sizeof(*items));
		if (!items)
			return -1;
		s->items = items;
		s->cap = cap;
	}
	/* tsearch finds or inserts in one walk: a duplicate id comes back
	 * as the other token. */
	slot = tsearch(tok, &s->by_id, id_cmp);
	if (!slot || *(struct ms_token **)slot != tok)
		return -1;
	if (secret_index(s, tok, tok->secret) < 0) {
		tdelete(tok, &s->by_id, id_cmp);
		return -1;
	}
	s->items[s->count++] = tok;
	return 0;
}


struct ms_token *ms_token_store_by_id(const struct ms_token_store *s,
				      const char *id)
{
	struct ms_token key;
	void *slot;

	if (strlen(id) >= sizeof(key.id))
		return NULL;
	strcpy(key.id, id);
	slot = tfind(&key, &s->by_id, id_cmp);
	return slot ? *(struct ms_token **)slot : NULL;
}


struct ms_token *ms_token_store_by_label(const struct ms_token_store *s,
					 const char *label)
{
	for (size_t i = 0; i < s->count; i++) {
		if (strcmp(s->items[i]->label, label) == 0)
			return s->items[i];
	}
	return NULL;
}


struct ms_token *ms_token_store_by_secret(const struct ms_token_store *s,
					  const char *secret,
					  enum ms_secret_match *match)
{
	struct secret_ref key = {secret_hash(secret), (char *)secret, NULL};
	struct secret_ref *ref;
	void *slot;

	*match = MS_SECRET_NONE;
	slot = tfind(&key, &s->by_secret, secret_cmp);
	if (!slot)
		return NULL;
	ref = *(struct secret_ref **)slot;
	/* The tree found it by hash; the constant-time compare decides. */
	if (!ms_secret_equal(ref->secret, secret))
		return NULL;
	*match = ref->secret == ref->tok->secret ? MS_SECRET_CURRENT
						 : MS_SECRET_RETIRED;
	return ref->tok;
}


int ms_token_store_rekey(struct ms_token_store *s, struct ms_token *tok,
			 char *new_secret)
{
	if (secret_index(s, tok, new_secret) < 0)
		return -1;
	/* The old entry keeps the old string, now a retired secret: it is
	 * freed with the index (secret_ref_free). */
	tok->secret = new_secret;
	return 0;
}


static void add_time_or_null(cJSON *o, const char *name, ms_time_t t)
{
	char buf[MS_TIME_BUFSZ];

	if (t == MS_NEVER)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, ms_time_format(t, buf));
}


cJSON *ms_token_to_json(const struct ms_token *t, ms_time_t now,
			bool with_secret)
{
	cJSON *o = cJSON_CreateObject();
	char buf[MS_TIME_BUFSZ];

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "label", t->label);
	cJSON_AddStringToObject(o, "type", ms_token_type_key(t->type));
	cJSON_AddStringToObject(o, "expiry", t->expiry);
	cJSON_AddStringToObject(o, "createdAt",
				ms_time_format(t->created_at, buf));
	cJSON_AddStringToObject(o, "expiresAt",
				ms_time_format(t->expires_at, buf));
	if (t->created_by)
		cJSON_AddStringToObject(o, "createdBy", t->created_by);
	else
		cJSON_AddNullToObject(o, "createdBy");
	cJSON_AddStringToObject(o, "status",
				ms_token_status_key(ms_token_status(t, now)));
	/* Readers sharing the tenant's lock may set it (see dispatch.c). */
	add_time_or_null(o, "lastUsedAt",
			 __atomic_load_n(&t->last_used_at, __ATOMIC_RELAXED));
	if (with_secret)
		cJSON_AddStringToObject(o, "token", t->secret);
	return o;
}
