/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host bind sources (-v /PATH:/dst, --mount type=bind), pinned.
 *
 * At create the source the user named is resolved once (a symlink the user
 * named is followed, as Docker does), the resolved path goes into the OCI
 * config and its identity (device and inode) into the record (Brig.Binds).
 * At every start each source is opened again by that path without following
 * any symlink, its identity compared with the record, and the runtime is
 * given /proc/self/fd/N of what was checked, so nothing a container can
 * write (a directory it replaced with a symlink to /, say) redirects a bind
 * on a restart.  A changed source refuses the start with one line.
 */
#include "engine/record-internal.h"
#include "engine/flags/flags.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_host_root(struct brig_err *e)
{
	int fd = BRIG_RETRY(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening /") : fd;
}

/* The bind mount of spec at dst whose source is src. */
static json_t *spec_bind(json_t *spec, const char *dst, const char *src)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "destination"));
		const char *s = json_string_value(json_object_get(m, "source"));
		const char *t = json_string_value(json_object_get(m, "type"));
		if (d && s && t && strcmp(d, dst) == 0 && strcmp(s, src) == 0 &&
		    strcmp(t, "bind") == 0)
			return m;
	}
	return NULL;
}

/* Resolve and record one bind source; its fd (O_PATH) and *st. */
static int pin_one(int rootfd, json_t *spec, const char *src, const char *dst, json_t *out,
		   struct stat *st, struct brig_err *e)
{
	char real[PATH_MAX];
	if (!realpath(src, real))
		return brig_err_sys(e, errno, "bind source %s", src);
	_cleanup_close_ int fd = brig_open_in_root(rootfd, real, O_PATH, 0,
						   BRIG_RESOLVE_NO_SYMLINKS, e);
	if (fd < 0)
		return brig_err_wrap(e, "bind source %s", src);
	if (fstat(fd, st) < 0)
		return brig_err_sys(e, errno, "bind source %s", src);
	json_t *m = spec_bind(spec, dst, src);
	if (!m)
		return brig_err_set(e, -EINVAL, "bind %s on %s is not in the config", src, dst);
	char dev[24], ino[24];
	(void)snprintf(dev, sizeof(dev), "%" PRIu64, (uint64_t)st->st_dev);
	(void)snprintf(ino, sizeof(ino), "%" PRIu64, (uint64_t)st->st_ino);
	if (json_object_set_new(m, "source", json_string(real)) < 0 ||
	    json_array_append_new(out,
				  json_pack("{s:s,s:s,s:s,s:s}", "Destination", dst, "Source", real,
					    "Dev", dev, "Ino", ino)) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return brig_steal_fd(fd);
}

struct chown_to {
	uid_t uid;
	gid_t gid;
};

static int chown_one(int dirfd, const char *name, const struct stat *st, void *arg)
{
	const struct chown_to *to = arg;
	if (st->st_uid == to->uid && st->st_gid == to->gid)
		return 0;
	return fchownat(dirfd, name, to->uid, to->gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT
		? -errno
		: 0;
}

/* What -v SRC:DST:U changes: the source (fd, *st) and the ids it gets. */
struct give_job {
	int fd;
	const struct stat *st;
	const char *src;
	struct chown_to to;
};

/* The source tree (never through a symlink, never across a mount) given
 * to j->to. */
static int give_run(void *arg, struct brig_err *e)
{
	const struct give_job *j = arg;
	bool truncated = false;
	if (!S_ISDIR(j->st->st_mode)) {
		if (fchownat(j->fd, "", j->to.uid, j->to.gid, AT_EMPTY_PATH) < 0)
			return brig_err_sys(e, errno, "bind source %s: chown (:U)", j->src);
		return 0;
	}
	_cleanup_close_ int dir = BRIG_RETRY(
		openat(j->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dir < 0)
		return brig_err_sys(e, errno, "bind source %s", j->src);
	int r = brig_walk(dir, ".", chown_one, (void *)&j->to, &truncated);
	if (r < 0)
		return brig_err_sys(e, -r, "bind source %s: giving it to the container's user (:U)",
				    j->src);
	if (truncated)
		return brig_err_set(e, -ELOOP,
				    "bind source %s: deeper than %d directories; :U changed only "
				    "the top %d levels",
				    j->src, BRIG_WALK_MAX_DEPTH, BRIG_WALK_MAX_DEPTH);
	return 0;
}

/* -v SRC:DST:U: the source given to the container's process user (its
 * process.user), as podman does.  Rootless, in a child that joined the
 * container's mapping (userns_run.c), where the ids are the container's:
 * a user may give files to its subordinate ids only there. */
static int give_to_container(int fd, const struct stat *st, const char *src, const json_t *spec,
			     const struct eng_userns *u, struct brig_err *e)
{
	const json_t *user = json_object_get(json_object_get(spec, "process"), "user");
	uint32_t cu = (uint32_t)json_integer_value(json_object_get(user, "uid"));
	uint32_t cg = (uint32_t)json_integer_value(json_object_get(user, "gid"));
	bool in_ns = u && u->enabled && u->own_root;
	struct give_job j = { fd, st, src, { cu, cg } };
	if (in_ns)
		return eng_userns_run(u, give_run, &j, NULL, 0, e);
	if (u) {
		j.to.uid = eng_userns_to_host(u, cu, false);
		j.to.gid = eng_userns_to_host(u, cg, true);
	}
	return give_run(&j, e);
}

/* A writable bind whose source the container's ids do not own and others
 * may not write: in a user namespace its owner shows as nobody and writes
 * fail inside, where brig cannot see them, so say it once at create. */
static void warn_unmapped(const struct stat *st, const char *src, const struct eng_userns *u)
{
	uint32_t cid;
	if (!u || !u->enabled || eng_userns_from_host(u, st->st_uid, false, &cid))
		return;
	if (st->st_mode & S_IWOTH) /* anyone may write it, the container too */
		return;
	brig_warn("bind source %s belongs to uid %u, outside the container's user namespace: "
		  "inside it is owned by nobody and may not be writable (add :U to give it to "
		  "the container's user, or :ro)",
		  src, (unsigned)st->st_uid);
}

/* Is the mount at dst idmapped (a volume's or a build mount's source)? Its
 * owners are then the container's own, and warn_unmapped has nothing to say. */
static bool idmapped(const json_t *spec, const char *dst)
{
	size_t i, k;
	json_t *m, *o;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "destination"));
		if (!d || strcmp(d, dst) != 0)
			continue;
		json_array_foreach(json_object_get(m, "options"), k,
				   o) if (json_is_string(o) &&
					  !strcmp(json_string_value(o), "idmap")) return true;
	}
	return false;
}

