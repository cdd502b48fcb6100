#!/usr/bin/env bats
# User namespace ranges are unique host-wide (issue 20, A3): containers of
# different store roots never share a range, because every store takes its
# slots from one registry (the engine config's userns-registry).

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	grep -q '^brig:' /etc/subuid 2>/dev/null || skip "no subordinate ids for brig (scripts/setup.sh)"
	BRIG_CONFIG=$BATS_TEST_TMPDIR/brig.json
	printf '{"userns-registry": "%s"}\n' "$BATS_TEST_TMPDIR/registry" >"$BRIG_CONFIG"
}

teardown() {
	local s
	for s in a b c; do
		ROOT=$BATS_TEST_TMPDIR/root-$s brig_teardown
	done
}

# bs STORE ARGS...: brig on store STORE, with the test's engine config.
bs() {
	local s=$1
	shift
	ROOT=$BATS_TEST_TMPDIR/root-$s brig "$@"
}

@test "A3: 3 stores x 10 concurrent run -d get 30 disjoint user namespace ranges" {
	local s n id pid
	for s in a b c; do
		bs "$s" import "$BATS_FILE_TMPDIR/rootfs.tar" bb:1 >/dev/null
	done
	for s in a b c; do
		for n in $(seq 1 10); do
			bs "$s" run -d bb:1 sleep 1000 >"$BATS_TEST_TMPDIR/id-$s-$n" 2>&1 &
		done
	done
	wait
	: >"$BATS_TEST_TMPDIR/ranges"
	for s in a b c; do
		for n in $(seq 1 10); do
			id=$(cat "$BATS_TEST_TMPDIR/id-$s-$n")
			run -0 bs "$s" inspect -f '{{.State.Pid}}' "$id"
			pid=$output
			[ "$pid" -gt 0 ] || false
			run -0 awk '{ print $2, $3 }' "/proc/$pid/uid_map"
			echo "# $s $n $output" >&3
			echo "$output" >>"$BATS_TEST_TMPDIR/ranges"
		done
	done
	run -0 wc -l <"$BATS_TEST_TMPDIR/ranges"
	[ "$output" -eq 30 ] || false
	# Sorted by start, no range may begin before the previous one ends.
	run -0 sort -n "$BATS_TEST_TMPDIR/ranges"
	run -0 awk 'NR > 1 && $1 < end { print "overlap: " $0; bad = 1 }
		    { end = $1 + $2 } END { exit bad }' <<<"$output"
	[ -z "$output" ] || false
}

# new_ctr STORE: import bb:1 into STORE and create a container there; sets
# id (the container's) and uid (its range's first host id).
new_ctr() {
	bs "$1" import "$BATS_FILE_TMPDIR/rootfs.tar" bb:1 >/dev/null
	run -0 bs "$1" create bb:1 true
	id=$output
	run -0 bs "$1" inspect -f '{{.Brig.Userns.HostUid}}' "$id"
	uid=$output
}

@test "A3: a slot whose container is gone is reclaimed, by any store" {
	local id uid m1
	new_ctr a
	m1=$uid
	# The container disappears without brig (its store is deleted).
	rm -rf "$BATS_TEST_TMPDIR/root-a"
	new_ctr b
	[ "$m1" = "$uid" ] || false
}

@test "A3: rm leaves the registry unwritten; the slot goes back to any store all the same" {
	local id uid m1 before
	new_ctr a
	m1=$uid
	# The registry's file is replaced whole on every write: the same inode
	# after rm means rm did not write it (no lock taken, no fsync).
	before=$(stat -c %i "$BATS_TEST_TMPDIR/registry/slots")
	run -0 bs a rm "$id"
	run -0 stat -c %i "$BATS_TEST_TMPDIR/registry/slots"
	[ "$output" = "$before" ] || { echo "rm rewrote the registry" >&2; false; }
	# Its entry is stale now that the container is gone: another store
	# gets the same range.
	new_ctr b
	[ "$m1" = "$uid" ] || { echo "slot not reused: $m1 then $uid" >&2; false; }
}
