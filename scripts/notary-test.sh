#!/bin/bash
# A throwaway Notary v1 service for the tests: notary-server and
# notary-signer (Debian's notary package) on 127.0.0.1 with TLS from a CA
# made here, in-memory storage; and tags signed with the notary CLI.
#
#   notary-test.sh start DIR     prints NOTARY_URL=... and NOTARY_CA=...
#   notary-test.sh stop DIR      ends the two servers this script started
#   notary-test.sh addhash DIR GUN TAG SIZE SHA256HEX
#                                signs TAG (the CLI's trust dir is DIR/client;
#                                the repository is made on first use)
#
# Everything lives in DIR; the servers' pids are in DIR/*.pid and only those
# are ever signalled.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
	echo "usage: $0 start|stop DIR | addhash DIR GUN TAG SIZE SHA256HEX" >&2
	exit 2
}
mkdir -p "$dir"
dir=$(realpath "$dir")
tls=$dir/tls

source "$(dirname "$(realpath "$0")")/free-port.sh"

# leaf NAME CN: an ECDSA P-256 key (PKCS#8, as Go reads it) and a
# certificate for 127.0.0.1 signed by the CA, for server and client use.
leaf() {
	local n=$1 cn=$2
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tls/$n.key" 2>/dev/null
	openssl req -new -key "$tls/$n.key" -subj "/CN=$cn" -out "$tls/$n.csr" 2>/dev/null
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
		'keyUsage=critical,digitalSignature,keyEncipherment' \
		'extendedKeyUsage=serverAuth,clientAuth' \
		'subjectAltName=IP:127.0.0.1,DNS:localhost' >"$tls/$n.ext"
	openssl x509 -req -in "$tls/$n.csr" -CA "$dir/ca.crt" -CAkey "$tls/ca.key" \
		-CAcreateserial -CAserial "$tls/ca.srl" -days 2 -sha256 -extfile "$tls/$n.ext" \
		-out "$tls/$n.crt" 2>/dev/null
}

make_certs() {
	mkdir -p "$tls"
	chmod 700 "$tls"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tls/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$tls/ca.key" -days 2 -sha256 -subj "/CN=brig test notary CA" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign -out "$dir/ca.crt" 2>/dev/null
	leaf server notary-server
	leaf signer notarysigner
}

write_configs() {
	local port=$1 sport=$2
	cat >"$dir/signer.json" <<JSON
{"server": {"grpc_addr": "127.0.0.1:$sport", "tls_cert_file": "$tls/signer.crt",
            "tls_key_file": "$tls/signer.key", "client_ca_file": "$dir/ca.crt"},
 "storage": {"backend": "memory"}, "logging": {"level": "info"}}
JSON
	cat >"$dir/server.json" <<JSON
{"server": {"http_addr": "127.0.0.1:$port", "tls_cert_file": "$tls/server.crt",
            "tls_key_file": "$tls/server.key"},
 "trust_service": {"type": "remote", "hostname": "127.0.0.1", "port": "$sport",
                   "key_algorithm": "ecdsa", "tls_ca_file": "$dir/ca.crt",
                   "tls_client_cert": "$tls/server.crt", "tls_client_key": "$tls/server.key"},
 "storage": {"backend": "memory"}, "logging": {"level": "info"},
 "caching": {"max_age": {"current_metadata": 0, "consistent_metadata": 31536000}}}
JSON
}

# wait_for WHAT CMD...: poll CMD (bounded, 15 s) until it succeeds.
wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < 150; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "$what did not come up; its log:" >&2
	tail -20 "$dir/$what.log" >&2
	return 1
}

start() {
	for b in notary-server notary-signer openssl curl ss; do
		command -v "$b" >/dev/null || { echo "$b is not installed" >&2; exit 1; }
	done
	make_certs
	local port sport
	port=$(free_port)
	sport=$(free_port)
	write_configs "$port" "$sport"
	notary-signer -config "$dir/signer.json" -logf logfmt >"$dir/signer.log" 2>&1 &
	echo $! >"$dir/signer.pid"
	wait_for signer bash -c "exec 3<>/dev/tcp/127.0.0.1/$sport"
	notary-server -config "$dir/server.json" -logf logfmt >"$dir/server.log" 2>&1 &
	echo $! >"$dir/server.pid"
	wait_for server curl -fsS --cacert "$dir/ca.crt" \
		"https://127.0.0.1:$port/_notary_server/health"
	echo "https://127.0.0.1:$port" >"$dir/url"
	echo "NOTARY_URL=https://127.0.0.1:$port"
	echo "NOTARY_CA=$dir/ca.crt"
}

stop_one() {
	local pidfile=$dir/$1.pid pid i
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$pidfile"
}

# The notary CLI with throwaway passphrases (the keys live in DIR/client).
notary_cli() {
	NOTARY_ROOT_PASSPHRASE=brig-test-root NOTARY_TARGETS_PASSPHRASE=brig-test-targets \
		NOTARY_SNAPSHOT_PASSPHRASE=brig-test-snapshot \
		notary -s "$(cat "$dir/url")" --tlscacert "$dir/ca.crt" -d "$dir/client" "$@"
}

addhash() {
	[ $# -eq 4 ] || { echo "usage: $0 addhash DIR GUN TAG SIZE SHA256HEX" >&2; exit 2; }
	local gun=$1
	if ! curl -fsS -o /dev/null --cacert "$dir/ca.crt" \
		"$(cat "$dir/url")/v2/$gun/_trust/tuf/root.json"; then
		notary_cli init "$gun" -p >&2
	fi
	notary_cli addhash "$gun" "$2" "$3" --sha256 "$4" -p >&2
}

case $cmd in
start) start ;;
stop) stop_one server; stop_one signer ;;
addhash) shift 2; addhash "$@" ;;
*) echo "usage: $0 start|stop DIR | addhash DIR GUN TAG SIZE SHA256HEX" >&2; exit 2 ;;
esac
