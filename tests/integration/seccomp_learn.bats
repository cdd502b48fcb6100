#!/usr/bin/env bats
# Learned seccomp profiles (docs/seccomp-learn.md): `brig run --security-opt
# seccomp=learn:FILE[,merge]` records what a workload calls and writes a
# Docker-format allow-list; the workload then runs under it, a call outside
# it gets EPERM, podman (runc) takes it unchanged; `brig seccomp diff` and
# `brig seccomp explain` read profiles.  One store and one image for the
# file; learnprobe (seccomp_learn/learnprobe.c) is built static into it.

load ../lib/brig

bats_require_minimum_version 1.5.0

DEFAULT=$BRIG_SRC/profiles/seccomp.json
RUNC=$(command -v runc || echo runc)

add_learnprobe() {
	cc -static -O2 -pthread -o "$1/bin/learnprobe" \
		"$BRIG_SRC/tests/integration/seccomp_learn/learnprobe.c"
}

setup_file() {
	command -v cc >/dev/null || skip "no C compiler for the learnprobe workload"
	brig_image_tar add_learnprobe
	export BRIG_ROOT=$BATS_FILE_TMPDIR/root
	ROOT=$BRIG_ROOT
	brig import "$BRIG_TAR" bb:learn >/dev/null
	pm_setup
}

teardown_file() {
	pm_teardown
}

setup() { brig_setup; }

teardown() { brig_teardown; }

# names FILE: every syscall name FILE lists, one a line, sorted, unique.
names() {
	python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["syscalls"]:
    print("\n".join(s["names"]))' "$1" | sort -u
}

# small FILE: at most a third as many names as brig's default profile.
small() {
	local n d
	n=$(names "$1" | wc -l)
	d=$(names "$DEFAULT" | wc -l)
	[ "$n" -gt 0 ] && [ $((n * 3)) -le "$d" ] || {
		echo "$1: $n names, brig's default has $d" >&2
		return 1
	}
}

has_name() { names "$1" | grep -qx -- "$2"; }

learn() { # FILE ARGS...: brig run --rm with seccomp=learn:FILE
	local f=$1
	shift
	brig run --rm --security-opt "seccomp=learn:$f" bb:learn "$@"
}

under() { # FILE ARGS...: brig run --rm under FILE
	local f=$1
	shift
	brig run --rm --security-opt "seccomp=$f" bb:learn "$@"
}

PIPE='echo hello | tr a-z A-Z | wc -c'

