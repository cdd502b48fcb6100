/* SPDX-License-Identifier: Apache-2.0 */
/* trust: the Notary update after the root: timestamp -> snapshot -> targets -> targets/releases, then the tag. */
#include "trust/notary-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int notary_read(const struct notary_update *u, const char *name, size_t max, char **raw,
		size_t *len, struct brig_err *e)
{
	int r = u->src->get(u->src->ctx, name, max, raw, len, e);
	if (r == 1)
		return brig_err_set(e, -ENOENT, "%s: no such metadata for %s", name, u->o->gun);
	return r;
}

int notary_fresh(const struct notary_update *u, const struct tuf_doc *d, const char *role,
		 int64_t seen, struct brig_err *e)
{
	bool ts = !strcmp(role, "timestamp");
	/* Below the timestamp, an older document reached through a verified,
	 * fresh timestamp is also what TUF calls an indefinite freeze. */
	if (d->version < seen)
		return brig_err_set(
			e, -EKEYREJECTED,
			"%s: %s version %lld is lower than version %lld seen before "
			"(rollback%s)",
			d->file, role, (long long)d->version, (long long)seen,
			ts ? "" : "; an indefinite freeze: a fresh timestamp over older metadata");
	if (d->expires <= u->o->now)
		return brig_err_set(
			e, -EKEYEXPIRED, "%s: the %s metadata expired at %s (%s)", d->file, role,
			d->expires_str,
			ts ? "freeze: stale metadata served again"
			   : "indefinite freeze: a fresh timestamp over expired metadata");
	return 0;
}

/* A document listed in holder's meta: read at most its listed length,
 * check the length and hashes, then the signatures.  A genuine document
 * that is not the one listed is from another publish (mix-and-match). */
static int listed(struct notary_update *u, const struct tuf_meta *holder, const char *holdname,
		  const char *entry, const char *file, const char *type, struct tuf_doc *d,
		  const struct tuf_keyset *ks, const struct tuf_role *role, bool *cached,
		  struct brig_err *e)
{
	const struct tuf_hashes *h = tuf_meta_find(holder, entry);
	if (!h)
		return brig_err_set(e, -EBADMSG, "%s: meta does not list %s", holdname, entry);
	char *raw = NULL;
	size_t len = 0, cap = !strcmp(type, "Snapshot") ? TUF_MAX_SNAPSHOT : TUF_MAX_TARGETS;
	if (h->length > cap)
		return brig_err_set(e, -EFBIG, "%s: %s lists %llu bytes, beyond the limit of %zu",
				    file, holdname, (unsigned long long)h->length, cap);
	int r = notary_cache_get(u, file, h, &raw, &len, e);
	*cached = r == 0;
	if (r == 1)
		r = notary_read(u, file, h->length, &raw, &len, e);
	if (r == -EFBIG)
		return brig_err_wrap(e, "%s: larger than the %llu bytes %s lists (endless data)",
				     file, (unsigned long long)h->length, holdname);
	if (r < 0)
		return r;
	int bad = tuf_hashes_match(h, file, raw, len, e);
	r = tuf_doc_load(d, file, raw, len, type, e);
	if (r == 0)
		r = tuf_check_sigs(d, ks, role, e);
	if (bad < 0 && r == 0)
		return brig_err_set(e, -EBADMSG,
				    "%s: a validly signed %s version %lld that %s does not list: "
				    "from another publish (mix-and-match)",
				    file, role->name, (long long)d->version, holdname);
	if (bad < 0)
		return brig_err_set(e, -EBADMSG,
				    "%s: content does not match the hash %s lists (tampered)", file,
				    holdname);
	return r;
}

static int timestamp(struct notary_update *u, struct brig_err *e)
{
	char *raw = NULL;
	size_t len = 0;
	int r = notary_read(u, "timestamp.json", TUF_MAX_TIMESTAMP, &raw, &len, e);
	if (r == 0)
		r = tuf_doc_load(&u->ts, "timestamp.json", raw, len, "Timestamp", e);
	else
		free(raw);
	if (r == 0)
		r = tuf_check_sigs(&u->ts, &u->root.keys, &u->root.timestamp, e);
	if (r == 0)
		r = notary_fresh(u, &u->ts, "timestamp", u->seen.timestamp, e);
	if (r == 0)
		r = tuf_meta_parse(&u->ts, &u->tsm, e);
	u->got.timestamp = u->ts.version;
	return r;
}

