/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a podman/docker auth.json (brig login / logout): under PATH.lock,
 * read, change one entry, write back atomically with mode 0600.  Reading is in auth.c
 * (reg_authfile_lookup), the lookup order in creds.c.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>

int reg_authfile_default(char **out, struct brig_err *e)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	int r = x && x[0] == '/' ? asprintf(out, "%s/containers/auth.json", x)
				 : ((*out = strdup(REG_AUTHFILE_DEFAULT)) ? 0 : -1);
	return r < 0 ? brig_err_oom(e) : 0;
}

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == ':' || c == '[' ||
		c == ']' || c == '_';
}

int reg_host_normalize(const char *arg, char **out, struct brig_err *e)
{
	const char *p = arg;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	size_t n = strcspn(p, "/");
	if (n == 0 || n > 255)
		return brig_err_set(e, -EINVAL, "'%.100s' is not a registry host", arg);
	for (size_t i = 0; i < n; i++)
		if (!host_char(p[i]))
			return brig_err_set(e, -EINVAL, "'%.100s' is not a registry host", arg);
	if (!(*out = strndup(p, n)))
		return brig_err_oom(e);
	if (strcmp(*out, "index.docker.io") == 0 || strcmp(*out, "registry-1.docker.io") == 0) {
		free(*out);
		if (!(*out = strdup("docker.io")))
			return brig_err_oom(e);
	}
	return 0;
}

/* path's document and its "auths" object (made when absent); an absent
 * file is an empty document. */
static int load_doc(const char *path, json_t **doc, json_t **auths, struct brig_err *e)
{
	int r = bj_load_file(AT_FDCWD, path, REG_AUTHFILE_MAX, doc, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		if (!(*doc = json_object()))
			return brig_err_oom(e);
	} else if (r < 0) {
		return r;
	}
	struct bj_loc root;
	bj_root(&root, path);
	if ((r = bj_get_obj(*doc, &root, "auths", false, auths, e)) < 0)
		return r;
	if (r == 1 && (!(*auths = json_object()) || json_object_set_new(*doc, "auths", *auths)))
		return brig_err_oom(e);
	return 0;
}

/* The parent directory of path: made (0700) when missing. */
static int make_parent(const char *path, struct brig_err *e)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	_cleanup_free_ char *dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return brig_err_oom(e);
	struct stat st;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0
					   : brig_err_set(e, -ENOTDIR, "%s: not a directory", dir);
	if (errno != ENOENT)
		return brig_err_sys(e, errno, "%s", dir);
	return brig_mkdir_p(AT_FDCWD, dir, 0700, e);
}

/* PATH.lock, locked: one change at a time, none lost.  The fd. */
static int lock_for(const char *path, struct brig_err *e)
{
	_cleanup_free_ char *name = NULL;
	if (asprintf(&name, "%s.lock", path) < 0)
		return brig_err_oom(e);
	return brig_lock_path(AT_FDCWD, name, BRIG_LOCK_EXCLUSIVE, true, e);
}

static int save_doc(const char *path, const json_t *doc, struct brig_err *e)
{
	char *s = json_dumps(doc, JSON_INDENT(1));
	if (!s)
		return brig_err_oom(e);
	size_t n = strlen(s);
	int r = brig_atomic_write(AT_FDCWD, path, s, n, 0600, e);
	explicit_bzero(s, n);
	free(s);
	return r;
}

static int encode_auth(const char *user, const char *password, char **out, struct brig_err *e)
{
	if (!user[0] || strchr(user, ':'))
		return brig_err_set(e, -EINVAL, "a user name must be non-empty without ':'");
	size_t nu = strlen(user), np = strlen(password), n = nu + 1 + np;
	_cleanup_free_ char *plain = malloc(n + 1);
	char *b64 = malloc(4 * ((n + 2) / 3) + 1);
	if (!plain || !b64) {
		free(b64);
		return brig_err_oom(e);
	}
	memcpy(plain, user, nu);
	plain[nu] = ':';
	memcpy(plain + nu + 1, password, np + 1);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, (int)n);
	explicit_bzero(plain, n);
	*out = b64;
	return 0;
}

int reg_authfile_store(const char *path, const char *host, const char *user, const char *password,
		       struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *auths = NULL;
	int r = make_parent(path, e);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = lock_for(path, e);
	if (lock < 0)
		return lock;
	if ((r = load_doc(path, &doc, &auths, e)) < 0)
		return r;
	char *b64 = NULL;
	if ((r = encode_auth(user, password, &b64, e)) < 0)
		return r;
	json_t *ent = json_pack("{s:s}", "auth", b64);
	explicit_bzero(b64, strlen(b64));
	free(b64);
	if (!ent || json_object_set_new(auths, host, ent) < 0)
		return brig_err_oom(e);
	return save_doc(path, doc, e);
}

int reg_authfile_erase(const char *path, const char *host, struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *auths = NULL;
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	_cleanup_close_ int lock = lock_for(path, e);
	if (lock < 0)
		return lock;
	int r = load_doc(path, &doc, &auths, e);
	if (r < 0)
		return r;
	if (host ? json_object_del(auths, host) < 0 : json_object_size(auths) == 0)
		return 0;
	if (!host)
		json_object_clear(auths);
	r = save_doc(path, doc, e);
	return r < 0 ? r : 1;
}
