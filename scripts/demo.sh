#!/bin/bash
# make demo: make brig's bundled image (brig.local/busybox:latest, from
# Debian's busybox-static) and run a container from it with nothing but
# brig's defaults; the container prints its own confinement.
#
# The store is brig's default (/var/lib/brig) unless BRIG_ROOT names another.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BRIG=$PWD/$BUILD/src/cli/brig/brig
[ -x "$BRIG" ] || { echo "demo: $BRIG is not built" >&2; exit 1; }
root_opt=()
[ -n "${BRIG_ROOT:-}" ] && root_opt=(--root "$BRIG_ROOT")
brig() { "$BRIG" "${root_opt[@]}" "$@"; }

./scripts/mkimage.sh "$BRIG" "${BRIG_ROOT:-}"
brig images brig.local/busybox 2>/dev/null || brig images

read -r -d '' probe <<'PROBE' || true
echo "== inside a default brig container =="
echo "user:          $(id)"
awk '{ printf "user ns:       container uid %s is host uid %s (%s ids of its own)\n", $1, $2, $3 }' /proc/self/uid_map
grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | sed 's/^/status:        /'
if touch /probe 2>/dev/null; then echo "root fs:       WRITABLE"; else echo "root fs:       read-only (touch / refused)"; fi
if touch /tmp/probe 2>/dev/null; then echo "/tmp:          a small tmpfs ($(df -h /tmp | awk 'NR==2{print $2}'))"; fi
if mount -t tmpfs none /mnt 2>/dev/null; then echo "mount:         ALLOWED"; else echo "mount:         refused"; fi
if unshare -U true 2>/dev/null; then echo "user ns:       ALLOWED"; else echo "new user ns:   refused"; fi
if chown 0 /tmp/probe 2>/dev/null; then echo "chown:         allowed"; else echo "chown:         refused (no CAP_CHOWN for a non-root user)"; fi
echo "hostname:      $(hostname)"
echo "nofile limit:  $(ulimit -n) soft / $(ulimit -Hn) hard; core: $(ulimit -c)"
echo "pids limit:    $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max 2>/dev/null)"
echo "memory limit:  $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max 2>/dev/null) bytes"
echo "processes:     $(ls -d /proc/[0-9]* | wc -l) visible (own pid namespace)"
echo "network:       $(ls /sys/class/net | tr '\n' ' ')(own network namespace, no interfaces)"
if cat /proc/kcore >/dev/null 2>&1; then echo "/proc/kcore:   READABLE"; else echo "/proc/kcore:   masked"; fi
PROBE

echo "\$ brig run --rm -u 1000 brig.local/busybox sh -c '<probe>'"
brig run --rm -u 1000 brig.local/busybox sh -c "$probe"
