/* SPDX-License-Identifier: Apache-2.0 */
/* eng_flags_host_config: Docker's HostConfig names and value conventions. */
#include "helpers.h"

#include <string.h>

static void test_defaults(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	_cleanup_json_ json_t *hc = eng_flags_host_config(f);
	assert_non_null(hc);
	assert_string_equal(
		jtext(hc),
		"{\"Binds\":[],\"BlkioWeight\":0,\"CapAdd\":null,\"CapDrop\":null,"
		"\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuShares\":0,\"CpusetCpus\":\"\","
		"\"CpusetMems\":\"\",\"Devices\":[],\"GroupAdd\":null,\"Memory\":0,"
		"\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":null,"
		"\"Mounts\":[],\"NanoCpus\":0,\"OomKillDisable\":false,\"OomScoreAdj\":0,"
		"\"PidsLimit\":null,\"Privileged\":false,\"ReadonlyRootfs\":true,"
		"\"SecurityOpt\":null,\"ShmSize\":67108864,\"Sysctls\":{},\"Tmpfs\":{},"
		"\"Ulimits\":null}");
}

static void test_values(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "memory", "256m");
	set_ok(f, "memory-reservation", "128m");
	set_ok(f, "cpus", "0.5");
	set_ok(f, "cpu-shares", "512");
	set_ok(f, "cpuset-cpus", "0");
	set_ok(f, "pids-limit", "-1");
	set_ok(f, "blkio-weight", "500");
	set_ok(f, "oom-kill-disable", NULL);
	set_ok(f, "oom-score-adj", "100");
	set_ok(f, "ulimit", "nofile=100:200");
	set_ok(f, "ulimit", "core=unlimited");
	set_ok(f, "cap-add", "net_admin");
	set_ok(f, "cap-drop", "all");
	set_ok(f, "device", "/dev/null:/dev/n:r");
	set_ok(f, "sysctl", "net.core.somaxconn=1024");
	set_ok(f, "tmpfs", "/run/x:size=1m");
	set_ok(f, "tmpfs", "/y");
	set_ok(f, "volume", "/srv:/srv:ro");
	set_ok(f, "volume", "vol:/v");
	set_ok(f, "mount", "type=tmpfs,dst=/t,tmpfs-size=2k,tmpfs-mode=1777");
	set_ok(f, "mount", "type=bind,src=/tmp,dst=/b,ro");
	set_ok(f, "mount", "type=volume,src=data,dst=/d,volume-nocopy");
	set_ok(f, "security-opt", "no-new-privileges=false");
	set_ok(f, "read-write", NULL);
	set_ok(f, "group-add", "audio");
	set_ok(f, "shm-size", "1g");
	set_ok(f, "privileged", "false");
	_cleanup_json_ json_t *hc = eng_flags_host_config(f);
	assert_non_null(hc);
	assert_string_equal(
		jtext(hc),
		"{\"Binds\":[\"/srv:/srv:ro\",\"vol:/v\"],\"BlkioWeight\":500,"
		"\"CapAdd\":[\"CAP_NET_ADMIN\"],\"CapDrop\":[\"ALL\"],\"CpuPeriod\":0,"
		"\"CpuQuota\":0,\"CpuShares\":512,\"CpusetCpus\":\"0\",\"CpusetMems\":\"\","
		"\"Devices\":[{\"CgroupPermissions\":\"r\",\"PathInContainer\":\"/dev/n\","
		"\"PathOnHost\":\"/dev/null\"}],\"GroupAdd\":[\"audio\"],\"Memory\":268435456,"
		"\"MemoryReservation\":134217728,\"MemorySwap\":268435456,"
		"\"MemorySwappiness\":null,\"Mounts\":["
		"{\"ReadOnly\":false,\"Source\":\"\",\"Target\":\"/t\",\"TmpfsOptions\":"
		"{\"Mode\":1023,\"SizeBytes\":2048},\"Type\":\"tmpfs\"},"
		"{\"BindOptions\":{\"Propagation\":\"rprivate\"},\"ReadOnly\":true,"
		"\"Source\":\"/tmp\",\"Target\":\"/b\",\"Type\":\"bind\"},"
		"{\"ReadOnly\":false,\"Source\":\"data\",\"Target\":\"/d\",\"Type\":\"volume\","
		"\"VolumeOptions\":{\"NoCopy\":true}}],"
		"\"NanoCpus\":500000000,\"OomKillDisable\":true,\"OomScoreAdj\":100,"
		"\"PidsLimit\":-1,\"Privileged\":false,\"ReadonlyRootfs\":false,"
		"\"SecurityOpt\":[\"no-new-privileges=false\"],\"ShmSize\":1073741824,"
		"\"Sysctls\":{\"net.core.somaxconn\":\"1024\"},"
		"\"Tmpfs\":{\"/run/x\":\"size=1m\",\"/y\":\"\"},"
		"\"Ulimits\":[{\"Hard\":200,\"Name\":\"nofile\",\"Soft\":100},"
		"{\"Hard\":-1,\"Name\":\"core\",\"Soft\":-1}]}");
}

static void test_swap_given(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "memory", "256m");
	set_ok(f, "memory-swap", "-1");
	_cleanup_json_ json_t *hc = eng_flags_host_config(f);
	assert_int_equal(json_integer_value(json_object_get(hc, "MemorySwap")), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_swap_given),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
