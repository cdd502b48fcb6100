#!/usr/bin/env bats
# The container process observes its own identity and confinement: user,
# capabilities, no_new_privs, seccomp, rlimits, hostname, env, cwd, oom score.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
}
teardown() { runtime_teardown; }

@test "user: uid, gid, additionalGids and umask" {
	cfg '.process.user = {uid: 1000, gid: 1000, additionalGids: [100, 65534], umask: 23}'
	run_sh 'id -u; id -g; id -G | tr " " "\n" | sort -n | tr "\n" " "; echo; umask'
	expect_status 0
	expect_output "$(printf '1000\n1000\n100 1000 65534 \n0027')"
}

@test "user: supplementary groups are cleared when none are configured" {
	cfg '.process.user = {uid: 1000, gid: 1000}'
	run_in_container id -G
	expect_status 0
	expect_output 1000
}

@test "user: files created by the process have its uid and umask" {
	cfg '.process.user = {uid: 1000, gid: 100, umask: 7}'
	run_sh 'touch /tmp/f && stat -c "%u %g %a" /tmp/f'
	expect_status 0
	expect_output "1000 100 660"
}

# expected_caps: the Cap* lines of /proc/self/status that the configured
# process must show, computed from config.json with the kernel's execve rules
# (no file capabilities, no securebits): ambient capabilities survive only
# when permitted and inheritable; root gains its bounding and inheritable
# sets as permitted and effective, but with no_new_privs never more than it
# had; any other uid keeps only the ambient set.
expected_caps() {
	local bnd prm inh amb uid nnp
	bnd=$(cfg_caps bounding)
	prm=$(cfg_caps permitted)
	inh=$(cfg_caps inheritable)
	amb=$(cfg_caps ambient)
	uid=$(cfg_get '.process.user.uid')
	nnp=$(cfg_get '.process.noNewPrivileges // false')
	amb=$((amb & inh & prm))
	if [ "$uid" -eq 0 ]; then
		if [ "$nnp" = true ]; then
			prm=$(((inh | bnd | amb) & prm))
		else
			prm=$((inh | bnd | amb))
		fi
	else
		prm=$amb
	fi
	printf 'CapInh:\t%s\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%s\n' \
		"$(hex16 "$inh")" "$(hex16 "$prm")" "$(hex16 "$prm")" "$(hex16 "$bnd")" "$(hex16 "$amb")"
}

@test "capabilities: the default spec's sets" {
	run_in_container grep ^Cap /proc/self/status
	expect_status 0
	expect_output "$(expected_caps)"
}

@test "capabilities: root with a reduced bounding set, no_new_privs" {
	cfg '.process.noNewPrivileges = true | .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"],
		effective: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		inheritable: ["CAP_KILL"],
		ambient: ["CAP_KILL"]}'
	run_in_container grep ^Cap /proc/self/status
	expect_status 0
	expect_output "$(expected_caps)"
	# The computation is not vacuous: CAP_SYS_ADMIN is gone.
	expect_no_line "CapBnd:.*$(hex16 "$(cap_mask SYS_ADMIN)")"
}

@test "capabilities: root without no_new_privs gains its bounding set on exec" {
	cfg '.process.noNewPrivileges = false | .process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
		effective: ["CAP_KILL"],
		permitted: ["CAP_KILL"],
		inheritable: [],
		ambient: []}'
	run_in_container grep ^Cap /proc/self/status
	expect_status 0
	expect_output "$(expected_caps)"
	expect_line "^CapEff:.$(hex16 "$(cap_mask CHOWN KILL NET_BIND_SERVICE SETUID)")$"
}

@test "capabilities: a non-root user keeps only its ambient set" {
	cfg '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {
		bounding: ["CAP_NET_BIND_SERVICE", "CAP_KILL", "CAP_NET_RAW"],
		effective: ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
		permitted: ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
		inheritable: ["CAP_NET_BIND_SERVICE"],
		ambient: ["CAP_NET_BIND_SERVICE"]}'
	run_in_container grep ^Cap /proc/self/status
	expect_status 0
	expect_output "$(expected_caps)"
	expect_line "^CapEff:.$(hex16 "$(cap_mask NET_BIND_SERVICE)")$"
}

@test "capabilities: none at all" {
	cfg '.process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}'
	run_in_container grep ^Cap /proc/self/status
	expect_status 0
	expect_output "$(expected_caps)"
	expect_line "^CapBnd:.0000000000000000$"
	# Without CAP_CHOWN even root cannot give a file away.
	run_sh 'touch /tmp/f; chown 1000 /tmp/f'
	[ "$status" -ne 0 ] || fail "chown worked without CAP_CHOWN"
}

