#!/usr/bin/env bats
# sigstore bundles (v0.3: DSSE around an in-toto statement) checked by brig
# offline, and written by it as OCI referrers.  The peers: sigstore-js from
# npm (scripts/npm-peer.sh installs it under the build directory; its
# Fulcio is a CA made in the peer script, its Rekor @sigstore/mock), and
# tests/lib/bundle_vectors.py (python3-cryptography), which builds bundles
# from the published formats so that the verifier is covered where npm is
# unreachable.  The registry is Debian's docker-registry on 127.0.0.1
# (TLS), which lacks the referrers API: the fallback tag sha256-HEX is
# used.  See docs/trust-sigstore.md, "Bundles".

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
LIB=$BATS_TEST_DIRNAME/../lib
PY=/usr/bin/python3
load ../lib/registry
load ../lib/tsa

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# sigstore-js: installed once per build directory; when npm cannot,
	# its tests skip with npm's reason
	if ! "$SCRIPTS/npm-peer.sh" sigstore-js "${BRIG_BUILD:?}/sigstore-js" 2>"$d/sjs.err"; then
		tr '\n' ' ' <"$d/sjs.err" >"$d/sjs.skip"
	fi
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	$PY -c 'import cryptography' 2>/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	local h=127.0.0.1:$(cat "$d/reg/port")
	mkdir -p "$d/certs/$h"
	cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
	export BRIG_PASSPHRASE=pw
	local k
	for k in a b; do
		$PY "$LIB/cosign_keys.py" write "$d/$k.key" "$d/$k.pub"
	done
}

teardown_file() {
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
}

setup() {
	registry_needs
	$PY -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed"
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	REG=127.0.0.1:$(cat "$D/reg/port")
	SJS=$BRIG_BUILD/sigstore-js
	export BRIG_PASSPHRASE=pw
	# an image digest for the offline tests (nothing is pulled)
	DIG=sha256:$(printf 'offline image' | sha256sum | cut -c1-64)
	IMG=$REG/test/offline@$DIG
	cd "$BATS_TEST_TMPDIR" || false
}

teardown() {
	# the referrers server, when this test started one (its pid only)
	if [ -s "$BATS_TEST_TMPDIR/rs/pid" ]; then
		kill "$(cat "$BATS_TEST_TMPDIR/rs/pid")" 2>/dev/null || true
	fi
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$D/brig.conf" "$@"; }

needs_sigstore_js() {
	[ ! -s "$D/sjs.skip" ] || skip "sigstore-js could not be installed: $(cat "$D/sjs.skip")"
}

sjs() { timeout -k 10 120 node "$SJS/peer.js" "$@"; }

# pushed NAME [CMD]: the test image pushed as NAME; DIGEST its digest.
pushed() {
	brig import --change "CMD [\"${2:-sh}\"]" "$D/rootfs.tar" "$1" >/dev/null
	brig push -q --digestfile digest "$1" >/dev/null
	DIGEST=$(cat digest)
}

# get PATH [ACCEPT]: GET https://REG/v2/PATH with the registry's CA.
get() {
	curl -sSf --noproxy '*' --cacert "$D/reg/ca.crt" -H "Accept: ${2:-*/*}" "https://$REG/v2/$1"
}

# vbundle FILE [brig trust verify options...]: verify FILE for IMG.
vbundle() {
	local f=$1
	shift
	run --separate-stderr brig trust verify --bundle-file "$f" "$@" "$IMG"
}

# edit FILE PYTHON-EXPR: FILE's JSON as b, changed by the expression.
edit() {
	$PY - "$1" "$2" <<-'PY'
		import base64, json, sys
		b = json.load(open(sys.argv[1]))
		exec(sys.argv[2])
		json.dump(b, open(sys.argv[1], "w"))
	PY
}

@test "trust sign --bundle: a referrer and the fallback tag as cosign writes them; trust verify --bundle and sigstore-js accept it" {
	pushed "$REG/test/img:1"
	run --separate-stderr brig trust sign --bundle --key "$D/a.key" "$REG/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ "$output" == "Signed $REG/test/img@$DIGEST: bundle sha256:"* ]] || false
	run --separate-stderr brig trust verify --bundle --key "$D/a.pub" "$REG/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Verified $REG/test/img@$DIGEST: bundle signed by $D/a.pub" ] || false
	run --separate-stderr brig trust verify --bundle --key "$D/b.pub" "$REG/test/img:1"
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust verify $REG/test/img:1: no bundle accepted for $DIGEST (bundle 1: not signed by the key given)" ] || false

	# the fallback tag: an OCI index naming the referrer; the referrer's
	# subject is the image, its one layer the bundle
	local idx man bd
	idx=$(get "test/img/manifests/sha256-${DIGEST#sha256:}" application/vnd.oci.image.index.v1+json)
	[ "$(jq -r '.manifests[0].artifactType' <<<"$idx")" = application/vnd.dev.sigstore.bundle.v0.3+json ] || false
	man=$(get "test/img/manifests/$(jq -r '.manifests[0].digest' <<<"$idx")" application/vnd.oci.image.manifest.v1+json)
	[ "$(jq -r '.subject.digest' <<<"$man")" = "$DIGEST" ] || false
	[ "$(jq -r '.config.mediaType' <<<"$man")" = application/vnd.oci.empty.v1+json ] || false
	bd=$(jq -r '.layers[0].digest' <<<"$man")
	get "test/img/blobs/$bd" >bundle.json
	[ "$(jq -r .mediaType bundle.json)" = application/vnd.dev.sigstore.bundle.v0.3+json ] || false

	needs_sigstore_js
	run --separate-stderr sjs verify-key "$D/a.pub" bundle.json "$DIGEST"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr sjs verify-key "$D/b.pub" bundle.json "$DIGEST"
	[ "$status" -eq 1 ] || false
	run --separate-stderr sjs verify-key "$D/a.pub" bundle.json "$DIG"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"not for $DIG"* ]] || false
}

