#!/usr/bin/env bats
# brig network connect|disconnect, peers' names and --network-alias in
# /etc/hosts, egress limits (docs/network.md).  One network namespace and
# one store for the file (setup_file): brig runs inside the namespace, so
# its bridges, veth pairs and nft table live and die there; each test
# removes its containers and networks.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() {
	command -v nft >/dev/null || skip "nft(8) is not installed"
	command -v nsenter >/dev/null || skip "nsenter(1) is not installed"
	export NS=brigconn-$$
	ip netns add "$NS" 2>/dev/null || skip "cannot make a network namespace (ip netns add)"
	nsenter --net="/run/netns/$NS" -- ip link set lo up
	nsenter --net="/run/netns/$NS" -- nft list ruleset >/dev/null 2>&1 ||
		skip "nftables does not work in a network namespace here"
	export ROOT=$BATS_FILE_TMPDIR/root
	mkdir -p "$ROOT"
	brig_image_tar
	nsenter --net="/run/netns/$NS" -- "$BRIG" --root "$ROOT" import "$BRIG_TAR" img >/dev/null
}

teardown_file() {
	[ -n "${NS:-}" ] || return 0
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	[ -e "/run/netns/$NS" ] || skip "no network namespace"
	BRIG_ROOT=$ROOT brig_setup
}

teardown() {
	[ -z "${HTTPD:-}" ] || kill "$HTTPD" 2>/dev/null || true
	inns ip addr del 192.0.2.1/32 dev lo 2>/dev/null || true
	local id
	for id in $(nbrig ps -a -q --no-trunc 2>/dev/null); do
		nbrig rm -f "$id" >/dev/null 2>&1 || true
	done
	nbrig network prune -f >/dev/null 2>&1 || true
}

inns() { nsenter --net="/run/netns/$NS" -- "$@"; }
nbrig() { inns "$BRIG" --root "$ROOT" "$@"; }

# A busybox httpd on port 8080 in a new container NAME on NETWORK, up.
web() {
	local ip
	nbrig run -d --name "$1" --network "$2" "${@:3}" img httpd -f -p 8080 -h / >/dev/null || return 1
	ip=$(nbrig inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1") || return 1
	wait_until "httpd in $1 at $ip:8080" \
		inns curl --noproxy "*" -s -m 2 -o /dev/null "http://$ip:8080/" || return 1
}

# From container CTR: an HTTP request to ADDR:8080 (nc gives up after 2 s).
get_from() {
	nbrig exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $2 8080"
}

@test "network connect and disconnect a running container: an interface at once, then gone" {
	nbrig network create --icc --subnet 10.77.0.0/24 a >/dev/null
	nbrig network create --icc --subnet 10.78.0.0/24 b >/dev/null
	web wb b
	nbrig run -d --name c --network a img sleep 1000 >/dev/null
	run get_from c 10.78.0.2
	[[ "$output" != *HTTP/1.* ]] || false
	run nbrig network connect --ip 10.78.0.50 b c
	[ "$status" -eq 0 ] || false
	run nbrig exec c ip -o -4 addr show eth1
	[[ "$output" == *"10.78.0.50/24"* ]] || false
	run get_from c 10.78.0.2
	[[ "$output" == *HTTP/1.* ]] || false
	run nbrig inspect -f '{{(index .NetworkSettings.Networks "b").IPAddress}} {{(index .NetworkSettings.Networks "b").Interface}}' c
	[ "$output" = "10.78.0.50 eth1" ] || false
	run nbrig network inspect -f '{{len .Containers}}' b
	[ "$output" = 2 ] || false
	# connected twice: one line
	run nbrig network connect b c
	[ "$status" -ne 0 ] || false
	[ "$output" = "brig: container $(nbrig inspect -f '{{printf "%.12s" .Id}}' c) is already on network b" ] || false
	run nbrig network disconnect b c
	[ "$status" -eq 0 ] || false
	run nbrig exec c ip -o link show eth1
	[ "$status" -ne 0 ] || false
	run get_from c 10.78.0.2
	[[ "$output" != *HTTP/1.* ]] || false
	run nbrig inspect -f '{{len .NetworkSettings.Networks}}' c
	[ "$output" = 1 ] || false
	run nbrig network inspect -f '{{len .Containers}}' b
	[ "$output" = 1 ] || false
	run nbrig network disconnect b c
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"is not on network b"* ]] || false
}

