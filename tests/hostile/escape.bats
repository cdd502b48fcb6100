#!/usr/bin/env bats
# Escape attempts from inside a container that `brig run` makes with nothing
# but its defaults.  Each probe (tests/hostile/probes) tries one attack and
# must report BLOCKED.  The controls at the end weaken one default with
# Docker's flag and the same probe must report ESCAPED: the probes can tell
# the difference, and the flags do what they say.

load ../lib/brig
load probes/probes

BRIG_ROOT=$BATS_FILE_TMPDIR/root

# One store for the file, with the probes in its image.
setup_file() {
	brig_image_tar --numeric-owner probes_install
	rm -rf "$BATS_FILE_TMPDIR/rootfs"
	brig_setup probes:1
}

teardown_file() {
	brig_setup
	brig_teardown
}

setup() { brig_setup; }

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# probe [BRIG RUN FLAGS...] -- NAME [ARGS...]
probe() {
	local flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	local name=$1
	shift
	run "$BRIG" --root "$ROOT" run --rm "${flags[@]}" probes:1 "/probes/probe_$name" "$@"
	echo "# $output" >&3
}

@test "brig run: mount a tmpfs" { probe -- mount; probe_run_check; }
@test "brig run: a new user namespace" { probe -- unshare_user; probe_run_check; }
@test "brig run: a new mount namespace" { probe -- unshare_mnt; probe_run_check; }

@test "brig run: ptrace a host process" {
	sleep 1000 &
	local pid=$!
	probe -- ptrace "$pid"
	kill "$pid"
	probe_run_check
}

# brig's seccomp profile allows ptrace only with CAP_SYS_PTRACE (brig-runtime
# spec's deny-list, like runc's, does not restrict it).
@test "brig run: ptrace another process of the container" { probe -- ptrace; probe_run_check; }

@test "brig run: write to /proc/sysrq-trigger" { probe -- sysrq; probe_run_check; }
@test "brig run: write kernel tunables under /sys" { probe -- sysfs; probe_run_check; }
@test "brig run: keyctl" { probe -- keyctl; probe_run_check; }
@test "brig run: open_by_handle_at (shocker)" { probe -- shocker; probe_run_check; }
@test "brig run: load a kernel module" { probe -- module; probe_run_check; }
@test "brig run: raw ICMP socket" { probe -- rawsock; probe_run_check; }
@test "brig run: AF_PACKET socket" { probe -- packet; probe_run_check; }

@test "brig run: mknod of the host's root disk" {
	local dev
	dev=$(stat -c '%Hd:%Ld' /)
	probe -- mknod "$dev"
	probe_run_check
}

@test "brig run: set the clock" { probe -- clock; probe_run_check; }
@test "brig run: read masked paths" { probe -- masked; probe_run_check; }
@test "brig run: the cgroup v1 release_agent trick" { probe -- release_agent; probe_run_check; }
@test "brig run: overwrite the runtime through /proc/self/exe" { probe -- selfexe; probe_run_check; }
@test "brig run: a setuid-root binary as uid 1000" { probe -u 1000 -- setuid; probe_run_check; }

@test "control: --cap-add NET_RAW lets the raw socket probe escape" {
	probe --cap-add NET_RAW -- rawsock
	probe_run_escaped
}

@test "defence in depth: without no_new_privs the setuid probe is still held by nosuid" {
	probe -u 1000 --security-opt no-new-privileges=false -- setuid
	probe_run_check
	[[ "$output" == *"no_new_privs=0"* ]] || fail "the probe ran with no_new_privs: $output"
}

@test "brig run: the process runs with no_new_privs" {
	run "$BRIG" --root "$ROOT" run --rm probes:1 grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ] || fail "brig run: status $status: $output"
	[ "$output" = $'NoNewPrivs:\t1' ] || fail "no_new_privs is not set: $output"
}

@test "control: --cap-add SYS_ADMIN with seccomp=unconfined lets the mount probe escape" {
	probe --cap-add SYS_ADMIN --security-opt seccomp=unconfined -- mount
	probe_run_escaped
}

@test "control: --cap-add SYS_PTRACE lets the ptrace probe attach to its child" {
	probe --cap-add SYS_PTRACE -- ptrace
	probe_run_escaped
}
