#!/usr/bin/env bats
# Docker habits (issue #17, the rest): -q on save/import/commit, the valid
# --ulimit names in its error, images --format json's CreatedAt in Docker's
# form, --health-start-interval and the image's SHELL for CMD-SHELL,
# --sig-proxy on run and start -a, errors without doubled prefixes.  One store for the file (one import).

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=60

setup_file() {
	brig_file_store
}

setup() { brig_setup; }

teardown() { brig_teardown; }

# on_tty CMD: CMD with a terminal as stdout and stderr (script(1)).
on_tty() { script -qec "$1" /dev/null; }

@test "-q on save, import and commit: no progress bar on a terminal, commit and import print only the id" {
	local b="'$BRIG' --root '$ROOT'" t=$BATS_TEST_TMPDIR
	run -0 on_tty "$b save -o $t/a.tar bb:1"
	[[ "$output" == *Saving* ]] || false
	run -0 on_tty "$b save -q -o $t/b.tar bb:1"
	[ -z "$output" ] || false
	[ -s "$t/b.tar" ] || false
	run -0 on_tty "$b import --quiet $BRIG_TAR bb:q"
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$'\r'?$ ]] || false
	run -0 brig create --name c1 bb:1 true
	run -0 brig commit -q c1 bb:c
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]] || false
}

@test "--ulimit with an unknown name lists the valid names" {
	run -125 brig create --ulimit bogus=1 bb:1 true
	[[ "$output" == *'unknown ulimit "bogus" (one of as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)'* ]] || false
}

@test "errors in the user's words: a missing seccomp profile said once, cp of a missing path" {
	run -125 --separate-stderr brig create --security-opt seccomp=/nonexistent.json bb:1 true
	[ "$stderr" = "brig: seccomp profile: opening /nonexistent.json: No such file or directory" ] || false
	run -0 brig create --name cpm bb:1 true
	run -1 --separate-stderr brig cp cpm:/etc/nonexistent "$BATS_TEST_TMPDIR/x"
	[ "$stderr" = "brig: could not find /etc/nonexistent in the container" ] || false
	run -1 --separate-stderr brig cp cpm:/etc/nonexistent -
	[ "$stderr" = "brig: could not find /etc/nonexistent in the container" ] || false
}

@test "images and ps --format json: CreatedAt in Docker's form, images' keys Docker's, sorted as Docker prints them" {
	local created want
	created=$(brig image inspect -f '{{.Created}}' bb:1)
	want=$(date -u -d "$created" '+%Y-%m-%d %H:%M:%S +0000 UTC')
	run -0 env TZ=UTC "$BRIG" --root "$ROOT" images --format json bb:1
	run -0 jq -r .CreatedAt <<<"$output"
	[ "$output" = "$want" ] || { echo "got '$output', wanted '$want'"; false; }
	run -0 env TZ=UTC "$BRIG" --root "$ROOT" images --format json bb:1
	[[ "$output" == '{"Containers":"N/A","CreatedAt":"'"$want"'","CreatedSince":'*',"Digest":"sha256:'*'","ID":"'*'","Repository":"bb","SharedSize":"N/A","Size":'*',"Tag":"1","UniqueSize":"N/A","VirtualSize":'* ]] || false
	run -0 brig create --name c2 bb:1 true
	created=$(brig inspect -f '{{.Created}}' c2)
	run -0 env TZ=UTC "$BRIG" --root "$ROOT" ps -a --format '{{.CreatedAt}}'
	[ "$output" = "$(date -u -d "$created" '+%Y-%m-%d %H:%M:%S +0000 UTC')" ] || false
}

@test "--health-start-interval: the checks' interval in the start period, recorded as StartInterval" {
	run -0 brig run -d --name si --health-cmd 'exit 1' --health-interval 1h \
		--health-start-period 1h --health-start-interval 100ms bb:1 sleep 60
	run -0 field si '{{.Config.Healthcheck.StartInterval}} {{.Config.Healthcheck.StartPeriod}}'
	[ "$output" = "100000000 3600000000000" ] || false
	# three checks well before the default start interval (5s) could make them
	wait_until "three checks at the start interval" \
		eval '[ "$(field si "{{len .State.Health.Log}}")" -ge 3 ]'
	run -125 brig create --health-start-interval 0.5ms bb:1 true
	[[ "$output" == *"--health-start-interval cannot be less than 1ms"* ]] || false
	run -125 brig create --no-healthcheck --health-start-interval 1s bb:1 true
	[[ "$output" == *"--no-healthcheck conflicts with --health-* options"* ]] || false
}

