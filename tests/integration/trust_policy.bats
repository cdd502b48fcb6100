#!/usr/bin/env bats
# brig's signature policy against skopeo as the oracle (issue 11): for a
# table of containers-policy.json files and references to unsigned images
# in Debian's docker-registry on 127.0.0.1, `brig trust explain` decides
# as `skopeo --policy P copy` does (accepted: the copy succeeds; rejected:
# skopeo refuses the source image).  See docs/trust.md.

bats_require_minimum_version 1.5.0

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts

load ../lib/registry

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	command -v jq >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$brig" --root "$d/src" import "$d/rootfs.tar" localhost/bb:1 >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img.tar" localhost/bb:1
	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	local p
	p=$(cat "$d/reg/port")
	skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/img.tar" \
		"docker://127.0.0.1:$p/test/img:1" >/dev/null
	skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/img.tar" \
		"docker://127.0.0.1:$p/other/img:1" >/dev/null
	skopeo inspect --cert-dir "$d/reg" --format '{{.Digest}}' \
		"docker://127.0.0.1:$p/test/img:1" >"$d/digest"
	mkdir -p "$d/arch/sub"
	cp "$d/img.tar" "$d/arch/sub/oci.tar"
	"$brig" --root "$d/src" save -o "$d/arch/sub/docker.tar" localhost/bb:1
	# No lookaside from the host's registries.d: unsigned for every peer.
	mkdir -p "$d/registries.d"
	signed_setup "$d" "$p" || true
}

# signed_setup D PORT: a throwaway GPG key; test/img's content pushed as
# signed/img:1 with skopeo's GPG simple signing (lookaside in D/sigs, named
# in D/rd), and as mirror/img:1 carrying the same signature (which claims
# signed/img:1).  D/sigref: the docker-reference the signature claims.
signed_setup() {
	local d=$1 h=127.0.0.1:$2 fpr dig sig
	command -v gpg >/dev/null || return 0
	export GNUPGHOME=$d/gnupg
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch -q --passphrase '' --quick-gen-key 'brig test <t@example.invalid>' ed25519 \
		sign never 2>/dev/null
	fpr=$(gpg --list-keys --with-colons | awk -F: '/^fpr/ { print $10; exit }')
	gpg --export "$fpr" >"$d/pub.gpg"
	mkdir -p "$d/rd" "$d/sigs"
	printf 'docker:\n  "%s":\n    lookaside: file://%s\n    lookaside-staging: file://%s\n' \
		"$h" "$d/sigs" "$d/sigs" >"$d/rd/test.yaml"
	skopeo copy -q --registries.d "$d/rd" --dest-cert-dir "$d/reg" --sign-by "$fpr" \
		"oci-archive:$d/img.tar" "docker://$h/signed/img:1" >/dev/null
	skopeo copy -q --dest-cert-dir "$d/reg" "oci-archive:$d/img.tar" \
		"docker://$h/mirror/img:1" >/dev/null
	dig=$(skopeo inspect --cert-dir "$d/reg" --format '{{.Digest}}' "docker://$h/signed/img:1")
	sig=$d/sigs/signed/img@${dig/:/=}
	mkdir -p "$d/sigs/mirror"
	cp -r "$sig" "$d/sigs/mirror/img@${dig/:/=}"
	gpg --batch -q --decrypt "$sig/signature-1" 2>/dev/null |
		jq -r '.critical.identity["docker-reference"]' >"$d/sigref"
	echo "$dig" >"$d/signed-digest"
}

teardown_file() {
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/reg" || true
	# The gpg-agent signed_setup's gpg started for its own GNUPGHOME.
	if [ -d "$BATS_FILE_TMPDIR/gnupg" ]; then
		GNUPGHOME=$BATS_FILE_TMPDIR/gnupg gpgconf --kill gpg-agent || true
	fi
}

setup() {
	registry_needs
	command -v jq >/dev/null || skip "jq is not installed"
	D=$BATS_FILE_TMPDIR
	P=$(cat "$D/reg/port")
	H=127.0.0.1:$P
	DIG=$(cat "$D/digest")
	[[ $DIG == sha256:* ]] || skip "no digest of the test image (setup_file failed)"
	REFS=("docker://$H/test/img:1" "docker://$H/other/img:1" "docker://$H/test/img@$DIG")
	ARCH=$(realpath "$D/arch")
	A='[{"type":"insecureAcceptAnything"}]'
	R='[{"type":"reject"}]'
}

