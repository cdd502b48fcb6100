#!/usr/bin/env bats
# Issue 20 A6: a bound on a writable root.  `--storage-opt size=SIZE`,
# `brig volume create -o size=SIZE` and the engine config's
# "default-storage-size" bound what a container's writable root or a volume
# may hold: a btrfs subvolume with a qgroup limit (docs/engine.md, "Bounds on what a container writes").
# The tests make their own btrfs in a file, loop-mounted, with quotas on,
# and use it as the store; a store anywhere else refuses the bound.

bats_require_minimum_version 1.5.0

setup_file() {
	local rfs=$BATS_FILE_TMPDIR/rootfs
	"$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$rfs" >/dev/null
	# ioctl-probe: ioctl with a request number of the test's choice
	if command -v cc >/dev/null; then
		cc -static -O2 -o "$rfs/bin/ioctl-probe" \
			"$BATS_TEST_DIRNAME/../unit/engine_seccomp/ioctl_probe.c" \
			2>"$BATS_FILE_TMPDIR/cc.log" || true
	else
		echo "no C compiler" >"$BATS_FILE_TMPDIR/cc.log"
	fi
	tar -C "$rfs" --numeric-owner -cf "$BATS_FILE_TMPDIR/rootfs.tar" .
	make_btrfs
}

# The btrfs store, once per file.  What could not be made is written to
# $BATS_FILE_TMPDIR/no-btrfs, and the tests that need it skip with it.
make_btrfs() {
	local img=$BATS_FILE_TMPDIR/btrfs.img mnt=$BATS_FILE_TMPDIR/mnt dev
	local why=$BATS_FILE_TMPDIR/no-btrfs
	if ! command -v mkfs.btrfs >/dev/null || ! command -v btrfs >/dev/null; then
		echo "mkfs.btrfs and btrfs (btrfs-progs) are not installed" >"$why"
		return 0
	fi
	if [ ! -e /dev/loop-control ] || ! command -v losetup >/dev/null; then
		echo "no loop devices" >"$why"
		return 0
	fi
	truncate -s 512m "$img"
	mkfs.btrfs -q "$img" >/dev/null 2>&1 || { echo "mkfs.btrfs failed" >"$why"; return 0; }
	dev=$(losetup --find --show "$img") || { echo "no free loop device" >"$why"; return 0; }
	echo "$dev" >"$BATS_FILE_TMPDIR/loopdev"
	mkdir -p "$mnt"
	if ! mount -t btrfs "$dev" "$mnt"; then
		echo "cannot mount btrfs on $dev (not in this kernel?)" >"$why"
		return 0
	fi
	echo "$mnt" >"$BATS_FILE_TMPDIR/mounted"
	btrfs quota enable "$mnt" || echo "btrfs quota enable failed" >"$why"
	return 0
}

teardown_file() {
	local mnt dev
	if [ -f "$BATS_FILE_TMPDIR/mounted" ]; then
		mnt=$(cat "$BATS_FILE_TMPDIR/mounted")
		umount "$mnt" || umount -l "$mnt"
	fi
	if [ -f "$BATS_FILE_TMPDIR/loopdev" ]; then
		dev=$(cat "$BATS_FILE_TMPDIR/loopdev")
		losetup -d "$dev"
	fi
	rm -f "$BATS_FILE_TMPDIR/btrfs.img"
}

setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	ROOT=$BATS_TEST_TMPDIR/root
	CONF=$BATS_TEST_TMPDIR/brig.conf
	echo '{}' >"$CONF"
}

