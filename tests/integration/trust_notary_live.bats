#!/usr/bin/env bats
# brig trust notary verify --server: the TUF update fetched from a live
# notary-server + notary-signer on 127.0.0.1 (scripts/notary-test.sh, TLS
# with a CA of its own), tags signed with the notary CLI.

bats_require_minimum_version 1.5.0

GUN=127.0.0.1:5000/live/app
D1=f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268
D2=18933c865fcf7230f8ea99b059747facc14285b7ed649758115f9c9a73f42a53

setup_file() {
	if ! command -v notary-server >/dev/null || ! command -v notary-signer >/dev/null ||
		! command -v notary >/dev/null; then
		export NOTARY_SKIP="notary-server, notary-signer or the notary CLI is not installed"
		return 0
	fi
	export NOTARY_DIR=$BATS_FILE_TMPDIR/notary
	export NT=${BRIG_SRC:?}/scripts/notary-test.sh
	eval "export $("$NT" start "$NOTARY_DIR" | grep '^NOTARY_URL=')"
	export NOTARY_CA=$NOTARY_DIR/ca.crt
	export CERTS=$BATS_FILE_TMPDIR/certs.d
	local hostport=${NOTARY_URL#https://}
	mkdir -p "$CERTS/$hostport"
	cp "$NOTARY_CA" "$CERTS/$hostport/ca.crt"
	"$NT" addhash "$NOTARY_DIR" "$GUN" v1 246 "$D1" >/dev/null 2>&1
}

teardown_file() {
	[ -z "${NOTARY_DIR:-}" ] || "$NT" stop "$NOTARY_DIR"
}

setup() {
	[ -z "${NOTARY_SKIP:-}" ] || skip "$NOTARY_SKIP"
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	ROOT=$BATS_TEST_TMPDIR/root
}

verify() { # TAG [options]
	local tag=$1
	shift
	run --separate-stderr "$BRIG" --root "$ROOT" trust notary verify --server "$NOTARY_URL" \
		"$@" "$GUN" "$tag"
}

@test "trust notary live: a tag signed with the notary CLI verifies from the server" {
	verify v1 --certs-dir "$CERTS" --format json
	[ "$status" -eq 0 ] || false
	run jq -r '[.digest, .size, .role] | @tsv' <<<"$output"
	[ "$output" = "$(printf 'sha256:%s\t246\ttargets' "$D1")" ] || false
}

@test "trust notary live: a new publish advances the trusted state; the old tag still verifies" {
	verify v1 --certs-dir "$CERTS" --format json
	[ "$status" -eq 0 ] || false
	run jq -r .versions.timestamp <<<"$output"
	local ts1=$output
	"$NT" addhash "$NOTARY_DIR" "$GUN" v2 9 "$D2" >/dev/null 2>&1
	verify v2 --certs-dir "$CERTS" --format json
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.size) \(.versions.timestamp)"' <<<"$output"
	[[ $output == "sha256:$D2 9 "* ]] || false
	[ "${output##* }" -gt "$ts1" ] || false
	verify v1 --certs-dir "$CERTS"
	[ "$status" -eq 0 ] || false
	[[ ${lines[1]} == "v1 "*"sha256:$D1 246 "*targets ]] || false
}

@test "trust notary live: the server's TLS certificate is checked against certs.d" {
	verify v1 --certs-dir "$BATS_TEST_TMPDIR/empty"
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'root.json: SSL certificate problem'* ]] || false
	run find "$ROOT/trust" -name '*.json'
	[ -z "$output" ] || false
}

@test "trust notary live: a GUN the server has no metadata for is refused" {
	run --separate-stderr "$BRIG" --root "$ROOT" trust notary verify --server "$NOTARY_URL" \
		--certs-dir "$CERTS" 127.0.0.1:5000/live/none v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'root.json: no such metadata for 127.0.0.1:5000/live/none'* ]] || false
}
