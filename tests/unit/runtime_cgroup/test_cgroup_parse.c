/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/cgroup: parsing of linux.cgroupsPath and linux.resources, and the
 * error messages that name the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "runtime/cgroup/cgroup-internal.h"

static json_t *js(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	return j;
}

/* Parse {"linux": ...}'s linux object; returns the error code. */
static int parse_linux(const char *linux_text, bool systemd, struct rt_cgroup_cfg **cfg,
		       struct brig_err *e)
{
	_cleanup_json_ json_t *lx = js(linux_text);
	struct bj_loc root, at;
	bj_root(&root, "config.json");
	bj_key(&at, &root, "linux");
	return rt_cgroup_cfg_parse(lx, &at, "c1", systemd, cfg, e);
}

/* Expect a parse failure whose message is exactly msg. */
static void expect_error(const char *linux_text, const char *msg)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cgroup_cfg *cfg = NULL;
	int r = parse_linux(linux_text, false, &cfg, &e);
	if (r >= 0)
		fail_msg("accepted: %s", linux_text);
	assert_null(cfg);
	assert_string_equal(brig_err_str(&e), msg);
}

/* Expect a parse failure whose message contains part. */
static void expect_error_has(const char *linux_text, const char *part)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cgroup_cfg *cfg = NULL;
	int r = parse_linux(linux_text, false, &cfg, &e);
	if (r >= 0)
		fail_msg("accepted: %s", linux_text);
	if (!strstr(brig_err_str(&e), part))
		fail_msg("message '%s' lacks '%s'", brig_err_str(&e), part);
}

static void test_full_config(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_(rt_cgroup_cfg_freep) struct rt_cgroup_cfg *cfg = NULL;
	int r = parse_linux(
		"{\"cgroupsPath\": \"/my/ctr\", \"resources\": {"
		" \"memory\": {\"limit\": 536870912, \"reservation\": 268435456,"
		"   \"swap\": 1073741824, \"swappiness\": 10, \"disableOOMKiller\": true,"
		"   \"useHierarchy\": true, \"checkBeforeUpdate\": true},"
		" \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"burst\": 10000,"
		"   \"period\": 100000, \"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000,"
		"   \"cpus\": \"0-1\", \"mems\": \"0\", \"idle\": 1},"
		" \"pids\": {\"limit\": 42},"
		" \"blockIO\": {\"weight\": 500, \"leafWeight\": 300,"
		"   \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 600}],"
		"   \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 600}],"
		"   \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 300}]},"
		" \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}],"
		" \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 5}]},"
		" \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}},"
		" \"unified\": {\"memory.high\": \"1000000\"},"
		" \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
		"   {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"}],"
		" \"futureThing\": {\"ignored\": true}}}",
		false, &cfg, &e);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_string_equal(rt_cgroup_cfg_path(cfg), "/my/ctr");
	const struct rt_cgroup_resources *res = rt_cgroup_cfg_resources(cfg);
	assert_true(res->mem.limit.set);
	assert_int_equal(res->mem.limit.v, 536870912);
	assert_int_equal(res->mem.swap.v, 1073741824);
	assert_int_equal(res->mem.swappiness.v, 10);
	assert_true(res->mem.disable_oom.set && res->mem.disable_oom.v);
	assert_true(res->mem.check_before_update);
	assert_int_equal(res->cpu.shares.v, 1024);
	assert_int_equal(res->cpu.quota.v, 50000);
	assert_int_equal(res->cpu.burst.v, 10000);
	assert_string_equal(res->cpu.cpus, "0-1");
	assert_int_equal(res->cpu.idle.v, 1);
	assert_int_equal(res->pids_limit.v, 42);
	assert_int_equal(res->blkio.weight.v, 500);
	assert_int_equal(res->blkio.n_wdev, 1);
	assert_int_equal(res->blkio.wdev[0].weight.v, 600);
	assert_false(res->blkio.wdev[0].leaf_weight.set);
	assert_int_equal(res->blkio.n_thr[RT_CG_THR_RBPS], 1);
	assert_int_equal(res->blkio.thr[RT_CG_THR_RBPS][0].rate, 600);
	assert_int_equal(res->blkio.n_thr[RT_CG_THR_WIOPS], 1);
	assert_int_equal(res->blkio.thr[RT_CG_THR_WIOPS][0].minor, 16);
	assert_int_equal(res->blkio.n_thr[RT_CG_THR_WBPS], 0);
	assert_int_equal(res->n_huge, 1);
	assert_string_equal(res->huge[0].size, "2MB");
	assert_int_equal(res->net.classid.v, 1048577);
	assert_string_equal(res->net.prio[0].iface, "eth0");
	assert_int_equal(res->n_rdma, 1);
	assert_int_equal(res->rdma[0].objects.v, 10000);
	assert_int_equal(res->n_unified, 1);
	assert_string_equal(res->unified[0].val, "1000000");
	assert_true(res->devices_set);
	assert_int_equal(res->n_dev, 2);
	assert_true(res->dev[1].allow);
	assert_int_equal(res->dev[1].type, 'c');
	assert_int_equal(res->dev[1].access, RT_CG_ACC_READ | RT_CG_ACC_WRITE);
	assert_int_equal(res->dev[0].major, -1);
	uint32_t m = rt_cg_res_controllers(res);
	uint32_t want = RT_CG_BIT(RT_CG_MEMORY) | RT_CG_BIT(RT_CG_CPU) | RT_CG_BIT(RT_CG_CPUSET) |
		RT_CG_BIT(RT_CG_PIDS) | RT_CG_BIT(RT_CG_BLKIO) | RT_CG_BIT(RT_CG_HUGETLB) |
		RT_CG_BIT(RT_CG_NET_CLS) | RT_CG_BIT(RT_CG_NET_PRIO) | RT_CG_BIT(RT_CG_RDMA);
	assert_int_equal(m, want);
	assert_int_equal(rt_cg_unified_controllers(res), RT_CG_BIT(RT_CG_MEMORY));
}

