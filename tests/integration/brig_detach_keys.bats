#!/usr/bin/env bats
# Detach keys on a foreground `run -it`, `start -ai` and `exec -it`
# (docs/attach.md): run -it and start -ai attach to the container's monitor
# as `brig attach` does, so ctrl-p ctrl-q (or --detach-keys, or the engine
# config's detach-keys) leave it running; exec -it's keys end our side only.
# A terminal is driven by tests/lib/ptydrive.py; every wait is bounded.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=60

setup_file() { brig_image_tar; }

setup() {
	brig_setup bb:1
	PTY="python3 $BRIG_SRC/tests/lib/ptydrive.py"
}

teardown() { brig_teardown; }

@test "run -it: ctrl-p ctrl-q detaches and it runs on; start -ai attaches again and returns its status" {
	run -0 $PTY 'send:echo hi-$((40+2))\r' 'expect:hi-42' 'send:\x10\x11' -- \
		"$BRIG" --root "$ROOT" run -it --name d1 bb:1 sh
	wait_field d1 '{{.State.Running}}' true
	# The same shell: what it was told before is still there.
	run -7 $PTY 'send:echo again-$((1+1))\r' 'expect:again-2' 'send:exit 7\r' -- \
		"$BRIG" --root "$ROOT" start -ai d1
	wait_field d1 '{{.State.Status}} {{.State.ExitCode}}' 'exited 7'
	# Started again with start -ai, detached with --detach-keys.
	run -0 $PTY 'send:echo three-$((1+2))\r' 'expect:three-3' 'send:\x01x' -- \
		"$BRIG" --root "$ROOT" start -ai --detach-keys ctrl-a,x d1
	wait_field d1 '{{.State.Running}}' true
}

@test "run -it --detach-keys, and the engine config's default; a bad spec gets Docker's error before anything is made" {
	conf=$BATS_TEST_TMPDIR/brig.conf
	echo '{"detach-keys": "ctrl-a,x"}' >"$conf"
	run -0 $PTY 'send:echo one-$((0+1))\r' 'expect:one-1' 'send:\x01x' -- \
		"$BRIG" --root "$ROOT" --config "$conf" run -it --name d2 bb:1 sh
	wait_field d2 '{{.State.Running}}' true
	run -0 $PTY 'send:echo two-$((1+1))\r' 'expect:two-2' 'send:\x02y' -- \
		"$BRIG" --root "$ROOT" run -it --detach-keys ctrl-b,y --name d3 bb:1 sh
	wait_field d3 '{{.State.Running}}' true
	run -125 $PTY -- "$BRIG" --root "$ROOT" run -it --detach-keys ctrl-1 --name d4 bb:1 sh
	[[ "$output" == *"Invalid detach keys (ctrl-1) provided"* ]] || false
	run -1 brig inspect d4
	run -1 brig start -a --detach-keys ctrl- d2
	[[ "$output" == *"Invalid detach keys (ctrl-) provided"* ]] || false
}

@test "run -it of a quick command: its output and status reach the terminal; a missing command is 127" {
	run -4 $PTY -- "$BRIG" --root "$ROOT" run -it --rm bb:1 sh -c 'echo quick-$((2+3)); exit 4'
	[[ "$output" == *quick-5* ]] || false
	run -127 $PTY -- "$BRIG" --root "$ROOT" run -it --rm bb:1 nosuch
}

@test "exec -it: the detach keys end our side only; the container runs on" {
	run -0 brig run -d -it --name x1 bb:1 sh
	run -0 $PTY 'send:echo ex-$((2+2))\r' 'expect:ex-4' 'send:\x10\x11' -- \
		"$BRIG" --root "$ROOT" exec -it x1 sh
	run -0 $PTY 'send:echo ey-$((2+3))\r' 'expect:ey-5' 'send:\x01x' -- \
		"$BRIG" --root "$ROOT" exec -it --detach-keys ctrl-a,x x1 sh
	run -0 field x1 '{{.State.Running}}'
	[ "$output" = true ] || false
	run -1 brig exec --detach-keys ctrl-1 x1 true
	[[ "$output" == *"Invalid detach keys (ctrl-1) provided"* ]] || false
}
