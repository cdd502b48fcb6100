#!/usr/bin/env bats
# Restart policies and OOM detection: the monitor restarts a container as
# --restart says, with a growing back-off, never after stop, kill or rm -f,
# and records an OOM kill.  No timing is asserted: the back-off is checked
# as an ordering of the recorded event times, and waits are bounded polls.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# events_of CONTAINER ACTION: the timeNano of each such event, oldest first.
events_of() {
	brig events --since 0 --until 0s --format json --filter "container=$1" \
		--filter "event=$2" | grep -oE '"timeNano":[0-9]+' | cut -d: -f2
}

# The monitor of a container is gone (brig wait waits for it to let go
# of its lock): nothing can restart the container any more.
monitor_gone() {
	brig wait "$1" >/dev/null || return 1
	run -0 brig ps -q --no-trunc
	! grep -q "$1" <<<"$output"
}

# The runtime state directory of this store.

@test "on-failure:3 restarts a failing container exactly 3 times, backing off more each time" {
	id=$(brig run -d --restart=on-failure:3 bb:1 sh -c 'echo ran; exit 1')
	run -0 brig wait "$id"
	[ "$output" = 1 ]
	[ "$(field "$id" '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}')" = "3 exited 1" ]
	[ "$(field "$id" '{{.State.Restarting}} {{.State.Running}}')" = "false false" ]
	mapfile -t starts < <(events_of "$id" start)
	[ "${#starts[@]}" -eq 4 ]
	[ "$(events_of "$id" die | wc -l)" -eq 4 ]
	[ "$(events_of "$id" restart | wc -l)" -eq 3 ]
	gap1=$((starts[1] - starts[0]))
	gap2=$((starts[2] - starts[1]))
	gap3=$((starts[3] - starts[2]))
	echo "gaps: $gap1 $gap2 $gap3" >&2
	# Each restart waits at least its back-off (100, 200, 400 ms); a slow
	# host only lengthens the gaps, so only the lower bounds are asserted.
	[ "$gap1" -ge 100000000 ] || { echo "restart 1 after $gap1 ns, under 100 ms" >&2; false; }
	[ "$gap2" -ge 200000000 ] || { echo "restart 2 after $gap2 ns, under 200 ms" >&2; false; }
	[ "$gap3" -ge 400000000 ] || { echo "restart 3 after $gap3 ns, under 400 ms" >&2; false; }
	# The log goes on in the same file: one line per run.
	run -0 brig logs "$id"
	[ "${#lines[@]}" -eq 4 ]
	# The die events carry the exit code.
	run -0 brig events --since 0 --until 0s --filter "container=$id" --filter event=die
	[[ "${lines[0]}" == *" container die $id ("*"exitCode=1"* ]]
}

@test "on-failure does not restart a container that exits 0; no does not restart at all" {
	id=$(brig run -d --restart=on-failure bb:1 true)
	run -0 brig wait "$id"
	[ "$output" = 0 ]
	[ "$(field "$id" '{{.RestartCount}} {{.State.Status}}')" = "0 exited" ]
	[ "$(events_of "$id" start | wc -l)" -eq 1 ]
	id2=$(brig run -d bb:1 sh -c 'exit 4')
	run -0 brig wait "$id2"
	[ "$output" = 4 ]
	[ "$(field "$id2" '{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}')" = "0 no" ]
}

@test "always: brig stop stops it for good, brig start makes it restart again" {
	# It exits once /tmp/quit exists (/tmp is a fresh tmpfs on each run).
	id=$(brig run -d --restart=always bb:1 \
		sh -c 'while [ ! -e /tmp/quit ]; do sleep 0.1; done; exit 5')
	wait_field "$id" '{{.State.Status}}' running
	run -0 brig stop -t 1 "$id"
	[ "$(field "$id" '{{.State.Status}} {{.State.Running}} {{.State.Restarting}}')" = "exited false false" ]
	[ "$(field "$id" '{{.RestartCount}}')" = 0 ]
	monitor_gone "$id"
	[ "$(events_of "$id" stop | wc -l)" -eq 1 ]
	[ "$(events_of "$id" start | wc -l)" -eq 1 ]
	# Started by hand, the policy applies again: an exit of its own is
	# restarted.
	run -0 brig start "$id"
	wait_field "$id" '{{.State.Status}}' running
	# The exit this file causes ends the container's pid namespace, which
	# may kill the touch (137) before it has exited itself.
	run brig exec "$id" touch /tmp/quit
	[ "$status" -eq 0 ] || [ "$status" -eq 137 ] || { echo "exec: $status $output"; false; }
	wait_field "$id" '{{.RestartCount}}' 1
	wait_field "$id" '{{.State.Status}}' running
	run -0 brig kill "$id"
	run -0 brig wait "$id"
	[ "$(field "$id" '{{.State.Status}} {{.RestartCount}}')" = "exited 1" ]
	monitor_gone "$id"
	# stop: SIGTERM (which PID 1 ignores), then SIGKILL; kill: SIGKILL.
	run -0 brig events --since 0 --until 0s --filter "container=$id" --filter event=kill \
		--format '{{.Actor.Attributes.signal}}'
	[ "${lines[*]}" = "15 9 9" ]
}

