#!/usr/bin/env bats
# brig push against real peers on 127.0.0.1: Debian's docker-registry
# (scripts/registry-test.sh, TLS with the test's own CA, once without auth
# and once with htpasswd Basic auth); what brig pushed is read back by
# skopeo and pulled by podman.  See docs/registry.md ("Push").

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
load ../lib/registry

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$brig" --root "$d/src" import --change 'CMD ["sh"]' "$d/rootfs.tar" localhost/bb:1 >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img.tar" localhost/bb:1
	skopeo copy -q "oci-archive:$d/img.tar" "oci:$d/layout:img" >/dev/null
	make_multi "$d/layout" "$d/multi"

	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	"$SCRIPTS/registry-test.sh" start "$d/rega" --auth alice:s3cret >/dev/null
	local p pa h
	p=$(cat "$d/reg/port")
	pa=$(cat "$d/rega/port")
	# test/src:1 is the image skopeo put there (for the mount test).
	skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/img.tar" \
		"docker://127.0.0.1:$p/test/src:1" >/dev/null
	bad_server_start "$d/bad" "$d/layout" "$d/reg/tls"
	local pb
	pb=$(cat "$d/bad/port")
	for h in "127.0.0.1:$p" "127.0.0.1:$pa" "127.0.0.1:$pb" "localhost:$pb"; do
		mkdir -p "$d/certs/$h"
		cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	done
	cp "$d/rega/ca.crt" "$d/certs/127.0.0.1:$pa/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR
	"$SCRIPTS/registry-test.sh" stop "$d/reg" || true
	"$SCRIPTS/registry-test.sh" stop "$d/rega" || true
	bad_server_stop "$d/bad"
}

setup() {
	registry_needs
	unset BRIG_PUSH_CHUNK_SIZE
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	CONF=$D/brig.conf
	REG=127.0.0.1:$(cat "$D/reg/port")
	REGA=127.0.0.1:$(cat "$D/rega/port")
	BAD=127.0.0.1:$(cat "$D/bad/port")
}