int eng_binds_pin(const struct eng_flags *f, json_t *spec, const struct eng_userns *u, json_t **out,
		  struct brig_err *e)
{
	_cleanup_json_ json_t *binds = json_array();
	if (!binds)
		return brig_err_set(e, -ENOMEM, "out of memory");
	size_t n = f ? eng_flags_bind_count(f) : 0;
	_cleanup_close_ int rootfd = n ? open_host_root(e) : -1;
	if (rootfd < 0 && n)
		return rootfd;
	for (size_t i = 0; i < n; i++) {
		struct eng_bind_flag b;
		struct stat st;
		int r = eng_flags_bind_get(f, i, &b);
		_cleanup_close_ int fd = r == 0 ? pin_one(rootfd, spec, b.src, b.dst, binds, &st, e)
						: -1;
		if (r == 0 && fd < 0)
			r = fd;
		if (r == 0 && b.chown_u)
			r = give_to_container(fd, &st, b.src, spec, u, e);
		else if (r == 0 && !b.readonly && !idmapped(spec, b.dst))
			warn_unmapped(&st, b.src, u);
		if (r < 0)
			return r;
	}
	*out = brig_steal_ptr(binds);
	return 0;
}

void eng_binds_close(struct eng_binds *b)
{
	for (size_t i = 0; i < b->n; i++)
		(void)close(b->fds[i]);
	free(b->fds);
	json_decref(b->spec);
	*b = (struct eng_binds){ 0 };
}

