/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: brig's own settings beside the shared policy.json, in
 * the NAME.json files of /etc/brig/policy.d (so podman and skopeo keep reading the same
 * policy.json).  Each file is a JSON object; the files are read in name
 * order and a later one overrides an earlier one.  Members:
 *
 *   acceptPinnedDigests  boolean, default true: a reference pinned by
 *                        digest is accepted where no scope of the
 *                        policy's "transports" names it
 */
#include "trust/policy-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>

#define MAX_SETTINGS_FILE (64 * 1024)
#define MAX_SETTINGS_FILES 64

static int settings_file(int dfd, const char *dir, const char *name, struct trust_policy *p,
			 struct brig_err *e)
{
	static const char *const keys[] = { "acceptPinnedDigests", NULL };
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return brig_err_oom(e);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd < 0)
		return brig_err_sys(e, errno, "%s", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_json_ json_t *root = NULL;
	int r = brig_file_trusted(fd, path, e);
	if (r < 0 || (r = brig_read_fd(fd, path, MAX_SETTINGS_FILE, &buf, &len, e)) < 0 ||
	    (r = bj_parse(buf, len, path, &root, e)) < 0)
		return r;
	struct bj_loc at;
	bj_root(&at, path);
	if ((r = bj_only_keys(root, &at, keys, e)) < 0)
		return r;
	r = bj_get_bool(root, &at, "acceptPinnedDigests", false, &p->accept_pinned_digests, e);
	return r < 0 ? r : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int trust_brig_settings_load(const char *dir, struct trust_policy *p, struct brig_err *e)
{
	p->accept_pinned_digests = true;
	_cleanup_close_ int dfd = BRIG_RETRY(
		open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY));
	if (dfd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "%s", dir);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, json_name, by_name);
	if (n < 0)
		return brig_err_sys(e, errno, "%s", dir);
	int r = n > MAX_SETTINGS_FILES
		? brig_err_set(e, -E2BIG, "%s: more than %d files", dir, MAX_SETTINGS_FILES)
		: 0;
	for (int i = 0; i < n; i++) {
		if (r == 0)
			r = settings_file(dfd, dir, names[i]->d_name, p, e);
		free(names[i]);
	}
	free(names);
	return r;
}
