#!/usr/bin/env bats
# Issue 20 A7: `brig-runtime spec` was weaker than `brig run`.  Plain `spec`
# is now hardened (a user namespace, brig's allow-list seccomp profile, a
# memory limit, a nosuid rootfs);
# `spec --runc-compatible` keeps runc's shape, which the other test files'
# bundles use (tests/lib/helpers.bash new_bundle).

load ../lib/helpers
load ../hostile/probes/probes

setup_file() {
	# sc-probe: io_uring_setup, which busybox has no applet for (static, so
	# it runs in the busybox rootfs).
	if command -v cc >/dev/null; then
		cc -static -O2 -o "$BATS_FILE_TMPDIR/sc-probe" \
			"$BRIG_SRC/tests/unit/engine_seccomp/sc_probe.c" 2>"$BATS_FILE_TMPDIR/cc.log" || true
	fi
}

setup() {
	runtime_setup
	runtime_is_brig || skip "these are brig-runtime's defaults, not $RUNTIME_NAME's"
}
teardown() { runtime_teardown; }

# ------------------------------------------------------- hardened default

USERNS_MAP='[0,3221225472,65536]'

# probes_bundle SPEC ARGS: a bundle from `spec SPEC ARGS` with sc-probe and
# the escape probes in its rootfs.
probes_bundle() {
	[ -x "$BATS_FILE_TMPDIR/sc-probe" ] || skip "no C compiler for sc-probe"
	NEW_BUNDLE_SPEC_ARGS="$*" new_bundle
	install -m 0755 "$BATS_FILE_TMPDIR/sc-probe" "$BUNDLE/rootfs/bin/sc-probe"
	probes_install "$BUNDLE/rootfs"
}

# What the container sees: its uid, uid map, root mount options, memory
# limit, and whether io_uring_setup and ptrace (of its own child) work.
PROBE_SCRIPT='id -u; tr -s " " </proc/self/uid_map | sed "s/^ //"
	awk "\$5 == \"/\" { print \"root:\" \$6 }" /proc/self/mountinfo
	echo "memory:$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"
	sc-probe io_uring_setup; /probes/probe_ptrace; echo "ptrace probe exit $?"'

@test "spec: the default has a user namespace, the allow-list seccomp profile, a memory limit and a nosuid rootfs" {
	mkdir "$BATS_TEST_TMPDIR/s"
	runtime spec --bundle "$BATS_TEST_TMPDIR/s"
	BUNDLE=$BATS_TEST_TMPDIR/s
	expect_eq "$(cfg_get '[.linux.namespaces[].type] | index("user") != null')" true "a user namespace" || return 1
	expect_eq "$(cfg_get '.linux.uidMappings | map([.containerID, .hostID, .size]) | .[] | tojson')" "$USERNS_MAP" uidMappings || return 1
	expect_eq "$(cfg_get '.linux.gidMappings | map([.containerID, .hostID, .size]) | .[] | tojson')" "$USERNS_MAP" gidMappings || return 1
	# An allow-list: what is not named fails; io_uring answers ENOSYS and
	# ptrace is allowed by no rule (only with CAP_SYS_PTRACE, not in the set).
	expect_eq "$(cfg_get '.linux.seccomp.defaultAction')" SCMP_ACT_ERRNO seccomp.defaultAction || return 1
	expect_eq "$(cfg_get '[.linux.seccomp.syscalls[] | select(.names | index("io_uring_setup")) | .action] | join(" ")')" \
		SCMP_ACT_ERRNO "the io_uring_setup rule" || return 1
	expect_eq "$(cfg_get '[.linux.seccomp.syscalls[] | select(.names | index("ptrace"))] | length')" 0 "rules naming ptrace" || return 1
	expect_eq "$(cfg_get '.linux.resources.memory | "\(.limit) \(.swap)"')" "1073741824 1073741824" linux.resources.memory || return 1
	expect_eq "$(cfg_get '.annotations["org.brig.runtime.rootfs-options"]')" nosuid,nodev "the rootfs options annotation" || return 1
	# What the runc-shaped output has too.
	expect_eq "$(cfg_get '.linux.resources.pids.limit')" 1024 "linux.resources.pids.limit" || return 1
	expect_eq "$(cfg_get '.root.readonly')" true root.readonly
}

@test "spec: a container from the default spec runs as an unprivileged host uid, nosuid, memory-limited, without io_uring and ptrace" {
	probes_bundle
	run_sh "$PROBE_SCRIPT"
	expect_status 0 || return 1
	expect_line '^0$' || return 1
	expect_line '^0 3221225472 65536$' || return 1
	expect_line '^root:(.*,)?nosuid(,.*)?$' || return 1
	expect_line '^memory:1073741824$' || return 1
	expect_line '^io_uring_setup ENOSYS$' || return 1
	expect_line '^BLOCKED: .*ptrace.*EPERM' || return 1
	expect_line '^ptrace probe exit 0$' || return 1
	# And a plain `sh -c id` in the root-owned rootfs, as a user would.
	run_in_container sh -c id
	expect_status 0 || return 1
	expect_output 'uid=0(root) gid=0(root)'
}

