#!/usr/bin/env bats
# Content trust at pull and run (docs/trust-check.md) for the signature
# formats beyond the cosign `.sig` layer: GPG simple signing from a
# registries.d lookaside (signedBy, signed by skopeo copy --sign-by) and
# sigstore bundles as OCI referrers (sigstoreSigned, signed by brig trust
# sign --bundle).  Against Debian's docker-registry on 127.0.0.1 with TLS.
# Each accepted pull is followed by a run that re-checks the stored
# signatures against a policy whose key was changed; each refusal names
# the signature found and why, and leaves the store empty.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
LIB=$BATS_TEST_DIRNAME/../lib
PY=/usr/bin/python3
load ../lib/registry
load ../lib/tsa
load ../lib/settled

# newkey DIR NAME: a throwaway ed25519 GPG signing key in GNUPGHOME DIR,
# its fingerprint in DIR.fpr and its public key in DIR.pub.
newkey() {
	mkdir -m 700 "$1"
	GNUPGHOME=$1 gpg --batch -q --passphrase '' --quick-gen-key "brig test $2 <$2@example.invalid>" \
		ed25519 sign never 2>/dev/null
	GNUPGHOME=$1 gpg --list-keys --with-colons | awk -F: '/^fpr/ { print $10; exit }' >"$1.fpr"
	GNUPGHOME=$1 gpg --export >"$1.pub"
}

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	command -v gpg >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig h k
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$brig" --root "$d/src" import "$d/rootfs.tar" localhost/bb:1 >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img.tar" localhost/bb:1
	rm -rf "$d/src"
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	h=127.0.0.1:$(cat "$d/reg/port")
	mkdir -p "$d/certs/$h" "$d/rd" "$d/sigs"
	cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
	printf 'docker:\n  "%s":\n    lookaside: file://%s\n    lookaside-staging: file://%s\n' \
		"$h" "$d/sigs" "$d/sigs" >"$d/rd/test.yaml"
	export BRIG_PASSPHRASE=pw
	for k in a b; do
		$PY "$LIB/cosign_keys.py" write "$d/$k.key" "$d/$k.pub"
		newkey "$d/gpg-$k" "$k"
	done
	# skopeo signs gpg/good:1 with GPG key a, gpg/other:1 with key b
	GNUPGHOME=$d/gpg-a skopeo copy -q --registries.d "$d/rd" --dest-cert-dir "$d/reg" \
		--sign-by "$(cat "$d/gpg-a.fpr")" "oci-archive:$d/img.tar" "docker://$h/gpg/good:1" >/dev/null
	GNUPGHOME=$d/gpg-b skopeo copy -q --registries.d "$d/rd" --dest-cert-dir "$d/reg" \
		--sign-by "$(cat "$d/gpg-b.fpr")" "oci-archive:$d/img.tar" "docker://$h/gpg/other:1" >/dev/null
	skopeo inspect --cert-dir "$d/reg" --format '{{.Digest}}' "docker://$h/gpg/good:1" >"$d/digest"
}

teardown_file() {
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
	local k
	for k in gpg-a gpg-b; do
		if [ -d "$BATS_FILE_TMPDIR/$k" ]; then
			GNUPGHOME=$BATS_FILE_TMPDIR/$k gpgconf --kill gpg-agent || true
		fi
	done
}

setup() {
	registry_needs
	command -v gpg >/dev/null || skip "gpg is not installed"
	$PY -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed"
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	PUSHROOT=$BATS_TEST_TMPDIR/pushroot
	REG=127.0.0.1:$(cat "$D/reg/port")
	GDIG=$(cat "$D/digest")
	[[ $GDIG == sha256:* ]] || skip "no digest of the GPG-signed image (setup_file failed)"
	export BRIG_PASSPHRASE=pw
	export BRIG_POLICY_DIR=$BATS_TEST_TMPDIR/etc
	export BRIG_REGISTRIES_D=$D/rd
	# brig's throwaway keyrings go here
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$BRIG_POLICY_DIR" "$TMPDIR"
	unset BRIG_CONTENT_TRUST
	cd "$BATS_TEST_TMPDIR" || false
}

