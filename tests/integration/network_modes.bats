#!/usr/bin/env bats
# --network none|host|container:|pasta, the /etc/hosts, /etc/resolv.conf and
# /etc/hostname every container gets, -p/-P/--expose and `brig port`
# (docs/network-modes.md).
#
# The machine's rule: no packet leaves for anything but loopback or the
# namespaces a test makes.  Every test runs brig inside a network namespace
# of its own (ip netns add; brig below is nsenter --net into it), with lo up
# and, for pasta, a veth pair whose both ends live in that namespace.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() {
	command -v nsenter >/dev/null || skip "nsenter is missing"
	NETNS=brignm-$$-$BATS_TEST_NUMBER
	ip netns add "$NETNS" 2>/dev/null || skip "cannot make a network namespace (ip netns add)"
	inns ip link set lo up
	brig_setup bb:1
}

teardown() {
	brig_teardown
	[ -n "${HTTPD_PID:-}" ] && kill "$HTTPD_PID" 2>/dev/null
	[ -z "${NETNS:-}" ] || ip netns del "$NETNS" 2>/dev/null
	return 0
}

inns() { nsenter --net="/run/netns/$NETNS" "$@"; }

# brig in the test's namespace (lib/brig's brig, same store and config).
brig() {
	local conf=()
	[ -z "${BRIG_CONFIG:-}" ] || conf=(--config "$BRIG_CONFIG")
	inns timeout -k 5 120 "$BRIG" --root "$ROOT" "${conf[@]}" "$@"
}

fail() {
	echo "FAIL: $*" >&2
	echo "status: ${status:-} output: ${output:-}" >&2
	return 1
}

# The namespace gets an address, a default route and a peer to carry it:
# pasta wants a routable interface to copy.  Both ends stay in it.
routable() {
	inns ip link add nmv0 type veth peer name nmv1 || skip "no veth here"
	inns ip addr add 10.77.0.1/24 dev nmv0
	inns ip link set nmv0 up
	inns ip link set nmv1 up
	inns ip route add default via 10.77.0.254
}

need_pasta() { command -v pasta >/dev/null || skip "pasta (Debian's passt package) is not installed"; }

# pasta processes (not zombies) serving this store's containers.
live_pastas() {
	local dir pid
	dir=/run/brig/netns/$(basename "$(rt_dir)")
	for pid in $(pgrep -f -- "--netns $dir/" || true); do
		[ "$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" = Z ] || echo "$pid"
	done
}
no_pastas() { [ -z "$(live_pastas)" ]; }
pastas_are() { [ "$(live_pastas | wc -l)" -eq "$1" ]; }

# wget from the test's namespace (GNU wget: busybox 1.35's crashes with -T),
# one try, 3 s at most, no proxy.
fetch() { inns timeout 10 wget -q --no-proxy -t 1 -T 3 -O - "$1" 2>/dev/null; }

httpd_ctr() { # NAME ARGS...: a detached busybox httpd on port 80 saying NAME
	local name=$1
	shift
	brig run -d --name "$name" "$@" bb:1 sh -c \
		"mkdir -p /tmp/w && echo hello-$name >/tmp/w/index.html && exec httpd -f -p 80 -h /tmp/w"
}

@test "network: none is the default: only lo, recorded as HostConfig.NetworkMode none" {
	run brig run --rm bb:1 sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
	[ "$status" -eq 0 ] && [ "$output" = lo ] || fail "interfaces: $output"
	run brig create --name c bb:1 true
	[ "$status" -eq 0 ] || fail "create"
	run brig inspect -f '{{.HostConfig.NetworkMode}} {{.Brig.Effective.Network.Mode}} {{.Brig.Effective.Network.HostNetwork}}' c
	[ "$output" = "none none false" ] || fail "inspect: $output"
}