@test "trust sign --bundle twice: the fallback index keeps both referrers; each key verifies" {
	pushed "$REG/test/two:1"
	brig trust sign --bundle --key "$D/a.key" "$REG/test/two:1" >/dev/null
	brig trust sign --bundle --key "$D/b.key" "$REG/test/two:1" >/dev/null
	run get "test/two/manifests/sha256-${DIGEST#sha256:}" application/vnd.oci.image.index.v1+json
	[ "$status" -eq 0 ] || false
	[ "$(jq '.manifests | length' <<<"$output")" = 2 ] || false
	run --separate-stderr brig trust verify --bundle --key "$D/b.pub" "$REG/test/two:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig trust verify --bundle --key "$D/a.pub" "$REG/test/two@$DIGEST"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "trust verify --bundle: an image without bundles is refused, one line" {
	pushed "$REG/test/nobundle:1"
	run --separate-stderr brig trust verify --bundle --key "$D/a.pub" "$REG/test/nobundle:1"
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust verify $REG/test/nobundle:1: test/nobundle@$DIGEST: no sigstore bundles (no referrers)" ] || false
}

@test "sigstore-js key-based bundle: brig accepts it; wrong key, other digest, tampered payload refused" {
	needs_sigstore_js
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k.pem 2>/dev/null
	openssl pkey -in k.pem -pubout -out k.pub
	sjs sign-key k.pem "$DIG" "$REG/test/offline" >b.json
	vbundle b.json --key k.pub
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Verified $REG/test/offline@$DIG: bundle signed by k.pub" ] || false
	vbundle b.json --key "$D/a.pub"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: not signed by the key given)" ]] || false
	sjs sign-key k.pem "sha256:$(printf other | sha256sum | cut -c1-64)" "$REG/test/offline" >o.json
	vbundle o.json --key k.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: the statement is for sha256:$(printf other | sha256sum | cut -c1-64), not $DIG)" ]] || false
	cp b.json t.json
	edit t.json 'e = b["dsseEnvelope"]; p = json.loads(base64.b64decode(e["payload"])); p["predicate"] = {"x": 1}; e["payload"] = base64.b64encode(json.dumps(p).encode()).decode()'
	vbundle t.json --key k.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: not signed by the key given)" ]] || false
}

