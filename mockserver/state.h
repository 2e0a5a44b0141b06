/*
 * state: one tenant's Data Manager, as the scenario left it and requests
 * changed it.
 *
 * It holds the site (initialized or not, by whom, the workspace id), the
 * people (users and groups), the roles and who holds them, the permission
 * matrix (action to role keys), the expiry options, the tokens and the
 * virtual clock. It answers the domain questions: who is this, what may
 * they do, what tokens are there. It knows nothing of HTTP or civetweb,
 * and keeps no lock: the tenant that owns it serialises access.
 *
 * Every string and array in it is owned by it and freed by
 * ms_state_release(). The scenario loader (scenario.h) fills it.
 */
#ifndef MS_STATE_H
#define MS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "mstime.h"
#include "ratelimit.h"
#include "rng.h"
#include "script.h"
#include "token.h"
#include "vclock.h"

/* The pseudo role that every Jira admin holds, usable in "permissions". */
#define MS_ROLE_JIRA_ADMIN "JIRA_ADMIN"

#define MS_EXPIRY_OPTIONS_MAX 16

struct ms_strv {                  /* a growable, owned array of strings */
	char **v;
	size_t n, cap;
};

struct ms_user {
	char *account_id;
	char *display_name;
	char *email;
	char *api_token;          /* secret: never logged */
	bool jira_admin;
	bool assets_visible;
};

struct ms_group {
	char *name;
	struct ms_strv members;   /* account ids */
	bool assets_visible;
};

struct ms_role {
	char *key;                /* "ADAPTERS_ADMIN" */
	char *name;               /* "Adapters admin" */
	struct ms_strv users;     /* account ids */
	struct ms_strv groups;    /* group names */
};

struct ms_permission {
	char *action;             /* "tokens.generate" */
	struct ms_strv roles;     /* role keys, MS_ROLE_JIRA_ADMIN included */
};

struct ms_state {
	char *scenario_name;
	struct vclock clock;
	bool initialized;
	ms_time_t initialized_at;   /* MS_NEVER when never */
	char *initialized_by;       /* account id, or NULL */
	char *workspace_id;

	struct ms_user *users;
	size_t nusers;
	struct ms_group *groups;
	size_t ngroups;
	struct ms_role *roles;
	size_t nroles;
	struct ms_permission *perms;
	size_t nperms;

	struct ms_strv expiry_options;  /* ISO-8601 periods, in order */
	char *default_expiry;

	struct ms_token_store tokens;
	struct ms_rng rng;
	struct ms_script script;          /* rules and events */
	struct ms_rate_limit rate_limit;  /* "rateLimit"; off when absent */
	cJSON *expect;                    /* the checked "expect", or NULL */
};

/* Empty state: nothing initialized, no people, the default roles and
 * permission matrix of SPEC section 3, expiry options P1M P3M P6M P1Y
 * with P3M the default, the clock running from the wall clock. */
void ms_state_init(struct ms_state *st);
void ms_state_release(struct ms_state *st);

/*
 * Make dst (not initialized) a deep copy of src: every string, array and
 * JSON tree its own, so that changing either leaves the other as it was.
 * The tokens are copied by ms_token_store_copy, which passes each copy to
 * fill (when not NULL) with arg; retired secrets are not copied. The
 * clock and the random stream are copied as ms_rng_copy does; the rate
 * limit starts with no request counted. Returns 0, or -1 (dst released)
 * out of memory or when the token copy fails.
 */
int ms_state_copy(struct ms_state *dst, const struct ms_state *src,
		  ms_token_fill_fn *fill, void *arg);

/* String vectors. push copies s; returns 0 or -1 on allocation failure. */
int ms_strv_push(struct ms_strv *v, const char *s);
bool ms_strv_has(const struct ms_strv *v, const char *s);
void ms_strv_clear(struct ms_strv *v);
/* Make dst (not initialized) a copy of src. 0, or -1 (dst cleared). */
int ms_strv_copy(struct ms_strv *dst, const struct ms_strv *src);
/* A JSON array of the strings, [] when there are none. */
cJSON *ms_strv_json(const struct ms_strv *v);

/* Lookups; NULL when absent. */
struct ms_user *ms_state_user(const struct ms_state *st,
			      const char *account_id);
struct ms_user *ms_state_user_by_email(const struct ms_state *st,
				       const char *email);
struct ms_group *ms_state_group(const struct ms_state *st,
				const char *name);
struct ms_role *ms_state_role(const struct ms_state *st, const char *key);
struct ms_permission *ms_state_permission(const struct ms_state *st,
					  const char *action);

/* Add a role with no holders, or return the existing one. */
struct ms_role *ms_state_role_add(struct ms_state *st, const char *key,
				  const char *name);
/* Replace the roles granted an action (creating the row). */
int ms_state_permission_set(struct ms_state *st, const char *action,
			    const struct ms_strv *roles);

/* Does the user hold the role, directly or through a group? The pseudo
 * role MS_ROLE_JIRA_ADMIN is held by Jira admins. */
bool ms_state_user_has_role(const struct ms_state *st,
			    const struct ms_user *u, const char *role);
/* May the user perform the action under the permission matrix? */
bool ms_state_user_may(const struct ms_state *st, const struct ms_user *u,
		       const char *action);

/* Arrays of the role keys the user holds and the actions granted. */
cJSON *ms_state_user_roles_json(const struct ms_state *st,
				const struct ms_user *u);
cJSON *ms_state_user_permissions_json(const struct ms_state *st,
				      const struct ms_user *u);
/* {"role","name","users":[...],"groups":[...]} */
cJSON *ms_state_role_json(const struct ms_role *r);

bool ms_state_expiry_allowed(const struct ms_state *st, const char *period);

/*
 * Mint a token of type with label (already checked) and expiry (an
 * allowed period) for the user (may be NULL). Returns the token, owned by
 * the store, or NULL on allocation failure.
 */
struct ms_token *ms_state_token_create(struct ms_state *st,
				       const char *label,
				       enum ms_token_type type,
				       const char *expiry,
				       const char *created_by);

/* New secret and new expiresAt (from now, same expiry) for tok. */
int ms_state_token_regenerate(struct ms_state *st, struct ms_token *tok);

#endif /* MS_STATE_H */
