/*
 * vclock: a tenant's virtual clock. See vclock.h for the contract.
 *
 * Every change re-bases the clock: it takes one monotonic reading, works
 * out what the clock says at that instant, and stores the new base there.
 * Reading the monotonic clock once per change keeps a reading from being
 * lost or counted twice between two calls.
 */
#include "vclock.h"


/* Keep t within the instants mstime can write. */
static ms_time_t clamp_time(ms_time_t t)
{
	if (t < MS_TIME_MIN)
		return MS_TIME_MIN;
	if (t > MS_TIME_MAX)
		return MS_TIME_MAX;
	return t;
}


/* What c reads when the monotonic clock says mono; saturates at
 * MS_TIME_MAX. */
static ms_time_t reading_at(const struct vclock *c, int64_t mono)
{
	int64_t elapsed = mono - c->mono_base;

	if (c->frozen || elapsed <= 0)
		return c->base;
	if (c->base > MS_TIME_MAX - elapsed)
		return MS_TIME_MAX;
	return c->base + elapsed;
}


/* Store t as the reading at mono, frozen or not. */
static void rebase(struct vclock *c, ms_time_t t, int64_t mono, bool frozen)
{
	c->base = clamp_time(t);
	c->mono_base = mono;
	c->frozen = frozen;
}


/* Start c at start (clamped to 0001-9999), running unless frozen. */
void vclock_init(struct vclock *c, ms_time_t start, bool frozen)
{
	rebase(c, start, ms_mono_now(), frozen);
}


/* The clock's current reading. */
ms_time_t vclock_now(const struct vclock *c)
{
	return reading_at(c, ms_mono_now());
}


/* Every change is one: jump (or not), move, freeze or thaw (or keep),
 * at one monotonic reading. ms_time_add clamps what it is given. */
void vclock_change(struct vclock *c, const ms_time_t *set,
		   const struct ms_period *p, int freeze)
{
	int64_t mono = ms_mono_now();
	ms_time_t t = set ? *set : reading_at(c, mono);

	rebase(c, ms_time_add(t, p), mono, freeze < 0 ? c->frozen : freeze);
}


static const struct ms_period no_move;

/* Jump to t (clamped); a frozen clock stays frozen there. */
void vclock_set(struct vclock *c, ms_time_t t)
{
	vclock_change(c, &t, &no_move, -1);
}


/* Move the reading forward (or back) by p, calendar months first, as
 * ms_time_add does; keeps the clock frozen or running. */
void vclock_advance(struct vclock *c, const struct ms_period *p)
{
	vclock_change(c, NULL, p, -1);
}


/* Freeze (true) or thaw (false) c, keeping the current reading: a thawed
 * clock continues from where it was frozen. */
void vclock_freeze(struct vclock *c, bool frozen)
{
	vclock_change(c, NULL, &no_move, frozen);
}
