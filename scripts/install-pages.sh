#!/bin/sh
# install-pages.sh OUTDIR: meson's install script for what gen-pages.sh made:
# man pages into PREFIX/share/man, completions where bash-completion, zsh
# and fish look for them.  Honours DESTDIR through
# MESON_INSTALL_DESTDIR_PREFIX.
set -eu
out=$1
dest=${MESON_INSTALL_DESTDIR_PREFIX:?run by meson install}
for s in 1 5 8; do
	install -d "$dest/share/man/man$s"
	install -m 0644 "$out/man$s"/*."$s" "$dest/share/man/man$s/"
done
install -D -m 0644 "$out/completion/brig.bash" "$dest/share/bash-completion/completions/brig"
install -D -m 0644 "$out/completion/_brig" "$dest/share/zsh/vendor-completions/_brig"
install -D -m 0644 "$out/completion/brig.fish" "$dest/share/fish/vendor_completions.d/brig.fish"
