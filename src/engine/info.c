/* SPDX-License-Identifier: Apache-2.0 */
/* brig info: what the engine runs on, read from the host and the store. */
#include "engine/engine-internal.h"
#include "engine/config/engine-config.h"
#include "engine/record-internal.h"
#include "runtime/cgroup/cgroup.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Does the file hold the word (a whole line field)? */
static bool file_has(const char *path, const char *word)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	return brig_read_file(AT_FDCWD, path, 1 << 20, &buf, &len, &e) == 0 && strstr(buf, word);
}

static bool has_openat2(void)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd >= 0)
		(void)close((int)fd);
	return fd >= 0;
}

static bool has_pidfd(void)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (fd >= 0)
		(void)close((int)fd);
	return fd >= 0;
}

static bool has_userns(void)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	uint64_t n = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	if (brig_read_file(AT_FDCWD, "/proc/sys/user/max_user_namespaces", 64, &buf, &len, &e) < 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return brig_parse_u64(buf, &n) == 0 && n > 0;
}

static json_t *kernel_features(struct eng *g)
{
	bool quotas = false;
	const char *fs = eng_quota_store_fs(g, &quotas);
	json_t *o = json_pack("{s:b,s:b,s:b,s:b,s:b,s:b,s:s}", "UserNamespaces", has_userns(),
			      "Seccomp", prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0, "Overlay",
			      file_has("/proc/filesystems", "\toverlay\n"), "Openat2",
			      has_openat2(), "Pidfd", has_pidfd(), "BtrfsQuota", quotas,
			      "StoreFilesystem", fs);
	_cleanup_err_ struct brig_err e = { 0 };
	if (o && eng_info_host_features(o, &e) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "v1", "hybrid" or "v2", and the controllers the kernel has enabled. */
static json_t *cgroups(const char **docker_version)
{
	enum rt_cgroup_layout l = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	(void)rt_cgroup_host_layout(&l, &e);
	*docker_version = l == RT_CGROUP_V2 ? "2" : "1";
	json_t *ctls = json_array();
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char *save = NULL;
	if (ctls && brig_read_file(AT_FDCWD, "/proc/cgroups", 1 << 16, &buf, &len, &e) == 0)
		for (char *ln = strtok_r(buf, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
			char name[64];
			unsigned h, n, en;
			if (ln[0] != '#' && sscanf(ln, "%63s %u %u %u", name, &h, &n, &en) == 4 &&
			    en)
				(void)json_array_append_new(ctls, json_string(name));
		}
	/* Delegated: containers get cgroups (always for root; rootless only
	 * in a v2 subtree of its own). */
	return json_pack("{s:s,s:o,s:b}", "Layout",
			 l == RT_CGROUP_V2               ? "v2"
				 : l == RT_CGROUP_HYBRID ? "hybrid"
				 : l == RT_CGROUP_V1     ? "v1"
							 : "none",
			 "Controllers", ctls ? ctls : json_array(), "Delegated",
			 !eng_rootless() || eng_rootless_cgroup_delegated());
}

static json_t *seccomp(struct eng *g)
{
	const char *p = g->cfg->seccomp_profile ? g->cfg->seccomp_profile
						: eng_seccomp_default_profile();
	if (strcmp(p, "unconfined") == 0)
		return json_pack("{s:s}", "Profile", p);
	char hex[BRIG_SHA256_HEX], digest[80] = "";
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int fd = BRIG_RETRY(open(p, O_RDONLY | O_CLOEXEC));
	if (fd >= 0 && brig_sha256_fd(fd, hex, NULL, &e) == 0)
		(void)snprintf(digest, sizeof(digest), "sha256:%s", hex);
	return json_pack("{s:s,s:s,s:b}", "Profile", p, "Digest", digest, "Default",
			 !g->cfg->seccomp_profile);
}

/* Containers by state, and the images of the store (distinct manifests). */
static int counts(struct eng *g, json_t *o, struct brig_err *e)
{
	_cleanup_(eng_records_clear) struct eng_records all = { 0 };
	int r = eng_records_all(g, &all, e);
	if (r < 0)
		return r;
	json_int_t run = 0, paused = 0;
	json_t *inuse = json_array(); /* the ranges this store's containers hold */
	if (!inuse ||
	    json_object_set_new(json_object_get(json_object_get(o, "Brig"), "Userns"), "InUse",
				inuse) < 0)
		return brig_err_oom(e);
	for (size_t i = 0; i < all.n; i++) {
		const struct eng_userns *u = &all.v[i].userns;
		if (u->enabled &&
		    json_array_append_new(inuse,
					  json_pack("{s:s,s:I,s:I,s:I}", "Container", all.v[i].id,
						    "HostUid", (json_int_t)u->uid, "HostGid",
						    (json_int_t)u->gid, "Size",
						    (json_int_t)u->size)) < 0)
			return brig_err_oom(e);
		const char *s = eng_status_name(all.v[i].state.status);
		run += strcmp(s, "running") == 0 || strcmp(s, "restarting") == 0;
		paused += strcmp(s, "paused") == 0;
	}
	struct img_store *s = NULL;
	struct img_list_entry *v = NULL;
	size_t n = 0, images = 0;
	if ((r = eng_store(g, &s, e)) < 0 || (r = img_store_list(s, &v, &n, e)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(v[i].desc.digest, v[j].desc.digest) == 0;
		images += !seen;
	}
	img_store_list_free(v, n);
	json_int_t total = (json_int_t)all.n;
	_cleanup_json_ json_t *c = json_pack("{s:I,s:I,s:I,s:I,s:I}", "Containers", total,
					     "ContainersRunning", run, "ContainersPaused", paused,
					     "ContainersStopped", total - run - paused, "Images",
					     (json_int_t)images);
	return !c || json_object_update(o, c) < 0 ? brig_err_oom(e) : 0;
}

/* PRETTY_NAME of /etc/os-release. */
static void os_name(char buf[256])
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	snprintf(buf, 256, "Linux");
	if (brig_read_file(AT_FDCWD, "/etc/os-release", 1 << 16, &text, &len, &e) < 0)
		return;
	char *p = strstr(text, "PRETTY_NAME=");
	if (!p || (p != text && p[-1] != '\n'))
		return;
	p += 12;
	size_t n = strcspn(p, "\n");
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"')
		snprintf(buf, 256, "%.*s", (int)(n - 2), p + 1);
	else
		snprintf(buf, 256, "%.*s", (int)n, p);
}

static json_t *brig_part(struct eng *g)
{
	return json_pack("{s:b,s:s,s:s,s:s,s:b,s:s?,s:o*,s:o*,s:o*,s:b}", "Rootless",
			 eng_rootless(), "StoreRoot", g->root, "RuntimeRoot", g->rt_root,
			 "MountRoot", g->mnt_root ? g->mnt_root : "", "DriverFixed",
			 eng_rootfs_driver_fixed(g), "ConfigFile", g->cfg->source, "Seccomp",
			 seccomp(g), "Userns", eng_userns_info(g), "KernelFeatures",
			 kernel_features(g), "ContentTrust", g->cfg->content_trust);
}

/* SecurityOptions as Docker words them. */
static json_t *security_options(struct eng *g)
{
	const char *p = g->cfg->seccomp_profile;
	char seccomp[600];
	snprintf(seccomp, sizeof(seccomp), "name=seccomp,profile=%s",
		 p ? p : eng_seccomp_default_profile());
	json_t *a = json_pack("[s]", seccomp);
	if (a && g->cfg->userns != ENG_USERNS_HOST)
		(void)json_array_append_new(a, json_string("name=userns"));
	if (a && geteuid() != 0)
		(void)json_array_append_new(a, json_string("name=rootless"));
	if (a && g->cfg->no_new_privileges)
		(void)json_array_append_new(a, json_string("name=no-new-privileges"));
	return a;
}

int eng_info(struct eng *g, json_t **out, struct brig_err *e)
{
	struct utsname u;
	struct sysinfo si;
	char os[256], host[256] = "";
	const char *cgv = "1";
	if (uname(&u) < 0 || sysinfo(&si) < 0)
		return brig_err_sys(e, errno, "uname/sysinfo");
	(void)gethostname(host, sizeof(host) - 1);
	os_name(os);
	json_t *cg = cgroups(&cgv);
	_cleanup_json_ json_t *o = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:o*,s:s,s:o*}", "Name", host,
		"ServerVersion", BRIG_VERSION, "Driver", eng_rootfs_driver(g), "DockerRootDir",
		g->root, "KernelVersion", u.release, "OperatingSystem", os, "NCPU",
		(json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal",
		(json_int_t)si.totalram * (json_int_t)si.mem_unit, "OSType", "linux",
		"Architecture", u.machine, "CgroupVersion", cgv, "SecurityOptions",
		security_options(g), "CgroupDriver", "cgroupfs", "Brig", brig_part(g));
	if (!o || !cg || json_object_set_new(json_object_get(o, "Brig"), "Cgroups", cg) < 0)
		return brig_err_oom(e);
	int r = counts(g, o, e);
	if (r == 0)
		*out = brig_steal_ptr(o);
	return r;
}
