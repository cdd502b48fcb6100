/* SPDX-License-Identifier: Apache-2.0 */
/* build: what its files share (private to src/build). */
#ifndef BRIG_BUILD_INTERNAL_H
#define BRIG_BUILD_INTERNAL_H

#include "build/build.h"
#include "engine/engine.h"
#include "image/store/store.h"

#include <limits.h>
#include <strings.h>

struct bld_lexer {
	const char *name, *text;
	size_t len, pos;
	unsigned lineno;
	char escape;
	bool started;
	size_t cur_len;
};
/* The next logical line (continuations joined) in *out (malloc'ed) with
 * its first line number: 1, or 0 at the end, or a negative errno. */
int bld_lex_next(struct bld_lexer *x, char **out, unsigned *line, struct brig_err *e);
int bld_lex_heredoc(struct bld_lexer *x, const char *delim, bool strip_tabs, char **body,
		    struct brig_err *e);

void bld_instr_clear(struct bld_instr *in);

/* A layer of the image being built. */
struct bld_layer {
	char digest[IMG_DIGEST_SIZE], diff_id[IMG_DIGEST_SIZE];
	uint64_t size;
	int comp; /* enum img_compression */
};

/* A stage's state as its instructions are evaluated. */
struct bld_state {
	json_t *config; /* the whole image config document */
	struct bld_layer *layers;
	size_t n_layers;
	char key[65]; /* cache chain: the parent and every instruction so far */
	json_t *args; /* ARGs declared in the stage: name -> value (or null) */
	bool cmd_set; /* CMD given in this stage (ENTRYPOINT keeps it) */
	char base_name[256]; /* the image the stage's chain starts from ("" scratch) */
	char base_digest[IMG_DIGEST_SIZE]; /* its manifest's digest */
	bool built, building;
};

/* git.c: the context's git checkout (all empty, time -1: none). */
struct bld_git {
	char revision[65]; /* HEAD's commit */
	char source[1024]; /* remote.origin.url, credentials removed */
	int64_t time; /* the newest commit touching the context */
};
void bld_git_info(const char *context, struct bld_git *g);

struct bld_ctx {
	struct eng *g;
	struct img_store *s;
	const struct bld_opts *o;
	struct bld_file *f;
	const char *df_name;
	int ctxfd; /* the context directory */
	struct bld_ignore ign;
	json_t *global_args; /* ARGs before the first FROM: name -> value */
	json_t *build_args; /* --build-arg: name -> value */
	struct bld_state *st; /* one per stage */
	struct bld_result *res;
	char created[32]; /* RFC 3339 of o->timestamp */
	struct bld_git git;
	unsigned step, n_steps;
	const char *text; /* the Dockerfile's text (inline ignores) */
	size_t text_len;
	struct audit_report *rep; /* every finding kept */
	const struct bld_instr *cur; /* the step being made */
	json_t *defanged; /* its --defang-setuid findings (for its cache entry) */
	json_t *replay; /* a cached step's, from its cache entry */
	json_t *pulled; /* --pull: the refs pulled so far (each once a build) */
};

/* image.c */
int bld_image_scratch(struct bld_state *st, struct brig_err *e);
int bld_image_base(struct bld_ctx *c, const char *ref, struct bld_state *st, struct brig_err *e);
/* --pull: ref (FROM, COPY --from, a bind's from=) fetched from its registry
 * again, once a build (content trust as for brig pull), whatever the store
 * holds; 0 at once without --pull. */
int bld_pull(struct bld_ctx *c, const char *ref, struct brig_err *e);
int bld_state_copy(struct bld_state *dst, const struct bld_state *src, struct brig_err *e);
void bld_state_clear(struct bld_state *st);
int bld_add_layer(struct bld_ctx *c, struct bld_state *st, const struct bld_layer *l,
		  const char *created_by, struct brig_err *e);
int bld_add_history(struct bld_ctx *c, struct bld_state *st, const char *created_by,
		    struct brig_err *e);
/* Store the state as an image (unnamed unless tags); ids filled. */
int bld_image_put(struct bld_ctx *c, struct bld_state *st, char image_id[IMG_DIGEST_SIZE],
		  struct img_descriptor *md, struct brig_err *e);
/* A layer packed from dirfd (clamped to the build's time) into the store. */
int bld_layer_from_dir(struct bld_ctx *c, int dirfd, struct bld_layer *l, struct brig_err *e);
json_t *bld_cfg(struct bld_state *st); /* the "config" object (made when missing) */
/* The stage's layers as the engine lists an image's: [{"diffId": ...}]. */
json_t *bld_state_layers(const struct bld_state *st);
/* The ids of the stage's USER (name|uid[:group|gid], "" root) in its
 * /etc/passwd and /etc/group; spec NULL: the config's User. */
int bld_state_user(struct bld_ctx *c, struct bld_state *st, const char *spec, uint32_t *uid,
		   uint32_t *gid, struct brig_err *e);

/* words.c helpers on a state */
const char *bld_var_get(void *arg, const char *name, size_t len);
struct bld_varsrc {
	struct bld_ctx *c;
	struct bld_state *st; /* NULL: global args only (FROM) */
};

/* cache.c: ROOT/build-cache/<key> */
#define BLD_CACHE_DIR "build-cache"
void bld_key_next(char key[65], const char *what, const char *extra);
int bld_cache_get(struct bld_ctx *c, const char *key, struct bld_layer *l, struct brig_err *e);
int bld_cache_put(struct bld_ctx *c, const char *key, const struct bld_layer *l,
		  struct brig_err *e);

/* stage.c: COPY/ADD and WORKDIR */
int bld_copy(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in, char **words,
	     size_t n, struct brig_err *e);
