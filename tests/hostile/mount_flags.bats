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
	brig_teardown
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

# ---- A2: read-only all the way down --------------------------------------

# mounts_not_locked MOUNTINFO DIR: each mount at or below DIR whose options
# lack ro, nosuid or nodev, as "BAD point options"; then "COUNT n".
mounts_not_locked() {
	awk -v d="$2" '$5 == d || index($5, d "/") == 1 {
		n++
		if ($6 !~ /(^|,)ro(,|$)/ || $6 !~ /(^|,)nosuid(,|$)/ || $6 !~ /(^|,)nodev(,|$)/)
			print "BAD " $5 " " $6
	} END { print "COUNT " n + 0 }' <<<"$1"
}

# host_tree: a host directory with two nested writable tmpfs submounts
# (suid and dev allowed), in TREE.
host_tree() {
	TREE=$BATS_TEST_TMPDIR/tree
	mkdir -p "$TREE/sub"
	echo top >"$TREE/top"
	host_mount -t tmpfs -o size=1m,mode=0755 brigt-sub "$TREE/sub"
	mkdir "$TREE/sub/deeper"
	host_mount -t tmpfs -o size=1m,mode=0777 brigt-deeper "$TREE/sub/deeper"
}

brig_setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	[ -x "$BRIG" ] || skip "brig not built"
	BROOT=$BATS_TEST_TMPDIR/broot
	local rfs=$BATS_TEST_TMPDIR/rootfs
	"$BRIG_SRC/scripts/mkrootfs.sh" "$rfs" >/dev/null
	tar -C "$rfs" --numeric-owner -cf "$BATS_TEST_TMPDIR/rootfs.tar" .
	rm -rf "$rfs"
	brig import "$BATS_TEST_TMPDIR/rootfs.tar" bb:1 >/dev/null
}

brig() { "$BRIG" --root "$BROOT" "$@"; }

brig_teardown() {
	local id
	[ -n "${BROOT:-}" ] || return 0
	for id in $(brig ps -a -q --no-trunc 2>/dev/null); do
		brig rm -f "$id" >/dev/null 2>&1 || true
	done
}

@test "A2: brig run -v DIR:/h:ro makes every submount of DIR ro,nosuid,nodev" {
	brig_setup
	host_tree
	run --separate-stderr brig run --rm -v "$TREE:/h:ro" bb:1 \
		sh -c 'cat /proc/self/mountinfo; if echo x >/h/sub/deeper/w; then echo WROTE; fi'
	expect_status 0
	expect_no_line '^WROTE'
	local mi=$output
	run mounts_not_locked "$mi" /h
	expect_no_line '^BAD'
	expect_line '^COUNT 3$'
}

@test "A2: --mount bind-recursive=readonly|writable|disabled, as Docker 25" {
	brig_setup
	host_tree
	run --separate-stderr brig run --rm \
		--mount "type=bind,src=$TREE,dst=/r,readonly,bind-recursive=readonly" \
		--mount "type=bind,src=$TREE,dst=/w,readonly,bind-recursive=writable" \
		--mount "type=bind,src=$TREE,dst=/d,readonly,bind-recursive=disabled" \
		bb:1 cat /proc/self/mountinfo
	expect_status 0
	local mi=$output
	run mounts_not_locked "$mi" /r
	expect_no_line '^BAD'
	expect_line '^COUNT 3$'
	# writable: the top is read-only, the submounts keep their own rw.
	run mounts_not_locked "$mi" /w
	expect_line '^BAD /w/sub '
	expect_no_line '^BAD /w '
	expect_line '^COUNT 3$'
	# disabled: no submounts at all.
	run mounts_not_locked "$mi" /d
	expect_no_line '^BAD'
	expect_line '^COUNT 1$'
}

