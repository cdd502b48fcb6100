#!/usr/bin/env bats
# brig pull against registries that misbehave in ways the first tests
# (registry_pull.bats) do not cover: 429 and 503 answers (retries with a
# bounded back-off honouring Retry-After), a layer with "../" names, and a
# SIGKILL at random moments during pulls from docker-registry.  The
# servers: tests/lib/bad_registry.py and scripts/registry-test.sh.  See
# docs/registry.md.

bats_require_minimum_version 1.5.0

load ../lib/registry

SCRIPTS=$BATS_TEST_DIRNAME/../../scripts

setup_file() {
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	command -v skopeo >/dev/null || return 0
	[ -x /usr/bin/docker-registry ] || return 0
	local d=$BATS_FILE_TMPDIR brig=${BRIG_BUILD:?}/src/cli/brig/brig i
	"$SCRIPTS/mkrootfs.sh" "$d/rootfs" >/dev/null
	tar -C "$d/rootfs" --numeric-owner -cf "$d/rootfs.tar" .
	rm -rf "$d/rootfs"
	"$brig" --root "$d/src" import --change 'CMD ["sh"]' "$d/rootfs.tar" localhost/bb:1 >/dev/null
	"$brig" --root "$d/src" save --format oci-archive -o "$d/img.tar" localhost/bb:1
	skopeo copy -q "oci-archive:$d/img.tar" "oci:$d/layout:img" >/dev/null

	"$SCRIPTS/registry-test.sh" start "$d/reg" >/dev/null
	local p
	p=$(cat "$d/reg/port")
	# an image of several layers for the SIGKILL test: the busybox layer
	# and three of 2 MiB of random bytes each (an OCI layout made here)
	mkdir -p "$d/multi"
	for i in 1 2 3; do
		mkdir -p "$d/l$i"
		head -c 2M /dev/urandom >"$d/l$i/blob$i"
		tar -C "$d/l$i" --numeric-owner -cf "$d/l$i.tar" .
	done
	python3 - "$d" <<-'PY'
		# an OCI layout: the busybox image with three more layers
		import gzip, hashlib, json, os, shutil, sys
		d = sys.argv[1]
		src, out = d + "/layout", d + "/layers"
		shutil.copytree(src, out)
		B = out + "/blobs/sha256/"
		def put(b):
		    h = hashlib.sha256(b).hexdigest()
		    open(B + h, "wb").write(b)
		    return "sha256:" + h, len(b)
		idx = json.load(open(out + "/index.json"))
		man = json.load(open(B + idx["manifests"][0]["digest"][7:]))
		cfg = json.load(open(B + man["config"]["digest"][7:]))
		for i in (1, 2, 3):
		    raw = open("%s/l%d.tar" % (d, i), "rb").read()
		    gz = gzip.compress(raw, mtime=0)
		    dg, n = put(gz)
		    man["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
		                          "digest": dg, "size": n})
		    cfg["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(raw).hexdigest())
		    cfg.setdefault("history", []).append({"created_by": "layer %d" % i})
		man["config"]["digest"], man["config"]["size"] = put(json.dumps(cfg).encode())
		md, ms = put(json.dumps(man).encode())
		idx["manifests"][0].update(digest=md, size=ms)
		json.dump(idx, open(out + "/index.json", "w"))
	PY
	skopeo copy -q --dest-cert-dir "$d/reg" "oci:$d/layers:img" \
		"docker://127.0.0.1:$p/test/layers:1" >/dev/null

	bad_server_start "$d/bad" "$d/layout" "$d/reg/tls"
	local pb h
	pb=$(cat "$d/bad/port")
	for h in "127.0.0.1:$p" "127.0.0.1:$pb"; do
		mkdir -p "$d/certs/$h"
		cp "$d/reg/ca.crt" "$d/certs/$h/ca.crt"
	done
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR
	"$SCRIPTS/registry-test.sh" stop "$d/reg" || true
	bad_server_stop "$d/bad"
}

setup() {
	registry_needs
	D=$BATS_FILE_TMPDIR
	ROOT=$BATS_TEST_TMPDIR/root
	CONF=$D/brig.conf
	REG=127.0.0.1:$(cat "$D/reg/port")
	BAD=127.0.0.1:$(cat "$D/bad/port")
	# the back-off's base, shrunk so that the tests do not wait
	export BRIG_REGISTRY_RETRY_BASE_MS=1
}

brig() { timeout -k 10 "${BRIG_TEST_TIMEOUT:-120}" "$BRIG" --root "$ROOT" --config "$CONF" "$@"; }

# store_state: what the store holds (index.json, blobs, unpacked layers,
# temporary files), one line each.
store_state() {
	[ -d "$ROOT" ] || return 0
	if [ -f "$ROOT/images/index.json" ]; then
		echo "index $(sha256sum <"$ROOT/images/index.json")"
	fi
	find "$ROOT/images/blobs" "$ROOT/layers" -mindepth 1 -maxdepth 2 2>/dev/null | sort
}

