/* SPDX-License-Identifier: Apache-2.0 */
/* brig exec: run a command in a running container. */
#include "cli/brig/brig-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

struct exec_arg {
	struct eng_exec_opts x;
	const char *keys; /* --detach-keys */
	int status;
};

/* exec -d: the process gets /dev/null for stdin, stdout and stderr, as
 * Docker's, so it holds none of the caller's pipes open (`$(brig exec -d
 * ...)` returns at once).  brig's own stderr comes back after the start,
 * for its errors.  Returns the saved stderr, or -1 with errno. */
static int stdio_detach(void)
{
	int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved < 0)
		return -1;
	int fd = BRIG_RETRY(open("/dev/null", O_RDWR | O_CLOEXEC));
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0) {
		int err = errno;
		(void)dup2(saved, STDERR_FILENO);
		(void)close(saved);
		if (fd >= 0)
			(void)close(fd);
		errno = err;
		return -1;
	}
	(void)close(fd);
	return saved;
}

static void stdio_restore_stderr(int saved)
{
	if (saved < 0)
		return;
	(void)dup2(saved, STDERR_FILENO);
	(void)close(saved);
}

/* Docker's statuses: 127 for a command that is not there, 126 for one that
 * cannot be run, BRIG_EXIT_FAIL (exit 1) for other failures. */
static int exec_container(const struct brig_global *g, const char *name, struct exec_arg *a)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	char id[ENG_ID_LEN + 1];
	struct brig_detach_keys keys;
	if (brig_engine_open(g, &eng, &e) < 0 ||
	    brig_detach_keys_parse(a->keys ? a->keys : eng_detach_keys(eng), &keys, &e) < 0 ||
	    eng_find(eng, name, id, &e) < 0)
		return brig_fail(&e);
	a->x.detach_keys = keys.seq;
	a->x.n_detach_keys = a->x.interactive ? keys.n : 0;
	int saved = -1;
	if (a->x.detach && !a->x.tty && (saved = stdio_detach()) < 0) {
		fprintf(stderr, "brig: exec -d: /dev/null as the process's stdio: %s\n",
			strerror(errno));
		return BRIG_EXIT_FAIL;
	}
	int r = eng_exec(eng, id, &a->x, &e);
	stdio_restore_stderr(saved);
	if (r < 0)
		return brig_start_status(&e);
	a->status = r == ENG_EXEC_DETACHED ? 0 : r; /* our side ended; it was left */
	return 0;
}

/* Without -i the process gets no input, as Docker's (with -t alone, a
 * terminal of its own that nobody types into): not the caller's stdin, and
 * never the caller's terminal itself (which a process in the
 * container could otherwise drive, TIOCSTI included). */
static int stdin_from_null(void)
{
	int fd = BRIG_RETRY(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return -1;
	int r = dup2(fd, STDIN_FILENO);
	int saved = errno;
	(void)close(fd);
	errno = saved;
	return r < 0 ? -1 : 0;
}

int brig_cmd_exec(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("interactive", 'i', "keep stdin open"),
			   OPT_FLAG("tty", 't', "allocate a terminal"),
			   OPT_FLAG("detach", 'd', "run in the background"),
			   OPT_VALUE("user", 'u', "USER", "user: name|uid[:group|gid]"),
			   OPT_MULTI("env", 'e', "K=V", "set an environment variable"),
			   OPT_VALUE("workdir", 'w', "DIR", "working directory"),
			   BRIG_DETACH_KEYS_OPT,
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = opts_parse_cmd("brig exec", "CONTAINER COMMAND [ARG...]", o, argc, argv, true, &pos,
			       &npos, 2, SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	struct exec_arg a = { .x = {
				      .args = pos + 1,
				      .env = (char **)opts_find(o, "env")->list,
				      .n_env = opts_find(o, "env")->n,
				      .user = opts_find(o, "user")->value,
				      .workdir = opts_find(o, "workdir")->value,
				      .tty = opts_find(o, "tty")->set,
				      .interactive = opts_find(o, "interactive")->set,
				      .detach = opts_find(o, "detach")->set,
			      },
			      .keys = opts_find(o, "detach-keys")->value };
	int rc;
	if (a.x.tty && !isatty(STDIN_FILENO) && !a.x.detach) {
		fputs("brig: exec -t: the input device is not a TTY\n", stderr);
		rc = BRIG_EXIT_FAIL;
	} else if (!a.x.interactive && stdin_from_null() < 0) {
		fprintf(stderr, "brig: exec: /dev/null as stdin: %s\n", strerror(errno));
		rc = BRIG_EXIT_FAIL;
	} else {
		rc = exec_container(g, pos[0], &a);
	}
	opts_free(o);
	return rc ? rc : a.status;
}
