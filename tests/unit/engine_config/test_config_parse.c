/* SPDX-License-Identifier: Apache-2.0 */
/* engine/config: defaults, every key, the dump and the shipped example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>

#include "engine/config/engine-config.h"

static struct eng_config *parse_ok(const char *doc)
{
	struct brig_err e = { 0 };
	struct eng_config *c = NULL;
	int r = eng_config_parse(doc, strlen(doc), "t.conf", &c, &e);
	if (r < 0)
		fail_msg("parse failed: %s", brig_err_str(&e));
	assert_non_null(c);
	return c;
}

static const struct eng_config_ulimit *find_ulimit(const struct eng_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_ulimits; i++)
		if (strcmp(c->ulimits[i].name, name) == 0)
			return &c->ulimits[i];
	return NULL;
}

static void test_defaults(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	_cleanup_eng_config_ struct eng_config *c = NULL;
	assert_int_equal(eng_config_defaults(&c, &e), 0);
	assert_null(c->source);
	assert_int_equal(c->n_ulimits, 2);
	assert_string_equal(c->ulimits[0].name, "core");
	assert_string_equal(c->ulimits[0].oci, "RLIMIT_CORE");
	assert_int_equal(c->ulimits[0].soft, 0);
	assert_int_equal(c->ulimits[0].hard, 0);
	assert_string_equal(c->ulimits[1].oci, "RLIMIT_NOFILE");
	assert_int_equal(c->ulimits[1].soft, 1024);
	assert_int_equal(c->ulimits[1].hard, 4096);
	assert_int_equal(c->memory, 1LL << 30);
	assert_int_equal(c->memory_swap, 0);
	assert_int_equal(c->pids_limit, 1024);
	assert_int_equal(c->cpu_shares, 1024);
	assert_int_equal(c->restart_ceiling, 1000);
	assert_int_equal(c->restart_backoff_max_ms, 60000);
	assert_int_equal(c->storage_driver, ENG_STORAGE_AUTO);
	assert_int_equal(c->userns, ENG_USERNS_AUTO);
	assert_int_equal(c->userns_remap.kind, ENG_REMAP_NONE);
	assert_string_equal(c->subid_user, "brig");
	assert_int_equal(c->log_max_size, 10 << 20);
	assert_int_equal(c->log_max_files, 3);
	assert_null(c->seccomp_profile);
	assert_true(c->no_new_privileges);
	assert_true(c->read_only_rootfs);
	assert_true(c->content_trust);
	static const char *const caps[] = { "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FSETID",
					    "CAP_FOWNER",  "CAP_SETGID",           "CAP_SETUID",
					    "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL" };
	assert_int_equal(brig_strv_len(c->capabilities), BRIG_ARRAY_SIZE(caps));
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(caps); i++)
		assert_string_equal(c->capabilities[i], caps[i]);
}

static void test_empty_doc_is_defaults(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	_cleanup_eng_config_ struct eng_config *c = parse_ok("{}");
	_cleanup_eng_config_ struct eng_config *d = NULL;
	assert_int_equal(eng_config_defaults(&d, &e), 0);
	_cleanup_json_ json_t *jc = NULL, *jd = NULL;
	assert_int_equal(eng_config_dump(c, &jc), 0);
	assert_int_equal(eng_config_dump(d, &jd), 0);
	assert_true(json_equal(jc, jd));
	assert_string_equal(c->source, "t.conf");
}

static const char every_key[] =
	"{\"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Soft\": 100, \"Hard\": 200},"
	"  \"nproc\": {\"Soft\": 50, \"Hard\": -1}, \"stack\": {\"Soft\": -1, \"Hard\": -1}},"
	" \"default-memory\": \"512m\", \"default-memory-swap\": \"1.5g\","
	" \"default-pids-limit\": 300, \"default-cpu-shares\": 512,"
	" \"restart-ceiling\": 7, \"restart-backoff-max\": \"1m30s\","
	" \"storage-driver\": \"copy\", \"default-storage-size\": \"1.5g\", \"userns\": \"auto\","
	" \"userns-remap\": \"alice:staff\","
	" \"subid-user\": \"brig-ids\", \"log-opts\": {\"max-size\": \"2m\", \"max-file\": \"5\"},"
	" \"seccomp-profile\": \"/etc/brig/seccomp.json\", \"no-new-privileges\": false,"
	" \"read-only-rootfs\": false, \"default-capabilities\": [\"cap_kill\", \"NET_RAW\","
	"  \"KILL\"], \"content-trust\": false, \"max-concurrent-downloads\": 7,"
	" \"detach-keys\": \"ctrl-a,x\"}";

static void test_every_key(void **state)
{
	(void)state;
	_cleanup_eng_config_ struct eng_config *c = parse_ok(every_key);
	assert_int_equal(c->max_downloads, 7);
	assert_string_equal(c->detach_keys, "ctrl-a,x");
	/* nofile replaced, core kept from the defaults, nproc and stack added. */
	assert_int_equal(c->n_ulimits, 4);
	assert_string_equal(c->ulimits[0].name, "core");
	assert_string_equal(c->ulimits[1].name, "nofile");
	assert_string_equal(c->ulimits[2].name, "nproc");
	assert_string_equal(c->ulimits[3].name, "stack");
	assert_int_equal(find_ulimit(c, "nofile")->soft, 100);
	assert_int_equal(find_ulimit(c, "nofile")->hard, 200);
	assert_int_equal(find_ulimit(c, "nproc")->hard, -1);
	assert_string_equal(find_ulimit(c, "stack")->oci, "RLIMIT_STACK");
	assert_int_equal(c->storage_size, 3LL << 29);
	assert_int_equal(c->memory, 512LL << 20);
	assert_int_equal(c->memory_swap, 3LL << 29);
	assert_int_equal(c->pids_limit, 300);
	assert_int_equal(c->cpu_shares, 512);
	assert_int_equal(c->restart_ceiling, 7);
	assert_int_equal(c->restart_backoff_max_ms, 90000);
	assert_int_equal(c->storage_driver, ENG_STORAGE_COPY);
	assert_int_equal(c->userns_remap.kind, ENG_REMAP_USER);
	assert_string_equal(c->userns_remap.user, "alice");
	assert_string_equal(c->userns_remap.group, "staff");
	assert_string_equal(c->subid_user, "brig-ids");
	assert_int_equal(c->log_max_size, 2 << 20);
	assert_int_equal(c->log_max_files, 5);
	assert_string_equal(c->seccomp_profile, "/etc/brig/seccomp.json");
	assert_false(c->no_new_privileges);
	assert_false(c->read_only_rootfs);
	assert_false(c->content_trust);
	/* normalised, duplicates dropped */
	assert_int_equal(brig_strv_len(c->capabilities), 2);
	assert_string_equal(c->capabilities[0], "CAP_KILL");
	assert_string_equal(c->capabilities[1], "CAP_NET_RAW");
}