@test "network: host warns at run and create, shares the namespace's interfaces, and inspect flags it" {
	inns ip link add nmhost0 type veth peer name nmhost1 || skip "no veth here"
	run --separate-stderr brig run --rm --network host bb:1 cat /proc/net/dev
	[ "$status" -eq 0 ] || fail "run --network host"
	[[ "$output" == *nmhost0:* ]] || fail "the namespace's link is not seen: $output"
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] && [[ "$stderr" == "brig: WARNING: --network host: "*"not isolated" ]] ||
		fail "warning: $stderr"
	run --separate-stderr brig create --name h --network host bb:1 true
	[ "$status" -eq 0 ] && [[ "$stderr" == *"WARNING: --network host"* ]] || fail "create: $stderr"
	run brig inspect -f '{{.HostConfig.NetworkMode}} {{.Brig.Effective.Network.HostNetwork}}' h
	[ "$output" = "host true" ] || fail "inspect: $output"
	run brig inspect -f '{{.Brig.Effective.Network.Warning}}' h
	[[ "$output" == *"shares the host's network stack"* ]] || fail "Effective warning: $output"
	run --separate-stderr brig run --rm --network host bb:1 cat /etc/hostname
	[ "$output" = "$(hostname)" ] || fail "hostname $output, the host's is $(hostname)"
}

@test "network: container:NAME shares the other container's namespace (and its listener)" {
	httpd_ctr web --hostname webhost
	wait_until "web's httpd" brig exec web sh -c 'busybox wget -q -O - http://127.0.0.1:80/ >/dev/null'
	run brig run --rm --network container:web bb:1 wget -q -O - http://127.0.0.1:80/
	[ "$status" -eq 0 ] && [ "$output" = hello-web ] || fail "web's listener from its peer"
	run brig exec web readlink /proc/1/ns/net
	web_ns=$output
	run brig run --rm --network container:web bb:1 sh -c 'readlink /proc/self/ns/net; cat /etc/hostname'
	[ "${lines[0]}" = "$web_ns" ] || fail "netns ${lines[0]}, web's $web_ns"
	[ "${lines[1]}" = webhost ] || fail "hostname ${lines[1]}"
	run brig run --rm bb:1 readlink /proc/self/ns/net
	[ "$output" != "$web_ns" ] || fail "a default container shares web's namespace"
	id=$(brig inspect -f '{{.Id}}' web)
	run brig create --name peer --network "container:${id:0:12}" bb:1 true
	run brig inspect -f '{{.HostConfig.NetworkMode}}' peer
	[ "$output" = "container:$id" ] || fail "NetworkMode $output"
}

@test "network: container: of a stopped or unknown container is one clear line, nothing made" {
	brig create --name stopped bb:1 true >/dev/null
	before=$(brig ps -a -q | wc -l)
	run --separate-stderr brig run --rm --network container:stopped bb:1 true
	[ "$status" -eq 125 ] || fail "status $status"
	[ "$stderr" = "brig: --network container:stopped: container $(brig inspect -f '{{.Id}}' stopped | cut -c1-12) is not running (start it first)" ] ||
		fail "stderr: $stderr"
	run --separate-stderr brig run --rm --network container:nosuch bb:1 true
	[ "$status" -eq 125 ] && [ "$(grep -c . <<<"$stderr")" -eq 1 ] && [[ "$stderr" == *"container:nosuch"* ]] ||
		fail "unknown: $stderr"
	[ "$(brig ps -a -q | wc -l)" -eq "$before" ] || fail "a container was left"
	run --separate-stderr brig run --rm --network container:stopped --dns 10.0.0.1 bb:1 true
	[ "$status" -eq 125 ] && [[ "$stderr" == *"cannot be used with --network container:"* ]] ||
		fail "--dns with container: $stderr"
}

@test "network: hosts, hostname and resolv.conf are the engine's, read-only, with the flags' entries" {
	run brig run --rm --hostname box --add-host db:10.1.2.3 --add-host v6:2001:db8::1 \
		--dns 192.0.2.53 --dns-search a.test --dns-option ndots:2 bb:1 \
		sh -c 'cat /etc/hostname /etc/hosts /etc/resolv.conf'
	[ "$status" -eq 0 ] || fail "run"
	grep -qx box <<<"$output" || fail "hostname"
	grep -qxP '127.0.0.1\tlocalhost' <<<"$output" || fail "localhost line"
	grep -qxP '127.0.1.1\tbox' <<<"$output" || fail "own name"
	grep -qxP '10.1.2.3\tdb' <<<"$output" || fail "--add-host db"
	grep -qxP '2001:db8::1\tv6' <<<"$output" || fail "--add-host v6"
	grep -qx 'nameserver 192.0.2.53' <<<"$output" || fail "--dns"
	grep -qx 'search a.test' <<<"$output" || fail "--dns-search"
	grep -qx 'options ndots:2' <<<"$output" || fail "--dns-option"
	run brig run --rm --read-write bb:1 sh -c 'echo x >>/etc/hosts || echo x >>/etc/resolv.conf'
	[ "$status" -ne 0 ] || fail "the container wrote its /etc/hosts or resolv.conf"
}

