/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules of `--security-opt landlock=` (the annotation run.brig.landlock,
 * docs/landlock.md): parsed by brig to refuse a bad flag at create, and by
 * brig-runtime, which applies them (runtime/landlock.c).
 */
#include "common/common.h"
#include "common/landlock.h"

#include <stdlib.h>
#include <string.h>

#define BRIG_LL_MAX_TEXT 8192

void brig_landlock_rules_free(struct brig_landlock_rules *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->rules[i].path);
	free(l);
}

static int parse_port(const char *s, struct brig_ll_rule *r)
{
	int64_t v;
	if (strcmp(s, "none") == 0) {
		r->none = true;
		return 0;
	}
	if (brig_parse_i64(s, &v) < 0 || v < 1 || v > 65535)
		return -EINVAL;
	r->port = (uint16_t)v;
	return 0;
}

static int parse_path(const char *s, struct brig_ll_rule *r)
{
	if (s[0] != '/')
		return -EINVAL;
	for (const char *c = s; *c;) { /* no ".." component */
		while (*c == '/')
			c++;
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		c += n;
	}
	return (r->path = strdup(s)) ? 0 : -ENOMEM;
}

/* One "KIND:VALUE". */
static int parse_rule(const char *tok, struct brig_landlock_rules *l, struct brig_err *e)
{
	static const struct {
		const char *name;
		enum brig_ll_kind kind;
	} kinds[] = { { "ro:", BRIG_LL_RO },
		      { "rw:", BRIG_LL_RW },
		      { "bind:", BRIG_LL_BIND },
		      { "connect:", BRIG_LL_CONNECT } };
	if (l->n >= BRIG_LL_MAX_RULES)
		return brig_err_set(e, -E2BIG, "landlock: more than %d rules", BRIG_LL_MAX_RULES);
	struct brig_ll_rule *r = &l->rules[l->n];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(kinds); i++) {
		size_t n = strlen(kinds[i].name);
		if (strncmp(tok, kinds[i].name, n) != 0)
			continue;
		r->kind = kinds[i].kind;
		bool path = r->kind == BRIG_LL_RO || r->kind == BRIG_LL_RW;
		int rc = path ? parse_path(tok + n, r) : parse_port(tok + n, r);
		if (rc == -ENOMEM)
			return brig_err_set(e, rc, "out of memory");
		if (rc < 0)
			return brig_err_set(e, rc, "landlock: rule \"%s\": %s", tok,
					    path ? "the path must be absolute, without \"..\""
						 : "the port must be 1-65535 or none");
		l->fs |= path;
		l->bind |= r->kind == BRIG_LL_BIND;
		l->connect |= r->kind == BRIG_LL_CONNECT;
		l->n++;
		return 0;
	}
	return brig_err_set(
		e, -EINVAL,
		"landlock: rule \"%s\": expected ro:PATH, rw:PATH, bind:PORT or connect:PORT", tok);
}

int brig_landlock_rules_parse(const char *text, struct brig_landlock_rules **out,
			      struct brig_err *e)
{
	if (strlen(text) > BRIG_LL_MAX_TEXT)
		return brig_err_set(e, -E2BIG, "landlock: rules longer than %d bytes",
				    BRIG_LL_MAX_TEXT);
	_cleanup_free_ char *copy = strdup(text);
	struct brig_landlock_rules *l = calloc(1, sizeof(*l));
	if (!copy || !l) {
		free(l);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int r = parse_rule(tok, l, e);
		if (r < 0) {
			brig_landlock_rules_free(l);
			return r;
		}
	}
	if (l->n == 0) {
		brig_landlock_rules_free(l);
		return brig_err_set(e, -EINVAL, "landlock: no rules");
	}
	*out = l;
	return 0;
}

int brig_landlock_rules_check(const char *rules, struct brig_err *e)
{
	struct brig_landlock_rules *l = NULL;
	int r = brig_landlock_rules_parse(rules, &l, e);
	brig_landlock_rules_free(l);
	return r;
}
