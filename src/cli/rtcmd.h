/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime's commands. */
#ifndef BRIG_CLI_RTCMD_H
#define BRIG_CLI_RTCMD_H

#include "runtime/runtime.h"

struct rtcmd {
	const char *name;
	const char *summary;
	int (*fn)(const struct rt_global *g, int argc, char **argv);
	bool enters_container;
};

extern const struct rtcmd rt_commands[];

/* Set when --log names a file: errors then go there too. */
extern bool rt_log_to_file;

/* Print an error (stderr, and the log file when one is set). */
void rt_report(struct brig_err *e);

#endif
