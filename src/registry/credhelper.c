/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's credential helpers: docker-credential-NAME get|store|erase,
 * found on PATH and run directly (no shell) with a small clean
 * environment, the request on stdin, at most HELPER_OUT_MAX bytes read
 * from its stdout, HELPER_TIMEOUT_MS to finish (then SIGKILL), its exit
 * status checked.  The protocol: get reads the server on stdin and prints
 * {"ServerURL","Username","Secret"}; store reads that object; erase reads
 * the server.  A helper's output is never copied into an error message.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HELPER_OUT_MAX ((size_t)64 << 10)
#define HELPER_TIMEOUT_MS 30000
#define HELPER_NAME_MAX 64
#define DEFAULT_PATH BRIG_DEFAULT_PATH

struct helper {
	char path[PATH_MAX];
	char *argv[3];
	char *envp[5];
	pid_t pid;
	int in, out; /* our ends: its stdin (a socket), its stdout */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PATH's docker-credential-NAME (absolute directories only). */
static int helper_find(const char *name, char *out, struct brig_err *e)
{
	size_t n = strlen(name);
	bool ok = n > 0 && n <= HELPER_NAME_MAX && name[0] != '.' && name[0] != '-';
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || strchr("._-", name[i]);
	if (!ok)
		return brig_err_set(e, -EINVAL, "bad credential helper name '%.64s'", name);
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = strdup(path && path[0] ? path : DEFAULT_PATH);
	if (!dirs)
		return brig_err_oom(e);
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct stat st;
		if (d[0] != '/' ||
		    snprintf(out, PATH_MAX, "%s/docker-credential-%s", d, name) >= PATH_MAX)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
	}
	return brig_err_set(e, -ENOENT, "docker-credential-%s: not found on PATH", name);
}

static void child(const struct helper *h, int in, int out, int null)
{
	/* Above 2 first: brig may have been started with 0, 1 or 2 closed,
	 * so these may sit where another must go. */
	int a = fcntl(in, F_DUPFD, 3), b = fcntl(out, F_DUPFD, 3), c = fcntl(null, F_DUPFD, 3);
	if (a < 0 || b < 0 || c < 0 || dup2(a, 0) < 0 || dup2(b, 1) < 0 || dup2(c, 2) < 0)
		_exit(127);
	(void)brig_cloexec_from(3);
	execve(h->path, h->argv, h->envp);
	_exit(127);
}

/* The environment a helper gets: PATH, HOME and the session's runtime
 * directory and bus (what keychain helpers need), nothing else. */
static int helper_env(char **envp, struct brig_err *e)
{
	static const char *const keep[] = { "HOME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS" };
	const char *path = getenv("PATH");
	size_t n = 0;
	if (asprintf(&envp[n++], "PATH=%s", path && path[0] ? path : DEFAULT_PATH) < 0)
		return brig_err_oom(e);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = getenv(keep[i]);
		if (v && asprintf(&envp[n++], "%s=%s", keep[i], v) < 0)
			return brig_err_oom(e);
	}
	envp[n] = NULL;
	return 0;
}

static int helper_start(struct helper *h, const char *action, struct brig_err *e)
{
	int sv[2] = { -1, -1 }, po[2] = { -1, -1 };
	h->argv[0] = h->path;
	h->argv[1] = (char *)action;
	int r = helper_env(h->envp, e);
	if (r < 0)
		return r;
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(po, O_CLOEXEC) < 0)
		r = brig_err_sys(e, errno, "docker-credential helper: pipes");
	if (r == 0 && (h->pid = fork()) < 0)
		r = brig_err_sys(e, errno, "docker-credential helper: fork");
	if (r == 0 && h->pid == 0)
		child(h, sv[1], po[1], null);
	if (sv[1] >= 0)
		close(sv[1]);
	if (po[1] >= 0)
		close(po[1]);
	h->in = sv[0];
	h->out = po[0];
	return r;
}

/* Everything the helper prints (bounded), until EOF or the deadline. */
static int helper_read(struct helper *h, int64_t deadline, char *buf, size_t *len,
		       struct brig_err *e)
{
	*len = 0;
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { .fd = h->out, .events = POLLIN };
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? brig_err_sys(e, errno, "poll")
				     : brig_err_set(e, -ETIMEDOUT, "did not finish in %d s",
						    HELPER_TIMEOUT_MS / 1000);
		ssize_t got = read(h->out, buf + *len, HELPER_OUT_MAX - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return brig_err_sys(e, errno, "reading its output");
		if (got == 0)
			return 0;
		*len += (size_t)got;
		if (*len == HELPER_OUT_MAX)
			return brig_err_set(e, -EFBIG, "printed more than %zu bytes",
					    HELPER_OUT_MAX);
	}
}

