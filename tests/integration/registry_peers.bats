#!/usr/bin/env bats
# brig pull of what real peers put into Debian's docker-registry (started
# by scripts/registry-test.sh on 127.0.0.1): two tags skopeo copied there
# (pull -a), a multi-platform OCI index made with `podman manifest
# create/add/push --all` (podman with its own temporary root, images made
# offline with `podman import --arch`), and a Docker schema 2 manifest list
# made from it by `skopeo copy --all --format v2s2`.  The image for the
# other platform is pulled, never run.  See docs/registry.md.

bats_require_minimum_version 1.5.0

load ../lib/registry

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts

host_arch() {
	case $(uname -m) in
	x86_64) echo amd64 ;;
	aarch64) echo arm64 ;;
	*) uname -m ;;
	esac
}

# podman_images D PORT: the index test/pm:1 (podman) and the list
# test/list:1 (skopeo); on failure D/podman.skip says why.
podman_images() {
	local d=$1 p=$2 host other pm
	host=$(host_arch)
	other=arm64
	[ "$host" != arm64 ] || other=amd64
	echo "$other" >"$d/other-arch"
	pm=(podman --root "$d/podman/root" --runroot "$d/podman/run" --storage-driver vfs
		--events-backend none)
	mkdir -p "$d/small"
	echo "an image for $other" >"$d/small/hello"
	tar -C "$d/small" --numeric-owner -cf "$d/small.tar" .
	if ! "${pm[@]}" import -q --arch "$host" "$d/rootfs.tar" localhost/pm:host >"$d/podman.log" 2>&1 ||
		! "${pm[@]}" import -q --arch "$other" "$d/small.tar" localhost/pm:other >>"$d/podman.log" 2>&1 ||
		! "${pm[@]}" manifest create localhost/pm:multi >>"$d/podman.log" 2>&1 ||
		! "${pm[@]}" manifest add localhost/pm:multi containers-storage:localhost/pm:host >>"$d/podman.log" 2>&1 ||
		! "${pm[@]}" manifest add localhost/pm:multi containers-storage:localhost/pm:other >>"$d/podman.log" 2>&1 ||
		! "${pm[@]}" manifest push -q --all --format oci --cert-dir "$d/reg" localhost/pm:multi \
			"docker://127.0.0.1:$p/test/pm:1" >>"$d/podman.log" 2>&1; then
		echo "podman could not make and push the index: $(tail -1 "$d/podman.log")" >"$d/podman.skip"
		return 0
	fi
	skopeo copy -q --all --format v2s2 --src-cert-dir "$d/reg" --dest-cert-dir "$d/reg" \
		"docker://127.0.0.1:$p/test/pm:1" "docker://127.0.0.1:$p/test/list:1" >/dev/null
}

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig p t
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	p=$(cat "$d/reg/port")
	# two tags of two images (their configs differ in CMD)
	for t in a b; do
		"$brig" --root "$d/src" import --change "CMD [\"echo\", \"$t\"]" "$d/rootfs.tar" \
			"localhost/bb:$t" >/dev/null
		"$brig" --root "$d/src" save --format oci-archive -o "$d/$t.tar" "localhost/bb:$t"
		skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/$t.tar" \
			"docker://127.0.0.1:$p/test/tags:$t" >/dev/null
	done
	if command -v podman >/dev/null; then
		podman_images "$d" "$p"
	else
		echo "podman is not installed" >"$d/podman.skip"
	fi
	mkdir -p "$d/certs/127.0.0.1:$p"
	cp "$d/reg/ca.crt" "$d/certs/127.0.0.1:$p/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
}

teardown_file() {
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
}

setup() {
	registry_needs
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	CONF=$D/brig.conf
	REG=127.0.0.1:$(cat "$D/reg/port")
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$CONF" "$@"; }

raw() { skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/$1"; }

@test "pull -a: both tags skopeo copied, with skopeo's config digests" {
	run --separate-stderr brig pull -a "$REG/test/tags"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run grep -c ": Pulling from $REG/test/tags\$" <<<"$output"
	[ "$output" -eq 2 ] || false
	for t in a b; do
		cfg=$(raw "test/tags:$t" | jq -r .config.digest)
		run brig image inspect -f '{{.Id}}' "$REG/test/tags:$t"
		[ "$output" = "$cfg" ] || { echo "$t: $output, skopeo says $cfg"; false; }
	done
	run brig run --rm "$REG/test/tags:b"
	[ "$output" = b ] || { echo "$output"; false; }
}

# pull_both NAME MEDIATYPE: the host's manifest by default, the other
# platform's with --platform linux/OTHER, each recorded with the list's
# digest and named by the platform manifest's digest.
pull_both() {
	local raw xdig host other mt hdig odig
	raw=$(raw "$1")
	xdig=sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
	mt=$(jq -r .mediaType <<<"$raw")
	[ "$mt" = "$2" ] || { echo "the registry holds a $mt"; return 1; }
	host=$(host_arch)
	other=$(cat "$D/other-arch")
	hdig=$(jq -r --arg a "$host" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$raw")
	odig=$(jq -r --arg a "$other" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$raw")
	run brig pull -q "$REG/$1"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$output" = "$REG/${1%:*}@$xdig" ] || { echo "$output"; return 1; }
	run brig image inspect "$REG/$1"
	[ "$(jq -r '.[0].Architecture' <<<"$output")" = "$host" ] || { echo "$output"; return 1; }
	[ "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" = "$REG/${1%:*}@$hdig" ] || { echo "$output"; return 1; }
	[ "$(jq -r '.[0].Brig.Source.Digest' <<<"$output")" = "$xdig" ] || return 1
	run brig run --rm "$REG/$1" echo ran
	[ "$output" = ran ] || { echo "run: $output"; return 1; }
	run brig pull -q --platform "linux/$other" "$REG/$1"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	run brig image inspect "$REG/$1"
	[ "$(jq -r '.[0].Architecture' <<<"$output")" = "$other" ] || { echo "$output"; return 1; }
	[ "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" = "$REG/${1%:*}@$odig" ] || { echo "$output"; return 1; }
	run brig system check
	[[ $output == consistent* ]] || { echo "$output"; return 1; }
}

@test "an OCI index made by podman manifest create/add/push --all: the host's image, and linux/arm64" {
	[ ! -s "$D/podman.skip" ] || skip "$(cat "$D/podman.skip")"
	pull_both test/pm:1 application/vnd.oci.image.index.v1+json || false
}

@test "a Docker manifest list (skopeo copy --all --format v2s2): the host's image, and the other" {
	[ ! -s "$D/podman.skip" ] || skip "$(cat "$D/podman.skip") (the list is made from its index)"
	pull_both test/list:1 application/vnd.docker.distribution.manifest.list.v2+json || false
}
