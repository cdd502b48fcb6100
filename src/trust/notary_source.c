/* SPDX-License-Identifier: Apache-2.0 */
/* trust: a metadata source reading a directory of Notary metadata files. */
#include "trust/notary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dir_src {
	int dfd;
};

static int dir_get(void *ctx, const char *name, size_t max, char **raw, size_t *len,
		   struct brig_err *e)
{
	struct dir_src *d = ctx;
	/* `sign-demo.sh fetch` writes the delegation as targets-releases.json,
	 * notary's cache as targets/releases.json */
	const char *alias = !strcmp(name, "targets/releases.json") ? "targets-releases.json" : NULL;
	const char *names[] = { name, alias };
	for (size_t i = 0; i < 2 && names[i]; i++) {
		_cleanup_close_ int fd = openat(d->dfd, names[i],
						O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		if (fd < 0)
			return brig_err_sys(e, errno, "%s", names[i]);
		return brig_read_fd(fd, name, max, raw, len, e);
	}
	return 1;
}

int notary_dir_source(const char *dir, struct notary_source *out, struct brig_err *e)
{
	struct dir_src *d = calloc(1, sizeof(*d));
	if (!d)
		return brig_err_oom(e);
	d->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dfd < 0) {
		int err = errno;
		free(d);
		return brig_err_sys(e, err, "metadata directory %s", dir);
	}
	out->get = dir_get;
	out->ctx = d;
	return 0;
}

void notary_dir_source_close(struct notary_source *s)
{
	struct dir_src *d = s->ctx;
	if (d) {
		close(d->dfd);
		free(d);
	}
	s->ctx = NULL;
}
