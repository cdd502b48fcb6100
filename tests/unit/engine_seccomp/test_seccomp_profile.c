/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/seccomp: Docker profile -> OCI linux.seccomp.  Good profiles and
 * what comes out of them, includes/excludes by capability, architecture and
 * kernel version, archMap, and for every schema error the field it names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/seccomp/profile.h"

#include "brig-config.h"

#define BRIG_TEST_TEXT_SHA256 "320f239ce35375acc7f0f24c0fb80236a66a2c4aae0782e7b341585b30718f06"

static const char *const no_caps[] = { NULL };

static json_t *conv(const char *text, const char *const *caps, const char *arch, const char *kernel)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_seccomp_ctx ctx = { .caps = caps, .arch = arch, .kernel = kernel };
	json_t *oci = NULL;
	int r = eng_seccomp_from_docker(text, strlen(text), "p.json", &ctx, &oci, &e);
	if (r < 0)
		fail_msg("conversion failed: %s", brig_err_str(&e));
	assert_non_null(oci);
	return oci;
}

/* The conversion fails and the message contains needle. */
static void conv_err(const char *text, const char *needle)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_seccomp_ctx ctx = { .caps = no_caps, .arch = "amd64", .kernel = "6.1.0" };
	json_t *oci = NULL;
	int r = eng_seccomp_from_docker(text, strlen(text), "p.json", &ctx, &oci, &e);
	if (r >= 0) {
		json_decref(oci);
		fail_msg("accepted: %s", text);
	}
	assert_null(oci);
	const char *msg = brig_err_str(&e);
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" lacks \"%s\" (profile %s)", msg, needle, text);
}

/* Names of the syscalls[] entries, joined: "read,write|mount". */
static void names_of(const json_t *oci, char *buf, size_t size)
{
	json_t *sys = json_object_get(oci, "syscalls");
	size_t i, j;
	json_t *ent, *n;
	buf[0] = '\0';
	json_array_foreach(sys, i, ent)
	{
		if (i > 0)
			strncat(buf, "|", size - strlen(buf) - 1);
		json_array_foreach(json_object_get(ent, "names"), j, n)
		{
			if (j > 0)
				strncat(buf, ",", size - strlen(buf) - 1);
			strncat(buf, json_string_value(n), size - strlen(buf) - 1);
		}
	}
}

static void assert_names(const json_t *oci, const char *want)
{
	char got[1024];
	names_of(oci, got, sizeof(got));
	assert_string_equal(got, want);
}

/* ---- good profiles ---- */

