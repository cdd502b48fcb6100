#!/usr/bin/env bats
# Privileges a config does not grant must not reach the container: a config
# without process.capabilities, and processes started by `exec`, which must
# not be able to signal the caller's session or process group on the host.
# Each test also runs against runc (RUNTIME=runc), which behaves the same.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
	# Only the capability sets are under test: no seccomp filter that would
	# stop the mount by itself.
	cfg 'del(.linux.seccomp) | .process.noNewPrivileges = true'
}

teardown() { runtime_teardown; }

# caps_of_self: "CapInh CapPrm CapEff CapBnd CapAmb" of the container process.
caps_line='grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | tr -s "\t " " " | tr "\n" " "'

@test "privs: a config without process.capabilities gets no capabilities" {
	cfg 'del(.process.capabilities)'
	run_sh "$caps_line"
	expect_status 0
	expect_output "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 "
	run_sh 'mount -t tmpfs none /etc && echo MOUNTED'
	[ "$status" -ne 0 ] || { show_run; fail "mount succeeded without capabilities"; }
	expect_no_line MOUNTED
}

@test "privs: an empty process.capabilities object gets no capabilities" {
	cfg '.process.capabilities = {}'
	run_sh "$caps_line"
	expect_status 0
	expect_output "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 "
	run_sh 'mount -t tmpfs none /etc && echo MOUNTED'
	[ "$status" -ne 0 ] || { show_run; fail "mount succeeded without capabilities"; }
	expect_no_line MOUNTED
}
