/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime: exec, ps, update, events, spec, features. */
#include "cli/opts.h"
#include "cli/rtcmd.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>




static bool wants_help(struct opt *o, const char *prog, const char *args)
{
	if (!opts_find(o, "help")->set)
		return false;
	printf("Usage: brig-runtime %s [OPTIONS] %s\n\nOptions:\n", prog, args);
	opts_usage(stdout, o);
	return true;
}

int rtcmd_exec(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "process", 'p', OPT_STR, "a process.json to run", "FILE", false, NULL, NULL, 0 },
		{ "detach", 'd', OPT_BOOL, "do not wait for the process", NULL, false, NULL, NULL, 0 },
		{ "tty", 't', OPT_BOOL, "allocate a pty (needs --console-socket)", NULL, false, NULL, NULL, 0 },
		{ "console-socket", 0, OPT_STR, "unix socket to receive the pty master", "PATH", false, NULL, NULL, 0 },
		{ "pid-file", 0, OPT_STR, "write the process's pid here", "FILE", false, NULL, NULL, 0 },
		{ "cwd", 0, OPT_STR, "working directory in the container", "DIR", false, NULL, NULL, 0 },
		{ "env", 'e', OPT_LIST, "set an environment variable", "K=V", false, NULL, NULL, 0 },
		{ "user", 'u', OPT_STR, "UID[:GID]", "USER", false, NULL, NULL, 0 },
		{ "additional-gids", 'g', OPT_LIST, "an additional group id", "GID", false, NULL, NULL, 0 },
		{ "cap", 'c', OPT_LIST, "add a capability", "CAP", false, NULL, NULL, 0 },
		{ "no-new-privs", 0, OPT_BOOL, "set no_new_privs", NULL, false, NULL, NULL, 0 },
		{ "apparmor", 0, OPT_STR, "AppArmor profile", "PROFILE", false, NULL, NULL, 0 },
		{ "process-label", 0, OPT_STR, "SELinux label", "LABEL", false, NULL, NULL, 0 },
		{ "preserve-fds", 0, OPT_STR, "pass N extra fds (from 3)", "N", false, NULL, NULL, 0 },
		{ "ignore-paused", 0, OPT_BOOL, "accepted for compatibility", NULL, false, NULL, NULL, 0 },
		HELP_OPT, { 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_err_ struct brig_err e = { 0 };
	if (opts_parse("brig-runtime exec", o, argc, argv, true, &pos, &npos) < 0)
		goto out;
	if (wants_help(o, "exec", "ID [COMMAND [ARGS...]]")) {
		rc = 0;
		goto out;
	}
	if (npos < 1 || (npos < 2 && !opts_find(o, "process")->value)) {
		fprintf(stderr, "brig-runtime exec: expected ID and a command or --process\n");
		goto out;
	}
	struct rt_exec_opts x = {
		.id = pos[0],
		.process_file = opts_find(o, "process")->value,
		.args = pos + 1,
		.env = (char **)opts_find(o, "env")->list,
		.cwd = opts_find(o, "cwd")->value,
		.user = opts_find(o, "user")->value,
		.caps = (char **)opts_find(o, "cap")->list,
		.additional_gids = (char **)opts_find(o, "additional-gids")->list,
		.tty = opts_find(o, "tty")->set,
		.detach = opts_find(o, "detach")->set,
		.no_new_privs = opts_find(o, "no-new-privs")->set,
		.no_new_privs_set = opts_find(o, "no-new-privs")->value != NULL,
		.console_socket = opts_find(o, "console-socket")->value,
		.pid_file = opts_find(o, "pid-file")->value,
		.apparmor = opts_find(o, "apparmor")->value,
		.process_label = opts_find(o, "process-label")->value,
	};
	const char *pf = opts_find(o, "preserve-fds")->value;
	uint64_t n = 0;
	if (pf && (brig_parse_u64(pf, &n) < 0 || n > 65536)) {
		fprintf(stderr, "brig-runtime exec: --preserve-fds: not a small number\n");
		goto out;
	}
	x.preserve_fds = (unsigned)n;
	int r = rt_exec(g, &x, &e);
	rc = r < 0 ? rt_fail(&e) : r;
out:
	free(pos);
	opts_free(o);
	return rc;
}

