#!/bin/bash
# mkimage.sh BRIG [ROOT]: make brig's bundled default image,
# brig.local/busybox:latest, from Debian's busybox-static (no network
# needed), unless the store already has it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
brig=${1:?usage: mkimage.sh BRIG [ROOT]}
root_opt=()
[ -n "${2:-}" ] && root_opt=(--root "$2")
image=brig.local/busybox:latest
if "$brig" "${root_opt[@]}" image inspect -f '{{.Id}}' "$image" >/dev/null 2>&1; then
	exit 0
fi
work=$(mktemp -d /tmp/brig-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
"$brig" "${root_opt[@]}" import \
	--change 'CMD ["sh"]' \
	--change 'LABEL org.opencontainers.image.description="busybox from Debian busybox-static, bundled with brig"' \
	"$work/rootfs.tar" "$image" >/dev/null
echo "made $image"
