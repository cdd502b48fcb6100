/* SPDX-License-Identifier: Apache-2.0 */
/* `spec` (a config following brig's secure defaults), `features`, signals. */
#include "runtime/runtime-internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/final-internal.h"
#include "runtime/mount/mount.h"
#include "runtime/seccomp/runtime-seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

/* Docker's default set less NET_RAW, MKNOD, AUDIT_WRITE, SETFCAP and
 * SYS_CHROOT (see shared/design.md, "limit capabilities"). */
static const char *const default_caps[] = {
	"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_KILL",
};

static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	"/sys/kernel/security",
	"/proc/sysrq-trigger",
	/* Beyond Docker's list (docs/engine.md, "Masked paths"): the host's
	 * boot command line, kernel build and crash-dump layout, BTF type
	 * data, and every file lock on the host. */
	"/proc/cmdline",
	"/proc/config.gz",
	"/proc/locks",
	"/sys/kernel/vmcoreinfo",
	"/sys/kernel/btf",
};

static const char *const readonly_paths[] = {
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
};

/* Kernel interfaces a container has no business with; each denied with
 * EPERM.  Only `spec --runc-compatible` writes this deny-list (runc's
 * shape, short and readable); plain `spec` writes brig's allow-list. */
static const char *const denied_syscalls[] = {
	"acct",
	"add_key",
	"bpf",
	"clock_adjtime",
	"clock_settime",
	"create_module",
	"delete_module",
	"finit_module",
	"fsconfig",
	"fsmount",
	"fsopen",
	"fspick",
	"get_kernel_syms",
	"init_module",
	"ioperm",
	"iopl",
	"kcmp",
	"kexec_file_load",
	"kexec_load",
	"keyctl",
	"lookup_dcookie",
	"mount",
	"mount_setattr",
	"move_mount",
	"name_to_handle_at",
	"nfsservctl",
	"open_by_handle_at",
	"open_tree",
	"perf_event_open",
	"pivot_root",
	"process_vm_readv",
	"process_vm_writev",
	"query_module",
	"quotactl",
	"reboot",
	"request_key",
	"setns",
	"settimeofday",
	"stime",
	"swapoff",
	"swapon",
	"syslog",
	"sysfs",
	"umount2",
	"uselib",
	"userfaultfd",
	"ustat",
	"vhangup",
	"adjtimex",
};

static json_t *strv_json(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		(void)json_array_append_new(a, json_string(v[i]));
	return a;
}

#define STRV(v) strv_json((v), BRIG_ARRAY_SIZE(v))

static json_t *mount_obj(const char *dst, const char *type, const char *src,
			 const char *const *opts, size_t n)
{
	return json_pack("{s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src,
			 "options", strv_json(opts, n));
}

static json_t *default_mounts(bool rootless)
{
	static const char *const proc_o[] = { "nosuid", "noexec", "nodev" };
	static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
	static const char *const pts_o[] = { "nosuid",        "noexec",    "newinstance",
					     "ptmxmode=0666", "mode=0620", "gid=5" };
	static const char *const shm_o[] = { "nosuid", "noexec", "nodev", "mode=1777",
					     "size=65536k" };
	static const char *const mq_o[] = { "nosuid", "noexec", "nodev" };
	static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro" };
	static const char *const sysbind_o[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };
	static const char *const cg_o[] = { "nosuid", "noexec", "nodev", "relatime", "ro" };
	static const char *const tmp_o[] = { "nosuid", "nodev", "noexec", "mode=1777",
					     "size=65536k" };
	static const char *const run_o[] = { "nosuid", "nodev", "noexec", "mode=755",
					     "size=65536k" };
	json_t *m = json_array();
	(void)json_array_append_new(m, mount_obj("/proc", "proc", "proc", proc_o, 3));
	(void)json_array_append_new(m, mount_obj("/dev", "tmpfs", "tmpfs", dev_o, 4));
	(void)json_array_append_new(
		m, mount_obj("/dev/pts", "devpts", "devpts", pts_o, rootless ? 5 : 6));
	(void)json_array_append_new(m, mount_obj("/dev/shm", "tmpfs", "shm", shm_o, 5));
	(void)json_array_append_new(m, mount_obj("/dev/mqueue", "mqueue", "mqueue", mq_o, 3));
	if (rootless)
		(void)json_array_append_new(m, mount_obj("/sys", "none", "/sys", sysbind_o, 5));
	else
		(void)json_array_append_new(m, mount_obj("/sys", "sysfs", "sysfs", sys_o, 4));
	if (!rootless)
		(void)json_array_append_new(
			m, mount_obj("/sys/fs/cgroup", "cgroup", "cgroup", cg_o, 5));
	(void)json_array_append_new(m, mount_obj("/tmp", "tmpfs", "tmpfs", tmp_o, 5));
	(void)json_array_append_new(m, mount_obj("/run", "tmpfs", "tmpfs", run_o, 5));
	return m;
}

