#!/usr/bin/env bats
# The filesystem the process sees: mounts and their flags, read-only root,
# masked and read-only paths, device nodes and the device cgroup.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
}
teardown() { runtime_teardown; }

# mountinfo_of DIR: a container script printing the mountinfo line of DIR as
# "MOUNT-OPTIONS FSTYPE SUPER-OPTIONS".
mountinfo_of() {
	echo "awk '\$5 == \"$1\" { for (i = 7; \$i != \"-\"; i++); print \$6, \$(i + 1), \$(i + 3) }' /proc/self/mountinfo | tail -1"
}

# expect_opts OPTIONS WORD...: each WORD is one of the comma-separated OPTIONS.
expect_opts() {
	local opts=",$1," w
	shift
	for w in "$@"; do
		[[ $opts == *",$w,"* ]] || fail "option $w missing from ${opts:1:-1}"
	done
}

@test "mounts: a tmpfs with size, nosuid, nodev, noexec" {
	cfg '.mounts += [{destination: "/mnt/t", type: "tmpfs", source: "tmpfs",
		options: ["size=1m", "nosuid", "nodev", "noexec", "mode=700"]}]'
	run_sh "$(mountinfo_of /mnt/t); stat -c %a /mnt/t; cp /bin/busybox /mnt/t/bb && /mnt/t/bb true || echo exec-denied"
	expect_status 0
	local opts fstype super
	read -r opts fstype super <<<"$(sed -n 1p <<<"$output")"
	expect_eq "$fstype" tmpfs fstype
	expect_opts "$opts" rw nosuid nodev noexec
	expect_opts "$super" size=1024k mode=700
	expect_eq "$(sed -n 2p <<<"$output")" 700 mode
	expect_line '^exec-denied$'
}

@test "mounts: a tmpfs size limit is enforced" {
	cfg '.mounts += [{destination: "/mnt/t", type: "tmpfs", source: "tmpfs", options: ["size=64k"]}]'
	run_sh 'dd if=/dev/zero of=/mnt/t/big bs=1k count=200 2>&1 || echo write-failed'
	expect_status 0
	expect_line 'No space left on device'
	expect_line '^write-failed$'
}

@test "mounts: a read-only bind mount" {
	mkdir "$BATS_TEST_TMPDIR/data"
	echo from-host >"$BATS_TEST_TMPDIR/data/file"
	cfg '.mounts += [{destination: "/data", type: "bind", source: $src, options: ["rbind", "ro"]}]' \
		--arg src "$BATS_TEST_TMPDIR/data"
	run_sh "cat /data/file; touch /data/new 2>&1 || echo write-denied; $(mountinfo_of /data)"
	expect_status 0
	expect_line '^from-host$'
	expect_line 'Read-only file system'
	expect_line '^write-denied$'
	expect_opts "$(sed -n '$p' <<<"$output" | cut -d' ' -f1)" ro
	[ ! -e "$BATS_TEST_TMPDIR/data/new" ]
}

@test "mounts: a writable bind mount writes through to the host" {
	mkdir "$BATS_TEST_TMPDIR/data"
	cfg '.mounts += [{destination: "/data", type: "bind", source: $src, options: ["rbind", "rw"]}]' \
		--arg src "$BATS_TEST_TMPDIR/data"
	run_sh 'echo from-container >/data/out'
	expect_status 0
	expect_eq "$(cat "$BATS_TEST_TMPDIR/data/out")" from-container "host file"
}

@test "mounts: a bind mount of a single file with nosuid,nodev,noexec" {
	printf '#!/bin/sh\necho ran\n' >"$BATS_TEST_TMPDIR/script"
	chmod 755 "$BATS_TEST_TMPDIR/script"
	cfg '.mounts += [{destination: "/usr/local/bin/script", type: "bind", source: $src,
		options: ["bind", "ro", "nosuid", "nodev", "noexec"]}]' --arg src "$BATS_TEST_TMPDIR/script"
	run_sh "$(mountinfo_of /usr/local/bin/script); /usr/local/bin/script || echo exec-denied; sh /usr/local/bin/script"
	expect_status 0
	expect_opts "$(sed -n 1p <<<"$output" | cut -d' ' -f1)" ro nosuid nodev noexec
	expect_line '^exec-denied$'
	expect_line '^ran$'
}

