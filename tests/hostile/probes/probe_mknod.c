/* SPDX-License-Identifier: Apache-2.0 */
/* mknod(2) of the block device that holds the container's files (the host's
 * disk when the rootfs is a directory on it; argv[1] "MAJOR:MINOR" overrides)
 * in /dev or /tmp, then an attempt to open it and read its first sector.
 * Reading only; the node is removed again. */
#include "probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int try_open(const char *node, dev_t dev)
{
	char buf[512];
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		(void)unlink(node);
		return probe_blocked(e, "mknod %s (%u:%u) worked, open", node, major(dev),
				     minor(dev));
	}
	ssize_t n = read(fd, buf, sizeof(buf));
	int e = errno;
	(void)close(fd);
	(void)unlink(node);
	if (n < 0)
		return probe_blocked(e, "block device %u:%u opened, read", major(dev), minor(dev));
	return probe_escaped("read %zd bytes from block device %u:%u", n, major(dev), minor(dev));
}

int main(int argc, char **argv)
{
	static const char *const nodes[] = { "/dev/brig-probe-blk", "/tmp/brig-probe-blk" };
	unsigned ma, mi;
	struct stat st;
	dev_t dev;
	int e = 0;

	if (argc > 1 && sscanf(argv[1], "%u:%u", &ma, &mi) == 2) {
		dev = makedev(ma, mi);
	} else {
		if (stat("/etc/passwd", &st) < 0)
			return probe_error("stat /etc/passwd: %s", strerror(errno));
		dev = st.st_dev;
	}
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknod(nodes[i], S_IFBLK | 0600, dev) == 0)
			return try_open(nodes[i], dev);
		if (e == 0 || errno == EPERM)
			e = errno;
	}
	return probe_blocked(e, "mknod of block device %u:%u", major(dev), minor(dev));
}
