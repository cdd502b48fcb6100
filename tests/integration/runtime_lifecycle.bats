#!/usr/bin/env bats
# Container lifecycle: run, create/start/state, list, kill, delete, and the
# global and per-command options that go with them.

load ../lib/helpers

setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "run: the process's output and exit status come back" {
	run_sh 'echo hello from $(hostname); exit 0'
	expect_status 0
	expect_line '^hello from '
	run_sh 'exit 42'
	expect_status 42
}

@test "run: a process killed by a signal exits 128+signal" {
	new_bundle
	set_args sleep 1000
	new_cid
	runtime run --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	local job=$!
	bg_track "$job"
	wait_status running
	runtime kill "$CID" KILL
	local rc=0
	wait "$job" || rc=$?
	expect_eq "$rc" 137 "exit status of run"
}

@test "run: the state is gone after a foreground run" {
	run_in_container true
	expect_status 0
	run runtime state "$CID"
	[ "$status" -ne 0 ]
	[ ! -e "$STATE_ROOT/$CID" ]
}

@test "create/start/state: created -> running -> stopped with pid and bundle" {
	new_bundle
	set_args sh -c 'read -r line </dev/null; sleep 1000'
	create_container
	run --separate-stderr runtime state "$CID"
	expect_status 0
	expect_eq "$(jq -r .status <<<"$output")" created status
	expect_eq "$(jq -r .id <<<"$output")" "$CID" id
	expect_eq "$(jq -r .bundle <<<"$output")" "$BUNDLE" bundle
	expect_eq "$(jq -r .ociVersion <<<"$output" | cut -c1-2)" "1." ociVersion
	local pid
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	kill -0 "$pid"
	# Before start, the process is still the runtime's, not the user's sleep.
	[ "$(cat "/proc/$pid/comm")" != sleep ] || fail "the user's process ran before start"

	runtime start "$CID"
	wait_status running
	expect_eq "$(container_pid)" "$pid" "pid after start"

	runtime kill "$CID" KILL
	wait_status stopped
	run runtime state "$CID"
	expect_status 0
	expect_eq "$(jq -r .status <<<"$output")" stopped status
}

@test "state: annotations from config.json are reported" {
	new_bundle
	cfg '.annotations = {"org.brig.test": "yes", "org.brig.other": "a b"}'
	start_container
	run --separate-stderr runtime state "$CID"
	expect_status 0
	expect_eq "$(jq -r '.annotations["org.brig.test"]' <<<"$output")" yes
	expect_eq "$(jq -r '.annotations["org.brig.other"]' <<<"$output")" "a b"
}

@test "state: an unknown container fails with exit 1" {
	run --separate-stderr runtime state no-such-container
	expect_status 1
}

@test "list: shows the containers of this root, also as JSON" {
	new_bundle
	start_container
	local running=$CID
	create_container
	local created=$CID
	run --separate-stderr runtime list
	expect_status 0
	expect_line "^ID +PID +STATUS +BUNDLE +CREATED +OWNER"
	expect_line "^$running +[0-9]+ +running +$BUNDLE "
	expect_line "^$created +[0-9]+ +created +$BUNDLE "
	run --separate-stderr runtime list -q
	expect_status 0
	expect_eq "$(sort <<<"$output" | tr '\n' ' ')" "$(printf '%s\n' "$running" "$created" | sort | tr '\n' ' ')" "list -q"
	run --separate-stderr runtime list --format json
	expect_status 0
	expect_eq "$(jq -r --arg id "$running" '.[] | select(.id == $id) | .status' <<<"$output")" running
	expect_eq "$(jq -r --arg id "$created" '.[] | select(.id == $id) | .status' <<<"$output")" created
	expect_eq "$(jq -r --arg id "$running" '.[] | select(.id == $id) | .pid' <<<"$output")" "$(container_pid "$running")"
	expect_eq "$(jq -r --arg id "$running" '.[] | select(.id == $id) | .bundle' <<<"$output")" "$BUNDLE"
}

