#!/bin/bash
# Builds brig and runs every test: the runner's own tests, unit (cmocka) and
# integration (bats), once in a normal build and once under AddressSanitizer
# + UndefinedBehaviorSanitizer, then each fuzz harness briefly over its seed
# corpus.  Each test program is judged by scripts/tapcheck (exit status, plan,
# every test once; skips counted apart, with their reasons).  Ends with one
# line "N passed, M failed, K skipped" and exits non-zero on any failure.
#
#   scripts/check.sh [--only unit|integration|runner]
#   BRIG_CHECK_JOBS=N: bats files run N at a time (default 2)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

only=""
[ "${1:-}" = "--only" ] && only="${2:-}"
# bats files run side by side: two on this project's 2-core machines.
JOBS=${BRIG_CHECK_JOBS:-2}

passed=0
failed=0
skipped=0
failures=()
skips=()

note() { printf '==> %s\n' "$*"; }

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
	local label=$1 status=$2 log=$3 secs=${4:-} verdict p f s line
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
		"${secs:+ ${secs}s}"
}

run_unit() { # builddir label
	local dir=$1 label=$2 t log rc
	log=$(mktemp)
	while IFS= read -r t; do
		local t0=$SECONDS
		CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 600 "$t" >"$log" 2>&1
		rc=$?
		judge "$label/$(basename "$t")" "$rc" "$log" $((SECONDS - t0))
	done < <(find "$dir/tests/unit" -type f -perm -u+x -name 'test_*' | sort)
	rm -f "$log"
}

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

# run_bats BUILDDIR LABEL DIRS...: every .bats file under DIRS, $JOBS at a
# time (each file has its own store, state root, cgroups and names, so files
# do not share state); results are judged in name order once all have run.
run_bats() {
	local dir=$1 label=$2 f i=0 n work p live; shift 2
	local -a files pids=()
	mapfile -t files < <(slow_first "$@")
	work=$(mktemp -d)
	for f in "${files[@]}"; do
		while :; do # a free slot among this suite's own jobs
			live=0
			for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live=$((live + 1)); done
			[ "$live" -lt "$JOBS" ] && break
			wait -n
		done
		(
			t0=$SECONDS
			BRIG_BUILD="$ROOT/$dir" BRIG_SRC="$ROOT" bats --tap "$f" >"$work/$i.tap" 2>&1
			echo "$? $((SECONDS - t0))" >"$work/$i.rc"
		) &
		pids+=($!)
		i=$((i + 1))
	done
	wait "${pids[@]}"
	for n in $(for ((n = 0; n < i; n++)); do echo "$(basename "${files[$n]}") $n"; done |
		sort | cut -d' ' -f2); do # judged in name order
		read -r rc secs <"$work/$n.rc" || { rc=1; secs=; }
		judge "$label/$(basename "${files[$n]}")" "$rc" "$work/$n.tap" "$secs"
	done
	rm -rf "$work"
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

build_fuzz() {
	command -v clang >/dev/null || return 2
	CC=clang build build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false \
		-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link
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
if [ ! -e "$registry" ] && [ "$(id -u)" -eq 0 ]; then
	if [ -e /var/lib/brig ]; then
		trap 'rm -rf "$registry"' EXIT
	else
		trap 'rm -rf "$registry"; rmdir /var/lib/brig 2>/dev/null' EXIT
	fi
fi

# No test may reach beyond the host.  brig run/create pull a missing image,
# so every test gets the registries.conf that refuses docker.io (a test may
# name its own), and anything else that would leave the host goes to a
# proxy on a closed loopback port instead: refused at once, and no name is
# looked up.  Loopback registries are reached directly (no_proxy).
export BRIG_REGISTRIES_CONF=${BRIG_REGISTRIES_CONF:-$ROOT/tests/lib/registries-offline.conf}
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
export HTTP_PROXY=$http_proxy HTTPS_PROXY=$https_proxy
export no_proxy=127.0.0.1,localhost,::1 NO_PROXY=127.0.0.1,localhost,::1

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1

if [ -z "$only" ] || [ "$only" = runner ]; then
	note "the test runner's own tests"; run_bats build runner tests/runner
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
		build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
			-Dbuildtype=debug >"$bg_log.asan" 2>&1
		echo $? >"$bg_log.asan.rc"
		build_fuzz >"$bg_log.fuzz" 2>&1
		echo $? >"$bg_log.fuzz.rc"
	) &
	bg_pid=$!
fi
if [ -z "$only" ] || [ "$only" = unit ]; then
	note "unit tests"; run_unit build plain
fi
if [ -z "$only" ] || [ "$only" = integration ]; then
	note "integration tests"; run_bats build plain tests/integration tests/hostile
fi
if [ -z "$only" ]; then
	note "sanitizer build (address,undefined)"
	while [ ! -e "$bg_log.asan.rc" ] && kill -0 "$bg_pid" 2>/dev/null; do sleep 1; done
	if [ "$(cat "$bg_log.asan.rc" 2>/dev/null)" = 0 ]; then
		note "unit tests under sanitizers"; run_unit build-asan asan
		note "integration tests under sanitizers"; run_bats build-asan asan tests/integration tests/hostile
	else
		tail -50 "$bg_log.asan"
		failed=$((failed + 1)); failures+=("asan: build failed")
	fi
	note "fuzz harnesses over their seed corpora"
	wait "$bg_pid"
	fuzz_rc=$(cat "$bg_log.fuzz.rc" 2>/dev/null || echo 1)
	[ "$fuzz_rc" = 0 ] || [ "$fuzz_rc" = 2 ] || tail -50 "$bg_log.fuzz"
	run_fuzz_smoke "$fuzz_rc"
	rm -f "$bg_log" "$bg_log".*
fi

if [ ${#skips[@]} -gt 0 ]; then
	note "skipped (the host lacks what they need)"
	printf '  %s\n' "${skips[@]}"
fi
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "make check took $((SECONDS / 60)) min $((SECONDS % 60)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
