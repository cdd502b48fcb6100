#!/usr/bin/env bats
# Issue 20 B5: the monitor leaked host directory fds and memfds on every
# restart (inheritable, only a close_range sweep kept them out of the
# container).  No fd crosses an exec without CLOEXEC unless it is named: the
# monitor of a container restarted 20 times holds as many fds as one never
# restarted.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# monitor_fds CONTAINER: how many fds the container's monitor (its init's
# parent, brig-monitor while the container runs) holds.
monitor_fds() {
	local pid ppid
	pid=$(field "$1" '{{.State.Pid}}')
	ppid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
	[ -n "$ppid" ] && [ "$ppid" -gt 1 ] || return 1
	ls "/proc/$ppid/fd" | wc -l
}

@test "the monitor holds as many fds after 20 restarts as after none (issue 20 B5)" {
	# Not local: teardown's brig needs it too, or it would leave the
	# containers running.
	BRIG_CONFIG=$BATS_TEST_TMPDIR/brig.conf
	local data=$BATS_TEST_TMPDIR/data
	echo '{"restart-backoff-max": "100ms"}' >"$BRIG_CONFIG"
	mkdir -p "$data" && chmod 0777 "$data"
	base=$(brig run -d bb:1 sleep 1000)
	wait_field "$base" '{{.State.Status}}' running
	# Exits 20 times, then stays up: the 21st run sleeps.
	id=$(brig run -d --restart=on-failure:25 -v "$data:/d" bb:1 sh -c \
		'n=$(($(cat /d/n 2>/dev/null || echo 0) + 1)); echo $n >/d/n; [ $n -gt 20 ] && exec sleep 1000; exit 3')
	wait_field "$id" '{{.RestartCount}} {{.State.Status}}' "20 running"
	run -0 monitor_fds "$base"
	local want=$output
	run -0 monitor_fds "$id"
	[ "$output" -eq "$want" ] || { echo "monitor fds: $output after 20 restarts, $want after none"; false; }
}
