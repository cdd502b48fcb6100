/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/mount: parsing and validation of config.json's filesystem part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "runtime/mount/mount-internal.h"

static struct tbundle B;

static int setup(void **state)
{
	(void)state;
	tb_create(&B);
	tb_write(&B, "afile", "x");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tb_destroy(&B);
	return 0;
}

/* Parse a config whose "mounts" and "linux" members are given. */
static int parse_with(const char *mounts, const char *linux_obj, struct rt_rootfs_cfg **out,
		      struct brig_err *e)
{
	json_t *j = tb_json("{'ociVersion':'1.0.2','root':{'path':'rootfs'},"
			    "'mounts':%s,'linux':%s}",
			    mounts, linux_obj);
	int r = rt_rootfs_parse(j, "config.json", B.dir, out, e);
	json_decref(j);
	return r;
}

static void expect_error(const char *mounts, const char *linux_obj, const char *msg)
{
	struct rt_rootfs_cfg *cfg = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	int r = parse_with(mounts, linux_obj, &cfg, &e);
	if (r == 0)
		fail_msg("accepted, expected \"%s\"", msg);
	assert_int_equal(r, -EINVAL);
	assert_null(cfg);
	if (!strstr(brig_err_str(&e), msg))
		fail_msg("error \"%s\" does not contain \"%s\"", brig_err_str(&e), msg);
}

static void test_root(void **state)
{
	(void)state;
	_cleanup_rootfs_cfg_ struct rt_rootfs_cfg *cfg = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	json_t *j = tb_json("{'root':{'path':'%s/./rootfs','readonly':true}}", B.dir);
	assert_int_equal(rt_rootfs_parse(j, "config.json", "/nonexistent", &cfg, &e), 0);
	json_decref(j);
	assert_string_equal(rt_rootfs_path(cfg), B.rootfs);
	assert_true(cfg->readonly);
	assert_int_equal(cfg->n_mounts, 0);
	assert_int_equal(cfg->root_prop, 0);
	assert_false(rt_rootfs_wants_idmap(cfg));

	const char *bad[][2] = {
		{ "{}", "config.json: root: missing" },
		{ "{'root':{'path':'nope'}}", "config.json: root.path: " },
		{ "{'root':{'path':'afile'}}", "root.path: " },
		{ "{'root':{'path':''}}", "root.path: must not be empty" },
		{ "{'root':{'path':'rootfs','readonly':'yes'}}",
		  "root.readonly: expected a boolean" },
		{ "{'root':{'path':'/'}}", "root.path: the host's / cannot" },
		{ "[]", "expected an object" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
		struct rt_rootfs_cfg *c = NULL;
		brig_err_clear(&e);
		j = tb_json("%s", bad[i][0]);
		assert_int_equal(rt_rootfs_parse(j, "config.json", B.dir, &c, &e), -EINVAL);
		json_decref(j);
		assert_null(c);
		if (!strstr(brig_err_str(&e), bad[i][1]))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i][0], brig_err_str(&e), bad[i][1]);
	}
	/* A file, not a directory. */
	brig_err_clear(&e);
	j = tb_json("{'root':{'path':'afile'}}");
	struct rt_rootfs_cfg *c = NULL;
	assert_int_equal(rt_rootfs_parse(j, "config.json", B.dir, &c, &e), -EINVAL);
	json_decref(j);
	assert_non_null(strstr(brig_err_str(&e), "not a directory"));
}

