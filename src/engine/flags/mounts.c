/* SPDX-License-Identifier: Apache-2.0 */
/* --tmpfs and -v/--volume: parsing into struct eng_mount with the OCI
 * options decided here (nosuid always, nodev unless asked, ...). */
#include "engine/flags/flags-internal.h"
#include "engine/flags/mounts-internal.h"

#include <string.h>

void eng_mount_clear(struct eng_mount *m)
{
	free(m->raw);
	free(m->src);
	free(m->dst);
	free(m->host_path);
	free(m->propagation);
	brig_strv_free(m->opts);
	memset(m, 0, sizeof(*m));
}

void eng_mounts_free(struct eng_flags *f)
{
	for (size_t i = 0; i < f->n_mounts; i++)
		eng_mount_clear(&f->mounts[i]);
	free(f->mounts);
}

int eng_mount_add(struct eng_flags *f, struct eng_mount *m, struct brig_err *e)
{
	for (size_t i = 0; i < f->n_mounts; i++)
		if (strcmp(f->mounts[i].dst, m->dst) == 0)
			return brig_err_set(e, -EINVAL, "duplicate mount point %s", m->dst);
	struct eng_mount *nm = realloc(f->mounts, (f->n_mounts + 1) * sizeof(*nm));
	if (!nm)
		return brig_err_oom(e);
	f->mounts = nm;
	nm[f->n_mounts++] = *m;
	memset(m, 0, sizeof(*m));
	return 0;
}

bool eng_propagation_ok(const char *s)
{
	static const char *const modes[] = { "private", "rprivate", "shared",
					     "rshared", "slave",    "rslave" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(modes); i++)
		if (strcmp(s, modes[i]) == 0)
			return true;
	return false;
}

/*
 * The options of a bind or volume mount; nonrec: "bind" not "rbind".
 * nosuid and nodev (unless dev), noexec when asked, and read-only when
 * readonly, hold on every submount of a recursive bind too (rnosuid,
 * rnodev, rnoexec, rro) unless ro_top_only (Docker's
 * bind-recursive=writable).  A writable bind says nothing about ro: it
 * keeps whatever its source mount has (a read-only host mount stays so).
 */
int eng_bind_opts(struct eng_mount *m, bool nonrec, bool ro_top_only, bool dev, bool noexec,
		  struct brig_err *e)
{
	int r = eng_strv_push(&m->opts, nonrec ? "bind" : "rbind", e);
	if (r == 0)
		r = eng_strv_push(&m->opts, "nosuid", e);
	if (r == 0)
		r = eng_strv_push(&m->opts, "rnosuid", e);
	if (r == 0 && !dev)
		r = eng_strv_push(&m->opts, "nodev", e);
	if (r == 0 && !dev)
		r = eng_strv_push(&m->opts, "rnodev", e);
	if (r == 0 && noexec)
		r = eng_strv_push(&m->opts, "noexec", e);
	if (r == 0 && noexec)
		r = eng_strv_push(&m->opts, "rnoexec", e);
	if (r == 0 && m->readonly)
		r = eng_strv_push(&m->opts, "ro", e);
	if (r == 0 && m->readonly && !ro_top_only)
		r = eng_strv_push(&m->opts, "rro", e);
	if (r == 0)
		r = eng_strv_push(&m->opts, m->propagation ? m->propagation : "rprivate", e);
	return r;
}

/* tmpfs options: size and mode in the fields, the rest in the vector. */
int eng_tmpfs_opts(struct eng_mount *m, bool exec, char **extra, struct brig_err *e)
{
	int r = eng_strv_push(&m->opts, "nosuid", e);
	if (r == 0)
		r = eng_strv_push(&m->opts, "nodev", e);
	if (r == 0 && !exec)
		r = eng_strv_push(&m->opts, "noexec", e);
	if (r == 0 && m->readonly)
		r = eng_strv_push(&m->opts, "ro", e);
	for (size_t i = 0; r == 0 && extra && extra[i]; i++)
		r = eng_strv_push(&m->opts, extra[i], e);
	char buf[64];
	if (r == 0 && m->tmpfs_mode >= 0) {
		(void)snprintf(buf, sizeof(buf), "mode=%04llo", (unsigned long long)m->tmpfs_mode);
		r = eng_strv_push(&m->opts, buf, e);
	}
	if (r == 0 && m->tmpfs_size > 0) {
		(void)snprintf(buf, sizeof(buf), "size=%lld", (long long)m->tmpfs_size);
		r = eng_strv_push(&m->opts, buf, e);
	}
	return r;
}

