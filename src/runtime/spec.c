/* SPDX-License-Identifier: Apache-2.0 */
/* Loading and validating a bundle's config.json. */
#include "runtime/runtime-internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/mount/mount.h"
#include "runtime/landlock-internal.h"
#include "runtime/seccomp/runtime-seccomp.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *type; /* config.json name */
	const char *proc; /* /proc/PID/ns name */
	int flag;
} ns_table[RT_NS_COUNT] = {
	[RT_NS_PID] = { "pid", "pid", CLONE_NEWPID },
	[RT_NS_NET] = { "network", "net", CLONE_NEWNET },
	[RT_NS_MNT] = { "mount", "mnt", CLONE_NEWNS },
	[RT_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
	[RT_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
	[RT_NS_USER] = { "user", "user", CLONE_NEWUSER },
	[RT_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
	[RT_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

int rt_ns_clone_flag(enum rt_ns_kind k)
{
	return ns_table[k].flag;
}
const char *rt_ns_proc_name(enum rt_ns_kind k)
{
	return ns_table[k].proc;
}

void rt_spec_free(struct rt_spec *s)
{
	if (!s)
		return;
	json_decref(s->json);
	free(s->file);
	free(s->bundle);
	rt_process_clear(&s->process);
	brig_landlock_rules_free(s->landlock);
	free(s->hostname);
	free(s->domainname);
	for (int i = 0; i < RT_NS_COUNT; i++)
		free(s->ns[i].path);
	free(s->uid_maps);
	free(s->gid_maps);
	for (size_t i = 0; i < s->n_sysctl; i++) {
		free(s->sysctl[i].key);
		free(s->sysctl[i].value);
	}
	free(s->sysctl);
	rt_hooks_free(s);
	rt_rootfs_cfg_free(s->rootfs);
	rt_cgroup_cfg_free(s->cgroup);
	rt_seccomp_free(s->seccomp);
	free(s);
}

static int parse_namespaces(const json_t *lx, const struct bj_loc *ll, struct rt_spec *s,
			    struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(lx, ll, "namespaces", false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc al;
	bj_key(&al, ll, "namespaces");
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		struct bj_loc el;
		bj_idx(&el, &al, i);
		const char *type = NULL, *path = NULL;
		if ((r = bj_get_str(o, &el, "type", true, &type, e)) < 0 ||
		    (r = bj_get_str(o, &el, "path", false, &path, e)) < 0)
			return r;
		int k = -1;
		for (int j = 0; j < RT_NS_COUNT; j++)
			if (strcmp(ns_table[j].type, type) == 0)
				k = j;
		if (k < 0)
			return bj_fail(e, &el, "unknown namespace type \"%s\"", type);
		if (s->ns[k].wanted)
			return bj_fail(e, &el, "duplicate namespace \"%s\"", type);
		s->ns[k].wanted = true;
		if (path && *path) {
			if (path[0] != '/')
				return bj_fail(e, &el, "path \"%s\" is not absolute", path);
			if (!(s->ns[k].path = strdup(path)))
				return brig_err_set(e, -ENOMEM, "out of memory");
		}
	}
	return 0;
}

static int parse_idmaps(const json_t *lx, const struct bj_loc *ll, const char *key,
			struct rt_idmap **out, size_t *n_out, struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(lx, ll, key, false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc al;
	bj_key(&al, ll, key);
	size_t n = json_array_size(arr);
	if (n > 340) /* the kernel's limit on map lines */
		return bj_fail(e, &al, "too many mappings (%zu)", n);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &al, i);
		json_t *o = json_array_get(arr, i);
		int64_t c, h, sz;
		if ((r = bj_get_int(o, &el, "containerID", true, 0, UINT32_MAX, &c, e)) < 0 ||
		    (r = bj_get_int(o, &el, "hostID", true, 0, UINT32_MAX, &h, e)) < 0 ||
		    (r = bj_get_int(o, &el, "size", true, 1, UINT32_MAX, &sz, e)) < 0)
			return r;
		if (c + sz > (int64_t)UINT32_MAX + 1 || h + sz > (int64_t)UINT32_MAX + 1)
			return bj_fail(e, &el, "range overflows 32 bits");
		(*out)[i] = (struct rt_idmap){ (uint32_t)c, (uint32_t)h, (uint32_t)sz };
	}
	*n_out = n;
	return 0;
}

/* Which namespace a sysctl belongs to; -1 when it is not namespaced. */
static int sysctl_ns(const char *key)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",
					   "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax",
					   "kernel.shmmni", "kernel.shm_rmid_forced" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(ipc); i++)
		if (strcmp(key, ipc[i]) == 0)
			return RT_NS_IPC;
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		return RT_NS_IPC;
	if (strncmp(key, "net.", 4) == 0)
		return RT_NS_NET;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return RT_NS_UTS;
	return -1;
}

static int parse_sysctl(const json_t *lx, const struct bj_loc *ll, struct rt_spec *s,
			struct brig_err *e)
{
	json_t *obj = NULL;
	int r = bj_get_obj(lx, ll, "sysctl", false, &obj, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc ol;
	bj_key(&ol, ll, "sysctl");
	size_t n = json_object_size(obj);
	if (n > 1024)
		return bj_fail(e, &ol, "too many entries (%zu)", n);
	s->sysctl = calloc(n ? n : 1, sizeof(*s->sysctl));
	if (!s->sysctl)
		return brig_err_set(e, -ENOMEM, "out of memory");
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		struct bj_loc kl;
		bj_key(&kl, &ol, key);
		if ((r = bj_expect(v, &kl, JSON_STRING, e)) < 0)
			return r;
		if (!*key || strlen(key) > 200 || strstr(key, "..") ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789._-/") != strlen(key))
			return bj_fail(e, &kl, "not a valid sysctl name");
		int k = sysctl_ns(key);
		if (k < 0)
			return bj_fail(e, &kl,
				       "not a namespaced sysctl; refusing to change the host");
		if (!s->ns[k].wanted || (s->ns[k].path && k != RT_NS_NET))
			return bj_fail(e, &kl, "needs a new %s namespace", ns_table[k].type);
		struct rt_kv *kv = &s->sysctl[s->n_sysctl];
		kv->key = strdup(key);
		kv->value = strdup(json_string_value(v));
		s->n_sysctl++;
		if (!kv->key || !kv->value)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_personality(const json_t *lx, const struct bj_loc *ll, struct rt_spec *s,
			     struct brig_err *e)
{
	json_t *obj = NULL;
	int r = bj_get_obj(lx, ll, "personality", false, &obj, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc pl;
	bj_key(&pl, ll, "personality");
	const char *domain = NULL;
	if ((r = bj_get_str(obj, &pl, "domain", true, &domain, e)) < 0)
		return r;
	if (strcmp(domain, "LINUX") == 0)
		s->personality = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		s->personality = PER_LINUX32;
	else
		return bj_fail(e, &pl, "unknown domain \"%s\"", domain);
	s->has_personality = true;
	return 0;
}

static int parse_time_offsets(const json_t *lx, const struct bj_loc *ll, struct rt_spec *s,
			      struct brig_err *e)
{
	json_t *obj = NULL;
	int r = bj_get_obj(lx, ll, "timeOffsets", false, &obj, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc tl;
	bj_key(&tl, ll, "timeOffsets");
	if (!s->ns[RT_NS_TIME].wanted || s->ns[RT_NS_TIME].path)
		return bj_fail(e, &tl, "needs a new time namespace");
	static const char *const clocks[] = { "monotonic", "boottime" };
	for (int i = 0; i < 2; i++) {
		json_t *c = NULL;
		r = bj_get_obj(obj, &tl, clocks[i], false, &c, e);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		struct bj_loc cl;
		bj_key(&cl, &tl, clocks[i]);
		int64_t secs = 0, ns = 0;
		if ((r = bj_get_int(c, &cl, "secs", false, INT32_MIN, INT32_MAX, &secs, e)) < 0 ||
		    (r = bj_get_int(c, &cl, "nanosecs", false, 0, 999999999, &ns, e)) < 0)
			return r;
		if (i == 0) {
			s->mono_secs = secs;
			s->mono_nsecs = (uint32_t)ns;
		} else {
			s->boot_secs = secs;
			s->boot_nsecs = (uint32_t)ns;
		}
	}
	s->has_time_offsets = true;
	return 0;
}

static int parse_linux(const json_t *cfg, const struct bj_loc *root, struct rt_spec *s,
		       struct brig_err *e)
{
	json_t *lx = NULL;
	int r = bj_get_obj(cfg, root, "linux", false, &lx, e);
	if (r < 0)
		return r;
	if (r > 0)
		return 0;
	struct bj_loc ll;
	bj_key(&ll, root, "linux");
	if ((r = parse_namespaces(lx, &ll, s, e)) < 0 ||
	    (r = parse_idmaps(lx, &ll, "uidMappings", &s->uid_maps, &s->n_uid_maps, e)) < 0 ||
	    (r = parse_idmaps(lx, &ll, "gidMappings", &s->gid_maps, &s->n_gid_maps, e)) < 0 ||
	    (r = parse_sysctl(lx, &ll, s, e)) < 0 || (r = parse_personality(lx, &ll, s, e)) < 0 ||
	    (r = parse_time_offsets(lx, &ll, s, e)) < 0 ||
	    (r = rt_mempolicy_parse(lx, &ll, &s->mempolicy, e)) < 0)
		return r;
	bool userns_new = s->ns[RT_NS_USER].wanted && !s->ns[RT_NS_USER].path;
	if (userns_new && (!s->n_uid_maps || !s->n_gid_maps))
		return bj_fail(e, &ll, "a new user namespace needs uidMappings and gidMappings");
	if (!userns_new && (s->n_uid_maps || s->n_gid_maps))
		return bj_fail(e, &ll, "uidMappings/gidMappings need a new user namespace");
	for (const char *const *k = (const char *const[]){ "intelRdt", "netDevices", NULL }; *k;
	     k++)
		if (json_object_get(lx, *k))
			return brig_err_set(e, -EOPNOTSUPP,
					    "%s: linux.%s is not supported by brig-runtime",
					    s->file, *k);
	json_t *seccomp_obj = json_object_get(lx, "seccomp");
	struct bj_loc sl;
	bj_key(&sl, &ll, "seccomp");
	if (seccomp_obj && (r = rt_seccomp_parse(seccomp_obj, &sl, &s->seccomp, e)) < 0)
		return r;
	return 0;
}

static int parse_top(const json_t *cfg, const struct bj_loc *root, struct rt_spec *s,
		     struct brig_err *e)
{
	const char *ver = NULL, *str = NULL;
	int r = bj_get_str(cfg, root, "ociVersion", true, &ver, e);
	if (r < 0)
		return r;
	if (strncmp(ver, "1.", 2) != 0)
		return bj_fail(e, root, "ociVersion \"%s\" is not a 1.x version", ver);
	json_t *proc = NULL;
	if ((r = bj_get_obj(cfg, root, "process", true, &proc, e)) < 0)
		return r;
	struct bj_loc pl;
	bj_key(&pl, root, "process");
	if ((r = rt_process_parse(proc, &pl, &s->process, e)) < 0)
		return r;
	if ((r = bj_get_str(cfg, root, "hostname", false, &str, e)) < 0)
		return r;
	if (r == 0 && !(s->hostname = strdup(str)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	str = NULL;
	if ((r = bj_get_str(cfg, root, "domainname", false, &str, e)) < 0)
		return r;
	if (r == 0 && !(s->domainname = strdup(str)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	json_t *ann = NULL;
	if ((r = bj_get_obj(cfg, root, "annotations", false, &ann, e)) < 0)
		return r;
	if (ann) {
		const char *k;
		json_t *v;
		struct bj_loc al;
		bj_key(&al, root, "annotations");
		json_object_foreach(ann, k, v)
		{
			struct bj_loc kl;
			bj_key(&kl, &al, k);
			if ((r = bj_expect(v, &kl, JSON_STRING, e)) < 0)
				return r;
		}
	}
	return rt_landlock_from_config(cfg, &s->landlock, e);
}

static int check_uts(const struct rt_spec *s, struct brig_err *e)
{
	if ((s->hostname && *s->hostname) || (s->domainname && *s->domainname)) {
		/* A joined uts namespace (path) is set as asked, as runc does;
		 * the host's own is never changed. */
		if (!s->ns[RT_NS_UTS].wanted)
			return brig_err_set(e, -EINVAL,
					    "%s: hostname/domainname need a uts namespace",
					    s->file);
		if ((s->hostname && strlen(s->hostname) > 64) ||
		    (s->domainname && strlen(s->domainname) > 64))
			return brig_err_set(e, -EINVAL,
					    "%s: hostname/domainname longer than 64 bytes",
					    s->file);
	}
	return 0;
}

static int spec_parse(struct rt_spec *s, const char *id, bool systemd_cgroup, struct brig_err *e)
{
	struct bj_loc root;
	bj_root(&root, s->file);
	int r;
	if ((r = bj_expect(s->json, &root, JSON_OBJECT, e)) < 0 ||
	    (r = parse_top(s->json, &root, s, e)) < 0 ||
	    (r = parse_linux(s->json, &root, s, e)) < 0 || (r = check_uts(s, e)) < 0 ||
	    (r = rt_hook_parse_all(s->json, &root, s, e)) < 0 ||
	    (r = rt_rootfs_parse(s->json, s->file, s->bundle, &s->rootfs, e)) < 0)
		return r;
	json_t *lx = json_object_get(s->json, "linux");
	struct bj_loc ll;
	bj_key(&ll, &root, "linux");
	return rt_cgroup_cfg_parse(lx, &ll, id, systemd_cgroup, &s->cgroup, e);
}

int rt_spec_load(const char *bundle, const char *config, const json_t *doc, const char *id,
		 bool systemd_cgroup, struct rt_spec **out, struct brig_err *e)
{
	struct rt_spec *s = calloc(1, sizeof(*s));
	if (!s)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char abs[PATH_MAX];
	int r;
	if (!realpath(bundle, abs)) {
		r = brig_err_sys(e, errno, "bundle %s", bundle);
		goto fail;
	}
	s->bundle = strdup(abs);
	if (config)
		s->file = strdup(config);
	else if (asprintf(&s->file, "%s/config.json", abs) < 0)
		s->file = NULL;
	if (!s->bundle || !s->file) {
		r = brig_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (doc) {
		/* A private copy: parsing keeps pointers into it. */
		if (!(s->json = json_deep_copy(doc))) {
			r = brig_err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
	} else if ((r = bj_load_file(AT_FDCWD, s->file, RT_MAX_CONFIG, &s->json, e)) < 0) {
		goto fail;
	}
	if ((r = spec_parse(s, id, systemd_cgroup, e)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	rt_spec_free(s);
	return r;
}

int rt_spec_load_hooks(int dirfd, const char *name, struct rt_spec **out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct rt_spec *s = calloc(1, sizeof(*s));
	if (!s)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r;
	if (!(s->file = strdup(name))) {
		r = brig_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((r = brig_read_file(dirfd, name, RT_MAX_CONFIG, &buf, &len, e)) < 0)
		goto fail;
	/* The file is the runtime's own copy, written by jansson (create.c),
	 * which never escapes a letter: without the text "hooks" it has no
	 * hooks, and its 40 kB (seccomp) need no parse on every start and
	 * delete. */
	if (!memmem(buf, len, "\"hooks\"", 7)) {
		*out = s;
		return 0;
	}
	if ((r = bj_parse(buf, len, name, &s->json, e)) < 0)
		goto fail;
	struct bj_loc root;
	bj_root(&root, s->file);
	if ((r = rt_hook_parse_all(s->json, &root, s, e)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	rt_spec_free(s);
	return r;
}
