#!/usr/bin/env bats
# brig trust notary verify: Notary v1 / TUF metadata made by the real
# notary-server (tests/fixtures/notary, six scenarios) verifies at a fixed
# clock and gives the digests `notary list` printed; each attack is refused
# with a message naming it, and leaves the trusted state as it was.

bats_require_minimum_version 1.5.0

APP=127.0.0.1:5000/demo/app
ED=127.0.0.1:5000/demo/ed

setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	FIX=${BRIG_TRUST_FIXTURES:-${BRIG_SRC:?}/tests/fixtures/notary}
	[ -d "$FIX/01-initial" ] || skip "no Notary fixtures at $FIX (set BRIG_TRUST_FIXTURES)"
	FORGE=$BRIG_SRC/tests/integration/notary_forge.py
	ROOT=$BATS_TEST_TMPDIR/root
	STATE=$BATS_TEST_TMPDIR/state
	# the fixtures' timestamps expire 14 days after 2026-11-28
	export BRIG_TRUST_CLOCK=2026-11-30T00:00:00Z
}

verify() { # DIR GUN TAG [options]
	local dir=$1 gun=$2 tag=$3
	shift 3
	run --separate-stderr "$BRIG" --root "$ROOT" trust notary verify --metadata "$dir" \
		--trust-dir "$STATE" "$@" "$gun" "$tag"
}

# listed TAG: "DIGEST SIZE ROLE" as the notary CLI listed the tag.
listed() { awk -v t="$1" '$1 == t { print $2, $3, $4 }' "$FIX/notary-list.txt"; }

copy() { # SCENARIO: a writable copy in $M
	M=$BATS_TEST_TMPDIR/m-$1
	cp -r "$FIX/$1" "$M"
	chmod -R u+w "$M"
}

check_tags() { # DIR GUN TAG...
	local dir=$1 gun=$2 tag want got
	shift 2
	for tag in "$@"; do
		verify "$dir" "$gun" "$tag"
		[ "$status" -eq 0 ] || fail_with "$dir $tag: $stderr"
		read -r -a got <<<"${lines[1]}"
		want=$(listed "$tag")
		[ "${got[1]#sha256:} ${got[2]} ${got[3]}" = "$want" ] ||
			fail_with "$dir $tag: got '${lines[1]}', notary listed '$want'"
	done
}

fail_with() {
	echo "$*" >&2
	return 1
}

@test "trust notary: each of the six scenarios verifies at a fixed clock, with notary list's digests" {
	check_tags "$FIX/01-initial" "$APP" v1
	check_tags "$FIX/02-server-snapshot" "$APP" v1 v2
	check_tags "$FIX/03-delegation" "$APP" v1 v2 v3
	check_tags "$FIX/04-root-rotated" "$APP" v1 v2 v3
	check_tags "$FIX/05-timestamp-rotated" "$APP" v1 v2 v3
	rm -rf "$STATE"
	check_tags "$FIX/06-ed25519-server-keys" "$ED" v1
}

@test "trust notary: the delegation's tag is signed by targets/releases; --format json" {
	verify "$FIX/05-timestamp-rotated" "$APP" v3 --format json
	[ "$status" -eq 0 ] || false
	run jq -r '[.digest, .size, .role, .versions.root, .versions["targets/releases"]] | @tsv' \
		<<<"$output"
	[ "$output" = "$(printf 'sha256:%s\t9\ttargets/releases\t4\t1' \
		bda9e55c5197326e8644aa8e64cce54b10afd7bcd240db7edf996d7fd82d896c)" ] || false
}

@test "trust notary: a fresh client walks the root chain 1 -> 4 (root and timestamp rotations)" {
	verify "$FIX/05-timestamp-rotated" "$APP" v2
	[ "$status" -eq 0 ] || false
	run jq -r .versions.root "$STATE/state.json"
	[ "$output" = 4 ] || false
	cmp "$STATE/root.json" "$FIX/05-timestamp-rotated/4.root.json"
}

@test "trust notary: a tag nobody signed is 'no trust data'" {
	verify "$FIX/01-initial" "$APP" latest
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'no trust data for tag "latest"'* ]] || false
}

@test "trust notary: refuses tampered targets (a byte changed)" {
	copy 03-delegation
	sed -i 's/"length":246/"length":245/' "$M/targets.json"
	verify "$M" "$APP" v2
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'targets.json: content does not match the hash snapshot.json lists (tampered)'* ]] || false
}

