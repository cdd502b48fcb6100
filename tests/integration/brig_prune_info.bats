#!/usr/bin/env bats
# container prune, system prune and volume prune --all: they ask on a
# terminal, refuse without -f when nobody can answer, remove exactly what is
# unused and report it; brig info reads the real state of host and store.

bats_require_minimum_version 1.5.0

load ../lib/brig

setup_file() { brig_image_tar; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

ids() { brig ps -a -q --no-trunc | sort | tr '\n' ' '; }
set_of() { printf '%s\n' "$@" | sort | tr '\n' ' '; }

# A stopped, a created and a running container: $stopped $created $running
three_containers() {
	stopped=$(brig run -d --name stopped bb:1 true)
	created=$(brig create --name created bb:1 true)
	running=$(brig run -d --name running bb:1 sleep 1000)
	wait_field stopped '{{.State.Status}}' exited
	wait_field running '{{.State.Status}}' running
}

@test "container prune refuses without -f when stdin is not a terminal" {
	three_containers
	run brig container prune </dev/null
	[ "$status" -eq 1 ] || false
	[ "${#lines[@]}" -eq 1 ] || false
	[[ "$output" == *"not a terminal"*"-f"* ]] || false
	run ids
	[ "$output" = "$(set_of "$stopped" "$created" "$running")" ] || false
	run brig system prune </dev/null
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"not a terminal"* ]] || false
	run ids
	[ "$output" = "$(set_of "$stopped" "$created" "$running")" ] || false
}

@test "container prune asks on a terminal: no keeps, y removes" {
	command -v script >/dev/null || skip "script(1) is needed for a terminal"
	brig run -d --name stopped bb:1 true >/dev/null
	wait_field stopped '{{.State.Status}}' exited
	local cmd="$BRIG --root $ROOT container prune"
	run bash -c "echo n | script -qec '$cmd' /dev/null"
	[[ "$output" == *"WARNING! This will remove all stopped containers."* ]] || false
	[[ "$output" == *"Are you sure you want to continue? [y/N]"* ]] || false
	run brig ps -a -q
	[ "${#lines[@]}" -eq 1 ] || false
	run bash -c "echo y | script -qec '$cmd' /dev/null"
	[[ "$output" == *"Deleted Containers:"* ]] || false
	run brig ps -a -q
	[ "$output" = "" ] || false
}

@test "container prune -f removes exactly the stopped containers, keeps running ones" {
	three_containers
	run brig container prune -f
	[ "$status" -eq 0 ] || false
	[ "${lines[0]}" = "Deleted Containers:" ] || false
	[[ "$output" == *"$stopped"* && "$output" == *"$created"* ]] || false
	[[ "$output" != *"$running"* ]] || false
	[[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+[kMG]?B$ ]] || false
	run ids
	[ "$output" = "$(set_of "$running")" ] || false
	# filters: only the labelled one goes
	local keep go
	keep=$(brig create bb:1 true)
	go=$(brig create --label drop=yes bb:1 true)
	run brig container prune -f --filter label=drop=yes
	[[ "$output" == *"$go"* && "$output" != *"$keep"* ]] || false
	run brig container prune -f --filter until=1h # all are younger
	[[ "$output" != *"$keep"* ]] || false
	run ids
	[ "$output" = "$(set_of "$running" "$keep")" ] || false
	run brig container prune -f --filter colour=red
	[ "$status" -ne 0 ] || false
}

@test "volume prune --all asks: refused without -f off a terminal" {
	brig volume create keepme >/dev/null
	run brig volume prune --all </dev/null
	[ "$status" -eq 1 ] || false
	[[ "$output" == *"not a terminal"* ]] || false
	run brig volume ls -q
	[ "$output" = keepme ] || false
	run brig volume prune --all -f
	[[ "$output" == *keepme* ]] || false
	run brig volume ls -q
	[ "$output" = "" ] || false
}

