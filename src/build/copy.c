/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COPY and ADD of local files (--from=STAGE|IMAGE, --chown=USER[:GROUP],
 * --chmod=OCTAL, --link accepted), and WORKDIR's directory: a staging tree
 * (stage.c) packed into one layer.  ADD of a URL or of a local archive is
 * refused with a message rather than done differently from Docker.
 */
#include "build/build-internal.h"

#include "image/layer/layer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct copy_req {
	uid_t uid;
	gid_t gid;
	int chmod_bits;
	const char *from;
	const char *checksum; /* ADD URL --checksum=sha256:HEX */
};

/* --chown=UID[:GID] as numbers, or with names looked up in the stage's
 * /etc/passwd and /etc/group (its layers, read through the safe resolver,
 * as USER is): a name without a group takes its passwd entry's group. */
static int chown_ids(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		     const char *f, struct copy_req *q, struct brig_err *e)
{
	char *end = NULL;
	unsigned long u = strtoul(f + 8, &end, 10), g = u;
	if (end != f + 8 && *end == ':' && end[1] >= '0' && end[1] <= '9')
		g = strtoul(end + 1, &end, 10);
	if (end != f + 8 && !*end && f[8] != '-' && u <= 0x7fffffff && g <= 0x7fffffff) {
		q->uid = (uid_t)u;
		q->gid = (gid_t)g;
		return 0;
	}
	uint32_t uid, gid;
	if (bld_state_user(c, st, f + 8, &uid, &gid, e) < 0)
		return brig_err_wrap(e, "%s:%u: %s %s", c->df_name, in->line, in->cmd, f);
	if (uid > 0x7fffffff || gid > 0x7fffffff)
		return brig_err_set(e, -ERANGE, "%s:%u: %s %s: ids above 2^31", c->df_name,
				    in->line, in->cmd, f);
	q->uid = (uid_t)uid;
	q->gid = (gid_t)gid;
	return 0;
}

static int parse_flags(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		       struct copy_req *q, struct brig_err *e)
{
	*q = (struct copy_req){ .chmod_bits = -1 };
	for (size_t i = 0; i < in->n_flags; i++) {
		const char *f = in->flags[i];
		char *end = NULL;
		if (!strncmp(f, "--from=", 7) && f[7]) {
			q->from = f + 7;
		} else if (!strncmp(f, "--chown=", 8)) {
			int r = chown_ids(c, st, in, f, q, e);
			if (r < 0)
				return r;
		} else if (!strncmp(f, "--checksum=", 11) && !strcmp(in->cmd, "ADD")) {
			if (!brig_digest_valid(f + 11) || strncmp(f + 11, "sha256:", 7) != 0)
				return brig_err_set(e, -EINVAL, "%s:%u: %s: expected sha256:HEX",
						    c->df_name, in->line, f);
			q->checksum = f + 11;
		} else if (!strncmp(f, "--chmod=", 8)) {
			unsigned long m = strtoul(f + 8, &end, 8);
			if (end == f + 8 || *end || m > 07777)
				return brig_err_set(e, -EINVAL, "%s:%u: %s: expected octal bits",
						    c->df_name, in->line, f);
			q->chmod_bits = (int)m;
		} else if (strcmp(f, "--link") != 0 && strcmp(f, "--link=true") != 0) {
			return brig_err_set(e, -EINVAL, "%s:%u: %s: unknown flag %s", c->df_name,
					    in->line, in->cmd, f);
		}
	}
	return 0;
}

/* A tar (plain, gzip or zstd) whose whiteouts would delete files of the
 * image below: refused. */
static int no_whiteouts(void *arg, const struct img_layer_entry *ent, struct brig_err *e)
{
	(void)arg;
	if (ent->type == 'w')
		return brig_err_set(e, -EPERM, "%s: a whiteout (.wh.) entry", ent->path);
	return 0;
}

/* ADD of a local archive: unpacked into dst by the safe layer unpacker in
 * strict mode (no absolute names, no "..", nothing beneath a symlink of the
 * archive, no devices), after a first pass that refuses whiteouts. */
