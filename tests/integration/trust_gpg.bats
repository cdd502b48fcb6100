#!/usr/bin/env bats
# GPG simple signing in a lookaside store (issue 11), both ways with the
# real peers: skopeo copy --sign-by writes signatures that brig trust
# verify accepts, and brig trust sign --sign-by writes signatures that
# skopeo copy and podman pull accept under a signedBy policy.  Images live
# in Debian's docker-registry on 127.0.0.1 (TLS); the lookaside is named
# in a registries.d YAML.  Refusals: another key, another digest, a
# docker-reference the identity rule does not accept, tampered bytes.
# See docs/trust-gpg.md.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts

load ../lib/registry
load ../lib/httpd

# newkey DIR: a throwaway ed25519 signing key in GNUPGHOME DIR; prints
# its fingerprint and exports its public key to DIR.pub.
newkey() {
	mkdir -m 700 "$1"
	GNUPGHOME=$1 gpg --batch -q --passphrase '' --quick-gen-key "brig test $2 <$2@example.invalid>" \
		ed25519 sign never 2>/dev/null
	GNUPGHOME=$1 gpg --list-keys --with-colons | awk -F: '/^fpr/ { print $10; exit }'
	GNUPGHOME=$1 gpg --export >"$1.pub"
}

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	command -v gpg >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig h
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$brig" --root "$d/src" import "$d/rootfs.tar" localhost/bb:1 >/dev/null
	"$brig" --root "$d/src" import --change 'CMD ["other"]' "$d/rootfs.tar" localhost/bb:2 >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img.tar" localhost/bb:1
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img2.tar" localhost/bb:2
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	h=127.0.0.1:$(cat "$d/reg/port")
	mkdir -p "$d/certs/$h" "$d/rd" "$d/sigs"
	cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
	printf 'docker:\n  "%s":\n    lookaside: file://%s\n    lookaside-staging: file://%s\n' \
		"$h" "$d/sigs" "$d/sigs" >"$d/rd/test.yaml"
	newkey "$d/gpg-a" a >"$d/fpr-a"
	newkey "$d/gpg-b" b >"$d/fpr-b"
	# key c has a passphrase
	mkdir -m 700 "$d/gpg-c"
	GNUPGHOME=$d/gpg-c gpg --batch -q --pinentry-mode loopback --passphrase s3cret \
		--quick-gen-key 'brig test c <c@example.invalid>' ed25519 sign never 2>/dev/null
	GNUPGHOME=$d/gpg-c gpg --list-keys --with-colons | awk -F: '/^fpr/ { print $10; exit }' >"$d/fpr-c"
	GNUPGHOME=$d/gpg-c gpg --export >"$d/gpg-c.pub"
	# skopeo signs signed/img:1 with key a
	GNUPGHOME=$d/gpg-a skopeo copy -q --registries.d "$d/rd" --dest-cert-dir "$d/reg" \
		--sign-by "$(cat "$d/fpr-a")" "oci-archive:$d/img.tar" "docker://$h/signed/img:1" >/dev/null
	local name
	for name in bsigned/img mirror/img other-key/img tampered/img pass/img; do
		skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/img.tar" \
			"docker://$h/$name:1" >/dev/null
	done
	skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/img2.tar" \
		"docker://$h/other/img:1" >/dev/null
	skopeo inspect --cert-dir "$d/reg" --format '{{.Digest}}' "docker://$h/signed/img:1" >"$d/digest"
	skopeo inspect --cert-dir "$d/reg" --format '{{.Digest}}' "docker://$h/other/img:1" >"$d/digest2"
}

teardown_file() {
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
	local k
	for k in gpg-a gpg-b gpg-c; do
		if [ -d "$BATS_FILE_TMPDIR/$k" ]; then
			GNUPGHOME=$BATS_FILE_TMPDIR/$k gpgconf --kill gpg-agent || true
		fi
	done
}

