/* SPDX-License-Identifier: Apache-2.0 */
/* brig top: a container's processes. */
#include "cli/brig/brig-internal.h"

#include <ctype.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* PID, UID (as the container sees it) and command line of one process,
 * from /proc.  A process sets its own title: the table escapes it for the
 * terminal. */
static int top_row(struct table *t, pid_t pid, uint32_t uid)
{
	char path[64], cmd[4096] = "", pidtext[16], uidtext[16];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	if (brig_read_file(AT_FDCWD, path, sizeof(cmd) - 1, &buf, &len, &e) == 0) {
		for (size_t i = 0; i + 1 < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		snprintf(cmd, sizeof(cmd), "%s", buf);
	}
	snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
	snprintf(uidtext, sizeof(uidtext), "%u", (unsigned)uid);
	return table_add(t, (const char *const[]){ pidtext, uidtext, cmd });
}

static const struct table_col top_cols[] = { { "PID", 9 }, { "UID", 9 }, { "CMD", 0 } };

/* Without ps options: PID, UID, CMD. */
static int top_plain(struct eng *eng, const char *id, const pid_t *pids, size_t n,
		     struct brig_err *e)
{
	_cleanup_free_ uint32_t *uids = calloc(n + 1, sizeof(uint32_t));
	char **names = calloc(n + 1, sizeof(char *));
	_cleanup_table_ struct table *t = table_new(top_cols, BRIG_ARRAY_SIZE(top_cols));
	int r = uids && names && t ? brig_top_users(eng, id, pids, n, uids, names, e)
				   : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (top_row(t, pids[i], uids[i]) < 0)
			r = brig_err_oom(e);
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (r == 0)
		table_print(t, stdout);
	return r;
}

struct top_req {
	char **args; /* ps options */
	size_t n;
};

static int top_one(struct eng *eng, const char *id, const char *what, void *arg, struct brig_err *e)
{
	(void)what;
	const struct top_req *q = arg;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = eng_top(eng, id, &pids, &n, e);
	if (r < 0)
		return r;
	return q->n ? brig_top_ps(eng, id, pids, n, q->args, q->n, e)
		    : top_plain(eng, id, pids, n, e);
}

int brig_cmd_top(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	/* the words after CONTAINER are ps's: options end at it */
	int p = opts_parse_cmd("brig top", "CONTAINER [ps OPTIONS]", o, argc, argv, true, &pos,
			       &npos, 1, SIZE_MAX);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	struct top_req q = { pos + 1, npos - 1 };
	return brig_for_each_container(g, pos, 1, top_one, &q);
}
