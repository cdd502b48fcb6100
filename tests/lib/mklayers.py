#!/usr/bin/env python3
"""Write an OCI image layout of an image with several gzip layers.

usage: mklayers.py OUTDIR LAYERS BYTES [FILES]

OUTDIR becomes an OCI image layout (as `skopeo copy ... oci:` reads it)
holding one image, ref name "img", for linux and this machine's
architecture: LAYERS layers, each a tar of FILES regular files (default 4)
under /lN/ with BYTES bytes in all.  The data is random but compressible
(hex text, so gzip halves it), different in every layer and every run.
"""
import gzip
import hashlib
import io
import json
import os
import platform
import sys
import tarfile

out, n_layers, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n_files = int(sys.argv[4]) if len(sys.argv) > 4 else 4
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)


def put(data):
    h = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, h), "wb") as f:
        f.write(data)
    return "sha256:" + h, len(data)


def layer(i):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo("l%d" % i)
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 0
        t.addfile(d)
        for k in range(n_files):
            size = total // n_files + (total % n_files if k == 0 else 0)
            data = os.urandom((size + 1) // 2).hex().encode()[:size]
            f = tarfile.TarInfo("l%d/f%d" % (i, k))
            f.size, f.mode, f.mtime = len(data), 0o644, 0
            t.addfile(f, io.BytesIO(data))
    tar = raw.getvalue()
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    gz = gzip.compress(tar, compresslevel=1, mtime=0)
    return diff_id, put(gz)


layers = [layer(i) for i in range(n_layers)]
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
config = {
    "architecture": arch,
    "os": "linux",
    "config": {"Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": [d for d, _ in layers]},
    "history": [{"created_by": "mklayers.py"} for _ in layers],
}
cdig, csize = put(json.dumps(config).encode())
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdig, "size": csize},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": s}
               for _, (d, s) in layers],
}
mdig, msize = put(json.dumps(manifest).encode())
with open(os.path.join(out, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [
        {"mediaType": manifest["mediaType"], "digest": mdig, "size": msize,
         "annotations": {"org.opencontainers.image.ref.name": "img"}}]}, f)
