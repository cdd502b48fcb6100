#!/usr/bin/env bats
# exec, ps, pause/resume and update on a running container.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
}
teardown() { runtime_teardown; }

@test "exec: runs in the container's namespaces and returns the exit status" {
	start_container
	local pid
	pid=$(container_pid)
	run --separate-stderr runtime exec "$CID" sh -c 'for n in pid mnt uts; do readlink /proc/self/ns/$n; done; exit 7'
	expect_status 7
	expect_eq "$(sed -n 1p <<<"$output")" "$(readlink "/proc/$pid/ns/pid")" "pid namespace"
	expect_eq "$(sed -n 2p <<<"$output")" "$(readlink "/proc/$pid/ns/mnt")" "mount namespace"
	expect_eq "$(sed -n 3p <<<"$output")" "$(readlink "/proc/$pid/ns/uts")" "uts namespace"
}

@test "exec: the process sees pid 1 as the container's init" {
	start_container
	run --separate-stderr runtime exec "$CID" sh -c "tr '\\0' ' ' </proc/1/cmdline"
	expect_status 0
	expect_output "sleep 1000 "
}

@test "exec --env --cwd --user" {
	start_container
	run --separate-stderr runtime exec --env FOO=bar --env EMPTY= --cwd /tmp --user 1000:100 \
		"$CID" sh -c 'echo "foo=$FOO"; echo "empty=[$EMPTY]"; pwd; id -u; id -g'
	expect_status 0
	expect_output "$(printf 'foo=bar\nempty=[]\n/tmp\n1000\n100')"
}

@test "exec --additional-gids" {
	start_container
	run --separate-stderr runtime exec --user 1000:1000 --additional-gids 100 --additional-gids 65534 \
		"$CID" id -G
	expect_status 0
	expect_eq "$(tr ' ' '\n' <<<"$output" | sort -n | tr '\n' ' ')" "100 1000 65534 " groups
}

@test "exec --process: the process comes from a JSON file" {
	start_container
	jq -n '{args: ["sh", "-c", "echo $GREETING; pwd; id -u; id -g"], cwd: "/home/user",
		env: ["PATH=/bin:/usr/bin", "GREETING=hi-from-json"], user: {uid: 1000, gid: 100}}' \
		>"$BATS_TEST_TMPDIR/process.json"
	run --separate-stderr runtime exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	expect_status 0
	expect_output "$(printf 'hi-from-json\n/home/user\n1000\n100')"
}

@test "exec --process: user.umask applies to the new process" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc $RUNTIME_VERSION ignores user.umask in exec --process"
	start_container
	jq -n '{args: ["sh", "-c", "umask"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0, umask: 63}}' \
		>"$BATS_TEST_TMPDIR/process.json"
	run --separate-stderr runtime exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	expect_status 0
	expect_output 0077
}

@test "exec --process: without rlimits and capabilities it gets the container's" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc $RUNTIME_VERSION keeps its own rlimits in exec --process"
	cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 321, hard: 654}]
		| .process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL", "CAP_CHOWN"],
			permitted: ["CAP_KILL", "CAP_CHOWN"]}'
	start_container
	jq -n '{args: ["sh", "-c", "ulimit -Sn; ulimit -Hn; grep -E \"^Cap(Eff|Prm|Bnd):\" /proc/self/status"],
		cwd: "/", env: ["PATH=/bin:/usr/bin"], user: {uid: 0, gid: 0}}' \
		>"$BATS_TEST_TMPDIR/process.json"
	run --separate-stderr runtime exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	expect_status 0
	expect_output "$(printf '321\n654\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s' \
		"$(hex16 "$(cap_mask KILL CHOWN)")" "$(hex16 "$(cap_mask KILL CHOWN)")" "$(hex16 "$(cap_mask KILL CHOWN)")")"
}

@test "exec -d: a detached process runs while exec returns" {
	start_container
	runtime exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$CID" sleep 999
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ "$pid" -gt 0 ]
	grep -q '^sleep' "/proc/$pid/comm"
	expect_eq "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$(container_pid)/ns/pid")" "pid namespace"
}

@test "exec: into a stopped container fails" {
	start_container true
	wait_status stopped
	run --separate-stderr runtime exec "$CID" true
	[ "$status" -ne 0 ] || fail "exec into a stopped container succeeded"
}

