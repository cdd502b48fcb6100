#!/usr/bin/env bats
# Escape attempts from inside a container made by the runtime under test from
# the config its own `spec` prints (for brig-runtime: brig's hardened default,
# not the runc-compatible shape other tests start from; plus a writable /tmp,
# see tests/lib/helpers.bash new_bundle).  Each probe
# (tests/hostile/probes) tries one attack and must report BLOCKED.  The last
# tests are controls: with one defence taken away the same probe must report
# ESCAPED, which shows the probes can tell the difference.  Run against runc
# (RUNTIME=runc) they show where runc's `spec` is weaker.

load ../lib/helpers
load probes/probes

setup_file() {
	probes_build >/dev/null
}

setup() {
	runtime_setup
	# Plain `spec`: for brig-runtime its hardened default (the control of
	# the setuid probe asks for --runc-compatible: in a user namespace the
	# host-root-owned setuid file could not escape even without
	# no_new_privs).
	NEW_BUNDLE_SPEC_ARGS=${ESCAPE_SPEC_ARGS-} new_bundle
	probes_install "$BUNDLE/rootfs"
}

teardown() { runtime_teardown; }

# probe NAME [ARGS...]: run /probes/probe_NAME in a container; bats `run`.
probe() {
	local name=$1
	shift
	run_in_container "/probes/probe_$name" "$@"
	echo "# $output" >&3
}

@test "mount: tmpfs on /mnt" {
	probe mount
	probe_run_check
}

@test "unshare: a new user namespace (unshare, clone, clone3)" {
	probe unshare_user
	probe_run_check
}

@test "unshare: a new mount namespace" {
	probe unshare_mnt
	probe_run_check
}

@test "ptrace: attach to a host process" {
	sleep 1000 &
	local pid=$!
	bg_track "$pid"
	probe ptrace "$pid"
	probe_run_check
	kill "$pid"
}

@test "sysrq: write h to /proc/sysrq-trigger" {
	probe sysrq
	probe_run_check
}

@test "sysfs: write kernel tunables under /sys" {
	probe sysfs /sys/kernel/mm/ksm/run
	probe_run_check
	probe sysfs /sys/class/net/lo/mtu
	probe_run_check
}

@test "keyctl: add a key to the kernel keyring" {
	probe keyctl
	probe_run_check
}

@test "shocker: open_by_handle_at of the file system root" {
	probe shocker
	probe_run_check
}

@test "modules: init_module and finit_module" {
	probe module
	probe_run_check
}

@test "network: raw ICMP socket" {
	probe rawsock
	probe_run_check
}

@test "network: AF_PACKET socket" {
	probe packet
	probe_run_check
}

@test "mknod: the host's root disk as a block device" {
	local dev
	dev=$(stat -c '%Hd:%Ld' /)
	probe mknod "$dev"
	probe_run_check
}

@test "clock: clock_settime of the realtime clock" {
	probe clock
	probe_run_check
}

@test "masked paths: /proc/kcore, /proc/keys, /proc/timer_list, /sys/firmware give no data" {
	probe masked
	probe_run_check
}

@test "cgroup v1 release_agent: mount a hierarchy or find a writable agent" {
	probe release_agent
	probe_run_check
}

@test "runtime binary: /proc/self/exe and /proc/1/exe cannot be opened for writing" {
	probe selfexe
	probe_run_check
	# With a shell as PID 1 and the probe as its child.
	run_sh '/probes/probe_selfexe self 1'
	probe_run_check
}

@test "setuid: a setuid-root binary run by uid 1000 does not get euid 0" {
	cfg '.process.user = {uid: 1000, gid: 1000}'
	probe setuid
	probe_run_check
}

# ---------------------------------------------------------------- controls

@test "control: with CAP_NET_RAW the raw socket probe escapes" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
	probe rawsock
	probe_run_escaped
}

@test "control: without no_new_privs the setuid probe escapes" {
	if runtime_is_brig; then
		# runc's shape: host root owns the setuid file, the root is not
		# nosuid; no_new_privs is then the one defence left.
		NEW_BUNDLE_SPEC_ARGS=--runc-compatible new_bundle
		probes_install "$BUNDLE/rootfs"
	fi
	cfg '.process.user = {uid: 1000, gid: 1000} | .process.noNewPrivileges = false'
	probe setuid
	probe_run_escaped
}

@test "control: with CAP_SYS_ADMIN and no seccomp the mount probe escapes" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"]) | del(.linux.seccomp)'
	probe mount /tmp
	probe_run_escaped
}


@test "hardened spec: without no_new_privs the setuid probe is still blocked (user namespace, nosuid root)" {
	runtime_is_brig || skip "brig-runtime's hardened spec only"
	cfg '.process.user = {uid: 1000, gid: 1000} | .process.noNewPrivileges = false'
	probe setuid
	probe_run_check
}
