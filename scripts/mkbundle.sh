#!/bin/bash
# mkbundle.sh DIR [RUNTIME [SPEC ARGS...]]: make an OCI bundle in DIR.
#
# DIR/rootfs is a hard-linked copy of a busybox rootfs that mkrootfs.sh builds
# once under ${BRIG_TEST_CACHE:-${XDG_CACHE_HOME:-/var/tmp}}/brig-test-rootfs
# (rebuilt when the host busybox or mkrootfs.sh changes; a cache on another
# filesystem than DIR costs a copy instead of links); /etc is copied, not linked, so a test
# may edit it.  DIR/config.json comes from `RUNTIME spec SPEC ARGS...`
# (default runc) with process.terminal=false.  Without SPEC ARGS, brig-runtime
# is asked for runc's shape (`spec --runc-compatible`: no user namespace, a
# root-owned rootfs is host root's), which the tests and benchmarks built on
# this script expect; pass e.g. "" to get brig-runtime's hardened default.
# Edit it afterwards with jq.
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 DIR [RUNTIME [SPEC ARGS...]]" >&2
	exit 2
fi
dir=$1
runtime=${2:-runc}
spec_args=()
if [ $# -gt 2 ]; then
	for a in "${@:3}"; do
		[ -z "$a" ] || spec_args+=("$a")
	done
elif "$runtime" --version 2>/dev/null | head -1 | grep -q '^brig-runtime '; then
	spec_args=(--runc-compatible)
fi
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}

cache_base=${BRIG_TEST_CACHE:-${XDG_CACHE_HOME:-/var/tmp}}/brig-test-rootfs
# The cache is keyed by the identity and modification time of busybox and
# of mkrootfs.sh (one stat instead of hashing 2 MB on every bundle).
key=$(stat -L -c '%d.%i.%s.%Y' "$busybox" "$here/mkrootfs.sh" | tr '\n' '-')
key=${key%-}
cache=$cache_base/$key

build_cache() {
	local tmp
	mkdir -p "$cache_base"
	tmp=$(mktemp -d "$cache_base/.build.XXXXXX")
	"$here/mkrootfs.sh" "$tmp/rootfs" >/dev/null
	# rename is atomic: concurrent builders race harmlessly, one wins.
	if ! mv -T "$tmp/rootfs" "$cache" 2>/dev/null; then
		rm -rf "$tmp/rootfs"
	fi
	rmdir "$tmp"
}

[ -d "$cache" ] || build_cache

mkdir -p "$dir"
if [ ! -d "$dir/rootfs" ]; then
	# Links fail across filesystems, after making part of the tree: the
	# copy starts again from nothing (else it would land inside that part).
	cp -al "$cache" "$dir/rootfs" 2>/dev/null || {
		rm -rf "$dir/rootfs"
		cp -a "$cache" "$dir/rootfs"
	}
	rm -rf "$dir/rootfs/etc"
	cp -a "$cache/etc" "$dir/rootfs/etc"
fi

rm -f "$dir/config.json"
(cd "$dir" && "$runtime" spec ${spec_args[@]+"${spec_args[@]}"})
tmp=$(mktemp "$dir/.config.XXXXXX")
jq '.process.terminal = false' "$dir/config.json" >"$tmp"
mv "$tmp" "$dir/config.json"
