/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/seccomp, live: filters installed in forked children (sc_test.h)
 * and the syscall results the children observe: ERRNO, argument rules,
 * allow-lists, LOG, KILL*, TRAP, TRACE, flags, architectures.
 */
#include "sc_test.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

/* ---- SCMP_ACT_LOG (first: the kernel rate-limits audit printks) ----
 * The call must go through and, when /dev/kmsg can show it, leave an
 * AUDIT_SECCOMP record with the LOG return code. */

/* Wait (bounded) for a kmsg record containing every needle. */
static bool kmsg_find(int fd, char *const *needles, size_t n)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	char buf[8192];
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf) - 1);
		if (k > 0) {
			buf[k] = '\0';
			size_t hit = 0;
			for (size_t i = 0; i < n; i++)
				hit += strstr(buf, needles[i]) != NULL;
			if (hit == n)
				return true;
			continue;
		}
		if (k < 0 && (errno == EINTR || errno == EPIPE))
			continue; /* EPIPE: a record was overwritten */
		if (k < 0 && errno != EAGAIN)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long waited = (now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited > 5000)
			return false;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		(void)poll(&p, 1, (int)(5000 - waited));
	}
}

static int child_getppid_is(void *arg)
{
	CHECK(syscall(SYS_getppid) == *(pid_t *)arg);
	return 0;
}

static void test_log(void **state)
{
	(void)state;
	struct rt_seccomp *s = compile_str(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_LOG\"}]}");
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int kmsg_err = errno;
	if (kmsg >= 0)
		assert_true(lseek(kmsg, 0, SEEK_END) >= 0);
	pid_t me = getpid();
	/* LOG lets the call through */
	int st = run_child(s, child_getppid_is, &me);
	rt_seccomp_free(s);
	expect_ok(st);
	if (kmsg < 0) {
		print_message("# /dev/kmsg unreadable (%s): audit record not checked\n",
			      strerror(kmsg_err));
		return;
	}
	/* The audit record of the logged call: type 1326 = AUDIT_SECCOMP. */
	char pid_s[32], nr_s[32];
	snprintf(pid_s, sizeof(pid_s), " pid=%d ", (int)last_child);
	snprintf(nr_s, sizeof(nr_s), " syscall=%d ", (int)SYS_getppid);
	char *needles[] = { "type=1326", pid_s, nr_s, "code=0x7ffc0000" };
	bool found = kmsg_find(kmsg, needles, 4);
	close(kmsg);
	if (!found) {
		/* Without auditd the kernel prints audit records through
		 * printk_ratelimit(): a miss proves nothing. */
		skip_because("no audit record for pid %d in /dev/kmsg (printk rate limit?)",
			     (int)last_child);
	}
}

/* ---- SCMP_ACT_ERRNO ---- */

static int child_errno(void *arg)
{
	char buf[PATH_MAX];
	struct utsname u;
	CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) == -1 && errno == EPERM);
	CHECK(syscall(SYS_uname, &u) == -1 && errno == EXDEV);
	CHECK(syscall(SYS_getpid) > 0); /* the rest still works */
	CHECK(syscall(SYS_getppid) == *(pid_t *)arg);
	return 0;
}

static void test_errno_rules(void **state)
{
	(void)state;
	char js[512];
	snprintf(js, sizeof(js),
		 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		 "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		 "{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":%d}]}",
		 EXDEV);
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(js);
	pid_t me = getpid();
	expect_ok(run_child(s, child_errno, &me));
	char buf[PATH_MAX]; /* the parent is not filtered */
	assert_non_null(getcwd(buf, sizeof(buf)));
}

static int child_allowlist(void *arg)
{
	(void)arg;
	char buf[PATH_MAX];
	struct utsname u;
	CHECK(syscall(SYS_getpid) > 0);
	CHECK(syscall(SYS_uname, &u) == 0);
	CHECK(syscall(SYS_getppid) == -1 && errno == ENOSYS);
	CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) == -1 && errno == ENOSYS);
	CHECK(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_CLOEXEC) == -1 && errno == ENOSYS);
	return 0;
}

static void test_default_errno_allowlist(void **state)
{
	(void)state;
	char js[512];
	snprintf(js, sizeof(js),
		 "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":%d,\"syscalls\":["
		 "{\"names\":[\"exit_group\",\"exit\",\"getpid\",\"uname\"],"
		 "\"action\":\"SCMP_ACT_ALLOW\"}]}",
		 ENOSYS);
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(js);
	expect_ok(run_child(s, child_allowlist, NULL));
}

/* ---- arguments ---- */

struct argdir {
	int dirfd;
	char path[64];
};

static long mkdir_in(int dirfd, const char *name, mode_t mode)
{
	return syscall(SYS_mkdirat, dirfd, name, mode);
}