static void test_mount_fields(void **state)
{
	(void)state;
	expect_error("[{'destination':'/a','type':'tmpfs'},{'destination':'/b','type':'tmpfs'},"
		     "{'destination':'c','type':'tmpfs'}]",
		     "{}", "config.json: mounts[2].destination: must be an absolute path");
	expect_error("[{'type':'tmpfs'}]", "{}", "config.json: mounts[0].destination: missing");
	expect_error("[{'destination':'/x','options':['bind']}]", "{}",
		     "mounts[0].source: missing (required for bind mounts)");
	expect_error("[{'destination':'/x','source':'x'}]", "{}", "mounts[0].type: missing");
	expect_error("[{'destination':'/x','type':'tmpfs','options':['ro',3]}]", "{}",
		     "mounts[0].options[1]: expected a string, got integer");
	expect_error("[{'destination':'/x','type':'tmp/fs'}]", "{}",
		     "mounts[0].type: \"tmp/fs\" is not a file system type");
	expect_error("[{'destination':'/..','type':'tmpfs'}]", "{}",
		     "mounts[0].destination: cannot mount over the container's root");
	expect_error("{}", "{}", "config.json: mounts: expected an array, got object");
	expect_error("[{'destination':'/proc/sys/x','type':'tmpfs'}]", "{}",
		     "mounts[0].destination: /proc/sys/x: mounting beneath /proc is not allowed");
	expect_error("[{'destination':'/x/../proc/../proc/kcore','type':'tmpfs'}]", "{}",
		     "/proc/kcore: mounting beneath /proc");
	expect_error("[{'destination':'/proc','type':'tmpfs'}]", "{}",
		     "mounts[0].destination: only a proc file system can be mounted on /proc");
	expect_error("[{'destination':'/x','type':'tmpfs','options':['rro']}]", "{}",
		     "mounts[0].options: recursive mount options need a bind mount");
	expect_error("[{'destination':'/x','type':'tmpfs','options':['']}]", "{}",
		     "mounts[0].options[0]: empty mount option");
}

static void test_options(void **state)
{
	(void)state;
	_cleanup_rootfs_cfg_ struct rt_rootfs_cfg *cfg = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	int r = parse_with(
		"[{'destination':'/d//x/.','source':'src','type':'none',"
		"'options':['rbind','ro','nosuid','rw','noatime','relatime','rprivate',"
		"'rro','rnoatime','mode=755','size=1k','tmpcopyup','nodev','dev']},"
		"{'destination':'/proc/cpuinfo','source':'/x','type':'bind'},"
		"{'destination':'/t','type':'tmpfs','source':'shm',"
		"'options':['sync','async','mand','nomand','strictatime','shared','exec']}]",
		"{'rootfsPropagation':'rshared','maskedPaths':['/proc/kcore','/a/../b'],"
		"'readonlyPaths':['/proc/sys'],'mountLabel':'system_u:object_r:x:s0'}",
		&cfg, &e);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_int_equal(cfg->n_mounts, 3);
	const struct rt_mount *m = &cfg->mounts[0];
	assert_string_equal(m->dest, "/d/x");
	char want[PATH_MAX + 8];
	snprintf(want, sizeof(want), "%s/src", B.dir);
	assert_string_equal(m->source, want);
	assert_int_equal(m->flags, MS_BIND | MS_REC | MS_NOSUID | MS_RELATIME);
	assert_int_equal(m->clear, MS_RDONLY | MS_NODEV);
	assert_int_equal(m->prop, MS_PRIVATE | MS_REC);
	assert_int_equal(m->rattr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME);
	assert_int_equal(m->rattr_clr, MOUNT_ATTR__ATIME);
	assert_string_equal(m->data, "mode=755,size=1k");
	assert_false(m->idmap);
	assert_int_equal(m->idmap_fd, -1);

	m = &cfg->mounts[1]; /* type "bind" means a bind mount */
	assert_int_equal(m->flags, MS_BIND);
	assert_string_equal(m->source, "/x");
	assert_null(m->data);

	m = &cfg->mounts[2];
	assert_string_equal(m->source, "shm");
	assert_int_equal(m->flags, MS_STRICTATIME);
	assert_int_equal(m->clear, MS_SYNCHRONOUS | MS_MANDLOCK | MS_NOEXEC);
	assert_int_equal(m->prop, MS_SHARED);

	assert_int_equal(cfg->root_prop, MS_SHARED | MS_REC);
	assert_string_equal(cfg->masked[0], "/proc/kcore");
	assert_string_equal(cfg->masked[1], "/b");
	assert_null(cfg->masked[2]);
	assert_string_equal(cfg->ro_paths[0], "/proc/sys");
	assert_string_equal(cfg->mount_label, "system_u:object_r:x:s0");
}

static void test_linux_fields(void **state)
{
	(void)state;
	expect_error("[]", "{'rootfsPropagation':'sideways'}",
		     "config.json: linux.rootfsPropagation: \"sideways\" is not one of");
	expect_error("[]", "{'maskedPaths':['/ok','relative']}",
		     "config.json: linux.maskedPaths[1]: must be an absolute path");
	expect_error("[]", "{'readonlyPaths':'/x'}",
		     "linux.readonlyPaths: expected an array, got string");
	expect_error("[]", "{'mountLabel':'a\\'b'}", "linux.mountLabel: not a valid SELinux");
	expect_error("[]", "[]", "config.json: linux: expected an object, got array");
}

