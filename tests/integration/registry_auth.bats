#!/usr/bin/env bats
# brig login / logout and where pull finds credentials, against real peers
# on 127.0.0.1: Debian's docker-registry with htpasswd Basic auth, and
# docker-registry with token auth beside tests/lib/token_issuer.py (both
# started by scripts/registry-test.sh); Docker's config.json and a
# docker-credential helper the tests write.  See docs/registry.md,
# "Credentials".

bats_require_minimum_version 1.5.0

load ../lib/registry

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts
PTY_RUN=$BATS_TEST_DIRNAME/../lib/pty_run.py

# The token issuer runs under the system's python3 (registry-test.sh).
has_cryptography() { env -i PATH=/usr/bin:/bin python3 -c 'import cryptography' 2>/dev/null; }

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	has_cryptography || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$brig" --root "$d/src" import --change 'CMD ["sh"]' "$d/rootfs.tar" localhost/bb:1 >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img.tar" localhost/bb:1

	"$SCRIPTS/registry-test.sh" start "$d/rega" --auth alice:s3cret-Pw >/dev/null
	"$SCRIPTS/registry-test.sh" start "$d/regt" --token bob:t0ken-Pw >/dev/null
	local pa pt pi h
	pa=$(cat "$d/rega/port")
	pt=$(cat "$d/regt/port")
	pi=$(cat "$d/regt/issuer.port")
	skopeo copy -q --dest-cert-dir "$d/rega" --dest-creds alice:s3cret-Pw \
		"oci-archive:$d/img.tar" "docker://127.0.0.1:$pa/test/img:1" >/dev/null
	skopeo copy -q --dest-cert-dir "$d/regt" --dest-creds bob:t0ken-Pw \
		"oci-archive:$d/img.tar" "docker://127.0.0.1:$pt/test/img:1" >/dev/null
	for h in "127.0.0.1:$pa" "127.0.0.1:$pt" "127.0.0.1:$pi"; do
		mkdir -p "$d/certs/$h"
	done
	cp "$d/rega/ca.crt" "$d/certs/127.0.0.1:$pa/ca.crt"
	cp "$d/regt/ca.crt" "$d/certs/127.0.0.1:$pt/ca.crt"
	cp "$d/regt/ca.crt" "$d/certs/127.0.0.1:$pi/ca.crt"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
}

teardown_file() {
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/rega" || true
	"$SCRIPTS/registry-test.sh" stop "$BATS_FILE_TMPDIR/regt" || true
}

setup() {
	registry_needs
	unset DOCKER_CONFIG
	has_cryptography || skip "python3-cryptography (for the token issuer) is not installed"
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	CONF=$D/brig.conf
	REGA=127.0.0.1:$(cat "$D/rega/port")
	REGT=127.0.0.1:$(cat "$D/regt/port")
	# brig's auth.json and Docker's config live in the test's own places.
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	AUTH=$XDG_RUNTIME_DIR/containers/auth.json
}

teardown() {
	rm -f "$D/regt/issuer.json" "$D/regt/refresh"
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$CONF" "$@"; }

# count_lines FILE PATTERN: the lines of FILE matching PATTERN (fixed string).
count_lines() { grep -cF -- "$2" "$1" || true; }

@test "login: a wrong password fails and stores nothing; the right one stores auth.json 0600; pull then uses it" {
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	run --separate-stderr brig login -u alice --password-stdin "$REGA" <<<"wrong-Pw"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *unauthorized* ]] || { echo "$stderr"; false; }
	[[ $stderr != *wrong-Pw* ]] || false
	[ ! -e "$AUTH" ] || { echo "stored after a refused login"; false; }
	run --separate-stderr brig login -u alice --password-stdin "$REGA" <<<"s3cret-Pw"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "Login Succeeded!" ] || false
	[[ $stderr != *s3cret-Pw* ]] || false
	[ "$(stat -c %a "$AUTH")" = 600 ] || false
	[ "$(stat -c %a "$(dirname "$AUTH")")" = 700 ] || false
	run jq -r --arg h "$REGA" '.auths[$h].auth' "$AUTH"
	[ "$output" = "$(printf alice:s3cret-Pw | base64)" ] || { echo "$output"; false; }
	run brig login --get-login "$REGA"
	[ "$output" = alice ] || false
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == "$REGA/test/img@sha256:"* ]] || false
}

