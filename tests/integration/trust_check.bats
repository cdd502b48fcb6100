#!/usr/bin/env bats
# Content trust wired into pull, run and create (docs/trust-check.md):
# against Debian's docker-registry on 127.0.0.1 with TLS, images signed
# with cosign `.sig` attachments that tests/lib/simplesig.py
# (python3-cryptography) writes independently of brig.  Every refusal
# leaves the store as it was; each has an accepted counterpart.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
LIB=$BATS_TEST_DIRNAME/../lib
PY=/usr/bin/python3
load ../lib/registry
load ../lib/settled

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR
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
	PUSHROOT=$BATS_TEST_TMPDIR/pushroot
	REG=127.0.0.1:$(cat "$D/reg/port")
	export BRIG_PASSPHRASE=pw
	# The system's policy of these tests: BRIG_POLICY_DIR/policy.json and
	# policy.d; none written yet is brig's built-in policy.
	export BRIG_POLICY_DIR=$BATS_TEST_TMPDIR/etc
	mkdir -p "$BRIG_POLICY_DIR"
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
# The publisher's store, apart from the one under test.
pub() { timeout -k 10 120 "$BRIG" --root "$PUSHROOT" --config "$D/brig.conf" "$@"; }

# pushed NAME [CMD]: the test image (Cmd CMD) pushed as NAME; DIGEST is
# its manifest digest.
pushed() {
	pub import --change "CMD [\"${2:-true}\"]" "$D/rootfs.tar" "$1" >/dev/null
	pub push -q --digestfile "$BATS_TEST_TMPDIR/digest" "$1" >/dev/null
	DIGEST=$(cat "$BATS_TEST_TMPDIR/digest")
}

# sign REPO DIGEST KEY [IDENTITY] [TIMESTAMP]: a python-made .sig layer
# (replacing the .sig manifest) signing DIGEST as IDENTITY (default
# REG/REPO:1).
sign() {
	SIMPLESIG_TIMESTAMP=${5:-} $PY "$LIB/simplesig.py" payload "${4:-$REG/$1:1}" "$2" >payload
	$PY "$LIB/simplesig.py" sign "$3" payload >sig
	$PY "$LIB/simplesig.py" push "$REG" "$1" "$2" "$D/reg/ca.crt" payload sig
}

# policy SCOPE KEYPUB [IDENTITY-JSON]: the system's policy: SCOPE needs a
# signature by KEYPUB, everything else is rejected.
policy() {
	local id=${3:-}
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s"%s}]}}}\n' \
		"$1" "$2" "${id:+,\"signedIdentity\":$id}" >"$BRIG_POLICY_DIR/policy.json"
}

# The store holds no image and no blob.
store_empty() {
	local n
	n=$(brig images -q | wc -l)
	[ "$n" -eq 0 ] || { echo "store has $n images"; return 1; }
	n=$(find "$ROOT" -path '*/blobs/sha256/*' -type f 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] || { echo "store has $n blobs"; return 1; }
	n=$(find "$ROOT" -path '*/trust/images/*' -type f 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] || { echo "store has $n signature records"; return 1; }
}

@test "default policy: an unsigned tag is refused (scope, reason, ways forward), nothing stored; by digest it is taken" {
	pushed "$REG/test/unsigned:1"
	run --separate-stderr brig pull -q "$REG/test/unsigned:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"content trust refused $REG/test/unsigned:1"* ]] || false
	[[ $stderr == *"policy brig's built-in policy, scope default (no scope of \"transports\" matched)"* ]] || false
	[[ $stderr == *"a tag must be signed by a key the policy names"* ]] || false
	[[ $stderr == *"ways forward: (1)"*"(2)"*"(3) pull by digest"* ]] || false
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run --separate-stderr brig pull -q "$REG/test/unsigned@$DIGEST"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "$REG/test/unsigned@$DIGEST" ] || false
}

