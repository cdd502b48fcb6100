/* SPDX-License-Identifier: Apache-2.0 */
/* brig create, brig run, brig start. */
#include "cli/brig/brig-internal.h"
#include "engine/flags/flags.h"
#include "cli/brig/netopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* One option a line reads best as a table. */
/* clang-format off */
#define CREATE_OPTS                                                                       \
	OPT_VALUE("name", 0, "NAME", "a name for the container"),                        \
	OPT_MULTI("env", 'e', "K=V", "set an environment variable (K=V, or K to pass ours)"), \
	OPT_MULTI("env-file", 0, "FILE", "read environment variables from a file"),      \
	OPT_VALUE("workdir", 'w', "DIR", "working directory inside the container"),       \
	OPT_VALUE("entrypoint", 0, "CMD", "override the image's ENTRYPOINT (\"\" clears it)"), \
	OPT_MULTI("label", 'l', "K=V", "set a label"),                                    \
	OPT_MULTI("label-file", 0, "FILE", "read labels from a file"),                    \
	OPT_FLAG("interactive", 'i', "keep stdin open (foreground)"),              \
	OPT_FLAG("tty", 't', "allocate a terminal (foreground)"),                  \
	OPT_VALUE("user", 'u', "USER", "user: name|uid[:group|gid]"),                      \
	OPT_VALUE("hostname", 'h', "NAME", "the container's host name (default: its short id; the host's with --network host)"), \
	OPT_FLAG("rm", 0, "remove the container when it exits"),                   \
	OPT_FLAG("read-write", 0, "make the root filesystem writable (read-only by default)"), \
	OPT_FLAG("read-only", 0, "the root filesystem is read-only (the default)"), \
	OPT_MULTI("storage-opt", 0, "OPT", "size=SIZE: most the writable root may hold (store on btrfs with quotas)"), \
	OPT_VALUE("stop-signal", 0, "SIG", "signal that stops the container (default: the image's, else SIGTERM)"), \
	OPT_VALUE("stop-timeout", 0, "N", "seconds to wait after the stop signal before SIGKILL (default 10; -1: no SIGKILL)"), \
	OPT_VALUE("restart", 0, "POLICY", "no, on-failure[:N], always, unless-stopped (restarts back off from 100 ms)"), \
	OPT_MULTI("log-opt", 0, "OPT", "max-size=SIZE (default 10m), max-file=N (default 3)"), \
	OPT_FLAG("init", 0, "run brig-init as PID 1: it reaps zombies and forwards signals"), \
	OPT_VALUE("userns", 0, "MODE", "auto (default: a range of host ids of its own), keep-id (rootless: your uid and gid as themselves) or host (NOT isolated)"), \
	OPT_VALUE("pull", 0, "POLICY", "missing (default: pull the image when the store lacks it), always or never"), \
	BRIG_TRUST_OPTS, BRIG_DOWNGRADE_OPT, BRIG_HEALTH_OPTS, \
	NET_OPTS

/* Docker's resource and security flags, handed to engine/flags as given. */
#define FLAG_OPTS                                                                         \
	OPT_VALUE("memory", 'm', "SIZE", "memory limit (e.g. 128m)"), \
	OPT_VALUE("memory-swap", 0, "SIZE", "memory + swap limit; -1 unlimited (default: = --memory, no swap)"), \
	OPT_VALUE("memory-reservation", 0, "SIZE", "soft memory limit"), \
	OPT_VALUE("memory-swappiness", 0, "N", "0-100"), \
	OPT_FLAG("oom-kill-disable", 0, "no OOM kill (needs --memory)"), \
	OPT_VALUE("cpu-shares", 'c', "N", "relative CPU weight (default 1024)"), \
	OPT_VALUE("cpus", 0, "N", "CPU quota in CPUs (e.g. 1.5)"), \
	OPT_VALUE("cpu-quota", 0, "US", "CFS quota in microseconds"), \
	OPT_VALUE("cpu-period", 0, "US", "CFS period in microseconds"), \
	OPT_VALUE("cpuset-cpus", 0, "LIST", "CPUs to run on (0-2,4)"), \
	OPT_VALUE("cpuset-mems", 0, "LIST", "memory nodes (0-1)"), \
	OPT_VALUE("pids-limit", 0, "N", "most processes (default 1024; -1 unlimited)"), \
	OPT_VALUE("blkio-weight", 0, "N", "block IO weight (10-1000)"), \
	OPT_MULTI("ulimit", 0, "ULIMIT", "a resource limit: NAME=SOFT[:HARD]"), \
	OPT_MULTI("cap-add", 0, "CAP", "add a capability (or ALL)"), \
	OPT_MULTI("cap-drop", 0, "CAP", "drop a capability (or ALL)"), \
	OPT_FLAG("privileged", 0, "every capability, no seccomp, all devices: NOT confined"), \
	OPT_MULTI("device", 0, "DEV", "a host device: HOST[:CONTAINER[:rwm]]"), \
	OPT_MULTI("sysctl", 0, "K=V", "a namespaced kernel parameter K=V"), \
	OPT_MULTI("tmpfs", 0, "MOUNT", "a tmpfs: PATH[:OPTIONS]"), \
	OPT_MULTI("volume", 'v', "VOL", "bind a host directory: SRC:DST[:ro|rw|nodev|noexec...]"), \
	OPT_MULTI("mount", 0, "MOUNT", "type=bind|tmpfs,src=,dst=,readonly,..."), \
	OPT_VALUE("shm-size", 0, "SIZE", "size of /dev/shm"), \
	OPT_MULTI("security-opt", 0, "OPT", "no-new-privileges[=false], seccomp=FILE|unconfined|learn:FILE[,merge], apparmor=, label=, mask=, unmask=, landlock=RULES"), \
	OPT_MULTI("group-add", 0, "GROUP", "an additional group (name or gid)"), \
	OPT_VALUE("oom-score-adj", 0, "N", "-1000..1000")