@test "always: a container in its back-off counts as running; stop ends the wait" {
	id=$(brig run -d --restart=always bb:1 sh -c 'exit 3')
	# One read of all three fields, taken while it is in a back-off: the
	# back-off ends by itself, so a second read could see it running again.
	wait_field "$id" '{{.State.Status}} {{.State.Running}} {{.State.Restarting}}' \
		"restarting true true"
	# ps lists it whether it is in a back-off or running again.
	run -0 brig ps -q --no-trunc
	[[ "$output" == *"$id"* ]] || false
	# start of a running container does nothing, as Docker's.
	run brig start "$id"
	[ "$status" -eq 0 ] && [ "$output" = "$id" ] || false
	run -0 brig stop "$id"
	run -0 brig wait "$id"
	[ "$output" = 3 ]
	monitor_gone "$id"
	[ "$(field "$id" '{{.State.Status}} {{.State.Restarting}}')" = "exited false" ]
}

@test "rm -f during the back-off removes the container and its monitor" {
	id=$(brig run -d --name flappy --restart=always bb:1 sh -c 'exit 3')
	wait_field "$id" '{{.State.Status}}' restarting
	run -0 brig rm -f flappy
	[ "$output" = flappy ] || { echo "rm -f said: $output" >&2; false; }
	run -0 brig ps -a -q
	[ -z "$output" ]
	[ ! -e "$ROOT/containers/$id" ]
	[ -z "$(ls "$ROOT/names")" ]
	[ ! -e "$(rt_dir)/$id" ]
}

@test "a foreground run returns the first exit; its restarts go on in the background" {
	run -2 brig run --name fg --restart=on-failure:2 bb:1 sh -c 'echo once; exit 2'
	[ "$output" = once ]
	run -0 brig wait fg
	[ "$output" = 2 ]
	[ "$(field fg '{{.RestartCount}} {{.State.Status}}')" = "2 exited" ]
	run -0 brig logs fg
	[ "${#lines[@]}" -eq 3 ]
}

@test "an OOM kill: State.OOMKilled, exit 137 and an oom event" {
	grep -qw memory /proc/self/cgroup || skip "no memory cgroup"
	run brig run --name hog -m 32m --memory-swap 32m bb:1 \
		sh -c 'x=$(head -c 64m /dev/zero | tr "\0" a); echo survived'
	[ "$status" -eq 137 ]
	[[ "$output" != *survived* ]]
	[ "$(field hog '{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}')" = "true 137 exited" ]
	[ "$(events_of hog oom | wc -l)" -eq 1 ]
	run -0 brig events --since 0 --until 0s --filter container=hog --format '{{.Action}}'
	[ "${lines[*]}" = "create start oom die" ]
	# A run that is not killed is no OOM.
	id=$(brig run -d -m 32m bb:1 true)
	run -0 brig wait "$id"
	[ "$(field "$id" '{{.State.OOMKilled}}')" = false ]
}

@test "an OOM kill of a foreground run -t is seen too" {
	grep -qw memory /proc/self/cgroup || skip "no memory cgroup"
	command -v python3 >/dev/null || skip "python3 is needed to give brig a terminal"
	# The runtime state (the cgroup) is asked before it is removed, as
	# without -t.
	# shellcheck disable=SC2016 # the container's script
	run python3 "$BRIG_SRC/tests/lib/pty_run.py" '' "$BRIG" --root "$ROOT" run --name hogt -t \
		-m 32m --memory-swap 32m bb:1 sh -c 'x=$(head -c 64m /dev/zero | tr "\0" a); echo survived'
	[ "$status" -eq 137 ]
	[[ "$output" != *survived* ]]
	[ "$(field hogt '{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}')" = "true 137 exited" ]
}
