#!/bin/bash
# run-all.sh BUILD_DIR: run every benchmark script in bench/ (each prints its
# own results and ratios).  Exits non-zero if any of them failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[[ $build == /* ]] || build=$PWD/$build
failed=0

for script in "$here"/*.sh; do
	[ "$(basename "$script")" = run-all.sh ] && continue
	printf '==> %s\n' "$(basename "$script" .sh)"
	if ! "$script" "$build"; then
		printf '%s failed\n' "$(basename "$script")"
		failed=$((failed + 1))
	fi
done
exit $((failed > 0))
