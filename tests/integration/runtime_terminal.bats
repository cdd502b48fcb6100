#!/usr/bin/env bats
# Terminal mode: the runtime sends the pty master over --console-socket.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
	cfg '.process.terminal = true'
	SOCK=$BATS_TEST_TMPDIR/console.sock
	TTY_OUT=$BATS_TEST_TMPDIR/tty.out
}
teardown() { runtime_teardown; }

# console_listen [INPUT]: start the console receiver in the background.
console_listen() {
	python3 "$TESTS_LIB/console_recv.py" "$SOCK" "$TTY_OUT" "$@" >"$BATS_TEST_TMPDIR/recv.log" 2>&1 &
	RECV=$!
	bg_track "$RECV"
	wait_file "$BATS_TEST_TMPDIR/recv.log"
}

# run_tty ARGS...: run ARGS detached on a terminal; wait for it to finish and
# leave what it wrote to the terminal in $output (carriage returns removed).
run_tty() {
	set_args "$@"
	new_cid
	runtime run -d --console-socket "$SOCK" --bundle "$BUNDLE" "$CID" </dev/null
	wait "$RECV" || fail "console receiver: $(cat "$BATS_TEST_TMPDIR/recv.log")"
	wait_status stopped
	run tr -d '\r' <"$TTY_OUT"
}

@test "terminal: the process's stdio is /dev/pts/0" {
	console_listen
	run_tty sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty'
	expect_output "$(printf '/dev/pts/0\nall-tty')"
}

@test "terminal: consoleSize sets the window size" {
	cfg '.process.consoleSize = {height: 33, width: 101}'
	console_listen
	run_tty stty size
	expect_output "33 101"
}

@test "terminal: input written to the master reaches the process" {
	console_listen "hello brig
"
	run_tty sh -c 'read -r line; echo "got:$line"'
	expect_line '^got:hello brig$'
}

@test "terminal: the container's /dev/console is its terminal" {
	console_listen
	run_tty sh -c 'stat -c "%t:%T" /dev/console; stat -c "%t:%T" /dev/pts/0'
	[ "${#lines[@]}" -eq 2 ] || { show_run; fail "wanted two device numbers"; }
	[[ "${lines[0]}" =~ ^[0-9a-f]+:[0-9a-f]+$ ]] || { show_run; fail "/dev/console: no device number"; }
	[ "${lines[0]}" = "${lines[1]}" ] || { show_run; fail "/dev/console is not pts/0"; }
}

@test "terminal: detached without --console-socket is refused" {
	set_args true
	new_cid
	run --separate-stderr runtime run -d --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 1 ] || { show_run; fail "terminal container started without a console socket"; }
	if runtime_is_brig; then
		[[ "$stderr" == *"--console-socket is required"* ]] || { show_run; fail "no reason given"; }
	fi
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state left behind"
}

@test "terminal: --console-socket without terminal is refused" {
	cfg '.process.terminal = false'
	set_args true
	new_cid
	run --separate-stderr runtime run -d --console-socket "$SOCK" --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 1 ] || { show_run; fail "console socket accepted without a terminal"; }
	if runtime_is_brig; then
		[[ "$stderr" == *"process.terminal is false"* ]] || { show_run; fail "no reason given"; }
	fi
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state left behind"
}

@test "terminal: run in the foreground without --console-socket relays the pty" {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	set_args sh -c 'tty; stty size; read -r line; echo "got:$line"; exit 3'
	new_cid
	# script gives brig-runtime a terminal of a known size as its stdin.
	run script -qec "stty rows 31 cols 97; \
		$RUNTIME --root $STATE_ROOT run --bundle $BUNDLE $CID" /dev/null <<<"typed"
	[ "$status" -eq 3 ] || { show_run; fail "exit status $status, wanted 3"; }
	[[ "$output" == *"/dev/pts/0"* ]] || { show_run; fail "no pty inside"; }
	[[ "$output" == *"31 97"* ]] || { show_run; fail "window size not passed on"; }
	[[ "$output" == *"got:typed"* ]] || { show_run; fail "input not relayed"; }
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state left behind"
}

@test "terminal: exec --tty in the foreground without --console-socket relays the pty" {
	command -v script >/dev/null || skip "script (util-linux) not installed"
	cfg '.process.terminal = false'
	start_container
	run script -qec "$RUNTIME --root $STATE_ROOT exec --tty $CID sh -c 'tty; exit 4'" /dev/null </dev/null
	[ "$status" -eq 4 ] || { show_run; fail "exit status $status, wanted 4"; }
	[[ "$output" == *"/dev/pts/"* ]] || { show_run; fail "no pty inside"; }
}
