/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: installed packages from dpkg's database (/var/lib/dpkg/status and
 * distroless images' /var/lib/dpkg/status.d/NAME), apk's
 * (/lib/apk/db/installed), and the release from os-release.  Errors name
 * the file, the record and the field.
 */
#include "audit/scan-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PKGS_MAX 100000

void scan_pkgs_clear(struct scan_pkgs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct scan_pkg *k = &p->v[i];
		free(k->name), free(k->version), free(k->source), free(k->source_version);
		free(k->arch);
	}
	free(p->v);
	free(p->ecosystem), free(p->distro), free(p->release);
	memset(p, 0, sizeof(*p));
}

/* One record: fields by name, as spans of the file (continuations kept). */
struct rec {
	const char *file;
	size_t no; /* 1-based, for messages */
	const char *name_field, *ver_field, *src_field, *arch_field, *status_field;
	char *name, *version, *source, *arch, *status;
};

static void rec_clear(struct rec *r)
{
	free(r->name), free(r->version), free(r->source), free(r->arch), free(r->status);
	r->name = r->version = r->source = r->arch = r->status = NULL;
}

/* The value of a "Key: value" (dpkg) or "K:value" (apk) line. */
static int take(char **slot, const char *v, size_t n, struct brig_err *e)
{
	while (n && (v[0] == ' ' || v[0] == '\t'))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	free(*slot);
	if (!(*slot = strndup(v, n)))
		return brig_err_oom(e);
	return 0;
}

static int field(struct rec *r, const char *l, size_t n, struct brig_err *e)
{
	const char *names[] = { r->name_field, r->ver_field, r->src_field, r->arch_field,
				r->status_field };
	char **slots[] = { &r->name, &r->version, &r->source, &r->arch, &r->status };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++) {
		size_t k = names[i] ? strlen(names[i]) : 0;
		if (k && n >= k && strncmp(l, names[i], k) == 0)
			return take(slots[i], l + k, n - k, e);
	}
	return 0;
}

static bool version_ok(const char *v)
{
	if (!*v || !isalnum((unsigned char)*v))
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr(".+-~:_", *v))
			return false;
	return true;
}

static int add_pkg(struct scan_pkgs *p, struct rec *r, bool apk, struct brig_err *e)
{
	if (!r->name)
		return brig_err_set(e, -EINVAL, "/%s: record %zu: %s missing", r->file, r->no,
				    r->name_field);
	if (!r->version || !version_ok(r->version))
		return brig_err_set(e, -EINVAL, "/%s: record %zu (%s): %s %s", r->file, r->no,
				    r->name, r->ver_field, r->version ? "malformed" : "missing");
	if (!apk && r->status && !strstr(r->status, " installed"))
		return 0; /* removed, config-files, half-installed */
	if (p->n >= PKGS_MAX)
		return brig_err_set(e, -E2BIG, "/%s: more than %d packages", r->file, PKGS_MAX);
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct scan_pkg *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return brig_err_oom(e);
		p->v = v, p->cap = cap;
	}
	struct scan_pkg *k = &p->v[p->n];
	*k = (struct scan_pkg){
		.apk = apk, .name = r->name, .version = r->version, .arch = r->arch
	};
	r->name = r->version = r->arch = NULL;
	/* dpkg: "Source: NAME" or "Source: NAME (VERSION)" */
	const char *src = r->source && *r->source ? r->source : k->name;
	const char *sp = strchr(src, ' ');
	k->source = strndup(src, sp ? (size_t)(sp - src) : strlen(src));
	const char *open = sp ? strchr(sp, '(') : NULL, *close = open ? strchr(open, ')') : NULL;
	k->source_version = open && close ? strndup(open + 1, (size_t)(close - open - 1))
					  : strdup(k->version);
	p->n++;
	if (!k->source || !k->source_version)
		return brig_err_oom(e);
	return 0;
}

/* Records separated by empty lines; a line starting with a blank continues
 * the field before it (ignored: only single-line fields are read). */
static int parse_db(struct scan_pkgs *p, const struct scan_file *f, struct rec *r, bool apk,
		    struct brig_err *e)
{
	const char *s = f->data, *end = f->data + f->len;
	bool open = false;
	int rc = 0;
	r->file = f->path;
	r->no = 1;
	if (memchr(s, '\0', f->len))
		return brig_err_set(e, -EINVAL, "/%s: a NUL byte in the database", f->path);
	while (rc == 0 && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);
		if (n == 0 || (n == 1 && s[0] == '\r')) {
			if (open)
				rc = add_pkg(p, r, apk, e), r->no++;
			rec_clear(r);
			open = false;
		} else if (s[0] != ' ' && s[0] != '\t') {
			open = true;
			rc = field(r, s, n, e);
		}
		s += n + 1;
	}
	if (rc == 0 && open)
		rc = add_pkg(p, r, apk, e);
	rec_clear(r);
	return rc;
}

