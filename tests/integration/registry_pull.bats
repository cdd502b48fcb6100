#!/usr/bin/env bats
# brig pull against real peers on 127.0.0.1: Debian's docker-registry
# (started by scripts/registry-test.sh, TLS with the test's own CA, once
# without auth and once with htpasswd Basic auth) holding an image skopeo
# copied there, and tests/lib/bad_registry.py, a small server that sends
# wrong bytes.  See docs/registry.md.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts

# wait_for and make_multi (two platforms under one index) are in
# tests/lib/registry.bash.
load ../lib/registry

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$brig" --root "$d/src" import --change 'CMD ["sh"]' "$d/rootfs.tar" localhost/bb:1 >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img.tar" localhost/bb:1
	skopeo copy -q "oci-archive:$d/img.tar" "oci:$d/layout:img" >/dev/null

	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	"$SCRIPTS/registry-test.sh" start "$d/rega" --auth alice:s3cret >/dev/null
	local p pa
	p=$(cat "$d/reg/port")
	pa=$(cat "$d/rega/port")
	skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/img.tar" \
		"docker://127.0.0.1:$p/test/img:1" >/dev/null
	skopeo copy -q --dest-cert-dir "$d/rega" --dest-creds alice:s3cret \
		"oci-archive:$d/img.tar" "docker://127.0.0.1:$pa/test/img:1" >/dev/null

	make_multi "$d/layout" "$d/multi"
	skopeo copy -q --all --dest-cert-dir "$d/reg" "oci:$d/multi:img" \
		"docker://127.0.0.1:$p/test/multi:1" >/dev/null

	bad_server_start "$d/bad" "$d/layout" "$d/reg/tls"
	local pb
	pb=$(cat "$d/bad/port")

	# brig trusts the test CA for these registries through its certs.d.
	local h
	for h in "127.0.0.1:$p" "127.0.0.1:$pa" "127.0.0.1:$pb" "localhost:$pb"; do
		mkdir -p "$d/certs/$h"
		cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	done
	cp "$d/rega/ca.crt" "$d/certs/127.0.0.1:$pa/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR
	"$SCRIPTS/registry-test.sh" stop "$d/reg" || true
	"$SCRIPTS/registry-test.sh" stop "$d/rega" || true
	bad_server_stop "$d/bad"
}

