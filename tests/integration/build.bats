#!/usr/bin/env bats
# brig build (docs/build.md): Dockerfiles built into the store from the
# test's busybox image, imported once per file.  Network-free: no registry.

load ../lib/brig
load ../lib/httpd
load ../lib/gcc_image
load ../lib/sarif

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
}

teardown() {
	brig_teardown
	if [ -n "${REG_DIR:-}" ]; then
		"$BRIG_SRC/scripts/registry-test.sh" stop "$REG_DIR" || true
	fi
	httpd_stop
}

# count_creates: how many containers the store has made so far (--until
# has whole seconds: wait for the current one to end first, bounded).
count_creates() {
	local s i
	s=$(date +%s)
	for ((i = 0; i < 100; i++)); do
		[ "$(date +%s)" != "$s" ] && break
		sleep 0.05
	done
	brig events --since 0 --until "$(date +%s)" --filter event=create --format json |
		grep -c '"create"' || true
}

@test "build: config instructions land in the image config; RUN, COPY, WORKDIR, heredoc" {
	echo hello >"$CTX/a.txt"
	mkdir "$CTX/sub" && echo sub >"$CTX/sub/b.txt"
	cat >"$CTX/Dockerfile" <<'XEOF'
# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM $BASE AS base
ENV GREETING="hi there" OTHER=/opt
ARG WHO=world
LABEL org.example.a=1 b="two words"
WORKDIR /app
COPY a.txt sub ./
RUN echo "$GREETING $WHO" > /app/out.txt && \
    cat /app/a.txt >> /app/out.txt
RUN <<EOF
echo heredoc >> /app/out.txt
EOF
SHELL ["/bin/sh", "-ec"]
RUN ["/bin/sh", "-c", "echo exec-form >> /app/out.txt"]
USER 1000
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/cat"]
CMD ["/app/out.txt"]
XEOF
	run brig build -q -t test:config "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]] || false
	run brig run --rm test:config
	[ "$status" -eq 0 ] || false
	[ "$output" = "hi there world
hello
heredoc
exec-form" ] || { echo "$output"; false; }
	run brig image inspect -f '{{json .Config}}' test:config
	[ "$status" -eq 0 ] || false
	cfg=$output
	run jq -r '.Labels | ."org.opencontainers.image.created", ."org.opencontainers.image.base.name", ."org.opencontainers.image.base.digest"' <<<"$cfg"
	[[ "$output" == "1970-01-01T00:00:00Z
busybox
sha256:"* ]] || { echo "$output"; false; }
	run jq -c '[.Env[1:], (.Labels | with_entries(select(.key | startswith("org.opencontainers") | not))), .WorkingDir, .User, .ExposedPorts, .Volumes,
		.StopSignal, .Entrypoint, .Cmd, .Shell]' <<<"$cfg"
	[ "$output" = '[["GREETING=hi there","OTHER=/opt"],{"org.example.a":"1","b":"two words"},"/app","1000",{"8080/tcp":{},"53/udp":{}},{"/data":{}},"SIGTERM",["/bin/cat"],["/app/out.txt"],["/bin/sh","-ec"]]' ] ||
		{ echo "$output"; false; }
	# no container of the build is left
	run brig ps -a -q
	[ -z "$output" ] || false
}

@test "build: multi-stage, --target, COPY --from, --build-arg, --label, .dockerignore, globs, --chmod/--chown" {
	printf 'one\n' >"$CTX/1.conf"
	printf 'two\n' >"$CTX/2.conf"
	printf 'secret\n' >"$CTX/private.key"
	printf 'private.key\n*.tmp\n' >"$CTX/.dockerignore"
	touch "$CTX/x.tmp"
	cat >"$CTX/Dockerfile" <<'XEOF'
FROM busybox AS builder
ARG MSG=default
RUN mkdir /out && echo "$MSG" > /out/msg
FROM busybox AS unused
RUN exit 3
FROM builder AS final
COPY --from=builder /out/msg /copied/msg
COPY --chmod=600 --chown=1000:1000 *.conf /etc/app/
COPY . /ctx/
XEOF
	run brig build -q -t test:multi --build-arg MSG=from-cli --label built.by=bats "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:multi sh -c 'cat /copied/msg; ls -ln /etc/app | tail -n +2 | cut -c1-10,11-30; ls -A /ctx | sort'
	[ "$status" -eq 0 ] || false
	[[ "$output" == "from-cli"* ]] || { echo "$output"; false; }
	[[ "$output" == *"-rw-------"*"1000"*"1000"* ]] || { echo "$output"; false; }
	[[ "$output" != *"private.key"* ]] || { echo "$output"; false; }
	[[ "$output" != *"x.tmp"* ]] || { echo "$output"; false; }
	[[ "$output" == *"Dockerfile"* ]] || { echo "$output"; false; }
	run brig image inspect -f '{{index .Config.Labels "built.by"}}' test:multi
	[ "$output" = bats ] || false
	# --target builds only what the target needs
	run brig build -q -t test:builder --target builder "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:builder cat /out/msg
	[ "$output" = default ] || false
	run brig build -q --target nosuch "$CTX"
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"--target nosuch: no such stage"* ]] || false
}

