/*
 * scenario: scenario files in, tenant state out, and back. See
 * scenario.h for the contract and SPEC.md section 6 for the format.
 *
 * Loading takes three steps. Each file is read, parsed and given a first
 * look (its top-level keys, its includes, the container type of each
 * collection); its includes are loaded the same way, depth first; then
 * its collections (users, groups, tokens, roles, permissions) are moved
 * into the merged ones. The merged document is then checked as a whole,
 * which is where cross references and uniqueness can be seen.
 *
 * cJSON keeps no source positions, so each merged item remembers the
 * file and the index it came from, and an error walks that file's raw
 * text along the key path to find its line and column (locate()).
 *
 * The keys rules, rateLimit, events and expect are only checked to be
 * arrays or an object and are kept untouched in the merged document for
 * the modules that interpret them.
 *
 * Beyond the keys SPEC.md lists, a token may give its "id", "createdBy",
 * "lastUsedAt" and "expiresAt" (default: createdAt plus expiry), and the
 * site "initializedAt" and "initializedBy", so that the state a tenant
 * reached loads back unchanged (ms_scenario_from_state). A loaded
 * scenario without a name is named after its file.
 */
#include "scenario.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The workspace of a site whose scenario names none: a well-formed
 * version 4 UUID that is plainly made up. */
#define DEFAULT_WORKSPACE_ID "00000000-0000-4000-8000-000000000001"

#define SOURCES_MAX 256     /* files in one load, every include counted */
#define PATH_DEPTH 8        /* steps of the deepest key path we name */
#define ACCOUNT_ID_MAX 128
#define WORKSPACE_ID_MAX 64
#define ROLE_KEY_MAX 64

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* The collections that includes merge, in the order they are kept. */
enum coll { C_USERS, C_GROUPS, C_TOKENS, C_ROLES, C_PERMS, C_COUNT };
static const char *const coll_keys[C_COUNT] = {
	"users", "groups", "tokens", "roles", "permissions"
};
#define COLL_IS_OBJECT(c) ((c) >= C_ROLES)

/* One step of a key path: a member key, or (key NULL) an array index. */
struct step {
	const char *key;
	int index;
};

/* One file's text, kept until loading ends to place errors in it. */
struct source {
	char *file;          /* as the user named it; "" for a body */
	char *real;          /* canonical path, for cycles; NULL for a body */
	char *text;          /* NUL-terminated */
	size_t len;
};

/* Where an item of a merged collection came from. */
struct origin {
	int src;             /* index into loader.src */
	int index;           /* its index in that file's array; -1: a key */
};

struct loader {
	struct source src[SOURCES_MAX];
	int nsrc;
	int chain[MS_INCLUDE_DEPTH_MAX + 1];  /* files being loaded */
	int depth;
	cJSON *coll[C_COUNT];                 /* the merged collections */
	struct origin *orig[C_COUNT];         /* one per merged item */
	size_t norig[C_COUNT], cap[C_COUNT];
	bool assembled;                       /* coll now in the document */
	struct ms_scenario_error *err;
};


/* ---- Where a value sits in the source text ------------------------------ */

/* White space as cJSON skips it: every byte up to the space. */
static bool is_ws(char c)
{
	return (unsigned char)c <= ' ';
}


/* Past the white space at t[i], never past len. */
static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && is_ws(t[i]))
		i++;
	return i;
}


/* Past the string whose opening quote is at t[i]; len if unterminated. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i < len ? i + 1 : len;
}


/*
 * Past the value at t[i]: a string, a container with whatever it holds,
 * or a scalar. Stops early, never past len, on text that is not JSON.
 */
static size_t skip_value(const char *t, size_t len, size_t i)
{
	size_t depth = 0;

	while (i < len) {
		char c = t[i];

		if (c == '"') {
			i = skip_string(t, len, i);
			if (depth == 0)
				return i;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)     /* the enclosing one's end */
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || is_ws(c))) {
			return i;
		}
		i++;
	}
	return len;
}


/*
 * Does the JSON string whose quote is at t[i] spell key? A key holding
 * escapes is decoded by cJSON itself, so both agree on what it says.
 */
static bool key_equals(const char *t, size_t len, size_t i, const char *key)
{
	size_t end = skip_string(t, len, i);
	size_t n;
	cJSON *s;
	bool eq;

	if (end < i + 2 || t[end - 1] != '"')
		return false;
	n = end - i - 2;
	if (!memchr(t + i + 1, '\\', n))
		return strlen(key) == n && memcmp(t + i + 1, key, n) == 0;
	s = cJSON_ParseWithLength(t + i, end - i);
	eq = cJSON_IsString(s) && strcmp(s->valuestring, key) == 0;
	cJSON_Delete(s);
	return eq;
}


/*
 * With *ip at an object's '{', move it to the value of the member named
 * key (the first, as cJSON finds it), or to the key itself when at_key.
 * Returns 0, or -1 if there is none.
 */
static int find_member(const char *t, size_t len, size_t *ip,
		       const char *key, bool at_key)
{
	size_t i = *ip;

	if (i >= len || t[i] != '{')
		return -1;
	for (i = skip_ws(t, len, i + 1); i < len && t[i] == '"';) {
		bool match = key_equals(t, len, i, key);

		if (match && at_key) {
			*ip = i;
			return 0;
		}

		i = skip_ws(t, len, skip_string(t, len, i));
		if (i >= len || t[i] != ':')
			return -1;
		i = skip_ws(t, len, i + 1);
		if (match) {
			*ip = i;
			return 0;
		}
		i = skip_ws(t, len, skip_value(t, len, i));
		if (i >= len || t[i] != ',')
			return -1;
		i = skip_ws(t, len, i + 1);
	}
	return -1;
}


/* With *ip at an array's '[', move it to element n. 0, or -1. */
static int find_element(const char *t, size_t len, size_t *ip, int n)
{
	size_t i = *ip;

	if (i >= len || t[i] != '[' || n < 0)
		return -1;
	i = skip_ws(t, len, i + 1);
	for (; n > 0; n--) {
		i = skip_ws(t, len, skip_value(t, len, i));
		if (i >= len || t[i] != ',')
			return -1;
		i = skip_ws(t, len, i + 1);
	}
	if (i >= len || t[i] == ']')
		return -1;
	*ip = i;
	return 0;
}


/*
 * Offset in t of the value at the end of the key path (of the last key
 * itself when at_key), or of the deepest value along it that exists: an
 * object missing a key is itself named.
 */
static size_t locate(const char *t, size_t len, const struct step *path,
		     int n, bool at_key)
{
	size_t i = len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	i = skip_ws(t, len, i);     /* past the byte order mark, if any */
	for (int k = 0; k < n; k++) {
		size_t at = i;
		int rc = path[k].key
			 ? find_member(t, len, &at, path[k].key,
				       at_key && k == n - 1)
			 : find_element(t, len, &at, path[k].index);
		if (rc)
			break;
		i = at;
	}
	return i;
}


/* 1-based line and column (in characters, not bytes) of offset off. */
static void line_column(const char *t, size_t len, size_t off, int *line,
			int *column)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < off && i < len; i++) {
		if (t[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)t[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*column = c;
}


/* "users[2].email" from a key path, cut to fit len. */
static void path_format(const struct step *path, int n, char *buf,
			size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int k = 0; k < n && used < len; k++) {
		int w = path[k].key
			? snprintf(buf + used, len - used, "%s%s",
				   k ? "." : "", path[k].key)
			: snprintf(buf + used, len - used, "[%d]",
				   path[k].index);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


/* ---- Errors ------------------------------------------------------------- */

/* Clear *err and name the file; no position yet. */
static void error_start(struct ms_scenario_error *err, const char *file)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
}


/*
 * Fill ld->err for the value at path in source src (for its last key
 * when at_key), or at byte offset off when path is NULL. Returns -1, for
 * the caller to pass on.
 */
static int PRINTF_LIKE(7, 8)
error_at(struct loader *ld, int src, const struct step *path, int n,
	 bool at_key, size_t off, const char *fmt, ...)
{
	const struct source *s = &ld->src[src];
	struct ms_scenario_error *err = ld->err;
	va_list ap;

	error_start(err, s->file);
	if (path)
		off = locate(s->text, s->len, path, n, at_key);
	line_column(s->text, s->len, off, &err->line, &err->column);
	if (path)
		path_format(path, n, err->path, sizeof(err->path));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}


/* An error about a whole file, or (file NULL) about no file at all. */
static int PRINTF_LIKE(3, 4)
error_file(struct ms_scenario_error *err, const char *file,
	   const char *fmt, ...)
{
	va_list ap;

	error_start(err, file);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}


void ms_scenario_error_format(const struct ms_scenario_error *err,
			      char *buf, size_t len)
{
	char where[600] = "";
	size_t n = 0;

	if (!buf || len == 0)
		return;
	if (err->file[0])
		n += (size_t)snprintf(where, sizeof(where), "%s", err->file);
	if (err->line > 0)
		n += (size_t)snprintf(where + n, sizeof(where) - n, "%s%d",
				      n ? ":" : "", err->line);
	if (err->line > 0 && err->column > 0)
		snprintf(where + n, sizeof(where) - n, ":%d", err->column);
	snprintf(buf, len, "%s%s%s%s%s", where, where[0] ? ": " : "",
		 err->path, err->path[0] ? ": " : "", err->message);
}


/* ---- Sorted keys, for uniqueness and cross references ------------------- */

struct entry {
	const char *key;     /* borrowed from the document */
	size_t pos;          /* where it was found */
};

struct index {
	struct entry *e;
	size_t n, cap;
};


/* Add key at pos. 0, or -1 on allocation failure. */
static int index_add(struct index *ix, const char *key, size_t pos)
{
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 16;
		struct entry *e = realloc(ix->e, cap * sizeof(*e));

		if (!e)
			return -1;
		ix->e = e;
		ix->cap = cap;
	}
	ix->e[ix->n++] = (struct entry){ key, pos };
	return 0;
}


/* qsort order: by key, then by position, so repeats sort in order. */
static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}


/* Emails are told apart without regard to case, as mail systems do. */
static int entry_cmp_nocase(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcasecmp(x->key, y->key);

	if (c)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}


