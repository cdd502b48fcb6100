#!/usr/bin/env bats
# The Notary v1 signer: `brig trust key --notary` (encrypted root and
# targets keys, export --offline, import), `brig trust sign --notary` and
# `brig trust revoke` publishing to a live notary-server + notary-signer
# (scripts/notary-test.sh) for images pushed to docker-registry
# (scripts/registry-test.sh), both on 127.0.0.1.  What brig signs must list
# with the notary CLI (`notary list`, `notary lookup`: the root certificate,
# key IDs, signatures and canonical bytes as notary checks them) and verify
# with brig's own `trust notary verify`.  Also `push --sign` (and under
# BRIG_CONTENT_TRUST=1), signing as a delegate with only a signer's key, and
# a repository `notary init` made whose snapshot key the owner holds (also
# through key rotations), and a delegate revoking its own tag.  See
# docs/trust-notary.md.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	local b
	for b in notary-server notary-signer notary; do
		command -v "$b" >/dev/null || {
			export NOTARY_SKIP="$b is not installed (Debian's notary package)"
			return 0
		}
	done
	[ -x /usr/bin/docker-registry ] || {
		export NOTARY_SKIP="docker-registry is not installed"
		return 0
	}
	local d=$BATS_FILE_TMPDIR
	"$SCRIPTS/notary-test.sh" start "$d/notary" >/dev/null
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	local reg=127.0.0.1:$(cat "$d/reg/port") url
	url=$(cat "$d/notary/url")
	mkdir -p "$d/certs/$reg" "$d/certs/${url#https://}" "$d/rootfs"
	cp "$d/reg/ca.crt" "$d/certs/$reg/ca.crt"
	cp "$d/notary/ca.crt" "$d/certs/${url#https://}/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
	# Two small images, pushed once as demo/img:v1 and :v2, (v1) as
	# demo/other, demo/insp, demo/sig, demo/rot, demo/own and demo/srot, and
	# (both) as demo/dele and demo/drev: a GUN per test that signs.
	local t ref bb=("$BRIG_BUILD/src/cli/brig/brig" --root "$d/pushroot" --config "$d/brig.conf")
	for t in v1 v2; do
		echo "$t" >"$d/rootfs/version"
		tar -C "$d/rootfs" -cf "$d/$t.tar" .
		"${bb[@]}" import "$d/$t.tar" "$reg/demo/img:$t" >/dev/null
	done
	for ref in img:v1 img:v2 other:v1 insp:v1 sig:v1 rot:v1 dele:v1 dele:v2 own:v1 drev:v1 drev:v2 \
		srot:v1; do
		[[ $ref == img:* ]] || "${bb[@]}" tag "$reg/demo/img:${ref#*:}" "$reg/demo/$ref"
		"${bb[@]}" push -q --digestfile "$d/${ref/:/-}.digest" "$reg/demo/$ref" >/dev/null
	done
}

teardown_file() {
	[ -n "${NOTARY_SKIP:-}" ] && return 0
	"$SCRIPTS/notary-test.sh" stop "$BATS_FILE_TMPDIR/notary" || true
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
}

setup() {
	[ -z "${NOTARY_SKIP:-}" ] || skip "$NOTARY_SKIP"
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	D=$BATS_FILE_TMPDIR
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	ROOT=$BATS_TEST_TMPDIR/root
	REG=127.0.0.1:$(cat "$D/reg/port")
	URL=$(cat "$D/notary/url")
	export BRIG_CONTENT_TRUST_ROOT_PASSPHRASE=root-pw BRIG_CONTENT_TRUST_REPOSITORY_PASSPHRASE=repo-pw
}

brig() { timeout -k 10 120 "$BRIG" --root "$ROOT" --config "$D/brig.conf" "$@"; }
# The notary CLI with a trust dir of its own per test (it pins the root on first use).
ncli() { notary -s "$URL" --tlscacert "$D/notary/ca.crt" -d "$BATS_TEST_TMPDIR/nc" "$@"; }
# sign IMAGE:TAG [options]: brig trust sign --notary.
sign() { run --separate-stderr brig trust sign --notary "$URL" --certs-dir "$D/certs" "$@"; }

