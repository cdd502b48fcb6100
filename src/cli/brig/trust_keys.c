/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig trust key generate|list|export|import|rm: cosign-format signing keys
 * in the store (docs/trust-sigstore.md).  The passphrase comes from
 * BRIG_PASSPHRASE or a prompt on the terminal, not echoed.
 */
#include "cli/brig/brig-internal.h"
#include "trust/sigstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASS_ENV "BRIG_PASSPHRASE"

int brig_passphrase(bool confirm, char **out, struct brig_err *e)
{
	const char *env = getenv(PASS_ENV);
	if (env) {
		if (strlen(env) > TRUST_PASSPHRASE_MAX)
			return brig_err_set(e, -EINVAL, "%s: longer than %d bytes", PASS_ENV,
					    TRUST_PASSPHRASE_MAX);
		*out = strdup(env);
		return *out ? 0 : brig_err_oom(e);
	}
	_cleanup_secret_ char *a = NULL, *b = NULL;
	int r = brig_prompt("Passphrase", true, PASS_ENV, &a, e);
	if (r == 0 && confirm)
		r = brig_prompt("Passphrase again", true, PASS_ENV, &b, e);
	if (r == 0 && confirm && strcmp(a, b) != 0)
		r = brig_err_set(e, -EINVAL, "the two passphrases differ");
	if (r == 0)
		*out = brig_steal_ptr(a);
	return r;
}

static int key_generate(const struct brig_global *g, const char *name, struct brig_err *e)
{
	_cleanup_secret_ char *pass = NULL;
	_cleanup_free_ char *pub = NULL;
	int r = brig_passphrase(true, &pass, e);
	if (r == 0)
		r = trust_keystore_generate(g->root, name, pass, &pub, e);
	if (r == 0)
		fputs(pub, stdout);
	return r;
}

static int key_import(const struct brig_global *g, const char *name, const char *file,
		      struct brig_err *e)
{
	_cleanup_secret_ char *pass = NULL;
	int r = brig_passphrase(false, &pass, e);
	if (r == 0)
		r = trust_keystore_import(g->root, name, file, pass, e);
	return r;
}

static int key_list(const struct brig_global *g, const char *format, struct brig_err *e)
{
	struct trust_keyinfo *v = NULL;
	size_t n = 0;
	bool json = format && strcmp(format, "json") == 0;
	if (format && !json)
		return brig_err_set(e, -EINVAL, "--format: expected json, got '%.40s'", format);
	int r = trust_keystore_list(g->root, &v, &n, e);
	if (r == 0 && !json)
		printf("%-24s %-11s %s\n", "NAME", "KIND", "FINGERPRINT (SHA-256)");
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!json) {
			printf("%-24s %-11s %s\n", v[i].name, v[i].kind, v[i].fingerprint);
			continue;
		}
		_cleanup_json_ json_t *o = json_pack("{s:s,s:s,s:s}", "Name", v[i].name, "Kind",
						     v[i].kind, "Fingerprint", v[i].fingerprint);
		_cleanup_free_ char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (!s)
			r = brig_err_oom(e);
		else
			puts(s);
	}
	trust_keyinfo_free(v, n);
	return r;
}

static int key_action(const struct brig_global *g, struct opt *o, char **pos, size_t npos,
		      struct brig_err *e)
{
	const char *a = pos[0];
	if (opts_find(o, "notary")->value)
		return brig_trust_key_notary(g, o, pos, npos, e);
	size_t want = !strcmp(a, "list") ? 1 : !strcmp(a, "import") ? 3 : 2;
	if (strcmp(a, "generate") && strcmp(a, "list") && strcmp(a, "export") &&
	    strcmp(a, "import") && strcmp(a, "rm"))
		return brig_err_set(e, -EINVAL,
				    "'%.40s': expected generate, list, export, import or rm", a);
	if (npos != want)
		return brig_err_set(e, -EINVAL, "%s takes %s", a,
				    want == 1           ? "no argument"
					    : want == 2 ? "a key NAME"
							: "a key NAME and a FILE");
	if (!strcmp(a, "generate"))
		return key_generate(g, pos[1], e);
	if (!strcmp(a, "import"))
		return key_import(g, pos[1], pos[2], e);
	if (!strcmp(a, "list"))
		return key_list(g, opts_find(o, "format")->value, e);
	if (!strcmp(a, "rm"))
		return trust_keystore_rm(g->root, pos[1], e);
	_cleanup_free_ char *pem = NULL;
	int r = trust_keystore_export(g->root, pos[1], opts_find(o, "private")->set, &pem, e);
	if (r == 0)
		fputs(pem, stdout);
	return r;
}

int brig_cmd_trust_key(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("private", 0,
			 "export: the encrypted private key (cosign's format), not the public key"),
		OPT_VALUE("format", 0, "json", "list: one JSON object a line"),
		OPT_VALUE("notary", 0, "root|targets|snapshot|delegation",
			  "a Notary v1 key: generate|export|import --notary root [FILE], "
			  "--notary targets GUN [FILE]; import --notary snapshot GUN FILE (a "
			  "snapshot key the owner holds), --notary delegation FILE (a "
			  "signer's key); list --notary root|targets|snapshot|delegation|all"),
		OPT_VALUE("server", 0, "URL",
			  "rotate --notary root|timestamp|snapshot: the notary-server of REPO"),
		OPT_VALUE("certs-dir", 0, "DIR",
			  "--server: its CA is DIR/HOST:PORT/ca.crt (default /etc/brig/certs.d)"),
		OPT_FLAG("offline", 0,
			 "export --notary: remove the key from the store once written out"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust key",
			   "generate NAME | list | export NAME | import NAME FILE | rm NAME"
			   " | ACTION --notary root|targets [GUN] [FILE]"
			   " | rotate --notary root|timestamp|snapshot --server URL REPO",
			   o, argc, argv, &pos, &npos, 1, 4);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (key_action(g, o, pos, npos, &e) < 0) {
			brig_err_wrap(&e, "trust key %s", pos[0]);
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}
