/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: the lean first pass over OSV files (src/audit/osvskim.c).  It may
 * pass over a file only when the full parse would accept it and find no
 * installed package in it: a table of files it must accept and refuse, and
 * many mutations of a valid record, none of which it may accept where
 * jansson (bj_parse) refuses the text.
 */
#include "audit/scan-internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static bool wants_openssl(const char *name, size_t n, void *arg)
{
	(void)arg;
	return n == 7 && memcmp(name, "openssl", 7) == 0;
}

static bool skim(const char *text)
{
	size_t records = 0;
	return scan_osv_skim(text, strlen(text), wants_openssl, NULL, &records);
}

#define AFF                                                                                    \
	"{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"zlib\"},\"versions\":[\"1.2\"]," \
	"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"              \
	"{\"fixed\":\"1:1.3-1\"}]}],\"database_specific\":{\"n\":[1,-2.5e10,true,null]}}"
#define REC \
	"{\"id\":\"DEBIAN-CVE-1\",\"summary\":\"s \\u00e9\\ud83d\\ude00 é\",\"affected\":[" AFF "]}"

static void accepts(void **state)
{
	(void)state;
	size_t records = 0;
	static const char arr[] = "[" REC ",\n " REC "]\n";
	assert_true(scan_osv_skim(arr, sizeof(arr) - 1, wants_openssl, NULL, &records));
	assert_int_equal(records, 2);
	assert_true(skim(REC));
	assert_true(skim("{\"id\":\"x\"}"));
	assert_true(skim(" [] "));
	assert_true(skim("{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian\","
			 "\"name\":\"a\"}}]}"));
}

static void refuses(void **state)
{
	(void)state;
	static const char *const bad[] = {
		/* a wanted package */
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian\",\"name\":\"openssl\"}}]}",
		/* a name spelled with an escape is left to the full parse */
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian\",\"name\":\"openss\\u006c\"}}]}",
		/* JSON */
		"",
		"  ",
		"1",
		"\"x\"",
		"{\"id\":\"x\"} x",
		"{\"id\":\"x\",}",
		"{\"id\":\"x\"",
		"{\"id\":\"x\",\"id\":\"y\"}",
		"{\"id\":\"x\",\"a\":01}",
		"{\"id\":\"x\",\"a\":1e999}",
		"{\"id\":\"x\",\"a\":12345678901234567890}",
		"{\"id\":\"x\",\"a\":\"\\ud800\"}",
		"{\"id\":\"x\",\"a\":\"\\udc00\"}",
		"{\"id\":\"x\",\"a\":\"\xc0\xaf\"}",
		"{\"id\":\"x\",\"a\":\"\xed\xa0\x80\"}",
		"{\"id\":\"x\",\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"id\":\"x\",\"a\":\"\t\"}",
		"{\"id\":\"x\",\"a\":\"\\x\"}",
		"{\"id\":\"x\",\"a\":tru}",
		"{\"i\\u0064\":\"x\"}",
		/* the shape osv.c checks */
		"{}",
		"{\"id\":1}",
		"{\"id\":\"a\\u0000\"}",
		"{\"id\":\"x\",\"summary\":null}",
		"{\"id\":\"x\",\"affected\":{}}",
		"{\"id\":\"x\",\"affected\":[1]}",
		"{\"id\":\"x\",\"affected\":[{}]}",
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"name\":\"a\"}}]}",
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"D\",\"name\":\"a\"},"
		"\"versions\":[1]}]}",
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"D\",\"name\":\"a\"},"
		"\"ranges\":[{\"type\":\"ECOSYSTEM\"}]}]}",
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"D\",\"name\":\"a\"},"
		"\"ranges\":[{\"type\":\"E\",\"events\":[{}]}]}]}",
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"D\",\"name\":\"a\"},"
		"\"ranges\":[{\"type\":\"E\",\"events\":[{\"introduced\":\"0\",\"fixed\":\"1\"}]}]}]}",
		"{\"id\":\"x\",\"affected\":[{\"package\":{\"ecosystem\":\"D\",\"name\":\"a\"},"
		"\"ranges\":[{\"type\":\"E\",\"events\":[{\"fixed\":1}]}]}]}",
		"[1]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (skim(bad[i]))
			fail_msg("accepted: %s", bad[i]);
}

/* Mutations of a valid record (a byte changed, dropped or doubled): the
 * pass never accepts one that bj_parse refuses. */
static void never_laxer(void **state)
{
	(void)state;
	static const char rec[] = "[" REC "," REC "]";
	static const char repl[] = "{}[]\",:\\u0123456789eE+-.tfnl \x80\xc3\xed\xf4\x01";
	size_t n = sizeof(rec) - 1, accepted = 0;
	char buf[sizeof(rec) + 1];
	uint32_t x = 15;
	for (int t = 0; t < 60000; t++) {
		x = x * 1103515245u + 12345u;
		size_t at = (x >> 8) % n, len = n;
		memcpy(buf, rec, n);
		int kind = (int)((x >> 4) % 3);
		if (kind == 0)
			buf[at] = repl[(x >> 20) % (sizeof(repl) - 1)];
		else if (kind == 1)
			memmove(buf + at, buf + at + 1, n - at - 1), len--;
		else
			memmove(buf + at + 1, buf + at, n - at), len++;
		size_t records = 0;
		if (!scan_osv_skim(buf, len, wants_openssl, NULL, &records))
			continue;
		accepted++;
		json_t *doc = NULL;
		struct brig_err e = { 0 };
		if (bj_parse(buf, len, "mutant", &doc, &e) < 0)
			fail_msg("accepted what jansson refuses (%s): %.*s", brig_err_str(&e),
				 (int)len, buf);
		json_decref(doc);
	}
	assert_true(accepted > 1000); /* harmless changes in strings are accepted */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts),
		cmocka_unit_test(refuses),
		cmocka_unit_test(never_laxer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
