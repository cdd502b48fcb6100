/* SPDX-License-Identifier: Apache-2.0 */
/* The Dockerfile parser (lex.c, parse.c), substitution (words.c) and
 * .dockerignore (ignore.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "build/build.h"

#include <stdlib.h>
#include <string.h>

static int parse(const char *text, struct bld_file *f, struct brig_err *e)
{
	return bld_parse("Dockerfile", text, strlen(text), f, e);
}

static void parse_ok(const char *text, struct bld_file *f)
{
	struct brig_err e = { 0 };
	if (parse(text, f, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
}

static void parse_err(const char *text, const char *want)
{
	struct bld_file f = { 0 };
	struct brig_err e = { 0 };
	assert_true(parse(text, &f, &e) < 0);
	if (!strstr(brig_err_str(&e), want))
		fail_msg("got \"%s\", wanted \"%s\"", brig_err_str(&e), want);
	brig_err_clear(&e);
}

static void test_instructions(void **state)
{
	(void)state;
	struct bld_file f;
	parse_ok("# a comment\n"
		 "ARG V=1\n"
		 "from busybox AS Base\n"
		 "\n"
		 "RUN echo a \\\n"
		 "  # a comment inside\n"
		 "    && echo b\n"
		 "CMD [\"/bin/sh\", \"-c\", \"x\"]\n"
		 "ENTRYPOINT [not json\n"
		 "COPY --from=base --chown=1:2 a b /c/\n"
		 "FROM base\n"
		 "USER 1000\n",
		 &f);
	assert_int_equal(f.n, 8);
	assert_int_equal(f.n_stages, 2);
	assert_string_equal(f.stages[0].name, "base");
	assert_int_equal(f.stages[0].from, 1);
	assert_int_equal(f.stages[0].end, 6);
	assert_null(f.stages[1].name);
	assert_string_equal(f.v[1].cmd, "FROM");
	assert_int_equal(f.v[2].line, 5);
	assert_string_equal(f.v[2].rest, "echo a     && echo b");
	assert_true(f.v[3].exec);
	assert_int_equal(f.v[3].argc, 3);
	assert_string_equal(f.v[3].argv[2], "x");
	assert_false(f.v[4].exec); /* not JSON: shell form, as Docker */
	assert_int_equal(f.v[5].n_flags, 2);
	assert_string_equal(f.v[5].flags[0], "--from=base");
	assert_string_equal(f.v[5].rest, "a b /c/");
	assert_int_equal(f.escape, '\\');
	bld_file_clear(&f);
}

static void test_directives_heredoc(void **state)
{
	(void)state;
	struct bld_file f;
	parse_ok("# syntax=docker/dockerfile:1\n"
		 "# escape=`\n"
		 "FROM scratch\n"
		 "RUN dir c:\\ `\n"
		 "  && echo x\n"
		 "RUN <<EOF\n"
		 "echo one\n"
		 "echo two\n"
		 "EOF\n"
		 "RUN cat <<-'END' > /f\n"
		 "\thello\n"
		 "\tEND\n"
		 "# escape=\\\n"
		 "USER x\n",
		 &f);
	assert_int_equal(f.escape, '`');
	assert_string_equal(f.v[1].rest, "dir c:\\   && echo x");
	assert_true(f.v[2].heredoc_bare);
	assert_string_equal(f.v[2].heredoc, "echo one\necho two\n");
	assert_false(f.v[3].heredoc_bare);
	assert_string_equal(f.v[3].heredoc, "hello\nEND\n");
	assert_int_equal(f.v[4].line, 14);
	bld_file_clear(&f);
}

static void test_errors(void **state)
{
	(void)state;
	parse_err("FROM a\nFROB x\n", "Dockerfile:2: unknown instruction: FROB");
	parse_err("FROM a\nRUN\n", "Dockerfile:2: RUN requires at least one argument");
	parse_err("USER x\nFROM a\n", "Dockerfile:1: USER before the first FROM");
	parse_err("FROM a b\n", "Dockerfile:1: FROM: expected IMAGE [AS NAME]");
	parse_err("FROM a\nSHELL /bin/sh\n", "Dockerfile:2: SHELL requires a JSON array");
	parse_err("FROM a\nRUN <<EOF\necho\n", "heredoc \"EOF\" has no end line");
	parse_err("# escape=x\nFROM a\n", "Dockerfile:1: escape must be");
	parse_err("# just a comment\n", "no FROM instruction");
}

