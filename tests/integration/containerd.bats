#!/usr/bin/env bats
# containerd driving the runtime under test: a private containerd
# (scripts/containerd-test.sh, its own socket, root, state and config under a
# temporary directory) runs brig's bundled busybox image, saved by `brig save`
# and imported with `ctr images import`, through the runc shim with
# `--runc-binary $RUNTIME`.  Every scenario runs with $RUNTIME and with runc
# under the same containerd and the two must agree.
#
# Containers use a relative cgroup path, which both runtimes place beneath
# the shim's cgroup, that is beneath this process's own; no network (ctr run
# gives containers a network namespace of their own with only lo).

load ../lib/helpers

IMAGE=brig.local/busybox:latest
RUNC=$(command -v runc || echo runc)
BRIG=${BRIG_BUILD:-$BRIG_SRC/build}/src/cli/brig/brig

setup_file() {
	command -v containerd >/dev/null || skip "containerd not installed (scripts/setup.sh installs it)"
	command -v ctr >/dev/null || skip "ctr not installed"
	[ -x "$RUNC" ] || skip "runc not installed"
	[ -x "$BRIG" ] || skip "brig not built"
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	CTRD_DIR=$(mktemp -d /var/tmp/brig-containerd.XXXXXX)
	export CTRD_DIR
	if ! "$BRIG_SRC/scripts/containerd-test.sh" start "$CTRD_DIR" >"$CTRD_DIR/start.out" 2>&1; then
		local why
		why=$(tail -3 "$CTRD_DIR/start.out" | tr '\n' ' ')
		rm -rf "$CTRD_DIR"
		skip "containerd cannot start on this host: $why"
	fi
	"$BRIG_SRC/scripts/mkimage.sh" "$BRIG" "$CTRD_DIR/brig" >/dev/null
	"$BRIG" --root "$CTRD_DIR/brig" save -o "$CTRD_DIR/image.tar" "$IMAGE"
	ctr_ images import --snapshotter native "$CTRD_DIR/image.tar" >/dev/null
}

teardown_file() {
	[ -n "${CTRD_DIR:-}" ] || return 0
	"$BRIG_SRC/scripts/containerd-test.sh" stop "$CTRD_DIR" || true
	rm -rf "$CTRD_DIR"
}

setup() {
	runtime_setup
	CTR_CGROUP=brigctr-$TEST_UNIQ
	_track cgroups "$CTR_CGROUP"
}

teardown() {
	local id
	for id in $(ctr_ containers ls -q 2>/dev/null); do
		ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
		ctr_ tasks delete --force "$id" >/dev/null 2>&1 || true
		ctr_ containers delete "$id" >/dev/null 2>&1 || true
	done
	runtime_teardown
}

# ctr_ ARGS...: ctr on the private containerd, in the namespace "brigt".
ctr_() {
	timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" ctr --address "$CTRD_DIR/containerd.sock" \
		--namespace brigt "$@"
}

# rt_path NAME: "runc" or the runtime under test, as a path.
rt_path() { if [ "$1" = runc ]; then echo "$RUNC"; else echo "$RUNTIME"; fi; }

# ctr_run RT ID [RUN-OPTIONS...] -- COMMAND...: `ctr run` of the image with
# runtime RT ("runc" or "rt"), a state root of its own and a cgroup beneath ours.
ctr_run() {
	local rt=$1 id=$2 opts=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	ctr_ run --snapshotter native --runc-binary "$(rt_path "$rt")" \
		--runc-root "$CTRD_DIR/state-$rt" --fifo-dir "$CTRD_DIR/fifo" \
		--cgroup "$CTR_CGROUP/$id" "${opts[@]}" "$IMAGE" "$id" "$@"
}

# both SCENARIO ARGS...: run the function SCENARIO with runc, then with the
# runtime under test (bats `run`); status and output must agree.
both() {
	local fn=$1
	shift
	run --separate-stderr "$fn" runc "$@" </dev/null
	runc_status=$status
	runc_output=$output
	run --separate-stderr "$fn" rt "$@" </dev/null
	[ "$status" -eq "$runc_status" ] ||
		{ show_run; fail "exit status $status, runc's $runc_status (runc's output: '$runc_output')"; }
	[ "$output" = "$runc_output" ] ||
		{ show_run; fail "output differs from runc's: '$runc_output'"; }
}

# task_status ID: RUNNING, PAUSED, STOPPED, ... from `ctr task ls`.
task_status() { ctr_ tasks ls | awk -v id="$1" '$1 == id { print $3 }'; }

