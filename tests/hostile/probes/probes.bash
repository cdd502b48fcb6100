# shellcheck shell=bash
# Escape probes for bats tests: build them once and put them into a rootfs.
#
#   load ../hostile/probes/probes      (path relative to the .bats file)
#   setup_file() { probes_build; }     (optional: build once per file)
#   probes_install "$BUNDLE/rootfs"    -> ROOTFS/probes/probe_NAME
#   probe_run_check                    (after `run ... /probes/probe_NAME`)
#
# The probes come from $BRIG_BUILD/tests/hostile/probes when a meson build
# made them all, and otherwise are built once per bats run with build.sh into
# $BATS_RUN_TMPDIR/probes (removed by bats).  probe_setuid is installed
# setuid root; run it as a non-root user.

# shellcheck disable=SC2154 # status, output and stderr are set by bats `run`
PROBES_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# probe_names: every probe, as probe_NAME.
probe_names() {
	local c
	for c in "$PROBES_SRC"/probe_*.c; do basename "$c" .c; done
}

# _probes_in DIR: true when DIR holds every probe, each newer than its source.
_probes_in() {
	local n
	[ -d "$1" ] || return 1
	for n in $(probe_names); do
		[ -x "$1/$n" ] && [ ! "$PROBES_SRC/$n.c" -nt "$1/$n" ] &&
			[ ! "$PROBES_SRC/probe.h" -nt "$1/$n" ] || return 1
	done
}

# probes_build: build the probes if needed; prints their directory.
probes_build() {
	local meson_dir=${BRIG_BUILD:-}/tests/hostile/probes
	local dir=${BATS_RUN_TMPDIR:?probes need bats}/probes
	if [ -n "${BRIG_BUILD:-}" ] && _probes_in "$meson_dir"; then
		echo "$meson_dir"
		return 0
	fi
	(
		flock 9
		_probes_in "$dir" || "$PROBES_SRC/build.sh" "$dir" >&2
	) 9>"$BATS_RUN_TMPDIR/probes.lock" || return 1
	echo "$dir"
}

# probes_install ROOTFS: copy every probe to ROOTFS/probes (new files, so a
# hard-linked rootfs cache is never written through); make ROOTFS/mnt, the
# mount probe's target.
probes_install() {
	local rootfs=$1 dir n
	dir=$(probes_build) || return 1
	install -d -m 0755 "$rootfs/probes" "$rootfs/mnt"
	for n in $(probe_names); do
		install -m 0755 "$dir/$n" "$rootfs/probes/$n"
	done
	chown 0:0 "$rootfs/probes/probe_setuid"
	chmod 4755 "$rootfs/probes/probe_setuid"
}

# _probe_na_skip: a probe that reported N/A (exit 3: its attempt reached no
# permission check on this host) skips the test with the probe's reason.
_probe_na_skip() {
	if [ "$status" -eq 3 ] && [[ $output == N/A:* ]]; then
		skip "not applicable here: ${output#N/A: }"
	fi
}

# probe_run_check: after `run [--separate-stderr] ... probe_NAME`, assert the
# probe reported BLOCKED (one line, exit 0); N/A skips the test.
probe_run_check() {
	_probe_na_skip
	if [ "$status" -eq 0 ] && [[ $output == BLOCKED:* ]] && [[ $output != *$'\n'* ]]; then
		return 0
	fi
	echo "status: $status" >&2
	echo "output: $output" >&2
	echo "stderr: ${stderr:-}" >&2
	echo "FAIL: the probe did not report BLOCKED" >&2
	return 1
}

# probe_run_escaped: the opposite, for control runs with a defence removed.
probe_run_escaped() {
	_probe_na_skip
	if [ "$status" -eq 1 ] && [[ $output == ESCAPED:* ]]; then
		return 0
	fi
	echo "status: $status" >&2
	echo "output: $output" >&2
	echo "FAIL: the probe did not report ESCAPED" >&2
	return 1
}