teardown() {
	if [ -n "${PM_DIR:-}" ] && [ -d "$PM_DIR" ]; then
		pm rmi -a -f >/dev/null 2>&1 || true
		rm -rf "$PM_DIR"
	fi
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$CONF" "$@"; }

# local_image NAME: the test image (loaded from the file's oci-archive),
# named NAME in this test's store.
local_image() {
	brig load -i "$D/img.tar" >/dev/null
	brig tag localhost/bb:1 "$1"
}

# stored_manifest NAME: the digest of NAME's manifest in the store.
stored_manifest() {
	brig image inspect "$1" | jq -r '.[0].RepoDigests[0]' | sed 's/.*@//'
}

# check_pushed REPO:TAG MDIG: the registry serves MDIG's bytes as stored,
# and skopeo sees the store's config and layer digests.
check_pushed() {
	local raw blob cfg
	raw=$(skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/$1")
	blob=$ROOT/images/blobs/sha256/${2#sha256:}
	[ "$raw" = "$(cat "$blob")" ] || { echo "the registry's manifest differs from the store's"; return 1; }
	[ "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" = "$2" ] || return 1
	run skopeo inspect --cert-dir "$D/reg" "docker://$REG/$1"
	[ "$status" -eq 0 ] || return 1
	[ "$(jq -r .Digest <<<"$output")" = "$2" ] || { echo "skopeo: $output"; return 1; }
	[ "$(jq -c .Layers <<<"$output")" = "$(jq -c '[.layers[].digest]' "$blob")" ] || return 1
	cfg=$(brig image inspect -f '{{.Id}}' "$REG/$1")
	[ "$(jq -r .config.digest <<<"$raw")" = "$cfg" ] || { echo "config $cfg"; return 1; }
}

@test "push: skopeo sees the store's manifest, config and layer digests; Docker's output" {
	local_image "$REG/test/img:1"
	mdig=$(stored_manifest "$REG/test/img:1")
	size=$(stat -c %s "$ROOT/images/blobs/sha256/${mdig#sha256:}")
	run --separate-stderr brig push "$REG/test/img:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${#lines[@]}" -eq 3 ] || { echo "$output"; false; }
	[[ ${lines[0]} == [0-9a-f]*": Pushed" ]] || { echo "$output"; false; }
	[[ ${lines[1]} == [0-9a-f]*": Pushed" ]] || { echo "$output"; false; }
	[ "${lines[2]}" = "1: digest: $mdig size: $size" ] || { echo "${lines[2]}"; false; }
	check_pushed test/img:1 "$mdig"
}

pm() {
	CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf timeout -k 10 120 podman --root "$PM_DIR/root" \
		--runroot "$PM_DIR/run" --storage-driver vfs --tmpdir "$PM_DIR/tmp" "$@"
}

@test "podman pulls what brig pushed, with the same digest" {
	command -v podman >/dev/null || skip "podman is not installed"
	local_image "$REG/test/pm:1"
	mdig=$(stored_manifest "$REG/test/pm:1")
	run brig push -q "$REG/test/pm:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	PM_DIR=$(mktemp -d /var/tmp/brig-push-podman.XXXXXX)
	mkdir -p "$PM_DIR/tmp"
	printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n' \
		"$PM_DIR" "$PM_DIR" >"$PM_DIR/storage.conf"
	run pm pull -q --cert-dir "$D/reg" "$REG/test/pm:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run pm image inspect --format '{{.Digest}}' "$REG/test/pm:1"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$mdig" ] || { echo "podman: $output, brig: $mdig"; false; }
}

@test "a second push finds every blob in the registry (HEAD) and uploads nothing" {
	local_image "$REG/test/again:1"
	run brig push "$REG/test/again:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	before=$(grep -c 'POST /v2/test/again/blobs/uploads/' "$D/reg/registry.log")
	run --separate-stderr brig push "$REG/test/again:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${#lines[@]}" -eq 3 ] || { echo "$output"; false; }
	[[ ${lines[0]} == *": Layer already exists" ]] || { echo "$output"; false; }
	[[ ${lines[1]} == *": Layer already exists" ]] || { echo "$output"; false; }
	[[ ${lines[2]} == "1: digest: sha256:"* ]] || false
	after=$(grep -c 'POST /v2/test/again/blobs/uploads/' "$D/reg/registry.log")
	[ "$before" -eq "$after" ] || { echo "uploads: $before then $after"; false; }
}

@test "an image pulled from test/src is pushed to test/mounted by cross-repository mounts" {
	run brig pull -q "$REG/test/src:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	brig tag "$REG/test/src:1" "$REG/test/mounted:1"
	mdig=$(stored_manifest "$REG/test/mounted:1")
	run --separate-stderr brig push "$REG/test/mounted:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${#lines[@]}" -eq 3 ] || { echo "$output"; false; }
	[[ ${lines[0]} == *": Mounted from test/src" ]] || { echo "$output"; false; }
	[[ ${lines[1]} == *": Mounted from test/src" ]] || { echo "$output"; false; }
	# the registry saw mounts and no upload into test/mounted
	run grep -c 'POST /v2/test/mounted/blobs/uploads/?from=test%2Fsrc\|POST /v2/test/mounted/blobs/uploads/?mount=' "$D/reg/registry.log"
	[ "$output" -ge 2 ] || { echo "mount requests: $output"; false; }
	run grep -c 'PUT /v2/test/mounted/blobs/uploads/' "$D/reg/registry.log"
	[ "$output" -eq 0 ] || { echo "uploads: $output"; false; }
	check_pushed test/mounted:1 "$mdig"
}

