/* SPDX-License-Identifier: Apache-2.0 */
/* Ulimits, capabilities, --privileged, devices and sysctls. */
#include "helpers.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void test_ulimit(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "ulimit", "nofile=2048:8192");
	set_ok(f, "ulimit", "nproc=100");
	set_ok(f, "ulimit", "core=unlimited");
	set_ok(f, "ulimit", "stack=8388608:-1");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	/* nofile replaced in place, core replaced, the others appended */
	assert_string_equal(
		jtext(jpath(oci, "process.rlimits")),
		"[{\"hard\":8192,\"soft\":2048,\"type\":\"RLIMIT_NOFILE\"},"
		"{\"hard\":9223372036854775807,\"soft\":9223372036854775807,\"type\":\"RLIMIT_CORE\"},"
		"{\"hard\":100,\"soft\":100,\"type\":\"RLIMIT_NPROC\"},"
		"{\"hard\":9223372036854775807,\"soft\":8388608,\"type\":\"RLIMIT_STACK\"}]");
	json_decref(oci);
	/* the last value for a name wins */
	set_ok(f, "ulimit", "nproc=50:60");
	oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(jtext(jpath(oci, "process.rlimits[2]")),
			    "{\"hard\":60,\"soft\":50,\"type\":\"RLIMIT_NPROC\"}");
	json_decref(oci);
	static const char *const names[] = { "as",     "core",   "cpu",        "data",
					     "fsize",  "locks",  "memlock",    "msgqueue",
					     "nice",   "nofile", "nproc",      "rss",
					     "rtprio", "rttime", "sigpending", "stack" };
	char v[64];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++) {
		snprintf(v, sizeof(v), "%s=1:2", names[i]);
		set_ok(f, "ulimit", v);
	}
	set_fail(f, "ulimit", "nofile=10:5",
		 "--ulimit: nofile: soft limit 10 is above hard limit 5");
	set_fail(f, "ulimit", "nofile=unlimited:5", "soft limit unlimited is above");
	set_fail(f, "ulimit", "bogus=1",
		 "--ulimit: unknown ulimit \"bogus\" (one of as, core, cpu, data, fsize, locks, "
		 "memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)");
	set_fail(f, "ulimit", "nofile", "is not NAME=SOFT[:HARD]");
	set_fail(f, "ulimit", "=5", "is not NAME=SOFT[:HARD]");
	set_fail(f, "ulimit", "nofile=-5", "invalid limit \"-5\"");
	set_fail(f, "ulimit", "nofile=1:x", "invalid limit \"x\"");
	set_fail(f, "ulimit", "nofile=", "invalid limit");
}

static const char *caps_of(const json_t *oci, const char *set)
{
	char path[64];
	snprintf(path, sizeof(path), "process.capabilities.%s", set);
	return jtext(jpath(oci, path));
}

static void test_caps(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "cap-drop", "chown");
	set_ok(f, "cap-drop", "CAP_KILL");
	set_ok(f, "cap-add", "net_raw");
	set_ok(f, "cap-add", "Cap_Sys_Ptrace");
	set_ok(f, "cap-add", "NET_RAW");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	const char *want = "[\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\",\"CAP_SETGID\","
			   "\"CAP_SETUID\",\"CAP_SETPCAP\",\"CAP_NET_BIND_SERVICE\","
			   "\"CAP_NET_RAW\",\"CAP_SYS_PTRACE\"]";
	assert_string_equal(caps_of(oci, "bounding"), want);
	assert_string_equal(caps_of(oci, "effective"), want);
	assert_string_equal(caps_of(oci, "permitted"), want);
	assert_null(jpath(oci, "process.capabilities.inheritable"));
	assert_null(jpath(oci, "process.capabilities.ambient"));
	json_decref(oci);
	set_fail(f, "cap-add", "CAP_FLY", "--cap-add: unknown capability \"CAP_FLY\"");
	set_fail(f, "cap-drop", "", "--cap-drop: unknown capability");
}

static void test_caps_drop_all(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "cap-drop", "ALL");
	set_ok(f, "cap-add", "CHOWN");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(caps_of(oci, "bounding"), "[\"CAP_CHOWN\"]");
	assert_string_equal(caps_of(oci, "effective"), "[\"CAP_CHOWN\"]");
	json_decref(oci);

	_cleanup_eng_flags_ struct eng_flags *g = eng_flags_new();
	set_ok(g, "cap-drop", "all");
	oci = base_spec();
	apply_ok(g, oci);
	assert_string_equal(caps_of(oci, "permitted"), "[]");
	json_decref(oci);

	/* add beats drop for the same capability, like Docker */
	_cleanup_eng_flags_ struct eng_flags *h = eng_flags_new();
	set_ok(h, "cap-drop", "KILL");
	set_ok(h, "cap-add", "KILL");
	oci = base_spec();
	apply_ok(h, oci);
	assert_true(jarr_has(jpath(oci, "process.capabilities.bounding"), "CAP_KILL"));
	json_decref(oci);
}

static void test_caps_add_all(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "cap-add", "ALL");
	set_ok(f, "cap-drop", "SYS_ADMIN");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	json_t *b = jpath(oci, "process.capabilities.bounding");
	assert_true(jarr_has(b, "CAP_SYS_MODULE"));
	assert_true(jarr_has(b, "CAP_CHOWN"));
	assert_false(jarr_has(b, "CAP_SYS_ADMIN"));
	assert_true(json_array_size(b) >= 37);
	json_decref(oci);
}

