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
	"{\"Destination\":\"/tmp\"}],\"Empty\":[],\"EmptyMap\":{},\"Row\":{\"Labels\":\"k=v,k2=v2\"}}";

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
	expect_error("{{end}}", "template: 1:3: unexpected {{end}}");
	expect_error("{{nosuch .Id}}", "function \"nosuch\" not defined");
	expect_error("{{$x}}", "undefined variable \"$x\"");
	expect_error("{{index .Config.Env 9}}", "index 9 out of range");
	expect_error("{{range .Id}}{{end}}", "range can't iterate over string");
	expect_error("{{}}", "missing value for command");
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

static void test_if_else(void **state)
{
	(void)state;
	expect("{{if .State.Running}}up{{end}}", "up");
	expect("{{if .Config.User}}u{{else}}no user{{end}}", "no user");
	expect("{{if .State.Health}}h{{else if .State.Running}}r{{else}}x{{end}}", "r");
	expect("{{if eq .Id \"x\"}}1{{else if eq .Id \"y\"}}2{{else}}3{{end}}", "3");
	/* Go's truth: false, 0, nil and empty strings, lists and maps */
	expect("{{if 0}}t{{else}}f{{end}}{{if 1}}t{{end}}{{if \"\"}}t{{else}}f{{end}}", "ftf");
	expect("{{if .Empty}}t{{else}}f{{end}}{{if .EmptyMap}}t{{else}}f{{end}}", "ff");
	expect("{{if nil}}t{{else}}f{{end}}{{if 0.0}}t{{else}}f{{end}}{{if .Ratio}}t{{end}}",
	       "fft");
	expect("{{if and .State.Running .Id}}both{{end}}", "both");
	expect("{{if or .Config.User .Id}}{{or .Config.User .Id}}{{end}}", "abc");
	expect("{{and 1 0 .Nope}}", "0"); /* and stops at the first false */
	expect("{{or 0 \"x\" .Nope}}", "x");
	expect("{{if not .Config.User}}empty{{end}}", "empty");
	expect("{{with .Config}}{{.User}}|{{len .Env}}{{end}}", "|2");
	expect("{{with .Config.User}}{{.}}{{else}}none{{end}}", "none");
	expect("{{with .State.Health}}h{{else with .Config.Env}}{{index . 0}}{{end}}", "A=1");
	expect("{{with $x := .Id}}{{$x}}{{end}}", "abc");
}

static void test_range_more(void **state)
{
	(void)state;
	expect("{{range .Empty}}x{{else}}none{{end}}", "none");
	expect("{{range $m := .Mounts}}{{$m.Destination}} {{end}}", "/data /tmp ");
	expect("{{range $i, $e := .Config.Env}}{{if $i}},{{end}}{{$e}}{{end}}", "A=1,B=2");
	expect("{{range .Mounts}}{{$.Id}}{{end}}", "abcabc"); /* $ is the root */
	expect("{{range 3}}{{.}}{{end}}", "012");
	expect("{{range .Config.Env}}{{if eq . \"A=1\"}}{{continue}}{{end}}{{.}}{{end}}", "B=2");
	expect("{{range .Config.Env}}{{.}}{{break}}{{end}}", "A=1");
	expect("{{$n := 0}}{{range .Mounts}}{{$n = 1}}{{end}}{{$n}}", "1");
	expect("{{range .Mounts}}{{$d := .Destination}}{{$d}}{{end}}", "/data/tmp");
}

static void test_pipelines(void **state)
{
	(void)state;
	expect("{{.Name | printf \"%s\"}}", "/web");
	expect("{{.Name | printf \"%s!\" | upper}}", "/WEB!");
	expect("{{json .Mounts}}", "[{\"Destination\":\"/data\"},{\"Destination\":\"/tmp\"}]");
	expect("{{.Config.Env | len}}", "2");
	expect("{{(index .Mounts 1).Destination}}", "/tmp");
	expect("{{len (index .Config.Env 0)}}", "3");
	expect("{{printf \"%d-%d\" (len .Mounts) (len .Config.Env)}}", "2-2");
	expect("{{$x := .Id}}{{$x}}", "abc");
	expect("{{/* a comment */}}x{{- /* trimmed */ -}} y", "xy");
	expect("{{`raw \\n`}}|{{\"tab\\there\"}}", "raw \\n|tab\there");
	expect("{{.Name | json}}", "\"/web\"");
}

