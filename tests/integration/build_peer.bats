#!/usr/bin/env bats
# brig build beside its peers (issue 14): one Dockerfile and context built by
# brig, by Debian's `buildah bud` (1.28) and by `podman build` (buildah's
# library: Debian's podman 4.3 carries buildah 1.28) from the same busybox
# tree give the same Config (Env, Cmd, Entrypoint, User, WorkingDir,
# Labels, ExposedPorts, Volumes, StopSignal) and the same files.  Each peer's
# test skips when it is not installed (scripts/setup.sh installs both).
#
# The peers are isolated: their own storage (vfs, shared by the two) and run
# root under a temporary directory, chroot isolation (no OCI runtime, no
# cgroups), in a network namespace of their own (`unshare --net`): they send
# nothing anywhere.  Heredocs are left out: buildah 1.28 does not know them.
#
# Beside buildah only (podman would need an OCI runtime to run what it
# built): an ONBUILD base and its child, an escape-directive Dockerfile and
# the multi-stage gcc build (bench/build.sh's), each built by both, run by
# both (brig run; `buildah run` with chroot isolation) and the output and
# Config compared.

load ../lib/brig
load ../lib/gcc_image

setup_file() {
	command -v buildah >/dev/null || command -v podman >/dev/null ||
		skip "neither buildah nor podman is installed"
	brig_image_tar || return 1
	export BRIG_ROOT=$BATS_FILE_TMPDIR/root
	ROOT=$BRIG_ROOT
	brig import "$BRIG_TAR" busybox:latest >/dev/null
	PM_DIR=$(mktemp -d /var/tmp/brig-build-peer.XXXXXX)
	export PM_DIR
	mkdir -p "$PM_DIR"/{root,runroot,tmp}
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/root"\nrunroot = "%s/runroot"\n' \
		"$PM_DIR" "$PM_DIR" >"$PM_DIR/storage.conf"
	printf '[engine]\nevents_logger = "file"\nevents_logfile_path = "%s/events.log"\ntmp_dir = "%s/tmp"\n' \
		"$PM_DIR" "$PM_DIR" >"$PM_DIR/containers.conf"
	# the busybox tree as localhost/busybox in the peers' storage (buildah
	# has no import: a container from scratch with the tree added, committed)
	peer_import "$BRIG_TAR" localhost/busybox:latest
}

# peer_import TAR NAME: a root filesystem tarball as an image in the peers' storage.
peer_import() {
	if command -v podman >/dev/null; then
		PEER=podman peer import - "$2" <"$1" >/dev/null
	else
		local c
		c=$(PEER=buildah peer from scratch) &&
			PEER=buildah peer add "$c" "$1" / >/dev/null &&
			PEER=buildah peer commit -q "$c" "$2" >/dev/null &&
			PEER=buildah peer rm "$c" >/dev/null
	fi
}

teardown_file() {
	[ -n "${PM_DIR:-}" ] || return 0
	local p
	for p in podman buildah; do
		command -v "$p" >/dev/null || continue
		PEER=$p peer rm --all >/dev/null 2>&1 || true
		PEER=$p peer rmi --all --force >/dev/null 2>&1 || true
	done
	rm -rf "$PM_DIR"
}

setup() {
	brig_setup
}

teardown() {
	brig_teardown
}

# peer ARGS...: the isolated $PEER (buildah or podman) in a network namespace of its own.
peer() (
	local g=(--root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --storage-driver vfs)
	[ "$PEER" = podman ] && g+=(--events-backend file --tmpdir "$PM_DIR/tmp")
	if [ "$PEER" = buildah ] && [ "$1" = build ]; then
		set -- bud "${@:2}"
	fi
	cd "$PM_DIR" && CONTAINERS_CONF=$PM_DIR/containers.conf \
		CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf \
		timeout -k 10 120 unshare --net "$PEER" "${g[@]}" "$@"
)

# peer_file IMAGE PATH: a file of the peer's image (a container made, not run).
peer_file() {
	local id dir
	if [ "$PEER" = buildah ]; then
		id=$(peer from "$1") || return 1
		dir=$(peer mount "$id") || return 1
		cat "$dir/${2#/}"
		peer umount "$id" >/dev/null
	else
		id=$(peer create "$1") || return 1
		peer export "$id" | tar -xO "${2#/}"
	fi
	peer rm "$id" >/dev/null
}

