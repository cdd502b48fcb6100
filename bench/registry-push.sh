#!/bin/bash
# registry-push.sh [BUILD_DIR]: push of one image with a 100+ MB layer to a
# local docker-registry (scripts/registry-test.sh, TLS on 127.0.0.1) whose
# storage is emptied before every run, measured by hyperfine:
#   brig push      from brig's store (blobs over 256 MiB in PATCH chunks,
#                  so this layer in one monolithic PUT)
#   brig push (chunks)  the same with BRIG_PUSH_CHUNK_SIZE=32 MiB: four
#                  PATCH chunks (what chunks cost)
#   skopeo copy    oci:DIR (the same image) -> docker://
# Prints the medians and brig's time as a multiple of skopeo's (the issue's
# target: at most 1.0x).  The layer is incompressible (random bytes,
# gzip -1), so the bytes sent are the layer's size.  When bench/registry.sh
# exists this belongs in it as its push section.
#
# Environment: BENCH_RUNS (default 3), BENCH_WARMUP (default 1),
# BENCH_LAYER_MB (default 110).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-3}
warmup=${BENCH_WARMUP:-1}
layer_mb=${BENCH_LAYER_MB:-110}

note() { printf '%s\n' "$*"; }

command -v hyperfine >/dev/null || { note "registry-push: hyperfine is not installed"; exit 1; }
command -v skopeo >/dev/null || { note "registry-push: skopeo is not installed"; exit 1; }
[ -x /usr/bin/docker-registry ] || { note "registry-push: docker-registry is not installed"; exit 1; }
[ -x "$brig" ] || { note "registry-push: $brig not built"; exit 1; }
[ "$(id -u)" -eq 0 ] || { note "registry-push: needs root"; exit 1; }
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

work=$(mktemp -d /var/tmp/brig-bench-push.XXXXXX)
cleanup() {
	"$src/scripts/registry-test.sh" stop "$work/reg" || true
	rm -rf "$work"
}
trap cleanup EXIT

# ---- the image: one gzip layer of random bytes

mkdir -p "$work/rootfs"
head -c "$((layer_mb << 20))" /dev/urandom >"$work/rootfs/blob"
tar -C "$work/rootfs" -cf - . | gzip -1 >"$work/layer.tar.gz"
rm -rf "$work/rootfs"
"$brig" --root "$work/root" import "$work/layer.tar.gz" bench/push:1 >/dev/null
"$brig" --root "$work/root" save --format oci-archive -o "$work/img.tar" bench/push:1
skopeo copy -q "oci-archive:$work/img.tar" "oci:$work/oci:img" >/dev/null
rm -f "$work/img.tar" "$work/layer.tar.gz"
gzmb=$(jq -n "$(du -b "$work/oci/blobs/sha256" | cut -f1) / 1000000")

"$src/scripts/registry-test.sh" start "$work/reg" >/dev/null
reg=127.0.0.1:$(cat "$work/reg/port")
mkdir -p "$work/certs/$reg"
cp "$work/reg/ca.crt" "$work/certs/$reg/ca.crt"
printf '{"registry-certs-dir": "%s"}\n' "$work/certs" >"$work/brig.conf"
"$brig" --root "$work/root" tag bench/push:1 "$reg/bench/push:1"
note "image: $(printf '%.1f' "$gzmb") MB of blobs (one layer of $layer_mb MiB random bytes, gzip -1)"

# ---- measure: the registry's storage is emptied before every run

empty="rm -rf $work/reg/data/docker"
brig_cmd="$brig --root $work/root --config $work/brig.conf push -q $reg/bench/push:1 >/dev/null"
skopeo_cmd="skopeo copy -q --dest-cert-dir $work/reg oci:$work/oci:img docker://$reg/bench/push:1"
brig_put="BRIG_PUSH_CHUNK_SIZE=$((32 << 20)) $brig_cmd"
for c in "$brig_cmd" "$brig_put" "$skopeo_cmd"; do
	sh -c "$empty && $c" </dev/null || { note "registry-push: this failed: $c"; exit 1; }
done
hyperfine --warmup "$warmup" --runs "$runs" --export-json "$work/result.json" --style basic \
	--command-name "brig push" --prepare "$empty" "$brig_cmd" \
	--command-name "brig push (chunks)" --prepare "$empty" "$brig_put" \
	--command-name "skopeo copy" --prepare "$empty" "$skopeo_cmd" \
	>"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log"; exit 1; }

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/result.json"; }
b=$(median "brig push")
p=$(median "brig push (chunks)")
s=$(median "skopeo copy")
note ""
note "push to an empty registry: median over $runs runs"
printf '  %-18s %8.3f s  %7.1f MB/s\n' "brig push" "$b" "$(jq -n "$gzmb / $b")"
printf '  %-18s %8.3f s  %7.1f MB/s\n' "brig push (chunks)" "$p" "$(jq -n "$gzmb / $p")"
printf '  %-18s %8.3f s  %7.1f MB/s\n' "skopeo copy" "$s" "$(jq -n "$gzmb / $s")"
printf '  brig / skopeo: %.2fx (target: at most 1.0x); in 32 MiB chunks: %.2fx\n' \
	"$(jq -n "$b / $s")" "$(jq -n "$p / $s")"
