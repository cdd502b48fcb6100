#!/usr/bin/env bats
# brig-monitor's log relay (the part of a detached container's monitor that
# reads what the container writes) is confined: no capabilities,
# no_new_privs, a seccomp allow-list and Landlock (docs/monitor.md, "The
# monitor's sandbox").  Each restriction is observed from outside: the
# relay's /proc/PID/status for capabilities, no_new_privs and the seccomp
# mode, and calls made inside the real relay by gdb (ptrace) for what
# seccomp and Landlock refuse, beside a call they allow (the control).
# A container with -i or -t (or run with --sig-proxy=false) waits as
# brig-monitor too: its relay also reads the terminal and serves attach.sock.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=60

setup_file() {
	brig_file_store
}

setup() { brig_setup; }

teardown() { brig_teardown; }

# A container that writes a numbered line every 0.2 s and ends on SIGTERM.
ticker() {
	brig run -d bb:1 sh -c 'trap "exit 0" TERM; i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.2; done'
}

# monitor_of ID: brig-monitor's pid (the init's parent).
monitor_of() {
	local init
	init=$(field "$1" '{{.State.Pid}}')
	awk '/^PPid:/ { print $2 }' "/proc/$init/status"
}

# relay_of ID: the monitor's other child, the log relay.
relay_of() {
	local init mon c
	init=$(field "$1" '{{.State.Pid}}')
	mon=$(monitor_of "$1")
	for c in $(cat "/proc/$mon/task/$mon/children"); do
		[ "$c" = "$init" ] || echo "$c"
	done
}

has_relay() { [ -n "$(relay_of "$1")" ]; }

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# gdb_calls PID EXPR...: print each expression, called inside PID.
gdb_calls() {
	local pid=$1 args=()
	shift
	for x in "$@"; do args+=(-ex "print $x"); done
	gdb -nx -batch -p "$pid" "${args[@]}" 2>/dev/null | grep -E '^\$[0-9]+ = '
}

last_tick() { brig logs "$1" | awk '/^tick/ { n = $2 } END { print n + 0 }'; }

@test "the log relay has no capabilities in any set" {
	id=$(ticker)
	wait_until "a log relay" has_relay "$id"
	relay=$(relay_of "$id")
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(status_field "$relay" $set)
		[ "$v" = 0000000000000000 ] || { echo "relay $set: $v" >&2; false; }
	done
	# brig-monitor itself keeps them: it re-creates the container.
	mon=$(monitor_of "$id")
	[ "$(status_field "$mon" CapEff)" != 0000000000000000 ] || false
}

@test "the log relay runs with no_new_privs and a seccomp filter; brig-monitor does not hold them" {
	id=$(ticker)
	wait_until "a log relay" has_relay "$id"
	relay=$(relay_of "$id")
	[ "$(status_field "$relay" NoNewPrivs)" = 1 ] || { echo "NoNewPrivs not set" >&2; false; }
	[ "$(status_field "$relay" Seccomp)" = 2 ] || { echo "no seccomp filter" >&2; false; }
	mon=$(monitor_of "$id")
	[ "$(status_field "$mon" Seccomp)" = 0 ] || false
}