static int add_archive(struct bld_ctx *c, const struct bld_instr *in, int root, const char *rel,
		       int dst, struct brig_err *e)
{
	_cleanup_close_ int fd = bld_open_beneath(root, rel, O_RDONLY | O_NONBLOCK, e);
	struct img_unpack_opts o = { .visit = no_whiteouts,
				     .strict = true,
				     .strict_devices = true };
	struct img_unpack_result res = { 0 };
	int r = fd < 0 ? fd : img_layer_unpack(fd, -1, &o, &res, e);
	img_unpack_result_clear(&res);
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = brig_err_sys(e, errno, "rewinding %s", rel);
	if (r == 0) {
		o.visit = NULL;
		r = img_layer_unpack(fd, dst, &o, &res, e);
		img_unpack_result_clear(&res);
	}
	return r < 0 ? brig_err_wrap(e, "%s:%u: ADD %s", c->df_name, in->line, rel) : 0;
}

static bool is_archive(int root, const char *rel)
{
	unsigned char b[512];
	_cleanup_err_ struct brig_err e2 = { 0 };
	_cleanup_close_ int fd = bld_open_beneath(root, rel, O_RDONLY | O_NONBLOCK, &e2);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return false;
	ssize_t n = brig_read_all(fd, b, sizeof(b));
	return (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) || (n >= 3 && !memcmp(b, "BZh", 3)) ||
		(n >= 6 &&
		 !memcmp(b,
			 "\xfd"
			 "7zXZ",
			 5)) ||
		(n >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4)) ||
		(n >= 262 && !memcmp(b + 257, "ustar", 5));
}

/* Where the sources go: the directory (staged) and, for one file to a
 * file name, that name. */
static int dest_dir(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		    const char *dest, bool want_dir, int stage, char dir[PATH_MAX],
		    char name[NAME_MAX + 1], struct brig_err *e)
{
	const char *wd = json_string_value(json_object_get(bld_cfg(st), "WorkingDir"));
	char joined[PATH_MAX], res[PATH_MAX], link[PATH_MAX];
	size_t dl = strlen(dest);
	if (brig_snprintf(joined, sizeof(joined), "%s/%s", dest[0] == '/' || !wd ? "" : wd, dest) <
		    0 ||
	    bld_img_resolve(c, st, joined, res, e) < 0)
		return brig_err_wrap(e, "%s:%u: %s destination %s", c->df_name, in->line, in->cmd,
				     dest);
	struct stat sb = { 0 };
	int r = res[0] ? bld_img_lookup(c, st, res, &sb, link, e) : 1;
	if (r < 0)
		return r;
	bool is_dir = want_dir || (dl > 0 && dest[dl - 1] == '/') || !res[0] ||
		(r == 1 && S_ISDIR(sb.st_mode));
	name[0] = '\0';
	if (!is_dir) {
		char *slash = strrchr(res, '/');
		if (brig_snprintf(name, NAME_MAX + 1, "%s", slash ? slash + 1 : res) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "%s: a name too long", dest);
		if (slash)
			*slash = '\0';
		else
			res[0] = '\0';
	}
	snprintf(dir, PATH_MAX, "%s", res);
	if ((r = bld_img_mkdirs(c, st, stage, dir, e)) < 0)
		return r;
	if (is_dir && dir[0] && mkdirat(stage, dir, 0755) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "staging /%s", dir);
	return 0;
}

/* --from=NAME: the named stage's (or image's) files, the sources copied
 * out of a container of it (never started) into tmp/<source>. */