@test "trust notary sign: keys are encrypted at rest; export --offline removes the root key, import restores it" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	[[ $output =~ ^[0-9a-f]{64}$ ]] || false
	local id=$output
	run cat "$ROOT/trust/notary/keys/root.key"
	[[ $output == *"ENCRYPTED"* ]] || false
	[[ $output != *"BEGIN PRIVATE KEY"* && $output != *"BEGIN EC PRIVATE KEY"* ]] || false
	run stat -c %a "$ROOT/trust/notary/keys/root.key"
	[ "$output" = 600 ] || false
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -ne 0 ] || false
	[[ $stderr == *"there is a key already"* ]] || false
	run --separate-stderr brig trust key export --notary root --offline
	[ "$status" -eq 0 ] || false
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/root.key"
	[ ! -e "$ROOT/trust/notary/keys/root.key" ] || false
	sign "$REG/demo/img:v1"
	[ "$status" -ne 0 ] || false
	[[ $stderr == *"the Notary root key: no key in the store"* ]] || false
	BRIG_CONTENT_TRUST_ROOT_PASSPHRASE=wrong run --separate-stderr \
		brig trust key import --notary root "$BATS_TEST_TMPDIR/root.key"
	[ "$status" -ne 0 ] || false
	[[ $stderr == *"wrong passphrase"* ]] || false
	run --separate-stderr brig trust key import --notary root "$BATS_TEST_TMPDIR/root.key"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$id" ] || false
	run --separate-stderr brig trust key list --notary all
	[ "$status" -eq 0 ] || false
	[ "$output" = '{"gun":null,"role":"root"}' ] || false
}

@test "trust notary sign: a new repository lists and verifies with the notary CLI and with brig" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/img d1 d2
	d1=$(cat "$D/img-v1.digest")
	d2=$(cat "$D/img-v2.digest")
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	[[ $output == "Signed $gun:v1 $d1 "*" (new repository)" ]] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ ${lines[2]} =~ ^v1\ +${d1#sha256:}\ +[0-9]+\ +targets$ ]] || false
	sign "$gun:v2"
	[ "$status" -eq 0 ] || false
	run ncli lookup "$gun" v2
	[ "$status" -eq 0 ] || false
	[[ $output == "v2 $d2 "* ]] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v1
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.role) \(.versions.targets)"' <<<"$output"
	[ "$output" = "$d1 targets 2" ] || false
}

@test "trust notary sign: revoke removes the tag; another store's targets key is refused" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/other
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	ROOT=$BATS_TEST_TMPDIR/other-store
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	sign "$gun:v1"
	[ "$status" -ne 0 ] || false
	[[ $stderr == *"root.json: the targets key "*" in the store is not the repository's targets key"* ]] || false
	ROOT=$BATS_TEST_TMPDIR/root
	run --separate-stderr brig trust revoke --notary "$URL" --certs-dir "$D/certs" "$gun:v1"
	[ "$status" -eq 0 ] || false
	[ "$output" = "Revoked $gun:v1" ] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ $output == *"No targets present in this repository."* ]] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" "$gun" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'no trust data for tag "v1"'* ]] || false
}