@test "--disable-content-trust and BRIG_CONTENT_TRUST=0 take an unsigned tag for one command, with a warning" {
	pushed "$REG/test/off:1"
	run --separate-stderr brig pull -q --disable-content-trust "$REG/test/off:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $stderr == *"content trust is off for this command (--disable-content-trust)"* ]] || false
	# run re-checks the tag: refused, unless trust is off for the run too
	run --separate-stderr brig create "$REG/test/off:1"
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"content trust refused $REG/test/off:1"* ]] || { echo "$stderr"; false; }
	run --separate-stderr env BRIG_CONTENT_TRUST=0 "$BRIG" --root "$ROOT" --config "$D/brig.conf" \
		run --rm "$REG/test/off:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $stderr == *"content trust is off for this command (BRIG_CONTENT_TRUST=0)"* ]] || false
	run --separate-stderr env BRIG_CONTENT_TRUST=yes "$BRIG" --root "$ROOT" pull "$REG/test/off:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"BRIG_CONTENT_TRUST=yes: expected 0 or 1"* ]] || false
	# the engine config's content-trust = false: off for every command, said each time
	jq '. + {"content-trust": false}' "$D/brig.conf" >off.conf
	run --separate-stderr "$BRIG" --root "$BATS_TEST_TMPDIR/r2" --config off.conf pull -q "$REG/test/off:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $stderr == *"content trust is off (content-trust = false in the engine config)"* ]] || false
}

@test "signed by the key the policy names: pulled, signatures stored, run checks them, Brig.Provenance says who" {
	pushed "$REG/test/good:1"
	sign test/good "$DIGEST" "$D/a.key"
	policy "$REG/test" "$D/a.pub"
	run --separate-stderr brig pull -q "$REG/test/good:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig run --name c1 "$REG/test/good:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{json .Brig.Provenance}}' c1
	[ "$status" -eq 0 ] || false
	echo "$output"
	[ "$(jq -r '[.Verified, .Decision, .Reference, .Digest, .Signers[0].Key, .Signers[0].Identity] | @tsv' <<<"$output")" = \
		"$(printf 'true\taccept\t%s\t%s\t%s\t%s' "$REG/test/good:1" "$DIGEST" "$D/a.pub" "$REG/test/good:1")" ] || false
	[[ $(jq -r .Scope <<<"$output") == "transports.docker[\"$REG/test\"]" ]] || false
	[ "$(jq -r .AtPull.Decision <<<"$output")" = accept ] || false
	# --signature-policy on pull: another policy for one command
	printf '{"default":[{"type":"reject"}]}\n' >other.json
	run --separate-stderr brig pull --signature-policy other.json "$REG/test/good:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"policy other.json, scope default"* ]] || { echo "$stderr"; false; }
}

