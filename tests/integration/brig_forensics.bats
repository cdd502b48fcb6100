#!/usr/bin/env bats
# brig forensics (issue 15): a container frozen, its evidence read from the
# host's /proc (nothing run inside it), every file in a sha256 manifest.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	brig_setup bb:1
	OUT=$BATS_TEST_TMPDIR/evidence
}

teardown() { brig_teardown; }

need_freezer() {
	[ -d /sys/fs/cgroup/freezer ] || skip "no v1 freezer hierarchy on this host"
}

freezer_state() {
	local pid path
	pid=$(field "$1" '{{.State.Pid}}') || return 1
	path=$(awk -F: '$2 == "freezer" { print $3 }' "/proc/$pid/cgroup")
	[ -n "$path" ] || return 1
	cat "/sys/fs/cgroup/freezer$path/freezer.state"
}

# listening CONTAINER PORT: a socket of the container's netns listens on PORT.
listening() {
	local pid hex
	pid=$(field "$1" '{{.State.Pid}}') || return 1
	hex=$(printf '%04X' "$2")
	cat "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6" 2>/dev/null |
		awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }'
}

# top_lines_are CONTAINER N: brig top prints N lines (a header, N-1 processes).
top_lines_are() { [ "$(brig top "$1" | wc -l)" -eq "$2" ]; }

# A container holding /tmp/held open on fd 7, nc listening on 8080 (IPv6
# and IPv4) and httpd on 127.0.0.1:8082, in its own network namespace.
start_holder() {
	run brig run -d --name "$1" bb:1 sh -c \
		'exec 7>/tmp/held; nc -l -p 8080 </dev/null & httpd -f -p 127.0.0.1:8082 &
		 exec sleep 1000'
	[ "$status" -eq 0 ] || false
	wait_until "nc to listen on 8080 in $1" listening "$1" 8080
	wait_until "httpd to listen on 8082 in $1" listening "$1" 8082
}

# The manifest names every file of the collection but itself, and verifies.
manifest_ok() { # DIR
	local listed found
	listed=$(awk '{ print $2 }' "$1/MANIFEST.sha256" | sort)
	found=$(cd "$1" && find . -type f ! -name MANIFEST.sha256 | sed 's|^\./||' | sort)
	[ "$listed" = "$found" ] || { echo "manifest: $listed / files: $found" >&2; return 1; }
	(cd "$1" && sha256sum --quiet -c MANIFEST.sha256)
}

@test "forensics of a running container lists its open files and sockets; the manifest verifies; it runs on" {
	need_freezer
	start_holder fr1
	mkdir "$OUT" # an empty directory of ours will do
	run --separate-stderr brig forensics -o "$OUT" fr1
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ "$stderr" == *"is frozen"* ]] || false
	[[ "$stderr" == *"thawed"* ]] || false
	# stdout: the manifest's own hash, as sha256sum prints it
	local sum
	sum=$(sha256sum "$OUT/MANIFEST.sha256")
	[ "$output" = "$sum" ] || { echo "printed '$output', file '$sum'"; false; }
	run manifest_ok "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the open file and the listening socket, named
	run cat "$OUT/processes.txt"
	[[ "$output" == *"cmdline: nc -l -p 8080"* ]] || false
	[[ "$output" == *"fd 7: /tmp/held"* ]] || false
	[[ "$output" =~ fd\ [0-9]+:\ socket:\[[0-9]+\]\ tcp6?\ [^\ ]*:8080\ [^\ ]+\ LISTEN ]] || false
	[[ "$output" =~ fd\ [0-9]+:\ socket:\[[0-9]+\]\ tcp\ 127\.0\.0\.1:8082\ 0\.0\.0\.0:0\ LISTEN ]] || false
	run jq -r '.[] | select(.Cmdline[0] == "nc") | .Fds[] | .Socket // empty' "$OUT/processes.json"
	[[ "$output" == *":8080 "*LISTEN* ]] || false
	run jq -r '.[0] | "\(.CapEff) \(.CapBnd) \(.NoNewPrivs) \(.Seccomp)"' "$OUT/processes.json"
	[[ "$output" =~ ^[0-9a-f]{16}\ [0-9a-f]{16}\ 1\ 2$ ]] || false
	# its root, a host id of its own range, as the container sees it
	run jq -r '.[0] | "\(.ContainerUid):\(.ContainerGid) \(.Uid | split(" ")[0])"' "$OUT/processes.json"
	[ "$output" = "0:0 $(field fr1 '{{.Brig.Userns.HostUid}}')" ] || { echo "$output"; false; }
	# each process's own files, the netns, cgroup, changes, record, logs
	local pid
	pid=$(jq -r '.[0].Pid' "$OUT/processes.json")
	for f in "procs/$pid/uid_map" "procs/$pid/mountinfo" "procs/$pid/fds.txt" net/dev net/route \
		net/unix cgroup.json diff.json layer.tar container.json inspect.json logs/ctr.log; do
		[ -f "$OUT/$f" ] || { echo "no $f"; false; }
	done
	[ ! -e "$OUT/MISSING" ] || { cat "$OUT/MISSING"; false; }
	# thawed and running
	[ "$(freezer_state fr1)" = THAWED ] || false
	run field fr1 '{{.State.Status}}'
	[ "$output" = running ] || false
}

