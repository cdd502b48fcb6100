/* SPDX-License-Identifier: Apache-2.0 */
/* config.json validation: every bad field is named in a one-line error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/runtime-internal.h"

static char bundle[256];

static int setup(void **state)
{
	(void)state;
	strcpy(bundle, "/tmp/brig-spec-test.XXXXXX");
	if (!mkdtemp(bundle))
		return -1;
	char path[300];
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	return mkdir(path, 0755);
}

static int teardown(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int r = brig_rm_rf(AT_FDCWD, bundle, &e);
	brig_err_clear(&e);
	return r;
}

static void write_config(json_t *cfg)
{
	char *text = json_dumps(cfg, JSON_COMPACT);
	assert_non_null(text);
	char path[300];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	struct brig_err e = { 0 };
	assert_int_equal(brig_atomic_write(AT_FDCWD, path, text, strlen(text), 0600, &e), 0);
	free(text);
}

/* Load the default spec with one change made by a JSON patch function. */
static int load_with(void (*change)(json_t *), struct brig_err *e)
{
	json_t *cfg = rt_default_spec(false);
	assert_non_null(cfg);
	if (change)
		change(cfg);
	write_config(cfg);
	json_decref(cfg);
	struct rt_spec *s = NULL;
	int r = rt_spec_load(bundle, NULL, NULL, "t1", false, &s, e);
	rt_spec_free(s);
	return r;
}

static void test_default_spec_is_valid(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	if (load_with(NULL, &e) < 0)
		fail_msg("default spec rejected: %s", brig_err_str(&e));
	json_t *cfg = rt_default_spec(false);
	write_config(cfg);
	json_decref(cfg);
	struct rt_spec *s = NULL;
	assert_int_equal(rt_spec_load(bundle, NULL, NULL, "t1", false, &s, &e), 0);
	assert_true(s->process.no_new_privs);
	assert_true(s->ns[RT_NS_PID].wanted && s->ns[RT_NS_NET].wanted && s->ns[RT_NS_MNT].wanted);
	assert_false(s->ns[RT_NS_USER].wanted);
	assert_int_equal(s->process.caps.sets[RT_CAP_EFF] & (UINT64_C(1) << 13), 0); /* NET_RAW */
	assert_non_null(s->seccomp);
	rt_spec_free(s);
}

static void no_uts(json_t *c)
{
	json_t *ns = json_object_get(json_object_get(c, "linux"), "namespaces");
	size_t i;
	json_t *v;
	json_array_foreach(ns, i,
			   v) if (strcmp(json_string_value(json_object_get(v, "type")), "uts") == 0)
	{
		json_array_remove(ns, i);
		break;
	}
}
static void bad_ns(json_t *c)
{
	json_array_append_new(json_object_get(json_object_get(c, "linux"), "namespaces"),
			      json_pack("{s:s}", "type", "bogus"));
}
static void dup_ns(json_t *c)
{
	json_array_append_new(json_object_get(json_object_get(c, "linux"), "namespaces"),
			      json_pack("{s:s}", "type", "pid"));
}
static void maps_no_userns(json_t *c)
{
	json_object_set_new(
		json_object_get(c, "linux"), "uidMappings",
		json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 1000, "size", 1));
}
static void host_sysctl(json_t *c)
{
	json_object_set_new(json_object_get(c, "linux"), "sysctl",
			    json_pack("{s:s}", "kernel.panic", "1"));
}
static void hook_rel(json_t *c)
{
	json_object_set_new(c, "hooks", json_pack("{s:[{s:s}]}", "prestart", "path", "rel/hook"));
}
static void bad_version(json_t *c)
{
	json_object_set_new(c, "ociVersion", json_string("2.0.0"));
}
static void args_type(json_t *c)
{
	json_object_set_new(json_object_get(c, "process"), "args", json_integer(3));
}
static void ns_path_rel(json_t *c)
{
	json_array_append_new(json_object_get(json_object_get(c, "linux"), "namespaces"),
			      json_pack("{s:s,s:s}", "type", "time", "path", "x"));
}
static void ann_type(json_t *c)
{
	json_object_set_new(c, "annotations", json_pack("{s:i}", "k", 1));
}

static void test_bad_fields_are_named(void **state)
{
	(void)state;
	static const struct {
		void (*change)(json_t *);
		const char *msg;
	} cases[] = {
		{ no_uts, "hostname/domainname need a uts namespace" },
		{ bad_ns, "linux.namespaces[6]: unknown namespace type \"bogus\"" },
		{ dup_ns, "linux.namespaces[6]: duplicate namespace \"pid\"" },
		{ maps_no_userns, "uidMappings/gidMappings need a new user namespace" },
		{ host_sysctl, "linux.sysctl.kernel.panic: not a namespaced sysctl" },
		{ hook_rel, "hooks.prestart[0]: path \"rel/hook\" is not absolute" },
		{ bad_version, "ociVersion \"2.0.0\" is not a 1.x version" },
		{ args_type, "process.args: expected an array, got integer" },
		{ ns_path_rel, "linux.namespaces[6]: path \"x\" is not absolute" },
		{ ann_type, "annotations.k: expected a string, got integer" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
		_cleanup_err_ struct brig_err e = { 0 };
		assert_true(load_with(cases[i].change, &e) < 0);
		const char *msg = brig_err_str(&e);
		if (!strstr(msg, cases[i].msg) || !strstr(msg, "config.json"))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, msg, cases[i].msg);
		assert_null(strchr(msg, '\n'));
	}
}

static void test_malformed_and_huge(void **state)
{
	(void)state;
	char path[300];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(brig_atomic_write(AT_FDCWD, path, "{\"ociVersion\": ", 15, 0600, &e), 0);
	struct rt_spec *s = NULL;
	assert_true(rt_spec_load(bundle, NULL, NULL, "t1", false, &s, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "config.json: line 1 column"));
	size_t big = RT_MAX_CONFIG + 10;
	char *buf = malloc(big);
	assert_non_null(buf);
	memset(buf, ' ', big);
	buf[0] = '{';
	buf[big - 1] = '}';
	assert_int_equal(brig_atomic_write(AT_FDCWD, path, buf, big, 0600, &e), 0);
	free(buf);
	assert_int_equal(rt_spec_load(bundle, NULL, NULL, "t1", false, &s, &e), -EFBIG);
	assert_non_null(strstr(brig_err_str(&e), "limit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_spec_is_valid),
		cmocka_unit_test(test_bad_fields_are_named),
		cmocka_unit_test(test_malformed_and_huge),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
