/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Notary v1 signer's commands (docs/trust-notary.md, "Signing"):
 * `brig trust key ... --notary ROLE` (root and targets keys, export
 * --offline, import) and `brig trust sign --notary URL IMAGE:TAG`.
 * Passphrases come from BRIG_CONTENT_TRUST_ROOT_PASSPHRASE and
 * BRIG_CONTENT_TRUST_REPOSITORY_PASSPHRASE (Docker's
 * DOCKER_CONTENT_TRUST_*_PASSPHRASE), else a prompt on the terminal.
 */
#include "cli/brig/brig-internal.h"
#include "registry/registry.h"
#include "trust/notary.h"
#include "trust/notary_sign.h"
#include "trust/sigstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_PASS_ENV "BRIG_CONTENT_TRUST_ROOT_PASSPHRASE"
#define REPO_PASS_ENV "BRIG_CONTENT_TRUST_REPOSITORY_PASSPHRASE"

static int notary_pass(bool root, bool confirm, char **out, struct brig_err *e)
{
	const char *env_name = root ? ROOT_PASS_ENV : REPO_PASS_ENV;
	const char *env = getenv(env_name);
	if (env) {
		if (strlen(env) > TRUST_PASSPHRASE_MAX)
			return brig_err_set(e, -EINVAL, "%s: longer than %d bytes", env_name,
					    TRUST_PASSPHRASE_MAX);
		*out = strdup(env);
		return *out ? 0 : brig_err_oom(e);
	}
	const char *what = root ? "Root key passphrase" : "Repository key passphrase";
	_cleanup_secret_ char *a = NULL, *b = NULL;
	int r = brig_prompt(what, true, env_name, &a, e);
	if (r == 0 && confirm)
		r = brig_prompt("Again", true, env_name, &b, e);
	if (r == 0 && confirm && strcmp(a, b) != 0)
		r = brig_err_set(e, -EINVAL, "the two passphrases differ");
	if (r == 0)
		*out = brig_steal_ptr(a);
	return r;
}

/* --notary ROLE and the GUN it needs (targets) from pos[1]; *next: the
 * first positional argument after them. */
static int role_gun(const char *role, char **pos, size_t npos, const char **gun, size_t *next,
		    struct brig_err *e)
{
	bool root = !strcmp(role, NOTARY_ROOT_ROLE) || !strcmp(role, "delegation");
	if (!root && strcmp(role, NOTARY_TARGETS_ROLE) && strcmp(role, NOTARY_SNAPSHOT_ROLE))
		return brig_err_set(e, -EINVAL,
				    "--notary: \"%.40s\" is none of root, targets, snapshot, "
				    "delegation",
				    role);
	*gun = root ? NULL : npos > 1 ? pos[1] : NULL;
	*next = root ? 1 : 2;
	if (!root && !*gun)
		return brig_err_set(e, -EINVAL, "--notary targets: name the repository (GUN)");
	return 0;
}

static int key_generate(const struct brig_global *g, const char *gun, struct brig_err *e)
{
	_cleanup_secret_ char *pass = NULL;
	char id[BRIG_SHA256_HEX];
	int r = notary_pass(!gun, true, &pass, e);
	if (r == 0)
		r = notary_key_generate(g->root, gun, pass, id, e);
	if (r == 0)
		printf("%s\n", id);
	return r;
}

static int key_import(const struct brig_global *g, const char *gun, const char *file, bool snapshot,
		      struct brig_err *e)
{
	_cleanup_secret_ char *pass = NULL;
	char id[BRIG_SHA256_HEX];
	int r = notary_pass(!gun, false, &pass, e);
	if (r == 0 && snapshot)
		r = notary_snapshot_key_import(g->root, gun, file, pass, id, e);
	else if (r == 0)
		r = notary_key_import(g->root, gun, file, pass, id, e);
	if (r == 0)
		printf("%s\n", id);
	return r;
}

/* A signer's key (plain PEM, as docker trust key load takes it, or
 * encrypted), kept encrypted with the repository passphrase. */
