#!/bin/bash
# Builds brig and runs every test: the runner's own tests, unit (cmocka) and
# integration (bats), once in a normal build and once under AddressSanitizer
# + UndefinedBehaviorSanitizer, then each fuzz harness briefly over its seed
# corpus.  Each test program is judged by scripts/tapcheck (exit status, plan,
# every test once; skips counted apart, with their reasons).  Ends with one
# line "N passed, M failed, K skipped" and exits non-zero on any failure.
#
#   scripts/check.sh [--only unit|integration|runner]
#   BRIG_CHECK_JOBS=N: bats files run N at a time (default 4)
#   BRIG_CHECK_TMPFS=0: the tests' scratch files on the disk, not a tmpfs
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

only=""
[ "${1:-}" = "--only" ] && only="${2:-}"
# bats files run side by side: four on this project's 2-core machines.  A
# file keeps about half a core busy (the rest is waiting on containers,
# servers and polls: docker_replay.bats used 38 s of CPU in 65 s); with
# three, a CI run kept only about 1.6 of the 2 cores busy.
JOBS=${BRIG_CHECK_JOBS:-4}

passed=0
failed=0
cpu_total=0
skipped=0
failures=()
skips=()

note() { printf '==> %s  [%d:%02d]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

build() { # dir, extra meson args...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"; return 1; }
		rm -f "$dir.setup.log"
	fi
	ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

# judge LABEL STATUS TAPFILE: add one program's results to the totals; print
# its problems (and the TAP it printed, when it failed).
judge() {
	local label=$1 status=$2 log=$3 secs=${4:-} verdict p f s line cpu=
	if [[ $secs == */* ]]; then
		cpu=${secs#*/}; secs=${secs%/*}; cpu_total=$((cpu_total + cpu))
	fi
	verdict=$("$ROOT/scripts/tapcheck" "$label" "$status" <"$log")
	read -r _ p f s <<<"$(tail -1 <<<"$verdict")"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	while IFS= read -r line; do
		case $line in
		RESULT*) ;;
		*": skipped: "*) skips+=("$line") ;;
		*) failures+=("$line") ;;
		esac
	done <<<"$verdict"
	if [ "$f" -ne 0 ]; then
		grep -vE '^ok [0-9]+' "$log" | tail -150
	fi
	printf '  %-44s %3d passed %3d failed %3d skipped%s\n' "$label" "$p" "$f" "$s" \
		"${secs:+ ${secs}s}${cpu:+ (cpu ${cpu}s)}"
}

# The unit test programs of BUILDDIR, in name order.
unit_tests() { find "$1/tests/unit" -type f -perm -u+x -name 'test_*' | sort; }

# slow_first DIRS...: the .bats files under DIRS, those tests/slow-first.list
# names first (in its order: the longest first, so no long file starts last
# and runs alone at the end), then the others in name order.
slow_first() {
	local all slow f
	all=$(find "$@" -name '*.bats' | sort)
	slow=$(grep -v '^#' tests/slow-first.list 2>/dev/null)
	for f in $slow; do grep -x ".*/$f" <<<"$all"; done
	for f in $all; do grep -qx "$(basename "$f")" <<<"$slow" || echo "$f"; done
}

# The job queue: each job is "KIND BUILDDIR LABEL PATH".  KIND is "units"
# (PATH: every unit test program of BUILDDIR, one after the other: they are
# not run beside each other) or "bats" (PATH: one .bats file; each file has
# its own store, state root, cgroups and names, so files run side by side).
jobs_q=()
declare -A running=()
queue_units() { jobs_q+=("units $1 $2 -"); } # BUILDDIR LABEL
queue_bats() { # BUILDDIR LABEL DIRS...
	local dir=$1 label=$2 f
	shift 2
	while IFS= read -r f; do jobs_q+=("bats $dir $label $f"); done < <(slow_first "$@")
}

# children_cpu: set cpu_secs to the CPU seconds (user + system) this
# shell's waited-for children have used so far.  Not in a $(...): a
# subshell has children of its own.
children_cpu() {
	local u s
	times >"$work/times.$BASHPID" # a builtin, not forked: this shell's own counts
	{ read -r _; read -r u s; } <"$work/times.$BASHPID"
	rm -f "$work/times.$BASHPID"
	cpu_secs=$(awk -v u="$u" -v s="$s" 'function sec(t, m) { split(t, m, /[ms]/); return m[1] * 60 + m[2] }
		BEGIN { printf "%d\n", sec(u) + sec(s) }')
}

# run_job N KIND DIR LABEL PATH: one job's TAP into $work/N.*.tap,
# "STATUS SECONDS[/CPU] NAME" lines into $work/N.rc, then $work/N.done.
run_job() {
	local n=$1 kind=$2 dir=$3 label=$4 path=$5 t0 t k=0 rc cpu_secs
	# The race tests repeat a start BRIG_RACE_RUNS times; under the sanitizers
	# each start costs several times more, and the plain suite has run the
	# full count already.
	[ "$label" = asan ] && export BRIG_RACE_RUNS=${BRIG_RACE_RUNS_ASAN:-50}
	if [ "$kind" = bats ]; then
		t0=$SECONDS
		BRIG_BUILD="$ROOT/$dir" BRIG_SRC="$ROOT" bats --tap "$path" >"$work/$n.0.tap" 2>&1
		rc=$?
		children_cpu
		echo "$rc $((SECONDS - t0))/$cpu_secs $label/$(basename "$path")" >"$work/$n.rc"
	else
		while IFS= read -r t; do
			t0=$SECONDS
			CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 600 "$t" >"$work/$n.$k.tap" 2>&1
			echo "$? $((SECONDS - t0)) $label/$(basename "$t")" >>"$work/$n.rc"
			k=$((k + 1))
		done < <(unit_tests "$dir")
	fi
	: >"$work/$n.done"
}

# judge_done: judge every started job that has finished and is not judged.
judge_done() {
	local n k rc secs name
	for n in "${!running[@]}"; do
		[ -e "$work/$n.done" ] || continue
		unset "running[$n]"
		k=0
		while read -r rc secs name; do
			judge "$name" "$rc" "$work/$n.$k.tap" "$secs"
			k=$((k + 1))
		done <"$work/$n.rc"
	done
}

# run_queue: the queued jobs, $JOBS at a time, in queue order, so the next
# suite's first files start while the last suite's last files still run.  A
# job of a label whose gate (gate_LABEL, when defined) fails is not run but
# counted as that failure.  Each job is judged as soon as it ends.
run_queue() {
	local i p live kind dir label path
	local -a pids=()
	local -A gated=()
	running=()
	work=$(mktemp -d)
	for ((i = 0; i < ${#jobs_q[@]}; i++)); do
		read -r kind dir label path <<<"${jobs_q[$i]}"
		if [ -z "${gated[$label]+x}" ]; then
			gated[$label]=0
			if declare -F "gate_$label" >/dev/null && ! "gate_$label"; then gated[$label]=1; fi
		fi
		[ "${gated[$label]}" = 0 ] || continue
		while :; do # a free slot
			judge_done
			live=0
			for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live=$((live + 1)); done
			[ "$live" -lt "$JOBS" ] && break
			wait -n
		done
		run_job "$i" "$kind" "$dir" "$label" "$path" &
		pids+=($!)
		running[$i]=1
	done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done # (wait -n reaped some)
	judge_done
	for i in "${!running[@]}"; do # a job that died before it said it was done
		read -r kind dir label path <<<"${jobs_q[$i]}"
		judge "$label/$(basename "$path")" 1 /dev/null
	done
	running=()
	rm -rf "$work"
	jobs_q=()
}

# The C sources as .clang-format says (`make format` rewrites them).
check_format() {
	local files bad
	if ! command -v clang-format >/dev/null; then
		failures+=("format: clang-format missing"); failed=$((failed + 1)); return
	fi
	mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find src tests -name '*.[ch]')
	bad=$(clang-format --dry-run --Werror "${files[@]}" 2>&1 | grep -oE '^[^: ]+\.[ch]:' |
		tr -d : | sort -u)
	if [ -n "$bad" ]; then
		failed=$((failed + 1))
		failures+=("format: not formatted as .clang-format says (make format): $(echo $bad)")
		printf '  %-44s FAILED\n' "format"
	else
		passed=$((passed + 1))
		printf '  %-44s ok (%d files)\n' "format" "${#files[@]}"
	fi
}

# Only the harnesses and what they link: the engine, the commands and the
# binaries are the other builds' (about half the compiling, beside tests).
build_fuzz() {
	command -v clang >/dev/null || return 2
	local targets
	if [ ! -f build-fuzz/build.ninja ]; then
		CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false \
			-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link || return 1
	fi
	mapfile -t targets < <(ninja -C build-fuzz -t targets all |
		sed -n 's|^\(tests/fuzz/fuzz_[A-Za-z0-9_]*\): .*|\1|p')
	[ ${#targets[@]} -gt 0 ] || { echo "build-fuzz: no fuzz_* targets"; return 1; }
	ninja -C build-fuzz "${targets[@]}"
}

# run_fuzz_smoke STATUS: each harness briefly over its corpus, once
# build_fuzz (whose exit status is STATUS) has built them.
run_fuzz_smoke() {
	case $1 in
	0) ;;
	2) failures+=("fuzz: clang missing, harnesses not built"); failed=$((failed + 1)); return ;;
	*) failed=$((failed + 1)); failures+=("fuzz: build failed"); return ;;
	esac
	local h name work
	for h in build-fuzz/tests/fuzz/fuzz_*; do
		[ -f "$h" ] && [ -x "$h" ] || continue
		name=$(basename "$h"); name=${name#fuzz_}
		work=$(mktemp -d)
		cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null
		if "$h" -runs=3000 -max_len=4096 -timeout=10 -artifact_prefix="$work/" "$work" \
			>"$work.log" 2>&1; then
			passed=$((passed + 1))
			printf '  %-44s ok\n' "fuzz/$name"
		else
			failed=$((failed + 1)); failures+=("fuzz/$name: the harness failed")
			tail -30 "$work.log"
		fi
		rm -rf "$work" "$work.log"
	done
}

# The host-wide user-namespace registry (engine config userns-registry):
# brig as root keeps it at /var/lib/brig/userns for every store, the tests'
# stores included.  Made by this run, it goes at the end of this run.
registry=/var/lib/brig/userns
cleanups=()
if [ ! -e "$registry" ] && [ "$(id -u)" -eq 0 ]; then
	cleanups+=('rm -rf "$registry"')
	[ -e /var/lib/brig ] || cleanups+=('rmdir /var/lib/brig 2>/dev/null')
fi

# The tests' stores, bundles and scratch files live on a tmpfs of this
# run's own (bats puts them under $TMPDIR): on this project's machines a
# store on the root filesystem paid for the journal, writeback and online
# discard of every file each test wrote and removed, about 13% of a brig
# file's CPU (brig_containers.bats: 17.4 s, 15.2 s on a tmpfs), most of it
# for nothing a test checks.  What brig does with the filesystem (overlay,
# whiteouts, xattrs, idmapped mounts, O_TMPFILE, renameat2) the kernel's
# tmpfs does too.  BRIG_CHECK_TMPFS=0 keeps them on the disk.
# scratch_holders DIR: what keeps DIR's tmpfs busy after the tests: the
# mounts beneath it and the processes whose root, cwd, executable or open
# files are in it (a test that left them behind).
scratch_holders() {
	local dir=$1 p l
	echo "check: $dir is still in use after the tests:"
	awk -v d="$dir/" 'index($5, d) == 1 { print "  mount: " $5 }' /proc/self/mountinfo
	for p in /proc/[0-9]*; do
		for l in "$p"/root "$p"/cwd "$p"/exe "$p"/fd/*; do
			case $(readlink "$l" 2>/dev/null) in
			"$dir" | "$dir"/*)
				echo "  pid ${p#/proc/} ($(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | tr -c '[:print:]' '?' | cut -c1-120)): ${l#"$p"/} -> $(readlink "$l")"
				break ;;
			esac
		done
	done
}
scratch=""
if [ "${BRIG_CHECK_TMPFS:-1}" = 1 ] && [ "$(id -u)" -eq 0 ] &&
	{ [ -z "$only" ] || [ "$only" = integration ]; }; then
	# A short name: podman refuses a --runroot of more than 50 characters,
	# and the peer tests give it one beneath their test directory.
	scratch=$(mktemp -d /tmp/bc.XXXXXX)
	if mount -t tmpfs -o size=8g,mode=1777 brig-check "$scratch"; then
		# The runtime tests' bundles hard-link a cached busybox tree
		# (scripts/mkbundle.sh): the cache must be on the same filesystem.
		export TMPDIR=$scratch BRIG_TEST_CACHE=$scratch/cache
		# A mount a test left behind would hold the tmpfs: say so, then let
		# it go once nothing uses it.
		cleanups+=('umount "$scratch" 2>/dev/null || { scratch_holders "$scratch"; umount -l "$scratch"; }; rmdir "$scratch"')
	else
		rmdir "$scratch"; scratch=""
	fi
fi
# (A second signal must not stop the cleanups half-way: a stopped run
# left its emptied scratch directory behind.)
run_cleanups() {
	local c
	trap '' INT TERM HUP
	for c in "${cleanups[@]}"; do eval "$c"; done
}
trap run_cleanups EXIT

# No test may reach beyond the host.  brig run/create pull a missing image,
# so every test gets the registries.conf that refuses docker.io (a test may
# name its own), and anything else that would leave the host goes to a
# proxy on a closed loopback port instead: refused at once, and no name is
# looked up.  Loopback registries are reached directly (no_proxy).
export BRIG_REGISTRIES_CONF=${BRIG_REGISTRIES_CONF:-$ROOT/tests/lib/registries-offline.conf}
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
export HTTP_PROXY=$http_proxy HTTPS_PROXY=$https_proxy
export no_proxy=127.0.0.1,localhost,::1 NO_PROXY=127.0.0.1,localhost,::1

# The tests' python3 is Debian's, which setup.sh installs python3-cryptography
# for.  Another one first on PATH (a pyenv shim: a bash script that runs
# pyenv, then the interpreter) cost ten times the CPU per start, and the
# suite starts python3 hundreds of times.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	pybin=$(mktemp -d)
	ln -s /usr/bin/python3 "$pybin/python3"
	export PATH=$pybin:$PATH
	cleanups+=('rm -rf "$pybin"')
fi

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1

if [ -z "$only" ] || [ "$only" = runner ]; then
	note "the test runner's own tests"; queue_bats build runner tests/runner; run_queue
	note "source format"; check_format
fi
if [ "$only" != runner ]; then
	note "build"
	build build || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi
# The sanitizer and fuzzing builds compile while the plain build's tests run
# (those mostly wait on containers); their output is shown if they fail.
if [ -z "$only" ]; then
	bg_log=$(mktemp)
	( # niced: the tests beside it come first
		renice -n 10 "$BASHPID" >/dev/null
		# Not position-independent: ASan describes each of brig's ~50000
		# globals with pointers, and a PIE binary relocates them all (250000
		# relocations, a fifth of each process's start) before main.
		# GCC, not clang: clang 14's LeakSanitizer crashed once in its exit
		# scan of a thread's dynamic TLS ("Tracer caught signal 11" in
		# ScanRangeForPointers, a brig pull with libcurl's threads), which
		# GCC 12's has never done here.
		# UndefinedBehaviorSanitizer in trap mode: a failed check stops
		# the process with SIGILL (status 132), and no libubsan is
		# linked.  With the library, LeakSanitizer scanned its 6 MB of
		# .bss and the checks' 7.7 MB of descriptors at every exit:
		# 90 ms of CPU for `brig --help`, 52 ms without, and the suite
		# starts thousands of processes.  For the message of a
		# failed check, build with -Db_sanitize=address,undefined.
		# Each build's wall and CPU seconds go to $bg_log.NAME.time.
		TIMEFORMAT='%0R %0U %0S'
		{ time build build-asan -Db_sanitize=address -Db_lundef=false -Dbuildtype=debug \
			"-Dc_args=-fno-pie -fsanitize=undefined -fsanitize-undefined-trap-on-error" \
			-Dc_link_args=-no-pie >"$bg_log.asan" 2>&1; } 2>"$bg_log.asan.time"
		echo $? >"$bg_log.asan.rc"
		{ time build_fuzz >"$bg_log.fuzz" 2>&1; } 2>"$bg_log.fuzz.time"
		echo $? >"$bg_log.fuzz.rc"
	) &
	bg_pid=$!
fi
# build_times: the background builds' wall and CPU time, as the bats files'
# lines give theirs (a build is most of make check's CPU beside the tests).
build_times() {
	local name r u sy
	for name in asan fuzz; do
		read -r r u sy 2>/dev/null <"$bg_log.$name.time" || continue
		printf '  %-44s %ss (cpu %ss)\n' "build-$name" "$r" "$((u + sy))"
	done
}

# The sanitizer suite's gate: its build, waited for when its first job is
# due (the plain suite's last files run meanwhile).
gate_asan() {
	while [ ! -e "$bg_log.asan.rc" ] && kill -0 "$bg_pid" 2>/dev/null; do sleep 1; done
	[ "$(cat "$bg_log.asan.rc" 2>/dev/null)" = 0 ] && return 0
	tail -50 "$bg_log.asan"
	failed=$((failed + 1)); failures+=("asan: build failed")
	return 1
}
case $only in
"") note "unit and integration tests, then the same under sanitizers (address,undefined)"
	queue_units build plain; queue_bats build plain tests/integration tests/hostile tests/rootless
	queue_units build-asan asan; queue_bats build-asan asan tests/integration tests/hostile tests/rootless ;;
unit) note "unit tests"; queue_units build plain ;;
integration) note "integration tests"; queue_bats build plain tests/integration tests/hostile tests/rootless ;;
esac
run_queue
if [ -z "$only" ]; then
	note "fuzz harnesses over their seed corpora"
	wait "$bg_pid"
	fuzz_rc=$(cat "$bg_log.fuzz.rc" 2>/dev/null || echo 1)
	[ "$fuzz_rc" = 0 ] || [ "$fuzz_rc" = 2 ] || tail -50 "$bg_log.fuzz"
	run_fuzz_smoke "$fuzz_rc"
	build_times
	rm -f "$bg_log" "$bg_log".*
fi

if [ ${#skips[@]} -gt 0 ]; then
	note "skipped (the host lacks what they need)"
	printf '  %s\n' "${skips[@]}"
fi
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "make check took $((SECONDS / 60)) min $((SECONDS % 60)) s" \
	"(the bats files used $cpu_total s of CPU)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
