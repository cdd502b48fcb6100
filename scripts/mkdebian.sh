#!/bin/sh
# mkdebian.sh [FILE]: make, once, a Debian 12 (bookworm) minbase root
# filesystem with debootstrap, as a tarball (default
# /var/cache/brig/debian-bookworm-minbase.tar), for the test that imports and
# runs it.  It downloads from the Debian mirror apt is configured with, like
# the package installs of setup.sh; the tests themselves never touch the
# network.  Idempotent: an existing tarball is kept.
set -eu
out=${1:-/var/cache/brig/debian-bookworm-minbase.tar}
[ -s "$out" ] && exit 0
command -v debootstrap >/dev/null || { echo "mkdebian: debootstrap is missing" >&2; exit 1; }
mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /debian$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
dir=$(dirname "$out")
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.minbase.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "mkdebian: debootstrap --variant=minbase bookworm from $mirror (once)"
debootstrap --variant=minbase bookworm "$tmp/rootfs" "$mirror" >"$tmp/log" 2>&1 || {
	tail -5 "$tmp/log" >&2
	echo "mkdebian: debootstrap failed" >&2
	exit 1
}
tar -C "$tmp/rootfs" --numeric-owner --xattrs -cf "$tmp/rootfs.tar" .
mv "$tmp/rootfs.tar" "$out"
