/* SPDX-License-Identifier: Apache-2.0 */
/* --tmpfs, -v, --mount, --shm-size, --read-only, named volume requests. */
#include "helpers.h"

#include <string.h>

static const char *mount_at(const json_t *oci, const char *dst)
{
	int i = mount_index(oci, dst);
	return i < 0 ? "(absent)"
		     : jtext(json_array_get(json_object_get(oci, "mounts"), (size_t)i));
}

static void test_tmpfs(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "tmpfs", "/cache");
	set_ok(f, "tmpfs", "/scratch:size=64m,mode=1770,exec,uid=1000,noatime");
	set_ok(f, "tmpfs", "/tmp:ro");
	json_t *oci = base_spec();
	size_t before = json_array_size(jpath(oci, "mounts"));
	apply_ok(f, oci);
	assert_string_equal(mount_at(oci, "/cache"),
			    "{\"destination\":\"/cache\",\"options\":[\"nosuid\",\"nodev\","
			    "\"noexec\"],\"source\":\"tmpfs\",\"type\":\"tmpfs\"}");
	assert_string_equal(mount_at(oci, "/scratch"),
			    "{\"destination\":\"/scratch\",\"options\":[\"nosuid\",\"nodev\","
			    "\"uid=1000\",\"noatime\",\"mode=1770\",\"size=67108864\"],"
			    "\"source\":\"tmpfs\",\"type\":\"tmpfs\"}");
	/* --tmpfs /tmp replaces the default /tmp */
	assert_string_equal(mount_at(oci, "/tmp"),
			    "{\"destination\":\"/tmp\",\"options\":[\"nosuid\",\"nodev\","
			    "\"noexec\",\"ro\"],\"source\":\"tmpfs\",\"type\":\"tmpfs\"}");
	assert_int_equal(json_array_size(jpath(oci, "mounts")), before + 2);
	json_decref(oci);
	set_fail(f, "tmpfs", "/x:suid", "--tmpfs: option \"suid\" is refused");
	set_fail(f, "tmpfs", "/x:dev", "option \"dev\" is refused");
	set_fail(f, "tmpfs", "/x:size=big", "invalid size in \"size=big\"");
	set_fail(f, "tmpfs", "/x:size=0", "invalid size");
	set_fail(f, "tmpfs", "/x:mode=999", "invalid mode");
	set_fail(f, "tmpfs", "/x:mode=17777", "invalid mode");
	set_fail(f, "tmpfs", "/x:uid=-1", "invalid number");
	set_fail(f, "tmpfs", "/x:bogus", "unknown tmpfs option \"bogus\"");
	set_fail(f, "tmpfs", "relative", "is not an absolute path");
	set_fail(f, "tmpfs", "/", "is not an absolute path");
	set_fail(f, "tmpfs", "/a/../b", "is not an absolute path");
	set_fail(f, "tmpfs", "/cache", "--tmpfs: duplicate mount point /cache");
}

static void test_volume_bind(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "volume", "/srv/data:/data");
	set_ok(f, "v", "/srv/conf:/etc/app:ro,rslave,noexec");
	set_ok(f, "volume", "/dev/bus:/devbus:dev,nosuid,Z");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(
		mount_at(oci, "/data"),
		"{\"destination\":\"/data\",\"options\":[\"rbind\",\"nosuid\","
		"\"rnosuid\",\"nodev\",\"rnodev\",\"rprivate\"],\"source\":\"/srv/data\",\"type\":\"bind\"}");
	assert_string_equal(mount_at(oci, "/etc/app"),
			    "{\"destination\":\"/etc/app\",\"options\":[\"rbind\",\"nosuid\","
			    "\"rnosuid\",\"nodev\",\"rnodev\",\"noexec\",\"rnoexec\",\"ro\","
			    "\"rro\",\"rslave\"],\"source\":\"/srv/conf\","
			    "\"type\":\"bind\"}");
	int i = mount_index(oci, "/devbus");
	assert_true(i >= 0);
	assert_false(jarr_has(jpath(json_array_get(jpath(oci, "mounts"), (size_t)i), "options"),
			      "nodev"));
	json_decref(oci);
	char *const *notes = eng_flags_notices(f);
	assert_non_null(notes[0]);
	assert_non_null(strstr(notes[0], "Z (SELinux relabeling) has no effect"));
	assert_null(notes[1]);

	set_fail(f, "volume", "/a:/b:suid", "--volume: option \"suid\" is refused");
	set_fail(f, "volume", "/a:/b:ro,rw", "more than one of ro, rw");
	set_fail(f, "volume", "/a:/b:shared,slave", "more than one propagation mode");
	set_fail(f, "volume", "/a:/b:z,Z", "more than one of z, Z");
	set_fail(f, "volume", "/a:/b:nocopy", "nocopy is for volumes");
	set_fail(f, "volume", "/a:/b:fast", "unknown option \"fast\"");
	set_fail(f, "volume", "/a:/", "destination \"/\" is not an absolute path");
	set_fail(f, "volume", "/a:b", "destination \"b\" is not an absolute path");
	set_fail(f, "volume", "/a:/b:ro:x", "is not [SRC:]DST[:OPTS]");
	set_fail(f, "volume", "x:/b", "is not an absolute host path or a volume name");
	set_fail(f, "volume", "/a/./b:/b", "is not a clean absolute path");
	set_fail(f, "volume", "/other:/data", "duplicate mount point /data");
}

