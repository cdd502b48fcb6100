/* SPDX-License-Identifier: Apache-2.0 */
/* common: confining a helper process (confine.h). */
#include "common/confine.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int brig_caps_drop_all(void)
{
	for (int c = 0; c <= 63; c++) {
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0 || errno == EINVAL)
			continue;
		if (errno == EPERM)
			break;
		return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int brig_seccomp_allow_noexec_memory(scmp_filter_ctx ctx)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				 SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	return r;
}

/* An AddressSanitizer build (brig's tests): before a call that does not
 * return (_exit) the sanitizer's runtime asks for the signal stack. */
#if defined(__SANITIZE_ADDRESS__)
#define CONFINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONFINE_ASAN 1
#endif
#endif

int brig_seccomp_allow_sanitizer(scmp_filter_ctx ctx)
{
#ifdef CONFINE_ASAN
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
#else
	(void)ctx;
	return 0;
#endif
}

int brig_seccomp_allow(const int *calls, size_t n, int sock_domain)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	if (r == 0)
		r = brig_seccomp_allow_noexec_memory(ctx);
	if (r == 0)
		r = brig_seccomp_allow_sanitizer(ctx);
	struct scmp_arg_cmp domain = {
		.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)sock_domain, .datum_b = 0
	};
	if (r == 0 && sock_domain >= 0)
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &domain);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}