@test "network connect a stopped container (made with --network none): its interface at the next start" {
	nbrig network create --subnet 10.77.0.0/24 a >/dev/null
	nbrig create --name c img sleep 1000 >/dev/null
	run nbrig network connect a c
	[ "$status" -eq 0 ] || false
	nbrig start c >/dev/null
	run nbrig exec c ip -o -4 addr show eth0
	[[ "$output" == *"10.77.0.2/24"* ]] || false
	run nbrig network rm a
	[[ "$output" == *"in use by container"* ]] || false
	nbrig stop -t 0 c >/dev/null
	run nbrig network disconnect a c
	[ "$status" -eq 0 ] || false
	nbrig start c >/dev/null
	run nbrig exec c ip -o link
	[[ "$output" != *eth0* ]] || false
	run nbrig network rm a
	[ "$status" -eq 0 ] || false
	# a container on the host's network has no namespace to plug into
	nbrig network create --subnet 10.77.0.0/24 a >/dev/null
	nbrig create --name h --network host img true >/dev/null 2>&1
	run nbrig network connect a h
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"uses --network host: it cannot be connected"* ]] || false
}

@test "peers' names and --network-alias in /etc/hosts, kept current on connect, disconnect and rm" {
	nbrig network create --icc --subnet 10.77.0.0/24 open >/dev/null
	nbrig network create --subnet 10.78.0.0/24 closed >/dev/null
	web w1 open --network-alias www
	nbrig run -d --name w2 --network open img sleep 1000 >/dev/null
	web w3 closed
	run nbrig exec w2 cat /etc/hosts
	[[ "$output" == *$'10.77.0.2\tw1 www'* ]] || false
	run get_from w2 www
	[[ "$output" == *HTTP/1.* ]] || false
	run nbrig exec w1 cat /etc/hosts
	[[ "$output" == *$'10.77.0.3\tw2'* ]] || false
	# not on a network without --icc: the peer could not be reached
	run nbrig exec w3 cat /etc/hosts
	[[ "$output" != *w1* && "$output" != *w2* ]] || false
	run nbrig network connect --alias db open w3
	[ "$status" -eq 0 ] || false
	run nbrig exec w1 cat /etc/hosts
	[[ "$output" == *$'10.77.0.4\tw3 db'* ]] || false
	run nbrig exec w3 cat /etc/hosts
	[[ "$output" == *$'10.77.0.2\tw1 www'* ]] || false
	run get_from w1 db
	[[ "$output" == *HTTP/1.* ]] || false
	run nbrig network disconnect open w3
	run nbrig exec w1 cat /etc/hosts
	[[ "$output" != *w3* ]] || false
	run nbrig exec w3 cat /etc/hosts
	[[ "$output" != *w1* ]] || false
	nbrig rm -f w2 >/dev/null
	run nbrig exec w1 cat /etc/hosts
	[[ "$output" != *w2* ]] || false
	[[ "$output" == *localhost* ]] || false
}

@test "egress none: -o egress=none on a network, --egress none on a container; answers and peers still go" {
	inns ip addr add 192.0.2.1/32 dev lo
	nsenter --net="/run/netns/$NS" -- busybox httpd -f -p 192.0.2.1:8080 -h / 3>&- &
	HTTPD=$!
	wait_until "the namespace's httpd" inns curl --noproxy "*" -s -m 2 -o /dev/null http://192.0.2.1:8080/
	nbrig network create --icc -o egress=none --subnet 10.77.0.0/24 lim >/dev/null
	nbrig network create --subnet 10.78.0.0/24 free >/dev/null
	run nbrig network inspect -f '{{.Brig.Egress}} {{index .Options "egress"}}' lim
	[ "$output" = "none none" ] || false
	web w1 lim -p 18080:8080
	nbrig run -d --name c1 --network lim img sleep 1000 >/dev/null
	nbrig run -d --name c2 --network free --egress none img sleep 1000 >/dev/null
	nbrig run -d --name c3 --network free img sleep 1000 >/dev/null
	run get_from c3 192.0.2.1
	[[ "$output" == *HTTP/1.* ]] || false
	run get_from c1 192.0.2.1
	[[ "$output" != *HTTP/1.* ]] || false
	run get_from c2 192.0.2.1
	[[ "$output" != *HTTP/1.* ]] || false
	# a peer on the bridge, and the answers of a published port
	run get_from c1 w1
	[[ "$output" == *HTTP/1.* ]] || false
	run inns curl --noproxy "*" -s -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:18080/
	[ "$output" = 200 ] || [ "$output" = 404 ] || false
	run nbrig inspect -f '{{.Brig.Effective.Network.Egress}}' c2
	[ "$output" = none ] || false
	run nbrig network create -o mtu=9000 bad
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"brig knows egress=none and egress=all only"* ]] || false
	run nbrig run --rm --network host --egress none img true
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"--egress none cannot be used with --network host"* ]] || false
}