/* bsearch order, a key against an entry. */
static int key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct entry *)elem)->key);
}


/* Sort for index_dup and (case-sensitive only) index_has. */
static void index_sort(struct index *ix, bool nocase)
{
	if (ix->n > 1)
		qsort(ix->e, ix->n, sizeof(*ix->e),
		      nocase ? entry_cmp_nocase : entry_cmp);
}


/* Do two entries hold the same key, in the comparison nocase says? */
static bool same_key(const struct entry *a, const struct entry *b,
		     bool nocase)
{
	return nocase ? !strcasecmp(a->key, b->key) : !strcmp(a->key, b->key);
}


/*
 * After index_sort: the first repeated key in document order. Returns the
 * entry of the repeat, with the position of the key's first occurrence
 * in *first, or NULL when every key is unique.
 */
static const struct entry *index_dup(const struct index *ix, bool nocase,
				     size_t *first)
{
	const struct entry *e = ix->e, *dup = NULL;

	for (size_t i = 0; i + 1 < ix->n; i++) {
		/* A sorted run of one key: its first two entries tell. */
		if (!same_key(&e[i], &e[i + 1], nocase) ||
		    (i > 0 && same_key(&e[i - 1], &e[i], nocase)))
			continue;
		if (!dup || e[i + 1].pos < dup->pos) {
			dup = &e[i + 1];
			*first = e[i].pos;
		}
	}
	return dup;
}


/* After index_sort (case-sensitive): is key in it? */
static bool index_has(const struct index *ix, const char *key)
{
	return ix->n && bsearch(key, ix->e, ix->n, sizeof(*ix->e), key_cmp);
}


/* Free the entries (not the keys, which the document owns). */
static void index_release(struct index *ix)
{
	free(ix->e);
	*ix = (struct index){ 0 };
}


/* ---- Checking: the context and its errors ------------------------------- */

struct check {
	struct loader *ld;
	int src;              /* the file checked, on a first look */
	bool merged;          /* the path is in the merged document */
	bool body;            /* the document came from no file */
	bool at_key;          /* place errors at the key, not its value */
	struct step path[PATH_DEPTH];
	int depth;
	struct index users;   /* defined account ids */
	struct index groups;  /* defined group names */
	struct index roles;   /* built-in and defined role keys */
	struct ms_state scratch;  /* the built-in roles, actions, options */
};

typedef int (*value_fn)(struct check *ck, const cJSON *v);


/* Descend into member key; steps past PATH_DEPTH are counted only. */
static void push_key(struct check *ck, const char *key)
{
	if (ck->depth < PATH_DEPTH)
		ck->path[ck->depth] = (struct step){ key, 0 };
	ck->depth++;
}


/* Descend into element index. */
static void push_index(struct check *ck, int index)
{
	if (ck->depth < PATH_DEPTH)
		ck->path[ck->depth] = (struct step){ NULL, index };
	ck->depth++;
}


/* Undo the last push. */
static void pop(struct check *ck)
{
	ck->depth--;
}


/* Position of the member named key in an object, or -1. */
static int member_pos(const cJSON *obj, const char *key)
{
	const cJSON *m;
	int pos = 0;

	cJSON_ArrayForEach(m, obj) {
		if (m->string && strcmp(m->string, key) == 0)
			return pos;
		pos++;
	}
	return -1;
}


/*
 * Turn a path in the merged document into the file it came from and the
 * path in that file: only the second step of a collection path changes
 * (the merged index becomes the file's own). Returns the source.
 */
static int map_origin(const struct loader *ld, struct step *path, int n)
{
	for (int c = 0; n >= 2 && path[0].key && c < C_COUNT; c++) {
		int pos;

		if (strcmp(path[0].key, coll_keys[c]) != 0)
			continue;
		pos = COLL_IS_OBJECT(c)
			? (path[1].key ? member_pos(ld->coll[c], path[1].key)
				       : -1)
			: (path[1].key ? -1 : path[1].index);
		if (pos < 0 || (size_t)pos >= ld->norig[c])
			return 0;
		if (ld->orig[c][pos].index >= 0)
			path[1].index = ld->orig[c][pos].index;
		return ld->orig[c][pos].src;
	}
	return 0;
}


/* Report an error at the current path (plus key, when not NULL). */
static int PRINTF_LIKE(3, 4)
fail_key(struct check *ck, const char *key, const char *fmt, ...)
{
	struct step path[PATH_DEPTH];
	int n = ck->depth < PATH_DEPTH ? ck->depth : PATH_DEPTH;
	int src = ck->src;
	char msg[sizeof(ck->ld->err->message)];
	va_list ap;

	memcpy(path, ck->path, (size_t)n * sizeof(*path));
	if (key && n < PATH_DEPTH)
		path[n++] = (struct step){ key, 0 };
	if (ck->merged)
		src = map_origin(ck->ld, path, n);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_at(ck->ld, src, path, n, ck->at_key, 0, "%s", msg);
}

#define fail(ck, ...) fail_key((ck), NULL, __VA_ARGS__)


/* ", found a number": what a value of the wrong type was. */
static const char *found(const cJSON *v)
{
	if (cJSON_IsString(v))
		return ", found a string";
	if (cJSON_IsNumber(v))
		return ", found a number";
	if (cJSON_IsBool(v))
		return ", found true or false";
	if (cJSON_IsNull(v))
		return ", found null";
	if (cJSON_IsArray(v))
		return ", found an array";
	return ", found an object";
}


/* Report running out of memory. Returns -1. */
static int oom(struct check *ck)
{
	return error_file(ck->ld->err, NULL, "out of memory");
}


/* ---- Checking: shapes of objects ---------------------------------------- */

struct field {
	const char *key;
	value_fn fn;          /* on the merged document; NULL: any value */
	value_fn first;       /* on a file's first look; NULL: any value */
	bool required;
};

struct shape {
	const struct field *f;
	size_t n;
	value_fn post;        /* checks across keys, or NULL */
};

#define SHAPE(fields, post) \
	{ (fields), sizeof(fields) / sizeof((fields)[0]), (post) }


static const struct field *shape_field(const struct shape *sh,
				       const char *key)
{
	for (size_t i = 0; i < sh->n; i++)
		if (strcmp(sh->f[i].key, key) == 0)
			return &sh->f[i];
	return NULL;
}


/* "a, b, c": the keys of a shape, for messages. */
static void shape_keys(const struct shape *sh, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sh->n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", sh->f[i].key);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


/* Refuse an object that gives one key twice (cJSON would use the
 * first silently). */
static int check_dup_keys(struct check *ck, const cJSON *obj)
{
	struct index ix = { 0 };
	const struct entry *dup;
	const cJSON *m;
	size_t pos = 0, first;
	int rc = 0;

	cJSON_ArrayForEach(m, obj) {
		if (m->string && index_add(&ix, m->string, pos++)) {
			rc = oom(ck);
			goto out;
		}
	}
	index_sort(&ix, false);
	dup = index_dup(&ix, false, &first);
	if (dup) {
		ck->at_key = true;
		rc = fail_key(ck, dup->key, "key '%s' is given twice",
			      dup->key);
		ck->at_key = false;
	}
out:
	index_release(&ix);
	return rc;
}


/* Check member m against its field of sh: known, and its value right. */
static int check_member(struct check *ck, const cJSON *m,
			const struct shape *sh)
{
	const struct field *f = shape_field(sh, m->string);
	char keys[400];
	int rc = 0;

	push_key(ck, m->string);
	if (!f) {
		shape_keys(sh, keys, sizeof(keys));
		ck->at_key = true;
		rc = fail(ck, "unknown key '%s'; expected one of %s",
			  m->string, keys);
		ck->at_key = false;
	} else if (ck->merged ? f->fn : f->first) {
		rc = (ck->merged ? f->fn : f->first)(ck, m);
	}
	pop(ck);
	return rc;
}


/*
 * Check an object against a shape: no key twice, no unknown key, every
 * required key present, every value as its field wants, then the checks
 * across keys. 0, or -1 with the error reported.
 */
static int check_object(struct check *ck, const cJSON *obj,
			const struct shape *sh)
{
	const cJSON *m;

	if (!cJSON_IsObject(obj))
		return fail(ck, "expected an object%s", found(obj));
	if (check_dup_keys(ck, obj))
		return -1;
	for (size_t i = 0; i < sh->n; i++)
		if (sh->f[i].required &&
		    !cJSON_GetObjectItemCaseSensitive(obj, sh->f[i].key))
			return fail_key(ck, sh->f[i].key,
					"missing required key '%s'",
					sh->f[i].key);
	cJSON_ArrayForEach(m, obj)
		if (check_member(ck, m, sh))
			return -1;
	return ck->merged && sh->post ? sh->post(ck, obj) : 0;
}


/* Run fn on each element of an array, its index on the path. */
static int each_element(struct check *ck, const cJSON *arr, value_fn fn)
{
	const cJSON *v;
	int i = 0, rc = 0;

	if (!cJSON_IsArray(arr))
		return fail(ck, "expected an array%s", found(arr));
	cJSON_ArrayForEach(v, arr) {
		push_index(ck, i++);
		rc = fn(ck, v);
		pop(ck);
		if (rc)
			return -1;
	}
	return 0;
}


/* Run fn on each member of an object, its key on the path. */
static int each_member(struct check *ck, const cJSON *obj, value_fn fn)
{
	const cJSON *m;
	int rc = 0;

	if (!cJSON_IsObject(obj))
		return fail(ck, "expected an object%s", found(obj));
	if (check_dup_keys(ck, obj))
		return -1;
	cJSON_ArrayForEach(m, obj) {
		push_key(ck, m->string);
		rc = fn(ck, m);
		pop(ck);
		if (rc)
			return -1;
	}
	return 0;
}


/* ---- Checking: single values -------------------------------------------- */

/*
 * Each v_* checks the value v at the current path and returns 0, or -1
 * with the error reported (value_fn).
 */

/* Any string. */
static int v_string(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return fail(ck, "expected a string%s", found(v));
	return 0;
}


/* A string that is not empty. */
static int v_text(struct check *ck, const cJSON *v)
{
	if (v_string(ck, v))
		return -1;
	if (!v->valuestring[0])
		return fail(ck, "expected a non-empty string");
	return 0;
}


/* true or false, never 0 or "yes". */
static int v_bool(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsBool(v))
		return fail(ck, "expected true or false%s", found(v));
	return 0;
}


