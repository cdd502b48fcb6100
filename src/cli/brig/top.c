/* SPDX-License-Identifier: Apache-2.0 */
/* brig top: a container's processes. */
#include "cli/brig/brig-internal.h"

#include <ctype.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* PID, UID and command line of one process, from /proc.  A process sets
 * its own title: the table escapes it for the terminal. */
static int top_row(struct table *t, pid_t pid)
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
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	unsigned uid = stat(path, &st) == 0 ? (unsigned)st.st_uid : 0;
	snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
	snprintf(uidtext, sizeof(uidtext), "%u", uid);
	return table_add(t, (const char *const[]){ pidtext, uidtext, cmd });
}

static const struct table_col top_cols[] = { { "PID", 9 }, { "UID", 9 }, { "CMD", 0 } };

static int top_one(struct eng *eng, const char *id, const char *what, void *arg, struct brig_err *e)
{
	(void)what;
	(void)arg;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = eng_top(eng, id, &pids, &n, e);
	if (r < 0)
		return r;
	_cleanup_table_ struct table *t = table_new(top_cols, BRIG_ARRAY_SIZE(top_cols));
	for (size_t i = 0; t && i < n; i++)
		if (top_row(t, pids[i]) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	if (!t)
		return brig_err_set(e, -ENOMEM, "out of memory");
	table_print(t, stdout);
	return 0;
}

int brig_cmd_top(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("top", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, 1, top_one, NULL);
}