# requests PATH: how many GETs of PATH the bad registry logged.
requests() { grep -cxF "GET $1" "$D/bad/requests.log" || true; }

@test "429 forever: a bounded number of attempts, then one line, exit 1, store unchanged" {
	run brig images -q # makes the empty store
	before=$(store_state)
	run --separate-stderr brig pull "$BAD/retry/forever:1"
	[ "$status" -eq 1 ] || { echo "status $status: $stderr"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"HTTP 429, too many requests; gave up after 4 attempts"* ]] || { echo "$stderr"; false; }
	[ "$(requests /v2/retry/forever/manifests/1)" -eq 4 ] || { requests /v2/retry/forever/manifests/1; false; }
	[ "$(store_state)" = "$before" ] || false
}

@test "503 twice for the manifest and each blob, then the answer: the pull works" {
	run --separate-stderr brig pull "$BAD/retry/twice:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[[ ${lines[-1]} == "$BAD/retry/twice@sha256:"* ]] || false
	[ "$(requests /v2/retry/twice/manifests/1)" -eq 3 ] || false
	mdig=${lines[-1]##*@}
	for b in $(jq -r '.config.digest, .layers[].digest' "$D/layout/blobs/sha256/${mdig#sha256:}"); do
		[ "$(requests "/v2/retry/twice/blobs/$b")" -eq 3 ] || { echo "$b: $(requests "/v2/retry/twice/blobs/$b")"; false; }
	done
	run brig system check
	[[ $output == consistent* ]] || { echo "$output"; false; }
}

@test "a connection closed before the answer is retried; a blob cut off after its first bytes is not" {
	run --separate-stderr brig pull "$BAD/retry/hangup:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	mdig=${lines[-1]##*@}
	run grep -cx "HANGUP /v2/retry/hangup/manifests/1" "$D/bad/requests.log"
	[ "$output" -eq 1 ] || false
	[ "$(requests /v2/retry/hangup/manifests/1)" -eq 1 ] || false
	for b in $(jq -r '.config.digest, .layers[].digest' "$D/layout/blobs/sha256/${mdig#sha256:}"); do
		run grep -cx "HANGUP /v2/retry/hangup/blobs/$b" "$D/bad/requests.log"
		[ "$output" -eq 1 ] || { echo "$b: $output hangups"; false; }
		[ "$(requests "/v2/retry/hangup/blobs/$b")" -eq 1 ] || false
	done
	# short/img sends half of its layer, then closes, every time: the retry
	# loop does not send that GET again (bytes reached the sink); only the
	# blob reader's resumes do (REG_BLOB_MAX_RESUMES, 5, registry.h), so
	# the layer is asked for 1 + 5 times, not 4 times as many.
	rm -rf "$ROOT"
	run --separate-stderr brig pull "$BAD/short/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr != *"gave up after"* ]] || { echo "$stderr"; false; }
	for l in $(jq -r '.layers[].digest' "$D/layout/blobs/sha256/${mdig#sha256:}"); do
		[ "$(requests "/v2/short/img/blobs/$l")" -eq 6 ] || { echo "$(requests "/v2/short/img/blobs/$l") GETs of $l"; false; }
	done
	# the unpacker had read what came before the break: it stopped with
	# the download, and neither left anything behind
	run find "$ROOT/layers" -mindepth 1
	[ -z "$output" ] || { echo "$output"; false; }
	run find "$ROOT/images/blobs" -name '.tmp-*'
	[ -z "$output" ] || { echo "$output"; false; }
	run brig system check
	[[ $output == consistent* ]] || { echo "$output"; false; }
}

@test "Retry-After (seconds and an HTTP-date) is honoured; 3600 seconds fails at once, saying so" {
	run --separate-stderr brig pull -q "$BAD/retry/after:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$(requests /v2/retry/after/manifests/1)" -eq 2 ] || false
	run brig images -q
	[ -n "$output" ] || false
	rm -rf "$ROOT"
	run brig images -q
	before=$(store_state)
	run --separate-stderr brig pull "$BAD/retry/hour:1"
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"asks to retry after 3600 seconds, more than the 60 brig waits"* ]] || { echo "$stderr"; false; }
	[ "$(requests /v2/retry/hour/manifests/1)" -eq 1 ] || false
	[ "$(store_state)" = "$before" ] || false
}

@test "a layer with ../ names: the unpacker's refusal in one line, exit 1, nothing named or unpacked" {
	run brig images -q # makes the empty store
	run --separate-stderr brig pull "$BAD/dotdot/img:1"
	[ "$status" -eq 1 ] || { echo "status $status"; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; false; }
	[[ $stderr == *"layer 1"*"../escaped"* ]] || { echo "$stderr"; false; }
	run brig images -q
	[ -z "$output" ] || false
	run find "$ROOT/layers" -mindepth 1
	[ -z "$output" ] || { echo "$output"; false; }
	[ ! -e "$ROOT/escaped" ] || false
	[ ! -e "$ROOT/layers/../escaped" ] || false
	# what was verified stays, unreferenced: the check is clean and says
	# so; prune would remove those blobs
	run brig system check
	[[ $output == consistent* ]] || { echo "$output"; false; }
	[[ $output != *", 0 unreferenced blobs" ]] || { echo "$output"; false; }
	run brig system check --format json
	[ "$(jq '.UnreferencedBlobs | length' <<<"$output")" -ge 1 ] || { echo "$output"; false; }
	run brig image prune --dry-run --format json
	[ "$status" -eq 0 ] || false
	run jq '.RemovedBlobs | length' <<<"$output"
	[ "$output" -ge 1 ] || { echo "$output"; false; }
}

