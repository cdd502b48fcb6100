#!/usr/bin/env bats
# scripts/npm-peer.sh against a fake npm (no registry is reached): two
# callers for one directory at once install it once, the second waiting for
# the first instead of emptying node_modules under it.

bats_require_minimum_version 1.5.0

SRC=${BRIG_SRC:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}

setup() {
	FAKE=$BATS_TEST_TMPDIR/bin
	mkdir -p "$FAKE"
	# npm ci, faked: counts its runs, then holds until the test releases it.
	cat >"$FAKE/npm" <<'FAKE'
#!/bin/bash
echo x >>"$NPM_RUNS"
for ((i = 0; i < 600; i++)); do [ -e "$NPM_RELEASE" ] && exit 0; sleep 0.05; done
exit 1
FAKE
	chmod +x "$FAKE/npm"
	export NPM_RUNS=$BATS_TEST_TMPDIR/runs NPM_RELEASE=$BATS_TEST_TMPDIR/release
	: >"$NPM_RUNS"
	command -v node >/dev/null || skip "node is not installed (npm-peer.sh needs it)"
	command -v flock >/dev/null || skip "flock is not installed"
}

# Whatever happened, the fake npms end (they exit once released) and are
# waited for.
teardown() {
	: >"$NPM_RELEASE"
	wait
}

runs() { grep -c . "$NPM_RUNS"; }
ran_once() { [ "$(runs)" -eq 1 ]; }

# wait_for WHAT CMD...: poll CMD (bounded: 200 tries, 10 s and more).
wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < 200; i++)); do "$@" && return 0; sleep 0.05; done
	echo "timed out waiting for $what" >&2
	return 1
}

# a process named flock whose parent is $1
waits_in_flock() { pgrep -x -P "$1" flock >/dev/null; }

@test "two installs of one peer at once: npm runs once, the second waits" {
	local dir=$BATS_TEST_TMPDIR/peer a b
	PATH=$FAKE:$PATH "$SRC/scripts/npm-peer.sh" sigstore-js "$dir" 3>&- &
	a=$!
	wait_for "the first npm ci" ran_once
	PATH=$FAKE:$PATH "$SRC/scripts/npm-peer.sh" sigstore-js "$dir" 3>&- &
	b=$!
	# the second caller waits on the lock, and has not run npm
	wait_for "the second caller to wait on the lock" waits_in_flock "$b"
	[ "$(runs)" -eq 1 ] || false
	: >"$NPM_RELEASE"
	local sa=0 sb=0
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	[ "$sa" -eq 0 ] && [ "$sb" -eq 0 ] || false
	[ "$(runs)" -eq 1 ] || false
	[ -f "$dir/.installed" ] || false
}
