#!/bin/bash
# notary.sh [BUILD_DIR]: the time of brig's TUF update (docs/trust-notary.md)
# against the notary CLI's `notary list`, on one notary-server +
# notary-signer on 127.0.0.1 (scripts/notary-test.sh), for a repository of
# 100 tags signed with addhash and a targets/releases delegation signing
# one more:
#   cold   a fresh trusted state / trust dir each run (root chain, timestamp,
#          snapshot, targets, targets/releases fetched and verified)
#   warm   the state of the run before (the update asks for root.json and
#          timestamp.json; snapshot, targets and targets/releases come from
#          the trusted copies while they are the ones listed)
#   floor  lib/tls-floor.c: what any client that loads no libcurl pays at
#          least for a warm update (libssl, one TLS connection, two GETs)
# brig's side is `brig trust notary verify --server`, the update pull runs
# (pull adds only the manifest fetch by the digest found).  Medians by
# hyperfine, and mean CPU time (user + system); ratio brig / notary
# (target <= 0.5, wall time).  Environment: BENCH_RUNS
# (default 20), BENCH_WARMUP (default 2).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-2}

note() { printf '%s\n' "$*"; }
for b in hyperfine notary notary-server notary-signer openssl jq cc pkg-config; do
	command -v "$b" >/dev/null || { note "notary: $b is not installed"; exit 1; }
done
[ -x "$brig" ] || { note "notary: $brig not built"; exit 1; }

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
work=$(mktemp -d /var/tmp/brig-bench-notary.XXXXXX)
nt=$src/scripts/notary-test.sh
cleanup() {
	"$nt" stop "$work/n" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

"$nt" start "$work/n" >/dev/null
url=$(cat "$work/n/url")
gun=127.0.0.1:5000/bench/app
export NOTARY_ROOT_PASSPHRASE=bench-root NOTARY_TARGETS_PASSPHRASE=bench-targets \
	NOTARY_SNAPSHOT_PASSPHRASE=bench-snapshot NOTARY_DELEGATION_PASSPHRASE=bench-delegation
N() { notary -s "$url" --tlscacert "$work/n/ca.crt" -d "$work/client" "$@"; }
note "notary: signing 100 tags and a delegation (notary CLI) ..."
N init "$gun" >/dev/null
for i in $(seq 1 100); do
	h=$(printf 'tag %d' "$i" | sha256sum | cut -c1-64)
	N addhash "$gun" "v$i" $((1000 + i)) --sha256 "$h" >/dev/null
done
N publish "$gun" >/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$work/rel-ec.key"
openssl pkcs8 -topk8 -nocrypt -in "$work/rel-ec.key" -out "$work/rel.key"
openssl req -new -x509 -key "$work/rel.key" -subj "/CN=releases" -days 365 -sha256 \
	-out "$work/rel.crt" 2>/dev/null
N key import "$work/rel.key" --role targets/releases >/dev/null 2>&1
N delegation add "$gun" targets/releases "$work/rel.crt" --all-paths -p >/dev/null
N addhash "$gun" rel1 1234 --sha256 "$(printf rel | sha256sum | cut -c1-64)" \
	--roles targets/releases -p >/dev/null
ntags=$(N list "$gun" | grep -c ' targets')
note "notary: $ntags signed tags ($gun)"

hostport=${url#https://}
mkdir -p "$work/certs/$hostport"
cp "$work/n/ca.crt" "$work/certs/$hostport/ca.crt"
B="$brig --root $work/root trust notary verify --server $url --certs-dir $work/certs $gun v50"
L="notary -s $url --tlscacert $work/n/ca.crt list $gun"
# the bound: lib/tls-floor.c, a process linked as brig is that loads libssl
# and GETs what a warm update asks for on one verified TLS connection
# shellcheck disable=SC2046 # pkg-config's words
cc -O2 -Wall -Wextra -Werror -o "$work/tls-floor" "$here/lib/tls-floor.c" -Wl,-z,now \
	-Wl,--no-as-needed -lssl -lcrypto $(pkg-config --libs jansson libseccomp libmnl)
tuf=/v2/$gun/_trust/tuf
F="$work/tls-floor $work/n/ca.crt ${hostport%:*} ${hostport##*:} $tuf/root.json $tuf/timestamp.json"
$B >/dev/null
$L -d "$work/warm" >/dev/null
$F

hyperfine -N -r "$runs" -w "$warmup" --export-json "$work/h.json" \
	-n "brig cold" -p "rm -rf $work/root" "$B" \
	-n "notary list cold" -p "rm -rf $work/cold" "$L -d $work/cold" \
	-n "brig warm" -p true "$B" \
	-n "notary list warm" -p true "$L -d $work/warm" \
	-n "tls floor" -p true "$F" >/dev/null
med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$work/h.json"; }
# CPU time (user + system, mean): on a shared machine the wall times carry
# the server's and the other jobs' delays, the CPU times only the client's
cpu() { jq -r --arg n "$1" '.results[] | select(.command == $n) | (.user + .system) * 1000' "$work/h.json"; }
note ""
printf '%-8s %14s %18s %8s   %14s %18s %8s\n' "cache" "brig (ms)" "notary list (ms)" "ratio" \
	"brig cpu (ms)" "notary cpu (ms)" "ratio"
for c in cold warm; do
	bm=$(med "brig $c")
	nm=$(med "notary list $c")
	bcpu=$(cpu "brig $c")
	ncpu=$(cpu "notary list $c")
	printf '%-8s %14.1f %18.1f %8.2f   %14.1f %18.1f %8.2f\n' "$c" "$bm" "$nm" \
		"$(echo "$bm / $nm" | bc -l)" "$bcpu" "$ncpu" "$(echo "$bcpu / $ncpu" | bc -l)"
done
printf '%-8s %14.1f %18s %8.2f   %14.1f %18s %8.2f\n' "floor" "$(med "tls floor")" "" \
	"$(echo "$(med "tls floor") / $(med "notary list warm")" | bc -l)" "$(cpu "tls floor")" "" \
	"$(echo "$(cpu "tls floor") / $(cpu "notary list warm")" | bc -l)"
note "(floor: lib/tls-floor.c, libssl and the two GETs of a warm update, no libcurl, no"
note " checks; its ratios are to notary list warm)"
note "(target: wall ratio <= 0.5; hyperfine medians of $runs runs; cpu: means, the"
note " notary CLI's threads included; load average $(cut -d' ' -f1-3 /proc/loadavg))"
