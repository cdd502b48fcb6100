/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The learning agent (`--security-opt seccomp=learn:FILE`, docs/seccomp-learn.md):
 * it takes the SCMP_ACT_NOTIFY listeners the runtime hands to listenerPath,
 * records every notified syscall (architecture, number and, for the calls
 * whose arguments brig's default profile restricts, the argument value) and
 * lets it go on with SECCOMP_USER_NOTIF_FLAG_CONTINUE.  It ends when every
 * listener it got has hung up (no process uses the filter any more), or when
 * the control fd closes before any listener came.
 */
#include "runtime/seccomp/seccomp-internal.h"
#include "runtime/runtime.h"

#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define LN_MAX_LISTENERS 64
#define LN_MAX_ARCHS 4
#define LN_MAX_NR 1024
#define LN_MAX_VALUES 256 /* distinct argument values kept per watched call */
#define LN_X32_BIT 0x40000000u
#define LN_STATE_MAX (1u << 20)

/* The calls whose argument brig's default profile restricts, and which
 * argument (docs/seccomp-profile.md, "Restricted by argument"). */
static const struct {
	const char *name;
	unsigned index;
} watched[] = {
	{ "clone", 0 },      { "unshare", 0 },     { "socket", 0 },
	{ "socketpair", 0 }, { "personality", 0 }, { "ioctl", 1 },
};
#define LN_WATCHED BRIG_ARRAY_SIZE(watched)

struct ln_values {
	uint64_t v[LN_MAX_VALUES];
	size_t n;
	bool overflow; /* more than LN_MAX_VALUES: allowed whatever the value */
};

struct ln_arch {
	uint32_t token; /* SCMP_ARCH_*, which is the AUDIT_ARCH_* value */
	uint8_t seen[LN_MAX_NR / 8];
	int watched_nr[LN_WATCHED];
};

struct ln_state {
	struct ln_arch arch[LN_MAX_ARCHS];
	size_t n_arch;
	struct ln_values values[LN_WATCHED];
	int fds[LN_MAX_LISTENERS];
	size_t n_fds;
	bool got_listener;
	unsigned long events;
};

static struct ln_arch *arch_of(struct ln_state *s, uint32_t token)
{
	for (size_t i = 0; i < s->n_arch; i++)
		if (s->arch[i].token == token)
			return &s->arch[i];
	if (s->n_arch == LN_MAX_ARCHS)
		return NULL;
	struct ln_arch *a = &s->arch[s->n_arch++];
	memset(a, 0, sizeof(*a));
	a->token = token;
	for (size_t i = 0; i < LN_WATCHED; i++)
		a->watched_nr[i] = seccomp_syscall_resolve_name_arch(token, watched[i].name);
	return a;
}

static void add_value(struct ln_values *v, uint64_t x)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i] == x)
			return;
	if (v->n == LN_MAX_VALUES)
		v->overflow = true;
	else
		v->v[v->n++] = x;
}

static void record(struct ln_state *s, const struct seccomp_data *d)
{
	uint32_t token = d->arch, nr = (uint32_t)d->nr;
	if (token == SCMP_ARCH_X86_64 && (nr & LN_X32_BIT)) {
		token = SCMP_ARCH_X32;
		nr &= ~LN_X32_BIT;
	}
	struct ln_arch *a = arch_of(s, token);
	if (!a || nr >= LN_MAX_NR)
		return; /* cannot happen with the filter's architectures */
	a->seen[nr / 8] |= (uint8_t)(1u << (nr % 8));
	for (size_t i = 0; i < LN_WATCHED; i++)
		if (a->watched_nr[i] >= 0 && (uint32_t)a->watched_nr[i] == nr)
			add_value(&s->values[i], d->args[watched[i].index]);
}

/* One notification: record it, let the call go on. */
static int handle_notif(struct ln_state *s, int fd)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -errno;
	record(s, &req.data);
	s->events++;
	struct seccomp_notif_resp resp = { .id = req.id,
					   .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	if (BRIG_RETRY(ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp)) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* A connection on listenerPath: the container process state with the
 * listener fd on its first message, read to the end (the runtime closes). */
static int take_listener(struct ln_state *s, int lfd, struct brig_err *e)
{
	_cleanup_close_ int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : brig_err_sys(e, errno, "accept");
	_cleanup_free_ char *buf = malloc(LN_STATE_MAX);
	if (!buf)
		return brig_err_oom(e);
	int fd = -1;
	size_t total = 0;
	for (;;) {
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(4 * sizeof(int))];
		} u;
		memset(&u, 0, sizeof(u));
		struct iovec iov = { buf + total, LN_STATE_MAX - total };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = u.b,
				    .msg_controllen = sizeof(u.b) };
		ssize_t n = BRIG_RETRY(recvmsg(c, &m, MSG_CMSG_CLOEXEC));
		if (n < 0) {
			int err = errno;
			if (fd >= 0)
				(void)close(fd);
			return brig_err_sys(e, err, "seccomp listener: receiving the state");
		}
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
			size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; h->cmsg_type == SCM_RIGHTS && i < k; i++) {
				int got;
				memcpy(&got, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
				if (fd < 0)
					fd = got;
				else
					(void)close(got);
			}
		}
		total += (size_t)n;
		if (n == 0 || total == LN_STATE_MAX)
			break;
	}
	if (fd < 0)
		return brig_err_set(e, -EPROTO, "seccomp listener: a connection without an fd");
	if (s->n_fds == LN_MAX_LISTENERS) {
		(void)close(fd);
		return brig_err_set(e, -EMFILE, "seccomp listener: too many listeners");
	}
	s->fds[s->n_fds++] = fd;
	s->got_listener = true;
	return 0;
}

