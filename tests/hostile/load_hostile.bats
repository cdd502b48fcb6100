#!/usr/bin/env bats
# brig load of hostile archives: each is refused with one line on stderr
# and exit status 1, names nothing (index.json unchanged), unpacks
# nothing, changes nothing outside the store, and leaves the store
# consistent; `brig image prune` then removes every blob it wrote.
#
# The archives are generated here with python3's tarfile (mkarc.py below).

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=${BRIG_TEST_TIMEOUT:-120}

setup_file() {
	MKARC=$BATS_FILE_TMPDIR/mkarc.py
	export MKARC
	cat >"$MKARC" <<'EOP'
import gzip, hashlib, io, json, sys, tarfile, zlib

def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()

def entry(name, data=b"", typ=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.mode = typ, link, 0o644
    if typ == tarfile.DIRTYPE:
        ti.mode = 0o755
    ti.size = len(data) if typ == tarfile.REGTYPE else 0
    return ti, data

def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if ti.isreg() else None)
    return b.getvalue()

def docker_archive(layers, diff_ids=None, tags=("hostile:latest",), layer_names=None,
                   config_name="config.json", extra=()):
    diff_ids = diff_ids or [sha(zlib.decompress(l, 31) if l[:2] == b"\x1f\x8b" else l) for l in layers]
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    names = layer_names or ["layer%d.tar" % i for i in range(len(layers))]
    ents = [entry("layer%d.tar" % i, l) for i, l in enumerate(layers)]
    ents += [entry("config.json", cfg)]
    ents += list(extra)
    ents += [entry("manifest.json", json.dumps([{"Config": config_name, "RepoTags": list(tags),
                                                 "Layers": names}]).encode())]
    return tar_bytes(ents)

def oci_archive(layer, layer_type="application/vnd.oci.image.layer.v1.tar", drop=None,
                corrupt=None):
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}}).encode()
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": sha(cfg), "size": len(cfg)},
                      "layers": [{"mediaType": layer_type, "digest": sha(layer),
                                  "size": len(layer)}]}).encode()
    idx = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(man),
         "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "hostile:oci"}}]}).encode()
    ents = [entry("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), entry("index.json", idx)]
    for what, blob in (("layer", layer), ("config", cfg), ("manifest", man)):
        if what == drop:
            continue
        data = blob + b"x" if what == corrupt else blob
        ents.append(entry("blobs/sha256/" + sha(blob)[7:], data))
    return tar_bytes(ents)

def zeros_gzip(prefix, total, chunk=1 << 20):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [c.compress(prefix)]
    z = bytes(chunk)
    for _ in range(total // chunk):
        out.append(c.compress(z))
    out.append(c.flush())
    return b"".join(out)

def tar_header(name, size):
    ti = tarfile.TarInfo(name)
    ti.size = size
    return ti.tobuf(format=tarfile.GNU_FORMAT)

GOOD = tar_bytes([entry("etc/", typ=tarfile.DIRTYPE), entry("etc/hello", b"hello\n")])

def build(case, arg):
    if case == "good":
        return docker_archive([GOOD])
    if case == "manifest-dotdot":
        return docker_archive([GOOD], layer_names=["../x"])
    if case == "manifest-abs":
        return docker_archive([GOOD], config_name="/etc/passwd")
    if case == "member-dotdot":
        return docker_archive([GOOD], extra=[entry("../evil", b"x")])
    if case == "member-abs":
        return docker_archive([GOOD], extra=[entry("/tmp/brig-hostile-abs", b"x")])
    if case == "member-long":
        return docker_archive([GOOD], extra=[entry("a" * 2000, b"x")])
    if case == "member-device":
        ti, _ = entry("dev0", typ=tarfile.CHRTYPE)
        ti.devmajor, ti.devminor = 1, 3
        return docker_archive([GOOD], extra=[(ti, b"")])
    if case == "unknown-media":
        return oci_archive(GOOD, layer_type="application/x-hostile")
    if case == "missing-blob":
        return oci_archive(GOOD, drop="layer")
    if case == "missing-manifest":
        return oci_archive(GOOD, drop="manifest")
    if case == "digest-mismatch":
        return oci_archive(GOOD, corrupt="layer")
    if case == "diffid-mismatch":
        return docker_archive([GOOD], diff_ids=[sha(b"something else")])
    if case == "layer-dotdot":
        return docker_archive([tar_bytes([entry("../../../../%s/dotdot" % arg.strip("/"), b"x")])])
    if case == "layer-abs":
        return docker_archive([tar_bytes([entry(arg + "/abs", b"x")])])
    if case == "layer-symlink":
        return docker_archive([tar_bytes([entry("evil", typ=tarfile.SYMTYPE, link="/"),
                                          entry("evil" + arg + "/through", b"x")])])
    if case == "layer-hardlink":
        return docker_archive([tar_bytes([entry("shadow", typ=tarfile.LNKTYPE, link="/etc/shadow")])])
    if case == "layer-hardlink-dotdot":
        return docker_archive([tar_bytes([entry("shadow", typ=tarfile.LNKTYPE,
                                                link="../../../../../../etc/shadow")])])
    if case == "layer-whiteout-dotdot":
        return docker_archive([tar_bytes([entry("a/", typ=tarfile.DIRTYPE), entry("a/.wh..", b"")])])
    if case == "layer-device":
        ti, _ = entry("dev/null0", typ=tarfile.CHRTYPE)
        ti.devmajor, ti.devminor = 1, 3
        return docker_archive([tar_bytes([entry("dev/", typ=tarfile.DIRTYPE), (ti, b"")])])
    if case == "layer-dup-types":
        return docker_archive([tar_bytes([entry("d/", typ=tarfile.DIRTYPE), entry("d/f", b"x"),
                                          entry("d", b"now a file"),
                                          entry("d", typ=tarfile.SYMTYPE, link="/etc")])])
    if case == "member-dup-types":
        return docker_archive([GOOD], extra=[entry("dup/", typ=tarfile.DIRTYPE), entry("dup", b"x")])
    if case == "layer-bomb":
        # a gzip layer whose one file claims 10 GB of zeros (200 MB given)
        bomb = zeros_gzip(tar_header("zeros", 10 << 30), 200 << 20)
        return docker_archive([bomb], diff_ids=[sha(b"unknowable")])
    if case == "archive-bomb":
        inner = tar_header("zeros", 10 << 30)
        return zeros_gzip(inner, 200 << 20)
    if case == "many-members":
        return tar_bytes([entry("m%06d" % i, b"") for i in range(100000)], fmt=tarfile.USTAR_FORMAT)
    raise SystemExit("unknown case " + case)

out, case = sys.argv[1], sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else "/tmp"
with open(out, "wb") as f:
    f.write(build(case, arg))
EOP
	# the good archive every test loads first: made once
	python3 "$MKARC" "$BATS_FILE_TMPDIR/good.tar" good
}

setup() {
	[ -x "$BRIG" ] || skip "brig not built"
	brig_setup
	OUT=$BATS_TEST_TMPDIR/outside
	mkdir -p "$OUT"
	brig load -i "$BATS_FILE_TMPDIR/good.tar" >/dev/null
}


state() {
	md5sum "$ROOT/images/index.json" /etc/passwd /etc/shadow
	ls -A "$ROOT/layers"
	find "$OUT" -mindepth 1
}

# refused CASE PATTERN: the archive CASE is refused with one line matching
# PATTERN, and nothing changed.
refused() {
	local case=$1 pattern=$2 before blobs
	python3 "$MKARC" "$BATS_TEST_TMPDIR/$case.tar" "$case" "$OUT"
	before=$(state)
	blobs=$(ls "$ROOT/images/blobs/sha256" | sort)
	run --separate-stderr brig load -i "$BATS_TEST_TMPDIR/$case.tar"
	echo "status $status, stderr: $stderr, stdout: $output"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == "brig: load: "* ]]
	[[ "$stderr" == *$pattern* ]]
	[ "$(state)" = "$before" ]
	run brig images --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = "hostile:latest" ]
	run brig system check
	[ "$status" -eq 0 ]
	[[ "$output" == consistent* ]]
	brig image prune >/dev/null
	[ "$(ls "$ROOT/images/blobs/sha256" | sort)" = "$blobs" ]
}