/* Open one pinned source again; its fd, or an error naming it. */
static int reopen(int rootfd, const json_t *pin, const char *src, const char *dst,
		  struct brig_err *e)
{
	uint64_t dev, ino;
	if (brig_parse_u64(json_string_value(json_object_get(pin, "Dev")) ?: "", &dev) < 0 ||
	    brig_parse_u64(json_string_value(json_object_get(pin, "Ino")) ?: "", &ino) < 0)
		return brig_err_set(e, -EINVAL, "Brig.Binds: bad Dev or Ino for %s", dst);
	_cleanup_err_ struct brig_err e2 = { 0 };
	_cleanup_close_ int fd = brig_open_in_root(rootfd, src, O_PATH, 0, BRIG_RESOLVE_NO_SYMLINKS,
						   &e2);
	if (fd == -ELOOP)
		return brig_err_set(e, -ELOOP,
				    "bind source %s (on %s) changed since the container "
				    "was created: a symlink is in its path now",
				    src, dst);
	if (fd < 0)
		return brig_err_set(e, fd, "bind source %s (on %s): %s", src, dst, strerror(-fd));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "bind source %s", src);
	if ((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
		return brig_err_set(e, -ESTALE,
				    "bind source %s (on %s) changed since the container "
				    "was created: it is another file now",
				    src, dst);
	return brig_steal_fd(fd);
}

/* Whether the runtime clones bind sources in our mount namespace (as root
 * with a user namespace: idmap.c's rt_rootfs_prepare_sources), where a
 * /proc/self/fd path works.  Otherwise the container's first process binds
 * them in its new namespace, where the kernel refuses a mount of ours
 * (EINVAL): it gets the path just checked. */
static bool sources_by_fd(const json_t *spec)
{
	size_t i;
	const json_t *ns;
	if (geteuid() != 0)
		return false;
	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, ns)
	{
		const char *t = json_string_value(json_object_get(ns, "type"));
		if (t && strcmp(t, "user") == 0)
			return true;
	}
	return false;
}

static int open_one(int rootfd, struct eng_binds *b, const json_t *pin, struct brig_err *e)
{
	const char *src = json_string_value(json_object_get(pin, "Source"));
	const char *dst = json_string_value(json_object_get(pin, "Destination"));
	if (!src || !dst)
		return brig_err_set(e, -EINVAL,
				    "Brig.Binds: an entry without Source or "
				    "Destination");
	json_t *m = spec_bind(b->spec, dst, src);
	if (!m)
		return brig_err_set(e, -EINVAL, "Brig.Binds: %s on %s is not in the config", src,
				    dst);
	int *nf = realloc(b->fds, (b->n + 1) * sizeof(*nf));
	if (!nf)
		return brig_err_set(e, -ENOMEM, "out of memory");
	b->fds = nf;
	int fd = reopen(rootfd, pin, src, dst, e);
	if (fd < 0)
		return fd;
	b->fds[b->n++] = fd;
	if (!sources_by_fd(b->spec))
		return 0;
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return json_object_set_new(m, "source", json_string(path)) < 0
		? brig_err_set(e, -ENOMEM, "out of memory")
		: 0;
}

int eng_binds_open(const struct eng_record *rec, struct eng_binds *b, struct brig_err *e)
{
	*b = (struct eng_binds){ .spec = json_deep_copy(rec->spec) };
	if (!b->spec)
		return brig_err_oom(e);
	const json_t *pins = rec->binds;
	if (json_array_size(pins) == 0)
		return 0; /* none, or a record from before pinning */
	_cleanup_close_ int rootfd = open_host_root(e);
	if (rootfd < 0)
		return rootfd;
	size_t i;
	const json_t *pin;
	json_array_foreach(pins, i, pin)
	{
		int r = open_one(rootfd, b, pin, e);
		if (r < 0) {
			eng_binds_close(b);
			return r;
		}
	}
	return 0;
}
