/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime: the runc-compatible OCI runtime command line. */
#include "common/common.h"

#include <string.h>

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
		printf("brig-runtime version %s\nspec: 1.2.0\n", BRIG_VERSION);
		return 0;
	}
	fprintf(stderr, "brig-runtime: no command given; see 'brig-runtime --help'\n");
	return 1;
}
