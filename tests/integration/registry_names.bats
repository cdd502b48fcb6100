#!/usr/bin/env bats
# Names and registries.conf (docs/registry.md): aliases, the single default
# registry for short names, mirrors (digest-only by default), blocked and
# insecure (plain http) registries, client certificates from certs.d, and
# brig run/create --pull missing|always|never.  The peers are Debian's
# docker-registry instances started by scripts/registry-test.sh on
# 127.0.0.1.  No request leaves the host: docker.io is blocked in every
# registries.conf written here, and brig runs with an https proxy that is a
# closed port on 127.0.0.1 for every host but 127.0.0.1.

bats_require_minimum_version 1.5.0

load ../lib/registry

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts

# reg_start DIR [registry-test.sh options]: a registry whose CA goes into
# $CERTS; the port is printed.  DIR is listed in $REGS: teardown (or
# teardown_file) stops each one.
reg_start() {
	local dir=$1
	shift
	"$SCRIPTS/registry-test.sh" start "$dir" "$@" >/dev/null || return 1
	echo "$dir" >>"$REGS"
	local p
	p=$(cat "$dir/port")
	mkdir -p "$CERTS/127.0.0.1:$p"
	cp "$dir/ca.crt" "$CERTS/127.0.0.1:$p/ca.crt"
	echo "$p"
}

# copy_to DIR NAME:TAG [IMG]: skopeo copies the test image (IMG: a or b)
# into the registry of DIR.
copy_to() {
	local img=${3:-a}
	skopeo copy -q --dest-cert-dir "$1" "oci-archive:$D/img-$img.tar" \
		"docker://127.0.0.1:$(cat "$1/port")/$2" >/dev/null
}

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	# two images: b differs from a by ENV MARK=b
	"$brig" --root "$d/src" import --change 'CMD ["sh"]' "$d/rootfs.tar" localhost/bb:a \
		>/dev/null
	"$brig" --root "$d/src" import --change 'CMD ["sh"]' --change 'ENV MARK=b' \
		"$d/rootfs.tar" localhost/bb:b >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img-a.tar" localhost/bb:a
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img-b.tar" localhost/bb:b
	rm -rf "$d/src" "$d/rootfs.tar"
	CERTS=$d/certs D=$d REGS=$d/regs
	mkdir -p "$CERTS"
	reg_start "$d/reg" >/dev/null
	copy_to "$d/reg" test/img:1
	copy_to "$d/reg" test/img:2
}

teardown_file() {
	local r
	[ -f "$BATS_FILE_TMPDIR/regs" ] || return 0
	while read -r r; do "$SCRIPTS/registry-test.sh" stop "$r" || true; done \
		<"$BATS_FILE_TMPDIR/regs"
}

setup() {
	registry_needs
	D=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
	REGS=$T/regs
	ROOT=$T/root
	CERTS=$T/certs
	cp -a "$D/certs" "$CERTS"
	REG=127.0.0.1:$(cat "$D/reg/port")
	CONF=$T/brig.conf
	printf '{"registry-certs-dir": "%s"}\n' "$CERTS" >"$CONF"
	export BRIG_REGISTRIES_CONF=$T/registries.conf
	regconf ""
}

teardown() {
	local r
	[ -f "$BATS_TEST_TMPDIR/regs" ] || return 0
	while read -r r; do "$SCRIPTS/registry-test.sh" stop "$r" || true; done \
		<"$BATS_TEST_TMPDIR/regs"
}

# regconf TEXT: the test's registries.conf: TEXT, then docker.io blocked.
regconf() {
	printf '%s\n[[registry]]\nprefix = "docker.io"\nblocked = true\n' "$1" \
		>"$BRIG_REGISTRIES_CONF"
}

# Any host but 127.0.0.1 would go through a proxy that is a closed port.
brig() {
	env https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
		http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
		no_proxy=127.0.0.1 NO_PROXY=127.0.0.1 \
		timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$CONF" "$@"
}

manifest_digest() { # DIR NAME:TAG
	local raw
	raw=$(skopeo inspect --raw --cert-dir "$1" "docker://127.0.0.1:$(cat "$1/port")/$2")
	echo "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)"
}

@test "an alias resolves a short name to the local registry (pull and run)" {
	regconf "[aliases]
\"myimg\" = \"$REG/test/img\""
	run --separate-stderr brig pull myimg:1
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	mdig=$(manifest_digest "$D/reg" test/img:1)
	[ "${lines[-1]}" = "$REG/test/img@$mdig" ] || { echo "last line: ${lines[-1]}"; false; }
	run brig image inspect -f '{{.Id}}' "$REG/test/img:1"
	[ "$status" -eq 0 ] || false
	# run resolves the alias the same way (and finds it present)
	run --separate-stderr brig run --rm myimg:1 sh -c 'echo via alias'
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "$output" = "via alias" ] || false
	[[ $stderr != *"Unable to find"* ]] || { echo "$stderr"; false; }
}

