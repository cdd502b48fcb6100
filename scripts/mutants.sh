#!/bin/bash
# make mutants: prove that each protection brig claims has a test that fails
# without it.  For each mutant, brig is built with that one protection
# switched off (meson option -Dmutant=NAME, which defines BRIG_MUTANT_NAME in
# build/brig-mutant.h, a header included only where the protection is
# applied), the hostile and integration suites run against that build, and
# the tests that failed are listed.  A test counts as killing a mutant only
# if it passed on the same build without a mutant (the baseline run first), so
# a test that fails anyway on this host kills nothing.  Exits non-zero if a
# mutant survives (no test failed).  Not part of `make check`.
#
#   scripts/mutants.sh [MUTANT...]        default: every mutant
#
# MUTANT_BUILD (default build-mutant): the build directory, reconfigured for
#   each mutant; only the files that include brig-mutant.h are rebuilt.
# MUTANT_TESTS: the .bats files to run (default: tests/hostile and
#   tests/integration); on a slow host name a subset, e.g.
#   MUTANT_TESTS="tests/hostile/*.bats tests/integration/brig_containers.bats"
# MUTANT_QUICK=1: run for each mutant only the files listed for it below (the
#   ones meant to kill it) instead of MUTANT_TESTS; the baseline runs them all.
# MUTANT_REUSE_BASELINE=1: take the failures of an earlier baseline run
#   ($MUTANT_LOGS/none.failed) instead of running it again.
# MUTANT_LOGS (default $MUTANT_BUILD/logs): each run's TAP output.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${MUTANT_BUILD:-build-mutant}
LOGS=${MUTANT_LOGS:-$B/logs}

ALL=(no_seccomp no_nnp no_nosuid no_capdrop no_userns no_readonly_root no_masked_paths
	no_pids_limit no_fd_sweep no_sealed_binary no_mount_target_resolve no_layer_checks)
