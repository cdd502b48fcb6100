/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON: parsing, every accessor, and errors that name file and path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "common/common.h"

#define FILE_NAME "bundle/config.json"

static const char DOC[] =
	"{\n"
	"  \"ociVersion\": \"1.0.2\",\n"
	"  \"process\": {\n"
	"    \"user\": {\"uid\": 1000, \"gid\": -1, \"name\": \"bob\", \"big\": 9223372036854775807},\n"
	"    \"args\": [\"sh\", \"-c\", \"true\"],\n"
	"    \"terminal\": false,\n"
	"    \"noNewPrivileges\": \"yes\",\n"
	"    \"env\": [],\n"
	"    \"cwd\": \"/\\u0000etc\",\n"
	"    \"ratio\": 1.5\n"
	"  },\n"
	"  \"mounts\": [\n"
	"    {\"destination\": \"/a\", \"options\": [\"ro\"]},\n"
	"    {\"destination\": \"/b\", \"options\": null},\n"
	"    {\"destination\": \"/c\", \"options\": [7, \"x\"]},\n"
	"    {\"destination\": \"/d\", \"options\": [\"a\\u0000b\"]}\n"
	"  ],\n"
	"  \"hostname\": null\n"
	"}\n";

struct ctx {
	json_t *doc;
	struct bj_loc root, process, user, mounts;
	struct brig_err e;
};

static int setup(void **state)
{
	static struct ctx c;
	memset(&c, 0, sizeof(c));
	assert_int_equal(bj_parse(DOC, strlen(DOC), FILE_NAME, &c.doc, &c.e), 0);
	bj_root(&c.root, FILE_NAME);
	bj_key(&c.process, &c.root, "process");
	bj_key(&c.user, &c.process, "user");
	bj_key(&c.mounts, &c.root, "mounts");
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	json_decref(c->doc);
	brig_err_clear(&c->e);
	return 0;
}

/* The error names the file and the JSON path, and says what went wrong. */
static void assert_err(struct brig_err *e, int r, const char *path, const char *what)
{
	assert_int_equal(r, -EINVAL);
	assert_int_equal(e->code, -EINVAL);
	const char *s = brig_err_str(e);
	char want[512];
	(void)snprintf(want, sizeof(want), FILE_NAME ": %s: ", path);
	if (strncmp(s, want, strlen(want)) != 0 || !strstr(s, what))
		fail_msg("error '%s' lacks '%s' / '%s'", s, want, what);
	brig_err_clear(e);
}

static json_t *get_obj(json_t *parent, const struct bj_loc *at, const char *key, struct brig_err *e)
{
	json_t *o = NULL;
	assert_int_equal(bj_get_obj(parent, at, key, true, &o, e), 0);
	return o;
}

static void test_locations(void **state)
{
	struct ctx *c = *state;
	assert_string_equal(c->user.path, "process.user");
	assert_string_equal(c->user.file, FILE_NAME);
	struct bj_loc m2, o0;
	bj_idx(&m2, &c->mounts, 2);
	bj_key(&o0, &m2, "options");
	bj_idx(&o0, &o0, 0);
	assert_string_equal(o0.path, "mounts[2].options[0]");
	struct bj_loc anon;
	bj_root(&anon, NULL);
	assert_string_equal(anon.file, "<input>");
	assert_string_equal(anon.path, "");
	/* Deep paths are cut with "...", never overflow. */
	struct bj_loc deep = c->root;
	for (int i = 0; i < 100; i++)
		bj_key(&deep, &deep, "component");
	assert_true(strlen(deep.path) < sizeof(deep.path));
	assert_string_equal(deep.path + strlen(deep.path) - 3, "...");
	bj_idx(&deep, &deep, 12345);
	assert_true(strlen(deep.path) < sizeof(deep.path));
}

