/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key store: ROOT/trust/keys/NAME.key (cosign's encrypted private key)
 * and NAME.pub (its public key), both 0600 in a 0700 directory, each
 * written atomically (temporary file, fsync, rename) under an flock of
 * ROOT/trust/keys/.lock so that two commands never interleave.  The store
 * root is per user (root's /var/lib/brig, a user's ~/.local/share/brig),
 * so a rootless user's keys are theirs.
 */
#include "trust/sigstore-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define KEYS_DIR "trust/keys"
#define KEYS_MAX 1024

bool trust_key_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64 ||
	    !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789",
		    name[0]))
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
		n;
}

/* ROOT/trust/keys (made when create), locked; *dir and *lock are fds. */
static int keys_open(const char *root, bool create, int *dir, int *lock, struct brig_err *e)
{
	if (create) {
		int r = brig_mkdir_p(AT_FDCWD, root, 0700, e);
		if (r < 0)
			return r;
	}
	_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 && !(errno == ENOENT && !create))
		return brig_err_sys(e, errno, "%s", root);
	if (rfd < 0)
		return -ENOENT;
	if (create) {
		int r = brig_mkdir_p(rfd, KEYS_DIR, 0700, e);
		if (r < 0)
			return r;
	}
	_cleanup_close_ int d = openat(rfd, KEYS_DIR,
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (d < 0 && errno == ENOENT && !create)
		return -ENOENT;
	if (d < 0)
		return brig_err_sys(e, errno, "%s/%s", root, KEYS_DIR);
	int l = brig_lock_path(d, ".lock", create ? BRIG_LOCK_EXCLUSIVE : BRIG_LOCK_SHARED, true,
			       e);
	if (l < 0)
		return l;
	*lock = l;
	*dir = brig_steal_fd(d);
	return 0;
}

static int check_name(const char *name, struct brig_err *e)
{
	if (!trust_key_name_valid(name))
		return brig_err_set(e, -EINVAL,
				    "key name '%.80s': expected letters, digits, '_', '.' or '-' "
				    "(at most 64, starting with a letter or digit)",
				    name);
	return 0;
}

static int exists(int dir, const char *name, const char *ext, bool *out, struct brig_err *e)
{
	char file[80];
	snprintf(file, sizeof(file), "%s%s", name, ext);
	struct stat st;
	if (fstatat(dir, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return *out = true, 0;
	if (errno != ENOENT)
		return brig_err_sys(e, errno, "key %s", file);
	return *out = false, 0;
}

/* Write NAME.pub then NAME.key (so a listed .key always has its .pub). */
static int store_pair(int dir, const char *name, const char *priv, EVP_PKEY *k, struct brig_err *e)
{
	char file[80];
	bool there = false;
	_cleanup_free_ char *pub = NULL;
	int r = exists(dir, name, ".key", &there, e);
	if (r == 0 && there)
		r = brig_err_set(e, -EEXIST, "key %s exists (brig trust key rm %s first)", name,
				 name);
	if (r == 0)
		r = trust_pubkey_pem(k, &pub, e);
	snprintf(file, sizeof(file), "%s.pub", name);
	if (r == 0)
		r = brig_atomic_write(dir, file, pub, strlen(pub), 0600, e);
	snprintf(file, sizeof(file), "%s.key", name);
	if (r == 0)
		r = brig_atomic_write(dir, file, priv, strlen(priv), 0600, e);
	return r;
}

int trust_keystore_generate(const char *root, const char *name, const char *pass, char **pub,
			    struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	_cleanup_free_ char *priv = NULL;
	int r = check_name(name, e);
	if (r == 0)
		r = keys_open(root, true, &dir, &lock, e);
	if (r == 0)
		r = trust_key_new(&k, e);
	if (r == 0)
		r = trust_key_encrypt(k, pass, &priv, e);
	if (r == 0)
		r = store_pair(dir, name, priv, k, e);
	if (r == 0 && pub)
		r = trust_pubkey_pem(k, pub, e);
	return r;
}

int trust_keystore_import(const char *root, const char *name, const char *file, const char *pass,
			  struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	_cleanup_free_ char *priv = NULL;
	size_t len = 0;
	int r = check_name(name, e);
	if (r == 0)
		r = brig_read_file(AT_FDCWD, file, TRUST_KEY_FILE_MAX, &priv, &len, e);
	if (r == 0 && strlen(priv) != len)
		r = brig_err_set(e, -EINVAL, "%s: holds a NUL byte", file);
	if (r == 0)
		r = trust_key_decrypt(priv, len, pass, file, &k, e);
	if (r == 0)
		r = keys_open(root, true, &dir, &lock, e);
	if (r == 0)
		r = store_pair(dir, name, priv, k, e);
	return r;
}

static int read_key_file(int dir, const char *name, const char *ext, char **out, size_t *len,
			 struct brig_err *e)
{
	char file[80];
	snprintf(file, sizeof(file), "%s%s", name, ext);
	_cleanup_close_ int fd = openat(dir, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return brig_err_set(e, -ENOENT, "no key %s (brig trust key list)", name);
	if (fd < 0)
		return brig_err_sys(e, errno, "key %s", file);
	return brig_read_fd(fd, file, TRUST_KEY_FILE_MAX, out, len, e);
}

int trust_keystore_export(const char *root, const char *name, bool private_key, char **pem,
			  struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	size_t len = 0;
	int r = check_name(name, e);
	if (r == 0 && (r = keys_open(root, false, &dir, &lock, e)) == -ENOENT && !e->code)
		r = brig_err_set(e, -ENOENT, "no key %s (brig trust key list)", name);
	if (r == 0)
		r = read_key_file(dir, name, private_key ? ".key" : ".pub", pem, &len, e);
	return r;
}

int trust_keystore_rm(const char *root, const char *name, struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	char file[80];
	bool there = false;
	int r = check_name(name, e);
	if (r == 0 && (r = keys_open(root, false, &dir, &lock, e)) == -ENOENT && !e->code)
		r = brig_err_set(e, -ENOENT, "no key %s (brig trust key list)", name);
	if (r == 0)
		r = exists(dir, name, ".key", &there, e);
	if (r == 0 && !there)
		r = brig_err_set(e, -ENOENT, "no key %s (brig trust key list)", name);
	snprintf(file, sizeof(file), "%s.key", name);
	if (r == 0 && unlinkat(dir, file, 0) < 0)
		r = brig_err_sys(e, errno, "removing key %s", file);
	snprintf(file, sizeof(file), "%s.pub", name);
	if (r == 0 && unlinkat(dir, file, 0) < 0 && errno != ENOENT)
		r = brig_err_sys(e, errno, "removing key %s", file);
	if (r == 0 && fsync(dir) < 0)
		r = brig_err_sys(e, errno, "%s/%s", root, KEYS_DIR);
	return r;
}

void trust_keyinfo_free(struct trust_keyinfo *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].kind);
	}
	free(v);
}

