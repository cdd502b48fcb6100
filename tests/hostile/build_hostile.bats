#!/usr/bin/env bats
# brig build against hostile input (issue 14): sources that climb or link
# out of the build context, a context that is a symlink loop, a FROM cycle
# between stages, ONBUILD ONBUILD, Dockerfiles too long or with a line too
# long.  Each gets one clear error, and nothing outside the build's own
# directories is read into the image or written.

bats_require_minimum_version 1.5.0

load ../lib/brig
load ../lib/httpd

BRIG_TIMEOUT=120

setup_file() {
	brig_image_tar || return 1
	export BRIG_ROOT=$BATS_FILE_TMPDIR/root
	ROOT=$BRIG_ROOT
	brig import "$BRIG_TAR" busybox:latest >/dev/null
}

setup() {
	brig_setup
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX"
	printf 'outside the context\n' >"$BATS_TEST_TMPDIR/outside.txt"
}

teardown() {
	brig_teardown
	httpd_stop
}

# fails_with MESSAGE: the last `run brig build` failed (exit 1) saying MESSAGE,
# and left no staging directory or container behind.
fails_with() {
	[ "$status" -eq 1 ] || { echo "status $status: $output"; return 1; }
	[[ "$output" == *"$1"* ]] || { echo "wanted '$1', got: $output"; return 1; }
	[ -z "$(ls -A "$ROOT/build-tmp" 2>/dev/null)" ] || { echo "staging left"; return 1; }
	[ -z "$(brig ps -a -q)" ] || { echo "a container left"; return 1; }
}

@test "build hostile: COPY ../ out of the context is refused" {
	printf 'FROM busybox\nCOPY ../outside.txt /x\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: COPY: ../outside.txt: outside the build context"
	printf 'FROM busybox\nCOPY sub/../../outside.txt /x\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "outside the build context"
}

@test "build hostile: a COPY source that is a symlink out of the context is refused" {
	ln -s "$BATS_TEST_TMPDIR/outside.txt" "$CTX/abs-link"
	ln -s ../outside.txt "$CTX/rel-link"
	mkdir "$CTX/dir"
	ln -s ../../outside.txt "$CTX/dir/deep"
	printf 'FROM busybox\nCOPY abs-link /x\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "abs-link: a symlink leads out of the build context"
	printf 'FROM busybox\nCOPY rel-link /x\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "rel-link: a symlink leads out of the build context"
	# inside a copied directory a symlink is copied as a symlink, never followed
	printf 'FROM busybox\nCOPY dir /dir\n' >"$CTX/Dockerfile"
	run brig build -q -t hostile:links "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm hostile:links readlink /dir/deep
	[ "$output" = ../../outside.txt ] || { echo "$output"; false; }
	run brig run --rm hostile:links sh -c 'cat /outside.txt 2>&1; ls /dir'
	[[ "$output" != *"outside the context"* ]] || { echo "$output"; false; }
}

@test "build hostile: a context that is a symlink loop, or a source that loops" {
	ln -s loop "$BATS_TEST_TMPDIR/loop"
	run brig build -q "$BATS_TEST_TMPDIR/loop"
	fails_with "the build context $BATS_TEST_TMPDIR/loop: a symlink loop"
	ln -s a "$CTX/b"
	ln -s b "$CTX/a"
	printf 'FROM busybox\nCOPY a /x\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "a: too many symlinks (a loop?)"
}

@test "build hostile: a FROM cycle between stages, a stage copying from itself" {
	printf 'FROM b AS a\nRUN true\nFROM a AS b\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:1: FROM b: that stage is this one or a later one"
	printf 'FROM busybox AS a\nCOPY --from=a /bin/sh /x\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: COPY --from=a: not an earlier stage"
}

@test "build hostile: ONBUILD ONBUILD, unknown instructions, malformed lines" {
	printf 'FROM busybox\nONBUILD ONBUILD RUN true\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: ONBUILD ONBUILD is not allowed"
	printf 'FROM busybox\n\nRUN true\nFETCH http://x /\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:4: unknown instruction: FETCH"
	printf 'FROM busybox\nEXPOSE 99999\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: EXPOSE 99999"
	printf 'FROM busybox\nADD http://127.0.0.1:9/x /x\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: ADD http://127.0.0.1:9/x: a download needs --checksum=sha256:HEX"
}

@test "build hostile: a 100k-line Dockerfile and a one-megabyte line get a clear error" {
	{
		echo 'FROM busybox'
		yes '# filler' | head -n 100000
	} >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:50001: more than 50000 lines"
	{
		printf 'FROM busybox\nRUN echo '
		head -c 1048576 /dev/zero | tr '\0' x
		echo
	} >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: a line longer than"
}

@test "build hostile: ADD of a tar with ../ entries or whiteouts is refused; a plain one unpacks" {
	python3 - "$CTX" <<'PY' || false
import io, sys, tarfile
def mk(path, entries):
    with tarfile.open(path, "w:gz") as t:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
d = sys.argv[1]
mk(d + "/good.tar.gz", [("dir/a.txt", b"A\n"), ("b.txt", b"B\n")])
mk(d + "/climb.tar.gz", [("ok.txt", b"x"), ("../../../escaped.txt", b"evil\n")])
mk(d + "/whiteout.tar.gz", [("bin/.wh.busybox", b"")])
PY
	printf 'FROM busybox\nADD climb.tar.gz /x/\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: ADD climb.tar.gz: layer entry '../../../escaped.txt'"
	[[ "$output" == *"path traversal"* ]] || false
	# the staging tree is ROOT/build-tmp/s-*/x: three levels up is ROOT's parent
	run find "$BATS_FILE_TMPDIR" "$BATS_TEST_TMPDIR" "$(dirname "$BATS_FILE_TMPDIR")" \
		-maxdepth 3 -name escaped.txt
	[ -z "$output" ] || { echo "written: $output"; false; }
	printf 'FROM busybox\nADD whiteout.tar.gz /\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "bin/.wh.busybox: a whiteout (.wh.) entry"
	printf 'FROM busybox\nADD good.tar.gz /x\n' >"$CTX/Dockerfile"
	run brig build -q -t hostile:add "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm hostile:add cat /x/dir/a.txt /x/b.txt
	[ "$output" = "A
B" ] || { echo "$output"; false; }
}

@test "build hostile: ADD URL whose bytes are not its --checksum fails naming both digests, and leaves nothing" {
	mkdir "$BATS_TEST_TMPDIR/www"
	printf 'the bytes the pin was made for\n' >"$BATS_TEST_TMPDIR/pinned"
	printf 'other bytes, served instead\n' >"$BATS_TEST_TMPDIR/www/f"
	want=sha256:$(sha256sum "$BATS_TEST_TMPDIR/pinned" | cut -d' ' -f1)
	got=sha256:$(sha256sum "$BATS_TEST_TMPDIR/www/f" | cut -d' ' -f1)
	httpd "$BATS_TEST_TMPDIR/www" || false
	local port=$PORT
	printf 'FROM busybox\nADD --checksum=%s http://127.0.0.1:%s/f /f\n' "$want" "$port" >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	fails_with "Dockerfile:2: ADD: http://127.0.0.1:$port/f: checksum mismatch: expected $want, got $got"
	run grep -rlF "other bytes, served instead" "$ROOT"
	[ "$status" -eq 1 ] || { echo "kept in: $output"; false; }
}
