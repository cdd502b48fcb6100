/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: vulnerability records in the OSV format (https://ossf.github.io/
 * osv-schema/) from a file or a directory of *.json files, matched against
 * the installed packages.  A record is read, checked and matched, then
 * freed, so the database is read once and never held whole; one that
 * names no installed package is checked by a lean pass and not parsed
 * into a tree (osvskim.c).
 *
 * An affected entry applies to a package when its ecosystem is the image's
 * ("Debian:12" for Debian 12; a bare "Debian" for any Debian release) and
 * its name is the package's binary or source name; the version (the source
 * version when the name is the source's) is then tested against the entry's
 * "versions" and its ECOSYSTEM ranges (introduced / fixed /
 * last_affected / limit) with dpkg's or apk's ordering.
 */
#include "audit/scan-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define OSV_FILE_MAX ((size_t)16 << 20)
#define OSV_EVENTS_MAX 1024

struct osv_ctx {
	const struct scan_pkgs *ps;
	json_t *by_name; /* package or source name -> [index, ...] */
	struct audit_report *r;
	size_t records;
	char *buf; /* the file being read, kept from one file to the next */
	size_t cap;
};

struct osv_event {
	int kind; /* 0 introduced, 1 fixed, 2 last_affected, 3 limit */
	const char *v;
};
static const char *const event_kinds[] = { "introduced", "fixed", "last_affected", "limit" };

static int vercmp(const struct scan_pkg *p, const char *a, const char *b)
{
	if (strcmp(a, "0") == 0 || strcmp(b, "0") == 0) /* "0": before everything */
		return strcmp(a, "0") == 0 ? (strcmp(b, "0") == 0 ? 0 : -1) : 1;
	return p->apk ? audit_apk_vercmp(a, b) : audit_dpkg_vercmp(a, b);
}

/* The events of one range, checked. */
static int range_events(const json_t *range, const struct bj_loc *at, struct osv_event *ev,
			size_t *n, struct brig_err *e)
{
	json_t *events;
	int r = bj_get_arr(range, at, "events", true, &events, e);
	struct bj_loc el;
	bj_key(&el, at, "events");
	if (r == 0 && json_array_size(events) > OSV_EVENTS_MAX)
		return bj_fail(e, &el, "more than %d events", OSV_EVENTS_MAX);
	*n = 0;
	for (size_t i = 0; r == 0 && i < json_array_size(events); i++) {
		struct bj_loc one;
		bj_idx(&one, &el, i);
		json_t *o = json_array_get(events, i);
		if ((r = bj_expect(o, &one, JSON_OBJECT, e)) < 0)
			break;
		size_t found = 0;
		for (int k = 0; k < 4; k++) {
			const char *v = NULL;
			int g = bj_get_str(o, &one, event_kinds[k], false, &v, e);
			if (g < 0)
				return g;
			if (g == 0)
				ev[*n] = (struct osv_event){ k, v }, found++;
		}
		if (found != 1)
			return bj_fail(e, &one,
				       "expected one of introduced, fixed, last_affected, "
				       "limit");
		(*n)++;
	}
	return r;
}

static int cmp_event(const void *a, const void *b, void *pkg)
{
	return vercmp(pkg, ((const struct osv_event *)a)->v, ((const struct osv_event *)b)->v);
}

/* Whether v is in the range; *fixed the first fix after v (or NULL). */
static bool in_range(const struct scan_pkg *p, const char *v, struct osv_event *ev, size_t n,
		     const char **fixed)
{
	qsort_r(ev, n, sizeof(*ev), cmp_event, (void *)p);
	bool aff = false;
	for (size_t i = 0; i < n; i++) {
		int c = vercmp(p, v, ev[i].v);
		if (ev[i].kind == 0 && c >= 0)
			aff = true;
		else if ((ev[i].kind == 1 || ev[i].kind == 3) && c >= 0)
			aff = false;
		else if (ev[i].kind == 2 && c > 0)
			aff = false;
		if (ev[i].kind == 1 && c < 0 && !*fixed)
			*fixed = ev[i].v;
	}
	return aff;
}

