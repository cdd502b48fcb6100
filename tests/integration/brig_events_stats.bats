#!/usr/bin/env bats
# brig events (the event log, its filters, times, formats, following and
# rotation) and brig stats (--no-stream, the JSON fields, memory limits and
# process counts).  No timing is asserted.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	brig_setup bb:1
	BGPID=
}

teardown() {
	[ -n "$BGPID" ] && kill "$BGPID" 2>/dev/null
	brig_teardown
}

# All kept events, up to now, as JSON lines.
past() { brig events --since 0 --until 0s "$@"; }

@test "events: the life of a container in Docker's text and JSON shapes" {
	id=$(brig run -d --name one bb:1 sh -c 'exit 3')
	run -0 brig wait one
	run -0 past --filter container=one
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ container\ create\ $id\ \(image=bb:1,\ name=one\)$ ]]
	[[ "${lines[1]}" =~ \ container\ start\ $id\ \(image=bb:1,\ name=one\)$ ]]
	[[ "${lines[2]}" =~ \ container\ die\ $id\ \(exitCode=3,\ image=bb:1,\ name=one\)$ ]]
	run -0 past --format json --filter event=die
	[ "${#lines[@]}" -eq 1 ]
	ev=${lines[0]}
	[ "$(jq -r '.Type, .Action, .Actor.ID, .Actor.Attributes.exitCode' <<<"$ev" | paste -sd' ')" = \
		"container die $id 3" ]
	[ "$(jq -r '.timeNano | type' <<<"$ev")" = number ]
	# "time" is the same instant as timeNano, in whole seconds, as Docker's.
	secs=$(jq -r '.timeNano / 1000000000 | floor' <<<"$ev")
	[ "$(jq -r '.time | type' <<<"$ev")" = number ] || false
	[ "$(jq -r .time <<<"$ev")" = "$secs" ] || false
	run -0 past --format '{{.Action}}:{{.Actor.Attributes.name}}'
	[ "${lines[*]}" = "create:one start:one die:one" ]
	brig rename one two
	brig rm two >/dev/null
	run -0 past --filter container="$id" --format '{{.Action}}:{{.Actor.Attributes.name}}'
	[ "${lines[*]}" = "create:one start:one die:one rename:two destroy:two" ]
}

@test "events: --filter by container id, prefix and name, by event, and combined" {
	a=$(brig run -d --name alpha bb:1 true)
	b=$(brig run -d --name beta bb:1 sh -c 'exit 1')
	brig wait alpha beta >/dev/null
	run -0 past --filter "container=$a" --format '{{.Actor.Attributes.name}}'
	[ "${lines[*]}" = "alpha alpha alpha" ]
	run -0 past --filter "container=${b:0:12}" --format '{{.Actor.Attributes.name}}'
	[ "${lines[*]}" = "beta beta beta" ]
	# Values of one key are alternatives; keys must all match.
	run -0 past --filter container=alpha --filter container=beta --filter event=die \
		--format '{{.Actor.Attributes.name}}={{.Actor.Attributes.exitCode}}'
	[ "${lines[*]}" = "alpha=0 beta=1" ]
	run -0 past --filter event=oom
	[ -z "$output" ]
	run -0 past --filter type=container --filter event=start
	[ "${#lines[@]}" -eq 2 ]
	run past --filter color=blue
	[ "$status" -eq 1 ]
	[[ "$output" == "brig: --filter \"color=blue\": unknown key"* ]]
	run past --filter event
	[ "$status" -eq 1 ]
	run past --since yesterday-ish
	[ "$status" -eq 1 ]
	[[ "$output" == *"--since"* ]]
}

@test "events: --since and --until select by time" {
	brig run -d --name early bb:1 true >/dev/null
	brig wait early >/dev/null
	# (timeNano as text: jq's numbers are doubles and would round it)
	mid=$(past --format json | tail -1 | grep -oE '"timeNano":[0-9]+' | cut -d: -f2)
	# A later container, after the last event of the first.
	brig run -d --name late bb:1 true >/dev/null
	brig wait late >/dev/null
	since=$(( (mid + 1) / 1000000000 )).$(printf %09d $(( (mid + 1) % 1000000000 )))
	run -0 brig events --since "$since" --until 0s --format '{{.Actor.Attributes.name}}'
	[ "${lines[*]}" = "late late late" ]
	until=$(( mid / 1000000000 )).$(printf %09d $(( mid % 1000000000 )))
	run -0 brig events --since 0 --until "$until" --format '{{.Actor.Attributes.name}}'
	[ "${lines[*]}" = "early early early" ]
	# An --until in the past ends at once, even with nothing to show.
	run -0 brig events --since 0 --until 1
	[ -z "$output" ]
}

