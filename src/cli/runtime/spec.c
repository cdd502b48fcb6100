/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime spec: a config.json with brig's secure defaults, or runc's
 * shape with --runc-compatible. */
#include "cli/runtime/brig-runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* brig's allow-list profile as linux.seccomp, converted at build time
 * (profiles/gen-runtime-seccomp.c). */
extern const char rt_spec_seccomp_json[];

/* --userns HOSTID[:SIZE] */
static int parse_userns(const char *s, struct rt_hardened_opts *o)
{
	_cleanup_free_ char *dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	char *colon = strchr(dup, ':');
	uint64_t host = 0, size = RT_SPEC_USERNS_SIZE;
	if (colon)
		*colon = '\0';
	if (brig_parse_u64(dup, &host) < 0 || (colon && brig_parse_u64(colon + 1, &size) < 0) ||
	    size == 0 || host + size > UINT32_MAX)
		return -EINVAL;
	o->userns_host = (uint32_t)host;
	o->userns_size = (uint32_t)size;
	return 0;
}

static json_t *make_spec(struct opt *o, struct brig_err *e)
{
	bool rootless = opts_find(o, "rootless")->set;
	const char *userns = opts_find(o, "userns")->value;
	if (opts_find(o, "runc-compatible")->set) {
		if (userns) {
			brig_err_set(e, -EINVAL, "--userns: not with --runc-compatible");
			return NULL;
		}
		json_t *s = rt_default_spec(rootless);
		if (!s)
			brig_err_set(e, -ENOMEM, "out of memory");
		return s;
	}
	struct rt_hardened_opts ho = { .rootless = rootless,
				       .userns_host = RT_SPEC_USERNS_HOST,
				       .userns_size = RT_SPEC_USERNS_SIZE,
				       .seccomp = rt_spec_seccomp_json };
	if (userns && rootless) {
		brig_err_set(e, -EINVAL, "--userns: not with --rootless (it maps your own ids)");
		return NULL;
	}
	if (userns && parse_userns(userns, &ho) < 0) {
		brig_err_set(e, -EINVAL, "--userns %s: expected HOSTID[:SIZE] within 0..4294967295",
			     userns);
		return NULL;
	}
	return rt_hardened_spec(&ho, e);
}

static int write_spec(const char *dir, json_t *spec, struct brig_err *e)
{
	_cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return brig_err_set(e, -ENOMEM, "out of memory");
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return brig_err_sys(e, errno, "%s", dir);
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return brig_err_set(e, -EEXIST, "%s/config.json exists; remove it first", dir);
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps left room: the NUL becomes the newline */
	return brig_atomic_write(dfd, "config.json", text, len + 1, 0644, e);
}

int rtcmd_spec(const struct rt_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = {
		OPT_VALUE("bundle", 'b', "DIR", "where to write config.json (default: .)"),
		OPT_FLAG("rootless", 0,
			 "for an unprivileged caller: a user namespace mapping only your own "
			 "uid and gid, no network or cgroup namespace, no cgroup limits"),
		OPT_VALUE("userns", 0, "HOSTID[:SIZE]",
			  "map container ids 0..SIZE-1 to host ids HOSTID.. (uid and gid; "
			  "default 3221225472:65536, above the ids scripts/setup.sh gives "
			  "the user brig; the rootfs may stay owned by root: it is read-only, "
			  "and what is world-readable stays readable)"),
		OPT_FLAG("runc-compatible", 0,
			 "runc's shape for tools that expect it: no user namespace (container "
			 "root is host root), a short seccomp deny-list, no memory limit, "
			 "the rootfs not nosuid. Without it: a user namespace, brig's "
			 "allow-list seccomp profile (no io_uring, no ptrace), memory 1g "
			 "(no swap) and a nosuid,nodev rootfs"),
		{ 0 }
	};
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_json_ json_t *spec = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	int p = rtcli_parse("spec", "", o, argc, argv, false, &pos, &npos, 0, 0);
	if (p <= 0) {
		rc = p < 0 ? 1 : 0;
		goto out;
	}
	const char *dir = opts_find(o, "bundle")->value ? opts_find(o, "bundle")->value : ".";
	spec = make_spec(o, &e);
	rc = !spec || write_spec(dir, spec, &e) < 0 ? rt_fail(&e) : 0;
out:
	free(pos);
	opts_free(o);
	return rc;
}
