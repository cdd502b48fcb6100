#!/usr/bin/env bats
# brig-init, the init of `brig run --init`: as PID 1 of a container made by
# the runtime under test it reaps orphaned zombies, forwards signals to its
# command and exits with the command's status; outside a container (the
# brig-init-host build, which carries the build's sanitizers) it does the same
# as a child subreaper.

load ../lib/helpers

INIT=$BRIG_BUILD/src/init/brig-init
INIT_HOST=$BRIG_BUILD/src/init/brig-init-host

setup() {
	runtime_setup
	[ -x "$INIT" ] || skip "brig-init not built"
	new_bundle
	install -m 0755 "$INIT" "$BUNDLE/rootfs/sbin/brig-init"
}

teardown() { runtime_teardown; }

# run_init ARGS...: run brig-init ARGS as the container's process (foreground).
run_init() { run_in_container /sbin/brig-init "$@"; }

# run_bg ARGS...: `runtime run` ARGS in the background, its output in
# $(cid_out); sets JOB.  Returns once the process printed its first line.
run_bg() {
	set_args "$@"
	new_cid
	runtime run --bundle "$BUNDLE" "$CID" </dev/null >"$(cid_out)" 2>&1 &
	JOB=$!
	bg_track "$JOB"
	wait_file "$(cid_out)"
}

# wait_job: wait for the background run; its exit status in RC.  (Not in a
# command substitution: only this shell can wait for its job.)
wait_job() {
	RC=0
	wait "$JOB" || RC=$?
}

# ORPHANS: a script that leaves two orphans (children of a subshell that has
# exited) which exit a moment later, and writes their pids to /tmp/orphans.
ORPHANS='sh -c "sleep 1 & echo \$!; sleep 1 & echo \$!" >/tmp/orphans'

# orphan_states WANT: each orphan's state letter or "gone", seen from inside
# the container, polled (bounded) until it reads WANT.  A zombie that init
# reaps is Z for a moment first, so an earlier "Z" is not taken as the end.
orphan_states() {
	local i out
	for ((i = 0; i < 100; i++)); do
		out=$(runtime exec "$CID" sh -c 'for p in $(cat /tmp/orphans); do
			{ cut -d" " -f3 /proc/$p/stat 2>/dev/null || echo gone; } | tr "\n" " "; done')
		[ "$out" = "$1" ] && break
		sleep 0.1
	done
	echo "$out"
}

@test "init: exit status, pid 1, own process group, arguments after --" {
	run_init -- sh -c 'read -r _ _ _ ppid pgrp _ </proc/self/stat; echo "$$ $ppid $pgrp $1"; exit 42' sh arg
	expect_status 42
	# pid 2, child of pid 1, leader of its own process group.
	expect_output "2 1 2 arg"
}

@test "init: orphaned zombies are reaped (and are not without it)" {
	# Control: a PID 1 that never waits leaves the orphans as zombies.
	run_bg sh -c "$ORPHANS; echo started; exec sleep 1000"
	run orphan_states "Z Z "
	expect_output "Z Z "
	runtime kill "$CID" KILL
	wait "$JOB" || true

	run_bg /sbin/brig-init sh -c "$ORPHANS; echo started; exec sleep 1000"
	run orphan_states "gone gone "
	expect_output "gone gone "
	# Nothing in the container is <defunct>.
	run runtime exec "$CID" sh -c 'cat /proc/[0-9]*/stat 2>/dev/null | cut -d" " -f2,3'
	expect_no_line ' Z$'
	expect_line '^\(brig-init\) S$'
	runtime kill "$CID" TERM
	wait_job
	expect_eq "$RC" 143 "exit status after SIGTERM"
}

@test "init: SIGTERM reaches a child that traps it; the container exits 3" {
	run_bg /sbin/brig-init -- sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	runtime kill "$CID" TERM
	wait_job
	expect_eq "$RC" 3 "exit status"
	grep -q '^got-term$' "$(cid_out)" || fail "no got-term in $(cat "$(cid_out)")"
}

@test "init: a child without a handler dies of a forwarded SIGTERM (143)" {
	run_bg /sbin/brig-init sh -c 'echo ready; exec sleep 1000'
	runtime kill "$CID" TERM
	wait_job
	expect_eq "$RC" 143 "exit status"
}

@test "init: -g forwards signals to the child's whole process group" {
	# sh only runs its trap after its foreground sleep ends: it is the
	# SIGTERM sent to the group that ends the sleep.
	run_bg /sbin/brig-init -g -- sh -c 'trap "echo got-term" TERM; echo ready; sleep 1000; echo "sleep=$?"; exit 5'
	runtime kill "$CID" TERM
	wait_job
	expect_eq "$RC" 5 "exit status"
	run cat "$(cid_out)"
	expect_line '^got-term$'
	expect_line '^sleep=143$'
}

@test "init: a child killed by SIGKILL exits 137" {
	run_init sh -c 'kill -KILL $$'
	expect_status 137
}

@test "init: exec of a missing binary exits 127, of a non-executable 126" {
	set_args /sbin/brig-init /no/such/binary
	new_cid
	run -127 --separate-stderr runtime run --bundle "$BUNDLE" "$CID" </dev/null
	[[ $stderr == *"brig-init: exec /no/such/binary: No such file or directory"* ]] ||
		fail "stderr: $stderr"
	run_init /etc/passwd
	expect_status 126
	[[ $stderr == *"brig-init: exec /etc/passwd: Permission denied"* ]] || fail "stderr: $stderr"
	run_init
	expect_status 125
	[[ $stderr == *usage:* ]] || fail "stderr: $stderr"
}

# ---------------------------------------------------------------- outside a container

@test "init (host, subreaper): orphans are reparented to brig-init and reaped" {
	[ -x "$INIT_HOST" ] || skip "brig-init-host not built"
	local f=$BATS_TEST_TMPDIR/orphan mid=$BATS_TEST_TMPDIR/mid.sh
	# mid.sh starts an orphan-to-be and exits; the orphan waits until its
	# parent changes and writes the new parent's pid to $1.
	cat >"$mid" <<-'EOF'
		sh -c 'while [ "$(cut -d" " -f4 /proc/$$/stat)" = "$0" ]; do sleep 0.05; done
			cut -d" " -f4 /proc/$$/stat >"$1.tmp"; mv "$1.tmp" "$1"' "$$" "$1" &
	EOF
	run "$INIT_HOST" sh -c 'sh "$0" "$1"; while [ ! -s "$1" ]; do sleep 0.05; done
		echo "$PPID $(cat "$1")"' "$mid" "$f"
	expect_status 0
	local init parent
	read -r init parent <<<"$output"
	expect_eq "$parent" "$init" "new parent of the orphan"
}

@test "init (host): exit status, 128+signal, forwarded SIGTERM, exec errors" {
	[ -x "$INIT_HOST" ] || skip "brig-init-host not built"
	run "$INIT_HOST" sh -c 'exit 7'
	expect_status 7
	run "$INIT_HOST" -- sh -c 'kill -KILL $$'
	expect_status 137
	run -127 --separate-stderr "$INIT_HOST" /no/such/binary
	expect_status 127
	local out=$BATS_TEST_TMPDIR/term.out
	"$INIT_HOST" sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.05; done' >"$out" &
	JOB=$!
	bg_track "$JOB"
	wait_file "$out"
	kill -TERM "$JOB"
	wait_job
	expect_eq "$RC" 3 "exit status after SIGTERM"
	grep -q '^got-term$' "$out"
}
