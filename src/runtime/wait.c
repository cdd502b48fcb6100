/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Waiting for a foreground container process: signals sent to brig-runtime
 * are forwarded to it and, when it has a terminal that nobody else took
 * (no --console-socket), its pty is relayed to our stdio as runc does.
 */
#include "runtime/wait-internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

static const int forwarded[] = { SIGHUP,  SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
				 SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE };

/* The caller's terminal size onto the container's pty: from stdin, or from
 * stdout when stdin is not a terminal (run -t without -i reads nothing). */
static void copy_size(int to)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

int rt_recv_pty(int sock, int *master, struct brig_err *e)
{
	char name[64];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n = BRIG_RETRY(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC));
	if (n < 0)
		return brig_err_sys(e, errno, "receiving the container's pty");
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return brig_err_set(e, -EPROTO, "the container sent no pty");
	memcpy(master, CMSG_DATA(c), sizeof(int));
	/* Before the process starts, so it sees our size from its first
	 * instruction, not after a race with us. */
	copy_size(*master);
	return 0;
}

/* Move what is readable from in to out; false at EOF or error. */
static bool relay(int in, int out)
{
	char buf[8192];
	ssize_t n = read(in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return brig_write_all(out, buf, (size_t)n) == 0;
}

struct waiter {
	pid_t pid;
	int master, sfd;
	bool in_open, master_open;
	int lost; /* waitpid's errno when the process cannot be waited for */
	const struct rt_detach_keys *keys; /* NULL: none */
	size_t matched; /* how much of the detach sequence was just typed */
	bool detached;
	pid_t relay; /* > 0: the child relaying the pty (rt_wait_relayed) */
};

/* in[0..n) less the detach keys into out; the start of the keys is held
 * back in *matched until the sequence breaks. */
static size_t detach_filter(const struct rt_detach_keys *keys, size_t *matched,
			    const unsigned char *in, size_t n, unsigned char *out, bool *detached)
{
	size_t o = 0, k = keys ? keys->n : 0;
	for (size_t i = 0; i < n; i++) {
		if (k && in[i] == keys->seq[*matched]) {
			if (++*matched == k) {
				*detached = true;
				return o;
			}
			continue;
		}
		/* what looked like the start of the keys, held back, goes on */
		if (*matched) {
			memcpy(out + o, keys->seq, *matched);
			o += *matched;
			*matched = 0;
		}
		out[o++] = in[i];
	}
	return o;
}

bool rt_tty_input(int master, const struct rt_detach_keys *keys, size_t *matched, bool *detached)
{
	unsigned char in[1024], out[1024 + RT_DETACH_KEYS_MAX];
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	size_t o = detach_filter(keys, matched, in, (size_t)n, out, detached);
	return !*detached && (o == 0 || brig_write_all(master, out, o) == 0);
}

/* The relay of rt_wait_relayed ended with status st: true when the
 * detach keys ended it; a relay that failed (its exit status, or a signal
 * other than SIGPIPE: the reader of stdout went) is said. */
static bool relay_ended(int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == RT_RELAY_DETACHED)
		return true;
	if ((WIFEXITED(st) && WEXITSTATUS(st) != 0) || (WIFSIGNALED(st) && WTERMSIG(st) != SIGPIPE))
		brig_warn("the relay of the process's terminal failed (%s %d): its output may "
			  "be cut short",
			  WIFEXITED(st) ? "status" : "signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return false;
}

/* One round of poll; false when the process has exited. */
static bool wait_round(struct waiter *w, int *status)
{
	pid_t r = waitpid(w->pid, status, WNOHANG);
	if (r == w->pid)
		return false;
	if (r < 0 && errno != EINTR) {
		w->lost = errno;
		return false;
	}
	int rs;
	if (w->relay > 0 && waitpid(w->relay, &rs, WNOHANG) == w->relay) {
		w->relay = -1; /* gone early: the process is still waited for */
		w->detached = relay_ended(rs);
		if (w->detached)
			return false;
	}
	struct pollfd p[3] = { { .fd = w->sfd, .events = POLLIN },
			       { .fd = w->in_open ? STDIN_FILENO : -1, .events = POLLIN },
			       { .fd = w->master_open ? w->master : -1, .events = POLLIN } };
	if (poll(p, 3, -1) < 0)
		return true; /* EINTR: go round */
	if (p[0].revents & POLLIN) {
		struct signalfd_siginfo si;
		if (read(w->sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH && w->master >= 0)
				copy_size(w->master);
			else if (si.ssi_signo == SIGWINCH && w->relay > 0)
				(void)kill(w->relay, SIGWINCH);
			else if (si.ssi_signo != SIGCHLD)
				(void)kill(w->pid, (int)si.ssi_signo);
		}
	}
	if (p[1].revents && !rt_tty_input(w->master, w->keys, &w->matched, &w->detached))
		w->in_open = false;
	if (w->detached)
		return false;
	if (p[2].revents && !relay(w->master, STDOUT_FILENO))
		w->master_open = false;
	return true;
}

/* The loop of rt_wait_forward and rt_wait_relayed, w set up. */
static int wait_with(struct waiter *w, struct brig_err *e)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
		return brig_err_sys(e, errno, "sigprocmask");
	w->sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (w->sfd < 0) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		return brig_err_sys(e, errno, "signalfd");
	}
	struct termios saved;
	bool raw = (w->master >= 0 || w->relay > 0) && isatty(STDIN_FILENO) &&
		tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	if (w->master >= 0)
		copy_size(w->master);
	int status = 0;
	while (wait_round(w, &status))
		;
	/* What the process wrote just before exiting is still in the pty. */
	if (!w->detached && w->master_open && fcntl(w->master, F_SETFL, O_NONBLOCK) == 0) {
		char buf[8192];
		ssize_t n;
		while ((n = read(w->master, buf, sizeof(buf))) > 0)
			if (brig_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
	}
	/* The relay copies that itself, then ends (it watches the process). */
	int rs;
	if (!w->detached && w->relay > 0 && BRIG_RETRY(waitpid(w->relay, &rs, 0)) == w->relay)
		w->detached = relay_ended(rs); /* its end hung the process up first */
	if (raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	(void)close(w->sfd);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (w->detached)
		return RT_EXEC_DETACHED;
	if (w->lost)
		return brig_err_sys(e, w->lost, "waiting for process %d", (int)w->pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int rt_wait_forward(pid_t pid, int master, const struct rt_detach_keys *keys, struct brig_err *e)
{
	struct waiter w = { .pid = pid,
			    .master = master,
			    .in_open = master >= 0,
			    .master_open = master >= 0,
			    .keys = keys && keys->n ? keys : NULL,
			    .relay = -1 };
	return wait_with(&w, e);
}

int rt_wait_relayed(pid_t pid, pid_t relay, struct brig_err *e)
{
	struct waiter w = { .pid = pid, .master = -1, .relay = relay };
	return wait_with(&w, e);
}
