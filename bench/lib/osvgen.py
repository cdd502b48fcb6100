#!/usr/bin/env python3
# osvgen.py DIR N STATUS: N OSV records shaped like Debian's OSV export
# (DEBIAN-CVE-*.json, one a file: id, modified, summary, details, related,
# affected[] for Debian:11, 12 and 13 with an ECOSYSTEM range and a list
# of versions), written to DIR for bench/scan.sh.  About 5 % name a source
# package of the dpkg status file STATUS (the scanned image's), the rest
# made-up names; versions are drawn around the installed ones so that
# some records affect the image and some are fixed.  Seeded: the same
# arguments give the same files.
import json
import os
import random
import sys

out, n, status = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(15)
srcs = {}
pkg = {}
for line in open(status, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line:
        if "Package" in pkg:
            src = pkg.get("Source", pkg["Package"]).split(" ")[0]
            srcs.setdefault(src, pkg["Version"])
        pkg = {}
    elif ":" in line and not line.startswith(" "):
        k, v = line.split(":", 1)
        pkg[k] = v.strip()
srcs = sorted(srcs.items())
words = ("lib", "python3-", "golang-", "node-", "ruby-", "perl-", "x11-", "gst-")
fake = ["%s%s%d" % (rnd.choice(words), rnd.choice(("foo", "bar", "core", "util", "net")), i)
        for i in range(4000)]


def versions_near(v):
    base = v.split("-")[0]
    return ["%s-%d" % (base, i) for i in range(1, rnd.randint(2, 30))] + \
        ["%s+deb%du%d" % (base, rel, i) for rel in (11, 12) for i in range(1, 4)]


os.makedirs(out, exist_ok=True)
for i in range(n):
    year = 2000 + i % 25
    cve = "CVE-%d-%05d" % (year, i)
    if srcs and rnd.random() < 0.05:
        name, ver = rnd.choice(srcs)
    else:
        name, ver = rnd.choice(fake), "%d.%d.%d-%d" % (rnd.randint(0, 9), rnd.randint(0, 30),
                                                         rnd.randint(0, 99), rnd.randint(1, 5))
    base = ver.split(":")[-1].split("-")[0]
    affected = []
    for rel in (11, 12, 13):
        fixed = rnd.choice((None, base + "-99", "0:" + base + "-0.1", base + "~rc1-1"))
        events = [{"introduced": "0"}] + ([{"fixed": fixed}] if fixed else [])
        affected.append({
            "package": {"ecosystem": "Debian:%d" % rel, "name": name,
                        "purl": "pkg:deb/debian/%s?arch=source" % name},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
            "versions": versions_near(ver),
            "ecosystem_specific": {"urgency": rnd.choice(("low", "medium", "high",
                                                          "unimportant", "not yet assigned"))},
            "database_specific": {"source": "https://security-tracker.debian.org/tracker/" + cve},
        })
    rec = {
        "id": "DEBIAN-" + cve,
        "modified": "2024-0%d-1%dT12:00:00Z" % (1 + i % 9, i % 10),
        "published": "%d-06-01T00:00:00Z" % year,
        "summary": "%s: a flaw in %s" % (cve, name),
        "details": ("A flaw was found in %s that may let a remote attacker cause a denial of "
                    "service or run code. " % name) * rnd.randint(1, 4),
        "related": [cve],
        "affected": affected,
        "schema_version": "1.6.0",
    }
    with open(os.path.join(out, "DEBIAN-%s.json" % cve), "w") as f:
        json.dump(rec, f, indent=2)
