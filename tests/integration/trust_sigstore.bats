#!/usr/bin/env bats
# The `.sig` attachment in a registry (cosign's simple signing): brig signs
# images it pushed to Debian's docker-registry on 127.0.0.1 (TLS) and
# verifies them; tests/lib/simplesig.py (python3-cryptography) checks what
# brig wrote and writes a .sig of its own for brig to read.  Unsigned
# images, signatures for another digest and by another key are refused,
# each with one line.  See docs/trust-sigstore.md.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
LIB=$BATS_TEST_DIRNAME/../lib
PY=/usr/bin/python3
load ../lib/registry

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	"$SCRIPTS/registry-test.sh" start "$d/rega" --auth alice:s3cret >/dev/null
	local h=127.0.0.1:$(cat "$d/reg/port") ht=127.0.0.1:$(cat "$d/rega/port")
	mkdir -p "$d/certs/$h" "$d/certs/$ht"
	cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	cp "$d/rega/ca.crt" "$d/certs/$ht/ca.crt"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$ht" "$(printf alice:s3cret | base64)" >"$d/auth.json"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
	export BRIG_PASSPHRASE=pw
	local k
	for k in a b; do
		$PY "$LIB/cosign_keys.py" write "$d/$k.key" "$d/$k.pub"
	done
}

teardown_file() {
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/rega" || true
}

setup() {
	registry_needs
	$PY -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed"
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	REG=127.0.0.1:$(cat "$D/reg/port")
	export BRIG_PASSPHRASE=pw
	cd "$BATS_TEST_TMPDIR" || false
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$D/brig.conf" "$@"; }

# pushed NAME [CMD]: the test image (its config's Cmd CMD) pushed as NAME;
# DIGEST is its manifest digest.
pushed() {
	brig import --change "CMD [\"${2:-sh}\"]" "$D/rootfs.tar" "$1" >/dev/null
	brig push -q --digestfile digest "$1" >/dev/null
	DIGEST=$(cat digest)
}

@test "trust sign: brig signs an image it pushed; trust verify accepts it; the .sig is cosign's" {
	pushed "$REG/test/img:1"
	run --separate-stderr brig trust sign --key "$D/a.key" "$REG/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Signed $REG/test/img:1@$DIGEST" ] || false
	run --separate-stderr brig trust verify --key "$D/a.pub" "$REG/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Verified $REG/test/img@$DIGEST: signed by $D/a.pub, docker-reference $REG/test/img:1" ] || false
	run --separate-stderr brig trust verify --format json --key "$D/a.pub" "$REG/test/img@$DIGEST"
	[ "$status" -eq 0 ] || false
	[ "$(jq -c '[.Verified, .Digest, .Key, .DockerReference, (.Signatures|length)]' <<<"$output")" = \
		"[true,\"$DIGEST\",\"$D/a.pub\",\"$REG/test/img:1\",1]" ] || false

	# the attachment as cosign writes it, read back by skopeo
	local tag=sha256-${DIGEST#sha256:}.sig raw
	raw=$(skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/img:$tag")
	[ "$(jq -r .mediaType <<<"$raw")" = application/vnd.oci.image.manifest.v1+json ] || false
	[ "$(jq -r '.layers | length' <<<"$raw")" = 1 ] || false
	[ "$(jq -r '.layers[0].mediaType' <<<"$raw")" = application/vnd.dev.cosign.simplesigning.v1+json ] || false
	jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' <<<"$raw" >sig
	# python checks the payload bytes and the signature
	skopeo copy -q --src-cert-dir "$D/reg" "docker://$REG/test/img:$tag" "dir:$PWD/sigdir"
	local pdig
	pdig=$(jq -r '.layers[0].digest' <<<"$raw")
	$PY "$LIB/simplesig.py" payload "$REG/test/img:1" "$DIGEST" >expected
	cmp expected "sigdir/${pdig#sha256:}"
	run --separate-stderr $PY "$LIB/simplesig.py" verify "$D/a.pub" expected sig
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr $PY "$LIB/simplesig.py" verify "$D/b.pub" expected sig
	[ "$status" -ne 0 ] || false
}

@test "trust verify: an unsigned image is refused, one line, exit 1" {
	pushed "$REG/test/unsigned:1"
	run --separate-stderr brig trust verify --key "$D/a.pub" "$REG/test/unsigned:1"
	[ "$status" -eq 1 ] || false
	[ -z "$output" ] || false
	[ "$stderr" = "brig: trust verify $REG/test/unsigned:1: test/unsigned@$DIGEST: no signatures (no sha256-${DIGEST#sha256:}.sig in the registry)" ] || false
}

@test "trust verify: a signature by another key is refused; a second key's signature is added beside the first" {
	pushed "$REG/test/keys:1"
	brig trust sign --key "$D/a.key" "$REG/test/keys:1" >/dev/null
	run --separate-stderr brig trust verify --key "$D/b.pub" "$REG/test/keys:1"
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust verify $REG/test/keys:1: no signature accepted for $DIGEST (signature 1: not signed by the key $D/b.pub)" ] || false
	# signed by b too: both layers, b's accepted, a's refusal reported
	brig trust sign --key "$D/b.key" "$REG/test/keys:1" >/dev/null
	run --separate-stderr brig trust verify --format json --key "$D/b.pub" "$REG/test/keys:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(jq -c '[.Verified, .Key, [.Signatures[].Rejected]]' <<<"$output")" = \
		"[true,\"$D/b.pub\",[\"not signed by the key $D/b.pub\",null]]" ] || false
	run --separate-stderr brig trust verify --key "$D/a.pub" "$REG/test/keys:1"
	[ "$status" -eq 0 ] || false
}

