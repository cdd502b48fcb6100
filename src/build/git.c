/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the build context's git checkout says (docs/build.md): the commit
 * (org.opencontainers.image.revision), the origin remote's URL without
 * credentials (.source), and the time of the newest commit touching the
 * context (the build's default time when neither --timestamp nor
 * SOURCE_DATE_EPOCH is given).  git itself answers, run without a shell,
 * with an environment of our own (no system or global config, no pager,
 * no prompt, no optional locks) and the repository's fsmonitor and hooks
 * turned off; git refuses a repository another user owns, and then the
 * context simply has no git information.
 */
#include "build/build-internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GIT_OUT_MAX 4096

static const char *git_path(void)
{
	static const char *const paths[] = { "/usr/bin/git", "/usr/local/bin/git", "/bin/git" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static void git_child(const char *git, char **argv, int out, int null)
{
	static char *const envp[] = { "PATH=/usr/bin:/bin",
				      "HOME=/nonexistent",
				      "GIT_CONFIG_NOSYSTEM=1",
				      "GIT_CONFIG_GLOBAL=/dev/null",
				      "GIT_TERMINAL_PROMPT=0",
				      "GIT_OPTIONAL_LOCKS=0",
				      "LC_ALL=C",
				      NULL };
	int b = fcntl(out, F_DUPFD, 3), c = fcntl(null, F_DUPFD, 3);
	if (b < 0 || c < 0 || dup2(c, 0) < 0 || dup2(b, 1) < 0 || dup2(c, 2) < 0)
		_exit(127);
	(void)brig_cloexec_from(3);
	execve(git, argv, envp);
	_exit(127);
}

/* git -C dir ARGS...: its first line of output in out (0), or -ENOENT when
 * it fails or says nothing. */
static int git_line(const char *dir, const char *const *args, char *out, size_t size)
{
	const char *git = git_path();
	char *argv[16] = { (char *)"git", (char *)"-C",
			   (char *)dir,   (char *)"--no-pager",
			   (char *)"-c",  (char *)"core.fsmonitor=false",
			   (char *)"-c",  (char *)"core.hooksPath=/dev/null" };
	size_t n = 8;
	for (size_t i = 0; args[i] && n < BRIG_ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	int p[2];
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!git || null < 0 || pipe2(p, O_CLOEXEC) < 0)
		return -ENOENT;
	pid_t pid = fork();
	if (pid == 0)
		git_child(git, argv, p[1], null);
	close(p[1]);
	ssize_t len = pid < 0 ? -1 : brig_read_all(p[0], out, size - 1);
	close(p[0]);
	int status = 0;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (pid < 0 || len <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ENOENT;
	out[len] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] ? 0 : -ENOENT;
}

/* scheme://user:password@host/... loses its user information. */
static void strip_credentials(char *url)
{
	char *s = strstr(url, "://");
	if (!s)
		return;
	s += 3;
	char *at = strchr(s, '@'), *slash = strchr(s, '/');
	if (at && (!slash || at < slash))
		memmove(s, at + 1, strlen(at + 1) + 1);
}

/* 1 when dir holds name, 0 when not, -1 when it cannot tell. */
static int has(int dir, const char *name)
{
	if (faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/* Whether git could find a repository from the context: a ".git" in it or
 * in a directory above on the same file system (git's own search, which
 * our environment for it does not widen), or a directory that is one
 * (HEAD, objects, refs).  Spares a build outside any checkout two
 * processes; true when unsure (git then answers). */
static bool maybe_git(const char *context)
{
	int fd = open(context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat top, cur, up;
	bool maybe = true;
	if (fd < 0 || fstat(fd, &top) < 0)
		goto out;
	cur = top;
	for (int depth = 0; depth < PATH_MAX / 2; depth++) {
		int g = has(fd, ".git"), h = has(fd, "HEAD"), o = has(fd, "objects"),
		    r = has(fd, "refs");
		if (g != 0 || h < 0 || o < 0 || r < 0 || (h && o && r))
			goto out; /* found, or cannot tell */
		int parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		(void)close(fd);
		fd = parent;
		if (fd < 0 || fstat(fd, &up) < 0)
			goto out;
		if (up.st_dev != top.st_dev ||
		    (up.st_ino == cur.st_ino && up.st_dev == cur.st_dev)) {
			maybe = false; /* a mount point, or / itself: git stops there */
			goto out;
		}
		cur = up;
	}
out:
	if (fd >= 0)
		(void)close(fd);
	return maybe;
}

void bld_git_info(const char *context, struct bld_git *g)
{
	char buf[GIT_OUT_MAX];
	*g = (struct bld_git){ .time = -1 };
	if (!maybe_git(context))
		return;
	if (git_line(context, (const char *[]){ "rev-parse", "HEAD", NULL }, buf, sizeof(buf)) ==
		    0 &&
	    strlen(buf) < sizeof(g->revision) && strspn(buf, "0123456789abcdef") == strlen(buf))
		memcpy(g->revision, buf, strlen(buf) + 1);
	if (!g->revision[0])
		return;
	const char *log[] = { "log", "-1", "--format=%ct", "--", ".", NULL };
	int64_t t;
	if (git_line(context, log, buf, sizeof(buf)) == 0 && brig_parse_i64(buf, &t) == 0 &&
	    t >= 0 && t <= 253402300799LL)
		g->time = t;
	const char *remote[] = { "config", "--get", "remote.origin.url", NULL };
	if (git_line(context, remote, buf, sizeof(buf)) == 0) {
		strip_credentials(buf);
		if (brig_snprintf(g->source, sizeof(g->source), "%s", buf) < 0)
			g->source[0] = '\0'; /* too long to be a label worth having */
	}
}
