#!/bin/bash
# mkbundle.sh DIR [RUNTIME]: make an OCI bundle in DIR.
#
# DIR/rootfs is a hard-linked copy of a busybox rootfs that mkrootfs.sh builds
# once under ${XDG_CACHE_HOME:-/var/tmp}/brig-test-rootfs (rebuilt when the
# host busybox or mkrootfs.sh changes); /etc is copied, not linked, so a test
# may edit it.  DIR/config.json comes from `RUNTIME spec` (default runc) with
# process.terminal=false.  Edit it afterwards with jq.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 DIR [RUNTIME]" >&2
	exit 2
fi
dir=$1
runtime=${2:-runc}
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}

cache_base=${XDG_CACHE_HOME:-/var/tmp}/brig-test-rootfs
key=$(cat "$busybox" "$here/mkrootfs.sh" | sha256sum | cut -c1-16)
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
	cp -al "$cache" "$dir/rootfs" 2>/dev/null || cp -a "$cache" "$dir/rootfs"
	rm -rf "$dir/rootfs/etc"
	cp -a "$cache/etc" "$dir/rootfs/etc"
fi

rm -f "$dir/config.json"
(cd "$dir" && "$runtime" spec)
tmp=$(mktemp "$dir/.config.XXXXXX")
jq '.process.terminal = false' "$dir/config.json" >"$tmp"
mv "$tmp" "$dir/config.json"