@test "inside the relay, seccomp refuses a call it does not use and Landlock refuses /etc/shadow" {
	command -v gdb >/dev/null || skip "gdb is not installed"
	[ "$(landlock_abi)" -ge 1 ] || skip "the kernel has no Landlock"
	id=$(ticker)
	wait_until "a log relay" has_relay "$id"
	relay=$(relay_of "$id")
	log=$(brig inspect -f '{{.LogPath}}' "$id")
	[ -f "$log" ] || { echo "no log path: $log" >&2; false; }
	# getpid (allowed: the control), getppid (not in the allow-list),
	# open of its own log (allowed), of /etc/shadow and / (not).
	run -0 gdb_calls "$relay" '(int)getpid()' '(int)getppid()' \
		"(int)open(\"$log\", 0)" '(int)open("/etc/shadow", 0)' '(int)open("/", 0)'
	echo "$output" >&2
	[ "${#lines[@]}" -eq 5 ] || false
	[ "${lines[0]#* = }" = "$relay" ] || { echo "getpid did not run in the relay" >&2; false; }
	[ "${lines[1]#* = }" = -1 ] || { echo "getppid was allowed" >&2; false; }
	[ "${lines[2]#* = }" -ge 0 ] || { echo "the relay cannot open its log" >&2; false; }
	[ "${lines[3]#* = }" = -1 ] || { echo "the relay opened /etc/shadow" >&2; false; }
	[ "${lines[4]#* = }" = -1 ] || { echo "the relay opened /" >&2; false; }
}

