/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime: the runc-compatible OCI runtime command line. */
#include "cli/opts.h"
#include "cli/rtcmd.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

static const struct rtcmd *find_cmd(const char *name)
{
	for (const struct rtcmd *c = rt_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void usage(FILE *out, struct opt *global)
{
	fprintf(out, "Usage: brig-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
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

int main(int argc, char **argv, char **envp)
{
	struct opt global[] = {
		{ "root", 0, OPT_STR, "state directory (default " "/run/brig-runtime" ")", "DIR", false, NULL, NULL, 0 },
		{ "log", 0, OPT_STR, "log file (default stderr)", "FILE", false, NULL, NULL, 0 },
		{ "log-format", 0, OPT_STR, "log format: text or json", "FMT", false, NULL, NULL, 0 },
		{ "debug", 0, OPT_BOOL, "debug logging", NULL, false, NULL, NULL, 0 },
		{ "systemd-cgroup", 0, OPT_BOOL, "use systemd to manage cgroups", NULL, false, NULL, NULL, 0 },
		{ "rootless", 0, OPT_STR, "ignored (auto-detected)", "BOOL", false, NULL, NULL, 0 },
		{ "criu", 0, OPT_STR, "ignored: checkpointing is not supported", "PATH", false, NULL, NULL, 0 },
		{ "version", 'v', OPT_BOOL, "print the version", NULL, false, NULL, NULL, 0 },
		{ "help", 'h', OPT_BOOL, "print this help", NULL, false, NULL, NULL, 0 },
		{ 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	if (opts_parse("brig-runtime", global, argc - 1, argv + 1, true, &pos, &npos) < 0)
		return 1;
	int rc = 1;
	_cleanup_err_ struct brig_err e = { 0 };
	if (opts_find(global, "version")->set) {
		printf("brig-runtime version %s\nspec: 1.2.0\n", BRIG_VERSION);
		rc = 0;
		goto out;
	}
	if (npos == 0 || opts_find(global, "help")->set) {
		usage(npos ? stdout : stderr, global);
		rc = npos || opts_find(global, "help")->set ? 0 : 1;
		goto out;
	}
	const struct rtcmd *cmd = find_cmd(pos[0]);
	if (!cmd) {
		fprintf(stderr, "brig-runtime: unknown command \"%s\"; see 'brig-runtime --help'\n",
			pos[0]);
		goto out;
	}
	if (setup_logging(global, &e) < 0) {
		fprintf(stderr, "brig-runtime: %s\n", brig_err_str(&e));
		goto out;
	}
	if (cmd->enters_container && rt_ensure_sealed_self(argv, envp, &e) < 0) {
		rt_report(&e);
		goto out;
	}
	char rootbuf[4096];
	const char *root = opts_find(global, "root")->value;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (!root && geteuid() != 0 && xdg && *xdg &&
	    brig_snprintf(rootbuf, sizeof(rootbuf), "%s/brig-runtime", xdg) >= 0)
		root = rootbuf;
	struct rt_global g = {
		.root = root ? root : "/run/brig-runtime",
		.systemd_cgroup = opts_find(global, "systemd-cgroup")->set,
	};
	/* The command's own words start after its name in argv. */
	int at = 1;
	while (at < argc && argv[at] != pos[0])
		at++;
	rc = cmd->fn(&g, argc - at - 1, argv + at + 1);
out:
	free(pos);
	opts_free(global);
	return rc;
}
