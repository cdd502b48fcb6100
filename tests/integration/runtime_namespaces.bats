#!/usr/bin/env bats
# Namespaces as the process sees them: new ones, joined ones, user namespace
# id mappings, sysctls inside them, and the execution domain (personality).

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
}
teardown() { runtime_teardown; }

# ns_file TYPE: the /proc/PID/ns name of an OCI namespace type.
ns_file() {
	case $1 in
	network) echo net ;;
	mount) echo mnt ;;
	*) echo "$1" ;;
	esac
}

ALL_NS="pid network ipc uts mount cgroup user"

# show_ns: a container script printing "TYPE LINK" for every namespace type.
show_ns_script() {
	local t s=""
	for t in $ALL_NS; do
		s+="echo $t \$(readlink /proc/self/ns/$(ns_file "$t")); "
	done
	echo "$s"
}

# expect_ns REQUESTED...: every requested type differs from this shell's
# namespace; every other type is shared with it.
expect_ns() {
	local t mine theirs
	for t in $ALL_NS; do
		mine=$(readlink "/proc/self/ns/$(ns_file "$t")")
		theirs=$(awk -v t="$t" '$1 == t { print $2 }' <<<"$output")
		[ -n "$theirs" ] || { show_run; fail "no $t namespace reported"; }
		if [[ " $* " == *" $t "* ]]; then
			[ "$theirs" != "$mine" ] || fail "$t namespace is the host's ($mine)"
		else
			[ "$theirs" = "$mine" ] || fail "$t namespace is new ($theirs), wanted the host's"
		fi
	done
}

@test "namespaces: each requested type is new, the rest are shared" {
	cfg '.linux.namespaces = [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"},
		{type: "mount"}, {type: "cgroup"}]'
	run_sh "$(show_ns_script)"
	expect_status 0
	expect_ns pid network ipc uts mount cgroup
}

@test "namespaces: without network, ipc and uts the host's are shared" {
	cfg '.linux.namespaces = [{type: "pid"}, {type: "mount"}] | del(.hostname)'
	run_sh "$(show_ns_script)"
	expect_status 0
	expect_ns pid mount
}

@test "namespaces: the process is pid 1 in a new pid namespace" {
	run_sh 'echo $$; ls /proc | grep -c "^[0-9]"'
	expect_status 0
	expect_eq "$(sed -n 1p <<<"$output")" 1 "pid"
	# sh, ls and grep: nothing of the host is visible.
	[ "$(sed -n 2p <<<"$output")" -le 3 ] || { show_run; fail "host processes visible"; }
}

@test "namespaces: a new network namespace has only loopback, brought up" {
	run_sh 'ls /sys/class/net; ip -o link show | grep -c .; ip -o link show lo | grep -o "<[A-Z,_]*>"'
	expect_status 0
	expect_output "$(printf 'lo\n1\n<LOOPBACK,UP,LOWER_UP>')"
}

@test "namespaces: joining a network namespace by path" {
	new_netns
	# A mark to recognise it by: an unusual loopback MTU.
	ip netns exec "$NETNS" ip link set lo mtu 1234
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
		+ [{type: "network", path: $p}]' --arg p "/run/netns/$NETNS"
	run_sh 'readlink /proc/self/ns/net; cat /sys/class/net/lo/mtu'
	expect_status 0
	expect_output "$(printf 'net:[%s]\n1234' "$(stat -L -c %i "/run/netns/$NETNS")")"
}

@test "namespaces: joining another container's ipc and uts namespaces" {
	cfg '.hostname = "first"'
	start_container
	local pid
	pid=$(container_pid)
	new_bundle
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "ipc" and .type != "uts")]
		+ [{type: "ipc", path: $ipc}, {type: "uts", path: $uts}] | del(.hostname)' \
		--arg ipc "/proc/$pid/ns/ipc" --arg uts "/proc/$pid/ns/uts"
	run_sh 'readlink /proc/self/ns/ipc; hostname'
	expect_status 0
	expect_output "$(printf '%s\nfirst' "$(readlink "/proc/$pid/ns/ipc")")"
}

