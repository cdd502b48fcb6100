/* SPDX-License-Identifier: Apache-2.0 */
/* GPGME through dlopen (gpgme-shim.h says why). */
#include "trust/gpgme-shim.h"

#include "common/lazylib.h"

#include <stdbool.h>

struct trust_gpgme_api trust_gpgme;

int trust_gpgme_load(struct brig_err *e)
{
	static bool loaded;
	if (loaded)
		return 0;
#define SYM(n) BRIG_LAZY_SYM(struct trust_gpgme_api, f_##n, "gpgme_" #n)
	static const struct brig_lazy_sym syms[] = {
		SYM(strerror),
		SYM(data_release),
		SYM(data_new_from_mem),
		SYM(release),
		SYM(new),
		SYM(key_unref),
		SYM(io_writen),
		SYM(get_key),
		SYM(signers_add),
		SYM(set_protocol),
		SYM(set_pinentry_mode),
		SYM(set_passphrase_cb),
		SYM(set_armor),
		SYM(op_verify_result),
		SYM(op_verify),
		SYM(op_sign),
		SYM(op_import_result),
		SYM(op_import),
		SYM(engine_check_version),
		SYM(data_new_from_cbs),
		SYM(ctx_set_engine_info),
		SYM(check_version_internal),
	};
#undef SYM
	/* GPGME 1.x's soname (Debian 12 ships 1.18). */
	int r = brig_lazy_load("libgpgme.so.11", syms, sizeof(syms) / sizeof(syms[0]), &trust_gpgme,
			       sizeof(trust_gpgme), e);
	if (r == 0)
		loaded = true;
	return r;
}