setup() {
	registry_needs
	command -v gpg >/dev/null || skip "gpg is not installed"
	command -v jq >/dev/null || skip "jq is not installed"
	D=$BATS_FILE_TMPDIR
	H=127.0.0.1:$(cat "$D/reg/port")
	DIG=$(cat "$D/digest")
	[[ $DIG == sha256:* ]] || skip "no digest of the test image (setup_file failed)"
	FPR_A=$(cat "$D/fpr-a")
	FPR_B=$(cat "$D/fpr-b")
	# brig's throwaway keyrings go here; the user's keyring is an empty one
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	mkdir -m 700 "$BATS_TEST_TMPDIR/user-gnupg"
	export GNUPGHOME=$BATS_TEST_TMPDIR/user-gnupg
	cd "$BATS_TEST_TMPDIR" || false
}

teardown() {
	if [ -n "${HTTPD_PID:-}" ] && tr '\0' ' ' <"/proc/$HTTPD_PID/cmdline" 2>/dev/null |
		grep -q -e http.server -e static_https.py; then
		kill "$HTTPD_PID" || true
	fi
}

brig() {
	timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --config "$D/brig.conf" "$@"
}

# policy FILE [IDENTITY]: a signedBy policy for key a (signedIdentity
# IDENTITY when given).
policy() {
	local id=""
	[ -z "${2:-}" ] || id=",\"signedIdentity\":$2"
	printf '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"%s}]}\n' \
		"$D/gpg-a.pub" "$id" >"$1"
}

# sigdir NAME [DIGEST]: the lookaside directory of NAME's signatures.
sigdir() {
	local dg=${2:-$DIG}
	echo "$D/sigs/$1@${dg/:/=}"
}

# skopeo_pull POLICY NAME: skopeo copies NAME:1 out under POLICY.
skopeo_pull() {
	skopeo --policy "$1" --registries.d "$D/rd" copy -q --remove-signatures \
		--src-cert-dir "$D/reg" "docker://$H/$2:1" "oci:$BATS_TEST_TMPDIR/oci-$RANDOM:x"
}

# no_keyring_left: brig removed its throwaway GNUPGHOME, started no agent
# that outlives it, and wrote nothing into the user's keyring.
no_keyring_left() {
	local left
	left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 | head -3)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	left=$(find "$GNUPGHOME" -mindepth 1 | head -3)
	[ -z "$left" ] || { echo "the user's keyring was touched: $left"; return 1; }
	if pgrep -f "gpg-agent --homedir $TMPDIR" >/dev/null; then
		echo "a gpg-agent for brig's keyring is still running"
		return 1
	fi
}

@test "trust gpg: skopeo's --sign-by signature is verified by brig (--gpg-key and --signature-policy)" {
	run --separate-stderr brig trust verify --registries-d "$D/rd" --gpg-key "$D/gpg-a.pub" \
		"$H/signed/img:1"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	[ "$output" = "Verified $H/signed/img:1@$DIG: signed by GPG key $FPR_A, docker-reference $H/signed/img:1" ] || false
	policy p.json
	run --separate-stderr brig trust verify --format json --registries-d "$D/rd" \
		--signature-policy p.json "$H/signed/img:1"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.Verified) \(.Key) \(.Digest) \(.Signatures|length)"' <<<"$output"
	[ "$output" = "true $FPR_A $DIG 1" ] || false
	# BRIG_REGISTRIES_D names the directory too; by digest needs no registry
	BRIG_REGISTRIES_D=$D/rd run --separate-stderr "$BRIG" trust verify \
		--gpg-key "$D/gpg-a.pub" "$H/signed/img@$DIG"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	run no_keyring_left
	echo "$output"
	[ "$status" -eq 0 ] || false
}

