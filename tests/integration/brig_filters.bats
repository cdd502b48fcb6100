#!/usr/bin/env bats
# The everyday listing and signalling flags Docker users type: ps -n/-l/-s
# and --filter (Docker's rules: one key's values are alternatives, different
# keys must all hold, every label= must hold), images --filter and
# `images REPOSITORY[:TAG]`, stop -s/--signal, top with ps options and the
# container's own user names.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# sorted ids of `brig ps -q --no-trunc ARGS...`, one line
ps_ids() { brig ps -q --no-trunc "$@" | sort | tr '\n' ' '; }
# the sorted words given, one line
set_of() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
# sorted REPOSITORY:TAG rows of `brig images ARGS...`
img_rows() { brig images --format '{{.Repository}}:{{.Tag}}' "$@" | sort | tr '\n' ' '; }

@test "ps --filter: each key selects exactly its set; one key ORs, keys AND" {
	brig import --change 'LABEL v=2' "$BRIG_TAR" bb:2 >/dev/null
	local a b c r d
	a=$(brig run -d --name fa --label tier=web bb:1 true)
	b=$(brig run -d --name fb bb:1 sh -c 'exit 3')
	c=$(brig create --name fc bb:1 true)
	r=$(brig run -d --name fr --label tier=db bb:1 sleep 1000)
	d=$(brig run -d --name fd bb:2 true)
	wait_field fa '{{.State.Status}}' exited
	wait_field fb '{{.State.Status}}' exited
	wait_field fd '{{.State.Status}}' exited

	run ps_ids -a --filter exited=3
	[ "$output" = "$(set_of "$b")" ] || false
	run ps_ids -a --filter exited=0 --filter exited=3
	[ "$output" = "$(set_of "$a" "$b" "$d")" ] || false
	run ps_ids --filter status=running
	[ "$output" = "$(set_of "$r")" ] || false
	run ps_ids --filter status=created --filter status=running
	[ "$output" = "$(set_of "$c" "$r")" ] || false
	run ps_ids -a --filter label=tier
	[ "$output" = "$(set_of "$a" "$r")" ] || false
	run ps_ids -a --filter label=tier=web
	[ "$output" = "$(set_of "$a")" ] || false
	run ps_ids -a --filter label=tier --filter label=tier=db
	[ "$output" = "$(set_of "$r")" ] || false
	run ps_ids -a --filter label=tier --filter status=exited
	[ "$output" = "$(set_of "$a")" ] || false
	run ps_ids -a --filter ancestor=bb:2
	[ "$output" = "$(set_of "$d")" ] || false
	run ps_ids -a --filter ancestor=bb:1 --filter ancestor=bb:2 --filter name='^f[ab]$'
	[ "$output" = "$(set_of "$a" "$b")" ] || false
	run ps_ids -a --filter before=fc
	[ "$output" = "$(set_of "$a" "$b")" ] || false
	run ps_ids -a --filter since=fc
	[ "$output" = "$(set_of "$r" "$d")" ] || false
	run ps_ids -a --filter id="${c:0:10}"
	[ "$output" = "$(set_of "$c")" ] || false
	run ps_ids -a --filter health=none
	[ "$output" = "$(set_of "$a" "$b" "$c" "$r" "$d")" ] || false
	run ps_ids -a --filter health=healthy
	[ "$output" = "" ] || false
	run brig ps --filter status=sleepy
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"invalid status"* ]] || false
	run brig ps --filter colour=red
	[ "$status" -ne 0 ] || false
}

@test "ps -n, -l and -s: the newest containers in any state, and their sizes" {
	local a b c
	a=$(brig create --name n1 bb:1 true)
	b=$(brig create --name n2 bb:1 true)
	c=$(brig run -d --name n3 bb:1 sh -c 'echo data >/tmp/x; sleep 1000')
	run ps_ids -n 2
	[ "$output" = "$(set_of "$b" "$c")" ] || false
	run ps_ids --last 3
	[ "$output" = "$(set_of "$a" "$b" "$c")" ] || false
	run ps_ids -l
	[ "$output" = "$(set_of "$c")" ] || false
	run brig ps --latest --size
	[ "$status" -eq 0 ] || false
	[[ "${lines[0]}" == *"NAMES"*"SIZE" ]] || false
	[[ "${lines[1]}" =~ n3\ +[0-9.]+k?M?B\ \(virtual\ [0-9.]+[kMG]?B\)$ ]] || false
	run brig ps -n x
	[ "$status" -ne 0 ] || false
}