static int child_args(void *arg)
{
	const struct argdir *d = arg;
	char other[128];
	snprintf(other, sizeof(other), "%s/b", d->path);
	/* rule 1: dirfd AND mode 0700 */
	CHECK(mkdir_in(d->dirfd, "a", 0700) == -1 && errno == EACCES);
	CHECK(mkdir_in(AT_FDCWD, other, 0700) == 0);
	/* rule 2: mode 0710 OR mode 0750 (same index twice) */
	CHECK(mkdir_in(d->dirfd, "c", 0710) == -1 && errno == EROFS);
	CHECK(mkdir_in(d->dirfd, "d", 0750) == -1 && errno == EROFS);
	CHECK(mkdir_in(d->dirfd, "e", 0755) == 0);
	/* rule 3: (mode & 007) == 007 */
	CHECK(mkdir_in(d->dirfd, "f", 0777) == -1 && errno == EMLINK);
	CHECK(mkdir_in(d->dirfd, "g", 0707) == -1 && errno == EMLINK);
	return 0;
}

static void test_arg_rules(void **state)
{
	(void)state;
	struct argdir d;
	snprintf(d.path, sizeof(d.path), "%s", sc_mkdtemp());
	d.dirfd = open(d.path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	assert_true(d.dirfd >= 0);
	json_t *cfg = json_pack(
		"{s:s, s:[{s:[s], s:s, s:i, s:[{s:i, s:i, s:s}, {s:i, s:i, s:s}]},"
		"{s:[s], s:s, s:i, s:[{s:i, s:i, s:s}, {s:i, s:i, s:s}]},"
		"{s:[s], s:s, s:i, s:[{s:i, s:i, s:i, s:s}]}]}",
		"defaultAction", "SCMP_ACT_ALLOW", "syscalls", "names", "mkdirat", "action",
		"SCMP_ACT_ERRNO", "errnoRet", EACCES, "args", "index", 0, "value", d.dirfd, "op",
		"SCMP_CMP_EQ", "index", 2, "value", 0700, "op", "SCMP_CMP_EQ", "names", "mkdirat",
		"action", "SCMP_ACT_ERRNO", "errnoRet", EROFS, "args", "index", 2, "value", 0710,
		"op", "SCMP_CMP_EQ", "index", 2, "value", 0750, "op", "SCMP_CMP_EQ", "names",
		"mkdirat", "action", "SCMP_ACT_ERRNO", "errnoRet", EMLINK, "args", "index", 2,
		"value", 07, "valueTwo", 07, "op", "SCMP_CMP_MASKED_EQ");
	assert_non_null(cfg);
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_json(cfg);
	int st = run_child(s, child_args, &d);
	/* exactly the allowed directories exist */
	static const char *const made[] = { "b", "e" };
	static const char *const denied[] = { "a", "c", "d", "f", "g" };
	struct stat sb;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(fstatat(d.dirfd, made[i], &sb, 0), 0);
		assert_int_equal(unlinkat(d.dirfd, made[i], AT_REMOVEDIR), 0);
	}
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(fstatat(d.dirfd, denied[i], &sb, 0), -1);
	close(d.dirfd);
	assert_int_equal(rmdir(d.path), 0);
	expect_ok(st);
}

/* ---- killing, trapping, tracing ---- */

static int child_call_getppid(void *arg)
{
	(void)arg;
	(void)syscall(SYS_getppid);
	return 0; /* only reached when the filter did not kill */
}

static void test_kill(void **state)
{
	(void)state;
	static const char *const acts[] = { "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
					    "SCMP_ACT_KILL" };
	for (size_t i = 0; i < 3; i++) {
		char js[256];
		snprintf(js, sizeof(js),
			 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			 "{\"names\":[\"getppid\"],\"action\":\"%s\"}]}",
			 acts[i]);
		_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(js);
		expect_sigsys(run_child(s, child_call_getppid, NULL));
	}
}

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp SIGSYS */
#endif

static volatile sig_atomic_t trap_code, trap_nr;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	trap_code = si->si_code;
	trap_nr = si->si_syscall;
}

static int child_trap(void *arg)
{
	(void)arg;
	CHECK(trap_code == 0);
	(void)syscall(SYS_getppid);
	CHECK(trap_code == SYS_SECCOMP);
	CHECK(trap_nr == SYS_getppid);
	return 0;
}

static void test_trap(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_TRAP\"}]}");
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	struct sigaction old;
	assert_int_equal(sigaction(SIGSYS, &sa, &old), 0); /* inherited by the child */
	int st = run_child(s, child_trap, NULL);
	assert_int_equal(sigaction(SIGSYS, &old, NULL), 0);
	expect_ok(st);
}

static int child_trace(void *arg)
{
	(void)arg;
	/* no tracer: the call is not made and fails with ENOSYS */
	CHECK(syscall(SYS_getppid) == -1 && errno == ENOSYS);
	return 0;
}

static void test_trace_without_tracer(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7}]}");
	expect_ok(run_child(s, child_trace, NULL));
}

/* ---- flags, big filters, unknown names ---- */

static int child_getcwd_denied(void *arg)
{
	(void)arg;
	char buf[PATH_MAX];
	CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) == -1 && errno == EPERM);
	CHECK(syscall(SYS_getpid) > 0);
	return 0;
}

