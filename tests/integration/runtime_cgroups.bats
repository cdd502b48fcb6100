#!/usr/bin/env bats
# cgroup limits: enforced on the process, written to the container's cgroup
# files, and placed beneath the test's own cgroup in every hierarchy.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
}
teardown() { runtime_teardown; }

MIB=$((1024 * 1024))

@test "memory: an allocation above the limit is OOM-killed" {
	# swap = limit: no swapping instead of the kill, whatever the host has.
	cfg '.linux.resources.memory = {limit: $l, swap: $l}' --argjson l $((64 * MIB))
	# dd's buffer is one block: it touches 100 MiB at once.
	run_in_container dd if=/dev/zero of=/dev/null bs=100M count=1
	expect_status 137
}

@test "memory: an allocation below the limit succeeds" {
	cfg '.linux.resources.memory = {limit: $l}' --argjson l $((64 * MIB))
	run_in_container dd if=/dev/zero of=/dev/null bs=16M count=1
	expect_status 0
}

@test "memory: the OOM kill is counted in the container's cgroup" {
	cfg '.linux.resources.memory = {limit: $l, swap: $l}' --argjson l $((64 * MIB))
	start_container
	local mem
	mem=$(container_cgroup memory)
	run --separate-stderr runtime exec "$CID" dd if=/dev/zero of=/dev/null bs=100M count=1
	expect_status 137
	grep -qE '^oom_kill [1-9]' "$mem/memory.oom_control" || { cat "$mem/memory.oom_control"; fail "no oom_kill counted"; }
	expect_eq "$(state_field status)" running "container after its exec was killed"
}

@test "pids: forking stops at the limit" {
	cfg '.linux.resources.pids = {limit: 10}'
	run_sh 'i=0; while [ $i -lt 30 ]; do sleep 100 & i=$((i + 1)); done; echo spawned-all'
	[ "$status" -ne 0 ] || { show_run; fail "30 processes under a limit of 10"; }
	grep -q "can't fork" <<<"$stderr" || { show_run; fail "fork did not fail"; }
	expect_no_line spawned-all
}

@test "pids: pids.current counts every process of the container" {
	cfg '.linux.resources.pids = {limit: 5}'
	start_container sh -c 'for i in 1 2 3; do sleep 900 & done; wait'
	local cur i
	for ((i = 0; i < 100; i++)); do
		cur=$(cat "$(container_cgroup pids)/pids.current")
		[ "$cur" -eq 4 ] && break
		sleep 0.1
	done
	expect_eq "$cur" 4 pids.current
	expect_eq "$(cat "$(container_cgroup pids)/pids.max")" 5 pids.max
}

@test "cgroup files on the host hold the configured values" {
	cfg '.linux.resources.memory = {limit: $m, reservation: $r}
		| .linux.resources.pids = {limit: 77}
		| .linux.resources.cpu = {shares: 512, quota: 50000, period: 100000, cpus: "0"}' \
		--argjson m $((64 * MIB)) --argjson r $((32 * MIB))
	start_container
	local mem pids cpu cpuset
	mem=$(container_cgroup memory)
	pids=$(container_cgroup pids)
	cpu=$(container_cgroup cpu)
	cpuset=$(container_cgroup cpuset)
	expect_eq "$(cat "$mem/memory.limit_in_bytes")" $((64 * MIB)) memory.limit_in_bytes
	expect_eq "$(cat "$mem/memory.soft_limit_in_bytes")" $((32 * MIB)) memory.soft_limit_in_bytes
	expect_eq "$(cat "$pids/pids.max")" 77 pids.max
	expect_eq "$(cat "$cpu/cpu.shares")" 512 cpu.shares
	expect_eq "$(cat "$cpu/cpu.cfs_quota_us")" 50000 cpu.cfs_quota_us
	expect_eq "$(cat "$cpu/cpu.cfs_period_us")" 100000 cpu.cfs_period_us
	expect_eq "$(cat "$cpuset/cpuset.cpus")" 0 cpuset.cpus
	grep -qx "$(container_pid)" "$pids/cgroup.procs" || fail "init not in $pids"
}

@test "cgroups: the container's cgroups lie beneath the caller's own" {
	start_container
	local controllers dir mine
	while read -r controllers dir; do
		mine=$(cgroup_dirs | awk -v c="$controllers" '$1 == c { print $2 }')
		[ -n "$mine" ] || continue
		expect_eq "$dir" "$mine/$BUNDLE_CGROUP" "cgroup for $controllers"
	done < <(cgroup_dirs "$(container_pid)")
	# The memory hierarchy is the one where the caller is not at the root.
	[ -n "$(container_cgroup memory)" ]
}

@test "cgroups: the container sees its limit through a cgroup namespace" {
	cfg '.linux.resources.memory = {limit: $m}' --argjson m $((64 * MIB))
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "cgroup")] + [{type: "cgroup"}]
		| .mounts = [.mounts[] | select(.destination != "/sys/fs/cgroup")]
		+ [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
			options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	run_sh 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; grep :memory: /proc/self/cgroup | cut -d: -f3'
	expect_status 0
	expect_output "$(printf '%s\n/' $((64 * MIB)))"
}

