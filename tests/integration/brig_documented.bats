#!/usr/bin/env bats
# What brig's README and docs/flags.md promise for `brig run`, `exec` and
# `logs`, checked by its effect inside the container (not only by the config
# brig writes): -i and -t, exec -i -t, logs -f, --label-file, --security-opt
# seccomp=FILE, mask= and unmask=, --device, --tmpfs, --sysctl, --shm-size,
# --group-add, --oom-score-adj, --stop-signal, --stop-timeout and the default
# pids limit.  Each test also runs the case without the flag, so that it
# cannot pass on a value the host or the image happened to have already.

# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() {
	PTY_RUN=$BATS_TEST_DIRNAME/../lib/pty_run.py
	BG_PIDS=()
	brig_setup bb:1
}

teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	brig_teardown
}

# wait_until WHAT CMD...: poll CMD (at most 15 s); fail naming WHAT when it
# never succeeds.
# has_line FILE REGEX: some line of FILE matches REGEX.
has_line() { grep -qE -- "$2" "$1" 2>/dev/null; }

# logs_have CONTAINER REGEX: the container's log has a line matching REGEX.
# fail_with MESSAGE: print what went wrong and the last run's output; fail.
fail_with() {
	printf 'FAIL: %s\nstatus: %s\noutput: %s\n' "$1" "${status:-}" "${output:-}" >&2
	return 1
}

# pty ARGS...: pty_run.py under bats `run` (a terminal for brig).
pty() {
	command -v python3 >/dev/null || skip "python3 is needed to give brig a terminal"
	run python3 "$PTY_RUN" "$@"
}

# ------------------------------------------------------------------ -i, -t

@test "run -i passes stdin to the container; without -i the container reads nothing" {
	run brig run --rm -i bb:1 sh -c 'cat; echo "tty:$([ -t 0 ] && echo yes || echo no)"' <<<"piped in"
	[ "$status" -eq 0 ] || fail_with "run -i failed"
	[ "$output" = $'piped in\ntty:no' ] || fail_with "stdin did not reach the container"
	run brig run --rm bb:1 sh -c 'cat; echo end' <<<"piped in"
	[ "$status" -eq 0 ] || fail_with "run without -i failed"
	[ "$output" = end ] || fail_with "without -i the container read stdin"
}

@test "run -i -t gives the container a terminal of the caller's size; typed input reaches it" {
	pty --after ready --size 33x97 $'typed line\n' "$BRIG" --root "$ROOT" run --rm -i -t bb:1 \
		sh -c 'for fd in 0 1 2; do [ -t $fd ] && echo "fd$fd:tty"; done; echo "tty:$(tty)"; stty size; echo ready
			read -r x; echo "got:$x"; exit 4'
	[ "$status" -eq 4 ] || fail_with "run -i -t: exit status"
	grep -qE '^tty:/dev/pts/[0-9]+$' <<<"$output" || fail_with "run -i -t: no terminal of the container's"
	for want in fd0:tty fd1:tty fd2:tty "33 97" "got:typed line"; do
		grep -qxF -- "$want" <<<"$output" || fail_with "no line '$want'"
	done
	# -t without a terminal to attach is refused, with nothing left behind.
	run brig run --rm -t bb:1 true </dev/null
	[ "$status" -eq 125 ] || fail_with "run -t without a terminal"
	[[ "$output" == *"-t: the input device is not a TTY"* ]] || fail_with "no refusal message"
	run brig ps -a -q
	[ -z "$output" ] || fail_with "a refused run -t left a container"
}

