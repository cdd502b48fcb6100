#!/usr/bin/env bats
# brig's container commands: create, start, run, ps, inspect, logs, exec,
# top, stop, kill, wait, rename, rm; the image config's precedence rules,
# brig's secure defaults, ids and names, and a store that stays whole.

bats_require_minimum_version 1.5.0

load ../lib/brig

# A setuid-root copy of id: it must not elevate (nosuid, no_new_privs).
add_suid_busybox() {
	mkdir "$1/suid"
	cp "$1/bin/busybox" "$1/suid/busybox"
	chmod 4755 "$1/suid/busybox"
}

setup_file() { brig_image_tar add_suid_busybox; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# wait_until WHAT CMD...: poll CMD (at most 15 s); fail naming WHAT when it
# never succeeds.
# logs_have CONTAINER REGEX: the container's log has a line matching REGEX.
# status_is CONTAINER STATUS
status_is() { [ "$(brig inspect -f '{{.State.Status}}' "$1")" = "$2" ]; }

# The runtime state directory of this store (/run/brig/<hash of ROOT>) is
# removed by brig with its last container.

# The image bb:1 with --change instructions applied, as NAME.
image_with() { # NAME CHANGE...
	local name=$1 c args=()
	shift
	for c in "$@"; do args+=(--change "$c"); done
	brig import "${args[@]}" "$BATS_FILE_TMPDIR/rootfs.tar" "$name" >/dev/null
}

# OpenSSL's start (its configuration file, its provider, its clean-up)
# cost every `run` some 2 ms of CPU to hash a few small things: brig hashes
# with SHA256_* (common/sha256.c), which needs none of it.
@test "run --rm of a local image does not start OpenSSL (no openssl.cnf read)" {
	command -v strace >/dev/null || skip "strace is not installed"
	local cnf=$BATS_TEST_TMPDIR/openssl-marker.cnf
	: >"$cnf"
	# LeakSanitizer cannot run under ptrace: no leak check in the traced run
	OPENSSL_CONF=$cnf run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k 10 120 strace -f -qq -e trace=openat,open \
		-e signal=none -o "$BATS_TEST_TMPDIR/strace" "$BRIG" --root "$ROOT" run --rm bb:1 true
	# the trace saw brig open its files (it did trace), never the config
	run -0 grep -c 'container.json' "$BATS_TEST_TMPDIR/strace"
	run grep -F "$cnf" "$BATS_TEST_TMPDIR/strace"
	[ "$status" -ne 0 ] || { echo "OpenSSL read its configuration: $output" >&2; false; }
}

# create assembles the container's directory unseen (.tmp-ID) and
# publishes it with one rename: its files need their data synced, the
# directory's entries once (by the record's write), not once a file.
@test "create syncs the container's directory once, its host files without a rename each" {
	command -v strace >/dev/null || skip "strace is not installed"
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k 10 120 strace -f -qq -y -e trace=fsync,rename,renameat,renameat2 \
		-e signal=none -o "$BATS_TEST_TMPDIR/strace" "$BRIG" --root "$ROOT" create bb:1 true
	local t=$BATS_TEST_TMPDIR/strace
	# the host files' data is synced (the trace works), then the directory
	run -0 grep -c 'fsync([0-9]*<[^>]*/\.tmp-[0-9a-f]*/hosts>' "$t"
	run -0 grep -c 'fsync([0-9]*<[^>]*/\.tmp-[0-9a-f]*>)' "$t"
	[ "$output" = 1 ] || { echo "the directory was synced $output times" >&2; false; }
	run grep -E 'rename.*\.(hosts|hostname|resolv\.conf)\.' "$t"
	[ "$status" -ne 0 ] || { echo "renamed into place: $output" >&2; false; }
}

@test "run in the foreground: output, exit status, and --rm leaves nothing" {
	run brig run --rm bb:1 sh -c 'echo out; echo err >&2; exit 7'
	[ "$status" -eq 7 ]
	[[ "$output" == *out* && "$output" == *err* ]]
	run brig ps -a -q
	[ -z "$output" ]
	[ -z "$(ls "$ROOT/containers")" ]
	[ -z "$(ls "$ROOT/names")" ]
	[ ! -e "$(rt_dir)" ]
}

@test "a missing command exits 127, an unknown image 125, with nothing left" {
	run -127 brig run --rm bb:1 /no/such/program
	[ "$status" -eq 127 ]
	[[ "$output" == *"/no/such/program"* ]]
	# Kept, in the foreground or not, it records Docker's 127 and why.
	for d in "" -d; do
		run -127 brig run $d --name "nf$d" bb:1 /no/such/program
		run brig inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' "nf$d"
		[[ "$output" == "exited 127 "*"/no/such/program"* ]] || fail "run $d: recorded '$output'"
		run brig rm "nf$d"
		[ "$status" -eq 0 ]
	done
	run brig run --pull=never no-such-image true
	[ "$status" -eq 125 ]
	[[ "$output" == "brig: No such image: no-such-image:latest" ]]
	run brig create --name n1 bb:1 true
	[ "$status" -eq 0 ]
	run brig create --name n1 bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *'the container name "n1" is already in use'* ]]
	run brig ps -a -q
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(find "$ROOT/containers" -maxdepth 1 -name '.tmp-*')" ]
}

