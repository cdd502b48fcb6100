/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock's three system calls (see landlock.h). */
#include "common/landlock.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#define LL_CREATE_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

/* struct landlock_ruleset_attr as of ABI 6; the kernel takes a longer
 * struct than it knows when the unknown tail is zero. */
struct ll_ruleset_attr {
	uint64_t fs, net, scoped;
};

struct ll_path_attr {
	uint64_t access;
	int32_t fd;
} __attribute__((packed));

struct ll_port_attr {
	uint64_t access;
	uint64_t port;
};

static int sys_ret(long r)
{
	return r < 0 ? -errno : (int)r;
}

int brig_landlock_abi(void)
{
	return sys_ret(syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_VERSION));
}

uint64_t brig_landlock_fs_all(int abi)
{
	uint64_t all = (BRIG_LL_FS_MAKE_SYM << 1) - 1; /* ABI 1 */
	if (abi >= 2)
		all |= BRIG_LL_FS_REFER;
	if (abi >= 3)
		all |= BRIG_LL_FS_TRUNCATE;
	if (abi >= 5)
		all |= BRIG_LL_FS_IOCTL_DEV;
	return abi >= 1 ? all : 0;
}

int brig_landlock_ruleset(uint64_t fs, uint64_t net, uint64_t scoped)
{
	struct ll_ruleset_attr a = { .fs = fs, .net = net, .scoped = scoped };
	size_t size = scoped ? sizeof(a) : net ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
	return sys_ret(syscall(__NR_landlock_create_ruleset, &a, size, 0));
}

int brig_landlock_allow_path(int ruleset, int fd, uint64_t access)
{
	struct ll_path_attr a = { .access = access, .fd = fd };
	return sys_ret(syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &a, 0));
}

int brig_landlock_allow_port(int ruleset, uint16_t port, uint64_t access)
{
	struct ll_port_attr a = { .access = access, .port = port };
	return sys_ret(syscall(__NR_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &a, 0));
}

int brig_landlock_enforce(int ruleset)
{
	return sys_ret(syscall(__NR_landlock_restrict_self, ruleset, 0));
}
