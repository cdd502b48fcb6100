/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start-up clock readings for bench/start-profile.sh.  With BRIG_TRACE_FD=N
 * in the environment every rt_trace() call writes "PHASE SECONDS PID\n"
 * (CLOCK_REALTIME, microseconds) to fd N; without it rt_trace() is one
 * test of a static int.  The fd is the caller's: it is never opened or
 * closed here, and the container's process loses it with every other
 * inherited fd at execve (rt_final_exec).
 */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int rt_trace_fd = -1;

void rt_trace_init(void)
{
	const char *v = getenv("BRIG_TRACE_FD");
	if (!v || !*v)
		return;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (*end || n < 3 || n > 1024 || fcntl((int)n, F_GETFD) < 0)
		return; /* not an open fd of ours: trace nothing */
	rt_trace_fd = (int)n;
}

void rt_trace_emit(const char *phase)
{
	int saved = errno;
	struct timespec ts;
	char buf[128];
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0) {
		int n = snprintf(buf, sizeof(buf), "%s %lld.%06ld %d\n", phase,
				 (long long)ts.tv_sec, ts.tv_nsec / 1000, (int)getpid());
		/* One write(2) per line: lines from the init and the runtime
		 * do not interleave; a failure only loses a reading. */
		if (n > 0 && (size_t)n < sizeof(buf))
			(void)!write(rt_trace_fd, buf, (size_t)n);
	}
	errno = saved;
}
