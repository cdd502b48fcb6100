#!/bin/bash
# cpu-shares.sh [BUILD_DIR]: how CPU shares split one core (the report's
# "Limit CPU" example, moved here from tests/integration/report_examples.bats:
# a proportion measured beside whatever else the host runs is a benchmark,
# not a pass/fail test).
#
# Starts four busy-loop containers pinned to CPU 0 with -c 2048, 1024, 512
# and 512, waits until they have used CPU_SHARES_SECONDS (default 20) of CPU
# time between them (from each container's cgroup), and prints each one's
# share of that time beside the 4:2:1:1 its weight asks for.  Run it on an
# otherwise idle CPU 0; other load on that core takes time from all four.
# Everything it creates (a brig root under /var/tmp) is removed at exit.
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
secs=${CPU_SHARES_SECONDS:-20}
brig_bin=$build/src/cli/brig/brig

die() { printf 'cpu-shares: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$brig_bin" ] || die "$brig_bin is not built"
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "CPU_SHARES_SECONDS must be a positive number"

work=$(mktemp -d /var/tmp/brig-cpushares.XXXXXX)
chmod 755 "$work"
brig() { "$brig_bin" --root "$work/root" "$@"; }
cleanup() {
	local id
	for id in $(brig ps -a -q --no-trunc 2>/dev/null); do brig rm -f "$id" >/dev/null 2>&1 || true; done
	rm -rf "$work"
}
trap cleanup EXIT

"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
brig import "$work/rootfs.tar" bb:1 >/dev/null

# usage_ns ID: CPU time of the container's cgroup (cgroup v1 cpuacct or v2).
usage_ns() {
	local pid dir
	pid=$(brig inspect -f '{{.State.Pid}}' "$1")
	dir=$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ { print $3 }' "/proc/$pid/cgroup")
	if [ -n "$dir" ] && [ -r "/sys/fs/cgroup/cpuacct$dir/cpuacct.usage" ]; then
		cat "/sys/fs/cgroup/cpuacct$dir/cpuacct.usage"
		return
	fi
	dir=$(awk -F: '$1 == 0 { print $3 }' "/proc/$pid/cgroup")
	awk '$1 == "usage_usec" { printf "%.0f\n", $2 * 1000 }' "/sys/fs/cgroup$dir/cpu.stat"
}

shares=(2048 1024 512 512)
ids=() base=() now=()
for s in "${shares[@]}"; do
	ids+=("$(brig run -d --cpuset-cpus 0 -c "$s" bb:1 sh -c 'while :; do :; done')")
done
for id in "${ids[@]}"; do base+=("$(usage_ns "$id")"); done
want=$((secs * 1000000000))
total=0
while [ "$total" -lt "$want" ]; do
	sleep 1
	now=() total=0
	for i in "${!ids[@]}"; do
		now+=("$(usage_ns "${ids[$i]}")")
		total=$((total + now[i] - base[i]))
	done
done
printf '%-8s %-10s %-10s\n' weight share expected
for i in "${!ids[@]}"; do
	awk -v w="${shares[$i]}" -v u="$((now[i] - base[i]))" -v tu="$total" \
		'BEGIN { printf "%-8d %-10.3f %-10.3f\n", w, u / tu, w / 4096 }'
done
