/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: the Notary signer's keys, ROOT/trust/notary/keys: root.key (one
 * root key for every GUN, as Docker keeps it) and targets-<sha256 of the
 * GUN>.key with the GUN in targets-<sha256>.gun.  The private keys are
 * cosign's encrypted PEM (scrypt + secretbox, keys.c), 0600 in a 0700
 * directory, written atomically under an flock of .lock.
 */
#include "trust/notary_sign.h"
#include "trust/sigstore.h"
#include "trust/tuf.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NKEYS_DIR "trust/notary/keys"

static int nkeys_open(const char *root, bool write, int *dir, int *lock, struct brig_err *e)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", root, NKEYS_DIR) < 0)
		return brig_err_oom(e);
	int r = brig_mkdir_p(AT_FDCWD, path, 0700, e);
	if (r < 0)
		return r;
	_cleanup_close_ int d = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (d < 0)
		return brig_err_sys(e, errno, "%s", path);
	int l = brig_lock_path(d, ".lock", write ? BRIG_LOCK_EXCLUSIVE : BRIG_LOCK_SHARED, true, e);
	if (l < 0)
		return l;
	*lock = l;
	*dir = brig_steal_fd(d);
	return 0;
}

/* "root.key" or "targets-<sha256 of gun>.key" (ext ".key" or ".gun"). */
static int file_name(const char *gun, const char *ext, char out[96])
{
	char hex[BRIG_SHA256_HEX];
	if (!gun) {
		snprintf(out, 96, "root%s", ext);
		return 0;
	}
	if (brig_sha256_buf(gun, strlen(gun), hex) < 0)
		return -ENOMEM;
	snprintf(out, 96, "targets-%s%s", hex, ext);
	return 0;
}

static int read_any_key(const char *file, const char *pass, EVP_PKEY **k, struct brig_err *e);

static const char *what(const char *gun)
{
	return gun ? gun : "the Notary root key";
}

static int key_id_of(EVP_PKEY *k, char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_free_ char *pub = NULL;
	int r = tuf_pub_b64(k, &pub, e);
	return r < 0 ? r : tuf_key_id("ecdsa", pub, id, e);
}

