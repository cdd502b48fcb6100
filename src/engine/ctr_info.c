/* SPDX-License-Identifier: Apache-2.0 */
/* What `ps -s` and `top` learn about a container: the size of its root,
 * and the names its users have inside it. */
#include "engine/engine-internal.h"
#include "engine/record-internal.h"
#include "engine/user-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The bytes of each layer of rec beneath ROOT/layers. */
static int layers_bytes(struct eng *g, const struct eng_record *rec, uint64_t *sum,
			struct brig_err *e)
{
	_cleanup_close_ int fd = eng_layers_open(eng_root(g), e);
	if (fd < 0)
		return fd;
	size_t i;
	json_t *l;
	json_array_foreach(rec->layers, i, l)
	{
		const char *d = json_string_value(json_object_get(l, "diffId"));
		uint64_t n = 0;
		if (d && strncmp(d, "sha256:", 7) == 0 && brig_du(fd, d + 7, &n, NULL) == 0)
			*sum += n;
	}
	return 0;
}

int eng_ctr_size(struct eng *g, const char *id, uint64_t *rw, uint64_t *rootfs, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec = { 0 };
	bool whole = false;
	int r = eng_record_current(g, id, &rec, e);
	if (r < 0)
		return r;
	*rw = *rootfs = 0;
	_cleanup_close_ int fd = eng_ctr_changes_open(g, &rec, &whole, e);
	if (fd < 0)
		return fd;
	r = brig_du(fd, ".", rw, NULL);
	if (r < 0)
		return brig_err_sys(e, -r, "measuring container %.12s's changes", id);
	*rootfs = *rw;
	return whole ? 0 : layers_bytes(g, &rec, rootfs, e);
}
