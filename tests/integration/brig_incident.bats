#!/usr/bin/env bats
# Incident response (issue 15): pause and unpause with the cgroup freezer,
# diff, commit, export and cp, as Docker has them.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# The v1 freezer state of the container's init (FROZEN, THAWED...).
freezer_state() {
	local pid path
	pid=$(field "$1" '{{.State.Pid}}') || return 1
	path=$(awk -F: '$2 == "freezer" { print $3 }' "/proc/$pid/cgroup")
	[ -n "$path" ] || return 1
	cat "/sys/fs/cgroup/freezer$path/freezer.state"
}
freezer_is() { [ "$(freezer_state "$1")" = "$2" ]; }

need_freezer() {
	[ -d /sys/fs/cgroup/freezer ] || skip "no v1 freezer hierarchy on this host"
}

# A container that added, changed and deleted files, in / and in a subdir.
make_changes() {
	run brig run -d --read-write --name "$1" bb:1 sleep 1000
	[ "$status" -eq 0 ] || false
	run brig exec "$1" sh -c 'mkdir -p /data/sub && echo new >/data/sub/f &&
		echo changed >>/etc/passwd && rm /etc/group && echo top >/added'
	[ "$status" -eq 0 ] || false
}

@test "pause freezes every process; ps and inspect say Paused; unpause thaws" {
	need_freezer
	run brig run -d --name p1 bb:1 sleep 1000
	[ "$status" -eq 0 ] || false
	run brig pause p1
	[ "$status" -eq 0 ] || false
	[ "$output" = p1 ] || false
	wait_until "the freezer to read FROZEN" freezer_is p1 FROZEN
	run brig inspect -f '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p1
	[ "$output" = "paused true true" ] || false
	run brig ps --filter name=p1
	[[ "$output" == *"(Paused)"* ]] || false
	run brig exec p1 true
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"is paused, unpause the container before exec"* ]] || false
	run brig pause p1
	[ "$status" -eq 1 ] || false
	run brig unpause p1
	[ "$status" -eq 0 ] || false
	wait_until "the freezer to read THAWED" freezer_is p1 THAWED
	run brig inspect -f '{{.State.Status}} {{.State.Paused}}' p1
	[ "$output" = "running false" ] || false
	run brig exec p1 echo alive
	[ "$output" = alive ] || false
}

@test "a paused container can be stopped and killed" {
	need_freezer
	run brig run -d --name p2 bb:1 sleep 1000
	run brig pause p2
	[ "$status" -eq 0 ] || false
	run brig stop -t 1 p2
	[ "$status" -eq 0 ] || false
	wait_field p2 '{{.State.Status}}' exited
	run brig start p2
	run brig pause p2
	[ "$status" -eq 0 ] || false
	run brig kill p2
	[ "$status" -eq 0 ] || false
	wait_field p2 '{{.State.Status}}' exited
}

@test "diff lists exactly what the container added, changed and deleted" {
	make_changes d1
	run brig diff d1
	[ "$status" -eq 0 ] || false
	local want
	want=$(printf '%s\n' "A /added" "A /data" "A /data/sub" "A /data/sub/f" "C /etc" \
		"D /etc/group" "C /etc/passwd")
	[ "$output" = "$want" ] || { echo "$output"; false; }
	run brig diff --format json d1
	[ "$(jq -c '.[] | select(.Path == "/etc/group") | .Kind' <<<"$output")" = 2 ] || false
	[ "$(jq length <<<"$output")" = 7 ] || false
}

@test "diff: a directory the container replaced lists what it hid as deleted" {
	run brig run -d --read-write --name d2 bb:1 sleep 1000
	run brig exec d2 sh -c 'rm -rf /usr && mkdir /usr && echo x >/usr/only'
	[ "$status" -eq 0 ] || false
	run brig diff d2
	[ "$output" = $'C /usr\nD /usr/bin\nA /usr/only\nD /usr/sbin' ] || { echo "$output"; false; }
}

