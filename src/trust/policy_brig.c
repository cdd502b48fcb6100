/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: brig's own settings beside the shared policy.json, in
 * the NAME.json files of /etc/brig/policy.d (so podman and skopeo keep reading the same
 * policy.json).  Each file is a JSON object; the files are read in name
 * order and a later one overrides an earlier one.  Members:
 *
 *   acceptPinnedDigests  boolean, default true: a reference pinned by
 *                        digest is accepted where no scope of the
 *                        policy's "transports" names it
 *   maxSignatureAge      object: scope -> seconds (a positive integer);
 *                        a signature older than that (by its signing
 *                        time) is refused when the scope applies ("SCOPE"
 *                        of transports.docker, "" its default, "default"
 *                        the policy's); a later file's entry for a scope
 *                        replaces an earlier one's
 *   timestampAuthorities object: scope (as maxSignatureAge's) -> a PEM
 *                        file of TSA certificates, or {"certificates":
 *                        FILE, "keylessWithoutRekor": BOOL}; the
 *                        sigstoreSigned requirements of that scope then
 *                        need a bundle to carry an RFC 3161 timestamp by
 *                        one of them (tsa.c), whose time is a signing
 *                        time; with keylessWithoutRekor a Fulcio
 *                        certificate bundle without any Rekor entry is
 *                        accepted, checked at that time; applied once
 *                        every file is read, a later file's entry
 *                        replacing an earlier one's
 *   certificateTransparency  object: scope -> {"logKeys": [PEM files],
 *                        "required": BOOL}: CT log keys the SCTs in the
 *                        Fulcio certificates of that scope's sigstoreSigned
 *                        bundles are checked against (policy_ct.c)
 *   transports           {"docker": {SCOPE: [requirements]}}: added to
 *                        the policy's SCOPE (made when missing); brig's
 *                        notaryTrust may be among them (policy_notary.c)
 */
#include "trust/policy-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>

#define MAX_SETTINGS_FILE (64 * 1024)
#define MAX_SETTINGS_FILES 64

static int max_age_set(struct trust_policy *p, const char *scope, int64_t secs, struct brig_err *e)
{
	for (size_t i = 0; i < p->n_max_ages; i++)
		if (strcmp(p->max_ages[i].scope, scope) == 0) {
			p->max_ages[i].seconds = secs;
			return 0;
		}
	struct trust_max_age *v = realloc(p->max_ages, (p->n_max_ages + 1) * sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	p->max_ages = v;
	if (!(v[p->n_max_ages].scope = strdup(scope)))
		return brig_err_oom(e);
	v[p->n_max_ages++].seconds = secs;
	return 0;
}

static int max_ages(json_t *root, const struct bj_loc *at, struct trust_policy *p,
		    struct brig_err *e)
{
	json_t *o = NULL, *v;
	const char *scope;
	struct bj_loc sub;
	bj_key(&sub, at, "maxSignatureAge");
	int r = bj_get_obj(root, at, "maxSignatureAge", false, &o, e);
	if (r < 0 || !o)
		return r < 0 ? r : 0;
	if (json_object_size(o) > 4096)
		return bj_fail(e, &sub, "more than 4096 scopes");
	json_object_foreach(o, scope, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return bj_fail(e, &sub, "\"%.200s\": expected a positive number of seconds",
				       scope);
		if ((r = max_age_set(p, scope, (int64_t)json_integer_value(v), e)) < 0)
			return r;
	}
	return 0;
}

/* One scope's timestampAuthorities value: a file name, or the object. */
static int tsa_value(const json_t *v, const struct bj_loc *sub, const char *scope,
		     struct brig_err *e)
{
	if (json_is_string(v) && json_string_length(v))
		return 0;
	json_t *f = json_object_get(v, "certificates"),
	       *k = json_object_get(v, "keylessWithoutRekor");
	size_t known = (f != NULL) + (k != NULL);
	if (!json_is_object(v) || known != json_object_size(v))
		return bj_fail(e, sub,
			       "\"%.200s\": expected a file name or {\"certificates\": FILE, "
			       "\"keylessWithoutRekor\": BOOL}",
			       scope);
	if (!json_is_string(f) || !json_string_length(f))
		return bj_fail(e, sub, "\"%.200s\".certificates: expected a file name", scope);
	if (k && !json_is_boolean(k))
		return bj_fail(e, sub, "\"%.200s\".keylessWithoutRekor: expected true or false",
			       scope);
	return 0;
}

int trust_scoped_read(json_t *root, const struct bj_loc *at, const char *member,
		      trust_scoped_check_fn check, json_t *acc, struct brig_err *e)
{
	json_t *o = NULL, *v;
	const char *scope;
	struct bj_loc sub;
	bj_key(&sub, at, member);
	int r = bj_get_obj(root, at, member, false, &o, e);
	if (r < 0 || !o)
		return r < 0 ? r : 0;
	json_object_foreach(o, scope, v)
	{
		if ((r = check(v, &sub, scope, e)) < 0)
			return r;
		if (json_object_set(acc, scope, v) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

/* The scope's requirements: "default" the policy's, else transports.docker's
 * SCOPE; NULL when the policy has no such scope. */
static struct trust_reqs *scope_reqs(struct trust_policy *p, const char *scope)
{
	if (strcmp(scope, "default") == 0)
		return &p->dflt;
	for (size_t i = 0; i < p->n_transports; i++) {
		if (strcmp(p->transports[i].name, "docker") != 0)
			continue;
		for (size_t j = 0; j < p->transports[i].n; j++)
			if (strcmp(p->transports[i].scopes[j].name, scope) == 0)
				return &p->transports[i].scopes[j].reqs;
	}
	return NULL;
}

int trust_scoped_apply(json_t *acc, const char *dir, const char *member, struct trust_policy *p,
		       trust_scoped_set_fn set, struct brig_err *e)
{
	const char *scope;
	json_t *v;
	json_object_foreach(acc, scope, v)
	{
		struct trust_reqs *rs = scope_reqs(p, scope);
		if (!rs)
			return brig_err_set(e, -EINVAL,
					    "%s: %s: \"%.200s\": no such scope in the policy "
					    "(\"default\", or a key of transports.docker)",
					    dir, member, scope);
		for (size_t i = 0; i < rs->n; i++) {
			int r = rs->v[i].kind == TRUST_REQ_SIGSTORE ? set(&rs->v[i], v, e) : 0;
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int tsa_set(struct trust_req *q, const json_t *v, struct brig_err *e)
{
	json_t *f = json_is_object(v) ? json_object_get(v, "certificates") : (json_t *)v;
	free(q->tsa_path);
	if (!(q->tsa_path = strdup(json_string_value(f))))
		return brig_err_oom(e);
	q->tsa_rekor_optional = json_is_true(json_object_get(v, "keylessWithoutRekor"));
	return 0;
}

static int settings_file(int dfd, const char *dir, const char *name, struct trust_policy *p,
			 json_t *tsa, json_t *ct, struct brig_err *e)
{
	static const char *const keys[] = { "acceptPinnedDigests",  "maxSignatureAge",
					    "timestampAuthorities", "certificateTransparency",
					    "transports",           NULL };
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return brig_err_oom(e);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd < 0)
		return brig_err_sys(e, errno, "%s", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_json_ json_t *root = NULL;
	int r = brig_file_trusted(fd, path, e);
	if (r < 0 || (r = brig_read_fd(fd, path, MAX_SETTINGS_FILE, &buf, &len, e)) < 0 ||
	    (r = bj_parse(buf, len, path, &root, e)) < 0)
		return r;
	struct bj_loc at;
	bj_root(&at, path);
	if ((r = bj_only_keys(root, &at, keys, e)) < 0)
		return r;
	r = bj_get_bool(root, &at, "acceptPinnedDigests", false, &p->accept_pinned_digests, e);
	if (r >= 0)
		r = max_ages(root, &at, p, e);
	if (r >= 0)
		r = trust_scoped_read(root, &at, "timestampAuthorities", tsa_value, tsa, e);
	if (r >= 0)
		r = trust_scoped_read(root, &at, "certificateTransparency", trust_ct_value, ct, e);
	return r < 0 ? r : trust_brig_transports(root, &at, p, e);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int trust_settings_scan(const char *dir, struct dirent ***names)
{
	return scandir(dir, names, json_name, by_name);
}

int trust_brig_settings_load(const char *dir, struct trust_policy *p, struct brig_err *e)
{
	p->accept_pinned_digests = true;
	_cleanup_close_ int dfd = BRIG_RETRY(
		open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY));
	if (dfd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "%s", dir);
	struct dirent **names = NULL;
	int n = trust_settings_scan(dir, &names);
	if (n < 0)
		return brig_err_sys(e, errno, "%s", dir);
	int r = n > MAX_SETTINGS_FILES
		? brig_err_set(e, -E2BIG, "%s: more than %d files", dir, MAX_SETTINGS_FILES)
		: 0;
	_cleanup_json_ json_t *tsa = json_object(), *ct = json_object();
	if ((!tsa || !ct) && r == 0)
		r = brig_err_oom(e);
	for (int i = 0; i < n; i++) {
		if (r == 0)
			r = settings_file(dfd, dir, names[i]->d_name, p, tsa, ct, e);
		free(names[i]);
	}
	free(names);
	if (r == 0)
		r = trust_scoped_apply(tsa, dir, "timestampAuthorities", p, tsa_set, e);
	return r < 0 ? r
		     : trust_scoped_apply(ct, dir, "certificateTransparency", p, trust_ct_set, e);
}
