#!/bin/bash
# mkrootfs.sh DIR: build a minimal busybox root filesystem in DIR.
#
# Uses the host's static busybox (Debian busybox-static), so no network is
# needed.  Every applet gets a symlink at its usual place; /etc holds passwd,
# group and hostname with root, a user 1000 and nobody.  Idempotent: running it
# again on the same DIR rewrites the same files.
set -euo pipefail

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
dir=$1
busybox=${BUSYBOX:-/bin/busybox}

if ! "$busybox" --list >/dev/null 2>&1; then
	echo "mkrootfs: $busybox is not a working busybox (install busybox-static)" >&2
	exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
	echo "mkrootfs: $busybox is dynamically linked; need busybox-static" >&2
	exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc root tmp proc sys dev home/user var/tmp run
chmod 1777 tmp var/tmp
chmod 0700 root
install -m 0755 "$busybox" bin/busybox

# Applet links, relative so they resolve inside the container.  "--list-full"
# gives each applet's conventional directory (bin/ls, usr/bin/id, sbin/ip).
# One perl (Debian's perl-base is essential) makes all ~400 of them: an `ln`
# per link cost a test file seconds of CPU.
"$busybox" --list-full | perl -e '
	while (my $a = <STDIN>) {
		chomp $a;
		next if $a eq "bin/busybox" || $a !~ m{/};
		my $t = ($a =~ m{^[^/]+/[^/]+/}) ? "../../bin/busybox" : "../bin/busybox";
		next if -l $a && readlink($a) eq $t;
		unlink $a;
		symlink($t, $a) or die "mkrootfs: symlink $a: $!\n";
	}'

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
user:x:1000:
users:x:100:user
nogroup:x:65534:
EOF
echo brig >etc/hostname
: >etc/resolv.conf
: >etc/hosts
chown 1000:1000 home/user
chmod 0644 etc/passwd etc/group etc/hostname