static int key_import_delegate(const struct brig_global *g, const char *file, struct brig_err *e)
{
	_cleanup_secret_ char *pass = NULL;
	char id[BRIG_SHA256_HEX];
	int r = notary_pass(false, false, &pass, e);
	if (r == 0)
		r = notary_delegate_import(g->root, file, pass, id, e);
	if (r == 0)
		printf("%s\n", id);
	return r;
}

/* The encrypted key on stdout; --offline: then removed from the store. */
static int key_export(const struct brig_global *g, const char *gun, bool offline,
		      struct brig_err *e)
{
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int r = notary_key_export(g->root, gun, &pem, &len, e);
	if (r < 0)
		return r;
	if (fwrite(pem, 1, len, stdout) != len || fflush(stdout) != 0 || ferror(stdout))
		return brig_err_sys(e, errno, "the standard output");
	return offline ? notary_key_forget(g->root, gun, e) : 0;
}

static int key_list(const struct brig_global *g, const char *role, struct brig_err *e)
{
	json_t *a = NULL;
	int r = notary_key_list(g->root, &a, e);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (strcmp(role, "all") &&
		    strcmp(role, json_string_value(json_object_get(v, "role"))))
			continue;
		_cleanup_free_ char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		if (s)
			puts(s);
	}
	json_decref(a);
	return r;
}

static int key_rotate(const struct brig_global *g, struct opt *o, const char *role, char **pos,
		      size_t npos, struct brig_err *e);

int brig_trust_key_notary(const struct brig_global *g, struct opt *o, char **pos, size_t npos,
			  struct brig_err *e)
{
	const char *role = opts_find(o, "notary")->value, *gun = NULL;
	size_t next = 0;
	if (!strcmp(pos[0], "list"))
		return npos == 1 ? key_list(g, role, e)
				 : brig_err_set(e, -EINVAL, "list takes no argument");
	if (!strcmp(pos[0], "rotate"))
		return key_rotate(g, o, role, pos, npos, e);
	int r = role_gun(role, pos, npos, &gun, &next, e);
	bool import = !strcmp(pos[0], "import");
	if (r == 0 && npos != next + import)
		r = brig_err_set(e, -EINVAL, "%s --notary %s takes %s%s", pos[0], role,
				 gun ? "a GUN" : "no argument", import ? " and a FILE" : "");
	if (r == 0 && opts_find(o, "offline")->set && strcmp(pos[0], "export"))
		r = brig_err_set(e, -EINVAL, "--offline goes with export");
	if (r == 0 && !strcmp(role, "delegation") && !import)
		r = brig_err_set(e, -EINVAL,
				 "--notary delegation: a signer's key is imported "
				 "(import --notary delegation FILE)");
	if (r < 0)
		return r;
	if (r == 0 && !strcmp(role, NOTARY_SNAPSHOT_ROLE) && !import)
		r = brig_err_set(e, -EINVAL,
				 "--notary snapshot: a repository's snapshot key is "
				 "imported (import --notary snapshot GUN FILE)");
	if (r < 0)
		return r;
	if (!strcmp(role, "delegation"))
		return key_import_delegate(g, pos[next], e);
	if (!strcmp(pos[0], "generate"))
		return key_generate(g, gun, e);
	if (import)
		return key_import(g, gun, pos[next], !strcmp(role, NOTARY_SNAPSHOT_ROLE), e);
	if (!strcmp(pos[0], "export"))
		return key_export(g, gun, opts_find(o, "offline")->set, e);
	return brig_err_set(e, -EINVAL, "%s: not for Notary keys (generate, list, export, import)",
			    pos[0]);
}

struct keys_ctx {
	const struct brig_global *g;
	const char *gun;
};

/* The GUN's snapshot key when the store holds one (no passphrase asked
 * otherwise). */
static int get_snapshot_key(struct keys_ctx *c, EVP_PKEY **k, struct brig_err *e)
{
	_cleanup_secret_ char *pass = NULL;
	if (!notary_snapshot_key_held(c->g->root, c->gun))
		return brig_err_set(e, -ENOENT, "%s: no snapshot key in the store", c->gun);
	int r = notary_pass(false, false, &pass, e);
	return r < 0 ? r : notary_snapshot_key_load(c->g->root, c->gun, pass, k, e);
}

