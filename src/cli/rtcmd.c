/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime's commands: runc's verbs, flags and exit codes. */
#include "cli/rtcmd.h"
#include "cli/opts.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>


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
static int parse(const char *name, const char *args, struct opt *o, int argc, char **argv,
		 bool stop, char ***pos, size_t *npos, size_t min, size_t max)
{
	char prog[64];
	snprintf(prog, sizeof(prog), "brig-runtime %s", name);
	return opts_parse_cmd(prog, args, o, argc, argv, stop, pos, npos, min, max);
}

static bool parse_uint(const char *s, unsigned *out)
{
	uint64_t v;
	if (!s)
		return true;
	if (brig_parse_u64(s, &v) < 0 || v > 65536)
		return false;
	*out = (unsigned)v;
	return true;
}

static int do_create(const struct rt_global *g, int argc, char **argv, bool run)
{
	struct opt o[] = {
		{ "bundle", 'b', OPT_STR, "bundle directory (default: current)", "DIR", false, NULL, NULL, 0 },
		{ "pid-file", 0, OPT_STR, "write the container's pid here", "FILE", false, NULL, NULL, 0 },
		{ "console-socket", 0, OPT_STR, "unix socket to receive the pty master", "PATH", false, NULL, NULL, 0 },
		{ "no-pivot", 0, OPT_BOOL, "use MS_MOVE+chroot instead of pivot_root", NULL, false, NULL, NULL, 0 },
		{ "no-new-keyring", 0, OPT_BOOL, "do not create a session keyring", NULL, false, NULL, NULL, 0 },
		{ "preserve-fds", 0, OPT_STR, "pass N extra fds (from 3)", "N", false, NULL, NULL, 0 },
		{ "detach", 'd', OPT_BOOL, "run: do not wait for the container", NULL, false, NULL, NULL, 0 },
		{ "keep", 0, OPT_BOOL, "run: keep the container after it exits", NULL, false, NULL, NULL, 0 },
		HELP_OPT, { 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int p = parse(run ? "run" : "create", "ID", o, argc, argv, false, &pos, &npos, 1, 1);
	if (p <= 0) {
		free(pos);
		opts_free(o);
		return p < 0 ? 1 : 0;
	}
	struct rt_create_opts co = {
		.id = pos[0],
		.bundle = opts_find(o, "bundle")->value,
		.pid_file = opts_find(o, "pid-file")->value,
		.console_socket = opts_find(o, "console-socket")->value,
		.no_pivot = opts_find(o, "no-pivot")->set,
		.no_new_keyring = opts_find(o, "no-new-keyring")->set,
		.start = run,
		.foreground = run && !opts_find(o, "detach")->set,
		.keep = opts_find(o, "keep")->set,
	};
	_cleanup_err_ struct brig_err e = { 0 };
	int rc;
	if (!parse_uint(opts_find(o, "preserve-fds")->value, &co.preserve_fds)) {
		fprintf(stderr, "brig-runtime: --preserve-fds: not a small number\n");
		rc = 1;
	} else {
		rc = rt_create(g, &co, &e);
		rc = rc < 0 ? rt_fail(&e) : rc;
	}
	free(pos);
	opts_free(o);
	return rc;
}

static int cmd_create(const struct rt_global *g, int argc, char **argv)
{
	return do_create(g, argc, argv, false);
}

static int cmd_run(const struct rt_global *g, int argc, char **argv)
{
	return do_create(g, argc, argv, true);
}

/* Commands that take just an ID and a --help. */
static int id_only(const char *name, int argc, char **argv, const char **id)
{
	struct opt o[] = { HELP_OPT, { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int p = parse(name, "ID", o, argc, argv, false, &pos, &npos, 1, 1);
	if (p > 0)
		*id = pos[0];
	free(pos);
	opts_free(o);
	return p;
}

static int cmd_start(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = id_only("start", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	return rt_start(g, id, &e) < 0 ? rt_fail(&e) : 0;
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int cmd_state(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = id_only("state", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *s = NULL;
	if (rt_state(g, id, &s, &e) < 0)
		return rt_fail(&e);
	return print_json(s);
}

static int cmd_list(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "format", 'f', OPT_STR, "table or json", "FMT", false, NULL, NULL, 0 },
		{ "quiet", 'q', OPT_BOOL, "only ids", NULL, false, NULL, NULL, 0 },
		HELP_OPT, { 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int p = parse("list", "", o, argc, argv, false, &pos, &npos, 0, 0);
	free(pos);
	const char *fmt = opts_find(o, "format")->value;
	bool quiet = opts_find(o, "quiet")->set;
	opts_free(o);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "table") != 0) {
		fprintf(stderr, "brig-runtime list: --format: \"%s\" is not table or json\n", fmt);
		return 1;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *all = NULL;
	if (rt_list(g, &all, &e) < 0)
		return rt_fail(&e);
	if (fmt && strcmp(fmt, "json") == 0) {
		char *s = json_dumps(all, JSON_COMPACT);
		printf("%s\n", s ? s : "[]");
		free(s);
		return 0;
	}
	if (!quiet)
		printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	size_t i;
	json_t *s;
	json_array_foreach(all, i, s) {
		if (quiet) {
			printf("%s\n", json_string_value(json_object_get(s, "id")));
			continue;
		}
		printf("%-20s %-8lld %-10s %-40s %-30s %s\n",
		       json_string_value(json_object_get(s, "id")),
		       (long long)json_integer_value(json_object_get(s, "pid")),
		       json_string_value(json_object_get(s, "status")),
		       json_string_value(json_object_get(s, "bundle")),
		       json_string_value(json_object_get(s, "created")),
		       json_string_value(json_object_get(s, "owner")));
	}
	return 0;
}

static int cmd_kill(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = { { "all", 'a', OPT_BOOL, "signal every process of the container", NULL, false, NULL, NULL, 0 },
			   HELP_OPT, { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int p = parse("kill", "ID [SIGNAL]", o, argc, argv, false, &pos, &npos, 1, 2);
	bool all = opts_find(o, "all")->set;
	opts_free(o);
	if (p <= 0) {
		free(pos);
		return p < 0 ? 1 : 0;
	}
	int sig = npos > 1 ? rt_parse_signal(pos[1]) : SIGTERM;
	const char *id = pos[0];
	int rc = 0;
	if (sig < 0) {
		fprintf(stderr, "brig-runtime kill: unknown signal \"%s\"\n", pos[1]);
		rc = 1;
	} else {
		_cleanup_err_ struct brig_err e = { 0 };
		if (rt_kill(g, id, sig, all, &e) < 0)
			rc = rt_fail(&e);
	}
	free(pos);
	return rc;
}

static int cmd_delete(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = { { "force", 'f', OPT_BOOL, "kill the container if it runs", NULL, false, NULL, NULL, 0 },
			   HELP_OPT, { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int p = parse("delete", "ID", o, argc, argv, false, &pos, &npos, 1, 1);
	bool force = opts_find(o, "force")->set;
	opts_free(o);
	int rc = p < 0 ? 1 : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		int r = rt_delete(g, pos[0], force, &e);
		/* runc: deleting an absent container with --force succeeds. */
		if (r < 0 && !(r == -ENOENT && force))
			rc = rt_fail(&e);
	}
	free(pos);
	return rc;
}

static int cmd_pause(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = id_only("pause", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	return rt_pause(g, id, true, &e) < 0 ? rt_fail(&e) : 0;
}

static int cmd_resume(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = id_only("resume", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	return rt_pause(g, id, false, &e) < 0 ? rt_fail(&e) : 0;
}


const struct rtcmd rt_commands[] = {
	{ "create", "create a container from a bundle (waits for start)", cmd_create, true },
	{ "start", "run the user process of a created container", cmd_start, false },
	{ "run", "create and start a container", cmd_run, true },
	{ "state", "print the state of a container as JSON", cmd_state, false },
	{ "list", "list containers", cmd_list, false },
	{ "kill", "send a signal to a container", cmd_kill, false },
	{ "delete", "delete a container and its resources", cmd_delete, false },
	{ "exec", "run another process in a container", rtcmd_exec, true },
	{ "ps", "list the processes of a container", rtcmd_ps, false },
	{ "pause", "freeze every process of a container", cmd_pause, false },
	{ "resume", "thaw a paused container", cmd_resume, false },
	{ "update", "change a container's resource limits", rtcmd_update, false },
	{ "events", "print resource usage statistics (--stats)", rtcmd_events, false },
	{ "spec", "write a config.json with brig's secure defaults", rtcmd_spec, false },
	{ "features", "print the runtime's features as JSON", rtcmd_features, false },
	{ "checkpoint", "not supported", rtcmd_unsupported, false },
	{ "restore", "not supported", rtcmd_unsupported, false },
	{ 0 },
};
