/* SPDX-License-Identifier: Apache-2.0 */
/* brig: the docker-like command line, and its one command table. */
#include "cli/brig/brig-internal.h"
#include "cli/docker_missing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD(n, f, s, ...)                                           \
	{                                                           \
		.name = (n), .fn = (f), .summary = (s), __VA_ARGS__ \
	}
#define END       \
	{         \
		0 \
	}

static const struct brig_command container_cmds[] = {
	CMD("create", brig_cmd_create, "make a container from an image (not started)",
	    .flags = CMD_FAIL_125),
	CMD("run", brig_cmd_run, "make and start a container (-d: in the background)",
	    .flags = CMD_ENTERS | CMD_FAIL_125),
	CMD("start", brig_cmd_start, "start created or stopped containers (-a: attached)",
	    .flags = CMD_ENTERS),
	CMD("ls", brig_cmd_ps, "list containers (-a: all of them)"),
	CMD("list", brig_cmd_ps, "list containers", .flags = CMD_HIDDEN),
	CMD("ps", brig_cmd_ps, "list containers", .flags = CMD_HIDDEN),
	CMD("inspect", brig_cmd_container_inspect, "show containers in detail (-f TEMPLATE)"),
	CMD("logs", brig_cmd_logs, "show a container's output (-f, -t, --since, --tail)"),
	CMD("exec", brig_cmd_exec, "run a command in a running container", .flags = CMD_ENTERS),
	CMD("attach", brig_cmd_attach, "attach to a container's terminal or stdin (run -d -it)"),
	CMD("top", brig_cmd_top, "list a container's processes"),
	CMD("stop", brig_cmd_stop, "stop containers (signal, then SIGKILL after -t seconds)"),
	CMD("restart", brig_cmd_restart, "stop containers, then start them again",
	    .flags = CMD_ENTERS),
	CMD("kill", brig_cmd_kill, "send a signal to containers"),
	CMD("pause", brig_cmd_pause, "freeze every process of containers (cgroup freezer)"),
	CMD("unpause", brig_cmd_unpause, "thaw paused containers"),
	CMD("diff", brig_cmd_diff, "list what a container changed in its image (A, C, D)"),
	CMD("commit", brig_cmd_commit, "make an image of a container's changes"),
	CMD("port", brig_cmd_port, "list a container's published ports (-p, -P)"),
	CMD("export", brig_cmd_export, "write a container's filesystem as a tar (-o FILE)"),
	CMD("forensics", brig_cmd_forensics,
	    "freeze a container and collect its evidence from the host (-o DIR|FILE.tar)"),
	CMD("cp", brig_cmd_cp, "copy files between a container and the host"),
	CMD("wait", brig_cmd_wait, "wait for containers to exit; print their exit codes"),
	CMD("rename", brig_cmd_rename, "rename a container"),
	CMD("update", brig_cmd_update, "change containers' limits and restart policy"),
	CMD("rm", brig_cmd_rm, "remove containers (-f: running ones too)"),
	CMD("stats", brig_cmd_stats, "cpu, memory and pids of containers"),
	CMD("prune", brig_cmd_container_prune, "remove all stopped containers (asks; -f: not)"),
	END,
};

static const struct brig_command image_cmds[] = {
	CMD("ls", brig_cmd_images, "list images"),
	CMD("list", brig_cmd_images, "list images", .flags = CMD_HIDDEN),
	CMD("inspect", brig_cmd_inspect, "show images in detail (-f TEMPLATE)"),
	CMD("history", brig_cmd_history, "the layers of an image and how they were made"),
	CMD("build", brig_cmd_build, "build an image from a Dockerfile (reproducible, cached)",
	    .flags = CMD_ENTERS),
	CMD("scan", brig_cmd_scan, "find dangerous files and vulnerable packages in an image"),
	CMD("import", brig_cmd_import, "make an image from a rootfs tarball"),
	CMD("load", brig_cmd_load, "load images from a docker-archive or oci-archive"),
	CMD("pull", brig_cmd_pull, "fetch an image from a registry"),
	CMD("push", brig_cmd_push, "send an image to a registry"),
	CMD("save", brig_cmd_save, "write images to a docker-archive or oci-archive"),
	CMD("tag", brig_cmd_tag, "give an image another name"),
	CMD("rm", brig_cmd_rmi, "remove image names"),
	CMD("prune", brig_cmd_prune, "remove blobs and layers no image needs (--dry-run)"),
	END,
};

