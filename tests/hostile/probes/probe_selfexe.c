/* SPDX-License-Identifier: Apache-2.0 */
/* CVE-2019-5736 class: the binary behind /proc/self/exe and /proc/1/exe (or
 * /proc/PID/exe for each PID argument) opened for writing, which would let a
 * container rewrite a host binary that runs it.  Opens without O_TRUNC and
 * writes nothing.
 *
 * ETXTBSY (the binary is running) comes after the kernel's permission check
 * has passed, and the probe's own image is always running: such a target
 * proves nothing, so it is left out.  When every target was left out the
 * probe is not applicable (N/A); BLOCKED needs a refusal by a permission
 * check (EACCES, EPERM, EROFS) or a target that is no file of a host mount. */
#include "probe.h"

#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64], seen[512] = "";
	int refused = 0;

	for (int i = 0; i < (argc > 1 ? argc - 1 : 2); i++) {
		const char *who = argc > 1 ? argv[i + 1] : (i == 0 ? "self" : "1");
		(void)snprintf(path, sizeof(path), "/proc/%s/exe", who);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			char target[256] = "";
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			(void)close(fd);
			if (n > 0)
				target[n] = 0;
			return probe_escaped("%s (%s) opened for writing", path, target);
		}
		int err = errno;
		if (err == EACCES || err == EPERM || err == EROFS)
			refused++;
		size_t l = strlen(seen);
		(void)snprintf(seen + l, sizeof(seen) - l, "%s%s %s", l ? ", " : "", path,
			       probe_errname(err));
	}
	if (!refused)
		return probe_na("no target reached a permission check: %s", seen);
	return probe_blocked(0, "no runtime binary writable: %s", seen);
}
