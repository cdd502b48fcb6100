#!/usr/bin/env bats
# Content trust through Notary (docs/trust-notary.md): the notaryTrust
# requirement of policy.d and Docker's BRIG_CONTENT_TRUST=1 at pull (the
# tag's digest from notary-server, the manifest fetched by it) and again
# at create from the stored record.  One notary-server + notary-signer
# (scripts/notary-test.sh) and one docker-registry for the file; tags
# signed with the notary CLI's addhash, as Docker signs them.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
load ../lib/registry

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	local b
	for b in notary-server notary-signer notary skopeo; do
		command -v "$b" >/dev/null || { export NP_SKIP="$b is not installed"; return 0; }
	done
	[ -x /usr/bin/docker-registry ] || { export NP_SKIP="docker-registry is not installed"; return 0; }
	local d=$BATS_FILE_TMPDIR
	export NT=$SCRIPTS/notary-test.sh
	"$NT" start "$d/notary" >"$d/notary.env"
	export NOTARY_URL
	NOTARY_URL=$(cat "$d/notary/url")
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	export REG=127.0.0.1:$(cat "$d/reg/port")
	mkdir -p "$d/certs/$REG" "$d/certs/${NOTARY_URL#https://}"
	cp "$d/reg/ca.crt" "$d/certs/$REG/ca.crt"
	cp "$d/notary/ca.crt" "$d/certs/${NOTARY_URL#https://}/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	# two images: A (signed as v1 and v3) and B (pushed as v2 and over v3)
	local pub=(timeout -k 10 120 "$BRIG_BUILD/src/cli/brig/brig" --root "$d/pub" --config "$d/brig.conf")
	"${pub[@]}" import --change 'CMD ["true"]' "$d/rootfs.tar" "$REG/np/app:v1" >/dev/null
	"${pub[@]}" push -q --digestfile "$d/digestA" "$REG/np/app:v1" >/dev/null
	"${pub[@]}" import --change 'CMD ["false"]' "$d/rootfs.tar" "$REG/np/app:v2" >/dev/null
	"${pub[@]}" push -q --digestfile "$d/digestB" "$REG/np/app:v2" >/dev/null
	"${pub[@]}" tag "$REG/np/app:v2" "$REG/np/app:v3"
	"${pub[@]}" push -q "$REG/np/app:v3" >/dev/null
	local a sa
	a=$(cat "$d/digestA")
	sa=$(skopeo inspect --raw --cert-dir "$d/reg" "docker://$REG/np/app:v1" | wc -c)
	echo "$sa" >"$d/sizeA"
	"$NT" addhash "$d/notary" "$REG/np/app" v1 "$sa" "${a#sha256:}" >/dev/null 2>&1
	"$NT" addhash "$d/notary" "$REG/np/app" v3 "$sa" "${a#sha256:}" >/dev/null 2>&1
	"$NT" addhash "$d/notary" "$REG/np/app" short $((sa - 1)) "${a#sha256:}" >/dev/null 2>&1
}

teardown_file() {
	[ -n "${NP_SKIP:-}" ] && return 0
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
	"$NT" stop "$BATS_FILE_TMPDIR/notary" || true
}

setup() {
	[ -z "${NP_SKIP:-}" ] || skip "$NP_SKIP"
	registry_needs
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	A=$(cat "$D/digestA")
	B=$(cat "$D/digestB")
	export BRIG_POLICY_DIR=$BATS_TEST_TMPDIR/etc
	mkdir -p "$BRIG_POLICY_DIR/policy.d"
	unset BRIG_CONTENT_TRUST BRIG_CONTENT_TRUST_SERVER
	cd "$BATS_TEST_TMPDIR" || false
}

brig() { timeout -k 10 120 "$BRIG" --root "$ROOT" --config "$D/brig.conf" "$@"; }

