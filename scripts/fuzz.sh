#!/bin/bash
# Usage: scripts/fuzz.sh [BUILD_DIR] [SECONDS]
#
# Builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer in BUILD_DIR (configured like
# scripts/check.sh's fuzz smoke step), then runs each one for SECONDS starting
# from its seed corpus tests/fuzz/corpus/<name>/.  Inputs the fuzzer finds go
# to a scratch directory, never into the repository; the scratch directory is
# removed afterwards unless BRIG_FUZZ_KEEP=1.  Crash, leak and timeout
# reproducers are copied to BUILD_DIR/fuzz-artifacts/<name>/ and the script
# exits non-zero if any harness failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

build=${1:-build-fuzz}
secs=${2:-60}
die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }

[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || die "SECONDS must be a positive integer, got '$secs'"
command -v clang >/dev/null || die "clang is required (apt-get install clang)"
command -v meson >/dev/null && command -v ninja >/dev/null || die "meson and ninja are required"

harnesses=()
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	harnesses+=("${name#fuzz_}")
done
[ ${#harnesses[@]} -gt 0 ] || die "no harnesses in tests/fuzz"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Dtests=false -Db_lundef=false \
		-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link ||
		die "configuring $build failed"
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("tests/fuzz/fuzz_$h"); done
ninja -C "$build" "${targets[@]}" || die "building the harnesses failed"

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/brig-fuzz.XXXXXX")
cleanup() {
	if [ "${BRIG_FUZZ_KEEP:-0}" = 1 ]; then
		echo "fuzz.sh: corpora kept in $scratch"
	else
		rm -rf "$scratch"
	fi
}
trap cleanup EXIT

failed=()
for h in "${harnesses[@]}"; do
	work="$scratch/$h"
	mkdir -p "$work/corpus" "$work/artifacts"
	seeds="$ROOT/tests/fuzz/corpus/$h"
	[ -d "$seeds" ] || seeds=""
	printf '==> fuzz_%s for %ss\n' "$h" "$secs"
	# New inputs land in the first corpus directory (the scratch one);
	# the seed directory is only read.
	"$build/tests/fuzz/fuzz_$h" -max_total_time="$secs" -max_len=4096 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" ${seeds:+"$seeds"} \
		>"$work/log" 2>&1
	rc=$?
	grep -E '^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|stat::new_units_added)' \
		"$work/log" | sed 's/^/    /'
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
		failed+=("$h")
		keep="$build/fuzz-artifacts/$h"
		mkdir -p "$keep"
		cp "$work/artifacts/"* "$work/log" "$keep/" 2>/dev/null
		echo "    FAILED (exit $rc); reproducers and log in $keep:"
		ls "$keep" | sed 's/^/      /'
		grep -E 'ERROR|SUMMARY|escaped|disagree|failed at' "$work/log" | head -10 | sed 's/^/    /'
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz.sh: failures in: ${failed[*]}"
	exit 1
fi
echo "fuzz.sh: ${#harnesses[@]} harnesses ran ${secs}s each, no crash"
