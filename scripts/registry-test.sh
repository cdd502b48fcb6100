#!/bin/bash
# registry-test.sh start|stop DIR [--auth USER:PASSWORD | --token USER:PASSWORD]
# [--plain-http] [--client-certs]: a private docker-registry (Debian's
# distribution 2.8) for the tests.
#
# start: makes a CA and a server certificate for 127.0.0.1 (IP SAN; also
# DNS:localhost, for tests that redirect to "another host") with
# openssl, writes DIR/config.yml (filesystem storage in DIR/data, TLS,
# listening on 127.0.0.1 only, on a free port (scripts/free-port.sh;
# picked again if another process bound it first) and runs the registry.  With --auth, Basic auth from an
# htpasswd file (bcrypt, made with htpasswd from apache2-utils).  With
# --token, token authentication: tests/lib/token_issuer.py runs beside it
# over TLS on 127.0.0.1 (the same certificate; its port in
# DIR/issuer.port, its log in DIR/issuer.log, its pid in DIR/issuer.pid,
# its settings in DIR/issuer.json), checks USER:PASSWORD (DIR/users) and
# signs JWTs (RS256) with DIR/tls/token.key, whose self-signed certificate
# DIR/tls/token.crt is the registry's rootcertbundle.  Waits
# (bounded) until GET /v2/ answers over TLS, then prints the port.
# Writes DIR/port, DIR/ca.crt (the CA to trust; DIR holds no other *.crt,
# *.cert or *.key, so it serves as skopeo's --dest-cert-dir / --cert-dir),
# DIR/pid and DIR/registry.log; the keys and the server certificate are in
# DIR/tls.
#
# --plain-http: no TLS at all (an "insecure" registry; DIR/port is still
# written, DIR/ca.crt is not used).  --client-certs: TLS that requires a
# client certificate signed by a second CA (distribution's tls.clientcas);
# the client's certificate and key are DIR/client/client.cert and
# DIR/client/client.key (certs.d's names).
#
# stop: SIGTERM to that pid only (if it still is our registry), bounded
# wait, then SIGKILL; the same for the token issuer.
set -euo pipefail

usage() {
	echo "usage: registry-test.sh start|stop DIR [--auth|--token USER:PASSWORD] [--plain-http] [--client-certs]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
cmd=$1
dir=$(realpath -m "$2")
shift 2
auth=""
token=""
plain=""
clientcerts=""
while [ $# -gt 0 ]; do
	case $1 in
	--auth | --token)
		[ $# -ge 2 ] || usage
		[[ $2 == *:* ]] || usage
		if [ "$1" = --auth ]; then auth=$2; else token=$2; fi
		shift 2
		;;
	--plain-http) plain=1; shift ;;
	--client-certs) clientcerts=1; shift ;;
	*) usage ;;
	esac
done
[ -z "$plain" ] || [ -z "$clientcerts" ] || usage
[ -z "$auth" ] || [ -z "$token" ] || usage
pidfile=$dir/pid
bin=/usr/bin/docker-registry
issuer=$(realpath "$(dirname "$0")/../tests/lib/token_issuer.py")
service=brig-test-registry
issuer_name=brig-test-issuer

# P-256 keys, not RSA: an RSA key takes 50-200 ms of CPU to make, and the
# tests start dozens of registries.
make_certs() {
	local t=$dir/tls
	mkdir -p "$t"
	chmod 700 "$t"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=brig test CA" \
		-keyout "$t/ca.key" -out "$dir/ca.crt" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		>"$t/server.ext"
	openssl x509 -req -in "$t/server.csr" -CA "$dir/ca.crt" -CAkey "$t/ca.key" \
		-CAcreateserial -CAserial "$t/ca.srl" -days 2 -extfile "$t/server.ext" \
		-out "$t/server.crt" 2>/dev/null
}

# A second CA and a client certificate it signs (DIR/client/client.cert,
# client.key); the registry trusts only that CA for clients.
make_client_certs() {
	local t=$dir/tls c=$dir/client
	mkdir -p "$c"
	chmod 700 "$c"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=brig test client CA" \
		-keyout "$t/client-ca.key" -out "$t/client-ca.crt" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=brig test client" \
		-keyout "$c/client.key" -out "$t/client.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$t/client.ext"
	openssl x509 -req -in "$t/client.csr" -CA "$t/client-ca.crt" -CAkey "$t/client-ca.key" \
		-CAcreateserial -CAserial "$t/client-ca.srl" -days 2 -extfile "$t/client.ext" \
		-out "$c/client.cert" 2>/dev/null
}

source "$(dirname "$(realpath "$0")")/free-port.sh"

