#!/bin/bash
# build.sh OUTDIR: compile every escape probe (probe_*.c) in this directory
# into a static executable OUTDIR/probe_NAME, with the project's warning
# flags.  For use without meson; a meson build with tests makes the same
# files in BUILD/tests/hostile/probes.  Set CC to use another compiler.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")" && pwd)
out=$1
cc=${CC:-gcc}
flags=(-std=gnu17 -D_GNU_SOURCE -O2 -static -Wall -Wextra -Werror -Wshadow -Wformat=2
	-Wmissing-prototypes -Wstrict-prototypes -Wvla -Wimplicit-fallthrough)

mkdir -p "$out"
for c in "$src"/probe_*.c; do
	name=$(basename "$c" .c)
	tmp=$(mktemp "$out/.$name.XXXXXX")
	if ! "$cc" "${flags[@]}" -o "$tmp" "$c"; then
		rm -f "$tmp"
		exit 1
	fi
	chmod 0755 "$tmp"
	mv -f "$tmp" "$out/$name"
done
