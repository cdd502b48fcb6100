#!/usr/bin/env bats
# Bind mounts in a user namespace (brig's default): a host directory owned
# by host root shows as nobody inside and the container cannot write it.
# `-v SRC:DST:U` gives the source tree to the container's user (as podman's
# :U), never following a symlink in it; a writable bind the container's ids
# do not own gets a one-line warning at create.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	brig_setup bb:1
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC/sub"
	echo hi >"$SRC/sub/file"
}

teardown() { brig_teardown; }

# userns_on ID: the container has a user namespace; HOSTUID is its root's
# host uid.
userns_on() {
	HOSTUID=$(brig inspect -f '{{.Brig.Userns.HostUid}}' "$1") || return 1
	[[ "$HOSTUID" =~ ^[0-9]+$ ]] && [ "$HOSTUID" -gt 0 ]
}

@test "a writable bind of a root-owned source: a warning at create, and the container cannot write it" {
	run --separate-stderr brig create --read-write -v "$SRC:/data" bb:1 sh -c 'echo x >/data/new'
	[ "$status" -eq 0 ] || false
	id=$output
	userns_on "$id" || skip "containers here run without a user namespace"
	[[ "$stderr" == *"bind source $SRC belongs to uid 0, outside the container's user namespace"* ]] || false
	[[ "$stderr" == *":U"* ]] || false
	run brig start -a "$id"
	[ "$status" -ne 0 ] || false
	[ ! -e "$SRC/new" ] || false
	run --separate-stderr brig create -v "$SRC:/data:ro" bb:1 true
	[ "$status" -eq 0 ] || false
	[[ "$stderr" != *"outside the container"* ]] || false
	# a source anyone may write needs no warning: the container can write it
	chmod 0777 "$SRC"
	run --separate-stderr brig create --read-write -v "$SRC:/data" bb:1 true
	[ "$status" -eq 0 ] || false
	[[ "$stderr" != *"outside the container"* ]] || false
}

@test ":U gives the tree to the container's root; the container writes it; no warning" {
	ln -s /etc/passwd "$SRC/sub/link"
	before=$(stat -c '%u:%g' /etc/passwd)
	run --separate-stderr brig create --read-write -v "$SRC:/data:U" bb:1 \
		sh -c 'echo x >/data/new && echo y >/data/sub/file && stat -c "%u:%g" /data /data/sub/file'
	[ "$status" -eq 0 ] || false
	id=$output
	userns_on "$id" || skip "containers here run without a user namespace"
	[[ "$stderr" != *"outside the container"* ]] || false
	run brig start -a "$id"
	[ "$status" -eq 0 ] || false
	[ "${lines[0]}" = "0:0" ] || false
	[ "${lines[1]}" = "0:0" ] || false
	[ "$(cat "$SRC/new")" = x ] || false
	# owned on the host by the container's root, the symlink's target untouched
	[ "$(stat -c '%u' "$SRC/sub/file")" = "$HOSTUID" ] || false
	[ "$(stat -c '%u' "$SRC/sub/link")" = "$HOSTUID" ] || false
	[ "$(stat -c '%u:%g' /etc/passwd)" = "$before" ] || false
}

@test ":U with --user gives the tree to that user; U on a volume is refused" {
	run --separate-stderr brig create --user 1000:1000 -v "$SRC:/data:U" bb:1 true
	[ "$status" -eq 0 ] || false
	userns_on "$output" || skip "containers here run without a user namespace"
	[ "$(stat -c '%u:%g' "$SRC/sub/file")" = "$((HOSTUID + 1000)):$((HOSTUID + 1000))" ] || false
	run --separate-stderr brig create -v vol1:/data:U bb:1 true
	[ "$status" -eq 125 ] || false
	[[ "$stderr" == *"U is for bind mounts"* ]] || false
}
