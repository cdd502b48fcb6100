/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: brig scan's file checks over the merged filesystem: setuid and
 * setgid files, world-writable files and directories without the sticky
 * bit, private keys and credentials, package-manager caches left behind.
 */
#include "audit/scan-internal.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PKGDB_MAX ((size_t)64 << 20)
#define OSREL_MAX ((size_t)64 << 10)

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

bool scan_keep_data(const char *path, size_t *max)
{
	*max = PKGDB_MAX;
	if (strcmp(path, "var/lib/dpkg/status") == 0 || strcmp(path, "lib/apk/db/installed") == 0)
		return true;
	if (strncmp(path, "var/lib/dpkg/status.d/", 22) == 0 && !strchr(path + 22, '/') &&
	    !strstr(path + 22, ".md5sums"))
		return true;
	*max = OSREL_MAX;
	return strcmp(path, "etc/os-release") == 0 || strcmp(path, "usr/lib/os-release") == 0;
}

static bool env_name(const char *base)
{
	return strcmp(base, ".env") == 0 || strncmp(base, ".env.", 5) == 0 ||
		fnmatch("*.env", base, 0) == 0;
}

/* A NAME=value line whose NAME says it is a secret and whose value is set. */
static bool env_token_line(const char *l, size_t n)
{
	static const char *const words[] = { "TOKEN",      "SECRET",      "PASSWORD",
					     "PASSWD",     "API_KEY",     "APIKEY",
					     "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL" };
	while (n && isspace((unsigned char)*l))
		l++, n--;
	if (n > 7 && strncmp(l, "export ", 7) == 0)
		l += 7, n -= 7;
	const char *eq = memchr(l, '=', n);
	if (!eq || eq == l || *l == '#')
		return false;
	size_t kn = (size_t)(eq - l), vn = n - kn - 1;
	const char *v = eq + 1;
	while (vn && (isspace((unsigned char)*v) || *v == '"' || *v == '\''))
		v++, vn--;
	if (!vn)
		return false;
	char key[128];
	if (kn >= sizeof(key))
		return false;
	for (size_t i = 0; i < kn; i++)
		key[i] = (char)toupper((unsigned char)l[i]);
	key[kn] = '\0';
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(words); i++)
		if (strstr(key, words[i]))
			return true;
	return false;
}

unsigned scan_sniff(const char *path, const char *buf, size_t len)
{
	unsigned f = 0;
	const char *p = buf, *end = buf + len;
	while ((p = memmem(p, (size_t)(end - p), "-----BEGIN ", 11))) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (memmem(p, n, "PRIVATE KEY-----", 16)) {
			f |= SCAN_F_PEM_KEY;
			break;
		}
		p += 11;
	}
	if (!f && scan_secret_name(path) && scan_high_entropy(buf, len))
		f |= SCAN_F_ENTROPY;
	if (!env_name(base_of(path)))
		return f;
	for (p = buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (env_token_line(p, n))
			return f | SCAN_F_ENV_TOKEN;
		p += n + 1;
	}
	return f;
}

/* Files that are credentials by their name alone. */
struct cred_rule {
	const char *pattern; /* fnmatch on the path, or on the name with no '/' */
	const char *id, *what;
};
static const struct cred_rule cred_rules[] = {
	{ "*/.aws/credentials", "scan.cloud-credentials", "AWS credentials" },
	{ "*/.aws/config", "scan.cloud-credentials", "AWS configuration" },
	{ "*/.config/gcloud/credentials.db", "scan.cloud-credentials", "gcloud credentials" },
	{ "*/.config/gcloud/application_default_credentials.json", "scan.cloud-credentials",
	  "Google application default credentials" },
	{ "*/.azure/accessTokens.json", "scan.cloud-credentials", "Azure access tokens" },
	{ "*/.azure/msal_token_cache.json", "scan.cloud-credentials", "Azure token cache" },
	{ "*/.kube/config", "scan.cloud-credentials", "a Kubernetes client configuration" },
	{ "*/.docker/config.json", "scan.cloud-credentials", "a Docker registry login" },
	{ ".netrc", "scan.netrc", "a .netrc (login passwords)" },
	{ ".git-credentials", "scan.git-credentials", "stored git credentials" },
};

/* Package caches: every regular file beneath one of these is counted. */
static const char *const cache_dirs[] = {
	"var/cache/apt/archives", "var/lib/apt/lists",  "var/cache/apk", "etc/apk/cache",
	"root/.cache/pip",        "root/.npm/_cacache", "var/cache/yum", "var/cache/dnf",
};

static bool matches(const char *pattern, const char *path)
{
	if (!strchr(pattern, '/'))
		return strcmp(base_of(path), pattern) == 0;
	char abs[PATH_MAX + 2];
	return brig_snprintf(abs, sizeof(abs), "/%s", path) >= 0 && fnmatch(pattern, abs, 0) == 0;
}

static const char *const refs_cis_4_8[] = {
	"https://www.cisecurity.org/benchmark/docker (4.8: setuid and setgid permissions)", NULL
};