static int print_ps_table(const pid_t *pids, size_t n, char **psargs, size_t nargs)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return 1;
	char *argv[64] = { "ps" };
	size_t a = 1;
	if (nargs == 0)
		argv[a++] = "-ef";
	for (size_t i = 0; i < nargs && a < 63; i++)
		argv[a++] = psargs[i];
	argv[a] = NULL;
	pid_t child = fork();
	if (child == 0) {
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp("ps", argv);
		_exit(127);
	}
	(void)close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	if (!f || child < 0)
		return 1;
	char line[4096];
	int pidcol = -1;
	bool header = true;
	while (fgets(line, sizeof(line), f)) {
		char copy[4096];
		memcpy(copy, line, sizeof(copy));
		int col = 0;
		long val = -1;
		for (char *tok = strtok(copy, " \t\n"); tok; tok = strtok(NULL, " \t\n"), col++) {
			if (header && strcmp(tok, "PID") == 0)
				pidcol = col;
			if (!header && col == pidcol)
				val = strtol(tok, NULL, 10);
		}
		bool show = header;
		for (size_t i = 0; !header && i < n; i++)
			show |= pids[i] == val;
		if (show)
			fputs(line, stdout);
		header = false;
	}
	(void)fclose(f);
	int status;
	(void)waitpid(child, &status, 0);
	if (pidcol < 0) {
		fprintf(stderr, "brig-runtime ps: no PID column in the output of ps\n");
		return 1;
	}
	return 0;
}

int rtcmd_ps(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = { { "format", 'f', OPT_STR, "table or json", "FMT", false, NULL, NULL, 0 }, HELP_OPT, { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ pid_t *pids = NULL;
	if (opts_parse("brig-runtime ps", o, argc, argv, true, &pos, &npos) < 0)
		goto out;
	if (wants_help(o, "ps", "ID [PS OPTIONS]")) {
		rc = 0;
		goto out;
	}
	if (npos < 1) {
		fprintf(stderr, "brig-runtime ps: expected ID\n");
		goto out;
	}
	const char *fmt = opts_find(o, "format")->value;
	size_t n = 0;
	if (rt_ps(g, pos[0], &pids, &n, &e) < 0) {
		rc = rt_fail(&e);
		goto out;
	}
	if (fmt && strcmp(fmt, "json") == 0) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		rc = 0;
	} else if (fmt && strcmp(fmt, "table") != 0) {
		fprintf(stderr, "brig-runtime ps: --format: \"%s\" is not table or json\n", fmt);
	} else {
		fflush(stdout);
		rc = print_ps_table(pids, n, pos + 1, npos - 1);
	}
out:
	free(pos);
	opts_free(o);
	return rc;
}

/* "64m", "1G", "1024" -> bytes; "-1" stays -1. */
static int parse_size(const char *s, int64_t *out)
{
	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	char num[32];
	size_t len = strlen(s);
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len + 1);
	int64_t mult = 1;
	char last = num[len - 1];
	if (last == 'b' || last == 'B')
		num[--len] = '\0';
	last = len ? num[len - 1] : 0;
	const char *units = "kmgt";
	const char *u = last ? strchr(units, last | 0x20) : NULL;
	if (u && last) {
		for (const char *p = units; p <= u; p++)
			mult *= 1024;
		num[--len] = '\0';
	}
	uint64_t v;
	if (brig_parse_u64(num, &v) < 0 || v > (uint64_t)INT64_MAX / (uint64_t)mult)
		return -EINVAL;
	*out = (int64_t)v * mult;
	return 0;
}

