#!/usr/bin/python3
"""sigstore bundles made without brig or sigstore-js, from the published
formats (sigstore protobuf-specs Bundle v0.3 in its JSON mapping, DSSE's
PAE, in-toto statements, Rekor's SET, RFC 6962 Merkle trees, signed-note
checkpoints, Fulcio's certificate extensions), for the tests of brig's
bundle verifier that must run where npm is not reachable.

    bundle_vectors.py key DIR DIGEST NAME [--rekor AGE]
        DIR/key.pem, DIR/key.pub and DIR/bundle.json: a key-based bundle;
        with --rekor, also a Rekor entry (dsse) made AGE seconds ago, its
        SET and checkpoint signed by the key in DIR/rekor.pub
    bundle_vectors.py attach HOST REPO DIGEST CA BUNDLE
        BUNDLE attached to REPO@DIGEST in the registry HOST (TLS, CA) as
        cosign 3 attaches it where there is no referrers API: the bundle
        and the empty config as blobs, the referrer manifest, and an OCI
        index naming it under the fallback tag sha256-HEX
    bundle_vectors.py fulcio DIR DIGEST NAME EMAIL ISSUER [options]
        DIR/ca.pem (root), DIR/intermediate.pem, DIR/rekor.pub and
        DIR/bundle.json: a bundle with
        a certificate (chained through an intermediate) and a Rekor entry
        in a tree of --tree N leaves at --index I (default 13 at 6), with
        its SET and a checkpoint signed by the Rekor key
        --kind dsse|intoto   the entry's kind (dsse 0.0.1 by default)
        --late SECONDS       the entry's time that much after the
                             certificate expired
        --no-tlog            no Rekor entry (a bundle to be timed by an
                             RFC 3161 timestamp alone)
        --expired            the certificate's ten minutes ended ten
                             minutes ago
        --sct                the certificate carries an SCT (RFC 6962
                             precertificate SCT list) by a CT log whose
                             key is DIR/ctlog.pub
        --sct-bad            the same, its signature over other bytes
All keys ECDSA P-256, signatures DER over SHA-256, base64 standard."""
import base64, datetime, hashlib, json, os, sys, urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

B64 = lambda b: base64.b64encode(b).decode()
PEM_PUB = dict(encoding=serialization.Encoding.PEM,
               format=serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(key, data):
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def pae(typ, body):
    t = typ.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def statement(digest, name):
    return json.dumps({"_type": "https://in-toto.io/Statement/v1",
                       "subject": [{"name": name, "digest": {"sha256": digest[7:]}}],
                       "predicateType": "https://sigstore.dev/cosign/sign/v1",
                       "predicate": {}}, separators=(",", ":")).encode()


def envelope(key, digest, name):
    payload = statement(digest, name)
    sig = sign(key, pae("application/vnd.in-toto+json", payload))
    return payload, sig, {"payload": B64(payload), "payloadType": "application/vnd.in-toto+json",
                          "signatures": [{"sig": B64(sig), "keyid": ""}]}


def cmd_key(d, digest, name, opts):
    key = ec.generate_private_key(ec.SECP256R1())
    open(os.path.join(d, "key.pem"), "wb").write(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    pub_pem = key.public_key().public_bytes(**PEM_PUB)
    open(os.path.join(d, "key.pub"), "wb").write(pub_pem)
    payload, sig, env = envelope(key, digest, name)
    tlog = []
    if "--rekor" in opts:
        rekor_k = ec.generate_private_key(ec.SECP256R1())
        body = json.dumps(entry_body("dsse", payload, sig, pub_pem),
                          separators=(",", ":"), sort_keys=True).encode()
        when = int(datetime.datetime.now(datetime.timezone.utc).timestamp()) - int(opts["--rekor"])
        tlog = [tlog_entry(rekor_k, body, when, 5, 2)]
        open(os.path.join(d, "rekor.pub"), "wb").write(rekor_k.public_key().public_bytes(**PEM_PUB))
    write(d, {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {"publicKey": {"hint": "k"}, "tlogEntries": tlog},
              "dsseEnvelope": env})


def cmd_attach(host, repo, digest, ca, bundle_file):
    import ssl
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from simplesig import put_blob, request
    ctx = ssl.create_default_context(cafile=ca)
    base = "https://" + host
    bt = "application/vnd.dev.sigstore.bundle.v0.3+json"
    layer = put_blob(ctx, base, repo, open(bundle_file, "rb").read())
    cfg = put_blob(ctx, base, repo, b"{}")
    with urllib.request.urlopen(urllib.request.Request(
            "%s/v2/%s/manifests/%s" % (base, repo, digest), method="HEAD",
            headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}), context=ctx) as r:
        subject = {"mediaType": r.headers["Content-Type"], "digest": digest,
                   "size": int(r.headers["Content-Length"])}
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "artifactType": bt,
                      "config": dict(mediaType="application/vnd.oci.empty.v1+json", **cfg),
                      "layers": [dict(mediaType=bt, **layer)], "subject": subject}).encode()
    md = "sha256:" + hashlib.sha256(man).hexdigest()
    request(ctx, "PUT", "%s/v2/%s/manifests/%s" % (base, repo, md), man,
            "application/vnd.oci.image.manifest.v1+json")
    idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                      "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                     "digest": md, "size": len(man), "artifactType": bt}]}).encode()
    request(ctx, "PUT", "%s/v2/%s/manifests/%s" % (base, repo, digest.replace(":", "-")), idx,
            "application/vnd.oci.image.index.v1+json")