# peer_config IMAGE: the image config's "config" object as the peer shows it.
peer_config() {
	if [ "$PEER" = buildah ]; then
		# (buildah 1.28's templates have no json function)
		peer inspect --type image "$1" | jq '.OCIv1.config'
	else
		peer image inspect --format '{{json .Config}}' "$1"
	fi
}

# Env compared as a set: a variable set again (ONBUILD ENV STAGE=child over the
# base's STAGE) stays in its place in brig's list, as Docker keeps it, where
# buildah moves it to the end; the order of distinct names changes nothing.
CONFIG_FIELDS='{Env: (.Env | if . then sort else . end), Cmd, Entrypoint, User, WorkingDir, Labels: ((.Labels // {}) | del(."io.buildah.version", ."org.opencontainers.image.created", ."org.opencontainers.image.base.name", ."org.opencontainers.image.base.digest")), ExposedPorts, Volumes, StopSignal}'

# same_as_peer: the site, ARG/ENV, .dockerignore Dockerfile built by brig
# and by $PEER; the configs and files compared.
same_as_peer() {
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX/site/css"
	printf '<h1>hi</h1>\n' >"$CTX/site/index.html"
	printf 'h1{}\n' >"$CTX/site/css/a.css"
	printf 'secret\n' >"$CTX/site/.env"
	printf 'site/.env\n' >"$CTX/.dockerignore"
	cat >"$CTX/Dockerfile" <<'XEOF'
ARG BASE=busybox
FROM ${BASE} AS build
ARG GREETING=hello
ENV APP_HOME=/srv/app LANG=C.UTF-8
WORKDIR $APP_HOME
COPY site/ ./site/
RUN echo "$GREETING from $APP_HOME" > made.txt && ls -R site | sort > listing.txt
FROM build
LABEL org.opencontainers.image.title="brig test" version=1
USER 1000:1000
EXPOSE 80 443/tcp 53/udp
VOLUME ["/data", "/logs"]
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/bin/cat"]
CMD ["made.txt"]
XEOF
	run brig build -q -t peer:test --build-arg GREETING=bonjour "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	sed 's/^ARG BASE=busybox/ARG BASE=localhost\/busybox/' "$CTX/Dockerfile" >"$BATS_TEST_TMPDIR/Dockerfile.peer"
	run peer build --isolation chroot --network host --layers -q -f "$BATS_TEST_TMPDIR/Dockerfile.peer" \
		-t localhost/peer:test --build-arg GREETING=bonjour "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	brig image inspect -f '{{json .Config}}' peer:test | jq -S "$CONFIG_FIELDS" >"$BATS_TEST_TMPDIR/brig.json"
	peer_config localhost/peer:test | jq -S "$CONFIG_FIELDS" >"$BATS_TEST_TMPDIR/peer.json" ||
		{ echo "$PEER inspect failed"; false; }
	run diff -u "$BATS_TEST_TMPDIR/peer.json" "$BATS_TEST_TMPDIR/brig.json"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	local f
	for f in /srv/app/made.txt /srv/app/listing.txt /srv/app/site/css/a.css; do
		run brig run --rm --entrypoint cat peer:test "$f"
		[ "$status" -eq 0 ] || false
		want=$(peer_file localhost/peer:test "$f")
		[ "$output" = "$want" ] || { echo "$f: brig '$output', $PEER '$want'"; false; }
	done
	run brig run --rm peer:test
	[ "$output" = "bonjour from /srv/app" ] || { echo "$output"; false; }
}

@test "build peer: brig and podman build give the same Config and the same files" {
	command -v podman >/dev/null || skip "podman is not installed"
	PEER=podman same_as_peer
}

@test "build peer: brig and buildah bud give the same Config and the same files" {
	command -v buildah >/dev/null || skip "buildah is not installed (scripts/setup.sh installs Debian's buildah 1.28)"
	PEER=buildah same_as_peer
}

