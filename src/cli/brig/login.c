/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig login / logout: credentials for a registry, checked against it
 * before they are stored.  The password comes from --password-stdin, a
 * prompt on the terminal (not echoed), or -p (insecure: a warning says
 * so, and brig overwrites it in its own argv at once).  REGISTRY defaults
 * to docker.io, as with Docker.  See
 * docs/registry.md, "Credentials".
 */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define SECRET_MAX 4096

void brig_free_secret(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
}

/* One line from fd (at most SECRET_MAX bytes, no line end kept). */
static int read_line(int fd, bool all, char **out, struct brig_err *e)
{
	_cleanup_secret_ char *buf = calloc(1, SECRET_MAX + 1);
	size_t n = 0;
	if (!buf)
		return brig_err_oom(e);
	for (;;) {
		ssize_t got = read(fd, buf + n, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return brig_err_sys(e, errno, "reading the standard input");
		if (got == 0 || (!all && buf[n] == '\n'))
			break;
		if (++n == SECRET_MAX)
			return brig_err_set(e, -EFBIG, "longer than %d bytes", SECRET_MAX);
	}
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	*out = brig_steal_ptr(buf);
	return 0;
}

int brig_prompt(const char *what, bool secret, const char *hint, char **out, struct brig_err *e)
{
	if (!isatty(STDIN_FILENO))
		return brig_err_set(e, -EINVAL,
				    "no %s given and the standard input is not a terminal (%s)",
				    what, hint);
	struct termios saved, quiet;
	bool restore = false;
	if (secret && tcgetattr(STDIN_FILENO, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	int r = read_line(STDIN_FILENO, false, out, e);
	if (restore)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	return r;
}

/* The password from -p (copied, then wiped from argv), stdin or a prompt. */
static int get_password(struct opt *o, char **out, struct brig_err *e)
{
	struct opt *p = opts_find(o, "password");
	if (p->set && opts_find(o, "password-stdin")->set)
		return brig_err_set(e, -EINVAL, "--password and --password-stdin are exclusive");
	if (p->set) {
		fprintf(stderr,
			"WARNING! Using --password via the CLI is insecure. "
			"Use --password-stdin.\n");
		*out = strdup(p->value);
		explicit_bzero((char *)p->value, strlen(p->value));
		return *out ? 0 : brig_err_oom(e);
	}
	if (opts_find(o, "password-stdin")->set) {
		if (!opts_find(o, "username")->set)
			return brig_err_set(e, -EINVAL, "--password-stdin needs --username");
		return read_line(STDIN_FILENO, true, out, e);
	}
	return brig_prompt("Password", true, "-u, --password-stdin", out, e);
}

static int do_login(const struct brig_global *g, struct opt *o, const char *registry,
		    struct brig_err *e)
{
	const char *tv = opts_find(o, "tls-verify")->value;
	const char *authfile = opts_find(o, "authfile")->value;
	_cleanup_free_ char *user = NULL, *host = NULL;
	_cleanup_secret_ char *pass = NULL;
	if (opts_find(o, "get-login")->set) {
		int r = eng_login_user(registry, authfile, &user, e);
		if (r == 0)
			printf("%s\n", user);
		return r;
	}
	const char *u = opts_find(o, "username")->value;
	int r = u ? ((user = strdup(u)) ? 0 : brig_err_oom(e)) : 0;
	if (r == 0 && !u && !opts_find(o, "password-stdin")->set)
		r = brig_prompt("Username", false, "-u, --password-stdin", &user, e);
	if (r == 0)
		r = get_password(o, &pass, e);
	struct eng_login_opts lo = { .registry = registry,
				     .user = user,
				     .password = pass,
				     .tls_verify = !(tv && strcmp(tv, "false") == 0),
				     .authfile = authfile,
				     .config = g->config };
	if (r == 0 && (r = eng_login(&lo, &host, e)) == 0)
		printf("Login Succeeded!\n");
	return r;
}

int brig_cmd_login(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("username", 'u', "USER",
			  "the user name (asked on a terminal if not given)"),
		OPT_VALUE("password", 'p', "PASSWORD",
			  "the password (insecure: other users may see it; use --password-stdin)"),
		OPT_FLAG("password-stdin", 0, "read the password from the standard input"),
		OPT_FLAG("get-login", 0, "print the user name stored for REGISTRY"),
		OPT_FLAG("tls-verify", 0,
			 "check the registry's TLS certificate (default true; "
			 "--tls-verify=false turns the check off)"),
		OPT_VALUE("authfile", 0, "FILE",
			  "store the credentials in this auth.json (default: "
			  "$XDG_RUNTIME_DIR/containers/auth.json, else /etc/brig/auth.json, or "
			  "Docker's credential helper when its config names one)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("login", "[REGISTRY]", o, argc, argv, &pos, &npos, 0, 1);
	if (p <= 0) {
		opts_free(o);
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	int rc = 0;
	const char *reg = npos ? pos[0] : "docker.io"; /* Docker's default */
	if (do_login(g, o, reg, &e) < 0) {
		brig_err_wrap(&e, "login %s", reg);
		rc = brig_fail(&e);
	}
	opts_free(o);
	return rc;
}

int brig_cmd_logout(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("all", 'a', "remove the credentials of every registry from the auth.json"),
		OPT_VALUE("authfile", 0, "FILE",
			  "the auth.json to remove them from (default: brig login's)"),
		{ 0 },
	};
	(void)g;
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("logout", "[REGISTRY]", o, argc, argv, &pos, &npos, 0, 1);
	if (p <= 0) {
		opts_free(o);
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	}
	bool all = opts_find(o, "all")->set;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *host = NULL;
	int rc = 0;
	if (all && npos == 1) {
		brig_err_set(&e, -EINVAL, "logout: --all and a REGISTRY are exclusive");
		rc = brig_fail(&e);
	} else if (eng_logout(all            ? NULL
				      : npos ? pos[0]
					     : "docker.io",
			      opts_find(o, "authfile")->value, all, &host, &e) < 0) {
		brig_err_wrap(&e, "logout");
		rc = brig_fail(&e);
	} else if (all) {
		printf("Removed login credentials for all registries\n");
	} else {
		printf("Removed login credentials for %s\n", host);
	}
	opts_free(o);
	return rc;
}
