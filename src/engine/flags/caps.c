/* SPDX-License-Identifier: Apache-2.0 */
/* --cap-add, --cap-drop and --privileged. */
#include "engine/flags/flags-internal.h"

#include <fcntl.h>
#include <string.h>

static const char *const cap_sets[] = { "bounding", "effective", "permitted" };

int eng_cap_normalize(const char *name, const char **out)
{
	if (strcasecmp(name, "ALL") == 0) {
		*out = "ALL";
		return 0;
	}
	int cap = brig_cap_from_name(name);
	if (cap < 0)
		return -EINVAL;
	*out = brig_cap_name(cap);
	return 0;
}

/* The number of capabilities the running kernel knows (at most ours). */
static int kernel_caps(void)
{
	int n = brig_cap_last() + 1;
	return n < brig_cap_count() ? n : brig_cap_count();
}

static int add_cap(char ***v, const char *name, struct brig_err *e)
{
	const char *norm;
	if (eng_cap_normalize(name, &norm) < 0)
		return brig_err_set(e, -EINVAL, "unknown capability \"%.64s\"", name);
	return eng_strv_has(*v, norm) ? 0 : eng_strv_push(v, norm, e);
}

int eng_set_cap_add(struct eng_flags *f, const char *v, struct brig_err *e)
{
	return add_cap(&f->cap_add, v, e);
}

int eng_set_cap_drop(struct eng_flags *f, const char *v, struct brig_err *e)
{
	return add_cap(&f->cap_drop, v, e);
}

int eng_set_privileged(struct eng_flags *f, const char *v, struct brig_err *e)
{
	if (eng_parse_bool(v, &f->privileged.v) < 0)
		return brig_err_set(e, -EINVAL, "invalid boolean \"%.64s\"", v);
	f->privileged.set = true;
	return 0;
}

static int push_unique(char ***v, const char *s, struct brig_err *e)
{
	return eng_strv_has(*v, s) ? 0 : eng_strv_push(v, s, e);
}

/*
 * Docker's rules: --cap-add ALL (or --privileged) gives every capability
 * but the dropped ones; else --cap-drop ALL keeps only the added ones; else
 * the defaults less the dropped plus the added (an add beats a drop).
 */
static int compute_caps(const struct eng_flags *f, const json_t *basics, char ***out,
			struct brig_err *e)
{
	int r = 0;
	if (eng_flags_privileged(f) || eng_strv_has(f->cap_add, "ALL")) {
		int n = kernel_caps();
		for (int i = 0; r == 0 && i < n; i++)
			if (!eng_strv_has(f->cap_drop, brig_cap_name(i)))
				r = push_unique(out, brig_cap_name(i), e);
		return r;
	}
	if (!eng_strv_has(f->cap_drop, "ALL")) {
		size_t i;
		json_t *c;
		json_array_foreach(basics, i, c)
		{
			const char *s = json_string_value(c);
			if (s && !eng_strv_has(f->cap_drop, s) && (r = push_unique(out, s, e)) < 0)
				return r;
		}
	}
	for (size_t i = 0; r == 0 && f->cap_add && f->cap_add[i]; i++)
		r = push_unique(out, f->cap_add[i], e);
	return r;
}

int eng_apply_caps(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	if (!eng_flags_privileged(f) && !f->cap_add && !f->cap_drop)
		return 0;
	json_t *proc = eng_json_obj(oci, "process");
	json_t *caps = proc ? eng_json_obj(proc, "capabilities") : NULL;
	if (!caps)
		return brig_err_set(e, -EINVAL, "process.capabilities is not an object");
	_cleanup_strv_ char **list = NULL;
	int r = compute_caps(f, json_object_get(caps, "bounding"), &list, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cap_sets); i++)
		if ((r = eng_json_set(caps, cap_sets[i], eng_strv_json(list), e)) < 0)
			return r;
	(void)json_object_del(caps, "inheritable");
	(void)json_object_del(caps, "ambient");
	return 0;
}

/* Drop "ro" from the /sys and /sys/fs/cgroup mounts (Docker makes them
 * writable for a privileged container). */
static int sys_writable(json_t *oci, struct brig_err *e)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(oci, "mounts"), i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));
		json_t *opts = json_object_get(m, "options");
		if (!dst || (strcmp(dst, "/sys") != 0 && strcmp(dst, "/sys/fs/cgroup") != 0))
			continue;
		for (size_t j = json_array_size(opts); j-- > 0;) {
			const char *o = json_string_value(json_array_get(opts, j));
			if (o && strcmp(o, "ro") == 0 && json_array_remove(opts, j) < 0)
				return brig_err_oom(e);
		}
	}
	return 0;
}

/* --privileged: every device allowed, no seccomp filter, nothing masked or
 * read-only in /proc and /sys.  (Capabilities: eng_apply_caps.) */
int eng_apply_privileged(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	if (!eng_flags_privileged(f))
		return 0;
	json_t *lx = eng_json_obj(oci, "linux");
	if (!lx)
		return brig_err_set(e, -EINVAL, "linux is not an object");
	(void)json_object_del(lx, "seccomp");
	(void)json_object_del(lx, "maskedPaths");
	(void)json_object_del(lx, "readonlyPaths");
	json_t *res = eng_json_obj(lx, "resources");
	if (!res)
		return brig_err_set(e, -EINVAL, "linux.resources is not an object");
	int r = eng_json_set(res, "devices", json_pack("[{s:b,s:s}]", "allow", 1, "access", "rwm"),
			     e);
	return r < 0 ? r : sys_writable(oci, e);
}