static void test_defaults(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_(rt_cgroup_cfg_freep) struct rt_cgroup_cfg *cfg = NULL;
	struct bj_loc at;
	bj_root(&at, "config.json");
	assert_int_equal(rt_cgroup_cfg_parse(NULL, &at, "abc", false, &cfg, &e), 0);
	assert_string_equal(rt_cgroup_cfg_path(cfg), "brig/abc");
	const struct rt_cgroup_resources *res = rt_cgroup_cfg_resources(cfg);
	assert_non_null(res);
	assert_false(res->devices_set);
	assert_int_equal(rt_cg_res_controllers(res), 0);
	rt_cgroup_cfg_free(cfg);
	cfg = NULL;
	/* null members are absent members; 0 limits are "not set" as in runc */
	assert_int_equal(parse_linux("{\"cgroupsPath\": null, \"resources\": {"
				     "\"memory\": {\"limit\": 0, \"swap\": null},"
				     "\"blockIO\": {\"weight\": 0}, \"pids\": {\"limit\": 0}}}",
				     false, &cfg, &e),
			 0);
	assert_string_equal(rt_cgroup_cfg_path(cfg), "brig/c1");
	assert_false(rt_cgroup_cfg_resources(cfg)->mem.limit.set);
	assert_false(rt_cgroup_cfg_resources(cfg)->mem.swap.set);
	assert_false(rt_cgroup_cfg_resources(cfg)->blkio.weight.set);
	assert_false(rt_cgroup_cfg_resources(cfg)->pids_limit.set);
	assert_int_equal(rt_cg_res_controllers(rt_cgroup_cfg_resources(cfg)), 0);
}

