/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig load: images from a docker-archive or oci-archive (a file or stdin,
 * read once as a stream, so a pipe needs no spooling: every member goes
 * straight into the store as a blob).  See docs/archives.md.
 */
#include "cli/brig_img.h"
#include "image/archive/archive.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BARE_REPO_MAX 128

/* 1 when ROOT/layers/<diff_id hex> is already an unpacked layer. */
static int layer_cached(const char *root, const char *diff_id, struct brig_err *e)
{
	if (!brig_digest_valid(diff_id))
		return brig_err_set(e, -EINVAL, "'%s' is not a sha256 diff_id", diff_id);
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/layers/%s", root, diff_id + strlen("sha256:")) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	struct stat st;
	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "%s", path);
	return S_ISDIR(st.st_mode) ? 1 : 0;
}

/* Check a loaded layer (its diff_id and its entries) and unpack it into
 * ROOT/layers, once per diff_id: an unpacked layer is reused. */
static int unpack_layer(void *ctx, struct img_store *s, const struct img_descriptor *l,
			const char *diff_id, struct brig_err *e)
{
	const struct brig_global *g = ctx;
	_cleanup_close_ int fd = -1;
	char got[IMG_DIGEST_SIZE];
	int comp = 0;
	int r = img_blob_open(s, l->digest, false, &fd, e);
	if (r == 0)
		r = img_archive_layer_check(fd, got, e);
	if (r == 0 && strcmp(got, diff_id) != 0)
		r = brig_err_set(e, -EBADMSG, "its content has diff_id %s, the config says %s",
				 got, diff_id);
	int cached = r == 0 ? layer_cached(g->root, diff_id, e) : r;
	if (cached == 0 && lseek(fd, 0, SEEK_SET) < 0)
		cached = brig_err_sys(e, errno, "rewinding the blob");
	if (cached == 0)
		cached = brig_layer_unpack_to(g->root, fd, l->digest, got, &comp, e);
	if (cached == 0 && strcmp(got, diff_id) != 0)
		cached = brig_err_set(e, -EBADMSG, "unpacked diff_id %s, the config says %s",
				      got, diff_id);
	return cached < 0 ? brig_err_wrap(e, "layer %s", l->digest) : 0;
}

/* "localhost/NAME" for an oci-archive image known only by a tag: NAME is
 * the file's name without its extensions, made a valid repository. */
static char *bare_repo(const char *file)
{
	if (!file || strcmp(file, "-") == 0)
		return NULL;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	char name[BARE_REPO_MAX + 1];
	size_t n = 0;
	for (const char *p = base; *p && *p != '.' && n < BARE_REPO_MAX; p++) {
		char c = (char)tolower((unsigned char)*p);
		bool ok = isalnum((unsigned char)c) || c == '_' || c == '-';
		if (ok && !(n == 0 && (c == '_' || c == '-')))
			name[n++] = c;
	}
	while (n > 0 && (name[n - 1] == '-' || name[n - 1] == '_'))
		n--;
	name[n] = 0;
	char *out = NULL;
	if (n == 0 || asprintf(&out, "localhost/%s", name) < 0)
		return NULL;
	return out;
}

static int open_input(const char *file, struct brig_err *e)
{
	if (!file || strcmp(file, "-") == 0) {
		if (isatty(STDIN_FILENO))
			return brig_err_set(e, -EINVAL, "requested load from stdin, but stdin is a "
					    "terminal: use -i FILE or a pipe");
		int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? brig_err_sys(e, errno, "stdin") : fd;
	}
	int fd = BRIG_RETRY(open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY));
	return fd < 0 ? brig_err_sys(e, errno, "opening %s", file) : fd;
}

static void print_loaded(const struct img_load_result *res)
{
	for (size_t i = 0; i < res->n_images; i++) {
		const struct img_loaded *l = &res->images[i];
		if (!l->names) {
			printf("Loaded image ID: %s\n", l->id);
			brig_warn("image %s has no name in the archive: the store cannot keep "
				  "an image without a name yet, `brig image prune` will remove "
				  "its blobs", l->id);
			continue;
		}
		for (char **n = l->names; *n; n++) {
			_cleanup_free_ char *f = brig_familiar(*n);
			printf("Loaded image: %s\n", f ? f : *n);
		}
	}
}

static int do_load(const struct brig_global *g, const char *file, struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	_cleanup_free_ char *repo = bare_repo(file);
	_cleanup_close_ int fd = open_input(file, e);
	if (fd < 0)
		return fd;
	int r = brig_store_open(g, &s, e);
	if (r < 0 || (r = img_store_lease(s, e)) < 0)
		return r;
	struct img_load_opts o = { .unpack_layer = unpack_layer, .ctx = (void *)g,
				   .bare_tag_repo = repo };
	struct img_load_result res = { 0 };
	r = img_archive_load(s, fd, &o, &res, e);
	if (r == 0)
		print_loaded(&res);
	img_load_result_clear(&res);
	return r;
}

int brig_cmd_load(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "input", 'i', OPT_STR, "read from FILE instead of stdin", "FILE", false, NULL, NULL, 0 },
		{ "quiet", 'q', OPT_BOOL, "no progress output (brig prints none)", NULL, false, NULL, NULL, 0 },
		{ "help", 'h', OPT_BOOL, "show this help", NULL, false, NULL, NULL, 0 },
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("load", "", o, argc, argv, &pos, &npos, 0, 0);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (do_load(g, opts_find(o, "input")->value, &e) < 0) {
			brig_err_wrap(&e, "load");
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}
