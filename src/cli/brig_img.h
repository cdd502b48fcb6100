/* SPDX-License-Identifier: Apache-2.0 */
/* brig's image commands: what they share (on top of image/store). */
#ifndef BRIG_CLI_BRIG_IMG_H
#define BRIG_CLI_BRIG_IMG_H

#include "cli/brig_cmd.h"
#include "image/store/store.h"

/* One image as the commands show it. */
struct brig_image {
	char manifest_digest[IMG_DIGEST_SIZE];
	char id[IMG_DIGEST_SIZE]; /* the config digest */
	uint64_t size;            /* config + layer blobs */
	struct img_config config; /* parsed */
	json_t *raw;              /* the config document as stored */
};
void brig_image_clear(struct brig_image *im);

/* The OCI name of this machine's architecture ("amd64"). */
const char *brig_host_arch(void);

/* Open ROOT/images (created when missing). */
int brig_store_open(const struct brig_global *g, struct img_store **out,
		    struct brig_err *e);
/* Load what an index.json descriptor names (for an index: the manifest for
 * this machine). */
int brig_image_load(struct img_store *s, const struct img_descriptor *d,
		    struct brig_image *out, struct brig_err *e);
/* "docker.io/library/busybox:latest" -> repo "busybox", tag "latest";
 * names that are no Docker reference are the repo, tag "<none>"; NULL is
 * "<none>" for both.  Both malloc'ed. */
int brig_split_name(const char *name, char **repo, char **tag, struct brig_err *e);
/* "busybox:latest" for a stored name (malloc'ed). */
char *brig_familiar(const char *name);
/* "4.26MB" (3 significant digits, SI units), "2 hours ago". */
void brig_human_size(uint64_t n, char buf[32]);
void brig_human_since(const char *created, char buf[64]);
/* "3 minutes" since an RFC 3339 time ("N/A" when unreadable). */
void brig_human_elapsed(const char *since, char buf[64]);
/* "k=v,k2=v2" of a labels object (malloc'ed; NULL on ENOMEM). */
char *brig_labels_text(const json_t *labels);
/* Render a template per element of arr, one line each, all or nothing. */
int brig_print_template(const char *text, const json_t *arr, struct brig_err *e);

/* Append the `image inspect` object of one image to out. */
int brig_image_inspect_json(struct img_store *s, const char *what, json_t *out,
			    struct brig_err *e);
/* Print an inspect array: indented JSON, or the template per element. */
int brig_print_inspect(const json_t *arr, const char *format, struct brig_err *e);

#endif
