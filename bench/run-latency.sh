#!/bin/bash
# run-latency.sh [BUILD_DIR]: the time from `run` to the end of a container
# running /bin/true, whole engine included (image lookup, rootfs, config,
# runtime, cleanup), measured by hyperfine in one run for
#   brig run --rm IMAGE true                        brig, defaults (seccomp,
#                                                   caps, read-only root, limits)
#   podman run --rm --network none IMAGE true       podman 4 with runc (and crun
#                                                   where it runs), isolated storage
#   brig-runtime run (a prepared bundle)            the runtime alone, for scale
# The image: the bundled busybox rootfs, imported into each engine.
#
# Environment: BENCH_RUNS (default 20), BENCH_WARMUP (default 3).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-3}

note() { printf '%s\n' "$*"; }

command -v hyperfine >/dev/null || { note "run-latency: hyperfine is not installed"; exit 1; }
[ -x "$brig" ] || { note "run-latency: $brig not built"; exit 1; }
[ "$(id -u)" -eq 0 ] || { note "run-latency: needs root"; exit 1; }

work=$(mktemp -d /var/tmp/brig-bench-run.XXXXXX)
chmod 755 "$work"
pmdir=$work/podman
# podman's containers go beneath this shell's own cgroup (memory's path is
# the deepest here), never elsewhere.
own=$(awk -F: '{ print $3 }' /proc/self/cgroup | awk '{ print length, $0 }' | sort -n | tail -1 | cut -d' ' -f2)
[ "$own" = / ] && own=
cgparent=$own/brig-bench-${work##*.}

pm() {
	CONTAINERS_CONF=$pmdir/containers.conf CONTAINERS_STORAGE_CONF=$pmdir/storage.conf \
		podman --root "$pmdir/root" --runroot "$pmdir/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --tmpdir "$pmdir/tmp" "$@"
}

cleanup() {
	if [ -d "$pmdir/root" ]; then
		pm rm --all --force >/dev/null 2>&1 || true
		pm rmi --all --force >/dev/null 2>&1 || true
	fi
	"$brig" --root "$work/brig" ps -a -q --no-trunc 2>/dev/null |
		xargs -r "$brig" --root "$work/brig" rm -f >/dev/null 2>&1 || true
	local ctrl path dir
	while IFS=: read -r _ ctrl path; do
		for dir in /sys/fs/cgroup/"${ctrl#name=}"$cgparent /sys/fs/cgroup/unified$cgparent; do
			[ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done </proc/self/cgroup
	rm -rf "$work"
}
trap cleanup EXIT

"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
"$brig" --root "$work/brig" import "$work/rootfs.tar" bench:1 >/dev/null

names=()
cmds=()
add() { # NAME COMMAND: measured if it runs here
	local err
	if err=$(sh -c "$2" 2>&1 </dev/null); then
		names+=("$1")
		cmds+=("$2")
	else
		note "$1: does not run on this host: $(tail -1 <<<"$err")"
	fi
}

add "brig run" "$brig --root $work/brig run --rm bench:1 /bin/true"

if command -v podman >/dev/null; then
	mkdir -p "$pmdir"/{root,runroot,tmp,net,cni}
	cat >"$pmdir/containers.conf" <<-EOF2
		[containers]
		netns = "none"
		log_driver = "k8s-file"
		cgroups = "enabled"
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$pmdir/events.log"
		tmp_dir = "$pmdir/tmp"
		[network]
		network_backend = "cni"
		network_config_dir = "$pmdir/net"
		cni_plugin_dirs = ["$pmdir/cni"]
	EOF2
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$pmdir/root" "$pmdir/runroot" >"$pmdir/storage.conf"
	pm import "$work/rootfs.tar" localhost/bench:1 >/dev/null 2>&1
	pmcmd="CONTAINERS_CONF=$pmdir/containers.conf CONTAINERS_STORAGE_CONF=$pmdir/storage.conf \
podman --root $pmdir/root --runroot $pmdir/runroot --storage-driver vfs --cgroup-manager cgroupfs \
--events-backend file --tmpdir $pmdir/tmp run --rm --network none --cgroup-parent $cgparent"
	add "podman run (runc)" "$pmcmd --runtime $(command -v runc) localhost/bench:1 /bin/true"
	command -v crun >/dev/null &&
		add "podman run (crun)" "$pmcmd --runtime $(command -v crun) localhost/bench:1 /bin/true"
else
	note "podman: not installed, skipped"
fi

"$src/scripts/mkbundle.sh" "$work/bundle" "$build/src/cli/runtime/brig-runtime" >/dev/null 2>&1 &&
	jq '.process.args = ["/bin/true"] | .process.terminal = false' "$work/bundle/config.json" \
		>"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json" &&
	add "brig-runtime run" "$build/src/cli/runtime/brig-runtime --root $work/rt run --bundle $work/bundle bench-rt-$$"

args=(--warmup "$warmup" --runs "$runs" --export-json "$work/result.json" --style basic)
for i in "${!cmds[@]}"; do args+=(--command-name "${names[$i]}" "${cmds[$i]}"); done
hyperfine "${args[@]}" >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log"; exit 1; }

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/result.json"; }
note ""
note "run /bin/true and remove the container: median over $runs runs"
base=$(median "brig run")
for n in "${names[@]}"; do
	printf '  %-20s %8.2f ms   %5.2fx brig run\n' "$n" "$(jq -n "$(median "$n") * 1000")" \
		"$(jq -n "$(median "$n") / $base")"
done
pmm=$(median "podman run (runc)")
if [ -n "$pmm" ]; then
	printf 'brig run median / podman run (runc) median = %.3f (target <= 0.1; issue #18)\n' "$(jq -n "$base / $pmm")"
fi