@test "manifest.json pointing at ../x" { refused manifest-dotdot "path traversal"; }
@test "manifest.json pointing at /etc/passwd" { refused manifest-abs "absolute path"; }
@test "an archive member named ../evil" { refused member-dotdot "path traversal"; }
@test "an archive member with an absolute name" {
	rm -f /tmp/brig-hostile-abs
	refused member-abs "absolute path"
	[ ! -e /tmp/brig-hostile-abs ] || { rm -f /tmp/brig-hostile-abs; echo "the member was written to the host" >&2; false; }
}
@test "an archive member name of 2000 bytes" { refused member-long "longer than the limit"; }
@test "a device node in the archive" { refused member-device "character device"; }
@test "an archive member given twice with different types" { refused member-dup-types "appears twice"; }
@test "a layer of an unknown media type" { refused unknown-media "unsupported media type"; }
@test "a layer blob missing from an oci-archive (though the store has it)" { refused missing-blob "missing from the archive"; }
@test "a manifest missing from an oci-archive" { refused missing-manifest "missing from the archive"; }
@test "a blob whose content does not match its name" { refused digest-mismatch "digest mismatch"; }
@test "a layer whose diff_id is not the config's" { refused diffid-mismatch "the config says"; }
@test "a layer with ../ entries" { refused layer-dotdot "path traversal"; }
@test "a layer with absolute paths" { refused layer-abs "absolute path"; }
@test "a layer with a symlink to / and a file through it" { refused layer-symlink "passes through the symlink"; }
@test "a layer with a hard link to /etc/shadow" { refused layer-hardlink "absolute path"; }
@test "a layer with a hard link to ../../etc/shadow" { refused layer-hardlink-dotdot "path traversal"; }
@test "a layer with a whiteout of .." { refused layer-whiteout-dotdot "whiteout"; }
@test "a layer with a device node: never made; skipped with one line, or refused with --strict" {
	python3 "$MKARC" "$BATS_TEST_TMPDIR/dev.tar" layer-device "$OUT"
	run --separate-stderr brig load --strict -i "$BATS_TEST_TMPDIR/dev.tar"
	[ "$status" -eq 1 ] || false
	[[ $stderr == "brig: load: "*"device node is refused"* ]] || { echo "$stderr"; false; }
	run --separate-stderr brig load -i "$BATS_TEST_TMPDIR/dev.tar"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"1 warning(s), first: dev/null0: device node skipped"* ]] || { echo "$stderr"; false; }
	run find "$ROOT/layers" -type c -o -type b
	[ "$status" -eq 0 ] || false
	[ -z "$output" ] || { echo "a device node was made: $output"; false; }
	run find "$ROOT/layers" -path '*/dev/null0'
	[ -z "$output" ] || false
}
@test "a layer with one name as a directory, a file and a symlink" { refused layer-dup-types "given twice"; }
@test "a small gzip layer claiming 10 GB of zeros: the ratio limit fires" { refused layer-bomb "compression bomb"; }
@test "a small gzip archive claiming 10 GB of zeros: the ratio limit fires" { refused archive-bomb "compression bomb"; }
@test "100,000 tiny archive members" { refused many-members "more than 16384 members"; }

@test "a bad archive from a pipe is refused the same way" {
	python3 "$MKARC" "$BATS_TEST_TMPDIR/t.tar" layer-symlink "$OUT"
	before=$(state)
	run bash -c "gzip -c '$BATS_TEST_TMPDIR/t.tar' | '$BRIG' --root '$ROOT' load"
	[ "$status" -eq 1 ]
	[[ "$output" == *"passes through the symlink"* ]]
	[ "$(state)" = "$before" ]
	run bash -c "head -c 3000 '$BATS_FILE_TMPDIR/good.tar' | '$BRIG' --root '$ROOT' load"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(state)" = "$before" ]
}
