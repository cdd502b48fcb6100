#!/usr/bin/env bats
# Terminal injection (issue 20, A4): labels, Cmd, -l values and a process's
# argv holding ESC, CR, LF, BS, DEL and C1 controls are shown escaped by
# every command that prints for people; JSON output stays exact (the same
# strings after decoding).  And B8: a template command with too many arguments.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

setup_file() { brig_image_tar; }

setup() {
	brig_setup
	# ESC [2J (clear), OSC title, CR, LF and a forged row, BS, DEL, C1 CSI (U+009B).
	EVIL=$'\e[2J\e]0;pwned\a\rX\nFORGED-ROW\b\x7f\xc2\x9b1m'
}

teardown() { brig_teardown; }

# clean WHAT: $output holds no raw control byte (TAB and the line feeds
# between lines aside), no C1 control, and no forged row.
clean() {
	if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' <<<"$output"; then
		echo "$1 printed raw control bytes:" >&2
		od -c <<<"$output" | head -20 >&2
		return 1
	fi
	if grep -q '^FORGED-ROW' <<<"$output"; then
		echo "$1 printed a forged row" >&2
		return 1
	fi
}

@test "A4: every human-readable output escapes control characters" {
	local cmd i
	cmd=$(jq -cn --arg s "sleep 1000 # $EVIL" '["sh", "-c", $s]')
	run -0 brig import -c "LABEL evil=$EVIL" -c "CMD $cmd" "$BATS_FILE_TMPDIR/rootfs.tar" bad:1
	run -0 brig run -d -l "lbl=$EVIL" bad:1
	id=$output
	run -0 brig volume create --label "v=$EVIL" vol1
	for ((i = 0; i < 100; i++)); do
		run -0 brig top "$id"
		[[ "$output" == *sleep* ]] && break
		sleep 0.1
	done
	[[ "$output" == *sleep* ]] || false
	clean "top"
	[[ "$output" == *'\x1b[2J'* ]] || false
	run -0 brig ps
	clean "ps"
	[ "${#lines[@]}" -eq 2 ] || false
	run -0 brig ps --no-trunc
	clean "ps --no-trunc"
	[ "${#lines[@]}" -eq 2 ] || false
	[[ "$output" == *'\x1b[2J'* ]] || false
	run -0 brig ps --format '{{.Command}} {{.Labels}}'
	clean "ps --format"
	[ "${#lines[@]}" -eq 1 ] || false
	run -0 brig ps --format 'table {{.Command}}\t{{.Labels}}'
	clean "ps --format table"
	run -0 brig inspect -f '{{.Config.Labels}} {{.Config.Cmd}} {{index .Config.Labels "lbl"}} {{json .Config.Labels}}' "$id"
	clean "inspect -f"
	[ "${#lines[@]}" -eq 1 ] || false
	run -0 brig image inspect -f '{{.Config.Labels}} {{json .Config.Cmd}}' bad:1
	clean "image inspect -f"
	run -0 brig images
	clean "images"
	run -0 brig images --format '{{.Repository}}'
	clean "images --format"
	run -0 brig events --since 0 --until 0s
	clean "events"
	run -0 brig events --since 0 --until 0s --format '{{.Actor.Attributes}}'
	clean "events --format"
	run -0 brig volume ls
	clean "volume ls"
	run -0 brig volume ls --format '{{.Name}} {{.Labels}}'
	clean "volume ls --format"
	# JSON stays exact: the label decodes to the very bytes given.
	run -0 brig inspect "$id"
	run -0 jq -j '.[0].Config.Labels.lbl' <<<"$output"
	[ "$output" = "$EVIL" ] || false
	run -0 brig volume rm vol1
}

@test "B8: a template command with too many arguments is an error, not an overflow" {
	run -0 brig import "$BATS_FILE_TMPDIR/rootfs.tar" bb:1
	run -0 brig create -l a=b bb:1 true
	id=$output
	run brig inspect -f '{{index .Config.Labels "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q"}}' "$id"
	echo "# $status $output" >&3
	[ "$status" -ne 0 ] || false
	[[ "$output" == *"too many arguments"* ]] || false
	run -0 brig inspect -f '{{index .Config.Labels "a"}}' "$id"
	[ "$output" = b ] || false
}