static const struct brig_command builder_cmds[] = {
	CMD("prune", brig_cmd_builder_prune,
	    "remove the build cache: cached RUN steps, RUN --mount=type=cache directories "
	    "(asks; -f: not)"),
	END,
};

static const struct brig_command system_cmds[] = {
	CMD("check", brig_cmd_system_check, "verify every blob and name of the store (--repair)"),
	CMD("df", brig_cmd_system_df, "what the store holds and what could be reclaimed"),
	CMD("events", brig_cmd_events, "what happens to containers (as brig events)"),
	CMD("info", brig_cmd_info, "what brig runs on: paths, driver, cgroups, kernel features"),
	CMD("prune", brig_cmd_system_prune,
	    "remove stopped containers, dangling images, unused blobs (asks; -f: not)"),
	END,
};

static const struct brig_command volume_cmds[] = {
	CMD("create", brig_cmd_volume_create, "make a named volume"),
	CMD("ls", brig_cmd_volume_ls, "list volumes (--filter, --format, -q)"),
	CMD("list", brig_cmd_volume_ls, "list volumes", .flags = CMD_HIDDEN),
	CMD("inspect", brig_cmd_volume_inspect, "show volumes as JSON"),
	CMD("rm", brig_cmd_volume_rm, "remove volumes no container uses"),
	CMD("remove", brig_cmd_volume_rm, "remove volumes", .flags = CMD_HIDDEN),
	CMD("prune", brig_cmd_volume_prune,
	    "remove unused anonymous volumes (--all: named ones too)"),
	END,
};

/* seccomp: Docker-format profiles compared (docs/seccomp-learn.md). */
static const struct brig_command seccomp_cmds[] = {
	CMD("diff", brig_cmd_seccomp_diff,
	    "compare two seccomp profiles: calls only in one, rules that differ"),
	CMD("explain", brig_cmd_seccomp_explain,
	    "what a seccomp profile allows beyond brig's default, by risk"),
	END,
};

/* trust: the signature policy, cosign keys and .sig signatures
 * (docs/trust.md, docs/trust-sigstore.md), GPG lookaside signatures
 * (docs/trust-gpg.md), Notary v1 (docs/trust-notary.md). */
static const struct brig_command trust_cmds[] = {
	CMD("explain", brig_cmd_trust_explain,
	    "which policy scope applies to an image, its requirements, the decision"),
	CMD("key", brig_cmd_trust_key,
	    "signing keys in cosign's format, or Notary root/targets keys (--notary): generate, list, export, import, rm"),
	CMD("sign", brig_cmd_trust_sign,
	    "sign an image in a registry (a cosign .sig attachment, a sigstore bundle with --bundle, or GPG with --sign-by)"),
	CMD("verify", brig_cmd_trust_verify,
	    "check an image's cosign .sig, sigstore bundles (--bundle) or GPG lookaside signatures"),
	CMD("inspect", brig_cmd_trust_inspect,
	    "Notary v1: a repository's signed tags, signers, keys and expiries (inspect --notary URL [--pretty] REPO)"),
	CMD("signer", brig_cmd_trust_signer,
	    "Notary v1: the targets/releases delegation (signer add NAME CERT REPO | remove NAME REPO, --notary URL)"),
	CMD("revoke", brig_cmd_trust_revoke,
	    "Notary v1: remove a tag's signature from notary-server (revoke --notary URL IMAGE:TAG)"),
	CMD("notary", brig_cmd_trust_notary,
	    "Notary v1 / TUF: verify GUN TAG (notary verify [--metadata DIR|--server URL] GUN TAG)"),
	END,
};