int eng_parse_mode(const char *s, int64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0' || strlen(s) > 5)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '7')
			return -EINVAL;
		v = v * 8 + (uint64_t)(*p - '0');
	}
	if (v > 07777)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

/* One --tmpfs option; plain ones are kept in *extra. */
static int tmpfs_opt(struct eng_mount *m, const char *o, bool *exec, char ***extra,
		     struct brig_err *e)
{
	static const char *const plain[] = { "nosuid", "nodev",    "rw",          "noatime",
					     "atime",  "relatime", "strictatime", "nodiratime",
					     "sync",   "async",    "dirsync",     "nosymfollow" };
	uint64_t n;
	if (strncmp(o, "size=", 5) == 0)
		return brig_parse_size(o + 5, &m->tmpfs_size, e) < 0 || m->tmpfs_size == 0
			? brig_err_set(e, -EINVAL, "invalid size in \"%.64s\"", o)
			: 0;
	if (strncmp(o, "mode=", 5) == 0)
		return eng_parse_mode(o + 5, &m->tmpfs_mode) < 0
			? brig_err_set(e, -EINVAL,
				       "invalid mode in \"%.64s\" (octal, at most "
				       "07777)",
				       o)
			: 0;
	if (!strncmp(o, "uid=", 4) || !strncmp(o, "gid=", 4) || !strncmp(o, "nr_inodes=", 10)) {
		if (brig_parse_u64(strchr(o, '=') + 1, &n) < 0 || n > UINT32_MAX)
			return brig_err_set(e, -EINVAL, "invalid number in \"%.64s\"", o);
		return eng_strv_push(extra, o, e);
	}
	if (strcmp(o, "exec") == 0 || strcmp(o, "noexec") == 0) {
		*exec = o[0] == 'e';
		return 0;
	}
	if (strcmp(o, "ro") == 0) {
		m->readonly = true;
		return 0;
	}
	if (strcmp(o, "suid") == 0 || strcmp(o, "dev") == 0)
		return brig_err_set(e, -EPERM,
				    "option \"%s\" is refused: brig mounts tmpfs "
				    "nosuid,nodev",
				    o);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(plain); i++)
		if (strcmp(o, plain[i]) == 0)
			return eng_strv_has(*extra, o) ? 0 : eng_strv_push(extra, o, e);
	return brig_err_set(e, -EINVAL, "unknown tmpfs option \"%.64s\"", o);
}

int eng_set_tmpfs(struct eng_flags *f, const char *v, struct brig_err *e)
{
	_cleanup_(eng_mount_clear) struct eng_mount m = { .kind = ENG_MNT_TMPFS,
							  .from = ENG_FROM_TMPFS,
							  .tmpfs_mode = -1 };
	_cleanup_strv_ char **extra = NULL;
	_cleanup_free_ char *copy = strdup(v);
	if (!copy || !(m.raw = strdup(v)))
		return brig_err_oom(e);
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = '\0';
	if (!eng_path_ok(copy))
		return brig_err_set(e, -EINVAL, "\"%.256s\" is not an absolute path (and not /)",
				    copy);
	if (!(m.dst = strdup(copy)))
		return brig_err_oom(e);
	bool exec = false;
	for (char *save = NULL, *o = opts ? strtok_r(opts, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		int r = tmpfs_opt(&m, o, &exec, &extra, e);
		if (r < 0)
			return r;
	}
	int r = eng_tmpfs_opts(&m, exec, extra, e);
	return r < 0 ? r : eng_mount_add(f, &m, e);
}

/* ---- -v / --volume ------------------------------------------------------- */

struct vol_opts {
	int rw; /* -1 unset, 0 ro, 1 rw */
	int label; /* 0, 'z' or 'Z' */
	bool nocopy, dev, noexec, chown_u;
	const char *prop;
};

static int vol_opt(struct eng_flags *f, struct vol_opts *vo, const char *o, struct brig_err *e)
{
	if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0) {
		if (vo->rw >= 0)
			return brig_err_set(e, -EINVAL, "more than one of ro, rw");
		vo->rw = o[1] == 'w';
	} else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0) {
		if (vo->label)
			return brig_err_set(e, -EINVAL, "more than one of z, Z");
		vo->label = o[0];
		return eng_notice(f, e,
				  "--volume option %s (SELinux relabeling) has no effect: "
				  "SELinux is not in use",
				  o);
	} else if (eng_propagation_ok(o)) {
		if (vo->prop)
			return brig_err_set(e, -EINVAL, "more than one propagation mode");
		vo->prop = o;
	} else if (strcmp(o, "nocopy") == 0) {
		vo->nocopy = true;
	} else if (strcmp(o, "U") == 0) {
		vo->chown_u = true;
	} else if (strcmp(o, "dev") == 0 || strcmp(o, "nodev") == 0) {
		vo->dev = o[0] == 'd';
	} else if (strcmp(o, "exec") == 0 || strcmp(o, "noexec") == 0) {
		vo->noexec = o[0] == 'n';
	} else if (strcmp(o, "suid") == 0) {
		return brig_err_set(e, -EPERM,
				    "option \"suid\" is refused: brig mounts volumes "
				    "nosuid");
	} else if (strcmp(o, "nosuid") != 0) {
		return brig_err_set(e, -EINVAL, "unknown option \"%.64s\"", o);
	}
	return 0;
}

