/* SPDX-License-Identifier: Apache-2.0 */
/* A write to a kernel tunable under /sys (default /sys/kernel/mm/ksm/run, or
 * argv[1]).  The probe writes back the value it just read, so even a
 * successful write leaves the setting as it was. */
#include "probe.h"

#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/sys/kernel/mm/ksm/run";
	char val[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return probe_blocked(errno, "read %s", path);
	n = read(fd, val, sizeof(val));
	(void)close(fd);
	if (n <= 0)
		return probe_blocked(n < 0 ? errno : 0, "read %s (no value)", path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return probe_blocked(errno, "open %s for writing", path);
	if (write(fd, val, (size_t)n) < 0) {
		int e = errno;
		(void)close(fd);
		return probe_blocked(e, "write %s", path);
	}
	(void)close(fd);
	return probe_escaped("wrote to %s", path);
}