/* The root key (asked for only when the GUN is new), the targets key
 * (made on first use, as docker trust sign does). */
static int get_key(void *ctx, const char *role, EVP_PKEY **k, struct brig_err *e)
{
	struct keys_ctx *c = ctx;
	bool root = !strcmp(role, NOTARY_ROOT_ROLE);
	if (!strcmp(role, NOTARY_SNAPSHOT_ROLE))
		return get_snapshot_key(c, k, e);
	const char *gun = root ? NULL : c->gun;
	_cleanup_secret_ char *pass = NULL;
	char id[BRIG_SHA256_HEX];
	int r = notary_pass(root, false, &pass, e);
	if (r == 0)
		r = root ? notary_root_key_load(c->g->root, c->gun, pass, k, e)
			 : notary_key_load(c->g->root, gun, pass, k, e);
	if (r == -ENOENT && !root && strcmp(role, NOTARY_TARGETS_HELD)) {
		brig_err_clear(e);
		r = notary_key_generate(c->g->root, gun, pass, id, e);
		if (r == 0)
			fprintf(stderr, "Generated the targets key %s for %s\n", id, gun);
		if (r == 0)
			r = notary_key_load(c->g->root, gun, pass, k, e);
	}
	return r;
}

/* Every signer's key of the store (the repository passphrase). */
static int get_delegates(void *ctx, EVP_PKEY **ks, size_t max, size_t *n, struct brig_err *e)
{
	struct keys_ctx *c = ctx;
	_cleanup_secret_ char *pass = NULL;
	int r = notary_pass(false, false, &pass, e);
	return r < 0 ? r : notary_delegate_load_all(c->g->root, pass, ks, max, n, e);
}

int brig_notary_gun(const struct brig_global *g, const struct img_ref *ref, char **gun,
		    char **state, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (asprintf(gun, "%s/%s", ref->domain, ref->path) < 0)
		return brig_err_oom(e);
	if (brig_sha256_buf(*gun, strlen(*gun), hex) < 0 ||
	    asprintf(state, "%s/trust/notary/%s", g->root, hex) < 0)
		return brig_err_oom(e);
	return 0;
}

/* IMAGE:TAG's manifest as the registry serves it: digest and length. */
static int manifest_of(const struct brig_global *g, struct opt *o, const struct img_ref *ref,
		       struct notary_sign_opts *so, struct brig_err *e)
{
	_cleanup_reg_client_ struct reg_client *c = NULL;
	struct reg_manifest m = { 0 };
	const char *tv = opts_find(o, "tls-verify")->value;
	int r = eng_registry_client(g->config, opts_find(o, "authfile")->value, ref->domain,
				    !(tv && strcmp(tv, "false") == 0), &c, e);
	if (r == 0)
		r = reg_manifest_get(c, ref->path, ref->tag, &m, e);
	if (r == 0 && strncmp(m.digest, "sha256:", 7))
		r = brig_err_set(e, -EINVAL, "manifest digest %s is not sha256", m.digest);
	if (r == 0) {
		snprintf(so->digest, sizeof(so->digest), "%s", m.digest + 7);
		so->length = m.len;
	}
	reg_manifest_clear(&m);
	return r;
}

/* Sign (or revoke) ref's tag into server: so->digest and so->length
 * filled by the caller, or (both zero, not revoke) read from the registry. */
