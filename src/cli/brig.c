/* SPDX-License-Identifier: Apache-2.0 */
/* brig: the docker-like command line. */
#include "cli/brig_ctr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs("Usage: brig [OPTIONS] COMMAND\n"
	      "\n"
	      "A daemonless, secure-by-default container engine.\n"
	      "\n"
	      "Options:\n"
	      "      --root DIR  store root (default /var/lib/brig for root,\n"
	      "                  else $XDG_DATA_HOME/brig or ~/.local/share/brig)\n"
	      "      --config FILE  the engine config (default /etc/brig/brig.conf;\n"
	      "                  see docs/engine-config.md)\n"
	      "      --storage-driver overlay|copy\n"
	      "                  how container root filesystems are made (default:\n"
	      "                  overlay, a copy where overlay cannot be mounted)\n"
	      "  -v, --version   print version information and exit\n"
	      "  -h, --help      print this help and exit\n"
	      "\n"
	      "Containers:\n"
	      "  create          make a container from an image (not started)\n"
	      "  run             make and start a container (-d: in the background)\n"
	      "  start           start created or stopped containers (-a: attached)\n"
	      "  ps              list containers (-a: all of them)\n"
	      "  inspect         show containers or images in detail (-f TEMPLATE)\n"
	      "  logs            show a container's output (-f, -t, --since, --tail)\n"
	      "  exec            run a command in a running container\n"
	      "  top             list a container's processes\n"
	      "  stop            stop containers (signal, then SIGKILL after -t seconds)\n"
	      "  kill            send a signal to containers\n"
	      "  wait            wait for containers to exit; print their exit codes\n"
	      "  rename          rename a container\n"
	      "  rm              remove containers (-f: running ones too)\n"
	      "  stats           cpu, memory and pids of containers (--no-stream, --format json)\n"
	      "  events          what happens to containers (create, start, die, oom, restart, destroy)\n"
	      "  volume CMD      named volumes: create, ls, inspect, rm, prune\n"
	      "  container CMD   the same commands (container ls, inspect, ...)\n"
	      "\n"
	      "Images:\n"
	      "  images          list images\n"
	      "  image inspect   show images in detail (also: image ls, rm, tag, import)\n"
	      "  image prune     remove blobs no image needs (--dry-run, --format json)\n"
	      "  import          make an image from a rootfs tarball\n"
	      "  load            load images from a docker-archive or oci-archive\n"
	      "  rmi             remove image names\n"
	      "  save            write images to a docker-archive or oci-archive\n"
	      "  system check    verify every blob and name of the store (--repair)\n"
	      "  system df       what the store holds and what could be reclaimed\n"
	      "  tag             give an image another name\n"
	      "  version         print version information\n",
	      out);
}

int brig_fail(struct brig_err *e)
{
	fprintf(stderr, "brig: %s\n", brig_err_str(e));
	return BRIG_EXIT_FAIL;
}

int brig_parse(const char *name, const char *args, struct opt *o, int argc,
	       char **argv, char ***pos, size_t *npos, size_t min, size_t max)
{
	char prog[64];
	snprintf(prog, sizeof(prog), "brig %s", name);
	return opts_parse_cmd(prog, args, o, argc, argv, false, pos, npos, min, max);
}

