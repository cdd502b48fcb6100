/* SPDX-License-Identifier: Apache-2.0 */
/* mount: a tmpfs on /mnt (or on the directory given as argv[1]).  Needs
 * CAP_SYS_ADMIN and the mount syscall; a new mount only shadows a directory
 * of the container and is removed again if it succeeds. */
#include "probe.h"

#include <sys/mount.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	const char *target = argc > 1 ? argv[1] : "/mnt";
	struct stat st;

	if (argc <= 1 && stat(target, &st) < 0)
		target = "/tmp"; /* an image without /mnt */
	if (mount("brig-probe", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0)
		return probe_blocked(errno, "mount tmpfs on %s", target);
	(void)umount2(target, MNT_DETACH);
	return probe_escaped("mounted a tmpfs on %s", target);
}
