#!/usr/bin/env bats
# brig build beside buildah (issue 14): one Dockerfile and context built by
# brig and by buildah (`buildah bud`, or podman build, which is buildah's
# library: Debian's podman 4.3 carries buildah 1.28) from the same busybox
# tree give the same Config (Env, Cmd, Entrypoint, User, WorkingDir,
# Labels, ExposedPorts, Volumes, StopSignal) and the same files.
#
# The peer is isolated: its own storage (vfs) and run root under a
# temporary directory, chroot isolation (no OCI runtime, no cgroups), in a
# network namespace of its own (`unshare --net`): it sends nothing anywhere.
# Heredocs are left out: buildah 1.28 does not know them.

load ../lib/brig

setup_file() {
	if command -v buildah >/dev/null; then
		PEER=buildah
	elif command -v podman >/dev/null; then
		PEER=podman
	else
		skip "neither buildah nor podman is installed"
	fi
	export PEER
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
	peer import - localhost/busybox:latest <"$BRIG_TAR" >/dev/null
}

teardown_file() {
	[ -n "${PM_DIR:-}" ] || return 0
	peer rmi --all --force >/dev/null 2>&1 || true
	rm -rf "$PM_DIR"
}

setup() {
	brig_setup
}

teardown() {
	brig_teardown
}

# peer ARGS...: the isolated buildah (or podman) in a network namespace of its own.
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
	local id
	if [ "$PEER" = buildah ]; then
		id=$(peer from "$1") || return 1
		peer run "$id" cat "$2"
	else
		id=$(peer create "$1") || return 1
		peer export "$id" | tar -xO "${2#/}"
	fi
	peer rm "$id" >/dev/null
}

CONFIG_FIELDS='{Env, Cmd, Entrypoint, User, WorkingDir, Labels: ((.Labels // {}) | del(."io.buildah.version", ."org.opencontainers.image.created", ."org.opencontainers.image.base.name", ."org.opencontainers.image.base.digest")), ExposedPorts, Volumes, StopSignal}'

@test "build peer: brig and buildah give the same Config and the same files" {
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
	peer inspect --format '{{json .Config}}' localhost/peer:test 2>/dev/null |
		jq -S "$CONFIG_FIELDS" >"$BATS_TEST_TMPDIR/peer.json" ||
		peer image inspect --format '{{json .Config}}' localhost/peer:test |
		jq -S "$CONFIG_FIELDS" >"$BATS_TEST_TMPDIR/peer.json"
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