static void test_functions(void **state)
{
	(void)state;
	expect("{{join .Config.Env \",\"}}", "A=1,B=2");
	expect("{{join .Empty \",\"}}", "");
	expect("{{split \"a:b:c\" \":\"}}", "[a b c]");
	expect("{{index (split \"a:b\" \":\") 1}}", "b");
	expect("{{len (split \"abc\" \"\")}}", "3");
	expect("{{lower \"MiXed\"}} {{upper .Id}} {{title \"hello wide world\"}}",
	       "mixed ABC Hello Wide World");
	expect("{{truncate .Id 2}}|{{pad .Id 1 2}}|", "ab| abc  |");
	expect("{{len .Id}} {{len .Config.Labels}} {{len .Mounts}}", "3 2 2");
	expect("{{index .Config.Labels \"b\"}}{{index .Mounts 0 \"Destination\"}}", "2/data");
	expect("{{print \"a\" 1 2 \"b\"}}", "a1 2b");
	expect("{{println .Id 1}}", "abc 1\n");
	expect("{{eq .Id \"abc\"}} {{eq .Id \"x\" \"abc\"}} {{ne .State.Pid 42}}",
	       "true true false");
	expect("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2}}", "true true true false");
	expect("{{eq .State.Pid 42.0}} {{eq .State.Health nil}}", "true true");
	expect("{{not 0}} {{not .Id}}", "true false");
	/* Docker's .Label "key" of ps and volume ls rows */
	expect("{{.Config.Label \"a\"}}|{{.Config.Label \"zz\"}}|{{.Row.Label \"k2\"}}", "1||v2");
}

static void test_printf(void **state)
{
	(void)state;
	expect("{{printf \"%s|%d|%v|%t\" .Id .State.Pid .Ratio .State.Running}}",
	       "abc|42|1.5|true");
	expect("{{printf \"%q %x %X %o %b\" .Id 255 255 8 5}}", "\"abc\" ff FF 10 101");
	expect("{{printf \"[%5s][%-5s][%.1s][%05d][%+d][%x]\" \"ab\" \"ab\" \"xyz\" 42 3 \"hi\"}}",
	       "[   ab][ab   ][x][00042][+3][6869]");
	expect("{{printf \"%.2f %e %g %v\" 3.14159 1000.0 0.5 1e6}}",
	       "3.14 1.000000e+03 0.5 1e+06");
	expect("{{printf \"100%%\"}}", "100%");
	expect("{{printf \"%d\" .Id}}", "%!d(string=abc)");
	expect("{{printf \"%s\" 5}}", "%!s(int=5)");
	expect("{{printf \"%d %d\" 1}}", "1 %!d(MISSING)");
	expect("{{printf \"%d\" 1 \"x\"}}", "1%!(EXTRA string=x)");
	expect("{{printf \"%s\" .State.Health}}", "%!s(<nil>)");
	expect("{{printf \"%v\" .Config.Env}}", "[A=1 B=2]");
	expect("{{printf \"%v\" .Config.Labels}}", "map[a:1 b:2]");
	expect("{{printf \"%c%c\" 104 105}}", "hi");
	expect("{{printf \"%q\" \"a\\\"b\\n\"}}", "\"a\\\"b\\n\"");
	expect("{{printf \"%d\" .Config.Env}}", "[%!d(string=A=1) %!d(string=B=2)]");
	expect("{{printf \"%\"}}", "%!(NOVERB)");
}