int bld_from_root(struct bld_ctx *c, const struct bld_instr *in, const char *from, char **srcs,
		  size_t n, int tmp, struct brig_err *e)
{
	size_t idx;
	char image_id[IMG_DIGEST_SIZE], id[ENG_ID_LEN + 1], path[PATH_MAX], clean[PATH_MAX];
	struct img_descriptor md = { 0 };
	char step_image[IMG_DIGEST_SIZE] = "";
	int r = 0;
	size_t here = (size_t)(in - c->f->v);
	int found = bld_stage_find(c, from, here, &idx);
	if (found == -ELOOP)
		return brig_err_set(e, -ELOOP, "%s:%u: COPY --from=%s: not an earlier stage",
				    c->df_name, in->line, from);
	if (found == 0) {
		if ((r = bld_stage_build(c, idx, e)) == 0)
			r = bld_image_put(c, &c->st[idx], image_id, &md, e);
		if (r == 0 && (r = img_store_add(c->s, &md, e)) == 0)
			memcpy(step_image, md.digest, sizeof(step_image));
		img_descriptor_clear(&md);
	} else {
		snprintf(image_id, sizeof(image_id), "%s", from);
		/* an image: --pull fetches it first */
		if ((r = bld_pull(c, from, e)) < 0)
			return brig_err_wrap(e, "%s:%u: %s --from=%s", c->df_name, in->line,
					     in->cmd, from);
	}
	if (r < 0 ||
	    (r = bld_ctr_make(c, image_id, (char *[]){ (char *)"/.brig-build-copy", NULL }, NULL,
			      NULL, false, id, e)) < 0)
		return r;
	c->res->runs++;
	char tmp_path[PATH_MAX];
	r = brig_fd_path(tmp, tmp_path, sizeof(tmp_path));
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (brig_path_clean(srcs[i], BRIG_PATH_CLAMP, clean, sizeof(clean)) < 0 ||
		    !clean[0])
			r = brig_err_set(e, -EINVAL, "--from: bad source %s", srcs[i]);
		char *slash = r == 0 ? strrchr(clean, '/') : NULL;
		if (slash) {
			*slash = '\0';
			r = brig_mkdir_p(tmp, clean, 0755, e);
			*slash = '/';
		}
		struct eng_cp_opts o = { .ctr_path = path, .host_path = tmp_path, .tar_fd = -1 };
		char host[PATH_MAX * 2];
		if (r == 0 &&
		    (brig_snprintf(path, sizeof(path), "/%s", clean) < 0 ||
		     brig_snprintf(host, sizeof(host), "%s/%s", tmp_path, clean) < 0))
			r = brig_err_set(e, -ENAMETOOLONG, "--from: %s: too long", srcs[i]);
		o.host_path = host;
		if (r == 0)
			r = eng_cp(c->g, id, &o, e);
	}
	_cleanup_err_ struct brig_err e2 = { 0 };
	eng_remove(c->g, id, true, true, &e2);
	if (step_image[0])
		img_store_remove(c->s, step_image, &e2); /* the stage's unnamed image */
	return r < 0 ? brig_err_wrap(e, "%s:%u: %s --from=%s", c->df_name, in->line, in->cmd, from)
		     : 0;
}

/* ADD URL DEST: the one file downloaded into the staged destination. */
static int add_url(struct bld_ctx *c, const struct bld_instr *in, struct copy_req *q,
		   const char *url, int stage, struct bld_state *st, const char *dest,
		   struct brig_err *e)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	if (!bld_is_url(url))
		return brig_err_set(e, -ENOTSUP, "%s:%u: ADD %s: only http:// and https://",
				    c->df_name, in->line, url);
	int r = dest_dir(c, st, in, dest, false, stage, dir, name, e);
	_cleanup_close_ int dfd = r == 0 ? brig_open_in_root(stage, dir, O_RDONLY | O_DIRECTORY, 0,
							     BRIG_RESOLVE_NO_SYMLINKS, e)
					 : -1;
	if (r < 0 || dfd < 0)
		return r < 0 ? r : dfd;
	struct bld_url u = { .url = url,
			     .checksum = q->checksum,
			     .dir = dfd,
			     .name = name,
			     .uid = q->uid,
			     .gid = q->gid,
			     .chmod_bits = q->chmod_bits };
	return bld_add_url(c, in, &u, e);
}

