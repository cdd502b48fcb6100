/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pasta (Debian's passt package) for a --network pasta container: started
 * once the runtime has made the container (its init waits to be started),
 * it configures the container's network namespace (an interface with the
 * host's addresses and routes) and forwards the published ports from their
 * chosen address; it ends with the container.  How pasta is handed the
 * namespace, and so how it is ended, is decided in one place (by_pid):
 *
 *   root      the namespace is bound at RUN/netns/HASH/ID and pasta is
 *             given that path; pasta exits by itself once the file is
 *             removed.
 *   rootless  a user can neither bind a mount in the host's mount
 *             namespace nor open /proc/PID/ns/net of the container's init
 *             before it executes (it is not dumpable until then).  So the
 *             network namespace is made beforehand, in the container's
 *             user namespace, by a helper process (rt_netns_make); the
 *             runtime joins it, and pasta inherits both namespaces' fds
 *             (--netns /proc/self/fd/N --userns /proc/self/fd/M) and writes
 *             its pid at RUN/netns/HASH/ID (--pid).  Such a pasta would
 *             outlive the container (it holds the namespace), so it is
 *             ended by that pid, once its arguments say it is that pasta.
 *
 * eng_netns_release does either when the container ends or is removed
 * (and before a start, for what a killed monitor left), so no pasta
 * outlives its container.
 */
#include "engine/engine-internal.h"
#include "engine/netcfg/net-internal.h"
#include "engine/net/net.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The one place that decides: the namespace bound at a file (root), or
 * the namespaces by pid and pasta ended by its pid (rootless). */
static bool by_pid(void)
{
	return eng_rootless();
}

/* RUN/netns/HASH/ID beside the runtime's RUN/HASH. */
static int netns_path(struct eng *g, const char *id, char *dir, size_t dsize, char *file,
		      size_t fsize)
{
	const char *slash = strrchr(g->rt_root, '/');
	if (!slash)
		return -EINVAL;
	if (brig_snprintf(dir, dsize, "%.*s/netns%s", (int)(slash - g->rt_root), g->rt_root,
			  slash) < 0 ||
	    brig_snprintf(file, fsize, "%s/%s", dir, id) < 0)
		return -ENAMETOOLONG;
	return 0;
}

/* The pid pasta wrote at file, or 0. */
static pid_t pid_file_read(const char *file)
{
	char buf[32];
	int fd = BRIG_RETRY(open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return 0;
	ssize_t n = brig_read_all(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	int64_t v;
	return brig_parse_i64(buf, &v) == 0 && v > 1 && v <= INT_MAX ? (pid_t)v : 0;
}

/* Whether pid is the pasta that was given file: its arguments begin
 * "pasta --pid FILE" (pasta_argv puts them first). */
static bool is_our_pasta(pid_t pid, const char *file)
{
	static const char head[] = "pasta\0--pid"; /* with its NUL */
	char path[64], buf[sizeof(head) + PATH_MAX + 1];
	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = BRIG_RETRY(open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return false;
	ssize_t n = brig_read_all(fd, buf, sizeof(buf));
	(void)close(fd);
	size_t flen = strlen(file) + 1;
	return n >= 0 && (size_t)n >= sizeof(head) + flen && memcmp(buf, head, sizeof(head)) == 0 &&
		memcmp(buf + sizeof(head), file, flen) == 0;
}

/* Rootless: end the pasta whose pid is at file (SIGTERM, then SIGKILL),
 * and wait until it is gone: its ports are free when this returns. */
static void pasta_stop(const char *id, const char *file)
{
	pid_t pid = pid_file_read(file);
	if (pid <= 0)
		return;
	/* Pinned first, then checked: a pid reused meanwhile fails the check. */
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || !is_our_pasta(pid, file))
		return; /* gone already */
	int sig = SIGTERM;
	for (int i = 0; i < 2; i++, sig = SIGKILL) {
		if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
			if (errno != ESRCH)
				brig_warn("container %.12s: ending its pasta (pid %d): %s", id,
					  (int)pid, strerror(errno));
			return;
		}
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r;
		while ((r = poll(&p, 1, 2000)) < 0 && errno == EINTR)
			;
		if (r != 0)
			return; /* it has exited (or poll failed: nothing more to do) */
	}
	brig_warn("container %.12s: its pasta (pid %d) did not end", id, (int)pid);
}

void eng_netns_release(struct eng *g, const char *id)
{
	char dir[PATH_MAX], file[PATH_MAX];
	eng_net_unpublish(g, id); /* a bridge network's published ports */
	if (netns_path(g, id, dir, sizeof(dir), file, sizeof(file)) < 0)
		return;
	if (by_pid())
		pasta_stop(id, file);
	else if (umount2(file, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		 errno != ENOENT)
		brig_warn("container %.12s: unmounting %s: %s", id, file, strerror(errno));
	if (unlink(file) < 0 && errno != ENOENT)
		brig_warn("container %.12s: removing %s: %s", id, file, strerror(errno));
	(void)rmdir(dir); /* the last one of this store */
}

/* RUN/netns (0711) and RUN/netns/HASH (0700). */
static int netns_dir(const char *dir, struct brig_err *e)
{
	char dirs[PATH_MAX];
	(void)snprintf(dirs, sizeof(dirs), "%s", dir);
	char *last = strrchr(dirs, '/');
	if (last) {
		*last = '\0';
		if (mkdir(dirs, 0711) < 0 && errno != EEXIST)
			return brig_err_sys(e, errno, "creating %s", dirs);
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", dir);
	return 0;
}

/* Bind /proc/PID/ns/net at file (made 0600 in dir). */
static int bind_netns(const char *dir, const char *file, pid_t pid, struct brig_err *e)
{
	int r = netns_dir(dir, e);
	if (r < 0)
		return r;
	int fd = BRIG_RETRY(open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "creating %s", file);
	(void)close(fd);
	char src[64];
	(void)snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
	if (mount(src, file, NULL, MS_BIND, NULL) < 0) {
		int err = errno;
		(void)unlink(file);
		return brig_err_sys(e, err, "binding the network namespace at %s", file);
	}
	return 0;
}

/* What pasta is given: the network namespace's path; rootless also the
 * user namespace's and the pid file's (NULL for root). */
struct pasta_ns {
	const char *netns, *userns, *pidfile;
};

/* pasta's arguments: the namespaces, no ports but those published (-t/-u,
 * each from its address), none forwarded from the namespace to the host
 * (-T/-U).  The pid file first: pasta_stop knows its pasta by it. */
static int pasta_argv(const struct pasta_ns *ns, const char *ports, char **argv, size_t max,
		      char *buf, size_t bsize, struct brig_err *e)
{
	size_t n = 0;
	argv[n++] = "pasta";
	if (ns->pidfile) {
		argv[n++] = "--pid";
		argv[n++] = (char *)ns->pidfile;
	}
	static const char *const head[] = { "--quiet", "--runas", "0:0",  "--config-net", "-T",
					    "none",    "-U",      "none", "--netns" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(head); i++)
		if (!eng_rootless() || (i != 1 && i != 2)) /* rootless: we are who we are */
			argv[n++] = (char *)head[i];
	argv[n++] = (char *)ns->netns;
	if (ns->userns) {
		argv[n++] = "--userns";
		argv[n++] = (char *)ns->userns;
	}
	if (brig_snprintf(buf, bsize, "%s", ports) < 0)
		return brig_err_set(e, -E2BIG, "too many published ports for pasta");
	bool tcp = false, udp = false;
	char *save = NULL;
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n + 3 >= max || (w[0] != 't' && w[0] != 'u') || w[1] != ':' ||
		    strspn(w + 2, "0123456789abcdefABCDEF.:/") != strlen(w + 2))
			return brig_err_set(e, -EINVAL, "the container's pasta ports: \"%.64s\"",
					    w);
		argv[n++] = w[0] == 't' ? "-t" : "-u";
		argv[n++] = w + 2;
		tcp |= w[0] == 't';
		udp |= w[0] == 'u';
	}
	if (!tcp) {
		argv[n++] = "-t";
		argv[n++] = "none";
	}
	if (!udp) {
		argv[n++] = "-u";
		argv[n++] = "none";
	}
	argv[n] = NULL;
	return 0;
}

/* The child: pasta with only 0-2 (stderr the pipe) and keep[2] (the
 * namespaces it is given, or -1), signals at their defaults. */
static _Noreturn void exec_pasta(char **argv, int errw, const int keep[2])
{
	sigset_t none;
	sigemptyset(&none);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC); /* dup2 clears it on 0, 1 */
	/* pasta keeps what it inherits for as long as it runs: only 0-2. */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errw, 2) < 0 ||
	    sigprocmask(SIG_SETMASK, &none, NULL) < 0 || brig_cloexec_from(3) < 0)
		_exit(126);
	for (int i = 0; i < 2; i++)
		if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) < 0)
			_exit(126);
	/* Ignored signals stay ignored across exec, and pasta (2023-03)
	 * takes an ignored SIGPIPE for a failure of its own setup. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	execvp("pasta", argv);
	dprintf(2, "cannot run pasta: %s (Debian's passt package)\n", strerror(errno));
	_exit(127);
}

/* Run pasta; it forks into the background once the namespace is set up
 * (and its pid written), so its first process's exit says whether it
 * worked. */
