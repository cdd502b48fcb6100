/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig run/create --pull missing|always|never: the image is looked up in
 * the store (a short name through registries.conf's aliases, as brig pull
 * resolves it) and pulled first when the policy says so, with brig pull's
 * output on stderr.  See docs/registry.md.
 */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

static void layer_line(void *ctx, const char *digest, const char *what)
{
	(void)ctx;
	fprintf(stderr, "%.12s: %s\n", digest + 7, what);
}

/* 1 when the store has an image by that name (or ID), 0 when not. */
static int present(const struct brig_global *g, const char *name, struct brig_err *e)
{
	struct img_store *s = NULL;
	struct img_descriptor d = { 0 };
	int r = brig_store_open(g, &s, e);
	if (r == 0)
		r = img_store_resolve(s, name, &d, e);
	img_descriptor_clear(&d);
	img_store_close(s);
	if (r == -ENOENT) {
		brig_err_clear(e);
		return 0;
	}
	return r < 0 ? r : 1;
}

static int pull(const struct brig_global *g, const char *name, const struct eng_trust_opts *trust,
		struct brig_err *e)
{
	struct eng_pull_opts po = {
		.ref = name,
		.tls_verify = true,
		.config = g->config,
		.progress = layer_line,
		.trust = trust,
	};
	struct eng_pull_result res = { 0 };
	int r = eng_pull(g->root, &po, &res, e);
	if (r < 0)
		brig_err_wrap(e, "pull %s", name);
	else
		fprintf(stderr, "%s\n", res.name);
	eng_pull_result_clear(&res);
	return r;
}

int brig_pull_policy(const struct brig_global *g, const char *policy, const char *image,
		     const struct eng_trust_opts *trust, char **out, struct brig_err *e)
{
	if (!policy)
		policy = "missing";
	bool always = strcmp(policy, "always") == 0, never = strcmp(policy, "never") == 0;
	if (!always && !never && strcmp(policy, "missing") != 0)
		return brig_err_set(e, -EINVAL,
				    "--pull: \"%.32s\": expected missing, always or never", policy);
	_cleanup_free_ char *name = NULL;
	int r = eng_pull_name(g->config, image, &name, e);
	if (r < 0)
		return r;
	if (!always && (r = present(g, name, e)) != 0) {
		if (r < 0)
			return r;
		*out = brig_steal_ptr(name);
		return 0;
	}
	if (!always) {
		_cleanup_free_ char *f = brig_familiar(name);
		if (!f)
			return brig_err_oom(e);
		if (never)
			return brig_err_set(e, -ENOENT, "No such image: %s", f);
		fprintf(stderr, "Unable to find image '%s' locally\n", f);
	}
	if ((r = pull(g, name, trust, e)) < 0)
		return r;
	*out = brig_steal_ptr(name);
	return 0;
}