static int dpkg_file(struct scan_pkgs *p, const struct scan_file *f, struct brig_err *e)
{
	struct rec r = { .name_field = "Package:",
			 .ver_field = "Version:",
			 .src_field = "Source:",
			 .arch_field = "Architecture:",
			 .status_field = "Status:" };
	return parse_db(p, f, &r, false, e);
}

static int apk_file(struct scan_pkgs *p, const struct scan_file *f, struct brig_err *e)
{
	struct rec r = {
		.name_field = "P:", .ver_field = "V:", .src_field = "o:", .arch_field = "A:"
	};
	return parse_db(p, f, &r, true, e);
}

/* KEY=value or KEY="value" of os-release (malloc'ed, NULL when absent). */
static char *osrel_get(const struct scan_file *f, const char *key)
{
	size_t k = strlen(key);
	const char *s = f->data, *end = f->data + f->len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);
		if (n > k && strncmp(s, key, k) == 0 && s[k] == '=') {
			const char *v = s + k + 1;
			size_t vn = n - k - 1;
			if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0])
				v++, vn -= 2;
			return strndup(v, vn);
		}
		s += n + 1;
	}
	return NULL;
}

/* "Debian:12", "Alpine:v3.19" (OSV's ecosystem names). */
static int os_release(const struct scan_fs *fs, struct scan_pkgs *p, struct brig_err *e)
{
	const struct scan_file *f = scan_fs_get(fs, "etc/os-release");
	if (!f || !f->data)
		f = scan_fs_get(fs, "usr/lib/os-release");
	if (!f || !f->data)
		return 0;
	p->distro = osrel_get(f, "ID");
	p->release = osrel_get(f, "VERSION_ID");
	if (!p->distro)
		return 0;
	int n = 0;
	if (strcmp(p->distro, "debian") == 0 && p->release) {
		n = asprintf(&p->ecosystem, "Debian:%s", p->release);
	} else if (strcmp(p->distro, "debian") == 0) {
		p->ecosystem = strdup("Debian");
		n = p->ecosystem ? 0 : -1;
	} else if (strcmp(p->distro, "alpine") == 0 && p->release) {
		/* VERSION_ID 3.19.1 -> v3.19 */
		const char *dot = strchr(p->release, '.');
		const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
		int len = dot2 ? (int)(dot2 - p->release) : (int)strlen(p->release);
		n = asprintf(&p->ecosystem, "Alpine:v%.*s", len, p->release);
	}
	if (n < 0) {
		p->ecosystem = NULL;
		return brig_err_oom(e);
	}
	return 0;
}

int scan_pkgs_load(const struct scan_fs *fs, struct scan_pkgs *p, struct brig_err *e)
{
	memset(p, 0, sizeof(*p));
	int r = os_release(fs, p, e);
	const struct scan_file *f = scan_fs_get(fs, "var/lib/dpkg/status");
	if (r == 0 && f && f->data)
		r = dpkg_file(p, f, e);
	for (size_t i = 0; r == 0 && i < fs->n; i++) {
		f = &fs->v[i];
		if (!f->gone && f->data && strncmp(f->path, "var/lib/dpkg/status.d/", 22) == 0)
			r = dpkg_file(p, f, e);
	}
	f = scan_fs_get(fs, "lib/apk/db/installed");
	if (r == 0 && f && f->data)
		r = apk_file(p, f, e);
	return r;
}

/* Percent-encode what a purl component may not hold raw. */
static int purl_part(char **buf, size_t *len, const char *s)
{
	int r = 0;
	for (; *s && r == 0; s++) {
		if (isalnum((unsigned char)*s) || strchr(".-_~", *s))
			r = brig_appendf(buf, len, "%c", *s);
		else
			r = brig_appendf(buf, len, "%%%02X", (unsigned char)*s);
	}
	return r;
}

/* NULL when out of memory. */
char *scan_purl(const struct scan_pkgs *ps, const struct scan_pkg *p)
{
	char *buf = NULL;
	size_t len = 0;
	const char *distro = ps->distro ? ps->distro : (p->apk ? "alpine" : "debian");
	int r = brig_appendf(&buf, &len, "pkg:%s/", p->apk ? "apk" : "deb");
	r |= purl_part(&buf, &len, distro);
	r |= brig_appendf(&buf, &len, "/");
	r |= purl_part(&buf, &len, p->name);
	r |= brig_appendf(&buf, &len, "@");
	r |= purl_part(&buf, &len, p->version);
	if (p->arch) {
		r |= brig_appendf(&buf, &len, "?arch=");
		r |= purl_part(&buf, &len, p->arch);
	}
	if (ps->release) {
		r |= brig_appendf(&buf, &len, "%cdistro=%s-", p->arch ? '&' : '?', distro);
		r |= purl_part(&buf, &len, ps->release);
	}
	if (r) {
		free(buf);
		return NULL;
	}
	return buf;
}
