#!/usr/bin/env bats
# --security-opt landlock=RULES (docs/landlock.md): brig carries the rules as
# the annotation run.brig.landlock and brig-runtime confines the container's
# processes with them; without the flag nothing changes.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=60

setup_file() {
	brig_file_store
}

setup() {
	brig_setup
	[ "$(landlock_abi)" -ge 1 ] || skip "the kernel has no Landlock"
}

teardown() { brig_teardown; }

FS=ro:/,rw:/tmp,rw:/dev

@test "landlock: writes outside the rw paths fail with EACCES, inside them work" {
	run brig run --rm --read-write --security-opt "landlock=$FS" bb:1 sh -c \
		'echo a >/tmp/a && cat /tmp/a && cat /etc/hostname >/dev/null && echo read; echo b >/etc/b; echo rc=$?; mkdir /x; echo rc=$?'
	echo "$output" >&2
	[ "$status" -eq 0 ] || false
	[[ "$output" == *$'a\nread\n'* ]] || false
	[[ "$output" == *"can't create /etc/b: Permission denied"* ]] || false
	[[ "$output" == *"mkdir: can't create directory '/x': Permission denied"* ]] || false
	[[ "$output" != *rc=0* ]] || false
}

@test "landlock: the same container without the flag writes where it likes" {
	run brig run --rm --read-write bb:1 sh -c 'echo b >/etc/b && mkdir /x && echo wrote'
	[ "$status" -eq 0 ] || false
	[ "$output" = wrote ] || false
	id=$(brig create bb:1 true)
	[ -z "$(grep -rl run.brig.landlock "$ROOT/containers/$id")" ] || false
}

@test "landlock: the annotation run.brig.landlock carries the rules" {
	id=$(brig create --security-opt "landlock=$FS,bind:8080" bb:1 true)
	run -0 grep -rhoE '"run\.brig\.landlock": ?"[^"]*"' "$ROOT/containers/$id"
	[[ "$output" == *"\"$FS,bind:8080\""* ]] || false
}

@test "landlock: a TCP bind to a port not allowed fails, to an allowed one works; connect likewise" {
	[ "$(landlock_abi)" -ge 4 ] || skip "Landlock ABI $(landlock_abi) has no TCP rules"
	# stdout and stderr reach brig through two pipes: only each one keeps its order.
	run --separate-stderr brig run --rm --security-opt landlock=bind:8080,connect:8080 bb:1 sh -c '
		nc -l -p 9090 </dev/null; echo "bind 9090 rc=$?"
		nc -l -p 8080 </dev/null >/dev/null & 
		i=0; until netstat -ltn | grep -q ":8080 "; do i=$((i+1)); [ $i -lt 100 ] || exit 3; sleep 0.05; done
		echo listening
		echo hi | nc 127.0.0.1 8080 && echo "connect 8080 ok"
		nc 127.0.0.1 9090 </dev/null; echo "connect 9090 rc=$?"'
	echo "stdout: $output" >&2
	echo "stderr: $stderr" >&2
	[ "$status" -eq 0 ] || false
	[ "$output" = $'bind 9090 rc=1\nlistening\nconnect 8080 ok\nconnect 9090 rc=1' ] || false
	[[ "$stderr" == *"nc: bind: Permission denied"* ]] || false
	[[ "$stderr" == *"can't connect to remote host (127.0.0.1): Permission denied"* ]] || false
}

@test "landlock: brig exec into a confined container is confined too" {
	id=$(brig run -d --read-write --security-opt "landlock=$FS" bb:1 sleep 60)
	run brig exec "$id" sh -c 'echo b >/etc/b'
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"Permission denied"* ]] || false
	run -0 brig exec "$id" sh -c 'echo b >/tmp/b && cat /tmp/b'
	[ "$output" = b ] || false
}

@test "landlock: a malformed rule is refused before anything runs" {
	run -125 brig run --rm --security-opt landlock=ro:etc bb:1 true
	[[ "$output" == *'landlock: rule "ro:etc": the path must be absolute'* ]] || false
	run -125 brig run --rm --security-opt landlock=bind:70000 bb:1 true
	[[ "$output" == *'rule "bind:70000": the port must be 1-65535 or none'* ]] || false
	run -125 brig run --rm --security-opt landlock=dir:/x bb:1 true
	[[ "$output" == *'expected ro:PATH, rw:PATH, bind:PORT or connect:PORT'* ]] || false
}
