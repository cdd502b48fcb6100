#!/usr/bin/env bats
# brig's image commands: import, images, tag, rmi, image inspect.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() {
	brig_image_tar
	gzip -c "$BATS_FILE_TMPDIR/rootfs.tar" >"$BATS_FILE_TMPDIR/rootfs.tar.gz"
}

setup() {
	brig_setup
	TAR=$BATS_FILE_TMPDIR/rootfs.tar
	TGZ=$BATS_FILE_TMPDIR/rootfs.tar.gz
}

# The stored index.json annotations (the names skopeo and umoci see).
stored_names() {
	python3 -c 'import json,sys
for m in json.load(open(sys.argv[1]))["manifests"]:
    print(m.get("annotations", {}).get("org.opencontainers.image.ref.name", ""))' \
		"$ROOT/images/index.json"
}

assert_nothing_listed() {
	run brig images -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	if [ -d "$ROOT/layers" ]; then
		run find "$ROOT/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*'
		[ -z "$output" ]
	fi
}

@test "import from a file prints the image id; images lists it" {
	run brig import "$TAR" myimg:v1
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	id=$output
	run brig images
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	read -r repo tag short _ <<<"${lines[1]}"
	[[ "$repo" = myimg && "$tag" = v1 && "$short" = "${id:7:12}" ]] || { echo "listed: $repo $tag $short" >&2; false; }
	run brig images -q
	[ "$output" = "${id:7:12}" ]
	run brig images -q --no-trunc
	[ "$output" = "$id" ]
}

@test "import from stdin (gzip) with the default tag" {
	run brig import - gzimg <"$TGZ"
	[ "$status" -eq 0 ]
	id=$output
	run brig images --format '{{.Repository}}|{{.Tag}}|{{.ID}}'
	[ "$status" -eq 0 ]
	[ "$output" = "gzimg|latest|${id:7:12}" ]
	# the manifest records the gzip layer
	run skopeo inspect --raw "oci:$ROOT/images:docker.io/library/gzimg:latest"
	[[ "$output" == *'application/vnd.oci.image.layer.v1.tar+gzip'* ]]
}

@test "import a zstd tarball: the layer media type says zstd" {
	command -v zstd >/dev/null || skip "zstd not installed"
	zstd -q -c "$TAR" >"$BATS_TEST_TMPDIR/rootfs.tar.zst"
	run brig import "$BATS_TEST_TMPDIR/rootfs.tar.zst" zst
	[ "$status" -eq 0 ]
	run skopeo inspect --raw "oci:$ROOT/images:docker.io/library/zst:latest"
	[[ "$output" == *'application/vnd.oci.image.layer.v1.tar+zstd'* ]]
	[ -x "$ROOT/layers/$(sha256sum <"$TAR" | cut -d' ' -f1)/bin/busybox" ]
}

@test "images --format json is one object a line; --digests adds the manifest digest" {
	brig import "$TAR" a:1 >/dev/null
	brig import "$TGZ" b:2 >/dev/null
	run brig images --format json
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	run python3 -c 'import json,sys; a=[json.loads(l) for l in sys.argv[1].splitlines()]; print(len(a), sorted(x["Repository"]+":"+x["Tag"] for x in a))' "$output"
	[ "$output" = "2 ['a:1', 'b:2']" ]
	run brig images --digests
	[[ "${lines[0]}" == *DIGEST* ]]
	[[ "${lines[1]}" =~ sha256:[0-9a-f]{64} ]]
}

