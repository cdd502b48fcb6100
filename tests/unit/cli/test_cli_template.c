/* SPDX-License-Identifier: Apache-2.0 */
/* The --format / inspect -f template subset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "cli/template.h"

static const char *doc =
	"{\"Id\":\"abc\",\"Name\":\"/web\",\"Config\":{\"Labels\":{\"b\":\"2\",\"a\":\"1\"},"
	"\"Env\":[\"A=1\",\"B=2\"],\"User\":\"\"},\"State\":{\"Pid\":42,\"Running\":true,"
	"\"Health\":null},\"Ratio\":1.5,\"Mounts\":[{\"Destination\":\"/data\"},"
	"{\"Destination\":\"/tmp\"}]}";

static char *render(const char *t, struct brig_err *e)
{
	json_t *v = json_loads(doc, 0, NULL);
	assert_non_null(v);
	struct tpl *tp = NULL;
	char *out = NULL;
	if (tpl_parse(t, &tp, e) == 0)
		(void)tpl_render(tp, v, &out, e);
	tpl_free(tp);
	json_decref(v);
	return out;
}

static void expect(const char *t, const char *want)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *got = render(t, &e);
	if (!got)
		fail_msg("%s: %s", t, brig_err_str(&e));
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", t, got, want);
}

static void expect_error(const char *t, const char *msg)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *got = render(t, &e);
	if (got)
		fail_msg("%s: rendered \"%s\", wanted an error", t, got);
	if (!strstr(brig_err_str(&e), msg))
		fail_msg("%s: error \"%s\" lacks \"%s\"", t, brig_err_str(&e), msg);
	assert_null(strchr(brig_err_str(&e), '\n'));
}

static void test_fields(void **state)
{
	(void)state;
	expect("{{.Id}}", "abc");
	expect("id={{.Id}} pid={{.State.Pid}}\n", "id=abc pid=42\n");
	expect("{{.State.Running}} {{.Ratio}} {{.State.Health}}", "true 1.5 <no value>");
	expect("{{.Config.Env}}", "[A=1 B=2]");
	expect("{{.Config.Labels}}", "map[a:1 b:2]");
	expect("plain text", "plain text");
	expect("{{.Config.User}}", "");
}

static void test_json_index_range(void **state)
{
	(void)state;
	expect("{{json .Config.Labels}}", "{\"b\":\"2\",\"a\":\"1\"}");
	expect("{{json .Name}}", "\"/web\"");
	expect("{{index .Config.Labels \"a\"}}", "1");
	expect("{{index .Config.Labels \"missing\"}}", "");
	expect("{{index .Config.Env 1}}", "B=2");
	expect("{{range .Mounts}}{{.Destination}};{{end}}", "/data;/tmp;");
	expect("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}", "a=1 b=2 ");
	expect("{{range $i, $m := .Mounts}}{{$i}}:{{$m.Destination}} {{end}}", "0:/data 1:/tmp ");
	expect("{{range .Config.Env}}{{.}},{{end}}", "A=1,B=2,");
	expect("{{range .Mounts -}}\n  {{.Destination}}\n{{- end}}", "/data/tmp");
	expect("{{range .State.Health}}x{{end}}", "");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{{.Nope}}", "no field Nope in .Nope");
	expect_error("{{.Config.Nope}}", "no field Nope in .Config.Nope");
	expect_error("{{.Id.Sub}}", "can't evaluate field Sub in string");
	expect_error("{{.Id", "template: 1:1: unclosed action");
	expect_error("{{range .Mounts}}x", "range without end");
	expect_error("{{end}}", "end without range");
	expect_error("{{upper .Id}}", "unknown function");
	expect_error("{{$x}}", "undefined variable $x");
	expect_error("{{index .Config.Env 9}}", "index 9 out of range");
	expect_error("{{range .Id}}{{end}}", "range can't iterate over string");
	expect_error("{{}}", "empty action");
	expect_error("{{index .Id \"x\"}}", "can't index string");
}

static void test_limits(void **state)
{
	(void)state;
	char deep[4096] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "{{range .Mounts}}");
	expect_error(deep, "nested too deep");
	size_t big = (64u << 10) + 10;
	char *t = malloc(big + 1);
	assert_non_null(t);
	memset(t, 'x', big);
	t[big] = '\0';
	expect_error(t, "longer than");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_json_index_range),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
