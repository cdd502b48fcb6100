/* SPDX-License-Identifier: Apache-2.0 */
/* registry: the registries.conf reader (TOML subset), aliases, prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "registry/regconf.h"

static struct reg_conf *parse_ok(const char *doc)
{
	struct brig_err e = { 0 };
	struct reg_conf *c = NULL;
	int r = reg_conf_parse(doc, strlen(doc), "t.conf", &c, &e);
	if (r < 0)
		fail_msg("unexpected error: %s", brig_err_str(&e));
	brig_err_clear(&e);
	return c;
}

/* The document is refused with exactly this message. */
static void parse_bad(const char *doc, const char *msg)
{
	struct brig_err e = { 0 };
	struct reg_conf *c = NULL;
	int r = reg_conf_parse(doc, strlen(doc), "t.conf", &c, &e);
	if (r == 0)
		fail_msg("accepted: %s", doc);
	assert_null(c);
	if (strcmp(brig_err_str(&e), msg) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", doc, brig_err_str(&e), msg);
	brig_err_clear(&e);
}

static void test_full(void **state)
{
	(void)state;
	struct reg_conf *c = parse_ok(
		"# a comment\n"
		"unqualified-search-registries = [\n  \"docker.io\", # hub\n]\n"
		"\n[aliases]\n"
		"\"myimg\" = \"127.0.0.1:5000/team/img\"\n"
		"'a/b' = 'registry.example/x/y' # literal strings\n"
		"[[registry]]\r\n"
		"prefix = \"docker.io\"\n"
		"location = \"hub.example:5000/mirror\"\n"
		"insecure = true\n"
		"[[registry.mirror]]\n"
		"location = \"m1.example\"\n"
		"[[registry.mirror]]\n"
		"location = \"m2.example/x\"\n"
		"insecure = false\n"
		"pull-from-mirror = \"all\"\n"
		"[[registry]]\n"
		"location = \"bad.example\"\n"
		"blocked = true\n");
	assert_null(c->notice);
	assert_int_equal(c->n_aliases, 2);
	assert_string_equal(c->aliases[1].name, "a/b");
	assert_string_equal(c->aliases[1].value, "registry.example/x/y");
	assert_int_equal(c->n_regs, 2);
	assert_true(c->regs[0].insecure);
	assert_false(c->regs[0].blocked);
	assert_int_equal(c->regs[0].n_mirrors, 2);
	assert_int_equal(c->regs[0].mirrors[0].pull_from, REG_MIRROR_DIGEST_ONLY);
	assert_int_equal(c->regs[0].mirrors[1].pull_from, REG_MIRROR_ALL);
	assert_string_equal(c->regs[1].prefix, "bad.example");
	assert_true(c->regs[1].blocked);
	reg_conf_free(c);
}

static void test_escapes_and_empty(void **state)
{
	(void)state;
	struct reg_conf *c = parse_ok("");
	assert_int_equal(c->n_regs, 0);
	reg_conf_free(c);
	c = parse_ok("[aliases]\n\"\\u0061bc\" = \"r.example/abc\"\n");
	assert_string_equal(c->aliases[0].name, "abc");
	reg_conf_free(c);
}

static void test_notice(void **state)
{
	(void)state;
	struct reg_conf *c = parse_ok(
		"\n\nunqualified-search-registries = [\"quay.io\", \"docker.io\"]\n");
	assert_non_null(c->notice);
	assert_non_null(strstr(c->notice,
			       "t.conf:3: unqualified-search-registries: brig "
			       "ignores these"));
	reg_conf_free(c);
}

static void test_refused(void **state)
{
	(void)state;
	parse_bad("foo = true\n", "t.conf:1: foo: unknown key at the top level");
	parse_bad("[[registry]]\nlocation = \"a.b\"\n\ninsecure = \"yes\"\n",
		  "t.conf:4: insecure: expected true or false");
	parse_bad("[[registry]]\nlocation = \"a.b\"\nlocation = \"c.d\"\n",
		  "t.conf:3: location: given twice in [[registry]]");
	parse_bad("[[registry]]\nlocation = \"a.b\"\nmirror-by-digest-only = true\n",
		  "t.conf:3: mirror-by-digest-only: unknown key in [[registry]]");
	parse_bad("[[registry]]\nlocation = \"a.b\"\n[[registry]]\nprefix = \"a.b\"\n",
		  "t.conf:3: [[registry]]: prefix \"a.b\" is already configured at line 1");
	parse_bad("[[registry]]\ninsecure = true\n",
		  "t.conf:1: [[registry]]: needs a location or a prefix");
	parse_bad("[[registry.mirror]]\nlocation = \"a.b\"\n",
		  "t.conf:1: [[registry.mirror]] before any [[registry]]");
	parse_bad("[[registry]]\nlocation = \"a.b\"\n[[registry.mirror]]\ninsecure = true\n",
		  "t.conf:3: [[registry.mirror]]: needs a location");
	parse_bad("[[registry]]\nlocation = \"a.b\"\n[[registry.mirror]]\nlocation = "
		  "\"m.b\"\npull-from-mirror = \"some\"\n",
		  "t.conf:5: pull-from-mirror: \"some\": expected \"all\", \"digest-only\" or "
		  "\"tag-only\"");
	parse_bad("[registries.search]\nregistries = []\n",
		  "t.conf:1: unknown table [registries.search] (brig reads [aliases], "
		  "[[registry]] and [[registry.mirror]])");
	parse_bad("[aliases]\n[aliases]\n", "t.conf:2: [aliases] given twice");
	parse_bad("[aliases]\n\"x\" = \"r.example/x\"\n\"x\" = \"r.example/y\"\n",
		  "t.conf:3: x: alias given twice");
}

static void test_refused_values(void **state)
{
	(void)state;
	parse_bad("[[registry]]\nlocation = \"https://a.b\"\n",
		  "t.conf:2: location: \"https://a.b\": no scheme is written "
		  "(host[:port][/namespace...]); insecure = true allows plain http");
	parse_bad("[[registry]]\nlocation = \"a.b/x:1\"\n",
		  "t.conf:2: location: \"a.b/x:1\": expected host[:port][/namespace...] "
		  "(lower-case repository path; no tag or digest)");
	parse_bad("[[registry]]\nlocation = \"registry/x\"\n",
		  "t.conf:2: location: \"registry/x\": the first component must name a registry "
		  "host (with a '.' or a ':', or localhost)");
	parse_bad("[[registry]]\nprefix = \"*.a.b\"\n",
		  "t.conf:2: prefix: \"*.a.b\": wildcard prefixes are not supported by brig");
	parse_bad("[[registry]]\nlocation = 5000\n",
		  "t.conf:2: location: expected a string, true, false or an array of strings");
	parse_bad("[[registry]]\nlocation = true\n", "t.conf:2: location: expected a string");
	parse_bad("[[registry]]\nlocation = \"a.b\" x\n",
		  "t.conf:2: location: unexpected 'x' after the value");
	parse_bad("[[registry]]\nlocation = \"a.b\n",
		  "t.conf:2: location: a string without its closing \"");
	parse_bad("[[registry]]\nlocation = \"\"\"a.b\"\"\"\n",
		  "t.conf:2: location: multi-line strings are not supported");
	parse_bad("[[registry]]\nregistry.location = \"a.b\"\n",
		  "t.conf:2: dotted keys are not supported");
	parse_bad("unqualified-search-registries = \"docker.io\"\n",
		  "t.conf:1: unqualified-search-registries: expected an array of strings");
	parse_bad("unqualified-search-registries = [\"a.b\" \"c.d\"]\n",
		  "t.conf:1: unqualified-search-registries: expected ',' or ']' in the array");
	parse_bad("[aliases]\n\"r.example/x\" = \"r.example/x\"\n",
		  "t.conf:2: r.example/x: an alias is a short name: lower-case repository path "
		  "without registry, tag or digest");
	parse_bad("[aliases]\n\"x\" = \"x/y\"\n",
		  "t.conf:2: x: \"x/y\": the first component must name a registry host (with a "
		  "'.' or a ':', or localhost)");
	parse_bad("[aliases]\n\"x\" = \"r.example\"\n",
		  "t.conf:2: x: \"r.example\": the alias must name a registry and a repository "
		  "(host[:port]/repo)");
	parse_bad("[aliases]\n\"x\" = \"r.example/y:1\"\n",
		  "t.conf:2: x: \"r.example/y:1\": expected host[:port][/namespace...] "
		  "(lower-case repository path; no tag or digest)");
	parse_bad("[aliases]\n\"x\" = \"a\\qb\"\n",
		  "t.conf:2: x: unknown escape '\\q' in a string");
	parse_bad("[aliases]\n\"x\" = \"a\\u0001\"\n",
		  "t.conf:2: x: \\u0001 is not allowed in a string");
	parse_bad("[aliases]\n\"x\" = \"a\tb\x01\"\n",
		  "t.conf:2: x: a control character in a string");
}

static void test_size_and_nul(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct reg_conf *c = NULL;
	size_t n = REG_CONF_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, '\n', n);
	assert_int_equal(reg_conf_parse(big, n, "t.conf", &c, &e), -EFBIG);
	brig_err_clear(&e);
	assert_int_equal(reg_conf_parse("a\0b", 3, "t.conf", &c, &e), -EINVAL);
	assert_string_equal(brig_err_str(&e), "t.conf: contains a NUL byte");
	brig_err_clear(&e);
	free(big);
}

