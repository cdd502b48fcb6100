/* SPDX-License-Identifier: Apache-2.0 */
/* brig-monitor's two processes (brig-monitor.c: the waiting parent;
 * relay.c: the confined log relay). */
#ifndef BRIG_MONITOR_INTERNAL_H
#define BRIG_MONITOR_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

/* The relay's exit status when it could not confine itself: it is then
 * not started again. */
#define MON_RELAY_UNCONFINED 3

struct mon {
	int out, err, pidfd, dirfd, brig_fd;
	pid_t pid; /* the container's init */
	pid_t relay; /* the log relay, or -1 */
	int status;
	uint64_t max_size;
	unsigned max_files;
};

/* In the relay, just forked: confine it, copy the container's output to
 * its log until the init has exited and the output is drained, exit. */
_Noreturn void mon_relay_main(const struct mon *m, pid_t parent);

/* Let go of the pages of code only start-up used. */
void mon_shed_startup_pages(void);

#endif
