/*
 * verify: a scenario's expectations ("expect") weighed against a tenant's
 * journal and, for a conformance run, the client's exit status.
 *
 * Each check passes or fails on its own and says why: the requests that
 * show it (their journal sequence numbers) and what was seen. Checks that
 * need the exit status are skipped when there is none (GET /__mock/verify
 * from a harness that runs its own client). It reads the journal and the
 * expectations and changes neither; the caller holds the tenant's lock.
 */
#ifndef MS_VERIFY_H
#define MS_VERIFY_H

#include <cjson/cJSON.h>
#include "journal.h"

#define MS_VERIFY_NO_EXIT (-1)

/*
 * Evaluate expect (the checked array; NULL means none) against j.
 * exit_status is the client's exit status, or MS_VERIFY_NO_EXIT.
 * Returns a new object: {"passed", "total", "failed", "skipped",
 * "evicted", "checks": [{"name", "kind", "passed", "skipped", "message",
 * "requests": [seq...]}]}.
 */
cJSON *ms_verify(const cJSON *expect, const struct ms_journal *j,
		 int exit_status);

#endif /* MS_VERIFY_H */