static void test_parse_rejects_duplicates(void **state)
{
	struct ctx *c = *state;
	json_t *v = NULL;
	const char *dups[] = { "{\"a\":1,\"a\":2}", "{\"x\":{\"b\":1,\n\"b\":1}}",
			       "[{\"k\":[],\"k\":[]}]" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(dups); i++) {
		int r = bj_parse(dups[i], strlen(dups[i]), FILE_NAME, &v, &c->e);
		assert_int_equal(r, -EINVAL);
		assert_null(v);
		assert_non_null(strstr(brig_err_str(&c->e), FILE_NAME ": line "));
		assert_non_null(strstr(brig_err_str(&c->e), "duplicate"));
	}
	brig_err_clear(&c->e);
}

static void test_parse_malformed_names_line_and_column(void **state)
{
	struct ctx *c = *state;
	json_t *v = NULL;
	const char *bad = "{\n  \"a\": 1,\n  \"b\": tru\n}";
	assert_int_equal(bj_parse(bad, strlen(bad), FILE_NAME, &v, &c->e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&c->e), FILE_NAME ": line 3 column "));
	const char *cases[] = { "",
				"{",
				"{\"a\":1,}",
				"{\"a\" 1}",
				"[1,2",
				"{}x",
				"{\"a\":01}",
				"{'a':1}",
				"{\"a\":\"\x01\"}",
				"{\"a\":\"\\ud800\"}",
				"{\"\\u0000\":1}",
				"5",
				"\"s\"" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
		int r = bj_parse(cases[i], strlen(cases[i]), NULL, &v, &c->e);
		if (r != -EINVAL)
			fail_msg("accepted: %s", cases[i]);
		assert_non_null(strstr(brig_err_str(&c->e), "<input>: line "));
	}
	/* A raw NUL byte in the buffer (length given) is not a document end. */
	const char nul[] = "{\"a\":1}\0{\"b\":2}";
	assert_int_equal(bj_parse(nul, sizeof(nul) - 1, NULL, &v, &c->e), -EINVAL);
	/* Nesting is bounded by the parser, not the stack. */
	static char deep[100001];
	memset(deep, '[', sizeof(deep) - 1);
	assert_int_equal(bj_parse(deep, sizeof(deep) - 1, NULL, &v, &c->e), -EINVAL);
	brig_err_clear(&c->e);
}

static void test_get_int_and_u64(void **state)
{
	struct ctx *c = *state;
	json_t *proc = get_obj(c->doc, &c->root, "process", &c->e);
	json_t *user = get_obj(proc, &c->process, "user", &c->e);
	int64_t i = 42;
	uint64_t u = 42;
	assert_int_equal(bj_get_int(user, &c->user, "uid", true, 0, UINT32_MAX, &i, &c->e), 0);
	assert_int_equal(i, 1000);
	assert_int_equal(bj_get_int(user, &c->user, "uid", true, 0, 1000, &i, &c->e), 0);
	assert_err(&c->e, bj_get_int(user, &c->user, "uid", true, 0, 999, &i, &c->e),
		   "process.user.uid", "1000 is out of range [0, 999]");
	assert_err(&c->e, bj_get_int(user, &c->user, "gid", true, 0, UINT32_MAX, &i, &c->e),
		   "process.user.gid", "out of range");
	assert_err(&c->e, bj_get_int(user, &c->user, "name", true, 0, 10, &i, &c->e),
		   "process.user.name", "expected an integer, got string");
	assert_err(&c->e, bj_get_int(user, &c->user, "umask", true, 0, 10, &i, &c->e),
		   "process.user.umask", "missing");
	i = 42;
	assert_int_equal(bj_get_int(user, &c->user, "umask", false, 0, 10, &i, &c->e), 1);
	assert_int_equal(i, 42); /* absent and optional: untouched */
	assert_err(&c->e, bj_get_int(proc, &c->process, "ratio", true, 0, 10, &i, &c->e),
		   "process.ratio", "got number");
	assert_int_equal(bj_get_u64(user, &c->user, "big", true, &u, &c->e), 0);
	assert_true(u == (uint64_t)INT64_MAX);
	assert_err(&c->e, bj_get_u64(user, &c->user, "gid", true, &u, &c->e), "process.user.gid",
		   "-1 is out of range");
	assert_err(&c->e, bj_get_u64(user, &c->user, "name", true, &u, &c->e), "process.user.name",
		   "expected an integer");
	u = 7;
	assert_int_equal(bj_get_u64(user, &c->user, "nope", false, &u, &c->e), 1);
	assert_int_equal(u, 7);
	/* Above INT64_MAX the parser keeps the bits (for bj_get_u64_bits);
	 * the signed-range accessors still refuse the value. */
	json_t *v = NULL;
	const char *huge = "{\"n\": 18446744073709551615}";
	assert_int_equal(bj_parse(huge, strlen(huge), FILE_NAME, &v, &c->e), 0);
	assert_true(bj_get_u64(v, &c->root, "n", true, &u, &c->e) < 0);
	assert_non_null(strstr(brig_err_str(&c->e), "is too large"));
	json_decref(v);
	brig_err_clear(&c->e);
}

