/* SPDX-License-Identifier: Apache-2.0 */
/* engine/config: every kind of bad input gets one line naming file and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "engine/config/engine-config.h"

static const struct {
	const char *doc, *msg;
} cases[] = {
	/* not JSON, not an object */
	{ "{", NULL },
	{ "[]", "c.conf: expected an object, got array" },
	{ "{\"a\":1,\"a\":2}", NULL },
	/* unknown keys, at every level */
	{ "{\"default-memroy\": \"1g\"}", "c.conf: default-memroy: unknown key" },
	{ "{\"log-opts\": {\"max-size\": \"1m\", \"compress\": true}}",
	  "c.conf: log-opts.compress: unknown key" },
	{ "{\"default-ulimits\": {\"nofile\": {\"Soft\": 1, \"Hard\": 2, \"soft\": 1}}}",
	  "c.conf: default-ulimits.nofile.soft: unknown key" },
	/* types */
	{ "{\"default-ulimits\": {\"nofile\": {\"Soft\": \"1024\", \"Hard\": 4096}}}",
	  "c.conf: default-ulimits.nofile.Soft: expected an integer, got string" },
	{ "{\"default-ulimits\": []}", "c.conf: default-ulimits: expected an object, got array" },
	{ "{\"default-ulimits\": {\"nofile\": 5}}",
	  "c.conf: default-ulimits.nofile: expected an object, got integer" },
	{ "{\"default-memory\": 536870912}",
	  "c.conf: default-memory: expected a string, got integer" },
	{ "{\"default-pids-limit\": \"1024\"}",
	  "c.conf: default-pids-limit: expected an integer, got string" },
	{ "{\"default-cpu-shares\": 1.5}",
	  "c.conf: default-cpu-shares: expected an integer, got number" },
	{ "{\"no-new-privileges\": \"yes\"}",
	  "c.conf: no-new-privileges: expected a boolean, got string" },
	{ "{\"read-only-rootfs\": 1}",
	  "c.conf: read-only-rootfs: expected a boolean, got integer" },
	{ "{\"content-trust\": null}", "c.conf: content-trust: expected a boolean, got null" },
	{ "{\"registry-certs-dir\": 1}",
	  "c.conf: registry-certs-dir: expected a string, got integer" },
	{ "{\"registry-certs-dir\": \"certs.d\"}",
	  "c.conf: registry-certs-dir: \"certs.d\" is not a clean absolute path" },
	{ "{\"max-concurrent-downloads\": 0}",
	  "c.conf: max-concurrent-downloads: 0 is out of range [1, 16]" },
	{ "{\"max-concurrent-downloads\": 17}",
	  "c.conf: max-concurrent-downloads: 17 is out of range [1, 16]" },
	{ "{\"max-concurrent-downloads\": \"3\"}",
	  "c.conf: max-concurrent-downloads: expected an integer, got string" },
	{ "{\"default-capabilities\": \"CHOWN\"}",
	  "c.conf: default-capabilities: expected an array, got string" },
	{ "{\"default-capabilities\": [\"CHOWN\", 3]}",
	  "c.conf: default-capabilities[1]: expected a string, got integer" },
	{ "{\"restart-ceiling\": true}",
	  "c.conf: restart-ceiling: expected an integer, got boolean" },
	{ "{\"userns\": null}", "c.conf: userns: expected a string, got null" },
	{ "{\"subid-user\": 1000}", "c.conf: subid-user: expected a string, got integer" },
	{ "{\"log-opts\": {\"max-file\": true}}",
	  "c.conf: log-opts.max-file: expected an integer, got boolean" },
	{ "{\"seccomp-profile\": false}",
	  "c.conf: seccomp-profile: expected a string, got boolean" },
	/* sizes */
	{ "{\"default-memory\": \"12x\"}",
	  "c.conf: default-memory: invalid size \"12x\" (a number with an optional unit b, k, "
	  "m, g, t)" },
	{ "{\"default-memory\": \"1m\"}",
	  "c.conf: default-memory: 1048576 is below the minimum of 6291456 bytes" },
	{ "{\"default-memory\": \"-1\"}",
	  "c.conf: default-memory: \"-1\" is not a size (null means no limit)" },
	{ "{\"default-storage-size\": \"512k\"}",
	  "c.conf: default-storage-size: 524288 is below the minimum of 1048576 bytes" },
	{ "{\"default-storage-size\": 10}",
	  "c.conf: default-storage-size: expected a string, got integer" },
	{ "{\"default-memory-swap\": \"lots\"}", NULL },
	{ "{\"log-opts\": {\"max-size\": \"100\"}}",
	  "c.conf: log-opts.max-size: 100 is below the minimum of 1k" },
	{ "{\"log-opts\": {\"max-size\": \"99999999999t\"}}", NULL },
	/* ranges */
	{ "{\"default-ulimits\": {\"nofile\": {\"Soft\": 4096, \"Hard\": 1024}}}",
	  "c.conf: default-ulimits.nofile: soft limit 4096 is above hard limit 1024 "
	  "(-1 is unlimited)" },
	{ "{\"default-ulimits\": {\"core\": {\"Soft\": -1, \"Hard\": 0}}}",
	  "c.conf: default-ulimits.core: soft limit -1 is above hard limit 0 (-1 is unlimited)" },
	{ "{\"default-ulimits\": {\"core\": {\"Soft\": -2, \"Hard\": 0}}}",
	  "c.conf: default-ulimits.core.Soft: -2 is out of range [-1, 9223372036854775807]" },
	{ "{\"default-ulimits\": {\"core\": {\"Soft\": 0}}}",
	  "c.conf: default-ulimits.core.Hard: missing (expected an integer)" },
	{ "{\"default-ulimits\": {\"core\": {\"Name\": \"nofile\", \"Soft\": 0, \"Hard\": 0}}}",
	  "c.conf: default-ulimits.core.Name: \"nofile\" does not match the key \"core\"" },
	{ "{\"default-pids-limit\": 0}",
	  "c.conf: default-pids-limit: 0 is not a limit (use -1 for no limit)" },
	{ "{\"default-pids-limit\": -2}",
	  "c.conf: default-pids-limit: -2 is out of range [-1, 2147483647]" },
	{ "{\"default-cpu-shares\": 1}",
	  "c.conf: default-cpu-shares: 1 is out of range [2, 262144]" },
	{ "{\"restart-ceiling\": -1}", "c.conf: restart-ceiling: -1 is out of range [0, 1000000]" },
	{ "{\"log-opts\": {\"max-file\": 0}}",
	  "c.conf: log-opts.max-file: 0 is out of range [1, 100]" },
	{ "{\"log-opts\": {\"max-file\": \"3x\"}}",
	  "c.conf: log-opts.max-file: expected a number, got \"3x\"" },
	/* durations */
	{ "{\"restart-backoff-max\": \"60\"}", NULL },
	{ "{\"restart-backoff-max\": \"10ms\"}", NULL },
	{ "{\"restart-backoff-max\": \"25h\"}", NULL },
	{ "{\"restart-backoff-max\": \"1.5s\"}", NULL },
	{ "{\"restart-backoff-max\": \"\"}", NULL },
	{ "{\"restart-backoff-max\": \"99999999999999999999s\"}", NULL },
	/* names and choices */
	{ "{\"default-ulimits\": {\"files\": {\"Soft\": 1, \"Hard\": 1}}}", NULL },
	{ "{\"default-capabilities\": [\"CHOWN\", \"SYS_FLY\"]}",
	  "c.conf: default-capabilities[1]: unknown capability \"SYS_FLY\"" },
	{ "{\"default-capabilities\": [\"ALL\"]}",
	  "c.conf: default-capabilities[0]: unknown capability \"ALL\"" },
	{ "{\"storage-driver\": \"zfs\"}",
	  "c.conf: storage-driver: \"zfs\" is not one of overlay, copy or null" },
	{ "{\"userns\": \"private\"}", "c.conf: userns: \"private\" is not one of auto, host" },
	{ "{\"subid-user\": \"-x\"}", NULL },
	{ "{\"subid-user\": \"1000\"}", NULL },
	{ "{\"subid-user\": \"a/b\"}", NULL },
	{ "{\"seccomp-profile\": \"profile.json\"}",
	  "c.conf: seccomp-profile: expected an absolute path, \"unconfined\" or null" },
	/* userns-remap */
	{ "{\"userns-remap\": \"0:0:65536\"}",
	  "c.conf: userns-remap: a mapping onto host uid or gid 0 gives containers the host's "
	  "root" },
	{ "{\"userns-remap\": \"100000:100000:0\"}", NULL },
	{ "{\"userns-remap\": \"4294967000:100000:65536\"}",
	  "c.conf: userns-remap: the range goes past the largest id" },
	{ "{\"userns-remap\": \"a:b:c\"}", NULL },
	{ "{\"userns-remap\": \"bad name\"}", NULL },
	{ "{\"userns-remap\": \"alice:\"}", NULL },
	{ "{\"userns-remap\": 5}", "c.conf: userns-remap: expected a string, got integer" },
	{ "{\"userns\": \"host\", \"userns-remap\": \"alice\"}",
	  "c.conf: userns-remap: cannot be used with \"userns\": \"host\"" },
	/* across keys */
	{ "{\"default-memory\": null, \"default-memory-swap\": \"2g\"}",
	  "c.conf: default-memory-swap: needs a default-memory limit (memory+swap cannot be "
	  "limited while memory is not)" },
	{ "{\"default-memory\": \"1g\", \"default-memory-swap\": \"512m\"}",
	  "c.conf: default-memory-swap: 536870912 is below default-memory 1073741824 (the "
	  "value is memory plus swap)" },
	{ "{\"default-memory\": null, \"default-memory-swap\": -1}",
	  "c.conf: default-memory-swap: -1 needs a default-memory limit" },
};

