/*
 * token: see token.h.
 */
#include <arpa/nameser.h>
#include <assert.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"
#include "token.h"

/* An entry of the secret index: a secret (NULL in an empty slot), its
 * hash, the token it belongs or belonged to, and whether the index owns
 * the string (one on the heap) or the store's block holds it. */
struct ms_secret_ref {
	uint64_t hash;
	char *secret;
	struct ms_token *tok;
	bool owned;
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


void ms_token_secret_draw(struct ms_rng *r, enum ms_token_type t,
			  char *out)
{
	unsigned char raw[MS_SECRET_BYTES];
	char text[MS_SECRET_BYTES * 4 / 3 + 8];
	int rc;

	ms_rng_bytes(r, raw, sizeof(raw));
	rc = base64url(raw, sizeof(raw), text, sizeof(text));
	/* text has room for the padded encoding: it cannot fail. */
	assert(rc == 0 && strlen(text) + MS_SECRET_PREFIX_LEN ==
			  MS_SECRET_CHARS);
	(void)rc;
	assert(strlen(type_info[t].prefix) == MS_SECRET_PREFIX_LEN);
	memcpy(out, type_info[t].prefix, MS_SECRET_PREFIX_LEN);
	strcpy(out + MS_SECRET_PREFIX_LEN, text);
}


char *ms_token_secret_new(struct ms_rng *r, enum ms_token_type t)
{
	char *s = malloc(MS_SECRET_CHARS + 1);

	if (s)
		ms_token_secret_draw(r, t, s);
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
	size_t common = la < lb ? la : lb, i = 0;
	uint64_t diff = la != lb, wa, wb;

	/* Every byte both hold is compared, eight at a time, whatever the
	 * first difference: the time depends on the lengths only. */
	for (; i + 8 <= common; i += 8) {
		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		diff |= wa ^ wb;
	}
	for (; i < common; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}


/* Slots for n entries at most half full: a power of two, 16 at least. */
static size_t table_cap(size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	return cap;
}


/* The slot of the token with id: where it is, or the empty slot where
 * it would go. The table has an empty slot (it is at most half full). */
static size_t id_slot(struct ms_token *const *table, size_t cap,
		      const char *id)
{
	size_t mask = cap - 1, i = (size_t)ms_text_hash(id) & mask;

	while (table[i] && strcmp(table[i]->id, id) != 0)
		i = (i + 1) & mask;
	return i;
}


/* The slot of secret (hash h): its entry, or the empty slot where it
 * would go. Only an entry of the same hash is compared, in constant
 * time. */
static size_t secret_slot(const struct ms_secret_ref *table, size_t cap,
			  const char *secret, uint64_t h)
{
	size_t mask = cap - 1, i = (size_t)h & mask;

	while (table[i].secret && !(table[i].hash == h &&
				    ms_secret_equal(table[i].secret, secret)))
		i = (i + 1) & mask;
	return i;
}


/* Room in the id index for n tokens: a larger table when it would be
 * more than half full. 0, or -1 out of memory (nothing changed). */
static int id_reserve(struct ms_token_store *s, size_t n)
{
	size_t cap = table_cap(n);
	struct ms_token **table;

	if (cap <= s->id_cap)
		return 0;
	table = calloc(cap, sizeof(*table));
	if (!table)
		return -1;
	for (size_t i = 0; i < s->id_cap; i++) {
		struct ms_token *t = s->by_id[i];
		if (t)
			table[id_slot(table, cap, t->id)] = t;
	}
	free(s->by_id);
	s->by_id = table;
	s->id_cap = cap;
	return 0;
}


/* The same for the secret index. */
static int secret_reserve(struct ms_token_store *s, size_t n)
{
	size_t cap = table_cap(n);
	struct ms_secret_ref *table;

	if (cap <= s->secret_cap)
		return 0;
	table = calloc(cap, sizeof(*table));
	if (!table)
		return -1;
	for (size_t i = 0; i < s->secret_cap; i++) {
		const struct ms_secret_ref *ref = &s->by_secret[i];
		if (ref->secret)
			table[secret_slot(table, cap, ref->secret,
					  ref->hash)] = *ref;
	}
	free(s->by_secret);
	s->by_secret = table;
	s->secret_cap = cap;
	return 0;
}


/* Index tok by id and secret; the index owns the secret's string when
 * owned. Room must be reserved. 0, or -1 when the id or the secret is
 * known already (nothing indexed). */
/* Index tok, whose secret_hash is set, by id and by secret. */
static int token_index(struct ms_token_store *s, struct ms_token *tok,
		       bool owned)
{
	uint64_t h = tok->secret_hash;
	size_t is = id_slot(s->by_id, s->id_cap, tok->id);
	size_t ss = secret_slot(s->by_secret, s->secret_cap, tok->secret, h);

	if (s->by_id[is] || s->by_secret[ss].secret)
		return -1;
	s->by_id[is] = tok;
	s->by_secret[ss] = (struct ms_secret_ref){h, tok->secret, tok, owned};
	s->secret_count++;
	return 0;
}


void ms_token_store_init(struct ms_token_store *s)
{
	memset(s, 0, sizeof(*s));
}


/* Free what a token owns but its secret, and the token. */
static void token_free_public(struct ms_token *t)
{
	free(t->label);
	free(t->expiry);
	free(t->created_by);
	free(t->workspace_id);
	free(t);
}


void ms_token_free(struct ms_token *t)
{
	if (!t)
		return;
	free(t->secret);
	token_free_public(t);
}


/*
 * Who frees what: the secret index frees the secrets it owns (every one
 * on the heap, current or retired); the tokens added one by one are
 * freed with their other strings; the copies live in the block.
 */
void ms_token_store_release(struct ms_token_store *s)
{
	for (size_t i = 0; i < s->secret_cap; i++) {
		if (s->by_secret[i].owned)
			free(s->by_secret[i].secret);
	}
	for (size_t i = s->nblock; i < s->count; i++)
		token_free_public(s->items[i]);
	free(s->by_secret);
	free(s->by_id);
	free(s->items);
	free(s->block);
	ms_token_store_init(s);
}


int ms_token_store_add(struct ms_token_store *s, struct ms_token *tok)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct ms_token **items = realloc(s->items,
						  cap * sizeof(*items));
		if (!items)
			return -1;
		s->items = items;
		s->cap = cap;
	}
	tok->secret_hash = ms_text_hash(tok->secret);
	if (id_reserve(s, s->count + 1) < 0 ||
	    secret_reserve(s, s->secret_count + 1) < 0 ||
	    token_index(s, tok, true) < 0)
		return -1;
	s->items[s->count++] = tok;
	s->packed = false;
	return 0;
}


