/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: brig's notaryTrust requirement (docs/trust-notary.md), which
 * containers-policy.json(5) has no type for, so it is written in policy.d:
 *
 *   {"transports": {"docker": {"127.0.0.1:5000/team": [
 *      {"type": "notaryTrust", "server": "https://127.0.0.1:4443",
 *       "rootKeys": ["<key ID>", ...]}]}}}
 *
 * server: an https:// URL without a path (absent: Docker's choice,
 * notary.docker.io for docker.io, else the registry's host); at most one
 * of rootKeys (root key IDs, 64 hex digits) and rootCAs (PEM files); with
 * neither, the first root seen for a GUN is pinned (trust on first use).
 * Also Docker's BRIG_CONTENT_TRUST=1 (trust_policy_notary_env).
 */
#include "trust/policy-internal.h"

#include <string.h>

static bool hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return n == 64 && !s[n];
}

static int server_ok(const char *s, const struct bj_loc *at, struct brig_err *e)
{
	const char *p = s + 8;
	size_t n = strncmp(s, "https://", 8) ? 0 : strcspn(p, "/");
	if (!n || (p[n] && strcmp(p + n, "/")) || strlen(s) > 512)
		return bj_fail(e, at, "\"%.64s\": expected https://HOST[:PORT]", s);
	return 0;
}

int trust_notary_req_parse(const json_t *o, const struct bj_loc *at, struct trust_req *q,
			   struct brig_err *e)
{
	static const char *const keys[] = { "type", "server", "rootKeys", "rootCAs", NULL };
	const char *server = NULL;
	struct bj_loc sub;
	int r = bj_only_keys(o, at, keys, e);
	if (r == 0)
		r = bj_get_str(o, at, "server", false, &server, e);
	bj_key(&sub, at, "server");
	if (r >= 0 && server && (r = server_ok(server, &sub, e)) == 0 &&
	    !(q->notary_server = strndup(server, strcspn(server + 8, "/") + 8)))
		r = brig_err_oom(e);
	if (r >= 0 && json_object_get(o, "rootKeys") && json_object_get(o, "rootCAs"))
		r = bj_fail(e, at, "at most one of rootKeys and rootCAs may be given");
	if (r >= 0)
		r = bj_get_strv(o, at, "rootKeys", false, 64, &q->notary_root_keys, e);
	if (r >= 0)
		r = bj_get_strv(o, at, "rootCAs", false, 64, &q->notary_root_cas, e);
	if (r < 0)
		return r;
	char **v = q->notary_root_keys ? q->notary_root_keys : q->notary_root_cas;
	bj_key(&sub, at, q->notary_root_keys ? "rootKeys" : "rootCAs");
	if (v && !v[0])
		return bj_fail(e, &sub, "contains no entries");
	for (size_t i = 0; v && v[i]; i++)
		if (v == q->notary_root_keys ? !hex64(v[i]) : v[i][0] != '/')
			return bj_fail(e, &sub, "entry %zu: expected %s", i,
				       v == q->notary_root_keys
					       ? "a key ID (64 lowercase hex digits)"
					       : "an absolute path");
	return 0;
}

static struct trust_scope *scope_for(struct trust_policy *p, const char *name, struct brig_err *e)
{
	struct trust_transport *t = NULL;
	for (size_t i = 0; i < p->n_transports && !t; i++)
		if (!strcmp(p->transports[i].name, "docker"))
			t = &p->transports[i];
	if (!t) {
		t = realloc(p->transports, (p->n_transports + 1) * sizeof(*t));
		if (!t)
			return brig_err_oom(e), NULL;
		p->transports = t;
		t = &t[p->n_transports];
		*t = (struct trust_transport){ .name = strdup("docker") };
		p->n_transports++;
		if (!t->name)
			return brig_err_oom(e), NULL;
	}
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->scopes[i].name, name))
			return &t->scopes[i];
	struct trust_scope *s = realloc(t->scopes, (t->n + 1) * sizeof(*s));
	if (!s)
		return brig_err_oom(e), NULL;
	t->scopes = s;
	s = &s[t->n];
	*s = (struct trust_scope){ .name = strdup(name) };
	t->n++;
	return s->name ? s : (brig_err_oom(e), NULL);
}

/* add's requirements appended to to (add emptied). */
static int reqs_append(struct trust_reqs *to, struct trust_reqs *add, struct brig_err *e)
{
	struct trust_req *v = realloc(to->v, (to->n + add->n) * sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	memcpy(v + to->n, add->v, add->n * sizeof(*v));
	to->v = v;
	to->n += add->n;
	free(add->v);
	*add = (struct trust_reqs){ 0 };
	return 0;
}

int trust_brig_transports(const json_t *root, const struct bj_loc *at, struct trust_policy *p,
			  struct brig_err *e)
{
	static const char *const only[] = { "docker", NULL };
	json_t *tr = NULL, *docker = NULL, *v;
	struct bj_loc tl, dl, sl;
	int r = bj_get_obj(root, at, "transports", false, &tr, e);
	if (r < 0 || !tr)
		return r < 0 ? r : 0;
	bj_key(&tl, at, "transports");
	if ((r = bj_only_keys(tr, &tl, only, e)) < 0 ||
	    (r = bj_get_obj(tr, &tl, "docker", true, &docker, e)) < 0)
		return r;
	bj_key(&dl, &tl, "docker");
	const char *name;
	json_object_foreach(docker, name, v)
	{
		bj_key(&sl, &dl, name);
		struct trust_reqs add = { 0 };
		if ((*name && (r = trust_docker_scope_check(name, &sl, e)) < 0) ||
		    (r = trust_reqs_parse_brig(v, &sl, &add, e)) < 0) {
			trust_reqs_clear(&add);
			return r;
		}
		struct trust_scope *s = scope_for(p, name, e);
		r = s ? reqs_append(&s->reqs, &add, e) : -ENOMEM;
		trust_reqs_clear(&add);
		if (r < 0)
			return r;
	}
	return 0;
}

static int notary_req(struct trust_req *q, const char *server, struct brig_err *e)
{
	*q = (struct trust_req){ .kind = TRUST_REQ_NOTARY };
	if (server && !(q->notary_server = strdup(server)))
		return brig_err_oom(e);
	return 0;
}

int trust_policy_notary_env(struct trust_policy *p, const char *server, struct brig_err *e)
{
	struct trust_reqs one = { .v = calloc(1, sizeof(struct trust_req)), .n = 1 };
	if (!one.v)
		return brig_err_oom(e);
	int r = notary_req(&one.v[0], server, e);
	for (size_t i = 0; r == 0 && i < p->n_transports; i++) {
		struct trust_transport *t = &p->transports[i];
		for (size_t j = 0; r == 0 && strcmp(t->name, "docker") == 0 && j < t->n; j++) {
			struct trust_reqs add = { .v = calloc(1, sizeof(struct trust_req)),
						  .n = 1 };
			r = add.v ? notary_req(&add.v[0], server, e) : brig_err_oom(e);
			if (r == 0)
				r = reqs_append(&t->scopes[j].reqs, &add, e);
			trust_reqs_clear(&add);
		}
	}
	if (r == 0) {
		trust_reqs_clear(&p->notary_dflt);
		p->notary_dflt = one;
		return 0;
	}
	trust_reqs_clear(&one);
	return r;
}
