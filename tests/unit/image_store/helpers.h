/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the image/store unit tests. */
#ifndef BRIG_TEST_IMAGE_STORE_HELPERS_H
#define BRIG_TEST_IMAGE_STORE_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "image/store/store.h"

/* A fresh directory under /tmp (static buffer per call site: copy it). */
void th_mkdtemp(char *buf, size_t size);
void th_rmtree(const char *dir);

/* A store at a new temporary directory; th_store_dir names it. */
struct img_store *th_store_new(char *dir, size_t size);

/* Build a one-file tar archive ("hello" holding content). */
void th_tar(const char *content, char **buf, size_t *len);

struct th_image {
	char layer[IMG_DIGEST_SIZE];
	size_t layer_size;
	char config[IMG_DIGEST_SIZE];
	size_t config_size;
	char manifest[IMG_DIGEST_SIZE];
	char *manifest_json; /* the stored bytes */
	size_t manifest_size;
	struct img_descriptor desc; /* of the manifest */
};
/* Store a small complete image (layer, config, manifest) made from content. */
void th_make_image(struct img_store *s, const char *content, struct th_image *out);
void th_image_clear(struct th_image *im);
/* The config th_make_image writes, and its digest (the image ID). */
char *th_config_json(const char *content, const char *layer_digest);
void th_config_digest(const char *content, char digest[IMG_DIGEST_SIZE]);

/* Write data to path (plain, for planting hostile files). */
void th_write(const char *path, const void *data, size_t len);
/* Number of ".tmp-*" files in dir/blobs/sha256. */
int th_count_temps(const char *dir);

/* Run argv; stdout into *out (may be NULL), stderr discarded.  Returns the
 * exit status, or -1 when it did not exit normally. */
int th_run(char *const argv[], char **out);
/* Whether an executable is on PATH. */
bool th_have(const char *prog);

/* assert that e's message contains each NULL-terminated substring */
void th_err_has(struct brig_err *e, ...);

#endif
