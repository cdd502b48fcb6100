/* SPDX-License-Identifier: Apache-2.0 */
/* Installed setuid root in the container image and run by a non-root user:
 * reports whether exec gave it euid 0.  no_new_privs or a nosuid mount keep
 * the euid of the caller. */
#include "probe.h"

#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	uid_t ruid, euid, suid;
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	if (getresuid(&ruid, &euid, &suid) < 0)
		return probe_error("getresuid: %s", strerror(errno));
	if (ruid == 0)
		return probe_error("started as uid 0: run this probe as another user");
	if (euid == 0 || suid == 0)
		return probe_escaped(
			"setuid-root binary run by uid %u got euid %u (no_new_privs=%d)", ruid,
			euid, nnp);
	return probe_blocked(0, "setuid-root binary run by uid %u kept euid %u (no_new_privs=%d)",
			     ruid, euid, nnp);
}
