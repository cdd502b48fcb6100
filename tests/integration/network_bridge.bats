#!/usr/bin/env bats
# brig network create|ls|inspect|rm|prune and run --network NAME
# (docs/network.md).  Every test runs brig inside a network namespace of its
# own (ip netns add brigtest-PID-N, entered with nsenter --net), so the
# bridges, veth pairs and the nft table live and die there; the host's
# namespace is never touched.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() {
	command -v nft >/dev/null || skip "nft(8) is not installed"
	command -v nsenter >/dev/null || skip "nsenter(1) is not installed"
	NS=brigtest-$$-$BATS_TEST_NUMBER
	ip netns add "$NS" 2>/dev/null || skip "cannot make a network namespace (ip netns add)"
	inns ip link set lo up
	inns nft list ruleset >/dev/null 2>&1 || skip "nftables does not work in a network namespace here"
	brig_setup
	mkdir -p "$ROOT"
	brig import "$BRIG_TAR" img >/dev/null
	BEFORE=$BATS_TEST_TMPDIR/before
	snapshot "$BEFORE"
}

teardown() {
	[ -z "${HTTPD:-}" ] || kill "$HTTPD" 2>/dev/null || true
	[ -z "${PEER:-}" ] || ip netns del "$PEER" 2>/dev/null || true
	[ -n "${NS:-}" ] || return 0
	local id
	for id in $(nbrig ps -a -q --no-trunc 2>/dev/null); do
		nbrig rm -f "$id" >/dev/null 2>&1 || true
	done
	nbrig network prune -f >/dev/null 2>&1 || true
	ip netns del "$NS" 2>/dev/null || true
}

# A command, and brig, inside the test's namespace.
inns() { nsenter --net="/run/netns/$NS" -- "$@"; }
nbrig() { inns "$BRIG" --root "$ROOT" "$@"; }

# A second namespace of the test's, PEER, joined to the test's by a veth
# pair: 192.0.2.1 (the test's namespace) and 192.0.2.2 (PEER): "outside".
peer_ns() {
	PEER=$NS-peer
	ip netns add "$PEER"
	ip -n "$PEER" link set lo up
	inns ip link add brtp0 type veth peer name brtp1 netns "$PEER"
	inns ip addr add 192.0.2.1/24 dev brtp0
	inns ip link set brtp0 up
	ip -n "$PEER" addr add 192.0.2.2/24 dev brtp1
	ip -n "$PEER" link set brtp1 up
	# The carrier comes a moment later: a snapshot taken before it would
	# differ from every later one (NO-CARRIER, DOWN).
	wait_until "the link to the peer namespace up" peer_link_up
}
peer_link_up() { inns ip -j link show brtp0 | jq -e '.[0].operstate == "UP"' >/dev/null; }
inpeer() { nsenter --net="/run/netns/$PEER" -- "$@"; }

# An HTTP answer (any status) from ADDR:PORT, within 2 s, asked from the
# test's namespace (answers) or from PEER (peer_answers).
answers() { inns curl --noproxy "*" -s -m 2 -o /dev/null "http://$1/"; }
peer_answers() { inpeer curl --noproxy "*" -s -m 2 -o /dev/null "http://$1/"; }

# Nothing listens on TCP port PORT in the test's namespace.
no_listener() { [ -z "$(inns ss -Hltn "sport = :$1")" ]; }

# The namespace's links, addresses and nft ruleset, as JSON files.
snapshot() {
	mkdir -p "$1"
	# (an IPv6 address's "tentative" flag goes once DAD is done: not a change)
	inns ip -j link | jq -S . >"$1/link"
	inns ip -j addr | jq -S 'walk(if type == "object" then del(.tentative) else . end)' >"$1/addr"
	inns nft -j list ruleset | jq -S . >"$1/nft"
}

# The namespace is exactly as before the test: poll (bounded) since the
# kernel destroys an ended container's namespace after it ends.
same_as_before() {
	local now=$BATS_TEST_TMPDIR/now
	snapshot "$now"
	diff -u "$BEFORE/link" "$now/link" >/dev/null &&
		diff -u "$BEFORE/addr" "$now/addr" >/dev/null &&
		diff -u "$BEFORE/nft" "$now/nft" >/dev/null
}
assert_as_before() {
	if ! wait_until "the namespace's links, addresses and nft ruleset as before" same_as_before; then
		diff -u "$BEFORE/link" "$BATS_TEST_TMPDIR/now/link" >&2 || true
		diff -u "$BEFORE/addr" "$BATS_TEST_TMPDIR/now/addr" >&2 || true
		diff -u "$BEFORE/nft" "$BATS_TEST_TMPDIR/now/nft" >&2 || true
		return 1
	fi
}

