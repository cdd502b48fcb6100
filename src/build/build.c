/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bld_build: the context opened (the directory the user named, through
 * a symlink if that is what was named; a loop is refused), its Dockerfile and .dockerignore read with their
 * limits, the build arguments taken, the target stage built (eval.c), and
 * the final image stored under the store's ingest lease and named.
 */
#include "build/build-internal.h"

#include "audit/audit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IGNORE_MAX ((size_t)1 << 20)

static int read_dockerfile(struct bld_ctx *c, char **text, size_t *len, struct brig_err *e)
{
	if (c->o->dockerfile) {
		_cleanup_close_ int fd = BRIG_RETRY(
			open(c->o->dockerfile, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
		if (fd < 0)
			return brig_err_sys(e, errno, "%s", c->o->dockerfile);
		return brig_read_fd(fd, c->o->dockerfile, BLD_MAX_FILE, text, len, e);
	}
	_cleanup_close_ int fd = bld_open_beneath(c->ctxfd, "Dockerfile", O_RDONLY | O_NONBLOCK, e);
	if (fd < 0)
		return brig_err_wrap(e, "the build context's Dockerfile");
	return brig_read_fd(fd, "Dockerfile", BLD_MAX_FILE, text, len, e);
}

static int read_ignore(struct bld_ctx *c, struct brig_err *e)
{
	_cleanup_err_ struct brig_err e2 = { 0 };
	_cleanup_close_ int fd = bld_open_beneath(c->ctxfd, ".dockerignore", O_RDONLY | O_NONBLOCK,
						  &e2);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return brig_err_set(e, fd, ".dockerignore: %s", brig_err_str(&e2));
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = brig_read_fd(fd, ".dockerignore", IGNORE_MAX, &text, &len, e);
	return r < 0 ? r : bld_ignore_parse(text, len, &c->ign, e);
}

static int build_args(struct bld_ctx *c, struct brig_err *e)
{
	if (!(c->build_args = json_object()) || !(c->global_args = json_object()))
		return brig_err_oom(e);
	/* BuildKit's predefined platform arguments: this host's */
	char plat[64];
	snprintf(plat, sizeof(plat), "linux/%s", eng_host_arch());
	static const char *const names[] = { "BUILDPLATFORM", "TARGETPLATFORM", "BUILDOS",
					     "TARGETOS",      "BUILDARCH",      "TARGETARCH" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++)
		if (json_object_set_new(c->global_args, names[i],
					json_string(i < 2           ? plat
							    : i < 4 ? "linux"
								    : eng_host_arch())) < 0)
			return brig_err_oom(e);
	for (size_t i = 0; c->o->build_args && c->o->build_args[i]; i++) {
		const char *a = c->o->build_args[i], *eq = strchr(a, '=');
		_cleanup_free_ char *k = eq ? strndup(a, (size_t)(eq - a)) : strdup(a);
		const char *v = eq ? eq + 1 : (k ? getenv(k) : NULL);
		if (!k || !k[0])
			return brig_err_set(e, -EINVAL, "--build-arg %s: expected NAME=VALUE", a);
		if (v && json_object_set_new(c->build_args, k, json_string(v)) < 0)
			return brig_err_set(e, -EINVAL, "--build-arg %s: not valid UTF-8", a);
	}
	return 0;
}

static int target(struct bld_ctx *c, size_t *idx, struct brig_err *e)
{
	*idx = c->f->n_stages - 1;
	if (!c->o->target)
		return 0;
	if (bld_stage_find(c, c->o->target, SIZE_MAX, idx) == 0)
		return 0;
	return brig_err_set(e, -ENOENT, "--target %s: no such stage", c->o->target);
}

/* org.opencontainers.image.created, .base.name, .base.digest, and from
 * the context's git .revision and .source (the annotations' names, as
 * labels: brig image inspect shows them). */
static int oci_labels(struct bld_ctx *c, struct bld_state *st, json_t *cfg, struct brig_err *e)
{
	json_t *labels = json_object_get(cfg, "Labels");
	if (!json_is_object(labels) &&
	    json_object_set_new(cfg, "Labels", labels = json_object()) < 0)
		return brig_err_oom(e);
	if ((c->git.revision[0] &&
	     json_object_set_new(labels, "org.opencontainers.image.revision",
				 json_string(c->git.revision)) < 0) ||
	    (c->git.source[0] &&
	     json_object_set_new(labels, "org.opencontainers.image.source",
				 json_string(c->git.source)) < 0))
		return brig_err_set(e, -EINVAL, "the context's git remote: not valid UTF-8");
	if (json_object_set_new(labels, "org.opencontainers.image.created",
				json_string(c->created)) < 0 ||
	    (st->base_digest[0] &&
	     (json_object_set_new(labels, "org.opencontainers.image.base.name",
				  json_string(st->base_name)) < 0 ||
	      json_object_set_new(labels, "org.opencontainers.image.base.digest",
				  json_string(st->base_digest)) < 0)))
		return brig_err_set(e, -EINVAL, "the base's name: not valid UTF-8");
	return 0;
}

static int finish(struct bld_ctx *c, struct bld_state *st, struct brig_err *e)
{
	json_t *cfg = bld_cfg(st), *labels;
	int r0 = cfg ? oci_labels(c, st, cfg, e) : brig_err_oom(e);
	if (r0 < 0)
		return r0;
	labels = json_object_get(cfg, "Labels");
	for (size_t i = 0; c->o->labels && c->o->labels[i]; i++) {
		const char *l = c->o->labels[i], *eq = strchr(l, '=');
		if (!eq || eq == l)
			return brig_err_set(e, -EINVAL, "--label %s: expected KEY=VALUE", l);
		if (!json_is_object(labels) &&
		    json_object_set_new(cfg, "Labels", labels = json_object()) < 0)
			return brig_err_oom(e);
		_cleanup_free_ char *k = strndup(l, (size_t)(eq - l));
		if (!k || json_object_set_new(labels, k, json_string(eq + 1)) < 0)
			return brig_err_set(e, -EINVAL, "--label %s: not valid UTF-8", l);
	}
	struct img_descriptor md = { 0 };
	int r = bld_image_put(c, st, c->res->image_id, &md, e);
	for (size_t i = 0; r == 0 && c->o->tags && c->o->tags[i]; i++)
		r = img_store_tag(c->s, &md, c->o->tags[i], e);
	if (r == 0 && (!c->o->tags || !c->o->tags[0]))
		r = img_store_add(c->s, &md, e);
	snprintf(c->res->manifest, sizeof(c->res->manifest), "%s", md.digest);
	img_descriptor_clear(&md);
	return r;
}

/* The Dockerfile's hygiene findings (lint.c), first. */
static int lint_findings(struct bld_ctx *c, const char *text, size_t len, struct brig_err *e)
{
	struct audit_report rep = { .tool = "brig build", .subject = c->df_name };
	int r = bld_lint(c->df_name, text, len, &rep, e);
	if (r == 0)
		audit_report_sort(&rep);
	for (size_t i = 0; r == 0 && i < rep.n; i++)
		r = bld_finding(c, NULL, &rep.v[i], "lint", e);
	audit_report_clear(&rep);
	return r;
}

static int build(struct bld_ctx *c, struct brig_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, idx;
	struct tm tm;
	time_t t = (time_t)c->o->timestamp;
	if (c->o->timestamp < 0 || !gmtime_r(&t, &tm) ||
	    !strftime(c->created, sizeof(c->created), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return brig_err_set(e, -EINVAL, "--timestamp %lld: out of range",
				    (long long)c->o->timestamp);
	int r = read_dockerfile(c, &text, &len, e);
	c->text = text;
	c->text_len = len;
	if (r == 0)
		r = bld_parse(c->df_name, text, len, c->f, e);
	if (r == 0)
		r = lint_findings(c, text, len, e);
	if (r == 0)
		r = read_ignore(c, e);
	if (r == 0)
		r = build_args(c, e);
	for (size_t i = 0; r == 0 && i < c->f->n && i < (c->f->n_stages ? c->f->stages[0].from : 0);
	     i++)
		r = bld_instr_config(c, NULL, &c->f->v[i], e);
	if (r == 0 && !(c->st = calloc(c->f->n_stages, sizeof(*c->st))))
		r = brig_err_oom(e);
	if (r == 0)
		r = target(c, &idx, e);
	if (r == 0)
		r = bld_stage_build(c, idx, e);
	if (r == 0)
		r = bld_findings_verdict(c, e);
	c->text = NULL;
	return r < 0 ? r : finish(c, &c->st[idx], e);
}

/* The findings kept, sorted, to the caller's report. */
static int findings_out(struct bld_ctx *c, struct brig_err *e)
{
	audit_report_sort(c->rep);
	for (size_t i = 0; c->o->findings && i < c->rep->n; i++) {
		const struct audit_finding *f = &c->rep->v[i];
		int r = audit_add(c->o->findings, f->id, f->severity, f->target, f->remediation,
				  (const char *const *)f->references, e, "%s", f->message);
		if (r < 0)
			return r;
	}
	return 0;
}

int bld_build(struct eng *g, const struct bld_opts *o, struct bld_result *res, struct brig_err *e)
{
	struct bld_file f = { 0 };
	struct bld_opts o2 = *o;
	struct audit_report rep = { .tool = "brig build" };
	struct bld_ctx c = { .g = g, .o = &o2, .f = &f, .res = res, .ctxfd = -1, .rep = &rep };
	*res = (struct bld_result){ 0 };
	bld_git_info(o->context, &c.git);
	if (o2.timestamp < 0) /* no --timestamp, no SOURCE_DATE_EPOCH */
		o2.timestamp = c.git.time >= 0 ? c.git.time : 0;
	c.df_name = o->dockerfile ? o->dockerfile : "Dockerfile";
	c.ctxfd = BRIG_RETRY(open(o->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	int r = c.ctxfd >= 0 ? 0
		: errno == ELOOP
		? brig_err_set(e, -ELOOP, "the build context %s: a symlink loop", o->context)
		: brig_err_sys(e, errno, "the build context %s", o->context);
	if (r == 0)
		r = eng_store_open(eng_root(g), &c.s, e);
	if (r == 0)
		r = img_store_lease(c.s, e);
	if (r == 0)
		r = build(&c, e);
	if (r == 0)
		bld_progress(&c, "%u steps: %u cached, %u containers made%s", c.step, res->cached,
			     res->runs,
			     res->findings
				     ? ", setuid/setgid or capability files added (see findings)"
				     : "");
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (r == 0)
		r = findings_out(&c, e);
	else
		(void)findings_out(&c, &e2); /* the findings so far */
	audit_report_clear(&rep);
	for (size_t i = 0; c.st && i < f.n_stages; i++)
		bld_state_clear(&c.st[i]);
	free(c.st);
	bld_file_clear(&f);
	bld_ignore_clear(&c.ign);
	json_decref(c.global_args);
	json_decref(c.pulled);
	json_decref(c.build_args);
	if (c.s)
		img_store_close(c.s);
	if (c.ctxfd >= 0)
		close(c.ctxfd);
	return r;
}
