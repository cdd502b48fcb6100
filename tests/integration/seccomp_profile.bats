#!/usr/bin/env bats
# brig's default seccomp profile (profiles/seccomp.json) on real containers:
# converted for the container's capabilities by the engine's converter
# (sc-convert, a test helper of tests/unit/engine_seccomp) and run by the
# runtime under test; then podman (with runc) takes the same file unchanged.
#
# Where a denial could come from missing capabilities as well as from the
# filter, the container is given the capability and the profile is converted
# without it, and a control run without the filter shows the call working:
# what fails is then the filter's doing.

load ../lib/helpers

CONVERT=$BRIG_BUILD/tests/unit/engine_seccomp/sc-convert
PROFILE=$BRIG_SRC/profiles/seccomp.json
IMAGE=localhost/brig-busybox:seccomp
RUNC=$(command -v runc || echo runc)

setup_file() {
	# sc-probe: syscalls busybox has no applet for (static, so it runs in
	# the busybox rootfs).
	if command -v cc >/dev/null; then
		cc -static -O2 -o "$BATS_FILE_TMPDIR/sc-probe" \
			"$BRIG_SRC/tests/unit/engine_seccomp/sc_probe.c" 2>"$BATS_FILE_TMPDIR/cc.log" || true
		cc -static -O2 -o "$BATS_FILE_TMPDIR/ioctl-probe" \
			"$BRIG_SRC/tests/unit/engine_seccomp/ioctl_probe.c" 2>>"$BATS_FILE_TMPDIR/cc.log" || true
	fi
	pm_setup
}

teardown_file() {
	pm_teardown
}

setup() {
	runtime_setup
	[ -x "$CONVERT" ] || skip "$CONVERT not built"
}

teardown() {
	runtime_teardown
}

# profile_for CAPS...: the default profile converted for these capabilities.
profile_for() {
	local args=() c
	for c in "$@"; do args+=(--cap "$c"); done
	"$CONVERT" "${args[@]}" "$PROFILE"
}

# seccomp_bundle [CAPS...]: a bundle whose linux.seccomp is the default
# profile converted for CAPS (default: the process's effective set).
seccomp_bundle() {
	new_bundle
	local caps=("$@") oci
	# shellcheck disable=SC2207
	[ $# -gt 0 ] || caps=($(cfg_get '.process.capabilities.effective // [] | .[]'))
	oci=$(profile_for "${caps[@]}") || fail "conversion failed"
	cfg '.linux.seccomp = $s' --argjson s "$oci"
	if [ -x "$BATS_FILE_TMPDIR/sc-probe" ]; then
		cp "$BATS_FILE_TMPDIR/sc-probe" "$BUNDLE/rootfs/bin/sc-probe"
	fi
	if [ -x "$BATS_FILE_TMPDIR/ioctl-probe" ]; then
		cp "$BATS_FILE_TMPDIR/ioctl-probe" "$BUNDLE/rootfs/bin/ioctl-probe"
	fi
}

need_probe() {
	[ -x "$BATS_FILE_TMPDIR/sc-probe" ] || skip "no C compiler for sc-probe"
}

need_ioctl_probe() {
	[ -x "$BATS_FILE_TMPDIR/ioctl-probe" ] ||
		skip "cannot build a static ioctl-probe (no cc or no static libc): $(tail -1 "$BATS_FILE_TMPDIR/cc.log" 2>/dev/null)"
}

# add_caps CAPS...: give the container process these capabilities too.
add_caps() {
	local c
	for c in "$@"; do
		cfg '.process.capabilities |= with_entries(.value += [$c] | .value |= unique)' --arg c "$c"
	done
}

no_filter() { cfg 'del(.linux.seccomp)'; }

@test "seccomp profile: the shipped profile converts and names its architectures" {
	run --separate-stderr "$CONVERT" "$PROFILE"
	expect_status 0
	local native
	native=$(jq -r '.architectures[0]' <<<"$output")
	case $(uname -m) in
	x86_64) expect_eq "$native" SCMP_ARCH_X86_64 ;;
	aarch64) expect_eq "$native" SCMP_ARCH_AARCH64 ;;
	esac
	expect_eq "$(jq -r '.defaultAction' <<<"$output")" SCMP_ACT_ERRNO
	run --separate-stderr "$CONVERT" --digest "$PROFILE"
	expect_output "sha256:$(sha256sum "$PROFILE" | cut -d' ' -f1)"
}

