#!/usr/bin/env bats
# IPv6 on bridge networks: `network create --ipv6` (docs/network.md, "IPv6").
# One network namespace and one store for the file (setup_file): brig runs
# inside the namespace, so its bridges, veth pairs and nft table live and
# die there.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() {
	command -v nft >/dev/null || skip "nft(8) is not installed"
	command -v nsenter >/dev/null || skip "nsenter(1) is not installed"
	export NS=brigv6-$$
	ip netns add "$NS" 2>/dev/null || skip "cannot make a network namespace (ip netns add)"
	nsenter --net="/run/netns/$NS" -- ip link set lo up
	[ -e /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
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
	local a
	for a in fd00:99::1 fd00:97::1 fd00:96::1; do
		inns ip -6 addr del "$a/128" dev lo 2>/dev/null || true
	done
	local id
	for id in $(nbrig ps -a -q --no-trunc 2>/dev/null); do
		nbrig rm -f "$id" >/dev/null 2>&1 || true
	done
	nbrig network prune -f >/dev/null 2>&1 || true
}

inns() { nsenter --net="/run/netns/$NS" -- "$@"; }
nbrig() { inns "$BRIG" --root "$ROOT" "$@"; }

fail() {
	echo "FAIL: $*" >&2
	echo "status: ${status:-} output: ${output:-}" >&2
	return 1
}

# From container CTR: an HTTP request to [ADDR]:8080 (nc gives up after 2 s).
get_from() {
	nbrig exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $2 8080"
}

@test "network --ipv6: addresses, gateway and inspect; icc off holds over IPv6, --icc lets it through" {
	run nbrig network create --ipv6 v6
	[ "$status" -eq 0 ] || fail "create"
	run nbrig network inspect -f '{{.EnableIPv6}} {{(index .IPAM.Config 1).Subnet}} {{(index .IPAM.Config 1).Gateway}}' v6
	[[ "$output" =~ ^true\ fd[0-9a-f:]+::/64\ fd[0-9a-f:]+::1$ ]] || fail "inspect: $output"
	nbrig network create --ipv6 --icc --subnet fd00:77::/64 v6icc >/dev/null
	# network ls: both subnets in the table, the IPv6 ones in templates and JSON
	run nbrig network ls
	[[ "$output" =~ v6icc\ +bridge\ +local\ +10\.[0-9.]+/24,fd00:77::/64 ]] || fail "ls: $output"
	run nbrig network ls --format '{{.Name}} {{.IPv6}} {{.Subnet6}} {{.Gateway6}}'
	[[ "$output" == *"v6icc true fd00:77::/64 fd00:77::1"* ]] || fail "ls template: $output"
	run nbrig network ls --format json
	[[ "$output" == *'"Subnet6":"fd00:77::/64"'* ]] || fail "ls json: $output"
	run nbrig network create --ipv6 --subnet fd00:77:0:0:1::/80 clash
	[[ "$output" == "brig: subnet fd00:77:0:0:1::/80 overlaps network v6icc (fd00:77::/64)" ]] || fail "overlap: $output"
	run nbrig network create --subnet fd00:78::/64 nov6
	[[ "$output" == *"an IPv6 subnet needs --ipv6"* ]] || fail "without --ipv6: $output"
	for net in v6 v6icc; do
		nbrig run -d --name "w$net" --network "$net" img httpd -f -p 8080 -h / >/dev/null
		nbrig run -d --name "c$net" --network "$net" img sleep 1000 >/dev/null
	done
	run nbrig inspect -f '{{(index .NetworkSettings.Networks "v6icc").GlobalIPv6Address}}/{{(index .NetworkSettings.Networks "v6icc").GlobalIPv6PrefixLen}} {{(index .NetworkSettings.Networks "v6icc").IPv6Gateway}}' wv6icc
	[ "$output" = "fd00:77::2/64 fd00:77::1" ] || fail "inspect the container: $output"
	run nbrig exec wv6icc ip -6 -o addr show eth0 scope global
	[[ "$output" == *"fd00:77::2/64"* ]] || fail "eth0: $output"
	run nbrig exec wv6icc ip -6 route show default
	[[ "$output" == *"via fd00:77::1"* ]] || fail "route: $output"
	w6=$(nbrig inspect -f '{{(index .NetworkSettings.Networks "v6").GlobalIPv6Address}}' wv6)
	# both servers answer the host over IPv6 (the bridge's gateway)
	wait_until "wv6 at [$w6]:8080" inns curl --noproxy "*" -s -m 2 -o /dev/null "http://[$w6]:8080/"
	wait_until "wv6icc at [fd00:77::2]:8080" inns curl --noproxy "*" -s -m 2 -o /dev/null "http://[fd00:77::2]:8080/"
	# an --icc network's peers are named by both addresses
	run nbrig exec cv6icc cat /etc/hosts
	[[ "$output" == *$'\nfd00:77::2\twv6icc'* && "$output" == *$'\n10.'*$'\twv6icc\n'* ]] || fail "hosts: $output"
	run get_from cv6icc fd00:77::2
	[[ "$output" == *HTTP/1.* ]] || fail "--icc over IPv6: $output"
	run get_from cv6 "$w6"
	[[ "$output" != *HTTP/1.* ]] || fail "icc off, yet a peer answered over IPv6: $output"
	# nor through the gateway (routed back into the bridge)
	run nbrig exec cv6 sh -c "ip -6 route add $w6/128 via ${w6%::*}::1 dev eth0 && printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $w6 8080"
	[[ "$output" != *HTTP/1.* ]] || fail "icc off, yet routed through the gateway: $output"
	run nbrig network inspect -f '{{json .Brig.Host.Addresses}}' v6icc
	[[ "$output" == *'"fd00:77::1/64"'* ]] || fail "Brig.Host.Addresses: $output"
}

