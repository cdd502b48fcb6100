/* SPDX-License-Identifier: Apache-2.0 */
/* brig trust notary verify: a tag's manifest digest from Notary v1 metadata, verified offline. */
#include "cli/brig/brig-internal.h"
#include "trust/notary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ROOT/trust/notary/<sha256 of the GUN>: one directory per GUN. */
static char *default_state_dir(const struct brig_global *g, const char *gun)
{
	char hex[BRIG_SHA256_HEX];
	char *dir = NULL;
	if (brig_sha256_buf(gun, strlen(gun), hex) < 0 ||
	    asprintf(&dir, "%s/trust/notary/%s", g->root, hex) < 0)
		return NULL;
	return dir;
}

static int print_target(const char *gun, const char *tag, const struct notary_target *t, bool json)
{
	if (!json) {
		printf("%-10s %-71s %-12s %s\n", "NAME", "DIGEST", "SIZE (BYTES)", "ROLE");
		printf("%-10s sha256:%-64s %-12llu %s\n", tag, t->digest,
		       (unsigned long long)t->length, t->role);
		return 0;
	}
	char digest[80];
	snprintf(digest, sizeof(digest), "sha256:%s", t->digest);
	_cleanup_json_ json_t *j = json_pack(
		"{s:s,s:s,s:s,s:I,s:s,s:s,s:{s:I,s:I,s:I,s:I,s:I}}", "gun", gun, "tag", tag,
		"digest", digest, "size", (json_int_t)t->length, "role", t->role, "expires",
		t->expires, "versions", "root", (json_int_t)t->v.root, "timestamp",
		(json_int_t)t->v.timestamp, "snapshot", (json_int_t)t->v.snapshot, "targets",
		(json_int_t)t->v.targets, "targets/releases", (json_int_t)t->v.releases);
	_cleanup_free_ char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!s)
		return -1;
	puts(s);
	return 0;
}

static int notary_verify(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("metadata", 0, "DIR", "the metadata files (root.json, N.root.json, ...)"),
		OPT_VALUE("server", 0, "URL", "fetch from this notary-server (https://HOST:PORT)"),
		OPT_VALUE("certs-dir", 0, "DIR",
			  "the server's CA is DIR/HOST:PORT/ca.crt (default /etc/brig/certs.d)"),
		OPT_VALUE("trust-dir", 0, "DIR",
			  "trusted state (default ROOT/trust/notary/<sha256 of GUN>)"),
		OPT_VALUE("pin-root", 0, "FILE", "start from this root.json, not the first seen"),
		OPT_VALUE("format", 0, "text|json", "output format (default text)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust notary", "verify --metadata DIR|--server URL GUN TAG", o, argc,
			   argv, &pos, &npos, 3, 3);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	const char *fmt = opts_find(o, "format")->value, *meta = opts_find(o, "metadata")->value;
	const char *server = opts_find(o, "server")->value;
	if (strcmp(pos[0], "verify"))
		brig_err_set(&e, -EINVAL, "trust notary: unknown subcommand \"%s\" (verify)",
			     pos[0]);
	else if (fmt && strcmp(fmt, "json") && strcmp(fmt, "text"))
		brig_err_set(&e, -EINVAL, "--format: \"%s\" is neither text nor json", fmt);
	else if (!meta == !server)
		brig_err_set(&e, -EINVAL,
			     "trust notary verify: give one of --metadata DIR and --server URL");
	if (e.code)
		return brig_fail(&e);
	const char *dir = opts_find(o, "trust-dir")->value;
	_cleanup_free_ char *def = dir ? NULL : default_state_dir(g, pos[1]);
	struct notary_opts no = { .gun = pos[1],
				  .state_dir = dir ? dir : def,
				  .pinned_root = opts_find(o, "pin-root")->value };
	struct notary_source src = { 0 };
	struct notary_target t = { 0 };
	int r = no.state_dir ? notary_clock(&no.now, &e) : brig_err_oom(&e);
	if (r == 0)
		r = meta ? notary_dir_source(meta, &src, &e)
			 : notary_http_source(server, pos[1], opts_find(o, "certs-dir")->value,
					      &src, &e);
	if (r == 0)
		r = notary_verify_tag(&no, &src, pos[2], &t, &e);
	if (meta)
		notary_dir_source_close(&src);
	else
		notary_http_source_close(&src);
	if (r < 0) {
		brig_err_wrap(&e, "trust notary verify");
		return brig_fail(&e);
	}
	return print_target(pos[1], pos[2], &t, fmt && !strcmp(fmt, "json")) < 0 ? BRIG_EXIT_FAIL
										 : 0;
}

int brig_cmd_trust_notary(const struct brig_global *g, int argc, char **argv)
{
	return notary_verify(g, argc, argv);
}
