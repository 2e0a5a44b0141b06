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
	pthread_mutex_init(&reg->lock, NULL);
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
	pthread_mutex_destroy(&t->lock);
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
	pthread_mutex_init(&t->lock, NULL);
	return t;
}


/* With the registry lock held: find or create. */
static enum ms_acquire acquire_locked(struct ms_registry *reg,
				      const char *name, bool create,
				      struct ms_tenant **out)
{
	struct ms_tenant key, *t;
	void *slot;

	strcpy(key.name, name);
	slot = tfind(&key, &reg->tree, tenant_cmp);
	if (slot) {
		*out = *(struct ms_tenant **)slot;
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

	if (!ms_tenant_name_valid(name))
		return MS_ACQUIRE_ABSENT;
	pthread_mutex_lock(&reg->lock);
	rc = acquire_locked(reg, name, create, out);
	if (rc == MS_ACQUIRE_OK)
		(*out)->refs++;
	pthread_mutex_unlock(&reg->lock);
	return rc;
}


void ms_registry_put(struct ms_registry *reg, struct ms_tenant *t)
{
	bool gone;

	pthread_mutex_lock(&reg->lock);
	t->refs--;
	gone = t->dropped && t->refs == 0;
	pthread_mutex_unlock(&reg->lock);
	if (gone)
		tenant_free(t);
}


int ms_registry_drop(struct ms_registry *reg, const char *name)
{
	struct ms_tenant key, *t;
	void *slot;
	bool gone;

	if (!ms_tenant_name_valid(name))
		return -1;
	strcpy(key.name, name);
	pthread_mutex_lock(&reg->lock);
	slot = tfind(&key, &reg->tree, tenant_cmp);
	if (!slot) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	t = *(struct ms_tenant **)slot;
	tdelete(t, &reg->tree, tenant_cmp);
	reg->count--;
	t->dropped = true;
	gone = t->refs == 0;
	pthread_mutex_unlock(&reg->lock);
	if (gone)
		tenant_free(t);
	return 0;
}


size_t ms_registry_count(struct ms_registry *reg)
{
	size_t n;

	pthread_mutex_lock(&reg->lock);
	n = reg->count;
	pthread_mutex_unlock(&reg->lock);
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
	pthread_mutex_destroy(&reg->lock);
}


int ms_tenant_reset(struct ms_registry *reg, struct ms_tenant *t)
{
	struct ms_state fresh;

	if (state_build(reg, t->name, &fresh) < 0)
		return -1;
	ms_state_release(&t->state);
	t->state = fresh;
	ms_journal_clear(&t->journal);
	t->journal.next_seq = 1;
	return 0;
}
