#!/bin/bash
# npm-peer.sh NAME DIR: install the test peer tests/lib/NAME (the npm
# packages pinned by its package.json and package-lock.json) into DIR with
# `npm ci`, and copy the peer's other files (a driver script such as
# sigstore-js's peer.js) beside them.  The peers:
#   sigstore-js      sigstore-js, which trust_bundle.bats checks brig's
#                    sigstore bundles against
#   sarif-validator  Microsoft's SARIF multitool, whose `validate` checks a
#                    SARIF log against the SARIF 2.1.0 schema and rules
#                    (tests/lib/sarif.bash)
#
# Done once per DIR: when DIR/.installed names the lockfile's hash, nothing
# is fetched again.  The npm registry is the only network this touches:
# make check exports a dead proxy (http_proxy=127.0.0.1:9) so that tests
# cannot reach the internet, so it is unset here, for npm alone.  No
# package's install script runs (--ignore-scripts).  Prints nothing on
# success; exits 1 with npm's error in one line when npm fails (no
# registry, no npm): the tests then skip and say why.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: npm-peer.sh NAME DIR" >&2; exit 2; }
name=$1
src=$(cd "$(dirname "$0")/../tests/lib" && pwd)/$name
[ -f "$src/package-lock.json" ] || { echo "npm-peer.sh: no peer '$name' in tests/lib" >&2; exit 2; }
dir=$(realpath -m "$2")
command -v npm >/dev/null || { echo "npm-peer.sh: npm is not installed" >&2; exit 1; }
command -v node >/dev/null || { echo "npm-peer.sh: node is not installed" >&2; exit 1; }

want=$(cat "$src"/* | sha256sum | cut -c1-64)
# One install at a time per DIR: make check runs bats files side by side,
# and two of them (trust_bundle, trust_bundle_rekor2) ask for the same
# peer.  Without the lock both ran `npm ci`, which empties node_modules
# first, while the other's node was loading from it ("Cannot find module",
# seen once on a loaded machine).  The lock is held until this script
# exits; the second caller then finds .installed and returns.
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock -w 900 9 || { echo "npm-peer.sh: $name: $dir.lock still held after 15 min" >&2; exit 1; }
if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$want" ]; then
	exit 0
fi
mkdir -p "$dir"
rm -f "$dir/.installed"
cp "$src"/* "$dir/"
log=$dir/npm.log
# the engines field of some packages names node 22; they run on 20
if ! (cd "$dir" && env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY \
	-u all_proxy -u ALL_PROXY npm_config_cache="$dir/.npm" \
	timeout 600 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
	--engine-strict=false >"$log" 2>&1); then
	why=$(grep -m1 -E 'npm error (code|request to|network)' "$log" || tail -n 1 "$log")
	echo "npm-peer.sh: $name: npm ci failed (${why#npm error }; see $log)" >&2
	exit 1
fi
echo "$want" >"$dir/.installed"