static void test_devices(void **state)
{
	(void)state;
	expect_error("[]", "{'devices':[{'type':'x','path':'/dev/x','major':1,'minor':1}]}",
		     "linux.devices[0].type: \"x\" is not one of c, b, u, p");
	expect_error("[]", "{'devices':[{'type':'c','path':'/dev/x','minor':1}]}",
		     "linux.devices[0].major: missing");
	expect_error("[]", "{'devices':[{'type':'c','path':'dev/x','major':1,'minor':1}]}",
		     "linux.devices[0].path: must be an absolute path");
	expect_error("[]", "{'devices':[{'type':'c','path':'/dev/x','major':4096,'minor':1}]}",
		     "linux.devices[0].major: 4096 is out of range");
	expect_error("[]",
		     "{'devices':[{'type':'b','path':'/dev/x','major':1,'minor':1,"
		     "'fileMode':8630}]}",
		     "linux.devices[0].fileMode: file type bits do not match");
	expect_error("[]",
		     "{'devices':[{'type':'c','path':'/dev/x','major':1,'minor':1,"
		     "'uid':-1}]}",
		     "linux.devices[0].uid: -1 is out of range");
	expect_error("[]", "{'devices':{}}", "linux.devices: expected an array");

	_cleanup_rootfs_cfg_ struct rt_rootfs_cfg *cfg = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(parse_with("[]",
				    "{'devices':[{'type':'c','path':'/dev//fuse',"
				    "'major':10,'minor':229,'fileMode':8630,'uid':1,'gid':2},"
				    "{'type':'p','path':'/run/fifo'}]}",
				    &cfg, &e),
			 0);
	assert_int_equal(cfg->n_devices, 2);
	assert_string_equal(cfg->devices[0].path, "/dev/fuse");
	assert_int_equal(cfg->devices[0].type, 'c');
	assert_int_equal(cfg->devices[0].major, 10);
	assert_int_equal(cfg->devices[0].minor, 229);
	assert_int_equal(cfg->devices[0].mode, 0666);
	assert_int_equal(cfg->devices[0].uid, 1);
	assert_int_equal(cfg->devices[0].gid, 2);
	assert_int_equal(cfg->devices[1].type, 'p');
	assert_int_equal(cfg->devices[1].mode, 0666);
}

static void test_idmap_parse(void **state)
{
	(void)state;
	expect_error("[{'destination':'/x','type':'tmpfs','options':['idmap'],"
		     "'uidMappings':[{'containerID':0,'hostID':1,'size':1}],"
		     "'gidMappings':[{'containerID':0,'hostID':1,'size':1}]}]",
		     "{}", "mounts[0].options: idmap is only supported for bind mounts");
	expect_error("[{'destination':'/x','source':'/','options':['bind'],"
		     "'uidMappings':[{'containerID':0,'hostID':1,'size':1}]}]",
		     "{}",
		     "mounts[0].gidMappings: uidMappings and gidMappings must be given together");
	expect_error("[{'destination':'/x','source':'/','options':['bind','idmap']}]", "{}",
		     "idmap needs uidMappings/gidMappings on the mount or a user namespace");
	expect_error("[{'destination':'/x','source':'/','options':['bind'],"
		     "'uidMappings':[{'containerID':0,'hostID':1}],'gidMappings':[]}]",
		     "{}", "mounts[0].uidMappings[0].size: missing");
	expect_error("[{'destination':'/x','source':'/','options':['bind'],"
		     "'uidMappings':[{'containerID':4294967295,'hostID':1,'size':2}],"
		     "'gidMappings':[{'containerID':0,'hostID':1,'size':1}]}]",
		     "{}", "mounts[0].uidMappings[0]: range overflows");

	_cleanup_rootfs_cfg_ struct rt_rootfs_cfg *cfg = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	/* idmap without its own mappings: the container's user namespace. */
	assert_int_equal(
		parse_with("[{'destination':'/x','source':'/','options':['rbind','ridmap']},"
			   "{'destination':'/y','source':'/','options':['rbind'],"
			   "'uidMappings':[{'containerID':0,'hostID':100,'size':10}],"
			   "'gidMappings':[{'containerID':0,'hostID':200,'size':10}]}]",
			   "{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
			   "'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}",
			   &cfg, &e),
		0);
	assert_true(rt_rootfs_wants_idmap(cfg));
	assert_true(cfg->mounts[0].idmap);
	assert_true(cfg->mounts[0].idmap_rec);
	assert_int_equal(cfg->mounts[0].uids.n, 0);
	/* Mappings without the option still idmap (recursively for rbind). */
	assert_true(cfg->mounts[1].idmap);
	assert_true(cfg->mounts[1].idmap_rec);
	assert_int_equal(cfg->mounts[1].gids.v[0].host_id, 200);
	assert_int_equal(cfg->uids.v[0].host_id, 1000);
	struct rt_rootfs_cfg *c2 = NULL;
	brig_err_clear(&e);
	assert_int_equal(
		parse_with("[{'destination':'/x','source':'/','options':['bind','idmap']}]",
			   "{'namespaces':[{'type':'user'}]}", &c2, &e),
		0);
	rt_rootfs_cfg_free(c2);
}

