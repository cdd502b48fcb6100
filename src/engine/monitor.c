/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor: the process that makes the container (through the runtime
 * library, so the container's init is its child), copies the container's
 * stdout and stderr to ctr.log (and, in the foreground, to its own), waits
 * for the end, writes the exit down and removes the runtime's state.  For
 * `brig run -d` and `brig start` it is a small background process of its
 * own (double-forked, in its own session, holding no terminal); for a
 * foreground `brig run` it is the brig process itself.
 *
 * For its whole life it holds the OFD lock on monitor.lock: that is what
 * "running" means to every other command.
 */
#include "engine/engine-internal.h"
#include "engine/monitor-internal.h"
#include "engine/learn-internal.h"
#include "engine/attach-internal.h"
#include "engine/health-internal.h"
#include "engine/config/engine-config.h"
#include "engine/logs/logs.h"
#include "engine/netcfg/net-internal.h"
#include "engine/net/net.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

void eng_mon_free(struct eng_mon *m)
{
	eng_attach_free(m->att);
	m->att = NULL;
	int *fds[] = { &m->dirfd, &m->lockfd, &m->rootfs_fd, &m->userns_fd, &m->out_r,
		       &m->err_r, &m->pidfd,  &m->sigfd,     &m->learn_done };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			(void)close(*fds[i]);
			*fds[i] = -1;
		}
	eng_logw_close(m->log);
	m->log = NULL;
	eng_record_clear(&m->rec);
}

static int dup_cloexec(int fd, struct brig_err *e)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return r < 0 ? brig_err_sys(e, errno, "dup") : r;
}

/* stdio of the container: fds 0-2 of this process while the runtime
 * clones the init; ours are put back afterwards. */
struct stdio_swap {
	int saved[3];
	int child[3];
};

static int swap_in(struct stdio_swap *s, struct brig_err *e)
{
	for (int i = 0; i < 3; i++)
		if ((s->saved[i] = dup_cloexec(i, e)) < 0)
			return s->saved[i];
	for (int i = 0; i < 3; i++)
		if (s->child[i] != i && dup2(s->child[i], i) < 0)
			return brig_err_sys(e, errno, "dup2");
	return 0;
}

static void swap_out(struct stdio_swap *s)
{
	for (int i = 0; i < 3; i++)
		if (s->saved[i] >= 0) {
			(void)dup2(s->saved[i], i);
			(void)close(s->saved[i]);
			s->saved[i] = -1;
		}
}

