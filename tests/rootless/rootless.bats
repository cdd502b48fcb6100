#!/usr/bin/env bats
# Rootless brig (docs/rootless.md): brig run by a real unprivileged user
# that scripts/rootless-user.sh makes (brigrl, with /etc/subuid and
# /etc/subgid entries of its own), from this file run as root.  Every brig
# command here runs as that user through setpriv, with no --root: the store
# is $XDG_DATA_HOME/brig, the state $XDG_RUNTIME_DIR/brig, the engine
# config $XDG_CONFIG_HOME/brig/brig.conf, each a directory of this run's
# own (two runs of this file may overlap: plain and sanitizer builds).

bats_require_minimum_version 1.5.0

BRIG_SRC=${BRIG_SRC:-$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)}
BRIG_BUILD=${BRIG_BUILD:-$BRIG_SRC/build}
BRIG=$BRIG_BUILD/src/cli/brig/brig

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make the test user"
	export RL_USER
	RL_USER=$("$BRIG_SRC/scripts/rootless-user.sh" create) || return 1
	export RL_UID RL_GID RL_SUBUID RL_SUBCOUNT RL_HOME RL_DIR
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	RL_HOME=$(getent passwd "$RL_USER" | cut -d: -f6)
	RL_SUBUID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	RL_SUBCOUNT=$(awk -F: -v u="$RL_USER" '$1 == u { print $3; exit }' /etc/subuid)
	# This run's directories: in the user's home and runtime directory.
	RL_DIR=$(setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups \
		mktemp -d "$RL_HOME/bats.XXXXXX") || return 1
	local rt=/run/user/$RL_UID/${RL_DIR##*/}
	install -d -o "$RL_UID" -g "$RL_GID" -m 0700 "$rt" "$RL_DIR/data" "$RL_DIR/config"
	# The test image (busybox), readable by the user.
	"$BRIG_SRC/scripts/mkrootfs.sh" "$RL_DIR/rootfs" >/dev/null || return 1
	tar -C "$RL_DIR/rootfs" --numeric-owner -cf "$RL_DIR/rootfs.tar" . || return 1
	rm -rf "$RL_DIR/rootfs"
	chown "$RL_UID:$RL_GID" "$RL_DIR/rootfs.tar"
	rl_brig import "$RL_DIR/rootfs.tar" bb:1 >/dev/null
}

teardown_file() {
	[ -n "${RL_DIR:-}" ] || return 0
	local id
	for id in $(rl_brig ps -a -q --no-trunc 2>/dev/null); do
		rl_brig rm -f "$id" >/dev/null 2>&1 || true
	done
	rm -rf "/run/user/$RL_UID/${RL_DIR##*/}" "$RL_DIR"
}

teardown() {
	local id
	for id in $(rl_brig ps -a -q --no-trunc 2>/dev/null); do
		rl_brig rm -f "$id" >/dev/null 2>&1 || true
	done
	emu_down
}

# as_user CMD...: CMD as the test user, in its environment only (and in
# the namespaces RL_IN enters, when a test sets it: in_emu below).
RL_IN=()
as_user() {
	"${RL_IN[@]}" setpriv --reuid "$RL_UID" --regid "$RL_GID" --init-groups --reset-env \
		env HOME="$RL_HOME" USER="$RL_USER" LOGNAME="$RL_USER" \
		PATH=/usr/local/bin:/usr/bin:/bin \
		XDG_DATA_HOME="$RL_DIR/data" XDG_CONFIG_HOME="$RL_DIR/config" \
		XDG_RUNTIME_DIR="/run/user/$RL_UID/${RL_DIR##*/}" \
		BRIG_POLICY_DIR="$BRIG_SRC/tests/lib/policy-open" \
		BRIG_REGISTRIES_CONF="$BRIG_SRC/tests/lib/registries-offline.conf" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} "$@"
}

rl_brig() { as_user "$BRIG" "$@"; }

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# wait_for WHAT CMD...: poll CMD (at most 15 s); fail naming WHAT.
wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < 300; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	fail "timed out waiting for $what"
}

logs_have() { rl_brig logs "$1" 2>/dev/null | grep -q "$2"; }

host_uid_of_pid() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }

@test "images load into \$XDG_DATA_HOME/brig and run as the user" {
	run rl_brig images --format '{{.Repository}}:{{.Tag}}'
	[ "$status" -eq 0 ] && [ "$output" = bb:1 ] || fail "images: $output"
	[ -d "$RL_DIR/data/brig/images/blobs" ] || fail "no store in \$XDG_DATA_HOME/brig"
	[ "$(stat -c %u "$RL_DIR/data/brig/images")" = "$RL_UID" ] || fail "the store is not the user's"
	run rl_brig run --rm bb:1 echo hello
	[ "$status" -eq 0 ] || fail "run: $output"
	[[ "$output" == *hello* ]] || fail "run printed: $output"
}