@test "mounts: the standard /proc, /dev, /dev/pts, /dev/shm, /sys" {
	run_sh 'for d in /proc /dev /dev/pts /dev/shm /sys; do
		awk -v d=$d '"'"'$5 == d { for (i = 7; $i != "-"; i++); print d, $(i + 1) }'"'"' /proc/self/mountinfo | tail -1
	done'
	expect_status 0
	expect_output "$(printf '/proc proc\n/dev tmpfs\n/dev/pts devpts\n/dev/shm tmpfs\n/sys sysfs')"
}

@test "readonly root: writing to / fails" {
	cfg '.root.readonly = true'
	run_sh "touch /x 2>&1 || echo write-denied; $(mountinfo_of /)"
	expect_status 0
	expect_line 'Read-only file system'
	expect_line '^write-denied$'
	expect_opts "$(sed -n '$p' <<<"$output" | cut -d' ' -f1)" ro
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "readonly root: false leaves / writable" {
	cfg '.root.readonly = false'
	run_sh 'touch /x && echo wrote'
	expect_status 0
	expect_output wrote
	[ -e "$BUNDLE/rootfs/x" ]
}

@test "maskedPaths: files read empty and directories look empty" {
	mkdir -p "$BUNDLE/rootfs/secretdir"
	echo secret >"$BUNDLE/rootfs/secretdir/key"
	echo secret >"$BUNDLE/rootfs/etc/secretfile"
	# /proc/kcore may not exist on this kernel: a missing path is no error.
	cfg '.linux.maskedPaths = ["/proc/kcore", "/proc/timer_list", "/proc/keys", "/secretdir",
		"/etc/secretfile", "/no/such/path"]'
	[ "$(head -c 1 /proc/timer_list | wc -c)" -eq 1 ]
	run_sh 'head -c 1 /proc/timer_list | wc -c; wc -c </etc/secretfile; ls -A /secretdir | wc -l
		cat /secretdir/key 2>/dev/null || echo key-hidden'
	expect_status 0
	expect_output "$(printf '0\n0\n0\nkey-hidden')"
}

@test "readonlyPaths: /proc/sys is read-only" {
	cfg '.linux.readonlyPaths = ["/proc/sys", "/proc/sysrq-trigger"]'
	run_sh "{ echo other >/proc/sys/kernel/hostname; } 2>&1 || echo write-denied; hostname; $(mountinfo_of /proc/sys)"
	expect_status 0
	expect_line 'Read-only file system'
	expect_line '^write-denied$'
	expect_eq "$(sed -n 3p <<<"$output")" "$(cfg_get .hostname)" hostname
	expect_opts "$(sed -n '$p' <<<"$output" | cut -d' ' -f1)" ro
}

@test "devices: the standard nodes with their numbers" {
	run_sh 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done
		echo x >/dev/null && head -c 3 /dev/zero | od -An -tx1'
	expect_status 0
	expect_output "$(printf '%s\n' \
		"/dev/null character special file 1:3 666" \
		"/dev/zero character special file 1:5 666" \
		"/dev/full character special file 1:7 666" \
		"/dev/random character special file 1:8 666" \
		"/dev/urandom character special file 1:9 666" \
		"/dev/tty character special file 5:0 666" \
		" 00 00 00")"
}

@test "devices: a configured node exists but the device cgroup denies it" {
	cfg '.linux.devices = [{path: "/dev/brigfuse", type: "c", major: 10, minor: 229,
		fileMode: 432, uid: 0, gid: 0}]'
	run_sh 'stat -c "%F %t:%T %a %u" /dev/brigfuse; ( : </dev/brigfuse ) 2>&1 || echo open-denied'
	expect_status 0
	expect_line '^character special file a:e5 660 0$'
	expect_line 'Operation not permitted'
	expect_line '^open-denied$'
}

@test "devices: a configured node allowed by the device cgroup opens" {
	cfg '.linux.devices = [{path: "/dev/brigfuse", type: "c", major: 10, minor: 229, fileMode: 432}]
		| .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rw"}]'
	run_sh '( : </dev/brigfuse ) && echo opened'
	expect_status 0
	expect_output opened
}

