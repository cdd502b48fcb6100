#!/bin/sh
# Installs, only when missing, the Debian packages that building and testing
# brig need.  Idempotent; runs offline when everything is already present.
set -eu

PKGS="meson ninja-build pkg-config gcc clang clang-format libclang-rt-14-dev \
libseccomp-dev libcap-dev libjansson-dev libarchive-dev libisal-dev libssl-dev \
libcurl4-openssl-dev libcmocka-dev bats \
runc crun podman buildah conmon containerd skopeo umoci docker-registry notary busybox-static \
bubblewrap hyperfine uidmap iproute2 debootstrap jq util-linux zstd gzip \
python3-cryptography git btrfs-progs apache2-utils openssl groff-base fish zsh \
passt slirp4netns nftables libnftables-dev libmnl-dev iperf3 libsodium-dev libgpgme-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$missing" ]; then
    # brig's subordinate ids, and the Debian root filesystem the image
    # tests run (once; root only).
    [ "$(id -u)" -ne 0 ] || { "$here/mksubids.sh" && "$here/mkdebian.sh"; }
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages:$missing (run as root to install them)" >&2
    exit 1
fi

echo "setup: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Refresh the lists only when they are absent or the install fails with them.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    apt-get update -q
fi
# Do not let package scripts start daemons (docker-registry, notary): the
# tests start their own servers on loopback.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    made_policy=1
fi
rc=0
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || {
    apt-get update -q && apt-get install -y -q --no-install-recommends $missing
} || rc=$?
[ "$made_policy" = 1 ] && rm -f "$policy"
[ "$rc" -ne 0 ] || { "$here/mksubids.sh" && "$here/mkdebian.sh"; } || rc=$?
exit $rc
