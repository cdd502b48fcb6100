/* SPDX-License-Identifier: Apache-2.0 */
/* Memory, CPU, pids and block I/O flags -> linux.resources. */
#include "helpers.h"

#include <string.h>

#define RES "linux.resources."

static void test_memory(void **state)
{
	(void)state;
	struct eng_flags *f;
	json_t *oci = apply_one("memory", "512m", &f);
	assert_string_equal(jtext(jpath(oci, RES "memory")),
			    "{\"limit\":536870912,\"swap\":536870912}");
	/* untouched neighbours */
	assert_int_equal(json_integer_value(jpath(oci, RES "pids.limit")), 1024);
	json_decref(oci);
	eng_flags_free(f);

	_cleanup_eng_flags_ struct eng_flags *g = eng_flags_new();
	set_fail(g, "memory", "5m", "--memory: memory limit 5242880 is below the minimum of 6m");
	set_fail(g, "memory", "12x", "--memory: invalid size \"12x\"");
	set_fail(g, "memory", "-2", "--memory: invalid size");
	set_ok(g, "m", "6m");
	set_ok(g, "memory", "1G"); /* the last one wins */
	json_t *o2 = base_spec();
	apply_ok(g, o2);
	assert_int_equal(json_integer_value(jpath(o2, RES "memory.limit")), 1LL << 30);
	json_decref(o2);
}

static void test_memory_unlimited(void **state)
{
	(void)state;
	struct eng_flags *f;
	json_t *oci = apply_one("memory", "-1", &f);
	assert_string_equal(jtext(jpath(oci, RES "memory")), "{\"limit\":-1,\"swap\":-1}");
	json_decref(oci);
	eng_flags_free(f);
}

static void test_memory_swap(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "memory", "256m");
	set_ok(f, "memory-swap", "1g");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(jtext(jpath(oci, RES "memory")),
			    "{\"limit\":268435456,\"swap\":1073741824}");
	json_decref(oci);

	set_ok(f, "memory-swap", "-1");
	oci = base_spec();
	apply_ok(f, oci);
	assert_int_equal(json_integer_value(jpath(oci, RES "memory.swap")), -1);
	json_decref(oci);

	set_ok(f, "memory-swap", "128m");
	oci = base_spec();
	apply_fail(f, oci,
		   "--memory-swap (134217728) must not be smaller than --memory "
		   "(268435456)");
	json_decref(oci);
	set_fail(f, "memory-swap", "lots", "--memory-swap: invalid size");
}

static void test_memory_swap_needs_limit(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "memory-swap", "1g");
	json_t *oci = base_spec();
	apply_fail(f, oci, "--memory-swap needs a memory limit");
	/* An engine default limit in the config counts as one. */
	json_object_set_new(jpath(oci, "linux.resources"), "memory",
			    json_pack("{s:I}", "limit", (json_int_t)(512 << 20)));
	apply_ok(f, oci);
	assert_int_equal(json_integer_value(jpath(oci, RES "memory.swap")), 1LL << 30);
	assert_int_equal(json_integer_value(jpath(oci, RES "memory.limit")), 512 << 20);
	json_decref(oci);
}

static void test_memory_reservation_and_oom(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_fail(f, "memory-reservation", "1m", "below the minimum of 6m");
	set_ok(f, "memory-reservation", "64m");
	set_ok(f, "oom-kill-disable", NULL);
	json_t *oci = base_spec();
	apply_fail(f, oci, "--oom-kill-disable needs a memory limit");
	set_ok(f, "memory", "32m");
	apply_fail(f, oci, "--memory-reservation (67108864) must not be larger than --memory");
	set_ok(f, "memory", "128m");
	set_ok(f, "memory-swappiness", "10");
	apply_ok(f, oci);
	assert_string_equal(jtext(jpath(oci, RES "memory")),
			    "{\"disableOOMKiller\":true,\"limit\":134217728,\"reservation\":"
			    "67108864,\"swap\":134217728,\"swappiness\":10}");
	json_decref(oci);
	set_fail(f, "memory-swappiness", "101", "--memory-swappiness: 101 is out of range");
	set_fail(f, "oom-kill-disable", "yes", "--oom-kill-disable: invalid boolean");
}

