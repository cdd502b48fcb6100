#!/usr/bin/env bats
# brig pull's transfer path: layers downloaded in parallel
# (max-concurrent-downloads), each in a single pass (blob and unpacked
# layer named only when both digests match), Range resumption, and the
# terminal progress display.  Peers on 127.0.0.1: Debian's docker-registry
# (scripts/registry-test.sh) holding a five-layer image skopeo copied there,
# and tests/lib/bad_registry.py serving that image under misbehaving
# repositories.  See docs/registry.md.

bats_require_minimum_version 1.5.0

load ../lib/registry

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
LIB=$BATS_TEST_DIRNAME/../lib

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR
	# five layers of 2 MB (about 1.1 MB compressed each)
	python3 "$LIB/mklayers.py" "$d/layout" 5 2000000
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	local p
	p=$(cat "$d/reg/port")
	skopeo copy -q --dest-cert-dir "$d/reg" "oci:$d/layout:img" \
		"docker://127.0.0.1:$p/xfer/img:1" >/dev/null

	bad_server_start "$d/bad" "$d/layout" "$d/reg/tls"
	local pb h n
	pb=$(cat "$d/bad/port")
	for h in "127.0.0.1:$p" "127.0.0.1:$pb"; do
		mkdir -p "$d/certs/$h"
		cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	done
	for n in 1 3 5; do
		printf '{"registry-certs-dir": "%s", "max-concurrent-downloads": %d}\n' \
			"$d/certs" "$n" >"$d/brig$n.conf"
	done
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR
	"$SCRIPTS/registry-test.sh" stop "$d/reg" || true
	bad_server_stop "$d/bad"
}

setup() {
	registry_needs
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	CONF=$D/brig3.conf
	REG=127.0.0.1:$(cat "$D/reg/port")
	BAD=127.0.0.1:$(cat "$D/bad/port")
	MANIFEST=$(jq -r '.manifests[0].digest' "$D/layout/index.json")
	mapfile -t LAYERS < <(jq -r '.layers[].digest' "$D/layout/blobs/sha256/${MANIFEST#sha256:}")
	CONFIG=$(jq -r .config.digest "$D/layout/blobs/sha256/${MANIFEST#sha256:}")
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$CONF" "$@"; }

# store_content ROOT: every blob and every file of every unpacked layer,
# with its checksum, and the image's manifest; one line each.
store_content() {
	(cd "$1/images/blobs/sha256" && find . -type f -printf '%P\n' | sort)
	(cd "$1/layers" && find . -mindepth 1 -printf '%y %m %s %P\n' | sort)
	(cd "$1/layers" && find . -type f -exec sha256sum {} + | sort)
	jq -r '.manifests[].digest' "$1/images/index.json"
}

# no_leftovers: no temporary blob, no layer directory (finished or not),
# and no layer blob of the image in the store of ROOT.
no_leftovers() {
	local out l
	out=$(find "$ROOT/images/blobs" "$ROOT/layers" -mindepth 1 -name '.tmp*')
	[ -z "$out" ] || { echo "temporaries left: $out"; return 1; }
	out=$(find "$ROOT/layers" -mindepth 1 -maxdepth 1)
	[ -z "$out" ] || { echo "layer directories: $out"; return 1; }
	for l in "${LAYERS[@]}"; do
		[ ! -e "$ROOT/images/blobs/sha256/${l#sha256:}" ] || { echo "blob $l kept"; return 1; }
	done
}

@test "five layers pulled one at a time and three at a time give the same store" {
	CONF=$D/brig1.conf ROOT=$BATS_TEST_TMPDIR/r1 run brig pull "$REG/xfer/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 6 ] || { echo "$output"; false; }
	[ "${lines[5]}" = "$REG/xfer/img@$MANIFEST" ] || { echo "$output"; false; }
	CONF=$D/brig3.conf ROOT=$BATS_TEST_TMPDIR/r3 run brig pull "$REG/xfer/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 6 ] || { echo "$output"; false; }
	run grep -c ': Pull complete$' <<<"$output"
	[ "$output" = 5 ] || false
	one=$(store_content "$BATS_TEST_TMPDIR/r1")
	three=$(store_content "$BATS_TEST_TMPDIR/r3")
	[ "$one" = "$three" ] || { diff <(echo "$one") <(echo "$three"); false; }
	# every layer unpacked: the last file of each layer is there
	for i in 0 1 2 3 4; do
		run find "$BATS_TEST_TMPDIR/r3/layers" -path "*/l$i/f3" -size 500000c
		[ -n "$output" ] || { echo "layer $i: l$i/f3 missing"; false; }
	done
	# a warm pull: nothing fetched, every layer "Already exists"
	CONF=$D/brig3.conf ROOT=$BATS_TEST_TMPDIR/r3 run brig pull "$REG/xfer/img:1"
	[ "$status" -eq 0 ] || false
	run grep -c ': Already exists$' <<<"$output"
	[ "$output" = 5 ] || false
}

@test "max-concurrent-downloads outside 1..16 is refused" {
	printf '{"max-concurrent-downloads": 17}\n' >"$BATS_TEST_TMPDIR/c.conf"
	CONF=$BATS_TEST_TMPDIR/c.conf run --separate-stderr brig pull "$REG/xfer/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"max-concurrent-downloads: 17 is out of range [1, 16]"* ]] || {
		echo "$stderr"
		false
	}
}

