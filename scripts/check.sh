#!/bin/bash
# Builds brig and runs every test: unit (cmocka) and integration (bats), once
# in a normal build and once under AddressSanitizer + UndefinedBehaviorSanitizer,
# then each fuzz harness briefly over its seed corpus.  Ends with one line
# "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

only=""
[ "${1:-}" = "--only" ] && only="${2:-}"

passed=0
failed=0
skipped=0
failures=()

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

run_unit() { # builddir label
	local dir=$1 label=$2 t out p f
	while IFS= read -r t; do
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
		local rc=$?
		p=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+')
		f=$(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+')
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p)); failed=$((failed + f))
		if [ "$f" -ne 0 ]; then
			failures+=("$label unit $(basename "$t")")
			printf '%s\n' "$out" | grep -vE '^ok [0-9]+' | tail -40
		fi
		printf '  %-40s %3d passed %3d failed\n' "$label/$(basename "$t")" "$p" "$f"
	done < <(find "$dir/tests/unit" -type f -perm -u+x -name 'test_*' | sort)
}

run_bats() { # builddir label dirs...
	local dir=$1 label=$2; shift 2
	local files=()
	for d in "$@"; do
		while IFS= read -r f; do files+=("$f"); done < <(find "$d" -name '*.bats' | sort)
	done
	[ ${#files[@]} -eq 0 ] && return 0
	local log
	log=$(mktemp)
	BRIG_BUILD="$ROOT/$dir" BRIG_SRC="$ROOT" bats --tap "${files[@]}" >"$log" 2>&1
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+ .*# skip' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s))
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	if [ "$f" -ne 0 ] || ! grep -qE '^1\.\.[0-9]+' "$log"; then
		[ "$f" -eq 0 ] && { failed=$((failed + 1)); }
		failures+=("$label bats")
		grep -vE '^ok ' "$log" | head -150
	fi
	printf '  %-40s %3d passed %3d failed %3d skipped\n' "$label/bats" "$p" "$f" "$s"
	rm -f "$log"
}

run_fuzz_smoke() {
	if ! command -v clang >/dev/null; then
		note "clang missing: fuzz harnesses not built"; failed=$((failed + 1)); return
	fi
	CC=clang build build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false \
		-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link || {
		failed=$((failed + 1)); failures+=("fuzz build"); return; }
	local h name work
	for h in build-fuzz/tests/fuzz/fuzz_*; do
		[ -f "$h" ] && [ -x "$h" ] || continue
		name=$(basename "$h"); name=${name#fuzz_}
		work=$(mktemp -d)
		cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null
		if "$h" -runs=3000 -max_len=4096 -timeout=10 -artifact_prefix="$work/" "$work" \
			>"$work.log" 2>&1; then
			passed=$((passed + 1))
			printf '  %-40s ok\n' "fuzz/$name"
		else
			failed=$((failed + 1)); failures+=("fuzz $name")
			tail -30 "$work.log"
		fi
		rm -rf "$work" "$work.log"
	done
}

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1

note "build"
build build || { echo "0 passed, 1 failed"; exit 1; }
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
		failed=$((failed + 1)); failures+=("asan build")
	fi
	note "fuzz harnesses over their seed corpora"
	run_fuzz_smoke
fi

for f in "${failures[@]}"; do echo "FAILED: $f"; done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
