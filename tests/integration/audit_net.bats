#!/usr/bin/env bats
# brig audit (docs/audit.md, "Drift"): what the kernel does with a
# container's network, against its record.  A bridge container's published
# ports are nftables DNAT rules: a rule removed, widened or added behind
# brig's back is drift.  A --network host container's processes' listening
# sockets are judged against the ports its record exposes.  Every test runs
# brig inside a network namespace of its own (ip netns add), so the bridge,
# the nft rules and the sockets live and die there.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	command -v nft >/dev/null || skip "nft(8) is not installed"
	command -v nsenter >/dev/null || skip "nsenter(1) is not installed"
	NS=brigaudit-$$-$BATS_TEST_NUMBER
	ip netns add "$NS" 2>/dev/null || skip "cannot make a network namespace (ip netns add)"
	inns ip link set lo up
	inns nft list ruleset >/dev/null 2>&1 || skip "nftables does not work in a network namespace here"
	brig_setup
	mkdir -p "$ROOT"
	brig import "$BRIG_TAR" img >/dev/null
}

teardown() {
	[ -n "${NS:-}" ] || return 0
	local id
	for id in $(nbrig ps -a -q --no-trunc 2>/dev/null); do
		nbrig rm -f "$id" >/dev/null 2>&1 || true
	done
	ip netns del "$NS" 2>/dev/null || true
}

inns() { nsenter --net="/run/netns/$NS" -- "$@"; }
nbrig() { inns "$BRIG" --root "$ROOT" "$@"; }

# The messages "SEVERITY MESSAGE" of brig audit's findings of id ID.
findings() { # ID
	run nbrig audit containers --format json --skip brig.ctr.image-unverified
	[ "$status" -le 1 ] || { echo "audit: $output" >&2; return 1; }
	run jq -r --arg id "$1" '.Findings[] | select(.Id == $id) | .Severity + " " + .Message' <<<"$output"
}

# The handle of the rule of chain inet brig CHAIN with dport PORT.
handle_of() { # CHAIN PORT
	inns nft -j -a list chain inet brig "$1" |
		jq -r --argjson p "$2" '.nftables[] | select(.rule) | .rule |
			select(any(.expr[]; .match.left.payload.field == "dport" and .match.right == $p)) | .handle'
}

@test "audit: DNAT rules of a bridge container's ports removed, widened or added behind brig's back are drift" {
	# (18083: a left-out address, 127.0.0.1 by DNAT and ::1 by a proxy, no rule)
	run nbrig run -d --name web --network bridge -p 127.0.0.1:18080:80 -p 0.0.0.0:18081:81 \
		-p 127.0.0.1:18082:82/udp -p 18083:83 img sleep 1000
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	local ip
	ip=$(nbrig inspect -f '{{(index .NetworkSettings.Networks "bridge").IPAddress}}' web)
	findings brig.drift.ports
	[ -z "$output" ] || { echo "before: $output" >&2; false; }
	# 18080's rule is taken out of the output hook and one for every local
	# address put in; another table forwards a port brig never published
	local h
	h=$(handle_of output 18080)
	[ -n "$h" ] || { inns nft list ruleset >&2; false; }
	inns nft delete rule inet brig output handle "$h"
	inns nft add rule inet brig output fib daddr type local tcp dport 18080 dnat ip to "$ip:80"
	inns nft -f - <<-NFT
		table ip rogue {
			chain pre { type nat hook prerouting priority dstnat; tcp dport 2222 dnat to $ip:22; }
		}
	NFT
	findings brig.drift.ports
	[[ $output == *"info tcp 127.0.0.1:18080 -> 80 is published; no DNAT rule in the output hook forwards it (kernel)"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"high the DNAT rule tcp every address:18080 -> $ip:80 (table inet brig, chain output) differs from the record's binding tcp 127.0.0.1:18080 -> 80 (kernel)"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"high the DNAT rule tcp every address:2222 -> $ip:22 (table ip rogue, chain pre) forwards to the container; the record publishes no such port (kernel)"* ]] || { echo "$output" >&2; false; }
	[ "$(wc -l <<<"$output")" -eq 3 ] || { echo "not three: $output" >&2; false; }
}

