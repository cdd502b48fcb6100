/* SPDX-License-Identifier: Apache-2.0 */
/* engine/logs: a confined relay's loop, from the container's pipes to its
 * log (and, in the foreground, to brig's stdout and stderr). */
#include "engine/logs/logs.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

static void feed(struct eng_logw *w, int *fd, int stream, int tee)
{
	_cleanup_err_ struct brig_err e = { 0 };
	ssize_t n = eng_logw_feed_fd(w, stream, *fd, tee, &e);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n < 0)
		brig_warn("logging: %s", brig_err_str(&e));
	if (n <= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

void eng_logs_relay(struct eng_logw *w, int out, int err, int pidfd, int tee_out, int tee_err)
{
	bool exited = pidfd < 0;
	while (!exited || out >= 0 || err >= 0) {
		struct pollfd p[3] = {
			{ .fd = out, .events = POLLIN },
			{ .fd = err, .events = POLLIN },
			{ .fd = exited ? -1 : pidfd, .events = POLLIN },
		};
		int n = poll(p, 3, exited && pidfd >= 0 ? 2000 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (p[0].revents)
			feed(w, &out, ENG_LOG_STDOUT, tee_out);
		if (p[1].revents)
			feed(w, &err, ENG_LOG_STDERR, tee_err);
		if (p[2].revents)
			exited = true;
	}
}