static void test_get_str_bool(void **state)
{
	struct ctx *c = *state;
	json_t *proc = get_obj(c->doc, &c->root, "process", &c->e);
	const char *s = "untouched";
	bool b = true;
	assert_int_equal(bj_get_str(c->doc, &c->root, "ociVersion", true, &s, &c->e), 0);
	assert_string_equal(s, "1.0.2");
	assert_err(&c->e, bj_get_str(c->doc, &c->root, "process", true, &s, &c->e), "process",
		   "expected a string, got object");
	assert_err(&c->e, bj_get_str(c->doc, &c->root, "hostname", true, &s, &c->e), "hostname",
		   "got null");
	assert_err(&c->e, bj_get_str(proc, &c->process, "missing", true, &s, &c->e),
		   "process.missing", "missing (expected a string)");
	s = "untouched";
	assert_int_equal(bj_get_str(proc, &c->process, "missing", false, &s, &c->e), 1);
	assert_string_equal(s, "untouched");
	/* NUL inside a string is refused where a C string is handed out. */
	assert_err(&c->e, bj_get_str(proc, &c->process, "cwd", true, &s, &c->e), "process.cwd",
		   "NUL");
	assert_string_equal(s, "untouched");
	assert_int_equal(bj_get_bool(proc, &c->process, "terminal", true, &b, &c->e), 0);
	assert_false(b);
	assert_err(&c->e, bj_get_bool(proc, &c->process, "noNewPrivileges", true, &b, &c->e),
		   "process.noNewPrivileges", "expected a boolean, got string");
	assert_err(&c->e, bj_get_bool(proc, &c->process, "absent", true, &b, &c->e),
		   "process.absent", "missing");
	b = true;
	assert_int_equal(bj_get_bool(proc, &c->process, "absent", false, &b, &c->e), 1);
	assert_true(b);
}

static void test_get_obj_arr(void **state)
{
	struct ctx *c = *state;
	json_t *v = NULL;
	assert_int_equal(bj_get_arr(c->doc, &c->root, "mounts", true, &v, &c->e), 0);
	assert_int_equal(json_array_size(v), 4);
	assert_err(&c->e, bj_get_obj(c->doc, &c->root, "mounts", true, &v, &c->e), "mounts",
		   "expected an object, got array");
	assert_err(&c->e, bj_get_arr(c->doc, &c->root, "process", true, &v, &c->e), "process",
		   "expected an array, got object");
	assert_err(&c->e, bj_get_obj(c->doc, &c->root, "linux", true, &v, &c->e), "linux",
		   "missing");
	v = NULL;
	assert_int_equal(bj_get_arr(c->doc, &c->root, "linux", false, &v, &c->e), 1);
	assert_null(v);
	/* The container itself is checked and named. */
	json_t *m = json_array_get(v = json_object_get(c->doc, "mounts"), 0);
	assert_non_null(m);
	const char *s;
	assert_err(&c->e, bj_get_str(v, &c->mounts, "destination", true, &s, &c->e), "mounts",
		   "expected an object, got array");
	assert_err(&c->e, bj_get_str(NULL, &c->mounts, "destination", true, &s, &c->e), "mounts",
		   "missing");
	/* Generic bj_get: JSON_TRUE matches either boolean, JSON_REAL any number. */
	json_t *proc = json_object_get(c->doc, "process");
	assert_int_equal(bj_get(proc, &c->process, "terminal", true, JSON_TRUE, &v, &c->e), 0);
	assert_int_equal(bj_get(proc, &c->process, "ratio", true, JSON_REAL, &v, &c->e), 0);
	json_t *user = json_object_get(proc, "user");
	assert_int_equal(bj_get(user, &c->user, "uid", true, JSON_REAL, &v, &c->e), 0);
	assert_err(&c->e, bj_get(user, &c->user, "uid", true, JSON_NULL, &v, &c->e),
		   "process.user.uid", "expected null, got integer");
}

