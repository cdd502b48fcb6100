#!/usr/bin/env python3
# token_issuer.py DIR SERVICE ISSUER: a small token server for
# docker-registry's "auth: token:" (distribution's token authentication
# spec), over TLS on 127.0.0.1, for the tests.  Started and stopped by
# scripts/registry-test.sh --token.
#
# DIR holds:
#   tls/server.crt, tls/server.key  its TLS certificate (127.0.0.1)
#   tls/token.key, tls/token.crt    the signing key and its self-signed
#                                   certificate (the registry's
#                                   rootcertbundle)
#   users                           USER:PASSWORD lines (mode 0600)
#   refresh (optional)              REFRESH_TOKEN:USER lines: the identity
#                                   (OAuth2 refresh) tokens it honours
#   issuer.json (optional)          read at every request:
#                                   {"expires_in": N (default 300),
#                                    "issued_at_offset": S (seconds added to
#                                    the issued_at it reports, default 0),
#                                    "answer": "huge" (a 100 KiB token) or
#                                    "notoken" (no token in the answer)}
# and gets:
#   issuer.port                     the port it listens on
#   issuer.log                      one line per request: "token USER SCOPES"
#                                   or "refused REASON" (never a password)
#
# GET /token?service=S&scope=A&scope=B with HTTP Basic credentials: the
# credentials must be a line of DIR/users and S the registry's service;
# every scope asked for is granted.  The token is a JWT signed with RS256,
# its header carrying the signing certificate as "x5c" (the registry
# verifies it against its rootcertbundle); claims iss, sub, aud, exp, nbf,
# iat, jti and access.  The answer: {"token", "access_token",
# "expires_in", "issued_at"}.
#
# POST /token, application/x-www-form-urlencoded (distribution's OAuth2
# token spec): grant_type=refresh_token with refresh_token (a line of
# DIR/refresh), service, client_id (required) and scope (space-separated
# scopes); no Authorization header is wanted.  The answer: {"access_token",
# "expires_in", "issued_at", "scope"}, and "refresh_token" when issuer.json
# says "rotate": NEW (NEW then replaces the token used in DIR/refresh).  Logged
# as "token USER SCOPES (refresh_token)"; a refusal as "refused REASON".
import base64
import datetime
import hmac
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

DIR, SERVICE, ISSUER = sys.argv[1], sys.argv[2], sys.argv[3]
LOCK = threading.Lock()

with open(os.path.join(DIR, "tls/token.key"), "rb") as f:
    SIGN_KEY = serialization.load_pem_private_key(f.read(), password=None)
with open(os.path.join(DIR, "tls/token.crt"), "rb") as f:
    CERT_DER = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def log(line):
    with LOCK, open(os.path.join(DIR, "issuer.log"), "a") as f:
        f.write(line + "\n")


def settings():
    try:
        with open(os.path.join(DIR, "issuer.json")) as f:
            s = json.load(f)
    except FileNotFoundError:
        s = {}
    return int(s.get("expires_in", 300)), int(s.get("issued_at_offset", 0)), s.get("answer")


def rotate_to():
    try:
        with open(os.path.join(DIR, "issuer.json")) as f:
            return json.load(f).get("rotate")
    except FileNotFoundError:
        return None


def refresh_tokens():
    out = {}
    try:
        with open(os.path.join(DIR, "refresh")) as f:
            for line in f:
                t, _, u = line.rstrip("\n").partition(":")
                out[t] = u
    except FileNotFoundError:
        pass
    return out


def users():
    out = {}
    with open(os.path.join(DIR, "users")) as f:
        for line in f:
            u, _, p = line.rstrip("\n").partition(":")
            out[u] = p
    return out


def access(scopes):
    out = []
    for s in scopes:
        for one in s.split(" "):
            parts = one.split(":")
            if len(parts) < 3:
                continue
            out.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                        "actions": [a for a in parts[-1].split(",") if a]})
    return out