static enum audit_severity severity_word(const char *s)
{
	static const struct {
		const char *w;
		enum audit_severity s;
	} m[] = { { "critical", AUDIT_CRITICAL }, { "high", AUDIT_HIGH },
		  { "important", AUDIT_HIGH },    { "medium", AUDIT_MEDIUM },
		  { "moderate", AUDIT_MEDIUM },   { "low", AUDIT_LOW },
		  { "unimportant", AUDIT_LOW },   { "negligible", AUDIT_INFO } };
	for (size_t i = 0; s && i < BRIG_ARRAY_SIZE(m); i++)
		if (strcasecmp(s, m[i].w) == 0)
			return m[i].s;
	return AUDIT_MEDIUM; /* unknown or not yet assigned */
}

/* The severity a record or an affected entry states in its
 * database_specific.severity or ecosystem_specific.urgency (NULL: none). */
static const char *stated_severity(const json_t *o)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(o, "database_specific"), "severity"));
	if (!s)
		s = json_string_value(
			json_object_get(json_object_get(o, "ecosystem_specific"), "urgency"));
	return s;
}

struct osv_rec {
	const char *id, *summary;
	const json_t *doc;
	json_t *reported; /* package indices already reported for this record */
};

static bool eco_matches(const struct scan_pkgs *ps, const struct scan_pkg *p, const char *eco)
{
	const char *family = p->apk ? "Alpine" : "Debian";
	if (strcmp(eco, family) == 0)
		return true;
	return ps->ecosystem && strcmp(eco, ps->ecosystem) == 0;
}

static int report(struct osv_ctx *c, struct osv_rec *rec, const json_t *aff, size_t idx,
		  const char *fixed, struct brig_err *e)
{
	char key[32];
	(void)brig_snprintf(key, sizeof(key), "%zu", idx);
	if (json_object_get(rec->reported, key))
		return 0;
	if (json_object_set_new(rec->reported, key, json_true()) < 0)
		return brig_err_oom(e);
	const struct scan_pkg *p = &c->ps->v[idx];
	const char *sev = stated_severity(aff);
	enum audit_severity s = severity_word(sev ? sev : stated_severity(rec->doc));
	_cleanup_free_ char *purl = scan_purl(c->ps, p);
	_cleanup_free_ char *fix = NULL;
	if (!purl ||
	    asprintf(&fix,
		     fixed ? "upgrade %s to %s or later"
			   : "no fixed version known: %s%s remove or replace the "
			     "package",
		     p->name, fixed ? fixed : ";") < 0)
		return brig_err_oom(e);
	const char *refs[2] = { NULL, NULL };
	char url[512];
	if (brig_snprintf(url, sizeof(url), "https://osv.dev/vulnerability/%s", rec->id) >= 0)
		refs[0] = url;
	return audit_add(c->r, rec->id, s, purl, fix, refs, e, "%s %s%s%s%s: %s", p->name,
			 p->version, strcmp(p->source, p->name) ? " (source " : "",
			 strcmp(p->source, p->name) ? p->source : "",
			 strcmp(p->source, p->name) ? ")" : "",
			 rec->summary ? rec->summary : "vulnerable version");
}

/* Whether package p at version v is affected per the entry's versions
 * and ranges (both already checked). */
static int affected_by(const json_t *aff, const struct bj_loc *at, const struct scan_pkg *p,
		       const char *v, bool *hit, const char **fixed, struct brig_err *e)
{
	json_t *versions = json_object_get(aff, "versions"),
	       *ranges = json_object_get(aff, "ranges");
	for (size_t i = 0; i < json_array_size(versions); i++)
		if (strcmp(json_string_value(json_array_get(versions, i)), v) == 0)
			*hit = true;
	struct bj_loc rl;
	bj_key(&rl, at, "ranges");
	for (size_t i = 0; i < json_array_size(ranges); i++) {
		json_t *range = json_array_get(ranges, i);
		if (strcmp(json_string_value(json_object_get(range, "type")), "ECOSYSTEM") != 0)
			continue;
		struct osv_event ev[OSV_EVENTS_MAX];
		size_t n = 0;
		struct bj_loc one;
		bj_idx(&one, &rl, i);
		int r = range_events(range, &one, ev, &n, e);
		if (r < 0)
			return r;
		if (in_range(p, v, ev, n, fixed))
			*hit = true;
	}
	return 0;
}

/* The schema of an affected entry: package {ecosystem, name}, versions
 * (strings), ranges ({type, events}). */
