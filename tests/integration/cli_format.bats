#!/usr/bin/env bats
# --format as Docker users write it (docs/output.md): every list command's
# --format json is one JSON object a line with Docker's field names, inspect
# --format json is the array, the "table" directive prints a header and
# aligned columns, and the Go template features people use work end to end.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# A running container named $1 with a volume and a label.
running() {
	run -0 brig run -d --name "$1" -l team=blue -v "vol-$1:/data" bb:1 sleep 600
	wait_until "$1 running" state_is "$1" running
}

state_is() { [ "$(brig inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]; }

# json_lines FIELDS...: every line of $output is one JSON object whose keys
# include each FIELD; fails naming the line or the field.
json_lines() {
	local line f n=0
	[ -n "$output" ] || { echo "no output"; return 1; }
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'type == "object"' <<<"$line" >/dev/null ||
			{ echo "line $n is not one JSON object: $line"; return 1; }
		for f in "$@"; do
			jq -e --arg f "$f" 'has($f)' <<<"$line" >/dev/null ||
				{ echo "line $n lacks $f: $line"; return 1; }
		done
	done <<<"$output"
}

@test "ps --format json: one object a line with Docker's fields, all strings" {
	running web
	run -0 brig ps --format json
	json_lines Command CreatedAt ID Image Labels LocalVolumes Mounts Names Networks Ports \
		RunningFor Size State Status
	[ "$(jq -r '[.Names, .State, .LocalVolumes, .Mounts, .Labels] | join(" ")' <<<"$output")" = \
		"web running 1 vol-web team=blue" ] || false
	[ "$(jq -r '[.[] | type] | unique | join(",")' <<<"$output")" = string ] || false
	# keys in Docker's order: a Go map's, sorted
	jq -e 'keys_unsorted == keys' <<<"$output" >/dev/null || false
}

@test "images --format json: one object a line with Docker's fields" {
	brig tag bb:1 other:2 >/dev/null
	run -0 brig images --format json
	[ "${#lines[@]}" -eq 2 ] || false
	json_lines Containers CreatedAt CreatedSince Digest ID Repository SharedSize Size Tag \
		UniqueSize VirtualSize
	[ "$(jq -r '.Repository + ":" + .Tag' <<<"$output" | sort | paste -sd' ')" = "bb:1 other:2" ] ||
		false
}

@test "volume ls and stats: JSON lines, and the table directive" {
	running web
	run -0 brig volume ls --format json
	json_lines Driver Labels Links Mountpoint Name Scope Size
	jq -e 'keys_unsorted == keys' <<<"$output" >/dev/null || false
	run -0 brig network ls --format json
	jq -e 'keys_unsorted == keys' <<<"$output" >/dev/null || false
	run -0 brig history --format json bb:1
	jq -e 'keys_unsorted == keys' <<<"$output" >/dev/null || false
	run -0 brig volume ls --format 'table {{.Name}}\t{{.Driver}}'
	[ "${lines[0]}" = "VOLUME NAME   DRIVER" ] || false
	[ "${lines[1]}" = "vol-web       local" ] || false
	run -0 brig stats --no-stream --format json web
	json_lines BlockIO CPUPerc Container ID MemPerc MemUsage Name NetIO PIDs
	run -0 brig stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' web
	[ "${lines[0]}" = "NAME      PIDS" ] || false
	[[ "${lines[1]}" =~ ^web\ {7}[0-9]+$ ]] || false
}

@test "events --format json: Docker's integer time and timeNano, no snake_case" {
	running web
	run -0 brig events --since 0 --until 0s --format json --filter event=start
	json_lines Type Action Actor scope time timeNano status id from
	[ "$(jq -r '.time | type' <<<"$output")" = number ] || false
	[ "$(jq -r '(.timeNano / 1000000000 | floor) == .time' <<<"$output")" = true ] || false
	[ "$(jq -r '[.status, .from, .Actor.Attributes.name] | join(" ")' <<<"$output")" = \
		"start bb:1 web" ] || false
	run -0 brig events --since 0 --until 0s --format '{{.Status}} {{.Time}}' --filter event=start
	[[ "$output" =~ ^start\ [0-9]+$ ]] || false
}

@test "system df, system check and image prune --format json: one style" {
	run -0 brig system df --format json
	json_lines Type TotalCount Active Size Reclaimable
	[ "${#lines[@]}" -eq 3 ] || false
	run -0 brig system check --format json
	[ "${#lines[@]}" -eq 1 ] || false
	json_lines Blobs CorruptBlobs BrokenRefs Ok
	run -0 brig image prune --dry-run --format json
	json_lines DryRun RemovedBlobs SpaceReclaimed
	run -0 jq -r '[paths | .[-1] | strings | select(test("_"))] | length' <<<"$output"
	[ "$output" = 0 ] || false
}

@test "inspect --format json prints the JSON array, for containers, images and volumes" {
	running web
	run -0 brig inspect --format json web
	[ "$(jq -r '.[0].Name' <<<"$output")" = /web ] || false
	run -0 brig image inspect --format json bb:1
	[ "$(jq -r 'type' <<<"$output")" = array ] || false
	run -0 brig volume inspect --format json vol-web
	[ "$(jq -r '.[0].Name' <<<"$output")" = vol-web ] || false
}

# docker_keys WANT NOTYET EXTRA: the top-level keys of $output's first object
# are Docker's (WANT, its Engine API's names) less those brig has not yet
# (NOTYET), and besides them only brig's own (EXTRA); each a list of words.
docker_keys() {
	local got missing stray
	got=$(jq -r '.[0] | keys[]' <<<"$output" | sort)
	# shellcheck disable=SC2086 # the lists are split into words
	missing=$(comm -23 <(printf '%s\n' $1 | sort) <(printf '%s\n' $2 | sort) |
		comm -23 - <(echo "$got"))
	# shellcheck disable=SC2086
	stray=$(comm -13 <(printf '%s\n' $1 $3 | sort) <(echo "$got"))
	[ -z "$missing$stray" ] || { echo "missing: $missing; not Docker's: $stray"; return 1; }
}

@test "inspect --format json: Docker's field names for containers, their State, images and volumes" {
	running web
	run -0 brig inspect --format json web
	docker_keys "AppArmorProfile Args Config Created Driver ExecIDs GraphDriver HostConfig
		HostnamePath HostsPath Id Image LogPath MountLabel Mounts Name NetworkSettings Path
		Platform ProcessLabel ResolvConfPath RestartCount State" "" Brig
	# Docker's types: no AppArmor profile or SELinux label asked for is "",
	# no exec instances null
	docker_types '.AppArmorProfile, .MountLabel, .ProcessLabel, .GraphDriver.Name' string
	docker_types '.ExecIDs' null
	docker_types '.GraphDriver.Data' object
	local ctr=$output
	[ "$(jq -r '.[0].AppArmorProfile' <<<"$ctr")" = "" ] || false
	run -0 jq '[.[0].State]' <<<"$output"
	docker_keys "Dead Error ExitCode FinishedAt OOMKilled Paused Pid Restarting Running
		StartedAt Status" "" ""
	run -0 brig image inspect --format json bb:1
	docker_keys "Architecture Author Comment Config Created GraphDriver Id Metadata Os Parent
		RepoDigests RepoTags RootFS Size" "" Brig
	docker_types '.Parent, .GraphDriver.Name, .Metadata.LastTagTime' string
	docker_types '.GraphDriver.Data' object
	# the image's one layer, unpacked, under the containers' storage driver
	[ "$(jq -r '.[0].GraphDriver.Name' <<<"$output")" = \
		"$(jq -r '.[0].GraphDriver.Name' <<<"$ctr")" ] || false
	[ -d "$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$output")" ] || false
	[ "$(jq -r '.[0].GraphDriver.Data | has("LowerDir")' <<<"$output")" = false ] || false
	[ "$(jq -r '.[0].Parent' <<<"$output")" = "" ] || false
	run -0 brig volume inspect --format json vol-web
	docker_keys "CreatedAt Driver Labels Mountpoint Name Options Scope" "" ""
	# the profile asked for is the one the runtime applies (made, not run:
	# this host may have no AppArmor)
	run -0 brig create --name aa --security-opt apparmor=brig-test bb:1 true
	run -0 brig inspect -f '{{.AppArmorProfile}}' aa
	[ "$output" = brig-test ] || false
}

# docker_types PATHS TYPE: each jq path of $output's first object is of TYPE.
docker_types() {
	local got
	got=$(jq -r ".[0] | [$1] | map(type) | unique | join(\",\")" <<<"$output")
	[ "$got" = "$2" ] || { echo "$1: $got, not $2"; return 1; }
}

@test "GraphDriver of a two-layer image and of its container: the layers top-most first" {
	run -0 brig run --name mk --read-write bb:1 touch /new
	run -0 brig commit mk two:1
	run -0 brig create --name two two:1 true
	run -0 brig image inspect --format json two:1
	local img=$output top base
	top=$(jq -r '.[0].GraphDriver.Data.UpperDir' <<<"$img")
	base=$(jq -r '.[0].GraphDriver.Data.LowerDir' <<<"$img")
	[ "${top##*/}" = "$(jq -r '.[0].RootFS.Layers[1][7:]' <<<"$img")" ] || false
	[ "$base" = "${top%/*}/$(jq -r '.[0].RootFS.Layers[0][7:]' <<<"$img")" ] || false
	run -0 brig inspect --format json two
	if [ "$(jq -r '.[0].GraphDriver.Name' <<<"$output")" = overlay ]; then
		# overlay's lowerdir order, as Docker's LowerDir
		[ "$(jq -r '.[0].GraphDriver.Data.LowerDir' <<<"$output")" = "$top:$base" ] || false
	fi
}

@test "image inspect: Metadata.LastTagTime is when brig last named the image" {
	run -0 brig image inspect -f '{{.Metadata.LastTagTime}}' bb:1
	local first=$output
	[[ "$first" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$ ]] || false
	run -0 brig tag bb:1 bb:again
	run -0 brig image inspect -f '{{.Metadata.LastTagTime}}' bb:1
	[[ "$output" > "$first" ]] || { echo "$output is not after $first"; false; }
	# an image with no recorded time: Docker's zero time
	jq '(.manifests[].annotations) |= del(."io.brig.tag.time")' "$ROOT/images/index.json" \
		>"$BATS_TEST_TMPDIR/index.json"
	cp "$BATS_TEST_TMPDIR/index.json" "$ROOT/images/index.json"
	run -0 brig image inspect -f '{{.Metadata.LastTagTime}}' bb:1
	[ "$output" = 0001-01-01T00:00:00Z ] || false
}

@test "the table directive: Docker's headers and columns aligned at tabs" {
	running web
	run -0 brig create --name a-much-longer-name bb:1 true
	run -0 brig ps -a --format 'table {{.ID}}\t{{.Names}}\t{{.State}}'
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ {3}NAMES\ {16}STATE$ ]] || false
	[ "${#lines[@]}" -eq 3 ] || false
	local col
	col=$(awk 'NR > 1 { print index($0, $2) }' <<<"$output" | sort -u)
	[ "$col" = 16 ] || { echo "names start at columns: $col"; false; }
	run -0 brig images --format 'table {{.Repository}}\t{{.Tag}}\t{{.CreatedAt}}'
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +CREATED\ AT$ ]] || false
	[[ "${lines[1]}" =~ ^bb\ {11}1\ {9}[0-9]{4}- ]] || false
}

@test "templates: if/eq/upper in ps, join and len in inspect, errors with a position" {
	running web
	run -0 brig create --name idle bb:1 true
	run -0 brig ps -a --format '{{if eq .State "running"}}{{upper .Names}}{{end}}'
	[ "$(printf '%s\n' "${lines[@]}" | sort | paste -sd' ')" = WEB ] || false
	run -0 brig ps --format '{{.Label "team"}}|{{.Label "none"}}|'
	[ "$output" = "blue||" ] || false
	run -0 brig inspect -f '{{join .Config.Cmd ","}}' web
	[ "$output" = "sleep,600" ] || false
	run -0 brig inspect -f '{{len .Mounts}} {{range .Mounts}}{{.Name}}{{else}}none{{end}}' web
	[ "$output" = "1 vol-web" ] || false
	run -0 brig ps --format '{{with .Labels}}{{printf "%-6s|" .}}{{end}}{{.Names | printf "%q"}}'
	[ "$output" = 'team=blue|"web"' ] || false
	run brig ps --format '{{.Names}} {{.Nope}}'
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"template: 1:14: no field Nope"* ]] || false
}