static void drop_fd(struct ln_state *s, size_t i)
{
	(void)close(s->fds[i]);
	s->fds[i] = s->fds[--s->n_fds];
}

/* One round of poll over the listening socket, the control fd and the
 * listeners.  *done when the agent should stop. */
static int round_once(struct ln_state *s, int lfd, int *ctl, bool *done, struct brig_err *e)
{
	struct pollfd p[LN_MAX_LISTENERS + 2];
	size_t n = 0;
	for (size_t i = 0; i < s->n_fds; i++)
		p[n++] = (struct pollfd){ .fd = s->fds[i], .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	p[n] = (struct pollfd){ .fd = *ctl, .events = POLLIN };
	if (poll(p, n + 1, -1) < 0)
		return errno == EINTR ? 0 : brig_err_sys(e, errno, "poll");
	for (size_t i = s->n_fds; i-- > 0;) {
		if (p[i].revents & POLLIN) {
			int r = handle_notif(s, s->fds[i]);
			if (r < 0)
				return brig_err_sys(e, -r, "seccomp notification");
		} else if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			drop_fd(s, i);
		}
	}
	if (p[n - 1].revents & POLLIN) {
		int r = take_listener(s, lfd, e);
		if (r < 0)
			return r;
	}
	if (*ctl >= 0 && p[n].revents) {
		(void)close(*ctl);
		*ctl = -1;
		if (!s->got_listener && !(p[n - 1].revents & POLLIN))
			return brig_err_set(e, -ECANCELED, "the container never started");
	}
	*done = s->got_listener && s->n_fds == 0;
	return 0;
}

static json_t *values_json(const struct ln_values *v)
{
	if (v->overflow)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; a && i < v->n; i++)
		(void)json_array_append_new(a, json_integer((json_int_t)v->v[i]));
	return a;
}

static const char *arch_name(uint32_t token)
{
	switch (token) {
	case SCMP_ARCH_X86_64:
		return "SCMP_ARCH_X86_64";
	case SCMP_ARCH_X86:
		return "SCMP_ARCH_X86";
	case SCMP_ARCH_X32:
		return "SCMP_ARCH_X32";
	case SCMP_ARCH_AARCH64:
		return "SCMP_ARCH_AARCH64";
	case SCMP_ARCH_ARM:
		return "SCMP_ARCH_ARM";
	default:
		return NULL;
	}
}

static int add_arch(json_t *calls, const struct ln_arch *a, const struct ln_state *s)
{
	for (uint32_t nr = 0; nr < LN_MAX_NR; nr++) {
		if (!(a->seen[nr / 8] & (1u << (nr % 8))))
			continue;
		uint32_t q = a->token == SCMP_ARCH_X32 ? nr | LN_X32_BIT : nr;
		_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(a->token, (int)q);
		if (!name || json_object_get(calls, name))
			continue;
		json_t *v = json_null();
		for (size_t i = 0; i < LN_WATCHED; i++)
			if (strcmp(watched[i].name, name) == 0)
				v = values_json(&s->values[i]);
		if (!v || json_object_set_new(calls, name, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* {"architectures": [...], "syscalls": {NAME: null | [VALUES]}, "events": N} */
static json_t *to_json(const struct ln_state *s)
{
	_cleanup_json_ json_t *arches = json_array(), *calls = json_object();
	if (!arches || !calls)
		return NULL;
	for (size_t i = 0; i < s->n_arch; i++) {
		const char *n = arch_name(s->arch[i].token);
		if (n &&
		    (json_array_append_new(arches, json_string(n)) < 0 ||
		     add_arch(calls, &s->arch[i], s) < 0))
			return NULL;
	}
	return json_pack("{s:O,s:O,s:I}", "architectures", arches, "syscalls", calls, "events",
			 (json_int_t)s->events);
}

int rt_learn_agent(int listen_fd, int ctl_fd, json_t **out, struct brig_err *e)
{
	*out = NULL;
	struct ln_state *s = calloc(1, sizeof(*s));
	if (!s)
		return brig_err_oom(e);
	int r = 0;
	bool done = false;
	while (r == 0 && !done)
		r = round_once(s, listen_fd, &ctl_fd, &done, e);
	if (ctl_fd >= 0)
		(void)close(ctl_fd);
	while (s->n_fds > 0)
		drop_fd(s, s->n_fds - 1);
	if (r == 0 && !(*out = to_json(s)))
		r = brig_err_oom(e);
	free(s);
	return r;
}
