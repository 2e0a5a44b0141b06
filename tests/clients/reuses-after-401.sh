#!/bin/sh
# reuses-after-401.sh: first tries a stale secret from an old
# configuration, and when it is answered 401 tries it twice more "in
# case it was a glitch" before falling back to the current token. Against
# conformance.json it fails only "stops on 401" (stopsAfter401), citing
# each of the three requests once.
. "$(dirname "$0")/lib.sh"

# The mistake: a 401 does not retire the secret.
forget() { :; }

# Well-formed but unknown to the site: answered 401 token_unknown.
stale=dmac_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
validate "$stale" || validate "$stale" || validate "$stale" ||
	say "stale secret refused"

validate "$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY" &&
	start_run "$DM_MOCK_TOKEN_ADAPTERS_NIGHTLY" || exit 1
validate "$DM_MOCK_TOKEN_CLEANSE_NIGHTLY" &&
	queue_cleanse "$DM_MOCK_TOKEN_CLEANSE_NIGHTLY" || exit 1
