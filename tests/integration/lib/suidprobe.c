/* SPDX-License-Identifier: Apache-2.0 */
/*
 * suidprobe: meant to be installed setuid root.  Prints
 * "ruid=R euid=E setuid0=ok|EPERM|...": whether exec gave it root's
 * effective uid, and whether it could then become root for good.
 * It changes nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	unsigned ruid = (unsigned)getuid(), euid = (unsigned)geteuid();
	const char *res = "ok";
	if (setuid(0) < 0)
		res = errno == EPERM ? "EPERM" : strerror(errno);
	printf("ruid=%u euid=%u setuid0=%s\n", ruid, euid, res);
	return 0;
}
