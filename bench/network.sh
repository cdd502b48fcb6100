#!/bin/bash
# network.sh [BUILD_DIR]: networking through a published port, in one run,
# inside a network namespace this script makes (nothing in the host's):
#
#   throughput   iperf3 (Debian's) for BENCH_SECONDS from the namespace to
#                127.0.0.1:PORT, a server in a container behind -p:
#                  brig bridge   --network NAME -p (DNAT, docs/network.md)
#                  brig pasta    --network pasta -p
#                  podman        root podman 4, CNI bridge + portmap (its
#                                default network stack for root here)
#                  podman        --network slirp4netns: the reference for
#                                brig pasta (podman 4.3 has no pasta network)
#                  loopback      the server in the namespace itself: the bound
#   start time   hyperfine: brig run --rm IMAGE true with --network NAME -p
#                8080:80 against --network none (target: at most 10 ms added)
#
# The image: the bundled busybox rootfs with iperf3 and its libraries copied
# in.  Environment: BENCH_SECONDS (default 5), BENCH_RUNS (default 20),
# BENCH_WARMUP (default 3).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
secs=${BENCH_SECONDS:-5}
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-3}

note() { printf '%s\n' "$*"; }

for t in iperf3 hyperfine nft nsenter jq; do
	command -v "$t" >/dev/null || { note "network: $t is not installed"; exit 1; }
done
[ -x "$brig" ] || { note "network: $brig not built"; exit 1; }
[ "$(id -u)" -eq 0 ] || { note "network: needs root"; exit 1; }

