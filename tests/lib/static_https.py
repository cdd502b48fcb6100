#!/usr/bin/python3
"""static_https.py DIR CERT KEY PORTFILE: serve DIR's files over TLS on
127.0.0.1 (a port the kernel picks, written to PORTFILE) until killed.
For the GPG lookaside tests (tests/integration/trust_gpg.bats)."""
import functools
import http.server
import os
import ssl
import sys

root, cert, key, portfile = sys.argv[1:5]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
tmp = portfile + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(tmp, portfile)
srv.serve_forever()
