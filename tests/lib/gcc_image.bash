# shellcheck shell=bash
# gcc_image_tar OUT: a root filesystem tarball holding this host's own gcc
# (Debian's gcc-12, binutils, libc6-dev and what they load), taken from the
# files dpkg lists for those packages, for a build test that compiles C
# offline (the Debian minbase image has no gcc and builds have no network).
# Left out: documentation (/usr/share), LTO, the sanitizers, gold and the
# binutils a compile does not run.  Paths are written canonical (beneath
# usr/ on a merged-/usr host) with the top-level links (bin, lib, lib64,
# sbin) as links.  Returns 1 when a package is not installed.

GCC_IMAGE_PKGS="gcc gcc-12 cpp-12 binutils binutils-x86-64-linux-gnu libbinutils libctf0
libctf-nobfd0 libc6 libc6-dev libc-dev-bin linux-libc-dev libgcc-12-dev libgcc-s1 libisl23
libmpc3 libmpfr6 libgmp10 libzstd1 zlib1g libjansson4 libcrypt1 libcrypt-dev"

gcc_image_tar() {
	local out=$1 list l
	list=$(mktemp "$BATS_FILE_TMPDIR/gccfiles.XXXXXX") || return 1
	# shellcheck disable=SC2086
	dpkg -L $GCC_IMAGE_PKGS >"$list.raw" 2>/dev/null || return 1
	# one sed (no process per file): a top-level directory that is a link
	# (merged /usr) is written as its target
	local canon=""
	for l in bin lib lib64 sbin; do
		[ -L "/$l" ] && canon+="s,^/$l/,/$(readlink "/$l")/,;"
	done
	grep -v -e '^/usr/share' -e '^/etc' -e 'lto1$' -e 'lto-dump' -e 'san\.' -e 'gprofng' \
		-e 'ld\.gold' -e 'dwp' -e 'gcov' -e 'readelf' -e 'objdump' -e 'libitm' \
		-e '^/\.$' "$list.raw" | sed -e "${canon}s,^/,," |
		sort -u >"$list"
	# (once: dpkg lists some of them too; a second entry would be a hard
	# link to itself, which buildah refuses)
	for l in bin lib lib64 sbin; do
		[ -L "/$l" ] && ! grep -qx "$l" "$list" && printf '%s\n' "$l" >>"$list"
	done
	mkdir -p "$BATS_FILE_TMPDIR/gcctmp" && chmod 1777 "$BATS_FILE_TMPDIR/gcctmp"
	tar -C / --numeric-owner --no-recursion --ignore-failed-read -cf "$out" -T "$list" &&
		tar -C "$BATS_FILE_TMPDIR" --numeric-owner --no-recursion \
			--transform 's,^gcctmp,tmp,' -rf "$out" gcctmp
	local rc=$?
	rm -f "$list" "$list.raw"
	return $rc
}