static int key_info(int dir, const char *name, struct trust_keyinfo *out, struct brig_err *e)
{
	_cleanup_free_ char *pem = NULL;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	size_t len = 0;
	int r = read_key_file(dir, name, ".pub", &pem, &len, e);
	if (r == 0)
		r = trust_pubkey_parse(pem, len, name, &k, e);
	if (r == 0)
		r = trust_key_fingerprint(k, out->fingerprint, e);
	if (r == 0 && (!(out->name = strdup(name)) || !(out->kind = strdup(trust_key_kind(k)))))
		r = brig_err_oom(e);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct trust_keyinfo *)a)->name,
		      ((const struct trust_keyinfo *)b)->name);
}

int trust_keystore_list(const char *root, struct trust_keyinfo **out, size_t *n, struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	*out = NULL;
	*n = 0;
	int r = keys_open(root, false, &dir, &lock, e);
	if (r == -ENOENT && !e->code)
		return 0;
	int dfd = r == 0 ? fcntl(dir, F_DUPFD_CLOEXEC, 0) : -1;
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (r == 0 && !d) {
		r = brig_err_sys(e, errno, "%s/%s", root, KEYS_DIR);
		if (dfd >= 0)
			close(dfd);
	}
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".key") != 0)
			continue;
		char name[80];
		snprintf(name, sizeof(name), "%.*s", (int)(l - 4), de->d_name);
		if (!trust_key_name_valid(name))
			continue;
		if (*n >= KEYS_MAX) {
			r = brig_err_set(e, -E2BIG, "%s/%s: more than %d keys", root, KEYS_DIR,
					 KEYS_MAX);
			break;
		}
		struct trust_keyinfo *v = realloc(*out, (*n + 1) * sizeof(**out));
		if (!v) {
			r = brig_err_oom(e);
			break;
		}
		*out = v;
		v[*n] = (struct trust_keyinfo){ 0 };
		r = key_info(dir, name, &v[(*n)++], e);
	}
	if (r == 0 && errno != 0)
		r = brig_err_sys(e, errno, "%s/%s", root, KEYS_DIR);
	if (d)
		closedir(d);
	if (r < 0) {
		trust_keyinfo_free(*out, *n);
		*out = NULL, *n = 0;
	} else if (*n > 1) {
		qsort(*out, *n, sizeof(**out), by_name);
	}
	return r;
}
