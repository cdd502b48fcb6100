/* SPDX-License-Identifier: Apache-2.0 */
/* engine/config: the defaults written into an OCI config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "engine/config/engine-config.h"
#include "engine/flags/flags.h"

static struct eng_config *cfg(const char *doc)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_config *c = NULL;
	if (eng_config_parse(doc, strlen(doc), "t.conf", &c, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	return c;
}

static json_t *load_json(const char *s)
{
	json_error_t err;
	json_t *j = json_loads(s, 0, &err);
	if (!j)
		fail_msg("%s", err.text);
	return j;
}

static void apply_ok(const struct eng_config *c, json_t *oci)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_config_apply_defaults(c, oci, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
}

/* The value at "a.b.c" (objects only). */
static json_t *at(json_t *j, const char *path)
{
	char buf[256];
	strcpy(buf, path);
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); j && k;
	     k = strtok_r(NULL, ".", &save))
		j = json_object_get(j, k);
	return j;
}

static json_t *rlimit(json_t *oci, const char *type)
{
	size_t i;
	json_t *v;
	json_array_foreach(at(oci, "process.rlimits"), i,
			   v) if (strcmp(json_string_value(json_object_get(v, "type")), type) ==
				  0) return v;
	return NULL;
}

static void assert_caps(json_t *arr, const char *const *want, size_t n)
{
	assert_int_equal(json_array_size(arr), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(arr, i)), want[i]);
}

static void test_defaults_on_empty(void **state)
{
	(void)state;
	_cleanup_eng_config_ struct eng_config *c = cfg("{}");
	_cleanup_json_ json_t *oci = json_object();
	apply_ok(c, oci);
	assert_int_equal(json_array_size(at(oci, "process.rlimits")), 2);
	assert_int_equal(json_integer_value(json_object_get(rlimit(oci, "RLIMIT_NOFILE"), "soft")),
			 1024);
	assert_int_equal(json_integer_value(json_object_get(rlimit(oci, "RLIMIT_NOFILE"), "hard")),
			 4096);
	assert_int_equal(json_integer_value(json_object_get(rlimit(oci, "RLIMIT_CORE"), "hard")),
			 0);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.memory.limit")), 1LL << 30);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.memory.swap")), 1LL << 30);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.pids.limit")), 1024);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.cpu.shares")), 1024);
	assert_true(json_is_true(at(oci, "process.noNewPrivileges")));
	assert_true(json_is_true(at(oci, "root.readonly")));
	static const char *const caps[] = { "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FSETID",
					    "CAP_FOWNER",  "CAP_SETGID",           "CAP_SETUID",
					    "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL" };
	assert_caps(at(oci, "process.capabilities.bounding"), caps, 9);
	assert_caps(at(oci, "process.capabilities.effective"), caps, 9);
	assert_caps(at(oci, "process.capabilities.permitted"), caps, 9);
}

static const char base[] =
	"{\"process\": {\"args\": [\"sh\"], \"noNewPrivileges\": true,"
	"  \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\"], \"effective\": [],"
	"   \"inheritable\": [\"CAP_SYS_ADMIN\"], \"ambient\": [\"CAP_SYS_ADMIN\"]},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},"
	"   {\"type\": \"RLIMIT_NPROC\", \"soft\": 5, \"hard\": 6}]},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"linux\": {\"namespaces\": [], \"resources\": {\"devices\": [],"
	"  \"memory\": {\"reservation\": 1000000}, \"pids\": {\"limit\": 5}}}}";

