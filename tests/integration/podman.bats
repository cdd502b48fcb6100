#!/usr/bin/env bats
# podman driving the runtime under test through `--runtime PATH`.  Every test
# runs the same podman command with $RUNTIME and with runc and compares.
#
# podman is fully isolated: its own storage (vfs), run root, tmp dir, events
# log and containers.conf under a temporary directory; cgroupfs; no network;
# containers under a cgroup parent beneath this process's own cgroup.

load ../lib/helpers

IMAGE=localhost/brig-busybox:test
RUNC=$(command -v runc || echo runc)

setup_file() {
	command -v podman >/dev/null || skip "podman not installed"
	[ -x "$RUNC" ] || skip "runc not installed"
	PM_DIR=$(mktemp -d /var/tmp/brig-podman.XXXXXX)
	export PM_DIR
	mkdir -p "$PM_DIR"/{root,runroot,tmp,net,cni,volumes,static}
	cat >"$PM_DIR/containers.conf" <<-EOF
		[containers]
		netns = "none"
		log_driver = "k8s-file"
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PM_DIR/events.log"
		tmp_dir = "$PM_DIR/tmp"
		volume_path = "$PM_DIR/volumes"
		static_dir = "$PM_DIR/static"
		lock_type = "file"
		[network]
		network_backend = "cni"
		network_config_dir = "$PM_DIR/net"
		cni_plugin_dirs = ["$PM_DIR/cni"]
	EOF
	cat >"$PM_DIR/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$PM_DIR/root"
		runroot = "$PM_DIR/runroot"
	EOF
	# The cgroup parent: beneath this process's own cgroup in every
	# hierarchy.  podman's cgroupfs manager uses one absolute path for all
	# controllers, so take the deepest own path (the memory controller's
	# here) and remember which directories on the way already exist, to
	# remove exactly the ones podman and the runtime create.
	local own
	own=$(awk -F: '{ print $3 }' /proc/self/cgroup | awk '{ print length, $0 }' | sort -n | tail -1 | cut -d' ' -f2)
	[ "$own" = / ] && own=
	PM_CGROUP_PARENT=$own/brig-podman-${PM_DIR##*.}
	export PM_CGROUP_PARENT
	local dir
	cgroup_hierarchy_roots >"$PM_DIR/hierarchies"
	while read -r dir; do
		_existing_parents "$dir$PM_CGROUP_PARENT"
	done <"$PM_DIR/hierarchies" >"$PM_DIR/preexisting"
	local rootfs=$PM_DIR/rootfs
	"$BRIG_SRC/scripts/mkrootfs.sh" "$rootfs"
	tar -C "$rootfs" -c . | pm runc import - "$IMAGE" >/dev/null
	rm -rf "$rootfs"
}

teardown_file() {
	[ -n "${PM_DIR:-}" ] || return 0
	pm runc rm --all --force --time 0 >/dev/null 2>&1 || true
	pm runc rmi --all --force >/dev/null 2>&1 || true
	_remove_cgroup_parent
	rm -rf "$PM_DIR"
}

setup() {
	[ -x "$RUNTIME" ] || skip "runtime $RUNTIME not built"
	[ -x "$RUNC" ] || skip "runc not installed"
}

teardown() {
	pm runc rm --all --force --time 0 >/dev/null 2>&1 || true
}

# cgroup_hierarchy_roots: the mount point of every cgroup hierarchy.
cgroup_hierarchy_roots() {
	awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo
}

# _existing_parents DIR: DIR and those of its ancestors that exist now.
_existing_parents() {
	local d=$1
	while [ "$d" != / ]; do
		[ -d "$d" ] && echo "$d"
		d=$(dirname "$d")
	done
}

_remove_cgroup_parent() {
	local root d
	while read -r root; do
		d=$root$PM_CGROUP_PARENT
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		d=$(dirname "$d")
		while [ "$d" != "$root" ] && [ "$d" != / ]; do
			grep -qxF "$d" "$PM_DIR/preexisting" && break
			rmdir "$d" 2>/dev/null || break
			d=$(dirname "$d")
		done
	done <"$PM_DIR/hierarchies"
}

# pm RUNTIME ARGS...: the isolated podman with RUNTIME (a path or "runc").
pm() (
	local rt=$1
	shift
	[ "$rt" = runc ] && rt=$RUNC
	# From PM_DIR: conmon leaves an "oom" file in its working directory.
	cd "$PM_DIR" && CONTAINERS_CONF=$PM_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf \
		timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --tmpdir "$PM_DIR/tmp" \
		--runtime "$rt" "$@"
)

# pm_run RUNTIME RUN-ARGS...: `podman run` with the test's cgroup parent.
pm_run() {
	local rt=$1
	shift
	pm "$rt" run --cgroup-parent "$PM_CGROUP_PARENT" --network none "$@"
}

# both RUN-ARGS...: `pm_run` with $RUNTIME then with runc; the runtime's
# result is in $status/$output, runc's in $runc_status/$runc_output, and the
# two must agree.
both() {
	run --separate-stderr pm_run runc "$@" </dev/null
	runc_status=$status
	runc_output=$output
	run --separate-stderr pm_run "$RUNTIME" "$@" </dev/null
	[ "$status" -eq "$runc_status" ] ||
		{ show_run; fail "exit status $status, runc's $runc_status"; }
	[ "$output" = "$runc_output" ] ||
		{ show_run; fail "output differs from runc's: '$runc_output'"; }
}

@test "podman: run --rm echo" {
	both --rm "$IMAGE" echo hi
	expect_status 0
	expect_output hi
}

@test "podman: the exit status comes back" {
	both --rm "$IMAGE" sh -c 'exit 3'
	expect_status 3
}

@test "podman: -u 1000 id -u" {
	both --rm -u 1000 "$IMAGE" id -u
	expect_status 0
	expect_output 1000
}

@test "podman: --read-only makes touch /x fail" {
	both --rm --read-only "$IMAGE" sh -c 'touch /x 2>&1 || echo write-denied'
	expect_status 0
	expect_line 'Read-only file system'
	expect_line '^write-denied$'
}

@test "podman: --cap-drop all leaves CapEff empty" {
	both --rm --cap-drop all "$IMAGE" grep ^CapEff /proc/self/status
	expect_status 0
	expect_output "$(printf 'CapEff:\t0000000000000000')"
}

@test "podman: --memory 64m OOM-kills an allocation above it" {
	both --rm --memory 64m --memory-swap 64m "$IMAGE" dd if=/dev/zero of=/dev/null bs=100M count=1
	expect_status 137
}

@test "podman: --pids-limit 10 stops a fork loop" {
	both --rm --pids-limit 10 "$IMAGE" sh -c \
		'i=0; while [ $i -lt 30 ]; do sleep 100 & i=$((i + 1)); done 2>/dev/null; echo spawned-all'
	[ "$status" -ne 0 ] || { show_run; fail "30 processes under --pids-limit 10"; }
	expect_no_line spawned-all
}

@test "podman: --tty gives the process a terminal" {
	local rt
	cd "$PM_DIR"
	for rt in runc "$RUNTIME"; do
		run script -qec "$(printf '%q ' env CONTAINERS_CONF="$PM_DIR/containers.conf" \
			CONTAINERS_STORAGE_CONF="$PM_DIR/storage.conf" \
			podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --storage-driver vfs \
			--cgroup-manager cgroupfs --events-backend file --tmpdir "$PM_DIR/tmp" \
			--runtime "$rt" run --cgroup-parent "$PM_CGROUP_PARENT" --network none --rm -t \
			"$IMAGE" sh -c 'tty; stty size >/dev/null && echo has-size')" /dev/null </dev/null
		expect_status 0
		expect_line '^/dev/pts/0'
		expect_line '^has-size'
	done
}

@test "podman: exec into a running container" {
	local rt name
	for rt in runc "$RUNTIME"; do
		name=brig-exec-$RANDOM
		pm_run "$rt" -d --name "$name" "$IMAGE" sleep 1000 >/dev/null
		run --separate-stderr pm "$rt" exec -u 1000 -e FOO=bar -w /tmp "$name" \
			sh -c 'echo "$FOO $(id -u) $(pwd)"; tr "\0" " " </proc/1/cmdline'
		expect_status 0
		expect_output "$(printf 'bar 1000 /tmp\nsleep 1000 ')"
		run --separate-stderr pm "$rt" exec "$name" sh -c 'exit 5'
		expect_status 5
		pm "$rt" rm --force --time 0 "$name" >/dev/null
	done
}

@test "podman: stop sends SIGTERM and records the exit code" {
	local rt name
	for rt in runc "$RUNTIME"; do
		name=brig-stop-$RANDOM
		pm_run "$rt" -d --name "$name" "$IMAGE" \
			sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
		pm "$rt" stop --time 60 "$name" >/dev/null
		run --separate-stderr pm "$rt" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name"
		expect_status 0
		expect_output "exited 7"
		pm "$rt" rm "$name" >/dev/null
	done
}

@test "podman: kill, then rm" {
	local rt name
	for rt in runc "$RUNTIME"; do
		name=brig-kill-$RANDOM
		pm_run "$rt" -d --name "$name" "$IMAGE" sleep 1000 >/dev/null
		pm "$rt" kill "$name" >/dev/null
		pm "$rt" wait "$name" >/dev/null
		run --separate-stderr pm "$rt" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name"
		expect_output "exited 137"
		pm "$rt" rm "$name" >/dev/null
		run --separate-stderr pm "$rt" ps --all --quiet --filter "name=$name"
		expect_output ""
	done
}

@test "podman: the container's cgroup is beneath the test's own" {
	local rt name pid
	for rt in runc "$RUNTIME"; do
		name=brig-cg-$RANDOM
		pm_run "$rt" -d --name "$name" --memory 64m "$IMAGE" sleep 1000 >/dev/null
		pid=$(pm "$rt" inspect --format '{{.State.Pid}}' "$name")
		local mem
		mem=$(cgroup_dir_of "$pid" memory)
		[[ $mem == */brig-podman-*/libpod-* ]] || fail "memory cgroup $mem"
		expect_eq "$(cat "$mem/memory.limit_in_bytes")" 67108864 memory.limit_in_bytes
		pm "$rt" rm --force --time 0 "$name" >/dev/null
	done
}