@test "a short name without an alias is docker.io/library/NAME, never searched elsewhere" {
	regconf "unqualified-search-registries = [\"$REG\", \"docker.io\"]"
	# an image of that name exists on the listed registry; brig must not use it
	run --separate-stderr brig pull test/img:1
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	[[ $stderr == *"docker.io/test/img is blocked by $BRIG_REGISTRIES_CONF"* ]] || {
		echo "$stderr"
		false
	}
	run --separate-stderr brig pull busybox
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"docker.io/library/busybox is blocked"* ]] || { echo "$stderr"; false; }
	# the listed search registries are ignored, and said so once
	n=$(grep -c "unqualified-search-registries: brig ignores these" <<<"$stderr")
	[ "$n" -eq 1 ] || { echo "$stderr"; false; }
	run brig images -q
	[ -z "$output" ] || false
}

@test "a blocked registry is refused with one line, before any request (engine config registries-conf)" {
	unset BRIG_REGISTRIES_CONF
	printf '[[registry]]\nlocation = "%s"\nblocked = true\n' "$REG" >"$T/blocked.conf"
	printf '{"registry-certs-dir": "%s", "registries-conf": "%s"}\n' "$CERTS" \
		"$T/blocked.conf" >"$CONF"
	before=$(grep -c '"GET /v2/' "$D/reg/registry.log" || true)
	run --separate-stderr brig pull "$REG/test/img:1"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[ "$stderr" = "brig: pull $REG/test/img:1: $REG/test/img is blocked by $T/blocked.conf ([[registry]] prefix \"$REG\")" ] || {
		echo "$stderr"
		false
	}
	after=$(grep -c '"GET /v2/' "$D/reg/registry.log" || true)
	[ "$before" = "$after" ] || { echo "requests were made: $before -> $after"; false; }
	# run --pull=missing is refused the same way
	run --separate-stderr brig run --rm "$REG/test/img:1" true
	[ "$status" -eq 125 ] || false
	[[ $stderr == *"is blocked by"* ]] || false
}

@test "a mirror serves a pull by digest while the registry is down; a tag is not taken from it (digest-only)" {
	pp=$(reg_start "$T/primary")
	mp=$(reg_start "$T/mirror")
	copy_to "$T/primary" test/img:1
	copy_to "$T/mirror" mirrorns/test/img:1
	mdig=$(manifest_digest "$T/primary" test/img:1)
	"$SCRIPTS/registry-test.sh" stop "$T/primary"
	# the first mirror is a closed port: its failure is a note, the next one serves
	regconf "[[registry]]
location = \"127.0.0.1:$pp\"
[[registry.mirror]]
location = \"127.0.0.1:9/broken\"
[[registry.mirror]]
location = \"127.0.0.1:$mp/mirrorns\""
	run --separate-stderr brig pull "127.0.0.1:$pp/test/img@$mdig"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "${lines[-1]}" = "127.0.0.1:$pp/test/img@$mdig" ] || { echo "${lines[-1]}"; false; }
	[[ $stderr == *"mirror 127.0.0.1:9/broken: "*"trying the next source"* ]] || {
		echo "$stderr"
		false
	}
	# named as asked; Brig.Source names the mirror
	run brig image inspect "127.0.0.1:$pp/test/img@$mdig"
	[ "$status" -eq 0 ] || false
	src=$(jq -c '.[0].Brig.Source | [.Registry, .Repository, .Digest, .Mirror]' <<<"$output")
	[ "$src" = "[\"127.0.0.1:$pp\",\"test/img\",\"$mdig\",\"127.0.0.1:$mp/mirrorns/test/img\"]" ] || {
		echo "$src"
		false
	}
	# by tag the mirror is not asked (digest-only): the registry is down
	run --separate-stderr brig pull "127.0.0.1:$pp/test/img:1"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	[[ $stderr == *"127.0.0.1:$pp"* ]] || false
	[[ $stderr != *"mirror"* ]] || { echo "$stderr"; false; }
	# with pull-from-mirror = "all" the same tag comes from the mirror
	regconf "[[registry]]
location = \"127.0.0.1:$pp\"
[[registry.mirror]]
location = \"127.0.0.1:$mp/mirrorns\"
pull-from-mirror = \"all\""
	run --separate-stderr brig pull "127.0.0.1:$pp/test/img:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
}

