#!/usr/bin/env bats
# The Docker replay (issue #17's "Done when"): command lines taken from the
# Docker CLI reference's examples (docs.docker.com/reference/cli/docker/),
# kept as data in tests/integration/docker_replay/*.txt, are run as written
# with `docker` meaning brig.  Each either works with Docker's output shape
# or fails with a message saying the feature does not exist in brig yet.
#
# A data line is  KIND | PATTERN | COMMAND  (split at the first two " | ";
# the command may hold more pipes).  The lines of a file run in order in one
# store and one directory, so a line may use what the lines above made.
#   ok       exit 0; PATTERN (ERE, or - for none) matches a line of stdout
#   exit=N   exit status N; PATTERN as for ok
#   json     exit 0; stdout is JSON (an array or one object a line) and the
#            jq expression PATTERN is true of every value
#   err      Docker fails here too: non-zero exit, PATTERN matches stderr
#   yet      stderr says the feature "does not exist in brig yet" (PATTERN,
#            unless -, must match stderr too), with Docker's exit status for
#            an error of that command: 125 for run and create, else 1
#   sh       not a Docker line: shell set-up for the lines below (exit 0)
# Images of the reference's examples (busybox, ubuntu, nginx, ...) are all
# the test's busybox tree under those names: nothing leaves the host.

bats_require_minimum_version 1.5.0

load ../lib/brig

REPLAY=$BATS_TEST_DIRNAME/docker_replay

# Every line runs in a network namespace of this file's own: `network
# create` makes a bridge and an nftables table, and those may only live in a
# namespace the test made (it goes, with them, in teardown_file).
setup_file() {
	brig_image_tar || return 1
	export REPLAY_NS=brig-replay-$$
	ip netns add "$REPLAY_NS" || return 1
	local in=(nsenter --net="/run/netns/$REPLAY_NS")
	"${in[@]}" ip link set lo up || return 1
	# pasta (the -p lines) wants a routable interface to copy: an address,
	# a default route and a veth peer to carry it, both ends in the namespace.
	"${in[@]}" ip link add rpv0 type veth peer name rpv1 || return 1
	"${in[@]}" ip addr add 10.231.78.1/24 dev rpv0 &&
		"${in[@]}" ip link set rpv0 up && "${in[@]}" ip link set rpv1 up &&
		"${in[@]}" ip route add default via 10.231.78.254
}

teardown_file() {
	[ -z "${REPLAY_NS:-}" ] || ip netns del "$REPLAY_NS" 2>/dev/null || true
}

setup() {
	brig_setup
	# Docker Hub's busybox has CMD ["sh"]
	brig import --change 'CMD ["sh"]' "$BRIG_TAR" busybox >/dev/null || return 1
	local n
	for n in ubuntu ubuntu:22.04 debian nginx nginx:alpine redis alpine httpd httpd:test \
		fedora; do
		brig tag busybox "$n" >/dev/null || return 1
	done
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK" "$BATS_TEST_TMPDIR/bin"
	# docker, for the lines and for what they run (xargs docker ...).
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s timeout -k 5 60 "%s" --root "%s" "$@"\n' \
		"$REPLAY_NS" "$BRIG" "$ROOT" >"$BATS_TEST_TMPDIR/bin/docker"
	chmod +x "$BATS_TEST_TMPDIR/bin/docker"
}

# Containers and networks go (inside the namespace) even when a line failed
# before its own rm or prune.
teardown() {
	local d=$BATS_TEST_TMPDIR/bin/docker id
	if [ -x "$d" ]; then
		for id in $("$d" ps -a -q --no-trunc 2>/dev/null); do
			"$d" rm -f "$id" >/dev/null 2>&1 || true
		done
		"$d" network prune -f >/dev/null 2>&1 || true
	fi
	rm -rf /tmp/replay-pwd /tmp/app_logs # the reference's paths, as written
}

# replay FILE: every line of docker_replay/FILE; prints each failure and
# fails when there was one.
replay() {
	local kind pat cmd rest line n=0 bad=0 out err st
	out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		kind=${line%% | *} rest=${line#* | }
		pat=${rest%% | *} cmd=${rest#* | }
		st=0
		(cd "$WORK" && PATH=$BATS_TEST_TMPDIR/bin:$PATH && eval "$cmd") >"$out" 2>"$err" </dev/null || st=$?
		if ! verdict "$kind" "$pat" "$st" "$out" "$err" "$cmd"; then
			bad=$((bad + 1))
			printf '%s:%d: %s\n  kind %s, exit %d\n  stdout: %s\n  stderr: %s\n' "$1" "$n" \
				"$cmd" "$kind" "$st" "$(head -c 300 "$out")" "$(head -c 300 "$err")"
		fi
	done <"$REPLAY/$1"
	[ "$bad" -eq 0 ]
}

# yet_status COMMAND: Docker's exit status for an error of the docker
# command in COMMAND: 125 for run and create (container run, ...), else 1.
yet_status() {
	local w
	read -r -a w <<<"${1#*docker }"
	[ "${w[0]}" = container ] && w=("${w[@]:1}")
	case ${w[0]} in
	run | create) echo 125 ;;
	*) echo 1 ;;
	esac
}

# verdict KIND PATTERN STATUS OUT ERR COMMAND: whether one line did as its
# KIND says.
verdict() {
	local kind=$1 pat=$2 st=$3 out=$4 err=$5 cmd=$6
	case $kind in
	ok) [ "$st" -eq 0 ] && matches "$pat" "$out" ;;
	exit=*) [ "$st" -eq "${kind#exit=}" ] && matches "$pat" "$out" ;;
	json) [ "$st" -eq 0 ] && [ -s "$out" ] && jq -s -e "map($pat) | all" "$out" >/dev/null ;;
	err) [ "$st" -ne 0 ] && matches "$pat" "$err" ;;
	yet) [ "$st" -eq "$(yet_status "$cmd")" ] && grep -q 'does not exist in brig yet' "$err" && matches "$pat" "$err" ;;
	sh) [ "$st" -eq 0 ] ;;
	*) echo "unknown kind $kind" && return 1 ;;
	esac
}

# The -p lines publish through pasta (passt).
needs_pasta() {
	command -v pasta >/dev/null || skip "pasta (passt) is not installed: the -p lines need it"
}

matches() { [ "$1" = - ] || grep -Eq -- "$1" "$2"; }

@test "replay: at least 150 Docker command lines in the data" {
	run -0 bash -c "cat '$REPLAY'/*.txt | grep -Ev '^[[:space:]]*(#|$)' | grep -Evc '^sh '"
	echo "Docker lines: $output"
	[ "$output" -ge 150 ] || false
}

@test "replay: every data line has a known kind and a docker command" {
	run bash -c "cat '$REPLAY'/*.txt | grep -Ev '^[[:space:]]*(#|$)' |
		grep -Ev '^(ok|exit=[0-9]+|json|err|yet) \| .* \| (.*([|;]|&&) )?(echo .* \| |cat .* \| )?docker |^sh \| - \| '"
	echo "$output"
	[ -z "$output" ] || false
}

@test "replay: docker container commands (run, create, ps, logs, exec, stop, ...)" {
	needs_pasta
	replay containers.txt
}

@test "replay: docker container commands on a running container (inspect, top, cp, ...)" {
	needs_pasta
	replay running.txt
}

@test "replay: docker image commands (images, tag, rmi, save, load, import, history)" {
	replay images.txt
}

@test "replay: docker volume, network and system commands, events" {
	replay system.txt
}

@test "replay: what brig does not have says it does not exist yet" {
	replay missing.txt
}
