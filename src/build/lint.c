/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig lint: the report's image hygiene, read from a Dockerfile without
 * building it, as findings of audit's model (text, JSON, SARIF; the target
 * is "Dockerfile:LINE").  A comment "# brig-lint ignore=ID[,ID...]" above
 * an instruction drops those findings for it.
 */
#include "build/build-internal.h"

#include "audit/audit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct lint {
	const char *name, *text;
	size_t len;
	const struct bld_file *f;
	struct audit_report *r;
	struct brig_err *e;
};

bool bld_lint_ignored(const char *text, size_t len, unsigned after, unsigned line, const char *id)
{
	unsigned ln = 1;
	for (size_t i = 0; i < len && ln < line; ln++) {
		const char *p = text + i, *nl = memchr(p, '\n', len - i);
		size_t n = nl ? (size_t)(nl - p) : len - i;
		i += n + 1;
		const char *k = memmem(p, n, "brig-lint ignore=", 17);
		if (ln <= after || !k || !memchr(p, '#', (size_t)(k - p)))
			continue;
		const char *ids = k + 17, *end = p + n;
		for (const char *q = ids; q < end;) {
			size_t w = strcspn(q, ", \t\r\n");
			if (q + w > end)
				w = (size_t)(end - q);
			if (w == strlen(id) && !strncmp(q, id, w))
				return true;
			q += w + 1;
		}
	}
	return false;
}

static int add(struct lint *l, size_t k, const char *id, enum audit_severity sev, const char *fix,
	       const char *msg)
{
	unsigned line = l->f->v[k].line, after = k ? l->f->v[k - 1].line : 0;
	char target[256];
	if (bld_lint_ignored(l->text, l->len, after, line, id))
		return 0;
	snprintf(target, sizeof(target), "%s:%u", l->name, line);
	return audit_add(l->r, id, sev, target, fix, NULL, l->e, "%s", msg);
}

static bool word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; (p = strstr(p, w)); p++)
		if ((p == s || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]) &&
		    p[n] != '-')
			return true;
	return false;
}

/* apt-get install's packages without "=VERSION". */
static bool apt_unpinned(const char *s)
{
	const char *p = strstr(s, "install");
	for (p = p ? p + 7 : NULL; p && *p;) {
		p += strspn(p, " \t\\\n");
		size_t n = strcspn(p, " \t\\\n;&|");
		if (n == 0)
			break;
		if (p[0] != '-' && !memchr(p, '=', n))
			return true;
		p += n;
	}
	return false;
}

static int lint_run(struct lint *l, size_t k, const char *s)
{
	int r = 0;
	const char *pipe = strchr(s, '|');
	if ((word(s, "curl") || word(s, "wget")) && pipe &&
	    (word(pipe, "sh") || word(pipe, "bash")))
		r = add(l, k, "lint.pipe-to-shell", AUDIT_HIGH,
			"download to a file, check its sha256, then run it",
			"a download piped into a shell");
	if (r == 0 && word(s, "apt-get") && (word(s, "upgrade") || word(s, "dist-upgrade")))
		r = add(l, k, "lint.apt-upgrade", AUDIT_LOW,
			"rebuild on a newer base image instead",
			"apt-get upgrade in an image build");
	if (r == 0 && (word(s, "apt-get") || word(s, "apt")) && word(s, "install")) {
		if (!strstr(s, "--no-install-recommends"))
			r = add(l, k, "lint.apt-recommends", AUDIT_LOW,
				"add --no-install-recommends",
				"apt-get install without --no-install-recommends");
		if (r == 0 && apt_unpinned(s))
			r = add(l, k, "lint.apt-unpinned", AUDIT_MEDIUM,
				"pin versions: PKG=VERSION",
				"apt-get install of packages without pinned versions");
	}
	if (r == 0 && word(s, "sudo"))
		r = add(l, k, "lint.sudo", AUDIT_MEDIUM,
			"RUN already runs as the image's user; use USER", "sudo in a RUN");
	return r;
}

static bool secret_name(const char *k, size_t n)
{
	static const char *const pats[] = { "PASSWORD", "PASSWD", "SECRET",      "TOKEN",
					    "API_KEY",  "APIKEY", "PRIVATE_KEY", "ACCESS_KEY" };
	char up[128];
	if (n >= sizeof(up))
		return false;
	for (size_t i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)k[i]);
	up[n] = '\0';
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(pats); i++)
		if (strstr(up, pats[i]))
			return true;
	return n >= 4 && !strcmp(up + n - 4, "_KEY");
}

