#!/usr/bin/env bats
# Mounts whose flags a container could get around (issue 20: A2, A8, B1, B2).
# Each test fails on a runtime that looks a mount up by path after making it,
# sets flags only on the top of a recursive bind, lets a bind lose its
# source's restrictions, or accepts something other than procfs on /proc.

load ../lib/helpers
load probes/probes

setup_file() {
	probes_build >/dev/null
}

setup() {
	runtime_setup
	MNT_TRACK=$BATS_TEST_TMPDIR/.mounts
}

# Unmount what the test mounted on the host (innermost first), then the usual.
teardown() {
	local m
	if [ -f "$MNT_TRACK" ]; then
		tac "$MNT_TRACK" | while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	runtime_teardown
}

# host_mount ARGS... DIR: mount on the host, unmounted in teardown.
host_mount() {
	mount "$@" || return 1
	echo "${!#}" >>"$MNT_TRACK"
}

# B1: the bind is made on the fd of the resolved destination; a runtime that
# then resolves the destination again by path to set ro/nosuid/nodev finds
# whatever the neighbour's rename put there (the container's "/", through a
# symlink) and leaves the bind writable.
@test "B1: a neighbour swapping a ro bind's destination with a symlink never leaves it writable" {
	local runs=${BRIG_RACE_RUNS:-200} vol=$BATS_TEST_TMPDIR/vol host=$BATS_TEST_TMPDIR/hostdir
	local k wrote=0 started=0
	mkdir -p "$vol/config" "$host"
	ln -s / "$vol/link"
	chmod 0777 "$vol" "$vol/config" "$host"

	# The neighbour: shares the volume and swaps config <-> link forever.
	new_bundle
	probes_install "$BUNDLE/rootfs"
	cfg '.mounts += [{destination: "/vol", type: "bind", source: $v, options: ["rbind", "rw"]}]' \
		--arg v "$vol"
	start_container /probes/probe_swapdir /vol/config /vol/link /vol/stop
	local neighbour=$CID

	# The victim: the volume at /data and a read-only host directory below it.
	new_bundle
	cfg '.mounts += [
		{destination: "/data", type: "bind", source: $v, options: ["rbind", "rw"]},
		{destination: "/data/config", type: "bind", source: $h,
		 options: ["rbind", "ro", "nosuid", "nodev"]}]' --arg v "$vol" --arg h "$host"
	set_args sh -c 'echo ok; for d in /data/config /data/link; do echo pwn >$d/w; done 2>/dev/null; true'
	for ((k = 0; k < runs; k++)); do
		new_cid
		run --separate-stderr runtime run --bundle "$BUNDLE" "$CID" </dev/null
		if [ "$status" -eq 0 ] && [[ $output == ok* ]]; then started=$((started + 1)); fi
		if [ -e "$host/w" ]; then
			wrote=$((wrote + 1))
			rm -f "$host/w"
		fi
	done
	run runtime state "$neighbour"
	touch "$vol/stop"
	expect_line '"status": *"running"' || fail "the neighbour stopped swapping"
	echo "# $runs runs, $started started, $wrote wrote the read-only host directory" >&3
	[ "$started" -gt 0 ] || fail "no victim container started"
	[ "$wrote" -eq 0 ] || fail "$wrote of $runs victims wrote through their read-only bind"
}