# peer_run IMAGE: what a container of $PEER's (buildah's) IMAGE prints
# running its Entrypoint and Cmd (`buildah run` takes the image's Env, User
# and WorkingDir; chroot isolation, in peer's network namespace).
peer_run() {
	local id argv=() rc
	mapfile -t argv < <(peer_config "$1" | jq -r '(.Entrypoint // []) + (.Cmd // []) | .[]')
	[ "${#argv[@]}" -gt 0 ] || return 1
	id=$(peer from "$1") || return 1
	peer run --isolation chroot "$id" -- "${argv[@]}"
	rc=$?
	peer rm "$id" >/dev/null
	return $rc
}

# same_build_as_buildah NAME CTX [BRIG_ARGS...] [-- BUILDAH_ARGS...]: CTX's
# Dockerfile built by brig as NAME and by buildah as localhost/NAME; the
# Config compared, then the output of a container of each.
same_build_as_buildah() {
	local PEER=buildah name=$1 ctx=$2 bargs=() pargs=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		bargs+=("$1")
		shift
	done
	[ $# -eq 0 ] || pargs=("${@:2}")
	run brig build -q -t "$name" "${bargs[@]}" "$ctx"
	[ "$status" -eq 0 ] || { echo "brig build: $output"; return 1; }
	run peer bud --isolation chroot -q -t "localhost/$name" "${pargs[@]}" "$ctx"
	[ "$status" -eq 0 ] || { echo "buildah bud: $output"; return 1; }
	brig image inspect -f '{{json .Config}}' "$name" | jq -S "$CONFIG_FIELDS" >"$BATS_TEST_TMPDIR/brig.json"
	peer_config "localhost/$name" | jq -S "$CONFIG_FIELDS" >"$BATS_TEST_TMPDIR/peer.json" ||
		{ echo "buildah inspect failed"; return 1; }
	run diff -u "$BATS_TEST_TMPDIR/peer.json" "$BATS_TEST_TMPDIR/brig.json"
	[ "$status" -eq 0 ] || { echo "Config of $name: $output"; return 1; }
	run brig run --rm "$name"
	[ "$status" -eq 0 ] || { echo "brig run $name: $output"; return 1; }
	BRIG_OUT=$output
	run peer_run "localhost/$name"
	[ "$status" -eq 0 ] || { echo "buildah run $name: $output"; return 1; }
	[ "$output" = "$BRIG_OUT" ] || { echo "$name printed: brig '$BRIG_OUT', buildah '$output'"; return 1; }
	echo "$name: same Config and output: $BRIG_OUT"
}

@test "build peer: ONBUILD triggers run in the child's FROM as buildah bud runs them" {
	command -v buildah >/dev/null || skip "buildah is not installed (scripts/setup.sh installs Debian's buildah 1.28)"
	local PEER=buildah
	mkdir -p "$BATS_TEST_TMPDIR/base" "$BATS_TEST_TMPDIR/child"
	cat >"$BATS_TEST_TMPDIR/base/Dockerfile" <<'XEOF'
ARG BASE=busybox
FROM ${BASE}
ENV STAGE=base
LABEL role=base
ONBUILD ARG WHO=nobody
ONBUILD ENV WHO=${WHO} STAGE=child
ONBUILD LABEL role=child
ONBUILD WORKDIR /app
ONBUILD COPY app.txt ./
ONBUILD RUN echo "built for $WHO at $STAGE" > made.txt
CMD ["cat", "made.txt", "app.txt"]
XEOF
	# (buildah keeps ONBUILD in the docker format only)
	run brig build -q -t onbuild:base "$BATS_TEST_TMPDIR/base"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run peer bud --isolation chroot --format docker -q -t localhost/onbuild:base \
		--build-arg BASE=localhost/busybox "$BATS_TEST_TMPDIR/base"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the triggers as recorded
	run brig image inspect -f '{{json .Config.OnBuild}}' onbuild:base
	[ "$status" -eq 0 ] || false
	local want
	want=$(peer inspect --type image localhost/onbuild:base | jq -c '.Docker.config.OnBuild')
	[ "$output" = "$want" ] || { echo "brig $output, buildah $want"; false; }
	printf 'from the child context\n' >"$BATS_TEST_TMPDIR/child/app.txt"
	printf 'ARG BASE=onbuild:base\nFROM ${BASE}\nEXPOSE 8080\n' >"$BATS_TEST_TMPDIR/child/Dockerfile"
	same_build_as_buildah onbuild:child "$BATS_TEST_TMPDIR/child" --build-arg WHO=brig \
		-- --build-arg WHO=brig --build-arg BASE=localhost/onbuild:base
	[ "$BRIG_OUT" = "built for brig at child
from the child context" ] || { echo "$BRIG_OUT"; false; }
}

@test "build peer: the escape directive (backtick continuations) read as buildah bud reads it" {
	command -v buildah >/dev/null || skip "buildah is not installed (scripts/setup.sh installs Debian's buildah 1.28)"
	local ctx=$BATS_TEST_TMPDIR/esc
	mkdir -p "$ctx"
	printf 'copied\n' >"$ctx/f"
	cat >"$ctx/Dockerfile" <<'XEOF'
# escape=`
ARG BASE=busybox
FROM ${BASE}
ENV A=one `
    B="two three"
LABEL path="a\b" `
      multi="x `
y"
WORKDIR /w
COPY f .
RUN echo first `
      second > out.txt && `
    echo "back\slash $B" >> out.txt && `
    cat f >> out.txt
USER 1000
CMD ["cat", "out.txt"]
XEOF
	same_build_as_buildah escape:test "$ctx" -- --build-arg BASE=localhost/busybox
	[ "$BRIG_OUT" = 'first second
back\slash two three
copied' ] || { echo "$BRIG_OUT"; false; }
	# buildah 1.28 still takes a backslash in ENV and WORKDIR words as an
	# escape under `# escape=`` (ENV W=C:\t gives C:t); brig, as Docker,
	# keeps it: checked without the peer
	printf '# escape=`\nFROM busybox\nENV W=C:\\t V=a` b\nWORKDIR /w\\x\n' >"$ctx/Dockerfile"
	run brig build -q -t escape:docker "$ctx"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig image inspect -f '{{json .Config.Env}} {{.Config.WorkingDir}}' escape:docker
	[ "$output" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","W=C:\\t","V=a b"] /w\x' ] ||
		{ echo "$output"; false; }
}

@test "build peer: the multi-stage gcc build (bench/build.sh's) gives the same program and Config as buildah bud's" {
	command -v buildah >/dev/null || skip "buildah is not installed (scripts/setup.sh installs Debian's buildah 1.28)"
	command -v dpkg >/dev/null || skip "not a Debian host: no dpkg to list gcc's files"
	gcc_image_tar "$BATS_TEST_TMPDIR/gcc.tar" || skip "gcc-12, binutils or libc6-dev is not installed"
	run brig import "$BATS_TEST_TMPDIR/gcc.tar" gcc:host
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	peer_import "$BATS_TEST_TMPDIR/gcc.tar" localhost/gcc:host
	rm -f "$BATS_TEST_TMPDIR/gcc.tar"
	local ctx=$BATS_TEST_TMPDIR/gcc i
	mkdir -p "$ctx/src"
	for i in 1 2; do
		printf 'int f%d(int x) { return x * %d + 1; }\n' "$i" "$i" >"$ctx/src/f$i.c"
	done
	cat >"$ctx/src/main.c" <<'XEOF'
#include <stdio.h>
int f1(int), f2(int);
int main(void) { printf("hello from gcc %d: %d\n", __GNUC__, f1(1) + f2(2)); return 0; }
XEOF
	cat >"$ctx/Dockerfile" <<'XEOF'
ARG BASE=gcc:host
FROM ${BASE} AS build
WORKDIR /src
COPY src/ ./
RUN ["gcc", "-static", "-O2", "-o", "/src/hello", "main.c", "f1.c", "f2.c"]
FROM scratch
COPY --from=build /src/hello /usr/local/bin/hello
USER 1000
CMD ["/usr/local/bin/hello"]
XEOF
	same_build_as_buildah gcc:multi "$ctx" -- --build-arg BASE=localhost/gcc:host
	[ "$BRIG_OUT" = "hello from gcc 12: 7" ] || { echo "$BRIG_OUT"; false; }
}
