#!/usr/bin/env bats
# OCI hooks: order, the state on their stdin, where they run, env and args,
# and what a failing or hanging hook does to create.

load ../lib/helpers

setup() {
	runtime_setup
	new_bundle
	HOOKS=$BATS_TEST_TMPDIR/hooks
	mkdir -p "$HOOKS"
	chmod 755 "$HOOKS"
	# One script serves every hook: it appends "NAME STATUS ID" to the log.
	# It runs on the host and, for createContainer and startContainer, inside
	# the container, so it uses only what both have; the directory is bind-
	# mounted into the container at the same path.
	cat >"$HOOKS/hook.sh" <<-'EOF'
		#!/bin/sh
		state=$(cat)
		status=$(echo "$state" | tr -d '\n ' | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)
		id=$(echo "$state" | tr -d '\n ' | grep -o '"id":"[^"]*"' | cut -d'"' -f4)
		echo "$1 $status $id" >>"$(dirname "$0")/log"
	EOF
	chmod 755 "$HOOKS/hook.sh"
	cfg '.mounts += [{destination: $d, type: "bind", source: $d, options: ["rbind", "rw"]}]' --arg d "$HOOKS"
}
teardown() { runtime_teardown; }

# hook NAME: the JSON of a hook that logs NAME.
hook() {
	jq -nc --arg s "$HOOKS/hook.sh" --arg n "$1" \
		'{path: "/bin/sh", args: ["sh", $s, $n], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}'
}

all_hooks() {
	local h
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		cfg '.hooks[$n] = [$h]' --arg n "$h" --argjson h "$(hook "$h")"
	done
}

@test "hooks: each runs once, in order, with the state on stdin" {
	all_hooks
	create_container
	run grep -v ^poststart "$HOOKS/log"
	expect_output "$(printf '%s\n' "prestart creating $CID" "createRuntime creating $CID" \
		"createContainer creating $CID" | head -c -1)"
	runtime start "$CID"
	wait_status stopped
	runtime delete "$CID"
	run grep -v ^poststart "$HOOKS/log"
	expect_output "$(printf '%s\n' "prestart creating $CID" "createRuntime creating $CID" \
		"createContainer creating $CID" "startContainer created $CID" \
		"poststop stopped $CID" | head -c -1)"
	expect_eq "$(grep -c ^poststart "$HOOKS/log")" 1 "poststart runs"
}

@test "hooks: poststart runs after start, with status running" {
	[ "$RUNTIME_NAME" != runc ] || skip "runc $RUNTIME_VERSION runs poststart during create, with status created"
	all_hooks
	create_container
	! grep -q ^poststart "$HOOKS/log" || fail "poststart ran before start"
	runtime start "$CID"
	wait_status stopped
	runtime delete "$CID"
	run cat "$HOOKS/log"
	expect_output "$(printf '%s\n' "prestart creating $CID" "createRuntime creating $CID" \
		"createContainer creating $CID" "startContainer created $CID" "poststart running $CID" \
		"poststop stopped $CID" | head -c -1)"
}

@test "hooks: createContainer and startContainer run inside the container" {
	local show='for n in mnt uts pid; do readlink /proc/self/ns/$n; done'
	cfg '.hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", $c]}]
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c", $s]}]
		| .hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", $p]}]' \
		--arg c "($show) >$HOOKS/createContainer" \
		--arg s "($show) >$HOOKS/startContainer" \
		--arg p "($show) >$HOOKS/prestart"
	start_container
	local pid container host
	pid=$(container_pid)
	container=$(for n in mnt uts pid; do readlink "/proc/$pid/ns/$n"; done)
	host=$(for n in mnt uts pid; do readlink "/proc/self/ns/$n"; done)
	expect_eq "$(cat "$HOOKS/createContainer")" "$container" "createContainer namespaces"
	expect_eq "$(cat "$HOOKS/startContainer")" "$container" "startContainer namespaces"
	expect_eq "$(cat "$HOOKS/prestart")" "$host" "prestart namespaces"
}

@test "hooks: args and env reach the hook" {
	cfg '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $c, "arg0", "first arg"],
		env: ["HOOKVAR=hook value"]}]' \
		--arg c "printf '%s|%s|%s\n' \"\$0\" \"\$1\" \"\$HOOKVAR\" >$HOOKS/out"
	create_container
	expect_eq "$(cat "$HOOKS/out")" "arg0|first arg|hook value" "hook args and env"
}

