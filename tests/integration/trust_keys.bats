#!/usr/bin/env bats
# brig trust key: cosign's encrypted private key format, interop with a
# writer and reader that share no code with brig (tests/lib/cosign_keys.py:
# python3-cryptography for scrypt and the keys, NaCl's secretbox written
# out from its specification).  See docs/trust-sigstore.md.

bats_require_minimum_version 1.5.0

load ../lib/brig

PY=/usr/bin/python3
KEYS=$BATS_TEST_DIRNAME/../lib/cosign_keys.py

setup() {
	$PY -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed"
	ROOT=$BATS_TEST_TMPDIR/root
	export BRIG_PASSPHRASE='correct horse'
	cd "$BATS_TEST_TMPDIR" || false
}

@test "trust key generate: cosign's encrypted format, 0600 in a 0700 directory; python decrypts it" {
	run --separate-stderr brig trust key generate k1
	[ "$status" -eq 0 ] || false
	[[ ${lines[0]} == "-----BEGIN PUBLIC KEY-----" ]] || false
	printf '%s\n' "${lines[@]}" >printed.pub
	local dir=$ROOT/trust/keys
	[ "$(stat -c %a "$dir")" = 700 ] || false
	[ "$(stat -c %a "$dir/k1.key")" = 600 ] || false
	[ "$(stat -c %a "$dir/k1.pub")" = 600 ] || false
	run head -1 "$dir/k1.key"
	[ "$output" = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----" ] || false
	# the JSON inside, as cosign writes it
	run $PY -c 'import base64, json, sys
d = json.loads(base64.b64decode("".join(open(sys.argv[1]).read().split("\n")[1:-2])))
print(json.dumps([d["kdf"]["name"], d["kdf"]["params"], len(base64.b64decode(d["kdf"]["salt"])),
                  d["cipher"]["name"], len(base64.b64decode(d["cipher"]["nonce"]))],
                 separators=(",", ":")))' "$dir/k1.key"
	[ "$output" = '["scrypt",{"N":32768,"r":8,"p":1},32,"nacl/secretbox",24]' ] || false
	# python opens it and finds the public key brig printed and exports
	run --separate-stderr $PY "$KEYS" read "$dir/k1.key"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$(cat printed.pub)" ] || false
	run --separate-stderr brig trust key export k1
	[ "$output" = "$(cat printed.pub)" ] || false
	# and the export --private is the file, which python opens too
	brig trust key export --private k1 >exported.key
	cmp exported.key "$dir/k1.key"
	run --separate-stderr env BRIG_PASSPHRASE=wrong $PY "$KEYS" read exported.key
	[ "$status" -ne 0 ] || false
}

@test "trust key import: keys python wrote (ECDSA P-256, RSA, Ed25519) are read by brig" {
	local k
	for k in ecdsa rsa ed25519; do
		$PY "$KEYS" write "$k.key" "$k.pub" "$k"
		run --separate-stderr brig trust key import "py-$k" "$k.key"
		[ "$status" -eq 0 ] || false
		run --separate-stderr brig trust key export "py-$k"
		[ "$status" -eq 0 ] || false
		[ "$output" = "$(cat "$k.pub")" ] || false
	done
	run --separate-stderr brig trust key list
	[ "$status" -eq 0 ] || false
	[[ ${lines[0]} == "NAME "*"KIND "*"FINGERPRINT (SHA-256)" ]] || false
	[[ ${lines[1]} == "py-ecdsa "*"ECDSA-P256 "* ]] || false
	[[ ${lines[2]} == "py-ed25519 "*"Ed25519 "* ]] || false
	[[ ${lines[3]} == "py-rsa "*"RSA-2048 "* ]] || false
	run --separate-stderr brig trust key list --format json
	[ "$(jq -r .Name <<<"$output" | tr '\n' ' ')" = "py-ecdsa py-ed25519 py-rsa " ] || false
	# the fingerprint is the SHA-256 of the public key's DER
	local fp
	fp=$(openssl pkey -pubin -in ecdsa.pub -outform DER | sha256sum | cut -d' ' -f1)
	[ "$(jq -r 'select(.Name == "py-ecdsa") | .Fingerprint' <<<"$output")" = "$fp" ] || false
}

@test "trust key: a wrong passphrase is one line, exit 1, nothing stored" {
	$PY "$KEYS" write py.key py.pub
	run --separate-stderr env BRIG_PASSPHRASE=wrong "$BRIG" --root "$ROOT" trust key import py py.key
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust key import: py.key: wrong passphrase (or a damaged key)" ] || false
	[ ! -e "$ROOT/trust/keys/py.key" ] || false
	[ ! -e "$ROOT/trust/keys/py.pub" ] || false
	# a damaged ciphertext reads the same way
	sed -i '3s/./A/;3s/.$/A/' py.key
	sed -i '3s/^A/B/' py.key
	run --separate-stderr brig trust key import py py.key
	[ "$status" -eq 1 ] || false
	[[ $stderr == "brig: trust key import: py.key: "* ]] || false
}

@test "trust key: names, duplicates, rm, and no passphrase without a terminal" {
	brig trust key generate k1 >/dev/null
	run --separate-stderr brig trust key generate k1
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust key generate: key k1 exists (brig trust key rm k1 first)" ] || false
	run --separate-stderr brig trust key generate ../evil
	[ "$status" -eq 1 ] || false
	[[ $stderr == "brig: trust key generate: key name '../evil': expected "* ]] || false
	run --separate-stderr brig trust key rm k1
	[ "$status" -eq 0 ] || false
	[ ! -e "$ROOT/trust/keys/k1.key" ] || false
	[ ! -e "$ROOT/trust/keys/k1.pub" ] || false
	run --separate-stderr brig trust key rm k1
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust key rm: no key k1 (brig trust key list)" ] || false
	unset BRIG_PASSPHRASE
	run --separate-stderr brig trust key generate k2 </dev/null
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: trust key generate: no Passphrase given and the standard input is not a terminal (BRIG_PASSPHRASE)" ] || false
	run --separate-stderr brig trust key frob
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"'frob': expected generate, list, export, import or rm" ]] || false
}

@test "trust key import: the passphrase typed on the terminal, not echoed" {
	$PY "$KEYS" write py.key py.pub
	unset BRIG_PASSPHRASE
	run python3 "$BATS_TEST_DIRNAME/../lib/pty_run.py" --after "Passphrase: " $'correct horse\n' \
		"$BRIG" --root "$ROOT" trust key import py py.key
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"Passphrase: "* ]] || false
	[[ $output != *"correct horse"* ]] || false
	run --separate-stderr "$BRIG" --root "$ROOT" trust key export py
	[ "$output" = "$(cat py.pub)" ] || false
}