static int sign_ref(const struct brig_global *g, struct opt *o, const struct img_ref *ref,
		    struct notary_sign_opts *so, struct brig_err *e)
{
	_cleanup_free_ char *gun = NULL, *state = NULL;
	bool created = false;
	int r = 0;
	if (!ref->tag || ref->digest[0])
		r = brig_err_set(e, -EINVAL, "Notary signs a tag: name the image as NAME:TAG");
	if (r == 0)
		r = brig_notary_gun(g, ref, &gun, &state, e);
	struct keys_ctx kc = { .g = g, .gun = gun };
	so->gun = gun;
	so->state_dir = state;
	so->tag = ref->tag;
	so->keys = (struct notary_keys_cb){ .get = get_key,
					    .delegates = get_delegates,
					    .ctx = &kc };
	if (r == 0)
		r = notary_clock(&so->now, e);
	if (r == 0 && !so->remove && !so->digest[0])
		r = manifest_of(g, o, ref, so, e);
	if (r == 0)
		r = notary_sign_tag(so, &created, e);
	if (r == 0 && so->remove)
		printf("Revoked %s:%s\n", gun, ref->tag);
	else if (r == 0)
		printf("Signed %s:%s sha256:%s %llu%s\n", gun, ref->tag, so->digest,
		       (unsigned long long)so->length, created ? " (new repository)" : "");
	return r;
}

/* brig trust sign --notary URL IMAGE:TAG (and revoke: remove). */
int brig_trust_sign_notary(const struct brig_global *g, struct opt *o, const char *image,
			   bool remove, struct brig_err *e)
{
	struct img_ref ref = { 0 };
	struct notary_sign_opts so = { .server = opts_find(o, "notary")->value,
				       .certs_dir = opts_find(o, "certs-dir")->value,
				       .remove = remove };
	int r = img_ref_parse(image, &ref, e);
	if (r == 0)
		r = sign_ref(g, o, &ref, &so, e);
	img_ref_clear(&ref);
	return r;
}

int brig_notary_sign_pushed(const struct brig_global *g, struct opt *o, const char *image,
			    const char *server, const char *digest, uint64_t size,
			    struct brig_err *e)
{
	struct img_ref ref = { 0 };
	_cleanup_reg_client_ struct reg_client *c = NULL;
	_cleanup_free_ char *srv = NULL;
	struct notary_sign_opts so = { .length = size };
	const char *tv = opts_find(o, "tls-verify")->value;
	int r = img_ref_parse(image, &ref, e);
	if (r == 0 && strncmp(digest, "sha256:", 7))
		r = brig_err_set(e, -EINVAL, "manifest digest %s is not sha256", digest);
	/* the server's CA is found as the registry's: the engine config's
	 * registry-certs-dir */
	if (r == 0)
		r = eng_registry_client(g->config, opts_find(o, "authfile")->value, ref.domain,
					!(tv && strcmp(tv, "false") == 0), &c, e);
	if (r == 0 && !(srv = notary_server_for(server, ref.domain)))
		r = brig_err_oom(e);
	if (r == 0) {
		snprintf(so.digest, sizeof(so.digest), "%s", digest + 7);
		so.server = srv;
		so.certs_dir = reg_client_certs_dir(c);
		r = sign_ref(g, o, &ref, &so, e);
	}
	img_ref_clear(&ref);
	return r;
}

int brig_cmd_trust_revoke(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		BRIG_NOTARY_SERVER_OPTS,
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust revoke", "--notary URL IMAGE:TAG", o, argc, argv, &pos, &npos, 1,
			   1);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		int r = opts_find(o, "notary")->value
			? brig_trust_sign_notary(g, o, pos[0], true, &e)
			: brig_err_set(&e, -EINVAL, "--notary URL is required");
		if (r < 0) {
			brig_err_wrap(&e, "trust revoke %s", pos[0]);
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}