# notary_policy [EXTRA-MEMBERS]: policy.d names the notary server for $REG/np.
notary_policy() {
	printf '{"transports":{"docker":{"%s/np":[{"type":"notaryTrust","server":"%s"%s}]}}}\n' \
		"$REG" "$NOTARY_URL" "${1:-}" >"$BRIG_POLICY_DIR/policy.d/notary.json"
}

# The store holds no image.
no_images() {
	local n
	n=$(brig images -q | wc -l)
	[ "$n" -eq 0 ] || { echo "store has $n images"; return 1; }
}

@test "notaryTrust: a tag signed in Notary is pulled by its signed digest, and create re-checks it offline" {
	notary_policy
	run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "$REG/np/app@$A" ] || { echo "$output"; false; }
	run ls "$ROOT/trust/notary"
	[ "${#lines[@]}" -eq 1 ] || false
	run --separate-stderr brig create --name c1 "$REG/np/app:v1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run --separate-stderr brig inspect --format '{{json .Brig.Provenance.Signers}}' c1
	[ "$status" -eq 0 ] || false
	run jq -r '.[0] | "\(.Format) \(.Key) \(.Identity)"' <<<"$output"
	[ "$output" = "notary-tuf Notary $NOTARY_URL, role targets $REG/np/app:v1" ] || { echo "$output"; false; }
	brig rm c1 >/dev/null
}

@test "notaryTrust: the registry's tag moved to other content; Notary's digest is what is pulled" {
	notary_policy
	run --separate-stderr brig pull -q "$REG/np/app:v3"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "$REG/np/app@$A" ] || { echo "got $output, the registry's tag is $B"; false; }
}

@test "notaryTrust: an unsigned tag and a signed length that differs are refused, nothing stored" {
	notary_policy
	run --separate-stderr brig pull -q "$REG/np/app:v2"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"content trust refused $REG/np/app:v2"*"requirement 1 (notaryTrust) not met"*'no trust data for tag "v2"'* ]] || { echo "$stderr"; false; }
	run --separate-stderr brig pull -q "$REG/np/app:short"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"the registry served a manifest of $(cat "$D/sizeA") bytes ($A) where Notary signs $(($(cat "$D/sizeA") - 1)) bytes"* ]] || { echo "$stderr"; false; }
	run no_images
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "notaryTrust rootKeys: a root the policy does not pin is refused and no state is kept; the right key is accepted" {
	notary_policy ',"rootKeys":["'"$(printf '0%.0s' {1..64})"'"]'
	run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"no root key of version 1 is one the policy pins (rootKeys)"* ]] || { echo "$stderr"; false; }
	run find "$ROOT/trust/notary" -name '*.json'
	[ -z "$output" ] || { echo "state kept: $output"; false; }
	local key
	key=$(curl -fsS --cacert "$D/notary/ca.crt" "$NOTARY_URL/v2/$REG/np/app/_trust/tuf/root.json" |
		jq -r '.signed.roles.root.keyids[0]')
	notary_policy ',"rootKeys":["'"$key"'"]'
	run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# the pin changed after the pull: create refuses from the stored record
	notary_policy ',"rootKeys":["'"$(printf '1%.0s' {1..64})"'"]'
	run --separate-stderr brig create "$REG/np/app:v1"
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"pins (rootKeys)"*"checked against the signatures stored with the image at its pull"* ]] || { echo "$stderr"; false; }
}

@test "BRIG_CONTENT_TRUST=1 with BRIG_CONTENT_TRUST_SERVER: a tag under the built-in policy goes through Notary" {
	run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"brig's built-in policy"* ]] || { echo "$stderr"; false; }
	export BRIG_CONTENT_TRUST=1 BRIG_CONTENT_TRUST_SERVER=$NOTARY_URL
	run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "$REG/np/app@$A" ] || false
	run --separate-stderr brig pull -q "$REG/np/app:v2"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *'no trust data for tag "v2"'* ]] || { echo "$stderr"; false; }
	run --separate-stderr brig create "$REG/np/app:v1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# BRIG_CONTENT_TRUST=0 still turns it all off
	run --separate-stderr env BRIG_CONTENT_TRUST=0 "$BRIG" --root "$ROOT" --config "$D/brig.conf" pull -q "$REG/np/app:v2"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	BRIG_CONTENT_TRUST_SERVER=http://x run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"BRIG_CONTENT_TRUST_SERVER=http://x: expected https://HOST[:PORT]"* ]] || { echo "$stderr"; false; }
}

