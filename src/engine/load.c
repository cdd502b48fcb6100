/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig load: the archive is read by image/archive (every member into the
 * store as a blob, the metadata checked, names given last), and each layer
 * it names is unpacked into this engine's layer cache as it arrives.
 */
#include "engine/engine-internal.h"
#include "image/archive/image-archive.h"
#include "engine/provenance-internal.h"
#include "engine/config/engine-config.h"

#include <stdlib.h>

int eng_load(struct eng *g, int fd, const char *bare_repo, bool strict,
	     const struct eng_trust_opts *trust, const char *path, struct img_load_result *res,
	     struct brig_err *e)
{
	struct img_store *s = NULL;
	int r = eng_store(g, &s, e);
	if (r < 0 || (r = img_store_lease(s, e)) < 0)
		return r;
	_cleanup_close_ int layers = eng_layers_open(g->root, e);
	if (layers < 0)
		return layers;
	struct img_layer_cache cache = { .dirfd = layers, .strict_devices = strict };
	_cleanup_free_ char *abs = path ? realpath(path, NULL) : NULL;
	if (path && !abs)
		return brig_err_sys(e, errno, "%s", path);
	struct eng_trust_opts buf;
	struct eng_load_check lc = { .trust = eng_prov_effective(trust, g->cfg->content_trust,
								 &buf),
				     .path = abs ? abs : "/dev/stdin" };
	struct img_load_opts o = { .unpack_layer = img_archive_unpack_cached,
				   .ctx = &cache,
				   .bare_tag_repo = bare_repo,
				   .check = eng_prov_load_check,
				   .check_ctx = &lc };
	r = img_archive_load(s, fd, &o, res, e);
	if (r == 0)
		r = eng_prov_load_commit(g->root, &lc, e);
	json_decref(lc.keep);
	return r;
}
