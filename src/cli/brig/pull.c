/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig pull: an image from a registry (OCI distribution API) into the
 * store; one line per layer, then NAME@DIGEST; -a: every tag the registry
 * lists.  On a terminal (stderr) the layer lines are redrawn in place with
 * bytes, rate and a bar, as Docker draws them.  See docs/registry.md.
 */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The layer's short name: "sha256:" and 12 hex digits, as Docker shortens
 * them; it came from the registry, so escaped (it was checked to be hex). */
static char *short_id(const char *digest)
{
	const char *hex = strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
	return brig_term_escape(hex, strnlen(hex, 12));
}

static void print_layer(void *ctx, const char *digest, const char *what)
{
	(void)ctx;
	_cleanup_free_ char *id = short_id(digest);
	printf("%s: %s\n", id ? id : "?", what);
	fflush(stdout);
}

/* The terminal display: one line per layer, redrawn in place. */
struct bars {
	size_t drawn; /* lines printed so far */
	struct timespec *start; /* when each layer's first bytes came */
};

static void draw_layer(void *ctx, const struct eng_pull_progress *lp)
{
	struct bars *b = ctx;
	if (!b->start && !(b->start = calloc(lp->count, sizeof(*b->start))))
		return;
	if (lp->index >= lp->count || lp->index > b->drawn)
		return;
	struct timespec *t0 = &b->start[lp->index];
	if (!t0->tv_sec && strcmp(lp->status, ENG_PULL_DOWNLOADING) == 0)
		(void)clock_gettime(CLOCK_MONOTONIC, t0);
	char text[160] = "";
	if (strcmp(lp->status, ENG_PULL_DOWNLOADING) == 0)
		brig_bar_text(lp->done, lp->total, t0, text, sizeof(text));
	_cleanup_free_ char *id = short_id(lp->digest);
	size_t up = b->drawn - lp->index;
	if (up)
		fprintf(stderr, "\033[%zuA", up);
	if (text[0])
		fprintf(stderr, "\r\033[2K%s: %-12s %s\n", id ? id : "?", lp->status, text);
	else
		fprintf(stderr, "\r\033[2K%s: %s\n", id ? id : "?", lp->status);
	if (up > 1)
		fprintf(stderr, "\033[%zuB", up - 1);
	if (!up)
		b->drawn++;
	fflush(stderr);
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
	if (po->layer_progress) { /* the next pull draws its own lines */
		struct bars *b = po->ctx;
		free(b->start);
		*b = (struct bars){ 0 };
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
		if (po->progress || po->layer_progress)
			fprintf(po->layer_progress ? stderr : stdout, "%s: Pulling from %s\n",
				tags[i], name);
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
		BRIG_TRUST_OPTS,
		BRIG_DOWNGRADE_OPT,
		OPT_VALUE("registries-d", 0, "DIR",
			  "the registries.d directory naming GPG signature lookasides (default "
			  "$BRIG_REGISTRIES_D, else /etc/containers/registries.d)"),
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
	};
	struct eng_trust_opts trust;
	_cleanup_err_ struct brig_err te = { 0 };
	if (brig_trust_opts(o, &trust, &te) < 0) {
		opts_free(o);
		return brig_fail(&te);
	}
	po.trust = &trust;
	struct bars bars = { 0 };
	if (!quiet && isatty(STDERR_FILENO)) {
		po.layer_progress = draw_layer;
		po.ctx = &bars;
	} else if (!quiet) {
		po.progress = print_layer;
	}
	int rc = opts_find(o, "all-tags")->set ? pull_all(g, &po, pos[0])
					       : pull_one(g, &po, pos[0]);
	opts_free(o);
	return rc;
}
