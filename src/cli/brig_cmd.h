/* SPDX-License-Identifier: Apache-2.0 */
/* brig's commands: shared declarations of the brig command line. */
#ifndef BRIG_CLI_BRIG_CMD_H
#define BRIG_CLI_BRIG_CMD_H

#include "common/common.h"
#include "cli/opts.h"

/* Exit status of every failing brig command (Docker's). */
#define BRIG_EXIT_FAIL 125

struct brig_global {
	const char *root; /* the store root: ROOT/images, ROOT/layers */
	const char *storage_driver; /* --storage-driver: overlay, copy or NULL */
	const char *config;         /* --config FILE, or NULL (/etc/brig/brig.conf) */
};

/* Print "brig: MESSAGE" as one line on stderr; returns BRIG_EXIT_FAIL. */
int brig_fail(struct brig_err *e);
/* Parse a command's options; prints help when asked.  Returns 1 to go on,
 * 0 when help was printed, -1 after a usage error (already printed). */
int brig_parse(const char *name, const char *args, struct opt *o, int argc,
	       char **argv, char ***pos, size_t *npos, size_t min, size_t max);

/* ROOT/images (malloc'ed into *out). */
int brig_images_dir(const struct brig_global *g, char **out, struct brig_err *e);

/*
 * Unpack the layer read from in_fd into ROOT/layers/<diff_id hex>: into a
 * fresh ROOT/layers/.tmp-XXXXXX first, renamed into place (an existing
 * layer directory is kept).  The bytes read must hash to digest.  Fills
 * diff_id and comp (0 none, 1 gzip, 2 zstd).  Nothing is left behind on
 * failure.
 */
int brig_layer_unpack_to(const char *root, int in_fd, const char *digest,
			 char diff_id[72], int *comp, struct brig_err *e);

/* Apply one --change instruction (USER, ENV, ENTRYPOINT, CMD, WORKDIR,
 * LABEL) to an image config's "config" object. */
int brig_change_apply(json_t *cfg, const char *change, struct brig_err *e);

int brig_cmd_import(const struct brig_global *g, int argc, char **argv);
int brig_cmd_images(const struct brig_global *g, int argc, char **argv);
int brig_cmd_tag(const struct brig_global *g, int argc, char **argv);
int brig_cmd_rmi(const struct brig_global *g, int argc, char **argv);
int brig_cmd_inspect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_prune(const struct brig_global *g, int argc, char **argv);
int brig_cmd_load(const struct brig_global *g, int argc, char **argv);
int brig_cmd_save(const struct brig_global *g, int argc, char **argv);
int brig_cmd_system_check(const struct brig_global *g, int argc, char **argv);

#endif
