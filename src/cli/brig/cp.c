/* SPDX-License-Identifier: Apache-2.0 */
/* brig cp: copy files between a container and the host. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "CONTAINER:PATH" as Docker reads it: a colon before any slash, in an
 * argument that does not start with "/" or "." (write ./a:b for a local
 * file named so).  Splits arg; NULL when it is a local path. */
static char *container_part(char *arg, char **path)
{
	char *colon = strchr(arg, ':');
	if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg ||
	    memchr(arg, '/', (size_t)(colon - arg)))
		return NULL;
	*colon = '\0';
	*path = colon + 1;
	return arg;
}

static int cp_one(struct eng *eng, const char *id, const char *what, void *arg, struct brig_err *e)
{
	(void)what;
	return eng_cp(eng, id, arg, e);
}

int brig_cmd_cp(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("archive", 'a', "keep owners (uid/gid) as they are"),
		OPT_FLAG("follow-link", 'L', "follow the source if it is a symlink"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("cp", "CONTAINER:SRC DEST|- | SRC|- CONTAINER:DEST", o, argc, argv, &pos,
			   &npos, 2, 2);
	struct eng_cp_opts c = { .archive = o[0].set, .follow = o[1].set };
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	char *src_path = NULL, *dst_path = NULL;
	char *src_ctr = container_part(pos[0], &src_path);
	char *dst_ctr = container_part(pos[1], &dst_path);
	if (!src_ctr == !dst_ctr) {
		fprintf(stderr, "brig: cp: exactly one of SRC and DEST must be CONTAINER:PATH\n");
		return BRIG_EXIT_FAIL;
	}
	c.tar_fd = -1;
	if (strcmp(src_ctr ? pos[1] : pos[0], "-") == 0) {
		c.tar_fd = src_ctr ? STDOUT_FILENO : STDIN_FILENO;
		if (src_ctr && isatty(STDOUT_FILENO)) {
			fprintf(stderr, "brig: cp: refusing to write a tar to a terminal\n");
			return BRIG_EXIT_FAIL;
		}
	}
	c.to_container = dst_ctr != NULL;
	c.ctr_path = src_ctr ? src_path : dst_path;
	c.host_path = src_ctr ? pos[1] : pos[0];
	if (!c.ctr_path[0]) {
		fprintf(stderr, "brig: cp: an empty path in the container\n");
		return BRIG_EXIT_FAIL;
	}
	char *name = src_ctr ? src_ctr : dst_ctr;
	return brig_for_each_container(g, &name, 1, cp_one, &c);
}
