/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns=keep-id (rootless, as podman's): the caller's uid and gid are
 * mapped to the same ids inside (userns.c), the container runs as them by
 * default, and its /etc/passwd and /etc/group name them.  When the image
 * has no entry for the caller's uid (or its name), one is added in the
 * container's own layer (the overlay's upper directory, or the copied
 * root) at create: the image's file with one line more, written beside it
 * and renamed over it, inside an /etc opened without following any
 * symlink.  The home directory is the caller's when a bind mount holds it,
 * else the working directory (podman's rule).
 */
#include "engine/engine-internal.h"
#include "engine/quota-internal.h"
#include "engine/user-internal.h"
#include "engine/flags/flags.h"

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_LEN 32

struct caller {
	uid_t uid;
	gid_t gid;
	char name[NAME_MAX_LEN + 1];
	char home[PATH_MAX];
};

/* A name fit for a passwd line: [A-Za-z0-9_.-], not starting with '-'. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A home directory fit for a passwd line: absolute, no ':' or newline. */
static bool field_ok(const char *s)
{
	return s[0] == '/' && !strpbrk(s, ":\n") && strlen(s) < PATH_MAX;
}

/* Does a bind of the container hold path (its destination path or above)? */
static bool bind_holds(const struct eng_flags *f, const char *path)
{
	size_t n = f ? eng_flags_bind_count(f) : 0;
	for (size_t i = 0; i < n; i++) {
		struct eng_bind_flag b;
		char dst[PATH_MAX];
		if (eng_flags_bind_get(f, i, &b) < 0 ||
		    brig_path_clean(b.dst, BRIG_PATH_ABSOLUTE | BRIG_PATH_CLAMP, dst, sizeof(dst)) <
			    0 ||
		    strcmp(dst, "/") == 0)
			continue;
		size_t len = strlen(dst);
		if (strncmp(path, dst, len) == 0 && (path[len] == '\0' || path[len] == '/'))
			return true;
	}
	return false;
}

/* Who runs brig: the host's passwd entry, checked (a name or home that
 * would break the container's file gives way to "user" and cwd). */
static void caller_get(const struct eng_create_opts *o, const char *cwd, struct caller *c)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	*c = (struct caller){ .uid = getuid(), .gid = getgid() };
	bool found = getpwuid_r(c->uid, &pw, buf, sizeof(buf), &res) == 0 && res;
	(void)snprintf(c->name, sizeof(c->name), "%s",
		       found && name_ok(pw.pw_name) ? pw.pw_name : "user");
	const char *home = found ? pw.pw_dir : NULL;
	if (!home || !field_ok(home) || !bind_holds(o->flags, home))
		home = field_ok(cwd) ? cwd : "/";
	(void)snprintf(c->home, sizeof(c->home), "%s", home);
}

