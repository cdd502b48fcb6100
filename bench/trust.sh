#!/bin/bash
# trust.sh [BUILD_DIR]: the cost of content trust (docs/trust-check.md), in
# one run against a local docker-registry (scripts/registry-test.sh, TLS on
# 127.0.0.1), the test image signed at push (--sign-by-sigstore-private-key):
#   brig pull, warm, verified     the .sig fetched and judged, the record kept
#   brig pull, warm, trust off    the same pull with --disable-content-trust
#       (target: verified - off <= 20 ms)
#   brig create, verified         the stored signatures judged against the policy
#                                 (after the first, the decision remembered
#                                 under the same policy files)
#   brig create, local image      the same image with no record (nothing judged)
#       (target: verified - local <= 2 ms)
# Medians by hyperfine; then the check's own time, from the engine's clock
# (BRIG_TRUST_TIMING=1), which a loaded host does not blur as much.  Environment: BENCH_RUNS (default 30), BENCH_WARMUP
# (default 3).
set -euo pipefail

. "$(dirname "$0")/lib/common.sh"
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}

note() { printf '%s\n' "$*"; }
command -v hyperfine >/dev/null || { note "trust: hyperfine is not installed"; exit 1; }
[ -x /usr/bin/docker-registry ] || { note "trust: docker-registry is not installed"; exit 1; }
[ -x "$brig" ] || { note "trust: $brig not built"; exit 1; }
python3 -c 'import cryptography' 2>/dev/null || { note "trust: python3-cryptography missing"; exit 1; }

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
work=$(mktemp -d /var/tmp/brig-bench-trust.XXXXXX)
cleanup() {
	"$src/scripts/registry-test.sh" stop "$work/reg" >/dev/null 2>&1 || true
	for r in "$work/a" "$work/b"; do
		"$brig" --root "$r" rm -f bench >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

"$src/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
"$src/scripts/registry-test.sh" start "$work/reg" >/dev/null
port=$(cat "$work/reg/port")
ref=127.0.0.1:$port/bench/signed:1
mkdir -p "$work/certs/127.0.0.1:$port" "$work/etc"
cp "$work/reg/ca.crt" "$work/certs/127.0.0.1:$port/"
printf '{"registry-certs-dir": "%s"}\n' "$work/certs" >"$work/brig.conf"
export BRIG_PASSPHRASE=bench BRIG_POLICY_DIR=$work/etc
python3 "$src/tests/lib/cosign_keys.py" write "$work/k.key" "$work/k.pub"
printf '{"default":[{"type":"reject"}],"transports":{"docker":{"127.0.0.1:%s/bench":[{"type":"sigstoreSigned","keyPath":"%s"}]}}}\n' \
	"$port" "$work/k.pub" >"$work/etc/policy.json"
b() { "$brig" --root "$1" --config "$work/brig.conf" "${@:2}"; }
b "$work/p" import "$work/rootfs.tar" "$ref" >/dev/null
b "$work/p" push -q --sign-by-sigstore-private-key "$work/k.key" "$ref" >/dev/null
b "$work/a" pull -q "$ref" >/dev/null
b "$work/b" pull -q --disable-content-trust "$ref" >/dev/null 2>&1
rm -f "$work"/b/trust/images/*.json

B="$brig --config $work/brig.conf"
hyperfine -N -r "$runs" -w "$warmup" --export-json "$work/pull.json" \
	-n "pull, warm, verified" "$B --root $work/a pull -q $ref" \
	-n "pull, warm, trust off" "$B --root $work/b pull -q --disable-content-trust $ref" \
	>"$work/pull.log" 2>&1 || { cat "$work/pull.log"; exit 1; }
rm -f "$work"/b/trust/images/*.json
hyperfine -r "$runs" -w "$warmup" --export-json "$work/run.json" \
	--prepare "$B --root $work/a rm -f bench >/dev/null 2>&1 || true" \
	-n "create, verified" "$B --root $work/a create --name bench $ref true" \
	>"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
hyperfine -r "$runs" -w "$warmup" --export-json "$work/run2.json" \
	--prepare "$B --root $work/b rm -f bench >/dev/null 2>&1 || true" \
	-n "create, local image" "$B --root $work/b create --name bench $ref true" \
	>"$work/run2.log" 2>&1 || { cat "$work/run2.log"; exit 1; }
jq -r '.results[] | "\(.command): median \(.median * 1000) ms, min \(.min * 1000) ms (stddev \(.stddev * 1000))"' \
	"$work/pull.json" "$work/run.json" "$work/run2.json"
jq -rs '((.[0].results[0].median - .[0].results[1].median) * 1000) as $p |
	((.[1].results[0].median - .[2].results[0].median) * 1000) as $r |
	"end to end, difference of medians: pull \($p) ms, create \($r) ms (noisy on a shared host)"' \
	"$work/pull.json" "$work/run.json" "$work/run2.json"
# CPU time (user + system, hyperfine's means) is much less blurred by a
# loaded host than wall time; it leaves out what is waited for (the
# registry's answers, fsync).
jq -rs 'def cpu(r): (r.user + r.system) * 1000;
	(cpu(.[0].results[0]) - cpu(.[0].results[1])) as $p |
	(cpu(.[1].results[0]) - cpu(.[2].results[0])) as $r |
	"CPU time added (user+system, difference of means): pull \($p) ms, create \($r) ms"' \
	"$work/pull.json" "$work/run.json" "$work/run2.json"

# In-process: what the check itself takes (BRIG_TRUST_TIMING=1: the
# engine's own clock around the pull check, the record it writes, and
# create's check), median of the runs.
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
for ((i = 0; i < runs; i++)); do
	BRIG_TRUST_TIMING=1 $B --root "$work/a" pull -q "$ref" 2>&1 >/dev/null | grep 'content trust:'
	$B --root "$work/a" rm -f bench >/dev/null 2>&1 || true
	BRIG_TRUST_TIMING=1 $B --root "$work/a" create --name bench "$ref" true 2>&1 >/dev/null |
		grep 'content trust:'
done >"$work/timing.log"
for w in "pull check" "pull record" "pull rollback state" "create check"; do
	printf '%s: median %s ms (targets: the pull lines together <= 20, create check <= 2)\n' "$w" \
		"$(grep "$w took" "$work/timing.log" | awk '{print $(NF-1)}' | median)"
done
# create's check remembered (above: ROOT/trust/run, docs/trust-check.md)
# against the full check it replaces (the memo removed before each create)
for ((i = 0; i < runs; i++)); do
	$B --root "$work/a" rm -f bench >/dev/null 2>&1 || true
	rm -f "$work"/a/trust/run/*
	BRIG_TRUST_TIMING=1 $B --root "$work/a" create --name bench "$ref" true 2>&1 >/dev/null |
		grep 'content trust:'
done >"$work/timing-full.log"
printf 'create check, nothing remembered (the full check): median %s ms\n' \
	"$(grep "create check took" "$work/timing-full.log" | awk '{print $(NF-1)}' | median)"

# What an fsync'ed atomic replace (file and directory synced, as the record
# is written, and as rollback.json was) costs on this filesystem now, against
# the same without fsync (as rollback.json is written now): the share of
# the pull's cost the second durable write took, measured in this run.
python3 - "$work" "$runs" <<'PY'
import os, statistics, sys, time
d, runs = sys.argv[1], int(sys.argv[2])
def replace(durable):
    t = time.perf_counter()
    fd = os.open(os.path.join(d, "x.tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, b"{}" * 100)
    if durable:
        os.fsync(fd)
    os.close(fd)
    os.rename(os.path.join(d, "x.tmp"), os.path.join(d, "x.json"))
    if durable:
        dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        os.fsync(dfd)
        os.close(dfd)
    return (time.perf_counter() - t) * 1000
for durable in (True, False):
    m = statistics.median(replace(durable) for _ in range(runs))
    print("atomic replace of 200 bytes, %s: median %.3f ms" % ("fsync'ed" if durable else "not fsync'ed", m))
PY