# wait_task ID STATUS: poll `ctr task ls` until the task has STATUS (bounded).
wait_task() {
	local i got=
	for ((i = 0; i < 300; i++)); do
		got=$(task_status "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	fail "task $1: status '$got', wanted '$2'"
}

attached() { # RT ARGS...
	local rt=$1
	shift
	ctr_run "$rt" "c-$rt-$BATS_SUITE_TEST_NUMBER" --rm -- "$@"
}

@test "containerd: ctr run attached (echo, id, capabilities)" {
	both attached sh -c 'echo hello; id; grep ^CapBnd /proc/self/status'
	expect_status 0
	expect_line '^hello$'
	expect_line '^uid=0\(root\)'
}

@test "containerd: a non-zero exit status comes back" {
	both attached sh -c 'exit 7'
	expect_status 7
}

@test "containerd: a memory limit OOM-kills an allocation above it" {
	both attached_mem dd if=/dev/zero of=/dev/null bs=100M count=1
	expect_status 137
}

attached_mem() { # RT ARGS...
	local rt=$1
	shift
	ctr_run "$rt" "m-$rt-$BATS_SUITE_TEST_NUMBER" --rm --memory-limit 67108864 -- "$@"
}

# detached RT: run -d, ps, exec, pause/resume, metrics, kill, delete; prints
# one normalised line per step.
detached() {
	local rt=$1 id="d-$1-$BATS_SUITE_TEST_NUMBER" out
	ctr_run "$rt" "$id" -d -- sleep 1000 || return 1
	wait_task "$id" RUNNING || return 1
	echo "run -d: $(task_status "$id")"
	echo "ps: $(ctr_ tasks ps "$id" | tail -n +2 | grep -c .) process"
	out=$(ctr_ tasks exec --fifo-dir "$CTRD_DIR/fifo" --exec-id e1 "$id" sh -c 'echo in-exec; exit 3')
	echo "exec: $out, status $?"
	ctr_ tasks pause "$id" || return 1
	echo "pause: $(task_status "$id")"
	ctr_ tasks resume "$id" || return 1
	echo "resume: $(task_status "$id")"
	out=$(ctr_ tasks metrics "$id") || return 1
	grep -qE '^(memory\.usage_in_bytes|memory\.current)[[:space:]]+[0-9]+' <<<"$out" &&
		grep -qE '^pids\.current[[:space:]]+[0-9]+' <<<"$out" && echo "metrics: memory and pids"
	ctr_ tasks kill -s SIGKILL "$id" || return 1
	wait_task "$id" STOPPED || return 1
	echo "kill: $(task_status "$id")"
	ctr_ tasks delete "$id" >/dev/null || return 1
	ctr_ containers delete "$id" || return 1
	echo "delete: $(ctr_ containers ls -q | grep -cxF "$id") left"
}

@test "containerd: run -d, task ps, exec, pause/resume, metrics, kill, delete" {
	both detached
	expect_status 0
	expect_output "$(printf '%s\n' "run -d: RUNNING" "ps: 1 process" "exec: in-exec, status 3" \
		"pause: PAUSED" "resume: RUNNING" "metrics: memory and pids" "kill: STOPPED" \
		"delete: 0 left" | head -c -1)"
}

# pty_clean: the transcript without CRs, the ^@ that the pty echoes and
# ctr's own complaint when a resize races with the end of the process.
pty_clean() { tr -d '\r\000' | sed 's/\^@//g' | grep -v 'resize pty' || true; }

# tty RT: ctr run -t and ctr task exec -t under a pty (script).
tty_run() {
	local rt=$1 id="t-$1-$BATS_SUITE_TEST_NUMBER"
	script -qec "$(printf '%q ' ctr --address "$CTRD_DIR/containerd.sock" --namespace brigt \
		run --snapshotter native --runc-binary "$(rt_path "$rt")" \
		--runc-root "$CTRD_DIR/state-$rt" --fifo-dir "$CTRD_DIR/fifo" \
		--cgroup "$CTR_CGROUP/$id" --rm -t "$IMAGE" "$id" \
		sh -c 'tty; test -t 0 && echo stdin-is-tty')" /dev/null | pty_clean
}

@test "containerd: ctr run -t gives the process a terminal" {
	both tty_run
	expect_status 0
	expect_line '^/dev/pts/0$'
	expect_line '^stdin-is-tty$'
}

tty_exec() {
	local rt=$1 id="x-$1-$BATS_SUITE_TEST_NUMBER"
	ctr_run "$rt" "$id" -d -- sleep 1000 || return 1
	wait_task "$id" RUNNING || return 1
	# A process that ends right after it writes can lose its output in
	# containerd's copy from the console, under runc as under brig (seen on
	# a loaded machine): an empty answer is asked again, three times at most.
	local k out=
	for k in 1 2 3; do
		out=$(script -qec "$(printf '%q ' ctr --address "$CTRD_DIR/containerd.sock" \
			--namespace brigt tasks exec --fifo-dir "$CTRD_DIR/fifo" -t --exec-id "tty$k" \
			"$id" sh -c 'tty >/dev/null && echo exec-has-tty')" /dev/null | pty_clean)
		[ -n "$out" ] && break
	done
	[ -z "$out" ] || echo "$out"
	ctr_ tasks kill -s SIGKILL "$id" >/dev/null && wait_task "$id" STOPPED &&
		ctr_ tasks delete "$id" >/dev/null && ctr_ containers delete "$id"
}

@test "containerd: ctr task exec -t gives the exec'd process a terminal" {
	both tty_exec
	expect_status 0
	expect_line '^exec-has-tty$'
}
