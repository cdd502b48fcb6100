#!/usr/bin/env bats
# brig exec -u USER (issue 20, B3): the process gets USER's own
# supplementary groups (from the image's /etc/group) plus the container's
# --group-add, never the groups of the container's main user.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

add_groups() { printf 'secret:x:4242:root\ndevs:x:5000:user\n' >>"$1/etc/group"; }

setup_file() { brig_image_tar add_groups; }

setup() { brig_setup grp:1; }

teardown() { brig_teardown; }


@test "B3: exec -u USER gets USER's groups, not the main user's" {
	run -0 brig run -d --group-add 777 grp:1 sleep 1000
	id=$output
	# The main user (root) is in secret (4242), and in 777 by --group-add.
	run -0 brig exec "$id" id -G
	[[ " $output " == *" 4242 "* ]] || false
	# nobody has no groups of its own: only --group-add's.
	run -0 brig exec -u nobody "$id" id -G
	echo "# nobody: $output" >&3
	[[ " $output " != *" 4242 "* ]] || false
	[[ " $output " == *" 777 "* ]] || false
	# user (1000) is in devs (5000).
	run -0 brig exec -u user "$id" id -G
	echo "# user: $output" >&3
	[[ " $output " != *" 4242 "* ]] || false
	[[ " $output " == *" 5000 "* ]] || false
	[[ " $output " == *" 777 "* ]] || false
	# env, workdir and the command still apply.
	run -0 brig exec -u nobody -e FOO=bar -w /tmp "$id" sh -c 'echo "$FOO $(pwd) $(id -u)"'
	[ "$output" = "bar /tmp 65534" ] || false
}

@test "exec -u finds a user the container added, and not one it removed" {
	run -0 brig run -d --read-write grp:1 sleep 1000
	id=$output
	# Docker looks USER up in the container as it is now.
	run -0 brig exec "$id" sh -c 'echo "late:x:3001:3001::/home/late:/bin/sh" >>/etc/passwd
		echo "lateg:x:3002:late" >>/etc/group'
	run -0 brig exec -u late "$id" id
	[[ "$output" == "uid=3001(late) gid=3001 "*"3002(lateg)"* ]] ||
		{ echo "exec -u late: $output" >&2; false; }
	# A user the container removed is gone (a whiteout hides the image's file).
	run -0 brig exec "$id" sh -c 'rm /etc/group'
	run brig exec -u user:devs "$id" id
	[ "$status" -ne 0 ] || { echo "the removed /etc/group was still read" >&2; false; }
	[[ "$output" == *"no matching entries in the container's /etc/group"* ]] || false
}
