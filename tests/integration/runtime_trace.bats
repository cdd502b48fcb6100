#!/usr/bin/env bats
# BRIG_TRACE_FD: the clock readings bench/start-profile.sh reads (one line
# "PHASE SECONDS PID" per phase end), and nothing of them reaches the
# container.

load ../lib/helpers

setup() {
	runtime_setup
	runtime_is_brig || skip "brig-runtime's own trace"
	new_bundle
}
teardown() { runtime_teardown; }

@test "BRIG_TRACE_FD: every phase of a run is read and the fd stays outside" {
	local trace=$BATS_TEST_TMPDIR/trace
	set_args sh -c 'ls /proc/self/fd | tr "\n" " "; echo; env'
	new_cid
	run --separate-stderr env BRIG_TRACE_FD=9 timeout -k 10 120 "$RUNTIME" --root "$STATE_ROOT" \
		run --bundle "$BUNDLE" "$CID" 9>"$trace" </dev/null
	expect_status 0
	# stdio and the fd ls opens: not the trace fd.
	[[ "${lines[0]}" =~ ^0\ 1\ 2\ 3\ $ ]] || fail "the container got fds: ${lines[0]}"
	[[ "$output" != *BRIG_TRACE_FD* ]] || fail "the variable reached the container"
	local p got
	got=$(sort -k2,2n "$trace" | awk '{ print $1 }' | awk '!seen[$0]++' | tr '\n' ' ')
	for p in main selfprotect config state cgroup-create clone cgroup-attach cgroup-self mounts identity \
		seccomp init-ready created exec started exited deleted; do
		[[ " $got" == *" $p "* ]] || fail "no reading for $p in: $got"
	done
	run awk 'NF != 3 || $2 !~ /^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ || $3 !~ /^[0-9]+$/' "$trace"
	[ -z "$output" ] || fail "malformed lines: $output"
}

@test "BRIG_TRACE_FD: not an open fd, nothing is written and the run succeeds" {
	set_args true
	new_cid
	run --separate-stderr env BRIG_TRACE_FD=77 timeout -k 10 120 "$RUNTIME" --root "$STATE_ROOT" \
		run --bundle "$BUNDLE" "$CID" </dev/null
	expect_status 0
}

# Each start executes brig-runtime twice (the second time from its read-only
# overlay); a dynamic brig-runtime paid ld.so at both (src/cli/runtime/meson.build).
@test "start-up: brig-runtime is a static PIE, no program interpreter, unless the build says otherwise" {
	local opts=$BRIG_BUILD/meson-info/intro-buildoptions.json
	[ "$RUNTIME" = "$BRIG_BUILD/src/cli/runtime/brig-runtime" ] || skip "not the brig-runtime of BRIG_BUILD"
	[ -f "$opts" ] || skip "no meson options in $BRIG_BUILD"
	run jq -r '.[] | select(.name == "static_runtime" or .name == "b_sanitize") | "\(.name)=\(.value)"' "$opts"
	expect_status 0
	[[ "$output" != *static_runtime=disabled* ]] || skip "built with -Dstatic_runtime=disabled"
	[[ "$output" == *b_sanitize=none* ]] || skip "a sanitized build links brig-runtime dynamically"
	run readelf -lhW "$RUNTIME"
	expect_status 0
	[[ "$output" == *"DYN (Position-Independent Executable file)"* ]] ||
		fail "brig-runtime is not position independent: $output"
	[[ "$output" != *"Requesting program interpreter"* ]] || fail "brig-runtime is linked dynamically"
	[[ "$output" == *GNU_RELRO* ]] || fail "brig-runtime has no RELRO"
}
