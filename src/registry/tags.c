/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tags lists: GET /v2/REPO/tags/list?n=N, then the pages the Link header
 * names (rel="next"), each answer strict JSON of a bounded size.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct tags {
	char **v; /* NULL-terminated */
	size_t n;
};

/* [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, Docker's tag grammar. */
static bool tag_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

static int add_tag(struct tags *t, const char *tag, const char *what, struct brig_err *e)
{
	if (!tag_ok(tag))
		return brig_err_set(e, -EBADMSG, "%s: '%.130s' is not a valid tag", what, tag);
	if (t->n == REG_TAGS_MAX)
		return brig_err_set(e, -E2BIG, "%s: more than %d tags", what, REG_TAGS_MAX);
	char **nv = realloc(t->v, (t->n + 2) * sizeof(*nv));
	if (!nv)
		return brig_err_oom(e);
	t->v = nv;
	if (!(t->v[t->n] = strdup(tag)))
		return brig_err_oom(e);
	t->v[++t->n] = NULL;
	return 0;
}

/* {"name": REPO, "tags": [TAG...] | null}; other members are ignored. */
static int parse_page(const struct reg_resp *resp, const char *repo, const char *what,
		      struct tags *t, struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	struct bj_loc at;
	const char *name = NULL;
	json_t *arr, *v;
	size_t i;
	bj_root(&at, what);
	int r = bj_parse(resp->body ? resp->body : "", resp->len, what, &doc, e);
	if (r == 0 && !json_is_object(doc))
		r = bj_fail(e, &at, "expected an object, got %s", bj_type_name(doc));
	if (r == 0 && (r = bj_get_str(doc, &at, "name", true, &name, e)) == 0 &&
	    strcmp(name, repo) != 0)
		r = brig_err_set(e, -EBADMSG, "%s: the list is of '%.200s'", what, name);
	if (r < 0)
		return r;
	arr = json_object_get(doc, "tags");
	if (!arr || json_is_null(arr))
		return 0;
	if ((r = bj_get_arr(doc, &at, "tags", true, &arr, e)) < 0)
		return r;
	json_array_foreach(arr, i, v)
	{
		struct bj_loc el;
		bj_idx(&el, &at, i);
		if ((r = bj_expect(v, &el, JSON_STRING, e)) < 0 ||
		    (r = add_tag(t, json_string_value(v), what, e)) < 0)
			return r;
	}
	return 0;
}

int reg_link_next(const char *h, char **uri, const char *what, struct brig_err *e)
{
	*uri = NULL;
	while (*h) {
		while (*h == ' ' || *h == ',')
			h++;
		if (!*h)
			break;
		const char *end = *h == '<' ? strchr(h, '>') : NULL;
		if (!end)
			return brig_err_set(e, -EBADMSG, "%s: malformed Link header", what);
		const char *params = end + 1, *stop = strchr(params, ',');
		size_t plen = stop ? (size_t)(stop - params) : strlen(params);
		_cleanup_free_ char *p = strndup(params, plen);
		if (!p)
			return brig_err_oom(e);
		for (char *q = p; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		const char *bare = strstr(p, "rel=next");
		if (strstr(p, "rel=\"next\"") || (bare && strchr("; ", bare[8]))) {
			*uri = strndup(h + 1, (size_t)(end - h - 1));
			return *uri ? 0 : brig_err_oom(e);
		}
		h = params + plen;
	}
	return 0;
}

/* The next page's URL: the Link URI resolved against cur; on the
 * registry's own origin, a tags list path. */
static int next_page(const struct reg_client *c, const char *cur, const char *link, char **next,
		     const char *what, struct brig_err *e)
{
	_cleanup_free_ char *uri = NULL;
	*next = NULL;
	int r = link ? reg_link_next(link, &uri, what, e) : 0;
	if (r < 0 || !uri)
		return r;
	CURLU *u = curl_url();
	char *s = NULL, *path = NULL;
	if (!u)
		return brig_err_oom(e);
	if (curl_url_set(u, CURLUPART_URL, cur, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, uri, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		r = brig_err_set(e, -EBADMSG, "%s: the Link header's URL is bad", what);
	_cleanup_free_ char *origin = s ? reg_origin(s) : NULL;
	size_t pl = path ? strlen(path) : 0;
	if (r == 0 &&
	    (!origin || strcmp(origin, c->origin) != 0 || pl < 15 ||
	     strncmp(path, "/v2/", 4) != 0 || strcmp(path + pl - 10, "/tags/list") != 0))
		r = brig_err_set(e, -EBADMSG,
				 "%s: the Link header leads away from the registry's tags list",
				 what);
	if (r == 0 && strcmp(s, cur) == 0)
		r = brig_err_set(e, -ELOOP, "%s: the Link header names the same page again", what);
	if (r == 0 && !(*next = strdup(s)))
		r = brig_err_oom(e);
	curl_free(s);
	curl_free(path);
	curl_url_cleanup(u);
	return r;
}

static long page_size(void)
{
	const char *v = getenv("BRIG_REGISTRY_TAGS_PAGE");
	char *end = NULL;
	long n = v && *v ? strtol(v, &end, 10) : 0;
	return v && *v && !*end && n >= 1 && n <= REG_TAGS_PAGE ? n : REG_TAGS_PAGE;
}

static int get_pages(struct reg_client *c, const char *repo, const char *what, struct tags *t,
		     struct brig_err *e)
{
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "https://%s/v2/%s/tags/list?n=%ld", c->api_host, repo, page_size()) < 0)
		return brig_err_oom(e);
	for (int page = 0; url; page++) {
		if (page == REG_TAGS_PAGES)
			return brig_err_set(e, -E2BIG, "%s: more than %d pages", what,
					    REG_TAGS_PAGES);
		struct reg_resp resp = { .max = REG_TAGS_BODY_MAX, .what = what };
		char *next = NULL;
		int r = reg_request(c, repo, url, "application/json", &resp, e);
		if (r == 0 && resp.status != 200)
			r = reg_status_error(c, &resp, what + strlen(c->host) + 1, e);
		if (r == 0)
			r = parse_page(&resp, repo, what, t, e);
		if (r == 0)
			r = next_page(c, url, resp.link, &next, what, e);
		reg_resp_reset(&resp);
		if (r < 0)
			return r;
		free(url);
		url = next;
	}
	return 0;
}

int reg_tags_list(struct reg_client *c, const char *repo, char ***tags, size_t *n,
		  struct brig_err *e)
{
	_cleanup_free_ char *what = NULL;
	struct tags t = { .v = calloc(1, sizeof(char *)) };
	*tags = NULL;
	*n = 0;
	if (!t.v || asprintf(&what, "%s/%s tags list", c->host, repo) < 0) {
		free(t.v);
		return brig_err_oom(e);
	}
	int r = get_pages(c, repo, what, &t, e);
	if (r < 0) {
		brig_strv_free(t.v);
		return r;
	}
	*tags = t.v;
	*n = t.n;
	return 0;
}
