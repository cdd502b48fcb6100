#!/bin/bash
# Builds brig and runs every test: the runner's own tests, unit (cmocka) and
# integration (bats), once in a normal build and once under AddressSanitizer
# + UndefinedBehaviorSanitizer, then each fuzz harness briefly over its seed
# corpus.  Each test program is judged by scripts/tapcheck (exit status, plan,
# every test once; skips counted apart, with their reasons).  Ends with one
# line "N passed, M failed, K skipped" and exits non-zero on any failure.
#
#   scripts/check.sh [--only unit|integration|runner]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

only=""
[ "${1:-}" = "--only" ] && only="${2:-}"

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

run_bats() { # builddir label dirs...
	local dir=$1 label=$2 f log rc; shift 2
	log=$(mktemp)
	while IFS= read -r f; do
		local t0=$SECONDS
		BRIG_BUILD="$ROOT/$dir" BRIG_SRC="$ROOT" bats --tap "$f" >"$log" 2>&1
		rc=$?
		judge "$label/$(basename "$f")" "$rc" "$log" $((SECONDS - t0))
	done < <(find "$@" -name '*.bats' | sort)
	rm -f "$log"
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

run_fuzz_smoke() {
	if ! command -v clang >/dev/null; then
		failures+=("fuzz: clang missing, harnesses not built"); failed=$((failed + 1)); return
	fi
	CC=clang build build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false \
		-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link || {
		failed=$((failed + 1)); failures+=("fuzz: build failed"); return; }
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
if [ -z "$only" ] || [ "$only" = unit ]; then
	note "unit tests"; run_unit build plain
fi
if [ -z "$only" ] || [ "$only" = integration ]; then
	note "integration tests"; run_bats build plain tests/integration tests/hostile
fi
if [ -z "$only" ]; then
	note "sanitizer build (address,undefined)"
	if build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; then
		note "unit tests under sanitizers"; run_unit build-asan asan
		note "integration tests under sanitizers"; run_bats build-asan asan tests/integration tests/hostile
	else
		failed=$((failed + 1)); failures+=("asan: build failed")
	fi
	note "fuzz harnesses over their seed corpora"
	run_fuzz_smoke
fi

if [ ${#skips[@]} -gt 0 ]; then
	note "skipped (the host lacks what they need)"
	printf '  %s\n' "${skips[@]}"
fi
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "make check took $((SECONDS / 60)) min $((SECONDS % 60)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
