#!/bin/bash
# density.sh [BUILD_DIR]: what it costs to keep many idle containers.
#
# Starts DENSITY_N (default 50) detached `sleep 1000` busybox containers with
# brig and with podman (runc, --network none), then measures the resident
# memory of the process that looks after each container:
#   brig     its monitor (the background process holding monitor.lock): the
#            parent of the container's init, from `brig inspect` and PPid,
#            together with its other child, the confined log relay
#   podman   conmon (State.ConmonPid)
# RSS and PSS come from /proc/PID/smaps_rollup.  Prints per-container medians
# and totals, the ratio brig monitor / conmon (target, issue #18: PSS
# <= 0.15, start of all of them <= 0.2 of podman's), and the wall
# time each engine took to start all of them.  Everything it creates (a brig
# root and an isolated podman store under /var/tmp, cgroups beneath this
# shell's own) is removed at exit.
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
n=${DENSITY_N:-50}
brig_bin=$build/src/cli/brig/brig

note() { printf '%s\n' "$*" >&2; }
die() { note "density: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$brig_bin" ] || die "$brig_bin is not built"
[[ $n =~ ^[1-9][0-9]*$ ]] || die "DENSITY_N must be a positive number"
have_podman=1
command -v podman >/dev/null && command -v runc >/dev/null || have_podman=0

work=$(mktemp -d /var/tmp/brig-density.XXXXXX)
chmod 755 "$work"
brig_ids=()
pm_started=0

brig() { "$brig_bin" --root "$work/root" "$@"; }

# ------------------------------------------------------------------ podman

# The cgroup parent: beneath this shell's deepest own cgroup (podman's
# cgroupfs manager uses one path for every hierarchy); the directories on
# the way that exist now are kept at cleanup.
pm_cgroup=
hierarchies() {
	awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo
}

