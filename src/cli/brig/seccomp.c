/* SPDX-License-Identifier: Apache-2.0 */
/* brig seccomp diff|explain: Docker-format profiles compared
 * (engine/seccomp/profile.h, docs/seccomp-learn.md). */
#include "cli/brig/brig-internal.h"
#include "engine/seccomp/profile.h"

#include <stdio.h>
#include <string.h>

static int format_ok(const char *f, struct brig_err *e)
{
	if (f && strcmp(f, "json") != 0)
		return brig_err_set(e, -EINVAL, "--format: \"%.64s\" is not \"json\"", f);
	return 0;
}

static int print_json(const json_t *j)
{
	if (json_dumpf(j, stdout, JSON_INDENT(2)) < 0 || putchar('\n') == EOF)
		return BRIG_EXIT_FAIL;
	return fflush(stdout) == 0 ? 0 : BRIG_EXIT_FAIL;
}

static void print_names(const char *file, const json_t *names)
{
	size_t i;
	json_t *n;
	printf("only in %s (%zu):", file, json_array_size(names));
	json_array_foreach(names, i, n) printf(" %s", json_string_value(n));
	putchar('\n');
}

static void print_rules(const char *file, const json_t *rules)
{
	size_t i;
	json_t *r;
	json_array_foreach(rules, i, r)
	{
		_cleanup_free_ char *s = json_dumps(r, JSON_COMPACT);
		printf("    %s: %s\n", file, s ? s : "?");
	}
	if (json_array_size(rules) == 0)
		printf("    %s: (none)\n", file);
}

int brig_cmd_seccomp_diff(const struct brig_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { OPT_VALUE("format", 0, "FORMAT", "json: one JSON object"), { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("seccomp diff", "A.json B.json", o, argc, argv, &pos, &npos, 2, 2);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *d = NULL;
	if (format_ok(o[0].value, &e) < 0 || eng_seccomp_diff(pos[0], pos[1], &d, &e) < 0)
		return brig_fail(&e);
	if (o[0].value)
		return print_json(d);
	print_names(pos[0], json_object_get(d, "onlyInA"));
	print_names(pos[1], json_object_get(d, "onlyInB"));
	const json_t *differ = json_object_get(d, "rulesDiffer");
	printf("rules differ (%zu):\n", json_array_size(differ));
	size_t i;
	json_t *x;
	json_array_foreach(differ, i, x)
	{
		printf("  %s\n", json_string_value(json_object_get(x, "name")));
		print_rules(pos[0], json_object_get(x, "a"));
		print_rules(pos[1], json_object_get(x, "b"));
	}
	if (!json_equal(json_object_get(d, "defaultActionA"), json_object_get(d, "defaultActionB")))
		printf("defaultAction: %s: %s, %s: %s\n", pos[0],
		       json_string_value(json_object_get(d, "defaultActionA")), pos[1],
		       json_string_value(json_object_get(d, "defaultActionB")));
	return fflush(stdout) == 0 ? 0 : BRIG_EXIT_FAIL;
}

int brig_cmd_seccomp_explain(const struct brig_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { OPT_VALUE("format", 0, "FORMAT", "json: one JSON object"), { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("seccomp explain", "FILE", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *x = NULL;
	if (format_ok(o[0].value, &e) < 0 ||
	    eng_seccomp_explain(pos[0], eng_seccomp_default_profile(), &x, &e) < 0)
		return brig_fail(&e);
	if (o[0].value)
		return print_json(x);
	printf("%s allows %lld syscalls, %lld of them beyond brig's default (%s)\n", pos[0],
	       (long long)json_integer_value(json_object_get(x, "allowed")),
	       (long long)json_integer_value(json_object_get(x, "beyondDefault")),
	       json_string_value(json_object_get(x, "default")));
	size_t i, j;
	json_t *grp, *c;
	json_array_foreach(json_object_get(x, "groups"), i, grp)
	{
		const json_t *calls = json_object_get(grp, "calls");
		if (json_array_size(calls) == 0)
			continue;
		printf("%s risk: %s\n", json_string_value(json_object_get(grp, "level")),
		       json_string_value(json_object_get(grp, "risk")));
		json_array_foreach(calls, j, c)
			printf("  %-20s %s\n", json_string_value(json_object_get(c, "name")),
			       json_string_value(json_object_get(c, "why")));
	}
	return fflush(stdout) == 0 ? 0 : BRIG_EXIT_FAIL;
}
