/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig save: images to a docker-archive (the default, like Docker) or an
 * oci-archive.  -o FILE is written as a temporary file beside FILE and
 * renamed over it only when complete; -o - (or no -o) writes stdout, which
 * must not be a terminal.  See docs/archives.md.
 */
#include "cli/brig/brig-internal.h"
#include "image/archive/image-archive.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

struct out_file {
	int dirfd;
	int fd;
	char *base;
	char tmp[NAME_MAX + 1];
};

static void out_abort(struct out_file *o)
{
	if (o->fd >= 0) {
		close(o->fd);
		if (unlinkat(o->dirfd, o->tmp, 0) < 0 && errno != ENOENT)
			brig_warn("removing %s: %s", o->tmp, strerror(errno));
	}
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->base);
	*o = (struct out_file){ .dirfd = -1, .fd = -1 };
}

/* Create ".BASE.tmp-RANDOM" in FILE's directory. */
static int out_open(const char *file, struct out_file *o, struct brig_err *e)
{
	_cleanup_free_ char *d = strdup(file), *b = strdup(file);
	if (!d || !b)
		return brig_err_set(e, -ENOMEM, "out of memory");
	o->base = strdup(basename(b));
	if (!o->base || !*o->base || strcmp(o->base, "/") == 0 || strcmp(o->base, ".") == 0 ||
	    strcmp(o->base, "..") == 0)
		return brig_err_set(e, -EINVAL, "%s: not a file name", file);
	o->dirfd = BRIG_RETRY(open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (o->dirfd < 0)
		return brig_err_sys(e, errno, "opening the directory of %s", file);
	uint64_t rnd;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return brig_err_sys(e, errno, "getrandom");
	if (brig_snprintf(o->tmp, sizeof(o->tmp), ".%.200s.tmp-%016llx", o->base,
			  (unsigned long long)rnd) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: name too long", file);
	o->fd = BRIG_RETRY(openat(o->dirfd, o->tmp,
				  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
	if (o->fd < 0)
		return brig_err_sys(e, errno, "creating a temporary file beside %s", file);
	return 0;
}

/* fsync, rename over FILE, fsync the directory. */
static int out_commit(struct out_file *o, const char *file, struct brig_err *e)
{
	if (fsync(o->fd) < 0)
		return brig_err_sys(e, errno, "syncing %s", file);
	if (renameat(o->dirfd, o->tmp, o->dirfd, o->base) < 0)
		return brig_err_sys(e, errno, "renaming the archive to %s", file);
	close(o->fd);
	o->fd = -1;
	if (fsync(o->dirfd) < 0)
		brig_warn("syncing the directory of %s: %s", file, strerror(errno));
	return 0;
}

static int save_to(struct img_store *s, const char *const *refs, size_t n,
		   enum img_archive_format f, const char *file, const char *sigs, bool quiet,
		   struct brig_err *e)
{
	if (!file || strcmp(file, "-") == 0) {
		if (isatty(STDOUT_FILENO))
			return brig_err_set(e, -EINVAL,
					    "refusing to write an archive to a "
					    "terminal: use -o FILE or redirect stdout");
		return img_archive_save_sigs(s, refs, n, f, brig_host_arch(), "linux",
					     STDOUT_FILENO, sigs, e);
	}
	struct out_file o = { .dirfd = -1, .fd = -1 };
	int r = out_open(file, &o, e);
	struct brig_fd_progress *bar = r == 0 ? brig_fd_progress_start(o.fd, "Saving", quiet)
					      : NULL;
	if (r == 0)
		r = img_archive_save_sigs(s, refs, n, f, brig_host_arch(), "linux", o.fd, sigs, e);
	brig_fd_progress_stop(bar, r == 0);
	if (r == 0)
		r = out_commit(&o, file, e);
	out_abort(&o);
	return r;
}

int brig_cmd_save(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("output", 'o', "FILE", "write to FILE (- for stdout)"),
		OPT_VALUE("format", 0, "FORMAT", "docker-archive (default) or oci-archive"),
		OPT_FLAG("quiet", 'q', "no progress bar (one is drawn only on a terminal)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("save", "IMAGE...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_img_store_ struct img_store *s = NULL;
		enum img_archive_format f = IMG_ARCHIVE_DOCKER;
		const char *fs = opts_find(o, "format")->value;
		int r = fs && img_archive_format_parse(fs, &f) < 0
			? brig_err_set(&e, -EINVAL,
				       "--format: '%s' is neither docker-archive "
				       "nor oci-archive",
				       fs)
			: 0;
		if (r == 0)
			r = brig_store_open(g, &s, &e);
		_cleanup_free_ char *sigs = NULL; /* the signatures kept with the images */
		if (r == 0)
			r = eng_prov_save_sigs(g->root, s, (const char *const *)pos, npos, &sigs,
					       &e);
		if (r == 0)
			r = save_to(s, (const char *const *)pos, npos, f,
				    opts_find(o, "output")->value, sigs, opts_find(o, "quiet")->set,
				    &e);
		if (r < 0) {
			brig_err_wrap(&e, "save");
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}