static int mode_checks(const struct scan_file *f, const char *abs, struct audit_report *r,
		       struct brig_err *e)
{
	int rc = 0;
	bool reg = f->type == 'f' || f->type == 'h';
	if (reg && (f->mode & 04000))
		rc = audit_add(r, "scan.setuid", AUDIT_MEDIUM, abs,
			       "remove the bit if it is not needed (chmod u-s)", refs_cis_4_8, e,
			       "setuid file (mode %04o)", (unsigned)f->mode);
	if (rc == 0 && reg && (f->mode & 02000))
		rc = audit_add(r, "scan.setgid", AUDIT_MEDIUM, abs,
			       "remove the bit if it is not needed (chmod g-s)", refs_cis_4_8, e,
			       "setgid file (mode %04o)", (unsigned)f->mode);
	if (rc == 0 && f->type == 'f' && scan_xattr_get(f, SCAN_XATTR_CAPS))
		rc = audit_add(r, "scan.file-caps", AUDIT_MEDIUM, abs,
			       "remove the file capabilities if they are not needed (setcap -r), "
			       "or brig scan --defang",
			       NULL, e,
			       "file capabilities (security.capability): privilege, as "
			       "setuid is");
	if (rc == 0 && (reg || f->type == 'd') && (f->mode & 0002) &&
	    !(f->type == 'd' && (f->mode & 01000)))
		rc = audit_add(r, "scan.world-writable", AUDIT_MEDIUM, abs,
			       f->type == 'd' ? "chmod o-w, or add the sticky bit (chmod +t)"
					      : "chmod o-w",
			       NULL, e, "world-writable %s without the sticky bit (mode %04o)",
			       f->type == 'd' ? "directory" : "file", (unsigned)f->mode);
	return rc;
}

static int secret_checks(const struct scan_file *f, const char *abs, struct audit_report *r,
			 struct brig_err *e)
{
	int rc = 0;
	if (f->flags & SCAN_F_PEM_KEY)
		rc = audit_add(r, "scan.private-key", AUDIT_HIGH, abs,
			       "do not bake keys into images: mount them at run time (a secret "
			       "or a volume)",
			       NULL, e, "PEM private key");
	if (rc == 0 && (f->flags & SCAN_F_ENV_TOKEN))
		rc = audit_add(r, "scan.env-secret", AUDIT_HIGH, abs,
			       "pass secrets at run time (--env-file on the host), not in the "
			       "image",
			       NULL, e, "environment file with a token, password or secret");
	bool named = false;
	for (size_t i = 0; rc == 0 && f->type == 'f' && i < BRIG_ARRAY_SIZE(cred_rules); i++)
		if (matches(cred_rules[i].pattern, f->path)) {
			named = true;
			rc = audit_add(r, cred_rules[i].id, AUDIT_HIGH, abs,
				       "remove it from the image and revoke what it holds", NULL, e,
				       "%s", cred_rules[i].what);
		}
	/* one finding per secret: the entropy only when nothing else said it */
	if (rc == 0 && (f->flags & SCAN_F_ENTROPY) && !(f->flags & SCAN_F_ENV_TOKEN) && !named)
		rc = audit_add(r, "scan.high-entropy", AUDIT_HIGH, abs,
			       "do not bake secrets into images: pass them at run time (a secret, "
			       "a volume or --env-file), and revoke this one",
			       NULL, e, "a high-entropy string in a file named like a secret");
	return rc;
}

/* Index of the cache directory path lies in, or -1. */
static int cache_of(const char *path)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cache_dirs); i++) {
		size_t n = strlen(cache_dirs[i]);
		if (strncmp(path, cache_dirs[i], n) == 0 && path[n] == '/' &&
		    strcmp(base_of(path), "lock") != 0)
			return (int)i;
	}
	return -1;
}

int scan_files(const struct scan_fs *fs, struct audit_report *r, struct brig_err *e)
{
	uint64_t files[BRIG_ARRAY_SIZE(cache_dirs)] = { 0 },
		 bytes[BRIG_ARRAY_SIZE(cache_dirs)] = { 0 };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < fs->n; i++) {
		const struct scan_file *f = &fs->v[i];
		if (f->gone)
			continue;
		char abs[PATH_MAX + 2];
		(void)brig_snprintf(abs, sizeof(abs), "/%s", f->path);
		rc = mode_checks(f, abs, r, e);
		if (rc == 0)
			rc = secret_checks(f, abs, r, e);
		int c = f->type == 'f' ? cache_of(f->path) : -1;
		if (c >= 0)
			files[c]++, bytes[c] += f->size;
	}
	for (size_t i = 0; rc == 0 && i < BRIG_ARRAY_SIZE(cache_dirs); i++) {
		if (!files[i])
			continue;
		char abs[128];
		(void)brig_snprintf(abs, sizeof(abs), "/%s", cache_dirs[i]);
		rc = audit_add(r, "scan.pkg-cache", AUDIT_LOW, abs,
			       "clean the cache in the same step that fills it (apt-get clean "
			       "&& rm -rf /var/lib/apt/lists/*, apk --no-cache, pip "
			       "--no-cache-dir)",
			       NULL, e, "package manager cache left behind: %llu files, %llu bytes",
			       (unsigned long long)files[i], (unsigned long long)bytes[i]);
	}
	return rc;
}