@test "list: an empty root lists nothing" {
	run --separate-stderr runtime list --format json
	expect_status 0
	[ "$(jq length <<<"$output")" -eq 0 ] || [ "$output" = null ]
}

@test "kill: a signal by name and by number reaches the process" {
	new_bundle
	start_container sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	wait_file "$(cid_out)"
	runtime kill "$CID" USR1
	runtime kill "$CID" 15
	wait_status stopped
	run cat "$(cid_out)"
	expect_line '^got-usr1$'
	expect_line '^got-term$'
}

@test "kill: the default signal is SIGTERM" {
	new_bundle
	start_container sh -c 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
	wait_file "$(cid_out)"
	runtime kill "$CID"
	wait_status stopped
	run cat "$(cid_out)"
	expect_line '^got-term$'
}

@test "kill: a stopped container cannot be signalled" {
	new_bundle
	start_container true
	wait_status stopped
	run --separate-stderr runtime kill "$CID" KILL
	[ "$status" -ne 0 ] || { show_run; fail "kill of a stopped container succeeded"; }
}

@test "delete: a stopped container is removed with its state and cgroup" {
	new_bundle
	start_container true
	wait_status stopped
	runtime delete "$CID"
	run runtime state "$CID"
	[ "$status" -ne 0 ]
	[ ! -e "$STATE_ROOT/$CID" ]
	local d
	for d in $(cgroup_dirs_named "$BUNDLE_CGROUP"); do
		[ ! -d "$d" ] || fail "cgroup $d left behind"
	done
}

@test "delete: a running container is refused without --force" {
	new_bundle
	start_container
	run --separate-stderr runtime delete "$CID"
	[ "$status" -ne 0 ] || fail "delete of a running container succeeded"
	expect_eq "$(state_field status)" running
}

@test "delete --force: a running container is killed and removed" {
	new_bundle
	start_container
	local pid
	pid=$(container_pid)
	local cg
	cg=$(container_cgroup pids)
	[ -d "$cg" ]
	runtime delete --force "$CID"
	run runtime state "$CID"
	[ "$status" -ne 0 ]
	wait_process_gone "$pid"
	[ ! -d "$cg" ] || fail "cgroup $cg left behind"
}

@test "delete --force: a created (never started) container is removed" {
	new_bundle
	create_container
	local pid
	pid=$(container_pid)
	runtime delete --force "$CID"
	run runtime state "$CID"
	[ "$status" -ne 0 ]
	wait_process_gone "$pid"
}

@test "create: a second container with the same id is refused" {
	new_bundle
	start_container
	run --separate-stderr runtime create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ] || fail "duplicate id accepted"
	expect_eq "$(state_field status)" running
}

@test "--pid-file: create writes the container's pid" {
	new_bundle
	new_cid
	runtime create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CID" </dev/null
	expect_eq "$(cat "$BATS_TEST_TMPDIR/pid")" "$(container_pid)" "pid file"
	new_bundle
	set_args sleep 1000
	new_cid
	runtime run -d --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid2" "$CID" </dev/null >/dev/null
	expect_eq "$(cat "$BATS_TEST_TMPDIR/pid2")" "$(container_pid)" "run -d pid file"
}

@test "--preserve-fds: extra descriptors reach the process" {
	echo "passed-through" >"$BATS_TEST_TMPDIR/fdfile"
	new_bundle
	set_args sh -c 'cat <&3; ls /proc/self/fd/4 >/dev/null 2>&1 && echo fd4-open || echo fd4-closed'
	new_cid
	run --separate-stderr runtime run --preserve-fds 1 --bundle "$BUNDLE" "$CID" \
		3<"$BATS_TEST_TMPDIR/fdfile" 4<"$BATS_TEST_TMPDIR/fdfile" </dev/null
	expect_status 0
	expect_line '^passed-through$'
	expect_line '^fd4-closed$'
}

