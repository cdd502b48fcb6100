# shellcheck shell=bash
# SARIF logs checked by an independent validator: Microsoft's SARIF
# multitool from npm (tests/lib/sarif-validator, pinned by its lockfile,
# installed once per build directory by scripts/npm-peer.sh).  Its
# `validate` checks a log against the SARIF 2.1.0 JSON schema (JSON1xxx
# results) and the standard's rules (SARIF1xxx, SARIF2xxx); it always
# exits 0 and writes its findings as SARIF, so the error-level ones are
# read from there.
#
#   sarif_validate FILE   fails, printing each error, unless the validator
#                         finds no error in FILE; skips (saying npm's
#                         reason) when the validator cannot be installed

sarif_validate() {
	local f=$1 dir=${BRIG_BUILD:?}/sarif-validator out
	if ! "$BRIG_SRC/scripts/npm-peer.sh" sarif-validator "$dir" 2>"$BATS_TEST_TMPDIR/sarif.err"; then
		skip "the SARIF validator is not installed: $(tr '\n' ' ' <"$BATS_TEST_TMPDIR/sarif.err")"
	fi
	local tool=$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
	# npm-peer.sh runs no install script: this one would only have set the mode.
	chmod u+x "$tool"
	out=$BATS_TEST_TMPDIR/validation.sarif
	rm -f "$out"
	DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
		timeout 120 "$tool" validate "$f" -o "$out" >"$BATS_TEST_TMPDIR/validate.log" 2>&1
	[ -s "$out" ] || {
		echo "the SARIF validator wrote nothing:" >&2
		cat "$BATS_TEST_TMPDIR/validate.log" >&2
		return 1
	}
	local errors
	# a result without a level has its rule's default level
	errors=$(jq -r '.runs[] | .tool.driver.rules as $rules | .results[]? |
		select((.level // $rules[.ruleIndex // -1].defaultConfiguration.level // "warning") == "error") |
		"\(.ruleId) \(.locations[0].physicalLocation.region.startLine // "?"):\(.locations[0].physicalLocation.region.startColumn // "?") \(.message.arguments // [] | join(" | "))"' "$out") || {
		echo "the validator's output is not SARIF: $out" >&2
		return 1
	}
	[ -z "$errors" ] || {
		echo "$f: not valid SARIF 2.1.0:" >&2
		echo "$errors" >&2
		return 1
	}
}