/* Every prefix of a document, in a buffer of exactly that size (ASan
 * catches a read past the end): parsed or refused, never more. */
static void test_truncations(void **state)
{
	(void)state;
	static const char doc[] = "unqualified-search-registries = ['docker.io', \"q.io\"]\n"
				  "[aliases]\n\"a\\u0062\" = \"r.example/x\" # c\n"
				  "[[registry]]\nprefix = \"docker.io\"\nlocation = 'h.example'\n"
				  "insecure = true\n[[registry.mirror]]\nlocation = \"m.example\"\n"
				  "pull-from-mirror = \"tag-only\"\n";
	size_t whole = 0;
	for (size_t n = 0; n < sizeof(doc); n++) {
		char *buf = malloc(n ? n : 1);
		assert_non_null(buf);
		memcpy(buf, doc, n);
		struct brig_err e = { 0 };
		struct reg_conf *c = NULL;
		if (reg_conf_parse(buf, n, "t.conf", &c, &e) == 0) {
			whole = c->n_regs == 1 && c->regs[0].n_mirrors == 1 ? n : whole;
			reg_conf_free(c);
		}
		brig_err_clear(&e);
		free(buf);
	}
	assert_int_equal(whole, sizeof(doc) - 1); /* the whole document is read */
}

static void expand_is(const struct reg_conf *c, const char *in, const char *want)
{
	struct brig_err e = { 0 };
	char *out = NULL;
	assert_int_equal(reg_conf_expand(c, in, &out, &e), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_expand_and_match(void **state)
{
	(void)state;
	struct reg_conf *c = parse_ok(
		"[aliases]\n\"myimg\" = \"127.0.0.1:5000/team/img\"\n"
		"\"a/b\" = \"r.example/ab\"\n"
		"[[registry]]\nprefix = \"docker.io\"\nlocation = \"h.example\"\n"
		"[[registry]]\nprefix = \"docker.io/library/x\"\n"
		"location = \"l.example/lx\"\n");
	expand_is(c, "myimg", "127.0.0.1:5000/team/img");
	expand_is(c, "myimg:2", "127.0.0.1:5000/team/img:2");
	expand_is(c, "myimg@sha256:00", "127.0.0.1:5000/team/img@sha256:00");
	expand_is(c, "a/b:1", "r.example/ab:1");
	expand_is(c, "myimgx", "myimgx");
	expand_is(c, "busybox", "busybox");
	expand_is(c, "localhost/myimg", "localhost/myimg");
	expand_is(c, "r.example:5000/myimg", "r.example:5000/myimg");
	expand_is(NULL, "myimg", "myimg");
	const struct reg_conf_registry *r = reg_conf_match(c, "docker.io/library/busybox");
	assert_non_null(r);
	assert_string_equal(r->location, "h.example");
	char *w = reg_conf_rewrite(r, r->location, "docker.io/library/busybox");
	assert_string_equal(w, "h.example/library/busybox");
	free(w);
	r = reg_conf_match(c, "docker.io/library/x");
	assert_string_equal(r->location, "l.example/lx");
	r = reg_conf_match(c, "docker.io/library/xy");
	assert_string_equal(r->location, "h.example");
	assert_null(reg_conf_match(c, "docker.iox/a"));
	assert_null(reg_conf_match(c, "quay.io/a"));
	reg_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),           cmocka_unit_test(test_escapes_and_empty),
		cmocka_unit_test(test_notice),         cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_values), cmocka_unit_test(test_size_and_nul),
		cmocka_unit_test(test_truncations),    cmocka_unit_test(test_expand_and_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
