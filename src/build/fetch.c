/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ADD URL: one file downloaded by the registry client's transport
 * (registry/url.c: libcurl loaded lazily, the body hashed as it streams)
 * into the staging tree, mode 0600 (Docker's) unless --chmod, root's
 * unless --chown.  --checksum=sha256:HEX pins it: a download that hashes
 * otherwise fails naming both digests and leaves nothing.  Without a
 * checksum the build refuses the URL unless --allow-unpinned-downloads.
 */
#include "build/build-internal.h"

#include "registry/registry.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define URL_MAX_BYTES ((uint64_t)16 << 30)

bool bld_is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static int fd_sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	int fd = *(int *)ctx;
	if (brig_write_all(fd, buf, len) < 0)
		return brig_err_sys(e, errno, "writing the download");
	return 0;
}

/* The URL's last path component, the file's name when the destination
 * is a directory. */
static int url_name(const char *url, char name[NAME_MAX + 1])
{
	const char *p = strstr(url, "://") + 3;
	size_t n = strcspn(p, "?#");
	while (n > 0 && p[n - 1] == '/')
		n--;
	const char *slash = memrchr(p, '/', n);
	if (!slash || (size_t)(p + n - slash - 1) > NAME_MAX || p + n == slash + 1)
		return -EINVAL;
	snprintf(name, NAME_MAX + 1, "%.*s", (int)(p + n - slash - 1), slash + 1);
	return strcmp(name, ".") && strcmp(name, "..") ? 0 : -EINVAL;
}

int bld_add_url(struct bld_ctx *c, const struct bld_instr *in, const struct bld_url *u,
		struct brig_err *e)
{
	char name[NAME_MAX + 1], got[REG_DIGEST_SIZE];
	if (!u->checksum && !c->o->allow_unpinned)
		return brig_err_set(e, -EPERM,
				    "%s:%u: ADD %s: a download needs --checksum=sha256:HEX (or "
				    "brig build --allow-unpinned-downloads)",
				    c->df_name, in->line, u->url);
	if (u->name[0])
		snprintf(name, sizeof(name), "%s", u->name);
	else if (url_name(u->url, name) < 0)
		return brig_err_set(e, -EINVAL,
				    "%s:%u: ADD %s: no file name in the URL (name the "
				    "destination file)",
				    c->df_name, in->line, u->url);
	bld_progress(c, " ---> downloading %s", u->url);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(u->dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "staging %s", name);
	int r = reg_url_get(u->url, NULL, u->checksum, URL_MAX_BYTES, fd_sink, &fd, got, e);
	if (r == 0 &&
	    (fchown(fd, u->uid, u->gid) < 0 ||
	     fchmod(fd, u->chmod_bits >= 0 ? (mode_t)u->chmod_bits : 0600) < 0))
		r = brig_err_sys(e, errno, "staging %s", name);
	if (r < 0) {
		(void)unlinkat(u->dir, name, 0);
		return brig_err_wrap(e, "%s:%u: ADD", c->df_name, in->line);
	}
	if (!u->checksum)
		bld_progress(c, " ---> %s: %s (not pinned)", u->url, got);
	return 0;
}
