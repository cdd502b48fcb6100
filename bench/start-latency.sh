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

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-$src/build}
[[ $build == /* ]] || build=$PWD/$build
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}

note() { printf '%s\n' "$*"; }

command -v hyperfine >/dev/null || { note "start-latency: hyperfine is not installed"; exit 1; }
[ "$(id -u)" -eq 0 ] || { note "start-latency: needs root"; exit 1; }

work=$(mktemp -d /var/tmp/brig-bench.XXXXXX)
chmod 755 "$work"
id=brig-bench-${work##*.}
cgroup=brig-bench-${work##*.}
ran=()

cleanup() {
	local rt dir
	for rt in "${ran[@]}"; do
		"$rt" --root "$work/state-$(basename "$rt")" delete --force "$id" >/dev/null 2>&1 || true
	done
	# The cgroup lies beneath this shell's own cgroup in each hierarchy.
	while IFS=: read -r _ ctrl path; do
		dir=$(cgroup_mount "$ctrl")
		[ -n "$dir" ] && [ -d "$dir${path%/}/$cgroup" ] && rmdir "$dir${path%/}/$cgroup" 2>/dev/null
	done </proc/self/cgroup
	rm -rf "$work"
}
trap cleanup EXIT

# cgroup_mount CONTROLLERS: the mount point of that hierarchy ("" for v2).
cgroup_mount() {
	awk -v want="$1" '{
		for (i = 1; i <= NF; i++) if ($i == "-") break
		if (want == "" && $(i + 1) == "cgroup2") { print $5; exit }
		if (want != "" && $(i + 1) == "cgroup") {
			split(want, w, ","); n = split($(i + 3), o, ",")
			for (j = 1; j <= n; j++) if (o[j] == w[1]) { print $5; exit }
		}
	}' /proc/self/mountinfo
}

# ---- the bundle, the seccomp profile and its BPF form (built once)

"$src/scripts/mkbundle.sh" "$work/bundle" runc >/dev/null
rootfs=$work/bundle/rootfs
"$here/lib/seccomp-profile.sh" >"$work/seccomp.json"
caps='["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]'
jq --argjson caps "$caps" --argjson seccomp "$(cat "$work/seccomp.json")" --arg cg "$cgroup" '
	.process.args = ["/bin/true"]
	| .process.terminal = false
	| .process.noNewPrivileges = true
	| .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
	| .linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}, {type: "network"}]
	| .linux.seccomp = $seccomp
	| .linux.cgroupsPath = $cg
	| .linux.resources.memory = {limit: 268435456}
	| .linux.resources.pids = {limit: 1024}
	| .root.readonly = true' "$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"

cc -O2 -Wall -Wextra -Werror -o "$work/seccomp-bpf" "$here/lib/seccomp-bpf.c" -lseccomp
mapfile -t arches < <(jq -r '.architectures[] | ascii_downcase | sub("scmp_arch_"; "")' "$work/seccomp.json")
jq -r '.syscalls[] | .action as $a | (.errnoRet // 0) as $e | .names[]
	| if $a == "SCMP_ACT_ALLOW" then "allow \(.)" else "errno \($e) \(.)" end' "$work/seccomp.json" |
	"$work/seccomp-bpf" "$(jq .defaultErrnoRet "$work/seccomp.json")" "${arches[@]}" >"$work/seccomp.bpf"

bwrap_caps=""
for c in $(jq -r '.[]' <<<"$caps"); do bwrap_caps+=" --cap-add $c"; done

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
	mkdir -p "$work/state-$(basename "$bin")"
	add "$name" "$bin --root $work/state-$(basename "$bin") run --bundle $work/bundle $id"
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
	printf 'brig-runtime median / runc median = %.2f (target <= 0.5)\n' "$(jq -n "$base / $runc_m")"
else
	note "brig-runtime median / runc median = n/a (target <= 0.5): brig-runtime or runc was not measured"
fi