static int copy_sources(struct bld_ctx *c, const struct bld_instr *in, struct copy_req *q, int root,
			bool is_ctx, char **srcs, size_t n, int stage, struct bld_state *st,
			const char *dest, struct brig_err *e)
{
	_cleanup_strv_ char **all = calloc(1, sizeof(char *));
	size_t na = 0;
	int r = all ? 0 : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (strstr(srcs[i], "://") && (strcmp(in->cmd, "ADD") || !is_ctx))
			return brig_err_set(e, -ENOTSUP, "%s:%u: %s %s: a URL is for ADD only",
					    c->df_name, in->line, in->cmd, srcs[i]);
		if (strstr(srcs[i], "://"))
			return n == 1 ? add_url(c, in, q, srcs[0], stage, st, dest, e)
				      : brig_err_set(e, -ENOTSUP,
						     "%s:%u: ADD %s: a URL is the only source of "
						     "its ADD",
						     c->df_name, in->line, srcs[i]);
		if (q->checksum)
			return brig_err_set(e, -EINVAL, "%s:%u: ADD --checksum is for a URL",
					    c->df_name, in->line);
		_cleanup_strv_ char **v = NULL;
		size_t k = 0;
		if ((r = bld_sources(c, root, is_ctx, srcs[i], &v, &k, e)) < 0)
			return brig_err_wrap(e, "%s:%u: %s", c->df_name, in->line, in->cmd);
		for (size_t j = 0; r == 0 && j < k; j++) {
			char **nv = realloc(all, (na + 2) * sizeof(*nv));
			if (!nv)
				return brig_err_oom(e);
			all = nv;
			all[na++] = brig_steal_ptr(v[j]);
			all[na] = NULL;
		}
	}
	char dir[PATH_MAX], name[NAME_MAX + 1];
	struct stat sb;
	_cleanup_err_ struct brig_err e2 = { 0 };
	_cleanup_close_ int first = na == 1 ? bld_open_beneath(root, all[0], O_PATH, &e2) : -1;
	bool src_dir = first >= 0 && fstat(first, &sb) == 0 && S_ISDIR(sb.st_mode);
	bool arch = r == 0 && na == 1 && !strcmp(in->cmd, "ADD") && is_archive(root, all[0]);
	if (r == 0)
		r = dest_dir(c, st, in, dest, na > 1 || src_dir || arch, stage, dir, name, e);
	_cleanup_close_ int dfd = r == 0 ? brig_open_in_root(stage, dir, O_RDONLY | O_DIRECTORY, 0,
							     BRIG_RESOLVE_NO_SYMLINKS, e)
					 : -1;
	if (r == 0 && dfd < 0)
		r = dfd;
	for (size_t i = 0; r == 0 && i < na; i++) {
		const char *base = strrchr(all[i], '/');
		base = base ? base + 1 : all[i];
		if (!strcmp(in->cmd, "ADD") && is_archive(root, all[i])) {
			r = add_archive(c, in, root, all[i], dfd, e);
			continue;
		}
		r = bld_copy_one(c, root, all[i], is_ctx, dfd, name[0] ? name : base, q->uid,
				 q->gid, q->chmod_bits, e);
		if (r < 0)
			r = brig_err_wrap(e, "%s:%u: %s", c->df_name, in->line, in->cmd);
	}
	return r;
}

/* The step's layer, its history entry, the stage's key moved on by it
 * (the same whether the layer was made or found in the cache). */
static int add_layer(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		     const struct bld_layer *l, struct brig_err *e)
{
	_cleanup_free_ char *by = NULL;
	if (asprintf(&by, "%s %s", in->cmd, in->rest) < 0)
		return brig_err_oom(e);
	int r = bld_add_layer(c, st, l, by, e);
	if (r == 0)
		bld_key_next(st->key, by, l->diff_id);
	return r;
}

static int stage_layer(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		       int stage, struct brig_err *e)
{
	struct bld_layer l = { 0 };
	int r = bld_layer_from_dir(c, stage, &l, e);
	return r < 0 ? r : add_layer(c, st, in, &l, e);
}

