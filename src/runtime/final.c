/* SPDX-License-Identifier: Apache-2.0 */
/* The last steps of a container process before execve. */
#include "runtime/final-internal.h"
#include "brig-mutant.h"
#include "runtime/seccomp/runtime-seccomp.h"
#include "runtime/sync-internal.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <termios.h>
#include <linux/mount.h>
#include <linux/magic.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int send_fd(int sock, int fd, const char *name)
{
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return BRIG_RETRY(sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 ? -errno : 0;
}

/* /dev/console is the pty too, as in runc; best effort: a read-only /dev
 * leaves it out.  Mounted on the opened fd so a planted symlink is not
 * followed. */
static void bind_console(int master, int slave)
{
	(void)slave;
	int n;
	char pts[64];
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return;
	(void)snprintf(pts, sizeof(pts), "/dev/pts/%d", n);
	_cleanup_close_ int target = BRIG_RETRY(
		open("/dev/console", O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600));
	if (target < 0)
		return;
	_cleanup_close_ int tree = (int)syscall(SYS_open_tree, AT_FDCWD, pts,
						OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return;
	if (syscall(SYS_move_mount, tree, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		brig_debug("binding /dev/console: %s", strerror(errno));
}

int rt_final_console(const struct rt_process *p, int console_sock, struct brig_err *e)
{
	_cleanup_close_ int master = BRIG_RETRY(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
	if (master < 0)
		return brig_err_sys(e, errno, "opening /dev/ptmx in the container");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return brig_err_sys(e, errno, "unlocking the pty");
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return brig_err_sys(e, errno, "opening the pty peer");
	if (p->console_h || p->console_w) {
		struct winsize ws = { .ws_row = p->console_h, .ws_col = p->console_w };
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return brig_err_sys(e, errno, "setting the console size");
	}
	bind_console(master, slave);
	int r = send_fd(console_sock, master, "/dev/ptmx");
	if (r < 0)
		return brig_err_sys(e, -r, "sending the pty to the console socket");
	if (setsid() < 0 && errno != EPERM)
		return brig_err_sys(e, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return brig_err_sys(e, errno, "making the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return brig_err_sys(e, errno, "dup2 of the pty");
	return 0;
}

static bool have_cap(int cap)
{
	_cleanup_free_ char *buf = NULL;
	if (brig_read_file(AT_FDCWD, "/proc/self/status", 65536, &buf, NULL, NULL) < 0)
		return false;
	const char *p = strstr(buf, "\nCapEff:");
	if (!p)
		return false;
	uint64_t v = strtoull(p + 8, NULL, 16);
	return v & (UINT64_C(1) << cap);
}

int rt_check_rlimits(const struct rt_process *p, const char *file, struct brig_err *e)
{
	bool can_raise = have_cap(24 /* CAP_SYS_RESOURCE */);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit cur;
		const struct rt_rlimit *rl = &p->rlimits[i];
		if (getrlimit(rl->resource, &cur) < 0)
			return brig_err_sys(e, errno, "getrlimit");
		if (!can_raise && cur.rlim_max != RLIM_INFINITY &&
		    (rl->hard == RLIM_INFINITY || rl->hard > cur.rlim_max))
			return brig_err_set(
				e, -EPERM,
				"%s: process.rlimits: cannot raise the hard limit of %s to %llu "
				"(it is %llu here): raising a hard limit needs CAP_SYS_RESOURCE",
				file, rt_rlimit_name(rl->resource), (unsigned long long)rl->hard,
				(unsigned long long)cur.rlim_max);
	}
	return 0;
}

static int set_rlimit(const struct rt_rlimit *l, struct brig_err *e)
{
	struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };
	if (setrlimit(l->resource, &rl) < 0)
		return brig_err_sys(e, errno, "setting %s to %llu:%llu",
				    rt_rlimit_name(l->resource), (unsigned long long)rl.rlim_cur,
				    (unsigned long long)rl.rlim_max);
	return 0;
}

/* RLIMIT_NOFILE waits for rt_final_exec: the setup still opens files (the
 * start connection), and a small limit (--ulimit nofile=5) would refuse
 * them. */
/* The kernel's struct sched_attr (sched_setattr(2)); glibc has no wrapper. */
struct rt_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

/* process.scheduler, every policy through sched_setattr: one call sets the
 * policy, nice, priority, flags and SCHED_DEADLINE's runtime/deadline/period. */
static int set_scheduler(const struct rt_process *p, struct brig_err *e)
{
	struct rt_sched_attr a = {
		.size = sizeof(a),
		.policy = (uint32_t)p->sched_policy,
		.flags = p->sched_flags,
		.nice = p->sched_nice,
		.priority = (uint32_t)p->sched_prio,
		.runtime = p->sched_runtime,
		.deadline = p->sched_deadline,
		.period = p->sched_period,
	};
	if (syscall(SYS_sched_setattr, 0, &a, 0) == 0)
		return 0;
	if (errno == EINVAL && p->sched_policy == 6)
		return brig_err_sys(e, errno,
				    "process.scheduler: SCHED_DEADLINE runtime %llu, "
				    "deadline %llu, period %llu ns refused by the kernel",
				    (unsigned long long)p->sched_runtime,
				    (unsigned long long)p->sched_deadline,
				    (unsigned long long)p->sched_period);
	return brig_err_sys(e, errno, "process.scheduler: setting the policy");
}

int rt_final_limits(const struct rt_process *p, struct brig_err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		if (p->rlimits[i].resource == RLIMIT_NOFILE)
			continue;
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft,
				     .rlim_max = p->rlimits[i].hard };
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return brig_err_sys(e, errno, "setting %s to %llu:%llu",
					    rt_rlimit_name(p->rlimits[i].resource),
					    (unsigned long long)rl.rlim_cur,
					    (unsigned long long)rl.rlim_max);
	}
	if (p->has_ioprio && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p->ioprio) < 0)
		return brig_err_sys(e, errno, "setting the io priority");
	return p->has_sched ? set_scheduler(p, e) : 0;
}

bool rt_lsm_active(const char *name)
{
	_cleanup_free_ char *buf = NULL;
	if (brig_read_file(AT_FDCWD, "/sys/kernel/security/lsm", 4096, &buf, NULL, NULL) < 0)
		return false;
	size_t n = strlen(name);
	for (char *p = buf; (p = strstr(p, name)) != NULL; p += n)
		if ((p == buf || p[-1] == ',') && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

/* Whether fd is on procfs (not something mounted over the container's
 * /proc or over a directory in it). */
static bool on_procfs(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == (unsigned long)PROC_SUPER_MAGIC;
}

/* Write value to attr_new (else attr_old) beneath self, the process's own
 * /proc/thread-self, each file checked to be procfs before it is written:
 * a container able to mount over its /proc must not get an unconfined
 * process from a label written into a file of its own. */
static int set_exec_label(int self, const char *attr_new, const char *attr_old, const char *value,
			  struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(self, attr_new, O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 && errno == ENOENT)
		fd = BRIG_RETRY(openat(self, attr_old, O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening /proc/thread-self/%s", attr_old);
	if (!on_procfs(fd)) {
		(void)close(fd);
		return brig_err_set(e, -EXDEV,
				    "/proc/thread-self/%s is not on procfs (something "
				    "is mounted over the container's /proc); refusing to set the "
				    "exec label there",
				    attr_old);
	}
	ssize_t n = BRIG_RETRY(write(fd, value, strlen(value)));
	int err = errno;
	(void)close(fd);
	if (n < 0)
		return brig_err_sys(e, err, "setting exec label \"%s\"", value);
	return 0;
}

static int apply_lsm(const struct rt_process *p, struct brig_err *e)
{
	if (!p->apparmor && !p->selinux)
		return 0;
	_cleanup_close_ int self = BRIG_RETRY(
		open("/proc/thread-self", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (self < 0)
		return brig_err_sys(e, errno, "opening /proc/thread-self to set the exec label");
	if (!on_procfs(self))
		return brig_err_set(e, -EXDEV,
				    "/proc/thread-self is not procfs (something is "
				    "mounted over the container's /proc); refusing to set the "
				    "exec label there");
	if (p->apparmor) {
		char buf[4200];
		if (brig_snprintf(buf, sizeof(buf), "exec %s", p->apparmor) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "apparmor profile name too long");
		int r = set_exec_label(self, "attr/apparmor/exec", "attr/exec", buf, e);
		if (r < 0)
			return r;
	}
	if (p->selinux)
		return set_exec_label(self, "attr/exec", "attr/exec", p->selinux, e);
	return 0;
}

static int load_seccomp(const struct rt_seccomp *sc, int sync_fd, struct brig_err *e)
{
#ifdef BRIG_MUTANT_NO_SECCOMP
	return 0; /* mutant build (make mutants): no seccomp filter */
#endif
	int nfd = -1;
	rt_trace("identity");
	int r = rt_seccomp_install(sc, &nfd, e);
	if (r < 0)
		return r;
	rt_trace("seccomp");
	if (nfd >= 0) {
		r = rt_sync_send(sync_fd, RT_MSG_SECCOMP_FD, 0, NULL, nfd);
		(void)close(nfd);
		if (r < 0)
			return brig_err_sys(e, -r, "sending the seccomp listener to the runtime");
	}
	return 0;
}

/* Whether the process gets no_new_privs. */
static bool want_nnp(const struct rt_process *p)
{
#ifdef BRIG_MUTANT_NO_NNP
	(void)p;
	return false; /* mutant build (make mutants): never no_new_privs */
#else
	return p->no_new_privs;
#endif
}

int rt_final_identity(const struct rt_process *p, const struct rt_seccomp *sc, int sync_fd,
		      struct brig_err *e)
{
	int r;
	if ((r = apply_lsm(p, e)) < 0)
		return r;
	if (sc && !want_nnp(p) && (r = load_seccomp(sc, sync_fd, e)) < 0)
		return r;
	/* Missing or empty process.capabilities means no capabilities at
	 * all (bounding set included), as runc: p->caps is zero then. */
	if ((r = rt_caps_drop_bounding(&p->caps, e)) < 0)
		return r;
	if (setgroups(p->n_groups, p->groups) < 0 && !(errno == EPERM && p->n_groups == 0))
		return brig_err_sys(e, errno, "setting additional groups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return brig_err_sys(e, errno, "setting gid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return brig_err_sys(e, errno, "setting uid %u", p->uid);
	if ((r = rt_caps_apply(&p->caps, e)) < 0)
		return r;
	if (p->has_umask)
		(void)umask(p->umask);
	if (want_nnp(p) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return brig_err_sys(e, errno, "setting no_new_privs");
	return 0;
}

int rt_final_seccomp(const struct rt_process *p, const struct rt_seccomp *sc, int sync_fd,
		     struct brig_err *e)
{
	/* Without no_new_privs the filter went in with the privileges, in
	 * rt_final_identity; with it, as late as possible. */
	if (!sc || !want_nnp(p))
		return 0;
	return load_seccomp(sc, sync_fd, e);
}

int rt_final_cwd(const struct rt_process *p, bool early, struct brig_err *e)
{
	if (chdir(p->cwd) < 0) {
		/* As root, a directory only the process's user may enter is
		 * tried again after the switch (runc does the same). */
		if (early && errno == EACCES)
			return 1;
		return brig_err_sys(e, errno, "process.cwd %s", p->cwd);
	}
	/* A cwd outside our root (a leaked fd, CVE-2024-21626) shows up as
	 * "(unreachable)" from getcwd: refuse it.  Done before the seccomp
	 * filter is in place when possible, which may deny getcwd. */
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return brig_err_set(e, -EPERM, "process.cwd %s is outside the container", p->cwd);
	return 0;
}

static const char *env_get(char **env, const char *key);

/* The home directory of uid in the container's /etc/passwd, or "/". */
static void passwd_home(uint32_t uid, char *out, size_t size)
{
	snprintf(out, size, "/");
	_cleanup_close_ int root = BRIG_RETRY(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (root < 0)
		return;
	/* Never blocks on a FIFO; only a regular file is read (bounded). */
	_cleanup_close_ int fd = brig_open_regular_in_root(root, "/etc/passwd", NULL);
	_cleanup_free_ char *buf = NULL;
	if (fd < 0 || brig_read_fd(fd, "/etc/passwd", 4u << 20, &buf, NULL, NULL) < 0)
		return;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = { 0 };
		size_t n = 0;
		for (char *p = line; n < 7; n++) {
			f[n] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		uint64_t v;
		if (n >= 5 && f[2] && f[5] && brig_parse_u64(f[2], &v) == 0 && v == uid &&
		    f[5][0] == '/') {
			snprintf(out, size, "%s", f[5]);
			return;
		}
	}
}

int rt_final_home(struct rt_process *p, struct brig_err *e)
{
	if (env_get(p->env, "HOME"))
		return 0;
	char home[PATH_MAX], *kv = NULL;
	passwd_home(p->uid, home, sizeof(home));
	size_t n = brig_strv_len(p->env);
	char **env = malloc((n + 2) * sizeof(char *));
	if (!env || asprintf(&kv, "HOME=%s", home) < 0) {
		free(env);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	memcpy(env, p->env, n * sizeof(char *));
	env[n] = kv;
	env[n + 1] = NULL;
	p->env = env; /* the old vector's strings are shared; it is not freed */
	return 0;
}

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);
	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static bool is_exec_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int rt_find_exec(const struct rt_process *p, char out[PATH_MAX], struct brig_err *e)
{
	const char *name = p->args[0];
	if (strchr(name, '/')) {
		if (brig_snprintf(out, PATH_MAX, "%s", name) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "exec: \"%s\": name too long", name);
		if (!is_exec_file(out))
			return brig_err_sys(e, errno ? errno : EACCES, "exec: \"%s\"", name);
		return 0;
	}
	const char *path = env_get(p->env, "PATH");
	if (!path)
		path = BRIG_DEFAULT_PATH;
	while (*path) {
		size_t n = strcspn(path, ":");
		if (brig_snprintf(out, PATH_MAX, "%.*s%s%s", (int)n, path, n ? "/" : "", name) >=
			    0 &&
		    is_exec_file(out))
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return brig_err_set(e, -ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

/* The container's process starts with every signal at its default and
 * none blocked, whatever the process that made the container had set (an
 * ignored SIGPIPE or a blocked SIGTERM would otherwise be inherited). */
static int reset_signals(struct brig_err *e)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL); /* EINVAL for glibc's own */
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return brig_err_sys(e, errno, "sigprocmask");
	return 0;
}

int rt_final_exec(const struct rt_process *p, const char *path, unsigned preserve,
		  struct brig_err *e)
{
	int r = reset_signals(e);
	if (r < 0)
		return r;
#ifdef BRIG_MUTANT_NO_FD_SWEEP
	(void)preserve; /* mutant build (make mutants): no fd sweep */
#else
	r = brig_cloexec_from(3 + (int)preserve);
	if (r < 0)
		return brig_err_sys(e, -r, "closing inherited file descriptors");
#endif
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (p->rlimits[i].resource == RLIMIT_NOFILE &&
		    (r = set_rlimit(&p->rlimits[i], e)) < 0)
			return r;
	rt_trace("exec");
	execve(path, p->args, p->env);
	return brig_err_sys(e, errno, "exec: \"%s\"", p->args[0]);
}