@test "overlay inside the user namespace where the kernel allows it, else the copy driver" {
	ovl=$(rl_brig info -f '{{.Brig.KernelFeatures.OverlayInUserns}}')
	want=copy
	[ "$ovl" != true ] || want=overlay
	run --separate-stderr rl_brig run --name d --read-write bb:1 sh -c 'echo x >/new; cat /new; head -1 /proc/self/mountinfo'
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "${lines[0]}" = x ] || fail "write to the root: $output"
	run rl_brig inspect -f '{{.GraphDriver.Name}}' d
	[ "$output" = "$want" ] || fail "driver $output, wanted $want (OverlayInUserns $ovl)"
	if [ "$want" = overlay ]; then
		[ "$(cat "$RL_DIR/data/brig/containers/$(rl_brig inspect -f '{{.Id}}' d)/upper/new")" = x ] ||
			fail "the write is not in the upper directory"
	fi
	run rl_brig rm d
	[ "$status" -eq 0 ] || fail "rm: $output"
	[ -z "$(ls -A "$RL_DIR/data/brig/containers")" ] || fail "left: $(ls -A "$RL_DIR/data/brig/containers")"
}

@test "the container's root is the user; other ids come from the user's subordinate range" {
	run rl_brig run -d --name m bb:1 sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $output"
	run rl_brig run -d --name n -u 1000 bb:1 sleep 1000
	[ "$status" -eq 0 ] || fail "run -d -u 1000: $output"
	pm=$(rl_brig inspect -f '{{.State.Pid}}' m)
	pn=$(rl_brig inspect -f '{{.State.Pid}}' n)
	[ "$(host_uid_of_pid "$pm")" = "$RL_UID" ] || fail "container root is host uid $(host_uid_of_pid "$pm")"
	un=$(host_uid_of_pid "$pn")
	[ "$un" -ge "$RL_SUBUID" ] && [ "$un" -lt $((RL_SUBUID + RL_SUBCOUNT)) ] ||
		fail "container uid 1000 is host uid $un, outside $RL_USER's range $RL_SUBUID+$RL_SUBCOUNT"
	run rl_brig exec m cat /proc/self/uid_map
	[ "$status" -eq 0 ] || fail "exec: $output"
	read -r a b c <<<"${lines[0]}"
	[ "$a $b $c" = "0 $RL_UID 1" ] || fail "uid_map line 1: ${lines[0]}"
	read -r a b c <<<"${lines[1]}"
	[ "$a" = 1 ] && [ "$c" = 65535 ] && [ "$b" -gt "$RL_SUBUID" ] || fail "uid_map line 2: ${lines[1]}"
	run rl_brig inspect -f '{{.Brig.Userns.RootHostUid}} {{.Brig.Userns.Size}}' m
	[ "$output" = "$RL_UID 65536" ] || fail "inspect Brig.Userns: $output"
	run rl_brig top m
	[[ "${lines[1]}" =~ ^[0-9]+\ +0\ +sleep ]] || fail "top shows the user's uid, not 0: $output"
	# two containers: distinct slots
	sm=$(rl_brig inspect -f '{{.Brig.Userns.HostUid}}' m)
	sn=$(rl_brig inspect -f '{{.Brig.Userns.HostUid}}' n)
	[ "$sm" != "$sn" ] || fail "both containers have the slot at $sm"
}

@test "read-only root, brig's capabilities, no_new_privs and seccomp hold rootless" {
	run rl_brig run --rm bb:1 sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; touch /x 2>&1; echo touch=$?'
	[ "$status" -eq 0 ] || fail "run: $output"
	[[ "$output" == *"CapEff:"*"00000000000005fb"* ]] || fail "effective caps: $output"
	[[ "$output" == *"CapBnd:"*"00000000000005fb"* ]] || fail "bounding caps: $output"
	[[ "$output" == *"NoNewPrivs:"*"1"* ]] || fail "no_new_privs: $output"
	[[ "$output" == *"Seccomp:"*"2"* ]] || fail "seccomp: $output"
	[[ "$output" == *"Read-only file system"*"touch=1"* ]] || fail "root writable: $output"
}

