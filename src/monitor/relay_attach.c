/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The relay of a container with -i or -t: besides the log, it serves
 * attach.sock (engine/attach_srv.c), so the process that reads the
 * container's terminal or pipes, and what attach clients send, is the
 * confined one (sandbox.c).  It may not signal the init (it has no
 * capabilities, and Landlock scopes signals): a client's signal goes to
 * brig-monitor as one byte on a pipe, which sends it.  brig-monitor tells
 * it the run's exit status the same way, for the clients' last frame.
 */
#include "common/common.h"
#include "engine/attach-internal.h"
#include "engine/logs/logs.h"
#include "monitor/monitor-internal.h"

#include <poll.h>
#include <unistd.h>

/* How long the relay waits for brig-monitor to tell the exit status once
 * the init has exited (brig-monitor reaps it at once). */
#define STATUS_WAIT_MS 10000

static void relay_fd(struct eng_attsrv *a, struct eng_logw *log, int *fd, int stream)
{
	_cleanup_err_ struct brig_err e = { 0 };
	ssize_t n = eng_attach_relay(a, log, stream, *fd, &e);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n <= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

/* The run's exit status from brig-monitor, or 255 when it did not come. */
static int run_status(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char st;
	if (fd < 0 || BRIG_RETRY(poll(&p, 1, STATUS_WAIT_MS)) <= 0 ||
	    BRIG_RETRY(read(fd, &st, 1)) != 1)
		return 255;
	return st;
}

void mon_attach_watch(const struct mon *m, struct eng_attsrv *a, struct eng_logw *log)
{
	int out = m->out, err = m->err;
	bool exited = m->pidfd < 0;
	while (!exited || out >= 0 || err >= 0) {
		struct pollfd p[3 + ENG_ATTACH_POLL_MAX] = {
			{ .fd = out, .events = POLLIN },
			{ .fd = err, .events = POLLIN },
			{ .fd = exited ? -1 : m->pidfd, .events = POLLIN },
		};
		size_t na = eng_attach_pollfds(a, p + 3, ENG_ATTACH_POLL_MAX);
		int n = poll(p, 3 + na, exited && m->pidfd >= 0 ? 2000 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (p[0].revents)
			relay_fd(a, log, &out, ENG_LOG_STDOUT);
		if (p[1].revents)
			relay_fd(a, log, &err, ENG_LOG_STDERR);
		eng_attach_events(a, p + 3, na, exited ? 0 : m->pid);
		if (p[2].revents)
			exited = true;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	if (log)
		(void)eng_logw_flush(log, &e);
	eng_attach_run_end(a, run_status(m->status_r));
}