def write(d, bundle):
    with open(os.path.join(d, "bundle.json"), "w") as f:
        json.dump(bundle, f, separators=(",", ":"))


# ---- RFC 6962 Merkle trees ------------------------------------------------

def leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


# ---- certificates ---------------------------------------------------------

def utf8der(s):
    b = s.encode()
    return bytes([0x0C, len(b)]) + b


def cert(subject, issuer, pub, signer, start, end, ca, ext=(), serial=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(pub).serial_number(serial or x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    for e, crit in ext:
        b = b.add_extension(e, critical=crit)
    return b.sign(signer, hashes.SHA256())


def tls_vec(data, n):
    return len(data).to_bytes(n, "big") + data


def der_octets(data):
    n = len(data)
    ln = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82]) + n.to_bytes(2, "big")
    return b"\x04" + ln + data


def sct_ext(log_k, issuer_pub, tbs, when_ms, bad):
    """RFC 6962 3.2/3.3: an SCT over the precertificate entry (issuer key
    hash, TBSCertificate without this extension), as the extension value."""
    spki = lambda k: k.public_bytes(serialization.Encoding.DER,
                                    serialization.PublicFormat.SubjectPublicKeyInfo)
    ts = when_ms.to_bytes(8, "big")
    signed = (b"\x00\x00" + ts + b"\x00\x01" + hashlib.sha256(spki(issuer_pub)).digest()
              + tls_vec(tbs + (b"x" if bad else b""), 3) + tls_vec(b"", 2))
    sig = sign(log_k, signed)
    sct = (b"\x00" + hashlib.sha256(spki(log_k.public_key())).digest() + ts + tls_vec(b"", 2)
           + b"\x04\x03" + tls_vec(sig, 2))
    return x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"),
                                      der_octets(tls_vec(tls_vec(sct, 2), 2)))


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def fulcio_chain(email, issuer, now, log_k=None, bad=False):
    root_k = ec.generate_private_key(ec.SECP256R1())
    mid_k = ec.generate_private_key(ec.SECP256R1())
    leaf_k = ec.generate_private_key(ec.SECP256R1())
    day = datetime.timedelta(days=1)
    root = cert(name("test fulcio root"), name("test fulcio root"), root_k.public_key(), root_k,
                now - day, now + day, True)
    mid = cert(name("test fulcio intermediate"), root.subject, mid_k.public_key(), root_k,
               now - day, now + day, True)
    oid = x509.ObjectIdentifier
    ext = [
        (x509.KeyUsage(True, False, False, False, False, False, False, False, False), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False),
        (x509.SubjectAlternativeName([x509.RFC822Name(email)]), True),
        (x509.UnrecognizedExtension(oid("1.3.6.1.4.1.57264.1.1"), issuer.encode()), False),
        (x509.UnrecognizedExtension(oid("1.3.6.1.4.1.57264.1.8"), utf8der(issuer)), False),
    ]
    serial = x509.random_serial_number()
    leaf = lambda e: cert(x509.Name([]), mid.subject, leaf_k.public_key(), mid_k,
                          now - datetime.timedelta(minutes=1), now + datetime.timedelta(minutes=10),
                          False, e, serial)
    leaf_c = leaf(ext)
    if log_k:
        when_ms = int((now - datetime.timedelta(seconds=30)).timestamp() * 1000)
        ext.append((sct_ext(log_k, mid_k.public_key(), leaf_c.tbs_certificate_bytes, when_ms, bad), False))
        leaf_c = leaf(ext)
    return root, mid, leaf_c, leaf_k