/* The container's own layer: the copied root, or the overlay's upper. */
static int own_layer_open(int ctrfd, struct brig_err *e)
{
	char name[32];
	if (faccessat(ctrfd, "rootfs", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		(void)snprintf(name, sizeof(name), "rootfs");
	else
		(void)snprintf(name, sizeof(name), "%supper", eng_quota_rw_prefix(ctrfd));
	int fd = BRIG_RETRY(openat(ctrfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening the container's %s", name) : fd;
}

/* What stat says of the image's /etc: 1 (a directory, *mode its mode; or
 * none: 0755), 0 when it is something else (a symlink: nothing is added). */
static int etc_kind(const struct stat *st, mode_t *mode)
{
	if (!S_ISDIR(st->st_mode))
		return 0;
	*mode = st->st_mode & 07777;
	return 1;
}

static int image_etc(struct eng *g, const json_t *layers, int layerfd, mode_t *mode)
{
	struct stat st;
	*mode = 0755;
	if (fstatat(layerfd, "etc", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return etc_kind(&st, mode);
	for (size_t k = json_array_size(layers); k-- > 0;) {
		const char *d = json_string_value(
			json_object_get(json_array_get(layers, k), "diffId"));
		char dir[128];
		if (!d ||
		    brig_snprintf(dir, sizeof(dir), "layers/%s/etc", d + strlen("sha256:")) < 0 ||
		    fstatat(g->rootfd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0) /* a whiteout */
			return 1;
		return etc_kind(&st, mode);
	}
	return 1;
}

/* The image's file db (NULL: none) with line appended, as etcfd/name. */
static int add_line(int etcfd, const char *name, const char *db, const char *line, bool durable,
		    struct brig_err *e)
{
	_cleanup_free_ char *out = NULL;
	size_t len = db ? strlen(db) : 0;
	const char *nl = len && db[len - 1] != '\n' ? "\n" : "";
	if (asprintf(&out, "%s%s%s\n", db ? db : "", nl, line) < 0)
		return brig_err_oom(e);
	return brig_atomic_replace(etcfd, name, out, strlen(out), 0644, durable, e);
}

/* The entries the image lacks, written in the container's layer. */
static int write_entries(struct eng *g, const struct eng_create_opts *o, const json_t *layers,
			 int layerfd, const struct caller *c, struct brig_err *e)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t len;
	int r = eng_image_read_file(g, layers, layerfd, "/etc/passwd", ENG_USER_DB_MAX, &passwd,
				    &len, e);
	if ((r < 0 && r != -ENOENT) ||
	    ((r = eng_image_read_file(g, layers, layerfd, "/etc/group", ENG_USER_DB_MAX, &group,
				      &len, e)) < 0 &&
	     r != -ENOENT))
		return r;
	bool add_pw = !eng_user_db_has(passwd, c->name, c->uid);
	bool add_gr = !eng_user_db_has(group, c->name, c->gid);
	mode_t mode;
	if (!add_pw && !add_gr)
		return 0;
	if (image_etc(g, layers, layerfd, &mode) == 0) {
		brig_warn("--userns=keep-id: the image's /etc is not a directory: no passwd "
			  "entry for uid %u",
			  (unsigned)c->uid);
		return 0;
	}
	if (mkdirat(layerfd, "etc", mode) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating /etc in the container's layer");
	_cleanup_close_ int etcfd = brig_open_in_root(layerfd, "etc", O_RDONLY | O_DIRECTORY, 0,
						      BRIG_RESOLVE_NO_SYMLINKS, e);
	if (etcfd < 0)
		return brig_err_wrap(e, "--userns=keep-id: the container's /etc");
	char line[NAME_MAX_LEN + PATH_MAX + 64];
	(void)snprintf(line, sizeof(line), "%s:x:%u:%u::%s:/bin/sh", c->name, (unsigned)c->uid,
		       (unsigned)c->gid, c->home);
	if (add_pw && (r = add_line(etcfd, "passwd", passwd, line, !o->auto_remove, e)) < 0)
		return brig_err_wrap(e, "--userns=keep-id: /etc/passwd");
	(void)snprintf(line, sizeof(line), "%s:x:%u:", c->name, (unsigned)c->gid);
	if (add_gr && (r = add_line(etcfd, "group", group, line, !o->auto_remove, e)) < 0)
		return brig_err_wrap(e, "--userns=keep-id: /etc/group");
	return 0;
}

int eng_keepid_files(struct eng *g, const struct eng_create_opts *o, const json_t *layers,
		     int ctrfd, const char *cwd, char user[32], struct brig_err *e)
{
	struct caller c;
	caller_get(o, cwd, &c);
	(void)snprintf(user, 32, "%u:%u", (unsigned)c.uid, (unsigned)c.gid);
	_cleanup_close_ int layerfd = own_layer_open(ctrfd, e);
	if (layerfd < 0)
		return layerfd;
	int r = write_entries(g, o, layers, layerfd, &c, e);
	return r < 0 ? r : brig_steal_fd(layerfd);
}
