/*
 * scenario: scenario files in, tenant state out, and back. See
 * scenario.h for the contract, SPEC.md section 6 for the format and
 * scenario_int.h for how the scenario modules share the work; this one
 * loads.
 *
 * Loading takes three steps. Each file is read, parsed and given a first
 * look (its top-level keys, its includes, the container type of each
 * collection); its includes are loaded the same way, depth first; then
 * its collections (users, groups, tokens, roles, permissions) are moved
 * into the merged ones. The merged document is then checked as a whole,
 * which is where cross references and uniqueness can be seen. A loaded
 * scenario without a name is named after its file. The body of POST
 * /__mock/rules, a rule or an array of them, is parsed and checked the
 * same way, against the users of the tenant it goes to.
 *
 * Each merged item remembers the file and the index it came from (struct
 * origin), so that an error found in the merged document can name the
 * line and column of the file that gave it.
 *
 * A load owns its struct loader: the text of every file until loading
 * ends, the merged collections until they are assembled into the top
 * document, which then goes to the caller. Reading and placing text is
 * scenario_text.c's job, the checks are scenario_check.c's and
 * scenario_fields.c's, and applying a document is scenario_apply.c's.
 */
#ifndef MS_DATADIR
#define MS_DATADIR "/usr/local/share/dm-mockserver"
#endif

#include "scenario_int.h"
#include "text.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const scn_coll_keys[C_COUNT] = {
	"users", "groups", "tokens", "roles", "permissions"
};


/* ---- Loading files ------------------------------------------------------ */

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
		return scn_error_file(ld->err, file, "%s", msg);
	return scn_error_at(ld, from, path, 2, false, 0, "%s", msg);
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
		scn_errno_text(errno, why, sizeof(why));
		return include_error(ld, file, from, idx, "cannot read "
				     "'%s': %s", file, why);
	}
	if (in_chain(ld, real, file, why, sizeof(why))) {
		free(real);
		return include_error(ld, file, from, idx, "include cycle: "
				     "%s", why);
	}
	if (scn_read_text(file, &text, &len, why, sizeof(why))) {
		free(real);
		return include_error(ld, file, from, idx, "cannot read "
				     "'%s': %s", file, why);
	}
	si = add_source(ld, file, real, text, len);
	return si < 0 ? scn_error_file(ld->err, NULL, "out of memory") : si;
}


/*
 * Parse source si: one JSON value and nothing after it, an object, or
 * (rules: the body of POST /__mock/rules) an object or an array. The
 * document, or NULL with the error.
 */
static cJSON *parse_top(struct loader *ld, int si, bool rules)
{
	const struct source *s = &ld->src[si];
	const char *nul = memchr(s->text, '\0', s->len);
	const char *want = rules ? "a rule object or an array of rules"
				 : "a JSON object";
	const char *end = s->text, *why;
	cJSON *doc;
	size_t off, rest, at;

	if (nul) {
		scn_error_at(ld, si, NULL, 0, false, (size_t)(nul - s->text),
			     "invalid JSON: a NUL byte");
		return NULL;
	}
	if (scn_utf8_check(ld, si) < 0)
		return NULL;
	if (scn_skip_ws(s->text, s->len, 0) == s->len) {
		scn_error_at(ld, si, NULL, 0, false, s->len, "empty document; "
			     "expected %s", want);
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(s->text, s->len, &end, 0);
	off = end ? (size_t)(end - s->text) : 0;
	if (!doc) {
		/* What the screen refuses before cJSON stopped comes first:
		 * nesting past 64 levels, say, before cJSON's own 1000. */
		if (ms_json_screen(s->text, off, &why, &at) < 0) {
			scn_error_at(ld, si, NULL, 0, false, at,
				     "invalid JSON: %s", why);
			ld->err->syntax = true;
		} else {
			scn_syntax_error(ld, si, off);
		}
		return NULL;
	}
	rest = scn_skip_ws(s->text, s->len, off);
	/* What cJSON took but HTTP bodies may not hold: a \u0000, which it
	 * cuts a string at ("a\u0000\r\n..." would load as "a"), a raw
	 * control character, nesting past MS_JSON_DEPTH_MAX. */
	if (rest == s->len && ms_json_screen(s->text, s->len, &why, &at) < 0) {
		scn_error_at(ld, si, NULL, 0, false, at, "invalid JSON: %s",
			     why);
		ld->err->syntax = true;
	} else if (rest < s->len)
		scn_error_at(ld, si, NULL, 0, false, rest, "invalid JSON: "
			     "text after the end of the document");
	else if (!cJSON_IsObject(doc) && !(rules && cJSON_IsArray(doc)))
		scn_error_at(ld, si, NULL, 0, false,
			     scn_skip_ws(s->text, s->len, 0), "expected %s at "
			     "the top%s", want, scn_found(doc));
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
							      scn_coll_keys[c]);

		if (!own)
			continue;
		if (!ld->coll[c])
			ld->coll[c] = COLL_IS_OBJECT(c) ? cJSON_CreateObject()
							: cJSON_CreateArray();
		if (!ld->coll[c] || merge_items(ld, (enum coll)c, si, own))
			return scn_error_file(ld->err, NULL, "out of memory");
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
	cJSON *doc = parse_top(ld, si, false);

	if (!doc)
		return NULL;
	if (scn_check_first(ck, si, doc) ||
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
		cJSON_DeleteItemFromObjectCaseSensitive(root, scn_coll_keys[c]);
		cJSON_AddItemToObjectCS(root, scn_coll_keys[c], ld->coll[c]);
	}
	ld->assembled = true;
}