# skopeo's decision for TRANSPORT:REF under POLICY: accept, reject, or
# error (any other failure, printed).
skopeo_decides() {
	local out dest=$BATS_TEST_TMPDIR/oci-$RANDOM
	if out=$(skopeo --policy "$1" --registries.d "$D/registries.d" copy -q \
		--src-tls-verify=false "$2" "oci:$dest:x" 2>&1); then
		echo accept
	elif [[ $out == *"rejected by policy"* || $out == *"Source image rejected"* ]]; then
		printf '%s\n' "$out" >>"$BATS_TEST_TMPDIR/skopeo-rejections"
		echo reject
	else
		echo "error: $out"
	fi
	rm -rf "$dest"
}

# compare_identity NAME RULE: under a signedBy policy with this
# signedIdentity, skopeo's decision for every signed reference (key and
# digest are right, so only the identity rule decides) against brig's
# answer to "would a signature claiming D/sigref satisfy the rule".
compare_identity() {
	local f=$BATS_TEST_TMPDIR/$1.json ref s b bad=0 dest
	printf '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s","signedIdentity":%s}]}\n' \
		"$D/pub.gpg" "$2" >"$f"
	for ref in "${SREFS[@]}"; do
		dest=$BATS_TEST_TMPDIR/oci-$RANDOM
		if out=$(skopeo --policy "$f" --registries.d "$D/rd" copy -q --remove-signatures \
			--src-tls-verify=false "$ref" "oci:$dest:x" 2>&1); then
			s=accept
		elif [[ $out == *"is not accepted"* || $out == *"rejected"* ]]; then
			s=reject
		else
			s="error: $out"
		fi
		rm -rf "$dest"
		b=$("$BRIG" trust explain --signature-policy "$f" --format json \
			--signed-identity "$SIGREF" "$ref" |
			jq -r 'if .requirements[0].identityMatches then "accept" else "reject" end')
		echo "$1 $ref: skopeo=$s brig=$b"
		[ "$s" = "$b" ] || bad=1
	done
	return $bad
}

brig_decides() {
	"$BRIG" trust explain --signature-policy "$1" --format json "$2" | jq -r .decision
}

# compare NAME JSON: write the policy, then for every reference compare
# brig's decision with skopeo's; prints each and fails on any difference.
compare() {
	local f=$BATS_TEST_TMPDIR/$1.json ref s b bad=0
	printf '%s\n' "$2" >"$f"
	for ref in "${REFS[@]}"; do
		s=$(skopeo_decides "$f" "$ref")
		b=$(brig_decides "$f" "$ref" 2>&1)
		echo "$1 $ref: skopeo=$s brig=$b"
		[[ $s == accept || $s == reject ]] || bad=1
		[ "$s" = "$b" ] || bad=1
	done
	return $bad
}

@test "trust policy: insecureAcceptAnything and reject as default" {
	run compare accept "{\"default\":$A}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"test/img:1: skopeo=accept brig=accept"* ]] || false
	run compare reject "{\"default\":$R}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"test/img:1: skopeo=reject brig=reject"* ]] || false
}