teardown() {
	local id
	for id in $(brig ps -a -q --no-trunc 2>/dev/null); do
		brig rm -f "$id" >/dev/null 2>&1 || true
	done
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$D/brig.conf" "$@"; }
pub() { timeout -k 10 120 "$BRIG" --root "$PUSHROOT" --config "$D/brig.conf" "$@"; }

# pushed NAME: the test image pushed as NAME; DIGEST its manifest digest.
pushed() {
	pub import "$D/rootfs.tar" "$1" >/dev/null
	pub push -q --digestfile "$BATS_TEST_TMPDIR/digest" "$1" >/dev/null
	DIGEST=$(cat "$BATS_TEST_TMPDIR/digest")
}

# gpg_policy KEY: REG/gpg needs a GPG signature by key KEY (a or b).
gpg_policy() {
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"}]}}}\n' \
		"$REG/gpg" "$D/gpg-$1.pub" >"$BRIG_POLICY_DIR/policy.json"
}

# sigstore_policy KEY [IDENTITY-JSON]: REG/bundle needs a sigstore
# signature by KEY.pub; the identity rule is matchRepository unless given
# (cosign 3's bundle statements name the repository, without the tag).
sigstore_policy() {
	local id=${2:-'{"type":"matchRepository"}'}
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":%s}]}}}\n' \
		"$REG/bundle" "$D/$1.pub" "$id" >"$BRIG_POLICY_DIR/policy.json"
}

# fulcio_policy DIR: REG/bundle needs a Fulcio certificate for dev@example.com
# from https://issuer.example under DIR's CA (bundle_vectors.py fulcio); an
# empty policy.d.
fulcio_policy() {
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","fulcio":{"caPath":"%s","oidcIssuer":"https://issuer.example","subjectEmail":"dev@example.com"},"rekorPublicKeyPath":"%s"}]}}}\n' \
		"$REG/bundle" "$PWD/$1/ca.pem" "$PWD/$1/rekor.pub" >"$BRIG_POLICY_DIR/policy.json"
	mkdir -p "$BRIG_POLICY_DIR/policy.d"
}

store_empty() {
	local n
	n=$(brig images -q | wc -l)
	[ "$n" -eq 0 ] || { echo "store has $n images"; return 1; }
	n=$(find "$ROOT" -path '*/blobs/sha256/*' -type f 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] || { echo "store has $n blobs"; return 1; }
	n=$(find "$ROOT" -path '*/trust/images/*' -type f 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] || { echo "store has $n signature records"; return 1; }
}

# pulled_and_signed REF NAME: REF pulls, a container NAME is created from
# it, and its provenance gives the signing time.
pulled_and_signed() {
	run --separate-stderr brig pull -q "$1"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	run --separate-stderr brig create --name "$2" "$1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	run brig inspect -f '{{json .Brig.Provenance.Signers}}' "$2"
	[ "$(jq -r '.[0].SignedAt > 1700000000' <<<"$output")" = true ] || { echo "$output"; return 1; }
}

@test "GPG lookaside (signedBy): skopeo's signature accepted at pull; run re-checks it offline; a key removed from the policy stops the run" {
	gpg_policy a
	run --separate-stderr brig pull -q "$REG/gpg/good:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig run --name g1 "$REG/gpg/good:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{json .Brig.Provenance}}' g1
	[ "$status" -eq 0 ] || false
	echo "$output"
	[ "$(jq -r '[.Verified, .Decision, .Digest, .Signers[0].Format, .Signers[0].Key, .Signers[0].Identity] | @tsv' <<<"$output")" = \
		"$(printf 'true\taccept\t%s\tgpg-simplesig\tGPG key %s\t%s' "$GDIG" "$(cat "$D/gpg-a.fpr")" "$REG/gpg/good:1")" ] || false
	# the lookaside is gone: run judges the signatures stored at the pull
	mv "$D/sigs" "$D/sigs.away"
	run --separate-stderr brig run --rm "$REG/gpg/good:1" true
	mv "$D/sigs.away" "$D/sigs"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	gpg_policy b
	run --separate-stderr brig run --rm "$REG/gpg/good:1" true
	[ "$status" -eq 125 ] || { echo "$stderr"; false; }
	[[ $stderr == *"content trust refused $REG/gpg/good:1"*"signature 1 (gpg-simplesig, lookaside signature-1): requirement 1: refused: "*"checked against the signatures stored with the image"* ]] || { echo "$stderr"; false; }
}

