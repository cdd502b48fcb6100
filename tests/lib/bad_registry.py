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
  wrong/gzhead      the layer blob's gzip header differs (its OS byte): the
                    same length and the same tar stream, another digest
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
  push/elsewhere    for brig push (Basic auth u:p; every blob is missing):
                    an upload's Location is https://localhost:PORT/upload/ID,
                    which refuses (500) any request with an Authorization
                    header; PATCH answers with a relative Location
  push/relative     the same with a relative Location (/upload/ID) on the
                    registry's own host
  push/wrongdigest  like push/relative, but a finished upload and a
                    manifest PUT answer with a Docker-Content-Digest that
                    is not what was sent
  push/token        like push/relative behind Bearer auth: the challenge
                    names no scope, and /token gives "tok-push" only for
                    scope "repository:push/token:push,pull"
                    Uploads append "HOST auth|noauth" to DIR/upload.log.
  resume/img        each layer blob's first GET gets half its bytes (with the
                    full Content-Length and Accept-Ranges: bytes), then the
                    connection closes; a GET with Range gets a 206 of the rest
  norange/img       the same first GET (no Accept-Ranges), then Range is
                    ignored: a 200 with the whole blob
  diffid/img        the config's first diff_id is wrong (the layer blob is
                    right: its digest matches, its content does not)
  slowbad/img       the last layer's bytes differ, and are sent only once
                    every other layer is half-way (at most a minute's wait);
                    the others' second halves come two minutes after the bad
                    layer was sent (brig must stop those downloads itself)

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
UPLOADS = {}  # id -> [repo, bytes so far]


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
        if repo in EXTRA:
            return EXTRA[repo](self, kind, ref)
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
        if repo.startswith("push/"):
            if not self.push_authorized(repo):
                return self.push_challenge(repo)
            return self.send(404, b"not found")
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
        if repo == "wrong/gzhead" and digest in LAYERS and data[:2] == b"\x1f\x8b":
            data = data[:9] + bytes([data[9] ^ 0x01]) + data[10:]
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
        if q.get("service") == ["bad-registry"] and q.get("scope") == ["repository:push/token:push,pull"]:
            body = json.dumps({"token": "tok-push", "expires_in": 300}).encode()
            return self.send(200, body, [("Content-Type", "application/json")])
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

    # ---- brig push: the push/* repositories --------------------------------

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def push_authorized(self, repo):
        if repo == "push/token":
            return self.headers.get("Authorization") == "Bearer tok-push"
        return self.authorized()

    def push_challenge(self, repo):
        chal = 'Basic realm="bad-registry"'
        if repo == "push/token":
            chal = 'Bearer realm="https://127.0.0.1:%d/token",service="bad-registry"' % \
                self.server.server_address[1]
        return self.send(401, b"{}", [("WWW-Authenticate", chal)])

    def push_repo(self, path):
        parts = path.split("/")
        if len(parts) < 6 or parts[1] != "v2" or parts[2] != "push":
            return None
        return parts[2] + "/" + parts[3]

    def do_POST(self):
        self.body()
        repo = self.push_repo(self.path.split("?")[0])
        if repo is None:
            return self.send(404, b"not found")
        if not self.push_authorized(repo):
            return self.push_challenge(repo)
        uid = os.urandom(8).hex()
        with lock:
            UPLOADS[uid] = [repo, b""]
        loc = "/upload/" + uid
        if repo == "push/elsewhere":
            loc = "https://localhost:%d/upload/%s" % (self.server.server_address[1], uid)
        return self.send(202, b"", [("Location", loc)])

    def upload(self):
        """The upload this request continues, or None (an answer was sent)."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        auth = self.headers.get("Authorization") is not None
        log("upload.log", "%s %s" % (host, "auth" if auth else "noauth"))
        with lock:
            up = UPLOADS.get(self.path.split("?")[0][len("/upload/"):])
        if up is None:
            self.send(404, b"no such upload")
        elif up[0] == "push/elsewhere" and auth:
            self.send(500, b"credentials were sent to another host")
        elif up[0] != "push/elsewhere" and not self.push_authorized(up[0]):
            self.push_challenge(up[0])
        else:
            return up
        return None

    def do_PATCH(self):
        data = self.body()
        if not self.path.startswith("/upload/"):
            return self.send(404, b"not found")
        up = self.upload()
        if up is not None:
            up[1] += data
            uid = self.path.split("?")[0][len("/upload/"):]
            self.send(202, b"", [("Location", "/upload/" + uid), ("Range", "0-%d" % (len(up[1]) - 1))])

    def do_PUT(self):
        from urllib.parse import parse_qs
        path, _, query = self.path.partition("?")
        data = self.body()
        if path.startswith("/upload/"):
            up = self.upload()
            if up is None:
                return
            blob, want = up[1] + data, parse_qs(query).get("digest", [""])[0]
            if "sha256:" + hashlib.sha256(blob).hexdigest() != want:
                return self.send(400, b"digest mismatch")
            repo = up[0]
        else:
            repo = self.push_repo(path)
            if repo is None:
                return self.send(404, b"not found")
            if not self.push_authorized(repo):
                return self.push_challenge(repo)
            want = "sha256:" + hashlib.sha256(data).hexdigest()
        if repo == "push/wrongdigest":
            want = "sha256:" + hashlib.sha256(b"something else").hexdigest()
        return self.send(201, b"", [("Docker-Content-Digest", want)])

    # ---- transfer cases (resume/, norange/, diffid/, slowbad/) ----

    def xfer_manifest(self, repo, ref):
        body, digest = (DIFFID_MANIFEST, DIFFID_DIGEST) if repo == "diffid/img" else (MANIFEST, TOP["digest"])
        if ref not in ("1", digest):
            return self.send(404, b"no such manifest")
        return self.send(200, body, [("Content-Type", MTYPE), ("Docker-Content-Digest", digest)])

    def xfer_blob(self, repo, digest):
        if digest in XFER_BLOBS:
            data = XFER_BLOBS[digest]
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
                # the bad layer only once the others are half-way (bounded),
                # so that there are downloads in progress to stop
                with SLOW_HALF:
                    SLOW_HALF.wait_for(lambda: SLOW_HALF.n >= len(LAYERS) - 1, 60)
                self.wfile.write(data)
                self.wfile.flush()
                BAD_SENT.set()
                return
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            with SLOW_HALF:
                SLOW_HALF.n += 1
                SLOW_HALF.notify_all()
            BAD_SENT.wait(120)
            threading.Event().wait(120)
            self.wfile.write(data[len(data) // 2:])
            self.wfile.flush()
        except OSError:
            pass


# Extra repositories, each a function (handler, kind, ref) -> response;
# helpers add theirs below.
EXTRA = {}


# ---- retries and a layer with "../" names (the retry helper) --------------
#   retry/forever   manifests: 429, always
#   retry/twice     every manifest and blob: 503 twice per path, then served
#   retry/after     every manifest and blob: 429 with Retry-After once per
#                   path (manifests "1" second, blobs an HTTP-date 1 s
#                   ahead), then served
#   retry/hour      manifests: 429 with Retry-After: 3600
#   retry/hangup    every manifest and blob: the first request per path is
#                   answered by closing the connection, the second served
#   dotdot/img      an image whose one layer (an uncompressed tar) holds
#                   "../escaped"
import email.utils
import io
import tarfile
import time

hits = {}


def count(path):
    with lock:
        hits[path] = hits.get(path, 0) + 1
        return hits[path]


def faithful(h, kind, ref):
    return h.manifest("good/img", ref) if kind == "manifests" else h.blob("good/img", ref)


def retry_forever(h, kind, ref):
    return h.send(429, b'{"errors":[{"code":"TOOMANYREQUESTS"}]}', [("Content-Type", "application/json")])


def retry_twice(h, kind, ref):
    if count(h.path) <= 2:
        return h.send(503, b"busy", [("Content-Type", "text/plain")])
    return faithful(h, kind, ref)


def retry_after(h, kind, ref):
    if count(h.path) <= 1:
        after = "1" if kind == "manifests" else email.utils.formatdate(time.time() + 1, usegmt=True)
        return h.send(429, b"slow down", [("Retry-After", after)])
    return faithful(h, kind, ref)


def retry_hangup(h, kind, ref):
    if count(h.path) <= 1:
        log("requests.log", "HANGUP %s" % h.path)
        h.close_connection = True
        return None
    return faithful(h, kind, ref)


def retry_hour(h, kind, ref):
    return h.send(429, b"slow down", [("Retry-After", "3600")])


def make_dotdot():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in (("ok", b"fine\n"), ("../escaped", b"outside\n")):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
            t.addfile(ti, io.BytesIO(data))
    layer = buf.getvalue()
    lid = "sha256:" + hashlib.sha256(layer).hexdigest()
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": [lid]}}).encode()
    cid = "sha256:" + hashlib.sha256(cfg).hexdigest()
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": cid, "size": len(cfg)},
                      "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                  "digest": lid, "size": len(layer)}]}).encode()
    return man, {cid: cfg, lid: layer}


DOTDOT_MANIFEST, DOTDOT_BLOBS = make_dotdot()


def dotdot(h, kind, ref):
    if kind == "manifests":
        return h.send(200, DOTDOT_MANIFEST, [("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
    if ref in DOTDOT_BLOBS:
        return h.send(200, DOTDOT_BLOBS[ref], [("Content-Type", "application/octet-stream")])
    return h.send(404, b"no such blob")


EXTRA.update({"retry/forever": retry_forever, "retry/twice": retry_twice, "retry/after": retry_after,
              "retry/hour": retry_hour, "retry/hangup": retry_hangup, "dotdot/img": dotdot})


# ---- tags lists (pull -a; the retry helper) --------------------------------
#   tags/junk       the tags list is not JSON
#   tags/wrongname  the list names another repository
#   tags/badtag     a tag that is no tag ("../x")
#   tags/away       page 1 lists "1" and links to the next page on
#                   https://localhost:PORT (another origin)
#   tags/loop       page 1 lists "1" and links to itself
#   tags/paged      tags "1" and "2" (both the good image), n per page
#                   (default 100) after "last", a relative Link to the next
def tags_paged(h, kind, ref):
    from urllib.parse import parse_qs, urlsplit
    if kind != "tags":
        return faithful(h, kind, "1" if ref == "2" else ref)
    q = parse_qs(urlsplit(h.path).query)
    n, last, all_tags = int(q.get("n", ["100"])[0]), q.get("last", [None])[0], ["1", "2"]
    start = all_tags.index(last) + 1 if last in all_tags else 0
    page = all_tags[start:start + n]
    hdrs = [("Content-Type", "application/json")]
    if start + n < len(all_tags):
        hdrs.append(("Link", '</v2/tags/paged/tags/list?n=%d&last=%s>; rel="next"' % (n, page[-1])))
    return h.send(200, json.dumps({"name": "tags/paged", "tags": page}).encode(), hdrs)


def tags(h, kind, ref):
    repo = h.path.split("/")[2] + "/" + h.path.split("/")[3]
    if kind != "tags" or ref != "list":
        return faithful(h, kind, ref)
    port = h.server.server_address[1]
    name, tl, link = repo, ["1"], None
    if repo == "tags/junk":
        return h.send(200, b"<html>", [("Content-Type", "application/json")])
    if repo == "tags/wrongname":
        name = "other/repo"
    elif repo == "tags/badtag":
        tl = ["1", "../x"]
    elif repo == "tags/away":
        link = "<https://localhost:%d/v2/tags/away/tags/list?n=1&last=1>; rel=\"next\"" % port
    elif repo == "tags/loop":
        link = "<%s>; rel=\"next\"" % h.path
    hdrs = [("Content-Type", "application/json")] + ([("Link", link)] if link else [])
    return h.send(200, json.dumps({"name": name, "tags": tl}).encode(), hdrs)


EXTRA.update({r: tags for r in ("tags/junk", "tags/wrongname", "tags/badtag", "tags/away", "tags/loop")})
EXTRA["tags/paged"] = tags_paged


XFER_REPOS = ("resume/img", "norange/img", "diffid/img", "slowbad/img")
DROPPED = set()
BAD_SENT = threading.Event()
SLOW_HALF = threading.Condition()
SLOW_HALF.n = 0  # slowbad layers sent half-way
XFER_BLOBS = {}
_cfgdoc = json.loads(open(blob_path(CONFIG), "rb").read())
_cfgdoc["rootfs"]["diff_ids"][0] = "sha256:" + hashlib.sha256(b"not this layer").hexdigest()
_cfg = json.dumps(_cfgdoc).encode()
XFER_BLOBS["sha256:" + hashlib.sha256(_cfg).hexdigest()] = _cfg
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
