#!/usr/bin/env bats
# brig audit (issue 15, docs/audit.md): containers started with each
# weakened flag show up with the right id, read from the kernel; a limit
# changed behind brig's back (the test writes the cgroup file) is drift;
# a default container has no high finding; engine checks from a config
# written by the test; host sysctl checks agree with /proc/sys; images;
# exit statuses, --skip, --fail-on, JSON and SARIF.

bats_require_minimum_version 1.5.0

load ../lib/brig
load ../lib/sarif

BRIG_TIMEOUT=120

# A setuid file in the image, for the image checks.
plant() { install -m 4755 "$1/bin/busybox" "$1/bin/suid-tool"; }

setup_file() { brig_image_tar plant; }

setup() { brig_setup bb:1; }

teardown() { brig_teardown; }

# ids_of NAME: "ID SEVERITY" of each finding whose target names container NAME.
ids_of() {
	jq -r --arg n "container $1 (" \
		'.Findings[] | select(.Target | startswith($n)) | .Id + " " + .Severity' \
		<<<"$output"
}

start() { # NAME FLAGS...
	local name=$1
	shift
	run brig run -d --name "$name" "$@" bb:1 sleep 1000
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
}

# The test image is imported, so every container's image is unverified
# (brig.ctr.image-unverified, low): tests/integration/audit_provenance.bats
# is about that; these leave it out.
audit_json() { # ARGS...
	run brig audit containers --format json --skip brig.ctr.image-unverified "$@"
	[ "$status" -le 1 ] || { echo "$output" >&2; false; }
}

@test "audit: a default container has no finding but its imported image's provenance" {
	start plain
	run brig audit containers --fail-on medium
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	run brig audit containers --format json
	[ "$status" -eq 1 ] || { echo "$output" >&2; false; }
	run ids_of plain
	[ "$output" = "brig.ctr.image-unverified low" ] || { echo "unexpected: $output" >&2; false; }
}

