/* SPDX-License-Identifier: Apache-2.0 */
/* brig import: a rootfs tarball becomes a one-layer OCI image (engine/import.c). */
#include "cli/brig/brig-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=" BRIG_DEFAULT_PATH

static int open_input(const char *file, struct brig_err *e)
{
	int fd = strcmp(file, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
					: open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", strcmp(file, "-") ? file : "stdin");
	return fd;
}

static int do_import(const struct brig_global *g, const char *file, const char *name, json_t *cfg,
		     bool quiet, char image_id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_close_ int fd = open_input(file, e);
	if (fd < 0)
		return fd;
	int r = brig_engine_open(g, &eng, e);
	if (r < 0)
		return r;
	struct brig_fd_progress *bar = brig_fd_progress_start(fd, "Importing", quiet);
	r = eng_import(eng, fd, name, cfg, image_id, e);
	brig_fd_progress_stop(bar, r == 0);
	return r;
}

/* The "config" object: the default PATH, then every --change. */
static json_t *make_cfg(const struct opt *change, struct brig_err *e)
{
	json_t *cfg = json_pack("{s:[s]}", "Env", DEFAULT_PATH);
	if (!cfg) {
		brig_err_oom(e);
		return NULL;
	}
	for (size_t i = 0; i < change->n; i++)
		if (brig_change_apply(cfg, change->list[i], e) < 0) {
			json_decref(cfg);
			return NULL;
		}
	return cfg;
}

int brig_cmd_import(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_MULTI(
			"change", 'c', "INSTR",
			"apply a Dockerfile instruction (USER, ENV, ENTRYPOINT, CMD, WORKDIR, LABEL)"),
		OPT_FLAG(
			"quiet", 'q',
			"no progress bar, only the image's id (a bar is drawn only on a terminal)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("import", "FILE|- NAME[:TAG]", o, argc, argv, &pos, &npos, 1, 2);
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *cfg = p > 0 ? make_cfg(&o[0], &e) : NULL;
	bool quiet = opts_find(o, "quiet")->set;
	opts_free(o);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	if (npos < 2) { /* Docker makes an untagged image */
		fprintf(stderr,
			"brig import: an import without a NAME (an untagged image) does "
			"not exist in brig yet\n");
		return BRIG_EXIT_FAIL;
	}
	char id[IMG_DIGEST_SIZE];
	if (!cfg || do_import(g, pos[0], pos[1], cfg, quiet, id, &e) < 0) {
		brig_err_wrap(&e, "import");
		return brig_fail(&e);
	}
	printf("%s\n", id);
	return 0;
}