@test "the relay holds only its pipes, the init's pidfd and its container directory" {
	id=$(ticker)
	wait_until "a log relay" has_relay "$id"
	relay=$(relay_of "$id")
	dir=$(dirname "$(brig inspect -f '{{.LogPath}}' "$id")")
	# Not the monitor lock (a relay outliving brig-monitor would keep the
	# container "running"), not brig's binary, no socket.
	for fd in /proc/"$relay"/fd/*; do
		t=$(readlink "$fd")
		case $t in
		/dev/null | pipe:* | "anon_inode:[pidfd]" | "$dir" | "$dir"/ctr.log) ;;
		*) echo "the relay holds $t" >&2; false ;;
		esac
	done
}

@test "a killed relay is replaced: the container runs on, its log goes on, stop works" {
	id=$(ticker)
	wait_until "a log relay" has_relay "$id"
	relay=$(relay_of "$id")
	wait_until "a first line" logs_have "$id" '^tick 1$'
	kill -KILL "$relay"
	new_relay() { local r; r=$(relay_of "$id"); [ -n "$r" ] && [ "$r" != "$relay" ]; }
	wait_until "a new relay" new_relay
	seen=$(last_tick "$id")
	later() { [ "$(last_tick "$id")" -gt $((seen + 2)) ]; }
	wait_until "lines after the new relay began" later
	[ "$(field "$id" '{{.State.Status}}')" = running ] || false
	run -0 brig stop "$id"
	[ "$(field "$id" '{{.State.Status}} {{.State.ExitCode}}')" = "exited 0" ] || false
}

@test "a killed brig-monitor takes its relay with it" {
	id=$(ticker)
	wait_until "a log relay" has_relay "$id"
	relay=$(relay_of "$id")
	kill -KILL "$(monitor_of "$id")"
	gone() { [ ! -e "/proc/$relay" ]; }
	wait_until "the relay to end" gone
	# The orphan is then reaped by the next command (docs/monitor.md).
	run -0 brig stop "$id"
	[ "$(field "$id" '{{.State.Status}}')" = exited ] || false
}

# confined PIDS NOT: PIDS is one process, not NOT, with no capabilities,
# no_new_privs and a seccomp filter.
confined() {
	local set v
	[ "$(echo "$1" | wc -w)" -eq 1 ] || { echo "not one process: '$1'" >&2; return 1; }
	[ "$1" != "$2" ] || { echo "it is $2" >&2; return 1; }
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(status_field "$1" $set)
		[ "$v" = 0000000000000000 ] || { echo "$1: $set $v" >&2; return 1; }
	done
	[ "$(status_field "$1" NoNewPrivs)" = 1 ] || { echo "$1: no NoNewPrivs" >&2; return 1; }
	[ "$(status_field "$1" Seccomp)" = 2 ] || { echo "$1: no seccomp" >&2; return 1; }
}

# confined_relay ID: ID's monitor is brig-monitor and its relay is confined.
# (A restarted run's monitor is brig until it made the container.)
is_lean() { [ "$(cat "/proc/$(monitor_of "$1")/comm")" = brig-monitor ]; }
confined_relay() {
	wait_until "its monitor to be brig-monitor" is_lean "$1" || {
		echo "the monitor is $(cat "/proc/$(monitor_of "$1")/comm")" >&2
		return 1
	}
	wait_until "a relay" has_relay "$1" || return 1
	confined "$(relay_of "$1")" "$(monitor_of "$1")"
}

# holds_pty PID: PID has a terminal's master open.
holds_pty() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd") in *ptmx) return 0 ;; esac
	done
	return 1
}

# GATE: a container command that says ready and waits for /tmp/go, then
# exits 7 (brig exec creates it: no sleeps on the test's side).
GATE='echo ready; while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 7'
# GATE_READ: the same gate, then a line read from the terminal, echoed; exit 5.
GATE_READ='while [ ! -e /tmp/go ]; do sleep 0.1; done; read x; echo "got $x"; exit 5'

@test "-it: the process that reads the container's terminal is the confined relay" {
	id=$(brig run -d -it bb:1 sh)
	confined_relay "$id"
	relay=$(relay_of "$id")
	holds_pty "$relay" || { ls -l "/proc/$relay/fd" >&2; false; }
	# attach goes through it: what is typed reaches the shell, its answer comes back
	run -5 python3 "$BRIG_SRC/tests/lib/ptydrive.py" 'send:echo a$((6*7))b\r' 'expect:a42b' \
		'send:exit 5\r' -- "$BRIG" --root "$ROOT" attach "$id"
	echo "$output" >&2
	wait_field "$id" '{{.State.Status}} {{.State.ExitCode}}' "exited 5"
}

@test "run -it in the foreground: its confined relay holds the terminal; the exit status comes through" {
	local o=$BATS_TEST_TMPDIR/pty
	python3 "$BRIG_SRC/tests/lib/ptydrive.py" expect:ready -- \
		"$BRIG" --root "$ROOT" run -it --name fg bb:1 sh -c "$GATE" >"$o" 2>&1 &
	pty=$!
	wait_until "fg running" eval '[ "$(field fg "{{.State.Running}}" 2>/dev/null)" = true ]'
	confined_relay fg
	holds_pty "$(relay_of fg)" || false
	run -0 brig exec fg touch /tmp/go
	rc=0
	wait "$pty" || rc=$?
	[ "$rc" -eq 7 ] || { cat "$o"; false; }
}

@test "--sig-proxy=false: the container waits as brig-monitor with a confined relay" {
	local o=$BATS_TEST_TMPDIR/out
	"$BRIG" --root "$ROOT" run --sig-proxy=false --name np bb:1 sh -c "$GATE" >"$o" 2>&1 &
	bg=$!
	wait_until "np ready" grep -q ready "$o"
	confined_relay np
	run -0 brig exec np touch /tmp/go
	rc=0
	wait "$bg" || rc=$?
	[ "$rc" -eq 7 ] || { cat "$o"; false; }
	[ "$(cat "$o")" = ready ] || { cat "$o"; false; }
}

@test "-it: a killed relay is replaced and serves attach; a restart gets a new confined one" {
	id=$(brig run -d -it --restart on-failure:1 bb:1 sh -c 'read x; echo "got $x"; exit 3')
	confined_relay "$id"
	relay=$(relay_of "$id")
	kill -KILL "$relay"
	new_relay() { local r; r=$(relay_of "$id"); [ -n "$r" ] && [ "$r" != "$relay" ]; }
	wait_until "a new relay" new_relay
	confined_relay "$id"
	run -3 python3 "$BRIG_SRC/tests/lib/ptydrive.py" 'send:one\r' 'expect:got one' \
		-- "$BRIG" --root "$ROOT" attach "$id"
	wait_field "$id" '{{.State.Status}} {{.RestartCount}}' "running 1"
	confined_relay "$id"
	run -3 python3 "$BRIG_SRC/tests/lib/ptydrive.py" 'send:two\r' 'expect:got two' \
		-- "$BRIG" --root "$ROOT" attach "$id"
	wait_field "$id" '{{.State.Status}} {{.State.ExitCode}}' "exited 3"
}

# pipe_readers INODE: the pids holding the read end of pipe:[INODE].
pipe_readers() {
	local l p fd
	for l in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$l" 2>/dev/null)" = "pipe:[$1]" ] || continue
		p=${l#/proc/}
		p=${p%%/*}
		fd=${l##*/}
		# flags (octal): the access mode O_RDONLY is 0
		awk '/^flags:/ { exit (substr($2, length($2)) % 4 != 0) }' \
			"/proc/$p/fdinfo/$fd" 2>/dev/null && echo "$p"
	done | sort -u
}

