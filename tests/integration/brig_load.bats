#!/usr/bin/env bats
# brig load and brig save: round trips with podman, skopeo and umoci, and a
# load killed at random points.
#
# podman is fully isolated (as in podman.bats): its own vfs storage, run
# root, tmp dir and events log under a temporary directory; it only loads,
# saves and inspects images here, it runs no container.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=${BRIG_TEST_TIMEOUT:-120}

setup_file() {
	brig_image_tar
	rm -rf "$BATS_FILE_TMPDIR/rootfs"
	if command -v podman >/dev/null && command -v skopeo >/dev/null; then
		PM_DIR=$(mktemp -d /var/tmp/brig-load-podman.XXXXXX)
		export PM_DIR
		mkdir -p "$PM_DIR"/{root,runroot,tmp}
		cat >"$PM_DIR/containers.conf" <<-EOC
			[engine]
			cgroup_manager = "cgroupfs"
			events_logger = "file"
			events_logfile_path = "$PM_DIR/events.log"
			tmp_dir = "$PM_DIR/tmp"
		EOC
		cat >"$PM_DIR/storage.conf" <<-EOC
			[storage]
			driver = "vfs"
			graphroot = "$PM_DIR/root"
			runroot = "$PM_DIR/runroot"
		EOC
		pm import "$BATS_FILE_TMPDIR/rootfs.tar" localhost/bb:t1 >/dev/null
		pm save --format docker-archive -o "$BATS_FILE_TMPDIR/pm.tar" localhost/bb:t1 2>/dev/null
		skopeo copy -q "docker-archive:$BATS_FILE_TMPDIR/pm.tar" \
			"oci-archive:$BATS_FILE_TMPDIR/sk.tar:bb:t1" >/dev/null
		skopeo copy -q "docker-archive:$BATS_FILE_TMPDIR/pm.tar" \
			"oci-archive:$BATS_FILE_TMPDIR/sk-bare.tar:latest" >/dev/null
	fi
}

teardown_file() {
	[ -n "${PM_DIR:-}" ] || return 0
	pm rmi --all --force >/dev/null 2>&1 || true
	rm -rf "$PM_DIR"
}

# pm ARGS...: podman with the isolated storage of this file.
pm() (
	cd "$PM_DIR" && CONTAINERS_CONF=$PM_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf \
		timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" podman --root "$PM_DIR/root" \
		--runroot "$PM_DIR/runroot" --storage-driver vfs --cgroup-manager cgroupfs \
		--events-backend file --tmpdir "$PM_DIR/tmp" "$@"
)

setup() {
	[ -x "$BRIG" ] || skip "brig not built"
	brig_setup
	PM_TAR=$BATS_FILE_TMPDIR/pm.tar
	SK_TAR=$BATS_FILE_TMPDIR/sk.tar
}

need_peers() {
	[ -n "${PM_DIR:-}" ] && [ -f "$PM_TAR" ] || skip "podman/skopeo not available"
}

# The index.json entry of brig's store named NAME (full form), as JSON.
entry() {
	jq -c --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)' \
		"$ROOT/images/index.json"
}

# blob DIGEST: the path of a blob in brig's store.
blob() { echo "$ROOT/images/blobs/sha256/${1#sha256:}"; }

assert_consistent() {
	run brig system check
	[ "$status" -eq 0 ]
	[[ "$output" == consistent* ]]
}

@test "podman's docker-archive loads: name, config digest and diff_ids kept" {
	need_peers
	run brig load -i "$PM_TAR"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/bb:t1" ]
	id=$(pm image inspect localhost/bb:t1 --format '{{.Id}}')
	mdig=$(entry docker.io/localhost/bb:t1 | jq -r .digest)
	[ -n "$mdig" ] || mdig=$(entry localhost/bb:t1 | jq -r .digest)
	[[ "$mdig" != null && -n "$mdig" ]] || { echo "no manifest digest: '$mdig'" >&2; false; }
	cfg=$(jq -r .config.digest "$(blob "$mdig")")
	[ "$cfg" = "sha256:$id" ]
	diff_ids=$(jq -c .rootfs.diff_ids "$(blob "$cfg")")
	[ "$diff_ids" = "$(pm image inspect localhost/bb:t1 --format '{{json .RootFS.Layers}}')" ]
	# the layer is unpacked under its diff_id
	[ -x "$ROOT/layers/$(jq -r '.[0]' <<<"$diff_ids" | cut -d: -f2)/bin/busybox" ]
	run brig images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[ "$output" = "localhost/bb:t1 sha256:$id" ] || [ "$output" = "localhost/bb:t1 ${id:0:12}" ]
	assert_consistent
	# and it runs
	run brig run --rm localhost/bb:t1 sh -c 'echo ran from podman; id -u'
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ran from podman 0" ]
}

