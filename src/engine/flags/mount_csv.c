/* SPDX-License-Identifier: Apache-2.0 */
/* --mount type=bind|volume|tmpfs,src=...,dst=...,... (CSV, like Docker). */
#include "engine/flags/flags-internal.h"
#include "engine/flags/mounts-internal.h"

#include <string.h>
#include <sys/stat.h>

/* Append s[0..n) to a growing buffer. */
static int buf_add(char **buf, size_t *len, const char *s, size_t n, struct brig_err *e)
{
	char *nb = realloc(*buf, *len + n + 1);
	if (!nb)
		return brig_err_oom(e);
	memcpy(nb + *len, s, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

/* One field starting at *p; *p is left on the ',' or the NUL after it. */
static int csv_field(const char **p, char **out, struct brig_err *e)
{
	const char *s = *p;
	size_t len = 0;
	if (*s != '"') {
		size_t n = strcspn(s, ",");
		if (memchr(s, '"', n))
			return brig_err_set(e, -EINVAL, "bare \" in an unquoted field");
		*p = s + n;
		return buf_add(out, &len, s, n, e);
	}
	int r = buf_add(out, &len, "", 0, e);
	if (r < 0)
		return r;
	for (s++;;) {
		const char *q = strchr(s, '"');
		if (!q)
			return brig_err_set(e, -EINVAL, "unterminated quoted field");
		if ((r = buf_add(out, &len, s, (size_t)(q - s), e)) < 0)
			return r;
		if (q[1] == '"') { /* "" is a quote */
			if ((r = buf_add(out, &len, "\"", 1, e)) < 0)
				return r;
			s = q + 2;
			continue;
		}
		if (q[1] != ',' && q[1] != '\0')
			return brig_err_set(e, -EINVAL, "extraneous \" in a field");
		*p = q + 1;
		return 0;
	}
}

int eng_csv_split(const char *s, char ***out, struct brig_err *e)
{
	_cleanup_strv_ char **v = calloc(1, sizeof(char *));
	if (!v)
		return brig_err_oom(e);
	for (const char *p = s;;) {
		_cleanup_free_ char *field = NULL;
		int r = csv_field(&p, &field, e);
		if (r < 0 || (r = eng_strv_push(&v, field, e)) < 0)
			return r;
		if (*p == '\0')
			break;
		p++; /* the ',' */
	}
	*out = brig_steal_ptr(v);
	return 0;
}

struct mnt_spec {
	const char *type, *src, *dst, *prop, *size, *mode;
	const char *brec; /* bind-recursive (Docker 25) */
	int ro, nocopy, nonrec; /* -1: not given */
};

static int csv_bool(const char *key, const char *val, int *out, struct brig_err *e)
{
	bool b = true;
	if (val && eng_parse_bool(val, &b) < 0)
		return brig_err_set(e, -EINVAL, "%s: invalid boolean \"%.32s\"", key, val);
	*out = b;
	return 0;
}

static int csv_kv(struct mnt_spec *s, const char *key, const char *val, struct brig_err *e)
{
	const char **str = !strcmp(key, "type")                 ? &s->type
		: !strcmp(key, "source") || !strcmp(key, "src") ? &s->src
		: !strcmp(key, "destination") || !strcmp(key, "dst") || !strcmp(key, "target")
		? &s->dst
		: !strcmp(key, "bind-propagation") ? &s->prop
		: !strcmp(key, "bind-recursive")   ? &s->brec
		: !strcmp(key, "tmpfs-size")       ? &s->size
		: !strcmp(key, "tmpfs-mode")       ? &s->mode
						   : NULL;
	if (str) {
		if (!val)
			return brig_err_set(e, -EINVAL, "%s needs a value", key);
		*str = val;
		return 0;
	}
	if (!strcmp(key, "readonly") || !strcmp(key, "ro"))
		return csv_bool(key, val, &s->ro, e);
	if (!strcmp(key, "volume-nocopy"))
		return csv_bool(key, val, &s->nocopy, e);
	if (!strcmp(key, "bind-nonrecursive"))
		return csv_bool(key, val, &s->nonrec, e);
	if (!strcmp(key, "consistency"))
		return 0; /* macOS only, ignored like Docker does on Linux */
	if (!strncmp(key, "volume-", 7))
		return brig_err_set(e, -EINVAL, "%s is not supported (no volume drivers)", key);
	return brig_err_set(e, -EINVAL, "unknown key \"%.64s\"", key);
}

static int csv_parse(char **fields, struct mnt_spec *s, struct brig_err *e)
{
	*s = (struct mnt_spec){ .type = "volume", .ro = -1, .nocopy = -1, .nonrec = -1 };
	for (size_t i = 0; fields[i]; i++) {
		char *eq = strchr(fields[i], '=');
		if (eq)
			*eq = '\0';
		int r = csv_kv(s, fields[i], eq ? eq + 1 : NULL, e);
		if (r < 0)
			return r;
	}
	if (!s->dst)
		return brig_err_set(e, -EINVAL, "needs a destination (dst=)");
	bool bind = !strcmp(s->type, "bind"), vol = !strcmp(s->type, "volume");
	bool tmpfs = !strcmp(s->type, "tmpfs");
	if (!bind && !vol && !tmpfs)
		return brig_err_set(e, -EINVAL, "type \"%.32s\" is not bind, volume or tmpfs",
				    s->type);
	if ((s->prop || s->nonrec >= 0 || s->brec) && !bind)
		return brig_err_set(e, -EINVAL, "bind-* options need type=bind");
	if (s->nocopy >= 0 && !vol)
		return brig_err_set(e, -EINVAL, "volume-nocopy needs type=volume");
	if ((s->size || s->mode) && !tmpfs)
		return brig_err_set(e, -EINVAL, "tmpfs-* options need type=tmpfs");
	if (tmpfs && s->src)
		return brig_err_set(e, -EINVAL, "a tmpfs mount has no source");
	if (bind && !s->src)
		return brig_err_set(e, -EINVAL, "a bind mount needs a source (src=)");
	return 0;
}

static int fill_bind(struct eng_mount *m, const struct mnt_spec *s, struct brig_err *e)
{
	struct stat st;
	m->kind = ENG_MNT_BIND;
	if (s->src[0] != '/' || (!eng_path_ok(s->src) && strcmp(s->src, "/") != 0))
		return brig_err_set(e, -EINVAL,
				    "bind source \"%.256s\" is not a clean absolute "
				    "path",
				    s->src);
	if (stat(s->src, &st) < 0)
		return brig_err_sys(e, errno, "bind source path %s", s->src);
	if (s->prop && !eng_propagation_ok(s->prop))
		return brig_err_set(e, -EINVAL, "invalid bind-propagation \"%.32s\"", s->prop);
	if (s->prop && !(m->propagation = strdup(s->prop)))
		return brig_err_oom(e);
	/* Docker 25: enabled (the default: submounts too, read-only with the
	 * top), disabled (no submounts), writable (submounts keep their own
	 * ro), readonly (submounts read-only, needs readonly=true). */
	const char *br = s->brec ? s->brec : "enabled";
	bool nonrec = s->nonrec > 0 || !strcmp(br, "disabled");
	if (strcmp(br, "enabled") && strcmp(br, "disabled") && strcmp(br, "writable") &&
	    strcmp(br, "readonly"))
		return brig_err_set(e, -EINVAL,
				    "invalid bind-recursive \"%.32s\" (enabled, "
				    "disabled, writable or readonly)",
				    br);
	if (s->brec && s->nonrec >= 0)
		return brig_err_set(e, -EINVAL, "bind-recursive and bind-nonrecursive conflict");
	if (!strcmp(br, "readonly") && !m->readonly)
		return brig_err_set(e, -EINVAL, "bind-recursive=readonly needs readonly");
	return eng_bind_opts(m, nonrec, !strcmp(br, "writable"), false, false, e);
}

static int fill_tmpfs(struct eng_mount *m, const struct mnt_spec *s, struct brig_err *e)
{
	m->kind = ENG_MNT_TMPFS;
	if (s->size && (brig_parse_size(s->size, &m->tmpfs_size, e) < 0 || m->tmpfs_size == 0))
		return brig_err_set(e, -EINVAL, "invalid tmpfs-size \"%.32s\"", s->size);
	if (s->mode && eng_parse_mode(s->mode, &m->tmpfs_mode) < 0)
		return brig_err_set(e, -EINVAL,
				    "invalid tmpfs-mode \"%.32s\" (octal, at most "
				    "07777)",
				    s->mode);
	return eng_tmpfs_opts(m, false, NULL, e);
}

static int fill_mount(struct eng_mount *m, const struct mnt_spec *s, struct brig_err *e)
{
	if (!eng_path_ok(s->dst))
		return brig_err_set(e, -EINVAL,
				    "destination \"%.256s\" is not an absolute path "
				    "(and not /)",
				    s->dst);
	if (!(m->dst = strdup(s->dst)))
		return brig_err_oom(e);
	m->readonly = s->ro > 0;
	if (!strcmp(s->type, "bind")) {
		if (!(m->src = strdup(s->src)))
			return brig_err_oom(e);
		return fill_bind(m, s, e);
	}
	if (!strcmp(s->type, "tmpfs"))
		return fill_tmpfs(m, s, e);
	const char *name = s->src ? s->src : "";
	if (*name && !eng_volume_name_ok(name))
		return brig_err_set(e, -EINVAL,
				    "\"%.64s\" is not a volume name "
				    "([A-Za-z0-9][A-Za-z0-9_.-]+)",
				    name);
	m->nocopy = s->nocopy > 0;
	if (!(m->src = strdup(name)))
		return brig_err_oom(e);
	return eng_bind_opts(m, false, false, false, false, e);
}

int eng_set_mount(struct eng_flags *f, const char *v, struct brig_err *e)
{
	_cleanup_(eng_mount_clear) struct eng_mount m = { .kind = ENG_MNT_VOLUME,
							  .from = ENG_FROM_MOUNT,
							  .tmpfs_mode = -1 };
	_cleanup_strv_ char **fields = NULL;
	struct mnt_spec s;
	int r = eng_csv_split(v, &fields, e);
	if (r < 0 || (r = csv_parse(fields, &s, e)) < 0 || (r = fill_mount(&m, &s, e)) < 0)
		return r;
	if (!(m.raw = strdup(v)))
		return brig_err_oom(e);
	return eng_mount_add(f, &m, e);
}