def jwt(user, scopes, expires_in):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(CERT_DER).decode()]}
    claims = {"iss": ISSUER, "sub": user, "aud": SERVICE, "exp": now + expires_in,
              "nbf": now - 1, "iat": now, "jti": secrets.token_hex(16),
              "access": access(scopes)}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    sig = SIGN_KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(sig)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, obj, extra=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def user(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None
        try:
            u, _, p = base64.b64decode(h[6:], validate=True).decode().partition(":")
        except ValueError:
            return None
        want = users().get(u)
        return u if want is not None and hmac.compare_digest(want, p) else None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/token":
            return self.send(404, {"errors": [{"code": "NOT_FOUND"}]})
        q = urllib.parse.parse_qs(url.query)
        if q.get("service") != [SERVICE]:
            log("refused service %s" % q.get("service"))
            return self.send(400, {"errors": [{"code": "DENIED", "message": "service"}]})
        user = self.user()
        if user is None:
            log("refused credentials")
            return self.send(401, {"errors": [{"code": "UNAUTHORIZED"}]},
                             [("WWW-Authenticate", 'Basic realm="token"')])
        scopes = q.get("scope", [])
        expires_in, offset, answer = settings()
        token = jwt(user, scopes, expires_in)
        if answer == "huge":
            token = "a" * (100 << 10)
        elif answer == "notoken":
            log("token %s %s (withheld)" % (user, " ".join(scopes) or "-"))
            return self.send(200, {"expires_in": expires_in})
        issued = datetime.datetime.now(datetime.timezone.utc) + \
            datetime.timedelta(seconds=offset)
        log("token %s %s" % (user, " ".join(scopes) or "-"))
        self.send(200, {"token": token, "access_token": token, "expires_in": expires_in,
                        "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%SZ")})


def do_post(h):
    url = urllib.parse.urlsplit(h.path)
    n = int(h.headers.get("Content-Length", "0"))
    body = h.rfile.read(n).decode() if 0 < n < 65536 else ""
    if url.path != "/token" or url.query:
        return h.send(404, {"errors": [{"code": "NOT_FOUND"}]})
    if h.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
        log("refused content-type %s" % h.headers.get("Content-Type"))
        return h.send(400, {"error": "invalid_request"})
    if "Authorization" in h.headers:
        log("refused authorization header with a refresh_token grant")
        return h.send(400, {"error": "invalid_request"})
    f = urllib.parse.parse_qs(body)
    one = lambda k: f.get(k, [None])[0]
    if one("grant_type") != "refresh_token" or not one("client_id"):
        log("refused grant %s client_id %s" % (one("grant_type"), one("client_id")))
        return h.send(400, {"error": "unsupported_grant_type"})
    if one("service") != SERVICE:
        log("refused service %s" % one("service"))
        return h.send(400, {"error": "invalid_request"})
    user = refresh_tokens().get(one("refresh_token") or "")
    if user is None:
        log("refused refresh_token")
        return h.send(401, {"error": "invalid_grant"})
    scopes = (one("scope") or "").split()
    expires_in, offset, _ = settings()
    token = jwt(user, scopes, expires_in)
    issued = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)
    ans = {"access_token": token, "expires_in": expires_in, "scope": " ".join(scopes),
           "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%SZ")}
    new = rotate_to()
    if new:  # the token used is replaced: only NEW works from now on
        old = one("refresh_token")
        with LOCK:
            keep = {t: u for t, u in refresh_tokens().items() if t != old}
            keep[new] = user
            with open(os.path.join(DIR, "refresh"), "w") as rf:
                rf.writelines("%s:%s\n" % kv for kv in keep.items())
        ans["refresh_token"] = new
    log("token %s %s (refresh_token)" % (user, " ".join(scopes) or "-"))
    h.send(200, ans)


Handler.do_POST = do_post


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(DIR, "tls/server.crt"), os.path.join(DIR, "tls/server.key"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = os.path.join(DIR, "issuer.port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(DIR, "issuer.port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