static const struct brig_command network_cmds[] = {
	CMD("create", brig_cmd_network_create,
	    "make a bridge network (--subnet, --internal, --icc)"),
	CMD("ls", brig_cmd_network_ls, "list networks (--format, -q)"),
	CMD("list", brig_cmd_network_ls, "list networks", .flags = CMD_HIDDEN),
	CMD("inspect", brig_cmd_network_inspect,
	    "show networks as JSON, with what they put in the host's namespace"),
	CMD("rm", brig_cmd_network_rm, "remove networks no container uses"),
	CMD("remove", brig_cmd_network_rm, "remove networks", .flags = CMD_HIDDEN),
	CMD("prune", brig_cmd_network_prune, "remove every network no container uses (asks)"),
	CMD("connect", brig_cmd_network_connect,
	    "put a container on a network (--ip, --alias, --link), at once if it runs"),
	CMD("disconnect", brig_cmd_network_disconnect, "take a container off a network"),
	END,
};

/* healthchecks (docs/health.md), podman's command */
static const struct brig_command healthcheck_cmds[] = {
	CMD("run", brig_cmd_healthcheck_run,
	    "run a container's healthcheck now (exit 0 healthy, 1 not)",
	    .flags = CMD_ENTERS | CMD_FAIL_125),
	END,
};

static int cmd_help(const struct brig_global *g, int argc, char **argv);
static int cmd_version(const struct brig_global *g, int argc, char **argv);