/* The bytes a copy of t's strings takes. */
static size_t strings_size(const struct ms_token *t)
{
	const char *const v[] = {t->label, t->expiry, t->created_by,
				 t->workspace_id, t->secret};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		n += v[i] ? strlen(v[i]) + 1 : 0;
	return n;
}


/* Copy src (NULL stays NULL) at *at, which moves past it. */
static char *put_string(char **at, const char *src)
{
	char *p = *at;

	if (!src)
		return NULL;
	*at = stpcpy(p, src) + 1;
	return p;
}


/* Copy every token of src into dst's block, in order, through fill. */
/* Where p, a string in src's block, is in dst's copy of it. */
static char *moved(const struct ms_token_store *dst,
		   const struct ms_token_store *src, const char *p)
{
	return p ? (char *)dst->block + (p - (const char *)src->block) : NULL;
}


/*
 * Copy src's tokens and their strings into dst's block, each passed to
 * fill. A packed src is copied in one piece and its string pointers
 * moved; else token by token, each string after the tokens.
 */
static int copy_tokens(struct ms_token_store *dst,
		       const struct ms_token_store *src,
		       ms_token_fill_fn *fill, void *arg)
{
	char *at = (char *)(dst->block + src->count);
	int rc;

	if (src->packed)
		memcpy(dst->block, src->block, src->block_bytes);
	for (size_t i = 0; i < src->count; i++) {
		const struct ms_token *from = src->items[i];
		struct ms_token *t = &dst->block[i];

		if (src->packed) {
			t->label = moved(dst, src, from->label);
			t->expiry = moved(dst, src, from->expiry);
			t->created_by = moved(dst, src, from->created_by);
			t->workspace_id = moved(dst, src, from->workspace_id);
			t->secret = moved(dst, src, from->secret);
		} else {
			*t = *from;
			t->label = put_string(&at, from->label);
			t->expiry = put_string(&at, from->expiry);
			t->created_by = put_string(&at, from->created_by);
			t->workspace_id = put_string(&at, from->workspace_id);
			t->secret = put_string(&at, from->secret);
		}
		dst->items[i] = t;
		if ((rc = fill ? fill(t, i, arg) : 0) < 0)
			return -1;
		if (rc > 0)
			t->secret_hash = ms_text_hash(t->secret);
	}
	return 0;
}