@test "trust notary: refuses a root signed by a key that is not a root key" {
	copy 01-initial
	run python3 "$FORGE" sign-root-with-new-key "$M/1.root.json"
	[ "$status" -eq 0 ] || false
	local kid=${output:0:12}
	cp "$M/1.root.json" "$M/root.json"
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	# root.json is version 1: trusted on first use as served (1.root.json is the same file)
	[[ $stderr == *"root.json: 0 of the 1 required signatures by root keys verify: signature by key $kid, which is not a root key"* ]] || false
	[ ! -e "$STATE/state.json" ] || false
	[ ! -e "$STATE/root.json" ] || false
}

@test "trust notary: refuses rollback to an older timestamp after a newer was seen; state unchanged" {
	verify "$FIX/03-delegation" "$APP" v3
	[ "$status" -eq 0 ] || false
	cp "$STATE/state.json" "$BATS_TEST_TMPDIR/before"
	verify "$FIX/02-server-snapshot" "$APP" v2
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'timestamp.json: timestamp version 3 is lower than version 5 seen before (rollback)'* ]] || false
	cmp "$STATE/state.json" "$BATS_TEST_TMPDIR/before"
}

@test "trust notary: refuses a root older than the trusted one (rollback)" {
	verify "$FIX/04-root-rotated" "$APP" v1
	[ "$status" -eq 0 ] || false
	verify "$FIX/03-delegation" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'root.json: version 2 is older than the trusted root'"'"'s 3 (rollback)'* ]] || false
}

@test "trust notary: refuses expired metadata at a later clock, naming role and expiry" {
	BRIG_TRUST_CLOCK=2026-12-13T00:00:00Z verify "$FIX/01-initial" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'timestamp.json: the timestamp metadata expired at 2026-12-12T17:02:26.244320459Z'* ]] || false
}

@test "trust notary: refuses a root rotation the old root's keys did not sign" {
	copy 04-root-rotated
	# 3.root.json is signed by the old root cert (b5dc551f...) and the new one
	run python3 "$FORGE" drop-sig "$M/3.root.json" b5dc551f
	[ "$status" -eq 0 ] || false
	cp "$M/3.root.json" "$M/root.json"
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	# version 3 is the served root.json itself (3.root.json is the same file)
	[[ $stderr == *'root rotation not signed by the previous root (v2): root.json: 0 of the 1 required signatures by root keys verify'* ]] || false
}

@test "trust notary: refuses mix-and-match (a genuine targets.json of another publish)" {
	copy 03-delegation
	cp "$FIX/02-server-snapshot/targets.json" "$M/targets.json"
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'targets.json: a validly signed targets version 3 that snapshot.json does not list: from another publish (mix-and-match)'* ]] || false
}

@test "trust notary: refuses metadata of one GUN for another (root certificate CN)" {
	verify "$FIX/01-initial" 127.0.0.1:5000/demo/other v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'is for "127.0.0.1:5000/demo/app", not for "127.0.0.1:5000/demo/other"'* ]] || false
}

@test "trust notary: refuses a snapshot larger than the timestamp lists (endless data)" {
	copy 01-initial
	printf '%*s' 4096 '' >>"$M/snapshot.json"
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'snapshot.json: larger than the'*'bytes timestamp.json lists (endless data)'* ]] || false
}

@test "trust notary: --pin-root starts the chain at a pinned root, and refuses an older one" {
	verify "$FIX/05-timestamp-rotated" "$APP" v1 --pin-root "$FIX/04-root-rotated/3.root.json"
	[ "$status" -eq 0 ] || false
	rm -rf "$STATE"
	verify "$FIX/02-server-snapshot" "$APP" v1 --pin-root "$FIX/04-root-rotated/3.root.json"
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'root.json: version 2 is older than the trusted root'"'"'s 3 (rollback)'* ]] || false
}

@test "trust notary: refuses a root chain that skips a version" {
	copy 05-timestamp-rotated
	rm "$M/3.root.json"
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'root.json: version 4 does not follow the trusted root'"'"'s 2 (root chain skips a version)'* ]] || false
}

@test "trust notary: refuses a timestamp beyond its size cap before reading it all" {
	copy 01-initial
	head -c 70000 /dev/zero | tr '\0' ' ' >>"$M/timestamp.json"
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'timestamp.json: '*'larger than the limit of 65536'* ]] || false
}

