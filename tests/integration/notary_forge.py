#!/usr/bin/env python3
"""Forge Notary metadata for trust_notary.bats (python3-cryptography).

usage: notary_forge.py sign-root-with-new-key FILE   add a fresh ECDSA key to
           signed.keys (not to roles.root) and make it the only signature
       notary_forge.py drop-sig FILE KEYID_PREFIX    remove the signatures of a key
"""
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


if __name__ == "__main__":
    if sys.argv[1] == "sign-root-with-new-key":
        sign_with_new_key(sys.argv[2])
    elif sys.argv[1] == "drop-sig":
        drop_sig(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