# A busybox httpd on port 8080 in container NAME on NETWORK; waits until the
# test's namespace (the host side of the bridge) gets an answer; prints its
# address.
web() {
	local name=$1 net=$2 ip
	nbrig run -d --name "$name" --network "$net" img httpd -f -p 8080 -h / >/dev/null || return 1
	ip=$(nbrig inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$name") || return 1
	wait_until "httpd in $name at $ip:8080" \
		inns curl --noproxy "*" -s -m 2 -o /dev/null "http://$ip:8080/" || return 1
	echo "$ip"
}

# From a new container on NETWORK: an HTTP request to IP:8080 (nc gives up
# after 5 s, or at once when the address is unreachable).
fetch() {
	nbrig run --rm --network "$1" img sh -c \
		"printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $2 8080"
}

@test "network create, ls, inspect, rm: the bridge, its address and nft rules are listed, then gone" {
	run nbrig network create --subnet 10.77.0.0/24 n1
	[ "$status" -eq 0 ] || false
	[[ "$output" =~ ^[0-9a-f]{64}$ ]] || false
	run nbrig network ls --format '{{.Name}} {{.Subnet}}'
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"n1 10.77.0.0/24"* ]] || false
	[[ "$output" == *"bridge 10.88.0.0/16"* ]] || false
	run nbrig network inspect n1
	[ "$status" -eq 0 ] || false
	br=$(jq -r '.[0].Options["com.docker.network.bridge.name"]' <<<"$output")
	[[ "$br" =~ ^brig-[0-9a-f]{8}$ ]] || false
	[ "$(jq -r '.[0].Brig.Host.Links[0]' <<<"$output")" = "$br" ] || false
	[ "$(jq -r '.[0].Brig.Host.Addresses[0]' <<<"$output")" = 10.77.0.1/24 ] || false
	[ "$(jq -r '.[0].Brig.Host.Nftables.Table' <<<"$output")" = "inet brig" ] || false
	[ "$(jq -r '.[0].Brig.Host.Nftables.Rules | length' <<<"$output")" -ge 3 ] || false
	# what inspect lists is what the namespace has
	run inns ip -j addr show dev "$br"
	[ "$status" -eq 0 ] || false
	[ "$(jq -r '.[0].addr_info[] | select(.family=="inet") | .local' <<<"$output")" = 10.77.0.1 ] || false
	run inns nft list table inet brig
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"\"$br\""* ]] || false
	run nbrig network rm n1
	[ "$status" -eq 0 ] || false
	assert_as_before
}

@test "two containers on one bridge cannot connect by default, can with --icc" {
	nbrig network create --subnet 10.77.0.0/24 closed >/dev/null
	nbrig network create --icc --subnet 10.78.0.0/24 open >/dev/null
	ip1=$(web w1 closed)
	ip2=$(web w2 open)
	run fetch closed "$ip1"
	[[ "$output" != *HTTP/1.* ]] || false
	run fetch open "$ip2"
	[ "$status" -eq 0 ] || false
	[[ "$output" == *HTTP/1.* ]] || false
	# Where br_netfilter is loaded, bridged traffic passes the inet forward
	# hook too; without it only the isolated bridge ports stop it: check
	# that layer alone.
	local knob=/proc/sys/net/bridge/bridge-nf-call-iptables
	if inns test -e "$knob"; then
		inns sh -c "echo 0 >$knob"
		run fetch closed "$ip1"
		[[ "$output" != *HTTP/1.* ]] || false
		run fetch open "$ip2"
		[[ "$output" == *HTTP/1.* ]] || false
	fi
}

@test "two networks are isolated, whichever has --icc" {
	nbrig network create --icc --subnet 10.77.0.0/24 a >/dev/null
	nbrig network create --icc --subnet 10.78.0.0/24 b >/dev/null
	ipa=$(web wa a)
	ipb=$(web wb b)
	run fetch a "$ipb"
	[[ "$output" != *HTTP/1.* ]] || false
	run fetch b "$ipa"
	[[ "$output" != *HTTP/1.* ]] || false
	# the servers are up: each is reached from its own network
	run fetch a "$ipa"
	[[ "$output" == *HTTP/1.* ]] || false
}

