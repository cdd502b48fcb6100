# Shared helpers for the OCI runtime integration tests (bats).
#
# The runtime under test is $RUNTIME: by default the brig-runtime of the build
# in $BRIG_BUILD; set RUNTIME=runc (or any path) to run the same tests against
# another runtime.  Every test gets its own --root state directory, bundle and
# uniquely named containers and cgroups, and runtime_teardown removes all of
# them by name.
#
# Use in a .bats file:
#   load ../lib/helpers
#   setup() { runtime_setup; }
#   teardown() { runtime_teardown; }

# shellcheck disable=SC2016,SC2034,SC2119,SC2120,SC2154
# (jq programs are single-quoted on purpose; variables are used by the tests)

bats_require_minimum_version 1.5.0

BRIG_SRC=${BRIG_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BRIG_BUILD=${BRIG_BUILD:-$BRIG_SRC/build}
RUNTIME=${RUNTIME:-${BRIG_RUNTIME:-$BRIG_BUILD/src/cli/runtime/brig-runtime}}
if [[ $RUNTIME != */* ]]; then
	RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME")
fi
TESTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# RUNTIME_NAME ("runc", "brig-runtime", ...) and RUNTIME_VERSION ("1.1.5")
# come from the first line of `RUNTIME --version`.  bats sources this file
# again for every test: the line is asked once per run and runtime, and read
# back from $BATS_RUN_TMPDIR after that.
_runtime_version_line() {
	local cache=${BATS_RUN_TMPDIR:-}/.runtime-version.${RUNTIME//\//_}
	if [ -n "${BATS_RUN_TMPDIR:-}" ] && [ -s "$cache" ]; then
		IFS= read -r _version_line <"$cache"
		return 0
	fi
	_version_line=$("$RUNTIME" --version 2>/dev/null | head -1)
	[ -z "${BATS_RUN_TMPDIR:-}" ] || [ -z "$_version_line" ] ||
		printf '%s\n' "$_version_line" >"$cache"
}
_runtime_version_line
RUNTIME_NAME=${_version_line%% *}
RUNTIME_NAME=${RUNTIME_NAME:-$(basename "$RUNTIME")}
RUNTIME_VERSION=$(sed -E 's/.*version ([0-9][0-9.]*).*/\1/' <<<"$_version_line")
unset _version_line

runtime_is_brig() { [ "$RUNTIME_NAME" = brig-runtime ]; }

# version_lt A B: true when dotted version A sorts before B.
version_lt() {
	[ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]
}

# skip_if_runc_lacks WHAT MIN_VERSION: skip when the runtime is a runc older
# than MIN_VERSION, which does not implement WHAT.
skip_if_runc_lacks() {
	if [ "$RUNTIME_NAME" = runc ] && version_lt "$RUNTIME_VERSION" "$2"; then
		skip "runc $RUNTIME_VERSION lacks $1"
	fi
}

# ---------------------------------------------------------------- lifecycle

runtime_setup() {
	[ -x "$RUNTIME" ] || skip "runtime $RUNTIME not built"
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	STATE_ROOT=$BATS_TEST_TMPDIR/state
	TEST_UNIQ=$(md5sum <<<"$BATS_RUN_TMPDIR" | cut -c1-6)-$BATS_SUITE_TEST_NUMBER
	_TRACK=$BATS_TEST_TMPDIR/.track
	mkdir -p "$_TRACK"
	BUNDLE=
	CID=
}

# runtime ARGS...: the runtime with this test's --root.  A runtime that hangs
# is killed after BRIG_TEST_TIMEOUT seconds (default 120) so that the suite
# fails instead of hanging; this bounds the run, it asserts no timing.
runtime() {
	timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$RUNTIME" --root "$STATE_ROOT" "$@"
}

# _track KIND VALUE: remember something to clean up in teardown.
_track() { echo "$2" >>"$_TRACK/$1"; }
_tracked() { [ -f "$_TRACK/$1" ] && sort -u "$_TRACK/$1"; return 0; }

runtime_teardown() {
	local id name ns pid dir
	for pid in $(_tracked pids); do
		kill "$pid" 2>/dev/null || true
	done
	for id in $( { _tracked ids; runtime list -q 2>/dev/null; } | sort -u); do
		runtime delete --force "$id" >/dev/null 2>&1 || true
	done
	for name in $(_tracked cgroups); do
		for dir in $(cgroup_dirs_named "$name"); do
			[ -d "$dir" ] && _remove_cgroup "$dir"
		done
	done
	for ns in $(_tracked netns); do
		ip netns delete "$ns" 2>/dev/null || true
	done
	for dir in $(_tracked bundles); do
		rm -rf "$dir"
	done
	return 0
}

# _remove_cgroup DIR: remove a cgroup this test created, first killing any
# process a faulty runtime left in it (bounded wait for them to go).
_remove_cgroup() {
	local pids i
	[ -f "$1/freezer.state" ] && echo THAWED >"$1/freezer.state" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		pids=$(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null)
		[ -z "$pids" ] && break
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	return 0
}

# new_cid: set CID to a fresh container id (unique across parallel runs).
_cid_count=0
new_cid() {
	_cid_count=$((_cid_count + 1))
	CID=brigt-$TEST_UNIQ-$_cid_count
	_track ids "$CID"
}

# new_bundle [DIR]: make a busybox bundle (default $BATS_TEST_TMPDIR/bundleN)
# and set BUNDLE to it.  Its config.json comes from `$RUNTIME spec` (set
# BRIG_TEST_SPEC_RUNTIME=runc to start from runc's instead); brig-runtime is
# asked for runc's shape (`spec --runc-compatible`, see scripts/mkbundle.sh),
# which most tests edit.  Set NEW_BUNDLE_SPEC_ARGS (a string; "" for none) to
# pass other `spec` arguments, e.g. NEW_BUNDLE_SPEC_ARGS="" for brig-runtime's
# hardened default (user namespace, allow-list seccomp, memory limit, nosuid
# rootfs).  The config gets a unique
# relative cgroupsPath, which both runc and brig-runtime place beneath the
# caller's own cgroup in every hierarchy, and a writable tmpfs on /tmp.
_bundle_count=0
new_bundle() {
	_bundle_count=$((_bundle_count + 1))
	BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle$_bundle_count}
	_track bundles "$BUNDLE"
	local spec_args=()
	if [ -n "${NEW_BUNDLE_SPEC_ARGS+set}" ]; then
		# shellcheck disable=SC2206 # split on purpose: several arguments
		spec_args=("" $NEW_BUNDLE_SPEC_ARGS)
	fi
	if [ ${#spec_args[@]} -eq 0 ] && [ -z "${BRIG_TEST_SPEC_RUNTIME:-}" ] && runtime_is_brig; then
		# what mkbundle.sh would pick, without asking the runtime's --version
		spec_args=(--runc-compatible)
	fi
	"$BRIG_SRC/scripts/mkbundle.sh" "$BUNDLE" "${BRIG_TEST_SPEC_RUNTIME:-$RUNTIME}" \
		${spec_args[@]+"${spec_args[@]}"} >/dev/null
	BUNDLE_CGROUP=brigt-$TEST_UNIQ-b$_bundle_count
	_track cgroups "$BUNDLE_CGROUP"
	# The root stays read-only as `spec` makes it; /tmp is a writable tmpfs.
	cfg '.linux.cgroupsPath = $p
		| .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
			options: ["nosuid", "nodev", "mode=1777", "size=16m"]}]' --arg p "$BUNDLE_CGROUP"
	# A user namespace's root must be able to reach the rootfs: let others
	# traverse the test's own temporary directories.
	local d=$BUNDLE dirs=()
	while [[ $d == "$BATS_RUN_TMPDIR"* ]]; do
		dirs+=("$d")
		d=${d%/*}
	done
	[ ${#dirs[@]} -eq 0 ] || chmod o+x "${dirs[@]}"
}

# cfg FILTER [JQ ARGS...]: edit $BUNDLE/config.json in place with jq.
# (jq alone: no mktemp or mv beside it, each a process of its own, and
# jq 1.6 costs 25 ms of CPU to start.)
cfg() {
	local filter=$1 out
	shift
	out=$(jq "$filter" "$BUNDLE/config.json" "$@") || return 1
	printf '%s\n' "$out" >"$BUNDLE/config.json"
}

# cfg_get FILTER: read from $BUNDLE/config.json.
cfg_get() { jq -r "$1" "$BUNDLE/config.json"; }

# set_args ARGS...: the container's process.args.
set_args() {
	cfg '.process.args = $ARGS.positional' --args -- "$@"
}

# run_in_container ARGS...: run ARGS as the container process in the
# foreground (bats `run`: sets $status, $output, $stderr).  Makes a bundle
# first if the test has none yet.
run_in_container() {
	[ -n "$BUNDLE" ] || new_bundle
	set_args "$@"
	new_cid
	run --separate-stderr runtime run --bundle "$BUNDLE" "$CID" </dev/null
}

# run_sh SCRIPT: run_in_container sh -c SCRIPT.
run_sh() { run_in_container sh -c "$1"; }

# start_container ARGS...: run ARGS detached (create + start); the process's
# stdout and stderr go to $(cid_out).  Default ARGS: sleep 1000.
start_container() {
	[ -n "$BUNDLE" ] || new_bundle
	if [ $# -gt 0 ]; then set_args "$@"; else set_args sleep 1000; fi
	new_cid
	if ! runtime run -d --bundle "$BUNDLE" "$CID" </dev/null >"$(cid_out)" 2>&1; then
		cat "$(cid_out)" >&2
		return 1
	fi
}

# create_container: `create` (not start) a container from $BUNDLE.
create_container() {
	[ -n "$BUNDLE" ] || new_bundle
	new_cid
	if ! runtime create --bundle "$BUNDLE" "$CID" </dev/null >"$(cid_out)" 2>&1; then
		cat "$(cid_out)" >&2
		return 1
	fi
}

cid_out() { echo "$BATS_TEST_TMPDIR/${1:-$CID}.out"; }

state_field() { # FIELD [ID]
	runtime state "${2:-$CID}" | jq -r ".$1"
}

container_pid() { state_field pid "${1:-$CID}"; }

# wait_status STATUS [ID]: poll until the container reaches STATUS (bounded).
wait_status() {
	local want=$1 id=${2:-$CID} i got=
	for ((i = 0; i < 300; i++)); do
		got=$(state_field status "$id" 2>/dev/null)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	fail "container $id: status '$got', wanted '$want'"
}

# wait_file FILE: poll until FILE exists and is non-empty (bounded).
wait_file() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	fail "$1 never appeared"
}

# wait_process_gone PID: poll until PID is gone or a zombie (bounded).
wait_process_gone() {
	local i st
	for ((i = 0; i < 100; i++)); do
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
		[ "$st" = Z ] && return 0
		sleep 0.1
	done
	fail "process $1 is still alive (state $st)"
}

# bg_track PID: kill PID in teardown if it still runs.
bg_track() { _track pids "$1"; }

# new_netns: create a named network namespace removed in teardown; sets NETNS.
new_netns() {
	NETNS=brigt-$TEST_UNIQ
	_track netns "$NETNS"
	ip netns add "$NETNS"
}

# ---------------------------------------------------------------- assertions

fail() {
	echo "FAIL: $*" >&2
	return 1
}

show_run() {
	echo "status: $status" >&2
	echo "output: $output" >&2
	echo "stderr: ${stderr:-}" >&2
}

expect_status() {
	[ "$status" -eq "$1" ] || { show_run; fail "exit status $status, wanted $1"; }
}

expect_output() {
	[ "$output" = "$1" ] || { show_run; fail "output '$output', wanted '$1'"; }
}

# expect_line REGEX: some line of $output matches the extended regex.
expect_line() {
	grep -qE -- "$1" <<<"$output" || { show_run; fail "no output line matches '$1'"; }
}

expect_no_line() {
	! grep -qE -- "$1" <<<"$output" || { show_run; fail "an output line matches '$1'"; }
}

expect_eq() { # ACTUAL EXPECTED [WHAT]
	[ "$1" = "$2" ] || fail "${3:-value}: got '$1', wanted '$2'"
}

# ---------------------------------------------------------------- cgroups

# cgroup_dirs [PID]: one line "CONTROLLERS DIR" per hierarchy that PID (default
# this shell) belongs to, DIR being its cgroup's directory in this mount
# namespace.  Works for cgroup v1, v2 and hybrid layouts; the v2 hierarchy is
# named "unified".
cgroup_dirs() {
	awk '
	FNR == NR {
		for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) == "cgroup2") v2 = $5
		else if ($(i + 1) == "cgroup") {
			n = split($(i + 3), o, ",")
			for (j = 1; j <= n; j++) mnt[o[j]] = $5
		}
		next
	}
	{
		split($0, f, ":")
		path = substr($0, length(f[1]) + length(f[2]) + 3)
		if (path == "/") path = ""
		if (f[2] == "") { if (v2 != "") print "unified " v2 path }
		else { split(f[2], c, ","); if (c[1] in mnt) print f[2] " " mnt[c[1]] path }
	}' /proc/self/mountinfo "/proc/${1:-self}/cgroup"
}

# cgroup_dir_of PID CONTROLLER: PID's cgroup directory for CONTROLLER.
cgroup_dir_of() {
	cgroup_dirs "$1" | awk -v c="$2" '{ n = split($1, k, ","); for (i = 1; i <= n; i++) if (k[i] == c) print $2 }'
}

# container_cgroup CONTROLLER [ID]: the container's cgroup directory, found
# from /proc/PID/cgroup of its init process.
container_cgroup() {
	local pid
	pid=$(container_pid "${2:-$CID}") && [ "$pid" -gt 0 ] && cgroup_dir_of "$pid" "$1"
}

# cgroup_dirs_named NAME: where a relative cgroupsPath NAME lives in each
# hierarchy (beneath this shell's own cgroup there).
cgroup_dirs_named() {
	cgroup_dirs | while read -r _ dir; do echo "$dir/$1"; done
}

# ---------------------------------------------------------------- capabilities

CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID
	SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW
	IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT
	SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
	AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM
	BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)

# cap_bit NAME: the capability number of CAP_NAME or NAME.
cap_bit() {
	local i
	for i in "${!CAP_NAMES[@]}"; do
		[ "${CAP_NAMES[$i]}" = "${1#CAP_}" ] && { echo "$i"; return 0; }
	done
	fail "unknown capability $1"
}

# cap_mask NAMES...: the set as a number.
cap_mask() {
	local m=0 n b
	for n in "$@"; do
		b=$(cap_bit "$n") || return 1
		m=$((m | (1 << b)))
	done
	echo "$m"
}

# cfg_caps SET: the config's process.capabilities.SET as a number.
cfg_caps() {
	# shellcheck disable=SC2046
	cap_mask $(cfg_get ".process.capabilities.$1 // [] | .[]")
}

# hex16 NUMBER: as /proc/PID/status prints capability sets.
hex16() { printf '%016x' "$1"; }
