/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/cgroup: layout discovery on fake v1, v2 and hybrid hosts, and the
 * per-hierarchy paths built from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "runtime/cgroup/cgroup-internal.h"

static const char v2_mountinfo[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";
static const char v2_cgroup[] = "0::/user.slice/user-1000.slice/session-3.scope\n";

static const char v1_mountinfo[] =
	/* a bind mount seen before the standard one loses to it */
	"30 27 0:32 /other /mnt/pids rw - cgroup cgroup rw,pids\n"
	"31 23 0:28 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/systemd rw shared:9 - cgroup cgroup rw,xattr,name=systemd\n"
	"33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw shared:10 - cgroup cgroup rw,cpu,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/memory rw shared:11 - cgroup cgroup rw,memory\n"
	"35 31 0:32 / /sys/fs/cgroup/pids rw shared:12 - cgroup cgroup rw,pids\n"
	"36 31 0:33 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
	"37 31 0:34 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
	/* a bind mount of a hierarchy already seen is ignored */
	"38 27 0:31 /docker /mnt/mem rw - cgroup cgroup rw,memory\n";
static const char v1_cgroup[] = "12:pids:/user.slice/user-1000.slice\n"
				"11:memory:/user.slice\n"
				"7:net_cls,net_prio:/\n"
				"6:blkio:/user.slice\n"
				"4:cpu,cpuacct:/user.slice\n"
				"1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n";

static const char hybrid_mountinfo[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_cgroup[] = "9:name=systemd:/\n"
				    "5:devices:/\n"
				    "4:memory:/process_api/e150\n"
				    "2:cpuacct:/\n"
				    "1:cpu:/\n"
				    "0::/\n";

static struct rt_cg_mnt *find_mount(struct rt_cg_layout *l, const char *mnt)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->m[i].mount, mnt) == 0)
			return &l->m[i];
	fail_msg("no mount %s", mnt);
	return NULL;
}

static void test_pure_v2(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	assert_int_equal(rt_cg_layout_parse(v2_mountinfo, v2_cgroup, &l, &e), 0);
	assert_int_equal(l.kind, RT_CGROUP_V2);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.unified, 0);
	assert_true(l.m[0].v2);
	assert_string_equal(l.m[0].mount, "/sys/fs/cgroup");
	assert_string_equal(l.m[0].own, "/user.slice/user-1000.slice/session-3.scope");
	struct rt_cgroup *cg = NULL;
	assert_int_equal(rt_cg_build(&l, "brig/c1", &cg, &e), 0);
	assert_int_equal(cg->n, 1);
	assert_string_equal(cg->h[0].dir,
			    "/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/brig/c1");
	assert_string_equal(rt_cgroup_ns_path(cg), cg->h[0].dir);
	rt_cgroup_free(cg);
	assert_int_equal(rt_cg_build(&l, "/machine/c1", &cg, &e), 0);
	assert_string_equal(cg->h[0].dir, "/sys/fs/cgroup/machine/c1");
	assert_string_equal(cg->h[0].base, "/sys/fs/cgroup");
	rt_cgroup_free(cg);
	rt_cg_layout_clear(&l);
}

static void test_pure_v1(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	assert_int_equal(rt_cg_layout_parse(v1_mountinfo, v1_cgroup, &l, &e), 0);
	assert_int_equal(l.kind, RT_CGROUP_V1);
	assert_int_equal(l.unified, -1);
	assert_int_equal(l.n, 6);
	struct rt_cg_mnt *cpu = find_mount(&l, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(cpu->ctls, RT_CG_BIT(RT_CG_CPU) | RT_CG_BIT(RT_CG_CPUACCT));
	assert_string_equal(cpu->own, "/user.slice");
	struct rt_cg_mnt *pids = find_mount(&l, "/sys/fs/cgroup/pids");
	assert_string_equal(pids->own, "/user.slice/user-1000.slice");
	assert_string_equal(pids->root, "/");
	struct rt_cg_mnt *net = find_mount(&l, "/sys/fs/cgroup/net_cls,net_prio");
	assert_int_equal(net->ctls, RT_CG_BIT(RT_CG_NET_CLS) | RT_CG_BIT(RT_CG_NET_PRIO));
	assert_string_equal(net->own, "/");
	struct rt_cg_mnt *sd = find_mount(&l, "/sys/fs/cgroup/systemd");
	assert_int_equal(sd->ctls, 0);
	assert_string_equal(sd->name, "systemd");
	assert_string_equal(sd->own, "/user.slice/user-1000.slice/session-3.scope");
	struct rt_cg_mnt *blk = find_mount(&l, "/sys/fs/cgroup/blkio");
	assert_int_equal(blk->ctls, RT_CG_BIT(RT_CG_BLKIO));
	struct rt_cgroup *cg = NULL;
	assert_int_equal(rt_cg_build(&l, "brig/x", &cg, &e), 0);
	struct rt_cg_hier *h = rt_cg_v1_find(cg, RT_CG_MEMORY);
	assert_non_null(h);
	assert_string_equal(h->dir, "/sys/fs/cgroup/memory/user.slice/brig/x");
	assert_string_equal(h->base, "/sys/fs/cgroup/memory/user.slice");
	h = rt_cg_v1_find(cg, RT_CG_CPUACCT);
	assert_string_equal(h->dir, "/sys/fs/cgroup/cpu,cpuacct/user.slice/brig/x");
	assert_null(rt_cg_unified(cg));
	assert_null(rt_cg_v1_find(cg, RT_CG_DEVICES));
	rt_cgroup_free(cg);
	rt_cg_layout_clear(&l);
}

static void test_hybrid(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	assert_int_equal(rt_cg_layout_parse(hybrid_mountinfo, hybrid_cgroup, &l, &e), 0);
	assert_int_equal(l.kind, RT_CGROUP_HYBRID);
	assert_true(l.unified >= 0);
	assert_string_equal(l.m[l.unified].mount, "/sys/fs/cgroup/unified");
	assert_string_equal(l.m[l.unified].own, "/");
	assert_string_equal(find_mount(&l, "/sys/fs/cgroup/memory")->own, "/process_api/e150");
	struct rt_cgroup *cg = NULL;
	assert_int_equal(rt_cg_build(&l, "brig/c2", &cg, &e), 0);
	assert_int_equal(cg->n, 6);
	assert_string_equal(rt_cg_unified(cg)->dir, "/sys/fs/cgroup/unified/brig/c2");
	assert_string_equal(rt_cg_v1_find(cg, RT_CG_MEMORY)->dir,
			    "/sys/fs/cgroup/memory/process_api/e150/brig/c2");
	assert_string_equal(rt_cgroup_ns_path(cg), "/sys/fs/cgroup/unified/brig/c2");
	assert_int_equal(rt_cgroup_layout_of(cg), RT_CGROUP_HYBRID);
	rt_cgroup_free(cg);
	rt_cg_layout_clear(&l);
}

static void test_v2_preferred_mount(void **state)
{
	(void)state;
	/* Two cgroup2 mounts: /sys/fs/cgroup wins whatever the order. */
	static const char mi[] = "50 27 0:40 / /run/other rw - cgroup2 cgroup2 rw\n"
				 "31 23 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	assert_int_equal(rt_cg_layout_parse(mi, "0::/a\n", &l, &e), 0);
	assert_int_equal(l.kind, RT_CGROUP_V2);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.m[0].mount, "/sys/fs/cgroup");
	assert_string_equal(l.m[0].own, "/a");
	rt_cg_layout_clear(&l);
}

