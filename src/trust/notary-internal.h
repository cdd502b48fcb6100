/* SPDX-License-Identifier: Apache-2.0 */
/* trust: the Notary update's shared state between notary_*.c. */
#ifndef BRIG_TRUST_NOTARY_INTERNAL_H
#define BRIG_TRUST_NOTARY_INTERNAL_H

#include "trust/notary.h"
#include "trust/tuf.h"

struct notary_update {
	const struct notary_opts *o;
	const struct notary_source *src;
	struct notary_versions seen; /* from the state file */
	struct notary_versions got; /* verified this time */
	char *trusted_raw; /* the trusted root's bytes when the state has one */
	size_t trusted_len;
	struct tuf_doc rootdoc; /* the final root */
	struct tuf_root root;
	struct tuf_doc ts, sn, tg, rel;
	struct tuf_meta tsm, snm;
	struct tuf_targets tgt, relt;
	bool has_rel;
	bool undelegated; /* the snapshot lists targets/releases, targets does not delegate it */
	bool cached[3]; /* sn, tg, rel were the trusted copies (not rewritten) */
	int lockfd; /* STATE_DIR/lock, held for the whole update */
	int statefd; /* STATE_DIR */
};

/* notary_state.c: lock the state directory (made when missing) for the
 * update, read the state (absent: first use); write it. */
int notary_state_load(struct notary_update *u, struct brig_err *e);
int notary_state_save(const struct notary_update *u, struct brig_err *e);
/* The trusted copy of file (snapshot.json, targets.json,
 * targets/releases.json) an earlier update kept, when its bytes are the
 * ones h lists: 0 with *raw; 1 when there is none such. */
int notary_cache_get(const struct notary_update *u, const char *file, const struct tuf_hashes *h,
		     char **raw, size_t *len, struct brig_err *e);
/* notary_root.c: establish the trusted root and walk the chain. */
int notary_root_update(struct notary_update *u, struct brig_err *e);
/* notary_update.c: read a document of at most max bytes (absent: error). */
int notary_read(const struct notary_update *u, const char *name, size_t max, char **raw,
		size_t *len, struct brig_err *e);
/* Version never lower than seen, not expired: naming file and role. */
int notary_fresh(const struct notary_update *u, const struct tuf_doc *d, const char *role,
		 int64_t seen, struct brig_err *e);

/* notary_pin.c: the root d/r against o's rootKeys/rootCAs (none: 0). */
int notary_root_pinned(const struct notary_opts *o, const struct tuf_doc *d,
		       const struct tuf_root *r, struct brig_err *e);
/* notary_update.c: Docker's lookup of tag (or "sha256:HEX") in targets/releases
 * (within the paths targets delegates to it), then targets. */
int notary_lookup(const struct tuf_targets *tgt, const struct tuf_targets *rel, const char *tag,
		  struct notary_target *out, struct brig_err *e);
#endif