static json_t *namespaces(bool rootless)
{
	json_t *a = json_array();
	static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(types); i++) {
		if (rootless &&
		    (strcmp(types[i], "network") == 0 || strcmp(types[i], "cgroup") == 0))
			continue;
		(void)json_array_append_new(a, json_pack("{s:s}", "type", types[i]));
	}
	if (rootless)
		(void)json_array_append_new(a, json_pack("{s:s}", "type", "user"));
	return a;
}

static json_t *default_seccomp(void)
{
	json_t *rules = json_array();
	(void)json_array_append_new(
		rules,
		json_pack("{s:o,s:s,s:i}", "names",
			  strv_json(denied_syscalls, BRIG_ARRAY_SIZE(denied_syscalls)), "action",
			  "SCMP_ACT_ERRNO", "errnoRet", 1));
	/* No new user namespaces from inside: unshare/clone with CLONE_NEWUSER. */
	static const char *const ns_calls[] = { "unshare", "clone" };
	for (size_t i = 0; i < 2; i++)
		(void)json_array_append_new(
			rules,
			json_pack("{s:[s],s:s,s:i,s:[{s:i,s:I,s:I,s:s}]}", "names", ns_calls[i],
				  "action", "SCMP_ACT_ERRNO", "errnoRet", 1, "args", "index", 0,
				  "value", (json_int_t)0x10000000, "valueTwo",
				  (json_int_t)0x10000000, "op", "SCMP_CMP_MASKED_EQ"));
	/* clone3 hides its flags in memory: make libc fall back to clone. */
	(void)json_array_append_new(rules,
				    json_pack("{s:[s],s:s,s:i}", "names", "clone3", "action",
					      "SCMP_ACT_ERRNO", "errnoRet", 38));
	return json_pack("{s:s,s:[s,s,s],s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
			 "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "syscalls", rules);
}

json_t *rt_default_spec(bool rootless)
{
	json_t *caps = json_pack("{s:o,s:o,s:o}", "bounding", STRV(default_caps), "effective",
				 STRV(default_caps), "permitted", STRV(default_caps));
	json_t *rlimits = json_pack("[{s:s,s:i,s:i},{s:s,s:i,s:i}]", "type", "RLIMIT_NOFILE",
				    "hard", 4096, "soft", 1024, "type", "RLIMIT_CORE", "hard", 0,
				    "soft", 0);
	json_t *process = json_pack("{s:b,s:{s:i,s:i},s:[s],s:[s,s],s:s,s:o,s:o,s:b}", "terminal",
				    1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
				    "PATH=" BRIG_DEFAULT_PATH, "TERM=xterm", "cwd", "/",
				    "capabilities", caps, "rlimits", rlimits, "noNewPrivileges", 1);
	json_t *lx = json_pack("{s:o,s:o,s:o,s:o}", "namespaces", namespaces(rootless),
			       "maskedPaths", STRV(masked_paths), "readonlyPaths",
			       STRV(readonly_paths), "seccomp", default_seccomp());
	if (rootless) {
		json_t *map = json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
					(int)geteuid(), "size", 1);
		json_t *gmap = json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
					 (int)getegid(), "size", 1);
		(void)json_object_set_new(lx, "uidMappings", map);
		(void)json_object_set_new(lx, "gidMappings", gmap);
	} else {
		(void)json_object_set_new(lx, "resources",
					  json_pack("{s:[{s:b,s:s}],s:{s:i}}", "devices", "allow",
						    0, "access", "rwm", "pids", "limit", 1024));
	}
	return json_pack("{s:s,s:o,s:{s:s,s:b},s:s,s:o,s:o}", "ociVersion", RT_OCI_VERSION,
			 "process", process, "root", "path", "rootfs", "readonly", 1, "hostname",
			 "brig", "mounts", default_mounts(rootless), "linux", lx);
}

static int set_new(json_t *obj, const char *key, json_t *v, struct brig_err *e)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return brig_err_set(e, -ENOMEM, "spec: out of memory");
	return 0;
}

/* Warn about every entry of a subordinate id file (/etc/subuid) whose range
 * meets host..host+size-1: those ids belong to someone else's containers. */
