/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/cgroup: the cgroup v2 device filter, for real.  The program is
 * loaded with bpf(), attached to a v2 cgroup created beneath our own, and a
 * forked child that moved itself into that cgroup reports what open() and
 * mknod() return.  Needs root and a cgroup2 mount (skipped otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "tests/unit/testutil.h"
#include "runtime/cgroup/cgroup-internal.h"

enum {
	P_NULL_RW,
	P_FULL_R,
	P_ZERO_R,
	P_ZERO_W,
	P_ZERO_RW,
	P_URANDOM_W,
	P_URANDOM_R,
	P_KMSG_R,
	P_MKNOD_NULL,
	P_MKNOD_KMSG,
	P_N
};

struct probe {
	int err[P_N]; /* 0 when allowed, else errno */
};

struct fixture {
	char *cgdir; /* our test cgroup in the v2 hierarchy */
	char tmp[64]; /* scratch dir for mknod */
	int cgfd;
};

static int setup(void **state)
{
	if (geteuid() != 0) {
		print_message("not root: skipping the device filter tests\n");
		return 0;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	if (rt_cg_layout_read(&l, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	if (l.unified < 0) {
		rt_cg_layout_clear(&l);
		print_message("no cgroup v2 hierarchy: skipping\n");
		return 0;
	}
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	const struct rt_cg_mnt *u = &l.m[l.unified];
	assert_true(asprintf(&f->cgdir, "%s%s%sbrig-bpf-test-%d", u->mount,
			     strcmp(u->own, "/") ? u->own : "", "/", (int)getpid()) > 0);
	rt_cg_layout_clear(&l);
	if (mkdir(f->cgdir, 0755) < 0)
		fail_msg("mkdir %s: %m", f->cgdir);
	f->cgfd = open(f->cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->cgfd >= 0);
	(void)snprintf(f->tmp, sizeof(f->tmp), "/tmp/brig-bpf-test-%d", (int)getpid());
	assert_int_equal(mkdir(f->tmp, 0700), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f)
		return 0;
	(void)close(f->cgfd);
	if (rmdir(f->cgdir) < 0)
		print_message("rmdir %s: %s\n", f->cgdir, strerror(errno));
	(void)rmdir(f->tmp);
	free(f->cgdir);
	free(f);
	return 0;
}

static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno;
	(void)close(fd);
	return 0;
}

static int try_mknod(const char *dir, const char *name, unsigned maj, unsigned min)
{
	char p[128];
	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (mknod(p, S_IFCHR | 0600, makedev(maj, min)) < 0)
		return errno;
	(void)unlink(p);
	return 0;
}

/* In a child: join the cgroup, probe, report through a pipe. */
static void probe_in_child(struct fixture *f, struct probe *out)
{
	int pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct probe p;
		memset(&p, 0xff, sizeof(p));
		struct rt_cg_dir d = { .fd = f->cgfd, .path = f->cgdir };
		struct brig_err e = { 0 };
		if (rt_cg_write(&d, "cgroup.procs", "0", &e) < 0)
			_exit(2);
		p.err[P_NULL_RW] = try_open("/dev/null", O_RDWR);
		p.err[P_FULL_R] = try_open("/dev/full", O_RDONLY);
		p.err[P_ZERO_R] = try_open("/dev/zero", O_RDONLY);
		p.err[P_ZERO_W] = try_open("/dev/zero", O_WRONLY);
		p.err[P_ZERO_RW] = try_open("/dev/zero", O_RDWR);
		p.err[P_URANDOM_W] = try_open("/dev/urandom", O_WRONLY);
		p.err[P_URANDOM_R] = try_open("/dev/urandom", O_RDONLY);
		p.err[P_KMSG_R] = try_open("/dev/kmsg", O_RDONLY);
		p.err[P_MKNOD_NULL] = try_mknod(f->tmp, "null", 1, 3);
		p.err[P_MKNOD_KMSG] = try_mknod(f->tmp, "kmsg", 1, 11);
		_exit(write(pfd[1], &p, sizeof(p)) == (ssize_t)sizeof(p) ? 0 : 3);
	}
	(void)close(pfd[1]);
	assert_int_equal(read(pfd[0], out, sizeof(*out)), (ssize_t)sizeof(*out));
	(void)close(pfd[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static uint32_t attached_count(int cgfd)
{
	uint32_t ids[16];
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = 16;
	assert_int_equal(syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)), 0);
	return attr.query.prog_cnt;
}

static void apply(struct fixture *f, const struct rt_cg_devrule *user, size_t n)
{
	struct rt_cgroup_resources res = { .devices_set = true,
					   .dev = (struct rt_cg_devrule *)user,
					   .n_dev = n };
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ struct rt_cg_devrule *rules = NULL;
	size_t count = 0;
	assert_int_equal(rt_cg_dev_effective(&res, &rules, &count, &e), 0);
	if (rt_cg_bpf_devices(f->cgfd, f->cgdir, rules, count, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
}

static void test_deny_rules(void **state)
{
	struct fixture *f = *state;
	if (!f)
		skip();
	const struct rt_cg_devrule user[] = {
		{ false, 'c', 1, 7, RT_CG_ACC_ALL }, /* /dev/full */
		{ false, 'c', 1, 5, RT_CG_ACC_WRITE }, /* /dev/zero: read only */
		{ false, 'c', 1, 9, RT_CG_ACC_READ }, /* /dev/urandom: write only */
	};
	apply(f, user, BRIG_ARRAY_SIZE(user));
	assert_int_equal(attached_count(f->cgfd), 1);
	struct probe p;
	probe_in_child(f, &p);
	assert_int_equal(p.err[P_NULL_RW], 0);
	assert_int_equal(p.err[P_FULL_R], EPERM);
	assert_int_equal(p.err[P_ZERO_R], 0);
	assert_int_equal(p.err[P_ZERO_W], EPERM);
	/* read+write asks for both bits: the later deny of w decides */
	assert_int_equal(p.err[P_ZERO_RW], EPERM);
	assert_int_equal(p.err[P_URANDOM_W], 0);
	assert_int_equal(p.err[P_URANDOM_R], EPERM);
	assert_int_equal(p.err[P_KMSG_R], EPERM); /* not in the defaults */
	assert_int_equal(p.err[P_MKNOD_NULL], 0); /* defaults allow m */
	assert_int_equal(p.err[P_MKNOD_KMSG], 0); /* c *:* m, as runc */
}

static void test_last_match_wins(void **state)
{
	struct fixture *f = *state;
	if (!f)
		skip();
	/* deny /dev/full, then allow it again for reading only; allow kmsg r
	 * through a wildcard minor, then take mknod on every char device away */
	const struct rt_cg_devrule user[] = {
		{ false, 'c', 1, 7, RT_CG_ACC_ALL },
		{ true, 'c', 1, 7, RT_CG_ACC_READ },
		{ true, 'c', 1, -1, RT_CG_ACC_READ },
		{ false, 'c', -1, -1, RT_CG_ACC_MKNOD },
	};
	apply(f, user, BRIG_ARRAY_SIZE(user));
	assert_int_equal(attached_count(f->cgfd), 1);
	struct probe p;
	probe_in_child(f, &p);
	assert_int_equal(p.err[P_FULL_R], 0);
	assert_int_equal(p.err[P_KMSG_R], 0);
	assert_int_equal(p.err[P_NULL_RW], 0);
	assert_int_equal(p.err[P_ZERO_W], 0);
	assert_int_equal(p.err[P_MKNOD_NULL], EPERM);
	assert_int_equal(p.err[P_MKNOD_KMSG], EPERM);
}

static void test_replace_allow_all(void **state)
{
	struct fixture *f = *state;
	if (!f)
		skip();
	const struct rt_cg_devrule deny[] = { { false, 'c', 1, 7, RT_CG_ACC_ALL } };
	apply(f, deny, 1);
	struct probe p;
	probe_in_child(f, &p);
	assert_int_equal(p.err[P_FULL_R], EPERM);
	/* A new program replaces the old one: nothing is left denying. */
	const struct rt_cg_devrule all[] = { { true, 'a', -1, -1, RT_CG_ACC_ALL } };
	apply(f, all, 1);
	assert_int_equal(attached_count(f->cgfd), 1);
	probe_in_child(f, &p);
	assert_int_equal(p.err[P_FULL_R], 0);
	assert_int_equal(p.err[P_KMSG_R], 0);
	assert_int_equal(p.err[P_MKNOD_KMSG], 0);
}

static void test_program_shape(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t n = 0;
	/* An unconditional allow-all ends the walk: prologue (7) + return (2). */
	const struct rt_cg_devrule r1[] = { { false, 'a', -1, -1, RT_CG_ACC_ALL },
					    { true, 'a', -1, -1, RT_CG_ACC_ALL } };
	assert_int_equal(rt_cg_bpf_build(r1, 2, &insns, &n, &e), 0);
	assert_int_equal(n, 9);
	assert_int_equal(insns[n - 1].code, BPF_JMP | BPF_EXIT);
	assert_int_equal(insns[n - 2].imm, 1);
	free(insns);
	insns = NULL;
	/* One specific rule: type, major, minor checks (3 instructions each)
	 * + return, then the final default deny. */
	const struct rt_cg_devrule r2[] = { { true, 'c', 1, 3, RT_CG_ACC_ALL } };
	assert_int_equal(rt_cg_bpf_build(r2, 1, &insns, &n, &e), 0);
	assert_int_equal(n, 7 + 9 + 2 + 2);
	/* each jump of the rule lands on the default deny */
	for (size_t i = 9; i < 16; i += 3) {
		assert_int_equal(insns[i].code, BPF_JMP32 | BPF_JNE | BPF_K);
		assert_int_equal(i + 1 + (size_t)insns[i].off, 18);
	}
	assert_int_equal(insns[n - 2].imm, 0);
}

static void test_many_rules_load(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	/* Long rule lists with partial accesses still pass the verifier. */
	size_t n = RT_CG_LIST_MAX + 9 + 1; /* the most a config can give */
	struct rt_cg_devrule *rules = calloc(n, sizeof(*rules));
	assert_non_null(rules);
	for (size_t i = 0; i < n; i++) {
		rules[i].allow = i % 3 != 0;
		rules[i].type = "abc"[i % 3];
		rules[i].major = i % 5 == 0 ? -1 : (int64_t)(i % 300);
		rules[i].minor = i % 7 == 0 ? -1 : (int64_t)i;
		rules[i].access = (unsigned)(i % 7) + 1;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t count = 0;
	assert_int_equal(rt_cg_bpf_build(rules, n, &insns, &count, &e), 0);
	free(rules);
	int fd = rt_cg_bpf_load(insns, count, &e);
	if (fd < 0)
		fail_msg("%zu instructions: %s", count, brig_err_str(&e));
	(void)close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_program_shape),
		cmocka_unit_test(test_many_rules_load),
		cmocka_unit_test_setup_teardown(test_deny_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_match_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_allow_all, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
