/*
 * scenario_int: what the scenario modules share, and nothing else. This
 * is not part of the public API: only mockserver/scenario*.c include it;
 * everyone else uses scenario.h.
 *
 * The modules, each for one job:
 *   scenario.c         loading: files and includes, merging, origins,
 *                      the entry points of scenario.h but apply and dump
 *   scenario_text.c    the raw text: reading a file, finding where a key
 *                      path sits in it, explaining syntax faults, and the
 *                      errors that name a file, line and column
 *   scenario_check.c   the machinery of the checks: the key path, shapes
 *                      of objects, indexes, uniqueness, the entry points
 *   scenario_fields.c  what a scenario may say: the v_* value checks and
 *                      the field table of every part
 *   scenario_script.c  what its rules and events may say, and the body
 *                      of POST /__mock/rules
 *   scenario_expect.c  what its rateLimit and expect may say
 *   scenario_apply.c   a checked document into a tenant state, and back
 *   scenario_template.c  a document applied once, copied into tenants
 *
 * Ownership: a load owns one struct loader (the sources' text, the merged
 * collections until they are assembled into the document, their origins)
 * and one struct check (its indexes and a scratch state of the built-in
 * roles and actions). Indexes borrow their keys from the documents. Every
 * error lands in the one struct ms_scenario_error the loader points at.
 */
#ifndef MS_SCENARIO_INT_H
#define MS_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "scenario.h"

#define SOURCES_MAX 256     /* files in one load, every include counted */
#define PATH_DEPTH 8        /* steps of the deepest key path we name */

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* The collections that includes merge, in the order they are kept. */
enum coll { C_USERS, C_GROUPS, C_TOKENS, C_ROLES, C_PERMS, C_COUNT };
extern const char *const scn_coll_keys[C_COUNT];   /* their keys */
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

/* Sorted keys, for uniqueness and cross references. */
struct entry {
	const char *key;     /* borrowed from the document */
	size_t pos;          /* where it was found */
};

struct index {
	struct entry *e;
	size_t n, cap;
};

/* The context of a check: where it is, and what references may name. */
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

/* Check the value v at the current path: 0, or -1 with the error. */
typedef int (*value_fn)(struct check *ck, const cJSON *v);

/* One key an object may give, and how its value is checked. */
struct field {
	const char *key;
	value_fn fn;          /* on the merged document; NULL: any value */
	value_fn first;       /* on a file's first look; NULL: any value */
	bool required;
};

/* The keys of one kind of object. */
struct shape {
	const struct field *f;
	size_t n;
	value_fn post;        /* checks across keys, or NULL */
};

/* A shape from a constant array of fields. */
#define SHAPE(fields, post) \
	{ (fields), sizeof(fields) / sizeof((fields)[0]), (post) }

/* The number of elements of a constant array. */
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))


/* ---- scenario_text.c: the raw text, and errors placed in it ------------- */

/* Past the white space (as cJSON skips it) at t[i], never past len. */
size_t scn_skip_ws(const char *t, size_t len, size_t i);

/*
 * Offset in t (len bytes) of the value at the end of the n-step key path
 * (of the last key itself when at_key), or of the deepest value along it
 * that exists. Never fails: text that is not JSON stops the walk early.
 */
size_t scn_locate(const char *t, size_t len, const struct step *path,
		  int n, bool at_key);

/* 1-based line and column (in characters, not bytes) of offset off. */
void scn_line_column(const char *t, size_t len, size_t off, int *line,
		     int *column);

/* "users[2].email" from an n-step key path into buf, cut to fit len. */
void scn_path_format(const struct step *path, int n, char *buf,
		     size_t len);

/* Clear *err and name file (NULL: no file) in it; no position yet. */
void scn_error_start(struct ms_scenario_error *err, const char *file);

/*
 * Fill ld->err for the value at the n-step path in source src (for its
 * last key when at_key), or at byte offset off when path is NULL: file,
 * line, column, path and the formatted message. Returns -1.
 */
int scn_error_at(struct loader *ld, int src, const struct step *path,
		 int n, bool at_key, size_t off, const char *fmt, ...)
	PRINTF_LIKE(7, 8);

/* Fill *err with an error about a whole file, or (file NULL) about no
 * file at all, no position. Returns -1. */
int scn_error_file(struct ms_scenario_error *err, const char *file,
		   const char *fmt, ...) PRINTF_LIKE(3, 4);

/* errno e as text into buf (len bytes), thread-safe. */
void scn_errno_text(int e, char *buf, size_t len);

/*
 * Read all of file, at most MS_SCENARIO_MAX_BYTES, into *text
 * (NUL-terminated; the caller frees) and its length into *len. Returns
 * 0, or -1 with the reason in why (whylen bytes) and nothing to free.
 */
int scn_read_text(const char *file, char **text, size_t *len, char *why,
		  size_t whylen);

/* Refuse source si unless all of it is valid UTF-8: 0, or -1 with the
 * error at its first bad byte (a syntax fault). */
int scn_utf8_check(struct loader *ld, int si);

/* Report the syntax fault of source si, which cJSON refused: the first
 * fault a scan names, else where cJSON stopped (off). Returns -1. */
int scn_syntax_error(struct loader *ld, int si, size_t off);


/* ---- scenario_check.c: the machinery of the checks ---------------------- */

#define UNIQUE_NOCASE 1   /* compare without regard to case */
#define UNIQUE_SECRET 2   /* never repeat the value in the message */

/* Descend into element index of the array at the current path; every
 * push is undone by one scn_pop(). */
void scn_push_index(struct check *ck, int index);
void scn_pop(struct check *ck);

/*
 * Report an error at the current path (plus key, when not NULL), placed
 * in the file the value came from. Returns -1, for the caller to pass on.
 */