static const struct {
	const char *flag, *group, *key;
	bool size;
} update_flags[] = {
	{ "memory", "memory", "limit", true },
	{ "memory-reservation", "memory", "reservation", true },
	{ "memory-swap", "memory", "swap", true },
	{ "kernel-memory", "memory", "kernel", true },
	{ "kernel-memory-tcp", "memory", "kernelTCP", true },
	{ "cpu-share", "cpu", "shares", false },
	{ "cpu-quota", "cpu", "quota", false },
	{ "cpu-period", "cpu", "period", false },
	{ "cpu-rt-period", "cpu", "realtimePeriod", false },
	{ "cpu-rt-runtime", "cpu", "realtimeRuntime", false },
	{ "pids-limit", "pids", "limit", false },
	{ "blkio-weight", "blockIO", "weight", false },
};

static int flags_to_resources(struct opt *o, json_t *res)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(update_flags); i++) {
		const char *v = opts_find(o, update_flags[i].flag)->value;
		if (!v)
			continue;
		int64_t n;
		if ((update_flags[i].size ? parse_size(v, &n) : brig_parse_i64(v, &n)) < 0) {
			fprintf(stderr, "brig-runtime update: --%s: \"%s\" is not a valid value\n",
				update_flags[i].flag, v);
			return -1;
		}
		json_t *grp = json_object_get(res, update_flags[i].group);
		if (!grp) {
			grp = json_object();
			(void)json_object_set_new(res, update_flags[i].group, grp);
		}
		(void)json_object_set_new(grp, update_flags[i].key, json_integer(n));
	}
	static const char *const cpuset[][2] = { { "cpuset-cpus", "cpus" }, { "cpuset-mems", "mems" } };
	for (size_t i = 0; i < 2; i++) {
		const char *v = opts_find(o, cpuset[i][0])->value;
		if (!v)
			continue;
		json_t *cpu = json_object_get(res, "cpu");
		if (!cpu) {
			cpu = json_object();
			(void)json_object_set_new(res, "cpu", cpu);
		}
		(void)json_object_set_new(cpu, cpuset[i][1], json_string(v));
	}
	return 0;
}

int rtcmd_update(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "resources", 'r', OPT_STR, "a linux.resources JSON file, - for stdin", "FILE", false, NULL, NULL, 0 },
		{ "memory", 0, OPT_STR, "memory limit (bytes, or with k/m/g)", "SIZE", false, NULL, NULL, 0 },
		{ "memory-reservation", 0, OPT_STR, "memory soft limit", "SIZE", false, NULL, NULL, 0 },
		{ "memory-swap", 0, OPT_STR, "memory plus swap limit, -1 unlimited", "SIZE", false, NULL, NULL, 0 },
		{ "kernel-memory", 0, OPT_STR, "ignored by the kernel; accepted", "SIZE", false, NULL, NULL, 0 },
		{ "kernel-memory-tcp", 0, OPT_STR, "ignored by the kernel; accepted", "SIZE", false, NULL, NULL, 0 },
		{ "cpu-share", 0, OPT_STR, "relative CPU weight", "N", false, NULL, NULL, 0 },
		{ "cpu-quota", 0, OPT_STR, "CFS quota (us per period)", "N", false, NULL, NULL, 0 },
		{ "cpu-period", 0, OPT_STR, "CFS period (us)", "N", false, NULL, NULL, 0 },
		{ "cpu-rt-period", 0, OPT_STR, "realtime period (us)", "N", false, NULL, NULL, 0 },
		{ "cpu-rt-runtime", 0, OPT_STR, "realtime runtime (us)", "N", false, NULL, NULL, 0 },
		{ "cpuset-cpus", 0, OPT_STR, "CPUs allowed", "LIST", false, NULL, NULL, 0 },
		{ "cpuset-mems", 0, OPT_STR, "memory nodes allowed", "LIST", false, NULL, NULL, 0 },
		{ "pids-limit", 0, OPT_STR, "maximum number of processes", "N", false, NULL, NULL, 0 },
		{ "blkio-weight", 0, OPT_STR, "block IO weight (10-1000)", "N", false, NULL, NULL, 0 },
		HELP_OPT, { 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_json_ json_t *res = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	if (opts_parse("brig-runtime update", o, argc, argv, false, &pos, &npos) < 0)
		goto out;
	if (wants_help(o, "update", "ID")) {
		rc = 0;
		goto out;
	}
	if (npos != 1) {
		fprintf(stderr, "brig-runtime update: expected ID\n");
		goto out;
	}
	const char *file = opts_find(o, "resources")->value;
	if (file) {
		if (strcmp(file, "-") == 0) {
			_cleanup_free_ char *buf = NULL;
			size_t len = 0;
			if (brig_read_fd(STDIN_FILENO, "<stdin>", 1 << 20, &buf, &len, &e) < 0 ||
			    bj_parse(buf, len, "<stdin>", &res, &e) < 0) {
				rc = rt_fail(&e);
				goto out;
			}
		} else if (bj_load_file(AT_FDCWD, file, 1 << 20, &res, &e) < 0) {
			rc = rt_fail(&e);
			goto out;
		}
	} else if (!(res = json_object())) {
		goto out;
	}
	if (flags_to_resources(o, res) < 0)
		goto out;
	rc = rt_update(g, pos[0], res, file ? file : "flags", &e) < 0 ? rt_fail(&e) : 0;
out:
	free(pos);
	opts_free(o);
	return rc;
}