@test "forensics --kill stops the container after the collection; --format json sums it up" {
	need_freezer
	start_holder fr2
	run --separate-stderr brig forensics --kill --format json -o "$OUT" fr2
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run jq -r '"\(.Frozen) \(.Killed) \(.Missing | length) \(.ManifestSha256)"' <<<"$output"
	[ "$output" = "true true 0 $(sha256sum <"$OUT/MANIFEST.sha256" | cut -d' ' -f1)" ] || false
	wait_field fr2 '{{.State.Status}}' exited
	run manifest_ok "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "forensics waits while another command holds the container frozen, so neither thaws it under the other" {
	need_freezer
	run brig run -d --name fr7 bb:1 sleep 1000
	[ "$status" -eq 0 ] || false
	local id pid st=0 err=$BATS_TEST_TMPDIR/fx.err
	id=$(field fr7 '{{.Id}}')
	# this test stands in for a commit --pause or forensics under way
	exec 7>>"$ROOT/containers/$id/.freeze.lock"
	flock -x 7
	brig forensics -o "$OUT" fr7 >/dev/null 2>"$err" 7>&- &
	pid=$!
	wait_until "forensics to wait for the freeze lock" grep -q 'frozen by another brig command' "$err"
	run freezer_state fr7
	[ "$output" = THAWED ] || { echo "forensics froze it meanwhile: $output" >&2; false; }
	exec 7>&-
	wait "$pid" || st=$?
	[ "$st" -eq 0 ] || { echo "status $st" >&2; cat "$err" >&2; false; }
	run grep -cE '^forensics: [0-9a-f]{12} is frozen$' "$err"
	[ "$output" = 1 ] || { cat "$err" >&2; false; }
	run tail -1 "$err"
	[[ "$output" == "forensics: thawed "* ]] || { cat "$err" >&2; false; }
}

@test "forensics of a container that is gone: a partial collection with the missing list" {
	run brig run --read-write --name fr3 bb:1 sh -c 'echo evidence >/left; echo bye'
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig forensics --format json -o "$OUT" fr3
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run jq -r '.Missing[].Path' <<<"$output"
	[ "$output" = $'procs\nnet\ncgroup.json' ] || { echo "$output"; false; }
	run cat "$OUT/MISSING"
	[[ "$output" == *"procs: the container is not running"* ]] || false
	# what it left is kept: its changes, its record, its output
	run tar -tf "$OUT/layer.tar"
	[[ "$output" == *left* ]] || false
	run cat "$OUT/logs/ctr.log"
	[[ "$output" == *bye* ]] || false
	grep -q '  MISSING$' "$OUT/MANIFEST.sha256" || false
	run manifest_ok "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "forensics of a container that ends during the collection keeps what was read and lists the rest" {
	need_freezer
	run brig run -d --name fr8 bb:1 sh -c 'sleep 1000 & exec sleep 1001'
	[ "$status" -eq 0 ] || false
	wait_until "two processes in fr8" top_lines_are fr8 3
	# the test hook kills the container once the first process was read
	BRIG_TEST_FORENSICS_KILL_AFTER=1 run --separate-stderr brig forensics --format json -o "$OUT" fr8
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run jq -r '"\(.Processes | length) \(.Processes[0].Cmdline | join(" "))"' <<<"$output"
	[ "$output" = "1 sleep 1001" ] || { echo "$output"; false; }
	run cat "$OUT/MISSING"
	[[ "$output" =~ procs/[0-9]+:\ ended\ before\ it\ was\ read ]] || { echo "$output"; false; }
	[[ "$output" == *"cgroup.json: the container is not running"* ]] || false
	local pid
	pid=$(jq -r '.[0].Pid' "$OUT/processes.json")
	for f in "procs/$pid/status" "procs/$pid/fds.txt" net/tcp layer.tar logs/ctr.log; do
		[ -f "$OUT/$f" ] || { echo "no $f"; false; }
	done
	run field fr8 '{{.State.Status}}'
	[ "$output" = exited ] || false
	run manifest_ok "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "forensics -o FILE.tar: the collection as a tar whose manifest verifies" {
	need_freezer
	start_holder fr4
	run --separate-stderr brig forensics -o "$BATS_TEST_TMPDIR/ev.tar" fr4
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	local tarsum
	tarsum=$(sha256sum "$BATS_TEST_TMPDIR/ev.tar" | cut -d' ' -f1)
	[ "${lines[0]}" = "$tarsum  $BATS_TEST_TMPDIR/ev.tar" ] || { echo "$output"; false; }
	mkdir "$OUT"
	tar -C "$OUT" -xf "$BATS_TEST_TMPDIR/ev.tar"
	[ "${lines[1]}" = "$(cd "$OUT" && sha256sum MANIFEST.sha256)" ] || { echo "$output"; false; }
	run manifest_ok "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# nothing else left beside it
	run ls "$BATS_TEST_TMPDIR"
	[[ "$output" != *ev.tar.* ]] || false
}

