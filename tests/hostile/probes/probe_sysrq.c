/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/sysrq-trigger: writes "h", which only prints the sysrq help to the
 * kernel log (never "b", "c" or anything that acts).  A masked path is
 * /dev/null bound over the file: a write there succeeds and does nothing, so
 * the probe looks at what it opened before it counts a write as an escape.
 * A kernel without the file (ENOENT) makes the probe not applicable. */
#include "probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int main(void)
{
	const char *path = "/proc/sysrq-trigger";
	struct stat st;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return probe_na("%s does not exist on this kernel (ENOENT)", path);
	if (fd < 0)
		return probe_blocked(errno, "open %s for writing", path);
	if (fstat(fd, &st) < 0)
		return probe_error("fstat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);
		return probe_blocked(0, "%s is masked (a %s %u:%u, not the kernel file)", path,
				     S_ISCHR(st.st_mode) ? "char device" : "non-file",
				     major(st.st_rdev), minor(st.st_rdev));
	}
	if (write(fd, "h", 1) < 0) {
		int e = errno;
		(void)close(fd);
		return probe_blocked(e, "write to %s", path);
	}
	(void)close(fd);
	return probe_escaped("wrote to %s (the kernel accepted a sysrq command)", path);
}
