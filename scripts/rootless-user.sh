#!/bin/sh
# rootless-user.sh: the unprivileged user the rootless tests run brig as.
#
#   scripts/rootless-user.sh [create]   make it (idempotent); prints its name
#   scripts/rootless-user.sh remove     remove it, its home, its runtime
#                                        directory and its subordinate ids
#   scripts/rootless-user.sh env        print its environment (KEY=VALUE lines)
#
# The user (BRIG_RL_USER, default brigrl) gets a home of its own, an
# XDG_RUNTIME_DIR (/run/user/UID, its own, mode 0700, as pam_systemd would
# make) and its own entries in /etc/subuid and /etc/subgid, away from the
# range of the system user "brig" (which this script never touches):
# 16 containers' worth (65536 ids each) from 524288.  Needs root, useradd and
# Debian's uidmap package (newuidmap/newgidmap, setuid root): scripts/setup.sh
# installs it.
set -eu
user=${BRIG_RL_USER:-brigrl}
start=524288
count=1048576
home=/home/$user

[ "$(id -u)" -eq 0 ] || { echo "rootless-user.sh: needs root" >&2; exit 1; }

subid_drop() { # FILE: every line of $user goes, nothing else changes
	[ -f "$1" ] || return 0
	grep -q "^$user:" "$1" || return 0
	tmp=$(mktemp "$1.XXXXXX")
	grep -v "^$user:" "$1" >"$tmp" || true
	chmod 644 "$tmp"
	mv -f "$tmp" "$1"
}

subid_add() { # FILE: exactly one line for $user, ours
	grep -qx "$user:$start:$count" "$1" 2>/dev/null && [ "$(grep -c "^$user:" "$1")" -eq 1 ] &&
		return 0
	subid_drop "$1"
	echo "$user:$start:$count" >>"$1"
}

case ${1:-create} in
create)
	for t in newuidmap newgidmap; do
		command -v "$t" >/dev/null || {
			echo "rootless-user.sh: $t missing: install Debian's uidmap (scripts/setup.sh)" >&2
			exit 1
		}
	done
	if ! getent passwd "$user" >/dev/null; then
		# no automatic subordinate ids: ours are set below
		useradd --create-home --home-dir "$home" --shell /bin/sh --user-group \
			-K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$user"
	fi
	uid=$(id -u "$user")
	gid=$(id -g "$user")
	install -d -o "$uid" -g "$gid" -m 0700 "$home"
	subid_add /etc/subuid
	subid_add /etc/subgid
	install -d -o root -g root -m 0755 /run/user
	install -d -o "$uid" -g "$gid" -m 0700 "/run/user/$uid"
	echo "$user"
	;;
env)
	uid=$(id -u "$user")
	echo "HOME=$home"
	echo "USER=$user"
	echo "LOGNAME=$user"
	echo "XDG_RUNTIME_DIR=/run/user/$uid"
	echo "XDG_DATA_HOME=$home/.local/share"
	echo "XDG_CONFIG_HOME=$home/.config"
	;;
remove)
	if getent passwd "$user" >/dev/null; then
		uid=$(id -u "$user")
		# Its processes first (a test that failed may have left some): by
		# the pids of that user only.
		for p in $(pgrep -u "$uid" 2>/dev/null || true); do kill -KILL "$p" 2>/dev/null || true; done
		rm -rf "/run/user/$uid"
		userdel --remove "$user" 2>/dev/null || userdel "$user"
		rm -rf "$home"
	fi
	subid_drop /etc/subuid
	subid_drop /etc/subgid
	;;
*)
	echo "usage: rootless-user.sh [create|remove|env]" >&2
	exit 2
	;;
esac