@test "BRIG_PUSH_CHUNK_SIZE forces PATCH chunks on a small blob; the digests are the same" {
	local_image "$REG/test/chunk:1"
	mdig=$(stored_manifest "$REG/test/chunk:1")
	BRIG_PUSH_CHUNK_SIZE=65536 run --separate-stderr brig push "$REG/test/chunk:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${lines[-1]%% size:*}" = "1: digest: $mdig" ] || { echo "$output"; false; }
	run grep -c 'PATCH /v2/test/chunk/blobs/uploads/' "$D/reg/registry.log"
	[ "$output" -ge 3 ] || { echo "PATCH requests: $output"; false; }
	check_pushed test/chunk:1 "$mdig"
	# every blob reads back whole and verified
	run skopeo copy -q --src-cert-dir "$D/reg" "docker://$REG/test/chunk:1" \
		"oci:$BATS_TEST_TMPDIR/back:x"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	BRIG_PUSH_CHUNK_SIZE=0 run --separate-stderr brig push "$REG/test/chunk:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *BRIG_PUSH_CHUNK_SIZE* ]] || { echo "$stderr"; false; }
}

@test "--digestfile gets sha256:...; -q prints only the digest line" {
	local_image "$REG/test/df:2"
	mdig=$(stored_manifest "$REG/test/df:2")
	run --separate-stderr brig push -q --digestfile "$BATS_TEST_TMPDIR/digest" "$REG/test/df:2"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; }
	[[ $output == "2: digest: $mdig size: "* ]] || { echo "$output"; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/digest")" = "$mdig" ] || false
}

@test "Basic auth: a push without credentials is refused; --authfile works" {
	local_image "$REGA/test/auth:1"
	run --separate-stderr brig push "$REGA/test/auth:1"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"credentials"* ]] || { echo "$stderr"; false; }
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGA" "$(printf alice:s3cret | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	run --separate-stderr brig push --authfile "$BATS_TEST_TMPDIR/auth.json" "$REGA/test/auth:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ $output != *s3cret* && $stderr != *s3cret* ]] || false
	run skopeo inspect --raw --cert-dir "$D/rega" --creds alice:s3cret "docker://$REGA/test/auth:1"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$(cat "$ROOT/images/blobs/sha256/$(stored_manifest "$REGA/test/auth:1" | cut -c8-)")" ] || false
}

@test "push: a name not in the store, a digest reference, a damaged blob: one line, exit 1" {
	run --separate-stderr brig push "$REG/test/none:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == "brig: push $REG/test/none:1: "*"no such image"* ]] || { echo "$stderr"; false; }
	local_image "$REG/test/bad:1"
	mdig=$(stored_manifest "$REG/test/bad:1")
	run --separate-stderr brig push "$REG/test/bad:1@$mdig"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"or a digest (NAME@DIGEST), not both"* ]] || { echo "$stderr"; false; }
	# a layer's bytes changed in the store (same size): refused, not pushed
	layer=$(jq -r '.layers[0].digest' "$ROOT/images/blobs/sha256/${mdig#sha256:}")
	f=$ROOT/images/blobs/sha256/${layer#sha256:}
	chmod u+w "$f"
	printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
	run --separate-stderr brig push "$REG/test/bad:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"do not hash to the digest"* ]] || { echo "$stderr"; false; }
	run skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/bad:1"
	[ "$status" -ne 0 ] || false
}