@test "the layer is unpacked under layers/<diff_id> with a busybox" {
	id=$(brig import "$TGZ" lay)
	diff_id=$(brig image inspect -f '{{index .RootFS.Layers 0}}' lay)
	[[ "$diff_id" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$diff_id" = "sha256:$(sha256sum <"$TAR" | cut -d' ' -f1)" ]
	[ -x "$ROOT/layers/${diff_id#sha256:}/bin/busybox" ]
	run find "$ROOT/layers" -mindepth 1 -maxdepth 1
	[ "${#lines[@]}" -eq 1 ]
	# a second import of the same tarball keeps the one layer directory
	brig import "$TAR" lay2 >/dev/null
	run find "$ROOT/layers" -mindepth 1 -maxdepth 1
	[ "${#lines[@]}" -eq 1 ]
	[ -n "$id" ]
}

@test "skopeo reads the image and its config digest is our id" {
	command -v skopeo >/dev/null || skip "skopeo not installed"
	id=$(brig import "$TAR" sk:1)
	name=$(stored_names)
	[ "$name" = docker.io/library/sk:1 ]
	run skopeo inspect --raw "oci:$ROOT/images:$name"
	[ "$status" -eq 0 ]
	cfg=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["config"]["digest"])' "$output")
	[ "$cfg" = "$id" ]
	run skopeo inspect "oci:$ROOT/images:$name"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"Os": "linux"'* ]]
}

@test "umoci lists the image" {
	command -v umoci >/dev/null || skip "umoci not installed"
	brig import "$TAR" um:2 >/dev/null
	run umoci ls --layout "$ROOT/images"
	[ "$status" -eq 0 ]
	[ "$output" = docker.io/library/um:2 ]
}

@test "tag adds a name, rmi removes it" {
	id=$(brig import "$TAR" orig)
	run brig tag orig other:x
	[ "$status" -eq 0 ]
	run brig images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[ "${#lines[@]}" -eq 2 ]
	[[ "$output" == *"other:x ${id:7:12}"* ]]
	run brig image inspect -f '{{json .RepoTags}}' "$id"
	[ "$output" = '["orig:latest","other:x"]' ]
	# an ID with two names needs -f
	run brig rmi "${id:7:12}"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	run brig rmi other:x
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: other:x" ]
	run brig rmi -f "${id:7:12}"
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: orig:latest" ]
	assert_nothing_listed
}

@test "image inspect: JSON array and -f templates" {
	id=$(brig import "$TAR" insp:3)
	run brig image inspect -f '{{.Config.Env}}' insp:3
	[ "$status" -eq 0 ]
	[ "$output" = "[PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin]" ]
	run brig image inspect insp:3
	[ "$status" -eq 0 ]
	run python3 -c 'import json,sys; a=json.loads(sys.argv[1]); i=a[0]
print(len(a), i["Id"], i["RepoTags"], i["Os"], i["RootFS"]["Type"], i["Size"] > 0, i["RepoDigests"][0].startswith("insp@sha256:"))' "$output"
	[ "$output" = "1 $id ['insp:3'] linux layers True True" ]
}

@test "import --change sets USER, ENV, ENTRYPOINT, CMD, WORKDIR, LABEL" {
	run brig import -c 'USER 1000' -c 'ENV FOO=bar' -c 'ENV PATH=/bin' \
		--change 'ENTRYPOINT ["/bin/sh", "-c"]' --change 'cmd echo hi' \
		-c 'WORKDIR /tmp' -c 'LABEL a.b="c d"' "$TAR" chg
	[ "$status" -eq 0 ]
	run brig image inspect -f '{{json .Config}}' chg
	[ "$status" -eq 0 ]
	run python3 -c 'import json,sys; c=json.loads(sys.argv[1])
print(c["User"], c["Env"], c["Entrypoint"], c["Cmd"], c["WorkingDir"], c["Labels"])' "$output"
	[ "$output" = "1000 ['PATH=/bin', 'FOO=bar'] ['/bin/sh', '-c'] ['/bin/sh', '-c', 'echo hi'] /tmp {'a.b': 'c d'}" ]
}

@test "bad input: unsupported or malformed --change" {
	for c in 'RUN echo hi' 'CMD [1, 2]' 'ENV' 'LABEL =x'; do
		run brig import --change "$c" "$TAR" badchg
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"--change"* ]]
	done
	assert_nothing_listed
}

@test "bad input: missing file" {
	run brig import "$BATS_TEST_TMPDIR/nope.tar" x
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *nope.tar* ]]
	assert_nothing_listed
}

@test "bad input: a tarball that is not one leaves nothing" {
	head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/junk.tar"
	run brig import "$BATS_TEST_TMPDIR/junk.tar" junk
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_nothing_listed
}

@test "bad input: bad name" {
	run brig import "$TAR" 'Bad:Name!'
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_nothing_listed
}