@test "skopeo's oci-archive loads with its manifest byte for byte" {
	need_peers
	run brig load -i "$SK_TAR"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: bb:t1" ]
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -C "$BATS_TEST_TMPDIR/x" -xf "$SK_TAR"
	want=$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/x/index.json")
	[ "$(entry docker.io/library/bb:t1 | jq -r .digest)" = "$want" ]
	cmp "$(blob "$want")" "$BATS_TEST_TMPDIR/x/blobs/sha256/${want#sha256:}"
	# the same layer blob (gzip, as skopeo wrote it) and config
	layer=$(jq -r '.layers[0].digest' "$(blob "$want")")
	cmp "$(blob "$layer")" "$BATS_TEST_TMPDIR/x/blobs/sha256/${layer#sha256:}"
	assert_consistent
	# and it runs
	run brig run --rm bb:t1 sh -c 'echo ran from skopeo'
	[ "$status" -eq 0 ]
	[ "$output" = "ran from skopeo" ]
}

@test "an oci-archive image known by a bare tag is named after the file" {
	need_peers
	run brig load -i "$BATS_FILE_TMPDIR/sk-bare.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/sk-bare:latest" ]
	run brig load <"$BATS_FILE_TMPDIR/sk-bare.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/loaded:latest" ]
}

@test "the newer docker-archive layout (an OCI layout with manifest.json) loads" {
	need_peers
	mkdir "$BATS_TEST_TMPDIR/d"
	tar -C "$BATS_TEST_TMPDIR/d" -xf "$SK_TAR"
	python3 - "$BATS_TEST_TMPDIR/d" <<-'EOP'
		import json, sys
		d = sys.argv[1]
		idx = json.load(open(d + "/index.json"))
		m = idx["manifests"][0]
		m["annotations"] = {"io.containerd.image.name": "docker.io/library/newdocker:1",
		                    "org.opencontainers.image.ref.name": "1"}
		json.dump(idx, open(d + "/index.json", "w"))
		man = json.load(open(d + "/blobs/sha256/" + m["digest"][7:]))
		json.dump([{"Config": "blobs/sha256/" + man["config"]["digest"][7:],
		            "RepoTags": ["newdocker:1", "other:2"],
		            "Layers": ["blobs/sha256/" + l["digest"][7:] for l in man["layers"]]}],
		          open(d + "/manifest.json", "w"))
	EOP
	tar -C "$BATS_TEST_TMPDIR/d" -cf "$BATS_TEST_TMPDIR/new.tar" .
	run brig load -i "$BATS_TEST_TMPDIR/new.tar"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" = "Loaded image: newdocker:1" && "${lines[1]}" = "Loaded image: other:2" ]] || { echo "output: $output" >&2; false; }
	[ "${#lines[@]}" -eq 2 ]
	want=$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/d/index.json")
	[ "$(entry docker.io/library/other:2 | jq -r .digest)" = "$want" ]
	assert_consistent
}

@test "load from a pipe, the whole archive gzip or zstd compressed" {
	need_peers
	run bash -c "cat '$PM_TAR' | '$BRIG' --root '$ROOT/plain' load -q"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/bb:t1" ]
	run bash -c "gzip -c '$PM_TAR' | '$BRIG' --root '$ROOT/gzip' load"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/bb:t1" ]
	zstd -q -c "$PM_TAR" >"$BATS_TEST_TMPDIR/pm.tar.zst"
	run "$BRIG" --root "$ROOT/zstd" load -i "$BATS_TEST_TMPDIR/pm.tar.zst"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: localhost/bb:t1" ]
	# The same index, but for the time each store gave the name.
	notime='del(.manifests[].annotations["io.brig.tag.time"])'
	for r in plain gzip zstd; do
		[ "$(jq -cS "$notime" "$ROOT/plain/images/index.json")" = \
			"$(jq -cS "$notime" "$ROOT/$r/images/index.json")" ] || false
		ROOT=$ROOT/$r assert_consistent
	done
}

