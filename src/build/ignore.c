/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .dockerignore: one pattern a line ('#' comments, blank lines skipped),
 * cleaned as a path relative to the context, "**" matching any number of
 * directories, "!" making an exception; the last pattern that matches a
 * path (or one of its parent directories) decides.
 */
#include "build/build-internal.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define IGNORE_MAX_PATTERNS 10000

static bool match_at(const char *p, const char *s, int depth)
{
	if (depth > 64)
		return false;
	if (p[0] == '*' && p[1] == '*' && (p[2] == '/' || !p[2])) {
		const char *rest = p[2] ? p + 3 : p + 2;
		if (!*rest)
			return true;
		for (const char *t = s;; t++) {
			if ((t == s || t[-1] == '/') && match_at(rest, t, depth + 1))
				return true;
			if (!*t)
				return false;
		}
	}
	size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
	char pc[NAME_MAX + 1], sc[NAME_MAX + 1];
	if (pl > NAME_MAX || sl > NAME_MAX || (!*s && *p))
		return false;
	memcpy(pc, p, pl);
	pc[pl] = '\0';
	memcpy(sc, s, sl);
	sc[sl] = '\0';
	if (fnmatch(pc, sc, 0) != 0)
		return false;
	if (!p[pl] || !s[sl])
		return !p[pl] && !s[sl];
	return match_at(p + pl + 1, s + sl + 1, depth + 1);
}

bool bld_match(const char *pat, const char *path)
{
	return match_at(pat, path, 0);
}

bool bld_ignored(const struct bld_ignore *ig, const char *rel)
{
	bool out = false;
	char pre[PATH_MAX];
	for (size_t i = 0; i < ig->n; i++) {
		bool m = bld_match(ig->pat[i], rel);
		size_t len = strlen(rel);
		for (size_t k = 0; !m && k < len && len < sizeof(pre); k++) {
			if (rel[k] != '/')
				continue;
			memcpy(pre, rel, k);
			pre[k] = '\0';
			m = bld_match(ig->pat[i], pre);
		}
		if (m)
			out = !ig->neg[i];
	}
	return out;
}

void bld_ignore_clear(struct bld_ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++)
		free(ig->pat[i]);
	free(ig->pat);
	free(ig->neg);
	*ig = (struct bld_ignore){ 0 };
}

static int add(struct bld_ignore *ig, const char *p, size_t n, bool neg, struct brig_err *e)
{
	char raw[PATH_MAX], clean[PATH_MAX];
	if (n >= sizeof(raw))
		return brig_err_set(e, -ENAMETOOLONG, ".dockerignore: a pattern is too long");
	memcpy(raw, p, n);
	raw[n] = '\0';
	if (brig_path_clean(raw, BRIG_PATH_CLAMP, clean, sizeof(clean)) < 0)
		return brig_err_set(e, -EINVAL, ".dockerignore: bad pattern \"%s\"", raw);
	if (!clean[0])
		return 0;
	if (ig->n >= IGNORE_MAX_PATTERNS)
		return brig_err_set(e, -E2BIG, ".dockerignore: more than %d patterns",
				    IGNORE_MAX_PATTERNS);
	char **np = realloc(ig->pat, (ig->n + 1) * sizeof(*np));
	if (np)
		ig->pat = np;
	bool *nn = np ? realloc(ig->neg, (ig->n + 1) * sizeof(*nn)) : NULL;
	if (nn)
		ig->neg = nn;
	if (!np || !nn || !(np[ig->n] = strdup(clean)))
		return brig_err_oom(e);
	nn[ig->n++] = neg;
	return 0;
}

int bld_ignore_parse(const char *text, size_t len, struct bld_ignore *out, struct brig_err *e)
{
	*out = (struct bld_ignore){ 0 };
	for (size_t i = 0; i < len;) {
		const char *l = text + i, *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		i += n + 1;
		while (n > 0 && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
			n--;
		while (n > 0 && (*l == ' ' || *l == '\t'))
			l++, n--;
		if (n == 0 || *l == '#')
			continue;
		bool neg = *l == '!';
		int r = add(out, l + neg, n - neg, neg, e);
		if (r < 0) {
			bld_ignore_clear(out);
			return r;
		}
	}
	return 0;
}