static void test_type_errors(void **state)
{
	(void)state;
	expect_error("{\"resources\": {\"memory\": {\"limit\": \"1g\"}}}",
		     "config.json: linux.resources.memory.limit: expected an integer, got string");
	expect_error("{\"resources\": {\"memory\": {\"limit\": -2}}}",
		     "config.json: linux.resources.memory.limit: -2 is out of range "
		     "[-1, 9223372036854775807]");
	expect_error(
		"{\"resources\": {\"memory\": {\"swappiness\": 101}}}",
		"config.json: linux.resources.memory.swappiness: 101 is out of range [0, 100]");
	expect_error("{\"resources\": {\"cpu\": {\"shares\": true}}}",
		     "config.json: linux.resources.cpu.shares: expected an integer, got boolean");
	expect_error("{\"resources\": {\"pids\": {}}}",
		     "config.json: linux.resources.pids.limit: missing (expected an integer)");
	expect_error("{\"resources\": []}",
		     "config.json: linux.resources: expected an object, got array");
	expect_error("{\"cgroupsPath\": 7}",
		     "config.json: linux.cgroupsPath: expected a string, got integer");
	expect_error("{\"resources\": {\"blockIO\": {\"weight\": 5}}}",
		     "config.json: linux.resources.blockIO.weight: 5 is out of range [10, 1000]");
	expect_error(
		"{\"resources\": {\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}}}",
		"config.json: linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight");
	expect_error(
		"{\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0}]}}}",
		"config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: "
		"missing (expected an integer)");
	expect_error(
		"{\"resources\": {\"cpu\": {\"cpus\": \"0-3\\nx\"}}}",
		"config.json: linux.resources.cpu.cpus: '0-3 x' is not a list such as \"0-3,7\"");
	expect_error("{\"resources\": {\"cpu\": {\"idle\": 2}}}",
		     "config.json: linux.resources.cpu.idle: 2 is out of range [0, 1]");
	expect_error(
		"{\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2mb\", \"limit\": 1}]}}",
		"config.json: linux.resources.hugepageLimits[0].pageSize: '2mb' is not a size "
		"such as \"2MB\"");
	expect_error("{\"resources\": {\"rdma\": {\"mlx\": {}}}}",
		     "config.json: linux.resources.rdma.mlx: needs hcaHandles or hcaObjects");
	expect_error(
		"{\"resources\": {\"network\": {\"priorities\": [{\"name\": \"a b\", \"priority\": 1}]}}}",
		"config.json: linux.resources.network.priorities[0].name: 'a b' is not an "
		"interface name");
}

static void test_cross_field_errors(void **state)
{
	(void)state;
	expect_error("{\"resources\": {\"memory\": {\"limit\": 1000, \"swap\": 500}}}",
		     "config.json: linux.resources.memory.swap: 500 is below the memory limit "
		     "1000 (swap is memory+swap)");
	expect_error_has("{\"resources\": {\"memory\": {\"limit\": -1, \"swap\": 500}}}",
			 "memory is unlimited");
	expect_error("{\"resources\": {\"cpu\": {\"quota\": 1000, \"burst\": 2000}}}",
		     "config.json: linux.resources.cpu.burst: 2000 is larger than quota 1000");
}

static void test_paths(void **state)
{
	(void)state;
	expect_error("{\"cgroupsPath\": \"a/../b\"}",
		     "config.json: linux.cgroupsPath: 'a/../b' has a '.' or '..' component");
	expect_error("{\"cgroupsPath\": \"..\"}",
		     "config.json: linux.cgroupsPath: '..' has a '.' or '..' component");
	expect_error("{\"cgroupsPath\": \"a//b\"}",
		     "config.json: linux.cgroupsPath: 'a//b' has an empty component");
	expect_error("{\"cgroupsPath\": \"a/\"}",
		     "config.json: linux.cgroupsPath: 'a/' has an empty component");
	expect_error("{\"cgroupsPath\": \"\"}", "config.json: linux.cgroupsPath: empty path");
	expect_error_has("{\"cgroupsPath\": \"/\"}", "linux.cgroupsPath: '/' would be the root");
	char buf[RT_CG_PATH_MAX + 64];
	int n = snprintf(buf, sizeof(buf), "{\"cgroupsPath\": \"");
	for (int i = 0; i < RT_CG_PATH_MAX / 2 + 1; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "a/");
	(void)snprintf(buf + n, sizeof(buf) - (size_t)n, "b\"}");
	expect_error_has(buf, "linux.cgroupsPath: longer than 1024 characters");
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_(rt_cgroup_cfg_freep) struct rt_cgroup_cfg *cfg = NULL;
	assert_int_equal(parse_linux("{\"cgroupsPath\": \"x/y.z\"}", false, &cfg, &e), 0);
	assert_string_equal(rt_cgroup_cfg_path(cfg), "x/y.z");
}

static void check_systemd(const char *spec, const char *want)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *out = NULL;
	struct bj_loc at;
	bj_root(&at, "config.json");
	bj_key(&at, &at, "linux.cgroupsPath");
	int r = rt_cg_systemd_path(spec, "id1", &at, &out, &e);
	if (!want) {
		assert_true(r < 0);
		assert_non_null(strstr(brig_err_str(&e), "linux.cgroupsPath"));
		return;
	}
	if (r < 0)
		fail_msg("%s: %s", spec, brig_err_str(&e));
	assert_string_equal(out, want);
}