static void test_more_errors(void **state)
{
	(void)state;
	expect_error("{{if .Id}}x", "if without end");
	expect_error("{{with .Id}}x{{else}}y", "with without end");
	expect_error("{{else}}", "unexpected {{else}}");
	expect_error("{{if 1}}{{else}}{{else}}{{end}}", "{{else}} after {{else}}");
	expect_error("{{break}}", "{{break}} outside {{range}}");
	expect_error("{{len .Id .Id}}", "wrong number of args for len");
	expect_error("{{len 3}}", "len of type int");
	expect_error("{{.Id 3}}", "can't give argument to non-function");
	expect_error("{{.Id | .Name}}", "non executable command in pipeline stage 2");
	expect_error("{{eq .Id 1}}", "incompatible types for comparison");
	expect_error("{{lt true false}}", "invalid type for comparison");
	expect_error("{{eq .Mounts .Mounts}}", "non-comparable type");
	expect_error("{{\"abc}}", "unterminated quoted string");
	expect_error("{{(len .Id}}", "unclosed left paren");
	expect_error("{{join .Id \",\"}}", "join: expected a list");
	expect_error("{{upper 3}}", "upper: expected string");
	expect_error("{{.State.Health.Status}}", "nil pointer evaluating .State.Health.Status");
	expect_error("{{template \"x\"}}", "not supported");
	expect_error("{{$x = 1}}", "undefined variable \"$x\"");
	expect_error("{{if 1}}\n  {{.Nope}}{{end}}", "template: 2:5: no field Nope");
	expect_error("{{/* open", "unclosed comment");
	expect_error("{{-", "template: 1:3:"); /* found by fuzz_template */
	expect_error("{{if $a, $b := .Mounts}}{{end}}", "too many declarations in if");
	expect_error("{{$a, $b := .Mounts}}", "too many declarations in action");
	expect("{{printf \"%99999999999999d\" 1}}", "%!(BADWIDTH)");
	expect_error("{{.Id @}}", "unexpected \"@\" in action");
}

static void test_deep_and_big(void **state)
{
	(void)state;
	char deep[4096] = "{{";
	for (int i = 0; i < 40; i++)
		strcat(deep, "(");
	strcat(deep, ".Id}}");
	expect_error(deep, "nested too deep");
	char ifs[4096] = "";
	for (int i = 0; i < 40; i++)
		strcat(ifs, "{{if 1}}");
	expect_error(ifs, "nested too deep");
	/* The output is bounded: 50000 * 50000 characters would be 2.5 GB. */
	expect_error("{{range 50000}}{{range 50000}}xxxxxxxxxx{{end}}{{end}}",
		     "output larger than");
	expect("{{printf \"%99999d\" 1}}", "%!(BADWIDTH)");
}

static void test_escaping(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	json_t *v = json_pack("{s:s}", "L", "a\x1b[2Jb\tc");
	struct tpl *tp = NULL;
	char *out = NULL;
	assert_int_equal(
		tpl_parse("{{.L}}|{{printf \"%s\" .L}}|{{upper .L}}|{{\"\\t\"}}{{printf .L}}", &tp,
			  &e),
		0);
	assert_int_equal(tpl_render(tp, v, &out, &e), 0);
	/* data is escaped, the template's own text is not */
	assert_string_equal(out, "a\\x1b[2Jb\\tc|a\\x1b[2Jb\\tc|A\\x1b[2JB\\tC|\ta\\x1b[2Jb\\tc");
	free(out);
	tpl_free(tp);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),       cmocka_unit_test(test_json_index_range),
		cmocka_unit_test(test_errors),       cmocka_unit_test(test_limits),
		cmocka_unit_test(test_if_else),      cmocka_unit_test(test_range_more),
		cmocka_unit_test(test_pipelines),    cmocka_unit_test(test_functions),
		cmocka_unit_test(test_printf),       cmocka_unit_test(test_more_errors),
		cmocka_unit_test(test_deep_and_big), cmocka_unit_test(test_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