@test "audit: each weakened flag is reported with its id, from the kernel" {
	start priv --privileged
	start cap --cap-add SYS_ADMIN
	start hnet --network host
	start hroot -v /:/host
	start nosc --security-opt seccomp=unconfined
	start nnp --security-opt no-new-privileges=false
	start rw --read-write
	start nopids --pids-limit -1
	start uhost --userns=host
	audit_json
	local got=$output
	local want=("priv 5.4 critical" "priv 5.21 high" "cap 5.3 high" "hnet 5.9 high"
		"hroot 5.5 critical" "nosc 5.21 high" "nnp 5.25 medium" "rw 5.12 low"
		"nopids 5.28 medium" "uhost brig.ctr.host-root high" "uhost 5.30 medium")
	local w name rest
	for w in "${want[@]}"; do
		name=${w%% *} rest=${w#* }
		output=$got
		run ids_of "$name"
		[[ $'\n'$output$'\n' == *$'\n'"$rest"$'\n'* ]] || {
			echo "$name: wanted '$rest', got: $output" >&2
			false
		}
	done
	output=$got
	run jq -r '.Findings[] | select(.Id == "5.9") | .Message' <<<"$got"
	[[ $output == *"(kernel)"* ]] || { echo "5.9 not from the kernel: $output" >&2; false; }
}

@test "audit: a stopped container is checked from its record" {
	run brig create --name stopped --privileged --pids-limit -1 bb:1 true
	[ "$status" -eq 0 ] || false
	audit_json
	run jq -r '.Findings[] | select(.Target | startswith("container stopped (")) | .Id + " " + .Message' <<<"$output"
	[[ $output == *"5.4 runs --privileged"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"5.28 no pids limit (record)"* ]] || { echo "$output" >&2; false; }
}

# cgfile NAME CONTROLLER FILE: the container's cgroup file of a v1
# controller, from its init's /proc/PID/cgroup; empty when there is none.
cgfile() {
	local pid path
	pid=$(field "$1" '{{.State.Pid}}') || return 1
	path=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
	[ -n "$path" ] && [ -f "/sys/fs/cgroup/$2$path/$3" ] && echo "/sys/fs/cgroup/$2$path/$3"
}

@test "audit: a pids limit removed behind brig's back is high drift" {
	start drift
	local f
	f=$(cgfile drift pids pids.max) || skip "no v1 pids controller for the container on this host"
	audit_json
	run ids_of drift
	[ -z "$output" ] || { echo "before: $output" >&2; false; }
	echo max >"$f"
	audit_json
	local got=$output
	run ids_of drift
	[[ $output == *"brig.drift.limit high"* ]] || { echo "$output" >&2; false; }
	run jq -r '.Findings[] | select(.Id == "brig.drift.limit") | .Message' <<<"$got"
	[ "$output" = "pids limit: the record says 1024, the kernel enforces unlimited" ] || false
}

@test "audit: a memory limit lowered behind brig's back is low drift" {
	start mdrift
	local f
	f=$(cgfile mdrift memory memory.limit_in_bytes) ||
		skip "no v1 memory controller for the container on this host"
	echo 536870912 >"$f"
	audit_json
	run jq -r '.Findings[] | select(.Id == "brig.drift.limit") | .Severity + " " + .Message' <<<"$output"
	[ "$output" = "low memory limit: the record says 1073741824, the kernel enforces 536870912" ] || false
}

@test "audit: exit statuses, --fail-on, --skip, bad arguments" {
	start priv --privileged
	run brig audit containers --fail-on critical
	[ "$status" -eq 1 ] || false
	run brig audit containers --fail-on critical --skip 5.4
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	run brig audit containers --format json --skip 5.4 --skip 5.3 --skip 5.21 \
		--skip brig.ctr.image-unverified
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	run brig audit nowhere
	[ "$status" -eq 2 ] || false
	[[ $output == *"unknown scope 'nowhere'"* ]] || false
	run brig audit containers --format yaml
	[ "$status" -eq 2 ] || false
}

@test "audit: SARIF 2.1.0 output" {
	start priv --privileged
	run brig audit containers --format sarif
	[ "$status" -eq 1 ] || false
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/audit.sarif"
	run jq -r '.version + " " + (.runs[0].results | map(.ruleId) | unique | join(","))' <<<"$output"
	[ "$output" = "2.1.0 5.21,5.3,5.4,brig.ctr.image-unverified" ] || { echo "$output" >&2; false; }
	sarif_validate "$BATS_TEST_TMPDIR/audit.sarif"
}

@test "audit engine: a weakened brig.conf is reported" {
	local conf=$BATS_TEST_TMPDIR/brig.conf
	printf '{"userns": "host", "content-trust": false, "no-new-privileges": false, "default-pids-limit": -1}\n' >"$conf"
	chmod 0664 "$conf"
	BRIG_CONFIG=$conf
	run brig audit engine --format json
	[ "$status" -eq 1 ] || { echo "$output" >&2; false; }
	run jq -r '.Findings[].Id' <<<"$output"
	local id
	for id in 2.8 4.5 2.18 brig.engine.pids 3.18; do
		[[ $'\n'$output$'\n' == *$'\n'$id$'\n'* ]] || { echo "no $id in: $output" >&2; false; }
	done
}

@test "audit host: sysctl findings agree with /proc/sys" {
	run brig audit host --format json
	[ "$status" -le 1 ] || { echo "$output" >&2; false; }
	local got=$output s v
	for s in kernel/kptr_restrict kernel/dmesg_restrict fs/protected_symlinks fs/protected_hardlinks; do
		[ -r "/proc/sys/$s" ] || continue
		v=$(cat "/proc/sys/$s")
		run jq -r --arg t "/proc/sys/$s" '.Findings[] | select(.Target == $t) | .Id' <<<"$got"
		if [ "$v" -ge 1 ]; then
			[ -z "$output" ] || { echo "$s is $v, yet: $output" >&2; false; }
		else
			[ "$output" = "brig.host.sysctl.${s#*/}" ] || { echo "$s is $v: '$output'" >&2; false; }
		fi
	done
}

@test "audit images: no USER and a setuid file, named by image and path" {
	run brig audit images --format json
	[ "$status" -eq 1 ] || { echo "$output" >&2; false; }
	run jq -r '.Findings[] | .Id + " " + .Target' <<<"$output"
	[[ $output == *"4.1 docker.io/library/bb:1"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"scan.setuid docker.io/library/bb:1:/bin/suid-tool"* ]] || { echo "$output" >&2; false; }
}

# inject PID SRC DST: bind the host's SRC over DST (an existing directory)
# in the mount namespace of PID, behind brig's back: a clone of SRC made
# here (open_tree), moved there after setns (move_mount).  Exit 3 when
# the kernel has no open_tree.
inject() {
	python3 - "$@" <<-'PY'
		import ctypes, errno, os, sys
		libc = ctypes.CDLL(None, use_errno=True)
		pid, src, dst = sys.argv[1:4]
		tree = libc.syscall(428, -100, src.encode(), 1 | 0o2000000)  # OPEN_TREE_CLONE|CLOEXEC
		if tree < 0:
		    e = ctypes.get_errno()
		    sys.exit(3 if e == errno.ENOSYS else "open_tree: " + os.strerror(e))
		ns = os.open("/proc/%s/ns/mnt" % pid, os.O_RDONLY)
		if libc.setns(ns, 0x00020000) != 0:
		    sys.exit("setns: " + os.strerror(ctypes.get_errno()))
		if libc.syscall(429, tree, b"", -100, dst.encode(), 4) != 0:  # MOVE_MOUNT_F_EMPTY_PATH
		    sys.exit("move_mount: " + os.strerror(ctypes.get_errno()))
	PY
}

@test "audit: a host path mounted into a running container behind brig's back is drift" {
	start inj
	start bound -v /etc:/hostetc:ro
	audit_json
	run ids_of inj
	[ -z "$output" ] || { echo "before: $output" >&2; false; }
	local pid
	pid=$(field inj '{{.State.Pid}}')
	run inject "$pid" /etc /home
	[ "$status" -ne 3 ] || skip "the kernel has no open_tree/move_mount"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	run inject "$pid" / /root
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	audit_json
	local got=$output
	run jq -r '.Findings[] | select(.Id == "brig.drift.mount") | .Severity + " " + .Target + " " + .Message' <<<"$got"
	[[ $output == *"critical container inj ("*"the kernel shows / mounted at /root; the record has no such mount"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"high container inj ("*"the kernel shows /etc mounted at /home; the record has no such mount"* ]] || { echo "$output" >&2; false; }
	[ "$(wc -l <<<"$output")" -eq 2 ] || { echo "more than the two: $output" >&2; false; }
	output=$got
	run ids_of bound
	[ "$output" = "5.5 high" ] || { echo "bound: $output" >&2; false; }
}

# join CGROUP_LINES PID: move PID into each cgroup named by the lines of a
# /proc/PID/cgroup (v1 controllers and the v2 hierarchy, where mounted).
join_cgroups() {
	local line ctrls path dir n=0
	while IFS=: read -r _ ctrls path; do
		if [ -z "$ctrls" ]; then
			dir=/sys/fs/cgroup/unified$path
			[ -d "$dir" ] || dir=/sys/fs/cgroup$path
		else
			dir=/sys/fs/cgroup/${ctrls#name=}$path
		fi
		[ -f "$dir/cgroup.procs" ] || continue
		echo "$2" >"$dir/cgroup.procs" && n=$((n + 1))
	done <<<"$1"
	[ "$n" -gt 0 ]
}

@test "audit: a host process slipped into a container's cgroups is drift" {
	start victim
	local pid cg
	pid=$(field victim '{{.State.Pid}}')
	cg=$(cat "/proc/$pid/cgroup")
	sleep 1000 &
	local intruder=$!
	run join_cgroups "$cg" "$intruder"
	if [ "$status" -ne 0 ]; then
		kill "$intruder"
		skip "no cgroup of the container could be joined on this host"
	fi
	run brig top victim
	[[ $output == *"$intruder"* ]] || { kill "$intruder"; skip "brig top does not list a joined process here"; }
	audit_json
	local got=$output
	kill "$intruder"
	wait "$intruder" || true
	output=$got
	run ids_of victim
	[[ $output == *"brig.drift.userns critical"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"brig.drift.namespace high"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"brig.ctr.host-root high"* ]] || { echo "$output" >&2; false; }
}

@test "audit: a writable mount stacked over a read-only volume behind brig's back is drift" {
	start rovol -v /etc:/hostetc:ro
	audit_json
	run ids_of rovol
	[ "$output" = "5.5 high" ] || { echo "before: $output" >&2; false; }
	local pid
	pid=$(field rovol '{{.State.Pid}}')
	run inject "$pid" /etc /hostetc
	[ "$status" -ne 3 ] || skip "the kernel has no open_tree/move_mount"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	audit_json
	run jq -r '.Findings[] | select(.Id == "brig.drift.mount-flags") | .Message' <<<"$output"
	[[ $output == *"/hostetc: the record mounts it ro; the kernel's mount is not ("* ]] || { echo "$output" >&2; false; }
	[[ $output == *"/hostetc: the record mounts it nosuid; the kernel's mount is not ("* ]] || { echo "$output" >&2; false; }
}

# aged REF NEWREF DATE: REF saved, its config's "created" set to DATE, and
# loaded again as NEWREF (the test's own old image).
aged() {
	local d=$BATS_TEST_TMPDIR/aged
	mkdir -p "$d"
	brig save -o "$d/in.tar" "$1" || return 1
	python3 - "$d/in.tar" "$d/out.tar" "$2" "$3" <<-'PY' || return 1
		import hashlib, io, json, sys, tarfile
		src, dst, ref, date = sys.argv[1:5]
		tin = tarfile.open(src)
		man = json.load(tin.extractfile("manifest.json"))
		cfg = json.load(tin.extractfile(man[0]["Config"]))
		cfg["created"] = date
		for h in cfg.get("history", []):
		    h["created"] = date
		raw = json.dumps(cfg).encode()
		name = hashlib.sha256(raw).hexdigest() + ".json"
		man[0]["Config"], man[0]["RepoTags"] = name, [ref]
		with tarfile.open(dst, "w") as tout:
		    def add(n, data):
		        ti = tarfile.TarInfo(n)
		        ti.size = len(data)
		        tout.addfile(ti, io.BytesIO(data))
		    add(name, raw)
		    add("manifest.json", json.dumps(man).encode())
		    for layer in man[0]["Layers"]:
		        add(layer, tin.extractfile(layer).read())
	PY
	brig load -q -i "$d/out.tar" >/dev/null
}

# img_findings NAME: "ID SEVERITY: MESSAGE" of the image age and newer
# image / base findings of container NAME.
img_findings() {
	audit_json "${@:2}"
	jq -r --arg n "container $1 (" '.Findings[] | select((.Target | startswith($n)) and
		(.Id | test("^brig[.]ctr[.](image-age|image-newer|base-newer)$"))) |
		.Id + " " + .Severity + ": " + .Message' <<<"$output"
}

@test "audit: a container's image older than --max-image-age (default 90 days)" {
	aged bb:1 old:1 2020-01-02T03:04:05Z
	run brig create --name old old:1 true
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	run brig create --name young bb:1 true
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	local days=$((($(date +%s) - $(date -d 2020-01-02T03:04:05Z +%s)) / 86400))
	run img_findings old
	[ "$output" = "brig.ctr.image-age low: its image was created 2020-01-02, $days days ago (more than 90)" ] || { echo "$output" >&2; false; }
	run img_findings young --max-image-age 1
	[ -z "$output" ] || { echo "young: $output" >&2; false; }
	run img_findings old --max-image-age 0
	[ -z "$output" ] || { echo "with 0: $output" >&2; false; }
	run img_findings old --max-image-age $((days + 1))
	[ -z "$output" ] || { echo "with $((days + 1)): $output" >&2; false; }
	run brig audit containers --max-image-age soon
	[ "$status" -eq 2 ] || false
	[[ $output == *"--max-image-age soon: expected a number of days"* ]] || { echo "$output" >&2; false; }
}

@test "audit: the name a container was made from now names a newer image; its base was rebuilt" {
	aged bb:1 app:1 2024-05-06T00:00:00Z
	run brig create --name app app:1 true
	[ "$status" -eq 0 ] || false
	local was
	was=$(brig image inspect -f '{{.Id}}' app:1)
	# the base an image was built on: the OCI annotations, here as labels
	brig import "$BRIG_TAR" base:1 >/dev/null
	local bd
	bd=$(brig image inspect base:1 | jq -r '.[0].RepoDigests[0] | sub(".*@"; "")')
	brig import --change "LABEL org.opencontainers.image.base.name=base:1" \
		--change "LABEL org.opencontainers.image.base.digest=$bd" "$BRIG_TAR" built:1 >/dev/null
	run brig create --name built built:1 true
	[ "$status" -eq 0 ] || false
	run img_findings app --max-image-age 0
	[ -z "$output" ] || { echo "before: $output" >&2; false; }
	run img_findings built
	[ -z "$output" ] || { echo "before: $output" >&2; false; }
	# app:1 pulled (here: imported) again, base:1 rebuilt
	brig import "$BRIG_TAR" app:1 >/dev/null
	brig import --change "LABEL v=2" "$BRIG_TAR" base:1 >/dev/null
	local now nowc nowbase basec
	now=$(brig image inspect -f '{{.Id}}' app:1)
	nowc=$(brig image inspect app:1 | jq -r '.[0].Created[:10]')
	nowbase=$(brig image inspect base:1 | jq -r '.[0].RepoDigests[0] | sub(".*@"; "")')
	basec=$(brig image inspect base:1 | jq -r '.[0].Created[:10]')
	run img_findings app --max-image-age 0
	[ "$output" = "brig.ctr.image-newer low: app:1 now names a newer image (${now:0:19}, created $nowc) than the one it runs (${was:0:19}, created 2024-05-06)" ] || { echo "$output" >&2; false; }
	run img_findings built
	[ "$output" = "brig.ctr.base-newer low: its image was built on base:1@${bd:0:19}; base:1 now names ${nowbase:0:19} (created $basec)" ] || { echo "$output" >&2; false; }
}

# free_port: a TCP port of 127.0.0.1 nothing is bound to now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

@test "audit: a published port bound on every interface although the record says 127.0.0.1 is drift, and the reverse" {
	command -v pasta >/dev/null || skip "pasta (Debian's passt package) is not installed"
	command -v ss >/dev/null || skip "ss (iproute2) is not installed"
	local p1 p2 p3
	p1=$(free_port) p2=$(free_port) p3=$(free_port)
	start pub --network pasta -p "127.0.0.1:$p1:80" -p "0.0.0.0:$p2:81"
	audit_json
	run jq -r '.Findings[] | select(.Id == "brig.drift.ports") | .Message' <<<"$output"
	[ -z "$output" ] || { echo "before: $output" >&2; false; }
	# pasta, which holds the ports, ends; a process holding the container's
	# network namespace binds them again, wider and narrower, and one more
	local pasta
	pasta=$(ss -Hltnp "sport = :$p1" | sed -n 's/.*pid=\([0-9]*\),.*/\1/p')
	[ -n "$pasta" ] || { ss -ltnp >&2; false; }
	kill "$pasta"
	local pid
	pid=$(field pub '{{.State.Pid}}')
	rm -f "$BATS_TEST_TMPDIR/bound"
	python3 - "$pid" "$p1" "$p2" "$p3" "$BATS_TEST_TMPDIR/bound" <<-'PY' &
		import os, socket, sys, time
		pid, p1, p2, p3, mark = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
		ns = os.open("/proc/%s/ns/net" % pid, os.O_RDONLY)
		wide = socket.socket(); wide.bind(("0.0.0.0", p1)); wide.listen()
		narrow = socket.socket(); narrow.bind(("127.0.0.1", p2)); narrow.listen()
		extra = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); extra.bind(("127.0.0.1", p3))
		open(mark, "w").close()
		time.sleep(60)
	PY
	local rogue=$!
	wait_until "the rogue forwarder's sockets" test -e "$BATS_TEST_TMPDIR/bound"
	audit_json
	local got=$output
	kill "$rogue"
	wait "$rogue" || true
	run jq -r '.Findings[] | select(.Id == "brig.drift.ports") | .Severity + " " + .Message' <<<"$got"
	[[ $output == *"high tcp port $p1: the record publishes it on 127.0.0.1, the kernel shows it bound on every interface (0.0.0.0) by pid $rogue (python3)"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"low tcp port $p2: the record publishes it on every interface, the kernel shows it bound on one address only"* ]] || { echo "$output" >&2; false; }
	[[ $output == *"medium udp 127.0.0.1:$p3 is bound for the container by pid $rogue (python3); the record publishes no such port (kernel)"* ]] || { echo "$output" >&2; false; }
	[ "$(wc -l <<<"$output")" -eq 3 ] || { echo "more than three: $output" >&2; false; }
}