work=$(mktemp -d /var/tmp/brig-bench-net.XXXXXX)
chmod 755 "$work"
ns=brigbench-${work##*.}
pmdir=$work/podman
own=$(awk -F: '{ print $3 }' /proc/self/cgroup | awk '{ print length, $0 }' | sort -n | tail -1 | cut -d' ' -f2)
[ "$own" = / ] && own=
cgparent=$own/brig-bench-${work##*.}
srv_pid=

inns() { nsenter --net="/run/netns/$ns" -- "$@"; }
nbrig() { inns "$brig" --root "$work/brig" "$@"; }
pm() {
	inns env CONTAINERS_CONF="$pmdir/containers.conf" CONTAINERS_STORAGE_CONF="$pmdir/storage.conf" \
		podman --root "$pmdir/root" --runroot "$pmdir/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --tmpdir "$pmdir/tmp" "$@"
}

cleanup() {
	[ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null || true
	if [ -d "$pmdir/root" ]; then
		pm rm --all --force >/dev/null 2>&1 || true
		pm rmi --all --force >/dev/null 2>&1 || true
	fi
	local id
	for id in $(nbrig ps -a -q --no-trunc 2>/dev/null); do
		nbrig rm -f "$id" >/dev/null 2>&1 || true
	done
	nbrig network prune -f >/dev/null 2>&1 || true
	ip netns del "$ns" 2>/dev/null || true
	local ctrl path dir
	while IFS=: read -r _ ctrl path; do
		for dir in /sys/fs/cgroup/"${ctrl#name=}"$cgparent /sys/fs/cgroup/unified$cgparent; do
			[ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done </proc/self/cgroup
	rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

ip netns add "$ns"
inns ip link set lo up
# pasta copies an interface with a default route: a veth pair of the
# namespace's own, whose far end leads nowhere.
inns ip link add bnv0 type veth peer name bnv1
inns ip addr add 10.55.0.1/24 dev bnv0
inns ip link set bnv0 up
inns ip link set bnv1 up
inns ip route add default via 10.55.0.254

# ---- the image: busybox + iperf3 and the libraries it links

"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
iperf=$(command -v iperf3)
for f in "$iperf" $(ldd "$iperf" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
	mkdir -p "$work/rootfs$(dirname "$f")"
	cp -L "$f" "$work/rootfs$f"
done
tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
nbrig import "$work/rootfs.tar" bench:1 >/dev/null
nbrig network create --subnet 10.66.0.0/24 benchnet >/dev/null

# wait_port PORT: a server answers on 127.0.0.1:PORT (10 s at most).
wait_port() {
	local i
	for ((i = 0; i < 200; i++)); do
		inns iperf3 -c 127.0.0.1 -p "$1" -n 64K >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# gbits NAME PORT: iperf3's received rate through 127.0.0.1:PORT, in Gbit/s.
declare -A rate
gbits() {
	local out
	if ! wait_port "$2" || ! out=$(inns iperf3 -c 127.0.0.1 -p "$2" -t "$secs" -J 2>&1); then
		note "$1: no server answered on 127.0.0.1:$2, skipped"
		return 0
	fi
	rate[$1]=$(jq '.end.sum_received.bits_per_second / 1e9' <<<"$out")
}

# ---- throughput

# nsenter itself, not the inns function, in the background: $! is then the
# pid nsenter execs iperf3 as (a function would run in a subshell whose
# kill left the server running)
nsenter --net="/run/netns/$ns" -- iperf3 -s -B 127.0.0.1 -p 5300 >/dev/null 2>&1 &
srv_pid=$!
gbits loopback 5300
kill "$srv_pid" 2>/dev/null || true
srv_pid=

nbrig run -d --name br --network benchnet -p 5301:5201 bench:1 iperf3 -s >/dev/null
gbits "brig bridge" 5301
nbrig rm -f br >/dev/null

if command -v pasta >/dev/null; then
	if nbrig run -d --name pa --network pasta -p 5302:5201 bench:1 iperf3 -s >"$work/pasta.log" 2>&1; then
		gbits "brig pasta" 5302
	else
		note "brig pasta: does not run here: $(tail -1 "$work/pasta.log")"
	fi
	nbrig rm -f pa >/dev/null 2>&1 || true
else
	note "brig pasta: pasta is not installed, skipped"
fi

if command -v podman >/dev/null && [ -x /usr/lib/cni/portmap ]; then
	mkdir -p "$pmdir"/{root,runroot,tmp,net}
	cat >"$pmdir/containers.conf" <<-EOF2
		[containers]
		log_driver = "k8s-file"
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$pmdir/events.log"
		tmp_dir = "$pmdir/tmp"
		[network]
		network_backend = "cni"
		network_config_dir = "$pmdir/net"
		cni_plugin_dirs = ["/usr/lib/cni"]
		default_subnet = "10.67.0.0/24"
	EOF2
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$pmdir/root" "$pmdir/runroot" >"$pmdir/storage.conf"
	pm import "$work/rootfs.tar" localhost/bench:1 >/dev/null 2>&1
	rt=()
	command -v runc >/dev/null && rt=(--runtime "$(command -v runc)") # crun refuses hybrid cgroups
	if pm run -d --name pmbr --cgroup-parent "$cgparent" "${rt[@]}" -p 127.0.0.1:5303:5201 \
		localhost/bench:1 iperf3 -s >"$work/podman.log" 2>&1; then
		gbits "podman (CNI)" 5303
	else
		note "podman (CNI): does not run here: $(tail -1 "$work/podman.log")"
	fi
	pm rm -f pmbr >/dev/null 2>&1 || true
	# The reference for brig pasta: podman 4.3 has no pasta network (4.4
	# added it), so its user-mode stack, slirp4netns, as issue #13 says.
	if ! command -v slirp4netns >/dev/null; then
		note "podman (slirp4netns): slirp4netns is not installed, skipped"
	elif pm run -d --name pmsl --cgroup-parent "$cgparent" "${rt[@]}" --network slirp4netns \
		-p 127.0.0.1:5304:5201 localhost/bench:1 iperf3 -s >"$work/slirp.log" 2>&1; then
		gbits "podman (slirp4netns)" 5304
	else
		note "podman (slirp4netns): does not run here: $(tail -1 "$work/slirp.log")"
	fi
	pm rm -f pmsl >/dev/null 2>&1 || true
else
	note "podman: not installed (or no CNI portmap plugin), skipped"
fi

note ""
note "TCP throughput through a published port on 127.0.0.1, iperf3 -t $secs (one stream)"
for n in loopback "brig bridge" "brig pasta" "podman (CNI)" "podman (slirp4netns)"; do
	[ -n "${rate[$n]:-}" ] || continue
	printf '  %-20s %7.2f Gbit/s   %5.2fx loopback\n' "$n" "${rate[$n]}" \
		"$(jq -n "${rate[$n]} / ${rate[loopback]:-${rate[$n]}}")"
done
if [ -n "${rate[brig bridge]:-}" ] && [ -n "${rate[podman (CNI)]:-}" ]; then
	printf 'brig bridge / podman (CNI) = %.2f (target >= 0.9)\n' \
		"$(jq -n "${rate[brig bridge]} / ${rate[podman (CNI)]}")"
fi
if [ -n "${rate[brig pasta]:-}" ] && [ -n "${rate[podman (slirp4netns)]:-}" ]; then
	printf 'brig pasta / podman (slirp4netns) = %.2f (target >= 0.9)\n' \
		"$(jq -n "${rate[brig pasta]} / ${rate[podman (slirp4netns)]}")"
fi

# ---- start time added by a bridge network and a published port

none="$brig --root $work/brig run --rm --network none bench:1 true"
bridged="$brig --root $work/brig run --rm --network benchnet -p 8080:80 bench:1 true"
inns hyperfine --warmup "$warmup" --runs "$runs" --export-json "$work/start.json" --style basic \
	--command-name none "$none" --command-name bridge "$bridged" >"$work/hyperfine.log" 2>&1 ||
	{ cat "$work/hyperfine.log"; exit 1; }
median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/start.json"; }
# CPU time (user + system, the command and its children, mean): unlike the
# wall time it hardly moves with the machine's load.
cpu() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .user + .system' "$work/start.json"; }
mn=$(median none)
mb=$(median bridge)
cn=$(cpu none)
cb=$(cpu bridge)
note ""
note "brig run --rm IMAGE true over $runs runs: median wall time, mean CPU time"
printf '  %-34s %8.2f ms %8.2f ms CPU\n' "--network none" "$(jq -n "$mn * 1000")" "$(jq -n "$cn * 1000")"
printf '  %-34s %8.2f ms %8.2f ms CPU\n' "--network benchnet -p 8080:80" "$(jq -n "$mb * 1000")" \
	"$(jq -n "$cb * 1000")"
printf 'added by the bridge and the port = %.2f ms (target <= 10 ms), %.2f ms CPU (%.2fx)\n' \
	"$(jq -n "($mb - $mn) * 1000")" "$(jq -n "($cb - $cn) * 1000")" "$(jq -n "$cb / $cn")"
