#!/usr/bin/env bats
# brig scan IMAGE (src/audit, docs/audit.md): an image written by the test
# with planted problems (a setuid and a setgid binary, a world-writable
# directory, a PEM private key, an .env with a token, an apt cache, a dpkg
# status with several packages) and decoys (a sticky /tmp, a certificate,
# an .env without a value, a removed package, a key and credentials deleted
# by the second layer's whiteouts), and an OSV directory written by the
# test: brig scan finds exactly the planted problems; JSON and SARIF are
# checked against the fields their formats require, and the SARIF by
# Microsoft's validator too (tests/lib/sarif.bash).

bats_require_minimum_version 1.5.0
load ../lib/sarif

# make_image DIR: an oci-archive DIR.tar, named localhost/scan:1.
make_image() {
	python3 - "$1" <<-'PY'
		import hashlib, io, json, os, sys, tarfile
		d = sys.argv[1]
		os.makedirs(d + "/blobs/sha256")
		def put(b):
		    h = hashlib.sha256(b).hexdigest()
		    open(d + "/blobs/sha256/" + h, "wb").write(b)
		    return "sha256:" + h, len(b)
		KEY = b"-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\n"
		CERT = b"-----BEGIN CERTIFICATE-----\nMIIBszCCAV2gAwIBAgIUJ\n-----END CERTIFICATE-----\n"
		STATUS = b"""Package: libssl3
		Status: install ok installed
		Architecture: amd64
		Source: openssl
		Version: 3.0.11-1~deb12u1

		Package: openssl
		Status: install ok installed
		Architecture: amd64
		Version: 3.0.11-1~deb12u1
		Description: TLS tools
		 continued description line: Version: 9.9

		Package: zlib1g
		Status: install ok installed
		Architecture: amd64
		Source: zlib
		Version: 1:1.2.13.dfsg-1

		Package: bash
		Status: install ok installed
		Architecture: amd64
		Source: bash (5.2.15-2)
		Version: 5.2.15-2+b2

		Package: curl
		Status: deinstall ok config-files
		Architecture: amd64
		Version: 7.88.1-10
		""".replace(b"\n\t\t", b"\n")
		def layer(entries):
		    buf = io.BytesIO()
		    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
		        for name, mode, data in entries:
		            ti = tarfile.TarInfo(name)
		            ti.mode = mode
		            if data is None:
		                ti.type = tarfile.DIRTYPE
		                t.addfile(ti)
		            else:
		                ti.size = len(data)
		                t.addfile(ti, io.BytesIO(data))
		    return buf.getvalue()
		l1 = layer([
		    ("etc", 0o755, None), ("etc/os-release", 0o644, b'ID=debian\nVERSION_ID="12"\n'),
		    ("usr", 0o755, None), ("usr/bin", 0o755, None),
		    ("usr/bin/su-helper", 0o4755, b"\x7fELF"), ("usr/bin/wall-helper", 0o2755, b"\x7fELF"),
		    ("usr/bin/plain", 0o755, b"\x7fELF"),
		    ("srv", 0o755, None), ("srv/drop\x1b[31m", 0o777, None), ("tmp", 0o1777, None),
		    ("etc/ssl", 0o755, None), ("etc/ssl/private", 0o700, None),
		    ("etc/ssl/private/server.key", 0o600, KEY), ("etc/ssl/cert.pem", 0o644, CERT),
		    ("app", 0o755, None), ("app/.env", 0o644, b"# settings\nDEBUG=1\nAPI_TOKEN=s3cr3tvalue\n"),
		    ("app/.env.example", 0o644, b"API_TOKEN=\nDEBUG=0\n"),
		    ("root", 0o700, None), ("root/.aws", 0o700, None),
		    ("root/.aws/credentials", 0o600, b"[default]\naws_access_key_id=AKIA\n"),
		    ("home", 0o755, None), ("home/u", 0o755, None), ("home/u/old.key", 0o600, KEY),
		    ("opt", 0o755, None), ("opt/keys", 0o755, None), ("opt/keys/a.key", 0o600, KEY),
		    ("opt/keys/.netrc", 0o600, b"machine x login y password z\n"),
		    ("var", 0o755, None), ("var/lib", 0o755, None), ("var/lib/dpkg", 0o755, None),
		    ("var/lib/dpkg/status", 0o644, STATUS),
		    ("var/cache", 0o755, None), ("var/cache/apt", 0o755, None),
		    ("var/cache/apt/archives", 0o755, None),
		    ("var/cache/apt/archives/bash_5.2.15-2+b2_amd64.deb", 0o644, b"x" * 100),
		    ("var/cache/apt/archives/lock", 0o640, b""),
		])
		l2 = layer([
		    ("root", 0o700, None), ("root/.aws", 0o700, None), ("root/.aws/.wh.credentials", 0o600, b""),
		    ("home", 0o755, None), ("home/u", 0o755, None), ("home/u/.wh..wh..opq", 0o600, b""),
		    ("home/u/notes.txt", 0o644, b"nothing secret\n"),
		    ("opt", 0o755, None), ("opt/.wh.keys", 0o600, b""),
		])
		layers, diff_ids = [], []
		for l in (l1, l2):
		    dg, n = put(l)
		    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": dg, "size": n})
		    diff_ids.append(dg)
		cfg = {"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}
		cd, cn = put(json.dumps(cfg).encode())
		md, mn = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
		    "layers": layers}).encode())
		json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
		    "digest": md, "size": mn, "annotations": {"org.opencontainers.image.ref.name": "localhost/scan:1"}}]},
		    open(d + "/index.json", "w"))
		open(d + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
	PY
	tar -C "$1" -cf "$1.tar" .
}

