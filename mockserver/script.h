/*
 * script: a tenant's scripted behaviour (SPEC.md section 6).
 *
 * Rules answer, delay or break requests before any other check, in the
 * order they were given; events change the tenant's state once, when a
 * number of matching requests has been seen or the virtual clock passes a
 * time. This module holds them, matches requests against them and counts;
 * it takes JSON that the scenario checks already accepted (scenario.h)
 * and turns it back into JSON. What an event does to the state is in
 * events.c. The owning tenant's lock guards everything here.
 */
#ifndef MS_SCRIPT_H
#define MS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "mstime.h"
#include "rng.h"

#define MS_RULE_DELAY_MAX_MS 60000  /* the longest "delay" a rule may ask */

/* What a rule or event looks at; a NULL member matches anything. */
struct ms_match {
	char *method;        /* exact, upper case */
	char *path;          /* glob: * within a segment, ** any segments */
	char *token;         /* label of the token presented */
	char *user;          /* account id of the caller */
};

/* A request as rules and events see it. */
struct ms_subject {
	const char *method;
	const char *path;          /* without the tenant prefix */
	const char *token_label;   /* NULL when no known token came */
	const char *token_id;      /* that token's id, or NULL */
	const char *user;          /* NULL when nobody could be named */
};

enum ms_fault {
	MS_FAULT_NONE,
	MS_FAULT_RESET,
	MS_FAULT_TRUNCATE,
	MS_FAULT_STALL,
	MS_FAULT_EMPTY
};

struct ms_rule {
	char *name;
	struct ms_match match;
	uint64_t after;          /* skip the first N matching requests */
	uint64_t times;          /* act at most K times; 0: no limit */
	double probability;      /* act with this chance; 1 by default */
	bool responds;
	int status;
	cJSON *headers;          /* {"Name": "value"}, or NULL */
	cJSON *body;             /* any JSON, or NULL */
	int64_t delay_ms;        /* 0: none */
	enum ms_fault fault;
	uint64_t matched;        /* requests that matched so far */
	uint64_t acted;          /* times it answered, delayed or broke */
};

enum ms_trigger {
	MS_TRIGGER_REQUESTS,     /* "afterRequests": N matching requests */
	MS_TRIGGER_AT            /* "at": a virtual time */
};

struct ms_event {
	char *name;
	enum ms_trigger trigger;
	uint64_t requests;       /* N, for MS_TRIGGER_REQUESTS */
	struct ms_match match;   /* which requests count */
	ms_time_t at;            /* for MS_TRIGGER_AT */
	cJSON *actions;          /* the checked "do" array, owned */
	uint64_t matched;
	bool fired;
};

struct ms_script {
	struct ms_rule *rules;
	size_t nrules, rules_cap;
	struct ms_event *events;
	size_t nevents, events_cap;
};

/* What the rules decided for one request. */
struct ms_verdict {
	const struct ms_rule *answer;  /* the rule that responds or breaks */
	const char *rule_name;         /* the last rule that acted, or NULL */
	int64_t delay_ms;              /* sum of the delays of acting rules */
};

/* "reset", "truncate", "stall" or "empty"; NULL for MS_FAULT_NONE. */
const char *ms_fault_name(enum ms_fault f);

void ms_script_init(struct ms_script *s);
void ms_script_release(struct ms_script *s);

/* Does the glob pattern match the whole path? "*" matches within one
 * segment, "**" any number of segments. In time the product of the two
 * segment counts; a pattern of more than MS_GLOB_SEGMENTS_MAX segments
 * (the scenario checks refuse them) or a path of more than 8192 matches
 * nothing. */
#define MS_GLOB_SEGMENTS_MAX 64
bool ms_glob_match(const char *pattern, const char *path);
bool ms_match_fits(const struct ms_match *m, const struct ms_subject *subj);

/*
 * Fill *m from a checked match object j: its string members method, path,
 * token and user, copied (a member that is absent or not a string stays
 * NULL; other keys are ignored). j NULL gives an empty match. Returns 0,
 * or -1 out of memory with m empty. m need not be initialized; release
 * it with ms_match_release().
 */
int ms_match_from_json(const cJSON *j, struct ms_match *m);
/* Free what m owns and leave it empty (matching anything). */
void ms_match_release(struct ms_match *m);
/* Make dst (not initialized) a copy of src. 0, or -1 out of memory with
 * dst empty. */
int ms_match_copy(struct ms_match *dst, const struct ms_match *src);
/* Add m's non-NULL members to the object o (borrowed), each that can be.
 * 0, or -1 when one could not be (out of memory, or o NULL). */
int ms_match_to_json(cJSON *o, const struct ms_match *m);

/*
 * Build a rule from JSON the scenario checks accepted: {"name", "match",
 * "respond", "delay", "fault"}. Returns 0, or -1 on allocation failure
 * or JSON that skipped the checks (nothing to free then).
 */
int ms_rule_from_json(const cJSON *j, struct ms_rule *out);
/* The rule as loadable JSON; with its counters when counters. */
cJSON *ms_rule_to_json(const struct ms_rule *r, bool counters);
void ms_rule_release(struct ms_rule *r);

/* Build an event from checked JSON {"name", "on", "do"}; 0 or -1. */
int ms_event_from_json(const cJSON *j, struct ms_event *out);
cJSON *ms_event_to_json(const struct ms_event *e, bool counters);
void ms_event_release(struct ms_event *e);

/* Append a rule (ownership taken), or replace the one of the same name in
 * place, counters cleared. Returns 0, or -1 (rule still the caller's). */
int ms_script_put_rule(struct ms_script *s, struct ms_rule *r);
/* Remove the rule of that name: 0, or -1 when there is none. */
int ms_script_remove_rule(struct ms_script *s, const char *name);
void ms_script_clear_rules(struct ms_script *s);
int ms_script_add_event(struct ms_script *s, struct ms_event *e);

/* Make dst (not initialized) a deep copy of src, counters included: the
 * two share nothing. 0, or -1 out of memory (dst released). */
int ms_script_copy(struct ms_script *dst, const struct ms_script *src);

/*
 * Run the rules, in order, for one request: count the matches, and let
 * each rule whose after/times/probability allow act. Delays add up; the
 * first rule that responds or breaks the connection ends the search.
 */
void ms_script_judge(struct ms_script *s, const struct ms_subject *subj,
		     struct ms_rng *rng, struct ms_verdict *out);

#endif /* MS_SCRIPT_H */
