/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime: the runc-compatible OCI runtime command line. */
#include "cli/runtime/brig-runtime-internal.h"

#include <stdlib.h>
#include <string.h>

static struct opt *global_opts;

static const struct rtcmd *find_cmd(const char *name)
{
	for (const struct rtcmd *c = rt_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void usage(FILE *out, struct opt *global)
{
	fprintf(out,
		"Usage: brig-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		"An OCI runtime with runc's command line: it turns an OCI bundle\n"
		"(config.json + rootfs) into a confined container process.\n\n"
		"Commands:\n");
	for (const struct rtcmd *c = rt_commands; c->name; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fprintf(out, "\nGlobal options:\n");
	opts_usage(out, global);
	fprintf(out, "\nRun 'brig-runtime COMMAND --help' for a command's options.\n");
}

static int setup_logging(struct opt *global, struct brig_err *e)
{
	enum brig_log_format fmt = BRIG_LOG_TEXT;
	const char *f = opts_find(global, "log-format")->value;
	if (f && brig_log_parse_format(f, &fmt) < 0)
		return brig_err_set(e, -EINVAL, "--log-format: \"%s\" is not text or json", f);
	enum brig_log_level lvl = opts_find(global, "debug")->set ? BRIG_LOG_DEBUG : BRIG_LOG_WARN;
	const char *log = opts_find(global, "log")->value;
	if (log && *log) {
		rt_log_to_file = true;
		return brig_log_open(log, lvl, fmt, e);
	}
	return brig_log_setup(STDERR_FILENO, lvl, BRIG_LOG_TEXT, e);
}

/* brig-runtime help [COMMAND]: the global usage, or COMMAND --help. */
int rtcmd_help(const struct rt_global *g, int argc, char **argv)
{
	if (argc == 0) {
		usage(stdout, global_opts);
		return 0;
	}
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		printf("Usage: brig-runtime help [--man DIR | COMMAND]\n\n"
		       "Show the help of brig-runtime, or of one command; --man DIR writes\n"
		       "brig-runtime(8) and a man page per command into DIR.\n");
		return 0;
	}
	if (strcmp(argv[0], "--man") == 0 && argc == 2)
		return rt_write_man_pages(g, global_opts, argv[1]);
	const struct rtcmd *cmd = find_cmd(argv[0]);
	if (!cmd || cmd->fn == rtcmd_help) {
		fprintf(stderr, "brig-runtime help: unknown command \"%s\"\n", argv[0]);
		return 1;
	}
	char invoked[64];
	snprintf(invoked, sizeof(invoked), "brig-runtime %s", cmd->name);
	opts_set_command(invoked, cmd->summary);
	char *help[] = { "--help", NULL };
	return cmd->fn(g, 1, help);
}

/* The state directory: --root, else $XDG_RUNTIME_DIR/brig-runtime for a
 * user who is not root, else /run/brig-runtime. */
static const char *state_root(struct opt *global, char *buf, size_t len)
{
	const char *root = opts_find(global, "root")->value;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (!root && geteuid() != 0 && xdg && *xdg &&
	    brig_snprintf(buf, len, "%s/brig-runtime", xdg) >= 0)
		root = buf;
	return root ? root : "/run/brig-runtime";
}

/* cmd with the words after its name (name, as found in argv). */
static int run_command(const struct rtcmd *cmd, struct opt *global, int argc, char **argv,
		       char **envp, const char *name)
{
	_cleanup_err_ struct brig_err e = { 0 };
	global_opts = global;
	char invoked[64];
	snprintf(invoked, sizeof(invoked), "brig-runtime %s", cmd->name);
	opts_set_command(invoked, cmd->summary);
	if (setup_logging(global, &e) < 0) {
		fprintf(stderr, "brig-runtime: %s\n", brig_err_str(&e));
		return 1;
	}
	rt_trace_init();
	rt_trace("main");
	if (cmd->enters_container && rt_ensure_sealed_self(argv, envp, &e) < 0) {
		rt_report(&e);
		return 1;
	}
	rt_trace("selfprotect");
	char rootbuf[4096];
	struct rt_global g = {
		.root = state_root(global, rootbuf, sizeof(rootbuf)),
		.systemd_cgroup = opts_find(global, "systemd-cgroup")->set,
	};
	int at = 1;
	while (at < argc && argv[at] != name)
		at++;
	return cmd->fn(&g, argc - at - 1, argv + at + 1);
}

int main(int argc, char **argv, char **envp)
{
	struct opt global[] = {
		OPT_VALUE("root", 0, "DIR",
			  "state directory (default "
			  "/run/brig-runtime"
			  ")"),
		OPT_VALUE("log", 0, "FILE", "log file (default stderr)"),
		OPT_VALUE("log-format", 0, "FMT", "log format: text or json"),
		OPT_FLAG("debug", 0, "debug logging"),
		OPT_FLAG("systemd-cgroup", 0, "use systemd to manage cgroups"),
		OPT_VALUE("rootless", 0, "BOOL", "ignored (auto-detected)"),
		OPT_VALUE("criu", 0, "PATH", "ignored: checkpointing is not supported"),
		OPT_FLAG("version", 'v', "print the version"),
		OPT_FLAG("help", 'h', "print this help"),
		{ 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	if (opts_parse("brig-runtime", global, argc - 1, argv + 1, true, &pos, &npos) < 0)
		return 1;
	int rc = 1;
	if (opts_find(global, "version")->set) {
		printf("brig-runtime version %s\nspec: 1.2.0\n", BRIG_VERSION);
		rc = 0;
		goto out;
	}
	if (opts_find(global, "help")->set) {
		usage(stdout, global);
		rc = 0;
		goto out;
	}
	if (npos == 0) {
		usage(stderr, global);
		goto out;
	}
	const struct rtcmd *cmd = find_cmd(pos[0]);
	if (!cmd) {
		fprintf(stderr, "brig-runtime: unknown command \"%s\"; see 'brig-runtime --help'\n",
			pos[0]);
		goto out;
	}
	rc = run_command(cmd, global, argc, argv, envp, pos[0]);
out:
	free(pos);
	opts_free(global);
	return rc;
}
