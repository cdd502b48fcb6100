/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdfill: open /dev/null until an open fails, then print
 * "max_fd=N error=NAME", N being the highest descriptor that was open and
 * NAME the failed open's errno (EMFILE when RLIMIT_NOFILE stopped it).
 * Opens at most 1 << 20 files so it ends even without a limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EMFILE:
		return "EMFILE";
	case ENFILE:
		return "ENFILE";
	case 0:
		return "none";
	default:
		return strerror(e);
	}
}

int main(void)
{
	int max_fd = -1, err = 0;
	for (int fd = 0; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			max_fd = fd;
	for (long i = 0; i < (1L << 20); i++) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			break;
		}
		if (fd > max_fd)
			max_fd = fd;
	}
	printf("max_fd=%d error=%s\n", max_fd, errname(err));
	return 0;
}
