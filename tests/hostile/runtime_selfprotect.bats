#!/usr/bin/env bats
# brig-runtime protects itself from the container it starts:
#  - CVE-2019-5736: the runtime process that enters a container runs from a
#    detached read-only overlay of its binary (or a sealed memfd copy), so
#    its binary cannot be rewritten through /proc/PID/exe;
#  - CVE-2024-21626: no runtime fd leaks into the container and the working
#    directory cannot be a leaked fd outside the root;
#  - CVE-2021-30465 class: mount targets are resolved inside the rootfs, so a
#    symlink planted in the rootfs cannot redirect a mount onto the host.

load ../lib/helpers

setup() {
	runtime_setup
	runtime_is_brig || skip "brig-specific protections"
}

teardown() { runtime_teardown; }

@test "CVE-2019-5736: the runtime inside the container runs from an unwritable binary" {
	new_bundle
	local out=$BATS_TEST_TMPDIR/hook.out
	# A createContainer hook runs as a child of the container's init, in the
	# container's namespaces, with full privileges: the strongest position
	# from which to attack the runtime's binary.
	cat >"$BATS_TEST_TMPDIR/hook.sh" <<-EOF
		#!/bin/sh
		exec >$out 2>&1
		# /proc is still the host's here: find the init by its host pid.
		me=\$(cut -d' ' -f4 /proc/self/stat)
		init=\$(cut -d' ' -f4 /proc/\$me/stat)
		echo "exe=\$(readlink /proc/\$init/exe)"
		echo "fs=\$(stat -f -c %T /proc/\$init/exe)"
		if echo x >>/proc/\$init/exe; then echo write=ok; else echo write=refused; fi
		if sh -c "exec 3<>/proc/\$init/exe"; then echo rw-open=ok; else echo rw-open=refused; fi
	EOF
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
	cfg '.hooks.createContainer = [{path: $p}]' --arg p "$BATS_TEST_TMPDIR/hook.sh"
	set_args true
	new_cid
	runtime run --bundle "$BUNDLE" "$CID" </dev/null
	cat "$out"
	# A sealed memfd copy, or the binary through a detached read-only
	# overlay (in no mount namespace: its path is just the file's name).
	local exe fs
	exe=$(sed -n 's/^exe=//p' "$out")
	fs=$(sed -n 's/^fs=//p' "$out")
	[[ $exe == /memfd:brig-runtime* || ($fs == overlayfs && $exe =~ ^/[^/]+$) ]] ||
		fail "the init runs from $exe on $fs, a binary the container could reach"
	grep -q '^write=refused$' "$out"
	grep -q '^rw-open=refused$' "$out"
	# The binary on disk is untouched.
	"$RUNTIME" --version | grep -q '^brig-runtime version'
}

@test "CVE-2019-5736: after the re-exec the overlay is told by statmount, not by reading mountinfo" {
	command -v strace >/dev/null || skip "strace is not installed"
	# A bundle that does not exist: the runtime protects itself, then
	# fails reading the config, before any cgroup or mount work (which
	# reads mountinfo for its own reasons).
	# (Every call: strace may not know statmount by name.)
	run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k 10 60 strace -f -qq -e signal=none -o "$BATS_TEST_TMPDIR/strace" \
		"$RUNTIME" --root "$STATE_ROOT" run --bundle "$BATS_TEST_TMPDIR/none" brig-none
	[ "$status" -ne 0 ] || fail "a run of a missing bundle succeeded"
	grep -q 'execveat(' "$BATS_TEST_TMPDIR/strace" || skip "no re-exec here (no overlay or memfd)"
	grep -q 'memfd_create(' "$BATS_TEST_TMPDIR/strace" && skip "the sealed copy here, not the overlay"
	local sm='(statmount|syscall_0x1c9)\('
	grep -qE "$sm.*= -1 ENOSYS" "$BATS_TEST_TMPDIR/strace" && skip "no statmount (Linux < 6.8)"
	grep -qE "$sm" "$BATS_TEST_TMPDIR/strace" || fail "no statmount after the re-exec"
	run grep '/proc/self/mountinfo' "$BATS_TEST_TMPDIR/strace"
	[ "$status" -ne 0 ] || fail "mountinfo was read: $output"
}

@test "CVE-2024-21626: a cwd through /proc/self/fd is refused or stays inside" {
	new_bundle
	local n dir
	# The host directories a leaked runtime descriptor could point at, each
	# with a marker the container must never read.
	mkdir -p "$STATE_ROOT"
	for dir in "$BUNDLE" "$STATE_ROOT" "$BATS_TEST_TMPDIR"; do
		echo HOST-MARKER >"$dir/brig-host-marker"
	done
	for n in 3 4 5 6 7 8 9; do
		cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		run_in_container sh -c 'pwd -P; for d in . .. ../.. ../../.. ../../../..; do
			cat "$d/brig-host-marker" 2>/dev/null; done; echo done'
		if [ "$status" -ne 0 ]; then
			# Refused: with a message naming the cwd, no sanitizer abort.
			[[ "$stderr$output" == *"/proc/self/fd/$n"* ]] ||
				{ show_run; fail "fd $n: refused without naming the cwd"; }
			[[ "$stderr$output" != *"AddressSanitizer"* && "$stderr$output" != *"runtime error"* ]] ||
				{ show_run; fail "fd $n: the runtime crashed"; }
			continue
		fi
		# Started: confined to the container's root.
		[ "${lines[-1]}" = done ] || { show_run; fail "fd $n: the process did not finish"; }
		[[ "$output" != *HOST-MARKER* ]] || { show_run; fail "fd $n: the process read a host marker"; }
		[[ "${lines[0]}" == /* && "${lines[0]}" != /proc/self/fd/* ]] ||
			{ show_run; fail "fd $n: cwd ${lines[0]} is outside the container"; }
	done
}

@test "CVE-2024-21626: no runtime descriptor reaches the process" {
	new_bundle
	run_sh 'ls /proc/self/fd | sort -n | tr "\n" " "'
	expect_status 0
	# stdio and the fd ls opens for the directory listing only.
	[[ "$output" =~ ^0\ 1\ 2\ 3\ $ ]] || fail "unexpected fds: $output"
}

@test "CVE-2021-30465 class: a symlink in the rootfs cannot redirect a mount to the host" {
	new_bundle
	local outside=$BATS_TEST_TMPDIR/outside
	mkdir -p "$outside"
	ln -s "$outside" "$BUNDLE/rootfs/escape"
	ln -s / "$BUNDLE/rootfs/toroot"
	cfg '.mounts += [{destination: "/escape/x", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
	                 {destination: "/toroot/brig-escape-probe", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
	run_sh 'touch /escape/x/marker && echo inside'
	expect_status 0
	expect_output inside
	[ ! -e "$outside/x" ] || fail "mount target created outside the rootfs"
	[ ! -e /brig-escape-probe ] || { rmdir /brig-escape-probe; fail "mount target created on the host"; }
	[ ! -e "$outside/x/marker" ] || fail "the mount landed outside the rootfs"
}

@test "masked and read-only paths are in place before the process runs" {
	new_bundle
	run_sh 'cat /proc/kcore 2>&1 | wc -c; ls /proc/acpi | wc -l; echo 1 >/proc/sys/kernel/panic 2>&1 || echo ro'
	expect_status 0
	expect_line '^0$'
	expect_line '^ro$'
}
