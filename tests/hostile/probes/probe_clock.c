/* SPDX-License-Identifier: Apache-2.0 */
/* clock_settime(CLOCK_REALTIME): the clock is not namespaced.  The probe sets
 * the time it has just read, so a success moves the host clock by at most a
 * few microseconds. */
#include "probe.h"

#include <time.h>

int main(void)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return probe_error("clock_gettime: %s", strerror(errno));
	if (clock_settime(CLOCK_REALTIME, &now) < 0)
		return probe_blocked(errno, "clock_settime(CLOCK_REALTIME)");
	return probe_escaped("set the host's realtime clock");
}