@test "refused, nothing stored: another key; another digest; a docker-reference the identity rule refuses; a tampered payload" {
	policy "$REG/test" "$D/a.pub"
	pushed "$REG/test/otherkey:1"
	sign test/otherkey "$DIGEST" "$D/b.key"
	run --separate-stderr brig pull "$REG/test/otherkey:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signatures found: 1"*"signature 1 (sigstore-simplesig, registry sha256-"*"requirement 1: refused: not signed by the key the policy names ($D/a.pub)"* ]] || { echo "$stderr"; false; }

	pushed "$REG/test/moved:1" sh
	local first=$DIGEST
	pushed "$REG/test/moved:1" true
	sign test/moved "$first" "$D/a.key"
	# the first image's signature, under the second image's .sig
	$PY "$LIB/simplesig.py" push "$REG" test/moved "$DIGEST" "$D/reg/ca.crt" payload sig
	run --separate-stderr brig pull "$REG/test/moved:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"refused: it signs $first, not this image ($DIGEST)"* ]] || { echo "$stderr"; false; }

	pushed "$REG/test/ident:1"
	sign test/ident "$DIGEST" "$D/a.key" "$REG/test/elsewhere:1"
	run --separate-stderr brig pull "$REG/test/ident:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"refused: it signs docker-reference '$REG/test/elsewhere:1', which the policy's matchRepoDigestOrExact rule does not accept"* ]] || { echo "$stderr"; false; }

	pushed "$REG/test/tamper:1"
	$PY "$LIB/simplesig.py" payload "$REG/test/tamper:1" "$DIGEST" >payload
	$PY "$LIB/simplesig.py" sign "$D/a.key" payload >sig
	sed -i 's/tamper:1/tamper:2/' payload
	$PY "$LIB/simplesig.py" push "$REG" test/tamper "$DIGEST" "$D/reg/ca.crt" payload sig
	run --separate-stderr brig pull "$REG/test/tamper:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"refused: not signed by the key the policy names"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the identity rule applies to every signature: a right-key, right-digest signature for another name does not count" {
	policy "$REG/test" "$D/a.pub"
	pushed "$REG/test/two:1"
	$PY "$LIB/simplesig.py" payload "$REG/test/nottwo:1" "$DIGEST" >p1
	$PY "$LIB/simplesig.py" sign "$D/a.key" p1 >s1
	$PY "$LIB/simplesig.py" push "$REG" test/two "$DIGEST" "$D/reg/ca.crt" p1 s1
	run --separate-stderr brig pull "$REG/test/two:1"
	[ "$status" -eq 1 ] || false
	# with a second, matching signature beside it: accepted
	$PY "$LIB/simplesig.py" payload "$REG/test/two:1" "$DIGEST" >p2
	$PY "$LIB/simplesig.py" sign "$D/a.key" p2 >s2
	$PY "$LIB/simplesig.py" push "$REG" test/two "$DIGEST" "$D/reg/ca.crt" p1 s1 p2 s2
	run --separate-stderr brig pull -q "$REG/test/two:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# matchRepository takes the tagless name cosign signs
	pushed "$REG/test/repo:1"
	sign test/repo "$DIGEST" "$D/a.key" "$REG/test/repo"
	run --separate-stderr brig pull -q "$REG/test/repo:1"
	[ "$status" -eq 1 ] || false
	policy "$REG/test" "$D/a.pub" '{"type":"matchRepository"}'
	run --separate-stderr brig pull -q "$REG/test/repo:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "rollback: an older signed digest for a tag is refused, --allow-downgrade takes it" {
	policy "$REG/test" "$D/a.pub"
	pushed "$REG/test/roll:1" sh
	local old=$DIGEST
	pub tag "$REG/test/roll:1" "$REG/test/rollkeep:old"
	sign test/roll "$old" "$D/a.key" "" 1700000000
	pushed "$REG/test/roll:1" true
	local new=$DIGEST
	sign test/roll "$new" "$D/a.key" "" 1700000100
	run --separate-stderr brig pull -q "$REG/test/roll:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# the registry serves the old image under the tag again (its signature is valid)
	pub tag "$REG/test/rollkeep:old" "$REG/test/roll:1"
	pub push -q "$REG/test/roll:1" >/dev/null
	local before
	before=$(brig images -q --no-trunc | sort)
	run --separate-stderr brig pull -q "$REG/test/roll:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"rollback refused: $REG/test/roll:1 was last accepted as $new, signed at 1700000100; this is $old, signed earlier (1700000000)"* ]] || { echo "$stderr"; false; }
	[ "$(brig images -q --no-trunc | sort)" = "$before" ] || false
	run --separate-stderr brig pull -q --allow-downgrade "$REG/test/roll:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $stderr == *"--allow-downgrade"* ]] || false
}

