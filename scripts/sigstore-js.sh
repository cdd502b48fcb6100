#!/bin/bash
# sigstore-js.sh DIR: install sigstore-js (the npm packages pinned in
# tests/lib/sigstore-js/package-lock.json: @sigstore/sign, verify, bundle,
# mock, and what the peer script needs) into DIR with `npm ci`, and copy
# tests/lib/sigstore-js/peer.js beside them.  DIR/peer.js is then the
# independent peer tests/integration/trust_bundle.bats checks brig's
# sigstore bundles against.
#
# Done once per DIR: when DIR/.installed names the lockfile's hash, nothing
# is fetched again.  The npm registry is the only network this touches:
# make check exports a dead proxy (http_proxy=127.0.0.1:9) so that tests
# cannot reach the internet, so it is unset here, for npm alone.  Prints
# nothing on success; exits 1 with npm's error in one line when npm fails (no
# registry, no npm): the tests then skip and say why.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: sigstore-js.sh DIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../tests/lib/sigstore-js" && pwd)
dir=$(realpath -m "$1")
command -v npm >/dev/null || { echo "sigstore-js.sh: npm is not installed" >&2; exit 1; }
command -v node >/dev/null || { echo "sigstore-js.sh: node is not installed" >&2; exit 1; }

want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-64)
if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$want" ]; then
	cp "$src/peer.js" "$dir/peer.js"
	exit 0
fi
mkdir -p "$dir"
rm -f "$dir/.installed"
cp "$src/package.json" "$src/package-lock.json" "$src/peer.js" "$dir/"
log=$dir/npm.log
# the engines field of some packages names node 22; they run on 20
if ! (cd "$dir" && env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY \
	-u all_proxy -u ALL_PROXY npm_config_cache="$dir/.npm" \
	timeout 600 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
	--engine-strict=false >"$log" 2>&1); then
	why=$(grep -m1 -E 'npm error (code|request to|network)' "$log" || tail -n 1 "$log")
	echo "sigstore-js.sh: npm ci failed (${why#npm error }; see $log)" >&2
	exit 1
fi
echo "$want" >"$dir/.installed"