#define CTRS .section = "Containers"
#define IMGS .section = "Images"
#define MGMT .section = "Management commands"
static const struct brig_command commands[] = {
	CMD("create", brig_cmd_create, "make a container from an image (not started)", CTRS,
	    .flags = CMD_FAIL_125),
	CMD("run", brig_cmd_run, "make and start a container (-d: in the background)", CTRS,
	    .flags = CMD_ENTERS | CMD_FAIL_125),
	CMD("start", brig_cmd_start, "start created or stopped containers (-a: attached)", CTRS,
	    .flags = CMD_ENTERS),
	CMD("ps", brig_cmd_ps, "list containers (-a: all of them)", CTRS),
	CMD("inspect", brig_cmd_inspect_any, "show containers or images in detail (-f TEMPLATE)",
	    CTRS),
	CMD("logs", brig_cmd_logs, "show a container's output (-f, -t, --since, --tail)", CTRS),
	CMD("exec", brig_cmd_exec, "run a command in a running container", CTRS,
	    .flags = CMD_ENTERS),
	CMD("attach", brig_cmd_attach, "attach to a container's terminal or stdin (run -d -it)",
	    CTRS),
	CMD("top", brig_cmd_top, "list a container's processes", CTRS),
	CMD("stop", brig_cmd_stop, "stop containers (signal, then SIGKILL after -t seconds)", CTRS),
	CMD("restart", brig_cmd_restart, "stop containers, then start them again", CTRS,
	    .flags = CMD_ENTERS),
	CMD("kill", brig_cmd_kill, "send a signal to containers", CTRS),
	CMD("pause", brig_cmd_pause, "freeze every process of containers (cgroup freezer)", CTRS),
	CMD("unpause", brig_cmd_unpause, "thaw paused containers", CTRS),
	CMD("diff", brig_cmd_diff, "list what a container changed in its image (A, C, D)", CTRS),
	CMD("commit", brig_cmd_commit, "make an image of a container's changes", CTRS),
	CMD("export", brig_cmd_export, "write a container's filesystem as a tar (-o FILE)", CTRS),
	CMD("forensics", brig_cmd_forensics,
	    "freeze a container and collect its evidence from the host (-o DIR|FILE.tar)", CTRS),
	CMD("cp", brig_cmd_cp, "copy files between a container and the host", CTRS),
	CMD("wait", brig_cmd_wait, "wait for containers to exit; print their exit codes", CTRS),
	CMD("rename", brig_cmd_rename, "rename a container", CTRS),
	CMD("port", brig_cmd_port, "list a container's published ports (-p, -P)", CTRS),
	CMD("update", brig_cmd_update, "change containers' limits and restart policy", CTRS),
	CMD("rm", brig_cmd_rm, "remove containers (-f: running ones too)", CTRS),
	CMD("stats", brig_cmd_stats,
	    "cpu, memory and pids of containers (--no-stream, --format json)", CTRS),
	CMD("events", brig_cmd_events,
	    "what happens to containers (create, start, die, oom, restart, destroy)", CTRS),
	CMD("history", brig_cmd_history, "the layers of an image and how they were made", IMGS),
	CMD("images", brig_cmd_images, "list images", IMGS),
	CMD("build", brig_cmd_build, "build an image from a Dockerfile (reproducible, cached)",
	    IMGS, .flags = CMD_ENTERS),
	CMD("lint", brig_cmd_lint, "image hygiene findings of a Dockerfile, without building it",
	    IMGS),
	CMD("scan", brig_cmd_scan,
	    "find dangerous files and vulnerable packages in an image (--db, --sbom)", IMGS),
	CMD("import", brig_cmd_import, "make an image from a rootfs tarball", IMGS),
	CMD("load", brig_cmd_load, "load images from a docker-archive or oci-archive", IMGS),
	CMD("pull", brig_cmd_pull, "fetch an image from a registry (--platform, --authfile)", IMGS),
	CMD("login", brig_cmd_login,
	    "store credentials for a registry (default docker.io), checked first", IMGS),
	CMD("logout", brig_cmd_logout, "remove a registry's stored credentials (-a: all)", IMGS),
	CMD("push", brig_cmd_push, "send an image to a registry (--digestfile, --authfile)", IMGS),
	CMD("save", brig_cmd_save, "write images to a docker-archive or oci-archive", IMGS),
	CMD("tag", brig_cmd_tag, "give an image another name", IMGS),
	CMD("rmi", brig_cmd_rmi, "remove image names", IMGS),
	CMD("container", NULL, "the container commands (container ls, inspect, ...)", MGMT,
	    .sub = container_cmds),
	CMD("image", NULL, "the image commands (image ls, inspect, prune, ...)", MGMT,
	    .sub = image_cmds),
	CMD("builder", NULL, "the build cache: prune", MGMT, .sub = builder_cmds),
	CMD("system", NULL, "the store: check, df, info, prune", MGMT, .sub = system_cmds),
	CMD("volume", NULL, "named volumes: create, ls, inspect, rm, prune", MGMT,
	    .sub = volume_cmds),
	CMD("seccomp", NULL,
	    "seccomp profiles: diff, explain (learn them with run --security-opt seccomp=learn:FILE)",
	    MGMT, .sub = seccomp_cmds),
	CMD("trust", NULL,
	    "content trust: the signature policy, signing keys, signing, verifying, Notary", MGMT,
	    .sub = trust_cmds),
	CMD("network", NULL, "bridge networks: create, ls, inspect, rm, prune, connect, disconnect",
	    MGMT, .sub = network_cmds),
	CMD("healthcheck", NULL, "containers' healthchecks: run one now", MGMT,
	    .sub = healthcheck_cmds),
	CMD("help", cmd_help,
	    "show the help of brig or of a command (help --commands: every command)", MGMT),
	CMD("audit", brig_cmd_audit,
	    "check the host, the engine, containers (as the kernel enforces them) and images",
	    MGMT),
	CMD("info", brig_cmd_info, "what brig runs on: paths, driver, cgroups, kernel features",
	    MGMT),
	CMD("version", cmd_version, "print version information", MGMT),
	CMD("completion", brig_cmd_completion,
	    "print a shell completion script (bash, zsh or fish)", MGMT),
	CMD("__monitor-resume", brig_cmd_monitor_resume, "brig-monitor's hand-back (internal)",
	    .flags = CMD_HIDDEN),
	CMD("__health-run", brig_cmd_health_runner, "a run's healthcheck runner (internal)",
	    .flags = CMD_HIDDEN | CMD_ENTERS),
	CMD("__complete", brig_cmd_complete, "completion candidates (internal)",
	    .flags = CMD_HIDDEN),
	END,
};