@test "entrypoint and command follow Docker's precedence" {
	image_with ep:1 'ENTRYPOINT ["echo", "ep"]' 'CMD ["default"]'
	run brig run --rm ep:1
	[ "$output" = "ep default" ]
	run brig run --rm ep:1 given args
	[ "$output" = "ep given args" ]
	# --entrypoint replaces the entrypoint and drops the image's CMD.
	run brig run --rm --entrypoint echo ep:1
	[ "$output" = "" ]
	run brig run --rm --entrypoint echo ep:1 only
	[ "$output" = "only" ]
	image_with cmd:1 'CMD ["echo", "from-cmd"]'
	run brig run --rm cmd:1
	[ "$output" = "from-cmd" ]
	image_with none:1 'ENV A=1'
	run brig run --rm none:1
	[ "$status" -eq 125 ]
	[[ "$output" == *"no command specified"* ]]
}

@test "environment, working directory, user and labels from the image and the flags" {
	image_with cfg:1 'ENV A=image B="image too"' 'WORKDIR /home/user' 'USER user' 'LABEL team=blue'
	printf 'B=file\n# a comment\n\nC=file\n' >"$BATS_TEST_TMPDIR/env"
	run brig run --rm --env-file "$BATS_TEST_TMPDIR/env" -e C=flag cfg:1 \
		sh -c 'echo "$A|$B|$C|$HOME|$HOSTNAME"; pwd; id -u; id -G'
	[ "$status" -eq 0 ]
	IFS='|' read -r a b c home host <<<"${lines[0]}"
	[ "$a $b $c $home" = "image file flag /home/user" ]
	[[ "$host" =~ ^[0-9a-f]{12}$ ]]
	[ "${lines[1]}" = /home/user ]
	[ "${lines[2]}" = 1000 ]
	[ "${lines[3]}" = "1000 100" ]
	run brig run --rm -u 0:100 -w /tmp cfg:1 sh -c 'id -u; id -g; pwd'
	[ "${lines[*]}" = "0 100 /tmp" ]
	run brig run --rm -u nosuchuser cfg:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user nosuchuser"* ]]
	id=$(brig create -l env=test -l team=red cfg:1 true)
	run brig inspect -f '{{.Config.Labels.team}} {{.Config.Labels.env}}' "$id"
	[ "$output" = "red test" ]
	run brig ps -a -q --filter label=env=test
	[ "$output" = "${id:0:12}" ]
	run brig ps -a -q --filter label=env=prod
	[ -z "$output" ]
}

@test "secure defaults: read-only root, few capabilities, no_new_privs, seccomp, no network" {
	run brig run --rm bb:1 sh -c '
		touch /x 2>/dev/null && echo root-writable
		touch /tmp/x && echo tmp-writable
		grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
		ls /sys/class/net
		grep " / " /proc/self/mountinfo | grep -c nosuid
		/suid/busybox id -u'
	[ "$status" -eq 0 ]
	[[ "$output" != *root-writable* ]]
	[[ "$output" == *tmp-writable* ]]
	[[ "$output" == *$'NoNewPrivs:\t1'* ]]
	[[ "$output" == *$'Seccomp:\t2'* ]]
	# The default set: no NET_RAW (13), MKNOD (27), SYS_CHROOT (18), SYS_ADMIN (21).
	capeff=$(grep CapEff <<<"$output" | awk '{print $2}')
	for bit in 13 18 21 27; do
		[ $(( 0x$capeff >> bit & 1 )) -eq 0 ]
	done
	[ "$(grep -x lo <<<"$output")" = lo ]
	[ "$(grep -cxv -e lo -e '[0-9]*' -e 'CapEff.*' -e 'CapBnd.*' -e 'NoNewPrivs.*' -e 'Seccomp.*' -e tmp-writable <<<"$output")" -eq 0 ]
	# A non-root user has no effective capabilities at all.
	run brig run --rm -u 1000 bb:1 sh -c 'grep CapEff /proc/self/status; /suid/busybox id -u'
	[[ "${lines[0]}" == *0000000000000000 ]]
	[ "${lines[1]}" = 1000 ]
	run brig run --rm --read-write bb:1 sh -c 'touch /x && echo ok'
	[ "$output" = ok ]
}

