/*
 * ratelimit: a tenant's request budget (the scenario's "rateLimit"), on
 * the tenant's virtual clock, like Atlassian Cloud's quota-based limits.
 *
 * Requests that fit the limit's match are counted per key (the token, the
 * user, or the whole tenant, as "scope" says) in fixed windows that start
 * with the key's first request. Past the limit, a request is refused until
 * the window ends; a request that comes back before then earns a longer
 * wait (the time left doubles, up to ten windows). The module only decides
 * and reports numbers; dispatch turns them into a 429 and headers. The
 * owning tenant's lock guards it.
 */
#ifndef MS_RATELIMIT_H
#define MS_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "mstime.h"
#include "script.h"

/* The longest window a rate limit may have: 31 days. The scenario checks
 * refuse a longer one, and ms_rate_limit_from_json does too. */
#define MS_RATE_WINDOW_MAX_MS (31LL * 24 * 3600 * 1000)

enum ms_rate_scope {
	MS_RATE_TOKEN,     /* per token presented; else per user, else one */
	MS_RATE_USER,      /* per user; a token counts for its maker */
	MS_RATE_TENANT     /* one budget for the whole tenant */
};

struct ms_rate_limit {
	bool enabled;
	uint64_t limit;          /* requests a window */
	int64_t window_ms;
	enum ms_rate_scope scope;
	char *reason;            /* RateLimit-Reason */
	struct ms_match match;   /* which requests count */
	void *buckets;           /* tsearch tree, one bucket a key */
};

struct ms_rate_verdict {
	bool counted;            /* the request fell under the limit at all */
	bool limited;            /* refuse it with 429 */
	uint64_t limit;
	uint64_t remaining;      /* after this request */
	ms_time_t reset_at;      /* when the window (or the wait) ends */
	int64_t retry_after_s;   /* for a 429: whole seconds, at least 1 */
	bool near_limit;         /* remaining under 20% of the limit */
	const char *reason;
};

void ms_rate_limit_init(struct ms_rate_limit *rl);
void ms_rate_limit_release(struct ms_rate_limit *rl);

/* Fill rl from the checked "rateLimit" object; 0, or -1 on allocation
 * failure or JSON that skipped the checks (limit, window, scope and
 * reason are checked again; the match is read as ms_match_from_json
 * reads a rule's). */
int ms_rate_limit_from_json(const cJSON *j, struct ms_rate_limit *rl);
cJSON *ms_rate_limit_to_json(const struct ms_rate_limit *rl);

/* Make dst (not initialized) a limit set up as src is, with no request
 * counted yet: the buckets are not copied. 0, or -1 out of memory (dst
 * released). */
int ms_rate_limit_copy(struct ms_rate_limit *dst,
		       const struct ms_rate_limit *src);

/* Count the request subj (the key is taken from it by scope) at now. */
void ms_rate_limit_check(struct ms_rate_limit *rl,
			 const struct ms_subject *subj, ms_time_t now,
			 struct ms_rate_verdict *out);

#endif /* MS_RATELIMIT_H */