@test "forensics escapes a hostile command line before it reaches the terminal" {
	need_freezer
	# $0 of the shell (its argv[0]) clears the screen and sets the title
	run brig run -d --name fr5 bb:1 sh -c 'sleep 1000; true' \
		"$(printf 'evil\033[2J\033]0;pwned\007\rforged')"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig forensics -o "$OUT" fr5
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ "$stderr" != *$'\033'* && "$stderr" != *$'\r'* && "$stderr" != *$'\007'* ]] || false
	[[ "$stderr" == *'evil\x1b[2J\x1b]0;pwned\x07\rforged'* ]] || { echo "$stderr"; false; }
	run cat "$OUT/processes.txt"
	[[ "$output" != *$'\033'* ]] || false
	[[ "$output" == *'cmdline: sh -c sleep 1000; true evil\x1b[2J\x1b]0;pwned'* ]] || { echo "$output"; false; }
	# the raw bytes are kept as evidence
	grep -q $'\033\\]0;pwned' "$OUT"/procs/*/cmdline || false
}

@test "forensics never writes through a symlink the container planted" {
	need_freezer
	local target=$BATS_TEST_TMPDIR/outside
	run brig run -d --read-write --name fr6 bb:1 sh -c \
		"ln -s $target/x /layer.tar && ln -s $target /procs && ln -s $target /MANIFEST.sha256 &&
		 mkdir /logs && ln -s $target /logs/ctr.log && exec sleep 1000"
	[ "$status" -eq 0 ] || false
	wait_until "the links" test -L "$ROOT/containers/$(field fr6 '{{.Id}}')/upper/procs"
	run --separate-stderr brig forensics -o "$OUT" fr6
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ ! -e "$target" ] && [ ! -L "$target" ] || { ls -la "$BATS_TEST_TMPDIR"; false; }
	run find "$OUT" -type l
	[ -z "$output" ] || { echo "links in the collection: $output"; false; }
	# the planted links are in the layer, as links
	run tar -tvf "$OUT/layer.tar"
	[[ "$output" == *"procs -> $target"* ]] || { echo "$output"; false; }
	run manifest_ok "$OUT"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "forensics refuses an unknown container and a non-empty -o with one line, writing nothing" {
	run brig forensics -o "$OUT" nosuch
	[ "$status" -eq 1 ] || false
	[ "$output" = "brig: no such container: nosuch" ] || false
	[ ! -e "$OUT" ] || false
	run brig run -d --name fr7 bb:1 sleep 1000
	[ "$status" -eq 0 ] || false
	mkdir "$OUT"
	echo keep >"$OUT/mine"
	run brig forensics -o "$OUT" fr7
	[ "$status" -eq 1 ] || false
	[ "$output" = "brig: -o $OUT: exists and is not empty" ] || false
	run ls -A "$OUT"
	[ "$output" = mine ] || false
	# an empty directory someone else owns (could read or plant in it)
	mkdir "$BATS_TEST_TMPDIR/theirs"
	chown 65534 "$BATS_TEST_TMPDIR/theirs"
	run brig forensics -o "$BATS_TEST_TMPDIR/theirs" fr7
	[ "$status" -eq 1 ] || false
	[[ "$output" == "brig: -o $BATS_TEST_TMPDIR/theirs: not a directory of ours"* ]] || false
	run ls -A "$BATS_TEST_TMPDIR/theirs"
	[ -z "$output" ] || false
	run brig forensics fr7
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"-o DIR|FILE.tar is required"* ]] || false
	run field fr7 '{{.State.Status}}'
	[ "$output" = running ] || false
}
