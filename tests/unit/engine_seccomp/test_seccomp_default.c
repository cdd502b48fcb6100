/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shipped profile (profiles/seccomp.json): it converts for every
 * capability set and architecture brig supports, brig-runtime's parser
 * accepts and compiles each result, the groups that must stay closed are
 * closed, and a child process under the compiled filter sees the intended
 * answers (allowed calls work, denied ones fail with EPERM, clone3 and
 * io_uring with ENOSYS, namespace flags are refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "tests/unit/testutil.h"
#include "engine/seccomp/profile.h"
#include "runtime/seccomp/runtime-seccomp.h"
#include "runtime/seccomp/seccomp-internal.h"

static const char *const no_caps[] = { NULL };
/* Every capability name of Linux 6.x. */
static const char *const all_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
	NULL,
};
/* brig's default set for a root container (design.md). */
static const char *const brig_caps[] = {
	"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",  "CAP_FSETID",           "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID",       "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", NULL,
};

static json_t *load(const char *const *caps, const char *arch, const char *kernel)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_seccomp_ctx ctx = { .caps = caps, .arch = arch, .kernel = kernel };
	json_t *oci = NULL;
	char digest[ENG_SECCOMP_DIGEST_LEN];
	if (eng_seccomp_load_file(BRIG_TEST_PROFILE, &ctx, &oci, digest, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_true(brig_digest_valid(digest));
	return oci;
}

static struct rt_seccomp *compile(json_t *oci)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_seccomp *s = NULL;
	struct bj_loc at;
	bj_root(&at, "config.json");
	if (rt_seccomp_parse(oci, &at, &s, &e) < 0)
		fail_msg("brig-runtime refused the converted profile: %s", brig_err_str(&e));
	assert_non_null(s);
	return s;
}

/* The conditions under which oci lets name through: "never", "always" or
 * "args" (an ALLOW rule with argument conditions only). */
static const char *allowed(const json_t *oci, const char *name)
{
	const char *res = "never";
	size_t i, j;
	json_t *ent, *n;
	json_array_foreach(json_object_get(oci, "syscalls"), i, ent)
	{
		if (strcmp(json_string_value(json_object_get(ent, "action")), "SCMP_ACT_ALLOW") !=
		    0)
			continue;
		json_array_foreach(json_object_get(ent, "names"), j, n)
		{
			if (strcmp(json_string_value(n), name) != 0)
				continue;
			if (!json_object_get(ent, "args"))
				return "always";
			res = "args";
		}
	}
	return res;
}

static void test_converts_and_compiles(void **state)
{
	(void)state;
	const char *const *sets[] = { no_caps, brig_caps, all_caps };
	const char *archs[] = { "amd64", "arm64", "x86", "s390x" };
	const char *kernels[] = { "4.4.0", "6.1.0-18-amd64", NULL };
	for (size_t c = 0; c < BRIG_ARRAY_SIZE(sets); c++)
		for (size_t a = 0; a < BRIG_ARRAY_SIZE(archs); a++)
			for (size_t k = 0; k < BRIG_ARRAY_SIZE(kernels); k++) {
				json_t *oci = load(sets[c], archs[a], kernels[k]);
				/* the runtime compiles for this machine whatever
				 * arch the rules were chosen for, unless the
				 * list names foreign architectures only */
				if (strcmp(archs[a], "arm64") != 0)
					rt_seccomp_free(compile(oci));
				json_decref(oci);
			}
}

