#!/usr/bin/env bats
# Shell completion and man pages.  Both are made from the command tables and
# each command's own option table, so the tests walk the tables
# (`brig help --commands`, `brig-runtime --help`) and the commands' --help:
# a command or option added later without a page or a completion fails here.

bats_require_minimum_version 1.5.0

load ../lib/brig

PAGES=${BRIG_BUILD:?}/src/cli/pages
RT=$BRIG_BUILD/src/cli/runtime/brig-runtime

setup_file() {
	brig_image_tar
}

setup() {
	brig_setup comp/busybox:1.36
	# The scripts run "brig" as the user typed it: a brig on PATH that uses
	# this test's store.
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$BRIG" "$ROOT" >"$BATS_TEST_TMPDIR/bin/brig"
	chmod +x "$BATS_TEST_TMPDIR/bin/brig"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH
}

teardown() { brig_teardown; }

# The long options a command's --help lists, one a line, sorted.
help_options() { # PROGRAM WORDS...
	"$@" --help | grep -oE '^ +(-., )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u
}

# The long options PAGE documents (as \fB\-\-name\fR), one a line, sorted.
page_options() {
	grep -oE '\\fB\\-\\-[a-z0-9\\-]+\\fR' "$1" | sed -e 's/^\\fB//' -e 's/\\fR$//' \
		-e 's/\\-/-/g' | sort -u
}

# options_missing PAGE PROGRAM WORDS...: the options --help lists that PAGE
# lacks, one a line.
options_missing() {
	local page=$1
	shift
	comm -23 <(help_options "$@") <(page_options "$page")
}

# bash_complete WORDS...: the candidates bash's completion function offers
# for the last word (which may be ""), one a line, as $output.
bash_complete() {
	local script=$BATS_TEST_TMPDIR/brig.bash
	"$BRIG" completion bash >"$script" || return 1
	run bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_brig; printf "%s\n" "${COMPREPLY[@]}"' _ "$script" brig "$@"
	[ "$status" -eq 0 ] || false
}

