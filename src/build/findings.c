/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Setuid and setgid files a step adds (issue 14's hygiene): the step's
 * layer, unpacked in the layer cache, walked without following a link or
 * crossing a mount; each such regular file is a finding of audit's model
 * (build.setuid, build.setgid: medium, as brig scan's scan.setuid; the
 * target is DOCKERFILE:LINE) printed as a progress line.
 */
#include "build/build-internal.h"

#include "audit/audit.h"

#include <fcntl.h>
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
	for (size_t i = 0; r >= 0 && i < rep.n; i++) {
		bld_progress(c, "finding: %s %s %s: %s", audit_severity_name(rep.v[i].severity),
			     rep.v[i].id, rep.v[i].target, rep.v[i].message);
		c->res->findings++;
	}
	audit_report_clear(&rep);
	return r < 0 ? r : 0;
}