@test "commit: a container of the new image sees the changes; history and -c" {
	make_changes c1
	run brig commit -m "an incident" -a "Ann <ann@example.com>" -c 'CMD ["cat", "/added"]' \
		-c 'ENV K=v' -c 'EXPOSE 8080' -c 'STOPSIGNAL SIGINT' c1 snap:1
	[ "$status" -eq 0 ] || false
	local id=$output
	[[ "$id" == sha256:* ]] || false
	run brig inspect -f '{{.State.Status}}' c1
	[ "$output" = running ] || false # unpaused after the commit
	run brig run --rm snap:1
	[ "$output" = top ] || false
	run brig run --rm snap:1 sh -c 'cat /data/sub/f; test -e /etc/group || echo gone; echo $K'
	[ "$output" = $'new\ngone\nv' ] || false
	run brig image inspect -f '{{json .Config.ExposedPorts}} {{.Config.StopSignal}}' snap:1
	[ "$output" = '{"8080/tcp":{}} SIGINT' ] || false
	run brig image inspect -f '{{.Author}}|{{.Comment}}' snap:1
	[ "$output" = 'Ann <ann@example.com>|an incident' ] || false
	local cfg
	cfg=$(find "$ROOT" -path "*/blobs/sha256/${id#sha256:}" | head -1)
	[ -n "$cfg" ] || false
	run jq -c '.history[-1] | [.created_by, .comment, .author]' "$cfg"
	[ "$output" = '["sleep 1000","an incident","Ann <ann@example.com>"]' ] || false
	run jq '(.rootfs.diff_ids | length) - (.history | length)' "$cfg"
	[ "$output" = 0 ] || false
	run brig commit -c 'ONBUILD RUN x' c1
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"unsupported instruction"* ]] || false
}

@test "commit --pause=false commits a running container without freezing it" {
	make_changes c2
	run brig commit --pause=false c2
	[ "$status" -eq 0 ] || false
	run brig run --rm "$output" cat /data/sub/f
	[ "$output" = new ] || false
}

@test "export: the flattened filesystem, with the changes, without what was deleted" {
	make_changes e1
	run brig export e1 -o "$BATS_TEST_TMPDIR/e1.tar"
	[ "$status" -eq 0 ] || false
	run tar -tf "$BATS_TEST_TMPDIR/e1.tar"
	local list=$'\n'$output$'\n'
	[[ "$list" == *$'\ndata/sub/f\n'* && "$list" == *$'\nadded\n'* ]] || false
	[[ "$list" == *$'\nbin/busybox\n'* && "$list" == *$'\netc/passwd\n'* ]] || false
	[[ "$list" != *"etc/group"* ]] || false
	[[ "$list" != *"proc/self"* ]] || false
	run tar -xOf "$BATS_TEST_TMPDIR/e1.tar" etc/passwd
	[[ "$output" == *changed ]] || false
	# stopped: the same, from its root mounted apart
	run brig stop -t 0 e1
	run bash -c "'$BRIG' --root '$ROOT' export e1 | tar -t"
	[ "$status" -eq 0 ] || false
	list=$'\n'$output$'\n'
	[[ "$list" == *$'\ndata/sub/f\n'* && "$list" != *"etc/group"* ]] || false
}

@test "export refuses to write a tar to a terminal" {
	run brig create --name e2 bb:1 true
	run python3 "$BRIG_SRC/tests/lib/pty_run.py" "" "$BRIG" --root "$ROOT" export e2
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"refusing to write a tar to a terminal"* ]] || false
}

@test "cp: out of and into a container, files and directories, round trip" {
	run brig run -d --read-write --name k1 bb:1 sleep 1000
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/in/sub"
	echo one >"$d/in/a"
	echo two >"$d/in/sub/b"
	ln -s a "$d/in/link"
	run brig cp "$d/in" k1:/copied
	[ "$status" -eq 0 ] || false
	run brig exec k1 sh -c 'cat /copied/a /copied/sub/b; readlink /copied/link; stat -c %u /copied/a'
	[ "$output" = $'one\ntwo\na\n0' ] || false
	run brig cp k1:/copied "$d/back"
	[ "$status" -eq 0 ] || false
	run diff -r "$d/in" "$d/back"
	[ "$status" -eq 0 ] || false
	[ "$(readlink "$d/back/link")" = a ] || false
	mkdir "$d/into"
	run brig cp k1:/etc/passwd "$d/into"
	[ "$status" -eq 0 ] || false
	[ -f "$d/into/passwd" ] || false
	run brig cp k1:/copied/. "$d/into"
	[ -f "$d/into/sub/b" ] || false
	run brig cp k1:/nonexistent "$d/x"
	[ "$status" -eq 1 ] || false
	# not into a read-only root (brig's default), running or not
	run brig create --name k3 bb:1 true
	run brig cp "$d/in/a" k3:/a
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"root filesystem is read-only"* ]] || false
}

