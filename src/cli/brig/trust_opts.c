/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content trust's options on pull, load, run and create:
 * --signature-policy FILE (podman's flag), --disable-content-trust
 * (Docker's) or BRIG_CONTENT_TRUST=0 for one command, with a warning, and
 * pull's --allow-downgrade; BRIG_CONTENT_TRUST=1 (with
 * BRIG_CONTENT_TRUST_SERVER=URL) for Docker's Notary content trust.  See docs/trust-check.md.
 */
#include "cli/brig/brig-internal.h"

#include <stdlib.h>
#include <string.h>

int brig_trust_opts(struct opt *o, struct eng_trust_opts *t, struct brig_err *e)
{
	const char *env = getenv("BRIG_CONTENT_TRUST");
	const struct opt *dg = opts_find(o, "allow-downgrade");
	const struct opt *rd = opts_find(o, "registries-d");
	*t = (struct eng_trust_opts){ .policy = opts_find(o, "signature-policy")->value,
				      .disabled = opts_find(o, "disable-content-trust")->set,
				      .allow_downgrade = dg && dg->set,
				      .registries_d = rd ? rd->value : NULL };
	if (env && *env && strcmp(env, "0") != 0 && strcmp(env, "1") != 0)
		return brig_err_set(e, -EINVAL, "BRIG_CONTENT_TRUST=%.20s: expected 0 or 1", env);
	if (env && strcmp(env, "0") == 0)
		t->disabled = true;
	const char *srv = getenv("BRIG_CONTENT_TRUST_SERVER");
	if (env && strcmp(env, "1") == 0 && !t->disabled) {
		t->notary = true;
		t->notary_server = srv && *srv ? srv : NULL;
	}
	if (t->notary_server && strncmp(t->notary_server, "https://", 8) != 0)
		return brig_err_set(e, -EINVAL,
				    "BRIG_CONTENT_TRUST_SERVER=%.64s: expected https://HOST[:PORT]",
				    t->notary_server);
	if (t->disabled && t->policy)
		return brig_err_set(e, -EINVAL,
				    "--signature-policy and disabled content trust contradict "
				    "each other");
	if (t->disabled)
		brig_warn("content trust is off for this command (%s): the image's signatures "
			  "are not checked",
			  opts_find(o, "disable-content-trust")->set ? "--disable-content-trust"
								     : "BRIG_CONTENT_TRUST=0");
	return 0;
}