if [ $# -gt 0 ]; then MUTANTS=("$@"); else MUTANTS=("${ALL[@]}"); fi
# shellcheck disable=SC2206 # the list is word-split and globbed on purpose
TESTS=(${MUTANT_TESTS:-tests/hostile/*.bats tests/integration/*.bats})

# quick_tests NAME: the files meant to kill mutant NAME (MUTANT_QUICK=1).
quick_tests() {
	local h=tests/hostile i=tests/integration
	case $1 in
	no_seccomp | no_capdrop) echo "$h/escape.bats" ;;
	no_nnp | no_nosuid | no_readonly_root) echo "$h/escape.bats $i/brig_containers.bats" ;;
	no_pids_limit) echo "$h/escape.bats $i/brig_containers.bats $i/brig_documented.bats" ;;
	no_userns) echo "$i/brig_userns.bats" ;;
	no_masked_paths | no_fd_sweep | no_sealed_binary | no_mount_target_resolve)
		echo "$h/runtime_selfprotect.bats $h/escape_runtime.bats" ;;
	no_layer_checks) echo "$h/load_hostile.bats $i/brig_load.bats" ;;
	none) local m; for m in "${ALL[@]}"; do quick_tests "$m"; done | tr ' ' '\n' | sort -u ;;
	esac
}

note() { printf '==> %s\n' "$*" >&2; }

# build NAME: configure and build $B with mutant NAME ("none" for baseline).
build() {
	if [ ! -f "$B/build.ninja" ]; then
		meson setup "$B" -Dtests=false -Dmutant="$1" >"$LOGS.setup" 2>&1 ||
			{ cat "$LOGS.setup" >&2; return 1; }
	else
		meson configure "$B" -Dmutant="$1" >/dev/null || return 1
	fi
	ninja -C "$B" -j "${MUTANT_JOBS:-2}" >"$LOGS/$1.build" 2>&1 ||
		{ tail -30 "$LOGS/$1.build" >&2; return 1; }
	# ninja regenerated the header; it must name this mutant (and no other).
	grep -q "BRIG_MUTANT_${1^^}" "$B/brig-mutant.h" || [ "$1" = none ] ||
		{ echo "mutants: $B/brig-mutant.h does not define BRIG_MUTANT_${1^^}" >&2; return 1; }
	[ "$1" != none ] || ! grep -q BRIG_MUTANT_ "$B/brig-mutant.h" ||
		{ echo "mutants: $B/brig-mutant.h still defines a mutant" >&2; return 1; }
}

# run_suite NAME: run every test file; print one line "FILE: TEST" per test
# that failed and "FILE: PROBLEM" per fault of the run (plan, crash).
run_suite() {
	local name=$1 f log rc files=("${TESTS[@]}")
	# shellcheck disable=SC2207
	[ "${MUTANT_QUICK:-0}" = 1 ] && files=($(quick_tests "$name"))
	for f in "${files[@]}"; do
		log=$LOGS/$name.$(basename "$f" .bats).tap
		BRIG_BUILD="$ROOT/$B" BRIG_SRC="$ROOT" timeout -k 10 3600 bats --tap "$f" >"$log" 2>&1
		rc=$?
		# tapcheck prints "FILE: FAILED: not ok N name" per failed test and
		# one line per other fault (plan, crash); drop the test number.
		# (grep finds nothing when all passed: not a failure of the pipeline,
		# which under pipefail would leave none.failed unwritten.)
		"$ROOT/scripts/tapcheck" "$(basename "$f")" "$rc" <"$log" |
			{ grep -vE '^RESULT |: skipped: ' || true; } | sed -E 's/FAILED: not ok [0-9]+ //'
	done
}

mkdir -p "$B" "$LOGS" || exit 1
if [ "${MUTANT_REUSE_BASELINE:-0}" = 1 ] && [ -f "$LOGS/none.failed" ]; then
	note "baseline: reusing $LOGS/none.failed (MUTANT_REUSE_BASELINE=1)"
else
	note "baseline: $B without a mutant"
	build none || { echo "mutants: the baseline build failed" >&2; exit 1; }
	run_suite none | sort -u >"$LOGS/none.failed.tmp" && mv "$LOGS/none.failed.tmp" "$LOGS/none.failed"
fi
[ -f "$LOGS/none.failed" ] || { echo "mutants: no $LOGS/none.failed from the baseline run" >&2; exit 1; }
if [ -s "$LOGS/none.failed" ]; then
	note "failing without a mutant (they kill nothing):"
	sed 's/^/    /' "$LOGS/none.failed" >&2
fi

survivors=0
table=()
for m in "${MUTANTS[@]}"; do
	note "mutant $m"
	if ! build "$m"; then
		table+=("$(printf '%-26s BUILD FAILED' "$m")")
		survivors=$((survivors + 1))
		continue
	fi
	run_suite "$m" | sort -u | comm -23 - "$LOGS/none.failed" >"$LOGS/$m.killed"
	n=$(wc -l <"$LOGS/$m.killed")
	if [ "$n" -eq 0 ]; then
		survivors=$((survivors + 1))
		table+=("$(printf '%-26s SURVIVED' "$m")")
	else
		table+=("$(printf '%-26s killed by %d' "$m" "$n")")
	fi
	sed 's/^/    /' "$LOGS/$m.killed" >&2
done
build none >/dev/null 2>&1 || true # leave $B without a mutant

if [ "${MUTANT_QUICK:-0}" = 1 ]; then
	echo "mutant                     result (quick: each mutant's own files, see quick_tests)"
else
	echo "mutant                     result (tests: ${TESTS[*]})"
fi
printf '%s\n' "${table[@]}"
for m in "${MUTANTS[@]}"; do
	[ -s "$LOGS/$m.killed" ] || continue
	echo "--- $m:"
	sed 's/^/    /' "$LOGS/$m.killed"
done
[ "$survivors" -eq 0 ]