@test "without a delegated cgroup: one line names what is not enforced; pids by RLIMIT_NPROC; inspect says so" {
	[ ! -w "/sys/fs/cgroup/cgroup.subtree_control" ] || skip "a cgroup v2 host: delegation may exist"
	run --separate-stderr rl_brig run --name l bb:1 sh -c 'grep "Max processes" /proc/self/limits'
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[[ "$output" == *"Max processes"*" 1024 "*" 1024 "* ]] || fail "RLIMIT_NPROC: $output"
	n=$(grep -c "limits not enforced" <<<"$stderr")
	[ "$n" -eq 1 ] || fail "the warning came $n times: $stderr"
	[[ "$stderr" == *"memory"*"per user"* ]] || fail "the warning: $stderr"
	run rl_brig inspect -f '{{json .Brig.Effective.Limits}}' l
	jq -e '.Cgroup == false and (.NotEnforced | index("memory")) and (.InForce | index("nproc"))' \
		<<<"$output" >/dev/null || fail "Brig.Effective.Limits: $output"
	run rl_brig start -a l
	[ "$status" -eq 0 ] || fail "start -a: $output"
	[[ "$output" != *"limits not enforced"* ]] || fail "said again at start: $output"
}

@test "ps, exec, logs, stop, rm as the user; removal leaves nothing but the store" {
	run rl_brig run -d --name life bb:1 sh -c 'echo started; exec sleep 1000'
	[ "$status" -eq 0 ] || fail "run -d: $output"
	id=$(rl_brig inspect -f '{{.Id}}' life)
	run rl_brig ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"life Up"* ]] || fail "ps: $output"
	run rl_brig exec life sh -c 'echo from-exec; id -u'
	[ "$status" -eq 0 ] && [ "${lines[0]}" = from-exec ] && [ "${lines[1]}" = 0 ] || fail "exec: $output"
	wait_for "the log line" logs_have life started
	run rl_brig stop -t 1 life
	[ "$status" -eq 0 ] || fail "stop: $output"
	run rl_brig ps -a --format '{{.Names}} {{.State}}'
	[[ "$output" == *"life exited"* ]] || fail "ps -a after stop: $output"
	run rl_brig rm life
	[ "$status" -eq 0 ] || fail "rm: $output"
	run rl_brig ps -a -q
	[ -z "$output" ] || fail "left in ps -a: $output"
	left=$(find "$RL_DIR/data" "/run/user/$RL_UID/${RL_DIR##*/}" -name "*$id*" 2>/dev/null)
	[ -z "$left" ] || fail "left behind: $left"
	[ -z "$(ls -A "$RL_DIR/data/brig/containers")" ] || fail "containers/: $(ls -A "$RL_DIR/data/brig/containers")"
	[ -z "$(ls -A "$RL_DIR/data/brig/userns")" ] || fail "userns/: $(ls -A "$RL_DIR/data/brig/userns")"
	# rm does not write the registry: an entry whose container directory
	# is gone is free (docs/engine-config.md); none may name a live one
	run jq -r '.Slots[] | "\(.Root)/containers/\(.Id)"' "$RL_DIR/data/brig/userns-registry/slots"
	[ "$status" -eq 0 ] || fail "registry: $output"
	for d in "${lines[@]}"; do
		[ ! -e "$d" ] || fail "the registry names a live container: $d"
	done
	run pgrep -u "$RL_UID" -f "$id"
	[ "$status" -ne 0 ] || fail "processes left: $output"
}

@test "the engine config is \$XDG_CONFIG_HOME/brig/brig.conf" {
	mkdir -p "$RL_DIR/config/brig"
	printf '{"default-ulimits": {"nofile": {"Soft": 321, "Hard": 321}}}\n' >"$RL_DIR/config/brig/brig.conf"
	chown -R "$RL_UID:$RL_GID" "$RL_DIR/config/brig"
	run --separate-stderr rl_brig run --rm bb:1 sh -c 'ulimit -n'
	rm -f "$RL_DIR/config/brig/brig.conf"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "${lines[-1]}" = 321 ] || fail "nofile: $output"
}