def entry_body(kind, payload, sig, leaf_pem):
    ph = {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}
    if kind == "dsse":
        return {"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": "00" * 32}, "payloadHash": ph,
            "signatures": [{"signature": B64(sig), "verifier": B64(leaf_pem)}]}}
    return {"apiVersion": "0.0.2", "kind": "intoto", "spec": {"content": {
        "envelope": {"payloadType": "application/vnd.in-toto+json",
                     "signatures": [{"sig": B64(B64(sig).encode()), "publicKey": B64(B64(leaf_pem).encode())}]},
        "hash": {"algorithm": "sha256", "value": "00" * 32}, "payloadHash": ph}}}


def tlog_entry(rekor_k, body, when, size, index):
    rekor_der = rekor_k.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    log_id = hashlib.sha256(rekor_der).digest()
    log_index = 1000 + index
    set_doc = json.dumps({"body": B64(body), "integratedTime": when, "logID": log_id.hex(),
                          "logIndex": log_index}, separators=(",", ":"), sort_keys=True).encode()
    leaves = [leaf(os.urandom(40)) for _ in range(size)]
    leaves[index] = leaf(body)
    root = mth(leaves)
    note = "rekor.test - 1234\n%d\n%s\nTimestamp: %d\n" % (size, B64(root), when * 10**9)
    nsig = log_id[:4] + sign(rekor_k, note.encode())
    checkpoint = note + "\n\u2014 rekor.test " + B64(nsig) + "\n"
    return {"logIndex": str(log_index), "logId": {"keyId": B64(log_id)},
            "kindVersion": {"kind": json.loads(body)["kind"], "version": json.loads(body)["apiVersion"]},
            "integratedTime": str(when),
            "inclusionPromise": {"signedEntryTimestamp": B64(sign(rekor_k, set_doc))},
            "inclusionProof": {"logIndex": str(index), "rootHash": B64(root), "treeSize": str(size),
                               "hashes": [B64(h) for h in path(index, leaves)],
                               "checkpoint": {"envelope": checkpoint}},
            "canonicalizedBody": B64(body)}


def cmd_fulcio(d, digest, nm, email, issuer, opts):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    minutes = datetime.timedelta(minutes=20 if "--expired" in opts else 0)
    log_k = None
    if "--sct" in opts or "--sct-bad" in opts:
        log_k = ec.generate_private_key(ec.SECP256R1())
        open(os.path.join(d, "ctlog.pub"), "wb").write(log_k.public_key().public_bytes(**PEM_PUB))
    root, mid, leaf_c, leaf_k = fulcio_chain(email, issuer, now - minutes, log_k, "--sct-bad" in opts)
    rekor_k = ec.generate_private_key(ec.SECP256R1())
    payload, sig, env = envelope(leaf_k, digest, nm)
    leaf_pem = leaf_c.public_bytes(serialization.Encoding.PEM)
    body = json.dumps(entry_body(opts.get("--kind", "dsse"), payload, sig, leaf_pem),
                      separators=(",", ":"), sort_keys=True).encode()
    when = int(now.timestamp()) + (660 + int(opts["--late"]) if "--late" in opts else 0)
    entry = tlog_entry(rekor_k, body, when, int(opts.get("--tree", 13)), int(opts.get("--index", 6)))
    der = lambda c: {"rawBytes": B64(c.public_bytes(serialization.Encoding.DER))}
    write(d, {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {"x509CertificateChain": {"certificates": [der(leaf_c), der(mid)]},
                                       "tlogEntries": [] if "--no-tlog" in opts else [entry]},
              "dsseEnvelope": env})
    open(os.path.join(d, "ca.pem"), "wb").write(root.public_bytes(serialization.Encoding.PEM))
    open(os.path.join(d, "intermediate.pem"), "wb").write(mid.public_bytes(serialization.Encoding.PEM))
    open(os.path.join(d, "rekor.pub"), "wb").write(rekor_k.public_key().public_bytes(**PEM_PUB))


def main(a):
    if a[0] == "attach":
        return cmd_attach(*a[1:6])
    os.makedirs(a[1], exist_ok=True)
    if a[0] == "key":
        return cmd_key(a[1], a[2], a[3], dict(zip(a[4::2], a[5::2])))
    if a[0] == "fulcio":
        flags = [x for x in a[6:] if x in ("--no-tlog", "--expired", "--sct", "--sct-bad")]
        rest = [x for x in a[6:] if x not in flags]
        opts = dict(zip(rest[::2], rest[1::2]), **{f: "" for f in flags})
        return cmd_fulcio(a[1], a[2], a[3], a[4], a[5], opts)
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