static int open_null(struct brig_err *e)
{
	int fd = BRIG_RETRY(open("/dev/null", O_RDWR | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening /dev/null") : fd;
}

static int make_pipes(struct eng_mon *m, int out[2], int err[2], struct brig_err *e)
{
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	m->out_r = out[0];
	m->err_r = err[0];
	return 0;
}

struct plug {
	struct eng *g;
	const char *id;
	struct eng_pasta_arg *pasta; /* --network pasta, else NULL */
	const struct eng_record *rec;
};

/* The runtime made the container's namespaces: its network now (pasta, or
 * the veths of its bridge networks), and its healthcheck runner. */
static int plug_networks(void *arg, pid_t pid, struct brig_err *e)
{
	const struct plug *p = arg;
	int r = p->pasta ? eng_net_pasta_created(p->pasta, pid, e)
			 : eng_net_attach(p->g, p->id, pid, e);
	if (r == 0)
		eng_health_spawn(p->g, p->rec, pid);
	return r;
}

/* In the background with -i or -t: the stdin (a pipe) or the terminal
 * stays with the monitor, for brig attach (attach.c). */
static int create_attachable(struct eng *g, struct eng_mon *m, struct rt_create_opts *o, int null,
			     struct brig_err *e)
{
	int in = null, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int r = eng_attach_stdio(m->att, &o->console_socket, &in, e);
	if (r == 0 && !m->rec.tty)
		r = make_pipes(m, out, err, e);
	if (r < 0) {
		if (out[1] >= 0)
			(void)close(out[1]);
		return r;
	}
	struct stdio_swap s = { .saved = { -1, -1, -1 },
				.child = { in, m->rec.tty ? null : out[1],
					   m->rec.tty ? null : err[1] } };
	r = swap_in(&s, e);
	if (r == 0)
		r = rt_create(&g->rt, o, e);
	swap_out(&s);
	if (out[1] >= 0)
		(void)close(out[1]);
	if (err[1] >= 0)
		(void)close(err[1]);
	if (r == 0)
		r = eng_attach_created(m->att, m->rec.tty ? &m->out_r : NULL, e);
	return r;
}

static int create_in(struct eng *g, struct eng_mon *m, struct eng_binds *bp, struct brig_err *e);

static int create_container(struct eng *g, struct eng_mon *m, struct brig_err *e)
{
	/* Its bind sources, opened and checked now: the runtime mounts
	 * what was checked (binds.c). */
	_cleanup_(eng_binds_close) struct eng_binds b = { 0 };
	struct eng_learn l = ENG_LEARN_INIT;
	int r = eng_binds_open(&m->rec, &b, e);
	/* Rootless: the container joins the user namespace its overlay was
	 * made in, which has its mapping already (no newuidmap again). */
	if (r == 0 && m->userns_fd >= 0)
		r = eng_userns_spec_join(b.spec, m->userns_fd, e);
	if (r < 0 || (r = eng_learn_begin(m->dirfd, b.spec, &l, e)) < 0)
		return r;
	r = create_in(g, m, &b, e);
	eng_learn_end(&l, &m->learn_done);
	return r;
}

static int create_run(struct eng *g, struct eng_mon *m, const struct eng_binds *bp,
		      struct plug *plug, struct brig_err *e);

static int create_in(struct eng *g, struct eng_mon *m, struct eng_binds *bp, struct brig_err *e)
{
	bool pasta = false;
	int r = eng_net_start(g, m->id, bp->spec, &pasta, e);
	if (r < 0)
		return r;
	struct eng_pasta_arg pa = {
		.g = g, .id = m->id, .spec = bp->spec, .netns_fd = -1, .userns_fd = -1
	};
	if (pasta &&
	    (r = eng_net_pasta_prepare(&pa, bp->spec, &m->rec.userns, &m->userns_fd, e)) < 0)
		return r;
	struct plug plug = { g, m->id, pasta ? &pa : NULL, &m->rec };
	r = create_run(g, m, bp, &plug, e);
	if (pa.netns_fd >= 0) /* the container and pasta hold the namespace now */
		(void)close(pa.netns_fd);
	return r;
}

static int create_run(struct eng *g, struct eng_mon *m, const struct eng_binds *bp,
		      struct plug *plug, struct brig_err *e)
{
	struct eng_binds b = *bp;
	int r;
	struct rt_create_opts o = {
		.id = m->id,
		.bundle = eng_root(g),
		.start = true,
		.foreground = m->tty,
		/* with -t: the terminal is relayed by a confined child (fg_relay.c) */
		.master_out = m->tty ? &m->out_r : NULL,
		.keep = false,
		.config = b.spec,
		.config_name = "the container's OCI config",
		.rootfs_mount_fd = m->rootfs_fd,
		.pid_out = &m->pid,
		/* A container whose monitor was killed must not hold its lock. */
		.close_in_child = &m->lockfd,
		.n_close_in_child = 1,
		.created = plug_networks,
		.created_arg = plug,
	};
	/* A container left by a monitor that was killed. */
	_cleanup_err_ struct brig_err e2 = { 0 };
	(void)rt_delete(&g->rt, m->id, true, &e2);
	_cleanup_close_ int null = open_null(e);
	if (null < 0)
		return null;
	if (m->tty) {
		/* The runtime hands the terminal's master over (m->out_r), for
		 * the relay (fg_relay.c); none of brig's stdio reaches the
		 * container, whose stdio is the terminal. */
		struct stdio_swap s = { .saved = { -1, -1, -1 }, .child = { null, 1, 2 } };
		r = swap_in(&s, e);
		if (r == 0)
			r = rt_create(&g->rt, &o, e);
		swap_out(&s);
		return r;
	}
	if (m->att)
		return create_attachable(g, m, &o, null, e);
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	r = make_pipes(m, out, err, e);
	if (r < 0) {
		if (out[1] >= 0)
			(void)close(out[1]);
		return r;
	}
	struct stdio_swap s = { .saved = { -1, -1, -1 },
				.child = { m->interactive ? 0 : null, out[1], err[1] } };
	r = swap_in(&s, e);
	if (r == 0)
		r = rt_create(&g->rt, &o, e);
	swap_out(&s);
	(void)close(out[1]);
	(void)close(err[1]);
	return r;
}

/* HostConfig.LogConfig.Config: --log-opt max-size and max-file, as
 * recorded when the container was made. */
void eng_log_limits(const struct eng_record *rec, uint64_t *max_size, unsigned *max_files)
{
	int64_t size = rec->log_max_size, files = rec->log_max_files;
	*max_size = size > 0 ? (uint64_t)size : ENG_LOG_DEFAULT_MAX_SIZE;
	*max_files = files > 0 && files <= ENG_LOG_MAX_FILES ? (unsigned)files
							     : ENG_LOG_DEFAULT_MAX_FILES;
}

/* The container's root for the runtime into m->rootfs_fd: a detached
 * mount, or (rootless, copy) -1: the runtime binds root.path itself. */
static int root_mount(struct eng *g, struct eng_mon *m, struct brig_err *e)
{
	int fd = eng_rootfs_mount_ns(g, m->dirfd, &m->rec, &m->userns_fd, e);
	if (fd < 0)
		return fd;
	if (eng_rootless() && m->rec.driver && strcmp(m->rec.driver, "copy") == 0) {
		(void)close(fd);
		fd = -1;
	}
	m->rootfs_fd = fd;
	return 0;
}

static int relay_output(struct eng_mon *m, struct brig_err *e);

int eng_mon_begin(struct eng *g, const char *id, struct eng_mon *m, struct brig_err *e)
{
	int r;
	if ((m->dirfd = eng_ctr_open(g, id, e)) < 0)
		return m->dirfd;
	memcpy(m->id, id, ENG_ID_LEN + 1);
	if ((m->lockfd = eng_monitor_lock(m->dirfd, e)) < 0)
		return m->lockfd;
	if ((r = eng_record_load(m->dirfd, id, &m->rec, e)) < 0)
		return r;
	m->tty = m->rec.tty && m->attach;
	m->interactive = m->rec.open_stdin && m->attach;
	if ((r = root_mount(g, m, e)) < 0)
		return r;
	uint64_t max_size;
	unsigned max_files;
	eng_log_limits(&m->rec, &max_size, &max_files);
	if (!m->tty && (r = eng_logw_open(m->dirfd, ENG_LOG, max_size, max_files, &m->log, e)) < 0)
		return r;
	/* hold: a client attaches at once (also --sig-proxy=false without -i/-t) */
	if (!m->attach && (m->rec.tty || m->rec.open_stdin || m->hold) &&
	    (r = eng_attach_new(m->dirfd, m->rec.tty, m->rec.open_stdin, m->hold, &m->att, e)) < 0)
		return r;
	/* Made and started here, with -t too (the runtime hands the terminal's
	 * master over): the record says running with its pid, and "start" is
	 * emitted, only once the container's process exists. */
	r = create_container(g, m, e);
	return r == 0 && m->attach ? relay_output(m, e) : r;
}

/* Foreground: signals sent to brig go to the container (Docker's
 * sig-proxy).  With -t also SIGCONT, SIGALRM and SIGPIPE, as the runtime
 * forwards them (runtime/wait.c), and SIGWINCH, which goes to the relay
 * that holds the terminal (it sets the size). */
static void forwarded(sigset_t *set, bool tty)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	static const int tty_sigs[] = { SIGCONT, SIGALRM, SIGPIPE, SIGWINCH };
	sigemptyset(set);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sigs); i++)
		sigaddset(set, sigs[i]);
	for (size_t i = 0; tty && i < BRIG_ARRAY_SIZE(tty_sigs); i++)
		sigaddset(set, tty_sigs[i]);
}