@test "network: resolv.conf has the host's resolvers, not its loopback ones (but for --network host)" {
	command -v unshare >/dev/null || skip "unshare is missing"
	f=$BATS_TEST_TMPDIR
	printf 'nameserver 127.0.0.53\nnameserver 10.9.9.9\nsearch corp.test\n' >"$f/resolv"
	printf '127.0.0.1 localhost\n10.8.8.8 hostbox\n' >"$f/hosts"
	# A mount namespace of the test's own shows brig these files as the host's.
	hostrun() {
		inns unshare -m sh -c 'mount --bind "$1/resolv" /etc/resolv.conf &&
			mount --bind "$1/hosts" /etc/hosts && shift && exec "$@"' sh "$f" \
			"$BRIG" --root "$ROOT" run --rm "$@"
	}
	run hostrun bb:1 cat /etc/resolv.conf
	[ "$status" -eq 0 ] && [ "$output" = $'nameserver 10.9.9.9\nsearch corp.test' ] ||
		fail "resolv.conf: $output"
	run hostrun --network host --add-host db:10.1.2.3 bb:1 sh -c 'cat /etc/resolv.conf /etc/hosts'
	[ "$status" -eq 0 ] || fail "host mode"
	grep -qx 'nameserver 127.0.0.53' <<<"$output" || fail "host mode drops the loopback resolver"
	grep -qx '10.8.8.8 hostbox' <<<"$output" || fail "host mode: not the host's hosts"
	grep -qxP '10.1.2.3\tdb' <<<"$output" || fail "host mode: --add-host"
}