@test "GPG lookaside (signedBy): a signature by another key is refused, naming it; nothing stored" {
	gpg_policy a
	run --separate-stderr brig pull "$REG/gpg/other:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signatures found: 1"*"signature 1 (gpg-simplesig, lookaside signature-1): requirement 1: refused: signed by key $(cat "$D/gpg-b.fpr"), which the policy does not name"* ]] || { echo "$stderr"; false; }
	[[ $stderr == *"looked at: GPG lookaside (registries.d): 1 signature under file://$D/sigs/gpg/other"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# an image with no lookaside signature: none found
	pushed "$REG/gpg/unsigned:1"
	run --separate-stderr brig pull "$REG/gpg/unsigned:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"no signature found"*"GPG lookaside (registries.d): 0 signatures under"* ]] || { echo "$stderr"; false; }
}

@test "sigstore bundle (sigstoreSigned): brig trust sign --bundle accepted at pull; run re-checks it; a key removed from the policy stops the run" {
	pushed "$REG/bundle/good:1"
	run --separate-stderr pub trust sign --bundle --key "$D/a.key" "$REG/bundle/good:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	sigstore_policy a
	run --separate-stderr brig pull -q "$REG/bundle/good:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig run --name b1 "$REG/bundle/good:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{json .Brig.Provenance}}' b1
	[ "$status" -eq 0 ] || false
	echo "$output"
	[ "$(jq -r '[.Verified, .Decision, .Digest, .Signers[0].Format, .Signers[0].Key] | @tsv' <<<"$output")" = \
		"$(printf 'true\taccept\t%s\tsigstore-bundle\t%s' "$DIGEST" "$D/a.pub")" ] || false
	sigstore_policy b
	run --separate-stderr brig run --rm "$REG/bundle/good:1" true
	[ "$status" -eq 125 ] || { echo "$stderr"; false; }
	[[ $stderr == *"content trust refused $REG/bundle/good:1"*"signature 1 (sigstore-bundle, registry referrer bundle 1): requirement 1: refused: not signed by the key the policy names ($D/b.pub)"*"checked against the signatures stored with the image"* ]] || { echo "$stderr"; false; }
}

