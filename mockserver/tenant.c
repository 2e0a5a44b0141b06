/*
 * tenant: see tenant.h.
 */
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "tenant.h"


bool ms_tenant_name_valid(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++) {
		char c = name[n];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return n >= 1 && n <= MS_TENANT_NAME_MAX && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}


static int tenant_cmp(const void *a, const void *b)
{
	const struct ms_tenant *x = a, *y = b;

	return strcmp(x->name, y->name);
}


int ms_registry_init(struct ms_registry *reg, const cJSON *scenario,
		     const struct ms_scenario_opts *opts, size_t max,
		     size_t journal_limit)
{
	struct ms_scenario_error err;
	char msg[1024];

	if (ms_template_init(&reg->template, scenario, opts, &err) < 0) {
		ms_scenario_error_format(&err, msg, sizeof(msg));
		ms_log(MS_LOG_ERROR, "scenario does not apply: %s", msg);
		return -1;
	}
	pthread_rwlock_init(&reg->lock, NULL);
	reg->tree = NULL;
	reg->count = 0;
	reg->max = max;
	reg->journal_limit = journal_limit;
	reg->opts = *opts;
	return 0;
}


/* Build st, a copy of the template, for the tenant called name. */
static int state_build(struct ms_registry *reg, const char *name,
		       struct ms_state *st)
{
	struct ms_scenario_opts opts = reg->opts;

	opts.tenant = name;
	if (ms_template_apply(&reg->template, &opts, st) == 0)
		return 0;
	ms_log(MS_LOG_ERROR, "tenant %s: the scenario could not be copied "
	       "(out of memory, or a drawn id or secret met another)", name);
	return -1;
}


static void tenant_free(struct ms_tenant *t)
{
	ms_state_release(&t->state);
	ms_journal_release(&t->journal);
	pthread_mutex_destroy(&t->journal_lock);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}


static struct ms_tenant *tenant_new(struct ms_registry *reg,
				    const char *name)
{
	struct ms_tenant *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	strcpy(t->name, name);
	if (ms_journal_init(&t->journal, reg->journal_limit) < 0) {
		free(t);
		return NULL;
	}
	if (state_build(reg, name, &t->state) < 0) {
		ms_journal_release(&t->journal);
		free(t);
		return NULL;
	}
	pthread_rwlock_init(&t->lock, NULL);
	pthread_mutex_init(&t->journal_lock, NULL);
	return t;
}


/* The tenant called name, or NULL. Call with the registry lock held. */
static struct ms_tenant *find(struct ms_registry *reg, const char *name)
{
	struct ms_tenant key;
	void *slot;

	strcpy(key.name, name);
	slot = tfind(&key, &reg->tree, tenant_cmp);
	return slot ? *(struct ms_tenant **)slot : NULL;
}


static void ref(struct ms_tenant *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}


/* Find or create, with the registry lock held for writing. */
static enum ms_acquire acquire_locked(struct ms_registry *reg,
				      const char *name, bool create,
				      struct ms_tenant **out)
{
	struct ms_tenant *t = find(reg, name);

	if (t) {
		ref(t);
		*out = t;
		return MS_ACQUIRE_OK;
	}
	if (!create)
		return MS_ACQUIRE_ABSENT;
	if (reg->count >= reg->max)
		return MS_ACQUIRE_FULL;
	t = tenant_new(reg, name);
	if (!t || !tsearch(t, &reg->tree, tenant_cmp)) {
		if (t)
			tenant_free(t);
		return MS_ACQUIRE_FAILED;
	}
	t->refs = 2;             /* the tree's and the caller's */
	reg->count++;
	ms_log(MS_LOG_DEBUG, "tenant %s created (%zu in all)", name,
	       reg->count);
	*out = t;
	return MS_ACQUIRE_OK;
}


enum ms_acquire ms_registry_acquire(struct ms_registry *reg,
				    const char *name, bool create,
				    struct ms_tenant **out)
{
	enum ms_acquire rc;
	struct ms_tenant *t;

	if (!ms_tenant_name_valid(name))
		return MS_ACQUIRE_ABSENT;
	/* Most requests find their tenant: they share the lock. */
	pthread_rwlock_rdlock(&reg->lock);
	t = find(reg, name);
	if (t)
		ref(t);
	pthread_rwlock_unlock(&reg->lock);
	if (t) {
		*out = t;
		return MS_ACQUIRE_OK;
	}
	pthread_rwlock_wrlock(&reg->lock);
	rc = acquire_locked(reg, name, create, out);
	pthread_rwlock_unlock(&reg->lock);
	return rc;
}


void ms_registry_put(struct ms_registry *reg, struct ms_tenant *t)
{
	(void)reg;
	/* The last reference: the tenant has left the tree, and no request
	 * holds it any more. The release pairs with the other puts. */
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		tenant_free(t);
}


int ms_registry_drop(struct ms_registry *reg, const char *name)
{
	struct ms_tenant *t;

	if (!ms_tenant_name_valid(name))
		return -1;
	pthread_rwlock_wrlock(&reg->lock);
	t = find(reg, name);
	if (t) {
		tdelete(t, &reg->tree, tenant_cmp);
		reg->count--;
	}
	pthread_rwlock_unlock(&reg->lock);
	if (!t)
		return -1;
	ms_registry_put(reg, t);      /* the tree's reference */
	return 0;
}


size_t ms_registry_count(struct ms_registry *reg)
{
	size_t n;

	pthread_rwlock_rdlock(&reg->lock);
	n = reg->count;
	pthread_rwlock_unlock(&reg->lock);
	return n;
}


static void tenant_free_node(void *p)
{
	tenant_free(p);
}


void ms_registry_release(struct ms_registry *reg)
{
	tdestroy(reg->tree, tenant_free_node);
	reg->tree = NULL;
	reg->count = 0;
	ms_template_release(&reg->template);
	pthread_rwlock_destroy(&reg->lock);
}


int ms_tenant_reset(struct ms_registry *reg, struct ms_tenant *t)
{
	struct ms_state fresh;

	if (state_build(reg, t->name, &fresh) < 0)
		return -1;
	ms_state_release(&t->state);
	t->state = fresh;
	pthread_mutex_lock(&t->journal_lock);
	ms_journal_clear(&t->journal);
	t->journal.next_seq = 1;
	pthread_mutex_unlock(&t->journal_lock);
	return 0;
}
