#!/bin/bash
# audit.sh [BUILD_DIR]: the time of `brig audit` with 20 running containers
# (issue 15: under 2 s), inside a network namespace this script makes
# (nothing in the host's): 10 with brig's defaults (no network) and 10 on
# the default bridge network, each publishing a port (the audit lists the
# namespace's nftables ruleset to check their DNAT rules, docs/audit.md).
# Medians by hyperfine of `brig audit containers` and `brig audit all`.
# Environment: BENCH_RUNS (default 10), BENCH_WARMUP (default 1).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-10}
warmup=${BENCH_WARMUP:-1}

note() { printf '%s\n' "$*"; }
for t in hyperfine nft nsenter jq; do
	command -v "$t" >/dev/null || { note "audit: $t is not installed"; exit 1; }
done
[ -x "$brig" ] || { note "audit: $brig not built"; exit 1; }
[ "$(id -u)" -eq 0 ] || { note "audit: needs root"; exit 1; }

work=$(mktemp -d /var/tmp/brig-bench-audit.XXXXXX)
chmod 755 "$work"
ns=brigbench-${work##*.}
inns() { nsenter --net="/run/netns/$ns" -- "$@"; }
nbrig() { inns "$brig" --root "$work/brig" "$@"; }
cleanup() {
	local id
	for id in $(nbrig ps -a -q --no-trunc 2>/dev/null); do
		nbrig rm -f "$id" >/dev/null 2>&1 || true
	done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

ip netns add "$ns"
inns ip link set lo up
"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
nbrig import "$work/rootfs.tar" img >/dev/null
for i in $(seq 1 10); do
	nbrig run -d --name "plain$i" img sleep 1000 >/dev/null
	nbrig run -d --name "br$i" --network bridge -p "127.0.0.1:$((18000 + i)):80" img sleep 1000 >/dev/null
done
n=$(nbrig ps -q | wc -l)
note "audit: $n running containers (10 without a network, 10 on the bridge with -p)"

json=$work/hf.json
cmd="nsenter --net=/run/netns/$ns -- $brig --root $work/brig audit --format json"
hyperfine -N -i -r "$runs" -w "$warmup" --export-json "$json" \
	-n "audit containers" "$cmd containers" -n "audit all" "$cmd all" >/dev/null
jq -r '.results[] | "audit: \(.command): median \(.median * 1000 | floor) ms (user \(.user * 1000 | floor) ms, system \(.system * 1000 | floor) ms); target < 2000 ms"' "$json"