@test "brig info: rootless, its paths, cgroups, the host's security features, content trust" {
	run rl_brig info --format json
	[ "$status" -eq 0 ] || fail "info: $output"
	jq -e --arg d "$RL_DIR" --arg rt "/run/user/$RL_UID/${RL_DIR##*/}/brig/" --arg u "$RL_USER" '
		.Brig.Rootless == true and .Brig.StoreRoot == ($d + "/data/brig")
		and (.Brig.RuntimeRoot | startswith($rt))
		and (.Brig.Cgroups.Layout | type == "string") and (.Brig.Cgroups.Delegated | type == "boolean")
		and .Brig.Userns.SubidUser == $u
		and (.Brig.KernelFeatures | has("UserNamespaces") and has("Seccomp") and has("OverlayInUserns")
			and has("IdmappedMounts") and has("LandlockABI") and has("LSMs"))
		and .Brig.KernelFeatures.IdmappedMountsUsable == false
		and .Brig.ContentTrust == true and (.SecurityOptions | index("name=rootless"))' \
		<<<"$output" >/dev/null || fail "info: $output"
	run rl_brig info
	[[ "$output" == *"Rootless: yes"*"Landlock ABI:"* ]] || fail "info text: $output"
	# and root's
	run "$BRIG" --root "$BATS_TEST_TMPDIR/root" info --format json
	jq -e '.Brig.Rootless == false and .Brig.Cgroups.Delegated == true
		and (.Brig.KernelFeatures | has("OverlayInUserns") and has("LandlockABI"))' \
		<<<"$output" >/dev/null || fail "root's info: $output"
}

@test "--network pasta rootless where the user cannot open /dev/net/tun: refused in one line" {
	if as_user test -r /dev/net/tun -a -w /dev/net/tun; then
		skip "the user may open this host's /dev/net/tun: the refusal is for a 0600 node (the emulated host's tests below run pasta)"
	fi
	run rl_brig run --rm --network pasta -p 127.0.0.1:18089:80 bb:1 true
	[ "$status" -eq 125 ] || fail "status $status: $output"
	[[ "${lines[-1]}" == *"--network pasta"*"/dev/net/tun"* ]] || fail "message: $output"
	run rl_brig ps -a -q
	[ -z "$output" ] || fail "left a container: $output"
}

# The emulated Debian host of the rootless pasta tests.  On Debian udev
# makes /dev/net/tun mode 0666; this host keeps it 0600 root's, and a test
# must not change the host.  So: a network namespace of the test's own (lo,
# and a veth pair whose both ends stay inside, with an address and a
# default route for pasta to copy) and a private mount namespace in which a
# node 10:200 of mode 0666, made on a tmpfs mounted there, is bound over
# /dev/net/tun.  A holder process (EMU_PID) keeps both; in_emu runs a
# command with as_user entering them.
# podman 4.3 (this project's) has no --network pasta (it came with 4.4:
# "unable to find network with name or ID pasta"), so no oracle here.
emu_up() {
	command -v pasta >/dev/null || skip "pasta (Debian's passt package) is not installed"
	EMU_NET=brigrlp-$$-$BATS_TEST_NUMBER
	ip netns add "$EMU_NET" 2>/dev/null || skip "cannot make a network namespace (ip netns add)"
	local n=(nsenter --net="/run/netns/$EMU_NET")
	"${n[@]}" ip link set lo up
	"${n[@]}" ip link add rlp0 type veth peer name rlp1 || skip "no veth here"
	"${n[@]}" ip addr add 10.78.0.1/24 dev rlp0
	"${n[@]}" ip link set rlp0 up
	"${n[@]}" ip link set rlp1 up
	"${n[@]}" ip route add default via 10.78.0.254
	mkdir "$BATS_TEST_TMPDIR/tun"
	# (without bats' fd 3; every step execs: $! is the holder itself)
	"${n[@]}" unshare --mount --propagation private sh -c '
		mount -t tmpfs -o mode=0755,size=16k brigtun "$1" &&
		mknod -m 0666 "$1/tun" c 10 200 &&
		mount --bind "$1/tun" /dev/net/tun && exec sleep 1000' sh "$BATS_TEST_TMPDIR/tun" 3>&- &
	EMU_PID=$!
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(nsenter -t "$EMU_PID" -m stat -c %a /dev/net/tun 2>/dev/null)" != 666 ] || return 0
		[ -d "/proc/$EMU_PID" ] || break
		sleep 0.05
	done
	fail "the emulated host's /dev/net/tun"
}

emu_down() {
	[ -z "${EMU_PID:-}" ] || kill "$EMU_PID" 2>/dev/null
	[ -z "${EMU_NET:-}" ] || ip netns del "$EMU_NET" 2>/dev/null
	EMU_PID= EMU_NET=
	return 0
}

# in_emu CMD...: CMD (as_user, rl_brig, ...) inside the emulated host.
in_emu() {
	local RL_IN=(nsenter -t "$EMU_PID" -m -n)
	"$@"
}

# wget from the emulated host's network namespace: one try, 3 s at most.
emu_fetch() { nsenter -t "$EMU_PID" -n timeout 10 wget -q --no-proxy -t 1 -T 3 -O - "$1" 2>/dev/null; }