@test "rollback: the records keep the state; a rollback.json left stale or lost by a crash (it is not synced) forgets nothing" {
	policy "$REG/test" "$D/a.pub"
	pushed "$REG/test/crash:1" sh
	local old=$DIGEST st=$ROOT/trust/rollback.json
	pub tag "$REG/test/crash:1" "$REG/test/crashkeep:old"
	sign test/crash "$old" "$D/a.key" "" 1700000000
	run --separate-stderr brig pull -q "$REG/test/crash:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	cp -p "$st" stale.json
	pushed "$REG/test/crash:1" true
	local new=$DIGEST
	sign test/crash "$new" "$D/a.key" "" 1700000100
	run --separate-stderr brig pull -q "$REG/test/crash:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(jq -r '.Rollback.Time' "$ROOT/trust/images/${new#sha256:}.json")" = 1700000100 ] || false
	# the crash: the cache as it was before the second pull (older mtime)
	cp -p stale.json "$st"
	pub tag "$REG/test/crashkeep:old" "$REG/test/crash:1"
	pub push -q "$REG/test/crash:1" >/dev/null
	run --separate-stderr brig pull -q "$REG/test/crash:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"rollback refused: $REG/test/crash:1 was last accepted as $new, signed at 1700000100"* ]] || { echo "$stderr"; false; }
	# the cache lost altogether
	rm -f "$st"
	run --separate-stderr brig pull -q "$REG/test/crash:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"rollback refused: $REG/test/crash:1 was last accepted as $new"* ]] || { echo "$stderr"; false; }
}

@test "freshness: a signature older than policy.d's maxSignatureAge is refused; a fresh one is taken" {
	policy "$REG/test" "$D/a.pub"
	mkdir -p "$BRIG_POLICY_DIR/policy.d"
	printf '{"maxSignatureAge":{"%s":3600}}\n' "$REG/test" >"$BRIG_POLICY_DIR/policy.d/age.json"
	pushed "$REG/test/stale:1"
	sign test/stale "$DIGEST" "$D/a.key" "" 1700000000
	run --separate-stderr brig pull "$REG/test/stale:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"refused: signed "*" s ago, more than this scope's maxSignatureAge of 3600 s (policy.d)"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	sign test/stale "$DIGEST" "$D/a.key" "" "$(date +%s)"
	run --separate-stderr brig pull -q "$REG/test/stale:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "a policy with an unknown field refuses the pull, naming file and field; nothing stored" {
	pushed "$REG/test/badpol:1"
	printf '{"default":[{"type":"insecureAcceptAnything","bogus":1}]}\n' >"$BRIG_POLICY_DIR/policy.json"
	run --separate-stderr brig pull "$REG/test/badpol:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"$BRIG_POLICY_DIR/policy.json: default[0].bogus: unknown key"* ]] || { echo "$stderr"; false; }
	run store_empty
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "run and create: a key removed from the policy after the pull stops them (stored signatures, no network)" {
	pushed "$REG/test/revoked:1"
	sign test/revoked "$DIGEST" "$D/a.key"
	policy "$REG/test" "$D/a.pub"
	run --separate-stderr brig pull -q "$REG/test/revoked:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	policy "$REG/test" "$D/b.pub"
	run --separate-stderr brig run --rm "$REG/test/revoked:1"
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"content trust refused $REG/test/revoked:1"*"not signed by the key the policy names ($D/b.pub)"*"checked against the signatures stored with the image"* ]] || { echo "$stderr"; false; }
	run --separate-stderr brig create "$REG/test/revoked:1"
	[ "$status" -eq 125 ] || false
	[ "$(brig ps -a -q | wc -l)" -eq 0 ] || false
	# --signature-policy on run: the old key's policy for one command
	policy "$REG/test" "$D/a.pub"
	cp "$BRIG_POLICY_DIR/policy.json" a-policy.json
	policy "$REG/test" "$D/b.pub"
	run --separate-stderr brig run --rm --signature-policy a-policy.json "$REG/test/revoked:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "create remembers its check: the same record and policy files reuse the decision; a key file, policy.d, the policy's mode or the record changed is checked again" {
	pushed "$REG/test/memo:1"
	sign test/memo "$DIGEST" "$D/a.key"
	cp "$D/a.pub" k.pub
	policy "$REG/test" "$PWD/k.pub"
	mkdir "$BRIG_POLICY_DIR/policy.d"
	run --separate-stderr brig pull -q "$REG/test/memo:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	settled k.pub "$BRIG_POLICY_DIR/policy.json" "$BRIG_POLICY_DIR/policy.d"
	run --separate-stderr brig create --name m1 "$REG/test/memo:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	local memo=$ROOT/trust/run/${DIGEST#sha256:}
	[ -f "$memo" ] || { find "$ROOT/trust"; false; }
	# what the next create uses is the remembered decision (marked to see it)
	jq -c '.Provenance.Reason = "remembered"' "$memo" >m
	cat m >"$memo"
	run --separate-stderr brig create --name m2 "$REG/test/memo:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{.Brig.Provenance.Reason}}' m2
	[ "$output" = remembered ] || { echo "$output"; false; }
	# the key file rewritten in place with another key: checked again, refused
	cat "$D/b.pub" >k.pub
	run --separate-stderr brig create "$REG/test/memo:1" true
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"not signed by the key the policy names ($PWD/k.pub)"* ]] || { echo "$stderr"; false; }
	# the signing key back: the same files as remembered, the same decision
	cat "$D/a.pub" >k.pub
	run --separate-stderr brig create --name m3 "$REG/test/memo:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{.Brig.Provenance.Reason}}' m3
	[ "$output" = remembered ] || { echo "$output"; false; }
	# a policy.d file added: its requirement (reject) applies
	printf '{"transports":{"docker":{"%s":[{"type":"reject"}]}}}\n' "$REG/test" >"$BRIG_POLICY_DIR/policy.d/x.json"
	run --separate-stderr brig create "$REG/test/memo:1" true
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"content trust refused"* ]] || { echo "$stderr"; false; }
	rm "$BRIG_POLICY_DIR/policy.d/x.json"
	# the policy made writable by every user: no longer trusted
	chmod o+w "$BRIG_POLICY_DIR/policy.json"
	run --separate-stderr brig create "$REG/test/memo:1" true
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"policy.json: writable by every user"* ]] || { echo "$stderr"; false; }
	chmod o-w "$BRIG_POLICY_DIR/policy.json"
	# the record changed: judged again in full
	local rec=$ROOT/trust/images/${DIGEST#sha256:}.json
	jq -c '.Verification.Time = "2026-01-01T00:00:00Z"' "$rec" >r
	cat r >"$rec"
	run --separate-stderr brig create --name m4 "$REG/test/memo:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{.Brig.Provenance.Reason}}' m4
	[ "$output" = "every requirement is met" ] || { echo "$output"; false; }
}