static int lint_env(struct lint *l, size_t k, const char *s)
{
	for (const char *p = s; *p;) {
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t"), kl = strcspn(p, "= \t");
		bool value = kl < n ? p[kl + 1] && p[kl + 1] != ' ' && p[kl + 1] != '\t'
				    : !strcmp(l->f->v[k].cmd, "ENV") && p[n];
		if (n && secret_name(p, kl) && value) {
			char msg[200];
			snprintf(msg, sizeof(msg), "%s %.*s has a value: it stays in the image",
				 l->f->v[k].cmd, (int)(kl > 100 ? 100 : kl), p);
			return add(l, k, "lint.secret-env", AUDIT_HIGH,
				   "pass secrets with RUN --mount=type=secret", msg);
		}
		if (kl >= n && !strcmp(l->f->v[k].cmd, "ENV"))
			break; /* ENV NAME value: one pair */
		p += n;
	}
	return 0;
}

static int lint_from(struct lint *l, size_t k)
{
	const char *s = l->f->v[k].rest;
	size_t n = strcspn(s, " \t");
	char img[512];
	snprintf(img, sizeof(img), "%.*s", (int)(n < sizeof(img) ? n : sizeof(img) - 1), s);
	for (size_t i = 0; i < l->f->n_stages && l->f->stages[i].from < k; i++)
		if (l->f->stages[i].name && !strcasecmp(l->f->stages[i].name, img))
			return 0; /* an earlier stage */
	if (!strcasecmp(img, "scratch") || strchr(img, '$') || strstr(img, "@sha256:"))
		return 0;
	const char *slash = strrchr(img, '/'), *colon = strrchr(img, ':');
	bool tagged = colon && (!slash || colon > slash);
	if (!tagged || !strcmp(colon + 1, "latest"))
		return add(l, k, "lint.latest-tag", AUDIT_LOW, "name a version and its digest",
			   "FROM a latest (or untagged) image: what it is changes under you");
	return add(l, k, "lint.from-unpinned", AUDIT_INFO, "add @sha256:DIGEST to the tag",
		   "FROM by tag without a digest");
}

static bool has_checksum(const struct bld_instr *in)
{
	for (size_t i = 0; i < in->n_flags; i++)
		if (!strncmp(in->flags[i], "--checksum=", 11))
			return true;
	return false;
}

static int lint_one(struct lint *l, size_t k)
{
	const struct bld_instr *in = &l->f->v[k];
	const char *c = in->cmd;
	if (!strcmp(c, "FROM"))
		return lint_from(l, k);
	if (!strcmp(c, "RUN")) {
		_cleanup_free_ char *all = NULL;
		if (asprintf(&all, "%s\n%s", in->rest, in->heredoc ? in->heredoc : "") < 0)
			return brig_err_oom(l->e);
		return lint_run(l, k, all);
	}
	if (!strcmp(c, "ENV") || !strcmp(c, "ARG"))
		return lint_env(l, k, in->rest);
	if (!strcmp(c, "ADD") && strstr(in->rest, "://") && !has_checksum(in))
		return add(l, k, "lint.add-url", AUDIT_HIGH,
			   "pin it: ADD --checksum=sha256:HEX (brig build refuses it unpinned "
			   "unless --allow-unpinned-downloads)",
			   "ADD of a URL without a checksum");
	if (!strcmp(c, "EXPOSE") && (word(in->rest, "22") || strstr(in->rest, "22/tcp")))
		return add(l, k, "lint.expose-ssh", AUDIT_MEDIUM,
			   "use brig exec instead of an SSH server", "EXPOSE 22: an SSH server");
	return 0;
}

/* The final stage: a USER that is not root, a HEALTHCHECK. */
static int lint_final(struct lint *l)
{
	const struct bld_stage *sg = &l->f->stages[l->f->n_stages - 1];
	const char *user = NULL;
	bool health = false;
	for (size_t k = sg->from; k < sg->end; k++) {
		if (!strcmp(l->f->v[k].cmd, "USER"))
			user = l->f->v[k].rest;
		health = health || !strcmp(l->f->v[k].cmd, "HEALTHCHECK");
	}
	size_t last = sg->end - 1;
	int r = 0;
	if (!user || !strcmp(user, "root") || !strcmp(user, "0") || !strncmp(user, "0:", 2) ||
	    !strncmp(user, "root:", 5))
		r = add(l, last, "lint.no-user", AUDIT_MEDIUM, "add USER with an unprivileged uid",
			"the final stage runs as root (no USER, or USER root)");
	if (r == 0 && !health)
		r = add(l, last, "lint.no-healthcheck", AUDIT_INFO,
			"add HEALTHCHECK CMD ... (or HEALTHCHECK NONE)",
			"the final stage has no HEALTHCHECK");
	return r;
}

int bld_lint(const char *name, const char *text, size_t len, struct audit_report *r,
	     struct brig_err *e)
{
	struct bld_file f = { 0 };
	struct lint l = { name, text, len, &f, r, e };
	int rc = bld_parse(name, text, len, &f, e);
	for (size_t k = 0; rc == 0 && k < f.n; k++)
		rc = lint_one(&l, k);
	if (rc == 0)
		rc = lint_final(&l);
	bld_file_clear(&f);
	return rc;
}