@test "namespaces: a path of the wrong namespace type is refused" {
	new_netns
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "ipc")]
		+ [{type: "ipc", path: $p}]' --arg p "/run/netns/$NETNS"
	new_cid
	run --separate-stderr runtime run --bundle "$BUNDLE" "$CID" </dev/null
	[ "$status" -eq 1 ] || { show_run; fail "a netns joined as ipc namespace: status $status"; }
	if runtime_is_brig; then
		[[ "$stderr" == *"joining ipc namespace /run/netns/$NETNS"* ]] ||
			{ show_run; fail "the refusal does not name the namespace"; }
	fi
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state left behind"
}

userns_config() {
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] + [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
}

@test "user namespace: uid_map and gid_map are the configured mappings" {
	userns_config
	run_sh 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
	expect_status 0
	expect_eq "$(sed -n 1p <<<"$output" | tr -s ' ' | sed 's/^ //')" "0 100000 65536" uid_map
	expect_eq "$(sed -n 2p <<<"$output" | tr -s ' ' | sed 's/^ //')" "0 200000 65536" gid_map
	expect_eq "$(sed -n 3,4p <<<"$output" | tr '\n' ' ')" "0 0 " "ids inside"
}

@test "user namespace: the container's root is an unprivileged host uid" {
	userns_config
	start_container
	local pid
	pid=$(container_pid)
	expect_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 100000 "host uid"
	expect_eq "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" 200000 "host gid"
	expect_eq "$(readlink "/proc/$pid/ns/user")" "$(runtime exec "$CID" readlink /proc/self/ns/user)" "exec joins the user namespace"
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "user namespace: a user 1000 inside maps to host uid 101000" {
	userns_config
	cfg '.process.user = {uid: 1000, gid: 1000}'
	start_container
	expect_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$(container_pid)/status")" 101000 "host uid"
}

@test "sysctl: net.ipv4.ip_forward inside a new network namespace" {
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "12345"}'
	local host_fwd host_msg
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_msg=$(cat /proc/sys/kernel/msgmax)
	run_sh 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
	expect_status 0
	expect_output "$(printf '1\n12345')"
	expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "host ip_forward"
	expect_eq "$(cat /proc/sys/kernel/msgmax)" "$host_msg" "host msgmax"
}

@test "sysctl: a net.* sysctl without a network namespace is refused" {
	local before
	before=$(cat /proc/sys/net/ipv4/ip_forward)
	# The value the host does not have, so that a change would show.
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
		| .linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$((1 - before))"
	new_cid
	run --separate-stderr runtime run --bundle "$BUNDLE" "$CID" </dev/null
	expect_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$before" "host ip_forward"
	[ "$status" -eq 1 ] || { show_run; fail "a net.* sysctl without a netns: status $status"; }
	if runtime_is_brig; then
		[[ "$stderr" == *"linux.sysctl.net.ipv4.ip_forward: needs a new network namespace"* ]] ||
			{ show_run; fail "the refusal does not name the sysctl"; }
	fi
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state left behind"
}

@test "personality: LINUX32 makes uname -m report i686" {
	skip_if_runc_lacks "linux.personality" 1.2.0
	cfg '.linux.personality = {domain: "LINUX32"}'
	run_in_container uname -m
	expect_status 0
	expect_output i686
}

@test "personality: the default domain reports the host machine" {
	run_in_container uname -m
	expect_status 0
	expect_output "$(uname -m)"
}

@test "time namespace: boottime and monotonic offsets apply inside" {
	skip_if_runc_lacks "time namespaces" 1.2.0
	new_bundle
	cfg '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {boottime: {secs: 864000}, monotonic: {secs: 3600}}'
	run_sh 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
	expect_status 0
	expect_line '^monotonic +3600 +0$'
	expect_line '^boottime +864000 +0$'
	local inside host
	inside=$(tail -1 <<<"$output")
	host=$(cut -d. -f1 /proc/uptime)
	[ "$inside" -ge $((host + 864000 - 5)) ] || fail "uptime $inside inside, $host on the host"
}

@test "time namespace: offsets without a new time namespace are refused" {
	runtime_is_brig || skip "runc accepts this silently"
	new_bundle
	cfg '.linux.timeOffsets = {boottime: {secs: 10}}'
	run_sh true
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"linux.timeOffsets: needs a new time namespace"* ]] || { show_run; fail "no field named"; }
}
