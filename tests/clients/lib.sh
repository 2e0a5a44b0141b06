# lib.sh: what the sample clients share, sourced by each (not run).
# A well-behaved Data Manager gateway call; the misbehaving samples
# redefine one of the small functions below to show one mistake each.
#
# The environment comes from `dm-mockserver run`: DM_MOCK_URL,
# DM_MOCK_WORKSPACE_ID and DM_MOCK_TOKEN_<LABEL> for each token.

set -u
GW="$DM_MOCK_URL/jsm/assets/workspace/$DM_MOCK_WORKSPACE_ID/v1/datamanager"
ME=$(basename "$0")
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
forgotten=" "           # secrets answered 401: never sent again

say() { echo "$ME: $*" >&2; }

# wait_retry SECONDS: honour a Retry-After before trying again.
wait_retry() { sleep "$1"; }

# forget SECRET: a 401 means the token is dead; drop it for good.
forget() { forgotten="$forgotten$1 "; }

# dm_call METHOD ROUTE SECRET [BODY]: one gateway call, always asking
# for JSON. Sets $status (000 when no answer) and leaves the answer in
# $TMP/body. A 429 or 503 is tried again after its Retry-After, up to
# three times; a forgotten secret is not sent at all (status 401).
dm_call() {
	case "$forgotten" in *" $3 "*) status=401; return;; esac
	tries=0
	while :; do
		status=$(curl -s -o "$TMP/body" -D "$TMP/head" \
			-w '%{http_code}' -X "$1" \
			-H 'Accept: application/json' \
			-H "Authorization: Bearer $3" \
			${4:+-H "Content-Type: application/json"} \
			${4:+--data-binary "$4"} "$GW/$2") || status=000
		tries=$((tries + 1))
		case $status in 429|503) ;; *) break;; esac
		[ "$tries" -le 3 ] || break
		secs=$(grep -i '^retry-after:' "$TMP/head" | tr -cd '0-9')
		say "$1 $2: $status, Retry-After: ${secs:-none}"
		wait_retry "${secs:-1}"
	done
	[ "$status" = 401 ] && forget "$3"
	case $status in 2??) ;; *) say "$1 $2: $status $(cat "$TMP/body")";;
	esac
	return 0
}

# validate SECRET: is the token good? client/info before any real work.
validate() { dm_call GET client/info "$1"; [ "$status" = 200 ]; }

# start_run SECRET: start the nightly Adapters job (ADAPTERS_CLIENT).
start_run() {
	dm_call POST adapters/runs "$1" '{"job":"nightly"}'
	[ "$status" = 201 ]
}

# queue_cleanse SECRET: a full cleanse and import (CLEANSE_AND_IMPORT).
queue_cleanse() {
	dm_call POST cleanse-import/operations "$1" '{"run":"full"}'
	[ "$status" = 202 ]
}