@test "trust notary sign: inspect shows the signed tag, the keys and expiries, and warns within 7 days" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/insp d1
	d1=$(cat "$D/insp-v1.digest")
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig trust inspect --notary "$URL" --certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	[ -z "$stderr" ] || false
	local j=$output
	run jq -r '.[0] | "\(.Name) \(.SignedTags[0].SignedTag) \(.SignedTags[0].Digest) \(.SignedTags[0].Signers[0])"' <<<"$j"
	[ "$output" = "$gun v1 ${d1#sha256:} Repo Admin" ] || false
	run jq -r '.[0].AdministrativeKeys | map(.Name + "=" + (.Keys | length | tostring)) | join(" ")' <<<"$j"
	[ "$output" = "Root=1 Repository=1" ] || false
	run jq -r '.[0].Expires | keys | join(" ")' <<<"$j"
	[ "$output" = "root snapshot targets timestamp" ] || false
	# The server's timestamp lives 14 days: 8 days on, it expires within 7.
	BRIG_TRUST_CLOCK=$(date -u -d '+8 days' +%Y-%m-%dT%H:%M:%SZ) run --separate-stderr \
		brig trust inspect --pretty --notary "$URL" --certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	[[ $stderr == "WARNING: the timestamp metadata of $gun expires at "*", within 7 days" ]] || false
	[[ $output == *"Signatures for $gun"* ]] || false
	[[ $output =~ v1\ +${d1#sha256:}\ Repo\ Admin ]] || false
}

@test "trust notary sign: signer add makes targets/releases, which the notary CLI signs into and brig verifies; remove ends it" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/sig h=f20c43161d73848408ef247f0ec7111b19fe58ffebc0cbcaa0d2c8bda4967268
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$BATS_TEST_TMPDIR/alice.key" 2>/dev/null
	openssl req -new -x509 -key "$BATS_TEST_TMPDIR/alice.key" -subj /CN=alice -days 30 -sha256 \
		-out "$BATS_TEST_TMPDIR/alice.crt" 2>/dev/null
	run --separate-stderr brig trust signer add --notary "$URL" --certs-dir "$D/certs" alice \
		"$BATS_TEST_TMPDIR/alice.crt" "$gun"
	[ "$status" -eq 0 ] || false
	[ "$output" = "Added signer alice to $gun" ] || false
	export NOTARY_DELEGATION_PASSPHRASE=alice-pw
	run ncli key import "$BATS_TEST_TMPDIR/alice.key" --role targets/releases
	[ "$status" -eq 0 ] || false
	run ncli addhash "$gun" v9 100 --sha256 "$h" --roles targets/releases -p
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v9
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.role)"' <<<"$output"
	[ "$output" = "sha256:$h targets/releases" ] || false
	run --separate-stderr brig trust inspect --notary "$URL" --certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	run jq -r '.[0].Signers | map(.Name) | sort | join(" ")' <<<"$output"
	[ "$output" = "alice releases" ] || false
	run --separate-stderr brig trust signer remove --notary "$URL" --certs-dir "$D/certs" alice "$gun"
	[ "$status" -eq 0 ] || false
	run ncli delegation list "$gun"
	[[ $output == *"No delegations present in this repository."* ]] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" "$gun" v9
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'no trust data for tag "v9"'* ]] || false
}

@test "trust notary sign: key rotate timestamp|snapshot|root: each new root verifies in brig and the notary CLI" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/rot ts=$URL/v2/$REG/demo/rot/_trust/tuf/timestamp.json k1 k2
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	k1=$(curl -fsS --cacert "$D/notary/ca.crt" "$ts" | jq -r '.signatures[0].keyid')
	run --separate-stderr brig trust key rotate --notary timestamp --server "$URL" \
		--certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	[ "$output" = "Rotated the timestamp key of $gun (held by the server)" ] || false
	k2=$(curl -fsS --cacert "$D/notary/ca.crt" "$ts" | jq -r '.signatures[0].keyid')
	[ -n "$k2" ] && [ "$k1" != "$k2" ] || false
	run --separate-stderr brig trust key rotate --notary snapshot --server "$URL" \
		--certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v1
	[ "$status" -eq 0 ] || false
	run jq -r .versions.root <<<"$output"
	[ "$output" = 3 ] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ ${lines[2]} == "v1 "* ]] || false
	# Root rotation: root v4 signed by the old and the new root key; later
	# roots by the GUN's new key alone, which brig and notary follow.
	run --separate-stderr brig trust key rotate --notary root --server "$URL" --certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig trust key rotate --notary timestamp --server "$URL" \
		--certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	run curl -fsS --cacert "$D/notary/ca.crt" "$URL/v2/$gun/_trust/tuf/4.root.json"
	run jq -r '.signatures | length' <<<"$output"
	[ "$output" = 2 ] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v1
	[ "$status" -eq 0 ] || false
	run jq -r .versions.root <<<"$output"
	[ "$output" = 5 ] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ ${lines[2]} == "v1 "* ]] || false
}

