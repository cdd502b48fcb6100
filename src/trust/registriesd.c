/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: registries.d, containers-registries.d(5): which lookaside holds an
 * image's GPG signatures and whether sigstore attachments are used.  The
 * files' YAML is read by registriesd_yaml.c, then checked here member by
 * member (strict: an unknown one is an error naming file and field).
 */
#include "trust/gpg.h"
#include "trust/policy-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static void ns_clear(struct trust_rd_ns *n)
{
	free(n->name);
	free(n->file);
	free(n->lookaside);
	free(n->lookaside_staging);
	*n = (struct trust_rd_ns){ 0 };
}

void trust_registries_d_free(struct trust_registries_d *c)
{
	if (c->dflt)
		ns_clear(c->dflt);
	free(c->dflt);
	for (size_t i = 0; i < c->n; i++)
		ns_clear(&c->ns[i]);
	free(c->ns);
	free(c);
}

/* A lookaside URL: file:///ABSOLUTE, http:// or https:// with a host. */
static int url_check(const char *u, const struct bj_loc *at, struct brig_err *e)
{
	bool ok = false;
	if (strncmp(u, "file://", 7) == 0)
		ok = u[7] == '/';
	else if (strncmp(u, "https://", 8) == 0)
		ok = u[8] && u[8] != '/';
	else if (strncmp(u, "http://", 7) == 0)
		ok = u[7] && u[7] != '/';
	if (!ok)
		return bj_fail(e, at, "\"%.200s\" is no file:///PATH, http:// or https:// URL", u);
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' || *p == 0x7f)
			return bj_fail(e, at, "\"%.200s\": a URL without spaces, query or fragment",
				       u);
	return 0;
}

/* A URL member: the first of key and old (the name before lookaside). */
static int get_url(const json_t *o, const struct bj_loc *at, const char *key, const char *old,
		   char **out, struct brig_err *e)
{
	const char *names[] = { key, old };
	for (size_t i = 0; i < 2; i++) {
		const char *s = NULL;
		struct bj_loc sub;
		bj_key(&sub, at, names[i]);
		int r = bj_get_str(o, at, names[i], false, &s, e);
		if (r < 0)
			return r;
		if (r > 0 || *out)
			continue;
		if ((r = url_check(s, &sub, e)) < 0)
			return r;
		if (!(*out = strdup(s)))
			return brig_err_oom(e);
	}
	return 0;
}

/* One namespace's object (null: says nothing). */
static int ns_parse(const json_t *v, const struct bj_loc *at, const char *file,
		    struct trust_rd_ns *n, struct brig_err *e)
{
	static const char *const keys[] = {
		"lookaside",        "lookaside-staging",        "sigstore",
		"sigstore-staging", "use-sigstore-attachments", NULL
	};
	n->use_sigstore_attachments = -1;
	if (!(n->file = strdup(file)))
		return brig_err_oom(e);
	if (json_is_null(v))
		return 0;
	int r = bj_expect(v, at, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(v, at, keys, e);
	if (r == 0)
		r = get_url(v, at, "lookaside", "sigstore", &n->lookaside, e);
	if (r == 0)
		r = get_url(v, at, "lookaside-staging", "sigstore-staging", &n->lookaside_staging,
			    e);
	bool use = false;
	if (r == 0 && (r = bj_get_bool(v, at, "use-sigstore-attachments", false, &use, e)) == 0)
		n->use_sigstore_attachments = use;
	return r < 0 ? r : 0;
}

static const struct trust_rd_ns *find_ns(const struct trust_registries_d *c, const char *name,
					 size_t len)
{
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->ns[i].name) == len && memcmp(c->ns[i].name, name, len) == 0)
			return &c->ns[i];
	return NULL;
}

