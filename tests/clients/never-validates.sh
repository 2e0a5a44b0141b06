#!/bin/sh
# never-validates.sh: starts its jobs straight away, never asking
# client/info whether the token is good. Against conformance.json it
# fails only "validates first" (order: client/info before adapters/runs).
. "$(dirname "$0")/lib.sh"

# The mistake: no validate before the work.
start_run "$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY" || exit 1
queue_cleanse "$DM_MOCK_TOKEN_CLEANSE_NIGHTLY" || exit 1
