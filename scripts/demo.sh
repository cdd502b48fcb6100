#!/bin/bash
# make demo: run a hardened container from the bundled busybox image with
# brig-runtime and let it print its own confinement.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RT=$PWD/$BUILD/src/cli/brig-runtime
[ -x "$RT" ] || { echo "demo: $RT is not built" >&2; exit 1; }
command -v jq >/dev/null || { echo "demo: jq is missing (run scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/brig-demo.XXXXXX)
id=brig-demo-$$
cleanup() {
	"$RT" --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

./scripts/mkrootfs.sh "$work/bundle/rootfs" >/dev/null
"$RT" spec --bundle "$work/bundle"

# What the container reports about itself.  Everything below is brig's
# default config, unchanged, apart from the command and a user.
read -r -d '' probe <<'PROBE' || true
echo "== inside a default brig-runtime container =="
echo "user:          $(id)"
grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | sed 's/^/status:        /'
if touch /probe 2>/dev/null; then echo "root fs:       WRITABLE"; else echo "root fs:       read-only (touch / refused)"; fi
if mount -t tmpfs none /mnt 2>/dev/null; then echo "mount:         ALLOWED"; else echo "mount:         refused"; fi
if unshare -U true 2>/dev/null; then echo "userns:        ALLOWED"; else echo "new user ns:   refused"; fi
echo "hostname:      $(hostname)"
echo "nofile limit:  $(ulimit -n) soft / $(ulimit -Hn) hard; core: $(ulimit -c)"
echo "processes:     $(ls -d /proc/[0-9]* | wc -l) visible (own pid namespace)"
echo "network:       $(ls /sys/class/net | tr '\n' ' ')(own network namespace)"
if cat /proc/kcore >/dev/null 2>&1; then echo "/proc/kcore:   READABLE"; else echo "/proc/kcore:   masked"; fi
PROBE

jq --arg probe "$probe" \
	'.process.terminal = false | .process.args = ["sh", "-c", $probe]
	 | .process.user = {"uid": 1000, "gid": 1000}' \
	"$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"
"$RT" --root "$work/state" run --bundle "$work/bundle" "$id"
