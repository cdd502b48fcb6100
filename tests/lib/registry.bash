# shellcheck shell=bash
# Helpers of the registry tests (tests/integration/registry_*.bats).

# wait_for FILE WHAT: until FILE exists (bounded: 30 s).
wait_for() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $2 ($1)" >&2
	return 1
}

# make_multi LAYOUT OUT: OUT is LAYOUT with its image under an OCI index
# ("img") of two platforms: linux/HOST-ARCH (the image as it is) and
# linux/OTHER (arm64, or amd64 on arm64: a copy whose config says so).
make_multi() {
	cp -a "$1" "$2"
	python3 - "$2" <<-'PY'
		import hashlib, json, platform, sys
		d = sys.argv[1]
		def put(obj):
		    b = json.dumps(obj).encode()
		    h = "sha256:" + hashlib.sha256(b).hexdigest()
		    open(d + "/blobs/sha256/" + h[7:], "wb").write(b)
		    return h, len(b)
		idx = json.load(open(d + "/index.json"))
		top = idx["manifests"][0]
		man = json.load(open(d + "/blobs/sha256/" + top["digest"][7:]))
		cfg = json.load(open(d + "/blobs/sha256/" + man["config"]["digest"][7:]))
		host = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
		other = "amd64" if host == "arm64" else "arm64"
		cfg["architecture"] = other
		man["config"]["digest"], man["config"]["size"] = put(cfg)
		od, osz = put(man)
		ents = [dict(mediaType=top["mediaType"], digest=top["digest"], size=top["size"],
		             platform=dict(architecture=host, os="linux")),
		        dict(mediaType=top["mediaType"], digest=od, size=osz,
		             platform=dict(architecture=other, os="linux"))]
		xd, xs = put({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		              "manifests": ents})
		idx["manifests"] = [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": xd,
		                     "size": xs, "annotations": {"org.opencontainers.image.ref.name": "img"}}]
		json.dump(idx, open(d + "/index.json", "w"))
		open(d + "/other-arch", "w").write(other + "\n")
	PY
}

REGISTRY_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Content trust is on by default (unsigned tags are refused); the registry
# tests push unsigned images, so their policy accepts anything
# (trust_check.bats sets BRIG_POLICY_DIR of its own).
: "${BRIG_POLICY_DIR:=$REGISTRY_LIB/policy-open}"
export BRIG_POLICY_DIR

# registry_needs: the head of every registry test's setup: no proxy from
# the caller's environment, and brig, skopeo and docker-registry there
# (else the test is skipped, saying which is missing).  Sets BRIG.
registry_needs() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	[ -x "$BRIG" ] || skip "brig not built"
	command -v skopeo >/dev/null || skip "skopeo is not installed"
	[ -x /usr/bin/docker-registry ] || skip "docker-registry is not installed"
}

# bad_server_stop DIR: SIGTERM to the bad registry whose pid is DIR/pid,
# if that pid still is tests/lib/bad_registry.py (never another process).
bad_server_stop() {
	local pid
	[ -s "$1/pid" ] || return 0
	pid=$(cat "$1/pid")
	if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$REGISTRY_LIB/bad_registry.py"; then
		kill "$pid" || true
	fi
}

# bad_server_start DIR LAYOUT TLSDIR: tests/lib/bad_registry.py serving
# LAYOUT's image over TLS with TLSDIR/server.crt and server.key (a
# registry-test.sh registry's), its state in DIR; waits for DIR/port.
bad_server_start() {
	mkdir -p "$1"
	python3 "$REGISTRY_LIB/bad_registry.py" "$2" "$3/server.crt" "$3/server.key" "$1" \
		</dev/null >"$1/server.log" 2>&1 &
	echo $! >"$1/pid"
	wait_for "$1/port" "the bad registry's port"
}