write_config() {
	local port=$1
	{
		echo "version: 0.1"
		echo "log:"
		echo "  level: info"
		echo "storage:"
		echo "  filesystem:"
		echo "    rootdirectory: $dir/data"
		echo "  delete:"
		echo "    enabled: true"
		echo "http:"
		echo "  addr: 127.0.0.1:$port"
		echo "  secret: brig-test-$RANDOM$RANDOM"
		if [ -z "$plain" ]; then
			echo "  tls:"
			echo "    certificate: $dir/tls/server.crt"
			echo "    key: $dir/tls/server.key"
		fi
		if [ -n "$clientcerts" ]; then
			echo "    clientcas:"
			echo "      - $dir/tls/client-ca.crt"
		fi
		echo "  debug:"
		echo "    addr: \"\""
		if [ -n "$auth" ]; then
			echo "auth:"
			echo "  htpasswd:"
			echo "    realm: brig-test"
			echo "    path: $dir/htpasswd"
		fi
		if [ -n "$token" ]; then
			echo "auth:"
			echo "  token:"
			echo "    realm: https://127.0.0.1:$(cat "$dir/issuer.port")/token"
			echo "    service: $service"
			echo "    issuer: $issuer_name"
			echo "    rootcertbundle: $dir/tls/token.crt"
		fi
	} >"$dir/config.yml"
}

# Does GET /v2/ answer (over TLS, with the client certificate if needed)?
ready() {
	local args=(-s -o /dev/null --noproxy '*')
	if [ -n "$plain" ]; then
		curl "${args[@]}" "http://127.0.0.1:$1/v2/"
		return
	fi
	[ -z "$clientcerts" ] || args+=(--cert "$dir/client/client.cert" --key "$dir/client/client.key")
	curl "${args[@]}" --cacert "$dir/ca.crt" "https://127.0.0.1:$1/v2/"
}

start() {
	[ -x "$bin" ] || { echo "docker-registry is not installed" >&2; exit 1; }
	if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "the registry already runs for $dir (pid $(cat "$pidfile"))" >&2
		exit 1
	fi
	mkdir -p "$dir/data"
	make_certs
	[ -z "$clientcerts" ] || make_client_certs
	if [ -n "$auth" ]; then
		command -v htpasswd >/dev/null || { echo "htpasswd (apache2-utils) is missing" >&2; exit 1; }
		printf '%s\n' "${auth#*:}" | htpasswd -iBc "$dir/htpasswd" "${auth%%:*}" 2>/dev/null
	fi
	[ -z "$token" ] || start_issuer
	local port attempt
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(free_port)
		serve "$port" && return 0
		# lost the port to another process between the pick and the bind
		grep -q 'address already in use' "$dir/registry.log" || break
	done
	echo "docker-registry exited at start; its log ($dir/registry.log):" >&2
	tail -20 "$dir/registry.log" >&2
	exit 1
}

# serve PORT: runs the registry on PORT and waits (bounded) until it
# answers; fails if it exits first.
serve() {
	local port=$1 pid i
	write_config "$port"
	# No REGISTRY_* variables from the caller's environment reach it.
	env -i PATH=/usr/bin:/bin "$bin" serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 &
	pid=$!
	echo "$pid" >"$pidfile"
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null || true
			rm -f "$pidfile"
			return 1
		fi
		if ready "$port"; then
			echo "$port" >"$dir/port"
			echo "$port"
			return 0
		fi
		sleep 0.1
	done
	echo "docker-registry did not answer on 127.0.0.1:$port within 30 s; stopping it" >&2
	stop
	exit 1
}

# The token issuer: a signing key and certificate, the user, then the
# issuer itself; waits (bounded) for its port.
start_issuer() {
	local i pid
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=brig test token signer" \
		-keyout "$dir/tls/token.key" -out "$dir/tls/token.crt" 2>/dev/null
	(umask 077 && printf '%s\n' "$token" >"$dir/users")
	rm -f "$dir/issuer.port"
	: >"$dir/issuer.log"
	env -i PATH=/usr/bin:/bin python3 "$issuer" "$dir" "$service" "$issuer_name" \
		</dev/null >"$dir/issuer.out" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/issuer.pid"
	for ((i = 0; i < 300; i++)); do
		[ -s "$dir/issuer.port" ] && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "the token issuer exited at start:" >&2
			tail -20 "$dir/issuer.out" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "the token issuer did not start within 30 s" >&2
	stop_issuer
	exit 1
}

stop_issuer() {
	[ -s "$dir/issuer.pid" ] || return 0
	local pid i
	pid=$(cat "$dir/issuer.pid")
	if kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$issuer $dir "; then
		kill -TERM "$pid"
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	fi
	rm -f "$dir/issuer.pid"
}

stop() {
	stop_issuer
	[ -s "$pidfile" ] || return 0
	local pid i
	pid=$(cat "$pidfile")
	# Only our registry: the pid must still be docker-registry with our config.
	if kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "serve $dir/config.yml"; then
		kill -TERM "$pid"
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	fi
	rm -f "$pidfile"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
