#!/usr/bin/env bats
# Colour only for people: errors and warnings are coloured on a terminal
# (util-linux `script` gives the command one), never in a pipe, never with
# NO_COLOR set or TERM=dumb.

bats_require_minimum_version 1.5.0

load ../lib/brig

RED=$'\e[1;31m'
YELLOW=$'\e[1;33m'
ESC=$'\e['

setup() {
	command -v script >/dev/null || skip "util-linux script(1) is not installed"
	brig_setup
}

# on_tty CMD...: run brig with a terminal for stdout and stderr.
on_tty() {
	local cmd
	printf -v cmd '%q ' "$BRIG" --root "$ROOT" "$@"
	run script -qec "$cmd" /dev/null
}

@test "an error is red on a terminal, plain in a pipe, with NO_COLOR or with TERM=dumb" {
	TERM=xterm on_tty inspect no-such-thing
	[ "$status" -ne 0 ] || false
	[[ "$output" == "${RED}brig:"*"no such object: no-such-thing"* ]] || false
	NO_COLOR=1 TERM=xterm on_tty inspect no-such-thing
	[[ "$output" == "brig: no such object"* ]] || false
	[[ "$output" != *"$ESC"* ]] || false
	TERM=dumb on_tty inspect no-such-thing
	[[ "$output" != *"$ESC"* ]] || false
	TERM=xterm run --separate-stderr brig inspect no-such-thing
	[ "$stderr" = "brig: no such object: no-such-thing" ] || false
}

@test "a warning is yellow on a terminal and plain in a pipe" {
	python3 - "$BATS_TEST_TMPDIR/dev.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    d = tarfile.TarInfo("dev"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
    n = tarfile.TarInfo("dev/null"); n.type = tarfile.CHRTYPE; n.devmajor, n.devminor = 1, 3
    t.addfile(n)
    f = tarfile.TarInfo("hello"); data = b"hi\n"; f.size = len(data)
    t.addfile(f, io.BytesIO(data))
PY
	TERM=xterm on_tty import "$BATS_TEST_TMPDIR/dev.tar" devs:1
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"${YELLOW}warning${ESC}0m: layer "* ]] || false
	TERM=xterm run --separate-stderr brig import "$BATS_TEST_TMPDIR/dev.tar" devs:2
	[ "$status" -eq 0 ] || false
	[[ "$stderr" == *"warning: layer "* ]] || false
	[[ "$stderr" != *"$ESC"* ]] || false
}