@test "hooks: a hook without env gets the runtime's environment, env [] an empty one" {
	cfg '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $c]},
		{path: "/bin/sh", args: ["sh", "-c", $d], env: []}]' \
		--arg c "echo \"var=\$BRIG_HOOK_TEST_VAR\" >$HOOKS/out" \
		--arg d "echo \"var=\$BRIG_HOOK_TEST_VAR\" >$HOOKS/out2"
	new_cid
	BRIG_HOOK_TEST_VAR="from the caller" runtime create --bundle "$BUNDLE" "$CID" </dev/null
	expect_eq "$(cat "$HOOKS/out")" "var=from the caller" "environment of a hook without env"
	expect_eq "$(cat "$HOOKS/out2")" "var=" "environment of a hook with env []"
}

# expect_failed_create_clean: create failed with exit 1 and left nothing.
expect_failed_create_clean() {
	expect_status 1
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state left behind"
	local d
	for d in $(cgroup_dirs_named "$BUNDLE_CGROUP"); do
		[ ! -d "$d" ] || fail "cgroup $d left behind"
	done
}

@test "hooks: a failing createRuntime hook fails create and cleans up" {
	cfg '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]'
	new_cid
	run --separate-stderr runtime create --bundle "$BUNDLE" "$CID" </dev/null
	expect_failed_create_clean
}

@test "hooks: a hook that outlives its timeout fails create" {
	cfg '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $c], timeout: 1}]' \
		--arg c "echo \$\$ >$HOOKS/pid; exec sleep 600"
	new_cid
	run --separate-stderr runtime create --bundle "$BUNDLE" "$CID" </dev/null
	expect_failed_create_clean
	if runtime_is_brig; then
		[[ "$stderr" == *"createRuntime hook /bin/sh timed out after 1 s"* ]] ||
			{ show_run; fail "the failure does not name the timeout"; }
	fi
	# On a loaded host the timeout may end the hook before it wrote its pid;
	# when it did write it, that process is gone too.
	if [ -s "$HOOKS/pid" ]; then
		wait_process_gone "$(cat "$HOOKS/pid")"
	fi
}

@test "hooks: a hook that does not exist fails create" {
	cfg '.hooks.prestart = [{path: "/no/such/hook"}]'
	new_cid
	run --separate-stderr runtime create --bundle "$BUNDLE" "$CID" </dev/null
	expect_failed_create_clean
}

@test "hooks: a hooks key spelled with escapes still runs poststart and poststop" {
	runtime_is_brig || skip "brig-runtime's own copy of the config, read for its hooks"
	cfg '.hooks.poststart = [$a] | .hooks.poststop = [$b]' \
		--argjson a "$(hook poststart)" --argjson b "$(hook poststop)"
	sed -i 's/"hooks"/"\\u0068ooks"/' "$BUNDLE/config.json"
	grep -q 'u0068ooks' "$BUNDLE/config.json" || fail "the key is not escaped"
	create_container
	runtime start "$CID"
	wait_status stopped
	runtime delete "$CID"
	run cat "$HOOKS/log"
	expect_output "$(printf '%s\n' "poststart running $CID" "poststop stopped $CID" | head -c -1)"
}

@test "hooks: poststop runs on delete --force of a running container" {
	all_hooks
	start_container
	runtime delete --force "$CID"
	run tail -1 "$HOOKS/log"
	expect_output "poststop stopped $CID"
}

@test "hooks: a failing poststop hook is a warning; the next hooks still run" {
	runtime_is_brig || skip "runc 1.1.5 fails start on a failing poststart hook, against the spec"
	local bad='{"path": "/bin/false"}'
	cfg '.hooks.poststop = [$b, $h2]' --argjson b "$bad" \
		--argjson h2 "$(hook poststop-after-failure)"
	start_container
	runtime delete --force "$CID"
	grep -q '^poststop-after-failure stopped ' "$HOOKS/log" || { cat "$HOOKS/log"; fail "poststop stopped at the failure"; }
}

@test "hooks: a failing poststart hook fails start and stops the container (spec 1.3)" {
	runtime_is_brig || skip "runc 1.1.5 runs poststart during create"
	local bad='{"path": "/bin/false"}'
	cfg '.hooks.poststart = [$b, $h1] | .hooks.poststop = [$h2]' --argjson b "$bad" \
		--argjson h1 "$(hook poststart-after-failure)" --argjson h2 "$(hook poststop)"
	set_args sleep 1000
	create_container
	run --separate-stderr runtime start "$CID"
	[ "$status" -ne 0 ] || { show_run; fail "start succeeded although a poststart hook failed"; }
	grep -q 'poststart hook /bin/false' <<<"$stderr" || { show_run; fail "the error does not name the hook"; }
	wait_status stopped
	! grep -q '^poststart-after-failure' "$HOOKS/log" || { cat "$HOOKS/log"; fail "poststart went on after the failure"; }
	# The lifecycle continues with delete, which runs poststop.
	run --separate-stderr runtime delete "$CID"
	expect_status 0
	grep -q "^poststop stopped $CID" "$HOOKS/log" || { cat "$HOOKS/log"; fail "poststop did not run"; }
}
