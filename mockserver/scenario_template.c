/*
 * scenario_template: a scenario applied once, copied into every tenant
 * made or reset from it. See scenario.h for the contract.
 *
 * Applying a document reads it key by key, parses times, checks labels
 * and allocates every string on its own: for a thousand tokens that is
 * most of a millisecond, and a reset did it every time. A template
 * applies the document once (ms_scenario_apply, for no tenant) and
 * notes, per token, what a tenant's copy must redo; a copy is then
 * ms_state_copy, with the tokens in one block, and these few changes
 * made on the way:
 *
 *   - a secret or id the document does not give is drawn again from the
 *     tenant's own random stream, secret first, token by token, in the
 *     order ms_scenario_apply draws them, so that a seeded tenant gets
 *     the same ones and its stream is left where applying leaves it;
 *   - when the clock starts "now", it starts at the copy's wall time,
 *     and so do initializedAt and each token's createdAt that the
 *     document leaves to the clock's start, expiresAt following.
 *
 * Nothing else in an applied state depends on the tenant or the moment.
 * The template's own drawn secrets and ids are never served.
 */
#include "scenario_int.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a copy redoes for one token: the bits of token_plan[i]. */
enum {
	PLAN_SECRET = 1,       /* no "secret": draw one */
	PLAN_ID = 2,           /* no "id": draw one */
	PLAN_CREATED_AT = 4,   /* no "createdAt": the clock's start */
	PLAN_EXPIRES_AT = 8    /* no "expiresAt": createdAt plus expiry */
};

/* What copying one template into one tenant needs as it goes. */
struct copy {
	const struct ms_template *tpl;
	struct ms_rng rng;          /* the tenant's stream */
	ms_time_t start;            /* the clock's start */
	const char *expiry;         /* the last expiry worked out from the */
	ms_time_t expires_at;       /* start, and where it ends */
};


/* The plan of a token of the document. */
static unsigned char plan_of(const cJSON *item)
{
	unsigned char plan = 0;

	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "secret")))
		plan |= PLAN_SECRET;
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "id")))
		plan |= PLAN_ID;
	if (!cJSON_GetObjectItemCaseSensitive(item, "createdAt"))
		plan |= PLAN_CREATED_AT;
	if (!cJSON_GetObjectItemCaseSensitive(item, "expiresAt"))
		plan |= PLAN_EXPIRES_AT;
	return plan;
}


/* Note what each copy of the applied doc must redo. 0, or -1 out of
 * memory. */
static int note_plan(struct ms_template *tpl, const cJSON *doc)
{
	const cJSON *clock = cJSON_GetObjectItemCaseSensitive(doc, "clock");
	const cJSON *site = cJSON_GetObjectItemCaseSensitive(doc, "site");
	const char *start = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(clock, "start"));
	const cJSON *item;
	size_t i = 0;

	tpl->clock_now = !start || strcmp(start, "now") == 0;
	tpl->initialized_at_start =
		tpl->state.initialized &&
		!cJSON_GetObjectItemCaseSensitive(site, "initializedAt");
	if (tpl->state.tokens.count == 0)
		return 0;
	tpl->token_plan = malloc(tpl->state.tokens.count);
	if (!tpl->token_plan)
		return -1;
	/* Applying added the tokens in the document's order, each one. */
	cJSON_ArrayForEach(item,
			   cJSON_GetObjectItemCaseSensitive(doc, "tokens")) {
		if (i == tpl->state.tokens.count)
			return -1;
		tpl->token_plan[i++] = plan_of(item);
	}
	return i == tpl->state.tokens.count ? 0 : -1;
}


/* The template's tokens made one block (a copy of them), which every
 * tenant's copy then takes whole. 0, or -1 out of memory. */
static int pack_tokens(struct ms_token_store *tokens)
{
	struct ms_token_store packed;

	if (ms_token_store_copy(&packed, tokens, NULL, NULL) < 0)
		return -1;
	ms_token_store_release(tokens);
	*tokens = packed;
	/* The applied tokens were thousands of small blocks, now free:
	 * give their pages back, or a large scenario stays resident
	 * twice. */
	malloc_trim(0);
	return 0;
}


int ms_template_init(struct ms_template *tpl, const cJSON *doc,
		     const struct ms_scenario_opts *opts,
		     struct ms_scenario_error *err)
{
	struct ms_scenario_opts own = {false, 0, NULL};

	memset(tpl, 0, sizeof(*tpl));
	if (opts)
		own = *opts;
	own.tenant = NULL;
	ms_state_init(&tpl->state);
	if (ms_scenario_apply(doc, &tpl->state, &own, err) < 0) {
		ms_template_release(tpl);
		return -1;
	}
	if (note_plan(tpl, doc) < 0 || pack_tokens(&tpl->state.tokens) < 0) {
		ms_template_release(tpl);
		return scn_error_file(err, NULL, "cannot apply: out of "
				      "memory");
	}
	return 0;
}


void ms_template_release(struct ms_template *tpl)
{
	ms_state_release(&tpl->state);
	free(tpl->token_plan);
	memset(tpl, 0, sizeof(*tpl));
}


/* createdAt (the clock's start) plus the expiry period: worked out once
 * for a run of tokens with the same expiry, as most are. */
static ms_time_t expires_from_start(struct copy *c, const char *expiry)
{
	struct ms_period p;

	if (c->expiry && strcmp(c->expiry, expiry) == 0)
		return c->expires_at;
	/* The template parsed it when applying: it cannot fail. */
	if (ms_period_parse(expiry, &p) < 0)
		return c->start;
	c->expiry = expiry;
	c->expires_at = ms_time_add(c->start, &p);
	return c->expires_at;
}


/* The ms_token_fill_fn of a tenant's copy: see the top of the file. */
static int fill_token(struct ms_token *t, size_t index, void *arg)
{
	struct copy *c = arg;
	unsigned char plan = c->tpl->token_plan[index];

	/* A drawn secret always has MS_SECRET_CHARS: the copy's fits. */
	if (plan & PLAN_SECRET)
		ms_token_secret_draw(&c->rng, t->type, t->secret);
	if (plan & PLAN_ID)
		ms_rng_uuid(&c->rng, t->id);
	if (c->tpl->clock_now && (plan & PLAN_CREATED_AT)) {
		t->created_at = c->start;
		if (plan & PLAN_EXPIRES_AT)
			t->expires_at = expires_from_start(c, t->expiry);
	}
	return (plan & PLAN_SECRET) ? 1 : 0;
}


int ms_template_apply(const struct ms_template *tpl,
		      const struct ms_scenario_opts *opts,
		      struct ms_state *st)
{
	const struct vclock *from = &tpl->state.clock;
	struct copy c = {.tpl = tpl};
	struct vclock clock;

	ms_rng_init(&c.rng, opts && opts->seeded, opts ? opts->seed : 0,
		    opts ? opts->tenant : NULL);
	/* As applying does: the clock starts first, and runs from now. */
	vclock_init(&clock, tpl->clock_now ? ms_wall_now() : from->base,
		    from->frozen);
	c.start = clock.base;
	if (ms_state_copy(st, &tpl->state, fill_token, &c) < 0) {
		explicit_bzero(&c.rng, sizeof(c.rng));
		return -1;
	}
	st->clock = clock;
	st->rng = c.rng;
	/* Kernel bytes still ahead in the pool belong to st alone. */
	explicit_bzero(&c.rng, sizeof(c.rng));
	if (tpl->initialized_at_start)
		st->initialized_at = clock.base;
	return 0;
}