/* Any array (its items are checked elsewhere, if at all). */
static int v_array(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsArray(v))
		return fail(ck, "expected an array%s", found(v));
	return 0;
}


/* Any object (its members are checked elsewhere, if at all). */
static int v_object(struct check *ck, const cJSON *v)
{
	if (!cJSON_IsObject(v))
		return fail(ck, "expected an object%s", found(v));
	return 0;
}


/* An object that gives no key twice: merging goes key by key. */
static int v_keyed(struct check *ck, const cJSON *v)
{
	return v_object(ck, v) || check_dup_keys(ck, v) ? -1 : 0;
}


/* An instant that ms_time_parse takes. */
static int v_time(struct check *ck, const cJSON *v)
{
	ms_time_t t;

	if (!cJSON_IsString(v) || ms_time_parse(v->valuestring, &t))
		return fail(ck, "expected an ISO-8601 UTC time like "
			    "2026-01-15T09:00:00.000Z");
	return 0;
}


/* The clock's start: "now" or an instant. */
static int v_start(struct check *ck, const cJSON *v)
{
	ms_time_t t;

	if (!cJSON_IsString(v) || (strcmp(v->valuestring, "now") != 0 &&
				   ms_time_parse(v->valuestring, &t)))
		return fail(ck, "expected \"now\" or an ISO-8601 UTC time "
			    "like 2026-01-15T09:00:00.000Z");
	return 0;
}


/* A period that ms_period_parse takes (zero allowed). */
static int v_period(struct check *ck, const cJSON *v)
{
	struct ms_period p;

	if (!cJSON_IsString(v) || ms_period_parse(v->valuestring, &p))
		return fail(ck, "expected an ISO-8601 period like P3M, P1Y "
			    "or P90D");
	return 0;
}


/* An expiry a user may choose: a period longer than zero. */
static int v_option(struct check *ck, const cJSON *v)
{
	struct ms_period p;

	if (v_period(ck, v))
		return -1;
	ms_period_parse(v->valuestring, &p);
	if (p.months <= 0 && p.ms <= 0)
		return fail(ck, "expected a period longer than zero");
	return 0;
}


/* An account id being defined: not empty, not too long. */
static int v_account(struct check *ck, const cJSON *v)
{
	if (v_text(ck, v))
		return -1;
	if (strlen(v->valuestring) > ACCOUNT_ID_MAX)
		return fail(ck, "expected an account id of at most %d "
			    "characters", ACCOUNT_ID_MAX);
	return 0;
}


/* Basic auth sends "email:apiToken", so an email cannot hold a colon. */
static int v_email(struct check *ck, const cJSON *v)
{
	const char *s;

	if (v_string(ck, v))
		return -1;
	s = v->valuestring;
	if (!strchr(s, '@') || s[0] == '@' || !strchr(s, '@')[1] ||
	    strpbrk(s, ": \t\r\n"))
		return fail(ck, "expected an email address like "
			    "ada@example.com, without ':' or spaces");
	return 0;
}


/* A token label, as the site plane would take it. */
static int v_label(struct check *ck, const cJSON *v)
{
	const char *why = NULL;
	char *trimmed = NULL;

	if (v_string(ck, v))
		return -1;
	if (ms_token_label_check(v->valuestring, &trimmed, &why))
		return fail(ck, "bad label: %s",
			    why ? why : "expected 1 to 255 characters");
	free(trimmed);
	return 0;
}


/* "ADAPTERS_CLIENT, CLEANSE_AND_IMPORT, BASIC_AUTH" */
static void type_keys(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int t = 0; t < MS_TOKEN_TYPE_COUNT && used < len; t++) {
		int w = snprintf(buf + used, len - used, "%s%s",
				 t ? ", " : "",
				 ms_token_type_key((enum ms_token_type)t));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


/* One of the token type keys. */
static int v_type(struct check *ck, const cJSON *v)
{
	enum ms_token_type t;
	char keys[128];

	if (cJSON_IsString(v) && !ms_token_type_parse(v->valuestring, &t))
		return 0;
	type_keys(keys, sizeof(keys));
	return fail(ck, "expected a token type, one of %s", keys);
}


/* A fixture secret must pass for a real one, or the server would call
 * every use of it malformed rather than look it up. */
static int v_secret(struct check *ck, const cJSON *v)
{
	if (v_string(ck, v))
		return -1;
	if (!ms_token_secret_wellformed(v->valuestring))
		return fail(ck, "expected a well-formed token secret: a token "
			    "type's prefix then 16 to 512 base64url "
			    "characters (A-Z a-z 0-9 - _); the server would "
			    "answer any other secret as malformed");
	return 0;
}


/* Lower-case 8-4-4-4-12 hexadecimal, as ids are minted. */
static int v_uuid(struct check *ck, const cJSON *v)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";
	bool ok = strlen(s) == MS_UUID_BUFSZ - 1;

	for (size_t i = 0; ok && s[i]; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		ok = dash ? s[i] == '-'
			  : (s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f');
	}
	if (!ok)
		return fail(ck, "expected a lower-case UUID like "
			    "3f2b8c1e-9d4a-4e6f-8b7c-2a1d0e9f8c7b");
	return 0;
}


/* A workspace id goes into gateway paths: keep it path-safe. */
static int v_workspace(struct check *ck, const cJSON *v)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";
	size_t n = strlen(s);

	if (n == 0 || n > WORKSPACE_ID_MAX ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789._-") != n)
		return fail(ck, "expected a workspace id: 1 to %d characters "
			    "of A-Z a-z 0-9 . _ -", WORKSPACE_ID_MAX);
	return 0;
}


/* ---- Checking: references between parts --------------------------------- */

static int v_user_ref(struct check *ck, const cJSON *v)
{
	if (v_text(ck, v))
		return -1;
	if (!index_has(&ck->users, v->valuestring))
		return fail(ck, "no user has accountId '%s'; expected the "
			    "accountId of a user in users", v->valuestring);
	return 0;
}


/* The name of a group defined in groups. */
static int v_group_ref(struct check *ck, const cJSON *v)
{
	if (v_text(ck, v))
		return -1;
	if (!index_has(&ck->groups, v->valuestring))
		return fail(ck, "no group is named '%s'; expected the name "
			    "of a group in groups", v->valuestring);
	return 0;
}


/* "A, B, C": the keys of the built-in roles, or of the actions. */
static void scratch_keys(const struct check *ck, bool actions, char *buf,
			 size_t len)
{
	size_t n = actions ? ck->scratch.nperms : ck->scratch.nroles;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *k = actions ? ck->scratch.perms[i].action
					: ck->scratch.roles[i].key;
		int w = snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", k);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


/* A built-in or defined role key, or the Jira admins' pseudo role. */
static int v_role_ref(struct check *ck, const cJSON *v)
{
	char keys[256];

	if (v_text(ck, v))
		return -1;
	if (strcmp(v->valuestring, MS_ROLE_JIRA_ADMIN) == 0 ||
	    index_has(&ck->roles, v->valuestring))
		return 0;
	scratch_keys(ck, false, keys, sizeof(keys));
	return fail(ck, "no role '%s'; expected %s, a role defined in "
		    "roles, or %s", v->valuestring, keys, MS_ROLE_JIRA_ADMIN);
}


/* Arrays of references: users, groups, roles. */
static int v_user_refs(struct check *ck, const cJSON *v)
{
	return each_element(ck, v, v_user_ref);
}


static int v_group_refs(struct check *ck, const cJSON *v)
{
	return each_element(ck, v, v_group_ref);
}


static int v_role_refs(struct check *ck, const cJSON *v)
{
	return each_element(ck, v, v_role_ref);
}


/*
 * "users[0] (fixtures/people.json:4)": where item pos of the collection
 * at the current path came from, to name the first of two duplicates.
 */
static void item_where(struct check *ck, size_t pos, char *buf, size_t len)
{
	struct step p[2] = { ck->path[0], { NULL, (int)pos } };
	int src = ck->merged ? map_origin(ck->ld, p, 2) : ck->src;
	const struct source *s = &ck->ld->src[src];
	char path[64];
	int line, column;

	path_format(p, 2, path, sizeof(path));
	line_column(s->text, s->len, locate(s->text, s->len, p, 2, false),
		    &line, &column);
	if (s->file[0])
		snprintf(buf, len, "%s (%s:%d)", path, s->file, line);
	else
		snprintf(buf, len, "%s (line %d)", path, line);
}


#define UNIQUE_NOCASE 1   /* compare without regard to case */
#define UNIQUE_SECRET 2   /* never repeat the value in the message */

/*
 * Refuse two items of the array at the current path (a collection) with
 * the same string under key; flags are UNIQUE_* bits.
 */
static int check_unique(struct check *ck, const cJSON *arr, const char *key,
			int flags)
{
	bool nocase = flags & UNIQUE_NOCASE;
	struct index ix = { 0 };
	const struct entry *dup;
	const cJSON *item;
	size_t pos = 0, first;
	char where[700];
	int rc = 0;

	cJSON_ArrayForEach(item, arr) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, key);

		if (cJSON_IsString(v) && index_add(&ix, v->valuestring, pos)) {
			rc = oom(ck);
			goto out;
		}
		pos++;
	}
	index_sort(&ix, nocase);
	dup = index_dup(&ix, nocase, &first);
	if (dup) {
		item_where(ck, first, where, sizeof(where));
		push_index(ck, (int)dup->pos);
		rc = fail_key(ck, key, "duplicate %s%s%s%s: %s has it too",
			      key, flags & UNIQUE_SECRET ? "" : " '",
			      flags & UNIQUE_SECRET ? "" : dup->key,
			      flags & UNIQUE_SECRET ? "" : "'", where);
		pop(ck);
	}
out:
	index_release(&ix);
	return rc;
}


/* ---- Checking: the parts of a scenario ---------------------------------- */