@test "cgroups: the cgroup is removed after the container is deleted" {
	start_container
	local dirs
	dirs=$(cgroup_dirs "$(container_pid)" | awk '{ print $2 }')
	runtime delete --force "$CID"
	local d
	for d in $dirs; do
		[ ! -d "$d" ] || fail "$d left behind"
	done
}

@test "cgroups: run of a container that exited removes its cgroups without freezing them" {
	command -v strace >/dev/null || skip "strace is not installed"
	local freezer
	freezer=$(cgroup_dirs | awk '$1 == "freezer" { print $2 }')
	[ -n "$freezer" ] || skip "no cgroup v1 freezer hierarchy"
	set_args true
	new_cid
	run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k 10 120 strace -f -qq -e trace=write -e signal=none \
		-o "$BATS_TEST_TMPDIR/strace" "$RUNTIME" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$CID"
	expect_status 0
	# (LeakSanitizer cannot run under ptrace: off for a sanitizer build.)
	# Nothing was left to kill: no freeze and thaw around a kill of nobody.
	run grep -c -e '"FROZEN"' -e '"THAWED"' "$BATS_TEST_TMPDIR/strace"
	[ "$output" = 0 ] || fail "the freezer was written $output times: $(grep -e FROZEN -e THAWED "$BATS_TEST_TMPDIR/strace")"
	# And nothing remains in any hierarchy.
	local d
	for d in $(cgroup_dirs_named "$BUNDLE_CGROUP"); do
		[ ! -d "$d" ] || fail "$d left behind"
	done
}

@test "cgroups v1: the init moves itself into each v1 hierarchy (\"0\" to tasks, no global lock)" {
	command -v strace >/dev/null || skip "strace is not installed"
	grep -q -v '^0::' /proc/self/cgroup || skip "no cgroup v1 hierarchy"
	local v1
	v1=$(grep -c -v '^0::' /proc/self/cgroup)
	set_args true
	new_cid
	strace_run -e trace=write,recvmsg,openat
	expect_status 0
	# A pid written to a v1 cgroup.procs takes the kernel's global lock.
	run grep -E 'write\([0-9]+</sys/fs/cgroup/[^u>][^>]*/cgroup\.procs>' "$BATS_TEST_TMPDIR/strace"
	[ "$status" -ne 0 ] || fail "a pid was written to a v1 cgroup.procs: $output"
	run grep -c -E 'write\([0-9]+</sys/fs/cgroup/[^>]*/tasks>, "0", 1\) = 1' "$BATS_TEST_TMPDIR/strace"
	[ "$output" -ge "$v1" ] || fail "$output writes of 0 to tasks for $v1 v1 hierarchies"
	# Without a user namespace it does so before the runtime's GO (its
	# first recvmsg), while the runtime finishes its part of the start.
	local f w r
	f=$(grep -l 'tasks>, "0", 1' "$BATS_TEST_TMPDIR"/st.* | head -1)
	w=$(grep -n 'tasks>, "0", 1' "$f" | head -1 | cut -d: -f1)
	r=$(grep -n '^recvmsg(' "$f" | head -1 | cut -d: -f1)
	[ -n "$r" ] && [ "$w" -lt "$r" ] || fail "the init waited for GO before its cgroups: $(cat "$f")"
	# The device rules: one write each, but one open of the file for all.
	if grep -q 'devices.allow>, "' "$BATS_TEST_TMPDIR/strace"; then
		run grep -c 'openat(.*"devices.allow"' "$BATS_TEST_TMPDIR/strace"
		[ "$output" -eq 1 ] || fail "devices.allow opened $output times"
	fi
}

# strace_run ARGS...: brig-runtime run of the bundle under strace -ff -y
# (fds shown as paths) with ARGS, its trace in $BATS_TEST_TMPDIR/strace.
# One file per process first: the init and the runtime work at the same
# time, and in one file strace splits a call that overlaps another
# process's into "<unfinished ...>" and "<... resumed>" lines.
strace_run() {
	run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k 10 120 strace -ff -qq -y -e signal=none "$@" \
		-o "$BATS_TEST_TMPDIR/st" "$RUNTIME" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$CID"
	cat "$BATS_TEST_TMPDIR"/st.* >"$BATS_TEST_TMPDIR/strace"
}

@test "cgroups v2: the init is cloned into its v2 cgroup (CLONE_INTO_CGROUP), no pid written" {
	command -v strace >/dev/null || skip "strace is not installed"
	cgroup_dirs | grep -q '^unified ' || skip "no cgroup v2 hierarchy"
	set_args true
	new_cid
	strace_run -e trace=clone3,write
	expect_status 0
	grep -q 'clone3(.*CLONE_INTO_CGROUP' "$BATS_TEST_TMPDIR/strace" ||
		fail "no clone3 into the cgroup: $(grep clone "$BATS_TEST_TMPDIR/strace")"
	# A pid written to cgroup.procs takes the kernel's global lock.
	run grep -E 'write\([0-9]+<[^>]*/cgroup\.procs>' "$BATS_TEST_TMPDIR/strace"
	[ "$status" -ne 0 ] || fail "a pid was written to cgroup.procs: $output"
}