@test "CMD-SHELL runs with the image's SHELL when it has one, else /bin/sh -c" {
	local ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx"
	printf '%s\n' 'FROM bb:1' 'SHELL ["/bin/echo", "via-shell"]' >"$ctx/Dockerfile"
	run -0 brig build -q -t bb:shell "$ctx"
	run -0 brig run -d --name sh1 --health-cmd 'exit 3' --health-interval 1h bb:shell sleep 60
	run -0 field sh1 '{{json .Config.Shell}}'
	[ "$output" = '["/bin/echo","via-shell"]' ] || false
	run -0 brig healthcheck run sh1
	run -0 field sh1 '{{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}'
	[[ "$output" == "0 via-shell exit 3"* ]] || false
	run -0 brig run -d --name sh2 --health-cmd 'echo $0; exit 3' --health-interval 1h bb:1 sleep 60
	run -1 brig healthcheck run sh2
	run -0 field sh2 '{{with index .State.Health.Log 0}}{{.ExitCode}} {{.Output}}{{end}}'
	[[ "$output" == "3 /bin/sh"* ]] || false
}

# bg_brig OUT ARGS...: brig ARGS in the background, stdout and stderr to
# OUT, stdin /dev/null; its pid in BG.  It starts with SIGINT and SIGQUIT
# ignored, as a script's background job does: forwarded all the same.
bg_brig() {
	local out=$1
	shift
	# Emptied here, not by the child's redirection: a caller that polls OUT
	# must never read what an earlier brig wrote to it.
	: >"$out"
	(
		trap '' INT QUIT
		exec "$BRIG" --root "$ROOT" "$@" >"$out" 2>&1 </dev/null
	) &
	BG=$!
}

out_has() { grep -q -- "$2" "$1"; }

# bg_wait: the exit status of the background brig, in status.
bg_wait() {
	status=0
	wait "$BG" || status=$?
}

# trapper SIGS...: a shell that says which signal it got, exits 40 on TERM
# and INT, and says "ready" once its traps are set.
TRAPPER='trap "echo got-usr1" USR1; trap "echo got-term; exit 40" TERM; trap "echo got-int; exit 41" INT; echo ready; while :; do sleep 0.1; done'

@test "--sig-proxy (default): run and start -a forward SIGUSR1, SIGTERM, and SIGINT without a terminal" {
	local o=$BATS_TEST_TMPDIR/out
	bg_brig "$o" run --name sp1 bb:1 sh -c "$TRAPPER"
	wait_until "sp1 ready" out_has "$o" ready
	kill -USR1 "$BG"
	wait_until "sp1 to get SIGUSR1" out_has "$o" got-usr1
	kill -INT "$BG"
	bg_wait
	[ "$status" -eq 41 ] || { cat "$o"; false; }
	run -0 brig create --name sp2 bb:1 sh -c "$TRAPPER"
	bg_brig "$o" start -a sp2
	wait_until "sp2 ready" out_has "$o" ready
	kill -TERM "$BG"
	bg_wait
	[ "$status" -eq 40 ] || { cat "$o"; false; }
	run -0 grep -c got-term "$o"
}

@test "--sig-proxy=false: a signal ends brig run or start -a, not the container" {
	local o=$BATS_TEST_TMPDIR/out
	bg_brig "$o" run --sig-proxy=false --name np1 bb:1 sh -c "$TRAPPER"
	wait_until "np1 ready" out_has "$o" ready
	kill -TERM "$BG"
	bg_wait
	[ "$status" -eq 143 ] || { cat "$o"; false; }
	run -0 field np1 '{{.State.Running}}'
	[ "$output" = true ] || false
	run -0 brig create --name np2 bb:1 sh -c "$TRAPPER"
	bg_brig "$o" start -a --sig-proxy=false np2
	wait_until "np2 ready" out_has "$o" ready
	kill -USR1 "$BG"
	bg_wait
	[ "$status" -eq 138 ] || { cat "$o"; false; }
	run -0 field np2 '{{.State.Running}}'
	[ "$output" = true ] || false
	run -0 brig logs np1
	[ "$output" = ready ] || false
	# what ends normally gives its output and status through the attach
	run -3 brig run --sig-proxy=false --rm bb:1 sh -c 'echo out; echo err >&2; exit 3'
	[ "$output" = "out"$'\n'"err" ] || [ "$output" = "err"$'\n'"out" ] || false
}

