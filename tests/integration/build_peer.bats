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

load ../lib/brig

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
	if command -v podman >/dev/null; then
		PEER=podman peer import - localhost/busybox:latest <"$BRIG_TAR" >/dev/null
	else
		local c
		c=$(PEER=buildah peer from scratch) &&
			PEER=buildah peer add "$c" "$BRIG_TAR" / >/dev/null &&
			PEER=buildah peer commit -q "$c" localhost/busybox:latest >/dev/null &&
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

CONFIG_FIELDS='{Env, Cmd, Entrypoint, User, WorkingDir, Labels: ((.Labels // {}) | del(."io.buildah.version", ."org.opencontainers.image.created", ."org.opencontainers.image.base.name", ."org.opencontainers.image.base.digest")), ExposedPorts, Volumes, StopSignal}'

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
