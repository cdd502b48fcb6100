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

_Noreturn void mon_relay_main(const struct mon *m, pid_t parent)
{
	/* It ends with brig-monitor, whatever ends that. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	/* Not the monitor lock (a relay outliving brig-monitor would keep
	 * the container "running"), not brig's binary, not the held ports. */
	int keep[] = { m->out,        m->err,    m->pidfd,    m->dirfd,
		       m->att_listen, m->att_in, m->status_r, m->sig_w };
	if (brig_close_all_but(keep, BRIG_ARRAY_SIZE(keep)) < 0)
		_exit(MON_RELAY_UNCONFINED);
	/* The time zone, read now: the sandbox would refuse /etc/localtime
	 * to the C library's first use of the time (the log's times are UTC
	 * anyway). */
	tzset();
	/* The log and the attach server are allocated (and the log opened)
	 * before the sandbox: nothing the container wrote has been read yet. */
	struct eng_logw *log = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_logw_open(m->dirfd, "ctr.log", m->max_size, m->max_files, &log, &e) < 0)
		log = NULL; /* the output still drains, unlogged */
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
		mon_attach_watch(m, a, log);
	else
		eng_logs_relay(log, m->out, m->err, m->pidfd, -1, -1);
	eng_logw_close(log);
	_exit(0);
}
