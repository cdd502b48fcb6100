/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing and validating the filesystem part of config.json: root, mounts,
 * linux.{rootfsPropagation,maskedPaths,readonlyPaths,mountLabel,devices}.
 * Unknown members are ignored, as config.md requires of runtimes; known ones
 * are type- and range-checked and every error names file and field.
 */
#include "runtime/mount/mount-internal.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_MOUNTS 4096
#define MAX_PATHS 1024
#define MAX_DEVICES 4096
#define MAX_MAPS 340 /* the kernel's limit of uid_map lines */
#define MAX_TYPE 64
#define MAX_LABEL 4096

/* ------------------------------------------------------------------ */
/* paths                                                                */
/* ------------------------------------------------------------------ */

bool rt_path_under(const char *path, const char *prefix)
{
	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* An absolute container path, cleaned, as a new string. */
static int parse_abs_path(const char *s, const struct bj_loc *at, char **out, struct brig_err *e)
{
	if (s[0] != '/')
		return bj_fail(e, at, "must be an absolute path");
	char buf[PATH_MAX];
	if (s[0] != '/' || strlen(s) >= PATH_MAX ||
	    brig_path_clean(s, BRIG_PATH_ABSOLUTE | BRIG_PATH_CLAMP, buf, sizeof(buf)) < 0)
		return bj_fail(e, at, "path too long");
	*out = strdup(buf);
	if (!*out)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* ------------------------------------------------------------------ */
/* id mappings                                                          */
/* ------------------------------------------------------------------ */

static int parse_one_map(const json_t *jm, const struct bj_loc *at, struct rt_idmap *out,
			 struct brig_err *e)
{
	int64_t c = 0, h = 0, s = 0;
	int r = bj_get_int(jm, at, "containerID", true, 0, UINT32_MAX, &c, e);
	if (r == 0)
		r = bj_get_int(jm, at, "hostID", true, 0, UINT32_MAX, &h, e);
	if (r == 0)
		r = bj_get_int(jm, at, "size", true, 1, UINT32_MAX, &s, e);
	if (r < 0)
		return r;
	if (c + s - 1 > (int64_t)UINT32_MAX - 1 || h + s - 1 > (int64_t)UINT32_MAX - 1)
		return bj_fail(e, at, "range overflows 32-bit ids");
	out->container_id = (uint32_t)c;
	out->host_id = (uint32_t)h;
	out->size = (uint32_t)s;
	return 0;
}

static int parse_maps(const json_t *obj, const struct bj_loc *at, const char *key,
		      struct rt_idmaps *out, struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(obj, at, key, false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc al;
	bj_key(&al, at, key);
	size_t n = json_array_size(arr);
	if (n > MAX_MAPS)
		return bj_fail(e, &al, "%zu entries, at most %d allowed", n, MAX_MAPS);
	if (n == 0)
		return 0;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &al, i);
		r = parse_one_map(json_array_get(arr, i), &el, &out->v[i], e);
		if (r < 0)
			return r;
		out->n++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* mounts                                                               */
/* ------------------------------------------------------------------ */

/* Files beneath /proc that may be mounted over (lxcfs and the like). */
static const char *const proc_allowed[] = {
	"/proc/cpuinfo", "/proc/diskstats",
	"/proc/meminfo", "/proc/stat",
	"/proc/swaps",   "/proc/uptime",
	"/proc/loadavg", "/proc/slabinfo",
	"/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

static int check_proc_dest(const struct rt_mount *m, const struct bj_loc *dl, struct brig_err *e)
{
	if (!rt_path_under(m->dest, "/proc"))
		return 0;
	if (strcmp(m->dest, "/proc") == 0) {
		if ((m->flags & MS_BIND) || (m->type && strcmp(m->type, "proc") == 0) ||
		    (m->flags & MS_REMOUNT))
			return 0; /* a bind's source is checked to be procfs at mount time */
		return bj_fail(e, dl, "only a proc file system can be mounted on /proc");
	}
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(proc_allowed); i++)
		if (strcmp(m->dest, proc_allowed[i]) == 0)
			return 0;
	return bj_fail(e, dl, "%s: mounting beneath /proc is not allowed", m->dest);
}

static int parse_source(const json_t *jm, const struct bj_loc *at, const char *bundle,
			struct rt_mount *m, struct brig_err *e)
{
	const char *src = NULL;
	int r = bj_get_str(jm, at, "source", false, &src, e);
	if (r < 0)
		return r;
	struct bj_loc sl;
	bj_key(&sl, at, "source");
	if (!src) {
		if ((m->flags & MS_BIND) && !(m->flags & MS_REMOUNT))
			return bj_fail(e, &sl, "missing (required for bind mounts)");
		return 0;
	}
	if (strlen(src) >= PATH_MAX)
		return bj_fail(e, &sl, "too long");
	if ((m->flags & MS_BIND) && src[0] != '/') {
		if (asprintf(&m->source, "%s/%s", bundle ? bundle : ".", src) < 0) {
			m->source = NULL;
			return brig_err_set(e, -ENOMEM, "out of memory");
		}
		return 0;
	}
	m->source = strdup(src);
	return m->source ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int parse_mount_idmap(const json_t *jm, const struct bj_loc *at,
			     const struct rt_rootfs_cfg *cfg, struct rt_mount *m,
			     struct brig_err *e)
{
	int r = parse_maps(jm, at, "uidMappings", &m->uids, e);
	if (r == 0)
		r = parse_maps(jm, at, "gidMappings", &m->gids, e);
	if (r < 0)
		return r;
	struct bj_loc l;
	if ((m->uids.n == 0) != (m->gids.n == 0)) {
		bj_key(&l, at, m->uids.n ? "gidMappings" : "uidMappings");
		return bj_fail(e, &l, "uidMappings and gidMappings must be given together");
	}
	if (m->uids.n && !m->idmap) {
		/* Mappings without the option: honour them rather than silently
		 * mounting with the wrong owners (runc does the same). */
		m->idmap = true;
		m->idmap_rec = m->flags & MS_REC;
	}
	if (!m->idmap)
		return 0;
	bj_key(&l, at, "options");
	if (!(m->flags & MS_BIND))
		return bj_fail(e, &l, "idmap is only supported for bind mounts");
	if (m->flags & MS_REMOUNT)
		return bj_fail(e, &l, "idmap cannot be combined with remount");
	if (m->uids.n == 0 && cfg->uids.n == 0 && !cfg->has_userns)
		return bj_fail(e, &l,
			       "idmap needs uidMappings/gidMappings on the mount "
			       "or a user namespace");
	return 0;
}

static int parse_mount_type(const json_t *jm, const struct bj_loc *at, struct rt_mount *m,
			    struct brig_err *e)
{
	const char *type = NULL;
	int r = bj_get_str(jm, at, "type", false, &type, e);
	if (r < 0)
		return r;
	if (!type)
		return 0;
	struct bj_loc tl;
	bj_key(&tl, at, "type");
	if (strlen(type) == 0 || strlen(type) > MAX_TYPE || strpbrk(type, "/, "))
		return bj_fail(e, &tl, "\"%.64s\" is not a file system type", type);
	m->type = strdup(type);
	if (!m->type)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (strcmp(type, "bind") == 0)
		m->flags |= MS_BIND; /* docker and containerd write type "bind" */
	return 0;
}

static int parse_mount(const json_t *jm, const struct bj_loc *at, const char *bundle,
		       const struct rt_rootfs_cfg *cfg, struct rt_mount *m, struct brig_err *e)
{
	const char *dest = NULL;
	int r = bj_get_str(jm, at, "destination", true, &dest, e);
	if (r < 0)
		return r;
	struct bj_loc dl;
	bj_key(&dl, at, "destination");
	r = parse_abs_path(dest, &dl, &m->dest, e);
	if (r < 0)
		return r;
	if (strcmp(m->dest, "/") == 0)
		return bj_fail(e, &dl, "cannot mount over the container's root");
	r = parse_mount_type(jm, at, m, e);
	if (r == 0)
		r = rt_parse_mount_options(jm, at, m, e);
	if (r == 0)
		r = parse_source(jm, at, bundle, m, e);
	if (r == 0)
		r = parse_mount_idmap(jm, at, cfg, m, e);
	if (r < 0)
		return r;
	if (!(m->flags & (MS_BIND | MS_REMOUNT)) && !m->type) {
		struct bj_loc tl;
		bj_key(&tl, at, "type");
		return bj_fail(e, &tl, "missing (required unless the mount is a bind mount)");
	}
	if ((m->rattr_set | m->rattr_clr) && !(m->flags & MS_BIND)) {
		struct bj_loc ol;
		bj_key(&ol, at, "options");
		return bj_fail(e, &ol, "recursive mount options need a bind mount");
	}
	return check_proc_dest(m, &dl, e);
}

static int parse_mounts(const json_t *config, const struct bj_loc *root, const char *bundle,
			struct rt_rootfs_cfg *cfg, struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(config, root, "mounts", false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc ml;
	bj_key(&ml, root, "mounts");
	size_t n = json_array_size(arr);
	if (n > MAX_MOUNTS)
		return bj_fail(e, &ml, "%zu mounts, at most %d allowed", n, MAX_MOUNTS);
	if (n == 0)
		return 0;
	cfg->mounts = calloc(n, sizeof(*cfg->mounts));
	if (!cfg->mounts)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &ml, i);
		struct rt_mount *m = &cfg->mounts[i];
		m->idmap_fd = -1;
		cfg->n_mounts++;
		r = bj_expect(json_array_get(arr, i), &el, JSON_OBJECT, e);
		if (r == 0)
			r = parse_mount(json_array_get(arr, i), &el, bundle, cfg, m, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* root                                                                 */
/* ------------------------------------------------------------------ */

static int parse_root(const json_t *config, const struct bj_loc *at, const char *bundle,
		      struct rt_rootfs_cfg *cfg, struct brig_err *e)
{
	json_t *root = NULL;
	int r = bj_get_obj(config, at, "root", true, &root, e);
	if (r < 0)
		return r;
	struct bj_loc rl, pl;
	bj_key(&rl, at, "root");
	bj_key(&pl, &rl, "path");
	const char *path = NULL;
	r = bj_get_str(root, &rl, "path", true, &path, e);
	if (r == 0)
		r = bj_get_bool(root, &rl, "readonly", false, &cfg->readonly, e);
	if (r < 0)
		return r;
	if (path[0] == '\0')
		return bj_fail(e, &pl, "must not be empty");
	_cleanup_free_ char *joined = NULL;
	if (path[0] != '/' && asprintf(&joined, "%s/%s", bundle ? bundle : ".", path) < 0) {
		joined = NULL;
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	const char *full = joined ? joined : path;
	cfg->rootfs = realpath(full, NULL);
	if (!cfg->rootfs)
		return bj_fail(e, &pl, "%s: %s", full, strerror(errno));
	struct stat st;
	if (stat(cfg->rootfs, &st) < 0)
		return bj_fail(e, &pl, "%s: %s", cfg->rootfs, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return bj_fail(e, &pl, "%s: not a directory", cfg->rootfs);
	if (strcmp(cfg->rootfs, "/") == 0)
		return bj_fail(e, &pl, "the host's / cannot be a container rootfs");
	return 0;
}

/* ------------------------------------------------------------------ */
/* linux: propagation, paths, label, devices                            */
/* ------------------------------------------------------------------ */

static int parse_root_prop(const json_t *linux_obj, const struct bj_loc *at,
			   struct rt_rootfs_cfg *cfg, struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(linux_obj, at, "rootfsPropagation", false, &s, e);
	if (r != 0)
		return r < 0 ? r : 0;
	if (rt_parse_propagation(s, &cfg->root_prop) < 0) {
		struct bj_loc l;
		bj_key(&l, at, "rootfsPropagation");
		return bj_fail(e, &l,
			       "\"%.64s\" is not one of shared, slave, private, "
			       "unbindable (or their r-forms)",
			       s);
	}
	return 0;
}

static int parse_paths(const json_t *linux_obj, const struct bj_loc *at, const char *key,
		       char ***out, struct brig_err *e)
{
	_cleanup_strv_ char **v = NULL;
	int r = bj_get_strv(linux_obj, at, key, false, MAX_PATHS, &v, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc kl;
	bj_key(&kl, at, key);
	for (size_t i = 0; v[i]; i++) {
		struct bj_loc el;
		bj_idx(&el, &kl, i);
		char *clean = NULL;
		r = parse_abs_path(v[i], &el, &clean, e);
		if (r < 0)
			return r;
		free(v[i]);
		v[i] = clean;
	}
	*out = brig_steal_ptr(v);
	return 0;
}

static int parse_label(const json_t *linux_obj, const struct bj_loc *at, struct rt_rootfs_cfg *cfg,
		       struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(linux_obj, at, "mountLabel", false, &s, e);
	if (r != 0 || s[0] == '\0')
		return r < 0 ? r : 0;
	struct bj_loc l;
	bj_key(&l, at, "mountLabel");
	if (strlen(s) > MAX_LABEL || strpbrk(s, "\"\n"))
		return bj_fail(e, &l, "not a valid SELinux context");
	cfg->mount_label = strdup(s);
	return cfg->mount_label ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int parse_dev_mode(const json_t *jd, const struct bj_loc *at, struct rt_device *d,
			  struct brig_err *e)
{
	int64_t mode = 0666, uid = 0, gid = 0;
	int r = bj_get_int(jd, at, "fileMode", false, 0, UINT32_MAX, &mode, e);
	if (r >= 0)
		r = bj_get_int(jd, at, "uid", false, 0, UINT32_MAX - 1, &uid, e);
	if (r >= 0)
		r = bj_get_int(jd, at, "gid", false, 0, UINT32_MAX - 1, &gid, e);
	if (r < 0)
		return r;
	/* Some generators write the whole st_mode (020666): the type bits,
	 * when present, must agree with "type". */
	mode_t fmt = (mode_t)mode & S_IFMT;
	mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	struct bj_loc ml;
	bj_key(&ml, at, "fileMode");
	if (fmt && fmt != want)
		return bj_fail(e, &ml, "file type bits do not match type \"%c\"", d->type);
	if ((uint64_t)mode & ~(uint64_t)(S_IFMT | 07777))
		return bj_fail(e, &ml, "%lld is not a file mode", (long long)mode);
	d->mode = (mode_t)mode & 07777;
	d->uid = (uid_t)uid;
	d->gid = (gid_t)gid;
	return 0;
}

static int parse_device(const json_t *jd, const struct bj_loc *at, struct rt_device *d,
			struct brig_err *e)
{
	const char *type = NULL, *path = NULL;
	int r = bj_get_str(jd, at, "type", true, &type, e);
	if (r == 0)
		r = bj_get_str(jd, at, "path", true, &path, e);
	if (r < 0)
		return r;
	struct bj_loc l;
	bj_key(&l, at, "type");
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return bj_fail(e, &l, "\"%.16s\" is not one of c, b, u, p", type);
	d->type = type[0];
	bj_key(&l, at, "path");
	r = parse_abs_path(path, &l, &d->path, e);
	if (r < 0)
		return r;
	if (strcmp(d->path, "/") == 0)
		return bj_fail(e, &l, "must name a file");
	int64_t major = 0, minor = 0;
	bool need = d->type != 'p';
	/* Linux dev_t: 12-bit major, 20-bit minor. */
	r = bj_get_int(jd, at, "major", need, 0, 4095, &major, e);
	if (r >= 0)
		r = bj_get_int(jd, at, "minor", need, 0, (1 << 20) - 1, &minor, e);
	if (r < 0)
		return r;
	d->major = (unsigned)major;
	d->minor = (unsigned)minor;
	return parse_dev_mode(jd, at, d, e);
}

static int parse_devices(const json_t *linux_obj, const struct bj_loc *at,
			 struct rt_rootfs_cfg *cfg, struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(linux_obj, at, "devices", false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc dl;
	bj_key(&dl, at, "devices");
	size_t n = json_array_size(arr);
	if (n > MAX_DEVICES)
		return bj_fail(e, &dl, "%zu devices, at most %d allowed", n, MAX_DEVICES);
	if (n == 0)
		return 0;
	cfg->devices = calloc(n, sizeof(*cfg->devices));
	if (!cfg->devices)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &dl, i);
		cfg->n_devices++;
		r = bj_expect(json_array_get(arr, i), &el, JSON_OBJECT, e);
		if (r == 0)
			r = parse_device(json_array_get(arr, i), &el, &cfg->devices[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether linux.namespaces has a "user" entry (types are validated by the
 * namespace code; here only its presence matters). */
static bool has_user_ns(const json_t *linux_obj)
{
	json_t *ns = json_object_get(linux_obj, "namespaces");
	size_t i;
	json_t *v;
	json_array_foreach(ns, i, v)
	{
		json_t *t = json_object_get(v, "type");
		if (json_is_string(t) && strcmp(json_string_value(t), "user") == 0)
			return true;
	}
	return false;
}

static int parse_linux(const json_t *config, const struct bj_loc *root, struct rt_rootfs_cfg *cfg,
		       struct brig_err *e)
{
	json_t *lx = NULL;
	int r = bj_get_obj(config, root, "linux", false, &lx, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc ll;
	bj_key(&ll, root, "linux");
	cfg->has_userns = has_user_ns(lx);
	r = parse_maps(lx, &ll, "uidMappings", &cfg->uids, e);
	if (r == 0)
		r = parse_maps(lx, &ll, "gidMappings", &cfg->gids, e);
	if (r == 0)
		r = parse_root_prop(lx, &ll, cfg, e);
	if (r == 0)
		r = parse_paths(lx, &ll, "maskedPaths", &cfg->masked, e);
	if (r == 0)
		r = parse_paths(lx, &ll, "readonlyPaths", &cfg->ro_paths, e);
	if (r == 0)
		r = parse_label(lx, &ll, cfg, e);
	if (r == 0)
		r = parse_devices(lx, &ll, cfg, e);
	return r;
}

int rt_rootfs_parse(const json_t *config, const char *file, const char *bundle_dir,
		    struct rt_rootfs_cfg **out, struct brig_err *e)
{
	struct bj_loc root;
	bj_root(&root, file);
	int r = bj_expect(config, &root, JSON_OBJECT, e);
	if (r < 0)
		return r;
	_cleanup_rootfs_cfg_ struct rt_rootfs_cfg *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return brig_err_set(e, -ENOMEM, "out of memory");
	r = parse_root(config, &root, bundle_dir, cfg, e);
	if (r == 0)
		r = rt_parse_root_options(config, &root, &cfg->root_attrs, e);
	/* linux first: mounts' idmap checks need the container's mappings. */
	if (r == 0)
		r = parse_linux(config, &root, cfg, e);
	if (r == 0)
		r = parse_mounts(config, &root, bundle_dir, cfg, e);
	if (r < 0)
		return r;
	*out = brig_steal_ptr(cfg);
	return 0;
}

static void idmaps_free(struct rt_idmaps *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void rt_rootfs_cfg_free(struct rt_rootfs_cfg *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		struct rt_mount *m = &cfg->mounts[i];
		free(m->dest);
		free(m->source);
		free(m->type);
		free(m->data);
		idmaps_free(&m->uids);
		idmaps_free(&m->gids);
		if (m->idmap_fd >= 0)
			(void)close(m->idmap_fd);
	}
	free(cfg->mounts);
	for (size_t i = 0; i < cfg->n_devices; i++)
		free(cfg->devices[i].path);
	free(cfg->devices);
	brig_strv_free(cfg->masked);
	brig_strv_free(cfg->ro_paths);
	idmaps_free(&cfg->uids);
	idmaps_free(&cfg->gids);
	free(cfg->mount_label);
	free(cfg->rootfs);
	free(cfg);
}

const char *rt_rootfs_path(const struct rt_rootfs_cfg *cfg)
{
	return cfg->rootfs;
}

bool rt_rootfs_wants_idmap(const struct rt_rootfs_cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].idmap)
			return true;
	return false;
}