@test "--internal has no route out; a network that is not internal reaches the namespace" {
	inns ip addr add 192.0.2.1/32 dev lo
	nsenter --net="/run/netns/$NS" -- busybox httpd -f -p 192.0.2.1:8080 -h / 3>&- &
	HTTPD=$!
	wait_until "the namespace's httpd" inns curl --noproxy "*" -s -m 2 -o /dev/null http://192.0.2.1:8080/
	nbrig network create --internal --subnet 10.77.0.0/24 in >/dev/null
	nbrig network create --subnet 10.78.0.0/24 out >/dev/null
	run nbrig run --rm --network in img ip route
	[ "$status" -eq 0 ] || false
	[[ "$output" != *default* ]] || false
	run fetch in 192.0.2.1
	[[ "$output" != *HTTP/1.* ]] || false
	[[ "$output" == *"unreachable"* ]] || false
	run fetch out 192.0.2.1
	[[ "$output" == *HTTP/1.* ]] || false
	run nbrig network inspect -f '{{json .Brig.Host.Nftables.Rules}}' in
	[[ "$output" != *masquerade* ]] || false
}

@test "rm and network rm leave the namespace's links, addresses and nft ruleset as before" {
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	web w1 n1 >/dev/null
	run nbrig network inspect -f '{{json .Brig.Host.Veths}}' n1
	[[ "$output" =~ \"vb[0-9a-f]{13}\" ]] || false
	run nbrig network rm n1
	[ "$status" -ne 0 ] || false
	[ "${#lines[@]}" -eq 1 ] || false
	[[ "$output" == *"network n1 is in use by container"* ]] || false
	run nbrig rm -f w1
	[ "$status" -eq 0 ] || false
	run nbrig network rm n1
	[ "$status" -eq 0 ] || false
	assert_as_before
}

@test "SIGKILL of every container and monitor, then rm and network prune, leave the namespace as before" {
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	nbrig network create --icc --internal --subnet 10.78.0.0/24 n2 >/dev/null
	web w1 n1 >/dev/null
	web w2 n2 >/dev/null
	nbrig run -d --name w3 --network bridge img sleep 1000 >/dev/null
	for c in w1 w2 w3; do
		pid=$(nbrig inspect -f '{{.State.Pid}}' "$c")
		mon=$(awk '{print $4}' "/proc/$pid/stat")
		kill -KILL "$mon" "$pid"
	done
	for c in w1 w2 w3; do
		run nbrig rm -f "$c"
		[ "$status" -eq 0 ] || false
	done
	# what a network create killed before its rename leaves
	mkdir "$ROOT/networks/.tmp-$(printf 'a%.0s' {1..64})"
	run nbrig network prune -f
	[ "$status" -eq 0 ] || false
	[[ "$output" == *n1* && "$output" == *n2* ]] || false
	assert_as_before
	run ls -A "$ROOT/networks"
	[ "${#lines[@]}" -eq 2 ] || false # lock and the default network's record
}

@test "bad input: one clear line each, nothing made" {
	nbrig network create --subnet 10.77.0.0/16 n1 >/dev/null
	snapshot "$BEFORE"
	records() { find "$ROOT/networks" -maxdepth 2 | sort; }
	recs=$(records)
	run nbrig network create --subnet 10.77.5.0/24 n2
	[ "$status" -eq 1 ] || false
	[ "$output" = "brig: subnet 10.77.5.0/24 overlaps network n1 (10.77.0.0/16)" ] || false
	inns ip route add 10.99.0.0/16 dev lo
	snapshot "$BEFORE"
	run nbrig network create --subnet 10.99.1.0/24 n2
	[ "$status" -eq 1 ] || false
	[ "$output" = "brig: subnet 10.99.1.0/24 collides with the host route 10.99.0.0/16" ] || false
	run nbrig network create --subnet 10.78.0.0/24 n1
	[ "$status" -eq 1 ] || false
	[ "$output" = "brig: network n1 already exists" ] || false
	run nbrig network create bridge
	[ "$output" = "brig: network bridge already exists" ] || false
	run nbrig network create --subnet 10.78.0.1/24 n3
	[ "$status" -eq 1 ] || false
	[ "${#lines[@]}" -eq 1 ] || false
	[[ "$output" == *"host bits are set"* ]] || false
	run nbrig network create --subnet 10.78.0.0/24 --gateway 10.79.0.1 n3
	[ "$status" -eq 1 ] || false
	[ "$output" = "brig: --gateway 10.79.0.1: not a host address of the subnet 10.78.0.0/24" ] || false
	run nbrig network rm bridge
	[ "$status" -eq 1 ] || false
	[ "${#lines[@]}" -eq 1 ] || false
	run nbrig run --rm --network nosuch img true
	[ "$status" -eq 125 ] || false
	[ "$output" = 'brig: network "nosuch" not found' ] || false
	nbrig network create --internal --subnet 10.78.0.0/24 in >/dev/null
	recs=$(records)
	snapshot "$BEFORE"
	run nbrig run --rm --network in -p 8080:80 img true
	[ "$status" -eq 125 ] || false
	[ "$output" = "brig: -p/-P: network in is internal: nothing is published from it" ] || false
	[ "$(records)" = "$recs" ] || false
	assert_as_before
}

@test "--network bridge joins the default network, made on use and gone with its last container; run's default is none" {
	run nbrig run --rm img ip -o link
	[ "$status" -eq 0 ] || false
	[[ "$output" != *eth0* ]] || false
	run nbrig run --rm --network bridge img ip -o -4 addr show eth0
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"10.88.0.2/16"* ]] || false
	assert_as_before
}

