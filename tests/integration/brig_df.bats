#!/usr/bin/env bats
# brig system df on a container whose upper directory is very deep (issue
# 20, B6): the walk is iterative and bounded, so it neither crashes nor
# fails.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=300

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }


@test "B6: system df survives a 30000-deep tree in a container's upper directory" {
	run -0 brig create --read-write bb:1 true
	id=$output
	run -0 brig inspect -f '{{.GraphDriver.Data.UpperDir}}' "$id"
	upper=$output
	[ -d "$upper" ] || false
	# What a container could make with mkdir and cd in a loop, made here
	# faster (by directory fd, so no path grows).  30000 levels, with df's
	# stack limited to 1 MiB below: a recursive walk needs more than 35
	# bytes of stack a level, so only an iterative one survives (nftw, the
	# walk this replaced, crashed on 200000 levels and an 8 MiB stack), and
	# more levels than RLIMIT_NOFILE's hard limit (20000) allows fds.
	python3 - "$upper" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
for _ in range(30000):
    os.mkdir("d", 0o700, dir_fd=fd)
    nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.close(fd)
PY
	run bash -c 'ulimit -s 1024 && exec "$@"' _ "$BRIG" --root "$ROOT" system df
	echo "# $status ${lines[0]}" >&3
	[ "$status" -eq 0 ] || false
	[[ "$output" == *Containers* ]] || false
}