static int forward_signals(struct eng_mon *m, struct brig_err *e)
{
	sigset_t set;
	forwarded(&set, m->tty);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return brig_err_sys(e, errno, "sigprocmask");
	m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return m->sigfd < 0 ? brig_err_sys(e, errno, "signalfd") : 0;
}

static int open_pidfd(struct eng_mon *m, struct brig_err *e)
{
	if (m->pidfd < 0)
		m->pidfd = (int)syscall(__NR_pidfd_open, m->pid, 0);
	return m->pidfd < 0 ? brig_err_sys(e, errno, "pidfd_open") : 0;
}

/* A foreground run: brig forwards signals and waits, its relay
 * (fg_relay.c) alone reads the output, or the terminal's.  The signals are
 * taken first: once the relay shows output, they reach the container. */
static int relay_output(struct eng_mon *m, struct brig_err *e)
{
	sigset_t set;
	forwarded(&set, m->tty);
	int r = forward_signals(m, e);
	if (r == 0)
		r = open_pidfd(m, e);
	if (r == 0)
		eng_fg_relay_start(m, &set);
	return r;
}

static void on_signal(struct eng_mon *m)
{
	struct signalfd_siginfo si;
	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		pid_t to = si.ssi_signo == SIGWINCH ? m->relay : m->pid;
		if (to > 0 && kill(to, (int)si.ssi_signo) < 0)
			brig_debug("forwarding signal %u: %s", si.ssi_signo, strerror(errno));
	}
}

