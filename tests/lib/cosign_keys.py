#!/usr/bin/python3
"""cosign's encrypted private key, written and read without brig, for the
interop tests of `brig trust key` (docs/trust-sigstore.md).

    cosign_keys.py write KEY PUB [ecdsa|rsa|ed25519]   a new key pair
    cosign_keys.py read KEY                             the public key (PEM)

The passphrase is $BRIG_PASSPHRASE.  Format: PEM "ENCRYPTED SIGSTORE PRIVATE
KEY" around {"kdf": {"name": "scrypt", "params": {N, r, p}, "salt"},
"cipher": {"name": "nacl/secretbox", "nonce"}, "ciphertext"}, the secretbox
(XSalsa20-Poly1305, tag first) of the PKCS #8 DER under scrypt(passphrase,
salt) -- scrypt and the keys from python3-cryptography; NaCl's secretbox
written out here from its specification (Debian's python3-nacl is not
installed), so that it shares no code with brig's libsodium."""
import base64, json, os, sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

M32 = 0xFFFFFFFF


def rotl(v, c):
    return ((v << c) & M32) | (v >> (32 - c))


def qr(y, a, b, c, d):
    y[b] ^= rotl((y[a] + y[d]) & M32, 7)
    y[c] ^= rotl((y[b] + y[a]) & M32, 9)
    y[d] ^= rotl((y[c] + y[b]) & M32, 13)
    y[a] ^= rotl((y[d] + y[c]) & M32, 18)


def salsa_rounds(x):
    y = list(x)
    for _ in range(10):
        qr(y, 0, 4, 8, 12); qr(y, 5, 9, 13, 1); qr(y, 10, 14, 2, 6); qr(y, 15, 3, 7, 11)
        qr(y, 0, 1, 2, 3); qr(y, 5, 6, 7, 4); qr(y, 10, 11, 8, 9); qr(y, 15, 12, 13, 14)
    return y


SIGMA = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]


def words(b):
    return [int.from_bytes(b[i:i + 4], "little") for i in range(0, len(b), 4)]


def setup(key, sixteen):
    k, n = words(key), words(sixteen)
    return [SIGMA[0], *k[:4], SIGMA[1], *n, SIGMA[2], *k[4:], SIGMA[3]]


def hsalsa20(key, n16):
    y = salsa_rounds(setup(key, n16))
    return b"".join(y[i].to_bytes(4, "little") for i in (0, 5, 10, 15, 6, 7, 8, 9))


def salsa20_stream(key, n8, length):
    out = b""
    ctr = 0
    while len(out) < length:
        x = setup(key, n8 + ctr.to_bytes(8, "little"))
        y = salsa_rounds(x)
        out += b"".join(((y[i] + x[i]) & M32).to_bytes(4, "little") for i in range(16))
        ctr += 1
    return out[:length]


def poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p, acc = (1 << 130) - 5, 0
    for i in range(0, len(msg), 16):
        acc = (acc + int.from_bytes(msg[i:i + 16] + b"\x01", "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def secretbox(key, nonce, plain):
    sub = hsalsa20(key, nonce[:16])
    stream = salsa20_stream(sub, nonce[16:], 32 + len(plain))
    ct = bytes(a ^ b for a, b in zip(plain, stream[32:]))
    return poly1305(stream[:32], ct) + ct


def secretbox_open(key, nonce, box):
    sub = hsalsa20(key, nonce[:16])
    stream = salsa20_stream(sub, nonce[16:], len(box) + 16)
    if poly1305(stream[:32], box[16:]) != box[:16]:
        raise ValueError("decryption failed")
    return bytes(a ^ b for a, b in zip(box[16:], stream[32:]))


def kdf(pw, salt, n, r, p):
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(pw)


def b64(b):
    return base64.b64encode(b).decode()


def write(keyfile, pubfile, kind):
    pw = os.environ["BRIG_PASSPHRASE"].encode()
    k = {"ecdsa": lambda: ec.generate_private_key(ec.SECP256R1()),
         "rsa": lambda: rsa.generate_private_key(65537, 2048),
         "ed25519": ed25519.Ed25519PrivateKey.generate}[kind]()
    der = k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    salt, nonce = os.urandom(32), os.urandom(24)
    box = secretbox(kdf(pw, salt, 32768, 8, 1), nonce, der)
    doc = {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": b64(salt)},
           "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)}, "ciphertext": b64(box)}
    body = base64.b64encode(json.dumps(doc).encode()).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    with open(keyfile, "w") as f:
        f.write("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n" + "\n".join(lines) +
                "\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
    with open(pubfile, "wb") as f:
        f.write(k.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo))


def load(keyfile):
    """The private key a cosign key file holds (the passphrase from the env)."""
    text = open(keyfile).read().split("\n")
    begin = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"
    end = "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----"
    body = "".join(text[text.index(begin) + 1:text.index(end)])
    doc = json.loads(base64.b64decode(body))
    assert doc["kdf"]["name"] == "scrypt" and doc["cipher"]["name"] == "nacl/secretbox"
    par = doc["kdf"]["params"]
    key = kdf(os.environ["BRIG_PASSPHRASE"].encode(), base64.b64decode(doc["kdf"]["salt"]),
              par["N"], par["r"], par["p"])
    der = secretbox_open(key, base64.b64decode(doc["cipher"]["nonce"]),
                         base64.b64decode(doc["ciphertext"]))
    return serialization.load_der_private_key(der, None)


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "ecdsa")
    elif sys.argv[1] == "read":
        try:
            k = load(sys.argv[2])
        except ValueError as err:
            sys.exit("cosign_keys.py: %s" % err)
        sys.stdout.write(k.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    else:
        sys.exit("usage: cosign_keys.py write KEY PUB [ecdsa|rsa|ed25519] | read KEY")


if __name__ == "__main__":
    main()
