/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build: `brig build`, Dockerfiles built into images of the store
 * (docs/build.md).
 *
 *   parse.c, lex.c   the Dockerfile: parser directives, comments, line
 *                    continuations, heredocs, instructions and stages
 *   words.c          ARG/ENV substitution and quote removal
 *   ignore.c         .dockerignore
 *   context.c        the build context: sources found beneath it (openat2,
 *                    never a symlink out), globs
 *   stage.c          COPY/ADD/WORKDIR: a staging tree packed as a layer
 *   run.c            RUN in a brig container (secure defaults, writable root)
 *   image.c          the image being built: config, layers, history
 *   instr.c          the instructions that change only the config
 *   imgpath.c        paths of the image being built (its layers, its links)
 *   cache.c          the layer cache (ROOT/build-cache)
 *   eval.c           instructions evaluated stage by stage
 *   build.c          a build from its options; check.c: where two builds differ
 *   lint.c           brig lint: hygiene findings of a Dockerfile
 */
#ifndef BRIG_BUILD_H
#define BRIG_BUILD_H

#include "common/common.h"

#include <stdbool.h>
#include <stdint.h>

/* Limits on a Dockerfile. */
#define BLD_MAX_FILE ((size_t)4 << 20)
#define BLD_MAX_LINES 50000u
#define BLD_MAX_LINE ((size_t)256 << 10) /* one logical line */

/* One instruction as written. */
struct bld_instr {
	unsigned line; /* its first line (1-based) */
	char *cmd; /* upper case: "RUN" */
	char **flags; /* "--from=x" words, NULL-terminated */
	size_t n_flags;
	char *rest; /* the text after the flags */
	bool exec; /* rest was a JSON array of strings: argv */
	char **argv; /* NULL-terminated, exec form only */
	size_t argc;
	char *heredoc; /* RUN <<EOF: the body (NULL: none) */
	bool heredoc_bare; /* "RUN <<EOF" with no command: the body is the script */
};

struct bld_stage {
	size_t from; /* index of its FROM */
	size_t end; /* one past its last instruction */
	char *name; /* FROM ... AS name (lower case), or NULL */
};

struct bld_file {
	struct bld_instr *v;
	size_t n;
	struct bld_stage *stages;
	size_t n_stages;
	char escape; /* '\\' or '`' */
};

/* Parse a Dockerfile's text.  Errors: "Dockerfile:LINE: message" (name
 * is the file's name in messages). */
int bld_parse(const char *name, const char *text, size_t len, struct bld_file *out,
	      struct brig_err *e);
void bld_file_clear(struct bld_file *f);

/* Variables for substitution: get returns the value of name[0..len) or NULL. */
struct bld_vars {
	const char *(*get)(void *arg, const char *name, size_t len);
	void *arg;
};
/* Expand $VAR, ${VAR}, ${VAR:-x}, ${VAR:+x} (and - / + without the colon),
 * remove quotes and escapes; split: into words at unquoted white space
 * (else one word).  *out NULL-terminated (brig_strv_free). */
int bld_expand(const char *s, char esc, const struct bld_vars *vars, bool split, char ***out,
	       size_t *n, struct brig_err *e);

/* .dockerignore: patterns, "!" exceptions, "**". */
struct bld_ignore {
	char **pat;
	bool *neg;
	size_t n;
};
int bld_ignore_parse(const char *text, size_t len, struct bld_ignore *out, struct brig_err *e);
void bld_ignore_clear(struct bld_ignore *ig);
/* Is the context path rel ("a/b", no leading "/") excluded? */
bool bld_ignored(const struct bld_ignore *ig, const char *rel);
/* fnmatch with "**" matching any number of components. */
bool bld_match(const char *pat, const char *path);

/* brig lint (lint.c): hygiene findings of the Dockerfile text into r
 * (audit/audit.h's report; the target of each is "NAME:LINE"). */
struct audit_report;
int bld_lint(const char *name, const char *text, size_t len, struct audit_report *r,
	     struct brig_err *e);
/* Does a comment "# brig-lint ignore=ID[,ID]" on a line after `after` and
 * before `line` (the previous instruction's line and this one's) name id? */
bool bld_lint_ignored(const char *text, size_t len, unsigned after, unsigned line, const char *id);

struct eng;
struct bld_opts {
	const char *context; /* directory */
	const char *dockerfile; /* NULL: CONTEXT/Dockerfile */
	char *const *tags; /* NAME:TAG, NULL-terminated (may be NULL) */
	char *const *build_args; /* K=V or K (from the environment) */
	char *const *labels; /* K=V */
	const char *target; /* NULL: the last stage */
	char *const *secrets; /* "id=ID,src=FILE" (src absolute, checked) */
	bool no_cache;
	bool allow_unpinned; /* ADD URL without --checksum */
	bool pull; /* FROM images fetched from their registry first */
	const char *config; /* the engine config (brig --config) for --pull */
	bool network_host; /* RUN with the host's network (else none) */
	int64_t timestamp; /* layer mtimes clamped to it; config created
			      (-1: the context's newest git commit, else 0) */
	bool quiet;
	/* The build's findings (the Dockerfile's lint findings and what steps
	 * add; a "# brig-lint ignore=ID" above an instruction drops its own):
	 * findings NULL: each is a progress line; else they are added to
	 * *findings (sorted), not printed.  skip: ids left out.  fail: a
	 * finding (not skipped) of the enum audit_severity fail_on or above
	 * fails the build, before the image is stored (res->findings_failed);
	 * without it findings never fail a build. */
	struct audit_report *findings;
	char *const *skip;
	bool fail;
	int fail_on;
	/* Regular files a step adds are packed without their setuid and
	 * setgid bits, each one a finding. */
	bool defang_setuid;
	/* Called for each step's progress line (may be NULL). */
	void (*progress)(void *ctx, const char *line);
	void *ctx;
};
struct bld_result {
	char image_id[72]; /* the config digest */
	char manifest[72];
	unsigned steps, cached, runs; /* runs: containers made (RUN, COPY --from) */
	unsigned findings; /* setuid/setgid and capability files added by steps */
	bool findings_failed; /* the build failed by fail_on */
};
int bld_build(struct eng *g, const struct bld_opts *o, struct bld_result *res, struct brig_err *e);
/* brig builder prune: the layer cache's entries (ROOT/build-cache) and
 * the RUN --mount=type=cache directories no build holds (mounts.c). */
int bld_prune(struct eng *g, unsigned *entries, unsigned *mounts, struct brig_err *e);
/* Where the images id1 and id2 (two builds of one Dockerfile) first
 * differ, as one line in *out (check.c). */
int bld_check_diff(struct eng *g, const char *id1, const char *id2, char **out, struct brig_err *e);

#endif /* BRIG_BUILD_H */