static void test_escapes_and_root(void **state)
{
	(void)state;
	/* A mount point with a space, and a hierarchy mounted from a sub-cgroup
	 * (container without a cgroup namespace): our path is taken relative to
	 * the mount's root. */
	static const char mi[] =
		"31 23 0:28 /docker/abc /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory\n";
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	assert_int_equal(rt_cg_layout_parse(mi, "4:memory:/docker/abc/sub\n", &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.m[0].mount, "/sys/fs/cgroup/my mem");
	assert_string_equal(l.m[0].root, "/docker/abc");
	assert_string_equal(l.m[0].own, "/sub");
	rt_cg_layout_clear(&l);
	assert_int_equal(rt_cg_layout_parse(mi, "4:memory:/docker/abc\n", &l, &e), 0);
	assert_string_equal(l.m[0].own, "/");
	rt_cg_layout_clear(&l);
	char s[] = "a\\134b\\011c";
	rt_cg_unescape(s);
	assert_string_equal(s, "a\\b\tc");
}

static void test_no_cgroups(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	assert_int_equal(rt_cg_layout_parse("22 27 0:21 / /proc rw - proc proc rw\n"
					    "garbage\n\n1 2 3\n",
					    "", &l, &e),
			 -ENOENT);
	assert_string_equal(brig_err_str(&e), "no cgroup filesystem is mounted");
}

static void test_controller_names(void **state)
{
	(void)state;
	assert_int_equal(rt_cg_ctl_from_name("io", 2), RT_CG_BLKIO);
	assert_int_equal(rt_cg_ctl_from_name("blkio", 5), RT_CG_BLKIO);
	assert_int_equal(rt_cg_ctl_from_name("memory.high", 6), RT_CG_MEMORY);
	assert_int_equal(rt_cg_ctl_from_name("cgroup", 6), -1);
	assert_string_equal(rt_cg_ctl_name(RT_CG_BLKIO, true), "io");
	assert_string_equal(rt_cg_ctl_name(RT_CG_BLKIO, false), "blkio");
	assert_string_equal(rt_cg_ctl_name(RT_CG_NET_PRIO, false), "net_prio");
}

static void test_this_host(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_cg_layout l;
	if (rt_cg_layout_read(&l, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	enum rt_cgroup_layout kind;
	assert_int_equal(rt_cgroup_host_layout(&kind, &e), 0);
	assert_int_equal(kind, l.kind);
	/* Every hierarchy found is really there. */
	for (size_t i = 0; i < l.n; i++) {
		_cleanup_free_ char *p = NULL;
		assert_true(asprintf(&p, "%s/%s", l.m[i].mount, l.m[i].own) > 0);
		assert_int_equal(access(p, F_OK), 0);
	}
	rt_cg_layout_clear(&l);
}

static void test_features(void **state)
{
	(void)state;
	_cleanup_json_ json_t *lx = json_object();
	rt_cgroup_features(lx);
	json_t *c = json_object_get(lx, "cgroup");
	assert_non_null(c);
	assert_true(json_is_true(json_object_get(c, "v1")));
	assert_true(json_is_true(json_object_get(c, "v2")));
	assert_true(json_is_boolean(json_object_get(c, "systemd")));
	assert_true(json_is_boolean(json_object_get(c, "systemdUser")));
	assert_true(json_is_boolean(json_object_get(c, "rdma")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pure_v2),          cmocka_unit_test(test_pure_v1),
		cmocka_unit_test(test_hybrid),           cmocka_unit_test(test_v2_preferred_mount),
		cmocka_unit_test(test_escapes_and_root), cmocka_unit_test(test_no_cgroups),
		cmocka_unit_test(test_controller_names), cmocka_unit_test(test_this_host),
		cmocka_unit_test(test_features),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
