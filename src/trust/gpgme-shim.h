/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to trust/gpg: GPGME, loaded with dlopen by trust_gpgme_init, the
 * first thing every GPG check or signature does.  Linked normally it (with
 * libassuan and libgpg-error) was loaded by every brig process, although
 * only GPG signatures use it (common/lazylib.h says why that matters).
 *
 * After this header the gpgme_* functions trust/gpg calls name the loaded
 * ones; none may be called before trust_gpgme_load has succeeded.
 */
#ifndef BRIG_TRUST_GPGME_SHIM_H
#define BRIG_TRUST_GPGME_SHIM_H

#include <gpgme.h>

#include "common/errors.h"

struct trust_gpgme_api {
	__typeof__(gpgme_strerror) *f_strerror;
	__typeof__(gpgme_data_release) *f_data_release;
	__typeof__(gpgme_data_new_from_mem) *f_data_new_from_mem;
	__typeof__(gpgme_release) *f_release;
	__typeof__(gpgme_new) *f_new;
	__typeof__(gpgme_key_unref) *f_key_unref;
	__typeof__(gpgme_io_writen) *f_io_writen;
	__typeof__(gpgme_get_key) *f_get_key;
	__typeof__(gpgme_signers_add) *f_signers_add;
	__typeof__(gpgme_set_protocol) *f_set_protocol;
	__typeof__(gpgme_set_pinentry_mode) *f_set_pinentry_mode;
	__typeof__(gpgme_set_passphrase_cb) *f_set_passphrase_cb;
	__typeof__(gpgme_set_armor) *f_set_armor;
	__typeof__(gpgme_op_verify_result) *f_op_verify_result;
	__typeof__(gpgme_op_verify) *f_op_verify;
	__typeof__(gpgme_op_sign) *f_op_sign;
	__typeof__(gpgme_op_import_result) *f_op_import_result;
	__typeof__(gpgme_op_import) *f_op_import;
	__typeof__(gpgme_engine_check_version) *f_engine_check_version;
	__typeof__(gpgme_data_new_from_cbs) *f_data_new_from_cbs;
	__typeof__(gpgme_ctx_set_engine_info) *f_ctx_set_engine_info;
	__typeof__(gpgme_check_version_internal) *f_check_version_internal;
};

/* Load GPGME once (later calls return at once): 0, or -ELIBACC. */
int trust_gpgme_load(struct brig_err *e);
extern struct trust_gpgme_api trust_gpgme;

#define gpgme_strerror (trust_gpgme.f_strerror)
#define gpgme_data_release (trust_gpgme.f_data_release)
#define gpgme_data_new_from_mem (trust_gpgme.f_data_new_from_mem)
#define gpgme_release (trust_gpgme.f_release)
#define gpgme_new (trust_gpgme.f_new)
#define gpgme_key_unref (trust_gpgme.f_key_unref)
#define gpgme_io_writen (trust_gpgme.f_io_writen)
#define gpgme_get_key (trust_gpgme.f_get_key)
#define gpgme_signers_add (trust_gpgme.f_signers_add)
#define gpgme_set_protocol (trust_gpgme.f_set_protocol)
#define gpgme_set_pinentry_mode (trust_gpgme.f_set_pinentry_mode)
#define gpgme_set_passphrase_cb (trust_gpgme.f_set_passphrase_cb)
#define gpgme_set_armor (trust_gpgme.f_set_armor)
#define gpgme_op_verify_result (trust_gpgme.f_op_verify_result)
#define gpgme_op_verify (trust_gpgme.f_op_verify)
#define gpgme_op_sign (trust_gpgme.f_op_sign)
#define gpgme_op_import_result (trust_gpgme.f_op_import_result)
#define gpgme_op_import (trust_gpgme.f_op_import)
#define gpgme_engine_check_version (trust_gpgme.f_engine_check_version)
#define gpgme_data_new_from_cbs (trust_gpgme.f_data_new_from_cbs)
#define gpgme_ctx_set_engine_info (trust_gpgme.f_ctx_set_engine_info)
#define gpgme_check_version_internal (trust_gpgme.f_check_version_internal)

#endif
