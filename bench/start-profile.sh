#!/bin/bash
# start-profile.sh [BUILD_DIR]: where one `brig-runtime run` of /bin/true
# spends its time, phase by phase, beside bwrap's total for the same start.
#
# The bundle is start-latency.sh's (same namespaces, seccomp profile,
# capabilities and limits).  brig-runtime writes a clock reading at the end
# of each phase to the fd named by BRIG_TRACE_FD (src/runtime/trace.c; no
# cost without it); this script takes the shell's clock just before it
# starts the runtime and just after it has exited, so the phases add up to
# the total.  Each phase is the median over the runs, as is each total.
#
# Environment: BENCH_RUNS (default 20).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-20}
rt=$build/src/cli/runtime/brig-runtime

note() { printf '%s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { note "start-profile: needs root"; exit 1; }
[ -x "$rt" ] || { note "start-profile: $rt not built"; exit 1; }

work=$(mktemp -d /var/tmp/brig-profile.XXXXXX)
chmod 755 "$work"
# the runtime's state on a tmpfs, where its default (/run/brig-runtime) is
state=$(mktemp -d /run/brig-profile-state.XXXXXX)
id=brig-profile-${work##*.}
cgroup=brig-profile-${work##*.}

cleanup() {
	local dir
	"$rt" --root "$state" delete --force "$id" >/dev/null 2>&1 || true
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

# The phases in the order they end, as "READING|what ended there".
phases=(
	"main|exec of brig-runtime (fork, execve, options; ld.so if dynamic)"
	"selfprotect|self-protection (CVE-2019-5736)"
	"config|config parse"
	"state|state dir, lock, config copy, start socket"
	"cgroup-create|cgroup create and limits"
	"clone|namespace clone"
	"cgroup-attach|id maps, v2 cgroup attach"
	"cgroup-self|GO; the init moves into its v1 cgroups"
	"mounts|mounts and pivot (init)"
	"identity|session, rlimits, cwd, capabilities (init)"
	"seccomp|seccomp load (init)"
	"init-ready|ready handshake"
	"created|device rules, state save"
	"exec|start: state, START to the init"
	"started|start returns (poststart hooks)"
	"exited|exec of the workload, its run, wait"
	"deleted|cleanup: kill, cgroup removal, state removal"
	"end|exit of brig-runtime"
)

# one_run N: trace lines of run N in $work/trace.N, with "begin" and "end"
# taken by this shell.
one_run() {
	local f=$work/trace.$1 t0 t1
	t0=$EPOCHREALTIME
	BRIG_TRACE_FD=9 "$rt" --root "$state" run --bundle "$work/bundle" "$id" \
		9>"$f" </dev/null
	t1=$EPOCHREALTIME
	printf 'begin %s 0\nend %s 0\n' "$t0" "$t1" >>"$f"
}

bwrap_run() {
	local t0 t1
	t0=$EPOCHREALTIME
	bwrap --unshare-pid --unshare-net --unshare-ipc --unshare-uts \
		--ro-bind "$rootfs" / --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL $bwrap_caps \
		--seccomp 9 /bin/true 9<"$work/seccomp.bpf" </dev/null
	t1=$EPOCHREALTIME
	printf '%s\n' "$(jq -n "($t1 - $t0) * 1000")" >>"$work/bwrap.ms"
}

one_run warmup
for i in $(seq "$runs"); do
	one_run "$i"
	if command -v bwrap >/dev/null; then bwrap_run; fi
done

# Each run: milliseconds from the previous reading (the first reading of a
# name counts: the sealed re-exec enters main twice) to the end of each phase.
for i in $(seq "$runs"); do
	sort -k2,2n "$work/trace.$i" | awk '!seen[$1]++ { if (NR > 1) printf "%s %.3f\n", $1, ($2 - prev) * 1000; prev = $2 }'
done >"$work/phases"

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

note "brig-runtime run /bin/true: phases, median of $runs runs (ms)"
sum=0
for p in "${phases[@]}"; do
	name=${p%%|*}
	m=$(awk -v n="$name" '$1 == n { print $2 }' "$work/phases" | median)
	printf '  %-48s %8s\n' "${p#*|}" "$m"
	[ "$m" = n/a ] || sum=$(jq -n "$sum + $m")
done
total=$(for i in $(seq "$runs"); do
	awk '$1 == "begin" { b = $2 } $1 == "end" { e = $2 } END { printf "%.3f\n", (e - b) * 1000 }' "$work/trace.$i"
done | median)
printf '  %-48s %8.2f\n' "(sum of the phase medians)" "$sum"
printf '  %-48s %8s\n' "brig-runtime total" "$total"
if [ -s "$work/bwrap.ms" ]; then
	bw=$(median <"$work/bwrap.ms")
	printf '  %-48s %8s   (brig-runtime / bwrap = %.2f)\n' "bwrap total, same start" "$bw" \
		"$(jq -n "$total / $bw")"
else
	note "  bwrap: not installed, no comparison"
fi
