/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig-monitor's log relay: a child of brig-monitor that holds the
 * container's stdout and stderr pipes and its container directory and
 * nothing else, confines itself (sandbox.c), and copies the output to
 * ctr.log.  It is the only part of the monitor that reads what the
 * container writes, so that a flaw in the log writer reached by hostile
 * output finds a process that can do almost nothing.
 */
#include "common/common.h"
#include "engine/attach-internal.h"
#include "engine/logs/logs.h"
#include "monitor/monitor-internal.h"
#include "monitor/sandbox.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

struct relay {
	int out, err, pidfd;
	struct eng_logw *log;
};

static void feed(struct relay *r, int *fd, int stream)
{
	_cleanup_err_ struct brig_err e = { 0 };
	ssize_t n = eng_logw_feed_fd(r->log, stream, *fd, -1, &e);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n <= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

/* Until the init has exited and its output is all in the log (or, once it
 * has exited, nothing came for 2 s: something else holds the pipes). */
static void watch(struct relay *r)
{
	bool exited = r->pidfd < 0;
	while (!exited || r->out >= 0 || r->err >= 0) {
		struct pollfd p[3] = {
			{ .fd = r->out, .events = POLLIN },
			{ .fd = r->err, .events = POLLIN },
			{ .fd = exited ? -1 : r->pidfd, .events = POLLIN },
		};
		int n = poll(p, 3, exited && r->pidfd >= 0 ? 2000 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (p[0].revents)
			feed(r, &r->out, ENG_LOG_STDOUT);
		if (p[1].revents)
			feed(r, &r->err, ENG_LOG_STDERR);
		if (p[2].revents)
			exited = true;
	}
}

/* Every fd above 2 but those in keep[] (ascending) is closed. */
static int close_all_but(const int *keep, size_t n)
{
	unsigned lo = 3;
	for (size_t i = 0; i <= n; i++) {
		unsigned hi = i < n ? (unsigned)keep[i] : ~0U;
		if (i < n && (keep[i] < 3 || (unsigned)keep[i] < lo))
			continue;
		if (hi > lo && close_range(lo, hi - 1, 0) < 0)
			return -errno;
		lo = hi + 1;
	}
	return 0;
}

static void sort_fds(int *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

_Noreturn void mon_relay_main(const struct mon *m, pid_t parent)
{
	/* It ends with brig-monitor, whatever ends that. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	/* Not the monitor lock (a relay outliving brig-monitor would keep
	 * the container "running"), not brig's binary, not the held ports. */
	int keep[] = { m->out,        m->err,    m->pidfd,    m->dirfd,
		       m->att_listen, m->att_in, m->status_r, m->sig_w };
	sort_fds(keep, BRIG_ARRAY_SIZE(keep));
	if (close_all_but(keep, BRIG_ARRAY_SIZE(keep)) < 0)
		_exit(MON_RELAY_UNCONFINED);
	/* The time zone, read now: the sandbox would refuse /etc/localtime
	 * to the C library's first use of the time (the log's times are UTC
	 * anyway). */
	tzset();
	/* The log and the attach server are allocated (and the log opened)
	 * before the sandbox: nothing the container wrote has been read yet. */
	struct relay r = { .out = m->out, .err = m->err, .pidfd = m->pidfd };
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_logw_open(m->dirfd, "ctr.log", m->max_size, m->max_files, &r.log, &e) < 0)
		r.log = NULL; /* the output still drains, unlogged */
	bool att = m->att_listen >= 0;
	struct eng_attsrv *a = NULL;
	if (att &&
	    !(a = eng_attach_adopt(m->dirfd, m->att_listen, m->att_in, m->att_flags, m->sig_w)))
		_exit(1); /* out of memory: a new relay is tried */
	const char *what = "";
	if (mon_sandbox(m->dirfd, &what) < 0)
		_exit(MON_RELAY_UNCONFINED);
	mon_shed_startup_pages();
	if (a)
		mon_attach_watch(m, a, r.log);
	else
		watch(&r);
	eng_logw_close(r.log);
	_exit(0);
}
