/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: a Dockerfile through the parser (src/build/lex.c,
 * parse.c), every instruction's text through substitution (words.c), and
 * the input as a .dockerignore (ignore.c) matched against a few paths.
 *
 * Besides "no crash, no leak", it checks the parser's contract: an error
 * is one line naming the file; a parsed file has stages whose ranges cover
 * its instructions in order, a FROM first in each.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build/build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *get(void *arg, const char *name, size_t len)
{
	(void)arg;
	return len == 1 && name[0] == 'A' ? "a b" : len == 1 && name[0] == 'E' ? "" : NULL;
}

static void check_err(struct brig_err *e)
{
	const char *s = brig_err_str(e);
	if (strchr(s, '\n'))
		abort();
	brig_err_clear(e);
}

static void check_file(const struct bld_file *f)
{
	size_t next = f->n_stages ? f->stages[0].from : 0;
	for (size_t i = 0; i < f->n_stages; i++) {
		const struct bld_stage *s = &f->stages[i];
		if (s->from != next || s->end < s->from + 1 || s->end > f->n ||
		    strcmp(f->v[s->from].cmd, "FROM") != 0)
			abort();
		next = s->end;
	}
	if (next != f->n)
		abort();
}

static void expand_all(const struct bld_file *f)
{
	struct bld_vars v = { get, NULL };
	for (size_t i = 0; i < f->n; i++) {
		struct brig_err e = { 0 };
		char **w = NULL;
		size_t n = 0;
		if (bld_expand(f->v[i].rest, f->escape, &v, true, &w, &n, &e) == 0) {
			for (size_t k = 0; k < n; k++)
				if (!w[k])
					abort();
			brig_strv_free(w);
		} else {
			check_err(&e);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bld_file f = { 0 };
	struct brig_err e = { 0 };
	if (bld_parse("Dockerfile", (const char *)data, size, &f, &e) == 0) {
		check_file(&f);
		expand_all(&f);
		bld_file_clear(&f);
	} else {
		if (strncmp(brig_err_str(&e), "Dockerfile", 10) != 0)
			abort();
		check_err(&e);
	}
	struct bld_ignore ig;
	if (memchr(data, '\0', size) == NULL &&
	    bld_ignore_parse((const char *)data, size, &ig, &e) == 0) {
		static const char *const paths[] = { "a", "a/b/c.log", "build/x", ".git/config",
						     "" };
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			(void)bld_ignored(&ig, paths[i]);
		bld_ignore_clear(&ig);
	} else {
		brig_err_clear(&e);
	}
	return 0;
}