const struct brig_command *brig_command_table(void)
{
	return commands;
}

const struct brig_command *brig_command_lookup(const struct brig_command *table, const char *name)
{
	for (const struct brig_command *c = table; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void list_commands(FILE *out, const struct brig_command *table, const char *section)
{
	for (const struct brig_command *c = table; c->name; c++)
		if (!(c->flags & CMD_HIDDEN) &&
		    (!section || (c->section && !strcmp(c->section, section))))
			fprintf(out, "  %-14s %s\n", c->name, c->summary);
}

static void usage(FILE *out)
{
	fputs("Usage: brig [OPTIONS] COMMAND\n"
	      "\n"
	      "A daemonless, secure-by-default container engine.\n"
	      "\n"
	      "Options:\n"
	      "      --root DIR  store root (default /var/lib/brig for root,\n"
	      "                  else $XDG_DATA_HOME/brig or ~/.local/share/brig)\n"
	      "      --config FILE  the engine config (default /etc/brig/brig.conf for\n"
	      "                  root, else $XDG_CONFIG_HOME/brig/brig.conf;\n"
	      "                  see docs/engine-config.md)\n"
	      "      --storage-driver overlay|copy\n"
	      "                  how container root filesystems are made (default:\n"
	      "                  overlay, a copy where overlay cannot be mounted;\n"
	      "                  rootless: docs/rootless.md)\n"
	      "  -v, --version   print version information and exit\n"
	      "  -h, --help      print this help and exit\n",
	      out);
	static const char *const sections[] = { "Containers", "Images", "Management commands" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sections); i++) {
		fprintf(out, "\n%s:\n", sections[i]);
		list_commands(out, commands, sections[i]);
	}
	fputs("\nRun 'brig COMMAND --help' for a command's options.\n", out);
}

static void group_usage(FILE *out, const struct brig_command *group)
{
	fprintf(out, "Usage: brig %s COMMAND\n\n%s.\n\nCommands:\n", group->name, group->summary);
	list_commands(out, group->sub, NULL);
	fprintf(out, "\nRun 'brig %s COMMAND --help' for a command's options.\n", group->name);
}

int brig_fail(struct brig_err *e)
{
	bool colour = brig_colour_ok(STDERR_FILENO);
	fprintf(stderr, "%sbrig:%s %s\n", colour ? brig_colour_on(BRIG_LOG_ERROR) : "",
		colour ? BRIG_COLOUR_OFF : "", brig_err_str(e));
	return BRIG_EXIT_FAIL;
}

int brig_exit_status(const struct brig_command *c, int rc)
{
	if (rc != BRIG_EXIT_FAIL)
		return rc; /* 0, or a container's status */
	switch (opts_last_error()) {
	case OPTS_ERR_OPTION:
		return 125; /* Docker's for a bad flag, on every command */
	case OPTS_ERR_ARGS:
		return 1; /* Docker's for the wrong count of arguments */
	case OPTS_ERR_NONE:
	case OPTS_ERR_MISSING:
		break;
	}
	/* run and create say 125 for their own failures; brig's internal
	 * commands keep it for the brig that started them. */
	if (c && ((c->flags & CMD_FAIL_125) || strncmp(c->name, "__", 2) == 0))
		return 125;
	return 1;
}

int brig_start_status(struct brig_err *e)
{
	(void)brig_fail(e);
	int code = eng_start_error_code(e);
	return code == 128 ? BRIG_EXIT_FAIL : code;
}

int brig_parse(const char *name, const char *args, struct opt *o, int argc, char **argv,
	       char ***pos, size_t *npos, size_t min, size_t max)
{
	char prog[64];
	snprintf(prog, sizeof(prog), "brig %s", name);
	return opts_parse_cmd(prog, args, o, argc, argv, false, pos, npos, min, max);
}

/*
 * Find the command argv[0] (and, for a group, its subcommand argv[1]) names.
 * Moves argc and argv past the words it used.  NULL after printing what went
 * wrong (*rc set): an unknown word, or a group without a subcommand (its
 * list of subcommands, exit 0 when that was all that was asked).
 */
static const struct brig_command *find_cmd(int *argc, char ***argv, int *rc)
{
	char invoked[128];
	const char *w = (*argv)[0];
	const struct brig_command *c = brig_command_lookup(commands, w);
	*rc = BRIG_EXIT_FAIL;
	if (!c) {
		if (docker_missing_command(w))
			fprintf(stderr, "brig: Docker's command '%s' does not exist in brig yet\n",
				w);
		else
			fprintf(stderr, "brig: '%s' is not a brig command; see 'brig --help'\n", w);
		return NULL;
	}
	if (!c->sub) {
		snprintf(invoked, sizeof(invoked), "brig %s", w);
		opts_set_command(invoked, c->summary);
		return c;
	}
	const char *s = *argc >= 2 ? (*argv)[1] : NULL;
	if (!s || !strcmp(s, "--help") || !strcmp(s, "-h") || !strcmp(s, "help")) {
		group_usage(stdout, c);
		*rc = 0;
		return NULL;
	}
	const struct brig_command *sub = brig_command_lookup(c->sub, s);
	if (!sub) {
		snprintf(invoked, sizeof(invoked), "%s %s", w, s);
		if (docker_missing_command(invoked))
			fprintf(stderr, "brig: Docker's command '%s' does not exist in brig yet\n",
				invoked);
		else
			fprintf(stderr, "brig: '%s' is not a brig command; see 'brig %s --help'\n",
				invoked, w);
		return NULL;
	}
	(*argc)--;
	(*argv)++;
	snprintf(invoked, sizeof(invoked), "brig %s %s", w, s);
	opts_set_command(invoked, sub->summary);
	return sub;
}

static void print_paths(const struct brig_command *table, const char *prefix)
{
	for (const struct brig_command *c = table; c->name; c++) {
		if (c->flags & CMD_HIDDEN)
			continue;
		printf("%s%s%s\n", prefix ? prefix : "", prefix ? " " : "", c->name);
		if (c->sub)
			print_paths(c->sub, c->name);
	}
}

/* brig help [--commands | COMMAND [SUBCOMMAND]] */
static int cmd_help(const struct brig_global *g, int argc, char **argv)
{
	if (argc == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[0], "--commands") == 0) {
		print_paths(commands, NULL);
		return 0;
	}
	if (strcmp(argv[0], "--man") == 0 && argc == 2)
		return brig_write_man_pages(g, argv[1]);
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		printf("Usage: brig help [--commands | --man DIR | COMMAND [SUBCOMMAND]]\n\n"
		       "Show brig's help, a command's, or (--commands) every command, one a line;\n"
		       "--man DIR writes brig(1) and a man page per command into DIR.\n");
		return 0;
	}
	int rc = 0;
	const struct brig_command *c = find_cmd(&argc, &argv, &rc);
	if (!c)
		return rc;
	char *help[] = { "--help", NULL };
	return c->fn(g, 1, help);
}