@test "run -t alone: the container's output is a terminal" {
	pty '' "$BRIG" --root "$ROOT" run --rm -t bb:1 sh -c '[ -t 1 ] && [ -t 2 ] && echo out:tty; exit 3'
	[ "$status" -eq 3 ] || fail_with "run -t: exit status"
	[ "$output" = out:tty ] || fail_with "stdout and stderr are not a terminal under -t"
	# A command not found: 127, and the record says 127 and why, as Docker's.
	pty '' "$BRIG" --root "$ROOT" run -t --name nf bb:1 /no/such/program
	[ "$status" -eq 127 ] || fail_with "run -t of a missing command"
	run brig inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' nf
	[[ "$output" == "exited 127 "*"/no/such/program"* ]] || fail_with "run -t: the record"
}

@test "-t without -i: a terminal of its own, sized like the caller's, that nobody types into" {
	# Typed input must not reach the container; its read gives up after 5 s
	# (a bound, not a race: with input relayed the line arrives at once).
	probe='[ -t 0 ] && echo in:tty; stty size; echo ready
		if read -t 5 x; then echo "got:$x"; else echo no-input; fi'
	pty --after ready --size 19x61 $'typed secret\n' "$BRIG" --root "$ROOT" run --rm -t bb:1 sh -c "$probe"
	[ "$status" -eq 0 ] || fail_with "run -t: exit status $status"
	for want in in:tty "19 61" no-input; do
		grep -qxF -- "$want" <<<"$output" || fail_with "run -t: no line '$want'"
	done
	id=$(brig run -d bb:1 sleep 1000)
	pty --after ready --size 19x61 $'typed secret\n' "$BRIG" --root "$ROOT" exec -t "$id" sh -c "$probe"
	for want in in:tty "19 61" no-input; do
		grep -qxF -- "$want" <<<"$output" || fail_with "exec -t: no line '$want'"
	done
}

@test "run -t alone: a resize of the caller's terminal reaches the container's" {
	command -v python3 >/dev/null || skip "python3 is needed to give brig a terminal"
	# The trap is set before ready: the resize comes after it.
	run python3 "$BRIG_SRC/tests/lib/ptydrive.py" expect:ready size:31x73 'expect:size:31 73' -- \
		"$BRIG" --root "$ROOT" run --rm -t bb:1 \
		sh -c 'trap "echo size:\$(stty size); exit 5" WINCH; echo ready; while :; do sleep 0.1; done'
	[ "$status" -eq 5 ] || fail_with "run -t: exit status after the resize"
	[[ $output == *"size:31 73"* ]] || fail_with "run -t: the resize did not reach the container"
}

@test "run -t alone: a ctrl-c typed and a SIGTERM sent to brig reach the container" {
	command -v python3 >/dev/null || skip "python3 is needed to give brig a terminal"
	# The caller's terminal is not raw without -i: ctrl-c is a SIGINT to
	# brig, which forwards it (sig-proxy), as it does a SIGTERM.
	trap_on() { printf 'trap "echo got-%s; exit %s" %s; echo ready; while :; do sleep 0.1; done' "$1" "$2" "$1"; }
	run python3 "$BRIG_SRC/tests/lib/ptydrive.py" expect:ready 'send:\x03' expect:got-INT -- \
		"$BRIG" --root "$ROOT" run --rm -t bb:1 sh -c "$(trap_on INT 9)"
	[ "$status" -eq 9 ] || fail_with "run -t: ctrl-c did not reach the container"
	run python3 "$BRIG_SRC/tests/lib/ptydrive.py" expect:ready kill:TERM expect:got-TERM -- \
		"$BRIG" --root "$ROOT" run --rm -t bb:1 sh -c "$(trap_on TERM 8)"
	[ "$status" -eq 8 ] || fail_with "run -t: SIGTERM did not reach the container"
}

@test "run -t alone into a pipe whose reader goes: the run ends, and --rm removes it" {
	# The terminal's relay stops with its stdout, and the container's
	# writes then fail; with the relay held open they would block forever.
	PTY_RUN_TIMEOUT=30 pty '' bash -c '"$0" --root "$1" run --rm -t bb:1 yes | head -2
		echo "brig-status:${PIPESTATUS[0]}"' "$BRIG" "$ROOT"
	[ "$status" -eq 0 ] || fail_with "run -t | head did not end"
	[[ $output == *brig-status:* ]] || fail_with "no status"
	run brig ps -a -q
	[ -z "$output" ] || fail_with "--rm left a container"
}

