#!/usr/bin/env bats
# The test runner's judge (scripts/tapcheck) against fake TAP producers: each
# fault the runner once let through must now count as a failure, and skips
# must count as skips.

bats_require_minimum_version 1.5.0

TAPCHECK=${BRIG_SRC:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}/scripts/tapcheck

# judge STATUS TAP: run tapcheck on TAP (printf-style escapes) with STATUS.
judge() {
	run bash -c 'printf "$2" | "$0" fake "$1"' "$TAPCHECK" "$1" "$2"
	[ "$status" -eq 0 ] || false
	result=${lines[${#lines[@]} - 1]}
}

@test "a clean run: every planned test once, exit 0" {
	judge 0 '1..3\nok 1 a\nok 2 b\nok 3 c\n'
	[ "$result" = "RESULT 3 0 0" ] || false
}

@test "bats aborted after 5 of 7 tests: the missing two are a failure" {
	judge 1 '1..7\nok 1 a\nok 2 b\nok 3 c\nok 4 d\nok 5 e\n# bats warning: Executed 5 instead of expected 7 tests\n'
	[ "$result" = "RESULT 5 1 0" ] || false
	[[ $output == *"plan says 7 tests, 5 reported"* ]] || false
}

@test "truncated output with exit 0 is a failure" {
	judge 0 '1..4\nok 1 a\nok 2 b\n'
	[ "$result" = "RESULT 2 1 0" ] || false
}

@test "a test reported twice is a failure, not two passes" {
	judge 0 '1..2\nok 1 a\nok 1 a\nok 2 b\n'
	[ "$result" = "RESULT 2 1 0" ] || false
	[[ $output == *"reported twice"* ]] || false
}

@test "no TAP at all is a failure" {
	judge 0 'hello\n'
	[ "$result" = "RESULT 0 1 0" ] || false
	[[ $output == *"no TAP plan"* ]] || false
}

@test "a forked child that runs on gives more results than the plan: a failure" {
	judge 0 '1..2\nok 1 a\nok 2 b\nok 3 c\n'
	[ "$result" = "RESULT 3 1 0" ] || false
}

@test "a crash after every test reported is a failure" {
	judge 139 '1..2\nok 1 a\nok 2 b\n'
	[ "$result" = "RESULT 2 1 0" ] || false
	[[ $output == *"killed by signal 11"* ]] || false
}

@test "a non-zero exit with every test passing is a failure" {
	judge 1 '1..1\nok 1 a\n'
	[ "$result" = "RESULT 1 1 0" ] || false
}

@test "a failing test is one failure (its exit status adds none)" {
	judge 1 '1..2\nok 1 a\nnot ok 2 b\n'
	[ "$result" = "RESULT 1 1 0" ] || false
	[[ $output == *"FAILED: not ok 2 b"* ]] || false
}

@test "cmocka's not-ok line with a SKIP directive is a skip with its reason" {
	judge 0 '1..2\nok 1 - a\nnot ok 2 # SKIP test_blkio_weight\n'
	[ "$result" = "RESULT 1 0 1" ] || false
	[[ $output == *"skipped: not ok 2 # SKIP test_blkio_weight"* ]] || false
}

@test "bats' ok line with a skip directive is a skip" {
	judge 0 '1..2\nok 1 a\nok 2 b # skip (no netns here)\n'
	[ "$result" = "RESULT 1 0 1" ] || false
}

@test "Bail out! is a failure" {
	judge 1 '1..2\nok 1 a\nBail out! setup died\n'
	[[ $result == "RESULT 1 "[1-9]*" 0" ]] || false
}

@test "two plans are a failure" {
	judge 0 '1..1\nok 1 a\n1..1\n'
	[ "$result" = "RESULT 1 1 0" ] || false
}
