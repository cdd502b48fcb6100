/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit: which host paths a running container has mounted, as the
 * kernel shows them (docs/audit.md, "Mounts from the kernel").
 *
 * A bind mount in the container's /proc/PID/mountinfo names its
 * filesystem (MAJ:MIN) and the directory of that filesystem it shows
 * (ROOT).  brig's own /proc/self/mountinfo says where the host sees that
 * filesystem: the host mount of the same MAJ:MIN whose root holds ROOT
 * gives the host path.  Mounts of kernel filesystems that every container
 * gets an instance of (proc, sysfs, tmpfs, devpts, mqueue, cgroup,
 * overlay) and the container's root are not binds of host paths.
 */
#include "audit/audit-internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mi {
	char dev[32], root[PATH_MAX], mp[PATH_MAX], fstype[64], opts[256];
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = '\0';
}

/* One line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE ... */
static bool parse(const char *l, struct mi *m)
{
	const char *sep = strstr(l, " - ");
	if (!sep ||
	    sscanf(l, "%*s %*s %31s %4095s %4095s %255s", m->dev, m->root, m->mp, m->opts) != 4 ||
	    sscanf(sep + 3, "%63s", m->fstype) != 1)
		return false;
	unescape(m->root);
	unescape(m->mp);
	return true;
}

/* Is p the directory d or beneath it?  *rest: what follows d. */
static bool beneath(const char *p, const char *d, const char **rest)
{
	size_t n = strcmp(d, "/") == 0 ? 0 : strlen(d);
	if (strncmp(p, d, n) != 0 || (p[n] && p[n] != '/'))
		return false;
	*rest = p + n;
	return true;
}

/* The host path of container mount c: through the host mount of its
 * filesystem whose root is the longest prefix of c's root. */
static bool host_path(const struct mi *host, size_t nh, const struct mi *c, char out[PATH_MAX])
{
	const struct mi *best = NULL;
	const char *rest = NULL, *r;
	for (size_t i = 0; i < nh; i++)
		if (strcmp(host[i].dev, c->dev) == 0 && beneath(c->root, host[i].root, &r) &&
		    (!best || strlen(host[i].root) > strlen(best->root))) {
			best = &host[i];
			rest = r;
		}
	if (!best)
		return false;
	const char *mp = strcmp(best->mp, "/") == 0 ? "" : best->mp;
	return brig_snprintf(out, PATH_MAX, "%s%s", *mp || *rest ? mp : "/", rest) >= 0;
}

static bool kernel_fs(const char *t)
{
	static const char *const v[] = { "proc",   "sysfs",   "tmpfs",   "devpts",     "mqueue",
					 "cgroup", "cgroup2", "overlay", "securityfs", "nsfs",
					 "bpf",    "fusectl", "tracefs", "debugfs" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(v); i++)
		if (strcmp(t, v[i]) == 0)
			return true;
	return false;
}

static int load(int dirfd, const char *path, struct mi **out, size_t *n)
{
	_cleanup_free_ char *text = NULL;
	int r = au_read(dirfd, path, &text);
	if (r < 0)
		return r;
	size_t lines = 1;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	struct mi *v = calloc(lines, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && k < lines;
	     l = strtok_r(NULL, "\n", &save))
		if (parse(l, &v[k]))
			k++;
	*out = v;
	*n = k;
	return 0;
}

int au_kernel_binds(pid_t pid, const char *id, json_t **out, struct brig_err *e)
{
	char p[32];
	(void)snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	_cleanup_close_ int pdir = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *cg = NULL;
	if (pdir < 0 || au_read(pdir, "cgroup", &cg) < 0 || !strstr(cg, id))
		return brig_err_set(e, -ESRCH, "process %d is gone", (int)pid);
	_cleanup_free_ struct mi *host = NULL, *ctr = NULL;
	size_t nh = 0, nc = 0;
	int r = load(AT_FDCWD, "/proc/self/mountinfo", &host, &nh);
	if (r == 0)
		r = load(pdir, "mountinfo", &ctr, &nc);
	if (r < 0)
		return brig_err_set(e, r, "reading mountinfo of %d", (int)pid);
	_cleanup_json_ json_t *list = json_array();
	for (size_t i = 0; list && i < nc; i++) {
		char hp[PATH_MAX];
		if (strcmp(ctr[i].mp, "/") == 0)
			continue;
		/* a kernel filesystem's instance: its flags only */
		bool kfs = kernel_fs(ctr[i].fstype);
		if (!kfs && !host_path(host, nh, &ctr[i], hp))
			continue;
		if (json_array_append_new(list,
					  json_pack("{s:s?,s:s,s:s,s:s}", "Source", kfs ? NULL : hp,
						    "Destination", ctr[i].mp, "Options",
						    ctr[i].opts, "Type", ctr[i].fstype)) < 0)
			return brig_err_oom(e);
	}
	if (!list)
		return brig_err_oom(e);
	*out = brig_steal_ptr(list);
	return 0;
}