@test "trust gpg: brig trust sign --sign-by writes a signature skopeo accepts under signedBy" {
	# unsigned: skopeo refuses, brig too
	policy p.json
	run skopeo_pull p.json bsigned/img
	echo "$output"
	[ "$status" -ne 0 ] || false
	[[ $output == *"no signature exists"* ]] || false
	run --separate-stderr brig trust verify --registries-d "$D/rd" --signature-policy p.json \
		"$H/bsigned/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"not verified: scope default: requirement 1 (signedBy) not met: no GPG signature exists"* ]] || false
	GNUPGHOME=$D/gpg-a run --separate-stderr brig trust sign --registries-d "$D/rd" \
		--sign-by "$FPR_A" "$H/bsigned/img:1"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	[ "$output" = "Signed $H/bsigned/img:1@$DIG: $(sigdir bsigned/img)/signature-1" ] || false
	run skopeo_pull p.json bsigned/img
	echo "$output"
	[ "$status" -eq 0 ] || false
	# the payload is the atomic signature skopeo writes
	run bash -c "GNUPGHOME='$D/gpg-a' gpg --batch -q --decrypt '$(sigdir bsigned/img)/signature-1' 2>/dev/null"
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.critical.type)|\(.critical.identity["docker-reference"])|\(.critical.image["docker-manifest-digest"])|\(.optional.creator)"' <<<"$output"
	[ "$output" = "atomic container signature|$H/bsigned/img:1|$DIG|brig 0.1.0" ] || false
	# signing again adds nothing new: an identical signature is not duplicated,
	# a second one (a new timestamp) is signature-2
	GNUPGHOME=$D/gpg-a run --separate-stderr brig trust sign --registries-d "$D/rd" \
		--sign-by "$FPR_A" "$H/bsigned/img:1"
	[ "$status" -eq 0 ] || false
	[[ $output == *"/signature-"[12] ]] || false
	run --separate-stderr brig trust verify --registries-d "$D/rd" --signature-policy p.json \
		"$H/bsigned/img:1"
	[ "$status" -eq 0 ] || false
}

@test "trust gpg: brig push --sign-by signs what it pushed into the lookaside; skopeo accepts it; a key not in the keyring stops the push first" {
	local root=$BATS_TEST_TMPDIR/root dig
	brig --root "$root" import "$D/rootfs.tar" "$H/pushsigned/img:1" >/dev/null
	# no such secret key: refused before anything is uploaded
	GNUPGHOME=$D/gpg-a run --separate-stderr brig --root "$root" push --registries-d "$D/rd" \
		--sign-by 0123456789ABCDEF0123456789ABCDEF01234567 "$H/pushsigned/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"--sign-by: GPG key 0123456789ABCDEF0123456789ABCDEF01234567: no secret key in the keyring"* ]] || { echo "$stderr"; false; }
	run skopeo inspect --cert-dir "$D/reg" "docker://$H/pushsigned/img:1"
	[ "$status" -ne 0 ] || { echo "the image was pushed"; false; }
	GNUPGHOME=$D/gpg-a run --separate-stderr brig --root "$root" push --registries-d "$D/rd" \
		--sign-by "$FPR_A" --digestfile dig "$H/pushsigned/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	dig=$(cat dig)
	[[ $output == *"Signed $H/pushsigned/img:1@$dig: $(sigdir pushsigned/img "$dig")/signature-1"* ]] || { echo "$output"; false; }
	policy p.json
	run skopeo_pull p.json pushsigned/img
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run --separate-stderr brig trust verify --registries-d "$D/rd" --signature-policy p.json \
		"$H/pushsigned/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "trust gpg: podman pull accepts brig's signature under a signedBy policy" {
	command -v podman >/dev/null || skip "podman is not installed"
	command -v unshare >/dev/null || skip "unshare is not available"
	[ -f "$(sigdir bsigned/img)/signature-1" ] ||
		GNUPGHOME=$D/gpg-a brig trust sign --registries-d "$D/rd" --sign-by "$FPR_A" \
			"$H/bsigned/img:1"
	policy p.json
	# podman reads /etc/containers/registries.d only: a private mount
	# namespace shows it a copy of /etc/containers holding the test's.
	local etc=$BATS_TEST_TMPDIR/etc-containers pm=$BATS_TEST_TMPDIR/pm
	mkdir -p "$etc" "$pm/tmp"
	if [ -d /etc/containers ]; then cp -a /etc/containers/. "$etc/"; fi
	rm -rf "$etc/registries.d"
	cp -r "$D/rd" "$etc/registries.d"
	podman_pull() {
		unshare -m sh -c 'mount --bind "$0" /etc/containers && exec "$@"' "$etc" \
			podman --root "$pm/root" --runroot "$pm/run" --tmpdir "$pm/tmp" \
			--storage-driver vfs --cgroup-manager cgroupfs --events-backend none \
			pull -q --signature-policy p.json --cert-dir "$D/reg" "docker://$H/$1:1"
	}
	run podman_pull bsigned/img
	echo "$output"
	[ "$status" -eq 0 ] || false
	# and refuses an unsigned one, so the policy was in force
	run podman_pull other/img
	echo "$output"
	[ "$status" -ne 0 ] || false
	[[ $output == *"no signature exists"* ]] || false
}