@test "logout removes the registry's entry and keeps the others; -a removes all; an unknown one fails" {
	run brig login -u alice --password-stdin "$REGA" <<<"s3cret-Pw"
	[ "$status" -eq 0 ] || false
	jq '.auths["other.example"] = {"auth": "eDp5"}' "$AUTH" >"$AUTH.new"
	mv "$AUTH.new" "$AUTH"
	run brig logout "$REGA"
	[ "$status" -eq 0 ] || false
	[ "$output" = "Removed login credentials for $REGA" ] || false
	run jq -c '.auths' "$AUTH"
	[ "$output" = '{"other.example":{"auth":"eDp5"}}' ] || { echo "$output"; false; }
	[ "$(stat -c %a "$AUTH")" = 600 ] || false
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	run --separate-stderr brig logout "$REGA"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"not logged into $REGA"* ]] || false
	run brig logout -a
	[ "$status" -eq 0 ] || false
	run jq -c '.auths' "$AUTH"
	[ "$output" = '{}' ] || false
}

@test "--authfile: login stores there, pull and --get-login read it, logout removes it" {
	f=$BATS_TEST_TMPDIR/my/auth.json
	run brig login --authfile "$f" -u alice --password-stdin "https://$REGA/v2/" <<<"s3cret-Pw"
	[ "$status" -eq 0 ] || false
	[ ! -e "$AUTH" ] || false
	[ "$(stat -c %a "$f")" = 600 ] || false
	run brig login --authfile "$f" --get-login "$REGA"
	[ "$output" = alice ] || false
	run brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	run brig pull -q --authfile "$f" "$REGA/test/img:1"
	[ "$status" -eq 0 ] || false
	run brig logout --authfile "$f" "$REGA"
	[ "$status" -eq 0 ] || false
	run jq -c '.auths' "$f"
	[ "$output" = '{}' ] || false
}

@test "login asks on a terminal and does not echo the password; without a terminal it says what to give" {
	run --separate-stderr brig login "$REGA" </dev/null
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"not a terminal"* ]] || { echo "$stderr"; false; }
	run python3 "$PTY_RUN" --after "Password: " $'s3cret-Pw\n' \
		"$BRIG" --root "$ROOT" --config "$CONF" login -u alice "$REGA"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"Login Succeeded!"* ]] || false
	[[ $output != *s3cret-Pw* ]] || { echo "echoed: $output"; false; }
	run jq -r --arg h "$REGA" '.auths[$h].auth' "$AUTH"
	[ "$output" = "$(printf alice:s3cret-Pw | base64)" ] || false
}

@test "Docker's config.json auths (HOME, DOCKER_CONFIG) are read when brig has none" {
	mkdir -p "$HOME/.docker"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGA" "$(printf alice:s3cret-Pw | base64)" \
		>"$HOME/.docker/config.json"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig login --get-login "$REGA"
	[ "$output" = alice ] || false
	mkdir -p "$BATS_TEST_TMPDIR/dc"
	mv "$HOME/.docker/config.json" "$BATS_TEST_TMPDIR/dc/config.json"
	rm -rf "$ROOT"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	DOCKER_CONFIG=$BATS_TEST_TMPDIR/dc run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

# A docker-credential-test helper on PATH keeping its store in a file, logging
# each action and the names of the environment variables it got.
make_helper() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	H=$BATS_TEST_TMPDIR/helper
	mkdir -p "$H"
	cat >"$BATS_TEST_TMPDIR/bin/docker-credential-test" <<-EOF
		#!/bin/sh
		set -e
		in=\$(cat)
		echo "\$1" >>"$H/log"
		env | cut -d= -f1 | sort >"$H/env"
		case \$1 in
		store) printf '%s\n' "\$in" >"$H/store" ;;
		get)
			if [ -s "$H/store" ] && [ "\$(jq -r .ServerURL "$H/store")" = "\$in" ]; then
				jq -c '{Username, Secret}' "$H/store"
			else
				echo "credentials not found in native keychain"; exit 1
			fi ;;
		erase) [ -s "$H/store" ] && rm "$H/store" ;;
		esac
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/docker-credential-test"
	export PATH=$BATS_TEST_TMPDIR/bin:$PATH
}