@test "an image with no registry origin (imported) runs, its provenance says it is local" {
	brig import "$D/rootfs.tar" local/img:1 >/dev/null
	run --separate-stderr brig create --name loc local/img:1 true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{json .Brig.Provenance}}' loc
	[ "$(jq -r '[.Verified, .Decision] | @tsv' <<<"$output")" = "$(printf 'false\tlocal image')" ] || false
}

@test "push --sign-by-sigstore-private-key: brig signs what it pushed (tag and signing time); the policy takes it" {
	pub import "$D/rootfs.tar" "$REG/test/pushsig:1" >/dev/null
	run --separate-stderr pub push --sign-by-sigstore-private-key "$D/a.key" --digestfile dg "$REG/test/pushsig:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == *"Signed $REG/test/pushsig:1@$(cat dg)"* ]] || { echo "$output"; false; }
	policy "$REG/test" "$D/a.pub"
	run --separate-stderr brig pull -q "$REG/test/pushsig:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig create --name ps "$REG/test/pushsig:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{json .Brig.Provenance.Signers}}' ps
	[ "$(jq -r '.[0].Identity' <<<"$output")" = "$REG/test/pushsig:1" ] || { echo "$output"; false; }
	[ "$(jq -r '.[0].SignedAt > 1700000000' <<<"$output")" = true ] || false
	# a wrong passphrase stops the push before anything is uploaded
	run --separate-stderr env BRIG_PASSPHRASE=wrong "$BRIG" --root "$PUSHROOT" --config "$D/brig.conf" \
		push --sign-by-sigstore-private-key "$D/a.key" "$REG/test/pushsig:2"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"wrong passphrase"* ]] || { echo "$stderr"; false; }
}

