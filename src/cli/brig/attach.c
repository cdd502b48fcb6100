/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig attach: the terminal, or the stdin and output, of a container
 * started in the background with -i or -t, through its monitor's attach
 * socket (engine attach.c, docs/attach.md).  The detach keys (Docker's
 * ctrl-p ctrl-q) end the attach and leave the container running.  A
 * container without -i or -t has no stdin to give: its output from now on
 * is shown until it ends.
 */
#include "cli/brig/brig-internal.h"
#include "engine/config/engine-config.h"
#include "engine/logs/logs.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int brig_detach_keys_parse(const char *s, struct brig_detach_keys *k, struct brig_err *e)
{
	if (!s || !*s)
		s = ENG_DETACH_KEYS_DEFAULT;
	if (eng_detach_keys_parse(s, k->seq, &k->n) < 0)
		return brig_err_set(
			e, -EINVAL,
			"Invalid detach keys (%s) provided: --detach-keys \"%s\": keys are "
			"ctrl-A..ctrl-Z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_ or one "
			"character, separated by commas (at most %d)",
			s, s, ENG_DETACH_KEYS_MAX);
	return 0;
}

struct session {
	int sock, sigfd;
	bool tty, in_open, raw;
	struct termios saved;
	struct brig_detach_keys keys;
	size_t matched; /* how much of the detach sequence was just typed */
	int status; /* from the monitor: the run's exit status; -1 none */
};

static void send_size(struct session *s)
{
	struct winsize ws;
	if (!s->tty || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
		return;
	unsigned char b[4] = { (unsigned char)(ws.ws_row >> 8), (unsigned char)ws.ws_row,
			       (unsigned char)(ws.ws_col >> 8), (unsigned char)ws.ws_col };
	(void)eng_att_send(s->sock, ENG_ATT_RESIZE, b, sizeof(b));
}

/* stdin to the container, watching for the detach keys: true when they
 * were typed (held back until the sequence breaks). */
static bool from_stdin(struct session *s)
{
	unsigned char in[1024], out[1024 + 16];
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0) {
		s->in_open = false;
		return false;
	}
	size_t o = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (s->keys.n && in[i] == s->keys.seq[s->matched]) {
			if (++s->matched == s->keys.n)
				return true;
			continue;
		}
		memcpy(out + o, s->keys.seq, s->matched); /* not the sequence after all */
		o += s->matched;
		s->matched = 0;
		out[o++] = in[i];
	}
	if (o && eng_att_send(s->sock, ENG_ATT_STDIN, out, o) < 0)
		s->in_open = false;
	return false;
}

/* A frame from the monitor: false once the run ended (or it went away). */
static bool from_monitor(struct session *s)
{
	char buf[ENG_ATT_FRAME_MAX];
	size_t len = 0;
	int t = eng_att_recv(s->sock, buf, &len);
	if (t <= 0)
		return false;
	if (t == ENG_ATT_EXIT && len == 1) {
		s->status = (unsigned char)buf[0];
		return false;
	}
	int fd = t == ENG_ATT_STDERR ? STDERR_FILENO : STDOUT_FILENO;
	if (t == ENG_ATT_STDOUT || t == ENG_ATT_STDERR)
		(void)brig_write_all(fd, buf, len);
	return true;
}

/* True when the attach is to end: a signal to a terminal's attach (its
 * raw mode is undone on the way out; the container runs on). */
static bool on_signal(struct session *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			send_size(s);
			continue;
		}
		if (s->tty)
			return true;
		unsigned char sig = (unsigned char)si.ssi_signo;
		(void)eng_att_send(s->sock, ENG_ATT_SIGNAL, &sig, 1);
	}
	return false;
}

/* SIGWINCH for a terminal; with --sig-proxy (not for a terminal, as
 * Docker) the signals a user sends, forwarded to the container; with a
 * terminal they end the attach. */
static int watch_signals(struct session *s, bool proxy, struct brig_err *e)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	for (size_t i = 0; (proxy || s->tty) && i < BRIG_ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return brig_err_sys(e, errno, "sigprocmask");
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sigfd < 0 ? brig_err_sys(e, errno, "signalfd") : 0;
}

/* Until the run ends (1) or the detach keys (0). */
static int session_loop(struct session *s)
{
	for (;;) {
		struct pollfd p[3] = { { .fd = s->sock, .events = POLLIN },
				       { .fd = s->in_open ? STDIN_FILENO : -1, .events = POLLIN },
				       { .fd = s->sigfd, .events = POLLIN } };
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[2].revents && on_signal(s))
			return 0;
		if (p[1].revents && from_stdin(s))
			return 0;
		if (p[0].revents && !from_monitor(s))
			return 1;
	}
}