static void test_systemd(void **state)
{
	(void)state;
	check_systemd("system.slice:docker:abc", "/system.slice/docker-abc.scope");
	check_systemd("a-b-c.slice:p:n", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
	check_systemd(":brig:n", "/system.slice/brig-n.scope");
	check_systemd("-.slice:p:n", "/p-n.scope");
	check_systemd("machine.slice::x.slice", "/machine.slice/x.slice");
	check_systemd("user.slice::n", "/user.slice/n.scope");
	check_systemd(NULL, "/system.slice/brig-id1.scope");
	check_systemd("nocolons", NULL);
	check_systemd("a:b:c:d", NULL);
	check_systemd("a-.slice:p:n", NULL);
	check_systemd("a--b.slice:p:n", NULL);
	check_systemd("foo:p:n", NULL);
	check_systemd("system.slice:p:../x", NULL);
	/* With --systemd-cgroup the host must run systemd. */
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_(rt_cgroup_cfg_freep) struct rt_cgroup_cfg *cfg = NULL;
	int r = parse_linux("{\"cgroupsPath\": \"system.slice:brig:c1\"}", true, &cfg, &e);
	if (access("/run/systemd/system", F_OK) == 0) {
		assert_int_equal(r, 0);
		assert_string_equal(rt_cgroup_cfg_path(cfg), "/system.slice/brig-c1.scope");
	} else {
		assert_true(r < 0);
		assert_non_null(strstr(brig_err_str(&e), "systemd is not running"));
		assert_null(strchr(brig_err_str(&e), '\n'));
	}
}

static void test_devices(void **state)
{
	(void)state;
	expect_error("{\"resources\": {\"devices\": [{\"access\": \"rwm\"}]}}",
		     "config.json: linux.resources.devices[0].allow: missing (expected a boolean)");
	expect_error("{\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"x\"}]}}",
		     "config.json: linux.resources.devices[0].type: 'x' is not one of a, b, c");
	expect_error("{\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}",
		     "config.json: linux.resources.devices[0].access: 'rwx' is not a combination "
		     "of r, w, m");
	expect_error("{\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rr\"}]}}",
		     "config.json: linux.resources.devices[0].access: 'rr' is not a combination "
		     "of r, w, m");
	expect_error("{\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"\"}]}}",
		     "config.json: linux.resources.devices[0].access: '' is not a combination "
		     "of r, w, m");
	expect_error("{\"resources\": {\"devices\": [{\"allow\": true, \"major\": -5}]}}",
		     "config.json: linux.resources.devices[0].major: -5 is out of range "
		     "[-1, 4294967295]");
	expect_error("{\"resources\": {\"devices\": {}}}",
		     "config.json: linux.resources.devices: expected an array, got object");
}

static void test_effective_devices(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_(rt_cgroup_cfg_freep) struct rt_cgroup_cfg *cfg = NULL;
	assert_int_equal(
		parse_linux("{\"resources\": {\"devices\": ["
			    "{\"allow\": true, \"type\": \"c\", \"major\": 4, \"access\": \"r\"},"
			    "{\"allow\": false, \"access\": \"rwm\"},"
			    "{\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 7}]}}",
			    false, &cfg, &e),
		0);
	_cleanup_free_ struct rt_cg_devrule *v = NULL;
	size_t n = 0;
	assert_int_equal(rt_cg_dev_effective(rt_cgroup_cfg_resources(cfg), &v, &n, &e), 0);
	/* deny all, c *:* m, b *:* m, the 9 default devices, then the rules
	 * after the last deny-all */
	assert_int_equal(n, 1 + 11 + 1);
	assert_false(v[0].allow);
	assert_int_equal(v[0].type, 'a');
	assert_int_equal(v[0].access, RT_CG_ACC_ALL);
	bool null_allowed = false;
	for (size_t i = 1; i < 12; i++)
		if (v[i].allow && v[i].type == 'c' && v[i].major == 1 && v[i].minor == 3)
			null_allowed = true;
	assert_true(null_allowed);
	/* the mknod-only rules allow nothing else */
	for (size_t i = 1; i < 12; i++)
		if (v[i].major < 0 && v[i].minor < 0)
			assert_int_equal(v[i].access, RT_CG_ACC_MKNOD);
	assert_false(v[12].allow);
	assert_int_equal(v[12].major, 1);
	assert_int_equal(v[12].minor, 7);
	assert_int_equal(v[12].access, RT_CG_ACC_ALL);
}

static void test_unified_keys(void **state)
{
	(void)state;
	expect_error(
		"{\"resources\": {\"unified\": {\"../x\": \"1\"}}}",
		"config.json: linux.resources.unified.../x: not a cgroup file name that may be set");
	expect_error_has("{\"resources\": {\"unified\": {\"a/b.c\": \"1\"}}}",
			 "not a cgroup file name that may be set");
	expect_error_has("{\"resources\": {\"unified\": {\"memory..high\": \"1\"}}}",
			 "not a cgroup file name that may be set");
	expect_error_has("{\"resources\": {\"unified\": {\"cgroup.procs\": \"1\"}}}",
			 "not a cgroup file name that may be set");
	expect_error_has("{\"resources\": {\"unified\": {\"\": \"1\"}}}",
			 "not a cgroup file name that may be set");
	expect_error(
		"{\"resources\": {\"unified\": {\"memory.high\": 1}}}",
		"config.json: linux.resources.unified.memory.high: expected a string, got integer");
}

static void test_resources_parse_standalone(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *j = js(
		"{\"pids\": {\"limit\": -1}, \"memory\": {\"kernel\": 1000}}");
	struct bj_loc at;
	bj_root(&at, "update.json");
	_cleanup_(rt_cgroup_resources_freep) struct rt_cgroup_resources *r = NULL;
	assert_int_equal(rt_cgroup_resources_parse(j, &at, &r, &e), 0);
	assert_true(r->pids_limit.set);
	assert_int_equal(r->pids_limit.v, -1);
	assert_true(r->mem.kernel.set);
	/* kernel memory is accepted but needs no controller */
	assert_int_equal(rt_cg_res_controllers(r), RT_CG_BIT(RT_CG_PIDS));
	_cleanup_json_ json_t *bad = js("{\"memory\": {\"limit\": \"x\"}}");
	struct rt_cgroup_resources *r2 = NULL;
	assert_true(rt_cgroup_resources_parse(bad, &at, &r2, &e) < 0);
	assert_null(r2);
	assert_string_equal(brig_err_str(&e),
			    "update.json: memory.limit: expected an integer, got string");
}

static void test_weights(void **state)
{
	(void)state;
	/* cpu.weight = 1 + ((shares - 2) * 9999) / 262142 */
	assert_int_equal(rt_cgroup_shares_to_weight(2), 1);
	assert_int_equal(rt_cgroup_shares_to_weight(1024), 39);
	assert_int_equal(rt_cgroup_shares_to_weight(512), 20);
	assert_int_equal(rt_cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(rt_cgroup_shares_to_weight(1), 1);
	assert_int_equal(rt_cgroup_shares_to_weight(0), 0);
	for (uint64_t s = 2; s <= 262144; s += 997)
		assert_int_equal(rt_cgroup_shares_to_weight(s), 1 + ((s - 2) * 9999) / 262142);
	assert_int_equal(rt_cgroup_blkio_to_io_weight(10), 1);
	assert_int_equal(rt_cgroup_blkio_to_io_weight(1000), 10000);
	assert_int_equal(rt_cgroup_blkio_to_io_weight(500), 4950);
}

static void test_pagesize(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(rt_cg_pagesize_bytes("2MB", &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(rt_cg_pagesize_bytes("1GB", &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(rt_cg_pagesize_bytes("64KB", &v), 0);
	assert_int_equal(v, 64u << 10);
	assert_true(rt_cg_pagesize_bytes("2M", &v) < 0);
	assert_true(rt_cg_pagesize_bytes("MB", &v) < 0);
	assert_true(rt_cg_pagesize_bytes("02MB", &v) < 0);
	assert_true(rt_cg_pagesize_bytes("2MB/..", &v) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_cross_field_errors),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_systemd),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_effective_devices),
		cmocka_unit_test(test_unified_keys),
		cmocka_unit_test(test_resources_parse_standalone),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_pagesize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