static void test_cpus(void **state)
{
	(void)state;
	struct eng_flags *f;
	json_t *oci = apply_one("cpus", "0.5", &f);
	assert_string_equal(jtext(jpath(oci, RES "cpu")), "{\"period\":100000,\"quota\":50000}");
	json_decref(oci);
	eng_flags_free(f);
	oci = apply_one("cpus", "0.01", &f);
	assert_int_equal(json_integer_value(jpath(oci, RES "cpu.quota")), 1000);
	json_decref(oci);
	eng_flags_free(f);

	_cleanup_eng_flags_ struct eng_flags *g = eng_flags_new();
	set_fail(g, "cpus", "0.001", "--cpus: 0.001 is out of range: from 0.01 to");
	set_fail(g, "cpus", "100000", "is out of range");
	set_fail(g, "cpus", "1,5", "--cpus: invalid number of CPUs \"1,5\"");
	set_fail(g, "cpus", "-1", "invalid number of CPUs");
	set_fail(g, "cpus", ".5", "invalid number of CPUs");
}

static void test_cpu_quota_period_shares(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "cpu-quota", "50000");
	set_ok(f, "cpu-period", "200000");
	set_ok(f, "c", "512");
	set_ok(f, "cpuset-cpus", "0-1,3");
	set_ok(f, "cpuset-mems", "0");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(jtext(jpath(oci, RES "cpu")),
			    "{\"cpus\":\"0-1,3\",\"mems\":\"0\",\"period\":200000,"
			    "\"quota\":50000,\"shares\":512}");
	/* --cpus with either conflicts */
	set_ok(f, "cpus", "0.5");
	json_t *o2 = base_spec();
	apply_fail(f, o2, "--cpus cannot be combined with --cpu-quota");
	json_decref(o2);
	json_decref(oci);
	set_fail(f, "cpu-quota", "999", "--cpu-quota: 999 is below the minimum of 1000");
	set_fail(f, "cpu-quota", "-2", "--cpu-quota: -2 is out of range");
	set_fail(f, "cpu-period", "1000001", "--cpu-period: 1000001 is out of range");
	set_fail(f, "cpu-period", "10", "below the minimum of 1000");
	set_fail(f, "cpu-shares", "1", "--cpu-shares: 1 is below the minimum of 2");
	set_fail(f, "cpu-shares", "262145", "out of range");
	set_fail(f, "cpu-shares", "+5", "invalid number");
	set_fail(f, "cpuset-cpus", "1-", "--cpuset-cpus: invalid list \"1-\"");
	set_fail(f, "cpuset-cpus", "3-1", "invalid list");
	set_fail(f, "cpuset-cpus", "0,,1", "invalid list");
	set_fail(f, "cpuset-cpus", "", "invalid list");
	set_fail(f, "cpuset-mems", "a", "--cpuset-mems: invalid list");
	set_fail(f, "cpuset-cpus", "99999", "invalid list");
}

static void test_pids_blkio(void **state)
{
	(void)state;
	struct eng_flags *f;
	json_t *oci = apply_one("pids-limit", "100", &f);
	assert_int_equal(json_integer_value(jpath(oci, RES "pids.limit")), 100);
	json_decref(oci);
	eng_flags_free(f);
	oci = apply_one("pids-limit", "0", &f);
	assert_int_equal(json_integer_value(jpath(oci, RES "pids.limit")), -1);
	json_decref(oci);
	eng_flags_free(f);
	oci = apply_one("blkio-weight", "300", &f);
	assert_string_equal(jtext(jpath(oci, RES "blockIO")), "{\"weight\":300}");
	json_decref(oci);
	set_fail(f, "pids-limit", "-2", "--pids-limit: -2 is out of range");
	set_fail(f, "pids-limit", "many", "--pids-limit: invalid number");
	set_fail(f, "blkio-weight", "5", "--blkio-weight: 5 is out of range [10, 1000]");
	set_fail(f, "blkio-weight", "1001", "out of range");
	eng_flags_free(f);
}

static void test_no_flags_no_change(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	json_t *oci = base_spec(), *before = base_spec();
	apply_ok(f, oci);
	assert_true(json_equal(oci, before));
	json_decref(oci);
	json_decref(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_memory_unlimited),
		cmocka_unit_test(test_memory_swap),
		cmocka_unit_test(test_memory_swap_needs_limit),
		cmocka_unit_test(test_memory_reservation_and_oom),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_cpu_quota_period_shares),
		cmocka_unit_test(test_pids_blkio),
		cmocka_unit_test(test_no_flags_no_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