@test "cgroups v2: without clone3 (ENOSYS) the init is moved by a write to cgroup.procs" {
	command -v strace >/dev/null || skip "strace is not installed"
	cgroup_dirs | grep -q '^unified ' || skip "no cgroup v2 hierarchy"
	set_args true
	new_cid
	strace_run -e trace=clone3,clone,write -e inject=clone3:error=ENOSYS
	expect_status 0
	grep -q 'clone3(.*) = -1 ENOSYS' "$BATS_TEST_TMPDIR/strace" ||
		fail "clone3 was not refused: $(grep clone "$BATS_TEST_TMPDIR/strace")"
	grep -qE "write\([0-9]+<[^>]*/$BUNDLE_CGROUP/cgroup\.procs>, \"[0-9]+\", [0-9]+\) = [0-9]+" \
		"$BATS_TEST_TMPDIR/strace" || fail "the init was not moved into its v2 cgroup"
	local d
	for d in $(cgroup_dirs_named "$BUNDLE_CGROUP"); do
		[ ! -d "$d" ] || fail "$d left behind"
	done
}

@test "devices: mknod of any node is allowed (c *:* m, b *:* m, as runc) but it does not open" {
	cfg '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	run_sh 'mknod /tmp/kmsg c 1 11 && echo made-c; mknod /tmp/loop7 b 7 7 && echo made-b
		( : </tmp/kmsg ) 2>/dev/null || echo open-c-denied
		( : </tmp/loop7 ) 2>/dev/null || echo open-b-denied
		( echo x >/tmp/kmsg ) 2>/dev/null || echo write-c-denied'
	expect_status 0
	expect_output "$(printf '%s\n' made-c made-b open-c-denied open-b-denied write-c-denied)"
}

# rt_cpu_dir: the cpu hierarchy's directory of this shell's cgroup (v1), or
# skip when the kernel has no realtime group scheduling there.
rt_cpu_dir() {
	local d
	d=$(cgroup_dir_of self cpu)
	[ -n "$d" ] && [ -e "$d/cpu.rt_runtime_us" ] || skip "no cgroup v1 cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED)"
	local own
	own=$(cat "$d/cpu.rt_runtime_us")
	[ "$own" -ge 20000 ] || skip "this shell's cpu cgroup has an rt budget of $own us"
	echo "$d"
}

@test "cgroups v1: realtimeRuntime beneath cgroups the runtime creates gets their budget" {
	local cpu
	cpu=$(rt_cpu_dir)
	cfg '.linux.cgroupsPath = ($p + "/mid/leaf")
		| .linux.resources.cpu.realtimeRuntime = 10000 | .linux.resources.cpu.realtimePeriod = 1000000
		| .process.capabilities.bounding += ["CAP_SYS_NICE"] | .process.capabilities.effective += ["CAP_SYS_NICE"]
		| .process.capabilities.permitted += ["CAP_SYS_NICE"]
		| .process.scheduler = {policy: "SCHED_FIFO", priority: 10}' --arg p "$BUNDLE_CGROUP"
	run_in_container cat /proc/self/stat
	expect_status 0
	expect_eq "$(cut -d' ' -f41 <<<"$output")" 1 "scheduling policy (1 = SCHED_FIFO)"
	start_container sleep 1000
	expect_eq "$(cat "$cpu/$BUNDLE_CGROUP/mid/leaf/cpu.rt_runtime_us")" 10000 "the container's budget"
	expect_eq "$(cat "$cpu/$BUNDLE_CGROUP/mid/cpu.rt_runtime_us")" 10000 "the budget of the parent it created"
}

@test "cgroups v1: realtimeRuntime under a parent the runtime did not create and that has no budget is a one-line error" {
	local cpu
	cpu=$(rt_cpu_dir)
	mkdir -p "$cpu/$BUNDLE_CGROUP/given"
	cfg '.linux.cgroupsPath = ($p + "/given/leaf") | .linux.resources.cpu.realtimeRuntime = 10000' \
		--arg p "$BUNDLE_CGROUP"
	run_in_container true
	expect_status 1
	grep -qF "cgroup $cpu/$BUNDLE_CGROUP/given: cpu.rt_runtime_us is 0" <<<"$stderr" ||
		{ show_run; fail "the error does not name the parent cgroup and its budget"; }
	expect_eq "$(grep -c . <<<"$stderr")" 1 "lines of error"
	expect_eq "$(cat "$cpu/$BUNDLE_CGROUP/given/cpu.rt_runtime_us")" 0 "budget of the parent the runtime did not create"
}
