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

/* Print e and return brig-runtime's error exit status, 1. */
int rt_fail(struct brig_err *e);

#define HELP_OPT { "help", 'h', OPT_BOOL, "show this help", NULL, false, NULL, NULL, 0 }

/* The commands of rtcmd2.c. */
int rtcmd_exec(const struct rt_global *g, int argc, char **argv);
int rtcmd_ps(const struct rt_global *g, int argc, char **argv);
int rtcmd_update(const struct rt_global *g, int argc, char **argv);
int rtcmd_spec(const struct rt_global *g, int argc, char **argv);
int rtcmd_features(const struct rt_global *g, int argc, char **argv);
int rtcmd_events(const struct rt_global *g, int argc, char **argv);
int rtcmd_unsupported(const struct rt_global *g, int argc, char **argv);

#endif