@test "boolean flags take =false and =true, long, short and bundled (-d=false, -it=false), as Docker's" {
	local f='{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.AutoRemove}} {{.HostConfig.Init}} {{.Config.Tty}} {{.Config.OpenStdin}}'
	run -0 brig create --name bf1 --read-only=false --rm=false --init=true -it=false bb:1 true
	run -0 brig inspect -f "$f" bf1
	[ "$output" = "false false true false true" ] || false
	run -0 brig create --name bf2 --read-only=true --rm=true --init=false --tty=true -i=false bb:1 true
	run -0 brig inspect -f "$f" bf2
	[ "$output" = "true true false true false" ] || false
	run -0 brig create --name bf3 --read-write=false --privileged=false bb:1 true
	run -0 brig inspect -f "$f {{.HostConfig.Privileged}}" bf3
	[ "$output" = "true false false false false false" ] || false
	run -125 brig create --read-only=false --read-write=false bb:1 true
	run -125 brig create -it=maybe bb:1 true
	[[ "$output" == *'option -t takes true or false, not "maybe"'* ]] || false
	run -0 brig create --name bf4 -ie=K=v bb:1 true # pflag's -f=value in a bundle
	run -0 brig inspect -f '{{.Config.OpenStdin}} {{join .Config.Env ","}}' bf4
	[[ "$output" == "true "*K=v* ]] || false
	[[ "$output" != *"=K=v"* ]] || false
	# -d=false stays in the foreground; -e=K=V is K=V
	run -0 brig run -d=false --rm -e=K=v --read-only=false bb:1 sh -c 'touch /w && echo "wrote $K"'
	[ "$output" = "wrote v" ] || false
	run -1 brig run --rm --read-only=true bb:1 touch /w
}

# exits CODE ARGS...: brig ARGS exits CODE (a table row).
exits() {
	local want=$1
	shift
	run "-$want" brig "$@"
}

@test "exit statuses as Docker's: 1 for a command's error, 125 for run/create and bad flags, 126/127 for exec" {
	local c
	# another command's error (here: no such container) is 1
	for c in stop rm inspect logs kill start wait port pause unpause top restart attach diff \
		export "container inspect"; do
		# shellcheck disable=SC2086 # c may be two words
		exits 1 $c nosuch || return 1
	done
	exits 1 rename nosuch x || false
	exits 1 exec nosuch true || false
	exits 1 rmi nosuch:1 || false
	exits 1 "image inspect" nosuch:1 || false
	exits 1 frobnicate || false # an unknown command
	exits 1 stop || false       # too few arguments
	exits 1 logs --details x || false # Docker's option brig lacks: logs' error
	# run and create: 125 for their own errors, an option brig lacks included
	exits 125 run --pull=never nosuch:1 true || false
	exits 125 create --pull=never nosuch:1 true || false
	exits 125 container create --pull=never nosuch:1 true || false
	exits 125 run --gpus all bb:1 true || false
	# a bad flag is 125 on every command (Docker's flag-error status)
	exits 125 stop --bogus x || false
	exits 125 ps --bogus || false
	exits 125 --bogus ps || false
	exits 125 rm -f=maybe x || false
	# the container's status, and 126/127 for a command that cannot run
	exits 3 run --rm bb:1 sh -c 'exit 3' || false
	exits 127 run --rm bb:1 nosuchcmd || false
	exits 0 run -d --name xs bb:1 sleep 60 || false
	exits 0 start xs || false # start of a running container: a no-op
	exits 127 exec xs nosuchcmd || false
	exits 126 exec xs /etc/passwd || false
	exits 4 exec xs sh -c 'exit 4' || false
	exits 0 rm -f xs || false
	exits 0 create --name xc bb:1 true || false
	exits 1 exec xc true || false # not running: exec's own error
}

@test "bare brig prints its usage on stderr and exits 0, as Docker's" {
	run -0 --separate-stderr brig
	[ -z "$output" ] || false
	[[ "$stderr" == *"Usage: brig"* ]] || false
}

@test "a value not of a typed option's type is a flag error (125) on every command" {
	# Docker's int, int64, decimal and byte-size flags fail in pflag
	exits 125 stop -t abc x || false
	exits 125 stop --time=1.5 x || false
	exits 125 restart -tabc x || false
	exits 125 ps -n x || false
	exits 125 update --memory lots x || false
	exits 125 update --cpus one x || false
	exits 125 update --pids-limit 5x x || false
	exits 125 container update --cpu-shares=x x || false
	[[ "$output" == *'invalid value "x" for option --cpu-shares'* ]] || false
	# well-typed values get to the command: its own errors are 1
	exits 1 stop -t 5 nosuch || false
	exits 1 stop --timeout 5 nosuch || false
	exits 1 update --memory 64m --cpus 0.5 --memory-swap -1 nosuch || false
	exits 0 ps -n -1 || false
}