static int snapshot(struct notary_update *u, struct brig_err *e)
{
	int r = listed(u, &u->tsm, "timestamp.json", "snapshot", "snapshot.json", "Snapshot",
		       &u->sn, &u->root.keys, &u->root.snapshot, &u->cached[0], e);
	if (r == 0)
		r = notary_fresh(u, &u->sn, "snapshot", u->seen.snapshot, e);
	if (r == 0)
		r = tuf_meta_parse(&u->sn, &u->snm, e);
	/* the root too must be the one this snapshot was made with */
	const struct tuf_hashes *h = r == 0 ? tuf_meta_find(&u->snm, "root") : NULL;
	if (h && tuf_hashes_match(h, "root.json", u->rootdoc.raw, u->rootdoc.len, e) < 0)
		r = brig_err_wrap(e,
				  "the trusted root is not the one snapshot.json lists "
				  "(mix-and-match)");
	u->got.snapshot = u->sn.version;
	return r;
}

static const struct tuf_role *releases_role(const struct tuf_targets *t)
{
	for (size_t i = 0; i < t->nd; i++)
		if (!strcmp(t->droles[i].name, "targets/releases"))
			return &t->droles[i];
	return NULL;
}

/* targets/releases, when targets delegates to it and the snapshot lists it. */
static int releases(struct notary_update *u, struct brig_err *e)
{
	const struct tuf_role *role = releases_role(&u->tgt);
	u->undelegated = !role && tuf_meta_find(&u->snm, "targets/releases");
	if (!role || !tuf_meta_find(&u->snm, "targets/releases"))
		return 0;
	const char *file = "targets/releases.json";
	int r;
	r = listed(u, &u->snm, "snapshot.json", "targets/releases", file, "Targets", &u->rel,
		   &u->tgt.dkeys, role, &u->cached[2], e);
	for (char **k = role->keyids; r == 0 && *k; k++)
		r = tuf_key_check_cert(tuf_keyset_find(&u->tgt.dkeys, *k), file, NULL, u->o->now,
				       e);
	if (r == 0)
		r = notary_fresh(u, &u->rel, "targets/releases", u->seen.releases, e);
	if (r == 0)
		r = tuf_targets_parse(&u->rel, &u->relt, e);
	u->got.releases = u->rel.version;
	u->has_rel = r == 0;
	return r;
}

static int targets(struct notary_update *u, struct brig_err *e)
{
	int r = listed(u, &u->snm, "snapshot.json", "targets", "targets.json", "Targets", &u->tg,
		       &u->root.keys, &u->root.targets, &u->cached[1], e);
	if (r == 0)
		r = notary_fresh(u, &u->tg, "targets", u->seen.targets, e);
	if (r == 0)
		r = tuf_targets_parse(&u->tg, &u->tgt, e);
	u->got.targets = u->tg.version;
	return r == 0 ? releases(u, e) : r;
}

/* A delegated role may sign only names beneath one of its paths ("" = all). */
static int within_paths(const struct tuf_role *role, const char *name)
{
	for (char **p = role->paths; p && *p; p++)
		if (!strncmp(name, *p, strlen(*p)))
			return 1;
	return 0;
}