static void test_volume_order(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "volume", "/h/deep:/x/y/z");
	set_ok(f, "volume", "/h/mid:/x/y");
	set_ok(f, "tmpfs", "/x");
	set_ok(f, "volume", "/h/other:/w");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	int x = mount_index(oci, "/x"), w = mount_index(oci, "/w"), y = mount_index(oci, "/x/y"),
	    z = mount_index(oci, "/x/y/z"), run = mount_index(oci, "/run");
	/* defaults first, then by depth, command-line order within a depth */
	assert_true(run < x);
	assert_true(x < w);
	assert_true(w < y);
	assert_true(y < z);
	json_decref(oci);
}

static void test_named_volumes(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "volume", "data:/var/lib/db:ro,nocopy");
	set_ok(f, "volume", "/anon");
	set_ok(f, "volume", "/h:/bind");
	set_ok(f, "mount", "type=volume,src=cache,dst=/cache,volume-nocopy");
	assert_int_equal(eng_flags_volume_count(f), 3);
	struct eng_volume_req r;
	assert_int_equal(eng_flags_volume_get(f, 0, &r), 0);
	assert_string_equal(r.name, "data");
	assert_string_equal(r.destination, "/var/lib/db");
	assert_true(r.readonly);
	assert_true(r.nocopy);
	assert_null(r.host_path);
	assert_int_equal(eng_flags_volume_get(f, 1, &r), 0);
	assert_string_equal(r.name, "");
	assert_false(r.readonly);
	assert_int_equal(eng_flags_volume_get(f, 2, &r), 0);
	assert_string_equal(r.name, "cache");
	assert_true(r.nocopy);
	assert_int_equal(eng_flags_volume_get(f, 3, &r), -ENOENT);

	json_t *oci = base_spec();
	apply_fail(f, oci, "volume data for /var/lib/db was not resolved");
	struct brig_err e = { 0 };
	assert_int_equal(eng_flags_volume_resolve(f, 0, "/var/lib/brig/volumes/data", &e), 0);
	assert_int_equal(eng_flags_volume_resolve(f, 1, "/var/lib/brig/volumes/anon1", &e), 0);
	apply_fail(f, oci, "volume cache for /cache was not resolved");
	assert_true(eng_flags_volume_resolve(f, 2, "relative", &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "not a clean absolute path"));
	brig_err_clear(&e);
	assert_true(eng_flags_volume_resolve(f, 9, "/x", &e) < 0);
	brig_err_clear(&e);
	assert_int_equal(eng_flags_volume_resolve(f, 2, "/vols/cache", &e), 0);
	apply_ok(f, oci);
	assert_string_equal(
		mount_at(oci, "/var/lib/db"),
		"{\"destination\":\"/var/lib/db\",\"options\":[\"rbind\",\"nosuid\","
		"\"rnosuid\",\"nodev\",\"rnodev\",\"ro\",\"rro\",\"rprivate\"],\"source\":\"/var/lib/brig/volumes/data\","
		"\"type\":\"bind\"}");
	assert_string_equal(jtext(jpath(json_array_get(jpath(oci, "mounts"),
						       (size_t)mount_index(oci, "/cache")),
					"source")),
			    "\"/vols/cache\"");
	json_decref(oci);
	set_fail(f, "volume", "a:/b", "is not an absolute host path or a volume name");
	set_fail(f, "volume", "-x:/b", "volume name");
}