# The table's rules with their handles: a write of the table (flush and
# fill) gives every rule a new one.
table_handles() { inns nft -a list table inet brig; }

@test "a start that changes nothing in the nft table writes none; a table changed by anyone else, or stale records, are mended at the next start" {
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	run nbrig run --rm --network n1 img true
	[ "$status" -eq 0 ] || false
	local before
	before=$(table_handles)
	run nbrig run --rm --network n1 img true
	[ "$status" -eq 0 ] || false
	[ "$(table_handles)" = "$before" ] || false
	# another program's rule in brig's table: gone at the next start
	inns nft add rule inet brig input iifname lo accept
	run nbrig run --rm --network n1 img true
	[ "$status" -eq 0 ] || false
	run inns nft list chain inet brig input
	[ "$status" -eq 0 ] || false
	[[ "$output" != *'iifname "lo" accept'* ]] || false
	# no table at all: made again
	inns nft delete table inet brig
	run nbrig run --rm --network n1 img true
	[ "$status" -eq 0 ] || false
	run inns nft list chain inet brig forward
	[[ "$output" == *'oifname "brig-'*'" drop'* ]] || false
	# what brig last wrote is not what the records say (a crash between
	# a change of them and the table's): written again
	before=$(table_handles)
	sed -i 's/^flush table inet brig$/flush table inet brig # stale/' "$ROOT/networks/table.stamp"
	run nbrig run --rm --network n1 img true
	[ "$status" -eq 0 ] || false
	[ "$(table_handles)" != "$before" ] || false
	run nbrig network rm n1
	[ "$status" -eq 0 ] || false
	assert_as_before
}

@test "a pair left by an earlier run of the container (its name taken) is replaced at start" {
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	local id netid veth
	id=$(nbrig create --name c1 --network n1 img ip -o -4 addr show eth0)
	netid=$(nbrig network inspect -f '{{.Id}}' n1)
	veth=vb${id:0:8}${netid:0:5}
	inns ip link add "$veth" type veth peer name brtstale0
	run nbrig start -a c1
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"10.77.0.2/24"* ]] || false
	run inns ip link show brtstale0
	[ "$status" -ne 0 ] || false
	run nbrig rm c1
	[ "$status" -eq 0 ] || false
	run nbrig network rm n1
	[ "$status" -eq 0 ] || false
	assert_as_before
}

@test "leases: concurrent creates get distinct addresses, rm releases them" {
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	local i pids=()
	for i in 1 2 3 4 5 6; do
		nbrig create --name "c$i" --network n1 img true >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	run nbrig inspect -f '{{.NetworkSettings.Networks.n1.IPAddress}}' c1 c2 c3 c4 c5 c6
	[ "$status" -eq 0 ] || false
	[ "$(sort -u <<<"$output" | wc -l)" -eq 6 ] || false
	id=$(nbrig network inspect -f '{{.Id}}' n1)
	[ "$(jq length "$ROOT/networks/$id/leases.json")" -eq 6 ] || false
	run nbrig network inspect -f '{{len .Containers}}' n1
	[ "$output" = 6 ] || false
	nbrig rm c1 c2 c3 c4 c5 c6 >/dev/null
	[ "$(jq length "$ROOT/networks/$id/leases.json")" -eq 0 ] || false
	run nbrig network rm n1
	[ "$status" -eq 0 ] || false
	assert_as_before
}

