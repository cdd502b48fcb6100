#!/usr/bin/env bats
# brig volume create|ls|inspect|rm|prune, and volumes in containers:
# -v NAME:/dst, -v /dst (anonymous), --mount type=volume, brig rm -v.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() {
	brig_setup
	mkdir -p "$ROOT"
}

teardown() { brig_teardown; }

hex64() { [[ "$1" =~ ^[0-9a-f]{64}$ ]]; }

# anon_label VOLUME: true or false, whether its inspect object has Docker's
# label of an anonymous volume (and no key of brig's own for it).
anon_label() {
	brig volume inspect --format json "$1" |
		jq -r '.[0] | if has("Anonymous") then "brig key" else
			.Labels | has("com.docker.volume.anonymous") end'
}

# Containers with volumes need the engine's wiring (specbuild/lifecycle);
# until it is there, `brig create -v NAME:/dst` says "not supported yet".
need_volume_wiring() {
	brig import "$BATS_FILE_TMPDIR/rootfs.tar" bb:1 >/dev/null
	run brig create -v wiring-probe:/probe bb:1 true
	if [[ "$output" == *"not supported yet"* ]]; then
		skip "the engine does not bind volumes into containers yet"
	fi
	[ "$status" -eq 0 ]
	brig rm "$output" >/dev/null
	brig volume rm wiring-probe >/dev/null
}

@test "create: the name is printed, volume.json and _data are on disk, nothing else" {
	run brig volume create --label team=blue -l bare data1
	[ "$status" -eq 0 ]
	[ "$output" = data1 ]
	[ -d "$ROOT/volumes/data1/_data" ]
	[ "$(stat -c %a "$ROOT/volumes/data1/_data")" = 755 ]
	run jq -r '[.Name, .Driver, has("Anonymous"), .Labels.team, .Labels.bare, (.Options|length),
		(.Labels|length)] | join(" ")' "$ROOT/volumes/data1/volume.json"
	[ "$output" = "data1 local false blue  0 2" ]
	[ -z "$(find "$ROOT/volumes" -maxdepth 1 -name '.tmp-*' -o -maxdepth 1 -name '.rm-*')" ]
	# Creating it again keeps the volume and its data (Docker's behaviour).
	echo kept >"$ROOT/volumes/data1/_data/f"
	run brig volume create data1
	[ "$output" = data1 ]
	[ "$(cat "$ROOT/volumes/data1/_data/f")" = kept ]
	# --name is the same as the positional name.
	run brig volume create --name data2
	[ "$output" = data2 ]
}

@test "create without a name makes an anonymous volume with a 64-hex name" {
	run brig volume create
	[ "$status" -eq 0 ]
	hex64 "$output"
	name=$output
	run brig volume inspect -f '{{.Driver}} {{.Scope}}' "$name"
	[ "$output" = "local local" ]
	# Docker's mark of an anonymous volume: the label, with the value ""
	[ "$(anon_label "$name")" = true ]
	[ "$(brig volume inspect -f '{{json .Labels}}' "$name")" = '{"com.docker.volume.anonymous":""}' ]
}

@test "create refuses bad names, drivers and options" {
	for bad in 'a' 'bad/name' '-dash' '.hidden' '..' 'x y' "$(printf 'n%.0s' {1..256})"; do
		run brig volume create -- "$bad"
		[ "$status" -eq 1 ]
		[[ "$output" == *"invalid volume name"* ]]
	done
	run brig volume create -d nfs v1
	[ "$status" -eq 1 ]
	[[ "$output" == *'only "local"'* ]]
	# the label of an anonymous volume counts: 256 of the user's are too many
	local labels=() i
	for i in {1..256}; do labels+=(-l "k$i=v"); done
	run brig volume create "${labels[@]}"
	[ "$status" -eq 1 ]
	[[ "$output" == *"at most 255 labels (an anonymous volume also has com.docker.volume.anonymous)"* ]]
	run brig volume create -o type=tmpfs v1
	[ "$status" -eq 1 ]
	run brig volume create -l =v v1
	[ "$status" -eq 1 ]
	[[ "$output" == *"the key is empty"* ]]
	run brig volume ls -q
	[ -z "$output" ]
	run brig volume create "${labels[@]}" many
	[ "$status" -eq 0 ]
}

