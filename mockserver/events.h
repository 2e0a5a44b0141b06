/*
 * events: what a scenario's events do to a tenant's state, and when.
 *
 * An event fires once. One triggered by requests fires after the request
 * that completes its count has been answered, so that request sees the
 * state before and the next one the state after. One triggered by a time
 * fires as soon as the tenant's clock is found past it: at the start of
 * the next request, or right after the clock was set or advanced. The
 * caller holds the tenant's lock.
 */
#ifndef MS_EVENTS_H
#define MS_EVENTS_H

#include "state.h"

/* Count a request against the request-triggered events; fire those
 * whose count it completes. */
void ms_events_after_request(struct ms_state *st,
			     const struct ms_subject *subj);

/* Fire every time-triggered event whose time has come, and those that
 * the clock changes of fired events bring due. */
void ms_events_due(struct ms_state *st);

#endif /* MS_EVENTS_H */