@test "a connection dropped mid-layer is resumed with Range; the image is intact" {
	: >"$D/bad/ranges.log"
	run brig pull "$BAD/resume/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[-1]}" = "$BAD/resume/img@$MANIFEST" ] || { echo "$output"; false; }
	# the server saw one Range request per layer, from half the blob on
	run grep -c '^resume/img bytes=[1-9][0-9]*-$' "$D/bad/ranges.log"
	[ "$output" = 5 ] || { cat "$D/bad/ranges.log"; false; }
	for l in "${LAYERS[@]}"; do
		run sha256sum "$ROOT/images/blobs/sha256/${l#sha256:}"
		[ "${output%% *}" = "${l#sha256:}" ] || { echo "$l: $output"; false; }
	done
	run find "$ROOT/layers" -mindepth 1 -maxdepth 1 -name '.tmp*'
	[ -z "$output" ] || false
}

@test "a registry that ignores Range: the layer is read again from byte 0 and the pull succeeds" {
	: >"$D/bad/ranges.log"
	run brig pull "$BAD/norange/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[-1]}" = "$BAD/norange/img@$MANIFEST" ] || { echo "$output"; false; }
	run grep -c '^norange/img bytes=[1-9][0-9]*-$' "$D/bad/ranges.log"
	[ "$output" = 5 ] || { cat "$D/bad/ranges.log"; false; }
	run brig image inspect -f '{{.Id}}' "$BAD/norange/img:1"
	[ "$output" = "$CONFIG" ] || { echo "$output"; false; }
}

@test "a layer whose diff_id is wrong (its digest right): neither blob nor layer takes its name" {
	# one download at a time: layer 1 fails before any other is fetched
	CONF=$D/brig1.conf run --separate-stderr brig pull "$BAD/diffid/img:1"
	[ "$status" -eq 1 ] || { echo "$stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"layer 1"*"diff_id"* ]] || { echo "$stderr"; false; }
	run brig images -q
	[ -z "$output" ] || false
	no_leftovers || false
}

@test "a failed layer stops the other downloads; their temporaries are removed" {
	CONF=$D/brig5.conf run --separate-stderr brig pull "$BAD/slowbad/img:1"
	[ "$status" -eq 1 ] || { echo "$status $stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"layer 5"*"hash to sha256:"* ]] || { echo "$stderr"; false; }
	no_leftovers || false
	# the four other layers were being downloaded when it failed
	run grep -c "GET /v2/slowbad/img/blobs/" "$D/bad/requests.log"
	[ "$output" -ge 6 ] || { cat "$D/bad/requests.log"; false; }
}

@test "on a terminal: one line per layer redrawn in place; -q prints only the name" {
	[ -x "$LIB/pty_run.py" ] || command -v python3 >/dev/null || skip "no python3"
	run timeout -k 10 120 python3 "$LIB/pty_run.py" "" "$BRIG" --root "$ROOT" \
		--config "$CONF" pull "$REG/xfer/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# cursor movement (ESC [ n A) and line clearing (ESC [ 2K)
	[[ $output == *$'\e[2K'* ]] || { echo "$output" | od -c | head; false; }
	[[ $output == *"Pull complete"* ]] || false
	[[ $output == *"$REG/xfer/img@$MANIFEST"* ]] || false
	run grep -c "Waiting" <<<"$output"
	[ "$output" -ge 5 ] || false
	rm -rf "$ROOT"
	run timeout -k 10 120 python3 "$LIB/pty_run.py" "" "$BRIG" --root "$ROOT" \
		--config "$CONF" pull -q "$REG/xfer/img:1"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$REG/xfer/img@$MANIFEST" ] || { echo "$output" | od -c | head; false; }
}