@test "inspect: Docker's fields, templates, and an error for a missing volume" {
	brig volume create -l k=v insp >/dev/null
	run brig volume inspect insp
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = insp ]
	[ "$(jq -r '.[0].Mountpoint' <<<"$output")" = "$(realpath "$ROOT")/volumes/insp/_data" ]
	[ "$(jq -r '.[0].Labels.k' <<<"$output")" = v ]
	[[ "$(jq -r '.[0].CreatedAt' <<<"$output")" =~ ^20[0-9-]+T[0-9:.]+Z$ ]]
	run brig volume inspect -f '{{.Name}}={{index .Labels "k"}}' insp
	[ "$output" = "insp=v" ]
	run brig volume inspect insp missing-one
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such volume: missing-one"* ]]
}

@test "ls: table, -q, json, templates and filters" {
	brig volume create -l env=prod alpha >/dev/null
	brig volume create -l env=test beta >/dev/null
	anon=$(brig volume create)
	run brig volume ls
	[ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[*]}" == *"local     alpha"* ]]
	run brig volume ls -q
	[ "${lines[*]}" = "$(printf '%s\n' alpha beta "$anon" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" ]
	run brig volume ls -q --filter label=env=prod
	[ "$output" = alpha ]
	run brig volume ls -q --filter label=env
	[ "${lines[*]}" = "alpha beta" ]
	run brig volume ls -q --filter name=beta
	[ "$output" = beta ]
	run brig volume ls -q --filter dangling=true --filter label=env=test
	[ "$output" = beta ]
	run brig volume ls -q --filter dangling=false
	[ -z "$output" ]
	run brig volume ls --format json --filter name=alpha
	[ "$(jq -r '[.Name, .Driver, .Labels, has("Anonymous")] | join(" ")' <<<"$output")" = "alpha local env=prod false" ]
	run brig volume ls --format '{{.Name}}:{{.Labels}}' --filter label=env=test
	[ "$output" = "beta:env=test" ]
	run brig volume ls --filter colour=red
	[ "$status" -eq 1 ]
	run brig volume ls --filter dangling=maybe
	[ "$status" -eq 1 ]
}

@test "rm: removes what it names, -f ignores missing ones, the rest still go" {
	brig volume create r1 >/dev/null
	brig volume create r2 >/dev/null
	echo data >"$ROOT/volumes/r1/_data/f"
	run brig volume rm r1 missing r2
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such volume: missing"* ]]
	[[ "$output" == *r1* && "$output" == *r2* ]]
	[[ ! -e "$ROOT/volumes/r1" && ! -e "$ROOT/volumes/r2" ]] || { echo "a removed volume is still on disk" >&2; false; }
	run brig volume rm -f missing
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$(ls -A "$ROOT/volumes" | grep -v '^\.lock$')" ]
}

@test "rm and prune refuse a volume claimed by a container being made, not a stale claim" {
	brig volume create claimed >/dev/null
	anon=$(brig volume create)
	id=$(printf 'c%.0s' {1..64})
	mkdir -p "$ROOT/containers/.tmp-$id"
	touch "$ROOT/volumes/claimed/pending/$id" "$ROOT/volumes/$anon/pending/$id"
	run brig volume rm claimed
	[ "$status" -eq 1 ]
	[[ "$output" == *"volume claimed is in use by container cccccccccccc"* ]]
	run brig volume prune --all -f
	[ "$status" -eq 0 ]
	[ "$output" = "Total reclaimed space: 0B" ]
	run brig volume ls -q --filter dangling=false
	[ "${#lines[@]}" -eq 2 ]
	# The container never appeared: the claim is stale and ignored.
	rmdir "$ROOT/containers/.tmp-$id"
	run brig volume rm claimed
	[ "$status" -eq 0 ]
	run brig volume prune
	[[ "$output" == *"$anon"* ]]
	[ -z "$(brig volume ls -q)" ]
}

