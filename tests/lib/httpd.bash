# shellcheck shell=bash
# A static http server for a test: python's http.server on 127.0.0.1.
#
#   httpd DIR     serves DIR in the background on a port of its choosing;
#                 waits (bounded) until it has printed the port; sets PORT
#                 and HTTPD_PID
#   httpd_stop    ends that server (from teardown)

httpd() {
	local i
	python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$1" \
		>"$BATS_TEST_TMPDIR/httpd.log" 2>&1 &
	HTTPD_PID=$!
	PORT=""
	for ((i = 0; i < 300; i++)); do
		PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$BATS_TEST_TMPDIR/httpd.log")
		[ -z "$PORT" ] || return 0
		sleep 0.1
	done
	echo "timed out waiting for the http server's port"
	return 1
}

httpd_stop() {
	if [ -n "${HTTPD_PID:-}" ]; then
		kill "$HTTPD_PID" 2>/dev/null || true
		wait "$HTTPD_PID" 2>/dev/null || true
		HTTPD_PID=
	fi
}