/* Assemble and check the top document: it, or NULL with the error. */
static cJSON *finish(struct loader *ld, struct check *ck, cJSON *root)
{
	if (!root)
		return NULL;
	assemble(ld, root);
	if (scn_check_merged(ck, root)) {
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
	scn_error_start(err, NULL);
	ld = calloc(1, sizeof(*ld));
	if (!ld || !path) {
		free(ld);
		scn_error_file(err, path, ld ? "no file named"
					       : "out of memory");
		return NULL;
	}
	ld->err = err;
	scn_check_init(&ck, ld, false);
	si = open_source(ld, path, -1, 0);
	if (si >= 0)
		doc = finish(ld, &ck, load_source(ld, &ck, si));
	if (doc && default_name(doc, path)) {
		cJSON_Delete(doc);
		doc = NULL;
		scn_error_file(err, NULL, "out of memory");
	}
	scn_check_release(&ck);
	loader_free(ld);
	return doc;
}


/*
 * A loader whose one source is a copy of text, which came from no file.
 * It, or NULL with *err filled in (too long, or out of memory).
 */
static struct loader *body_loader(const char *text, size_t len,
				  struct ms_scenario_error *err)
{
	struct loader *ld;
	char *copy;

	if (!text || len > MS_SCENARIO_MAX_BYTES) {
		scn_error_file(err, NULL, "expected a document of at most %d "
			       "bytes", MS_SCENARIO_MAX_BYTES);
		return NULL;
	}
	ld = calloc(1, sizeof(*ld));
	copy = malloc(len + 1);
	if (!ld || !copy) {
		free(ld);
		free(copy);
		scn_error_file(err, NULL, "out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	ld->err = err;
	if (add_source(ld, "", NULL, copy, len) != 0) {
		loader_free(ld);
		scn_error_file(err, NULL, "out of memory");
		return NULL;
	}
	return ld;
}


/*
 * A document from a request body: a scenario, or (rules) one rule or an
 * array of them, their user references checked against st. NULL with
 * *err when refused.
 */
static cJSON *parse_body(const char *text, size_t len, bool rules,
			 const struct ms_state *st,
			 struct ms_scenario_error *err)
{
	struct loader *ld;
	struct check ck;
	cJSON *doc;

	scn_error_start(err, NULL);
	ld = body_loader(text, len, err);
	if (!ld)
		return NULL;
	scn_check_init(&ck, ld, true);
	if (!rules) {
		doc = finish(ld, &ck, load_source(ld, &ck, 0));
	} else if ((doc = parse_top(ld, 0, true)) != NULL &&
		   scn_check_rules(&ck, doc, st)) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	scn_check_release(&ck);
	loader_free(ld);
	return doc;
}


cJSON *ms_scenario_parse(const char *text, size_t len,
			 struct ms_scenario_error *err)
{
	struct ms_scenario_error spare;

	return parse_body(text, len, false, NULL, err ? err : &spare);
}


/* An array of the checked rules: doc itself, or doc (one rule) as the
 * one item of a new array. NULL with *err, doc freed, out of memory. */
static cJSON *rules_array(cJSON *doc, struct ms_scenario_error *err)
{
	cJSON *arr;

	if (!doc || cJSON_IsArray(doc))
		return doc;
	arr = cJSON_CreateArray();
	if (!arr) {
		cJSON_Delete(doc);
		scn_error_file(err, NULL, "out of memory");
		return NULL;
	}
	cJSON_AddItemToArray(arr, doc);
	return arr;
}


cJSON *ms_scenario_parse_rules(const char *text, size_t len,
			       const struct ms_state *st,
			       struct ms_scenario_error *err)
{
	struct ms_scenario_error spare;

	err = err ? err : &spare;
	return rules_array(parse_body(text, len, true, st, err), err);
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
	/* One line on a terminal, whatever a key or a file name holds. */
	for (char *p = buf; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
}


const char *ms_scenario_default_path(void)
{
	static const char local[] = "scenarios/default.json";

	if (access(local, R_OK) == 0)
		return local;
	return MS_DATADIR "/scenarios/default.json";
}
