/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/gpg: GPGME, and the throwaway keyring a signedBy requirement's
 * keys are imported into.  The keyring is a GNUPGHOME of its own, made for
 * one check and removed after it, so neither the user's keys nor their
 * trust settings take part in a verification (as containers/image does).
 */
#include "trust/gpg-internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

int trust_gpgme_init(struct brig_err *e)
{
	static bool done;
	if (done)
		return 0;
	int r = trust_gpgme_load(e);
	if (r < 0)
		return r;
	if (!gpgme_check_version(NULL))
		return brig_err_set(e, -ELIBACC, "GPGME is too old");
	gpgme_error_t err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
	if (err)
		return brig_err_set(e, -ELIBACC, "GPGME: no usable gpg (%s)", gpgme_strerror(err));
	done = true;
	return 0;
}

static gpgme_ssize_t sink_write(void *h, const void *buf, size_t size)
{
	struct trust_gpg_sink *s = h;
	if (size > s->max - s->len) {
		s->over = true;
		errno = EFBIG;
		return -1;
	}
	char *n = realloc(s->buf, s->len + size + 1);
	if (!n) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(n + s->len, buf, size);
	s->buf = n;
	s->len += size;
	n[s->len] = '\0';
	return (gpgme_ssize_t)size;
}

int trust_gpg_sink_data(struct trust_gpg_sink *s, gpgme_data_t *out, struct brig_err *e)
{
	static struct gpgme_data_cbs cbs = { .write = sink_write };
	gpgme_error_t err = gpgme_data_new_from_cbs(out, &cbs, s);
	return err ? brig_err_set(e, -ENOMEM, "GPGME: %s", gpgme_strerror(err)) : 0;
}

/* A directory for the keyring: $TMPDIR (absolute) or /tmp. */
static int make_home(char **home, struct brig_err *e)
{
	const char *t = getenv("TMPDIR");
	if (!t || t[0] != '/' || strlen(t) > 64)
		t = "/tmp";
	if (asprintf(home, "%s/brig-gpg-XXXXXX", t) < 0) {
		*home = NULL;
		return brig_err_oom(e);
	}
	if (!mkdtemp(*home))
		return brig_err_sys(e, errno, "a keyring directory in %s", t);
	return 0;
}

int trust_gpg_keyring_new(struct trust_gpg_keyring **out, struct brig_err *e)
{
	int r = trust_gpgme_init(e);
	if (r < 0)
		return r;
	struct trust_gpg_keyring *k = calloc(1, sizeof(*k));
	if (!k)
		return brig_err_oom(e);
	*out = k;
	if ((r = make_home(&k->home, e)) < 0)
		return r;
	gpgme_error_t err = gpgme_new(&k->ctx);
	if (!err)
		err = gpgme_ctx_set_engine_info(k->ctx, GPGME_PROTOCOL_OpenPGP, NULL, k->home);
	if (!err)
		err = gpgme_set_protocol(k->ctx, GPGME_PROTOCOL_OpenPGP);
	if (err)
		return brig_err_set(e, -EIO, "GPGME: %s", gpgme_strerror(err));
	return 0;
}

/* The agent gpg may have started for the keyring: told to stop, with
 * the keyring's own gpgconf --kill (no shell; its status ignored: there
 * usually is none). */
static void stop_agent(const char *home)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("gpgconf", "gpgconf", "--homedir", home, "--kill", "all", (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

void trust_gpg_keyring_free(struct trust_gpg_keyring *k)
{
	if (k->ctx)
		gpgme_release(k->ctx);
	if (k->home) {
		_cleanup_err_ struct brig_err e = { 0 };
		struct stat st;
		char *sock = NULL;
		if (asprintf(&sock, "%s/S.gpg-agent", k->home) >= 0 && lstat(sock, &st) == 0)
			stop_agent(k->home);
		free(sock);
		(void)brig_rm_rf(AT_FDCWD, k->home, &e);
		free(k->home);
	}
	brig_strv_free(k->fprs);
	free(k);
}

static int add_fpr(struct trust_gpg_keyring *k, const char *fpr, struct brig_err *e)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->fprs[i], fpr) == 0)
			return 0;
	char **v = realloc(k->fprs, (k->n + 2) * sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	k->fprs = v;
	if (!(v[k->n] = strdup(fpr)))
		return brig_err_oom(e);
	v[++k->n] = NULL;
	return 0;
}

int trust_gpg_keyring_import(struct trust_gpg_keyring *k, const void *data, size_t len,
			     const char *name, struct brig_err *e)
{
	gpgme_data_t d = NULL;
	gpgme_error_t err = gpgme_data_new_from_mem(&d, data, len, 0);
	if (!err)
		err = gpgme_op_import(k->ctx, d);
	gpgme_data_release(d);
	if (err)
		return brig_err_set(e, -EINVAL, "%s: GPG cannot import it: %s", name,
				    gpgme_strerror(err));
	gpgme_import_result_t res = gpgme_op_import_result(k->ctx);
	size_t got = 0;
	for (gpgme_import_status_t s = res ? res->imports : NULL; s; s = s->next) {
		if (s->result || !s->fpr)
			continue;
		int r = add_fpr(k, s->fpr, e);
		if (r < 0)
			return r;
		got++;
	}
	if (got == 0)
		return brig_err_set(e, -EINVAL, "%s: holds no GPG public key", name);
	return 0;
}

int trust_gpg_keyring_from_req(const struct trust_req *req, struct trust_gpg_keyring **out,
			       struct brig_err *e)
{
	_cleanup_gpg_keyring_ struct trust_gpg_keyring *k = NULL;
	int r = trust_gpg_keyring_new(&k, e);
	for (size_t i = 0; r == 0 && req->key_paths && req->key_paths[i]; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		const char *p = req->key_paths[i];
		r = brig_read_file(AT_FDCWD, p, TRUST_GPG_KEYFILE_MAX, &buf, &len, e);
		if (r == 0)
			r = trust_gpg_keyring_import(k, buf, len, p, e);
	}
	for (size_t i = 0; r == 0 && i < req->n_key_datas; i++)
		r = trust_gpg_keyring_import(k, req->key_datas[i].data, req->key_datas[i].len,
					     "keyData", e);
	if (r == 0 && k->n == 0)
		r = brig_err_set(e, -EINVAL, "the signedBy requirement names no key");
	if (r == 0)
		*out = brig_steal_ptr(k);
	return r;
}
