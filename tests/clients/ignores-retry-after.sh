#!/bin/sh
# ignores-retry-after.sh: good.sh's jobs, but a 429 or 503 is tried
# again at once, whatever Retry-After says. Against conformance.json it
# fails only "waits" (respectsRetryAfter).
. "$(dirname "$0")/lib.sh"

# The mistake: no pause before the retry.
wait_retry() { :; }

validate "$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY" &&
	start_run "$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY" || exit 1
validate "$DM_MOCK_TOKEN_CLEANSE_NIGHTLY" &&
	queue_cleanse "$DM_MOCK_TOKEN_CLEANSE_NIGHTLY" || exit 1
