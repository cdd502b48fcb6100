/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig top CONTAINER [ps OPTIONS]: ps(1) run on the host with the options,
 * as Docker does; its rows kept for the container's processes (by the PID
 * column), and its user columns (USER, UID, EUSER, EUID, RUSER, RUID)
 * shown as the container sees them.
 */
#include "cli/brig/brig-internal.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define TOP_MAX_COLS 64

/* ps's output, all of it (malloc'ed); with pids (or NULL) "-q PIDS"
 * appended. */
static int run_ps(char **args, size_t n, char *pids, char **out, struct brig_err *e)
{
	_cleanup_free_ char **argv = calloc(n + 4, sizeof(char *));
	int fds[2];
	if (!argv)
		return brig_err_oom(e);
	argv[0] = "ps";
	memcpy(argv + 1, args, n * sizeof(char *));
	if (pids) {
		argv[n + 1] = "-q";
		argv[n + 2] = pids;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	int r = posix_spawn_file_actions_init(&fa);
	if (r == 0) {
		r = posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
		/* the quick try's complaints are not the user's: the retry speaks */
		if (r == 0 && pids)
			r = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
							     O_WRONLY, 0);
		if (r == 0)
			r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	(void)close(fds[1]);
	_cleanup_close_ int rd = fds[0];
	if (r != 0)
		return brig_err_sys(e, r, "running ps");
	size_t len = 0;
	r = brig_read_fd(rd, "the output of ps", 1 << 24, out, &len, e);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		free(*out);
		*out = NULL;
		r = brig_err_set(e, -EINVAL, "ps failed (exit %d): check the ps options",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	return r;
}

/* Split line into at most max fields; the last takes the rest. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		f[n++] = p;
		if (n == max)
			break;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
	return n;
}

struct top_users {
	const pid_t *pids;
	size_t n;
	uint32_t *euid, *ruid; /* the container's */
	char **ename, **rname;
};

/* A user column: 'e' (effective) or 'r' (real) and whether it is a name
 * column (USER) or one that shows what ps showed (UID: a number or name). */
static char user_kind(const char *head, bool *name_col)
{
	static const char *const names[] = { "USER", "EUSER", "RUSER", "UID", "EUID", "RUID" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++)
		if (strcmp(head, names[i]) == 0) {
			*name_col = i < 3;
			return head[0] == 'R' ? 'r' : 'e';
		}
	return 0;
}

static bool numeric(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* The index of pid among the container's, or -1. */
static long index_of(const struct top_users *u, const char *pidtext)
{
	int64_t v;
	if (brig_parse_i64(pidtext, &v) < 0)
		return -1;
	for (size_t i = 0; i < u->n; i++)
		if (u->pids[i] == (pid_t)v)
			return (long)i;
	return -1;
}

/* Rewrite the user cells of one row of process k. */
static void map_users(char **cells, const char **head, size_t nc, const struct top_users *u,
		      size_t k, char (*num)[16])
{
	for (size_t c = 0; c < nc; c++) {
		bool name_col = false;
		char kind = user_kind(head[c], &name_col);
		if (!kind)
			continue;
		uint32_t id = kind == 'r' ? u->ruid[k] : u->euid[k];
		const char *name = kind == 'r' ? u->rname[k] : u->ename[k];
		if (name_col || !numeric(cells[c])) {
			cells[c] = (char *)name;
		} else {
			snprintf(num[c], 16, "%u", id);
			cells[c] = num[c];
		}
	}
}

static int print_rows(char *text, const struct top_users *u, struct brig_err *e)
{
	char *save = NULL, *hl = strtok_r(text, "\n", &save);
	char *hf[TOP_MAX_COLS];
	size_t nc = hl ? split(hl, hf, TOP_MAX_COLS) : 0;
	long pidcol = -1;
	struct table_col cols[TOP_MAX_COLS];
	for (size_t c = 0; c < nc; c++) {
		cols[c] = (struct table_col){ hf[c], 0 };
		if (strcmp(hf[c], "PID") == 0)
			pidcol = (long)c;
	}
	if (pidcol < 0)
		return brig_err_set(e, -EINVAL, "the output of ps has no PID column (add -o pid)");
	_cleanup_table_ struct table *t = table_new(cols, nc);
	if (!t)
		return brig_err_oom(e);
	for (char *l = strtok_r(NULL, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *cells[TOP_MAX_COLS] = { 0 }, num[TOP_MAX_COLS][16];
		if (split(l, cells, nc) <= (size_t)pidcol)
			continue;
		long k = index_of(u, cells[pidcol]);
		if (k < 0)
			continue;
		map_users(cells, (const char **)hf, nc, u, (size_t)k, num);
		if (table_add(t, (const char *const *)cells) < 0)
			return brig_err_oom(e);
	}
	table_print(t, stdout);
	return 0;
}

/* Real and effective host uids of pid, from /proc/PID/status. */
static void proc_uids(pid_t pid, uint32_t *ruid, uint32_t *euid)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	unsigned r = UINT32_MAX, ef = UINT32_MAX;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (brig_read_file(AT_FDCWD, path, 1 << 16, &buf, &len, &e) == 0) {
		const char *p = strstr(buf, "\nUid:");
		if (p)
			(void)sscanf(p + 5, "%u %u", &r, &ef);
	}
	*ruid = r;
	*euid = ef;
}

/* As Docker: ps ARGS -q PIDS (only the container's processes, so that
 * "-o pid,user" alone lists them); options that do not go with -q (f):
 * ps ARGS over every process, filtered by PID after. */
static int ps_quick_or_all(char **args, size_t nargs, const pid_t *pids, size_t n, char **out,
			   struct brig_err *e)
{
	_cleanup_free_ char *list = NULL;
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		if (brig_appendf(&list, &len, "%s%d", i ? "," : "", (int)pids[i]) < 0)
			return brig_err_oom(e);
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (list && run_ps(args, nargs, list, out, &e2) == 0)
		return 0;
	return run_ps(args, nargs, NULL, out, e);
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int brig_top_users(struct eng *eng, const char *id, const pid_t *pids, size_t n, uint32_t *ctr_euid,
		   char **enames, struct brig_err *e)
{
	_cleanup_free_ uint32_t *host = calloc(n ? n : 1, sizeof(uint32_t));
	_cleanup_free_ uint32_t *ignore = calloc(n ? n : 1, sizeof(uint32_t));
	if (!host || !ignore)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++)
		proc_uids(pids[i], &ignore[i], &host[i]);
	return eng_ctr_users(eng, id, host, n, ctr_euid, enames, e);
}

int brig_top_ps(struct eng *eng, const char *id, const pid_t *pids, size_t n, char **args,
		size_t nargs, struct brig_err *e)
{
	struct top_users u = { pids,
			       n,
			       calloc(n + 1, 4),
			       calloc(n + 1, 4),
			       calloc(n + 1, sizeof(char *)),
			       calloc(n + 1, sizeof(char *)) };
	_cleanup_free_ uint32_t *host_r = calloc(n + 1, 4), *host_e = calloc(n + 1, 4);
	_cleanup_free_ char *text = NULL;
	int r = u.euid && u.ruid && u.ename && u.rname && host_r && host_e ? 0 : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++)
		proc_uids(pids[i], &host_r[i], &host_e[i]);
	if (r == 0 && (r = eng_ctr_users(eng, id, host_e, n, u.euid, u.ename, e)) == 0 &&
	    (r = eng_ctr_users(eng, id, host_r, n, u.ruid, u.rname, e)) == 0 &&
	    (r = ps_quick_or_all(args, nargs, pids, n, &text, e)) == 0)
		r = print_rows(text, &u, e);
	free(u.euid);
	free(u.ruid);
	free_names(u.ename, n);
	free_names(u.rname, n);
	return r;
}
