/* SPDX-License-Identifier: Apache-2.0 */
/* brig import: a rootfs tarball becomes a one-layer OCI image. */
#include "cli/brig/brig-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Now as RFC 3339 with nanoseconds, in UTC. */
static int now_rfc3339(char buf[64], struct brig_err *e)
{
	struct timespec ts;
	struct tm tm;
	char base[32];
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return brig_err_sys(e, errno, "reading the clock");
	if (!gmtime_r(&ts.tv_sec, &tm) || !strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm))
		return brig_err_set(e, -EINVAL, "formatting the time");
	return brig_snprintf(buf, 64, "%s.%09ldZ", base, ts.tv_nsec) < 0 ? -ENAMETOOLONG : 0;
}

/* Stream in_fd into a new blob (hashed while written). */
static int ingest(struct img_store *s, int in_fd, char digest[IMG_DIGEST_SIZE], uint64_t *size,
		  struct brig_err *e)
{
	_cleanup_img_blob_writer_ struct img_blob_writer *w = NULL;
	int r = img_blob_writer_open(s, NULL, UINT64_MAX, &w, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = malloc(1 << 20);
	if (!buf)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t n = BRIG_RETRY(read(in_fd, buf, 1 << 20));
		if (n < 0)
			return brig_err_sys(e, errno, "reading the tarball");
		if (n == 0)
			break;
		r = img_blob_write(w, buf, (size_t)n, e);
		if (r < 0)
			return r;
	}
	return img_blob_commit(w, digest, size, e);
}

static json_t *build_config(const char *diff_id, const char *created, json_t *cfg)
{
	return json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "created", created,
			 "architecture", brig_host_arch(), "os", "linux", "config", cfg, "rootfs",
			 "type", "layers", "diff_ids", diff_id, "history", "created", created,
			 "created_by", "brig import");
}

static const char *layer_media_type(int comp)
{
	return comp == IMG_COMP_GZIP    ? IMG_MT_OCI_LAYER_GZIP
		: comp == IMG_COMP_ZSTD ? IMG_MT_OCI_LAYER_ZSTD
					: IMG_MT_OCI_LAYER;
}

/* Serialise a document and store it as a blob. */
static int put_json(struct img_store *s, json_t *doc, char digest[IMG_DIGEST_SIZE], uint64_t *size,
		    struct brig_err *e)
{
	if (!doc)
		return brig_err_set(e, -ENOMEM, "building a JSON document");
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		return brig_err_set(e, -ENOMEM, "serialising a JSON document");
	*size = strlen(text);
	return img_blob_put(s, text, *size, digest, e);
}

struct layer_info {
	char digest[IMG_DIGEST_SIZE];
	char diff_id[IMG_DIGEST_SIZE];
	uint64_t size;
	int comp;
};

/* Write config and manifest; fill the manifest's descriptor fields. */
static int write_image(struct img_store *s, const struct layer_info *l, json_t *cfg,
		       char config_digest[IMG_DIGEST_SIZE], char manifest_digest[IMG_DIGEST_SIZE],
		       uint64_t *manifest_size, struct brig_err *e)
{
	char created[64];
	uint64_t config_size;
	int r = now_rfc3339(created, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *config = build_config(l->diff_id, created, cfg);
	r = put_json(s, config, config_digest, &config_size, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *manifest = json_pack(
		"{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
		"mediaType", IMG_MT_OCI_MANIFEST, "config", "mediaType", IMG_MT_OCI_CONFIG,
		"digest", config_digest, "size", (json_int_t)config_size, "layers", "mediaType",
		layer_media_type(l->comp), "digest", l->digest, "size", (json_int_t)l->size);
	return put_json(s, manifest, manifest_digest, manifest_size, e);
}

static int open_input(const char *file, struct brig_err *e)
{
	int fd = strcmp(file, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
					: open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", strcmp(file, "-") ? file : "stdin");
	return fd;
}

/* The name must be NAME[:TAG], without a digest. */
static int check_name(const char *name, struct brig_err *e)
{
	struct img_ref ref;
	int r = img_ref_parse(name, &ref, e);
	if (r < 0)
		return r;
	bool digest = ref.digest[0] != 0;
	img_ref_clear(&ref);
	if (digest)
		return brig_err_set(e, -EINVAL,
				    "%s: an imported image is named NAME[:TAG], "
				    "without a digest",
				    name);
	return 0;
}

/* Blob, unpacked layer, config, manifest, name. */
static int do_import(const struct brig_global *g, const char *file, const char *name, json_t *cfg,
		     char image_id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	struct layer_info l = { 0 };
	int r = check_name(name, e);
	if (r < 0 || (r = brig_store_open(g, &s, e)) < 0 || (r = img_store_lease(s, e)) < 0)
		return r;
	_cleanup_close_ int in_fd = open_input(file, e);
	if (in_fd < 0)
		return in_fd;
	if ((r = ingest(s, in_fd, l.digest, &l.size, e)) < 0)
		return r;
	_cleanup_close_ int blob_fd = -1;
	if ((r = img_blob_open(s, l.digest, false, &blob_fd, e)) < 0 ||
	    (r = eng_layer_unpack_to(g->root, blob_fd, l.digest, l.diff_id, &l.comp, e)) < 0)
		return r;
	struct img_descriptor m = { .media_type = (char *)IMG_MT_OCI_MANIFEST };
	if ((r = write_image(s, &l, cfg, image_id, m.digest, &m.size, e)) < 0)
		return r;
	return img_store_tag(s, &m, name, e);
}

/* The "config" object: the default PATH, then every --change. */
static json_t *make_cfg(const struct opt *change, struct brig_err *e)
{
	json_t *cfg = json_pack("{s:[s]}", "Env", DEFAULT_PATH);
	if (!cfg) {
		brig_err_set(e, -ENOMEM, "out of memory");
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
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("import", "FILE|- NAME[:TAG]", o, argc, argv, &pos, &npos, 2, 2);
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *cfg = p > 0 ? make_cfg(&o[0], &e) : NULL;
	opts_free(o);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	char id[IMG_DIGEST_SIZE];
	if (!cfg || do_import(g, pos[0], pos[1], cfg, id, &e) < 0) {
		brig_err_wrap(&e, "import");
		return brig_fail(&e);
	}
	printf("%s\n", id);
	return 0;
}