@test "trust gpg: a key with a passphrase signs with BRIG_PASSPHRASE; a wrong one is refused" {
	local fpr
	fpr=$(cat "$D/fpr-c")
	GNUPGHOME=$D/gpg-c BRIG_PASSPHRASE=wrong run --separate-stderr brig trust sign \
		--registries-d "$D/rd" --sign-by "$fpr" "$H/pass/img:1"
	echo "$output $stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signing with GPG key $fpr: "* ]] || false
	[ ! -e "$(sigdir pass/img)/signature-1" ] || false
	GNUPGHOME=$D/gpg-c BRIG_PASSPHRASE=s3cret run --separate-stderr brig trust sign \
		--registries-d "$D/rd" --sign-by "$fpr" "$H/pass/img:1"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig trust verify --registries-d "$D/rd" --gpg-key "$D/gpg-c.pub" \
		"$H/pass/img:1"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	# no such secret key
	GNUPGHOME=$D/gpg-c run --separate-stderr brig trust sign --registries-d "$D/rd" \
		--sign-by "$FPR_A" "$H/pass/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"GPG key $FPR_A: no secret key in the keyring"* ]] || false
}

@test "trust gpg: a signature by another key is refused, naming the key" {
	GNUPGHOME=$D/gpg-b run --separate-stderr brig trust sign --registries-d "$D/rd" \
		--sign-by "$FPR_B" "$H/other-key/img:1"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	policy p.json
	run --separate-stderr brig trust verify --registries-d "$D/rd" --signature-policy p.json \
		"$H/other-key/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signature 1: signed by key $FPR_B, which the policy does not name"* ]] || false
	run skopeo_pull p.json other-key/img
	[ "$status" -ne 0 ] || false
	# key b's own policy accepts it
	run --separate-stderr brig trust verify --registries-d "$D/rd" --gpg-key "$D/gpg-b.pub" \
		"$H/other-key/img:1"
	[ "$status" -eq 0 ] || false
	run no_keyring_left
	echo "$output"
	[ "$status" -eq 0 ] || false
}

@test "trust gpg: a signature for another digest is refused" {
	local dg2 dir
	dg2=$(cat "$D/digest2")
	dir=$(sigdir other/img "$dg2")
	mkdir -p "$dir"
	cp "$(sigdir signed/img)/signature-1" "$dir/signature-1"
	policy p.json '{"type":"matchRepository"}'
	run --separate-stderr brig trust verify --registries-d "$D/rd" --signature-policy p.json \
		"$H/other/img:1"
	echo "$stderr"
	rm -rf "$dir"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signature 1: signed for another digest ($DIG)"* ]] || false
}