teardown() {
	local id
	for id in $(brig ps -a -q --no-trunc 2>/dev/null); do
		brig rm -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(brig volume ls -q 2>/dev/null); do
		brig volume rm -f "$id" >/dev/null 2>&1 || true
	done
	# A store on the btrfs goes with the test, so the file system unmounts.
	if [[ "$ROOT" == "$BATS_FILE_TMPDIR"/mnt/* ]]; then
		rm -rf "$ROOT" || true
	fi
}

brig() { "$BRIG" --root "$ROOT" --config "$CONF" "$@"; }

# Use a store on the btrfs, or skip saying why there is none.
use_btrfs_store() {
	if [ -f "$BATS_FILE_TMPDIR/no-btrfs" ]; then
		skip "$(cat "$BATS_FILE_TMPDIR/no-btrfs")"
	fi
	ROOT=$BATS_FILE_TMPDIR/mnt/root-$BATS_TEST_NUMBER
	mkdir -p "$ROOT"
	run -0 brig import "$BATS_FILE_TMPDIR/rootfs.tar" bb:1
}

# subvolumes: the btrfs's subvolume paths, one a line.
subvolumes() { btrfs subvolume list -o "$BATS_FILE_TMPDIR/mnt" | awk '{ print $NF }'; }

# fill DIR: in a container, 20 MB to DIR/big must fail for lack of room, then
# 5 MB to DIR/small must fit.  The container's output is checked.
fill_script='dd if=/dev/zero of=$1/big bs=1M count=20 2>&1; echo "big=$?"; rm -f $1/big; sync
dd if=/dev/zero of=$1/small bs=1M count=5 2>/dev/null; echo "small=$?"'

expect_bounded() {
	[[ "$output" == *"big=1"* ]] || { echo "20 MB were written: $output"; return 1; }
	[[ "$output" == *"Disk quota exceeded"* || "$output" == *"No space left"* ]] ||
		{ echo "the 20 MB write did not fail with EDQUOT or ENOSPC: $output"; return 1; }
	[[ "$output" == *"small=0"* ]] || { echo "5 MB did not fit: $output"; return 1; }
}

@test "--storage-opt size=10m: 20 MB do not fit in the writable root, 5 MB do; inspect shows the bound" {
	use_btrfs_store
	run brig run --name q --read-write --storage-opt size=10m bb:1 sh -c "$fill_script" sh ''
	[ "$status" -eq 0 ] || { echo "run: $status $output"; false; }
	expect_bounded
	run -0 brig inspect -f '{{json .HostConfig.StorageOpt}}' q
	[ "$output" = '{"size":"10m"}' ] || { echo "StorageOpt: $output"; false; }
	run -0 brig inspect -f '{{.GraphDriver.Data.UpperDir}}' q
	[[ "$output" == */rw/upper ]] || { echo "UpperDir: $output"; false; }
	# system df counts the 5 MB in the rw/ subvolume (a device of its own).
	run -0 brig system df --format json
	run -0 jq -r 'select(.Type == "Containers").SizeBytes' <<<"$output"
	[ "$output" -ge $((5 << 20)) ] || { echo "system df: containers hold $output bytes"; false; }
}

@test "rm removes the container's bounded subvolume" {
	use_btrfs_store
	run -0 brig create --name q --read-write --storage-opt size=10m bb:1 true
	local id=$output
	run -0 subvolumes
	[[ "$output" == *"containers/$id/rw"* ]] || { echo "no subvolume for $id: $output"; false; }
	run -0 brig rm q
	run -0 subvolumes
	[[ "$output" != *"$id"* ]] || { echo "subvolume left after rm: $output"; false; }
	[ ! -e "$ROOT/containers/$id" ] || { echo "container directory left"; false; }
	[ ! -e "$ROOT/containers/.rm-$id" ] || { echo "container .rm- directory left"; false; }
}

@test "volume create -o size=10m bounds the volume; volume rm removes it" {
	use_btrfs_store
	run -0 brig volume create -o size=10m vq
	run -0 brig volume inspect -f '{{json .Options}}' vq
	[ "$output" = '{"size":"10m"}' ] || { echo "Options: $output"; false; }
	run brig run --rm -v vq:/data bb:1 sh -c "$fill_script" sh /data
	[ "$status" -eq 0 ] || { echo "run: $status $output"; false; }
	expect_bounded
	run -0 subvolumes
	[[ "$output" == *"volumes/vq/_data"* ]] || { echo "no subvolume for vq: $output"; false; }
	run -0 brig volume rm vq
	run -0 subvolumes
	[[ "$output" != *"vq"* ]] || { echo "subvolume left after volume rm: $output"; false; }
	[ ! -e "$ROOT/volumes/vq" ] && [ ! -e "$ROOT/volumes/.rm-vq" ] ||
		{ echo "volume directory left"; false; }
}