@test "the overlay is mounted only inside the container; writes land in its upper directory" {
	id=$(brig run -d --read-write bb:1 sh -c 'echo data >/written; sleep 100')
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	run grep -c "$id" /proc/self/mountinfo
	[ "$output" = 0 ] || { echo "the overlay of $id is mounted on the host: $output" >&2; false; }
	wait_until "the container's write in its upper directory" test -s "$ROOT/containers/$id/upper/written"
	[ "$(cat "$ROOT/containers/$id/upper/written")" = data ]
	run brig exec "$id" cat /written
	[ "$output" = data ]
	brig rm -f "$id"
	[ ! -e "$ROOT/containers/$id" ]
}

@test "detached: ps, logs, exec, top, stop with the stop signal, wait, rm" {
	id=$(brig run -d --name svc bb:1 sh -c 'echo started; trap "echo bye; exit 3" TERM; while :; do sleep 0.1; done')
	run brig ps --format '{{.Names}} {{.State}}'
	[ "$output" = "svc running" ]
	run brig ps --format json
	[ "$(jq -r .ID <<<"$output")" = "${id:0:12}" ]
	run brig exec svc sh -c 'echo in-exec $(id -u)'
	[ "$output" = "in-exec 0" ]
	run brig exec -u user -e X=1 -w /tmp svc sh -c 'echo $(id -u) $X $(pwd)'
	[ "$output" = "1000 1 /tmp" ]
	run brig exec svc sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run brig top svc
	[[ "${lines[0]}" =~ ^PID ]]
	[[ "$output" == *"while :"* ]]
	wait_until "'started' in the log of svc" logs_have svc '^started$'
	run brig stop svc
	[ "$output" = svc ]
	run brig wait svc
	[ "$output" = 3 ]
	run brig logs svc
	[ "${lines[*]}" = "started bye" ]
	run brig logs -t --tail 1 svc
	[[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ bye$ ]]
	run brig inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' svc
	[ "$output" = "exited 3 false" ]
	run brig ps -q
	[ -z "$output" ]
	run brig rm svc
	[ "$status" -eq 0 ]
	run brig inspect svc
	[ "$status" -eq 1 ]
}

# The waiter's read lock on the monitor lock of container $1 waits (a
# blocked entry, "->", in /proc/locks for that file).
waiter_blocked() {
	local ino
	ino=$(stat -c %i "$ROOT/containers/$1/monitor.lock") || return 1
	grep -qE "^[0-9]+: -> OFDLCK +ADVISORY +READ +[-0-9]+ [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks
}

@test "wait gives a --rm container's exit code though it is gone; run --rm -d leaves nothing" {
	id=$(brig run -d --rm bb:1 sleep 1000)
	brig wait "$id" >"$BATS_TEST_TMPDIR/wait.out" 2>&1 &
	w=$!
	wait_until "brig wait to wait on the monitor" waiter_blocked "$id"
	run brig kill "$id"
	[ "$status" -eq 0 ] || fail "kill: $output"
	st=0
	wait "$w" || st=$?
	[ "$st" -eq 0 ] || fail "wait exited $st: $(cat "$BATS_TEST_TMPDIR/wait.out")"
	[ "$(cat "$BATS_TEST_TMPDIR/wait.out")" = 137 ] || fail "wait printed: $(cat "$BATS_TEST_TMPDIR/wait.out")"
	# The monitor removed it before it let go of the lock.
	run brig ps -a -q
	[ -z "$output" ] || fail "the --rm container is still listed: $output"
}

