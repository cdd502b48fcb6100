/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a decision under a policy depends on, besides the signatures
 * judged: the files it reads (the policy, brig's policy.d settings, every
 * key, CA, TSA and CT log key file a requirement names), and one SHA-256
 * over them as they are now.  Equal fingerprints mean the same policy, with the same
 * keys, read the same way: create and run reuse a decision made under it
 * (engine provenance_memo.c) instead of verifying the same signatures
 * again.
 *
 * The fingerprint covers, in order: the euid (brig_file_trusted judges a
 * file's owner against it), where the policy is read from (--signature-
 * policy or the system's, BRIG_POLICY_DIR), then each input as
 * "F" path: absent, or its mode, owner, group, size and content's
 * SHA-256 (brig_file_trusted and the parsers see nothing else), or
 * "D" path: the NAME.json names listed, in order (a settings file added).
 * A policy that reads anything else (notaryTrust's TUF state) or names a
 * relative path (read against the working directory) has no fingerprint
 * (-ENOTSUP).
 *
 * The inputs are listed from a policy already read and hashed after it
 * was used: a file changed in between would pair the old decision with
 * the new files.  So a fingerprint made to be kept (since not NULL) is
 * refused (-EAGAIN) when an input (or policy.d) changed less than a
 * second before since (when the policy was about to be read; a second
 * covers the coarse clock file times are kept by).
 */
#include "trust/policy-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INPUT_MAX_BYTES (1 << 20)
#define INPUTS_MAX 256

struct inputs {
	char **v;
	size_t n;
};

static int add(struct inputs *in, char kind, const char *path, struct brig_err *e)
{
	if (path[0] != '/')
		return -ENOTSUP;
	if (in->n + 1 >= INPUTS_MAX)
		return -ENOTSUP;
	char **v = realloc(in->v, (in->n + 2) * sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	in->v = v;
	if (asprintf(&v[in->n], "%c%s", kind, path) < 0)
		return brig_err_oom(e);
	v[++in->n] = NULL;
	return 0;
}

static int add_all(struct inputs *in, char *const *paths, struct brig_err *e)
{
	int r = 0;
	for (size_t i = 0; r == 0 && paths && paths[i]; i++)
		r = add(in, 'F', paths[i], e);
	return r;
}

static int add_reqs(struct inputs *in, const struct trust_reqs *rs, struct brig_err *e)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < rs->n; i++) {
		const struct trust_req *q = &rs->v[i];
		if (q->kind == TRUST_REQ_NOTARY)
			return -ENOTSUP;
		r = add_all(in, q->key_paths, e);
		if (r == 0)
			r = add_all(in, q->rekor_paths, e);
		if (r == 0 && q->fulcio && q->fulcio->ca_path)
			r = add(in, 'F', q->fulcio->ca_path, e);
		if (r == 0 && q->tsa_path)
			r = add(in, 'F', q->tsa_path, e);
		if (r == 0)
			r = add_all(in, q->ct_key_paths, e);
	}
	return r;
}

/* ddir's NAME.json names, sorted (none when it is missing): f is called
 * with each; -1 when it cannot be listed. */
static int each_setting(const char *ddir, int (*f)(void *, const char *), void *arg)
{
	struct dirent **names = NULL;
	int n = trust_settings_scan(ddir, &names), r = 0;
	if (n < 0)
		return errno == ENOENT ? 0 : -1;
	for (int i = 0; i < n; i++) {
		if (r == 0)
			r = f(arg, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return r;
}

struct setting_add {
	struct inputs *in;
	const char *ddir;
	struct brig_err *e;
};

static int setting_add(void *arg, const char *name)
{
	struct setting_add *a = arg;
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", a->ddir, name) < 0)
		return brig_err_oom(a->e);
	return add(a->in, 'F', path, a->e);
}

int trust_policy_inputs(const char *path, const struct trust_policy *p, char ***out,
			struct brig_err *e)
{
	struct inputs in = { 0 };
	_cleanup_free_ char *file = NULL, *ddir = NULL;
	*out = NULL;
	int r = trust_policy_where(path, &file, &ddir, e);
	if (r == 0)
		r = add(&in, 'F', file, e);
	if (r == 0 && ddir && (r = add(&in, 'D', ddir, e)) == 0 &&
	    each_setting(ddir, setting_add, &(struct setting_add){ &in, ddir, e }) < 0)
		r = e->code ? e->code : -ENOTSUP;
	if (r == 0 && p->notary_dflt.n)
		r = -ENOTSUP;
	if (r == 0)
		r = add_reqs(&in, &p->dflt, e);
	for (size_t i = 0; r == 0 && i < p->n_transports; i++)
		for (size_t j = 0; r == 0 && j < p->transports[i].n; j++)
			r = add_reqs(&in, &p->transports[i].scopes[j].reqs, e);
	if (r < 0) {
		brig_strv_free(in.v);
		return r;
	}
	*out = in.v ? in.v : calloc(1, sizeof(char *));
	return *out ? 0 : brig_err_oom(e);
}

static int hash_name(void *h, const char *name)
{
	return brig_sha256_update(h, name, strlen(name) + 1);
}

/* st changed at since or less than a second before it. */
static bool recent(const struct stat *st, const struct timespec *since)
{
	if (!since)
		return false;
	int64_t s = (int64_t)since->tv_sec * 1000000000 + since->tv_nsec - 1000000000;
	int64_t c = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	int64_t m = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	return c >= s || m >= s;
}

/* "F" path into h: absent, or what the policy's readers see of it. */
static int hash_file(struct brig_sha256 *h, const char *path, const struct timespec *since)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	struct stat st;
	if (fd < 0)
		return errno == ENOENT ? brig_sha256_update(h, "-", 1) : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > INPUT_MAX_BYTES)
		return -1;
	if (recent(&st, since))
		return -EAGAIN;
	unsigned long meta[4] = { st.st_mode, st.st_uid, st.st_gid, (unsigned long)st.st_size };
	char buf[8192], hex[BRIG_SHA256_HEX];
	_cleanup_sha256_ struct brig_sha256 *c = brig_sha256_new();
	if (!c)
		return -1;
	for (;;) {
		ssize_t n = BRIG_RETRY(read(fd, buf, sizeof(buf)));
		if (n < 0 || (n > 0 && brig_sha256_update(c, buf, (size_t)n) < 0))
			return -1;
		if (n == 0)
			break;
	}
	if (brig_sha256_final(c, hex) < 0)
		return -1;
	return brig_sha256_update(h, meta, sizeof(meta)) < 0 ? -1 : brig_sha256_update(h, hex, 64);
}

/* "D" path into h: its NAME.json names. */
static int hash_dir(struct brig_sha256 *h, const char *path, const struct timespec *since)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? brig_sha256_update(h, "-", 1) : -1;
	if (recent(&st, since))
		return -EAGAIN;
	return each_setting(path, hash_name, h);
}

int trust_policy_fingerprint(const char *path, char *const *inputs, const struct timespec *since,
			     char hex[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_free_ char *file = NULL, *ddir = NULL;
	_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
	if (!h || trust_policy_where(path, &file, &ddir, e) < 0)
		return brig_err_oom(e);
	uid_t euid = geteuid();
	int r = brig_sha256_update(h, &euid, sizeof(euid));
	if (r == 0)
		r = hash_name(h, file);
	if (r == 0)
		r = hash_name(h, ddir ? ddir : "");
	for (size_t i = 0; r == 0 && inputs[i]; i++) {
		r = hash_name(h, inputs[i]);
		if (r == 0 && inputs[i][0] == 'F')
			r = hash_file(h, inputs[i] + 1, since);
		else if (r == 0)
			r = hash_dir(h, inputs[i] + 1, since);
	}
	if (r == 0)
		r = brig_sha256_final(h, hex);
	if (r == -EAGAIN)
		return -EAGAIN;
	return r < 0 ? brig_err_set(e, -EIO, "the policy's files could not be read") : 0;
}