@test "file descriptors beyond stdio are closed without --preserve-fds" {
	new_bundle
	set_args sh -c 'ls /proc/self/fd'
	new_cid
	run --separate-stderr runtime run --bundle "$BUNDLE" "$CID" 3</dev/null 5</dev/null </dev/null
	expect_status 0
	# 0 1 2 and the fd ls uses to read the directory.
	[ "$(wc -l <<<"$output")" -le 4 ] || { show_run; fail "extra fds leaked"; }
	expect_no_line '^5$'
}

@test "--log-format json: the log file holds JSON lines" {
	new_bundle
	set_args true
	new_cid
	local log=$BATS_TEST_TMPDIR/runtime.log
	run --separate-stderr "$RUNTIME" --root "$STATE_ROOT" --debug --log "$log" --log-format json \
		run --bundle "$BUNDLE" "$CID" </dev/null
	expect_status 0
	[ -s "$log" ] || fail "log file empty"
	local line
	while IFS= read -r line; do
		jq -e 'type == "object" and has("msg") and has("level") and has("time")' <<<"$line" >/dev/null ||
			fail "not a JSON log record: $line"
	done <"$log"
}

@test "--log-format text: errors are logged as text" {
	local log=$BATS_TEST_TMPDIR/runtime.log
	run --separate-stderr "$RUNTIME" --root "$STATE_ROOT" --log "$log" --log-format text state nothing-here
	expect_status 1
	[ -s "$log" ] || fail "log file empty"
	grep -qi 'error' "$log" || { cat "$log"; fail "error not logged"; }
	! jq -e . "$log" >/dev/null 2>&1 || fail "text log parses as JSON"
}

@test "--version and --help succeed" {
	run --separate-stderr "$RUNTIME" --version
	expect_status 0
	expect_line 'version [0-9]'
	expect_line '^spec: [0-9]'
	run --separate-stderr "$RUNTIME" --help
	expect_status 0
}

@test "run --keep: the stopped container stays until deleted" {
	new_bundle
	set_args sh -c 'exit 6'
	new_cid
	run runtime run --keep --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 6 ] || { show_run; fail "exit status $status"; }
	[ "$(state_field status)" = stopped ] || fail "not kept as stopped"
	runtime delete "$CID"
	run runtime state "$CID"
	[ "$status" -ne 0 ]
}

@test "create killed midway: delete --force removes its state and cgroups" {
	runtime_is_brig || skip "brig-specific recovery"
	new_bundle
	local mark=$BATS_TEST_TMPDIR/hook-started
	# The hook blocks create after the cgroups exist; then create is killed.
	cfg '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "echo $$ >\($m); exec sleep 60"]}]' \
		--arg m "$mark"
	set_args true
	new_cid
	runtime create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	local pid=$!
	bg_track $pid
	wait_file "$mark"
	bg_track "$(cat "$mark")" # the hook, orphaned when create dies
	local dirs d made=0
	dirs=$(cgroup_dirs_named "$BUNDLE_CGROUP")
	for d in $dirs; do [ -d "$d" ] && made=1; done
	[ "$made" = 1 ] || fail "no cgroup was made"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	kill "$(cat "$mark")" 2>/dev/null || true
	runtime delete --force "$CID"
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state left behind"
	for d in $dirs; do [ ! -d "$d" ] || fail "cgroup $d left behind"; done
}

@test "delete --force removes the remains of a create killed before any state" {
	runtime_is_brig || skip "brig-specific recovery"
	new_cid
	mkdir -p "$STATE_ROOT/$CID"
	run runtime create --bundle "${BUNDLE:-/nonexistent}" "$CID"
	[ "$status" -ne 0 ]
	runtime delete --force "$CID"
	[ ! -e "$STATE_ROOT/$CID" ] || fail "remains left behind"
}
