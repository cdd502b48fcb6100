#!/usr/bin/env bats
# Libraries brig loads on first use (issue #18): libcrypto is reached
# through trampolines (src/common/crypto_lazy.c), so `brig run` never maps
# it, and the commands that call it still get it.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=60

setup_file() {
	brig_file_store
}

setup() {
	brig_setup
	[ "$(uname -m)" = x86_64 ] || skip "the libcrypto trampolines are x86-64 only (elsewhere brig links it)"
}

teardown() { brig_teardown; }

@test "brig does not link libcrypto: it is not among its DT_NEEDED" {
	run -0 readelf -d "$BRIG"
	[[ "$output" == *"libjansson.so"* ]] || false
	[[ "$output" != *"libcrypto.so"* ]] || false
}

@test "a foreground run never maps libcrypto" {
	"$BRIG" --root "$ROOT" run --rm --name lz bb:1 sleep 30 >/dev/null 2>&1 &
	local pid=$!
	wait_until "lz running" bash -c "[ \"\$('$BRIG' --root '$ROOT' inspect -f '{{.State.Status}}' lz 2>/dev/null)\" = running ]"
	run -0 cat "/proc/$pid/maps"
	brig rm -f lz >/dev/null
	wait "$pid" || true
	[[ "$output" == *libjansson* ]] || false
	[[ "$output" != *libcrypto* ]] || false
}

@test "commands that call libcrypto load it: a generated key's fingerprint is the SHA-256 of its public key" {
	command -v openssl >/dev/null || skip "no openssl command"
	BRIG_PASSPHRASE=pw run -0 brig trust key generate lz1
	run -0 brig trust key export lz1
	local want
	want=$(brig trust key export lz1 | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
	run -0 brig trust key list
	[[ "$output" == *"lz1"*"ECDSA-P256"*"$want"* ]] || false
}