static void test_archmap_of_shipped(void **state)
{
	(void)state;
	json_t *oci = load(no_caps, "amd64", "6.1.0");
	json_t *archs = json_object_get(oci, "architectures");
	assert_int_equal(json_array_size(archs), 3);
	assert_string_equal(json_string_value(json_array_get(archs, 0)), "SCMP_ARCH_X86_64");
	assert_string_equal(json_string_value(json_object_get(oci, "defaultAction")),
			    "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(json_object_get(oci, "defaultErrnoRet")), EPERM);
	json_decref(oci);
	oci = load(no_caps, "arm64", "6.1.0");
	archs = json_object_get(oci, "architectures");
	assert_int_equal(json_array_size(archs), 2);
	assert_string_equal(json_string_value(json_array_get(archs, 0)), "SCMP_ARCH_AARCH64");
	assert_string_equal(allowed(oci, "set_tls"), "always");
	assert_string_equal(allowed(oci, "arch_prctl"), "never");
	json_decref(oci);
}

/* Closed whatever the capabilities. */
static const char *const never[] = {
	"kexec_load",
	"kexec_file_load",
	"add_key",
	"keyctl",
	"request_key",
	"open_by_handle_at",
	"name_to_handle_at",
	"swapon",
	"swapoff",
	"lookup_dcookie",
	"nfsservctl",
	"vm86",
	"vm86old",
	"iopl",
	"ioperm",
	"modify_ldt",
	"uselib",
	"_sysctl",
	"sysfs",
	"ustat",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"create_module",
	"get_kernel_syms",
	"query_module",
};

/* Closed without the capability that opens them. */
static const char *const gated[] = {
	"mount",
	"umount2",
	"pivot_root",
	"fsopen",
	"fsmount",
	"move_mount",
	"open_tree",
	"mount_setattr",
	"setns",
	"init_module",
	"finit_module",
	"delete_module",
	"clock_settime",
	"settimeofday",
	"adjtimex",
	"chroot",
	"reboot",
	"acct",
	"quotactl",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"kcmp",
	"syslog",
	"clone3",
};

static void test_closed_groups(void **state)
{
	(void)state;
	json_t *none = load(no_caps, "amd64", "6.1.0");
	json_t *brig = load(brig_caps, "amd64", "6.1.0");
	json_t *all = load(all_caps, "amd64", "6.1.0");
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(never); i++) {
		assert_string_equal(allowed(none, never[i]), "never");
		assert_string_equal(allowed(all, never[i]), "never");
	}
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(gated); i++) {
		assert_string_equal(allowed(none, gated[i]), "never");
		assert_string_equal(allowed(brig, gated[i]), "never");
		assert_string_equal(allowed(all, gated[i]), "always");
	}
	/* namespace creation: argument-checked unless CAP_SYS_ADMIN */
	assert_string_equal(allowed(none, "clone"), "args");
	assert_string_equal(allowed(none, "unshare"), "args");
	assert_string_equal(allowed(all, "clone"), "always");
	assert_string_equal(allowed(none, "socket"), "args");
	assert_string_equal(allowed(none, "personality"), "args");
	assert_string_equal(allowed(none, "ioctl"), "args");
	assert_string_equal(allowed(all, "ioctl"), "args");
	assert_string_equal(allowed(none, "read"), "always");
	/* ptrace needs Linux 4.8 even with the capability */
	json_t *old = load(all_caps, "amd64", "4.4.0");
	assert_string_equal(allowed(old, "ptrace"), "never");
	assert_string_equal(allowed(old, "kcmp"), "always");
	json_decref(old);
	json_decref(none);
	json_decref(brig);
	json_decref(all);
}

/* ---- live: a child under the compiled default filter ---- */