@test "devices: /dev holds nothing beyond the standard and configured nodes" {
	run_sh 'ls /dev | sort | tr "\n" " "'
	expect_status 0
	local name
	for name in $output; do
		case $name in
		null | zero | full | random | urandom | tty | console | ptmx | pts | shm | mqueue | fd | stdin | stdout | stderr | core) ;;
		*) fail "unexpected /dev/$name" ;;
		esac
	done
}

@test "mounts: an idmapped bind mount shows the mapped owner" {
	skip_if_runc_lacks "idmapped mounts" 1.2.0
	local src=$BATS_TEST_TMPDIR/idmapped
	mkdir -p "$src"
	echo data >"$src/file"
	chown 0:0 "$src/file"
	cfg '.mounts += [{destination: "/data", type: "bind", source: $s,
		options: ["bind", "ro"],
		uidMappings: [{containerID: 0, hostID: 2000, size: 1}],
		gidMappings: [{containerID: 0, hostID: 2000, size: 1}]}]' --arg s "$src"
	# As with a user namespace's maps (and podman's idmap volumes): an id
	# on the file system (containerID) is seen as hostID through the mount.
	run_sh 'stat -c "%u:%g" /data/file; cat /data/file'
	expect_status 0
	expect_line '^2000:2000$'
	expect_line '^data$'
	[ "$(stat -c %u:%g "$src/file")" = 0:0 ] || fail "the host file's owner changed"
}

# Issue 19 item 3: runc follows a dangling symlink at a bind's destination
# inside the rootfs and creates its target there.
@test "mounts: a bind onto a dangling symlink creates its target inside the rootfs" {
	local src=$BATS_TEST_TMPDIR/resolv.conf outside=/srv/brigt-climb-$TEST_UNIQ
	echo "nameserver 127.0.0.53" >"$src"
	chmod 0644 "$src"
	rm -f "$BUNDLE/rootfs/etc/resolv.conf"
	ln -s ../run/systemd/resolve/stub-resolv.conf "$BUNDLE/rootfs/etc/resolv.conf"
	# An absolute link that climbs: it names a path inside the rootfs, never
	# the host's $outside.
	ln -s "/../../../../../..$outside/made" "$BUNDLE/rootfs/etc/climb.conf"
	# Put /run on the rootfs itself (no tmpfs there), so the target is made
	# in the bundle, where the test can see it.
	cfg '.mounts = [.mounts[] | select(.destination != "/run")]
		| .mounts += [{destination: "/etc/resolv.conf", type: "bind", source: $s,
			options: ["bind", "ro"]},
			{destination: "/etc/climb.conf", type: "bind", source: $s,
			options: ["bind", "ro"]}]' --arg s "$src"
	run_sh 'cat /etc/resolv.conf /run/systemd/resolve/stub-resolv.conf /etc/climb.conf'
	expect_status 0
	expect_eq "$(grep -c '^nameserver 127.0.0.53$' <<<"$output")" 3 "reads through the binds"
	[ -f "$BUNDLE/rootfs/run/systemd/resolve/stub-resolv.conf" ] || fail "no target made in the rootfs"
	[ -f "$BUNDLE/rootfs$outside/made" ] || fail "the climbing link's target is not in the rootfs"
	[ ! -e "$outside" ] || fail "something was created outside the rootfs: $outside"
}

# Issue 19 item 10: as runc, a tmpfs without mode= keeps the mode of the
# directory it is mounted on; mode= wins; a directory the runtime had to
# create gets the tmpfs default.
@test "mounts: a tmpfs onto a directory keeps the directory's mode unless mode= is given" {
	mkdir "$BUNDLE/rootfs/m712" "$BUNDLE/rootfs/m750"
	chmod 0712 "$BUNDLE/rootfs/m712"
	chmod 0712 "$BUNDLE/rootfs/m750"
	cfg '.mounts += [{destination: "/m712", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
		{destination: "/m750", type: "tmpfs", source: "tmpfs", options: ["mode=750"]},
		{destination: "/made", type: "tmpfs", source: "tmpfs", options: ["nosuid", "silent", "sync"]}]'
	run_sh 'stat -c "%n %a" /m712 /m750 /made'
	expect_status 0
	expect_line '^/m712 712$'
	expect_line '^/made 1777$'
	# runc before 1.2 chmods over an explicit mode= too.
	if [ "$RUNTIME_NAME" = runc ] && version_lt "$RUNTIME_VERSION" 1.2; then return 0; fi
	expect_line '^/m750 750$'
}
