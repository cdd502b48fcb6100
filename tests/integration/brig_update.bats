#!/usr/bin/env bats
# brig update: limits of a running container change in its cgroup and in
# the record; a stopped one gets them at its next start; a new restart
# policy applies to the run in progress; a refused value changes nothing.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }
setup() { brig_setup bb:1; }
teardown() {
	# the attached run of the last test, should it outlive a failure: its
	# container is then removed like the others (a dead monitor's container
	# is reaped, docs/monitor.md)
	if [ -n "${FG_PID:-}" ] && kill -0 "$FG_PID" 2>/dev/null; then
		kill -KILL "$FG_PID" 2>/dev/null || true
		wait "$FG_PID" 2>/dev/null || true
	fi
	brig_teardown
}

# cg_file CONTAINER CONTROLLER FILE: the content of a cgroup v1 file of the
# container's init, read on the host.
cg_file() {
	local pid cg
	pid=$(field "$1" '{{.State.Pid}}') || return 1
	cg=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
		"/proc/$pid/cgroup")
	[ -n "$cg" ] || return 1
	cat "/sys/fs/cgroup/$2$cg/$3"
}

needs_controller() {
	[ -d "/sys/fs/cgroup/$1" ] || skip "no cgroup v1 $1 controller on this host"
}

@test "update of a running container: memory, pids and cpus change in its cgroup and in inspect" {
	needs_controller memory
	needs_controller pids
	needs_controller cpu
	id=$(brig run -d -m 64m --pids-limit 100 bb:1 sleep 1000)
	wait_field "$id" '{{.State.Status}}' running
	run cg_file "$id" memory memory.limit_in_bytes
	[ "$output" = $((64 << 20)) ] || false
	run brig update -m 128m --pids-limit 50 --cpus 0.5 "$id"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$id" ] || false
	run cg_file "$id" memory memory.limit_in_bytes
	[ "$output" = $((128 << 20)) ] || false
	run cg_file "$id" pids pids.max
	[ "$output" = 50 ] || false
	run cg_file "$id" cpu cpu.cfs_quota_us
	local quota=$output
	run cg_file "$id" cpu cpu.cfs_period_us
	[ "$((quota * 2))" = "$output" ] || false
	run field "$id" '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}'
	[ "$output" = "$((128 << 20)) 50 500000000" ] || false
	# The new limits are in the record's config: they survive a restart.
	run brig restart "$id"
	[ "$status" -eq 0 ] || false
	wait_field "$id" '{{.State.Status}}' running
	run cg_file "$id" memory memory.limit_in_bytes
	[ "$output" = $((128 << 20)) ] || false
	run cg_file "$id" pids pids.max
	[ "$output" = 50 ] || false
}

@test "update of a stopped container: the limit applies at its next start" {
	needs_controller pids
	id=$(brig create bb:1 sleep 1000)
	run brig update --pids-limit 33 "$id"
	[ "$status" -eq 0 ] || false
	run field "$id" '{{.HostConfig.PidsLimit}}'
	[ "$output" = 33 ] || false
	run brig start "$id"
	[ "$status" -eq 0 ] || false
	wait_field "$id" '{{.State.Status}}' running
	run cg_file "$id" pids pids.max
	[ "$output" = 33 ] || false
}

@test "update --restart of a running container applies to the run in progress" {
	# /data is a volume: once /data/go exists, every run fails at once.
	id=$(brig run -d -v upd-data:/data bb:1 sh -c 'while [ ! -e /data/go ]; do sleep 0.05; done; exit 3')
	wait_field "$id" '{{.State.Status}}' running
	run brig update --restart on-failure:2 "$id"
	[ "$status" -eq 0 ] || false
	run field "$id" '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}'
	[ "$output" = "on-failure 2" ] || false
	# Let it fail: the monitor, started under "no", restarts it twice.
	run brig exec "$id" touch /data/go
	[ "$status" -eq 0 ] || false
	wait_field "$id" '{{.RestartCount}} {{.State.Status}}' "2 exited"
	run field "$id" '{{.State.ExitCode}}'
	[ "$output" = 3 ] || false
}

@test "update: a refused value is one line, exit 1 (125: not a size), and changes neither the cgroup nor the record" {
	needs_controller memory
	id=$(brig run -d -m 64m bb:1 sleep 1000)
	wait_field "$id" '{{.State.Status}}' running
	# not a size at all: a flag error, as Docker's MemBytes flag
	run --separate-stderr brig update -m 12x "$id"
	[ "$status" -eq 125 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
	[[ $stderr == *--memory* ]] || false
	# Below the 6 MiB Docker accepts: refused by run's own check.
	run --separate-stderr brig update -m 1m "$id"
	[ "$status" -eq 1 ] || false
	run cg_file "$id" memory memory.limit_in_bytes
	[ "$output" = $((64 << 20)) ] || false
	run field "$id" '{{.HostConfig.Memory}}'
	[ "$output" = $((64 << 20)) ] || false
	run --separate-stderr brig update "$id"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"at least one limit"* ]] || false
	run --separate-stderr brig update --restart sometimes "$id"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"--restart"* ]] || false
	rm_id=$(brig run -d --rm bb:1 sleep 1000)
	run --separate-stderr brig update --restart always "$rm_id"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"--rm"* ]] || false
	run --separate-stderr brig update -m 128m no-such-container
	[ "$status" -eq 1 ] || false
}

@test "update --restart of an attached run (brig waits in the foreground) applies to that run" {
	brig run --name upd-fg -v upd-fg:/data bb:1 sh -c \
		'while [ ! -e /data/go ]; do sleep 0.05; done; exit 3' >/dev/null 2>&1 &
	local fg=$!
	FG_PID=$fg
	wait_until "container upd-fg to exist" brig inspect upd-fg >/dev/null
	wait_field upd-fg '{{.State.Status}}' running
	run brig update --restart on-failure:2 upd-fg
	[ "$status" -eq 0 ] || false
	run brig exec upd-fg touch /data/go
	[ "$status" -eq 0 ] || false
	wait_field upd-fg '{{.RestartCount}} {{.State.Status}}' "2 exited"
	run wait "$fg"
	[ "$status" -eq 3 ] || false
}
