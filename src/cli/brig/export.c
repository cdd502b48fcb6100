/* SPDX-License-Identifier: Apache-2.0 */
/* brig export: a container's filesystem as a tar (-o FILE, or stdout when
 * that is not a terminal). */
#include "cli/brig/brig-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* -o FILE (written through a temporary name, renamed when whole) or
 * stdout. */
static int export_one(struct eng *eng, const char *id, const char *what, void *arg,
		      struct brig_err *e)
{
	(void)what;
	const char *file = arg;
	if (!file)
		return eng_export(eng, id, STDOUT_FILENO, e);
	char tmp[4096];
	if (brig_snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", file) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: too long", file);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return brig_err_sys(e, errno, "creating %s", tmp);
	int r = eng_export(eng, id, fd, e);
	if (r == 0 && fsync(fd) < 0)
		r = brig_err_sys(e, errno, "writing %s", tmp);
	if (r == 0 && rename(tmp, file) < 0)
		r = brig_err_sys(e, errno, "renaming to %s", file);
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

int brig_cmd_export(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("output", 'o', "FILE", "write the tar to FILE, not stdout"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("export", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	const char *file = o[0].value && strcmp(o[0].value, "-") != 0 ? o[0].value : NULL;
	if (p > 0 && !file && isatty(STDOUT_FILENO)) {
		fputs("brig: export: refusing to write a tar to a terminal (use -o FILE or a "
		      "redirection)\n",
		      stderr);
		p = -1;
	}
	int r = p > 0   ? brig_for_each_container(g, pos, 1, export_one, (void *)file)
		: p < 0 ? BRIG_EXIT_FAIL
			: 0;
	opts_free(o);
	return r;
}