# make_db DIR: OSV records, some matching the image's packages.
make_db() {
	python3 - "$1" <<-'PY'
		import json, os, sys
		d = sys.argv[1]
		os.makedirs(d)
		def rec(id, eco, name, ranges=None, versions=None, sev=None, urgency=None):
		    a = {"package": {"ecosystem": eco, "name": name}}
		    if ranges is not None: a["ranges"] = [{"type": "ECOSYSTEM", "events": ranges}]
		    if versions is not None: a["versions"] = versions
		    if urgency: a["ecosystem_specific"] = {"urgency": urgency}
		    r = {"id": id, "modified": "2024-01-01T00:00:00Z", "summary": "test " + id, "affected": [a]}
		    if sev: r["database_specific"] = {"severity": sev}
		    json.dump(r, open("%s/%s.json" % (d, id), "w"))
		# by source name: both libssl3 and openssl (3.0.11-1~deb12u1 < 3.0.13-1~deb12u1)
		rec("CVE-2024-1001", "Debian:12", "openssl", [{"introduced": "0"}, {"fixed": "3.0.13-1~deb12u1"}], sev="high")
		# the same for Debian 11 only: not this image
		rec("CVE-2024-1002", "Debian:11", "openssl", [{"introduced": "0"}, {"fixed": "3.0.99-1"}], sev="critical")
		# fixed before the installed version (the tilde makes ~deb12u1 older than -1)
		rec("CVE-2024-1003", "Debian:12", "openssl", [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u0"}])
		# introduced after the installed version
		rec("CVE-2024-1004", "Debian:12", "openssl", [{"introduced": "3.0.12"}, {"fixed": "3.0.14-1"}])
		# the epoch: 1:1.2.13 is newer than 1.2.14
		rec("CVE-2024-1005", "Debian:12", "zlib", [{"introduced": "0"}, {"fixed": "1.2.14-1"}])
		# an exact version list, severity from the entry's urgency
		rec("CVE-2024-1006", "Debian:12", "zlib", versions=["1:1.2.13.dfsg-1"], urgency="low")
		# last_affected against the source version (5.2.15-2, not the binNMU 5.2.15-2+b2)
		rec("CVE-2024-1007", "Debian", "bash", [{"introduced": "5.0"}, {"last_affected": "5.2.15-2"}], sev="medium")
		# last_affected before the version
		rec("CVE-2024-1008", "Debian:12", "bash", [{"introduced": "0"}, {"last_affected": "5.2.15-1"}])
		# a removed package (Status: deinstall) is not installed
		rec("CVE-2024-1009", "Debian:12", "curl", [{"introduced": "0"}])
		# another ecosystem
		rec("CVE-2024-1010", "Alpine:v3.19", "zlib", [{"introduced": "0"}])
	PY
}

setup() {
	BRIG=${BRIG_BUILD:?}/src/cli/brig/brig
	[ -x "$BRIG" ] || skip "brig not built"
	command -v python3 >/dev/null || skip "python3 is needed to write the test image"
	ROOT=$BATS_TEST_TMPDIR/root
	make_image "$BATS_TEST_TMPDIR/img"
	make_db "$BATS_TEST_TMPDIR/osv"
	run brig load -q -i "$BATS_TEST_TMPDIR/img.tar"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

brig() { timeout -k 10 120 "$BRIG" --root "$ROOT" "$@"; }

# The findings brig scan must report: id and target, sorted.
EXPECTED='CVE-2024-1001 pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12
CVE-2024-1001 pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12
CVE-2024-1006 pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12
CVE-2024-1007 pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12
scan.env-secret /app/.env
scan.pkg-cache /var/cache/apt/archives
scan.private-key /etc/ssl/private/server.key
scan.setgid /usr/bin/wall-helper
scan.setuid /usr/bin/su-helper
scan.world-writable /srv/drop\x1b[31m'

@test "scan: exactly the planted files and vulnerable packages (JSON)" {
	run -1 brig scan --db "$BATS_TEST_TMPDIR/osv" --format json localhost/scan:1
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
	run python3 - "$BATS_TEST_TMPDIR/out.json" <<-'PY'
		import json, sys
		doc = json.load(open(sys.argv[1]))
		assert set(doc) == {"Tool", "Subject", "Findings", "Summary"}, doc.keys()
		for f in doc["Findings"]:
		    assert set(f) == {"Id", "Severity", "Target", "Message", "Remediation", "References"}, f
		    assert f["Severity"] in ("info", "low", "medium", "high", "critical"), f
		    assert all(isinstance(f[k], str) and f[k] for k in ("Id", "Target", "Message")), f
		    assert isinstance(f["References"], list), f
		    if f["Id"].startswith("CVE-"):
		        assert f["References"] == ["https://osv.dev/vulnerability/" + f["Id"]], f
		sev = {f["Id"] + " " + f["Target"]: f["Severity"] for f in doc["Findings"]}
		assert sev["CVE-2024-1001 pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12"] == "high", sev
		assert sev["CVE-2024-1006 pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12"] == "low", sev
		assert sum(doc["Summary"].values()) == len(doc["Findings"]), doc["Summary"]
		for f in sorted(doc["Findings"], key=lambda f: (f["Id"], f["Target"])):
		    print(f["Id"], f["Target"].encode("unicode_escape").decode())
	PY
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$EXPECTED" ] || { diff <(echo "$EXPECTED") <(echo "$output"); false; }
}

@test "scan: SARIF 2.1.0 with the fields its schema requires, valid for Microsoft's validator" {
	run -1 brig scan --db "$BATS_TEST_TMPDIR/osv" --format sarif localhost/scan:1
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.sarif"
	run python3 - "$BATS_TEST_TMPDIR/out.sarif" <<-'PY'
		import json, re, sys
		doc = json.load(open(sys.argv[1]))
		# sarif-schema-2.1.0: required "version" (const 2.1.0) and "runs"; a run
		# requires "tool", a tool "driver", a driver "name"; a result requires
		# "message" (with "text" or "id"); rule ids, levels and locations typed.
		assert doc["version"] == "2.1.0"
		assert isinstance(doc["runs"], list) and len(doc["runs"]) == 1
		run = doc["runs"][0]
		drv = run["tool"]["driver"]
		assert isinstance(drv["name"], str) and drv["name"]
		rules = drv.get("rules", [])
		assert len({r["id"] for r in rules}) == len(rules), "duplicate rule ids"
		for r in rules:
		    assert isinstance(r["id"], str)
		    assert isinstance(r["shortDescription"]["text"], str)
		    assert r["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
		out = []
		for res in run["results"]:
		    assert isinstance(res["message"]["text"], str) and res["message"]["text"]
		    assert res["level"] in ("none", "note", "warning", "error")
		    assert isinstance(res["ruleIndex"], int) and 0 <= res["ruleIndex"] < len(rules)
		    assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
		    assert isinstance(res["locations"], list) and len(res["locations"]) == 1
		    loc = res["locations"][0]
		    if "physicalLocation" in loc:
		        art = loc["physicalLocation"]["artifactLocation"]
		        uri = art["uri"]
		        assert re.fullmatch(r"[A-Za-z0-9\-._~][A-Za-z0-9\-._~/%]*", uri), uri
		        assert art["uriBaseId"] == "IMAGEROOT"
		        out.append((res["ruleId"], "/" + uri))
		    else:
		        out.append((res["ruleId"], loc["logicalLocations"][0]["fullyQualifiedName"]))
		for i, t in sorted(out):
		    print(i, t)
	PY
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${#lines[@]}" -eq 10 ] || { echo "$output"; false; }
	[[ $output == *"scan.world-writable /srv/drop%1B%5B31m"* ]] || { echo "$output"; false; }
	[[ $output == *"CVE-2024-1007 pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"* ]] || { echo "$output"; false; }
	# and valid for an independent validator (the schema and SARIF's rules)
	sarif_validate "$BATS_TEST_TMPDIR/out.sarif"
}

@test "scan: text output escaped; --fail-on and --skip decide the exit status" {
	run -1 brig scan --db "$BATS_TEST_TMPDIR/osv" localhost/scan:1
	[[ $output == *'scan.world-writable  /srv/drop\x1b[31m: world-writable directory'* ]] || { echo "$output"; false; }
	[[ $output == *"0 critical, 4 high, 4 medium, 2 low, 0 info" ]] || { echo "$output"; false; }
	run bash -c "'$BRIG' --root '$ROOT' scan --db '$BATS_TEST_TMPDIR/osv' localhost/scan:1 | LC_ALL=C grep -c \$'[\x01-\x08\x0b-\x1f\x7f]'"
	[ "$output" = 0 ] || { echo "$output"; false; }
	# nothing critical: clean for CI at that threshold
	run -0 brig scan --db "$BATS_TEST_TMPDIR/osv" --fail-on critical localhost/scan:1
	run -1 brig scan --db "$BATS_TEST_TMPDIR/osv" --fail-on high localhost/scan:1
	# skipping the only high findings passes --fail-on high
	run -0 brig scan --db "$BATS_TEST_TMPDIR/osv" --fail-on high --skip CVE-2024-1001 \
		--skip scan.private-key --skip scan.env-secret --format json localhost/scan:1
	[[ $output != *CVE-2024-1001* ]] || false
	run -2 brig scan --fail-on severe localhost/scan:1
	[[ $output == *"unknown severity 'severe'"* ]] || { echo "$output"; false; }
}

@test "scan: without --db only files; --sbom lists the installed packages" {
	run -1 brig scan --format json localhost/scan:1
	[[ $output != *CVE-* ]] || { echo "$output"; false; }
	run -0 brig scan --sbom spdx-json localhost/scan:1
	run python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["spdxVersion"]=="SPDX-2.3"; print(" ".join(sorted(p["name"]+"="+p["versionInfo"] for p in d["packages"])))' <<<"$output"
	[ "$output" = "bash=5.2.15-2+b2 libssl3=3.0.11-1~deb12u1 openssl=3.0.11-1~deb12u1 zlib1g=1:1.2.13.dfsg-1" ] || { echo "$output"; false; }
	run -0 brig scan --sbom cyclonedx-json localhost/scan:1
	run python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["bomFormat"]=="CycloneDX"; print(len(d["components"]), d["components"][0]["purl"])' <<<"$output"
	[ "$output" = "4 pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12" ] || { echo "$output"; false; }
}

@test "scan: a malformed OSV record or dpkg database is an error naming file and field" {
	printf '{"id": "X-1", "affected": [{"package": {"ecosystem": "Debian:12"}}]}' >"$BATS_TEST_TMPDIR/osv/zz-bad.json"
	run -2 brig scan --db "$BATS_TEST_TMPDIR/osv" localhost/scan:1
	[[ $output == *"zz-bad.json: affected[0].package.name: missing"* ]] || { echo "$output"; false; }
	printf '{"id": "X-2", "affected": [{"package": {"ecosystem": "Debian:12", "name": "bash"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}]}' >"$BATS_TEST_TMPDIR/osv/zz-bad.json"
	run -2 brig scan --db "$BATS_TEST_TMPDIR/osv" localhost/scan:1
	[[ $output == *"zz-bad.json: affected[0].ranges[0].events[0]: expected one of"* ]] || { echo "$output"; false; }
	# records naming no package of the image are checked as much (the
	# lean pass over them hands what it refuses to the full parse)
	printf '{"id": "X-3", "affected": [{"package": {"ecosystem": "Debian:12", "name": "nosuchpkg"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": 1}]}]}]}' >"$BATS_TEST_TMPDIR/osv/zz-bad.json"
	run -2 brig scan --db "$BATS_TEST_TMPDIR/osv" localhost/scan:1
	[[ $output == *"zz-bad.json: affected[0].ranges[0].events[0].fixed: expected a string"* ]] || { echo "$output"; false; }
	printf '{"id": "X-4", "affected": [{"package": {"ecosystem": "Debian:12", "name": "nosuchpkg", "name": "x"}}]}' >"$BATS_TEST_TMPDIR/osv/zz-bad.json"
	run -2 brig scan --db "$BATS_TEST_TMPDIR/osv" localhost/scan:1
	[[ $output == *"zz-bad.json: line 1 column "*"duplicate object key"* ]] || { echo "$output"; false; }
	run -2 brig scan --db "$BATS_TEST_TMPDIR/nonexistent" localhost/scan:1
	[[ $output == *"nonexistent"* ]] || { echo "$output"; false; }
}

# make_files_image NAME FILES_JSON: an oci-archive of one layer holding
# FILES_JSON ([[path, mode, content or null for a directory], ...]),
# loaded as localhost/NAME:1.
make_files_image() {
	local d=$BATS_TEST_TMPDIR/$1
	python3 - "$d" "$1" "$2" <<-'PY'
		import hashlib, io, json, os, sys, tarfile
		d, name, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
		os.makedirs(d + "/blobs/sha256")
		def put(b):
		    h = hashlib.sha256(b).hexdigest()
		    open(d + "/blobs/sha256/" + h, "wb").write(b)
		    return "sha256:" + h, len(b)
		buf = io.BytesIO()
		with tarfile.open(fileobj=buf, mode="w") as t:
		    for p, mode, data in files:
		        ti = tarfile.TarInfo(p)
		        ti.mode = mode
		        if data is None:
		            ti.type = tarfile.DIRTYPE
		            t.addfile(ti)
		        else:
		            b = data.encode()
		            ti.size = len(b)
		            t.addfile(ti, io.BytesIO(b))
		dg, n = put(buf.getvalue())
		cfg = {"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": [dg]}}
		cd, cn = put(json.dumps(cfg).encode())
		md, mn = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
		    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": dg, "size": n}]}).encode())
		json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
		    "digest": md, "size": mn, "annotations": {"org.opencontainers.image.ref.name": "localhost/%s:1" % name}}]},
		    open(d + "/index.json", "w"))
		open(d + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
	PY
	tar -C "$d" -cf "$d.tar" . || return 1
	brig load -q -i "$d.tar" >/dev/null
}

# osv_record FILE ID ECOSYSTEM NAME EVENTS_JSON
osv_record() {
	printf '{"id": "%s", "affected": [{"package": {"ecosystem": "%s", "name": "%s"}, "ranges": [{"type": "ECOSYSTEM", "events": %s}]}]}\n' \
		"$2" "$3" "$4" "$5" >"$1"
}

@test "scan: apk's database, Alpine releases and apk ordering" {
	run make_files_image alp '[["etc", 493, null], ["etc/os-release", 420, "ID=alpine\nVERSION_ID=3.19.1\n"],
		["lib", 493, null], ["lib/apk", 493, null], ["lib/apk/db", 493, null],
		["lib/apk/db/installed", 420, "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\nP:libcrypto3\nV:3.1.4-r1\nA:x86_64\no:openssl\n\n"]]'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	mkdir "$BATS_TEST_TMPDIR/adb"
	osv_record "$BATS_TEST_TMPDIR/adb/a1.json" ALPINE-1 Alpine:v3.19 openssl '[{"introduced": "0"}, {"fixed": "3.1.4-r3"}]'
	osv_record "$BATS_TEST_TMPDIR/adb/a2.json" ALPINE-2 Alpine:v3.18 musl '[{"introduced": "0"}, {"fixed": "9"}]'
	osv_record "$BATS_TEST_TMPDIR/adb/a3.json" ALPINE-3 Alpine:v3.19 musl '[{"introduced": "0"}, {"fixed": "1.2.4_rc1"}]'
	osv_record "$BATS_TEST_TMPDIR/adb/a4.json" ALPINE-4 Alpine:v3.19 musl '[{"introduced": "1.2.4_rc1"}, {"fixed": "1.2.4-r3"}]'
	run -1 brig scan --db "$BATS_TEST_TMPDIR/adb" --format json localhost/alp:1
	run python3 -c 'import json,sys; print(" ".join(sorted(f["Id"]+"="+f["Target"] for f in json.load(sys.stdin)["Findings"])))' <<<"$output"
	[ "$output" = "ALPINE-1=pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=alpine-3.19.1 ALPINE-4=pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1" ] || { echo "$output"; false; }
}

@test "scan: distroless status.d; a malformed dpkg record names file, record and field" {
	run make_files_image dl '[["etc", 493, null], ["etc/os-release", 420, "ID=debian\nVERSION_ID=\"11\"\n"],
		["var", 493, null], ["var/lib", 493, null], ["var/lib/dpkg", 493, null], ["var/lib/dpkg/status.d", 493, null],
		["var/lib/dpkg/status.d/libc6", 420, "Package: libc6\nVersion: 2.31-13+deb11u7\nArchitecture: amd64\nSource: glibc\n"],
		["var/lib/dpkg/status.d/libc6.md5sums", 420, "abc  lib/x\n"]]'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	mkdir "$BATS_TEST_TMPDIR/ddb"
	osv_record "$BATS_TEST_TMPDIR/ddb/d1.json" DEB-1 Debian:11 glibc '[{"introduced": "0"}, {"fixed": "2.31-13+deb11u8"}]'
	osv_record "$BATS_TEST_TMPDIR/ddb/d2.json" DEB-2 Debian:12 glibc '[{"introduced": "0"}, {"fixed": "2.36-9"}]'
	run -1 brig scan --db "$BATS_TEST_TMPDIR/ddb" --format json localhost/dl:1
	run python3 -c 'import json,sys; print(" ".join(sorted(f["Id"]+"="+f["Target"] for f in json.load(sys.stdin)["Findings"])))' <<<"$output"
	[ "$output" = "DEB-1=pkg:deb/debian/libc6@2.31-13%2Bdeb11u7?arch=amd64&distro=debian-11" ] || { echo "$output"; false; }
	run make_files_image bad '[["var", 493, null], ["var/lib", 493, null], ["var/lib/dpkg", 493, null],
		["var/lib/dpkg/status", 420, "Package: a\nStatus: install ok installed\nVersion: 1.0\n\nPackage: b\nStatus: install ok installed\n"]]'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run -2 brig scan localhost/bad:1
	[[ $output == *"/var/lib/dpkg/status: record 2 (b): Version: missing"* ]] || { echo "$output"; false; }
}
