# free_port: prints a TCP port on 127.0.0.1 that no socket uses now, for a
# test server to listen on.  Sourced by registry-test.sh and notary-test.sh.
#
# The port comes from below the kernel's ephemeral range
# (/proc/sys/net/ipv4/ip_local_port_range): the kernel gives ports from
# that range to every connect() without a bind, so a port picked there can
# be taken by any client of a test running beside this one between the pick
# and the server's bind.  Below it only explicit binds compete; a server
# that still loses the race exits with "address already in use" and the
# caller picks again.
free_port() {
	local lo hi p i base=20000
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	# a machine whose ephemeral range starts low: pick in it, and rely on
	# the caller's retry
	if ((lo - base < 2000)); then
		base=$lo
		lo=$hi
	fi
	for ((i = 0; i < 200; i++)); do
		p=$((base + (RANDOM * 32768 + RANDOM) % (lo - base)))
		if ! ss -Htan "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}