@test "man: every brig command has a page listing every option its --help lists" {
	run --separate-stderr "$BRIG" help --commands
	[ "$status" -eq 0 ] || false
	local c page bad=() o
	[ -s "$PAGES/man1/brig.1" ] || false
	for c in "${lines[@]}"; do
		page=$PAGES/man1/brig-${c// /-}.1
		if [ ! -s "$page" ]; then
			bad+=("$c: no $page")
			continue
		fi
		local name=brig-${c// /-}
		grep -qF -- "${name//-/\\-} \\- " "$page" || bad+=("$c: no NAME line")
		# shellcheck disable=SC2086 # a path is one or two words
		for o in $(options_missing "$page" "$BRIG" $c); do
			bad+=("$c: $o missing from $page")
		done
		# brig(1) lists the command.
		grep -qF -- "\\fBbrig ${c//-/\\-}\\fR" "$PAGES/man1/brig.1" || bad+=("$c: not in brig(1)")
	done
	printf '%s\n' "${bad[@]}"
	[ "${#bad[@]}" -eq 0 ] || false
}

@test "man: brig-runtime(8) and a page per verb with its options; brig.conf(5) has every key" {
	local v bad=() o verbs
	verbs=$("$RT" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 {print $1}')
	[ "$(wc -w <<<"$verbs")" -ge 15 ] || false
	for v in $verbs; do
		[ "$v" != help ] || continue
		local page=$PAGES/man8/brig-runtime-$v.8
		[ -s "$page" ] || { bad+=("$v: no page"); continue; }
		for o in $(options_missing "$page" "$RT" "$v"); do
			bad+=("$v: $o missing")
		done
		grep -qF -- "\\fB$v\\fR" "$PAGES/man8/brig-runtime.8" || bad+=("$v: not in brig-runtime(8)")
	done
	local key
	for key in $(jq -r 'keys[]' "$BRIG_SRC/etc/brig.conf.example"); do
		grep -qF -- "${key//-/\\-}" "$PAGES/man5/brig.conf.5" || bad+=("brig.conf(5): no $key")
	done
	printf '%s\n' "${bad[@]}"
	[ "${#bad[@]}" -eq 0 ] || false
}

@test "man: every page renders without a groff warning" {
	command -v groff >/dev/null || skip "groff is not installed (scripts/setup.sh installs groff-base)"
	# one groff for every page (a warning names its file and line)
	local pages=("$PAGES"/man?/*.?)
	[ "${#pages[@]}" -gt 100 ] || { echo "only ${#pages[@]} pages" >&2; false; }
	run groff -man -ww -z "${pages[@]}"
	[ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$output" >&2; false; }
}

@test "man and completion: meson install puts them where man, bash, zsh and fish look" {
	local dest=$BATS_TEST_TMPDIR/dest
	run meson install -C "$BRIG_BUILD" --no-rebuild --destdir "$dest"
	[ "$status" -eq 0 ] || false
	local share
	share=$(find "$dest" -type d -path '*/share/man' | head -1)
	share=${share%/man}
	[ -n "$share" ] || false
	[ -s "$share/man/man1/brig-run.1" ] || false
	[ -s "$share/man/man5/brig.conf.5" ] || false
	[ -s "$share/man/man8/brig-runtime.8" ] || false
	run diff "$share/bash-completion/completions/brig" <("$BRIG" completion bash)
	[ "$status" -eq 0 ] || false
	run diff "$share/zsh/vendor-completions/_brig" <("$BRIG" completion zsh)
	[ "$status" -eq 0 ] || false
	run diff "$share/fish/vendor_completions.d/brig.fish" <("$BRIG" completion fish)
	[ "$status" -eq 0 ] || false
}

@test "bash: commands, subcommands and a command's options from its own table" {
	bash_complete st
	[ "$output" = "$(printf 'start\nstop\nstats')" ] || false
	bash_complete image l
	[ "$output" = "$(printf 'ls\nload')" ] || false
	bash_complete stop --t
	[ "$output" = "$(printf -- '--timeout\n--time')" ] || false
	# Every option of run's --help is offered after "run -".
	bash_complete run --
	[ "$(sort <<<"$output")" = "$( (help_options "$BRIG" run; echo --help) | sort -u)" ] || false
	# Global options are skipped over, their values too.
	bash_complete --root /x ima
	[ "$output" = "$(printf 'images\nimage')" ] || false
}

@test "bash: container, image and volume names where the command takes them; files elsewhere" {
	run brig create --name comp-one comp/busybox:1.36 true
	[ "$status" -eq 0 ] || false
	run brig volume create comp-vol
	[ "$status" -eq 0 ] || false
	bash_complete stop comp
	[ "$output" = comp-one ] || false
	bash_complete logs -f ""
	[ "$output" = comp-one ] || false
	bash_complete run --rm comp/
	[ "$output" = comp/busybox:1.36 ] || false
	bash_complete volume rm c
	[ "$output" = comp-vol ] || false
	# A file argument: bash's file names.
	touch "$BATS_TEST_TMPDIR/complete-file.tar"
	bash_complete load -i "$BATS_TEST_TMPDIR/complete-f"
	[ "$output" = "$BATS_TEST_TMPDIR/complete-file.tar" ] || false
	# No container names where an image goes, no files where a container goes.
	bash_complete stop "$BATS_TEST_TMPDIR/complete-f"
	[ -z "$output" ] || false
}

@test "zsh: the script offers what brig answers (compadd) or files" {
	command -v zsh >/dev/null || skip "zsh is not installed (scripts/setup.sh installs it)"
	run brig create --name comp-zsh comp/busybox:1.36 true
	[ "$status" -eq 0 ] || false
	"$BRIG" completion zsh >"$BATS_TEST_TMPDIR/_brig"
	run zsh -n "$BATS_TEST_TMPDIR/_brig"
	[ "$status" -eq 0 ] || false
	# zsh's completion builtins, stood in for: compadd prints what it is
	# given, _files says it was asked.
	local prog='compdef() { :; }; compadd() { [[ $1 == -a ]] && print -l -- "${(@P)2}"; };
		_files() { print FILES; }; source "$1"; shift; words=("$@"); CURRENT=$#; _brig'
	run zsh -c "$prog" _ "$BATS_TEST_TMPDIR/_brig" brig sto
	[ "$status" -eq 0 ] || false
	[[ $output == *stop* ]] || false
	run zsh -c "$prog" _ "$BATS_TEST_TMPDIR/_brig" brig rm ""
	[[ $output == *comp-zsh* ]] || false
	run zsh -c "$prog" _ "$BATS_TEST_TMPDIR/_brig" brig load -i ""
	[ "$output" = FILES ] || false
}

@test "fish: complete -C offers commands, options and container names" {
	command -v fish >/dev/null || skip "fish is not installed (scripts/setup.sh installs it)"
	run brig create --name comp-fish comp/busybox:1.36 true
	[ "$status" -eq 0 ] || false
	"$BRIG" completion fish >"$BATS_TEST_TMPDIR/brig.fish"
	run env HOME="$BATS_TEST_TMPDIR" XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/cfg" fish --no-config -c \
		"source $BATS_TEST_TMPDIR/brig.fish; complete -C 'brig sta'; echo ==; complete -C 'brig stop --'; echo ==; complete -C 'brig rm '"
	[ "$status" -eq 0 ] || false
	local part1=${output%%==*} rest=${output#*==}
	[[ $part1 == *start* && $part1 == *stats* && $part1 != *stop* ]] || false
	[[ ${rest%%==*} == *--time* ]] || false
	[[ ${rest#*==} == *comp-fish* ]] || false
}

@test "completion: a shell brig has no script for, or none, is one line and exit 1" {
	run --separate-stderr "$BRIG" completion tcsh
	[ "$status" -eq 1 ] || false
	[ "$stderr" = 'brig: completion: "tcsh" is not bash, zsh or fish' ] || false
	run --separate-stderr "$BRIG" completion
	[ "$status" -eq 1 ] || false
	[ "${#stderr_lines[@]}" -eq 1 ] || false
}
