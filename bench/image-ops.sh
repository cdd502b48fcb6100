#!/bin/bash
# image-ops.sh [BUILD_DIR]: load + unpack throughput of one sizable image,
# measured by hyperfine in one run for
#   brig load      docker-archive -> store + unpacked layer (fresh root each run)
#   skopeo copy    docker-archive -> OCI layout (no unpack)
#   umoci unpack   OCI layout -> bundle (unpack only)
#   podman load    docker-archive -> isolated vfs storage (removed each run)
#   tar+sha256sum  the physical bound: tar -x of the layer, then sha256sum
# The image: one gzip layer made from parts of /usr (about 60-120 MB
# uncompressed), imported with `brig import` and written with `brig save`.
# Prints the median time, MB/s (uncompressed layer bytes per second) and the
# ratio to the bound.  A tool that is missing is reported and skipped.
#
# Environment: BENCH_RUNS (default 5), BENCH_WARMUP (default 1).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-5}
warmup=${BENCH_WARMUP:-1}

note() { printf '%s\n' "$*"; }

command -v hyperfine >/dev/null || { note "image-ops: hyperfine is not installed"; exit 1; }
[ -x "$brig" ] || { note "image-ops: $brig not built"; exit 1; }
[ "$(id -u)" -eq 0 ] || { note "image-ops: needs root"; exit 1; }

work=$(mktemp -d /var/tmp/brig-bench-img.XXXXXX)
pmdir=$work/podman

pm() {
	CONTAINERS_CONF=$pmdir/containers.conf CONTAINERS_STORAGE_CONF=$pmdir/storage.conf \
		podman --root "$pmdir/root" --runroot "$pmdir/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file --tmpdir "$pmdir/tmp" "$@"
}

cleanup() {
	if [ -d "$pmdir/root" ]; then
		pm rmi --all --force >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# ---- the image: a gzip layer of about 60-120 MB of /usr

dirs=()
total=0
for d in /usr/lib/python3.11 /usr/lib/python3 /usr/share/perl /usr/bin /usr/share/doc; do
	[ -d "$d" ] || continue
	dirs+=("${d#/}")
	total=$((total + $(du -sm "$d" | cut -f1)))
	[ "$total" -ge 60 ] && break
done
tar -C / -cf "$work/layer.tar" "${dirs[@]}" 2>/dev/null
gzip -1 -c "$work/layer.tar" >"$work/layer.tar.gz"
mb=$(jq -n "$(stat -c %s "$work/layer.tar") / 1000000")
gzmb=$(jq -n "$(stat -c %s "$work/layer.tar.gz") / 1000000")
"$brig" --root "$work/src-root" import "$work/layer.tar.gz" bench/usr:1 >/dev/null
"$brig" --root "$work/src-root" save -o "$work/image.tar" bench/usr:1
skopeo copy -q "docker-archive:$work/image.tar" "oci:$work/oci-ref:img" 2>/dev/null ||
	note "skopeo: could not make the OCI layout for umoci"
rm -f "$work/layer.tar"
note "image: $(printf '%.1f' "$mb") MB uncompressed layer, $(printf '%.1f' "$gzmb") MB gzip (${dirs[*]})"

# ---- the commands; each is tried once before it is measured

names=()
cmds=()
preps=()

# add NAME PREPARE COMMAND: measure COMMAND (after PREPARE) if it runs here.
add() {
	local name=$1 prep=$2 cmd=$3 err
	if err=$(sh -c "$prep && $cmd" 2>&1 </dev/null); then
		names+=("$name")
		preps+=("$prep")
		cmds+=("$cmd")
	else
		note "$name: does not run on this host: $(tail -1 <<<"$err")"
	fi
}

add "brig load" "rm -rf $work/broot" "$brig --root $work/broot load -q -i $work/image.tar"
if command -v skopeo >/dev/null; then
	add "skopeo copy" "rm -rf $work/oci" "skopeo copy -q docker-archive:$work/image.tar oci:$work/oci:img"
else
	note "skopeo: not installed, skipped"
fi
if command -v umoci >/dev/null && [ -d "$work/oci-ref" ]; then
	add "umoci unpack" "rm -rf $work/bundle" "umoci unpack --image $work/oci-ref:img $work/bundle >/dev/null"
else
	note "umoci: not installed (or no OCI layout), skipped"
fi
if command -v podman >/dev/null; then
	mkdir -p "$pmdir"/{root,runroot,tmp}
	printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "%s"\ntmp_dir = "%s"\n' \
		"$pmdir/events.log" "$pmdir/tmp" >"$pmdir/containers.conf"
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$pmdir/root" "$pmdir/runroot" >"$pmdir/storage.conf"
	pmcmd="CONTAINERS_CONF=$pmdir/containers.conf CONTAINERS_STORAGE_CONF=$pmdir/storage.conf podman --root $pmdir/root --runroot $pmdir/runroot --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --tmpdir $pmdir/tmp"
	add "podman load" "$pmcmd rmi --all --force >/dev/null 2>&1; true" "$pmcmd load -q -i $work/image.tar >/dev/null"
else
	note "podman: not installed, skipped"
fi
add "tar+sha256sum" "rm -rf $work/x && mkdir $work/x" \
	"tar -xzf $work/layer.tar.gz -C $work/x && sha256sum $work/layer.tar.gz >/dev/null"

[ ${#cmds[@]} -gt 0 ] || { note "image-ops: nothing to measure"; exit 1; }

# ---- measure

args=(--warmup "$warmup" --runs "$runs" --export-json "$work/result.json" --style basic)
for i in "${!cmds[@]}"; do
	args+=(--command-name "${names[$i]}" --prepare "${preps[$i]}" "${cmds[$i]}")
done
hyperfine "${args[@]}" >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log"; exit 1; }

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$work/result.json"; }

note ""
note "load + unpack of one image: median over $runs runs; MB/s of the uncompressed layer"
bound=$(median "tar+sha256sum")
for n in "${names[@]}"; do
	m=$(median "$n")
	printf '  %-14s %8.3f s  %7.1f MB/s  %5.2fx the bound\n' "$n" "$m" \
		"$(jq -n "$mb / $m")" "$(jq -n "$m / $bound")"
done
note "  (bound: tar -xzf of the layer, then sha256sum of it; brig load also copies"
note "   every blob into the store (hashed, fsync'ed), and checks, hashes and unpacks"
note "   the layer in one decompression, then syncs it before publishing it)"