@test "sigstore bundle (sigstoreSigned): a bundle by another key is refused, naming it; nothing stored" {
	pushed "$REG/bundle/other:1"
	run --separate-stderr pub trust sign --bundle --key "$D/b.key" "$REG/bundle/other:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	sigstore_policy a
	run --separate-stderr brig pull "$REG/bundle/other:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signatures found: 1"*"signature 1 (sigstore-bundle, registry referrer bundle 1): requirement 1: refused: not signed by the key the policy names ($D/a.pub)"* ]] || { echo "$stderr"; false; }
	[[ $stderr == *"looked at: sigstore .sig attachment: no sha256-"*"sigstore bundles (OCI referrers): 1 bundle"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "sigstore bundle: brig trust sign --bundle by tag, push, pull by that tag under the default identity rule; another tag of the digest is refused" {
	pushed "$REG/bundle/own:1"
	run --separate-stderr pub trust sign --bundle --key "$D/a.key" "$REG/bundle/own:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# no signedIdentity: matchRepoDigestOrExact
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s"}]}}}\n' \
		"$REG/bundle" "$D/a.pub" >"$BRIG_POLICY_DIR/policy.json"
	run --separate-stderr brig pull -q "$REG/bundle/own:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{.Id}}' "$REG/bundle/own:1"
	[ "$status" -eq 0 ] || false
	# the same digest under another tag: the statement names tag 1
	pub tag "$REG/bundle/own:1" "$REG/bundle/own:2" >/dev/null
	pub push -q "$REG/bundle/own:2" >/dev/null
	run --separate-stderr brig pull "$REG/bundle/own:2"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signature 1 (sigstore-bundle, registry referrer bundle 1): requirement 1: refused: its statement names '$REG/bundle/own:1', which signedIdentity (matchRepoDigestOrExact) does not accept"* ]] || { echo "$stderr"; false; }
	# by digest: any name of the repository
	run --separate-stderr brig pull -q "$REG/bundle/own@$DIGEST"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

# age_policy KEY-PUB [REKOR-PUB] SECONDS: REG/bundle needs a bundle by
# KEY-PUB (and a Rekor entry under REKOR-PUB), at most SECONDS old.
age_policy() {
	local key=$1 rekor=""
	if [ $# -eq 3 ]; then
		rekor=$(printf ',"rekorPublicKeyPath":"%s"' "$2")
		shift
	fi
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s"%s}]}}}\n' \
		"$REG/bundle" "$key" "$rekor" >"$BRIG_POLICY_DIR/policy.json"
	mkdir -p "$BRIG_POLICY_DIR/policy.d"
	printf '{"maxSignatureAge":{"%s":%s}}\n' "$REG/bundle" "$2" >"$BRIG_POLICY_DIR/policy.d/age.json"
}

@test "sigstore bundle: maxSignatureAge is judged by Rekor's signed integratedTime; without a checked Rekor entry the age cannot be judged" {
	pushed "$REG/bundle/timed:1"
	# a key-based bundle logged in Rekor 600 s ago (python-made), attached
	# as cosign attaches it
	$PY "$LIB/bundle_vectors.py" key k "$DIGEST" "$REG/bundle/timed:1" --rekor 600
	$PY "$LIB/bundle_vectors.py" attach "$REG" bundle/timed "$DIGEST" "$D/reg/ca.crt" k/bundle.json
	age_policy "$PWD/k/key.pub" "$PWD/k/rekor.pub" 3600
	run --separate-stderr brig pull -q "$REG/bundle/timed:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# the refusals below go to an empty store
	ROOT=$BATS_TEST_TMPDIR/root2
	age_policy "$PWD/k/key.pub" "$PWD/k/rekor.pub" 60
	run --separate-stderr brig pull "$REG/bundle/timed:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"requirement 1: refused: signed 6"??" s ago, more than this scope's maxSignatureAge of 60 s (policy.d)"* ]] || { echo "$stderr"; false; }
	# the Rekor entry unchecked (no Rekor key named): no time to judge
	age_policy "$PWD/k/key.pub" 3600
	run --separate-stderr brig pull "$REG/bundle/timed:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"requirement 1: refused: its Rekor entry's time is not checked: the requirement names no Rekor key (rekorPublicKey), so its age cannot be judged against this scope's maxSignatureAge (policy.d)"* ]] || { echo "$stderr"; false; }
	# brig's own key-based bundle has no Rekor entry
	pushed "$REG/bundle/untimed:1"
	pub trust sign --bundle --key "$D/a.key" "$REG/bundle/untimed:1" >/dev/null
	age_policy "$D/a.pub" 3600
	run --separate-stderr brig pull "$REG/bundle/untimed:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"requirement 1: refused: a sigstore bundle proves its signing time only by a Rekor entry or an RFC 3161 timestamp, and this one has neither, so its age cannot be judged against this scope's maxSignatureAge (policy.d)"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "sigstore bundle: an RFC 3161 timestamp by policy.d's TSA proves the signing time; run re-checks it; another TSA's or an unnamed TSA's is refused" {
	pushed "$REG/bundle/tsa:1"
	tsa_make "$PWD/tsa"
	tsa_make "$PWD/tsa" other
	$PY "$LIB/bundle_vectors.py" key k "$DIGEST" "$REG/bundle/tsa:1"
	tsa_bundle "$PWD/tsa" tsa k/bundle.json t.json
	$PY "$LIB/bundle_vectors.py" attach "$REG" bundle/tsa "$DIGEST" "$D/reg/ca.crt" t.json
	age_policy "$PWD/k/key.pub" 3600
	printf '{"timestampAuthorities":{"%s":"%s"}}\n' "$REG/bundle" "$PWD/tsa/tsa-ca.crt" >"$BRIG_POLICY_DIR/policy.d/tsa.json"
	pulled_and_signed "$REG/bundle/tsa:1" tsa
	# the policy now trusts another TSA: the stored bundle no longer passes
	printf '{"timestampAuthorities":{"%s":"%s"}}\n' "$REG/bundle" "$PWD/tsa/other-ca.crt" >"$BRIG_POLICY_DIR/policy.d/tsa.json"
	run --separate-stderr brig create "$REG/bundle/tsa:1" true
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"the timestamp does not verify (certificate verify error)"* ]] || { echo "$stderr"; false; }
	# no TSA named: the timestamp proves nothing, so the age cannot be judged
	ROOT=$BATS_TEST_TMPDIR/root2
	rm "$BRIG_POLICY_DIR/policy.d/tsa.json"
	run --separate-stderr brig pull "$REG/bundle/tsa:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"its RFC 3161 timestamp's time is not checked: the policy names no TSA certificate (policy.d timestampAuthorities), so its age cannot be judged"* ]] || { echo "$stderr"; false; }
	printf '{"timestampAuthorities":{"%s":"%s"}}\n' "$REG/nosuch" "$PWD/tsa/tsa-ca.crt" >"$BRIG_POLICY_DIR/policy.d/tsa.json"
	run --separate-stderr brig pull "$REG/bundle/tsa:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"timestampAuthorities: \"$REG/nosuch\": no such scope in the policy"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "sigstore bundle: a Fulcio certificate timed only by policy.d's TSA (keylessWithoutRekor) is accepted at pull and run; without keylessWithoutRekor refused" {
	pushed "$REG/bundle/keyless:1"
	tsa_make "$PWD/tsa"
	$PY "$LIB/bundle_vectors.py" fulcio f "$DIGEST" "$REG/bundle/keyless:1" dev@example.com https://issuer.example --no-tlog
	tsa_bundle "$PWD/tsa" tsa f/bundle.json t.json
	$PY "$LIB/bundle_vectors.py" attach "$REG" bundle/keyless "$DIGEST" "$D/reg/ca.crt" t.json
	fulcio_policy f
	printf '{"timestampAuthorities":{"%s":{"certificates":"%s","keylessWithoutRekor":true}}}\n' "$REG/bundle" "$PWD/tsa/tsa-ca.crt" >"$BRIG_POLICY_DIR/policy.d/tsa.json"
	pulled_and_signed "$REG/bundle/keyless:1" kl
	# the TSA named, but Rekor's entry still required: refused, saying so
	printf '{"timestampAuthorities":{"%s":"%s"}}\n' "$REG/bundle" "$PWD/tsa/tsa-ca.crt" >"$BRIG_POLICY_DIR/policy.d/tsa.json"
	run --separate-stderr brig create "$REG/bundle/keyless:1" true
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"no Rekor entry in the bundle, only an RFC 3161 timestamp: the policy names Rekor keys and does not accept a certificate timed by its TSA alone (policy.d timestampAuthorities: keylessWithoutRekor)"* ]] || { echo "$stderr"; false; }
	printf '{"timestampAuthorities":{"%s":{"certificates":"%s","keylessWithoutRekor":1}}}\n' "$REG/bundle" "$PWD/tsa/tsa-ca.crt" >"$BRIG_POLICY_DIR/policy.d/tsa.json"
	ROOT=$BATS_TEST_TMPDIR/root2
	run --separate-stderr brig pull "$REG/bundle/keyless:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"timestampAuthorities: \"$REG/bundle\".keylessWithoutRekor: expected true or false"* ]] || { echo "$stderr"; false; }
	# keylessWithoutRekor is for certificates: a key-based bundle timed by
	# the TSA still needs the Rekor entry the policy's Rekor key asks for
	$PY "$LIB/bundle_vectors.py" key k "$DIGEST" "$REG/bundle/keyless:1"
	tsa_bundle "$PWD/tsa" tsa k/bundle.json tk.json
	pushed "$REG/bundle/keyrek:1"
	$PY "$LIB/bundle_vectors.py" attach "$REG" bundle/keyrek "$DIGEST" "$D/reg/ca.crt" tk.json
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s","rekorPublicKeyPath":"%s","signedIdentity":{"type":"matchRepository"}}]}}}\n' \
		"$REG/bundle" "$PWD/k/key.pub" "$PWD/f/rekor.pub" >"$BRIG_POLICY_DIR/policy.json"
	printf '{"timestampAuthorities":{"%s":{"certificates":"%s","keylessWithoutRekor":true}}}\n' "$REG/bundle" "$PWD/tsa/tsa-ca.crt" >"$BRIG_POLICY_DIR/policy.d/tsa.json"
	run --separate-stderr brig pull "$REG/bundle/keyrek:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"no Rekor entry in the bundle (the policy names Rekor keys)"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "sigstore bundle: policy.d certificateTransparency checks the Fulcio certificate's SCT at pull and run (remembered with the log key); another log required refused, not required ignored" {
	pushed "$REG/bundle/ct:1"
	$PY "$LIB/bundle_vectors.py" fulcio f "$DIGEST" "$REG/bundle/ct:1" dev@example.com https://issuer.example --sct
	$PY "$LIB/bundle_vectors.py" fulcio x "$DIGEST" "$REG/bundle/ct:1" dev@example.com https://issuer.example --sct
	$PY "$LIB/bundle_vectors.py" attach "$REG" bundle/ct "$DIGEST" "$D/reg/ca.crt" f/bundle.json
	fulcio_policy f
	cp f/ctlog.pub ct.pub
	printf '{"certificateTransparency":{"%s":{"logKeys":["%s"],"required":true}}}\n' "$REG/bundle" "$PWD/ct.pub" >"$BRIG_POLICY_DIR/policy.d/ct.json"
	run --separate-stderr brig pull -q "$REG/bundle/ct:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# remembered at create (provenance_memo.c), the CT log key is among
	# what the memo depends on
	settled ct.pub "$BRIG_POLICY_DIR/policy.json" "$BRIG_POLICY_DIR/policy.d" "$BRIG_POLICY_DIR/policy.d/ct.json"
	run --separate-stderr brig create --name ct "$REG/bundle/ct:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ -f "$ROOT/trust/run/${DIGEST#sha256:}" ] || false
	cat x/ctlog.pub >ct.pub
	run --separate-stderr brig create "$REG/bundle/ct:1" true
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"none of the certificate's 1 SCTs is by a CT log the policy names"* ]] || { echo "$stderr"; false; }
	# another log's key, not required: an SCT by an unknown log is ignored
	printf '{"certificateTransparency":{"%s":{"logKeys":["%s"]}}}\n' "$REG/bundle" "$PWD/ct.pub" >"$BRIG_POLICY_DIR/policy.d/ct.json"
	run --separate-stderr brig create "$REG/bundle/ct:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	printf '{"certificateTransparency":{"%s":{"logKeys":["ct.pub"]}}}\n' "$REG/bundle" >"$BRIG_POLICY_DIR/policy.d/ct.json"
	ROOT=$BATS_TEST_TMPDIR/root2
	run --separate-stderr brig pull "$REG/bundle/ct:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"certificateTransparency.$REG/bundle: logKeys[0]: expected an absolute file name"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "trust explain fetches the signatures (referrers, lookaside) and says per requirement which it accepts and why it refuses the others; nothing is pulled" {
	pushed "$REG/bundle/explain:1"
	pub trust sign --bundle --key "$D/a.key" "$REG/bundle/explain:1" >/dev/null
	sigstore_policy a
	run --separate-stderr brig trust explain --format json "$REG/bundle/explain:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(jq -r '[.decision, .digest, .signaturesFound[0].format, .requirements[0].signatures[0].accepted, .requirements[0].signatures[0].key] | @tsv' <<<"$output")" = \
		"$(printf 'accept\t%s\tsigstore-bundle\ttrue\t%s' "$DIGEST" "$D/a.pub")" ] || { echo "$output"; false; }
	[[ $(jq -r .lookedAt <<<"$output") == *"sigstore bundles (OCI referrers): 1 bundle"* ]] || { echo "$output"; false; }
	sigstore_policy b
	run --separate-stderr brig trust explain "$REG/bundle/explain:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == *"Signatures:   1 found"*"1. sigstore-bundle, registry referrer bundle 1"* ]] || { echo "$output"; false; }
	[[ $output == *"requirement 1, signature 1: refused: not signed by the key the policy names ($D/b.pub)"*"Decision:     reject"* ]] || { echo "$output"; false; }
	# GPG signatures from the lookaside
	gpg_policy a
	run --separate-stderr brig trust explain --format json "$REG/gpg/good:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(jq -r '[.decision, .requirements[0].signatures[0].key] | @tsv' <<<"$output")" = \
		"$(printf 'accept\tGPG key %s' "$(cat "$D/gpg-a.fpr")")" ] || { echo "$output"; false; }
	# --no-fetch: the policy alone, nothing judged
	run --separate-stderr brig trust explain --no-fetch --format json "$REG/gpg/good:1"
	[ "$(jq -r '[.decision, .requirements[0].verifier] | @tsv' <<<"$output")" = \
		"$(printf 'reject\tsignature check not available')" ] || { echo "$output"; false; }
	# an image that is not there: said, not an error
	run --separate-stderr brig trust explain "$REG/gpg/none:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == *"Signatures:   not fetched"*"Reason:       the signatures could not be fetched: "* ]] || { echo "$output"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

