#!/usr/bin/env bats
# sigstore "simple signing" payloads and signatures, detached (no
# registry): brig's against ones tests/lib/simplesig.py builds with
# python3-cryptography from the published format, byte for byte, both
# ways, for ECDSA P-256, RSA and Ed25519 keys.  See docs/trust-sigstore.md.

bats_require_minimum_version 1.5.0

load ../lib/brig

PY=/usr/bin/python3
LIB=$BATS_TEST_DIRNAME/../lib
IMG=127.0.0.1:5000/test/img
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222

setup() {
	$PY -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed"
	ROOT=$BATS_TEST_TMPDIR/root
	export BRIG_PASSPHRASE=pw
	cd "$BATS_TEST_TMPDIR" || false
	local k
	for k in ecdsa rsa ed25519; do
		$PY "$LIB/cosign_keys.py" write "$k.key" "$k.pub" "$k"
	done
}

pysig() { $PY "$LIB/simplesig.py" "$@"; }

@test "simple signing: brig's payload is cosign's, byte for byte" {
	run --separate-stderr brig trust sign --key ecdsa.key --payload-out p --signature-out s "$IMG@$D1"
	[ "$status" -eq 0 ] || false
	pysig payload "$IMG" "$D1" >expected
	cmp expected p
	run cat p
	[ "$output" = '{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/test/img"},"image":{"docker-manifest-digest":"'"$D1"'"},"type":"cosign container image signature"},"optional":null}' ] || false
}

@test "simple signing: brig verifies python's signatures and python verifies brig's (ECDSA, RSA, Ed25519)" {
	local k
	pysig payload "$IMG" "$D1" >payload
	for k in ecdsa rsa ed25519; do
		pysig sign "$k.key" payload >"py-$k.sig"
		run --separate-stderr brig trust verify --key "$k.pub" --payload payload --signature "py-$k.sig" "$IMG@$D1"
		[ "$status" -eq 0 ] || false
		[ "$output" = "Verified $IMG@$D1: signed by $k.pub, docker-reference $IMG" ] || false

		run --separate-stderr brig trust sign --key "$k.key" --payload-out "b-$k.payload" --signature-out "b-$k.sig" "$IMG@$D1"
		[ "$status" -eq 0 ] || false
		run --separate-stderr pysig verify "$k.pub" "b-$k.payload" "b-$k.sig"
		[ "$status" -eq 0 ] || false
		# and python's verifier refuses a signature by another key
		run --separate-stderr pysig verify "$k.pub" "b-$k.payload" py-ecdsa.sig
		if [ "$k" != ecdsa ]; then [ "$status" -ne 0 ] || false; fi
	done
	run --separate-stderr brig trust verify --format json --key rsa.pub --payload payload --signature py-rsa.sig "$IMG@$D1"
	[ "$status" -eq 0 ] || false
	[ "$(jq -c '[.Verified, .Key, .DockerReference, .Digest]' <<<"$output")" = '[true,"rsa.pub","'"$IMG"'","'"$D1"'"]' ] || false
}

@test "simple signing: tampered payload, another key, another digest, another repository are refused, each saying why" {
	pysig payload "$IMG" "$D1" >payload
	pysig sign ecdsa.key payload >sig
	# tampered: one byte of the payload changed
	sed 's/test\/img/test\/imh/' payload >tampered
	run --separate-stderr brig trust verify --key ecdsa.pub --payload tampered --signature sig "$IMG@$D1"
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust verify $IMG@$D1: no signature accepted (signature 1: not signed by the key ecdsa.pub)" ] || false
	# another key
	run --separate-stderr brig trust verify --key rsa.pub --payload payload --signature sig "$IMG@$D1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(signature 1: not signed by the key rsa.pub)" ]] || false
	# two keys, neither the signer's
	run --separate-stderr brig trust verify --key rsa.pub --key ed25519.pub --payload payload --signature sig "$IMG@$D1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(signature 1: not signed by any of the 2 keys given)" ]] || false
	# a valid signature for another digest
	run --separate-stderr brig trust verify --key ecdsa.pub --payload payload --signature sig "$IMG@$D2"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(signature 1: signs $D1, not this image ($D2))" ]] || false
	# a valid signature naming another repository
	run --separate-stderr brig trust verify --key ecdsa.pub --payload payload --signature sig "127.0.0.1:5000/other@$D1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(signature 1: signs docker-reference '$IMG', not 127.0.0.1:5000/other)" ]] || false
	# the right key among others is accepted
	run --separate-stderr brig trust verify --key rsa.pub --key ecdsa.pub --payload payload --signature sig "$IMG@$D1"
	[ "$status" -eq 0 ] || false
	[[ $output == *"signed by ecdsa.pub"* ]] || false
}

@test "simple signing: payloads are read strictly, signatures must be base64" {
	local bad
	# signed, but not the format: an unknown member of critical, another
	# type, a digest that is none
	printf '%s' '{"critical":{"identity":{"docker-reference":"'"$IMG"'"},"image":{"docker-manifest-digest":"'"$D1"'"},"type":"cosign container image signature","extra":1},"optional":null}' >p1
	printf '%s' '{"critical":{"identity":{"docker-reference":"'"$IMG"'"},"image":{"docker-manifest-digest":"'"$D1"'"},"type":"atomic container signature"},"optional":null}' >p2
	printf '%s' '{"critical":{"identity":{"docker-reference":"'"$IMG"'"},"image":{"docker-manifest-digest":"sha256:xyz"},"type":"cosign container image signature"},"optional":null}' >p3
	for bad in p1 p2 p3; do
		pysig sign ecdsa.key "$bad" >"$bad.sig"
		run --separate-stderr brig trust verify --key ecdsa.pub --payload "$bad" --signature "$bad.sig" "$IMG@$D1"
		[ "$status" -eq 1 ] || false
		[[ $stderr == *"(signature 1: payload: critical"* ]] || false
	done
	[[ $stderr == *"image.docker-manifest-digest: 'sha256:xyz' is no sha256 digest)" ]] || false
	pysig payload "$IMG" "$D1" >payload
	echo 'not base64!' >junk.sig
	run --separate-stderr brig trust verify --key ecdsa.pub --payload payload --signature junk.sig "$IMG@$D1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(signature 1: signature: not base64)" ]] || false
	# a payload by tag cannot be checked detached
	run --separate-stderr brig trust verify --key ecdsa.pub --payload payload --signature junk.sig "$IMG:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"a detached signature names the image by digest (NAME@sha256:...)" ]] || false
}

@test "simple signing: cosign's name for Docker Hub (index.docker.io) is Docker Hub" {
	pysig payload index.docker.io/library/bb "$D1" >payload
	pysig sign ecdsa.key payload >sig
	run --separate-stderr brig trust verify --key ecdsa.pub --payload payload --signature sig "bb@$D1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Verified docker.io/library/bb@$D1: signed by ecdsa.pub, docker-reference index.docker.io/library/bb" ] || false
	run --separate-stderr brig trust verify --key ecdsa.pub --payload payload --signature sig "docker.io/library/other@$D1"
	[ "$status" -eq 1 ] || false
	run --separate-stderr brig trust verify --key ecdsa.pub --payload payload --signature sig "index.docker.io.example/library/bb@$D1"
	[ "$status" -eq 1 ] || false
}