static void test_minimal(void **state)
{
	(void)state;
	json_t *oci = conv(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\","
		"\"comment\":\"io\",\"args\":[],\"includes\":{},\"excludes\":{}}]}",
		no_caps, "amd64", "6.1.0");
	assert_string_equal(json_string_value(json_object_get(oci, "defaultAction")),
			    "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(json_object_get(oci, "defaultErrnoRet")), 1);
	json_t *ent = json_array_get(json_object_get(oci, "syscalls"), 0);
	assert_int_equal(json_object_size(ent), 2); /* names, action only */
	assert_string_equal(json_string_value(json_object_get(ent, "action")), "SCMP_ACT_ALLOW");
	assert_names(oci, "read,write");
	assert_null(json_object_get(oci, "architectures"));
	json_decref(oci);
}

static void test_null_members_and_name(void **state)
{
	(void)state;
	json_t *oci = conv("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":null,"
			   "\"syscalls\":[{\"name\":\"mount\",\"action\":\"SCMP_ACT_ERRNO\","
			   "\"errnoRet\":38,\"args\":null,\"includes\":null}]}",
			   no_caps, "amd64", "6.1.0");
	assert_names(oci, "mount");
	json_t *ent = json_array_get(json_object_get(oci, "syscalls"), 0);
	assert_int_equal(json_integer_value(json_object_get(ent, "errnoRet")), 38);
	assert_null(json_object_get(oci, "defaultErrnoRet"));
	json_decref(oci);
}

static void test_args(void **state)
{
	(void)state;
	json_t *oci = conv(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"clone\"],"
		"\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
		"{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},"
		"{\"index\":5,\"value\":18446744073709551615,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		no_caps, "amd64", "6.1.0");
	json_t *args = json_object_get(json_array_get(json_object_get(oci, "syscalls"), 0), "args");
	assert_int_equal(json_array_size(args), 2);
	json_t *a0 = json_array_get(args, 0), *a1 = json_array_get(args, 1);
	assert_int_equal(json_integer_value(json_object_get(a0, "value")), 2114060288);
	assert_non_null(json_object_get(a0, "valueTwo"));
	assert_string_equal(json_string_value(json_object_get(a0, "op")), "SCMP_CMP_MASKED_EQ");
	assert_int_equal(json_integer_value(json_object_get(a1, "index")), 5);
	/* 2^64-1: the accessor that brig-runtime uses reads the same value,
	 * also after the object went through text and back */
	struct bj_loc at;
	bj_root(&at, "x");
	uint64_t v = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(bj_get_u64_bits(a1, &at, "value", true, &v, &e), 0);
	assert_true(v == UINT64_MAX);
	char *text = json_dumps(a1, JSON_COMPACT);
	json_t *back = NULL;
	assert_int_equal(bj_parse(text, strlen(text), "t", &back, &e), 0);
	v = 0;
	assert_int_equal(bj_get_u64_bits(back, &at, "value", true, &v, &e), 0);
	assert_true(v == UINT64_MAX);
	json_decref(back);
	free(text);
	assert_null(json_object_get(a1, "valueTwo"));
	json_decref(oci);
}

static void test_top_level_passthrough(void **state)
{
	(void)state;
	json_t *oci = conv(
		"{\"defaultAction\":\"SCMP_ACT_LOG\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"listenerPath\":\"/run/l.sock\","
		"\"listenerMetadata\":\"m\"}",
		no_caps, "amd64", "6.1.0");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(oci, "architectures"), 0)),
		"SCMP_ARCH_X86_64");
	assert_string_equal(json_string_value(json_array_get(json_object_get(oci, "flags"), 0)),
			    "SECCOMP_FILTER_FLAG_LOG");
	assert_string_equal(json_string_value(json_object_get(oci, "listenerPath")), "/run/l.sock");
	assert_string_equal(json_string_value(json_object_get(oci, "listenerMetadata")), "m");
	assert_int_equal(json_array_size(json_object_get(oci, "syscalls")), 0);
	json_decref(oci);
}

/* ---- archMap ---- */

static const char archmap_profile[] =
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":["
	"{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},"
	"{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}]}";

static void assert_archs(const char *arch, const char *want)
{
	json_t *oci = conv(archmap_profile, no_caps, arch, "6.1.0");
	char got[256] = "";
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(oci, "architectures"), i, a)
	{
		if (i > 0)
			strcat(got, ",");
		strcat(got, json_string_value(a));
	}
	assert_string_equal(got, want);
	json_decref(oci);
}

static void test_archmap(void **state)
{
	(void)state;
	assert_archs("amd64", "SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32");
	assert_archs("arm64", "SCMP_ARCH_AARCH64,SCMP_ARCH_ARM");
	assert_archs("s390x", ""); /* no entry: the native architecture only */
}

static void test_native_arch_default(void **state)
{
	(void)state;
	const char *native = eng_seccomp_native_arch();
	assert_non_null(native);
	json_t *oci = conv(archmap_profile, no_caps, NULL, NULL);
	json_t *first = json_array_get(json_object_get(oci, "architectures"), 0);
#if defined(__x86_64__) && !defined(__ILP32__)
	assert_string_equal(native, "amd64");
	assert_string_equal(json_string_value(first), "SCMP_ARCH_X86_64");
#elif defined(__aarch64__)
	assert_string_equal(native, "arm64");
	assert_string_equal(json_string_value(first), "SCMP_ARCH_AARCH64");
#else
	(void)first;
#endif
	json_decref(oci);
}

/* ---- includes / excludes ---- */

