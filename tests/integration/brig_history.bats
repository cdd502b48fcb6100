#!/usr/bin/env bats
# brig image history / brig history: the config's history matched with the
# manifest's layers, newest first, in Docker's columns; image text escaped
# before the terminal.  The images are OCI archives the test writes (no
# registry needed).  See docs/registry.md.

bats_require_minimum_version 1.5.0

# make_image DIR HISTORY_JSON: an oci-archive DIR.tar of an image of two
# small layers whose config "history" is HISTORY_JSON (null: none).
make_image() {
	python3 - "$1" "$2" <<-'PY'
		import hashlib, io, json, os, sys, tarfile
		d, hist = sys.argv[1], json.loads(sys.argv[2])
		os.makedirs(d + "/blobs/sha256")
		def put(b):
		    h = hashlib.sha256(b).hexdigest()
		    open(d + "/blobs/sha256/" + h, "wb").write(b)
		    return "sha256:" + h, len(b)
		layers, diff_ids = [], []
		for name, size in (("a", 1000), ("b", 30000)):
		    buf = io.BytesIO()
		    with tarfile.open(fileobj=buf, mode="w") as t:
		        ti = tarfile.TarInfo(name)
		        ti.size, ti.mode = size, 0o644
		        t.addfile(ti, io.BytesIO(b"x" * size))
		    dg, n = put(buf.getvalue())
		    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": dg, "size": n})
		    diff_ids.append(dg)
		cfg = {"architecture": "amd64", "os": "linux", "config": {}, "created": "2020-01-02T03:04:05Z",
		       "rootfs": {"type": "layers", "diff_ids": diff_ids}}
		if hist is not None:
		    cfg["history"] = hist
		cd, cn = put(json.dumps(cfg).encode())
		md, mn = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
		    "layers": layers}).encode())
		json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
		    "digest": md, "size": mn, "annotations": {"org.opencontainers.image.ref.name": "localhost/hist:1"}}]},
		    open(d + "/index.json", "w"))
		open(d + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
		# the layer blobs' sizes as brig shows them (3 digits, SI), oldest first
		open(d + "/sizes", "w").write(" ".join("%.3gkB" % (l["size"] / 1000) for l in layers) + "\n")
	PY
	tar -C "$1" -cf "$1.tar" .
}

setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	[ -x "$BRIG" ] || skip "brig not built"
	command -v python3 >/dev/null || skip "python3 is needed to write the test images"
	ROOT=$BATS_TEST_TMPDIR/root
}

brig() { timeout -k 10 60 "$BRIG" --root "$ROOT" "$@"; }

# An escape sequence, a tab and a long command in CREATED BY; an empty
# layer between the two layers; a comment.
HIST='[{"created": "2020-01-01T00:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:abc in / ", "comment": "first"},
       {"created": "2020-01-01T00:00:01Z", "created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]", "empty_layer": true},
       {"created": "2020-01-02T03:04:05Z", "created_by": "\u001b]0;owned\u0007echo\tthis is a rather long command line that goes on and on", "comment": "caf\u00e9 \u009b2J"}]'

@test "history: Docker's columns, newest first, empty layers 0B and <missing>, escaped text" {
	make_image "$BATS_TEST_TMPDIR/img" "$HIST"
	run brig load -q -i "$BATS_TEST_TMPDIR/img.tar"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	read -r s1 s2 <"$BATS_TEST_TMPDIR/img/sizes"
	id=$(brig image inspect -f '{{.Id}}' localhost/hist:1)
	run brig image history localhost/hist:1
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 4 ] || { echo "$output"; false; }
	[[ ${lines[0]} =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]] || { echo "${lines[0]}"; false; }
	# the newest row is the image; its CREATED BY escaped and cut at 45 characters
	[[ ${lines[1]} == "${id:7:12}"*" ago"*'\x1b]0;owned\x07echo this is a rather long command…'*" ${s2} "*'café \u009b2J' ]] || { echo "${lines[1]}"; false; }
	[[ ${lines[2]} == "<missing>"*'/bin/sh -c #(nop)  CMD ["sh"]'*" 0B "* ]] || { echo "${lines[2]}"; false; }
	[[ ${lines[3]} == "<missing>"*"ADD file:abc in /"*" ${s1} "*"first" ]] || { echo "${lines[3]}"; false; }
	# no raw control character reaches the terminal
	run bash -c "'$BRIG' --root '$ROOT' history localhost/hist:1 | LC_ALL=C grep -c \$'[\x01-\x08\x0b-\x1f\x7f]'"
	[ "$output" = 0 ] || false
	# brig history is the same command
	run brig history localhost/hist:1
	[ "${#lines[@]}" -eq 4 ] || false
}

@test "history -q, --no-trunc, --format json and a template" {
	make_image "$BATS_TEST_TMPDIR/img" "$HIST"
	run brig load -q -i "$BATS_TEST_TMPDIR/img.tar"
	id=$(brig image inspect -f '{{.Id}}' localhost/hist:1)
	run brig history -q localhost/hist:1
	[ "$output" = "${id:7:12}"$'\n<missing>\n<missing>' ] || { echo "$output"; false; }
	run brig history -q --no-trunc localhost/hist:1
	[ "${lines[0]}" = "$id" ] || false
	run brig history --no-trunc localhost/hist:1
	[[ ${lines[1]} == *'\x07echo this is a rather long command line that goes on and on'* ]] || { echo "${lines[1]}"; false; }
	run brig history --format json localhost/hist:1
	[ "$status" -eq 0 ] || false
	[ "${#lines[@]}" -eq 3 ] || false
	# ASCII only: the escape character and C1 as \u escapes
	[[ ${lines[0]} == *'\u001B]0;owned\u0007echo this'* ]] || false
	run jq -r '.ID + " " + .CreatedAt + " " + .Size + " [" + .Comment + "]"' <<<"${lines[2]}"
	read -r s1 s2 <"$BATS_TEST_TMPDIR/img/sizes"
	[ "$output" = "<missing> 2020-01-01T00:00:00Z ${s1} [first]" ] || { echo "$output"; false; }
	run brig history --format '{{.ID}}|{{.Size}}|{{.CreatedBy}}' localhost/hist:1
	[ "${lines[1]}" = '<missing>|0B|/bin/sh -c #(nop)  CMD ["sh"]' ] || { echo "$output"; false; }
	[[ ${lines[0]} == *'|\x1b]0;owned\x07echo'* ]] || { echo "${lines[0]}"; false; }
	run --separate-stderr brig history --format '{{.Nope' localhost/hist:1
	[ "$status" -eq 1 ] || false
	run --separate-stderr brig history nosuch:1
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
}

@test "history of an image without a history: one bare row per layer" {
	make_image "$BATS_TEST_TMPDIR/img" null
	run brig load -q -i "$BATS_TEST_TMPDIR/img.tar"
	read -r s1 s2 <"$BATS_TEST_TMPDIR/img/sizes"
	run brig history --format '{{.ID}} {{.Size}} [{{.CreatedBy}}] {{.CreatedSince}}' localhost/hist:1
	[ "${#lines[@]}" -eq 2 ] || { echo "$output"; false; }
	[[ ${lines[0]} == *" ${s2} [] N/A" ]] || { echo "$output"; false; }
	[ "${lines[1]}" = "<missing> ${s1} [] N/A" ] || { echo "$output"; false; }
}
