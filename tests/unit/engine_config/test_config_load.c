/* SPDX-License-Identifier: Apache-2.0 */
/* engine/config: reading the file (missing, explicit, unsafe, too large). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/config/engine-config.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/brig-cfg-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int r = brig_rm_rf(AT_FDCWD, dir, &e);
	brig_err_clear(&e);
	return r;
}

static void path_of(char *buf, const char *name)
{
	assert_true(brig_snprintf(buf, PATH_MAX, "%s/%s", dir, name) > 0);
}

static void write_file(const char *name, const char *data, mode_t mode)
{
	char p[PATH_MAX];
	path_of(p, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, data, strlen(data)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static int load(const char *name, bool explicit, struct eng_config **c, struct brig_err *e)
{
	char p[PATH_MAX];
	path_of(p, name);
	return eng_config_load(p, explicit, c, e);
}

static void test_load_file(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_config_ struct eng_config *c = NULL;
	write_file("ok.conf", "{\"default-pids-limit\": 77, \"userns\": \"host\"}", 0644);
	if (load("ok.conf", true, &c, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_int_equal(c->pids_limit, 77);
	assert_int_equal(c->userns, ENG_USERNS_HOST);
	char p[PATH_MAX];
	path_of(p, "ok.conf");
	assert_string_equal(c->source, p);
}

static void test_missing(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_config_ struct eng_config *c = NULL;
	/* not given on the command line: the defaults */
	assert_int_equal(load("absent.conf", false, &c, &e), 0);
	assert_null(c->source);
	assert_int_equal(c->pids_limit, 1024);
	eng_config_free(c);
	c = NULL;
	/* --config FILE: must exist */
	assert_int_equal(load("absent.conf", true, &c, &e), -ENOENT);
	assert_null(c);
	char want[PATH_MAX + 64];
	(void)snprintf(want, sizeof(want),
		       "engine config %s/absent.conf: No such file or directory", dir);
	assert_string_equal(brig_err_str(&e), want);
}

static void test_default_path_when_absent(void **state)
{
	(void)state;
	struct stat st;
	if (stat(eng_config_default_path(), &st) == 0)
		skip();
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_config_ struct eng_config *c = NULL;
	assert_int_equal(eng_config_load(NULL, false, &c, &e), 0);
	assert_null(c->source);
	assert_true(c->read_only_rootfs);
}

static void test_bad_json_names_file(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_config *c = NULL;
	write_file("bad.conf", "{\"default-memory\": \"1q\"}", 0600);
	assert_int_equal(load("bad.conf", false, &c, &e), -EINVAL);
	char want[PATH_MAX + 128];
	(void)snprintf(want, sizeof(want), "%s/bad.conf: default-memory: invalid size", dir);
	assert_memory_equal(brig_err_str(&e), want, strlen(want));
	write_file("syntax.conf", "{\"default-memory\": }", 0600);
	brig_err_clear(&e);
	assert_int_equal(load("syntax.conf", false, &c, &e), -EINVAL);
	(void)snprintf(want, sizeof(want), "%s/syntax.conf: line 1", dir);
	assert_memory_equal(brig_err_str(&e), want, strlen(want));
	assert_null(c);
}

static void test_unsafe_files(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_config *c = NULL;
	write_file("ww.conf", "{}", 0666);
	assert_int_equal(load("ww.conf", false, &c, &e), -EPERM);
	assert_non_null(strstr(brig_err_str(&e), "writable by every user"));
	/* a directory is not a configuration */
	char p[PATH_MAX];
	path_of(p, "d.conf");
	assert_int_equal(mkdir(p, 0755), 0);
	brig_err_clear(&e);
	assert_true(load("d.conf", true, &c, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "d.conf"));
	/* another user's file (we run as root in the tests; skip otherwise) */
	write_file("other.conf", "{}", 0644);
	path_of(p, "other.conf");
	if (geteuid() == 0) {
		assert_int_equal(chown(p, 12345, 12345), 0);
		brig_err_clear(&e);
		assert_int_equal(load("other.conf", true, &c, &e), -EPERM);
		assert_non_null(strstr(brig_err_str(&e), "owned by uid 12345"));
	}
	assert_null(c);
}

static void test_too_large(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_config *c = NULL;
	size_t n = ENG_CONFIG_MAX_SIZE + 1;
	_cleanup_free_ char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	write_file("big.conf", big, 0644);
	assert_int_equal(load("big.conf", true, &c, &e), -EFBIG);
	assert_non_null(strstr(brig_err_str(&e), "big.conf"));
	/* exactly the limit is fine */
	big[n - 2] = '}';
	big[n - 1] = '\0';
	write_file("max.conf", big, 0644);
	brig_err_clear(&e);
	if (load("max.conf", true, &c, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	eng_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_default_path_when_absent),
		cmocka_unit_test(test_bad_json_names_file),
		cmocka_unit_test(test_unsafe_files),
		cmocka_unit_test(test_too_large),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
