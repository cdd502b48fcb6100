/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a container must never be able to overwrite the runtime's
 * binary through /proc/PID/exe of a runtime process that entered it.  Every
 * runtime process that enters a container therefore runs from a binary the
 * kernel will not let anyone write:
 *
 *  - first choice (needs CAP_SYS_ADMIN, Linux 6.5 for FSCONFIG_SET_FD on
 *    overlayfs' "lowerdir+"): the binary seen through a detached overlayfs
 *    with no upper layer, its own directory over an empty read-only tmpfs.
 *    The overlay's super block is read-only, so no remount and no mount
 *    attribute can make it writable; it is in no mount namespace, so no
 *    path reaches it; and the binary's pages are the page cache of the
 *    file on disk, shared by every start.  Costs three file systems' worth
 *    of syscalls (~0.3 ms) and one execveat, no copy.
 *  - fallback: a sealed memfd copy of the binary (F_SEAL_WRITE...): opening
 *    it for writing fails, and the file on disk is not what the container
 *    can reach.  Costs a copy of the whole binary on every start.
 */
#include "runtime/runtime.h"
#include "brig-mutant.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

#ifndef __NR_fsopen
#define __NR_fsopen 430
#define __NR_fsconfig 431
#define __NR_fsmount 432
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#define FSCONFIG_SET_FD_ 5
#define FSCONFIG_CMD_CREATE_ 6
#define ATTR_RDONLY 0x00000001
#define ATTR_NOSUID 0x00000002
#define ATTR_NODEV 0x00000004
#define OVERLAY_MAGIC 0x794c7630
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#define STATMOUNT_MNT_BASIC_ 0x00000002U

static bool is_sealed_memfd(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

/* Whether mount id (the reusable one of mountinfo) is one of this
 * process's mount namespace.  -1: unknown. */
static int mount_listed(uint64_t id)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strtoull(line, NULL, 10) == id;
	int r = ferror(f) ? -1 : found;
	(void)fclose(f);
	return r;
}

/* The same for a unique mount id (Linux 6.8: statmount finds only the
 * mounts of the caller's namespace), without reading all of mountinfo.
 * -1: statmount cannot tell here. */
static int mount_listed_unique(uint64_t id)
{
	struct {
		uint32_t size, spare;
		uint64_t mnt_id, param;
	} req = { .size = 24, .mnt_id = id, .param = STATMOUNT_MNT_BASIC_ };
	uint64_t buf[512]; /* struct statmount and room to grow */
	if (syscall(__NR_statmount, &req, buf, sizeof(buf), 0) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return errno == EPERM ? 1 : -1; /* EPERM: there, out of our root */
}

/* 1: fd is on a read-only overlay in no mount namespace of ours (what
 * overlay_self makes); 0: it is not; -1: cannot tell. */
static int on_detached_overlay(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return -1;
	if (sf.f_type != OVERLAY_MAGIC || !(sf.f_flags & ST_RDONLY))
		return 0;
	struct statx sx;
	int listed = -1;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &sx) == 0 &&
	    (sx.stx_mask & STATX_MNT_ID_UNIQUE))
		listed = mount_listed_unique(sx.stx_mnt_id);
	if (listed < 0) {
		if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 ||
		    !(sx.stx_mask & STATX_MNT_ID))
			return -1;
		listed = mount_listed(sx.stx_mnt_id);
	}
	return listed < 0 ? -1 : !listed;
}

/* A fresh file system's detached mount, or -1 (errno set). */
static int detached_fs(const char *type, int lower1, int lower2, unsigned attrs)
{
	int fs = (int)syscall(__NR_fsopen, type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int m = -1;
	if ((lower1 < 0 ||
	     syscall(__NR_fsconfig, fs, FSCONFIG_SET_FD_, "lowerdir+", NULL, lower1) == 0) &&
	    (lower2 < 0 ||
	     syscall(__NR_fsconfig, fs, FSCONFIG_SET_FD_, "lowerdir+", NULL, lower2) == 0) &&
	    syscall(__NR_fsconfig, fs, FSCONFIG_CMD_CREATE_, NULL, NULL, 0) == 0)
		m = (int)syscall(__NR_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
	int err = errno;
	(void)close(fs);
	errno = err;
	return m;
}

/* The binary of self (open, stat st) seen through a detached read-only
 * overlay of its own directory; -1 where that cannot be made here. */
static int overlay_self(const struct stat *st)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 1 || (size_t)n >= sizeof(path) - 1 || path[0] != '/')
		return -1;
	path[n] = '\0';
	char *slash = strrchr(path, '/');
	char *base = slash + 1;
	*slash = '\0';
	_cleanup_close_ int dir = BRIG_RETRY(
		open(slash == path ? "/" : path, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (dir < 0)
		return -1;
	_cleanup_close_ int empty = detached_fs("tmpfs", -1, -1, ATTR_RDONLY);
	if (empty < 0)
		return -1;
	_cleanup_close_ int ov = detached_fs("overlay", dir, empty,
					     ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV);
	if (ov < 0)
		return -1;
	int fd = BRIG_RETRY(openat(ov, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	struct stat now;
	/* The file at that path must still be the one running (not replaced
	 * since it was executed); otherwise copy what runs. */
	if (fd >= 0 &&
	    (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_size != st->st_size ||
	     now.st_mtim.tv_sec != st->st_mtim.tv_sec ||
	     now.st_mtim.tv_nsec != st->st_mtim.tv_nsec)) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int copy_self(int dst, int src, const struct stat *st, struct brig_err *e)
{
	off_t left = st->st_size;
	off_t at = 0;
	while (left > 0) {
		ssize_t n = sendfile(dst, src, &at, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return brig_err_sys(e, n < 0 ? errno : EIO, "copying own binary");
		left -= n;
	}
	return 0;
}

static int sealed_copy(int src, const struct stat *st, struct brig_err *e)
{
	int fd = memfd_create("brig-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("brig-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return brig_err_sys(e, errno, "memfd_create");
	int r = copy_self(fd, src, st, e);
	if (r == 0 && fcntl(fd, F_ADD_SEALS, SEALS) < 0)
		r = brig_err_sys(e, errno, "sealing the binary copy");
	if (r == 0 && fchmod(fd, 0555) < 0 && errno != EPERM)
		r = brig_err_sys(e, errno, "chmod of the binary copy");
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	return fd;
}

int rt_ensure_sealed_self(char **argv, char **envp, struct brig_err *e)
{
#ifdef BRIG_MUTANT_NO_SEALED_BINARY
	(void)argv, (void)envp, (void)e;
	(void)is_sealed_memfd, (void)on_detached_overlay, (void)overlay_self, (void)sealed_copy;
	return 0; /* mutant build (make mutants): runs from the binary on disk */
#endif
	_cleanup_close_ int self = BRIG_RETRY(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	if (self < 0)
		return brig_err_sys(e, errno, "opening /proc/self/exe");
	if (is_sealed_memfd(self))
		return 0;
	int ov = on_detached_overlay(self);
	if (ov == 1)
		return 0;
	struct stat st;
	if (fstat(self, &st) < 0)
		return brig_err_sys(e, errno, "fstat of own binary");
	/* Only where the overlay can be recognised after the exec: never a
	 * loop of re-executions. */
	int fd = ov == 0 ? overlay_self(&st) : -1;
	if (fd >= 0) {
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		(void)close(fd); /* e.g. noexec beneath: the copy below */
	}
	if ((fd = sealed_copy(self, &st, e)) < 0)
		return fd;
	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	int r = brig_err_sys(e, errno, "re-executing from the sealed copy");
	(void)close(fd);
	return r;
}
