# shellcheck shell=bash
# settled FILE...: poll (bounded, 5 s) until each FILE last changed over a
# second ago: only then does create remember its content trust check
# (src/engine/provenance_memo.c, docs/trust-check.md).
settled() {
	local i
	for i in $(seq 50); do
		/usr/bin/python3 -c 'import os, sys, time
sys.exit(any(time.time() - max(os.stat(f).st_ctime, os.stat(f).st_mtime) < 1.05 for f in sys.argv[1:]))' "$@" && return 0
		sleep 0.1
	done
	return 1
}
