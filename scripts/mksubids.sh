#!/bin/sh
# mksubids.sh: the system user "brig" and its subordinate uid/gid ranges in
# /etc/subuid and /etc/subgid, from which brig gives every container a
# user namespace of its own (65536 ids each).  Idempotent.
set -eu
start=1073741824   # 2^30
count=1073741824   # 16384 containers' worth
if ! getent passwd brig >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin brig
fi
grep -q '^brig:' /etc/subuid 2>/dev/null || echo "brig:$start:$count" >>/etc/subuid
grep -q '^brig:' /etc/subgid 2>/dev/null || echo "brig:$start:$count" >>/etc/subgid
