/*
 * vclock: a tenant's virtual clock.
 *
 * It reads "now" as a base instant plus the monotonic time elapsed since
 * that base was taken, unless it is frozen, in which case now is the base.
 * Advancing or setting it moves the base; freezing and thawing keep the
 * current reading. It keeps no lock: the tenant that owns it serialises
 * access (see tenant.h).
 */
#ifndef MS_VCLOCK_H
#define MS_VCLOCK_H

#include <stdbool.h>
#include "mstime.h"

struct vclock {
	ms_time_t base;      /* the reading at mono_base */
	int64_t mono_base;   /* ms_mono_now() when base was taken */
	bool frozen;
};

/* Start c reading start (clamped to MS_TIME_MIN..MS_TIME_MAX), running
 * from now unless frozen. */
void vclock_init(struct vclock *c, ms_time_t start, bool frozen);

/* The current reading; a running clock saturates at MS_TIME_MAX. */
ms_time_t vclock_now(const struct vclock *c);

/* Make the reading t (clamped); frozen or running stays as it was. */
void vclock_set(struct vclock *c, ms_time_t t);

/* Move the reading by p as ms_time_add does (months clamped to the last
 * day of the month); frozen or running stays as it was. */
void vclock_advance(struct vclock *c, const struct ms_period *p);

/* Freeze (true) or thaw (false), keeping the current reading: a thawed
 * clock runs on from the instant it was frozen at. */
void vclock_freeze(struct vclock *c, bool frozen);

/* What one request may ask at once, at one instant: jump to *set (unless
 * set is NULL), then move by p, then freeze (1), thaw (0) or leave (-1).
 * Made of set, advance and freeze, each reading the monotonic clock, a
 * millisecond could pass between the steps and be counted. */
void vclock_change(struct vclock *c, const ms_time_t *set,
		   const struct ms_period *p, int freeze);

#endif /* MS_VCLOCK_H */