static void test_errors(void **state)
{
	(void)state;
	size_t bad = 0;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
		struct brig_err e = { 0 };
		struct eng_config *c = NULL;
		int r = eng_config_parse(cases[i].doc, strlen(cases[i].doc), "c.conf", &c, &e);
		if (r >= 0)
			fail_msg("case %zu (%s) was accepted", i, cases[i].doc);
		assert_null(c);
		assert_int_equal(r, e.code);
		const char *msg = brig_err_str(&e);
		/* Every message names the file. */
		if (strncmp(msg, "c.conf: ", 8) != 0)
			fail_msg("case %zu: \"%s\" does not name the file", i, msg);
		if (cases[i].msg && strcmp(msg, cases[i].msg) != 0) {
			print_error("case %zu (%s):\n got  %s\n want %s\n", i, cases[i].doc, msg,
				    cases[i].msg);
			bad++;
		}
		brig_err_clear(&e);
	}
	assert_int_equal(bad, 0);
}

/* The messages without an exact expectation above still name the key. */
static void test_errors_name_key(void **state)
{
	(void)state;
	static const struct {
		const char *doc, *key;
	} k[] = {
		{ "{\"restart-backoff-max\": \"60\"}", "c.conf: restart-backoff-max: " },
		{ "{\"default-ulimits\": {\"files\": {\"Soft\": 1, \"Hard\": 1}}}",
		  "c.conf: default-ulimits.files: unknown ulimit" },
		{ "{\"subid-user\": \"1000\"}", "c.conf: subid-user: " },
		{ "{\"userns-remap\": \"a:b:c\"}", "c.conf: userns-remap: expected" },
		{ "{\"default-memory-swap\": \"lots\"}",
		  "c.conf: default-memory-swap: invalid size" },
		{ "{\"log-opts\": {\"max-size\": \"99999999999t\"}}",
		  "c.conf: log-opts.max-size: size \"99999999999t\" is too large" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(k); i++) {
		struct brig_err e = { 0 };
		struct eng_config *c = NULL;
		assert_true(eng_config_parse(k[i].doc, strlen(k[i].doc), "c.conf", &c, &e) < 0);
		const char *msg = brig_err_str(&e);
		if (strncmp(msg, k[i].key, strlen(k[i].key)) != 0)
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, msg, k[i].key);
		brig_err_clear(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_name_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