# The run's runtime directory (as_user's XDG_RUNTIME_DIR).
rl_run_dir() { echo "/run/user/$RL_UID/${RL_DIR##*/}"; }

# Live (not zombie) pasta processes of this run's containers: their
# arguments name a pid file beneath the run's runtime directory.
rl_pastas() {
	local pid
	for pid in $(pgrep -f -- "^pasta --pid $(rl_run_dir)/brig/netns/" || true); do
		[ "$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" = Z ] || echo "$pid"
	done
}

emu_port_free() { [ -z "$(nsenter -t "$EMU_PID" -n ss -Htln "sport = :$1")" ]; }

@test "--network pasta rootless (emulated Debian host): -p serves on 127.0.0.1, brig port shows it, rm -f ends pasta" {
	emu_up
	run --separate-stderr in_emu rl_brig run -d --name web --network pasta -p 127.0.0.1:18090:80 bb:1 sh -c \
		'mkdir -p /tmp/w && echo hello-web >/tmp/w/index.html && exec httpd -f -p 80 -h /tmp/w'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	id=$output
	wait_for "web through 127.0.0.1:18090" emu_fetch http://127.0.0.1:18090/
	run emu_fetch http://127.0.0.1:18090/
	[ "$output" = hello-web ] || fail "127.0.0.1:18090: $output"
	run emu_fetch http://10.78.0.1:18090/
	[ "$status" -ne 0 ] || fail "a 127.0.0.1 port answered on 10.78.0.1: $output"
	run in_emu rl_brig port web
	[ "$status" -eq 0 ] && [ "$output" = "80/tcp -> 127.0.0.1:18090" ] || fail "port: $output"
	run in_emu rl_brig inspect -f '{{json .NetworkSettings.Ports}}' web
	[ "$output" = '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18090"}]}' ] || fail "inspect: $output"
	# pasta is the user's, holds the port, and its pid is where brig put it.
	local file
	file=$(echo "$(rl_run_dir)"/brig/netns/*/"$id")
	[ -f "$file" ] || fail "no pid file for pasta at $file"
	pid=$(cat "$file")
	[ "$(rl_pastas)" = "$pid" ] || fail "pasta $pid, live: $(rl_pastas)"
	[ "$(host_uid_of_pid "$pid")" = "$RL_UID" ] || fail "pasta is not the user's"
	run in_emu rl_brig rm -f web
	[ "$status" -eq 0 ] || fail "rm -f: $output"
	[ -z "$(rl_pastas)" ] || fail "pasta left running: $(rl_pastas)"
	emu_port_free 18090 || fail "127.0.0.1:18090 is still bound"
	[ ! -e "$file" ] || fail "the pid file is left"
}

@test "--network pasta rootless (emulated Debian host): run --rm passes the exit code (overlay and copy); a SIGKILLed container's pasta ends" {
	emu_up
	run in_emu rl_brig run --rm --network pasta bb:1 sh -c 'ip -4 -o addr show | grep -v " lo "; exit 7'
	[ "$status" -eq 7 ] || fail "status $status: $output"
	[[ "$output" == *10.78.0.1/24* ]] || fail "pasta's interface: $output"
	[ -z "$(rl_pastas)" ] || fail "pasta left running: $(rl_pastas)"
	# the copy driver: no user namespace from the overlay to make it in
	run in_emu rl_brig --storage-driver copy run --rm --network pasta bb:1 sh -c 'ip -4 -o addr show | grep -v " lo "; exit 3'
	[ "$status" -eq 3 ] && [[ "$output" == *10.78.0.1/24* ]] || fail "copy: status $status: $output"
	[ -z "$(rl_pastas)" ] || fail "pasta left running: $(rl_pastas)"
	run in_emu rl_brig run -d --name k --network pasta -p 127.0.0.1:18092:80 bb:1 sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $output"
	wait_for "k's pasta on 127.0.0.1:18092" eval '! emu_port_free 18092'
	kill -KILL "$(rl_brig inspect -f '{{.State.Pid}}' k)"
	wait_for "k to end" eval '[ "$(rl_brig inspect -f "{{.State.Status}}" k)" = exited ]'
	[ -z "$(rl_pastas)" ] || fail "pasta left running: $(rl_pastas)"
	emu_port_free 18092 || fail "127.0.0.1:18092 is still bound"
	[ -z "$(ls -A "$(rl_run_dir)"/brig/netns/* 2>/dev/null)" ] || fail "a pid file is left"
}

gone() { [ ! -d "/proc/$1" ] || [ "$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" = Z ]; }

@test "--network pasta rootless (emulated Debian host): a killed monitor's pasta is ended by the next brig command" {
	emu_up
	run --separate-stderr in_emu rl_brig run -d --name om --network pasta -p 127.0.0.1:18093:80 bb:1 sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for "om's pasta on 127.0.0.1:18093" eval '! emu_port_free 18093'
	[ -n "$(rl_pastas)" ] || fail "no pasta"
	# the container's init is the monitor's child
	mon=$(awk '/^PPid:/ { print $2 }' "/proc/$(rl_brig inspect -f '{{.State.Pid}}' om)/status")
	kill -KILL "$mon"
	wait_for "the monitor to die" gone "$mon"
	run --separate-stderr rl_brig ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == "om Exited (137)"* ]] || fail "ps: $output ($stderr)"
	[ -z "$(rl_pastas)" ] || fail "pasta left running: $(rl_pastas)"
	emu_port_free 18093 || fail "127.0.0.1:18093 is still bound"
}

# tar_owners TAR NAME: "UID/GID" of NAME in the tar TAR.
tar_owners() { tar -tvf "$1" "$2" | awk '{ print $2 }'; }

@test "a container's uid 1000 writes its root; commit, export and cp keep the container's owners" {
	run rl_brig run -d --name own --read-write bb:1 sh -c 'mkdir -m 1777 /d && exec sleep 1000'
	[ "$status" -eq 0 ] || fail "run -d: $output"
	wait_for "/d in the container" rl_brig exec own test -d /d
	# the overlay's mounter holds the container's ids: uid 1000 may write
	run rl_brig exec -u 1000 own sh -c 'echo s >/d/s && chmod 600 /d/s && mkdir /d/t && echo f >/d/t/f'
	[ "$status" -eq 0 ] || fail "uid 1000 writing its root: $output"
	# cp into the running container: the container's root, or (tar) the tar's owners
	as_user sh -c "echo in >'$RL_DIR/in' && mkdir -p '$RL_DIR/tin/u' && echo x >'$RL_DIR/tin/u/x'"
	run rl_brig cp "$RL_DIR/in" own:/d/in
	[ "$status" -eq 0 ] || fail "cp in: $output"
	tar -C "$RL_DIR/tin" --owner=1000 --group=1000 -cf "$BATS_TEST_TMPDIR/in.tar" u
	run rl_brig cp - own:/d <"$BATS_TEST_TMPDIR/in.tar"
	[ "$status" -eq 0 ] || fail "cp - in: $output"
	run rl_brig exec own stat -c '%n %u:%g' /d/in /d/u/x
	[ "${lines[0]}" = "/d/in 0:0" ] && [ "${lines[1]}" = "/d/u/x 1000:1000" ] || fail "owners inside: $output"
	# cp out of the running container: a 0600 file of uid 1000, as a tar
	rl_brig cp own:/d/s - >"$BATS_TEST_TMPDIR/s.tar"
	run tar_owners "$BATS_TEST_TMPDIR/s.tar" s
	[ "$output" = 1000/1000 ] || fail "cp out: $output"
	run rl_brig stop -t 1 own
	[ "$status" -eq 0 ] || fail "stop: $output"
	# export of the stopped container (its overlay mounted again)
	rl_brig export own >"$BATS_TEST_TMPDIR/x.tar"
	run tar_owners "$BATS_TEST_TMPDIR/x.tar" d/s
	[ "$output" = 1000/1000 ] || fail "export d/s: $output"
	run tar_owners "$BATS_TEST_TMPDIR/x.tar" d/in
	[ "$output" = 0/0 ] || fail "export d/in: $output"
	# commit: the new layer
	run rl_brig commit own own:1
	[ "$status" -eq 0 ] || fail "commit: $output"
	rl_brig save own:1 >"$BATS_TEST_TMPDIR/i.tar"
	layer=$(tar -xOf "$BATS_TEST_TMPDIR/i.tar" manifest.json | jq -r '.[0].Layers[-1]')
	tar -xOf "$BATS_TEST_TMPDIR/i.tar" "$layer" >"$BATS_TEST_TMPDIR/l.tar"
	run tar_owners "$BATS_TEST_TMPDIR/l.tar" d/t/f
	[ "$output" = 1000/1000 ] || fail "commit d/t/f: $output"
	run tar_owners "$BATS_TEST_TMPDIR/l.tar" d/u/x
	[ "$output" = 1000/1000 ] || fail "commit d/u/x: $output"
	# cp out of the stopped container, -a: the user's subordinate ids on the host
	run rl_brig cp -a own:/d/s "$RL_DIR/s"
	[ "$status" -eq 0 ] || fail "cp -a out: $output"
	run stat -c %u "$RL_DIR/s"
	[ "$output" -eq $((RL_SUBUID + 65536 * $(rl_brig inspect -f '{{.Brig.Userns.Slot}}' own) + 1000)) ] ||
		fail "cp -a: host uid $output"
	run rl_brig rmi own:1
	[ "$status" -eq 0 ] || fail "rmi: $output"
}

@test "forensics rootless: the changes packed with the container's owners; its root's processes are its uid 0" {
	run rl_brig run -d --name fx --read-write bb:1 sh -c 'mkdir -m 1777 /d && exec sleep 1000'
	[ "$status" -eq 0 ] || fail "run -d: $output"
	wait_for "/d in the container" rl_brig exec fx test -d /d
	run rl_brig exec -u 1000 fx sh -c 'echo s >/d/s && chmod 600 /d/s'
	[ "$status" -eq 0 ] || fail "uid 1000 writing its root: $output"
	run rl_brig forensics -o "$RL_DIR/fx" fx
	run cat "$RL_DIR/fx/MISSING"
	[[ "$output" != *layer.tar* ]] || fail "MISSING: $output"
	run tar_owners "$RL_DIR/fx/layer.tar" d/s
	[ "$output" = 1000/1000 ] || fail "layer.tar d/s: $output"
	run jq -c '[.[] | .ContainerUid]' "$RL_DIR/fx/processes.json"
	[[ "$output" == *0* ]] && [[ "$output" != *null* ]] || fail "processes.json ContainerUid: $output"
	rm -rf "$RL_DIR/fx"
}

@test "--userns=keep-id: the user's uid and gid inside, its own files writable, an entry in /etc/passwd" {
	as_user mkdir -p "$RL_DIR/kd"
	run --separate-stderr rl_brig run --name kid --userns=keep-id -v "$RL_DIR/kd:/kd" bb:1 \
		sh -c 'id -u; id -g; whoami; echo "HOME=$HOME"; echo x >/kd/f; cat /proc/self/uid_map'
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "${lines[0]}" = "$RL_UID" ] && [ "${lines[1]}" = "$RL_GID" ] || fail "id: $output"
	[ "${lines[2]}" = "$RL_USER" ] || fail "whoami: $output"
	[ "${lines[3]}" = "HOME=/" ] || fail "HOME (no bind holds the user's home): $output"
	[ "$(stat -c %u:%g "$RL_DIR/kd/f")" = "$RL_UID:$RL_GID" ] || fail "the file's host owner: $(stat -c %u:%g "$RL_DIR/kd/f")"
	[[ "$stderr" != *"outside the container"* ]] || fail "warned about the user's own directory: $stderr"
	# the slot's ids around the user's: 0..U-1, U itself, U+1..65535
	base=$(rl_brig inspect -f '{{.Brig.Userns.HostUid}}' kid)
	read -r a b c <<<"${lines[4]}"
	[ "$a $b $c" = "0 $base $RL_UID" ] || fail "uid_map line 1: ${lines[4]}"
	read -r a b c <<<"${lines[5]}"
	[ "$a $b $c" = "$RL_UID $RL_UID 1" ] || fail "uid_map line 2: ${lines[5]}"
	read -r a b c <<<"${lines[6]}"
	[ "$a $b $c" = "$((RL_UID + 1)) $((base + RL_UID + 1)) $((65535 - RL_UID))" ] || fail "uid_map line 3: ${lines[6]}"
	run rl_brig inspect -f '{{.HostConfig.UsernsMode}} {{.Brig.Userns.Mode}} {{.Config.User}}' kid
	[ "$output" = "keep-id keep-id $RL_UID:$RL_GID" ] || fail "inspect: $output"
	# the entry is the container's: the image and other containers lack it
	run --separate-stderr rl_brig run --rm bb:1 grep -c "^$RL_USER:" /etc/passwd
	[ "$output" = 0 ] || fail "another container has the entry: $output"
	# a bind holding the user's home: HOME is it; --user still wins
	run --separate-stderr rl_brig run --rm --userns=keep-id -v "$RL_DIR:$RL_DIR" -v "$RL_HOME:$RL_HOME" bb:1 sh -c 'echo "$HOME"'
	[ "$output" = "$RL_HOME" ] || fail "HOME with the home bound: $output $stderr"
	run --separate-stderr rl_brig run --rm --userns=keep-id -u 0 bb:1 id -u
	[ "$output" = 0 ] || fail "-u 0: $output $stderr"
	# a working directory that cannot be a passwd field is not the home
	run --separate-stderr rl_brig run --rm --userns=keep-id -w /a:b bb:1 sh -c 'echo "$HOME"; grep -c "^$(whoami):" /etc/passwd'
	[ "$output" = "/"$'\n'"1" ] || fail "-w /a:b: $output $stderr"
}

@test "--userns=keep-id: exec and top as the user; an image whose /etc is a symlink gets no entry" {
	run rl_brig run -d --name kx --userns=keep-id bb:1 sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $output"
	run rl_brig exec kx sh -c 'id -u; whoami'
	[ "${lines[0]}" = "$RL_UID" ] && [ "${lines[1]}" = "$RL_USER" ] || fail "exec: $output"
	[ "$(host_uid_of_pid "$(rl_brig inspect -f '{{.State.Pid}}' kx)")" = "$RL_UID" ] || fail "host uid of the process"
	run rl_brig top kx
	[[ "${lines[1]}" =~ ^[0-9]+\ +$RL_UID\ +sleep ]] || fail "top: $output"
	# a planted link: /etc -> /kd (a bind of the user's): nothing is written through it
	local img=$BATS_TEST_TMPDIR/etclink
	"$BRIG_SRC/scripts/mkrootfs.sh" "$img" >/dev/null
	rm -rf "$img/etc" && ln -s /kd "$img/etc"
	tar -C "$img" --numeric-owner -cf "$RL_DIR/etclink.tar" . && chown "$RL_UID:$RL_GID" "$RL_DIR/etclink.tar"
	rl_brig import "$RL_DIR/etclink.tar" etclink:1 >/dev/null
	as_user mkdir -p "$RL_DIR/kl"
	run --separate-stderr rl_brig run --rm --userns=keep-id -v "$RL_DIR/kl:/kd" etclink:1 id -u
	[ "$status" -eq 0 ] && [ "$output" = "$RL_UID" ] || fail "run: $output $stderr"
	[[ "$stderr" == *"/etc is not a directory"* ]] || fail "no warning: $stderr"
	[ -z "$(ls -A "$RL_DIR/kl")" ] || fail "written through the link: $(ls -A "$RL_DIR/kl")"
	rl_brig rmi etclink:1 >/dev/null
}

@test "rootless binds: no warning for the user's own directory, one for root's; :U gives a tree to the container's uid 1000" {
	as_user mkdir -p "$RL_DIR/own/sub"
	run --separate-stderr rl_brig create -v "$RL_DIR/own:/d" bb:1 true
	[ "$status" -eq 0 ] || fail "create: $stderr"
	[[ "$stderr" != *"outside the container"* ]] || fail "warned about the user's directory: $stderr"
	mkdir -p "$RL_DIR/roots" && chmod 0755 "$RL_DIR/roots"
	run --separate-stderr rl_brig create -v "$RL_DIR/roots:/d" bb:1 true
	[[ "$stderr" == *"bind source $RL_DIR/roots belongs to uid 0, outside the container's user namespace"* ]] ||
		fail "no warning for root's directory: $stderr"
	run --separate-stderr rl_brig create --name ux --read-write -u 1000:1000 -v "$RL_DIR/own:/d:U" bb:1 \
		sh -c 'echo y >/d/sub/new && stat -c %u:%g /d /d/sub/new'
	[ "$status" -eq 0 ] || fail "create :U: $stderr"
	run rl_brig start -a ux
	[ "$status" -eq 0 ] || fail "start: $output"
	[ "${lines[0]}" = 1000:1000 ] && [ "${lines[1]}" = 1000:1000 ] || fail "owners inside: $output"
	base=$(rl_brig inspect -f '{{.Brig.Userns.HostUid}}' ux)
	[ "$(stat -c %u "$RL_DIR/own/sub")" = $((base + 1000)) ] || fail "host owner: $(stat -c %u "$RL_DIR/own/sub")"
	rm -rf "$RL_DIR/own" "$RL_DIR/roots"
}

@test "--userns=keep-id for root: refused in one line" {
	run --separate-stderr "$BRIG" --root "$BATS_TEST_TMPDIR/root" run --rm --userns=keep-id bb:1 true
	[ "$status" -eq 125 ] || fail "status $status: $stderr"
	[ "${#stderr_lines[@]}" -eq 1 ] && [[ "$stderr" == *"--userns=keep-id is for rootless brig"* ]] || fail "message: $stderr"
}
