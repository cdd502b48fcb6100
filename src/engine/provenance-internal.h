/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine: content trust where images enter and where they run
 * (provenance*.c; docs/trust-check.md).  Private to src/engine.
 *
 *   ROOT/trust/images/<manifest hex>.json   what the pull found and decided:
 *       {"Reference", "Digest", "Signatures": [trust_sigs_json],
 *        "Verification": {...}}: the signatures travel with the image and
 *       run/create judge them again against the policy as it stands then.
 */
#ifndef BRIG_ENGINE_PROVENANCE_INTERNAL_H
#define BRIG_ENGINE_PROVENANCE_INTERNAL_H

#include "engine/engine-internal.h"
#include "trust/check.h"

struct pull; /* pull-internal.h */

/* A pull's decision, kept until the image is in the store. */
struct eng_prov {
	json_t *record; /* what provenance_store writes; NULL: nothing */
	char *rollback_key; /* "IDENTITY\nTAG" when a tag was accepted by signature */
	int64_t time; /* the newest accepted signature's time */
	char digest[72];
	/* notaryTrust (provenance_notary.c): the digest and length Notary
	 * signs for the tag, which the pull fetches by, and the record */
	char notary_digest[80];
	uint64_t notary_len;
	struct trust_sigs notary;
};
void eng_prov_clear(struct eng_prov *pv);

/* Between the manifest and the store: decide for p->name whose (top)
 * manifest digest is digest, fetching the signatures the scope needs
 * through p->c.  A refusal is -EACCES with the whole reasoning in e. */
int eng_prov_pull(struct pull *p, const char *digest, struct eng_prov *pv, struct brig_err *e);
/* Before the image is named: its record (signatures and decision), keyed
 * by the manifest that will be stored, so a named image never lacks one
 * (a crash leaves at most a record without an image).  After: the
 * rollback state. */
int eng_prov_record(const char *root, const char *manifest, struct eng_prov *pv,
		    struct brig_err *e);
int eng_prov_commit(const char *root, struct eng_prov *pv, struct brig_err *e);

/* provenance_notary.c, before the manifest is fetched: for each
 * notaryTrust requirement of the scope that applies to p->name, the TUF
 * update and the tag's signed digest into pv (nothing when none applies).
 * A failure is the refusal (-EACCES, or the update's error). */
/* The reference the policy judges for p (its tag, or its digest), and
 * its text (malloc'ed). */
int eng_prov_judged_ref(const struct pull *p, struct img_ref *ref, char **text, struct brig_err *e);
int eng_prov_notary(struct pull *p, struct eng_prov *pv, struct brig_err *e);
/* After: the manifest fetched by that digest must be the one signed. */
int eng_prov_notary_check(const struct eng_prov *pv, const char *digest, uint64_t len,
			  const char *what, struct brig_err *e);

/* provenance_store.c: ROOT/trust/images/HEX.json */
int eng_prov_record_write(const char *root, const char *digest, json_t *rec, struct brig_err *e);
/* -ENOENT (e untouched) when there is none. */
int eng_prov_record_read(const char *root, const char *digest, json_t **rec, struct brig_err *e);
/* The same in two steps: the file's bytes (malloc'ed; -ENOENT as above),
 * then the record they hold. */
int eng_prov_record_raw(const char *root, const char *digest, char **buf, size_t *len,
			struct brig_err *e);
int eng_prov_record_parse(const char *root, const char *digest, const char *buf, size_t len,
			  json_t **rec, struct brig_err *e);

/* provenance_memo.c: create's decision for the image digest whose record
 * hashes to rec_hex, made earlier under the policy o names as its files
 * are now: 1 and *prov (Brig.Provenance, checked now), 0 when there is
 * none or anything differs, -ENOMEM. */
int eng_prov_memo_get(const char *root, const char *digest, const char *rec_hex,
		      const struct eng_trust_opts *o, json_t **prov);
/* After a full check accepted it under pol (read at since): kept for the
 * next create, when nothing changed in between; failures are ignored. */
void eng_prov_memo_put(const char *root, const char *digest, const char *rec_hex,
		       const struct eng_trust_opts *o, const struct trust_policy *pol,
		       const struct timespec *since, json_t *prov);

/* o, or a copy in buf with content trust off (and a warning) when the
 * engine config's content-trust is false (cfg_on false). */
const struct eng_trust_opts *eng_prov_effective(const struct eng_trust_opts *o, bool cfg_on,
						struct eng_trust_opts *buf);
/* The system's policy, or o's --signature-policy. */
int eng_prov_policy(const struct eng_trust_opts *o, struct trust_policy **out, struct brig_err *e);
/* Each line of text escaped for a terminal, the line breaks kept. */
char *eng_prov_escape_lines(const char *text);
/* create/run (provenance_run.c): the image's stored signatures against
 * the policy as it stands; *out: Brig.Provenance.  A refusal is -EACCES. */
int eng_prov_create(struct eng *g, const struct eng_trust_opts *o, const struct eng_image *im,
		    json_t **out, struct brig_err *e);
/* save and load (provenance_load.c): the records of the images refs
 * names, as the archive's signatures member ({"DIGEST": record}; *out
 * NULL when none has one); load's check (struct img_load_opts.check) and,
 * once the images are named, the records of those accepted. */
struct img_loaded;
enum img_archive_format;
struct eng_load_check {
	const struct eng_trust_opts *trust;
	const char *path; /* the archive, absolute ("/dev/stdin" for a pipe) */
	json_t *keep; /* {"DIGEST": record} to store */
};
int eng_prov_load_check(void *ctx, const struct img_loaded *v, size_t n, enum img_archive_format f,
			const char *sigs, size_t len, struct brig_err *e);
int eng_prov_load_commit(const char *root, struct eng_load_check *lc, struct brig_err *e);
/* CLOCK_MONOTONIC in ns; with BRIG_TRUST_TIMING=1 in the environment, a
 * line on stderr saying how long what took since t0 (bench/trust.sh). */
int64_t eng_prov_clock(void);
void eng_prov_timing(const char *what, int64_t t0);
/* now, RFC 3339 */
void eng_prov_now(char buf[32]);

#endif