/* A user with an API token signs in as email:apiToken, so needs both. */
static int user_post(struct check *ck, const cJSON *u)
{
	if (cJSON_GetObjectItemCaseSensitive(u, "apiToken") &&
	    !cJSON_GetObjectItemCaseSensitive(u, "email"))
		return fail_key(ck, "email", "missing 'email': a user with "
				"an apiToken signs in with email:apiToken");
	return 0;
}

static const struct field user_fields[] = {
	{ "accountId", v_account, NULL, true },
	{ "displayName", v_string, NULL, false },
	{ "email", v_email, NULL, false },
	{ "apiToken", v_text, NULL, false },
	{ "jiraAdmin", v_bool, NULL, false },
	{ "assetsVisible", v_bool, NULL, false },
};
static const struct shape user_shape = SHAPE(user_fields, user_post);


/* One item of users. */
static int v_user(struct check *ck, const cJSON *v)
{
	return check_object(ck, v, &user_shape);
}


/* users: each item, then one accountId and one email a user. */
static int v_users(struct check *ck, const cJSON *v)
{
	if (each_element(ck, v, v_user) ||
	    check_unique(ck, v, "accountId", 0))
		return -1;
	return check_unique(ck, v, "email", UNIQUE_NOCASE);
}


static const struct field group_fields[] = {
	{ "name", v_text, NULL, true },
	{ "members", v_user_refs, NULL, false },
	{ "assetsVisible", v_bool, NULL, false },
};
static const struct shape group_shape = SHAPE(group_fields, NULL);


/* One item of groups. */
static int v_group(struct check *ck, const cJSON *v)
{
	return check_object(ck, v, &group_shape);
}


/* groups: each item, then one name a group. */
static int v_groups(struct check *ck, const cJSON *v)
{
	if (each_element(ck, v, v_group))
		return -1;
	return check_unique(ck, v, "name", 0);
}


static const struct field role_fields[] = {
	{ "name", v_text, NULL, false },
	{ "users", v_user_refs, NULL, false },
	{ "groups", v_group_refs, NULL, false },
};
static const struct shape role_shape = SHAPE(role_fields, NULL);


/* [A-Z][A-Z0-9_]*, at most ROLE_KEY_MAX characters. */
static bool role_key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > ROLE_KEY_MAX || k[0] < 'A' || k[0] > 'Z')
		return false;
	return strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}


/* One member of "roles": the key names the role, built in or new. */
static int v_role(struct check *ck, const cJSON *m)
{
	if (!role_key_ok(m->string))
		return fail(ck, "bad role key '%s'; expected capitals, digits "
			    "and '_', starting with a capital, like "
			    "ADAPTERS_ADMIN", m->string);
	if (strcmp(m->string, MS_ROLE_JIRA_ADMIN) == 0)
		return fail(ck, "%s is the pseudo role of every Jira admin "
			    "and cannot be defined; set jiraAdmin on a user",
			    MS_ROLE_JIRA_ADMIN);
	return check_object(ck, m, &role_shape);
}


/* roles: role key to its name and holders. */
static int v_roles(struct check *ck, const cJSON *v)
{
	return each_member(ck, v, v_role);
}


/* One row of "permissions": a known action and the roles granted it. */
static int v_permission(struct check *ck, const cJSON *m)
{
	char actions[400];

	if (!ms_state_permission(&ck->scratch, m->string)) {
		scratch_keys(ck, true, actions, sizeof(actions));
		return fail(ck, "unknown action '%s'; expected one of %s",
			    m->string, actions);
	}
	return v_role_refs(ck, m);
}


/* permissions: action to the role keys granted it. */
static int v_permissions(struct check *ck, const cJSON *v)
{
	return each_member(ck, v, v_permission);
}


/* A fixture secret carries the prefix of its own token type. */
static int token_post(struct check *ck, const cJSON *t)
{
	const cJSON *secret = cJSON_GetObjectItemCaseSensitive(t, "secret");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(t, "type");
	enum ms_token_type ty;
	const char *prefix;

	if (!secret || ms_token_type_parse(type->valuestring, &ty))
		return 0;
	prefix = ms_token_type_prefix(ty);
	if (strncmp(secret->valuestring, prefix, strlen(prefix)) != 0)
		return fail_key(ck, "secret", "expected a secret starting "
				"with '%s', the prefix of %s tokens", prefix,
				ms_token_type_key(ty));
	return 0;
}

static const struct field token_fields[] = {
	{ "id", v_uuid, NULL, false },
	{ "label", v_label, NULL, true },
	{ "type", v_type, NULL, true },
	{ "secret", v_secret, NULL, false },
	{ "createdAt", v_time, NULL, false },
	{ "expiry", v_period, NULL, false },
	{ "expiresAt", v_time, NULL, false },
	{ "revoked", v_bool, NULL, false },
	{ "workspaceId", v_workspace, NULL, false },
	{ "createdBy", v_user_ref, NULL, false },
	{ "lastUsedAt", v_time, NULL, false },
};
static const struct shape token_shape = SHAPE(token_fields, token_post);


/* One item of tokens. */
static int v_token(struct check *ck, const cJSON *v)
{
	return check_object(ck, v, &token_shape);
}


/* tokens: each item, then no secret or id twice. */
static int v_tokens(struct check *ck, const cJSON *v)
{
	if (each_element(ck, v, v_token) ||
	    check_unique(ck, v, "secret", UNIQUE_SECRET))
		return -1;
	return check_unique(ck, v, "id", 0);
}


/* Who initialized the site and when make sense only once it was. */
static int site_post(struct check *ck, const cJSON *site)
{
	static const char *const only[] = { "initializedAt", "initializedBy" };

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(site,
							  "initialized")))
		return 0;
	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(site, only[i]))
			return fail_key(ck, only[i], "'%s' is only allowed "
					"when initialized is true", only[i]);
	return 0;
}

static const struct field site_fields[] = {
	{ "initialized", v_bool, NULL, false },
	{ "workspaceId", v_workspace, NULL, false },
	{ "initializedAt", v_time, NULL, false },
	{ "initializedBy", v_user_ref, NULL, false },
};
static const struct shape site_shape = SHAPE(site_fields, site_post);


/* site: initialized or not, the workspace id, by whom and when. */
static int v_site(struct check *ck, const cJSON *v)
{
	return check_object(ck, v, &site_shape);
}


static const struct field clock_fields[] = {
	{ "start", v_start, NULL, false },
	{ "frozen", v_bool, NULL, false },
};
static const struct shape clock_shape = SHAPE(clock_fields, NULL);


/* clock: where it starts and whether it runs. */
static int v_clock(struct check *ck, const cJSON *v)
{
	return check_object(ck, v, &clock_shape);
}


/* The same length of time given twice, whatever its spelling. */
static int options_distinct(struct check *ck, const cJSON *v)
{
	const cJSON *a, *b;
	int i = 0;

	cJSON_ArrayForEach(a, v) {
		struct ms_period pa, pb;
		int j = 0;

		ms_period_parse(a->valuestring, &pa);
		for (b = v->child; b != a; b = b->next, j++) {
			ms_period_parse(b->valuestring, &pb);
			if (pa.months == pb.months && pa.ms == pb.ms) {
				push_index(ck, i);
				fail(ck, "the same period as expiryOptions[%d]",
				     j);
				pop(ck);
				return -1;
			}
		}
		i++;
	}
	return 0;
}


/* expiryOptions: 1 to MS_EXPIRY_OPTIONS_MAX distinct periods. */
static int v_options(struct check *ck, const cJSON *v)
{
	int n;

	if (v_array(ck, v))
		return -1;
	n = cJSON_GetArraySize(v);
	if (n < 1 || n > MS_EXPIRY_OPTIONS_MAX)
		return fail(ck, "expected 1 to %d expiry periods, found %d",
			    MS_EXPIRY_OPTIONS_MAX, n);
	if (each_element(ck, v, v_option))
		return -1;
	return options_distinct(ck, v);
}


/* Is period one of the options (the document's, or the built-in ones)?
 * Fills list with them all, for a message. */
static bool option_listed(const struct check *ck, const cJSON *opts,
			  const char *period, char *list, size_t len)
{
	const struct ms_strv *def = &ck->scratch.expiry_options;
	const cJSON *o;
	size_t n = opts ? (size_t)cJSON_GetArraySize(opts) : def->n;
	size_t used = 0;
	bool hit = false;

	list[0] = '\0';
	o = opts ? opts->child : NULL;
	for (size_t i = 0; i < n && used < len; i++) {
		const char *p = opts ? o->valuestring : def->v[i];
		int w = snprintf(list + used, len - used, "%s%s",
				 i ? ", " : "", p);

		hit = hit || strcmp(p, period) == 0;
		if (w > 0)
			used += (size_t)w;
		o = o ? o->next : NULL;
	}
	return hit;
}


/* The default expiry must be one of the options a user may choose. */
static int root_post(struct check *ck, const cJSON *doc)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(doc,
							     "expiryOptions");
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(doc,
							    "defaultExpiry");
	const char *want = def ? def->valuestring
			       : ck->scratch.default_expiry;
	char list[400];

	if (!want || option_listed(ck, opts, want, list, sizeof(list)))
		return 0;
	if (def)
		return fail_key(ck, "defaultExpiry", "expected one of the "
				"expiryOptions (%s), found '%s'", list, want);
	return fail_key(ck, "expiryOptions", "the default expiry %s is not "
			"among the options; add it, or set defaultExpiry to "
			"one of %s", want, list);
}


/* include: paths of fixtures, only in a document read from a file. */
static int v_include(struct check *ck, const cJSON *v)
{
	if (ck->body)
		return fail(ck, "include is not allowed in a document that "
			    "came from no file: there is nothing to resolve "
			    "its paths against");
	return each_element(ck, v, v_text);
}

/* Keys of a scenario: checked on the merged document (fn) and, for what
 * merging needs, on each file's first look. */