@test "sigstore-js Fulcio + Rekor bundle: accepted for its email and issuer; another email, issuer, CA or Rekor key refused" {
	needs_sigstore_js
	sjs sign-fulcio "$DIG" "$REG/test/offline" dev@example.com https://issuer.example f
	local ok=(--certificate-ca f/fulcio-ca.pem --rekor-key f/rekor.pub)
	vbundle f/bundle.json "${ok[@]}" --certificate-identity dev@example.com --certificate-oidc-issuer https://issuer.example
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Verified $REG/test/offline@$DIG: bundle signed by certificate for dev@example.com from https://issuer.example" ] || false
	vbundle f/bundle.json "${ok[@]}" --certificate-identity eve@example.com
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: the certificate is not for the email eve@example.com (subjectEmail))" ]] || false
	vbundle f/bundle.json "${ok[@]}" --certificate-oidc-issuer https://other.example
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"the certificate's OIDC issuer is https://issuer.example, not https://other.example (oidcIssuer))" ]] || false
	$PY "$LIB/bundle_vectors.py" fulcio v "$DIG" x dev@example.com https://issuer.example
	vbundle f/bundle.json --certificate-ca v/ca.pem --rekor-key f/rekor.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"does not chain to the Fulcio CA at the signing time"* ]] || false
	vbundle f/bundle.json --certificate-ca f/fulcio-ca.pem --rekor-key v/rekor.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"signed entry timestamp: not signed by the Rekor key"* ]] || false
	# a bad inclusion proof: another root hash (the checkpoint no longer
	# matches), or the SET removed and the proof's root changed
	cp f/bundle.json p.json
	edit p.json 'b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["rootHash"] = base64.b64encode(bytes(32)).decode()'
	vbundle p.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"inclusion proof: the audit path does not lead to the root hash"* ]] || false
}

@test "python vectors: Fulcio chain through an intermediate and a 13-leaf Rekor proof accepted; each tampering refused" {
	local k
	for k in dsse intoto; do
		$PY "$LIB/bundle_vectors.py" fulcio "v$k" "$DIG" x dev@example.com https://issuer.example --kind "$k"
		vbundle "v$k/bundle.json" --certificate-ca "v$k/ca.pem" --rekor-key "v$k/rekor.pub" \
			--certificate-identity dev@example.com --certificate-oidc-issuer https://issuer.example
		[ "$status" -eq 0 ] || { echo "$k: $stderr"; false; }
	done
	local ok=(--certificate-ca vdsse/ca.pem --rekor-key vdsse/rekor.pub)
	# the intermediate named as the CA is a trust anchor too (Go's roots)
	vbundle vdsse/bundle.json --certificate-ca vdsse/intermediate.pem --rekor-key vdsse/rekor.pub
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# a hash of the audit path changed
	cp vdsse/bundle.json h.json
	edit h.json 'p = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]; p["hashes"][1] = base64.b64encode(bytes(32)).decode()'
	vbundle h.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: inclusion proof: the audit path does not lead to the root hash)" ]] || false
	# the proof for another index
	cp vdsse/bundle.json i.json
	edit i.json 'b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["logIndex"] = "5"'
	vbundle i.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"inclusion proof: the audit path does not lead to the root hash"* ]] || false
	# the checkpoint signed by another key
	$PY "$LIB/bundle_vectors.py" fulcio w "$DIG" x dev@example.com https://issuer.example
	cp vdsse/bundle.json c.json
	edit c.json 'import json as j; o = j.load(open("w/bundle.json")); p = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]; q = o["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]; n = q["checkpoint"]["envelope"].split("\n\n")[1]; p["checkpoint"]["envelope"] = p["checkpoint"]["envelope"].split("\n\n")[0] + "\n\n" + n'
	vbundle c.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: checkpoint: not signed by the Rekor key)" ]] || false
	# the Rekor entry of another signature (the other vector's) pasted in
	cp vdsse/bundle.json x.json
	edit x.json 'import json as j; o = j.load(open("w/bundle.json")); b["verificationMaterial"]["tlogEntries"] = o["verificationMaterial"]["tlogEntries"]'
	vbundle x.json --certificate-ca vdsse/ca.pem --rekor-key w/rekor.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: the Rekor entry's body records another signature)" ]] || false
	# Rekor's time after the certificate expired
	$PY "$LIB/bundle_vectors.py" fulcio late "$DIG" x dev@example.com https://issuer.example --late 60
	vbundle late/bundle.json --certificate-ca late/ca.pem --rekor-key late/rekor.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"does not chain to the Fulcio CA at the signing time (certificate has expired))" ]] || false
	# no Rekor key: a certificate alone proves nothing about when
	vbundle vdsse/bundle.json --certificate-ca vdsse/ca.pem
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"the policy names no Rekor key (rekorPublicKey) and no TSA (policy.d timestampAuthorities) to prove when)" ]] || false
}