@test "A2: brig-runtime honours rro, rnosuid, rnodev, rnoexec on a recursive bind" {
	host_tree
	new_bundle
	cfg '.mounts += [{destination: "/h", type: "bind", source: $t,
		options: ["rbind", "rro", "rnosuid", "rnodev", "rnoexec"]}]' --arg t "$TREE"
	run_in_container cat /proc/self/mountinfo
	expect_status 0
	local mi=$output
	run mounts_not_locked "$mi" /h
	expect_no_line '^BAD'
	expect_line '^COUNT 3$'
	run awk '$5 ~ /^\/h/ && $6 !~ /(^|,)noexec(,|$)/' <<<"$mi"
	expect_output ''
}

# ---- B2: in a user namespace a bind keeps its source's restrictions -------

# ro_host_dir: RODIR, a read-only, nosuid, nodev, noexec mount that anyone
# could write if it were writable (mode 0777), holding a writable subdir w
# with a read-only tmpfs below it (RODIR/w/ro).
ro_host_dir() {
	RODIR=$BATS_TEST_TMPDIR/rodir
	mkdir -p "$RODIR"
	host_mount -t tmpfs -o size=1m,mode=0777 brigt-ro "$RODIR"
	mkdir -m 0777 "$RODIR/w" "$RODIR/w/ro"
	host_mount -t tmpfs -o size=1m,mode=0777 brigt-ro-sub "$RODIR/w/ro"
	# Read-only mounts of writable file systems: only the mount flag stops
	# a write.
	mount -o remount,bind,ro "$RODIR/w/ro"
	mount -o remount,bind,ro,nosuid,nodev,noexec "$RODIR"
}

@test "B2: brig run -v of a read-only host mount (no :ro, user namespace) cannot be written" {
	brig_setup
	ro_host_dir
	run --separate-stderr brig run --rm -v "$RODIR:/d" bb:1 sh -c \
		'cat /proc/self/uid_map; if echo x >/d/f; then echo WROTE; fi; awk "\$5 == \"/d\" { print \"OPTS \" \$6 }" /proc/self/mountinfo'
	expect_status 0
	expect_no_line '^WROTE'
	expect_line '^OPTS ro,'
	expect_no_line '^ +0 +0 ' # a user namespace, not the host's ids
	[ ! -e "$RODIR/f" ] || fail "the container wrote $RODIR/f"
}

@test "B2: brig-runtime in a user namespace: rw, suid, dev, exec, rrw never lift the source's flags" {
	[ "$RUNTIME_NAME" = brig-runtime ] || skip "brig-runtime's own rule"
	ro_host_dir
	new_bundle
	mkdir "$BUNDLE/rootfs/d" "$BUNDLE/rootfs/e"
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] + [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts += [{destination: "/d", type: "bind", source: $r,
			options: ["rbind", "rw", "suid", "dev", "exec"]},
			{destination: "/e", type: "bind", source: ($r + "/w"), options: ["rbind", "rrw"]}]' \
		--arg r "$RODIR"
	run_sh 'for f in /d/f /e/ro/f; do if echo x >$f; then echo WROTE $f; fi; done
		awk "\$5 == \"/d\" || \$5 == \"/e/ro\" { print \"OPTS \" \$5 \" \" \$6 }" /proc/self/mountinfo'
	expect_status 0
	expect_no_line '^WROTE'
	expect_line '^OPTS /d ro,nosuid,nodev,noexec'
	expect_line '^OPTS /e/ro ro'
}

# hidden_host_dir: HIDDEN, a host directory whose file hidden/secret is
# covered by a tmpfs mounted on hidden/.
hidden_host_dir() {
	HIDDEN=$BATS_TEST_TMPDIR/hidden-tree
	mkdir -p "$HIDDEN/hidden"
	echo topsecret >"$HIDDEN/hidden/secret"
	chmod 0755 "$HIDDEN" "$HIDDEN/hidden"
	chmod 0644 "$HIDDEN/hidden/secret"
	host_mount -t tmpfs -o size=1m,mode=0755 brigt-hide "$HIDDEN/hidden"
}