@test "trust notary: a root rotation that replaces the timestamp key resets the timestamp floor (fast-forward recovery)" {
	verify "$FIX/04-root-rotated" "$APP" v1
	[ "$status" -eq 0 ] || false
	# as if a compromised timestamp key had fast-forwarded the client
	run jq '.versions.timestamp = 1000 | .versions.snapshot = 1000' "$STATE/state.json"
	[ "$status" -eq 0 ] || false
	printf '%s\n' "$output" >"$STATE/state.json"
	verify "$FIX/04-root-rotated" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'lower than version 1000 seen before (rollback)'* ]] || false
	# root v4 names a new timestamp key: what the old one signed is no floor
	verify "$FIX/05-timestamp-rotated" "$APP" v1
	[ "$status" -eq 0 ] || fail_with "$stderr"
	run jq -r '"\(.versions.root) \(.versions.timestamp)"' "$STATE/state.json"
	[ "$output" = "4 7" ] || false
}

@test "trust notary: trusted copies per GUN are kept and used only while the newer metadata lists their bytes" {
	copy 03-delegation
	verify "$M" "$APP" v3
	[ "$status" -eq 0 ] || false
	local f
	for f in root.json state.json snapshot.json targets.json targets-releases.json; do
		[ -s "$STATE/$f" ] || fail_with "no trusted copy $f"
	done
	cmp "$STATE/targets.json" "$M/targets.json"
	# the server stops serving what the client has: the copies are used
	rm "$M/snapshot.json" "$M/targets.json" "$M/targets-releases.json"
	verify "$M" "$APP" v3
	[ "$status" -eq 0 ] || fail_with "$stderr"
	# a copy that is not the listed one is never used: fetched again, and
	# absent there, the update fails
	printf ' ' >>"$STATE/targets.json"
	verify "$M" "$APP" v3
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'targets.json: no such metadata for '"$APP"* ]] || fail_with "$stderr"
	cp "$FIX/03-delegation/targets.json" "$M/targets.json"
	verify "$M" "$APP" v3
	[ "$status" -eq 0 ] || fail_with "$stderr"
	cmp "$STATE/targets.json" "$M/targets.json"
}

# state_same DIR: the trusted state is byte for byte the copy in DIR.
state_same() { diff -r "$1" "$STATE" >&2; }

@test "trust notary: fast-forward: after the rotation to a new timestamp key, a timestamp signed by the old key is refused (wrong key); state unchanged" {
	verify "$FIX/05-timestamp-rotated" "$APP" v1
	[ "$status" -eq 0 ] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	copy 05-timestamp-rotated
	cp "$FIX/04-root-rotated/timestamp.json" "$M/timestamp.json"
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'timestamp.json: 0 of the 1 required signatures by timestamp keys verify: signature by key '*', which is not a timestamp key (wrong key)'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
}

@test "trust notary: threshold not met: a timestamp without its signature is refused; state unchanged" {
	verify "$FIX/01-initial" "$APP" v1
	[ "$status" -eq 0 ] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	copy 01-initial
	run python3 "$FORGE" drop-sig "$M/timestamp.json" ""
	[ "$status" -eq 0 ] || false
	verify "$M" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'timestamp.json: 0 of the 1 required signatures by timestamp keys verify (threshold not met)'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
}

@test "trust notary: freeze: an expired timestamp served again is refused naming role and expiry; state unchanged" {
	verify "$FIX/01-initial" "$APP" v1
	[ "$status" -eq 0 ] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	BRIG_TRUST_CLOCK=2026-12-20T00:00:00Z verify "$FIX/01-initial" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'timestamp.json: the timestamp metadata expired at 2026-12-12T17:02:26.244320459Z (freeze: stale metadata served again)'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
}

@test "trust notary: an expired root certificate is refused; state unchanged" {
	verify "$FIX/01-initial" "$APP" v1
	[ "$status" -eq 0 ] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	# the root certificate's 10 years end on 2036-11-25
	BRIG_TRUST_CLOCK=2036-11-26T00:00:00Z verify "$FIX/01-initial" "$APP" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'trusted root.json: certificate of key '*' has expired'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
}