@test "a docker-credential helper (credsStore, credHelpers): login stores, pull gets, logout erases" {
	make_helper
	mkdir -p "$HOME/.docker"
	echo '{"credsStore": "test"}' >"$HOME/.docker/config.json"
	run --separate-stderr env BRIG_TEST_SECRET=x "$BRIG" --root "$ROOT" --config "$CONF" \
		login -u alice --password-stdin "$REGA" <<<"s3cret-Pw"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ ! -e "$AUTH" ] || { echo "stored in auth.json, not through the helper"; false; }
	run jq -c . "$H/store"
	[ "$output" = "{\"ServerURL\":\"$REGA\",\"Username\":\"alice\",\"Secret\":\"s3cret-Pw\"}" ] ||
		{ echo "$output"; false; }
	# a clean environment: not the caller's variables
	run grep -c BRIG_TEST_SECRET "$H/env"
	[ "$output" = 0 ] || false
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(tail -1 "$H/log")" = get ] || false
	run brig logout "$REGA"
	[ "$status" -eq 0 ] || false
	[ "$(tail -1 "$H/log")" = erase ] || false
	[ ! -e "$H/store" ] || false
	# credHelpers names the helper for this registry only
	printf '{"credHelpers": {"%s": "test"}}\n' "$REGA" >"$HOME/.docker/config.json"
	run brig login -u alice --password-stdin "$REGA" <<<"s3cret-Pw"
	[ "$status" -eq 0 ] || false
	[ "$(tail -1 "$H/log")" = store ] || false
	rm -rf "$ROOT"
	run brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 0 ] || false
}

@test "a credential helper that fails, prints too much, gives an identity token for Basic auth or is missing: one line, exit 1" {
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$HOME/.docker"
	printf '#!/bin/sh\nhead -c 200000 /dev/zero | tr "\\0" a\n' >"$BATS_TEST_TMPDIR/bin/docker-credential-big"
	printf '#!/bin/sh\necho "s3cret-Pw leaked?" ; exit 3\n' >"$BATS_TEST_TMPDIR/bin/docker-credential-bad"
	chmod +x "$BATS_TEST_TMPDIR/bin/"docker-credential-*
	export PATH=$BATS_TEST_TMPDIR/bin:$PATH
	echo '{"credsStore": "big"}' >"$HOME/.docker/config.json"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"docker-credential-big get: printed more than"* ]] || { echo "$stderr"; false; }
	echo '{"credsStore": "bad"}' >"$HOME/.docker/config.json"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"docker-credential-bad get: exit status 3"* ]] || { echo "$stderr"; false; }
	[[ $stderr != *s3cret* ]] || false
	printf '#!/bin/sh\necho "{\\"Username\\":\\"<token>\\",\\"Secret\\":\\"x\\"}"\n' \
		>"$BATS_TEST_TMPDIR/bin/docker-credential-idtok"
	chmod +x "$BATS_TEST_TMPDIR/bin/docker-credential-idtok"
	echo '{"credsStore": "idtok"}' >"$HOME/.docker/config.json"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"asks for Basic credentials; an identity token serves only registries with Bearer token auth"* ]] || { echo "$stderr"; false; }
	echo '{"credsStore": "absent"}' >"$HOME/.docker/config.json"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"docker-credential-absent: not found on PATH"* ]] || { echo "$stderr"; false; }
}

@test "token auth (docker-registry + token issuer): login checks with the issuer, pull works, one token per scope" {
	run --separate-stderr brig pull -q "$REGT/test/img:1"
	[ "$status" -eq 1 ] || false
	run --separate-stderr brig login -u bob --password-stdin "$REGT" <<<"nope"
	[ "$status" -eq 1 ] || false
	[ ! -e "$AUTH" ] || false
	run --separate-stderr brig login -u bob --password-stdin "$REGT" <<<"t0ken-Pw"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	: >"$D/regt/issuer.log"
	run --separate-stderr brig pull -q "$REGT/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == "$REGT/test/img@sha256:"* ]] || false
	run cat "$D/regt/issuer.log"
	[ "$output" = "token bob repository:test/img:pull" ] || { echo "$output"; false; }
	run brig run --rm "$REGT/test/img:1" sh -c 'echo pulled with a token'
	[ "$output" = "pulled with a token" ] || false
}