/* Write k encrypted with pass as file (refusing to replace one). */
static int store_as(int dir, const char *file, const char *name, EVP_PKEY *k, const char *pass,
		    char **pem, struct brig_err *e)
{
	struct stat st;
	if (fstatat(dir, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return brig_err_set(e, -EEXIST, "%s: there is a key already (%s)", name, file);
	if (errno != ENOENT)
		return brig_err_sys(e, errno, "%s", file);
	return trust_key_encrypt(k, pass, pem, e);
}

/* Write k encrypted with pass as gun's key (refusing to replace one). */
static int store(int dir, const char *gun, EVP_PKEY *k, const char *pass, struct brig_err *e)
{
	char file[96], gfile[96];
	_cleanup_free_ char *pem = NULL;
	if (file_name(gun, ".key", file) < 0 || file_name(gun, ".gun", gfile) < 0)
		return brig_err_oom(e);
	int r = store_as(dir, file, what(gun), k, pass, &pem, e);
	if (r == 0 && gun)
		r = brig_atomic_write(dir, gfile, gun, strlen(gun), 0600, e);
	if (r == 0)
		r = brig_atomic_write(dir, file, pem, strlen(pem), 0600, e);
	return r;
}

int notary_key_generate(const char *root, const char *gun, const char *pass,
			char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	int r = nkeys_open(root, true, &dir, &lock, e);
	if (r == 0)
		r = trust_key_new(&k, e);
	if (r == 0)
		r = store(dir, gun, k, pass, e);
	if (r == 0)
		r = key_id_of(k, id, e);
	return r;
}

static int read_key(int dir, const char *gun, char **pem, size_t *len, struct brig_err *e)
{
	char file[96];
	if (file_name(gun, ".key", file) < 0)
		return brig_err_oom(e);
	int r = brig_read_file(dir, file, TRUST_KEY_FILE_MAX, pem, len, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		return brig_err_set(
			e, -ENOENT,
			"%s: no key in the store (brig trust key generate --notary %s%s%s, "
			"or import it)",
			what(gun), gun ? "targets" : "root", gun ? " " : "", gun ? gun : "");
	}
	return r;
}

int notary_key_load(const char *root, const char *gun, const char *pass, EVP_PKEY **k,
		    struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int r = nkeys_open(root, false, &dir, &lock, e);
	if (r == 0)
		r = read_key(dir, gun, &pem, &len, e);
	if (r == 0)
		r = trust_key_decrypt(pem, len, pass, what(gun), k, e);
	return r;
}

int notary_key_export(const char *root, const char *gun, char **pem, size_t *len,
		      struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	int r = nkeys_open(root, false, &dir, &lock, e);
	return r < 0 ? r : read_key(dir, gun, pem, len, e);
}

int notary_key_forget(const char *root, const char *gun, struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	char file[96], gfile[96];
	if (file_name(gun, ".key", file) < 0 || file_name(gun, ".gun", gfile) < 0)
		return brig_err_oom(e);
	int r = nkeys_open(root, true, &dir, &lock, e);
	if (r == 0 && unlinkat(dir, file, 0) < 0)
		r = brig_err_sys(e, errno, "%s", file);
	if (r == 0 && gun && unlinkat(dir, gfile, 0) < 0 && errno != ENOENT)
		r = brig_err_sys(e, errno, "%s", gfile);
	if (r == 0 && fsync(dir) < 0)
		r = brig_err_sys(e, errno, "%s", NKEYS_DIR);
	return r;
}

int notary_key_import(const char *root, const char *gun, const char *file, const char *pass,
		      char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	int r = read_any_key(file, pass, &k, e);
	if (r == 0 && strcmp(trust_key_kind(k), "ECDSA-P256"))
		r = brig_err_set(e, -EINVAL, "%s: a %s key; Notary keys here are ECDSA-P256", file,
				 trust_key_kind(k));
	if (r == 0)
		r = nkeys_open(root, true, &dir, &lock, e);
	if (r == 0)
		r = store(dir, gun, k, pass, e);
	if (r == 0)
		r = key_id_of(k, id, e);
	return r;
}

/* One entry of the listing: role and GUN (the key itself is encrypted, so
 * its ID needs the passphrase). */
static int list_one(int dir, const char *name, json_t *a, struct brig_err *e)
{
	size_t n = strlen(name);
	if (!strcmp(name, "root.key"))
		return json_array_append_new(a, json_pack("{s:s,s:n}", "role", "root", "gun"))
			? brig_err_oom(e)
			: 0;
	if (!strncmp(name, "delegation-", 11) && n == 11 + 64 + 4 && !strcmp(name + n - 4, ".key"))
		return json_array_append_new(a,
					     json_pack("{s:s,s:n,s:s#}", "role", "delegation",
						       "gun", "id", name + 11, (int)64))
			? brig_err_oom(e)
			: 0;
	bool snap = !strncmp(name, "snapshot-", 9);
	if ((strncmp(name, "targets-", 8) && !snap) || n < 4 || strcmp(name + n - 4, ".key"))
		return 0;
	char gfile[96];
	snprintf(gfile, sizeof(gfile), "%.*s.gun", (int)(n - 4), name);
	_cleanup_free_ char *gun = NULL;
	size_t glen = 0;
	int r = brig_read_file(dir, gfile, 4096, &gun, &glen, e);
	if (r < 0)
		return r;
	return json_array_append_new(
		       a, json_pack("{s:s,s:s}", "role", snap ? "snapshot" : "targets", "gun", gun))
		? brig_err_oom(e)
		: 0;
}

/* A stream over the key directory DIR, on a duplicate of the fd, so DIR
 * stays usable for openat while the stream is read. */
static int nkeys_stream(int dir, DIR **out, struct brig_err *e)
{
	int d2 = fcntl(dir, F_DUPFD_CLOEXEC, 0);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	if (!d) {
		int err = errno;
		if (d2 >= 0)
			close(d2);
		return brig_err_sys(e, err, "%s", NKEYS_DIR);
	}
	*out = d;
	return 0;
}

int notary_key_list(const char *root, json_t **out, struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	int r = nkeys_open(root, false, &dir, &lock, e);
	if (r < 0)
		return r;
	DIR *d;
	if ((r = nkeys_stream(dir, &d, e)) < 0)
		return r;
	json_t *a = json_array();
	struct dirent *de;
	r = a ? 0 : brig_err_oom(e);
	while (r == 0 && (errno = 0, de = readdir(d)))
		r = list_one(dir, de->d_name, a, e);
	closedir(d);
	if (r < 0) {
		json_decref(a);
		return r;
	}
	*out = a;
	return 0;
}

/* The file of a key that belongs to one GUN: ROLE-<sha256 of GUN>EXT.  A
 * GUN's own root key (after a root rotation) is root-…, the snapshot key its
 * owner holds snapshot-….key (the GUN itself in snapshot-….gun). */
static int gun_key_name(const char *role, const char *gun, const char *ext, char out[96])
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_buf(gun, strlen(gun), hex) < 0)
		return -ENOMEM;
	snprintf(out, 96, "%s-%s%s", role, hex, ext);
	return 0;
}

