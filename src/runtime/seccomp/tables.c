/* SPDX-License-Identifier: Apache-2.0 */
/* Name tables for actions, operators, architectures and flags; kernel
 * probes; the "seccomp" object of `brig-runtime features`. */
#include "runtime/seccomp/seccomp-internal.h"

#include <string.h>
#include <sys/syscall.h>

/* SCMP_ACT_KILL is libseccomp's (and runc's) name for KILL_THREAD. */
static const struct sc_action_def actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, SECCOMP_RET_KILL_THREAD, false, 0 },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, SECCOMP_RET_KILL_PROCESS, false, 0 },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, SECCOMP_RET_KILL_THREAD, false, 0 },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, SECCOMP_RET_TRAP, false, 0 },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), SECCOMP_RET_ERRNO, true, SC_MAX_ERRNO },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), SECCOMP_RET_TRACE, true, SC_MAX_RET_DATA },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, SECCOMP_RET_ALLOW, false, 0 },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, SECCOMP_RET_LOG, false, 0 },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, SECCOMP_RET_USER_NOTIF, false, 0 },
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* The spec's architectures that the libseccomp we build against knows;
 * the others are refused as unsupported rather than ignored. */
static const struct {
	const char *name;
	uint32_t token;
} archs[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
	{ "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
	{ "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
	{ "SCMP_ARCH_SH", SCMP_ARCH_SH },
#endif
#ifdef SCMP_ARCH_SHEB
	{ "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

static const struct sc_flag_def flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

const struct sc_action_def *sc_action_lookup(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(actions); i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

int sc_op_lookup(const char *name, enum scmp_compare *out)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(operators); i++)
		if (strcmp(operators[i].name, name) == 0) {
			*out = operators[i].op;
			return 0;
		}
	return -ENOENT;
}

int sc_arch_lookup(const char *name, uint32_t *out)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(archs); i++)
		if (strcmp(archs[i].name, name) == 0) {
			*out = archs[i].token;
			return 0;
		}
	return -ENOENT;
}

const struct sc_flag_def *sc_flag_lookup(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(flags); i++)
		if (strcmp(flags[i].name, name) == 0)
			return &flags[i];
	return NULL;
}

uint32_t sc_action_value(const struct sc_action_def *a, uint32_t data)
{
	if (!a->takes_data)
		return a->scmp;
	return a->scmp | (data & SECCOMP_RET_DATA);
}

bool sc_action_permits(uint32_t action)
{
	return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG;
}

long sc_sys_seccomp(unsigned int op, unsigned int fl, void *args)
{
	return syscall(__NR_seccomp, op, fl, args);
}

bool sc_kernel_has_action(uint32_t kernel_action)
{
	uint32_t a = kernel_action;
	if (sc_sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0)
		return true;
	if (errno != EINVAL)
		return false; /* EOPNOTSUPP: unknown action; ENOSYS: no seccomp */
	/* Before Linux 4.14 there was no SECCOMP_GET_ACTION_AVAIL. */
	switch (kernel_action) {
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_ALLOW:
		return true;
	default:
		return false;
	}
}

bool sc_kernel_accepts_flags(unsigned int fl)
{
	if (sc_sys_seccomp(SECCOMP_SET_MODE_FILTER, fl, NULL) == 0)
		return true; /* cannot happen with a NULL program */
	return errno == EFAULT;
}

/* A flag is supported when the kernel accepts it in a combination where it
 * is meaningful: WAIT_KILLABLE_RECV only exists together with a listener. */
static bool flag_supported(unsigned int bit)
{
	unsigned int fl = bit;
	if (bit == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		fl |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return sc_kernel_accepts_flags(fl);
}

bool rt_seccomp_flag_supported(const char *name)
{
	const struct sc_flag_def *f = sc_flag_lookup(name);
	return f && flag_supported(f->bit);
}

static json_t *str_array(size_t n, const char *(*get)(size_t))
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *s = get(i);
		if (s && json_array_append_new(a, json_string(s)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static const char *action_name(size_t i)
{
	return actions[i].name;
}
static const char *op_name(size_t i)
{
	return operators[i].name;
}
static const char *arch_name(size_t i)
{
	return archs[i].name;
}
static const char *flag_name(size_t i)
{
	return flags[i].name;
}
static const char *supported_flag_name(size_t i)
{
	return flag_supported(flags[i].bit) ? flags[i].name : NULL;
}

void rt_seccomp_features(json_t *linux_features)
{
	if (!json_is_object(linux_features))
		return;
	json_t *o = json_object();
	if (!o)
		return;
	int r = json_object_set_new(o, "enabled", json_true());
	r |= json_object_set_new(o, "actions", str_array(BRIG_ARRAY_SIZE(actions), action_name));
	r |= json_object_set_new(o, "operators", str_array(BRIG_ARRAY_SIZE(operators), op_name));
	r |= json_object_set_new(o, "archs", str_array(BRIG_ARRAY_SIZE(archs), arch_name));
	r |= json_object_set_new(o, "knownFlags", str_array(BRIG_ARRAY_SIZE(flags), flag_name));
	r |= json_object_set_new(o, "supportedFlags",
				 str_array(BRIG_ARRAY_SIZE(flags), supported_flag_name));
	if (r != 0) {
		brig_warn("seccomp features: out of memory");
		json_decref(o);
		return;
	}
	if (json_object_set_new(linux_features, "seccomp", o) < 0)
		brig_warn("seccomp features: out of memory");
}
