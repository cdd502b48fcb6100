/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to engine/net: libnftables, loaded with dlopen the first time a
 * ruleset is applied (eng_nft_load).  Linked normally it (with libnftnl,
 * libxtables and libgmp) was loaded by every brig process, although only
 * network create, rm and attach use it (common/lazylib.h).
 *
 * After this header the nft_* functions engine/net calls name the loaded
 * ones; none may be called before eng_nft_load has succeeded.
 */
#ifndef BRIG_ENGINE_NET_NFT_SHIM_H
#define BRIG_ENGINE_NET_NFT_SHIM_H

#include <nftables/libnftables.h>

#include "common/errors.h"

struct eng_nft_api {
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_buffer_output) *ctx_buffer_output;
	__typeof__(nft_ctx_buffer_error) *ctx_buffer_error;
	__typeof__(nft_ctx_get_output_buffer) *ctx_get_output_buffer;
	__typeof__(nft_ctx_get_error_buffer) *ctx_get_error_buffer;
	__typeof__(nft_ctx_output_set_flags) *ctx_output_set_flags;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
};

/* Load libnftables once (later calls return at once): 0, or -ELIBACC. */
int eng_nft_load(struct brig_err *e);
extern struct eng_nft_api eng_nft;

#define nft_ctx_new (eng_nft.ctx_new)
#define nft_ctx_free (eng_nft.ctx_free)
#define nft_ctx_buffer_output (eng_nft.ctx_buffer_output)
#define nft_ctx_buffer_error (eng_nft.ctx_buffer_error)
#define nft_ctx_get_output_buffer (eng_nft.ctx_get_output_buffer)
#define nft_ctx_get_error_buffer (eng_nft.ctx_get_error_buffer)
#define nft_ctx_output_set_flags (eng_nft.ctx_output_set_flags)
#define nft_run_cmd_from_buffer (eng_nft.run_cmd_from_buffer)

#endif