/* --format over Docker's {Client, Server}: brig has no daemon, so the
 * engine ("Server") is this same program. */
static int version_format(const char *format)
{
	_cleanup_err_ struct brig_err e = { 0 };
	json_t *side = json_pack("{s:s,s:s}", "Version", BRIG_VERSION, "Os", "linux");
	_cleanup_json_ json_t *v = side ? json_pack("{s:O,s:o}", "Client", side, "Server", side)
					: NULL;
	_cleanup_json_ json_t *arr = v ? json_pack("[O]", v) : NULL;
	int r = !arr                          ? brig_err_oom(&e)
		: strcmp(format, "json") == 0 ? brig_print_json_lines(arr, JSON_SORT_KEYS, &e)
					      : brig_print_template(format, arr, &e);
	return r < 0 ? brig_fail(&e) : 0;
}

static int cmd_version(const struct brig_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { OPT_VALUE("format", 'f', "FORMAT",
				     "json, or a Go template over {Client, Server}{Version, Os}"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("version", "", o, argc, argv, &pos, &npos, 0, 0);
	const char *format = opts_find(o, "format")->value;
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0 && format)
		rc = version_format(format);
	else if (p > 0)
		printf("brig version %s\n", BRIG_VERSION);
	opts_free(o);
	return rc;
}

/* The default store root; NULL (after a message) when there is none. */
static char *default_root(void)
{
	char *r = NULL;
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (geteuid() == 0)
		r = strdup("/var/lib/brig");
	else if (xdg && xdg[0] == '/')
		(void)!asprintf(&r, "%s/brig", xdg);
	else if (home && home[0] == '/')
		(void)!asprintf(&r, "%s/.local/share/brig", home);
	else
		fputs("brig: no store root: set --root, XDG_DATA_HOME or HOME\n", stderr);
	return r;
}

/* The value of global option NAME at argv[*i] ("--NAME V" or "--NAME=V"). */
static bool global_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	const char *a = argv[*i] + 2;
	size_t n = strlen(name);
	if (strncmp(argv[*i], "--", 2) != 0 || strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=' && a[n + 1]) {
		*out = a + n + 1;
		return true;
	}
	if (a[n] == '\0' && *i + 1 < argc && argv[*i + 1][0]) {
		*out = argv[++*i];
		return true;
	}
	return false;
}