static const struct field root_fields[] = {
	{ "name", v_string, v_string, false },
	{ "description", v_string, v_string, false },
	{ "include", NULL, v_include, false },
	{ "clock", v_clock, NULL, false },
	{ "site", v_site, NULL, false },
	{ "expiryOptions", v_options, NULL, false },
	{ "defaultExpiry", v_text, NULL, false },
	{ "users", v_users, v_array, false },
	{ "groups", v_groups, v_array, false },
	{ "roles", v_roles, v_keyed, false },
	{ "permissions", v_permissions, v_keyed, false },
	{ "tokens", v_tokens, v_array, false },
	{ "rules", v_array, NULL, false },
	{ "rateLimit", v_object, NULL, false },
	{ "events", v_array, NULL, false },
	{ "expect", v_array, NULL, false },
};
static const struct shape root_shape = SHAPE(root_fields, root_post);

/* Keys of an included fixture: the people, tokens and roles only. */
static const struct field fixture_fields[] = {
	{ "name", NULL, v_string, false },
	{ "description", NULL, v_string, false },
	{ "include", NULL, v_include, false },
	{ "users", NULL, v_array, false },
	{ "groups", NULL, v_array, false },
	{ "roles", NULL, v_keyed, false },
	{ "permissions", NULL, v_keyed, false },
	{ "tokens", NULL, v_array, false },
};
static const struct shape fixture_shape = SHAPE(fixture_fields, NULL);


/* Sorted strings under key of the array's items, for lookups. */
static int index_names(struct index *ix, const cJSON *arr, const char *key)
{
	const cJSON *item;
	size_t pos = 0;

	cJSON_ArrayForEach(item, arr) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, key);

		if (cJSON_IsString(v) && index_add(ix, v->valuestring, pos))
			return -1;
		pos++;
	}
	index_sort(ix, false);
	return 0;
}


/* The names references may use: users, groups and roles. */
static int build_indexes(struct check *ck, const cJSON *doc)
{
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(doc, "roles");
	const cJSON *m;
	size_t pos = 0;

	if (index_names(&ck->users, cJSON_GetObjectItemCaseSensitive(doc,
			"users"), "accountId") ||
	    index_names(&ck->groups, cJSON_GetObjectItemCaseSensitive(doc,
			"groups"), "name"))
		return oom(ck);
	for (size_t i = 0; i < ck->scratch.nroles; i++)
		if (index_add(&ck->roles, ck->scratch.roles[i].key, pos++))
			return oom(ck);
	cJSON_ArrayForEach(m, roles)
		if (m->string && index_add(&ck->roles, m->string, pos++))
			return oom(ck);
	index_sort(&ck->roles, false);
	return 0;
}


/* Check the merged document as a whole. 0, or -1 with the error. */
static int check_merged(struct check *ck, const cJSON *doc)
{
	ck->merged = true;
	ck->src = 0;
	ck->depth = 0;
	if (build_indexes(ck, doc))
		return -1;
	return check_object(ck, doc, &root_shape);
}


/* A check context over ld's sources; body: the text came from no file. */
static void check_init(struct check *ck, struct loader *ld, bool body)
{
	memset(ck, 0, sizeof(*ck));
	ck->ld = ld;
	ck->body = body;
	ms_state_init(&ck->scratch);
}


/* Free what check_init and the checks took. */
static void check_release(struct check *ck)
{
	index_release(&ck->users);
	index_release(&ck->groups);
	index_release(&ck->roles);
	ms_state_release(&ck->scratch);
}


/* ---- Loading files ------------------------------------------------------ */

/* errno as text, thread-safe (GNU strerror_r may return its own). */
static void errno_text(int e, char *buf, size_t len)
{
	const char *s = strerror_r(e, buf, len);

	if (s != buf)
		snprintf(buf, len, "%s", s);
}


/* Give *buf room for more: double it, up to one byte past the limit. */
static int grow(char **buf, size_t *cap)
{
	size_t want = *cap ? *cap * 2 : 64 * 1024;
	char *b;

	if (want > (size_t)MS_SCENARIO_MAX_BYTES + 2)
		want = (size_t)MS_SCENARIO_MAX_BYTES + 2;
	b = realloc(*buf, want);
	if (!b)
		return -1;
	*buf = b;
	*cap = want;
	return 0;
}


/*
 * Read all of file into *text (NUL-terminated; the caller frees) and its
 * length into *len. Returns 0, or -1 with the reason in why.
 */