@test "seccomp learn: sh -c with a pipeline; the profile runs it, is small, and a probe gets EPERM" {
	local p=$BATS_FILE_TMPDIR/pipe.json
	run --separate-stderr learn "$p" sh -c "$PIPE"
	[ "$status" -eq 0 ] && [ "$output" = 6 ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	[ -s "$p" ] || false
	run small "$p"
	[ "$status" -eq 0 ] || false
	run python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); print(p["defaultAction"], p["architectures"][0])' "$p"
	[ "$output" = "SCMP_ACT_ERRNO SCMP_ARCH_X86_64" ] || false
	run --separate-stderr under "$p" sh -c "$PIPE"
	[ "$status" -eq 0 ] && [ "$output" = 6 ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	# the probe works under brig's default profile, not under the learned one
	run --separate-stderr under "$DEFAULT" sh -c 'ln -s x /tmp/l && echo made'
	[ "$output" = made ] || false
	run --separate-stderr under "$p" sh -c 'ln -s x /tmp/l 2>&1; echo rc=$?'
	[[ "$output" == *"Operation not permitted"* && "$output" == *rc=1* ]] || false
}

@test "seccomp learn: a static C program with threads, a child and sockets; argument rules" {
	local p=$BATS_FILE_TMPDIR/c.json
	run --separate-stderr learn "$p" learnprobe work
	[ "$status" -eq 0 ] && [ "$output" = "work done" ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	run small "$p"
	[ "$status" -eq 0 ] || false
	# made only by the threads, only by the forked child
	has_name "$p" getpriority && has_name "$p" sysinfo || false
	# socket: only the family it used (AF_INET), not every one the default allows
	run python3 -c 'import json, sys
print(sorted(a["value"] for s in json.load(open(sys.argv[1]))["syscalls"] if s["names"] == ["socket"] for a in s["args"]))' "$p"
	[ "$output" = "[2]" ] || false
	run --separate-stderr under "$p" learnprobe work
	[ "$status" -eq 0 ] && [ "$output" = "work done" ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	run --separate-stderr under "$DEFAULT" learnprobe probe6
	[ "$output" = "probe6 errno 0" ] || false
	run --separate-stderr under "$p" learnprobe probe6
	[ "$output" = "probe6 errno 1" ] || false
}

# The fetch is retried until httpd listens: the workload takes its retry
# path (a refused connection, a sleep) once on purpose, so that every run,
# the learning one included, makes the same calls whatever the timing.
# Nothing ends while the shell runs on, so no signal comes to it after its
# last wait: in a learning run a signal makes the call it interrupts fail
# with EINTR (docs/seccomp-learn.md, Limits), and ash ends its script on
# that, with status 2 and nothing said (`kill $(pidof httpd) 2>/dev/null`:
# httpd's SIGCHLD came as the shell put its stderr back, "sh: 10:
# Interrupted system call", into the /dev/null; seen under ASan).  httpd
# stays in the foreground, the shell's own job, and ends with the container.
HTTPD='mkdir /tmp/www && echo served >/tmp/www/index.html &&
{ wget -q -O - http://127.0.0.1:8080/ 2>/dev/null; usleep 1; } ;
httpd -f -p 127.0.0.1:8080 -h /tmp/www &
i=0; until wget -q -O - http://127.0.0.1:8080/index.html; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "httpd never answered"; exit 1; }; usleep 50000; done'

@test "seccomp learn: busybox httpd serving a file, fetched over loopback" {
	local p=$BATS_FILE_TMPDIR/httpd.json
	run --separate-stderr learn "$p" sh -c "$HTTPD"
	[ "$status" -eq 0 ] && [ "$output" = served ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	run small "$p"
	[ "$status" -eq 0 ] || false
	has_name "$p" accept4 || has_name "$p" accept || false
	run --separate-stderr under "$p" sh -c "$HTTPD"
	[ "$status" -eq 0 ] && [ "$output" = served ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	run --separate-stderr under "$p" sh -c 'ln -s x /tmp/l 2>&1; echo rc=$?'
	[[ "$output" == *"Operation not permitted"* && "$output" == *rc=1* ]] || false
}

@test "seccomp learn: ,merge adds a second run's calls to the profile" {
	local p=$BATS_TEST_TMPDIR/m.json before after
	run learn "$p" learnprobe work
	[ "$status" -eq 0 ] || false
	has_name "$p" getpriority || false
	before=$(names "$p")
	run has_name "$p" mkdir
	[ "$status" -eq 1 ] || false
	run learn "$p,merge" mkdir /tmp/d
	[ "$status" -eq 0 ] || false
	after=$(names "$p")
	has_name "$p" mkdir || false
	# nothing of the first run is lost
	run comm -23 <(echo "$before") <(echo "$after")
	[ -z "$output" ] || false
	# without merge the file is replaced
	run learn "$p" true
	[ "$status" -eq 0 ] || false
	run has_name "$p" mkdir
	[ "$status" -eq 1 ] || false
}

@test "seccomp learn (hostile): its own filter, a listener of its own, io_uring, 16 threads: all recorded" {
	local p=$BATS_FILE_TMPDIR/hostile.json
	run --separate-stderr learn "$p" learnprobe hostile
	[ "$status" -eq 0 ] || false
	# its own allow-all filter cannot override the notification; a second
	# listener is refused (EBUSY); io_uring answers ENOSYS
	[[ "$output" == *"own filter installed"* && "$output" == *"own listener errno 16"* ]] || false
	[[ "$output" == *"io_uring errno 38"* && "$output" == *"hostile done"* ]] || false
	# what the threads and the child did after its own filter went in
	has_name "$p" getpriority && has_name "$p" sysinfo || false
	run --separate-stderr under "$p" learnprobe hostile
	[[ "$output" == *"hostile done"* ]] || false
}

@test "seccomp learn: detached, with brig exec: the exec'd process is recorded too" {
	local p=$BATS_TEST_TMPDIR/d.json
	run brig run -d --name lrn --security-opt "seccomp=learn:$p" bb:learn sleep 60
	[ "$status" -eq 0 ] || false
	run brig exec lrn learnprobe work
	[ "$status" -eq 0 ] && [ "$output" = "work done" ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	run brig kill lrn
	[ "$status" -eq 0 ] || false
	run brig wait lrn
	wait_until "the learner to write $p" test -s "$p"
	has_name "$p" getpriority && has_name "$p" sysinfo || false
}

# A call waiting for the learner fails with EINTR when a signal comes (see
# HTTPD above); with WAIT_KILLABLE_RECV the signal waits once the learner
# has the call.
@test "seccomp learn: where the kernel has it, the learning filter holds signals while the learner has a call" {
	local feats
	feats=$("$BRIG_BUILD/src/cli/runtime/brig-runtime" features) || false
	jq -e '.linux.seccomp.supportedFlags | index("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")' \
		<<<"$feats" >/dev/null ||
		skip "this kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19)"
	run -0 brig create --security-opt "seccomp=learn:$BATS_TEST_TMPDIR/p.json" bb:learn true
	local id=$output
	run -0 brig inspect "$id"
	run jq -c '.[0].Brig.Spec.linux.seccomp.flags' <<<"$output"
	[ "$status" -eq 0 ] && [[ "$output" == *'"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"'* ]] ||
		{ echo "flags: $output"; false; }
	run -0 brig rm "$id"
}

@test "seccomp learn: a bad learn: option is refused" {
	run brig create --security-opt seccomp=learn: bb:learn true
	[ "$status" -eq 125 ] && [[ "$output" == *learn:FILE* ]] || false
	run brig create --security-opt seccomp=learn:/nonexistent-dir/p.json bb:learn true
	[ "$status" -eq 125 ] && [[ "$output" == *nonexistent-dir* ]] || false
}

@test "seccomp diff: calls only in one profile, argument rules that differ; --format json" {
	local a=$BATS_FILE_TMPDIR/pipe.json b=$BATS_FILE_TMPDIR/c.json
	[ -s "$a" ] && [ -s "$b" ] || skip "the learning tests did not leave their profiles"
	run brig seccomp diff "$a" "$b"
	[ "$status" -eq 0 ] || false
	# the C program's sockets and thread/child calls; the shell's pipes
	[[ "$output" == *"only in $b ("*getpriority*socket* ]] || false
	[[ "$output" == *"only in $a ("*pipe2* ]] || false
	python3 - "$b" "$BATS_TEST_TMPDIR/b6.json" <<-'PY'
		import json, sys
		p = json.load(open(sys.argv[1]))
		for s in p["syscalls"]:
		    if s["names"] == ["socket"]:
		        s["args"][0]["value"] = 10
		json.dump(p, open(sys.argv[2], "w"))
	PY
	run --separate-stderr brig seccomp diff --format json "$b" "$BATS_TEST_TMPDIR/b6.json"
	[ "$status" -eq 0 ] || false
	run python3 -c 'import json, sys
d = json.loads(sys.argv[1])
print(d["onlyInA"], d["onlyInB"], [(r["name"], [x["args"][0]["value"] for x in r["a"]], [x["args"][0]["value"] for x in r["b"]]) for r in d["rulesDiffer"]])' "$output"
	[ "$output" = "[] [] [('socket', [2], [10])]" ] || false
}

@test "seccomp explain: what a profile allows beyond brig's default, by risk" {
	local c=$BATS_FILE_TMPDIR/c.json w=$BATS_TEST_TMPDIR/wide.json
	[ -s "$c" ] || skip "the C program's test did not leave its profile"
	# a learned profile stays within brig's default
	run brig seccomp explain "$c"
	[ "$status" -eq 0 ] && [[ "$output" == *"0 of them beyond brig's default"* ]] || false
	python3 - "$c" "$w" <<-'PY'
		import json, sys
		p = json.load(open(sys.argv[1]))
		p["syscalls"][0]["names"] += ["keyctl", "mount", "ioctl", "brig_no_such_call"]
		p["syscalls"].append({"names": ["socket"], "action": "SCMP_ACT_ALLOW",
		    "args": [{"index": 0, "value": 38, "op": "SCMP_CMP_EQ"}]})
		json.dump(p, open(sys.argv[2], "w"))
	PY
	run --separate-stderr brig seccomp explain --format json "$w"
	[ "$status" -eq 0 ] || false
	run python3 -c 'import json, sys
d = json.loads(sys.argv[1])
print(d["beyondDefault"], [(g["level"], sorted(c["name"] for c in g["calls"])) for g in d["groups"]])' "$output"
	[ "$output" = "5 [('high', ['keyctl']), ('high', ['mount']), ('medium', ['ioctl', 'socket']), ('medium', ['brig_no_such_call'])]" ] || false
	run brig seccomp explain "$w"
	[[ "$output" == *"keyctl"*"not namespaced"* && "$output" == *"mount"*CAP_SYS_ADMIN* ]] || false
}

@test "seccomp learn: podman (runc) runs the learned profile unchanged; a probe gets EPERM there too" {
	[ -n "${PM_OK:-}" ] || skip "podman or runc cannot run here"
	local p=$BATS_FILE_TMPDIR/pipe.json
	[ -s "$p" ] || skip "the pipeline test did not leave its profile"
	run --separate-stderr pm run --rm --cgroup-parent "$PM_CGROUP_PARENT" --network none \
		--security-opt seccomp="$p" localhost/bb:learn sh -c "$PIPE" </dev/null
	[ "$status" -eq 0 ] && [ "$output" = 6 ] || { echo "status $status; stdout: $output; stderr: $stderr"; false; }
	run --separate-stderr pm run --rm --cgroup-parent "$PM_CGROUP_PARENT" --network none \
		--security-opt seccomp="$p" localhost/bb:learn sh -c 'ln -s x /tmp/l 2>&1; echo rc=$?' </dev/null
	[[ "$output" == *"Operation not permitted"* && "$output" == *rc=1* ]] || false
}

pm_setup() {
	PM_OK=
	command -v podman >/dev/null || return 0
	[ -x "$RUNC" ] || return 0
	PM_DIR=$(mktemp -d /var/tmp/brig-podman-learn.XXXXXX)
	export PM_DIR
	mkdir -p "$PM_DIR"/{root,runroot,tmp,net,cni,volumes,static}
	cat >"$PM_DIR/containers.conf" <<-EOF
		[containers]
		netns = "none"
		log_driver = "k8s-file"
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PM_DIR/events.log"
		tmp_dir = "$PM_DIR/tmp"
		volume_path = "$PM_DIR/volumes"
		static_dir = "$PM_DIR/static"
		lock_type = "file"
		[network]
		network_backend = "cni"
		network_config_dir = "$PM_DIR/net"
		cni_plugin_dirs = ["$PM_DIR/cni"]
	EOF
	cat >"$PM_DIR/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$PM_DIR/root"
		runroot = "$PM_DIR/runroot"
	EOF
	local own dir
	own=$(awk -F: '{ print $3 }' /proc/self/cgroup | awk '{ print length, $0 }' | sort -n | tail -1 | cut -d' ' -f2)
	[ "$own" = / ] && own=
	PM_CGROUP_PARENT=$own/brig-podman-${PM_DIR##*.}
	export PM_CGROUP_PARENT
	awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo >"$PM_DIR/hierarchies"
	while read -r dir; do
		_existing_parents "$dir$PM_CGROUP_PARENT"
	done <"$PM_DIR/hierarchies" >"$PM_DIR/preexisting"
	pm import - localhost/bb:learn <"$BRIG_TAR" >/dev/null && PM_OK=1
	export PM_OK
}

pm_teardown() {
	[ -n "${PM_DIR:-}" ] || return 0
	pm rm --all --force --time 0 >/dev/null 2>&1 || true
	pm rmi --all --force >/dev/null 2>&1 || true
	local root d
	while read -r root; do
		d=$root$PM_CGROUP_PARENT
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		d=$(dirname "$d")
		while [ "$d" != "$root" ] && [ "$d" != / ]; do
			grep -qxF "$d" "$PM_DIR/preexisting" && break
			rmdir "$d" 2>/dev/null || break
			d=$(dirname "$d")
		done
	done <"$PM_DIR/hierarchies"
	rm -rf "$PM_DIR"
}

_existing_parents() {
	local d=$1
	while [ "$d" != / ]; do
		[ -d "$d" ] && echo "$d"
		d=$(dirname "$d")
	done
}

# pm ARGS...: the isolated podman with runc.
pm() (
	cd "$PM_DIR" && CONTAINERS_CONF=$PM_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf \
		timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file --tmpdir "$PM_DIR/tmp" \
		--runtime "$RUNC" "$@"
)