static void warn_subid_overlap(const char *file, uint64_t host, uint64_t size)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (brig_read_file(AT_FDCWD, file, 1 << 20, &buf, &len, &e) < 0)
		return; /* no such file: nobody has subordinate ids */
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *a = strchr(l, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		uint64_t start, count;
		if (!b)
			continue;
		*a = *b = '\0';
		if (brig_parse_u64(a + 1, &start) < 0 || brig_parse_u64(b + 1, &count) < 0)
			continue;
		if (start < host + size && host < start + count)
			brig_warn("spec: the user namespace's host ids %llu..%llu overlap the "
				  "subordinate ids of %s in %s; choose another range with --userns",
				  (unsigned long long)host, (unsigned long long)(host + size - 1),
				  l, file);
	}
}

/* container ids 0..size-1 -> host ids host.. (uid and gid alike). */
static int add_userns(json_t *lx, uint32_t host, uint32_t size, struct brig_err *e)
{
	if (size == 0 || (uint64_t)host + size > UINT32_MAX)
		return brig_err_set(e, -EINVAL, "spec: user namespace range %u+%u is not valid",
				    host, size);
	warn_subid_overlap("/etc/subuid", host, size);
	warn_subid_overlap("/etc/subgid", host, size);
	json_t *ns = json_object_get(lx, "namespaces");
	if (json_array_append_new(ns, json_pack("{s:s}", "type", "user")) < 0)
		return brig_err_set(e, -ENOMEM, "spec: out of memory");
	for (size_t i = 0; i < 2; i++) {
		json_t *map = json_pack("[{s:i,s:I,s:I}]", "containerID", 0, "hostID",
					(json_int_t)host, "size", (json_int_t)size);
		int r = set_new(lx, i ? "gidMappings" : "uidMappings", map, e);
		if (r < 0)
			return r;
	}
	return 0;
}

json_t *rt_hardened_spec(const struct rt_hardened_opts *o, struct brig_err *e)
{
	_cleanup_json_ json_t *spec = rt_default_spec(o->rootless);
	json_t *lx = json_object_get(spec, "linux");
	if (!lx) {
		brig_err_set(e, -ENOMEM, "spec: out of memory");
		return NULL;
	}
	json_error_t je;
	json_t *sc = json_loads(o->seccomp, JSON_REJECT_DUPLICATES, &je);
	if (!sc || !json_is_object(sc)) {
		json_decref(sc);
		brig_err_set(e, -EINVAL, "spec: the built-in seccomp profile: %s", je.text);
		return NULL;
	}
	int r = set_new(lx, "seccomp", sc, e);
	if (r == 0)
		r = set_new(spec, "annotations",
			    json_pack("{s:s}", RT_ANN_ROOTFS_OPTIONS, "nosuid,nodev"), e);
	if (r == 0 && !o->rootless)
		r = add_userns(lx, o->userns_host, o->userns_size, e);
	if (r == 0 && !o->rootless)
		r = set_new(json_object_get(lx, "resources"), "memory",
			    json_pack("{s:I,s:I}", "limit", (json_int_t)RT_SPEC_MEMORY, "swap",
				      (json_int_t)RT_SPEC_MEMORY),
			    e);
	return r < 0 ? NULL : json_incref(spec);
}

json_t *rt_features(void)
{
	static const char *const hooks[] = { "prestart",       "createRuntime", "createContainer",
					     "startContainer", "poststart",     "poststop" };
	static const char *const ns[] = { "cgroup", "ipc",  "mount", "network",
					  "pid",    "time", "user",  "uts" };
	json_t *lx = json_pack("{s:o,s:o,s:{s:b},s:{s:b},s:{s:b}}", "namespaces", STRV(ns),
			       "capabilities", rt_caps_names(), "apparmor", "enabled",
			       rt_lsm_active("apparmor"), "selinux", "enabled",
			       rt_lsm_active("selinux"), "intelRdt", "enabled", 0);
	json_t *f = json_pack("{s:s,s:s,s:o,s:o}", "ociVersionMin", "1.0.0", "ociVersionMax",
			      RT_OCI_VERSION, "hooks", STRV(hooks), "linux", lx);
	if (!f)
		return NULL;
	rt_cgroup_features(lx);
	rt_seccomp_features(lx);
	rt_mount_features(f);
	(void)json_object_set_new(f, "annotations",
				  json_pack("{s:s}", "org.brig.runtime.version", BRIG_VERSION));
	return f;
}

int rt_validate_bundle(const char *bundle, struct brig_err *e)
{
	struct rt_spec *s = NULL;
	int r = rt_spec_load(bundle, NULL, NULL, "validate", false, &s, e);
	rt_spec_free(s);
	return r;
}
