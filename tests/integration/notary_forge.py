#!/usr/bin/env python3
"""Forge Notary metadata for trust_notary.bats (python3-cryptography).

usage: notary_forge.py sign-root-with-new-key FILE   add a fresh ECDSA key to
           signed.keys (not to roles.root) and make it the only signature
       notary_forge.py drop-sig FILE KEYID_PREFIX    remove the signatures of a key
       notary_forge.py repo KEYDIR OUT GUN [NAME=VALUE...]
           a whole repository in Notary's dialect signed by keys this script
           holds (made in KEYDIR on first use, reused after): root v1 (an
           ecdsa-x509 certificate, CN=GUN), targets signing v1, a
           targets/releases delegation signing v2, snapshot, timestamp.
           NAME: ts, sn, tg, rel (versions, default 1), sn_expires (RFC 3339,
           default 2030), rel_paths (comma-separated, default ""), delegate=0
           (targets delegates nothing; the snapshot still lists releases)
"""
import datetime, os
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write(path, doc):
    with open(path, "wb") as f:
        f.write(b'{"signed":' + canonical(doc["signed"]) + b',"signatures":' +
                canonical(doc["signatures"]) + b"}")


def sign_with_new_key(path):
    doc = json.load(open(path))
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    pub = {"keytype": "ecdsa", "keyval": {"private": None, "public": base64.b64encode(der).decode()}}
    kid = hashlib.sha256(canonical(pub)).hexdigest()
    doc["signed"]["keys"][kid] = pub
    r, s = utils.decode_dss_signature(key.sign(canonical(doc["signed"]), ec.ECDSA(hashes.SHA256())))
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    doc["signatures"] = [{"keyid": kid, "method": "ecdsa", "sig": base64.b64encode(sig).decode()}]
    write(path, doc)
    print(kid)


def drop_sig(path, prefix):
    doc = json.load(open(path))
    doc["signatures"] = [s for s in doc["signatures"] if not s["keyid"].startswith(prefix)]
    write(path, doc)


def b64(b):
    return base64.b64encode(b).decode()


def keys(kdir, gun):
    os.makedirs(kdir, exist_ok=True)
    out = {}
    for role in ("root", "targets", "snapshot", "timestamp", "releases"):
        path = os.path.join(kdir, role + ".pem")
        if not os.path.exists(path):
            k = ec.generate_private_key(ec.SECP256R1())
            open(path, "wb").write(k.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
        k = serialization.load_pem_private_key(open(path, "rb").read(), None)
        if role in ("root", "releases"):
            pub = {"keytype": "ecdsa-x509", "keyval": {"private": None, "public": b64(cert(kdir, role, k, gun))}}
        else:
            der = k.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
            pub = {"keytype": "ecdsa", "keyval": {"private": None, "public": b64(der)}}
        out[role] = (k, hashlib.sha256(canonical(pub)).hexdigest(), pub)
    return out


def cert(kdir, role, k, gun):
    path = os.path.join(kdir, role + ".crt")
    if not os.path.exists(path):
        from cryptography import x509
        from cryptography.x509.oid import NameOID
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, gun if role == "root" else role)])
        t0 = datetime.datetime(2026, 1, 1)
        c = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
             .public_key(k.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(t0).not_valid_after(t0 + datetime.timedelta(days=3650))
             .sign(k, hashes.SHA256()))
        open(path, "wb").write(c.public_bytes(serialization.Encoding.PEM))
    return open(path, "rb").read()


def envelope(signed, key):
    k, kid, _ = key
    r, s = utils.decode_dss_signature(k.sign(canonical(signed), ec.ECDSA(hashes.SHA256())))
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return (b'{"signed":' + canonical(signed) + b',"signatures":' +
            canonical([{"keyid": kid, "method": "ecdsa", "sig": b64(sig)}]) + b"}")


def meta(raw):
    return {"hashes": {"sha256": b64(hashlib.sha256(raw).digest()),
                       "sha512": b64(hashlib.sha512(raw).digest())}, "length": len(raw)}


def repo(kdir, out, gun, opts):
    o = {"ts": "1", "sn": "1", "tg": "1", "rel": "1", "sn_expires": "2030-01-01T00:00:00Z",
         "rel_paths": "", "delegate": "1"}
    o.update(a.split("=", 1) for a in opts)
    K = keys(kdir, gun)
    far = "2030-01-01T00:00:00Z"
    role = lambda r: {"keyids": [K[r][1]], "threshold": 1}
    # one root for every call (ECDSA signatures differ each time)
    rpath = os.path.join(kdir, "root.json")
    if os.path.exists(rpath):
        root = open(rpath, "rb").read()
    else:
        root = None
    root = root or envelope({"_type": "Root", "consistent_snapshot": False, "expires": far,
                     "keys": {K[r][1]: K[r][2] for r in ("root", "targets", "snapshot", "timestamp")},
                     "roles": {r: role(r) for r in ("root", "targets", "snapshot", "timestamp")},
                     "version": 1}, K["root"])
    open(rpath, "wb").write(root)
    target = {"hashes": {"sha256": b64(hashlib.sha256(b"m").digest())}, "length": 1}
    dele = {"keys": {}, "roles": []}
    if o["delegate"] == "1":
        dele = {"keys": {K["releases"][1]: K["releases"][2]},
                "roles": [dict(role("releases"), name="targets/releases",
                               paths=o["rel_paths"].split(","))]}
    tg = envelope({"_type": "Targets", "delegations": dele, "expires": far,
                   "targets": {"v1": target}, "version": int(o["tg"])}, K["targets"])
    rel = envelope({"_type": "Targets", "delegations": {"keys": {}, "roles": []}, "expires": far,
                    "targets": {"v2": target}, "version": int(o["rel"])}, K["releases"])
    sn = envelope({"_type": "Snapshot", "expires": o["sn_expires"],
                   "meta": {"root": meta(root), "targets": meta(tg), "targets/releases": meta(rel)},
                   "version": int(o["sn"])}, K["snapshot"])
    ts = envelope({"_type": "Timestamp", "expires": far, "meta": {"snapshot": meta(sn)},
                   "version": int(o["ts"])}, K["timestamp"])
    os.makedirs(out, exist_ok=True)
    for name, raw in (("root.json", root), ("targets.json", tg), ("targets-releases.json", rel),
                      ("snapshot.json", sn), ("timestamp.json", ts)):
        open(os.path.join(out, name), "wb").write(raw)


if __name__ == "__main__":
    if len(sys.argv) > 4 and sys.argv[1] == "repo":
        repo(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
        sys.exit(0)
    if sys.argv[1] == "sign-root-with-new-key":
        sign_with_new_key(sys.argv[2])
    elif sys.argv[1] == "drop-sig":
        drop_sig(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