/* brig trust signer add NAME CERT REPO | remove NAME REPO. */
static int signer(const struct brig_global *g, struct opt *o, char **pos, size_t npos,
		  struct brig_err *e)
{
	bool add = !strcmp(pos[0], "add");
	if (!add && strcmp(pos[0], "remove"))
		return brig_err_set(e, -EINVAL, "'%.40s': expected add or remove", pos[0]);
	if (npos != (add ? 4u : 3u))
		return brig_err_set(e, -EINVAL, "%s",
				    add ? "add takes NAME CERT REPO" : "remove takes NAME REPO");
	if (!opts_find(o, "notary")->value)
		return brig_err_set(e, -EINVAL, "--notary URL is required");
	struct img_ref ref = { 0 };
	_cleanup_free_ char *gun = NULL, *state = NULL, *cert = NULL;
	bool created = false;
	int r = img_ref_parse(pos[npos - 1], &ref, e);
	if (r == 0)
		r = brig_notary_gun(g, &ref, &gun, &state, e);
	img_ref_clear(&ref);
	if (r == 0 && add)
		r = notary_cert_load(pos[2], &cert, e);
	struct keys_ctx kc = { .g = g, .gun = gun };
	struct notary_sign_opts so = { .server = opts_find(o, "notary")->value,
				       .certs_dir = opts_find(o, "certs-dir")->value,
				       .gun = gun,
				       .state_dir = state,
				       .edit = add ? notary_signer_add : notary_signer_remove,
				       .signer = pos[1],
				       .cert = cert,
				       .keys = { .get = get_key, .ctx = &kc } };
	if (r == 0)
		r = notary_clock(&so.now, e);
	if (r == 0)
		r = notary_sign_tag(&so, &created, e);
	if (r == 0)
		printf("%s signer %s %s %s\n", add ? "Added" : "Removed", pos[1],
		       add ? "to" : "from", gun);
	return r;
}

int brig_cmd_trust_signer(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		BRIG_NOTARY_SERVER_OPTS,
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust signer", "add NAME CERT REPO | remove NAME REPO (--notary URL)",
			   o, argc, argv, &pos, &npos, 3, 4);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (signer(g, o, pos, npos, &e) < 0) {
			brig_err_wrap(&e, "trust signer %s", pos[0]);
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}

/* A new root key for so->gun: kept aside until the new root is published,
 * then the GUN's own root key. */
static int rotate_root(const struct brig_global *g, const struct notary_sign_opts *so,
		       struct brig_err *e)
{
	_cleanup_secret_ char *pass = NULL;
	_cleanup_pkey_ EVP_PKEY *kn = NULL;
	int r = notary_pass(true, false, &pass, e);
	if (r == 0)
		r = trust_key_new(&kn, e);
	if (r == 0)
		r = notary_root_key_stage(g->root, so->gun, kn, pass, e);
	if (r < 0)
		return r;
	r = notary_rotate_root(so, kn, e);
	struct brig_err e2 = { 0 };
	int c = notary_root_key_commit(g->root, so->gun, r == 0, r == 0 ? e : &e2);
	brig_err_clear(&e2);
	return r < 0 ? r : c;
}

/* brig trust key rotate --notary root|timestamp|snapshot --server URL REPO. */
static int key_rotate(const struct brig_global *g, struct opt *o, const char *role, char **pos,
		      size_t npos, struct brig_err *e)
{
	if (npos != 2 || !opts_find(o, "server")->value)
		return brig_err_set(e, -EINVAL,
				    "rotate --notary root|timestamp|snapshot --server URL REPO");
	struct img_ref ref = { 0 };
	_cleanup_free_ char *gun = NULL, *state = NULL;
	int r = img_ref_parse(pos[1], &ref, e);
	if (r == 0)
		r = brig_notary_gun(g, &ref, &gun, &state, e);
	img_ref_clear(&ref);
	struct keys_ctx kc = { .g = g, .gun = gun };
	struct notary_sign_opts so = { .server = opts_find(o, "server")->value,
				       .certs_dir = opts_find(o, "certs-dir")->value,
				       .gun = gun,
				       .state_dir = state,
				       .keys = { .get = get_key, .ctx = &kc } };
	if (r == 0)
		r = notary_clock(&so.now, e);
	if (r == 0 && !strcmp(role, NOTARY_ROOT_ROLE))
		r = rotate_root(g, &so, e);
	else if (r == 0)
		r = notary_rotate_server_key(&so, role, e);
	if (r == 0)
		printf("Rotated the %s key of %s%s\n", role, gun,
		       strcmp(role, NOTARY_ROOT_ROLE) ? " (held by the server)" : "");
	return r;
}
