/* SPDX-License-Identifier: Apache-2.0 */
/* trust: the TUF documents (root, targets, snapshot, timestamp) parsed strictly, errors naming file and field. */
#include "trust/tuf.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUF_MAX_VERSION 9007199254740992LL
#define TUF_MAX_TARGET_COUNT 100000

int tuf_parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -EINVAL;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		size_t d = strspn(p, "0123456789");
		if (d == 0 || d > 9)
			return -EINVAL;
		p += d;
	}
	if (strcmp(p, "Z") || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = t;
	return 0;
}

void tuf_format_time(time_t t, char buf[32])
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "@%lld", (long long)t);
}

static const char *const root_keys[] = {
	"_type", "consistent_snapshot", "expires", "keys", "roles", "version", NULL
};
static const char *const targets_keys[] = { "_type",   "delegations", "expires",
					    "targets", "version",     NULL };
static const char *const meta_keys[] = { "_type", "expires", "meta", "version", NULL };

static const char *const *allowed_for(const char *type)
{
	if (!strcmp(type, "Root"))
		return root_keys;
	return !strcmp(type, "Targets") ? targets_keys : meta_keys;
}

static int doc_common(struct tuf_doc *d, const char *type, struct brig_err *e)
{
	static const char *const env[] = { "signed", "signatures", NULL };
	struct bj_loc root, sl;
	bj_root(&root, d->file);
	bj_key(&sl, &root, "signed");
	const char *t = NULL, *exp = NULL;
	int r = bj_only_keys(d->json, &root, env, e);
	if (r == 0)
		r = bj_get_obj(d->json, &root, "signed", true, &d->sig, e);
	if (r == 0)
		r = bj_only_keys(d->sig, &sl, allowed_for(type), e);
	if (r == 0)
		r = bj_get_str(d->sig, &sl, "_type", true, &t, e);
	if (r == 0 && strcmp(t, type))
		r = bj_fail(e, &sl, "_type: \"%s\", expected \"%s\"", t, type);
	if (r == 0)
		r = bj_get_int(d->sig, &sl, "version", true, 1, TUF_MAX_VERSION, &d->version, e);
	if (r == 0)
		r = bj_get_str(d->sig, &sl, "expires", true, &exp, e);
	if (r == 0 && tuf_parse_time(exp, &d->expires) < 0)
		r = bj_fail(e, &sl, "expires: \"%s\" is not an RFC 3339 UTC time", exp);
	if (r == 0 && !(d->expires_str = strdup(exp)))
		r = brig_err_oom(e);
	return r;
}

int tuf_doc_load(struct tuf_doc *d, const char *file, char *raw, size_t len, const char *type,
		 struct brig_err *e)
{
	d->raw = raw;
	d->len = len;
	d->file = strdup(file);
	if (!d->file)
		return brig_err_oom(e);
	int r = bj_parse(raw, len, file, &d->json, e);
	return r < 0 ? r : doc_common(d, type, e);
}

void tuf_doc_clear(struct tuf_doc *d)
{
	free(d->raw);
	free(d->file);
	json_decref(d->json);
	free(d->expires_str);
	memset(d, 0, sizeof(*d));
}

void tuf_role_clear(struct tuf_role *r)
{
	free(r->name);
	brig_strv_free(r->keyids);
	brig_strv_free(r->paths);
	memset(r, 0, sizeof(*r));
}

int tuf_role_parse(const json_t *v, const struct bj_loc *at, bool delegated, struct tuf_role *out,
		   struct brig_err *e)
{
	static const char *const top[] = { "keyids", "threshold", NULL };
	static const char *const del[] = { "keyids", "name", "paths", "threshold", NULL };
	const char *name = NULL;
	int r = bj_only_keys(v, at, delegated ? del : top, e);
	if (r == 0)
		r = bj_get_strv(v, at, "keyids", true, TUF_MAX_ROLE_KEYS, &out->keyids, e);
	if (r == 0)
		r = bj_get_int(v, at, "threshold", true, 1, TUF_MAX_ROLE_KEYS, &out->threshold, e);
	if (r == 0 && delegated)
		r = bj_get_str(v, at, "name", true, &name, e);
	if (r == 0 && delegated)
		r = bj_get_strv(v, at, "paths", true, TUF_MAX_PATHS, &out->paths, e);
	if (r == 0 && name && !(out->name = strdup(name)))
		r = brig_err_oom(e);
	if (r == 0 && (size_t)out->threshold > brig_strv_len(out->keyids))
		r = bj_fail(e, at, "threshold: %lld is more than the role's %zu keys",
			    (long long)out->threshold, brig_strv_len(out->keyids));
	return r;
}

int tuf_root_parse(const struct tuf_doc *d, struct tuf_root *out, struct brig_err *e)
{
	static const char *const names[] = { "root", "snapshot", "targets", "timestamp", NULL };
	struct tuf_role *roles[] = { &out->root, &out->snapshot, &out->targets, &out->timestamp };
	struct bj_loc sl, kl, rl;
	bj_root(&sl, d->file);
	bj_key(&sl, &sl, "signed");
	bj_key(&kl, &sl, "keys");
	bj_key(&rl, &sl, "roles");
	json_t *keys = NULL, *rv = NULL;
	int r = bj_get_bool(d->sig, &sl, "consistent_snapshot", true, &out->consistent_snapshot, e);
	if (r == 0)
		r = bj_get_obj(d->sig, &sl, "keys", true, &keys, e);
	if (r == 0)
		r = tuf_keyset_parse(keys, &kl, &out->keys, e);
	if (r == 0)
		r = bj_get_obj(d->sig, &sl, "roles", true, &rv, e);
	if (r == 0)
		r = bj_only_keys(rv, &rl, names, e);
	for (size_t i = 0; r == 0 && names[i]; i++) {
		json_t *one = NULL;
		struct bj_loc ol;
		bj_key(&ol, &rl, names[i]);
		r = bj_get_obj(rv, &rl, names[i], true, &one, e);
		if (r == 0)
			r = tuf_role_parse(one, &ol, false, roles[i], e);
		if (r == 0 && !(roles[i]->name = strdup(names[i])))
			r = brig_err_oom(e);
		for (char **k = roles[i]->keyids; r == 0 && *k; k++)
			if (!tuf_keyset_find(&out->keys, *k))
				r = bj_fail(e, &ol, "keyids: %s is not among the root's keys", *k);
	}
	return r;
}

void tuf_root_clear(struct tuf_root *r)
{
	tuf_keyset_clear(&r->keys);
	tuf_role_clear(&r->root);
	tuf_role_clear(&r->targets);
	tuf_role_clear(&r->snapshot);
	tuf_role_clear(&r->timestamp);
}
