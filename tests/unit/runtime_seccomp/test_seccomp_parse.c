/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/seccomp: validation of linux.seccomp and what the compiled program
 * contains.  Nothing here installs a filter (see test_seccomp_live.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <linux/seccomp.h>
#include <string.h>

#include "runtime/seccomp/runtime-seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

static int parse_str(const char *js, struct rt_seccomp **out, struct brig_err *e)
{
	json_error_t jerr;
	json_t *j = json_loads(js, 0, &jerr);
	if (!j)
		fail_msg("bad test JSON: %s: %s", jerr.text, js);
	struct bj_loc root, lin, at;
	bj_root(&root, "config.json");
	bj_key(&lin, &root, "linux");
	bj_key(&at, &lin, "seccomp");
	int r = rt_seccomp_parse(j, &at, out, e);
	json_decref(j);
	return r;
}

/* Parse a config that must be valid. */
static struct rt_seccomp *parse_ok(const char *js)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_seccomp *s = NULL;
	if (parse_str(js, &s, &e) < 0)
		fail_msg("%s\n  for %s", brig_err_str(&e), js);
	assert_non_null(s);
	return s;
}

/* Every case must fail with exactly this message. */
static const struct {
	const char *json;
	const char *msg;
} bad[] = {
	{ "[]", "config.json: linux.seccomp: expected an object, got array" },
	{ "{}", "config.json: linux.seccomp.defaultAction: missing (expected a string)" },
	{ "{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
	  "config.json: linux.seccomp.defaultAction: unknown action SCMP_ACT_NOPE" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}",
	  "config.json: linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW does not return an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}",
	  "config.json: linux.seccomp.defaultErrnoRet: -1 is out of range [0, 4294967295]" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":4095}",
	  "config.json: linux.seccomp.defaultErrnoRet: 4095 is larger than 4094, the largest value SCMP_ACT_ERRNO can return" },
	{ "{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}",
	  "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action: the runtime could not hand the listener over" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	  "{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"c\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	  "{\"names\":[\"d\"],\"action\":\"SCMP_ACT_FOO\"}]}",
	  "config.json: linux.seccomp.syscalls[3].action: unknown action SCMP_ACT_FOO" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}",
	  "config.json: linux.seccomp.syscalls: expected an array, got object" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[7]}",
	  "config.json: linux.seccomp.syscalls[0]: expected an object, got integer" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\"}]}",
	  "config.json: linux.seccomp.syscalls[0].names: missing (expected an array)" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}]}",
	  "config.json: linux.seccomp.syscalls[0].names: must contain at least one syscall name" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\",1],\"action\":\"SCMP_ACT_ERRNO\"}]}",
	  "config.json: linux.seccomp.syscalls[0].names[1]: expected a string, got integer" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\",\"Get cwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
	  "config.json: linux.seccomp.syscalls[0].names[1]: \"Get cwd\" is not a valid syscall name" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
	  "config.json: linux.seccomp.syscalls[0].names[0]: \"\" is not a valid syscall name" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"]}]}",
	  "config.json: linux.seccomp.syscalls[0].action: missing (expected a string)" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}]}",
	  "config.json: linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL does not return an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":65536}]}",
	  "config.json: linux.seccomp.syscalls[0].errnoRet: 65536 is larger than 65535, the largest value SCMP_ACT_TRACE can return" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":\"1\"}]}",
	  "config.json: linux.seccomp.syscalls[0].errnoRet: expected an integer, got string" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":{}}]}",
	  "config.json: linux.seccomp.syscalls[0].args: expected an array, got object" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\","
	  "\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	  "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range [0, 5]" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\","
	  "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	  "config.json: linux.seccomp.syscalls[0].args[1].value: missing (expected an integer)" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\","
	  "\"args\":[{\"index\":0,\"value\":-5,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	  "config.json: linux.seccomp.syscalls[0].args[0].value: -5 is out of range [0, 9223372036854775807]" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\","
	  "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_SOMETIMES\"}]}]}",
	  "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator SCMP_CMP_SOMETIMES" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\","
	  "\"args\":[{\"index\":0,\"value\":1,\"valueTwo\":3,\"op\":\"SCMP_CMP_GT\"}]}]}",
	  "config.json: linux.seccomp.syscalls[0].args[0].valueTwo: only used with SCMP_CMP_MASKED_EQ, not SCMP_CMP_GT" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_VAX\"]}",
	  "config.json: linux.seccomp.architectures[1]: unknown or unsupported architecture SCMP_ARCH_VAX" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":\"SCMP_ARCH_X86_64\"}",
	  "config.json: linux.seccomp.architectures: expected an array, got string" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_FAST\"]}",
	  "config.json: linux.seccomp.flags[1]: unknown seccomp flag SECCOMP_FILTER_FLAG_FAST" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
	  "config.json: linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"m\"}",
	  "config.json: linux.seccomp.listenerMetadata: must not be set without listenerPath" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"agent.sock\"}",
	  "config.json: linux.seccomp.listenerPath: must be an absolute path, got \"agent.sock\"" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	  "{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	  "config.json: linux.seccomp.listenerPath: missing, but syscalls[1] uses SCMP_ACT_NOTIFY" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/a.sock\",\"syscalls\":"
	  "[{\"names\":[\"uname\",\"sendmsg\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	  "config.json: linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for sendmsg: the runtime needs it to hand the seccomp listener over" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_err_ struct brig_err e = { 0 };
		struct rt_seccomp *s = (struct rt_seccomp *)1;
		int r = parse_str(bad[i].json, &s, &e);
		if (r >= 0)
			fail_msg("case %zu accepted: %s", i, bad[i].json);
		assert_null(s);
		assert_int_equal(r, e.code);
		if (strcmp(brig_err_str(&e), bad[i].msg) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, brig_err_str(&e), bad[i].msg);
	}
}