@test "audit: a DNAT rule's input interface and source matches against who the binding lets in" {
	run nbrig run -d --name web --network bridge -p 127.0.0.1:18080:80 -p 0.0.0.0:18081:81 \
		img sleep 1000
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	local ip h
	ip=$(nbrig inspect -f '{{(index .NetworkSettings.Networks "bridge").IPAddress}}' web)
	# the loopback port forwarded from prerouting: from any source (as
	# with route_localnet), from lo only and from loopback sources only
	# (these two not wider, only not brig's); 18081's output rule limited
	# to one source network
	inns nft -f - <<-NFT
		table ip rogue {
			chain pre {
				type nat hook prerouting priority dstnat;
				ip daddr 127.0.0.1 tcp dport 18080 dnat to $ip:80
				iifname "lo" ip daddr 127.0.0.1 tcp dport 18080 dnat to $ip:80
				ip saddr 127.0.0.0/8 ip daddr 127.0.0.1 tcp dport 18080 dnat to $ip:80
			}
		}
	NFT
	h=$(handle_of output 18081)
	[ -n "$h" ] || { inns nft list ruleset >&2; false; }
	inns nft delete rule inet brig output handle "$h"
	inns nft add rule inet brig output ip saddr 10.1.0.0/16 fib daddr type local tcp dport 18081 dnat ip to "$ip:81"
	findings brig.drift.ports
	[[ $output == *"high the DNAT rule tcp 127.0.0.1:18080 -> $ip:80 (table ip rogue, chain pre) differs from the record's binding tcp 127.0.0.1:18080 -> 80: it forwards connections from other hosts, the binding only this host's (kernel)"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"medium the DNAT rule tcp 127.0.0.1:18080 -> $ip:80 (table ip rogue, chain pre, iifname lo) differs from the record's binding tcp 127.0.0.1:18080 -> 80 (kernel)"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"medium the DNAT rule tcp 127.0.0.1:18080 -> $ip:80 (table ip rogue, chain pre, saddr 127.0.0.0/8) differs from the record's binding tcp 127.0.0.1:18080 -> 80 (kernel)"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"info tcp 0.0.0.0:18081 -> 81 is published; no DNAT rule in the output hook forwards it (kernel)"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"medium the DNAT rule tcp every address:18081 -> $ip:81 (table inet brig, chain output, saddr 10.1.0.0/16) differs from the record's binding tcp 0.0.0.0:18081 -> 81 (kernel)"* ]] || { echo "$output" >&2; false; }
	[ "$(wc -l <<<"$output")" -eq 5 ] || { echo "not five: $output" >&2; false; }
}

# Are TCP ports PORT... all listening in the test's namespace?
listening() { # PORT...
	local p out
	out=$(inns ss -Hltn) || return 1
	for p in "$@"; do
		[[ $out == *":$p "* ]] || return 1
	done
}

# Has a UDP socket of the namespace a port of the ephemeral range and no
# peer (syslogd's, made by sendto() to its remote host)?
udp_client() {
	local lo hi
	read -r lo hi < <(inns cat /proc/sys/net/ipv4/ip_local_port_range) || return 1
	inns ss -Hun -a | awk -v lo="$lo" -v hi="$hi" '
		{ n = split($4, a, ":"); p = a[n] + 0 } $1 == "UNCONN" && p >= lo && p <= hi { f = 1 }
		END { exit !f }'
}

@test "audit: a --network host container's listening sockets against the ports its record exposes" {
	command -v ss >/dev/null || skip "ss (iproute2) is not installed"
	# syslogd -R sends each message with sendto() on an unconnected UDP
	# socket the kernel binds to an ephemeral port: a client's, not
	# listening
	run nbrig run -d --name h --network host --expose 18090 img sh -c \
		'httpd -f -p 18090 & httpd -f -p 127.0.0.1:18091 &
		syslogd -n -R 127.0.0.1:5514 & i=0; while [ ! -S /dev/log ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done; logger audit-udp; exec nc -l -p 18092'
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	wait_until "the container's three listening sockets" listening 18090 18091 18092
	wait_until "syslogd's UDP client socket" udp_client
	findings brig.drift.ports
	local drift=$output
	[[ $drift == *"medium pid "*" (httpd) listens on tcp 127.0.0.1:18091; the record exposes no such port (kernel)"* ]] || { echo "$drift" >&2; false; }
	[[ $drift =~ "high pid "[0-9]+" (nc) listens on tcp "(0\.0\.0\.0|::):18092"; the record exposes no such port (kernel)" ]] || { echo "$drift" >&2; false; }
	[[ $drift != *syslogd* ]] || { echo "$drift" >&2; false; }
	[ "$(wc -l <<<"$drift")" -eq 2 ] || { echo "not two: $drift" >&2; false; }
	# the same socket on a port out of the range is a server's to the audit
	local port
	port=$(inns ss -Hun -a | awk '$1 == "UNCONN" { n = split($4, a, ":"); print a[n]; exit }')
	inns sysctl -qw net.ipv4.ip_local_port_range="61000 61999"
	findings brig.drift.ports
	[[ $output =~ "high pid "[0-9]+" (syslogd) listens on udp "(0\.0\.0\.0|::):$port"; the record exposes no such port (kernel)" ]] || { echo "$port: $output" >&2; false; }
	findings 5.13
	[[ $output =~ ^"medium pid "[0-9]+" (httpd) listens on tcp "(0\.0\.0\.0|::):18090", every interface of the host (kernel)"$ ]] || { echo "$output" >&2; false; }
}