@test "seccomp profile: a broken profile is refused naming the field" {
	local bad=$BATS_TEST_TMPDIR/bad.json
	jq '.syscalls[3].args[0].op = "SCMP_CMP_SOMETIMES"' "$PROFILE" >"$bad"
	run --separate-stderr "$CONVERT" "$bad"
	expect_status 1
	[[ $stderr == *"bad.json: syscalls[3].args[0].op: unknown operator SCMP_CMP_SOMETIMES"* ]] ||
		{ show_run; fail "error does not name the field"; }
}

@test "seccomp profile: sh, ls, cat, cp and date work" {
	seccomp_bundle
	run_sh 'ls / >/dev/null && cat /etc/passwd >/tmp/a && cp /tmp/a /tmp/b &&
		cmp /tmp/a /tmp/b && date +%Y >/dev/null && id -u && echo done'
	expect_status 0
	expect_output "$(printf '0\ndone')"
}

@test "seccomp profile: unshare -U fails with EPERM (and works without the filter)" {
	seccomp_bundle
	run_sh 'unshare -U true 2>&1; echo rc=$?'
	expect_line 'Operation not permitted'
	expect_line '^rc=[1-9]'
	no_filter
	run_sh 'unshare -U true && echo made-userns'
	expect_status 0
	expect_line '^made-userns$'
}

@test "seccomp profile: mount -t tmpfs fails even with CAP_SYS_ADMIN when the profile is not made for it" {
	seccomp_bundle
	add_caps CAP_SYS_ADMIN
	# busybox words EPERM from mount(2) as "permission denied"
	run_sh 'mkdir /tmp/m && mount -t tmpfs none /tmp/m 2>&1; echo rc=$?'
	expect_line 'permission denied|Operation not permitted'
	expect_line '^rc=[1-9]'
	no_filter
	run_sh 'mkdir /tmp/m && mount -t tmpfs none /tmp/m && echo mounted'
	expect_status 0
	expect_output mounted
}

@test "seccomp profile: converted with CAP_SYS_ADMIN, mount works" {
	new_bundle
	add_caps CAP_SYS_ADMIN
	# shellcheck disable=SC2046
	seccomp_bundle $(cfg_get '.process.capabilities.effective[]')
	add_caps CAP_SYS_ADMIN
	run_sh 'mkdir /tmp/m && mount -t tmpfs none /tmp/m && echo mounted'
	expect_status 0
	expect_output mounted
}

@test "seccomp profile: keyrings, bpf and AF_PACKET are refused with EPERM" {
	need_probe
	seccomp_bundle
	add_caps CAP_NET_RAW
	run_in_container sc-probe keyctl add_key request_key bpf socket_packet socket_inet fork
	expect_status 0
	expect_output "$(printf '%s\n' 'keyctl EPERM' 'add_key EPERM' 'request_key EPERM' \
		'bpf EPERM' 'socket_packet EPERM' 'socket_inet ok' 'fork ok')"
	no_filter
	run_in_container sc-probe keyctl socket_packet
	expect_line '^keyctl (ok|ENOKEY)$'
	expect_line '^socket_packet ok$'
}

@test "seccomp profile: clone3 and io_uring answer ENOSYS, new user namespaces EPERM" {
	need_probe
	seccomp_bundle
	run_in_container sc-probe clone3 io_uring_setup unshare_user
	expect_status 0
	expect_output "$(printf '%s\n' 'clone3 ENOSYS' 'io_uring_setup ENOSYS' 'unshare_user EPERM')"
}

# ioctl's request is 32 bits to the kernel: 0xffffffff00005412 is TIOCSTI too.
ioctl_script='for r in 0x5412 0xffffffff00005412 0x541c 0xffffffff0000541c 0x5401 0xffffffff00005401; do
	echo "$r $(ioctl-probe pty $r)"; done; echo "fionread $(ioctl-probe pipe 0x541b)"'

@test "seccomp profile: TIOCSTI and TIOCLINUX fail with EPERM, also with the high bits set; TCGETS and FIONREAD work" {
	need_ioctl_probe
	seccomp_bundle
	run_sh "$ioctl_script"
	expect_status 0
	expect_output "$(printf '%s\n' '0x5412 EPERM' '0xffffffff00005412 EPERM' '0x541c EPERM' \
		'0xffffffff0000541c EPERM' '0x5401 ok' '0xffffffff00005401 ok' 'fionread ok')"
	# without the filter the kernel lets TIOCSTI through on the caller's own
	# terminal (EIO where dev.tty.legacy_tiocsti is 0): EPERM was the filter
	no_filter
	run_sh "$ioctl_script"
	expect_status 0
	expect_line '^0x5412 (ok|EIO)$'
	expect_line '^0xffffffff00005412 (ok|EIO)$'
}