static int read_text(const char *file, char **text, size_t *len, char *why,
		     size_t whylen)
{
	FILE *f = fopen(file, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (!f) {
		errno_text(errno, why, whylen);
		return -1;
	}
	while (!feof(f) && !ferror(f)) {
		if (cap - n < 2 && grow(&buf, &cap)) {
			snprintf(why, whylen, "out of memory");
			goto out;
		}
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n > MS_SCENARIO_MAX_BYTES) {
			snprintf(why, whylen, "larger than %d bytes",
				 MS_SCENARIO_MAX_BYTES);
			goto out;
		}
	}
	if (ferror(f)) {
		errno_text(errno, why, whylen);
		goto out;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}


/* Keep a file's text; takes ownership of real and text. Its index, or
 * -1 on allocation failure (having freed them). */
static int add_source(struct loader *ld, const char *file, char *real,
		      char *text, size_t len)
{
	struct source *s = &ld->src[ld->nsrc];

	s->file = strdup(file);
	if (!s->file) {
		free(real);
		free(text);
		return -1;
	}
	s->real = real;
	s->text = text;
	s->len = len;
	return ld->nsrc++;
}


/*
 * An error about an include: at entry idx of source from's "include",
 * or about file itself when it is the top file (from < 0). Returns -1.
 */
static int PRINTF_LIKE(5, 6)
include_error(struct loader *ld, const char *file, int from, int idx,
	      const char *fmt, ...)
{
	struct step path[2] = { { "include", 0 }, { NULL, idx } };
	char msg[sizeof(ld->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (from < 0)
		return error_file(ld->err, file, "%s", msg);
	return error_at(ld, from, path, 2, false, 0, "%s", msg);
}


/* "a.json -> b.json -> a.json", when real is already being loaded. */
static bool in_chain(const struct loader *ld, const char *real,
		     const char *file, char *buf, size_t len)
{
	size_t used = 0;
	int at = -1;

	for (int d = 0; d < ld->depth && at < 0; d++)
		if (strcmp(ld->src[ld->chain[d]].real, real) == 0)
			at = d;
	if (at < 0)
		return false;
	buf[0] = '\0';
	for (int d = at; d < ld->depth && used < len; d++) {
		int w = snprintf(buf + used, len - used, "%s -> ",
				 ld->src[ld->chain[d]].file);
		if (w > 0)
			used += (size_t)w;
	}
	if (used < len)
		snprintf(buf + used, len - used, "%s", file);
	return true;
}


/*
 * Read file, named by entry idx of source from's includes (from < 0 for
 * the top file), after checking the limits and for cycles. Returns its
 * source index, or -1 with the error.
 */
static int open_source(struct loader *ld, const char *file, int from,
		       int idx)
{
	char why[300], *real, *text;
	size_t len;
	int si;

	if (ld->nsrc == SOURCES_MAX)
		return include_error(ld, file, from, idx, "too many files: "
				     "at most %d, includes counted",
				     SOURCES_MAX);
	if (ld->depth > MS_INCLUDE_DEPTH_MAX)
		return include_error(ld, file, from, idx, "includes nest "
				     "deeper than %d levels",
				     MS_INCLUDE_DEPTH_MAX);
	real = realpath(file, NULL);
	if (!real) {
		errno_text(errno, why, sizeof(why));
		return include_error(ld, file, from, idx, "cannot read "
				     "'%s': %s", file, why);
	}
	if (in_chain(ld, real, file, why, sizeof(why))) {
		free(real);
		return include_error(ld, file, from, idx, "include cycle: "
				     "%s", why);
	}
	if (read_text(file, &text, &len, why, sizeof(why))) {
		free(real);
		return include_error(ld, file, from, idx, "cannot read "
				     "'%s': %s", file, why);
	}
	si = add_source(ld, file, real, text, len);
	return si < 0 ? error_file(ld->err, NULL, "out of memory") : si;
}


/* ---- Syntax faults ------------------------------------------------------ */

/*
 * Finding a syntax fault. cJSON says where it stopped, but not why, and
 * one byte late when an object key does not start with a quote; so once
 * cJSON has refused a text, this scan walks it again to name the first
 * fault and its place. It accepts what cJSON accepts (numbers are read
 * loosely, as cJSON does); what it finds no fault in is left to cJSON's
 * own position.
 */
struct scan {
	const char *t;
	size_t len;
	size_t i;           /* where the scan is; the fault, once found */
	const char *why;    /* what was expected there */
};


/* Note the fault at offset at and what was expected. Returns -1. */
static int scan_fault(struct scan *s, size_t at, const char *why)
{
	s->i = at;
	s->why = why;
	return -1;
}


/* A string whose quote is at s->i: escapes known, then its end. */
static int scan_string(struct scan *s)
{
	size_t i = s->i + 1;

	while (i < s->len && s->t[i] != '"') {
		size_t n = 1;

		if (s->t[i] == '\\' && i + 1 < s->len) {
			char e = s->t[i + 1];

			n = e == 'u' ? 6 : 2;
			if (e == 'u' && (i + 6 > s->len ||
			    strspn(s->t + i + 2, "0123456789abcdefABCDEF") < 4))
				return scan_fault(s, i, "expected four hex "
						  "digits after \\u");
			if (e != 'u' && (!e || !strchr("\"\\/bfnrt", e)))
				return scan_fault(s, i, "unknown escape");
		}
		i += n;
	}
	if (i >= s->len)
		return scan_fault(s, s->len, "the text ends inside a string");
	s->i = i + 1;
	return 0;
}


/* true, false, null or a number (a run of its characters) at s->i. */
static int scan_scalar(struct scan *s)
{
	static const char *const words[] = { "true", "false", "null" };
	const char *t = s->t + s->i;
	size_t left = s->len - s->i, n = 0;

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		n = strlen(words[w]);
		if (left >= n && memcmp(t, words[w], n) == 0) {
			s->i += n;
			return 0;
		}
	}
	if (*t == '-' || (*t >= '0' && *t <= '9')) {
		for (n = 0; n < left && strchr("0123456789+-eE.", t[n]) &&
			    t[n]; n++)
			;
		s->i += n;
		return 0;
	}
	return scan_fault(s, s->i, "expected a value: an object, an array, "
			  "a string, a number, true, false or null");
}


/* A key and its colon, at s->i within an object. */
static int scan_key(struct scan *s)
{
	s->i = skip_ws(s->t, s->len, s->i);
	if (s->i >= s->len)
		return scan_fault(s, s->len, "the text ends too early");
	if (s->t[s->i] != '"')
		return scan_fault(s, s->i, "expected a key in double quotes");
	if (scan_string(s))
		return -1;
	s->i = skip_ws(s->t, s->len, s->i);
	if (s->i >= s->len || s->t[s->i] != ':')
		return scan_fault(s, s->i, "expected ':' after the key");
	s->i++;
	return 0;
}


/* A container opens at s->i: push it; an empty one closes at once. */
static int scan_open(struct scan *s, char *stack, int *depth, bool *value)
{
	char c = s->t[s->i];
	size_t i;

	if (*depth >= CJSON_NESTING_LIMIT)
		return scan_fault(s, s->i, "nested too deep");
	stack[(*depth)++] = c;
	i = skip_ws(s->t, s->len, s->i + 1);
	if (i < s->len && s->t[i] == (c == '{' ? '}' : ']')) {
		(*depth)--;
		s->i = i + 1;
		*value = false;
		return 0;
	}
	s->i++;
	return c == '{' ? scan_key(s) : 0;
}


/* After a value inside a container: a comma or the container's end. */
static int scan_next(struct scan *s, const char *stack, int *depth,
		     bool *value)
{
	bool object = stack[*depth - 1] == '{';
	char c = s->t[s->i];

	if (c == ',') {
		s->i++;
		*value = true;
		return object ? scan_key(s) : 0;
	}
	if (c == (object ? '}' : ']')) {
		(*depth)--;
		s->i++;
		return 0;
	}
	return scan_fault(s, s->i, object ? "expected ',' or '}'"
				  : "expected ',' or ']'");
}


/* Scan one JSON value. 0 when no fault is found, else -1 with it. */
static int scan_json(struct scan *s)
{
	char stack[CJSON_NESTING_LIMIT];
	int depth = 0, rc = 0;
	bool value = true;      /* a value is due, else what follows one */

	while (rc == 0) {
		s->i = skip_ws(s->t, s->len, s->i);
		if (!value && depth == 0)
			return 0;
		if (s->i >= s->len)
			return scan_fault(s, s->len, "the text ends too early");
		if (!value) {
			rc = scan_next(s, stack, &depth, &value);
		} else if (s->t[s->i] == '{' || s->t[s->i] == '[') {
			rc = scan_open(s, stack, &depth, &value);
		} else {
			rc = s->t[s->i] == '"' ? scan_string(s)
					       : scan_scalar(s);
			value = false;
		}
	}
	return rc;
}


/* Report the syntax fault of source si; off is where cJSON stopped. */
static int syntax_error(struct loader *ld, int si, size_t off)
{
	const struct source *s = &ld->src[si];
	struct scan sc = { s->text, s->len, 0, NULL };

	if (s->len >= 3 && memcmp(s->text, "\xef\xbb\xbf", 3) == 0)
		sc.i = 3;
	if (scan_json(&sc))
		return error_at(ld, si, NULL, 0, false, sc.i,
				"invalid JSON: %s", sc.why);
	return error_at(ld, si, NULL, 0, false, off, "invalid JSON");
}


/* Parse source si: one JSON object and nothing after it. The document,
 * or NULL with the error. */
static cJSON *parse_source(struct loader *ld, int si)
{
	const struct source *s = &ld->src[si];
	const char *nul = memchr(s->text, '\0', s->len);
	const char *end = s->text;
	cJSON *doc;
	size_t off;

	if (nul) {
		error_at(ld, si, NULL, 0, false, (size_t)(nul - s->text),
			 "invalid JSON: a NUL byte");
		return NULL;
	}
	if (skip_ws(s->text, s->len, 0) == s->len) {
		error_at(ld, si, NULL, 0, false, s->len, "empty document; "
			 "expected a JSON object");
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(s->text, s->len, &end, 0);
	off = end ? (size_t)(end - s->text) : 0;
	if (!doc) {
		syntax_error(ld, si, off);
		return NULL;
	}
	if (skip_ws(s->text, s->len, off) < s->len)
		error_at(ld, si, NULL, 0, false, skip_ws(s->text, s->len, off),
			 "invalid JSON: text after the end of the document");
	else if (!cJSON_IsObject(doc))
		error_at(ld, si, NULL, 0, false, skip_ws(s->text, s->len, 0),
			 "expected a JSON object at the top%s", found(doc));
	else
		return doc;
	cJSON_Delete(doc);
	return NULL;
}


/* ---- Merging includes, and the entry points ----------------------------- */

/* Record where the next item of merged collection c came from. */
static int origin_push(struct loader *ld, enum coll c, struct origin o)
{
	if (ld->norig[c] == ld->cap[c]) {
		size_t cap = ld->cap[c] ? ld->cap[c] * 2 : 16;
		struct origin *v = realloc(ld->orig[c], cap * sizeof(*v));

		if (!v)
			return -1;
		ld->orig[c] = v;
		ld->cap[c] = cap;
	}
	ld->orig[c][ld->norig[c]++] = o;
	return 0;
}


/* Put member in place of the merged member of the same key, if there is
 * one: the file merged later wins. Returns whether it did. */
static bool replace_member(struct loader *ld, enum coll c, cJSON *member,
			   struct origin o)
{
	cJSON *old;
	int pos = 0;

	cJSON_ArrayForEach(old, ld->coll[c]) {
		if (strcmp(old->string, member->string) == 0)
			break;
		pos++;
	}
	if (!old)
		return false;
	cJSON_ReplaceItemViaPointer(ld->coll[c], old, member);
	ld->orig[c][pos] = o;
	return true;
}


/*
 * Move the items of own (source si's collection c) to the merged one:
 * array items are appended, object members replace those of their key.
 * When the merged object is empty no key can clash, so a large object
 * costs no lookups. 0, or -1 on allocation failure.
 */
static int merge_items(struct loader *ld, enum coll c, int si, cJSON *own)
{
	bool clash = COLL_IS_OBJECT(c) && ld->coll[c]->child;
	cJSON *item;
	int index = 0;

	while ((item = own->child) != NULL) {
		struct origin o = { si, COLL_IS_OBJECT(c) ? -1 : index++ };

		cJSON_DetachItemViaPointer(own, item);
		if (clash && replace_member(ld, c, item, o))
			continue;
		if (origin_push(ld, c, o)) {
			cJSON_Delete(item);
			return -1;
		}
		/* Appending as to an array keeps a member's own key. */
		cJSON_AddItemToArray(ld->coll[c], item);
	}
	return 0;
}


/* Move every collection of source si's document into the merged ones. */
static int merge_own(struct loader *ld, int si, cJSON *doc)
{
	for (int c = 0; c < C_COUNT; c++) {
		cJSON *own = cJSON_GetObjectItemCaseSensitive(doc,
							      coll_keys[c]);

		if (!own)
			continue;
		if (!ld->coll[c])
			ld->coll[c] = COLL_IS_OBJECT(c) ? cJSON_CreateObject()
							: cJSON_CreateArray();
		if (!ld->coll[c] || merge_items(ld, (enum coll)c, si, own))
			return error_file(ld->err, NULL, "out of memory");
	}
	return 0;
}


/* inc relative to the folder of from, into buf. 0, or -1 if too long. */
static int include_path(const char *from, const char *inc, char *buf,
			size_t len)
{
	const char *slash = strrchr(from, '/');
	int dir = slash ? (int)(slash - from) + 1 : 0;
	int w;

	if (inc[0] == '/')
		dir = 0;
	w = snprintf(buf, len, "%.*s%s", dir, from, inc);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}


/* load_includes and load_source call each other. */
static cJSON *load_source(struct loader *ld, struct check *ck, int si);


/* Load every include of source si, in order, merging each. */
static int load_includes(struct loader *ld, struct check *ck, int si,
			 const cJSON *doc)
{
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(doc, "include");
	const cJSON *v;
	char path[PATH_MAX];
	int idx = 0, rc = 0;

	ld->chain[ld->depth++] = si;
	cJSON_ArrayForEach(v, inc) {
		cJSON *left;
		int sub;

		if (include_path(ld->src[si].file, v->valuestring, path,
				 sizeof(path))) {
			rc = include_error(ld, NULL, si, idx, "path too long");
			break;
		}
		sub = open_source(ld, path, si, idx++);
		left = sub < 0 ? NULL : load_source(ld, ck, sub);
		if (!left) {
			rc = -1;
			break;
		}
		cJSON_Delete(left);
	}
	ld->depth--;
	return rc;
}


/*
 * Parse source si, give it a first look, load its includes and merge its
 * collections. Returns what is left of its document (the caller owns
 * it), or NULL with the error.
 */
static cJSON *load_source(struct loader *ld, struct check *ck, int si)
{
	cJSON *doc = parse_source(ld, si);

	if (!doc)
		return NULL;
	ck->merged = false;
	ck->src = si;
	ck->depth = 0;
	if (check_object(ck, doc, si == 0 ? &root_shape : &fixture_shape) ||
	    load_includes(ld, ck, si, doc) || merge_own(ld, si, doc)) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}


/*
 * Make the top document the merged one: the includes go, the merged
 * collections come in (under their constant keys, which costs no
 * allocation and so cannot fail half-way).
 */
static void assemble(struct loader *ld, cJSON *root)
{
	cJSON_DeleteItemFromObjectCaseSensitive(root, "include");
	for (int c = 0; c < C_COUNT; c++) {
		if (!ld->coll[c])
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(root, coll_keys[c]);
		cJSON_AddItemToObjectCS(root, coll_keys[c], ld->coll[c]);
	}
	ld->assembled = true;
}


/* Assemble and check the top document: it, or NULL with the error. */
static cJSON *finish(struct loader *ld, struct check *ck, cJSON *root)
{
	if (!root)
		return NULL;
	assemble(ld, root);
	if (check_merged(ck, root)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}


/* Free the sources, the origins and (unless handed over) the
 * merged collections. */
static void loader_free(struct loader *ld)
{
	if (!ld)
		return;
	for (int i = 0; i < ld->nsrc; i++) {
		free(ld->src[i].file);
		free(ld->src[i].real);
		free(ld->src[i].text);
	}
	for (int c = 0; c < C_COUNT; c++) {
		if (!ld->assembled)
			cJSON_Delete(ld->coll[c]);
		free(ld->orig[c]);
	}
	free(ld);
}


/* A scenario without a name is called after its file: "default". */
static int default_name(cJSON *doc, const char *path)
{
	const char *base = strrchr(path, '/');
	char name[256];
	size_t n;

	if (cJSON_GetObjectItemCaseSensitive(doc, "name"))
		return 0;
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	snprintf(name, sizeof(name), "%.*s", (int)n, base);
	return cJSON_AddStringToObject(doc, "name", name) ? 0 : -1;
}


cJSON *ms_scenario_load(const char *path, struct ms_scenario_error *err)
{
	struct ms_scenario_error spare;
	struct loader *ld;
	struct check ck;
	cJSON *doc = NULL;
	int si;

	err = err ? err : &spare;
	error_start(err, NULL);
	ld = calloc(1, sizeof(*ld));
	if (!ld || !path) {
		free(ld);
		error_file(err, path, ld ? "no file named" : "out of memory");
		return NULL;
	}
	ld->err = err;
	check_init(&ck, ld, false);
	si = open_source(ld, path, -1, 0);
	if (si >= 0)
		doc = finish(ld, &ck, load_source(ld, &ck, si));
	if (doc && default_name(doc, path)) {
		cJSON_Delete(doc);
		doc = NULL;
		error_file(err, NULL, "out of memory");
	}
	check_release(&ck);
	loader_free(ld);
	return doc;
}


cJSON *ms_scenario_parse(const char *text, size_t len,
			 struct ms_scenario_error *err)
{
	struct ms_scenario_error spare;
	struct loader *ld;
	struct check ck;
	char *copy;
	cJSON *doc = NULL;

	err = err ? err : &spare;
	error_start(err, NULL);
	if (!text || len > MS_SCENARIO_MAX_BYTES) {
		error_file(err, NULL, "expected a document of at most %d "
			   "bytes", MS_SCENARIO_MAX_BYTES);
		return NULL;
	}
	ld = calloc(1, sizeof(*ld));
	copy = malloc(len + 1);
	if (!ld || !copy) {
		free(ld);
		free(copy);
		error_file(err, NULL, "out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	ld->err = err;
	check_init(&ck, ld, true);
	if (add_source(ld, "", NULL, copy, len) == 0)
		doc = finish(ld, &ck, load_source(ld, &ck, 0));
	else
		error_file(err, NULL, "out of memory");
	check_release(&ck);
	loader_free(ld);
	return doc;
}


/* ---- Applying a checked document ---------------------------------------- */

/*
 * Applying trusts the checks but never crashes on a document that skipped
 * them: a value of the wrong type falls back to its default, or fails.
 */

/* obj[key], or NULL (obj may be NULL). */
static const cJSON *get(const cJSON *obj, const char *key)
{
	return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}


/* The string under key, or dflt when absent or not a string. */
static const char *str_or(const cJSON *obj, const char *key,
			  const char *dflt)
{
	const cJSON *v = get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}


/* The boolean under key, or dflt when absent or not a boolean. */
static bool bool_or(const cJSON *obj, const char *key, bool dflt)
{
	const cJSON *v = get(obj, key);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}


/* The time under key, or dflt when absent. 0, or -1 if it is bad. */
static int time_or(const cJSON *obj, const char *key, ms_time_t dflt,
		   ms_time_t *out)
{
	const cJSON *v = get(obj, key);

	*out = dflt;
	if (!v)
		return 0;
	return cJSON_IsString(v) ? ms_time_parse(v->valuestring, out) : -1;
}


/* Replace *dst by a copy of s (NULL allowed). 0, or -1 out of memory. */
static int set_str(char **dst, const char *s)
{
	char *copy = s ? strdup(s) : NULL;

	if (s && !copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}


/* Replace v by the strings of arr (absent: none). 0, or -1. */
static int fill_strv(struct ms_strv *v, const cJSON *arr)
{
	const cJSON *s;

	ms_strv_clear(v);
	cJSON_ArrayForEach(s, arr)
		if (!cJSON_IsString(s) || ms_strv_push(v, s->valuestring))
			return -1;
	return 0;
}


/* Applying failed at key[index] (index < 0: at key). Returns -1. */
static int unapplied(struct ms_scenario_error *err, const char *key,
		     int index)
{
	error_start(err, NULL);
	if (index >= 0)
		snprintf(err->path, sizeof(err->path), "%s[%d]", key, index);
	else
		snprintf(err->path, sizeof(err->path), "%s", key);
	snprintf(err->message, sizeof(err->message), "cannot apply: out of "
		 "memory, or a document that skipped the checks");
	return -1;
}


/* Start the clock ("now" when the document says nothing). */
static int apply_clock(const cJSON *doc, struct ms_state *st,
		       struct ms_scenario_error *err)
{
	const cJSON *clock = get(doc, "clock");
	const char *start = str_or(clock, "start", "now");
	ms_time_t t = ms_wall_now();

	if (strcmp(start, "now") != 0 && ms_time_parse(start, &t))
		return unapplied(err, "clock", -1);
	vclock_init(&st->clock, t, bool_or(clock, "frozen", false));
	return 0;
}


/* The name and the site; an initialized site without a date was
 * initialized when the clock starts. */
static int apply_site(const cJSON *doc, struct ms_state *st,
		      struct ms_scenario_error *err)
{
	const cJSON *site = get(doc, "site");
	const char *ws = str_or(site, "workspaceId", DEFAULT_WORKSPACE_ID);

	st->initialized = bool_or(site, "initialized", false);
	st->initialized_at = MS_NEVER;
	if (st->initialized &&
	    time_or(site, "initializedAt", st->clock.base,
		    &st->initialized_at))
		return unapplied(err, "site", -1);
	if (set_str(&st->workspace_id, ws) ||
	    set_str(&st->initialized_by,
		    str_or(site, "initializedBy", NULL)) ||
	    set_str(&st->scenario_name, str_or(doc, "name", NULL)))
		return unapplied(err, "site", -1);
	return 0;
}


/* The expiry options and default; absent, ms_state_init's stay. */
static int apply_expiry(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *opts = get(doc, "expiryOptions");
	const char *def = str_or(doc, "defaultExpiry", NULL);

	if (opts && fill_strv(&st->expiry_options, opts))
		return unapplied(err, "expiryOptions", -1);
	if (def && set_str(&st->default_expiry, def))
		return unapplied(err, "defaultExpiry", -1);
	return 0;
}


/* Fill x (zeroed) from u. 0, or -1 (x keeps what it got, for
 * ms_state_release to free). */
static int fill_user(const cJSON *u, struct ms_user *x)
{
	const char *id = str_or(u, "accountId", NULL);

	x->jira_admin = bool_or(u, "jiraAdmin", false);
	x->assets_visible = bool_or(u, "assetsVisible", true);
	if (!id || set_str(&x->account_id, id) ||
	    set_str(&x->display_name, str_or(u, "displayName", NULL)) ||
	    set_str(&x->email, str_or(u, "email", NULL)))
		return -1;
	return set_str(&x->api_token, str_or(u, "apiToken", NULL));
}


/* Append the users; each counted in st as soon as it exists, so a
 * failure half-way leaves st releasable. */
static int apply_users(const cJSON *doc, struct ms_state *st,
		       struct ms_scenario_error *err)
{
	const cJSON *users = get(doc, "users"), *u;
	size_t n = (size_t)cJSON_GetArraySize(users);
	struct ms_user *grown;
	int i = 0;

	if (n == 0)
		return 0;
	grown = realloc(st->users, (st->nusers + n) * sizeof(*grown));
	if (!grown)
		return unapplied(err, "users", -1);
	st->users = grown;
	cJSON_ArrayForEach(u, users) {
		struct ms_user *x = &st->users[st->nusers++];

		memset(x, 0, sizeof(*x));
		if (fill_user(u, x))
			return unapplied(err, "users", i);
		i++;
	}
	return 0;
}


/* Append the groups, as apply_users does the users. */
static int apply_groups(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *groups = get(doc, "groups"), *g;
	size_t n = (size_t)cJSON_GetArraySize(groups);
	struct ms_group *grown;
	int i = 0;

	if (n == 0)
		return 0;
	grown = realloc(st->groups, (st->ngroups + n) * sizeof(*grown));
	if (!grown)
		return unapplied(err, "groups", -1);
	st->groups = grown;
	cJSON_ArrayForEach(g, groups) {
		struct ms_group *x = &st->groups[st->ngroups++];
		const char *name = str_or(g, "name", NULL);

		memset(x, 0, sizeof(*x));
		x->assets_visible = bool_or(g, "assetsVisible", true);
		if (!name || set_str(&x->name, name) ||
		    fill_strv(&x->members, get(g, "members")))
			return unapplied(err, "groups", i);
		i++;
	}
	return 0;
}


/* Each role named replaces the holders of a built-in role, or adds a
 * role; a role not named keeps what ms_state_init gave it. */
static int apply_roles(const cJSON *doc, struct ms_state *st,
		       struct ms_scenario_error *err)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, get(doc, "roles")) {
		const char *name = str_or(m, "name", NULL);
		struct ms_role *r = m->string ? ms_state_role(st, m->string)
					      : NULL;

		if (!m->string)
			return unapplied(err, "roles", -1);
		if (!r)
			r = ms_state_role_add(st, m->string, name);
		else if (name && set_str(&r->name, name))
			r = NULL;
		if (!r || fill_strv(&r->users, get(m, "users")) ||
		    fill_strv(&r->groups, get(m, "groups")))
			return unapplied(err, "roles", -1);
	}
	return 0;
}


/* Each action named replaces its row of the default matrix. */
static int apply_permissions(const cJSON *doc, struct ms_state *st,
			     struct ms_scenario_error *err)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, get(doc, "permissions")) {
		struct ms_strv roles = { 0 };
		int rc = !m->string || fill_strv(&roles, m) ||
			 ms_state_permission_set(st, m->string, &roles);

		ms_strv_clear(&roles);
		if (rc)
			return unapplied(err, "permissions", -1);
	}
	return 0;
}


/* A token's times: made at createdAt (default: the clock's start),
 * expiring expiry later unless expiresAt says otherwise. */
static int token_times(const cJSON *item, const struct ms_state *st,
		       struct ms_token *t)
{
	const char *expiry = str_or(item, "expiry", st->default_expiry);
	struct ms_period p;

	if (!expiry || ms_period_parse(expiry, &p) ||
	    time_or(item, "createdAt", st->clock.base, &t->created_at) ||
	    time_or(item, "lastUsedAt", MS_NEVER, &t->last_used_at))
		return -1;
	if (time_or(item, "expiresAt", ms_time_add(t->created_at, &p),
		    &t->expires_at))
		return -1;
	t->expiry = strdup(expiry);
	return t->expiry ? 0 : -1;
}


/*
 * A token's text: a secret and an id drawn from the tenant's random
 * stream when the scenario gives none, the secret first, so that a
 * seeded tenant gets the same ones every time.
 */
static int token_text(const cJSON *item, struct ms_state *st,
		      struct ms_token *t)
{
	const char *secret = str_or(item, "secret", NULL);
	const char *id = str_or(item, "id", NULL);
	const char *by = str_or(item, "createdBy", NULL);
	const char *why = NULL;

	if (ms_token_label_check(str_or(item, "label", ""), &t->label, &why) ||
	    ms_token_type_parse(str_or(item, "type", NULL), &t->type))
		return -1;
	t->revoked = bool_or(item, "revoked", false);
	if (set_str(&t->workspace_id, str_or(item, "workspaceId",
					     st->workspace_id)) ||
	    set_str(&t->created_by, by))
		return -1;
	t->secret = secret ? strdup(secret)
			   : ms_token_secret_new(&st->rng, t->type);
	if (!t->secret || (id && strlen(id) >= sizeof(t->id)))
		return -1;
	if (id)
		memcpy(t->id, id, strlen(id) + 1);
	else
		ms_rng_uuid(&st->rng, t->id);
	return 0;
}


/* Add every token to the store, in document order. */
static int apply_tokens(const cJSON *doc, struct ms_state *st,
			struct ms_scenario_error *err)
{
	const cJSON *item;
	int i = 0;

	cJSON_ArrayForEach(item, get(doc, "tokens")) {
		struct ms_token *t = calloc(1, sizeof(*t));

		if (!t || token_text(item, st, t) || token_times(item, st, t) ||
		    ms_token_store_add(&st->tokens, t)) {
			ms_token_free(t);
			return unapplied(err, "tokens", i);
		}
		i++;
	}
	return 0;
}


int ms_scenario_apply(const cJSON *doc, struct ms_state *st,
		      const struct ms_scenario_opts *opts,
		      struct ms_scenario_error *err)
{
	struct ms_scenario_error spare;

	err = err ? err : &spare;
	error_start(err, NULL);
	ms_rng_init(&st->rng, opts && opts->seeded, opts ? opts->seed : 0,
		    opts ? opts->tenant : NULL);
	if (!cJSON_IsObject(doc))
		return error_file(err, NULL, "expected a scenario document");
	if (apply_clock(doc, st, err) || apply_site(doc, st, err) ||
	    apply_expiry(doc, st, err) || apply_users(doc, st, err) ||
	    apply_groups(doc, st, err) || apply_roles(doc, st, err) ||
	    apply_permissions(doc, st, err) || apply_tokens(doc, st, err))
		return -1;
	return 0;
}


/* ---- The state as a scenario -------------------------------------------- */

/* obj[key] = s, unless s is NULL. 0, or -1 out of memory. */
static int add_str(cJSON *obj, const char *key, const char *s)
{
	return !s || cJSON_AddStringToObject(obj, key, s) ? 0 : -1;
}


/* obj[key] = b. 0, or -1 out of memory. */
static int add_bool(cJSON *obj, const char *key, bool b)
{
	return cJSON_AddBoolToObject(obj, key, b) ? 0 : -1;
}


/* obj[key] = t as ISO-8601 text. 0, or -1 out of memory. */
static int add_time(cJSON *obj, const char *key, ms_time_t t)
{
	char buf[MS_TIME_BUFSZ];

	return add_str(obj, key, ms_time_format(t, buf));
}


/* obj[key] = the strings of v. 0, or -1 out of memory. */
static int add_strv(cJSON *obj, const char *key, const struct ms_strv *v)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);

	for (size_t i = 0; a && i < v->n; i++) {
		cJSON *s = cJSON_CreateString(v->v[i]);

		if (!s)
			return -1;
		cJSON_AddItemToArray(a, s);
	}
	return a ? 0 : -1;
}


/* The clock as it reads now, the site and the expiry settings. */
static int from_head(cJSON *doc, const struct ms_state *st)
{
	cJSON *clock = cJSON_AddObjectToObject(doc, "clock");
	cJSON *site = cJSON_AddObjectToObject(doc, "site");

	if (!clock || !site ||
	    add_time(clock, "start", vclock_now(&st->clock)) ||
	    add_bool(clock, "frozen", st->clock.frozen) ||
	    add_bool(site, "initialized", st->initialized) ||
	    add_str(site, "workspaceId", st->workspace_id))
		return -1;
	if (st->initialized && st->initialized_at != MS_NEVER &&
	    add_time(site, "initializedAt", st->initialized_at))
		return -1;
	if (st->initialized && add_str(site, "initializedBy",
				       st->initialized_by))
		return -1;
	if (add_strv(doc, "expiryOptions", &st->expiry_options))
		return -1;
	return add_str(doc, "defaultExpiry", st->default_expiry);
}


/* Every user, API token included. */
static int from_users(cJSON *doc, const struct ms_state *st)
{
	cJSON *users = cJSON_AddArrayToObject(doc, "users");

	for (size_t i = 0; users && i < st->nusers; i++) {
		const struct ms_user *u = &st->users[i];
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return -1;
		cJSON_AddItemToArray(users, o);
		if (add_str(o, "accountId", u->account_id) ||
		    add_str(o, "displayName", u->display_name) ||
		    add_str(o, "email", u->email) ||
		    add_str(o, "apiToken", u->api_token) ||
		    add_bool(o, "jiraAdmin", u->jira_admin) ||
		    add_bool(o, "assetsVisible", u->assets_visible))
			return -1;
	}
	return users ? 0 : -1;
}


/* Every group with its members. */
static int from_groups(cJSON *doc, const struct ms_state *st)
{
	cJSON *groups = cJSON_AddArrayToObject(doc, "groups");

	for (size_t i = 0; groups && i < st->ngroups; i++) {
		const struct ms_group *g = &st->groups[i];
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return -1;
		cJSON_AddItemToArray(groups, o);
		if (add_str(o, "name", g->name) ||
		    add_strv(o, "members", &g->members) ||
		    add_bool(o, "assetsVisible", g->assets_visible))
			return -1;
	}
	return groups ? 0 : -1;
}


/* Every role and every row of the matrix, built-in ones included. */
static int from_roles(cJSON *doc, const struct ms_state *st)
{
	cJSON *roles = cJSON_AddObjectToObject(doc, "roles");
	cJSON *perms = cJSON_AddObjectToObject(doc, "permissions");

	for (size_t i = 0; roles && i < st->nroles; i++) {
		const struct ms_role *r = &st->roles[i];
		cJSON *o = cJSON_AddObjectToObject(roles, r->key);

		if (!o || add_str(o, "name", r->name) ||
		    add_strv(o, "users", &r->users) ||
		    add_strv(o, "groups", &r->groups))
			return -1;
	}
	for (size_t i = 0; perms && i < st->nperms; i++)
		if (add_strv(perms, st->perms[i].action, &st->perms[i].roles))
			return -1;
	return roles && perms ? 0 : -1;
}


/* expiresAt only when something (an event, say) moved it off the date
 * createdAt and expiry give. */
static int from_token(cJSON *o, const struct ms_token *t)
{
	struct ms_period p;
	bool moved = ms_period_parse(t->expiry, &p) ||
		     ms_time_add(t->created_at, &p) != t->expires_at;

	if (add_str(o, "id", t->id) || add_str(o, "label", t->label) ||
	    add_str(o, "type", ms_token_type_key(t->type)) ||
	    add_str(o, "secret", t->secret) ||
	    add_time(o, "createdAt", t->created_at) ||
	    add_str(o, "expiry", t->expiry) ||
	    (moved && add_time(o, "expiresAt", t->expires_at)) ||
	    add_bool(o, "revoked", t->revoked))
		return -1;
	if (t->workspace_id && t->workspace_id[0] &&
	    add_str(o, "workspaceId", t->workspace_id))
		return -1;
	if (add_str(o, "createdBy", t->created_by))
		return -1;
	if (t->last_used_at != MS_NEVER &&
	    add_time(o, "lastUsedAt", t->last_used_at))
		return -1;
	return 0;
}


/* Every token, revoked ones included, in creation order. */
static int from_tokens(cJSON *doc, const struct ms_state *st)
{
	cJSON *tokens = cJSON_AddArrayToObject(doc, "tokens");

	for (size_t i = 0; tokens && i < st->tokens.count; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return -1;
		cJSON_AddItemToArray(tokens, o);
		if (from_token(o, st->tokens.items[i]))
			return -1;
	}
	return tokens ? 0 : -1;
}


cJSON *ms_scenario_from_state(const struct ms_state *st)
{
	cJSON *doc = cJSON_CreateObject();

	if (!doc || add_str(doc, "name", st->scenario_name) ||
	    from_head(doc, st) || from_users(doc, st) ||
	    from_groups(doc, st) || from_roles(doc, st) ||
	    from_tokens(doc, st)) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}
