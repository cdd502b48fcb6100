/* SPDX-License-Identifier: Apache-2.0 */
/* Signals, ids, capabilities, process parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>

#include "runtime/runtime-internal.h"

static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(brig_parse_signal("KILL"), SIGKILL);
	assert_int_equal(brig_parse_signal("SIGTERM"), SIGTERM);
	assert_int_equal(brig_parse_signal("sigusr1"), SIGUSR1);
	assert_int_equal(brig_parse_signal("9"), 9);
	assert_int_equal(brig_parse_signal("RTMIN+1"), SIGRTMIN + 1);
	assert_true(brig_parse_signal("0") < 0);
	assert_true(brig_parse_signal("NOPE") < 0);
	assert_true(brig_parse_signal("99999") < 0);
	assert_true(brig_parse_signal("") < 0);
}

static void test_ids(void **state)
{
	(void)state;
	assert_true(rt_id_valid("abc"));
	assert_true(rt_id_valid("a.b_c-d+e"));
	assert_false(rt_id_valid(""));
	assert_false(rt_id_valid("../x"));
	assert_false(rt_id_valid("a/b"));
	assert_false(rt_id_valid(".x"));
	assert_false(rt_id_valid("-x"));
	char big[1100];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(rt_id_valid(big));
}

static void test_caps(void **state)
{
	(void)state;
	assert_int_equal(brig_cap_from_name("CAP_CHOWN"), 0);
	assert_int_equal(brig_cap_from_name("chown"), 0);
	assert_int_equal(brig_cap_from_name("CAP_SYS_ADMIN"), 21);
	assert_int_equal(brig_cap_from_name("CAP_NOPE"), -1);
	assert_string_equal(brig_cap_name(13), "CAP_NET_RAW");
	_cleanup_json_ json_t *j = json_loads(
		"{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],\"effective\":[\"CAP_KILL\"]}", 0,
		NULL);
	struct rt_caps c;
	struct bj_loc at;
	bj_root(&at, "config.json");
	bj_key(&at, &at, "process");
	struct bj_loc cl;
	bj_key(&cl, &at, "capabilities");
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(rt_caps_parse(j, &cl, &c, &e), 0);
	assert_true(c.sets[RT_CAP_BND] == ((UINT64_C(1) << 5) | 1));
	assert_true(c.sets[RT_CAP_EFF] == (UINT64_C(1) << 5));
	assert_true(c.sets[RT_CAP_AMB] == 0);
	_cleanup_json_ json_t *bad = json_loads("{\"permitted\":[\"CAP_KILL\",\"CAP_FLY\"]}", 0,
						NULL);
	/* An unknown name is a warning, and the known ones still count. */
	assert_int_equal(rt_caps_parse(bad, &cl, &c, &e), 0);
	assert_true(c.sets[RT_CAP_PRM] == (UINT64_C(1) << 5));
	_cleanup_json_ json_t *notstr = json_loads("{\"permitted\":[5]}", 0, NULL);
	assert_true(rt_caps_parse(notstr, &cl, &c, &e) < 0);
}

static int parse_proc(const char *text, struct rt_process *p, struct brig_err *e)
{
	_cleanup_json_ json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	struct bj_loc at, pl;
	bj_root(&at, "c.json");
	bj_key(&pl, &at, "process");
	return rt_process_parse(j, &pl, p, e);
}

static void test_process(void **state)
{
	(void)state;
	struct rt_process p;
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(
		parse_proc("{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"A=1\"],"
			   "\"user\":{\"uid\":5,\"gid\":6,\"umask\":18,\"additionalGids\":[7,8]},"
			   "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":20}],"
			   "\"oomScoreAdj\":100,\"noNewPrivileges\":true}",
			   &p, &e),
		0);
	assert_int_equal(p.uid, 5);
	assert_int_equal(p.gid, 6);
	assert_int_equal(p.umask, 18);
	assert_int_equal(p.n_groups, 2);
	assert_int_equal(p.groups[1], 8);
	assert_int_equal(p.n_rlimits, 1);
	assert_int_equal(p.rlimits[0].hard, 20);
	assert_true(p.no_new_privs);
	assert_int_equal(p.oom_score_adj, 100);
	rt_process_clear(&p);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{\"args\":\"sh\",\"cwd\":\"/\"}",
		  "c.json: process.args: expected an array, got string" },
		{ "{\"args\":[],\"cwd\":\"/\"}", "c.json: process.args: must name the program" },
		{ "{\"args\":[\"sh\"],\"cwd\":\"rel\"}",
		  "c.json: process.cwd: \"rel\" is not an absolute path" },
		{ "{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"NOEQUALS\"]}",
		  "c.json: process.env[0]:" },
		{ "{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1,\"gid\":0}}",
		  "c.json: process.user.uid: -1 is out of range" },
		{ "{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]}",
		  "process.rlimits[0]: unknown rlimit type" },
		{ "{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":2,\"hard\":1}]}",
		  "soft limit 2 is above hard limit 1" },
		{ "{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":5000}",
		  "process.oomScoreAdj: 5000 is out of range" },
		{ "{\"args\":[\"sh\"],\"cwd\":\"/\",\"consoleSize\":{\"height\":\"x\",\"width\":1}}",
		  "process.consoleSize.height: expected an integer" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
		assert_true(parse_proc(bad[i].json, &p, &e) < 0);
		if (!strstr(brig_err_str(&e), bad[i].msg))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, brig_err_str(&e),
				 bad[i].msg);
		rt_process_clear(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