static void test_flags(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\","
		"\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\"syscalls\":["
		"{\"names\":[\"getcwd\",\"no_such_syscall_xyz\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
	assert_int_equal(rt_seccomp_install_flags(s),
			 SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
				 SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	expect_ok(run_child(s, child_getcwd_denied, NULL));
}

static int child_big(void *arg)
{
	(void)arg;
	char buf[PATH_MAX];
	struct utsname u;
	CHECK(syscall(SYS_getpid) > 0);
	CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) > 0);
	CHECK(syscall(SYS_getppid) == -1 && errno == EPERM);
	CHECK(syscall(SYS_uname, &u) == -1 && errno == EPERM);
	return 0;
}

/* An allow-list of every native syscall libseccomp knows but two: a
 * Docker-sized filter, dispatched by binary tree. */
static void test_big_allowlist(void **state)
{
	(void)state;
	json_t *names = json_array();
	for (int nr = 0; nr < 1024; nr++) {
		char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (n && strcmp(n, "getppid") != 0 && strcmp(n, "uname") != 0)
			json_array_append_new(names, json_string(n));
		free(n);
	}
	assert_true(json_array_size(names) > 300);
	json_t *cfg = json_pack("{s:s, s:[{s:o, s:s}]}", "defaultAction", "SCMP_ACT_ERRNO",
				"syscalls", "names", names, "action", "SCMP_ACT_ALLOW");
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_json(cfg);
	size_t n = 0;
	assert_non_null(rt_seccomp_program(s, &n));
	assert_true(n > 300 && n <= BPF_MAXINSNS);
	expect_ok(run_child(s, child_big, NULL));
}

/* ---- architectures (x86-64 only: the i386 ABI through int $0x80) ---- */

#if defined(__x86_64__)
static long int80(long nr)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

enum { I386_GETPID = 20, I386_GETPPID = 64 };

static int child_int80_works(void *arg)
{
	(void)arg;
	CHECK(int80(I386_GETPID) == syscall(SYS_getpid));
	return 0;
}

static int child_i386(void *arg)
{
	(void)arg;
	CHECK(int80(I386_GETPPID) == -EPERM);
	CHECK(int80(I386_GETPID) == syscall(SYS_getpid));
	CHECK(syscall(SYS_getppid) == -1 && errno == EPERM);
	return 0;
}

static void test_architectures(void **state)
{
	(void)state;
	pid_t pid = sc_fork();
	if (pid == 0)
		child_exit(child_int80_works(NULL));
	int st = wait_child(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		skip_because("no i386 syscall ABI here (the probe's wait status 0x%x)", st);
	}
	const char *rule =
		"\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
	char js[512];
	snprintf(js, sizeof(js),
		 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
		 "\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\",\"SCMP_ARCH_PPC64\"],%s",
		 rule);
	_cleanup_rt_seccomp_ struct rt_seccomp *multi = compile_str(js);
	expect_ok(run_child(multi, child_i386, NULL));
	/* without SCMP_ARCH_X86 an i386 syscall is a bad architecture: killed */
	snprintf(js, sizeof(js), "{\"defaultAction\":\"SCMP_ACT_ALLOW\",%s", rule);
	_cleanup_rt_seccomp_ struct rt_seccomp *native = compile_str(js);
	expect_sigsys(run_child(native, child_int80_works, NULL));
}
#endif

/* ---- installing without no_new_privs and without CAP_SYS_ADMIN ---- */

static void test_needs_nnp(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = compile_str(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
	pid_t pid = sc_fork();
	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		if (syscall(SYS_capget, &h, d) < 0)
			child_exit(10);
		d[0].effective &= ~(1u << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &h, d) < 0)
			child_exit(11);
		struct brig_err e = { 0 };
		int fd = -1;
		int r = rt_seccomp_install(s, &fd, &e);
		bool ok = r == -EACCES && strstr(brig_err_str(&e), "no_new_privs");
		brig_err_clear(&e);
		child_exit(ok ? 0 : 12);
	}
	int st = wait_child(pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_log, sc_test_cleanup),
		cmocka_unit_test_teardown(test_errno_rules, sc_test_cleanup),
		cmocka_unit_test_teardown(test_default_errno_allowlist, sc_test_cleanup),
		cmocka_unit_test_teardown(test_arg_rules, sc_test_cleanup),
		cmocka_unit_test_teardown(test_kill, sc_test_cleanup),
		cmocka_unit_test_teardown(test_trap, sc_test_cleanup),
		cmocka_unit_test_teardown(test_trace_without_tracer, sc_test_cleanup),
		cmocka_unit_test_teardown(test_flags, sc_test_cleanup),
		cmocka_unit_test_teardown(test_big_allowlist, sc_test_cleanup),
#if defined(__x86_64__)
		cmocka_unit_test_teardown(test_architectures, sc_test_cleanup),
#endif
		cmocka_unit_test_teardown(test_needs_nnp, sc_test_cleanup),
	};
	return cmocka_run_group_tests(tests, sc_test_setup, sc_test_teardown);
}