pm_setup() {
	mkdir -p "$work"/pm/{root,runroot,tmp,net,cni,volumes,static}
	cat >"$work/pm/containers.conf" <<-EOF
		[containers]
		netns = "none"
		log_driver = "k8s-file"
		# No CAP_SYS_RESOURCE here: do not ask runc to raise hard limits.
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$work/pm/events.log"
		tmp_dir = "$work/pm/tmp"
		volume_path = "$work/pm/volumes"
		static_dir = "$work/pm/static"
		lock_type = "file"
		[network]
		network_backend = "cni"
		network_config_dir = "$work/pm/net"
		cni_plugin_dirs = ["$work/pm/cni"]
	EOF
	cat >"$work/pm/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$work/pm/root"
		runroot = "$work/pm/runroot"
	EOF
	local own d h
	own=$(awk -F: '{ print $3 }' /proc/self/cgroup | awk '{ print length, $0 }' | sort -n | tail -1 | cut -d' ' -f2)
	[ "$own" = / ] && own=
	pm_cgroup=$own/brig-density-${work##*.}
	hierarchies >"$work/pm/hierarchies"
	while read -r h; do
		d=$h$pm_cgroup
		while [ "$d" != / ]; do
			[ -d "$d" ] && echo "$d"
			d=$(dirname "$d")
		done
	done <"$work/pm/hierarchies" >"$work/pm/preexisting"
}

pm() (
	cd "$work/pm" && CONTAINERS_CONF=$work/pm/containers.conf \
		CONTAINERS_STORAGE_CONF=$work/pm/storage.conf \
		podman --root "$work/pm/root" --runroot "$work/pm/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --tmpdir "$work/pm/tmp" \
		--runtime "$(command -v runc)" "$@"
)

pm_cleanup() {
	[ -f "$work/pm/hierarchies" ] || return 0
	pm rm --all --force --time 0 >/dev/null 2>&1 || true
	pm rmi --all --force >/dev/null 2>&1 || true
	local h d i
	while read -r h; do
		d=$h$pm_cgroup
		# A cgroup podman's runc just left may be busy for a moment: retry
		# a bounded number of times, then say what is left (a failed
		# rmdir must not end the script before its report under set -e).
		for ((i = 0; i < 50; i++)); do
			[ -d "$d" ] || break
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || sleep 0.1
		done
		[ ! -d "$d" ] || note "density: could not remove cgroup $d"
		d=$(dirname "$d")
		while [ "$d" != "$h" ] && [ "$d" != / ]; do
			grep -qxF "$d" "$work/pm/preexisting" && break
			rmdir "$d" 2>/dev/null || break
			d=$(dirname "$d")
		done
	done <"$work/pm/hierarchies"
}

cleanup() {
	local id
	for id in "${brig_ids[@]}"; do
		brig rm -f "$id" >/dev/null 2>&1 || true
	done
	if [ "$pm_started" -eq 1 ]; then pm_cleanup; fi
	# A failure here is told, not made the script's status: the report
	# was printed (an EXIT trap's last status would become the exit code).
	rm -rf "$work" 2>/dev/null || note "density: could not remove all of $work"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ measuring

now() { date +%s.%N; }

# mem PID...: "RSS PSS" in kB from /proc/PID/smaps_rollup, summed.
mem() {
	local p
	for p in "$@"; do
		awk '$1 == "Rss:" { r = $2 } $1 == "Pss:" { p = $2 } END { print r + 0, p + 0 }' \
			"/proc/$p/smaps_rollup"
	done | awk '{ r += $1; p += $2 } END { print r + 0, p + 0 }'
}

# stats FILE COLUMN: "median total" of a column of numbers.
stats() {
	local col=$2
	awk -v c="$col" '{ print $c }' "$1" | sort -n | awk '
		{ v[NR] = $1; t += $1 }
		END {
			if (NR == 0) { print "0 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, t
		}'
}

ppid_of() { awk '$1 == "PPid:" { print $2 }' "/proc/$1/status"; }

# holds_lock PID FILE: PID has FILE open (the monitor keeps monitor.lock).
holds_lock() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}

# ------------------------------------------------------------------ the image

"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
brig import "$work/rootfs.tar" density:1 >/dev/null

# ------------------------------------------------------------------ brig

note "brig: starting $n containers"
t0=$(now)
for ((i = 0; i < n; i++)); do
	brig_ids+=("$(brig run -d density:1 sleep 1000)")
done
t1=$(now)
brig_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')

: >"$work/brig.mem"
for id in "${brig_ids[@]}"; do
	pid=$(brig inspect -f '{{.State.Pid}}' "$id")
	[ "$pid" -gt 0 ] || die "brig container $id has no pid"
	mon=$(ppid_of "$pid")
	holds_lock "$mon" "$(realpath "$work/root")/containers/$id/monitor.lock" ||
		die "process $mon (parent of $pid) does not hold $id's monitor.lock"
	# brig-monitor's other child is its confined log relay (docs/monitor.md).
	relay=$(tr ' ' '\n' <"/proc/$mon/task/$mon/children" | grep -vx "$pid" | grep . || true)
	# shellcheck disable=SC2086 # one pid or none
	mem "$mon" $relay >>"$work/brig.mem"
done
read -r brig_rss_med brig_rss_tot < <(stats "$work/brig.mem" 1)
read -r brig_pss_med brig_pss_tot < <(stats "$work/brig.mem" 2)
brig_comm=$(cat "/proc/$mon/comm")

note "brig: removing them"
for id in "${brig_ids[@]}"; do brig rm -f "$id" >/dev/null; done
brig_ids=()

# ------------------------------------------------------------------ podman

if [ "$have_podman" -eq 1 ]; then
	pm_started=1
	pm_setup
	pm import "$work/rootfs.tar" localhost/density:1 >/dev/null 2>&1 ||
		die "podman import failed"
	note "podman (runc): starting $n containers"
	pm_ids=()
	t0=$(now)
	for ((i = 0; i < n; i++)); do
		pm_ids+=("$(pm run -d --network none --cgroup-parent "$pm_cgroup" \
			localhost/density:1 sleep 1000)")
	done
	t1=$(now)
	pm_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	: >"$work/conmon.mem"
	for id in "${pm_ids[@]}"; do
		cm=$(pm inspect -f '{{.State.ConmonPid}}' "$id")
		[ "$(cat "/proc/$cm/comm")" = conmon ] || die "podman $id: pid $cm is not conmon"
		mem "$cm" >>"$work/conmon.mem"
	done
	read -r cm_rss_med cm_rss_tot < <(stats "$work/conmon.mem" 1)
	read -r cm_pss_med cm_pss_tot < <(stats "$work/conmon.mem" 2)
	note "podman: removing them"
	pm_cleanup
	pm_started=0
fi

# ------------------------------------------------------------------ report

printf '\n%d idle containers (sleep 1000), memory of the per-container process\n' "$n"
printf '%-24s %12s %12s %12s %12s %10s\n' process "RSS med kB" "RSS tot kB" "PSS med kB" \
	"PSS tot kB" "start s"
printf '%-24s %12s %12s %12s %12s %10s\n' "brig monitor ($brig_comm)" "$brig_rss_med" \
	"$brig_rss_tot" "$brig_pss_med" "$brig_pss_tot" "$brig_wall"
if [ "$have_podman" -eq 1 ]; then
	printf '%-24s %12s %12s %12s %12s %10s\n' "podman conmon" "$cm_rss_med" "$cm_rss_tot" \
		"$cm_pss_med" "$cm_pss_tot" "$pm_wall"
	awk -v br="$brig_rss_med" -v cr="$cm_rss_med" -v bp="$brig_pss_med" -v cp="$cm_pss_med" \
		-v bw="$brig_wall" -v cw="$pm_wall" 'BEGIN {
		printf "\nratio brig monitor / conmon: RSS %.2f, PSS %.2f (target: PSS <= 0.15)\n", br / cr, bp / cp
		printf "start time brig / podman: %.2f (target <= 0.2)\n", bw / cw
	}'
else
	printf '\npodman or runc is not installed: no comparison\n'
fi
