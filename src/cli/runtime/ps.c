/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime ps: the processes of a container, through ps(1). */
#include "cli/runtime/brig-runtime-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	struct opt o[] = { OPT_VALUE("format", 'f', "FMT", "table or json"), { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ pid_t *pids = NULL;
	int p = rtcli_parse("ps", "ID [PS OPTIONS]", o, argc, argv, true, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0) {
		rc = p < 0 ? 1 : 0;
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