@test "build: a RUN that fails names its line and exit status; no container is left" {
	printf 'FROM busybox\nRUN true\nRUN exit 7\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"Dockerfile:3: RUN exit 7: exited with 7"* ]] || { echo "$output"; false; }
	run brig ps -a -q
	[ -z "$output" ] || false
}

@test "build: the same Dockerfile and context give one digest (other dirs, mtimes, umask); one byte more, another" {
	mkdir -p "$CTX/d"
	printf 'data\n' >"$CTX/d/f"
	printf 'FROM busybox\nCOPY d /d\nRUN echo built > /built && chmod 640 /built\nCMD ["cat", "/d/f"]\n' >"$CTX/Dockerfile"
	run brig build --iidfile "$BATS_TEST_TMPDIR/id1" -q -t test:r1 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	m1=$(brig image inspect -f '{{index .RepoDigests 0}}' test:r1)
	# another directory, other mtimes, another umask, no cache
	CTX2=$BATS_TEST_TMPDIR/elsewhere/ctx2
	mkdir -p "$CTX2"
	cp -r "$CTX/." "$CTX2/"
	touch -d '2001-02-03 04:05:06' "$CTX2/d/f" "$CTX2/d"
	run bash -c 'umask 077; "$0" --root "$1" build --no-cache -q -t test:r1 "$2"' \
		"$BRIG" "$ROOT" "$CTX2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/id1")" ] || { echo "$output"; false; }
	m2=$(brig image inspect -f '{{index .RepoDigests 0}}' test:r1)
	[[ "$m1" == test@sha256:* ]] || { echo "$m1"; false; }
	[ "$m1" = "$m2" ] || { echo "$m1 $m2"; false; }
	# one byte changed in the context: another image
	printf 'datA\n' >"$CTX2/d/f"
	run brig build -q "$CTX2"
	[ "$status" -eq 0 ] || false
	[ "$output" != "$(cat "$BATS_TEST_TMPDIR/id1")" ] || false
	# --timestamp moves every time with it
	run brig build -q --timestamp 1700000000 "$CTX"
	[ "$status" -eq 0 ] || false
	run brig image inspect -f '{{.Created}}' "$output"
	[[ "$output" == 2023-11-14T22:13:20* ]] || { echo "$output"; false; }
}

@test "build: a rebuild with nothing changed makes no container; --no-cache does" {
	printf 'FROM busybox AS a\nRUN echo one > /one\nFROM busybox\nRUN echo two > /two\nCOPY --from=a /one /one\n' >"$CTX/Dockerfile"
	run brig build -q -t test:cache "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	id=$output
	before=$(count_creates)
	run brig build -t test:cache "$CTX"
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"---> cached"* ]] || { echo "$output"; false; }
	[[ "$output" != *"---> running"* ]] || { echo "$output"; false; }
	[[ "$output" == *"$id" ]] || false
	[[ "$output" == *"3 cached, 0 containers made"* ]] || { echo "$output"; false; }
	[[ "$output" == *"lint: medium lint.no-user Dockerfile:5: the final stage runs as root"* ]] ||
		{ echo "$output"; false; }
	[ "$(count_creates)" = "$before" ] || { echo "containers were made"; false; }
	run brig build -q --no-cache -t test:cache "$CTX"
	[ "$status" -eq 0 ] || false
	[ "$output" = "$id" ] || false
	[ "$(count_creates)" -eq $((before + 3)) ] || { echo "--no-cache made no container"; false; }
}

