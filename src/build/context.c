/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sources of COPY/ADD beneath a root (the build context, or a stage's
 * files): each pattern is cleaned (a ".." above the root is refused), its
 * glob components matched against directory listings, and every path
 * opened with openat2(RESOLVE_BENEATH): a symlink may lead elsewhere
 * inside the root, never out of it (EXDEV, reported as such).  Paths the
 * .dockerignore excludes are not sources.
 */
#include "build/build-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SOURCES_MAX 100000

int bld_open_beneath(int rootfd, const char *rel, int flags, struct brig_err *e)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	long fd;
	do
		fd = syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
	while (fd < 0 && (errno == EINTR || errno == EAGAIN));
	if (fd >= 0)
		return (int)fd;
	if (errno == EXDEV)
		return brig_err_set(e, -EXDEV, "%s: a symlink leads out of the build context", rel);
	if (errno == ELOOP)
		return brig_err_set(e, -ELOOP, "%s: too many symlinks (a loop?)", rel);
	return brig_err_sys(e, errno, "%s", rel[0] ? rel : ".");
}

struct found {
	char **v;
	size_t n;
};

static int found_add(struct found *f, const char *rel, struct brig_err *e)
{
	if (f->n >= SOURCES_MAX)
		return brig_err_set(e, -E2BIG, "more than %d sources", SOURCES_MAX);
	char **nv = realloc(f->v, (f->n + 2) * sizeof(*nv));
	if (!nv || !(nv[f->n] = strdup(rel)))
		return brig_err_oom(e);
	nv[++f->n] = NULL;
	f->v = nv;
	return 0;
}

static bool has_glob(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of base (relative to root) matching the component pat. */
static int glob_dir(struct bld_ctx *c, int rootfd, bool ctx, const char *base, const char *pat,
		    const char *more, struct found *f, struct brig_err *e);

static int walk(struct bld_ctx *c, int rootfd, bool ctx, const char *base, const char *pat,
		struct found *f, struct brig_err *e)
{
	size_t n = strcspn(pat, "/");
	char rel[PATH_MAX], comp[NAME_MAX + 1];
	const char *more = pat[n] ? pat + n + 1 : NULL;
	if (n > NAME_MAX)
		return brig_err_set(e, -ENAMETOOLONG, "%s: a name too long", pat);
	memcpy(comp, pat, n);
	comp[n] = '\0';
	if (has_glob(comp, n))
		return glob_dir(c, rootfd, ctx, base, comp, more, f, e);
	if (brig_snprintf(rel, sizeof(rel), "%s%s%s", base, base[0] ? "/" : "", comp) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: too long", pat);
	return more ? walk(c, rootfd, ctx, rel, more, f, e) : found_add(f, rel, e);
}

static int glob_dir(struct bld_ctx *c, int rootfd, bool ctx, const char *base, const char *pat,
		    const char *more, struct found *f, struct brig_err *e)
{
	int fd = bld_open_beneath(rootfd, base, O_RDONLY | O_DIRECTORY, e);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return brig_err_sys(e, errno, "listing %s", base);
	}
	struct found here = { 0 };
	struct dirent *de;
	int r = 0;
	char rel[PATH_MAX];
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fnmatch(pat, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (brig_snprintf(rel, sizeof(rel), "%s%s%s", base, base[0] ? "/" : "",
				  de->d_name) < 0)
			r = brig_err_set(e, -ENAMETOOLONG, "%s: too long", de->d_name);
		else if (!(ctx && bld_ignored(&c->ign, rel)))
			r = found_add(&here, rel, e);
	}
	closedir(d);
	if (here.n)
		qsort(here.v, here.n, sizeof(char *), name_cmp);
	for (size_t i = 0; r == 0 && i < here.n; i++)
		r = more ? walk(c, rootfd, ctx, here.v[i], more, f, e) : found_add(f, here.v[i], e);
	brig_strv_free(here.v);
	return r;
}

int bld_sources(struct bld_ctx *c, int rootfd, bool is_context, const char *pat, char ***rels,
		size_t *n, struct brig_err *e)
{
	char clean[PATH_MAX];
	int r = brig_path_clean(pat[0] == '/' ? pat + 1 : pat, BRIG_PATH_NAME_MAX, clean,
				sizeof(clean));
	if (r == -EPERM)
		return brig_err_set(e, -EPERM, "%s: outside the build context", pat);
	if (r < 0)
		return brig_err_set(e, r, "%s: a bad source path", pat);
	struct found f = { 0 };
	r = clean[0] ? walk(c, rootfd, is_context, "", clean, &f, e) : found_add(&f, "", e);
	if (r == 0 && f.n == 0)
		r = brig_err_set(e, -ENOENT, "%s: no such file in the build context", pat);
	if (r == 0 && is_context && clean[0] && !has_glob(clean, strlen(clean)) &&
	    bld_ignored(&c->ign, clean))
		r = brig_err_set(e, -ENOENT, "%s: excluded by .dockerignore", pat);
	if (r < 0) {
		brig_strv_free(f.v);
		return r;
	}
	*rels = f.v;
	*n = f.n;
	return 0;
}