@test "trust verify: a signature for another digest is refused" {
	pushed "$REG/test/moved:1" sh
	local first=$DIGEST
	# a python-made .sig under the second image's tag carrying the first
	# image's signed payload: a replayed signature
	pushed "$REG/test/moved:2" true
	[ "$first" != "$DIGEST" ] || false
	$PY "$LIB/simplesig.py" payload "$REG/test/moved" "$first" >payload
	$PY "$LIB/simplesig.py" sign "$D/a.key" payload >sig
	$PY "$LIB/simplesig.py" push "$REG" test/moved "$DIGEST" "$D/reg/ca.crt" payload sig
	run --separate-stderr brig trust verify --key "$D/a.pub" "$REG/test/moved:2"
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust verify $REG/test/moved:2: no signature accepted for $DIGEST (signature 1: signs $first, not this image ($DIGEST))" ] || false
}

@test "trust verify: a .sig python wrote (third-party) is read; another repository's identity is refused" {
	pushed "$REG/test/third:1"
	$PY "$LIB/simplesig.py" payload "$REG/test/third" "$DIGEST" >payload
	$PY "$LIB/simplesig.py" sign "$D/b.key" payload >sig
	$PY "$LIB/simplesig.py" push "$REG" test/third "$DIGEST" "$D/reg/ca.crt" payload sig
	run --separate-stderr brig trust verify --key "$D/b.pub" "$REG/test/third:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Verified $REG/test/third@$DIGEST: signed by $D/b.pub, docker-reference $REG/test/third" ] || false
	# the same image pushed to another repository with that .sig: the
	# payload names test/third, not test/copy
	brig tag "$REG/test/third:1" "$REG/test/copy:1"
	brig push -q "$REG/test/copy:1" >/dev/null
	$PY "$LIB/simplesig.py" push "$REG" test/copy "$DIGEST" "$D/reg/ca.crt" payload sig
	run --separate-stderr brig trust verify --key "$D/b.pub" "$REG/test/copy:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(signature 1: signs docker-reference '$REG/test/third', not $REG/test/copy)" ]] || false
}

@test "trust sign and verify behind Basic auth: --authfile" {
	local rega=127.0.0.1:$(cat "$D/rega/port")
	brig import "$D/rootfs.tar" "$rega/test/tok:1" >/dev/null
	brig push -q --authfile "$D/auth.json" --digestfile digest "$rega/test/tok:1" >/dev/null
	run --separate-stderr brig trust sign --key "$D/a.key" "$rega/test/tok:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"the registry asks for credentials and none were given"* ]] || { echo "$stderr"; false; }
	run --separate-stderr brig trust sign --authfile "$D/auth.json" --key "$D/a.key" "$rega/test/tok:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig trust verify --authfile "$D/auth.json" --key "$D/a.pub" "$rega/test/tok:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Verified $rega/test/tok@$(cat digest): signed by $D/a.pub, docker-reference $rega/test/tok:1" ] || false
	[[ $output != *s3cret* && $stderr != *s3cret* ]] || false
}

@test "trust verify: a signature whose payload cannot be read refuses that signature, not the next" {
	pushed "$REG/test/broken:1"
	$PY "$LIB/simplesig.py" payload "$REG/test/broken" "$DIGEST" >payload
	$PY "$LIB/simplesig.py" sign "$D/a.key" payload >sig
	# the first layer's descriptor one byte too long, the second as it should be
	SIMPLESIG_FIRST_SIZE_DELTA=1 $PY "$LIB/simplesig.py" push "$REG" test/broken "$DIGEST" \
		"$D/reg/ca.crt" payload sig payload sig
	run --separate-stderr brig trust verify --format json --key "$D/a.pub" "$REG/test/broken:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(jq -r '.Signatures[0].Rejected' <<<"$output")" != null ] || false
	[ "$(jq -r '.Signatures[1].Rejected' <<<"$output")" = null ] || false
	# a layer of another media type is refused for that
	pushed "$REG/test/mediatype:1"
	$PY "$LIB/simplesig.py" payload "$REG/test/mediatype" "$DIGEST" >payload
	$PY "$LIB/simplesig.py" sign "$D/a.key" payload >sig
	SIMPLESIG_FIRST_MEDIA_TYPE=application/octet-stream $PY "$LIB/simplesig.py" push "$REG" \
		test/mediatype "$DIGEST" "$D/reg/ca.crt" payload sig
	run --separate-stderr brig trust verify --key "$D/a.pub" "$REG/test/mediatype:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(signature 1: not a simple signing payload (mediaType))" ]] || false
}