@test "noNewPrivileges: true sets NoNewPrivs" {
	cfg '.process.noNewPrivileges = true'
	run_in_container grep ^NoNewPrivs: /proc/self/status
	expect_status 0
	expect_output "$(printf 'NoNewPrivs:\t1')"
}

@test "noNewPrivileges: false leaves it clear" {
	cfg '.process.noNewPrivileges = false'
	run_in_container grep ^NoNewPrivs: /proc/self/status
	expect_status 0
	expect_output "$(printf 'NoNewPrivs:\t0')"
}

@test "seccomp: a filter is installed and an errno rule denies mkdir" {
	cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		syscalls: [
			{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1},
			{names: ["sethostname"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
	cfg '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	run_sh 'grep ^Seccomp: /proc/self/status
		mkdir /tmp/d 2>&1 || echo mkdir-denied
		hostname foo 2>&1 || echo sethostname-denied
		touch /tmp/f && echo touch-allowed'
	expect_status 0
	expect_line "^Seccomp:.2$"
	expect_line "Operation not permitted"
	expect_line "^mkdir-denied$"
	expect_line "Permission denied"
	expect_line "^sethostname-denied$"
	expect_line "^touch-allowed$"
}

@test "seccomp: SCMP_ACT_KILL kills the process" {
	cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
		syscalls: [{names: ["uname"], action: "SCMP_ACT_KILL"}]}'
	run_in_container uname -m
	expect_status 159
}

@test "seccomp: no filter without a seccomp section" {
	cfg 'del(.linux.seccomp)'
	run_in_container grep ^Seccomp: /proc/self/status
	expect_status 0
	expect_output "$(printf 'Seccomp:\t0')"
}

@test "rlimits: RLIMIT_NOFILE and RLIMIT_CORE" {
	cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456},
		{type: "RLIMIT_CORE", soft: 4096, hard: 8192}]'
	run_sh 'ulimit -n; ulimit -Hn; grep "^Max core file size" /proc/self/limits'
	expect_status 0
	expect_line '^123$'
	expect_line '^456$'
	expect_line '^Max core file size +4096 +8192 +bytes'
}

@test "hostname" {
	cfg '.hostname = "brig-test-host"'
	run_in_container hostname
	expect_status 0
	expect_output brig-test-host
	[ "$(hostname)" != brig-test-host ]
}

@test "domainname" {
	skip_if_runc_lacks domainname 1.2.0
	cfg '.hostname = "brig-test-host" | .domainname = "example.test"'
	run_in_container cat /proc/sys/kernel/domainname
	expect_status 0
	expect_output example.test
}

@test "env: exactly the configured environment, plus HOME" {
	cfg '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
	run_in_container env
	expect_status 0
	expect_line '^PATH=/bin:/usr/bin$'
	expect_line '^FOO=bar baz$'
	expect_line '^EMPTY=$'
	expect_line '^HOME=/root$'
	expect_no_line '^BATS_'
}

@test "env: HOME comes from /etc/passwd for the configured user" {
	cfg '.process.env = ["PATH=/bin:/usr/bin"] | .process.user = {uid: 1000, gid: 1000}'
	run_in_container env
	expect_status 0
	expect_line '^HOME=/home/user$'
}

@test "cwd: the process starts in process.cwd" {
	cfg '.process.cwd = "/home/user"'
	run_in_container pwd
	expect_status 0
	expect_output /home/user
}

@test "cwd: a missing cwd is created" {
	cfg '.process.cwd = "/made/by/runtime"'
	run_in_container pwd
	expect_status 0
	expect_output /made/by/runtime
}

@test "oomScoreAdj: /proc/self/oom_score_adj" {
	cfg '.process.oomScoreAdj = 321'
	run_in_container cat /proc/self/oom_score_adj
	expect_status 0
	expect_output 321
}

