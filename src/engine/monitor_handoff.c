/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The background monitor waits as brig-monitor (src/monitor): once the
 * container runs, the monitor execs that small static program, which keeps
 * our pid, so the container's init stays its child, and keeps the monitor
 * lock, the pipes and the container directory (their fds survive the
 * exec).  When the init has exited, brig-monitor execs brig again, from the
 * sealed copy brig runs from (by fd), as `brig __monitor-resume ID ...
 * --status N`, which records the end and applies the restart policy
 * (eng_monitor_resume).  An idle container thus costs a static program's
 * memory, not a brig process's.  A container with -i or -t hands over its
 * attach server's fds too: brig-monitor's confined relay serves them.
 */
#include "engine/engine-internal.h"
#include "engine/net/net.h"
#include "engine/monitor-internal.h"
#include "engine/attach-internal.h"
#include "engine/config/engine-config.h"
#include "engine/logs/logs.h"
#include "brig-config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int keep_open(int fd, struct brig_err *e)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "fcntl");
	return 0;
}

struct argv_buf {
	char *v[40];
	char num[16][24];
	size_t n, nn;
};

static void add(struct argv_buf *a, const char *s)
{
	if (a->n + 1 < BRIG_ARRAY_SIZE(a->v))
		a->v[a->n++] = (char *)s;
}

static void add_num(struct argv_buf *a, int64_t v)
{
	if (a->nn >= BRIG_ARRAY_SIZE(a->num))
		return;
	(void)snprintf(a->num[a->nn], sizeof(a->num[0]), "%lld", (long long)v);
	add(a, a->num[a->nn++]);
}

/* brig's own command line for the resume. */
static void resume_args(struct argv_buf *a, struct eng *g, const struct eng_mon *m,
			const struct eng_restart_state *rs)
{
	add(a, "brig");
	add(a, "--root");
	add(a, g->root);
	if (g->cfg && g->cfg->source) {
		add(a, "--config");
		add(a, g->cfg->source);
	}
	if (g->driver) {
		add(a, "--storage-driver");
		add(a, g->driver);
	}
	add(a, "__monitor-resume");
	add(a, m->id);
	add(a, "--lock-fd");
	add_num(a, m->lockfd);
	add(a, "--restarts");
	add_num(a, rs->count);
	add(a, "--backoff");
	add_num(a, rs->backoff_ms);
	add(a, "--started");
	add_num(a, rs->started_ms);
}

int eng_mon_exec_lean(struct eng *g, struct eng_mon *m, const struct eng_restart_state *rs,
		      struct brig_err *e)
{
	const char *path = brig_helper_exe(BRIG_LIBEXECDIR "/brig-monitor", BRIG_BUILD_MONITOR);
	if (access(path, X_OK) < 0)
		return brig_err_set(e, -ENOENT, "brig-monitor is not installed");
	_cleanup_close_ int brig_fd = BRIG_RETRY(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	if (brig_fd < 0)
		return brig_err_sys(e, errno, "opening /proc/self/exe");
	/* Only the fds named on brig-monitor's command line cross the exec:
	 * whatever else this process inherited (from the shell that ran brig,
	 * or opened without O_CLOEXEC) does not live on beside the container. */
	int r = brig_cloexec_from(3);
	if (r < 0)
		return brig_err_set(e, r, "marking fds close-on-exec");
	/* With -i or -t: the attach server's socket and the container's stdin
	 * or terminal, for brig-monitor's relay (attach_srv.c). */
	int att_listen = -1, att_in = -1;
	unsigned att_flags = 0;
	if (m->att)
		eng_attach_handoff(m->att, &att_listen, &att_in, &att_flags);
	int fds[] = { brig_fd, m->lockfd, m->out_r, m->err_r, m->dirfd, att_listen, att_in };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0 && (r = keep_open(fds[i], e)) < 0)
			return r;
	/* The published host ports it holds (engine/net/publish.c): open in
	 * brig-monitor, unnamed, until its exec back into brig. */
	const int *held;
	size_t nheld;
	eng_net_held(&held, &nheld);
	for (size_t i = 0; i < nheld; i++)
		if ((r = keep_open(held[i], e)) < 0)
			return r;
	uint64_t max_size;
	unsigned max_files;
	eng_log_limits(&m->rec, &max_size, &max_files);
	eng_logw_close(m->log); /* brig-monitor appends to the same file */
	m->log = NULL;
	struct argv_buf a = { .n = 0 };
	add(&a, "brig-monitor");
	add_num(&a, m->lockfd);
	add_num(&a, m->out_r);
	add_num(&a, m->err_r);
	add_num(&a, m->pid);
	add_num(&a, m->dirfd);
	add_num(&a, (int64_t)max_size);
	add_num(&a, max_files);
	add_num(&a, brig_fd);
	add_num(&a, att_listen);
	add_num(&a, att_in);
	add_num(&a, att_flags);
	add(&a, "--");
	resume_args(&a, g, m, rs);
	a.v[a.n] = NULL;
	extern char **environ;
	execve(path, a.v, environ);
	r = brig_err_sys(e, errno, "exec %s", path);
	/* Still us: put things back as they were. */
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			(void)fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	for (size_t i = 0; i < nheld; i++)
		(void)fcntl(held[i], F_SETFD, FD_CLOEXEC);
	return r;
}