/* A volume name as Docker allows them: [A-Za-z0-9][A-Za-z0-9_.-]+ */
bool eng_volume_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("_.-", c)))
			return false;
	}
	return true;
}

static int vol_source(struct eng_mount *m, const char *src, struct brig_err *e)
{
	if (src[0] == '/') {
		if (!eng_path_ok(src) && strcmp(src, "/") != 0)
			return brig_err_set(e, -EINVAL, "\"%.256s\" is not a clean absolute path",
					    src);
		m->kind = ENG_MNT_BIND;
	} else if (src[0] != '\0' && !eng_volume_name_ok(src)) {
		return brig_err_set(e, -EINVAL,
				    "\"%.64s\" is not an absolute host path or a "
				    "volume name ([A-Za-z0-9][A-Za-z0-9_.-]+)",
				    src);
	}
	return (m->src = strdup(src)) ? 0 : brig_err_oom(e);
}

static int vol_fill(struct eng_flags *f, struct eng_mount *m, char **parts, size_t n,
		    struct brig_err *e)
{
	struct vol_opts vo = { .rw = -1 };
	const char *src = n == 1 ? "" : parts[0], *dst = n == 1 ? parts[0] : parts[1];
	int r = vol_source(m, src, e);
	if (r < 0)
		return r;
	if (!eng_path_ok(dst))
		return brig_err_set(e, -EINVAL,
				    "destination \"%.256s\" is not an absolute path "
				    "(and not /)",
				    dst);
	if (!(m->dst = strdup(dst)))
		return brig_err_oom(e);
	for (char *save = NULL, *o = n == 3 ? strtok_r(parts[2], ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save))
		if ((r = vol_opt(f, &vo, o, e)) < 0)
			return r;
	if (vo.nocopy && m->kind == ENG_MNT_BIND)
		return brig_err_set(e, -EINVAL, "nocopy is for volumes, not bind mounts");
	if (vo.chown_u && m->kind != ENG_MNT_BIND)
		return brig_err_set(e, -EINVAL, "U is for bind mounts of a host path, not volumes");
	m->readonly = vo.rw == 0;
	m->nocopy = vo.nocopy;
	m->chown_u = vo.chown_u;
	if (vo.prop && !(m->propagation = strdup(vo.prop)))
		return brig_err_oom(e);
	return eng_bind_opts(m, false, false, vo.dev, vo.noexec, e);
}

int eng_set_volume(struct eng_flags *f, const char *v, struct brig_err *e)
{
	_cleanup_(eng_mount_clear) struct eng_mount m = { .kind = ENG_MNT_VOLUME,
							  .from = ENG_FROM_VOLUME,
							  .tmpfs_mode = -1 };
	_cleanup_free_ char *copy = strdup(v);
	if (!copy || !(m.raw = strdup(v)))
		return brig_err_oom(e);
	char *parts[3];
	size_t n = 0;
	for (char *p = copy; p; n++) {
		if (n == 3)
			return brig_err_set(e, -EINVAL, "\"%.256s\" is not [SRC:]DST[:OPTS]", v);
		parts[n] = p;
		if ((p = strchr(p, ':')))
			*p++ = '\0';
	}
	int r = vol_fill(f, &m, parts, n, e);
	return r < 0 ? r : eng_mount_add(f, &m, e);
}
