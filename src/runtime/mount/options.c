/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mount option strings (config.md "Linux mount options"): MS_* flags to set
 * or clear, propagation, recursive mount_setattr attributes, idmap/ridmap.
 * Anything else is filesystem data for mount(2).  Later options override
 * earlier ones ("ro,rw" is rw; of noatime/relatime/strictatime the last
 * wins).  The same table is the "mountOptions" list of features.json.
 */
#include "runtime/mount/mount-internal.h"
#include "runtime/runtime.h"

#include <string.h>

#define MAX_OPTIONS 128
#define MAX_DATA 4095

enum opt_kind {
	OPT_SET, /* set MS_* */
	OPT_CLEAR, /* clear MS_* */
	OPT_PROP, /* propagation MS_* */
	OPT_RSET, /* recursive set MOUNT_ATTR_* */
	OPT_RCLR, /* recursive clear MOUNT_ATTR_* */
	OPT_RATIME, /* recursive access-time mode MOUNT_ATTR_* */
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_SKIP, /* recognised, not implemented (warned) */
};

struct mopt {
	const char *name;
	enum opt_kind kind;
	unsigned long ms;
	uint64_t attr;
};

#define ATIME_MS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

static const struct mopt mount_opts[] = {
	{ "async", OPT_CLEAR, MS_SYNCHRONOUS, 0 },
	{ "atime", OPT_CLEAR, MS_NOATIME, 0 },
	{ "bind", OPT_SET, MS_BIND, 0 },
	{ "defaults", OPT_SET, 0, 0 },
	{ "dev", OPT_CLEAR, MS_NODEV, 0 },
	{ "diratime", OPT_CLEAR, MS_NODIRATIME, 0 },
	{ "dirsync", OPT_SET, MS_DIRSYNC, 0 },
	{ "exec", OPT_CLEAR, MS_NOEXEC, 0 },
	{ "iversion", OPT_SET, MS_I_VERSION, 0 },
	{ "lazytime", OPT_SET, MS_LAZYTIME, 0 },
	{ "loud", OPT_CLEAR, MS_SILENT, 0 },
	{ "mand", OPT_SET, MS_MANDLOCK, 0 },
	{ "noatime", OPT_SET, MS_NOATIME, 0 },
	{ "nodev", OPT_SET, MS_NODEV, 0 },
	{ "nodiratime", OPT_SET, MS_NODIRATIME, 0 },
	{ "noexec", OPT_SET, MS_NOEXEC, 0 },
	{ "noiversion", OPT_CLEAR, MS_I_VERSION, 0 },
	{ "nolazytime", OPT_CLEAR, MS_LAZYTIME, 0 },
	{ "nomand", OPT_CLEAR, MS_MANDLOCK, 0 },
	{ "norelatime", OPT_CLEAR, MS_RELATIME, 0 },
	{ "nostrictatime", OPT_CLEAR, MS_STRICTATIME, 0 },
	{ "nosuid", OPT_SET, MS_NOSUID, 0 },
	{ "nosymfollow", OPT_SET, MS_NOSYMFOLLOW, 0 },
	{ "rbind", OPT_SET, MS_BIND | MS_REC, 0 },
	{ "relatime", OPT_SET, MS_RELATIME, 0 },
	{ "remount", OPT_SET, MS_REMOUNT, 0 },
	{ "ro", OPT_SET, MS_RDONLY, 0 },
	{ "rw", OPT_CLEAR, MS_RDONLY, 0 },
	{ "silent", OPT_SET, MS_SILENT, 0 },
	{ "strictatime", OPT_SET, MS_STRICTATIME, 0 },
	{ "suid", OPT_CLEAR, MS_NOSUID, 0 },
	{ "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW, 0 },
	{ "sync", OPT_SET, MS_SYNCHRONOUS, 0 },
	{ "private", OPT_PROP, MS_PRIVATE, 0 },
	{ "rprivate", OPT_PROP, MS_PRIVATE | MS_REC, 0 },
	{ "shared", OPT_PROP, MS_SHARED, 0 },
	{ "rshared", OPT_PROP, MS_SHARED | MS_REC, 0 },
	{ "slave", OPT_PROP, MS_SLAVE, 0 },
	{ "rslave", OPT_PROP, MS_SLAVE | MS_REC, 0 },
	{ "unbindable", OPT_PROP, MS_UNBINDABLE, 0 },
	{ "runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC, 0 },
	{ "rro", OPT_RSET, 0, MOUNT_ATTR_RDONLY },
	{ "rrw", OPT_RCLR, 0, MOUNT_ATTR_RDONLY },
	{ "rnosuid", OPT_RSET, 0, MOUNT_ATTR_NOSUID },
	{ "rsuid", OPT_RCLR, 0, MOUNT_ATTR_NOSUID },
	{ "rnodev", OPT_RSET, 0, MOUNT_ATTR_NODEV },
	{ "rdev", OPT_RCLR, 0, MOUNT_ATTR_NODEV },
	{ "rnoexec", OPT_RSET, 0, MOUNT_ATTR_NOEXEC },
	{ "rexec", OPT_RCLR, 0, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", OPT_RSET, 0, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", OPT_RCLR, 0, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", OPT_RSET, 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", OPT_RCLR, 0, MOUNT_ATTR_NOSYMFOLLOW },
	/* The kernel's access time is one of three modes; "not relatime"
	 * can only mean strictatime, "not strictatime" relatime. */
	{ "ratime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME },
	{ "rnoatime", OPT_RATIME, 0, MOUNT_ATTR_NOATIME },
	{ "rrelatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME },
	{ "rnorelatime", OPT_RATIME, 0, MOUNT_ATTR_STRICTATIME },
	{ "rstrictatime", OPT_RATIME, 0, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME },
	{ "idmap", OPT_IDMAP, 0, 0 },
	{ "ridmap", OPT_RIDMAP, 0, 0 },
	{ "tmpcopyup", OPT_SKIP, 0, 0 },
};

static const struct mopt *find_opt(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(mount_opts); i++)
		if (strcmp(mount_opts[i].name, name) == 0)
			return &mount_opts[i];
	return NULL;
}

static int append_data(struct rt_mount *m, const char *opt, const struct bj_loc *at,
		       struct brig_err *e)
{
	size_t old = m->data ? strlen(m->data) : 0, add = strlen(opt);
	if (add == 0)
		return bj_fail(e, at, "empty mount option");
	if (old + add + 1 > MAX_DATA)
		return bj_fail(e, at, "filesystem options longer than %d bytes", MAX_DATA);
	char *n = realloc(m->data, old + add + 2);
	if (!n)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (old)
		n[old++] = ',';
	memcpy(n + old, opt, add + 1);
	m->data = n;
	return 0;
}

static void apply_opt(struct rt_mount *m, const struct mopt *o, const struct bj_loc *at)
{
	switch (o->kind) {
	case OPT_SET:
		if (o->ms & ATIME_MS)
			m->flags &= ~ATIME_MS; /* the last access-time option wins */
		m->flags |= o->ms;
		m->clear &= ~o->ms;
		break;
	case OPT_CLEAR:
		m->flags &= ~o->ms;
		m->clear |= o->ms;
		break;
	case OPT_PROP:
		m->prop = o->ms;
		break;
	case OPT_RSET:
		m->rattr_set |= o->attr;
		m->rattr_clr &= ~o->attr;
		break;
	case OPT_RCLR:
		m->rattr_set &= ~o->attr;
		m->rattr_clr |= o->attr;
		break;
	case OPT_RATIME:
		m->rattr_set = (m->rattr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->attr;
		m->rattr_clr |= MOUNT_ATTR__ATIME;
		break;
	case OPT_IDMAP:
		m->idmap = true;
		break;
	case OPT_RIDMAP:
		m->idmap = true;
		m->idmap_rec = true;
		break;
	case OPT_SKIP:
		brig_warn("%s: %s: option \"%s\" is not supported by brig and is ignored", at->file,
			  at->path, o->name);
		break;
	}
}

int rt_parse_mount_options(const json_t *jm, const struct bj_loc *at, struct rt_mount *m,
			   struct brig_err *e)
{
	_cleanup_strv_ char **opts = NULL;
	int r = bj_get_strv(jm, at, "options", false, MAX_OPTIONS, &opts, e);
	if (r < 0)
		return r;
	struct bj_loc ol;
	bj_key(&ol, at, "options");
	for (size_t i = 0; opts && opts[i]; i++) {
		struct bj_loc el;
		bj_idx(&el, &ol, i);
		const struct mopt *o = find_opt(opts[i]);
		if (o) {
			apply_opt(m, o, &el);
			continue;
		}
		r = append_data(m, opts[i], &el, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_parse_propagation(const char *s, unsigned long *out)
{
	const struct mopt *o = find_opt(s);
	if (!o || o->kind != OPT_PROP)
		return -EINVAL;
	*out = o->ms;
	return 0;
}

void rt_mount_features(json_t *features)
{
	json_t *opts = json_array();
	for (size_t i = 0; opts && i < BRIG_ARRAY_SIZE(mount_opts); i++)
		if (mount_opts[i].kind != OPT_SKIP)
			(void)json_array_append_new(opts, json_string(mount_opts[i].name));
	if (opts)
		(void)json_object_set_new(features, "mountOptions", opts);
	json_t *lx = json_object_get(features, "linux");
	if (!json_is_object(lx)) {
		lx = json_object();
		if (!lx || json_object_set_new(features, "linux", lx) < 0)
			return;
	}
	json_t *ext = json_pack("{s:{s:b}}", "idmap", "enabled", 1);
	if (ext)
		(void)json_object_set_new(lx, "mountExtensions", ext);
}

/* RT_ANN_ROOTFS_OPTIONS: "nosuid,nodev,noexec" (any of them, comma-separated),
 * as MOUNT_ATTR_* for the rootfs bind. */
int rt_parse_root_options(const json_t *config, const struct bj_loc *at, uint64_t *attrs,
			  struct brig_err *e)
{
	static const struct {
		const char *name;
		uint64_t attr;
	} known[] = { { "nosuid", MOUNT_ATTR_NOSUID },
		      { "nodev", MOUNT_ATTR_NODEV },
		      { "noexec", MOUNT_ATTR_NOEXEC } };
	*attrs = 0;
	json_t *v = json_object_get(json_object_get(config, "annotations"), RT_ANN_ROOTFS_OPTIONS);
	if (!v)
		return 0;
	struct bj_loc al, kl;
	bj_key(&al, at, "annotations");
	bj_key(&kl, &al, RT_ANN_ROOTFS_OPTIONS);
	if (!json_is_string(v))
		return bj_fail(e, &kl, "expected a string");
	_cleanup_free_ char *list = strdup(json_string_value(v));
	if (!list)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char *save = NULL;
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < BRIG_ARRAY_SIZE(known) && strcmp(known[i].name, w) != 0)
			i++;
		if (i == BRIG_ARRAY_SIZE(known))
			return bj_fail(e, &kl, "unknown option \"%s\" (nosuid, nodev, noexec)", w);
		*attrs |= known[i].attr;
	}
	return 0;
}
