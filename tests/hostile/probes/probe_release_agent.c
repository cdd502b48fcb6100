/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup v1 release_agent escape: whoever can write a hierarchy's
 * release_agent and set notify_on_release gets a program run by the kernel
 * as root on the host.  The probe only checks whether it could: it mounts a
 * v1 hierarchy (the memory one, which the host already has) on /tmp, and opens
 * release_agent and notify_on_release of every visible v1 mount for writing,
 * but never writes anything. */
#include "probe.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first writable release_agent/notify_on_release under DIR, or NULL. */
static const char *writable_file(const char *dir)
{
	static const char *const files[] = { "release_agent", "notify_on_release" };
	static char path[4096];

	for (size_t i = 0; i < 2; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)close(fd);
			return path;
		}
	}
	return NULL;
}

/* Every cgroup v1 mount point this process sees, checked. */
static const char *scan_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mnt[4096], type[256];
	const char *found = NULL;

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%255s", type) != 1)
			continue;
		if (strcmp(type, "cgroup") == 0)
			found = writable_file(mnt);
	}
	(void)fclose(f);
	return found;
}

int main(void)
{
	const char *dir = "/tmp/brig-probe-cgroup";
	const char *w;
	int e;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return probe_error("mkdir %s: %s", dir, strerror(errno));
	if (mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, "memory") == 0) {
		w = writable_file(dir);
		(void)umount2(dir, MNT_DETACH);
		(void)rmdir(dir);
		return probe_escaped("mounted the cgroup v1 memory hierarchy%s%s",
				     w ? "; writable: " : "", w ? w : "");
	}
	e = errno;
	(void)rmdir(dir);
	w = scan_mounts();
	if (w)
		return probe_escaped("%s can be opened for writing", w);
	return probe_blocked(e, "no writable release_agent or notify_on_release; mount cgroup v1");
}
