#!/bin/sh
# exits-0-after-failure.sh: well behaved on the wire, but a failed job
# only prints a warning and the script exits 0, so CI never notices.
# Passes conformance.json, where nothing fails; against must-fail.json
# (the Adapters token has expired) it fails only "fails loudly"
# (exitStatus nonZero).
. "$(dirname "$0")/lib.sh"

adapters=$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY
if ! { validate "$adapters" && start_run "$adapters"; }; then
	say "warning: adapters job failed"
fi
cleanse=$DM_MOCK_TOKEN_CLEANSE_NIGHTLY
if ! { validate "$cleanse" && queue_cleanse "$cleanse"; }; then
	say "warning: cleanse and import job failed"
fi

# The mistake: success whatever happened.
exit 0