static int run_pasta(char **argv, const int keep[2], struct brig_err *e)
{
	int errp[2];
	if (pipe2(errp, O_CLOEXEC | O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		(void)close(errp[0]);
		(void)close(errp[1]);
		return brig_err_sys(e, err, "fork");
	}
	if (pid == 0)
		exec_pasta(argv, errp[1], keep);
	(void)close(errp[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	char msg[512] = "";
	ssize_t n = read(errp[0], msg, sizeof(msg) - 1);
	(void)close(errp[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	char *nl = strrchr(msg, '\n');
	while (nl && nl[1] == '\0' && nl > msg) { /* the last line that says something */
		*nl = '\0';
		nl = strrchr(msg, '\n');
	}
	return brig_err_set(e, -EIO, "--network pasta: pasta failed: %s",
			    msg[0] ? (nl ? nl + 1 : msg) : "no message");
}

/* Rootless: pasta opens /dev/net/tun as the user, inside the container's
 * namespaces; many hosts (this project's too) keep it 0600 root's.  Say
 * that rather than pasta's "Failed to open tun socket". */
static int tun_check(struct brig_err *e)
{
	if (access("/dev/net/tun", R_OK | W_OK) == 0)
		return 0;
	return brig_err_sys(e, errno,
			    "--network pasta rootless: pasta cannot open /dev/net/tun as uid %u "
			    "(on most hosts it is mode 0666)",
			    (unsigned)getuid());
}

int eng_net_pasta_prepare(struct eng_pasta_arg *a, json_t *spec, const struct eng_userns *u,
			  int *usfd, struct brig_err *e)
{
	a->netns_fd = a->userns_fd = -1;
	if (!by_pid())
		return 0;
	int r = tun_check(e);
	if (r < 0)
		return r;
	if (*usfd < 0) { /* the copy driver's: the runtime would make it */
		if (!u->enabled || !u->own_root)
			return brig_err_set(
				e, -EINVAL,
				"--network pasta rootless needs the container's own user "
				"namespace (not --userns=host)");
		int fd = eng_userns_open(u, e);
		if (fd < 0)
			return fd;
		*usfd = fd; /* the caller's to close */
		if ((r = eng_userns_spec_join(spec, fd, e)) < 0)
			return r;
	}
	int fd = rt_netns_make(*usfd, e);
	if (fd < 0)
		return brig_err_wrap(e, "--network pasta: the container's network namespace");
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((r = eng_net_spec_join(spec, path, e)) < 0) {
		(void)close(fd);
		return r;
	}
	a->netns_fd = fd;
	a->userns_fd = *usfd;
	return 0;
}

int eng_net_pasta_created(void *arg, pid_t pid, struct brig_err *e)
{
	const struct eng_pasta_arg *a = arg;
	const char *ports = json_string_value(
		json_object_get(json_object_get(a->spec, "annotations"), ENG_ANN_NET_PASTA));
	char dir[PATH_MAX], file[PATH_MAX], buf[32768], netns[64], userns[64];
	char *argv[1024];
	if (netns_path(a->g, a->id, dir, sizeof(dir), file, sizeof(file)) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "runtime path too long");
	bool handoff = by_pid();
	if (handoff && (a->netns_fd < 0 || a->userns_fd < 0))
		return brig_err_set(e, -EINVAL, "--network pasta: no network namespace prepared");
	(void)snprintf(netns, sizeof(netns), "/proc/self/fd/%d", a->netns_fd);
	(void)snprintf(userns, sizeof(userns), "/proc/self/fd/%d", a->userns_fd);
	struct pasta_ns ns = handoff ? (struct pasta_ns){ netns, userns, file }
				     : (struct pasta_ns){ file, NULL, NULL };
	int r = pasta_argv(&ns, ports ? ports : "", argv, BRIG_ARRAY_SIZE(argv), buf, sizeof(buf),
			   e);
	if (r == 0)
		r = handoff ? netns_dir(dir, e) : bind_netns(dir, file, pid, e);
	if (r < 0)
		return r;
	const int keep[2] = { a->netns_fd, a->userns_fd };
	if ((r = run_pasta(argv, keep, e)) < 0)
		eng_netns_release(a->g, a->id);
	return r;
}
