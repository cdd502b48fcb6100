#!/bin/bash
# containerd-test.sh start|stop DIR: a private containerd for the tests.
#
# start: writes DIR/config.toml and runs containerd with its own root
# (DIR/root), state (DIR/state), gRPC socket DIR/containerd.sock (ttrpc next
# to it), no debug or metrics listener, the CRI plugin and every snapshotter
# but overlayfs and native disabled; it inherits the caller's cgroup.  Waits
# (bounded) until `ctr version` answers and prints the socket's path.  The
# pid is kept in DIR/containerd.pid, the log in DIR/containerd.log.
#
# stop: sends SIGTERM to that pid (only that pid), waits for it (bounded),
# then SIGKILL; unmounts what containerd left mounted under DIR.
set -euo pipefail

usage() { echo "usage: containerd-test.sh start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$(realpath -m "$2")
sock=$dir/containerd.sock
pidfile=$dir/containerd.pid

start() {
	command -v containerd >/dev/null || { echo "containerd is not installed" >&2; exit 1; }
	if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "containerd already runs for $dir (pid $(cat "$pidfile"))" >&2
		exit 1
	fi
	mkdir -p "$dir/root" "$dir/state" "$dir/opt"
	chmod 711 "$dir"
	cat >"$dir/config.toml" <<-TOML
		version = 2
		root = "$dir/root"
		state = "$dir/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri",
		  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$sock"
		[ttrpc]
		  address = "$sock.ttrpc"
		[debug]
		  address = ""
		[metrics]
		  address = ""
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$dir/opt"
	TOML
	containerd --config "$dir/config.toml" --log-level info </dev/null >"$dir/containerd.log" 2>&1 &
	local pid=$! i
	echo "$pid" >"$pidfile"
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "containerd exited at start; its log ($dir/containerd.log):" >&2
			tail -20 "$dir/containerd.log" >&2
			rm -f "$pidfile"
			exit 1
		fi
		if [ -S "$sock" ] && ctr --address "$sock" version >/dev/null 2>&1; then
			echo "$sock"
			return 0
		fi
		sleep 0.1
	done
	echo "containerd did not answer on $sock within 30 s; stopping it" >&2
	stop
	exit 1
}

stop() {
	[ -s "$pidfile" ] || return 0
	local pid i m
	pid=$(cat "$pidfile")
	# Only our containerd: the pid must still be a containerd using our config.
	if kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--config $dir/config.toml"; then
		kill -TERM "$pid"
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	fi
	rm -f "$pidfile"
	# Mounts containerd made beneath DIR (snapshots, shm), deepest first.
	awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