@test "notaryTrust: a GUN re-created with a new root is refused loudly (not a rotation); the trusted state is unchanged" {
	local gun=$REG/np/app2 d=$BATS_TEST_TMPDIR
	"$NT" addhash "$D/notary" "$gun" v1 "$(cat "$D/sizeA")" "${A#sha256:}" >/dev/null 2>&1
	notary_policy
	# the image under that name, for the pull
	local pub=(timeout -k 10 120 "$BRIG" --root "$D/pub" --config "$D/brig.conf")
	"${pub[@]}" tag "$REG/np/app:v1" "$gun:v1"
	"${pub[@]}" push -q "$gun:v1" >/dev/null
	run --separate-stderr brig pull -q "$gun:v1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	local state
	state=$(find "$ROOT/trust/notary" -mindepth 1 -maxdepth 1)
	cp -a "$state" "$d/before"
	local cli=(notary -s "$NOTARY_URL" --tlscacert "$D/notary/ca.crt" -d "$d/client2")
	export NOTARY_ROOT_PASSPHRASE=x1 NOTARY_TARGETS_PASSPHRASE=x2 NOTARY_SNAPSHOT_PASSPHRASE=x3
	"${cli[@]}" delete "$gun" --remote >/dev/null 2>&1
	"${cli[@]}" init "$gun" -p >/dev/null 2>&1
	"${cli[@]}" addhash "$gun" v1 "$(cat "$D/sizeA")" --sha256 "${A#sha256:}" -p >/dev/null 2>&1
	run --separate-stderr brig pull -q "$gun:v1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"REFUSED: the root served for $gun is not a valid rotation of the root trusted since its first use"* ]] || { echo "$stderr"; false; }
	run diff -r "$d/before" "$state"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "notaryTrust rootCAs: the root's certificate must come from a CA the policy names" {
	curl -fsS --cacert "$D/notary/ca.crt" "$NOTARY_URL/v2/$REG/np/app/_trust/tuf/root.json" >root.json
	local id
	id=$(jq -r '.signed.roles.root.keyids[0]' root.json)
	jq -r --arg id "$id" '.signed.keys[$id].keyval.public' root.json | base64 -d >rootcert.pem
	notary_policy ',"rootCAs":["'"$D/notary/ca.crt"'"]'
	run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"is one the policy pins (rootCAs)"* ]] || { echo "$stderr"; false; }
	notary_policy ',"rootCAs":["'"$PWD/rootcert.pem"'"]'
	run --separate-stderr brig pull -q "$REG/np/app:v1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "trust explain: a notaryTrust requirement runs the Notary update; the signed digest is judged, an unsigned tag refused" {
	notary_policy
	run --separate-stderr brig trust explain --format json "$REG/np/app:v3"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run jq -r '"\(.decision) \(.digest) \(.requirements[0].notary.digest) \(.requirements[0].signatures[0].accepted)"' <<<"$output"
	# v3's registry tag moved to B; Notary signs A, which pull would fetch
	[ "$output" = "accept $A $A true" ] || { echo "$output"; false; }
	run ls "$ROOT/trust/notary"
	[ "${#lines[@]}" -eq 1 ] || false
	run --separate-stderr brig trust explain --format json "$REG/np/app:v2"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run jq -r '"\(.decision) \(.reason)"' <<<"$output"
	[[ $output == "reject "*'no trust data for tag "v2"'* ]] || { echo "$output"; false; }
}
