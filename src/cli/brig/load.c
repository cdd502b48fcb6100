/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig load: images from a docker-archive or oci-archive (a file or stdin,
 * read once as a stream, so a pipe needs no spooling: every member goes
 * straight into the store as a blob).  See docs/archives.md.
 */
#include "cli/brig/brig-internal.h"
#include "image/archive/image-archive.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BARE_REPO_MAX 128

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
			return brig_err_set(e, -EINVAL,
					    "requested load from stdin, but stdin is a "
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
		if (!l->names || !l->names[0]) {
			printf("Loaded image ID: %s\n", l->id);
			continue;
		}
		for (char **n = l->names; *n; n++) {
			_cleanup_free_ char *f = brig_familiar(*n);
			printf("Loaded image: %s\n", f ? f : *n);
		}
	}
}

static int do_load(const struct brig_global *g, const char *file, bool strict, bool quiet,
		   const struct eng_trust_opts *trust, struct brig_err *e)
{
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_free_ char *repo = bare_repo(file);
	_cleanup_close_ int fd = open_input(file, e);
	if (fd < 0)
		return fd;
	struct img_load_result res = { 0 };
	int r = brig_engine_open(g, &eng, e);
	struct brig_fd_progress *bar = r == 0 ? brig_fd_progress_start(fd, "Loading", quiet) : NULL;
	if (r == 0)
		r = eng_load(eng, fd, repo, strict, trust,
			     file && strcmp(file, "-") != 0 ? file : NULL, &res, e);
	brig_fd_progress_stop(bar, r == 0);
	if (r == 0)
		print_loaded(&res);
	img_load_result_clear(&res);
	return r;
}

int brig_cmd_load(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("input", 'i', "FILE", "read from FILE instead of stdin"),
		OPT_FLAG("quiet", 'q', "no progress bar (one is drawn only on a terminal)"),
		OPT_FLAG("strict", 0,
			 "refuse a layer with device nodes (by default they are skipped, "
			 "with one line per layer)"),
		BRIG_TRUST_OPTS,
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("load", "", o, argc, argv, &pos, &npos, 0, 0);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		struct eng_trust_opts trust;
		if (brig_trust_opts(o, &trust, &e) < 0 ||
		    do_load(g, opts_find(o, "input")->value, opts_find(o, "strict")->set,
			    opts_find(o, "quiet")->set, &trust, &e) < 0) {
			brig_err_wrap(&e, "load");
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}
