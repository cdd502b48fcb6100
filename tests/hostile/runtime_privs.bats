#!/usr/bin/env bats
# Privileges a config does not grant must not reach the container: a config
# without process.capabilities, and processes started by `exec`, which must
# not be able to signal the caller's session or process group on the host.
# Each test also runs against runc (RUNTIME=runc), which behaves the same.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
	# Only the capability sets are under test: no seccomp filter that would
	# stop the mount by itself.
	cfg 'del(.linux.seccomp) | .process.noNewPrivileges = true'
}

teardown() { runtime_teardown; }

# caps_of_self: "CapInh CapPrm CapEff CapBnd CapAmb" of the container process.
caps_line='grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | tr -s "\t " " " | tr "\n" " "'

@test "privs: a config without process.capabilities gets no capabilities" {
	cfg 'del(.process.capabilities)'
	run_sh "$caps_line"
	expect_status 0
	expect_output "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 "
	run_sh 'mount -t tmpfs none /etc && echo MOUNTED'
	[ "$status" -ne 0 ] || { show_run; fail "mount succeeded without capabilities"; }
	expect_no_line MOUNTED
}

@test "privs: an empty process.capabilities object gets no capabilities" {
	cfg '.process.capabilities = {}'
	run_sh "$caps_line"
	expect_status 0
	expect_output "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 "
	run_sh 'mount -t tmpfs none /etc && echo MOUNTED'
	[ "$status" -ne 0 ] || { show_run; fail "mount succeeded without capabilities"; }
	expect_no_line MOUNTED
}

# exec_from_session SCRIPT: in a new session on the host (as a shell would
# start it), run a sleep in the background and `exec` SCRIPT in the running
# container $CID; the session's shell then says whether it and its sleep
# survived.  bats `run`; the sleep is killed in teardown if still there.
exec_from_session() {
	local d=$BATS_TEST_TMPDIR
	export RUNTIME STATE_ROOT CID d SCRIPT=$1
	run --separate-stderr timeout --foreground -k 10 120 setsid bash -c '
		sleep 1000 &
		echo $! >"$d/sleep.pid"
		"$RUNTIME" --root "$STATE_ROOT" exec "$CID" sh -c "$SCRIPT" </dev/null
		echo "exec returned $?"
		kill -0 "$(cat "$d/sleep.pid")" && echo "sleep survived"
		kill "$(cat "$d/sleep.pid")"'
	[ ! -s "$d/sleep.pid" ] || bg_track "$(cat "$d/sleep.pid")"
}

@test "privs: exec'd kill(0) does not reach the caller's process group" {
	start_container
	exec_from_session 'kill -TERM 0'
	expect_status 0
	expect_line '^exec returned'
	expect_line '^sleep survived$'
}

@test "privs: exec'd kill(-pgid) of its own process group does not reach the caller" {
	start_container
	# Inside the container's pid namespace the caller's group has no number
	# (0) unless exec made a group of its own; kill -PGID targets either.
	exec_from_session 'read -r _ _ _ _ pg _ </proc/self/stat; echo "pgid $pg"; kill -TERM -$pg; kill -TERM 0'
	expect_status 0
	expect_line '^exec returned'
	expect_line '^sleep survived$'
}

@test "privs: exec'd process leads its own session" {
	start_container
	run --separate-stderr runtime exec "$CID" sh -c 'read -r pid _ _ _ pgid sid _ </proc/self/stat; echo "$pid $pgid $sid"'
	expect_status 0
	read -r pid pgid sid <<<"$output"
	expect_eq "$sid" "$pid" "session of the exec'd process"
	expect_eq "$pgid" "$pid" "process group of the exec'd process"
}