static const char filter_profile[] =
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	"{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	"{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_BPF\"]}},"
	"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_SYS_BOOT\"]}},"
	"{\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"amd64\",\"x32\"]}},"
	"{\"names\":[\"set_tls\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"arches\":[\"amd64\"]}},"
	"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"4.8\"}},"
	"{\"names\":[\"uselib\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"minKernel\":\"5.10.3\"}},"
	"{\"names\":[\"kcmp\"],\"action\":\"SCMP_ACT_ALLOW\","
	"\"includes\":{\"caps\":[\"CAP_SYS_PTRACE\"],\"minKernel\":\"5.0\"},\"excludes\":{\"arches\":[\"arm64\"]}}]}";

static void expect_filtered(const char *const *caps, const char *arch, const char *kernel,
			    const char *want)
{
	json_t *oci = conv(filter_profile, caps, arch, kernel);
	assert_names(oci, want);
	json_decref(oci);
}

static void test_filters_caps(void **state)
{
	(void)state;
	const char *const admin[] = { "CAP_SYS_ADMIN", NULL };
	const char *const admin_bpf[] = { "CAP_BPF", "CAP_SYS_ADMIN", NULL };
	const char *const boot[] = { "CAP_SYS_BOOT", NULL };
	expect_filtered(no_caps, "amd64", "4.4.0", "read|clone|arch_prctl|uselib");
	expect_filtered(NULL, "amd64", "4.4.0", "read|clone|arch_prctl|uselib");
	expect_filtered(admin, "amd64", "4.4.0", "read|mount|arch_prctl|uselib");
	expect_filtered(admin_bpf, "amd64", "4.4.0", "read|mount|bpf|arch_prctl|uselib");
	expect_filtered(boot, "amd64", "4.4.0", "read|arch_prctl|uselib");
}

static void test_filters_arch_kernel(void **state)
{
	(void)state;
	const char *const ptr[] = { "CAP_SYS_PTRACE", NULL };
	expect_filtered(no_caps, "arm64", "4.4.0", "read|clone|set_tls|uselib");
	expect_filtered(no_caps, "x32", "4.4.0", "read|clone|arch_prctl|set_tls|uselib");
	/* minKernel: includes from 4.8 on, excludes from 5.10.3 on */
	expect_filtered(no_caps, "amd64", "4.7.10", "read|clone|arch_prctl|uselib");
	expect_filtered(no_caps, "amd64", "4.8", "read|clone|arch_prctl|ptrace|uselib");
	expect_filtered(no_caps, "amd64", "5.10.2-1-amd64", "read|clone|arch_prctl|ptrace|uselib");
	expect_filtered(no_caps, "amd64", "5.10.3", "read|clone|arch_prctl|ptrace");
	expect_filtered(no_caps, "amd64", "6.1.0-18-amd64", "read|clone|arch_prctl|ptrace");
	/* caps and minKernel together (AND), and an excluded arch */
	expect_filtered(ptr, "amd64", "4.19.0", "read|clone|arch_prctl|ptrace|uselib");
	expect_filtered(ptr, "amd64", "5.0.1", "read|clone|arch_prctl|ptrace|uselib|kcmp");
	expect_filtered(ptr, "arm64", "5.0.1", "read|clone|set_tls|ptrace|uselib");
}

static void test_kernel_cmp(void **state)
{
	(void)state;
	int c = 99;
	assert_int_equal(eng_seccomp_kernel_cmp("6.1.0-18-amd64", "6.1", &c), 0);
	assert_int_equal(c, 0);
	assert_int_equal(eng_seccomp_kernel_cmp("5.15.0", "5.4", &c), 0);
	assert_true(c > 0);
	assert_int_equal(eng_seccomp_kernel_cmp("4.9", "4.19", &c), 0);
	assert_true(c < 0);
	assert_int_equal(eng_seccomp_kernel_cmp("6.18.0+", "6.18.1", &c), 0);
	assert_true(c < 0);
	assert_int_equal(eng_seccomp_kernel_cmp("6", "6.1", &c), -EINVAL);
	assert_int_equal(eng_seccomp_kernel_cmp("x.1", "6.1", &c), -EINVAL);
	assert_int_equal(eng_seccomp_kernel_cmp("123456.1", "6.1", &c), -EINVAL);
	assert_int_equal(eng_seccomp_kernel_cmp("", "6.1", &c), -EINVAL);
}

static void test_bad_context(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_seccomp_ctx ctx = { .arch = "vax" };
	json_t *oci = NULL;
	const char *p = "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}";
	assert_int_equal(eng_seccomp_from_docker(p, strlen(p), "p.json", &ctx, &oci, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "vax"));
	brig_err_clear(&e);
	/* a kernel version that does not parse matters only to minKernel */
	ctx.arch = "amd64";
	ctx.kernel = "weird";
	assert_int_equal(eng_seccomp_from_docker(p, strlen(p), "p.json", &ctx, &oci, &e), 0);
	json_decref(oci);
	oci = NULL;
	assert_true(eng_seccomp_from_docker(filter_profile, strlen(filter_profile), "p.json", &ctx,
					    &oci, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "syscalls[6].includes.minKernel"));
}

/* ---- schema errors: each names the file and the field ---- */

#define SYS(entry) "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" entry "]}"
#define ALLOW_READ "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\""

static const struct {
	const char *profile;
	const char *needle;
} bad[] = {
	{ "[]", "p.json: expected an object" },
	{ "{\"defaultAction\":", "p.json: line 1" },
	{ "{\"syscalls\":[]}", "p.json: defaultAction: missing" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"foo\":1}", "p.json: foo: unknown key" },
	{ "{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
	  "p.json: defaultAction: unknown action SCMP_ACT_NOPE" },
	{ "{\"defaultAction\":1}", "p.json: defaultAction: expected a string" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":\"1\"}",
	  "p.json: defaultErrnoRet: expected" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}",
	  "p.json: defaultErrnoRet: SCMP_ACT_ALLOW takes no errno" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}",
	  "p.json: defaultErrnoRet:" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
	  "p.json: architectures[0]: unknown architecture SCMP_ARCH_VAX" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86\"],\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
	  "p.json: architectures: cannot be used together with archMap" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":{}}",
	  "p.json: archMap: expected an array" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArches\":[]}]}",
	  "p.json: archMap[0].subArches: unknown key" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"subArchitectures\":[]}]}",
	  "p.json: archMap[0].architecture: missing" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"amd64\"}]}",
	  "p.json: archMap[0].architecture: unknown architecture amd64" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\",\"x32\"]}]}",
	  "p.json: archMap[0].subArchitectures[1]: unknown architecture x32" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"},{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
	  "p.json: archMap[1].architecture: SCMP_ARCH_X86_64 is mapped twice" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}",
	  "p.json: flags[0]: unknown seccomp flag" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"run/x\"}",
	  "p.json: listenerPath: must be an absolute path" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerMetadata\":\"m\"}",
	  "p.json: listenerMetadata: must not be set without listenerPath" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}",
	  "p.json: syscalls: expected an array" },
	{ SYS("1"), "p.json: syscalls[0]: expected an object" },
	{ SYS("{" ALLOW_READ ",\"bogus\":1}"), "p.json: syscalls[0].bogus: unknown key" },
	{ SYS("{\"action\":\"SCMP_ACT_ALLOW\"}"), "p.json: syscalls[0].names: missing" },
	{ SYS("{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}"),
	  "p.json: syscalls[0].names: must contain at least one" },
	{ SYS("{" ALLOW_READ "}, {\"names\":[\"read\",\"Write\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
	  "p.json: syscalls[1].names[1]: \"Write\" is not a valid syscall name" },
	{ SYS("{\"names\":[\"read\",7],\"action\":\"SCMP_ACT_ALLOW\"}"),
	  "p.json: syscalls[0].names[1]: expected a string" },
	{ SYS("{\"name\":\"read\",\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
	  "p.json: syscalls[0].name: cannot be used together with names" },
	{ SYS("{\"name\":\"re-ad\",\"action\":\"SCMP_ACT_ALLOW\"}"),
	  "p.json: syscalls[0].name: \"re-ad\" is not a valid syscall name" },
	{ SYS("{\"names\":[\"read\"]}"), "p.json: syscalls[0].action: missing" },
	{ SYS("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_DENY\"}"),
	  "p.json: syscalls[0].action: unknown action SCMP_ACT_DENY" },
	{ SYS("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5000}"),
	  "p.json: syscalls[0].errnoRet: 5000 is larger than 4094" },
	{ SYS("{" ALLOW_READ ",\"errnoRet\":1}"),
	  "p.json: syscalls[0].errnoRet: SCMP_ACT_ALLOW takes no errno" },
	{ SYS("{" ALLOW_READ ",\"args\":{}}"), "p.json: syscalls[0].args: expected an array" },
	{ SYS("{" ALLOW_READ ",\"args\":[{\"index\":6,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}"),
	  "p.json: syscalls[0].args[0].index:" },
	{ SYS("{" ALLOW_READ ",\"args\":[{\"index\":-1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}"),
	  "p.json: syscalls[0].args[0].index:" },
	{ SYS("{" ALLOW_READ ",\"args\":[{\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}"),
	  "p.json: syscalls[0].args[0].index: missing" },
	{ SYS("{" ALLOW_READ
	      ",\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}"),
	  "p.json: syscalls[0].args[1].value: missing" },
	{ SYS("{" ALLOW_READ ",\"args\":[{\"index\":0,\"value\":\"0\",\"op\":\"SCMP_CMP_EQ\"}]}"),
	  "p.json: syscalls[0].args[0].value:" },
	{ SYS("{" ALLOW_READ ",\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_ABOUT\"}]}"),
	  "p.json: syscalls[0].args[0].op: unknown operator SCMP_CMP_ABOUT" },
	{ SYS("{" ALLOW_READ
	      ",\"args\":[{\"index\":0,\"value\":0,\"valueTwo\":3,\"op\":\"SCMP_CMP_EQ\"}]}"),
	  "p.json: syscalls[0].args[0].valueTwo: only used with SCMP_CMP_MASKED_EQ" },
	{ SYS("{" ALLOW_READ
	      ",\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\",\"val\":1}]}"),
	  "p.json: syscalls[0].args[0].val: unknown key" },
	{ SYS("{" ALLOW_READ ",\"comment\":7}"), "p.json: syscalls[0].comment: expected a string" },
	{ SYS("{" ALLOW_READ ",\"includes\":[]}"),
	  "p.json: syscalls[0].includes: expected an object" },
	{ SYS("{" ALLOW_READ ",\"includes\":{\"cap\":[]}}"),
	  "p.json: syscalls[0].includes.cap: unknown key" },
	{ SYS("{" ALLOW_READ ",\"includes\":{\"caps\":[\"SYS_ADMIN\"]}}"),
	  "p.json: syscalls[0].includes.caps[0]: \"SYS_ADMIN\" is not a capability name" },
	{ SYS("{" ALLOW_READ ",\"excludes\":{\"caps\":\"CAP_SYS_ADMIN\"}}"),
	  "p.json: syscalls[0].excludes.caps: expected an array" },
	{ SYS("{" ALLOW_READ ",\"excludes\":{\"arches\":[\"amd64\",\"pdp11\"]}}"),
	  "p.json: syscalls[0].excludes.arches[1]: unknown architecture \"pdp11\"" },
	{ SYS("{" ALLOW_READ ",\"includes\":{\"minKernel\":\"4\"}}"),
	  "p.json: syscalls[0].includes.minKernel: \"4\" is not a kernel version" },
	{ SYS("{" ALLOW_READ ",\"excludes\":{\"minKernel\":\"4.8-rc1\"}}"),
	  "p.json: syscalls[0].excludes.minKernel: \"4.8-rc1\" is not a kernel version" },
	{ SYS("{" ALLOW_READ ",\"excludes\":{\"minKernel\":4.8}}"),
	  "p.json: syscalls[0].excludes.minKernel: expected a string" },
	/* an entry that does not apply is still checked */
	{ SYS("{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},\"args\":[{\"index\":9,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}"),
	  "p.json: syscalls[0].args[0].index:" },
};

static void test_schema_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++)
		conv_err(bad[i].profile, bad[i].needle);
}