@test "trust gpg: a docker-reference the identity rule does not accept is refused; remapIdentity accepts it" {
	local dir
	dir=$(sigdir mirror/img)
	mkdir -p "$dir"
	cp "$(sigdir signed/img)/signature-1" "$dir/signature-1"
	policy p.json
	run --separate-stderr brig trust verify --registries-d "$D/rd" --signature-policy p.json \
		"$H/mirror/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"signature 1: its docker-reference $H/signed/img:1 is not accepted by signedIdentity matchRepoDigestOrExact"* ]] || false
	run skopeo_pull p.json mirror/img
	[ "$status" -ne 0 ] || false
	policy remap.json "{\"type\":\"remapIdentity\",\"prefix\":\"$H/mirror\",\"signedPrefix\":\"$H/signed\"}"
	run --separate-stderr brig trust verify --registries-d "$D/rd" --signature-policy remap.json \
		"$H/mirror/img:1"
	echo "$stderr"
	[ "$status" -eq 0 ] || false
	run skopeo_pull remap.json mirror/img
	[ "$status" -eq 0 ] || false
}

@test "trust gpg: tampered signature bytes are refused" {
	local dir src size
	dir=$(sigdir tampered/img)
	src=$(sigdir signed/img)/signature-1
	mkdir -p "$dir"
	policy p.json '{"type":"matchRepository"}'
	size=$(stat -c %s "$src")
	# one byte of the signature packet at the end, then one in the middle
	local at
	for at in $((size - 3)) $((size / 2)); do
		cp "$src" "$dir/signature-1"
		printf '\x5a' | dd of="$dir/signature-1" bs=1 seek="$at" conv=notrunc 2>/dev/null
		cmp -s "$src" "$dir/signature-1" && printf '\xa5' |
			dd of="$dir/signature-1" bs=1 seek="$at" conv=notrunc 2>/dev/null
		run --separate-stderr brig trust verify --registries-d "$D/rd" \
			--signature-policy p.json "$H/tampered/img:1"
		echo "byte $at: $stderr"
		[ "$status" -eq 1 ] || false
		[[ $stderr == *"not verified: "*"signature 1: "* ]] || false
	done
	run no_keyring_left
	echo "$output"
	[ "$status" -eq 0 ] || false
}

@test "trust gpg: the lookaside over http on 127.0.0.1" {
	httpd "$D/sigs" || false
	local port=$PORT
	mkdir -p rd
	printf 'default-docker:\n  lookaside: http://127.0.0.1:%s\n' "$port" >rd/web.yaml
	# make check's dead proxy, with loopback exempt
	http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy=127.0.0.1,localhost,::1 \
		run --separate-stderr brig trust verify --registries-d rd --gpg-key "$D/gpg-a.pub" \
		"$H/signed/img:1"
	echo "$output $stderr"
	[ "$status" -eq 0 ] || false
	[[ $output == "Verified $H/signed/img:1@$DIG: signed by GPG key $FPR_A"* ]] || false
}

@test "trust gpg: the lookaside over https on 127.0.0.1, its CA from the registries' certs.d" {
	python3 "$BATS_TEST_DIRNAME/../lib/static_https.py" "$D/sigs" "$D/reg/tls/server.crt" \
		"$D/reg/tls/server.key" "$BATS_TEST_TMPDIR/https.port" >"$BATS_TEST_TMPDIR/https.log" 2>&1 &
	HTTPD_PID=$!
	wait_for "$BATS_TEST_TMPDIR/https.port" "the https server's port" || false
	local port
	port=$(cat "$BATS_TEST_TMPDIR/https.port")
	mkdir -p rd
	printf 'default-docker:\n  lookaside: https://127.0.0.1:%s/\n' "$port" >rd/web.yaml
	# the server's CA is not yet trusted for that host:port: refused
	run --separate-stderr brig trust verify --registries-d rd --gpg-key "$D/gpg-a.pub" \
		"$H/signed/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"https://127.0.0.1:$port/signed/img@"* ]] || false
	mkdir -p "$D/certs/127.0.0.1:$port"
	cp "$D/reg/ca.crt" "$D/certs/127.0.0.1:$port/ca.crt"
	run --separate-stderr brig trust verify --registries-d rd --gpg-key "$D/gpg-a.pub" \
		"$H/signed/img:1"
	echo "$output $stderr"
	rm -rf "$D/certs/127.0.0.1:$port"
	[ "$status" -eq 0 ] || false
	[[ $output == "Verified $H/signed/img:1@$DIG: signed by GPG key $FPR_A"* ]] || false
}

