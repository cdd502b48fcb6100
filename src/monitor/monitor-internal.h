/* SPDX-License-Identifier: Apache-2.0 */
/* brig-monitor's two processes (brig-monitor.c: the waiting parent;
 * relay.c: the confined log relay). */
#ifndef BRIG_MONITOR_INTERNAL_H
#define BRIG_MONITOR_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

struct eng_logw;
struct eng_attsrv;

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
	/* -i or -t: the attach server's socket and the container's stdin or
	 * terminal (-1: none), ENG_ATT_F_* (relay_attach.c) */
	int att_listen, att_in;
	unsigned att_flags;
	/* with an attach server: the run's exit status, brig-monitor to the
	 * relay (one byte), and the signals clients ask for, the relay to
	 * brig-monitor (one byte each); else -1 */
	int status_r, status_w, sig_r, sig_w;
};

/* In the relay, just forked: confine it, copy the container's output to
 * its log until the init has exited and the output is drained, exit. */
_Noreturn void mon_relay_main(const struct mon *m, pid_t parent);

/* In the relay, confined: serve attach.sock (a: eng_attach_adopt) and
 * copy the output to the log and to the clients until the run has ended
 * (relay_attach.c). */
void mon_attach_watch(const struct mon *m, struct eng_attsrv *a, struct eng_logw *log);

/* Give back the pages start-up used: code, stack, free heap (shed.c). */
void mon_shed_startup_pages(void);
/* Big allocations on pages of their own, calloc's untouched (shed.c). */
void mon_malloc_lean(void);

#endif
