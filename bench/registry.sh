#!/bin/bash
# registry.sh [BUILD_DIR]: pulling an image with a 100+ MB layer from a local
# docker-registry (scripts/registry-test.sh, TLS on 127.0.0.1), in one run:
#   brig pull, cold store        download, verify, unpack (a fresh store each run)
#   skopeo copy docker:// oci:   download and verify, no unpack (the target:
#                                brig at most 1.0x skopeo)
#   podman pull                  into a fresh temporary root (vfs), for reference
#   brig pull, warm              everything present: no blob fetched (target < 50 ms)
# The image: tests/lib/mklayers.py, one layer of BENCH_LAYER_MB (default 120)
# MB of random hex text in 24 files (gzip halves it), copied into the
# registry by skopeo.  Medians by hyperfine.
#
# Environment: BENCH_RUNS (default 5), BENCH_WARMUP (default 1),
# BENCH_LAYER_MB (default 120).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-5}
warmup=${BENCH_WARMUP:-1}
mb=${BENCH_LAYER_MB:-120}

note() { printf '%s\n' "$*"; }

command -v hyperfine >/dev/null || { note "registry: hyperfine is not installed"; exit 1; }
command -v skopeo >/dev/null || { note "registry: skopeo is not installed"; exit 1; }
[ -x /usr/bin/docker-registry ] || { note "registry: docker-registry is not installed"; exit 1; }
[ -x "$brig" ] || { note "registry: $brig not built"; exit 1; }

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
work=$(mktemp -d /var/tmp/brig-bench-registry.XXXXXX)
cleanup() {
	"$src/scripts/registry-test.sh" stop "$work/reg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

python3 "$src/tests/lib/mklayers.py" "$work/layout" 1 $((mb * 1000000)) 24
"$src/scripts/registry-test.sh" start "$work/reg" >/dev/null
port=$(cat "$work/reg/port")
ref=127.0.0.1:$port/bench/big:1
skopeo copy -q --dest-cert-dir "$work/reg" "oci:$work/layout:img" "docker://$ref" >/dev/null
size=$(jq '[.layers[].size] | add' "$work/layout/blobs/sha256/$(jq -r '.manifests[0].digest' \
	"$work/layout/index.json" | cut -d: -f2)")
mkdir -p "$work/certs/127.0.0.1:$port"
cp "$work/reg/ca.crt" "$work/certs/127.0.0.1:$port/"
printf '{"registry-certs-dir": "%s"}\n' "$work/certs" >"$work/brig.conf"
# The bench image is unsigned, and skopeo's policy here accepts anything:
# brig is measured the same way (its signature check has bench/trust.sh).
export BRIG_POLICY_DIR=$src/tests/lib/policy-open

names=()
cmds=()
preps=()
add() { # NAME PREPARE COMMAND: measured if it runs here (brig must)
	local err
	if err=$(sh -c "$2 && $3" 2>&1 </dev/null); then
		names+=("$1")
		preps+=("$2")
		cmds+=("$3")
	elif [[ $1 == brig* ]]; then
		note "$1 failed: $(tail -1 <<<"$err")"
		exit 1
	else
		note "$1: does not run on this host: $(tail -1 <<<"$err")"
	fi
}

bp="$brig --root $work/brig --config $work/brig.conf pull -q $ref"
add "brig pull (cold)" "rm -rf $work/brig" "$bp"
add "skopeo copy" "rm -rf $work/oci" \
	"skopeo copy -q --src-cert-dir $work/reg docker://$ref oci:$work/oci:img"
if command -v podman >/dev/null; then
	pmdir=$work/podman
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$pmdir/root" "$pmdir/runroot" >"$work/storage.conf"
	add "podman pull" "rm -rf $pmdir && mkdir -p $pmdir/tmp" \
		"CONTAINERS_STORAGE_CONF=$work/storage.conf TMPDIR=$pmdir/tmp podman --root $pmdir/root \
--runroot $pmdir/runroot --storage-driver vfs --events-backend none pull -q \
--cert-dir $work/reg docker://$ref"
else
	note "podman: not installed, skipped"
fi
# the warm pull is measured apart, without a shell (-N): a shell's start
# is a good part of 50 ms
warm="$brig --root $work/warm --config $work/brig.conf pull -q $ref"
$warm >/dev/null || { note "brig pull (warm) failed"; exit 1; }

args=(--warmup "$warmup" --runs "$runs" --export-json "$work/result.json" --style basic)
for i in "${!cmds[@]}"; do
	args+=(--command-name "${names[$i]}" --prepare "${preps[$i]}" "${cmds[$i]}")
done
hyperfine "${args[@]}" >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log"; exit 1; }
hyperfine -N --warmup 3 --runs $((runs * 4)) --export-json "$work/warm.json" --style basic \
	--command-name "brig pull (warm)" "$warm" >>"$work/hyperfine.log" 2>&1 ||
	{ cat "$work/hyperfine.log"; exit 1; }
jq -s '{results: (.[0].results + .[1].results)}' "$work/result.json" "$work/warm.json" \
	>"$work/all.json"
names+=("brig pull (warm)")

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/all.json"; }
note ""
note "pull of one $mb MB layer ($((size / 1000000)) MB compressed) from docker-registry on 127.0.0.1: median over $runs runs"
note "(cpu: mean user+system time of the process tree; the machine may be shared)"
cpu() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .user + .system' "$work/all.json"; }
sk=$(median "skopeo copy")
for n in "${names[@]}"; do
	printf '  %-20s %9.1f ms   %5.2fx skopeo copy   cpu %7.1f ms\n' "$n" \
		"$(jq -n "$(median "$n") * 1000")" "$(jq -n "$(median "$n") / $sk")" \
		"$(jq -n "$(cpu "$n") * 1000")"
done
printf 'brig pull (cold) median / skopeo copy median = %.3f (target <= 1.0)\n' \
	"$(jq -n "$(median "brig pull (cold)") / $sk")"
printf 'brig pull (warm) median = %.1f ms (target < 50 ms)\n' \
	"$(jq -n "$(median "brig pull (warm)") * 1000")"
