/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `brig logs --follow`: after the end of ctr.log, wait for the writer
 * (inotify on the container directory, with a 200 ms timeout so that
 * alive() is polled), print what it appends, and move on when it rotates:
 * the file we read was renamed away and a new ctr.log created.
 */
#include "engine/logs/logs-internal.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#define FOLLOW_POLL_MS 200

int eng_lr_watch(int dirfd)
{
	char path[64];
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0) {
		brig_debug("inotify_init1: %s; polling the log instead", strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	if (inotify_add_watch(ifd, path,
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_CLOSE_WRITE) < 0) {
		brig_debug("inotify_add_watch: %s; polling the log instead", strerror(errno));
		(void)close(ifd);
		return -1;
	}
	return ifd;
}

/* Sleep until the directory changes or the timeout passes. */
static int wait_change(int ifd, struct brig_err *e)
{
	struct pollfd pfd = { .fd = ifd, .events = POLLIN };
	int n = poll(ifd >= 0 ? &pfd : NULL, ifd >= 0 ? 1 : 0, FOLLOW_POLL_MS);
	if (n < 0 && errno != EINTR)
		return brig_err_sys(e, errno, "waiting for log output");
	if (n <= 0 || ifd < 0)
		return 0;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t r = read(ifd, buf, sizeof(buf));
		if (r > 0)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN)
			return brig_err_sys(e, errno, "reading inotify events");
		return 0;
	}
}

/* Read the files that came after src (src itself is finished): the ones
 * found newer than it are printed in order, the newest becomes src. */
static int advance(struct lr_ctx *c, struct lr_src *src, struct brig_err *e)
{
	struct lr_file fs[ENG_LOG_MAX_FILES];
	struct lr_file stop = { .fd = -1, .dev = src->dev, .ino = src->ino };
	size_t n = 0;
	int r = eng_lr_open_set(c->dirfd, c->name, src->fd >= 0 ? &stop : NULL, fs, &n, e);
	if (r < 0 || n == 0)
		return r;
	eng_lr_src_close(c, src);
	for (size_t i = 0; i < n; i++) {
		struct lr_src s = {
			.fd = fs[i].fd, .dev = fs[i].dev, .ino = fs[i].ino, .idx = fs[i].idx
		};
		fs[i].fd = -1;
		if (r == 0)
			r = eng_lr_pump(c, &s, e);
		if (i + 1 == n)
			*src = s;
		else
			eng_lr_src_close(c, &s);
	}
	return r;
}

/* Whether name is now another file than the one src reads.  A missing
 * name is a rotation in progress (or not started): not yet. */
static int rotated(const struct lr_ctx *c, const struct lr_src *src, bool *out, struct brig_err *e)
{
	struct stat st;
	*out = false;
	if (fstatat(c->dirfd, c->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return brig_err_sys(e, errno, "stat of log file %s", c->name);
	}
	*out = src->fd < 0 || st.st_dev != src->dev || st.st_ino != src->ino;
	return 0;
}

/* Print what src has now; when it was rotated away, finish it and go on
 * with its successors.  *moved tells whether src changed. */
static int catch_up(struct lr_ctx *c, struct lr_src *src, bool *moved, struct brig_err *e)
{
	bool rot = false;
	*moved = false;
	int r = eng_lr_pump(c, src, e);
	if (r == 0)
		r = rotated(c, src, &rot, e);
	if (r < 0 || !rot)
		return r;
	/* The writer is done with src once it renamed it: read its end. */
	r = eng_lr_pump(c, src, e);
	if (r < 0)
		return r;
	ino_t before = src->ino;
	int had = src->fd >= 0;
	r = advance(c, src, e);
	*moved = src->fd >= 0 && (!had || src->ino != before);
	return r;
}

int eng_lr_follow(struct lr_ctx *c, struct lr_src *src, int ifd, bool (*alive)(void *arg),
		  void *arg, struct brig_err *e)
{
	for (;;) {
		/* Checked before reading, so that once the writer is gone
		 * everything it wrote is read before returning. */
		bool last = alive && !alive(arg);
		bool moved;
		int r = catch_up(c, src, &moved, e);
		if (r < 0)
			return r;
		if (moved)
			continue;
		if (last)
			return 0;
		if (c->o->until_ns && eng_logs_now_ns() > c->o->until_ns)
			return 0;
		r = eng_lr_flush(c, e);
		if (r == 0)
			r = wait_change(ifd, e);
		if (r < 0)
			return r;
	}
}