static int check_affected(const json_t *aff, const struct bj_loc *at, const char **eco,
			  const char **name, struct brig_err *e)
{
	json_t *pkg, *ranges = NULL, *versions = NULL;
	struct bj_loc pl, rl, vl;
	bj_key(&pl, at, "package");
	int r = bj_get_obj(aff, at, "package", true, &pkg, e);
	if (r == 0)
		r = bj_get_str(pkg, &pl, "ecosystem", true, eco, e);
	if (r == 0)
		r = bj_get_str(pkg, &pl, "name", true, name, e);
	if (r == 0 && (r = bj_get_arr(aff, at, "versions", false, &versions, e)) >= 0)
		r = 0;
	bj_key(&vl, at, "versions");
	for (size_t i = 0; r == 0 && versions && i < json_array_size(versions); i++) {
		struct bj_loc one;
		bj_idx(&one, &vl, i);
		r = bj_expect(json_array_get(versions, i), &one, JSON_STRING, e);
	}
	if (r == 0 && (r = bj_get_arr(aff, at, "ranges", false, &ranges, e)) >= 0)
		r = 0;
	bj_key(&rl, at, "ranges");
	for (size_t i = 0; r == 0 && ranges && i < json_array_size(ranges); i++) {
		struct bj_loc one;
		const char *type;
		struct osv_event ev[OSV_EVENTS_MAX];
		size_t n;
		bj_idx(&one, &rl, i);
		r = bj_get_str(json_array_get(ranges, i), &one, "type", true, &type, e);
		if (r == 0)
			r = range_events(json_array_get(ranges, i), &one, ev, &n, e);
	}
	return r;
}

static int match_affected(struct osv_ctx *c, struct osv_rec *rec, const json_t *aff,
			  const struct bj_loc *at, struct brig_err *e)
{
	const char *eco, *name;
	int r = check_affected(aff, at, &eco, &name, e);
	json_t *idxs = r == 0 ? json_object_get(c->by_name, name) : NULL;
	for (size_t i = 0; r == 0 && i < json_array_size(idxs); i++) {
		size_t idx = (size_t)json_integer_value(json_array_get(idxs, i));
		const struct scan_pkg *p = &c->ps->v[idx];
		if (!eco_matches(c->ps, p, eco))
			continue;
		/* Debian's and Alpine's records name source packages: their
		 * versions are the source's (a binNMU's "+b1" is not). */
		bool by_source = strcmp(name, p->source) == 0;
		const char *fixed = NULL;
		bool hit = false;
		r = affected_by(aff, at, p, by_source ? p->source_version : p->version, &hit,
				&fixed, e);
		if (r == 0 && hit)
			r = report(c, rec, aff, idx, fixed, e);
	}
	return r;
}

static int one_record(struct osv_ctx *c, const json_t *doc, const struct bj_loc *at,
		      struct brig_err *e)
{
	struct osv_rec rec = { .doc = doc };
	json_t *affected = NULL;
	int r = bj_get_str(doc, at, "id", true, &rec.id, e);
	if (r == 0 && (r = bj_get_str(doc, at, "summary", false, &rec.summary, e)) > 0)
		r = 0;
	if (r == 0 && (r = bj_get_arr(doc, at, "affected", false, &affected, e)) > 0)
		r = 0;
	if (r < 0)
		return r;
	if (!(rec.reported = json_object()))
		return brig_err_oom(e);
	c->records++;
	struct bj_loc al;
	bj_key(&al, at, "affected");
	for (size_t i = 0; r == 0 && i < json_array_size(affected); i++) {
		struct bj_loc one;
		bj_idx(&one, &al, i);
		json_t *aff = json_array_get(affected, i);
		r = bj_expect(aff, &one, JSON_OBJECT, e);
		if (r == 0)
			r = match_affected(c, &rec, aff, &one, e);
	}
	json_decref(rec.reported);
	return r;
}

/* A file's text into c->buf.  One buffer serves every file: a new one
 * per record (a few KiB, above malloc's small sizes) made malloc merge
 * the free chunks of the record before at every file, a third of the
 * time a database took. */
