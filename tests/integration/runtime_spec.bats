#!/usr/bin/env bats
# What `brig-runtime spec` promises (README: a pids limit of 1024, rlimits
# nofile 1024:4096 and core 0, a capability set without NET_RAW, MKNOD,
# AUDIT_WRITE, SETFCAP and SYS_CHROOT): the values in the config it writes,
# and their effect on a container run from that config.  And --systemd-cgroup,
# which docs/runtime.md says is refused with one line where systemd is not
# running.  The hardened default (user namespace, allow-list seccomp, memory
# limit, nosuid) is tested by tests/hostile/runtime_spec_hardened.bats.

load ../lib/helpers

setup() {
	runtime_setup
	runtime_is_brig || skip "these are brig-runtime's defaults, not $RUNTIME_NAME's"
}
teardown() { runtime_teardown; }

SPEC_CAPS=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_SETGID CAP_SETUID
	CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_KILL)

@test "spec: pids limit 1024, rlimits nofile 1024:4096 and core 0, a small capability set" {
	mkdir "$BATS_TEST_TMPDIR/s"
	runtime spec --bundle "$BATS_TEST_TMPDIR/s"
	BUNDLE=$BATS_TEST_TMPDIR/s
	expect_eq "$(cfg_get '.linux.resources.pids.limit')" 1024 "linux.resources.pids.limit" || return 1
	expect_eq "$(cfg_get '[.process.rlimits[] | "\(.type)=\(.soft):\(.hard)"] | sort | join(" ")')" \
		"RLIMIT_CORE=0:0 RLIMIT_NOFILE=1024:4096" "process.rlimits" || return 1
	local set want
	want=$(printf '%s\n' "${SPEC_CAPS[@]}" | sort | tr '\n' ' ')
	for set in bounding effective permitted; do
		expect_eq "$(cfg_get ".process.capabilities.$set | sort | join(\" \")") " "$want" "capabilities.$set" ||
			return 1
	done
	for set in inheritable ambient; do
		expect_eq "$(cfg_get ".process.capabilities.$set // [] | length")" 0 "capabilities.$set" || return 1
	done
}

@test "spec: a container run from it gets pids.max 1024 and the rlimits" {
	new_bundle
	start_container sh -c 'grep -E "^Max (open files|core file size) " /proc/self/limits; sleep 1000'
	run cat "$(container_cgroup pids)/pids.max"
	expect_output 1024 || return 1
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(wc -l <"$(cid_out)")" -ge 2 ] && break
		sleep 0.1
	done
	[ "$i" -lt 300 ] || { fail "the container's two lines of limits never came: $(cat "$(cid_out)")"; return 1; }
	run awk '{ print $(NF - 2), $(NF - 1) }' "$(cid_out)"
	# /proc/self/limits lists core before open files; the host's own nofile
	# is not 1024:4096 (the test machine's hard limit is 20000).
	expect_output $'0 0\n1024 4096'
}

@test "spec: the dropped capabilities are gone in the container (chroot and mknod fail), and come back when added" {
	new_bundle
	want=$(hex16 "$(cap_mask "${SPEC_CAPS[@]}")")
	run_sh 'grep -E "^Cap(Bnd|Eff|Prm|Inh|Amb):" /proc/self/status | tr -d "\t"
		chroot / true 2>&1 || echo chroot-refused
		mknod /tmp/node c 1 3 2>&1 || echo mknod-refused'
	expect_status 0 || return 1
	expect_line "^CapBnd:$want$" || return 1
	expect_line "^CapEff:$want$" || return 1
	expect_line "^CapInh:0{16}$" || return 1
	expect_line "^CapAmb:0{16}$" || return 1
	expect_line "^chroot: can't change root directory to '/': Operation not permitted$" || return 1
	expect_line "^chroot-refused$" || return 1
	expect_line "^mknod-refused$" || return 1
	# The same calls with SYS_CHROOT and MKNOD added succeed: they were
	# refused for want of the capability, not for another reason.
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_CHROOT", "CAP_MKNOD"])'
	run_sh 'chroot / true && echo chroot-ok; mknod /tmp/node c 1 3 && echo mknod-ok'
	expect_output $'chroot-ok\nmknod-ok'
}

@test "--systemd-cgroup: refused with one line where systemd is not running, nothing left" {
	if [ -d /run/systemd/system ]; then
		skip "systemd runs here: the container's cgroup would be made under system.slice, outside this test's own cgroup"
	fi
	new_bundle
	set_args true
	new_cid
	run --separate-stderr timeout -k 10 120 "$RUNTIME" --systemd-cgroup --root "$STATE_ROOT" run --bundle "$BUNDLE" "$CID"
	expect_status 1 || return 1
	[ "$stderr" = "brig-runtime: --systemd-cgroup: systemd is not running on this host (no /run/systemd/system); run without --systemd-cgroup" ] ||
		{ show_run; fail "not the one-line refusal"; return 1; }
	run runtime list -q
	expect_output "" || return 1
	local dir
	for dir in $(cgroup_dirs_named "$BUNDLE_CGROUP"); do
		[ ! -e "$dir" ] || { fail "a cgroup was made: $dir"; return 1; }
	done
	# Without the flag the same bundle runs.
	run runtime run --bundle "$BUNDLE" "$CID" </dev/null
	expect_status 0
}