@test "SIGKILL at random moments during pulls: the store stays consistent, the next pull reuses what was verified" {
	n=${BRIG_TEST_KILLED_PULLS:-20}
	run brig images -q # makes the empty store
	for ((i = 0; i < n; i++)); do
		"$BRIG" --root "$ROOT" --config "$CONF" pull "$REG/test/layers:1" >/dev/null 2>&1 &
		pid=$!
		# a random moment in the first 0.6 s (not an assertion)
		sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		run brig system check
		[[ $output == consistent* ]] || { echo "after kill $i: $output"; false; }
	done
	raw=$(skopeo inspect --raw --cert-dir "$D/reg" "docker://$REG/test/layers:1")
	had=0
	for l in $(jq -r '.layers[].digest' <<<"$raw"); do
		if [ -f "$ROOT/images/blobs/sha256/${l#sha256:}" ]; then
			had=$((had + 1))
		fi
	done
	run --separate-stderr brig pull "$REG/test/layers:1"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "${#lines[@]}" -eq 5 ] || { echo "$output"; false; }
	run grep -c ": Already exists$" <<<"$output"
	[ "$output" -eq "$had" ] || { echo "$output lines say Already exists, $had layer blobs were there"; false; }
	# files a killed pull was writing are reported as temporary files (not
	# problems); prune removes them
	run brig system check --format json
	[ "$(jq .Ok <<<"$output")" = true ] || { echo "$output"; false; }
	run brig image prune
	[ "$status" -eq 0 ] || false
	run brig system check
	[[ $output == consistent*", 0 temporary files, 0 unreferenced blobs" ]] || { echo "$output"; false; }
	run brig run --rm "$REG/test/layers:1" sh -c 'wc -c </blob3'
	[ "$status" -eq 0 ] || false
	[ "$output" -eq 2097152 ] || { echo "$output"; false; }
}

@test "pull -a: bad tags lists get one line and exit 1, nothing pulled" {
	run brig images -q # makes the empty store
	before=$(store_state)
	check() { # REPO WORDS
		run --separate-stderr brig pull -a "$BAD/$1"
		[ "$status" -eq 1 ] || { echo "$1: status $status"; return 1; }
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$1: $stderr"; return 1; }
		[[ $stderr == *"$2"* ]] || { echo "$1: $stderr"; return 1; }
		[ -z "$output" ] || { echo "$1: $output"; return 1; }
		[ "$(store_state)" = "$before" ] || { echo "$1: the store changed"; return 1; }
	}
	check tags/junk "tags list: " || false
	check tags/wrongname "the list is of 'other/repo'" || false
	check tags/badtag "'../x' is not a valid tag" || false
	check tags/away "leads away from the registry's tags list" || false
	check tags/loop "names the same page again" || false
	check retry/forever "gave up after 4 attempts" || false
	run --separate-stderr brig pull -a "$BAD/good/img:1"
	[ "$status" -eq 1 ] || false
	[[ $stderr == *"a tag or digest cannot be used with --all-tags/-a"* ]] || { echo "$stderr"; false; }
}

@test "pull -a: every tag, page after page of the tags list (n and the Link header)" {
	run --separate-stderr env BRIG_REGISTRY_TAGS_PAGE=1 "$BRIG" --root "$ROOT" --config "$CONF" \
		pull -a "$BAD/tags/paged"
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "${lines[0]}" = "1: Pulling from $BAD/tags/paged" ] || { echo "$output"; false; }
	[[ ${lines[2]} == "$BAD/tags/paged@sha256:"* ]] || { echo "$output"; false; }
	[ "${lines[3]}" = "2: Pulling from $BAD/tags/paged" ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 6 ] || { echo "$output"; false; }
	[ "$(requests "/v2/tags/paged/tags/list?n=1")" -eq 1 ] || false
	[ "$(requests "/v2/tags/paged/tags/list?n=1&last=1")" -eq 1 ] || false
	run brig images --format '{{.Tag}}'
	[ "$output" = $'1\n2' ] || [ "$output" = $'2\n1' ] || { echo "$output"; false; }
	# -q: one NAME@DIGEST a tag
	run --separate-stderr brig pull -a -q "$BAD/tags/paged"
	[ "$status" -eq 0 ] || false
	[ "${#lines[@]}" -eq 2 ] || { echo "$output"; false; }
}