@test "exec --tty: the process gets a terminal through --console-socket" {
	start_container
	local sock=$BATS_TEST_TMPDIR/exec.sock out=$BATS_TEST_TMPDIR/exec.tty
	python3 "$TESTS_LIB/console_recv.py" "$sock" "$out" >"$BATS_TEST_TMPDIR/recv.log" 2>&1 &
	local recv=$!
	bg_track "$recv"
	wait_file "$BATS_TEST_TMPDIR/recv.log"
	runtime exec -d --tty --console-socket "$sock" "$CID" sh -c 'tty; [ -t 0 ] && echo stdin-is-tty'
	wait "$recv" || fail "console receiver failed: $(cat "$BATS_TEST_TMPDIR/recv.log")"
	run cat "$out"
	expect_line '^/dev/pts/[0-9]+'
	expect_line '^stdin-is-tty'
}

@test "ps: lists the container's processes, also as JSON" {
	start_container
	runtime exec -d "$CID" sleep 998
	run --separate-stderr runtime ps "$CID"
	expect_status 0
	expect_line '^UID +PID +PPID '
	expect_line 'sleep 1000'
	expect_line 'sleep 998'
	run --separate-stderr runtime ps --format json "$CID"
	expect_status 0
	jq -e --argjson p "$(container_pid)" 'index($p) != null' <<<"$output" >/dev/null ||
		{ show_run; fail "init pid missing from ps --format json"; }
	[ "$(jq length <<<"$output")" -eq 2 ] || { show_run; fail "wanted 2 pids"; }
}

@test "pause/resume: the state says paused and the processes are frozen" {
	start_container
	runtime pause "$CID"
	expect_eq "$(state_field status)" paused status
	local freezer
	freezer=$(container_cgroup freezer)
	if [ -n "$freezer" ] && [ -f "$freezer/freezer.state" ]; then
		expect_eq "$(cat "$freezer/freezer.state")" FROZEN freezer.state
	fi
	run --separate-stderr runtime list --format json
	expect_eq "$(jq -r --arg id "$CID" '.[] | select(.id == $id) | .status' <<<"$output")" paused "list status"
	runtime resume "$CID"
	expect_eq "$(state_field status)" running status
	if [ -n "$freezer" ] && [ -f "$freezer/freezer.state" ]; then
		expect_eq "$(cat "$freezer/freezer.state")" THAWED freezer.state
	fi
	run --separate-stderr runtime exec "$CID" echo alive
	expect_status 0
	expect_output alive
}

@test "pause: a paused container refuses exec until resumed" {
	start_container
	runtime pause "$CID"
	run --separate-stderr runtime exec "$CID" true
	[ "$status" -ne 0 ] || fail "exec into a paused container succeeded"
	runtime resume "$CID"
	run --separate-stderr runtime exec "$CID" true
	expect_status 0
}

@test "update --resources: the new pids and memory limits reach the cgroup" {
	cfg '.linux.resources.pids = {limit: 100} | .linux.resources.memory = {limit: 134217728}'
	start_container
	local pids mem
	pids=$(container_cgroup pids)
	mem=$(container_cgroup memory)
	expect_eq "$(cat "$pids/pids.max")" 100 "pids.max before"
	expect_eq "$(cat "$mem/memory.limit_in_bytes")" 134217728 "memory limit before"
	echo '{"pids": {"limit": 42}, "memory": {"limit": 100663296}}' >"$BATS_TEST_TMPDIR/res.json"
	runtime update --resources "$BATS_TEST_TMPDIR/res.json" "$CID"
	expect_eq "$(cat "$pids/pids.max")" 42 "pids.max after"
	expect_eq "$(cat "$mem/memory.limit_in_bytes")" 100663296 "memory limit after"
	runtime update --pids-limit 55 "$CID"
	expect_eq "$(cat "$pids/pids.max")" 55 "pids.max after --pids-limit"
}

@test "update --resources -: the JSON comes from stdin" {
	start_container
	runtime update --resources - "$CID" <<<'{"pids": {"limit": 33}}'
	expect_eq "$(cat "$(container_cgroup pids)/pids.max")" 33 pids.max
}

@test "update: the container sees the new limit in its own cgroup" {
	# Mount the container's cgroups read-only inside it; with a cgroup
	# namespace the container's own cgroup is the root of each hierarchy.
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "cgroup")] + [{type: "cgroup"}]
		| .mounts = [.mounts[] | select(.destination != "/sys/fs/cgroup")]
		+ [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
			options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	start_container
	runtime update --pids-limit 23 "$CID"
	run --separate-stderr runtime exec "$CID" cat /sys/fs/cgroup/pids/pids.max
	expect_status 0
	expect_output 23
}