@test "exec -i passes stdin; exec -i -t gives the process a terminal" {
	id=$(brig run -d bb:1 sleep 1000)
	run brig exec -i "$id" sh -c 'cat; [ -t 0 ] || echo not-tty' <<<"into exec"
	[ "$status" -eq 0 ] || fail_with "exec -i failed"
	[ "$output" = $'into exec\nnot-tty' ] || fail_with "stdin did not reach exec -i"
	pty --after ready --size 21x55 $'exec typed\n' "$BRIG" --root "$ROOT" exec -i -t "$id" \
		sh -c 't=$(tty) && [ -t 1 ] && echo "tty:$t"; stty size; echo ready; read -r x; echo "got:$x"; exit 6'
	[ "$status" -eq 6 ] || fail_with "exec -i -t: exit status"
	# a terminal of the container's own devpts, not the caller's passed in
	grep -qE '^tty:/dev/pts/[0-9]+$' <<<"$output" || fail_with "exec -i -t: no terminal of the container's"
	for want in "21 55" "got:exec typed"; do
		grep -qxF -- "$want" <<<"$output" || fail_with "no line '$want'"
	done
}

# ------------------------------------------------------------------ logs -f

@test "logs -f prints what the container writes after it started, and ends with the container" {
	id=$(brig run -d bb:1 sh -c 'echo first
		while [ ! -e /tmp/go ]; do sleep 0.05; done; echo second
		while [ ! -e /tmp/end ]; do sleep 0.05; done; echo third')
	out=$BATS_TEST_TMPDIR/follow.out
	{ brig logs -f "$id" >"$out" 2>&1; echo "logs-exit:$?" >>"$out"; } &
	BG_PIDS+=($!)
	wait_until "'first' from logs -f" has_line "$out" '^first$'
	run cat "$out"
	[ "$output" = first ] || fail_with "logs -f printed more than the log so far"
	brig exec "$id" touch /tmp/go
	# written while logs -f was running, and the container still runs
	wait_until "'second' from logs -f" has_line "$out" '^second$'
	run brig inspect -f '{{.State.Running}}' "$id"
	[ "$output" = true ] || fail_with "the container ended before the follow was checked"
	brig exec "$id" touch /tmp/end
	wait_until "logs -f to end with the container" has_line "$out" '^logs-exit:'
	run cat "$out"
	[ "$output" = $'first\nsecond\nthird\nlogs-exit:0' ] || fail_with "logs -f output"
}

# ------------------------------------------------------------------ labels

@test "--label-file: KEY=VALUE lines, comments and blank lines skipped, -l wins" {
	printf 'team=blue\n# a comment\n\nenv=prod\nbare\n' >"$BATS_TEST_TMPDIR/labels"
	id=$(brig create --label-file "$BATS_TEST_TMPDIR/labels" -l env=flag bb:1 true)
	run brig inspect -f '{{json .Config.Labels}}' "$id"
	[ "$status" -eq 0 ] || fail_with "inspect"
	[ "$(jq -cS . <<<"$output")" = '{"bare":"","env":"flag","team":"blue"}' ] || fail_with "labels"
	run brig ps -a -q --filter label=team=blue
	[ "$output" = "${id:0:12}" ] || fail_with "ps --filter on a label from the file"
	run brig create --label-file "$BATS_TEST_TMPDIR/none" bb:1 true
	[ "$status" -eq 125 ] || fail_with "a missing label file"
	[[ "$output" == *"$BATS_TEST_TMPDIR/none"* ]] || fail_with "the error does not name the file"
	run brig ps -a -q
	[ "${#lines[@]}" -eq 1 ] || fail_with "a refused create left a container"
}

# ------------------------------------------------------------------ --security-opt

@test "--security-opt seccomp=FILE: the profile's rule is what the container gets" {
	# Everything allowed but mkdir/mkdirat, which fail with EOPNOTSUPP: an
	# errno nothing else gives for mkdir on a tmpfs.
	cat >"$BATS_TEST_TMPDIR/deny-mkdir.json" <<-'EOF'
		{"defaultAction": "SCMP_ACT_ALLOW",
		 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}
	EOF
	probe='mkdir /tmp/d 2>&1 && echo made; grep ^Seccomp: /proc/self/status; touch /tmp/f && echo touched'
	run brig run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/deny-mkdir.json" bb:1 sh -c "$probe"
	[ "$status" -eq 0 ] || fail_with "run with the profile"
	[[ "$output" == *"mkdir: can't create directory '/tmp/d': Operation not supported"* ]] ||
		fail_with "mkdir was not refused with the profile's errno"
	[[ "$output" != *made* ]] || fail_with "mkdir succeeded under a profile that denies it"
	[[ "$output" == *$'Seccomp:\t2'*touched ]] || fail_with "no filter, or other calls were refused"
	# brig's own profile allows mkdir
	run brig run --rm bb:1 sh -c "$probe"
	[[ "$output" == made*touched ]] || fail_with "mkdir fails under the default profile"
	run brig run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/none.json" bb:1 true
	[ "$status" -eq 125 ] || fail_with "a missing profile"
	[[ "$output" == *none.json* ]] || fail_with "the error does not name the profile"
}

@test "--security-opt mask=PATH hides a file; unmask=PATH lifts a default mask" {
	# /proc/version and /etc/passwd are not empty unless masked.
	probe='wc -c </etc/passwd; wc -c </proc/version'
	run brig run --rm bb:1 sh -c "$probe"
	[ "${lines[0]}" -gt 0 ] && [ "${lines[1]}" -gt 0 ] || fail_with "the files are empty unmasked"
	run brig run --rm --security-opt mask=/etc/passwd:/proc/version bb:1 sh -c "$probe"
	[ "$status" -eq 0 ] || fail_with "run with mask="
	[ "${lines[*]}" = "0 0" ] || fail_with "mask= did not hide the files"
	# /proc/cmdline is masked by default (issue 20 A8); unmask= gives it back.
	run brig run --rm bb:1 sh -c 'wc -c </proc/cmdline'
	[ "$output" = 0 ] || fail_with "/proc/cmdline is not masked by default"
	run brig run --rm --security-opt unmask=/proc/cmdline bb:1 sh -c 'wc -c </proc/cmdline'
	[ "$output" -gt 0 ] || fail_with "unmask=/proc/cmdline left it masked"
	# By default /proc/sys is read-only and /proc/acpi masked, each by a
	# mount of its own; unmask= removes both.
	probe='grep -E " /proc/(sys|acpi) " /proc/self/mountinfo | cut -d" " -f5 | sort'
	run brig run --rm bb:1 sh -c "$probe"
	[ "${lines[*]}" = "/proc/acpi /proc/sys" ] || fail_with "the default masks are not there"
	run brig run --rm --security-opt unmask=/proc/acpi --security-opt unmask=/proc/sys bb:1 sh -c "$probe"
	[ "$status" -eq 0 ] || fail_with "run with unmask="
	[ -z "$output" ] || fail_with "unmask= left a mask in place"
}

# ------------------------------------------------------------------ devices

@test "--device HOST:CONTAINER:PERMS: the node is there and the device cgroup holds to PERMS" {
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	# --userns host: in a user namespace the host's root-owned 0600 node
	# cannot be opened at all.
	probe='ls -ln /dev/fuse | awk "{print \$1, \$5, \$6}"
		exec 3</dev/fuse && echo read-ok
		exec 4<>/dev/fuse && echo write-ok'
	run brig run --rm --userns host bb:1 sh -c "$probe"
	[[ "$output" == *"No such file"* && "$output" != *-ok* ]] || fail_with "/dev/fuse there without --device"
	run brig run --rm --userns host --device /dev/fuse:/dev/fuse:rwm bb:1 sh -c "$probe"
	[ "${lines[*]}" = "crw------- 10, 229 read-ok write-ok" ] || fail_with "--device /dev/fuse:rwm"
	run brig run --rm --userns host --device /dev/fuse:r bb:1 sh -c "$probe"
	[ "${lines[1]}" = read-ok ] || fail_with "--device /dev/fuse:r cannot read"
	[[ "$output" != *write-ok* && "$output" == *"Operation not permitted"* ]] ||
		fail_with "--device /dev/fuse:r could open it for writing"
}

@test "--device HOST:OTHER in the default user namespace: the host's node appears at OTHER" {
	# mknod is refused in a user namespace: the node must come from HOST,
	# not from a host node at OTHER (there is none).
	[ ! -e /dev/brigt-zero ] || skip "the host has a /dev/brigt-zero"
	run brig run --rm --device /dev/zero:/dev/brigt-zero bb:1 sh -c \
		'stat -c "%F %t:%T" /dev/brigt-zero; head -c 3 /dev/brigt-zero | od -An -tx1'
	[ "$status" -eq 0 ] || fail_with "--device /dev/zero:/dev/brigt-zero refused"
	[ "${lines[0]}" = "character special file 1:5" ] || fail_with "the node at /dev/brigt-zero"
	[ "$(echo ${lines[1]})" = "00 00 00" ] || fail_with "reading /dev/brigt-zero"
	run brig run --rm bb:1 stat /dev/brigt-zero
	[ "$status" -ne 0 ] || fail_with "/dev/brigt-zero there without --device"
}

# ------------------------------------------------------------------ mounts, kernel parameters

@test "--tmpfs: mounted with its size and mode, nosuid,nodev, noexec unless exec" {
	script='printf "#!/bin/sh\necho ran\n" >/scratch/x; chmod +x /scratch/x; /scratch/x'
	run brig run --rm bb:1 sh -c 'grep -c " /scratch " /proc/self/mountinfo'
	[ "$output" = 0 ] || fail_with "/scratch is a mount without --tmpfs"
	run brig run --rm --tmpfs /scratch:size=1m,mode=0710 bb:1 sh -c "
		grep ' /scratch ' /proc/self/mountinfo; stat -c %a /scratch
		dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>&1 | grep -o 'No space left on device'
		$script"
	[ "$status" -ne 0 ] || fail_with "a program on a noexec tmpfs ran"
	read -r -a mi <<<"${lines[0]}"
	[ "${mi[4]}" = /scratch ] && [ "${mi[-3]}" = tmpfs ] || fail_with "no tmpfs on /scratch"
	[[ ",${mi[5]}," == *,nosuid,* && ",${mi[5]}," == *,nodev,* && ",${mi[5]}," == *,noexec,* ]] ||
		fail_with "mount flags ${mi[5]}"
	[[ ",${mi[-1]}," == *,size=1024k,* ]] || fail_with "tmpfs options ${mi[-1]}"
	[ "${lines[1]}" = 710 ] || fail_with "mode of /scratch"
	[ "${lines[2]}" = "No space left on device" ] || fail_with "size=1m did not limit /scratch"
	[[ "$output" == *"/scratch/x: Permission denied"* && "$output" != *ran* ]] || fail_with "noexec"
	run brig run --rm --tmpfs /scratch:exec bb:1 sh -c "$script"
	[ "$output" = ran ] || fail_with "--tmpfs PATH:exec is still noexec"
	run brig run --rm --tmpfs /scratch:ro bb:1 sh -c 'touch /scratch/f'
	[ "$status" -ne 0 ] && [[ "$output" == *"Read-only file system"* ]] || fail_with "--tmpfs PATH:ro"
}

@test "--sysctl sets namespaced parameters inside the container and leaves the host's alone" {
	probe='cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced'
	host_before=$(cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced)
	run brig run --rm bb:1 sh -c "$probe"
	[ "$status" -eq 0 ] || fail_with "run"
	# the opposite of what a new container has
	fwd=$((1 - lines[0])) rmid=$((1 - lines[1]))
	run brig run --rm --sysctl "net.ipv4.ip_forward=$fwd" --sysctl "kernel/shm_rmid_forced=$rmid" bb:1 sh -c "$probe"
	[ "$status" -eq 0 ] || fail_with "run with --sysctl"
	[ "${lines[*]}" = "$fwd $rmid" ] || fail_with "wanted '$fwd $rmid' inside"
	[ "$(cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced)" = "$host_before" ] ||
		fail_with "the host's parameters changed"
	run brig run --rm --sysctl kernel.hostname=x bb:1 true
	[ "$status" -eq 125 ] || fail_with "a parameter of no namespace brig makes"
}

@test "--shm-size sets the size of /dev/shm (default 64m)" {
	run brig run --rm bb:1 sh -c 'df -k /dev/shm | tail -1'
	read -r _ size _ <<<"$output"
	[ "$size" = 65536 ] || fail_with "default /dev/shm size $size"
	run brig run --rm --shm-size 3m bb:1 sh -c 'df -k /dev/shm | tail -1; dd if=/dev/zero of=/dev/shm/x bs=1k count=4096 2>&1 | grep -o "No space left on device"'
	[ "$status" -eq 0 ] || fail_with "run with --shm-size"
	read -r _ size _ <<<"${lines[0]}"
	[ "$size" = 3072 ] || fail_with "/dev/shm size $size with --shm-size 3m"
	[ "${lines[1]}" = "No space left on device" ] || fail_with "/dev/shm took more than 3m"
}

@test "--group-add adds supplementary groups by gid and by name" {
	run brig run --rm bb:1 id -G
	[ "$output" = 0 ] || fail_with "groups without --group-add"
	run brig run --rm --group-add 1234 --group-add users bb:1 id -G
	[ "$output" = "0 100 1234" ] || fail_with "groups with --group-add 1234 --group-add users"
	run brig run --rm -u 1000:1000 --group-add 1234 bb:1 id -G
	[ "$output" = "1000 1234" ] || fail_with "groups of uid 1000 with --group-add"
}

@test "--oom-score-adj is the container process's oom_score_adj" {
	run brig run --rm bb:1 cat /proc/self/oom_score_adj
	[ "$output" = 0 ] || fail_with "oom_score_adj without the flag"
	run brig run --rm --oom-score-adj 345 bb:1 sh -c 'cat /proc/self/oom_score_adj; sh -c "cat /proc/self/oom_score_adj"'
	[ "${lines[*]}" = "345 345" ] || fail_with "oom_score_adj with --oom-score-adj 345"
	run brig run --rm --oom-score-adj 1001 bb:1 true
	[ "$status" -eq 125 ] || fail_with "an out-of-range --oom-score-adj"
}

# ------------------------------------------------------------------ stopping

@test "--stop-signal: brig stop sends that signal, which the container traps" {
	id=$(brig run -d --stop-signal USR1 bb:1 sh -c '
		trap "echo got-usr1; exit 11" USR1; trap "echo got-term; exit 12" TERM
		echo ready; while :; do sleep 0.05; done')
	wait_until "'ready' in the log of $id" logs_have "$id" '^ready$'
	run brig stop "$id"
	[ "$status" -eq 0 ] || fail_with "stop"
	run brig wait "$id"
	[ "$output" = 11 ] || fail_with "exit status after stop with --stop-signal USR1"
	run brig logs "$id"
	[ "$output" = $'ready\ngot-usr1' ] || fail_with "the container did not see USR1"
}

@test "--stop-timeout: a container that ignores the signal is killed; one that takes longer than the default still ends its own way" {
	id=$(brig run -d --stop-timeout 1 bb:1 sh -c 'trap "echo ignored" TERM; echo ready; while :; do sleep 0.05; done')
	wait_until "'ready' in the log of $id" logs_have "$id" '^ready$'
	run brig stop "$id"
	[ "$status" -eq 0 ] || fail_with "stop"
	run brig inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id"
	[ "$output" = "exited 137" ] || fail_with "a container ignoring TERM was not killed"
	run brig logs "$id"
	[ "$output" = $'ready\nignored' ] || fail_with "TERM was not sent first"
	# This one needs 11 s after TERM, more than the default 10 s: with
	# --stop-timeout 120 it reports its own status, not a kill's.
	id=$(brig run -d --stop-timeout 120 bb:1 sh -c '
		trap "echo cleaning; sleep 11; exit 3" TERM; echo ready; while :; do sleep 0.05; done')
	wait_until "'ready' in the log of $id" logs_have "$id" '^ready$'
	run brig stop "$id"
	[ "$status" -eq 0 ] || fail_with "stop"
	run brig inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id"
	[ "$output" = "exited 3" ] || fail_with "stop did not wait --stop-timeout for the container"
}

# ------------------------------------------------------------------ defaults

@test "a container run without --pids-limit gets the default pids limit of 1024" {
	id=$(brig run -d bb:1 sh -c 'cat /sys/fs/cgroup/pids/pids.max; sleep 1000')
	pid=$(brig inspect -f '{{.State.Pid}}' "$id")
	cg=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")
	[ -n "$cg" ] || fail_with "container $id has no pids cgroup"
	run cat "/sys/fs/cgroup/pids$cg/pids.max"
	[ "$output" = 1024 ] || fail_with "pids.max of the container's cgroup on the host"
	wait_until "pids.max in the log of $id" logs_have "$id" .
	run brig logs "$id"
	[ "$output" = 1024 ] || fail_with "pids.max seen inside the container"
	run brig run --rm --pids-limit 77 bb:1 cat /sys/fs/cgroup/pids/pids.max
	[ "$output" = 77 ] || fail_with "--pids-limit 77"
}

# ------------------------------------------------------------------ documented, broken when written
# These failed when they were written (issue 21): the behaviour the README
# and the --help texts promise was not what brig did.  (A third, --device
# HOST:OTHER-PATH in a user namespace, still fails: the runtime binds the
# host's node at the container path; see the closing note of issue 21.)

@test "-it: the short options combine, as the README's 'brig exec -it' shows" {
	id=$(brig run -d bb:1 sleep 1000)
	pty --after ready $'combined\n' "$BRIG" --root "$ROOT" exec -it "$id" \
		sh -c 'echo "tty:$(tty)"; echo ready; read -r x; echo "got:$x"'
	[ "$status" -eq 0 ] || fail_with "exec -it"
	grep -qE '^tty:/dev/pts/[0-9]+$' <<<"$output" || fail_with "exec -it: no terminal"
	grep -qx got:combined <<<"$output" || fail_with "exec -it: input did not reach the process"
	pty --after ready $'combined\n' "$BRIG" --root "$ROOT" run --rm -it bb:1 \
		sh -c 'echo ready; read -r x; echo "got:$x"'
	[ "$status" -eq 0 ] || fail_with "run -it"
	grep -qx got:combined <<<"$output" || fail_with "run -it: input did not reach the container"
}

@test "exec without -i does not pass the caller's stdin to the process" {
	# exec --help: "-i, --interactive  keep stdin open"; run without -i
	# gives the container no stdin.
	id=$(brig run -d bb:1 sleep 1000)
	run brig exec "$id" sh -c 'cat; echo end' <<<"into exec"
	[ "$status" -eq 0 ] || fail_with "exec"
	[ "$output" = end ] || fail_with "exec without -i read the caller's stdin"
}
