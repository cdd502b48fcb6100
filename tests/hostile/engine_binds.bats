#!/usr/bin/env bats
# Bind sources a container can redirect (issue 20, A1): a bind's host
# source is resolved once, at create, and every later start opens exactly
# that directory again or refuses to start.  A container that replaces a
# directory it can write with a symlink must not get the symlink's target
# on its next start.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	brig_setup bb:1
	MARK=/dev/shm/brig-a1-$$-$BATS_SUITE_TEST_NUMBER
}

teardown() {
	brig_teardown
	rm -f "$MARK"
}

# settled ID: poll (bounded) until the container has been restarted once
# and then either exited for good or written the marker file.
settled() {
	local i got=
	for ((i = 0; i < 300; i++)); do
		[ -e "$MARK" ] && return 0
		got=$(brig inspect -f '{{.RestartCount}} {{.State.Status}}' "$1" 2>/dev/null)
		if [ "$got" = "1 exited" ] && brig wait "$1" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "$1: state is '$got', wanted '1 exited' or $MARK" >&2
	return 1
}

@test "A1: a bind source the container replaced by a symlink to / is not followed on restart" {
	local app=$BATS_TEST_TMPDIR/app name=${MARK##*/}
	mkdir -p "$app/conf"
	echo x >"$app/conf/app.conf"
	chmod 0777 "$app" "$app/conf"
	chmod 0666 "$app/conf/app.conf"
	run -0 brig run -d --restart on-failure:1 -v "$app:/app" -v "$app/conf:/conf:ro" bb:1 \
		sh -c "if [ -e /conf/app.conf ]; then rm -rf /app/conf; ln -s / /app/conf; exit 1;
		       else ls /conf; echo pwn > /conf/dev/shm/$name; fi; sleep 100"
	id=$output
	settled "$id"
	# The container did plant the link ...
	run -0 readlink "$app/conf"
	[ "$output" = / ] || false
	# ... and its restart did not see the host's root.
	[ ! -e "$MARK" ] || false
	run -0 brig logs "$id"
	[[ "$output" != *bin* ]] || false
	run -0 brig inspect -f '{{.RestartCount}} {{.State.Error}}' "$id"
	echo "# $output" >&3
	[[ "$output" == *"/app/conf"* ]] || false
}

@test "A1: a bind source replaced by another directory refuses to start" {
	local src=$BATS_TEST_TMPDIR/data
	mkdir -p "$src"
	# (stderr apart: a warning says the container cannot write the source)
	run -0 --separate-stderr brig create -v "$src:/data" bb:1 ls /data
	id=$output
	mv "$src" "$src.old"
	mkdir "$src"
	run brig start "$id"
	echo "# $output" >&3
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"$src"*"changed since the container was created"* ]] || false
	# The original directory back in place: it starts again.
	rmdir "$src"
	mv "$src.old" "$src"
	run brig start "$id"
	[ "$status" -eq 0 ] || false
}

@test "A1: a bind source that is a symlink the user named is followed once, at create" {
	local real=$BATS_TEST_TMPDIR/real link=$BATS_TEST_TMPDIR/link
	mkdir -p "$real" "$BATS_TEST_TMPDIR/other"
	echo real >"$real/which"
	echo other >"$BATS_TEST_TMPDIR/other/which"
	chmod 0755 "$real" "$BATS_TEST_TMPDIR/other"
	chmod 0644 "$real/which" "$BATS_TEST_TMPDIR/other/which"
	ln -s "$real" "$link"
	run -0 brig create -v "$link:/d:ro" bb:1 cat /d/which
	id=$output
	# Moving the user's link afterwards changes nothing: the container
	# keeps the directory it was created with.
	ln -sfn "$BATS_TEST_TMPDIR/other" "$link"
	run -0 brig start -a "$id"
	[ "$output" = real ] || false
}
