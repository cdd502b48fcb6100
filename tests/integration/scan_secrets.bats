#!/usr/bin/env bats
# brig scan: high-entropy strings in files named like secrets (issue 15,
# docs/audit.md, scan.high-entropy): planted tokens are found, decoys are
# not (a low-entropy password, source files, files not named like secrets,
# a run of zeros), a PEM key is reported once, and the string is never
# printed.

bats_require_minimum_version 1.5.0

load ../lib/brig

TOKEN=ghp_R7kQ2xW9mZpL4vT8nB3cY6fJ1hD5sA0eG2uK

plant() {
	local r=$1
	mkdir -p "$r/app/config" "$r/usr/lib/python3"
	printf 'token = "%s"\n' "$TOKEN" >"$r/app/api_token"
	printf 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' >"$r/app/config/db_password.txt"
	printf 'd41d8cd98f00b204e9800998ecf8427e\n' >"$r/app/HEX_SECRET"
	printf 'password: changeme\nuser: admin\n' >"$r/app/secrets.yaml"
	printf 'X = "%s"\n' "$TOKEN" >"$r/usr/lib/python3/tokenize.py"
	printf '%s\n' "$TOKEN" >"$r/app/build-id"
	printf '0000000000000000000000000000000000000000\n' >"$r/app/token_zero"
	printf -- '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oJHgbAGUPyENoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n' >"$r/app/secret.key"
}

setup_file() { brig_image_tar plant; }

setup() { brig_setup bb:1; }

@test "scan: high-entropy strings in files named like secrets, and no decoy" {
	run brig scan --format json bb:1
	[ "$status" -eq 1 ] || { echo "$output" >&2; false; }
	local json=$output
	run jq -r '.Findings[] | select(.Id == "scan.high-entropy" or .Id == "scan.private-key") | .Id + " " + .Target' <<<"$json"
	local want
	want=$(printf '%s\n' "scan.high-entropy /app/HEX_SECRET" "scan.high-entropy /app/api_token" \
		"scan.high-entropy /app/config/db_password.txt" "scan.private-key /app/secret.key")
	[ "$(sort <<<"$output")" = "$(sort <<<"$want")" ] || { echo "got: $output" >&2; false; }
	[[ $json != *"$TOKEN"* ]] || { echo "the token was printed" >&2; false; }
	run brig scan bb:1
	[[ $output != *"$TOKEN"* ]] || false
}
