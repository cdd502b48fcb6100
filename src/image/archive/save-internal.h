/* SPDX-License-Identifier: Apache-2.0 */
/* image/archive: the tar writer used by img_archive_save (private). */
#ifndef BRIG_IMAGE_ARCHIVE_SAVE_H
#define BRIG_IMAGE_ARCHIVE_SAVE_H

#include "image/archive/archive-internal.h"

struct archive;

struct arc_writer {
	struct img_store *s;
	struct archive *a;
	int fd;
	int write_errno;
	char (*written)[IMG_DIGEST_SIZE]; /* blobs already in the archive */
	size_t n_written, cap;
};

int arc_writer_open(struct arc_writer *w, struct img_store *s, int fd, struct brig_err *e);
/* Write the end of the archive (then free with arc_writer_free). */
int arc_writer_close(struct arc_writer *w, struct brig_err *e);
void arc_writer_free(struct arc_writer *w);
int arc_writer_fail(struct arc_writer *w, const char *what, struct brig_err *e);
int arc_writer_dir(struct arc_writer *w, const char *name, struct brig_err *e);
int arc_writer_mem(struct arc_writer *w, const char *name, const void *buf, size_t len,
		   struct brig_err *e);
/* The blob as member name, once per digest (a second call does nothing);
 * its content must hash to digest. */
int arc_writer_blob(struct arc_writer *w, const char *digest, const char *name, struct brig_err *e);

#endif