@test "spec: a bundle the user namespace's root cannot reach gets an error that says what to do" {
	NEW_BUNDLE_SPEC_ARGS="" new_bundle
	chmod 0700 "$BUNDLE"
	run_in_container true
	expect_status 1 || return 1
	[[ $stderr == *"bind mounting the rootfs "*"/rootfs (in a user namespace the container's root must be able to search every directory on the way: chmod o+x): Permission denied" ]] ||
		{ show_run; fail "no hint"; return 1; }
	chmod 0711 "$BUNDLE"
	run_in_container true
	expect_status 0
}

@test "spec --userns: another host range" {
	mkdir "$BATS_TEST_TMPDIR/s"
	runtime spec --bundle "$BATS_TEST_TMPDIR/s" --userns 3300000000:1000
	BUNDLE=$BATS_TEST_TMPDIR/s
	expect_eq "$(cfg_get '.linux.uidMappings | map([.containerID, .hostID, .size]) | .[] | tojson')" "[0,3300000000,1000]" uidMappings || return 1
	run --separate-stderr runtime spec --bundle "$BATS_TEST_TMPDIR" --userns 4294967295:2
	expect_status 1 || return 1
	[[ $stderr == *"--userns 4294967295:2: expected HOSTID[:SIZE]"* ]] || { show_run; fail "no one-line refusal"; return 1; }
	# Where the default range is nobody's subordinate ids: no warning.
	mkdir "$BATS_TEST_TMPDIR/t"
	run --separate-stderr runtime spec --bundle "$BATS_TEST_TMPDIR/t"
	expect_status 0 || return 1
	if ! cat /etc/subuid /etc/subgid 2>/dev/null |
		awk -F: '$2 < 3221225472 + 65536 && 3221225472 < $2 + $3 { found = 1 } END { exit !found }'; then
		[ -z "$stderr" ] || { show_run; fail "a warning for the default range"; return 1; }
	fi
	# A range that meets someone's /etc/subuid entry gets a warning naming it.
	local line start
	line=$(grep -m1 -E '^[^:]+:[0-9]+:[0-9]+$' /etc/subuid 2>/dev/null) ||
		skip "no /etc/subuid entry to overlap"
	start=$(cut -d: -f2 <<<"$line")
	mkdir "$BATS_TEST_TMPDIR/u"
	run --separate-stderr runtime spec --bundle "$BATS_TEST_TMPDIR/u" --userns "$start:10"
	expect_status 0 || return 1
	[[ $stderr == *"overlap the subordinate ids of ${line%%:*} in /etc/subuid; choose another range with --userns"* ]] ||
		{ show_run; fail "no warning naming the /etc/subuid entry"; return 1; }
}

@test "spec --runc-compatible: runc's shape (no user namespace, deny-list seccomp, no memory limit, rootfs not nosuid)" {
	mkdir "$BATS_TEST_TMPDIR/s"
	runtime spec --runc-compatible --bundle "$BATS_TEST_TMPDIR/s"
	BUNDLE=$BATS_TEST_TMPDIR/s
	expect_eq "$(cfg_get '[.linux.namespaces[].type] | sort | join(" ")')" "cgroup ipc mount network pid uts" linux.namespaces || return 1
	expect_eq "$(cfg_get '[.linux.uidMappings, .linux.gidMappings, .linux.resources.memory, .annotations] | map(. == null) | all')" \
		true "no mappings, memory limit or annotations" || return 1
	expect_eq "$(cfg_get '.linux.seccomp.defaultAction')" SCMP_ACT_ALLOW seccomp.defaultAction || return 1
	# In a container: host root, a root without nosuid, and the same probes
	# get through (which shows they tell the two shapes apart).
	probes_bundle --runc-compatible
	run_sh "$PROBE_SCRIPT"
	expect_status 0 || return 1
	expect_line '^0 0 4294967295$' || return 1
	expect_no_line '^root:(.*,)?nosuid(,.*)?$' || return 1
	expect_no_line '^io_uring_setup ENOSYS$' || return 1
	expect_line '^ESCAPED: .*ptrace' || return 1
	expect_line '^ptrace probe exit 1$'
}

@test "org.brig.runtime.rootfs-options: noexec is applied too; an unknown option is refused, naming the annotation" {
	NEW_BUNDLE_SPEC_ARGS="" new_bundle
	cfg '.annotations["org.brig.runtime.rootfs-options"] = "nosuid,noexec"'
	# sh itself is on the noexec root: the runtime finds nothing to run.
	run_sh true
	expect_status 1 || return 1
	[[ $stderr == *'"sh": executable file not found'* ]] || { show_run; fail "sh was not refused"; return 1; }
	cfg '.annotations["org.brig.runtime.rootfs-options"] = "nosuid,suid"'
	run_sh true
	expect_status 1 || return 1
	[[ $stderr == *'annotations.org.brig.runtime.rootfs-options: unknown option "suid"'* ]] ||
		{ show_run; fail "no refusal naming the annotation"; return 1; }
	[[ $stderr != *$'\n'* ]] || { show_run; fail "more than one line"; return 1; }
}

@test "spec --help documents the hardened default and --runc-compatible" {
	run --separate-stderr "$RUNTIME" spec --help
	expect_status 0 || return 1
	expect_line '^ +--runc-compatible +runc.s shape.*no user namespace' || return 1
	expect_line '^ +--userns HOSTID\[:SIZE\] .*default 3221225472:65536' || return 1
	expect_line 'allow-list seccomp profile'
}