static int docker_parse(struct trust_registries_d *c, const json_t *d, const struct bj_loc *at,
			const char *file, struct brig_err *e)
{
	const char *name;
	json_t *v;
	int r = bj_expect(d, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	if (c->n + json_object_size(d) > TRUST_REGISTRIES_D_MAX_NS)
		return bj_fail(e, at, "more than %d namespaces", TRUST_REGISTRIES_D_MAX_NS);
	json_object_foreach((json_t *)d, name, v)
	{
		struct bj_loc sub = { .file = at->file };
		(void)brig_snprintf(sub.path, sizeof(sub.path), "%s[\"%.200s\"]", at->path, name);
		const struct trust_rd_ns *dup = find_ns(c, name, strlen(name));
		if (dup)
			return bj_fail(e, &sub, "already defined in %s", dup->file);
		if (!name[0] || strlen(name) > 1024)
			return bj_fail(e, &sub, "an empty or too long namespace");
		struct trust_rd_ns *n = realloc(c->ns, (c->n + 1) * sizeof(*n));
		if (!n)
			return brig_err_oom(e);
		c->ns = n;
		n = &c->ns[c->n++];
		*n = (struct trust_rd_ns){ .name = strdup(name) };
		if (!n->name)
			return brig_err_oom(e);
		if ((r = ns_parse(v, &sub, file, n, e)) < 0)
			return r;
	}
	return 0;
}

int trust_registries_d_add(struct trust_registries_d *c, const char *buf, size_t len,
			   const char *file, struct brig_err *e)
{
	static const char *const keys[] = { "default-docker", "docker", NULL };
	_cleanup_json_ json_t *doc = NULL;
	struct bj_loc root;
	bj_root(&root, file);
	int r = trust_yaml_parse(buf, len, file, &doc, e);
	if (r == 0)
		r = bj_only_keys(doc, &root, keys, e);
	json_t *dd = r == 0 ? json_object_get(doc, "default-docker") : NULL;
	json_t *d = r == 0 ? json_object_get(doc, "docker") : NULL;
	if (dd && c->dflt)
		return brig_err_set(e, -EINVAL, "%s: default-docker: already defined in %s", file,
				    c->dflt->file);
	if (dd && !(c->dflt = calloc(1, sizeof(*c->dflt))))
		return brig_err_oom(e);
	struct bj_loc at;
	bj_key(&at, &root, "default-docker");
	if (dd && (r = ns_parse(dd, &at, file, c->dflt, e)) < 0)
		return r;
	bj_key(&at, &root, "docker");
	if (d && !json_is_null(d))
		r = docker_parse(c, d, &at, file, e);
	return r;
}

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && l > 5 && strcmp(n + l - 5, ".yaml") == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The NAME.yaml files of dir, sorted (*names NULL when dir is absent). */
static int list_yaml(const char *dir, char ***names, size_t *n, struct brig_err *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "%s", dir);
	struct dirent *de;
	int r = 0;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!yaml_name(de->d_name))
			continue;
		char **v = *n < TRUST_REGISTRIES_D_MAX_FILES
			? realloc(*names, (*n + 2) * sizeof(*v))
			: NULL;
		if (!v)
			r = *n < TRUST_REGISTRIES_D_MAX_FILES
				? brig_err_oom(e)
				: brig_err_set(e, -E2BIG, "%s: more than %d files", dir,
					       TRUST_REGISTRIES_D_MAX_FILES);
		else if (!((*names = v)[*n] = strdup(de->d_name)))
			r = brig_err_oom(e);
		else
			v[++*n] = NULL;
	}
	if (r == 0 && errno)
		r = brig_err_sys(e, errno, "%s", dir);
	closedir(d);
	if (r == 0 && *n)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return r;
}

static int load_one(struct trust_registries_d *c, const char *dir, const char *name,
		    struct brig_err *e)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return brig_err_oom(e);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return brig_err_sys(e, errno, "%s", path);
	int r = brig_file_trusted(fd, path, e);
	if (r == 0)
		r = brig_read_fd(fd, path, TRUST_REGISTRIES_D_FILE_MAX, &buf, &len, e);
	return r < 0 ? r : trust_registries_d_add(c, buf, len, path, e);
}

