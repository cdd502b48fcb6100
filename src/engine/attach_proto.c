/* SPDX-License-Identifier: Apache-2.0 */
/* The attach socket's frames, and a client's connection (docs/attach.md). */
#include "engine/attach-internal.h"
#include "engine/record-internal.h"
#include "engine/config/engine-config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Exactly len bytes: 1, or 0 at EOF before the first, or -errno. */
static int read_full(int fd, unsigned char *b, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, b + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return off == 0 ? 0 : -EPROTO;
		off += (size_t)n;
	}
	return 1;
}

int eng_att_recv(int fd, void *buf, size_t *len)
{
	unsigned char h[3];
	int r = read_full(fd, h, 3);
	if (r <= 0)
		return r;
	size_t n = (size_t)h[1] << 8 | h[2];
	if (h[0] == 0 || n > ENG_ATT_FRAME_MAX)
		return -EPROTO;
	if (n && (r = read_full(fd, buf, n)) <= 0)
		return r == 0 ? -EPROTO : r;
	*len = n;
	return h[0];
}

int eng_attach_connect(struct eng *g, const char *id, bool *tty, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	if (r < 0)
		return r;
	*tty = rec.tty;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd,
		       ENG_ATTACH_SOCK);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return brig_err_sys(e, errno, "socket");
	if (BRIG_RETRY(connect(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return brig_err_set(e, -ENOTCONN,
					    "container %.12s has no stdin or terminal to attach to",
					    id);
		return brig_err_sys(e, errno, "connecting to container %.12s", id);
	}
	r = fd;
	fd = -1;
	return r;
}

const char *eng_detach_keys(const struct eng *g)
{
	return g->cfg ? g->cfg->detach_keys : NULL;
}