int brig_images_dir(const struct brig_global *g, char **out, struct brig_err *e)
{
	if (asprintf(out, "%s/images", g->root) < 0) {
		*out = NULL;
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
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

typedef int (*brig_cmd_fn)(const struct brig_global *g, int argc, char **argv);

static brig_cmd_fn find_cmd(int *argc, char ***argv)
{
	static const struct { const char *name; brig_cmd_fn fn; } top[] = {
		{ "images", brig_cmd_images }, { "import", brig_cmd_import },
		{ "tag", brig_cmd_tag }, { "rmi", brig_cmd_rmi },
		{ "load", brig_cmd_load }, { "save", brig_cmd_save },
		{ "create", brig_cmd_create }, { "run", brig_cmd_run },
		{ "start", brig_cmd_start }, { "ps", brig_cmd_ps },
		{ "inspect", brig_cmd_inspect_any }, { "stop", brig_cmd_stop },
		{ "kill", brig_cmd_kill }, { "rm", brig_cmd_rm }, { "wait", brig_cmd_wait },
		{ "rename", brig_cmd_rename }, { "exec", brig_cmd_exec }, { "top", brig_cmd_top },
		{ "logs", brig_cmd_logs }, { "stats", brig_cmd_stats },
		{ "events", brig_cmd_events }, { "volume", brig_cmd_volume },
		{ "__monitor-resume", brig_cmd_monitor_resume },
	}, container[] = {
		{ "create", brig_cmd_create }, { "run", brig_cmd_run },
		{ "start", brig_cmd_start }, { "ls", brig_cmd_ps }, { "list", brig_cmd_ps },
		{ "ps", brig_cmd_ps }, { "inspect", brig_cmd_container_inspect },
		{ "stop", brig_cmd_stop }, { "kill", brig_cmd_kill }, { "rm", brig_cmd_rm },
		{ "wait", brig_cmd_wait }, { "rename", brig_cmd_rename }, { "exec", brig_cmd_exec },
		{ "top", brig_cmd_top }, { "logs", brig_cmd_logs }, { "stats", brig_cmd_stats },
	}, image[] = {
		{ "ls", brig_cmd_images }, { "list", brig_cmd_images },
		{ "import", brig_cmd_import }, { "tag", brig_cmd_tag },
		{ "rm", brig_cmd_rmi }, { "inspect", brig_cmd_inspect },
		{ "prune", brig_cmd_prune }, { "load", brig_cmd_load },
		{ "save", brig_cmd_save },
	};
	const char *w = (*argv)[0];
	if (strcmp(w, "system") == 0 && *argc >= 2 &&
	    (strcmp((*argv)[1], "check") == 0 || strcmp((*argv)[1], "df") == 0)) {
		(*argc)--;
		(*argv)++;
		return strcmp((*argv)[0], "df") == 0 ? brig_cmd_system_df : brig_cmd_system_check;
	}
	bool is_image = strcmp(w, "image") == 0, is_ctr = strcmp(w, "container") == 0;
	if (!is_image && !is_ctr) {
		for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
			if (strcmp(w, top[i].name) == 0)
				return top[i].fn;
		return NULL;
	}
	if (*argc < 2)
		return NULL;
	(*argc)--;
	(*argv)++;
	size_t n = is_image ? sizeof(image) / sizeof(image[0]) : sizeof(container) / sizeof(container[0]);
	for (size_t i = 0; i < n; i++) {
		const char *name = is_image ? image[i].name : container[i].name;
		if (strcmp((*argv)[0], name) == 0)
			return is_image ? image[i].fn : container[i].fn;
	}
	return NULL;
}

/* Global options before the command; returns the index of the command word,
 * 0 when main should return *rc. */
static int parse_global(int argc, char **argv, const char **root, const char **driver,
			const char **config, int *rc)
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
		} else if (strcmp(a, "--root") == 0 && i + 1 < argc && argv[i + 1][0]) {
			*root = argv[++i];
		} else if (strncmp(a, "--root=", 7) == 0 && a[7]) {
			*root = a + 7;
		} else if (strcmp(a, "--config") == 0 && i + 1 < argc && argv[i + 1][0]) {
			*config = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0 && a[9]) {
			*config = a + 9;
		} else if (strcmp(a, "--storage-driver") == 0 && i + 1 < argc && argv[i + 1][0]) {
			*driver = argv[++i];
		} else if (strncmp(a, "--storage-driver=", 17) == 0 && a[17]) {
			*driver = a + 17;
		} else {
			fprintf(stderr, "brig: unknown or incomplete option '%s'; see 'brig --help'\n", a);
			return *rc = BRIG_EXIT_FAIL, 0;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return *rc = BRIG_EXIT_FAIL, 0;
	}
	return i;
}

/* Commands that put a process of ours into a container (the container's
 * init is a clone of brig; exec joins it) run from a sealed copy of brig,
 * so a container can never write to the binary on the host
 * (CVE-2019-5736). */
static bool enters_container(brig_cmd_fn fn)
{
	return fn == brig_cmd_run || fn == brig_cmd_start || fn == brig_cmd_exec;
}

int main(int argc, char **argv, char **envp)
{
	const char *root = NULL, *driver = NULL, *config = NULL;
	int rc = 0;
	int i = parse_global(argc, argv, &root, &driver, &config, &rc);
	if (i == 0)
		return rc;
	const char *cmd = argv[i];
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0) {
		printf("brig version %s\n", BRIG_VERSION);
		return 0;
	}
	int cargc = argc - i;
	char **cargv = argv + i;
	brig_cmd_fn fn = find_cmd(&cargc, &cargv);
	if (!fn) {
		bool sub = (strcmp(cmd, "image") == 0 || strcmp(cmd, "container") == 0) &&
			   cargv != argv + i;
		fprintf(stderr, "brig: '%s%s%s' is not a brig command; see 'brig --help'\n",
			sub ? cmd : "", sub ? " " : "", sub ? cargv[0] : cmd);
		return BRIG_EXIT_FAIL;
	}
	if (enters_container(fn)) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (rt_ensure_sealed_self(argv, envp, &e) < 0)
			return brig_fail(&e);
	}
	_cleanup_free_ char *def = root ? NULL : default_root();
	if (!root && !def)
		return BRIG_EXIT_FAIL;
	struct brig_global g = { .root = root ? root : def, .storage_driver = driver,
				 .config = config };
	return fn(&g, cargc - 1, cargv + 1);
}