static int root_gun_name(const char *gun, const char *ext, char out[96])
{
	return gun_key_name("root", gun, ext, out);
}

int notary_root_key_load(const char *root, const char *gun, const char *pass, EVP_PKEY **k,
			 struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_free_ char *pem = NULL;
	char file[96];
	size_t len = 0;
	if (root_gun_name(gun, ".key", file) < 0)
		return brig_err_oom(e);
	int r = nkeys_open(root, false, &dir, &lock, e);
	if (r == 0)
		r = brig_read_file(dir, file, TRUST_KEY_FILE_MAX, &pem, &len, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		r = read_key(dir, NULL, &pem, &len, e);
	}
	if (r == 0)
		r = trust_key_decrypt(pem, len, pass, what(NULL), k, e);
	return r;
}

int notary_root_key_stage(const char *root, const char *gun, EVP_PKEY *k, const char *pass,
			  struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_free_ char *pem = NULL;
	char file[96];
	if (root_gun_name(gun, ".key.new", file) < 0)
		return brig_err_oom(e);
	int r = nkeys_open(root, true, &dir, &lock, e);
	if (r == 0)
		r = trust_key_encrypt(k, pass, &pem, e);
	if (r == 0)
		r = brig_atomic_write(dir, file, pem, strlen(pem), 0600, e);
	return r;
}

int notary_root_key_commit(const char *root, const char *gun, bool keep, struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	char staged[96], file[96];
	if (root_gun_name(gun, ".key.new", staged) < 0 || root_gun_name(gun, ".key", file) < 0)
		return brig_err_oom(e);
	int r = nkeys_open(root, true, &dir, &lock, e);
	if (r == 0 && keep && renameat(dir, staged, dir, file) < 0)
		r = brig_err_sys(e, errno, "%s", file);
	if (r == 0 && !keep && unlinkat(dir, staged, 0) < 0 && errno != ENOENT)
		r = brig_err_sys(e, errno, "%s", staged);
	if (r == 0 && fsync(dir) < 0)
		r = brig_err_sys(e, errno, "%s", NKEYS_DIR);
	return r;
}

/* FILE: cosign's encrypted PEM (opened with pass) or a plain PEM private
 * key, as `docker trust key load` takes a signer's key. */
static int read_any_key(const char *file, const char *pass, EVP_PKEY **k, struct brig_err *e)
{
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int r = brig_read_file(AT_FDCWD, file, TRUST_KEY_FILE_MAX, &pem, &len, e);
	if (r < 0)
		return r;
	if (strstr(pem, "-----BEGIN " TRUST_PEM_ENCRYPTED) ||
	    strstr(pem, "-----BEGIN " TRUST_PEM_ENCRYPTED_OLD))
		return trust_key_decrypt(pem, len, pass, file, k, e);
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	/* an encrypted PKCS#8 opens with pass */
	*k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)pass) : NULL;
	BIO_free(b);
	ERR_clear_error();
	explicit_bzero(pem, len);
	if (!*k)
		return brig_err_set(e, -EINVAL,
				    "%s: neither a PEM private key (unencrypted) nor "
				    "an encrypted brig/cosign key",
				    file);
	return 0;
}

