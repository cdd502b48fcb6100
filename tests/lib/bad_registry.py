#!/usr/bin/env python3
"""A small, misbehaving OCI registry for brig's registry tests.

usage: bad_registry.py LAYOUT CERT KEY DIR

Serves the one image of the OCI image layout LAYOUT (as `skopeo copy ...
oci:LAYOUT` writes it) over HTTPS on 127.0.0.1 (a port the kernel picks,
written to DIR/port), under several repositories that each misbehave in one
way (the tag is always "1"):

  good/img          faithful
  wrong/manifest    every manifest body gets a trailing newline, so it hashes
                    to another digest than the one asked for (and than the
                    Docker-Content-Digest sent, which is the true one)
  wrong/config      the config blob's bytes differ (same length)
  wrong/layer       the layer blob's bytes differ (same length)
  schema1/img       the manifest is served as a Docker schema 1 manifest
  foreign/img       the manifest's layer has "urls" (a foreign layer); its
                    Docker-Content-Digest is its own, true digest
  short/img         the layer blob stops half-way (Content-Length is right,
                    the connection is closed early)
  endless/img       the layer blob has no Content-Length and never ends
                    (the server stops after 64 MiB or when brig hangs up)
  huge/img          a 5 MiB manifest (more than brig's 4 MiB limit)
  loop/img          manifests redirect to themselves, forever
  badauth/img       401 with a malformed WWW-Authenticate
  token/img         Bearer auth: a token from https://127.0.0.1:PORT/token
                    (given only for service "bad-registry" and scope
                    "repository:token/img:pull", and only with Basic u:p
                    when the request carries credentials at all); the
                    token is accepted for this repository only
  tokenjunk/img     Bearer auth whose token endpoint answers with junk
  auth/redirect     Basic auth (user "u", password "p"); blobs are redirected
                    to https://localhost:PORT/elsewhere/..., which serves them
                    only when no Authorization header arrives (else 500), and
                    appends "auth" or "noauth" to DIR/elsewhere.log
  resume/img        each layer blob's first GET gets half its bytes (with the
                    full Content-Length and Accept-Ranges: bytes), then the
                    connection closes; a GET with Range gets a 206 of the rest
  norange/img       the same first GET (no Accept-Ranges), then Range is
                    ignored: a 200 with the whole blob
  diffid/img        the config's first diff_id is wrong (the layer blob is
                    right: its digest matches, its content does not)
  slowbad/img       the last layer's bytes differ; every other layer is sent
                    half, and the rest only two minutes after the bad layer
                    was sent (brig must stop those downloads itself)

Requests are logged to DIR/requests.log, the Range headers of resume/ and
norange/ to DIR/ranges.log ("REPO RANGE").  Runs until killed.
"""
import base64
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading

layout, cert, key, workdir = sys.argv[1:5]


def blob_path(digest):
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64 or not all(c in "0123456789abcdef" for c in hexpart):
        return None
    return os.path.join(layout, "blobs", "sha256", hexpart)


with open(os.path.join(layout, "index.json"), "rb") as f:
    TOP = json.load(f)["manifests"][0]
with open(blob_path(TOP["digest"]), "rb") as f:
    MANIFEST = f.read()
MDOC = json.loads(MANIFEST)
CONFIG = MDOC["config"]["digest"]
LAYERS = [l["digest"] for l in MDOC["layers"]]
MTYPE = MDOC.get("mediaType", TOP["mediaType"])
lock = threading.Lock()


def log(name, line):
    with lock, open(os.path.join(workdir, name), "a") as f:
        f.write(line + "\n")


