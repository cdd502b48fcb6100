/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/unit/testutil.h"
#include "helpers.h"

#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

static void die(const char *what)
{
	fprintf(stderr, "test setup: %s: %s\n", what, strerror(errno));
	abort();
}

void tb_create(struct tbundle *b)
{
	snprintf(b->dir, sizeof(b->dir), "/tmp/brig-mnt-XXXXXX");
	if (!mkdtemp(b->dir))
		die("mkdtemp");
	if (chmod(b->dir, 0755) < 0)
		die("chmod");
	snprintf(b->rootfs, sizeof(b->rootfs), "%s/rootfs", b->dir);
	tb_mkdir(b, "rootfs", 0755);
	tb_write(b, "rootfs/marker", "inside");
}

void tb_destroy(struct tbundle *b)
{
	struct brig_err e = { 0 };
	if (brig_rm_rf(AT_FDCWD, b->dir, &e) < 0)
		fprintf(stderr, "cleanup %s: %s\n", b->dir, brig_err_str(&e));
	brig_err_clear(&e);
}

static void tb_path(const struct tbundle *b, const char *rel, char *out)
{
	if (snprintf(out, PATH_MAX, "%s/%s", b->dir, rel) >= PATH_MAX)
		die("path too long");
}

void tb_mkdir(const struct tbundle *b, const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	tb_path(b, rel, p);
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		die(p);
	if (chmod(p, mode) < 0)
		die(p);
}

void tb_write(const struct tbundle *b, const char *rel, const char *content)
{
	char p[PATH_MAX];
	tb_path(b, rel, p);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || brig_write_all(fd, content, strlen(content)) < 0)
		die(p);
	close(fd);
}

void tb_symlink(const struct tbundle *b, const char *target, const char *rel)
{
	char p[PATH_MAX];
	tb_path(b, rel, p);
	if (symlink(target, p) < 0)
		die(p);
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (lchown(path, chown_uid, chown_gid) < 0)
		die(path);
	return 0;
}

void tb_chown_tree(const struct tbundle *b, uid_t uid, gid_t gid)
{
	chown_uid = uid;
	chown_gid = gid;
	if (nftw(b->dir, chown_one, 16, FTW_PHYS | FTW_MOUNT) < 0)
		die("nftw");
}

json_t *tb_json(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vasprintf");
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	if (!j) {
		fprintf(stderr, "bad test JSON: %s: %s\n", je.text, s);
		abort();
	}
	free(s);
	return j;
}

int ck_fail(char *msg, size_t len, int line, const char *fmt, ...)
{
	int n = snprintf(msg, len, "line %d: ", line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(msg + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return 1;
}

static void write_maps(pid_t pid, uid_t hostid)
{
	char path[64], map[64];
	snprintf(map, sizeof(map), "0 %u 65536\n", (unsigned)hostid);
	const char *files[] = { "uid_map", "gid_map" };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
			die(path);
		close(fd);
	}
}

static _Noreturn void child_main(tchild_fn fn, void *arg, int flags, tchild_fn pre_user, int out,
				 int ready, int go)
{
	char msg[1024] = "";
	int rc = 0;
	char c = 0;
	if (pre_user) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			rc = ck_fail(msg, sizeof(msg), __LINE__, "unshare: %s", strerror(errno));
		if (rc == 0)
			rc = pre_user(arg, msg, sizeof(msg));
	}
	if (rc == 0 && unshare(flags | CLONE_NEWNS) < 0)
		rc = ck_fail(msg, sizeof(msg), __LINE__, "unshare: %s", strerror(errno));
	if (flags & CLONE_NEWUSER) {
		if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
			_exit(99);
		if (rc == 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			rc = ck_fail(msg, sizeof(msg), __LINE__, "setresuid: %s", strerror(errno));
	}
	if (rc == 0)
		rc = fn(arg, msg, sizeof(msg));
	if (rc != 0 && write(out, msg, strlen(msg)) < 0)
		rc = 98;
	_exit(rc ? 1 : 0);
}

int run_child(tchild_fn fn, void *arg, int flags, uid_t hostid, tchild_fn pre_user, char *msg,
	      size_t len)
{
	int out[2], ready[2], go[2];
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		die("pipe");
	fflush(NULL);
	pid_t pid = test_fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		child_main(fn, arg, flags, pre_user, out[1], ready[1], go[0]);
	close(out[1]);
	close(ready[1]);
	close(go[0]);
	char c = 0;
	if (flags & CLONE_NEWUSER) {
		if (read(ready[0], &c, 1) == 1)
			write_maps(pid, hostid);
		if (write(go[1], &c, 1) != 1)
			die("write");
	}
	close(ready[0]);
	close(go[1]);
	ssize_t n = brig_read_all(out[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(out[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (!msg[0])
		snprintf(msg, len, "child failed (status 0x%x)", st);
	return -1;
}

static bool parse_mi(char *line, char **point, struct tmount *out)
{
	char *f[7] = { 0 };
	char *save = NULL, *t = strtok_r(line, " ", &save);
	int i = 0;
	for (; t && i < 6; t = strtok_r(NULL, " ", &save))
		f[i++] = t;
	if (i < 6)
		return false;
	out->optional[0] = '\0';
	for (; t && strcmp(t, "-") != 0; t = strtok_r(NULL, " ", &save)) {
		strncat(out->optional, t, sizeof(out->optional) - strlen(out->optional) - 2);
		strcat(out->optional, " ");
	}
	t = t ? strtok_r(NULL, " ", &save) : NULL;
	if (!t)
		return false;
	*point = f[4];
	snprintf(out->fstype, sizeof(out->fstype), "%s", t);
	snprintf(out->root, sizeof(out->root), "%s", f[3]);
	snprintf(out->opts, sizeof(out->opts), "%s", f[5]);
	return true;
}

/* The last matching line is the top mount. */
bool find_mount(const char *point, struct tmount *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		struct tmount m;
		char *p = NULL;
		if (parse_mi(line, &p, &m) && strcmp(p, point) == 0) {
			*out = m;
			found = true;
		}
	}
	fclose(f);
	return found;
}

bool any_mount_under(const char *prefix)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return true;
	char line[4096];
	bool found = false;
	size_t n = strlen(prefix);
	while (fgets(line, sizeof(line), f)) {
		struct tmount m;
		char *p = NULL;
		if (parse_mi(line, &p, &m) && strncmp(p, prefix, n) == 0 &&
		    (p[n] == '\0' || p[n] == '/'))
			found = true;
	}
	fclose(f);
	return found;
}

unsigned long vfs_flags(const char *path)
{
	struct statvfs sv;
	if (statvfs(path, &sv) < 0)
		return ~0UL;
	return sv.f_flag;
}