/* Each probe: 0 when the call behaved as expected, else its number. */
static int probe_default(void)
{
	int k = 0;
	struct timespec ts;
	/* allowed */
	if (syscall(SYS_getpid) <= 0)
		return 1;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 2;
	int fd = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 3;
	close(fd);
	fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 4;
	close(fd);
	if (syscall(SYS_personality, 0xffffffffUL) < 0)
		return 5;
	/* denied with EPERM */
	if (syscall(SYS_socket, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0) != -1 || errno != EPERM)
		return 6;
	if (syscall(SYS_socket, 38 /* AF_ALG */, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) != -1 ||
	    errno != EPERM)
		return 7;
	if (syscall(SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */) != -1 || errno != EPERM)
		return 8;
	if (syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) != -1 ||
	    errno != EPERM)
		return 9;
	if (syscall(SYS_add_key, "user", "brig", "x", 1, KEY_SPEC_SESSION_KEYRING) != -1 ||
	    errno != EPERM)
		return 10;
	if (syscall(SYS_unshare, CLONE_NEWUSER) != -1 || errno != EPERM)
		return 11;
	if (syscall(SYS_unshare, CLONE_NEWNS) != -1 || errno != EPERM)
		return 12;
	if (syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL) != -1 || errno != EPERM)
		return 13;
	if (syscall(SYS_clock_settime, CLOCK_REALTIME, &ts) != -1 || errno != EPERM)
		return 14;
	if (syscall(SYS_bpf, 0, NULL, 0) != -1 || errno != EPERM)
		return 15;
	if (syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0) != -1 || errno != EPERM)
		return 16;
	if (syscall(SYS_open_by_handle_at, -1, NULL, 0) != -1 || errno != EPERM)
		return 17;
	if (syscall(SYS_clone, (unsigned long)CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) != -1 ||
	    errno != EPERM)
		return 18;
	/* ENOSYS so that libraries fall back */
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 19;
	if (syscall(SYS_io_uring_setup, 1, NULL) != -1 || errno != ENOSYS)
		return 20;
	/* a plain fork still works (clone without namespace flags) */
	long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return 21;
	if (pid == 0)
		syscall(SYS_exit_group, 0);
	int st = 0;
	if (waitpid((pid_t)pid, &st, 0) != pid || !WIFEXITED(st))
		return 22;
	return k;
}

/* ioctl: the requests whose low 32 bits are denied fail with EPERM, also with
 * the high bits set (the kernel ignores them); others reach the kernel (EBADF
 * on fd -1, or work). */
static int ioctl_errno(unsigned long req)
{
	long r = syscall(SYS_ioctl, -1, req, NULL);
	return r == -1 ? errno : 0;
}

static int probe_ioctl(void)
{
	const unsigned long hi = 0xffffffff00000000UL;
	const unsigned long denied[] = { TIOCSTI,
					 TIOCLINUX,
					 BTRFS_IOC_SNAP_CREATE,
					 BTRFS_IOC_SUBVOL_CREATE,
					 BTRFS_IOC_SNAP_CREATE_V2,
					 BTRFS_IOC_SUBVOL_CREATE_V2 };
	const unsigned long fine[] = { TCGETS,
				       FIONREAD,
				       TIOCSTI - 1,
				       TIOCSTI + 1,
				       TIOCLINUX + 1,
				       BTRFS_IOC_SUBVOL_CREATE - 1,
				       BTRFS_IOC_SNAP_CREATE_V2 + 2,
				       0,
				       0xffffffffUL };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(denied); i++)
		if (ioctl_errno(denied[i]) != EPERM || ioctl_errno(denied[i] | hi) != EPERM)
			return 30 + (int)i;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fine); i++)
		if (ioctl_errno(fine[i]) != EBADF || ioctl_errno(fine[i] | hi) != EBADF)
			return 40 + (int)i;
	int p[2], n = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return 50;
	if (write(p[1], "ab", 2) != 2 || ioctl(p[0], FIONREAD, &n) != 0 || n != 2)
		return 51;
	close(p[0]);
	close(p[1]);
	return 0;
}

/* The compiled default filter stays well below the kernel's 4096
 * instructions (BPF_MAXINSNS), ioctl's 70-odd rules included. */
static void test_bpf_size(void **state)
{
	(void)state;
	json_t *oci = load(brig_caps, NULL, NULL);
	struct rt_seccomp *s = compile(oci);
	json_decref(oci);
	print_message("default filter: %u instructions\n", (unsigned int)s->prog.len);
	assert_true(s->prog.len < 2048);
	rt_seccomp_free(s);
}

static void test_live(void **state)
{
	(void)state;
	json_t *oci = load(brig_caps, NULL, NULL);
	struct rt_seccomp *s = compile(oci);
	json_decref(oci);
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nfd = -1;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    rt_seccomp_install(s, &nfd, NULL) < 0)
			syscall(SYS_exit_group, 100);
		int k = probe_default();
		syscall(SYS_exit_group, k ? k : probe_ioctl());
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	rt_seccomp_free(s);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("probe %d under the default profile did not behave", WEXITSTATUS(st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converts_and_compiles),
		cmocka_unit_test(test_archmap_of_shipped),
		cmocka_unit_test(test_closed_groups),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_bpf_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