@test "-p on a bridge: 127.0.0.1 and ::1 (a confined proxy) when no address is given and reached there only; 0.0.0.0 from outside; rules gone at stop and rm" {
	peer_ns
	snapshot "$BEFORE"
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	run nbrig run -d --name w1 --network n1 -p 8080:8080 img httpd -f -p 8080 -h /
	[ "$status" -eq 0 ] || false
	wait_until "w1 through 127.0.0.1:8080" answers 127.0.0.1:8080
	run nbrig port w1
	[ "$output" = $'8080/tcp -> 127.0.0.1:8080\n8080/tcp -> [::1]:8080' ] || false
	# ::1 too, through the container's proxy: confined, and no DNAT rule
	if inns ip -6 addr show dev lo | grep -q '::1/128'; then
		wait_until "w1 through [::1]:8080" answers '[::1]:8080'
		run inns ss -Hltnp 'sport = :8080'
		[[ "$output" == *"[::1]:8080"*'"brig-proxy"'* ]] || false
		px=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$output" | head -1)
		run grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$px/status"
		[[ "$output" == *$'CapEff:\t0000000000000000'* && "$output" == *$'NoNewPrivs:\t1'* && "$output" == *$'Seccomp:\t2'* ]] || false
		[ "$(readlink "/proc/$px/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || false
		# a program of its own (no copy of the monitor), holding the
		# pidfd of w1's init (fd 3) and its listener (fd 4), nothing else
		[[ "$(readlink "/proc/$px/exe")" == */brig-proxy ]] || false
		run ls "/proc/$px/fd"
		[ "$output" = $'3\n4' ] || false
		run inns nft list table inet brig
		[[ "$output" != *"::1"*"dport 8080"* ]] || false
	fi
	# not on the namespace's other addresses, from inside or outside
	run answers 10.77.0.1:8080
	[ "$status" -ne 0 ] || false
	run answers 192.0.2.1:8080
	[ "$status" -ne 0 ] || false
	run peer_answers 192.0.2.1:8080
	[ "$status" -ne 0 ] || false
	# 0.0.0.0: from outside too
	run nbrig run -d --name w2 --network n1 -p 0.0.0.0:8081:8080 img httpd -f -p 8080 -h /
	[ "$status" -eq 0 ] || false
	wait_until "w2 from the peer namespace through 192.0.2.1:8081" peer_answers 192.0.2.1:8081
	run answers 127.0.0.1:8081
	[ "$status" -eq 0 ] || false
	# a host port held by another container: one line, no container left running
	run nbrig run -d --name w3 --network n1 -p 8080:80 img true
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"127.0.0.1:8080 is already in use"* ]] || false
	run nbrig network inspect -f '{{json .Brig.Host.Nftables.Rules}}' n1
	[[ "$output" == *"dport 8080 dnat ip to 10.77.0.2:8080"* ]] || false
	# stop takes w1's rules away, start brings them back
	nbrig stop -t 1 w1 >/dev/null
	run inns nft list table inet brig
	[[ "$output" != *"dport 8080 "* ]] || false
	# the proxy went with it: nothing listens on [::1]:8080
	wait_until "no listener on port 8080 once w1 stopped" no_listener 8080
	[[ "$output" == *"dport 8081 "* ]] || false
	nbrig start w1 >/dev/null
	wait_until "w1 through 127.0.0.1:8080 after its restart" answers 127.0.0.1:8080
	run nbrig rm -f w1 w2 w3
	[ "$status" -eq 0 ] || false
	run inns nft list table inet brig
	[[ "$output" != *"dnat ip to"* ]] || false
	run nbrig network rm n1
	[ "$status" -eq 0 ] || false
	assert_as_before
}