@test "trust sign NAME:TAG: the .sig names the tag, so a pull by tag passes the default identity rule" {
	pushed "$REG/test/signtag:1"
	run --separate-stderr pub trust sign --key "$D/a.key" "$REG/test/signtag:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Signed $REG/test/signtag:1@$DIGEST" ] || { echo "$output"; false; }
	policy "$REG/test" "$D/a.pub"
	run --separate-stderr brig pull -q "$REG/test/signtag:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig create --name st "$REG/test/signtag:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{json .Brig.Provenance.Signers}}' st
	[ "$(jq -r '.[0].Identity' <<<"$output")" = "$REG/test/signtag:1" ] || { echo "$output"; false; }
	# by digest, the signature names the repository only
	run --separate-stderr pub trust sign --key "$D/b.key" "$REG/test/signtag@$DIGEST"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Signed $REG/test/signtag@$DIGEST" ] || { echo "$output"; false; }
}

@test "a warm pull that finds the same signatures keeps the record and rollback.json as they are; a new signature rewrites the record" {
	pushed "$REG/test/warm:1"
	sign test/warm "$DIGEST" "$D/a.key"
	policy "$REG/test" "$D/a.pub"
	run --separate-stderr brig pull -q "$REG/test/warm:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	local rec=$ROOT/trust/images/${DIGEST#sha256:}.json before rb
	before=$(stat -c %i "$rec")
	rb=$(stat -c '%i %Y.%y' "$ROOT/trust/rollback.json")
	run --separate-stderr brig pull -q "$REG/test/warm:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(stat -c %i "$rec")" = "$before" ] || { echo "the record was rewritten"; false; }
	[ "$(stat -c '%i %Y.%y' "$ROOT/trust/rollback.json")" = "$rb" ] || { echo "rollback.json was rewritten"; false; }
	# a second signer: the record changes, and says so
	pub trust sign --key "$D/b.key" "$REG/test/warm:1" >/dev/null
	run --separate-stderr brig pull -q "$REG/test/warm:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(stat -c %i "$rec")" != "$before" ] || { echo "the record was kept"; false; }
	[ "$(jq '.Signatures | length' "$rec")" = 2 ] || { cat "$rec"; false; }
}

# archive_policy KEYPUB: the system's policy: docker needs KEYPUB's
# signature under REG/test, and both archive transports need one too.
archive_policy() {
	local q="[{\"type\":\"sigstoreSigned\",\"keyPath\":\"$1\"}]"
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s":%s},"docker-archive":{"":%s},"oci-archive":{"":%s}}}\n' \
		"$REG/test" "$q" "$q" "$q" >"$BRIG_POLICY_DIR/policy.json"
}

