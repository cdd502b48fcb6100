#!/usr/bin/env bats
# Issue 20 A8: from inside a default container, host kernel details (the boot
# command line, kernel config, crash-dump layout, BTF) and the host-wide lock
# table must read empty, and mountinfo must not show the store's path or the
# container's id for the root overlay; ordinary programs keep working.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

@test "masked paths: host kernel details and host-wide locks read empty; mountinfo hides the store" {
	# Docker's list plus the boot command line, kernel config, crash-dump
	# layout, BTF and the host-wide lock table (docs/engine.md).
	local files=(/proc/cmdline /proc/config.gz /proc/locks /sys/kernel/vmcoreinfo /proc/timer_list)
	run brig run --rm bb:1 sh -c '
		for f in "$@"; do [ -e "$f" ] && echo "$f $(cat "$f" | wc -c)"; done
		[ -d /sys/kernel/btf ] && echo "btf $(ls -A /sys/kernel/btf | wc -l)"
		cat /proc/self/mountinfo >/tmp/mi && echo "mountinfo $(grep -c . /tmp/mi)"
		grep " / / " /tmp/mi
		ps -o pid,comm | grep -c " ps$"' sh "${files[@]}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	local f
	for f in "${files[@]}"; do
		if [ -e "$f" ]; then
			[[ "$output" == *"$f 0"* ]] || { echo "$f is not masked" >&2; false; }
		fi
	done
	if [ -d /sys/kernel/btf ]; then
		[[ "$output" == *"btf 0"* ]] || { echo "/sys/kernel/btf is not masked" >&2; false; }
	fi
	# Ordinary programs still work: mountinfo reads, ps lists itself.
	[[ "$output" =~ mountinfo\ [1-9] ]] || false
	[ "${lines[-1]}" = 1 ] || false
	# The root overlay names its layers, upper and work directories by fd,
	# not by the store's path (which holds the container's id).
	local root
	root=$(grep " / / " <<<"$output")
	[[ "$root" == *upperdir=/upper* ]] || false
	[[ "$root" != *"$(realpath "$ROOT")"* ]] || { echo "store path in: $root" >&2; false; }
}
