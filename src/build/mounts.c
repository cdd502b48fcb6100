/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RUN --mount=type=cache and type=bind (docs/build.md).  Both bind a
 * directory of ROOT/build-mounts, which the engine mounts idmapped in the
 * RUN container's user namespace as it does a volume: what the RUN's root
 * writes there is root's there, for every later RUN whatever its range.
 *
 *   cache  ROOT/build-mounts/cache-<sha256(id)> (id: the target unless
 *          given), kept between RUNs and builds, never in a layer (the RUN
 *          sees it at its target, a mount point).  Its lock file
 *          cache-<hash>.lock: sharing=shared takes it shared, locked
 *          exclusive (waiting), private exclusive without waiting, else the
 *          RUN gets a fresh directory of its own, removed after.
 *   bind   a copy of the source (the context's, .dockerignore applied, or
 *          from=STAGE|IMAGE's) in ROOT/build-mounts/tmp-XXXXXXXX, read-only
 *          unless rw, removed after the RUN: rw writes are discarded.  The
 *          copy's digest (names, types, modes, owners, contents) is part of
 *          the RUN's cache key, so a changed source runs the RUN again.
 */
#include "build/build-internal.h"

#include "engine/flags/flags.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TREE_DEPTH_MAX 256

struct mnt_req {
	bool cache, rw, ro;
	char target[PATH_MAX], source[PATH_MAX], id[256], from[256];
	int sharing; /* 's'hared, 'l'ocked, 'p'rivate */
	uint32_t uid, gid;
	mode_t mode;
};

void bld_mounts_init(struct bld_mounts *m)
{
	*m = (struct bld_mounts){ .dir = -1 };
}

void bld_mounts_release(struct bld_mounts *m)
{
	for (size_t i = 0; i < m->n_tmp; i++)
		brig_rm_rf(m->dir, m->tmp[i], NULL);
	for (size_t i = 0; i < m->n_locks; i++)
		close(m->locks[i]);
	if (m->dir >= 0)
		close(m->dir);
	bld_mounts_init(m);
}

static int mounts_dir(struct bld_ctx *c, struct bld_mounts *m, struct brig_err *e)
{
	if (m->dir >= 0)
		return 0;
	_cleanup_close_ int root = BRIG_RETRY(
		open(eng_root(c->g), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (root < 0)
		return brig_err_sys(e, errno, "opening %s", eng_root(c->g));
	if (mkdirat(root, ENG_BUILD_MOUNTS, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "making %s/%s", eng_root(c->g), ENG_BUILD_MOUNTS);
	m->dir = BRIG_RETRY(
		openat(root, ENG_BUILD_MOUNTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	return m->dir < 0 ? brig_err_sys(e, errno, "opening %s", ENG_BUILD_MOUNTS) : 0;
}

static bool opt_is(const char *p, size_t n, const char *k, const char **v)
{
	size_t kl = strlen(k);
	if (n <= kl || strncmp(p, k, kl) != 0 || p[kl] != '=')
		return false;
	*v = p + kl + 1;
	return true;
}

static int opt_num(const char *v, size_t n, int base, unsigned long max, unsigned long *out)
{
	char buf[24], *end = NULL;
	if (n == 0 || n >= sizeof(buf) || v[0] == '-')
		return -EINVAL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	*out = strtoul(buf, &end, base);
	return *end || *out > max ? -EINVAL : 0;
}

static int opt_str(char *dst, size_t size, const char *v, size_t n)
{
	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* One option of the --mount= text (p[0..n)). */
static int parse_opt(struct mnt_req *q, const char *p, size_t n)
{
	const char *v;
	unsigned long x;
	size_t vn;
#define VN (vn = n - (size_t)(v - p))
	if (opt_is(p, n, "type", &v))
		q->cache = VN == 5 && !strncmp(v, "cache", 5);
	else if (opt_is(p, n, "target", &v) || opt_is(p, n, "dst", &v) ||
		 opt_is(p, n, "destination", &v))
		return opt_str(q->target, sizeof(q->target), v, VN);
	else if (opt_is(p, n, "source", &v) || opt_is(p, n, "src", &v))
		return opt_str(q->source, sizeof(q->source), v, VN);
	else if (opt_is(p, n, "id", &v))
		return opt_str(q->id, sizeof(q->id), v, VN);
	else if (opt_is(p, n, "from", &v))
		return opt_str(q->from, sizeof(q->from), v, VN);
	else if (opt_is(p, n, "sharing", &v)) {
		VN;
		if ((vn == 6 && !strncmp(v, "shared", 6)) ||
		    (vn == 6 && !strncmp(v, "locked", 6)) || (vn == 7 && !strncmp(v, "private", 7)))
			q->sharing = v[0];
		else
			return -EINVAL;
	} else if (opt_is(p, n, "uid", &v) || opt_is(p, n, "gid", &v)) {
		if (opt_num(v, VN, 10, 0x7fffffff, &x) < 0)
			return -EINVAL;
		*(p[0] == 'u' ? &q->uid : &q->gid) = (uint32_t)x;
	} else if (opt_is(p, n, "mode", &v)) {
		if (opt_num(v, VN, 8, 07777, &x) < 0)
			return -EINVAL;
		q->mode = (mode_t)x;
	} else if ((n == 2 && !strncmp(p, "rw", 2)) || (n == 9 && !strncmp(p, "readwrite", 9)))
		q->rw = true;
	else if ((n == 2 && !strncmp(p, "ro", 2)) || (n == 8 && !strncmp(p, "readonly", 8)))
		q->ro = true;
	else
		return -EINVAL;
#undef VN
	return 0;
}

static int parse_req(struct bld_ctx *c, const struct bld_instr *in, const char *spec,
		     struct mnt_req *q, struct brig_err *e)
{
	*q = (struct mnt_req){ .sharing = 's', .mode = 0755 };
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		if (parse_opt(q, p, n) < 0)
			return brig_err_set(e, -EINVAL, "%s:%u: RUN --mount=%s: a bad option %.*s",
					    c->df_name, in->line, spec, (int)n, p);
		p += n + (p[n] == ',');
	}
	q->rw = q->ro ? false : q->cache || q->rw; /* a cache is writable unless ro */
	if (q->target[0] != '/' || strstr(q->target, ",") || !strcmp(q->target, "/"))
		return brig_err_set(e, -EINVAL,
				    "%s:%u: RUN --mount=%s: target=ABSOLUTE-PATH needed",
				    c->df_name, in->line, spec);
	if ((q->cache && (q->source[0] || q->from[0])) || (!q->cache && q->id[0]))
		return brig_err_set(e, -ENOTSUP,
				    "%s:%u: RUN --mount=%s: a cache takes id, sharing, uid, gid, "
				    "mode; a bind from, source, rw",
				    c->df_name, in->line, spec);
	return 0;
}

/* A new directory tmp-XXXXXXXX of build-mounts, removed at release. */
static int tmp_dir(struct bld_mounts *m, struct brig_err *e)
{
	if (m->n_tmp >= BLD_MOUNTS_MAX)
		return brig_err_set(e, -E2BIG, "more than %d mounts in one RUN", BLD_MOUNTS_MAX);
	char *name = m->tmp[m->n_tmp];
	for (int i = 0; i < 100; i++) {
		snprintf(name, 32, "tmp-%08lx", (unsigned long)random());
		if (mkdirat(m->dir, name, 0700) == 0) {
			int fd = BRIG_RETRY(openat(
				m->dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
			if (fd < 0)
				return brig_err_sys(e, errno, "opening %s", name);
			m->n_tmp++;
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	return brig_err_sys(e, errno, "making a build mount directory");
}

static int add_flag(struct bld_ctx *c, struct eng_flags *f, const char *name,
		    const struct mnt_req *q, struct brig_err *e)
{
	char mnt[PATH_MAX * 3];
	if (brig_snprintf(mnt, sizeof(mnt), "type=bind,source=%s/%s/%s,target=%s%s", eng_root(c->g),
			  ENG_BUILD_MOUNTS, name, q->target, q->rw ? "" : ",readonly") < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: a path too long", q->target);
	return eng_flags_set(f, "mount", mnt, e);
}

static int own_dir(int dir, const char *name, const struct mnt_req *q, struct brig_err *e)
{
	if (fchownat(dir, name, q->uid, q->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dir, name, q->mode, 0) < 0)
		return brig_err_sys(e, errno, "the cache directory %s", name);
	return 0;
}

/* type=cache: the kept directory, locked as sharing says. */
static int cache_mount(struct bld_ctx *c, const struct mnt_req *q, struct eng_flags *f,
		       struct bld_mounts *m, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX], name[96], lock[112];
	const char *id = q->id[0] ? q->id : q->target;
	if (m->n_locks >= BLD_MOUNTS_MAX || brig_sha256_buf(id, strlen(id), hex) < 0)
		return brig_err_set(e, -E2BIG, "more than %d cache mounts", BLD_MOUNTS_MAX);
	snprintf(name, sizeof(name), "cache-%s", hex);
	snprintf(lock, sizeof(lock), "%s.lock", name);
	int lfd = BRIG_RETRY(openat(m->dir, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (lfd < 0)
		return brig_err_sys(e, errno, "the cache lock %s", lock);
	m->locks[m->n_locks++] = lfd;
	int op = q->sharing == 's' ? LOCK_SH : LOCK_EX | (q->sharing == 'p' ? LOCK_NB : 0);
	if (BRIG_RETRY(flock(lfd, op)) < 0) {
		if (errno != EWOULDBLOCK)
			return brig_err_sys(e, errno, "locking the cache %s", id);
		int d = tmp_dir(m, e); /* private, and in use: a fresh one */
		if (d < 0)
			return d;
		close(d);
		const char *t = m->tmp[m->n_tmp - 1];
		int r = own_dir(m->dir, t, q, e);
		return r < 0 ? r : add_flag(c, f, t, q, e);
	}
	if (mkdirat(m->dir, name, 0700) == 0) {
		int r = own_dir(m->dir, name, q, e);
		if (r < 0)
			return r;
	} else if (errno != EEXIST) {
		return brig_err_sys(e, errno, "making the cache %s", id);
	}
	return add_flag(c, f, name, q, e);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hash_entry(struct brig_sha256 *h, int dir, const char *name, int depth,
		      struct brig_err *e);

/* A directory's entries, in name order. */
static int hash_dir(struct brig_sha256 *h, int fd, int depth, struct brig_err *e)
{
	if (depth > TREE_DEPTH_MAX)
		return brig_err_set(e, -ELOOP, "a bind source nested deeper than %d",
				    TREE_DEPTH_MAX);
	int dfd = BRIG_RETRY(openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return brig_err_sys(e, errno, "listing a bind source");
	}
	_cleanup_strv_ char **v = NULL;
	size_t n = 0;
	int r = 0;
	for (struct dirent *de; r == 0 && (errno = 0, de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char **nv = realloc(v, (n + 2) * sizeof(char *));
		if (!nv || !(nv[n] = strdup(de->d_name)))
			r = brig_err_oom(e);
		if (nv) {
			v = nv;
			v[n + (r == 0)] = NULL;
			n += r == 0;
		}
	}
	closedir(d);
	if (r < 0 || n == 0)
		return r;
	qsort(v, n, sizeof(char *), name_cmp);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = hash_entry(h, fd, v[i], depth + 1, e);
	return r;
}

static int hash_entry(struct brig_sha256 *h, int dir, const char *name, int depth,
		      struct brig_err *e)
{
	struct stat sb;
	char meta[96], link[PATH_MAX], hex[BRIG_SHA256_HEX];
	if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(e, errno, "a bind source's %s", name);
	int n = snprintf(meta, sizeof(meta), "%o %u %u %llu", (unsigned)sb.st_mode,
			 (unsigned)sb.st_uid, (unsigned)sb.st_gid,
			 S_ISREG(sb.st_mode) ? (unsigned long long)sb.st_size : 0ULL);
	if (brig_sha256_update(h, name, strlen(name) + 1) < 0 ||
	    brig_sha256_update(h, meta, (size_t)n + 1) < 0)
		return brig_err_oom(e);
	if (S_ISLNK(sb.st_mode)) {
		ssize_t k = readlinkat(dir, name, link, sizeof(link));
		if (k < 0)
			return brig_err_sys(e, errno, "a bind source's link %s", name);
		return brig_sha256_update(h, link, (size_t)k) < 0 ? brig_err_oom(e) : 0;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
		return 0;
	int fl = (S_ISDIR(sb.st_mode) ? O_DIRECTORY : O_NONBLOCK) | O_RDONLY | O_NOFOLLOW |
		O_CLOEXEC;
	_cleanup_close_ int fd = BRIG_RETRY(openat(dir, name, fl));
	if (fd < 0)
		return brig_err_sys(e, errno, "a bind source's %s", name);
	if (S_ISDIR(sb.st_mode))
		return hash_dir(h, fd, depth, e);
	int r = brig_sha256_fd(fd, hex, NULL, e);
	return r < 0 ? r : brig_sha256_update(h, hex, strlen(hex)) < 0 ? brig_err_oom(e) : 0;
}

/* type=bind: the source copied into a directory of this RUN; its digest
 * appended to *key. */
static int bind_mount(struct bld_ctx *c, const struct bld_instr *in, const struct mnt_req *q,
		      struct eng_flags *f, struct bld_mounts *m, char **key, size_t *klen,
		      struct brig_err *e)
{
	char clean[PATH_MAX], name[PATH_MAX + 48], hex[BRIG_SHA256_HEX];
	if (brig_path_clean(q->source[0] ? q->source : "/", BRIG_PATH_CLAMP, clean, sizeof(clean)) <
	    0)
		return brig_err_set(e, -ENAMETOOLONG, "source=%s: too long", q->source);
	if (q->from[0] && !clean[0])
		return brig_err_set(e, -EINVAL, "%s:%u: RUN --mount from=%s: source=PATH needed",
				    c->df_name, in->line, q->from);
	_cleanup_close_ int d = tmp_dir(m, e);
	if (d < 0)
		return d;
	const char *leaf = clean[0] ? clean : "m";
	snprintf(name, sizeof(name), "%s/%s", m->tmp[m->n_tmp - 1], leaf);
	int r;
	if (q->from[0]) {
		r = bld_from_root(c, in, q->from, (char *[]){ clean, NULL }, 1, d, e);
	} else {
		struct stat sb;
		if (clean[0] && bld_ignored(&c->ign, clean))
			return brig_err_set(
				e, -ENOENT,
				"%s:%u: RUN --mount source=%s: excluded by .dockerignore",
				c->df_name, in->line, q->source);
		_cleanup_close_ int src = bld_open_beneath(c->ctxfd, clean, O_PATH, e);
		if (src < 0 || fstat(src, &sb) < 0)
			return brig_err_wrap(e, "%s:%u: RUN --mount source=%s", c->df_name,
					     in->line, q->source);
		leaf = "m";
		snprintf(name, sizeof(name), "%s/m", m->tmp[m->n_tmp - 1]);
		_cleanup_close_ int md = -1;
		if (S_ISDIR(sb.st_mode) &&
		    (mkdirat(d, "m", 0755) < 0 ||
		     (md = BRIG_RETRY(openat(d, "m", O_RDONLY | O_DIRECTORY | O_CLOEXEC))) < 0))
			return brig_err_sys(e, errno, "staging a bind source");
		r = bld_copy_one(c, c->ctxfd, clean, true, md >= 0 ? md : d, "m", 0, 0, -1, e);
		if (r < 0)
			r = brig_err_wrap(e, "%s:%u: RUN --mount source=%s", c->df_name, in->line,
					  q->source);
	}
	_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
	if (r == 0 && !h)
		r = brig_err_oom(e);
	if (r == 0 && (r = hash_entry(h, d, leaf, 0, e)) == 0 && brig_sha256_final(h, hex) < 0)
		r = brig_err_oom(e);
	if (r == 0 && brig_appendf(key, klen, "mount %s sha256:%s\n", q->target, hex) < 0)
		r = brig_err_oom(e);
	return r < 0 ? r : add_flag(c, f, name, q, e);
}

int bld_mount_add(struct bld_ctx *c, const struct bld_instr *in, const char *spec,
		  struct eng_flags *f, struct bld_mounts *m, char **key, size_t *klen,
		  struct brig_err *e)
{
	struct mnt_req q;
	int r = parse_req(c, in, spec, &q, e);
	if (r == 0)
		r = mounts_dir(c, m, e);
	if (r < 0)
		return r;
	return q.cache ? cache_mount(c, &q, f, m, e) : bind_mount(c, in, &q, f, m, key, klen, e);
}

/* Every entry of ROOT/name that drop() removes (1) counted in *n. */
static int prune_dir(int root, const char *name,
		     int (*drop)(int dir, const char *n, struct brig_err *e), unsigned *n,
		     struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "opening %s", name);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return brig_err_sys(e, errno, "listing %s", name);
	}
	int r = 0;
	for (struct dirent *de; r >= 0 && (errno = 0, de = readdir(d));)
		if (de->d_name[0] != '.' && (r = drop(fd, de->d_name, e)) == 1)
			(*n)++;
	closedir(d);
	return r < 0 ? r : 0;
}

static int drop_entry(int dir, const char *name, struct brig_err *e)
{
	int r = brig_rm_rf(dir, name, e);
	return r < 0 ? r : 1;
}

/* A cache mount's directory goes, with its lock, when no build holds the
 * lock (removed while this holds it); tmp- directories are a running
 * build's. */
static int drop_mount(int dir, const char *name, struct brig_err *e)
{
	char lock[300];
	size_t n = strlen(name);
	if (strncmp(name, "cache-", 6) != 0 || (n > 5 && !strcmp(name + n - 5, ".lock")) ||
	    brig_snprintf(lock, sizeof(lock), "%s.lock", name) < 0)
		return 0;
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dir, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", lock);
	if (BRIG_RETRY(flock(fd, LOCK_EX | LOCK_NB)) < 0)
		return errno == EWOULDBLOCK ? 0 : brig_err_sys(e, errno, "locking %s", lock);
	int r = brig_rm_rf(dir, name, e);
	if (r == 0 && unlinkat(dir, lock, 0) < 0 && errno != ENOENT)
		r = brig_err_sys(e, errno, "removing %s", lock);
	return r < 0 ? r : 1;
}

int bld_prune(struct eng *g, unsigned *entries, unsigned *mounts, struct brig_err *e)
{
	*entries = *mounts = 0;
	_cleanup_close_ int root = BRIG_RETRY(
		open(eng_root(g), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (root < 0)
		return brig_err_sys(e, errno, "opening %s", eng_root(g));
	int r = prune_dir(root, BLD_CACHE_DIR, drop_entry, entries, e);
	return r < 0 ? r : prune_dir(root, ENG_BUILD_MOUNTS, drop_mount, mounts, e);
}
