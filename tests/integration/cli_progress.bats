#!/usr/bin/env bats
# Long work shows a bar on a terminal (util-linux script(1) gives brig one):
# import, save and load redraw one line with bytes done, total and rate;
# in a pipe, or with load -q, nothing of it appears.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() {
	command -v script >/dev/null || skip "util-linux script(1) is not installed"
	brig_setup
}

on_tty() {
	local cmd
	printf -v cmd '%q ' "$BRIG" --root "$ROOT" "$@"
	run env TERM=xterm script -qec "$cmd" /dev/null
}

@test "import, save and load draw a bar on a terminal and end it at the total" {
	on_tty import "$BRIG_TAR" bar:1
	[ "$status" -eq 0 ] || false
	[[ "$output" == *$'\e[2KImporting ['*'='*'] '*'/'*'/s'* ]] || false
	on_tty save -o "$BATS_TEST_TMPDIR/a.tar" bar:1
	[ "$status" -eq 0 ] || false
	[[ "$output" == *$'\e[2KSaving '*'/s'* ]] || false
	on_tty load -i "$BATS_TEST_TMPDIR/a.tar"
	[ "$status" -eq 0 ] || false
	[[ "$output" == *$'\e[2KLoading ['*'] '*'/s'* ]] || false
	[[ "$output" == *"Loaded image: bar:1"* ]] || false
}

@test "no bar in a pipe, nor with load -q" {
	run --separate-stderr brig import "$BRIG_TAR" bar:2
	[ "$status" -eq 0 ] || false
	[[ "$stderr" != *"Importing"* ]] || false
	run --separate-stderr brig save -o "$BATS_TEST_TMPDIR/b.tar" bar:2
	[ "$status" -eq 0 ] || false
	[ -z "$stderr" ] || false
	run --separate-stderr brig load -i "$BATS_TEST_TMPDIR/b.tar"
	[ "$status" -eq 0 ] || false
	[ -z "$stderr" ] || false
	on_tty load -q -i "$BATS_TEST_TMPDIR/b.tar"
	[ "$status" -eq 0 ] || false
	[[ "$output" != *"Loading"* ]] || false
	[[ "$output" == *"Loaded image: bar:2"* ]] || false
}