static void test_mount_csv(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "mount",
	       "type=bind,source=/tmp,target=/host-tmp,readonly,bind-propagation=rshared");
	set_ok(f, "mount", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700");
	set_ok(f, "mount", "type=bind,\"src=/etc\",\"dst=/with,comma\",ro=false");
	set_ok(f, "mount", "type=bind,src=/tmp,dst=/nr,bind-nonrecursive=true,consistency=cached");
	set_ok(f, "mount", "type=bind,src=/tmp,dst=/bw,readonly,bind-recursive=writable");
	set_ok(f, "mount", "type=bind,src=/tmp,dst=/bd,bind-recursive=disabled");
	set_ok(f, "mount", "type=bind,src=/tmp,dst=/br,ro,bind-recursive=readonly");
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(
		mount_at(oci, "/host-tmp"),
		"{\"destination\":\"/host-tmp\",\"options\":[\"rbind\",\"nosuid\","
		"\"rnosuid\",\"nodev\",\"rnodev\",\"ro\",\"rro\",\"rshared\"],\"source\":\"/tmp\",\"type\":\"bind\"}");
	assert_string_equal(
		mount_at(oci, "/t"),
		"{\"destination\":\"/t\",\"options\":[\"nosuid\",\"nodev\",\"noexec\","
		"\"mode=0700\",\"size=1048576\"],\"source\":\"tmpfs\",\"type\":\"tmpfs\"}");
	json_t *wc = jpath(
		json_array_get(jpath(oci, "mounts"), (size_t)mount_index(oci, "/with,comma")),
		"options");
	assert_false(jarr_has(wc, "ro"));
	assert_false(jarr_has(wc, "rw")); /* a writable bind keeps its source's ro */
	assert_string_equal(
		jtext(jpath(json_array_get(jpath(oci, "mounts"), (size_t)mount_index(oci, "/nr")),
			    "options[0]")),
		"\"bind\"");
	json_t *bw = jpath(json_array_get(jpath(oci, "mounts"), (size_t)mount_index(oci, "/bw")),
			   "options");
	assert_true(jarr_has(bw, "ro") && jarr_has(bw, "rbind") && !jarr_has(bw, "rro"));
	assert_string_equal(
		jtext(jpath(json_array_get(jpath(oci, "mounts"), (size_t)mount_index(oci, "/bd")),
			    "options[0]")),
		"\"bind\"");
	json_t *brr = jpath(json_array_get(jpath(oci, "mounts"), (size_t)mount_index(oci, "/br")),
			    "options");
	assert_true(jarr_has(brr, "rro") && jarr_has(brr, "rbind"));
	json_decref(oci);
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,bind-recursive=sometimes",
		 "invalid bind-recursive");
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,bind-recursive=readonly",
		 "bind-recursive=readonly needs readonly");
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,bind-recursive=disabled,bind-nonrecursive",
		 "conflict");

	set_fail(f, "mount", "type=bind,src=/no/such/path,dst=/x",
		 "--mount: bind source path /no/such/path: No such file");
	set_fail(f, "mount", "type=bind,dst=/x", "a bind mount needs a source");
	set_fail(f, "mount", "type=tmpfs,src=/a,dst=/x", "a tmpfs mount has no source");
	set_fail(f, "mount", "type=nfs,dst=/x", "type \"nfs\" is not bind, volume or tmpfs");
	set_fail(f, "mount", "type=bind,src=/tmp", "needs a destination");
	set_fail(f, "mount", "type=volume,dst=/x,bind-propagation=shared",
		 "bind-* options need type=bind");
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,tmpfs-size=1m", "tmpfs-* options need");
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,volume-nocopy", "volume-nocopy needs");
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,bind-propagation=weird",
		 "invalid bind-propagation");
	set_fail(f, "mount", "type=volume,dst=/x,volume-driver=nfs",
		 "volume-driver is not supported");
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,color=red", "unknown key \"color\"");
	set_fail(f, "mount", "type=bind,src=/tmp,dst=/x,readonly=maybe",
		 "readonly: invalid boolean");
	set_fail(f, "mount", "type=tmpfs,dst=/x,tmpfs-mode=9", "invalid tmpfs-mode");
	set_fail(f, "mount", "type=tmpfs,dst=/x,tmpfs-size=0", "invalid tmpfs-size");
	set_fail(f, "mount", "type=bind,src=/t\"mp,dst=/x", "bare \" in an unquoted field");
	set_fail(f, "mount", "\"type=bind,dst=/x", "unterminated quoted field");
	set_fail(f, "mount", "\"type=bind\"x,dst=/x", "extraneous \"");
	set_fail(f, "mount", "type=tmpfs,dst", "dst needs a value");
	set_fail(f, "mount", "type=tmpfs,dst=/t", "duplicate mount point /t");
}

static void test_shm_readonly(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	set_ok(f, "shm-size", "256m");
	set_ok(f, "read-write", NULL);
	json_t *oci = base_spec();
	apply_ok(f, oci);
	assert_string_equal(jtext(jpath(json_array_get(jpath(oci, "mounts"),
						       (size_t)mount_index(oci, "/dev/shm")),
					"options")),
			    "[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=268435456\"]");
	assert_true(json_is_false(jpath(oci, "root.readonly")));
	set_ok(f, "read-only", NULL);
	apply_ok(f, oci);
	assert_true(json_is_true(jpath(oci, "root.readonly")));
	/* no /dev/shm tmpfs (e.g. --ipc=host): an error */
	json_array_remove(jpath(oci, "mounts"), (size_t)mount_index(oci, "/dev/shm"));
	apply_fail(f, oci, "--shm-size: the config has no /dev/shm tmpfs");
	json_decref(oci);
	set_fail(f, "shm-size", "0", "--shm-size: must be larger than 0");
	oci = base_spec();
	apply_ok(f, oci); /* the refused value did not replace 256m */
	assert_true(jarr_has(
		jpath(json_array_get(jpath(oci, "mounts"), (size_t)mount_index(oci, "/dev/shm")),
		      "options"),
		"size=268435456"));
	json_decref(oci);
	set_fail(f, "shm-size", "1q", "--shm-size: invalid size");
	set_fail(f, "read-only", "no", "--read-only: invalid boolean");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmpfs),        cmocka_unit_test(test_volume_bind),
		cmocka_unit_test(test_volume_order), cmocka_unit_test(test_named_volumes),
		cmocka_unit_test(test_mount_csv),    cmocka_unit_test(test_shm_readonly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
