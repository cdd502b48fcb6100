#!/usr/bin/env bats
# A real distribution in brig: a Debian 12 minbase root filesystem (made
# once by scripts/setup.sh with debootstrap, see scripts/mkdebian.sh) is
# imported and runs apt-get and dpkg in a default (read-only, confined)
# container.

load ../lib/brig

# One store for the file: the Debian image is large.
BRIG_ROOT=$BATS_FILE_TMPDIR/root

setup_file() {
	DEBIAN_TAR=${BRIG_DEBIAN_TAR:-/var/cache/brig/debian-bookworm-minbase.tar}
	export DEBIAN_TAR
	[ -s "$DEBIAN_TAR" ] || {
		echo "missing $DEBIAN_TAR: run scripts/setup.sh (it makes it with debootstrap)" >&2
		return 1
	}
	BRIG_TAR=$DEBIAN_TAR brig_setup debian:bookworm-minbase
}

setup() { brig_setup; }

@test "debian minbase: apt-get --version" {
	run brig run --rm debian:bookworm-minbase apt-get --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^apt\ 2\.6\. ]]
}

@test "debian minbase: dpkg -l lists the installed base system" {
	run brig run --rm debian:bookworm-minbase dpkg -l
	[ "$status" -eq 0 ]
	grep -Eq '^ii +apt +2\.6\.' <<<"$output"
	grep -Eq '^ii +dpkg +1\.21\.' <<<"$output"
	grep -Eq '^ii +libc6:amd64 +2\.36' <<<"$output"
	[ "$(grep -c '^ii ' <<<"$output")" -gt 80 ]
}

@test "debian minbase: root in the container writes nothing to the read-only image" {
	run brig run --rm debian:bookworm-minbase sh -c 'touch /etc/x 2>/dev/null; echo $?; id -u; cat /etc/debian_version'
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 0 ]
	[[ "${lines[2]}" =~ ^12\. ]]
}