@test "args: arguments reach the process unchanged" {
	run_in_container sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 'two words' '' '$HOME' '*'
	expect_status 0
	expect_output "$(printf '[two words]\n[]\n[$HOME]\n[*]')"
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener fd and the state to listenerPath" {
	runtime_is_brig || skip_if_runc_lacks "seccomp notify" 1.1.0
	local sock=$BATS_TEST_TMPDIR/notify.sock out=$BATS_TEST_TMPDIR/notify.json
	python3 "$TESTS_LIB/seccomp_listener.py" "$sock" "$out" &
	bg_track $!
	local i
	for ((i = 0; i < 300; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || fail "listener socket never appeared"
	cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
		listenerMetadata: "brig-test",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
	run_sh 'mkdir /tmp/x 2>&1; echo rc=$?'
	expect_status 0
	# The listener closed the fd unanswered: the notified mkdir fails.
	expect_line '^rc=1$'
	wait_file "$out"
	jq -e '.fds == 1 and .state.ociVersion != null and (.state.fds | index("seccompFd")) != null
		and .state.pid > 0 and .state.metadata == "brig-test"
		and .state.state.id != null' "$out" >/dev/null || { cat "$out"; fail "bad hand-over"; }
}

@test "seccomp: a profile that denies getcwd (the spec's example) still starts the process" {
	cfg '.process.noNewPrivileges = true
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
	run_in_container /bin/echo started
	expect_status 0
	expect_output started
}

@test "capabilities: an unknown name is a warning and is ignored" {
	cfg '.process.capabilities = {bounding: ["CAP_KILL", "CAP_FLY_TO_THE_MOON"],
		effective: ["CAP_FLY_TO_THE_MOON", "CAP_KILL"], permitted: ["CAP_KILL", "CAP_FLY_TO_THE_MOON"]}'
	run_in_container grep ^CapEff: /proc/self/status
	expect_status 0
	expect_output "$(printf 'CapEff:\t%s' "$(hex16 "$(cap_mask KILL)")")"
	if runtime_is_brig; then
		grep -q 'CAP_FLY_TO_THE_MOON' <<<"$stderr" || { show_run; fail "no warning naming the unknown capability"; }
	fi
}

@test "scheduler: SCHED_DEADLINE with runtime, deadline and period (sched_setattr)" {
	skip_if_runc_lacks "process.scheduler" 1.2.0
	cfg '.process.scheduler = {policy: "SCHED_DEADLINE", runtime: 10000000, deadline: 50000000,
		period: 100000000, flags: ["SCHED_FLAG_RESET_ON_FORK"]}'
	# The program is cat itself: a deadline task may not fork.
	run_in_container cat /proc/self/stat
	expect_status 0
	# field 41 of /proc/PID/stat is the policy (6 = SCHED_DEADLINE)
	expect_eq "$(cut -d' ' -f41 <<<"$output")" 6 "scheduling policy"
}

@test "scheduler: SCHED_DEADLINE without runtime is refused naming the field" {
	skip_if_runc_lacks "process.scheduler" 1.2.0
	cfg '.process.scheduler = {policy: "SCHED_DEADLINE", deadline: 50000000}'
	run_in_container true
	[ "$status" -ne 0 ] || { show_run; fail "accepted SCHED_DEADLINE without runtime"; }
	grep -q 'process.scheduler' <<<"$stderr" || { show_run; fail "the error does not name process.scheduler"; }
}

@test "scheduler: SCHED_BATCH with a nice value" {
	skip_if_runc_lacks "process.scheduler" 1.2.0
	cfg '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}'
	run_in_container cat /proc/self/stat
	expect_status 0
	expect_eq "$(cut -d' ' -f41 <<<"$output")" 3 "scheduling policy"
	expect_eq "$(cut -d' ' -f19 <<<"$output")" 7 "nice value"
}

@test "memoryPolicy: MPOL_BIND to node 0 applies to the process and to exec" {
	[ -e /proc/self/numa_maps ] || skip "kernel without NUMA support"
	runtime_is_brig || skip "runc $RUNTIME_VERSION ignores linux.memoryPolicy"
	cfg '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
	run_in_container sh -c 'grep -c " bind:0 " /proc/self/numa_maps'
	expect_status 0
	[ "$output" -gt 0 ] || { show_run; fail "no mapping has the bind:0 policy"; }
	start_container
	run --separate-stderr runtime exec "$CID" sh -c 'grep -c " bind:0 " /proc/self/numa_maps'
	expect_status 0
	[ "$output" -gt 0 ] || { show_run; fail "exec: no mapping has the bind:0 policy"; }
}

@test "memoryPolicy: interleave with flags, and errors that name the field" {
	[ -e /proc/self/numa_maps ] || skip "kernel without NUMA support"
	runtime_is_brig || skip "runc $RUNTIME_VERSION ignores linux.memoryPolicy"
	cfg '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0", flags: ["MPOL_F_STATIC_NODES"]}'
	run_in_container sh -c 'grep -c " interleave=static:0 " /proc/self/numa_maps'
	expect_status 0
	[ "$output" -gt 0 ] || { show_run; fail "no mapping has the interleave policy"; }
	cfg '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0-x"}'
	run_in_container true
	expect_status 1
	grep -q 'linux.memoryPolicy.nodes' <<<"$stderr" || { show_run; fail "error does not name linux.memoryPolicy.nodes"; }
	cfg '.linux.memoryPolicy = {mode: "MPOL_FLY"}'
	run_in_container true
	expect_status 1
	grep -q 'linux.memoryPolicy' <<<"$stderr" || { show_run; fail "error does not name linux.memoryPolicy"; }
}
