#!/bin/sh
# good.sh: a well-behaved nightly Data Manager client. It validates each
# token on client/info before using it, asks for JSON, waits Retry-After
# seconds after a 429 or 503, never sends a token again after a 401,
# gives each route the token type it takes, and exits 1 when any job
# failed. Passes tests/clients/conformance.json (exit 0) and
# must-fail.json (exit 1: the Adapters token has expired there).
. "$(dirname "$0")/lib.sh"
rc=0

# The Adapters job: the Adapters client token starts the nightly run.
adapters=$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY
if validate "$adapters" && start_run "$adapters"; then
	say "adapters run started"
else
	say "adapters job failed"; rc=1
fi

# The Cleanse and Import job takes the Cleanse and Import token.
cleanse=$DM_MOCK_TOKEN_CLEANSE_NIGHTLY
if validate "$cleanse" && queue_cleanse "$cleanse"; then
	say "cleanse and import queued"
else
	say "cleanse and import job failed"; rc=1
fi
exit $rc
