/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/seccomp, SCMP_ACT_NOTIFY end to end: a child installs a filter and
 * passes the listener to the "runtime" (this process), which sends it with
 * the container process state to a seccomp agent listening on listenerPath
 * (also this process); the agent answers the child's notified syscall.
 */
#include "sc_test.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>

/* ---- SCMP_ACT_NOTIFY end to end ---- */

struct notify_child {
	const struct rt_seccomp *s;
	int sock; /* to the runtime */
	int go; /* read end: the agent is gone */
};

static int child_notify(void *arg)
{
	const struct notify_child *c = arg;
	int nfd = -1;
	struct utsname u;
	char b;
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(rt_seccomp_install(c->s, &nfd, NULL) == 0);
	CHECK(nfd >= 0);
	CHECK(rt_seccomp_pass_listener(c->sock, nfd, NULL) == 0);
	CHECK(close(nfd) == 0);
	/* blocks until the agent answers with EXDEV */
	CHECK(syscall(SYS_uname, &u) == -1 && errno == EXDEV);
	CHECK(syscall(SYS_getpid) > 0); /* not notified */
	CHECK(read(c->go, &b, 1) == 1);
	/* every listener fd closed: notified calls fail with ENOSYS */
	CHECK(syscall(SYS_uname, &u) == -1 && errno == ENOSYS);
	return 0;
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* The agent's side: read one connection to EOF; the fds come with it. */
static json_t *agent_receive(int lsock, int *fds, size_t *n_fds)
{
	_cleanup_close_ int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	char data[65536];
	size_t len = 0;
	*n_fds = 0;
	for (;;) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(4 * sizeof(int))];
		} u;
		struct iovec iov = { data + len, sizeof(data) - len };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		ssize_t k = BRIG_RETRY(recvmsg(conn, &msg, MSG_CMSG_CLOEXEC));
		assert_true(k >= 0);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			size_t m = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < m && *n_fds < 4; i++)
				memcpy(&fds[(*n_fds)++], CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
		}
		if (k == 0)
			break;
		len += (size_t)k;
		assert_true(len < sizeof(data));
	}
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr);
	if (!j)
		fail_msg("agent got invalid JSON: %s", jerr.text);
	return j;
}

static void agent_check_state(const json_t *j, pid_t pid)
{
	assert_string_equal(json_string_value(json_object_get(j, "ociVersion")), "1.2.0");
	json_t *fds = json_object_get(j, "fds");
	assert_int_equal(json_array_size(fds), 1);
	assert_string_equal(json_string_value(json_array_get(fds, 0)), "seccompFd");
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), pid);
	assert_string_equal(json_string_value(json_object_get(j, "metadata")), "hello=world");
	json_t *st = json_object_get(j, "state");
	assert_string_equal(json_string_value(json_object_get(st, "id")), "c1");
	assert_string_equal(json_string_value(json_object_get(st, "status")), "creating");
	assert_int_equal(json_integer_value(json_object_get(st, "pid")), pid);
}

/* One notification: it is the child's uname; answer EXDEV. */
static void agent_answer(int afd, pid_t pid)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	assert_int_equal(BRIG_RETRY(ioctl(afd, SECCOMP_IOCTL_NOTIF_RECV, &req)), 0);
	assert_int_equal(req.pid, pid);
	assert_int_equal(req.data.nr, SYS_uname);
	struct seccomp_notif_resp resp = { .id = req.id, .error = -EXDEV };
	assert_int_equal(BRIG_RETRY(ioctl(afd, SECCOMP_IOCTL_NOTIF_SEND, &resp)), 0);
}

