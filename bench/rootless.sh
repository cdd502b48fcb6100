#!/bin/bash
# rootless.sh [BUILD_DIR]: `brig run --rm IMAGE true` as an unprivileged user
# (scripts/rootless-user.sh's brigrl) against rootless `podman run --rm` with
# the same image, by hyperfine in one run; prints each mean and brig's as a
# ratio of podman's (issue 16 asks for at most 0.25).  Run as root: it makes
# the user, then runs both engines as that user through setpriv, with
# directories of its own (store, runtime, config) that it removes at exit.
#
# podman on this project's hosts (cgroup v1/hybrid): crun refuses hybrid
# cgroups rootless ("cgroups in hybrid mode not supported"), so podman runs
# with runc, vfs storage and --network none (rootless networking would need
# /dev/net/tun, 0600 here).  brig runs with its defaults (user namespace,
# seccomp, read-only root, rlimits; no cgroup: none is delegated).
#
# Environment: BENCH_RUNS (default 20), BENCH_WARMUP (default 3).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-3}

die() { printf 'rootless bench: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (to make the test user)"
command -v hyperfine >/dev/null || die "hyperfine is not installed"
[ -x "$brig" ] || die "$brig is not built"

user=$("$src/scripts/rootless-user.sh" create)
uid=$(id -u "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)
work=$(setpriv --reuid "$uid" --regid "$gid" --clear-groups mktemp -d "$home/bench.XXXXXX")
rt=/run/user/$uid/${work##*/}
install -d -o "$uid" -g "$gid" -m 0700 "$rt"

# as_user CMD...: CMD as the user, in an environment of its own.
as_user() {
	setpriv --reuid "$uid" --regid "$gid" --init-groups --reset-env \
		env HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin \
		XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_RUNTIME_DIR="$rt" \
		BRIG_POLICY_DIR="$src/tests/lib/policy-open" \
		BRIG_REGISTRIES_CONF="$src/tests/lib/registries-offline.conf" "$@"
}
pm_args="--root $work/podman/root --runroot $rt/podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs --events-backend file"

cleanup() {
	as_user podman $pm_args rm -af >/dev/null 2>&1 || true
	# podman's vfs layers hold files of the user's subordinate ids
	as_user podman $pm_args unshare rm -rf "$work/podman" >/dev/null 2>&1 || true
	# rootless podman leaves a pause process holding its user namespace,
	# one per XDG_RUNTIME_DIR: ours goes with the directory.
	local pause
	pause=$(cat "$rt/libpod/tmp/pause.pid" 2>/dev/null || true)
	[[ $pause =~ ^[0-9]+$ ]] && kill "$pause" 2>/dev/null
	rm -rf "$work" "$rt"
}
trap cleanup EXIT

"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
rm -rf "$work/rootfs"
chown -R "$uid:$gid" "$work"
as_user "$brig" import "$work/rootfs.tar" bench:1 >/dev/null
as_user podman $pm_args import "$work/rootfs.tar" localhost/bench:1 >/dev/null 2>&1
as_user "$brig" run --rm bench:1 true 2>/dev/null || die "brig cannot run rootless here"
as_user podman $pm_args run --rm --network none localhost/bench:1 true ||
	die "podman cannot run rootless here"

# What hyperfine runs (as root, no shell): a script each, setpriv inside.
runner() { # FILE CMD...
	local f=$1
	shift
	{
		echo '#!/bin/bash'
		declare -p uid gid home user work rt src
		declare -f as_user
		printf 'as_user'
		printf ' %q' "$@"
		printf '\n'
	} >"$f.tmp"
	mv "$f.tmp" "$f"
	chmod 755 "$f"
}
mkdir -p "$work/bin"
runner "$work/bin/brig-run" "$brig" run --rm bench:1 true
runner "$work/bin/podman-run" podman $pm_args run --rm --network none localhost/bench:1 true
json=$work/hyperfine.json
hyperfine -N --runs "$runs" --warmup "$warmup" --export-json "$json" \
	-n "brig run --rm (rootless)" "$work/bin/brig-run" \
	-n "podman run --rm (rootless, runc)" "$work/bin/podman-run" >/dev/null
jq -r '.results[] | "\(.command)\t\(.mean * 1000 | floor) ms"' "$json"
jq -r '"brig / podman: " + ((.results[0].mean / .results[1].mean * 100 | floor) / 100 | tostring)' "$json"