static void test_limits(void **state)
{
	(void)state;
	/* the buffer size limit */
	size_t n = ENG_SECCOMP_MAX_FILE + 1;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	big[n] = '\0';
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_seccomp_ctx ctx = { .arch = "amd64", .kernel = "6.1" };
	json_t *oci = NULL;
	assert_int_equal(eng_seccomp_from_docker(big, n, "big.json", &ctx, &oci, &e), -EFBIG);
	assert_non_null(strstr(brig_err_str(&e), "big.json"));
	free(big);
	/* args: at most 64 per entry */
	json_t *p = json_pack("{s:s, s:[{s:[s], s:s, s:[]}]}", "defaultAction", "SCMP_ACT_ERRNO",
			      "syscalls", "names", "read", "action", "SCMP_ACT_ALLOW", "args");
	json_t *args = json_object_get(json_array_get(json_object_get(p, "syscalls"), 0), "args");
	for (int i = 0; i < 65; i++)
		json_array_append_new(
			args,
			json_pack("{s:i, s:i, s:s}", "index", 0, "value", i, "op", "SCMP_CMP_EQ"));
	char *text = json_dumps(p, JSON_COMPACT);
	conv_err(text, "p.json: syscalls[0].args: 65 elements, at most 64 allowed");
	free(text);
	json_decref(p);
}

