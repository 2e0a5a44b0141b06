#!/bin/sh
# unknown-route.sh: good.sh's jobs, then a look at a route Data Manager
# does not have (GET .../adapters/jobs, answered 404). Against
# conformance.json it fails only "known routes" (noUnknownRoutes).
. "$(dirname "$0")/lib.sh"

token=$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY
validate "$token" && start_run "$token" || exit 1
validate "$DM_MOCK_TOKEN_CLEANSE_NIGHTLY" &&
	queue_cleanse "$DM_MOCK_TOKEN_CLEANSE_NIGHTLY" || exit 1

# The mistake: a route that does not exist; the answer is not needed.
dm_call GET adapters/jobs "$token"
exit 0
