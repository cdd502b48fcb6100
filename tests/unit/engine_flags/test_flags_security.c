/* SPDX-License-Identifier: Apache-2.0 */
/* --security-opt, --group-add, --oom-score-adj, --hostname, --stop-*. */
#include "helpers.h"

#include <signal.h>
#include <string.h>

static void test_nnp(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "security-opt", "no-new-privileges=false");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_true(json_is_false(jpath(oci, "process.noNewPrivileges")));
	set_ok(f, "security-opt", "no-new-privileges");
	apply_ok(f, oci);
	assert_true(json_is_true(jpath(oci, "process.noNewPrivileges")));
	set_ok(f, "security-opt", "no-new-privileges:false"); /* Docker's old form */
	apply_ok(f, oci);
	assert_true(json_is_false(jpath(oci, "process.noNewPrivileges")));
	json_decref(oci);
	set_fail(f, "security-opt", "no-new-privileges=perhaps",
		 "--security-opt: no-new-privileges: "
		 "invalid boolean");
}

static void test_seccomp_apparmor_label(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	assert_null(eng_flags_seccomp_profile(f));
	set_ok(f, "security-opt", "seccomp=/etc/brig/strict.json");
	assert_string_equal(eng_flags_seccomp_profile(f), "/etc/brig/strict.json");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_non_null(jpath(oci, "linux.seccomp")); /* the engine loads the file */
	set_ok(f, "security-opt", "seccomp=unconfined");
	set_ok(f, "security-opt", "apparmor=brig-default");
	set_ok(f, "security-opt", "label=disable");
	json_object_set_new(jpath(oci, "process"), "selinuxLabel", json_string("x"));
	apply_ok(f, oci);
	assert_null(jpath(oci, "linux.seccomp"));
	assert_null(jpath(oci, "process.selinuxLabel"));
	assert_string_equal(jtext(jpath(oci, "process.apparmorProfile")), "\"brig-default\"");
	json_decref(oci);
	assert_null(eng_flags_notices(f)[0]);
	set_ok(f, "security-opt", "label=type:spc_t");
	set_ok(f, "security-opt", "label:level:s0");
	assert_non_null(strstr(eng_flags_notices(f)[0], "label=type:spc_t has no effect"));
	assert_non_null(eng_flags_notices(f)[1]);
	set_fail(f, "security-opt", "seccomp=", "seccomp= needs a profile");
	set_fail(f, "security-opt", "apparmor=a b", "apparmor= needs a profile name");
	set_fail(f, "security-opt", "label=color:red", "label= takes disable");
	set_fail(f, "security-opt", "label=user:", "label= takes");
	set_fail(f, "security-opt", "selinux=off",
		 "--security-opt: unknown option \"selinux=off\"");
}

static void test_mask_unmask(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "security-opt", "mask=/proc/cpuinfo:/sys/kernel");
	set_ok(f, "security-opt", "mask=/proc/kcore");
	set_ok(f, "security-opt", "unmask=/proc/keys:/proc/sys");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(
		jtext(jpath(oci, "linux.maskedPaths")),
		"[\"/proc/kcore\",\"/sys/firmware\",\"/proc/cpuinfo\",\"/sys/kernel\"]");
	assert_string_equal(jtext(jpath(oci, "linux.readonlyPaths")), "[\"/proc/bus\"]");
	json_decref(oci);

	_cleanup_eng_flags_ struct eng_flags *g = eng_flags_new();
	set_ok(g, "security-opt", "unmask=ALL");
	oci = base_spec();
	apply_ok(g, oci);
	assert_string_equal(jtext(jpath(oci, "linux.maskedPaths")), "[]");
	assert_string_equal(jtext(jpath(oci, "linux.readonlyPaths")), "[]");
	json_decref(oci);
	set_ok(g, "security-opt", "systempaths=unconfined");
	set_fail(g, "security-opt", "mask=/ok:proc/x", "mask=: \"proc/x\" is not an absolute path");
	/* a refused value leaves nothing behind */
	oci = base_spec();
	apply_ok(g, oci);
	assert_string_equal(jtext(jpath(oci, "linux.maskedPaths")), "[]");
	json_decref(oci);
	set_fail(g, "security-opt", "unmask=", "unmask= needs paths");
	set_fail(g, "security-opt", "systempaths=confined", "systempaths= only takes");
}

