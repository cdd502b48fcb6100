/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: reading containers-policy.json(5): the top level, the transports
 * and their scopes.  Requirements and identities are policy_req.c.
 *
 * As containers/image does, every object refuses members it does not know
 * and a requirements list must not be empty.  brig is stricter in one
 * place: a "docker" scope that no reference could ever match ("busybox",
 * not written as "docker.io/library/busybox"; a tag and a digest at once)
 * is refused, where containers/image ignores it silently.
 */
#include "trust/policy-internal.h"

#include <fcntl.h>
#include <string.h>

const char *trust_req_kind_name(enum trust_req_kind k)
{
	switch (k) {
	case TRUST_REQ_ACCEPT_ANYTHING:
		return "insecureAcceptAnything";
	case TRUST_REQ_REJECT:
		return "reject";
	case TRUST_REQ_SIGNED_BY:
		return "signedBy";
	case TRUST_REQ_SIGSTORE:
		return "sigstoreSigned";
	case TRUST_REQ_NOTARY:
		return "notaryTrust";
	}
	return "?";
}

/* `transports.T["SCOPE"]`, with anything unprintable in SCOPE shown as ?. */
static void scope_loc(struct bj_loc *out, const struct bj_loc *tr, const char *scope)
{
	char clean[160];
	size_t i = 0;
	for (; scope[i] && i + 1 < sizeof(clean); i++) {
		unsigned char c = (unsigned char)scope[i];
		clean[i] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
	}
	clean[i] = '\0';
	out->file = tr->file;
	if (brig_snprintf(out->path, sizeof(out->path), "%s[\"%s%s\"]", tr->path, clean,
			  scope[i] ? "..." : "") < 0)
		memcpy(out->path + sizeof(out->path) - 4, "...", 4);
}

int trust_docker_scope_check(const char *s, const struct bj_loc *at, struct brig_err *e)
{
	if (strncmp(s, "*.", 2) == 0) {
		if (!trust_hostname_valid(s + 2))
			return bj_fail(e, at, "not a valid wildcard scope (*.DOMAIN, no port)");
		return 0;
	}
	if (!strchr(s, '/')) {
		if (!trust_domain_valid(s))
			return bj_fail(e, at,
				       "not a registry host (HOST[:PORT] with a \".\" or \":\", "
				       "or localhost) nor a repository");
		return 0;
	}
	if (!trust_name_qualified(s))
		return bj_fail(e, at,
			       "not HOST/NAMESPACE, HOST/REPOSITORY[:TAG|@DIGEST] with the "
			       "registry host written (docker.io/library/busybox, not busybox)");
	return 0;
}

/* oci, oci-archive, dir: an absolute path in canonical form, not "/". */
static int path_scope_check(const char *s, const struct bj_loc *at, struct brig_err *e)
{
	size_t n = strlen(s);
	bool ok = s[0] == '/' && n > 1 && s[n - 1] != '/' && !strstr(s, "//") &&
		!strstr(s, "/./") && !strstr(s, "/../") && strcmp(s + n - 2, "/.") != 0 &&
		(n < 3 || strcmp(s + n - 3, "/..") != 0);
	if (!ok)
		return bj_fail(e, at, "not an absolute path in canonical form (\"/\": use \"\")");
	return 0;
}

/* A scope of transport t, by that transport's rules (containers/image's
 * ValidatePolicyConfigurationScope; "" is always allowed). */
static int scope_check(const char *t, const char *s, const struct bj_loc *at, struct brig_err *e)
{
	if (!*s)
		return 0;
	if (strcmp(t, "docker") == 0)
		return trust_docker_scope_check(s, at, e);
	if (strcmp(t, "oci") == 0 || strcmp(t, "oci-archive") == 0 || strcmp(t, "dir") == 0)
		return path_scope_check(s, at, e);
	if (strcmp(t, "docker-archive") == 0 || strcmp(t, "docker-daemon") == 0)
		return bj_fail(e, at, "%s supports no scope but \"\"", t);
	return 0;
}

static int parse_scopes(const char *tname, const json_t *obj, const struct bj_loc *at,
			struct trust_transport *t, struct brig_err *e)
{
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	size_t n = json_object_size(obj);
	t->scopes = calloc(n ? n : 1, sizeof(*t->scopes));
	if (!t->scopes)
		return brig_err_oom(e);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		struct bj_loc sl;
		scope_loc(&sl, at, key);
		if ((r = scope_check(tname, key, &sl, e)) < 0)
			return r;
		struct trust_scope *s = &t->scopes[t->n];
		if (!(s->name = strdup(key)))
			return brig_err_oom(e);
		t->n++;
		if ((r = trust_reqs_parse(v, &sl, &s->reqs, e)) < 0)
			return r;
	}
	return 0;
}

