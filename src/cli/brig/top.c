/* SPDX-License-Identifier: Apache-2.0 */
/* brig top: a container's processes. */
#include "cli/brig/brig-internal.h"

#include <ctype.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* PID, USER, TIME, COMMAND of one process, from /proc. */
static void top_line(pid_t pid)
{
	char path[64], cmd[4096] = "";
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
	/* a process sets its own title: escape it for the terminal */
	_cleanup_free_ char *safe = brig_term_escape(cmd, strlen(cmd));
	printf("%-8d %-8u %s\n", (int)pid, uid, safe ? safe : "?");
}

static int top_one(struct eng *eng, const char *id, const char *what, void *arg, struct brig_err *e)
{
	(void)what;
	(void)arg;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = eng_top(eng, id, &pids, &n, e);
	if (r < 0)
		return r;
	printf("%-8s %-8s %s\n", "PID", "UID", "CMD");
	for (size_t i = 0; i < n; i++)
		top_line(pids[i]);
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
