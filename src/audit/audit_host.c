/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit host: the kernel features brig relies on, the sysctls that
 * harden the host, the store's partition and audit rules
 * (docs/audit.md, "Host checks").  Everything is read from /proc and
 * /sys; nothing is run.
 */
#include "audit/audit-internal.h"
#include "engine/engine.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct au_check c_userns = {
	"brig.host.userns", AUDIT_HIGH,
	"enable user namespaces (CONFIG_USER_NS, user.max_user_namespaces > 0): brig maps each "
	"container's root to an unprivileged host uid with them",
	"https://man7.org/linux/man-pages/man7/user_namespaces.7.html"
};
static const struct au_check c_seccomp = {
	"brig.host.seccomp", AUDIT_HIGH,
	"use a kernel built with CONFIG_SECCOMP_FILTER: brig's syscall filter needs it",
	"https://docs.kernel.org/userspace-api/seccomp_filter.html"
};
static const struct au_check c_overlay = {
	"brig.host.overlay", AUDIT_LOW,
	"load the overlay module: without it every container gets a full copy of its image",
	"https://docs.kernel.org/filesystems/overlayfs.html"
};
static const struct au_check c_cgroups = {
	"brig.host.cgroups", AUDIT_INFO,
	"boot with the unified cgroup hierarchy (systemd.unified_cgroup_hierarchy=1) so every "
	"limit is enforced by cgroup v2",
	"https://docs.kernel.org/admin-guide/cgroup-v2.html"
};
static const struct au_check c_lsm = {
	"brig.host.lsm", AUDIT_MEDIUM,
	"enable a Linux security module (AppArmor, SELinux or Landlock) as a further layer",
	"https://docs.kernel.org/admin-guide/LSM/index.html"
};
static const struct au_check c_partition = {
	"1.1.1", AUDIT_LOW,
	"put the store (brig --root) on a partition of its own so containers cannot fill /",
	"https://www.cisecurity.org/benchmark/docker"
};
static const struct au_check c_auditd = {
	"1.1.3", AUDIT_LOW, "add auditd rules watching the store and /etc/brig (-w PATH -k brig)",
	"https://www.cisecurity.org/benchmark/docker"
};

/* A sysctl and the value it should have: at least min. */
struct au_sysctl {
	struct au_check c;
	const char *path; /* under /proc/sys */
	int64_t min;
};
static const struct au_sysctl sysctls[] = {
	{ { "brig.host.sysctl.dmesg_restrict", AUDIT_LOW,
	    "sysctl -w kernel.dmesg_restrict=1: the kernel log is for root alone", NULL },
	  "kernel/dmesg_restrict",
	  1 },
	{ { "brig.host.sysctl.kptr_restrict", AUDIT_MEDIUM,
	    "sysctl -w kernel.kptr_restrict=1: kernel addresses help exploits", NULL },
	  "kernel/kptr_restrict",
	  1 },
	{ { "brig.host.sysctl.protected_symlinks", AUDIT_MEDIUM,
	    "sysctl -w fs.protected_symlinks=1", NULL },
	  "fs/protected_symlinks",
	  1 },
	{ { "brig.host.sysctl.protected_hardlinks", AUDIT_MEDIUM,
	    "sysctl -w fs.protected_hardlinks=1", NULL },
	  "fs/protected_hardlinks",
	  1 },
	{ { "brig.host.sysctl.protected_fifos", AUDIT_LOW, "sysctl -w fs.protected_fifos=1", NULL },
	  "fs/protected_fifos",
	  1 },
	{ { "brig.host.sysctl.protected_regular", AUDIT_LOW, "sysctl -w fs.protected_regular=1",
	    NULL },
	  "fs/protected_regular",
	  1 },
};
static const struct au_check c_unpriv_userns = {
	"brig.host.sysctl.unprivileged_userns_clone", AUDIT_INFO,
	"set kernel.unprivileged_userns_clone=0 unless users run rootless containers: it opens the "
	"kernel's namespace code to every local user",
	NULL
};

static bool has_line_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; (p = strstr(p, word)); p += n)
		if ((p == text || strchr(" \t\n,", p[-1])) && strchr(" \t\n,", p[n] ? p[n] : ' '))
			return true;
	return false;
}

