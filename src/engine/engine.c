/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine handle (the store root, its containers/ and names/
 * directories, the runtime's state directory, the engine config) and a
 * container's directory.  A container's record is record.c; listing and
 * finding containers is list.c; the monitor's lock is monitor_lock.c.
 */
#include "engine/engine-internal.h"
#include "engine/config/engine-config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int open_dir(int dirfd, const char *name, struct brig_err *e)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", name);
	int fd = BRIG_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", name);
	return fd;
}

/* The runtime's state for this store lives in /run (one boot), under a name
 * derived from the store root so that two roots never share it. */
static int runtime_root(struct eng *g, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_buf(g->root, strlen(g->root), hex) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	hex[16] = '\0';
	const char *base = geteuid() == 0 ? "/run/brig" : getenv("XDG_RUNTIME_DIR");
	if (!base)
		return brig_err_set(e, -ENOENT, "no runtime directory: set XDG_RUNTIME_DIR");
	if (asprintf(&g->rt_root, geteuid() == 0 ? "%s/%s" : "%s/brig/%s", base, hex) < 0) {
		g->rt_root = NULL;
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	g->rt.root = g->rt_root;
	if (asprintf(&g->mnt_root, geteuid() == 0 ? "%s/mnt/%s" : "%s/brig/mnt/%s", base, hex) <
	    0) {
		g->mnt_root = NULL;
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	/* One filter cache for every store: it is keyed by content. */
	g->rt.seccomp_cache = geteuid() == 0 ? "/run/brig/.seccomp-cache" : NULL;
	return 0; /* made by the runtime when a container starts */
}

int eng_open(const char *root, const char *driver, struct eng **out, struct brig_err *e)
{
	if (driver && strcmp(driver, "overlay") != 0 && strcmp(driver, "copy") != 0)
		return brig_err_set(e, -EINVAL, "unknown storage driver \"%s\" (overlay or copy)",
				    driver);
	struct eng *g = calloc(1, sizeof(*g));
	if (!g)
		return brig_err_set(e, -ENOMEM, "out of memory");
	g->rootfd = g->ctrsfd = g->namesfd = -1;
	int r;
	char abs[PATH_MAX];
	if ((r = brig_mkdir_p(AT_FDCWD, root, 0700, e)) < 0)
		goto fail;
	if (!realpath(root, abs)) {
		r = brig_err_sys(e, errno, "store root %s", root);
		goto fail;
	}
	if (!(g->root = strdup(abs)) || (driver && !(g->driver = strdup(driver)))) {
		r = brig_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	g->rootfd = BRIG_RETRY(open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (g->rootfd < 0) {
		r = brig_err_sys(e, errno, "opening %s", abs);
		goto fail;
	}
	if ((g->ctrsfd = r = open_dir(g->rootfd, "containers", e)) < 0 ||
	    (g->namesfd = r = open_dir(g->rootfd, "names", e)) < 0 ||
	    (r = runtime_root(g, e)) < 0 || (r = eng_config_load(NULL, false, &g->cfg, e)) < 0)
		goto fail;
	*out = g;
	return 0;
fail:
	eng_close(g);
	return r;
}

void eng_close(struct eng *g)
{
	if (!g)
		return;
	int fds[] = { g->rootfd, g->ctrsfd, g->namesfd };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
	img_store_close(g->store);
	eng_config_free(g->cfg);
	free(g->root);
	free(g->driver);
	free(g->rt_root);
	free(g->mnt_root);
	free(g);
}

const char *eng_root(const struct eng *g)
{
	return g->root;
}

int eng_use_config(struct eng *g, const char *path, struct brig_err *e)
{
	struct eng_config *c = NULL;
	int r = eng_config_load(path, true, &c, e);
	if (r < 0)
		return r;
	eng_config_free(g->cfg);
	g->cfg = c;
	return 0;
}

int eng_store(struct eng *g, struct img_store **out, struct brig_err *e)
{
	if (!g->store) {
		int r = eng_store_open(g->root, &g->store, e);
		if (r < 0)
			return r;
	}
	*out = g->store;
	return 0;
}

bool eng_id_valid(const char *id)
{
	if (strlen(id) != ENG_ID_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int eng_ctr_open(struct eng *g, const char *id, struct brig_err *e)
{
	if (!eng_id_valid(id))
		return brig_err_set(e, -EINVAL, "invalid container id \"%s\"", id);
	int fd = BRIG_RETRY(openat(g->ctrsfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? brig_err_set(e, -ENOENT, "no such container: %s", id)
				       : brig_err_sys(e, errno, "opening container %s", id);
	return fd;
}

int eng_ctr_dirfd(struct eng *g, const char *id, struct brig_err *e)
{
	return eng_ctr_open(g, id, e);
}
