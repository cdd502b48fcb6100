/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig pull: an image from a registry (OCI distribution API) into the
 * store; one line per layer, then NAME@DIGEST.  See docs/registry.md.
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

int brig_cmd_pull(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("platform", 0, "OS/ARCH[/VARIANT]",
			  "the platform to pick from a multi-platform image (default: the host's)"),
		OPT_FLAG("quiet", 'q', "print only the pulled NAME@DIGEST"),
		OPT_FLAG("tls-verify", 0,
			 "check the registry's TLS certificate (default true; "
			 "--tls-verify=false turns the check off)"),
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
		.ref = pos[0],
		.platform = opts_find(o, "platform")->value,
		.tls_verify = !(tv && strcmp(tv, "false") == 0),
		.authfile = opts_find(o, "authfile")->value,
		.config = g->config,
		.progress = quiet ? NULL : print_layer,
	};
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_pull_result res = { 0 };
	int rc = 0;
	if (eng_pull(g->root, &po, &res, &e) < 0) {
		brig_err_wrap(&e, "pull %s", pos[0]);
		rc = brig_fail(&e);
	} else {
		printf("%s\n", res.name);
	}
	eng_pull_result_clear(&res);
	opts_free(o);
	return rc;
}