static void relay(struct eng_mon *m, int *fd, int stream)
{
	_cleanup_err_ struct brig_err e = { 0 };
	ssize_t n = m->att ? eng_attach_relay(m->att, m->log, stream, *fd, &e)
			   : eng_logw_feed_fd(m->log, stream, *fd, -1, &e);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n < 0)
		brig_warn("container %.12s: logging: %s", m->id, brig_err_str(&e));
	if (n <= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

static int reap(struct eng_mon *m)
{
	int status;
	pid_t r = waitpid(m->pid, &status, WNOHANG);
	if (r != m->pid)
		return 0;
	m->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 1;
}

/* Until the init has exited and both pipes are at EOF (or, once it has
 * exited, quiet for 2 s: something else still holds them). */
static int loop(struct eng_mon *m, struct brig_err *e)
{
	int r = open_pidfd(m, e);
	if (r < 0)
		return r;
	bool exited = false;
	while (!exited || m->out_r >= 0 || m->err_r >= 0) {
		struct pollfd p[4 + ENG_ATTACH_POLL_MAX] = {
			{ .fd = m->out_r, .events = POLLIN },
			{ .fd = m->err_r, .events = POLLIN },
			{ .fd = exited ? -1 : m->pidfd, .events = POLLIN },
			{ .fd = m->sigfd, .events = POLLIN },
		};
		size_t na = eng_attach_pollfds(m->att, p + 4, ENG_ATTACH_POLL_MAX);
		int n = poll(p, 4 + na, exited ? 2000 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return brig_err_sys(e, errno, "poll");
		if (n == 0)
			break;
		if (p[0].revents)
			relay(m, &m->out_r, ENG_LOG_STDOUT);
		if (p[1].revents)
			relay(m, &m->err_r, ENG_LOG_STDERR);
		if (p[3].revents)
			on_signal(m);
		eng_attach_events(m->att, p + 4, na, exited ? 0 : m->pid);
		if (p[2].revents)
			exited = reap(m) == 1;
	}
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (m->log && eng_logw_flush(m->log, &e2) < 0)
		brig_warn("container %.12s: logging: %s", m->id, brig_err_str(&e2));
	return 0;
}

int eng_mon_wait(struct eng_mon *m, struct brig_err *e)
{
	int r = 0;
	if (m->attach && m->sigfd < 0) {
		r = forward_signals(m, e);
	}
	if (r == 0)
		r = loop(m, e);
	eng_fg_relay_wait(m);
	eng_attach_run_end(m->att, m->status);
	return r;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

int eng_mon_recreate(struct eng *g, struct eng_mon *m, struct brig_err *e)
{
	int *fds[] = { &m->rootfs_fd, &m->userns_fd, &m->out_r, &m->err_r, &m->pidfd };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		close_fd(fds[i]);
	m->pid = 0;
	int r = root_mount(g, m, e);
	return r < 0 ? r : create_container(g, m, e);
}

bool eng_mon_oom_killed(struct eng *g, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *st = NULL;
	if (rt_events_stats(&g->rt, id, &st, &e) < 0) {
		brig_debug("container %.12s: OOM check: %s", id, brig_err_str(&e));
		return false;
	}
	json_t *n = json_object_get(json_object_get(st, "memory"), "oomKill");
	return json_is_integer(n) && json_integer_value(n) > 0;
}
