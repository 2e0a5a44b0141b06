/*
 * scenario_check: the machinery that checks a scenario document. See
 * scenario_int.h for how the scenario modules share the work.
 *
 * A check walks a document along its key path (struct check), runs the
 * field table of each object (struct shape) and the check of each value,
 * and turns a failure into an error at the key path, placed in the file
 * the value came from: a path in the merged document is mapped back
 * through the origins the loader kept (map_origin). Sorted indexes of
 * keys find repeats (a key given twice, two users with one email) and
 * answer cross references (the accountId a group member names).
 *
 * A check context owns its indexes, whose keys it borrows from the
 * document it checks, and a scratch state that holds the built-in roles,
 * actions and expiry options; scn_check_release() frees them. What a
 * scenario may say (the field tables and the v_* checks) is in
 * scenario_fields.c, and where a path sits in the text is found by
 * scenario_text.c. Nothing here reads a file or changes a document.
 */
#include "scenario_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* ---- Sorted keys, for uniqueness and cross references ------------------- */

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


/* Sort for index_dup and (case-sensitive only) scn_index_has. */
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
bool scn_index_has(const struct index *ix, const char *key)
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

/* Descend into member key; steps past PATH_DEPTH are counted only. */
static void push_key(struct check *ck, const char *key)
{
	if (ck->depth < PATH_DEPTH)
		ck->path[ck->depth] = (struct step){ key, 0 };
	ck->depth++;
}


/* Descend into element index. */
void scn_push_index(struct check *ck, int index)
{
	if (ck->depth < PATH_DEPTH)
		ck->path[ck->depth] = (struct step){ NULL, index };
	ck->depth++;
}


/* Undo the last push. */
void scn_pop(struct check *ck)
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

		if (strcmp(path[0].key, scn_coll_keys[c]) != 0)
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
int PRINTF_LIKE(3, 4)
scn_fail_key(struct check *ck, const char *key, const char *fmt, ...)
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
	return scn_error_at(ck->ld, src, path, n, ck->at_key, 0, "%s", msg);
}


/* ", found a number": what a value of the wrong type was. */
const char *scn_found(const cJSON *v)
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
	return scn_error_file(ck->ld->err, NULL, "out of memory");
}


/* ---- Checking: shapes of objects ---------------------------------------- */

static const struct field *shape_field(const struct shape *sh,
				       const char *key)
{
	for (size_t i = 0; i < sh->n; i++)
		if (strcmp(sh->f[i].key, key) == 0)
			return &sh->f[i];
	return NULL;
}


/* "a, b, c": the keys of a shape, for messages. */
void scn_shape_keys(const struct shape *sh, char *buf, size_t len)
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
int scn_check_dup_keys(struct check *ck, const cJSON *obj)
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
		rc = scn_fail_key(ck, dup->key, "key '%s' is given twice",
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
		scn_shape_keys(sh, keys, sizeof(keys));
		ck->at_key = true;
		rc = scn_fail(ck, "unknown key '%s'; expected one of %s",
			      m->string, keys);
		ck->at_key = false;
	} else if (ck->merged ? f->fn : f->first) {
		rc = (ck->merged ? f->fn : f->first)(ck, m);
	}
	scn_pop(ck);
	return rc;
}


/*
 * Check an object against a shape: no key twice, no unknown key, every
 * required key present, every value as its field wants, then the checks
 * across keys. 0, or -1 with the error reported.
 */
int scn_check_object(struct check *ck, const cJSON *obj,
		     const struct shape *sh)
{
	const cJSON *m;

	if (!cJSON_IsObject(obj))
		return scn_fail(ck, "expected an object%s", scn_found(obj));
	if (scn_check_dup_keys(ck, obj))
		return -1;
	for (size_t i = 0; i < sh->n; i++)
		if (sh->f[i].required &&
		    !cJSON_GetObjectItemCaseSensitive(obj, sh->f[i].key))
			return scn_fail_key(ck, sh->f[i].key,
					    "missing required key '%s'",
					    sh->f[i].key);
	cJSON_ArrayForEach(m, obj)
		if (check_member(ck, m, sh))
			return -1;
	return ck->merged && sh->post ? sh->post(ck, obj) : 0;
}


