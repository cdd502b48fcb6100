/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime's command line: the command table and what its verbs share.
 * One file per verb (or small family) in this directory, named after it. */
#ifndef BRIG_CLI_RUNTIME_INTERNAL_H
#define BRIG_CLI_RUNTIME_INTERNAL_H

#include "cli/opts.h"
#include "runtime/runtime.h"

struct rtcmd {
	const char *name;
	const char *summary;
	int (*fn)(const struct rt_global *g, int argc, char **argv);
	bool enters_container; /* runs from a sealed copy of brig-runtime */
};

/* Every verb, in the order `brig-runtime --help` lists them. */
extern const struct rtcmd rt_commands[];

/* Set when --log names a file: errors then go there too. */
extern bool rt_log_to_file;

/* Print an error (stderr, and the log file when one is set). */
void rt_report(struct brig_err *e);
/* Print e and return brig-runtime's error exit status, 1. */
int rt_fail(struct brig_err *e);

/* Parse a verb's options (opts_parse_cmd as "brig-runtime VERB"): 1 to go
 * on, 0 when help was printed, -1 after a usage error (printed). */
int rtcli_parse(const char *verb, const char *args, struct opt *o, int argc, char **argv,
		bool stop_at_positional, char ***pos, size_t *npos, size_t min, size_t max);
/* rtcli_parse for verbs that take just an ID. */
int rtcli_id_only(const char *verb, int argc, char **argv, const char **id);
/* Print j as indented JSON on stdout; 0, or 1 when out of memory. */
int rtcli_print_json(json_t *j);

int rtcmd_create(const struct rt_global *g, int argc, char **argv);
int rtcmd_run(const struct rt_global *g, int argc, char **argv);
int rtcmd_start(const struct rt_global *g, int argc, char **argv);
int rtcmd_state(const struct rt_global *g, int argc, char **argv);
int rtcmd_list(const struct rt_global *g, int argc, char **argv);
int rtcmd_kill(const struct rt_global *g, int argc, char **argv);
int rtcmd_delete(const struct rt_global *g, int argc, char **argv);
int rtcmd_pause(const struct rt_global *g, int argc, char **argv);
int rtcmd_resume(const struct rt_global *g, int argc, char **argv);
int rtcmd_exec(const struct rt_global *g, int argc, char **argv);
int rtcmd_ps(const struct rt_global *g, int argc, char **argv);
int rtcmd_update(const struct rt_global *g, int argc, char **argv);
int rtcmd_events(const struct rt_global *g, int argc, char **argv);
int rtcmd_spec(const struct rt_global *g, int argc, char **argv);
int rtcmd_features(const struct rt_global *g, int argc, char **argv);
int rtcmd_unsupported(const struct rt_global *g, int argc, char **argv);
int rtcmd_help(const struct rt_global *g, int argc, char **argv);
/* brig-runtime help --man DIR (manpages.c); global: the global options. */
int rt_write_man_pages(const struct rt_global *g, const struct opt *global, const char *dir);

#endif