setup() {
	registry_needs
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	CONF=$D/brig.conf
	REG=127.0.0.1:$(cat "$D/reg/port")
	REGA=127.0.0.1:$(cat "$D/rega/port")
	BAD=127.0.0.1:$(cat "$D/bad/port")
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$CONF" "$@"; }

# store_state: what the store holds (index.json, blobs, unpacked layers,
# temporary files), one line each.
store_state() {
	[ -d "$ROOT" ] || return 0
	if [ -f "$ROOT/images/index.json" ]; then
		echo "index $(sha256sum <"$ROOT/images/index.json")"
	fi
	find "$ROOT/images/blobs" "$ROOT/layers" -mindepth 1 -maxdepth 2 2>/dev/null | sort
}

@test "pull from docker-registry: skopeo's manifest, config and layer digests; NAME@DIGEST; it runs" {
	raw=$(skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/img:1")
	mdig=sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
	run --separate-stderr brig pull "$REG/test/img:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${lines[-1]}" = "$REG/test/img@$mdig" ] || { echo "last line: ${lines[-1]}"; false; }
	[ "${#lines[@]}" -eq 2 ] || false
	[[ ${lines[0]} == *": Pull complete" ]] || false
	# the stored manifest is the registry's, byte for byte
	stored=$ROOT/images/blobs/sha256/${mdig#sha256:}
	[ "$(cat "$stored")" = "$raw" ] || false
	cfg=$(jq -r .config.digest <<<"$raw")
	[ -f "$ROOT/images/blobs/sha256/${cfg#sha256:}" ] || false
	for l in $(jq -r '.layers[].digest' <<<"$raw"); do
		[ -f "$ROOT/images/blobs/sha256/${l#sha256:}" ] || { echo "layer $l missing"; false; }
	done
	run brig image inspect -f '{{.Id}}' "$REG/test/img:1"
	[ "$output" = "$cfg" ] || false
	run brig image inspect "$REG/test/img:1"
	[ "$status" -eq 0 ] || false
	[ "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" = "$REG/test/img@$mdig" ] || false
	src=$(jq -c '.[0].Brig.Source | [.Registry, .Repository, .Tag, .Digest]' <<<"$output")
	[ "$src" = "[\"$REG\",\"test/img\",\"1\",\"$mdig\"]" ] || { echo "source: $src"; false; }
	[[ $(jq -r '.[0].Brig.Source.Time' <<<"$output") == 20*Z ]] || false
	run brig system check
	[[ $output == consistent* ]] || false
	run brig run --rm "$REG/test/img:1" sh -c 'echo pulled and ran'
	[ "$status" -eq 0 ] || false
	[ "$output" = "pulled and ran" ] || false
}

@test "a second pull fetches no blob again and writes nothing; pull by digest; -q prints only NAME@DIGEST" {
	run brig pull -q "$REG/test/img:1"
	[ "$status" -eq 0 ] || false
	mdig=${output##*@}
	before=$(stat -c '%i %Y' "$ROOT/images/index.json")
	source=$(brig image inspect "$REG/test/img:1" | jq -c '.[0].Brig.Source')
	run brig pull "$REG/test/img:1"
	[ "$status" -eq 0 ] || false
	[[ ${lines[0]} == *": Already exists" ]] || false
	# nothing changed: the store is not written (index.json is the same
	# file), the source (and its time) is the first pull's
	[ "$(stat -c '%i %Y' "$ROOT/images/index.json")" = "$before" ] || { echo "index.json rewritten"; false; }
	[ "$(brig image inspect "$REG/test/img:1" | jq -c '.[0].Brig.Source')" = "$source" ] || false
	run brig pull -q "$REG/test/img@$mdig"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$REG/test/img@$mdig" ] || false
	run brig image inspect -f '{{.Id}}' "$REG/test/img@$mdig"
	[ "$status" -eq 0 ] || false
	# a digest the registry does not have
	run --separate-stderr brig pull "$REG/test/img@sha256:$(printf x | sha256sum | cut -d' ' -f1)"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"not found"* ]] || false
}

@test "TLS: a certificate from another CA is refused; --tls-verify=false accepts it" {
	other=$BATS_TEST_TMPDIR/other
	mkdir -p "$other/certs/$REG"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other CA" \
		-keyout "$other/ca.key" -out "$other/certs/$REG/ca.crt" 2>/dev/null
	printf '{"registry-certs-dir": "%s"}\n' "$other/certs" >"$other/brig.conf"
	before=$(CONF=$other/brig.conf store_state)
	run --separate-stderr env CONF="$other/brig.conf" \
		"$BRIG" --root "$ROOT" --config "$other/brig.conf" pull "$REG/test/img:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
	[[ $stderr == *"certificate"* ]] || { echo "$stderr"; false; }
	[ "$(store_state)" = "$before" ] || false
	run "$BRIG" --root "$ROOT" --config "$other/brig.conf" pull -q --tls-verify=false \
		"$REG/test/img:1"
	[ "$status" -eq 0 ] || false
	[[ $output == "$REG/test/img@sha256:"* ]] || false
}

@test "Basic auth: refused without or with wrong credentials, accepted with the right ones" {
	run --separate-stderr brig pull "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"credentials"* ]] || { echo "$stderr"; false; }
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGA" "$(printf alice:wrong | base64)" \
		>"$BATS_TEST_TMPDIR/wrong.json"
	run --separate-stderr brig pull --authfile "$BATS_TEST_TMPDIR/wrong.json" "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
	[[ $stderr == *"unauthorized"* ]] || { echo "$stderr"; false; }
	[[ $stderr != *"wrong"* ]] || false
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGA" "$(printf alice:s3cret | base64)" \
		>"$BATS_TEST_TMPDIR/right.json"
	run brig pull -q --authfile "$BATS_TEST_TMPDIR/right.json" "$REGA/test/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == "$REGA/test/img@sha256:"* ]] || false
}

@test "bad registry: a manifest that is not the digest asked for: one line, exit 1, store unchanged" {
	run brig pull -q "$BAD/good/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	mdig=${output##*@}
	before=$(store_state)
	for ref in "$BAD/wrong/manifest@$mdig" "$BAD/wrong/manifest:1"; do
		run --separate-stderr brig pull "$ref"
		[ "$status" -eq 1 ] || false
		[ "${#stderr_lines[@]}" -eq 1 ] || false
		[[ $stderr == *"digest"* ]] || { echo "$stderr"; false; }
		[ "$(store_state)" = "$before" ] || { echo "store changed by $ref"; false; }
	done
}

@test "bad registry: a config blob whose bytes differ: one line, exit 1, nothing new in the store" {
	run brig images -q # makes the empty store
	[ -z "$output" ] || false
	before=$(store_state)
	run --separate-stderr brig pull "$BAD/wrong/config:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
	[[ $stderr == *"config"*"hash to sha256:"* ]] || { echo "$stderr"; false; }
	[ "$(store_state)" = "$before" ] || { store_state; false; }
}

@test "bad registry: a layer whose bytes differ: one line, exit 1, nothing named or unpacked" {
	run --separate-stderr brig pull "$BAD/wrong/layer:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
	[[ $stderr == *"layer 1"*"hash to sha256:"* ]] || { echo "$stderr"; false; }
	run brig images -q
	[ -z "$output" ] || false
	# no layer unpacked, no temporary file left; the config, verified
	# before the layer failed, is the one blob that stays (unreferenced)
	cfg=$(jq -r .config.digest "$D/layout/blobs/sha256/$(jq -r '.manifests[0].digest' \
		"$D/layout/index.json" | cut -d: -f2)")
	run find "$ROOT/layers" "$ROOT/images/blobs" -mindepth 1 -maxdepth 2 -not -type d
	[ "$output" = "$ROOT/images/blobs/sha256/${cfg#sha256:}" ] || { echo "$output"; false; }
	run find "$ROOT/layers" -mindepth 1
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "bad registry: a layer of other bytes but the same tar stream: refused by its digest" {
	# only the gzip header differs: the unpacker and the diff_id are content,
	# the blob writer's digest alone must refuse it
	run --separate-stderr brig pull "$BAD/wrong/gzhead:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
	[[ $stderr == *"layer 1"*"hash to sha256:"* ]] || { echo "$stderr"; false; }
	run brig images -q
	[ -z "$output" ] || false
	cfg=$(jq -r .config.digest "$D/layout/blobs/sha256/$(jq -r '.manifests[0].digest' \
		"$D/layout/index.json" | cut -d: -f2)")
	run find "$ROOT/layers" "$ROOT/images/blobs" -mindepth 1 -maxdepth 2 -not -type d
	[ "$output" = "$ROOT/images/blobs/sha256/${cfg#sha256:}" ] || { echo "$output"; false; }
	run find "$ROOT/layers" -mindepth 1
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "bad registry: schema 1, a foreign layer, a 5 MiB manifest, a redirect loop, a malformed challenge" {
	run brig images -q # makes the empty store
	before=$(store_state)
	check() { # REPO WORDS...
		run --separate-stderr brig pull "$BAD/$1:1"
		[ "$status" -eq 1 ] || { echo "$1: status $status"; return 1; }
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$1: $stderr"; return 1; }
		[[ $stderr == *"$2"* ]] || { echo "$1: $stderr"; return 1; }
		[ "$(store_state)" = "$before" ] || { echo "$1: the store changed"; return 1; }
	}
	check schema1/img "schema 1 manifest" || false
	check foreign/img "foreign layer" || false
	check huge/img "larger than the limit of 4194304 bytes" || false
	check loop/img "more than 5 redirects" || false
	check badauth/img "malformed WWW-Authenticate header" || false
	check tokenjunk/img "token server's answer is not JSON" || false
}

@test "bad registry: a truncated layer and an endless one: one line, exit 1, nothing named or unpacked" {
	for repo in short endless; do
		rm -rf "$ROOT"
		run --separate-stderr brig pull "$BAD/$repo/img:1"
		[ "$status" -eq 1 ] || { echo "$repo: $status"; false; }
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
		[[ $stderr == *"layer 1"* ]] || { echo "$stderr"; false; }
		run brig images -q
		[ -z "$output" ] || false
		run find "$ROOT/layers" -mindepth 1
		[ -z "$output" ] || { echo "$output"; false; }
		run find "$ROOT/images/blobs" -name '.tmp*'
		[ -z "$output" ] || { echo "$output"; false; }
	done
	[[ $stderr == *"more than the"*"bytes the manifest gives"* ]] || { echo "$stderr"; false; }
}

@test "Bearer token auth: the token from the challenge's realm, service and scope" {
	: >"$D/bad/token.log"
	run brig pull -q "$BAD/token/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == "$BAD/token/img@sha256:"* ]] || false
	# one token for the pull (cached for the scope), asked without credentials
	run cat "$D/bad/token.log"
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	[ "$output" = "['bad-registry'] ['repository:token/img:pull'] None" ] || { echo "$output"; false; }
	# with credentials, they go to the token server
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$BAD" "$(printf u:p | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	rm -rf "$ROOT"
	: >"$D/bad/token.log"
	run brig pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$BAD/token/img:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run cat "$D/bad/token.log"
	[ "$output" = "['bad-registry'] ['repository:token/img:pull'] Basic dTpw" ] || { echo "$output"; false; }
}

@test "a redirect to another host gets no Authorization header" {
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$BAD" "$(printf u:p | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	: >"$D/bad/elsewhere.log"
	run brig pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$BAD/auth/redirect:1"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$D/bad/elsewhere.log"; false; }
	run grep -c noauth "$D/bad/elsewhere.log"
	[ "$output" -ge 2 ] || false # the config and the layer
	run grep -cx auth "$D/bad/elsewhere.log"
	[ "$output" -eq 0 ] || false
}

@test "a multi-platform index: the host's manifest by default, --platform picks another, no match refused" {
	raw=$(skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/multi:1")
	xdig=sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
	other=$(cat "$D/multi/other-arch")
	host=$(jq -r --arg o "$other" '.manifests[] | select(.platform.architecture != $o) | .platform.architecture' <<<"$raw")
	run brig pull -q "$REG/test/multi:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$REG/test/multi@$xdig" ] || false
	run brig image inspect "$REG/test/multi:1"
	[ "$(jq -r '.[0].Architecture' <<<"$output")" = "$host" ] || false
	[ "$(jq -r '.[0].Brig.Source.Digest' <<<"$output")" = "$xdig" ] || false
	hdig=$(jq -r --arg a "$host" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$raw")
	[ "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" = "$REG/test/multi@$hdig" ] || false
	run brig pull -q --platform "linux/$other" "$REG/test/multi:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig image inspect -f '{{.Architecture}}' "$REG/test/multi:1"
	[ "$output" = "$other" ] || false
	before=$(store_state)
	run --separate-stderr brig pull --platform linux/s390x "$REG/test/multi:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
	[[ $stderr == *"no manifest for platform linux/s390x"* ]] || { echo "$stderr"; false; }
	[ "$(store_state)" = "$before" ] || false
}

@test "pull: bad references and --platform values get one line and exit 1" {
	run --separate-stderr brig pull "$REG/Test/Img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"invalid reference"* ]] || false
	run --separate-stderr brig pull --platform linux "$REG/test/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"os/arch"* ]] || false
	run --separate-stderr brig pull "$REG/test/img:nosuchtag"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"manifest nosuchtag"*"not found"* ]] || { echo "$stderr"; false; }
}
