#!/usr/bin/env bats
# User namespaces by default, and the engine config file.
#
# Every container gets its own range of 65536 host ids from the brig user's
# /etc/subuid and /etc/subgid entries (scripts/setup.sh makes them): root in
# a container is an unprivileged uid on the host, as the report asks; the
# image's layers are shared through idmapped mounts, never chowned.

load ../lib/brig

setup_file() { brig_image_tar --numeric-owner; }

setup() {
	brig_setup bb:1
	SUBUID_START=$(awk -F: '$1 == "brig" { print $2; exit }' /etc/subuid)
	[ -n "$SUBUID_START" ] || { echo "no brig entry in /etc/subuid: run scripts/setup.sh" >&2; return 1; }
}

teardown() { brig_teardown; }

# wait_until WHAT CMD...: poll CMD (at most 15 s); fail naming WHAT when it
# never succeeds.
# logs_lines_ge CONTAINER N: the container's log has at least N lines.
logs_lines_ge() { [ "$(brig logs "$1" 2>/dev/null | wc -l)" -ge "$2" ]; }

host_uid_of() { # CONTAINER: the host uid its init runs as
	awk '/^Uid:/ { print $2 }' "/proc/$(brig inspect -f '{{.State.Pid}}' "$1")/status"
}

@test "root in a default container is an unprivileged uid on the host" {
	brig run -d --name a bb:1 sleep 1000 >/dev/null
	uid=$(host_uid_of a)
	[ "$uid" -ge "$SUBUID_START" ]
	run brig exec a sh -c 'id -u; cat /proc/self/uid_map'
	[ "${lines[0]}" = 0 ]
	read -r inside outside size <<<"${lines[1]}"
	[ "$inside $outside $size" = "0 $uid 65536" ]
	run brig inspect -f '{{.HostConfig.UsernsMode}} {{.Brig.Userns.HostUid}}' a
	[ "$output" = "auto $uid" ]
}

@test "two containers get distinct ranges; a range is released with its container" {
	brig run -d --name a bb:1 sleep 1000 >/dev/null
	brig run -d --name b bb:1 sleep 1000 >/dev/null
	ua=$(host_uid_of a)
	ub=$(host_uid_of b)
	[ "$ua" -ne "$ub" ]
	[ $(( ua > ub ? ua - ub : ub - ua )) -ge 65536 ]
	[ "$(ls "$ROOT/userns" | wc -l)" -eq 2 ]
	brig rm -f a b >/dev/null
	[ "$(ls "$ROOT/userns" | wc -l)" -eq 0 ]
}

@test "the layers are shared, not chowned; what the container writes is its root's on the host" {
	id=$(brig run -d --read-write bb:1 sh -c 'echo x >/made-here; sleep 1000')
	uid=$(host_uid_of "$id")
	wait_until "the container's write in its upper directory" test -f "$ROOT/containers/$id/upper/made-here"
	[ "$(stat -c %u "$ROOT/containers/$id/upper/made-here")" = "$uid" ]
	layer=$(ls "$ROOT/layers" | head -1)
	[ "$(stat -c %u "$ROOT/layers/$layer/bin/busybox")" = 0 ]
	run brig exec "$id" stat -c %u /bin/busybox
	[ "$output" = 0 ]
	# nothing mounted on the host
	run grep -c "$id" /proc/self/mountinfo
	[ "$output" = 0 ] || { echo "container $id has mounts on the host" >&2; false; }
}

@test "--userns host runs in the host's user namespace (and says so)" {
	run brig run --rm --userns host bb:1 cat /proc/self/uid_map
	read -r a b c <<<"$output"
	[ "$a $b $c" = "0 0 4294967295" ]
	run brig run --rm --userns bogus bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--userns"* ]]
}

@test "engine config: an unknown key, a bad value, a missing --config file" {
	printf '{"default-memory": "256m", "colour": "red"}\n' >"$BATS_TEST_TMPDIR/c.json"
	run brig --config "$BATS_TEST_TMPDIR/c.json" run --rm bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"c.json: colour: unknown key"* ]]
	printf '{"default-memory": "lots"}\n' >"$BATS_TEST_TMPDIR/c.json"
	run brig --config "$BATS_TEST_TMPDIR/c.json" run --rm bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"default-memory"* ]]
	run brig --config "$BATS_TEST_TMPDIR/none.json" run --rm bb:1 true
	[ "$status" -eq 125 ]
	[ -z "$(brig ps -a -q)" ]
}

@test "engine config: default ulimits, memory and a fixed userns-remap apply" {
	cat >"$BATS_TEST_TMPDIR/c.json" <<-EOF
		{"default-ulimits": {"nofile": {"Soft": 100, "Hard": 200}},
		 "default-memory": "96m",
		 "userns-remap": "$((SUBUID_START + 500000)):$((SUBUID_START + 500000)):65536"}
	EOF
	chmod 644 "$BATS_TEST_TMPDIR/c.json"
	id=$(brig --config "$BATS_TEST_TMPDIR/c.json" run -d bb:1 sh -c 'ulimit -n; ulimit -Hn; sleep 1000')
	[ "$(host_uid_of "$id")" = $((SUBUID_START + 500000)) ]
	wait_until "two lines in the log of $id" logs_lines_ge "$id" 2
	run brig logs "$id"
	[ "${lines[*]}" = "100 200" ]
	run brig inspect -f '{{json .Brig.Spec.linux.resources.memory}}' "$id"
	[ "$(jq -r .limit <<<"$output")" = $((96 << 20)) ]
	# a flag still wins over the config
	run brig --config "$BATS_TEST_TMPDIR/c.json" run --rm --ulimit nofile=50:60 bb:1 sh -c 'ulimit -n'
	[ "$output" = 50 ]
}
