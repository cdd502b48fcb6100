# start-bundle.sh: sourced by start-latency.sh and start-profile.sh, which
# measure one bundle alike.  Needs $src, $here, $work and $cgroup set.

# cgroup_mount CONTROLLERS: the mount point of that hierarchy ("" for v2).
cgroup_mount() {
	awk -v want="$1" '{
		for (i = 1; i <= NF; i++) if ($i == "-") break
		if (want == "" && $(i + 1) == "cgroup2") { print $5; exit }
		if (want != "" && $(i + 1) == "cgroup") {
			split(want, w, ","); n = split($(i + 3), o, ",")
			for (j = 1; j <= n; j++) if (o[j] == w[1]) { print $5; exit }
		}
	}' /proc/self/mountinfo
}

# start_bundle: $work/bundle (busybox, /bin/true, the same namespaces,
# seccomp, capabilities and limits for every OCI runtime), $work/seccomp.bpf
# for bwrap; sets rootfs and bwrap_caps.
start_bundle() {
	local c arches
	"$src/scripts/mkbundle.sh" "$work/bundle" runc >/dev/null
	rootfs=$work/bundle/rootfs
	"$here/lib/seccomp-profile.sh" >"$work/seccomp.json"
	caps='["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
		"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
		"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]'
	jq --argjson caps "$caps" --argjson seccomp "$(cat "$work/seccomp.json")" --arg cg "$cgroup" '
		.process.args = ["/bin/true"]
		| .process.terminal = false
		| .process.noNewPrivileges = true
		| .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
		| .linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}, {type: "network"}]
		| .linux.seccomp = $seccomp
		| .linux.cgroupsPath = $cg
		| .linux.resources.memory = {limit: 268435456}
		| .linux.resources.pids = {limit: 1024}
		| .root.readonly = true' "$work/bundle/config.json" >"$work/config.json"
	mv "$work/config.json" "$work/bundle/config.json"

	cc -O2 -Wall -Wextra -Werror -o "$work/seccomp-bpf" "$here/lib/seccomp-bpf.c" -lseccomp
	mapfile -t arches < <(jq -r '.architectures[] | ascii_downcase | sub("scmp_arch_"; "")' "$work/seccomp.json")
	jq -r '.syscalls[] | .action as $a | (.errnoRet // 0) as $e | .names[]
		| if $a == "SCMP_ACT_ALLOW" then "allow \(.)" else "errno \($e) \(.)" end' "$work/seccomp.json" |
		"$work/seccomp-bpf" "$(jq .defaultErrnoRet "$work/seccomp.json")" "${arches[@]}" >"$work/seccomp.bpf"

	bwrap_caps=""
	for c in $(jq -r '.[]' <<<"$caps"); do bwrap_caps+=" --cap-add $c"; done
}