# The handle of the table (a table deleted and made again gets a new one)
# and the names of its chains.
chain_handles() { inns nft -a list table inet brig | awk '/^table|chain .* \{ # handle/ {print $1, $2, $NF}'; }

@test "-p: a start and the end of a run keep the table and its chains" {
	nbrig network create --subnet 10.77.0.0/24 a >/dev/null
	run chain_handles
	[ "$status" -eq 0 ] || false
	before=$output
	[[ "$before" == *forward* && "$before" == *output* ]] || false
	run nbrig run --rm --network a -p 18081:80 img true
	[ "$status" -eq 0 ] || false
	run chain_handles
	[ "$output" = "$before" ] || false
	nbrig run -d --name p --network a -p 18081:80 img sleep 1000 >/dev/null
	run inns nft list chain inet brig output
	[[ "$output" == *"dport 18081 dnat ip to 10.77.0."* ]] || false
	nbrig rm -f p >/dev/null
	run inns nft list chain inet brig output
	[[ "$output" != *18081* ]] || false
	run chain_handles
	[ "$output" = "$before" ] || false
}

@test "-p: a start adds only its DNAT rules to the kept table, the end of the run takes only them away" {
	nbrig network create --subnet 10.77.0.0/24 a >/dev/null
	run nbrig run --rm --network a img true
	[ "$status" -eq 0 ] || false
	# the table with every rule's handle (a rule written again gets a new one)
	local before
	before=$(inns nft -a list table inet brig)
	nbrig run -d --name p --network a -p 18082:80 -p 127.0.0.2:18083:81/udp img sleep 1000 >/dev/null
	run diff <(echo "$before") <(inns nft -a list table inet brig)
	# nothing changed or gone, two rules added, both the container's
	[[ "$output" != *"<"* ]] || false
	[ "$(grep -c '^> ' <<<"$output")" -eq 2 ] || false
	[[ "$output" == *'> '*'ip daddr 127.0.0.1 tcp dport 18082 dnat ip to 10.77.0.'*':80 comment "brig-'* ]] || false
	[[ "$output" == *'> '*'ip daddr 127.0.0.2 udp dport 18083 dnat ip to 10.77.0.'*':81 comment "brig-'* ]] || false
	nbrig rm -f p >/dev/null
	[ "$(inns nft -a list table inet brig)" = "$before" ] || false
}

@test "-p: a table changed by another program since brig wrote it is written whole at the next start" {
	nbrig network create --subnet 10.77.0.0/24 a >/dev/null
	run nbrig run --rm --network a img true
	[ "$status" -eq 0 ] || false
	inns nft add rule inet brig output tcp dport 18084 accept
	nbrig run -d --name p --network a -p 18082:80 img sleep 1000 >/dev/null
	run inns nft list chain inet brig output
	[[ "$output" == *"dport 18082 dnat ip to 10.77.0."* ]] || false
	[[ "$output" != *18084* ]] || false
	nbrig rm -f p >/dev/null
}

# Bind 127.0.0.1:PORT as a program of the host would (SO_REUSEADDR).
bind_port() {
	inns python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1"
}

@test "-p: the host port is held while the container runs, free again when it ends" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	nbrig network create --subnet 10.77.0.0/24 a >/dev/null
	run bind_port 18082
	[ "$status" -eq 0 ] || false
	nbrig run -d --name p --network a -p 18082:80 img sleep 1000 >/dev/null
	run bind_port 18082
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"Address already in use"* ]] || false
	nbrig stop -t 0 p >/dev/null
	wait_until "port 18082 free once p ended" bind_port 18082
	nbrig start p >/dev/null
	run bind_port 18082
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"Address already in use"* ]] || false
}