@test "trust policy: a scope per registry, namespace and repository" {
	run compare ns "{\"default\":$R,\"transports\":{\"docker\":{\"$H/test\":$A}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run compare repo "{\"default\":$A,\"transports\":{\"docker\":{\"$H/test/img\":$R}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run compare host "{\"default\":$R,\"transports\":{\"docker\":{\"$H\":$A}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run compare transport-default "{\"default\":$A,\"transports\":{\"docker\":{\"\":$R}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run compare other-transport \
		"{\"default\":$A,\"transports\":{\"docker-archive\":{\"\":$R}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
}

@test "trust policy: wildcards, and the most specific scope wins" {
	run compare wildcard "{\"default\":$R,\"transports\":{\"docker\":{\"*.0.1\":$A}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run compare wildcards "{\"default\":$R,\"transports\":{\"docker\":{\"*.1\":$R,\"*.0.0.1\":$A}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run compare host-over-wildcard \
		"{\"default\":$A,\"transports\":{\"docker\":{\"*.0.1\":$A,\"$H\":$R}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run compare nested "{\"default\":$A,\"transports\":{\"docker\":{\"$H\":$R,\"$H/test\":$A,\"$H/test/img:1\":$R}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"test/img:1: skopeo=reject brig=reject"* ]] || false
	[[ $output == *"test/img@$DIG: skopeo=accept brig=accept"* ]] || false
}

@test "trust policy: a scope pinned by digest" {
	run compare digest "{\"default\":$R,\"transports\":{\"docker\":{\"$H/test/img@$DIG\":$A}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"test/img@$DIG: skopeo=accept brig=accept"* ]] || false
	[[ $output == *"test/img:1: skopeo=reject brig=reject"* ]] || false
}

@test "trust policy: signature requirements refuse unsigned images" {
	run compare signedby "{\"default\":$A,\"transports\":{\"docker\":{\"$H/test\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"$D/none.gpg\"}]}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"test/img:1: skopeo=reject brig=reject"* ]] || false
	run cat "$BATS_TEST_TMPDIR/skopeo-rejections"
	echo "$output"
	[[ $output == *"no signature exists"* ]] || false
	run compare sigstore "{\"default\":[{\"type\":\"insecureAcceptAnything\"},{\"type\":\"sigstoreSigned\",\"keyPath\":\"$D/none.pub\"}]}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"other/img:1: skopeo=reject brig=reject"* ]] || false
}

@test "trust explain: the scope, the requirements, and no pretended verification" {
	local f=$BATS_TEST_TMPDIR/p.json
	printf '%s\n' "{\"default\":$R,\"transports\":{\"docker\":{\"$H/test\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k.pub\"}]}}}" >"$f"
	run "$BRIG" trust explain --no-fetch --signature-policy "$f" "$H/test/img:1"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"Scope:        transports.docker[\"$H/test\"]"* ]] || false
	[[ $output == *'"type":"sigstoreSigned"'* ]] || false
	[[ $output == *"Decision:     reject"* ]] || false
	[[ $output == *"signature check not available"* ]] || false
	run "$BRIG" trust explain --signature-policy "$f" --format json "$H/other/img:1"
	echo "$output"
	[ "$status" -eq 0 ] || false
	run jq -r '.scope == null and .decision == "reject" and .requirements[0].type == "reject"' <<<"$output"
	[ "$output" = true ] || false
}

@test "trust explain: a policy with an unknown field is refused, naming file and field" {
	local f=$BATS_TEST_TMPDIR/bad.json
	printf '%s\n' "{\"default\":$A,\"transports\":{\"docker\":{\"example.com\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPth\":\"/k\"}]}}}" >"$f"
	run "$BRIG" trust explain --signature-policy "$f" example.com/a:1
	echo "$output"
	[ "$status" -eq 1 ] || false
	[[ $output == *"$f: transports.docker[\"example.com\"][0].keyPth: unknown key"* ]] || false
	# skopeo refuses it too.
	run skopeo --policy "$f" copy --src-tls-verify=false "docker://$H/test/img:1" "oci:$BATS_TEST_TMPDIR/o:x"
	[ "$status" -ne 0 ] || false
}

@test "trust policy: archives, by path (oci-archive) and by transport (docker-archive)" {
	REFS=("oci-archive:$ARCH/sub/oci.tar" "docker-archive:$ARCH/sub/docker.tar"
		"docker://$H/test/img:1")
	run compare oci-dir "{\"default\":$A,\"transports\":{\"oci-archive\":{\"$ARCH/sub\":$R}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"oci.tar: skopeo=reject brig=reject"* ]] || false
	run compare oci-file "{\"default\":$R,\"transports\":{\"oci-archive\":{\"$ARCH/sub\":$R,\"$ARCH/sub/oci.tar\":$A},\"docker-archive\":{\"\":$A}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"oci.tar: skopeo=accept brig=accept"* ]] || false
	[[ $output == *"docker.tar: skopeo=accept brig=accept"* ]] || false
	run compare archive-default "{\"default\":$A,\"transports\":{\"docker-archive\":{\"\":$R},\"oci-archive\":{\"/nonexistent\":$R}}}"
	echo "$output"
	[ "$status" -eq 0 ] || false
	[[ $output == *"docker.tar: skopeo=reject brig=reject"* ]] || false
	# A scope docker-archive does not have: both refuse the file.
	local f=$BATS_TEST_TMPDIR/bad-scope.json
	printf '%s\n' "{\"default\":$A,\"transports\":{\"docker-archive\":{\"$ARCH/sub/docker.tar\":$R}}}" >"$f"
	run "$BRIG" trust explain --signature-policy "$f" "docker-archive:$ARCH/sub/docker.tar"
	echo "$output"
	[ "$status" -eq 1 ] || false
	[[ $output == *"docker-archive supports no scope but"* ]] || false
	run skopeo --policy "$f" copy "docker-archive:$ARCH/sub/docker.tar" "oci:$BATS_TEST_TMPDIR/o2:x"
	echo "$output"
	[ "$status" -ne 0 ] || false
	[[ $output != *"rejected"* ]] || false
}

@test "trust policy: identity rules decide as skopeo does for GPG-signed images" {
	[ -s "$D/sigref" ] || skip "gpg or skopeo signing not available (setup_file)"
	local sd h2
	SIGREF=$(cat "$D/sigref")
	sd=$(cat "$D/signed-digest")
	[ "$SIGREF" = "$H/signed/img:1" ] || false
	SREFS=("docker://$H/signed/img:1" "docker://$H/signed/img@$sd"
		"docker://$H/mirror/img:1" "docker://$H/mirror/img@$sd")
	local rules=(
		'{"type":"matchRepoDigestOrExact"}'
		'{"type":"matchExact"}'
		'{"type":"matchRepository"}'
		"{\"type\":\"exactReference\",\"dockerReference\":\"$H/signed/img:1\"}"
		"{\"type\":\"exactReference\",\"dockerReference\":\"$H/signed/img:2\"}"
		"{\"type\":\"exactRepository\",\"dockerRepository\":\"$H/signed/img\"}"
		"{\"type\":\"exactRepository\",\"dockerRepository\":\"$H/mirror/img\"}"
		"{\"type\":\"remapIdentity\",\"prefix\":\"$H/mirror\",\"signedPrefix\":\"$H/signed\"}"
		"{\"type\":\"remapIdentity\",\"prefix\":\"$H/mirror/img\",\"signedPrefix\":\"$H/signed/img\"}"
		"{\"type\":\"remapIdentity\",\"prefix\":\"$H/mirror/im\",\"signedPrefix\":\"$H/signed/im\"}"
		"{\"type\":\"remapIdentity\",\"prefix\":\"$H\",\"signedPrefix\":\"localhost:1\"}"
	)
	local i=0 rule failed=0 all=""
	for rule in "${rules[@]}"; do
		run compare_identity "rule$i" "$rule"
		echo "$rule"
		echo "$output"
		all+=$output$'\n'
		[ "$status" -eq 0 ] || failed=1
		i=$((i + 1))
	done
	[ "$failed" -eq 0 ] || false
	# Both answers occur, so the table tells the rules apart.
	[[ $all == *"skopeo=accept brig=accept"* ]] || false
	[[ $all == *"skopeo=reject brig=reject"* ]] || false
}

@test "trust explain: a policy every user may write, or not a file, is refused; an oversized one too" {
	local f=$BATS_TEST_TMPDIR/open.json
	printf '%s\n' "{\"default\":$A}" >"$f"
	chmod 0666 "$f"
	run "$BRIG" trust explain --signature-policy "$f" example.com/a:1
	echo "$output"
	[ "$status" -eq 1 ] || false
	[[ $output == *"$f: writable by every user (mode 0666)"* ]] || false
	run "$BRIG" trust explain --signature-policy "$BATS_TEST_TMPDIR" example.com/a:1
	echo "$output"
	[ "$status" -eq 1 ] || false
	[[ $output == *"not a regular file"* ]] || false
	f=$BATS_TEST_TMPDIR/big.json
	# One awk, not a shell loop: under bats's per-command trap a 40000-turn
	# loop cost 13 s of CPU.
	awk -v a="$A" -v r="$R" 'BEGIN {
		printf "{\"default\":%s,\"transports\":{\"docker\":{", a
		for (i = 1; i <= 40000; i++) printf "\"h%d.example\":%s,", i, r
		printf "\"x.example\":%s}}}\n", r
	}' >"$f"
	run "$BRIG" trust explain --signature-policy "$f" example.com/a:1
	echo "${output:0:300}"
	[ "$status" -eq 1 ] || false
	[[ $output == *"$f"* ]] || false
}

@test "trust explain: a short name resolves through registries.conf's aliases, as pull resolves it" {
	local f=$BATS_TEST_TMPDIR/p.json conf=$BATS_TEST_TMPDIR/registries.conf
	printf '[aliases]\n"myimg" = "%s/test/img"\n' "$H" >"$conf"
	printf '{"registries-conf": "%s"}\n' "$conf" >"$BATS_TEST_TMPDIR/brig.conf"
	printf '%s\n' "{\"default\":$R,\"transports\":{\"docker\":{\"$H/test\":$A}}}" >"$f"
	run "$BRIG" --config "$BATS_TEST_TMPDIR/brig.conf" trust explain --signature-policy "$f" \
		--format json myimg:1
	echo "$output"
	[ "$status" -eq 0 ] || false
	run jq -r '"\(.image) \(.scope) \(.decision)"' <<<"$output"
	[ "$output" = "$H/test/img:1 $H/test accept" ] || false
}