@test "prune: anonymous volumes only, --all for named ones, label filters, leftovers" {
	brig volume create keep >/dev/null
	brig volume create -l tier=cache named2 >/dev/null
	a1=$(brig volume create)
	head -c 3000 /dev/zero >"$ROOT/volumes/$a1/_data/blob"
	mkdir -p "$ROOT/volumes/.tmp-deadbeef/_data" "$ROOT/volumes/.rm-gone/_data"
	# an older brig's volume.json said "Anonymous": true: read as the label
	brig volume create old1 >/dev/null
	jq '. + {Anonymous: true}' "$ROOT/volumes/old1/volume.json" >"$BATS_TEST_TMPDIR/v.json"
	cp "$BATS_TEST_TMPDIR/v.json" "$ROOT/volumes/old1/volume.json"
	[ "$(anon_label old1)" = true ]
	run brig volume prune -f
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Volumes:" ]
	[ "${lines[1]}" = "$a1" ]
	[ "${lines[2]}" = old1 ]
	[ "${lines[3]}" = "Total reclaimed space: 3kB" ]
	[[ ! -e "$ROOT/volumes/.tmp-deadbeef" && ! -e "$ROOT/volumes/.rm-gone" ]] || { echo "a leftover was not swept" >&2; false; }
	run brig volume ls -q
	[ "${lines[*]}" = "keep named2" ]
	run brig volume prune -a -f --filter label=tier=cache
	[[ "$output" == *named2* && "$output" != *keep* ]]
	run brig volume prune --all -f
	[ "${lines[1]}" = keep ]
	run brig volume prune --all -f
	[ "$output" = "Total reclaimed space: 0B" ]
	run brig volume prune --filter name=x
	[ "$status" -eq 1 ]
}

@test "a damaged volume.json is named in errors, skipped by ls, removable" {
	brig volume create good >/dev/null
	brig volume create bad1 >/dev/null
	jq '.Labels = {"n": 5}' "$ROOT/volumes/bad1/volume.json" >"$BATS_TEST_TMPDIR/v.json"
	cp "$BATS_TEST_TMPDIR/v.json" "$ROOT/volumes/bad1/volume.json"
	run brig volume inspect bad1
	[ "$status" -eq 1 ]
	[[ "$output" == *"volumes/bad1/volume.json: Labels.n: expected a string"* ]]
	run brig volume ls -q
	[[ "$output" == *"skipping volume bad1"* ]]
	[[ "$output" == *good* ]]
	jq '.Name = "other"' "$ROOT/volumes/good/volume.json" >"$BATS_TEST_TMPDIR/v.json"
	cp "$BATS_TEST_TMPDIR/v.json" "$ROOT/volumes/good/volume.json"
	run brig volume inspect good
	[[ "$output" == *"Name: \"other\" is not the directory's name"* ]]
	head -c 70000 /dev/zero | tr '\0' ' ' >"$ROOT/volumes/good/volume.json"
	run brig volume inspect good
	[ "$status" -eq 1 ]
	mkdir -p "$ROOT/volumes/nojson/_data"
	run brig volume inspect nojson
	[ "$status" -eq 1 ]
	[[ "$output" == *"volumes/nojson/volume.json is missing"* ]]
	run brig volume rm bad1 good nojson
	[ "$status" -eq 0 ]
	[[ ! -e "$ROOT/volumes/bad1" && ! -e "$ROOT/volumes/good" && ! -e "$ROOT/volumes/nojson" ]] || { echo "a volume is still on disk: $(ls "$ROOT/volumes")" >&2; false; }
}