@test "trust gpg: brig pull --registries-d reads an https lookaside trusted through registry-certs-dir" {
	python3 "$BATS_TEST_DIRNAME/../lib/static_https.py" "$D/sigs" "$D/reg/tls/server.crt" \
		"$D/reg/tls/server.key" "$BATS_TEST_TMPDIR/https.port" >"$BATS_TEST_TMPDIR/https.log" 2>&1 &
	HTTPD_PID=$!
	wait_for "$BATS_TEST_TMPDIR/https.port" "the https server's port" || false
	local port r=$BATS_TEST_TMPDIR/root
	port=$(cat "$BATS_TEST_TMPDIR/https.port")
	mkdir -p rd
	printf 'default-docker:\n  lookaside: https://127.0.0.1:%s/\n' "$port" >rd/web.yaml
	policy p.json
	# the server's CA is not yet in registry-certs-dir for that host:port
	run --separate-stderr brig --root "$r" pull -q --signature-policy p.json --registries-d rd \
		"$H/signed/img:1"
	[ "$status" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"https://127.0.0.1:$port/signed/img@"* ]] || { echo "$stderr"; false; }
	mkdir -p "$D/certs/127.0.0.1:$port"
	cp "$D/reg/ca.crt" "$D/certs/127.0.0.1:$port/ca.crt"
	run --separate-stderr brig --root "$r" pull -q --signature-policy p.json --registries-d rd \
		"$H/signed/img:1"
	[ "$status" -eq 0 ] || { rm -rf "$D/certs/127.0.0.1:$port"; echo "$stderr"; false; }
	# the same through BRIG_REGISTRIES_D, into another store
	BRIG_REGISTRIES_D=$PWD/rd run --separate-stderr brig --root "$r.2" pull -q \
		--signature-policy p.json "$H/signed/img:1"
	rm -rf "$D/certs/127.0.0.1:$port"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run grep -c "GET /signed/img@sha256=${DIG#sha256:}/signature-1 " "$BATS_TEST_TMPDIR/https.log"
	[ "$output" -ge 2 ] || { cat "$BATS_TEST_TMPDIR/https.log"; false; }
}

@test "trust gpg: a bad registries.d file is refused, naming the file and the line or field" {
	mkdir -p rd
	printf 'docker:\n  "%s":\n    lookaside: [file:///x]\n' "$H" >rd/a.yaml
	run --separate-stderr brig trust verify --registries-d rd --gpg-key "$D/gpg-a.pub" \
		"$H/signed/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"rd/a.yaml:3: '[': sequences, flow collections"* ]] || false
	printf 'docker:\n  "%s":\n    lookasid: file:///x\n' "$H" >rd/a.yaml
	run --separate-stderr brig trust verify --registries-d rd --gpg-key "$D/gpg-a.pub" \
		"$H/signed/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"rd/a.yaml: docker[\"$H\"].lookasid: unknown key"* ]] || false
	printf 'docker:\n  "%s": {}\n' "$H" >rd/a.yaml
	printf 'docker:\n  "%s": {}\n' "$H" >rd/b.yaml
	run --separate-stderr brig trust verify --registries-d rd --gpg-key "$D/gpg-a.pub" \
		"$H/signed/img:1"
	echo "$stderr"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"rd/b.yaml: docker[\"$H\"]: already defined in rd/a.yaml"* ]] || false
}