@test "trust notary: SIGKILL at any point of an update never leaves trusted state that fails to verify" {
	local round ms
	# the kill lands from the first read to the last write (an update takes
	# tens to hundreds of ms here); bats' run uses $i, hence $round
	for ((round = 0; round < 8; round++)); do
		rm -rf "$STATE"
		verify "$FIX/01-initial" "$APP" v1
		[ "$status" -eq 0 ] || fail_with "round $round: first update: $stderr"
		ms=$((3 + round * 40))
		# the update to root v4 (chain walk, every document new), killed after ms
		timeout -s KILL "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))" "$BRIG" --root "$ROOT" \
			trust notary verify --metadata "$FIX/05-timestamp-rotated" --trust-dir "$STATE" \
			"$APP" v1 >/dev/null 2>&1 || true
		run jq -e .versions "$STATE/state.json"
		[ "$status" -eq 0 ] || fail_with "round $round ($ms ms): state.json does not parse"
		run jq -e .signed.version "$STATE/root.json"
		[ "$status" -eq 0 ] || fail_with "round $round ($ms ms): root.json does not parse"
		# whatever the kill left, the next update verifies from it
		verify "$FIX/05-timestamp-rotated" "$APP" v1
		[ "$status" -eq 0 ] || fail_with "round $round ($ms ms): $stderr"
		run jq -r .versions.root "$STATE/state.json"
		[ "$output" = 4 ] || fail_with "round $round: root version $output"
	done
}

# forge OUT [NAME=VALUE...]: a repository of $FORGED signed by keys the
# forge holds (the same keys for every call of a test), in $BATS_TEST_TMPDIR/OUT.
FORGED=127.0.0.1:5000/demo/forged
forge() {
	local out=$BATS_TEST_TMPDIR/$1
	shift
	python3 "$FORGE" repo "$BATS_TEST_TMPDIR/keys" "$out" "$FORGED" "$@"
}

@test "trust notary: snapshot rollback: a fresh timestamp listing an older snapshot than one seen is refused; state unchanged" {
	forge a ts=1 sn=2
	forge b ts=2 sn=1
	verify "$BATS_TEST_TMPDIR/a" "$FORGED" v1
	[ "$status" -eq 0 ] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	verify "$BATS_TEST_TMPDIR/b" "$FORGED" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'snapshot.json: snapshot version 1 is lower than version 2 seen before (rollback; an indefinite freeze: a fresh timestamp over older metadata)'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
}

@test "trust notary: targets rollback: a newer snapshot listing an older targets than one seen is refused; state unchanged" {
	forge a tg=2
	forge b ts=2 sn=2 tg=1
	verify "$BATS_TEST_TMPDIR/a" "$FORGED" v1
	[ "$status" -eq 0 ] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	verify "$BATS_TEST_TMPDIR/b" "$FORGED" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'targets.json: targets version 1 is lower than version 2 seen before (rollback; an indefinite freeze: a fresh timestamp over older metadata)'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
}

@test "trust notary: indefinite freeze: timestamps keep coming, fresh, over a snapshot that has expired; refused; state unchanged" {
	forge a sn_expires=2026-12-01T00:00:00Z
	forge b ts=2 sn_expires=2026-12-01T00:00:00Z
	verify "$BATS_TEST_TMPDIR/a" "$FORGED" v1
	[ "$status" -eq 0 ] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	BRIG_TRUST_CLOCK=2026-12-02T00:00:00Z verify "$BATS_TEST_TMPDIR/b" "$FORGED" v1
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'snapshot.json: the snapshot metadata expired at 2026-12-01T00:00:00Z (indefinite freeze: a fresh timestamp over expired metadata)'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
}

@test "trust notary: extraneous dependencies: a delegation signing outside its paths, and a role targets does not delegate, are refused; state unchanged" {
	# within its paths the delegation is honoured
	forge b rel_paths=v
	verify "$BATS_TEST_TMPDIR/b" "$FORGED" v2
	[ "$status" -eq 0 ] || fail_with "$stderr"
	[[ ${lines[1]} == *targets/releases ]] || false
	cp -a "$STATE" "$BATS_TEST_TMPDIR/before"
	forge a ts=2 sn=2 tg=2 rel_paths=prod/
	verify "$BATS_TEST_TMPDIR/a" "$FORGED" v2
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'targets/releases.json: signs "v2", outside the paths targets delegates to it (extraneous dependency)'* ]] || fail_with "$stderr"
	run state_same "$BATS_TEST_TMPDIR/before"
	[ "$status" -eq 0 ] || false
	rm -rf "$STATE"
	forge c delegate=0
	verify "$BATS_TEST_TMPDIR/c" "$FORGED" v2
	[ "$status" -ne 0 ] || false
	[[ $stderr == *'snapshot.json lists targets/releases, which targets.json does not delegate: not consulted (extraneous dependency): no trust data for tag "v2"'* ]] || fail_with "$stderr"
}
