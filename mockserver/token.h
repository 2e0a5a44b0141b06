/*
 * token: Data Manager tokens and the store that finds them.
 *
 * A token has a public side (id, label, type, expiry, times, status) and a
 * secret. The store owns every token it holds, for as long as it lives:
 * revoked tokens stay listed, with status REVOKED. It indexes tokens by id
 * and by secret in two hash tables (open addressing, at most half full),
 * so a lookup costs the same with 10 tokens or 100,000. A secret is found
 * through a hash of it and then compared in constant time; a secret
 * replaced by regeneration stays indexed as retired, so that its use is
 * told apart from an unknown one.
 *
 * A store is filled token by token (ms_token_store_add), or all at once
 * as a copy of another (ms_token_store_copy): the copies and their
 * strings then live in one block of memory, allocated and freed at once,
 * which is what makes resetting a tenant of 1,000 tokens cheap.
 *
 * Nothing here locks: the owning tenant serialises access.
 */
#ifndef MS_TOKEN_H
#define MS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "mstime.h"
#include "rng.h"

enum ms_token_type {
	MS_TOKEN_ADAPTERS_CLIENT,
	MS_TOKEN_CLEANSE_AND_IMPORT,
	MS_TOKEN_BASIC_AUTH,
	MS_TOKEN_TYPE_COUNT
};

enum ms_token_status {
	MS_TOKEN_ACTIVE,
	MS_TOKEN_EXPIRED,
	MS_TOKEN_REVOKED
};

/* A time that never happened: lastUsedAt of a token never used. */
#define MS_NEVER ((ms_time_t)INT64_MIN)

#define MS_LABEL_MAX 255
#define MS_SECRET_BYTES 32
/* Every type's prefix ("dmac_") has this many characters. */
#define MS_SECRET_PREFIX_LEN 5
/* The length of a secret made here: the prefix and the base64url of
 * MS_SECRET_BYTES bytes, without padding. */
#define MS_SECRET_CHARS (MS_SECRET_PREFIX_LEN + (MS_SECRET_BYTES * 4 + 2) / 3)

struct ms_token {
	char id[MS_UUID_BUFSZ];
	char *label;
	enum ms_token_type type;
	char *expiry;             /* the ISO-8601 period it was made with */
	ms_time_t created_at;
	ms_time_t expires_at;
	ms_time_t last_used_at;   /* MS_NEVER until first used; set with
				     __atomic builtins (see dispatch.c) */
	char *created_by;         /* account id, or NULL for fixtures */
	char *workspace_id;
	bool revoked;
	char *secret;
	uint64_t secret_hash;     /* of secret (ms_text_hash): set by the
				     store that indexes it */
};

struct ms_secret_ref;             /* an entry of the secret index */

struct ms_token_store {
	struct ms_token **items;  /* in creation order */
	size_t count, cap;
	struct ms_token *block;   /* items[0..nblock): copies made by */
	size_t nblock;            /* ms_token_store_copy, strings after */
	size_t block_bytes;
	bool packed;              /* every token and string is in block
				     (a copy, since added to or rekeyed):
				     copied whole, pointers moved */
	struct ms_token **by_id;  /* hash table of items; id_cap slots */
	size_t id_cap;
	struct ms_secret_ref *by_secret;  /* current and retired secrets */
	size_t secret_count, secret_cap;
};

/* What a secret lookup found. */
enum ms_secret_match {
	MS_SECRET_NONE,           /* no token ever had it */
	MS_SECRET_CURRENT,        /* the token's secret now */
	MS_SECRET_RETIRED         /* a secret the token had before */
};

const char *ms_token_type_key(enum ms_token_type t);
const char *ms_token_type_label(enum ms_token_type t);
const char *ms_token_type_prefix(enum ms_token_type t);
/* 0 and *out on a known key, -1 otherwise. */
int ms_token_type_parse(const char *key, enum ms_token_type *out);
const char *ms_token_status_key(enum ms_token_status s);
int ms_token_status_parse(const char *key, enum ms_token_status *out);

enum ms_token_status ms_token_status(const struct ms_token *t,
				     ms_time_t now);

/*
 * Check a label: 1 to MS_LABEL_MAX characters (code points) after
 * trimming white space, valid UTF-8, no control characters. On success
 * returns 0 and a trimmed copy in *out (caller frees); otherwise -1 and a
 * message in *why (static).
 */
int ms_token_label_check(const char *label, char **out, const char **why);

/* A fresh secret for type t: prefix plus base64url of MS_SECRET_BYTES
 * random bytes, MS_SECRET_CHARS long. Caller frees; NULL when out of
 * memory. */
char *ms_token_secret_new(struct ms_rng *r, enum ms_token_type t);

/* The same, drawn from r the same way, written into out (at least
 * MS_SECRET_CHARS + 1 bytes). */
void ms_token_secret_draw(struct ms_rng *r, enum ms_token_type t,
			  char *out);

/* Does text look like a secret at all (a known prefix and the base64url
 * alphabet)? Used to tell token_malformed from token_unknown. */
bool ms_token_secret_wellformed(const char *text);

/* Free a token the store does not hold, NULL strings allowed. */
void ms_token_free(struct ms_token *t);

void ms_token_store_init(struct ms_token_store *s);
void ms_token_store_release(struct ms_token_store *s);

/*
 * Add a token; the store takes ownership of tok and its strings. Returns
 * 0, or -1 when tok's secret or id is already in the store, or out of
 * memory (tok is then still the caller's).
 */
int ms_token_store_add(struct ms_token_store *s, struct ms_token *tok);

/*
 * What ms_token_store_copy asks of each copy before it indexes it, with
 * the copy's position: to give it what differs from its source. It may
 * change the copy's id, times, revoked flag, and the characters of its
 * secret (never its length); nothing else. Returns 0, 1 when it changed
 * the secret (to be hashed again), or -1 to fail the copy.
 */
typedef int ms_token_fill_fn(struct ms_token *copy, size_t index,
			     void *arg);

/*
 * Make dst (not initialized) a copy of src's tokens, in the same order,
 * each passed to fill (when not NULL) and then indexed. The copies and
 * their strings are in one block that dst owns: nothing is shared with
 * src. Only current secrets are copied: a secret src retired is unknown
 * to the copy. Returns 0, or -1 (dst empty) out of memory, when fill
 * fails, or when two copies end up with the same id or secret.
 */
int ms_token_store_copy(struct ms_token_store *dst,
			const struct ms_token_store *src,
			ms_token_fill_fn *fill, void *arg);

struct ms_token *ms_token_store_by_id(const struct ms_token_store *s,
				      const char *id);

/* First token with this label, in creation order, or NULL. */
struct ms_token *ms_token_store_by_label(const struct ms_token_store *s,
					 const char *label);

/* Find the token a presented secret belongs to. */
struct ms_token *ms_token_store_by_secret(const struct ms_token_store *s,
					  const char *secret,
					  enum ms_secret_match *match);

/* Give tok a new secret (owned by the store from now); the old one is
 * kept as retired. Returns 0, or -1 if new_secret is already known or
 * out of memory (new_secret is then still the caller's). */
int ms_token_store_rekey(struct ms_token_store *s, struct ms_token *tok,
			 char *new_secret);

/* JSON of a token as the site plane shows it; the secret only when
 * with_secret. */
cJSON *ms_token_to_json(const struct ms_token *t, ms_time_t now,
			bool with_secret);

/* Constant-time equality of two NUL-terminated strings: the time
 * depends on the lengths only. */
bool ms_secret_equal(const char *a, const char *b);

#endif /* MS_TOKEN_H */