@test "network --ipv6: --egress none holds over IPv6 too" {
	nbrig network create --ipv6 --icc --subnet fd00:79::/64 lim >/dev/null
	nbrig run -d --name s --network lim img httpd -f -p 8080 -h / >/dev/null
	nbrig run -d --name free --network lim img sleep 1000 >/dev/null
	nbrig run -d --name held --network lim --egress none img sleep 1000 >/dev/null
	# a server of the namespace, reached through the gateway's address
	inns ip -6 addr add fd00:99::1/128 dev lo
	nsenter --net="/run/netns/$NS" busybox httpd -f -p '[fd00:99::1]:8080' -h / 3>&- &
	HTTPD=$!
	wait_until "the namespace's httpd" inns curl --noproxy "*" -s -m 2 -o /dev/null "http://[fd00:99::1]:8080/"
	run get_from free fd00:99::1
	[[ "$output" == *HTTP/1.* ]] || fail "no limit, yet not through: $output"
	run get_from held fd00:99::1
	[[ "$output" != *HTTP/1.* ]] || fail "--egress none, yet out over IPv6: $output"
	# a peer is still reached
	run get_from held "$(nbrig inspect -f '{{(index .NetworkSettings.Networks "lim").GlobalIPv6Address}}' s)"
	[[ "$output" == *HTTP/1.* ]] || fail "--egress none, and the peer is not reached: $output"
}

@test "network --ipv6: -p on an IPv6 address answers there only; [::1] UDP is refused in one line" {
	# (not test 2's fd00:99::1: its server's closed connections stay in
	# TIME_WAIT there, and brig's check of a port binds without SO_REUSEADDR)
	nbrig network create --ipv6 --subnet fd00:7a::/64 pub >/dev/null
	inns ip -6 addr add fd00:97::1/128 dev lo
	inns ip -6 addr add fd00:96::1/128 dev lo
	run nbrig run -d --name lo6 --network pub -p '[::1]:8080:80/udp' img true
	[ "$status" -ne 0 ] || fail "-p [::1]/udp on a bridge was taken"
	[ "$output" = "brig: -p [::1]:...:.../udp: a bridge network publishes UDP on ::1 not at all (its proxy is TCP's): use 127.0.0.1, or --network pasta" ] || fail "refusal: $output"
	[ -z "$(nbrig ps -a -q)" ] || fail "a container was left"
	run nbrig network create --subnet 10.79.0.0/24 only4
	run nbrig run -d --name v4 --network only4 -p '[fd00:97::1]:8080:80' img true
	[ "$output" = "brig: -p [fd00:97::1]: network only4 has no IPv6 (network create --ipv6)" ] || fail "no IPv6: $output"
	nbrig run -d --name w --network pub -p '[fd00:97::1]:8080:8080' -p 8081:8080 img httpd -f -p 8080 -h / >/dev/null
	wait_until "w at [fd00:97::1]:8080" inns curl --noproxy "*" -s -m 2 -o /dev/null "http://[fd00:97::1]:8080/"
	run inns curl --noproxy "*" -s -m 2 -o /dev/null "http://[fd00:96::1]:8080/"
	[ "$status" -ne 0 ] || fail "answered on another IPv6 address"
	run inns curl --noproxy "*" -s -m 2 -o /dev/null "http://127.0.0.1:8080/"
	[ "$status" -ne 0 ] || fail "answered on 127.0.0.1:8080"
	run inns curl --noproxy "*" -s -m 2 -o /dev/null "http://127.0.0.1:8081/"
	[ "$status" -eq 0 ] || fail "the left-out address, 127.0.0.1:8081, does not answer"
	run nbrig port w 8080
	[ "$output" = $'[fd00:97::1]:8080\n127.0.0.1:8081\n[::1]:8081' ] || fail "brig port: $output"
}

@test "network --ipv6: a --link pair reach each other over IPv6 too (both addresses in /etc/hosts); a third does not" {
	nbrig network create --ipv6 --subnet 10.79.0.0/24 --subnet fd00:7b::/64 l6 >/dev/null
	nbrig run -d --name db --network l6 img httpd -f -p 8080 -h / >/dev/null
	nbrig run -d --name app --network l6 --link db:dbalias img sleep 1000 >/dev/null
	nbrig run -d --name other --network l6 img sleep 1000 >/dev/null
	wait_until "db at [fd00:7b::2]:8080" inns curl --noproxy "*" -s -m 2 -o /dev/null "http://[fd00:7b::2]:8080/"
	run nbrig exec app cat /etc/hosts
	[[ "$output" == *$'10.79.0.2\tdbalias db'* && "$output" == *$'fd00:7b::2\tdbalias db'* ]] || fail "hosts: $output"
	run get_from app fd00:7b::2
	[[ "$output" == *HTTP/1.* ]] || fail "linked, over IPv6: $output"
	run get_from other fd00:7b::2
	[[ "$output" != *HTTP/1.* ]] || fail "not linked, yet reached over IPv6: $output"
	# the bridge's proxy NDP entries, one per container, listed; rm takes its own
	run nbrig network inspect -f '{{json .Brig.Host.ProxyNDP}}' l6
	[[ "$output" == *'"fd00:7b::2"'* && "$output" == *'"fd00:7b::4"'* ]] || fail "ProxyNDP: $output"
	nbrig rm -f other >/dev/null
	run inns ip -6 neigh show proxy
	[[ "$output" == *fd00:7b::2* && "$output" != *fd00:7b::4* ]] || fail "after rm: $output"
}
