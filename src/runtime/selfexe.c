/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a container must never be able to overwrite the runtime's
 * binary through /proc/PID/exe of a runtime process that entered it.  Every
 * runtime process that enters a container therefore runs from a sealed
 * memfd copy of the binary: opening it for writing fails (F_SEAL_WRITE),
 * and the file on disk is not what the container can reach.
 */
#include "runtime/runtime.h"
#include "brig-mutant.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool self_is_sealed(void)
{
	_cleanup_close_ int fd = BRIG_RETRY(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return false;
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

static int copy_self(int dst, struct brig_err *e)
{
	_cleanup_close_ int src = BRIG_RETRY(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	if (src < 0)
		return brig_err_sys(e, errno, "opening /proc/self/exe");
	struct stat st;
	if (fstat(src, &st) < 0)
		return brig_err_sys(e, errno, "fstat of own binary");
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = sendfile(dst, src, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return brig_err_sys(e, n < 0 ? errno : EIO, "copying own binary");
		left -= n;
	}
	return 0;
}

int rt_ensure_sealed_self(char **argv, char **envp, struct brig_err *e)
{
#ifdef BRIG_MUTANT_NO_SEALED_BINARY
	(void)argv, (void)envp, (void)e;
	return 0; /* mutant build (make mutants): runs from the binary on disk */
#endif
	if (self_is_sealed())
		return 0;
	int fd = memfd_create("brig-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("brig-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return brig_err_sys(e, errno, "memfd_create");
	int r = copy_self(fd, e);
	if (r == 0 && fcntl(fd, F_ADD_SEALS, SEALS) < 0)
		r = brig_err_sys(e, errno, "sealing the binary copy");
	if (r == 0 && fchmod(fd, 0555) < 0 && errno != EPERM)
		r = brig_err_sys(e, errno, "chmod of the binary copy");
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	r = brig_err_sys(e, errno, "re-executing from the sealed copy");
	(void)close(fd);
	return r;
}
