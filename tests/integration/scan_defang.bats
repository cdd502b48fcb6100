#!/usr/bin/env bats
# brig scan --defang NAME (issue 15, docs/audit.md): a new image whose
# filesystem has no setuid, setgid or others-write bits (a sticky
# directory keeps its mode), the files' contents and owners, hard links
# and the metadata of the directories above them unchanged; file
# capabilities (security.capability) dropped with the bits, and from a
# file that only has them, other extended attributes kept; the scanned
# image itself is not changed.

bats_require_minimum_version 1.5.0

load ../lib/brig

BRIG_TIMEOUT=120

plant() {
	local r=$1
	chmod 4755 "$r/bin/busybox"
	ln "$r/bin/busybox" "$r/bin/linked"
	install -m 2755 "$r/bin/busybox" "$r/bin/sgid"
	mkdir -p "$r/opt/app/data" "$r/opt/sticky"
	chmod 0750 "$r/opt/app"
	chown 1000:1000 "$r/opt/app"
	chmod 0777 "$r/opt/app/data"
	chmod 1777 "$r/opt/sticky"
	printf 'hello\n' >"$r/opt/app/data/open"
	chmod 0666 "$r/opt/app/data/open"
	# file capabilities: on a setgid file, and alone on another; user.*
	# xattrs beside them, on a defanged file and directory
	install -m 0755 "$r/bin/busybox" "$r/bin/capped"
	chmod 0755 "$r/bin/capped"
	setcap cap_net_raw+ep "$r/bin/sgid" && setcap cap_net_bind_service+ep "$r/bin/capped" &&
		python3 -c 'import os, sys
for p in sys.argv[1:]:
    os.setxattr(p, "user.origin", b"kept")' "$r/bin/sgid" "$r/bin/capped" "$r/opt/app/data"
}

# The tree as a tar with its extended attributes (GNU tar's SCHILY.xattr).
setup_file() {
	command -v setcap >/dev/null || return 0
	brig_image_tar --numeric-owner plant &&
		tar -C "$BATS_FILE_TMPDIR/rootfs" --numeric-owner --xattrs --xattrs-include='*' \
			-cf "$BRIG_TAR" .
}

setup() {
	command -v setcap >/dev/null || skip "setcap (libcap2-bin) is not installed"
	brig_setup bb:1
}

teardown() { brig_teardown; }

ids() { # IMAGE: the ids and targets of brig scan's findings
	brig scan --format json "$1" | jq -r '.Findings[] | .Id + " " + .Target' | sort
}

@test "scan --defang: the new image has none of the bits, the old one keeps them" {
	run brig scan --defang bb:safe bb:1
	[ "$status" -eq 1 ] || { echo "$output" >&2; false; }
	[[ $output == *"bb:safe (sha256:"*"): 6 path(s) defanged"* ]] || { echo "$output" >&2; false; }
	run ids bb:safe
	[ -z "$output" ] || { echo "left: $output" >&2; false; }
	run ids bb:1
	local want
	want=$(printf '%s\n' "scan.setgid /bin/sgid" "scan.setuid /bin/busybox" \
		"scan.file-caps /bin/sgid" "scan.file-caps /bin/capped" \
		"scan.setuid /bin/linked" "scan.world-writable /opt/app/data" \
		"scan.world-writable /opt/app/data/open" | sort)
	[ "$output" = "$want" ] || { echo "bb:1: $output" >&2; false; }
}

@test "scan --defang: contents, owners, hard links and parents are kept" {
	run brig scan --defang bb:safe bb:1
	[ "$status" -eq 1 ] || false
	run brig run --rm --userns=host bb:safe sh -c \
		'stat -c "%n %a %u:%g %h" /bin/busybox /bin/linked /bin/sgid /opt/app/data/open;
		 stat -c "%n %a %u:%g" /opt/app /opt/app/data /opt/sticky;
		 [ /bin/busybox -ef /bin/linked ] && echo same-inode; cat /opt/app/data/open;
		 sha256sum /bin/busybox /bin/sgid | cut -d" " -f1 | uniq | wc -l'
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	local want
	want=$(printf '%s\n' "/bin/busybox 755 0:0 2" "/bin/linked 755 0:0 2" "/bin/sgid 755 0:0 1" \
		"/opt/app/data/open 664 0:0 1" "/opt/app 750 1000:1000" "/opt/app/data 775 0:0" \
		"/opt/sticky 1777 0:0" same-inode hello 1)
	[ "$output" = "$want" ] || { echo "got: $output" >&2; false; }
	run sha256sum "$BATS_FILE_TMPDIR/rootfs/bin/busybox"
	local host=${output%% *}
	run brig run --rm bb:safe sha256sum /bin/busybox
	[ "${output%% *}" = "$host" ] || { echo "content changed: $output vs $host" >&2; false; }
}

@test "scan --defang: nothing to change names the same image" {
	run brig scan --defang bb:safe bb:1
	[ "$status" -eq 1 ] || false
	run brig scan --defang bb:again bb:safe
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	[[ $output == *"0 path(s) defanged"* ]] || false
	run brig images --format '{{.ID}}' bb:safe
	local a=$output
	run brig images --format '{{.ID}}' bb:again
	[ "$output" = "$a" ] || { echo "$a vs $output" >&2; false; }
}

# xattrs IMAGE: "PATH NAME=VALUE" of each extended attribute of the
# entries of the image's top layer (from the saved archive).
xattrs() {
	brig save -o "$BATS_TEST_TMPDIR/s.tar" "$1" >/dev/null || return 1
	python3 - "$BATS_TEST_TMPDIR/s.tar" <<-'PY'
		import io, json, sys, tarfile
		t = tarfile.open(sys.argv[1])
		top = json.load(t.extractfile("manifest.json"))[0]["Layers"][-1]
		layer = tarfile.open(fileobj=io.BytesIO(t.extractfile(top).read()))
		for m in layer.getmembers():
		    for k, v in sorted(m.pax_headers.items()):
		        if k.startswith("SCHILY.xattr."):
		            print(m.name.lstrip("./"), k[13:] + "=" + ("caps" if "capability" in k else v))
	PY
}

@test "scan --defang: file capabilities dropped with the bits and alone, other xattrs kept" {
	run xattrs bb:1
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "bin/capped security.capability=caps" \
		"bin/capped user.origin=kept" "bin/sgid security.capability=caps" \
		"bin/sgid user.origin=kept" "opt/app/data user.origin=kept")" ] || { echo "bb:1: $output" >&2; false; }
	run brig scan --defang bb:safe bb:1
	[ "$status" -eq 1 ] || false
	run xattrs bb:safe
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "bin/capped user.origin=kept" \
		"bin/sgid user.origin=kept" "opt/app/data user.origin=kept")" ] || { echo "bb:safe: $output" >&2; false; }
	run brig scan --format json bb:1
	run jq -r '.Findings[] | select(.Id == "scan.file-caps") | .Severity + " " + .Target + ": " + .Message' <<<"$output"
	[ "$output" = "$(printf '%s\n' "medium /bin/capped: file capabilities (security.capability): privilege, as setuid is" \
		"medium /bin/sgid: file capabilities (security.capability): privilege, as setuid is")" ] || { echo "$output" >&2; false; }
}
