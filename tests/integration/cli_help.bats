#!/usr/bin/env bats
# Every command and subcommand of brig and brig-runtime answers --help (and
# -h where the command gives the letter no other meaning) with its usage on
# stdout and exit 0.  The commands come from each program's own command
# table (`brig help --commands`, the Commands: list of `brig-runtime
# --help`), so a new command cannot forget its help.

bats_require_minimum_version 1.5.0

setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	RT=${BRIG_BUILD:?}/src/cli/runtime/brig-runtime
	ROOT=$BATS_TEST_TMPDIR/root
}

# brig_commands: every command path of brig, one a line.
brig_commands() {
	run --separate-stderr "$BRIG" help --commands
	[ "$status" -eq 0 ] || false
	[ -z "$stderr" ] || false
	[ "${#lines[@]}" -ge 40 ] || false # the table as it stands, at least
	commands=("${lines[@]}")
}

@test "brig: every command in the table answers --help with its usage on stdout, exit 0" {
	brig_commands
	local c bad=()
	for c in "${commands[@]}"; do
		# shellcheck disable=SC2086 # a path is one or two words
		run --separate-stderr "$BRIG" --root "$ROOT" $c --help
		if [ "$status" -ne 0 ] || [[ $output != "Usage: brig $c"* ]] || [ -n "$stderr" ]; then
			bad+=("$c: status $status, stdout '${output:0:60}', stderr '$stderr'")
		fi
	done
	printf '%s\n' "${bad[@]}"
	[ "${#bad[@]}" -eq 0 ] || false
}

@test "brig: -h is help wherever the command has no -h option of its own" {
	brig_commands
	local c bad=()
	for c in "${commands[@]}"; do
		case $c in run | create | "container run" | "container create") continue ;; esac
		# shellcheck disable=SC2086
		run --separate-stderr "$BRIG" --root "$ROOT" $c -h
		if [ "$status" -ne 0 ] || [[ $output != "Usage: brig $c"* ]]; then
			bad+=("$c: status $status, stdout '${output:0:60}', stderr '$stderr'")
		fi
	done
	printf '%s\n' "${bad[@]}"
	[ "${#bad[@]}" -eq 0 ] || false
}

@test "brig run -h is --hostname (Docker's), and run --help is help" {
	run --separate-stderr "$BRIG" --root "$ROOT" run --help
	[ "$status" -eq 0 ] || false
	[[ $output == *"-h, --hostname NAME"* ]] || false
	[[ $output == *"    --help "* ]] || false
}

@test "brig help COMMAND shows that command's help; bare groups list their subcommands" {
	run --separate-stderr "$BRIG" --root "$ROOT" help stop
	[ "$status" -eq 0 ] || false
	[[ $output == "Usage: brig stop "* ]] || false
	run --separate-stderr "$BRIG" --root "$ROOT" help volume ls
	[ "$status" -eq 0 ] || false
	[[ $output == "Usage: brig volume ls "* ]] || false
	local g
	for g in container image system volume; do
		run --separate-stderr "$BRIG" --root "$ROOT" "$g"
		[ "$status" -eq 0 ] || false
		[[ $output == "Usage: brig $g COMMAND"* ]] || false
		[[ $output == *"Commands:"* ]] || false
	done
}

@test "brig: an unknown command or subcommand is one line on stderr, exit 1" {
	run --separate-stderr "$BRIG" --root "$ROOT" frobnicate
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: 'frobnicate' is not a brig command; see 'brig --help'" ] || false
	run --separate-stderr "$BRIG" --root "$ROOT" image frobnicate
	[ "$status" -eq 1 ] || false
	[ "$stderr" = "brig: 'image frobnicate' is not a brig command; see 'brig image --help'" ] || false
	[ -z "$output" ] || false
}

@test "brig-runtime: every command answers --help and -h on stdout, exit 0" {
	run --separate-stderr "$RT" --help
	[ "$status" -eq 0 ] || false
	[ -z "$stderr" ] || false # runc prints help on stdout
	local cmds c bad=()
	mapfile -t cmds < <(sed -n '/^Commands:/,/^$/{/^  [a-z]/s/^  \([a-z-]*\).*/\1/p}' <<<"$output")
	[ "${#cmds[@]}" -ge 17 ] || false
	for c in "${cmds[@]}"; do
		for h in --help -h; do
			run --separate-stderr "$RT" --root "$BATS_TEST_TMPDIR/state" "$c" "$h"
			if [ "$status" -ne 0 ] || [[ $output != "Usage: brig-runtime $c"* ]] || [ -n "$stderr" ]; then
				bad+=("$c $h: status $status, stdout '${output:0:60}', stderr '$stderr'")
			fi
		done
	done
	printf '%s\n' "${bad[@]}"
	[ "${#bad[@]}" -eq 0 ] || false
}
