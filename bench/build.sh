#!/bin/bash
# build.sh [BUILD_DIR]: brig build beside buildah (`buildah bud --layers`, or
# podman build, which is buildah's library, when buildah is absent) on one
# multi-stage Dockerfile over the busybox tree of scripts/mkrootfs.sh: a cold
# build (no cache) and a fully cached rebuild, each BUILD_BENCH_RUNS times
# (default 3), the median of each printed with brig's time as a ratio of the
# peer's (issue 14 asks for at most 0.7 cold and 0.2 cached).
#
# The peer is isolated (vfs storage and run root under the work directory,
# chroot isolation, no cgroups) and runs in a network namespace of its own;
# brig's RUN steps have --network none.  Everything it creates (under
# /var/tmp) is removed at exit.
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BUILD_BENCH_RUNS:-3}
brig_bin=$build/src/cli/brig/brig

die() { printf 'build bench: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$brig_bin" ] || die "$brig_bin is not built"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "BUILD_BENCH_RUNS must be a positive number"
if command -v buildah >/dev/null; then
	peer_name=buildah
elif command -v podman >/dev/null; then
	peer_name=podman
else
	peer_name=
fi

work=$(mktemp -d /var/tmp/brig-build-bench.XXXXXX)
chmod 755 "$work"
export BRIG_POLICY_DIR=$src/tests/lib/policy-open
export BRIG_REGISTRIES_CONF=$src/tests/lib/registries-offline.conf
brig() { "$brig_bin" --root "$work/root" "$@"; }
peer() (
	local g=(--root "$work/peer/root" --runroot "$work/peer/runroot" --storage-driver vfs)
	[ "$peer_name" = podman ] && g+=(--events-backend file --tmpdir "$work/peer/tmp")
	if [ "$peer_name" = buildah ] && [ "$1" = build ]; then
		set -- bud "${@:2}"
	fi
	cd "$work/peer" && CONTAINERS_STORAGE_CONF=$work/peer/storage.conf \
		CONTAINERS_CONF=$work/peer/containers.conf unshare --net "$peer_name" "${g[@]}" "$@"
)
cleanup() {
	[ -n "$peer_name" ] && peer rmi --all --force >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
brig import "$work/rootfs.tar" busybox:latest >/dev/null

ctx=$work/ctx
mkdir -p "$ctx/src" "$ctx/site"
for i in $(seq 1 200); do printf 'page %d\n' "$i" >"$ctx/site/p$i.html"; done
printf 'int main(void) { return 0; }\n' >"$ctx/src/main.c"
cat >"$ctx/Dockerfile" <<'EOF'
ARG BASE=busybox
FROM ${BASE} AS build
WORKDIR /src
COPY src/ ./
RUN mkdir -p /out && for i in $(seq 1 50); do cp main.c /out/main-$i.c; done && \
    tar -cf /out/sources.tar /out/*.c
FROM ${BASE} AS site
COPY site/ /srv/site/
RUN find /srv/site -type f | sort > /srv/index.txt
FROM ${BASE}
COPY --from=build /out/sources.tar /opt/
COPY --from=site /srv /srv
USER 1000
CMD ["cat", "/srv/index.txt"]
EOF

# median SECONDS...: the middle one
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# timed CMD...: seconds taken (3 decimals)
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || die "failed: $*"
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l | xargs printf '%.3f'
}

brig_cold=() brig_cached=()
for ((i = 0; i < runs; i++)); do
	brig_cold+=("$(timed brig build --no-cache -q -t bench:brig "$ctx")")
	brig_cached+=("$(timed brig build -q -t bench:brig "$ctx")")
done
bc_med=$(median "${brig_cold[@]}")
bk_med=$(median "${brig_cached[@]}")
printf 'brig build      cold %6.3f s   cached %6.3f s\n' "$bc_med" "$bk_med"

if [ -z "$peer_name" ]; then
	echo "buildah and podman are not installed: no peer to compare with"
	exit 0
fi
mkdir -p "$work/peer"/{root,runroot,tmp}
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
	"$work/peer/root" "$work/peer/runroot" >"$work/peer/storage.conf"
printf '[engine]\nevents_logger = "file"\nevents_logfile_path = "%s/events.log"\n' \
	"$work/peer" >"$work/peer/containers.conf"
peer import - localhost/busybox:latest <"$work/rootfs.tar" >/dev/null 2>&1
pb=(build --isolation chroot --network host --layers -q --build-arg BASE=localhost/busybox)
peer_cold=() peer_cached=()
for ((i = 0; i < runs; i++)); do
	peer_cold+=("$(timed peer "${pb[@]}" --no-cache -t localhost/bench:peer "$ctx")")
	peer_cached+=("$(timed peer "${pb[@]}" -t localhost/bench:peer "$ctx")")
done
pc_med=$(median "${peer_cold[@]}")
pk_med=$(median "${peer_cached[@]}")
printf '%-15s cold %6.3f s   cached %6.3f s\n' "$peer_name build" "$pc_med" "$pk_med"
printf 'brig / %s      cold %.2fx (wanted <= 0.7)   cached %.2fx (wanted <= 0.2)\n' "$peer_name" \
	"$(echo "$bc_med / $pc_med" | bc -l)" "$(echo "$bk_med / $pk_med" | bc -l)"