static void test_custom_over_spec(void **state)
{
	(void)state;
	_cleanup_eng_config_ struct eng_config *c = cfg(
		"{\"default-ulimits\": {\"nofile\": {\"Soft\": 10, \"Hard\": -1},"
		" \"stack\": {\"Soft\": -1, \"Hard\": -1}},"
		" \"default-memory\": \"256m\", \"default-memory-swap\": -1,"
		" \"default-pids-limit\": -1, \"default-cpu-shares\": 512,"
		" \"default-capabilities\": [\"kill\", \"CAP_NET_RAW\"],"
		" \"no-new-privileges\": false, \"read-only-rootfs\": false}");
	_cleanup_json_ json_t *oci = load_json(base);
	apply_ok(c, oci);
	/* NOFILE replaced in place, NPROC kept, CORE and STACK appended */
	json_t *rl = at(oci, "process.rlimits");
	assert_int_equal(json_array_size(rl), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rl, 0), "type")),
			    "RLIMIT_NOFILE");
	assert_int_equal(json_integer_value(json_object_get(rlimit(oci, "RLIMIT_NOFILE"), "soft")),
			 10);
	assert_int_equal(json_integer_value(json_object_get(rlimit(oci, "RLIMIT_NOFILE"), "hard")),
			 ENG_RLIM_UNLIMITED_JSON);
	assert_int_equal(json_integer_value(json_object_get(rlimit(oci, "RLIMIT_NPROC"), "hard")),
			 6);
	assert_int_equal(json_integer_value(json_object_get(rlimit(oci, "RLIMIT_STACK"), "soft")),
			 ENG_RLIM_UNLIMITED_JSON);
	assert_non_null(rlimit(oci, "RLIMIT_CORE"));
	assert_int_equal(json_integer_value(at(oci, "linux.resources.memory.limit")), 256 << 20);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.memory.swap")), -1);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.memory.reservation")),
			 1000000);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.pids.limit")), -1);
	assert_int_equal(json_integer_value(at(oci, "linux.resources.cpu.shares")), 512);
	assert_non_null(at(oci, "linux.resources.devices"));
	static const char *const caps[] = { "CAP_KILL", "CAP_NET_RAW" };
	assert_caps(at(oci, "process.capabilities.bounding"), caps, 2);
	assert_caps(at(oci, "process.capabilities.effective"), caps, 2);
	assert_null(at(oci, "process.capabilities.inheritable"));
	assert_null(at(oci, "process.capabilities.ambient"));
	assert_true(json_is_false(at(oci, "process.noNewPrivileges")));
	assert_true(json_is_false(at(oci, "root.readonly")));
	assert_string_equal(json_string_value(at(oci, "root.path")), "rootfs");
}

static void test_no_memory_default(void **state)
{
	(void)state;
	_cleanup_eng_config_ struct eng_config *c = cfg(
		"{\"default-memory\": null, \"default-capabilities\": []}");
	_cleanup_json_ json_t *oci = json_object();
	apply_ok(c, oci);
	assert_null(at(oci, "linux.resources.memory"));
	assert_int_equal(json_array_size(at(oci, "process.capabilities.bounding")), 0);
	assert_int_equal(json_array_size(at(oci, "process.capabilities.permitted")), 0);
}

static void test_bad_spec(void **state)
{
	(void)state;
	_cleanup_eng_config_ struct eng_config *c = cfg("{}");
	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "{\"process\": []}",
		  "engine config t.conf: OCI config: process is not an object" },
		{ "{\"process\": {\"rlimits\": {}}}",
		  "engine config t.conf: OCI config: process.rlimits is not an array" },
		{ "{\"process\": {\"capabilities\": 1}}",
		  "engine config t.conf: OCI config: process.capabilities is not an object" },
		{ "{\"linux\": {\"resources\": {\"pids\": null}}}",
		  "engine config t.conf: OCI config: linux.resources.pids is not an object" },
		{ "{\"root\": \"rootfs\"}", "OCI config: root is not an object" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_json_ json_t *oci = load_json(bad[i].spec);
		assert_int_equal(eng_config_apply_defaults(c, oci, &e), -EINVAL);
		assert_string_equal(brig_err_str(&e), bad[i].msg);
	}
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *arr = json_array();
	assert_int_equal(eng_config_apply_defaults(c, arr, &e), -EINVAL);
}

/* The user's flags, applied afterwards, win over the engine defaults. */
static void test_flags_after_defaults(void **state)
{
	(void)state;
	_cleanup_eng_config_ struct eng_config *c = cfg("{}");
	struct {
		const char *flag, *value;
		int64_t limit, swap;
	} cases[] = {
		{ "memory", "256m", 256 << 20, 256 << 20 },
		{ "memory-swap", "2g", 1LL << 30, 2LL << 30 },
		{ "memory", "-1", -1, -1 },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_json_ json_t *oci = load_json(base);
		apply_ok(c, oci);
		_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
		assert_non_null(f);
		if (eng_flags_set(f, cases[i].flag, cases[i].value, &e) < 0 ||
		    eng_flags_apply(f, oci, &e) < 0)
			fail_msg("case %zu: %s", i, brig_err_str(&e));
		assert_int_equal(json_integer_value(at(oci, "linux.resources.memory.limit")),
				 cases[i].limit);
		assert_int_equal(json_integer_value(at(oci, "linux.resources.memory.swap")),
				 cases[i].swap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_on_empty),
		cmocka_unit_test(test_custom_over_spec),
		cmocka_unit_test(test_no_memory_default),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_flags_after_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