/* clang-format on */

static const char *const flag_names[] = {
	"memory",
	"memory-swap",
	"memory-reservation",
	"memory-swappiness",
	"oom-kill-disable",
	"cpu-shares",
	"cpus",
	"cpu-quota",
	"cpu-period",
	"cpuset-cpus",
	"cpuset-mems",
	"pids-limit",
	"blkio-weight",
	"ulimit",
	"cap-add",
	"cap-drop",
	"privileged",
	"device",
	"sysctl",
	"tmpfs",
	"volume",
	"mount",
	"shm-size",
	"security-opt",
	"group-add",
	"oom-score-adj",
};

/* Every flag of FLAG_OPTS that was given, in order, into a new eng_flags. */
static int collect_flags(struct opt *o, struct eng_flags **out, struct brig_err *e)
{
	struct eng_flags *f = eng_flags_new();
	if (!f)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = 0;
	for (size_t i = 0; r == 0 && i < BRIG_ARRAY_SIZE(flag_names); i++) {
		struct opt *x = opts_find(o, flag_names[i]);
		if (!x->set)
			continue;
		if (x->kind == OPT_BOOL)
			r = eng_flags_set(f, x->name, "true", e);
		else if (x->kind == OPT_STR)
			r = eng_flags_set(f, x->name, x->value, e);
		for (size_t k = 0; r == 0 && x->kind == OPT_LIST && k < x->n; k++)
			r = eng_flags_set(f, x->name, x->list[k], e);
	}
	if (r < 0) {
		eng_flags_free(f);
		return r;
	}
	if (opts_find(o, "privileged")->set)
		fputs("brig: WARNING: --privileged: this container runs with every capability, "
		      "without seccomp and with every device; it is not confined\n",
		      stderr);
	for (char *const *n = eng_flags_notices(f); n && *n; n++)
		fprintf(stderr, "brig: notice: %s\n", *n);
	*out = f;
	return 0;
}

static const char *const create_args = "IMAGE [COMMAND [ARG...]]";

/* KEY=VALUE lines of a file (blank lines and # comments skipped). */
static int read_kv_file(const char *file, char ***out, size_t *n, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = brig_read_file(AT_FDCWD, file, 1 << 20, &buf, &len, e);
	if (r < 0)
		return r;
	if (strlen(buf) != len)
		return brig_err_set(e, -EINVAL, "%s: contains a NUL byte", file);
	char *save = NULL;
	size_t lineno = 0;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (*line == '=')
			return brig_err_set(e, -EINVAL, "%s: line %zu: no variable name", file,
					    lineno);
		char **nv = realloc(*out, (*n + 2) * sizeof(char *));
		if (!nv)
			return brig_err_set(e, -ENOMEM, "out of memory");
		*out = nv;
		if (!(nv[(*n)++] = strdup(line)))
			return brig_err_set(e, -ENOMEM, "out of memory");
		nv[*n] = NULL;
	}
	return 0;
}

/* Files first, then the flags (which win, as in Docker). */
static int gather(const struct opt *files, const struct opt *flags, char ***out, size_t *n,
		  struct brig_err *e)
{
	for (size_t i = 0; i < files->n; i++) {
		int r = read_kv_file(files->list[i], out, n, e);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < flags->n; i++) {
		char **nv = realloc(*out, (*n + 2) * sizeof(char *));
		if (!nv)
			return brig_err_set(e, -ENOMEM, "out of memory");
		*out = nv;
		if (!(nv[(*n)++] = strdup(flags->list[i])))
			return brig_err_set(e, -ENOMEM, "out of memory");
		nv[*n] = NULL;
	}
	return 0;
}