@test "a foreground run: only a confined relay reads the container's output; brig waits" {
	local o=$BATS_TEST_TMPDIR/out
	"$BRIG" --root "$ROOT" run --name fo bb:1 sh -c "$GATE" >"$o" 2>&1 &
	bg=$!
	wait_until "fo ready" grep -q ready "$o"
	init=$(field fo '{{.State.Pid}}')
	link=$(readlink "/proc/$init/fd/1")
	[[ $link == pipe:* ]] || { echo "stdout: $link" >&2; false; }
	ino=${link#pipe:[}
	ino=${ino%]}
	# one reader, not brig, confined
	confined "$(pipe_readers "$ino")" "$bg"
	run -0 brig exec fo touch /tmp/go
	rc=0
	wait "$bg" || rc=$?
	[ "$rc" -eq 7 ] || { cat "$o"; false; }
	[ "$(cat "$o")" = ready ] || { cat "$o"; false; }
	run -0 brig logs fo
	[ "$output" = ready ]
}

# below PID: every process beneath PID (its children, theirs, ...).
below() {
	local c
	# shellcheck disable=SC2013 # pids, one word each
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"
		below "$c"
	done
}

# ns_init PID...: the one of PIDs that is pid 1 of a namespace of its own.
ns_init() {
	local p
	for p in "$@"; do
		if awk '/^NSpid:/ { exit !(NF > 2 && $NF == 1) }' "/proc/$p/status" 2>/dev/null; then
			echo "$p"
		fi
	done
}

# pty_masters INDEX PID...: those of PIDs that hold the master of terminal
# INDEX (a ptmx whose fdinfo says tty-index INDEX).
pty_masters() {
	local index=$1 p fd
	shift
	for p in "$@"; do
		for fd in /proc/"$p"/fd/*; do
			[[ $(readlink "$fd" 2>/dev/null) == *ptmx ]] || continue
			awk -v i="$index" '$1 == "tty-index:" { f = $2 == i } END { exit !f }' \
				"/proc/$p/fdinfo/${fd##*/}" 2>/dev/null && echo "$p"
		done
	done | sort -u
}

