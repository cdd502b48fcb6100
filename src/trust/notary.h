/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: a Notary v1 client, verification side (docs/trust-notary.md).
 * The TUF update for one GUN from a source of metadata files, trusted
 * state (the pinned root and the last versions seen) kept per GUN, and
 * Docker's tag -> manifest digest lookup.
 */
#ifndef BRIG_TRUST_NOTARY_H
#define BRIG_TRUST_NOTARY_H

#include "common/common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <time.h>

/* Where metadata comes from.  get reads the file called name ("root.json",
 * "3.root.json", "targets/releases.json") of at most max bytes: 0, 1 when
 * there is no such file, or a negative errno with e filled (a larger file
 * is an error naming it, before more than max bytes are read). */
struct notary_source {
	int (*get)(void *ctx, const char *name, size_t max, char **raw, size_t *len,
		   struct brig_err *e);
	void *ctx;
};

/* A source reading the files of a directory (as notary's fetch tooling
 * writes them; the delegation as targets-releases.json or
 * targets/releases.json).  Close with notary_dir_source_close. */
int notary_dir_source(const char *dir, struct notary_source *out, struct brig_err *e);
void notary_dir_source_close(struct notary_source *s);

/* A source fetching from a notary-server (the client made, and root.json
 * and timestamp.json fetched, on a thread started here, while the caller
 * reads its trusted state): server is "https://HOST[:PORT]",
 * its CA is CERTS_DIR/HOST:PORT/ca.crt (as for registries; NULL: the
 * default certs.d), GET /v2/GUN/_trust/tuf/NAME, 404 = no such file, at
 * most max bytes read of any answer.  Close with notary_http_source_close. */
int notary_http_source(const char *server, const char *gun, const char *certs_dir,
		       struct notary_source *out, struct brig_err *e);
void notary_http_source_close(struct notary_source *s);

struct notary_opts {
	const char *gun; /* the repository, e.g. "docker.io/library/alpine" */
	const char *state_dir; /* trusted root and versions seen, per GUN */
	const char *pinned_root; /* a root.json to trust instead of the first one seen, or NULL */
	time_t now; /* the clock expiries are checked against */
	/* The policy's pins (notaryTrust rootKeys / rootCAs), or NULL: a
	 * threshold of the root's signatures must be by keys with these IDs,
	 * or whose certificates a CA of these PEM files issued. */
	char *const *root_keys;
	char *const *root_cas;
	bool keep_docs; /* fill notary_target.docs */
};

/* The last versions of each role that verified (the rollback guard). */
struct notary_versions {
	int64_t root, timestamp, snapshot, targets, releases;
};

enum { NOTARY_DOC_ROOT, NOTARY_DOC_TARGETS, NOTARY_DOC_RELEASES, NOTARY_DOCS };

struct notary_target {
	char digest[BRIG_SHA256_HEX]; /* hex sha256 of the manifest */
	uint64_t length;
	const char *role; /* "targets/releases" or "targets" */
	struct notary_versions v; /* the versions verified */
	char expires[32]; /* the earliest expiry of the documents used */
	/* With keep_docs: root.json, targets.json and (role targets/releases)
	 * targets/releases.json as verified, malloc'ed (notary_target_clear). */
	char *docs[NOTARY_DOCS];
	size_t doc_len[NOTARY_DOCS];
};
void notary_target_clear(struct notary_target *t);

/* Run the TUF update for o->gun from src and look up tag (NULL: the update
 * only; out gets the versions and expiry; "sha256:HEX": the first target of
 * that digest).  On success the
 * state in o->state_dir is advanced; on any failure it is left as it was.
 * -ENOENT (with e filled) when the metadata verifies but has no such tag. */
int notary_verify_tag(const struct notary_opts *o, const struct notary_source *src, const char *tag,
		      struct notary_target *out, struct brig_err *e);

/* The clock for expiry checks: $BRIG_TRUST_CLOCK (an RFC 3339 UTC time,
 * meant for tests of metadata that has since expired) or the real time. */
int notary_clock(time_t *now, struct brig_err *e);

/* Offline, from the documents an update kept (docs/doc_len as in
 * notary_target; releases may be NULL): the root signed by a threshold of
 * its own keys (its certificates naming o->gun, their times not judged)
 * and by o's pins, targets by the root's targets keys, targets/releases
 * by the keys targets delegates to it; then tag (or "sha256:HEX") looked
 * up as notary_verify_tag does.  Expiry is not judged (o->now unused). */
int notary_verify_docs(const struct notary_opts *o, char *const docs[NOTARY_DOCS],
		       const size_t doc_len[NOTARY_DOCS], const char *tag,
		       struct notary_target *out, struct brig_err *e);

/* ROOT/trust/notary/<sha256 of gun>, malloc'ed (NULL on ENOMEM). */
char *notary_state_dir(const char *root, const char *gun);
/* The notary-server of a registry, as Docker picks it: server when given,
 * else https://notary.docker.io for docker.io, else https://DOMAIN.
 * malloc'ed (NULL on ENOMEM). */
char *notary_server_for(const char *server, const char *domain);

#endif