@test "network: bad --network, -p, --add-host, --dns: one clear line each, nothing made" {
	check() { # WANT ARGS...
		local want=$1
		shift
		run --separate-stderr brig run --rm "$@" bb:1 true
		[ "$status" -eq 125 ] || fail "$*: status $status"
		[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "$*: more than one line: $stderr"
		[[ "$stderr" == "brig: "*"$want"* ]] || fail "$*: '$stderr', wanted '$want'"
	}
	check 'network "mynet" not found' --network mynet
	check '-p [::1]:...:.../udp: a bridge network publishes UDP on ::1 not at all' --network bridge -p '[::1]:5353:53/udp'
	check '-p: "80:80:80:80": too many colons' --network pasta -p 80:80:80:80
	check '-p: "::1:80:80": too many colons (an IPv6 address goes in brackets' --network pasta -p ::1:80:80
	check '-p: "8080:": no container port' --network pasta -p 8080:
	check '-p: "70000:80": invalid host port' --network pasta -p 70000:80
	check '-p: "80/sctp": protocol "sctp": tcp or udp' --network pasta -p 80/sctp
	check '-p: "8080-8082:80-81": the host range and the container range differ in size' --network pasta -p 8080-8082:80-81
	check '-p: "localhost:8080:80": invalid IP address' --network pasta -p localhost:8080:80
	check '--network none has no network to publish from' -p 8080:80
	check 'cannot be used with --network host' --network host -p 8080:80
	check '--add-host "db": use HOST:IP' --add-host db
	check '--add-host "db:10.0.0.300": "10.0.0.300" is not an IP address' --add-host db:10.0.0.300
	check '--dns "dns.test": not an IP address' --dns dns.test
	check '--expose: "x": invalid port or range' --expose x
	[ -z "$(brig ps -a -q)" ] || fail "a container was left"
}

@test "network: -p is recorded in PortBindings, a left-out address is 127.0.0.1; brig port; -P and --expose" {
	run --separate-stderr brig create --name p --network pasta -p 8080:80 -p 127.0.0.1::81 \
		-p '[::1]:8443:443' -p 0.0.0.0:5353:53/udp --expose 90 -P bb:1 true
	[ "$status" -eq 0 ] || fail "create: $stderr"
	[ "$stderr" = "brig: notice: -p 0.0.0.0:5353:53/udp publishes the port on every address of this host, not only on 127.0.0.1" ] ||
		fail "notice: $stderr"
	run brig inspect -f '{{json .HostConfig.PortBindings}}' p
	[ "$output" = '{"443/tcp":[{"HostIp":"::1","HostPort":"8443"}],"53/udp":[{"HostIp":"0.0.0.0","HostPort":"5353"}],"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}],"81/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}' ] ||
		fail "PortBindings: $output"
	run brig port p 80
	[ "$output" = 127.0.0.1:8080 ] || fail "port 80: $output"
	run brig port p 443/tcp
	[ "$output" = '[::1]:8443' ] || fail "port 443: $output"
	run brig port p 81
	[[ "$output" =~ ^127\.0\.0\.1:[0-9]+$ ]] && [ "${output#*:}" -gt 0 ] || fail "port 81 (chosen): $output"
	run brig port p 90
	[[ "$output" =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "-P --expose 90: $output"
	run brig port p
	[ "${#lines[@]}" -eq 5 ] && [[ "$output" == *"53/udp -> 0.0.0.0:5353"* ]] || fail "port: $output"
	run --separate-stderr brig port p 99
	[ "$status" -ne 0 ] && [ "$stderr" = "brig: no public port '99/tcp' published for p" ] || fail "port 99: $stderr"
	run brig inspect -f '{{.HostConfig.PublishAllPorts}} {{json .Config.ExposedPorts}}' p
	[[ "$output" == "true "*'"90/tcp":{}'* ]] || fail "ExposedPorts: $output"
}

@test "network: pasta: the container reaches a server on the namespace's loopback through pasta" {
	need_pasta
	routable
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo hello-namespace >"$BATS_TEST_TMPDIR/www/index.html"
	# (without bats' fd 3, which would keep bats waiting for it)
	# (nsenter itself, not the inns function: $! must be the server's pid)
	nsenter --net="/run/netns/$NETNS" busybox httpd -f -p 127.0.0.1:8099 \
		-h "$BATS_TEST_TMPDIR/www" 3>&- &
	HTTPD_PID=$!
	wait_until "the namespace's httpd" fetch http://127.0.0.1:8099/
	# pasta maps the gateway's address to the namespace's own loopback.
	# (busybox 1.35's wget -T crashes: timeout(1) bounds it instead)
	run brig run --rm --network pasta bb:1 timeout 10 wget -q -O - http://10.77.0.254:8099/
	[ "$status" -eq 0 ] && [ "$output" = hello-namespace ] || fail "through pasta: $output"
	run brig run --rm --network pasta bb:1 sh -c 'ip -4 -o addr show | grep -v " lo "'
	[[ "$output" == *10.77.0.1/24* ]] || fail "pasta's interface: $output"
	no_pastas || fail "pasta left running: $(live_pastas)"
}

@test "network: pasta -p 8080:80 answers on 127.0.0.1 only; 0.0.0.0 on every address; pasta ends with the container" {
	need_pasta
	routable
	httpd_ctr web --network pasta -p 8080:80
	wait_until "web through 127.0.0.1:8080" fetch http://127.0.0.1:8080/
	run fetch http://127.0.0.1:8080/
	[ "$output" = hello-web ] || fail "127.0.0.1:8080: $output"
	run fetch http://10.77.0.1:8080/
	[ "$status" -ne 0 ] || fail "127.0.0.1-only port answered on 10.77.0.1: $output"
	httpd_ctr open --network pasta -p 0.0.0.0:8081:80 2>/dev/null
	wait_until "open through 10.77.0.1:8081" fetch http://10.77.0.1:8081/
	pastas_are 2 || fail "two pastas wanted: $(live_pastas)"
	brig stop -t 1 open >/dev/null
	wait_until "the stopped container's pasta to end" pastas_are 1
	brig rm -f web >/dev/null
	wait_until "web's pasta to end" no_pastas
	[ -z "$(ls -A "/run/brig/netns/$(basename "$(rt_dir)")" 2>/dev/null)" ] || fail "a namespace file is left"
	brig start open >/dev/null
	wait_until "open restarted through pasta" fetch http://10.77.0.1:8081/
}
