/* SPDX-License-Identifier: Apache-2.0 */
/* Masked paths must give no data: /proc/kcore, /proc/keys, /proc/timer_list
 * and /sys/firmware by default, or the paths given as arguments.  A file is
 * read (4 KiB at most), a directory listed; reading only. */
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes (file) or entries (directory) that PATH yields; 0 when refused. */
static long data_in(const char *path, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	long n = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		*err = errno;
		if (fd >= 0)
			(void)close(fd);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = fdopendir(fd);
		if (!d) {
			*err = errno;
			(void)close(fd);
			return 0;
		}
		for (struct dirent *e; (e = readdir(d));)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
				n++;
		(void)closedir(d);
		return n;
	}
	char buf[4096];
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		*err = errno;
		n = 0;
	}
	(void)close(fd);
	return n;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
						"/sys/firmware", NULL };
	const char *const *paths = argc > 1 ? (const char *const *)argv + 1 : defaults;
	char seen[1024] = "";

	for (size_t i = 0; paths[i]; i++) {
		int err = 0;
		long n = data_in(paths[i], &err);
		if (n > 0)
			return probe_escaped("%ld %s from %s", n, n == 1 ? "item" : "items",
					     paths[i]);
		size_t l = strlen(seen);
		(void)snprintf(seen + l, sizeof(seen) - l, "%s%s %s", l ? ", " : "", paths[i],
			       err ? probe_errname(err) : "empty");
	}
	return probe_blocked(0, "masked paths give no data: %s", seen);
}