static void test_get_strv(void **state)
{
	struct ctx *c = *state;
	json_t *proc = get_obj(c->doc, &c->root, "process", &c->e);
	char **v = NULL;
	assert_int_equal(bj_get_strv(proc, &c->process, "args", true, 16, &v, &c->e), 0);
	assert_int_equal(brig_strv_len(v), 3);
	assert_string_equal(v[0], "sh");
	assert_string_equal(v[2], "true");
	assert_null(v[3]);
	brig_strv_free(v);
	v = NULL;
	assert_int_equal(bj_get_strv(proc, &c->process, "env", true, 16, &v, &c->e), 0);
	assert_non_null(v);
	assert_null(v[0]);
	brig_strv_free(v);
	v = NULL;
	assert_err(&c->e, bj_get_strv(proc, &c->process, "args", true, 2, &v, &c->e),
		   "process.args", "3 elements, at most 2");
	assert_null(v);
	assert_err(&c->e, bj_get_strv(proc, &c->process, "terminal", true, 2, &v, &c->e),
		   "process.terminal", "expected an array");
	assert_int_equal(bj_get_strv(proc, &c->process, "capabilities", false, 2, &v, &c->e), 1);
	assert_null(v);

	json_t *mounts = json_object_get(c->doc, "mounts");
	const char *want[] = { NULL, "mounts[1].options", "mounts[2].options[0]",
			       "mounts[3].options[0]" };
	const char *what[] = { NULL, "expected an array, got null",
			       "expected a string, got integer", "NUL" };
	for (size_t i = 0; i < json_array_size(mounts); i++) {
		struct bj_loc mi;
		bj_idx(&mi, &c->mounts, i);
		int r = bj_get_strv(json_array_get(mounts, i), &mi, "options", true, 8, &v, &c->e);
		if (i == 0) {
			assert_int_equal(r, 0);
			assert_string_equal(v[0], "ro");
			brig_strv_free(v);
			v = NULL;
			continue;
		}
		assert_err(&c->e, r, want[i], what[i]);
		assert_null(v);
	}
}

static void test_expect_and_only_keys(void **state)
{
	struct ctx *c = *state;
	static const char *const top[] = { "ociVersion", "process", "mounts", "hostname", NULL };
	static const char *const user_keys[] = { "uid", "gid", "name", NULL };
	assert_int_equal(bj_only_keys(c->doc, &c->root, top, &c->e), 0);
	json_t *user = json_object_get(json_object_get(c->doc, "process"), "user");
	assert_err(&c->e, bj_only_keys(user, &c->user, user_keys, &c->e), "process.user.big",
		   "unknown key");
	static const char *const none[] = { NULL };
	assert_int_equal(bj_only_keys(c->doc, &c->root, none, &c->e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&c->e), ": unknown key"));
	json_t *arr = json_object_get(c->doc, "mounts");
	assert_err(&c->e, bj_only_keys(arr, &c->mounts, top, &c->e), "mounts",
		   "expected an object, got array");
	struct bj_loc el;
	bj_idx(&el, &c->mounts, 2);
	assert_int_equal(bj_expect(json_array_get(arr, 2), &el, JSON_OBJECT, &c->e), 0);
	assert_err(&c->e, bj_expect(json_array_get(arr, 9), &el, JSON_OBJECT, &c->e), "mounts[2]",
		   "missing");
	assert_err(&c->e, bj_expect(arr, &el, JSON_STRING, &c->e), "mounts[2]",
		   "expected a string, got array");
	assert_string_equal(bj_type_name(NULL), "missing");
	assert_string_equal(bj_type_name(json_object_get(c->doc, "hostname")), "null");
	/* bj_fail at the root names just the file. */
	assert_int_equal(bj_fail(&c->e, &c->root, "custom %d", 5), -EINVAL);
	assert_string_equal(brig_err_str(&c->e), FILE_NAME ": custom 5");
	brig_err_clear(&c->e);
}