@test "token auth: push gets a token for each scope a challenge names (a pull token never answers for push)" {
	run brig login -u bob --password-stdin "$REGT" <<<"t0ken-Pw"
	[ "$status" -eq 0 ] || false
	run --separate-stderr brig pull -q "$REGT/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	run brig tag "$REGT/test/img:1" "$REGT/test/pushed:1"
	[ "$status" -eq 0 ] || false
	: >"$D/regt/issuer.log"
	run --separate-stderr brig push "$REGT/test/pushed:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; cat "$D/regt/issuer.log"; false; }
	run grep -c "token bob .*repository:test/pushed:.*push" "$D/regt/issuer.log"
	[ "$output" -ge 1 ] || { cat "$D/regt/issuer.log"; false; }
	run --separate-stderr brig pull -q "$REGT/test/pushed:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
}

@test "token auth: an expired token is fetched again (issued_at honoured)" {
	run brig login -u bob --password-stdin "$REGT" <<<"t0ken-Pw"
	[ "$status" -eq 0 ] || false
	# every token the issuer gives is already past its expires_in
	echo '{"expires_in": 2, "issued_at_offset": -30}' >"$D/regt/issuer.json"
	: >"$D/regt/issuer.log"
	run --separate-stderr brig pull -q "$REGT/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	# the manifest, the config and each layer: a token each
	n=$(count_lines "$D/regt/issuer.log" "token bob repository:test/img:pull")
	[ "$n" -ge 3 ] || { cat "$D/regt/issuer.log"; false; }
}

@test "token auth: a token answer over the size limit or without a token is refused" {
	echo '{"answer": "huge"}' >"$D/regt/issuer.json"
	run --separate-stderr brig login -u bob --password-stdin "$REGT" <<<"t0ken-Pw"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"token request: larger than the limit"* ]] || { echo "$stderr"; false; }
	[ ! -e "$AUTH" ] || false
	echo '{"answer": "notoken"}' >"$D/regt/issuer.json"
	run --separate-stderr brig login -u bob --password-stdin "$REGT" <<<"t0ken-Pw"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"the token server's answer holds no token"* ]] || { echo "$stderr"; false; }
	[ ! -e "$AUTH" ] || false
}

@test "the password is not in brig's argv (ps) while it runs, nor in its errors" {
	# a "registry" that accepts the connection and never answers
	srv=$BATS_TEST_TMPDIR/srv
	mkdir -p "$srv"
	python3 - "$srv" <<-'PY' &
		import os, socket, sys, time
		d = sys.argv[1]
		s = socket.socket()
		s.bind(("127.0.0.1", 0)); s.listen(4)
		open(d + "/port.tmp", "w").write(str(s.getsockname()[1]))
		os.rename(d + "/port.tmp", d + "/port")
		c, _ = s.accept()
		open(d + "/accepted", "w").close()
		time.sleep(120)
	PY
	spid=$!
	for ((i = 0; i < 300; i++)); do [ -s "$srv/port" ] && break; sleep 0.1; done
	[ -s "$srv/port" ] || { kill "$spid"; echo "the silent server did not start"; false; }
	"$BRIG" --root "$ROOT" --config "$CONF" login -u alice -p 'Hidden-Pw-42' \
		"127.0.0.1:$(cat "$srv/port")" 2>"$BATS_TEST_TMPDIR/stderr" &
	bpid=$!
	for ((i = 0; i < 300; i++)); do [ -e "$srv/accepted" ] && break; sleep 0.1; done
	seen=$(ps -ww -o args= -p "$bpid" || true)
	kill "$bpid" || true
	kill "$spid" || true
	wait "$bpid" || true
	[ -e "$srv/accepted" ] || { echo "brig did not connect"; false; }
	[[ $seen == *login* ]] || { echo "ps: $seen"; false; }
	[[ $seen != *Hidden-Pw-42* ]] || { echo "ps shows the password: $seen"; false; }
	run cat "$BATS_TEST_TMPDIR/stderr"
	[[ $output == *"--password via the CLI is insecure"* ]] || false
	[[ $output != *Hidden-Pw-42* ]] || false
}

@test "registries.conf authfile: the registry's credentials without --authfile; --authfile still wins" {
	local af=$BATS_TEST_TMPDIR/team.json bad=$BATS_TEST_TMPDIR/bad.json
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGA" "$(printf alice:s3cret-Pw | base64 -w0)" >"$af"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGA" "$(printf alice:wrong | base64 -w0)" >"$bad"
	# No credentials anywhere: refused.
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	export BRIG_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf
	printf '[[registry]]\nlocation = "%s"\nauthfile = "%s"\n' "$REGA" "$af" >"$BRIG_REGISTRIES_CONF"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ $output == "$REGA/test/img@sha256:"* ]] || false
	# The command's --authfile is read instead (and its wrong password fails).
	rm -rf "$ROOT"
	run --separate-stderr brig pull -q --authfile "$bad" "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	# A relative path is refused, naming the file, line and key.
	printf '[[registry]]\nlocation = "%s"\nauthfile = "team.json"\n' "$REGA" >"$BRIG_REGISTRIES_CONF"
	run --separate-stderr brig pull -q "$REGA/test/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"registries.conf:3: authfile: "*"absolute path"* ]] || { echo "$stderr"; false; }
}