def flip(data):
    b = bytearray(data)
    b[len(b) // 2] ^= 0xFF
    return bytes(b)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        log("requests.log", "%s %s" % (self.command, self.path))

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorized(self):
        want = "Basic " + base64.b64encode(b"u:p").decode()
        return self.headers.get("Authorization") == want

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("/elsewhere/"):
            return self.elsewhere(path[len("/elsewhere/"):])
        if path == "/token":
            return self.token()
        if path == "/tokenjunk":
            return self.send(200, b"<html>not a token</html>", [("Content-Type", "text/html")])
        if path == "/v2/":
            return self.send(200, b"{}", [("Content-Type", "application/json")])
        parts = path.split("/")
        # /v2/NS/NAME/(manifests|blobs)/REF
        if len(parts) != 6 or parts[0] != "" or parts[1] != "v2":
            return self.send(404, b"not found")
        repo, kind, ref = parts[2] + "/" + parts[3], parts[4], parts[5]
        if repo == "badauth/img":
            return self.send(401, b"{}", [("WWW-Authenticate", 'Bearer realm="https://x/t" service="s"')])
        if repo in ("token/img", "tokenjunk/img") and \
                self.headers.get("Authorization") != "Bearer tok-" + repo.replace("/", "-"):
            port = self.server.server_address[1]
            realm = "https://127.0.0.1:%d/%s" % (port, "token" if repo == "token/img" else "tokenjunk")
            chal = 'Bearer realm="%s",service="bad-registry",scope="repository:%s:pull"' % (realm, repo)
            return self.send(401, b"{}", [("WWW-Authenticate", chal)])
        if repo == "loop/img":
            return self.send(302, b"", [("Location", self.path)])
        if repo == "auth/redirect" and not self.authorized():
            return self.send(401, b"{}", [("WWW-Authenticate", 'Basic realm="bad-registry"')])
        if kind == "manifests":
            return self.manifest(repo, ref)
        if kind == "blobs":
            return self.blob(repo, ref)
        return self.send(404, b"not found")

    def manifest(self, repo, ref):
        if repo in XFER_REPOS:
            return self.xfer_manifest(repo, ref)
        if ref not in ("1", TOP["digest"]):
            return self.send(404, b"no such manifest")
        body, mtype, digest = MANIFEST, MTYPE, TOP["digest"]
        if repo == "wrong/manifest":
            body = MANIFEST + b"\n"
        elif repo == "schema1/img":
            mtype = "application/vnd.docker.distribution.manifest.v1+prettyjws"
        elif repo == "foreign/img":
            doc = json.loads(MANIFEST)
            doc["layers"][0]["urls"] = ["https://example.invalid/layer"]
            body = json.dumps(doc).encode()
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
        elif repo == "huge/img":
            body = MANIFEST[:-1] + b"," + b'"x":"' + b"a" * (5 << 20) + b'"}'
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
        return self.send(200, body, [("Content-Type", mtype), ("Docker-Content-Digest", digest)])

    def blob(self, repo, digest):
        if repo in XFER_REPOS:
            return self.xfer_blob(repo, digest)
        p = blob_path(digest)
        if p is None or not os.path.exists(p):
            return self.send(404, b"no such blob")
        if repo == "auth/redirect":
            port = self.server.server_address[1]
            return self.send(307, b"", [("Location", "https://localhost:%d/elsewhere/%s" % (port, digest))])
        with open(p, "rb") as f:
            data = f.read()
        if (repo == "wrong/config" and digest == CONFIG) or (repo == "wrong/layer" and digest in LAYERS):
            data = flip(data)
        if repo in ("short/img", "endless/img") and digest in LAYERS:
            return self.broken(repo, data)
        return self.send(200, data, [("Content-Type", "application/octet-stream")])

    def broken(self, repo, data):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        if repo == "short/img":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.close_connection = True
        try:
            if repo == "short/img":
                self.wfile.write(data[: len(data) // 2])
            else:
                chunk = data[:65536] or b"x"
                for _ in range((64 << 20) // len(chunk)):
                    self.wfile.write(chunk)
            self.wfile.flush()
        except OSError:
            pass

    def token(self):
        from urllib.parse import parse_qs, urlsplit
        q = parse_qs(urlsplit(self.path).query)
        log("token.log", "%s %s %s" % (q.get("service"), q.get("scope"), self.headers.get("Authorization")))
        if q.get("service") != ["bad-registry"] or q.get("scope") != ["repository:token/img:pull"]:
            return self.send(400, b"bad service or scope")
        auth = self.headers.get("Authorization")
        if auth is not None and not self.authorized():
            return self.send(401, b"bad credentials")
        body = json.dumps({"token": "tok-token-img", "expires_in": 300}).encode()
        return self.send(200, body, [("Content-Type", "application/json")])

    def elsewhere(self, digest):
        if self.headers.get("Authorization") is not None:
            log("elsewhere.log", "auth")
            return self.send(500, b"credentials were sent to another host")
        log("elsewhere.log", "noauth")
        p = blob_path(digest)
        if p is None or not os.path.exists(p):
            return self.send(404, b"no such blob")
        with open(p, "rb") as f:
            return self.send(200, f.read(), [("Content-Type", "application/octet-stream")])

    do_HEAD = do_GET

    # ---- transfer cases (resume/, norange/, diffid/, slowbad/) ----

    def xfer_manifest(self, repo, ref):
        body, digest = (DIFFID_MANIFEST, DIFFID_DIGEST) if repo == "diffid/img" else (MANIFEST, TOP["digest"])
        if ref not in ("1", digest):
            return self.send(404, b"no such manifest")
        return self.send(200, body, [("Content-Type", MTYPE), ("Docker-Content-Digest", digest)])

    def xfer_blob(self, repo, digest):
        if digest in EXTRA:
            data = EXTRA[digest]
        else:
            p = blob_path(digest)
            if p is None or not os.path.exists(p):
                return self.send(404, b"no such blob")
            with open(p, "rb") as f:
                data = f.read()
        if digest not in LAYERS or repo == "diffid/img":
            return self.send(200, data, [("Content-Type", "application/octet-stream")])
        if repo == "slowbad/img":
            return self.slowbad(digest, data)
        rng = self.headers.get("Range")
        if rng is not None:
            log("ranges.log", "%s %s" % (repo, rng))
        with lock:
            first = (repo, digest) not in DROPPED
            DROPPED.add((repo, digest))
        if first:
            return self.drop_half(repo, data)
        if repo == "resume/img" and rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes="):-1])
            if 0 <= start < len(data):
                cr = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
                return self.send(206, data[start:], [("Content-Type", "application/octet-stream"),
                                                     ("Content-Range", cr)])
        return self.send(200, data, [("Content-Type", "application/octet-stream")])

    def drop_half(self, repo, data):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        if repo == "resume/img":
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
        except OSError:
            pass

    def slowbad(self, digest, data):
        bad = digest == LAYERS[-1]
        if bad:
            data = flip(data)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            if bad:
                self.wfile.write(data)
                self.wfile.flush()
                BAD_SENT.set()
                return
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            BAD_SENT.wait(120)
            threading.Event().wait(120)
            self.wfile.write(data[len(data) // 2:])
            self.wfile.flush()
        except OSError:
            pass


XFER_REPOS = ("resume/img", "norange/img", "diffid/img", "slowbad/img")
DROPPED = set()
BAD_SENT = threading.Event()
EXTRA = {}
_cfgdoc = json.loads(open(blob_path(CONFIG), "rb").read())
_cfgdoc["rootfs"]["diff_ids"][0] = "sha256:" + hashlib.sha256(b"not this layer").hexdigest()
_cfg = json.dumps(_cfgdoc).encode()
EXTRA["sha256:" + hashlib.sha256(_cfg).hexdigest()] = _cfg
_mdoc = json.loads(MANIFEST)
_mdoc["config"]["digest"] = "sha256:" + hashlib.sha256(_cfg).hexdigest()
_mdoc["config"]["size"] = len(_cfg)
DIFFID_MANIFEST = json.dumps(_mdoc).encode()
DIFFID_DIGEST = "sha256:" + hashlib.sha256(DIFFID_MANIFEST).hexdigest()

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
tmp = os.path.join(workdir, "port.tmp")
with open(tmp, "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(tmp, os.path.join(workdir, "port"))
srv.serve_forever()