/* Run fn on each element of an array, its index on the path. */
int scn_each_element(struct check *ck, const cJSON *arr, value_fn fn)
{
	const cJSON *v;
	int i = 0, rc = 0;

	if (!cJSON_IsArray(arr))
		return scn_fail(ck, "expected an array%s", scn_found(arr));
	cJSON_ArrayForEach(v, arr) {
		scn_push_index(ck, i++);
		rc = fn(ck, v);
		scn_pop(ck);
		if (rc)
			return -1;
	}
	return 0;
}


/* Run fn on each member of an object, its key on the path. */
int scn_each_member(struct check *ck, const cJSON *obj, value_fn fn)
{
	const cJSON *m;
	int rc = 0;

	if (!cJSON_IsObject(obj))
		return scn_fail(ck, "expected an object%s", scn_found(obj));
	if (scn_check_dup_keys(ck, obj))
		return -1;
	cJSON_ArrayForEach(m, obj) {
		push_key(ck, m->string);
		rc = fn(ck, m);
		scn_pop(ck);
		if (rc)
			return -1;
	}
	return 0;
}


/* ---- Checking: uniqueness ----------------------------------------------- */

/*
 * "users[0] (fixtures/people.json:4)": where item pos of the array at
 * the current path came from, to name the first of two duplicates.
 */
static void item_where(struct check *ck, size_t pos, char *buf, size_t len)
{
	struct step p[PATH_DEPTH];
	int n = ck->depth < PATH_DEPTH ? ck->depth : PATH_DEPTH - 1;
	int src;
	const struct source *s;
	char path[128];
	int line, column;

	memcpy(p, ck->path, (size_t)n * sizeof(*p));
	p[n++] = (struct step){ NULL, (int)pos };
	src = ck->merged ? map_origin(ck->ld, p, n) : ck->src;
	s = &ck->ld->src[src];
	scn_path_format(p, n, path, sizeof(path));
	scn_line_column(s->text, s->len,
			scn_locate(s->text, s->len, p, n, false), &line,
			&column);
	if (s->file[0])
		snprintf(buf, len, "%s (%s:%d)", path, s->file, line);
	else
		snprintf(buf, len, "%s (line %d)", path, line);
}


/*
 * Refuse two items of the array at the current path (a collection, the
 * rules, the events) with the same string under key; flags are UNIQUE_*
 * bits.
 */
int scn_check_unique(struct check *ck, const cJSON *arr, const char *key,
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
		scn_push_index(ck, (int)dup->pos);
		rc = scn_fail_key(ck, key, "duplicate %s%s%s%s: %s has it too",
				  key, flags & UNIQUE_SECRET ? "" : " '",
				  flags & UNIQUE_SECRET ? "" : dup->key,
				  flags & UNIQUE_SECRET ? "" : "'", where);
		scn_pop(ck);
	}
out:
	index_release(&ix);
	return rc;
}


/* ---- Checking: indexes and the entry points ----------------------------- */

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


/* The first look at source si: only what merging needs is checked. */
int scn_check_first(struct check *ck, int si, const cJSON *doc)
{
	ck->merged = false;
	ck->src = si;
	ck->depth = 0;
	return scn_check_object(ck, doc, si == 0 ? &scn_root_shape
					       : &scn_fixture_shape);
}


/* Check the merged document as a whole. 0, or -1 with the error. */
int scn_check_merged(struct check *ck, const cJSON *doc)
{
	ck->merged = true;
	ck->src = 0;
	ck->depth = 0;
	if (build_indexes(ck, doc))
		return -1;
	return scn_check_object(ck, doc, &scn_root_shape);
}


/* The body of POST /__mock/rules, the tenant's users for references. */
int scn_check_rules(struct check *ck, const cJSON *body,
		    const struct ms_state *st)
{
	ck->merged = true;
	ck->src = 0;
	ck->depth = 0;
	for (size_t i = 0; st && i < st->nusers; i++)
		if (st->users[i].account_id &&
		    index_add(&ck->users, st->users[i].account_id, i))
			return oom(ck);
	index_sort(&ck->users, false);
	return cJSON_IsArray(body) ? scn_v_rules(ck, body)
				   : scn_v_rule(ck, body);
}


/* A check context over ld's sources; body: the text came from no file. */
void scn_check_init(struct check *ck, struct loader *ld, bool body)
{
	memset(ck, 0, sizeof(*ck));
	ck->ld = ld;
	ck->body = body;
	ms_state_init(&ck->scratch);
}


/* Free what scn_check_init and the checks took. */
void scn_check_release(struct check *ck)
{
	index_release(&ck->users);
	index_release(&ck->groups);
	index_release(&ck->roles);
	ms_state_release(&ck->scratch);
}