static void test_absent(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_seccomp *s = (struct rt_seccomp *)1;
	struct bj_loc at;
	bj_root(&at, "config.json");
	assert_int_equal(rt_seccomp_parse(NULL, &at, &s, &e), 0);
	assert_null(s);
	json_t *null = json_null();
	s = (struct rt_seccomp *)1;
	assert_int_equal(rt_seccomp_parse(null, &at, &s, &e), 0);
	assert_null(s);
	int fd = 7;
	assert_int_equal(rt_seccomp_install(NULL, &fd, &e), 0);
	assert_int_equal(fd, -1);
	assert_false(rt_seccomp_wants_notify(NULL));
}

/* Does the program return `ret` (SECCOMP_RET_* word) anywhere? */
static bool prog_returns(const struct rt_seccomp *s, uint32_t ret)
{
	size_t n = 0;
	const struct sock_filter *p = rt_seccomp_program(s, &n);
	for (size_t i = 0; i < n; i++)
		if (p[i].code == (BPF_RET | BPF_K) && p[i].k == ret)
			return true;
	return false;
}

static void test_minimal(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
	s = parse_ok("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38}");
	assert_non_null(s);
	size_t n = 0;
	assert_non_null(rt_seccomp_program(s, &n));
	assert_true(n > 0 && n <= BPF_MAXINSNS);
	assert_int_equal(rt_seccomp_install_flags(s), 0);
	assert_false(rt_seccomp_wants_notify(s));
	assert_null(rt_seccomp_listener_path(s));
	assert_true(prog_returns(s, SECCOMP_RET_ERRNO | 38));
	assert_false(prog_returns(s, SECCOMP_RET_ERRNO | 1));
}

/* defaultErrnoRet/errnoRet default to EPERM; errnoRet lands in the program. */
static void test_errno_values(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
	s = parse_ok("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		     "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		     "{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4094},"
		     "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":65535},"
		     "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_TRACE\"}]}");
	assert_true(prog_returns(s, SECCOMP_RET_ERRNO | EPERM));
	assert_true(prog_returns(s, SECCOMP_RET_ERRNO | 4094));
	assert_true(prog_returns(s, SECCOMP_RET_TRACE | 65535));
	assert_true(prog_returns(s, SECCOMP_RET_TRACE | EPERM));
	assert_true(prog_returns(s, SECCOMP_RET_ALLOW));
}