@test "--read-only and --read-write win over the config's read-only-rootfs; together they are refused" {
	local conf=$BATS_TEST_TMPDIR/brig.conf
	echo '{"read-only-rootfs": false}' >"$conf"
	BRIG_CONFIG=$conf
	run -0 brig run --rm bb:1 sh -c 'touch /w && echo wrote'
	[ "$output" = wrote ] || false
	run -1 brig run --rm --read-only bb:1 touch /w
	run -1 brig run --rm --read-write=false bb:1 touch /w
	run -0 brig create --name rof --read-only bb:1 true
	run -0 brig inspect -f '{{.HostConfig.ReadonlyRootfs}}' rof
	[ "$output" = true ] || false
	run -0 brig create --name rwc bb:1 true
	run -0 brig inspect -f '{{.HostConfig.ReadonlyRootfs}}' rwc
	[ "$output" = false ] || false
	exits 125 create --read-only --read-write bb:1 true || false
	exits 125 create --read-write --read-only bb:1 true || false
	[[ "$output" == *"contradict"* ]] || false
	run -0 brig rm rof rwc
}

# slow_stopper NAME RUNFLAGS...: a container that takes SIGTERM but ends
# only when told: its trap logs "got-term", then waits for /tmp/go (made
# through exec) and exits 7.
slow_stopper() {
	brig run -d --name "$1" "${@:2}" bb:1 sh -c \
		'trap "echo got-term; until [ -e /tmp/go ]; do sleep 0.05; done; exit 7" TERM
		echo ready; while :; do sleep 0.05; done' >/dev/null
	wait_until "$1 ready" logs_have "$1" '^ready$'
}

# outlasts NAME CMD...: brig CMD in the background; once NAME has taken
# SIGTERM, NAME still runs and CMD still waits (NAME's own stop timeout is 0
# or none: any timeout would have sent SIGKILL by then); then NAME is let go
# and CMD must end well, having sent no signal but SIGTERM.
outlasts() {
	local name=$1 pid
	shift
	brig "$@" >"$BATS_TEST_TMPDIR/cmd.out" 2>&1 &
	pid=$!
	wait_until "SIGTERM in $name" logs_have "$name" '^got-term$' || return 1
	[ "$(field "$name" '{{.State.Status}}')" = running ] || { echo "$name was killed"; return 1; }
	kill -0 "$pid" || { echo "brig $* ended before $name"; return 1; }
	brig exec "$name" touch /tmp/go || return 1
	wait "$pid" || { echo "brig $*: $(cat "$BATS_TEST_TMPDIR/cmd.out")"; return 1; }
	[ "$(cat "$BATS_TEST_TMPDIR/cmd.out")" = "$name" ] || return 1
	run -0 brig events --since 0 --until 0s --filter "container=$name" --filter event=kill \
		--format '{{.Actor.Attributes.signal}}'
	[ "$output" = 15 ] || { echo "signals sent: $output"; return 1; }
}

@test "stop -t -1 waits for the container without SIGKILL, as Docker's; other negatives are refused" {
	slow_stopper st1 --stop-timeout 0
	outlasts st1 stop -t -1 st1 || false
	[ "$(field st1 '{{.State.ExitCode}}')" = 7 ] || false
	exits 1 stop -t -2 st1 || false
	[[ "$output" == *'--timeout: "-2" is not a number of seconds'* ]] || false
	exits 1 restart --time=-10 st1 || false
	[[ "$output" == *'--time: "-10" is not a number of seconds'* ]] || false
	# Docker's current name and its older one, not both
	exits 1 stop --timeout 0 --time 0 st1 || false
	[[ "$output" == *"conflicting options: cannot specify both --timeout and --time"* ]] || false
	[ "$(field st1 '{{.State.Status}}')" = exited ] || false
}

@test "restart -t -1 and run --stop-timeout -1: the stop waits without SIGKILL too" {
	slow_stopper rs1 --stop-timeout 0
	outlasts rs1 restart -t -1 rs1 || false
	wait_field rs1 '{{.State.Status}}' running
	# the container's own stop timeout: Docker's Config.StopTimeout -1
	slow_stopper st2 --stop-timeout -1
	[ "$(field st2 '{{.Config.StopTimeout}}')" = -1 ] || false
	outlasts st2 stop st2 || false
	[ "$(field st2 '{{.State.ExitCode}}')" = 7 ] || false
	exits 125 create --stop-timeout -2 bb:1 true || false
	[[ "$output" == *'--stop-timeout: "-2" is not a number of seconds'* ]] || false
	run -0 brig rm -f rs1
}