@test "identity token (auth.json, config.json, a helper's <token>): a refresh_token POST to the realm; pull and push work" {
	echo "idt-1:bob" >"$D/regt/refresh"
	printf '{"auths": {"%s": {"identitytoken": "idt-1"}}}\n' "$REGT" >"$BATS_TEST_TMPDIR/auth.json"
	: >"$D/regt/issuer.log"
	run --separate-stderr brig pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$REGT/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; cat "$D/regt/issuer.log"; false; }
	run cat "$D/regt/issuer.log"
	[ "$output" = "token bob repository:test/img:pull (refresh_token)" ] || { echo "$output"; false; }
	brig tag "$REGT/test/img:1" "$REGT/test/idt:1"
	run --separate-stderr brig push --authfile "$BATS_TEST_TMPDIR/auth.json" "$REGT/test/idt:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; cat "$D/regt/issuer.log"; false; }
	run grep -c "token bob .*repository:test/idt:.*push.* (refresh_token)" "$D/regt/issuer.log"
	[ "$output" -ge 1 ] || { cat "$D/regt/issuer.log"; false; }
	# Docker's config.json, then a credential helper answering <token>
	mkdir -p "$HOME/.docker" "$BATS_TEST_TMPDIR/bin"
	printf '{"auths": {"%s": {"identitytoken": "idt-1"}}}\n' "$REGT" >"$HOME/.docker/config.json"
	rm -rf "$ROOT"
	run --separate-stderr brig pull -q "$REGT/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	printf '#!/bin/sh\necho "{\\"Username\\":\\"<token>\\",\\"Secret\\":\\"idt-1\\"}"\n' \
		>"$BATS_TEST_TMPDIR/bin/docker-credential-idtok"
	chmod +x "$BATS_TEST_TMPDIR/bin/docker-credential-idtok"
	echo '{"credsStore": "idtok"}' >"$HOME/.docker/config.json"
	rm -rf "$ROOT"
	: >"$D/regt/issuer.log"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run --separate-stderr brig pull -q "$REGT/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; cat "$D/regt/issuer.log"; false; }
	run grep -c "(refresh_token)" "$D/regt/issuer.log"
	[ "$output" -ge 1 ] || { cat "$D/regt/issuer.log"; false; }
	# a token the issuer does not know: one line, exit 1, the token not shown
	printf '{"auths": {"%s": {"identitytoken": "idt-wrong"}}}\n' "$REGT" >"$BATS_TEST_TMPDIR/auth.json"
	rm -rf "$ROOT"
	run --separate-stderr brig pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$REGT/test/img:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"refresh_token grant"*"HTTP 401"* ]] || { echo "$stderr"; false; }
	[[ $stderr != *idt-wrong* ]] || false
}

@test "identity token: a refresh_token in the answer replaces the one held" {
	echo "idt-old:bob" >"$D/regt/refresh"
	# each answer rotates the token (the old one stops working) and is
	# already expired, so every request of the pull needs a new token
	echo '{"rotate": "idt-r1", "expires_in": 2, "issued_at_offset": -30}' >"$D/regt/issuer.json"
	printf '{"auths": {"%s": {"identitytoken": "idt-old"}}}\n' "$REGT" >"$BATS_TEST_TMPDIR/auth.json"
	: >"$D/regt/issuer.log"
	# (rotating idt-r1 to idt-r1 again keeps it: only a client still
	# using idt-old is refused)
	run --separate-stderr brig pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$REGT/test/img:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; cat "$D/regt/issuer.log"; false; }
	n=$(grep -c "(refresh_token)" "$D/regt/issuer.log")
	[ "$n" -ge 2 ] || { cat "$D/regt/issuer.log"; false; }
	run grep -c refused "$D/regt/issuer.log"
	[ "$output" -eq 0 ] || { cat "$D/regt/issuer.log"; false; }
}
