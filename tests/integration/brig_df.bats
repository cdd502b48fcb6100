#!/usr/bin/env bats
# brig system df on a container whose upper directory is very deep (issue
# 20, B6): the walk is iterative and bounded, so it neither crashes nor
# fails.

bats_require_minimum_version 1.5.0

setup_file() {
	local rfs=$BATS_FILE_TMPDIR/rootfs
	"$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$rfs" >/dev/null
	tar -C "$rfs" -cf "$BATS_FILE_TMPDIR/rootfs.tar" .
}

setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	ROOT=$BATS_TEST_TMPDIR/root
	brig import "$BATS_FILE_TMPDIR/rootfs.tar" bb:1 >/dev/null
}

teardown() {
	local id
	for id in $(brig ps -a -q --no-trunc 2>/dev/null); do
		brig rm -f "$id" >/dev/null 2>&1 || true
	done
}

brig() { timeout -k 5 300 "$BRIG" --root "$ROOT" "$@"; }

@test "B6: system df survives a 200000-deep tree in a container's upper directory" {
	run -0 brig create --read-write bb:1 true
	id=$output
	run -0 brig inspect -f '{{.GraphDriver.Data.UpperDir}}' "$id"
	upper=$output
	[ -d "$upper" ] || false
	# What a container could make with mkdir and cd in a loop, made here
	# faster (by directory fd, so no path grows).
	python3 - "$upper" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
for _ in range(200000):
    os.mkdir("d", 0o700, dir_fd=fd)
    nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.close(fd)
PY
	run brig system df
	echo "# $status ${lines[0]}" >&3
	[ "$status" -eq 0 ] || false
	[[ "$output" == *Containers* ]] || false
}
