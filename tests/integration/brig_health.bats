#!/usr/bin/env bats
# Healthchecks (docs/health.md): --health-* and the image's HEALTHCHECK,
# run per run by a runner process of its own (not the monitor), recorded in
# State.Health, shown by ps, filtered by ps --filter health=, told as
# health_status events; `brig healthcheck run` checks once.  Intervals are
# short; every state asserted is polled for with a bound.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=60

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# runner_of ID: the pid of the container's healthcheck runner, if any.
runner_of() { pgrep -f -- "__health-run $1" || true; }
no_runner() { [ -z "$(runner_of "$1")" ]; }

@test "starting in the start period, unhealthy after the retries, healthy again: inspect, ps, --filter health, events" {
	run -0 brig run -d --name early --health-cmd false --health-start-period 1h \
		--health-interval 200ms bb:1 sleep 60
	run -0 brig run -d --name flap --health-cmd 'test -e /tmp/ok' --health-interval 200ms \
		--health-retries 2 bb:1 sleep 60
	wait_field flap '{{.State.Health.Status}}' unhealthy
	run -0 field flap '{{.State.Health.FailingStreak}} {{(index .State.Health.Log 0).ExitCode}}'
	[[ "$output" =~ ^[2-9]\ 1$ ]] || false
	run -0 brig exec flap touch /tmp/ok
	wait_field flap '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' 'healthy 0'
	# The last 5 results only.
	wait_field flap '{{len .State.Health.Log}}' 5
	# A failure in the start period does not count: still starting.
	run -0 field early '{{.State.Health.Status}} {{.State.Health.FailingStreak}}'
	[ "$output" = "starting 0" ] || false
	run -0 brig ps --format '{{.Names}}: {{.Status}}'
	[[ "$output" == *"flap: Up "*" (healthy)"* ]] || false
	[[ "$output" == *"early: Up "*" (health: starting)"* ]] || false
	run -0 brig ps --filter health=healthy --format '{{.Names}}'
	[ "$output" = flap ] || false
	run -0 brig ps --filter health=starting --format '{{.Names}}'
	[ "$output" = early ] || false
	run -0 brig events --since 5m --until 0s --filter event=health_status --filter container=flap \
		--format '{{.Action}}'
	[ "${lines[0]}" = "health_status: unhealthy" ] || false
	[ "${lines[1]}" = "health_status: healthy" ] || false
	[ "${#lines[@]}" -eq 2 ] || false
}

@test "the timeout kills the check and its children; the output is kept, at most 4096 bytes" {
	run -0 brig run -d --name slow --health-cmd 'echo begun; sleep 30' --health-timeout 200ms \
		--health-interval 1h --health-retries 1 bb:1 sleep 60
	run -1 brig healthcheck run slow
	[ "$output" = unhealthy ] || false
	run -0 field slow '{{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}'
	[ "$output" = "-1 Health check exceeded timeout (200ms)" ] || false
	# The check and the sleep it started were killed (its process group).
	run -0 brig top slow
	[[ "$output" == *"sleep 60"* && "$output" != *"sleep 30"* ]] || false
	run -0 brig run -d --name big --health-cmd 'head -c 9000 /dev/zero | tr "\0" a; exit 3' \
		--health-interval 1h bb:1 sleep 60
	run -1 brig healthcheck run big
	[ "$output" = starting ] || false
	run -0 field big '{{with index .State.Health.Log 0}}{{.ExitCode}} {{len .Output}}{{end}}'
	[ "$output" = "3 4096" ] || false
}

@test "the check runs as exec does: the container's user and confinement" {
	run -0 brig run -d --name who -u 1234 --health-cmd 'id -u; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; exit 1' \
		--health-interval 1h bb:1 sleep 60
	run -1 brig healthcheck run who
	run -0 field who '{{(index .State.Health.Log 0).Output}}'
	[[ "$output" == 1234*"NoNewPrivs:"*1*"Seccomp:"*2* ]] || false
}

@test "the runner is a process of its own, ends with the run; a new start resets the health; none without a healthcheck" {
	run -0 brig run -d --name r1 --health-cmd true --health-interval 200ms bb:1 sleep 60
	id=$output
	wait_field r1 '{{.State.Health.Status}}' healthy
	pid=$(runner_of "$id")
	[ -n "$pid" ] || false
	# Not the monitor: its own session, no monitor.lock held.
	run -0 ps -o sid= -p "$pid"
	[ "$(echo $output)" = "$pid" ] || false
	run -0 brig stop -t 1 r1
	wait_until "the runner of r1 to end" no_runner "$id"
	run -0 field r1 '{{.State.Health.Status}}'
	[ "$output" = unhealthy ] || false
	run -0 brig start r1
	run -0 field r1 '{{.State.Health.Status}} {{.State.Health.FailingStreak}}'
	[[ "$output" = "starting 0" || "$output" = "healthy 0" ]] || false
	wait_field r1 '{{.State.Health.Status}}' healthy
	run -0 brig run -d --name plain bb:1 sleep 60
	plain=$output
	run -0 brig exec plain true
	no_runner "$plain"
	run -0 brig ps --filter health=none --format '{{.Names}}'
	[ "$output" = plain ] || false
	run -125 brig healthcheck run plain # podman's status for its errors
	[[ "$output" == *"has no healthcheck"* ]] || false
}

@test "the image's HEALTHCHECK; a flag replaces one member; --no-healthcheck" {
	mkdir -p "$BATS_TEST_TMPDIR/ctx"
	printf 'FROM bb:1\nHEALTHCHECK --interval=200ms --retries=1 CMD ["test", "-e", "/etc/passwd"]\n' \
		>"$BATS_TEST_TMPDIR/ctx/Dockerfile"
	run -0 brig build -q -t hc:1 "$BATS_TEST_TMPDIR/ctx"
	run -0 brig run -d --name img hc:1 sleep 60
	run -0 brig create --name over --health-timeout 5s hc:1 sleep 60
	run -0 brig create --name off --no-healthcheck hc:1 sleep 60
	wait_field img '{{.State.Health.Status}}' healthy
	run -0 field over '{{json .Config.Healthcheck}}'
	[ "$output" = '{"Interval":200000000,"Retries":1,"Test":["CMD","test","-e","/etc/passwd"],"Timeout":5000000000}' ] || false
	run -0 field off '{{json .Config.Healthcheck.Test}}'
	[ "$output" = '["NONE"]' ] || false
}

@test "bad healthcheck flags get Docker's errors" {
	run -125 brig create --no-healthcheck --health-cmd true bb:1
	[[ "$output" == *"--no-healthcheck conflicts with --health-* options"* ]] || false
	run -125 brig create --health-interval 1x bb:1
	[[ "$output" == *'--health-interval: invalid duration "1x"'* ]] || false
	run -125 brig create --health-retries -1 bb:1
	[[ "$output" == *"--health-retries cannot be negative"* ]] || false
	run -125 brig create --health-timeout 10us bb:1
	[[ "$output" == *"--health-timeout cannot be less than 1ms"* ]] || false
}
