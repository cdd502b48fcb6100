/* SPDX-License-Identifier: Apache-2.0 */
/* brig: the docker-like command line. */
#include "common/common.h"

#include <string.h>

static void usage(FILE *out)
{
	fputs("Usage: brig [OPTIONS] COMMAND\n"
	      "\n"
	      "A daemonless, secure-by-default container engine.\n"
	      "\n"
	      "Options:\n"
	      "  -v, --version   print version information and exit\n"
	      "  -h, --help      print this help and exit\n"
	      "\n"
	      "Commands:\n"
	      "  version         print version information\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 125;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "-v") == 0 || strcmp(cmd, "--version") == 0 ||
	    strcmp(cmd, "version") == 0) {
		printf("brig version %s\n", BRIG_VERSION);
		return 0;
	}
	fprintf(stderr, "brig: '%s' is not a brig command; see 'brig --help'\n", cmd);
	return 125;
}