static int read_text(struct osv_ctx *c, const char *path, size_t *len, struct brig_err *e)
{
	/* O_NONBLOCK: a FIFO named *.json cannot hang the open */
	_cleanup_close_ int fd = BRIG_RETRY(
		open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	if (!S_ISREG(st.st_mode))
		return brig_err_set(e, -EINVAL, "%s: not a regular file", path);
	if ((uint64_t)st.st_size > OSV_FILE_MAX)
		return brig_err_set(e, -EFBIG, "%s: %lld bytes, larger than the limit of %zu", path,
				    (long long)st.st_size, OSV_FILE_MAX);
	size_t want = (size_t)st.st_size + 1; /* one more: a file that grew */
	if (want > c->cap) {
		size_t ncap = want < 65536 ? 65536 : want;
		char *nb = realloc(c->buf, ncap);
		if (!nb)
			return brig_err_oom(e);
		c->buf = nb, c->cap = ncap;
	}
	ssize_t n = brig_read_all(fd, c->buf, want);
	if (n < 0)
		return brig_err_sys(e, (int)-n, "reading %s", path);
	if ((size_t)n == want)
		return brig_err_set(e, -EIO, "%s: changed while it was read", path);
	*len = (size_t)n;
	return 0;
}

/* Is name (n bytes) a package's or a source's of the image? */
static bool is_installed(const char *name, size_t n, void *ctx)
{
	return json_object_getn(((struct osv_ctx *)ctx)->by_name, name, n) != NULL;
}

/* A file: one record, or an array of records.  The lean pass (osvskim.c)
 * checks it and passes over it when none of its records names an installed
 * package; the others are parsed in full and matched. */
static int one_file(struct osv_ctx *c, const char *path, struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	size_t len = 0;
	int r = read_text(c, path, &len, e);
	if (r == 0 && scan_osv_skim(c->buf, len, is_installed, c, &c->records))
		return 0;
	if (r == 0)
		r = bj_parse(c->buf, len, path, &doc, e);
	struct bj_loc root;
	bj_root(&root, path);
	if (r < 0)
		return r;
	if (!json_is_array(doc))
		return one_record(c, doc, &root, e);
	for (size_t i = 0; r == 0 && i < json_array_size(doc); i++) {
		struct bj_loc one;
		bj_idx(&one, &root, i);
		r = one_record(c, json_array_get(doc, i), &one, e);
	}
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json file of the directory (not recursive), in name order. */
static int one_dir(struct osv_ctx *c, const char *db, struct brig_err *e)
{
	DIR *d = opendir(db);
	if (!d)
		return brig_err_sys(e, errno, "%s", db);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 256) * sizeof(*v));
			if (!v) {
				r = brig_err_oom(e);
				break;
			}
			names = v;
		}
		if (asprintf(&names[n], "%s/%s", db, de->d_name) < 0)
			r = brig_err_oom(e);
		else
			n++;
	}
	if (r == 0 && errno)
		r = brig_err_sys(e, errno, "reading %s", db);
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = one_file(c, names[i], e);
		free(names[i]);
	}
	free(names);
	return r;
}

static int index_names(struct osv_ctx *c, struct brig_err *e)
{
	if (!(c->by_name = json_object()))
		return brig_err_oom(e);
	for (size_t i = 0; i < c->ps->n; i++) {
		const char *names[2] = { c->ps->v[i].name, c->ps->v[i].source };
		for (size_t k = 0; k < (strcmp(names[0], names[1]) ? 2u : 1u); k++) {
			json_t *l = json_object_get(c->by_name, names[k]);
			if (!l && json_object_set_new(c->by_name, names[k], l = json_array()) < 0)
				return brig_err_oom(e);
			if (json_array_append_new(l, json_integer((json_int_t)i)) < 0)
				return brig_err_oom(e);
		}
	}
	return 0;
}

int scan_osv(const char *db, const struct scan_pkgs *ps, struct audit_report *r, struct brig_err *e)
{
	struct osv_ctx c = { .ps = ps, .r = r };
	struct stat st;
	int rc = index_names(&c, e);
	if (rc == 0 && stat(db, &st) < 0)
		rc = brig_err_sys(e, errno, "--db %s", db);
	if (rc == 0)
		rc = S_ISDIR(st.st_mode) ? one_dir(&c, db, e) : one_file(&c, db, e);
	if (rc == 0)
		brig_debug("scan: %zu OSV records read from %s", c.records, db);
	json_decref(c.by_name);
	free(c.buf);
	return rc;
}