static void test_path_under(void **state)
{
	(void)state;
	assert_true(rt_path_under("/proc/sys", "/proc"));
	assert_true(rt_path_under("/proc", "/proc"));
	assert_false(rt_path_under("/procfs", "/proc"));
	assert_true(rt_path_under("/x", "/"));
}

static void test_helpers(void **state)
{
	(void)state;
	char *d = rt_mount_label_data("mode=755", "sys_u:obj_r:t:s0:c1,c2");
	assert_string_equal(d, "mode=755,context=\"sys_u:obj_r:t:s0:c1,c2\"");
	free(d);
	d = rt_mount_label_data(NULL, "l");
	assert_string_equal(d, "context=\"l\"");
	free(d);
	d = rt_mount_label_data("a", NULL);
	assert_string_equal(d, "a");
	free(d);

	uint64_t set, clr;
	rt_ms_to_attrs(MS_RDONLY | MS_NOSUID | MS_NOATIME, MS_NODEV, &set, &clr);
	assert_int_equal(set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME);
	assert_int_equal(clr, MOUNT_ATTR_NODEV | MOUNT_ATTR__ATIME);
	rt_ms_to_attrs(0, MS_RDONLY, &set, &clr);
	assert_int_equal(set, 0);
	assert_int_equal(clr, MOUNT_ATTR_RDONLY);
	rt_ms_to_attrs(MS_RELATIME, 0, &set, &clr);
	assert_int_equal(set, MOUNT_ATTR_RELATIME);
	assert_int_equal(clr, MOUNT_ATTR__ATIME);

	struct rt_mountinfo *mi = NULL;
	size_t n = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(rt_mountinfo_read(&mi, &n, &e), 0);
	bool root = false;
	for (size_t i = 0; i < n; i++)
		root |= strcmp(mi[i].point, "/") == 0;
	assert_true(root);
	rt_mountinfo_free(mi, n);
}

static void test_features(void **state)
{
	(void)state;
	json_t *f = json_object();
	rt_mount_features(f);
	json_t *opts = json_object_get(f, "mountOptions");
	assert_true(json_is_array(opts));
	const char *must[] = { "bind",        "rbind",    "ro",         "nosuid",
			       "rro",         "rprivate", "idmap",      "ridmap",
			       "strictatime", "remount",  "nosymfollow" };
	for (size_t k = 0; k < BRIG_ARRAY_SIZE(must); k++) {
		bool found = false;
		size_t i;
		json_t *v;
		json_array_foreach(opts, i, v) found |= strcmp(json_string_value(v), must[k]) == 0;
		if (!found)
			fail_msg("mountOptions lacks %s", must[k]);
	}
	size_t i;
	json_t *v;
	json_array_foreach(opts, i, v) assert_string_not_equal(json_string_value(v), "tmpcopyup");
	json_t *idm = json_object_get(
		json_object_get(json_object_get(f, "linux"), "mountExtensions"), "idmap");
	assert_true(json_is_true(json_object_get(idm, "enabled")));
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),       cmocka_unit_test(test_mount_fields),
		cmocka_unit_test(test_options),    cmocka_unit_test(test_linux_fields),
		cmocka_unit_test(test_devices),    cmocka_unit_test(test_idmap_parse),
		cmocka_unit_test(test_path_under), cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_features),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
