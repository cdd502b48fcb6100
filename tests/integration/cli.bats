#!/usr/bin/env bats
# The command lines themselves: version, help, usage errors.

setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	RT=${BRIG_BUILD:?}/src/cli/runtime/brig-runtime
}

@test "brig --version names the version" {
	run "$BRIG" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^brig\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "brig with an unknown command exits 1 with one line" {
	run "$BRIG" frobnicate
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"frobnicate"* ]]
}

@test "brig-runtime --version prints runc-style lines" {
	run "$RT" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^brig-runtime\ version\ [0-9.]+$ ]]
	[[ "${lines[1]}" =~ ^spec:\ 1\.[0-9]+\.[0-9]+$ ]]
}

@test "brig-runtime --help lists runc's verbs" {
	run "$RT" --help
	[ "$status" -eq 0 ]
	for verb in create start run state list kill delete exec ps pause resume update spec features; do
		grep -qE "^  $verb " <<<"$output"
	done
}

@test "brig-runtime: unknown command and unknown option are one-line errors, exit 1" {
	run "$RT" frobnicate
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	run "$RT" --no-such-flag list
	[ "$status" -eq 1 ]
	[[ "$output" == *"--no-such-flag"* ]]
}

@test "brig-runtime accepts -flag and --flag=value like runc" {
	run "$RT" -root "$BATS_TEST_TMPDIR/r" list --format=json
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
	run "$RT" --root="$BATS_TEST_TMPDIR/r" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "brig-runtime state of an unknown container fails naming it" {
	run "$RT" --root "$BATS_TEST_TMPDIR/r" state nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *'"nosuch" does not exist'* ]]
}

@test "brig-runtime rejects container ids that could escape the state root" {
	for id in ../x a/b .hidden ""; do
		run "$RT" --root "$BATS_TEST_TMPDIR/r" state "$id"
		[ "$status" -eq 1 ]
		[[ "$output" == *"invalid container id"* ]]
	done
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "an unknown option suggests the closest one, and only a close one" {
	run "$BRIG" run --rn img true
	[ "$status" -eq 125 ] || false
	[ "$output" = "brig run: unknown option --rn (did you mean --rm?)" ] || false
	run "$BRIG" ps --al
	[ "$output" = "brig ps: unknown option --al (did you mean --all?)" ] || false
	run "$BRIG" run --memroy=1g img true
	[ "$output" = "brig run: unknown option --memroy (did you mean --memory?)" ] || false
	run "$BRIG" run --zzzz img true
	[ "$output" = "brig run: unknown option --zzzz" ] || false
}