@test "system prune -a --volumes -f: stopped containers, their volumes, unused images, blobs" {
	brig import --change 'LABEL v=2' "$BRIG_TAR" bb:2 >/dev/null
	local stopped running
	stopped=$(brig run -d -v /data --name stopped bb:2 true)
	running=$(brig run -d --name running bb:1 sleep 1000)
	wait_field stopped '{{.State.Status}}' exited
	brig volume create named >/dev/null
	run brig volume ls -q
	[ "${#lines[@]}" -eq 2 ] || false
	run brig system prune -a --volumes -f
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"Deleted Containers:"*"$stopped"* ]] || false
	[[ "$output" == *"Deleted Volumes:"* ]] || false
	[[ "$output" == *"Deleted Images:"*"untagged: bb:2"* ]] || false
	[[ "$output" != *"untagged: bb:1"* ]] || false
	[[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+[kMG]?B$ ]] || false
	[[ "${lines[-1]}" != *" 0B" ]] || false
	run ids
	[ "$output" = "$(set_of "$running")" ] || false
	run brig images --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = bb:1 ] || false
	run brig volume ls -q # the named volume stays: only anonymous ones go
	[ "$output" = named ] || false
	run brig image prune --dry-run # nothing left for the gc
	[[ "$output" == *"Would delete blobs: 0"* ]] || false
}

@test "info: Docker's fields with the real values, and brig's own" {
	brig run -d --name running bb:1 sleep 1000 >/dev/null
	brig run -d --name stopped bb:1 true >/dev/null
	wait_field stopped '{{.State.Status}}' exited
	run brig info --format json
	[ "$status" -eq 0 ] || false
	local j=$output
	[ "$(jq -r .Containers <<<"$j")" -eq "$(brig ps -a -q | wc -l)" ] || false
	[ "$(jq -r .ContainersRunning <<<"$j")" -eq "$(brig ps -q | wc -l)" ] || false
	[ "$(jq -r .ContainersStopped <<<"$j")" -eq 1 ] || false
	[ "$(jq -r .ContainersPaused <<<"$j")" -eq 0 ] || false
	[ "$(jq -r .Images <<<"$j")" -eq "$(brig images -q | sort -u | wc -l)" ] || false
	[ "$(jq -r .Driver <<<"$j")" = "$(field running '{{.GraphDriver.Name}}')" ] || false
	[ "$(jq -r .KernelVersion <<<"$j")" = "$(uname -r)" ] || false
	[ "$(jq -r .NCPU <<<"$j")" -eq "$(getconf _NPROCESSORS_ONLN)" ] || false
	local kb
	kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	[ "$(jq -r .MemTotal <<<"$j")" -eq $((kb * 1024)) ] || false
	[ "$(jq -r .DockerRootDir <<<"$j")" = "$ROOT" ] || false
	local profile digest
	profile=$(jq -r .Brig.Seccomp.Profile <<<"$j")
	digest=$(jq -r .Brig.Seccomp.Digest <<<"$j")
	[ "$digest" = "sha256:$(sha256sum "$profile" | cut -d' ' -f1)" ] || false
	[ "$digest" = "$(field running '{{.Brig.Security.Seccomp.Digest}}')" ] || false
	[[ "$(jq -r '.SecurityOptions[0]' <<<"$j")" == "name=seccomp,profile=$profile" ]] || false
	local rootless=false
	[ "$(id -u)" -eq 0 ] || rootless=true
	[ "$(jq -r .Brig.Rootless <<<"$j")" = "$rootless" ] || false
	local layout=v1
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		layout=v2
	elif grep -q ' cgroup2 ' /proc/self/mountinfo; then
		layout=hybrid
	fi
	[ "$(jq -r .Brig.Cgroups.Layout <<<"$j")" = "$layout" ] || false
	[ "$(jq -r .Brig.Userns.InUse[0].HostUid <<<"$j")" = "$(field running '{{.Brig.Userns.HostUid}}')" ] || false
	[ "$(jq -r .Brig.KernelFeatures.Openat2 <<<"$j")" = true ] || false
	run brig info -f '{{.Driver}} {{.Containers}}'
	[ "$output" = "$(field running '{{.GraphDriver.Name}}') 2" ] || false
	run brig system info
	[ "$status" -eq 0 ] || false
	[[ "$output" == *"Storage Driver: $(field running '{{.GraphDriver.Name}}')"* ]] || false
	[[ "$output" == *"Seccomp Profile Digest: $digest"* ]] || false
	# Docker's units for memory: 1024s, four digits ("15.55GiB")
	[[ "$output" =~ "Total Memory: "[0-9.]+[KMGT]iB ]] || false
}