static void test_every_action(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint32_t ret;
	} acts[] = {
		{ "SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD },
		{ "SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS },
		{ "SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD },
		{ "SCMP_ACT_TRAP", SECCOMP_RET_TRAP },
		{ "SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO | EPERM },
		{ "SCMP_ACT_TRACE", SECCOMP_RET_TRACE | EPERM },
		{ "SCMP_ACT_LOG", SECCOMP_RET_LOG },
		{ "SCMP_ACT_NOTIFY", SECCOMP_RET_USER_NOTIF },
	};
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		char js[512];
		snprintf(js, sizeof(js),
			 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/x.sock\","
			 "\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"%s\"}]}",
			 acts[i].name);
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
		if (parse_str(js, &s, &e) < 0)
			fail_msg("%s: %s", acts[i].name, brig_err_str(&e));
		if (!prog_returns(s, acts[i].ret))
			fail_msg("%s: no return 0x%08x in the program", acts[i].name, acts[i].ret);
		bool notify = strcmp(acts[i].name, "SCMP_ACT_NOTIFY") == 0;
		assert_int_equal(rt_seccomp_wants_notify(s), notify);
		/* the path is ignored (and not reported) without NOTIFY */
		if (notify)
			assert_string_equal(rt_seccomp_listener_path(s), "/run/x.sock");
		else
			assert_null(rt_seccomp_listener_path(s));
	}
}

static void test_every_operator(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
	static const char *ops[] = { "SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
				     "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
				     "SCMP_CMP_MASKED_EQ" };
	json_t *calls = json_array();
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		json_array_append_new(calls,
				      json_pack("{s:[s], s:s, s:[{s:i, s:I, s:I, s:s}]}", "names",
						"mkdirat", "action", "SCMP_ACT_ERRNO", "args",
						"index", 2, "value", (json_int_t)0700, "valueTwo",
						(json_int_t)(i == 6 ? 0700 : 0), "op", ops[i]));
	json_t *j = json_pack("{s:s, s:o}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls", calls);
	struct bj_loc at;
	bj_root(&at, "config.json");
	int r = rt_seccomp_parse(j, &at, &s, &e);
	json_decref(j);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_true(prog_returns(s, SECCOMP_RET_ERRNO | EPERM));
}

/* Names from rt_seccomp_features must all be accepted: "MUST recognize". */
static void test_features(void **state)
{
	(void)state;
	_cleanup_json_ json_t *lin = json_object();
	rt_seccomp_features(lin);
	json_t *f = json_object_get(lin, "seccomp");
	assert_non_null(f);
	assert_true(json_is_true(json_object_get(f, "enabled")));
	assert_int_equal(json_array_size(json_object_get(f, "actions")), 9);
	assert_int_equal(json_array_size(json_object_get(f, "operators")), 7);
	json_t *known = json_object_get(f, "knownFlags");
	json_t *supported = json_object_get(f, "supportedFlags");
	assert_int_equal(json_array_size(known), 4);
	assert_non_null(supported);
	/* supportedFlags is a subset of knownFlags; this kernel (>= 5.19)
	 * supports all four. */
	size_t i;
	json_t *v;
	json_array_foreach(supported, i, v)
	{
		bool found = false;
		size_t k;
		json_t *w;
		json_array_foreach(known, k, w) found |= json_equal(v, w);
		assert_true(found);
	}
	assert_int_equal(json_array_size(supported), 4);

	/* every arch: one filter with all of them */
	json_t *archs = json_object_get(f, "archs");
	assert_true(json_array_size(archs) >= 19);
	json_t *cfg = json_pack("{s:s, s:O, s:[{s:[s,s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
				"architectures", archs, "syscalls", "names", "getcwd", "socketcall",
				"action", "SCMP_ACT_ERRNO");
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
	struct bj_loc at;
	bj_root(&at, "config.json");
	int r = rt_seccomp_parse(cfg, &at, &s, &e);
	json_decref(cfg);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));

	/* every known flag; WAIT_KILLABLE_RECV needs a NOTIFY rule */
	cfg = json_pack("{s:s, s:O, s:s, s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
			"flags", known, "listenerPath", "/run/a.sock", "syscalls", "names", "uname",
			"action", "SCMP_ACT_NOTIFY");
	rt_seccomp_free(s);
	s = NULL;
	r = rt_seccomp_parse(cfg, &at, &s, &e);
	json_decref(cfg);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_int_equal(
		rt_seccomp_install_flags(s),
		SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
			SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV |
			SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
}

static void test_notify_config(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
	s = parse_ok(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\","
		"\"listenerMetadata\":\"MKNOD=/dev/null\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
		"\"syscalls\":[{\"names\":[\"mknod\",\"mknodat\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");
	assert_true(rt_seccomp_wants_notify(s));
	assert_string_equal(rt_seccomp_listener_path(s), "/run/agent.sock");
	assert_string_equal(rt_seccomp_listener_metadata(s), "MKNOD=/dev/null");
	assert_int_equal(rt_seccomp_install_flags(s),
			 SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

/* Unknown names are skipped (runc's behaviour); the known ones still apply;
 * unknown members of the object are ignored (config.md). */
static void test_unknown_names_and_keys(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
	s = parse_ok(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"futureKey\":1,\"syscalls\":["
		"{\"names\":[\"no_such_syscall_xyz\",\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":77,"
		"\"comment\":\"x\"}]}");
	assert_true(prog_returns(s, SECCOMP_RET_ERRNO | 77));
	/* only unknown names: a valid filter without the rule */
	rt_seccomp_free(s);
	s = NULL;
	s = parse_ok(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"no_such_syscall_xyz\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":77}]}");
	assert_false(prog_returns(s, SECCOMP_RET_ERRNO | 77));
}

/* A rule that repeats the default action is left out, not an error. */
static void test_rule_equal_to_default(void **state)
{
	(void)state;
	_cleanup_rt_seccomp_ struct rt_seccomp *s = NULL;
	s = parse_ok("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		     "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
	assert_non_null(s);
	/* the program still answers with the default action */
	assert_true(prog_returns(s, SECCOMP_RET_ERRNO | 1));
	assert_false(prog_returns(s, SECCOMP_RET_ALLOW));
}

static void test_limits(void **state)
{
	(void)state;
	/* 4097 syscalls[] entries */
	json_t *calls = json_array();
	for (int i = 0; i < 4097; i++)
		json_array_append_new(
			calls,
			json_pack("{s:[s], s:s}", "names", "getcwd", "action", "SCMP_ACT_ERRNO"));
	json_t *j = json_pack("{s:s, s:o}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls", calls);
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_seccomp *s = NULL;
	struct bj_loc root, at;
	bj_root(&root, "config.json");
	bj_key(&at, &root, "seccomp");
	assert_int_equal(rt_seccomp_parse(j, &at, &s, &e), -EINVAL);
	json_decref(j);
	assert_string_equal(brig_err_str(&e),
			    "config.json: seccomp.syscalls: 4097 elements, at most 4096 allowed");
	/* 7 args on one rule is fine when indexes repeat (each is its own rule) */
	j = json_pack("{s:s, s:[{s:[s], s:s, s:[{s:i,s:i,s:s},{s:i,s:i,s:s},{s:i,s:i,s:s},"
		      "{s:i,s:i,s:s},{s:i,s:i,s:s},{s:i,s:i,s:s},{s:i,s:i,s:s}]}]}",
		      "defaultAction", "SCMP_ACT_ALLOW", "syscalls", "names", "mkdirat", "action",
		      "SCMP_ACT_ERRNO", "args", "index", 2, "value", 1, "op", "SCMP_CMP_EQ",
		      "index", 2, "value", 2, "op", "SCMP_CMP_EQ", "index", 2, "value", 3, "op",
		      "SCMP_CMP_EQ", "index", 2, "value", 4, "op", "SCMP_CMP_EQ", "index", 2,
		      "value", 5, "op", "SCMP_CMP_EQ", "index", 2, "value", 6, "op", "SCMP_CMP_EQ",
		      "index", 2, "value", 7, "op", "SCMP_CMP_EQ");
	assert_non_null(j);
	int r = rt_seccomp_parse(j, &at, &s, &e);
	json_decref(j);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	rt_seccomp_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_errno_values),
		cmocka_unit_test(test_every_action),
		cmocka_unit_test(test_every_operator),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_notify_config),
		cmocka_unit_test(test_unknown_names_and_keys),
		cmocka_unit_test(test_rule_equal_to_default),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