void brig_create_req_clear(struct brig_create_req *q)
{
	brig_strv_free(q->env);
	brig_strv_free(q->labels);
	eng_flags_free(q->flags);
	if (q->net)
		eng_netcfg_clear(q->net);
	free(q->net);
	*q = (struct brig_create_req){ 0 };
}

static int parse_create(struct opt *o, char **pos, size_t npos, struct brig_create_req *q,
			struct brig_err *e)
{
	struct eng_create_opts *c = &q->opts;
	*c = (struct eng_create_opts){ .stop_timeout = -1 };
	c->image = pos[0];
	c->cmd = pos + 1;
	c->n_cmd = npos - 1;
	c->name = opts_find(o, "name")->value;
	c->workdir = opts_find(o, "workdir")->value;
	c->entrypoint = opts_find(o, "entrypoint")->set ? opts_find(o, "entrypoint")->value : NULL;
	c->user = opts_find(o, "user")->value;
	c->hostname = opts_find(o, "hostname")->value;
	c->tty = opts_find(o, "tty")->set;
	c->interactive = opts_find(o, "interactive")->set;
	c->auto_remove = opts_find(o, "rm")->set;
	/* Given, either wins over the engine config; --read-only=false is
	 * --read-write, --read-write=false --read-only (Docker's booleans take
	 * =false).  ->value is set when the flag was given at all. */
	const struct opt *rw = opts_find(o, "read-write"), *ro = opts_find(o, "read-only");
	bool want_rw = rw->set || (ro->value && !ro->set);
	bool want_ro = ro->set || (rw->value && !rw->set);
	c->rootfs = want_rw ? ENG_ROOTFS_READ_WRITE
		: want_ro   ? ENG_ROOTFS_READ_ONLY
			    : ENG_ROOTFS_CONFIG;
	c->stop_signal = opts_find(o, "stop-signal")->value;
	c->restart = opts_find(o, "restart")->value;
	c->log_opts = (char **)opts_find(o, "log-opt")->list;
	c->n_log_opts = opts_find(o, "log-opt")->n;
	c->init = opts_find(o, "init")->set;
	c->userns = opts_find(o, "userns")->value;
	c->storage_opts = (char **)opts_find(o, "storage-opt")->list;
	c->n_storage_opts = opts_find(o, "storage-opt")->n;
	if (c->auto_remove && c->restart && strcmp(c->restart, "no") != 0)
		return brig_err_set(e, -EINVAL, "--restart and --rm contradict each other");
	if (want_rw && want_ro)
		return brig_err_set(e, -EINVAL,
				    "--read-only and --read-write contradict each other");
	if (c->stop_signal && brig_parse_signal(c->stop_signal) <= 0)
		return brig_err_set(e, -EINVAL, "--stop-signal: unknown signal \"%s\"",
				    c->stop_signal);
	const char *t = opts_find(o, "stop-timeout")->value;
	int r;
	if (t && (r = brig_stop_timeout_parse("--stop-timeout", t, &c->stop_timeout, e)) < 0)
		return r;
	if (c->name && !eng_name_valid(c->name))
		return brig_err_set(e, -EINVAL,
				    "--name: invalid container name \"%s\": use "
				    "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
				    c->name);
	if ((r = gather(opts_find(o, "env-file"), opts_find(o, "env"), &q->env, &c->n_env, e)) <
		    0 ||
	    (r = gather(opts_find(o, "label-file"), opts_find(o, "label"), &q->labels, &c->n_labels,
			e)) < 0)
		return r;
	c->env = q->env;
	c->labels = q->labels;
	if ((r = collect_flags(o, &q->flags, e)) < 0)
		return r;
	c->flags = q->flags;
	if (!(q->net = calloc(1, sizeof(*q->net))))
		return brig_err_oom(e);
	if ((r = brig_net_opts(o, q->net, e)) < 0 || (r = brig_trust_opts(o, &q->trust, e)) < 0)
		return r;
	c->net = q->net;
	c->trust = &q->trust;
	c->health = &q->health;
	return brig_health_opts(o, &q->health, e);
}