static int features(struct au *a, struct brig_err *e)
{
	int64_t v = 0;
	int r = 0;
	if (access("/proc/self/ns/user", F_OK) != 0 ||
	    (au_read_i64(AT_FDCWD, "/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0))
		r = au_add(a, &c_userns, "kernel", e, "user namespaces are not available");
	_cleanup_free_ char *st = NULL, *fsl = NULL;
	if (r == 0 && au_read(AT_FDCWD, "/proc/self/status", &st) == 0 &&
	    !strstr(st, "\nSeccomp_filters:") && !strstr(st, "\nSeccomp:"))
		r = au_add(a, &c_seccomp, "kernel", e, "the kernel has no seccomp");
	if (r == 0 && au_read(AT_FDCWD, "/proc/filesystems", &fsl) == 0 &&
	    !has_line_word(fsl, "overlay"))
		r = au_add(a, &c_overlay, "kernel", e, "overlay is not in /proc/filesystems");
	_cleanup_free_ char *ctl = NULL;
	bool v2 = au_read(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", &ctl) == 0;
	if (r == 0 && (!v2 || !has_line_word(ctl, "memory")))
		r = au_add(a, &c_cgroups, "/sys/fs/cgroup", e,
			   "cgroups are %s: limits are enforced through cgroup v1 controllers",
			   v2 ? "v2 without the memory controller" : "v1 or hybrid");
	return r;
}

static int lsm(struct au *a, struct brig_err *e)
{
	_cleanup_free_ char *l = NULL;
	if (au_read(AT_FDCWD, "/sys/kernel/security/lsm", &l) < 0)
		return 0; /* securityfs not mounted: nothing to say for sure */
	static const char *const mac[] = { "apparmor", "selinux", "landlock", "smack", "tomoyo" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(mac); i++)
		if (has_line_word(l, mac[i]))
			return 0;
	l[strcspn(l, "\n")] = '\0';
	return au_add(a, &c_lsm, "kernel", e, "no access-control LSM is active (lsm: %s)", l);
}

static int sysctl_checks(struct au *a, struct brig_err *e)
{
	char path[128];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sysctls); i++) {
		int64_t v;
		(void)snprintf(path, sizeof(path), "/proc/sys/%s", sysctls[i].path);
		if (au_read_i64(AT_FDCWD, path, &v) < 0 || v >= sysctls[i].min)
			continue;
		int r = au_add(a, &sysctls[i].c, path, e, "is %lld", (long long)v);
		if (r < 0)
			return r;
	}
	int64_t v;
	const char *p = "/proc/sys/kernel/unprivileged_userns_clone";
	if (au_read_i64(AT_FDCWD, p, &v) == 0 && v != 0)
		return au_add(a, &c_unpriv_userns, p, e, "is %lld", (long long)v);
	return 0;
}

/* Do the audit rules (auditd's rules files) watch path? */
static bool audited(const char *path)
{
	_cleanup_free_ char *rules = NULL;
	if (au_read(AT_FDCWD, "/etc/audit/audit.rules", &rules) == 0 && strstr(rules, path))
		return true;
	DIR *d = opendir("/etc/audit/rules.d");
	struct dirent *de;
	bool found = false;
	while (d && !found && (de = readdir(d))) {
		_cleanup_free_ char *t = NULL;
		found = de->d_name[0] != '.' && au_read(dirfd(d), de->d_name, &t) == 0 &&
			strstr(t, path);
	}
	if (d)
		closedir(d);
	return found;
}

static int store(struct au *a, struct brig_err *e)
{
	const char *root = eng_root(a->g);
	struct stat sr, s0;
	int r = 0;
	if (stat(root, &sr) == 0 && stat("/", &s0) == 0 && sr.st_dev == s0.st_dev)
		r = au_add(a, &c_partition, root, e, "the store is on the root filesystem");
	static const char *const watched[] = { NULL, "/etc/brig" };
	for (size_t i = 0; r == 0 && i < BRIG_ARRAY_SIZE(watched); i++) {
		const char *p = watched[i] ? watched[i] : root;
		if (!audited(p))
			r = au_add(a, &c_auditd, p, e, "no audit rule watches %s", p);
	}
	return r;
}

int au_host(struct au *a, struct brig_err *e)
{
	int r = features(a, e);
	if (r == 0)
		r = lsm(a, e);
	if (r == 0)
		r = sysctl_checks(a, e);
	if (r == 0)
		r = store(a, e);
	return r;
}
