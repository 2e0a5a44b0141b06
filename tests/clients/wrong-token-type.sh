#!/bin/sh
# wrong-token-type.sh: uses the Adapters client token for everything,
# the Cleanse and Import route included, where it is refused 403
# token_wrong_type; it treats that step as best effort and exits 0.
# Against conformance.json it fails only "no 403" (a count of 403s).
. "$(dirname "$0")/lib.sh"

token=$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY
validate "$token" && start_run "$token" || exit 1

# The mistake: the wrong token type, and a refusal taken for a warning.
queue_cleanse "$token" || say "cleanse and import not queued; going on"
exit 0
