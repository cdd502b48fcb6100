/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig pull: an image from a registry (OCI distribution API) into the
 * store; one line per layer, then NAME@DIGEST; -a: every tag the registry
 * lists.  See docs/registry.md.
 */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

static void print_layer(void *ctx, const char *digest, const char *what)
{
	(void)ctx;
	/* "sha256:" and 12 hex digits, as Docker shortens them */
	printf("%.12s: %s\n", digest + 7, what);
	fflush(stdout);
}

/* One pull: its layers (unless quiet), then NAME@DIGEST. */
static int pull_one(const struct brig_global *g, struct eng_pull_opts *po, const char *ref)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_pull_result res = { 0 };
	po->ref = ref;
	int rc = 0;
	if (eng_pull(g->root, po, &res, &e) < 0) {
		brig_err_wrap(&e, "pull %s", ref);
		rc = brig_fail(&e);
	} else {
		printf("%s\n", res.name);
		fflush(stdout);
	}
	eng_pull_result_clear(&res);
	return rc;
}

/* NAME has a tag or a digest: its last component has ':', or it has '@'. */
static bool has_tag(const char *name)
{
	const char *last = strrchr(name, '/');
	return strchr(name, '@') || strchr(last ? last + 1 : name, ':');
}

/* -a: every tag the registry lists for NAME, in its order; stops at the
 * first failure. */
static int pull_all(const struct brig_global *g, struct eng_pull_opts *po, const char *name)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_strv_ char **tags = NULL;
	size_t n = 0;
	po->ref = name;
	int rc = has_tag(name)
		? brig_err_set(&e, -EINVAL, "a tag or digest cannot be used with --all-tags/-a")
		: eng_pull_tags(po, &tags, &n, &e);
	if (rc == 0 && n == 0)
		rc = brig_err_set(&e, -ENOENT, "the registry lists no tags");
	if (rc < 0) {
		brig_err_wrap(&e, "pull %s", name);
		return brig_fail(&e);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		_cleanup_free_ char *ref = NULL;
		if (asprintf(&ref, "%s:%s", name, tags[i]) < 0)
			return brig_err_oom(&e), brig_fail(&e);
		if (po->progress)
			printf("%s: Pulling from %s\n", tags[i], name);
		rc = pull_one(g, po, ref);
	}
	return rc;
}

int brig_cmd_pull(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("all-tags", 'a', "pull every tag the registry lists for NAME"),
		OPT_VALUE("platform", 0, "OS/ARCH[/VARIANT]",
			  "the platform to pick from a multi-platform image (default: the host's)"),
		OPT_FLAG("quiet", 'q', "print only the pulled NAME@DIGEST"),
		OPT_FLAG("tls-verify", 0,
			 "check the registry's TLS certificate (default true; "
			 "--tls-verify=false turns the check off; plain http needs "
			 "insecure = true in registries.conf)"),
		OPT_VALUE("authfile", 0, "FILE",
			  "credentials from this auth.json only (default: brig login's "
			  "auth.json, then Docker's config.json and credential helpers)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("pull", "NAME[:TAG|@DIGEST]", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0) {
		opts_free(o);
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	}
	const char *tv = opts_find(o, "tls-verify")->value;
	bool quiet = opts_find(o, "quiet")->set;
	struct eng_pull_opts po = {
		.platform = opts_find(o, "platform")->value,
		.tls_verify = !(tv && strcmp(tv, "false") == 0),
		.authfile = opts_find(o, "authfile")->value,
		.config = g->config,
		.progress = quiet ? NULL : print_layer,
	};
	int rc = opts_find(o, "all-tags")->set ? pull_all(g, &po, pos[0])
					       : pull_one(g, &po, pos[0]);
	opts_free(o);
	return rc;
}