@test "save and load: signatures travel in the archive; load checks them, run checks them again" {
	pushed "$REG/test/travel:1"
	sign test/travel "$DIGEST" "$D/a.key"
	archive_policy "$D/a.pub"
	run --separate-stderr brig pull -q "$REG/test/travel:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	local fmt
	for fmt in docker-archive oci-archive; do
		run --separate-stderr brig save --format "$fmt" -o "$fmt.tar" "$REG/test/travel:1"
		[ "$status" -eq 0 ] || { echo "$stderr"; false; }
		tar -xOf "$fmt.tar" brig-signatures.json >sigs.json
		[ "$(jq -r --arg d "$DIGEST" '.[$d].Reference' sigs.json)" = "$REG/test/travel:1" ] || false
		# an air-gapped store: loaded, then run under the same policy
		run --separate-stderr "$BRIG" --root "$BATS_TEST_TMPDIR/gap-$fmt" load -q -i "$fmt.tar"
		[ "$status" -eq 0 ] || { echo "$stderr"; false; }
		run --separate-stderr "$BRIG" --root "$BATS_TEST_TMPDIR/gap-$fmt" create --name t "$REG/test/travel:1" true
		[ "$status" -eq 0 ] || { echo "$stderr"; false; }
		run "$BRIG" --root "$BATS_TEST_TMPDIR/gap-$fmt" inspect -f '{{json .Brig.Provenance.Signers}}' t
		[ "$(jq -r '.[0].Key' <<<"$output")" = "$D/a.pub" ] || { echo "$output"; false; }
		"$BRIG" --root "$BATS_TEST_TMPDIR/gap-$fmt" rm -f t >/dev/null
	done
	# without its signatures, the archive is refused under this policy; nothing is named
	tar -f docker-archive.tar --delete brig-signatures.json
	run --separate-stderr "$BRIG" --root "$BATS_TEST_TMPDIR/gap3" load -q -i docker-archive.tar
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"content trust refused $REG/test/travel:1: policy $BRIG_POLICY_DIR/policy.json, scope transports.docker-archive[\"\"]"*"no signature found"* ]] || { echo "$stderr"; false; }
	[ "$("$BRIG" --root "$BATS_TEST_TMPDIR/gap3" images -q | wc -l)" -eq 0 ] || false
	# brig's built-in policy takes an unsigned archive (the user's own file)
	rm "$BRIG_POLICY_DIR/policy.json"
	run --separate-stderr "$BRIG" --root "$BATS_TEST_TMPDIR/gap4" load -q -i docker-archive.tar
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "load: an archive whose image was changed after signing is refused; nothing is named" {
	pushed "$REG/test/changed:1"
	sign test/changed "$DIGEST" "$D/a.key"
	archive_policy "$D/a.pub"
	brig pull -q "$REG/test/changed:1" >/dev/null
	brig save --format oci-archive -o a.tar "$REG/test/changed:1"
	# a new Cmd in the config, the manifest and index.json rewritten to
	# match, and the stored signature moved to the new manifest's digest
	mkdir x
	tar -C x -xf a.tar
	$PY - x <<-'PY'
		import hashlib, json, os, sys
		d = sys.argv[1]
		def blob(h): return os.path.join(d, "blobs/sha256", h.split(":")[1])
		def put(obj):
		    b = json.dumps(obj).encode()
		    h = "sha256:" + hashlib.sha256(b).hexdigest()
		    open(blob(h), "wb").write(b)
		    return h, len(b)
		idx = json.load(open(os.path.join(d, "index.json")))
		old = idx["manifests"][0]["digest"]
		man = json.load(open(blob(old)))
		cfg = json.load(open(blob(man["config"]["digest"])))
		cfg["config"]["Cmd"] = ["sh", "-c", "echo evil"]
		man["config"]["digest"], man["config"]["size"] = put(cfg)
		new, size = put(man)
		idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = new, size
		json.dump(idx, open(os.path.join(d, "index.json"), "w"))
		sp = os.path.join(d, "brig-signatures.json")
		sigs = json.load(open(sp))
		rec = sigs.pop(old)
		rec["Digest"] = new
		sigs[new] = rec
		json.dump(sigs, open(sp, "w"))
	PY
	tar -C x -cf b.tar .
	run --separate-stderr "$BRIG" --root "$BATS_TEST_TMPDIR/gap" load -q -i b.tar
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"content trust refused"*"refused: it signs $DIGEST, not this image"* ]] || { echo "$stderr"; false; }
	[ "$("$BRIG" --root "$BATS_TEST_TMPDIR/gap" images -q | wc -l)" -eq 0 ] || false
	run find "$BATS_TEST_TMPDIR/gap" -path '*/trust/images/*' -type f
	[ -z "$output" ] || false
}