int scn_fail_key(struct check *ck, const char *key, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

#define scn_fail(ck, ...) scn_fail_key((ck), NULL, __VA_ARGS__)

/* ", found a number": what a value of the wrong type was (static text). */
const char *scn_found(const cJSON *v);

/* After the indexes are built: does ck->users, groups or roles (ix)
 * hold key? */
bool scn_index_has(const struct index *ix, const char *key);

/* "a, b, c": the keys of a shape, for messages, cut to fit len. */
void scn_shape_keys(const struct shape *sh, char *buf, size_t len);

/* Refuse an object that gives one key twice. 0, or -1 with the error. */
int scn_check_dup_keys(struct check *ck, const cJSON *obj);

/*
 * Check an object against a shape: no key twice, no unknown key, every
 * required key present, every value as its field wants (fn once merged,
 * first on a first look), then, once merged, the checks across keys.
 * 0, or -1 with the error reported.
 */
int scn_check_object(struct check *ck, const cJSON *obj,
		     const struct shape *sh);

/* Run fn on each element of an array (or member of an object, no key
 * twice), its index (key) on the path. 0, or -1 with the error. */
int scn_each_element(struct check *ck, const cJSON *arr, value_fn fn);
int scn_each_member(struct check *ck, const cJSON *obj, value_fn fn);

/*
 * Refuse two items of the array arr at the current path (a collection)
 * with the same string under key; flags are UNIQUE_* bits. 0, or -1 with
 * the error, which names where the first of the two came from.
 */
int scn_check_unique(struct check *ck, const cJSON *arr, const char *key,
		     int flags);

/* A check context over ld's sources (body: the text came from no file).
 * Release it with scn_check_release(), whatever the checks returned. */
void scn_check_init(struct check *ck, struct loader *ld, bool body);
void scn_check_release(struct check *ck);

/* The first look at source si's own document: what merging needs (its
 * keys, includes, collection types). 0, or -1 with the error. */
int scn_check_first(struct check *ck, int si, const cJSON *doc);

/* Check the merged document as a whole, cross references and uniqueness
 * included. 0, or -1 with the error. */
int scn_check_merged(struct check *ck, const cJSON *doc);

/*
 * Check the body of POST /__mock/rules (source 0): one rule object or an
 * array of them, names unique, "user" naming one of st's users (st may be
 * NULL: no users). 0, or -1 with the error.
 */
int scn_check_rules(struct check *ck, const cJSON *body,
		    const struct ms_state *st);


/* ---- scenario_fields.c: what a scenario may say ------------------------- */

extern const struct shape scn_root_shape;     /* a scenario's top */
extern const struct shape scn_fixture_shape;  /* an included fixture's */

/* Value checks that the rules and events share (value_fn). */
int scn_v_text(struct check *ck, const cJSON *v);      /* non-empty */
int scn_v_bool(struct check *ck, const cJSON *v);
int scn_v_time(struct check *ck, const cJSON *v);      /* ms_time_parse */
int scn_v_period(struct check *ck, const cJSON *v);    /* zero allowed */
int scn_v_user_ref(struct check *ck, const cJSON *v);  /* a defined user */
int scn_v_group_ref(struct check *ck, const cJSON *v); /* a defined group */
/* A role that can be given holders: built in or defined in roles. */
int scn_v_role_key(struct check *ck, const cJSON *v);


/* ---- scenario_script.c: what rules and events may say ------------------- */

/*
 * The largest count a scenario may give (after, times, afterRequests, a
 * rate limit, an expectation's min and max): a double holds it exactly,
 * and a uint64_t takes it without a cast that could overflow.
 */
#define COUNT_MAX 1000000000

/* Does obj give key (case-sensitive)? */
bool scn_has(const cJSON *obj, const char *key);

/* Is s one of the n strings of v? */
bool scn_listed(const char *const *v, size_t n, const char *s);

/* "a, b, c" from the n strings of v into buf, cut to fit len (> 0). */
void scn_join(const char *const *v, size_t n, char *buf, size_t len);

/*
 * Check that v is a whole number from lo to hi; what says what it counts
 * ("an HTTP status"), for the message. 0, or -1 with the error reported.
 */
int scn_whole_in(struct check *ck, const cJSON *v, double lo, double hi,
		 const char *what);

/* Is s an RFC 9110 token, what a header name may be made of? */
bool scn_header_name_ok(const char *s);
bool scn_header_value_ok(const char *s);  /* no control but the tab */
/* scn_v_text, then scn_header_value_ok, refused with msg. */
int scn_v_header_text(struct check *ck, const cJSON *v, const char *msg);

/* Value checks that rules, events, rateLimit and expect share (value_fn). */
int scn_v_status(struct check *ck, const cJSON *v);  /* 100 to 599 */
int scn_v_method(struct check *ck, const cJSON *v);  /* GET, POST, ... */
int scn_v_glob(struct check *ck, const cJSON *v);    /* a path pattern */
/* A match that counts every request it fits: method, path, token, user
 * (an event's, a rate limit's); no after, times or probability. */
int scn_v_count_match(struct check *ck, const cJSON *v);

/* One rule object; an array of them, names unique; the events. */
int scn_v_rule(struct check *ck, const cJSON *v);
int scn_v_rules(struct check *ck, const cJSON *v);
int scn_v_events(struct check *ck, const cJSON *v);


/* ---- scenario_expect.c: what rateLimit and expect may say --------------- */

/* The rateLimit object; the expect array, names unique. */
int scn_v_rate_limit(struct check *ck, const cJSON *v);
int scn_v_expect(struct check *ck, const cJSON *v);

#endif /* MS_SCENARIO_INT_H */