static void test_group_add(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "group-add", "10");
	set_ok(f, "group-add", "audio");
	set_ok(f, "group-add", "4");
	set_ok(f, "group-add", "10");
	json_t *oci = base_spec();
	json_object_set_new(jpath(oci, "process.user"), "additionalGids", json_pack("[i]", 4));
	apply_ok(f, oci);
	assert_string_equal(jtext(jpath(oci, "process.user.additionalGids")), "[4,10]");
	json_decref(oci);
	char *const *names = eng_flags_group_names(f);
	assert_string_equal(names[0], "audio");
	assert_null(names[1]);
	set_fail(f, "group-add", "4294967295", "--group-add: \"4294967295\" is not a valid gid");
	set_fail(f, "group-add", "a b", "is not a group name or gid");
	set_fail(f, "group-add", "-x", "is not a group name or gid");
}

static void test_oom_score_hostname(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "oom-score-adj", "-500");
	set_ok(f, "h", "web-1.example");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_int_equal(json_integer_value(jpath(oci, "process.oomScoreAdj")), -500);
	assert_string_equal(jtext(jpath(oci, "hostname")), "\"web-1.example\"");
	assert_string_equal(eng_flags_hostname(f), "web-1.example");
	/* a shared UTS namespace cannot take a hostname */
	json_t *ns = jpath(oci, "linux.namespaces");
	json_array_remove(ns, 3);
	apply_fail(f, oci, "--hostname needs a private UTS namespace");
	json_decref(oci);
	set_fail(f, "oom-score-adj", "1001", "--oom-score-adj: 1001 is out of range [-1000, 1000]");
	set_fail(f, "oom-score-adj", "-1001", "out of range");
	set_fail(f, "hostname", "-web", "--hostname: \"-web\" is not a valid hostname");
	set_fail(f, "hostname", "web-", "is not a valid hostname");
	set_fail(f, "hostname", "a..b", "is not a valid hostname");
	set_fail(f, "hostname", "a.", "is not a valid hostname");
	set_fail(f, "hostname", "we_b", "is not a valid hostname");
	set_fail(f, "hostname", "", "is not a valid hostname");
	char lab[70];
	memset(lab, 'a', 64);
	lab[64] = '\0';
	set_fail(f, "hostname", lab, "is not a valid hostname");
	lab[63] = '\0';
	set_ok(f, "hostname", lab); /* a label of 63 is the longest */
}

static void test_stop(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	int64_t t = 99;
	assert_int_equal(eng_flags_stop_signal(f), 0);
	assert_false(eng_flags_stop_timeout(f, &t));
	assert_int_equal(t, 99);
	set_ok(f, "stop-signal", "SIGQUIT");
	set_ok(f, "stop-timeout", "30");
	assert_int_equal(eng_flags_stop_signal(f), SIGQUIT);
	assert_true(eng_flags_stop_timeout(f, &t));
	assert_int_equal(t, 30);
	set_ok(f, "stop-signal", "15");
	assert_int_equal(eng_flags_stop_signal(f), SIGTERM);
	set_fail(f, "stop-signal", "SIGNOPE", "--stop-signal: invalid signal \"SIGNOPE\"");
	set_fail(f, "stop-timeout", "-2", "--stop-timeout: -2 is out of range");
	set_fail(f, "stop-timeout", "soon", "invalid number");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nnp),
		cmocka_unit_test(test_seccomp_apparmor_label),
		cmocka_unit_test(test_mask_unmask),
		cmocka_unit_test(test_group_add),
		cmocka_unit_test(test_oom_score_hostname),
		cmocka_unit_test(test_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