@test "RFC 3161 instead of Rekor: a Fulcio certificate timed by the TSA named is accepted; unnamed TSA, Rekor required, expired at the TSA's time refused" {
	tsa_make "$PWD/tsa"
	$PY "$LIB/bundle_vectors.py" fulcio f "$DIG" x dev@example.com https://issuer.example --no-tlog
	tsa_bundle "$PWD/tsa" tsa f/bundle.json t.json
	local id=(--certificate-identity dev@example.com --certificate-oidc-issuer https://issuer.example)
	vbundle t.json --certificate-ca f/ca.pem --timestamp-certificate-chain tsa/tsa-ca.crt "${id[@]}"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == "Verified $REG/test/offline@$DIG: bundle signed by certificate for dev@example.com from https://issuer.example, timestamped 20"??-??-??T??:??:??Z ]] || { echo "$output"; false; }
	# no TSA named: nothing proves when the certificate was used
	vbundle t.json --certificate-ca f/ca.pem "${id[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: signed with a certificate, but the policy names no Rekor key (rekorPublicKey) and no TSA (policy.d timestampAuthorities) to prove when"* ]] || { echo "$stderr"; false; }
	# a Rekor key named: its entry is required, the timestamp alone is not enough
	vbundle t.json --certificate-ca f/ca.pem --rekor-key f/rekor.pub --timestamp-certificate-chain tsa/tsa-ca.crt
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: no Rekor entry in the bundle, only an RFC 3161 timestamp: the policy names Rekor keys and does not accept a certificate timed by its TSA alone"* ]] || { echo "$stderr"; false; }
	# the TSA named but no timestamp in the bundle
	vbundle f/bundle.json --certificate-ca f/ca.pem --timestamp-certificate-chain tsa/tsa-ca.crt
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: no RFC 3161 timestamp in the bundle (one by the TSA named is required)"* ]] || { echo "$stderr"; false; }
	# a certificate whose ten minutes were over when the TSA stamped it
	$PY "$LIB/bundle_vectors.py" fulcio x "$DIG" x dev@example.com https://issuer.example --no-tlog --expired
	tsa_bundle "$PWD/tsa" tsa x/bundle.json tx.json
	vbundle tx.json --certificate-ca x/ca.pem --timestamp-certificate-chain tsa/tsa-ca.crt
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: the certificate does not chain to the Fulcio CA at the signing time (certificate has expired)"* ]] || { echo "$stderr"; false; }
}

@test "Certificate Transparency: the SCT in a Fulcio certificate verified with --ct-log-key; none, another log's, a bad signature refused" {
	local k
	for k in sct sct-bad; do
		$PY "$LIB/bundle_vectors.py" fulcio "$k" "$DIG" x dev@example.com https://issuer.example "--$k"
	done
	$PY "$LIB/bundle_vectors.py" fulcio plain "$DIG" x dev@example.com https://issuer.example
	vbundle sct/bundle.json --certificate-ca sct/ca.pem --rekor-key sct/rekor.pub --ct-log-key sct/ctlog.pub
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# no SCT in the certificate
	vbundle plain/bundle.json --certificate-ca plain/ca.pem --rekor-key plain/rekor.pub --ct-log-key sct/ctlog.pub
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: the certificate carries no SCT (the policy requires certificate transparency)"* ]] || { echo "$stderr"; false; }
	# an SCT by a log not named
	vbundle sct/bundle.json --certificate-ca sct/ca.pem --rekor-key sct/rekor.pub --ct-log-key sct-bad/ctlog.pub
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: none of the certificate's 1 SCTs is by a CT log the policy names"* ]] || { echo "$stderr"; false; }
	# the log's signature over other bytes
	vbundle sct-bad/bundle.json --certificate-ca sct-bad/ca.pem --rekor-key sct-bad/rekor.pub --ct-log-key sct-bad/ctlog.pub
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: the certificate's SCT 1, by a CT log the policy names, does not verify (its signature, or its time is after the signing time)"* ]] || { echo "$stderr"; false; }
}

@test "python vectors: a key-based bundle accepted; strict JSON names the field; a bundle by digest only" {
	$PY "$LIB/bundle_vectors.py" key k "$DIG" x
	vbundle k/bundle.json --key k/key.pub
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	cp k/bundle.json u.json
	edit u.json 'b["verificationMaterial"]["publicKey"]["hnit"] = "x"'
	vbundle u.json --key k/key.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"bundle: verificationMaterial.publicKey.hnit: unknown key"* ]] || false
	cp k/bundle.json s.json
	edit s.json 'b["dsseEnvelope"]["signatures"].append(b["dsseEnvelope"]["signatures"][0])'
	vbundle s.json --key k/key.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"bundle: dsseEnvelope.signatures: expected exactly one signature"* ]] || false
	cp k/bundle.json m.json
	edit m.json 'b["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.9+json"'
	vbundle m.json --key k/key.pub
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"bundle: mediaType: 'application/vnd.dev.sigstore.bundle.v0.9+json' is not a bundle v0.3 or v0.2"* ]] || false
	cp k/bundle.json v2.json
	edit v2.json 'b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2"'
	vbundle v2.json --key k/key.pub
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig trust verify --bundle-file k/bundle.json --key k/key.pub "$REG/test/offline:1"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"--bundle-file: name the image by digest (NAME@sha256:...)" ]] || false
}

