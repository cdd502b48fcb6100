#!/usr/bin/python3
"""sigstore "simple signing" payloads and signatures made without brig, as
the format is published (cosign's payload package; containers-signature(5)
for the sigstore variant), for the tests of `brig trust sign|verify`.

    simplesig.py payload REF DIGEST > payload     cosign's exact bytes
    simplesig.py sign KEY PAYLOAD > sig           KEY: a cosign key file
                                                  (passphrase: $BRIG_PASSPHRASE)
    simplesig.py verify PUB PAYLOAD SIG           exit 0 when valid
    simplesig.py push HOST REPO DIGEST CA PAYLOAD SIG [PAYLOAD SIG...]
                                                  a .sig manifest, one layer
                                                  per signature, written over
                                                  the registry API (TLS, CA)
ECDSA: ASN.1 DER over SHA-256; RSA: PKCS #1 v1.5 over SHA-256; Ed25519:
over the payload itself; base64 (standard, padded)."""
import base64, hashlib, json, os, ssl, sys, urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cosign_keys  # noqa: E402


def payload(ref, digest):
    """$SIMPLESIG_TIMESTAMP: an "optional" of {"creator", "timestamp"} (as
    containers/image writes them) instead of null."""
    ts = os.environ.get("SIMPLESIG_TIMESTAMP")
    doc = {"critical": {"identity": {"docker-reference": ref},
                        "image": {"docker-manifest-digest": digest},
                        "type": "cosign container image signature"},
           "optional": {"creator": "simplesig.py", "timestamp": int(ts)} if ts else None}
    return json.dumps(doc, separators=(",", ":")).encode()


def sign(key, data):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def verify(pub, data, sig):
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(pub, rsa.RSAPublicKey):
        pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        pub.verify(sig, data)


def request(ctx, method, url, body=None, ctype=None):
    req = urllib.request.Request(url, data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, context=ctx) as resp:
        return resp.status, resp.headers


def put_blob(ctx, base, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _, h = request(ctx, "POST", "%s/v2/%s/blobs/uploads/" % (base, repo), b"")
    loc = h["Location"]
    if loc.startswith("/"):
        loc = base + loc
    sep = "&" if "?" in loc else "?"
    request(ctx, "PUT", loc + sep + "digest=" + digest, data, "application/octet-stream")
    return {"digest": digest, "size": len(data)}


def push(host, repo, digest, ca, *pairs):
    """A .sig of one layer per PAYLOAD SIG pair.  $SIMPLESIG_FIRST_SIZE_DELTA
    misstates the first layer's size by that many bytes;
    $SIMPLESIG_FIRST_MEDIA_TYPE gives it another media type."""
    ctx = ssl.create_default_context(cafile=ca)
    base = "https://" + host
    layers = []
    for i in range(0, len(pairs), 2):
        data, sig = open(pairs[i], "rb").read(), open(pairs[i + 1]).read().strip()
        layer = put_blob(ctx, base, repo, data)
        mt = "application/vnd.dev.cosign.simplesigning.v1+json"
        if i == 0:
            layer["size"] += int(os.environ.get("SIMPLESIG_FIRST_SIZE_DELTA", "0"))
            mt = os.environ.get("SIMPLESIG_FIRST_MEDIA_TYPE", mt)
        layers.append(dict(mediaType=mt, annotations={"dev.cosignproject.cosign/signature": sig},
                           **layer))
    cfg = json.dumps({"architecture": "", "os": "", "config": {},
                      "rootfs": {"type": "layers",
                                 "diff_ids": [l["digest"] for l in layers]}}).encode()
    cdesc = put_blob(ctx, base, repo, cfg)
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **cdesc),
           "layers": layers}
    tag = digest.replace(":", "-") + ".sig"
    request(ctx, "PUT", "%s/v2/%s/manifests/%s" % (base, repo, tag), json.dumps(man).encode(),
            "application/vnd.oci.image.manifest.v1+json")


def main():
    a = sys.argv
    if a[1] == "payload":
        sys.stdout.buffer.write(payload(a[2], a[3]))
    elif a[1] == "sign":
        key = cosign_keys.load(a[2])
        print(base64.b64encode(sign(key, open(a[3], "rb").read())).decode())
    elif a[1] == "verify":
        pub = serialization.load_pem_public_key(open(a[2], "rb").read())
        try:
            verify(pub, open(a[3], "rb").read(), base64.b64decode(open(a[4]).read().strip()))
        except Exception:  # cryptography's InvalidSignature
            sys.exit("simplesig.py: the signature does not verify")
    elif a[1] == "push" and len(a) >= 8 and len(a) % 2 == 0:
        push(*a[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
