/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build's findings (issue 14's hygiene).  Setuid and setgid files a
 * step adds: the step's layer, unpacked in the layer cache, walked without
 * following a link or crossing a mount; each such regular file is a
 * finding of audit's model (build.setuid, build.setgid: medium, as brig
 * scan's scan.setuid; the target is DOCKERFILE:LINE), or with
 * --defang-setuid the packer's list of the files it wrote without the
 * bits.  Every finding, the Dockerfile's lint ones too, goes through
 * bld_finding: dropped by an inline ignore, kept for the report and
 * --fail-on, printed as a progress line unless the caller collects them.
 */
#include "build/build-internal.h"

#include "audit/audit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct suid_walk {
	struct bld_ctx *c;
	const struct bld_instr *in;
	struct audit_report *r;
	const char *root; /* the layer directory's path */
	struct brig_err *e;
};

static const char *const refs_cis_4_8[] = {
	"https://www.cisecurity.org/benchmark/docker (4.8: setuid and setgid permissions)", NULL
};

static int visit(int dirfd, const char *name, const struct stat *st, void *arg)
{
	struct suid_walk *w = arg;
	char dir[PATH_MAX], target[PATH_MAX];
	if (!S_ISREG(st->st_mode) || !(st->st_mode & (S_ISUID | S_ISGID)))
		return 0;
	size_t rl = strlen(w->root);
	if (brig_fd_path(dirfd, dir, sizeof(dir)) < 0 || strncmp(dir, w->root, rl) != 0)
		return 0;
	if (brig_snprintf(target, sizeof(target), "%s:%u", w->c->df_name, w->in->line) < 0)
		return 0;
	bool suid = st->st_mode & S_ISUID;
	int r = audit_add(w->r, suid ? "build.setuid" : "build.setgid", AUDIT_MEDIUM, target,
			  suid ? "remove the bit if it is not needed (chmod u-s)"
			       : "remove the bit if it is not needed (chmod g-s)",
			  refs_cis_4_8, w->e, "%s adds %s/%s: %s file (mode %04o, owner %u)",
			  w->in->cmd, dir + rl, name,
			  suid && (st->st_mode & S_ISGID) ? "setuid and setgid"
				  : suid                  ? "setuid"
							  : "setgid",
			  (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid);
	return r < 0 ? r : 0;
}

int bld_setuid_findings(struct bld_ctx *c, const struct bld_instr *in, const struct bld_layer *l,
			struct brig_err *e)
{
	char root[PATH_MAX];
	_cleanup_close_ int layers = eng_layers_open(eng_root(c->g), e);
	if (layers < 0)
		return layers;
	_cleanup_close_ int ld = BRIG_RETRY(
		openat(layers, l->diff_id + 7, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (ld < 0)
		return 0; /* not unpacked here: nothing to say */
	if (brig_fd_path(ld, root, sizeof(root)) < 0)
		return brig_err_sys(e, errno, "the layer %.19s", l->diff_id);
	struct audit_report rep = { .tool = "brig build", .subject = c->df_name };
	struct suid_walk w = { c, in, &rep, root, e };
	int r = brig_walk(ld, ".", visit, &w, NULL);
	if (r < 0 && !e->code)
		r = brig_err_sys(e, -r, "walking the layer %.19s", l->diff_id);
	audit_report_sort(&rep);
	for (size_t i = 0; r >= 0 && i < rep.n; i++)
		r = bld_finding(c, in, &rep.v[i], "finding", e);
	audit_report_clear(&rep);
	return r < 0 ? r : 0;
}

/* The line of the instruction before the one at `line` (0: none). */
static unsigned line_before(const struct bld_ctx *c, unsigned line)
{
	unsigned after = 0;
	for (size_t k = 0; k < c->f->n && c->f->v[k].line < line; k++)
		after = c->f->v[k].line;
	return after;
}

int bld_finding(struct bld_ctx *c, const struct bld_instr *in, const struct audit_finding *f,
		const char *prefix, struct brig_err *e)
{
	if (in && bld_lint_ignored(c->text, c->text_len, line_before(c, in->line), in->line, f->id))
		return 0;
	int r = audit_add(c->rep, f->id, f->severity, f->target, f->remediation,
			  (const char *const *)f->references, e, "%s", f->message);
	if (r < 0)
		return r;
	if (in)
		c->res->findings++;
	struct audit_output o = { .skip = (char **)c->o->skip };
	if (!c->o->findings && !audit_skipped(&o, f->id))
		bld_progress(c, "%s: %s %s %s: %s", prefix, audit_severity_name(f->severity), f->id,
			     f->target, f->message);
	return 0;
}

int bld_defanged(void *arg, const char *path, uint32_t mode, uint32_t uid, struct brig_err *e)
{
	struct bld_ctx *c = arg;
	const struct bld_instr *in = c->cur;
	struct audit_report one = { 0 };
	char target[PATH_MAX];
	bool suid = mode & S_ISUID;
	if (!in)
		return 0;
	snprintf(target, sizeof(target), "%s:%u", c->df_name, in->line);
	int r = audit_add(&one, suid ? "build.setuid" : "build.setgid", AUDIT_MEDIUM, target,
			  "none: --defang-setuid removed the bits", refs_cis_4_8, e,
			  "%s adds /%s: %s file (mode %04o, owner %u): written without the bits "
			  "(--defang-setuid)",
			  in->cmd, path,
			  suid && (mode & S_ISGID) ? "setuid and setgid"
				  : suid           ? "setuid"
						   : "setgid",
			  (unsigned)(mode & 07777), (unsigned)uid);
	if (r == 0)
		r = bld_finding(c, in, &one.v[0], "finding", e);
	audit_report_clear(&one);
	return r;
}

int bld_findings_verdict(struct bld_ctx *c, struct brig_err *e)
{
	struct audit_output o = { .skip = (char **)c->o->skip };
	size_t n = 0;
	if (!c->o->fail)
		return 0;
	for (size_t i = 0; i < c->rep->n; i++)
		if (!audit_skipped(&o, c->rep->v[i].id) &&
		    (int)c->rep->v[i].severity >= c->o->fail_on)
			n++;
	if (n == 0)
		return 0;
	c->res->findings_failed = true;
	return brig_err_set(e, -EPERM,
			    "%zu finding%s at or above %s (--fail-on): the image is not "
			    "stored",
			    n, n == 1 ? "" : "s",
			    audit_severity_name((enum audit_severity)c->o->fail_on));
}