static bool target_is(const struct tuf_hashes *h, const char *tag)
{
	if (strncmp(tag, "sha256:", 7))
		return !strcmp(h->name, tag);
	char hex[BRIG_SHA256_HEX];
	for (size_t k = 0; h->has256 && k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", h->sha256[k]);
	return h->has256 && !strcmp(hex, tag + 7);
}

/* Docker's lookup: targets/releases first, then targets. */
int notary_lookup(const struct tuf_targets *tgt, const struct tuf_targets *rel, const char *tag,
		  struct notary_target *out, struct brig_err *e)
{
	const struct tuf_targets *sets[] = { rel, tgt };
	const char *roles[] = { "targets/releases", "targets" };
	for (size_t i = 0; i < 2; i++) {
		if (!sets[i])
			continue;
		const struct tuf_hashes *h = NULL;
		for (size_t j = 0; j < sets[i]->nt && !h; j++)
			if (target_is(&sets[i]->t[j], tag))
				h = &sets[i]->t[j];
		if (!h)
			continue;
		if (i == 0 && !within_paths(releases_role(tgt), h->name))
			return brig_err_set(e, -EKEYREJECTED,
					    "targets/releases.json: signs \"%s\", outside the "
					    "paths targets delegates to it (extraneous dependency)",
					    h->name);
		if (!h->has256)
			return brig_err_set(e, -EBADMSG, "%s: target \"%s\" has no sha256",
					    roles[i], h->name);
		for (size_t k = 0; k < 32; k++)
			snprintf(out->digest + 2 * k, 3, "%02x", h->sha256[k]);
		out->length = h->length;
		out->role = roles[i];
		return 0;
	}
	return brig_err_set(e, -ENOENT, "no trust data for %s \"%s\"",
			    strncmp(tag, "sha256:", 7) ? "tag" : "digest", tag);
}

/* With keep_docs: the documents the tag's verification rests on. */
static int keep_docs(const struct notary_update *u, struct notary_target *out, struct brig_err *e)
{
	const struct tuf_doc *d[NOTARY_DOCS] = { &u->rootdoc, &u->tg,
						 !strcmp(out->role, "targets") ? NULL : &u->rel };
	for (size_t i = 0; u->o->keep_docs && i < NOTARY_DOCS; i++) {
		if (!d[i])
			continue;
		if (!(out->docs[i] = brig_memdupz(d[i]->raw, d[i]->len)))
			return brig_err_oom(e);
		out->doc_len[i] = d[i]->len;
	}
	return 0;
}

void notary_target_clear(struct notary_target *t)
{
	for (size_t i = 0; i < NOTARY_DOCS; i++) {
		free(t->docs[i]);
		t->docs[i] = NULL;
	}
}

static void earliest(const struct notary_update *u, char buf[32])
{
	const struct tuf_doc *d[] = { &u->rootdoc, &u->ts, &u->sn, &u->tg, &u->rel };
	time_t t = 0;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(d); i++)
		if (d[i]->json && (!t || d[i]->expires < t))
			t = d[i]->expires;
	tuf_format_time(t, buf);
}

static void update_clear(struct notary_update *u)
{
	if (u->lockfd >= 0)
		close(u->lockfd);
	if (u->statefd >= 0)
		close(u->statefd);
	free(u->trusted_raw);
	tuf_doc_clear(&u->rootdoc);
	tuf_root_clear(&u->root);
	tuf_doc_clear(&u->ts);
	tuf_doc_clear(&u->sn);
	tuf_doc_clear(&u->tg);
	tuf_doc_clear(&u->rel);
	tuf_meta_clear(&u->tsm);
	tuf_meta_clear(&u->snm);
	tuf_targets_clear(&u->tgt);
	tuf_targets_clear(&u->relt);
}

int notary_verify_tag(const struct notary_opts *o, const struct notary_source *src, const char *tag,
		      struct notary_target *out, struct brig_err *e)
{
	struct notary_update u = { .o = o, .src = src, .lockfd = -1, .statefd = -1 };
	int r = notary_state_load(&u, e);
	if (r == 0)
		r = notary_root_update(&u, e);
	if (r == 0)
		r = timestamp(&u, e);
	if (r == 0)
		r = snapshot(&u, e);
	if (r == 0)
		r = targets(&u, e);
	/* the tag first: a target the metadata may not sign (an extraneous
	 * dependency) leaves the state as it was; a tag that is not there
	 * does not (what verified is kept) */
	int lr = r == 0 && tag ? notary_lookup(&u.tgt, u.has_rel ? &u.relt : NULL, tag, out, e) : 0;
	if (r == 0 && lr != 0 && lr != -ENOENT)
		r = lr;
	if (r == 0)
		r = notary_state_save(&u, e);
	if (r == 0) { /* what verified, also when the tag is not there */
		out->v = u.got;
		earliest(&u, out->expires);
		r = lr;
	}
	if (r == -ENOENT && lr == -ENOENT && u.undelegated) /* never consulted: say why */
		brig_err_wrap(e,
			      "snapshot.json lists targets/releases, which targets.json does "
			      "not delegate: not consulted (extraneous dependency)");
	/* the documents a tag's verification rests on (none for the update
	 * alone, which looks up no role) */
	if (r == 0 && tag)
		r = keep_docs(&u, out, e);
	update_clear(&u);
	if (r < 0)
		brig_err_wrap(e, "%s", o->gun);
	return r;
}

int notary_clock(time_t *now, struct brig_err *e)
{
	const char *c = getenv("BRIG_TRUST_CLOCK");
	if (c && *c) {
		if (tuf_parse_time(c, now) < 0)
			return brig_err_set(e, -EINVAL,
					    "BRIG_TRUST_CLOCK: \"%s\" is not an RFC 3339 UTC time",
					    c);
		return 0;
	}
	*now = time(NULL);
	return 0;
}