@test "push -a: every tag of the repository in the store, in tag order, and no other" {
	local_image "$REG/test/all:2"
	brig tag "$REG/test/all:2" "$REG/test/all:1"
	brig tag "$REG/test/all:2" "$REG/test/allnot:3"
	mdig=$(stored_manifest "$REG/test/all:2")
	run --separate-stderr brig push -a "$REG/test/all"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	run grep 'digest:' <<<"$output"
	[ "${#lines[@]}" -eq 2 ] || { echo "$output"; false; }
	[[ ${lines[0]} == "1: digest: $mdig size: "* ]] || { echo "$output"; false; }
	[[ ${lines[1]} == "2: digest: $mdig size: "* ]] || { echo "$output"; false; }
	run skopeo list-tags --cert-dir "$D/reg" "docker://$REG/test/all"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -c '.Tags | sort' <<<"$output")" = '["1","2"]' ] || { echo "$output"; false; }
	check_pushed test/all:1 "$mdig"
	run skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/allnot:3"
	[ "$status" -ne 0 ] || { echo "another repository was pushed"; false; }
	# --all-tags with a tag, a digest or --digestfile; a repository without tags
	for bad in "$REG/test/all:1" "$REG/test/all@$mdig"; do
		run --separate-stderr brig push --all-tags "$bad"
		[ "$status" -eq 1 ] || { echo "$bad: $output"; false; }
		[[ $stderr == *"takes no tag or digest"* ]] || { echo "$stderr"; false; }
	done
	run --separate-stderr brig push -a --digestfile "$BATS_TEST_TMPDIR/df" "$REG/test/all"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"not with --all-tags"* ]] || { echo "$stderr"; false; }
	run --separate-stderr brig push -a "$REG/test/none"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"no image named $REG/test/none:TAG"* ]] || { echo "$stderr"; false; }
}

@test "push NAME@DIGEST: the manifest by digest, no tag made; an unknown digest or an image ID: exit 1" {
	local_image "$REG/test/dig:1"
	mdig=$(stored_manifest "$REG/test/dig:1")
	size=$(stat -c %s "$ROOT/images/blobs/sha256/${mdig#sha256:}")
	run --separate-stderr brig push --digestfile "$BATS_TEST_TMPDIR/df" "$REG/test/dig@$mdig"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${lines[-1]}" = "digest: $mdig size: $size" ] || { echo "$output"; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/df")" = "$mdig" ] || false
	run skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/dig@$mdig"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$(cat "$ROOT/images/blobs/sha256/${mdig#sha256:}")" ] || false
	run grep -c "PUT /v2/test/dig/manifests/$mdig" "$D/reg/registry.log"
	[ "$output" -ge 1 ] || { echo "no PUT by digest"; false; }
	run skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/dig:1"
	[ "$status" -ne 0 ] || { echo "a tag was made"; false; }
	run --separate-stderr brig push "$REG/test/dig@sha256:$(printf '0%.0s' {1..64})"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"no such manifest"* ]] || { echo "$stderr"; false; }
	id=$(brig image inspect -f '{{.Id}}' "$REG/test/dig:1")
	run --separate-stderr brig push "$REG/test/dig@$id"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"is an image ID, not the digest of a manifest"* ]] || { echo "$stderr"; false; }
}

@test "brig image push is brig push; --help names the options" {
	run brig image push --help
	[ "$status" -eq 0 ] || false
	[[ $output == *--digestfile* && $output == *--authfile* && $output == *--tls-verify* ]] || false
	[[ $output == *--all-tags* ]] || false
	local_image "$REG/test/sub:1"
	run brig image push -q "$REG/test/sub:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == "1: digest: sha256:"* ]] || false
}