static void test_privileged(void **state)
{
	(void)state;
	struct eng_flags *f;
	json_t *oci = apply_one("privileged", NULL, &f);
	json_t *b = jpath(oci, "process.capabilities.bounding");
	assert_true(jarr_has(b, "CAP_SYS_ADMIN"));
	assert_true(jarr_has(b, "CAP_NET_RAW"));
	assert_true(json_equal(b, jpath(oci, "process.capabilities.effective")));
	assert_null(jpath(oci, "linux.seccomp"));
	assert_null(jpath(oci, "linux.maskedPaths"));
	assert_null(jpath(oci, "linux.readonlyPaths"));
	assert_string_equal(jtext(jpath(oci, "linux.resources.devices")),
			    "[{\"access\":\"rwm\",\"allow\":true}]");
	int sys = mount_index(oci, "/sys"), cg = mount_index(oci, "/sys/fs/cgroup");
	assert_true(sys >= 0 && cg >= 0);
	assert_false(jarr_has(
		json_object_get(json_array_get(jpath(oci, "mounts"), (size_t)sys), "options"),
		"ro"));
	assert_false(jarr_has(
		json_object_get(json_array_get(jpath(oci, "mounts"), (size_t)cg), "options"),
		"ro"));
	/* other settings are kept */
	assert_true(json_is_true(jpath(oci, "process.noNewPrivileges")));
	assert_true(json_is_true(jpath(oci, "root.readonly")));
	json_decref(oci);
	/* an explicit drop and mask still narrow it */
	set_ok(f, "cap-drop", "SYS_MODULE");
	set_ok(f, "security-opt", "mask=/proc/kcore");
	oci = base_spec();
	apply_ok(f, oci);
	assert_false(jarr_has(jpath(oci, "process.capabilities.bounding"), "CAP_SYS_MODULE"));
	assert_string_equal(jtext(jpath(oci, "linux.maskedPaths")), "[\"/proc/kcore\"]");
	json_decref(oci);
	eng_flags_free(f);
}

static void test_device(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat("/dev/null", &st), 0);
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "device", "/dev/null");
	set_ok(f, "device", "/dev/zero:/dev/myzero:r");
	set_ok(f, "device", "/dev/full:rw");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	char want[512];
	snprintf(want, sizeof(want),
		 "{\"fileMode\":%u,\"gid\":0,\"major\":%u,\"minor\":%u,\"path\":\"/dev/null\","
		 "\"type\":\"c\",\"uid\":0}",
		 (unsigned)(st.st_mode & 07777), major(st.st_rdev), minor(st.st_rdev));
	assert_string_equal(jtext(jpath(oci, "linux.devices[0]")), want);
	assert_string_equal(jtext(jpath(oci, "linux.devices[1].path")), "\"/dev/myzero\"");
	assert_string_equal(jtext(jpath(oci, "linux.devices[2].path")), "\"/dev/full\"");
	/* the default deny rule first, then one allow rule per device */
	snprintf(want, sizeof(want),
		 "{\"access\":\"rwm\",\"allow\":true,\"major\":%u,"
		 "\"minor\":%u,\"type\":\"c\"}",
		 major(st.st_rdev), minor(st.st_rdev));
	assert_string_equal(jtext(jpath(oci, "linux.resources.devices[1]")), want);
	assert_string_equal(jtext(jpath(oci, "linux.resources.devices[2].access")), "\"r\"");
	assert_string_equal(jtext(jpath(oci, "linux.resources.devices[3].access")), "\"rw\"");
	assert_false(json_is_true(jpath(oci, "linux.resources.devices[0].allow")));
	json_decref(oci);
	set_fail(f, "device", "/dev/no-such-device", "--device: /dev/no-such-device: No such file");
	set_fail(f, "device", "/etc/hostname", "--device: /etc/hostname is not a device node");
	set_fail(f, "device", "/dev", "is not a device node");
	set_fail(f, "device", "dev/null", "is not an absolute host path");
	set_fail(f, "device", "/dev/null:/x:rwx", "invalid permissions \"rwx\"");
	set_fail(f, "device", "/dev/null:/x:rr", "invalid permissions");
	set_fail(f, "device", "/dev/null:x", "is not an absolute container path");
	set_fail(f, "device", "/dev/null:/x:r:w", "too many");
}

static void test_sysctl(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "sysctl", "net.ipv4.ip_forward=1");
	set_ok(f, "sysctl", "kernel.shmmax=1000000");
	set_ok(f, "sysctl", "fs/mqueue/msg_max=20");
	set_ok(f, "sysctl", "kernel.shmmax=2000000");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(jtext(jpath(oci, "linux.sysctl")),
			    "{\"fs.mqueue.msg_max\":\"20\",\"kernel.shmmax\":\"2000000\","
			    "\"net.ipv4.ip_forward\":\"1\"}");
	/* net.* needs a private network namespace */
	json_t *ns = jpath(oci, "linux.namespaces[1]");
	json_object_set_new(ns, "path", json_string("/proc/1/ns/net"));
	json_object_del(jpath(oci, "linux"), "sysctl");
	apply_fail(f, oci, "--sysctl net.ipv4.ip_forward: needs a private network namespace");
	json_decref(oci);
	set_fail(f, "sysctl", "kernel.hostname=x", "--sysctl: kernel.hostname is not namespaced");
	set_fail(f, "sysctl", "vm.swappiness=1", "is not namespaced");
	set_fail(f, "sysctl", "kernel.shmmax", "is not KEY=VALUE");
	set_fail(f, "sysctl", "kernel.shmmax=", "is not KEY=VALUE");
	set_fail(f, "sysctl", "net..x=1", "is not a sysctl name");
	set_fail(f, "sysctl", "net.x y=1", "is not a sysctl name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulimit),        cmocka_unit_test(test_caps),
		cmocka_unit_test(test_caps_drop_all), cmocka_unit_test(test_caps_add_all),
		cmocka_unit_test(test_privileged),    cmocka_unit_test(test_device),
		cmocka_unit_test(test_sysctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