@test "audit: a tmpfs remounted without nosuid, nodev, noexec behind brig's back is flags drift" {
	# with a user namespace the kernel locks these flags: even the host's
	# root cannot clear them, so the test container shares the host's
	start tmpfs --userns=host --tmpfs /scratch
	audit_json
	run jq -r '.Findings[] | select(.Id == "brig.drift.mount-flags") | .Message' <<<"$output"
	[ -z "$output" ] || { echo "before: $output" >&2; false; }
	local pid
	pid=$(field tmpfs '{{.State.Pid}}')
	python3 - "$pid" /scratch <<-'PY'
		import ctypes, os, sys
		libc = ctypes.CDLL(None, use_errno=True)
		ns = os.open("/proc/%s/ns/mnt" % sys.argv[1], os.O_RDONLY)
		if libc.setns(ns, 0x00020000) != 0:
		    sys.exit("setns: " + os.strerror(ctypes.get_errno()))
		if libc.mount(None, sys.argv[2].encode(), None, 32 | 4096, None) != 0:  # MS_REMOUNT|MS_BIND
		    sys.exit("remount: " + os.strerror(ctypes.get_errno()))
	PY
	audit_json
	run jq -r '.Findings[] | select(.Id == "brig.drift.mount-flags") | .Severity + " " + .Message' <<<"$output"
	local f want=""
	for f in nosuid nodev noexec; do
		want+="high /scratch: the record mounts it $f; the kernel's mount is not (rw,relatime)"$'\n'
	done
	[ "$(sort <<<"$output")" = "$(sort <<<"${want%$'\n'}")" ] || { echo "$output" >&2; false; }
}
