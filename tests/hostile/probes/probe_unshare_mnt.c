/* SPDX-License-Identifier: Apache-2.0 */
/* unshare(CLONE_NEWNS): a private mount namespace (needs CAP_SYS_ADMIN). */
#include "probe.h"

#include <sched.h>

int main(void)
{
	if (unshare(CLONE_NEWNS) == 0)
		return probe_escaped("unshare(CLONE_NEWNS)");
	return probe_blocked(errno, "unshare(CLONE_NEWNS)");
}
