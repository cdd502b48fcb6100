/* SPDX-License-Identifier: Apache-2.0 */
/* init_module(2) and finit_module(2) with an empty, invalid image: nothing
 * can be loaded, but any error other than EPERM/EACCES shows the call got
 * past the privilege checks to the module loader.  ENOSYS from both is a
 * kernel without module support (brig's seccomp profile answers EPERM):
 * nothing was judged, and the probe is not applicable. */
#include "probe.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int allowed(int e)
{
	return e != EPERM && e != ENOSYS && e != EACCES;
}
static int refused(int e)
{
	return e == EPERM || e == EACCES;
}

int main(void)
{
	static const char image[16]; /* not an ELF module */
	int e_init, e_finit;
	int fd;

	if (syscall(SYS_init_module, image, sizeof(image), "") == 0)
		return probe_escaped("init_module loaded an empty image");
	e_init = errno;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return probe_error("open /dev/null: %s", strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0) == 0)
		return probe_escaped("finit_module loaded /dev/null");
	e_finit = errno;
	(void)close(fd);
	if (allowed(e_init))
		return probe_escaped("init_module reached the module loader (%s)",
				     probe_errname(e_init));
	if (allowed(e_finit))
		return probe_escaped("finit_module reached the module loader (%s)",
				     probe_errname(e_finit));
	if (!refused(e_init) && !refused(e_finit))
		return probe_na(
			"this kernel has no module support (init_module %s, finit_module %s)",
			probe_errname(e_init), probe_errname(e_finit));
	return probe_blocked(e_init, "init_module; finit_module %s", probe_errname(e_finit));
}