static void test_other_values(void **state)
{
	(void)state;
	_cleanup_eng_config_ struct eng_config *a = parse_ok(
		"{\"default-memory\": null, \"default-pids-limit\": -1, \"storage-driver\": "
		"\"overlay\", \"userns\": \"host\", \"seccomp-profile\": \"unconfined\", "
		"\"default-capabilities\": [], \"restart-backoff-max\": \"100ms\", "
		"\"log-opts\": {\"max-file\": 1}}");
	assert_int_equal(a->memory, 0);
	assert_int_equal(a->pids_limit, -1);
	assert_int_equal(a->storage_driver, ENG_STORAGE_OVERLAY);
	assert_int_equal(a->userns, ENG_USERNS_HOST);
	assert_string_equal(a->seccomp_profile, "unconfined");
	assert_non_null(a->capabilities);
	assert_null(a->capabilities[0]);
	assert_int_equal(a->restart_backoff_max_ms, 100);
	assert_int_equal(a->log_max_files, 1);
	assert_int_equal(a->log_max_size, 10 << 20); /* unchanged */

	_cleanup_eng_config_ struct eng_config *b = parse_ok(
		"{\"userns-remap\": \"100000:200000:65536\", \"default-memory-swap\": -1,"
		" \"storage-driver\": null}");
	assert_int_equal(b->userns_remap.kind, ENG_REMAP_IDS);
	assert_int_equal(b->userns_remap.uid, 100000);
	assert_int_equal(b->userns_remap.gid, 200000);
	assert_int_equal(b->userns_remap.size, 65536);
	assert_int_equal(b->memory_swap, -1);
	assert_int_equal(b->storage_driver, ENG_STORAGE_AUTO);

	_cleanup_eng_config_ struct eng_config *d = parse_ok(
		"{\"userns-remap\": \"bob\", \"default-memory-swap\": \"-1\","
		" \"restart-backoff-max\": \"2h\"}");
	assert_int_equal(d->userns_remap.kind, ENG_REMAP_USER);
	assert_string_equal(d->userns_remap.user, "bob");
	assert_null(d->userns_remap.group);
	assert_int_equal(d->memory_swap, -1);
	assert_int_equal(d->restart_backoff_max_ms, 2 * 3600000);
}

