/*
 * tenant: isolated copies of the loaded scenario, one per test.
 *
 * The registry holds the scenario as a template (scenario.h: applied
 * once, before serving) and the tenants, found by name in a libc search
 * tree. A tenant is a copy of the template made on first use, up to a
 * limit (--max-tenants), and is reference-counted (atomically): the tree
 * holds one reference, and each request that acquires it another, until
 * it lets go; a dropped tenant leaves the tree and is freed when the
 * last request lets go. A reset copies the template again.
 *
 * Locks: the registry lock (shared to find, exclusive to create or drop)
 * guards the tree and the count; a tenant's lock guards its state
 * (shared by requests that only read it, see dispatch.c), and its
 * journal lock its journal, so that recording a request never waits for
 * another being served. A thread holding a tenant lock may take the
 * journal lock, never the other way round; neither is held when taking
 * the registry lock. So no two can deadlock. The template and the
 * options are only read once serving: copying the template needs no
 * lock of its own.
 */
#ifndef MS_TENANT_H
#define MS_TENANT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "journal.h"
#include "scenario.h"
#include "state.h"

#define MS_TENANT_NAME_MAX 64
#define MS_TENANT_DEFAULT "default"
#define MS_TENANTS_DEFAULT_MAX 1024

struct ms_tenant {
	char name[MS_TENANT_NAME_MAX + 1];
	pthread_rwlock_t lock;
	struct ms_state state;
	pthread_mutex_t journal_lock;
	struct ms_journal journal;
	unsigned refs;    /* __atomic builtins */
};

struct ms_registry {
	pthread_rwlock_t lock;
	void *tree;
	size_t count;
	size_t max;
	size_t journal_limit;
	struct ms_template template;    /* read-only once serving */
	struct ms_scenario_opts opts;   /* opts.tenant is set per tenant */
};

enum ms_acquire {
	MS_ACQUIRE_OK,
	MS_ACQUIRE_ABSENT,   /* no such tenant and create was false */
	MS_ACQUIRE_FULL,     /* the limit is reached */
	MS_ACQUIRE_FAILED    /* out of memory, or the copy failed */
};

/* Does name match [A-Za-z0-9._-]{1,64}? */
bool ms_tenant_name_valid(const char *name);

/* Build the template from the scenario (a checked document; the caller
 * keeps it). Returns 0, or -1 (logged, nothing to release) when it does
 * not apply. */
int ms_registry_init(struct ms_registry *reg, const cJSON *scenario,
		     const struct ms_scenario_opts *opts, size_t max,
		     size_t journal_limit);
/* Frees every tenant; no request may be in flight. */
void ms_registry_release(struct ms_registry *reg);

/* Find (or create, when create) the tenant and take a reference. */
enum ms_acquire ms_registry_acquire(struct ms_registry *reg,
				    const char *name, bool create,
				    struct ms_tenant **out);
void ms_registry_put(struct ms_registry *reg, struct ms_tenant *t);

/* Unlink the tenant; it is freed once no request holds it. Returns 0, or
 * -1 when there is no such tenant. */
int ms_registry_drop(struct ms_registry *reg, const char *name);

size_t ms_registry_count(struct ms_registry *reg);

/* Back to the scenario: state, clock, journal, as a fresh copy of the
 * template. Call with t->lock held for writing (the journal lock is
 * taken here). Returns 0, or -1 (state unchanged) when the copy fails. */
int ms_tenant_reset(struct ms_registry *reg, struct ms_tenant *t);

#endif /* MS_TENANT_H */