# unnamed SRC DST: a copy of the docker-archive SRC with no RepoTags.
unnamed() {
	python3 - "$1" "$2" <<'EOP'
import io, json, sys, tarfile
with tarfile.open(sys.argv[1]) as t, tarfile.open(sys.argv[2], "w") as o:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isreg() else None
        if m.name == "manifest.json":
            doc = json.loads(data)
            for img in doc:
                img["RepoTags"] = None
            data = json.dumps(doc).encode()
            m.size = len(data)
        o.addfile(m, io.BytesIO(data) if data is not None else None)
EOP
}

@test "an image without a name is kept: <none>, kept by prune, removed by rmi ID" {
	local src=$BATS_TEST_TMPDIR/src
	"$BRIG" --root "$src" import "$BATS_FILE_TMPDIR/rootfs.tar" src:v1 >/dev/null
	"$BRIG" --root "$src" save -o "$BATS_TEST_TMPDIR/named.tar" src:v1
	unnamed "$BATS_TEST_TMPDIR/named.tar" "$BATS_TEST_TMPDIR/unnamed.tar"
	local id
	id=$("$BRIG" --root "$src" images -q --no-trunc)
	run brig load -i "$BATS_TEST_TMPDIR/unnamed.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image ID: $id" ]
	run brig images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[ "$output" = "<none>:<none> ${id:7:12}" ]
	# index.json holds it without a ref.name; prune keeps it and its layer.
	[ "$(jq '[.manifests[] | select(.annotations == null)] | length' "$ROOT/images/index.json")" -eq 1 ]
	local blobs layer
	blobs=$(ls "$ROOT/images/blobs/sha256" | sort)
	layer=$(ls "$ROOT/layers")
	[ -n "$layer" ]
	brig image prune >/dev/null
	[ "$(ls "$ROOT/images/blobs/sha256" | sort)" = "$blobs" ]
	[ "$(ls "$ROOT/layers")" = "$layer" ]
	assert_consistent
	# loading it again adds no second entry
	brig load -i "$BATS_TEST_TMPDIR/unnamed.tar" >/dev/null
	[ "$(jq '.manifests | length' "$ROOT/images/index.json")" -eq 1 ]
	# rmi by ID removes it; prune then removes its blobs and its layer
	run brig rmi "${id:7:12}"
	[ "$status" -eq 0 ]
	run brig images -q
	[ -z "$output" ]
	brig image prune >/dev/null
	[ -z "$(ls "$ROOT/images/blobs/sha256")" ]
	[ -z "$(ls "$ROOT/layers")" ]
	# naming a loaded unnamed image replaces its <none> row
	brig load -i "$BATS_TEST_TMPDIR/unnamed.tar" >/dev/null
	brig tag "${id:7:12}" named:v2
	run brig images --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = "named:v2" ]
	[ "$(jq '.manifests | length' "$ROOT/images/index.json")" -eq 1 ]
	assert_consistent
}

@test "loading the same archive twice reuses the unpacked layer" {
	need_peers
	brig load -i "$PM_TAR" >/dev/null
	layer=$(ls "$ROOT/layers")
	touch "$ROOT/layers/$layer/.marker"
	run brig load -i "$PM_TAR"
	[ "$status" -eq 0 ]
	[ -e "$ROOT/layers/$layer/.marker" ]
	[ "$(ls "$ROOT/layers")" = "$layer" ]
}

