#!/usr/bin/env bats
# brig attach: a container started in the background with -t keeps its
# terminal with its monitor (-i: its stdin); attach reaches it over the
# monitor's socket, and the detach keys (ctrl-p ctrl-q, or --detach-keys)
# end the attach and leave the container running.  A terminal is driven by
# tests/lib/ptydrive.py; every wait is bounded.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=60

setup_file() { brig_image_tar; }

setup() {
	brig_setup bb:1
	PTY="python3 $BRIG_SRC/tests/lib/ptydrive.py"
}

teardown() { brig_teardown; }

@test "run -d -it, attach, type, ctrl-p ctrl-q detaches and the container runs on" {
	run -0 brig run -d -it --name t1 bb:1 sh
	id=$output
	# The socket is the monitor's, for its own user only.
	run -0 stat -c %a "$ROOT/containers/$id/attach.sock"
	[ "$output" = 600 ] || false
	run -0 $PTY 'send:echo hi-$((40+2))\r' 'expect:hi-42' 'send:\x10\x11' -- \
		"$BRIG" --root "$ROOT" attach t1
	wait_field t1 '{{.State.Running}}' true
	# Attached again: the shell is the same one; its exit ends the attach
	# with its status.
	run -7 $PTY 'send:echo again-$((1+1))\r' 'expect:again-2' 'send:exit 7\r' -- \
		"$BRIG" --root "$ROOT" attach t1
	wait_field t1 '{{.State.Status}} {{.State.ExitCode}}' 'exited 7'
	run brig logs t1
	[[ "$output" == *hi-42* && "$output" == *again-2* ]] || false
}

@test "a signal to attach on a terminal ends the attach, not the container" {
	run -0 brig run -d -it --name t7 bb:1 sh
	run -0 $PTY 'send:echo seven-$((3+4))\r' 'expect:seven-7' 'kill:TERM' -- \
		"$BRIG" --root "$ROOT" attach t7
	wait_field t7 '{{.State.Running}}' true
}

@test "the attach socket lets only the monitor's user in (SO_PEERCRED), even when its mode would" {
	run -0 brig run -d -it --name t8 bb:1 sh
	id=$output
	chmod 666 "$ROOT/containers/$id/attach.sock"
	# uid 65534 reaches the socket through a directory fd root opened; the
	# monitor must close the connection at once (EOF), not serve it.
	run -0 python3 -c '
import os, socket, sys
d = os.open(sys.argv[1], os.O_PATH)
os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect("/proc/self/fd/%d/attach.sock" % d)
try:
    print("eof" if s.recv(64) == b"" else "data")
except socket.timeout:
    print("still open after 10 s")
' "$ROOT/containers/$id"
	[ "$output" = eof ] || { echo "uid 65534: $output" >&2; false; }
}

@test "attach --detach-keys ctrl-a,x; a bad key is refused" {
	run -0 brig run -d -it --name t2 bb:1 sh
	run -0 $PTY 'send:echo one-$((0+1))\r' 'expect:one-1' 'send:\x01x' -- \
		"$BRIG" --root "$ROOT" attach --detach-keys ctrl-a,x t2
	wait_field t2 '{{.State.Running}}' true
	run -1 brig attach --detach-keys ctrl-1 t2
	[[ "$output" == *"--detach-keys \"ctrl-1\""* ]] || false
}

@test "the engine config's detach-keys are attach's default; a bad one is an error naming it" {
	conf=$BATS_TEST_TMPDIR/brig.conf bad=$BATS_TEST_TMPDIR/bad.conf
	echo '{"detach-keys": "ctrl-a,x"}' >"$conf"
	echo '{"detach-keys": "ctrl-"}' >"$bad"
	run -0 brig run -d -it --name t6 bb:1 sh
	run -0 $PTY 'send:echo six-$((3+3))\r' 'expect:six-6' 'send:\x01x' -- \
		"$BRIG" --root "$ROOT" --config "$conf" attach t6
	wait_field t6 '{{.State.Running}}' true
	run -1 "$BRIG" --root "$ROOT" --config "$bad" attach t6
	[[ "$output" == *detach-keys* ]] || false
}

@test "run -d -i: attach's stdin reaches the container; the exit status is attach's" {
	run -0 brig run -d -i --name t3 bb:1 sh -c 'read x; echo got-$x; exit 3'
	run -3 bash -c "echo foo | timeout 30 '$BRIG' --root '$ROOT' attach t3"
	[[ "$output" == *got-foo* ]] || false
}

@test "attach without -i or -t shows the output from now until the end" {
	run -0 brig run -d --name t4 bb:1 sh -c \
		'until [ -e /tmp/go ]; do echo tick; sleep 0.1; done; echo late; exit 4'
	out=$BATS_TEST_TMPDIR/attach.out
	brig attach --no-stdin t4 >"$out" 2>&1 &
	pid=$!
	wait_until "attach to show the container's output" grep -q tick "$out"
	run -0 brig exec t4 touch /tmp/go
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 4 ] || { echo "attach exited $rc, not 4" >&2; false; }
	run -0 cat "$out"
	[[ "$output" == *late* ]] || false
}

@test "attach to a container that does not run fails with one line" {
	run -0 brig create --name t5 -it bb:1 sh
	run -1 brig attach t5
	[[ "$output" == *"is not running"* ]] || false
}
