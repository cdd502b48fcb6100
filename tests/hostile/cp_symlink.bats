#!/usr/bin/env bats
# brig cp against a container that plants symlinks (issue 15): a path in
# the container is resolved inside its root, a symlink is copied as a
# symlink, and nothing is ever written through a symlink the container
# made, whether it is there before the copy or appears during it.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	brig_setup bb:1
	PROBE=brig-cp-probe-$$-$BATS_SUITE_TEST_NUMBER
	D=$BATS_TEST_TMPDIR
}

teardown() {
	brig_teardown
	# Only there if a test failed: never leave it in the host's /etc.
	rm -rf "/etc/$PROBE"
}

ctr() { # NAME SCRIPT: a writable container that ran SCRIPT and sleeps
	run brig run -d --read-write --name "$1" bb:1 sh -c "$2; touch /ready; exec sleep 1000"
	[ "$status" -eq 0 ] || false
	wait_until "the container's setup" brig exec "$1" test -e /ready
}

@test "cp out of a file that is a symlink to /etc/shadow copies the link" {
	ctr s1 'ln -s /etc/shadow /secret; mkdir /dir; ln -s /etc/shadow /dir/secret'
	run brig cp s1:/secret "$D/out"
	[ "$status" -eq 0 ] || false
	[ -L "$D/out" ] || false
	[ "$(readlink "$D/out")" = /etc/shadow ] || false
	run brig cp s1:/dir "$D/dir"
	[ "$status" -eq 0 ] || false
	[ -L "$D/dir/secret" ] || false
	[ "$(readlink "$D/dir/secret")" = /etc/shadow ] || false
}

@test "cp -L follows a container's link inside the container, not to the host's file" {
	ctr s2 'echo container-shadow >/etc/shadow; ln -s /etc/shadow /secret;
		ln -s ../../../../../../etc/shadow /rel'
	run brig cp -L s2:/secret "$D/a"
	[ "$status" -eq 0 ] || false
	[ "$(cat "$D/a")" = container-shadow ] || false
	run brig cp -L s2:/rel "$D/b"
	[ "$status" -eq 0 ] || false
	[ "$(cat "$D/b")" = container-shadow ] || false
}

@test "cp into a directory the container replaced with a symlink to /etc stays in the container" {
	ctr s3 'mkdir /dst; rmdir /dst; ln -s /etc /dst'
	echo probe >"$D/$PROBE"
	run brig cp "$D/$PROBE" s3:/dst/
	[ "$status" -eq 0 ] || false
	[ ! -e "/etc/$PROBE" ] || false
	run brig exec s3 cat "/etc/$PROBE"
	[ "$output" = probe ] || false
	run brig cp "$D/$PROBE" "s3:/dst/../dst/sub-$PROBE"
	[ ! -e "/etc/sub-$PROBE" ] || { rm -f "/etc/sub-$PROBE"; false; }
}

@test "cp into a name the container made a symlink replaces the link, never writes through it" {
	# (a relative link: were it followed, it reaches the container's file,
	# never the host's)
	ctr s4 'echo orig >/victim; mkdir /in; ln -s ../victim /in/f'
	echo mine >"$D/f"
	run brig cp "$D/f" s4:/in/f
	[ "$status" -eq 0 ] || false
	run brig exec s4 sh -c 'test -L /in/f || cat /in/f'
	[ "$output" = mine ] || false
	run brig exec s4 cat /victim
	[ "$output" = orig ] || false
}

@test "a container swapping the destination for a symlink to /etc during cp cannot reach the host" {
	ctr s5 'mkdir /dst'
	mkdir -p "$D/tree/$PROBE"
	local i
	for i in $(seq 1 200); do echo "$i" >"$D/tree/$PROBE/f$i"; done
	# (not under `run`: the detached process would keep its output pipe open)
	brig exec -d s5 sh -c 'while :; do mv /dst /dst.d 2>/dev/null; ln -s /etc /dst 2>/dev/null;
		rm -f /dst; mv /dst.d /dst 2>/dev/null; done' >/dev/null 2>&1 </dev/null
	for i in $(seq 1 20); do
		brig cp "$D/tree/$PROBE" s5:/dst/ 2>/dev/null || true
		[ ! -e "/etc/$PROBE" ] || false
	done
	[ ! -e "/etc/$PROBE" ] || false
}

@test "cp - into a directory whose subdirectory the container made a symlink to /etc" {
	ctr s6 'mkdir /dst; ln -s /etc /dst/q'
	mkdir -p "$D/t/q"
	echo probe >"$D/t/q/$PROBE"
	tar -C "$D/t" -cf "$D/a.tar" q
	run bash -c "'$BRIG' --root '$ROOT' cp - s6:/dst <'$D/a.tar'"
	[[ "$output" == *"not a directory"* ]] || false
	run brig cp "$D/t/q" s6:/dst
	[[ "$output" == *"not a directory"* ]] || false
	[ ! -e "/etc/$PROBE" ] || false
}
