/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.brig.landlock: an optional Landlock ruleset for the container's
 * processes (docs/landlock.md), applied in the container's process after
 * its mounts and before its privileges go and it execs.  The rules are
 * parsed by common/landlock_rules.c.
 */
#include "runtime/landlock-internal.h"
#include "runtime/runtime.h"
#include "common/landlock.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rt_landlock_from_config(const json_t *config, struct brig_landlock_rules **out,
			    struct brig_err *e)
{
	*out = NULL;
	json_t *v = json_object_get(json_object_get(config, "annotations"), RT_ANN_LANDLOCK);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return brig_err_set(e, -EINVAL, "annotations." RT_ANN_LANDLOCK ": not a string");
	int r = brig_landlock_rules_parse(json_string_value(v), out, e);
	if (r < 0)
		return brig_err_wrap(e, "annotations." RT_ANN_LANDLOCK);
	int abi = brig_landlock_abi();
	if (abi < 1)
		brig_warn("the kernel has no Landlock: annotation %s is not enforced",
			  RT_ANN_LANDLOCK);
	else if (abi < 4 && ((*out)->bind || (*out)->connect))
		brig_warn("the kernel's Landlock (ABI %d) has no TCP rules: the bind: and "
			  "connect: rules of %s are not enforced",
			  abi, RT_ANN_LANDLOCK);
	return 0;
}

/* Rights beneath a path; a file takes only the rights files have. */
static uint64_t path_rights(const struct brig_ll_rule *r, int fd, int abi)
{
	uint64_t all = brig_landlock_fs_all(abi);
	uint64_t want = r->kind == BRIG_LL_RW ? all : BRIG_LL_FS_RO;
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		want &= BRIG_LL_FS_EXECUTE | BRIG_LL_FS_READ_FILE | BRIG_LL_FS_WRITE_FILE |
			BRIG_LL_FS_TRUNCATE | BRIG_LL_FS_IOCTL_DEV;
	return want & all;
}

static int add_rule(int rs, const struct brig_ll_rule *r, int abi, struct brig_err *e)
{
	if (r->none)
		return 0;
	if (r->kind == BRIG_LL_BIND || r->kind == BRIG_LL_CONNECT) {
		if (abi < 4)
			return 0;
		uint64_t a = r->kind == BRIG_LL_BIND ? BRIG_LL_NET_BIND_TCP
						     : BRIG_LL_NET_CONNECT_TCP;
		int rc = brig_landlock_allow_port(rs, r->port, a);
		return rc < 0 ? brig_err_sys(e, -rc, "landlock: port %u", r->port) : 0;
	}
	/* Inside the container's root, after its mounts: the path is the
	 * container's, and a symlink in it is the container's too. */
	_cleanup_close_ int fd = BRIG_RETRY(open(r->path, O_PATH | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "landlock: %s", r->path);
	int rc = brig_landlock_allow_path(rs, fd, path_rights(r, fd, abi));
	return rc < 0 ? brig_err_sys(e, -rc, "landlock: %s", r->path) : 0;
}

int rt_landlock_apply(const struct brig_landlock_rules *l, struct brig_err *e)
{
	if (!l)
		return 0;
	int abi = brig_landlock_abi();
	if (abi < 1)
		return 0; /* warned by the runtime when it read the config */
	uint64_t net = 0;
	if (abi >= 4)
		net = (l->bind ? BRIG_LL_NET_BIND_TCP : 0) |
			(l->connect ? BRIG_LL_NET_CONNECT_TCP : 0);
	uint64_t fs = l->fs ? brig_landlock_fs_all(abi) : 0;
	if (!fs && !net)
		return 0;
	_cleanup_close_ int rs = brig_landlock_ruleset(fs, net, 0);
	if (rs < 0)
		return brig_err_sys(e, -rs, "landlock: creating the ruleset");
	for (size_t i = 0; i < l->n; i++) {
		int r = add_rule(rs, &l->rules[i], abi, e);
		if (r < 0)
			return r;
	}
	int r = brig_landlock_enforce(rs);
	return r < 0 ? brig_err_sys(e, -r, "landlock: enforcing the ruleset") : 0;
}