int rtcmd_events(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = { { "stats", 0, OPT_BOOL, "print statistics once and exit", NULL, false, NULL, NULL, 0 },
			   { "interval", 0, OPT_STR, "accepted; only --stats is supported", "D", false, NULL, NULL, 0 },
			   HELP_OPT, { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_json_ json_t *ev = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *st = NULL;
	if (opts_parse("brig-runtime events", o, argc, argv, false, &pos, &npos) < 0)
		goto out;
	if (wants_help(o, "events", "--stats ID")) {
		rc = 0;
		goto out;
	}
	if (npos != 1 || !opts_find(o, "stats")->set) {
		fprintf(stderr, "brig-runtime events: only 'events --stats ID' is supported\n");
		goto out;
	}
	if (rt_events_stats(g, pos[0], &st, &e) < 0) {
		rc = rt_fail(&e);
		goto out;
	}
	ev = json_pack("{s:s,s:s,s:O}", "type", "stats", "id", pos[0], "data", st);
	char *s = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	rc = s ? 0 : 1;
out:
	free(pos);
	opts_free(o);
	return rc;
}

int rtcmd_spec(const struct rt_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { { "bundle", 'b', OPT_STR, "where to write config.json", "DIR", false, NULL, NULL, 0 },
			   { "rootless", 0, OPT_BOOL, "a config for an unprivileged user", NULL, false, NULL, NULL, 0 },
			   HELP_OPT, { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_json_ json_t *spec = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	_cleanup_err_ struct brig_err e = { 0 };
	if (opts_parse("brig-runtime spec", o, argc, argv, false, &pos, &npos) < 0)
		goto out;
	if (wants_help(o, "spec", "")) {
		rc = 0;
		goto out;
	}
	const char *dir = opts_find(o, "bundle")->value ? opts_find(o, "bundle")->value : ".";
	spec = rt_default_spec(opts_find(o, "rootless")->set);
	text = spec ? json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!text) {
		fprintf(stderr, "brig-runtime spec: out of memory\n");
	} else if (dfd < 0) {
		fprintf(stderr, "brig-runtime spec: %s: %s\n", dir, strerror(errno));
	} else if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		fprintf(stderr, "brig-runtime spec: %s/config.json exists; remove it first\n", dir);
	} else {
		size_t len = strlen(text);
		text[len] = '\n';
		rc = brig_atomic_write(dfd, "config.json", text, len + 1, 0644, &e) < 0 ? rt_fail(&e) : 0;
		text[len] = '\0';
	}
out:
	free(pos);
	opts_free(o);
	return rc;
}

int rtcmd_features(const struct rt_global *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	_cleanup_json_ json_t *f = rt_features();
	char *s = f ? json_dumps(f, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

int rtcmd_unsupported(const struct rt_global *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	fprintf(stderr, "brig-runtime: checkpoint/restore (CRIU) is not supported\n");
	return 1;
}