# As the kernel locks the mounts a less privileged mount namespace gets from
# a more privileged one: a container with CAP_SYS_ADMIN in its user
# namespace can neither uncover what a submount or a masked path hides nor
# lift a flag, whether the source or the config set it.
@test "B2: with CAP_SYS_ADMIN in a user namespace, a bind's submounts and flags stay locked" {
	brig_setup
	hidden_host_dir
	run --separate-stderr brig run --rm --cap-add SYS_ADMIN \
		-v "$HIDDEN:/d" -v "$HIDDEN:/dr:ro" bb:1 sh -c '
		cat /proc/self/uid_map
		if umount /d/hidden; then echo UNMOUNTED; cat /d/hidden/secret; fi
		if umount -l /d/hidden; then echo UNMOUNTED-LAZY; fi
		if mount -o remount,bind,rw /dr; then echo REMOUNTED-RW; fi
		if mount -o remount,bind,suid,dev,exec /d; then echo REMOUNTED-SUID; fi
		if mount -o remount,bind,rw /; then echo REMOUNTED-ROOT; fi
		if mount -o remount,bind,rw /proc/sys; then echo REMOUNTED-PROCSYS; fi
		for p in /proc/keys /proc/timer_list /sys/firmware; do
			grep -q " $p " /proc/self/mountinfo || continue
			if umount "$p"; then echo "UNMOUNTED-MASK $p"; fi
		done
		grep -q topsecret /d/hidden/secret 2>/dev/null || echo STILL-HIDDEN
		mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && echo OWN-MOUNT'
	expect_status 0
	expect_no_line '^ +0 +0 ' # a user namespace, not the host's ids
	expect_no_line '^UNMOUNTED'
	expect_no_line '^REMOUNTED'
	expect_no_line '.*topsecret'
	expect_line '^STILL-HIDDEN$'
	# Its own mounts stay its own.
	expect_line '^OWN-MOUNT$'
}

# ---- A8, B9: /proc is procfs ---------------------------------------------

@test "A8: a bind of a non-procfs directory onto /proc is refused in a user namespace too" {
	[ "$RUNTIME_NAME" = brig-runtime ] || skip "brig-runtime's own rule"
	local fake=$BATS_TEST_TMPDIR/fakeproc
	mkdir -p "$fake/self"
	chmod 0755 "$fake"
	new_bundle
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] + [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts = [.mounts[] | select(.destination != "/proc")]
		| .mounts += [{destination: "/proc", type: "bind", source: $f, options: ["rbind"]}]
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []' --arg f "$fake"
	run_in_container true
	[ "$status" -ne 0 ] || fail "a non-procfs directory was mounted on /proc"
	[[ $stderr == *"only procfs can be mounted on /proc"* ]] || { show_run; fail "not refused for being non-procfs"; }
}

@test "B9: exec does not write its LSM label into a file mounted over the container's /proc" {
	[ "$RUNTIME_NAME" = brig-runtime ] || skip "brig-runtime's own rule"
	new_bundle
	# A container that may mount: CAP_SYS_ADMIN, no seccomp filter.
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"]) | del(.linux.seccomp)'
	start_container sh -c 'mount -t tmpfs fake /proc &&
		mkdir -p /proc/thread-self/attr/apparmor &&
		touch /proc/thread-self/attr/apparmor/exec /proc/thread-self/attr/exec &&
		echo ready >/tmp/ready; exec sleep 1000'
	local pid fake
	pid=$(container_pid)
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "/proc/$pid/root/tmp/ready" ] && break
		sleep 0.1
	done
	[ -s "/proc/$pid/root/tmp/ready" ] || fail "the container never mounted its fake /proc"
	fake=/proc/$pid/root/proc/thread-self/attr
	run --separate-stderr runtime exec --apparmor brigt-unconfined "$CID" true
	[ ! -s "$fake/apparmor/exec" ] || fail "the label went to the fake file: $(cat "$fake/apparmor/exec")"
	[ ! -s "$fake/exec" ] || fail "the label went to the fake file: $(cat "$fake/exec")"
	[ "$status" -ne 0 ] || fail "exec ran with its label written to a fake /proc"
	[[ $stderr == *"not procfs"* ]] || { show_run; fail "not refused for /proc being no procfs"; }
}
