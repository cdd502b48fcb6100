/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Not a probe but the attacker's half of a race (tests/hostile/mount_races.bats):
 * probe_swapdir A B STOP swaps the names A and B (a directory and a symlink,
 * say) with renameat2(RENAME_EXCHANGE) as fast as it can until the file STOP
 * exists.  A neighbour container sharing a volume does this to a directory
 * that a victim container's bind mount is placed below.  Prints
 * "SWAPPED: N" when it stops, or "ERROR: ..." (exit 2) when it cannot swap.
 */
#include "probe.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
	if (argc != 4)
		return probe_error("usage: probe_swapdir A B STOP");
	unsigned long n = 0;
	for (;;) {
		if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0)
			return probe_error("renameat2 %s %s: %s", argv[1], argv[2],
					   strerror(errno));
		if (++n % 256 == 0 && access(argv[3], F_OK) == 0)
			break;
	}
	printf("SWAPPED: %lu\n", n);
	return fflush(stdout) == 0 ? 0 : 2;
}
