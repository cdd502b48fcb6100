#!/bin/bash
# start-latency.sh [BUILD_DIR]: how long it takes to start /bin/true in a
# busybox container, measured by hyperfine in one run for brig-runtime, runc,
# crun, bwrap and plain unshare.
#
# Every tool gets the same namespaces (pid, mount, ipc, uts, net; no user
# namespace) and, where it supports them, the same Docker-like seccomp
# profile, the same capabilities and the same cgroup limits (memory, pids):
#   OCI runtimes   all of them, from one config.json
#   bwrap          seccomp (compiled from the same profile) and capabilities
#   unshare        namespaces only: the floor
# A tool that is missing or cannot run here is reported and skipped.
#
# Environment: BENCH_RUNS (default 30), BENCH_WARMUP (default 3).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}

note() { printf '%s\n' "$*"; }

command -v hyperfine >/dev/null || { note "start-latency: hyperfine is not installed"; exit 1; }
[ "$(id -u)" -eq 0 ] || { note "start-latency: needs root"; exit 1; }

work=$(mktemp -d /var/tmp/brig-bench.XXXXXX)
chmod 755 "$work"
# Each runtime's state where its default lives (runc /run/runc,
# brig-runtime /run/brig-runtime): a tmpfs, not the bundle's disk.
state=$(mktemp -d /run/brig-bench-state.XXXXXX)
id=brig-bench-${work##*.}
cgroup=brig-bench-${work##*.}
ran=()

cleanup() {
	local rt dir
	for rt in "${ran[@]}"; do
		"$rt" --root "$state/$(basename "$rt")" delete --force "$id" >/dev/null 2>&1 || true
	done
	# The cgroup lies beneath this shell's own cgroup in each hierarchy.
	while IFS=: read -r _ ctrl path; do
		dir=$(cgroup_mount "$ctrl")
		[ -n "$dir" ] && [ -d "$dir${path%/}/$cgroup" ] && rmdir "$dir${path%/}/$cgroup" 2>/dev/null
	done </proc/self/cgroup
	rm -rf "$work" "$state"
}
trap cleanup EXIT

# shellcheck source=lib/start-bundle.sh
. "$here/lib/start-bundle.sh"
start_bundle

# ---- the commands; each is tried once before it is measured

names=()
cmds=()

# add NAME COMMAND: measure COMMAND as NAME if it runs here.
add() {
	local name=$1 cmd=$2 err
	if err=$(sh -c "$cmd" 2>&1 </dev/null); then
		names+=("$name")
		cmds+=("$cmd")
	else
		note "$name: does not run on this host: $(tail -1 <<<"$err")"
	fi
}

# add_oci NAME BINARY: an OCI runtime running the bundle.
add_oci() {
	local name=$1 bin=$2
	if [ ! -x "$bin" ]; then
		note "$name: not found ($bin), skipped"
		return
	fi
	ran+=("$bin")
	mkdir -p "$state/$(basename "$bin")"
	add "$name" "$bin --root $state/$(basename "$bin") run --bundle $work/bundle $id"
}

add_oci brig-runtime "$build/src/cli/runtime/brig-runtime"
add_oci runc "$(command -v runc || echo /usr/sbin/runc)"
add_oci crun "$(command -v crun || echo /usr/bin/crun)"
if command -v bwrap >/dev/null; then
	add bwrap "bwrap --unshare-pid --unshare-net --unshare-ipc --unshare-uts \
--ro-bind $rootfs / --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL$bwrap_caps \
--seccomp 9 /bin/true 9<$work/seccomp.bpf"
else
	note "bwrap: not installed, skipped"
fi
add unshare "unshare --pid --fork --mount --ipc --uts --net --root $rootfs /bin/true"

[ ${#cmds[@]} -gt 0 ] || { note "start-latency: nothing to measure"; exit 1; }

# ---- measure

args=(--warmup "$warmup" --runs "$runs" --export-json "$work/result.json" --style basic)
for i in "${!cmds[@]}"; do
	args+=(--command-name "${names[$i]}" "${cmds[$i]}")
done
hyperfine "${args[@]}" >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log"; exit 1; }

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/result.json"; }

note ""
note "start /bin/true: median over $runs runs (namespaces pid,mount,ipc,uts,net)"
base=$(median brig-runtime)
for n in "${names[@]}"; do
	m=$(median "$n")
	if [ -n "$base" ]; then
		printf '  %-14s %8.2f ms   %5.2fx brig-runtime\n' "$n" "$(jq -n "$m * 1000")" "$(jq -n "$m / $base")"
	else
		printf '  %-14s %8.2f ms\n' "$n" "$(jq -n "$m * 1000")"
	fi
done
note "  (OCI runtimes: seccomp + capabilities + memory/pids limits; bwrap: seccomp + capabilities; unshare: namespaces only)"
runc_m=$(median runc)
if [ -n "$base" ] && [ -n "$runc_m" ]; then
	printf 'brig-runtime median / runc median = %.2f (target <= 0.2; issue #18)\n' "$(jq -n "$base / $runc_m")"
else
	note "brig-runtime median / runc median = n/a (target <= 0.2; issue #18): brig-runtime or runc was not measured"
fi