/* Its exit status; killed when it has not ended by the deadline. */
static int helper_wait(struct helper *h, int64_t deadline, struct brig_err *e)
{
	int st = 0;
	for (;;) {
		pid_t w = waitpid(h->pid, &st, WNOHANG);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return brig_err_sys(e, errno, "waitpid");
		if (w == h->pid)
			break;
		if (now_ms() >= deadline) {
			(void)kill(h->pid, SIGKILL);
			while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
				;
			h->pid = 0;
			return brig_err_set(e, -ETIMEDOUT, "did not exit in %d s",
					    HELPER_TIMEOUT_MS / 1000);
		}
		(void)poll(NULL, 0, 10);
	}
	h->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void helper_end(struct helper *h)
{
	if (h->pid > 0) {
		(void)kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (h->in >= 0)
		close(h->in);
	if (h->out >= 0)
		close(h->out);
	for (size_t i = 0; h->envp[i]; i++)
		free(h->envp[i]);
}

/* Run docker-credential-NAME ACTION with input on its stdin; its exit
 * status, its output in buf (HELPER_OUT_MAX + 1 bytes, NUL-terminated). */
static int helper_run(const char *name, const char *action, const char *input, char *buf,
		      struct brig_err *e)
{
	struct helper h = { .in = -1, .out = -1 };
	int64_t deadline = now_ms() + HELPER_TIMEOUT_MS;
	size_t len = 0;
	int r = helper_find(name, h.path, e);
	if (r == 0)
		r = helper_start(&h, action, e);
	if (r == 0 && send(h.in, input, strlen(input), MSG_NOSIGNAL) < 0 && errno != EPIPE)
		r = brig_err_sys(e, errno, "writing to it");
	if (r == 0 && shutdown(h.in, SHUT_WR) < 0 && errno != ENOTCONN)
		r = brig_err_sys(e, errno, "writing to it");
	if (r == 0)
		r = helper_read(&h, deadline, buf, &len, e);
	buf[len] = 0;
	if (r == 0)
		r = helper_wait(&h, deadline, e);
	helper_end(&h);
	if (r < 0)
		return brig_err_wrap(e, "docker-credential-%s %s", name, action);
	return r;
}

/* The helper's answer to get: 1 with *user, *password; 0 not found. */
static int parse_get(const char *name, const char *out, char **user, char **password,
		     struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	struct brig_err ignore = { 0 };
	int r = bj_parse(out, strlen(out), "helper output", &doc, &ignore);
	brig_err_clear(&ignore);
	const char *u = NULL, *s = NULL;
	if (r == 0 && json_is_object(doc)) {
		u = json_string_value(json_object_get(doc, "Username"));
		s = json_string_value(json_object_get(doc, "Secret"));
	}
	if (!u || !s)
		return brig_err_set(e, -EPROTO,
				    "docker-credential-%s get: its answer is not JSON with a "
				    "Username and a Secret",
				    name);
	if (!u[0] && !s[0])
		return 0;
	/* user "<token>": Secret is an identity token (oauth.c) */
	*user = strdup(u);
	*password = strdup(s);
	if (*user && *password)
		return 1;
	free(*user);
	free(*password);
	*user = *password = NULL;
	return brig_err_oom(e);
}

int reg_helper_get(const char *name, const char *server, char **user, char **password,
		   struct brig_err *e)
{
	_cleanup_free_ char *buf = malloc(HELPER_OUT_MAX + 1);
	if (!buf)
		return brig_err_oom(e);
	int st = helper_run(name, "get", server, buf, e);
	int r = st;
	if (st == 0)
		r = parse_get(name, buf, user, password, e);
	else if (st > 0 && strstr(buf, "credentials not found"))
		r = 0;
	else if (st > 0)
		r = brig_err_set(e, -EIO, "docker-credential-%s get: exit status %d", name, st);
	explicit_bzero(buf, HELPER_OUT_MAX + 1);
	return r;
}

static int helper_simple(const char *name, const char *action, const char *input,
			 struct brig_err *e)
{
	_cleanup_free_ char *buf = malloc(HELPER_OUT_MAX + 1);
	if (!buf)
		return brig_err_oom(e);
	int st = helper_run(name, action, input, buf, e);
	explicit_bzero(buf, HELPER_OUT_MAX + 1);
	if (st > 0)
		return brig_err_set(e, -EIO, "docker-credential-%s %s: exit status %d", name,
				    action, st);
	return st;
}

int reg_helper_store(const char *name, const char *host, const char *user, const char *password,
		     struct brig_err *e)
{
	json_t *req = json_pack("{s:s,s:s,s:s}", "ServerURL", reg_helper_server(host), "Username",
				user, "Secret", password);
	char *in = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!in)
		return brig_err_oom(e);
	int r = helper_simple(name, "store", in, e);
	explicit_bzero(in, strlen(in));
	free(in);
	return r;
}

int reg_helper_erase(const char *name, const char *host, struct brig_err *e)
{
	return helper_simple(name, "erase", reg_helper_server(host), e);
}