@test "cp into the container's own tmpfs (/tmp, /dev/shm): files, trees, links, -a owners" {
	# These file systems belong to the container's user namespace: a name
	# made there as host root (unmapped) failed with EOVERFLOW.
	run brig run -d --read-write --name k4 bb:1 sleep 1000
	[ "$status" -eq 0 ] || false
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/tree/sub"
	echo one >"$d/tree/sub/f"
	ln -s f "$d/tree/sub/l"
	run brig cp "$d/tree/sub/f" k4:/tmp
	[ "$status" -eq 0 ] || false
	run brig cp "$d/tree" k4:/dev/shm/
	[ "$status" -eq 0 ] || false
	chown 5:6 "$d/tree/sub/f"
	run brig cp -a "$d/tree/sub/f" k4:/tmp/owned
	[ "$status" -eq 0 ] || false
	run brig exec k4 sh -c 'cat /tmp/f /dev/shm/tree/sub/f; readlink /dev/shm/tree/sub/l;
		stat -c %u:%g /tmp/f /tmp/owned'
	[ "$output" = $'one\none\nf\n0:0\n5:6' ] || false
	run bash -c "tar -C '$d/tree' -c sub | '$BRIG' --root '$ROOT' cp - k4:/tmp"
	[ "$status" -eq 0 ] || false
	run brig exec k4 cat /tmp/sub/f
	[ "$output" = one ] || false
}

@test "cp with -: a tar of the source out, a tar into a directory in" {
	run brig run -d --read-write --name k2 bb:1 sleep 1000
	run brig exec k2 sh -c 'mkdir -p /x/y && echo 1 >/x/y/z && chown 7:7 /x/y/z && ln -s /etc/shadow /x/l'
	[ "$status" -eq 0 ] || false
	run bash -c "'$BRIG' --root '$ROOT' cp k2:/x - | tar -tv"
	[ "$status" -eq 0 ] || false
	[[ "$output" == *" 7/7 "*" x/y/z"* ]] || false
	[[ "$output" == *"x/l -> /etc/shadow"* ]] || false
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/t/q"
	echo w >"$d/t/q/w"
	run bash -c "tar -C '$d/t' --owner=3 --group=3 -c q | '$BRIG' --root '$ROOT' cp - k2:/x"
	[ "$status" -eq 0 ] || false
	run brig exec k2 sh -c 'cat /x/q/w; stat -c %u:%g /x/q/w'
	[ "$output" = $'w\n3:3' ] || false
	run bash -c "'$BRIG' --root '$ROOT' cp - k2:/no/such/dir </dev/null"
	[ "$status" -eq 1 ] || false
	# A cp - killed while it unpacks leaves its scratch directory to the
	# store's gc, which leaves it alone while the cp lives.
	mkfifo "$d/fifo"
	"$BRIG" --root "$ROOT" cp - k2:/x <"$d/fifo" 3>&- &
	local pid=$!
	exec 5>"$d/fifo"
	wait_until "cp's scratch directory" test -d "$ROOT/layers/.tmp-cp-$pid"
	run brig image prune --format json
	[ -d "$ROOT/layers/.tmp-cp-$pid" ] || { echo "prune removed a live cp's scratch: $output" >&2; false; }
	kill -KILL "$pid"
	wait "$pid" || true
	exec 5>&-
	run brig image prune --format json
	[ "$status" -eq 0 ] || false
	jq -e --arg p "layers/.tmp-cp-$pid" '.RemovedLeftovers | map(.Path) | index($p) != null' \
		<<<"$output" >/dev/null || { echo "prune said: $output" >&2; false; }
	[ ! -e "$ROOT/layers/.tmp-cp-$pid" ] || false
}