# archive_policy SCOPE REQ-JSON: SCOPE of docker and both archive
# transports need REQ-JSON (one requirement).
archive_policy() {
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[%s]},"docker-archive":{"":[%s]},"oci-archive":{"":[%s]}}}\n' \
		"$1" "$2" "$2" "$2" >"$BRIG_POLICY_DIR/policy.json"
}

# travels NAME REQ-OK REQ-OTHER: NAME pulled under REQ-OK, saved; loaded
# into an empty store (lookaside away) and created under REQ-OK; refused
# at load under REQ-OTHER, nothing named.
travels() {
	local scope=${1%/*} g=$BATS_TEST_TMPDIR/gap
	archive_policy "$scope" "$2"
	run --separate-stderr brig pull -q "$1"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	run --separate-stderr brig save --format docker-archive -o a.tar "$1"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	mv "$D/sigs" "$D/sigs.away"
	run --separate-stderr "$BRIG" --root "$g" load -q -i a.tar
	[ "$status" -eq 0 ] || { mv "$D/sigs.away" "$D/sigs"; echo "$stderr"; return 1; }
	run --separate-stderr "$BRIG" --root "$g" create --name t "$1" true
	mv "$D/sigs.away" "$D/sigs"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	"$BRIG" --root "$g" rm -f t >/dev/null
	archive_policy "$scope" "$3"
	run --separate-stderr "$BRIG" --root "$g.2" load -q -i a.tar
	[ "$status" -eq 1 ] || { echo "load under the other key: status $status"; return 1; }
	[[ $stderr == *"content trust refused $1"*"scope transports.docker-archive[\"\"]"*"requirement 1: refused: "* ]] || { echo "$stderr"; return 1; }
	[ "$("$BRIG" --root "$g.2" images -q | wc -l)" -eq 0 ] || { echo "load named an image"; return 1; }
}

@test "save and load: GPG and bundle signatures travel in the archive; load checks them under the archive policy" {
	local gpg='{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"}' sig='{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":{"type":"matchRepository"}}'
	# shellcheck disable=SC2059
	run travels "$REG/gpg/good:1" "$(printf "$gpg" "$D/gpg-a.pub")" "$(printf "$gpg" "$D/gpg-b.pub")"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	rm -rf "$ROOT" "$BATS_TEST_TMPDIR/gap" "$BATS_TEST_TMPDIR/gap.2"
	pushed "$REG/bundle/travel:1"
	pub trust sign --bundle --key "$D/a.key" "$REG/bundle/travel:1" >/dev/null
	# shellcheck disable=SC2059
	run travels "$REG/bundle/travel:1" "$(printf "$sig" "$D/a.pub")" "$(printf "$sig" "$D/b.pub")"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}
