/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build's findings (issue 14's hygiene).  Setuid and setgid files and
 * files with capabilities (security.capability: privilege as setuid is) a
 * step adds: the step's layer, unpacked in the layer cache, walked without
 * following a link or crossing a mount; each such regular file is a
 * finding of audit's model (build.setuid, build.setgid, build.file-caps:
 * medium, as brig scan's; the target is DOCKERFILE:LINE), or with
 * --defang-setuid the packer's list of the files it wrote without the
 * bits or the capabilities.  That list goes into the step's cache entry
 * (c->defanged) and is reported again when the step is cached (c->replay):
 * a cached rebuild says what the first build said.  Every finding, the Dockerfile's lint ones too, goes through
 * bld_finding: dropped by an inline ignore, kept for the report and
 * --fail-on, printed as a progress line unless the caller collects them.
 */
#include "build/build-internal.h"

#include "audit/audit.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A security.capability value is 12, 20 or 24 bytes */
#define XATTR_CAPS_MAX 64

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

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Append "cap_a,cap_b=FLAGS" (getcap's form) for the capabilities in mask
 * (" " first when out holds a clause already). */
static void caps_clause(uint64_t mask, const char *flags, char *out, size_t size)
{
	size_t n = strlen(out);
	const char *sep = n ? " " : "";
	for (int i = 0; i < 64 && n < size; i++) {
		if (!(mask & (UINT64_C(1) << i)))
			continue;
		const char *name = brig_cap_name(i); /* "CAP_..." */
		int k = name ? snprintf(out + n, size - n, "%scap_%s", sep, name + 4)
			     : snprintf(out + n, size - n, "%scap_%d", sep, i);
		n = k < 0 ? size : n + (size_t)k;
		sep = ",";
	}
	if (n < size && sep[0] == ',')
		snprintf(out + n, size - n, "=%s", flags);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* The capabilities of a security.capability value (struct
 * vfs_cap_data: revision 1, 2 or 3) as getcap writes them:
 * "cap_net_raw=ep". */
static void caps_text(const void *val, size_t len, char *out, size_t size)
{
	const unsigned char *p = val;
	uint32_t magic = len >= 4 ? le32(p) : 0, rev = magic & 0xff000000u;
	size_t words = (rev == 0x01000000u && len == 12)                                 ? 1
		: (rev == 0x02000000u && len == 20) || (rev == 0x03000000u && len == 24) ? 2
											 : 0;
	out[0] = '\0';
	if (words == 0) {
		snprintf(out, size, "(an unknown form of %zu bytes)", len);
		return;
	}
	uint64_t perm = 0, inh = 0;
	for (size_t i = 0; i < words; i++) {
		perm |= (uint64_t)le32(p + 4 + 8 * i) << (32 * i);
		inh |= (uint64_t)le32(p + 8 + 8 * i) << (32 * i);
	}
	bool eff = magic & 1;
	if (perm == inh) {
		caps_clause(perm, eff ? "eip" : "ip", out, size);
	} else {
		caps_clause(perm, eff ? "ep" : "p", out, size);
		caps_clause(inh, "i", out, size);
	}
	if (!out[0])
		snprintf(out, size, "(none: an empty set%s)", eff ? ", effective" : "");
}

static const char caps_fix[] = "remove them if they are not needed (setcap -r), or build "
			       "with --defang-setuid";

static int visit_setid(struct suid_walk *w, const char *dir, const char *name,
		       const struct stat *st, const char *target)
{
	bool suid = st->st_mode & S_ISUID;
	return audit_add(w->r, suid ? "build.setuid" : "build.setgid", AUDIT_MEDIUM, target,
			 suid ? "remove the bit if it is not needed (chmod u-s)"
			      : "remove the bit if it is not needed (chmod g-s)",
			 refs_cis_4_8, w->e, "%s adds %s/%s: %s file (mode %04o, owner %u)",
			 w->in->cmd, dir, name,
			 suid && (st->st_mode & S_ISGID) ? "setuid and setgid"
				 : suid                  ? "setuid"
							 : "setgid",
			 (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid);
}

static int visit(int dirfd, const char *name, const struct stat *st, void *arg)
{
	struct suid_walk *w = arg;
	char dir[PATH_MAX], target[PATH_MAX], proc[PATH_MAX], cap[XATTR_CAPS_MAX];
	if (!S_ISREG(st->st_mode))
		return 0;
	/* a regular file (the walk's lstat): lgetxattr follows nothing */
	if (brig_snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, name) < 0)
		return brig_err_set(w->e, -ENAMETOOLONG, "a name too long in the layer: %s", name);
	ssize_t cn = lgetxattr(proc, "security.capability", cap, sizeof(cap));
	if (cn < 0 && errno != ENODATA && errno != EOPNOTSUPP && errno != ERANGE)
		return brig_err_sys(w->e, errno, "reading the capabilities of %s", name);
	if (cn < 0 && errno == ERANGE)
		cn = sizeof(cap); /* too long for any known form: said as unknown */
	if (cn < 0 && !(st->st_mode & (S_ISUID | S_ISGID)))
		return 0;
	size_t rl = strlen(w->root);
	if (brig_fd_path(dirfd, dir, sizeof(dir)) < 0 || strncmp(dir, w->root, rl) != 0)
		return 0;
	if (brig_snprintf(target, sizeof(target), "%s:%u", w->c->df_name, w->in->line) < 0)
		return 0;
	int r = st->st_mode & (S_ISUID | S_ISGID) ? visit_setid(w, dir + rl, name, st, target) : 0;
	if (r == 0 && cn >= 0) {
		char text[512];
		caps_text(cap, (size_t)cn, text, sizeof(text));
		r = audit_add(w->r, "build.file-caps", AUDIT_MEDIUM, target, caps_fix, NULL, w->e,
			      "%s adds %s/%s: file capabilities %s (security.capability, owner "
			      "%u): privilege, as setuid is",
			      w->in->cmd, dir + rl, name, text, (unsigned)st->st_uid);
	}
	return r < 0 ? r : 0;
}

static int walk_findings(struct bld_ctx *c, const struct bld_instr *in, const struct bld_layer *l,
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

/* A file --defang-setuid wrote without its bits (caps NULL) or without
 * its capabilities (caps their text), as a finding of the step. */
static int defanged(struct bld_ctx *c, const char *path, uint32_t mode, const char *caps,
		    uint32_t uid, struct brig_err *e)
{
	const struct bld_instr *in = c->cur;
	struct audit_report one = { 0 };
	char target[PATH_MAX];
	bool suid = mode & S_ISUID;
	if (!in)
		return 0;
	snprintf(target, sizeof(target), "%s:%u", c->df_name, in->line);
	int r = caps ? audit_add(&one, "build.file-caps", AUDIT_MEDIUM, target,
				 "none: --defang-setuid removed them", NULL, e,
				 "%s adds /%s: file capabilities %s (owner %u): written without "
				 "them (--defang-setuid)",
				 in->cmd, path, caps, (unsigned)uid)
		     : audit_add(&one, suid ? "build.setuid" : "build.setgid", AUDIT_MEDIUM, target,
				 "none: --defang-setuid removed the bits", refs_cis_4_8, e,
				 "%s adds /%s: %s file (mode %04o, owner %u): written without the "
				 "bits (--defang-setuid)",
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

/* Kept for the step's cache entry: {"path", "uid", "mode" or "caps"}. */
static int remember(struct bld_ctx *c, const char *path, uint32_t mode, const char *caps,
		    uint32_t uid, struct brig_err *e)
{
	if (!c->defanged && !(c->defanged = json_array()))
		return brig_err_oom(e);
	json_t *one = caps
		? json_pack("{s:s, s:I, s:s}", "path", path, "uid", (json_int_t)uid, "caps", caps)
		: json_pack("{s:s, s:I, s:I}", "path", path, "uid", (json_int_t)uid, "mode",
			    (json_int_t)mode);
	return one && json_array_append_new(c->defanged, one) == 0 ? 0 : brig_err_oom(e);
}

int bld_defanged(void *arg, const char *path, uint32_t mode, uint32_t uid, struct brig_err *e)
{
	struct bld_ctx *c = arg;
	int r = defanged(c, path, mode, NULL, uid, e);
	return r < 0 ? r : remember(c, path, mode, NULL, uid, e);
}

int bld_defanged_caps(void *arg, const char *path, const void *val, size_t len, uint32_t uid,
		      struct brig_err *e)
{
	struct bld_ctx *c = arg;
	char text[512];
	caps_text(val, len, text, sizeof(text));
	int r = defanged(c, path, 0, text, uid, e);
	return r < 0 ? r : remember(c, path, 0, text, uid, e);
}

/* A cached step's --defang-setuid findings, from its cache entry. */
static int replay(struct bld_ctx *c, struct brig_err *e)
{
	size_t i;
	json_t *one;
	json_array_foreach(c->replay, i, one)
	{
		const char *path = json_string_value(json_object_get(one, "path"));
		const char *caps = json_string_value(json_object_get(one, "caps"));
		json_t *uid = json_object_get(one, "uid"), *mode = json_object_get(one, "mode");
		if (!path || !json_is_integer(uid) || (!caps && !json_is_integer(mode)))
			continue; /* not brig's: nothing to say */
		int r = defanged(c, path, (uint32_t)json_integer_value(mode), caps,
				 (uint32_t)json_integer_value(uid), e);
		if (r < 0)
			return r;
	}
	return 0;
}

int bld_step_findings(struct bld_ctx *c, const struct bld_instr *in, const struct bld_layer *l,
		      struct brig_err *e)
{
	int r = replay(c, e);
	return r < 0 ? r : walk_findings(c, in, l, e);
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
