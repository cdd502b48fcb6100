#!/usr/bin/env bats
# sigstore bundles whose transparency log entry is a Rekor v2 entry (kind
# dsse 0.0.2: no signed entry timestamp, an inclusion proof to a
# checkpoint signed by the log's key), checked by brig offline.  The peer:
# sigstore-js (tests/lib/sigstore-js/peer.js sign-rekor2: its RekorWitness
# for Rekor v2, a log in the peer script, its verifier checking the
# key-based ones first); the RFC 3161 timestamps come from openssl ts
# (tests/lib/tsa.bash).  See docs/trust-sigstore.md, "Bundles".

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
LIB=$BATS_TEST_DIRNAME/../lib
PY=/usr/bin/python3
load ../lib/brig
load ../lib/tsa

# what every test needs: the bundles sigstore-js made (one node process)
# and their timestamped copies
setup_file() {
	local d=$BATS_FILE_TMPDIR
	if ! "$SCRIPTS/npm-peer.sh" sigstore-js "${BRIG_BUILD:?}/sigstore-js" 2>"$d/sjs.err"; then
		tr '\n' ' ' <"$d/sjs.err" >"$d/sjs.skip"
		return 0
	fi
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	local dig=sha256:$(printf 'offline image' | sha256sum | cut -c1-64)
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/k.pem" 2>/dev/null
	openssl pkey -in "$d/k.pem" -pubout -out "$d/k.pub"
	if ! timeout -k 10 120 node "$BRIG_BUILD/sigstore-js/peer.js" sign-rekor2 "$d/k.pem" "$dig" \
		127.0.0.1:5000/test/offline dev@example.com https://issuer.example "$d/v2" 2>"$d/sjs.err"; then
		tr '\n' ' ' <"$d/sjs.err" >"$d/sjs.fail"
		return 0
	fi
	tsa_make "$d/tsa"
	local k
	for k in ecdsa ed25519 fulcio; do
		tsa_bundle "$d/tsa" tsa "$d/v2/$k/bundle.json" "$d/v2/$k/tsa.json"
	done
}

setup() {
	D=$BATS_FILE_TMPDIR
	[ ! -s "$D/sjs.skip" ] || skip "sigstore-js could not be installed: $(cat "$D/sjs.skip")"
	[ ! -s "$D/sjs.fail" ] || { cat "$D/sjs.fail"; false; }
	ROOT=$BATS_TEST_TMPDIR/root
	V=$D/v2
	DIG=sha256:$(printf 'offline image' | sha256sum | cut -c1-64)
	IMG=127.0.0.1:5000/test/offline@$DIG
	cd "$BATS_TEST_TMPDIR" || false
}

# vbundle FILE [brig trust verify options...]: verify FILE for IMG.
vbundle() {
	local f=$1
	shift
	run --separate-stderr brig trust verify --bundle-file "$f" "$@" "$IMG"
}

# edit IN OUT PYTHON-EXPR: IN's JSON as b, t its first Rekor entry, body
# that entry's body (JSON, written back when changed), changed by the
# expression; OUT.
edit() {
	$PY - "$1" "$2" "$3" <<-'PY'
		import base64, json, sys
		b = json.load(open(sys.argv[1]))
		t = b["verificationMaterial"]["tlogEntries"][0]
		body = json.loads(base64.b64decode(t["canonicalizedBody"]))
		orig = json.loads(base64.b64decode(t["canonicalizedBody"]))
		exec(sys.argv[3])
		if body != orig:
		    t["canonicalizedBody"] = base64.b64encode(json.dumps(body).encode()).decode()
		json.dump(b, open(sys.argv[2], "w"))
	PY
}

@test "Rekor v2: sigstore-js's key-based bundles with entries of an ECDSA and an Ed25519 log accepted; a TSA gives them a time" {
	local k
	for k in ecdsa ed25519; do
		vbundle "$V/$k/bundle.json" --key "$D/k.pub" --rekor-key "$V/$k/rekor.pub"
		[ "$status" -eq 0 ] || { echo "$k: $stderr"; false; }
		[ "$output" = "Verified $IMG: bundle signed by $D/k.pub" ] || { echo "$output"; false; }
		# another log's key: its checkpoint is not signed by it
		vbundle "$V/$k/bundle.json" --key "$D/k.pub" --rekor-key "$V/fulcio/rekor.pub"
		[ "$status" -eq 1 ] || false
		[[ $stderr == *"(bundle 1: checkpoint: not signed by the Rekor key)" ]] || { echo "$stderr"; false; }
	done
	# no time of its own: the TSA's timestamp is the signing time
	vbundle "$V/ecdsa/tsa.json" --key "$D/k.pub" --rekor-key "$V/ecdsa/rekor.pub" \
		--timestamp-certificate-chain "$D/tsa/tsa-ca.crt"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == "Verified $IMG: bundle signed by $D/k.pub, timestamped 20"??-??-??T??:??:??Z ]] || { echo "$output"; false; }
}

