/*
 * scenario: scenario files in, tenant state out, and back.
 *
 * A scenario is one JSON file (SPEC.md section 6) that may include
 * fixture files. Loading reads the file and its includes, checks every
 * key, and keeps the merged document; applying builds a fresh tenant
 * state from that document, which is how a tenant is created and reset.
 * Errors name the file, line and column, the key path ("users[2].email")
 * and what was expected.
 *
 * Loading reads files and is for start-up and `check`; applying touches
 * no file. A tenant is made and reset from a template (below): the
 * document applied once, then copied.
 */
#ifndef MS_SCENARIO_H
#define MS_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "state.h"

#define MS_SCENARIO_MAX_BYTES (16 * 1024 * 1024)
#define MS_INCLUDE_DEPTH_MAX 8

struct ms_scenario_error {
	char file[512];       /* "" when the document came from no file */
	int line, column;     /* 1-based; 0 when unknown */
	char path[256];       /* key path, "" for the whole document */
	char message[512];    /* what was expected or went wrong */
	bool syntax;          /* the text is not JSON at all */
};

struct ms_scenario_opts {
	bool seeded;          /* --seed given */
	uint64_t seed;
	const char *tenant;   /* names the tenant's random stream */
};

/*
 * Read, parse, merge the includes of and check the scenario at path.
 * Returns the merged document (the caller owns it), or NULL with *err
 * filled in.
 */
cJSON *ms_scenario_load(const char *path, struct ms_scenario_error *err);

/*
 * Check a document that came from no file (PUT /__mock/state): the same
 * checks as loading, includes refused. text is the raw body, for line and
 * column. Returns the document (caller owns) or NULL with *err.
 */
cJSON *ms_scenario_parse(const char *text, size_t len,
			 struct ms_scenario_error *err);

/*
 * Check the body of POST /__mock/rules: one rule object or an array of
 * them, each checked as an item of a scenario's "rules", names unique in
 * the body, "user" naming one of st's users (st: the tenant's state, read
 * only, under the caller's lock; NULL: no users). Returns an array of the
 * rules (the caller owns it; one rule comes as an array of one), or NULL
 * with *err: line and column in text, a path like "[1].match.after"
 * (array) or "match.after" (one rule), no file.
 */
cJSON *ms_scenario_parse_rules(const char *text, size_t len,
			       const struct ms_state *st,
			       struct ms_scenario_error *err);

/*
 * Fill st, which must come fresh from ms_state_init(), from a document
 * that loading or parsing accepted. Returns 0, or -1 with *err (only on
 * allocation failure or a document that skipped the checks).
 */
int ms_scenario_apply(const cJSON *doc, struct ms_state *st,
		      const struct ms_scenario_opts *opts,
		      struct ms_scenario_error *err);

/* The state as a loadable scenario document, secrets included; rules
 * and events without their counters, so events fire again once loaded. */
cJSON *ms_scenario_from_state(const struct ms_state *st);

/*
 * A template: a scenario applied once, for no tenant in particular, and
 * what differs in each tenant's copy of it: the secrets and ids the
 * document does not give (drawn from the tenant's random stream), and,
 * for a clock that starts "now", the clock and the times that follow its
 * start. Copying it (ms_template_apply) is how a tenant is made and
 * reset; it gives the state ms_scenario_apply would, without reading the
 * document again.
 *
 * A template is built before serving and only read after, so threads
 * may copy it at once without a lock. Its state is never served.
 */
struct ms_template {
	struct ms_state state;      /* applied with opts.tenant NULL */
	bool clock_now;             /* the clock starts at each copy's time */
	bool initialized_at_start;  /* initializedAt is the clock's start */
	unsigned char *token_plan;  /* per token: what each copy redoes */
};

/* Build tpl from a document that loading or parsing accepted. Returns 0,
 * or -1 with *err (as ms_scenario_apply fails) and tpl empty. */
int ms_template_init(struct ms_template *tpl, const cJSON *doc,
		     const struct ms_scenario_opts *opts,
		     struct ms_scenario_error *err);
void ms_template_release(struct ms_template *tpl);

/*
 * Make st (not initialized) what ms_scenario_apply(doc, st, opts) gives:
 * the same ids, secrets and random stream for a seeded tenant, the same
 * times, rules, events and expectations. Returns 0, or -1 (st released)
 * out of memory or when a drawn id or secret meets one the document
 * gives.
 */
int ms_template_apply(const struct ms_template *tpl,
		      const struct ms_scenario_opts *opts,
		      struct ms_state *st);

/* "file:line:column: path: message" into buf, one line: control
 * characters become '?'. */
void ms_scenario_error_format(const struct ms_scenario_error *err,
			      char *buf, size_t len);

/* Where the default scenario is: scenarios/default.json when it is
 * there (a checkout), else the installed copy under MS_DATADIR. */
const char *ms_scenario_default_path(void);

#endif /* MS_SCENARIO_H */
