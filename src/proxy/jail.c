/* SPDX-License-Identifier: Apache-2.0 */
/* brig-proxy: the confinement of the ::1 port proxy, before it
 * accepts a connection: a mount namespace of its own whose root is an
 * empty read-only tmpfs (it opens no file), no capability in any set,
 * no_new_privs, and a seccomp allow-list of the calls its loop makes
 * (anything else: EPERM; a socket of another family than IPv4 too).
 * Each step fails closed: the proxy does not run unconfined. */
#include "proxy/proxy.h"
#include "common/common.h"
#include "common/confine.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* An empty root: a tmpfs mounted over /proc of a private mount
 * namespace (any directory would do: brig needs /proc, so it is there),
 * pivoted into, the old root detached. */
static int empty_root(void)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=0500") < 0 ||
	    chdir("/proc") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0 ||
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return 0;
}

static const int proxy_calls[] = {
	SCMP_SYS(accept4),
	SCMP_SYS(connect),
	SCMP_SYS(getsockopt),
	SCMP_SYS(shutdown),
	SCMP_SYS(recvfrom),
	SCMP_SYS(sendto),
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(close),
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(fcntl),
	SCMP_SYS(brk),
	SCMP_SYS(munmap),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

int px_confine(void)
{
	int r;
	if ((r = empty_root()) < 0 || (r = brig_caps_drop_all()) < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* sockets to the container: IPv4 only */
	return brig_seccomp_allow(proxy_calls, BRIG_ARRAY_SIZE(proxy_calls), AF_INET);
}