@test "Rekor v2: a Fulcio certificate with a v2 entry is timed by its TSA; without one nothing proves when; the entry must record the leaf" {
	local ok=(--certificate-ca "$V/fulcio/fulcio-ca.pem" --rekor-key "$V/fulcio/rekor.pub"
		--certificate-identity dev@example.com --certificate-oidc-issuer https://issuer.example)
	vbundle "$V/fulcio/tsa.json" "${ok[@]}" --timestamp-certificate-chain "$D/tsa/tsa-ca.crt"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == "Verified $IMG: bundle signed by certificate for dev@example.com from https://issuer.example, timestamped 20"??-??-??T??:??:??Z ]] || { echo "$output"; false; }
	vbundle "$V/fulcio/bundle.json" "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: neither a Rekor signed entry timestamp nor an RFC 3161 timestamp proves when the certificate was used (a Rekor v2 entry has no signed entry timestamp: its time must come from a TSA))" ]] || { echo "$stderr"; false; }
	# the body's verifier another certificate (the CA's) than the bundle's leaf
	edit "$V/fulcio/tsa.json" o.json 'import subprocess; der = subprocess.run(["openssl", "x509", "-in", sys.argv[1].replace("tsa.json", "fulcio-ca.pem"), "-outform", "DER"], capture_output=True).stdout; body["spec"]["dsseV002"]["signatures"][0]["verifier"]["x509Certificate"]["rawBytes"] = base64.b64encode(der).decode()'
	vbundle o.json "${ok[@]}" --timestamp-certificate-chain "$D/tsa/tsa-ca.crt"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: the Rekor entry's body records another certificate)" ]] || { echo "$stderr"; false; }
}

@test "Rekor v2 refusals: another signature's entry, another verifier, a tampered proof, another log's checkpoint or log ID, no proof, a SET, unknown kinds" {
	local ok=(--key "$D/k.pub" --rekor-key "$V/ecdsa/rekor.pub")
	# the entry of another signature (the Ed25519 log's, same key and statement)
	edit "$V/ecdsa/bundle.json" x.json 'import json as j; b["verificationMaterial"]["tlogEntries"] = j.load(open(sys.argv[1].replace("ecdsa", "ed25519")))["verificationMaterial"]["tlogEntries"]; t = b["verificationMaterial"]["tlogEntries"][0]; body = json.loads(base64.b64decode(t["canonicalizedBody"]))'
	vbundle x.json --key "$D/k.pub" --rekor-key "$V/ed25519/rekor.pub"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: the Rekor entry's body records another signature)" ]] || { echo "$stderr"; false; }
	# the body's verifier another key (the Fulcio log's)
	edit "$V/ecdsa/bundle.json" w.json 'import subprocess; der = subprocess.run(["openssl", "pkey", "-pubin", "-in", sys.argv[1].replace("ecdsa/bundle.json", "fulcio/rekor.pub"), "-outform", "DER"], capture_output=True).stdout; body["spec"]["dsseV002"]["signatures"][0]["verifier"] = {"publicKey": {"rawBytes": base64.b64encode(der).decode()}, "keyDetails": "PKIX_ECDSA_P256_SHA_256"}'
	vbundle w.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: the Rekor entry's body records another verifier (its key does not verify the envelope's signature))" ]] || { echo "$stderr"; false; }
	# a hash of the audit path changed
	edit "$V/ecdsa/bundle.json" h.json 't["inclusionProof"]["hashes"][1] = base64.b64encode(bytes(32)).decode()'
	vbundle h.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: inclusion proof: the audit path does not lead to the root hash)" ]] || { echo "$stderr"; false; }
	# the checkpoint's signature line of another log (same origin, other key)
	edit "$V/ecdsa/bundle.json" c.json 'import json as j; o = j.load(open(sys.argv[1].replace("ecdsa", "fulcio")))["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"]; c = t["inclusionProof"]["checkpoint"]; c["envelope"] = c["envelope"].split("\n\n")[0] + "\n\n" + o.split("\n\n")[1]'
	vbundle c.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: checkpoint: not signed by the Rekor key)" ]] || { echo "$stderr"; false; }
	# an Ed25519 key ID hashes the key name: a line under another name is not the key's
	edit "$V/ed25519/bundle.json" n.json 'c = t["inclusionProof"]["checkpoint"]; c["envelope"] = c["envelope"].replace("\u2014 rekor.brig.invalid ", "\u2014 other.invalid ")'
	vbundle n.json --key "$D/k.pub" --rekor-key "$V/ed25519/rekor.pub"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: checkpoint: not signed by the Rekor key)" ]] || { echo "$stderr"; false; }
	# the entry names another log
	edit "$V/ecdsa/bundle.json" l.json 't["logId"]["keyId"] = base64.b64encode(bytes(32)).decode()'
	vbundle l.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: the Rekor entry's logId is not the log ID of the Rekor key (rekor v2: its checkpoint key's))" ]] || { echo "$stderr"; false; }
	# no inclusion proof
	edit "$V/ecdsa/bundle.json" p.json 'del t["inclusionProof"]'
	vbundle p.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: the Rekor v2 entry has no inclusion proof (a v2 entry's only proof of inclusion))" ]] || { echo "$stderr"; false; }
	# a signed entry timestamp, which v2 logs never write
	edit "$V/ecdsa/bundle.json" s.json 't["inclusionPromise"] = {"signedEntryTimestamp": base64.b64encode(bytes(70)).decode()}'
	vbundle s.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: a Rekor v2 entry with a signed entry timestamp (v2 logs sign none))" ]] || { echo "$stderr"; false; }
	# an unknown version; a kindVersion the body does not have
	edit "$V/ecdsa/bundle.json" u.json 't["kindVersion"]["version"] = "0.0.3"; body["apiVersion"] = "0.0.3"'
	vbundle u.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: a Rekor entry of kind dsse 0.0.3 (expected dsse 0.0.1, intoto 0.0.2 or Rekor v2's dsse 0.0.2))" ]] || { echo "$stderr"; false; }
	edit "$V/ecdsa/bundle.json" r.json 't["kindVersion"]["kind"] = "hashedrekord"'
	vbundle r.json "${ok[@]}"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"(bundle 1: the Rekor entry's body is of another kind than kindVersion says)" ]] || { echo "$stderr"; false; }
}