int ms_token_store_copy(struct ms_token_store *dst,
			const struct ms_token_store *src,
			ms_token_fill_fn *fill, void *arg)
{
	size_t n = src->count, bytes = n * sizeof(struct ms_token);

	ms_token_store_init(dst);
	if (n == 0)
		return 0;
	if (src->packed) {
		bytes = src->block_bytes;
	} else {
		for (size_t i = 0; i < n; i++)
			bytes += strings_size(src->items[i]);
	}
	dst->block = malloc(bytes);
	dst->block_bytes = bytes;
	dst->items = malloc(n * sizeof(*dst->items));
	dst->cap = n;
	if (!dst->block || !dst->items || copy_tokens(dst, src, fill, arg) ||
	    id_reserve(dst, n) || secret_reserve(dst, n))
		goto fail;
	/* Counted before indexing, so that a failure frees the block. */
	dst->count = dst->nblock = n;
	for (size_t i = 0; i < n; i++) {
		if (token_index(dst, dst->items[i], false) < 0)
			goto fail;
	}
	dst->packed = true;
	return 0;
fail:
	ms_token_store_release(dst);
	return -1;
}


struct ms_token *ms_token_store_by_id(const struct ms_token_store *s,
				      const char *id)
{
	if (s->id_cap == 0 || strlen(id) >= MS_UUID_BUFSZ)
		return NULL;
	return s->by_id[id_slot(s->by_id, s->id_cap, id)];
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
	const struct ms_secret_ref *ref;

	*match = MS_SECRET_NONE;
	if (s->secret_cap == 0)
		return NULL;
	ref = &s->by_secret[secret_slot(s->by_secret, s->secret_cap, secret,
					ms_text_hash(secret))];
	if (!ref->secret)
		return NULL;
	*match = ref->secret == ref->tok->secret ? MS_SECRET_CURRENT
						 : MS_SECRET_RETIRED;
	return ref->tok;
}


int ms_token_store_rekey(struct ms_token_store *s, struct ms_token *tok,
			 char *new_secret)
{
	uint64_t h = ms_text_hash(new_secret);
	size_t slot;

	if (secret_reserve(s, s->secret_count + 1) < 0)
		return -1;
	slot = secret_slot(s->by_secret, s->secret_cap, new_secret, h);
	if (s->by_secret[slot].secret)
		return -1;
	/* The old entry stays, now a retired secret, owned as it was. */
	s->by_secret[slot] = (struct ms_secret_ref){h, new_secret, tok, true};
	s->secret_count++;
	tok->secret = new_secret;
	tok->secret_hash = h;
	s->packed = false;
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