int notary_delegate_import(const char *root, const char *file, const char *pass,
			   char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_free_ char *pem = NULL;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	char name[96];
	id[0] = '\0';
	int r = read_any_key(file, pass, &k, e);
	if (r == 0 && strcmp(trust_key_kind(k), "ECDSA-P256"))
		r = brig_err_set(e, -EINVAL, "%s: a %s key; Notary keys here are ECDSA-P256", file,
				 trust_key_kind(k));
	if (r == 0)
		r = key_id_of(k, id, e);
	snprintf(name, sizeof(name), "delegation-%.64s.key", id);
	if (r == 0)
		r = nkeys_open(root, true, &dir, &lock, e);
	if (r == 0)
		r = store_as(dir, name, "the delegation key", k, pass, &pem, e);
	if (r == 0)
		r = brig_atomic_write(dir, name, pem, strlen(pem), 0600, e);
	return r;
}

static int load_delegate(int dir, const char *name, const char *pass, EVP_PKEY **ks, size_t max,
			 size_t *n, struct brig_err *e)
{
	size_t l = strlen(name);
	if (strncmp(name, "delegation-", 11) || l != 11 + 64 + 4 || strcmp(name + l - 4, ".key"))
		return 0;
	if (*n == max)
		return brig_err_set(e, -E2BIG, "%s: more than %zu delegation keys", NKEYS_DIR, max);
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int r = brig_read_file(dir, name, TRUST_KEY_FILE_MAX, &pem, &len, e);
	if (r == 0)
		r = trust_key_decrypt(pem, len, pass, name, &ks[*n], e);
	if (r == 0)
		(*n)++;
	return r;
}

int notary_delegate_load_all(const char *root, const char *pass, EVP_PKEY **ks, size_t max,
			     size_t *n, struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	*n = 0;
	int r = nkeys_open(root, false, &dir, &lock, e);
	if (r < 0)
		return r;
	DIR *d;
	if ((r = nkeys_stream(dir, &d, e)) < 0)
		return r;
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d)))
		r = load_delegate(dir, de->d_name, pass, ks, max, n, e);
	closedir(d);
	return r;
}

static int snap_name(const char *gun, char out[96])
{
	return gun_key_name("snapshot", gun, ".key", out);
}

int notary_snapshot_key_import(const char *root, const char *gun, const char *file,
			       const char *pass, char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_free_ char *pem = NULL;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	char name[96];
	if (snap_name(gun, name) < 0)
		return brig_err_oom(e);
	int r = read_any_key(file, pass, &k, e);
	if (r == 0 && strcmp(trust_key_kind(k), "ECDSA-P256"))
		r = brig_err_set(e, -EINVAL, "%s: a %s key; Notary keys here are ECDSA-P256", file,
				 trust_key_kind(k));
	if (r == 0)
		r = nkeys_open(root, true, &dir, &lock, e);
	char gfile[96];
	snprintf(gfile, sizeof(gfile), "%.*s.gun", (int)(strlen(name) - 4), name);
	if (r == 0)
		r = store_as(dir, name, gun, k, pass, &pem, e);
	if (r == 0)
		r = brig_atomic_write(dir, gfile, gun, strlen(gun), 0600, e);
	if (r == 0)
		r = brig_atomic_write(dir, name, pem, strlen(pem), 0600, e);
	if (r == 0)
		r = key_id_of(k, id, e);
	return r;
}

int notary_snapshot_key_load(const char *root, const char *gun, const char *pass, EVP_PKEY **k,
			     struct brig_err *e)
{
	_cleanup_close_ int dir = -1, lock = -1;
	_cleanup_free_ char *pem = NULL;
	char name[96];
	size_t len = 0;
	if (snap_name(gun, name) < 0)
		return brig_err_oom(e);
	int r = nkeys_open(root, false, &dir, &lock, e);
	if (r == 0)
		r = brig_read_file(dir, name, TRUST_KEY_FILE_MAX, &pem, &len, e);
	if (r == 0)
		r = trust_key_decrypt(pem, len, pass, name, k, e);
	return r;
}

bool notary_snapshot_key_held(const char *root, const char *gun)
{
	_cleanup_free_ char *path = NULL;
	char name[96];
	if (snap_name(gun, name) < 0 || asprintf(&path, "%s/%s/%s", root, NKEYS_DIR, name) < 0)
		return false;
	return access(path, F_OK) == 0;
}