/* 1 when COPY --from=STAGE's layer is cached (key: the stage's key and
 * ours, and the instruction); key is set for a later put ("" for an
 * image, which is not cached). */
static int from_cached(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		       const char *from, char key[65], struct bld_layer *l, struct brig_err *e)
{
	size_t idx;
	_cleanup_free_ char *what = NULL;
	key[0] = '\0';
	if (bld_stage_find(c, from, (size_t)(in - c->f->v), &idx) != 0)
		return 0;
	int r = bld_stage_build(c, idx, e);
	if (r < 0)
		return r;
	if (asprintf(&what, "%s --from %s %s", in->cmd, c->st[idx].key, in->rest) < 0)
		return brig_err_oom(e);
	memcpy(key, st->key, 65);
	bld_key_next(key, what, NULL);
	r = bld_cache_get(c, key, l, e);
	if (r == 1) {
		c->res->cached++;
		bld_progress(c, " ---> cached");
	}
	return r;
}

static int copy_fresh(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		      struct copy_req *q, char **words, size_t n, int stage, int from,
		      const char *key, struct brig_err *e)
{
	int r = q->from ? bld_from_root(c, in, q->from, words, n - 1, from, e) : 0;
	if (r == 0)
		r = copy_sources(c, in, q, q->from ? from : c->ctxfd, !q->from, words, n - 1, stage,
				 st, words[n - 1], e);
	if (r == 0)
		r = stage_layer(c, st, in, stage, e);
	if (r == 0 && q->from && key[0])
		r = bld_cache_put(c, key, &st->layers[st->n_layers - 1], e);
	return r;
}

int bld_copy(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in, char **words,
	     size_t n, struct brig_err *e)
{
	struct copy_req q;
	char sname[32], fname[32];
	int r = parse_flags(c, st, in, &q, e);
	if (r == 0 && n < 2)
		r = brig_err_set(e, -EINVAL, "%s:%u: %s needs a source and a destination",
				 c->df_name, in->line, in->cmd);
	if (r < 0)
		return r;
	int stage = -1, from = -1;
	_cleanup_close_ int tmp = bld_tmp_open(c, sname, &stage, e);
	if (tmp < 0)
		return tmp;
	_cleanup_close_ int tmp2 = -1;
	if (q.from && (tmp2 = bld_tmp_open(c, fname, &from, e)) < 0)
		r = tmp2;
	/* COPY --from=STAGE: the stage's key says all it holds */
	char key[65] = "";
	struct bld_layer l = { 0 };
	int hit = r == 0 && q.from ? from_cached(c, st, in, q.from, key, &l, e) : 0;
	r = hit < 0 ? hit : r;
	if (r == 0 && hit == 1)
		r = add_layer(c, st, in, &l, e);
	else if (r == 0)
		r = copy_fresh(c, st, in, &q, words, n, stage, from, key, e);
	close(stage);
	brig_rm_rf(tmp, sname, NULL);
	if (from >= 0) {
		close(from);
		brig_rm_rf(tmp2, fname, NULL);
	}
	return r;
}

int bld_workdir_layer(struct bld_ctx *c, struct bld_state *st, const char *dir, struct brig_err *e)
{
	char res[PATH_MAX], link[PATH_MAX], sname[32];
	struct stat sb;
	int r = bld_img_resolve(c, st, dir, res, e);
	if (r < 0 || !res[0] || (r = bld_img_lookup(c, st, res, &sb, link, e)) != 0)
		return r < 0 ? r : 0; /* there already: nothing to make */
	int stage = -1;
	_cleanup_close_ int tmp = bld_tmp_open(c, sname, &stage, e);
	if (tmp < 0)
		return tmp;
	struct bld_instr in = { .cmd = (char *)"WORKDIR", .rest = (char *)dir };
	r = bld_img_mkdirs(c, st, stage, res, e);
	if (r == 0)
		r = stage_layer(c, st, &in, stage, e);
	close(stage);
	brig_rm_rf(tmp, sname, NULL);
	return r;
}