@test "concurrent creates of one name make one whole volume" {
	local pids=() i
	for i in 1 2 3 4 5 6; do
		brig volume create --label n=$i same >"$BATS_TEST_TMPDIR/out$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for i in 1 2 3 4 5 6; do [ "$(cat "$BATS_TEST_TMPDIR/out$i")" = same ]; done
	run brig volume ls -q
	[ "$output" = same ]
	[ -z "$(find "$ROOT/volumes" -maxdepth 1 -name '.tmp-*')" ]
}

# ---- volumes in containers -------------------------------------------------

@test "run -v NAME:/dst: data written by one container is read by the next" {
	need_volume_wiring
	run brig run --rm -v shared:/data bb:1 sh -c 'echo hello >/data/msg && echo written'
	[ "$status" -eq 0 ]
	[ "$output" = written ]
	[ "$(cat "$ROOT/volumes/shared/_data/msg")" = hello ]
	run brig run --rm -v shared:/data bb:1 cat /data/msg
	[ "$output" = hello ]
	run brig run --rm --mount type=volume,src=shared,dst=/m bb:1 cat /m/msg
	[ "$output" = hello ]
	[ "$(anon_label shared)" = false ]
}

@test "a read-only volume refuses writes; volumes are nosuid and nodev" {
	need_volume_wiring
	brig volume create ro1 >/dev/null
	echo there >"$ROOT/volumes/ro1/_data/f"
	cp "$BATS_FILE_TMPDIR/rootfs/bin/busybox" "$ROOT/volumes/ro1/_data/busybox"
	chmod 4755 "$ROOT/volumes/ro1/_data/busybox"
	run brig run --rm -v ro1:/data:ro bb:1 sh -c 'cat /data/f; touch /data/new && echo wrote'
	[[ "$output" == there* ]]
	[[ "$output" != *wrote* ]]
	[ ! -e "$ROOT/volumes/ro1/_data/new" ]
	run brig run --rm -u 1000 -v ro1:/data bb:1 sh -c '/data/busybox id -u; grep " /data " /proc/self/mountinfo'
	[ "${lines[0]}" = 1000 ]
	[[ "${lines[1]}" == *nosuid* && "${lines[1]}" == *nodev* ]]
}

@test "a volume a container uses (running or not) cannot be removed" {
	need_volume_wiring
	id=$(brig create -v busy:/data bb:1 true)
	run brig inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}' "$id"
	[ "$output" = "volume busy /data true" ]
	run brig volume rm busy
	[ "$status" -eq 1 ]
	[[ "$output" == *"in use by container ${id:0:12}"* ]]
	run brig volume ls -q --filter dangling=false
	[ "$output" = busy ]
	run brig volume prune --all -f
	[ "$output" = "Total reclaimed space: 0B" ]
	brig rm "$id" >/dev/null
	run brig volume rm busy
	[ "$status" -eq 0 ]
}

@test "anonymous volumes: -v /dst makes one; rm keeps it, rm -v removes it" {
	need_volume_wiring
	id=$(brig create -v /cache bb:1 true)
	anon=$(brig inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "$id")
	hex64 "$anon"
	[ "$(anon_label "$anon")" = true ]
	brig rm -v "$id" >/dev/null
	run brig volume inspect "$anon"
	[ "$status" -eq 1 ]
	# Without -v the anonymous volume stays, dangling, until prune.
	id=$(brig create -v /cache bb:1 true)
	anon=$(brig inspect -f '{{range .Mounts}}{{.Name}}{{end}}' "$id")
	brig rm "$id" >/dev/null
	run brig volume ls -q --filter dangling=true
	[ "$output" = "$anon" ]
	run brig volume prune
	[[ "$output" == *"$anon"* ]]
	# A named volume survives rm -v.
	id=$(brig create -v named:/n bb:1 true)
	brig rm -v "$id" >/dev/null
	run brig volume ls -q
	[ "$output" = named ]
}
