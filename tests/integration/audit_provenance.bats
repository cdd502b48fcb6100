#!/usr/bin/env bats
# brig audit containers, where an image came from (docs/audit.md,
# "Provenance and age"): against Debian's docker-registry on 127.0.0.1 with
# TLS, an image signed by two keys (tests/lib/simplesig.py) is pulled and
# run under a policy that names both; the audit then judges the
# signatures stored with the image against the policy as it stands: a key
# taken out of the policy is a finding, the policy refusing the image is
# a high one.  Nothing leaves the host.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
LIB=$BATS_TEST_DIRNAME/../lib
PY=/usr/bin/python3
load ../lib/registry

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	$PY -c 'import cryptography' 2>/dev/null || return 0
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
	# The image, signed by a and by b, pushed once for every test.
	local pub=("$BRIG_BUILD/src/cli/brig/brig" --root "$d/pushroot" --config "$d/brig.conf")
	"${pub[@]}" import "$d/rootfs.tar" "$h/test/signed:1" >/dev/null
	"${pub[@]}" push -q --digestfile "$d/digest" "$h/test/signed:1" >/dev/null
	(
		cd "$d" || exit 1
		$PY "$LIB/simplesig.py" payload "$h/test/signed:1" "$(cat digest)" >payload
		$PY "$LIB/simplesig.py" sign a.key payload >sig.a
		$PY "$LIB/simplesig.py" sign b.key payload >sig.b
		$PY "$LIB/simplesig.py" push "$h" test/signed "$(cat digest)" reg/ca.crt \
			payload sig.a payload sig.b
	) >/dev/null
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
	export BRIG_POLICY_DIR=$BATS_TEST_TMPDIR/etc
	mkdir -p "$BRIG_POLICY_DIR"
	unset BRIG_CONTENT_TRUST
}

teardown() {
	local id
	for id in $(brig ps -a -q --no-trunc 2>/dev/null); do
		brig rm -f "$id" >/dev/null 2>&1 || true
	done
}

brig() { timeout -k 10 120 "$BRIG" --root "$ROOT" --config "$D/brig.conf" "$@"; }

# policy KEYPUB...: the system's policy: REG/test needs a signature by
# each KEYPUB (one requirement each), everything else is rejected.
policy() {
	local reqs=() k
	for k in "$@"; do
		reqs+=("{\"type\":\"sigstoreSigned\",\"keyPath\":\"$k\"}")
	done
	local IFS=,
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s/test":[%s]}}}\n' \
		"$REG" "${reqs[*]}" >"$BRIG_POLICY_DIR/policy.json"
}

# prov_findings: "ID SEVERITY: MESSAGE" of brig audit's image provenance
# findings (brig.ctr.image-*) of the containers.
prov_findings() {
	run brig audit containers --format json
	[ "$status" -le 1 ] || { echo "$output" >&2; return 1; }
	jq -r '.Findings[] | select(.Id | startswith("brig.ctr.image-")) | .Id + " " + .Severity + ": " + .Message' <<<"$output"
}

@test "audit provenance: verified by a key no longer in the policy, and refused by the policy as it stands" {
	policy "$D/a.pub" "$D/b.pub"
	run --separate-stderr brig run -d --name sig "$REG/test/signed:1" sleep 1000
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig inspect -f '{{json .Brig.Provenance.Signers}}' sig
	[ "$(jq -r 'map(.Key) | sort | join(" ")' <<<"$output")" = "$D/a.pub $D/b.pub" ] || { echo "$output"; false; }
	# verified, and the policy still names both keys: nothing to say
	run prov_findings
	[ "$status" -eq 0 ] || false
	[ -z "$output" ] || { echo "unexpected: $output"; false; }
	# a taken out of the policy: b still vouches for the image
	policy "$D/b.pub"
	run prov_findings
	[ "$status" -eq 0 ] || false
	[ "$output" = "brig.ctr.image-revoked medium: its image was verified at create by $D/a.pub, which the policy no longer accepts (still accepted by another key)" ] || { echo "$output"; false; }
	# the policy now names only a key that never signed it: refused
	$PY "$LIB/cosign_keys.py" write "$BATS_TEST_TMPDIR/c.key" "$BATS_TEST_TMPDIR/c.pub"
	policy "$BATS_TEST_TMPDIR/c.pub"
	run prov_findings
	[ "$status" -eq 0 ] || false
	[[ $output == "brig.ctr.image-revoked high: its image was verified at create by $D/a.pub, $D/b.pub; the policy as it stands refuses it: "*"content trust refused $REG/test/signed:1"*"(checked against the signatures stored with the image at its pull)" ]] || { echo "$output"; false; }
	[ "$(wc -l <<<"$output")" -eq 1 ] || { echo "more than one: $output"; false; }
	# the running container is only reported, never touched
	run brig inspect -f '{{.State.Running}}' sig
	[ "$output" = true ] || false
}

@test "audit provenance: content trust off at create, and a local image, are unverified" {
	policy "$D/a.pub"
	run --separate-stderr env BRIG_CONTENT_TRUST=0 "$BRIG" --root "$ROOT" --config "$D/brig.conf" \
		create --name off "$REG/test/signed:1" true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	brig import "$D/rootfs.tar" local:1 >/dev/null
	run --separate-stderr brig create --name loc local:1 true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run prov_findings
	[ "$status" -eq 0 ] || false
	[[ $output == *"brig.ctr.image-unverified medium: its image is not verified: the container was made with content trust off"* ]] || { echo "$output"; false; }
	[[ $output == *"brig.ctr.image-unverified low: its image is not verified: it has no registry signatures (imported, committed, loaded or built here)"* ]] || { echo "$output"; false; }
	[ "$(wc -l <<<"$output")" -eq 2 ] || { echo "more than two: $output"; false; }
}