@test "images --filter and images REPOSITORY[:TAG] select exactly their rows" {
	brig import --change 'LABEL k=v' "$BRIG_TAR" bb:2 >/dev/null
	brig tag bb:2 other:1
	brig import "$BRIG_TAR" gone:1 >/dev/null
	local dangling
	dangling=$(brig images -q gone:1)
	brig save -o "$BATS_TEST_TMPDIR/gone.tar" "$dangling"
	brig rmi gone:1 >/dev/null
	brig load -i "$BATS_TEST_TMPDIR/gone.tar" >/dev/null

	run img_rows
	[ "$output" = "$(set_of '<none>:<none>' bb:1 bb:2 other:1)" ] || false
	run img_rows --filter dangling=true
	[ "$output" = "$(set_of '<none>:<none>')" ] || false
	run brig images -q --filter dangling=true
	[ "$output" = "$dangling" ] || false
	run img_rows --filter dangling=false
	[ "$output" = "$(set_of bb:1 bb:2 other:1)" ] || false
	run img_rows bb
	[ "$output" = "$(set_of bb:1 bb:2)" ] || false
	run img_rows bb:2
	[ "$output" = "$(set_of bb:2)" ] || false
	run img_rows --filter reference='b*:2' --filter reference=other
	[ "$output" = "$(set_of bb:2 other:1)" ] || false
	run img_rows --filter label=k
	[ "$output" = "$(set_of bb:2 other:1)" ] || false
	run img_rows --filter label=k=w
	[ "$output" = "" ] || false
	run img_rows --filter before=bb:2
	[ "$output" = "$(set_of bb:1)" ] || false
	run img_rows --filter since=bb:1 --filter dangling=false
	[ "$output" = "$(set_of bb:2 other:1)" ] || false
	run brig images --filter dangling=maybe
	[ "$status" -ne 0 ] || false
	# the unnamed image has no repository digest: <none> in the table and JSON, as Docker's
	run brig images --digests --filter dangling=true
	[[ "${lines[0]}" == "REPOSITORY"*"DIGEST"*"IMAGE ID"* ]] || false
	[[ "${lines[1]}" =~ ^\<none\>\ +\<none\>\ +\<none\>\ +${dangling:0:12} ]] || false
	run brig images --format json --filter dangling=true
	[ "$(jq -r .Digest <<<"$output")" = "<none>" ] || false
	run brig images --format '{{.Digest}}' bb:2
	[[ "$output" == sha256:* ]] || false
}

@test "stop -s SIGUSR1 reaches a container that traps it; --signal checks its value" {
	brig run -d --name trap bb:1 sh -c \
		'trap "echo got-usr1; exit 42" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
	wait_until "'ready' in the log of trap" logs_have trap '^ready$'
	run brig stop -s SIGUSR1 --time 30 trap
	[ "$status" -eq 0 ] || false
	[ "$output" = trap ] || false
	wait_field trap '{{.State.ExitCode}}' 42
	run brig logs trap
	[[ "$output" == *got-usr1* ]] || false
	run brig stop --signal NOSUCHSIG trap
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"unknown signal"* ]] || false
}

@test "top with ps options lists the container's processes with its own user names" {
	brig run -d --name tu -u user bb:1 sleep 1000 >/dev/null
	brig run -d --name tr bb:1 sleep 1001 >/dev/null
	wait_field tu '{{.State.Status}}' running
	wait_field tr '{{.State.Status}}' running
	local pid
	pid=$(field tu '{{.State.Pid}}')
	run brig top tu -o pid,user,comm
	[ "$status" -eq 0 ] || false
	[[ "${lines[0]}" =~ ^PID\ +USER\ +COMMAND ]] || false
	[ "${#lines[@]}" -eq 2 ] || false
	[[ "${lines[1]}" =~ ^$pid\ +user\ +sleep$ ]] || false
	run brig top tr -o pid,user,comm
	[[ "${lines[1]}" =~ ^[0-9]+\ +root\ +sleep$ ]] || false
	[ "${#lines[@]}" -eq 2 ] || false
	run brig top tu -o pid,uid,args
	[[ "${lines[1]}" =~ ^$pid\ +1000\ +sleep\ 1000$ ]] || false
	run brig top tu aux # BSD options, no -q: filtered by PID
	[ "${#lines[@]}" -eq 2 ] || false
	[[ "${lines[1]}" =~ ^user\ +$pid\  ]] || false
	run brig top tu
	[[ "${lines[1]}" =~ ^$pid\ +1000\ +sleep\ 1000$ ]] || false
	run brig top tu -o comm
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"no PID column"* ]] || false
}