static void test_limits(void **state)
{
	(void)state;
	size_t n = 100000;
	char *big = malloc(n * 5 + 16);
	assert_non_null(big);
	strcpy(big, "FROM a\n");
	/* 100k lines */
	size_t len = strlen(big);
	for (size_t i = 0; i < n; i++, len += 4)
		memcpy(big + len, "#c\n\n", 4);
	big[len] = '\0';
	parse_err(big, "Dockerfile:50001: more than 50000 lines");
	free(big);
	/* one line of a megabyte */
	size_t m = (size_t)1 << 20;
	char *line = malloc(m + 32);
	assert_non_null(line);
	strcpy(line, "FROM a\nRUN ");
	memset(line + 11, 'x', m);
	line[11 + m] = '\0';
	parse_err(line, "Dockerfile:2: a line longer than");
	free(line);
}

static const char *get(void *arg, const char *name, size_t len)
{
	(void)arg;
	if (len == 1 && name[0] == 'A')
		return "a b";
	if (len == 5 && !memcmp(name, "EMPTY", 5))
		return "";
	return NULL;
}

static char *expand1(const char *s, bool split, size_t want_n)
{
	struct bld_vars v = { get, NULL };
	struct brig_err e = { 0 };
	char **w = NULL;
	size_t n = 0;
	if (bld_expand(s, '\\', &v, split, &w, &n, &e) < 0)
		fail_msg("%s: %s", s, brig_err_str(&e));
	assert_int_equal(n, want_n);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	char *out = calloc(1, len + 1);
	for (size_t i = 0; i < n; i++) {
		strcat(out, w[i]);
		if (i + 1 < n)
			strcat(out, "|");
	}
	brig_strv_free(w);
	return out;
}

static void check(const char *s, bool split, size_t n, const char *want)
{
	char *got = expand1(s, split, n);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", wanted \"%s\"", s, got, want);
	free(got);
}

static void test_substitution(void **state)
{
	(void)state;
	check("$A", false, 1, "a b");
	check("${A}x", false, 1, "a bx");
	check("${NOPE:-def}", false, 1, "def");
	check("${EMPTY:-def}", false, 1, "def");
	check("${EMPTY-def}", false, 1, "");
	check("${A:+set}", false, 1, "set");
	check("${NOPE:+set}", false, 1, "");
	check("'$A' \"$A\" \\$A", true, 3, "$A|a b|$A");
	check("K=\"x y\" L=z", true, 2, "K=x y|L=z");
	check("${NOPE:-${A}}", false, 1, "a b");
	check("a\\ b", true, 1, "a b");
	check("$", false, 1, "$");
	struct bld_vars v = { get, NULL };
	struct brig_err e = { 0 };
	char **w = NULL;
	size_t n;
	assert_true(bld_expand("\"open", '\\', &v, true, &w, &n, &e) < 0);
	brig_err_clear(&e);
	assert_true(bld_expand("${A", '\\', &v, true, &w, &n, &e) < 0);
	brig_err_clear(&e);
	assert_true(bld_expand("${A?x}", '\\', &v, true, &w, &n, &e) < 0);
	brig_err_clear(&e);
}

static void test_ignore(void **state)
{
	(void)state;
	const char *text = "# comment\n*.log\n/build\n**/tmp\n!keep.log\ndocs/*.md\n";
	struct bld_ignore ig;
	struct brig_err e = { 0 };
	assert_int_equal(bld_ignore_parse(text, strlen(text), &ig, &e), 0);
	assert_true(bld_ignored(&ig, "a.log"));
	assert_false(bld_ignored(&ig, "keep.log"));
	assert_false(bld_ignored(&ig, "sub/a.log")); /* *.log is at the top only */
	assert_true(bld_ignored(&ig, "build/x/y"));
	assert_true(bld_ignored(&ig, "a/b/tmp/c"));
	assert_true(bld_ignored(&ig, "tmp"));
	assert_true(bld_ignored(&ig, "docs/x.md"));
	assert_false(bld_ignored(&ig, "docs/sub/x.md"));
	assert_false(bld_ignored(&ig, "src/main.c"));
	bld_ignore_clear(&ig);
	assert_true(bld_match("**/*.c", "a/b/c.c"));
	assert_true(bld_match("**/*.c", "c.c"));
	assert_false(bld_match("*.c", "a/c.c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instructions), cmocka_unit_test(test_directives_heredoc),
		cmocka_unit_test(test_errors),       cmocka_unit_test(test_limits),
		cmocka_unit_test(test_substitution), cmocka_unit_test(test_ignore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