@test "default-storage-size bounds writable containers only; --storage-opt wins" {
	use_btrfs_store
	echo '{"default-storage-size": "10m"}' >"$CONF"
	run brig run --read-write bb:1 sh -c "$fill_script" sh ''
	[ "$status" -eq 0 ] || { echo "run: $status $output"; false; }
	expect_bounded
	run -0 brig create --name ro bb:1 true
	run -0 brig inspect -f '{{json .HostConfig.StorageOpt}} {{.GraphDriver.Data.UpperDir}}' ro
	[[ "$output" == "{} "*"/upper" && "$output" != */rw/upper ]] ||
		{ echo "a read-only container got a bound: $output"; false; }
	run -0 brig create --name big --read-write --storage-opt size=64m bb:1 true
	run -0 brig inspect -f '{{json .HostConfig.StorageOpt}}' big
	[ "$output" = '{"size":"64m"}' ] || { echo "StorageOpt: $output"; false; }
}

@test "a store that is not btrfs with quotas refuses the bound with one line" {
	mkdir -p "$ROOT"
	run -0 brig import "$BATS_FILE_TMPDIR/rootfs.tar" bb:1
	local fs
	fs=$(stat -f -c %T "$ROOT")
	[[ "$fs" != btrfs ]] || skip "the test directory is on btrfs"
	run brig run --rm --read-write --storage-opt size=10m bb:1 true
	[ "$status" -eq 125 ] || { echo "run: $status $output"; false; }
	[[ "$output" == "brig: --storage-opt size needs the store on btrfs with quotas enabled (btrfs quota enable); $ROOT is "* ]] ||
		{ echo "message: $output"; false; }
	[ "${#lines[@]}" -eq 1 ] || { echo "more than one line: $output"; false; }
	run -0 brig ps -aq
	[ -z "$output" ] || { echo "a container was left: $output"; false; }
	run brig volume create -o size=10m vq
	[ "$status" -eq 1 ] || { echo "volume create: $status $output"; false; }
	[[ "$output" == "brig: --opt size needs the store on btrfs"* ]] || { echo "message: $output"; false; }
	run -0 brig volume ls -q
	[ -z "$output" ] || { echo "a volume was left: $output"; false; }
	# The engine config's default: writable containers are refused, naming
	# the key; read-only ones get no bound and run.
	echo '{"default-storage-size": "10m"}' >"$CONF"
	run brig run --rm --read-write bb:1 true
	[ "$status" -eq 125 ] || { echo "run: $status $output"; false; }
	[[ "$output" == "brig: the engine config's default-storage-size needs the store on btrfs"* ]] ||
		{ echo "message: $output"; false; }
	run brig run --rm bb:1 echo read-only
	[ "$status" -eq 0 ] && [ "$output" = read-only ] || { echo "read-only run: $status $output"; false; }
	run brig run --rm --storage-opt quota=1 bb:1 true
	[ "$status" -eq 125 ] || { echo "run: $status $output"; false; }
	[[ "$output" == *"--storage-opt quota=1: unknown option"* ]] || { echo "message: $output"; false; }
}

# The bound holds only while no new subvolume can be made inside it: a new
# subvolume has no quota.  The default seccomp profile refuses the btrfs
# ioctls that make one, also with the request's (ignored) high bits set.
@test "volume create -o size=10m: a container cannot make a btrfs subvolume in the volume" {
	use_btrfs_store
	[ -x "$BATS_FILE_TMPDIR/rootfs/bin/ioctl-probe" ] ||
		skip "cannot build a static ioctl-probe: $(tail -1 "$BATS_FILE_TMPDIR/cc.log")"
	run -0 brig volume create -o size=10m vq
	# BTRFS_IOC_SUBVOL_CREATE, plain and with the high bits set
	run brig run --rm -v vq:/data bb:1 sh -c \
		'ioctl-probe subvol /data s1 0x5000940e; ioctl-probe subvol /data s2 0xffffffff5000940e'
	[ "$status" -eq 0 ] || { echo "run: $status $output"; false; }
	[ "$output" = "$(printf 'EPERM\nEPERM')" ] || { echo "subvolume create: $output"; false; }
	run -0 subvolumes
	[[ "$output" != *"vq/_data/s"* ]] || { echo "a subvolume was made: $output"; false; }
	# without the filter the kernel makes it: EPERM above was the filter's
	run brig run --rm --security-opt seccomp=unconfined -v vq:/data bb:1 \
		ioctl-probe subvol /data s3 0x5000940e
	local st=$status out=$output
	if [ -d "$ROOT/volumes/vq/_data/s3" ]; then
		btrfs subvolume delete "$ROOT/volumes/vq/_data/s3" >/dev/null || true
	fi
	[[ "$st" -eq 0 && "$out" = ok ]] || { echo "unconfined: $st $out"; false; }
}