int brig_cmd_create(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { CREATE_OPTS, FLAG_OPTS, { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = opts_parse_cmd("brig create", create_args, o, argc, argv, true, &pos, &npos, 1,
			       SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	struct brig_create_req q = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	char id[ENG_ID_LEN + 1];
	_cleanup_free_ char *image = NULL;
	int r = parse_create(o, pos, npos, &q, &e);
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	if (r == 0 && (r = eng_create_check(eng, &q.opts, &e)) == 0 &&
	    (r = brig_pull_policy(g, opts_find(o, "pull")->value, q.opts.image, q.opts.trust,
				  &image, &e)) == 0)
		q.opts.image = image;
	if (r == 0)
		r = eng_create(eng, &q.opts, id, &e);
	brig_create_req_clear(&q);
	opts_free(o);
	if (r < 0)
		return brig_fail(&e);
	printf("%s\n", id);
	return 0;
}

int brig_cmd_run(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { CREATE_OPTS,
			   FLAG_OPTS,
			   OPT_FLAG("detach", 'd', "run in the background and print the id"),
			   BRIG_DETACH_KEYS_OPT,
			   BRIG_SIG_PROXY_OPT,
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = opts_parse_cmd("brig run", create_args, o, argc, argv, true, &pos, &npos, 1,
			       SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	struct brig_create_req q = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	char id[ENG_ID_LEN + 1];
	bool detach = opts_find(o, "detach")->set;
	int r = parse_create(o, pos, npos, &q, &e);
	if (r == 0 && q.opts.tty && !detach && !isatty(STDIN_FILENO))
		r = brig_err_set(&e, -EINVAL, "-t: the input device is not a TTY");
	struct winsize ws;
	if (r == 0 && q.opts.tty && !detach && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		q.opts.console_rows = ws.ws_row;
		q.opts.console_cols = ws.ws_col;
	}
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	/* -it in the foreground: attached as `brig attach` is (detach keys);
	 * so is --sig-proxy=false without -t: a signal ends brig, not the run. */
	bool proxy = brig_sig_proxy(o);
	bool in = q.opts.interactive;
	bool attached = !detach && (q.opts.tty ? in : !proxy);
	struct brig_detach_keys keys;
	const char *dk = opts_find(o, "detach-keys")->value;
	if (r == 0 && (attached || dk))
		r = brig_detach_keys_parse(dk ? dk : eng_detach_keys(eng), &keys, &e);
	_cleanup_free_ char *image = NULL;
	if (r == 0 && (r = eng_create_check(eng, &q.opts, &e)) == 0 &&
	    (r = brig_pull_policy(g, opts_find(o, "pull")->value, q.opts.image, q.opts.trust,
				  &image, &e)) == 0)
		q.opts.image = image;
	if (r == 0)
		r = eng_create(eng, &q.opts, id, &e);
	bool rm = q.opts.auto_remove;
	brig_create_req_clear(&q);
	opts_free(o);
	if (r < 0)
		return brig_fail(&e);
	r = attached ? brig_run_attached(eng, id, &keys, in, proxy, rm, &e)
		     : eng_start(eng, id, detach ? ENG_DETACH : ENG_ATTACH, &e);
	if (r < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (rm)
			(void)eng_remove(eng, id, true, true, &e2);
		return brig_start_status(&e);
	}
	if (detach)
		printf("%s\n", id);
	return detach ? 0 : r;
}

int brig_cmd_start(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("attach", 'a', "wait for the container and show its output"),
			   OPT_FLAG("interactive", 'i',
				    "with -a: send stdin to a container made with -i or -t"),
			   BRIG_DETACH_KEYS_OPT,
			   BRIG_SIG_PROXY_OPT,
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("start", "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	bool attach = opts_find(o, "attach")->set, in = opts_find(o, "interactive")->set;
	bool proxy = p > 0 && brig_sig_proxy(o);
	_cleanup_free_ char *dk = p > 0 && opts_find(o, "detach-keys")->value
		? strdup(opts_find(o, "detach-keys")->value)
		: NULL;
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	if (attach && npos > 1) {
		fputs("brig: start -a takes one container\n", stderr);
		return BRIG_EXIT_FAIL;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	if (brig_engine_open(g, &eng, &e) < 0)
		return brig_fail(&e);
	struct brig_detach_keys keys;
	if (brig_detach_keys_parse(dk ? dk : eng_detach_keys(eng), &keys, &e) < 0)
		return brig_fail(&e);
	int rc = 0;
	for (size_t i = 0; i < npos; i++) {
		char id[ENG_ID_LEN + 1];
		brig_err_clear(&e);
		int r = eng_find(eng, pos[i], id, &e);
		if (r == 0 && attach && (!proxy || brig_ctr_attachable(eng, id)))
			r = brig_run_attached(eng, id, &keys, in, proxy, false, &e);
		else if (r == 0)
			r = eng_start(eng, id, attach ? ENG_ATTACH : ENG_DETACH, &e);
		if (r == -EBUSY && !attach)
			r = 0; /* already running: nothing to do, as Docker */
		if (r < 0) {
			rc = brig_start_status(&e);
			continue;
		}
		if (attach)
			return r;
		printf("%s\n", pos[i]);
	}
	return rc;
}