@test "a plain-http registry works only when registries.conf marks it insecure" {
	pl=$(reg_start "$T/plain" --plain-http)
	skopeo copy -q --dest-tls-verify=false "oci-archive:$D/img-a.tar" \
		"docker://127.0.0.1:$pl/test/img:1" >/dev/null
	run --separate-stderr brig pull "127.0.0.1:$pl/test/img:1"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	# --tls-verify=false is not enough: it does not allow plain http
	run --separate-stderr brig pull --tls-verify=false "127.0.0.1:$pl/test/img:1"
	[ "$status" -eq 1 ] || false
	regconf "[[registry]]
location = \"127.0.0.1:$pl\"
insecure = true"
	run --separate-stderr brig pull "127.0.0.1:$pl/test/img:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ ${lines[-1]} == "127.0.0.1:$pl/test/img@sha256:"* ]] || false
}

@test "insecure = true also accepts a TLS certificate brig cannot verify" {
	rm -rf "$CERTS/$REG"
	run --separate-stderr brig pull "$REG/test/img:1"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	regconf "[[registry]]
location = \"$REG\"
insecure = true"
	run --separate-stderr brig pull "$REG/test/img:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
}

@test "a registry requiring client certificates: certs.d client.cert + client.key" {
	cp=$(reg_start "$T/cc" --client-certs)
	mkdir -p "$T/skopeo-certs"
	cp "$T/cc/ca.crt" "$T/cc/client/client.cert" "$T/cc/client/client.key" "$T/skopeo-certs/"
	skopeo copy -q --dest-cert-dir "$T/skopeo-certs" "oci-archive:$D/img-a.tar" \
		"docker://127.0.0.1:$cp/test/img:1" >/dev/null
	run --separate-stderr brig pull "127.0.0.1:$cp/test/img:1"
	[ "$status" -eq 1 ] || { echo "$output $stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	# a certificate without its key is an error that says so
	cp "$T/cc/client/client.cert" "$CERTS/127.0.0.1:$cp/"
	run --separate-stderr brig pull "127.0.0.1:$cp/test/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"client.cert: found without client.key"* ]] || { echo "$stderr"; false; }
	cp "$T/cc/client/client.key" "$CERTS/127.0.0.1:$cp/"
	run --separate-stderr brig pull "127.0.0.1:$cp/test/img:1"
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
}

@test "run --pull=missing pulls then runs; a second run pulls nothing; create too" {
	run --separate-stderr brig run --rm "$REG/test/img:1" sh -c 'echo ran'
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "$output" = "ran" ] || false
	[[ $stderr == *"Unable to find image '$REG/test/img:1' locally"* ]] || false
	[[ $stderr == *": Pull complete"* ]] || false
	[[ $stderr == *"$REG/test/img@sha256:"* ]] || false
	run --separate-stderr brig run --rm "$REG/test/img:1" sh -c 'echo again'
	[ "$status" -eq 0 ] || false
	[ "$output" = "again" ] || false
	[ -z "$stderr" ] || { echo "$stderr"; false; }
	run --separate-stderr brig create --pull=missing "$REG/test/img:2" true
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[[ $output =~ ^[0-9a-f]{64}$ ]] || false
	[[ $stderr == *"Unable to find image '$REG/test/img:2' locally"* ]] || false
	run brig rm "$output"
	[ "$status" -eq 0 ] || false
}

@test "run --pull=never fails with Docker's message when the image is absent" {
	run --separate-stderr brig run --rm --pull=never "$REG/test/img:1" true
	[ "$status" -eq 125 ] || { echo "$output $stderr"; false; }
	[ "$stderr" = "brig: No such image: $REG/test/img:1" ] || { echo "$stderr"; false; }
	run brig images -q
	[ -z "$output" ] || false
	run brig run --rm --pull=bogus "$REG/test/img:1" true
	[ "$status" -eq 125 ] || false
	[[ $output == *'--pull: "bogus": expected missing, always or never'* ]] || false
}

@test "run --pull=always pulls again: a tag moved on the registry is seen" {
	reg2=$(reg_start "$T/moving")
	copy_to "$T/moving" test/img:m a
	name=127.0.0.1:$reg2/test/img:m
	run --separate-stderr brig run --rm "$name" sh -c 'echo "m=$MARK"'
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "$output" = "m=" ] || false
	copy_to "$T/moving" test/img:m b
	run --separate-stderr brig run --rm "$name" sh -c 'echo "m=$MARK"'
	[ "$output" = "m=" ] || { echo "missing kept the old image: $output"; false; }
	run --separate-stderr brig run --rm --pull=always "$name" sh -c 'echo "m=$MARK"'
	[ "$status" -eq 0 ] || { echo "$output $stderr"; false; }
	[ "$output" = "m=b" ] || { echo "$output"; false; }
	[[ $stderr != *"Unable to find"* ]] || false
	[[ $stderr == *"127.0.0.1:$reg2/test/img@sha256:"* ]] || false
}