@test "RFC 3161: a bundle timestamped by the TSA named is accepted with its time; none, another TSA's, one over other bytes refused" {
	tsa_make "$PWD/tsa"
	tsa_make "$PWD/tsa" other
	$PY "$LIB/bundle_vectors.py" key k "$DIG" x
	tsa_bundle "$PWD/tsa" tsa k/bundle.json t.json
	vbundle t.json --key k/key.pub --timestamp-certificate-chain tsa/tsa-ca.crt
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == "Verified $REG/test/offline@$DIG: bundle signed by k/key.pub, timestamped 20"??-??-??T??:??:??Z ]] || { echo "$output"; false; }
	# the TSA's own certificate named instead of its root
	vbundle t.json --key k/key.pub --timestamp-certificate-chain tsa/tsa.crt
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	vbundle k/bundle.json --key k/key.pub --timestamp-certificate-chain tsa/tsa-ca.crt
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: no RFC 3161 timestamp in the bundle (one by the TSA named is required)"* ]] || { echo "$stderr"; false; }
	vbundle t.json --key k/key.pub --timestamp-certificate-chain tsa/other-ca.crt
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: the timestamp does not verify (certificate verify error)"* ]] || { echo "$stderr"; false; }
	# a timestamp over other bytes (another bundle's signature)
	$PY "$LIB/bundle_vectors.py" key k2 "$DIG" x
	tsa_bundle "$PWD/tsa" tsa k2/bundle.json t2.json
	edit t.json 'b["verificationMaterial"]["timestampVerificationData"] = json.load(open("t2.json"))["verificationMaterial"]["timestampVerificationData"]'
	vbundle t.json --key k/key.pub --timestamp-certificate-chain tsa/tsa-ca.crt
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"bundle 1: the timestamp does not verify (message imprint mismatch)"* ]] || { echo "$stderr"; false; }
	edit t.json 'b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]["x"] = 1'
	vbundle t.json --key k/key.pub --timestamp-certificate-chain tsa/tsa-ca.crt
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"rfc3161Timestamps[0].x: unknown key"* ]] || { echo "$stderr"; false; }
}

@test "trust sign --bundle-out: brig's bundle file; sigstore-js verifies it" {
	brig trust sign --bundle-out out.json --key "$D/a.key" "$IMG"
	vbundle out.json --key "$D/a.pub"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	needs_sigstore_js
	run --separate-stderr sjs verify-key "$D/a.pub" out.json "$DIG"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	cp out.json t.json
	edit t.json 'e = b["dsseEnvelope"]; e["payloadType"] = "application/json"'
	run --separate-stderr sjs verify-key "$D/a.pub" t.json "$DIG"
	[ "$status" -eq 1 ] || false
}

@test "trust verify --bundle: the referrers API, asked with artifactType, when the registry has it" {
	$PY "$LIB/bundle_vectors.py" key k "$DIG" x
	mkdir rs
	$PY "$LIB/referrers_server.py" "$D/reg/tls/server.crt" "$D/reg/tls/server.key" "$PWD/rs" \
		"$DIG" k/bundle.json 2>rs/err &
	echo $! >rs/pid
	wait_for rs/port "the referrers server's port"
	local h=127.0.0.1:$(cat rs/port)
	mkdir -p "$D/certs/$h"
	cp "$D/reg/ca.crt" "$D/certs/$h/ca.crt"
	run --separate-stderr brig trust verify --bundle --key k/key.pub "$h/test/ref@$DIG"
	[ "$status" -eq 0 ] || { echo "$stderr"; cat rs/requests.log; false; }
	[ "$output" = "Verified $h/test/ref@$DIG: bundle signed by k/key.pub" ] || false
	run grep -c "^/v2/test/ref/referrers/$DIG?artifactType=application/vnd.dev.sigstore.bundle.v0.3%2Bjson$" rs/requests.log
	[ "$output" = 1 ] || { cat rs/requests.log; false; }
	run grep -c "sha256-" rs/requests.log
	[ "$output" = 0 ] || false
	run --separate-stderr brig trust verify --bundle --key "$D/a.pub" "$h/test/ref@$DIG"
	[ "$status" -eq 1 ] || false
	[[ "$stderr" == *"(bundle 1: not signed by the key given)" ]] || false
}
