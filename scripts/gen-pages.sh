#!/bin/sh
# gen-pages.sh BRIG BRIG_RUNTIME SRCDIR OUTDIR STAMP: what the build makes
# from the command tables and docs for `make install`:
#   OUTDIR/man1  brig(1) and brig-COMMAND(1)    (brig help --man)
#   OUTDIR/man8  brig-runtime(8) and its verbs   (brig-runtime help --man)
#   OUTDIR/man5  brig.conf(5)                    (docs/engine-config.md)
#   OUTDIR/completion/{brig.bash,_brig,brig.fish}  (brig completion SHELL)
# then touches STAMP.  Run by meson (src/cli/meson.build); nothing here is
# kept by hand.
set -eu
[ $# -eq 5 ] || { echo "usage: gen-pages.sh BRIG BRIG_RUNTIME SRCDIR OUTDIR STAMP" >&2; exit 2; }
brig=$1 runtime=$2 src=$3 out=$4 stamp=$5
# The sanitizer build runs these too; a leak report at exit is not a failure here.
export ASAN_OPTIONS=detect_leaks=0
rm -rf "$out"
mkdir -p "$out/man1" "$out/man5" "$out/man8" "$out/completion"
"$brig" help --man "$out/man1"
"$runtime" help --man "$out/man8"
python3 "$src/scripts/md2man.py" --skip API brig.conf 5 "brig's engine configuration" \
	"$src/docs/engine-config.md" "$out/man5/brig.conf.5"
"$brig" completion bash >"$out/completion/brig.bash"
"$brig" completion zsh >"$out/completion/_brig"
"$brig" completion fish >"$out/completion/brig.fish"
touch "$stamp"