@test "seccomp profile: the ioctl rules are what scripts/ioctl-cover.py computes from the kernel headers" {
	command -v python3 >/dev/null || skip "no python3"
	command -v cc >/dev/null || skip "no C compiler for the uapi header values"
	run python3 "$BRIG_SRC/scripts/ioctl-cover.py" --check "$PROFILE"
	expect_status 0
	expect_line ' ioctl rules, up to date$'
}

@test "seccomp profile: date -s fails with EPERM and the host clock is untouched" {
	seccomp_bundle
	# busybox reports the failure but still prints the date and exits 0
	run_sh 'date -s 2001-01-01 2>&1'
	expect_line "can't set date: Operation not permitted"
	[ "$(date +%Y)" != 2001 ] || fail "the host clock was set"
}

@test "seccomp profile: clock_settime is refused even with CAP_SYS_TIME when the profile is not made for it" {
	need_probe
	seccomp_bundle
	add_caps CAP_SYS_TIME
	# sc-probe sets the clock to the value it just read: harmless if the
	# filter let it through, which this test would then report.
	run_in_container sc-probe clock_settime
	expect_status 0
	expect_output 'clock_settime EPERM'
}

# ---------------------------------------------------------------- podman
# An isolated podman, as in podman.bats: its own storage, run root and
# configuration under a temporary directory, cgroupfs beneath this process's
# own cgroup, no network.

pm_setup() {
	PM_OK=
	command -v podman >/dev/null || return 0
	[ -x "$RUNC" ] || return 0
	PM_DIR=$(mktemp -d /var/tmp/brig-podman-sc.XXXXXX)
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
	local own dir
	own=$(awk -F: '{ print $3 }' /proc/self/cgroup | awk '{ print length, $0 }' | sort -n | tail -1 | cut -d' ' -f2)
	[ "$own" = / ] && own=
	PM_CGROUP_PARENT=$own/brig-podman-${PM_DIR##*.}
	export PM_CGROUP_PARENT
	awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo >"$PM_DIR/hierarchies"
	while read -r dir; do
		_existing_parents "$dir$PM_CGROUP_PARENT"
	done <"$PM_DIR/hierarchies" >"$PM_DIR/preexisting"
	"$BRIG_SRC/scripts/mkrootfs.sh" "$PM_DIR/rootfs" >/dev/null
	tar -C "$PM_DIR/rootfs" -c . | pm import - "$IMAGE" >/dev/null && PM_OK=1
	rm -rf "$PM_DIR/rootfs"
	export PM_OK
}

pm_teardown() {
	[ -n "${PM_DIR:-}" ] || return 0
	pm rm --all --force --time 0 >/dev/null 2>&1 || true
	pm rmi --all --force >/dev/null 2>&1 || true
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
	rm -rf "$PM_DIR"
}

_existing_parents() {
	local d=$1
	while [ "$d" != / ]; do
		[ -d "$d" ] && echo "$d"
		d=$(dirname "$d")
	done
}

# pm ARGS...: the isolated podman with runc.
pm() (
	cd "$PM_DIR" && CONTAINERS_CONF=$PM_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf \
		timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file --tmpdir "$PM_DIR/tmp" \
		--runtime "$RUNC" "$@"
)

@test "seccomp profile: podman (runc) takes the profile unchanged and runs true" {
	[ -n "${PM_OK:-}" ] || skip "podman or runc not available"
	run --separate-stderr pm run --rm --cgroup-parent "$PM_CGROUP_PARENT" --network none \
		--security-opt seccomp="$PROFILE" "$IMAGE" true </dev/null
	expect_status 0
	# and the filter is in force there too
	run --separate-stderr pm run --rm --cgroup-parent "$PM_CGROUP_PARENT" --network none \
		--security-opt seccomp="$PROFILE" "$IMAGE" sh -c 'unshare -U true 2>&1; echo rc=$?' </dev/null
	expect_line 'Operation not permitted'
	expect_line '^rc=[1-9]'
}