@test "trust notary sign: push --sign, and push under BRIG_CONTENT_TRUST=1, sign the pushed digest; notary lists it" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/pushed d1 d2
	run --separate-stderr brig import "$D/v1.tar" "$gun:v1"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig import "$D/v2.tar" "$gun:v2"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig push -q --sign --notary "$URL" --digestfile "$BATS_TEST_TMPDIR/d1" "$gun:v1"
	[ "$status" -eq 0 ] || false
	d1=$(cat "$BATS_TEST_TMPDIR/d1")
	[[ $output == *"Signed $gun:v1 $d1 "*" (new repository)"* ]] || false
	BRIG_CONTENT_TRUST=1 BRIG_CONTENT_TRUST_SERVER=$URL run --separate-stderr \
		brig push -q --digestfile "$BATS_TEST_TMPDIR/d2" "$gun:v2"
	[ "$status" -eq 0 ] || false
	d2=$(cat "$BATS_TEST_TMPDIR/d2")
	[[ $output == *"Signed $gun:v2 $d2 "* ]] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ $output =~ v1\ +${d1#sha256:}\ +[0-9]+\ +targets ]] || false
	[[ $output =~ v2\ +${d2#sha256:}\ +[0-9]+\ +targets ]] || false
	# --disable-content-trust: pushed, not signed (v3 is unknown to Notary)
	run --separate-stderr brig tag "$gun:v1" "$gun:v3"
	BRIG_CONTENT_TRUST=1 BRIG_CONTENT_TRUST_SERVER=$URL run --separate-stderr \
		brig push -q --disable-content-trust "$gun:v3"
	[ "$status" -eq 0 ] || false
	[[ $output != *Signed* ]] || false
	run ncli lookup "$gun" v3
	[ "$status" -ne 0 ] || false
}

@test "trust notary sign: a signer holding only its delegation key signs into targets/releases; notary and brig verify it" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/dele d2 owner=$ROOT
	d2=$(cat "$D/dele-v2.digest")
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$BATS_TEST_TMPDIR/bob.key" 2>/dev/null
	openssl req -new -x509 -key "$BATS_TEST_TMPDIR/bob.key" -subj /CN=bob -days 30 -sha256 \
		-out "$BATS_TEST_TMPDIR/bob.crt" 2>/dev/null
	run --separate-stderr brig trust signer add --notary "$URL" --certs-dir "$D/certs" bob \
		"$BATS_TEST_TMPDIR/bob.crt" "$gun"
	[ "$status" -eq 0 ] || false
	# Bob's own store: his key only (no root, no targets key).
	ROOT=$BATS_TEST_TMPDIR/bob-store
	run --separate-stderr brig trust key import --notary delegation "$BATS_TEST_TMPDIR/bob.key"
	[ "$status" -eq 0 ] || false
	[[ $output =~ ^[0-9a-f]{64}$ ]] || false
	sign "$gun:v2"
	[ "$status" -eq 0 ] || false
	[[ $output == "Signed $gun:v2 $d2 "* ]] || false
	run ls "$ROOT/trust/notary/keys"
	[[ $output != *targets-* ]] || false
	run ncli list "$gun" --roles targets/releases
	[ "$status" -eq 0 ] || false
	[[ $output =~ v2\ +${d2#sha256:}\ +[0-9]+\ +targets/releases ]] || false
	ROOT=$owner
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v2
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.role)"' <<<"$output"
	[ "$output" = "$d2 targets/releases" ] || false
}

@test "trust notary sign: a repository whose owner holds the snapshot key (notary init): brig signs the snapshot; notary lists the tag" {
	local gun=$REG/demo/own d1 f role pass nc=$BATS_TEST_TMPDIR/nc
	d1=$(cat "$D/own-v1.digest")
	export NOTARY_ROOT_PASSPHRASE=n-root NOTARY_TARGETS_PASSPHRASE=n-tg NOTARY_SNAPSHOT_PASSPHRASE=n-sn
	run ncli init "$gun" -p
	[ "$status" -eq 0 ] || false
	# notary's keys (encrypted PKCS#8 with role/gun headers) as plain PEM for brig
	for role in targets snapshot; do
		f=$(grep -l "^role: $role\$" "$nc"/private/*.key)
		pass=NOTARY_${role^^}_PASSPHRASE
		sed '/^role:/d;/^gun:/d;/^$/d' "$f" | openssl pkcs8 -passin "pass:${!pass}" \
			-out "$BATS_TEST_TMPDIR/$role.pem"
		run --separate-stderr brig trust key import --notary "$role" "$gun" "$BATS_TEST_TMPDIR/$role.pem"
		[ "$status" -eq 0 ] || false
	done
	run --separate-stderr brig trust key list --notary snapshot
	[ "$output" = "{\"gun\":\"$gun\",\"role\":\"snapshot\"}" ] || false
	local sn=$URL/v2/$gun/_trust/tuf/snapshot.json v0 v1
	v0=$(curl -fsS --cacert "$D/notary/ca.crt" "$sn" | jq .signed.version)
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	[[ $output == "Signed $gun:v1 $d1 "* ]] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ $output =~ v1\ +${d1#sha256:}\ +[0-9]+\ +targets ]] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v1
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.versions.snapshot)"' <<<"$output"
	[ "$output" = "$d1 $((v0 + 1))" ] || false
	# the snapshot is signed by the owner's key, which the root names
	run bash -c "curl -fsS --cacert '$D/notary/ca.crt' '$sn' | jq -r '.signatures[0].keyid'"
	v1=$output
	run bash -c "curl -fsS --cacert '$D/notary/ca.crt' '$URL/v2/$gun/_trust/tuf/root.json' | jq -r '.signed.roles.snapshot.keyids[0]'"
	[ -n "$v1" ] && [ "$output" = "$v1" ] || false
}

@test "trust notary sign: a signer holding only its delegation key revokes the tag it signed; notary and brig agree" {
	run --separate-stderr brig trust key generate --notary root
	[ "$status" -eq 0 ] || false
	local gun=$REG/demo/drev d1 d2 rv owner=$ROOT
	d1=$(cat "$D/drev-v1.digest")
	d2=$(cat "$D/drev-v2.digest")
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$BATS_TEST_TMPDIR/carol.key" 2>/dev/null
	openssl req -new -x509 -key "$BATS_TEST_TMPDIR/carol.key" -subj /CN=carol -days 30 -sha256 \
		-out "$BATS_TEST_TMPDIR/carol.crt" 2>/dev/null
	run --separate-stderr brig trust signer add --notary "$URL" --certs-dir "$D/certs" carol \
		"$BATS_TEST_TMPDIR/carol.crt" "$gun"
	[ "$status" -eq 0 ] || false
	ROOT=$BATS_TEST_TMPDIR/carol-store
	run --separate-stderr brig trust key import --notary delegation "$BATS_TEST_TMPDIR/carol.key"
	[ "$status" -eq 0 ] || false
	sign "$gun:v2"
	[ "$status" -eq 0 ] || false
	run ncli list "$gun" --roles targets/releases
	[ "$status" -eq 0 ] || false
	[[ $output =~ v2\ +${d2#sha256:}\ +[0-9]+\ +targets/releases ]] || false
	ROOT=$owner
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v2
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.role) \(.versions."targets/releases")"' <<<"$output"
	[[ $output == "$d2 targets/releases "* ]] || false
	rv=${output##* }
	# carol, with her key alone, revokes v2 from targets/releases
	ROOT=$BATS_TEST_TMPDIR/carol-store
	run --separate-stderr brig trust revoke --notary "$URL" --certs-dir "$D/certs" "$gun:v2"
	[ "$status" -eq 0 ] || false
	[ "$output" = "Revoked $gun:v2" ] || false
	run ls "$ROOT/trust/notary/keys"
	[[ $output != *targets-* ]] || false
	run ncli list "$gun" --roles targets/releases
	[ "$status" -eq 0 ] || false
	[[ $output != *v2* ]] || false
	run ncli lookup "$gun" v2
	[ "$status" -ne 0 ] || false
	run ncli lookup "$gun" v1
	[ "$status" -eq 0 ] || false
	[[ $output == "v1 $d1 "* ]] || false
	ROOT=$owner
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" "$gun" v2
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'no trust data for tag "v2"'* ]] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v1
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.role) \(.versions."targets/releases")"' <<<"$output"
	[ "$output" = "$d1 targets $((rv + 1))" ] || false
}

@test "trust notary sign: an owner-held snapshot key through timestamp, root and snapshot key rotations; notary and brig follow" {
	local gun=$REG/demo/srot d1 f role pass nc=$BATS_TEST_TMPDIR/nc
	local rt=$URL/v2/$gun/_trust/tuf sn0 sn1 sk
	d1=$(cat "$D/srot-v1.digest")
	export NOTARY_ROOT_PASSPHRASE=n-root NOTARY_TARGETS_PASSPHRASE=n-tg NOTARY_SNAPSHOT_PASSPHRASE=n-sn
	run ncli init "$gun" -p
	[ "$status" -eq 0 ] || false
	# notary's three keys (encrypted PKCS#8 with role/gun headers) into brig's store
	for role in root targets snapshot; do
		f=$(grep -l "^role: $role\$" "$nc"/private/*.key)
		pass=NOTARY_${role^^}_PASSPHRASE
		sed '/^role:/d;/^gun:/d;/^$/d' "$f" | openssl pkcs8 -passin "pass:${!pass}" \
			-out "$BATS_TEST_TMPDIR/$role.pem"
		if [ "$role" = root ]; then
			run --separate-stderr brig trust key import --notary root "$BATS_TEST_TMPDIR/root.pem"
		else
			run --separate-stderr brig trust key import --notary "$role" "$gun" "$BATS_TEST_TMPDIR/$role.pem"
		fi
		[ "$status" -eq 0 ] || false
	done
	sign "$gun:v1"
	[ "$status" -eq 0 ] || false
	sk=$(curl -fsS --cacert "$D/notary/ca.crt" "$rt/root.json" | jq -r '.signed.roles.snapshot.keyids[0]')
	# a timestamp rotation, then a root rotation: each new root goes out
	# with the next snapshot, signed by the owner's snapshot key
	for role in timestamp root; do
		sn0=$(curl -fsS --cacert "$D/notary/ca.crt" "$rt/snapshot.json" | jq .signed.version)
		run --separate-stderr brig trust key rotate --notary "$role" --server "$URL" \
			--certs-dir "$D/certs" "$gun"
		[ "$status" -eq 0 ] || false
		run curl -fsS --cacert "$D/notary/ca.crt" "$rt/snapshot.json"
		run jq -r '"\(.signed.version) \(.signatures[0].keyid)"' <<<"$output"
		[ "$output" = "$((sn0 + 1)) $sk" ] || false
	done
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v1
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.digest) \(.versions.root)"' <<<"$output"
	[ "$output" = "$d1 3" ] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ $output =~ v1\ +${d1#sha256:}\ +[0-9]+\ +targets ]] || false
	# the snapshot handed to the server: the store's key is no longer the
	# root's, so the next publish carries no snapshot and the server signs
	run --separate-stderr brig trust key rotate --notary snapshot --server "$URL" \
		--certs-dir "$D/certs" "$gun"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig trust revoke --notary "$URL" --certs-dir "$D/certs" "$gun:v1"
	[ "$status" -eq 0 ] || false
	sn1=$(curl -fsS --cacert "$D/notary/ca.crt" "$rt/snapshot.json" | jq -r '.signatures[0].keyid')
	run curl -fsS --cacert "$D/notary/ca.crt" "$rt/root.json"
	run jq -r '.signed.roles.snapshot.keyids[0]' <<<"$output"
	[ "$output" = "$sn1" ] && [ "$sn1" != "$sk" ] || false
	run ncli list "$gun"
	[ "$status" -eq 0 ] || false
	[[ $output == *"No targets present in this repository."* ]] || false
	run --separate-stderr brig trust notary verify --server "$URL" --certs-dir "$D/certs" \
		--format json "$gun" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'no trust data for tag "v1"'* ]] || false
}
