#!/usr/bin/env bats
# A FIFO at /etc/passwd or /etc/group in an image (issue 20, B4) must not
# hang run, create or exec -u: brig opens the databases without waiting and
# reads only a regular file.  A hang is caught by the timeout, which bounds
# the run (no timing is asserted: 124 means it hung).

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=30

setup_file() {
	local rfs=$BATS_FILE_TMPDIR/rootfs
	"$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$rfs" >/dev/null
	tar -C "$rfs" -cf "$BATS_FILE_TMPDIR/rootfs.tar" .
	rm -f "$rfs/etc/passwd"
	mkfifo "$rfs/etc/passwd"
	tar -C "$rfs" -cf "$BATS_FILE_TMPDIR/fifo-passwd.tar" .
	rm -f "$rfs/etc/passwd"
	"$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$rfs" >/dev/null
	rm -f "$rfs/etc/group"
	mkfifo "$rfs/etc/group"
	tar -C "$rfs" -cf "$BATS_FILE_TMPDIR/fifo-group.tar" .
	rm -rf "$rfs"
}

setup() { brig_setup; }

teardown() {
	if [ -n "${STATE_ROOT:-}" ]; then runtime_teardown; fi
	brig_teardown
}


@test "B4: a FIFO at /etc/passwd fails run -u NAME and create -u NAME at once, with a message" {
	run -0 brig import "$BATS_FILE_TMPDIR/fifo-passwd.tar" fifo:1
	run brig create -u nobody fifo:1 true
	echo "# $status $output" >&3
	[ "$status" -ne 124 ] || false
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"/etc/passwd"*"not a regular file"* ]] || false
	run brig run --rm -u nobody fifo:1 true
	[ "$status" -ne 124 ] || false
	[[ "$output" == *"not a regular file"* ]] || false
	# A numeric user needs no database lookup in the engine; the
	# runtime's HOME lookup must not hang either.
	run brig run --rm -u 1000 fifo:1 sh -c 'echo "home=$HOME"'
	echo "# $status $output" >&3
	[ "$status" -ne 124 ] || false
}

@test "B4: a FIFO at /etc/group fails run (the user's groups) at once" {
	run -0 brig import "$BATS_FILE_TMPDIR/fifo-group.tar" fifog:1
	run brig run -d fifog:1 sleep 1000
	echo "# $status $output" >&3
	[ "$status" -ne 124 ] || false
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"/etc/group"*"not a regular file"* ]] || false
}

@test "B4: brig-runtime's HOME lookup does not hang on a FIFO at /etc/passwd" {
	load ../lib/helpers
	runtime_setup
	new_bundle
	rm -f "$BUNDLE/rootfs/etc/passwd"
	mkfifo "$BUNDLE/rootfs/etc/passwd"
	cfg '.process.env = ["PATH=/bin:/usr/bin"]'
	run_sh 'echo "home=$HOME"'
	echo "# $status $output" >&3
	[ "$status" -ne 124 ] || false
	[ "$status" -eq 0 ] || false
	[ "$output" = "home=/" ] || false
}