static int parse_transports(const json_t *obj, const struct bj_loc *at, struct trust_policy *p,
			    struct brig_err *e)
{
	size_t n = json_object_size(obj);
	p->transports = calloc(n ? n : 1, sizeof(*p->transports));
	if (!p->transports)
		return brig_err_oom(e);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		struct bj_loc tl;
		bj_key(&tl, at, key);
		if (!*key)
			return bj_fail(e, &tl, "empty transport name");
		struct trust_transport *t = &p->transports[p->n_transports];
		if (!(t->name = strdup(key)))
			return brig_err_oom(e);
		p->n_transports++;
		int r = parse_scopes(key, v, &tl, t, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int policy_from_json(const json_t *root, struct trust_policy *p, struct brig_err *e)
{
	static const char *const top[] = { "default", "transports", NULL };
	struct bj_loc at, sub;
	bj_root(&at, p->file);
	int r = bj_only_keys(root, &at, top, e);
	if (r < 0)
		return r;
	json_t *dflt = NULL, *tr = NULL;
	if ((r = bj_get_arr(root, &at, "default", true, &dflt, e)) < 0)
		return r;
	bj_key(&sub, &at, "default");
	if ((r = trust_reqs_parse(dflt, &sub, &p->dflt, e)) < 0)
		return r;
	if ((r = bj_get_obj(root, &at, "transports", false, &tr, e)) < 0)
		return r;
	if (r == 0) {
		bj_key(&sub, &at, "transports");
		if ((r = parse_transports(tr, &sub, p, e)) < 0)
			return r;
	}
	return 0;
}

int trust_policy_parse(const char *buf, size_t len, const char *file, struct trust_policy **out,
		       struct brig_err *e)
{
	*out = NULL;
	if (len > TRUST_POLICY_MAX)
		return brig_err_set(e, -EFBIG, "%s: larger than %d bytes", file, TRUST_POLICY_MAX);
	_cleanup_json_ json_t *root = NULL;
	int r = bj_parse(buf, len, file, &root, e);
	if (r < 0)
		return r;
	struct trust_policy *p = calloc(1, sizeof(*p));
	if (!p || !(p->file = strdup(file))) {
		free(p);
		return brig_err_oom(e);
	}
	if ((r = policy_from_json(root, p, e)) < 0) {
		trust_policy_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int trust_policy_builtin(struct trust_policy **out, struct brig_err *e)
{
	const char *j = TRUST_POLICY_BUILTIN_JSON;
	int r = trust_policy_parse(j, strlen(j), "brig's built-in policy", out, e);
	if (r == 0) {
		(*out)->builtin = true;
		(*out)->accept_pinned_digests = true;
	}
	return r;
}

int trust_policy_where(const char *path, char **file, char **ddir, struct brig_err *e)
{
	const char *dir = path ? NULL : getenv(TRUST_POLICY_DIR_ENV);
	*file = *ddir = NULL;
	if (dir && *dir)
		return asprintf(file, "%s/policy.json", dir) < 0 ||
				asprintf(ddir, "%s/policy.d", dir) < 0
			? brig_err_oom(e)
			: 0;
	if (!(*file = strdup(path ? path : TRUST_POLICY_FILE)) ||
	    (!path && !(*ddir = strdup(TRUST_POLICY_D))))
		return brig_err_oom(e);
	return 0;
}

int trust_policy_load(const char *path, struct trust_policy **out, struct brig_err *e)
{
	*out = NULL;
	_cleanup_free_ char *file = NULL, *ddir = NULL;
	if (trust_policy_where(path, &file, &ddir, e) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = BRIG_RETRY(
		open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	int r;
	if (fd < 0 && errno == ENOENT && !path) {
		r = trust_policy_builtin(out, e);
	} else if (fd < 0) {
		return brig_err_sys(e, errno, "signature policy %s", file);
	} else {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		r = brig_file_trusted(fd, file, e);
		if (r < 0 || (r = brig_read_fd(fd, file, TRUST_POLICY_MAX, &buf, &len, e)) < 0)
			return r;
		r = trust_policy_parse(buf, len, file, out, e);
	}
	if (r < 0 || path)
		return r;
	if ((r = trust_brig_settings_load(ddir, *out, e)) < 0) {
		trust_policy_free(*out);
		*out = NULL;
	}
	return r;
}

void trust_policy_free(struct trust_policy *p)
{
	if (!p)
		return;
	trust_reqs_clear(&p->dflt);
	trust_reqs_clear(&p->notary_dflt);
	for (size_t i = 0; i < p->n_transports; i++) {
		struct trust_transport *t = &p->transports[i];
		for (size_t j = 0; j < t->n; j++) {
			free(t->scopes[j].name);
			trust_reqs_clear(&t->scopes[j].reqs);
		}
		free(t->scopes);
		free(t->name);
	}
	free(p->transports);
	for (size_t i = 0; i < p->n_max_ages; i++)
		free(p->max_ages[i].scope);
	free(p->max_ages);
	free(p->file);
	free(p);
}
