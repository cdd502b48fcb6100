/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime's command table and what its verbs share. */
#include "cli/runtime/brig-runtime-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rt_log_to_file;

void rt_report(struct brig_err *e)
{
	const char *msg = brig_err_str(e);
	if (rt_log_to_file)
		brig_error("%s", msg);
	fprintf(stderr, "brig-runtime: %s\n", msg);
}

int rt_fail(struct brig_err *e)
{
	rt_report(e);
	return 1;
}

/* Parse a command's options; prints help when asked.  Returns 1 to go on,
 * 0 when help was printed, -1 on a usage error. */
int rtcli_parse(const char *name, const char *args, struct opt *o, int argc, char **argv, bool stop,
		char ***pos, size_t *npos, size_t min, size_t max)
{
	char prog[64];
	snprintf(prog, sizeof(prog), "brig-runtime %s", name);
	return opts_parse_cmd(prog, args, o, argc, argv, stop, pos, npos, min, max);
}

/* Commands that take just an ID and a --help. */
int rtcli_id_only(const char *name, int argc, char **argv, const char **id)
{
	struct opt o[] = { { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int p = rtcli_parse(name, "ID", o, argc, argv, false, &pos, &npos, 1, 1);
	if (p > 0)
		*id = pos[0];
	free(pos);
	opts_free(o);
	return p;
}

int rtcli_print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

const struct rtcmd rt_commands[] = {
	{ "create", "create a container from a bundle (waits for start)", rtcmd_create, true },
	{ "start", "run the user process of a created container", rtcmd_start, false },
	{ "run", "create and start a container", rtcmd_run, true },
	{ "state", "print the state of a container as JSON", rtcmd_state, false },
	{ "list", "list containers", rtcmd_list, false },
	{ "kill", "send a signal to a container", rtcmd_kill, false },
	{ "delete", "delete a container and its resources", rtcmd_delete, false },
	{ "exec", "run another process in a container", rtcmd_exec, true },
	{ "ps", "list the processes of a container", rtcmd_ps, false },
	{ "pause", "freeze every process of a container", rtcmd_pause, false },
	{ "resume", "thaw a paused container", rtcmd_resume, false },
	{ "update", "change a container's resource limits", rtcmd_update, false },
	{ "events", "print resource usage statistics (--stats)", rtcmd_events, false },
	{ "spec", "write a config.json with brig's secure defaults", rtcmd_spec, false },
	{ "features", "print the runtime's features as JSON", rtcmd_features, false },
	{ "checkpoint", "not supported", rtcmd_unsupported, false },
	{ "restore", "not supported", rtcmd_unsupported, false },
	{ "help", "show the help of brig-runtime or of one command", rtcmd_help, false },
	{ 0 },
};