/* Dump -> text -> parse gives the same configuration. */
static void test_dump_round_trip(void **state)
{
	(void)state;
	static const char *const docs[] = {
		every_key,
		"{}",
		"{\"userns-remap\": \"100000:200000:65536\", \"default-memory-swap\": -1}",
		"{\"userns-remap\": \"bob\", \"default-memory\": null, \"storage-driver\": "
		"\"overlay\", \"restart-backoff-max\": \"1500ms\"}",
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(docs); i++) {
		_cleanup_eng_config_ struct eng_config *c = parse_ok(docs[i]);
		_cleanup_json_ json_t *j1 = NULL, *j2 = NULL;
		assert_int_equal(eng_config_dump(c, &j1), 0);
		_cleanup_free_ char *text = json_dumps(j1, JSON_SORT_KEYS);
		assert_non_null(text);
		_cleanup_eng_config_ struct eng_config *c2 = parse_ok(text);
		assert_int_equal(eng_config_dump(c2, &j2), 0);
		if (!json_equal(j1, j2))
			fail_msg("round trip of doc %zu differs: %s", i, text);
	}
	_cleanup_eng_config_ struct eng_config *c = parse_ok(every_key);
	_cleanup_json_ json_t *j = NULL;
	assert_int_equal(eng_config_dump(c, &j), 0);
	assert_string_equal(json_string_value(json_object_get(j, "restart-backoff-max")), "90s");
	assert_string_equal(json_string_value(json_object_get(j, "default-memory")), "512m");
	assert_string_equal(json_string_value(json_object_get(j, "default-storage-size")), "1536m");
	assert_string_equal(json_string_value(json_object_get(j, "default-memory-swap")), "1536m");
	assert_string_equal(json_string_value(json_object_get(j, "userns-remap")), "alice:staff");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(j, "default-ulimits"), "nproc"), "Hard")),
		-1);
}

/* etc/brig.conf.example lists every key, each at its default. */
static void test_example_is_defaults(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (brig_read_file(AT_FDCWD, BRIG_SRCDIR "/etc/brig.conf.example", 1 << 20, &buf, &len,
			   &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	_cleanup_eng_config_ struct eng_config *c = parse_ok(buf);
	_cleanup_eng_config_ struct eng_config *d = NULL;
	assert_int_equal(eng_config_defaults(&d, &e), 0);
	_cleanup_json_ json_t *jc = NULL, *jd = NULL, *raw = NULL;
	assert_int_equal(eng_config_dump(c, &jc), 0);
	assert_int_equal(eng_config_dump(d, &jd), 0);
	assert_true(json_equal(jc, jd));
	/* and it names every key the dump has */
	assert_int_equal(bj_parse(buf, len, "example", &raw, &e), 0);
	assert_int_equal(json_object_size(raw), json_object_size(jd));
	const char *k;
	json_t *v;
	json_object_foreach(jd, k, v) if (!json_object_get(raw, k)) fail_msg("example lacks %s", k);
}

static void test_default_path(void **state)
{
	(void)state;
	const char *p = eng_config_default_path();
	assert_int_equal(p[0], '/');
	assert_non_null(strstr(p, "/brig/brig.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_doc_is_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_other_values),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_example_is_defaults),
		cmocka_unit_test(test_default_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