@test "brig save docker-archive: podman load and skopeo inspect read it, digests kept" {
	need_peers
	brig import "$BATS_FILE_TMPDIR/rootfs.tar" brigimg:v1 >/dev/null
	mdig=$(entry docker.io/library/brigimg:v1 | jq -r .digest)
	cfg=$(jq -r .config.digest "$(blob "$mdig")")
	diff_ids=$(jq -c .rootfs.diff_ids "$(blob "$cfg")")
	run brig save -o "$BATS_TEST_TMPDIR/out.tar" brigimg:v1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run tar -tf "$BATS_TEST_TMPDIR/out.tar"
	[[ "$output" == *manifest.json* ]]
	[ "$(skopeo inspect "docker-archive:$BATS_TEST_TMPDIR/out.tar:brigimg:v1" | jq -r .Name)" = docker.io/library/brigimg ]
	skopeo inspect --config "docker-archive:$BATS_TEST_TMPDIR/out.tar" | jq -c .rootfs.diff_ids >"$BATS_TEST_TMPDIR/sk"
	[ "$(cat "$BATS_TEST_TMPDIR/sk")" = "$diff_ids" ]
	run pm load -i "$BATS_TEST_TMPDIR/out.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image"*brigimg:v1* ]]
	[ "sha256:$(pm image inspect docker.io/library/brigimg:v1 --format '{{.Id}}')" = "$cfg" ]
	[ "$(pm image inspect docker.io/library/brigimg:v1 --format '{{json .RootFS.Layers}}')" = "$diff_ids" ]
	pm rmi docker.io/library/brigimg:v1 >/dev/null
}

@test "brig save oci-archive: skopeo and umoci read it; a reload keeps every digest" {
	need_peers
	command -v umoci >/dev/null || skip "umoci not installed"
	brig load -i "$SK_TAR" >/dev/null
	mdig=$(entry docker.io/library/bb:t1 | jq -r .digest)
	run brig save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" bb:t1
	[ "$status" -eq 0 ]
	[ "$(skopeo inspect "oci-archive:$BATS_TEST_TMPDIR/o.tar:docker.io/library/bb:t1" | jq -r .Digest)" = "$mdig" ]
	mkdir "$BATS_TEST_TMPDIR/lay"
	tar -C "$BATS_TEST_TMPDIR/lay" -xf "$BATS_TEST_TMPDIR/o.tar"
	umoci unpack --image "$BATS_TEST_TMPDIR/lay:docker.io/library/bb:t1" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	[ -x "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox" ]
	cmp "$BATS_TEST_TMPDIR/bundle/rootfs/etc/passwd" "$ROOT/layers/$(ls "$ROOT/layers")/etc/passwd"
	# into a fresh store: the same manifest, config and layer digests
	ROOT2=$BATS_TEST_TMPDIR/root2
	run "$BRIG" --root "$ROOT2" load -i "$BATS_TEST_TMPDIR/o.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: bb:t1" ]
	[ "$(ROOT=$ROOT2 entry docker.io/library/bb:t1 | jq -r .digest)" = "$mdig" ]
	cmp "$(blob "$mdig")" "$ROOT2/images/blobs/sha256/${mdig#sha256:}"
}

