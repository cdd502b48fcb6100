/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel keyring is not namespaced: add_key(2) of a "user" key to the
 * process keyring (which dies with the probe; it is also invalidated). */
#include "probe.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long key = syscall(SYS_add_key, "user", "brig-probe", "x", (size_t)1,
			   KEY_SPEC_PROCESS_KEYRING);
	if (key < 0) {
		int e = errno;
		long kr = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
		if (kr >= 0)
			return probe_escaped(
				"add_key refused, but keyctl reached the user keyring %ld", kr);
		return probe_blocked(e, "add_key(user) and keyctl (%s)", probe_errname(errno));
	}
	(void)syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
	return probe_escaped("add_key made key %ld in the kernel keyring", key);
}
