/* SPDX-License-Identifier: Apache-2.0 */
/* brig trust inspect: a Notary repository's signed tags, signers, keys and expiries, as docker trust inspect. */
#include "cli/brig/brig-internal.h"
#include "trust/notary.h"
#include "trust/notary_sign.h"
#include "trust/tuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WARN_SECS (7 * 24 * 3600)

/* A warning on stderr for every role expiring within 7 days of now. */
static void warn_expiry(json_t *repo, time_t now)
{
	const char *role;
	json_t *v;
	json_object_foreach(json_object_get(repo, "Expires"), role, v)
	{
		time_t t;
		if (tuf_parse_time(json_string_value(v), &t) == 0 && t - now < WARN_SECS)
			fprintf(stderr,
				"WARNING: the %s metadata of %s expires at %s, within 7 days\n",
				role, json_string_value(json_object_get(repo, "Name")),
				json_string_value(v));
	}
}

static const char *ids(json_t *keys, char *buf, size_t n)
{
	size_t i, off = 0;
	json_t *k;
	buf[0] = '\0';
	json_array_foreach(keys, i, k)
	{
		int w = snprintf(buf + off, n - off, "%s%s", i ? ", " : "",
				 json_string_value(json_object_get(k, "ID")));
		off += w > 0 && (size_t)w < n - off ? (size_t)w : 0;
	}
	return buf;
}

static void pretty(json_t *repo)
{
	const char *gun = json_string_value(json_object_get(repo, "Name"));
	char buf[1024];
	size_t i;
	json_t *t;
	printf("\nSignatures for %s\n\n%-20s %-64s %s\n", gun, "SIGNED TAG", "DIGEST", "SIGNERS");
	json_array_foreach(json_object_get(repo, "SignedTags"), i, t)
	{
		_cleanup_free_ char *tag = brig_term_escape(
			json_string_value(json_object_get(t, "SignedTag")),
			strlen(json_string_value(json_object_get(t, "SignedTag"))));
		json_t *s = json_object_get(t, "Signers");
		printf("%-20s %-64s %s\n", tag ? tag : "?",
		       json_string_value(json_object_get(t, "Digest")),
		       json_string_value(json_array_get(s, 0)));
	}
	json_t *signers = json_object_get(repo, "Signers");
	if (json_array_size(signers))
		printf("\nList of signers and their keys for %s\n\n", gun);
	json_array_foreach(signers, i, t)
		printf("%-20s %s\n", json_string_value(json_object_get(t, "Name")),
		       ids(json_object_get(t, "Keys"), buf, sizeof(buf)));
	printf("\nAdministrative keys for %s\n\n", gun);
	json_array_foreach(json_object_get(repo, "AdministrativeKeys"), i, t)
		printf("  %s Key:\t%s\n", json_string_value(json_object_get(t, "Name")),
		       ids(json_object_get(t, "Keys"), buf, sizeof(buf)));
	const char *role;
	printf("\nExpiry of the metadata for %s\n\n", gun);
	json_object_foreach(json_object_get(repo, "Expires"), role, t)
		printf("  %-17s %s\n", role, json_string_value(t));
}

static int inspect_one(const struct brig_global *g, struct opt *o, const char *image, json_t *all,
		       struct brig_err *e)
{
	struct img_ref ref = { 0 };
	_cleanup_free_ char *gun = NULL, *state = NULL;
	json_t *repo = NULL;
	int r = img_ref_parse(image, &ref, e);
	if (r == 0)
		r = brig_notary_gun(g, &ref, &gun, &state, e);
	img_ref_clear(&ref);
	struct notary_inspect_opts io = { .server = opts_find(o, "notary")->value,
					  .certs_dir = opts_find(o, "certs-dir")->value,
					  .gun = gun,
					  .state_dir = state };
	if (r == 0)
		r = notary_clock(&io.now, e);
	if (r == 0)
		r = notary_inspect(&io, &repo, e);
	if (r < 0)
		return r;
	warn_expiry(repo, io.now);
	if (opts_find(o, "pretty")->set)
		pretty(repo);
	return json_array_append_new(all, repo) ? brig_err_oom(e) : 0;
}

int brig_cmd_trust_inspect(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		BRIG_NOTARY_SERVER_OPTS,
		OPT_FLAG("pretty", 0, "a table for people, not JSON"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust inspect", "--notary URL [--pretty] REPO...", o, argc, argv, &pos,
			   &npos, 1, 64);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_json_ json_t *all = json_array();
	for (size_t i = 0; p > 0 && i < npos && rc == 0; i++) {
		_cleanup_err_ struct brig_err e = { 0 };
		int r = !all ? brig_err_oom(&e)
			: opts_find(o, "notary")->value
			? inspect_one(g, o, pos[i], all, &e)
			: brig_err_set(&e, -EINVAL, "--notary URL is required");
		if (r < 0) {
			brig_err_wrap(&e, "trust inspect %s", pos[i]);
			rc = brig_fail(&e);
		}
	}
	if (p > 0 && rc == 0 && !opts_find(o, "pretty")->set) {
		_cleanup_free_ char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		if (s)
			puts(s);
	}
	opts_free(o);
	return rc;
}