static void test_load_file(void **state)
{
	struct ctx *c = *state;
	char dir[] = "/tmp/brig-json-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(brig_atomic_write(dfd, "config.json", DOC, strlen(DOC), 0600, &c->e), 0);
	assert_int_equal(brig_atomic_write(dfd, "bad.json", "{\n\"a\":,}", 8, 0600, &c->e), 0);
	json_t *v = NULL;
	assert_int_equal(bj_load_file(dfd, "config.json", strlen(DOC), &v, &c->e), 0);
	assert_true(json_equal(v, c->doc));
	json_decref(v);
	v = NULL;
	assert_int_equal(bj_load_file(dfd, "config.json", strlen(DOC) - 1, &v, &c->e), -EFBIG);
	assert_non_null(strstr(brig_err_str(&c->e), "config.json"));
	assert_int_equal(bj_load_file(dfd, "bad.json", 1024, &v, &c->e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&c->e), "bad.json: line 2 column"));
	assert_int_equal(bj_load_file(dfd, "absent.json", 1024, &v, &c->e), -ENOENT);
	assert_non_null(strstr(brig_err_str(&c->e), "absent.json"));
	assert_null(v);
	close(dfd);
	assert_int_equal(brig_rm_rf(AT_FDCWD, dir, &c->e), 0);
	brig_err_clear(&c->e);
}

static void test_u64_literals(void **state)
{
	(void)state;
	static const char doc[] = "{\"a\": 18446744073709551615, \"b\": \"18446744073709551615\","
				  " \"c\": 9223372036854775808, \"d\": 5, \"e\": -1,"
				  " \"f\": 184467440737095516150}";
	json_t *j = NULL;
	struct brig_err e = { 0 };
	/* 2^64 * 10 does not fit any 64-bit integer: still refused. */
	assert_true(bj_parse(doc, strlen(doc), "u.json", &j, &e) < 0);
	size_t n = strlen(doc) - strlen(", \"f\": 184467440737095516150}");
	char *ok = strndup(doc, n);
	assert_non_null(ok);
	ok = realloc(ok, n + 2);
	strcat(ok, "}");
	assert_int_equal(bj_parse(ok, strlen(ok), "u.json", &j, &e), 0);
	struct bj_loc at;
	bj_root(&at, "u.json");
	uint64_t v = 0;
	assert_int_equal(bj_get_u64_bits(j, &at, "a", true, &v, &e), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(bj_get_u64_bits(j, &at, "c", true, &v, &e), 0);
	assert_true(v == UINT64_C(9223372036854775808));
	assert_int_equal(bj_get_u64_bits(j, &at, "d", true, &v, &e), 0);
	assert_true(v == 5);
	/* A negative literal is not an unsigned value. */
	assert_true(bj_get_u64_bits(j, &at, "e", true, &v, &e) < 0);
	/* Strings are untouched; the plain accessor still refuses the big one. */
	assert_string_equal(json_string_value(json_object_get(j, "b")), "18446744073709551615");
	assert_true(bj_get_u64(j, &at, "a", true, &v, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "u.json: a: 18446744073709551615 is too large"));
	const char *str = NULL;
	assert_true(bj_get_str(j, &at, "a", true, &str, &e) < 0);
	json_decref(j);
	free(ok);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_literals),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_parse_rejects_duplicates),
		cmocka_unit_test(test_parse_malformed_names_line_and_column),
		cmocka_unit_test(test_get_int_and_u64),
		cmocka_unit_test(test_get_str_bool),
		cmocka_unit_test(test_get_obj_arr),
		cmocka_unit_test(test_get_strv),
		cmocka_unit_test(test_expect_and_only_keys),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