static void raw_on(struct session *s)
{
	struct termios t;
	if (!s->tty || !s->in_open || tcgetattr(STDIN_FILENO, &s->saved) < 0)
		return;
	t = s->saved;
	cfmakeraw(&t);
	s->raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

int brig_attach_session(struct eng *eng, const char *id, const struct brig_attach_opts *ao,
			struct brig_err *e)
{
	struct session s = { .sigfd = -1, .status = -1, .keys = ao->keys, .in_open = ao->stdin_ };
	int r = s.sock = eng_attach_connect(eng, id, &s.tty, e);
	if (r < 0)
		return r;
	if ((r = watch_signals(&s, ao->sig_proxy, e)) < 0) {
		(void)close(s.sock);
		return r;
	}
	raw_on(&s);
	send_size(&s);
	int ended = session_loop(&s);
	if (s.raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &s.saved);
	(void)close(s.sock);
	(void)close(s.sigfd);
	if (!ended)
		return BRIG_ATTACH_DETACHED;
	if (s.status >= 0)
		return s.status;
	return eng_wait(eng, id, e); /* the monitor went away without a word */
}

bool brig_ctr_attachable(struct eng *eng, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *doc = NULL;
	if (eng_inspect(eng, id, &doc, &e) < 0)
		return false;
	json_t *c = json_object_get(doc, "Config");
	return json_is_true(json_object_get(c, "Tty")) ||
		json_is_true(json_object_get(c, "OpenStdin"));
}

static int follow_output(struct eng *eng, const char *id, struct brig_err *e);

bool brig_sig_proxy(struct opt *o)
{
	const char *v = opts_find(o, "sig-proxy")->value;
	return !v || strcmp(v, "false") != 0;
}

int brig_run_attached(struct eng *eng, const char *id, const struct brig_detach_keys *keys,
		      bool stdin_, bool sig_proxy, bool rm, struct brig_err *e)
{
	struct brig_attach_opts ao = { .keys = *keys, .stdin_ = stdin_, .sig_proxy = sig_proxy };
	/* --rm: brig returns once the container is gone, as Docker's run does. */
	_cleanup_close_ int dirfd = rm ? eng_ctr_dirfd(eng, id, e) : -1;
	if (rm && dirfd < 0)
		return dirfd;
	int r = eng_start(eng, id, ENG_DETACH_ATTACH, e);
	if (r == -EBUSY) /* running already (start -ai): attached to it, as Docker */
		brig_err_clear(e);
	else if (r < 0)
		return r;
	r = brig_attach_session(eng, id, &ao, e);
	if (r == -ENOTCONN) { /* running already, with no socket: its output */
		brig_err_clear(e);
		r = follow_output(eng, id, e);
	}
	if (r == BRIG_ATTACH_DETACHED)
		return 0;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (rm && r >= 0 && eng_wait_monitor(dirfd, &e2) < 0)
		brig_warn("container %.12s: --rm: %s", id, brig_err_str(&e2));
	return r;
}

static bool alive(void *arg)
{
	void **a = arg;
	return eng_running(a[0], a[1]);
}

/* No stdin or terminal: its output from now until it ends, then its exit
 * code, as Docker's attach shows for such a container. */
static int follow_output(struct eng *eng, const char *id, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_dirfd(eng, id, e);
	if (dirfd < 0)
		return dirfd;
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	struct eng_logs_opts lo = { .stdout_ = true,
				    .stderr_ = true,
				    .tail = -1,
				    .follow = true,
				    .since_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec };
	void *a[2] = { eng, (void *)id };
	int r = eng_logs_print(dirfd, ENG_LOG_NAME, &lo, STDOUT_FILENO, STDERR_FILENO, alive, a, e);
	if (r < 0 && r != -EPIPE)
		return r;
	return eng_wait(eng, id, e);
}

int brig_cmd_attach(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE(
			"detach-keys", 0, "KEYS",
			"the keys that detach and leave it running (default: the engine config's detach-keys, else ctrl-p,ctrl-q)"),
		OPT_FLAG("no-stdin", 0, "do not send stdin"),
		OPT_FLAG(
			"sig-proxy", 0,
			"send the signals brig gets to the container (default true; with -t they end the attach)"),
		{ 0 }
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("attach", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	struct brig_attach_opts ao = { .stdin_ = !opts_find(o, "no-stdin")->set,
				       .sig_proxy = brig_sig_proxy(o) };
	_cleanup_eng_ struct eng *eng = NULL;
	char id[ENG_ID_LEN + 1];
	const char *keys = opts_find(o, "detach-keys")->value;
	int r = brig_engine_open(g, &eng, &e);
	if (r == 0)
		r = brig_detach_keys_parse(keys ? keys : eng_detach_keys(eng), &ao.keys, &e);
	opts_free(o);
	if (r == 0)
		r = eng_find(eng, pos[0], id, &e);
	if (r == 0)
		r = brig_attach_session(eng, id, &ao, &e);
	if (r == -ENOTCONN) {
		brig_err_clear(&e);
		r = follow_output(eng, id, &e);
	}
	if (r == BRIG_ATTACH_DETACHED)
		return 0;
	return r < 0 ? brig_fail(&e) : r;
}