static void test_notify(void **state)
{
	(void)state;
	const char *dir = sc_mkdtemp();
	char path[108];
	assert_true(brig_snprintf(path, sizeof(path), "%s/agent.sock", dir) > 0);
	int lsock = listen_at(path);
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_json(
		json_pack("{s:s, s:s, s:s, s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
			  "listenerPath", path, "listenerMetadata", "hello=world", "syscalls",
			  "names", "uname", "action", "SCMP_ACT_NOTIFY"));
	int sp[2], go[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid_t pid = sc_fork();
	if (pid == 0) {
		close(sp[0]);
		close(go[1]);
		struct notify_child c = { s, sp[1], go[0] };
		child_exit(child_notify(&c));
	}
	close(sp[1]);
	close(go[0]);

	/* the runtime: fd from the child, state to the agent */
	_cleanup_err_ struct brig_err e = { 0 };
	int fd = -1;
	if (rt_seccomp_recv_listener(sp[0], &fd, &e) < 0)
		fail_msg("%s (child line %d)", brig_err_str(&e), *child_line);
	_cleanup_json_ json_t *st = json_pack("{s:s, s:s, s:s, s:i, s:s, s:{s:s}}", "ociVersion",
					      "1.2.0", "id", "c1", "status", "creating", "pid",
					      (int)pid, "bundle", "/b", "annotations", "k", "v");
	if (rt_seccomp_send_listener(s, fd, pid, st, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	close(fd);

	/* the agent */
	int fds[4];
	size_t n_fds = 0;
	_cleanup_json_ json_t *got = agent_receive(lsock, fds, &n_fds);
	assert_int_equal(n_fds, 1);
	agent_check_state(got, pid);
	agent_answer(fds[0], pid);
	close(fds[0]);
	assert_int_equal(write(go[1], "x", 1), 1);
	expect_ok(wait_child(pid));

	close(go[1]);
	close(sp[0]);
	close(lsock);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* listenerPath longer than sun_path: reached through /proc/self/fd. */
static void test_long_listener_path(void **state)
{
	(void)state;
	const char *dir = sc_mkdtemp();
	char sub[256], path[320], bindpath[64];
	snprintf(sub, sizeof(sub), "%s/%0120d", dir, 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/agent.sock", sub);
	assert_true(strlen(path) > sizeof(((struct sockaddr_un *)0)->sun_path));
	int dfd = open(sub, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	snprintf(bindpath, sizeof(bindpath), "/proc/self/fd/%d/agent.sock", dfd);
	int lsock = listen_at(bindpath);
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_json(
		json_pack("{s:s, s:s, s:s, s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
			  "listenerPath", path, "listenerMetadata", "hello=world", "syscalls",
			  "names", "uname", "action", "SCMP_ACT_NOTIFY"));
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0); /* any fd will do */
	_cleanup_json_ json_t *st = json_pack("{s:s, s:s, s:i}", "id", "c1", "status", "creating",
					      "pid", 4242);
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_seccomp_send_listener(s, p[0], 4242, st, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	int fds[4];
	size_t n_fds = 0;
	_cleanup_json_ json_t *got = agent_receive(lsock, fds, &n_fds);
	assert_int_equal(n_fds, 1);
	struct stat a, b;
	assert_int_equal(fstat(fds[0], &a), 0);
	assert_int_equal(fstat(p[0], &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_int_equal(json_integer_value(json_object_get(got, "pid")), 4242);
	/* the state had no ociVersion: ours is used */
	assert_string_equal(json_string_value(json_object_get(got, "ociVersion")), "1.2.0");
	close(fds[0]);
	close(p[0]);
	close(p[1]);
	close(lsock);
	assert_int_equal(unlinkat(dfd, "agent.sock", 0), 0);
	close(dfd);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_listener_errors(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	int sp[2], fd = 5;
	/* the peer goes away without passing anything */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	close(sp[1]);
	assert_int_equal(rt_seccomp_recv_listener(sp[0], &fd, &e), -EPIPE);
	assert_int_equal(fd, -1);
	close(sp[0]);
	/* a byte without an fd */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(write(sp[1], "S", 1), 1);
	assert_int_equal(rt_seccomp_recv_listener(sp[0], &fd, &e), -EPROTO);
	close(sp[0]);
	close(sp[1]);
	/* nobody listening at listenerPath */
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/nonexistent/brig/agent.sock\","
		"\"syscalls\":[{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");
	_cleanup_json_ json_t *st = json_pack("{s:s}", "id", "c1");
	assert_int_equal(rt_seccomp_send_listener(s, 0, 1, st, &e), -ENOENT);
	assert_string_equal(
		brig_err_str(&e),
		"seccomp listener /nonexistent/brig/agent.sock: connect: No such file or directory");
	/* without NOTIFY there is nothing to send */
	_cleanup_rt_seccomp_ struct rt_seccomp *plain = compile_str(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x.sock\"}");
	assert_int_equal(rt_seccomp_send_listener(plain, 0, 1, st, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_notify, sc_test_cleanup),
		cmocka_unit_test_teardown(test_long_listener_path, sc_test_cleanup),
		cmocka_unit_test_teardown(test_listener_errors, sc_test_cleanup),
	};
	return cmocka_run_group_tests(tests, sc_test_setup, sc_test_teardown);
}
