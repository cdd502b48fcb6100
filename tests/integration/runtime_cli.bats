#!/usr/bin/env bats
# spec, features, and bad input: a clear error, exit 1, nothing left behind.

load ../lib/helpers

setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "spec: writes a valid config.json" {
	mkdir "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/s"
	runtime spec
	jq -e '(.ociVersion | startswith("1.")) and .root.path == "rootfs"
		and (.process.args | type == "array" and length > 0)
		and (.linux.namespaces | map(.type) | index("mount") != null)' config.json >/dev/null ||
		{ cat config.json; fail "unexpected spec"; }
}

@test "spec: refuses to overwrite an existing config.json" {
	mkdir "$BATS_TEST_TMPDIR/s"
	echo '{"keep": true}' >"$BATS_TEST_TMPDIR/s/config.json"
	cd "$BATS_TEST_TMPDIR/s"
	run --separate-stderr runtime spec
	expect_status 1
	expect_eq "$(jq -c . config.json)" '{"keep":true}' config.json
}

@test "spec --bundle: writes into the bundle directory" {
	mkdir "$BATS_TEST_TMPDIR/s"
	runtime spec --bundle "$BATS_TEST_TMPDIR/s"
	jq -e .ociVersion "$BATS_TEST_TMPDIR/s/config.json" >/dev/null
}

@test "spec --rootless: a user namespace mapping the caller's ids" {
	mkdir "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/s"
	runtime spec --rootless
	jq -e '.linux.namespaces | map(.type) | index("user") != null' config.json >/dev/null ||
		fail "no user namespace"
	jq -e '.linux.namespaces | map(.type) | index("network") == null' config.json >/dev/null ||
		fail "rootless spec has a network namespace"
	expect_eq "$(jq -c '.linux.uidMappings[0] | [.containerID, .hostID, .size]' config.json)" "[0,$(id -u),1]" uidMappings
	expect_eq "$(jq -c '.linux.gidMappings[0] | [.containerID, .hostID, .size]' config.json)" "[0,$(id -g),1]" gidMappings
}

@test "features: valid JSON with the supported OCI versions" {
	skip_if_runc_lacks features 1.1.0
	run --separate-stderr runtime features
	expect_status 0
	jq -e '(.ociVersionMin | startswith("1.")) and (.ociVersionMax | startswith("1."))
		and (.hooks | index("createRuntime") != null)
		and (.linux.namespaces | index("user") != null)
		and (.linux.capabilities | index("CAP_SYS_ADMIN") != null)' <<<"$output" >/dev/null ||
		{ show_run; fail "unexpected features"; }
}

# expect_create_fails WORD: create fails with exit 1; with brig-runtime the
# error is one line naming WORD; nothing of the container is left.
expect_create_fails() {
	new_cid
	cfg '.process.env += ["BRIG_TEST_MARK=" + $id]' --arg id "$CID" 2>/dev/null || true
	run --separate-stderr runtime create --bundle "$BUNDLE" "$CID" </dev/null
	expect_status 1
	if runtime_is_brig; then
		[ "$(grep -c . <<<"$stderr")" -eq 1 ] || { show_run; fail "error is not one line"; }
		grep -qF -- "$1" <<<"$stderr" || { show_run; fail "error does not name $1"; }
	fi
	expect_nothing_left
}

expect_nothing_left() {
	[ ! -e "$STATE_ROOT/$CID" ] || fail "state directory $STATE_ROOT/$CID left behind"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state still reports $CID"
	local d
	for d in $(cgroup_dirs_named "$BUNDLE_CGROUP"); do
		[ ! -d "$d" ] || fail "cgroup $d left behind"
	done
	local f
	for f in /proc/[0-9]*/environ; do
		! grep -qsF "BRIG_TEST_MARK=$CID" "$f" || fail "process ${f%/environ} left behind"
	done
}

@test "bad input: malformed config.json" {
	new_bundle
	printf '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	expect_create_fails config.json
}

@test "bad input: process.args of the wrong type" {
	new_bundle
	cfg '.process.args = "sh -c true"'
	expect_create_fails process.args
}

@test "bad input: root.path missing" {
	new_bundle
	cfg 'del(.root.path)'
	expect_create_fails root.path
}

@test "bad input: a rootfs that does not exist" {
	new_bundle
	cfg '.root.path = "no-such-rootfs"'
	expect_create_fails no-such-rootfs
}

@test "bad input: no config.json in the bundle" {
	new_bundle
	rm "$BUNDLE/config.json"
	new_cid
	run --separate-stderr runtime create --bundle "$BUNDLE" "$CID" </dev/null
	expect_status 1
	expect_nothing_left
}

@test "bad input: an executable that does not exist fails create and cleans up" {
	new_bundle
	set_args /no/such/program
	expect_create_fails /no/such/program
}

@test "bad input: an unknown namespace type" {
	new_bundle
	cfg '.linux.namespaces += [{type: "bogus"}]'
	expect_create_fails namespaces
}

@test "bad input: an invalid container id" {
	new_bundle
	run --separate-stderr runtime create --bundle "$BUNDLE" "../escape" </dev/null
	[ "$status" -eq 1 ] || { show_run; fail "id ../escape accepted"; }
	if runtime_is_brig; then
		[[ "$stderr" == *'invalid container id "../escape"'* ]] || { show_run; fail "no reason given"; }
	fi
	[ ! -e "$BATS_TEST_TMPDIR/escape" ] || fail "../escape created"
	[ -z "$(ls -A "$STATE_ROOT" 2>/dev/null)" ] || fail "state created: $(ls -A "$STATE_ROOT")"
}

@test "bad input: an unknown command exits non-zero" {
	run --separate-stderr runtime no-such-command
	[ "$status" -ne 0 ] || { show_run; fail "an unknown command succeeded"; }
	[[ "$stderr" == *no-such-command* ]] || { show_run; fail "the error does not name the command"; }
}

@test "bad input: --root that is not a directory" {
	touch "$BATS_TEST_TMPDIR/notadir"
	run --separate-stderr "$RUNTIME" --root "$BATS_TEST_TMPDIR/notadir" list
	[ "$status" -ne 0 ] || { show_run; fail "--root FILE accepted"; }
	if runtime_is_brig; then
		[[ "$stderr" == *"$BATS_TEST_TMPDIR/notadir"* ]] || { show_run; fail "the error does not name --root"; }
	fi
	[ -f "$BATS_TEST_TMPDIR/notadir" ] && [ ! -s "$BATS_TEST_TMPDIR/notadir" ] || fail "--root FILE was changed"
}

@test "features and spec: runtime-spec 1.3 (poststart failures stop the container)" {
	runtime_is_brig || skip "runc $RUNTIME_VERSION declares an older spec"
	run --separate-stderr runtime features
	expect_status 0
	jq -e '.ociVersionMax == "1.3.0"' <<<"$output" >/dev/null || { show_run; fail "ociVersionMax is not 1.3.0"; }
}