int bld_workdir_layer(struct bld_ctx *c, struct bld_state *st, const char *dir, struct brig_err *e);
/* context.c */
struct bld_src {
	char *rel; /* cleaned, relative to the source root ("" the root) */
};
int bld_sources(struct bld_ctx *c, int rootfd, bool is_context, const char *pat, char ***rels,
		size_t *n, struct brig_err *e);

int bld_open_beneath(int rootfd, const char *rel, int flags, struct brig_err *e);
/* stage.c */
int bld_tmp_open(struct bld_ctx *c, char name[32], int *dirfd, struct brig_err *e);
int bld_copy_one(struct bld_ctx *c, int root, const char *rel, bool ignore, int dst,
		 const char *name, uid_t uid, gid_t gid, int chmod_bits, struct brig_err *e);
/* imgpath.c */
struct stat;
int bld_img_lookup(struct bld_ctx *c, struct bld_state *st, const char *rel, struct stat *sb,
		   char link[PATH_MAX], struct brig_err *e);
int bld_img_resolve(struct bld_ctx *c, struct bld_state *st, const char *path, char out[PATH_MAX],
		    struct brig_err *e);
int bld_img_mkdirs(struct bld_ctx *c, struct bld_state *st, int stage, const char *rel,
		   struct brig_err *e);
/* copy.c: --from=STAGE|IMAGE's sources copied out of a container of it
 * (never started) into tmp/<source>. */
int bld_from_root(struct bld_ctx *c, const struct bld_instr *in, const char *from, char **srcs,
		  size_t n, int tmp, struct brig_err *e);
/* mounts.c: RUN --mount=type=cache|bind, what one RUN holds while it runs */
#define BLD_MOUNTS_MAX 16
struct bld_mounts {
	int locks[BLD_MOUNTS_MAX]; /* cache mounts' locks */
	size_t n_locks;
	int dir; /* ROOT/build-mounts */
	char tmp[BLD_MOUNTS_MAX][32]; /* its directories removed after the RUN */
	size_t n_tmp;
};
void bld_mounts_init(struct bld_mounts *m);
/* spec: the --mount= value of a type=cache or type=bind mount; 0 and a
 * flag added to f (a bind's digest appended to *key), or an error naming
 * the line. */
struct eng_flags;
int bld_mount_add(struct bld_ctx *c, const struct bld_instr *in, const char *spec,
		  struct eng_flags *f, struct bld_mounts *m, char **key, size_t *klen,
		  struct brig_err *e);
void bld_mounts_release(struct bld_mounts *m);
/* fetch.c: ADD URL */
bool bld_is_url(const char *s);
struct bld_url {
	const char *url, *checksum; /* "sha256:HEX" or NULL */
	int dir; /* the staged destination directory */
	const char *name; /* the file's name there ("": the URL's) */
	uid_t uid;
	gid_t gid;
	int chmod_bits; /* -1: 0600 */
};
int bld_add_url(struct bld_ctx *c, const struct bld_instr *in, const struct bld_url *u,
		struct brig_err *e);
/* findings.c: setuid/setgid files and file capabilities of a step's
 * layer l, printed as findings (build.setuid, build.setgid,
 * build.file-caps) and counted in res->findings; a cached step's
 * --defang-setuid findings (c->replay) first. */
int bld_step_findings(struct bld_ctx *c, const struct bld_instr *in, const struct bld_layer *l,
		      struct brig_err *e);
/* A finding of the build, kept in c->rep and, unless the caller collects
 * them, printed as "PREFIX: SEVERITY ID TARGET: MESSAGE"; in: the step
 * (NULL: a lint finding, whose ignores bld_lint applied). */
struct audit_finding;
int bld_finding(struct bld_ctx *c, const struct bld_instr *in, const struct audit_finding *f,
		const char *prefix, struct brig_err *e);
/* --defang-setuid: the packer's report of a file it wrote without its
 * setuid/setgid bits or its capabilities (arg: the ctx; c->cur the step),
 * a finding, kept in c->defanged for the step's cache entry. */
int bld_defanged(void *arg, const char *path, uint32_t mode, uint32_t uid, struct brig_err *e);
int bld_defanged_caps(void *arg, const char *path, const void *val, size_t len, uint32_t uid,
		      struct brig_err *e);
/* --fail-on: 0, or an error when a kept finding reaches it. */
int bld_findings_verdict(struct bld_ctx *c, struct brig_err *e);
/* instr.c */
int bld_instr_config(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		     struct brig_err *e);
/* The PATH a stage gets when its base has none. */
#define BLD_DEFAULT_PATH BRIG_DEFAULT_PATH
int bld_env_set(json_t *cfg, const char *k, size_t klen, const char *v, struct brig_err *e);
json_t *bld_argv_json(struct bld_state *st, const struct bld_instr *in);

/* run.c */
int bld_run(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
	    struct brig_err *e);
/* A container of image image_id (not started; argv NULL: the image's
 * command): id filled. */
struct eng_flags;
int bld_ctr_make(struct bld_ctx *c, const char *image_id, char **argv, char **env,
		 const struct eng_flags *flags, bool host_net, char id[ENG_ID_LEN + 1],
		 struct brig_err *e);

/* eval.c */
int bld_stage_build(struct bld_ctx *c, size_t i, struct brig_err *e);
int bld_stage_find(struct bld_ctx *c, const char *name, size_t before, size_t *idx);
void bld_progress(struct bld_ctx *c, const char *fmt, ...) BRIG_PRINTF(2, 3);

#endif /* BRIG_BUILD_INTERNAL_H */
