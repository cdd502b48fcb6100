/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Progress bars for people: pull's per-layer bars and, for load, import
 * and save, one bar for the file being read or written.  Drawn only on a
 * terminal (stderr); pipes and files get nothing, so scripts see the same
 * output as before.
 */
#include "cli/brig/brig-internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define TICK_NS 100000000L /* redraw every 100 ms */

static double since(const struct timespec *t0)
{
	struct timespec t;
	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

void brig_bar_text(uint64_t done, uint64_t total, const struct timespec *t0, char *out, size_t n)
{
	char d[32], t[32], rate[32], bar[BAR_WIDTH + 1];
	size_t fill = total ? (size_t)((done > total ? total : done) * BAR_WIDTH / total)
			    : BAR_WIDTH;
	for (size_t k = 0; k < BAR_WIDTH; k++)
		bar[k] = k < fill ? '=' : k == fill ? '>' : ' ';
	bar[BAR_WIDTH] = 0;
	double secs = t0 && t0->tv_sec ? since(t0) : 0;
	brig_human_size(done, d);
	brig_human_size(secs > 0.01 ? (uint64_t)((double)done / secs) : 0, rate);
	if (total) {
		brig_human_size(total, t);
		(void)snprintf(out, n, "[%s] %s/%s %s/s", bar, d, t, rate);
	} else {
		(void)snprintf(out, n, "%s %s/s", d, rate);
	}
}

struct brig_fd_progress {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	int fd;
	uint64_t total;
	const char *label;
	struct timespec t0;
};

static void draw(struct brig_fd_progress *p, bool last)
{
	off_t at = lseek(p->fd, 0, SEEK_CUR);
	uint64_t done = at < 0 ? 0 : (uint64_t)at;
	if (last && p->total)
		done = p->total;
	char text[160];
	brig_bar_text(done, p->total, &p->t0, text, sizeof(text));
	fprintf(stderr, "\r\033[2K%s %s%s", p->label, text, last ? "\n" : "");
	fflush(stderr);
}

static void *tick(void *arg)
{
	struct brig_fd_progress *p = arg;
	(void)pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec until;
		(void)clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += TICK_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&p->cond, &p->lock, &until);
		if (!p->stop)
			draw(p, false);
	}
	(void)pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct brig_fd_progress *brig_fd_progress_start(int fd, const char *label, bool quiet)
{
	struct stat st;
	if (quiet || !isatty(STDERR_FILENO) || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    lseek(fd, 0, SEEK_CUR) < 0)
		return NULL;
	struct brig_fd_progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	*p = (struct brig_fd_progress){ .fd = fd, .label = label };
	/* Reading a file: its size is the end; writing one: no end known. */
	int acc = fcntl(fd, F_GETFL);
	p->total = acc >= 0 && (acc & O_ACCMODE) == O_RDONLY ? (uint64_t)st.st_size : 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &p->t0);
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->cond, NULL) != 0 ||
	    pthread_create(&p->thread, NULL, tick, p) != 0) {
		(void)pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	return p;
}

void brig_fd_progress_stop(struct brig_fd_progress *p, bool ok)
{
	if (!p)
		return;
	(void)pthread_mutex_lock(&p->lock);
	p->stop = true;
	(void)pthread_cond_signal(&p->cond);
	(void)pthread_mutex_unlock(&p->lock);
	(void)pthread_join(p->thread, NULL);
	if (ok)
		draw(p, true);
	else
		fputs("\r\033[2K", stderr);
	(void)pthread_cond_destroy(&p->cond);
	(void)pthread_mutex_destroy(&p->lock);
	free(p);
}
