/* SPDX-License-Identifier: Apache-2.0 */
/* Capability names: the one table of them (linux/capability.h's order),
 * for the runtime, the engine's flags and the engine config alike. */
#include "common/common.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>

/* Indexed by capability number. */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int brig_cap_count(void)
{
	return (int)BRIG_ARRAY_SIZE(cap_names);
}

const char *brig_cap_name(int cap)
{
	return cap >= 0 && cap < brig_cap_count() ? cap_names[cap] : NULL;
}

int brig_cap_from_name(const char *name)
{
	const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
	for (int i = 0; i < brig_cap_count(); i++)
		if (strcasecmp(cap_names[i] + 4, bare) == 0)
			return i;
	return -1;
}

int brig_cap_last(void)
{
	static int last = -1;
	if (last >= 0)
		return last;
	_cleanup_free_ char *buf = NULL;
	uint64_t v;
	if (brig_read_file(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &buf, NULL, NULL) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (brig_parse_u64(buf, &v) == 0 && v < 64)
			last = (int)v;
	}
	if (last < 0)
		last = CAP_LAST_CAP;
	return last;
}