int trust_registries_d_load(const char *dir, struct trust_registries_d **out, struct brig_err *e)
{
	const char *env = getenv(TRUST_REGISTRIES_D_ENV);
	if (!dir)
		dir = env && env[0] ? env : TRUST_REGISTRIES_D;
	struct trust_registries_d *c = calloc(1, sizeof(*c));
	char **names = NULL;
	size_t n = 0;
	int r = c ? list_yaml(dir, &names, &n, e) : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = load_one(c, dir, names[i], e);
	brig_strv_free(names);
	if (r < 0 && c)
		trust_registries_d_free(c);
	*out = r < 0 ? NULL : c;
	return r;
}

/* ---- lookup --------------------------------------------------------------- */

enum ask { ASK_LOOKASIDE, ASK_STAGING, ASK_ATTACH };

static bool ns_says(const struct trust_rd_ns *n, enum ask a)
{
	if (!n)
		return false;
	if (a == ASK_ATTACH)
		return n->use_sigstore_attachments >= 0;
	return n->lookaside || (a == ASK_STAGING && n->lookaside_staging);
}

/* The namespaces for ref, most specific first, the first that says what
 * is asked; default-docker last; NULL when none does. */
static const struct trust_rd_ns *decide(const struct trust_registries_d *c,
					const struct img_ref *ref, enum ask a)
{
	_cleanup_free_ char *full = img_ref_string(ref), *name = trust_ref_name(ref);
	if (!full || !name)
		return NULL;
	const struct trust_rd_ns *s = find_ns(c, full, strlen(full));
	if (ns_says(s, a))
		return s;
	for (size_t len = strlen(name); len;) {
		if (ns_says(s = find_ns(c, name, len), a))
			return s;
		const char *slash = memrchr(name, '/', len);
		len = slash ? (size_t)(slash - name) : 0;
	}
	size_t hl = strcspn(ref->domain, ":");
	for (const char *d = memchr(ref->domain, '.', hl); d;) {
		size_t rest = hl - (size_t)(d + 1 - ref->domain);
		char w[300];
		if (brig_snprintf(w, sizeof(w), "*.%.*s", (int)rest, d + 1) < 0)
			break;
		if (ns_says(s = find_ns(c, w, strlen(w)), a))
			return s;
		d = memchr(d + 1, '.', rest);
	}
	return ns_says(c->dflt, a) ? c->dflt : NULL;
}

/* containers/image's lookaside when registries.d names none:
 * /var/lib/containers/sigstore for root, else
 * $HOME/.local/share/containers/sigstore (malloc'ed; NULL when HOME is
 * unset or relative). */
static char *builtin_base(void)
{
	const char *home = getenv("HOME");
	char *u = NULL;
	if (geteuid() == 0)
		return strdup("file:///var/lib/containers/sigstore");
	if (!home || home[0] != '/')
		return NULL;
	return asprintf(&u, "file://%s/.local/share/containers/sigstore", home) < 0 ? NULL : u;
}

int trust_lookaside_base(const struct trust_registries_d *c, const struct img_ref *ref, bool write,
			 char **url, struct brig_err *e)
{
	*url = NULL;
	const struct trust_rd_ns *n = decide(c, ref, write ? ASK_STAGING : ASK_LOOKASIDE);
	_cleanup_free_ char *dflt = n ? NULL : builtin_base();
	if (!n && !dflt)
		return 0;
	const char *base = !n                   ? dflt
		: write && n->lookaside_staging ? n->lookaside_staging
						: n->lookaside;
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	if (asprintf(url, "%.*s/%s", (int)bl, base, ref->path) < 0) {
		*url = NULL;
		return brig_err_oom(e);
	}
	return 0;
}

bool trust_use_sigstore_attachments(const struct trust_registries_d *c, const struct img_ref *ref)
{
	const struct trust_rd_ns *n = decide(c, ref, ASK_ATTACH);
	return n && n->use_sigstore_attachments > 0;
}