@test "run -t without -i in the foreground: only a confined relay holds the terminal's master; brig waits" {
	local o=$BATS_TEST_TMPDIR/pty
	python3 "$BRIG_SRC/tests/lib/ptydrive.py" expect:ready -- \
		"$BRIG" --root "$ROOT" run -t --name ft bb:1 sh -c "$GATE" >"$o" 2>&1 &
	pty=$!
	has_init() {
		mapfile -t pids < <(below "$pty")
		init=$(ns_init "${pids[@]}")
		[ -n "$init" ]
	}
	wait_until "ft's init" has_init
	brig=$(awk '{ print $1 }' /proc/"$pty"/task/"$pty"/children)
	link=$(readlink "/proc/$init/fd/1")
	[[ $link == /dev/pts/[0-9]* ]] || { echo "the init's stdout: $link" >&2; false; }
	mapfile -t pids < <(below "$pty")
	holders=$(pty_masters "${link#/dev/pts/}" "${pids[@]}")
	# one holder, not brig, confined
	confined "$holders" "$brig"
	# Besides the master: the init's pidfd, a signalfd (SIGWINCH) and
	# brig's stdout and stderr (the caller's terminal); no stdin, no file.
	for fd in /proc/"$holders"/fd/*; do
		t=$(readlink "$fd")
		case ${fd##*/}:$t in
		[12]:/dev/pts/* | *:/dev/ptmx | *:/dev/pts/ptmx | *:anon_inode:\[pidfd\] | *:anon_inode:\[signalfd\]) ;;
		*) echo "the relay holds ${fd##*/} -> $t" >&2; false ;;
		esac
	done
	# the record says running with the init's pid (it said 0 once)
	is_running() { [ "$(brig inspect -f '{{.State.Status}}' ft)" = running ]; }
	wait_until "ft running" is_running
	run -0 brig inspect -f '{{.State.Pid}}' ft
	[ "$output" = "$init" ] || { echo "State.Pid $output, the init is $init" >&2; false; }
	run -0 brig exec ft touch /tmp/go
	rc=0
	wait "$pty" || rc=$?
	[ "$rc" -eq 7 ] || { cat "$o"; false; }
	grep -q ready "$o" || { cat "$o"; false; }
}

# exec_pty_holder PTY CTR: once the exec run on ptydrive (pid PTY) in CTR
# has its process, which holds its terminal's master; sets holders and brig.
exec_pty_holder() {
	local p link
	exec_proc() {
		mapfile -t pids < <(below "$1")
		for p in "${pids[@]}"; do
			# in the container's pid namespace: the exec'd process
			awk '/^NSpid:/ { exit !(NF > 2) }' "/proc/$p/status" 2>/dev/null || continue
			link=$(readlink "/proc/$p/fd/1") && [[ $link == /dev/pts/[0-9]* ]] && return 0
		done
		return 1
	}
	wait_until "the exec's process" exec_proc "$1"
	brig=$(awk '{ print $1 }' /proc/"$1"/task/"$1"/children)
	mapfile -t pids < <(below "$1")
	holders=$(pty_masters "${link#/dev/pts/}" "${pids[@]}")
}

@test "exec -it in the foreground: a confined relay holds its terminal, input and status come through" {
	local o=$BATS_TEST_TMPDIR/pty
	id=$(brig run -d bb:1 sleep 600)
	python3 "$BRIG_SRC/tests/lib/ptydrive.py" expect:ready 'send:one\r' 'expect:got one' -- \
		"$BRIG" --root "$ROOT" exec -it "$id" sh -c "echo ready; $GATE_READ" >"$o" 2>&1 &
	pty=$!
	exec_pty_holder "$pty"
	# one holder, not brig, confined; it reads brig's stdin (the caller's terminal)
	confined "$holders" "$brig"
	[[ $(readlink "/proc/$holders/fd/0") == /dev/pts/* ]] || false
	run -0 brig exec "$id" touch /tmp/go
	rc=0
	wait "$pty" || rc=$?
	[ "$rc" -eq 5 ] || { cat "$o"; false; }
}

@test "exec -t in the foreground: a confined relay holds its terminal; a missing command is 127" {
	local o=$BATS_TEST_TMPDIR/pty
	id=$(brig run -d bb:1 sleep 600)
	python3 "$BRIG_SRC/tests/lib/ptydrive.py" expect:ready -- \
		"$BRIG" --root "$ROOT" exec -t "$id" sh -c "$GATE" >"$o" 2>&1 &
	pty=$!
	exec_pty_holder "$pty"
	confined "$holders" "$brig"
	run -0 brig exec "$id" touch /tmp/go
	rc=0
	wait "$pty" || rc=$?
	[ "$rc" -eq 7 ] || { cat "$o"; false; }
	run -127 python3 "$BRIG_SRC/tests/lib/ptydrive.py" -- "$BRIG" --root "$ROOT" exec -t "$id" nosuch
}