/* Global options before the command; returns the index of the command word,
 * 0 when main should return *rc. */
static int parse_global(int argc, char **argv, struct brig_global *g, int *rc)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return *rc = 0, 0;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
			printf("brig version %s\n", BRIG_VERSION);
			return *rc = 0, 0;
		} else if (!global_value(argc, argv, &i, "root", &g->root) &&
			   !global_value(argc, argv, &i, "config", &g->config) &&
			   !global_value(argc, argv, &i, "storage-driver", &g->storage_driver)) {
			fprintf(stderr,
				"brig: unknown or incomplete option '%s'; see 'brig --help'\n", a);
			return *rc = 125, 0; /* Docker's for a bad flag */
		}
	}
	if (i >= argc) { /* Docker's: its usage on stderr, and success */
		usage(stderr);
		return *rc = 0, 0;
	}
	return i;
}

int main(int argc, char **argv, char **envp)
{
	struct brig_global g = { 0 };
	int rc = 0;
	int i = parse_global(argc, argv, &g, &rc);
	if (i == 0)
		return rc;
	int cargc = argc - i;
	char **cargv = argv + i;
	const struct brig_command *c = find_cmd(&cargc, &cargv, &rc);
	if (!c)
		return brig_exit_status(NULL, rc);
	/* Commands that put a process of ours into a container (the
	 * container's init is a clone of brig; exec joins it) run from a
	 * sealed copy of brig, so a container can never write to the binary
	 * on the host (CVE-2019-5736). */
	if (c->flags & CMD_ENTERS) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (rt_ensure_sealed_self(argv, envp, &e) < 0)
			return brig_exit_status(c, brig_fail(&e));
	}
	_cleanup_free_ char *def = g.root ? NULL : default_root();
	if (!g.root && !def)
		return brig_exit_status(c, BRIG_EXIT_FAIL);
	if (!g.root)
		g.root = def;
	return brig_exit_status(c, c->fn(&g, cargc - 1, cargv + 1));
}