# A server of the namespace on 127.0.0.1:PORT that closes a connection
# first and ends: its side stays in TIME_WAIT on PORT.  Fails unless a bind
# of PORT without SO_REUSEADDR is then refused.
time_wait() {
	inns python3 -c 'import errno, socket, sys, time
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
cli = socket.create_connection(("127.0.0.1", port))
conn, _ = srv.accept()
conn.close()
cli.recv(1)
cli.close()
srv.close()
for _ in range(100):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            sys.exit(0)
        raise
    finally:
        s.close()
    time.sleep(0.05)
sys.exit("no TIME_WAIT on port %d" % port)' "$1"
}

@test "-p: a port with TIME_WAIT connections of a host server that ended is taken, and still held" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	nbrig network create --subnet 10.77.0.0/24 a >/dev/null
	run time_wait 18083
	[ "$status" -eq 0 ] || false
	run nbrig run -d --name p --network a -p 18083:80 img sleep 1000
	[ "$status" -eq 0 ] || false
	run bind_port 18083
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"Address already in use"* ]] || false
}

@test "--link: the linked pair reach each other (by alias in /etc/hosts) on a network without --icc; a third does not" {
	nbrig network create --subnet 10.77.0.0/24 ln >/dev/null
	web db ln
	nbrig run -d --name app --network ln --link db:dbalias img sleep 1000 >/dev/null
	nbrig run -d --name other --network ln img sleep 1000 >/dev/null
	run nbrig exec app cat /etc/hosts
	[[ "$output" == *$'10.77.0.2\tdbalias db'* ]] || false
	run nbrig inspect -f '{{json .HostConfig.Links}}' app
	[ "$output" = '["db:dbalias"]' ] || false
	run get_from app dbalias
	[[ "$output" == *HTTP/1.* ]] || false
	run get_from other 10.77.0.2
	[[ "$output" != *HTTP/1.* ]] || false
	# the default network: the link opens the pair's traffic only
	web db2 bridge
	db2=$(nbrig inspect -f '{{(index .NetworkSettings.Networks "bridge").IPAddress}}' db2)
	nbrig run -d --name app2 --network bridge --link db2 img sleep 1000 >/dev/null
	nbrig run -d --name third --network bridge img sleep 1000 >/dev/null
	run get_from app2 db2
	[[ "$output" == *HTTP/1.* ]] || false
	run get_from third "$db2"
	[[ "$output" != *HTTP/1.* ]] || false
	run nbrig run --rm --network none --link db img true
	[[ "$output" == *"--link needs a bridge network"* ]] || false
	run nbrig run --rm --network ln --link nosuch img true
	[[ "$output" == *"--link nosuch"* ]] || false
}

@test "network connect --link: the pair reach each other on that network (alias in /etc/hosts), a third does not; disconnect ends it" {
	nbrig network create --subnet 10.77.0.0/24 ln >/dev/null
	nbrig network create --subnet 10.78.0.0/24 home >/dev/null
	web db ln
	nbrig run -d --name app --network home img sleep 1000 >/dev/null
	nbrig run -d --name other --network ln img sleep 1000 >/dev/null
	run nbrig network connect --link db:dbalias ln app
	[ "$status" -eq 0 ] || false
	run nbrig inspect -f '{{json (index .NetworkSettings.Networks "ln").Links}}' app
	[ "$output" = '["db:dbalias"]' ] || false
	run nbrig exec app cat /etc/hosts
	[[ "$output" == *$'10.77.0.2\tdbalias db'* ]] || false
	run get_from app dbalias
	[[ "$output" == *HTTP/1.* ]] || false
	run get_from other 10.77.0.2
	[[ "$output" != *HTTP/1.* ]] || false
	# the link was to ln: connected again without it, app is a stranger
	nbrig network disconnect ln app
	nbrig network connect ln app
	run get_from app 10.77.0.2
	[[ "$output" != *HTTP/1.* ]] || false
	run nbrig network connect --link nosuch home other
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"--link nosuch"* ]] || false
	run nbrig inspect -f '{{len .NetworkSettings.Networks}}' other
	[ "$output" = 1 ] || false
}
