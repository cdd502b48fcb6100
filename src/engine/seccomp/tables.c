/* SPDX-License-Identifier: Apache-2.0 */
/* The names a profile may use: actions, operators, architectures (the OCI
 * ones and Docker's short ones), flags; syscall and capability name rules. */
#include "engine/seccomp/seccomp-internal.h"

#include <string.h>

/* The actions of runtime-spec config-linux.md.  errnoRet: SCMP_ACT_ERRNO
 * returns an errno (below 4095), SCMP_ACT_TRACE a 16-bit message. */
static const struct sp_action actions[] = {
	{ "SCMP_ACT_KILL", false, 0 },        { "SCMP_ACT_KILL_PROCESS", false, 0 },
	{ "SCMP_ACT_KILL_THREAD", false, 0 }, { "SCMP_ACT_TRAP", false, 0 },
	{ "SCMP_ACT_ERRNO", true, 4094 },     { "SCMP_ACT_TRACE", true, 0xffff },
	{ "SCMP_ACT_ALLOW", false, 0 },       { "SCMP_ACT_LOG", false, 0 },
	{ "SCMP_ACT_NOTIFY", false, 0 },
};

static const char *const operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static const char *const flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* Docker's architecture names (those of its "arches" filters and of Go's
 * GOARCH where they differ) and the OCI names they stand for. */
static const struct {
	const char *docker;
	const char *oci;
} archs[] = {
	{ "amd64", "SCMP_ARCH_X86_64" },
	{ "x86", "SCMP_ARCH_X86" },
	{ "386", "SCMP_ARCH_X86" },
	{ "x32", "SCMP_ARCH_X32" },
	{ "arm64", "SCMP_ARCH_AARCH64" },
	{ "arm", "SCMP_ARCH_ARM" },
	{ "mips", "SCMP_ARCH_MIPS" },
	{ "mipsle", "SCMP_ARCH_MIPSEL" },
	{ "mipsel", "SCMP_ARCH_MIPSEL" },
	{ "mips64", "SCMP_ARCH_MIPS64" },
	{ "mips64n32", "SCMP_ARCH_MIPS64N32" },
	{ "mips64le", "SCMP_ARCH_MIPSEL64" },
	{ "mipsel64", "SCMP_ARCH_MIPSEL64" },
	{ "mipsel64n32", "SCMP_ARCH_MIPSEL64N32" },
	{ "ppc", "SCMP_ARCH_PPC" },
	{ "ppc64", "SCMP_ARCH_PPC64" },
	{ "ppc64le", "SCMP_ARCH_PPC64LE" },
	{ "s390", "SCMP_ARCH_S390" },
	{ "s390x", "SCMP_ARCH_S390X" },
	{ "parisc", "SCMP_ARCH_PARISC" },
	{ "parisc64", "SCMP_ARCH_PARISC64" },
	{ "riscv64", "SCMP_ARCH_RISCV64" },
	{ "loong64", "SCMP_ARCH_LOONGARCH64" },
	{ "m68k", "SCMP_ARCH_M68K" },
	{ "sh", "SCMP_ARCH_SH" },
	{ "sheb", "SCMP_ARCH_SHEB" },
};

const struct sp_action *sp_action_lookup(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(actions); i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

bool sp_op_known(const char *name)
{
	return in_list(operators, BRIG_ARRAY_SIZE(operators), name);
}

bool sp_flag_known(const char *name)
{
	return in_list(flags, BRIG_ARRAY_SIZE(flags), name);
}

bool sp_oci_arch_known(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(archs); i++)
		if (strcmp(archs[i].oci, name) == 0)
			return true;
	return false;
}

const char *sp_docker_arch_to_oci(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(archs); i++)
		if (strcmp(archs[i].docker, name) == 0)
			return archs[i].oci;
	return NULL;
}

const char *eng_seccomp_native_arch(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
	return "x32";
#elif defined(__x86_64__)
	return "amd64";
#elif defined(__i386__)
	return "x86";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__powerpc64__)
	return "ppc64";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__loongarch64)
	return "loong64";
#else
	return NULL;
#endif
}

/* Lower-case identifiers, as the kernel's tables spell them ("_llseek"). */
bool sp_syscall_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SP_MAX_NAME_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* "CAP_" and upper-case letters, digits, underscores. */
bool sp_cap_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n <= 4 || n > SP_MAX_CAP_LEN || strncmp(s, "CAP_", 4) != 0)
		return false;
	for (s += 4; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}
