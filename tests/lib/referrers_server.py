#!/usr/bin/python3
"""A registry that has the OCI 1.1 referrers API (Debian's docker-registry
2.8 lacks it), for tests/integration/trust_bundle.bats.

usage: referrers_server.py CERT KEY DIR SUBJECT BUNDLE

Serves over HTTPS on 127.0.0.1 (a kernel-picked port, written to DIR/port)
repository test/ref: GET /v2/test/ref/referrers/SUBJECT answers an OCI
index with one referrer, a manifest whose layer is the bundle file BUNDLE
(filtered by ?artifactType= as the specification says); that manifest and
blob by digest; everything else is 404, including the fallback tag, so a
client that finds the bundle used the API.  Each request's path is
appended to DIR/requests.log."""
import hashlib, json, os, ssl, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CERT, KEY, DIR, SUBJECT, BUNDLE = sys.argv[1:6]
BT = "application/vnd.dev.sigstore.bundle.v0.3+json"
IDX = "application/vnd.oci.image.index.v1+json"
MAN = "application/vnd.oci.image.manifest.v1+json"


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


bundle = open(BUNDLE, "rb").read()
empty = b"{}"
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": MAN, "artifactType": BT,
    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(empty), "size": 2},
    "layers": [{"mediaType": BT, "digest": digest(bundle), "size": len(bundle)}],
    "subject": {"mediaType": MAN, "digest": SUBJECT, "size": 100}}).encode()
blobs = {digest(bundle): bundle, digest(empty): empty}


class H(BaseHTTPRequestHandler):
    def send(self, code, body=b"", ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with open(os.path.join(DIR, "requests.log"), "a") as f:
            f.write(self.path + "\n")
        u = urlsplit(self.path)
        if u.path == "/v2/":
            return self.send(200, b"{}")
        if u.path == "/v2/test/ref/referrers/" + SUBJECT:
            want = parse_qs(u.query).get("artifactType", [BT])[0]
            ms = [{"mediaType": MAN, "digest": digest(manifest), "size": len(manifest),
                   "artifactType": BT}] if want == BT else []
            return self.send(200, json.dumps({"schemaVersion": 2, "mediaType": IDX,
                                              "manifests": ms}).encode(), IDX)
        if u.path == "/v2/test/ref/manifests/" + digest(manifest):
            return self.send(200, manifest, MAN)
        if u.path.startswith("/v2/test/ref/blobs/") and u.path[19:] in blobs:
            return self.send(200, blobs[u.path[19:]], "application/octet-stream")
        self.send(404, b'{"errors":[{"code":"NOT_FOUND"}]}')

    def log_message(self, *a):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