@test "ps: a truncated command (one ellipsis character) keeps the columns aligned" {
	local LC_ALL=C.UTF-8 line name prefix want
	brig create --name short bb:1 true >/dev/null
	brig create --name long bb:1 sh -c 'echo a command much longer than twenty characters' >/dev/null
	run brig ps -a
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"sh -c echo a comman"* ]] || false
	[[ "$output" == *$'\u2026'* ]] || false
	# NAMES starts at the same character (not byte) on every line.
	prefix=${lines[0]%NAMES}
	want=${#prefix}
	for line in "${lines[@]:1}"; do
		name=${line##* }
		prefix=${line%"$name"}
		[ "${#prefix}" -eq "$want" ] || { echo "'$name' at $((${#prefix})), NAMES at $want"; false; }
	done
}

@test "rm refuses a running container; rm -f and kill end it; start runs it again" {
	id=$(brig run -d bb:1 sh -c 'trap "exit 9" USR1; while :; do sleep 0.1; done')
	run brig rm "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == *"it is running"* ]]
	run brig kill -s USR1 "${id:0:12}"
	[ "$status" -eq 0 ]
	run brig wait "$id"
	[ "$output" = 9 ]
	run brig start "$id"
	[ "$status" -eq 0 ]
	run brig inspect -f '{{.State.Running}}' "$id"
	[ "$output" = true ]
	run brig kill -s NOSUCHSIG "$id"
	[ "$status" -eq 1 ]
	run brig rm -f "$id"
	[ "$status" -eq 0 ]
	run brig ps -a -q
	[ -z "$output" ]
}

@test "create then start -a; ids and names resolve by prefix; rename" {
	id=$(brig create --name first bb:1 echo hi)
	run brig ps -a --format '{{.Status}}'
	[ "$output" = Created ]
	run brig start -a "${id:0:8}"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run brig rename first second
	[ "$status" -eq 0 ]
	run brig inspect -f '{{.Name}}' second
	[ "$output" = /second ]
	run brig inspect first
	[ "$status" -eq 1 ]
	run brig rename second 'bad name'
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid container name"* ]]
	run brig container inspect -f '{{.Id}}' second
	[ "$output" = "$id" ]
	run brig inspect -f '{{.NoSuchField}}' second
	[ "$status" -eq 1 ]
}

@test "rmi refuses an image a container was made from, unless forced" {
	brig create --name user1 bb:1 true >/dev/null
	run brig rmi bb:1
	[ "$status" -eq 1 ]
	[[ "$output" == *"container"*"was made from it"* ]]
	brig tag bb:1 bb:2
	run brig rmi bb:2
	[ "$status" -eq 0 ]
	run brig rmi -f bb:1
	[ "$status" -eq 0 ]
	run brig start -a user1
	[ "$status" -eq 0 ]
}

@test "a monitor killed with SIGKILL: brig kills what it left, it reads as exited (137) and can be removed" {
	id=$(brig run -d bb:1 sleep 1000)
	pid=$(brig inspect -f '{{.State.Pid}}' "$id")
	[ "$pid" -gt 0 ]
	# the monitor: the parent of the container's init (brig-monitor by now)
	mon=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
	[[ "$mon" =~ ^[0-9]+$ && "$mon" -gt 1 ]] || { echo "no monitor pid: '$mon'" >&2; false; }
	grep -q brig-monitor "/proc/$mon/cmdline"
	kill -KILL "$mon"
	wait_until "container $id to read as exited" status_is "$id" exited
	# the first brig command that noticed killed the orphan (brig_orphan.bats)
	run brig inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id"
	[ "$output" = "exited 137" ]
	run brig rm "$id"
	[ "$status" -eq 0 ]
	# The orphaned container process went with it (at most a zombie of the
	# host's init is left; that init may reap it while we look).
	local state
	state=$(awk '$1 == "State:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
	[ -z "$state" ] || [ "$state" = Z ] || { echo "pid $pid is left, state $state" >&2; false; }
}

@test "concurrent runs from many shells keep the store whole" {
	for i in $(seq 8); do
		brig run --rm bb:1 true &
		brig run -d --name "c$i" bb:1 true >/dev/null &
	done
	wait
	run brig ps -a --format '{{.Names}}'
	[ "${#lines[@]}" -eq 8 ]
	for i in $(seq 8); do grep -qx "c$i" <<<"$output"; done
	[ -z "$(find "$ROOT/containers" -maxdepth 1 -name '.*')" ]
	[ "$(ls "$ROOT/names" | wc -l)" -eq 8 ]
}

@test "the copy storage driver: a private copy of the layers, bound nosuid" {
	run brig --storage-driver copy run --rm --read-write bb:1 sh -c 'touch /y && echo ok; grep " / " /proc/self/mountinfo | grep -c nosuid'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" -ge 1 ]
	id=$(brig --storage-driver copy create bb:1 true)
	run brig inspect -f '{{.GraphDriver.Name}}' "$id"
	[ "$output" = copy ]
	[ -x "$ROOT/containers/$id/rootfs/bin/busybox" ]
	run brig --storage-driver zfs run bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown storage driver"* ]]
}

@test "bad input: usage, templates and filters get one line and Docker's status" {
	run brig run # too few arguments: 1, as Docker's
	[ "$status" -eq 1 ]
	run brig ps --filter colour=red
	[ "$status" -eq 1 ]
	[[ "$output" == *"--filter"* ]]
	run brig ps --format '{{.Nope'
	[ "$status" -eq 1 ]
	run brig run --stop-timeout x bb:1 true
	[ "$status" -eq 125 ]
	run brig stop no-such-container
	[ "$status" -eq 1 ]
	[ "$output" = "brig: no such container: no-such-container" ]
	run brig run -t bb:1 true </dev/null # a terminal in the foreground needs one
	[ "$status" -eq 125 ]
}

@test "system df counts images, containers and unpacked layers" {
	brig create --name dfc bb:1 true >/dev/null
	run brig system df --format json
	[ "$status" -eq 0 ]
	# one object a line, Docker's fields (strings), and the bytes as numbers
	[ "$(jq -sc 'map([.Type, .TotalCount, .Active])' <<<"$output")" = '[["Images","1","1"],["Containers","1","0"],["Unpacked layers","1","1"]]' ]
	[ "$(jq -s '.[0].ReclaimableBytes' <<<"$output")" = 0 ]
	run brig system df
	[[ "${lines[0]}" =~ ^TYPE ]]
	[ "${#lines[@]}" -eq 4 ]
}

@test "inspect shows every effective security setting; --privileged is flagged and warned about" {
	id=$(brig create -m 64m --pids-limit 50 --ulimit nofile=10:20 --cap-drop all --cap-add chown bb:1 true)
	run brig inspect -f '{{json .Brig.Effective}}' "$id"
	[ "$status" -eq 0 ]
	eff=$output
	[ "$(jq -c '[.NoNewPrivileges, .ReadonlyRootfs, .Privileged, .Seccomp.Default, .PidsLimit, .Memory.limit]' <<<"$eff")" = "[true,true,false,true,50,67108864]" ]
	[ "$(jq -c '.Capabilities.bounding' <<<"$eff")" = '["CAP_CHOWN"]' ]
	[ "$(jq -c '.Ulimits[] | select(.type == "RLIMIT_NOFILE") | [.soft, .hard]' <<<"$eff")" = "[10,20]" ]
	[[ "$(jq -r '.Seccomp.Digest' <<<"$eff")" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$(jq -r '.UserNamespace.Mode' <<<"$eff")" = auto ]
	# every mount of the container is nosuid
	[ "$(jq '[.Mounts[] | select(.Options | index("nosuid") | not)] | length' <<<"$eff")" = 0 ]
	run brig create --privileged bb:1 true
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING: --privileged"* ]]
	pid=${lines[-1]}
	run brig inspect -f '{{.Brig.Effective.Privileged}} {{.Brig.Effective.Seccomp.Profile}}' "$pid"
	[ "$output" = "true unconfined (--privileged)" ]
}

@test "--init: brig-init is PID 1, reaps orphans and passes the exit status on" {
	# The orphan's pid is polled (bounded) until it is gone: a zombie that
	# brig-init never reaps stays in /proc and is reported.
	run brig run --rm --init bb:1 sh -c '
		sh -c "sleep 0.2 & echo \$! >/tmp/orphan; exit 0"
		p=$(cat /tmp/orphan); i=0
		while [ -e /proc/$p ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
		[ -e /proc/$p ] && echo "orphan-$p-left: $(cat /proc/$p/stat)"
		ps -o pid,stat,args; exit 6'
	[ "$status" -eq 6 ] || { echo "status $status: $output" >&2; false; }
	grep -Eq '^ +1 +[A-Z]+ +/dev/init -- sh' <<<"$output" || { echo "PID 1 is not brig-init: $output" >&2; false; }
	# the orphaned sleep was reaped: no zombie left
	run grep -E 'orphan-[0-9]+-left| Z ' <<<"$output"
	[ "$status" -eq 1 ] || { echo "an orphan was not reaped: $output" >&2; false; }
}

@test "--log-opt max-size and max-file rotate the container's log" {
	id=$(brig run -d --log-opt max-size=2k --log-opt max-file=2 bb:1 \
		sh -c 'i=0; while [ $i -lt 200 ]; do echo "line $i of the log"; i=$((i+1)); done')
	brig wait "$id" >/dev/null
	[ -f "$ROOT/containers/$id/ctr.log.1" ]
	[ ! -e "$ROOT/containers/$id/ctr.log.2" ]
	[ "$(stat -c %s "$ROOT/containers/$id/ctr.log")" -le 2048 ]
	run brig logs --tail 1 "$id"
	[ "$output" = "line 199 of the log" ]
	run brig inspect -f '{{.HostConfig.LogConfig.Config}}' "$id"
	[ "$output" = "map[max-file:2 max-size:2048]" ]
	run brig run --rm --log-opt colour=red bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--log-opt colour=red"* ]]
}

@test "Docker's habits: start of a running container is a no-op; exec's 126/127; restart" {
	run brig run -d --name svc bb:1 sleep 1000
	[ "$status" -eq 0 ] || false
	run brig start svc
	[ "$status" -eq 0 ] && [ "$output" = svc ] || false
	run -127 brig exec svc no-such-command
	[ "$status" -eq 127 ] || false
	[[ "$output" == *'"no-such-command": executable file not found'* ]] || false
	run brig exec svc /etc/passwd
	[ "$status" -eq 126 ] || false
	run brig exec no-such-container true
	[ "$status" -eq 1 ] || false
	# exec -d gives the process /dev/null, not the caller's pipes (which
	# would keep `$(brig exec -d ...)` waiting until the process ends)
	run brig exec -d svc sh -c 'l=$(for f in 0 1 2; do readlink /proc/$$/fd/$f; done) &&
		echo "$l" >/tmp/fds.tmp && mv /tmp/fds.tmp /tmp/fds'
	[ "$status" -eq 0 ] && [ -z "$output" ] || false
	wait_until "the detached exec's /tmp/fds" brig exec svc test -e /tmp/fds
	run brig exec svc cat /tmp/fds
	[ "$output" = "$(printf '/dev/null\n/dev/null\n/dev/null')" ] ||
		{ echo "the detached exec's stdio: $output" >&2; false; }
	pid=$(brig inspect -f '{{.State.Pid}}' svc)
	run brig restart -t 1 svc
	[ "$status" -eq 0 ] && [ "$output" = svc ] || false
	run brig inspect -f '{{.State.Running}} {{.State.Pid}}' svc
	[[ "$output" == "true "* && "$output" != "true $pid" ]] || false
	run brig stop -t 0 svc
	run brig restart svc # a stopped container is just started
	[ "$status" -eq 0 ] || false
	run brig inspect -f '{{.State.Running}}' svc
	[ "$output" = true ] || false
}

@test "a record with a mistyped field is refused with one line naming the file and the field" {
	id=$(brig create bb:1 true)
	rec=$ROOT/containers/$id/container.json
	cp "$rec" "$BATS_TEST_TMPDIR/good.json"
	sed -i 's/"Pid": 0,/"Pid": "zero",/' "$rec"
	run grep -c '"Pid": "zero"' "$rec"
	[ "$output" = 1 ] || { echo "the record was not edited: $output" >&2; false; }
	run brig inspect "$id"
	[ "$status" -ne 0 ] || { echo "inspect read the bad record" >&2; false; }
	[[ "$output" == *"container.json: State.Pid: expected an integer, got string"* ]] ||
		{ echo "inspect said: $output" >&2; false; }
	run brig start "$id"
	[ "$status" -ne 0 ] || { echo "start read the bad record" >&2; false; }
	[[ "$output" == *"container.json: State.Pid"* ]] || { echo "start said: $output" >&2; false; }
	cp "$BATS_TEST_TMPDIR/good.json" "$rec"
	run brig rm "$id"
	[ "$status" -eq 0 ] || { echo "rm: $output" >&2; false; }
}