@test "events: without --until new events are followed as they happen" {
	out=$BATS_TEST_TMPDIR/follow
	brig run -d --name before bb:1 true >/dev/null
	brig wait before >/dev/null
	"$BRIG" --root "$ROOT" events --filter event=die --format '{{.Actor.Attributes.name}}' >"$out" &
	BGPID=$!
	# Until the follower is watching (it prints nothing for "before": without
	# --since only new events are shown), keep making containers.
	for ((i = 0; i < 100; i++)); do
		brig run --rm --name "after$i" bb:1 true
		grep -q '^after' "$out" && break
		sleep 0.1
	done
	grep -q '^after' "$out" || { echo "the follower never printed a new 'die' event" >&2; false; }
	run grep -c '^before$' "$out"
	[ "$output" = 0 ] || { echo "the follower printed a past event: $(cat "$out")" >&2; false; }
	kill "$BGPID"
	wait "$BGPID" || true
	BGPID=
}

@test "events: a full events.log is rotated to events.log.1 and both are read" {
	brig run -d --name first bb:1 true >/dev/null
	brig wait first >/dev/null
	line=$(head -1 "$ROOT/events.log")
	# Fill the log to just under 4 MiB with copies of that event.
	n=$(( (4 * 1024 * 1024 - $(stat -c %s "$ROOT/events.log")) / (${#line} + 1) ))
	yes "$line" | head -n "$n" >>"$ROOT/events.log"
	before=$(wc -l <"$ROOT/events.log")
	brig run -d --name second bb:1 true >/dev/null
	brig wait second >/dev/null
	[ -f "$ROOT/events.log.1" ]
	[ "$(wc -l <"$ROOT/events.log.1")" -ge "$before" ]
	[ "$(stat -c %s "$ROOT/events.log.1")" -le $((4 * 1024 * 1024)) ]
	run -0 past --filter container=second --format '{{.Action}}'
	[ "${lines[*]}" = "create start die" ]
	[ "$(past --filter container=first | wc -l)" -eq $((n + 3)) ]
	# Garbage in the log is skipped with a warning, not fatal.
	echo '{"not an event' >>"$ROOT/events.log"
	run -0 past --filter container=second --format '{{.Action}}'
	[[ "$output" == *"skipping a malformed event"* ]]
	[[ "$output" == *"start"*"die"* ]]
}

@test "stats --no-stream: CPU, memory usage against the limit, and process count" {
	brig run -d --name limited -m 64m bb:1 sleep 1000 >/dev/null
	brig run -d --name free bb:1 sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null
	run -0 brig stats --no-stream --format json limited
	[ "${#lines[@]}" -eq 1 ]
	s=${lines[0]}
	[ "$(jq -r '.Name' <<<"$s")" = limited ]
	[ "$(jq -r '.ID | length' <<<"$s")" = 12 ]
	[[ "$(jq -r .MemUsage <<<"$s")" =~ ^[0-9.]+(B|KiB|MiB)\ /\ 64MiB$ ]]
	[[ "$(jq -r .CPUPerc <<<"$s")" =~ ^[0-9]+\.[0-9]{2}%$ ]]
	[[ "$(jq -r .MemPerc <<<"$s")" =~ ^[0-9]+\.[0-9]{2}%$ ]]
	[ "$(jq -r .PIDs <<<"$s")" -ge 1 ]
	# Without names: every running container; free runs three processes.
	run -0 brig stats --no-stream --format '{{.Name}} {{.PIDs}}'
	[ "${#lines[@]}" -eq 2 ]
	[[ "$output" == *"limited 1"* ]]
	[[ "$output" == *"free 3"* ]]
	run -0 brig stats --no-stream
	[[ "${lines[0]}" == "CONTAINER ID"*"NAME"*"CPU %"*"MEM USAGE / LIMIT"*"MEM %"*"PIDS" ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "stats: a busy container shows CPU use; a stopped one shows zeros; bad input fails" {
	brig run -d --name busy bb:1 sh -c 'while :; do :; done' >/dev/null
	# Polled: on a loaded host the loop may get no CPU in one sample.
	for ((i = 0; i < 100; i++)); do
		run -0 brig stats --no-stream --format '{{.CPUPerc}}' busy
		pct=${output%%.*}
		[ "$pct" -ge 1 ] && break
		sleep 0.2
	done
	[ "$pct" -ge 1 ] || { echo "timed out waiting for CPU use of busy: $output" >&2; false; }
	brig kill busy >/dev/null
	brig wait busy >/dev/null || true
	run -0 brig stats --no-stream --format json busy
	[ "$(jq -r '.CPUPerc, .PIDs, .MemUsage' <<<"$output" | paste -sd' ')" = "0.00% 0 0B / 0B" ]
	run -0 brig stats --no-stream --format '{{.Name}}'
	[ -z "$output" ]
	run brig stats --no-stream nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such container: nosuch"* ]]
	run brig stats --no-stream --format '{{.Nope}}' busy
	[ "$status" -eq 1 ]
}
