# shellcheck shell=bash
# What the bats files that drive brig (the engine's command line) share: a
# store of each test's own, the test image, and a teardown that removes
# every container the test made.  (helpers.bash is the runtime's: bundles
# and brig-runtime.)  Load it with `load ../lib/brig`, then from the hooks:
#
#   setup_file()  brig_image_tar [--numeric-owner] [FN]
#                 $BRIG_TAR: scripts/mkrootfs.sh's busybox tree as a tar,
#                 after FN DIR has changed the tree
#   setup()       brig_setup [IMAGE]
#                 ROOT, a new store ($BRIG_ROOT, else $BATS_TEST_TMPDIR/root);
#                 given IMAGE, $BRIG_TAR imported into it as IMAGE
#   teardown()    brig_teardown: every container of ROOT removed (rm -f)
#
# `brig ARGS...` runs brig over ROOT, with --config "$BRIG_CONFIG" when that
# is set (a test may set it: teardown uses it too), and under
# `timeout $BRIG_TIMEOUT` when the file sets that.

BRIG_SRC=${BRIG_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BRIG_BUILD=${BRIG_BUILD:-$BRIG_SRC/build}
BRIG=$BRIG_BUILD/src/cli/brig/brig
BRIG_TAR=$BATS_FILE_TMPDIR/rootfs.tar
# brig run/create pull a missing image (--pull missing) and a short name
# means docker.io: the tests block it (no traffic leaves the host).
: "${BRIG_REGISTRIES_CONF:=$BRIG_SRC/tests/lib/registries-offline.conf}"
export BRIG_REGISTRIES_CONF
# Content trust is on by default (unsigned tags are refused); the tests'
# images are unsigned, so their policy accepts anything.  The tests of
# content trust itself (trust_check.bats) set BRIG_POLICY_DIR of their own.
: "${BRIG_POLICY_DIR:=$BRIG_SRC/tests/lib/policy-open}"
export BRIG_POLICY_DIR

brig() {
	local pre=() conf=()
	[ -z "${BRIG_TIMEOUT:-}" ] || pre=(timeout -k 5 "$BRIG_TIMEOUT")
	[ -z "${BRIG_CONFIG:-}" ] || conf=(--config "$BRIG_CONFIG")
	"${pre[@]}" "$BRIG" --root "$ROOT" "${conf[@]}" "$@"
}

brig_image_tar() { # [--numeric-owner] [FN]
	local rfs=$BATS_FILE_TMPDIR/rootfs opts=()
	if [ "${1:-}" = --numeric-owner ]; then
		opts=(--numeric-owner)
		shift
	fi
	"$BRIG_SRC/scripts/mkrootfs.sh" "$rfs" >/dev/null || return 1
	if [ $# -gt 0 ]; then
		"$1" "$rfs" || return 1
	fi
	tar -C "$rfs" "${opts[@]}" -cf "$BRIG_TAR" .
}

# brig_file_store: one store for the whole file (BRIG_ROOT, under the
# file's temporary directory) holding the busybox image as bb:1; for
# setup_file.
brig_file_store() {
	brig_image_tar || return 1
	export BRIG_ROOT=$BATS_FILE_TMPDIR/root
	ROOT=$BRIG_ROOT
	brig import "$BRIG_TAR" bb:1 >/dev/null
}

brig_setup() { # [IMAGE]
	ROOT=${BRIG_ROOT:-$BATS_TEST_TMPDIR/root}
	if [ $# -gt 0 ]; then
		brig import "$BRIG_TAR" "$1" >/dev/null
	fi
}

# Every container of the store ROOT, by id, running or not.
brig_teardown() {
	local id
	for id in $(brig ps -a -q --no-trunc 2>/dev/null); do
		brig rm -f "$id" >/dev/null 2>&1 || true
	done
	return 0
}

# wait_until WHAT CMD...: poll CMD for 15 s; fail naming WHAT.
wait_until() {
	local what=$1 i
	shift
	for ((i = 0; i < 300; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	echo "FAIL: timed out waiting for $what" >&2
	return 1
}

logs_have() { brig logs "$1" 2>/dev/null | grep -qE -- "$2"; }

# The runtime state directory of ROOT's containers (/run/brig/HASH).
rt_dir() { echo "/run/brig/$(printf %s "$(realpath "$ROOT")" | sha256sum | cut -c1-16)"; }

# field CONTAINER TEMPLATE: one field of brig inspect.
field() { brig inspect -f "$2" "$1"; }

# wait_field CONTAINER TEMPLATE VALUE: poll (bounded, 30 s) until the field
# reads VALUE; otherwise say what it read and fail.
wait_field() {
	local i got=
	for ((i = 0; i < 300; i++)); do
		got=$(field "$1" "$2" 2>/dev/null)
		[ "$got" = "$3" ] && return 0
		sleep 0.1
	done
	echo "$1: $2 is '$got', wanted '$3'" >&2
	return 1
}

# The kernel's Landlock ABI (landlock_create_ruleset(NULL, 0, VERSION)),
# or a negative number when it has none.
landlock_abi() { perl -e 'my $r = syscall(444, 0, 0, 1); print $r < 0 ? -1 : $r'; }