@test "bad input: unknown image" {
	for cmd in "rmi nosuch" "image inspect nosuch" "tag nosuch x"; do
		run brig $cmd
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *nosuch* ]]
	done
	assert_nothing_listed
}

@test "bad input: bad template" {
	brig import "$TAR" t >/dev/null
	run brig images --format '{{.Repository'
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	run brig images --format '{{.NoSuchField}}'
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	run brig image inspect -f '{{.Nope' t
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	brig rmi t >/dev/null
	assert_nothing_listed
}

@test "usage errors: 125 for a bad flag, 1 for the arguments or an unknown subcommand (Docker's)" {
	run brig import onlyone
	[ "$status" -eq 1 ]
	run brig images --bogus
	[ "$status" -eq 125 ]
	run brig image frob
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"image frob"* ]]
}

@test "system check: a consistent store passes; a corrupted blob is found and repaired" {
	brig import "$TAR" chk:v1 >/dev/null
	run brig system check
	[ "$status" -eq 0 ]
	[[ "$output" == consistent:* ]]
	# Corrupt the layer blob behind the image's back.
	local layer
	layer=$(python3 -c 'import json,sys
idx=json.load(open(sys.argv[1]))
m=json.load(open(sys.argv[2]+"/blobs/sha256/"+idx["manifests"][0]["digest"][7:]))
print(m["layers"][0]["digest"][7:])' "$ROOT/images/index.json" "$ROOT/images")
	chmod u+w "$ROOT/images/blobs/sha256/$layer"
	printf 'tampered' >>"$ROOT/images/blobs/sha256/$layer"
	run brig system check
	[ "$status" -eq 1 ]
	[[ "$output" == PROBLEMS:*"1 corrupt"* ]]
	run brig system check --format json
	[ "$status" -eq 1 ]
	jq -e --arg d "sha256:$layer" '.CorruptBlobs | map(tostring) | any(contains($d))' <<<"$output" >/dev/null
	run brig system check --repair
	[ "$status" -eq 0 ]
	[[ "$output" == repaired:* ]]
	run brig system check
	[ "$status" -eq 0 ]
	# The image that needed the blob is no longer listed.
	assert_nothing_listed
}

@test "image prune removes only what no image needs" {
	brig import "$TAR" keep:v1 >/dev/null
	brig import "$TGZ" drop:v1 >/dev/null
	local before after
	before=$(ls "$ROOT/images/blobs/sha256" | wc -l)
	brig rmi drop:v1 >/dev/null
	run brig image prune --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" == "Would delete blobs: 3"* ]]
	[ "$(ls "$ROOT/images/blobs/sha256" | wc -l)" -eq "$before" ]
	run brig image prune --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.RemovedBlobs | length' <<<"$output")" -eq 3 ]
	after=$(ls "$ROOT/images/blobs/sha256" | wc -l)
	[ "$after" -eq $((before - 3)) ]
	run brig images -q
	[ "${#lines[@]}" -eq 1 ]
	run brig system check
	[ "$status" -eq 0 ]
	run brig image prune --format yaml
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
}

# layer_dirs: the unpacked layer directories (diff_id hex), sorted.
layer_dirs() { find "$ROOT/layers" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9a-f]*' -printf '%f\n' | sort; }

# A second rootfs tarball whose layer differs from TAR's.
other_tar() {
	local d=$BATS_TEST_TMPDIR/other
	mkdir -p "$d"
	tar -C "$d" -xf "$TAR"
	echo other >"$d/other-file"
	tar -C "$d" -cf "$BATS_TEST_TMPDIR/other.tar" .
	rm -rf "$d"
	echo "$BATS_TEST_TMPDIR/other.tar"
}

@test "image prune removes unpacked layers no image needs, and leftovers of killed commands" {
	brig import "$TAR" keep:v1 >/dev/null
	brig import "$(other_tar)" drop:v1 >/dev/null
	[ "$(layer_dirs | wc -l)" -eq 2 ]
	local keep_layer
	keep_layer=$(brig image inspect -f '{{index .RootFS.Layers 0}}' keep:v1)
	keep_layer=${keep_layer#sha256:}
	[ -d "$ROOT/layers/$keep_layer" ]
	# Leftovers: an unpack, a create and an rm that were killed, and a layer
	# directory of no image at all.
	local junk=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	mkdir -p "$ROOT/layers/.tmp-x1y2z3/usr" "$ROOT/layers/$junk" "$ROOT/containers/.tmp-$junk/rootfs" \
		"$ROOT/containers/.rm-$junk"
	head -c 10000 /dev/urandom >"$ROOT/layers/.tmp-x1y2z3/usr/half"
	head -c 20000 /dev/urandom >"$ROOT/layers/$junk/f"
	echo '{}' >"$ROOT/containers/.rm-$junk/container.json"
	brig rmi drop:v1 >/dev/null
	run brig image prune --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" == *"Would delete unpacked layers: 2"* ]]
	[[ "$output" == *"Would delete leftovers of interrupted commands: 3"* ]]
	[ "$(layer_dirs | wc -l)" -eq 3 ]
	[ -d "$ROOT/containers/.rm-$junk" ]
	run brig image prune --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.RemovedLayers | length' <<<"$output")" -eq 2 ]
	jq -e --arg j "sha256:$junk" '.RemovedLayers | map(select(.DiffId == $j and .Size >= 20000)) | length == 1' <<<"$output" >/dev/null
	jq -e '.RemovedLeftovers | map(.Path) | sort == (["containers/.rm-'$junk'", "containers/.tmp-'$junk'", "layers/.tmp-x1y2z3"] | sort)' <<<"$output" >/dev/null
	jq -e '.LayersReclaimedBytes >= 30000' <<<"$output" >/dev/null
	[ "$(layer_dirs)" = "$keep_layer" ]
	[ -z "$(find "$ROOT/layers" "$ROOT/containers" -mindepth 1 -maxdepth 1 -name '.*')" ]
	# keep:v1 still runs from its layer; a second prune finds nothing.
	run brig image prune
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted unpacked layers: 0"* ]]
	[ "$(layer_dirs)" = "$keep_layer" ]
}

@test "image prune keeps a layer a container uses after its image is gone" {
	brig import "$(other_tar)" ctr:v1 >/dev/null
	local layer id
	layer=$(brig image inspect -f '{{index .RootFS.Layers 0}}' ctr:v1)
	layer=${layer#sha256:}
	id=$(brig create ctr:v1 true)
	brig rmi -f ctr:v1 >/dev/null
	run brig images -q
	[ -z "$output" ]
	brig image prune >/dev/null
	[ -d "$ROOT/layers/$layer" ]
	brig rm "$id" >/dev/null
	run brig image prune --format json
	[ "$status" -eq 0 ]
	jq -e --arg l "sha256:$layer" '.RemovedLayers | map(.DiffId) == [$l]' <<<"$output" >/dev/null
	[ ! -e "$ROOT/layers/$layer" ]
}

@test "an imported rootfs with device nodes saves and loads again, each with one line about them" {
	local d=$BATS_TEST_TMPDIR/devfs
	mkdir -p "$d/dev"
	tar -C "$d" -xf "$TAR"
	mknod "$d/dev/full" c 1 7 || skip "cannot make device nodes here"
	mknod "$d/dev/zero2" c 1 5
	# in name order: readdir's order is the filesystem's (full came first
	# on ext4, zero2 on tmpfs)
	tar -C "$d" --numeric-owner --sort=name -cf "$BATS_TEST_TMPDIR/devfs.tar" .
	run --separate-stderr brig import "$BATS_TEST_TMPDIR/devfs.tar" devimg:1
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"2 warning(s), first: ./dev/full: device node skipped"* ]] || { echo "$stderr"; false; }
	run brig save -o "$BATS_TEST_TMPDIR/devimg.tar" devimg:1
	[ "$status" -eq 0 ] || false
	local other=$BATS_TEST_TMPDIR/other
	run --separate-stderr "$BRIG" --root "$other" load -i "$BATS_TEST_TMPDIR/devimg.tar"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Loaded image: devimg:1" ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	# skipped, not made: no device node in the unpacked layers
	run find "$other/layers" "$ROOT/layers" -type c -o -type b
	[ -z "$output" ] || { echo "$output"; false; }
	run "$BRIG" --root "$other" run --rm devimg:1 true
	[ "$status" -eq 0 ] || false
	rm -rf "$other"
}