@test "-p on a bridge: the bridge's route_localnet does not let a neighbour reach the namespace's loopback" {
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	run nbrig run -d --name w1 --network n1 -p 8080:8080 img httpd -f -p 8080 -h /
	[ "$status" -eq 0 ] || false
	br=$(nbrig network inspect n1 | jq -r '.[0].Options["com.docker.network.bridge.name"]')
	[ "$(inns cat "/proc/sys/net/ipv4/conf/$br/route_localnet")" = 1 ] || false
	nsenter --net="/run/netns/$NS" -- busybox httpd -f -p 127.0.0.1:8099 -h / 3>&- &
	HTTPD=$!
	wait_until "the namespace's httpd on 127.0.0.1:8099" answers 127.0.0.1:8099
	# A neighbour on the bridge (a namespace of the test's, as a container
	# with NET_ADMIN could be) sends to 127.0.0.1 through the gateway.
	PEER=$NS-peer
	ip netns add "$PEER"
	inns ip link add brta0 type veth peer name brta1 netns "$PEER"
	inns ip link set brta0 master "$br" up
	ip -n "$PEER" addr add 10.77.0.200/24 dev brta1
	ip -n "$PEER" link set brta1 up
	ip netns exec "$PEER" sysctl -q -w "net.ipv4.conf.brta1.route_localnet=1"
	ip -n "$PEER" route add 127.0.0.1/32 via 10.77.0.1 dev brta1 src 10.77.0.200
	wait_until "the neighbour reaching the gateway" inpeer busybox ping -c 1 -W 1 10.77.0.1
	run peer_answers 127.0.0.1:8099
	[ "$status" -ne 0 ] || false
}

@test "--ip and --mac-address: the container's eth0 has them; a taken, foreign or bad one is one clear line" {
	nbrig network create --subnet 10.77.0.0/24 n1 >/dev/null
	run nbrig run -d --name c1 --network n1 --ip 10.77.0.50 --mac-address 02:42:0a:4d:00:32 img sleep 1000
	[ "$status" -eq 0 ] || false
	run nbrig exec c1 ip -o addr show eth0
	[[ "$output" == *"inet 10.77.0.50/24"* ]] || false
	run nbrig exec c1 cat /sys/class/net/eth0/address
	[ "$output" = 02:42:0a:4d:00:32 ] || false
	run nbrig inspect -f '{{.NetworkSettings.Networks.n1.IPAddress}} {{.NetworkSettings.Networks.n1.MacAddress}} {{.NetworkSettings.Networks.n1.IPAMConfig.IPv4Address}}' c1
	[ "$output" = "10.77.0.50 02:42:0a:4d:00:32 10.77.0.50" ] || false
	# the address and MAC come back at a restart
	nbrig stop -t 1 c1 >/dev/null
	nbrig start c1 >/dev/null
	run nbrig exec c1 cat /sys/class/net/eth0/address
	[ "$output" = 02:42:0a:4d:00:32 ] || false
	# without --ip: the lowest free address
	run nbrig run --rm --network n1 img ip -o -4 addr show eth0
	[[ "$output" == *"10.77.0.2/24"* ]] || false
	bad() { # WANT ARGS...
		local want=$1
		shift
		run nbrig run --rm "$@" img true
		[ "$status" -eq 125 ] || return 1
		[ "$output" = "brig: $want" ] || { echo "got: $output" >&2; return 1; }
	}
	c1id=$(nbrig inspect -f '{{.Id}}' c1 | cut -c1-12)
	bad "--ip 10.77.0.50: in use by container $c1id" --network n1 --ip 10.77.0.50 || false
	bad "--ip 10.78.0.5: not a host address of network n1 (10.77.0.0/24)" --network n1 --ip 10.78.0.5 || false
	bad "--ip 10.77.0.255: not a host address of network n1 (10.77.0.0/24)" --network n1 --ip 10.77.0.255 || false
	bad "--ip 10.77.0.1: the gateway of network n1" --network n1 --ip 10.77.0.1 || false
	bad '--ip "fd00::5": not an IPv4 address' --network n1 --ip fd00::5 || false
	bad "--ip and --mac-address need a bridge network (--network NAME)" --ip 10.77.0.9 || false
	bad '--mac-address "03:42:0a:4d:00:32": not a unicast MAC address (XX:XX:XX:XX:XX:XX, first octet even)' --network n1 --mac-address 03:42:0a:4d:00:32 || false
	[ "$(nbrig ps -a -q | wc -l)" -eq 1 ] || false
}