@test "build: RUN --mount=type=secret reads the secret; no blob, cache entry or config holds it" {
	secret="S3CR3T-$RANDOM$RANDOM-brig-build"
	printf '%s\n' "$secret" >"$BATS_TEST_TMPDIR/tok"
	chmod 600 "$BATS_TEST_TMPDIR/tok"
	cat >"$CTX/Dockerfile" <<'XEOF'
FROM busybox
RUN --mount=type=secret,id=tok,required=true grep -q brig-build /run/secrets/tok && wc -c < /run/secrets/tok > /len
RUN --mount=type=secret,id=tok,target=/etc/tok,required cat /etc/tok > /dev/null
RUN --mount=type=secret,id=absent echo fine > /optional
XEOF
	run brig build -q -t test:secret --secret "id=tok,src=$BATS_TEST_TMPDIR/tok" "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:secret cat /len /optional
	[ "$output" = "$((${#secret} + 1))
fine" ] || { echo "$output"; false; }
	# every blob, compressed or not, and everything else the store keeps
	local f n=0
	for f in "$ROOT"/images/blobs/sha256/*; do
		n=$((n + 1))
		if zcat -f "$f" | grep -qF "$secret"; then
			echo "the secret is in blob $f"
			false
		fi
	done
	[ "$n" -gt 3 ] || false
	run grep -rlF "$secret" "$ROOT"
	[ "$status" -eq 1 ] || { echo "found in: $output"; false; }
	# the cache key holds the id, not the bytes: another value is a hit
	printf 'other-brig-build\n' >"$BATS_TEST_TMPDIR/tok"
	run brig build -t test:secret --secret "id=tok,src=$BATS_TEST_TMPDIR/tok" "$CTX"
	[ "$status" -eq 0 ] || false
	[[ "$output" != *"---> running"* ]] || { echo "$output"; false; }
	# a required secret not given
	run brig build -q --no-cache "$CTX"
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"Dockerfile:2: secret tok: not given"* ]] || { echo "$output"; false; }
}

@test "build: ONBUILD triggers run in the next build's FROM; HEALTHCHECK with its options" {
	printf 'from the child context\n' >"$CTX/f"
	mkdir "$CTX/parent"
	cat >"$CTX/parent/Dockerfile" <<'XEOF'
FROM busybox
ONBUILD RUN echo triggered > /trig
ONBUILD COPY f /f
HEALTHCHECK --interval=1m30s --timeout=5s --retries=2 CMD ["true"]
XEOF
	run brig build -q -t test:parent "$CTX/parent"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig image inspect -f '{{json .Config.OnBuild}} {{json .Config.Healthcheck}}' test:parent
	[ "$output" = '["RUN echo triggered > /trig","COPY f /f"] {"Test":["CMD","true"],"Interval":90000000000,"Timeout":5000000000,"Retries":2}' ] ||
		{ echo "$output"; false; }
	printf 'FROM test:parent\nHEALTHCHECK NONE\n' >"$CTX/Dockerfile"
	run brig build -q -t test:child "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:child cat /trig /f
	[ "$output" = "triggered
from the child context" ] || { echo "$output"; false; }
	run brig image inspect -f '{{json .Config}}' test:child
	[ "$status" -eq 0 ] || false
	run jq -c '[.OnBuild, .Healthcheck]' <<<"$output"
	[ "$output" = '[null,{"Test":["NONE"]}]' ] || { echo "$output"; false; }
}

@test "lint: hygiene findings with ids, severities and lines; ignore comments; --fail-on; json and sarif" {
	cat >"$CTX/Dockerfile" <<'XEOF'
FROM debian:bookworm
ENV DB_PASSWORD=hunter2 PLAIN=/x
ARG API_TOKEN
RUN apt-get update && apt-get install -y curl && curl -fsSL https://x.example/i.sh | sh
# brig-lint ignore=lint.sudo
RUN sudo true
RUN sudo false
EXPOSE 22 80
FROM scratch AS final
COPY --from=0 /etc/os-release /x
XEOF
	run brig lint "$CTX/Dockerfile"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	local want
	for want in "high     lint.pipe-to-shell  $CTX/Dockerfile:4" \
		"high     lint.secret-env  $CTX/Dockerfile:2: ENV DB_PASSWORD" \
		"medium   lint.apt-unpinned  $CTX/Dockerfile:4" \
		"medium   lint.expose-ssh  $CTX/Dockerfile:8" \
		"medium   lint.no-user  $CTX/Dockerfile:10" \
		"medium   lint.sudo  $CTX/Dockerfile:7" \
		"low      lint.apt-recommends  $CTX/Dockerfile:4" \
		"info     lint.from-unpinned  $CTX/Dockerfile:1" \
		"info     lint.no-healthcheck  $CTX/Dockerfile:10"; do
		[[ "$output" == *"$want"* ]] || { echo "missing: $want"; echo "$output"; false; }
	done
	[[ "$output" != *"Dockerfile:6"* ]] || { echo "the ignore comment was not honoured"; false; }
	[[ "$output" != *"API_TOKEN"* ]] || false
	run brig lint --fail-on critical --format json "$CTX/Dockerfile"
	[ "$status" -eq 0 ] || false
	run jq -r '.Findings | length' <<<"$output"
	[ "$output" = 9 ] || { echo "$output"; false; }
	run brig lint --format sarif --skip lint.no-healthcheck "$CTX/Dockerfile"
	run jq -r '.runs[0].results | length' <<<"$output"
	[ "$output" = 8 ] || { echo "$output"; false; }
	printf 'FROM busybox@sha256:%064d\nUSER 1000\nHEALTHCHECK NONE\n' 0 >"$CTX/Dockerfile"
	run brig lint "$CTX/Dockerfile"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	printf 'FROM a\nBOGUS x\n' >"$CTX/Dockerfile"
	run brig lint "$CTX/Dockerfile"
	[ "$status" -eq 2 ] || false
	[[ "$output" == *"Dockerfile:2: unknown instruction: BOGUS"* ]] || { echo "$output"; false; }
}

@test "build: COPY and WORKDIR through a symlink of the image keep the link (a merged /usr)" {
	printf 'f\n' >"$CTX/f"
	cat >"$CTX/Dockerfile" <<'XEOF'
FROM busybox
RUN mkdir -p /usr/real && ln -s usr/real /lnk && chmod 0750 /usr/real
COPY f /lnk/
WORKDIR /lnk/sub
XEOF
	run brig build -q -t test:links "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:links sh -c 'readlink /lnk; cat /usr/real/f; stat -c %a /usr/real; test -d /usr/real/sub && pwd -P'
	[ "$output" = "usr/real
f
750
/usr/real/sub" ] || { echo "$output"; false; }
}

@test "build: the platform arguments are this host's; another --platform is refused" {
	printf 'FROM --platform=$BUILDPLATFORM busybox AS a\nARG TARGETARCH\nRUN echo "$TARGETARCH" > /arch\nFROM --platform=linux/s390x busybox\n' >"$CTX/Dockerfile"
	run brig build -q -t test:arch --target a "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:arch cat /arch
	[ "$output" = "$(dpkg --print-architecture)" ] || { echo "$output"; false; }
	run brig build -q "$CTX"
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"Dockerfile:4: FROM --platform=linux/s390x: only this host's"* ]] || false
	run brig build -q --platform linux/s390x "$CTX"
	[[ "$output" == *"--platform linux/s390x: only this host's"* ]] || false
}

@test "build --check-reproducible: says so, or names the first layer and file that differ" {
	printf 'FROM busybox\nRUN echo same > /same\n' >"$CTX/Dockerfile"
	run brig build -q --check-reproducible "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"reproducible: two builds gave sha256:"* ]] || { echo "$output"; false; }
	printf 'FROM busybox\nRUN echo same > /same\nRUN mkdir /d && head -c 16 /dev/urandom | od -x > /d/noise\n' >"$CTX/Dockerfile"
	run brig build -q --check-reproducible "$CTX"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"not reproducible: sha256:"*"layer 3 (RUN mkdir /d && head"*") differs first at d/noise (type f"* ]] ||
		{ echo "$output"; false; }
}

@test "build: the predefined proxy arguments reach RUN without ARG and stay out of the cache key" {
	printf 'FROM busybox\nRUN echo "[$http_proxy]" > /p\n' >"$CTX/Dockerfile"
	run brig build -q --build-arg http_proxy=http://127.0.0.1:9 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	id=$output
	run brig run --rm "$id" cat /p
	[ "$output" = "[http://127.0.0.1:9]" ] || { echo "$output"; false; }
	run brig build --build-arg http_proxy=http://127.0.0.1:8 "$CTX"
	[[ "$output" == *"1 cached, 0 containers made"* ]] || { echo "$output"; false; }
	run brig image inspect -f '{{json .Config.Env}}' "$id"
	[[ "$output" != *proxy* ]] || { echo "$output"; false; }
}

@test "build: COPY/ADD --chown by name from the stage's /etc/passwd and /etc/group; an unknown name names its line" {
	echo f >"$CTX/f"
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN echo 'app:x:1234:100::/:/bin/sh' >>/etc/passwd && echo 'appg:x:4321:' >>/etc/group
COPY --chown=app f /a
COPY --chown=app:appg f /b
ADD --chown=nobody:users f /c
COPY --chown=1000:appg f /d
EOF
	run brig build -q -t test:chown "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:chown stat -c '%n %u:%g' /a /b /c /d
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "/a 1234:100
/b 1234:4321
/c 65534:100
/d 1000:4321" ] || { echo "$output"; false; }
	printf 'FROM busybox\n\nCOPY --chown=nosuch:users f /a\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"Dockerfile:3: COPY --chown=nosuch:users: unable to find user nosuch"* ]] || { echo "$output"; false; }
	printf 'FROM busybox\nCOPY --chown=app:nogrp f /a\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"Dockerfile:2: COPY --chown=app:nogrp: unable to find user app"* ]] || { echo "$output"; false; }
}

@test "build: a secret belongs to the RUN's user, mode 0400, or to uid/gid/mode given" {
	printf 'tok\n' >"$BATS_TEST_TMPDIR/s"
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN --mount=type=secret,id=s stat -c '%u:%g %a' /run/secrets/s >/root.txt
USER 1000
RUN --mount=type=secret,id=s stat -c '%u:%g %a' /run/secrets/s >/home/user/u.txt && cat /run/secrets/s >>/home/user/u.txt
RUN --mount=type=secret,id=s,uid=0,gid=65534,mode=0440 stat -c '%u:%g %a' /run/secrets/s >>/home/user/u.txt; cat /run/secrets/s >/dev/null 2>&1 || echo unreadable >>/home/user/u.txt
EOF
	run brig build -q -t test:secown --secret "id=s,src=$BATS_TEST_TMPDIR/s" "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:secown cat /root.txt /home/user/u.txt
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "0:0 400
1000:1000 400
tok
0:65534 440
unreadable" ] || { echo "$output"; false; }
	printf 'FROM busybox\nRUN --mount=type=secret,id=s,mode=9 true\n' >"$CTX/Dockerfile"
	run brig build -q --secret "id=s,src=$BATS_TEST_TMPDIR/s" "$CTX"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"Dockerfile:2: RUN --mount=type=secret,id=s,mode=9: a bad mode=9"* ]] || { echo "$output"; false; }
}

@test "build: RUN --mount=type=cache keeps a directory out of every layer; type=bind binds the context or a stage" {
	mkdir "$CTX/dir" && echo ctx1 >"$CTX/dir/x" && echo no >"$CTX/dir/ign.tmp"
	printf 'dir/*.tmp\n' >"$CTX/.dockerignore"
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox AS st
RUN echo fromstage >/sf
FROM busybox
RUN --mount=type=cache,target=/c echo CACHE-MARK-$((6*7)) >>/c/f && wc -l </c/f >/n1
RUN --mount=type=cache,target=/c,sharing=locked wc -l </c/f >/n2
RUN --mount=type=cache,id=u,target=/u,uid=1000,gid=100,mode=0700 stat -c '%u:%g %a' /u >/ustat
RUN --mount=type=bind,source=dir,target=/b cat /b/x >/bx && ls /b >/bls && { touch /b/new 2>/dev/null && echo rw || echo ro; } >/bro
RUN --mount=type=bind,source=dir,target=/b,rw touch /b/new && echo written >/brw
RUN --mount=type=bind,from=st,source=/sf,target=/s cat /s >/sfx
EOF
	run brig build -q -t test:mounts "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *"outside the container's user namespace"* ]] || { echo "$output"; false; }
	run brig run --rm test:mounts sh -c 'cat /n1 /n2 /ustat /bx /bls /bro /brw /sfx; ls -A /c /b'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "1
1
1000:100 700
ctx1
x
ro
written
fromstage
/b:

/c:" ] || { echo "$output"; false; }
	local f
	for f in "$ROOT"/images/blobs/sha256/*; do
		if zcat -f "$f" | grep -q CACHE-MARK-42; then
			echo "the cache's content is in blob $f"
			false
		fi
	done
	# the bind's source is in the key: a changed file runs its RUN again
	echo ctx2 >"$CTX/dir/x"
	run brig build -t test:mounts "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"cat /b/x"*"---> running"*"touch /b/new"* ]] || { echo "$output"; false; }
	[[ "$output" == *"wc -l </c/f >/n2"*"---> cached"* ]] || { echo "$output"; false; }
	run brig run --rm test:mounts cat /bx
	[ "$output" = ctx2 ] || { echo "$output"; false; }
	# brig builder prune removes the cached steps and the cache mounts
	run brig builder prune -f
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" =~ ^removed\ [0-9]+\ cached\ steps\ and\ 2\ cache\ mounts$ ]] || { echo "$output"; false; }
	run find "$ROOT/build-mounts" "$ROOT/build-cache" -mindepth 1
	[ -z "$output" ] || { echo "$output"; false; }
	printf 'FROM busybox\nRUN --mount=type=cache,target=/c,source=x true\n' >"$CTX/Dockerfile"
	run brig build -q "$CTX"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"Dockerfile:2: RUN --mount=type=cache,target=/c,source=x: a cache takes"* ]] || { echo "$output"; false; }
}

@test "build: ADD URL --checksum downloads through brig's client and pins the bytes; unpinned needs --allow-unpinned-downloads" {
	mkdir "$BATS_TEST_TMPDIR/www"
	printf 'downloaded bytes\n' >"$BATS_TEST_TMPDIR/www/file.txt"
	httpd "$BATS_TEST_TMPDIR/www" || false
	sum=sha256:$(sha256sum "$BATS_TEST_TMPDIR/www/file.txt" | cut -d' ' -f1)
	cat >"$CTX/Dockerfile" <<EOF
FROM busybox
ADD --checksum=$sum http://127.0.0.1:$PORT/file.txt /dl/
ADD --checksum=$sum --chmod=644 --chown=user http://127.0.0.1:$PORT/file.txt /dl/named
EOF
	run brig lint "$CTX/Dockerfile"
	[[ "$output" != *"lint.add-url"* ]] || { echo "$output"; false; }
	run brig build -q -t test:url "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:url sh -c 'stat -c "%n %a %U" /dl/file.txt /dl/named; cat /dl/named'
	[ "$output" = "/dl/file.txt 600 root
/dl/named 644 user
downloaded bytes" ] || { echo "$output"; false; }
	printf 'FROM busybox\nADD http://127.0.0.1:%s/file.txt /f\n' "$PORT" >"$CTX/Dockerfile"
	run brig lint "$CTX/Dockerfile"
	[[ "$output" == *"lint.add-url"*"Dockerfile:2: ADD of a URL without a checksum"* ]] || { echo "$output"; false; }
	run brig build -q "$CTX"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"Dockerfile:2: ADD http://127.0.0.1:$PORT/file.txt: a download needs --checksum=sha256:HEX"* ]] || { echo "$output"; false; }
	run brig build -q --allow-unpinned-downloads -t test:url2 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:url2 cat /f
	[ "$output" = "downloaded bytes" ] || { echo "$output"; false; }
}

@test "build --pull: FROM, COPY --from and bind from= images are fetched from their registry (once) even when the store has them" {
	[ -x /usr/bin/docker-registry ] || skip "docker-registry is not installed"
	local d=$BATS_TEST_TMPDIR p
	"$BRIG_SRC/scripts/registry-test.sh" start "$d/reg" >/dev/null || false
	REG_DIR=$d/reg
	p=$(cat "$d/reg/port")
	mkdir -p "$d/certs/127.0.0.1:$p"
	cp "$d/reg/ca.crt" "$d/certs/127.0.0.1:$p/"
	printf '{"registry-certs-dir": "%s"}\n' "$d/certs" >"$d/brig.conf"
	export BRIG_CONFIG=$d/brig.conf
	# the registry gets "two"; the store keeps "one" under the same name
	local v
	for v in two one; do
		printf 'FROM busybox\nRUN echo %s >/v\n' "$v" >"$CTX/Dockerfile"
		run brig build -q -t "127.0.0.1:$p/bb:1" "$CTX"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		if [ "$v" = two ]; then
			run brig push -q "127.0.0.1:$p/bb:1"
			[ "$status" -eq 0 ] || { echo "$output"; false; }
		fi
	done
	printf 'FROM 127.0.0.1:%s/bb:1\nRUN cat /v >/seen\n' "$p" >"$CTX/Dockerfile"
	run brig build -q -t test:pull "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:pull cat /seen
	[ "$output" = one ] || { echo "$output"; false; }
	run brig build --pull -t test:pull "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"---> pulling 127.0.0.1:$p/bb:1"* ]] || { echo "$output"; false; }
	run brig run --rm test:pull cat /seen
	[ "$output" = two ] || { echo "$output"; false; }
	# the store's name goes back to "one"; COPY --from and a bind's from= name it
	printf 'FROM busybox\nRUN echo one >/v\n' >"$CTX/Dockerfile"
	run brig build -q -t "127.0.0.1:$p/bb:1" "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# (FROM is pulled too: busybox goes to the registry as base:1)
	run brig tag busybox "127.0.0.1:$p/base:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig push -q "127.0.0.1:$p/base:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	printf 'FROM 127.0.0.1:%s/base:1\nCOPY --from=127.0.0.1:%s/bb:1 /v /seen\nRUN --mount=from=127.0.0.1:%s/bb:1,source=/v,target=/m cat /m >/seen2\n' "$p" "$p" "$p" >"$CTX/Dockerfile"
	run brig build --pull -t test:pull2 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run grep -c -- "---> pulling 127.0.0.1:$p/bb:1" <<<"$output"
	[ "$output" = 1 ] || { echo "bb:1 pulled $output times"; false; }
	run brig run --rm test:pull2 cat /seen /seen2
	[ "$output" = "two
two" ] || { echo "$output"; false; }
}

@test "build: a git checkout as the context gives the revision and source labels and the last commit's time" {
	command -v git >/dev/null || skip "git is not installed"
	unset SOURCE_DATE_EPOCH
	echo data >"$CTX/f"
	printf 'FROM busybox\nCOPY f /f\n' >"$CTX/Dockerfile"
	git -C "$CTX" init -q
	git -C "$CTX" remote add origin https://someone:s3cret@git.example/org/repo.git
	git -C "$CTX" add -A
	GIT_AUTHOR_DATE=@1700000000 GIT_COMMITTER_DATE=@1700000000 \
		git -C "$CTX" -c user.name=t -c user.email=t@example.invalid commit -q -m one
	rev=$(git -C "$CTX" rev-parse HEAD)
	run brig build -q -t test:git "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig image inspect -f '{{json .Config.Labels}}' test:git
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run jq -r '."org.opencontainers.image.revision", ."org.opencontainers.image.source", ."org.opencontainers.image.created"' <<<"$output"
	[ "$output" = "$rev
https://git.example/org/repo.git
2023-11-14T22:13:20Z" ] || { echo "$output"; false; }
	run brig run --rm test:git stat -c %Y /f
	[ "$output" = 1700000000 ] || { echo "$output"; false; }
}

@test "build: setuid and setgid files a step adds are findings with the step's line" {
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN cp /bin/busybox /usr/bin/suidtool && chmod 4755 /usr/bin/suidtool && mkdir /g && touch /g/sg && chmod 2755 /g/sg
RUN echo nothing-special >/plain
EOF
	run brig build -t test:suid "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.setuid Dockerfile:2: RUN adds /usr/bin/suidtool: setuid file (mode 4755, owner 0)"* ]] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.setgid Dockerfile:2: RUN adds /g/sg: setgid file (mode 2755, owner 0)"* ]] || { echo "$output"; false; }
	[[ "$output" != *"Dockerfile:3: RUN adds"* ]] || { echo "$output"; false; }
	# a cached step says so again
	run brig build -t test:suid "$CTX"
	[[ "$output" == *"---> cached"*"build.setuid Dockerfile:2"* ]] || { echo "$output"; false; }
}

@test "build --findings-format json|sarif: the lint and step findings as one document; an inline ignore drops a step's; --fail-on stores nothing" {
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN touch /a && chmod 4755 /a
# brig-lint ignore=build.setgid
RUN touch /b && chmod 2755 /b
USER 1000
EOF
	local f=$BATS_TEST_TMPDIR/f
	run brig build -q --findings-format json --findings-file "$f.json" -t test:fj "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == sha256:* && "$output" != *'"Findings"'* ]] || { echo "$output"; false; }
	run jq -r '.Findings[] | "\(.Severity) \(.Id) \(.Target)"' "$f.json"
	[ "$output" = "medium build.setuid Dockerfile:2
low lint.latest-tag Dockerfile:1
info lint.no-healthcheck Dockerfile:5" ] || { echo "$output"; false; }
	# the ignore holds in text mode too
	run brig build -t test:fj "$CTX"
	[[ "$output" == *"finding: medium build.setuid Dockerfile:2"* ]] || { echo "$output"; false; }
	[[ "$output" != *"build.setgid"* ]] || { echo "$output"; false; }
	run brig build -q --findings-format sarif --findings-file "$f.sarif" --skip lint.latest-tag -t test:fj "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run jq -r '.version, (.runs[0].results[] | "\(.ruleId) \(.level) \(.locations[0].logicalLocations[0].fullyQualifiedName)")' "$f.sarif"
	[ "$output" = "2.1.0
build.setuid warning Dockerfile:2
lint.no-healthcheck note Dockerfile:5" ] || { echo "$output"; false; }
	sarif_validate "$f.sarif"
	run brig build -q --fail-on medium --findings-format json --findings-file "$f.json" -t test:ff "$CTX"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *"1 finding at or above medium (--fail-on): the image is not stored"* ]] || { echo "$output"; false; }
	run jq -r '.Findings[0].Id' "$f.json"
	[ "$output" = build.setuid ] || { echo "$output"; false; }
	run brig image inspect test:ff
	[ "$status" -ne 0 ] || { echo "test:ff was named"; false; }
}

@test "build --defang-setuid: the files a step adds lose their setuid and setgid bits, each reported; the cache keeps the two apart" {
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN cp /bin/busybox /usr/bin/suidtool && chmod 4755 /usr/bin/suidtool && touch /sg && chmod 2710 /sg
COPY --chmod=6755 f /f
EOF
	echo data >"$CTX/f"
	run brig build --defang-setuid -t test:defang "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.setuid Dockerfile:2: RUN adds /usr/bin/suidtool: setuid file (mode 4755, owner 0): written without the bits (--defang-setuid)"* ]] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.setgid Dockerfile:2: RUN adds /sg: setgid file (mode 2710, owner 0): written without"* ]] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.setuid Dockerfile:3: COPY adds /f: setuid and setgid file (mode 6755, owner 0): written without"* ]] || { echo "$output"; false; }
	run brig run --rm test:defang stat -c %a /usr/bin/suidtool /sg /f
	[ "$output" = "755
710
755" ] || { echo "$output"; false; }
	# a cached rebuild reports the same findings (from the cache entry)
	run brig build --defang-setuid -t test:defang "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"STEP 2: RUN"*"---> cached"*"finding: medium build.setuid Dockerfile:2: RUN adds /usr/bin/suidtool: setuid file (mode 4755, owner 0): written without the bits (--defang-setuid)"* ]] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.setgid Dockerfile:2: RUN adds /sg: setgid file (mode 2710, owner 0): written without"* ]] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.setuid Dockerfile:3: COPY adds /f: setuid and setgid file (mode 6755, owner 0): written without"* ]] || { echo "$output"; false; }
	# without the flag the RUN is not taken from the defanged cache entry
	run brig build -t test:fanged "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"STEP 2: RUN"*"---> running"* ]] || { echo "$output"; false; }
	run brig run --rm test:fanged stat -c %a /usr/bin/suidtool /sg /f
	[ "$output" = "4755
2710
6755" ] || { echo "$output"; false; }
}

@test "build: file capabilities a step adds are findings; --defang-setuid writes the files without them; a cached step says so again" {
	# a tar holding a file with cap_net_bind_service,cap_net_raw=ep (RUN has
	# no CAP_SETFCAP to setcap with; ADD unpacks the xattr as it is)
	python3 - "$CTX/caps.tar" <<'EOF'
import io, sys, tarfile
cap = bytes([1, 0, 0, 2, 0, 0x24, 0, 0] + [0] * 12)
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("capped")
    ti.size, ti.mode = 2, 0o755
    ti.pax_headers = {"SCHILY.xattr.security.capability": cap.decode("ascii")}
    t.addfile(ti, io.BytesIO(b"x\n"))
EOF
	cat >"$CTX/Dockerfile" <<'EOF'
FROM busybox
ADD caps.tar /usr/bin/
RUN chmod 750 /usr/bin/capped
EOF
	local want='build.file-caps Dockerfile:2: ADD adds /usr/bin/capped: file capabilities cap_net_bind_service,cap_net_raw=ep'
	run brig build -t test:caps "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium $want (security.capability, owner 0): privilege, as setuid is"* ]] || { echo "$output"; false; }
	[[ "$output" == *"build.file-caps Dockerfile:3: RUN adds /usr/bin/capped: file capabilities cap_net_bind_service,cap_net_raw=ep"* ]] || { echo "$output"; false; }
	# defanged: the ADD's file, and the RUN's copy of the base's capped file
	cat >"$CTX/Dockerfile.2" <<'EOF'
FROM test:caps
ADD caps.tar /opt/
RUN chmod 700 /usr/bin/capped
EOF
	local run3='Dockerfile.2:3: RUN adds /usr/bin/capped: file capabilities cap_net_bind_service,cap_net_raw=ep (owner 0): written without them (--defang-setuid)'
	run brig build --defang-setuid -f "$CTX/Dockerfile.2" -t test:nocaps "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"finding: medium build.file-caps "*"/Dockerfile.2:2: ADD adds /opt/capped: file capabilities cap_net_bind_service,cap_net_raw=ep (owner 0): written without them (--defang-setuid)"* ]] || { echo "$output"; false; }
	[[ "$output" == *"---> running"*"finding: medium build.file-caps "*"/$run3"* ]] || { echo "$output"; false; }
	[[ "$output" != *"privilege, as setuid is"* ]] || { echo "$output"; false; }
	local d n=0
	for d in $(brig image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' test:nocaps | xargs -n1 | tail -2); do
		run python3 -c 'import os, sys; print([os.listxattr(p) for p in sys.argv[1:] if os.path.exists(p)])' \
			"$ROOT/layers/${d#sha256:}/usr/bin/capped" "$ROOT/layers/${d#sha256:}/opt/capped"
		[ "$output" = "[[]]" ] || { echo "$d: $output"; false; }
		n=$((n + 1))
	done
	[ "$n" -eq 2 ] || { echo "$n layers checked"; false; }
	# cached: the same findings (the RUN's from its cache entry)
	run brig build --defang-setuid -f "$CTX/Dockerfile.2" -t test:nocaps "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"---> cached"*"finding: medium build.file-caps "*"/$run3"* ]] || { echo "$output"; false; }
	[[ "$output" == *"Dockerfile.2:2: ADD adds /opt/capped"* ]] || { echo "$output"; false; }
}

@test "build: a multi-stage C program compiled with gcc (the host's own, as an image) gives a static binary on scratch" {
	command -v dpkg >/dev/null || skip "not a Debian host: no dpkg to list gcc's files"
	gcc_image_tar "$BATS_TEST_TMPDIR/gcc.tar" || skip "gcc-12, binutils or libc6-dev is not installed"
	run brig import "$BATS_TEST_TMPDIR/gcc.tar" gcc:host
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	rm -f "$BATS_TEST_TMPDIR/gcc.tar"
	cat >"$CTX/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { printf("hello from gcc %d\n", __GNUC__); return 0; }
EOF
	cat >"$CTX/Dockerfile" <<'EOF'
FROM gcc:host AS build
WORKDIR /src
COPY hello.c .
RUN ["gcc", "-static", "-O2", "-o", "/src/hello", "hello.c"]
FROM scratch
COPY --from=build /src/hello /usr/local/bin/hello
USER 1000
CMD ["/usr/local/bin/hello"]
EOF
	run brig build -q -t test:gcc "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run brig run --rm test:gcc
	[ "$output" = "hello from gcc 12" ] || { echo "$output"; false; }
	run brig image inspect -f '{{len .RootFS.Layers}}' test:gcc
	[ "$output" = 1 ] || { echo "$output"; false; }
}
