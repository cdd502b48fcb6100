#!/bin/bash
# scan.sh [BUILD_DIR]: brig scan of the Debian 12 minbase image with a
# 100000-record OSV directory (issue 15: at most 1.0x the time of reading
# the records once).  Measured by hyperfine (medians, and CPU time, which a
# shared machine disturbs less than wall time):
#   scan     brig scan --db OSV debian:12
#   records  the bound: lib/osvparse.c, every record file opened, read and
#            parsed whole into a tree by jansson (the JSON parser brig
#            links), nothing else: reading the records once
#   image    brig scan debian:12 without --db (its layers read once)
#   jq       with BENCH_JQ=1: jq of every record (another C parser reading
#            them once; for scale)
# The minbase root is scripts/mkdebian.sh's (made once, needs the network:
# BRIG_DEBIAN_TAR names another).  The records are written by
# bench/lib/osvgen.py, kept in BENCH_OSV_DIR (default
# /var/tmp/brig-bench-osv) between runs since writing them takes minutes.
# Environment: BENCH_RUNS (default 3), BENCH_WARMUP (default 1),
# BENCH_RECORDS (default 100000), BENCH_JQ.
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-3}
warmup=${BENCH_WARMUP:-1}
records=${BENCH_RECORDS:-100000}
deb=${BRIG_DEBIAN_TAR:-/var/cache/brig/debian-bookworm-minbase.tar}
osv=${BENCH_OSV_DIR:-/var/tmp/brig-bench-osv}

note() { printf '%s\n' "$*"; }
for t in hyperfine jq python3 cc pkg-config; do
	command -v "$t" >/dev/null || { note "scan: $t is not installed"; exit 1; }
done
[ -x "$brig" ] || { note "scan: $brig not built"; exit 1; }
[ -f "$deb" ] || "$src/scripts/mkdebian.sh" "$deb"

work=$(mktemp -d /var/tmp/brig-bench-scan.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap "exit 130" INT TERM
B() { "$brig" --root "$work/root" "$@"; }

tar -C "$work" -xf "$deb" ./var/lib/dpkg/status
if [ "$(find "$osv" -name '*.json' 2>/dev/null | wc -l)" -ne "$records" ]; then
	note "scan: writing $records OSV records to $osv (once) ..."
	rm -rf "$osv"
	python3 "$here/lib/osvgen.py" "$osv" "$records" "$work/var/lib/dpkg/status"
fi
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -O2 -Wall -Wextra -Werror -o "$work/osvparse" "$here/lib/osvparse.c" $(pkg-config --cflags --libs jansson)
B import "$deb" debian:12 >/dev/null 2>&1
note "scan: $(du -sh --apparent-size "$osv" | cut -f1) of records; findings: $(B scan --db "$osv" --format json debian:12 | jq '.Findings | length')"

json=$work/hf.json
b="$brig --root $work/root scan --format json"
jq=()
[ -z "${BENCH_JQ:-}" ] || jq=(-n jq "sh -c 'find $osv -name \"*.json\" -print0 | xargs -0 jq -c . >/dev/null'")
hyperfine -N -i -r "$runs" -w "$warmup" --export-json "$json" \
	-n scan "$b --db $osv debian:12" -n records "$work/osvparse $osv" \
	-n image "$b debian:12" "${jq[@]}" >/dev/null
jq -r '.results[] | "scan: \(.command): median \(.median * 100 | floor / 100) s, CPU \((.user + .system) * 100 | floor / 100) s"' "$json"
jq -r '(.results | map({(.command): .}) | add) as $r |
	"scan: ratio scan / records: median \($r.scan.median / $r.records.median * 100 | floor / 100), CPU \(($r.scan.user + $r.scan.system) / ($r.records.user + $r.records.system) * 100 | floor / 100) (target <= 1.0)"' "$json"
