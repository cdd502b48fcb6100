/* SPDX-License-Identifier: Apache-2.0 */
/* libnftables through dlopen (nft-shim.h says why). */
#include "engine/net/nft-shim.h"

#include "common/lazylib.h"

#include <stdbool.h>

struct eng_nft_api eng_nft;

int eng_nft_load(struct brig_err *e)
{
	static bool loaded;
	if (loaded)
		return 0;
#define SYM(field, name) BRIG_LAZY_SYM(struct eng_nft_api, field, name)
	static const struct brig_lazy_sym syms[] = {
		SYM(ctx_new, "nft_ctx_new"),
		SYM(ctx_free, "nft_ctx_free"),
		SYM(ctx_buffer_output, "nft_ctx_buffer_output"),
		SYM(ctx_buffer_error, "nft_ctx_buffer_error"),
		SYM(ctx_get_output_buffer, "nft_ctx_get_output_buffer"),
		SYM(ctx_get_error_buffer, "nft_ctx_get_error_buffer"),
		SYM(ctx_output_set_flags, "nft_ctx_output_set_flags"),
		SYM(run_cmd_from_buffer, "nft_run_cmd_from_buffer"),
	};
#undef SYM
	/* libnftables 1.0, Debian 12's. */
	int r = brig_lazy_load("libnftables.so.1", syms, sizeof(syms) / sizeof(syms[0]), &eng_nft,
			       sizeof(eng_nft), e);
	if (r == 0)
		loaded = true;
	return r;
}