/* ---- files ---- */

static void test_load_file_digest(void **state)
{
	(void)state;
	char dir[] = "/tmp/brig-sp-test.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/p.json", dir);
	/* sha256 of these exact bytes, computed with sha256sum(1) */
	static const char text[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}\n";
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_seccomp_ctx ctx = { .arch = "amd64" };
	json_t *oci = NULL;
	char digest[ENG_SECCOMP_DIGEST_LEN] = "";
	int r = eng_seccomp_load_file(path, &ctx, &oci, digest, &e);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_string_equal(digest, "sha256:" BRIG_TEST_TEXT_SHA256);
	assert_string_equal(json_string_value(json_object_get(oci, "defaultAction")),
			    "SCMP_ACT_ALLOW");
	json_decref(oci);
	oci = NULL;
	/* a missing file names itself */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(eng_seccomp_load_file(path, &ctx, &oci, NULL, &e), -ENOENT);
	assert_non_null(strstr(brig_err_str(&e), path));
	assert_int_equal(rmdir(dir), 0);
}

static void test_default_path(void **state)
{
	(void)state;
	assert_int_equal(unsetenv(ENG_SECCOMP_PROFILE_ENV), 0);
	assert_string_equal(eng_seccomp_default_path(), BRIG_DATADIR "/seccomp.json");
	assert_int_equal(setenv(ENG_SECCOMP_PROFILE_ENV, "", 1), 0);
	assert_string_equal(eng_seccomp_default_path(), BRIG_DATADIR "/seccomp.json");
	assert_int_equal(setenv(ENG_SECCOMP_PROFILE_ENV, BRIG_TEST_PROFILE, 1), 0);
	assert_string_equal(eng_seccomp_default_path(), BRIG_TEST_PROFILE);
	assert_int_equal(unsetenv(ENG_SECCOMP_PROFILE_ENV), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_null_members_and_name),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_top_level_passthrough),
		cmocka_unit_test(test_archmap),
		cmocka_unit_test(test_native_arch_default),
		cmocka_unit_test(test_filters_caps),
		cmocka_unit_test(test_filters_arch_kernel),
		cmocka_unit_test(test_kernel_cmp),
		cmocka_unit_test(test_bad_context),
		cmocka_unit_test(test_schema_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_file_digest),
		cmocka_unit_test(test_default_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