@test "brig save docker-archive then brig load: same config and layer digests" {
	brig import "$BATS_FILE_TMPDIR/rootfs.tar" rt:1 >/dev/null
	brig tag rt:1 rt:2
	mdig=$(entry docker.io/library/rt:1 | jq -r .digest)
	run brig save -o "$BATS_TEST_TMPDIR/d.tar" rt:1 rt:2
	[ "$status" -eq 0 ]
	tar -xOf "$BATS_TEST_TMPDIR/d.tar" manifest.json >"$BATS_TEST_TMPDIR/m.json"
	[ "$(jq -c '.[0].RepoTags' "$BATS_TEST_TMPDIR/m.json")" = '["docker.io/library/rt:1","docker.io/library/rt:2"]' ]
	ROOT2=$BATS_TEST_TMPDIR/root2
	run "$BRIG" --root "$ROOT2" load -i "$BATS_TEST_TMPDIR/d.tar"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" = "Loaded image: rt:1" && "${lines[1]}" = "Loaded image: rt:2" ]] || { echo "output: $output" >&2; false; }
	m2=$(ROOT=$ROOT2 entry docker.io/library/rt:1 | jq -r .digest)
	[ "$(jq -c '[.config.digest, .layers[].digest]' "$(blob "$mdig")")" = \
	  "$(jq -c '[.config.digest, .layers[].digest]' "$ROOT2/images/blobs/sha256/${m2#sha256:}")" ]
	# saving is deterministic
	"$BRIG" --root "$ROOT2" save -o "$BATS_TEST_TMPDIR/d2.tar" rt:1 rt:2
	"$BRIG" --root "$ROOT2" save -o "$BATS_TEST_TMPDIR/d3.tar" rt:1 rt:2
	cmp "$BATS_TEST_TMPDIR/d2.tar" "$BATS_TEST_TMPDIR/d3.tar"
}

@test "save: an unknown image writes nothing; a bad format is refused" {
	brig import "$BATS_FILE_TMPDIR/rootfs.tar" ok:1 >/dev/null
	mkdir "$BATS_TEST_TMPDIR/out"
	run brig save -o "$BATS_TEST_TMPDIR/out/x.tar" ok:1 nosuch:image
	[ "$status" -eq 1 ]
	[[ "$output" == "brig: save: "* ]]
	[ "$(ls -A "$BATS_TEST_TMPDIR/out")" = "" ]
	run brig save --format tarball -o "$BATS_TEST_TMPDIR/out/x.tar" ok:1
	[ "$status" -eq 1 ]
	[[ "$output" == *"--format"* ]]
	[ "$(ls -A "$BATS_TEST_TMPDIR/out")" = "" ]
	# an existing file is replaced only by a complete archive
	echo old >"$BATS_TEST_TMPDIR/out/x.tar"
	run brig save -o "$BATS_TEST_TMPDIR/out/x.tar" nosuch:image
	[ "$status" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/x.tar")" = old ]
	run brig save -o - ok:1
	[ "$status" -eq 0 ]
}

# A docker-archive of an image with N layers of random data (uncompressed,
# gzip and zstd alternating is not needed: random data is incompressible).
make_multilayer() {
	python3 - "$1" "$2" <<-'EOP'
		import hashlib, io, json, os, sys, tarfile
		out, n = sys.argv[1], int(sys.argv[2])
		def layer(i):
		    b = io.BytesIO()
		    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
		        for k in range(4):
		            data = os.urandom(1 << 20)
		            ti = tarfile.TarInfo("l%d/f%d" % (i, k)); ti.size = len(data)
		            t.addfile(ti, io.BytesIO(data))
		    return b.getvalue()
		layers = [layer(i) for i in range(n)]
		ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
		cfg = json.dumps({"architecture": "amd64", "os": "linux",
		                  "rootfs": {"type": "layers", "diff_ids": ids}}).encode()
		with tarfile.open(out, "w") as t:
		    def add(name, data):
		        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
		    for i, l in enumerate(layers):
		        add("layer%d.tar" % i, l)
		    add("config.json", cfg)
		    add("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["multi:latest"],
		        "Layers": ["layer%d.tar" % i for i in range(n)]}]).encode())
	EOP
}

@test "a load killed at random points names nothing and leaves the store consistent" {
	make_multilayer "$BATS_TEST_TMPDIR/multi.tar" 6
	for i in 1 2 3 4 5 6; do
		"$BRIG" --root "$ROOT" load -i "$BATS_TEST_TMPDIR/multi.tar" >/dev/null 2>&1 &
		pid=$!
		if [ $((i % 2)) -eq 0 ]; then
			# wait (no timing asserted) for an unpack to be under way
			for _ in $(seq 2000); do
				compgen -G "$ROOT/layers/.tmp-*" >/dev/null && break
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.005
			done
		else
			sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
		fi
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		run brig images -q
		[ "$status" -eq 0 ]
		listed=$output
		run brig system check
		[ "$status" -eq 0 ]
		[[ "$output" == consistent* ]]
		if [ -n "$listed" ]; then
			# the kill came after the load had finished: a complete
			# image; go on in a fresh store
			[ "$(brig images --format '{{.Repository}}:{{.Tag}}')" = multi:latest ]
			ROOT=$BATS_TEST_TMPDIR/root-$i
		fi
	done
	run brig load -i "$BATS_TEST_TMPDIR/multi.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: multi:latest" ]
	[ "$(find "$ROOT/layers" -mindepth 1 -maxdepth 1 ! -name '.tmp-*' | wc -l)" -eq 6 ]
	run brig image prune
	[ "$status" -eq 0 ]
	assert_consistent
}