@test "a multi-platform index in the store: each manifest by digest, then the index by tag" {
	brig images >/dev/null
	# skopeo writes the index into brig's store (an OCI layout) under the name
	skopeo copy -q --all "oci:$D/multi:img" "oci:$ROOT/images:$REG/test/multi:1"
	xdig=$(stored_manifest "$REG/test/multi:1")
	xblob=$ROOT/images/blobs/sha256/${xdig#sha256:}
	[ "$(jq -r .mediaType "$xblob")" = application/vnd.oci.image.index.v1+json ] || false
	run --separate-stderr brig push "$REG/test/multi:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ ${lines[-1]} == "1: digest: $xdig size: $(stat -c %s "$xblob")" ]] || { echo "$output"; false; }
	raw=$(skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/multi:1")
	[ "$raw" = "$(cat "$xblob")" ] || { echo "the registry's index differs"; false; }
	for m in $(jq -r '.manifests[].digest' "$xblob"); do
		got=$(skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/multi@$m")
		[ "$got" = "$(cat "$ROOT/images/blobs/sha256/${m#sha256:}")" ] || { echo "manifest $m"; false; }
	done
	# an index whose platform manifest is missing from the store is refused
	brig tag "$REG/test/multi:1" "$REG/test/multi:2"
	other=$(jq -r '.manifests[1].digest' "$xblob")
	rm -f "$ROOT/images/blobs/sha256/${other#sha256:}"
	run --separate-stderr brig push "$REG/test/multi:2"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"$other"*"not in the store"* ]] || { echo "$stderr"; false; }
	run skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/multi:2"
	[ "$status" -ne 0 ] || false
}

@test "an upload's Location on another host gets no Authorization; a relative one does" {
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$BAD" "$(printf u:p | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	local_image "$BAD/push/elsewhere:1"
	: >"$D/bad/upload.log"
	run --separate-stderr brig push --authfile "$BATS_TEST_TMPDIR/auth.json" "$BAD/push/elsewhere:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; cat "$D/bad/upload.log"; false; }
	run grep -cx "localhost noauth" "$D/bad/upload.log"
	[ "$output" -ge 2 ] || false # the config and the layer
	run grep -c " auth$" "$D/bad/upload.log"
	[ "$output" -eq 0 ] || false
	# chunks: every PATCH goes to the Location the last answer gave
	: >"$D/bad/upload.log"
	BRIG_PUSH_CHUNK_SIZE=65536 run brig push --authfile "$BATS_TEST_TMPDIR/auth.json" "$BAD/push/elsewhere:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run grep -cx "localhost noauth" "$D/bad/upload.log"
	[ "$output" -ge 4 ] || false
	run grep -c " auth$" "$D/bad/upload.log"
	[ "$output" -eq 0 ] || false
	# a relative Location is the registry's own: the credentials go along
	brig tag "$BAD/push/elsewhere:1" "$BAD/push/relative:1"
	: >"$D/bad/upload.log"
	run brig push --authfile "$BATS_TEST_TMPDIR/auth.json" "$BAD/push/relative:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run grep -cx "127.0.0.1 auth" "$D/bad/upload.log"
	[ "$output" -ge 2 ] || false
}

@test "a Docker-Content-Digest that is not what was pushed: one line, exit 1" {
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$BAD" "$(printf u:p | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	local_image "$BAD/push/wrongdigest:1"
	run --separate-stderr brig push --authfile "$BATS_TEST_TMPDIR/auth.json" "$BAD/push/wrongdigest:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"Docker-Content-Digest"* ]] || { echo "$stderr"; false; }
}

@test "push: a registry whose CA brig does not trust is refused; --tls-verify=false accepts it" {
	local_image "$REG/test/tls:1"
	printf '{"registry-certs-dir": "%s"}\n' "$BATS_TEST_TMPDIR/no-certs" >"$BATS_TEST_TMPDIR/brig.conf"
	run --separate-stderr "$BRIG" --root "$ROOT" --config "$BATS_TEST_TMPDIR/brig.conf" \
		push "$REG/test/tls:1"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *certificate* ]] || { echo "$stderr"; false; }
	run --separate-stderr "$BRIG" --root "$ROOT" --config "$BATS_TEST_TMPDIR/brig.conf" \
		push --tls-verify=false -q "$REG/test/tls:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ $output == "1: digest: sha256:"* ]] || false
}

@test "Bearer auth: a token for repository:REPO:push,pull from the challenge's realm" {
	local_image "$BAD/push/token:1"
	: >"$D/bad/token.log"
	: >"$D/bad/upload.log"
	run --separate-stderr brig push "$BAD/push/token:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; cat "$D/bad/token.log"; false; }
	run cat "$D/bad/token.log"
	[ "${#lines[@]}" -eq 1 ] || { echo "$output"; false; } # fetched once, then cached
	[[ $output == *"['repository:push/token:push,pull']"* ]] || { echo "$output"; false; }
	run grep -cx "127.0.0.1 auth" "$D/bad/upload.log"
	[ "$output" -ge 2 ] || false
}
